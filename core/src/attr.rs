//! Netlink attributes (`struct nlattr`): a zero-copy reader and a writer into `&mut [u8]`.
//!
//! Mirrors `include/uapi/linux/netlink.h`:
//!
//! ```text
//!  0       2       4                         nla_len   NLA_ALIGN(nla_len)
//! +-------+-------+-------------------------+---------+
//! |nla_len|nla_typ| payload                 | padding |
//! +-------+-------+-------------------------+---------+
//! ```
//!
//! The reader ([`AttrIter`]) yields each attribute with the offset it sits at, and yields an
//! error and stops on the first malformed one; the payload slices it hands out always lie
//! inside the input.
//!
//! Encoders are written once, against [`Sink`], which zeroes padding, fixes up nest lengths
//! and refuses a nest longer than 65,535 bytes. [`encode`] runs a message through the sinks
//! in the cheapest safe order (see [`Sink`]); [`Writer`] is the one-pass sink that keeps
//! counting past a short buffer, so its error names the exact size needed. Nothing here
//! panics on any input.

use crate::error::{Error, Field};
use crate::nlmsg::{align, NlmFlags, NlmsgHeader};

/// Size of the attribute header (`NLA_HDRLEN`).
pub const NLA_HDRLEN: usize = 4;
/// `NLA_F_NESTED`: set by newer senders on nests; ignored when reading the type.
pub const NLA_F_NESTED: u16 = 0x8000;
/// `NLA_F_NET_BYTEORDER`: payload is big-endian; ignored when reading the type.
pub const NLA_F_NET_BYTEORDER: u16 = 0x4000;
/// Mask that leaves the attribute number (`NLA_TYPE_MASK`).
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/// One attribute, borrowed from the bytes it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    kind: u16,
    flags: u16,
    offset: usize,
    payload: &'a [u8],
}

impl<'a> Attr<'a> {
    /// An attribute whose framing was checked earlier (by [`AttrIter`]) and whose place was
    /// kept: for [`VfEntry`](crate::vf::VfEntry)'s getters, which hand it to the payload
    /// decoders. The flag bits are not kept (no decoder reads them), so it reads as unflagged.
    pub(crate) fn from_parts(kind: u16, offset: usize, payload: &'a [u8]) -> Self {
        Attr {
            kind,
            flags: 0,
            offset,
            payload,
        }
    }

    /// The attribute number, flag bits cleared.
    pub fn kind(&self) -> u16 {
        self.kind
    }

    /// Whether the sender set `NLA_F_NESTED`.
    pub fn has_nested_flag(&self) -> bool {
        self.flags & NLA_F_NESTED != 0
    }

    /// Offset of the attribute header from the start of the outermost bytes walked (for a
    /// message, the start of its `nlmsghdr`, which is what extended-ACK offsets count from).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The payload, without header and padding.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The attributes nested in this one.
    pub fn nested(&self) -> AttrIter<'a> {
        AttrIter {
            rest: self.payload,
            offset: self.offset + NLA_HDRLEN,
            nested: true,
        }
    }

    /// The attributes nested in this one from `offset` on (a place in the outermost buffer,
    /// as [`AttrIter::offset`] gives it), clamped to the payload: to resume a walk without
    /// walking again what came before. An offset not taken from a walk of this nest starts
    /// the walk wherever it points.
    pub fn nested_from(&self, offset: usize) -> AttrIter<'a> {
        let start = self.offset + NLA_HDRLEN;
        let skip = offset.saturating_sub(start).min(self.payload.len());
        AttrIter {
            rest: self.payload.get(skip..).unwrap_or_default(),
            offset: start + skip,
            nested: true,
        }
    }

    /// The payload as exactly `N` bytes.
    pub fn array<const N: usize>(&self) -> Result<[u8; N], Error> {
        self.payload.try_into().map_err(|_| self.bad_len(N))
    }

    /// The payload as a `u8`.
    pub fn u8(&self) -> Result<u8, Error> {
        Ok(self.array::<1>()?[0])
    }

    /// The payload as a native-endian `u16`.
    pub fn u16(&self) -> Result<u16, Error> {
        Ok(u16::from_ne_bytes(self.array()?))
    }

    /// The payload as a native-endian `u32`.
    pub fn u32(&self) -> Result<u32, Error> {
        Ok(u32::from_ne_bytes(self.array()?))
    }

    /// The payload as a native-endian `u64`.
    pub fn u64(&self) -> Result<u64, Error> {
        Ok(u64::from_ne_bytes(self.array()?))
    }

    /// The payload as a NUL-terminated UTF-8 string, NUL removed.
    pub fn str(&self) -> Result<&'a str, Error> {
        match self.payload.split_last() {
            Some((0, text)) if !text.contains(&0) => {
                core::str::from_utf8(text).map_err(|_| Error::BadString { kind: self.kind })
            }
            _ => Err(Error::BadString { kind: self.kind }),
        }
    }

    /// The error for a payload that is not `expected` bytes long.
    pub fn bad_len(&self, expected: usize) -> Error {
        Error::BadPayloadLength {
            kind: self.kind,
            len: self.payload.len(),
            expected,
        }
    }
}

