//! ACK and error decoding: `ErrorMessage` with extended ACK, `attr_path` into a request, and
//! an `AckTracker` fed the datagram. Input: u16 (little-endian) length of a request, the
//! request (what extended-ACK offsets point into, and the batch buffer the tracker reads),
//! then the kernel's datagram.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vfnl::ack::{attr_path, DoneMessage, ErrorMessage};
use vfnl::assignment::Assignment;
use vfnl::nlmsg::Messages;
use vfnl::port::{Port, PortMap};
use vfnl::{VfConfig, VlanTag};

fuzz_target!(|data: &[u8]| {
    let Some((len, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let len = usize::from(u16::from_le_bytes(*len)).min(rest.len());
    let (request, datagram) = rest.split_at(len);

    let _ = ErrorMessage::parse(datagram);
    for msg in Messages::new(datagram).flatten() {
        if let Ok(e) = ErrorMessage::from_message(&msg) {
            let _ = (e.is_ack(), e.errno(), e.ext_ack.msg);
            if let Some(offset) = e.ext_ack.offset {
                let _ = attr_path(request, 16, offset);
                let _ = attr_path(e.request_payload, 16, offset);
            }
        }
        let _ = DoneMessage::from_message(&msg);
    }
    for offset in [0, 16, 32, 36, 40, 44, u32::MAX] {
        let _ = attr_path(request, 16, offset);
    }

    // A two-port batch with seq 1 and 2 (the golden replies answer seq 1), whose tracker
    // reads the fuzzed request as its batch buffer.
    let mut map = PortMap::new();
    map.add(Port::new(1, 2)).unwrap();
    map.add(Port::new(2, 3)).unwrap();
    let mut a = Assignment::new(0);
    for port in [1, 2] {
        let cfg = VfConfig {
            vlan: Some(VlanTag::dot1q(42, 0)),
            ..VfConfig::new(0)
        };
        a.set_port(port, cfg, None).unwrap();
    }
    let mut buf = [0u8; 512];
    let batch = a.encode_batch(&map, 1, &mut buf).unwrap();
    let mut tracker = batch.tracker();
    for batch_buf in [request, &buf[..batch.len()]] {
        let _ = tracker.feed(datagram, batch_buf);
        let _ = (tracker.is_complete(), tracker.all_acked());
        let _ = (tracker.pending().count(), tracker.failed().count());
        let _ = (tracker.foreign_replies(), tracker.duplicate_replies());
    }
});
