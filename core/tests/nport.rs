//! One VF, N ports: batches for 1, 2, 4 and MAX_PORTS ports, ACK mapping with injected
//! errors, snapshot capture from a real igb reply, serialization and restore.

#[path = "golden/igb_kernel.rs"]
mod igb;

use proptest::prelude::*;
use vfnl::attr::{AttrIter, Sink, Writer};
use vfnl::batch::PortStatus;
use vfnl::ifla::*;
use vfnl::link::LinkMessage;
use vfnl::nlmsg::{Message, NlmFlags, NlmsgHeader, NLMSG_ERROR, RTM_NEWLINK, RTM_SETLINK};
use vfnl::snapshot::{Fields, SnapshotFault, SNAPSHOT_LEN};
use vfnl::*;

fn ports(n: u8) -> PortMap {
    let mut map = PortMap::new();
    for p in 1..=n {
        map.add(
            Port::new(p, 10 + u32::from(p))
                .named(&format!("pf{p}"))
                .unwrap(),
        )
        .unwrap();
    }
    map
}

fn trust_on_every_port(vf: u32, n: u8) -> Assignment {
    let mut a = Assignment::new(vf);
    for p in 1..=n {
        a.set_port(
            p,
            VfConfig {
                mac: Some(Mac::ethernet([0x52, 0x54, 0, 0, vf as u8, p])),
                trust: Some(true),
                ..VfConfig::new(vf)
            },
            None,
        )
        .unwrap();
    }
    a
}

/// The kernel's answer to `request` as netlink_ack() lays it out with NETLINK_CAP_ACK and
/// NETLINK_EXT_ACK: header, error, the request's header, then the ext-ack attributes.
fn reply(request: &[u8], errno: i32, msg: Option<&str>, offset: Option<u32>) -> Vec<u8> {
    let req = NlmsgHeader::parse(request).unwrap();
    let mut flags = NlmFlags::CAPPED;
    if msg.is_some() || offset.is_some() {
        flags |= NlmFlags::ACK_TLVS;
    }
    let mut buf = vec![0u8; 256];
    let mut w = Writer::new(&mut buf);
    let m = w.message_start(NLMSG_ERROR, flags, req.seq, 0x1234);
    w.bytes(&(-errno).to_ne_bytes());
    w.bytes(&request[..16]);
    if let Some(text) = msg {
        w.attr_with(NLMSGERR_ATTR_MSG, text.len() + 1, |o| {
            o[..text.len()].copy_from_slice(text.as_bytes())
        });
    }
    if let Some(off) = offset {
        w.attr_u32(NLMSGERR_ATTR_OFFS, off);
    }
    w.message_end(m);
    let n = w.finish().unwrap();
    buf.truncate(n);
    buf
}

fn encode(a: &Assignment, map: &PortMap, seq: u32) -> (Batch, Vec<u8>) {
    let mut buf = vec![0u8; a.batch_len(map).unwrap()];
    let batch = a.encode_batch(map, seq, &mut buf).unwrap();
    (batch, buf)
}

