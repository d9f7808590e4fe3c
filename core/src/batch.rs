//! A batch of per-port requests and the tracking of the kernel's answers to it.
//!
//! [`Batch`] records, for each port, the PF netdev, the sequence number and where its message
//! lies in the caller's buffer. [`AckTracker`] takes the kernel's replies datagram by datagram
//! and maps each `NLMSG_ERROR` to its port by sequence number: acknowledged, or failed with
//! the errno, the extended-ACK text and the attribute the extended-ACK offset points at.
//! Nothing is dropped quietly: replies for no request in the batch are counted as foreign,
//! second answers for a port as duplicates, and ports still unanswered are listed as pending.

use crate::ack::{attr_path, AttrPath, ErrorMessage};
use crate::error::Error;
use crate::ifinfo::IfInfoMsg;
use crate::nlmsg::{Messages, NLMSG_ERROR, NLMSG_NOOP};
use crate::port::MAX_PORTS;

/// Where one port's message lies in a batch buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BatchEntry {
    /// Port number, from 1.
    pub port: u8,
    /// The PF netdev the message is addressed to.
    pub ifindex: u32,
    /// The message's sequence number.
    pub seq: u32,
    /// Offset of the message in the buffer.
    pub offset: usize,
    /// Its length.
    pub len: usize,
}

/// The messages of one assignment, one per port, back to back in the caller's buffer, with
/// consecutive sequence numbers.
///
/// Kept compact (72 bytes, where a list of [`BatchEntry`] would be 280), because it is
/// returned by value and kept while the answers come in: each port's number, PF netdev and
/// message length; the rest follows from those.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    vf: u32,
    first_seq: u32,
    /// Bytes of all messages (at most `MAX_PORTS` × 65,535).
    len: u32,
    count: u8,
    // Past `count`, always zero, so derived equality is equality of the batches.
    ports: [u8; MAX_PORTS],
    lens: [u16; MAX_PORTS],
    ifindexes: [u32; MAX_PORTS],
}

impl Batch {
    /// No messages yet; the first will have sequence number `first_seq`.
    #[inline(always)]
    pub(crate) const fn new(vf: u32, first_seq: u32) -> Self {
        Batch {
            vf,
            first_seq,
            len: 0,
            count: 0,
            ports: [0; MAX_PORTS],
            lens: [0; MAX_PORTS],
            ifindexes: [0; MAX_PORTS],
        }
    }

    /// Adds the next port: its number and the PF netdev its message goes to. Errors: more
    /// than [`MAX_PORTS`].
    #[inline(always)]
    pub(crate) fn push_port(&mut self, port: u8, ifindex: u32) -> Result<(), Error> {
        let i = usize::from(self.count);
        let (Some(p), Some(x)) = (self.ports.get_mut(i), self.ifindexes.get_mut(i)) else {
            return Err(Error::TooManyPorts { max: MAX_PORTS });
        };
        (*p, *x) = (port, ifindex);
        self.count += 1;
        Ok(())
    }

    /// The PF netdev of the `i`th port (0 past the last).
    #[inline(always)]
    pub(crate) fn ifindex(&self, i: usize) -> u32 {
        self.ifindexes.get(i).copied().unwrap_or(0)
    }

    /// Records the `i`th port's message: `len` bytes right after the previous one. Errors:
    /// a message over 65,535 bytes (no port's comes near), or `i` past [`MAX_PORTS`].
    #[inline(always)]
    pub(crate) fn set_message_len(&mut self, i: usize, len: usize) -> Result<(), Error> {
        let short = u16::try_from(len).map_err(|_| Error::MessageTooLong { len })?;
        let Some(l) = self.lens.get_mut(i) else {
            return Err(Error::TooManyPorts { max: MAX_PORTS });
        };
        *l = short;
        self.len += u32::from(short);
        Ok(())
    }

    /// Adds the next port with its message, as [`push_port`](Self::push_port) and
    /// [`set_message_len`](Self::set_message_len) do.
    pub(crate) fn push(&mut self, port: u8, ifindex: u32, len: usize) -> Result<(), Error> {
        self.push_port(port, ifindex)?;
        self.set_message_len(usize::from(self.count) - 1, len)
    }

    /// The VF the batch configures.
    pub fn vf(&self) -> u32 {
        self.vf
    }

    /// Bytes of the whole batch, from the start of the buffer.
    pub fn len(&self) -> usize {
        // Lossless: at most MAX_PORTS × 65,535, and usize has at least 32 bits here.
        self.len as usize
    }

