//! The per-VF attributes inside `IFLA_VFINFO_LIST` / `IFLA_VF_INFO`.
//!
//! Four layers, each a plain `Copy` value:
//! - [`VfAttr`]: one `IFLA_VF_*` attribute, decoded faithfully (unknown codes and "not
//!   reported" values kept) and encoded back as it is;
//! - [`VfEntry`]: one `IFLA_VF_INFO` of a kernel reply as a zero-copy view, framing checked,
//!   each field decoded when its getter is called;
//! - [`VfInfo`]: everything one `IFLA_VF_INFO` says about one VF, decoded at once (through
//!   a `VfEntry`'s getters);
//! - [`VfConfig`]: the settings to send for one VF, validated against what the kernel would
//!   reject before a byte is written.
//!
//! Payload layouts (native-endian unless marked; `include/uapi/linux/if_link.h`):
//!
//! ```text
//! IFLA_VF_MAC          u32 vf | u8 mac[32]                                    36 bytes
//! IFLA_VF_VLAN         u32 vf | u32 vlan | u32 qos                            12
//! IFLA_VF_TX_RATE      u32 vf | u32 rate                                       8
//! IFLA_VF_SPOOFCHK     u32 vf | u32 setting                                    8
//! IFLA_VF_LINK_STATE   u32 vf | u32 link_state                                 8
//! IFLA_VF_RATE         u32 vf | u32 min_tx_rate | u32 max_tx_rate             12
//! IFLA_VF_RSS_QUERY_EN u32 vf | u32 setting                                    8
//! IFLA_VF_TRUST        u32 vf | u32 setting                                    8
//! IFLA_VF_IB_*_GUID    u32 vf | 4 pad | u64 guid                              16
//! IFLA_VF_VLAN_INFO    u32 vf | u32 vlan | u32 qos | be16 proto | 2 pad       16
//! IFLA_VF_BROADCAST    u8 broadcast[32]                                       32
//! IFLA_VF_STATS        nest of u64, types 0..=8 (6 is padding)
//! ```
//!
//! The GUID layout is that of 64-bit kernels (and 32-bit ARM), where `u64` is 8-byte
//! aligned; i386 kernels use 12 bytes and are not supported.

use crate::attr::{check_header, nla_total_size, Attr, AttrIter, Sink, NLA_HDRLEN, NLA_TYPE_MASK};
use crate::error::Error;
use crate::ifla::*;
use crate::mac::{Mac, ETH_ALEN, MAX_ADDR_LEN};
use crate::nlmsg::align;
use core::fmt;

/// `ETH_P_8021Q`.
pub const ETH_P_8021Q: u16 = 0x8100;
/// `ETH_P_8021AD`.
pub const ETH_P_8021AD: u16 = 0x88a8;
/// The highest VLAN id (`VLAN_VID_MASK`).
pub const VLAN_MAX: u32 = 4095;
/// The highest 802.1p priority.
pub const QOS_MAX: u32 = 7;

/// The VLAN protocol of a VF's port VLAN. On the wire it is big-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VlanProto {
    /// 802.1Q (`0x8100`), what `IFLA_VF_VLAN` always means.
    #[default]
    Dot1Q,
    /// 802.1ad (`0x88a8`), which needs `IFLA_VF_VLAN_LIST`.
    Dot1AD,
    /// Any other ethertype, kept as read.
    Unknown(u16),
}

impl VlanProto {
    /// From the ethertype in host order.
    pub const fn from_ethertype(v: u16) -> Self {
        match v {
            ETH_P_8021Q => VlanProto::Dot1Q,
            ETH_P_8021AD => VlanProto::Dot1AD,
            other => VlanProto::Unknown(other),
        }
    }

    /// The ethertype in host order.
    #[inline(always)]
    pub const fn ethertype(self) -> u16 {
        match self {
            VlanProto::Dot1Q => ETH_P_8021Q,
            VlanProto::Dot1AD => ETH_P_8021AD,
            VlanProto::Unknown(v) => v,
        }
    }
}

/// An on/off VF setting as the kernel reports it (spoofchk, trust, rss_query_en).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VfSetting {
    /// 0.
    Off,
    /// 1.
    On,
    /// `0xFFFFFFFF`: the driver did not report this setting. Not "on".
    Unknown,
    /// Any other value, kept as read.
    Other(u32),
}

impl VfSetting {
    /// From the wire value.
    pub const fn from_u32(v: u32) -> Self {
        match v {
            0 => VfSetting::Off,
            1 => VfSetting::On,
            u32::MAX => VfSetting::Unknown,
            other => VfSetting::Other(other),
        }
    }

    /// The wire value.
    #[inline(always)]
    pub const fn to_u32(self) -> u32 {
        match self {
            VfSetting::Off => 0,
            VfSetting::On => 1,
            VfSetting::Unknown => u32::MAX,
            VfSetting::Other(v) => v,
        }
    }

    /// `Some(on)` for a known setting, `None` for [`Unknown`](Self::Unknown) or
    /// [`Other`](Self::Other).
    pub const fn as_bool(self) -> Option<bool> {
        match self {
            VfSetting::Off => Some(false),
            VfSetting::On => Some(true),
            _ => None,
        }
    }
}

impl From<bool> for VfSetting {
    #[inline(always)]
    fn from(on: bool) -> Self {
        if on {
            VfSetting::On
        } else {
            VfSetting::Off
        }
    }
}

/// A VF's administrative link state (`IFLA_VF_LINK_STATE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkState {
    /// 0: follow the PF's link.
    Auto,
    /// 1: always up.
    Enable,
    /// 2: always down.
    Disable,
    /// Any other value, kept as read.
    Unknown(u32),
}

impl LinkState {
    /// From the wire value.
    pub const fn from_u32(v: u32) -> Self {
        match v {
            0 => LinkState::Auto,
            1 => LinkState::Enable,
            2 => LinkState::Disable,
            other => LinkState::Unknown(other),
        }
    }

    /// The wire value.
    #[inline(always)]
    pub const fn to_u32(self) -> u32 {
        match self {
            LinkState::Auto => 0,
            LinkState::Enable => 1,
            LinkState::Disable => 2,
            LinkState::Unknown(v) => v,
        }
    }
}

/// A port VLAN: id, 802.1p priority and protocol.
///
/// Fields are `u32` as in the kernel's structs, so a reply decodes without loss; encoding
/// checks the ranges (`vlan <= 4095`, `qos <= 7`). VLAN 0 with qos 0 removes the port VLAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VlanTag {
    /// VLAN id, 0..=4095.
    pub vlan: u32,
    /// 802.1p priority, 0..=7.
    pub qos: u32,
    /// Protocol.
    pub proto: VlanProto,
}

impl VlanTag {
    /// An 802.1Q tag.
    pub const fn dot1q(vlan: u32, qos: u32) -> Self {
        VlanTag {
            vlan,
            qos,
            proto: VlanProto::Dot1Q,
        }
    }

    /// Checks what the kernel checks: id, priority, and a protocol it knows.
    #[inline(always)]
    pub fn validate(&self) -> Result<(), Error> {
        if self.vlan > VLAN_MAX {
            return Err(Error::VlanOutOfRange { vlan: self.vlan });
        }
        if self.qos > QOS_MAX {
            return Err(Error::QosOutOfRange { qos: self.qos });
        }
        if let VlanProto::Unknown(proto) = self.proto {
            return Err(Error::VlanProtoUnsupported { proto });
        }
        Ok(())
    }
}

/// Minimum and maximum transmit rate (`IFLA_VF_RATE`), Mbit/s; 0 means "no limit".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RateLimit {
    /// Guaranteed minimum.
    pub min_tx_rate: u32,
    /// Ceiling; 0 for none, else at least `min_tx_rate`.
    pub max_tx_rate: u32,
}

impl RateLimit {
    /// Checks what the kernel checks: a non-zero maximum is not below the minimum.
    #[inline(always)]
    pub fn validate(&self) -> Result<(), Error> {
        if self.max_tx_rate != 0 && self.max_tx_rate < self.min_tx_rate {
            return Err(Error::RateMaxBelowMin {
                min: self.min_tx_rate,
                max: self.max_tx_rate,
            });
        }
        Ok(())
    }
}

/// A VF's traffic counters (`IFLA_VF_STATS`); `None` where the kernel sent no such counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VfStats {
    /// `IFLA_VF_STATS_RX_PACKETS` (type 0).
    pub rx_packets: Option<u64>,
    /// `IFLA_VF_STATS_TX_PACKETS`.
    pub tx_packets: Option<u64>,
    /// `IFLA_VF_STATS_RX_BYTES`.
    pub rx_bytes: Option<u64>,
    /// `IFLA_VF_STATS_TX_BYTES`.
    pub tx_bytes: Option<u64>,
    /// `IFLA_VF_STATS_BROADCAST`.
    pub broadcast: Option<u64>,
    /// `IFLA_VF_STATS_MULTICAST`.
    pub multicast: Option<u64>,
    /// `IFLA_VF_STATS_RX_DROPPED`.
    pub rx_dropped: Option<u64>,
    /// `IFLA_VF_STATS_TX_DROPPED`.
    pub tx_dropped: Option<u64>,
}

