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

/// 1 to `max_digits` (at most 8) hex digits.
fn hex(s: &[u8], max_digits: usize, part: PciPart) -> Result<u32, Error> {
    if s.is_empty() || s.len() > max_digits {
        return Err(Error::BadPciAddress { part });
    }
    s.iter().try_fold(0u32, |n, &b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return Err(Error::BadPciAddress { part }),
        };
        Ok(n << 4 | u32::from(d))
    })
}

/// `s` split around its last `sep`.
fn rsplit_once(s: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let at = s.iter().rposition(|&b| b == sep)?;
    let (head, tail) = s.split_at_checked(at)?;
    Some((head, tail.get(1..)?))
}

/// The digit for the low nibble of `n`.
fn hex_digit(n: u32) -> u8 {
    b"0123456789abcdef"
        .get((n & 0xf) as usize)
        .copied()
        .unwrap_or(b'0')
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

    /// Writes the canonical text (`0000:06:02.1`, what [`Display`](fmt::Display) prints)
    /// into `out` and returns it: the same text without `core::fmt`, which a C caller's
    /// binary then need not carry.
    ///
    /// ```
    /// use vfnl::pci::{PciAddress, PCI_ADDRESS_MAX_LEN};
    /// let mut buf = [0; PCI_ADDRESS_MAX_LEN];
    /// let vmd = PciAddress { domain: 0x10000, bus: 0xe1, slot: 0x1f, function: 7 };
    /// assert_eq!(vmd.format_into(&mut buf), "10000:e1:1f.7");
    /// ```
    pub fn format_into<'b>(&self, out: &'b mut [u8; PCI_ADDRESS_MAX_LEN]) -> &'b str {
        // At least 4 domain digits, more when it needs them (up to 8).
        let domain_digits = (8 - self.domain.leading_zeros() as usize / 4).max(4);
        let mut len = 0;
        let mut put = |b: u8| {
            if let Some(slot) = out.get_mut(len) {
                *slot = b;
                len += 1;
            }
        };
        for i in (0..domain_digits).rev() {
            put(hex_digit(self.domain >> (4 * i)));
        }
        put(b':');
        put(hex_digit(u32::from(self.bus >> 4)));
        put(hex_digit(u32::from(self.bus)));
        put(b':');
        put(hex_digit(u32::from(self.slot >> 4)));
        put(hex_digit(u32::from(self.slot)));
        put(b'.');
        put(hex_digit(u32::from(self.function)));
        // All ASCII: the conversion cannot fail.
        core::str::from_utf8(out.get(..len).unwrap_or_default()).unwrap_or_default()
    }
}

impl FromStr for PciAddress {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let format = Error::BadPciAddress {
            part: PciPart::Format,
        };
        let (rest, function) = rsplit_once(s.as_bytes(), b'.').ok_or(format)?;
        let (rest, slot) = rsplit_once(rest, b':').ok_or(format)?;
        let (domain, bus) = match rsplit_once(rest, b':') {
            Some((domain, bus)) => (hex(domain, 8, PciPart::Domain)?, bus),
            None => (0, rest),
        };
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
        f.write_str(self.format_into(&mut [0; PCI_ADDRESS_MAX_LEN]))
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
