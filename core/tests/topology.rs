//! Topology over fixture sysfs trees: igb, mlx4 dual-port, a 4-port function, mlx5 switchdev,
//! i40e, a dev_id-only driver, and broken trees. The trees are built here with real relative
//! symlinks, laid out as the kernel lays them out (observed on Linux 6.12 with igb in the
//! kernel-tests VM: PF 0000:01:00.0, VFs 0000:01:10.0/.2/.4/.6).
#![cfg(feature = "std")]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use vfnl::sys::topology::*;
use vfnl::PciAddress;

fn pci(s: &str) -> PciAddress {
    s.parse().unwrap()
}

/// A fixture tree under a temporary directory.
struct Tree {
    dir: tempfile::TempDir,
}

/// A netdev's sysfs attributes; `None` leaves the file out.
#[derive(Default, Clone)]
struct Nd<'a> {
    name: &'a str,
    ifindex: u32,
    dev_port: Option<&'a str>,
    dev_id: Option<&'a str>,
    port_name: Option<&'a str>,
    port_id: Option<&'a str>,
}

fn nd(name: &str, ifindex: u32) -> Nd<'_> {
    Nd {
        name,
        ifindex,
        dev_port: Some("0"),
        dev_id: Some("0x0"),
        ..Nd::default()
    }
}