    /// Whether the batch holds no message.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// One entry per port, in port order.
    pub fn entries(&self) -> Entries<'_> {
        Entries {
            batch: self,
            next: 0,
            offset: 0,
        }
    }

    /// The message for `port` within `buf` (the buffer the batch was encoded into).
    pub fn message<'b>(&self, buf: &'b [u8], port: u8) -> Option<&'b [u8]> {
        let e = self.entries().find(|e| e.port == port)?;
        buf.get(e.offset..e.offset + e.len)
    }

    /// A tracker for the answers to this batch.
    pub fn tracker(&self) -> AckTracker {
        let mut outcomes = heapless::Vec::new();
        for entry in self.entries() {
            let _ = outcomes.push(PortOutcome {
                entry,
                status: PortStatus::Pending,
            });
        }
        AckTracker {
            outcomes,
            foreign: 0,
            duplicates: 0,
        }
    }
}

impl Default for Batch {
    /// An empty batch: a place for [`Assignment::encode_batch_into`] to fill.
    ///
    /// [`Assignment::encode_batch_into`]: crate::Assignment::encode_batch_into
    fn default() -> Self {
        Batch::new(0, 0)
    }
}

/// The entries of a [`Batch`], in port order ([`Batch::entries`]).
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    batch: &'a Batch,
    next: u8,
    offset: usize,
}

impl Iterator for Entries<'_> {
    type Item = BatchEntry;

    fn next(&mut self) -> Option<BatchEntry> {
        if self.next >= self.batch.count {
            return None;
        }
        let i = usize::from(self.next);
        let b = self.batch;
        let (&port, &len, &ifindex) = (b.ports.get(i)?, b.lens.get(i)?, b.ifindexes.get(i)?);
        let entry = BatchEntry {
            port,
            ifindex,
            seq: b.first_seq.wrapping_add(u32::from(self.next)),
            offset: self.offset,
            len: usize::from(len),
        };
        self.next += 1;
        self.offset += entry.len;
        Some(entry)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::from(self.batch.count.saturating_sub(self.next));
        (left, Some(left))
    }
}

impl ExactSizeIterator for Entries<'_> {}

/// The longest extended-ACK text kept; the kernel's are string literals or formatted into 80
/// bytes (`NETLINK_MAX_FMTMSG_LEN`), so this is ample. A longer one is cut at a character
/// boundary and flagged.
pub const EXT_ACK_MSG_MAX: usize = 128;

/// An extended-ACK text as kept in a [`Failure`].
pub type ExtAckText = heapless::String<EXT_ACK_MSG_MAX>;

/// Why the kernel refused a port's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The positive errno, e.g. 22 (EINVAL).
    pub errno: i32,
    /// The extended-ACK text (empty when the kernel gave none).
    pub msg: ExtAckText,
    /// Whether `msg` was cut to [`EXT_ACK_MSG_MAX`] bytes.
    pub msg_truncated: bool,
    /// The extended-ACK offset into the port's message.
    pub offset: Option<u32>,
    /// The attribute numbers down to the one at `offset`, e.g.
    /// `[IFLA_VFINFO_LIST, IFLA_VF_INFO, IFLA_VF_MAC]`.
    pub attr: Option<AttrPath>,
}

/// The state of one port's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortStatus {
    /// No answer yet.
    Pending,
    /// Acknowledged: applied.
    Acked,
    /// Refused.
    Failed(Failure),
}

/// One port's message and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortOutcome {
    /// Which message.
    pub entry: BatchEntry,
    /// What the kernel said.
    pub status: PortStatus,
}

/// What one datagram contained, as far as the batch is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedReport {
    /// Answers matched to a pending port.
    pub answered: usize,
    /// Messages that answer no request of the batch (another sequence number, or not an
    /// `NLMSG_ERROR` at all).
    pub foreign: usize,
    /// Second answers for a port already answered; the first answer stands.
    pub duplicates: usize,
}

/// Maps the kernel's answers to the ports of a [`Batch`].
///
/// ```
/// # use vfnl::batch::AckTracker;
/// # fn recv() -> &'static [u8] { &[] }
/// # fn run(batch: vfnl::batch::Batch, buf: &[u8]) -> Result<(), vfnl::Error> {
/// let mut acks = batch.tracker();
/// while !acks.is_complete() {
///     let report = acks.feed(recv(), buf)?;
///     if report.foreign + report.duplicates > 0 { /* log it */ }
/// #   break;
/// }
/// for failed in acks.failed() { let _ = (failed.entry.port, &failed.status); }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckTracker {
    outcomes: heapless::Vec<PortOutcome, MAX_PORTS>,
    foreign: usize,
    duplicates: usize,
}

impl AckTracker {
    /// Rebuilds a tracker from its parts (for callers that keep its state elsewhere, such
    /// as the C ABI's plain structs). More than [`MAX_PORTS`] outcomes is
    /// [`Error::TooManyPorts`].
    pub fn from_parts(
        outcomes: &[PortOutcome],
        foreign: usize,
        duplicates: usize,
    ) -> Result<Self, Error> {
        let outcomes = heapless::Vec::from_slice(outcomes)
            .map_err(|_| Error::TooManyPorts { max: MAX_PORTS })?;
        Ok(AckTracker {
            outcomes,
            foreign,
            duplicates,
        })
    }

