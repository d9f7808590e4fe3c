//! Attribute numbers of the link family, in the kernel's names.
//!
//! Mirrors `include/uapi/linux/if_link.h` and `rtnetlink.h`; only numbers, no logic. Kept in
//! one place so that a number is written once.

use bitflags::bitflags;

/// `IFLA_ADDRESS`: the link's hardware address.
pub const IFLA_ADDRESS: u16 = 1;
/// `IFLA_BROADCAST`: the link's broadcast address.
pub const IFLA_BROADCAST: u16 = 2;
/// `IFLA_IFNAME`: the interface name (string).
pub const IFLA_IFNAME: u16 = 3;
/// `IFLA_MTU` (u32).
pub const IFLA_MTU: u16 = 4;
/// `IFLA_OPERSTATE` (u8).
pub const IFLA_OPERSTATE: u16 = 16;
/// `IFLA_NUM_VF` (u32): how many VFs the link has.
pub const IFLA_NUM_VF: u16 = 21;
/// `IFLA_VFINFO_LIST`: nest of [`IFLA_VF_INFO`].
pub const IFLA_VFINFO_LIST: u16 = 22;
/// `IFLA_VF_PORTS`: nest of [`IFLA_VF_PORT`] (802.1Qbg/Qbh per VF).
pub const IFLA_VF_PORTS: u16 = 24;
/// `IFLA_PORT_SELF`: the 802.1Qbg/Qbh port of the PF itself.
pub const IFLA_PORT_SELF: u16 = 25;
/// `IFLA_EXT_MASK` (u32, [`RtextFilter`]): what extra data a GETLINK wants.
pub const IFLA_EXT_MASK: u16 = 29;
/// `IFLA_PHYS_PORT_ID` (binary).
pub const IFLA_PHYS_PORT_ID: u16 = 34;
/// `IFLA_PHYS_SWITCH_ID` (binary).
pub const IFLA_PHYS_SWITCH_ID: u16 = 36;
/// `IFLA_PHYS_PORT_NAME` (string), e.g. `p0` or `pf0vf3`.
pub const IFLA_PHYS_PORT_NAME: u16 = 38;
/// `IFLA_PARENT_DEV_NAME` (string), e.g. `0000:03:00.0`.
pub const IFLA_PARENT_DEV_NAME: u16 = 56;
/// `IFLA_PARENT_DEV_BUS_NAME` (string), e.g. `pci`.
pub const IFLA_PARENT_DEV_BUS_NAME: u16 = 57;

/// `IFLA_VF_INFO`: one VF's attributes, inside [`IFLA_VFINFO_LIST`].
pub const IFLA_VF_INFO: u16 = 1;

/// `IFLA_VF_MAC`: `struct ifla_vf_mac { u32 vf; u8 mac[32]; }`.
pub const IFLA_VF_MAC: u16 = 1;
/// `IFLA_VF_VLAN`: `struct ifla_vf_vlan { u32 vf, vlan, qos; }` (always 802.1Q).
pub const IFLA_VF_VLAN: u16 = 2;
/// `IFLA_VF_TX_RATE`: `struct ifla_vf_tx_rate { u32 vf, rate; }` (legacy max rate).
pub const IFLA_VF_TX_RATE: u16 = 3;
/// `IFLA_VF_SPOOFCHK`: `struct ifla_vf_spoofchk { u32 vf, setting; }`.
pub const IFLA_VF_SPOOFCHK: u16 = 4;
/// `IFLA_VF_LINK_STATE`: `struct ifla_vf_link_state { u32 vf, link_state; }`.
pub const IFLA_VF_LINK_STATE: u16 = 5;
/// `IFLA_VF_RATE`: `struct ifla_vf_rate { u32 vf, min_tx_rate, max_tx_rate; }`.
pub const IFLA_VF_RATE: u16 = 6;
/// `IFLA_VF_RSS_QUERY_EN`: `struct ifla_vf_rss_query_en { u32 vf, setting; }`.
pub const IFLA_VF_RSS_QUERY_EN: u16 = 7;
/// `IFLA_VF_STATS`: nest of u64 counters (`IFLA_VF_STATS_*`).
pub const IFLA_VF_STATS: u16 = 8;
/// `IFLA_VF_TRUST`: `struct ifla_vf_trust { u32 vf, setting; }`.
pub const IFLA_VF_TRUST: u16 = 9;
/// `IFLA_VF_IB_NODE_GUID`: `struct ifla_vf_guid { u32 vf; u64 guid; }` (16 bytes).
pub const IFLA_VF_IB_NODE_GUID: u16 = 10;
/// `IFLA_VF_IB_PORT_GUID`: as [`IFLA_VF_IB_NODE_GUID`].
pub const IFLA_VF_IB_PORT_GUID: u16 = 11;
/// `IFLA_VF_VLAN_LIST`: nest of [`IFLA_VF_VLAN_INFO`] (the kernel accepts exactly one).
pub const IFLA_VF_VLAN_LIST: u16 = 12;
/// `IFLA_VF_BROADCAST`: `struct ifla_vf_broadcast { u8 broadcast[32]; }` (dumps only).
pub const IFLA_VF_BROADCAST: u16 = 13;
/// `IFLA_VF_MAX`: the highest `IFLA_VF_*` number this version knows (the kernel's, as of 6.12).
pub const IFLA_VF_MAX: u16 = IFLA_VF_BROADCAST;

