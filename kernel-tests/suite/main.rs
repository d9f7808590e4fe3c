//! vfnl-ksuite: the real-kernel suite, run inside the kernel-tests VM against the igb driver
//! (two emulated 82576 PFs, eth0 and eth1, 4 VFs each; see ../README.md).
//!
//! `vfnl-ksuite all` runs every test and prints `ok - NAME` or `FAIL - NAME: why` per test and
//! a closing `N passed, N failed` line; the exit status is 1 when any failed.
//! `vfnl-ksuite release FILE` is the "new process" of the snapshot test: it reads a snapshot
//! written by another process and releases it.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, ExitCode};
use vfnl::link::LinkMessage;
use vfnl::snapshot::SNAPSHOT_LEN;
use vfnl::sys::apply::{apply, release, ApplyError, ApplyOptions, PortResult};
use vfnl::sys::socket::{get_link, NlSocket};
use vfnl::sys::topology::resolve_vf;
use vfnl::*;

type Outcome = Result<(), String>;
type Test = (&'static str, fn(&mut Ctx) -> Outcome);

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(format!($($why)+));
        }
    };
}

const PFS: [&str; 2] = ["eth0", "eth1"];
const IP: &str = "/usr/sbin/ip";

struct Ctx {
    sock: NlSocket,
    seq: u32,
}

fn ifindex(name: &str) -> Result<u32, String> {
    let p = format!("/sys/class/net/{name}/ifindex");
    std::fs::read_to_string(&p)
        .map_err(|e| format!("{p}: {e}"))?
        .trim()
        .parse()
        .map_err(|e| format!("{p}: {e}"))
}

impl Ctx {
    fn seq(&mut self) -> u32 {
        let s = self.seq;
        self.seq = self.seq.wrapping_add(1);
        s
    }

    /// The VFs of a PF netdev as vfnl decodes them (stats left out: they move).
    fn vfs(&mut self, pf: &str) -> Result<Vec<VfInfo>, String> {
        let seq = self.seq();
        let reply = get_link(&mut self.sock, LinkTarget::Index(ifindex(pf)?), seq)
            .map_err(|e| format!("GETLINK {pf}: {e}"))?;
        let link = LinkMessage::parse(&reply).map_err(|e| e.to_string())?;
        link.vfs()
            .map(|v| v.map(|i| VfInfo { stats: None, ..i }))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{pf}: {e}"))
    }