/// Iterator over the attributes in a container (a message body or a nest).
///
/// Yields `Err` and then stops at the first attribute that is malformed: `nla_len` below 4,
/// past the container's end, or 1 to 3 stray bytes where the next header should be.
#[derive(Debug, Clone)]
pub struct AttrIter<'a> {
    /// What is left to walk; emptied after an error, which ends the walk.
    rest: &'a [u8],
    offset: usize,
    nested: bool,
}

impl<'a> AttrIter<'a> {
    /// Walks the attributes in `bytes`, which start `offset` bytes into the outermost buffer
    /// (pass 0 when that does not matter).
    pub fn new(bytes: &'a [u8], offset: usize) -> Self {
        AttrIter {
            rest: bytes,
            offset,
            nested: false,
        }
    }

    /// Where the next attribute starts in the outermost buffer (at the end, where the
    /// container ends).
    pub fn offset(&self) -> usize {
        self.offset
    }

    fn fail(&mut self, e: Error) -> Option<Result<Attr<'a>, Error>> {
        self.rest = &[];
        Some(Err(e))
    }
}

/// Checks the attribute header at the start of `rest`, which lies `offset` bytes into the
/// outermost buffer and holds what is left of its container (a nest when `nested`): the
/// header's raw `nla_type` (flags included) and its `nla_len`, which is at least
/// [`NLA_HDRLEN`] and at most `rest.len()`. The one definition of good framing, shared by
/// [`AttrIter`] and the walk in [`VfEntry::new`](crate::vf::VfEntry::new).
#[inline(always)]
pub(crate) fn check_header(
    rest: &[u8],
    offset: usize,
    nested: bool,
) -> Result<(u16, usize), Error> {
    let Some(&[l0, l1, t0, t1]) = rest.first_chunk::<NLA_HDRLEN>() else {
        return Err(Error::Misaligned {
            offset,
            len: rest.len(),
        });
    };
    let len = u16::from_ne_bytes([l0, l1]);
    let raw = u16::from_ne_bytes([t0, t1]);
    let kind = raw & NLA_TYPE_MASK;
    if (len as usize) < NLA_HDRLEN {
        return Err(Error::BadAttrLength { kind, len });
    }
    if len as usize > rest.len() {
        let available = rest.len();
        return Err(if nested {
            Error::NestPastParent {
                kind,
                len,
                available,
            }
        } else {
            Error::AttrPastEnd {
                kind,
                len,
                available,
            }
        });
    }
    Ok((raw, len as usize))
}

impl<'a> Iterator for AttrIter<'a> {
    type Item = Result<Attr<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (raw, len) = match check_header(self.rest, self.offset, self.nested) {
            Ok(header) => header,
            Err(e) => return self.fail(e),
        };
        let attr = Attr {
            kind: raw & NLA_TYPE_MASK,
            flags: raw & !NLA_TYPE_MASK,
            offset: self.offset,
            payload: &self.rest[NLA_HDRLEN..len],
        };
        // The last attribute may come without its padding; anything else must be aligned.
        let step = align(len).min(self.rest.len());
        self.rest = &self.rest[step..];
        self.offset += step;
        Some(Ok(attr))
    }
}

/// A nest opened by [`Sink::nest_start`]; close it with [`Sink::nest_end`].
#[derive(Debug)]
#[must_use = "a nest must be closed with Sink::nest_end"]
pub struct Nest {
    kind: u16,
    start: usize,
}

