//! The link message header (`struct ifinfomsg`) that follows `nlmsghdr` in RTM_*LINK messages.
//!
//! Mirrors `include/uapi/linux/rtnetlink.h`. Fixed size; parsing checks only the length.

use crate::error::Error;
use crate::nlmsg::{read_u16, read_u32};
use bitflags::bitflags;

bitflags! {
    /// `ifi_flags` (`IFF_*` from `if.h`). Unknown bits are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct IffFlags: u32 {
        /// `IFF_UP`: administratively up.
        const UP = 0x1;
        /// `IFF_BROADCAST`.
        const BROADCAST = 0x2;
        /// `IFF_DEBUG`.
        const DEBUG = 0x4;
        /// `IFF_LOOPBACK`.
        const LOOPBACK = 0x8;
        /// `IFF_POINTOPOINT`.
        const POINTOPOINT = 0x10;
        /// `IFF_NOTRAILERS`.
        const NOTRAILERS = 0x20;
        /// `IFF_RUNNING`: operationally up.
        const RUNNING = 0x40;
        /// `IFF_NOARP`.
        const NOARP = 0x80;
        /// `IFF_PROMISC`.
        const PROMISC = 0x100;
        /// `IFF_ALLMULTI`.
        const ALLMULTI = 0x200;
        /// `IFF_MASTER`.
        const MASTER = 0x400;
        /// `IFF_SLAVE`.
        const SLAVE = 0x800;
        /// `IFF_MULTICAST`.
        const MULTICAST = 0x1000;
        /// `IFF_PORTSEL`.
        const PORTSEL = 0x2000;
        /// `IFF_AUTOMEDIA`.
        const AUTOMEDIA = 0x4000;
        /// `IFF_DYNAMIC`.
        const DYNAMIC = 0x8000;
        /// `IFF_LOWER_UP`: carrier present.
        const LOWER_UP = 0x10000;
        /// `IFF_DORMANT`.
        const DORMANT = 0x20000;
        /// `IFF_ECHO`.
        const ECHO = 0x40000;
    }
}

/// `struct ifinfomsg`, 16 bytes, native-endian.
///
/// ```text
///  0      1      2             4             8             12            16
/// +------+------+-------------+-------------+-------------+-------------+
/// |family| pad  | ifi_type    | ifi_index   | ifi_flags   | ifi_change  |
/// +------+------+-------------+-------------+-------------+-------------+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IfInfoMsg {
    /// `ifi_family`: `AF_UNSPEC` (0) for link messages.
    pub family: u8,
    /// `ifi_type`: `ARPHRD_*` (1 Ethernet, 32 InfiniBand, 772 loopback).
    pub link_type: u16,
    /// `ifi_index`: the interface index; 0 in a request that names the link by `IFLA_IFNAME`.
    pub index: i32,
    /// `ifi_flags`.
    pub flags: IffFlags,
    /// `ifi_change`: which flags a request changes.
    pub change: u32,
}

mod field {
    pub const FAMILY: usize = 0;
    pub const TYPE: usize = 2;
    pub const INDEX: usize = 4;
    pub const FLAGS: usize = 8;
    pub const CHANGE: usize = 12;
}

impl IfInfoMsg {
    /// Size on the wire.
    pub const LEN: usize = 16;

    /// A header for a request about the link with index `index` (0: named by attribute).
    #[inline(always)]
    pub const fn request(index: i32) -> Self {
        IfInfoMsg {
            family: 0,
            link_type: 0,
            index,
            flags: IffFlags::empty(),
            change: 0,
        }
    }

    /// Reads the header from the first 16 bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() < Self::LEN {
            return Err(Error::Truncated {
                needed: Self::LEN,
                available: bytes.len(),
            });
        }
        Ok(IfInfoMsg {
            family: bytes[field::FAMILY],
            link_type: read_u16(bytes, field::TYPE),
            index: read_u32(bytes, field::INDEX) as i32,
            flags: IffFlags::from_bits_retain(read_u32(bytes, field::FLAGS)),
            change: read_u32(bytes, field::CHANGE),
        })
    }

    /// Writes the header into 16 bytes (the pad byte zeroed).
    #[inline(always)]
    pub fn emit(&self, out: &mut [u8; Self::LEN]) {
        out[field::FAMILY] = self.family;
        out[1] = 0;
        out[field::TYPE..field::TYPE + 2].copy_from_slice(&self.link_type.to_ne_bytes());
        out[field::INDEX..field::INDEX + 4].copy_from_slice(&self.index.to_ne_bytes());
        out[field::FLAGS..field::FLAGS + 4].copy_from_slice(&self.flags.bits().to_ne_bytes());
        out[field::CHANGE..field::CHANGE + 4].copy_from_slice(&self.change.to_ne_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_short() {
        let h = IfInfoMsg {
            family: 0,
            link_type: 1,
            index: 7,
            flags: IffFlags::UP | IffFlags::from_bits_retain(0x8000_0000),
            change: 0xffff_ffff,
        };
        let mut out = [0xa5; 16];
        h.emit(&mut out);
        assert_eq!(out[1], 0);
        assert_eq!(IfInfoMsg::parse(&out), Ok(h));
        assert_eq!(
            IfInfoMsg::parse(&out[..15]),
            Err(Error::Truncated {
                needed: 16,
                available: 15
            })
        );
    }
}