impl Tree {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("bus/pci/devices")).unwrap();
        Tree { dir }
    }
    fn root(&self) -> &Path {
        self.dir.path()
    }
    fn dev(&self, a: &str) -> PathBuf {
        self.root().join("bus/pci/devices").join(a)
    }
    fn function(&self, a: &str, netdevs: &[Nd<'_>]) -> &Self {
        let d = self.dev(a);
        fs::create_dir_all(&d).unwrap();
        for n in netdevs {
            let nd = d.join("net").join(n.name);
            fs::create_dir_all(&nd).unwrap();
            fs::write(nd.join("ifindex"), format!("{}\n", n.ifindex)).unwrap();
            for (file, v) in [
                ("dev_port", n.dev_port),
                ("dev_id", n.dev_id),
                ("phys_port_name", n.port_name),
                ("phys_port_id", n.port_id),
            ] {
                if let Some(v) = v {
                    fs::write(nd.join(file), format!("{v}\n")).unwrap();
                }
            }
        }
        self
    }
    /// PF `pf` gets VFs `vfs` as virtfn0.., each with a physfn back.
    fn vfs(&self, pf: &str, vfs: &[(&str, &[Nd<'_>])]) -> &Self {
        for (i, (vf, netdevs)) in vfs.iter().enumerate() {
            self.function(vf, netdevs);
            symlink(format!("../{vf}"), self.dev(pf).join(format!("virtfn{i}"))).unwrap();
            symlink(format!("../{pf}"), self.dev(vf).join("physfn")).unwrap();
        }
        self
    }
}

fn igb() -> Tree {
    let t = Tree::new();
    t.function("0000:01:00.0", &[nd("eth0", 2)]).vfs(
        "0000:01:00.0",
        &[
            ("0000:01:10.0", &[]),
            ("0000:01:10.2", &[]),
            ("0000:01:10.4", &[]),
            ("0000:01:10.6", &[]),
        ],
    );
    t
}

fn mlx4() -> Tree {
    let t = Tree::new();
    let p1 = Nd {
        dev_port: Some("0"),
        port_id: Some("0002c90300a1b2c1"),
        ..nd("ens6", 4)
    };
    let p2 = Nd {
        dev_port: Some("1"),
        port_id: Some("0002c90300a1b2c2"),
        ..nd("ens6d1", 5)
    };
    // A dual-port VF bound to mlx4_en (its netdevs carry the PF ports' phys_port_id, as
    // mlx4 does) and a single-port VF left to vfio-pci (no netdev).
    let v1 = Nd {
        dev_port: Some("0"),
        port_id: Some("0002c90300a1b2c1"),
        ..nd("ens6v0", 20)
    };
    let v2 = Nd {
        dev_port: Some("1"),
        port_id: Some("0002c90300a1b2c2"),
        ..nd("ens6v0d1", 21)
    };
    t.function("0000:06:00.0", &[p1, p2]).vfs(
        "0000:06:00.0",
        &[
            ("0000:06:00.1", &[v1, v2]),
            ("0000:06:00.2", &[]),
            ("0000:06:02.0", &[]),
        ],
    );
    t
}

fn names(ports: &[PfPort]) -> Vec<(u8, &str, u32)> {
    ports
        .iter()
        .map(|p| (p.port, p.netdev.ifname.as_str(), p.netdev.ifindex))
        .collect()
}

#[test]
fn igb_single_port() {
    let t = igb();
    for (i, vf) in [
        "0000:01:10.0",
        "0000:01:10.2",
        "0000:01:10.4",
        "0000:01:10.6",
    ]
    .iter()
    .enumerate()
    {
        let topo = resolve_vf(t.root(), pci(vf)).unwrap();
        assert_eq!(topo.pf, pci("0000:01:00.0"));
        assert_eq!(topo.vf_index, i as u32);
        assert_eq!(names(&topo.ports), [(1, "eth0", 2)]);
        assert!(topo.vf_netdevs.is_empty());
    }
    let map = resolve_vf(t.root(), pci("0000:01:10.2"))
        .unwrap()
        .port_map()
        .unwrap();
    assert_eq!(map.get(1).unwrap().ifindex, 2);
    let vfs = list_vfs(t.root(), pci("0000:01:00.0")).unwrap();
    assert_eq!(
        vfs.iter()
            .map(|v| (v.index, v.address.to_string()))
            .collect::<Vec<_>>(),
        [
            (0, "0000:01:10.0".into()),
            (1, "0000:01:10.2".into()),
            (2, "0000:01:10.4".into()),
            (3, "0000:01:10.6".into())
        ]
    );
}

#[test]
fn mlx4_dual_port_pf_with_dual_and_single_port_vfs() {
    let t = mlx4();
    let dual = resolve_vf(t.root(), pci("0000:06:00.1")).unwrap();
    assert_eq!((dual.pf, dual.vf_index), (pci("0000:06:00.0"), 0));
    assert_eq!(names(&dual.ports), [(1, "ens6", 4), (2, "ens6d1", 5)]);
    assert_eq!(
        names(&dual.vf_netdevs),
        [(1, "ens6v0", 20), (2, "ens6v0d1", 21)]
    );
    let single = resolve_vf(t.root(), pci("0000:06:00.2")).unwrap();
    assert_eq!(single.vf_index, 1);
    assert_eq!(names(&single.ports), [(1, "ens6", 4), (2, "ens6d1", 5)]);
    assert!(single.vf_netdevs.is_empty());
    assert_eq!(
        resolve_vf(t.root(), pci("0000:06:02.0")).unwrap().vf_index,
        2
    );
    let vfs = list_vfs(t.root(), pci("0000:06:00.0")).unwrap();
    assert_eq!(vfs.len(), 3);
    assert_eq!(
        names(&vfs[0].netdevs),
        [(1, "ens6v0", 20), (2, "ens6v0d1", 21)]
    );
}

#[test]
fn vf_netdevs_follow_phys_port_id_over_their_own_numbers() {
    // The VF's netdevs number their ports the other way round; phys_port_id decides.
    let t = Tree::new();
    let p1 = Nd {
        dev_port: Some("0"),
        port_id: Some("aa"),
        ..nd("ens6", 4)
    };
    let p2 = Nd {
        dev_port: Some("1"),
        port_id: Some("bb"),
        ..nd("ens6d1", 5)
    };
    let v1 = Nd {
        dev_port: Some("0"),
        port_id: Some("bb"),
        ..nd("vfa", 20)
    };
    let v2 = Nd {
        dev_port: Some("1"),
        port_id: Some("aa"),
        ..nd("vfb", 21)
    };
    t.function("0000:06:00.0", &[p1, p2])
        .vfs("0000:06:00.0", &[("0000:06:00.1", &[v1, v2])]);
    let topo = resolve_vf(t.root(), pci("0000:06:00.1")).unwrap();
    assert_eq!(names(&topo.vf_netdevs), [(1, "vfb", 21), (2, "vfa", 20)]);
}

#[test]
fn four_port_function() {
    let t = Tree::new();
    let ports: Vec<Nd> = ["3", "1", "0", "2"]
        .iter()
        .zip(["enp1s0f0d3", "enp1s0f0d1", "enp1s0f0", "enp1s0f0d2"])
        .enumerate()
        .map(|(i, (dp, name))| Nd {
            dev_port: Some(dp),
            ..nd(name, 10 + i as u32)
        })
        .collect();
    t.function("0000:05:00.0", &ports)
        .vfs("0000:05:00.0", &[("0000:05:00.4", &[])]);
    let topo = resolve_vf(t.root(), pci("0000:05:00.4")).unwrap();
    assert_eq!(
        names(&topo.ports),
        [
            (1, "enp1s0f0", 12),
            (2, "enp1s0f0d1", 11),
            (3, "enp1s0f0d2", 13),
            (4, "enp1s0f0d3", 10)
        ]
    );
    let map = topo.port_map().unwrap();
    assert_eq!(map.len(), 4);
}

#[test]
fn mlx5_switchdev_representors_are_not_ports() {
    let t = Tree::new();
    let uplink = Nd {
        port_name: Some("p0"),
        ..nd("enp8s0f0np0", 6)
    };
    let reps: Vec<Nd> = ["pf0vf0", "pf0vf1", "pf0hpf", "c1pf0vf2"]
        .iter()
        .enumerate()
        .map(|(i, n)| Nd {
            port_name: Some(n),
            ..nd(["eth1", "eth2", "eth3", "eth4"][i], 30 + i as u32)
        })
        .collect();
    let all: Vec<Nd> = std::iter::once(uplink).chain(reps).collect();
    t.function("0000:08:00.0", &all).vfs(
        "0000:08:00.0",
        &[("0000:08:00.2", &[]), ("0000:08:00.3", &[])],
    );
    let topo = resolve_vf(t.root(), pci("0000:08:00.3")).unwrap();
    assert_eq!(topo.vf_index, 1);
    assert_eq!(names(&topo.ports), [(1, "enp8s0f0np0", 6)]);
}

#[test]
fn i40e_phys_port_id_on_the_pf_only() {
    let t = Tree::new();
    let pf = Nd {
        port_id: Some("3cfdfe9e8b20"),
        ..nd("enp2s0f0", 7)
    };
    // The VF, bound to iavf, has a netdev with no phys_port_id.
    let vf = nd("enp2s0f0v0", 40);
    t.function("0000:02:00.0", &[pf])
        .vfs("0000:02:00.0", &[("0000:02:02.0", &[vf])]);
    let topo = resolve_vf(t.root(), pci("0000:02:02.0")).unwrap();
    assert_eq!(names(&topo.ports), [(1, "enp2s0f0", 7)]);
    assert_eq!(names(&topo.vf_netdevs), [(1, "enp2s0f0v0", 40)]);
}

#[test]
fn old_driver_with_dev_id_only() {
    // Both netdevs report dev_port 0 (or none); dev_id tells the ports apart.
    let t = Tree::new();
    let a = Nd {
        dev_port: Some("0"),
        dev_id: Some("0x1"),
        ..nd("eth3", 9)
    };
    let b = Nd {
        dev_port: Some("0"),
        dev_id: Some("0x0"),
        ..nd("eth2", 8)
    };
    t.function("0000:03:00.0", &[a, b])
        .vfs("0000:03:00.0", &[("0000:03:00.1", &[])]);
    assert_eq!(
        names(&resolve_vf(t.root(), pci("0000:03:00.1")).unwrap().ports),
        [(1, "eth2", 8), (2, "eth3", 9)]
    );
    // Without dev_port files at all.
    let t = Tree::new();
    let a = Nd {
        dev_port: None,
        dev_id: Some("0x1"),
        ..nd("eth3", 9)
    };
    let b = Nd {
        dev_port: None,
        dev_id: Some("0x0"),
        ..nd("eth2", 8)
    };
    t.function("0000:03:00.0", &[a, b])
        .vfs("0000:03:00.0", &[("0000:03:00.1", &[])]);
    assert_eq!(
        names(&pf_ports(t.root(), pci("0000:03:00.0")).unwrap()),
        [(1, "eth2", 8), (2, "eth3", 9)]
    );
}

#[test]
fn a_lone_netdev_keeps_its_port_number() {
    // mlx4 with port 1 in InfiniBand mode: only the Ethernet netdev of port 2 exists.
    let t = Tree::new();
    let p2 = Nd {
        dev_port: Some("1"),
        ..nd("ens6d1", 5)
    };
    t.function("0000:06:00.0", &[p2])
        .vfs("0000:06:00.0", &[("0000:06:00.1", &[])]);
    assert_eq!(
        names(&resolve_vf(t.root(), pci("0000:06:00.1")).unwrap().ports),
        [(2, "ens6d1", 5)]
    );
    // Without any numbering attribute it is port 1.
    let t = Tree::new();
    let bare = Nd {
        dev_port: None,
        dev_id: None,
        ..nd("eth0", 2)
    };
    t.function("0000:01:00.0", &[bare]);
    assert_eq!(
        names(&pf_ports(t.root(), pci("0000:01:00.0")).unwrap()),
        [(1, "eth0", 2)]
    );
}

#[test]
fn broken_trees_give_clear_errors() {
    // Not there.
    let t = igb();
    assert!(matches!(
        resolve_vf(t.root(), pci("0000:09:00.1")),
        Err(TopologyError::NotFound { .. })
    ));
    // A PF is not a VF.
    assert_eq!(
        resolve_vf(t.root(), pci("0000:01:00.0")),
        Err(TopologyError::NotAVf {
            address: pci("0000:01:00.0")
        })
    );
    // Dangling physfn.
    let t = Tree::new();
    t.function("0000:01:10.0", &[]);
    symlink("../0000:01:00.0", t.dev("0000:01:10.0").join("physfn")).unwrap();
    let e = resolve_vf(t.root(), pci("0000:01:10.0")).unwrap_err();
    assert!(
        matches!(&e, TopologyError::DanglingLink { path } if path.ends_with("physfn")),
        "{e}"
    );
    // A link that is not to a PCI function.
    let t = Tree::new();
    t.function("0000:01:10.0", &[])
        .function("0000:01:00.0", &[nd("eth0", 2)]);
    fs::create_dir_all(t.root().join("bus/pci/devices/not-pci")).unwrap();
    symlink("../not-pci", t.dev("0000:01:10.0").join("physfn")).unwrap();
    assert!(matches!(
        resolve_vf(t.root(), pci("0000:01:10.0")),
        Err(TopologyError::BadLink { .. })
    ));
    // A VF whose PF has no virtfn pointing back.
    let t = Tree::new();
    t.function("0000:01:00.0", &[nd("eth0", 2)])
        .function("0000:01:10.0", &[]);
    symlink("../0000:01:00.0", t.dev("0000:01:10.0").join("physfn")).unwrap();
    assert_eq!(
        resolve_vf(t.root(), pci("0000:01:10.0")),
        Err(TopologyError::VfIndexNotFound {
            pf: pci("0000:01:00.0"),
            vf: pci("0000:01:10.0")
        })
    );
    // Missing ifindex.
    let t = igb();
    fs::remove_file(t.dev("0000:01:00.0").join("net/eth0/ifindex")).unwrap();
    let e = resolve_vf(t.root(), pci("0000:01:10.0")).unwrap_err();
    assert!(
        matches!(&e, TopologyError::NotFound { path } if path.ends_with("ifindex")),
        "{e}"
    );
    // Garbage in dev_port.
    let t = igb();
    fs::write(t.dev("0000:01:00.0").join("net/eth0/dev_port"), "abc\n").unwrap();
    let e = resolve_vf(t.root(), pci("0000:01:10.0")).unwrap_err();
    assert_eq!(
        e,
        TopologyError::BadValue {
            path: t.dev("0000:01:00.0").join("net/eth0/dev_port"),
            value: "abc".into()
        }
    );
    assert!(e.to_string().contains("dev_port"));
    // A PF with no netdev (its driver unbound).
    let t = Tree::new();
    t.function("0000:01:00.0", &[])
        .vfs("0000:01:00.0", &[("0000:01:10.0", &[])]);
    assert_eq!(
        resolve_vf(t.root(), pci("0000:01:10.0")),
        Err(TopologyError::NoPfNetdev {
            pf: pci("0000:01:00.0")
        })
    );
    // Two netdevs nothing tells apart.
    let t = Tree::new();
    t.function("0000:06:00.0", &[nd("ens6", 4), nd("ens6d1", 5)])
        .vfs("0000:06:00.0", &[("0000:06:00.1", &[])]);
    assert_eq!(
        resolve_vf(t.root(), pci("0000:06:00.1")),
        Err(TopologyError::DuplicatePort {
            function: pci("0000:06:00.0"),
            port: 1
        })
    );
    // A port number past MAX_PORTS.
    let t = Tree::new();
    t.function(
        "0000:06:00.0",
        &[
            Nd {
                dev_port: Some("8"),
                ..nd("ens6", 4)
            },
            nd("ens6d1", 5),
        ],
    )
    .vfs("0000:06:00.0", &[("0000:06:00.1", &[])]);
    assert!(matches!(
        resolve_vf(t.root(), pci("0000:06:00.1")),
        Err(TopologyError::TooManyPorts { count: 9, .. })
    ));
}

/// The tree the demo runs on by default, checked in under fixtures/sysfs.
#[test]
fn checked_in_demo_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sysfs/mlx4-dual-port");
    let topo = resolve_vf(&root, pci("0000:06:02.0")).unwrap();
    assert_eq!((topo.pf, topo.vf_index), (pci("0000:06:00.0"), 2));
    assert_eq!(names(&topo.ports), [(1, "ens6", 4), (2, "ens6d1", 5)]);
}
