//! Decoding this machine's kernel (6.18) replies: GETLINK of lo and a veth, a dump, ENODEV,
//! and errors with real extended ACK (text, offset), captured by
//! tools/golden/capture-host-kernel.py in a throwaway network namespace.

// Generated doc text: dump parts are described as lists.
#[allow(clippy::doc_lazy_continuation)]
#[path = "golden/host_kernel.rs"]
mod host;

use vfnl::ack::{attr_path, ErrorMessage};
use vfnl::dump::DumpReader;
use vfnl::ifinfo::IffFlags;
use vfnl::ifla::*;
use vfnl::link::LinkMessage;
use vfnl::nlmsg::{NlmFlags, NlmsgHeader};
use vfnl::request::{GetLink, LinkDump, LinkTarget};
use vfnl::*;

#[test]
fn getlink_lo_and_veth() {
    let lo = LinkMessage::parse(host::GETLINK_LO_VF_REPLY).unwrap();
    assert_eq!((lo.ifindex(), lo.ifname()), (1, Some("lo")));
    assert_eq!(lo.ifinfo().link_type, 772);
    assert_eq!(lo.ifinfo().flags, IffFlags::LOOPBACK);
    // No parent device: no VF data even with RTEXT_FILTER_VF.
    assert_eq!(lo.num_vf(), None);
    assert!(!lo.has_vf_list());
    assert_eq!(lo.parent_dev_name(), None);

    for reply in [
        host::GETLINK_VA_VF_REPLY,
        host::GETLINK_VA_VF_SKIP_STATS_REPLY,
        host::GETLINK_VA_BY_NAME_VF_REPLY,
    ] {
        let va = LinkMessage::parse(reply).unwrap();
        assert_eq!((va.ifindex(), va.ifname()), (3, Some("va")));
        assert_eq!(va.address(), Some(&[2, 0, 0, 0, 0, 0x0a][..]));
        assert_eq!(va.ifinfo().link_type, 1);
        assert_eq!(va.vfs().count(), 0);
    }
}

