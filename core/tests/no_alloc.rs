//! Encoding and decoding every message kind allocates nothing: measured with a counting
//! global allocator (allocation-counter) around each operation on real igb replies.

#[path = "golden/igb_kernel.rs"]
mod igb;

use allocation_counter::measure;
use std::hint::black_box;
use vfnl::ack::{attr_path, DoneMessage, ErrorMessage};
use vfnl::attr::{Sink, Writer};
use vfnl::dump::DumpReader;
use vfnl::ifla::*;
use vfnl::link::LinkMessage;
use vfnl::nlmsg::{Message, Messages, NlmFlags, NLMSG_ERROR};
use vfnl::request::{GetLink, LinkDump, LinkTarget, SetLink};
use vfnl::*;

fn assert_no_alloc(what: &str, f: impl FnOnce()) {
    let info = measure(f);
    assert_eq!(
        info.count_total, 0,
        "{what} allocated {} times",
        info.count_total
    );
}

#[test]
fn the_counter_sees_allocations() {
    let info = measure(|| {
        black_box(vec![1u8; 64]);
    });
    assert_eq!(info.count_total, 1);
}

fn sample_vfs() -> [VfConfig; 3] {
    [
        VfConfig {
            mac: Some(Mac::ethernet([0x52, 0x54, 0, 1, 2, 3])),
            vlan: Some(VlanTag::dot1q(42, 3)),
            spoofchk: Some(true),
            trust: Some(false),
            ..VfConfig::new(0)
        },
        VfConfig {
            vlan: Some(VlanTag {
                vlan: 5,
                qos: 0,
                proto: VlanProto::Dot1AD,
            }),
            rate: Some(RateLimit {
                min_tx_rate: 10,
                max_tx_rate: 100,
            }),
            tx_rate: Some(100),
            link_state: Some(LinkState::Disable),
            rss_query_en: Some(true),
            ..VfConfig::new(1)
        },
        VfConfig {
            ib_node_guid: Some(1),
            ib_port_guid: Some(2),
            ..VfConfig::new(2)
        },
    ]
}

#[test]
fn encoding_allocates_nothing() {
    let vfs = sample_vfs();
    let port = VirtualPort {
        vf: Some(0),
        profile: Some(PortProfile::new("finance").unwrap()),
        vsi_type: Some(VsiType::default()),
        instance_uuid: Some([1; 16]),
        host_uuid: Some([2; 16]),
        request: Some(PortRequest::Associate),
        response: None,
    };
    let ports = [port];
    let mut buf = [0u8; 4096];
    assert_no_alloc("SetLink by index with ports", || {
        let req = SetLink {
            vf_ports: &ports,
            port_self: Some(VirtualPort { vf: None, ..port }),
            ..SetLink::new(LinkTarget::Index(2), &vfs).seq(7)
        };
        black_box(req.encoded_len().unwrap());
        black_box(req.encode(&mut buf).unwrap());
    });
    assert_no_alloc("SetLink by name", || {
        black_box(SetLink::new(LinkTarget::Name("enp6s0f1"), &vfs).encode(&mut buf)).unwrap();
    });
    assert_no_alloc("SetLink errors", || {
        black_box(SetLink::new(LinkTarget::Index(2), &vfs).encode(&mut buf[..10])).unwrap_err();
        let bad = [VfConfig {
            vlan: Some(VlanTag::dot1q(5000, 0)),
            ..VfConfig::new(0)
        }];
        black_box(SetLink::new(LinkTarget::Index(2), &bad).encode(&mut buf)).unwrap_err();
    });
    assert_no_alloc("GetLink and LinkDump", || {
        black_box(
            GetLink::new(LinkTarget::Index(2))
                .skip_stats()
                .encode(&mut buf),
        )
        .unwrap();
        black_box(GetLink::new(LinkTarget::Name("eth0")).encode(&mut buf)).unwrap();
        black_box(LinkDump::new().seq(3).encode(&mut buf)).unwrap();
    });
    assert_no_alloc("Mac parse", || {
        black_box("52:54:00:01:02:03".parse::<Mac>()).unwrap();
    });
}

