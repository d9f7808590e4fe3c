//! The C ABI's encode and decode functions allocate nothing: each called through its
//! exported symbol on real igb bytes under a counting allocator (allocation-counter).

#[path = "../../core/tests/golden/igb_kernel.rs"]
mod igb;

use allocation_counter::measure;
use std::ptr;
use vfnl::acks::*;
use vfnl::assignment::*;
use vfnl::decode::*;
use vfnl::pci::*;
use vfnl::result::*;
use vfnl::snapshot::*;

fn no_alloc(what: &str, f: impl FnOnce()) {
    let info = measure(f);
    assert_eq!(
        info.count_total, 0,
        "{what} allocated {} times",
        info.count_total
    );
}

#[test]
fn the_counter_counts() {
    assert_eq!(
        measure(|| drop(std::hint::black_box(vec![0u8; 8]))).count_total,
        1
    );
}

#[test]
fn encode_and_decode_allocate_nothing() {
    let mut ports = [vfnl_port {
        number: 1,
        ifindex: 2,
        name: [0; VFNL_IFNAME_SIZE],
    }; 2];
    ports[1].number = 2;
    ports[1].ifindex = 3;
    // SAFETY of the calls below: every pointer is to a live local of the right type and
    // every length is that of the buffer it follows.
    let mut a: vfnl_assignment = unsafe { std::mem::zeroed() };
    a.nports = 2;
    for i in 0..2 {
        a.ports[i].port = i as u8 + 1;
        a.ports[i].vf.set = VFNL_SET_MAC | VFNL_SET_VLAN | VFNL_SET_TRUST;
        a.ports[i].vf.mac[..6].copy_from_slice(&[0x52, 0x54, 0, 1, 2, 3]);
        a.ports[i].vf.mac_len = 6;
        a.ports[i].vf.vlan = 42 + i as u32;
        a.ports[i].vf.vlan_proto = VFNL_VLAN_PROTO_8021Q;
        a.ports[i].vf.trust = 1;
    }
    let mut buf = [0u8; 512];
    let mut needed = 0usize;
    let mut batch = vfnl_batch::default();
    let mut link: vfnl_link = unsafe { std::mem::zeroed() };
    let mut info: vfnl_vf_info = unsafe { std::mem::zeroed() };
    let mut acks: vfnl_acks = unsafe { std::mem::zeroed() };
    let mut report = vfnl_feed_report::default();
    let mut snap = [0u8; VFNL_SNAPSHOT_LEN];
    let mut complete = 0u8;
    let mut pci = vfnl_pci_address::default();
    let mut text = [0 as std::ffi::c_char; 32];
    let reply = igb::IGB_GETLINK_VF_REPLY;
    no_alloc("the C ABI", || unsafe {
        assert_eq!(vfnl_pci_parse(c"0000:06:02.0".as_ptr(), &mut pci), VFNL_OK);
        assert_eq!(
            vfnl_pci_format(&pci, text.as_mut_ptr(), text.len(), &mut needed),
            VFNL_OK
        );
        assert_eq!(
            vfnl_batch_encode(
                &a,
                ports.as_ptr(),
                2,
                1,
                buf.as_mut_ptr(),
                buf.len(),
                &mut needed,
                &mut batch
            ),
            VFNL_OK
        );
        assert_eq!(
            vfnl_link_parse(reply.as_ptr(), reply.len(), &mut link),
            VFNL_OK
        );
        assert_eq!(
            vfnl_getlink_encode(2, 7, 1, buf.as_mut_ptr(), buf.len(), &mut needed),
            VFNL_OK
        );
        let mut cursor = vfnl_vf_cursor::default();
        let mut has = 1u8;
        let mut n = 0;
        while has == 1 {
            assert_eq!(
                vfnl_vf_next(
                    reply.as_ptr(),
                    reply.len(),
                    &mut cursor,
                    &mut info,
                    &mut has
                ),
                VFNL_OK
            );
            n += has as usize;
        }
        assert_eq!(n, 4);
        assert_eq!(vfnl_acks_init(&batch, &mut acks), VFNL_OK);
        let r = igb::IGB_SETLINK_VF_MAC_ACK_REPLY;
        assert_eq!(
            vfnl_acks_feed(
                &mut acks,
                r.as_ptr(),
                r.len(),
                buf.as_ptr(),
                batch.len,
                &mut report
            ),
            VFNL_OK
        );
        assert_eq!(
            vfnl_snapshot_new(
                &a,
                ports.as_ptr(),
                2,
                ptr::null(),
                snap.as_mut_ptr(),
                snap.len()
            ),
            VFNL_OK
        );
        let (p2, p3) = (
            igb::IGB_DUMP_VF_REPLY_PARTS[1],
            igb::IGB_DUMP_VF_REPLY_PARTS[2],
        );
        assert_eq!(
            vfnl_snapshot_capture(snap.as_mut_ptr(), snap.len(), 1, p2.as_ptr(), p2.len()),
            VFNL_OK
        );
        assert_eq!(
            vfnl_snapshot_capture(snap.as_mut_ptr(), snap.len(), 2, p3.as_ptr(), p3.len()),
            VFNL_OK
        );
        assert_eq!(
            vfnl_snapshot_check(snap.as_ptr(), snap.len(), &mut complete),
            VFNL_OK
        );
        assert_eq!(
            vfnl_snapshot_restore_encode(
                snap.as_ptr(),
                snap.len(),
                9,
                buf.as_mut_ptr(),
                buf.len(),
                &mut needed,
                &mut batch
            ),
            VFNL_OK
        );
    });
    assert_eq!(complete, 1);
    assert_eq!(report.answered, 1);
}
