//! Our requests against iproute2's: for every `vf` argument of `ip link set`, the same
//! settings encode to iproute2's exact bytes (captured with strace, golden/iproute2.rs), with
//! the message type and sequence number iproute2 used (`ip link set` sends RTM_NEWLINK; vfnl
//! defaults to RTM_SETLINK, which the kernel handles the same way for an existing link).

#[path = "golden/iproute2.rs"]
mod ip;

use vfnl::ack::ErrorMessage;
use vfnl::attr::AttrIter;
use vfnl::ifla::*;
use vfnl::nlmsg::{NlmsgHeader, RTM_NEWLINK, RTM_SETLINK};
use vfnl::request::{LinkTarget, SetLink};
use vfnl::*;

/// `va`'s ifindex in the capture's namespace.
const VA: u32 = 3;

fn mac(s: &str) -> Mac {
    s.parse().unwrap()
}

/// Encodes `vfs` as `ip link set dev va` would, with the captured request's seq.
fn as_iproute2(golden: &[u8], vfs: &[VfConfig]) -> Vec<u8> {
    let seq = NlmsgHeader::parse(golden).unwrap().seq;
    let mut req = SetLink::new(LinkTarget::Index(VA), vfs).seq(seq);
    req.message_type = RTM_NEWLINK;
    let mut buf = vec![0xa5u8; 512];
    let n = req.encode(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn vf0(f: impl FnOnce(&mut VfConfig)) -> VfConfig {
    let mut c = VfConfig::new(0);
    f(&mut c);
    c
}

#[test]
fn every_vf_argument_matches_iproute2() {
    let ad = |vlan, qos| VlanTag {
        vlan,
        qos,
        proto: VlanProto::Dot1AD,
    };
    let cases: Vec<(&str, &[u8], Vec<VfConfig>)> = vec![
        (
            "mac",
            ip::VF_MAC_REQ,
            vec![vf0(|c| c.mac = Some(mac("52:54:00:01:01:01")))],
        ),
        (
            "vlan 42",
            ip::VF_VLAN_42_REQ,
            vec![vf0(|c| c.vlan = Some(VlanTag::dot1q(42, 0)))],
        ),
        (
            "vlan 42 qos 3",
            ip::VF_VLAN_42_QOS_3_REQ,
            vec![vf0(|c| c.vlan = Some(VlanTag::dot1q(42, 3)))],
        ),
        (
            "proto 802.1Q",
            ip::VF_VLAN_42_QOS_3_8021Q_REQ,
            vec![vf0(|c| c.vlan = Some(VlanTag::dot1q(42, 3)))],
        ),
        (
            "proto 802.1ad",
            ip::VF_VLAN_42_8021AD_REQ,
            vec![vf0(|c| c.vlan = Some(ad(42, 0)))],
        ),
        (
            "802.1ad qos 5",
            ip::VF_VLAN_42_QOS_5_8021AD_REQ,
            vec![vf0(|c| c.vlan = Some(ad(42, 5)))],
        ),
        (
            "vlan 0",
            ip::VF_VLAN_0_REQ,
            vec![vf0(|c| c.vlan = Some(VlanTag::dot1q(0, 0)))],
        ),
        (
            "rate 100",
            ip::VF_RATE_100_REQ,
            vec![vf0(|c| c.tx_rate = Some(100))],
        ),
        (
            "max_tx_rate 200 min_tx_rate 100",
            ip::VF_MAX_TX_200_MIN_TX_100_REQ,
            vec![vf0(|c| {
                c.rate = Some(RateLimit {
                    min_tx_rate: 100,
                    max_tx_rate: 200,
                })
            })],
        ),
        (
            "max_tx_rate 200",
            ip::VF_MAX_TX_200_ONLY_REQ,
            vec![vf0(|c| {
                c.rate = Some(RateLimit {
                    min_tx_rate: 0,
                    max_tx_rate: 200,
                })
            })],
        ),
        (
            "spoofchk on",
            ip::VF_SPOOFCHK_ON_REQ,
            vec![vf0(|c| c.spoofchk = Some(true))],
        ),
        (
            "spoofchk off",
            ip::VF_SPOOFCHK_OFF_REQ,
            vec![vf0(|c| c.spoofchk = Some(false))],
        ),
        (
            "query_rss on",
            ip::VF_QUERY_RSS_ON_REQ,
            vec![vf0(|c| c.rss_query_en = Some(true))],
        ),
        (
            "query_rss off",
            ip::VF_QUERY_RSS_OFF_REQ,
            vec![vf0(|c| c.rss_query_en = Some(false))],
        ),
        (
            "trust on",
            ip::VF_TRUST_ON_REQ,
            vec![vf0(|c| c.trust = Some(true))],
        ),
        (
            "trust off",
            ip::VF_TRUST_OFF_REQ,
            vec![vf0(|c| c.trust = Some(false))],
        ),
        (
            "state auto",
            ip::VF_STATE_AUTO_REQ,
            vec![vf0(|c| c.link_state = Some(LinkState::Auto))],
        ),
        (
            "state enable",
            ip::VF_STATE_ENABLE_REQ,
            vec![vf0(|c| c.link_state = Some(LinkState::Enable))],
        ),
        (
            "state disable",
            ip::VF_STATE_DISABLE_REQ,
            vec![vf0(|c| c.link_state = Some(LinkState::Disable))],
        ),
        (
            "node_guid",
            ip::VF_NODE_GUID_REQ,
            vec![vf0(|c| c.ib_node_guid = Some(0x0011_2233_4455_6677))],
        ),
        (
            "port_guid",
            ip::VF_PORT_GUID_REQ,
            vec![vf0(|c| c.ib_port_guid = Some(0x0011_2233_4455_6678))],
        ),
        (
            "mac vlan spoofchk trust",
            ip::VF_MAC_VLAN_SPOOFCHK_TRUST_REQ,
            vec![vf0(|c| {
                c.mac = Some(mac("52:54:00:01:01:01"));
                c.vlan = Some(VlanTag::dot1q(42, 0));
                c.spoofchk = Some(true);
                c.trust = Some(true);
            })],
        ),
        (
            "vf 7",
            ip::VF7_MAC_REQ,
            vec![VfConfig {
                mac: Some(mac("52:54:00:01:01:07")),
                ..VfConfig::new(7)
            }],
        ),
    ];
    for (name, golden, vfs) in cases {
        assert_eq!(as_iproute2(golden, &vfs), golden, "{name}");
    }
}

/// iproute2 sends `vf 0 ... vf 1 ...` as two IFLA_VFINFO_LIST attributes of one entry each.
/// The kernel's nla_parse keeps only the last attribute of a type, so only VF 1 would be set.
/// vfnl sends one list with both entries, which do_setlink walks in full; the entries
/// themselves are byte-for-byte iproute2's.
#[test]
fn two_vfs_go_in_one_list_unlike_iproute2() {
    let golden = ip::TWO_VFS_MAC_REQ;
    let lists = |msg: &[u8]| -> Vec<Vec<Vec<u8>>> {
        AttrIter::new(&msg[32..], 32)
            .map(Result::unwrap)
            .filter(|a| a.kind() == IFLA_VFINFO_LIST)
            .map(|l| l.nested().map(|e| e.unwrap().payload().to_vec()).collect())
            .collect()
    };
    let theirs = lists(golden);
    assert_eq!(theirs.len(), 2, "iproute2: one list per VF");
    let ours = as_iproute2(
        golden,
        &[
            vf0(|c| c.mac = Some(mac("52:54:00:00:00:01"))),
            VfConfig {
                mac: Some(mac("52:54:00:00:00:02")),
                ..VfConfig::new(1)
            },
        ],
    );
    let ours = lists(&ours);
    assert_eq!(ours.len(), 1, "vfnl: one list");
    assert_eq!(ours[0], [theirs[0][0].clone(), theirs[1][0].clone()]);
}

/// E1 of the benchmarks: the 120-byte message with MAC, VLAN, spoofchk and trust.
#[test]
fn combined_message_is_120_bytes() {
    assert_eq!(ip::VF_MAC_VLAN_SPOOFCHK_TRUST_REQ.len(), 120);
}

/// iproute2 puts node and port GUID in one IFLA_VF_INFO, where the kernel applies the node
/// GUID and returns before the port GUID. vfnl sends them in two entries, so both apply.
#[test]
fn guids_differ_from_iproute2_on_purpose() {
    let golden = ip::VF_NODE_PORT_GUID_REQ;
    let entries = |msg: &[u8]| -> Vec<Vec<u16>> {
        let list = AttrIter::new(&msg[32..], 32)
            .map(Result::unwrap)
            .find(|a| a.kind() == IFLA_VFINFO_LIST)
            .unwrap();
        list.nested()
            .map(|e| e.unwrap().nested().map(|a| a.unwrap().kind()).collect())
            .collect()
    };
    assert_eq!(
        entries(golden),
        [vec![IFLA_VF_IB_NODE_GUID, IFLA_VF_IB_PORT_GUID]]
    );
    let ours = as_iproute2(
        golden,
        &[vf0(|c| {
            c.ib_node_guid = Some(0x0011_2233_4455_6677);
            c.ib_port_guid = Some(0x0011_2233_4455_6678);
        })],
    );
    assert_eq!(
        entries(&ours),
        [vec![IFLA_VF_IB_NODE_GUID], vec![IFLA_VF_IB_PORT_GUID]]
    );
    // Each of our entries is byte-for-byte iproute2's single-GUID request's entry.
    let entry_bytes = |msg: &[u8]| msg[36..].to_vec();
    assert_eq!(entry_bytes(ip::VF_NODE_GUID_REQ), ours[36..36 + 24]);
    assert_eq!(entry_bytes(ip::VF_PORT_GUID_REQ), ours[36 + 24..]);
}

/// iproute2 sends a VLAN list of two; the kernel allows one. vfnl cannot express two, and its
/// decoder reports the list as malformed.
#[test]
fn vlan_list_of_two_is_refused_by_the_kernel_and_by_us() {
    let golden = ip::VF_VLAN_LIST_TWO_REQ;
    let list = AttrIter::new(&golden[32..], 32)
        .map(Result::unwrap)
        .find(|a| a.kind() == IFLA_VFINFO_LIST)
        .unwrap();
    let info = list.nested().next().unwrap().unwrap();
    assert_eq!(
        VfInfo::parse(&info, 6),
        Err(Error::BadVlanList { count: 2 })
    );
    let reply = ErrorMessage::parse(ip::VF_VLAN_LIST_TWO_REPLY).unwrap();
    assert!(reply.errno().is_some());
}

/// The kernel's answers to iproute2's requests on a veth: EOPNOTSUPP, the whole request
/// echoed (iproute2 does not set NETLINK_CAP_ACK).
#[test]
fn kernel_replies_decode() {
    for (req, reply) in [
        (ip::VF_MAC_REQ, ip::VF_MAC_REPLY),
        (ip::VF_TRUST_ON_REQ, ip::VF_TRUST_ON_REPLY),
        (
            ip::SINGLE_PORT_MAC_VLAN_42_REQ,
            ip::SINGLE_PORT_MAC_VLAN_42_REPLY,
        ),
    ] {
        let e = ErrorMessage::parse(reply).unwrap();
        assert_eq!(e.errno(), Some(95));
        assert_eq!(e.request, NlmsgHeader::parse(req).unwrap());
        assert_eq!(e.request_payload, &req[16..]);
    }
}

/// The seed's two cases, through the N-port model: each port's message is iproute2's for the
/// same single-netdev settings, up to the message type and sequence number.
#[test]
fn seed_cases_through_the_assignment_model() {
    // Single port: VF 0000:00:08.4 (slot 0x08, function 0x4), MAC 52:54:00:01:01:01, VLAN 42.
    let pci: PciAddress = "0000:00:08.4".parse().unwrap();
    assert_eq!((pci.slot, pci.function), (0x08, 0x4));
    let mut ports = PortMap::new();
    ports.add(Port::new(1, VA)).unwrap();
    let mut single = Assignment::new(0);
    single
        .set_port(
            1,
            VfConfig {
                mac: Some(mac("52:54:00:01:01:01")),
                vlan: Some(VlanTag::dot1q(42, 0)),
                ..VfConfig::new(0)
            },
            None,
        )
        .unwrap();
    let mut buf = vec![0u8; 1024];
    let batch = single.encode_batch(&ports, 7, &mut buf).unwrap();
    assert_eq!(batch.entries().len(), 1);
    assert_same_but_type_and_seq(
        batch.message(&buf, 1).unwrap(),
        ip::SINGLE_PORT_MAC_VLAN_42_REQ,
        7,
    );

    // Dual port: VF 0000:06:02.0, port 1 MAC 52:54:00:01:02:03 VLAN 42, port 2 same MAC VLAN 43.
    // Both iproute2 captures went to va; give both ports that ifindex so the bytes compare.
    let pci: PciAddress = "0000:06:02.0".parse().unwrap();
    assert_eq!(pci.to_string(), "0000:06:02.0");
    let mut ports = PortMap::new();
    ports.add(Port::new(1, VA).named("ens6").unwrap()).unwrap();
    ports
        .add(Port::new(2, VA).named("ens6d1").unwrap())
        .unwrap();
    let mut dual = Assignment::new(0);
    for (port, vlan) in [(1, 42), (2, 43)] {
        dual.set_port(
            port,
            VfConfig {
                mac: Some(mac("52:54:00:01:02:03")),
                vlan: Some(VlanTag::dot1q(vlan, 0)),
                ..VfConfig::new(0)
            },
            None,
        )
        .unwrap();
    }
    let batch = dual.encode_batch(&ports, 100, &mut buf).unwrap();
    assert_eq!(batch.len(), ip::DUAL_PORT_P1_MAC_VLAN_42_REQ.len() * 2);
    assert_same_but_type_and_seq(
        batch.message(&buf, 1).unwrap(),
        ip::DUAL_PORT_P1_MAC_VLAN_42_REQ,
        100,
    );
    assert_same_but_type_and_seq(
        batch.message(&buf, 2).unwrap(),
        ip::DUAL_PORT_P2_MAC_VLAN_43_REQ,
        101,
    );
    // Back to back: port 2's message starts where port 1's ends.
    let entries: Vec<_> = batch.entries().collect();
    assert_eq!(entries[1].offset, entries[0].len);
}

fn assert_same_but_type_and_seq(ours: &[u8], iproute2: &[u8], seq: u32) {
    let h = NlmsgHeader::parse(ours).unwrap();
    assert_eq!(h.message_type, RTM_SETLINK);
    assert_eq!(h.seq, seq);
    let mut theirs = iproute2.to_vec();
    theirs[4..6].copy_from_slice(&RTM_SETLINK.to_ne_bytes());
    theirs[8..12].copy_from_slice(&seq.to_ne_bytes());
    assert_eq!(ours, &theirs[..]);
}

#[path = "common/lazy.rs"]
mod lazy;

/// Every VF entry iproute2 wrote, each kind of attribute among them (GUIDs, 802.1ad lists,
/// rates, link states): the lazy view and the whole decode agree, value or error.
#[test]
fn lazy_view_agrees_on_iproute2_entries() {
    let requests = [
        ip::VF_MAC_REQ,
        ip::VF_VLAN_42_REQ,
        ip::VF_VLAN_42_QOS_3_REQ,
        ip::VF_VLAN_42_QOS_3_8021Q_REQ,
        ip::VF_VLAN_42_8021AD_REQ,
        ip::VF_VLAN_42_QOS_5_8021AD_REQ,
        ip::VF_VLAN_0_REQ,
        ip::VF_VLAN_LIST_TWO_REQ,
        ip::VF_RATE_100_REQ,
        ip::VF_MAX_TX_200_MIN_TX_100_REQ,
        ip::VF_MAX_TX_200_ONLY_REQ,
        ip::VF_SPOOFCHK_ON_REQ,
        ip::VF_SPOOFCHK_OFF_REQ,
        ip::VF_QUERY_RSS_ON_REQ,
        ip::VF_QUERY_RSS_OFF_REQ,
        ip::VF_TRUST_ON_REQ,
        ip::VF_TRUST_OFF_REQ,
        ip::VF_STATE_AUTO_REQ,
        ip::VF_STATE_ENABLE_REQ,
        ip::VF_STATE_DISABLE_REQ,
        ip::VF_NODE_GUID_REQ,
        ip::VF_PORT_GUID_REQ,
        ip::VF_NODE_PORT_GUID_REQ,
        ip::VF_MAC_VLAN_SPOOFCHK_TRUST_REQ,
        ip::SINGLE_PORT_MAC_VLAN_42_REQ,
        ip::DUAL_PORT_P1_MAC_VLAN_42_REQ,
        ip::DUAL_PORT_P2_MAC_VLAN_43_REQ,
        ip::TWO_VFS_MAC_REQ,
        ip::VF7_MAC_REQ,
    ];
    let mut decoded = Vec::new();
    for req in requests {
        for info in lazy::vf_entries_of(req) {
            decoded.push(lazy::assert_lazy_agrees(&info, 6).map(|v| v.vf));
        }
    }
    // One entry per request, two for TWO_VFS_MAC (VFs 0 and 1); the one error is the
    // two-entry VLAN list, which the kernel refuses too.
    assert_eq!(decoded.len(), requests.len() + 1);
    let errors: Vec<_> = decoded.iter().filter_map(|r| r.err()).collect();
    assert_eq!(errors, [Error::BadVlanList { count: 2 }]);
    assert!(decoded.contains(&Ok(7)) && decoded.contains(&Ok(1)));
}
