//! The C ABI's decode entry points, called through their exported `extern "C"` functions with
//! the pointers and lengths a C caller passes, and the contracts of include/vfnl.h and the
//! README's "C API conventions" checked on every call: result codes in range and never
//! VFNL_ERR_PANIC, vfnl_strerror non-NULL for every result, outputs written only on success
//! (`*needed` also on VFNL_ERR_BUFFER_TOO_SMALL, with the buffer untouched), NULL pointers
//! refused.
//!
//! Input: a flags byte, a parameter byte, then four parts, each a u16 (little-endian) length
//! and that many bytes — a link reply, a datagram of answers, a batch buffer, a snapshot —
//! and the rest, a PCI address (copied with a NUL). One input drives:
//! - `vfnl_link_parse` and a `vfnl_vf_next` walk of the link reply, from a zeroed cursor and
//!   again from an offset taken from the parameter: the cursor moves forward only on success,
//!   and the walk ends (has_vf 0 or an error) within one call per 4 bytes of the reply;
//! - `vfnl_acks_init` on a two-port batch encoded by `vfnl_batch_encode` at startup, then
//!   `vfnl_acks_feed` with the datagram (twice, against the real batch buffer; once against
//!   the fuzzed one; with flag 0x01, once more into a `vfnl_acks` the parameter tampered with,
//!   as a C caller owning the struct may);
//! - `vfnl_snapshot_check` and `vfnl_snapshot_restore_encode` on the snapshot bytes, and on
//!   the same bytes padded or cut to VFNL_SNAPSHOT_LEN with their CRC-32 fixed up (so that
//!   the content checks are reached), with NULL, short and exact buffers; an accepted
//!   restore batch goes through `vfnl_acks_init` and `vfnl_acks_feed` too;
//! - `vfnl_pci_parse` on the rest, and `vfnl_pci_format` of what it accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::ffi::{c_char, CStr};
use std::mem::{size_of, MaybeUninit};
use std::ptr;
use std::sync::OnceLock;
use vfnl_ffi::acks::*;
use vfnl_ffi::assignment::*;
use vfnl_ffi::decode::*;
use vfnl_ffi::pci::*;
use vfnl_ffi::result::*;
use vfnl_ffi::snapshot::*;

/// Flag: feed the datagram once more into a tampered `vfnl_acks`.
const TAMPER: u8 = 0x01;

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::split(data) else {
        return;
    };
    let fixed = startup();
    strerror(u32::from(input.flags) << 8 | u32::from(input.param));
    strerror(u32::MAX - u32::from(input.param));

    link_reply(input.link, input.param);
    acks(&input, &fixed.batch, &fixed.buf);
    for snap in [input.snap, &crc_fixed(input.snap)[..]] {
        if let Some((batch, buf)) = snapshot(snap, input.param) {
            acks(&input, &batch, &buf);
        }
    }
    pci(input.pci);
});

struct Input<'a> {
    flags: u8,
    param: u8,
    link: &'a [u8],
    datagram: &'a [u8],
    batch_buf: &'a [u8],
    snap: &'a [u8],
    pci: &'a [u8],
}

impl<'a> Input<'a> {
    fn split(data: &'a [u8]) -> Option<Self> {
        let (&[flags, param], mut rest) = data.split_first_chunk::<2>()?;
        Some(Input {
            flags,
            param,
            link: take(&mut rest),
            datagram: take(&mut rest),
            batch_buf: take(&mut rest),
            snap: take(&mut rest),
            pci: rest,
        })
    }
}

/// One length-prefixed part (u16 little-endian, cut to what is there).
fn take<'a>(rest: &mut &'a [u8]) -> &'a [u8] {
    let Some((len, tail)) = rest.split_first_chunk::<2>() else {
        return std::mem::take(rest);
    };
    let len = usize::from(u16::from_le_bytes(*len)).min(tail.len());
    let (part, tail) = tail.split_at(len);
    *rest = tail;
    part
}

/// Checks a result as a C caller sees it (a uint32_t): a defined code, not VFNL_ERR_PANIC,
/// and a text from vfnl_strerror that is not "unknown result code".
fn check(r: vfnl_result) -> vfnl_result {
    let code = r as u32;
    assert!(
        matches!(code, 0..=13 | 99),
        "result {code} is not a vfnl_result"
    );
    assert_ne!(r, VFNL_ERR_PANIC, "the library panicked");
    assert_ne!(strerror(code), "unknown result code", "no text for {r:?}");
    r
}

