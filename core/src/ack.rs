//! `NLMSG_ERROR` (errors and acknowledgements) and the `NLMSG_DONE` status, with extended ACK.
//!
//! Layout (`include/uapi/linux/netlink.h`, `struct nlmsgerr`):
//!
//! ```text
//! nlmsghdr (type NLMSG_ERROR) | i32 error | echoed request: nlmsghdr [+ payload] | TLVs
//! ```
//!
//! `error` is 0 for an ACK and a negative errno otherwise. The request is echoed whole unless
//! the socket set `NETLINK_CAP_ACK` (then only its header, and `NLM_F_CAPPED` is set). With
//! `NETLINK_EXT_ACK`, `NLM_F_ACK_TLVS` says extended-ACK attributes follow: a message text and
//! the offset, in the request, of the attribute that was refused. [`attr_path`] turns that
//! offset back into attribute numbers.

use crate::attr::{Attr, AttrIter};
use crate::error::Error;
use crate::ifla::*;
use crate::nlmsg::{align, Message, NlmFlags, NlmsgHeader, NLMSG_DONE, NLMSG_ERROR};

/// Extended-ACK attributes (`NLMSGERR_ATTR_*`), each `None` when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtAck<'a> {
    /// `NLMSGERR_ATTR_MSG`: the kernel's explanation.
    pub msg: Option<&'a str>,
    /// `NLMSGERR_ATTR_OFFS`: byte offset of the offending attribute in the request, counted
    /// from the start of its `nlmsghdr`.
    pub offset: Option<u32>,
    /// `NLMSGERR_ATTR_COOKIE`.
    pub cookie: Option<&'a [u8]>,
    /// `NLMSGERR_ATTR_MISS_TYPE`: type of a required attribute that was missing.
    pub miss_type: Option<u32>,
    /// `NLMSGERR_ATTR_MISS_NEST`: offset of the nest it was missing from.
    pub miss_nest: Option<u32>,
}

impl<'a> ExtAck<'a> {
    fn parse(tlvs: &'a [u8], base: usize) -> Result<Self, Error> {
        let mut out = ExtAck::default();
        for attr in AttrIter::new(tlvs, base) {
            let attr = attr?;
            match attr.kind() {
                NLMSGERR_ATTR_MSG => out.msg = Some(attr.str()?),
                NLMSGERR_ATTR_OFFS => out.offset = Some(attr.u32()?),
                NLMSGERR_ATTR_COOKIE => out.cookie = Some(attr.payload()),
                NLMSGERR_ATTR_MISS_TYPE => out.miss_type = Some(attr.u32()?),
                NLMSGERR_ATTR_MISS_NEST => out.miss_nest = Some(attr.u32()?),
                _ => {}
            }
        }
        Ok(out)
    }
}

/// An `NLMSG_ERROR`: an ACK (errno 0) or an error, for the request it echoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorMessage<'a> {
    /// The error message's own header.
    pub header: NlmsgHeader,
    /// `error`: 0 or a negative errno, as sent.
    pub error: i32,
    /// The echoed request's header (its `seq` says which request this answers).
    pub request: NlmsgHeader,
    /// The echoed request's payload; empty when capped (`NLM_F_CAPPED`).
    pub request_payload: &'a [u8],
    /// Extended ACK.
    pub ext_ack: ExtAck<'a>,
}

impl<'a> ErrorMessage<'a> {
    /// Parses one message (header included) that must be an `NLMSG_ERROR`.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::from_message(&Message::parse(bytes)?)
    }

    /// Parses an already framed message.
    pub fn from_message(msg: &Message<'a>) -> Result<Self, Error> {
        if msg.header.message_type != NLMSG_ERROR {
            return Err(Error::UnexpectedMessageType {
                expected: NLMSG_ERROR,
                found: msg.header.message_type,
            });
        }
        let p = msg.payload;
        let fixed = 4 + NlmsgHeader::LEN;
        if p.len() < fixed {
            return Err(Error::Truncated {
                needed: fixed,
                available: p.len(),
            });
        }
        let error = i32::from_ne_bytes([p[0], p[1], p[2], p[3]]);
        let request = NlmsgHeader::parse(&p[4..])?;
        // Kernels before NETLINK_CAP_ACK echoed only the header of an ACK, without the flag.
        let capped = msg.header.flags.contains(NlmFlags::CAPPED) || error == 0;
        let echoed = if capped {
            NlmsgHeader::LEN
        } else {
            (request.len as usize).max(NlmsgHeader::LEN)
        };
        if 4 + echoed > p.len() {
            return Err(Error::Truncated {
                needed: 4 + echoed,
                available: p.len(),
            });
        }
        let request_payload = &p[4 + NlmsgHeader::LEN..4 + echoed];
        let ext_ack = if msg.header.flags.contains(NlmFlags::ACK_TLVS) {
            let start = align(4 + echoed).min(p.len());
            ExtAck::parse(&p[start..], NlmsgHeader::LEN + start)?
        } else {
            ExtAck::default()
        };
        Ok(ErrorMessage {
            header: msg.header,
            error,
            request,
            request_payload,
            ext_ack,
        })
    }

    /// Whether this is an acknowledgement (error 0).
    pub fn is_ack(&self) -> bool {
        self.error == 0
    }

    /// The positive errno (e.g. 95 for EOPNOTSUPP), or `None` for an ACK.
    pub fn errno(&self) -> Option<i32> {
        (self.error != 0).then(|| self.error.saturating_neg())
    }
}

