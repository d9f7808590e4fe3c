//! Decoding a real kernel's replies: Linux 6.12 with the igb driver on an emulated 82576
//! (4 VFs per PF), captured by kernel-tests/capture. The expected values come from the
//! capture's setup and from iproute2's own JSON decoding of the same state
//! (golden/igb_ip_link.json), never from our encoder.

#[path = "golden/igb_kernel.rs"]
mod igb;

use vfnl::ack::ErrorMessage;
use vfnl::attr::{AttrIter, Sink, Writer};
use vfnl::dump::DumpReader;
use vfnl::ifla::{IFLA_VFINFO_LIST, IFLA_VF_INFO};
use vfnl::link::LinkMessage;
use vfnl::nlmsg::{Messages, NlmFlags, NlmsgHeader};
use vfnl::request::{GetLink, LinkDump, LinkTarget, SetLink};
use vfnl::vf::VfAttr;
use vfnl::*;

fn mac(s: &str) -> Mac {
    s.parse().unwrap()
}

fn vfs_of(link: &LinkMessage<'_>) -> Vec<VfInfo> {
    link.vfs().collect::<Result<_, _>>().unwrap()
}

#[test]
fn getlink_reply_identity() {
    let link = LinkMessage::parse(igb::IGB_GETLINK_VF_REPLY).unwrap();
    assert_eq!(link.ifindex(), 2);
    assert_eq!(link.ifname(), Some("eth0"));
    assert_eq!(link.mtu(), Some(1500));
    assert_eq!(
        link.address(),
        Some(&[0x52, 0x54, 0x00, 0x12, 0x00, 0x01][..])
    );
    assert_eq!(link.num_vf(), Some(4));
    assert_eq!(link.parent_dev_name(), Some("0000:01:00.0"));
    assert_eq!(link.parent_dev_bus_name(), Some("pci"));
    assert_eq!(link.header().seq, 1);
    assert_eq!(link.header().pid, 0x4e4c_4350);
    // igb has no switch id or port name; the 82576 reports no phys_port_id either.
    assert_eq!(link.phys_port_name(), None);
    assert_eq!(link.phys_switch_id(), None);
}

#[test]
fn getlink_reply_vfs() {
    let link = LinkMessage::parse(igb::IGB_GETLINK_VF_REPLY).unwrap();
    let vfs = vfs_of(&link);
    assert_eq!(vfs.len(), 4);
    let expect = [
        ("52:54:00:01:01:01", 42, 3, true, false),
        ("52:54:00:01:02:03", 0, 0, false, true),
        ("00:00:00:00:00:00", 0, 0, true, false),
        ("00:00:00:00:00:00", 100, 0, true, false),
    ];
    for (i, (vf, (m, vlan, qos, spoofchk, trust))) in vfs.iter().zip(expect).enumerate() {
        assert_eq!(vf.vf, i as u32);
        assert_eq!(vf.mac, Some(mac(m)));
        assert_eq!(vf.mac.unwrap().len(), 6, "only addr_len bytes count");
        assert_eq!(vf.broadcast, Some(mac("ff:ff:ff:ff:ff:ff")));
        assert_eq!(vf.vlan, Some(VlanTag::dot1q(vlan, qos)));
        assert_eq!(vf.vlan_list, Some(VlanTag::dot1q(vlan, qos)));
        assert_eq!(vf.vlan_tag(), Some(VlanTag::dot1q(vlan, qos)));
        assert_eq!(vf.tx_rate, Some(0));
        assert_eq!(vf.rate, Some(RateLimit::default()));
        assert_eq!(vf.spoofchk, Some(spoofchk.into()));
        assert_eq!(vf.trust, Some(trust.into()));
        assert_eq!(vf.link_state, Some(LinkState::Auto));
        // igb does not report rss_query_en: 0xFFFFFFFF must read as unknown, not on.
        assert_eq!(vf.rss_query_en, Some(VfSetting::Unknown));
        let stats = vf.stats.expect("stats without SKIP_STATS");
        assert_eq!(stats.rx_packets, Some(0), "type 0 is real data");
        assert_eq!(stats.tx_dropped, Some(0));
        assert_eq!(vf.ib_node_guid, None);
    }
    assert_eq!(link.vf(3).unwrap().unwrap().vlan_tag().unwrap().vlan, 100);
    assert_eq!(link.vf(4).unwrap(), None);
}

