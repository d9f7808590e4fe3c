//! The ports of a PCI function, each mapped to the PF netdev that configures it.
//!
//! Ports are numbered from 1, as in libvirt's `<netdev port='1'>`; sysfs's `dev_port` is
//! 0-based, so port = `dev_port` + 1 (the topology layer does that conversion). A function has
//! at most [`MAX_PORTS`] ports; asking for more is an error, not a panic.

use crate::error::{Error, Field};
use crate::ifla::IFNAME_MAX;

/// Most ports one PCI function can have here. mlx4 has 2, cxgb4 up to 4; 8 leaves room.
pub const MAX_PORTS: usize = 8;

/// An interface name, at most 15 bytes.
pub type IfName = heapless::String<IFNAME_MAX>;

/// Makes an [`IfName`], refusing one that is empty, too long or holds a NUL.
pub fn ifname(name: &str) -> Result<IfName, Error> {
    if name.is_empty() || name.contains('\0') {
        return Err(Error::BadString {
            kind: crate::ifla::IFLA_IFNAME,
        });
    }
    IfName::try_from(name).map_err(|_| Error::ValueTooLong {
        field: Field::IfName,
        len: name.len(),
        max: IFNAME_MAX,
    })
}

/// One port and the PF netdev that configures VFs on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Port {
    /// Port number, from 1.
    pub number: u8,
    /// The PF netdev's interface index.
    pub ifindex: u32,
    /// The PF netdev's name, when known (for messages and logs; requests use the ifindex).
    pub name: Option<IfName>,
}

impl Port {
    /// Port `number` configured through the PF netdev with `ifindex`.
    pub const fn new(number: u8, ifindex: u32) -> Self {
        Port {
            number,
            ifindex,
            name: None,
        }
    }

    /// The same port with the PF netdev's name.
    pub fn named(mut self, name: &str) -> Result<Self, Error> {
        self.name = Some(ifname(name)?);
        Ok(self)
    }
}

/// The ports of one PCI function, sorted by number, each number once.
///
/// ```
/// use vfnl::port::{Port, PortMap};
/// let mut ports = PortMap::new();
/// ports.add(Port::new(2, 5).named("ens6d1")?)?;
/// ports.add(Port::new(1, 4).named("ens6")?)?;
/// assert_eq!(ports.get(1).unwrap().ifindex, 4);
/// assert_eq!(ports.iter().map(|p| p.number).collect::<Vec<_>>(), [1, 2]);
/// assert!(ports.add(Port::new(2, 9)).is_err()); // port 2 is taken
/// # Ok::<(), vfnl::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortMap {
    ports: heapless::Vec<Port, MAX_PORTS>,
}

impl PortMap {
    /// No ports.
    pub const fn new() -> Self {
        PortMap {
            ports: heapless::Vec::new(),
        }
    }

    /// Adds a port. Errors: number 0 ([`Error::BadPortNumber`]), a number already present
    /// ([`Error::DuplicatePort`]), more than [`MAX_PORTS`] ([`Error::TooManyPorts`]), ifindex 0
    /// or above `i32::MAX` ([`Error::BadIfIndex`]).
    pub fn add(&mut self, port: Port) -> Result<(), Error> {
        check_port_number(port.number)?;
        if port.ifindex == 0 || port.ifindex > i32::MAX as u32 {
            return Err(Error::BadIfIndex {
                index: port.ifindex,
            });
        }
        let at = match self.ports.binary_search_by_key(&port.number, |p| p.number) {
            Ok(_) => return Err(Error::DuplicatePort { port: port.number }),
            Err(at) => at,
        };
        self.ports
            .insert(at, port)
            .map_err(|_| Error::TooManyPorts { max: MAX_PORTS })
    }

    /// The port with this number.
    pub fn get(&self, number: u8) -> Option<&Port> {
        self.ports.iter().find(|p| p.number == number)
    }

    /// The ports, by number.
    pub fn iter(&self) -> core::slice::Iter<'_, Port> {
        self.ports.iter()
    }

    /// How many ports.
    pub fn len(&self) -> usize {
        self.ports.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ports.is_empty()
    }
}

pub(crate) fn check_port_number(number: u8) -> Result<(), Error> {
    if number == 0 {
        return Err(Error::BadPortNumber { port: number });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_and_checks() {
        let mut map = PortMap::new();
        for n in 1..=MAX_PORTS as u8 {
            map.add(Port::new(n, 10 + u32::from(n))).unwrap();
        }
        assert_eq!(
            map.add(Port::new(9, 30)),
            Err(Error::TooManyPorts { max: MAX_PORTS })
        );
        assert_eq!(map.len(), MAX_PORTS);
        let mut map = PortMap::new();
        assert_eq!(
            map.add(Port::new(0, 1)),
            Err(Error::BadPortNumber { port: 0 })
        );
        assert_eq!(
            map.add(Port::new(1, 0)),
            Err(Error::BadIfIndex { index: 0 })
        );
        assert!(Port::new(1, 1).named("sixteen-chars-xx").is_err());
        assert!(Port::new(1, 1).named("").is_err());
    }
}