    /// Takes one received datagram. `batch_buf` is the buffer the batch was encoded into; it
    /// is read to find the attribute an extended-ACK offset points at. A framing error in the
    /// datagram is returned and the rest of it is not read; everything else is recorded.
    pub fn feed(&mut self, datagram: &[u8], batch_buf: &[u8]) -> Result<FeedReport, Error> {
        let mut report = FeedReport::default();
        for msg in Messages::new(datagram) {
            let msg = msg?;
            match msg.header.message_type {
                NLMSG_NOOP => continue,
                NLMSG_ERROR => {}
                _ => {
                    report.foreign += 1;
                    continue;
                }
            }
            let err = ErrorMessage::from_message(&msg)?;
            let Some(out) = self
                .outcomes
                .iter_mut()
                .find(|o| o.entry.seq == msg.header.seq)
            else {
                report.foreign += 1;
                continue;
            };
            if out.status != PortStatus::Pending {
                report.duplicates += 1;
                continue;
            }
            report.answered += 1;
            out.status = match err.errno() {
                None => PortStatus::Acked,
                Some(errno) => {
                    let mut failure = Failure {
                        errno,
                        msg: heapless::String::new(),
                        msg_truncated: false,
                        offset: err.ext_ack.offset,
                        attr: None,
                    };
                    if let Some(text) = err.ext_ack.msg {
                        failure.msg_truncated = copy_truncated(text, &mut failure.msg);
                    }
                    if let Some(offset) = err.ext_ack.offset {
                        // The entry may come from the caller (from_parts): no window past
                        // usize::MAX.
                        let e = out.entry;
                        failure.attr = e
                            .offset
                            .checked_add(e.len)
                            .and_then(|end| batch_buf.get(e.offset..end))
                            .and_then(|m| attr_path(m, IfInfoMsg::LEN, offset));
                    }
                    PortStatus::Failed(failure)
                }
            };
        }
        // The counts may come from the caller (from_parts): they stop at usize::MAX.
        self.foreign = self.foreign.saturating_add(report.foreign);
        self.duplicates = self.duplicates.saturating_add(report.duplicates);
        Ok(report)
    }

    /// Every port's outcome, in port order.
    pub fn outcomes(&self) -> &[PortOutcome] {
        &self.outcomes
    }

    /// One port's outcome.
    pub fn outcome(&self, port: u8) -> Option<&PortOutcome> {
        self.outcomes.iter().find(|o| o.entry.port == port)
    }

    /// Whether every port has been answered.
    pub fn is_complete(&self) -> bool {
        self.outcomes
            .iter()
            .all(|o| o.status != PortStatus::Pending)
    }

    /// Whether every port has been acknowledged.
    pub fn all_acked(&self) -> bool {
        self.outcomes.iter().all(|o| o.status == PortStatus::Acked)
    }

    /// Ports not answered yet: after a receive timeout, the missing replies.
    pub fn pending(&self) -> impl Iterator<Item = &PortOutcome> {
        self.outcomes
            .iter()
            .filter(|o| o.status == PortStatus::Pending)
    }

    /// Ports refused.
    pub fn failed(&self) -> impl Iterator<Item = &PortOutcome> {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.status, PortStatus::Failed(_)))
    }

    /// Ports acknowledged.
    pub fn acked(&self) -> impl Iterator<Item = &PortOutcome> {
        self.outcomes
            .iter()
            .filter(|o| o.status == PortStatus::Acked)
    }

    /// Foreign messages seen so far (at most usize::MAX).
    pub fn foreign_replies(&self) -> usize {
        self.foreign
    }

    /// Duplicate answers seen so far (at most usize::MAX).
    pub fn duplicate_replies(&self) -> usize {
        self.duplicates
    }
}

/// Copies as much of `text` as fits, at a character boundary; true when some was left out.
fn copy_truncated<const N: usize>(text: &str, out: &mut heapless::String<N>) -> bool {
    let mut end = text.len().min(N);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // `end <= N` and on a boundary, so this push fits.
    let _ = out.push_str(&text[..end]);
    end < text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_parts_round_trips() {
        let mut b = Batch::new(3, 1);
        for p in 1..=2 {
            b.push(p, 10, 0).unwrap();
        }
        let t = b.tracker();
        assert_eq!(AckTracker::from_parts(t.outcomes(), 0, 0), Ok(t.clone()));
        let many: std::vec::Vec<PortOutcome> =
            (0..=MAX_PORTS).map(|_| t.outcomes()[0].clone()).collect();
        assert_eq!(
            AckTracker::from_parts(&many, 0, 0),
            Err(Error::TooManyPorts { max: MAX_PORTS })
        );
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let mut s = heapless::String::<4>::new();
        assert!(copy_truncated("abcé", &mut s)); // é is 2 bytes at 3..5
        assert_eq!(s.as_str(), "abc");
        let mut s = heapless::String::<4>::new();
        assert!(!copy_truncated("ab", &mut s));
        assert_eq!(s.as_str(), "ab");
    }
}