/// `IFLA_VF_VLAN_INFO`: `struct ifla_vf_vlan_info { u32 vf, vlan, qos; __be16 vlan_proto; }`.
pub const IFLA_VF_VLAN_INFO: u16 = 1;

/// `IFLA_VF_STATS_RX_PACKETS` (u64). Type 0 is real data, not "unused".
pub const IFLA_VF_STATS_RX_PACKETS: u16 = 0;
/// `IFLA_VF_STATS_TX_PACKETS` (u64).
pub const IFLA_VF_STATS_TX_PACKETS: u16 = 1;
/// `IFLA_VF_STATS_RX_BYTES` (u64).
pub const IFLA_VF_STATS_RX_BYTES: u16 = 2;
/// `IFLA_VF_STATS_TX_BYTES` (u64).
pub const IFLA_VF_STATS_TX_BYTES: u16 = 3;
/// `IFLA_VF_STATS_BROADCAST` (u64).
pub const IFLA_VF_STATS_BROADCAST: u16 = 4;
/// `IFLA_VF_STATS_MULTICAST` (u64).
pub const IFLA_VF_STATS_MULTICAST: u16 = 5;
/// `IFLA_VF_STATS_PAD`: alignment padding for the u64s, no data.
pub const IFLA_VF_STATS_PAD: u16 = 6;
/// `IFLA_VF_STATS_RX_DROPPED` (u64).
pub const IFLA_VF_STATS_RX_DROPPED: u16 = 7;
/// `IFLA_VF_STATS_TX_DROPPED` (u64).
pub const IFLA_VF_STATS_TX_DROPPED: u16 = 8;

/// `IFLA_VF_PORT`: one VF's 802.1Qbg/Qbh port, inside [`IFLA_VF_PORTS`].
pub const IFLA_VF_PORT: u16 = 1;
/// `IFLA_PORT_VF` (u32): the VF the port belongs to.
pub const IFLA_PORT_VF: u16 = 1;
/// `IFLA_PORT_PROFILE` (string, at most 40 bytes with NUL): 802.1Qbh port profile.
pub const IFLA_PORT_PROFILE: u16 = 2;
/// `IFLA_PORT_VSI_TYPE`: `struct ifla_port_vsi` (802.1Qbg VDP).
pub const IFLA_PORT_VSI_TYPE: u16 = 3;
/// `IFLA_PORT_INSTANCE_UUID` (16 bytes).
pub const IFLA_PORT_INSTANCE_UUID: u16 = 4;
/// `IFLA_PORT_HOST_UUID` (16 bytes).
pub const IFLA_PORT_HOST_UUID: u16 = 5;
/// `IFLA_PORT_REQUEST` (u8).
pub const IFLA_PORT_REQUEST: u16 = 6;
/// `IFLA_PORT_RESPONSE` (u16, reported only).
pub const IFLA_PORT_RESPONSE: u16 = 7;

/// `NLMSGERR_ATTR_MSG`: extended-ACK error text.
pub const NLMSGERR_ATTR_MSG: u16 = 1;
/// `NLMSGERR_ATTR_OFFS` (u32): offset of the offending attribute in the request.
pub const NLMSGERR_ATTR_OFFS: u16 = 2;
/// `NLMSGERR_ATTR_COOKIE`: subsystem-specific cookie.
pub const NLMSGERR_ATTR_COOKIE: u16 = 3;
/// `NLMSGERR_ATTR_POLICY`: the policy a rejected attribute failed.
pub const NLMSGERR_ATTR_POLICY: u16 = 4;
/// `NLMSGERR_ATTR_MISS_TYPE` (u32): type of a missing required attribute.
pub const NLMSGERR_ATTR_MISS_TYPE: u16 = 5;
/// `NLMSGERR_ATTR_MISS_NEST` (u32): offset of the nest where it was missing.
pub const NLMSGERR_ATTR_MISS_NEST: u16 = 6;

/// `IFNAMSIZ - 1`: the longest interface name.
pub const IFNAME_MAX: usize = 15;
/// `PORT_PROFILE_MAX - 1`: the longest 802.1Qbh profile name (drivers copy it into a
/// 40-byte buffer that must keep its NUL).
pub const PORT_PROFILE_MAX: usize = 39;
/// `PORT_UUID_MAX`: bytes in a port instance or host UUID.
pub const PORT_UUID_LEN: usize = 16;

bitflags! {
    /// `IFLA_EXT_MASK` bits (`RTEXT_FILTER_*`). Unknown bits are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct RtextFilter: u32 {
        /// `RTEXT_FILTER_VF`: include VF data; without it a GETLINK reply has none.
        const VF = 1;
        /// `RTEXT_FILTER_BRVLAN`.
        const BRVLAN = 2;
        /// `RTEXT_FILTER_BRVLAN_COMPRESSED`.
        const BRVLAN_COMPRESSED = 4;
        /// `RTEXT_FILTER_SKIP_STATS`: leave out statistics (VF stats too, on newer kernels).
        const SKIP_STATS = 8;
        /// `RTEXT_FILTER_MRP`.
        const MRP = 16;
        /// `RTEXT_FILTER_CFM_CONFIG`.
        const CFM_CONFIG = 32;
        /// `RTEXT_FILTER_CFM_STATUS`.
        const CFM_STATUS = 64;
        /// `RTEXT_FILTER_MST`.
        const MST = 128;
    }
}
