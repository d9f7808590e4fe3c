//! The netlink socket: one `NETLINK_ROUTE` socket to the kernel, and the request/reply
//! exchanges built on it.
//!
//! This module owns the file descriptor, the receive buffer, the sequence counter and the
//! rules for which received bytes are trusted as the kernel's answer to a request in flight.
//! It does not decide what to send (that is [`request`](crate::request) and the layers above)
//! and it does not interpret links or VFs beyond checking that a reply parses as the
//! [`LinkMessage`] it claims to be. It never logs and never retries a request that the kernel
//! may have applied; the only retry is a read-only dump.
//!
//! - [`NlSocket`]: the socket (`socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)`,
//!   bound to a kernel-assigned port id, `NETLINK_EXT_ACK` and `NETLINK_CAP_ACK` on, a
//!   receive timeout, closed on drop).
//! - [`Transport`]: send one datagram, receive one datagram. [`NlSocket`] implements it;
//!   tests of higher layers implement it to inject faults.
//! - Helpers over any [`Transport`]: [`request_ack`], [`send_batch`], [`get_link`],
//!   [`dump_links`].
//!
//! # Faults and what this layer does about them
//!
//! | Fault | Seen as | What happens |
//! |---|---|---|
//! | No reply within the receive timeout (`SO_RCVTIMEO`, default [`DEFAULT_TIMEOUT`]) | `recvmsg` fails with `EAGAIN`/`EWOULDBLOCK` | [`SysError::Timeout`]. A batch with a request still unanswered ends the same way. |
//! | A signal during a system call | `EINTR` | Retried. |
//! | The kernel dropped messages for this socket (receive queue full) | `recvmsg` fails with `ENOBUFS` (also `NLMSG_OVERRUN`) | [`SysError::NoBuffers`]. Replies are lost, and while earlier replies fill the queue the kernel goes on dropping new ones without saying so again: the caller resynchronises with [`NlSocket::drain`], then asks again for the state it cares about. Whatever is still queued when a helper runs is dropped as a foreign sequence number. |
//! | A datagram larger than the receive buffer (dumps can exceed 32 KiB) | `recvmsg(MSG_PEEK \| MSG_TRUNC)` returns the full size | The buffer grows before the datagram is read, so nothing is cut. Should a datagram still come back with `MSG_TRUNC` set, it is [`SysError::Truncated`]: its bytes are gone, resynchronise. |
//! | A datagram from another socket (`nl_pid` of the sender is not 0) | the source `sockaddr_nl` | Dropped, counted in [`NlStats::foreign_sender`], and the receive goes on (within the timeout). Another local process can address our port id; only the kernel is believed. |
//! | A message whose sequence number belongs to no request in flight (a late reply to a request that timed out, a reply lost track of after `ENOBUFS`) | `nlmsg_seq` | Dropped and reported through [`Transport::note_foreign_seq`] ([`NlStats::foreign_seq`] for [`NlSocket`]). Never taken as the answer. |
//! | A message with the right sequence number but of a type the exchange does not expect | `nlmsg_type` | [`SysError::UnexpectedReply`]. |
//! | The link set changed during a dump | `NLM_F_DUMP_INTR` on a part | The dump is read to its end, then asked again, at most `max_attempts` times ([`DUMP_ATTEMPTS`] is the usual bound); then [`SysError::DumpInterrupted`]. |
//! | The kernel refused a request | `NLMSG_ERROR` with a negative errno | [`request_ack`] and [`send_batch`] return it as an [`Ack`] (errno, extended-ACK text and offset); [`get_link`] and [`dump_links`] as [`SysError::Kernel`]. |
//! | Malformed bytes | framing or attribute errors | [`SysError::Codec`]. |
//!
//! # Sequence numbers
//!
//! Each request carries a sequence number the kernel echoes. The helpers take the number the
//! caller put in the request (usually from [`NlSocket::next_seq`]) and accept as an answer
//! only messages that carry it. [`dump_links`] reuses the dump's number for its retries: a
//! retry is sent only after the previous attempt's `NLMSG_DONE`, when nothing of it is left.

use core::fmt;
use core::mem;
use std::borrow::ToOwned;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::string::String;
use std::time::{Duration, Instant};
use std::vec;
use std::vec::Vec;

use libc::{c_int, c_void, socklen_t};

use crate::ack::{DoneMessage, ErrorMessage, ExtAck};
use crate::dump::DumpReader;
use crate::error::Error;
use crate::link::LinkMessage;
use crate::nlmsg::{
    Message, Messages, NlmFlags, NlmsgHeader, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN,
    RTM_NEWLINK,
};
use crate::request::{GetLink, LinkDump, LinkTarget};

/// How long a receive waits for the kernel unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The receive buffer a socket starts with. It grows when a datagram is larger.
pub const DEFAULT_BUFFER_LEN: usize = 32 * 1024;

/// How many times [`dump_links`] is usually allowed to ask for a dump that keeps coming back
/// interrupted (`NLM_F_DUMP_INTR`).
pub const DUMP_ATTEMPTS: u32 = 5;

/// The longest GETLINK this module sends: nlmsghdr 16 + ifinfomsg 16 + `IFLA_IFNAME` of 15
/// bytes and NUL (20 with padding) + `IFLA_EXT_MASK` 8 = 60.
const GETLINK_MAX: usize = 64;

