//! Property tests: every value type and whole messages survive encode -> decode unchanged,
//! and the size query always agrees with the encoding.

use proptest::prelude::*;
use vfnl::ack::attr_path;
use vfnl::attr::{AttrIter, Emit, Sink, Writer};
use vfnl::ifla::*;
use vfnl::link::LinkMessage;
use vfnl::nlmsg::{NlmFlags, RTM_NEWLINK};
use vfnl::request::{LinkTarget, SetLink};
use vfnl::vf::VfEntry;
use vfnl::*;

fn mac() -> impl Strategy<Value = Mac> {
    prop_oneof![
        any::<[u8; 6]>().prop_map(Mac::ethernet),
        proptest::collection::vec(any::<u8>(), 1..=32).prop_map(|v| Mac::new(&v).unwrap()),
    ]
}

fn setting() -> impl Strategy<Value = VfSetting> {
    any::<u32>().prop_map(VfSetting::from_u32)
}

fn proto() -> impl Strategy<Value = VlanProto> {
    any::<u16>().prop_map(VlanProto::from_ethertype)
}

fn vf_attr() -> impl Strategy<Value = VfAttr<'static>> {
    let vf = any::<u32>();
    prop_oneof![
        (vf, any::<[u8; 6]>()).prop_map(|(vf, m)| VfAttr::Mac {
            vf,
            mac: Mac::ethernet(m)
        }),
        (vf, any::<u32>(), any::<u32>()).prop_map(|(vf, vlan, qos)| VfAttr::Vlan { vf, vlan, qos }),
        (vf, any::<u32>(), any::<u32>(), proto()).prop_map(|(vf, vlan, qos, proto)| {
            VfAttr::VlanList {
                vf,
                tag: VlanTag { vlan, qos, proto },
            }
        }),
        (vf, any::<u32>()).prop_map(|(vf, rate)| VfAttr::TxRate { vf, rate }),
        (vf, any::<u32>(), any::<u32>()).prop_map(|(vf, min_tx_rate, max_tx_rate)| VfAttr::Rate {
            vf,
            rate: RateLimit {
                min_tx_rate,
                max_tx_rate
            }
        }),
        (vf, setting()).prop_map(|(vf, setting)| VfAttr::Spoofchk { vf, setting }),
        (vf, any::<u32>()).prop_map(|(vf, s)| VfAttr::LinkState {
            vf,
            state: LinkState::from_u32(s)
        }),
        (vf, setting()).prop_map(|(vf, setting)| VfAttr::RssQueryEn { vf, setting }),
        (vf, setting()).prop_map(|(vf, setting)| VfAttr::Trust { vf, setting }),
        (vf, any::<u64>()).prop_map(|(vf, guid)| VfAttr::IbNodeGuid { vf, guid }),
        (vf, any::<u64>()).prop_map(|(vf, guid)| VfAttr::IbPortGuid { vf, guid }),
        any::<[Option<u64>; 8]>().prop_map(|c| VfAttr::Stats(VfStats {
            rx_packets: c[0],
            tx_packets: c[1],
            rx_bytes: c[2],
            tx_bytes: c[3],
            broadcast: c[4],
            multicast: c[5],
            rx_dropped: c[6],
            tx_dropped: c[7],
        })),
        any::<[u8; 6]>().prop_map(|m| VfAttr::Broadcast(Mac::ethernet(m))),
    ]
}

/// A VfConfig the kernel would accept (so that it encodes).
fn vf_config() -> impl Strategy<Value = VfConfig> {
    let tag = (
        0u32..=4095,
        0u32..=7,
        prop_oneof![Just(VlanProto::Dot1Q), Just(VlanProto::Dot1AD)],
    )
        .prop_map(|(vlan, qos, proto)| VlanTag { vlan, qos, proto });
    let rate = (any::<u32>(), any::<u32>()).prop_map(|(a, b)| RateLimit {
        min_tx_rate: a.min(b),
        max_tx_rate: a.max(b),
    });
    let link_state = (0u32..=2).prop_map(LinkState::from_u32);
    (
        any::<u16>(),
        (
            proptest::option::of(any::<[u8; 6]>()),
            proptest::option::of(tag),
        ),
        (
            proptest::option::of(any::<u32>()),
            proptest::option::of(rate),
        ),
        (
            proptest::option::of(any::<bool>()),
            proptest::option::of(link_state),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
        ),
        (
            proptest::option::of(any::<u64>()),
            proptest::option::of(any::<u64>()),
        ),
    )
        .prop_map(
            |(vf, (m, vlan), (tx_rate, rate), (sc, ls, rss, trust), (ng, pg))| {
                let mut cfg = VfConfig {
                    mac: m.map(Mac::ethernet),
                    vlan,
                    tx_rate,
                    rate,
                    spoofchk: sc,
                    link_state: ls,
                    rss_query_en: rss,
                    trust,
                    ib_node_guid: ng,
                    ib_port_guid: pg,
                    ..VfConfig::new(u32::from(vf))
                };
                if cfg.is_empty() {
                    cfg.trust = Some(false);
                }
                cfg
            },
        )
}

