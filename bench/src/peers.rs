//! Each implementation's version of each scenario. Every function does the whole job from
//! the scenario's inputs (building the request from values, or reading the fields from the
//! bytes) and returns a value for `black_box`: a length for encoders, the checksum of the
//! fields read for decoders.

use crate::data::{fold_vf, E1In, E2In, VfFields, FOLD_START, S1_VF};
use std::hint::black_box;

/// vfnl through its C ABI, as a C caller uses it.
pub mod vfnl_c {
    use super::*;
    use vfnl_ffi::decode::{vfnl_vf_cursor, vfnl_vf_info, vfnl_vf_next};
    use vfnl_ffi::result::VFNL_OK;

    /// The C setting as the checksum counts it (absent and "not reported" both as
    /// 0xFFFFFFFF, as the Rust rows do).
    fn setting(v: i64) -> u32 {
        if v < 0 {
            u32::MAX
        } else {
            v as u32
        }
    }

    /// D1: `vfnl_vf_next` from a zeroed cursor to the end.
    pub fn d1(msg: &[u8]) -> u64 {
        let mut h = FOLD_START;
        let mut cursor = vfnl_vf_cursor::default();
        // SAFETY: all-zero is a valid vfnl_vf_info (integers and byte arrays only).
        let mut info: vfnl_vf_info = unsafe { std::mem::zeroed() };
        let mut has_vf = 0u8;
        loop {
            // SAFETY: `msg` has msg.len() readable bytes; the rest are live locals.
            let r = unsafe {
                vfnl_vf_next(msg.as_ptr(), msg.len(), &mut cursor, &mut info, &mut has_vf)
            };
            assert_eq!(r, VFNL_OK, "D1 through the C ABI");
            if has_vf == 0 {
                return h;
            }
            let mut f = VfFields {
                vf: info.vf,
                vlan: info.vlan,
                qos: info.qos,
                spoofchk: setting(info.spoofchk),
                trust: setting(info.trust),
                ..VfFields::default()
            };
            f.mac.copy_from_slice(&info.mac[..6]);
            h = fold_vf(h, &f);
        }
    }
}

/// vfnl.
pub mod vfnl_impl {
    use super::*;
    use vfnl::assignment::Assignment;
    use vfnl::batch::Batch;
    use vfnl::link::LinkMessage;
    use vfnl::nlmsg::RTM_NEWLINK;
    use vfnl::port::{Port, PortMap};
    use vfnl::request::{LinkTarget, SetLink};
    use vfnl::snapshot::Snapshot;
    use vfnl::{Mac, VfConfig, VfEntry, VfInfo, VlanTag};

    /// E1 with `SetLink`, as `ip link set` sends it (RTM_NEWLINK).
    pub fn e1(inp: &E1In, buf: &mut [u8]) -> usize {
        let vfs = [VfConfig {
            mac: Some(Mac::ethernet(inp.mac)),
            vlan: Some(VlanTag::dot1q(inp.vlan, 0)),
            spoofchk: Some(true),
            trust: Some(true),
            ..VfConfig::new(inp.vf)
        }];
        let req = SetLink {
            message_type: RTM_NEWLINK,
            ..SetLink::new(LinkTarget::Index(inp.ifindex), &vfs).seq(inp.seq)
        };
        req.encode(buf).expect("E1 fits")
    }

    /// E1's settings as a value (for [`e1_runtime`]).
    pub fn e1_config(inp: &E1In) -> VfConfig {
        VfConfig {
            mac: Some(Mac::ethernet(inp.mac)),
            vlan: Some(VlanTag::dot1q(inp.vlan, 0)),
            spoofchk: Some(true),
            trust: Some(true),
            ..VfConfig::new(inp.vf)
        }
    }

    /// E1 with settings whose shape the compiler does not see (they come through
    /// `black_box`, as from a parser or a C caller): every setting is looked at, where in
    /// [`e1`] the compiler drops the absent ones.
    pub fn e1_runtime(inp: &E1In, cfg: &VfConfig, buf: &mut [u8]) -> usize {
        let req = SetLink {
            message_type: RTM_NEWLINK,
            ..SetLink::new(LinkTarget::Index(inp.ifindex), core::slice::from_ref(cfg)).seq(inp.seq)
        };
        req.encode(buf).expect("E1 fits")
    }

    /// The RFC's port map.
    pub fn e2_ports(inp: &E2In) -> PortMap {
        let mut map = PortMap::new();
        for (port, ifindex, _) in inp.ports {
            map.add(Port::new(port, ifindex)).unwrap();
        }
        map
    }

    /// The RFC's assignment.
    pub fn e2_assignment(inp: &E2In) -> Assignment {
        let mut a = Assignment::new(inp.vf);
        for (port, _, vlan) in inp.ports {
            let cfg = VfConfig {
                mac: Some(Mac::ethernet(inp.mac)),
                vlan: Some(VlanTag::dot1q(vlan, 0)),
                ..VfConfig::new(inp.vf)
            };
            a.set_port(port, cfg, None).unwrap();
        }
        a
    }

