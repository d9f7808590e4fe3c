//! What a VF was before an assignment, per port, and how to put it back.
//!
//! A [`Snapshot`] is made for an [`Assignment`]: for each port it records which fields the
//! assignment will change ([`Fields`]) and, once captured from that port's PF netdev
//! (RTM_GETLINK with `RTEXT_FILTER_VF`), the VF's state on that port. The restore batch sets
//! back exactly the changed fields, to their captured values; a field whose original value the
//! driver did not report (`Unknown`) cannot be restored and is listed by
//! [`Snapshot::unrestorable`]. Fields the assignment did not touch are never sent, so a
//! restore does not trip over settings the driver refuses in the current state (igb refuses
//! any rate while the link is down).
//!
//! A snapshot serializes to [`SNAPSHOT_LEN`] bytes — stable, versioned, little-endian, with a
//! CRC-32 (the IEEE polynomial, as zlib's `crc32()`) — so a stack can keep it on disk across
//! restarts, as libvirt keeps per-VF state files. Deserializing checks length, magic, version,
//! checksum and every field.
//!
//! ```text
//! header (32):  "VFNLSNAP" | u16 version | u16 port record size | u32 total length |
//!               u32 vf | u8 has_pci, bus, slot, function | u32 domain | u8 ports | 3 zero
//! 8 port records of PORT_RECORD_LEN bytes (unused ones zero), then u32 CRC-32 of all before
//! ```

use crate::assignment::{Assignment, PortSettings};
use crate::batch::Batch;
use crate::error::Error;
use crate::link::LinkMessage;
use crate::mac::Mac;
use crate::pci::PciAddress;
use crate::port::{ifname, IfName, Port, PortMap, MAX_PORTS};
use crate::vf::{LinkState, RateLimit, VfConfig, VfInfo, VfSetting, VlanProto, VlanTag};
use crate::virtualport::{PortProfile, PortRequest, VirtualPort, VsiType};
use bitflags::bitflags;

bitflags! {
    /// Per-port VF fields, to say which an assignment changes and which a capture holds.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Fields: u16 {
        /// MAC.
        const MAC = 1 << 0;
        /// VLAN, qos and protocol.
        const VLAN = 1 << 1;
        /// Legacy max rate.
        const TX_RATE = 1 << 2;
        /// Min/max rate.
        const RATE = 1 << 3;
        /// Spoof check.
        const SPOOFCHK = 1 << 4;
        /// Link state.
        const LINK_STATE = 1 << 5;
        /// RSS query.
        const RSS_QUERY_EN = 1 << 6;
        /// Trust.
        const TRUST = 1 << 7;
        /// IB node GUID.
        const IB_NODE_GUID = 1 << 8;
        /// IB port GUID.
        const IB_PORT_GUID = 1 << 9;
        /// 802.1Qbg/Qbh virtualport (restored by a disassociate request).
        const VIRTUALPORT = 1 << 10;
        /// MAC and VLAN: what most assignments set (libvirt's `<mac>` and `<vlan>`).
        const MAC_VLAN = Self::MAC.bits() | Self::VLAN.bits();
    }
}

impl Fields {
    /// The fields a port's settings change.
    pub fn changed_by(s: &PortSettings) -> Fields {
        let mut f = Fields::of_config(&s.config);
        f.set(Fields::VIRTUALPORT, s.virtualport.is_some());
        f
    }

    /// The VF fields a config sets (virtualport is not part of a config).
    pub fn of_config(c: &VfConfig) -> Fields {
        let mut f = Fields::empty();
        f.set(Fields::MAC, c.mac.is_some());
        f.set(Fields::VLAN, c.vlan.is_some());
        f.set(Fields::TX_RATE, c.tx_rate.is_some());
        f.set(Fields::RATE, c.rate.is_some());
        f.set(Fields::SPOOFCHK, c.spoofchk.is_some());
        f.set(Fields::LINK_STATE, c.link_state.is_some());
        f.set(Fields::RSS_QUERY_EN, c.rss_query_en.is_some());
        f.set(Fields::TRUST, c.trust.is_some());
        f.set(Fields::IB_NODE_GUID, c.ib_node_guid.is_some());
        f.set(Fields::IB_PORT_GUID, c.ib_port_guid.is_some());
        f
    }
}

