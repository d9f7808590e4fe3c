//! Errors as data.
//!
//! Every way an encode or a decode can fail is a variant here, carrying the numbers a caller
//! needs to act on it (the size a buffer must have, the attribute that was malformed, the value
//! that was out of range). Nothing in this crate panics on bad input and nothing truncates
//! silently: if a value cannot be represented on the wire, or bytes cannot be trusted, the
//! caller gets one of these.

use core::fmt;

/// What a length or range error is about, where an attribute number alone would not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// An interface name (`IFLA_IFNAME`, at most 15 bytes plus NUL).
    IfName,
    /// An 802.1Qbh port profile name (`IFLA_PORT_PROFILE`, at most 39 bytes plus NUL).
    PortProfile,
    /// A hardware address (`IFLA_VF_MAC`, 1 to 32 bytes).
    Mac,
}

/// A failure to encode or decode an rtnetlink message.
///
/// Attribute numbers (`kind`) are the kernel's, with the `NLA_F_NESTED` and
/// `NLA_F_NET_BYTEORDER` bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The output buffer is too small; `needed` bytes would hold the whole message.
    BufferTooSmall {
        /// Bytes the encoding needs.
        needed: usize,
        /// Bytes the caller provided.
        available: usize,
    },
    /// The input ends before a fixed-size header does.
    Truncated {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes there are.
        available: usize,
    },
    /// A netlink message header whose `nlmsg_len` is below the header size or past the end of
    /// the received bytes.
    BadMessageLength {
        /// The `nlmsg_len` read.
        len: u32,
        /// Bytes left in the datagram at that message.
        available: usize,
    },
    /// An attribute header whose `nla_len` is below the 4-byte header itself.
    BadAttrLength {
        /// Attribute number.
        kind: u16,
        /// The `nla_len` read.
        len: u16,
    },
    /// A top-level attribute whose `nla_len` runs past the end of the message.
    AttrPastEnd {
        /// Attribute number.
        kind: u16,
        /// The `nla_len` read.
        len: u16,
        /// Bytes left in the message at that attribute.
        available: usize,
    },
    /// A nested attribute whose `nla_len` runs past the end of the nest that holds it.
    NestPastParent {
        /// Attribute number.
        kind: u16,
        /// The `nla_len` read.
        len: u16,
        /// Bytes left in the parent nest at that attribute.
        available: usize,
    },
    /// One to three bytes are left after the last attribute: too few for a header, so the
    /// container is not a whole number of 4-byte aligned attributes.
    Misaligned {
        /// Offset of the stray bytes inside the container.
        offset: usize,
        /// How many stray bytes there are.
        len: usize,
    },
    /// A typed attribute whose payload does not have the size its kernel struct has.
    BadPayloadLength {
        /// Attribute number.
        kind: u16,
        /// Payload bytes present.
        len: usize,
        /// Payload bytes the struct has (for strings: the most allowed).
        expected: usize,
    },
    /// A string attribute that is not NUL-terminated UTF-8.
    BadString {
        /// Attribute number.
        kind: u16,
    },
    /// A value longer than its field allows (no silent truncation).
    ValueTooLong {
        /// Which field.
        field: Field,
        /// Bytes given.
        len: usize,
        /// Most bytes allowed (excluding any NUL terminator).
        max: usize,
    },
    /// A hardware address of length 0 or over 32 bytes.
    BadMacLength {
        /// Bytes given.
        len: usize,
    },
    /// A nest that grew past what the 16-bit `nla_len` can describe.
    NestTooLong {
        /// Attribute number of the nest.
        kind: u16,
        /// Bytes the nest would span.
        len: usize,
    },
    /// A whole message that grew past what the 32-bit `nlmsg_len` can describe.
    MessageTooLong {
        /// Bytes the message would span.
        len: usize,
    },
    /// A VLAN id above 4095 (the kernel answers EINVAL).
    VlanOutOfRange {
        /// The id given.
        vlan: u32,
    },
    /// An 802.1p priority above 7 (the kernel answers EINVAL).
    QosOutOfRange {
        /// The priority given.
        qos: u32,
    },
    /// A VLAN protocol other than 802.1Q or 802.1ad (the kernel answers EPROTONOSUPPORT).
    VlanProtoUnsupported {
        /// The protocol given, in host order.
        proto: u16,
    },
    /// A non-zero maximum rate below the minimum (the kernel answers EINVAL).
    RateMaxBelowMin {
        /// Minimum rate, Mbit/s.
        min: u32,
        /// Maximum rate, Mbit/s.
        max: u32,
    },
    /// An attribute the kernel reports but rejects on set (`IFLA_VF_BROADCAST`,
    /// `IFLA_VF_STATS`, `IFLA_PORT_RESPONSE`): replaying a dump verbatim would fail.
    NotSettable {
        /// Attribute number.
        kind: u16,
    },
    /// An `IFLA_VF_VLAN_LIST` with other than exactly one entry (the kernel's
    /// `MAX_VLAN_LIST_LEN` is 1: more is EOPNOTSUPP, none is EINVAL).
    BadVlanList {
        /// Entries found.
        count: usize,
    },
    /// An interface index of 0 or above `i32::MAX` (0 would make the kernel look for a name).
    BadIfIndex {
        /// The index given.
        index: u32,
    },
    /// A PCI address that does not parse.
    BadPciAddress {
        /// Which part is wrong.
        part: crate::pci::PciPart,
    },
    /// Port number 0 (ports are numbered from 1).
    BadPortNumber {
        /// The number given.
        port: u8,
    },
    /// A port number given twice.
    DuplicatePort {
        /// The port.
        port: u8,
    },
    /// More ports than [`MAX_PORTS`](crate::port::MAX_PORTS).
    TooManyPorts {
        /// The capacity.
        max: usize,
    },
    /// An assignment names a port the port map does not have.
    UnknownPort {
        /// The port.
        port: u8,
    },
    /// A reply about another netdev than the port's PF netdev.
    WrongLink {
        /// The port's ifindex.
        expected: u32,
        /// The reply's ifindex.
        found: u32,
    },
    /// The reply's VF list has no entry for the VF.
    VfNotInReply {
        /// The VF index.
        vf: u32,
    },
    /// A restore from a snapshot with a port never captured.
    SnapshotIncomplete {
        /// The port.
        port: u8,
    },
    /// A serialized snapshot that fails a check.
    BadSnapshot {
        /// Which check.
        fault: crate::snapshot::SnapshotFault,
    },
    /// A SETLINK that would carry nothing for the kernel to do.
    EmptyRequest,
    /// A VF entry with no setting at all (the kernel answers EINVAL).
    EmptyVfConfig {
        /// The VF index.
        vf: u32,
    },
    /// An `IFLA_VF_INFO` with no attribute that names its VF.
    MissingVfIndex,
    /// Two attributes of one `IFLA_VF_INFO` name different VFs.
    VfIndexMismatch {
        /// VF named by the first attribute.
        first: u32,
        /// VF named by a later one.
        other: u32,
    },
    /// Fewer VFs in `IFLA_VFINFO_LIST` than `IFLA_NUM_VF` reports: the list was cut short
    /// (the kernel's 64 KiB attribute limit, or a truncated reply).
    VfListTruncated {
        /// VFs the link reports.
        num_vf: u32,
        /// VF entries present.
        found: u32,
    },
    /// `IFLA_VFINFO_LIST` overflowed the 16-bit `nla_len` and wrapped: VF entries follow the
    /// list as stray top-level attributes. The VF data cannot be trusted.
    VfListWrapped,
    /// A message of another type than the one asked for.
    UnexpectedMessageType {
        /// Type wanted.
        expected: u16,
        /// Type found.
        found: u16,
    },
    /// A reply whose sequence number belongs to no request in flight.
    UnexpectedSequence {
        /// Sequence number wanted.
        expected: u32,
        /// Sequence number found.
        found: u32,
    },
    /// A message after the `NLMSG_DONE` that ended a dump.
    MessageAfterDone,
    /// The kernel reported that it dropped messages (`NLMSG_OVERRUN`).
    Overrun,
    /// The kernel answered with an error (a positive errno, e.g. 95 for EOPNOTSUPP).
    Kernel {
        /// The errno.
        errno: i32,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::BufferTooSmall { needed, available } => {
                write!(
                    f,
                    "buffer too small: {needed} bytes needed, {available} given"
                )
            }
            Error::Truncated { needed, available } => {
                write!(
                    f,
                    "truncated: header needs {needed} bytes, {available} present"
                )
            }
            Error::BadMessageLength { len, available } => {
                write!(f, "bad nlmsg_len {len} ({available} bytes present)")
            }
            Error::BadAttrLength { kind, len } => {
                write!(
                    f,
                    "attribute {kind}: nla_len {len} is below the header size"
                )
            }
            Error::AttrPastEnd {
                kind,
                len,
                available,
            } => write!(
                f,
                "attribute {kind}: nla_len {len} runs past the message ({available} bytes left)"
            ),
            Error::NestPastParent {
                kind,
                len,
                available,
            } => write!(
                f,
                "attribute {kind}: nla_len {len} runs past its nest ({available} bytes left)"
            ),
            Error::Misaligned { offset, len } => {
                write!(
                    f,
                    "{len} stray bytes at offset {offset}: attributes misaligned"
                )
            }
            Error::BadPayloadLength {
                kind,
                len,
                expected,
            } => write!(
                f,
                "attribute {kind}: payload of {len} bytes, expected {expected}"
            ),
            Error::BadString { kind } => {
                write!(f, "attribute {kind}: not a NUL-terminated UTF-8 string")
            }
            Error::ValueTooLong { field, len, max } => {
                write!(f, "{field:?} of {len} bytes is longer than {max}")
            }
            Error::BadMacLength { len } => {
                write!(f, "hardware address of {len} bytes (1 to 32 allowed)")
            }
            Error::NestTooLong { kind, len } => {
                write!(f, "nest {kind} of {len} bytes exceeds 65535")
            }
            Error::MessageTooLong { len } => write!(f, "message of {len} bytes is too long"),
            Error::VlanOutOfRange { vlan } => write!(f, "VLAN {vlan} out of range 0..=4095"),
            Error::QosOutOfRange { qos } => write!(f, "qos {qos} out of range 0..=7"),
            Error::VlanProtoUnsupported { proto } => {
                write!(
                    f,
                    "VLAN protocol {proto:#06x} is neither 802.1Q nor 802.1ad"
                )
            }
            Error::RateMaxBelowMin { min, max } => {
                write!(f, "max rate {max} is below min rate {min}")
            }
            Error::NotSettable { kind } => {
                write!(
                    f,
                    "attribute {kind} is reported by the kernel but cannot be set"
                )
            }
            Error::BadVlanList { count } => {
                write!(f, "VLAN list with {count} entries (exactly 1 allowed)")
            }
            Error::BadIfIndex { index } => write!(f, "bad interface index {index}"),
            Error::BadPciAddress { part } => write!(f, "bad PCI address ({part:?})"),
            Error::BadPortNumber { port } => write!(f, "bad port number {port} (from 1)"),
            Error::DuplicatePort { port } => write!(f, "port {port} given twice"),
            Error::TooManyPorts { max } => write!(f, "more than {max} ports"),
            Error::UnknownPort { port } => write!(f, "port {port} is not in the port map"),
            Error::WrongLink { expected, found } => {
                write!(f, "reply is about ifindex {found}, expected {expected}")
            }
            Error::VfNotInReply { vf } => write!(f, "VF {vf} is not in the reply"),
            Error::SnapshotIncomplete { port } => write!(f, "port {port} was never captured"),
            Error::BadSnapshot { fault } => write!(f, "bad snapshot: {fault:?}"),
            Error::EmptyRequest => f.write_str("request carries no settings"),
            Error::EmptyVfConfig { vf } => write!(f, "VF {vf}: no setting given"),
            Error::MissingVfIndex => f.write_str("IFLA_VF_INFO without a VF index"),
            Error::VfIndexMismatch { first, other } => {
                write!(f, "IFLA_VF_INFO names VF {first} and VF {other}")
            }
            Error::VfListTruncated { num_vf, found } => {
                write!(f, "VF list truncated: {found} entries for {num_vf} VFs")
            }
            Error::VfListWrapped => f.write_str("VF list length wrapped at 64 KiB"),
            Error::UnexpectedMessageType { expected, found } => {
                write!(f, "message type {found}, expected {expected}")
            }
            Error::UnexpectedSequence { expected, found } => {
                write!(f, "sequence number {found}, expected {expected}")
            }
            Error::MessageAfterDone => f.write_str("message after NLMSG_DONE"),
            Error::Overrun => f.write_str("kernel reported NLMSG_OVERRUN"),
            Error::Kernel { errno } => write!(f, "kernel error, errno {errno}"),
        }
    }
}

impl core::error::Error for Error {}
