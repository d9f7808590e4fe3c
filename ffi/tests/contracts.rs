//! The C API conventions (README, "C API conventions") on inputs the `c_abi` fuzz target
//! found breaking them, called through the exported functions as C does.

use std::ptr;
use vfnl::assignment::*;
use vfnl::result::*;
use vfnl::snapshot::*;

/// CRC-32 (IEEE, reflected, as zlib's crc32()), the snapshot format's checksum.
fn crc32(b: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &x in b {
        crc ^= u32::from(x);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Found by `c_abi` (fuzz/artifacts/c_abi/crash-2d500fa7...): a well-formed snapshot of no
/// ports (VF 1, PCI 0000:01:00.0) has nothing to restore. vfnl_snapshot_restore_encode
/// refused it with VFNL_ERR_INVALID_ARGUMENT but had already written `*needed` (0), which
/// the conventions allow only with VFNL_ERR_BUFFER_TOO_SMALL: the batch's size came from
/// `Assignment::batch_len`, which measured an empty assignment as 0 bytes where
/// `encode_batch` refuses it.
#[test]
fn restore_of_a_snapshot_with_no_ports_writes_nothing() {
    let mut snap = [0u8; VFNL_SNAPSHOT_LEN];
    // The crashing input's snapshot: magic, version 1, record length 208, length 1700, VF 1,
    // a PCI address, no ports; zeros, and its CRC-32 (the target fixes it up).
    snap[..22].copy_from_slice(&[
        0x56, 0x46, 0x4e, 0x4c, 0x53, 0x4e, 0x41, 0x50, 0x01, 0x00, 0xd0, 0x00, 0xa4, 0x06, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01,
    ]);
    let crc = crc32(&snap[..VFNL_SNAPSHOT_LEN - 4]);
    snap[VFNL_SNAPSHOT_LEN - 4..].copy_from_slice(&crc.to_le_bytes());

    let mut complete = 0xa5u8;
    // SAFETY (this test's calls): pointers to live locals, lengths of their buffers.
    let r = unsafe { vfnl_snapshot_check(snap.as_ptr(), snap.len(), &mut complete) };
    assert_eq!((r, complete), (VFNL_OK, 1));

    let untouched = vfnl_batch {
        vf: 0xa5a5_a5a5,
        ..Default::default()
    };
    let mut buf = [0x5au8; 512];
    for len in [0, buf.len()] {
        let (mut needed, mut out) = (0xa5a5_usize, untouched);
        let p = if len == 0 {
            ptr::null_mut()
        } else {
            buf.as_mut_ptr()
        };
        let r = unsafe {
            vfnl_snapshot_restore_encode(
                snap.as_ptr(),
                snap.len(),
                1,
                p,
                len,
                &mut needed,
                &mut out,
            )
        };
        assert_eq!(r, VFNL_ERR_INVALID_ARGUMENT, "buffer of {len}");
        assert_eq!(needed, 0xa5a5, "*needed written on {r:?}");
        assert_eq!(out, untouched, "*out written on {r:?}");
    }
    assert!(buf.iter().all(|&b| b == 0x5a));
}

/// The same path through vfnl_batch_encode: an assignment with no ports is refused with
/// nothing written, `*needed` included.
#[test]
fn batch_encode_of_no_ports_writes_nothing() {
    // SAFETY: all-integer struct; zero is valid for every field.
    let a: vfnl_assignment = unsafe { std::mem::zeroed() };
    let port = vfnl_port {
        number: 1,
        ifindex: 2,
        name: [0; VFNL_IFNAME_SIZE],
    };
    let untouched = vfnl_batch {
        vf: 0xa5a5_a5a5,
        ..Default::default()
    };
    let (mut needed, mut out) = (0xa5a5_usize, untouched);
    // SAFETY: pointers to live locals; NULL with length 0 is an empty buffer.
    let r =
        unsafe { vfnl_batch_encode(&a, &port, 1, 1, ptr::null_mut(), 0, &mut needed, &mut out) };
    assert_eq!(r, VFNL_ERR_INVALID_ARGUMENT);
    assert_eq!(needed, 0xa5a5, "*needed written on {r:?}");
    assert_eq!(out, untouched);
}
