//! Decoding a link reply (RTM_NEWLINK bytes) into plain structs, with a cursor over its VFs.

use crate::assignment::{VFNL_IFNAME_SIZE, VFNL_MAC_MAX};
use crate::guard;
use crate::ptr;
use crate::result::*;
use std::ffi::c_char;
use vfnl_core::link::LinkMessage;
use vfnl_core::{LinkState, Mac, VfInfo, VfSetting};

/// Bytes of the parent device name field (e.g. "0000:03:00.0"), NUL included.
pub const VFNL_PARENT_NAME_SIZE: usize = 64;
/// Bytes of the phys_port_name field, NUL included.
pub const VFNL_PORT_NAME_SIZE: usize = 32;

/// `spoofchk`, `trust`, `rss_query_en` of a decoded VF: off.
pub const VFNL_SETTING_OFF: i64 = 0;
/// On.
pub const VFNL_SETTING_ON: i64 = 1;
/// The driver did not report it (the kernel sent 0xFFFFFFFF). Not "on".
pub const VFNL_SETTING_UNKNOWN: i64 = -1;
/// The reply did not carry it at all.
pub const VFNL_SETTING_ABSENT: i64 = -2;

/// `vfnl_vf_info.present`: mac.
pub const VFNL_HAS_MAC: u32 = 1;
/// Present: vlan, qos, vlan_proto.
pub const VFNL_HAS_VLAN: u32 = 1 << 1;
/// Present: tx_rate.
pub const VFNL_HAS_TX_RATE: u32 = 1 << 2;
/// Present: min/max rate.
pub const VFNL_HAS_RATE: u32 = 1 << 3;
/// Present: link_state.
pub const VFNL_HAS_LINK_STATE: u32 = 1 << 5;
/// Present: ib_node_guid.
pub const VFNL_HAS_IB_NODE_GUID: u32 = 1 << 8;
/// Present: ib_port_guid.
pub const VFNL_HAS_IB_PORT_GUID: u32 = 1 << 9;
/// Present: broadcast.
pub const VFNL_HAS_BROADCAST: u32 = 1 << 10;
/// Present: the stats counters.
pub const VFNL_HAS_STATS: u32 = 1 << 11;

/// A link's identity, from its RTM_NEWLINK.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_link {
    /// Interface index.
    pub ifindex: i32,
    /// ifi_flags (IFF_*).
    pub flags: u32,
    /// Interface name, NUL-terminated (empty if absent).
    pub ifname: [c_char; VFNL_IFNAME_SIZE],
    /// Hardware address.
    pub address: [u8; VFNL_MAC_MAX],
    /// Its length (0 if absent).
    pub address_len: u8,
    /// 1 when `num_vf` is present (asked with VF data, a parent device).
    pub has_num_vf: u8,
    /// IFLA_NUM_VF.
    pub num_vf: u32,
    /// Parent device name, e.g. "0000:03:00.0" (empty if absent).
    pub parent_dev_name: [c_char; VFNL_PARENT_NAME_SIZE],
    /// phys_port_name (empty if absent).
    pub phys_port_name: [c_char; VFNL_PORT_NAME_SIZE],
}

/// One VF of a link reply.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_vf_info {
    /// VF index.
    pub vf: u32,
    /// VFNL_HAS_* bits for the fields below that have no "absent" value of their own.
    pub present: u32,
    /// Administrative MAC.
    pub mac: [u8; VFNL_MAC_MAX],
    /// Its length (the link's address length).
    pub mac_len: u8,
    /// Broadcast address.
    pub broadcast: [u8; VFNL_MAC_MAX],
    /// Its length.
    pub broadcast_len: u8,
    /// VLAN id.
    pub vlan: u32,
    /// 802.1p priority.
    pub qos: u32,
    /// VLAN protocol (ethertype in host order, 0x8100 or 0x88a8, or what the kernel sent).
    pub vlan_proto: u16,
    /// Legacy maximum rate.
    pub tx_rate: u32,
    /// Minimum rate.
    pub min_tx_rate: u32,
    /// Maximum rate.
    pub max_tx_rate: u32,
    /// VFNL_SETTING_* or the raw value the kernel sent.
    pub spoofchk: i64,
    /// VFNL_SETTING_* or the raw value.
    pub trust: i64,
    /// VFNL_SETTING_* or the raw value.
    pub rss_query_en: i64,
    /// VFNL_LINK_STATE_* or the raw value.
    pub link_state: u32,
    /// IB node GUID.
    pub ib_node_guid: u64,
    /// IB port GUID.
    pub ib_port_guid: u64,
    /// rx_packets, tx_packets, rx_bytes, tx_bytes, broadcast, multicast, rx_dropped,
    /// tx_dropped (0 where absent).
    pub stats: [u64; 8],
}

