//! Ports, per-port VF settings, and encoding an assignment's batch (one RTM_SETLINK per
//! port) into the caller's buffer.

use crate::guard;
use crate::ptr;
use crate::result::*;
use std::ffi::c_char;
use vfnl_core::virtualport::{PortProfile, PortRequest, VirtualPort, VsiType};
use vfnl_core::{
    Assignment, Batch, Error, LinkState, Mac, Port, PortMap, RateLimit, VfConfig, VlanProto,
    VlanTag,
};

/// Most ports of one PCI function.
pub const VFNL_MAX_PORTS: usize = 8;
/// Bytes of a hardware address field.
pub const VFNL_MAC_MAX: usize = 32;
/// Bytes of an interface name field, NUL included.
pub const VFNL_IFNAME_SIZE: usize = 16;
/// Bytes of an 802.1Qbh profile field, NUL included.
pub const VFNL_PROFILE_SIZE: usize = 40;

/// `vfnl_vf_settings.set`: `mac`/`mac_len` are set.
pub const VFNL_SET_MAC: u32 = 1;
/// `vfnl_vf_settings.set`: `vlan`, `qos`, `vlan_proto` are set.
pub const VFNL_SET_VLAN: u32 = 1 << 1;
/// `vfnl_vf_settings.set`: `tx_rate` (legacy max rate) is set.
pub const VFNL_SET_TX_RATE: u32 = 1 << 2;
/// `vfnl_vf_settings.set`: `min_tx_rate`/`max_tx_rate` are set.
pub const VFNL_SET_RATE: u32 = 1 << 3;
/// `vfnl_vf_settings.set`: `spoofchk` is set.
pub const VFNL_SET_SPOOFCHK: u32 = 1 << 4;
/// `vfnl_vf_settings.set`: `link_state` is set.
pub const VFNL_SET_LINK_STATE: u32 = 1 << 5;
/// `vfnl_vf_settings.set`: `rss_query_en` is set.
pub const VFNL_SET_RSS_QUERY_EN: u32 = 1 << 6;
/// `vfnl_vf_settings.set`: `trust` is set.
pub const VFNL_SET_TRUST: u32 = 1 << 7;
/// `vfnl_vf_settings.set`: `ib_node_guid` is set.
pub const VFNL_SET_IB_NODE_GUID: u32 = 1 << 8;
/// `vfnl_vf_settings.set`: `ib_port_guid` is set.
pub const VFNL_SET_IB_PORT_GUID: u32 = 1 << 9;
const SET_ALL: u32 = (1 << 10) - 1;

/// `vlan_proto`: 802.1Q.
pub const VFNL_VLAN_PROTO_8021Q: u16 = 0x8100;
/// `vlan_proto`: 802.1ad.
pub const VFNL_VLAN_PROTO_8021AD: u16 = 0x88a8;

/// `link_state`: follow the PF.
pub const VFNL_LINK_STATE_AUTO: u32 = 0;
/// `link_state`: always up.
pub const VFNL_LINK_STATE_ENABLE: u32 = 1;
/// `link_state`: always down.
pub const VFNL_LINK_STATE_DISABLE: u32 = 2;

/// `vfnl_virtualport.set`: `profile` (802.1Qbh) is set.
pub const VFNL_VP_PROFILE: u32 = 1;
/// `vfnl_virtualport.set`: the VSI type (802.1Qbg) is set.
pub const VFNL_VP_VSI_TYPE: u32 = 1 << 1;
/// `vfnl_virtualport.set`: `instance_uuid` is set.
pub const VFNL_VP_INSTANCE_UUID: u32 = 1 << 2;
/// `vfnl_virtualport.set`: `host_uuid` is set.
pub const VFNL_VP_HOST_UUID: u32 = 1 << 3;
/// `vfnl_virtualport.set`: `request` is set.
pub const VFNL_VP_REQUEST: u32 = 1 << 4;
const VP_ALL: u32 = (1 << 5) - 1;

