//! Topology from sysfs: for a VF's PCI address, its PF, its VF index, and the PF netdev of
//! every port; the VFs of a PF with their own netdevs.
//!
//! Read from `<sysfs>/bus/pci/devices/<address>/` (the root is a parameter, `/sys` on a real
//! system, a fixture tree in tests): `physfn` (a VF's PF), `virtfnN` (a PF's VF with index N),
//! `net/<ifname>/` (the function's netdevs) with `ifindex`, `dev_port`, `dev_id`,
//! `phys_port_name` and `phys_port_id`. A file the driver cannot provide (reading it fails
//! with `EOPNOTSUPP`, as igb's `phys_port_id` does) or that does not exist counts as absent.
//!
//! # Port numbers
//!
//! Ports are numbered from 1, as in `<netdev port='N'>`. The netdevs of one function are
//! numbered by the first rule that tells them all apart:
//! 1. `dev_port`, 0-based: port = `dev_port` + 1 (what mlx4, cxgb4 and most drivers set);
//! 2. `dev_id`, 0-based (hex): port = `dev_id` + 1 (old drivers that set only `dev_id`; also
//!    used when every netdev reports the same `dev_port`);
//! 3. `phys_port_name` of the form `p<N>`: port = N + 1 (switchdev uplinks);
//! 4. a single netdev with none of these is port 1.
//!
//! A single netdev goes by the same rules: an mlx4 with port 1 in InfiniBand mode has only
//! `ens6d1`, `dev_port` 1, which is port 2.
//!
//! When no rule tells the netdevs apart, that is [`TopologyError::DuplicatePort`], not a guess.
//! Switchdev representors (`phys_port_name` like `pf0vf3`, `pf0hpf`, `c1pf0vf2`, `pf0sf1`) live
//! under the PF's function but are not ports, and are left out.
//!
//! A VF's own netdevs (present when it is bound to a host driver; none when it is bound to
//! vfio-pci, the usual case at assignment) are numbered by the same rules, and first by
//! libvirt's rule: a VF netdev whose `phys_port_id` equals a PF netdev's is on that port.

use crate::error::Error;
use crate::pci::PciAddress;
use crate::port::{Port, PortMap, MAX_PORTS};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;

/// The sysfs root of a running system.
pub const DEFAULT_SYSFS: &str = "/sys";

/// One netdev of a PCI function, as sysfs describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Netdev {
    /// Interface name.
    pub ifname: String,
    /// Interface index.
    pub ifindex: u32,
    /// `dev_port`, 0-based.
    pub dev_port: Option<u32>,
    /// `dev_id`, 0-based.
    pub dev_id: Option<u32>,
    /// `phys_port_name`, e.g. `p0`.
    pub phys_port_name: Option<String>,
    /// `phys_port_id`, hex.
    pub phys_port_id: Option<String>,
}

/// A netdev and the port it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PfPort {
    /// Port number, from 1.
    pub port: u8,
    /// The netdev.
    pub netdev: Netdev,
}

/// Where a VF sits: its PF, its index there, and each port's PF netdev.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VfTopology {
    /// The VF's address.
    pub vf: PciAddress,
    /// Its PF's address.
    pub pf: PciAddress,
    /// Its index on the PF (the `N` of `virtfnN`; what `IFLA_VF_*` payloads carry).
    pub vf_index: u32,
    /// The PF netdev of every port, by port number.
    pub ports: Vec<PfPort>,
    /// The VF's own netdevs, by port (empty unless it is bound to a host network driver).
    pub vf_netdevs: Vec<PfPort>,
}

impl VfTopology {
    /// The ports as the N-port model takes them.
    pub fn port_map(&self) -> Result<PortMap, Error> {
        let mut map = PortMap::new();
        for p in &self.ports {
            map.add(Port::new(p.port, p.netdev.ifindex).named(&p.netdev.ifname)?)?;
        }
        Ok(map)
    }
}

/// One VF of a PF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VfEntry {
    /// Its index on the PF.
    pub index: u32,
    /// Its address.
    pub address: PciAddress,
    /// Its own netdevs, by port.
    pub netdevs: Vec<PfPort>,
}