/// vfnl_strerror for any value: never NULL, a NUL-terminated string.
fn strerror(code: u32) -> String {
    let s = vfnl_strerror(code);
    assert!(!s.is_null(), "vfnl_strerror({code}) is NULL");
    // SAFETY: non-NULL; the header promises a static NUL-terminated string.
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
    assert!(!text.is_empty());
    text
}

/// A value of a plain C struct (integers and arrays of them only) with every byte 0xa5, to
/// see whether a function wrote it.
fn filled<T: Copy>() -> T {
    let mut v = MaybeUninit::<T>::uninit();
    // SAFETY: only used for the header's structs, whose fields are integers (every bit pattern
    // valid); every byte is initialised before assume_init.
    unsafe {
        v.as_mut_ptr()
            .cast::<u8>()
            .write_bytes(0xa5, size_of::<T>());
        v.assume_init()
    }
}

fn nul_terminated(s: &[c_char]) -> bool {
    s.contains(&0)
}

/// What the decoders may answer to bytes they refuse.
fn decode_error(r: vfnl_result) -> bool {
    matches!(
        r,
        VFNL_ERR_MALFORMED | VFNL_ERR_VF_LIST_TRUNCATED | VFNL_ERR_VF_LIST_WRAPPED
    )
}

// ---- startup: a valid two-port batch, encoded through the C ABI ----

struct Fixed {
    batch: vfnl_batch,
    buf: Vec<u8>,
}

fn startup() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        assert!(!vfnl_version().is_null());
        // The RFC's dual-port assignment (VF 0, MAC, VLAN 42/43, trust) on ifindex 2 and 3,
        // sequence numbers 1 and 2 (what the golden replies answer).
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
            p.vf.set = VFNL_SET_MAC | VFNL_SET_VLAN | VFNL_SET_TRUST;
            p.vf.mac[..6].copy_from_slice(&[0x52, 0x54, 0, 1, 2, 3]);
            p.vf.mac_len = 6;
            p.vf.vlan = 42 + i as u32;
            p.vf.vlan_proto = VFNL_VLAN_PROTO_8021Q;
            p.vf.trust = 1;
        }
        let mut needed = 0usize;
        let mut batch = vfnl_batch::default();
        // SAFETY (this block's calls): pointers to live locals, lengths of their buffers.
        let r = unsafe {
            vfnl_batch_encode(
                &a,
                ports.as_ptr(),
                2,
                1,
                ptr::null_mut(),
                0,
                &mut needed,
                &mut batch,
            )
        };
        assert_eq!(check(r), VFNL_ERR_BUFFER_TOO_SMALL);
        let mut buf = vec![0u8; needed];
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
        assert_eq!(check(r), VFNL_OK);
        assert_eq!((batch.len, batch.nentries), (buf.len(), 2));
        // An empty message (NULL, 0) is malformed, not a NULL-pointer error.
        let mut link: vfnl_link = filled();
        let r = unsafe { vfnl_link_parse(ptr::null(), 0, &mut link) };
        assert_eq!(check(r), VFNL_ERR_MALFORMED);
        Fixed { batch, buf }
    })
}

// ---- link replies ----

fn link_reply(msg: &[u8], param: u8) {
    let mut link: vfnl_link = filled();
    let before = link;
    // SAFETY (this function's calls): `msg` has msg.len() readable bytes; the out-pointers
    // are to live locals.
    unsafe {
        assert_eq!(
            check(vfnl_link_parse(msg.as_ptr(), msg.len(), ptr::null_mut())),
            VFNL_ERR_NULL
        );
        if !msg.is_empty() {
            assert_eq!(
                check(vfnl_link_parse(ptr::null(), msg.len(), &mut link)),
                VFNL_ERR_NULL
            );
            assert_eq!(link, before);
        }
    }
    let r = check(unsafe { vfnl_link_parse(msg.as_ptr(), msg.len(), &mut link) });
    if r == VFNL_OK {
        assert!(nul_terminated(&link.ifname));
        assert!(nul_terminated(&link.parent_dev_name));
        assert!(nul_terminated(&link.phys_port_name));
        assert!(usize::from(link.address_len) <= VFNL_MAC_MAX);
        assert!(link.has_num_vf <= 1);
    } else {
        assert!(decode_error(r), "vfnl_link_parse: {r:?}");
        assert_eq!(
            link, before,
            "vfnl_link_parse wrote *out and returned {r:?}"
        );
    }

    walk(msg, vfnl_vf_cursor::default());
    walk(
        msg,
        vfnl_vf_cursor {
            count: 0,
            offset: usize::from(param) * 4,
        },
    );
}