#[test]
fn batches_for_1_2_4_and_max_ports() {
    for n in [1u8, 2, 4, MAX_PORTS as u8] {
        let map = ports(n);
        let a = trust_on_every_port(5, n);
        let (batch, buf) = encode(&a, &map, 1000);
        assert_eq!(batch.entries().len(), n as usize);
        assert_eq!(batch.len(), buf.len());
        let mut offset = 0;
        for (i, e) in batch.entries().enumerate() {
            let p = i as u8 + 1;
            assert_eq!(
                (e.port, e.seq, e.ifindex, e.offset),
                (p, 1000 + i as u32, 10 + u32::from(p), offset)
            );
            let msg = Message::parse(&buf[e.offset..e.offset + e.len]).unwrap();
            assert_eq!(msg.header.message_type, RTM_SETLINK);
            assert_eq!(msg.header.flags, NlmFlags::REQUEST | NlmFlags::ACK);
            // Addressed to the port's PF netdev, carrying that port's settings for VF 5.
            let ifindex = i32::from_ne_bytes(msg.payload[4..8].try_into().unwrap());
            assert_eq!(ifindex as u32, 10 + u32::from(p));
            let list = AttrIter::new(&msg.payload[16..], 32)
                .map(Result::unwrap)
                .find(|a| a.kind() == IFLA_VFINFO_LIST)
                .unwrap();
            let info = VfInfo::parse(&list.nested().next().unwrap().unwrap(), 6).unwrap();
            assert_eq!(info.vf, 5);
            assert_eq!(info.mac, Some(Mac::ethernet([0x52, 0x54, 0, 0, 5, p])));
            offset += e.len;
        }
    }
    // One past capacity.
    let mut a = trust_on_every_port(5, MAX_PORTS as u8);
    assert_eq!(
        a.set_port(
            MAX_PORTS as u8 + 1,
            VfConfig {
                trust: Some(true),
                ..VfConfig::new(5)
            },
            None
        ),
        Err(Error::TooManyPorts { max: MAX_PORTS })
    );
    let mut map = ports(MAX_PORTS as u8);
    assert_eq!(
        map.add(Port::new(MAX_PORTS as u8 + 1, 99)),
        Err(Error::TooManyPorts { max: MAX_PORTS })
    );
}

#[test]
fn acks_map_to_ports_with_injected_errors() {
    let map = ports(4);
    let a = trust_on_every_port(2, 4);
    let (batch, buf) = encode(&a, &map, 50);
    let msg = |p: u8| batch.message(&buf, p).unwrap();
    // Port 2's MAC attribute: nlmsghdr 16 + ifinfomsg 16 + list 4 + info 4 = offset 40.
    let mut acks = batch.tracker();
    // Out of order, in two datagrams, with a foreign reply and an ext-ack error.
    let mut d1 = reply(msg(3), 0, None, None);
    d1.extend(reply(msg(2), 22, Some("VF MAC rejected"), Some(40)));
    d1.extend(reply(&igb::IGB_SETLINK_VF_MAC_ACK_REQ[..16], 0, None, None)); // seq 1: foreign
    let r = acks.feed(&d1, &buf).unwrap();
    assert_eq!((r.answered, r.foreign, r.duplicates), (2, 1, 0));
    assert!(!acks.is_complete());
    assert_eq!(
        acks.pending().map(|o| o.entry.port).collect::<Vec<_>>(),
        [1, 4]
    );
    let mut d2 = reply(msg(4), 95, None, None);
    d2.extend(reply(msg(3), 22, None, None)); // duplicate for port 3
    d2.extend(reply(msg(1), 0, None, None));
    let r = acks.feed(&d2, &buf).unwrap();
    assert_eq!((r.answered, r.foreign, r.duplicates), (2, 0, 1));
    assert!(acks.is_complete());
    assert!(!acks.all_acked());
    assert_eq!(
        acks.acked().map(|o| o.entry.port).collect::<Vec<_>>(),
        [1, 3]
    );
    assert_eq!((acks.foreign_replies(), acks.duplicate_replies()), (1, 1));
    let PortStatus::Failed(f2) = &acks.outcome(2).unwrap().status else {
        panic!()
    };
    assert_eq!(f2.errno, 22);
    assert_eq!(f2.msg.as_str(), "VF MAC rejected");
    assert_eq!(f2.offset, Some(40));
    assert_eq!(
        f2.attr.as_deref(),
        Some(&[IFLA_VFINFO_LIST, IFLA_VF_INFO, IFLA_VF_MAC][..])
    );
    let PortStatus::Failed(f4) = &acks.outcome(4).unwrap().status else {
        panic!()
    };
    assert_eq!(
        (f4.errno, f4.msg.as_str(), f4.attr.as_ref()),
        (95, "", None)
    );
    // The first answer for port 3 stands.
    assert_eq!(acks.outcome(3).unwrap().status, PortStatus::Acked);
}

