//! Requests: VF settings to one PF netdev (RTM_SETLINK), a query of one link (RTM_GETLINK) and
//! a link dump.
//!
//! Each request is a small value that encodes into a caller's buffer with `encode` (the bytes
//! written, or [`Error::BufferTooSmall`] with the size needed) or into an open [`Sink`] with
//! [`Emit::emit`], so several messages can go back to back in one buffer. `encoded_len` measures
//! without writing. Nothing the kernel would reject is sent.
//!
//! `encode` is one pass when the buffer holds the request's upper bound, and measures first
//! when it may not (see [`attr::encode`]): a buffer too small is left untouched; after
//! invalid input its contents are unspecified.

use crate::attr::{self, nla_total_size, Emit, Sink, NLA_HDRLEN};
use crate::error::{Error, Field};
use crate::ifinfo::IfInfoMsg;
use crate::ifla::*;
use crate::nlmsg::{NlmFlags, NlmsgHeader, RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK};
use crate::vf::VfConfig;
use crate::virtualport::VirtualPort;

/// The link a request is about: by ifindex, or by name (ifindex 0 and `IFLA_IFNAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkTarget<'a> {
    /// By interface index (1 ..= `i32::MAX`).
    Index(u32),
    /// By interface name (1 to 15 bytes).
    Name(&'a str),
}

impl LinkTarget<'_> {
    /// The bytes [`emit`](Self::emit) writes: the header, and the name with its NUL.
    #[inline(always)]
    fn max_len(&self) -> usize {
        IfInfoMsg::LEN
            + match *self {
                LinkTarget::Index(_) => 0,
                LinkTarget::Name(name) => nla_total_size(name.len().saturating_add(1)),
            }
    }

    /// Writes the `ifinfomsg` and, for a name, the `IFLA_IFNAME` attribute.
    #[inline(always)]
    fn emit<S: Sink>(&self, w: &mut S) {
        let index = match *self {
            LinkTarget::Index(i) => {
                // 1 ..= i32::MAX: above that, the kernel's int reads negative.
                let index = i.cast_signed();
                if S::CHECKS && index <= 0 {
                    w.fail(Error::BadIfIndex { index: i });
                }
                index
            }
            LinkTarget::Name(_) => 0,
        };
        let mut hdr = [0u8; IfInfoMsg::LEN];
        IfInfoMsg::request(index).emit(&mut hdr);
        w.put(&hdr);
        if let LinkTarget::Name(name) = *self {
            if name.is_empty() {
                w.fail(Error::BadString { kind: IFLA_IFNAME });
            }
            w.attr_str(IFLA_IFNAME, Field::IfName, name, IFNAME_MAX);
        }
    }
}

/// Header fields every request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestHeader {
    /// `nlmsg_seq`, echoed in the kernel's answer.
    pub seq: u32,
    /// `nlmsg_pid`; 0 lets the kernel fill in the socket's port id.
    pub pid: u32,
    /// `nlmsg_flags`.
    pub flags: NlmFlags,
}

/// VF settings for one PF netdev: one RTM_SETLINK carrying an `IFLA_VFINFO_LIST` with an entry
/// per VF, and optionally 802.1Qbg/Qbh ports (`IFLA_VF_PORTS`, `IFLA_PORT_SELF`).
///
/// ```
/// use vfnl::request::{LinkTarget, SetLink};
/// use vfnl::{Mac, VfConfig, VlanTag};
/// let vfs = [VfConfig {
///     mac: Some(Mac::ethernet([0x52, 0x54, 0, 1, 1, 1])),
///     vlan: Some(VlanTag::dot1q(42, 0)),
///     ..VfConfig::new(4)
/// }];
/// let req = SetLink::new(LinkTarget::Index(7), &vfs).seq(1);
/// let mut buf = [0u8; 256];
/// let n = req.encode(&mut buf).unwrap();
/// assert_eq!(n, req.encoded_len().unwrap());
/// // Too small a buffer says how much is needed.
/// assert_eq!(req.encode(&mut buf[..8]), Err(vfnl::Error::BufferTooSmall { needed: n, available: 8 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetLink<'a> {
    /// The PF netdev.
    pub target: LinkTarget<'a>,
    /// Per-VF settings, each to its own `IFLA_VF_INFO`.
    pub vfs: &'a [VfConfig],
    /// Per-VF 802.1Qbg/Qbh ports (`IFLA_VF_PORTS`); each should name its VF.
    pub vf_ports: &'a [VirtualPort],
    /// The PF's own 802.1Qbg/Qbh port (`IFLA_PORT_SELF`).
    pub port_self: Option<VirtualPort>,
    /// `nlmsg_type`: [`RTM_SETLINK`] (the default, what libvirt sends) or [`RTM_NEWLINK`]
    /// (what `ip link set` sends); the kernel treats both alike for an existing link.
    pub message_type: u16,
    /// Sequence number, port id, flags (default `NLM_F_REQUEST | NLM_F_ACK`).
    pub header: RequestHeader,
}