impl VfStats {
    fn slot(&mut self, kind: u16) -> Option<&mut Option<u64>> {
        Some(match kind {
            IFLA_VF_STATS_RX_PACKETS => &mut self.rx_packets,
            IFLA_VF_STATS_TX_PACKETS => &mut self.tx_packets,
            IFLA_VF_STATS_RX_BYTES => &mut self.rx_bytes,
            IFLA_VF_STATS_TX_BYTES => &mut self.tx_bytes,
            IFLA_VF_STATS_BROADCAST => &mut self.broadcast,
            IFLA_VF_STATS_MULTICAST => &mut self.multicast,
            IFLA_VF_STATS_RX_DROPPED => &mut self.rx_dropped,
            IFLA_VF_STATS_TX_DROPPED => &mut self.tx_dropped,
            _ => return None,
        })
    }

    /// Decodes the nest; padding and unknown counters are skipped.
    pub fn parse(attr: &Attr<'_>) -> Result<Self, Error> {
        let mut stats = VfStats::default();
        stats.read(attr)?;
        Ok(stats)
    }

    /// Decodes the nest into `self`, which is all `None`: in place, because a value built
    /// counter by counter and then moved made the move wait on every counter's store.
    fn read(&mut self, attr: &Attr<'_>) -> Result<(), Error> {
        for entry in attr.nested() {
            let entry = entry?;
            if let Some(slot) = self.slot(entry.kind()) {
                *slot = Some(entry.u64()?);
            }
        }
        Ok(())
    }

    /// Writes the counters that are present, in type order, each a u64 attribute.
    ///
    /// Only for building test replies: the kernel refuses stats in a SETLINK.
    pub fn emit_nest<S: Sink>(&self, w: &mut S) {
        let nest = w.nest_start(IFLA_VF_STATS);
        let mut copy = *self;
        for kind in IFLA_VF_STATS_RX_PACKETS..=IFLA_VF_STATS_TX_DROPPED {
            if let Some(&mut Some(v)) = copy.slot(kind) {
                w.attr(kind, &v.to_ne_bytes());
            }
        }
        w.nest_end(nest);
    }
}

/// One `IFLA_VF_*` attribute, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VfAttr<'a> {
    /// `IFLA_VF_MAC`.
    Mac {
        /// VF index.
        vf: u32,
        /// The address, `addr_len` bytes of the 32-byte field.
        mac: Mac,
    },
    /// `IFLA_VF_VLAN` (802.1Q by definition).
    Vlan {
        /// VF index.
        vf: u32,
        /// VLAN id.
        vlan: u32,
        /// 802.1p priority.
        qos: u32,
    },
    /// `IFLA_VF_VLAN_LIST` with its one `IFLA_VF_VLAN_INFO`.
    VlanList {
        /// VF index.
        vf: u32,
        /// The tag, protocol included.
        tag: VlanTag,
    },
    /// `IFLA_VF_TX_RATE` (legacy maximum rate, Mbit/s).
    TxRate {
        /// VF index.
        vf: u32,
        /// Maximum rate.
        rate: u32,
    },
    /// `IFLA_VF_RATE`.
    Rate {
        /// VF index.
        vf: u32,
        /// Min and max.
        rate: RateLimit,
    },
    /// `IFLA_VF_SPOOFCHK`.
    Spoofchk {
        /// VF index.
        vf: u32,
        /// Setting.
        setting: VfSetting,
    },
    /// `IFLA_VF_LINK_STATE`.
    LinkState {
        /// VF index.
        vf: u32,
        /// State.
        state: LinkState,
    },
    /// `IFLA_VF_RSS_QUERY_EN`.
    RssQueryEn {
        /// VF index.
        vf: u32,
        /// Setting.
        setting: VfSetting,
    },
    /// `IFLA_VF_TRUST`.
    Trust {
        /// VF index.
        vf: u32,
        /// Setting.
        setting: VfSetting,
    },
    /// `IFLA_VF_IB_NODE_GUID`.
    IbNodeGuid {
        /// VF index.
        vf: u32,
        /// GUID.
        guid: u64,
    },
    /// `IFLA_VF_IB_PORT_GUID`.
    IbPortGuid {
        /// VF index.
        vf: u32,
        /// GUID.
        guid: u64,
    },
    /// `IFLA_VF_STATS` (reported only).
    Stats(VfStats),
    /// `IFLA_VF_BROADCAST` (reported only).
    Broadcast(Mac),
    /// An attribute this version does not know, borrowed.
    Unknown {
        /// Attribute number.
        kind: u16,
        /// Payload.
        payload: &'a [u8],
    },
}

#[inline]
fn words<const N: usize>(attr: &Attr<'_>) -> Result<[u32; N], Error> {
    let p = attr.payload();
    if p.len() != 4 * N {
        return Err(attr.bad_len(4 * N));
    }
    let mut out = [0u32; N];
    for (i, w) in out.iter_mut().enumerate() {
        *w = u32::from_ne_bytes([p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3]]);
    }
    Ok(out)
}

#[inline]
fn guid(attr: &Attr<'_>) -> Result<(u32, u64), Error> {
    let b: [u8; 16] = attr.array()?;
    let vf = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
    let mut g = [0u8; 8];
    g.copy_from_slice(&b[8..16]);
    Ok((vf, u64::from_ne_bytes(g)))
}

/// The address length to read from 32-byte MAC fields: the link's own, or Ethernet's when the
/// link reported none usable.
#[inline]
fn effective_addr_len(addr_len: usize) -> usize {
    if (1..=MAX_ADDR_LEN).contains(&addr_len) {
        addr_len
    } else {
        ETH_ALEN
    }
}

/// `IFLA_VF_MAC`'s layout: the VF and the 32-byte field.
#[inline]
fn mac_field<'a>(attr: &Attr<'a>) -> Result<(u32, &'a [u8; MAX_ADDR_LEN]), Error> {
    let b: &[u8; 4 + MAX_ADDR_LEN] = attr.payload().try_into().map_err(|_| attr.bad_len(36))?;
    let [v0, v1, v2, v3, field @ ..] = b;
    Ok((u32::from_ne_bytes([*v0, *v1, *v2, *v3]), field))
}

/// `IFLA_VF_MAC`: the VF and the first `addr_len` bytes of the 32-byte field.
#[inline]
fn vf_mac(attr: &Attr<'_>, addr_len: usize) -> Result<(u32, Mac), Error> {
    let (vf, field) = mac_field(attr)?;
    Ok((vf, Mac::from_field(field, effective_addr_len(addr_len))?))
}

/// `IFLA_VF_BROADCAST`: the first `addr_len` bytes of the 32-byte field.
#[inline]
fn broadcast(attr: &Attr<'_>, addr_len: usize) -> Result<Mac, Error> {
    let b: &[u8; MAX_ADDR_LEN] = attr
        .payload()
        .try_into()
        .map_err(|_| attr.bad_len(MAX_ADDR_LEN))?;
    Mac::from_field(b, effective_addr_len(addr_len))
}

/// `IFLA_VF_VLAN_LIST`: its one `IFLA_VF_VLAN_INFO` (the kernel allows no other count).
fn vlan_list(attr: &Attr<'_>) -> Result<(u32, VlanTag), Error> {
    let mut first = None;
    let mut count = 0;
    for entry in attr.nested() {
        let entry = entry?;
        if entry.kind() != IFLA_VF_VLAN_INFO {
            continue;
        }
        count += 1;
        let b: [u8; 16] = entry.array()?;
        let w = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        first.get_or_insert((
            w(0),
            VlanTag {
                vlan: w(4),
                qos: w(8),
                proto: VlanProto::from_ethertype(u16::from_be_bytes([b[12], b[13]])),
            },
        ));
    }
    match (first, count) {
        (Some(first), 1) => Ok(first),
        _ => Err(Error::BadVlanList { count }),
    }
}

// The encoders of the fixed-size payloads, shared by `VfAttr::emit_reply` and
// `VfConfig::emit`; each builds its kernel struct as a byte array and writes it in one go.

#[inline(always)]
fn emit_words2<S: Sink>(w: &mut S, kind: u16, [a, b]: [u32; 2]) {
    let mut p = [0u8; 8];
    p[0..4].copy_from_slice(&a.to_ne_bytes());
    p[4..8].copy_from_slice(&b.to_ne_bytes());
    w.attr_fixed(kind, &p);
}

#[inline(always)]
fn emit_words3<S: Sink>(w: &mut S, kind: u16, [a, b, c]: [u32; 3]) {
    let mut p = [0u8; 12];
    p[0..4].copy_from_slice(&a.to_ne_bytes());
    p[4..8].copy_from_slice(&b.to_ne_bytes());
    p[8..12].copy_from_slice(&c.to_ne_bytes());
    w.attr_fixed(kind, &p);
}