/// A VF's state on one port, as its PF netdev reported it. `None` where not reported;
/// `VfSetting::Unknown` kept as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PortState {
    /// MAC.
    pub mac: Option<Mac>,
    /// VLAN with its real protocol.
    pub vlan: Option<VlanTag>,
    /// Legacy max rate.
    pub tx_rate: Option<u32>,
    /// Min/max rate.
    pub rate: Option<RateLimit>,
    /// Spoof check.
    pub spoofchk: Option<VfSetting>,
    /// Link state.
    pub link_state: Option<LinkState>,
    /// RSS query.
    pub rss_query_en: Option<VfSetting>,
    /// Trust.
    pub trust: Option<VfSetting>,
    /// IB node GUID.
    pub ib_node_guid: Option<u64>,
    /// IB port GUID.
    pub ib_port_guid: Option<u64>,
}

impl PortState {
    /// The state a decoded VF entry describes.
    pub fn from_info(info: &VfInfo) -> Self {
        PortState {
            mac: info.mac,
            vlan: info.vlan_tag(),
            tx_rate: info.tx_rate,
            rate: info.rate,
            spoofchk: info.spoofchk,
            link_state: info.link_state,
            rss_query_en: info.rss_query_en,
            trust: info.trust,
            ib_node_guid: info.ib_node_guid,
            ib_port_guid: info.ib_port_guid,
        }
    }

    /// The part of `restore` (settings that put a VF back) that this current state does not
    /// already have: fields equal to the current state are dropped, so a restore sends only
    /// what actually differs (a port refused part way may have changed some fields and not
    /// others; the kernel does not roll back within a message).
    pub fn still_to_restore(&self, restore: &VfConfig) -> VfConfig {
        let mut c = *restore;
        let same = |want: Option<bool>, have: Option<VfSetting>| {
            want.is_some_and(|w| have == Some(VfSetting::from(w)))
        };
        if c.mac.is_some() && c.mac == self.mac {
            c.mac = None;
        }
        if c.vlan.is_some() && c.vlan == self.vlan {
            c.vlan = None;
        }
        if c.tx_rate.is_some() && c.tx_rate == self.tx_rate {
            c.tx_rate = None;
        }
        if c.rate.is_some() && c.rate == self.rate {
            c.rate = None;
        }
        if same(c.spoofchk, self.spoofchk) {
            c.spoofchk = None;
        }
        if c.link_state.is_some() && c.link_state == self.link_state {
            c.link_state = None;
        }
        if same(c.rss_query_en, self.rss_query_en) {
            c.rss_query_en = None;
        }
        if same(c.trust, self.trust) {
            c.trust = None;
        }
        if c.ib_node_guid.is_some() && c.ib_node_guid == self.ib_node_guid {
            c.ib_node_guid = None;
        }
        if c.ib_port_guid.is_some() && c.ib_port_guid == self.ib_port_guid {
            c.ib_port_guid = None;
        }
        c
    }

    fn present(&self) -> Fields {
        let mut f = Fields::empty();
        f.set(Fields::MAC, self.mac.is_some());
        f.set(Fields::VLAN, self.vlan.is_some());
        f.set(Fields::TX_RATE, self.tx_rate.is_some());
        f.set(Fields::RATE, self.rate.is_some());
        f.set(Fields::SPOOFCHK, self.spoofchk.is_some());
        f.set(Fields::LINK_STATE, self.link_state.is_some());
        f.set(Fields::RSS_QUERY_EN, self.rss_query_en.is_some());
        f.set(Fields::TRUST, self.trust.is_some());
        f.set(Fields::IB_NODE_GUID, self.ib_node_guid.is_some());
        f.set(Fields::IB_PORT_GUID, self.ib_port_guid.is_some());
        f
    }

