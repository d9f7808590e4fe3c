//! Two C entry points over vfnl, for measuring what the codec adds to a C program: encode a
//! SETLINK for one VF, decode an RTM_NEWLINK and every VF in it. Not an API: the real C ABI
//! is the `ffi` crate.
#![cfg_attr(not(feature = "std"), no_std)]

use core::slice;
use vfnl::link::LinkMessage;
use vfnl::request::{LinkTarget, SetLink};
use vfnl::{Mac, VfConfig, VlanTag};

#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    extern "C" {
        fn abort() -> !;
    }
    // SAFETY: libc's abort takes nothing and never returns.
    unsafe { abort() }
}

/// One VF as the decoder reports it.
#[repr(C)]
pub struct VfnlSizeVf {
    /// VF index.
    pub vf: u32,
    /// First 6 bytes of the MAC.
    pub mac: [u8; 6],
    /// VLAN id.
    pub vlan: u32,
    /// 802.1p priority.
    pub qos: u32,
    /// Spoof check (0xFFFFFFFF: not reported).
    pub spoofchk: u32,
    /// Trust (0xFFFFFFFF: not reported).
    pub trust: u32,
}

/// Encodes a SETLINK for VF `vf` on `ifindex` with MAC, VLAN, spoofchk and trust; returns the
/// bytes written or -1.
///
/// # Safety
/// `mac` points to 6 bytes, `out` to `out_len` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn vfnl_size_encode_setlink(
    ifindex: u32,
    vf: u32,
    mac: *const u8,
    vlan: u32,
    qos: u32,
    spoofchk: bool,
    trust: bool,
    out: *mut u8,
    out_len: usize,
) -> isize {
    // SAFETY: the caller's contract above.
    let (mac, out) = unsafe {
        (
            slice::from_raw_parts(mac, 6),
            slice::from_raw_parts_mut(out, out_len),
        )
    };
    let Ok(mac) = Mac::new(mac) else { return -1 };
    let vfs = [VfConfig {
        mac: Some(mac),
        vlan: Some(VlanTag::dot1q(vlan, qos)),
        spoofchk: Some(spoofchk),
        trust: Some(trust),
        ..VfConfig::new(vf)
    }];
    match SetLink::new(LinkTarget::Index(ifindex), &vfs).encode(out) {
        Ok(n) => n as isize,
        Err(_) => -1,
    }
}

/// Decodes an RTM_NEWLINK and writes up to `cap` VFs to `vfs`; returns how many VFs the
/// message holds, or -1.
///
/// # Safety
/// `msg` points to `len` readable bytes, `vfs` to `cap` writable entries.
#[no_mangle]
pub unsafe extern "C" fn vfnl_size_decode_link(
    msg: *const u8,
    len: usize,
    vfs: *mut VfnlSizeVf,
    cap: usize,
) -> isize {
    // SAFETY: the caller's contract above.
    let (msg, vfs) = unsafe {
        (
            slice::from_raw_parts(msg, len),
            slice::from_raw_parts_mut(vfs, cap),
        )
    };
    let Ok(link) = LinkMessage::parse(msg) else {
        return -1;
    };
    let mut n = 0;
    for info in link.vfs() {
        let Ok(info) = info else { return -1 };
        if let Some(slot) = vfs.get_mut(n) {
            let tag = info.vlan_tag().unwrap_or_default();
            let mut mac = [0u8; 6];
            if let Some(m) = info.mac {
                mac.copy_from_slice(&m.to_field()[..6]);
            }
            *slot = VfnlSizeVf {
                vf: info.vf,
                mac,
                vlan: tag.vlan,
                qos: tag.qos,
                spoofchk: info.spoofchk.map_or(u32::MAX, |s| s.to_u32()),
                trust: info.trust.map_or(u32::MAX, |s| s.to_u32()),
            };
        }
        n += 1;
    }
    n as isize
}