/// A message opened by [`Sink::message_start`]; close it with [`Sink::message_end`].
#[derive(Debug)]
#[must_use = "a message must be closed with Sink::message_end"]
pub struct MessageStart {
    start: usize,
}

/// The bytes an attribute with a `payload_len`-byte payload takes, padding included (the
/// kernel's `nla_total_size`).
pub const fn nla_total_size(payload_len: usize) -> usize {
    align(NLA_HDRLEN + payload_len)
}

/// An attribute header: `nla_len`, then `nla_type`.
#[inline(always)]
fn nla_header(nla_len: u16, kind: u16) -> [u8; NLA_HDRLEN] {
    let [l0, l1] = nla_len.to_ne_bytes();
    let [k0, k1] = kind.to_ne_bytes();
    [l0, l1, k0, k1]
}

/// Where an encoder's bytes go. Every encoder in the crate is written once, against this
/// trait, and runs with three sinks:
///
/// - [`Writer`]: checks the input, stores, and past a short buffer keeps counting (one pass
///   into an open buffer; what tests build replies with);
/// - [`Counter`]: checks the input and counts, storing nothing (the size pass);
/// - [`Filler`]: stores into a buffer known to be large enough, keeping its place in a
///   register, with or without checking the input.
///
/// [`encode`] picks between two plans. When the buffer holds the message's upper bound
/// ([`Emit::max_len`], a few multiplications), one checking [`Filler`] pass writes it.
/// Otherwise a [`Counter`] pass measures, the buffer is checked against the exact size, and
/// a non-checking [`Filler`] pass writes.
///
/// An implementation supplies the primitives; the attribute and nest helpers are built on
/// them here, once.
pub trait Sink {
    /// Whether encoders should check their input. `false` only for a pass that a checking
    /// pass over the same input has already succeeded on.
    const CHECKS: bool;

    /// Bytes appended so far (past a short buffer, that would have been).
    fn position(&self) -> usize;

    /// Appends `N` bytes.
    fn put<const N: usize>(&mut self, bytes: &[u8; N]);

    /// Appends `A` bytes and then `B` bytes (a header and its payload, with one bounds check
    /// where the sink checks bounds).
    #[inline(always)]
    fn put2<const A: usize, const B: usize>(&mut self, a: &[u8; A], b: &[u8; B]) {
        self.put(a);
        self.put(b);
    }

    /// Appends a run of bytes whose length is known only at run time.
    fn put_slice(&mut self, bytes: &[u8]);

    /// Overwrites `N` bytes at `at` (a length fixed up after its contents).
    fn patch<const N: usize>(&mut self, at: usize, bytes: [u8; N]);

    /// Records `e` unless an error is already recorded; it ends the encoding.
    fn fail(&mut self, e: Error);

    /// Appends zero bytes up to the next 4-byte boundary.
    #[inline(always)]
    fn pad(&mut self) {
        let at = self.position();
        let zeros = [0u8; 3];
        if let Some(pad) = zeros.get(..align(at) - at) {
            if !pad.is_empty() {
                self.put_slice(pad);
            }
        }
    }

    /// Appends one attribute whose payload has a size known at compile time (every
    /// fixed-size kernel struct), padded.
    #[inline(always)]
    fn attr_fixed<const N: usize>(&mut self, kind: u16, payload: &[u8; N]) {
        let total = NLA_HDRLEN + N;
        let Ok(nla_len) = u16::try_from(total) else {
            self.fail(Error::NestTooLong { kind, len: total });
            return;
        };
        self.put2(&nla_header(nla_len, kind), payload);
        if !N.is_multiple_of(4) {
            self.pad();
        }
    }

    /// Appends one attribute with the given payload, padded.
    #[inline]
    fn attr(&mut self, kind: u16, payload: &[u8]) {
        let total = payload.len().saturating_add(NLA_HDRLEN);
        let Ok(nla_len) = u16::try_from(total) else {
            self.fail(Error::NestTooLong { kind, len: total });
            return;
        };
        self.put(&nla_header(nla_len, kind));
        self.put_slice(payload);
        self.pad();
    }