    /// The settings that put back `fields`, and the fields that cannot be (not reported, or
    /// reported as unknown).
    fn restore(&self, vf: u32, fields: Fields) -> (VfConfig, Fields) {
        let known = |s: Option<VfSetting>| s.and_then(VfSetting::as_bool);
        let mut c = VfConfig::new(vf);
        let want = |f: Fields| fields.contains(f);
        if want(Fields::MAC) {
            c.mac = self.mac;
        }
        if want(Fields::VLAN) {
            c.vlan = self.vlan.filter(|t| t.validate().is_ok());
        }
        if want(Fields::TX_RATE) {
            c.tx_rate = self.tx_rate;
        }
        if want(Fields::RATE) {
            c.rate = self.rate.filter(|r| r.validate().is_ok());
        }
        if want(Fields::SPOOFCHK) {
            c.spoofchk = known(self.spoofchk);
        }
        if want(Fields::LINK_STATE) {
            c.link_state = self
                .link_state
                .filter(|s| !matches!(s, LinkState::Unknown(_)));
        }
        if want(Fields::RSS_QUERY_EN) {
            c.rss_query_en = known(self.rss_query_en);
        }
        if want(Fields::TRUST) {
            c.trust = known(self.trust);
        }
        if want(Fields::IB_NODE_GUID) {
            c.ib_node_guid = self.ib_node_guid;
        }
        if want(Fields::IB_PORT_GUID) {
            c.ib_port_guid = self.ib_port_guid;
        }
        let restorable = Fields::of_config(&c);
        (
            c,
            fields
                .difference(Fields::VIRTUALPORT)
                .difference(restorable),
        )
    }
}

/// One port of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSnapshot {
    /// The port and its PF netdev.
    pub port: Port,
    /// The fields the assignment changes on this port.
    pub changed: Fields,
    /// The VF's state on this port before the assignment; `None` until captured.
    pub state: Option<PortState>,
    /// The virtualport the assignment sets, kept to disassociate it on restore.
    pub virtualport: Option<VirtualPort>,
}

/// The original state of a VF's ports, to restore after an assignment.
///
/// ```
/// use vfnl::assignment::Assignment;
/// use vfnl::port::{Port, PortMap};
/// use vfnl::snapshot::Snapshot;
/// use vfnl::VfConfig;
/// let mut ports = PortMap::new();
/// ports.add(Port::new(1, 4))?;
/// let mut a = Assignment::new(0);
/// a.set_port(1, VfConfig { trust: Some(true), ..VfConfig::new(0) }, None)?;
/// let snap = Snapshot::for_assignment(&a, &ports)?;
/// assert!(!snap.is_complete()); // capture() each port's GETLINK reply next
/// let mut bytes = [0u8; vfnl::snapshot::SNAPSHOT_LEN];
/// snap.serialize(&mut bytes)?;
/// assert_eq!(Snapshot::deserialize(&bytes)?, snap);
/// # Ok::<(), vfnl::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    vf: u32,
    pci: Option<PciAddress>,
    ports: heapless::Vec<PortSnapshot, MAX_PORTS>,
}

/// Which check a serialized snapshot failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotFault {
    /// Not [`SNAPSHOT_LEN`] bytes (or the length field disagrees).
    Length {
        /// Bytes a snapshot has.
        expected: usize,
        /// Bytes given (or recorded).
        found: usize,
    },
    /// Does not start with `VFNLSNAP`.
    Magic,
    /// A format version this build does not read.
    Version {
        /// The version found.
        found: u16,
    },
    /// The CRC-32 does not match: the bytes were changed.
    Checksum,
    /// A field holds a value no snapshot can hold.
    Content,
}

/// The serialized size of a snapshot.
pub const SNAPSHOT_LEN: usize = HEADER_LEN + MAX_PORTS * PORT_RECORD_LEN + 4;
/// The format version written.
pub const SNAPSHOT_VERSION: u16 = 1;
/// Bytes per port record.
pub const PORT_RECORD_LEN: usize = 208;
const HEADER_LEN: usize = 32;
const MAGIC: &[u8; 8] = b"VFNLSNAP";

