//! The netlink socket layer against this machine's kernel.
//!
//! Every test runs in a network namespace of its own: a thread calls
//! `unshare(CLONE_NEWNET)`, which moves only that thread, then opens its sockets and creates
//! its links there; `ip`, run as a child of that thread, sees the same namespace. The host's
//! links are never touched. Expected values come from the kernel itself and from iproute2's
//! JSON, never from our encoder. Creating a namespace needs root (CAP_SYS_ADMIN): without it
//! the tests fail and say so.
#![cfg(feature = "std")]

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use vfnl::ack::attr_path;
use vfnl::attr::{Sink, Writer};
use vfnl::error::Field;
use vfnl::ifinfo::{IfInfoMsg, IffFlags};
use vfnl::ifla::*;
use vfnl::link::LinkMessage;
use vfnl::nlmsg::{NlmFlags, NlmsgHeader, NLMSG_ERROR, RTM_NEWLINK, RTM_SETLINK};
use vfnl::request::{GetLink, LinkDump, LinkTarget, SetLink};
use vfnl::sys::socket::*;
use vfnl::{Mac, VfConfig};

// From include/uapi/linux/if_link.h and veth.h: what creating a veth pair needs.
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;

const EINVAL: i32 = 22;
const ENODEV: i32 = 19;
const ERANGE: i32 = 34;
const EOPNOTSUPP: i32 = 95;

/// Held shared by every test and exclusively by the one that counts open descriptors, so
/// that no other test opens or closes one while it counts.
static FD_GATE: RwLock<()> = RwLock::new(());

/// Runs `f` on a thread of its own inside a new network namespace.
fn in_netns<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let handle = std::thread::spawn(move || {
        // SAFETY: unshare takes only flags; CLONE_NEWNET moves just this thread into a new
        // network namespace, which ends when the thread and its sockets are gone.
        let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
        if rc != 0 {
            panic!(
                "unshare(CLONE_NEWNET) failed: {}. These tests create a network namespace \
                 per test and need root (CAP_SYS_ADMIN); they cannot run here.",
                std::io::Error::last_os_error()
            );
        }
        f()
    });
    match handle.join() {
        Ok(r) => r,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// [`in_netns`] for every test but the descriptor count.
fn in_own_netns<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let _gate = FD_GATE.read().unwrap_or_else(|e| e.into_inner());
    in_netns(f)
}