#[inline(always)]
fn emit_mac<S: Sink>(w: &mut S, vf: u32, mac: &Mac) {
    let mut p = [0u8; 4 + MAX_ADDR_LEN];
    p[0..4].copy_from_slice(&vf.to_ne_bytes());
    p[4..].copy_from_slice(&mac.to_field());
    w.attr_fixed(IFLA_VF_MAC, &p);
}

#[inline(always)]
fn emit_guid<S: Sink>(w: &mut S, kind: u16, vf: u32, guid: u64) {
    // struct ifla_vf_guid: u32 vf, 4 bytes of padding, u64 guid.
    let mut p = [0u8; 16];
    p[0..4].copy_from_slice(&vf.to_ne_bytes());
    p[8..16].copy_from_slice(&guid.to_ne_bytes());
    w.attr_fixed(kind, &p);
}

#[inline(always)]
fn emit_vlan_list<S: Sink>(w: &mut S, vf: u32, tag: &VlanTag) {
    // struct ifla_vf_vlan_info: vf, vlan, qos, __be16 proto, 2 bytes of padding.
    let mut p = [0u8; 16];
    p[0..4].copy_from_slice(&vf.to_ne_bytes());
    p[4..8].copy_from_slice(&tag.vlan.to_ne_bytes());
    p[8..12].copy_from_slice(&tag.qos.to_ne_bytes());
    p[12..14].copy_from_slice(&tag.proto.ethertype().to_be_bytes());
    let list = w.nest_start(IFLA_VF_VLAN_LIST);
    w.attr_fixed(IFLA_VF_VLAN_INFO, &p);
    w.nest_end(list);
}

impl<'a> VfAttr<'a> {
    /// Decodes one attribute found inside an `IFLA_VF_INFO`. `addr_len` is the link's
    /// hardware address length (6 for Ethernet, 20 for InfiniBand), which says how many of
    /// the 32 MAC bytes count.
    pub fn parse(attr: &Attr<'a>, addr_len: usize) -> Result<Self, Error> {
        Ok(match attr.kind() {
            IFLA_VF_MAC => {
                let (vf, mac) = vf_mac(attr, addr_len)?;
                VfAttr::Mac { vf, mac }
            }
            IFLA_VF_VLAN => {
                let [vf, vlan, qos] = words(attr)?;
                VfAttr::Vlan { vf, vlan, qos }
            }
            IFLA_VF_VLAN_LIST => {
                let (vf, tag) = vlan_list(attr)?;
                VfAttr::VlanList { vf, tag }
            }
            IFLA_VF_TX_RATE => {
                let [vf, rate] = words(attr)?;
                VfAttr::TxRate { vf, rate }
            }
            IFLA_VF_RATE => {
                let [vf, min_tx_rate, max_tx_rate] = words(attr)?;
                VfAttr::Rate {
                    vf,
                    rate: RateLimit {
                        min_tx_rate,
                        max_tx_rate,
                    },
                }
            }
            IFLA_VF_SPOOFCHK => {
                let [vf, s] = words(attr)?;
                VfAttr::Spoofchk {
                    vf,
                    setting: VfSetting::from_u32(s),
                }
            }
            IFLA_VF_LINK_STATE => {
                let [vf, s] = words(attr)?;
                VfAttr::LinkState {
                    vf,
                    state: LinkState::from_u32(s),
                }
            }
            IFLA_VF_RSS_QUERY_EN => {
                let [vf, s] = words(attr)?;
                VfAttr::RssQueryEn {
                    vf,
                    setting: VfSetting::from_u32(s),
                }
            }
            IFLA_VF_TRUST => {
                let [vf, s] = words(attr)?;
                VfAttr::Trust {
                    vf,
                    setting: VfSetting::from_u32(s),
                }
            }
            IFLA_VF_IB_NODE_GUID => {
                let (vf, guid) = guid(attr)?;
                VfAttr::IbNodeGuid { vf, guid }
            }
            IFLA_VF_IB_PORT_GUID => {
                let (vf, guid) = guid(attr)?;
                VfAttr::IbPortGuid { vf, guid }
            }
            IFLA_VF_STATS => VfAttr::Stats(VfStats::parse(attr)?),
            IFLA_VF_BROADCAST => VfAttr::Broadcast(broadcast(attr, addr_len)?),
            kind => VfAttr::Unknown {
                kind,
                payload: attr.payload(),
            },
        })
    }

    /// The attribute number.
    pub fn kind(&self) -> u16 {
        match self {
            VfAttr::Mac { .. } => IFLA_VF_MAC,
            VfAttr::Vlan { .. } => IFLA_VF_VLAN,
            VfAttr::VlanList { .. } => IFLA_VF_VLAN_LIST,
            VfAttr::TxRate { .. } => IFLA_VF_TX_RATE,
            VfAttr::Rate { .. } => IFLA_VF_RATE,
            VfAttr::Spoofchk { .. } => IFLA_VF_SPOOFCHK,
            VfAttr::LinkState { .. } => IFLA_VF_LINK_STATE,
            VfAttr::RssQueryEn { .. } => IFLA_VF_RSS_QUERY_EN,
            VfAttr::Trust { .. } => IFLA_VF_TRUST,
            VfAttr::IbNodeGuid { .. } => IFLA_VF_IB_NODE_GUID,
            VfAttr::IbPortGuid { .. } => IFLA_VF_IB_PORT_GUID,
            VfAttr::Stats(_) => IFLA_VF_STATS,
            VfAttr::Broadcast(_) => IFLA_VF_BROADCAST,
            VfAttr::Unknown { kind, .. } => *kind,
        }
    }

    /// The VF index the attribute names (stats, broadcast and unknown ones name none).
    pub fn vf(&self) -> Option<u32> {
        match *self {
            VfAttr::Mac { vf, .. }
            | VfAttr::Vlan { vf, .. }
            | VfAttr::VlanList { vf, .. }
            | VfAttr::TxRate { vf, .. }
            | VfAttr::Rate { vf, .. }
            | VfAttr::Spoofchk { vf, .. }
            | VfAttr::LinkState { vf, .. }
            | VfAttr::RssQueryEn { vf, .. }
            | VfAttr::Trust { vf, .. }
            | VfAttr::IbNodeGuid { vf, .. }
            | VfAttr::IbPortGuid { vf, .. } => Some(vf),
            VfAttr::Stats(_) | VfAttr::Broadcast(_) | VfAttr::Unknown { .. } => None,
        }
    }

    /// Writes the attribute as it is, padding zeroed. Stats and broadcast, which the kernel
    /// rejects on set, are refused with [`Error::NotSettable`]; use [`emit_reply`] to build
    /// a reply that carries them. No range checks here: that is [`VfConfig`]'s job.
    ///
    /// [`emit_reply`]: Self::emit_reply
    #[inline(always)]
    pub fn emit<S: Sink>(&self, w: &mut S) {
        match self {
            VfAttr::Stats(_) | VfAttr::Broadcast(_) => {
                w.fail(Error::NotSettable { kind: self.kind() })
            }
            _ => self.emit_reply(w),
        }
    }

    /// Writes the attribute as the kernel would in a reply (stats and broadcast allowed).
    pub fn emit_reply<S: Sink>(&self, w: &mut S) {
        let kind = self.kind();
        match *self {
            VfAttr::Mac { vf, mac } => emit_mac(w, vf, &mac),
            VfAttr::Vlan { vf, vlan, qos } => emit_words3(w, kind, [vf, vlan, qos]),
            VfAttr::VlanList { vf, tag } => emit_vlan_list(w, vf, &tag),
            VfAttr::TxRate { vf, rate } => emit_words2(w, kind, [vf, rate]),
            VfAttr::Rate { vf, rate } => {
                emit_words3(w, kind, [vf, rate.min_tx_rate, rate.max_tx_rate])
            }
            VfAttr::Spoofchk { vf, setting }
            | VfAttr::RssQueryEn { vf, setting }
            | VfAttr::Trust { vf, setting } => emit_words2(w, kind, [vf, setting.to_u32()]),
            VfAttr::LinkState { vf, state } => emit_words2(w, kind, [vf, state.to_u32()]),
            VfAttr::IbNodeGuid { vf, guid } | VfAttr::IbPortGuid { vf, guid } => {
                emit_guid(w, kind, vf, guid)
            }
            VfAttr::Stats(stats) => stats.emit_nest(w),
            VfAttr::Broadcast(mac) => w.attr(kind, &mac.to_field()),
            VfAttr::Unknown { kind, payload } => w.attr(kind, payload),
        }
    }
}