impl Snapshot {
    /// A snapshot for `assignment`: its ports (with their PF netdevs from `map`) and the
    /// fields it changes on each, nothing captured yet.
    pub fn for_assignment(assignment: &Assignment, map: &PortMap) -> Result<Self, Error> {
        let mut ports = heapless::Vec::new();
        for s in assignment.ports() {
            let port = map
                .get(s.port)
                .ok_or(Error::UnknownPort { port: s.port })?
                .clone();
            let _ = ports.push(PortSnapshot {
                port,
                changed: Fields::changed_by(s),
                state: None,
                virtualport: s.virtualport,
            });
        }
        Ok(Snapshot {
            vf: assignment.vf(),
            pci: None,
            ports,
        })
    }

    /// The same snapshot labelled with the VF's PCI address.
    pub fn with_pci(mut self, pci: PciAddress) -> Self {
        self.pci = Some(pci);
        self
    }

    /// The VF index.
    pub fn vf(&self) -> u32 {
        self.vf
    }

    /// The VF's PCI address, when labelled.
    pub fn pci(&self) -> Option<PciAddress> {
        self.pci
    }

    /// The ports.
    pub fn ports(&self) -> &[PortSnapshot] {
        &self.ports
    }

    /// Records port `port`'s state from its PF netdev's RTM_NEWLINK reply (asked with
    /// `RTEXT_FILTER_VF`). Errors: [`Error::UnknownPort`], [`Error::WrongLink`] for a reply
    /// about another netdev, [`Error::VfNotInReply`], and any decode error of the VF list
    /// (a truncated list that lacks the VF is an error, never an empty state).
    pub fn capture(&mut self, port: u8, reply: &LinkMessage<'_>) -> Result<(), Error> {
        let vf = self.vf;
        let p = self
            .ports
            .iter_mut()
            .find(|p| p.port.number == port)
            .ok_or(Error::UnknownPort { port })?;
        if reply.ifindex() as u32 != p.port.ifindex {
            return Err(Error::WrongLink {
                expected: p.port.ifindex,
                found: reply.ifindex() as u32,
            });
        }
        let info = reply.vf(vf)?.ok_or(Error::VfNotInReply { vf })?;
        p.state = Some(PortState::from_info(&info));
        Ok(())
    }

    /// Whether every port has been captured.
    pub fn is_complete(&self) -> bool {
        self.ports.iter().all(|p| p.state.is_some())
    }

    /// The ports and their PF netdevs, to encode the restore batch with.
    pub fn port_map(&self) -> PortMap {
        let mut map = PortMap::new();
        for p in &self.ports {
            // Ports in a snapshot are valid and distinct by construction or validation.
            let _ = map.add(p.port.clone());
        }
        map
    }

    /// The fields of `port` that were changed but whose original value is not known, so a
    /// restore cannot put them back.
    pub fn unrestorable(&self, port: u8) -> Fields {
        self.ports
            .iter()
            .find(|p| p.port.number == port)
            .and_then(|p| p.state.map(|s| s.restore(self.vf, p.changed).1))
            .unwrap_or(Fields::empty())
    }

    /// The assignment that puts back what was changed: per port, the changed fields with
    /// their captured values, and a disassociate request for a virtualport. Ports with
    /// nothing restorable are left out. Errors with [`Error::SnapshotIncomplete`] when a port
    /// was never captured.
    pub fn restore_assignment(&self) -> Result<Assignment, Error> {
        let mut a = Assignment::new(self.vf);
        for p in &self.ports {
            let state = p.state.ok_or(Error::SnapshotIncomplete {
                port: p.port.number,
            })?;
            let (config, _) = state.restore(self.vf, p.changed);
            let virtualport = p.virtualport.map(|v| VirtualPort {
                request: Some(PortRequest::Disassociate),
                ..v
            });
            if config.is_empty() && virtualport.is_none() {
                continue;
            }
            a.set_port(p.port.number, config, virtualport)?;
        }
        Ok(a)
    }