/// Runs `ip` (in the calling thread's namespace) and returns its standard output.
fn ip(args: &[&str]) -> String {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("cannot run ip (iproute2)");
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn ip_json(args: &[&str]) -> Vec<Value> {
    match serde_json::from_str(&ip(args)).unwrap() {
        Value::Array(links) => links,
        other => panic!("ip {args:?} gave {other}"),
    }
}

fn open() -> NlSocket {
    NlSocket::open().expect("open a NETLINK_ROUTE socket")
}

/// One RTM_NEWLINK creating the veth pair `name` / `peer`, built with the attribute writer.
fn emit_veth(w: &mut Writer<'_>, seq: u32, name: &str, peer: &str) {
    let flags = NlmFlags::REQUEST | NlmFlags::ACK | NlmFlags::CREATE | NlmFlags::EXCL;
    let msg = w.message_start(RTM_NEWLINK, flags, seq, 0);
    let mut hdr = [0u8; IfInfoMsg::LEN];
    IfInfoMsg::request(0).emit(&mut hdr);
    w.bytes(&hdr);
    w.attr_str(IFLA_IFNAME, Field::IfName, name, IFNAME_MAX);
    let info = w.nest_start(IFLA_LINKINFO);
    w.attr_str(IFLA_INFO_KIND, Field::IfName, "veth", IFNAME_MAX);
    let data = w.nest_start(IFLA_INFO_DATA);
    let peer_nest = w.nest_start(VETH_INFO_PEER);
    w.bytes(&hdr);
    w.attr_str(IFLA_IFNAME, Field::IfName, peer, IFNAME_MAX);
    w.nest_end(peer_nest);
    w.nest_end(data);
    w.nest_end(info);
    w.message_end(msg);
}

/// Creates veth pairs `{prefix}a{i}` / `{prefix}b{i}` with one batch datagram; every
/// request must be acknowledged with errno 0.
fn add_veths(sock: &mut NlSocket, prefix: &str, pairs: usize) {
    let mut buf = vec![0u8; 128 * pairs];
    let mut w = Writer::new(&mut buf);
    let mut seqs = Vec::new();
    for i in 0..pairs {
        let seq = sock.next_seq();
        emit_veth(
            &mut w,
            seq,
            &format!("{prefix}a{i}"),
            &format!("{prefix}b{i}"),
        );
        seqs.push(seq);
    }
    let n = w.finish().unwrap();
    let acks = send_batch(sock, &buf[..n], &seqs).unwrap();
    assert_eq!(acks.len(), pairs);
    for (seq, ack) in acks {
        assert_eq!(ack, Ack::default(), "veth creation, seq {seq}");
    }
}

/// A SETLINK of `index` with whatever attributes `fill` writes (for requests our encoder
/// refuses to build).
fn raw_setlink(index: i32, seq: u32, fill: impl FnOnce(&mut Writer<'_>)) -> Vec<u8> {
    let mut buf = vec![0u8; 256];
    let mut w = Writer::new(&mut buf);
    let msg = w.message_start(RTM_SETLINK, NlmFlags::REQUEST | NlmFlags::ACK, seq, 0);
    let mut hdr = [0u8; IfInfoMsg::LEN];
    IfInfoMsg::request(index).emit(&mut hdr);
    w.bytes(&hdr);
    fill(&mut w);
    w.message_end(msg);
    let n = w.finish().unwrap();
    buf.truncate(n);
    buf
}

fn link_of(sock: &mut NlSocket, target: LinkTarget<'_>) -> Vec<u8> {
    let seq = sock.next_seq();
    get_link(sock, target, seq).unwrap()
}

fn ifindex_of(sock: &mut NlSocket, name: &str) -> i32 {
    LinkMessage::parse(&link_of(sock, LinkTarget::Name(name)))
        .unwrap()
        .ifindex()
}

fn hex_mac(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

/// The flag words `ip -j link` prints for `ifi_flags` (iproute2's print_link_flags):
/// "NO-CARRIER" when up without IFF_RUNNING, then each IFF_* name except RUNNING. "M-DOWN"
/// depends on another link and is left out of the comparison.
fn ip_flag_words(flags: IffFlags) -> Vec<String> {
    const NAMES: [(IffFlags, &str); 18] = [
        (IffFlags::LOOPBACK, "LOOPBACK"),
        (IffFlags::BROADCAST, "BROADCAST"),
        (IffFlags::POINTOPOINT, "POINTOPOINT"),
        (IffFlags::MULTICAST, "MULTICAST"),
        (IffFlags::NOARP, "NOARP"),
        (IffFlags::ALLMULTI, "ALLMULTI"),
        (IffFlags::PROMISC, "PROMISC"),
        (IffFlags::NOTRAILERS, "NOTRAILERS"),
        (IffFlags::DEBUG, "DEBUG"),
        (IffFlags::DYNAMIC, "DYNAMIC"),
        (IffFlags::AUTOMEDIA, "AUTOMEDIA"),
        (IffFlags::PORTSEL, "PORTSEL"),
        (IffFlags::MASTER, "MASTER"),
        (IffFlags::SLAVE, "SLAVE"),
        (IffFlags::UP, "UP"),
        (IffFlags::LOWER_UP, "LOWER_UP"),
        (IffFlags::DORMANT, "DORMANT"),
        (IffFlags::ECHO, "ECHO"),
    ];
    let mut words = Vec::new();
    if flags.contains(IffFlags::UP) && !flags.contains(IffFlags::RUNNING) {
        words.push("NO-CARRIER".to_owned());
    }
    for (flag, name) in NAMES {
        if flags.contains(flag) {
            words.push(name.to_owned());
        }
    }
    words.sort();
    words
}

/// Checks a decoded link field by field against its object in `ip -j link show`.
fn assert_matches_ip(link: &LinkMessage<'_>, json: &Value) {
    let name = link.ifname().expect("IFLA_IFNAME");
    assert_eq!(json["ifname"], name);
    assert_eq!(json["ifindex"], link.ifindex(), "{name}: ifindex");
    assert_eq!(json["mtu"], link.mtu().expect("IFLA_MTU"), "{name}: mtu");
    assert_eq!(
        json["address"],
        hex_mac(link.address().expect("IFLA_ADDRESS")),
        "{name}: address"
    );
    let mut ip_words: Vec<String> = json["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_owned())
        .filter(|w| w != "M-DOWN")
        .collect();
    ip_words.sort();
    assert_eq!(
        ip_words,
        ip_flag_words(link.ifinfo().flags),
        "{name}: flags"
    );
}

#[test]
fn open_sets_options_and_port_id() {
    in_own_netns(|| {
        let mut a = NlSocket::with_options(NlOptions {
            timeout: Duration::from_millis(1500),
            ..NlOptions::default()
        })
        .unwrap();
        let b = open();
        assert_ne!(a.pid(), 0, "the kernel assigns a port id");
        assert_ne!(a.pid(), b.pid());
        assert_eq!((a.next_seq(), a.next_seq()), (1, 2));
        assert_eq!(a.timeout(), Duration::from_millis(1500));
        assert_eq!(b.timeout(), DEFAULT_TIMEOUT);

        let int_opt = |level, name| {
            let mut v: libc::c_int = -1;
            let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: `v` and `len` are live and writable; the kernel writes an int.
            let rc = unsafe {
                libc::getsockopt(
                    std::os::fd::AsRawFd::as_raw_fd(&a),
                    level,
                    name,
                    (&mut v as *mut libc::c_int).cast(),
                    &mut len,
                )
            };
            assert_eq!(rc, 0);
            v
        };
        assert_eq!(int_opt(libc::SOL_NETLINK, libc::NETLINK_EXT_ACK), 1);
        assert_eq!(int_opt(libc::SOL_NETLINK, libc::NETLINK_CAP_ACK), 1);
        assert_eq!(int_opt(libc::SOL_SOCKET, libc::SO_PROTOCOL), 0); // NETLINK_ROUTE

        let mut tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        };
        let mut len = std::mem::size_of::<libc::timeval>() as libc::socklen_t;
        // SAFETY: `tv` and `len` are live and writable; the kernel writes a timeval.
        let rc = unsafe {
            libc::getsockopt(
                std::os::fd::AsRawFd::as_raw_fd(&a),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&mut tv as *mut libc::timeval).cast(),
                &mut len,
            )
        };
        assert_eq!(rc, 0);
        assert_eq!((tv.tv_sec, tv.tv_usec), (1, 500_000));

        // SAFETY: F_GETFD on a descriptor we own.
        let fd_flags = unsafe { libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&a), libc::F_GETFD) };
        assert_eq!(fd_flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    })
}

#[test]
fn getlink_lo_matches_ip() {
    in_own_netns(|| {
        let mut sock = open();
        let reply = link_of(&mut sock, LinkTarget::Name("lo"));
        let lo = LinkMessage::parse(&reply).unwrap();
        assert_eq!(lo.ifname(), Some("lo"));
        assert_eq!(lo.ifindex(), 1);
        assert_eq!(lo.mtu(), Some(65536));
        assert_eq!(lo.address(), Some(&[0u8; 6][..]));
        assert!(lo.ifinfo().flags.contains(IffFlags::LOOPBACK));
        assert!(!lo.has_vf_list());
        let json = ip_json(&["-d", "-j", "link", "show", "lo"]);
        assert_eq!(json.len(), 1);
        assert_matches_ip(&lo, &json[0]);
        assert_eq!(json[0]["link_type"], "loopback");
        assert_eq!(lo.ifinfo().link_type, 772); // ARPHRD_LOOPBACK

        // The same link asked by index gives the same bytes but for the sequence number.
        let by_index = link_of(&mut sock, LinkTarget::Index(1));
        assert_eq!(by_index[16..], reply[16..]);
        assert_eq!(sock.stats(), NlStats::default());
    })
}

#[test]
fn getlink_veth_matches_ip() {
    in_own_netns(|| {
        let mut sock = open();
        add_veths(&mut sock, "v", 1);
        // Up with its peer down: no carrier, flags that do not change under us.
        ip(&["link", "set", "va0", "up"]);
        let reply = link_of(&mut sock, LinkTarget::Name("va0"));
        let va = LinkMessage::parse(&reply).unwrap();
        let json = ip_json(&["-d", "-j", "link", "show", "va0"]);
        assert_eq!(json.len(), 1);
        assert_matches_ip(&va, &json[0]);
        assert_eq!(json[0]["linkinfo"]["info_kind"], "veth");
        assert_eq!(json[0]["link_type"], "ether");
        assert_eq!(va.ifinfo().link_type, 1); // ARPHRD_ETHER
        assert_eq!(va.address().unwrap().len(), 6);
        assert!(va.ifinfo().flags.contains(IffFlags::UP));
        assert!(!va.ifinfo().flags.contains(IffFlags::LOWER_UP));
        // veth has no VF: asked with RTEXT_FILTER_VF, no IFLA_NUM_VF and no list.
        assert_eq!(va.num_vf(), None);
        assert_eq!(va.vfs().count(), 0);

        let by_index = link_of(&mut sock, LinkTarget::Index(va.ifindex() as u32));
        assert_eq!(by_index[16..], reply[16..]);
    })
}

#[test]
fn getlink_of_a_missing_link_is_enodev() {
    in_own_netns(|| {
        let mut sock = open();
        let seq = sock.next_seq();
        match get_link(&mut sock, LinkTarget::Name("nosuch0"), seq) {
            Err(SysError::Kernel { errno, .. }) => assert_eq!(errno, ENODEV),
            other => panic!("{other:?}"),
        }
        let seq = sock.next_seq();
        match get_link(&mut sock, LinkTarget::Index(4242), seq) {
            Err(e) => assert_eq!(e.errno(), Some(ENODEV), "{e}"),
            other => panic!("{other:?}"),
        }
    })
}

/// Passes everything to a socket, counting sends and datagrams; after the first datagram of
/// each of the first `interrupts` dumps, adds a veth pair through a second socket so that
/// the rest of that dump is flagged NLM_F_DUMP_INTR.
struct Meddler<'a> {
    sock: &'a mut NlSocket,
    other: &'a mut NlSocket,
    interrupts: usize,
    sends: usize,
    datagrams: usize,
    since_send: usize,
    largest: usize,
    added: usize,
}

