//! Writes the fuzz targets' seed corpora (fuzz/seeds/TARGET/) from the golden vectors:
//! real igb and host-kernel replies, iproute2's requests, and snapshots captured from the
//! igb replies. `cargo run -p vfnl-bench --bin fuzz-seeds -- fuzz/seeds` (make fuzz-seeds).

#[allow(dead_code, clippy::all)]
#[path = "../../../core/tests/golden/host_kernel.rs"]
mod host;
#[allow(dead_code, clippy::all)]
#[path = "../../../core/tests/golden/igb_kernel.rs"]
mod igb;

use std::path::Path;
use vfnl::assignment::Assignment;
use vfnl::link::LinkMessage;
use vfnl::port::{Port, PortMap};
use vfnl::snapshot::{Snapshot, SNAPSHOT_LEN};
use vfnl::{Mac, PortProfile, PortRequest, VfConfig, VirtualPort, VlanTag};

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(name), bytes).unwrap();
}

/// The ack target's input: u16 request length, request, datagram.
fn ack_input(request: &[u8], datagram: &[u8]) -> Vec<u8> {
    let mut v = (request.len() as u16).to_le_bytes().to_vec();
    v.extend_from_slice(request);
    v.extend_from_slice(datagram);
    v
}

/// The dump target's input: u32 seq, then u16 length and bytes per datagram.
fn dump_input(seq: u32, parts: &[&[u8]]) -> Vec<u8> {
    let mut v = seq.to_le_bytes().to_vec();
    for p in parts {
        v.extend_from_slice(&(p.len() as u16).to_le_bytes());
        v.extend_from_slice(p);
    }
    v
}

/// The c_abi target's input: flags, parameter, four parts each with a u16 length (link
/// reply, datagram, batch buffer, snapshot), then the PCI address text.
fn c_abi_input(flags: u8, param: u8, parts: [&[u8]; 4], pci: &str) -> Vec<u8> {
    let mut v = vec![flags, param];
    for p in parts {
        v.extend_from_slice(&(p.len() as u16).to_le_bytes());
        v.extend_from_slice(p);
    }
    v.extend_from_slice(pci.as_bytes());
    v
}

/// A golden reply with its sequence number replaced, to answer the c_abi target's batch
/// (sequence numbers 1 and 2).
fn with_seq(reply: &[u8], seq: u32) -> Vec<u8> {
    let mut v = reply.to_vec();
    v[8..12].copy_from_slice(&seq.to_le_bytes());
    v
}