    /// Appends a `u8` attribute.
    #[inline(always)]
    fn attr_u8(&mut self, kind: u16, v: u8) {
        self.attr_fixed(kind, &[v]);
    }

    /// Appends a native-endian `u32` attribute.
    #[inline(always)]
    fn attr_u32(&mut self, kind: u16, v: u32) {
        self.attr_fixed(kind, &v.to_ne_bytes());
    }

    /// Appends a NUL-terminated string attribute, refusing one longer than `max` bytes or
    /// with a NUL inside (the kernel would read a shorter string than meant).
    fn attr_str(&mut self, kind: u16, field: Field, s: &str, max: usize) {
        if Self::CHECKS {
            if s.as_bytes().contains(&0) {
                self.fail(Error::BadString { kind });
                return;
            }
            if s.len() > max {
                self.fail(Error::ValueTooLong {
                    field,
                    len: s.len(),
                    max,
                });
                return;
            }
        }
        let total = s.len().saturating_add(NLA_HDRLEN + 1);
        let Ok(nla_len) = u16::try_from(total) else {
            self.fail(Error::NestTooLong { kind, len: total });
            return;
        };
        self.put(&nla_header(nla_len, kind));
        self.put_slice(s.as_bytes());
        self.put(&[0]);
        self.pad();
    }

    /// Opens a nest: writes its header now, fixes its length at [`nest_end`](Self::nest_end).
    #[inline(always)]
    fn nest_start(&mut self, kind: u16) -> Nest {
        let start = self.position();
        self.put(&nla_header(0, kind));
        Nest { kind, start }
    }

    /// Closes a nest; a nest over 65,535 bytes is an error ([`Error::NestTooLong`]).
    #[inline(always)]
    fn nest_end(&mut self, nest: Nest) {
        let len = self.position().wrapping_sub(nest.start);
        let Ok(nla_len) = u16::try_from(len) else {
            self.fail(Error::NestTooLong {
                kind: nest.kind,
                len,
            });
            return;
        };
        self.patch(nest.start, nla_len.to_ne_bytes());
    }

    /// Opens a message (after padding to a 4-byte boundary): writes its header now, fixes
    /// `nlmsg_len` at [`message_end`](Self::message_end).
    #[inline(always)]
    fn message_start(
        &mut self,
        message_type: u16,
        flags: NlmFlags,
        seq: u32,
        pid: u32,
    ) -> MessageStart {
        self.pad();
        let start = self.position();
        let mut header = [0u8; NlmsgHeader::LEN];
        NlmsgHeader {
            len: 0,
            message_type,
            flags,
            seq,
            pid,
        }
        .emit(&mut header);
        self.put(&header);
        MessageStart { start }
    }

    /// Closes a message, fixing its `nlmsg_len`.
    #[inline(always)]
    fn message_end(&mut self, msg: MessageStart) {
        let len = self.position().wrapping_sub(msg.start);
        let Ok(nlmsg_len) = u32::try_from(len) else {
            self.fail(Error::MessageTooLong { len });
            return;
        };
        self.patch(msg.start, nlmsg_len.to_ne_bytes());
    }
}

/// A message that encodes itself through any [`Sink`]: what [`measure`] and [`encode`]
/// take.
pub trait Emit {
    /// Writes the whole message.
    fn emit<S: Sink>(&self, w: &mut S);

    /// At least as many bytes as [`emit`](Self::emit) writes, whatever the values in the
    /// message (`None` past `usize`): cheap to compute, so that [`encode`] can skip the size
    /// pass when the buffer is large enough anyway.
    fn max_len(&self) -> Option<usize>;
}

/// The bytes [`encode`] needs for `msg`, or the error it would give.
#[inline]
pub fn measure<M: Emit + ?Sized>(msg: &M) -> Result<usize, Error> {
    let mut counter = Counter::new();
    msg.emit(&mut counter);
    counter.finish()
}

