//! Transactional apply and release over an injected transport: a fake kernel that keeps VF
//! state per PF netdev, answers GETLINK from it, and applies SETLINK attributes in the
//! kernel's order with no rollback inside a message, failing where told to.
#![cfg(feature = "std")]

use std::collections::{HashMap, VecDeque};
use vfnl::attr::{AttrIter, Sink, Writer};
use vfnl::ifinfo::{IfInfoMsg, IffFlags};
use vfnl::ifla::*;
use vfnl::nlmsg::{Messages, NlmFlags, NLMSG_ERROR, RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK};
use vfnl::snapshot::SNAPSHOT_LEN;
use vfnl::sys::apply::{apply, release, ApplyError, ApplyOptions, PortResult, ALT_ZERO_MAC};
use vfnl::sys::socket::{SysError, Transport};
use vfnl::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct VfState {
    mac: Mac,
    vlan: u32,
    qos: u32,
    trust: bool,
    spoofchk: bool,
}

impl Default for VfState {
    fn default() -> Self {
        VfState {
            mac: Mac::ethernet([0; 6]),
            vlan: 0,
            qos: 0,
            trust: false,
            spoofchk: true,
        }
    }
}

/// What the fake kernel refuses: (ifindex, attribute) -> errno, for the next `times` tries.
#[derive(Default)]
struct Faults {
    refuse: HashMap<(u32, u16), (i32, usize)>,
    refuse_zero_mac: bool,
    drop_answers_for: Vec<u32>,
}

#[derive(Default)]
struct FakeKernel {
    links: HashMap<u32, (bool, Vec<VfState>)>,
    faults: Faults,
    queue: VecDeque<Vec<u8>>,
    setlinks: usize,
    last: Vec<u8>,
}

impl FakeKernel {
    fn with_pfs(ifindexes: &[u32], vfs: usize) -> Self {
        let mut k = FakeKernel::default();
        for (i, &ifx) in ifindexes.iter().enumerate() {
            let states = (0..vfs)
                .map(|v| VfState {
                    mac: Mac::ethernet([0x52, 0x54, 0, 0xaa, i as u8, v as u8]),
                    vlan: 10 + v as u32,
                    ..VfState::default()
                })
                .collect();
            k.links.insert(ifx, (true, states));
        }
        k
    }

    fn answer(&mut self, request: &[u8], errno: i32, text: Option<&str>) {
        let seq = u32::from_ne_bytes(request[8..12].try_into().unwrap());
        let mut buf = vec![0u8; 256];
        let mut w = Writer::new(&mut buf);
        let mut flags = NlmFlags::CAPPED;
        if text.is_some() {
            flags |= NlmFlags::ACK_TLVS;
        }
        let m = w.message_start(NLMSG_ERROR, flags, seq, 0x77);
        w.bytes(&(-errno).to_ne_bytes());
        w.bytes(&request[..16]);
        if let Some(t) = text {
            w.attr_str(NLMSGERR_ATTR_MSG, Field::PortProfile, t, 100);
        }
        w.message_end(m);
        let n = w.finish().unwrap();
        buf.truncate(n);
        self.queue.push_back(buf);
    }

    fn newlink(&self, ifindex: u32, seq: u32) -> Vec<u8> {
        let (up, vfs) = &self.links[&ifindex];
        let mut buf = vec![0u8; 8192];
        let mut w = Writer::new(&mut buf);
        let m = w.message_start(RTM_NEWLINK, NlmFlags::empty(), seq, 0);
        let mut hdr = [0u8; 16];
        IfInfoMsg {
            flags: if *up { IffFlags::UP } else { IffFlags::empty() },
            ..IfInfoMsg::request(ifindex as i32)
        }
        .emit(&mut hdr);
        w.bytes(&hdr);
        w.attr(IFLA_ADDRESS, &[2, 0, 0, 0, 0, ifindex as u8]);
        w.attr_u32(IFLA_NUM_VF, vfs.len() as u32);
        let list = w.nest_start(IFLA_VFINFO_LIST);
        for (i, s) in vfs.iter().enumerate() {
            let vf = i as u32;
            let info = w.nest_start(IFLA_VF_INFO);
            VfAttr::Mac { vf, mac: s.mac }.emit_reply(&mut w);
            VfAttr::Vlan {
                vf,
                vlan: s.vlan,
                qos: s.qos,
            }
            .emit_reply(&mut w);
            VfAttr::Spoofchk {
                vf,
                setting: s.spoofchk.into(),
            }
            .emit_reply(&mut w);
            VfAttr::Trust {
                vf,
                setting: s.trust.into(),
            }
            .emit_reply(&mut w);
            VfAttr::RssQueryEn {
                vf,
                setting: VfSetting::Unknown,
            }
            .emit_reply(&mut w);
            w.nest_end(info);
        }
        w.nest_end(list);
        w.message_end(m);
        let n = w.finish().unwrap();
        buf.truncate(n);
        buf
    }