/// A failure of the Linux netlink layer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SysError {
    /// A system call failed.
    Io {
        /// The call (and option), e.g. `"bind"`, `"setsockopt(NETLINK_EXT_ACK)"`.
        op: &'static str,
        /// The errno.
        errno: i32,
    },
    /// Nothing arrived within the receive timeout.
    Timeout,
    /// The kernel dropped messages for this socket (`ENOBUFS`, or `NLMSG_OVERRUN`): replies
    /// may be missing, the caller must resynchronise.
    NoBuffers,
    /// A datagram came back cut to the receive buffer (`MSG_TRUNC`); its end is lost.
    Truncated {
        /// The datagram's full length.
        len: usize,
        /// The bytes that were kept.
        buffer: usize,
    },
    /// Bytes that do not decode, or a request that does not encode.
    Codec(Error),
    /// The kernel refused a request.
    Kernel {
        /// The positive errno, e.g. 95 for `EOPNOTSUPP`.
        errno: i32,
        /// The extended-ACK text (`NLMSGERR_ATTR_MSG`), when the kernel gave one.
        msg: Option<String>,
        /// The offset of the refused attribute in the request (`NLMSGERR_ATTR_OFFS`), when
        /// the kernel gave one; [`attr_path`](crate::ack::attr_path) names it.
        offset: Option<u32>,
    },
    /// A dump came back flagged `NLM_F_DUMP_INTR` on every attempt.
    DumpInterrupted {
        /// How many times the dump was asked.
        attempts: u32,
    },
    /// A message with the sequence number of a request in flight, but of a type that
    /// exchange never answers with.
    UnexpectedReply {
        /// `nlmsg_type` of the message.
        message_type: u16,
        /// Its sequence number.
        seq: u32,
    },
    /// A request the helpers refuse to send because no answer could be matched to it (no
    /// `NLM_F_ACK`, a sequence number other than the one given, duplicate numbers in a batch).
    InvalidRequest {
        /// What is wrong.
        reason: &'static str,
    },
}

impl SysError {
    /// The errno, for [`SysError::Io`] and [`SysError::Kernel`].
    pub fn errno(&self) -> Option<i32> {
        match *self {
            SysError::Io { errno, .. } | SysError::Kernel { errno, .. } => Some(errno),
            _ => None,
        }
    }

    fn last_os_error(op: &'static str) -> Self {
        SysError::Io {
            op,
            errno: io::Error::last_os_error().raw_os_error().unwrap_or(0),
        }
    }

    fn kernel(errno: i32, ext_ack: &ExtAck<'_>) -> Self {
        SysError::Kernel {
            errno,
            msg: ext_ack.msg.map(ToOwned::to_owned),
            offset: ext_ack.offset,
        }
    }
}

impl fmt::Display for SysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SysError::Io { op, errno } => {
                write!(f, "{op} failed: {}", io::Error::from_raw_os_error(*errno))
            }
            SysError::Timeout => f.write_str("no reply from the kernel within the timeout"),
            SysError::NoBuffers => {
                f.write_str("the kernel dropped netlink messages (ENOBUFS); resynchronise")
            }
            SysError::Truncated { len, buffer } => {
                write!(f, "datagram of {len} bytes truncated to {buffer}")
            }
            SysError::Codec(e) => write!(f, "netlink codec: {e}"),
            SysError::Kernel { errno, msg, offset } => {
                write!(
                    f,
                    "kernel refused the request: {}",
                    io::Error::from_raw_os_error(*errno)
                )?;
                if let Some(msg) = msg {
                    write!(f, ": {msg}")?;
                }
                if let Some(offset) = offset {
                    write!(f, " (attribute at offset {offset})")?;
                }
                Ok(())
            }
            SysError::DumpInterrupted { attempts } => {
                write!(
                    f,
                    "link dump interrupted by changes on all {attempts} attempts"
                )
            }
            SysError::UnexpectedReply { message_type, seq } => {
                write!(
                    f,
                    "unexpected reply of type {message_type} to request {seq}"
                )
            }
            SysError::InvalidRequest { reason } => write!(f, "request not sent: {reason}"),
        }
    }
}

impl std::error::Error for SysError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SysError::Codec(e) => Some(e),
            _ => None,
        }
    }
}

impl From<Error> for SysError {
    fn from(e: Error) -> Self {
        SysError::Codec(e)
    }
}

/// One way to exchange datagrams with the kernel.
pub trait Transport {
    /// Sends one datagram (one or more netlink messages back to back).
    fn send(&mut self, datagram: &[u8]) -> Result<(), SysError>;

    /// Receives one datagram from the kernel; the slice lives until the next call.
    fn recv(&mut self) -> Result<&[u8], SysError>;

    /// Told by the helpers about each message they dropped because its sequence number
    /// belongs to no request in flight. The default ignores it; [`NlSocket`] counts it.
    fn note_foreign_seq(&mut self, header: &NlmsgHeader) {
        let _ = header;
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn send(&mut self, datagram: &[u8]) -> Result<(), SysError> {
        (**self).send(datagram)
    }

    fn recv(&mut self) -> Result<&[u8], SysError> {
        (**self).recv()
    }

    fn note_foreign_seq(&mut self, header: &NlmsgHeader) {
        (**self).note_foreign_seq(header)
    }
}

/// What a socket dropped instead of taking it for an answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NlStats {
    /// Datagrams from a sender other than the kernel (source `nl_pid` not 0).
    pub foreign_sender: u64,
    /// Messages whose sequence number belonged to no request in flight.
    pub foreign_seq: u64,
}

/// How to open an [`NlSocket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NlOptions {
    /// How long one receive waits ([`DEFAULT_TIMEOUT`]). Zero is taken as 1 µs, since
    /// `SO_RCVTIMEO` reads zero as "wait forever".
    pub timeout: Duration,
    /// The receive buffer to start with ([`DEFAULT_BUFFER_LEN`]); it grows as needed.
    pub buffer_len: usize,
    /// `SO_RCVBUF`, the kernel's receive queue limit, when not the system default.
    pub recv_queue: Option<usize>,
}