fn virtual_port() -> impl Strategy<Value = VirtualPort> {
    (
        proptest::option::of(any::<u32>()),
        proptest::option::of("[a-z0-9_-]{1,39}"),
        proptest::option::of(any::<[u8; 5]>()),
        proptest::option::of(any::<[u8; 16]>()),
        proptest::option::of(any::<[u8; 16]>()),
        proptest::option::of(any::<u8>()),
    )
        .prop_map(|(vf, profile, vsi, iu, hu, req)| VirtualPort {
            vf,
            profile: profile.map(|p| PortProfile::new(&p).unwrap()),
            vsi_type: vsi.map(|b| VsiType {
                manager_id: b[0],
                type_id: [b[1], b[2], b[3]],
                type_version: b[4],
            }),
            instance_uuid: iu,
            host_uuid: hu,
            request: req.map(PortRequest::from_u8),
            response: None,
        })
}

/// Reads back what SetLink wrote, as the kernel would: per VF index, the settings seen across
/// all IFLA_VF_INFO entries.
fn read_back(msg: &[u8]) -> Vec<VfInfo> {
    let body = &msg[32..];
    let list = AttrIter::new(body, 32)
        .map(Result::unwrap)
        .find(|a| a.kind() == IFLA_VFINFO_LIST)
        .unwrap();
    list.nested()
        .map(|e| VfInfo::parse(&e.unwrap(), 6).unwrap())
        .collect()
}