/// Calls vfnl_vf_next until it says has_vf 0 or fails.
fn walk(msg: &[u8], mut cursor: vfnl_vf_cursor) {
    // Every entry is an attribute of at least 4 bytes and the cursor moves past its start:
    // no more entries than len / 4, plus the call that says there are none.
    let max_calls = msg.len() / 4 + 2;
    for _ in 0..max_calls {
        let mut info: vfnl_vf_info = filled();
        let info_before = info;
        let mut has_vf = 0xa5u8;
        let before = cursor;
        // SAFETY: `msg` has msg.len() readable bytes; the others are live locals.
        let r = check(unsafe {
            vfnl_vf_next(msg.as_ptr(), msg.len(), &mut cursor, &mut info, &mut has_vf)
        });
        if r != VFNL_OK {
            assert!(decode_error(r), "vfnl_vf_next: {r:?}");
            assert_eq!(cursor, before, "the cursor moved on {r:?}");
            assert_eq!(info, info_before, "*out written on {r:?}");
            assert_eq!(has_vf, 0xa5, "*has_vf written on {r:?}");
            return;
        }
        match has_vf {
            0 => {
                assert_eq!(cursor, before, "the cursor moved at the end");
                return;
            }
            1 => {
                assert!(cursor.offset > before.offset, "the cursor did not advance");
                assert_eq!(cursor.count, before.count + 1);
                assert!(usize::from(info.mac_len) <= VFNL_MAC_MAX);
                assert!(usize::from(info.broadcast_len) <= VFNL_MAC_MAX);
            }
            other => panic!("has_vf {other}"),
        }
    }
    panic!("vfnl_vf_next did not end within {max_calls} calls");
}

// ---- answers to a batch ----

fn acks(input: &Input<'_>, batch: &vfnl_batch, buf: &[u8]) {
    let mut acks: vfnl_acks = filled();
    // SAFETY (this function's calls): pointers to live locals and slices, with their lengths.
    unsafe {
        assert_eq!(check(vfnl_acks_init(batch, ptr::null_mut())), VFNL_ERR_NULL);
        assert_eq!(check(vfnl_acks_init(ptr::null(), &mut acks)), VFNL_ERR_NULL);
    }
    assert_eq!(check(unsafe { vfnl_acks_init(batch, &mut acks) }), VFNL_OK);
    assert_eq!(acks.nports, batch.nentries);
    assert_eq!((acks.foreign, acks.duplicates), (0, 0));
    for (o, e) in acks.ports.iter().zip(&batch.entries[..batch.nentries]) {
        assert_eq!((o.port, o.ifindex, o.seq), (e.port, e.ifindex, e.seq));
        assert_eq!((o.offset, o.len), (e.offset, e.len));
        assert_eq!(o.status, VFNL_STATUS_PENDING);
    }
    let fresh = acks;

    // NULL arguments: refused, nothing written.
    let mut report: vfnl_feed_report = filled();
    let d = input.datagram;
    unsafe {
        let r = vfnl_acks_feed(
            &mut acks,
            d.as_ptr(),
            d.len(),
            buf.as_ptr(),
            buf.len(),
            ptr::null_mut(),
        );
        assert_eq!(check(r), VFNL_ERR_NULL);
        let r = vfnl_acks_feed(
            ptr::null_mut(),
            d.as_ptr(),
            d.len(),
            buf.as_ptr(),
            buf.len(),
            &mut report,
        );
        assert_eq!(check(r), VFNL_ERR_NULL);
        if !d.is_empty() {
            let r = vfnl_acks_feed(
                &mut acks,
                ptr::null(),
                d.len(),
                buf.as_ptr(),
                buf.len(),
                &mut report,
            );
            assert_eq!(check(r), VFNL_ERR_NULL);
        }
    }
    assert_eq!(acks, fresh);
    assert_eq!(report, filled());

    // Twice into the same state (the second time, answered ports are duplicates), then into a
    // fresh one against the fuzzed batch buffer.
    feed(&mut acks, d, buf, true);
    feed(&mut acks, d, buf, true);
    let mut other = fresh;
    feed(&mut other, d, input.batch_buf, true);

    if input.flags & TAMPER != 0 {
        let mut t = fresh;
        tamper(&mut t, input.param, d);
        feed(&mut t, d, buf, false);
    }
}

