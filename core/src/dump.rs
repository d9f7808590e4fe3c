//! Reading the replies to a link dump: `NLM_F_MULTI` parts across datagrams, ended by
//! `NLMSG_DONE`.
//!
//! [`DumpReader`] keeps the little state a dump needs (its sequence number, whether it is done,
//! whether the kernel flagged it `NLM_F_DUMP_INTR`) and hands out each datagram's links as
//! zero-copy [`LinkMessage`]s. What does not belong is reported, not skipped: a foreign
//! sequence number, an error, a message after `NLMSG_DONE`, an overrun. An interrupted dump is
//! inconsistent and should be retried; [`DumpReader::is_interrupted`] says so.

use crate::ack::{DoneMessage, ErrorMessage};
use crate::error::Error;
use crate::link::LinkMessage;
use crate::nlmsg::{
    Messages, NlmFlags, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, RTM_NEWLINK,
};

/// State of one link dump, fed datagram by datagram.
///
/// ```
/// # use vfnl::dump::DumpReader;
/// # fn recv(_: &mut [u8]) -> usize { 0 }
/// # fn run() -> Result<(), vfnl::Error> {
/// let mut dump = DumpReader::new(42);
/// let mut buf = [0u8; 32768];
/// while !dump.is_done() {
///     let n = recv(&mut buf);
///     if n == 0 { break; }
///     for link in dump.feed(&buf[..n]) {
///         let link = link?;
///         let _ = link.ifname();
///     }
/// }
/// if dump.is_interrupted() { /* data changed under the dump: ask again */ }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpReader {
    seq: u32,
    done: bool,
    interrupted: bool,
    links: usize,
}

impl DumpReader {
    /// A reader for the dump requested with sequence number `seq`.
    pub const fn new(seq: u32) -> Self {
        DumpReader {
            seq,
            done: false,
            interrupted: false,
            links: 0,
        }
    }

    /// Whether `NLMSG_DONE` (or an error ending the dump) has been read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Whether any part carried `NLM_F_DUMP_INTR`: the result is inconsistent.
    pub fn is_interrupted(&self) -> bool {
        self.interrupted
    }

    /// Links read so far.
    pub fn links(&self) -> usize {
        self.links
    }

    /// The links in one received datagram.
    ///
    /// Items are `Err` for: a framing error (then the datagram's walk stops), a message with
    /// another sequence number ([`Error::UnexpectedSequence`]), an `NLMSG_ERROR` or failed
    /// `NLMSG_DONE` ([`Error::Kernel`], which also ends the dump), `NLMSG_OVERRUN`, a message
    /// after the dump ended ([`Error::MessageAfterDone`]), or a message of another type.
    pub fn feed<'a, 'r>(&'r mut self, datagram: &'a [u8]) -> DumpParts<'a, 'r> {
        DumpParts {
            reader: self,
            messages: Messages::new(datagram),
        }
    }
}

/// The links of one datagram; see [`DumpReader::feed`].
#[derive(Debug)]
pub struct DumpParts<'a, 'r> {
    reader: &'r mut DumpReader,
    messages: Messages<'a>,
}

impl<'a> Iterator for DumpParts<'a, '_> {
    type Item = Result<LinkMessage<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let msg = match self.messages.next()? {
                Ok(m) => m,
                Err(e) => return Some(Err(e)),
            };
            let r = &mut *self.reader;
            if msg.header.message_type == NLMSG_NOOP {
                continue;
            }
            if msg.header.seq != r.seq {
                return Some(Err(Error::UnexpectedSequence {
                    expected: r.seq,
                    found: msg.header.seq,
                }));
            }
            if r.done {
                return Some(Err(Error::MessageAfterDone));
            }
            if msg.header.flags.contains(NlmFlags::DUMP_INTR) {
                r.interrupted = true;
            }
            match msg.header.message_type {
                RTM_NEWLINK => {
                    r.links += 1;
                    return Some(LinkMessage::from_message(&msg));
                }
                NLMSG_DONE => {
                    r.done = true;
                    match DoneMessage::from_message(&msg) {
                        Ok(d) if d.error == 0 => continue,
                        Ok(d) => {
                            return Some(Err(Error::Kernel {
                                errno: d.error.saturating_neg(),
                            }))
                        }
                        Err(e) => return Some(Err(e)),
                    }
                }
                NLMSG_ERROR => {
                    r.done = true;
                    match ErrorMessage::from_message(&msg) {
                        Ok(e) if e.is_ack() => continue,
                        Ok(e) => {
                            return Some(Err(Error::Kernel {
                                errno: e.errno().unwrap_or(0),
                            }))
                        }
                        Err(e) => return Some(Err(e)),
                    }
                }
                NLMSG_OVERRUN => return Some(Err(Error::Overrun)),
                found => {
                    return Some(Err(Error::UnexpectedMessageType {
                        expected: RTM_NEWLINK,
                        found,
                    }))
                }
            }
        }
    }
}