/// What one `IFLA_VF_INFO` of a kernel reply says about one VF. `None` where the reply had
/// no such attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VfInfo {
    /// VF index (the `N` of the PF's `virtfnN`).
    pub vf: u32,
    /// Administrative MAC (all zero when none is set).
    pub mac: Option<Mac>,
    /// Broadcast address.
    pub broadcast: Option<Mac>,
    /// `IFLA_VF_VLAN`: always 802.1Q as a protocol, even when the VLAN is 802.1ad.
    pub vlan: Option<VlanTag>,
    /// `IFLA_VF_VLAN_LIST`: the tag with its real protocol.
    pub vlan_list: Option<VlanTag>,
    /// Legacy maximum rate.
    pub tx_rate: Option<u32>,
    /// Min/max rate.
    pub rate: Option<RateLimit>,
    /// MAC anti-spoofing.
    pub spoofchk: Option<VfSetting>,
    /// Administrative link state.
    pub link_state: Option<LinkState>,
    /// RSS query permission.
    pub rss_query_en: Option<VfSetting>,
    /// Trusted mode.
    pub trust: Option<VfSetting>,
    /// InfiniBand node GUID.
    pub ib_node_guid: Option<u64>,
    /// InfiniBand port GUID.
    pub ib_port_guid: Option<u64>,
    /// Counters.
    pub stats: Option<VfStats>,
}

impl VfInfo {
    /// Decodes an `IFLA_VF_INFO` nest. `addr_len` as for [`VfAttr::parse`]. Attributes this
    /// version does not know are skipped; every attribute that names a VF must name the same.
    /// An attribute given twice counts with its last value. On malformed input the error is
    /// that of the first bad attribute in the entry's order (framing, payload, or a VF index
    /// unlike the first one named), else [`Error::MissingVfIndex`].
    ///
    /// The same as [`VfEntry::new`] then [`VfEntry::to_info`], except for an entry whose
    /// framing breaks after an attribute with a bad payload: this reports the payload.
    #[inline]
    pub fn parse(info: &Attr<'_>, addr_len: usize) -> Result<Self, Error> {
        match VfEntry::new(info, addr_len) {
            Ok(entry) => entry.to_info(),
            // The framing breaks somewhere, but an attribute before the break may be bad.
            Err(e) => first_error(info.nested(), addr_len).and(Err(e)),
        }
    }

    /// The port VLAN with its real protocol: the VLAN list's entry when present (kernels since
    /// 4.9 send both), else the legacy 802.1Q attribute.
    pub fn vlan_tag(&self) -> Option<VlanTag> {
        self.vlan_list.or(self.vlan)
    }
}

/// The `IFLA_VF_*` numbers whose payload names a VF (all but stats and broadcast), as a bit
/// set: bit `n` for number `n`.
const NAMES_VF: u16 =
    ((1 << (IFLA_VF_MAX + 1)) - 2) & !(1 << IFLA_VF_STATS | 1 << IFLA_VF_BROADCAST);

/// Whether attribute number `kind` names a VF.
fn names_vf(kind: u16) -> bool {
    kind <= IFLA_VF_MAX && NAMES_VF & (1 << kind) != 0
}

/// One `IFLA_VF_INFO` of a kernel reply, not decoded yet: a zero-copy view that decodes each
/// field when asked (what smoltcp's `Packet` is to its `Repr`; [`VfInfo`] is the `Repr`).
///
/// [`new`](Self::new) walks the entry's attributes once, checking every header and length as
/// [`AttrIter`] does, and notes where each known `IFLA_VF_*` attribute is. Each getter then
/// decodes one attribute: `Ok(None)` when the entry has none,
/// `Err` when its payload is malformed, with the error [`VfAttr::parse`] gives for it. Reading
/// only the fields needed skips the rest, the stats nest above all. A getter never panics.
///
/// Laziness shows in three places, each the price of not decoding what is not asked for:
/// - a malformed attribute is reported by its own getter only, and
///   [`new`](Self::new) reports only broken framing;
/// - [`vf`](Self::vf) is the index the first attribute that names one names; that all the
///   others name the same is checked by [`check`](Self::check) and [`to_info`](Self::to_info);
/// - an attribute given twice counts with its last value (as in [`VfInfo`]); the earlier
///   ones are decoded only by `check` and `to_info`.
///
/// [`check`](Self::check) decodes everything and is `Ok` exactly when [`VfInfo::parse`]
/// would be, with the same error otherwise.
///
/// ```
/// use vfnl::attr::{AttrIter, Writer};
/// use vfnl::vf::VfEntry;
/// use vfnl::{Mac, VfConfig, VfSetting, VlanTag};
/// // One IFLA_VF_INFO, as a reply would carry it.
/// let cfg = VfConfig {
///     mac: Some(Mac::ethernet([0x52, 0x54, 0, 1, 1, 1])),
///     vlan: Some(VlanTag::dot1q(42, 0)),
///     trust: Some(true),
///     ..VfConfig::new(3)
/// };
/// let mut buf = [0u8; 128];
/// let mut w = Writer::new(&mut buf);
/// cfg.emit(&mut w);
/// let n = w.finish()?;
/// let info = AttrIter::new(&buf[..n], 0).next().unwrap()?;
///
/// let vf = VfEntry::new(&info, 6)?;
/// assert_eq!(vf.vf()?, 3);
/// assert_eq!(vf.mac()?, cfg.mac);
/// assert_eq!(vf.vlan()?, Some(VlanTag::dot1q(42, 0)));
/// assert_eq!(vf.trust()?, Some(VfSetting::On));
/// assert_eq!(vf.spoofchk()?, None); // not in the entry
/// assert_eq!(vf.stats()?, None);
/// vf.check()?; // every attribute decodes and names VF 3
/// # Ok::<(), vfnl::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VfEntry<'a> {
    /// The `IFLA_VF_INFO` payload.
    payload: &'a [u8],
    /// Where the `IFLA_VF_INFO` header lies in the outermost buffer.
    offset: usize,
    /// Where the payload of the last attribute of each number 1..=IFLA_VF_MAX (at index
    /// number - 1) starts in `payload`; 0 for none (a payload starts after its 4-byte header,
    /// never at 0). Its end is re-read from its header. `u16` is enough: the entry is one
    /// attribute, so `payload` is at most 65,531 bytes. Kept this small because the view is
    /// made, moved and returned once per VF.
    at: [u16; IFLA_VF_MAX as usize],
    /// How many attributes the entry has, of any number (it cannot wrap: 65,531 bytes hold
    /// at most 16,382 attributes).
    count: u16,
    /// The link's `addr_len` as the MAC decoders use it (1 to 32).
    addr_len: u8,
}

impl<'a> VfEntry<'a> {
    /// Walks an `IFLA_VF_INFO` nest's attributes, checking their framing (the errors are
    /// [`AttrIter`]'s for a nest) and noting where each known one is; no payload is decoded.
    /// `addr_len` as for [`VfAttr::parse`].
    #[inline]
    pub fn new(info: &Attr<'a>, addr_len: usize) -> Result<Self, Error> {
        // The walk of `AttrIter`, with its header check (`check_header`), keeping a position
        // and a count: with the iterator's state and a whole `Attr` per step live, more
        // bookkeeping was spilled to memory and each attribute waited for the last. Repeats
        // are worked out from the count later, by `to_info`, the one caller that needs to.
        let payload = info.payload();
        let base = info.offset() + NLA_HDRLEN;
        let mut at = [0u16; IFLA_VF_MAX as usize];
        let mut count = 0u16;
        let mut pos = 0;
        while let Some(rest) = payload.get(pos..).filter(|r| !r.is_empty()) {
            let (raw, len) = check_header(rest, base + pos, true)?;
            // Number 0 (IFLA_VF_UNSPEC) wraps to no slot, like numbers past IFLA_VF_MAX.
            let slot = usize::from(raw & NLA_TYPE_MASK).wrapping_sub(1);
            if let Some(start) = at.get_mut(slot) {
                // Lossless: it lies inside the nest's payload (see `at`).
                *start = (pos + NLA_HDRLEN) as u16;
            }
            // Past the end when the last attribute comes without its padding: the walk ends.
            pos += align(len);
            count = count.wrapping_add(1);
        }
        Ok(VfEntry {
            payload,
            offset: info.offset(),
            at,
            count,
            // What `effective_addr_len` makes of it, so it fits a byte and means the same.
            addr_len: effective_addr_len(addr_len) as u8,
        })
    }