#[test]
fn real_igb_replies_map_to_their_port() {
    // The igb capture's requests all had seq 1; a one-port batch with seq 1 claims them.
    let mut map = PortMap::new();
    map.add(Port::new(1, 2).named("eth0").unwrap()).unwrap();
    let mut a = Assignment::new(2);
    a.set_port(
        1,
        VfConfig {
            rate: Some(RateLimit {
                min_tx_rate: 0,
                max_tx_rate: 100,
            }),
            ..VfConfig::new(2)
        },
        None,
    )
    .unwrap();
    let (batch, buf) = encode(&a, &map, 1);
    // Our request is the very one the kernel refused in the capture.
    assert_eq!(
        batch.message(&buf, 1).unwrap(),
        igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REQ
    );
    let mut acks = batch.tracker();
    acks.feed(igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REPLY, &buf)
        .unwrap();
    let PortStatus::Failed(f) = &acks.outcome(1).unwrap().status else {
        panic!()
    };
    assert_eq!(f.errno, 22);
    // A link dump part is not an answer: counted as foreign.
    let r = acks.feed(igb::IGB_DUMP_VF_REPLY_PARTS[1], &buf).unwrap();
    assert_eq!(r.foreign, 1);
}

#[test]
fn long_ext_ack_text_is_cut_and_flagged() {
    let map = ports(1);
    let a = trust_on_every_port(0, 1);
    let (batch, buf) = encode(&a, &map, 9);
    let text = "x".repeat(200);
    let mut acks = batch.tracker();
    acks.feed(
        &reply(batch.message(&buf, 1).unwrap(), 22, Some(&text), None),
        &buf,
    )
    .unwrap();
    let PortStatus::Failed(f) = &acks.outcome(1).unwrap().status else {
        panic!()
    };
    assert!(f.msg_truncated);
    assert_eq!(f.msg.len(), vfnl::batch::EXT_ACK_MSG_MAX);
}

/// The dual-port assignment from the RFC, on an igb PF standing in for port 1 and a second one
/// for port 2: capture each port's state from the real reply, change, restore.
fn dual_port_with_snapshot() -> (Assignment, PortMap, Snapshot) {
    let mut map = PortMap::new();
    map.add(Port::new(1, 2).named("eth0").unwrap()).unwrap();
    map.add(Port::new(2, 3).named("eth1").unwrap()).unwrap();
    let mut a = Assignment::new(0);
    for (p, vlan) in [(1, 42), (2, 43)] {
        a.set_port(
            p,
            VfConfig {
                mac: Some("52:54:00:01:02:03".parse().unwrap()),
                vlan: Some(VlanTag::dot1q(vlan, 0)),
                trust: Some(true),
                ..VfConfig::new(0)
            },
            None,
        )
        .unwrap();
    }
    let mut snap = Snapshot::for_assignment(&a, &map)
        .unwrap()
        .with_pci("0000:06:02.0".parse().unwrap());
    // Port 1 is eth0 (ifindex 2) in the capture's dump, port 2 is eth1 (ifindex 3).
    for (p, part) in [(1, 1), (2, 2)] {
        let link = LinkMessage::parse(igb::IGB_DUMP_VF_REPLY_PARTS[part]).unwrap();
        snap.capture(p, &link).unwrap();
    }
    (a, map, snap)
}