#[test]
fn matches_iproute2_json_of_the_same_state() {
    let json: serde_json::Value =
        serde_json::from_str(include_str!("golden/igb_ip_link.json")).unwrap();
    let ip = &json[0];
    let link = LinkMessage::parse(igb::IGB_GETLINK_VF_REPLY).unwrap();
    assert_eq!(ip["ifindex"], link.ifindex());
    assert_eq!(ip["ifname"], link.ifname().unwrap());
    assert_eq!(ip["parentdev"], link.parent_dev_name().unwrap());
    let ip_vfs = ip["vfinfo_list"].as_array().unwrap();
    let vfs = vfs_of(&link);
    assert_eq!(ip_vfs.len(), vfs.len());
    for (j, vf) in ip_vfs.iter().zip(&vfs) {
        assert_eq!(j["vf"], vf.vf);
        assert_eq!(j["address"], vf.mac.unwrap().to_string());
        assert_eq!(j["broadcast"], vf.broadcast.unwrap().to_string());
        let tag = vf.vlan_tag().unwrap();
        // iproute2 leaves out zero fields.
        assert_eq!(
            j["vlan_list"][0]["vlan"].as_u64().unwrap_or(0),
            tag.vlan as u64
        );
        assert_eq!(
            j["vlan_list"][0]["qos"].as_u64().unwrap_or(0),
            tag.qos as u64
        );
        assert_eq!(j["rate"]["max_tx"], vf.rate.unwrap().max_tx_rate);
        assert_eq!(j["rate"]["min_tx"], vf.rate.unwrap().min_tx_rate);
        assert_eq!(j["spoofchk"], vf.spoofchk.unwrap().as_bool().unwrap());
        assert_eq!(j["trust"], vf.trust.unwrap().as_bool().unwrap());
        assert_eq!(j["link_state"], "auto");
        assert_eq!(vf.link_state, Some(LinkState::Auto));
        // iproute2 prints query_rss only when reported; igb does not report it.
        assert!(j.get("query_rss").is_none());
        assert_eq!(vf.rss_query_en, Some(VfSetting::Unknown));
    }
}

#[test]
fn skip_stats_drops_vf_stats_only() {
    let full = LinkMessage::parse(igb::IGB_GETLINK_VF_REPLY).unwrap();
    let lean = LinkMessage::parse(igb::IGB_GETLINK_VF_SKIP_STATS_REPLY).unwrap();
    let (a, b) = (vfs_of(&full), vfs_of(&lean));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!(y.stats.is_none());
        assert_eq!(VfInfo { stats: None, ..*x }, *y);
    }
}

#[test]
fn no_ext_mask_no_vf_data() {
    let link = LinkMessage::parse(igb::IGB_GETLINK_NOVF_REPLY).unwrap();
    assert_eq!(link.num_vf(), None);
    assert!(!link.has_vf_list());
    assert_eq!(link.vfs().count(), 0);
}

