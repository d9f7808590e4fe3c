//! The inputs every implementation gets, and the checksum they all compute over what they
//! decoded, so the harness can check that they read the same values.
//!
//! D1 replies: the real igb reply `IGB_GETLINK_VF_REPLY` (4 VFs, 296 bytes per
//! `IFLA_VF_INFO` with stats) is cut at its `IFLA_VFINFO_LIST`; a list of `n` entries is
//! built from its entries round-robin (entry `i` is a copy of real entry `i % 4`) with the
//! `u32 vf` at the start of every per-VF payload (MAC, VLAN, the VLAN_LIST entry, TX_RATE,
//! RATE, SPOOFCHK, LINK_STATE, RSS_QUERY_EN, TRUST) rewritten to `i`; the list's `nla_len`,
//! `IFLA_NUM_VF` and `nlmsg_len` are set to match, and the reply's attributes after the list
//! are appended unchanged. That is the message the kernel would send for `n` VFs configured
//! as the four real ones are.

#[allow(dead_code, clippy::all)]
#[path = "../../core/tests/golden/igb_kernel.rs"]
mod igb;
#[allow(dead_code, clippy::all)]
#[path = "../../core/tests/golden/iproute2.rs"]
mod iproute2;

/// E1: `ip link set dev va vf 0 mac 52:54:00:01:01:01 vlan 42 spoofchk on trust on`, as
/// iproute2 sent it (RTM_NEWLINK, REQUEST|ACK, seq 1795592839, ifindex 3), 120 bytes.
pub const E1_EXPECTED: &[u8] = iproute2::VF_MAC_VLAN_SPOOFCHK_TRUST_REQ;

/// E1's parameters.
pub mod e1 {
    /// PF ifindex.
    pub const IFINDEX: u32 = 3;
    /// Sequence number iproute2 used.
    pub const SEQ: u32 = 1_795_592_839;
    /// VF index.
    pub const VF: u32 = 0;
    /// MAC.
    pub const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x01, 0x01, 0x01];
    /// VLAN id.
    pub const VLAN: u32 = 42;
}

/// E1's inputs as every implementation reads them: from memory, behind `black_box`, so
/// that none of them is compiled for the constants above (a hand-written writer given
/// constants folds into a copy of constant bytes, and measures nothing but the stores).
#[derive(Debug, Clone, Copy)]
pub struct E1In {
    /// PF ifindex.
    pub ifindex: u32,
    /// Sequence number.
    pub seq: u32,
    /// VF index.
    pub vf: u32,
    /// MAC.
    pub mac: [u8; 6],
    /// VLAN id.
    pub vlan: u32,
}

/// E1's inputs.
pub const E1_IN: E1In = E1In {
    ifindex: e1::IFINDEX,
    seq: e1::SEQ,
    vf: e1::VF,
    mac: e1::MAC,
    vlan: e1::VLAN,
};

/// E2's inputs, read the same way as [`E1In`].
#[derive(Debug, Clone, Copy)]
pub struct E2In {
    /// VF index.
    pub vf: u32,
    /// The MAC on both ports.
    pub mac: [u8; 6],
    /// (port, PF ifindex, VLAN).
    pub ports: [(u8, u32, u32); 2],
    /// First sequence number.
    pub first_seq: u32,
}

/// E2's inputs.
pub const E2_IN: E2In = E2In {
    vf: e2::VF,
    mac: e2::MAC,
    ports: e2::PORTS,
    first_seq: e2::FIRST_SEQ,
};

/// E2's parameters: the RFC's dual-port example.
pub mod e2 {
    /// VF index.
    pub const VF: u32 = 0;
    /// The MAC on both ports.
    pub const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x01, 0x02, 0x03];
    /// (port, PF ifindex, VLAN).
    pub const PORTS: [(u8, u32, u32); 2] = [(1, 4, 42), (2, 5, 43)];
    /// First sequence number.
    pub const FIRST_SEQ: u32 = 100;
}

/// The real reply the D1/S1 messages are built from (ifindex 2, eth0).
pub const IGB_REPLY: &[u8] = igb::IGB_GETLINK_VF_REPLY;
/// Bytes of one real VF entry with stats.
pub const VF_ENTRY_LEN: usize = 296;
/// The most VFs whose list fits `nla_len`: 4 + 296 × 221 = 65,420 ≤ 65,535.
pub const MAX_VFS_UNDER_64K: usize = (u16::MAX as usize - 4) / VF_ENTRY_LEN;
/// The VF S1 extracts: the last of 64, so the walk is the longest.
pub const S1_VF: u32 = 63;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

