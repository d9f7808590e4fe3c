//! vfnl's benchmarks against its peers, on the same bytes in one run (`make bench`).
//!
//! ```text
//! vfnl-bench DATA_DIR [--libnl BIN] [--size REPORT] [--out FILE]
//! ```
//!
//! Writes the decode inputs into DATA_DIR, runs the libnl peer (a C program, BIN) on them,
//! checks every implementation's output (encoders against iproute2's bytes or vfnl's, decoders
//! by a checksum of the fields read), times every scenario, counts heap allocations, and
//! prints a markdown table, also written to FILE. REPORT is the size probe's output
//! (bench/size.sh), copied into the results.

mod alloc;
mod data;
mod floor;
mod peers;
mod timing;

use data::{MAX_VFS_UNDER_64K, S1_VF};
use peers::{npr, vfnl_impl};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use timing::{Case, Config, Timing};
use vfnl::Batch;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// One row of the results.
struct Row {
    scenario: &'static str,
    name: String,
    timing: Timing,
    allocs: f64,
    alloc_bytes: f64,
    check: String,
}

/// How an encoding compares with the reference bytes: identical, or the header fields and
/// flag bits that differ (which a sender may set differently without changing the request),
/// or the first byte that really differs.
fn compare(got: &[u8], want: &[u8]) -> String {
    if got == want {
        return "identical".into();
    }
    if got.len() != want.len() {
        return format!("DIFFERS: {} bytes, reference {}", got.len(), want.len());
    }
    let mut notes: Vec<&str> = Vec::new();
    let mut at = 0;
    while at + 16 <= want.len() {
        let len = u32::from_ne_bytes(want[at..at + 4].try_into().unwrap()) as usize;
        if len < 16 {
            break;
        }
        for i in at..(at + len).min(want.len()) {
            if got[i] == want[i] {
                continue;
            }
            let note = match i - at {
                4..=5 => "nlmsg_type",
                6..=7 => "nlmsg_flags",
                8..=15 => "seq/pid",
                // The high byte of an nla_type: NLA_F_NESTED (0x8000) set or not.
                _ if got[i] ^ want[i] == 0x80 && (i - at) % 4 == 3 => "NLA_F_NESTED on nests",
                _ => return format!("DIFFERS at byte {i}"),
            };
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        at += (len + 3) & !3;
    }
    format!("identical apart from {}", notes.join(", "))
}

fn checksum_check(got: u64, want: u64) -> String {
    if got == want {
        format!("checksum {got:016x} = vfnl")
    } else {
        format!("CHECKSUM {got:016x} != vfnl {want:016x}")
    }
}

/// A C peer's result line.
struct CRow {
    median: f64,
    min: f64,
    mallocs: f64,
    bytes: f64,
    checksum: u64,
}

fn run_libnl(bin: &Path, dir: &Path) -> Result<Vec<(String, CRow)>, String> {
    let out = Command::new(bin)
        .arg(dir)
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed: {}",
            bin.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut rows = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 6 {
            continue;
        }
        let num = |i: usize| f[i].parse::<f64>().unwrap_or(f64::NAN);
        rows.push((
            f[0].to_string(),
            CRow {
                median: num(1),
                min: num(2),
                mallocs: num(3),
                bytes: num(4),
                checksum: f[5].parse().unwrap_or(0),
            },
        ));
    }
    Ok(rows)
}

fn shell(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cpu}, {cores} cores; Linux {}; {}; libnl-route-3 {}; date {}",
        shell("uname", &["-r"]),
        shell("rustc", &["-V"]),
        shell("pkg-config", &["--modversion", "libnl-route-3.0"]),
        shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
    )
}

struct Args {
    dir: PathBuf,
    libnl: Option<PathBuf>,
    size: Option<PathBuf>,
    out: Option<PathBuf>,
}

fn args() -> Args {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        dir: PathBuf::from("target/bench-data"),
        libnl: None,
        size: None,
        out: None,
    };
    while let Some(x) = it.next() {
        match x.as_str() {
            "--libnl" => a.libnl = it.next().map(PathBuf::from),
            "--size" => a.size = it.next().map(PathBuf::from),
            "--out" => a.out = it.next().map(PathBuf::from),
            _ => a.dir = PathBuf::from(x),
        }
    }
    a
}