#[test]
fn snapshot_captures_real_state_and_restores_changed_fields() {
    let (_, _, snap) = dual_port_with_snapshot();
    assert!(snap.is_complete());
    let s1 = snap.ports()[0].state.unwrap();
    // VF 0 on eth0 in the capture: mac 52:54:00:01:01:01, vlan 42 qos 3, trust off, rss unknown.
    assert_eq!(s1.mac, Some("52:54:00:01:01:01".parse().unwrap()));
    assert_eq!(s1.vlan, Some(VlanTag::dot1q(42, 3)));
    assert_eq!(s1.trust, Some(VfSetting::Off));
    assert_eq!(s1.rss_query_en, Some(VfSetting::Unknown));
    assert_eq!(
        snap.ports()[0].changed,
        Fields::MAC | Fields::VLAN | Fields::TRUST
    );
    assert_eq!(snap.unrestorable(1), Fields::empty());

    let restore = snap.restore_assignment().unwrap();
    for p in [1, 2] {
        let c = restore.port(p).unwrap().config;
        assert_eq!(c.mac, s1.mac);
        assert_eq!(c.vlan, Some(VlanTag::dot1q(42, 3)));
        assert_eq!(c.trust, Some(false));
        // Nothing the assignment did not change is sent back.
        assert_eq!(
            (c.spoofchk, c.rate, c.tx_rate, c.link_state),
            (None, None, None, None)
        );
    }
    let mut buf = vec![0u8; 1024];
    let batch = snap.restore_batch(77, &mut buf).unwrap();
    assert_eq!(
        batch
            .entries()
            .map(|e| (e.port, e.ifindex, e.seq))
            .collect::<Vec<_>>(),
        [(1, 2, 77), (2, 3, 78)]
    );
}

#[test]
fn snapshot_capture_checks() {
    let (a, map, _) = dual_port_with_snapshot();
    let mut snap = Snapshot::for_assignment(&a, &map).unwrap();
    let eth0 = LinkMessage::parse(igb::IGB_GETLINK_VF_REPLY).unwrap();
    assert_eq!(
        snap.capture(2, &eth0),
        Err(Error::WrongLink {
            expected: 3,
            found: 2
        })
    );
    assert_eq!(snap.capture(3, &eth0), Err(Error::UnknownPort { port: 3 }));
    assert_eq!(
        snap.restore_assignment().unwrap_err(),
        Error::SnapshotIncomplete { port: 1 }
    );
    let lo = LinkMessage::parse(igb::IGB_DUMP_VF_REPLY_PARTS[0]).unwrap();
    let mut only_lo = PortMap::new();
    only_lo.add(Port::new(1, 1)).unwrap();
    let mut b = Assignment::new(0);
    b.set_port(
        1,
        VfConfig {
            trust: Some(true),
            ..VfConfig::new(0)
        },
        None,
    )
    .unwrap();
    let mut s = Snapshot::for_assignment(&b, &only_lo).unwrap();
    assert_eq!(s.capture(1, &lo), Err(Error::VfNotInReply { vf: 0 }));
    // An unreported setting cannot be restored, and says so.
    let mut c = Assignment::new(0);
    c.set_port(
        1,
        VfConfig {
            rss_query_en: Some(true),
            ..VfConfig::new(0)
        },
        None,
    )
    .unwrap();
    let mut eth0_map = PortMap::new();
    eth0_map.add(Port::new(1, 2)).unwrap();
    let mut s = Snapshot::for_assignment(&c, &eth0_map).unwrap();
    s.capture(1, &eth0).unwrap();
    assert_eq!(s.unrestorable(1), Fields::RSS_QUERY_EN);
    assert!(s.restore_assignment().unwrap().ports().is_empty());
    assert_eq!(
        s.restore_batch(1, &mut [0u8; 256]).unwrap_err(),
        Error::EmptyRequest
    );
}