/// Where a walk over a reply's VFs stands. Zero it (`{0}`) to start.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct vfnl_vf_cursor {
    /// Entries returned so far.
    pub count: u32,
    /// Position in the message (opaque; 0 at the start).
    pub offset: usize,
}

fn link(msg: &[u8]) -> Result<LinkMessage<'_>, vfnl_result> {
    Ok(LinkMessage::parse(msg)?)
}

/// Decodes the identity of a link from one RTM_NEWLINK message.
///
/// # Safety
/// `msg` is NULL or has `len` readable bytes; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_link_parse(
    msg: *const u8,
    len: usize,
    out: *mut vfnl_link,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (msg, out) = unsafe { (ptr::bytes(msg, len)?, ptr::w(out)?) };
        let l = link(msg)?;
        let mut v = vfnl_link {
            ifindex: l.ifindex(),
            flags: l.ifinfo().flags.bits(),
            ifname: [0; VFNL_IFNAME_SIZE],
            address: [0; VFNL_MAC_MAX],
            address_len: 0,
            has_num_vf: l.num_vf().is_some() as u8,
            num_vf: l.num_vf().unwrap_or(0),
            parent_dev_name: [0; VFNL_PARENT_NAME_SIZE],
            phys_port_name: [0; VFNL_PORT_NAME_SIZE],
        };
        ptr::put_str(&mut v.ifname, l.ifname().unwrap_or(""))?;
        if let Some(a) = l.address() {
            let a = v
                .address
                .get_mut(..a.len())
                .map(|d| d.copy_from_slice(a))
                .map(|_| a.len());
            v.address_len = a.ok_or(VFNL_ERR_MALFORMED)? as u8;
        }
        ptr::put_str(&mut v.parent_dev_name, l.parent_dev_name().unwrap_or(""))?;
        ptr::put_str(&mut v.phys_port_name, l.phys_port_name().unwrap_or(""))?;
        *out = v;
        Ok(())
    })
}

fn setting(s: Option<VfSetting>) -> i64 {
    match s {
        None => VFNL_SETTING_ABSENT,
        Some(VfSetting::Off) => VFNL_SETTING_OFF,
        Some(VfSetting::On) => VFNL_SETTING_ON,
        Some(VfSetting::Unknown) => VFNL_SETTING_UNKNOWN,
        Some(VfSetting::Other(v)) => i64::from(v),
    }
}

fn mac_to(m: Option<Mac>, out: &mut [u8; VFNL_MAC_MAX]) -> u8 {
    match m {
        Some(m) => {
            *out = m.to_field();
            m.len() as u8
        }
        None => 0,
    }
}

