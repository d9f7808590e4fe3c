//! Result codes, their texts, and the library version.

use std::ffi::c_char;
use vfnl_core::sys::socket::SysError;
use vfnl_core::sys::topology::TopologyError;
use vfnl_core::Error;

/// What a fallible function did. The values are fixed and never renumbered.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vfnl_result {
    /// Success; outputs were written.
    VFNL_OK = 0,
    /// A required pointer was NULL.
    VFNL_ERR_NULL = 1,
    /// The output buffer is too small; `*needed` holds the size it must have.
    VFNL_ERR_BUFFER_TOO_SMALL = 2,
    /// An argument is out of range or not a valid value of its kind (a bad enum value, a VLAN
    /// above 4095, port 0, a string too long...).
    VFNL_ERR_INVALID_ARGUMENT = 3,
    /// Input bytes are not a well-formed message of the kind expected.
    VFNL_ERR_MALFORMED = 4,
    /// The VF list is shorter than IFLA_NUM_VF says: the reply was cut.
    VFNL_ERR_VF_LIST_TRUNCATED = 5,
    /// The VF list's 16-bit length wrapped (too many VFs); ask again with
    /// RTEXT_FILTER_SKIP_STATS to make it smaller.
    VFNL_ERR_VF_LIST_WRAPPED = 6,
    /// A snapshot failed its checks (length, magic, version, checksum, content).
    VFNL_ERR_BAD_SNAPSHOT = 7,
    /// What was asked for is not there (a VF not in the reply, a port not in the map).
    VFNL_ERR_NOT_FOUND = 8,
    /// The kernel refused a request; the report says which port and why.
    VFNL_ERR_KERNEL = 9,
    /// sysfs does not describe the VF as expected (missing device, broken link, garbage).
    VFNL_ERR_TOPOLOGY = 10,
    /// A system call failed (socket, timeout, lost messages).
    VFNL_ERR_SYSTEM = 11,
    /// A port's PF netdev is down; nothing was changed.
    VFNL_ERR_PF_DOWN = 12,
    /// Apply failed and the rollback did not fully succeed; the report says where.
    VFNL_ERR_ROLLBACK_INCOMPLETE = 13,
    /// An internal error (a panic) was caught; please report it.
    VFNL_ERR_PANIC = 99,
}

pub use vfnl_result::*;

impl From<Error> for vfnl_result {
    fn from(e: Error) -> Self {
        match e {
            Error::BufferTooSmall { .. } => VFNL_ERR_BUFFER_TOO_SMALL,
            Error::VfListTruncated { .. } => VFNL_ERR_VF_LIST_TRUNCATED,
            Error::VfListWrapped => VFNL_ERR_VF_LIST_WRAPPED,
            Error::BadSnapshot { .. } => VFNL_ERR_BAD_SNAPSHOT,
            Error::UnknownPort { .. } | Error::VfNotInReply { .. } => VFNL_ERR_NOT_FOUND,
            Error::Kernel { .. } => VFNL_ERR_KERNEL,
            Error::Truncated { .. }
            | Error::BadMessageLength { .. }
            | Error::BadAttrLength { .. }
            | Error::AttrPastEnd { .. }
            | Error::NestPastParent { .. }
            | Error::Misaligned { .. }
            | Error::BadPayloadLength { .. }
            | Error::BadString { .. }
            | Error::MissingVfIndex
            | Error::VfIndexMismatch { .. }
            | Error::BadVlanList { .. }
            | Error::UnexpectedMessageType { .. }
            | Error::UnexpectedSequence { .. }
            | Error::MessageAfterDone
            | Error::Overrun
            | Error::WrongLink { .. } => VFNL_ERR_MALFORMED,
            _ => VFNL_ERR_INVALID_ARGUMENT,
        }
    }
}

impl From<SysError> for vfnl_result {
    fn from(e: SysError) -> Self {
        match e {
            SysError::Codec(c) => c.into(),
            SysError::Kernel { .. } => VFNL_ERR_KERNEL,
            _ => VFNL_ERR_SYSTEM,
        }
    }
}

impl From<TopologyError> for vfnl_result {
    fn from(e: TopologyError) -> Self {
        match e {
            TopologyError::NotFound { .. } | TopologyError::NotAVf { .. } => VFNL_ERR_NOT_FOUND,
            _ => VFNL_ERR_TOPOLOGY,
        }
    }
}

/// The text for a result code; a value that is no code gives "unknown result code". Never
/// NULL; static, not to be freed.
#[no_mangle]
pub extern "C" fn vfnl_strerror(code: u32) -> *const c_char {
    let s: &'static [u8] = match code {
        0 => b"success\0",
        1 => b"a required pointer is NULL\0",
        2 => b"output buffer too small\0",
        3 => b"invalid argument\0",
        4 => b"malformed message\0",
        5 => b"VF list truncated (shorter than IFLA_NUM_VF)\0",
        6 => b"VF list length wrapped at 64 KiB\0",
        7 => b"bad snapshot (length, magic, version, checksum or content)\0",
        8 => b"not found\0",
        9 => b"the kernel refused the request\0",
        10 => b"unexpected sysfs topology\0",
        11 => b"system error (socket, timeout or lost messages)\0",
        12 => b"a PF netdev is down\0",
        13 => b"apply failed and the rollback is incomplete\0",
        99 => b"internal error (panic caught)\0",
        _ => b"unknown result code\0",
    };
    s.as_ptr().cast()
}

/// The library's version, e.g. "0.1.0" (the same as VFNL_VERSION in the header it was built
/// with). Static, not to be freed.
#[no_mangle]
pub extern "C" fn vfnl_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
