//! Reading and writing through C pointers: the one place that turns them into references.

use crate::result::vfnl_result;

/// `&T` from a pointer, or `VFNL_ERR_NULL`.
///
/// # Safety
/// `p` is NULL or points to a valid, initialised `T` that nothing mutates for `'a`.
pub(crate) unsafe fn r<'a, T>(p: *const T) -> Result<&'a T, vfnl_result> {
    // SAFETY: the caller guarantees `p` is NULL or valid for reads for 'a; NULL is handled.
    unsafe { p.as_ref() }.ok_or(vfnl_result::VFNL_ERR_NULL)
}

/// `&mut T` from a pointer, or `VFNL_ERR_NULL`.
///
/// # Safety
/// `p` is NULL or points to a `T` valid for reads and writes, not aliased, for `'a`.
pub(crate) unsafe fn w<'a, T>(p: *mut T) -> Result<&'a mut T, vfnl_result> {
    // SAFETY: the caller guarantees `p` is NULL or valid and unaliased for 'a.
    unsafe { p.as_mut() }.ok_or(vfnl_result::VFNL_ERR_NULL)
}

/// A byte slice from pointer and length, or `VFNL_ERR_NULL` (a zero length with a NULL
/// pointer is the empty slice).
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes that nothing mutates for `'a`.
pub(crate) unsafe fn bytes<'a>(p: *const u8, len: usize) -> Result<&'a [u8], vfnl_result> {
    if p.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(vfnl_result::VFNL_ERR_NULL)
        };
    }
    // SAFETY: non-NULL and, by the caller's guarantee, valid for `len` bytes for 'a.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A mutable byte slice from pointer and length, or `VFNL_ERR_NULL`.
///
/// # Safety
/// `p` is NULL or points to `len` writable bytes, not aliased, for `'a`.
pub(crate) unsafe fn bytes_mut<'a>(p: *mut u8, len: usize) -> Result<&'a mut [u8], vfnl_result> {
    if p.is_null() {
        return if len == 0 {
            Ok(&mut [])
        } else {
            Err(vfnl_result::VFNL_ERR_NULL)
        };
    }
    // SAFETY: non-NULL and, by the caller's guarantee, valid and unaliased for `len` bytes.
    Ok(unsafe { std::slice::from_raw_parts_mut(p, len) })
}

/// A slice of `T` from pointer and count.
///
/// # Safety
/// `p` is NULL or points to `n` valid `T`s that nothing mutates for `'a`.
pub(crate) unsafe fn slice<'a, T>(p: *const T, n: usize) -> Result<&'a [T], vfnl_result> {
    if p.is_null() {
        return if n == 0 {
            Ok(&[])
        } else {
            Err(vfnl_result::VFNL_ERR_NULL)
        };
    }
    // SAFETY: non-NULL and, by the caller's guarantee, valid for `n` elements for 'a.
    Ok(unsafe { std::slice::from_raw_parts(p, n) })
}

/// A NUL-terminated C string as UTF-8.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that nothing mutates for `'a`.
pub(crate) unsafe fn cstr<'a>(p: *const std::ffi::c_char) -> Result<&'a str, vfnl_result> {
    if p.is_null() {
        return Err(vfnl_result::VFNL_ERR_NULL);
    }
    // SAFETY: non-NULL and, by the caller's guarantee, a valid NUL-terminated string.
    let s = unsafe { std::ffi::CStr::from_ptr(p) };
    s.to_str()
        .map_err(|_| vfnl_result::VFNL_ERR_INVALID_ARGUMENT)
}

/// Copies `s` into a fixed C char array with a NUL; `VFNL_ERR_MALFORMED` if it does not fit.
pub(crate) fn put_str<const N: usize>(
    out: &mut [std::ffi::c_char; N],
    s: &str,
) -> Result<(), vfnl_result> {
    if s.len() >= N || s.as_bytes().contains(&0) {
        return Err(vfnl_result::VFNL_ERR_MALFORMED);
    }
    *out = [0; N];
    for (o, b) in out.iter_mut().zip(s.bytes()) {
        *o = b as std::ffi::c_char;
    }
    Ok(())
}

/// Reads a NUL-terminated string out of a fixed C char array; none found is invalid.
pub(crate) fn get_str<const N: usize>(a: &[std::ffi::c_char; N]) -> Result<&str, vfnl_result> {
    let bytes: &[u8; N] = bytemuck_cast(a);
    let len = bytes
        .iter()
        .position(|&b| b == 0)
        .ok_or(vfnl_result::VFNL_ERR_INVALID_ARGUMENT)?;
    std::str::from_utf8(bytes.get(..len).unwrap_or_default())
        .map_err(|_| vfnl_result::VFNL_ERR_INVALID_ARGUMENT)
}

fn bytemuck_cast<const N: usize>(a: &[std::ffi::c_char; N]) -> &[u8; N] {
    // SAFETY: c_char is i8 or u8, both one byte with no invalid values, so [c_char; N] and
    // [u8; N] have the same size, alignment and validity.
    unsafe { &*(a as *const [std::ffi::c_char; N] as *const [u8; N]) }
}