impl<'a> Meddler<'a> {
    fn new(sock: &'a mut NlSocket, other: &'a mut NlSocket, interrupts: usize) -> Self {
        Meddler {
            sock,
            other,
            interrupts,
            sends: 0,
            datagrams: 0,
            since_send: 0,
            largest: 0,
            added: 0,
        }
    }
}

impl Transport for Meddler<'_> {
    fn send(&mut self, datagram: &[u8]) -> Result<(), SysError> {
        self.sends += 1;
        self.since_send = 0;
        self.sock.send(datagram)
    }

    fn recv(&mut self) -> Result<&[u8], SysError> {
        if self.since_send == 1 && self.added < self.interrupts {
            add_veths(self.other, &format!("i{}", self.added), 1);
            self.added += 1;
        }
        self.since_send += 1;
        self.datagrams += 1;
        let d = self.sock.recv()?;
        self.largest = self.largest.max(d.len());
        Ok(d)
    }

    fn note_foreign_seq(&mut self, header: &NlmsgHeader) {
        self.sock.note_foreign_seq(header)
    }
}

#[test]
fn dump_reassembles_and_matches_ip() {
    in_own_netns(|| {
        let mut sock = open();
        let mut other = open();
        add_veths(&mut sock, "d", 40);
        let seq = sock.next_seq();
        let mut t = Meddler::new(&mut sock, &mut other, 0);
        let links = dump_links(&mut t, LinkDump::new().seq(seq), DUMP_ATTEMPTS).unwrap();
        let total: usize = links.iter().map(Vec::len).sum();
        assert_eq!(t.sends, 1);
        assert!(
            t.datagrams > 2,
            "{} links, {total} bytes in {} datagrams: expected a multi-part dump",
            links.len(),
            t.datagrams
        );

        let json = ip_json(&["-d", "-j", "link", "show"]);
        assert_eq!(links.len(), 81, "lo and 40 veth pairs");
        assert_eq!(links.len(), json.len());
        let by_index: BTreeMap<i64, &Value> = json
            .iter()
            .map(|l| (l["ifindex"].as_i64().unwrap(), l))
            .collect();
        let mut names = Vec::new();
        for bytes in &links {
            let link = LinkMessage::parse(bytes).unwrap();
            assert!(link.header().flags.contains(NlmFlags::MULTI));
            assert_eq!(link.header().seq, seq);
            let j = by_index
                .get(&i64::from(link.ifindex()))
                .unwrap_or_else(|| panic!("ip does not list ifindex {}", link.ifindex()));
            assert_matches_ip(&link, j);
            names.push(link.ifname().unwrap().to_owned());
        }
        assert!(names.contains(&"lo".to_owned()));
        assert!(names.contains(&"da39".to_owned()) && names.contains(&"db39".to_owned()));
        assert_eq!(sock.stats(), NlStats::default());
    })
}