    /// Applies one VF_INFO in the kernel's order; the first refusal stops it, earlier
    /// attributes stay applied.
    fn setlink(&mut self, ifindex: u32, info: vfnl::attr::Attr<'_>) -> (i32, Option<&'static str>) {
        let mut attrs: Vec<VfAttr> = info
            .nested()
            .map(|a| VfAttr::parse(&a.unwrap(), 6).unwrap())
            .collect();
        let order = [
            IFLA_VF_MAC,
            IFLA_VF_VLAN,
            IFLA_VF_VLAN_LIST,
            IFLA_VF_SPOOFCHK,
            IFLA_VF_TRUST,
        ];
        attrs.sort_by_key(|a| order.iter().position(|k| *k == a.kind()).unwrap_or(99));
        for a in attrs {
            if let Some((errno, times)) = self.faults.refuse.get_mut(&(ifindex, a.kind())) {
                if *times > 0 {
                    *times -= 1;
                    return (*errno, Some("refused by the fake driver"));
                }
            }
            let vf = a.vf().unwrap() as usize;
            let Some(state) = self.links.get_mut(&ifindex).and_then(|l| l.1.get_mut(vf)) else {
                return (22, None);
            };
            match a {
                VfAttr::Mac { mac, .. } => {
                    if self.faults.refuse_zero_mac && mac.is_zero() {
                        return (22, None);
                    }
                    state.mac = mac;
                }
                VfAttr::Vlan { vlan, qos, .. } => (state.vlan, state.qos) = (vlan, qos),
                VfAttr::Spoofchk { setting, .. } => state.spoofchk = setting == VfSetting::On,
                VfAttr::Trust { setting, .. } => state.trust = setting == VfSetting::On,
                _ => return (95, None),
            }
        }
        (0, None)
    }
}

impl Transport for FakeKernel {
    fn send(&mut self, datagram: &[u8]) -> Result<(), SysError> {
        for msg in Messages::new(datagram) {
            let msg = msg.unwrap();
            let ifindex = i32::from_ne_bytes(msg.payload[4..8].try_into().unwrap()) as u32;
            match msg.header.message_type {
                RTM_GETLINK => {
                    let reply = self.newlink(ifindex, msg.header.seq);
                    self.queue.push_back(reply);
                }
                RTM_SETLINK => {
                    self.setlinks += 1;
                    let mut result = (0, None);
                    for top in AttrIter::new(&msg.payload[16..], 32) {
                        let top = top.unwrap();
                        if top.kind() == IFLA_VFINFO_LIST {
                            for info in top.nested() {
                                result = self.setlink(ifindex, info.unwrap());
                                if result.0 != 0 {
                                    break;
                                }
                            }
                        }
                    }
                    if !self.faults.drop_answers_for.contains(&ifindex) {
                        self.answer(msg.bytes, result.0, result.1);
                    }
                }
                other => panic!("unexpected request type {other}"),
            }
        }
        Ok(())
    }

    fn recv(&mut self) -> Result<&[u8], SysError> {
        self.last = self.queue.pop_front().ok_or(SysError::Timeout)?;
        Ok(&self.last)
    }
}

fn dual_port(_: &PortMap) -> Assignment {
    let mut a = Assignment::new(1);
    for (p, vlan) in [(1u8, 42u32), (2, 43)] {
        a.set_port(
            p,
            VfConfig {
                mac: Some("52:54:00:01:02:03".parse().unwrap()),
                vlan: Some(VlanTag::dot1q(vlan, 0)),
                trust: Some(true),
                ..VfConfig::new(1)
            },
            None,
        )
        .unwrap();
    }
    a
}

