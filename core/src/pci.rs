//! PCI addresses (`domain:bus:slot.function`), as sysfs and libvirt write them.
//!
//! The canonical form is `0000:06:02.1` (what `/sys/bus/pci/devices/` names a device); the
//! short form `06:02.1` (domain 0, as `lspci` prints it) is accepted on input. Domains above
//! 0xffff exist (Intel VMD) and are kept.

use crate::error::Error;
use core::fmt;
use core::str::FromStr;

/// Which part of a PCI address failed to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PciPart {
    /// Not of the form `[domain:]bus:slot.function`.
    Format,
    /// Domain: 1 to 8 hex digits.
    Domain,
    /// Bus: 1 or 2 hex digits.
    Bus,
    /// Slot (device): 1 or 2 hex digits, at most 0x1f.
    Slot,
    /// Function: one digit, at most 7.
    Function,
}

/// A PCI function's address.
///
/// ```
/// use vfnl::pci::PciAddress;
/// let a: PciAddress = "0000:06:02.1".parse().unwrap();
/// assert_eq!((a.domain, a.bus, a.slot, a.function), (0, 6, 2, 1));
/// assert_eq!(a.to_string(), "0000:06:02.1");
/// assert_eq!("06:02.1".parse::<PciAddress>().unwrap(), a);
/// assert!("0000:06:20.1".parse::<PciAddress>().is_err()); // slot 0x20 > 0x1f
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PciAddress {
    /// PCI segment (domain).
    pub domain: u32,
    /// Bus.
    pub bus: u8,
    /// Slot (device), 0..=31.
    pub slot: u8,
    /// Function, 0..=7.
    pub function: u8,
}

/// Most characters in an address's text: an 8-digit domain, `:bb:ss.f`.
pub const PCI_ADDRESS_MAX_LEN: usize = 16;

fn hex(s: &str, max_digits: usize, part: PciPart) -> Result<u32, Error> {
    let bad = Error::BadPciAddress { part };
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad);
    }
    u32::from_str_radix(s, 16).map_err(|_| bad)
}

impl PciAddress {
    /// The address with domain 0.
    pub const fn new(bus: u8, slot: u8, function: u8) -> Self {
        PciAddress {
            domain: 0,
            bus,
            slot,
            function,
        }
    }
}

impl FromStr for PciAddress {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let format = Error::BadPciAddress {
            part: PciPart::Format,
        };
        let (rest, function) = s.rsplit_once('.').ok_or(format)?;
        let mut parts = rest.rsplitn(3, ':');
        let slot = parts.next().ok_or(format)?;
        let bus = parts.next().ok_or(format)?;
        let domain = parts.next().map_or(Ok(0), |d| hex(d, 8, PciPart::Domain))?;
        let bus = hex(bus, 2, PciPart::Bus)? as u8;
        let slot = hex(slot, 2, PciPart::Slot)?;
        if slot > 0x1f {
            return Err(Error::BadPciAddress {
                part: PciPart::Slot,
            });
        }
        let function = hex(function, 1, PciPart::Function)?;
        if function > 7 {
            return Err(Error::BadPciAddress {
                part: PciPart::Function,
            });
        }
        Ok(PciAddress {
            domain,
            bus,
            slot: slot as u8,
            function: function as u8,
        })
    }
}

impl fmt::Display for PciAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04x}:{:02x}:{:02x}.{:x}",
            self.domain, self.bus, self.slot, self.function
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> Option<PciPart> {
        match s.parse::<PciAddress>() {
            Err(Error::BadPciAddress { part }) => Some(part),
            _ => None,
        }
    }

    #[test]
    fn seed_cases() {
        let a: PciAddress = "0000:00:08.4".parse().unwrap();
        assert_eq!(a, PciAddress::new(0, 8, 4));
        let b: PciAddress = "0000:06:02.0".parse().unwrap();
        assert_eq!(b.to_string(), "0000:06:02.0");
        let vmd: PciAddress = "10000:e1:1f.7".parse().unwrap();
        assert_eq!(vmd.domain, 0x10000);
        assert_eq!(vmd.to_string(), "10000:e1:1f.7");
        assert_eq!(
            "0000:0A:1F.7".parse::<PciAddress>().unwrap().to_string(),
            "0000:0a:1f.7"
        );
    }

    #[test]
    fn bad() {
        assert_eq!(err(""), Some(PciPart::Format));
        assert_eq!(err("0000:06:02"), Some(PciPart::Format));
        assert_eq!(err("06.1"), Some(PciPart::Format));
        assert_eq!(err("0:0:06:02.1"), Some(PciPart::Domain));
        assert_eq!(err("000000000:06:02.1"), Some(PciPart::Domain));
        assert_eq!(err("0000:106:02.1"), Some(PciPart::Bus));
        assert_eq!(err("0000:g6:02.1"), Some(PciPart::Bus));
        assert_eq!(err("0000:06:20.1"), Some(PciPart::Slot));
        assert_eq!(err("0000:06:+2.1"), Some(PciPart::Slot));
        assert_eq!(err("0000:06:02.8"), Some(PciPart::Function));
        assert_eq!(err("0000:06:02.10"), Some(PciPart::Function));
        assert_eq!(err("0000:06:02."), Some(PciPart::Function));
    }
}