/// Encodes `msg` into the start of `buf`; returns the bytes written. Errors: invalid input,
/// or [`Error::BufferTooSmall`] with the size needed, in which case `buf` is untouched. After
/// an error for invalid input `buf`'s contents are unspecified.
///
/// When the buffer holds the message's upper bound ([`Emit::max_len`]) this is one checking
/// [`Filler`] pass, inlined into the caller so that the filler's place stays in a register
/// and what the caller knows of the message (which settings are given, the buffer's size)
/// folds into the stores; it needs nothing else of `msg`, so a caller whose buffer is known
/// to be large enough keeps no copy of it. A smaller buffer goes out of line, to
/// [`encode_measured`].
#[inline(always)]
pub fn encode<M: Emit + ?Sized>(msg: &M, buf: &mut [u8]) -> Result<usize, Error> {
    if msg.max_len().is_some_and(|max| max <= buf.len()) {
        let mut filler = Filler::<true>::new(buf);
        msg.emit(&mut filler);
        return filler.finish();
    }
    encode_measured(msg, buf)
}

/// [`encode`] for a buffer that may be too small: a [`Counter`] pass measures and checks,
/// the buffer is checked against the exact size (and left untouched when short), and a
/// non-checking [`Filler`] pass writes.
#[cold]
#[inline(never)]
pub fn encode_measured<M: Emit + ?Sized>(msg: &M, buf: &mut [u8]) -> Result<usize, Error> {
    let available = buf.len();
    let needed = measure(msg)?;
    let Some(out) = buf.get_mut(..needed) else {
        return Err(Error::BufferTooSmall { needed, available });
    };
    // The checks passed in the size pass.
    let mut filler = Filler::<false>::new(out);
    msg.emit(&mut filler);
    filler.finish()
}

/// The size pass: checks the input and counts the bytes, storing nothing.
#[derive(Debug, Default)]
pub struct Counter {
    len: usize,
    error: Option<Error>,
}

impl Counter {
    /// A counter at 0.
    pub const fn new() -> Self {
        Counter {
            len: 0,
            error: None,
        }
    }

    /// The bytes counted, or the first error recorded.
    pub fn finish(self) -> Result<usize, Error> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.len),
        }
    }
}

impl Sink for Counter {
    const CHECKS: bool = true;

    #[inline]
    fn position(&self) -> usize {
        self.len
    }

    #[inline]
    fn put<const N: usize>(&mut self, _: &[u8; N]) {
        self.len = self.len.saturating_add(N);
    }

    #[inline]
    fn put_slice(&mut self, bytes: &[u8]) {
        self.len = self.len.saturating_add(bytes.len());
    }

    #[inline]
    fn patch<const N: usize>(&mut self, _: usize, _: [u8; N]) {}

    #[inline]
    fn fail(&mut self, e: Error) {
        self.error.get_or_insert(e);
    }
}

/// The write pass: stores into a buffer that [`encode`] made sure is large enough, keeping
/// its place in a register once inlined. `CHECKS` says whether the input still needs
/// checking; the first failed check is kept, as [`Counter`] keeps it, and named by
/// `finish`. Every store is bounds-checked without a panic path: past the
/// buffer's end (a wrong size estimate) the filler stores nothing and keeps counting.
#[derive(Debug)]
pub struct Filler<'b, const CHECKS: bool> {
    buf: &'b mut [u8],
    at: usize,
    error: Option<Error>,
}

impl<'b, const CHECKS: bool> Filler<'b, CHECKS> {
    /// A filler at the start of `buf`.
    #[inline(always)]
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Filler {
            buf,
            at: 0,
            error: None,
        }
    }

    /// The bytes written, or the first error recorded, or [`Error::BufferTooSmall`] with the
    /// size needed past the buffer's end.
    #[inline(always)]
    pub(crate) fn finish(self) -> Result<usize, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.at > self.buf.len() {
            return Err(Error::BufferTooSmall {
                needed: self.at,
                available: self.buf.len(),
            });
        }
        Ok(self.at)
    }

    #[inline(always)]
    fn slot<const N: usize>(&mut self) -> Option<&mut [u8; N]> {
        let at = self.at;
        self.at = at.wrapping_add(N);
        self.buf
            .get_mut(at..)
            .and_then(|b| b.first_chunk_mut::<N>())
    }
}