#[test]
fn interrupted_dump_is_asked_again() {
    in_own_netns(|| {
        let mut sock = open();
        let mut other = open();
        add_veths(&mut sock, "d", 40);
        let seq = sock.next_seq();
        let mut t = Meddler::new(&mut sock, &mut other, 1);
        let links = dump_links(&mut t, LinkDump::new().seq(seq), DUMP_ATTEMPTS).unwrap();
        assert_eq!(t.added, 1);
        assert_eq!(t.sends, 2, "the interrupted dump was asked once more");
        // The second, consistent dump sees the pair added during the first.
        assert_eq!(links.len(), 81 + 2);
        let names: Vec<String> = links
            .iter()
            .map(|b| LinkMessage::parse(b).unwrap().ifname().unwrap().to_owned())
            .collect();
        assert!(names.contains(&"i0a0".to_owned()) && names.contains(&"i0b0".to_owned()));
        assert_eq!(sock.stats(), NlStats::default());
    })
}

#[test]
fn dump_interrupted_every_time_gives_up() {
    in_own_netns(|| {
        let mut sock = open();
        let mut other = open();
        add_veths(&mut sock, "d", 40);
        let seq = sock.next_seq();
        let mut t = Meddler::new(&mut sock, &mut other, usize::MAX);
        let err = dump_links(&mut t, LinkDump::new().seq(seq), 3).unwrap_err();
        assert_eq!(err, SysError::DumpInterrupted { attempts: 3 });
        assert_eq!((t.sends, t.added), (3, 3));
        // Each attempt was read to its end: the socket is in step for the next exchange.
        assert_eq!(ifindex_of(&mut sock, "lo"), 1);
        assert_eq!(sock.stats(), NlStats::default());
    })
}

