//! The netlink message header (`struct nlmsghdr`) and the walk over the messages of a datagram.
//!
//! Mirrors `include/uapi/linux/netlink.h`. This module owns framing only: it never looks
//! inside a payload. Once [`NlmsgHeader::parse`] or [`Messages`] accepted bytes, the payload
//! slice it hands out lies inside them; nothing here panics on any input.

use crate::error::Error;
use bitflags::bitflags;

/// `NLMSG_NOOP`: nothing; skip it.
pub const NLMSG_NOOP: u16 = 1;
/// `NLMSG_ERROR`: an error or, with errno 0, an acknowledgement.
pub const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`: the end of a multi-part dump.
pub const NLMSG_DONE: u16 = 3;
/// `NLMSG_OVERRUN`: data was lost.
pub const NLMSG_OVERRUN: u16 = 4;
/// `RTM_NEWLINK`: a link description (a reply, or a create/modify request).
pub const RTM_NEWLINK: u16 = 16;
/// `RTM_DELLINK`.
pub const RTM_DELLINK: u16 = 17;
/// `RTM_GETLINK`: ask for one link or a dump of all.
pub const RTM_GETLINK: u16 = 18;
/// `RTM_SETLINK`: change an existing link (what libvirt sends for VF settings).
pub const RTM_SETLINK: u16 = 19;

/// Netlink messages are aligned to 4 bytes (`NLMSG_ALIGNTO`).
pub const NLMSG_ALIGNTO: usize = 4;

/// Rounds `len` up to the netlink alignment (`NLMSG_ALIGN`, which `NLA_ALIGN` equals).
#[inline]
pub const fn align(len: usize) -> usize {
    (len + NLMSG_ALIGNTO - 1) & !(NLMSG_ALIGNTO - 1)
}

bitflags! {
    /// `nlmsg_flags`. The upper byte means different things per request kind, so several
    /// names share a bit (e.g. `ROOT`, `REPLACE`, `CAPPED` are all 0x100). Unknown bits are
    /// kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct NlmFlags: u16 {
        /// `NLM_F_REQUEST`: a request.
        const REQUEST = 0x01;
        /// `NLM_F_MULTI`: part of a multi-part reply ended by `NLMSG_DONE`.
        const MULTI = 0x02;
        /// `NLM_F_ACK`: answer with an acknowledgement or error.
        const ACK = 0x04;
        /// `NLM_F_ECHO`: echo this request.
        const ECHO = 0x08;
        /// `NLM_F_DUMP_INTR`: the dump was inconsistent because the data changed under it.
        const DUMP_INTR = 0x10;
        /// `NLM_F_DUMP_FILTERED`: the dump was filtered as asked.
        const DUMP_FILTERED = 0x20;
        /// `NLM_F_ROOT` (GET requests).
        const ROOT = 0x100;
        /// `NLM_F_MATCH` (GET requests).
        const MATCH = 0x200;
        /// `NLM_F_ATOMIC` (GET requests).
        const ATOMIC = 0x400;
        /// `NLM_F_DUMP`: `ROOT | MATCH`.
        const DUMP = 0x300;
        /// `NLM_F_REPLACE` (NEW requests).
        const REPLACE = 0x100;
        /// `NLM_F_EXCL` (NEW requests).
        const EXCL = 0x200;
        /// `NLM_F_CREATE` (NEW requests).
        const CREATE = 0x400;
        /// `NLM_F_APPEND` (NEW requests).
        const APPEND = 0x800;
        /// `NLM_F_CAPPED` (`NLMSG_ERROR`): the echoed request was cut to its header.
        const CAPPED = 0x100;
        /// `NLM_F_ACK_TLVS` (`NLMSG_ERROR`): extended-ACK attributes follow.
        const ACK_TLVS = 0x200;
    }
}

/// `struct nlmsghdr`, 16 bytes, native-endian.
///
/// ```text
///  0               4       6       8               12              16
/// +---------------+-------+-------+---------------+---------------+
/// | nlmsg_len     | type  | flags | nlmsg_seq     | nlmsg_pid     |
/// +---------------+-------+-------+---------------+---------------+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NlmsgHeader {
    /// `nlmsg_len`: header plus payload, unpadded.
    pub len: u32,
    /// `nlmsg_type`, e.g. [`RTM_NEWLINK`] or [`NLMSG_ERROR`].
    pub message_type: u16,
    /// `nlmsg_flags`.
    pub flags: NlmFlags,
    /// `nlmsg_seq`: set by the requester, echoed by the kernel.
    pub seq: u32,
    /// `nlmsg_pid`: the sender's port id (0 for the kernel).
    pub pid: u32,
}

mod field {
    use core::ops::Range;
    pub const LEN: Range<usize> = 0..4;
    pub const TYPE: Range<usize> = 4..6;
    pub const FLAGS: Range<usize> = 6..8;
    pub const SEQ: Range<usize> = 8..12;
    pub const PID: Range<usize> = 12..16;
}