fn ports() -> PortMap {
    let mut m = PortMap::new();
    m.add(Port::new(1, 4).named("ens6").unwrap()).unwrap();
    m.add(Port::new(2, 5).named("ens6d1").unwrap()).unwrap();
    m
}

#[test]
fn applies_then_releases_to_the_exact_original() {
    let mut k = FakeKernel::with_pfs(&[4, 5], 4);
    let before = k.links.clone();
    let map = ports();
    let mut seq = 100;
    let snap = apply(
        &mut k,
        &dual_port(&map),
        &map,
        ApplyOptions::default(),
        &mut seq,
    )
    .unwrap();
    // Two GETLINKs and a batch of two SETLINKs used 100..=103.
    assert_eq!(seq, 104);
    assert_eq!(k.links[&4].1[1].vlan, 42);
    assert_eq!(k.links[&5].1[1].vlan, 43);
    assert_eq!(k.links[&5].1[1].mac, "52:54:00:01:02:03".parse().unwrap());
    assert!(k.links[&5].1[1].trust);
    // Other VFs untouched.
    assert_eq!(k.links[&4].1[0], before[&4].1[0]);
    // The snapshot survives a trip through bytes (a daemon restart) and releases.
    let mut bytes = [0u8; SNAPSHOT_LEN];
    snap.serialize(&mut bytes).unwrap();
    let snap = Snapshot::deserialize(&bytes).unwrap();
    let r = release(&mut k, &snap, ApplyOptions::default(), &mut 200);
    assert!(r.complete, "{r:?}");
    assert_eq!(k.links, before);
}

#[test]
fn port_2_fails_part_way_and_everything_is_restored() {
    let mut k = FakeKernel::with_pfs(&[4, 5], 4);
    let before = k.links.clone();
    // Port 2's driver takes the MAC, then refuses the VLAN: the MAC stays changed.
    k.faults.refuse.insert((5, IFLA_VF_VLAN), (22, 1));
    let map = ports();
    let err = apply(
        &mut k,
        &dual_port(&map),
        &map,
        ApplyOptions::default(),
        &mut 1,
    )
    .unwrap_err();
    let ApplyError::Failed { ports, rollback } = &err else {
        panic!("{err}")
    };
    assert_eq!(ports[0], (1, PortResult::Applied));
    let PortResult::Failed(f) = &ports[1].1 else {
        panic!()
    };
    assert_eq!(
        (ports[1].0, f.errno, f.msg.as_str()),
        (2, 22, "refused by the fake driver")
    );
    assert!(rollback.complete, "{rollback:?}");
    // Port 1 fully restored, and port 2's MAC too (read back and found changed).
    assert_eq!(k.links, before);
    assert!(err
        .to_string()
        .contains("port 2: errno 22 (refused by the fake driver)"));
}

#[test]
fn a_refused_port_that_changed_nothing_is_not_resent() {
    let mut k = FakeKernel::with_pfs(&[4, 5], 4);
    let before = k.links.clone();
    // Refused on the first attribute: nothing changed on port 2.
    k.faults.refuse.insert((5, IFLA_VF_MAC), (95, 1));
    let map = ports();
    let ApplyError::Failed { rollback, .. } = apply(
        &mut k,
        &dual_port(&map),
        &map,
        ApplyOptions::default(),
        &mut 1,
    )
    .unwrap_err() else {
        panic!()
    };
    assert_eq!(rollback.ports[1], (2, PortResult::Unchanged));
    assert_eq!(rollback.ports[0], (1, PortResult::Applied));
    assert!(rollback.complete);
    assert_eq!(k.links, before);
}

#[test]
fn a_failed_rollback_is_reported() {
    // Port 2 refuses the VLAN during apply; after the apply's two SETLINKs, port 1 starts
    // refusing VLAN changes, so its rollback fails.
    let mut k = FakeKernel::with_pfs(&[4, 5], 4);
    k.faults.refuse.insert((5, IFLA_VF_VLAN), (22, 1));
    let mut armed = ArmAfter {
        inner: k,
        arm_after_setlinks: 2,
        fault: ((4, IFLA_VF_VLAN), (16, 5)),
    };
    let map = ports();
    let e = apply(
        &mut armed,
        &dual_port(&map),
        &map,
        ApplyOptions::default(),
        &mut 1,
    )
    .unwrap_err();
    let ApplyError::Failed { rollback, .. } = &e else {
        panic!("{e}")
    };
    assert!(!rollback.complete);
    let (port, PortResult::Failed(f)) = &rollback.ports[0] else {
        panic!("{rollback:?}")
    };
    assert_eq!((*port, f.errno), (1, 16));
    assert_eq!(rollback.ports[1], (2, PortResult::Applied));
    assert!(e.to_string().ends_with("rollback INCOMPLETE"));
    // Port 1 kept the new VLAN: the report is what says so.
    assert_eq!(armed.inner.links[&4].1[1].vlan, 42);
}