    /// E2: `encode_batch_into` of a ready assignment, into a batch the caller keeps (as it
    /// keeps the buffer). The batch goes through `black_box`, so its entries are made as a
    /// caller that maps the ACKs needs them.
    pub fn e2_into(
        inp: &E2In,
        a: &Assignment,
        map: &PortMap,
        buf: &mut [u8],
        batch: &mut Batch,
    ) -> usize {
        a.encode_batch_into(map, inp.first_seq, buf, batch)
            .expect("E2 fits");
        black_box(&*batch).len()
    }

    /// E2: `encode_batch` of a ready assignment, the batch returned by value (and through
    /// `black_box`, as above).
    pub fn e2(inp: &E2In, a: &Assignment, map: &PortMap, buf: &mut [u8]) -> usize {
        let batch = a.encode_batch(map, inp.first_seq, buf).expect("E2 fits");
        black_box(&batch).len()
    }

    /// E2 including building the assignment (`set_port` validates each port's settings).
    pub fn e2_with_build(inp: &E2In, map: &PortMap, buf: &mut [u8]) -> usize {
        e2(inp, &e2_assignment(inp), map, buf)
    }

    fn fields(v: &VfInfo) -> VfFields {
        let mut f = VfFields {
            vf: v.vf,
            ..VfFields::default()
        };
        if let Some(m) = v.mac {
            f.mac.copy_from_slice(&m.to_field()[..6]);
        }
        if let Some(t) = v.vlan_tag() {
            f.vlan = t.vlan;
            f.qos = t.qos;
        }
        f.spoofchk = v.spoofchk.map_or(u32::MAX, |s| s.to_u32());
        f.trust = v.trust.map_or(u32::MAX, |s| s.to_u32());
        f
    }

    /// The six fields through the lazy getters. The VLAN is `IFLA_VF_VLAN`'s, as the floor
    /// reads it (the full decode's `vlan_tag()` prefers the VLAN list; in these replies both
    /// hold the same tag, which the checksums confirm).
    fn entry_fields(v: &VfEntry<'_>) -> VfFields {
        const OK: &str = "D1/S1 field decodes";
        let mut f = VfFields {
            vf: v.vf().expect(OK),
            ..VfFields::default()
        };
        if let Some(m) = v.mac().expect(OK) {
            f.mac.copy_from_slice(&m.to_field()[..6]);
        }
        if let Some(t) = v.vlan().expect(OK) {
            f.vlan = t.vlan;
            f.qos = t.qos;
        }
        f.spoofchk = v.spoofchk().expect(OK).map_or(u32::MAX, |s| s.to_u32());
        f.trust = v.trust().expect(OK).map_or(u32::MAX, |s| s.to_u32());
        f
    }

    /// D1 lazily: `LinkMessage::parse` and every VF's `VfEntry`, six getters each.
    pub fn d1_lazy(msg: &[u8]) -> u64 {
        let link = LinkMessage::parse(msg).expect("D1 parses");
        let mut h = FOLD_START;
        for vf in link.vf_entries() {
            h = fold_vf(h, &entry_fields(&vf.expect("D1 VF entry")));
        }
        h
    }

    /// S1 lazily: `LinkMessage::parse`, `vf_entry(63)` and its six getters.
    pub fn s1_lazy(msg: &[u8]) -> u64 {
        let link = LinkMessage::parse(msg).expect("S1 parses");
        let vf = link.vf_entry(S1_VF).expect("S1 finds").expect("VF 63");
        fold_vf(FOLD_START, &entry_fields(&vf))
    }

    /// D1: `LinkMessage::parse` and every VF decoded whole.
    pub fn d1(msg: &[u8]) -> u64 {
        let link = LinkMessage::parse(msg).expect("D1 parses");
        let mut h = FOLD_START;
        for vf in link.vfs() {
            h = fold_vf(h, &fields(&vf.expect("D1 VF parses")));
        }
        h
    }

    /// A snapshot of VF 63 on port 1 of the PF in the igb reply (ifindex 2), for MAC, VLAN,
    /// spoofchk and trust.
    pub fn s1_snapshot() -> Snapshot {
        let mut map = PortMap::new();
        map.add(Port::new(1, 2)).unwrap();
        let mut a = Assignment::new(S1_VF);
        let cfg = VfConfig {
            mac: Some(Mac::ethernet(crate::data::e2::MAC)),
            vlan: Some(VlanTag::dot1q(42, 0)),
            spoofchk: Some(true),
            trust: Some(true),
            ..VfConfig::new(S1_VF)
        };
        a.set_port(1, cfg, None).unwrap();
        Snapshot::for_assignment(&a, &map).unwrap()
    }