impl Default for NlOptions {
    fn default() -> Self {
        NlOptions {
            timeout: DEFAULT_TIMEOUT,
            buffer_len: DEFAULT_BUFFER_LEN,
            recv_queue: None,
        }
    }
}

/// A `NETLINK_ROUTE` socket to the kernel.
///
/// Replies are accepted only from the kernel (sender port id 0). The receive buffer is reused
/// and grows to the largest datagram seen. The descriptor is close-on-exec and is closed when
/// the socket is dropped.
pub struct NlSocket {
    fd: OwnedFd,
    pid: u32,
    seq: u32,
    timeout: Duration,
    buf: Vec<u8>,
    stats: NlStats,
}

/// A `sockaddr_nl` for port id `pid` (0: the kernel).
fn netlink_addr(pid: u32) -> libc::sockaddr_nl {
    // SAFETY: sockaddr_nl is plain integers (one private padding field); all zeroes is a
    // valid value of it.
    let mut addr: libc::sockaddr_nl = unsafe { mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    addr.nl_pid = pid;
    addr
}

const SOCKADDR_NL_LEN: socklen_t = mem::size_of::<libc::sockaddr_nl>() as socklen_t;

fn setsockopt<T>(
    fd: BorrowedFd<'_>,
    level: c_int,
    name: c_int,
    value: &T,
    op: &'static str,
) -> Result<(), SysError> {
    // SAFETY: `value` points at a live, initialised T and we pass its exact size; the kernel
    // only reads it.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (value as *const T).cast::<c_void>(),
            mem::size_of::<T>() as socklen_t,
        )
    };
    if rc < 0 {
        return Err(SysError::last_os_error(op));
    }
    Ok(())
}

impl NlSocket {
    /// Opens a socket with the default options.
    pub fn open() -> Result<Self, SysError> {
        Self::with_options(NlOptions::default())
    }

    /// Opens a socket with the given options.
    pub fn with_options(options: NlOptions) -> Result<Self, SysError> {
        // SAFETY: a plain system call with integer arguments.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if raw < 0 {
            return Err(SysError::last_os_error("socket"));
        }
        // SAFETY: `raw` is a descriptor we just opened and nothing else owns; from here on
        // OwnedFd closes it, also on every early return below.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let on: c_int = 1;
        setsockopt(
            fd.as_fd(),
            libc::SOL_NETLINK,
            libc::NETLINK_EXT_ACK,
            &on,
            "setsockopt(NETLINK_EXT_ACK)",
        )?;
        setsockopt(
            fd.as_fd(),
            libc::SOL_NETLINK,
            libc::NETLINK_CAP_ACK,
            &on,
            "setsockopt(NETLINK_CAP_ACK)",
        )?;
        if let Some(bytes) = options.recv_queue {
            let bytes = c_int::try_from(bytes).unwrap_or(c_int::MAX);
            setsockopt(
                fd.as_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                &bytes,
                "setsockopt(SO_RCVBUF)",
            )?;
        }
        let local = netlink_addr(0);
        // SAFETY: `local` is a valid sockaddr_nl and we pass its size.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&local as *const libc::sockaddr_nl).cast::<libc::sockaddr>(),
                SOCKADDR_NL_LEN,
            )
        };
        if rc < 0 {
            return Err(SysError::last_os_error("bind"));
        }
        let mut bound = netlink_addr(0);
        let mut len = SOCKADDR_NL_LEN;
        // SAFETY: `bound` is writable for `len` bytes and `len` is a live socklen_t; the
        // kernel writes at most that much and stores the real length in `len`.
        let rc = unsafe {
            libc::getsockname(
                fd.as_raw_fd(),
                (&mut bound as *mut libc::sockaddr_nl).cast::<libc::sockaddr>(),
                &mut len,
            )
        };
        if rc < 0 {
            return Err(SysError::last_os_error("getsockname"));
        }
        let mut sock = NlSocket {
            fd,
            pid: bound.nl_pid,
            seq: 0,
            timeout: options.timeout,
            buf: vec![0; options.buffer_len.max(NlmsgHeader::LEN)],
            stats: NlStats::default(),
        };
        sock.set_timeout(options.timeout)?;
        Ok(sock)
    }

    /// The port id the kernel assigned to this socket (`nl_pid`).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The next sequence number for a request: 1, 2, ... and never 0 (which notifications
    /// carry), wrapping after `u32::MAX`.
    pub fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        if self.seq == 0 {
            self.seq = 1;
        }
        self.seq
    }

    /// The receive timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sets the receive timeout (zero is taken as 1 µs).
    pub fn set_timeout(&mut self, timeout: Duration) -> Result<(), SysError> {
        let timeout = timeout.max(Duration::from_micros(1));
        // At least 1 µs, so that the timeval is never zero ("forever").
        let tv = libc::timeval {
            tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
            tv_usec: libc::suseconds_t::from(timeout.subsec_micros()),
        };
        setsockopt(
            self.fd.as_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            &tv,
            "setsockopt(SO_RCVTIMEO)",
        )?;
        self.timeout = timeout;
        Ok(())
    }

    /// What the socket dropped so far.
    pub fn stats(&self) -> NlStats {
        self.stats
    }

    /// The current size of the receive buffer.
    pub fn buffer_len(&self) -> usize {
        self.buf.len()
    }

    /// Discards every datagram already queued on the socket, without waiting, and returns
    /// how many there were.
    ///
    /// This is the first step of resynchronising after [`SysError::NoBuffers`]: while
    /// replies to earlier requests fill the receive queue, the kernel keeps dropping new
    /// ones, and says so only once. After `drain`, ask again for the state you need.
    pub fn drain(&mut self) -> Result<usize, SysError> {
        let mut discarded = 0;
        loop {
            match self.recvmsg(libc::MSG_DONTWAIT | libc::MSG_TRUNC, true) {
                Ok(_) => discarded += 1,
                Err(SysError::Timeout) => return Ok(discarded),
                // Reported once more if the queue overflowed again meanwhile; keep going.
                Err(SysError::NoBuffers) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// One `recvmsg`. With `size_only`, nothing is copied and, with `MSG_TRUNC`, the
    /// datagram's full length is returned (with `MSG_PEEK` it stays queued, without it is
    /// discarded). Returns the length, the sender's port id and the
    /// returned `msg_flags`.
    fn recvmsg(&mut self, flags: c_int, size_only: bool) -> Result<(usize, u32, c_int), SysError> {
        loop {
            let mut from = netlink_addr(0);
            let mut iov = libc::iovec {
                iov_base: self.buf.as_mut_ptr().cast::<c_void>(),
                iov_len: if size_only { 0 } else { self.buf.len() },
            };
            // SAFETY: msghdr is plain data (pointers and integers, with private padding on
            // some targets); all zeroes is a valid value of it.
            let mut msg: libc::msghdr = unsafe { mem::zeroed() };
            msg.msg_name = (&mut from as *mut libc::sockaddr_nl).cast::<c_void>();
            msg.msg_namelen = SOCKADDR_NL_LEN;
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            // SAFETY: `msg` points at `from` (writable, size given in msg_namelen) and at
            // `iov`, which covers `iov_len` initialised bytes of `self.buf`; all three live
            // until the call returns and nothing else touches them meanwhile.
            let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, flags) };
            if n >= 0 {
                return Ok((n as usize, from.nl_pid, msg.msg_flags));
            }
            let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
            match errno {
                libc::EINTR => continue,
                libc::ENOBUFS => return Err(SysError::NoBuffers),
                e if e == libc::EAGAIN || e == libc::EWOULDBLOCK => return Err(SysError::Timeout),
                errno => {
                    return Err(SysError::Io {
                        op: "recvmsg",
                        errno,
                    })
                }
            }
        }
    }
}