    /// The entry's attributes as they are, unknown ones included.
    pub fn attrs(&self) -> AttrIter<'a> {
        Attr::from_parts(IFLA_VF_INFO, self.offset, self.payload).nested()
    }

    /// The attribute whose payload starts at `start` in the entry's payload (0: none), as
    /// number `kind`.
    #[inline]
    fn attr_at(&self, kind: u16, start: u16) -> Option<Attr<'a>> {
        let header = usize::from(start).checked_sub(NLA_HDRLEN)?;
        let attr = self.payload.get(header..)?;
        let &[l0, l1, ..] = attr.first_chunk::<NLA_HDRLEN>()?;
        let payload = attr.get(NLA_HDRLEN..usize::from(u16::from_ne_bytes([l0, l1])))?;
        // The header sits NLA_HDRLEN into the nest.
        Some(Attr::from_parts(
            kind,
            self.offset + NLA_HDRLEN + header,
            payload,
        ))
    }

    /// The last attribute of number `kind`.
    #[inline]
    fn attr(&self, kind: u16) -> Option<Attr<'a>> {
        let start = *self.at.get(usize::from(kind).wrapping_sub(1))?;
        self.attr_at(kind, start)
    }

    /// The last attribute of number `kind`, decoded by `decode`.
    #[inline]
    fn decode<T>(
        &self,
        kind: u16,
        decode: impl FnOnce(&Attr<'a>) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        self.attr(kind).map(|a| decode(&a)).transpose()
    }

    /// The link's `addr_len`, for the MAC decoders.
    #[inline]
    fn addr_len(&self) -> usize {
        self.addr_len.into()
    }

    /// The VF index (the `N` of the PF's `virtfnN`): the one named by the first attribute
    /// that names one. [`Error::MissingVfIndex`] when none does; that attribute's error when
    /// its payload is malformed. Whether the others agree is left to [`check`](Self::check).
    #[inline]
    pub fn vf(&self) -> Result<u32, Error> {
        // In the kernel's order the first attribute (the MAC) names one: when the slot of
        // the first attribute's number holds that attribute (payload at 4), it is the one.
        let first = self.payload.get(2..).and_then(<[u8]>::first_chunk::<2>);
        let attr = match first.map(|&raw| u16::from_ne_bytes(raw) & NLA_TYPE_MASK) {
            Some(kind)
                if names_vf(kind) && self.at.get(usize::from(kind).wrapping_sub(1)) == Some(&4) =>
            {
                self.attr(kind)
            }
            // Else walk to it; the walk cannot fail, `new` walked the same bytes.
            _ => self
                .attrs()
                .map_while(Result::ok)
                .find(|a| names_vf(a.kind())),
        };
        vf_named_by(&attr.ok_or(Error::MissingVfIndex)?)
    }

    /// Whether a number in 1..=IFLA_VF_MAX came more than once.
    fn has_repeats(&self) -> bool {
        let slots = self.at.iter().filter(|&&start| start != 0).count();
        // One attribute per slot, as in every kernel reply: no repeat. Else repeats or
        // unknown numbers; walk to tell.
        if usize::from(self.count) == slots {
            return false;
        }
        let known = (self.attrs().map_while(Result::ok))
            .filter(|a| (1..=IFLA_VF_MAX).contains(&a.kind()))
            .count();
        known != slots
    }

    /// `IFLA_VF_MAC`: the administrative MAC, the link's `addr_len` bytes of it.
    #[inline]
    pub fn mac(&self) -> Result<Option<Mac>, Error> {
        let mut mac = None;
        self.mac_into(&mut mac)?;
        Ok(mac)
    }

    /// The MAC into `out` (for [`to_info`](Self::to_info), which fills a `VfInfo` in place)
    /// and the VF the attribute names.
    #[inline]
    fn mac_into(&self, out: &mut Option<Mac>) -> Result<Option<u32>, Error> {
        let Some((vf, mac)) = self.decode(IFLA_VF_MAC, |a| vf_mac(a, self.addr_len()))? else {
            *out = None;
            return Ok(None);
        };
        *out = Some(mac);
        Ok(Some(vf))
    }

    /// `IFLA_VF_BROADCAST`: the broadcast address, the link's `addr_len` bytes of it.
    #[inline]
    pub fn broadcast(&self) -> Result<Option<Mac>, Error> {
        let mut mac = None;
        self.broadcast_into(&mut mac)?;
        Ok(mac)
    }

    /// The broadcast address into `out`, as [`mac_into`](Self::mac_into).
    #[inline]
    fn broadcast_into(&self, out: &mut Option<Mac>) -> Result<(), Error> {
        *out = self.decode(IFLA_VF_BROADCAST, |a| broadcast(a, self.addr_len()))?;
        Ok(())
    }

    /// `IFLA_VF_VLAN`: the port VLAN, 802.1Q as a protocol whatever the real one.
    #[inline]
    pub fn vlan(&self) -> Result<Option<VlanTag>, Error> {
        Ok(self.vlan_named()?.map(|(_, tag)| tag))
    }

    #[inline]
    fn vlan_named(&self) -> Result<Option<(u32, VlanTag)>, Error> {
        self.decode(IFLA_VF_VLAN, |a| {
            let [vf, vlan, qos] = words(a)?;
            Ok((vf, VlanTag::dot1q(vlan, qos)))
        })
    }

    /// `IFLA_VF_VLAN_LIST`: the port VLAN with its real protocol.
    #[inline]
    pub fn vlan_list(&self) -> Result<Option<VlanTag>, Error> {
        Ok(self.vlan_list_named()?.map(|(_, tag)| tag))
    }

    #[inline]
    fn vlan_list_named(&self) -> Result<Option<(u32, VlanTag)>, Error> {
        self.decode(IFLA_VF_VLAN_LIST, vlan_list)
    }

    /// The port VLAN with its real protocol, as [`VfInfo::vlan_tag`]: the VLAN list's entry
    /// when there is a list, else `IFLA_VF_VLAN` (decoded only when there is no list).
    #[inline]
    pub fn vlan_tag(&self) -> Result<Option<VlanTag>, Error> {
        match self.vlan_list()? {
            Some(tag) => Ok(Some(tag)),
            None => self.vlan(),
        }
    }

    /// `IFLA_VF_TX_RATE`: the legacy maximum rate, Mbit/s.
    #[inline]
    pub fn tx_rate(&self) -> Result<Option<u32>, Error> {
        Ok(self.tx_rate_named()?.map(|(_, rate)| rate))
    }

    #[inline]
    fn tx_rate_named(&self) -> Result<Option<(u32, u32)>, Error> {
        self.decode(IFLA_VF_TX_RATE, |a| {
            let [vf, rate] = words(a)?;
            Ok((vf, rate))
        })
    }

    /// `IFLA_VF_RATE`: minimum and maximum rate.
    #[inline]
    pub fn rate(&self) -> Result<Option<RateLimit>, Error> {
        Ok(self.rate_named()?.map(|(_, rate)| rate))
    }

    #[inline]
    fn rate_named(&self) -> Result<Option<(u32, RateLimit)>, Error> {
        self.decode(IFLA_VF_RATE, |a| {
            let [vf, min_tx_rate, max_tx_rate] = words(a)?;
            Ok((
                vf,
                RateLimit {
                    min_tx_rate,
                    max_tx_rate,
                },
            ))
        })
    }

    /// `IFLA_VF_SPOOFCHK`: MAC anti-spoofing.
    #[inline]
    pub fn spoofchk(&self) -> Result<Option<VfSetting>, Error> {
        Ok(self.setting_named(IFLA_VF_SPOOFCHK)?.map(|(_, s)| s))
    }

    /// `IFLA_VF_RSS_QUERY_EN`: RSS query permission.
    #[inline]
    pub fn rss_query_en(&self) -> Result<Option<VfSetting>, Error> {
        Ok(self.setting_named(IFLA_VF_RSS_QUERY_EN)?.map(|(_, s)| s))
    }

    /// `IFLA_VF_TRUST`: trusted mode.
    #[inline]
    pub fn trust(&self) -> Result<Option<VfSetting>, Error> {
        Ok(self.setting_named(IFLA_VF_TRUST)?.map(|(_, s)| s))
    }

    #[inline]
    fn setting_named(&self, kind: u16) -> Result<Option<(u32, VfSetting)>, Error> {
        self.decode(kind, |a| {
            let [vf, s] = words(a)?;
            Ok((vf, VfSetting::from_u32(s)))
        })
    }

    /// `IFLA_VF_LINK_STATE`: the administrative link state.
    #[inline]
    pub fn link_state(&self) -> Result<Option<LinkState>, Error> {
        Ok(self.link_state_named()?.map(|(_, s)| s))
    }

    #[inline]
    fn link_state_named(&self) -> Result<Option<(u32, LinkState)>, Error> {
        self.decode(IFLA_VF_LINK_STATE, |a| {
            let [vf, s] = words(a)?;
            Ok((vf, LinkState::from_u32(s)))
        })
    }

    /// `IFLA_VF_IB_NODE_GUID`: the InfiniBand node GUID.
    #[inline]
    pub fn ib_node_guid(&self) -> Result<Option<u64>, Error> {
        Ok(self.decode(IFLA_VF_IB_NODE_GUID, guid)?.map(|(_, g)| g))
    }

    /// `IFLA_VF_IB_PORT_GUID`: the InfiniBand port GUID.
    #[inline]
    pub fn ib_port_guid(&self) -> Result<Option<u64>, Error> {
        Ok(self.decode(IFLA_VF_IB_PORT_GUID, guid)?.map(|(_, g)| g))
    }

    /// `IFLA_VF_STATS`: the counters (the whole nest is decoded).
    #[inline]
    pub fn stats(&self) -> Result<Option<VfStats>, Error> {
        let mut stats = None;
        self.stats_into(&mut stats)?;
        Ok(stats)
    }

    /// The counters into `out`, as [`mac_into`](Self::mac_into).
    #[inline]
    fn stats_into(&self, out: &mut Option<VfStats>) -> Result<(), Error> {
        match self.attr(IFLA_VF_STATS) {
            None => {
                *out = None;
                Ok(())
            }
            Some(attr) => out.insert(VfStats::default()).read(&attr),
        }
    }

    /// Decodes every attribute, in order, and checks that all that name a VF name the same:
    /// `Ok` exactly when [`VfInfo::parse`] of this entry is, else the same error.
    pub fn check(&self) -> Result<(), Error> {
        first_error(self.attrs(), self.addr_len()).map(|_| ())
    }

    /// Decodes the whole entry: the same value or error as [`VfInfo::parse`] (given an entry
    /// whose framing was good, which [`new`](Self::new) saw to).
    #[inline]
    pub fn to_info(&self) -> Result<VfInfo, Error> {
        // Every field is set by `fill`; a literal here, where a constant would be copied in.
        let mut info = VfInfo {
            vf: 0,
            mac: None,
            broadcast: None,
            vlan: None,
            vlan_list: None,
            tx_rate: None,
            rate: None,
            spoofchk: None,
            link_state: None,
            rss_query_en: None,
            trust: None,
            ib_node_guid: None,
            ib_port_guid: None,
            stats: None,
        };
        let fields = self.fill(&mut info);
        match fields {
            Ok(true) if !self.has_repeats() => Ok(info),
            // A bad attribute, an attribute given twice, or VF indexes that differ: which
            // error comes first, if any, depends on the attributes' order, which only a
            // walk in that order sees.
            _ => {
                info.vf = first_error(self.attrs(), self.addr_len())?;
                fields.map(|_| info)
            }
        }
    }

    /// Every field through its getter, into `out` (the MAC, broadcast and stats getters
    /// write into it in place: built in a temporary, a value stored piece by piece and then
    /// moved makes the move wait on each store); whether the VF indexes the fields name all
    /// agree.
    fn fill(&self, out: &mut VfInfo) -> Result<bool, Error> {
        let mut named = Named::default();
        if let Some(vf) = self.mac_into(&mut out.mac)? {
            named.note(vf);
        }
        self.broadcast_into(&mut out.broadcast)?;
        out.vlan = named.take(self.vlan_named()?);
        out.vlan_list = named.take(self.vlan_list_named()?);
        out.tx_rate = named.take(self.tx_rate_named()?);
        out.rate = named.take(self.rate_named()?);
        out.spoofchk = named.take(self.setting_named(IFLA_VF_SPOOFCHK)?);
        out.link_state = named.take(self.link_state_named()?);
        out.rss_query_en = named.take(self.setting_named(IFLA_VF_RSS_QUERY_EN)?);
        out.trust = named.take(self.setting_named(IFLA_VF_TRUST)?);
        out.ib_node_guid = named.take(self.decode(IFLA_VF_IB_NODE_GUID, guid)?);
        out.ib_port_guid = named.take(self.decode(IFLA_VF_IB_PORT_GUID, guid)?);
        self.stats_into(&mut out.stats)?;
        out.vf = named.vf.ok_or(Error::MissingVfIndex)?;
        Ok(named.agree)
    }
}