proptest! {
    /// The canonical text (written without core::fmt, for the C library) is the
    /// printf-style `%04x:%02x:%02x.%x` that sysfs uses, and parses back to the address; so
    /// does the short form for domain 0, in either case of hex digits.
    #[test]
    fn pci_address_text(domain: u32, bus: u8, slot in 0u8..32, function in 0u8..8) {
        let a = PciAddress { domain, bus, slot, function };
        let text = format!("{domain:04x}:{bus:02x}:{slot:02x}.{function:x}");
        prop_assert_eq!(a.to_string(), text.clone());
        prop_assert_eq!(text.parse::<PciAddress>(), Ok(a));
        prop_assert_eq!(text.to_uppercase().parse::<PciAddress>(), Ok(a));
        if domain == 0 {
            prop_assert_eq!(text["0000:".len()..].parse::<PciAddress>(), Ok(a));
        }
    }

    #[test]
    fn vf_attr_round_trip(a in vf_attr(), fill in any::<u8>()) {
        let mut buf = [fill; 256];
        let mut w = Writer::new(&mut buf);
        a.emit_reply(&mut w);
        let n = w.finish().unwrap();
        prop_assert_eq!(n % 4, 0);
        let attr = AttrIter::new(&buf[..n], 0).next().unwrap().unwrap();
        prop_assert_eq!(VfAttr::parse(&attr, 6).unwrap(), a);
        // Nothing past what was written is touched.
        prop_assert!(buf[n..].iter().all(|&b| b == fill));
    }

    #[test]
    fn mac_round_trip(m in mac()) {
        let text = m.to_string();
        prop_assert_eq!(text.parse::<Mac>().unwrap(), m);
        prop_assert_eq!(Mac::new(m.as_bytes()).unwrap(), m);
    }

    #[test]
    fn virtual_port_round_trip(p in virtual_port()) {
        let mut buf = [0xa5u8; 256];
        let mut w = Writer::new(&mut buf);
        p.emit(&mut w, IFLA_VF_PORT);
        let n = w.finish().unwrap();
        let attr = AttrIter::new(&buf[..n], 0).next().unwrap().unwrap();
        prop_assert_eq!(VirtualPort::parse(&attr).unwrap(), p);
    }

    #[test]
    fn setlink_round_trip(
        vfs in proptest::collection::vec(vf_config(), 1..12),
        ports in proptest::collection::vec(virtual_port(), 0..3),
        ifindex in 1u32..=i32::MAX as u32,
        seq in any::<u32>(),
    ) {
        // One entry per VF, as in any real request.
        let vfs: Vec<VfConfig> = vfs.into_iter().enumerate().map(|(i, c)| VfConfig { vf: i as u32 * 7, ..c }).collect();
        let req = SetLink { vf_ports: &ports, ..SetLink::new(LinkTarget::Index(ifindex), &vfs).seq(seq) };
        let need = req.encoded_len().unwrap();
        let mut buf = vec![0xa5u8; need + 8];
        // A short buffer says what is needed (and leaves its bytes unspecified).
        prop_assert_eq!(req.encode(&mut buf[..need - 1]), Err(Error::BufferTooSmall { needed: need, available: need - 1 }));
        prop_assert_eq!(req.encode(&mut buf), Ok(need));
        let msg = &buf[..need];
        let h = vfnl::nlmsg::NlmsgHeader::parse(msg).unwrap();
        prop_assert_eq!(h.len as usize, need);
        prop_assert_eq!(h.seq, seq);
        prop_assert_eq!(h.flags, NlmFlags::REQUEST | NlmFlags::ACK);
        // Merge entries per VF (the port GUID may come in a second entry) and compare.
        let mut seen = read_back(msg);
        let mut merged: Vec<VfInfo> = Vec::new();
        for info in seen.drain(..) {
            if let Some(last) = merged.last_mut().filter(|l| l.vf == info.vf && info.ib_port_guid.is_some() && l.ib_port_guid.is_none()) {
                last.ib_port_guid = info.ib_port_guid;
            } else {
                merged.push(info);
            }
        }
        prop_assert_eq!(merged.len(), vfs.len());
        for (got, want) in merged.iter().zip(&vfs) {
            prop_assert_eq!(got.vf, want.vf);
            prop_assert_eq!(got.mac, want.mac);
            prop_assert_eq!(got.vlan_tag(), want.vlan);
            prop_assert_eq!(got.tx_rate, want.tx_rate);
            prop_assert_eq!(got.rate, want.rate);
            prop_assert_eq!(got.spoofchk, want.spoofchk.map(VfSetting::from));
            prop_assert_eq!(got.link_state, want.link_state);
            prop_assert_eq!(got.rss_query_en, want.rss_query_en.map(VfSetting::from));
            prop_assert_eq!(got.trust, want.trust.map(VfSetting::from));
            prop_assert_eq!(got.ib_node_guid, want.ib_node_guid);
            prop_assert_eq!(got.ib_port_guid, want.ib_port_guid);
        }
        // Every attribute's offset maps back to a path ending in its own number.
        for top in AttrIter::new(&msg[32..], 32) {
            let top = top.unwrap();
            let path = attr_path(msg, 16, top.offset() as u32).unwrap();
            prop_assert_eq!(path.as_slice(), &[top.kind()]);
            for inner in top.nested().map_while(Result::ok) {
                let path = attr_path(msg, 16, inner.offset() as u32).unwrap();
                prop_assert_eq!(path.as_slice(), &[top.kind(), inner.kind()]);
            }
        }
    }

    /// `encode` has two plans (one checking pass when the buffer holds the upper bound, else
    /// a size pass and then an exact write) and `Writer` a third (one pass, counting past
    /// the end): all three give the same bytes or the same error, valid input or not, and a
    /// short buffer is left untouched.
    #[test]
    fn encode_plans_agree(
        vfs in proptest::collection::vec(vf_config(), 0..6),
        ports in proptest::collection::vec(virtual_port(), 0..3),
        port_self in proptest::option::of(virtual_port()),
        name in proptest::option::of("[a-z0-9]{0,17}"),
        spoil in 0u8..6,
    ) {
        let mut vfs = vfs;
        let mut ports = ports;
        match (spoil, vfs.first_mut(), ports.first_mut()) {
            (1, Some(vf), _) => vf.vlan = Some(VlanTag::dot1q(4096, 0)),
            (2, Some(vf), _) => vf.rate = Some(RateLimit { min_tx_rate: 5, max_tx_rate: 1 }),
            (3, _, Some(port)) => port.response = Some(PortResponse::VdpSuccess),
            (4, Some(vf), _) => vf.vlan = Some(VlanTag { vlan: 1, qos: 0, proto: VlanProto::Unknown(0x9100) }),
            _ => {}
        }
        let target = match &name {
            Some(n) => LinkTarget::Name(n),
            None => LinkTarget::Index(7),
        };
        let req = SetLink { vf_ports: &ports, port_self, ..SetLink::new(target, &vfs).seq(9) };

        let mut one_pass = vec![0u8; 8192];
        let mut w = Writer::new(&mut one_pass);
        req.emit(&mut w);
        let want = w.finish();
        prop_assert_eq!(req.encoded_len(), want);
        let mut big = vec![0xa5u8; 8192];
        prop_assert_eq!(req.encode(&mut big), want);
        if let Ok(n) = want {
            prop_assert!(req.max_len().unwrap() >= n);
            prop_assert_eq!(&big[..n], &one_pass[..n]);
            let mut exact = vec![0xa5u8; n];
            prop_assert_eq!(req.encode(&mut exact), Ok(n));
            prop_assert_eq!(&exact[..], &one_pass[..n]);
            let mut short = vec![0xa5u8; n - 1];
            prop_assert_eq!(req.encode(&mut short), Err(Error::BufferTooSmall { needed: n, available: n - 1 }));
            prop_assert!(short.iter().all(|&b| b == 0xa5));
        } else {
            let mut exact = vec![0xa5u8; 64];
            prop_assert_eq!(req.encode(&mut exact), want);
        }
    }

    /// A reply built from decoded VFs (as the kernel would send it) decodes to the same VFs.
    #[test]
    fn link_reply_round_trip(vfs in proptest::collection::vec(vf_config(), 0..20), name in "[a-z][a-z0-9]{0,14}") {
        let mut buf = vec![0u8; 8192];
        let mut w = Writer::new(&mut buf);
        let msg = w.message_start(RTM_NEWLINK, NlmFlags::empty(), 9, 0);
        w.bytes(&[0u8; 16]);
        w.attr_str(IFLA_IFNAME, Field::IfName, &name, IFNAME_MAX);
        w.attr(IFLA_ADDRESS, &[2, 0, 0, 0, 0, 1]);
        w.attr_u32(IFLA_NUM_VF, vfs.len() as u32);
        let list = w.nest_start(IFLA_VFINFO_LIST);
        for (i, cfg) in vfs.iter().enumerate() {
            let info = w.nest_start(IFLA_VF_INFO);
            let vf = i as u32;
            VfAttr::Mac { vf, mac: cfg.mac.unwrap_or(Mac::ethernet([0; 6])) }.emit_reply(&mut w);
            let tag = cfg.vlan.unwrap_or_default();
            VfAttr::Vlan { vf, vlan: tag.vlan, qos: tag.qos }.emit_reply(&mut w);
            VfAttr::VlanList { vf, tag }.emit_reply(&mut w);
            VfAttr::Spoofchk { vf, setting: cfg.spoofchk.map_or(VfSetting::Unknown, VfSetting::from) }.emit_reply(&mut w);
            VfAttr::Trust { vf, setting: cfg.trust.map_or(VfSetting::Unknown, VfSetting::from) }.emit_reply(&mut w);
            w.nest_end(info);
        }
        w.nest_end(list);
        w.message_end(msg);
        let n = w.finish().unwrap();
        let link = LinkMessage::parse(&buf[..n]).unwrap();
        prop_assert_eq!(link.ifname(), Some(name.as_str()));
        let got: Vec<VfInfo> = link.vfs().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(got.len(), vfs.len());
        for (i, (g, cfg)) in got.iter().zip(&vfs).enumerate() {
            prop_assert_eq!(g.vf, i as u32);
            prop_assert_eq!(g.mac, Some(cfg.mac.unwrap_or(Mac::ethernet([0; 6]))));
            prop_assert_eq!(g.vlan_tag(), Some(cfg.vlan.unwrap_or_default()));
            prop_assert_eq!(g.spoofchk.unwrap().as_bool(), cfg.spoofchk);
            prop_assert_eq!(g.trust.unwrap().as_bool(), cfg.trust);
        }
        // A walk resumed after every entry (as the C cursor does) sees the same entries and
        // ends the same way; so does one resumed from the start. Past the end is the end.
        let mut resumed = Vec::new();
        let (mut found, mut offset) = (0, 0);
        loop {
            let mut entries = link.vf_entries_at(found, offset);
            match entries.next() {
                Some(entry) => resumed.push(entry.unwrap().to_info().unwrap()),
                None => break,
            }
            let before = offset;
            (found, offset) = entries.position();
            prop_assert!(offset > before);
        }
        prop_assert_eq!(found as usize, vfs.len());
        prop_assert_eq!(&resumed, &got);
        prop_assert_eq!(link.vf_entries_at(0, 0).count(), vfs.len());
        if !vfs.is_empty() {
            // Past the end with fewer entries found than IFLA_NUM_VF: a short list.
            let short = link.vf_entries_at(0, usize::MAX).next();
            prop_assert_eq!(short, Some(Err(Error::VfListTruncated { num_vf: vfs.len() as u32, found: 0 })));
        }
    }
}

