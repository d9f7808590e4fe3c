//! One VF, N ports: the settings for a VF on each port of its PCI function, and the batch of
//! messages that applies them.
//!
//! An [`Assignment`] is what libvirt's `<hostdev>` with one `<netdev port='N'>` per port
//! describes: a VF index and, per port, a MAC, VLAN, rate, trust, virtualport... The
//! single-port case is simply N = 1. Encoding it against a [`PortMap`] (which says which PF
//! netdev configures each port) gives one RTM_SETLINK per port, each addressed to that port's
//! PF netdev, with consecutive sequence numbers and `NLM_F_ACK`, back to back in one buffer:
//! a [`Batch`], which remembers where each port's message is so replies can be mapped back
//! ([`AckTracker`](crate::batch::AckTracker)).

use crate::attr::{self, Counter, Filler, NLA_HDRLEN};
use crate::batch::Batch;
use crate::error::Error;
use crate::ifinfo::IfInfoMsg;
use crate::nlmsg::NlmsgHeader;
use crate::port::{check_port_number, PortMap, MAX_PORTS};
use crate::request::{LinkTarget, SetLink};
use crate::snapshot::Fields;
use crate::vf::VfConfig;
use crate::virtualport::VirtualPort;

/// The longest RTM_SETLINK of one port without a virtualport: headers and one VF's entries.
const MAX_MESSAGE_LEN: usize = NlmsgHeader::LEN + IfInfoMsg::LEN + NLA_HDRLEN + VfConfig::MAX_LEN;
/// What a virtualport adds to it at most: `IFLA_VF_PORTS` and the port.
const MAX_VF_PORTS_LEN: usize = NLA_HDRLEN + VirtualPort::MAX_LEN;

/// At least the bytes of the RTM_SETLINK of a port whose settings change `changes`.
const fn max_message_len(changes: Fields) -> usize {
    if changes.contains(Fields::VIRTUALPORT) {
        MAX_MESSAGE_LEN + MAX_VF_PORTS_LEN
    } else {
        MAX_MESSAGE_LEN
    }
}

/// What one port of the VF should be set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortSettings {
    /// Port number, from 1.
    pub port: u8,
    /// The VF settings for this port (its `vf` is the assignment's VF).
    pub config: VfConfig,
    /// 802.1Qbg/Qbh port for this VF on this port, sent in `IFLA_VF_PORTS` (its `vf` is the
    /// assignment's VF).
    pub virtualport: Option<VirtualPort>,
}

impl PortSettings {
    /// Whether the port's message would carry nothing.
    pub fn is_empty(&self) -> bool {
        self.config.is_empty() && self.virtualport.is_none()
    }
}

/// A VF and its settings per port.
///
/// ```
/// use vfnl::assignment::Assignment;
/// use vfnl::port::{Port, PortMap};
/// use vfnl::{VfConfig, VlanTag};
///
/// // The RFC's dual-port VF: same MAC on both ports, VLAN 42 on port 1 and 43 on port 2.
/// let mut ports = PortMap::new();
/// ports.add(Port::new(1, 4).named("ens6")?)?;
/// ports.add(Port::new(2, 5).named("ens6d1")?)?;
/// let mac = "52:54:00:01:02:03".parse()?;
/// let mut a = Assignment::new(0);
/// a.set_port(1, VfConfig { mac: Some(mac), vlan: Some(VlanTag::dot1q(42, 0)), ..VfConfig::new(0) }, None)?;
/// a.set_port(2, VfConfig { mac: Some(mac), vlan: Some(VlanTag::dot1q(43, 0)), ..VfConfig::new(0) }, None)?;
///
/// let mut buf = vec![0u8; a.batch_len(&ports)?];
/// let batch = a.encode_batch(&ports, 100, &mut buf)?;
/// assert_eq!(batch.entries().len(), 2);
/// let port2 = batch.entries().nth(1).unwrap();
/// assert_eq!((port2.ifindex, port2.seq, port2.offset), (5, 101, 96));
/// # Ok::<(), vfnl::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    vf: u32,
    ports: heapless::Vec<PortSettings, MAX_PORTS>,
    /// What each port's settings change, in the order of `ports`. Worked out once, by
    /// `set_port`, so that each encoding looks only at the settings given.
    changes: heapless::Vec<Fields, MAX_PORTS>,
    /// The batch's upper bound: every port's message at its longest.
    max_batch_len: usize,
}

