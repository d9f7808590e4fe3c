//! Link reply decoding: a datagram of arbitrary bytes, every message in it read as an
//! RTM_NEWLINK, and everything reachable from it decoded (every VF, eagerly and through the
//! lazy view, every port, the PF's port, the by-index lookups). Decoders return errors; they
//! must never panic, and the lazy view must agree with the whole decode.
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
    // The lazy view walks the same entries: where it has one, decoding it whole (and its
    // check()) gives what vfs() gave; where it fails (framing), so did vfs().
    for (entry, info) in link.vf_entries().zip(link.vfs()) {
        match entry {
            Ok(e) => {
                let _ = (e.vf(), e.mac(), e.broadcast(), e.vlan(), e.vlan_list(), e.vlan_tag());
                let _ = (e.tx_rate(), e.rate(), e.spoofchk(), e.link_state(), e.rss_query_en());
                let _ = (e.trust(), e.ib_node_guid(), e.ib_port_guid(), e.stats());
                assert_eq!(e.check(), info.map(|_| ()));
                assert_eq!(e.to_info(), info);
            }
            Err(_) => assert!(info.is_err()),
        }
    }
    if let Some(vf) = last {
        let _ = link.vf(vf);
        let _ = link.vf_entry(vf);
    }
    let _ = link.vf(u32::MAX);
    for port in link.vf_ports() {
        let _ = port;
    }
    let _ = link.port_self();
}