/// The VF indexes that fields name, gathered in [`VfEntry::fill`].
struct Named {
    vf: Option<u32>,
    agree: bool,
}

impl Default for Named {
    fn default() -> Self {
        Named {
            vf: None,
            agree: true,
        }
    }
}

impl Named {
    fn note(&mut self, vf: u32) {
        match self.vf {
            None => self.vf = Some(vf),
            Some(first) => self.agree &= first == vf,
        }
    }

    fn take<T>(&mut self, field: Option<(u32, T)>) -> Option<T> {
        let (vf, value) = field?;
        self.note(vf);
        Some(value)
    }
}

/// The VF index an attribute names (one of [`NAMES_VF`]), its payload checked as
/// [`VfAttr::parse`] checks it: the same helpers, without building a `VfAttr` (whose stats
/// variant makes it 140 bytes) for one `u32`.
#[inline]
fn vf_named_by(attr: &Attr<'_>) -> Result<u32, Error> {
    match attr.kind() {
        // The MAC itself cannot be wrong once the layout is right (`addr_len` is 1 to 32).
        IFLA_VF_MAC => mac_field(attr).map(|(vf, _)| vf),
        IFLA_VF_VLAN | IFLA_VF_RATE => words::<3>(attr).map(|[vf, ..]| vf),
        IFLA_VF_VLAN_LIST => vlan_list(attr).map(|(vf, _)| vf),
        IFLA_VF_TX_RATE | IFLA_VF_SPOOFCHK | IFLA_VF_LINK_STATE | IFLA_VF_RSS_QUERY_EN
        | IFLA_VF_TRUST => words::<2>(attr).map(|[vf, _]| vf),
        IFLA_VF_IB_NODE_GUID | IFLA_VF_IB_PORT_GUID => guid(attr).map(|(vf, _)| vf),
        _ => Err(Error::MissingVfIndex),
    }
}

/// What `VfInfo::parse` checks, the plain way: every attribute decoded in order by
/// [`VfAttr::parse`], every VF index compared with the first. The first error, or the index.
fn first_error(attrs: AttrIter<'_>, addr_len: usize) -> Result<u32, Error> {
    let mut vf = None;
    for attr in attrs {
        let Some(this) = VfAttr::parse(&attr?, addr_len)?.vf() else {
            continue;
        };
        match vf {
            None => vf = Some(this),
            Some(first) if first != this => {
                return Err(Error::VfIndexMismatch { first, other: this })
            }
            Some(_) => {}
        }
    }
    vf.ok_or(Error::MissingVfIndex)
}

impl fmt::Display for VlanProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VlanProto::Dot1Q => f.write_str("802.1Q"),
            VlanProto::Dot1AD => f.write_str("802.1ad"),
            VlanProto::Unknown(v) => write!(f, "{v:#06x}"),
        }
    }
}

impl fmt::Display for VfSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VfSetting::Off => f.write_str("off"),
            VfSetting::On => f.write_str("on"),
            VfSetting::Unknown => f.write_str("unknown"),
            VfSetting::Other(v) => write!(f, "{v}"),
        }
    }
}

impl fmt::Display for LinkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkState::Auto => f.write_str("auto"),
            LinkState::Enable => f.write_str("enable"),
            LinkState::Disable => f.write_str("disable"),
            LinkState::Unknown(v) => write!(f, "{v}"),
        }
    }
}

/// In `ip link set ... vf N` words, only what the entry carries, e.g.
/// `vf 0 mac 52:54:00:01:02:03 vlan 42 qos 0 proto 802.1Q trust on`.
impl fmt::Display for VfInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vf {}", self.vf)?;
        if let Some(m) = self.mac {
            write!(f, " mac {m}")?;
        }
        if let Some(t) = self.vlan_tag() {
            write!(f, " vlan {} qos {} proto {}", t.vlan, t.qos, t.proto)?;
        }
        if let Some(r) = self.tx_rate {
            write!(f, " rate {r}")?;
        }
        if let Some(r) = self.rate {
            write!(
                f,
                " min_tx_rate {} max_tx_rate {}",
                r.min_tx_rate, r.max_tx_rate
            )?;
        }
        let settings = [
            ("spoofchk", self.spoofchk),
            ("query_rss", self.rss_query_en),
            ("trust", self.trust),
        ];
        if let Some(s) = self.link_state {
            write!(f, " state {s}")?;
        }
        for (name, value) in settings {
            if let Some(v) = value {
                write!(f, " {name} {v}")?;
            }
        }
        if let Some(g) = self.ib_node_guid {
            write!(f, " node_guid {g:#018x}")?;
        }
        if let Some(g) = self.ib_port_guid {
            write!(f, " port_guid {g:#018x}")?;
        }
        Ok(())
    }
}

/// The settings to send for one VF: each `Some` field becomes one attribute.
///
/// ```
/// use vfnl::{Mac, VfConfig, VlanTag};
/// let cfg = VfConfig {
///     mac: Some(Mac::ethernet([0x52, 0x54, 0, 1, 1, 1])),
///     vlan: Some(VlanTag::dot1q(42, 0)),
///     spoofchk: Some(true),
///     ..VfConfig::new(0)
/// };
/// assert!(cfg.validate().is_ok());
/// let bad = VfConfig { vlan: Some(VlanTag::dot1q(4096, 0)), ..cfg };
/// assert_eq!(bad.validate(), Err(vfnl::Error::VlanOutOfRange { vlan: 4096 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VfConfig {
    /// VF index.
    pub vf: u32,
    /// Administrative MAC.
    pub mac: Option<Mac>,
    /// Port VLAN. 802.1Q goes out as `IFLA_VF_VLAN` (as iproute2 sends it), 802.1ad as an
    /// `IFLA_VF_VLAN_LIST` of one entry. One VLAN only: the kernel accepts no more.
    pub vlan: Option<VlanTag>,
    /// Legacy maximum rate (`IFLA_VF_TX_RATE`), Mbit/s; the kernel keeps the current minimum.
    pub tx_rate: Option<u32>,
    /// Min/max rate (`IFLA_VF_RATE`).
    pub rate: Option<RateLimit>,
    /// MAC anti-spoofing.
    pub spoofchk: Option<bool>,
    /// Administrative link state.
    pub link_state: Option<LinkState>,
    /// RSS query permission.
    pub rss_query_en: Option<bool>,
    /// Trusted mode.
    pub trust: Option<bool>,
    /// InfiniBand node GUID.
    pub ib_node_guid: Option<u64>,
    /// InfiniBand port GUID.
    pub ib_port_guid: Option<u64>,
}