#[test]
fn vf_mac_on_veth_is_eopnotsupp() {
    in_own_netns(|| {
        let mut sock = open();
        add_veths(&mut sock, "v", 1);
        let index = ifindex_of(&mut sock, "va0");
        let vfs = [VfConfig {
            mac: Some(Mac::ethernet([0x02, 0, 0, 0, 0, 0x01])),
            ..VfConfig::new(0)
        }];
        let seq = sock.next_seq();
        let mut buf = [0u8; 256];
        let n = SetLink::new(LinkTarget::Index(index as u32), &vfs)
            .seq(seq)
            .encode(&mut buf)
            .unwrap();
        let ack = request_ack(&mut sock, &buf[..n], seq).unwrap();
        // The kernel parsed the VF entry and found no ndo_set_vf_mac: our shape is accepted.
        assert_eq!(ack.errno, EOPNOTSUPP, "{ack:?}");
        assert!(!ack.is_ok());
        assert_eq!(
            ack.clone().into_result().unwrap_err().errno(),
            Some(EOPNOTSUPP)
        );
        // By name as well (ifindex 0 and IFLA_IFNAME).
        let seq = sock.next_seq();
        let n = SetLink::new(LinkTarget::Name("va0"), &vfs)
            .seq(seq)
            .encode(&mut buf)
            .unwrap();
        assert_eq!(
            request_ack(&mut sock, &buf[..n], seq).unwrap().errno,
            EOPNOTSUPP
        );
    })
}

#[test]
fn malformed_vf_setlinks_are_refused() {
    in_own_netns(|| {
        let mut sock = open();
        add_veths(&mut sock, "v", 1);
        let index = ifindex_of(&mut sock, "va0");

        // IFLA_VF_MAC with 8 bytes instead of struct ifla_vf_mac's 36. The kernel checks
        // each VF entry against ifla_vf_policy, where a payload below the minimum is ERANGE.
        // That check runs without extended-ACK context (Linux 6.18 gives no text and no
        // offset); should a kernel give an offset, it must name the VF MAC.
        let seq = sock.next_seq();
        let short_mac = raw_setlink(index, seq, |w| {
            let list = w.nest_start(IFLA_VFINFO_LIST);
            let info = w.nest_start(IFLA_VF_INFO);
            w.attr(IFLA_VF_MAC, &[0, 0, 0, 0, 0x02, 0, 0, 0x01]);
            w.nest_end(info);
            w.nest_end(list);
        });
        let ack = request_ack(&mut sock, &short_mac, seq).unwrap();
        assert_eq!(ack.errno, ERANGE, "{ack:?}");
        if let Some(offset) = ack.offset {
            assert_eq!(
                attr_path(&short_mac, IfInfoMsg::LEN, offset)
                    .unwrap()
                    .as_slice(),
                &[IFLA_VFINFO_LIST, IFLA_VF_INFO, IFLA_VF_MAC]
            );
        }

        // IFLA_VFINFO_LIST with a 2-byte payload: the top-level policy wants a nest, and
        // that check runs with extended ACK: a text, and the offset of the list.
        let seq = sock.next_seq();
        let short_list = raw_setlink(index, seq, |w| w.attr(IFLA_VFINFO_LIST, &[0, 0]));
        let ack = request_ack(&mut sock, &short_list, seq).unwrap();
        assert_eq!(ack.errno, ERANGE, "{ack:?}");
        let text = ack.msg.clone().expect("extended-ACK text");
        assert!(!text.is_empty());
        let offset = ack.offset.expect("extended-ACK offset");
        assert_eq!(
            offset, 32,
            "nlmsghdr 16 + ifinfomsg 16: the first attribute"
        );
        assert_eq!(
            attr_path(&short_list, IfInfoMsg::LEN, offset)
                .unwrap()
                .as_slice(),
            &[IFLA_VFINFO_LIST]
        );
        let err = ack.into_result().unwrap_err();
        assert!(err.to_string().contains(&text), "{err}");

        // An IFLA_VF_INFO with no VF attribute at all: EINVAL.
        let seq = sock.next_seq();
        let empty = raw_setlink(index, seq, |w| {
            let list = w.nest_start(IFLA_VFINFO_LIST);
            let info = w.nest_start(IFLA_VF_INFO);
            w.nest_end(info);
            w.nest_end(list);
        });
        assert_eq!(request_ack(&mut sock, &empty, seq).unwrap().errno, EINVAL);
    })
}