#[test]
fn decoding_allocates_nothing() {
    assert_no_alloc("LinkMessage and every VF", || {
        for reply in [
            igb::IGB_GETLINK_VF_REPLY,
            igb::IGB_GETLINK_VF_SKIP_STATS_REPLY,
            igb::IGB_GETLINK_NOVF_REPLY,
        ] {
            let link = LinkMessage::parse(reply).unwrap();
            black_box((link.ifname(), link.num_vf(), link.parent_dev_name()));
            for vf in link.vfs() {
                black_box(vf.unwrap());
            }
            for p in link.vf_ports() {
                black_box(p.unwrap());
            }
            black_box(link.port_self().unwrap());
            black_box(link.vf(3).unwrap());
        }
    });
    assert_no_alloc("the lazy view of every VF", || {
        for reply in [
            igb::IGB_GETLINK_VF_REPLY,
            igb::IGB_GETLINK_VF_SKIP_STATS_REPLY,
        ] {
            let link = LinkMessage::parse(reply).unwrap();
            for vf in link.vf_entries() {
                let vf = vf.unwrap();
                black_box((vf.vf().unwrap(), vf.mac().unwrap(), vf.broadcast().unwrap()));
                black_box((
                    vf.vlan().unwrap(),
                    vf.vlan_list().unwrap(),
                    vf.vlan_tag().unwrap(),
                ));
                black_box((
                    vf.tx_rate().unwrap(),
                    vf.rate().unwrap(),
                    vf.spoofchk().unwrap(),
                ));
                black_box((vf.link_state().unwrap(), vf.rss_query_en().unwrap()));
                black_box((
                    vf.trust().unwrap(),
                    vf.stats().unwrap(),
                    vf.check().unwrap(),
                ));
                black_box((vf.ib_node_guid().unwrap(), vf.ib_port_guid().unwrap()));
                black_box(vf.to_info().unwrap());
                black_box(vf.attrs().count());
            }
            black_box(link.vf_entry(3).unwrap());
        }
    });
    assert_no_alloc("errors and ACKs", || {
        for reply in [
            igb::IGB_SETLINK_VF_MAC_ACK_REPLY,
            igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REPLY,
            igb::IGB_SETLINK_VF_VLAN_LIST_8021AD_REPLY,
        ] {
            let e = ErrorMessage::parse(reply).unwrap();
            black_box((e.errno(), e.ext_ack.msg));
        }
        let done = Message::parse(igb::IGB_DUMP_VF_REPLY_PARTS[3]).unwrap();
        black_box(DoneMessage::from_message(&done).unwrap());
        black_box(attr_path(igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REQ, 16, 40));
    });
    assert_no_alloc("a whole dump", || {
        let mut dump = DumpReader::new(1);
        for part in igb::IGB_DUMP_VF_REPLY_PARTS {
            for link in dump.feed(part) {
                for vf in link.unwrap().vfs() {
                    black_box(vf.unwrap());
                }
            }
        }
        assert!(dump.is_done());
    });
    assert_no_alloc("malformed input", || {
        let r = igb::IGB_GETLINK_VF_REPLY;
        for cut in (0..r.len()).step_by(7) {
            for m in Messages::new(&r[..cut]).flatten() {
                black_box(LinkMessage::from_message(&m).map(|l| l.vfs().count())).ok();
            }
        }
    });
}

#[test]
fn extended_ack_decoding_allocates_nothing() {
    // An NLMSG_ERROR with ext-ack TLVs, laid out as netlink_ack() does, built here because igb
    // sends none (the host-kernel captures carry real ones).
    let mut buf = [0u8; 256];
    let mut w = Writer::new(&mut buf);
    let m = w.message_start(NLMSG_ERROR, NlmFlags::CAPPED | NlmFlags::ACK_TLVS, 5, 0);
    w.bytes(&(-22i32).to_ne_bytes());
    w.bytes(&igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REQ[..16]);
    w.attr_str(NLMSGERR_ATTR_MSG, Field::IfName, "bad", 15);
    w.attr_u32(NLMSGERR_ATTR_OFFS, 40);
    w.message_end(m);
    let n = w.finish().unwrap();
    assert_no_alloc("ext ack", || {
        let e = ErrorMessage::parse(&buf[..n]).unwrap();
        assert_eq!(e.ext_ack.msg, Some("bad"));
        assert_eq!(e.ext_ack.offset, Some(40));
    });
}

#[test]
fn the_n_port_model_allocates_nothing() {
    let mut map = PortMap::new();
    map.add(Port::new(1, 2).named("eth0").unwrap()).unwrap();
    map.add(Port::new(2, 3).named("eth1").unwrap()).unwrap();
    let mut a = Assignment::new(0);
    for p in [1, 2] {
        a.set_port(
            p,
            VfConfig {
                mac: Some(Mac::ethernet([0x52, 0x54, 0, 1, 2, 3])),
                vlan: Some(VlanTag::dot1q(40 + u32::from(p), 0)),
                trust: Some(true),
                ..VfConfig::new(0)
            },
            None,
        )
        .unwrap();
    }
    let mut buf = [0u8; 1024];
    let mut bytes = [0u8; vfnl::snapshot::SNAPSHOT_LEN];
    let mut restore = [0u8; 1024];
    assert_no_alloc("assignment, ACKs, snapshot", || {
        let mut b = Assignment::new(0);
        b.set_port(1, a.port(1).unwrap().config, None).unwrap();
        let batch = a.encode_batch(&map, 1, &mut buf).unwrap();
        let mut acks = batch.tracker();
        // The igb capture answered seq 1 with an ACK (for another request; here it is
        // simply port 1's answer) and a dump part is foreign.
        black_box(acks.feed(igb::IGB_SETLINK_VF_MAC_ACK_REPLY, &buf).unwrap());
        black_box(acks.feed(igb::IGB_DUMP_VF_REPLY_PARTS[0], &buf).unwrap());
        black_box(acks.pending().count());
        let mut snap = Snapshot::for_assignment(&a, &map).unwrap();
        snap.capture(
            1,
            &LinkMessage::parse(igb::IGB_DUMP_VF_REPLY_PARTS[1]).unwrap(),
        )
        .unwrap();
        snap.capture(
            2,
            &LinkMessage::parse(igb::IGB_DUMP_VF_REPLY_PARTS[2]).unwrap(),
        )
        .unwrap();
        snap.serialize(&mut bytes).unwrap();
        let back = Snapshot::deserialize(&bytes).unwrap();
        black_box(back.restore_batch(10, &mut restore).unwrap());
    });
}