    /// S1: `LinkMessage::parse` and `Snapshot::capture`; the checksum is over the state
    /// captured.
    pub fn s1(snap: &mut Snapshot, msg: &[u8]) -> u64 {
        let link = LinkMessage::parse(msg).expect("S1 parses");
        snap.capture(1, &link).expect("S1 captures");
        let s = snap.ports()[0].state.expect("captured");
        let mut f = VfFields {
            vf: S1_VF,
            ..VfFields::default()
        };
        if let Some(m) = s.mac {
            f.mac.copy_from_slice(&m.to_field()[..6]);
        }
        if let Some(t) = s.vlan {
            f.vlan = t.vlan;
            f.qos = t.qos;
        }
        f.spoofchk = s.spoofchk.map_or(u32::MAX, |s| s.to_u32());
        f.trust = s.trust.map_or(u32::MAX, |s| s.to_u32());
        fold_vf(FOLD_START, &f)
    }
}

/// netlink-packet-route (with netlink-packet-core for the netlink header).
pub mod npr {
    use super::*;
    use netlink_packet_core::{
        NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_REQUEST,
    };
    use netlink_packet_route::link::{
        LinkAttribute, LinkMessage, LinkVfInfo, VfInfo, VfInfoMac, VfInfoSpoofCheck, VfInfoTrust,
        VfInfoVlan,
    };
    use netlink_packet_route::RouteNetlinkMessage;

    fn set_link(
        ifindex: u32,
        seq: u32,
        mac: [u8; 6],
        vlan: u32,
        spoofchk_trust: bool,
        new_link: bool,
    ) -> NetlinkMessage<RouteNetlinkMessage> {
        let vf = 0;
        let mut infos = vec![
            VfInfo::Mac(VfInfoMac::new(vf, &mac)),
            VfInfo::Vlan(VfInfoVlan::new(vf, vlan, 0)),
        ];
        if spoofchk_trust {
            infos.push(VfInfo::SpoofCheck(VfInfoSpoofCheck::new(vf, true)));
            infos.push(VfInfo::Trust(VfInfoTrust::new(vf, true)));
        }
        let mut link = LinkMessage::default();
        link.header.index = ifindex;
        link.attributes
            .push(LinkAttribute::VfInfoList(vec![LinkVfInfo(infos)]));
        let payload = if new_link {
            RouteNetlinkMessage::NewLink(link)
        } else {
            RouteNetlinkMessage::SetLink(link)
        };
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK;
        header.sequence_number = seq;
        let mut msg = NetlinkMessage::new(header, NetlinkPayload::from(payload));
        msg.finalize();
        msg
    }

    /// E1: build the message tree, `finalize`, `serialize`.
    pub fn e1(inp: &E1In, buf: &mut [u8]) -> usize {
        let msg = set_link(inp.ifindex, inp.seq, inp.mac, inp.vlan, true, true);
        let len = msg.buffer_len();
        msg.serialize(&mut buf[..len]);
        len
    }

    /// E2: the same for each port, back to back (RTM_SETLINK, as vfnl sends).
    pub fn e2(inp: &E2In, buf: &mut [u8]) -> usize {
        let mut at = 0;
        for (i, (_, ifindex, vlan)) in inp.ports.into_iter().enumerate() {
            let msg = set_link(
                ifindex,
                inp.first_seq + i as u32,
                inp.mac,
                vlan,
                false,
                false,
            );
            let len = msg.buffer_len();
            msg.serialize(&mut buf[at..at + len]);
            at += (len + 3) & !3;
        }
        at
    }

    fn fields(infos: &[VfInfo]) -> VfFields {
        let mut f = VfFields::default();
        for i in infos {
            match i {
                VfInfo::Mac(m) => {
                    f.vf = m.vf_id;
                    f.mac.copy_from_slice(&m.mac[..6]);
                }
                VfInfo::Vlan(v) => {
                    f.vlan = v.vlan_id;
                    f.qos = v.qos;
                }
                VfInfo::SpoofCheck(s) => f.spoofchk = u32::from(s.enabled),
                VfInfo::Trust(t) => f.trust = u32::from(t.enabled),
                _ => {}
            }
        }
        f
    }

    fn vf_list(msg: &[u8]) -> Vec<LinkVfInfo> {
        let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(msg).expect("npr parses");
        let NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link)) = m.payload else {
            panic!("npr: not a NewLink")
        };
        link.attributes
            .into_iter()
            .find_map(|a| match a {
                LinkAttribute::VfInfoList(l) => Some(l),
                _ => None,
            })
            .expect("npr: no VF list")
    }

    /// D1: `NetlinkMessage::deserialize` and every VF.
    pub fn d1(msg: &[u8]) -> u64 {
        let mut h = FOLD_START;
        for LinkVfInfo(infos) in vf_list(msg) {
            h = fold_vf(h, &fields(&infos));
        }
        h
    }

    /// S1: deserialize and find VF 63.
    pub fn s1(msg: &[u8]) -> u64 {
        vf_list(msg)
            .iter()
            .map(|LinkVfInfo(infos)| fields(infos))
            .find(|f| f.vf == S1_VF)
            .map_or(FOLD_START, |f| fold_vf(FOLD_START, &f))
    }
}