fn snapshot(virtualport: bool, captured: bool) -> [u8; SNAPSHOT_LEN] {
    let mut map = PortMap::new();
    map.add(Port::new(1, 2).named("eth0").unwrap()).unwrap();
    map.add(Port::new(2, 3).named("eth1").unwrap()).unwrap();
    let mut a = Assignment::new(1);
    for port in [1u8, 2] {
        let cfg = VfConfig {
            mac: Some(Mac::ethernet([0x52, 0x54, 0, 1, 2, port])),
            vlan: Some(VlanTag::dot1q(41 + u32::from(port), 0)),
            trust: Some(true),
            spoofchk: Some(false),
            ..VfConfig::new(1)
        };
        let vp = (virtualport && port == 2).then(|| VirtualPort {
            profile: Some(PortProfile::new("finance").unwrap()),
            instance_uuid: Some([7; 16]),
            request: Some(PortRequest::Associate),
            ..VirtualPort::default()
        });
        a.set_port(port, cfg, vp).unwrap();
    }
    let mut s = Snapshot::for_assignment(&a, &map)
        .unwrap()
        .with_pci("0000:01:10.2".parse().unwrap());
    if captured {
        for (port, part) in [(1, 1), (2, 2)] {
            let link = LinkMessage::parse(igb::IGB_DUMP_VF_REPLY_PARTS[part]).unwrap();
            s.capture(port, &link).unwrap();
        }
    }
    let mut out = [0u8; SNAPSHOT_LEN];
    s.serialize(&mut out).unwrap();
    out
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fuzz/seeds".into());
    let dir = Path::new(&dir);

    for (name, bytes) in [
        ("igb_getlink_vf", igb::IGB_GETLINK_VF_REPLY),
        (
            "igb_getlink_vf_skip_stats",
            igb::IGB_GETLINK_VF_SKIP_STATS_REPLY,
        ),
        ("igb_dump_part2", igb::IGB_DUMP_VF_REPLY_PARTS[1]),
        ("host_getlink_va_vf", host::GETLINK_VA_VF_REPLY),
    ] {
        write(dir, "link_reply", name, bytes);
    }

    for (name, req, reply) in [
        (
            "igb_rate_link_down",
            igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REQ,
            igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REPLY,
        ),
        (
            "igb_mac_ack",
            igb::IGB_SETLINK_VF_MAC_ACK_REQ,
            igb::IGB_SETLINK_VF_MAC_ACK_REPLY,
        ),
        (
            "host_extack_vfinfo_list_short",
            host::EXTACK_VFINFO_LIST_SHORT_REQ,
            host::EXTACK_VFINFO_LIST_SHORT_REPLY,
        ),
        (
            "host_extack_mtu_short_uncapped",
            host::EXTACK_MTU_SHORT_UNCAPPED_REQ,
            host::EXTACK_MTU_SHORT_UNCAPPED_REPLY,
        ),
    ] {
        write(dir, "ack", name, &ack_input(req, reply));
    }

    write(
        dir,
        "dump",
        "igb_dump",
        &dump_input(1, igb::IGB_DUMP_VF_REPLY_PARTS),
    );
    write(
        dir,
        "dump",
        "host_dump",
        &dump_input(5, host::DUMP_VF_REPLY_PARTS),
    );

    write(dir, "snapshot", "uncaptured", &snapshot(false, false));
    write(
        dir,
        "snapshot",
        "captured_two_ports",
        &snapshot(false, true),
    );
    write(
        dir,
        "snapshot",
        "captured_virtualport",
        &snapshot(true, true),
    );
    // c_abi: real replies; answers to both ports of its batch (an ACK, and a refusal with an
    // extended-ACK offset into the port's message); the snapshots above; PCI addresses. Flag
    // 0x01 (tamper with the vfnl_acks) in one of them.
    let both_answered = [
        igb::IGB_SETLINK_VF_MAC_ACK_REPLY,
        &with_seq(host::EXTACK_VFINFO_LIST_SHORT_REPLY, 2),
    ]
    .concat();
    let igb_refused = with_seq(igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REPLY, 1);
    let host_refused = with_seq(host::EXTACK_MTU_SHORT_UNCAPPED_REPLY, 2);
    for (name, flags, param, parts, pci) in [
        (
            "igb_getlink_vf",
            0,
            0,
            [
                igb::IGB_GETLINK_VF_REPLY,
                &both_answered[..],
                host::EXTACK_VFINFO_LIST_SHORT_REQ,
                &snapshot(false, true)[..],
            ],
            "0000:01:10.2",
        ),
        (
            "igb_skip_stats",
            0,
            3,
            [
                igb::IGB_GETLINK_VF_SKIP_STATS_REPLY,
                &igb_refused[..],
                igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REQ,
                &snapshot(false, false)[..],
            ],
            "06:02.1",
        ),
        (
            "host_va_vf",
            1,
            0x0b,
            [
                host::GETLINK_VA_VF_REPLY,
                &host_refused[..],
                host::EXTACK_MTU_SHORT_UNCAPPED_REQ,
                &snapshot(true, true)[..],
            ],
            "10000:e1:1f.7",
        ),
    ] {
        write(dir, "c_abi", name, &c_abi_input(flags, param, parts, pci));
    }
    eprintln!("seeds written to {}", dir.display());
}