/// Arms a fault after a number of SETLINK messages, to fail the rollback and not the apply.
struct ArmAfter {
    inner: FakeKernel,
    arm_after_setlinks: usize,
    fault: ((u32, u16), (i32, usize)),
}

impl Transport for ArmAfter {
    fn send(&mut self, datagram: &[u8]) -> Result<(), SysError> {
        if self.inner.setlinks >= self.arm_after_setlinks {
            self.inner
                .faults
                .refuse
                .entry(self.fault.0)
                .or_insert(self.fault.1);
        }
        self.inner.send(datagram)
    }
    fn recv(&mut self) -> Result<&[u8], SysError> {
        self.inner.recv()
    }
}

#[test]
fn pf_down_is_refused_before_anything_is_sent() {
    let mut k = FakeKernel::with_pfs(&[4, 5], 4);
    k.links.get_mut(&5).unwrap().0 = false;
    let map = ports();
    let err = apply(
        &mut k,
        &dual_port(&map),
        &map,
        ApplyOptions::default(),
        &mut 1,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ApplyError::PfDown {
                port: 2,
                ifindex: 5
            }
        ),
        "{err}"
    );
    assert_eq!(k.setlinks, 0);
    // Unless told otherwise.
    let options = ApplyOptions {
        refuse_pf_down: false,
        ..ApplyOptions::default()
    };
    assert!(apply(&mut k, &dual_port(&map), &map, options, &mut 1).is_ok());
}

#[test]
fn zero_mac_is_retried_as_02() {
    let mut k = FakeKernel::with_pfs(&[4], 2);
    k.faults.refuse_zero_mac = true;
    let mut map = PortMap::new();
    map.add(Port::new(1, 4)).unwrap();
    let mut a = Assignment::new(0);
    a.set_port(
        1,
        VfConfig {
            mac: Some(Mac::ethernet([0; 6])),
            ..VfConfig::new(0)
        },
        None,
    )
    .unwrap();
    apply(&mut k, &a, &map, ApplyOptions::default(), &mut 1).unwrap();
    assert_eq!(k.links[&4].1[0].mac, ALT_ZERO_MAC);
    // Without the option the refusal stands (and the rollback finds nothing changed).
    let mut k = FakeKernel::with_pfs(&[4], 2);
    k.faults.refuse_zero_mac = true;
    let options = ApplyOptions {
        retry_zero_mac: false,
        ..ApplyOptions::default()
    };
    let ApplyError::Failed { ports, rollback } =
        apply(&mut k, &a, &map, options, &mut 1).unwrap_err()
    else {
        panic!()
    };
    assert!(matches!(ports[0].1, PortResult::Failed(ref f) if f.errno == 22));
    assert_eq!(rollback.ports, [(1, PortResult::Unchanged)]);
}

#[test]
fn a_lost_answer_counts_as_failed_and_is_rolled_back() {
    let mut k = FakeKernel::with_pfs(&[4, 5], 4);
    let before = k.links.clone();
    k.faults.drop_answers_for = vec![5];
    let map = ports();
    let err = apply(
        &mut k,
        &dual_port(&map),
        &map,
        ApplyOptions::default(),
        &mut 1,
    )
    .unwrap_err();
    let ApplyError::Failed { ports, rollback } = &err else {
        panic!()
    };
    assert_eq!(ports[1], (2, PortResult::NoAnswer));
    // Port 2's change was applied but unanswered; the rollback restores it, and its own
    // answer for port 2 is lost too, so the rollback cannot claim completion.
    assert_eq!(rollback.ports[0], (1, PortResult::Applied));
    assert_eq!(rollback.ports[1], (2, PortResult::NoAnswer));
    assert!(!rollback.complete);
    assert_eq!(k.links, before);
}