/// Why a topology could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopologyError {
    /// The device (or another path that must exist) is missing.
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// The function has no `physfn`: it is not a VF.
    NotAVf {
        /// The function.
        address: PciAddress,
    },
    /// A symlink points nowhere.
    DanglingLink {
        /// The link.
        path: PathBuf,
    },
    /// A symlink whose target is not named like a PCI address.
    BadLink {
        /// The link.
        path: PathBuf,
        /// Its target.
        target: PathBuf,
    },
    /// No `virtfnN` of the PF points back at the VF.
    VfIndexNotFound {
        /// The PF.
        pf: PciAddress,
        /// The VF.
        vf: PciAddress,
    },
    /// A file that exists could not be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// How reading failed.
        kind: io::ErrorKind,
    },
    /// A file holds something that is not what the kernel writes there.
    BadValue {
        /// The file.
        path: PathBuf,
        /// What it holds.
        value: String,
    },
    /// The PF has no netdev to send VF settings to.
    NoPfNetdev {
        /// The PF.
        pf: PciAddress,
    },
    /// Two netdevs of the function get the same port number, or none of the rules tells them
    /// apart.
    DuplicatePort {
        /// The function.
        function: PciAddress,
        /// The port.
        port: u8,
    },
    /// More ports than [`MAX_PORTS`], or a port number above it.
    TooManyPorts {
        /// The function.
        function: PciAddress,
        /// How many, or the highest port number.
        count: usize,
    },
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopologyError::NotFound { path } => write!(f, "{}: not found", path.display()),
            TopologyError::NotAVf { address } => write!(f, "{address} is not a VF (no physfn)"),
            TopologyError::DanglingLink { path } => {
                write!(f, "{}: dangling symlink", path.display())
            }
            TopologyError::BadLink { path, target } => write!(
                f,
                "{} -> {}: target is not a PCI address",
                path.display(),
                target.display()
            ),
            TopologyError::VfIndexNotFound { pf, vf } => {
                write!(f, "no virtfnN of PF {pf} points at VF {vf}")
            }
            TopologyError::Unreadable { path, kind } => {
                write!(f, "{}: cannot read ({kind})", path.display())
            }
            TopologyError::BadValue { path, value } => {
                write!(f, "{}: unexpected value {value:?}", path.display())
            }
            TopologyError::NoPfNetdev { pf } => write!(f, "PF {pf} has no netdev"),
            TopologyError::DuplicatePort { function, port } => write!(
                f,
                "{function}: two netdevs on port {port} (dev_port, dev_id and phys_port_name do not tell them apart)"
            ),
            TopologyError::TooManyPorts { function, count } => {
                write!(f, "{function}: {count} ports, at most {MAX_PORTS}")
            }
        }
    }
}

impl std::error::Error for TopologyError {}

fn device(sysfs: &Path, address: PciAddress) -> PathBuf {
    sysfs
        .join("bus/pci/devices")
        .join(std::format!("{address}"))
}

/// Reads a sysfs attribute: `None` when absent or when the driver lacks it (`EOPNOTSUPP`).
fn read_attr(path: &Path) -> Result<Option<String>, TopologyError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s.trim_end_matches('\n').to_string())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) => Ok(None),
        Err(e) => Err(TopologyError::Unreadable {
            path: path.to_path_buf(),
            kind: e.kind(),
        }),
    }
}

fn parse_attr(path: &Path, text: &str) -> Result<u32, TopologyError> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| TopologyError::BadValue {
        path: path.to_path_buf(),
        value: text.to_string(),
    })
}

fn number_attr(dir: &Path, name: &str) -> Result<Option<u32>, TopologyError> {
    let path = dir.join(name);
    read_attr(&path)?.map(|t| parse_attr(&path, &t)).transpose()
}

/// Follows a symlink to a PCI function, checking that it leads somewhere.
fn link_target(path: &Path) -> Result<PciAddress, TopologyError> {
    let target = std::fs::read_link(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => TopologyError::NotFound {
            path: path.to_path_buf(),
        },
        kind => TopologyError::Unreadable {
            path: path.to_path_buf(),
            kind,
        },
    })?;
    if std::fs::metadata(path).is_err() {
        return Err(TopologyError::DanglingLink {
            path: path.to_path_buf(),
        });
    }
    target
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.parse().ok())
        .ok_or(TopologyError::BadLink {
            path: path.to_path_buf(),
            target,
        })
}

/// Whether a `phys_port_name` names a switchdev representor (`pf0vf3`, `pf0hpf`, `c1pf0vf2`,
/// `pf0sf1`) rather than a port.
fn is_representor(name: &str) -> bool {
    let rest = match name.strip_prefix('c') {
        Some(r) => r.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => name,
    };
    let Some(rest) = rest.strip_prefix("pf") else {
        return false;
    };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    rest == "hpf" || rest.starts_with("vf") || rest.starts_with("sf")
}