    /// Encodes the restore batch (see [`restore_assignment`](Self::restore_assignment)) to
    /// the snapshot's PF netdevs. An empty restore is [`Error::EmptyRequest`].
    pub fn restore_batch(&self, first_seq: u32, buf: &mut [u8]) -> Result<Batch, Error> {
        self.restore_assignment()?
            .encode_batch(&self.port_map(), first_seq, buf)
    }

    /// Writes the snapshot's [`SNAPSHOT_LEN`] bytes into `out`.
    pub fn serialize(&self, out: &mut [u8]) -> Result<usize, Error> {
        let Some(out) = out.get_mut(..SNAPSHOT_LEN) else {
            return Err(Error::BufferTooSmall {
                needed: SNAPSHOT_LEN,
                available: out.len(),
            });
        };
        out.fill(0);
        out[0..8].copy_from_slice(MAGIC);
        put16(out, 8, SNAPSHOT_VERSION);
        put16(out, 10, PORT_RECORD_LEN as u16);
        put32(out, 12, SNAPSHOT_LEN as u32);
        put32(out, 16, self.vf);
        if let Some(pci) = self.pci {
            out[20] = 1;
            out[21] = pci.bus;
            out[22] = pci.slot;
            out[23] = pci.function;
            put32(out, 24, pci.domain);
        }
        out[28] = self.ports.len() as u8;
        let records = out.get_mut(HEADER_LEN..).unwrap_or_default();
        for (p, r) in self
            .ports
            .iter()
            .zip(records.chunks_exact_mut(PORT_RECORD_LEN))
        {
            write_port(p, r);
        }
        let crc = crc32(out.get(..SNAPSHOT_LEN - 4).unwrap_or_default());
        put32(out, SNAPSHOT_LEN - 4, crc);
        Ok(SNAPSHOT_LEN)
    }

    /// Reads a snapshot back, checking length, magic, version, checksum and every field.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, Error> {
        let fault = |fault| Err(Error::BadSnapshot { fault });
        if bytes.len() != SNAPSHOT_LEN {
            return fault(SnapshotFault::Length {
                expected: SNAPSHOT_LEN,
                found: bytes.len(),
            });
        }
        if &bytes[0..8] != MAGIC {
            return fault(SnapshotFault::Magic);
        }
        let version = get16(bytes, 8);
        if version != SNAPSHOT_VERSION {
            return fault(SnapshotFault::Version { found: version });
        }
        if get32(bytes, SNAPSHOT_LEN - 4) != crc32(&bytes[..SNAPSHOT_LEN - 4]) {
            return fault(SnapshotFault::Checksum);
        }
        let recorded = get32(bytes, 12) as usize;
        if recorded != SNAPSHOT_LEN || get16(bytes, 10) as usize != PORT_RECORD_LEN {
            return fault(SnapshotFault::Length {
                expected: SNAPSHOT_LEN,
                found: recorded,
            });
        }
        read_snapshot(bytes).ok_or(Error::BadSnapshot {
            fault: SnapshotFault::Content,
        })
    }
}

// Field writers for the fixed layout; the offsets are constants inside the record, and the
// checked slicing keeps serializing free of a panic path.
fn put<const N: usize>(b: &mut [u8], at: usize, v: [u8; N]) {
    if let Some(out) = b.get_mut(at..).and_then(|b| b.first_chunk_mut::<N>()) {
        *out = v;
    }
}
fn put_bytes(b: &mut [u8], at: usize, v: &[u8]) {
    let out = b.get_mut(at..).unwrap_or_default();
    out.iter_mut().zip(v).for_each(|(o, v)| *o = *v);
}
fn put16(b: &mut [u8], at: usize, v: u16) {
    put(b, at, v.to_le_bytes());
}
fn put32(b: &mut [u8], at: usize, v: u32) {
    put(b, at, v.to_le_bytes());
}
fn put64(b: &mut [u8], at: usize, v: u64) {
    put(b, at, v.to_le_bytes());
}
fn get16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn get32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn get64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