impl<const CHECKS: bool> Sink for Filler<'_, CHECKS> {
    const CHECKS: bool = CHECKS;

    #[inline(always)]
    fn position(&self) -> usize {
        self.at
    }

    #[inline(always)]
    fn put<const N: usize>(&mut self, bytes: &[u8; N]) {
        if let Some(out) = self.slot::<N>() {
            *out = *bytes;
        }
    }

    #[inline(always)]
    fn put2<const A: usize, const B: usize>(&mut self, a: &[u8; A], b: &[u8; B]) {
        let at = self.at;
        self.at = at.wrapping_add(A).wrapping_add(B);
        if let Some((head, tail)) = self
            .buf
            .get_mut(at..)
            .and_then(|rest| rest.get_mut(..A.wrapping_add(B)))
            .and_then(|both| both.split_first_chunk_mut::<A>())
        {
            *head = *a;
            if let Some(tail) = tail.first_chunk_mut::<B>() {
                *tail = *b;
            }
        }
    }

    #[inline(always)]
    fn put_slice(&mut self, bytes: &[u8]) {
        let end = self.at.wrapping_add(bytes.len());
        if let Some(out) = self.buf.get_mut(self.at..end) {
            out.copy_from_slice(bytes);
        }
        self.at = end;
    }

    #[inline(always)]
    fn patch<const N: usize>(&mut self, at: usize, bytes: [u8; N]) {
        if let Some(out) = self
            .buf
            .get_mut(at..)
            .and_then(|b| b.first_chunk_mut::<N>())
        {
            *out = bytes;
        }
    }

    #[inline(always)]
    fn fail(&mut self, e: Error) {
        self.error.get_or_insert(e);
    }
}

/// Writes netlink messages and attributes into a caller's buffer in one pass.
///
/// Errors are sticky and reported once, by [`finish`](Writer::finish): write a whole message,
/// then check. When the buffer is too small the writer stops writing but keeps counting, so
/// the error says how many bytes the message needs; a writer made with
/// [`Writer::counting`] only counts. On error the buffer's contents are unspecified.
/// The attribute and nest helpers come from [`Sink`].
#[derive(Debug)]
pub struct Writer<'b> {
    buf: &'b mut [u8],
    len: usize,
    overflow: bool,
    error: Option<Error>,
}

impl<'b> Writer<'b> {
    /// A writer that fills `buf` from its start.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Writer {
            buf,
            len: 0,
            overflow: false,
            error: None,
        }
    }

    /// A writer with no buffer, to measure how many bytes an encoding needs.
    pub fn counting() -> Writer<'static> {
        Writer {
            buf: &mut [],
            len: 0,
            overflow: false,
            error: None,
        }
    }

    /// Bytes written (or, past an overflow, that would have been written) so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reserves `n` bytes and returns them zeroed, or `None` (and counts them) when they do
    /// not fit.
    pub fn reserve(&mut self, n: usize) -> Option<&mut [u8]> {
        let start = self.len;
        self.len = start.saturating_add(n);
        // Checked slicing, here and below: the writer has no panic path at all.
        let out = match self.overflow {
            false => self.buf.get_mut(start..).and_then(|b| b.get_mut(..n)),
            true => None,
        };
        match out {
            Some(out) => {
                out.fill(0);
                Some(out)
            }
            None => {
                self.overflow = true;
                None
            }
        }
    }

    /// Appends raw bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.put_slice(b);
    }

    /// Appends one attribute whose payload `fill` writes into `payload_len` zeroed bytes,
    /// then pads it.
    pub fn attr_with(&mut self, kind: u16, payload_len: usize, fill: impl FnOnce(&mut [u8])) {
        let total = payload_len.saturating_add(NLA_HDRLEN);
        let Ok(nla_len) = u16::try_from(total) else {
            self.fail(Error::NestTooLong { kind, len: total });
            return;
        };
        if let Some((header, payload)) = self
            .reserve(total)
            .and_then(|out| out.split_first_chunk_mut::<NLA_HDRLEN>())
        {
            *header = nla_header(nla_len, kind);
            fill(payload);
        }
        self.pad();
    }

    /// Ends writing: the number of bytes written, or the first error recorded, or
    /// [`Error::BufferTooSmall`] with the size needed.
    pub fn finish(self) -> Result<usize, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.overflow {
            return Err(Error::BufferTooSmall {
                needed: self.len,
                available: self.buf.len(),
            });
        }
        Ok(self.len)
    }
}