#[test]
fn dump_across_datagrams() {
    let mut dump = DumpReader::new(1);
    let mut names = Vec::new();
    let mut vf_lists = Vec::new();
    for part in igb::IGB_DUMP_VF_REPLY_PARTS {
        assert!(!dump.is_done());
        for link in dump.feed(part) {
            let link = link.unwrap();
            assert!(link.header().flags.contains(NlmFlags::MULTI));
            names.push(link.ifname().unwrap().to_owned());
            vf_lists.push(vfs_of(&link));
        }
    }
    assert!(dump.is_done());
    assert!(!dump.is_interrupted());
    assert_eq!(names, ["lo", "eth0", "eth1"]);
    assert!(vf_lists[0].is_empty());
    // eth1 was configured by iproute2, eth0 by raw netlink, with the same settings.
    let strip = |v: &Vec<VfInfo>| {
        v.iter()
            .map(|i| VfInfo { stats: None, ..*i })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&vf_lists[1]), strip(&vf_lists[2]));
    assert_eq!(
        vf_lists[1],
        vfs_of(&LinkMessage::parse(igb::IGB_GETLINK_VF_REPLY).unwrap())
    );
    // A part fed again after DONE is reported, not swallowed.
    let again: Vec<_> = dump.feed(igb::IGB_DUMP_VF_REPLY_PARTS[1]).collect();
    assert_eq!(again, [Err(Error::MessageAfterDone)]);
}

#[test]
fn dump_with_foreign_sequence_is_reported() {
    let mut dump = DumpReader::new(2);
    let items: Vec<_> = dump.feed(igb::IGB_DUMP_VF_REPLY_PARTS[1]).collect();
    assert_eq!(
        items,
        [Err(Error::UnexpectedSequence {
            expected: 2,
            found: 1
        })]
    );
}

#[test]
fn error_replies_carry_errno() {
    let cases: [(&[u8], &[u8], Option<i32>); 13] = [
        (
            igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REQ,
            igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REPLY,
            Some(22),
        ),
        (
            igb::IGB_SETLINK_VF_OUT_OF_RANGE_REQ,
            igb::IGB_SETLINK_VF_OUT_OF_RANGE_REPLY,
            Some(22),
        ),
        (
            igb::IGB_SETLINK_VF_VLAN_LIST_8021AD_REQ,
            igb::IGB_SETLINK_VF_VLAN_LIST_8021AD_REPLY,
            Some(93),
        ),
        (
            igb::IGB_SETLINK_VF_LINK_STATE_REQ,
            igb::IGB_SETLINK_VF_LINK_STATE_REPLY,
            Some(95),
        ),
        (
            igb::IGB_SETLINK_VF_MAC_ACK_REQ,
            igb::IGB_SETLINK_VF_MAC_ACK_REPLY,
            None,
        ),
        (
            igb::IGB_SETLINK_VF_RSS_QUERY_EN_REQ,
            igb::IGB_SETLINK_VF_RSS_QUERY_EN_REPLY,
            Some(95),
        ),
        (
            igb::IGB_SETLINK_VF_TX_RATE_LINK_DOWN_REQ,
            igb::IGB_SETLINK_VF_TX_RATE_LINK_DOWN_REPLY,
            Some(22),
        ),
        (
            igb::IGB_SETLINK_VF_VLAN_LIST_8021Q_REQ,
            igb::IGB_SETLINK_VF_VLAN_LIST_8021Q_REPLY,
            None,
        ),
        (
            igb::IGB_SETLINK_VF_VLAN_4096_REQ,
            igb::IGB_SETLINK_VF_VLAN_4096_REPLY,
            Some(22),
        ),
        (
            igb::IGB_SETLINK_VF_MAC_ZERO_REQ,
            igb::IGB_SETLINK_VF_MAC_ZERO_REPLY,
            None,
        ),
        (
            igb::IGB_SETLINK_VF_MAC_MULTICAST_REQ,
            igb::IGB_SETLINK_VF_MAC_MULTICAST_REPLY,
            Some(22),
        ),
        (
            igb::IGB_SETLINK_VF_RATE_LINK_UP_REQ,
            igb::IGB_SETLINK_VF_RATE_LINK_UP_REPLY,
            None,
        ),
        (
            igb::IGB_SETLINK_VF_RATE_MIN_LINK_UP_REQ,
            igb::IGB_SETLINK_VF_RATE_MIN_LINK_UP_REPLY,
            Some(22),
        ),
    ];
    for (req, reply, errno) in cases {
        let e = ErrorMessage::parse(reply).unwrap();
        assert_eq!(e.errno(), errno);
        assert_eq!(e.is_ack(), errno.is_none());
        assert!(e.header.flags.contains(NlmFlags::CAPPED));
        assert!(e.request_payload.is_empty());
        // The echoed header is the request's.
        assert_eq!(e.request, NlmsgHeader::parse(req).unwrap());
        assert_eq!(e.ext_ack, ExtAck::default(), "igb gives no extended ACK");
    }
}