impl<'a> SetLink<'a> {
    /// Settings for `vfs` on `target`, as RTM_SETLINK with `NLM_F_REQUEST | NLM_F_ACK`, seq 0.
    pub const fn new(target: LinkTarget<'a>, vfs: &'a [VfConfig]) -> Self {
        SetLink {
            target,
            vfs,
            vf_ports: &[],
            port_self: None,
            message_type: RTM_SETLINK,
            header: RequestHeader {
                seq: 0,
                pid: 0,
                flags: NlmFlags::REQUEST.union(NlmFlags::ACK),
            },
        }
    }

    /// The same request with sequence number `seq`.
    pub const fn seq(mut self, seq: u32) -> Self {
        self.header.seq = seq;
        self
    }

    /// Encodes into `buf`; returns the bytes written. A buffer too small is left untouched
    /// ([`Error::BufferTooSmall`] says the size needed); after invalid input its contents
    /// are unspecified.
    #[inline(always)]
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, Error> {
        attr::encode(self, buf)
    }

    /// The bytes [`encode`](Self::encode) needs, or the error it would give.
    pub fn encoded_len(&self) -> Result<usize, Error> {
        attr::measure(self)
    }
}

/// RTM_GETLINK for one link, asking for VF data with `IFLA_EXT_MASK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetLink<'a> {
    /// The link.
    pub target: LinkTarget<'a>,
    /// What to include; [`RtextFilter::VF`] is needed for any VF data.
    pub ext_mask: RtextFilter,
    /// Sequence number, port id, flags (default `NLM_F_REQUEST`).
    pub header: RequestHeader,
}

impl<'a> GetLink<'a> {
    /// A query of `target` with VF data (`RTEXT_FILTER_VF`), seq 0.
    pub const fn new(target: LinkTarget<'a>) -> Self {
        GetLink {
            target,
            ext_mask: RtextFilter::VF,
            header: RequestHeader {
                seq: 0,
                pid: 0,
                flags: NlmFlags::REQUEST,
            },
        }
    }

    /// The same request with sequence number `seq`.
    pub const fn seq(mut self, seq: u32) -> Self {
        self.header.seq = seq;
        self
    }

    /// The same request also leaving out statistics (`RTEXT_FILTER_SKIP_STATS`), which keeps
    /// large VF lists under the kernel's 64 KiB attribute limit.
    pub const fn skip_stats(mut self) -> Self {
        self.ext_mask = self.ext_mask.union(RtextFilter::SKIP_STATS);
        self
    }

    /// Encodes into `buf`; returns the bytes written. A buffer too small is left untouched
    /// ([`Error::BufferTooSmall`] says the size needed); after invalid input its contents
    /// are unspecified.
    #[inline(always)]
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, Error> {
        attr::encode(self, buf)
    }
}

/// RTM_GETLINK dump of every link, with `IFLA_EXT_MASK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkDump {
    /// What to include.
    pub ext_mask: RtextFilter,
    /// `ifi_family` of the request: `AF_UNSPEC` (0, the default) or `AF_PACKET` (17, what
    /// `ip link show` sends); the kernel answers both with the link dump.
    pub family: u8,
    /// Sequence number, port id, flags (default `NLM_F_REQUEST | NLM_F_DUMP`).
    pub header: RequestHeader,
}

impl LinkDump {
    /// A dump with VF data (`RTEXT_FILTER_VF`), seq 0.
    pub const fn new() -> Self {
        LinkDump {
            ext_mask: RtextFilter::VF,
            family: 0,
            header: RequestHeader {
                seq: 0,
                pid: 0,
                flags: NlmFlags::REQUEST.union(NlmFlags::DUMP),
            },
        }
    }

    /// The same request with sequence number `seq`.
    pub const fn seq(mut self, seq: u32) -> Self {
        self.header.seq = seq;
        self
    }

    /// Encodes into `buf`; returns the bytes written. A buffer too small is left untouched
    /// ([`Error::BufferTooSmall`] says the size needed); after invalid input its contents
    /// are unspecified.
    #[inline(always)]
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, Error> {
        attr::encode(self, buf)
    }
}

