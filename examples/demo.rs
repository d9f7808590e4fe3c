//! vfnl-demo: the RFC's `<hostdev>` with one `<netdev port='N'>` per port, resolved against
//! sysfs and turned into one message per port's PF netdev.
//!
//! ```text
//! vfnl-demo [--sysfs DIR] [--apply [--snapshot FILE]] [--release FILE] [HOSTDEV.xml]
//! ```
//!
//! Without options it reads `examples/hostdev-dual-port.xml` and resolves it against the
//! bundled mlx4 dual-port sysfs tree (`fixtures/sysfs/mlx4-dual-port`), so it runs anywhere,
//! and prints per port the PF netdev and the message it would send, decoded and in hex.
//! `--sysfs /sys` resolves against this machine. `--apply` applies transactionally through a
//! netlink socket (root, real SR-IOV hardware) and writes the snapshot to restore from;
//! `--release FILE` restores from such a snapshot.

mod hostdev;

/// `println!` into the output buffer.
macro_rules! outln {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vfnl::attr::AttrIter;
use vfnl::ifla::{IFLA_VFINFO_LIST, IFLA_VF_PORTS};
use vfnl::nlmsg::NlmsgHeader;
use vfnl::snapshot::SNAPSHOT_LEN;
use vfnl::sys::apply::{apply, release, ApplyOptions};
use vfnl::sys::socket::NlSocket;
use vfnl::sys::topology::{resolve_vf, VfTopology};
use vfnl::*;

struct Args {
    sysfs: PathBuf,
    xml: PathBuf,
    apply: bool,
    snapshot: Option<PathBuf>,
    release: Option<PathBuf>,
}

fn usage() -> &'static str {
    "usage: vfnl-demo [--sysfs DIR] [--apply [--snapshot FILE]] [--release FILE] [HOSTDEV.xml]"
}

fn parse_args() -> Result<Args, String> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = here.parent().unwrap_or(here);
    let mut args = Args {
        sysfs: root.join("fixtures/sysfs/mlx4-dual-port"),
        xml: here.join("hostdev-dual-port.xml"),
        apply: false,
        snapshot: None,
        release: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--sysfs" => args.sysfs = value("--sysfs")?.into(),
            "--apply" => args.apply = true,
            "--snapshot" => args.snapshot = Some(value("--snapshot")?.into()),
            "--release" => args.release = Some(value("--release")?.into()),
            "-h" | "--help" => return Err(usage().into()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{}", usage())),
            path => args.xml = path.into(),
        }
    }
    Ok(args)
}

fn hex(out: &mut String, bytes: &[u8]) {
    for (i, line) in bytes.chunks(16).enumerate() {
        let cols: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        outln!(out, "      {:04x}  {}", i * 16, cols.join(" "));
    }
}

/// Prints one request the way `ip monitor` would describe it, from its own bytes.
fn describe(out: &mut String, msg: &[u8], port: &Port) {
    let h = NlmsgHeader::parse(msg).expect("our own message");
    let name = port.name.as_deref().unwrap_or("?");
    let flags: Vec<&str> = h.flags.iter_names().map(|(n, _)| n).collect();
    outln!(
        out,
        "    RTM_SETLINK dev {name} (ifindex {}) seq {} flags {}",
        port.ifindex,
        h.seq,
        flags.join("|")
    );
    for top in AttrIter::new(&msg[32..], 32).map_while(Result::ok) {
        match top.kind() {
            IFLA_VFINFO_LIST => {
                for info in top.nested().map_while(Result::ok) {
                    match VfInfo::parse(&info, 6) {
                        Ok(vf) => outln!(out, "      {vf}"),
                        Err(e) => outln!(out, "      (undecodable VF entry: {e})"),
                    }
                }
            }
            IFLA_VF_PORTS => {
                for p in top.nested().map_while(Result::ok) {
                    match VirtualPort::parse(&p) {
                        Ok(v) => outln!(
                            out,
                            "      virtualport vf {} profile {} request {}",
                            v.vf.map_or("-".into(), |n| n.to_string()),
                            v.profile.map_or("-".into(), |p| p.as_str().to_string()),
                            v.request
                                .map_or("-".into(), |r| format!("{r:?}").to_lowercase())
                        ),
                        Err(e) => outln!(out, "      (undecodable port: {e})"),
                    }
                }
            }
            _ => {}
        }
    }
}

fn port_map(topo: &VfTopology) -> Result<PortMap, Error> {
    let mut map = PortMap::new();
    for p in &topo.ports {
        map.add(Port::new(p.port, p.netdev.ifindex).named(&p.netdev.ifname)?)?;
    }
    Ok(map)
}

fn run(args: Args, out: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(file) = &args.release {
        let bytes = std::fs::read(file)?;
        let snapshot = Snapshot::deserialize(&bytes)?;
        let mut sock = NlSocket::open()?;
        let mut seq = sock.next_seq();
        let report = release(&mut sock, &snapshot, ApplyOptions::default(), &mut seq);
        for (port, r) in &report.ports {
            outln!(out, "port {port}: {r:?}");
        }
        return if report.complete {
            Ok(())
        } else {
            Err("release incomplete".into())
        };
    }

    let text =
        std::fs::read_to_string(&args.xml).map_err(|e| format!("{}: {e}", args.xml.display()))?;
    let xml = hostdev::parse(&text).map_err(|e| format!("{}: {e}", args.xml.display()))?;
    let topo = resolve_vf(&args.sysfs, xml.pci)?;
    outln!(
        out,
        "VF {} is VF {} of PF {} (sysfs: {})",
        xml.pci,
        topo.vf_index,
        topo.pf,
        args.sysfs.display()
    );
    let ports = port_map(&topo)?;
    for p in ports.iter() {
        outln!(
            out,
            "  port {} -> PF netdev {} (ifindex {})",
            p.number,
            p.name.as_deref().unwrap_or("?"),
            p.ifindex
        );
    }

    let vf = topo.vf_index;
    let mut assignment = Assignment::new(vf);
    for n in &xml.netdevs {
        assignment.set_port(n.port, VfConfig { vf, ..n.config }, n.virtualport)?;
    }
    let mut buf = vec![0u8; assignment.batch_len(&ports)?];
    let batch = assignment.encode_batch(&ports, 1, &mut buf)?;
    outln!(out);
    for e in batch.entries() {
        let port = ports.get(e.port).expect("encoded from this map");
        let msg = &buf[e.offset..e.offset + e.len];
        outln!(out, "port {}:", e.port);
        describe(out, msg, port);
        outln!(out, "    hex ({} bytes):", msg.len());
        hex(out, msg);
    }
    outln!(
        out,
        "\n{} messages, {} bytes in one datagram.",
        batch.entries().len(),
        batch.len()
    );

    if args.apply {
        let mut sock = NlSocket::open()?;
        let mut seq = sock.next_seq();
        let snapshot = apply(
            &mut sock,
            &assignment,
            &ports,
            ApplyOptions::default(),
            &mut seq,
        )?;
        let file = args
            .snapshot
            .unwrap_or_else(|| format!("vfnl-{}.snapshot", xml.pci).into());
        let mut bytes = [0u8; SNAPSHOT_LEN];
        snapshot.serialize(&mut bytes)?;
        std::fs::write(&file, bytes)?;
        outln!(
            out,
            "applied; snapshot written to {} (restore with --release)",
            file.display()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut out = String::new();
    let result = run(args, &mut out);
    // Written at once; a reader that went away (`| head`) is not an error.
    let _ = std::io::stdout().write_all(out.as_bytes());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vfnl-demo: {e}");
            ExitCode::FAILURE
        }
    }
}