impl Assignment {
    /// An assignment of VF `vf` (the `N` of its PF's `virtfnN`) with no port set yet.
    pub const fn new(vf: u32) -> Self {
        Assignment {
            vf,
            ports: heapless::Vec::new(),
            changes: heapless::Vec::new(),
            max_batch_len: 0,
        }
    }

    /// The VF index.
    pub fn vf(&self) -> u32 {
        self.vf
    }

    /// The per-port settings, by port number.
    pub fn ports(&self) -> &[PortSettings] {
        &self.ports
    }

    /// The settings for one port.
    pub fn port(&self, port: u8) -> Option<&PortSettings> {
        self.ports.iter().find(|p| p.port == port)
    }

    /// Sets what port `port` should carry, replacing earlier settings for it.
    ///
    /// `config.vf` must be the assignment's VF; a virtualport's `vf` may be `None` (it is then
    /// filled in) or the assignment's VF. The settings are validated as the encoder would
    /// (VLAN range, rates...). Errors also for port 0, a port past [`MAX_PORTS`], and settings
    /// that would send nothing.
    pub fn set_port(
        &mut self,
        port: u8,
        config: VfConfig,
        virtualport: Option<VirtualPort>,
    ) -> Result<(), Error> {
        check_port_number(port)?;
        if config.vf != self.vf {
            return Err(Error::VfIndexMismatch {
                first: self.vf,
                other: config.vf,
            });
        }
        let virtualport = match virtualport {
            Some(v) => match v.vf {
                None => Some(VirtualPort {
                    vf: Some(self.vf),
                    ..v
                }),
                Some(vf) if vf == self.vf => Some(v),
                Some(other) => {
                    return Err(Error::VfIndexMismatch {
                        first: self.vf,
                        other,
                    })
                }
            },
            None => None,
        };
        let settings = PortSettings {
            port,
            config,
            virtualport,
        };
        if settings.is_empty() {
            return Err(Error::EmptyVfConfig { vf: self.vf });
        }
        if !config.is_empty() {
            config.validate()?;
        }
        if let Some(v) = &virtualport {
            let mut counter = Counter::new();
            v.emit(&mut counter, crate::ifla::IFLA_VF_PORT);
            counter.finish()?;
        }
        match self.ports.binary_search_by_key(&port, |p| p.port) {
            Ok(at) => self.ports[at] = settings,
            Err(at) => self
                .ports
                .insert(at, settings)
                .map_err(|_| Error::TooManyPorts { max: MAX_PORTS })?,
        }
        // What follows from the ports, worked out again from all of them.
        self.changes.clear();
        self.max_batch_len = 0;
        for settings in &self.ports {
            let changes = Fields::changed_by(settings);
            // As many as ports, so there is room.
            let _ = self.changes.push(changes);
            self.max_batch_len += max_message_len(changes);
        }
        Ok(())
    }

    /// The PF netdev of `settings`' port in `map`.
    #[inline(always)]
    fn ifindex(settings: &PortSettings, map: &PortMap) -> Result<u32, Error> {
        map.get(settings.port)
            .map(|port| port.ifindex)
            .ok_or(Error::UnknownPort {
                port: settings.port,
            })
    }