    fn port_map(&self, pfs: &[&str]) -> Result<PortMap, String> {
        let mut map = PortMap::new();
        for (i, pf) in pfs.iter().enumerate() {
            map.add(
                Port::new(i as u8 + 1, ifindex(pf)?)
                    .named(pf)
                    .map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?;
        }
        Ok(map)
    }

    fn apply(&mut self, a: &Assignment, map: &PortMap) -> Result<Snapshot, ApplyError> {
        apply(
            &mut self.sock,
            a,
            map,
            ApplyOptions::default(),
            &mut self.seq,
        )
    }

    fn release(&mut self, s: &Snapshot) -> Outcome {
        let r = release(&mut self.sock, s, ApplyOptions::default(), &mut self.seq);
        ensure!(r.complete, "release incomplete: {:?}", r.ports);
        Ok(())
    }
}

fn ip_json(pf: &str) -> Result<Value, String> {
    let out = Command::new(IP)
        .args(["-d", "-j", "link", "show", "dev", pf])
        .output()
        .map_err(|e| format!("{IP}: {e}"))?;
    ensure!(
        out.status.success(),
        "ip failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    Ok(v[0].clone())
}

/// Test 1: topology on the real sysfs: each VF's PF, VF index and PF netdev.
fn topology(_: &mut Ctx) -> Outcome {
    for pf in PFS {
        let dev = std::fs::canonicalize(format!("/sys/class/net/{pf}/device"))
            .map_err(|e| e.to_string())?;
        let pf_addr: PciAddress = dev
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .map_err(|e: Error| e.to_string())?;
        for n in 0..4 {
            let vf_link =
                std::fs::read_link(dev.join(format!("virtfn{n}"))).map_err(|e| e.to_string())?;
            let vf_addr: PciAddress = vf_link
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .parse()
                .map_err(|e: Error| e.to_string())?;
            let t =
                resolve_vf(Path::new("/sys"), vf_addr).map_err(|e| format!("{vf_addr}: {e}"))?;
            ensure!(t.pf == pf_addr, "{vf_addr}: PF {} != {pf_addr}", t.pf);
            ensure!(t.vf_index == n, "{vf_addr}: VF index {} != {n}", t.vf_index);
            ensure!(
                t.ports.len() == 1,
                "{vf_addr}: {} ports, igb has 1",
                t.ports.len()
            );
            ensure!(
                t.ports[0].port == 1 && t.ports[0].netdev.ifname == pf,
                "{vf_addr}: port {:?}",
                t.ports[0]
            );
            ensure!(
                t.ports[0].netdev.ifindex == ifindex(pf)?,
                "{vf_addr}: ifindex"
            );
        }
    }
    Ok(())
}

fn settings(pf: usize, vf: u32) -> VfConfig {
    VfConfig {
        mac: Some(Mac::ethernet([0x52, 0x54, 0, 0x10 + pf as u8, vf as u8, 1])),
        vlan: Some(VlanTag::dot1q(100 + vf, vf % 8)),
        spoofchk: Some(vf.is_multiple_of(2)),
        trust: Some(!vf.is_multiple_of(2)),
        ..VfConfig::new(vf)
    }
}

/// Test 2: an assignment per VF on every PF, applied, read back by vfnl and by `ip -j`,
/// which agree; then released to the exact original state.
fn every_vf(c: &mut Ctx) -> Outcome {
    let before: Vec<_> = PFS.iter().map(|pf| c.vfs(pf)).collect::<Result<_, _>>()?;
    let mut snapshots = Vec::new();
    for (p, pf) in PFS.iter().enumerate() {
        let map = c.port_map(&[pf])?;
        for vf in 0..4 {
            let mut a = Assignment::new(vf);
            a.set_port(1, settings(p, vf), None)
                .map_err(|e| e.to_string())?;
            snapshots.push(
                c.apply(&a, &map)
                    .map_err(|e| format!("{pf} vf {vf}: {e}"))?,
            );
        }
    }
    for (p, pf) in PFS.iter().enumerate() {
        let ours = c.vfs(pf)?;
        let ip = ip_json(pf)?;
        let ip_vfs = ip["vfinfo_list"]
            .as_array()
            .ok_or("no vfinfo_list from ip")?;
        ensure!(
            ours.len() == 4 && ip_vfs.len() == 4,
            "{pf}: {} / {} VFs",
            ours.len(),
            ip_vfs.len()
        );
        for (vf, (o, j)) in ours.iter().zip(ip_vfs).enumerate() {
            let want = settings(p, vf as u32);
            ensure!(o.mac == want.mac, "{pf} vf {vf}: mac {:?}", o.mac);
            ensure!(
                o.vlan_tag() == want.vlan,
                "{pf} vf {vf}: vlan {:?}",
                o.vlan_tag()
            );
            ensure!(
                o.spoofchk == want.spoofchk.map(VfSetting::from),
                "{pf} vf {vf}: spoofchk"
            );
            ensure!(
                o.trust == want.trust.map(VfSetting::from),
                "{pf} vf {vf}: trust"
            );
            ensure!(j["vf"] == vf, "ip: vf {}", j["vf"]);
            ensure!(
                j["address"] == o.mac.unwrap().to_string(),
                "ip: address {}",
                j["address"]
            );
            let tag = o.vlan_tag().unwrap();
            ensure!(
                j["vlan_list"][0]["vlan"].as_u64().unwrap_or(0) == u64::from(tag.vlan),
                "ip: vlan"
            );
            ensure!(
                j["vlan_list"][0]["qos"].as_u64().unwrap_or(0) == u64::from(tag.qos),
                "ip: qos"
            );
            ensure!(
                j["spoofchk"] == o.spoofchk.unwrap().as_bool().unwrap(),
                "ip: spoofchk"
            );
            ensure!(
                j["trust"] == o.trust.unwrap().as_bool().unwrap(),
                "ip: trust"
            );
        }
    }
    for s in snapshots.iter().rev() {
        c.release(s)?;
    }
    let after: Vec<_> = PFS.iter().map(|pf| c.vfs(pf)).collect::<Result<_, _>>()?;
    ensure!(
        after == before,
        "released state differs:\n{before:?}\n{after:?}"
    );
    Ok(())
}

/// Test 3: one VF, two ports on two igb PFs; port 2 fails for real (igb refuses any
/// minimum rate) after its MAC was applied; both ports end exactly as before.
fn rollback_across_pfs(c: &mut Ctx) -> Outcome {
    let before: Vec<_> = PFS.iter().map(|pf| c.vfs(pf)).collect::<Result<_, _>>()?;
    let map = c.port_map(&PFS)?;
    let mut a = Assignment::new(1);
    a.set_port(1, settings(0, 1), None)
        .map_err(|e| e.to_string())?;
    let port2 = VfConfig {
        mac: Some(Mac::ethernet([0x52, 0x54, 0, 0x22, 1, 2])),
        rate: Some(RateLimit {
            min_tx_rate: 10,
            max_tx_rate: 100,
        }),
        ..VfConfig::new(1)
    };
    a.set_port(2, port2, None).map_err(|e| e.to_string())?;
    match c.apply(&a, &map) {
        Err(ApplyError::Failed { ports, rollback }) => {
            ensure!(
                ports[0] == (1, PortResult::Applied),
                "port 1: {:?}",
                ports[0]
            );
            ensure!(
                matches!(&ports[1], (2, PortResult::Failed(f)) if f.errno == 22),
                "port 2: {:?}",
                ports[1]
            );
            ensure!(rollback.complete, "rollback: {:?}", rollback.ports);
        }
        other => return Err(format!("expected a failure, got {other:?}")),
    }
    let after: Vec<_> = PFS.iter().map(|pf| c.vfs(pf)).collect::<Result<_, _>>()?;
    ensure!(
        after == before,
        "state after rollback differs:\n{before:?}\n{after:?}"
    );
    Ok(())
}

/// Test 4: snapshot, change, restore from a file read back by a new process.
fn snapshot_across_processes(c: &mut Ctx) -> Outcome {
    let before = c.vfs("eth0")?;
    let map = c.port_map(&["eth0"])?;
    let mut a = Assignment::new(2);
    a.set_port(1, settings(0, 2), None)
        .map_err(|e| e.to_string())?;
    let snap = c.apply(&a, &map).map_err(|e| e.to_string())?;
    ensure!(c.vfs("eth0")? != before, "the assignment changed nothing");
    let mut bytes = [0u8; SNAPSHOT_LEN];
    snap.serialize(&mut bytes).map_err(|e| e.to_string())?;
    let file = "/tmp/vfnl-ksuite.snapshot";
    std::fs::write(file, bytes).map_err(|e| e.to_string())?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let st = Command::new(me)
        .args(["release", file])
        .status()
        .map_err(|e| e.to_string())?;
    ensure!(st.success(), "release process: {st}");
    ensure!(c.vfs("eth0")? == before, "state after release differs");
    Ok(())
}

/// Test 5: settings igb refuses: each error reaches the caller with its errno, mapped to its port.
fn refusals_mapped_to_ports(c: &mut Ctx) -> Outcome {
    let before: Vec<_> = PFS.iter().map(|pf| c.vfs(pf)).collect::<Result<_, _>>()?;
    let map = c.port_map(&PFS)?;
    let mut a = Assignment::new(3);
    let dot1ad = VfConfig {
        vlan: Some(VlanTag {
            vlan: 5,
            qos: 0,
            proto: VlanProto::Dot1AD,
        }),
        ..VfConfig::new(3)
    };
    let state = VfConfig {
        link_state: Some(LinkState::Enable),
        ..VfConfig::new(3)
    };
    a.set_port(1, dot1ad, None).map_err(|e| e.to_string())?;
    a.set_port(2, state, None).map_err(|e| e.to_string())?;
    match c.apply(&a, &map) {
        Err(ApplyError::Failed { ports, rollback }) => {
            // igb: 802.1ad is EPROTONOSUPPORT, link state has no driver op (EOPNOTSUPP). The
            // kernel checks VF attributes without extended ACK, so there is no text.
            for (port, errno) in [(1u8, 93), (2, 95)] {
                let (p, r) = &ports[port as usize - 1];
                ensure!(*p == port, "order");
                let PortResult::Failed(f) = r else {
                    return Err(format!("port {port}: {r:?}"));
                };
                ensure!(
                    f.errno == errno,
                    "port {port}: errno {} != {errno}",
                    f.errno
                );
                ensure!(f.msg.is_empty(), "port {port}: unexpected text {}", f.msg);
            }
            ensure!(rollback.complete, "rollback: {:?}", rollback.ports);
        }
        other => return Err(format!("expected a failure, got {other:?}")),
    }
    let after: Vec<_> = PFS.iter().map(|pf| c.vfs(pf)).collect::<Result<_, _>>()?;
    ensure!(after == before, "state changed");
    Ok(())
}

/// Test 6: the same kind of assignment driven from a C program through libvfnl (resolve,
/// apply, snapshot file; then release), checked from here.
fn from_c(c: &mut Ctx) -> Outcome {
    let before = c.vfs("eth0")?;
    let vf = std::fs::read_link("/sys/class/net/eth0/device/virtfn1").map_err(|e| e.to_string())?;
    let vf = vf.file_name().unwrap().to_str().unwrap().to_string();
    let run = |args: &[&str]| -> Outcome {
        let out = Command::new("/t/c_apply")
            .args(args)
            .output()
            .map_err(|e| e.to_string())?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
        ensure!(out.status.success(), "c_apply {args:?}: {}", out.status);
        Ok(())
    };
    run(&["apply", &vf, "/tmp/c_apply.snapshot"])?;
    let now = c.vfs("eth0")?;
    ensure!(
        now[1].mac == Some(Mac::ethernet([0x52, 0x54, 0, 0xc0, 0xff, 0xee])),
        "mac {:?}",
        now[1].mac
    );
    ensure!(
        now[1].vlan_tag() == Some(VlanTag::dot1q(77, 0)),
        "vlan {:?}",
        now[1].vlan_tag()
    );
    ensure!(now[1].trust == Some(VfSetting::On), "trust");
    run(&["release", "/tmp/c_apply.snapshot"])?;
    ensure!(
        c.vfs("eth0")? == before,
        "state after the C release differs"
    );
    Ok(())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Test 7: 1000 apply/release cycles, no leaked descriptor, every answer matched.
fn endurance(c: &mut Ctx) -> Outcome {
    let before = c.vfs("eth1")?;
    let fds = open_fds();
    let map = c.port_map(&["eth1"])?;
    for i in 0..1000u32 {
        let mut a = Assignment::new(i % 4);
        a.set_port(1, settings(1, i % 4), None)
            .map_err(|e| e.to_string())?;
        let s = c.apply(&a, &map).map_err(|e| format!("cycle {i}: {e}"))?;
        c.release(&s).map_err(|e| format!("cycle {i}: {e}"))?;
        // A fresh socket now and then, to show descriptors are returned.
        if i % 100 == 99 {
            drop(std::mem::replace(
                &mut c.sock,
                NlSocket::open().map_err(|e| e.to_string())?,
            ));
        }
    }
    ensure!(
        open_fds() == fds,
        "descriptors: {fds} before, {} after",
        open_fds()
    );
    let stats = c.sock.stats();
    ensure!(
        stats.foreign_seq == 0 && stats.foreign_sender == 0,
        "unmatched answers: {stats:?}"
    );
    ensure!(c.vfs("eth1")? == before, "state after 1000 cycles differs");
    Ok(())
}

fn release_from(file: &str) -> ExitCode {
    let run = || -> Outcome {
        let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
        let snap = Snapshot::deserialize(&bytes).map_err(|e| e.to_string())?;
        let mut sock = NlSocket::open().map_err(|e| e.to_string())?;
        let mut seq = sock.next_seq();
        let r = release(&mut sock, &snap, ApplyOptions::default(), &mut seq);
        ensure!(r.complete, "{:?}", r.ports);
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("release: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("release") {
        return release_from(args.get(2).map_or("", String::as_str));
    }
    let mut c = match NlSocket::open() {
        Ok(sock) => Ctx { sock, seq: 1000 },
        Err(e) => {
            println!("FAIL - socket: {e}\n0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    };
    let tests: [Test; 7] = [
        ("topology on the real sysfs", topology),
        (
            "an assignment per VF on every PF, read back by vfnl and ip -j",
            every_vf,
        ),
        (
            "two-PF assignment, port 2 refused, port 1 rolled back exactly",
            rollback_across_pfs,
        ),
        (
            "snapshot restored by a new process from a file",
            snapshot_across_processes,
        ),
        (
            "802.1ad and link state refusals mapped to their ports",
            refusals_mapped_to_ports,
        ),
        ("the same assignment driven from C through libvfnl", from_c),
        (
            "1000 apply/release cycles, no fd leak, every answer matched",
            endurance,
        ),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        let t0 = std::time::Instant::now();
        match test(&mut c) {
            Ok(()) => {
                passed += 1;
                println!("ok - {name} ({:.1} s)", t0.elapsed().as_secs_f64());
            }
            Err(why) => {
                failed += 1;
                println!("FAIL - {name}: {why}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