// Port record layout (offsets within the record).
mod rec {
    pub const NUMBER: usize = 0;
    pub const FLAGS: usize = 1; // CAPTURED | NAMED | VIRTUALPORT
    pub const CHANGED: usize = 2;
    pub const IFINDEX: usize = 4;
    pub const NAME: usize = 8; // 16 bytes, NUL padded
    pub const PRESENT: usize = 24;
    pub const MAC_LEN: usize = 26;
    pub const MAC: usize = 28; // 32 bytes
    pub const VLAN: usize = 60;
    pub const QOS: usize = 64;
    pub const PROTO: usize = 68;
    pub const TX_RATE: usize = 72;
    pub const MIN_RATE: usize = 76;
    pub const MAX_RATE: usize = 80;
    pub const SPOOFCHK: usize = 84;
    pub const LINK_STATE: usize = 88;
    pub const RSS: usize = 92;
    pub const TRUST: usize = 96;
    pub const NODE_GUID: usize = 100;
    pub const PORT_GUID: usize = 108;
    pub const VP_PRESENT: usize = 116; // VF | PROFILE | VSI | INSTANCE | HOST | REQUEST
    pub const VP_PROFILE_LEN: usize = 117;
    pub const VP_REQUEST: usize = 118;
    pub const VP_VF: usize = 120;
    pub const VP_PROFILE: usize = 124; // 39 bytes
    pub const VP_VSI: usize = 164; // 8 bytes
    pub const VP_INSTANCE: usize = 172;
    pub const VP_HOST: usize = 188;
    pub const END: usize = 204;

    pub const CAPTURED: u8 = 1;
    pub const NAMED: u8 = 2;
    pub const VIRTUALPORT: u8 = 4;
}
const _: () = assert!(rec::END <= PORT_RECORD_LEN);

fn write_port(p: &PortSnapshot, r: &mut [u8]) {
    r[rec::NUMBER] = p.port.number;
    put16(r, rec::CHANGED, p.changed.bits());
    put32(r, rec::IFINDEX, p.port.ifindex);
    let mut flags = 0;
    if let Some(name) = &p.port.name {
        flags |= rec::NAMED;
        put_bytes(r, rec::NAME, name.as_bytes());
    }
    if let Some(s) = &p.state {
        flags |= rec::CAPTURED;
        put16(r, rec::PRESENT, s.present().bits());
        if let Some(mac) = s.mac {
            r[rec::MAC_LEN] = mac.len() as u8;
            put(r, rec::MAC, mac.to_field());
        }
        if let Some(t) = s.vlan {
            put32(r, rec::VLAN, t.vlan);
            put32(r, rec::QOS, t.qos);
            put16(r, rec::PROTO, t.proto.ethertype());
        }
        put32(r, rec::TX_RATE, s.tx_rate.unwrap_or(0));
        let rate = s.rate.unwrap_or_default();
        put32(r, rec::MIN_RATE, rate.min_tx_rate);
        put32(r, rec::MAX_RATE, rate.max_tx_rate);
        let raw = |v: Option<VfSetting>| v.map_or(0, VfSetting::to_u32);
        put32(r, rec::SPOOFCHK, raw(s.spoofchk));
        put32(
            r,
            rec::LINK_STATE,
            s.link_state.map_or(0, LinkState::to_u32),
        );
        put32(r, rec::RSS, raw(s.rss_query_en));
        put32(r, rec::TRUST, raw(s.trust));
        put64(r, rec::NODE_GUID, s.ib_node_guid.unwrap_or(0));
        put64(r, rec::PORT_GUID, s.ib_port_guid.unwrap_or(0));
    }
    if let Some(v) = &p.virtualport {
        flags |= rec::VIRTUALPORT;
        let mut present = 0u8;
        if let Some(vf) = v.vf {
            present |= 1;
            put32(r, rec::VP_VF, vf);
        }
        if let Some(profile) = &v.profile {
            present |= 2;
            let s = profile.as_str().as_bytes();
            r[rec::VP_PROFILE_LEN] = s.len() as u8;
            put_bytes(r, rec::VP_PROFILE, s);
        }
        if let Some(vsi) = v.vsi_type {
            present |= 4;
            let [a, b, c] = vsi.type_id;
            put(r, rec::VP_VSI, [vsi.manager_id, a, b, c, vsi.type_version]);
        }
        if let Some(u) = &v.instance_uuid {
            present |= 8;
            put(r, rec::VP_INSTANCE, *u);
        }
        if let Some(u) = &v.host_uuid {
            present |= 16;
            put(r, rec::VP_HOST, *u);
        }
        if let Some(req) = v.request {
            present |= 32;
            r[rec::VP_REQUEST] = req.to_u8();
        }
        r[rec::VP_PRESENT] = present;
    }
    r[rec::FLAGS] = flags;
}