/// `VfInfo::parse` as it was before the lazy view (commit e418b68), written the plain way:
/// every attribute of the entry decoded in order through `VfAttr::parse`, the first error
/// returned, the last attribute of each kind kept, every VF index checked against the first.
fn reference_info(info: &vfnl::attr::Attr<'_>, addr_len: usize) -> Result<VfInfo, Error> {
    let mut out = VfInfo {
        vf: 0,
        mac: None,
        broadcast: None,
        vlan: None,
        vlan_list: None,
        tx_rate: None,
        rate: None,
        spoofchk: None,
        link_state: None,
        rss_query_en: None,
        trust: None,
        ib_node_guid: None,
        ib_port_guid: None,
        stats: None,
    };
    let mut vf = None;
    for attr in info.nested() {
        let a = VfAttr::parse(&attr?, addr_len)?;
        match a {
            VfAttr::Mac { mac, .. } => out.mac = Some(mac),
            VfAttr::Vlan { vlan, qos, .. } => out.vlan = Some(VlanTag::dot1q(vlan, qos)),
            VfAttr::VlanList { tag, .. } => out.vlan_list = Some(tag),
            VfAttr::TxRate { rate, .. } => out.tx_rate = Some(rate),
            VfAttr::Rate { rate, .. } => out.rate = Some(rate),
            VfAttr::Spoofchk { setting, .. } => out.spoofchk = Some(setting),
            VfAttr::LinkState { state, .. } => out.link_state = Some(state),
            VfAttr::RssQueryEn { setting, .. } => out.rss_query_en = Some(setting),
            VfAttr::Trust { setting, .. } => out.trust = Some(setting),
            VfAttr::IbNodeGuid { guid, .. } => out.ib_node_guid = Some(guid),
            VfAttr::IbPortGuid { guid, .. } => out.ib_port_guid = Some(guid),
            VfAttr::Stats(s) => out.stats = Some(s),
            VfAttr::Broadcast(b) => out.broadcast = Some(b),
            VfAttr::Unknown { .. } => {}
        }
        if let Some(this) = a.vf() {
            match vf {
                None => vf = Some(this),
                Some(first) if first != this => {
                    return Err(Error::VfIndexMismatch { first, other: this })
                }
                Some(_) => {}
            }
        }
    }
    out.vf = vf.ok_or(Error::MissingVfIndex)?;
    Ok(out)
}