impl fmt::Debug for NlSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the buffer: tens of kilobytes of stale bytes say nothing.
        f.debug_struct("NlSocket")
            .field("fd", &self.fd)
            .field("pid", &self.pid)
            .field("seq", &self.seq)
            .field("timeout", &self.timeout)
            .field("buffer_len", &self.buf.len())
            .field("stats", &self.stats)
            .finish()
    }
}

impl AsFd for NlSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for NlSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl Transport for NlSocket {
    fn send(&mut self, datagram: &[u8]) -> Result<(), SysError> {
        let kernel = netlink_addr(0);
        loop {
            // SAFETY: `datagram` is readable for its length and `kernel` is a valid
            // sockaddr_nl whose size we pass; the kernel only reads both.
            let n = unsafe {
                libc::sendto(
                    self.fd.as_raw_fd(),
                    datagram.as_ptr().cast::<c_void>(),
                    datagram.len(),
                    0,
                    (&kernel as *const libc::sockaddr_nl).cast::<libc::sockaddr>(),
                    SOCKADDR_NL_LEN,
                )
            };
            if n < 0 {
                match io::Error::last_os_error().raw_os_error().unwrap_or(0) {
                    libc::EINTR => continue,
                    errno => {
                        return Err(SysError::Io {
                            op: "sendto",
                            errno,
                        })
                    }
                }
            }
            // Netlink sends a datagram whole or not at all.
            if n as usize != datagram.len() {
                return Err(SysError::Io {
                    op: "sendto",
                    errno: libc::EMSGSIZE,
                });
            }
            return Ok(());
        }
    }

    fn recv(&mut self) -> Result<&[u8], SysError> {
        // A stream of foreign datagrams must not hold a caller past its timeout.
        let deadline = Instant::now().checked_add(self.timeout);
        loop {
            let (size, _, _) = self.recvmsg(libc::MSG_PEEK | libc::MSG_TRUNC, true)?;
            if size > self.buf.len() {
                self.buf.resize(size, 0);
            }
            // MSG_TRUNC: the length returned is the datagram's, even if it did not fit.
            let (n, sender, flags) = self.recvmsg(libc::MSG_TRUNC, false)?;
            if flags & libc::MSG_TRUNC != 0 || n > self.buf.len() {
                return Err(SysError::Truncated {
                    len: n,
                    buffer: self.buf.len(),
                });
            }
            if sender != 0 {
                self.stats.foreign_sender += 1;
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(SysError::Timeout);
                }
                continue;
            }
            return Ok(&self.buf[..n]);
        }
    }

    fn note_foreign_seq(&mut self, _header: &NlmsgHeader) {
        self.stats.foreign_seq += 1;
    }
}

/// The kernel's answer to one request sent with `NLM_F_ACK`.
///
/// `errno` 0 is success; the kernel may still attach a text (a warning) to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ack {
    /// 0 for success, else the positive errno (e.g. 22 for `EINVAL`).
    pub errno: i32,
    /// The extended-ACK text (`NLMSGERR_ATTR_MSG`).
    pub msg: Option<String>,
    /// The offset of the refused attribute in the request (`NLMSGERR_ATTR_OFFS`).
    pub offset: Option<u32>,
}

impl Ack {
    fn from_error_message(e: &ErrorMessage<'_>) -> Self {
        Ack {
            errno: e.errno().unwrap_or(0),
            msg: e.ext_ack.msg.map(ToOwned::to_owned),
            offset: e.ext_ack.offset,
        }
    }

    /// Whether the request succeeded.
    pub fn is_ok(&self) -> bool {
        self.errno == 0
    }

    /// `Ok(())` for success, else [`SysError::Kernel`] with the same fields.
    pub fn into_result(self) -> Result<(), SysError> {
        if self.is_ok() {
            return Ok(());
        }
        Err(SysError::Kernel {
            errno: self.errno,
            msg: self.msg,
            offset: self.offset,
        })
    }
}