fn read_snapshot(b: &[u8]) -> Option<Snapshot> {
    if b[29..32] != [0, 0, 0] || b[20] > 1 {
        return None;
    }
    // Without a PCI address its bytes must be zero, as `serialize` writes them: every valid
    // snapshot has exactly one encoding (found by fuzzing, tests/malformed.rs).
    if b[20] == 0 && b[21..28].iter().any(|&x| x != 0) {
        return None;
    }
    let pci = (b[20] == 1).then(|| PciAddress {
        domain: get32(b, 24),
        bus: b[21],
        slot: b[22],
        function: b[23],
    });
    if pci.is_some_and(|p| p.slot > 0x1f || p.function > 7) {
        return None;
    }
    let count = b[28] as usize;
    if count > MAX_PORTS {
        return None;
    }
    let mut ports = heapless::Vec::new();
    let mut map = PortMap::new();
    for i in 0..MAX_PORTS {
        let r = &b[HEADER_LEN + i * PORT_RECORD_LEN..HEADER_LEN + (i + 1) * PORT_RECORD_LEN];
        if i >= count {
            if r.iter().any(|&x| x != 0) {
                return None;
            }
            continue;
        }
        let p = read_port(r)?;
        // Port numbers valid and distinct, ifindex valid: the map checks both.
        map.add(p.port.clone()).ok()?;
        ports.push(p).ok()?;
    }
    Some(Snapshot {
        vf: get32(b, 16),
        pci,
        ports,
    })
}

