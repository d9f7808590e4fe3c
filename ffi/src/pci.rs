//! PCI addresses: parse and format.

use crate::guard;
use crate::ptr;
use crate::result::*;
use std::ffi::c_char;
use vfnl_core::PciAddress;

/// A PCI function's address, `domain:bus:slot.function`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct vfnl_pci_address {
    /// PCI segment.
    pub domain: u32,
    /// Bus.
    pub bus: u8,
    /// Slot, 0..31.
    pub slot: u8,
    /// Function, 0..7.
    pub function: u8,
}

impl vfnl_pci_address {
    pub(crate) fn checked(self) -> Result<PciAddress, vfnl_result> {
        if self.slot > 0x1f || self.function > 7 {
            return Err(VFNL_ERR_INVALID_ARGUMENT);
        }
        Ok(PciAddress {
            domain: self.domain,
            bus: self.bus,
            slot: self.slot,
            function: self.function,
        })
    }

    pub(crate) fn from_core(a: PciAddress) -> Self {
        vfnl_pci_address {
            domain: a.domain,
            bus: a.bus,
            slot: a.slot,
            function: a.function,
        }
    }
}

/// Parses "0000:06:02.1" (or the short "06:02.1") into `*out`.
///
/// # Safety
/// `text` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_pci_parse(
    text: *const c_char,
    out: *mut vfnl_pci_address,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (text, out) = unsafe { (ptr::cstr(text)?, ptr::w(out)?) };
        let a: PciAddress = text.parse().map_err(|_| VFNL_ERR_INVALID_ARGUMENT)?;
        *out = vfnl_pci_address::from_core(a);
        Ok(())
    })
}

/// Formats `*addr` canonically ("0000:06:02.1") into `buf` with a NUL; `*written` gets the
/// length without the NUL. A short buffer gives VFNL_ERR_BUFFER_TOO_SMALL with the size
/// needed (NUL included) in `*written`.
///
/// # Safety
/// `addr` is NULL or readable; `buf` is NULL or has `len` writable bytes; `written` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_pci_format(
    addr: *const vfnl_pci_address,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (addr, written) = unsafe { (ptr::r(addr)?, ptr::w(written)?) };
        // SAFETY: per this function's contract.
        let buf = unsafe { ptr::bytes_mut(buf.cast(), len)? };
        let mut text = [0; vfnl_core::pci::PCI_ADDRESS_MAX_LEN];
        let text = addr.checked()?.format_into(&mut text).as_bytes();
        // The text and its NUL, or the size they need.
        let Some(out) = buf.get_mut(..=text.len()) else {
            *written = text.len() + 1;
            return Err(VFNL_ERR_BUFFER_TOO_SMALL);
        };
        for (o, b) in out.iter_mut().zip(text.iter().chain(&[0])) {
            *o = *b;
        }
        *written = text.len();
        Ok(())
    })
}