/// Changes what a C caller could change in a `vfnl_acks` it keeps: the parameter's low three
/// bits say which field, the rest the value.
fn tamper(acks: &mut vfnl_acks, param: u8, datagram: &[u8]) {
    let v = param >> 3;
    let last = acks.nports.saturating_sub(1).min(VFNL_MAX_PORTS - 1);
    match param & 7 {
        0 => acks.nports = usize::from(v),
        1 => acks.ports[0].status = u32::from(v),
        2 => {
            acks.ports[0].status = VFNL_STATUS_FAILED;
            acks.ports[0].attr_depth = v;
        }
        3 => {
            acks.ports[0].status = VFNL_STATUS_FAILED;
            acks.ports[0].msg = [b'x' as c_char; VFNL_MSG_SIZE];
            acks.ports[0].msg[usize::from(v) % VFNL_MSG_SIZE] = 0;
            if v & 1 != 0 {
                // Not UTF-8.
                acks.ports[0].msg[0] = 0xff_u8 as c_char;
            }
        }
        4 => {
            acks.foreign = u64::MAX - u64::from(v);
            acks.duplicates = u64::MAX - u64::from(v);
        }
        5 => acks.ports[last].offset = usize::MAX - usize::from(v),
        6 => acks.ports[last].len = usize::MAX - usize::from(v),
        _ => {
            // Sequence numbers from the datagram's first message, on every port.
            let seq = datagram
                .get(8..12)
                .map_or(0, |s| u32::from_le_bytes(s.try_into().unwrap()));
            for p in &mut acks.ports {
                p.seq = seq.wrapping_add(u32::from(v & 1));
            }
        }
    }
}

/// One vfnl_acks_feed: on an error nothing is written; on success the report matches the
/// change in `*acks`, answered ports stay as they were, and the result is valid input for
/// the next call. `honest`: `*acks` is what the library wrote, so only the datagram can be
/// refused.
fn feed(acks: &mut vfnl_acks, datagram: &[u8], batch_buf: &[u8], honest: bool) {
    let before = *acks;
    let mut report: vfnl_feed_report = filled();
    let report_before = report;
    // SAFETY: pointers to live locals and slices, with their lengths.
    let r = check(unsafe {
        vfnl_acks_feed(
            acks,
            datagram.as_ptr(),
            datagram.len(),
            batch_buf.as_ptr(),
            batch_buf.len(),
            &mut report,
        )
    });
    if r != VFNL_OK {
        assert_eq!(*acks, before, "*acks written on {r:?}");
        assert_eq!(report, report_before, "*report written on {r:?}");
        if honest {
            assert_eq!(
                r, VFNL_ERR_MALFORMED,
                "vfnl_acks_feed refused its own state"
            );
        } else {
            assert!(
                matches!(r, VFNL_ERR_MALFORMED | VFNL_ERR_INVALID_ARGUMENT),
                "vfnl_acks_feed: {r:?}"
            );
        }
        return;
    }
    assert_eq!(acks.nports, before.nports);
    let mut answered = 0;
    for (now, was) in acks.ports.iter().zip(&before.ports).take(acks.nports) {
        assert_eq!(
            (now.port, now.ifindex, now.seq, now.offset, now.len),
            (was.port, was.ifindex, was.seq, was.offset, was.len)
        );
        if was.status != VFNL_STATUS_PENDING {
            if honest {
                assert_eq!(now, was, "an answered port changed");
            } else {
                assert_eq!(now.status, was.status, "an answered port changed");
            }
            continue;
        }
        match now.status {
            VFNL_STATUS_PENDING => {}
            VFNL_STATUS_ACKED => answered += 1,
            VFNL_STATUS_FAILED => {
                answered += 1;
                // Not necessarily positive: a (non-kernel) positive error field comes out
                // negated.
                assert_ne!(now.error, 0, "failed with errno 0");
                assert!(nul_terminated(&now.msg));
                assert!(now.has_ext_offset <= 1 && now.msg_truncated <= 1);
                assert!(usize::from(now.attr_depth) <= VFNL_ATTR_PATH_MAX);
            }
            s => panic!("status {s}"),
        }
    }
    assert_eq!(report.answered, answered);
    // The counts stop at their maximum (a caller's vfnl_acks may start there).
    assert_eq!(
        acks.foreign,
        before.foreign.saturating_add(report.foreign as u64)
    );
    assert_eq!(
        acks.duplicates,
        before.duplicates.saturating_add(report.duplicates as u64)
    );
    if honest {
        // What the library wrote, it reads back: a datagram of nothing changes nothing.
        let now = *acks;
        let mut report: vfnl_feed_report = filled();
        // SAFETY: as above.
        let r = unsafe {
            vfnl_acks_feed(
                acks,
                ptr::null(),
                0,
                batch_buf.as_ptr(),
                batch_buf.len(),
                &mut report,
            )
        };
        assert_eq!(check(r), VFNL_OK, "vfnl_acks_feed refused its own state");
        assert_eq!(*acks, now);
        assert_eq!(report, vfnl_feed_report::default());
    }
}