    /// The RTM_SETLINK of `settings` to the PF netdev with `ifindex`.
    #[inline(always)]
    fn message(settings: &PortSettings, ifindex: u32, seq: u32) -> SetLink<'_> {
        let vfs: &[VfConfig] = if settings.config.is_empty() {
            &[]
        } else {
            core::slice::from_ref(&settings.config)
        };
        let vf_ports: &[VirtualPort] = match &settings.virtualport {
            Some(v) => core::slice::from_ref(v),
            None => &[],
        };
        SetLink {
            vf_ports,
            ..SetLink::new(LinkTarget::Index(ifindex), vfs).seq(seq)
        }
    }

    /// Bytes [`encode_batch`](Self::encode_batch) needs; the same errors, so an assignment
    /// with no port is [`Error::EmptyRequest`], not 0 bytes.
    pub fn batch_len(&self, map: &PortMap) -> Result<usize, Error> {
        if self.ports.is_empty() {
            return Err(Error::EmptyRequest);
        }
        let mut total = 0;
        for settings in &self.ports {
            total += Self::message(settings, Self::ifindex(settings, map)?, 0).encoded_len()?;
        }
        Ok(total)
    }

    /// Writes one RTM_SETLINK per port, in port order, to each port's PF netdev from `map`,
    /// with sequence numbers `first_seq`, `first_seq + 1`, ... and `NLM_F_ACK`. Errors:
    /// [`Error::UnknownPort`] for a port the map lacks, [`Error::EmptyRequest`] for an
    /// assignment with no port, [`Error::BufferTooSmall`] with the whole batch's size. Every
    /// error is found before anything is written: on error `buf` is untouched.
    ///
    /// The settings were checked by [`set_port`](Self::set_port), which also noted which
    /// fields each port gives, so encoding checks nothing again and looks only at those
    /// fields. A buffer that holds every port's longest message takes one pass; a smaller
    /// one is measured first.
    #[inline]
    pub fn encode_batch(
        &self,
        map: &PortMap,
        first_seq: u32,
        buf: &mut [u8],
    ) -> Result<Batch, Error> {
        let mut batch = Batch::new(self.vf, first_seq);
        self.fill_batch(map, first_seq, buf, &mut batch)?;
        Ok(batch)
    }

    /// [`encode_batch`](Self::encode_batch) into a [`Batch`] the caller keeps, which it
    /// replaces: for a caller that encodes often, as it saves returning the batch by value
    /// (a copy of 72 bytes just written, which costs as much as a message). After an error
    /// `batch` is empty.
    pub fn encode_batch_into(
        &self,
        map: &PortMap,
        first_seq: u32,
        buf: &mut [u8],
        batch: &mut Batch,
    ) -> Result<(), Error> {
        *batch = Batch::new(self.vf, first_seq);
        let result = self.fill_batch(map, first_seq, buf, batch);
        if result.is_err() {
            *batch = Batch::new(self.vf, first_seq);
        }
        result
    }

    /// [`encode_batch`](Self::encode_batch) into an empty `batch`.
    #[inline]
    fn fill_batch(
        &self,
        map: &PortMap,
        first_seq: u32,
        buf: &mut [u8],
        batch: &mut Batch,
    ) -> Result<(), Error> {
        if self.ports.is_empty() {
            return Err(Error::EmptyRequest);
        }
        if self.max_batch_len > buf.len() {
            return self.fill_batch_measured(map, first_seq, buf, batch);
        }
        // Each port's PF netdev first. Both are sorted by port number, so one walk of the
        // map finds every port.
        let mut map_ports = map.iter();
        for settings in &self.ports {
            let Some(port) = map_ports.find(|p| p.number == settings.port) else {
                return Err(Error::UnknownPort {
                    port: settings.port,
                });
            };
            batch.push_port(settings.port, port.ifindex)?;
        }
        let mut rest = buf;
        for (i, (settings, changes)) in self.ports.iter().zip(&self.changes).enumerate() {
            let (ifindex, seq) = (batch.ifindex(i), first_seq.wrapping_add(i as u32));
            // A port without a virtualport is written through a window of the longest such
            // message, whose size the optimizer knows: then it sees every store in bounds.
            // The batch's bound leaves room for it. The filler does not check the settings
            // again: `set_port` admitted only settings that pass every check their
            // encoders make.
            let len = match rest.first_chunk_mut::<MAX_MESSAGE_LEN>() {
                Some(window) if !changes.contains(Fields::VIRTUALPORT) => {
                    // No virtualport, so VF settings (`set_port` refuses a port with
                    // neither).
                    let vfs = core::slice::from_ref(&settings.config);
                    let msg = SetLink::new(LinkTarget::Index(ifindex), vfs).seq(seq);
                    let mut filler = Filler::<false>::new(window);
                    msg.emit_vfs(&mut filler, changes.intersects(!Fields::MAC_VLAN));
                    filler.finish()?
                }
                _ => Self::encode_port(settings, ifindex, seq, rest)?,
            };
            rest = core::mem::take(&mut rest)
                .get_mut(len..)
                .unwrap_or_default();
            batch.set_message_len(i, len)?;
        }
        Ok(())
    }

    /// One port's message into `buf`, out of line (so that the batch's filler stays in
    /// registers), measured first. Only messages with a virtualport come here on the fast
    /// path; `attr::encode`'s one-pass plan would skip the size pass but add 4 KiB of
    /// inlined encoder to every C program, for the rarer case.
    #[inline(never)]
    fn encode_port(
        settings: &PortSettings,
        ifindex: u32,
        seq: u32,
        buf: &mut [u8],
    ) -> Result<usize, Error> {
        attr::encode_measured(&Self::message(settings, ifindex, seq), buf)
    }

    /// [`encode_batch`](Self::encode_batch) into a buffer that may be too small: measured
    /// exactly first (which also names invalid input), so that a short buffer is untouched,
    /// then written message by message.
    #[cold]
    #[inline(never)]
    fn fill_batch_measured(
        &self,
        map: &PortMap,
        first_seq: u32,
        buf: &mut [u8],
        batch: &mut Batch,
    ) -> Result<(), Error> {
        let needed = self.batch_len(map)?;
        if needed > buf.len() {
            return Err(Error::BufferTooSmall {
                needed,
                available: buf.len(),
            });
        }
        let mut offset = 0;
        for (i, settings) in self.ports.iter().enumerate() {
            let seq = first_seq.wrapping_add(i as u32);
            let ifindex = Self::ifindex(settings, map)?;
            let rest = buf.get_mut(offset..).unwrap_or_default();
            let len = Self::encode_port(settings, ifindex, seq, rest)?;
            batch.push(settings.port, ifindex, len)?;
            offset += len;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::port::Port;
    use crate::vf::VlanTag;

    #[test]
    fn set_port_checks() {
        let mut a = Assignment::new(3);
        let cfg = VfConfig {
            trust: Some(true),
            ..VfConfig::new(3)
        };
        assert_eq!(
            a.set_port(0, cfg, None),
            Err(Error::BadPortNumber { port: 0 })
        );
        assert_eq!(
            a.set_port(1, VfConfig { vf: 4, ..cfg }, None),
            Err(Error::VfIndexMismatch { first: 3, other: 4 })
        );
        assert_eq!(
            a.set_port(1, VfConfig::new(3), None),
            Err(Error::EmptyVfConfig { vf: 3 })
        );
        assert_eq!(
            a.set_port(
                1,
                VfConfig {
                    vlan: Some(VlanTag::dot1q(5000, 0)),
                    ..cfg
                },
                None
            ),
            Err(Error::VlanOutOfRange { vlan: 5000 })
        );
        for port in 1..=MAX_PORTS as u8 {
            a.set_port(port, cfg, None).unwrap();
        }
        assert_eq!(
            a.set_port(MAX_PORTS as u8 + 1, cfg, None),
            Err(Error::TooManyPorts { max: MAX_PORTS })
        );
        // Replacing a port's settings is fine at capacity.
        a.set_port(
            2,
            VfConfig {
                trust: Some(false),
                ..cfg
            },
            None,
        )
        .unwrap();
        assert_eq!(a.port(2).unwrap().config.trust, Some(false));
        // A virtualport without a VF gets the assignment's.
        let mut b = Assignment::new(3);
        b.set_port(1, VfConfig::new(3), Some(VirtualPort::default()))
            .unwrap();
        assert_eq!(b.port(1).unwrap().virtualport.unwrap().vf, Some(3));
    }

    #[test]
    fn unknown_port_and_short_buffer() {
        let mut map = PortMap::new();
        map.add(Port::new(1, 4)).unwrap();
        let mut a = Assignment::new(0);
        let cfg = VfConfig {
            trust: Some(true),
            ..VfConfig::new(0)
        };
        a.set_port(1, cfg, None).unwrap();
        let need = a.batch_len(&map).unwrap();
        let mut buf = [0u8; 256];
        assert_eq!(
            a.encode_batch(&map, 1, &mut buf[..need - 1]).unwrap_err(),
            Error::BufferTooSmall {
                needed: need,
                available: need - 1
            }
        );
        a.set_port(2, cfg, None).unwrap();
        assert_eq!(
            a.encode_batch(&map, 1, &mut buf).unwrap_err(),
            Error::UnknownPort { port: 2 }
        );
        // A buffer too small for port 1 still reports what is wrong with port 2.
        assert_eq!(
            a.encode_batch(&map, 1, &mut buf[..10]).unwrap_err(),
            Error::UnknownPort { port: 2 }
        );
        assert_eq!(
            Assignment::new(0)
                .encode_batch(&map, 1, &mut buf)
                .unwrap_err(),
            Error::EmptyRequest
        );
        // Measured, it is the same error (the C ABI reports the size from batch_len).
        assert_eq!(
            Assignment::new(0).batch_len(&map).unwrap_err(),
            Error::EmptyRequest
        );
    }
}