/// Checks that `datagram` holds exactly the requests `seqs` names, in that order, each asking
/// for an ACK, so that every answer can be matched.
fn check_acked_requests(datagram: &[u8], seqs: &[u32]) -> Result<(), SysError> {
    if seqs.is_empty() {
        return Err(SysError::InvalidRequest {
            reason: "no request",
        });
    }
    for (i, seq) in seqs.iter().enumerate() {
        if seqs[..i].contains(seq) {
            return Err(SysError::InvalidRequest {
                reason: "two requests share a sequence number",
            });
        }
    }
    let mut count = 0;
    for msg in Messages::new(datagram) {
        let msg = msg?;
        if seqs.get(count) != Some(&msg.header.seq) {
            return Err(SysError::InvalidRequest {
                reason: "sequence numbers differ from the ones given",
            });
        }
        if !msg.header.flags.contains(NlmFlags::ACK) {
            return Err(SysError::InvalidRequest {
                reason: "a request without NLM_F_ACK gets no answer to wait for",
            });
        }
        count += 1;
    }
    if count != seqs.len() {
        return Err(SysError::InvalidRequest {
            reason: "sequence numbers differ from the ones given",
        });
    }
    Ok(())
}

/// Receives until every request in `seqs` has its `NLMSG_ERROR`; the answers come back in the
/// order of `seqs`.
fn collect_acks<T: Transport + ?Sized>(
    t: &mut T,
    seqs: &[u32],
) -> Result<Vec<(u32, Ack)>, SysError> {
    let mut answers: Vec<Option<Ack>> = vec![None; seqs.len()];
    let mut left = seqs.len();
    let mut foreign: Vec<NlmsgHeader> = Vec::new();
    while left > 0 {
        let datagram = t.recv()?;
        for msg in Messages::new(datagram) {
            let msg = msg?;
            if msg.header.message_type == NLMSG_NOOP {
                continue;
            }
            let slot = seqs
                .iter()
                .position(|&s| s == msg.header.seq)
                .filter(|&i| answers[i].is_none());
            let Some(i) = slot else {
                foreign.push(msg.header);
                continue;
            };
            match msg.header.message_type {
                NLMSG_ERROR => {
                    let e = ErrorMessage::from_message(&msg)?;
                    if e.request.seq != msg.header.seq {
                        return Err(SysError::Codec(Error::UnexpectedSequence {
                            expected: msg.header.seq,
                            found: e.request.seq,
                        }));
                    }
                    answers[i] = Some(Ack::from_error_message(&e));
                    left -= 1;
                }
                NLMSG_OVERRUN => return Err(SysError::NoBuffers),
                message_type => {
                    return Err(SysError::UnexpectedReply {
                        message_type,
                        seq: msg.header.seq,
                    })
                }
            }
        }
        for h in foreign.drain(..) {
            t.note_foreign_seq(&h);
        }
    }
    Ok(seqs
        .iter()
        .zip(answers)
        .map(|(&seq, ack)| (seq, ack.unwrap_or_default()))
        .collect())
}

/// Sends one request that asks for an acknowledgement (`NLM_F_ACK`: a SETLINK, NEWLINK or
/// DELLINK, whose only answer is the ACK) and waits for its `NLMSG_ERROR`.
///
/// `request` is one encoded message carrying sequence number `seq`. Messages with other
/// sequence numbers are dropped (see [`Transport::note_foreign_seq`]). A refusal by the
/// kernel is an `Ok(Ack)` with a non-zero errno, not an `Err`: `Err` means the exchange
/// itself failed.
///
/// ```no_run
/// use vfnl::request::{LinkTarget, SetLink};
/// use vfnl::sys::socket::{request_ack, NlSocket};
/// use vfnl::{Mac, VfConfig};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut sock = NlSocket::open()?;
/// let vfs = [VfConfig { mac: Some(Mac::ethernet([2, 0, 0, 0, 0, 1])), ..VfConfig::new(0) }];
/// let seq = sock.next_seq();
/// let mut buf = [0u8; 256];
/// let n = SetLink::new(LinkTarget::Name("eth0"), &vfs).seq(seq).encode(&mut buf)?;
/// let ack = request_ack(&mut sock, &buf[..n], seq)?;
/// ack.into_result()?;
/// # Ok(()) }
/// ```
pub fn request_ack<T: Transport + ?Sized>(
    t: &mut T,
    request: &[u8],
    seq: u32,
) -> Result<Ack, SysError> {
    check_acked_requests(request, &[seq])?;
    t.send(request)?;
    let mut acks = collect_acks(t, &[seq])?;
    Ok(acks.pop().map(|(_, ack)| ack).unwrap_or_default())
}

/// Sends several requests packed back to back in one datagram and collects one ACK per
/// sequence number.
///
/// `datagram` must hold exactly the requests `seqs` names, in that order, each with
/// `NLM_F_ACK` (else [`SysError::InvalidRequest`], and nothing is sent). The kernel answers
/// each in turn, also after one fails, and the answers may arrive over several datagrams.
/// The result lists `(seq, ack)` in the order of `seqs`. A request left unanswered ends in
/// [`SysError::Timeout`].
pub fn send_batch<T: Transport + ?Sized>(
    t: &mut T,
    datagram: &[u8],
    seqs: &[u32],
) -> Result<Vec<(u32, Ack)>, SysError> {
    check_acked_requests(datagram, seqs)?;
    t.send(datagram)?;
    collect_acks(t, seqs)
}