pub(crate) fn info_to_c(i: &VfInfo) -> vfnl_vf_info {
    let mut o = vfnl_vf_info {
        vf: i.vf,
        present: 0,
        mac: [0; VFNL_MAC_MAX],
        mac_len: 0,
        broadcast: [0; VFNL_MAC_MAX],
        broadcast_len: 0,
        vlan: 0,
        qos: 0,
        vlan_proto: 0,
        tx_rate: i.tx_rate.unwrap_or(0),
        min_tx_rate: 0,
        max_tx_rate: 0,
        spoofchk: setting(i.spoofchk),
        trust: setting(i.trust),
        rss_query_en: setting(i.rss_query_en),
        link_state: i.link_state.map_or(0, LinkState::to_u32),
        ib_node_guid: i.ib_node_guid.unwrap_or(0),
        ib_port_guid: i.ib_port_guid.unwrap_or(0),
        stats: [0; 8],
    };
    let mut present = 0;
    o.mac_len = mac_to(i.mac, &mut o.mac);
    o.broadcast_len = mac_to(i.broadcast, &mut o.broadcast);
    if let Some(t) = i.vlan_tag() {
        (o.vlan, o.qos, o.vlan_proto) = (t.vlan, t.qos, t.proto.ethertype());
        present |= VFNL_HAS_VLAN;
    }
    if let Some(r) = i.rate {
        (o.min_tx_rate, o.max_tx_rate) = (r.min_tx_rate, r.max_tx_rate);
        present |= VFNL_HAS_RATE;
    }
    if let Some(s) = i.stats {
        let c = [
            s.rx_packets,
            s.tx_packets,
            s.rx_bytes,
            s.tx_bytes,
            s.broadcast,
            s.multicast,
            s.rx_dropped,
            s.tx_dropped,
        ];
        for (o, v) in o.stats.iter_mut().zip(c) {
            *o = v.unwrap_or(0);
        }
        present |= VFNL_HAS_STATS;
    }
    for (cond, bit) in [
        (i.mac.is_some(), VFNL_HAS_MAC),
        (i.tx_rate.is_some(), VFNL_HAS_TX_RATE),
        (i.link_state.is_some(), VFNL_HAS_LINK_STATE),
        (i.ib_node_guid.is_some(), VFNL_HAS_IB_NODE_GUID),
        (i.ib_port_guid.is_some(), VFNL_HAS_IB_PORT_GUID),
        (i.broadcast.is_some(), VFNL_HAS_BROADCAST),
    ] {
        if cond {
            present |= bit;
        }
    }
    o.present = present;
    o
}

/// The next VF of a link reply: VFNL_OK with `*out` filled and `*has_vf` 1, or VFNL_OK with
/// `*has_vf` 0 at the end. A list shorter than IFLA_NUM_VF ends with
/// VFNL_ERR_VF_LIST_TRUNCATED instead, a wrapped one gives VFNL_ERR_VF_LIST_WRAPPED, a
/// malformed entry VFNL_ERR_MALFORMED. `*cursor` advances only on success.
///
/// # Safety
/// `msg` is NULL or has `len` readable bytes; `cursor`, `out`, `has_vf` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_vf_next(
    msg: *const u8,
    len: usize,
    cursor: *mut vfnl_vf_cursor,
    out: *mut vfnl_vf_info,
    has_vf: *mut u8,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (msg, cursor, out, has_vf) = unsafe {
            (
                ptr::bytes(msg, len)?,
                ptr::w(cursor)?,
                ptr::w(out)?,
                ptr::w(has_vf)?,
            )
        };
        let l = link(msg)?;
        // Resumes where the last call stopped: reading every VF is one walk of the list.
        // A wrapped list fails first, whatever the cursor; a short one at its end.
        let mut entries = l.vf_entries_at(cursor.count, cursor.offset);
        match entries.next() {
            Some(Ok(entry)) => {
                *out = info_to_c(&entry.to_info()?);
                *has_vf = 1;
                (cursor.count, cursor.offset) = entries.position();
                Ok(())
            }
            Some(Err(e)) => Err(e.into()),
            None => {
                *has_vf = 0;
                Ok(())
            }
        }
    })
}

/// Encodes an RTM_GETLINK of the link with `ifindex`, asking for VF data (and, with
/// `skip_stats` 1, leaving statistics out, which keeps large VF lists under the kernel's
/// 64 KiB limit): what a stack with its own socket sends before vfnl_snapshot_capture.
/// `*needed` gets the size (also on VFNL_ERR_BUFFER_TOO_SMALL, with `buf` untouched).
///
/// # Safety
/// `buf` is NULL or has `buf_len` writable bytes; `needed` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_getlink_encode(
    ifindex: u32,
    seq: u32,
    skip_stats: u8,
    buf: *mut u8,
    buf_len: usize,
    needed: *mut usize,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (buf, needed) = unsafe { (ptr::bytes_mut(buf, buf_len)?, ptr::w(needed)?) };
        let mut req = vfnl_core::GetLink::new(vfnl_core::LinkTarget::Index(ifindex)).seq(seq);
        match skip_stats {
            0 => {}
            1 => req = req.skip_stats(),
            _ => return Err(VFNL_ERR_INVALID_ARGUMENT),
        }
        // Measured first so that a short buffer is left untouched.
        let len = req.encode(&mut [0u8; 64])?;
        *needed = len;
        if len > buf.len() {
            return Err(VFNL_ERR_BUFFER_TOO_SMALL);
        }
        req.encode(buf)?;
        Ok(())
    })
}