pub(crate) fn read_u16(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

pub(crate) fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl NlmsgHeader {
    /// Size of the header on the wire (`NLMSG_HDRLEN`).
    pub const LEN: usize = 16;

    /// Reads a header from the first 16 bytes. Checks only that they are there; use
    /// [`Messages`] to also check `nlmsg_len` against the data.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() < Self::LEN {
            return Err(Error::Truncated {
                needed: Self::LEN,
                available: bytes.len(),
            });
        }
        Ok(NlmsgHeader {
            len: read_u32(bytes, field::LEN.start),
            message_type: read_u16(bytes, field::TYPE.start),
            flags: NlmFlags::from_bits_retain(read_u16(bytes, field::FLAGS.start)),
            seq: read_u32(bytes, field::SEQ.start),
            pid: read_u32(bytes, field::PID.start),
        })
    }

    /// Writes the header into the first 16 bytes of `out`.
    #[inline(always)]
    pub fn emit(&self, out: &mut [u8; Self::LEN]) {
        out[field::LEN].copy_from_slice(&self.len.to_ne_bytes());
        out[field::TYPE].copy_from_slice(&self.message_type.to_ne_bytes());
        out[field::FLAGS].copy_from_slice(&self.flags.bits().to_ne_bytes());
        out[field::SEQ].copy_from_slice(&self.seq.to_ne_bytes());
        out[field::PID].copy_from_slice(&self.pid.to_ne_bytes());
    }
}

/// One netlink message: its header and the payload that follows it (`nlmsg_len - 16` bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// The header.
    pub header: NlmsgHeader,
    /// The payload, unpadded.
    pub payload: &'a [u8],
    /// The whole message, header included, unpadded (what extended-ACK offsets count from).
    pub bytes: &'a [u8],
}

impl<'a> Message<'a> {
    /// Reads one message that must fill `bytes` (trailing alignment padding allowed).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let mut it = Messages::new(bytes);
        match it.next() {
            Some(m) => m,
            None => Err(Error::Truncated {
                needed: NlmsgHeader::LEN,
                available: 0,
            }),
        }
    }
}

/// Iterator over the messages packed in one received datagram.
///
/// Yields an error and then stops at the first header whose `nlmsg_len` is below 16 or runs
/// past the datagram.
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Messages<'a> {
    /// Starts a walk over `datagram`.
    pub fn new(datagram: &'a [u8]) -> Self {
        Messages {
            rest: datagram,
            failed: false,
        }
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let header = match NlmsgHeader::parse(self.rest) {
            Ok(h) => h,
            Err(e) => {
                self.failed = true;
                return Some(Err(e));
            }
        };
        let len = header.len as usize;
        if len < NlmsgHeader::LEN || len > self.rest.len() {
            self.failed = true;
            return Some(Err(Error::BadMessageLength {
                len: header.len,
                available: self.rest.len(),
            }));
        }
        let bytes = &self.rest[..len];
        self.rest = &self.rest[align(len).min(self.rest.len())..];
        Some(Ok(Message {
            header,
            payload: &bytes[NlmsgHeader::LEN..],
            bytes,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A hand-built NLMSG_DONE laid out per netlink.h (len 20, type 3, flags MULTI,
    // seq 0x6745_2301, pid 0, error 0). The kernel's own dumps are tested in tests/golden.rs.
    static DONE: [u8; 20] = [
        0x14, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x01, 0x23, 0x45, 0x67, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn deconstruct() {
        let h = NlmsgHeader::parse(&DONE).unwrap();
        assert_eq!(h.len, 20);
        assert_eq!(h.message_type, NLMSG_DONE);
        assert_eq!(h.flags, NlmFlags::MULTI);
        assert_eq!(h.seq, 0x6745_2301);
        assert_eq!(h.pid, 0);
    }

    #[test]
    fn construct() {
        let h = NlmsgHeader::parse(&DONE).unwrap();
        let mut out = [0xa5; 16];
        h.emit(&mut out);
        assert_eq!(out, DONE[..16]);
    }

    #[test]
    fn short_header() {
        assert_eq!(
            NlmsgHeader::parse(&DONE[..15]),
            Err(Error::Truncated {
                needed: 16,
                available: 15
            })
        );
    }

    #[test]
    fn walk_stops_on_bad_length() {
        let mut two = [0u8; 40];
        two[..20].copy_from_slice(&DONE);
        two[20..40].copy_from_slice(&DONE);
        two[20] = 0x30; // second message claims 48 bytes
        let mut it = Messages::new(&two);
        assert!(it.next().unwrap().is_ok());
        assert_eq!(
            it.next().unwrap(),
            Err(Error::BadMessageLength {
                len: 0x30,
                available: 20
            })
        );
        assert!(it.next().is_none());
    }

    #[test]
    fn walk_rejects_len_below_header() {
        let mut m = DONE;
        m[0] = 8;
        assert_eq!(
            Messages::new(&m).next().unwrap(),
            Err(Error::BadMessageLength {
                len: 8,
                available: 20
            })
        );
    }
}