fn mtu_setlink(index: i32, seq: u32, mtu: u32) -> Vec<u8> {
    raw_setlink(index, seq, |w| w.attr_u32(IFLA_MTU, mtu))
}

#[test]
fn mtu_change_is_acked() {
    in_own_netns(|| {
        let mut sock = open();
        add_veths(&mut sock, "v", 1);
        let index = ifindex_of(&mut sock, "va0");
        let seq = sock.next_seq();
        let ack = request_ack(&mut sock, &mtu_setlink(index, seq, 1400), seq).unwrap();
        assert_eq!(ack, Ack::default());
        let reply = link_of(&mut sock, LinkTarget::Index(index as u32));
        assert_eq!(LinkMessage::parse(&reply).unwrap().mtu(), Some(1400));
        assert_eq!(ip_json(&["-j", "link", "show", "va0"])[0]["mtu"], 1400);

        // Below the device minimum (68): EINVAL with a text but no attribute offset.
        let seq = sock.next_seq();
        let ack = request_ack(&mut sock, &mtu_setlink(index, seq, 10), seq).unwrap();
        assert_eq!(ack.errno, EINVAL, "{ack:?}");
        assert!(!ack.msg.unwrap_or_default().is_empty());
    })
}

#[test]
fn receive_times_out_when_nothing_is_pending() {
    in_own_netns(|| {
        let mut sock = NlSocket::with_options(NlOptions {
            timeout: Duration::from_millis(50),
            ..NlOptions::default()
        })
        .unwrap();
        let start = Instant::now();
        assert_eq!(sock.recv().unwrap_err(), SysError::Timeout);
        assert!(start.elapsed() >= Duration::from_millis(45));
        assert_eq!(sock.stats(), NlStats::default());
    })
}

#[test]
fn a_reply_of_another_kind_is_not_taken_for_the_ack() {
    in_own_netns(|| {
        let mut sock = NlSocket::with_options(NlOptions {
            timeout: Duration::from_millis(50),
            ..NlOptions::default()
        })
        .unwrap();
        // A GETLINK with NLM_F_ACK is answered with the link, then an ACK: request_ack
        // refuses to read the link as its answer.
        let mut buf = [0u8; 64];
        let seq = sock.next_seq();
        let mut get = GetLink::new(LinkTarget::Index(1)).seq(seq);
        get.header.flags |= NlmFlags::ACK;
        let n = get.encode(&mut buf).unwrap();
        assert_eq!(
            request_ack(&mut sock, &buf[..n], seq).unwrap_err(),
            SysError::UnexpectedReply {
                message_type: RTM_NEWLINK,
                seq
            }
        );
        // A request without NLM_F_ACK is not sent at all: no answer could be waited for.
        let seq = sock.next_seq();
        let n = GetLink::new(LinkTarget::Index(1))
            .seq(seq)
            .encode(&mut buf)
            .unwrap();
        assert_eq!(
            request_ack(&mut sock, &buf[..n], seq).unwrap_err(),
            SysError::InvalidRequest {
                reason: "a request without NLM_F_ACK gets no answer to wait for"
            }
        );
        // The ACK left behind belongs to no request in flight any more: skipped, counted.
        assert_eq!(ifindex_of(&mut sock, "lo"), 1);
        assert_eq!(sock.stats().foreign_seq, 1);
        assert_eq!(sock.recv().unwrap_err(), SysError::Timeout);
    })
}

