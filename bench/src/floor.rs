//! The floor: what the same jobs cost written by hand for exactly these messages, in safe
//! Rust. The writer is straight-line stores at fixed offsets into a fixed-size array (no
//! validation, no length bookkeeping); the walker is a plain nla walk that checks only what
//! it must not to read out of bounds.

use crate::data::{fold_vf, E1In, E2In, VfFields, FOLD_START};

fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_ne_bytes());
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}

/// nlmsghdr + ifinfomsg + IFLA_VFINFO_LIST { IFLA_VF_INFO { MAC, VLAN } } = 96 bytes; with
/// SPOOFCHK and TRUST, 120. Returns the length.
#[allow(clippy::too_many_arguments)]
pub fn write_setlink(
    out: &mut [u8],
    msg_type: u16,
    seq: u32,
    ifindex: u32,
    vf: u32,
    mac: [u8; 6],
    vlan: u32,
    spoofchk_trust: bool,
) -> Option<usize> {
    let len = if spoofchk_trust { 120 } else { 96 };
    let b: &mut [u8; 120] = out.get_mut(..120)?.try_into().ok()?;
    b.fill(0);
    put32(b, 0, len as u32);
    put16(b, 4, msg_type);
    put16(b, 6, 0x0005); // NLM_F_REQUEST | NLM_F_ACK
    put32(b, 8, seq);
    put32(b, 20, ifindex);
    put16(b, 32, len as u16 - 32);
    put16(b, 34, 22); // IFLA_VFINFO_LIST
    put16(b, 36, len as u16 - 36);
    put16(b, 38, 1); // IFLA_VF_INFO
    put16(b, 40, 40);
    put16(b, 42, 1); // IFLA_VF_MAC
    put32(b, 44, vf);
    b[48..54].copy_from_slice(&mac);
    put16(b, 80, 16);
    put16(b, 82, 2); // IFLA_VF_VLAN
    put32(b, 84, vf);
    put32(b, 88, vlan);
    if spoofchk_trust {
        put16(b, 96, 12);
        put16(b, 98, 4); // IFLA_VF_SPOOFCHK
        put32(b, 100, vf);
        put32(b, 104, 1);
        put16(b, 108, 12);
        put16(b, 110, 9); // IFLA_VF_TRUST
        put32(b, 112, vf);
        put32(b, 116, 1);
    }
    Some(len)
}

/// E1 by hand: `write_setlink` with E1's inputs (RTM_NEWLINK, as `ip link set` sends it).
pub fn e1(inp: &E1In, out: &mut [u8]) -> usize {
    write_setlink(
        out,
        16,
        inp.seq,
        inp.ifindex,
        inp.vf,
        inp.mac,
        inp.vlan,
        true,
    )
    .unwrap()
}

