//! Link reply decoding: a datagram of arbitrary bytes, every message in it read as an
//! RTM_NEWLINK, and everything reachable from it decoded (every VF, every port, the PF's port,
//! the by-index lookup). Decoders return errors; they must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vfnl::link::LinkMessage;
use vfnl::nlmsg::Messages;

fuzz_target!(|data: &[u8]| {
    let _ = LinkMessage::parse(data).map(|l| walk(&l));
    for msg in Messages::new(data).flatten() {
        if let Ok(link) = LinkMessage::from_message(&msg) {
            walk(&link);
        }
    }
});

fn walk(link: &LinkMessage<'_>) {
    let _ = (link.ifname(), link.address(), link.mtu(), link.num_vf(), link.addr_len());
    let _ = (link.phys_port_id(), link.phys_port_name(), link.phys_switch_id());
    let _ = (link.parent_dev_name(), link.parent_dev_bus_name(), link.has_vf_list());
    let mut last = None;
    for vf in link.vfs() {
        if let Ok(vf) = vf {
            // Display and the derived fields must not panic either.
            let _ = vf.to_string();
            let _ = vf.vlan_tag();
            last = Some(vf.vf);
        }
    }
    if let Some(vf) = last {
        let _ = link.vf(vf);
    }
    let _ = link.vf(u32::MAX);
    for port in link.vf_ports() {
        let _ = port;
    }
    let _ = link.port_self();
}