/// The status an `NLMSG_DONE` carries at the end of a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoneMessage<'a> {
    /// The header (its flags may carry `NLM_F_DUMP_INTR`).
    pub header: NlmsgHeader,
    /// 0, or a negative errno when the dump failed part way.
    pub error: i32,
    /// Extended ACK, when the kernel added one.
    pub ext_ack: ExtAck<'a>,
}

impl<'a> DoneMessage<'a> {
    /// Parses an already framed `NLMSG_DONE`. The status word is optional: old kernels
    /// and some families send an empty DONE.
    pub fn from_message(msg: &Message<'a>) -> Result<Self, Error> {
        if msg.header.message_type != NLMSG_DONE {
            return Err(Error::UnexpectedMessageType {
                expected: NLMSG_DONE,
                found: msg.header.message_type,
            });
        }
        let p = msg.payload;
        let error = match p {
            [a, b, c, d, ..] => i32::from_ne_bytes([*a, *b, *c, *d]),
            [] => 0,
            _ => {
                return Err(Error::Truncated {
                    needed: 4,
                    available: p.len(),
                })
            }
        };
        let ext_ack = if msg.header.flags.contains(NlmFlags::ACK_TLVS) && p.len() > 4 {
            ExtAck::parse(&p[4..], NlmsgHeader::LEN + 4)?
        } else {
            ExtAck::default()
        };
        Ok(DoneMessage {
            header: msg.header,
            error,
            ext_ack,
        })
    }
}

/// Most nesting levels an [`AttrPath`] records.
pub const ATTR_PATH_MAX: usize = 8;

/// The attribute numbers from the top level down to the attribute at an offset, e.g.
/// `[IFLA_VFINFO_LIST, IFLA_VF_INFO, IFLA_VF_MAC]`.
pub type AttrPath = heapless::Vec<u16, ATTR_PATH_MAX>;

/// Finds the attribute that starts at `offset` in `request` (a whole message, header
/// included), whose attributes begin after a family header of `family_header_len` bytes (16
/// for link messages). Returns the path of attribute numbers down to it, or `None` when no
/// attribute starts there.
///
/// ```
/// use vfnl::ack::attr_path;
/// use vfnl::ifla::{IFLA_VFINFO_LIST, IFLA_VF_INFO, IFLA_VF_VLAN};
/// use vfnl::request::{LinkTarget, SetLink};
/// use vfnl::{VfConfig, VlanTag};
/// let vfs = [VfConfig { vlan: Some(VlanTag::dot1q(5, 0)), ..VfConfig::new(0) }];
/// let mut buf = [0u8; 128];
/// let n = SetLink::new(LinkTarget::Index(2), &vfs).encode(&mut buf).unwrap();
/// // nlmsghdr 16 + ifinfomsg 16 + VFINFO_LIST header 4 + VF_INFO header 4 = 40
/// let path = attr_path(&buf[..n], 16, 40).unwrap();
/// assert_eq!(path.as_slice(), &[IFLA_VFINFO_LIST, IFLA_VF_INFO, IFLA_VF_VLAN]);
/// ```
pub fn attr_path(request: &[u8], family_header_len: usize, offset: u32) -> Option<AttrPath> {
    let offset = offset as usize;
    let start = NlmsgHeader::LEN + family_header_len;
    let len = NlmsgHeader::parse(request).ok()?.len as usize;
    let body = request.get(start..len.min(request.len()))?;
    let mut path = AttrPath::new();
    let mut level = AttrIter::new(body, start);
    loop {
        let attr: Attr<'_> = level
            .by_ref()
            .filter_map(Result::ok)
            .find(|a| a.offset() <= offset && offset < a.offset() + 4 + a.payload().len())?;
        path.push(attr.kind()).ok()?;
        if attr.offset() == offset {
            return Some(path);
        }
        level = attr.nested();
    }
}