#[test]
fn snapshot_survives_bytes_and_rejects_corruption() {
    let (_, _, snap) = dual_port_with_snapshot();
    let mut bytes = [0u8; SNAPSHOT_LEN];
    assert_eq!(snap.serialize(&mut bytes), Ok(SNAPSHOT_LEN));
    let back = Snapshot::deserialize(&bytes).unwrap();
    assert_eq!(back, snap);
    assert_eq!(back.pci().unwrap().to_string(), "0000:06:02.0");
    let (mut b1, mut b2) = (vec![0u8; 1024], vec![0u8; 1024]);
    let r1 = snap.restore_batch(5, &mut b1).unwrap();
    let r2 = back.restore_batch(5, &mut b2).unwrap();
    assert_eq!(b1[..r1.len()], b2[..r2.len()]);

    let fault = |b: &[u8]| match Snapshot::deserialize(b) {
        Err(Error::BadSnapshot { fault }) => fault,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        fault(&bytes[..SNAPSHOT_LEN - 1]),
        SnapshotFault::Length {
            expected: SNAPSHOT_LEN,
            found: SNAPSHOT_LEN - 1
        }
    );
    let mut m = bytes;
    m[0] = b'X';
    assert_eq!(fault(&m), SnapshotFault::Magic);
    let mut m = bytes;
    m[8] = 2;
    assert_eq!(fault(&m), SnapshotFault::Version { found: 2 });
    // Every single-bit flip past the magic and version is caught by the checksum. (Under
    // Miri every 421st byte only: 13,520 checksums of 1,696 bytes take hours there.)
    let stride = if cfg!(miri) { 421 } else { 1 };
    for i in (10..SNAPSHOT_LEN).step_by(stride) {
        for bit in 0..8 {
            let mut m = bytes;
            m[i] ^= 1 << bit;
            assert!(Snapshot::deserialize(&m).is_err(), "flip at {i}.{bit}");
        }
    }
    // Valid checksum over invalid content: port 0.
    let mut m = bytes;
    m[32] = 0;
    let crc = vfnl::snapshot::crc32(&m[..SNAPSHOT_LEN - 4]);
    m[SNAPSHOT_LEN - 4..].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(fault(&m), SnapshotFault::Content);
    assert_eq!(
        snap.serialize(&mut [0u8; 100]),
        Err(Error::BufferTooSmall {
            needed: SNAPSHOT_LEN,
            available: 100
        })
    );
}