/// `request`: PORT_REQUEST_PREASSOCIATE.
pub const VFNL_PORT_REQUEST_PREASSOCIATE: u8 = 0;
/// `request`: PORT_REQUEST_PREASSOCIATE_RR.
pub const VFNL_PORT_REQUEST_PREASSOCIATE_RR: u8 = 1;
/// `request`: PORT_REQUEST_ASSOCIATE.
pub const VFNL_PORT_REQUEST_ASSOCIATE: u8 = 2;
/// `request`: PORT_REQUEST_DISASSOCIATE.
pub const VFNL_PORT_REQUEST_DISASSOCIATE: u8 = 3;

/// One port of a PCI function and the PF netdev that configures it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_port {
    /// Port number, from 1.
    pub number: u8,
    /// The PF netdev's ifindex.
    pub ifindex: u32,
    /// The PF netdev's name, NUL-terminated; may be empty.
    pub name: [c_char; VFNL_IFNAME_SIZE],
}

/// Settings for one VF on one port. Only the fields whose VFNL_SET_* bit is in `set` are sent.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_vf_settings {
    /// VFNL_SET_* bits.
    pub set: u32,
    /// MAC bytes; `mac_len` of them count (6 Ethernet, 20 InfiniBand).
    pub mac: [u8; VFNL_MAC_MAX],
    /// Length of `mac`, 1..32.
    pub mac_len: u8,
    /// VLAN id, 0..4095 (0 with qos 0 removes the VLAN).
    pub vlan: u32,
    /// 802.1p priority, 0..7.
    pub qos: u32,
    /// VFNL_VLAN_PROTO_8021Q or VFNL_VLAN_PROTO_8021AD.
    pub vlan_proto: u16,
    /// Legacy maximum rate, Mbit/s.
    pub tx_rate: u32,
    /// Minimum rate, Mbit/s.
    pub min_tx_rate: u32,
    /// Maximum rate, Mbit/s (0: none; else at least `min_tx_rate`).
    pub max_tx_rate: u32,
    /// 0 or 1.
    pub spoofchk: u8,
    /// VFNL_LINK_STATE_*.
    pub link_state: u32,
    /// 0 or 1.
    pub rss_query_en: u8,
    /// 0 or 1.
    pub trust: u8,
    /// InfiniBand node GUID.
    pub ib_node_guid: u64,
    /// InfiniBand port GUID.
    pub ib_port_guid: u64,
}

/// An 802.1Qbg/Qbh virtualport for one VF on one port. Fields sent per VFNL_VP_* bits in `set`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_virtualport {
    /// VFNL_VP_* bits.
    pub set: u32,
    /// 802.1Qbh port profile, NUL-terminated, at most 39 bytes.
    pub profile: [c_char; VFNL_PROFILE_SIZE],
    /// 802.1Qbg VSI manager id.
    pub vsi_manager_id: u8,
    /// 802.1Qbg VSI type id, 24 bits, least significant byte first.
    pub vsi_type_id: [u8; 3],
    /// 802.1Qbg VSI type version.
    pub vsi_type_version: u8,
    /// Instance UUID (the VM interface's).
    pub instance_uuid: [u8; 16],
    /// Host UUID.
    pub host_uuid: [u8; 16],
    /// VFNL_PORT_REQUEST_*.
    pub request: u8,
}

/// What one port of the VF should carry.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_port_settings {
    /// Port number, from 1.
    pub port: u8,
    /// The VF settings on this port.
    pub vf: vfnl_vf_settings,
    /// 1 when `virtualport` is to be sent, else 0.
    pub has_virtualport: u8,
    /// The virtualport.
    pub virtualport: vfnl_virtualport,
}

/// One VF and its settings per port (the RFC's `<hostdev>` with `<netdev port='N'>`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_assignment {
    /// VF index on the PF (the N of virtfnN).
    pub vf: u32,
    /// How many of `ports` are used.
    pub nports: usize,
    /// Per-port settings.
    pub ports: [vfnl_port_settings; VFNL_MAX_PORTS],
}

/// Where one port's message lies in the batch buffer.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct vfnl_batch_entry {
    /// Port number.
    pub port: u8,
    /// PF netdev the message goes to.
    pub ifindex: u32,
    /// Its sequence number.
    pub seq: u32,
    /// Offset in the buffer.
    pub offset: usize,
    /// Length.
    pub len: usize,
}