/// Our requests for the same queries have the bytes the kernel answered in the capture (those
/// requests were written by kernel-tests/capture/nlcap.c, independently of this crate).
#[test]
fn our_requests_match_the_ones_the_kernel_answered() {
    let mut buf = [0u8; 256];
    let mut get = GetLink::new(LinkTarget::Index(2)).seq(1);
    let n = get.encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], igb::IGB_GETLINK_VF_REQ);
    let n = get.skip_stats().encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], igb::IGB_GETLINK_VF_SKIP_STATS_REQ);
    get.ext_mask = vfnl::ifla::RtextFilter::empty();
    let n = get.encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], igb::IGB_GETLINK_NOVF_REQ);
    let n = LinkDump::new().seq(1).encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], igb::IGB_DUMP_VF_REQ);

    let set = |cfg: VfConfig, ifindex: u32, buf: &mut [u8]| -> usize {
        let vfs = [cfg];
        SetLink::new(LinkTarget::Index(ifindex), &vfs)
            .seq(1)
            .encode(buf)
            .unwrap()
    };
    let n = set(
        VfConfig {
            mac: Some(mac("52:54:00:01:01:01")),
            ..VfConfig::new(0)
        },
        2,
        &mut buf,
    );
    assert_eq!(&buf[..n], igb::IGB_SETLINK_VF_MAC_ACK_REQ);
    let n = set(
        VfConfig {
            rate: Some(RateLimit {
                min_tx_rate: 10,
                max_tx_rate: 100,
            }),
            ..VfConfig::new(2)
        },
        3,
        &mut buf,
    );
    assert_eq!(&buf[..n], igb::IGB_SETLINK_VF_RATE_MIN_LINK_UP_REQ);
    let n = set(
        VfConfig {
            vlan: Some(VlanTag {
                vlan: 5,
                qos: 0,
                proto: VlanProto::Dot1AD,
            }),
            ..VfConfig::new(2)
        },
        2,
        &mut buf,
    );
    assert_eq!(&buf[..n], igb::IGB_SETLINK_VF_VLAN_LIST_8021AD_REQ);
    let n = set(
        VfConfig {
            link_state: Some(LinkState::Enable),
            ..VfConfig::new(2)
        },
        2,
        &mut buf,
    );
    assert_eq!(&buf[..n], igb::IGB_SETLINK_VF_LINK_STATE_REQ);
    // What the kernel refused, we refuse before sending.
    let vfs = [VfConfig {
        vlan: Some(VlanTag::dot1q(4096, 0)),
        ..VfConfig::new(2)
    }];
    assert_eq!(
        SetLink::new(LinkTarget::Index(2), &vfs).encode(&mut buf),
        Err(Error::VlanOutOfRange { vlan: 4096 })
    );
}

/// Every VF attribute of the kernel's reply re-encodes to the kernel's own bytes.
#[test]
fn vf_entries_reencode_to_kernel_bytes() {
    for reply in [
        igb::IGB_GETLINK_VF_REPLY,
        igb::IGB_GETLINK_VF_SKIP_STATS_REPLY,
    ] {
        let body = &reply[32..];
        let list = AttrIter::new(body, 32)
            .map(Result::unwrap)
            .find(|a| a.kind() == IFLA_VFINFO_LIST)
            .unwrap();
        let mut entries = 0;
        for info in list.nested() {
            let info = info.unwrap();
            assert_eq!(info.kind(), IFLA_VF_INFO);
            let mut buf = [0xa5u8; 512];
            let mut w = Writer::new(&mut buf);
            let nest = w.nest_start(IFLA_VF_INFO);
            for attr in info.nested() {
                VfAttr::parse(&attr.unwrap(), 6).unwrap().emit_reply(&mut w);
            }
            w.nest_end(nest);
            let n = w.finish().unwrap();
            let start = info.offset() - 32;
            assert_eq!(&buf[..n], &body[start..start + n]);
            entries += 1;
        }
        assert_eq!(entries, 4);
    }
}