impl SetLink<'_> {
    /// [`Emit::emit`], told whether any VF's settings go beyond MAC and VLAN: `false`
    /// skips looking for the others (for settings whose fields are known, as an
    /// [`Assignment`](crate::Assignment)'s are).
    #[inline(always)]
    pub(crate) fn emit_vfs<S: Sink>(&self, w: &mut S, beyond_mac_vlan: bool) {
        if self.vfs.is_empty() && self.vf_ports.is_empty() && self.port_self.is_none() {
            w.fail(Error::EmptyRequest);
            return;
        }
        if self.message_type != RTM_SETLINK && self.message_type != RTM_NEWLINK {
            w.fail(Error::UnexpectedMessageType {
                expected: RTM_SETLINK,
                found: self.message_type,
            });
            return;
        }
        let h = &self.header;
        let msg = w.message_start(self.message_type, h.flags, h.seq, h.pid);
        self.target.emit(w);
        if !self.vfs.is_empty() {
            let list = w.nest_start(IFLA_VFINFO_LIST);
            for vf in self.vfs {
                vf.emit_given(w, beyond_mac_vlan);
            }
            w.nest_end(list);
        }
        if !self.vf_ports.is_empty() {
            let ports = w.nest_start(IFLA_VF_PORTS);
            for port in self.vf_ports {
                port.emit(w, IFLA_VF_PORT);
            }
            w.nest_end(ports);
        }
        if let Some(port) = &self.port_self {
            port.emit(w, IFLA_PORT_SELF);
        }
        w.message_end(msg);
    }
}

impl Emit for SetLink<'_> {
    /// Writes the message into an open sink.
    #[inline(always)]
    fn emit<S: Sink>(&self, w: &mut S) {
        self.emit_vfs(w, true);
    }

    #[inline(always)]
    fn max_len(&self) -> Option<usize> {
        let list = |n: usize, each: usize| match n {
            0 => Some(0),
            n => n.checked_mul(each)?.checked_add(NLA_HDRLEN),
        };
        let port_self = match self.port_self {
            Some(_) => VirtualPort::MAX_LEN,
            None => 0,
        };
        (NlmsgHeader::LEN + port_self)
            .checked_add(self.target.max_len())?
            .checked_add(list(self.vfs.len(), VfConfig::MAX_LEN)?)?
            .checked_add(list(self.vf_ports.len(), VirtualPort::MAX_LEN)?)
    }
}

impl Emit for GetLink<'_> {
    /// Writes the message into an open sink.
    #[inline(always)]
    fn emit<S: Sink>(&self, w: &mut S) {
        let h = &self.header;
        let msg = w.message_start(RTM_GETLINK, h.flags, h.seq, h.pid);
        self.target.emit(w);
        w.attr_u32(IFLA_EXT_MASK, self.ext_mask.bits());
        w.message_end(msg);
    }

    #[inline(always)]
    fn max_len(&self) -> Option<usize> {
        (NlmsgHeader::LEN + nla_total_size(4)).checked_add(self.target.max_len())
    }
}

impl Emit for LinkDump {
    /// Writes the message into an open sink.
    #[inline(always)]
    fn emit<S: Sink>(&self, w: &mut S) {
        let h = &self.header;
        let msg = w.message_start(RTM_GETLINK, h.flags, h.seq, h.pid);
        let mut hdr = [0u8; IfInfoMsg::LEN];
        IfInfoMsg {
            family: self.family,
            ..IfInfoMsg::request(0)
        }
        .emit(&mut hdr);
        w.put(&hdr);
        w.attr_u32(IFLA_EXT_MASK, self.ext_mask.bits());
        w.message_end(msg);
    }

    #[inline(always)]
    fn max_len(&self) -> Option<usize> {
        Some(NlmsgHeader::LEN + IfInfoMsg::LEN + nla_total_size(4))
    }
}

impl Default for LinkDump {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_targets_and_empty() {
        let vfs = [VfConfig {
            trust: Some(true),
            ..VfConfig::new(0)
        }];
        let mut buf = [0u8; 128];
        assert_eq!(
            SetLink::new(LinkTarget::Index(0), &vfs).encode(&mut buf),
            Err(Error::BadIfIndex { index: 0 })
        );
        assert_eq!(
            SetLink::new(LinkTarget::Index(1 << 31), &vfs).encode(&mut buf),
            Err(Error::BadIfIndex { index: 1 << 31 })
        );
        assert_eq!(
            SetLink::new(LinkTarget::Name("sixteen-chars-xx"), &vfs).encode(&mut buf),
            Err(Error::ValueTooLong {
                field: Field::IfName,
                len: 16,
                max: 15
            })
        );
        assert_eq!(
            SetLink::new(LinkTarget::Name(""), &vfs).encode(&mut buf),
            Err(Error::BadString { kind: IFLA_IFNAME })
        );
        assert_eq!(
            SetLink::new(LinkTarget::Index(1), &[]).encode(&mut buf),
            Err(Error::EmptyRequest)
        );
    }

    #[test]
    fn measured_length_matches_and_nothing_fits_short() {
        let vfs = [VfConfig {
            trust: Some(true),
            ..VfConfig::new(0)
        }; 3];
        let req = SetLink::new(LinkTarget::Name("enp6s0"), &vfs);
        let need = req.encoded_len().unwrap();
        let mut buf = [0u8; 256];
        assert_eq!(req.encode(&mut buf), Ok(need));
        for short in 0..need {
            assert_eq!(
                req.encode(&mut buf[..short]),
                Err(Error::BufferTooSmall {
                    needed: need,
                    available: short
                })
            );
        }
    }
}