/// E2 by hand: `write_setlink` for each port, back to back.
pub fn e2(inp: &E2In, out: &mut [u8]) -> usize {
    let mut at = 0;
    for (i, (_, ifindex, vlan)) in inp.ports.into_iter().enumerate() {
        at += write_setlink(
            &mut out[at..],
            19,
            inp.first_seq + i as u32,
            ifindex,
            inp.vf,
            inp.mac,
            vlan,
            false,
        )
        .unwrap();
    }
    at
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Calls `f(kind, payload)` for each attribute in `b`; stops at the first bad one.
#[inline(always)]
fn walk<'a>(b: &'a [u8], mut f: impl FnMut(u16, &'a [u8]) -> bool) {
    let mut at = 0;
    while let (Some(len), Some(kind)) = (u16_at(b, at), u16_at(b, at + 2)) {
        let len = len as usize;
        let Some(payload) = b.get(at + 4..at + len) else {
            return;
        };
        if len < 4 || !f(kind & 0x3fff, payload) {
            return;
        }
        at += (len + 3) & !3;
    }
}

fn vf_fields(info: &[u8]) -> VfFields {
    let mut v = VfFields::default();
    walk(info, |kind, p| {
        match kind {
            1 if p.len() >= 10 => {
                v.vf = u32_at(p, 0).unwrap_or(0);
                v.mac.copy_from_slice(&p[4..10]);
            }
            2 => {
                v.vlan = u32_at(p, 4).unwrap_or(0);
                v.qos = u32_at(p, 8).unwrap_or(0);
            }
            4 => v.spoofchk = u32_at(p, 4).unwrap_or(u32::MAX),
            9 => v.trust = u32_at(p, 4).unwrap_or(u32::MAX),
            _ => {}
        }
        true
    });
    v
}

/// Calls `f` on every VF of an RTM_NEWLINK reply until it returns false.
fn each_vf(msg: &[u8], mut f: impl FnMut(VfFields) -> bool) {
    each_vf_info(msg, |info| f(vf_fields(info)));
}

/// Calls `f` on the payload of every `IFLA_VF_INFO` until it returns false.
fn each_vf_info(msg: &[u8], mut f: impl FnMut(&[u8]) -> bool) {
    let Some(len) = u32_at(msg, 0) else { return };
    let Some(body) = msg.get(32..len as usize) else {
        return;
    };
    walk(body, |kind, p| {
        if kind != 22 {
            return true;
        }
        let mut go = true;
        walk(p, |kind, info| {
            if kind == 1 {
                go = f(info);
            }
            go
        });
        false
    });
}

/// D1: every VF's fields, folded.
pub fn decode_all(msg: &[u8]) -> u64 {
    let mut h = FOLD_START;
    each_vf(msg, |v| {
        h = fold_vf(h, &v);
        true
    });
    h
}

/// S1: one VF's fields, folded.
pub fn decode_one(msg: &[u8], vf: u32) -> u64 {
    let mut h = FOLD_START;
    each_vf(msg, |v| {
        if v.vf == vf {
            h = fold_vf(h, &v);
            return false;
        }
        true
    });
    h
}

/// What vfnl's `VfInfo` holds beyond the six fields: read by [`decode_all_full`] so the
/// walker does the same amount of decoding as vfnl (every attribute, stats included).
#[derive(Default)]
struct Rest {
    vlan_list: [u32; 4],
    tx_rate: u32,
    rate: [u32; 2],
    link_state: u32,
    rss_query_en: u32,
    broadcast: [u8; 6],
    stats: [u64; 9],
}

fn vf_fields_full(info: &[u8]) -> (VfFields, Rest) {
    let mut r = Rest::default();
    let v = vf_fields(info);
    walk(info, |kind, p| {
        match kind {
            3 => r.tx_rate = u32_at(p, 4).unwrap_or(0),
            5 => r.link_state = u32_at(p, 4).unwrap_or(0),
            6 => r.rate = [u32_at(p, 4).unwrap_or(0), u32_at(p, 8).unwrap_or(0)],
            7 => r.rss_query_en = u32_at(p, 4).unwrap_or(0),
            8 => walk(p, |k, s| {
                if let (Some(slot), Some(x)) = (r.stats.get_mut(k as usize), s.get(..8)) {
                    *slot = u64::from_ne_bytes(x.try_into().unwrap());
                }
                true
            }),
            12 => walk(p, |_, e| {
                r.vlan_list = [
                    u32_at(e, 0).unwrap_or(0),
                    u32_at(e, 4).unwrap_or(0),
                    u32_at(e, 8).unwrap_or(0),
                    u32::from(u16_at(e, 12).unwrap_or(0)),
                ];
                true
            }),
            13 if p.len() >= 6 => r.broadcast.copy_from_slice(&p[..6]),
            _ => {}
        }
        true
    });
    (v, r)
}

/// D1 with every attribute decoded, as vfnl does (the checksum covers the same six fields;
/// the rest goes through `black_box`).
pub fn decode_all_full(msg: &[u8]) -> u64 {
    let mut h = FOLD_START;
    each_vf_info(msg, |info| {
        let (v, rest) = vf_fields_full(info);
        std::hint::black_box(&rest);
        h = fold_vf(h, &v);
        true
    });
    h
}