impl VfConfig {
    /// The most bytes [`emit`](Self::emit) writes for one VF: every setting, an 802.1ad
    /// VLAN (a list) and both GUIDs (so two `IFLA_VF_INFO` entries).
    pub const MAX_LEN: usize = 2 * NLA_HDRLEN // the two entries
        + nla_total_size(4 + MAX_ADDR_LEN) // MAC
        + NLA_HDRLEN + nla_total_size(16) // VLAN list of one
        + nla_total_size(8) // TX rate
        + nla_total_size(12) // rate
        + 4 * nla_total_size(8) // spoofchk, link state, RSS query, trust
        + 2 * nla_total_size(16); // the GUIDs

    /// No settings for VF `vf`; fill in the fields wanted.
    pub const fn new(vf: u32) -> Self {
        VfConfig {
            vf,
            mac: None,
            vlan: None,
            tx_rate: None,
            rate: None,
            spoofchk: None,
            link_state: None,
            rss_query_en: None,
            trust: None,
            ib_node_guid: None,
            ib_port_guid: None,
        }
    }

    /// Whether no setting is given.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        // Destructured, so that a new field cannot be forgotten here.
        let VfConfig {
            vf: _,
            mac,
            vlan,
            tx_rate,
            rate,
            spoofchk,
            link_state,
            rss_query_en,
            trust,
            ib_node_guid,
            ib_port_guid,
        } = self;
        !(mac.is_some()
            | vlan.is_some()
            | tx_rate.is_some()
            | rate.is_some()
            | spoofchk.is_some()
            | link_state.is_some()
            | rss_query_en.is_some()
            | trust.is_some()
            | ib_node_guid.is_some()
            | ib_port_guid.is_some())
    }

    /// Checks what the kernel would reject: VLAN id and priority, protocol, rate order, and an
    /// entry with nothing in it.
    #[inline(always)]
    pub fn validate(&self) -> Result<(), Error> {
        if self.is_empty() {
            return Err(Error::EmptyVfConfig { vf: self.vf });
        }
        if let Some(tag) = self.vlan {
            tag.validate()?;
        }
        if let Some(rate) = self.rate {
            rate.validate()?;
        }
        Ok(())
    }

    /// Writes this VF's `IFLA_VF_INFO` entries into an open `IFLA_VFINFO_LIST` nest, after
    /// validating. Usually one entry; two when both IB GUIDs are set, because the kernel
    /// returns after a node GUID and would silently skip a port GUID in the same entry.
    ///
    /// Attributes go in the order the kernel applies them (MAC, VLAN, TX_RATE, RATE,
    /// SPOOFCHK, LINK_STATE, RSS_QUERY_EN, TRUST, IB_NODE_GUID, IB_PORT_GUID).
    #[inline(always)]
    pub fn emit<S: Sink>(&self, w: &mut S) {
        self.emit_given(w, true);
    }

    /// [`emit`](Self::emit), told whether settings beyond MAC and VLAN may be given: `false`
    /// (for a config whose fields are known) skips looking for them.
    #[inline(always)]
    pub(crate) fn emit_given<S: Sink>(&self, w: &mut S, beyond_mac_vlan: bool) {
        if S::CHECKS {
            if let Err(e) = self.validate() {
                w.fail(e);
                return;
            }
        }
        let vf = self.vf;
        // 0 or 1, as VfSetting::from(on).to_u32() says, without a match on the way.
        let bool_word = u32::from;
        // A config is never empty here (the check above, or the checking pass before a
        // pass that does not check), so the first entry always has something in it.
        let info = w.nest_start(IFLA_VF_INFO);
        if let Some(mac) = &self.mac {
            emit_mac(w, vf, mac);
        }
        if let Some(tag) = &self.vlan {
            match tag.proto {
                // 802.1Q as iproute2 sends it; 802.1ad needs the list.
                VlanProto::Dot1Q => emit_words3(w, IFLA_VF_VLAN, [vf, tag.vlan, tag.qos]),
                _ => emit_vlan_list(w, vf, tag),
            }
        }
        if !beyond_mac_vlan {
            w.nest_end(info);
            return;
        }
        if let Some(rate) = self.tx_rate {
            emit_words2(w, IFLA_VF_TX_RATE, [vf, rate]);
        }
        if let Some(r) = self.rate {
            emit_words3(w, IFLA_VF_RATE, [vf, r.min_tx_rate, r.max_tx_rate]);
        }
        if let Some(on) = self.spoofchk {
            emit_words2(w, IFLA_VF_SPOOFCHK, [vf, bool_word(on)]);
        }
        if let Some(state) = self.link_state {
            emit_words2(w, IFLA_VF_LINK_STATE, [vf, state.to_u32()]);
        }
        if let Some(on) = self.rss_query_en {
            emit_words2(w, IFLA_VF_RSS_QUERY_EN, [vf, bool_word(on)]);
        }
        if let Some(on) = self.trust {
            emit_words2(w, IFLA_VF_TRUST, [vf, bool_word(on)]);
        }
        match (self.ib_node_guid, self.ib_port_guid) {
            (Some(node), port) => {
                emit_guid(w, IFLA_VF_IB_NODE_GUID, vf, node);
                w.nest_end(info);
                // The kernel returns after a node GUID: a port GUID needs its own entry.
                if let Some(port) = port {
                    let info = w.nest_start(IFLA_VF_INFO);
                    emit_guid(w, IFLA_VF_IB_PORT_GUID, vf, port);
                    w.nest_end(info);
                }
            }
            (None, Some(port)) => {
                emit_guid(w, IFLA_VF_IB_PORT_GUID, vf, port);
                w.nest_end(info);
            }
            (None, None) => w.nest_end(info),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::{AttrIter, Writer};

    fn encode(cfg: &VfConfig, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::new(buf);
        cfg.emit(&mut w);
        w.finish()
    }

    #[test]
    fn max_len_is_the_longest_config() {
        let every = VfConfig {
            mac: Some(Mac::ethernet([2, 0, 0, 0, 0, 1])),
            vlan: Some(VlanTag {
                vlan: 4095,
                qos: 7,
                proto: VlanProto::Dot1AD,
            }),
            tx_rate: Some(1),
            rate: Some(RateLimit {
                min_tx_rate: 1,
                max_tx_rate: 2,
            }),
            spoofchk: Some(true),
            link_state: Some(LinkState::Enable),
            rss_query_en: Some(true),
            trust: Some(true),
            ib_node_guid: Some(1),
            ib_port_guid: Some(2),
            ..VfConfig::new(1)
        };
        let mut buf = [0u8; 256];
        assert_eq!(encode(&every, &mut buf), Ok(VfConfig::MAX_LEN));
    }

    #[test]
    fn guids_go_in_separate_entries() {
        let cfg = VfConfig {
            ib_node_guid: Some(0x0011_2233_4455_6677),
            ib_port_guid: Some(0x0011_2233_4455_6678),
            ..VfConfig::new(2)
        };
        let mut buf = [0u8; 64];
        let n = encode(&cfg, &mut buf).unwrap();
        let infos: heapless::Vec<VfInfo, 4> = AttrIter::new(&buf[..n], 0)
            .map(|a| VfInfo::parse(&a.unwrap(), 6).unwrap())
            .collect();
        assert_eq!(infos.len(), 2);
        assert_eq!(infos[0].ib_node_guid, Some(0x0011_2233_4455_6677));
        assert_eq!(infos[0].ib_port_guid, None);
        assert_eq!(infos[1].ib_port_guid, Some(0x0011_2233_4455_6678));
        // Each entry is 4 (VF_INFO) + 20 (GUID attr) bytes.
        assert_eq!(n, 48);
        // The guid sits at offset 8 of the 16-byte payload, 4 padding bytes zeroed.
        assert_eq!(
            &buf[8..20],
            &[2, 0, 0, 0, 0, 0, 0, 0, 0x77, 0x66, 0x55, 0x44]
        );
    }

    #[test]
    fn port_guid_alone_stays_in_one_entry() {
        let cfg = VfConfig {
            ib_port_guid: Some(7),
            trust: Some(true),
            ..VfConfig::new(1)
        };
        let mut buf = [0u8; 64];
        let n = encode(&cfg, &mut buf).unwrap();
        assert_eq!(AttrIter::new(&buf[..n], 0).count(), 1);
    }

    #[test]
    fn refuses_what_the_kernel_rejects() {
        let mut buf = [0u8; 128];
        let cases = [
            (
                VfConfig {
                    vlan: Some(VlanTag::dot1q(4096, 0)),
                    ..VfConfig::new(0)
                },
                Error::VlanOutOfRange { vlan: 4096 },
            ),
            (
                VfConfig {
                    vlan: Some(VlanTag::dot1q(1, 8)),
                    ..VfConfig::new(0)
                },
                Error::QosOutOfRange { qos: 8 },
            ),
            (
                VfConfig {
                    vlan: Some(VlanTag {
                        vlan: 1,
                        qos: 0,
                        proto: VlanProto::Unknown(0x9100),
                    }),
                    ..VfConfig::new(0)
                },
                Error::VlanProtoUnsupported { proto: 0x9100 },
            ),
            (
                VfConfig {
                    rate: Some(RateLimit {
                        min_tx_rate: 200,
                        max_tx_rate: 100,
                    }),
                    ..VfConfig::new(0)
                },
                Error::RateMaxBelowMin { min: 200, max: 100 },
            ),
            (VfConfig::new(3), Error::EmptyVfConfig { vf: 3 }),
        ];
        for (cfg, err) in cases {
            assert_eq!(encode(&cfg, &mut buf), Err(err), "{cfg:?}");
        }
        // Max 0 means "no ceiling", so any minimum is fine.
        let ok = RateLimit {
            min_tx_rate: 200,
            max_tx_rate: 0,
        };
        assert_eq!(ok.validate(), Ok(()));
    }

    #[test]
    fn broadcast_and_stats_not_settable() {
        let mut w = Writer::counting();
        VfAttr::Broadcast(Mac::ethernet([0xff; 6])).emit(&mut w);
        assert_eq!(w.finish(), Err(Error::NotSettable { kind: 13 }));
        let mut w = Writer::counting();
        VfAttr::Stats(VfStats::default()).emit(&mut w);
        assert_eq!(w.finish(), Err(Error::NotSettable { kind: 8 }));
    }

    #[test]
    fn display_in_ip_link_words() {
        let cfg = VfConfig {
            mac: Some(Mac::ethernet([0x52, 0x54, 0, 1, 2, 3])),
            vlan: Some(VlanTag::dot1q(42, 0)),
            trust: Some(true),
            ..VfConfig::new(0)
        };
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        cfg.emit(&mut w);
        let n = w.finish().unwrap();
        let info = VfInfo::parse(&AttrIter::new(&buf[..n], 0).next().unwrap().unwrap(), 6);
        assert_eq!(
            info.unwrap().to_string(),
            "vf 0 mac 52:54:00:01:02:03 vlan 42 qos 0 proto 802.1Q trust on"
        );
    }

    #[test]
    fn unreported_setting_is_unknown_not_on() {
        assert_eq!(VfSetting::from_u32(0xffff_ffff), VfSetting::Unknown);
        assert_eq!(VfSetting::from_u32(0xffff_ffff).as_bool(), None);
        assert_eq!(VfSetting::from_u32(2), VfSetting::Other(2));
    }

    #[test]
    fn wrong_payload_sizes() {
        // One attribute of each fixed-size kind, one byte short.
        let cases: [(u16, usize); 12] = [
            (IFLA_VF_MAC, 36),
            (IFLA_VF_VLAN, 12),
            (IFLA_VF_TX_RATE, 8),
            (IFLA_VF_SPOOFCHK, 8),
            (IFLA_VF_LINK_STATE, 8),
            (IFLA_VF_RATE, 12),
            (IFLA_VF_RSS_QUERY_EN, 8),
            (IFLA_VF_TRUST, 8),
            (IFLA_VF_IB_NODE_GUID, 16),
            (IFLA_VF_IB_PORT_GUID, 16),
            (IFLA_VF_BROADCAST, 32),
            (IFLA_VF_STATS, 0),
        ];
        for (kind, size) in cases {
            let mut buf = [0u8; 64];
            let mut w = Writer::new(&mut buf);
            if kind == IFLA_VF_STATS {
                // A counter of 7 bytes inside the stats nest.
                let n = w.nest_start(kind);
                w.attr(IFLA_VF_STATS_RX_PACKETS, &[0; 7]);
                w.nest_end(n);
            } else {
                w.attr(kind, &buf_of(size - 1));
            }
            let n = w.finish().unwrap();
            let attr = AttrIter::new(&buf[..n], 0).next().unwrap().unwrap();
            let expected = if kind == IFLA_VF_STATS {
                Error::BadPayloadLength {
                    kind: IFLA_VF_STATS_RX_PACKETS,
                    len: 7,
                    expected: 8,
                }
            } else {
                Error::BadPayloadLength {
                    kind,
                    len: size - 1,
                    expected: size,
                }
            };
            assert_eq!(VfAttr::parse(&attr, 6), Err(expected), "kind {kind}");
        }
    }

    #[test]
    fn info_and_attr_decoders_agree() {
        // VfInfo::parse decodes fields through VfEntry's getters, not VfAttr::parse: every
        // attribute, well-formed or one byte short, must give the same value or error.
        let kinds = [
            IFLA_VF_MAC,
            IFLA_VF_VLAN,
            IFLA_VF_TX_RATE,
            IFLA_VF_SPOOFCHK,
            IFLA_VF_LINK_STATE,
            IFLA_VF_RATE,
            IFLA_VF_RSS_QUERY_EN,
            IFLA_VF_TRUST,
            IFLA_VF_IB_NODE_GUID,
            IFLA_VF_IB_PORT_GUID,
            IFLA_VF_BROADCAST,
        ];
        let sizes = [36, 12, 8, 8, 8, 12, 8, 8, 16, 16, 32];
        for (kind, size) in kinds.into_iter().zip(sizes) {
            for len in [size, size - 1] {
                let mut payload = buf_of(len);
                for (i, b) in payload.iter_mut().enumerate() {
                    *b = if i < 4 { [3, 0, 0, 0][i] } else { i as u8 };
                }
                let mut buf = [0u8; 64];
                let mut w = Writer::new(&mut buf);
                let n = w.nest_start(IFLA_VF_INFO);
                w.attr(kind, &payload);
                if kind == IFLA_VF_BROADCAST {
                    w.attr(IFLA_VF_TRUST, &[3, 0, 0, 0, 1, 0, 0, 0]); // broadcast names no VF
                }
                w.nest_end(n);
                let n = w.finish().unwrap();
                let info = AttrIter::new(&buf[..n], 0).next().unwrap().unwrap();
                let attr = info.nested().next().unwrap().unwrap();
                let by_attr = VfAttr::parse(&attr, 6);
                let by_info = VfInfo::parse(&info, 6);
                match by_attr {
                    Err(e) => assert_eq!(by_info, Err(e), "kind {kind} len {len}"),
                    Ok(a) => {
                        let i = by_info.unwrap();
                        match a {
                            VfAttr::Mac { vf, mac } => assert_eq!((vf, Some(mac)), (i.vf, i.mac)),
                            VfAttr::Vlan { vlan, qos, .. } => {
                                assert_eq!(Some(VlanTag::dot1q(vlan, qos)), i.vlan)
                            }
                            VfAttr::TxRate { rate, .. } => assert_eq!(Some(rate), i.tx_rate),
                            VfAttr::Rate { rate, .. } => assert_eq!(Some(rate), i.rate),
                            VfAttr::Spoofchk { setting, .. } => {
                                assert_eq!(Some(setting), i.spoofchk)
                            }
                            VfAttr::LinkState { state, .. } => {
                                assert_eq!(Some(state), i.link_state)
                            }
                            VfAttr::RssQueryEn { setting, .. } => {
                                assert_eq!(Some(setting), i.rss_query_en)
                            }
                            VfAttr::Trust { setting, .. } => assert_eq!(Some(setting), i.trust),
                            VfAttr::IbNodeGuid { guid, .. } => {
                                assert_eq!(Some(guid), i.ib_node_guid)
                            }
                            VfAttr::IbPortGuid { guid, .. } => {
                                assert_eq!(Some(guid), i.ib_port_guid)
                            }
                            VfAttr::Broadcast(b) => assert_eq!(Some(b), i.broadcast),
                            other => panic!("unexpected {other:?}"),
                        }
                        assert_eq!(i.vf, 3);
                    }
                }
            }
        }
    }

    fn buf_of(n: usize) -> heapless::Vec<u8, 64> {
        let mut v = heapless::Vec::new();
        v.resize(n, 0).unwrap();
        v
    }

    #[test]
    fn vlan_list_must_have_one_entry() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        let n = w.nest_start(IFLA_VF_VLAN_LIST);
        w.nest_end(n);
        let len = w.finish().unwrap();
        let attr = AttrIter::new(&buf[..len], 0).next().unwrap().unwrap();
        assert_eq!(
            VfAttr::parse(&attr, 6),
            Err(Error::BadVlanList { count: 0 })
        );
    }
}