/// Our GETLINK and dump requests have the bytes the kernel answered (those requests were
/// built by the capture script, independently of this crate).
#[test]
fn our_requests_match() {
    let mut buf = [0u8; 64];
    let check = |get: &[u8], ours: &[u8]| assert_eq!(ours, get);
    let n = GetLink::new(LinkTarget::Index(1))
        .seq(1)
        .encode(&mut buf)
        .unwrap();
    check(host::GETLINK_LO_VF_REQ, &buf[..n]);
    let seq = |r: &[u8]| NlmsgHeader::parse(r).unwrap().seq;
    let n = GetLink::new(LinkTarget::Index(3))
        .seq(seq(host::GETLINK_VA_VF_SKIP_STATS_REQ))
        .skip_stats()
        .encode(&mut buf)
        .unwrap();
    check(host::GETLINK_VA_VF_SKIP_STATS_REQ, &buf[..n]);
    // By name: the same header and attributes; the script wrote them in the other order
    // (the kernel parses attributes into a table, so order is free).
    let golden = host::GETLINK_VA_BY_NAME_VF_REQ;
    let n = GetLink::new(LinkTarget::Name("va"))
        .seq(seq(golden))
        .encode(&mut buf)
        .unwrap();
    assert_eq!(&buf[..32], &golden[..32]);
    let attrs = |m: &[u8]| {
        let mut v: Vec<Vec<u8>> = vfnl::attr::AttrIter::new(&m[32..], 32)
            .map(|a| {
                let a = a.unwrap();
                [&a.kind().to_ne_bytes()[..], a.payload()].concat()
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(attrs(&buf[..n]), attrs(golden));
    let n = LinkDump::new()
        .seq(seq(host::DUMP_VF_REQ))
        .encode(&mut buf)
        .unwrap();
    check(host::DUMP_VF_REQ, &buf[..n]);
}

#[test]
fn dump_of_the_namespace() {
    let seq = NlmsgHeader::parse(host::DUMP_VF_REQ).unwrap().seq;
    let mut dump = DumpReader::new(seq);
    let mut links = Vec::new();
    for part in host::DUMP_VF_REPLY_PARTS {
        for link in dump.feed(part) {
            let link = link.unwrap();
            links.push((link.ifindex(), link.ifname().unwrap().to_owned()));
        }
    }
    assert!(dump.is_done() && !dump.is_interrupted());
    assert_eq!(
        links,
        [(1, "lo".into()), (2, "vb".into()), (3, "va".into())]
    );
}

#[test]
fn no_such_device() {
    for reply in [
        host::GETLINK_NODEV_REPLY,
        host::GETLINK_NODEV_BY_NAME_REPLY,
        host::SETLINK_NODEV_REPLY,
    ] {
        assert_eq!(ErrorMessage::parse(reply).unwrap().errno(), Some(19));
    }
}

/// Real extended ACKs: text, and an offset that points at the attribute in our request.
#[test]
fn extended_ack_points_at_the_attribute() {
    type Case<'a> = (&'a [u8], &'a [u8], i32, &'a [u16]);
    let cases: [Case; 5] = [
        (
            host::EXTACK_MTU_SHORT_REQ,
            host::EXTACK_MTU_SHORT_REPLY,
            34,
            &[IFLA_MTU],
        ),
        (
            host::EXTACK_VFINFO_LIST_SHORT_REQ,
            host::EXTACK_VFINFO_LIST_SHORT_REPLY,
            34,
            &[IFLA_VFINFO_LIST],
        ),
        (
            host::EXTACK_VF_PORTS_SHORT_REQ,
            host::EXTACK_VF_PORTS_SHORT_REPLY,
            34,
            &[IFLA_VF_PORTS],
        ),
        (
            host::EXTACK_GETLINK_EXT_MASK_SHORT_REQ,
            host::EXTACK_GETLINK_EXT_MASK_SHORT_REPLY,
            34,
            &[IFLA_EXT_MASK],
        ),
        (
            host::EXTACK_MTU_SHORT_UNCAPPED_REQ,
            host::EXTACK_MTU_SHORT_UNCAPPED_REPLY,
            34,
            &[IFLA_MTU],
        ),
    ];
    for (req, reply, errno, path) in cases {
        let e = ErrorMessage::parse(reply).unwrap();
        assert_eq!(e.errno(), Some(errno));
        assert!(e.header.flags.contains(NlmFlags::ACK_TLVS));
        assert_eq!(e.ext_ack.msg, Some("Attribute failed policy validation"));
        assert_eq!(e.ext_ack.offset, Some(32));
        assert_eq!(
            attr_path(req, 16, e.ext_ack.offset.unwrap())
                .unwrap()
                .as_slice(),
            path
        );
    }
    // Uncapped: the whole request is echoed and the TLVs follow it.
    let e = ErrorMessage::parse(host::EXTACK_MTU_SHORT_UNCAPPED_REPLY).unwrap();
    assert!(!e.header.flags.contains(NlmFlags::CAPPED));
    assert_eq!(
        e.request_payload,
        &host::EXTACK_MTU_SHORT_UNCAPPED_REQ[16..]
    );
    // Text without an offset.
    let e = ErrorMessage::parse(host::EXTACK_GSO_MAX_SIZE_TOO_BIG_REPLY).unwrap();
    assert_eq!(
        (e.errno(), e.ext_ack.msg, e.ext_ack.offset),
        (Some(22), Some("too big gso_max_size"), None)
    );
    // A warning on success: an ACK that still carries text.
    let e = ErrorMessage::parse(host::EXTACK_TRAILING_BYTES_ACK_REPLY).unwrap();
    assert!(e.is_ack());
    assert_eq!(
        e.ext_ack.msg,
        Some("bytes leftover after parsing attributes")
    );
    // Extended ACK off: the same error, no TLVs.
    let e = ErrorMessage::parse(host::EXTACK_OFF_MTU_SHORT_REPLY).unwrap();
    assert_eq!((e.errno(), e.ext_ack), (Some(34), ExtAck::default()));
}

/// Malformed VF attributes are refused by the kernel without extended ACK (the nested VF
/// policy is checked by the deprecated parser); each is something our encoder cannot produce
/// and our decoder reports.
#[test]
fn malformed_vf_requests() {
    let cases: [(&[u8], i32); 5] = [
        (host::MALFORMED_VF_MAC_SHORT_REPLY, 34),
        (host::MALFORMED_VF_VLAN_SHORT_REPLY, 34),
        (host::MALFORMED_VF_INFO_WRONG_TYPE_REPLY, 22),
        (host::MALFORMED_VF_INFO_EMPTY_REPLY, 22),
        (host::MALFORMED_VF_BROADCAST_REPLY, 22),
    ];
    for (reply, errno) in cases {
        let e = ErrorMessage::parse(reply).unwrap();
        assert_eq!(e.errno(), Some(errno));
        assert_eq!(e.ext_ack, ExtAck::default());
    }
    // An empty VF list is acknowledged as a no-op: an ACK that applied nothing, which is why
    // vfnl refuses to send one (Error::EmptyRequest).
    assert!(ErrorMessage::parse(host::SETLINK_EMPTY_VFINFO_LIST_REPLY)
        .unwrap()
        .is_ack());
    let mut buf = [0u8; 64];
    assert_eq!(
        vfnl::request::SetLink::new(LinkTarget::Index(3), &[]).encode(&mut buf),
        Err(Error::EmptyRequest)
    );
    // A well-formed VF request to a driver without VF ops.
    assert_eq!(
        ErrorMessage::parse(host::SETLINK_VF_MAC_REPLY)
            .unwrap()
            .errno(),
        Some(95)
    );
    assert!(ErrorMessage::parse(host::SETLINK_MTU_1400_ACK_REPLY)
        .unwrap()
        .is_ack());
}

#[path = "common/lazy.rs"]
mod lazy;

/// The VF entries of the requests sent to this kernel, malformed ones included: the lazy view
/// and the whole decode agree on each, value or error.
#[test]
fn lazy_view_agrees_on_the_requests() {
    let bad_len = |kind, len, expected| {
        Err(Error::BadPayloadLength {
            kind,
            len,
            expected,
        })
    };
    type VfIndexes<'a> = &'a [Result<u32, Error>];
    let cases: [(&[u8], VfIndexes); 10] = [
        (host::SETLINK_VF_MAC_REQ, &[Ok(0)]),
        (host::SETLINK_VF_MAC_VF_INT_MAX_REQ, &[Ok(u32::MAX)]),
        (host::DUP_VFINFO_LIST_BAD_THEN_GOOD_REQ, &[Ok(0)]),
        (host::DUP_VFINFO_LIST_GOOD_THEN_BAD_REQ, &[Ok(0)]),
        (
            host::MALFORMED_VF_MAC_SHORT_REQ,
            &[bad_len(IFLA_VF_MAC, 8, 36)],
        ),
        (
            host::MALFORMED_VF_VLAN_SHORT_REQ,
            &[bad_len(IFLA_VF_VLAN, 4, 12)],
        ),
        (
            host::MALFORMED_VF_VLAN_LIST_EMPTY_REQ,
            &[Err(Error::BadVlanList { count: 0 })],
        ),
        (
            host::MALFORMED_VF_INFO_EMPTY_REQ,
            &[Err(Error::MissingVfIndex)],
        ),
        // A broadcast address names no VF.
        (
            host::MALFORMED_VF_BROADCAST_REQ,
            &[Err(Error::MissingVfIndex)],
        ),
        (host::SETLINK_EMPTY_VFINFO_LIST_REQ, &[]),
    ];
    for (req, want) in cases {
        let got: Vec<_> = lazy::vf_entries_of(req)
            .iter()
            .map(|info| lazy::assert_lazy_agrees(info, 6).map(|v| v.vf))
            .collect();
        assert_eq!(got, want);
    }
}
