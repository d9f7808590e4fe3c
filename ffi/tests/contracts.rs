//! The C API conventions (README, "C API conventions") on inputs the `c_abi` fuzz target
//! found breaking them, called through the exported functions as C does.

#[allow(dead_code, clippy::all)]
#[path = "../../core/tests/golden/host_kernel.rs"]
mod host;
#[allow(dead_code, clippy::all)]
#[path = "../../core/tests/golden/igb_kernel.rs"]
mod igb;

use std::ptr;
use vfnl::acks::*;
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

/// The RFC's dual-port assignment encoded with vfnl_batch_encode (sequence numbers 1 and 2),
/// and its buffer.
fn dual_port_batch() -> (vfnl_batch, Vec<u8>) {
    let mut ports = [vfnl_port {
        number: 1,
        ifindex: 2,
        name: [0; VFNL_IFNAME_SIZE],
    }; 2];
    ports[1].number = 2;
    ports[1].ifindex = 3;
    // SAFETY: all-integer struct; zero is valid for every field.
    let mut a: vfnl_assignment = unsafe { std::mem::zeroed() };
    a.nports = 2;
    for (i, p) in a.ports[..2].iter_mut().enumerate() {
        p.port = i as u8 + 1;
        p.vf.set = VFNL_SET_MAC | VFNL_SET_VLAN;
        p.vf.mac[..6].copy_from_slice(&[0x52, 0x54, 0, 1, 2, 3]);
        p.vf.mac_len = 6;
        p.vf.vlan = 42 + i as u32;
        p.vf.vlan_proto = VFNL_VLAN_PROTO_8021Q;
    }
    let mut buf = vec![0u8; 512];
    let mut needed = 0;
    let mut batch = vfnl_batch::default();
    // SAFETY: pointers to live locals, lengths of their buffers.
    let r = unsafe {
        vfnl_batch_encode(
            &a,
            ports.as_ptr(),
            2,
            1,
            buf.as_mut_ptr(),
            buf.len(),
            &mut needed,
            &mut batch,
        )
    };
    assert_eq!(r, VFNL_OK);
    buf.truncate(needed);
    (batch, buf)
}

/// Found by `c_abi` (fuzz/artifacts/c_abi/crash-9cb800eb...): a `vfnl_acks` is the caller's
/// memory, and a port whose `offset + len` passes usize::MAX made vfnl_acks_feed overflow
/// when it located the port's message in the batch buffer for an extended-ACK offset: a
/// panic (VFNL_ERR_PANIC) in a build with overflow checks, a wrapped sum otherwise. Such a
/// message is not in the buffer: the refusal is recorded without an attribute path.
#[test]
fn acks_feed_with_a_port_window_past_usize_max() {
    let (batch, buf) = dual_port_batch();
    // The host kernel's ERANGE for a short IFLA_MTU, with extended-ACK offset 32, answering
    // port 2 (sequence number 2).
    let mut reply = host::EXTACK_MTU_SHORT_UNCAPPED_REPLY.to_vec();
    reply[8..12].copy_from_slice(&2u32.to_le_bytes());
    for (offset, len) in [(0, usize::MAX - 1), (usize::MAX - 1, 96), (usize::MAX, 1)] {
        // SAFETY (the calls below): pointers to live locals, lengths of their buffers.
        let mut acks: vfnl_acks = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { vfnl_acks_init(&batch, &mut acks) }, VFNL_OK);
        acks.ports[1].offset = offset;
        acks.ports[1].len = len;
        let mut report = vfnl_feed_report::default();
        let r = unsafe {
            vfnl_acks_feed(
                &mut acks,
                reply.as_ptr(),
                reply.len(),
                buf.as_ptr(),
                buf.len(),
                &mut report,
            )
        };
        assert_eq!(r, VFNL_OK, "offset {offset}, len {len}");
        assert_eq!(report.answered, 1);
        let p = &acks.ports[1];
        assert_eq!((p.status, p.error), (VFNL_STATUS_FAILED, 34));
        assert_eq!((p.has_ext_offset, p.ext_offset), (1, 32));
        assert_eq!(p.attr_depth, 0, "no message there, no path");
    }
}

/// Found by `c_abi` (fuzz/artifacts/c_abi/crash-b5b1bed2...): the counts of foreign and
/// duplicate answers in a `vfnl_acks` are the caller's too, and vfnl_acks_feed added to them
/// unchecked, overflowing at UINT64_MAX (VFNL_ERR_PANIC with overflow checks). They now stop
/// there.
#[test]
fn acks_feed_counts_stop_at_their_maximum() {
    let (batch, buf) = dual_port_batch();
    // A link reply (foreign: no answer to the batch), then igb's ACK of sequence number 1
    // twice (port 1; the second a duplicate).
    let ack = igb::IGB_SETLINK_VF_MAC_ACK_REPLY;
    let datagram = [host::GETLINK_VA_VF_REPLY, ack, ack].concat();
    // SAFETY (the calls below): pointers to live locals, lengths of their buffers.
    let mut acks: vfnl_acks = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { vfnl_acks_init(&batch, &mut acks) }, VFNL_OK);
    acks.foreign = u64::MAX;
    acks.duplicates = u64::MAX - 1;
    for duplicates in [1, 2] {
        let mut report = vfnl_feed_report::default();
        let r = unsafe {
            vfnl_acks_feed(
                &mut acks,
                datagram.as_ptr(),
                datagram.len(),
                buf.as_ptr(),
                buf.len(),
                &mut report,
            )
        };
        assert_eq!(r, VFNL_OK);
        assert_eq!((report.foreign, report.duplicates), (1, duplicates));
        assert_eq!((acks.foreign, acks.duplicates), (u64::MAX, u64::MAX));
    }
    assert_eq!(acks.ports[0].status, VFNL_STATUS_ACKED);
}