/// A batch: one message per port, back to back from the start of the buffer.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct vfnl_batch {
    /// VF index.
    pub vf: u32,
    /// Bytes of the whole batch (what to send, as one datagram).
    pub len: usize,
    /// How many of `entries` are used.
    pub nentries: usize,
    /// Per port, in port order.
    pub entries: [vfnl_batch_entry; VFNL_MAX_PORTS],
}

fn flag(v: u8) -> Result<bool, vfnl_result> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(VFNL_ERR_INVALID_ARGUMENT),
    }
}

impl vfnl_vf_settings {
    pub(crate) fn checked(&self, vf: u32) -> Result<VfConfig, vfnl_result> {
        if self.set & !SET_ALL != 0 {
            return Err(VFNL_ERR_INVALID_ARGUMENT);
        }
        let has = |bit| self.set & bit != 0;
        let mut c = VfConfig::new(vf);
        if has(VFNL_SET_MAC) {
            let len = self.mac_len as usize;
            let bytes = self.mac.get(..len).ok_or(VFNL_ERR_INVALID_ARGUMENT)?;
            c.mac = Some(Mac::new(bytes)?);
        }
        if has(VFNL_SET_VLAN) {
            let proto = match self.vlan_proto {
                VFNL_VLAN_PROTO_8021Q => VlanProto::Dot1Q,
                VFNL_VLAN_PROTO_8021AD => VlanProto::Dot1AD,
                _ => return Err(VFNL_ERR_INVALID_ARGUMENT),
            };
            c.vlan = Some(VlanTag {
                vlan: self.vlan,
                qos: self.qos,
                proto,
            });
        }
        if has(VFNL_SET_TX_RATE) {
            c.tx_rate = Some(self.tx_rate);
        }
        if has(VFNL_SET_RATE) {
            c.rate = Some(RateLimit {
                min_tx_rate: self.min_tx_rate,
                max_tx_rate: self.max_tx_rate,
            });
        }
        if has(VFNL_SET_SPOOFCHK) {
            c.spoofchk = Some(flag(self.spoofchk)?);
        }
        if has(VFNL_SET_LINK_STATE) {
            c.link_state = Some(match self.link_state {
                VFNL_LINK_STATE_AUTO => LinkState::Auto,
                VFNL_LINK_STATE_ENABLE => LinkState::Enable,
                VFNL_LINK_STATE_DISABLE => LinkState::Disable,
                _ => return Err(VFNL_ERR_INVALID_ARGUMENT),
            });
        }
        if has(VFNL_SET_RSS_QUERY_EN) {
            c.rss_query_en = Some(flag(self.rss_query_en)?);
        }
        if has(VFNL_SET_TRUST) {
            c.trust = Some(flag(self.trust)?);
        }
        if has(VFNL_SET_IB_NODE_GUID) {
            c.ib_node_guid = Some(self.ib_node_guid);
        }
        if has(VFNL_SET_IB_PORT_GUID) {
            c.ib_port_guid = Some(self.ib_port_guid);
        }
        Ok(c)
    }
}

impl vfnl_virtualport {
    pub(crate) fn checked(&self, vf: u32) -> Result<VirtualPort, vfnl_result> {
        if self.set & !VP_ALL != 0 {
            return Err(VFNL_ERR_INVALID_ARGUMENT);
        }
        let has = |bit| self.set & bit != 0;
        let mut v = VirtualPort {
            vf: Some(vf),
            ..VirtualPort::default()
        };
        if has(VFNL_VP_PROFILE) {
            v.profile = Some(PortProfile::new(ptr::get_str(&self.profile)?)?);
        }
        if has(VFNL_VP_VSI_TYPE) {
            v.vsi_type = Some(VsiType {
                manager_id: self.vsi_manager_id,
                type_id: self.vsi_type_id,
                type_version: self.vsi_type_version,
            });
        }
        if has(VFNL_VP_INSTANCE_UUID) {
            v.instance_uuid = Some(self.instance_uuid);
        }
        if has(VFNL_VP_HOST_UUID) {
            v.host_uuid = Some(self.host_uuid);
        }
        if has(VFNL_VP_REQUEST) {
            if self.request > VFNL_PORT_REQUEST_DISASSOCIATE {
                return Err(VFNL_ERR_INVALID_ARGUMENT);
            }
            v.request = Some(PortRequest::from_u8(self.request));
        }
        Ok(v)
    }
}