#[test]
fn batch_of_three_is_answered_per_seq() {
    in_own_netns(|| {
        let mut sock = open();
        add_veths(&mut sock, "v", 1);
        let va = ifindex_of(&mut sock, "va0");
        let vb = ifindex_of(&mut sock, "vb0");
        let vfs = [VfConfig {
            mac: Some(Mac::ethernet([0x02, 0, 0, 0, 0, 0x01])),
            ..VfConfig::new(0)
        }];
        let seqs = [sock.next_seq(), sock.next_seq(), sock.next_seq()];
        let mut datagram = mtu_setlink(va, seqs[0], 1280);
        let mut vf = [0u8; 256];
        let n = SetLink::new(LinkTarget::Index(va as u32), &vfs)
            .seq(seqs[1])
            .encode(&mut vf)
            .unwrap();
        datagram.extend_from_slice(&vf[..n]);
        datagram.extend_from_slice(&mtu_setlink(vb, seqs[2], 10));

        let acks = send_batch(&mut sock, &datagram, &seqs).unwrap();
        let errnos: Vec<(u32, i32)> = acks.iter().map(|(s, a)| (*s, a.errno)).collect();
        assert_eq!(
            errnos,
            [(seqs[0], 0), (seqs[1], EOPNOTSUPP), (seqs[2], EINVAL)]
        );
        assert!(acks[2].1.msg.is_some());
        // The kernel went on after the failure in the middle: the first change stands.
        assert_eq!(
            LinkMessage::parse(&link_of(&mut sock, LinkTarget::Name("va0")))
                .unwrap()
                .mtu(),
            Some(1280)
        );

        // Answers are matched by sequence number, not by position.
        let seqs = [sock.next_seq(), sock.next_seq()];
        let mut datagram = mtu_setlink(vb, seqs[1], 10);
        datagram.extend_from_slice(&mtu_setlink(va, seqs[0], 1300));
        assert_eq!(
            send_batch(&mut sock, &datagram, &seqs).unwrap_err(),
            SysError::InvalidRequest {
                reason: "sequence numbers differ from the ones given"
            }
        );
        let acks = send_batch(&mut sock, &datagram, &[seqs[1], seqs[0]]).unwrap();
        assert_eq!((acks[0].1.errno, acks[1].1.errno), (EINVAL, 0));
        assert_eq!(sock.stats(), NlStats::default());
    })
}

#[test]
fn replies_to_other_requests_are_not_answers() {
    in_own_netns(|| {
        let mut sock = open();
        add_veths(&mut sock, "v", 1);
        let index = ifindex_of(&mut sock, "va0");
        // A GETLINK whose reply nobody waits for (say, it timed out) ...
        let mut buf = [0u8; 64];
        let stale = sock.next_seq();
        let n = GetLink::new(LinkTarget::Index(1))
            .seq(stale)
            .encode(&mut buf)
            .unwrap();
        sock.send(&buf[..n]).unwrap();
        // ... is still queued when the next request is sent; it must be skipped.
        let seq = sock.next_seq();
        let ack = request_ack(&mut sock, &mtu_setlink(index, seq, 1400), seq).unwrap();
        assert_eq!(ack.errno, 0);
        assert_eq!(
            sock.stats(),
            NlStats {
                foreign_sender: 0,
                foreign_seq: 1
            }
        );
    })
}

/// An NLMSG_ERROR claiming success for `seq`, as another process could forge it.
fn forged_ack(seq: u32) -> Vec<u8> {
    let mut msg = vec![0u8; 36];
    let header = NlmsgHeader {
        len: 36,
        message_type: NLMSG_ERROR,
        flags: NlmFlags::CAPPED,
        seq,
        pid: 0,
    };
    let mut h = [0u8; 16];
    header.emit(&mut h);
    msg[..16].copy_from_slice(&h);
    // error 0, then the "echoed request" header: only its seq matters here.
    let echoed = NlmsgHeader {
        len: 16,
        message_type: RTM_SETLINK,
        flags: NlmFlags::REQUEST | NlmFlags::ACK,
        seq,
        pid: 0,
    };
    echoed.emit(&mut h);
    msg[20..36].copy_from_slice(&h);
    msg
}

