//! Hardware addresses that know their length.
//!
//! The kernel carries VF MACs in a 32-byte field (`MAX_ADDR_LEN`) of which only the link's
//! `addr_len` bytes count: 6 for Ethernet, 20 for InfiniBand. [`Mac`] keeps that length, so a
//! 6-byte address never compares or prints with 26 stray zero bytes.

use crate::error::{Error, Field};
use core::fmt;

/// `MAX_ADDR_LEN`: the size of the kernel's address fields.
pub const MAX_ADDR_LEN: usize = 32;
/// `ETH_ALEN`: an Ethernet address.
pub const ETH_ALEN: usize = 6;
/// `INFINIBAND_ALEN`: an IPoIB address.
pub const INFINIBAND_ALEN: usize = 20;

/// A hardware address of 1 to 32 bytes.
///
/// ```
/// use vfnl::Mac;
/// let mac: Mac = "52:54:00:01:01:01".parse().unwrap();
/// assert_eq!(mac.as_bytes(), &[0x52, 0x54, 0x00, 0x01, 0x01, 0x01]);
/// assert_eq!(mac.to_string(), "52:54:00:01:01:01");
/// assert!("52:54:00:01:01".parse::<Mac>().is_ok()); // any length 1..=32
/// assert!("52:54:0g:01:01:01".parse::<Mac>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mac {
    len: u8,
    // Bytes past `len` are always zero, so derived equality is equality of the address.
    bytes: [u8; MAX_ADDR_LEN],
}

impl Mac {
    /// An Ethernet address.
    pub const fn ethernet(b: [u8; ETH_ALEN]) -> Self {
        let mut bytes = [0u8; MAX_ADDR_LEN];
        let mut i = 0;
        while i < ETH_ALEN {
            bytes[i] = b[i];
            i += 1;
        }
        Mac {
            len: ETH_ALEN as u8,
            bytes,
        }
    }

    /// An address of `b.len()` bytes; 1 to 32 allowed.
    pub fn new(b: &[u8]) -> Result<Self, Error> {
        if b.is_empty() || b.len() > MAX_ADDR_LEN {
            return Err(Error::BadMacLength { len: b.len() });
        }
        let mut bytes = [0u8; MAX_ADDR_LEN];
        bytes[..b.len()].copy_from_slice(b);
        Ok(Mac {
            len: b.len() as u8,
            bytes,
        })
    }

    /// The first `len` bytes of a kernel's 32-byte address field (1 to 32 allowed): the same
    /// as [`Mac::new`]`(&field[..len])`, without a copy of variable length.
    ///
    /// ```
    /// use vfnl::Mac;
    /// let mut field = [0xee; 32];
    /// field[..6].copy_from_slice(&[0x52, 0x54, 0, 1, 1, 1]);
    /// assert_eq!(Mac::from_field(&field, 6), Mac::new(&field[..6]));
    /// assert!(Mac::from_field(&field, 33).is_err());
    /// ```
    #[inline]
    pub fn from_field(field: &[u8; MAX_ADDR_LEN], len: usize) -> Result<Self, Error> {
        if len == 0 || len > MAX_ADDR_LEN {
            return Err(Error::BadMacLength { len });
        }
        // Eight bytes at a time, those past `len` masked off: a few instructions a word,
        // where a copy of `len` bytes is a call to memcpy.
        let mut bytes = [0u8; MAX_ADDR_LEN];
        let (out, _) = bytes.as_chunks_mut::<8>();
        let (words, _) = field.as_chunks::<8>();
        for (i, (out, word)) in out.iter_mut().zip(words).enumerate() {
            let keep = len.saturating_sub(8 * i).min(8) as u32;
            let mask = u64::MAX.checked_shr(8 * (8 - keep)).unwrap_or(0);
            *out = (u64::from_le_bytes(*word) & mask).to_le_bytes();
        }
        Ok(Mac {
            len: len as u8,
            bytes,
        })
    }

    /// The address bytes.
    pub fn as_bytes(&self) -> &[u8] {
        // `len` is 1..=32 by construction; `get` keeps the accessor free of a panic path.
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// The address padded with zeros to the kernel's 32-byte field.
    #[inline(always)]
    pub fn to_field(&self) -> [u8; MAX_ADDR_LEN] {
        self.bytes
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Always false: an address has at least one byte. (Present for clippy's sake.)
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether every byte is zero (what drivers report for "no MAC set").
    pub fn is_zero(&self) -> bool {
        self.as_bytes().iter().all(|&b| b == 0)
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.as_bytes().iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mac({self})")
    }
}

impl core::str::FromStr for Mac {
    type Err = Error;

    /// Parses colon-separated hex bytes, each one or two digits.
    fn from_str(s: &str) -> Result<Self, Error> {
        let mut bytes = [0u8; MAX_ADDR_LEN];
        let mut len = 0;
        for part in s.split(':') {
            if len == MAX_ADDR_LEN {
                return Err(Error::ValueTooLong {
                    field: Field::Mac,
                    len: len + 1,
                    max: MAX_ADDR_LEN,
                });
            }
            if part.is_empty() || part.len() > 2 {
                return Err(Error::BadMacLength { len: 0 });
            }
            bytes[len] =
                u8::from_str_radix(part, 16).map_err(|_| Error::BadMacLength { len: 0 })?;
            len += 1;
        }
        Mac::new(&bytes[..len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(Mac::new(&[]), Err(Error::BadMacLength { len: 0 }));
        assert_eq!(Mac::new(&[0; 33]), Err(Error::BadMacLength { len: 33 }));
        let ib = Mac::new(&[0xab; INFINIBAND_ALEN]).unwrap();
        assert_eq!(ib.len(), 20);
        assert_ne!(Mac::new(&[0; 6]).unwrap(), Mac::new(&[0; 20]).unwrap());
        assert!(Mac::new(&[0; 6]).unwrap().is_zero());
    }

    #[test]
    fn from_field_is_new_of_a_prefix() {
        let mut field = [0u8; MAX_ADDR_LEN];
        for (i, b) in field.iter_mut().enumerate() {
            *b = 0xa0 + i as u8;
        }
        for len in 1..=MAX_ADDR_LEN {
            assert_eq!(
                Mac::from_field(&field, len),
                Mac::new(&field[..len]),
                "{len}"
            );
        }
        assert_eq!(
            Mac::from_field(&field, 0),
            Err(Error::BadMacLength { len: 0 })
        );
        assert_eq!(
            Mac::from_field(&field, 33),
            Err(Error::BadMacLength { len: 33 })
        );
    }

    #[test]
    fn text() {
        let too_long = "00:".repeat(32) + "00";
        assert!(too_long.parse::<Mac>().is_err());
        assert!("".parse::<Mac>().is_err());
        assert!("1:2::3".parse::<Mac>().is_err());
        assert_eq!(
            "a:b:c:d:e:f".parse::<Mac>().unwrap().to_string(),
            "0a:0b:0c:0d:0e:0f"
        );
    }
}