/// Asks for one link with its VF data (RTM_GETLINK with `RTEXT_FILTER_VF`) and returns the
/// reply, one RTM_NEWLINK message that [`LinkMessage::parse`] accepts.
///
/// A refusal (e.g. `ENODEV`) is [`SysError::Kernel`].
pub fn get_link<T: Transport + ?Sized>(
    t: &mut T,
    target: LinkTarget<'_>,
    seq: u32,
) -> Result<Vec<u8>, SysError> {
    let mut buf = [0u8; GETLINK_MAX];
    let n = GetLink::new(target).seq(seq).encode(&mut buf)?;
    t.send(&buf[..n])?;
    let mut foreign: Vec<NlmsgHeader> = Vec::new();
    loop {
        let datagram = t.recv()?;
        let mut reply = None;
        for msg in Messages::new(datagram) {
            let msg = msg?;
            if msg.header.message_type == NLMSG_NOOP {
                continue;
            }
            if msg.header.seq != seq {
                foreign.push(msg.header);
                continue;
            }
            reply = Some(match msg.header.message_type {
                RTM_NEWLINK => LinkMessage::from_message(&msg)
                    .map(|_| msg.bytes.to_vec())
                    .map_err(SysError::Codec),
                NLMSG_ERROR => match ErrorMessage::from_message(&msg) {
                    Ok(e) => match e.errno() {
                        Some(errno) => Err(SysError::kernel(errno, &e.ext_ack)),
                        None => Err(SysError::UnexpectedReply {
                            message_type: NLMSG_ERROR,
                            seq,
                        }),
                    },
                    Err(e) => Err(SysError::Codec(e)),
                },
                NLMSG_OVERRUN => Err(SysError::NoBuffers),
                message_type => Err(SysError::UnexpectedReply { message_type, seq }),
            });
            break;
        }
        for h in foreign.drain(..) {
            t.note_foreign_seq(&h);
        }
        if let Some(reply) = reply {
            return reply;
        }
    }
}

/// The error a failed dump message carries, with its extended ACK.
fn dump_failure(msg: &Message<'_>, errno: i32) -> SysError {
    let ext_ack = match msg.header.message_type {
        NLMSG_ERROR => ErrorMessage::from_message(msg).map(|e| e.ext_ack),
        NLMSG_DONE => DoneMessage::from_message(msg).map(|d| d.ext_ack),
        _ => Ok(ExtAck::default()),
    };
    SysError::kernel(errno, &ext_ack.unwrap_or_default())
}

/// Dumps every link (RTM_GETLINK with `NLM_F_DUMP`, as `request` says: its sequence number,
/// its `IFLA_EXT_MASK`) and returns each RTM_NEWLINK message, in the kernel's order, ready
/// for [`LinkMessage::parse`].
///
/// The parts are reassembled across datagrams until `NLMSG_DONE`. A dump flagged
/// `NLM_F_DUMP_INTR` is read to its end and asked again, up to `max_attempts` times in all
/// (at least once; [`DUMP_ATTEMPTS`] is the usual bound), then [`SysError::DumpInterrupted`].
/// A message that does not decode ends the call with [`SysError::Codec`], but only after
/// the dump's end is read, so the socket is left in step.
pub fn dump_links<T: Transport + ?Sized>(
    t: &mut T,
    request: LinkDump,
    max_attempts: u32,
) -> Result<Vec<Vec<u8>>, SysError> {
    let seq = request.header.seq;
    let mut buf = [0u8; GETLINK_MAX];
    let n = request.encode(&mut buf)?;
    let attempts = max_attempts.max(1);
    let mut foreign: Vec<NlmsgHeader> = Vec::new();
    for _ in 0..attempts {
        t.send(&buf[..n])?;
        let mut reader = DumpReader::new(seq);
        let mut links = Vec::new();
        let mut failure = None;
        while !reader.is_done() {
            let datagram = t.recv()?;
            for msg in Messages::new(datagram) {
                let msg = msg?;
                if msg.header.message_type != NLMSG_NOOP && msg.header.seq != seq {
                    foreign.push(msg.header);
                    continue;
                }
                // One message at a time, so that each link maps back to its own bytes.
                for part in reader.feed(msg.bytes) {
                    match part {
                        Ok(_) => links.push(msg.bytes.to_vec()),
                        Err(Error::Kernel { errno }) => {
                            failure.get_or_insert_with(|| dump_failure(&msg, errno));
                        }
                        Err(Error::Overrun) => return Err(SysError::NoBuffers),
                        Err(e) => {
                            failure.get_or_insert(SysError::Codec(e));
                        }
                    }
                }
            }
            for h in foreign.drain(..) {
                t.note_foreign_seq(&h);
            }
        }
        if let Some(failure) = failure {
            return Err(failure);
        }
        if !reader.is_interrupted() {
            return Ok(links);
        }
    }
    Err(SysError::DumpInterrupted { attempts })
}

#[cfg(test)]
mod tests {
    //! The helpers' bookkeeping, against a scripted transport. The real kernel's answers are
    //! exercised in `tests/socket.rs`; these cover what a kernel does not do on demand
    //! (duplicate answers, an ACK that never comes, a failed dump with extended ACK).
    use super::*;
    use std::collections::VecDeque;

    /// Hands out scripted datagrams and records what was sent; an empty script times out.
    #[derive(Default)]
    struct Script {
        replies: VecDeque<Result<Vec<u8>, SysError>>,
        current: Vec<u8>,
        sent: Vec<Vec<u8>>,
        foreign: Vec<u32>,
    }

    impl Script {
        fn new(replies: impl IntoIterator<Item = Vec<u8>>) -> Self {
            Script {
                replies: replies.into_iter().map(Ok).collect(),
                ..Script::default()
            }
        }
    }

    impl Transport for Script {
        fn send(&mut self, datagram: &[u8]) -> Result<(), SysError> {
            self.sent.push(datagram.to_vec());
            Ok(())
        }