#[path = "common/lazy.rs"]
mod lazy;

/// The real replies, VF by VF: `vf_entries()` gives the same VFs as `vfs()`, each entry's
/// getters the fields of its `VfInfo`; `vf_entry(n)` and `vf(n)` find each by index.
#[test]
fn lazy_view_agrees_with_vf_info() {
    let mut replies = vec![
        igb::IGB_GETLINK_VF_REPLY,
        igb::IGB_GETLINK_VF_SKIP_STATS_REPLY,
    ];
    replies.extend(igb::IGB_DUMP_VF_REPLY_PARTS);
    let mut vfs_seen = 0;
    for datagram in replies {
        for msg in Messages::new(datagram).map(Result::unwrap) {
            // The dump's last part is an NLMSG_DONE.
            let Ok(link) = LinkMessage::from_message(&msg) else {
                continue;
            };
            let entries: Vec<_> = link.vf_entries().collect::<Result<_, _>>().unwrap();
            let infos = vfs_of(&link);
            assert_eq!(entries.len(), infos.len());
            for (entry, info) in entries.iter().zip(&infos) {
                assert_eq!(entry.to_info().as_ref(), Ok(info));
                let found = link.vf_entry(info.vf).unwrap().unwrap();
                assert_eq!(found, *entry);
                assert_eq!(link.vf(info.vf), Ok(Some(*info)));
            }
            assert_eq!(link.vf_entry(4), Ok(None));
            let raw = lazy::vf_entries_of(msg.bytes);
            assert_eq!(raw.len(), infos.len());
            for info in raw {
                lazy::assert_lazy_agrees(&info, link.addr_len()).unwrap();
            }
            vfs_seen += infos.len();
        }
    }
    // Four VFs in each GETLINK reply and on each of the dump's two PFs (eth0, eth1).
    assert_eq!(vfs_seen, 16);
}

/// The SETLINK requests sent to the igb kernel: the lazy view and the whole decode agree.
#[test]
fn lazy_view_agrees_on_the_requests() {
    let requests = [
        igb::IGB_SETLINK_VF_RATE_LINK_DOWN_REQ,
        igb::IGB_SETLINK_VF_OUT_OF_RANGE_REQ,
        igb::IGB_SETLINK_VF_VLAN_LIST_8021AD_REQ,
        igb::IGB_SETLINK_VF_LINK_STATE_REQ,
        igb::IGB_SETLINK_VF_MAC_ACK_REQ,
        igb::IGB_SETLINK_VF_RSS_QUERY_EN_REQ,
        igb::IGB_SETLINK_VF_TX_RATE_LINK_DOWN_REQ,
        igb::IGB_SETLINK_VF_VLAN_LIST_8021Q_REQ,
        igb::IGB_SETLINK_VF_VLAN_4096_REQ,
        igb::IGB_SETLINK_VF_MAC_ZERO_REQ,
        igb::IGB_SETLINK_VF_MAC_MULTICAST_REQ,
        igb::IGB_SETLINK_VF_RATE_LINK_UP_REQ,
        igb::IGB_SETLINK_VF_RATE_MIN_LINK_UP_REQ,
        igb::IGB_SETLINK_VF_RATE_OVER_SPEED_REQ,
    ];
    let mut entries = 0;
    for req in requests {
        for info in lazy::vf_entries_of(req) {
            lazy::assert_lazy_agrees(&info, 6).unwrap();
            entries += 1;
        }
    }
    assert_eq!(entries, requests.len());
}