// ---- snapshots ----

/// The snapshot checks and the restore batch; the batch and its buffer when encoded.
fn snapshot(snap: &[u8], param: u8) -> Option<(vfnl_batch, Vec<u8>)> {
    let mut complete = 0xa5u8;
    // SAFETY (this function's calls): `snap` has snap.len() readable bytes, every buffer its
    // length; the out-pointers are to live locals.
    let checked = check(unsafe { vfnl_snapshot_check(snap.as_ptr(), snap.len(), &mut complete) });
    if checked == VFNL_OK {
        assert!(complete <= 1, "complete = {complete}");
    } else {
        assert_eq!(checked, VFNL_ERR_BAD_SNAPSHOT);
        assert_eq!(complete, 0xa5, "*complete written on {checked:?}");
    }
    let r = unsafe { vfnl_snapshot_check(snap.as_ptr(), snap.len(), ptr::null_mut()) };
    assert_eq!(check(r), VFNL_ERR_NULL);

    let seq = 1 + u32::from(param);
    let untouched_batch: vfnl_batch = filled();
    let untouched_needed = 0xa5a5_a5a5_usize;
    let (mut out, mut needed) = (untouched_batch, untouched_needed);
    unsafe {
        let r = vfnl_snapshot_restore_encode(
            snap.as_ptr(),
            snap.len(),
            seq,
            ptr::null_mut(),
            0,
            ptr::null_mut(),
            &mut out,
        );
        assert_eq!(check(r), VFNL_ERR_NULL);
        let r = vfnl_snapshot_restore_encode(
            snap.as_ptr(),
            snap.len(),
            seq,
            ptr::null_mut(),
            0,
            &mut needed,
            ptr::null_mut(),
        );
        assert_eq!(check(r), VFNL_ERR_NULL);
        assert_eq!((out, needed), (untouched_batch, untouched_needed));
    }

    // The size query: NULL, 0.
    let r = check(unsafe {
        vfnl_snapshot_restore_encode(
            snap.as_ptr(),
            snap.len(),
            seq,
            ptr::null_mut(),
            0,
            &mut needed,
            &mut out,
        )
    });
    if checked != VFNL_OK {
        assert_eq!(
            r, checked,
            "vfnl_snapshot_check and _restore_encode disagree"
        );
    }
    match r {
        VFNL_OK => {
            // A batch of no bytes fits in no buffer.
            assert_eq!((needed, out.len, out.nentries), (0, 0, 0));
            return None;
        }
        VFNL_ERR_BUFFER_TOO_SMALL => assert_eq!(out, untouched_batch, "*out written on {r:?}"),
        _ => {
            assert_eq!(out, untouched_batch, "*out written on {r:?}");
            assert_eq!(needed, untouched_needed, "*needed written on {r:?}");
            return None;
        }
    }
    let n = needed;
    assert!(n > 0);

    // Short buffers: refused with the same size, left untouched.
    for short in [n - 1, usize::from(param) % n] {
        let mut buf = vec![0x5a_u8; short];
        needed = untouched_needed;
        let r = unsafe {
            vfnl_snapshot_restore_encode(
                snap.as_ptr(),
                snap.len(),
                seq,
                buf.as_mut_ptr(),
                buf.len(),
                &mut needed,
                &mut out,
            )
        };
        assert_eq!(check(r), VFNL_ERR_BUFFER_TOO_SMALL, "{short} of {n} bytes");
        assert_eq!(needed, n);
        assert!(buf.iter().all(|&b| b == 0x5a), "a short buffer was written");
        assert_eq!(out, untouched_batch, "*out written on {r:?}");
    }

    // Exactly the size, then a larger buffer: the same batch.
    let mut buf = vec![0x5a_u8; n];
    let r = unsafe {
        vfnl_snapshot_restore_encode(
            snap.as_ptr(),
            snap.len(),
            seq,
            buf.as_mut_ptr(),
            buf.len(),
            &mut needed,
            &mut out,
        )
    };
    assert_eq!(check(r), VFNL_OK);
    assert_eq!((needed, out.len), (n, n));
    assert!(out.nentries >= 1 && out.nentries <= VFNL_MAX_PORTS);
    let mut at = 0;
    for e in &out.entries[..out.nentries] {
        assert_eq!(e.offset, at, "entries not back to back");
        assert!(e.len >= 32);
        at += e.len;
    }
    assert_eq!(at, n);
    let mut big = vec![0x5a_u8; n + 64];
    let mut out2 = untouched_batch;
    let r = unsafe {
        vfnl_snapshot_restore_encode(
            snap.as_ptr(),
            snap.len(),
            seq,
            big.as_mut_ptr(),
            big.len(),
            &mut needed,
            &mut out2,
        )
    };
    assert_eq!(check(r), VFNL_OK);
    assert_eq!((needed, out2), (n, out));
    assert_eq!(&big[..n], &buf[..]);
    Some((out, buf))
}