/// The netdevs under `<device>/net/`, representors left out, sorted by name.
fn netdevs(dev: &Path) -> Result<Vec<Netdev>, TopologyError> {
    let net = dev.join("net");
    let entries = match std::fs::read_dir(&net) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(TopologyError::Unreadable {
                path: net,
                kind: e.kind(),
            })
        }
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| TopologyError::Unreadable {
            path: net.clone(),
            kind: e.kind(),
        })?;
        let dir = entry.path();
        let ifname = entry.file_name().to_string_lossy().into_owned();
        let ifindex_path = dir.join("ifindex");
        let ifindex = match read_attr(&ifindex_path)? {
            Some(t) => parse_attr(&ifindex_path, &t)?,
            None => return Err(TopologyError::NotFound { path: ifindex_path }),
        };
        let phys_port_name = read_attr(&dir.join("phys_port_name"))?.filter(|s| !s.is_empty());
        if phys_port_name.as_deref().is_some_and(is_representor) {
            continue;
        }
        out.push(Netdev {
            ifname,
            ifindex,
            dev_port: number_attr(&dir, "dev_port")?,
            dev_id: number_attr(&dir, "dev_id")?,
            phys_port_name,
            phys_port_id: read_attr(&dir.join("phys_port_id"))?.filter(|s| !s.is_empty()),
        });
    }
    out.sort_by(|a, b| a.ifname.cmp(&b.ifname));
    Ok(out)
}

fn distinct(values: &[u32]) -> bool {
    let mut v = values.to_vec();
    v.sort_unstable();
    v.windows(2).all(|w| w[0] != w[1])
}

/// Numbers a function's netdevs by the rules in the module docs.
fn number_ports(function: PciAddress, devs: Vec<Netdev>) -> Result<Vec<PfPort>, TopologyError> {
    let all = |f: fn(&Netdev) -> Option<u32>| -> Option<Vec<u32>> {
        devs.iter().map(f).collect::<Option<Vec<u32>>>()
    };
    let p_name = |d: &Netdev| {
        d.phys_port_name
            .as_deref()
            .and_then(|n| n.strip_prefix('p'))
            .and_then(|n| n.parse().ok())
    };
    // A lone netdev is numbered by the same rules: mlx4 with port 1 in InfiniBand mode has
    // only ens6d1, dev_port 1, which is port 2. With nothing to go by, it is port 1.
    let zero_based = [all(|d| d.dev_port), all(|d| d.dev_id), all(p_name)]
        .into_iter()
        .flatten()
        .find(|v| distinct(v))
        .or_else(|| (devs.len() <= 1).then(|| std::vec![0; devs.len()]));
    let Some(numbers) = zero_based else {
        // Name the first port the best rule puts two netdevs on.
        let v = [all(|d| d.dev_port), all(|d| d.dev_id), all(p_name)]
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_default();
        let mut sorted = v.clone();
        sorted.sort_unstable();
        let dup = sorted.windows(2).find(|w| w[0] == w[1]).map_or(0, |w| w[0]);
        return Err(TopologyError::DuplicatePort {
            function,
            port: dup.saturating_add(1).min(u32::from(u8::MAX)) as u8,
        });
    };
    if devs.len() > MAX_PORTS {
        return Err(TopologyError::TooManyPorts {
            function,
            count: devs.len(),
        });
    }
    let mut ports = Vec::new();
    for (netdev, n) in devs.into_iter().zip(numbers) {
        let port = n
            .checked_add(1)
            .filter(|p| *p as usize <= MAX_PORTS)
            .ok_or(TopologyError::TooManyPorts {
                function,
                count: n as usize + 1,
            })? as u8;
        ports.push(PfPort { port, netdev });
    }
    ports.sort_by_key(|p| p.port);
    Ok(ports)
}

/// The PF netdev of every port of a PF, by port number.
pub fn pf_ports(sysfs: &Path, pf: PciAddress) -> Result<Vec<PfPort>, TopologyError> {
    let dev = device(sysfs, pf);
    if !dev.exists() {
        return Err(TopologyError::NotFound { path: dev });
    }
    let ports = number_ports(pf, netdevs(&dev)?)?;
    if ports.is_empty() {
        return Err(TopologyError::NoPfNetdev { pf });
    }
    Ok(ports)
}