/// (offset, nla_len, type) of each attribute in `b[start..end]`.
fn attrs(b: &[u8], start: usize, end: usize) -> Vec<(usize, usize, u16)> {
    let mut out = Vec::new();
    let mut at = start;
    while at + 4 <= end {
        let len = u16_at(b, at) as usize;
        assert!(
            len >= 4 && at + len <= end,
            "golden reply malformed at {at}"
        );
        out.push((at, len, u16_at(b, at + 2) & 0x3fff));
        at += (len + 3) & !3;
    }
    out
}

/// An RTM_NEWLINK reply for a PF with `n` VFs, built as the module docs say.
pub fn vf_reply(n: usize) -> Vec<u8> {
    const IFLA_NUM_VF: u16 = 21;
    const IFLA_VFINFO_LIST: u16 = 22;
    const IFLA_VF_STATS: u16 = 8;
    const IFLA_VF_VLAN_LIST: u16 = 12;
    const IFLA_VF_BROADCAST: u16 = 13;
    let r = IGB_REPLY;
    let top = attrs(r, 32, r.len());
    let &(list, list_len, _) = top.iter().find(|a| a.2 == IFLA_VFINFO_LIST).unwrap();
    let &(num_vf, _, _) = top.iter().find(|a| a.2 == IFLA_NUM_VF).unwrap();
    let entries = attrs(r, list + 4, list + list_len);
    assert_eq!(entries.len(), 4);
    assert!(entries.iter().all(|e| e.1 == VF_ENTRY_LEN));

    let mut m = r[..list].to_vec();
    m[num_vf + 4..num_vf + 8].copy_from_slice(&(n as u32).to_ne_bytes());
    let total = 4 + VF_ENTRY_LEN * n;
    m.extend_from_slice(
        &u16::try_from(total)
            .expect("list over 64 KiB")
            .to_ne_bytes(),
    );
    m.extend_from_slice(&IFLA_VFINFO_LIST.to_ne_bytes());
    for i in 0..n {
        let (at, len, _) = entries[i % 4];
        let mut e = r[at..at + len].to_vec();
        for (a, alen, kind) in attrs(&e, 4, len) {
            match kind {
                IFLA_VF_STATS | IFLA_VF_BROADCAST => {}
                IFLA_VF_VLAN_LIST => {
                    for (v, _, _) in attrs(&e, a + 4, a + alen) {
                        e[v + 4..v + 8].copy_from_slice(&(i as u32).to_ne_bytes());
                    }
                }
                _ => e[a + 4..a + 8].copy_from_slice(&(i as u32).to_ne_bytes()),
            }
        }
        m.extend_from_slice(&e);
    }
    m.extend_from_slice(&r[list + list_len..]);
    let len = m.len() as u32;
    m[0..4].copy_from_slice(&len.to_ne_bytes());
    m
}

/// What every implementation reads of one VF. Absent values: VLAN and qos 0, settings
/// `u32::MAX` (the kernel's "not reported").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VfFields {
    /// VF index.
    pub vf: u32,
    /// First 6 bytes of the MAC.
    pub mac: [u8; 6],
    /// VLAN id.
    pub vlan: u32,
    /// 802.1p priority.
    pub qos: u32,
    /// Spoof check.
    pub spoofchk: u32,
    /// Trust.
    pub trust: u32,
}

impl Default for VfFields {
    fn default() -> Self {
        VfFields {
            vf: 0,
            mac: [0; 6],
            vlan: 0,
            qos: 0,
            spoofchk: u32::MAX,
            trust: u32::MAX,
        }
    }
}

/// The checksum's starting value (FNV-1a's offset basis).
pub const FOLD_START: u64 = 0xcbf2_9ce4_8422_2325;

fn fold(h: u64, x: u64) -> u64 {
    (h ^ x).wrapping_mul(0x0000_0100_0000_01b3)
}

/// Folds one VF's fields into `h`; the C peer does the same (bench/c/libnl_bench.c).
pub fn fold_vf(h: u64, f: &VfFields) -> u64 {
    let mut mac = [0u8; 8];
    mac[..6].copy_from_slice(&f.mac);
    let h = fold(h, u64::from(f.vf));
    let h = fold(h, u64::from_le_bytes(mac));
    let h = fold(h, u64::from(f.vlan));
    let h = fold(h, u64::from(f.qos));
    let h = fold(h, u64::from(f.spoofchk));
    fold(h, u64::from(f.trust))
}