/// The snapshot bytes padded or cut to VFNL_SNAPSHOT_LEN, with their CRC-32 made right.
fn crc_fixed(snap: &[u8]) -> [u8; VFNL_SNAPSHOT_LEN] {
    let mut bytes = [0u8; VFNL_SNAPSHOT_LEN];
    let n = snap.len().min(VFNL_SNAPSHOT_LEN);
    bytes[..n].copy_from_slice(&snap[..n]);
    let crc = crc32(&bytes[..VFNL_SNAPSHOT_LEN - 4]);
    bytes[VFNL_SNAPSHOT_LEN - 4..].copy_from_slice(&crc.to_le_bytes());
    bytes
}

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

// ---- PCI addresses ----

fn pci(text: &[u8]) {
    // A C string: the bytes up to their first NUL.
    let mut s = text.to_vec();
    s.push(0);
    let mut a: vfnl_pci_address = filled();
    let before = a;
    // SAFETY (this function's calls): the strings are NUL-terminated; the others are live
    // locals.
    unsafe {
        assert_eq!(check(vfnl_pci_parse(ptr::null(), &mut a)), VFNL_ERR_NULL);
        // (With bad text as well, either error may come first.)
        let valid = c"0000:06:02.1";
        assert_eq!(
            check(vfnl_pci_parse(valid.as_ptr(), ptr::null_mut())),
            VFNL_ERR_NULL
        );
    }
    let r = check(unsafe { vfnl_pci_parse(s.as_ptr().cast(), &mut a) });
    if r != VFNL_OK {
        assert_eq!(r, VFNL_ERR_INVALID_ARGUMENT, "vfnl_pci_parse: {r:?}");
        assert_eq!(a, before, "*out written on {r:?}");
        return;
    }
    assert!(a.slot <= 0x1f && a.function <= 7);

    // What was accepted formats, and the text parses back to it.
    let mut buf = [0x5a as c_char; 32];
    let mut written = 0usize;
    let r = unsafe { vfnl_pci_format(&a, buf.as_mut_ptr(), buf.len(), &mut written) };
    assert_eq!(check(r), VFNL_OK);
    assert!(written < buf.len() && buf[written] == 0);
    let mut again: vfnl_pci_address = filled();
    assert_eq!(
        check(unsafe { vfnl_pci_parse(buf.as_ptr(), &mut again) }),
        VFNL_OK
    );
    assert_eq!(again, a);

    // Without room for the NUL: the size with it, the buffer untouched.
    let mut short = vec![0x5a as c_char; written];
    let mut needed = 0usize;
    let r = unsafe { vfnl_pci_format(&a, short.as_mut_ptr(), short.len(), &mut needed) };
    assert_eq!(check(r), VFNL_ERR_BUFFER_TOO_SMALL);
    assert_eq!(needed, written + 1);
    assert!(short.iter().all(|&c| c == 0x5a as c_char));
}