impl Sink for Writer<'_> {
    const CHECKS: bool = true;

    fn position(&self) -> usize {
        self.len
    }

    fn put<const N: usize>(&mut self, bytes: &[u8; N]) {
        self.put_slice(bytes);
    }

    fn put_slice(&mut self, bytes: &[u8]) {
        if let Some(out) = self.reserve(bytes.len()) {
            // Always equal; the check lets the copy compile without a panic path.
            if out.len() == bytes.len() {
                out.copy_from_slice(bytes);
            }
        }
    }

    /// Unless the bytes were never written.
    fn patch<const N: usize>(&mut self, at: usize, bytes: [u8; N]) {
        if self.overflow {
            return;
        }
        if let Some(out) = self
            .buf
            .get_mut(at..)
            .and_then(|b| b.first_chunk_mut::<N>())
        {
            *out = bytes;
        }
    }

    fn fail(&mut self, e: Error) {
        self.error.get_or_insert(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Hand-built: IFLA_IFNAME "va" (len 7 + 1 pad), then IFLA_MTU 1500.
    static TWO: [u8; 16] = [
        0x07, 0x00, 0x03, 0x00, b'v', b'a', 0x00, 0x00, 0x08, 0x00, 0x04, 0x00, 0xdc, 0x05, 0x00,
        0x00,
    ];

    #[test]
    fn read_two() {
        let attrs: Result<heapless::Vec<Attr, 4>, _> = AttrIter::new(&TWO, 16).collect();
        let attrs = attrs.unwrap();
        assert_eq!(attrs.len(), 2);
        assert_eq!(attrs[0].kind(), 3);
        assert_eq!(attrs[0].str(), Ok("va"));
        assert_eq!(attrs[0].offset(), 16);
        assert_eq!(attrs[1].u32(), Ok(1500));
        assert_eq!(attrs[1].offset(), 24);
    }

    #[test]
    fn write_two_matches() {
        let mut buf = [0xa5u8; 16];
        let mut w = Writer::new(&mut buf);
        w.attr_str(3, Field::IfName, "va", 15);
        w.attr_u32(4, 1500);
        assert_eq!(w.finish(), Ok(16));
        assert_eq!(buf, TWO);
    }

    #[test]
    fn short_buffer_reports_needed() {
        let mut buf = [0u8; 10];
        let mut w = Writer::new(&mut buf);
        w.attr_str(3, Field::IfName, "va", 15);
        w.attr_u32(4, 1500);
        assert_eq!(
            w.finish(),
            Err(Error::BufferTooSmall {
                needed: 16,
                available: 10
            })
        );
        let mut c = Writer::counting();
        c.attr_str(3, Field::IfName, "va", 15);
        assert_eq!(
            c.finish(),
            Err(Error::BufferTooSmall {
                needed: 8,
                available: 0
            })
        );
    }

    #[test]
    fn nest_too_long_is_an_error_not_a_panic() {
        let mut w = Writer::counting();
        let n = w.nest_start(22);
        for _ in 0..2000 {
            w.attr(1, &[0u8; 36]);
        }
        w.nest_end(n);
        assert_eq!(
            w.finish(),
            Err(Error::NestTooLong {
                kind: 22,
                len: 4 + 2000 * 40
            })
        );
    }

    #[test]
    fn string_too_long() {
        let mut w = Writer::counting();
        w.attr_str(3, Field::IfName, "sixteen-chars-xx", 15);
        assert_eq!(
            w.finish(),
            Err(Error::ValueTooLong {
                field: Field::IfName,
                len: 16,
                max: 15
            })
        );
    }

    #[test]
    fn malformed() {
        let mut short = TWO;
        short[0] = 3;
        assert_eq!(
            AttrIter::new(&short, 0).next(),
            Some(Err(Error::BadAttrLength { kind: 3, len: 3 }))
        );
        let mut long = TWO;
        long[8] = 12;
        let mut it = AttrIter::new(&long, 0);
        assert!(it.next().unwrap().is_ok());
        assert_eq!(
            it.next(),
            Some(Err(Error::AttrPastEnd {
                kind: 4,
                len: 12,
                available: 8
            }))
        );
        assert_eq!(it.next(), None);
        assert_eq!(
            AttrIter::new(&TWO[..10], 0).nth(1),
            Some(Err(Error::Misaligned { offset: 8, len: 2 }))
        );
    }
}