        fn recv(&mut self) -> Result<&[u8], SysError> {
            self.current = self.replies.pop_front().unwrap_or(Err(SysError::Timeout))?;
            Ok(&self.current)
        }

        fn note_foreign_seq(&mut self, header: &NlmsgHeader) {
            self.foreign.push(header.seq);
        }
    }

    /// One message laid out per netlink.h: header, then `payload`, padded to 4 bytes.
    fn message(message_type: u16, flags: NlmFlags, seq: u32, payload: &[u8]) -> Vec<u8> {
        let len = NlmsgHeader::LEN + payload.len();
        let mut h = [0u8; NlmsgHeader::LEN];
        NlmsgHeader {
            len: len as u32,
            message_type,
            flags,
            seq,
            pid: 0,
        }
        .emit(&mut h);
        let mut out = h.to_vec();
        out.extend_from_slice(payload);
        out.resize(crate::nlmsg::align(len), 0);
        out
    }

    /// An `NLMSG_ERROR` for request `seq` as a `NETLINK_CAP_ACK` socket gets it: error, the
    /// request's header, then (with `NLM_F_ACK_TLVS`) a `NLMSGERR_ATTR_MSG` text.
    fn ack(seq: u32, errno: i32, text: Option<&str>) -> Vec<u8> {
        let mut p = (-errno).to_ne_bytes().to_vec();
        let mut req = [0u8; NlmsgHeader::LEN];
        NlmsgHeader {
            len: 32,
            message_type: crate::nlmsg::RTM_SETLINK,
            flags: NlmFlags::REQUEST | NlmFlags::ACK,
            seq,
            pid: 4242,
        }
        .emit(&mut req);
        p.extend_from_slice(&req);
        let mut flags = NlmFlags::CAPPED;
        if let Some(text) = text {
            flags |= NlmFlags::ACK_TLVS;
            let nla_len = (4 + text.len() + 1) as u16;
            p.extend_from_slice(&nla_len.to_ne_bytes());
            p.extend_from_slice(&crate::ifla::NLMSGERR_ATTR_MSG.to_ne_bytes());
            p.extend_from_slice(text.as_bytes());
            p.push(0);
            p.resize(crate::nlmsg::align(p.len()), 0);
        }
        message(NLMSG_ERROR, flags, seq, &p)
    }

    fn request(seq: u32, flags: NlmFlags) -> Vec<u8> {
        message(crate::nlmsg::RTM_SETLINK, flags, seq, &[0u8; 16])
    }

    fn acked(seq: u32) -> Vec<u8> {
        request(seq, NlmFlags::REQUEST | NlmFlags::ACK)
    }

    #[test]
    fn batch_answers_follow_seqs_across_datagrams() {
        let batch = [acked(7), acked(8), acked(9)].concat();
        let mut t = Script::new([
            [ack(9, 22, Some("bad")), ack(3, 0, None)].concat(),
            message(NLMSG_NOOP, NlmFlags::empty(), 0, &[]),
            [ack(7, 0, None), ack(7, 0, None)].concat(),
            ack(8, 95, None),
        ]);
        let acks = send_batch(&mut t, &batch, &[7, 8, 9]).unwrap();
        assert_eq!(t.sent, [batch]);
        assert_eq!(
            acks,
            [
                (7, Ack::default()),
                (
                    8,
                    Ack {
                        errno: 95,
                        ..Ack::default()
                    }
                ),
                (
                    9,
                    Ack {
                        errno: 22,
                        msg: Some("bad".into()),
                        offset: None
                    }
                ),
            ]
        );
        // seq 3 belongs to nothing in flight; the second ACK for 7 answers nothing new.
        assert_eq!(t.foreign, [3, 7]);
    }

    #[test]
    fn an_unanswered_request_times_out() {
        let batch = [acked(1), acked(2)].concat();
        let mut t = Script::new([ack(2, 0, None)]);
        assert_eq!(send_batch(&mut t, &batch, &[1, 2]), Err(SysError::Timeout));
    }

    #[test]
    fn requests_that_cannot_be_matched_are_not_sent() {
        let mut t = Script::default();
        let batch = [acked(1), acked(2)].concat();
        for (datagram, seqs, reason) in [
            (&batch[..], &[][..], "no request"),
            (&batch, &[1, 1], "two requests share a sequence number"),
            (&batch, &[1], "sequence numbers differ from the ones given"),
            (
                &batch,
                &[1, 2, 3],
                "sequence numbers differ from the ones given",
            ),
            (
                &batch,
                &[2, 1],
                "sequence numbers differ from the ones given",
            ),
        ] {
            assert_eq!(
                send_batch(&mut t, datagram, seqs),
                Err(SysError::InvalidRequest { reason })
            );
        }
        assert_eq!(
            request_ack(&mut t, &request(5, NlmFlags::REQUEST), 5),
            Err(SysError::InvalidRequest {
                reason: "a request without NLM_F_ACK gets no answer to wait for"
            })
        );
        assert_eq!(
            request_ack(&mut t, &batch[..8], 1),
            Err(SysError::Codec(Error::Truncated {
                needed: 16,
                available: 8
            }))
        );
        assert!(t.sent.is_empty());
    }

    #[test]
    fn overrun_means_lost_replies() {
        let mut t = Script::new([message(NLMSG_OVERRUN, NlmFlags::empty(), 4, &[])]);
        assert_eq!(request_ack(&mut t, &acked(4), 4), Err(SysError::NoBuffers));
    }

    #[test]
    fn a_transport_error_passes_through() {
        let mut t = Script::default();
        t.replies.push_back(Err(SysError::NoBuffers));
        assert_eq!(request_ack(&mut t, &acked(4), 4), Err(SysError::NoBuffers));
    }