fn read_port(r: &[u8]) -> Option<PortSnapshot> {
    let flags = r[rec::FLAGS];
    if flags & !(rec::CAPTURED | rec::NAMED | rec::VIRTUALPORT) != 0 {
        return None;
    }
    let changed = Fields::from_bits(get16(r, rec::CHANGED))?;
    let name_field = &r[rec::NAME..rec::NAME + 16];
    let name_len = name_field.iter().position(|&c| c == 0)?;
    let name = if flags & rec::NAMED != 0 {
        Some(ifname(core::str::from_utf8(&name_field[..name_len]).ok()?).ok()?)
    } else if name_len != 0 {
        return None;
    } else {
        None::<IfName>
    };
    let port = Port {
        number: r[rec::NUMBER],
        ifindex: get32(r, rec::IFINDEX),
        name,
    };
    let state = if flags & rec::CAPTURED != 0 {
        let present = Fields::from_bits(get16(r, rec::PRESENT))?;
        let has = |f| present.contains(f);
        let setting = |f, at| has(f).then(|| VfSetting::from_u32(get32(r, at)));
        let mac_len = r[rec::MAC_LEN] as usize;
        Some(PortState {
            mac: if has(Fields::MAC) {
                Some(Mac::new(r.get(rec::MAC..rec::MAC + mac_len)?).ok()?)
            } else {
                None
            },
            vlan: has_then(
                has(Fields::VLAN),
                VlanTag {
                    vlan: get32(r, rec::VLAN),
                    qos: get32(r, rec::QOS),
                    proto: VlanProto::from_ethertype(get16(r, rec::PROTO)),
                },
            ),
            tx_rate: has_then(has(Fields::TX_RATE), get32(r, rec::TX_RATE)),
            rate: has_then(
                has(Fields::RATE),
                RateLimit {
                    min_tx_rate: get32(r, rec::MIN_RATE),
                    max_tx_rate: get32(r, rec::MAX_RATE),
                },
            ),
            spoofchk: setting(Fields::SPOOFCHK, rec::SPOOFCHK),
            link_state: has_then(
                has(Fields::LINK_STATE),
                LinkState::from_u32(get32(r, rec::LINK_STATE)),
            ),
            rss_query_en: setting(Fields::RSS_QUERY_EN, rec::RSS),
            trust: setting(Fields::TRUST, rec::TRUST),
            ib_node_guid: has_then(has(Fields::IB_NODE_GUID), get64(r, rec::NODE_GUID)),
            ib_port_guid: has_then(has(Fields::IB_PORT_GUID), get64(r, rec::PORT_GUID)),
        })
    } else {
        None
    };
    let virtualport = if flags & rec::VIRTUALPORT != 0 {
        let present = r[rec::VP_PRESENT];
        if present & !0x3f != 0 {
            return None;
        }
        let profile_len = r[rec::VP_PROFILE_LEN] as usize;
        let profile = if present & 2 != 0 {
            let bytes = r.get(rec::VP_PROFILE..rec::VP_PROFILE + profile_len)?;
            Some(PortProfile::new(core::str::from_utf8(bytes).ok()?).ok()?)
        } else {
            None
        };
        let v = &r[rec::VP_VSI..rec::VP_VSI + 5];
        let uuid = |at: usize| {
            let mut u = [0u8; 16];
            u.copy_from_slice(&r[at..at + 16]);
            u
        };
        Some(VirtualPort {
            vf: has_then(present & 1 != 0, get32(r, rec::VP_VF)),
            profile,
            vsi_type: has_then(
                present & 4 != 0,
                VsiType {
                    manager_id: v[0],
                    type_id: [v[1], v[2], v[3]],
                    type_version: v[4],
                },
            ),
            instance_uuid: has_then(present & 8 != 0, uuid(rec::VP_INSTANCE)),
            host_uuid: has_then(present & 16 != 0, uuid(rec::VP_HOST)),
            request: has_then(present & 32 != 0, PortRequest::from_u8(r[rec::VP_REQUEST])),
            response: None,
        })
    } else {
        None
    };
    // Bytes the format does not use must be zero, so that every valid snapshot has exactly
    // one encoding.
    let mut canonical = [0u8; PORT_RECORD_LEN];
    let snapshot = PortSnapshot {
        port,
        changed,
        state,
        virtualport,
    };
    write_port(&snapshot, &mut canonical);
    (canonical[..] == r[..]).then_some(snapshot)
}

fn has_then<T>(present: bool, value: T) -> Option<T> {
    present.then_some(value)
}

/// CRC-32 with the IEEE polynomial (reflected 0xEDB88320), as zlib's `crc32()` computes it,
/// so a C stack can check a snapshot file with the zlib it already links. Written out (eight
/// lines) rather than taken from a crate, to keep the core's dependencies at two.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn still_to_restore_drops_what_is_already_back() {
        let state = PortState {
            mac: Some(Mac::ethernet([2, 0, 0, 0, 0, 1])),
            vlan: Some(VlanTag::dot1q(42, 3)),
            trust: Some(VfSetting::Off),
            rate: Some(RateLimit::default()),
            ..PortState::default()
        };
        let want = VfConfig {
            mac: Some(Mac::ethernet([2, 0, 0, 0, 0, 1])),
            vlan: Some(VlanTag::dot1q(42, 0)),
            trust: Some(false),
            rate: Some(RateLimit::default()),
            ..VfConfig::new(0)
        };
        let left = state.still_to_restore(&want);
        assert_eq!(
            left,
            VfConfig {
                vlan: Some(VlanTag::dot1q(42, 0)),
                ..VfConfig::new(0)
            }
        );
    }

    #[test]
    fn crc32_check_value() {
        // The standard check value of CRC-32/ISO-HDLC (zlib's crc32) for "123456789".
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }
}