impl vfnl_assignment {
    pub(crate) fn checked(&self) -> Result<Assignment, vfnl_result> {
        let ports = self
            .ports
            .get(..self.nports)
            .ok_or(VFNL_ERR_INVALID_ARGUMENT)?;
        let mut a = Assignment::new(self.vf);
        for p in ports {
            let vp = match flag(p.has_virtualport)? {
                true => Some(p.virtualport.checked(self.vf)?),
                false => None,
            };
            a.set_port(p.port, p.vf.checked(self.vf)?, vp)?;
        }
        Ok(a)
    }
}

pub(crate) fn port_map(ports: &[vfnl_port]) -> Result<PortMap, vfnl_result> {
    let mut map = PortMap::new();
    for p in ports {
        let mut port = Port::new(p.number, p.ifindex);
        let name = ptr::get_str(&p.name)?;
        if !name.is_empty() {
            port = port.named(name)?;
        }
        map.add(port)?;
    }
    Ok(map)
}

pub(crate) fn batch_to_c(b: &Batch) -> vfnl_batch {
    let mut out = vfnl_batch {
        vf: b.vf(),
        len: b.len(),
        nentries: b.entries().len(),
        ..Default::default()
    };
    for (o, e) in out.entries.iter_mut().zip(b.entries()) {
        *o = vfnl_batch_entry {
            port: e.port,
            ifindex: e.ifindex,
            seq: e.seq,
            offset: e.offset,
            len: e.len,
        };
    }
    out
}

/// Encodes an already converted assignment. `encode_batch` finds every error before it
/// writes (a short buffer included), so `buf` and `*out` are written only on success;
/// `*needed` is written on success and on VFNL_ERR_BUFFER_TOO_SMALL.
pub(crate) fn encode(
    a: &Assignment,
    map: &PortMap,
    first_seq: u32,
    buf: &mut [u8],
    needed: &mut usize,
    out: &mut vfnl_batch,
) -> Result<(), vfnl_result> {
    match a.encode_batch(map, first_seq, buf) {
        Ok(batch) => {
            *needed = batch.len();
            *out = batch_to_c(&batch);
            Ok(())
        }
        Err(Error::BufferTooSmall { needed: len, .. }) => {
            *needed = len;
            Err(VFNL_ERR_BUFFER_TOO_SMALL)
        }
        Err(e) => Err(e.into()),
    }
}

/// Encodes the assignment's batch: one RTM_SETLINK per port to that port's PF netdev in
/// `ports`, sequence numbers from `first_seq`, into `buf`. `*needed` gets the batch's size
/// (also on VFNL_ERR_BUFFER_TOO_SMALL, with `buf` untouched); `*out` describes the messages.
/// Pass `buf` NULL and `buf_len` 0 to learn the size.
///
/// # Safety
/// `assignment` is NULL or readable; `ports` is NULL or has `nports` readable elements;
/// `buf` is NULL or has `buf_len` writable bytes; `needed` and `out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_batch_encode(
    assignment: *const vfnl_assignment,
    ports: *const vfnl_port,
    nports: usize,
    first_seq: u32,
    buf: *mut u8,
    buf_len: usize,
    needed: *mut usize,
    out: *mut vfnl_batch,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (a, ports, buf, needed, out) = unsafe {
            (
                ptr::r(assignment)?,
                ptr::slice(ports, nports)?,
                ptr::bytes_mut(buf, buf_len)?,
                ptr::w(needed)?,
                ptr::w(out)?,
            )
        };
        encode(
            &a.checked()?,
            &port_map(ports)?,
            first_seq,
            buf,
            needed,
            out,
        )
    })
}