    #[test]
    fn get_link_takes_errors_and_refuses_a_bare_ack() {
        let mut t = Script::new([ack(3, 19, Some("no such device"))]);
        assert_eq!(
            get_link(&mut t, LinkTarget::Index(9), 3),
            Err(SysError::Kernel {
                errno: 19,
                msg: Some("no such device".into()),
                offset: None
            })
        );
        let mut t = Script::new([ack(4, 0, None)]);
        assert_eq!(
            get_link(&mut t, LinkTarget::Index(9), 4),
            Err(SysError::UnexpectedReply {
                message_type: NLMSG_ERROR,
                seq: 4
            })
        );
        // What was sent is the GETLINK our encoder makes for this target.
        let mut expected = [0u8; GETLINK_MAX];
        let n = GetLink::new(LinkTarget::Index(9))
            .seq(4)
            .encode(&mut expected)
            .unwrap();
        assert_eq!(t.sent, [expected[..n].to_vec()]);
    }

    fn done(seq: u32, errno: i32, flags: NlmFlags) -> Vec<u8> {
        message(
            NLMSG_DONE,
            NlmFlags::MULTI | flags,
            seq,
            &(-errno).to_ne_bytes(),
        )
    }

    /// A minimal RTM_NEWLINK part: ifinfomsg with index `index`, no attributes.
    fn newlink(seq: u32, index: i32, flags: NlmFlags) -> Vec<u8> {
        let mut ifi = [0u8; 16];
        crate::ifinfo::IfInfoMsg::request(index).emit(&mut ifi);
        message(RTM_NEWLINK, NlmFlags::MULTI | flags, seq, &ifi)
    }

    #[test]
    fn dump_fails_with_the_kernels_reason() {
        let mut t = Script::new([
            newlink(6, 1, NlmFlags::empty()),
            done(6, 16, NlmFlags::empty()),
        ]);
        assert_eq!(
            dump_links(&mut t, LinkDump::new().seq(6), DUMP_ATTEMPTS),
            Err(SysError::Kernel {
                errno: 16,
                msg: None,
                offset: None
            })
        );
        let mut t = Script::new([ack(6, 16, Some("busy"))]);
        assert_eq!(
            dump_links(&mut t, LinkDump::new().seq(6), DUMP_ATTEMPTS),
            Err(SysError::Kernel {
                errno: 16,
                msg: Some("busy".into()),
                offset: None
            })
        );
    }

    #[test]
    fn a_bad_part_is_reported_after_the_dump_is_read_to_its_end() {
        let mut bad = newlink(6, 2, NlmFlags::empty());
        bad.truncate(NlmsgHeader::LEN + 8);
        bad[0] = (NlmsgHeader::LEN + 8) as u8; // ifinfomsg cut short
        let mut t = Script::new([
            [newlink(6, 1, NlmFlags::empty()), bad].concat(),
            [
                newlink(6, 3, NlmFlags::empty()),
                done(6, 0, NlmFlags::empty()),
            ]
            .concat(),
        ]);
        assert_eq!(
            dump_links(&mut t, LinkDump::new().seq(6), DUMP_ATTEMPTS),
            Err(SysError::Codec(Error::Truncated {
                needed: 16,
                available: 8
            }))
        );
        assert!(t.replies.is_empty(), "read up to NLMSG_DONE");
    }

    #[test]
    fn dump_retries_are_bounded_and_skip_foreign_parts() {
        let interrupted = || {
            [
                newlink(6, 1, NlmFlags::empty()),
                newlink(5, 9, NlmFlags::empty()),
                done(6, 0, NlmFlags::DUMP_INTR),
            ]
            .concat()
        };
        let mut t = Script::new([
            interrupted(),
            interrupted(),
            [
                newlink(6, 1, NlmFlags::empty()),
                newlink(6, 2, NlmFlags::empty()),
            ]
            .concat(),
            done(6, 0, NlmFlags::empty()),
        ]);
        let links = dump_links(&mut t, LinkDump::new().seq(6), 3).unwrap();
        assert_eq!(t.sent.len(), 3);
        assert_eq!(
            links,
            [
                newlink(6, 1, NlmFlags::empty()),
                newlink(6, 2, NlmFlags::empty())
            ]
        );
        assert_eq!(t.foreign, [5, 5]);

        let mut t = Script::new([interrupted(), interrupted()]);
        assert_eq!(
            dump_links(&mut t, LinkDump::new().seq(6), 2),
            Err(SysError::DumpInterrupted { attempts: 2 })
        );
        // Zero attempts still asks once.
        let mut t = Script::new([interrupted()]);
        assert_eq!(
            dump_links(&mut t, LinkDump::new().seq(6), 0),
            Err(SysError::DumpInterrupted { attempts: 1 })
        );
    }

    #[test]
    // Compares glibc's strerror text; Miri's strerror_r shim words it differently (it
    // appends "(os error N)" itself), so under Miri the expected string cannot match.
    #[cfg_attr(miri, ignore)]
    fn errors_say_what_happened() {
        let e = SysError::Kernel {
            errno: 34,
            msg: Some("Attribute failed policy validation".into()),
            offset: Some(32),
        };
        assert_eq!(
            e.to_string(),
            "kernel refused the request: Numerical result out of range (os error 34): \
             Attribute failed policy validation (attribute at offset 32)"
        );
        assert_eq!(e.errno(), Some(34));
        let e = SysError::Io {
            op: "bind",
            errno: 1,
        };
        assert_eq!(
            e.to_string(),
            "bind failed: Operation not permitted (os error 1)"
        );
        let codec = SysError::from(Error::Overrun);
        assert!(std::error::Error::source(&codec).is_some());
        assert_eq!(SysError::Timeout.errno(), None);
    }
}