fn config_for(vf: u32) -> impl Strategy<Value = VfConfig> {
    (
        proptest::option::of(any::<[u8; 6]>()),
        proptest::option::of((0u32..=4095, 0u32..=7, any::<bool>())),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(0u32..=2),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(move |(m, vlan, sc, tr, ls, tx)| {
            let mut c = VfConfig {
                mac: m.map(Mac::ethernet),
                vlan: vlan.map(|(v, q, ad)| VlanTag {
                    vlan: v,
                    qos: q,
                    proto: if ad {
                        VlanProto::Dot1AD
                    } else {
                        VlanProto::Dot1Q
                    },
                }),
                spoofchk: sc,
                trust: tr,
                link_state: ls.map(LinkState::from_u32),
                tx_rate: tx,
                ..VfConfig::new(vf)
            };
            if c.is_empty() {
                c.trust = Some(true);
            }
            c
        })
}

proptest! {
    /// Random assignments: each port's message carries that port's settings to its PF
    /// netdev; random answers map back to the right ports; the snapshot round-trips.
    #[test]
    fn random_assignments(
        vf in 0u32..64,
        configs in proptest::collection::vec(config_for(0), 1..=MAX_PORTS),
        errnos in proptest::collection::vec(prop_oneof![Just(0), Just(22), Just(95), Just(93)], MAX_PORTS),
        order in Just((0..MAX_PORTS).collect::<Vec<_>>()).prop_shuffle(),
        seq in any::<u32>(),
    ) {
        let n = configs.len() as u8;
        let map = ports(n);
        let mut a = Assignment::new(vf);
        for (i, c) in configs.iter().enumerate() {
            a.set_port(i as u8 + 1, VfConfig { vf, ..*c }, None).unwrap();
        }
        let (batch, buf) = encode(&a, &map, seq);
        for (i, e) in batch.entries().enumerate() {
            prop_assert_eq!(e.seq, seq.wrapping_add(i as u32));
            let msg = &buf[e.offset..e.offset + e.len];
            let list = AttrIter::new(&msg[32..], 32).map(Result::unwrap).find(|x| x.kind() == IFLA_VFINFO_LIST).unwrap();
            let info = VfInfo::parse(&list.nested().next().unwrap().unwrap(), 6).unwrap();
            let want = configs[i];
            prop_assert_eq!(info.vf, vf);
            prop_assert_eq!(info.mac, want.mac);
            prop_assert_eq!(info.vlan_tag(), want.vlan);
            prop_assert_eq!(info.trust, want.trust.map(VfSetting::from));
        }
        let mut acks = batch.tracker();
        let mut datagram = Vec::new();
        for &i in order.iter().filter(|&&i| i < n as usize) {
            datagram.extend(reply(batch.message(&buf, i as u8 + 1).unwrap(), errnos[i], None, None));
        }
        let r = acks.feed(&datagram, &buf).unwrap();
        prop_assert_eq!(r.answered, n as usize);
        prop_assert!(acks.is_complete());
        for (i, o) in acks.outcomes().iter().enumerate() {
            match (&o.status, errnos[i]) {
                (PortStatus::Acked, 0) => {}
                (PortStatus::Failed(f), e) => prop_assert_eq!(f.errno, e),
                (s, e) => prop_assert!(false, "port {} status {:?} errno {}", i + 1, s, e),
            }
        }
        // Snapshot: capture a synthetic reply per port carrying the config as current state.
        let mut snap = Snapshot::for_assignment(&a, &map).unwrap();
        for (i, c) in configs.iter().enumerate() {
            let p = map.get(i as u8 + 1).unwrap();
            let reply = newlink_with_vf(p.ifindex, vf, c);
            snap.capture(p.number, &LinkMessage::parse(&reply).unwrap()).unwrap();
        }
        let mut bytes = [0u8; SNAPSHOT_LEN];
        snap.serialize(&mut bytes).unwrap();
        let back = Snapshot::deserialize(&bytes).unwrap();
        prop_assert_eq!(&back, &snap);
        let restore = back.restore_assignment().unwrap();
        for (i, c) in configs.iter().enumerate() {
            let got = restore.port(i as u8 + 1).unwrap().config;
            prop_assert_eq!(got.mac, c.mac);
            prop_assert_eq!(got.vlan, c.vlan);
            prop_assert_eq!(got.trust, c.trust);
            prop_assert_eq!(got.spoofchk, c.spoofchk);
            prop_assert_eq!(got.link_state, c.link_state);
            prop_assert_eq!(got.tx_rate, c.tx_rate);
        }
    }
}

/// An RTM_NEWLINK for `ifindex` whose only VF reports `c` (absent settings as "unknown").
fn newlink_with_vf(ifindex: u32, vf: u32, c: &VfConfig) -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    let mut w = Writer::new(&mut buf);
    let m = w.message_start(RTM_NEWLINK, NlmFlags::empty(), 1, 0);
    let mut hdr = [0u8; 16];
    vfnl::ifinfo::IfInfoMsg::request(ifindex as i32).emit(&mut hdr);
    w.bytes(&hdr);
    w.attr(IFLA_ADDRESS, &[2, 0, 0, 0, 0, 1]);
    w.attr_u32(IFLA_NUM_VF, 1);
    let list = w.nest_start(IFLA_VFINFO_LIST);
    let info = w.nest_start(IFLA_VF_INFO);
    VfAttr::Mac {
        vf,
        mac: c.mac.unwrap_or(Mac::ethernet([0; 6])),
    }
    .emit_reply(&mut w);
    let tag = c.vlan.unwrap_or_default();
    VfAttr::Vlan {
        vf,
        vlan: tag.vlan,
        qos: tag.qos,
    }
    .emit_reply(&mut w);
    VfAttr::VlanList { vf, tag }.emit_reply(&mut w);
    VfAttr::TxRate {
        vf,
        rate: c.tx_rate.unwrap_or(0),
    }
    .emit_reply(&mut w);
    let setting = |s: Option<bool>| s.map_or(VfSetting::Unknown, VfSetting::from);
    VfAttr::Spoofchk {
        vf,
        setting: setting(c.spoofchk),
    }
    .emit_reply(&mut w);
    VfAttr::LinkState {
        vf,
        state: c.link_state.unwrap_or(LinkState::Auto),
    }
    .emit_reply(&mut w);
    VfAttr::Trust {
        vf,
        setting: setting(c.trust),
    }
    .emit_reply(&mut w);
    w.nest_end(info);
    w.nest_end(list);
    w.message_end(m);
    let n = w.finish().unwrap();
    buf.truncate(n);
    buf
}