#[test]
fn datagrams_from_other_sockets_are_dropped() {
    in_own_netns(|| {
        let mut sock = open();
        add_veths(&mut sock, "v", 1);
        let index = ifindex_of(&mut sock, "va0");
        let vfs = [VfConfig {
            trust: Some(true),
            ..VfConfig::new(0)
        }];
        let seq = sock.next_seq();
        let mut buf = [0u8; 256];
        let n = SetLink::new(LinkTarget::Index(index as u32), &vfs)
            .seq(seq)
            .encode(&mut buf)
            .unwrap();

        // Another socket sends a forged "success" for that seq to our port id first.
        let forger = open();
        let forged = forged_ack(seq);
        let mut to: libc::sockaddr_nl = zeroed_sockaddr_nl();
        to.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        to.nl_pid = sock.pid();
        // SAFETY: `forged` and `to` are live and we pass their sizes.
        let sent = unsafe {
            libc::sendto(
                std::os::fd::AsRawFd::as_raw_fd(&forger),
                forged.as_ptr().cast(),
                forged.len(),
                0,
                (&to as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        assert_eq!(
            sent,
            forged.len() as isize,
            "{}",
            std::io::Error::last_os_error()
        );

        // The kernel's real answer wins: veth has no ndo_set_vf_trust.
        let ack = request_ack(&mut sock, &buf[..n], seq).unwrap();
        assert_eq!(ack.errno, EOPNOTSUPP);
        assert_eq!(
            sock.stats(),
            NlStats {
                foreign_sender: 1,
                foreign_seq: 0
            }
        );
    })
}

fn zeroed_sockaddr_nl() -> libc::sockaddr_nl {
    // SAFETY: sockaddr_nl is plain integers; all zeroes is a valid value.
    unsafe { std::mem::zeroed() }
}

#[test]
fn a_full_receive_queue_is_reported_and_survived() {
    in_own_netns(|| {
        let mut sock = NlSocket::with_options(NlOptions {
            // The smallest queue the kernel allows (it raises the value to its minimum).
            recv_queue: Some(1),
            ..NlOptions::default()
        })
        .unwrap();
        // 64 GETLINKs of lo in one datagram, none read: the replies overflow the queue.
        let mut datagram = Vec::new();
        let mut buf = [0u8; 64];
        for _ in 0..64 {
            let seq = sock.next_seq();
            let n = GetLink::new(LinkTarget::Index(1))
                .seq(seq)
                .encode(&mut buf)
                .unwrap();
            datagram.extend_from_slice(&buf[..n]);
        }
        sock.send(&datagram).unwrap();
        assert_eq!(sock.recv().unwrap_err(), SysError::NoBuffers);
        // The replies that fitted are still queued; the others are lost.
        let queued = sock.drain().unwrap();
        assert!((1..64).contains(&queued), "{queued} of 64 replies queued");
        assert_eq!(sock.drain().unwrap(), 0);
        // In step again: the next request gets its answer, nothing foreign in between.
        assert_eq!(ifindex_of(&mut sock, "lo"), 1);
        assert_eq!(sock.stats(), NlStats::default());
    })
}

#[test]
fn buffer_grows_to_the_datagram() {
    in_own_netns(|| {
        let mut sock = NlSocket::with_options(NlOptions {
            buffer_len: 256,
            ..NlOptions::default()
        })
        .unwrap();
        assert_eq!(sock.buffer_len(), 256);
        let reply = link_of(&mut sock, LinkTarget::Name("lo"));
        assert!(reply.len() > 256, "{}", reply.len());
        assert!(sock.buffer_len() >= reply.len());
        assert_eq!(LinkMessage::parse(&reply).unwrap().ifname(), Some("lo"));

        add_veths(&mut sock, "d", 20);
        let mut other = open();
        let seq = sock.next_seq();
        let mut t = Meddler::new(&mut sock, &mut other, 0);
        let links = dump_links(&mut t, LinkDump::new().seq(seq), 1).unwrap();
        assert_eq!(links.len(), 41);
        let largest = t.largest;
        assert!(largest > 256, "dump datagrams of {largest} bytes");
        assert!(sock.buffer_len() >= largest);
    })
}

#[test]
fn descriptors_are_not_leaked() {
    let _gate = FD_GATE.write().unwrap_or_else(|e| e.into_inner());
    in_netns(|| {
        let count = || std::fs::read_dir("/proc/self/fd").unwrap().count();
        let before = count();
        for _ in 0..100 {
            let mut sock = open();
            assert_eq!(ifindex_of(&mut sock, "lo"), 1);
        }
        assert_eq!(count(), before);
    })
}