#[allow(clippy::too_many_lines)]
/// `vfnl-bench --profile SCENARIO`: runs vfnl's operation for SCENARIO in a loop for ~3 s,
/// for a profiler (valgrind --tool=callgrind, perf) to look at. D1 is the lazy decode
/// (`vf_entries()`), D1-full the whole one (`vfs()`); S1 is `Snapshot::capture`, S1-lazy
/// `vf_entry()`; E2 is `encode_batch_into`, E2-value `encode_batch`; E1-floor and E2-floor
/// the hand-written writer, D1-floor and S1-floor the hand-written walker.
fn profile(scenario: &str) {
    let d1_64 = data::vf_reply(64);
    let map = vfnl_impl::e2_ports(&data::E2_IN);
    let a = vfnl_impl::e2_assignment(&data::E2_IN);
    let mut snap = vfnl_impl::s1_snapshot();
    let mut buf = [0u8; 512];
    let mut batch = Batch::default();
    let iters: u64 = std::env::var("PROFILE_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut op: Box<dyn FnMut() -> u64> = match scenario {
        "E1" => Box::new(|| vfnl_impl::e1(black_box(&data::E1_IN), &mut buf) as u64),
        "E1-floor" => Box::new(|| floor::e1(black_box(&data::E1_IN), &mut buf) as u64),
        "E2-floor" => Box::new(|| floor::e2(black_box(&data::E2_IN), &mut buf) as u64),
        "E2" => Box::new(|| {
            vfnl_impl::e2_into(black_box(&data::E2_IN), &a, &map, &mut buf, &mut batch) as u64
        }),
        "E2-value" => {
            Box::new(|| vfnl_impl::e2(black_box(&data::E2_IN), &a, &map, &mut buf) as u64)
        }
        "D1" => Box::new(|| vfnl_impl::d1_lazy(&d1_64)),
        "D1-full" => Box::new(|| vfnl_impl::d1(&d1_64)),
        "S1" => Box::new(|| vfnl_impl::s1(&mut snap, &d1_64)),
        "S1-lazy" => Box::new(|| vfnl_impl::s1_lazy(&d1_64)),
        "D1-floor" => Box::new(|| floor::decode_all(&d1_64)),
        "S1-floor" => Box::new(|| floor::decode_one(&d1_64, S1_VF)),
        _ => panic!(
            "--profile E1|E1-floor|E2|E2-value|E2-floor|D1|D1-full|D1-floor|S1|S1-lazy|S1-floor"
        ),
    };
    for _ in 0..iters {
        black_box(op());
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.len() == 3 && argv[1] == "--profile" {
        return profile(&argv[2]);
    }
    let args = args();
    let cfg = Config::from_env();
    std::fs::create_dir_all(&args.dir).expect("data dir");

    // Inputs.
    let d1_64 = data::vf_reply(64);
    let d1_max = data::vf_reply(MAX_VFS_UNDER_64K);
    std::fs::write(args.dir.join("d1_64.bin"), &d1_64).unwrap();
    std::fs::write(args.dir.join("d1_max.bin"), &d1_max).unwrap();
    std::fs::write(args.dir.join("e1_expected.bin"), data::E1_EXPECTED).unwrap();
    let map = vfnl_impl::e2_ports(&data::E2_IN);
    let assignment = vfnl_impl::e2_assignment(&data::E2_IN);

    // The D1 messages decode to what they were built to hold.
    for (msg, n) in [(&d1_64, 64), (&d1_max, MAX_VFS_UNDER_64K)] {
        let link = vfnl::LinkMessage::parse(msg).expect("D1 reply parses");
        let idx: Vec<u32> = link.vfs().map(|v| v.expect("VF parses").vf).collect();
        assert_eq!(idx, (0..n as u32).collect::<Vec<_>>(), "D1 with {n} VFs");
    }

    // The libnl peer, first, on an idle machine.
    let libnl = match &args.libnl {
        Some(bin) => match run_libnl(bin, &args.dir) {
            Ok(rows) => Some(rows),
            Err(e) => {
                eprintln!("libnl peer skipped: {e}");
                None
            }
        },
        None => None,
    };
    let libnl_row = |scenario: &str| {
        libnl
            .as_ref()
            .and_then(|rows| rows.iter().find(|(s, _)| s == scenario))
            .map(|(_, r)| r)
    };

    let mut rows: Vec<Row> = Vec::new();
    let mut push = |scenario: &'static str,
                    cases: &mut [Case<'_>],
                    checks: Vec<String>,
                    allocs: Vec<(f64, f64)>| {
        // BENCH_ONLY=E1,D1-64 runs only those scenarios (for profiling and quick checks).
        if let Ok(only) = std::env::var("BENCH_ONLY") {
            if !only.split(',').any(|s| s == scenario) {
                return;
            }
        }
        let timings = timing::measure(cfg, cases);
        for (((c, t), check), (a, b)) in cases.iter().zip(timings).zip(checks).zip(allocs) {
            rows.push(Row {
                scenario,
                name: c.name.to_string(),
                timing: t,
                allocs: a,
                alloc_bytes: b,
                check,
            });
        }
    };
    const ALLOC_ITERS: u64 = 100;

    // ---- E1 ----
    {
        let floor_e1 = floor::e1;
        let mut out = [0u8; 256];
        let v = vfnl_impl::e1(black_box(&data::E1_IN), &mut out);
        let c_vfnl = compare(&out[..v], data::E1_EXPECTED);
        let n = npr::e1(black_box(&data::E1_IN), &mut out);
        let c_npr = compare(&out[..n], data::E1_EXPECTED);
        let f = floor_e1(black_box(&data::E1_IN), &mut out);
        let c_floor = compare(&out[..f], data::E1_EXPECTED);
        let cfg = vfnl_impl::e1_config(&data::E1_IN);
        let r = vfnl_impl::e1_runtime(black_box(&data::E1_IN), black_box(&cfg), &mut out);
        let c_runtime = compare(&out[..r], data::E1_EXPECTED);
        let (mut b1, mut b2, mut b3, mut b4) = ([0u8; 256], [0u8; 256], [0u8; 256], [0u8; 256]);
        let mut b5 = [0u8; 256];
        let allocs = vec![
            alloc::per_op(ALLOC_ITERS, || {
                vfnl_impl::e1(black_box(&data::E1_IN), &mut b1) as u64
            }),
            alloc::per_op(ALLOC_ITERS, || {
                vfnl_impl::e1_runtime(black_box(&data::E1_IN), black_box(&cfg), &mut b5) as u64
            }),
            alloc::per_op(ALLOC_ITERS, || {
                npr::e1(black_box(&data::E1_IN), &mut b2) as u64
            }),
            alloc::per_op(ALLOC_ITERS, || {
                floor_e1(black_box(&data::E1_IN), &mut b3) as u64
            }),
            alloc::per_op(ALLOC_ITERS, || {
                b4[..120].copy_from_slice(black_box(data::E1_EXPECTED));
                120
            }),
        ];
        let mut cases = [
            Case {
                name: "vfnl SetLink::encode",
                op: Box::new(|| vfnl_impl::e1(black_box(&data::E1_IN), &mut b1) as u64),
            },
            Case {
                name: "vfnl SetLink::encode, settings not known at compile time",
                op: Box::new(|| {
                    vfnl_impl::e1_runtime(black_box(&data::E1_IN), black_box(&cfg), &mut b5) as u64
                }),
            },
            Case {
                name: "netlink-packet-route 0.34",
                op: Box::new(|| npr::e1(black_box(&data::E1_IN), &mut b2) as u64),
            },
            Case {
                name: "floor: hand-written writer",
                op: Box::new(|| floor_e1(black_box(&data::E1_IN), &mut b3) as u64),
            },
            Case {
                name: "memcpy of the 120 bytes",
                op: Box::new(|| {
                    b4[..120].copy_from_slice(black_box(data::E1_EXPECTED));
                    120
                }),
            },
        ];
        let checks = vec![c_vfnl, c_runtime, c_npr, c_floor, "same bytes".into()];
        push("E1", &mut cases, checks, allocs);
    }

    // ---- E2 ----
    let e2_reference = {
        let mut out = [0u8; 512];
        let n = vfnl_impl::e2(black_box(&data::E2_IN), &assignment, &map, &mut out);
        out[..n].to_vec()
    };
    {
        let mut out = [0u8; 512];
        let mut batch0 = Batch::default();
        let n = vfnl_impl::e2_with_build(black_box(&data::E2_IN), &map, &mut out);
        let c_build = compare(&out[..n], &e2_reference);
        let n = npr::e2(black_box(&data::E2_IN), &mut out);
        let c_npr = compare(&out[..n], &e2_reference);
        let floor_e2 = floor::e2;
        let n = floor_e2(black_box(&data::E2_IN), &mut out);
        let c_floor = compare(&out[..n], &e2_reference);
        let len = e2_reference.len();
        let n = vfnl_impl::e2_into(
            black_box(&data::E2_IN),
            &assignment,
            &map,
            &mut out,
            &mut batch0,
        );
        let c_into = compare(&out[..n], &e2_reference);
        let (mut b0, mut b1, mut b2, mut b3, mut b4, mut b5) = (
            [0u8; 512], [0u8; 512], [0u8; 512], [0u8; 512], [0u8; 512], [0u8; 512],
        );
        let allocs = vec![
            alloc::per_op(ALLOC_ITERS, || {
                vfnl_impl::e2_into(
                    black_box(&data::E2_IN),
                    &assignment,
                    &map,
                    &mut b0,
                    &mut batch0,
                ) as u64
            }),
            alloc::per_op(ALLOC_ITERS, || {
                vfnl_impl::e2(black_box(&data::E2_IN), &assignment, &map, &mut b1) as u64
            }),
            alloc::per_op(ALLOC_ITERS, || {
                vfnl_impl::e2_with_build(black_box(&data::E2_IN), &map, &mut b5) as u64
            }),
            alloc::per_op(ALLOC_ITERS, || {
                npr::e2(black_box(&data::E2_IN), &mut b2) as u64
            }),
            alloc::per_op(ALLOC_ITERS, || {
                floor_e2(black_box(&data::E2_IN), &mut b3) as u64
            }),
            alloc::per_op(ALLOC_ITERS, || {
                b4[..len].copy_from_slice(black_box(&e2_reference));
                len as u64
            }),
        ];
        let mut cases = [
            Case {
                name: "vfnl Assignment::encode_batch_into",
                op: Box::new(|| {
                    vfnl_impl::e2_into(
                        black_box(&data::E2_IN),
                        &assignment,
                        &map,
                        &mut b0,
                        &mut batch0,
                    ) as u64
                }),
            },
            Case {
                name: "vfnl Assignment::encode_batch (by value)",
                op: Box::new(|| {
                    vfnl_impl::e2(black_box(&data::E2_IN), &assignment, &map, &mut b1) as u64
                }),
            },
            Case {
                name: "vfnl set_port x2 + encode_batch",
                op: Box::new(|| {
                    vfnl_impl::e2_with_build(black_box(&data::E2_IN), &map, &mut b5) as u64
                }),
            },
            Case {
                name: "netlink-packet-route 0.34",
                op: Box::new(|| npr::e2(black_box(&data::E2_IN), &mut b2) as u64),
            },
            Case {
                name: "floor: hand-written writer",
                op: Box::new(|| floor_e2(black_box(&data::E2_IN), &mut b3) as u64),
            },
            Case {
                name: "memcpy of the 192 bytes",
                op: Box::new(|| {
                    b4[..len].copy_from_slice(black_box(&e2_reference));
                    len as u64
                }),
            },
        ];
        let checks = vec![
            c_into,
            "reference (RTM_SETLINK)".into(),
            c_build,
            c_npr,
            c_floor,
            "same bytes".into(),
        ];
        push("E2", &mut cases, checks, allocs);
    }

    // ---- D1 and S1 ----
    let mut decode = |scenario: &'static str, msg: &[u8]| {
        let want = vfnl_impl::d1_lazy(msg);
        let checks = vec![
            format!("checksum {want:016x}"),
            checksum_check(vfnl_impl::d1(msg), want),
            checksum_check(peers::vfnl_c::d1(msg), want),
            checksum_check(npr::d1(msg), want),
            checksum_check(floor::decode_all(msg), want),
            checksum_check(floor::decode_all_full(msg), want),
            format!("{} bytes", msg.len()),
        ];
        let mut copy = vec![0u8; msg.len()];
        let allocs = vec![
            alloc::per_op(ALLOC_ITERS, || vfnl_impl::d1_lazy(msg)),
            alloc::per_op(ALLOC_ITERS, || vfnl_impl::d1(msg)),
            alloc::per_op(ALLOC_ITERS, || peers::vfnl_c::d1(msg)),
            alloc::per_op(ALLOC_ITERS, || npr::d1(msg)),
            alloc::per_op(ALLOC_ITERS, || floor::decode_all(msg)),
            alloc::per_op(ALLOC_ITERS, || floor::decode_all_full(msg)),
            alloc::per_op(ALLOC_ITERS, || {
                copy.copy_from_slice(black_box(msg));
                copy.len() as u64
            }),
        ];
        let mut cases = [
            Case {
                name: "vfnl LinkMessage + vf_entries()",
                op: Box::new(|| vfnl_impl::d1_lazy(msg)),
            },
            Case {
                name: "vfnl LinkMessage + vfs() (full decode)",
                op: Box::new(|| vfnl_impl::d1(msg)),
            },
            Case {
                name: "vfnl C ABI: vfnl_vf_next to the end",
                op: Box::new(|| peers::vfnl_c::d1(msg)),
            },
            Case {
                name: "netlink-packet-route 0.34",
                op: Box::new(|| npr::d1(msg)),
            },
            Case {
                name: "floor: hand-written nla walk",
                op: Box::new(|| floor::decode_all(msg)),
            },
            Case {
                name: "hand-written walk decoding every attribute",
                op: Box::new(|| floor::decode_all_full(msg)),
            },
            Case {
                name: "memcpy of the reply",
                op: Box::new(|| {
                    copy.copy_from_slice(black_box(msg));
                    copy.len() as u64
                }),
            },
        ];
        push(scenario, &mut cases, checks, allocs);
        want
    };
    let d1_64_sum = decode("D1-64", &d1_64);
    let d1_max_sum = decode("D1-max", &d1_max);

    let s1_sum;
    {
        let mut snap = vfnl_impl::s1_snapshot();
        let want = vfnl_impl::s1(&mut snap, &d1_64);
        s1_sum = want;
        let checks = vec![
            format!("checksum {want:016x}"),
            checksum_check(vfnl_impl::s1_lazy(&d1_64), want),
            checksum_check(npr::s1(&d1_64), want),
            checksum_check(floor::decode_one(&d1_64, S1_VF), want),
        ];
        let mut snap2 = vfnl_impl::s1_snapshot();
        let allocs = vec![
            alloc::per_op(ALLOC_ITERS, || vfnl_impl::s1(&mut snap2, &d1_64)),
            alloc::per_op(ALLOC_ITERS, || vfnl_impl::s1_lazy(&d1_64)),
            alloc::per_op(ALLOC_ITERS, || npr::s1(&d1_64)),
            alloc::per_op(ALLOC_ITERS, || floor::decode_one(&d1_64, S1_VF)),
        ];
        let mut cases = [
            Case {
                name: "vfnl LinkMessage + Snapshot::capture",
                op: Box::new(|| vfnl_impl::s1(&mut snap, &d1_64)),
            },
            Case {
                name: "vfnl LinkMessage + vf_entry(63)",
                op: Box::new(|| vfnl_impl::s1_lazy(&d1_64)),
            },
            Case {
                name: "netlink-packet-route 0.34",
                op: Box::new(|| npr::s1(&d1_64)),
            },
            Case {
                name: "floor: hand-written nla walk",
                op: Box::new(|| floor::decode_one(&d1_64, S1_VF)),
            },
        ];
        push("S1", &mut cases, checks, allocs);
    }

    // ---- libnl rows ----
    let libnl_checks = [
        (
            "E1",
            std::fs::read(args.dir.join("libnl_e1.bin"))
                .map(|b| compare(&b, data::E1_EXPECTED))
                .unwrap_or_else(|e| format!("no output: {e}")),
        ),
        (
            "E2",
            std::fs::read(args.dir.join("libnl_e2.bin"))
                .map(|b| compare(&b, &e2_reference))
                .unwrap_or_else(|e| format!("no output: {e}")),
        ),
        ("D1-64", String::new()),
        ("D1-max", String::new()),
        ("S1", String::new()),
    ];
    for (scenario, check) in libnl_checks {
        let Some(r) = libnl_row(scenario) else {
            continue;
        };
        let want = match scenario {
            "D1-64" => Some(d1_64_sum),
            "D1-max" => Some(d1_max_sum),
            "S1" => Some(s1_sum),
            _ => None,
        };
        let check = match want {
            Some(w) => checksum_check(r.checksum, w),
            None => check,
        };
        // Right after the netlink-packet-route row.
        let at = rows
            .iter()
            .position(|row| {
                row.scenario == scenario && row.name.starts_with("netlink-packet-route")
            })
            .map_or(rows.len(), |i| i + 1);
        rows.insert(
            at,
            Row {
                scenario,
                name: "libnl-route-3 (C)".into(),
                timing: Timing {
                    median_ns: r.median,
                    min_ns: r.min,
                },
                allocs: r.mallocs,
                alloc_bytes: r.bytes,
                check,
            },
        );
    }

    let report = render(&rows, &args, libnl.is_some());
    print!("{report}");
    if let Some(out) = &args.out {
        std::fs::write(out, &report).expect("write results");
        eprintln!("written to {}", out.display());
    }
}

/// The vfnl row a scenario is judged by (and the `× vfnl` column divides by): its first.
/// For D1 that is the lazy view (`vf_entries()`), for S1 `Snapshot::capture`.
fn vfnl_ns(rows: &[Row], scenario: &str) -> f64 {
    rows.iter()
        .find(|r| r.scenario == scenario && r.name.starts_with("vfnl"))
        .map_or(f64::NAN, |r| r.timing.median_ns)
}

fn ns_of(rows: &[Row], scenario: &str, prefix: &str) -> f64 {
    rows.iter()
        .find(|r| r.scenario == scenario && r.name.starts_with(prefix))
        .map_or(f64::NAN, |r| r.timing.median_ns)
}

fn render(rows: &[Row], args: &Args, have_libnl: bool) -> String {
    let mut s = String::new();
    let cfg = Config::from_env();
    let _ = writeln!(s, "# vfnl benchmark results\n");
    let _ = writeln!(s, "Machine: {}.  ", machine());
    let _ = writeln!(
        s,
        "Method: median of {} interleaved samples of ~{} ms each (bench/src/timing.rs); \
         allocations counted over 100 calls after a warm-up.\n",
        cfg.samples, cfg.sample_ms
    );
    let _ = writeln!(
        s,
        "Scenarios: E1 one SETLINK, VF 0 MAC+VLAN+SPOOFCHK+TRUST (120 bytes); E2 the RFC's \
         dual-port batch (2 × 96 bytes); D1-64 / D1-max decode of an RTM_NEWLINK with 64 / {} \
         VFs ({} / {} bytes), every VF's index, MAC, vlan, qos, spoofchk, trust; S1 VF {} of \
         the 64-VF reply. vfnl decodes D1 two ways: `vf_entries()`, the six fields through \
         the lazy `VfEntry` getters (the row the targets judge), and `vfs()`, the full decode \
         of every attribute into `VfInfo`; S1 with `Snapshot::capture` (judged) and with \
         `vf_entry()` and the six getters. E1's first row builds the request in code, as a \
         Rust caller does, so the compiler knows which settings are given; the second takes \
         them through `black_box`, as from a parser or a C caller. E2 is judged on \
         `encode_batch_into`, which fills a batch the caller keeps (as it keeps the buffer); \
         `encode_batch` returns it by value. Both batches go through `black_box`, so their \
         entries are really made.\n",
        MAX_VFS_UNDER_64K,
        data::vf_reply(64).len(),
        data::vf_reply(MAX_VFS_UNDER_64K).len(),
        S1_VF
    );
    let _ = writeln!(
        s,
        "| scenario | implementation | ns/op (median) | min | allocs/op | bytes alloc/op | × vfnl | output |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---|");
    for r in rows {
        let base = vfnl_ns(rows, r.scenario);
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} | {:.1} | {} | {} | {:.2} | {} |",
            r.scenario,
            r.name,
            r.timing.median_ns,
            r.timing.min_ns,
            fmt_num(r.allocs),
            fmt_num(r.alloc_bytes),
            r.timing.median_ns / base,
            r.check
        );
    }
    if !have_libnl {
        let _ = writeln!(s, "\n(libnl peer not run)");
    }

    // Targets.
    let _ = writeln!(s, "\n## Targets\n");
    let _ = writeln!(
        s,
        "Decode (D1) is judged on vfnl's lazy view, `vf_entries()`, reading the six fields the \
         scenario asks for, as the hand-written walker does; the full decode, `vfs()`, which \
         decodes every attribute of every VF (stats included), is reported at the end without \
         a target.\n"
    );
    let _ = writeln!(s, "| target | measured | met |");
    let _ = writeln!(s, "|---|---:|---|");
    let mut target = |what: String, value: f64, ok: bool| {
        let _ = writeln!(
            s,
            "| {what} | {value:.2} | {} |",
            if ok { "yes" } else { "**NO**" }
        );
    };
    for sc in ["E1", "E2"] {
        let r = vfnl_ns(rows, sc) / ns_of(rows, sc, "floor");
        target(format!("{sc}: vfnl ÷ hand-written writer ≤ 2"), r, r <= 2.0);
    }
    for sc in ["D1-64", "D1-max"] {
        let r = ns_of(rows, sc, "vfnl LinkMessage + vf_entries()") / ns_of(rows, sc, "floor");
        target(
            format!("{sc}: vfnl lazy view (vf_entries()) ÷ hand-written walker ≤ 1.5"),
            r,
            r <= 1.5,
        );
    }
    let r = ns_of(rows, "S1", "vfnl LinkMessage + Snapshot::capture") / ns_of(rows, "S1", "floor");
    target(
        "S1: vfnl Snapshot::capture ÷ hand-written walker ≤ 1.5".into(),
        r,
        r <= 1.5,
    );
    for sc in ["E1", "E2"] {
        let r = ns_of(rows, sc, "netlink-packet-route") / vfnl_ns(rows, sc);
        target(
            format!("{sc}: netlink-packet-route ÷ vfnl ≥ 25"),
            r,
            r >= 25.0,
        );
    }
    for sc in ["D1-64", "D1-max"] {
        let r = ns_of(rows, sc, "netlink-packet-route")
            / ns_of(rows, sc, "vfnl LinkMessage + vf_entries()");
        target(
            format!("{sc}: netlink-packet-route ÷ vfnl lazy view ≥ 10"),
            r,
            r >= 10.0,
        );
    }
    let vfnl_allocs: f64 = rows
        .iter()
        .filter(|r| r.name.starts_with("vfnl"))
        .map(|r| r.allocs)
        .sum();
    target(
        "vfnl heap allocations per op, all scenarios (= 0)".into(),
        vfnl_allocs,
        vfnl_allocs == 0.0,
    );
    for sc in ["D1-64", "D1-max"] {
        let full = ns_of(rows, sc, "vfnl LinkMessage + vfs()");
        let r = full / ns_of(rows, sc, "hand-written walk decoding");
        let _ = writeln!(
            s,
            "| {sc}: vfnl vfs() (full decode) ÷ hand-written walk decoding every attribute (no target) | {r:.2} | - |"
        );
        let r = ns_of(rows, sc, "netlink-packet-route") / full;
        let _ = writeln!(
            s,
            "| {sc}: netlink-packet-route ÷ vfnl vfs() (full decode) (no target) | {r:.2} | - |"
        );
    }
    let r =
        ns_of(rows, "E1", "vfnl SetLink::encode, settings not known") / ns_of(rows, "E1", "floor");
    let _ = writeln!(
        s,
        "| E1: vfnl, settings not known at compile time ÷ hand-written writer (no target) | {r:.2} | - |"
    );
    let r =
        ns_of(rows, "E2", "vfnl Assignment::encode_batch (by value)") / ns_of(rows, "E2", "floor");
    let _ = writeln!(
        s,
        "| E2: vfnl encode_batch (by value) ÷ hand-written writer (no target) | {r:.2} | - |"
    );
    let r = ns_of(rows, "S1", "vfnl LinkMessage + vf_entry") / ns_of(rows, "S1", "floor");
    let _ = writeln!(
        s,
        "| S1: vfnl vf_entry() and six getters ÷ hand-written walker (no target) | {r:.2} | - |"
    );

    if let Some(size) = &args.size {
        let _ = writeln!(s, "\n## Size\n");
        match std::fs::read_to_string(size) {
            Ok(t) => s.push_str(&t),
            Err(e) => {
                let _ = writeln!(s, "(no size report: {e})");
            }
        }
    }
    s
}

fn fmt_num(x: f64) -> String {
    if x == x.trunc() {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}