/// `a` naming VF `vf` instead (attributes that name none are left as they are).
fn naming(a: VfAttr<'_>, vf: u32) -> VfAttr<'_> {
    match a {
        VfAttr::Mac { mac, .. } => VfAttr::Mac { vf, mac },
        VfAttr::Vlan { vlan, qos, .. } => VfAttr::Vlan { vf, vlan, qos },
        VfAttr::VlanList { tag, .. } => VfAttr::VlanList { vf, tag },
        VfAttr::TxRate { rate, .. } => VfAttr::TxRate { vf, rate },
        VfAttr::Rate { rate, .. } => VfAttr::Rate { vf, rate },
        VfAttr::Spoofchk { setting, .. } => VfAttr::Spoofchk { vf, setting },
        VfAttr::LinkState { state, .. } => VfAttr::LinkState { vf, state },
        VfAttr::RssQueryEn { setting, .. } => VfAttr::RssQueryEn { vf, setting },
        VfAttr::Trust { setting, .. } => VfAttr::Trust { vf, setting },
        VfAttr::IbNodeGuid { guid, .. } => VfAttr::IbNodeGuid { vf, guid },
        VfAttr::IbPortGuid { guid, .. } => VfAttr::IbPortGuid { vf, guid },
        other => other,
    }
}

/// One IFLA_VF_INFO entry as a kernel might send it, or not: attributes of any kind in any
/// order (duplicates, unknown numbers, payloads of the wrong size, now and then another VF's
/// index), then a few bytes of
/// its payload flipped and maybe its payload cut short. Returns the bytes of the whole nest.
fn vf_entry_bytes() -> impl Strategy<Value = Vec<u8>> {
    let unknown = prop_oneof![
        Just(VfAttr::Unknown {
            kind: 0,
            payload: &[1, 2, 3, 4]
        }),
        Just(VfAttr::Unknown {
            kind: 14,
            payload: &[]
        }),
        Just(VfAttr::Unknown {
            kind: 200,
            payload: &[9; 7]
        }),
    ];
    // A known number with a payload of any size: mostly the wrong size for its struct.
    static BYTES: [u8; 40] = [0; 40];
    let wrong_size =
        (1u16..=IFLA_VF_BROADCAST, 0usize..40).prop_map(|(kind, len)| VfAttr::Unknown {
            kind,
            payload: &BYTES[..len],
        });
    let attr = prop_oneof![16 => vf_attr(), 1 => unknown, 1 => wrong_size];
    let attrs = proptest::collection::vec(
        (attr, proptest::option::weighted(0.05, any::<u32>())),
        0..10,
    );
    let flips = proptest::collection::vec((any::<prop::sample::Index>(), 1u8..), 0..3);
    let cut = proptest::option::weighted(0.1, any::<prop::sample::Index>());
    (0u32..4, attrs, flips, cut).prop_map(|(vf, attrs, flips, cut)| {
        let mut buf = vec![0u8; 4096];
        let mut w = Writer::new(&mut buf);
        let info = w.nest_start(IFLA_VF_INFO);
        for (a, other) in attrs {
            naming(a, other.unwrap_or(vf)).emit_reply(&mut w);
        }
        w.nest_end(info);
        let n = w.finish().unwrap();
        buf.truncate(n);
        if n > 4 {
            for (at, x) in flips {
                buf[4 + at.index(n - 4)] ^= x;
            }
            if let Some(cut) = cut {
                buf.truncate(4 + cut.index(n - 4));
                let len = buf.len() as u16;
                buf[..2].copy_from_slice(&len.to_ne_bytes());
            }
        }
        buf
    })
}

/// Each getter of `entry`, as the field of a `VfInfo` it fills.
fn lazy_fields(e: &VfEntry<'_>) -> Result<VfInfo, Error> {
    Ok(VfInfo {
        vf: e.vf()?,
        mac: e.mac()?,
        broadcast: e.broadcast()?,
        vlan: e.vlan()?,
        vlan_list: e.vlan_list()?,
        tx_rate: e.tx_rate()?,
        rate: e.rate()?,
        spoofchk: e.spoofchk()?,
        link_state: e.link_state()?,
        rss_query_en: e.rss_query_en()?,
        trust: e.trust()?,
        ib_node_guid: e.ib_node_guid()?,
        ib_port_guid: e.ib_port_guid()?,
        stats: e.stats()?,
    })
}

/// What the getter for attribute number `kind` gives, as the `VfAttr` it decodes (VF index
/// left out: 0), or its error.
fn getter(e: &VfEntry<'_>, kind: u16) -> Option<Result<VfAttr<'static>, Error>> {
    let vf = 0;
    let got = match kind {
        IFLA_VF_MAC => e.mac().map(|m| m.map(|mac| VfAttr::Mac { vf, mac })),
        IFLA_VF_VLAN => e.vlan().map(|t| {
            t.map(|t| VfAttr::Vlan {
                vf,
                vlan: t.vlan,
                qos: t.qos,
            })
        }),
        IFLA_VF_VLAN_LIST => e
            .vlan_list()
            .map(|t| t.map(|tag| VfAttr::VlanList { vf, tag })),
        IFLA_VF_TX_RATE => e
            .tx_rate()
            .map(|r| r.map(|rate| VfAttr::TxRate { vf, rate })),
        IFLA_VF_RATE => e.rate().map(|r| r.map(|rate| VfAttr::Rate { vf, rate })),
        IFLA_VF_SPOOFCHK => e
            .spoofchk()
            .map(|s| s.map(|setting| VfAttr::Spoofchk { vf, setting })),
        IFLA_VF_LINK_STATE => e
            .link_state()
            .map(|s| s.map(|state| VfAttr::LinkState { vf, state })),
        IFLA_VF_RSS_QUERY_EN => e
            .rss_query_en()
            .map(|s| s.map(|setting| VfAttr::RssQueryEn { vf, setting })),
        IFLA_VF_TRUST => e
            .trust()
            .map(|s| s.map(|setting| VfAttr::Trust { vf, setting })),
        IFLA_VF_IB_NODE_GUID => e
            .ib_node_guid()
            .map(|g| g.map(|guid| VfAttr::IbNodeGuid { vf, guid })),
        IFLA_VF_IB_PORT_GUID => e
            .ib_port_guid()
            .map(|g| g.map(|guid| VfAttr::IbPortGuid { vf, guid })),
        IFLA_VF_STATS => e.stats().map(|s| s.map(VfAttr::Stats)),
        IFLA_VF_BROADCAST => e.broadcast().map(|b| b.map(VfAttr::Broadcast)),
        _ => Ok(None),
    };
    got.transpose()
}

proptest! {
    /// `VfInfo::parse` gives exactly what it gave before the lazy view, value or error.
    #[test]
    fn vf_info_matches_reference(bytes in vf_entry_bytes(), addr_len in prop_oneof![Just(6usize), Just(20), Just(0), Just(40)]) {
        let info = AttrIter::new(&bytes, 0).next().unwrap().unwrap();
        prop_assert_eq!(VfInfo::parse(&info, addr_len), reference_info(&info, addr_len));
    }

    /// The lazy view agrees with the reference: the same framing errors; `check` and
    /// `to_info` as `VfInfo::parse`; each getter the last attribute of its number decoded as
    /// `VfAttr::parse` decodes it, value or error; `vf` the index of the first that names one.
    #[test]
    fn vf_entry_matches_reference(bytes in vf_entry_bytes(), addr_len in prop_oneof![Just(6usize), Just(20), Just(0), Just(40)]) {
        let info = AttrIter::new(&bytes, 0).next().unwrap().unwrap();
        let want = reference_info(&info, addr_len);
        let framing = info.nested().find_map(Result::err);
        let entry = match VfEntry::new(&info, addr_len) {
            Err(e) => {
                prop_assert_eq!(Some(e), framing);
                prop_assert!(want.is_err());
                return Ok(());
            }
            Ok(entry) => entry,
        };
        prop_assert_eq!(framing, None);
        prop_assert_eq!(entry.check(), want.map(|_| ()));
        prop_assert_eq!(entry.to_info(), want);
        if let Ok(want) = want {
            prop_assert_eq!(lazy_fields(&entry), Ok(want));
            prop_assert_eq!(entry.vlan_tag(), Ok(want.vlan_tag()));
        }
        let attrs: Vec<_> = info.nested().map(Result::unwrap).collect();
        for kind in 1..=IFLA_VF_MAX {
            let last = attrs.iter().rev().find(|a| a.kind() == kind);
            let expected = last.map(|a| VfAttr::parse(a, addr_len).map(|p| naming(p, 0)));
            prop_assert_eq!(getter(&entry, kind), expected, "kind {}", kind);
        }
        let names_vf = |k: u16| (1..=IFLA_VF_MAX).contains(&k) && k != IFLA_VF_STATS && k != IFLA_VF_BROADCAST;
        let first = attrs.iter().find(|a| names_vf(a.kind())).map(|a| {
            VfAttr::parse(a, addr_len).map(|p| p.vf().unwrap())
        });
        prop_assert_eq!(entry.vf(), first.unwrap_or(Err(Error::MissingVfIndex)));
    }
}

/// A port's settings for a batch: any config; one with only MAC and VLAN (the case the batch
/// encoder skips looking at the rest for); or none, with a virtualport instead.
fn port_settings() -> impl Strategy<Value = (VfConfig, Option<VirtualPort>)> {
    let mac_vlan = (
        proptest::option::of(any::<[u8; 6]>()),
        proptest::option::of((0u32..=4095, 0u32..=7)),
    )
        .prop_map(|(m, v)| VfConfig {
            mac: Some(Mac::ethernet(m.unwrap_or([2, 0, 0, 0, 0, 1]))),
            vlan: v.map(|(v, q)| VlanTag::dot1q(v, q)),
            ..VfConfig::new(0)
        });
    let config = prop_oneof![vf_config(), mac_vlan, Just(VfConfig::new(0))];
    (config, proptest::option::of(virtual_port())).prop_map(|(c, vp)| {
        let vp = match (c.is_empty(), vp) {
            (true, None) => Some(VirtualPort::default()),
            (_, vp) => vp,
        };
        (c, vp.map(|v| VirtualPort { vf: None, ..v }))
    })
}

proptest! {
    /// `encode_batch` writes each port's message exactly as that message encodes on its own
    /// (through the one-pass `Writer`), back to back, whichever plan the buffer's size picks
    /// (one pass, or measured first), writes nothing past the batch, and leaves the buffer
    /// untouched when it refuses: too small (with the size needed) or a port the map lacks.
    /// `encode_batch_into` gives the same batch, and an empty one on error.
    #[test]
    fn batch_is_its_messages_back_to_back(
        ports in proptest::collection::vec(port_settings(), 1..=MAX_PORTS),
        vf in any::<u16>(),
        first_seq in any::<u32>(),
        missing in 0usize..MAX_PORTS,
        slack in 1usize..600,
        order in Just((0..MAX_PORTS).collect::<Vec<_>>()).prop_shuffle(),
        replace in any::<[bool; MAX_PORTS]>(),
    ) {
        let vf = u32::from(vf);
        let mut a = Assignment::new(vf);
        let mut map = PortMap::new();
        // Ports set in a shuffled order, some first to a MAC alone and then replaced, so
        // that what `set_port` notes about each port must follow insertions and
        // replacements.
        let placeholder = VfConfig { mac: Some(Mac::ethernet([2, 0, 0, 0, 0, 9])), ..VfConfig::new(vf) };
        for &i in order.iter().filter(|&&i| i < ports.len()) {
            let n = i as u8 + 1;
            let (c, vp) = ports[i];
            if replace[i] {
                a.set_port(n, placeholder, None).unwrap();
            } else {
                a.set_port(n, VfConfig { vf, ..c }, vp).unwrap();
            }
        }
        for (i, (c, vp)) in ports.iter().enumerate() {
            let n = i as u8 + 1;
            if replace[i] {
                a.set_port(n, VfConfig { vf, ..*c }, *vp).unwrap();
            }
            map.add(Port::new(n, 10 + 3 * u32::from(n))).unwrap();
        }
        let mut want = Vec::new();
        let mut entries = Vec::new();
        for (i, p) in a.ports().iter().enumerate() {
            let vfs: &[VfConfig] = match p.config.is_empty() {
                true => &[],
                false => std::slice::from_ref(&p.config),
            };
            let vf_ports = p.virtualport.as_slice();
            let ifindex = map.get(p.port).unwrap().ifindex;
            let seq = first_seq.wrapping_add(i as u32);
            let req = SetLink { vf_ports, ..SetLink::new(LinkTarget::Index(ifindex), vfs).seq(seq) };
            let mut one = vec![0u8; 4096];
            let mut w = Writer::new(&mut one);
            req.emit(&mut w);
            let len = w.finish().unwrap();
            entries.push(batch::BatchEntry { port: p.port, ifindex, seq, offset: want.len(), len });
            want.extend_from_slice(&one[..len]);
        }
        let needed = want.len();
        prop_assert_eq!(a.batch_len(&map), Ok(needed));

        let mut last = Batch::default();
        for size in [needed, needed + slack, needed + 4096] {
            let mut buf = vec![0xa5u8; size];
            let batch = a.encode_batch(&map, first_seq, &mut buf).unwrap();
            prop_assert_eq!(&buf[..needed], &want[..]);
            prop_assert!(buf[needed..].iter().all(|&b| b == 0xa5), "written past the batch");
            prop_assert_eq!(batch.len(), needed);
            prop_assert_eq!(batch.vf(), vf);
            prop_assert_eq!(batch.entries().len(), entries.len());
            prop_assert_eq!(batch.entries().collect::<Vec<_>>(), entries.clone());
            let mut into = Batch::default();
            let mut again = vec![0xa5u8; size];
            prop_assert_eq!(a.encode_batch_into(&map, first_seq, &mut again, &mut into), Ok(()));
            prop_assert_eq!(&into, &batch);
            prop_assert_eq!(&again, &buf);
            last = batch;
        }

        let mut short = vec![0xa5u8; needed - 1];
        let too_small = Err(Error::BufferTooSmall { needed, available: needed - 1 });
        prop_assert_eq!(a.encode_batch(&map, first_seq, &mut short), too_small.map(|()| last.clone()));
        prop_assert!(short.iter().all(|&b| b == 0xa5));
        prop_assert_eq!(a.encode_batch_into(&map, first_seq, &mut short, &mut last), too_small);
        prop_assert_eq!((last.is_empty(), last.len()), (true, 0));

        if missing < ports.len() {
            let mut partial = PortMap::new();
            for p in map.iter().filter(|p| usize::from(p.number) != missing + 1) {
                partial.add(p.clone()).unwrap();
            }
            let mut buf = vec![0xa5u8; needed + 4096];
            let unknown = Err(Error::UnknownPort { port: missing as u8 + 1 });
            prop_assert_eq!(a.encode_batch(&partial, first_seq, &mut buf), unknown.map(|()| Batch::default()));
            prop_assert!(buf.iter().all(|&b| b == 0xa5));
            prop_assert_eq!(a.batch_len(&partial), unknown.map(|()| 0));
        }
    }
}