/// A VF's own netdevs, by port: matched to a PF port by `phys_port_id` (libvirt's rule) when
/// they all match, else numbered by the same rules as a PF's.
fn vf_netdevs(
    vf: PciAddress,
    dev: &Path,
    pf_ports: &[PfPort],
) -> Result<Vec<PfPort>, TopologyError> {
    let devs = netdevs(dev)?;
    let by_id: Option<Vec<PfPort>> = devs
        .iter()
        .map(|d| {
            let id = d.phys_port_id.as_deref()?;
            let pf = pf_ports
                .iter()
                .find(|p| p.netdev.phys_port_id.as_deref() == Some(id))?;
            Some(PfPort {
                port: pf.port,
                netdev: d.clone(),
            })
        })
        .collect();
    match by_id {
        Some(mut ports) if !devs.is_empty() => {
            ports.sort_by_key(|p| p.port);
            if let Some(w) = ports.windows(2).find(|w| w[0].port == w[1].port) {
                return Err(TopologyError::DuplicatePort {
                    function: vf,
                    port: w[0].port,
                });
            }
            Ok(ports)
        }
        _ => number_ports(vf, devs),
    }
}

/// The VF index N for which `<pf>/virtfnN` points at `vf`.
fn vf_index(sysfs: &Path, pf: PciAddress, vf: PciAddress) -> Result<u32, TopologyError> {
    Ok(list_virtfns(sysfs, pf)?
        .into_iter()
        .find(|(_, a)| *a == vf)
        .ok_or(TopologyError::VfIndexNotFound { pf, vf })?
        .0)
}

/// Every `virtfnN` of a PF: (N, address), by N.
fn list_virtfns(sysfs: &Path, pf: PciAddress) -> Result<Vec<(u32, PciAddress)>, TopologyError> {
    let dev = device(sysfs, pf);
    let entries = std::fs::read_dir(&dev).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => TopologyError::NotFound { path: dev.clone() },
        kind => TopologyError::Unreadable {
            path: dev.clone(),
            kind,
        },
    })?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(n) = name.to_str().and_then(|n| n.strip_prefix("virtfn")) else {
            continue;
        };
        let path = entry.path();
        let index = n.parse().map_err(|_| TopologyError::BadValue {
            path: path.clone(),
            value: n.to_string(),
        })?;
        out.push((index, link_target(&path)?));
    }
    out.sort_unstable();
    Ok(out)
}

/// Resolves a VF: its PF, its index, each port's PF netdev, and its own netdevs.
///
/// ```no_run
/// use std::path::Path;
/// use vfnl::sys::topology::resolve_vf;
/// let t = resolve_vf(Path::new("/sys"), "0000:06:00.1".parse()?)?;
/// println!("VF {} of {}; port 1 is {}", t.vf_index, t.pf, t.ports[0].netdev.ifname);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn resolve_vf(sysfs: &Path, vf: PciAddress) -> Result<VfTopology, TopologyError> {
    let dev = device(sysfs, vf);
    if !dev.exists() {
        return Err(TopologyError::NotFound { path: dev });
    }
    let physfn = dev.join("physfn");
    if std::fs::symlink_metadata(&physfn).is_err() {
        return Err(TopologyError::NotAVf { address: vf });
    }
    let pf = link_target(&physfn)?;
    let vf_index = vf_index(sysfs, pf, vf)?;
    let ports = pf_ports(sysfs, pf)?;
    let vf_netdevs = vf_netdevs(vf, &dev, &ports)?;
    Ok(VfTopology {
        vf,
        pf,
        vf_index,
        ports,
        vf_netdevs,
    })
}

/// The VFs of a PF, by index, each with its own netdevs.
pub fn list_vfs(sysfs: &Path, pf: PciAddress) -> Result<Vec<VfEntry>, TopologyError> {
    let ports = pf_ports(sysfs, pf)?;
    list_virtfns(sysfs, pf)?
        .into_iter()
        .map(|(index, address)| {
            Ok(VfEntry {
                index,
                address,
                netdevs: vf_netdevs(address, &device(sysfs, address), &ports)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn representor_names() {
        for r in ["pf0vf3", "pf0hpf", "c1pf0vf2", "pf1sf7", "pf0vf0"] {
            assert!(is_representor(r), "{r}");
        }
        for p in ["p0", "p1", "p0s0", "pf", "vf0", "eth0"] {
            assert!(!is_representor(p), "{p}");
        }
    }
}
