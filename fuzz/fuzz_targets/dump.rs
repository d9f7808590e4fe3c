//! Dump reading: a `DumpReader` fed arbitrary datagrams, every link it yields walked.
//! Input: u32 (little-endian) sequence number, then datagrams, each a u16 (little-endian)
//! length and that many bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vfnl::dump::DumpReader;

fuzz_target!(|data: &[u8]| {
    let Some((seq, mut rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let mut dump = DumpReader::new(u32::from_le_bytes(*seq));
    while let Some((len, tail)) = rest.split_first_chunk::<2>() {
        let len = usize::from(u16::from_le_bytes(*len)).min(tail.len());
        let (datagram, tail) = tail.split_at(len);
        rest = tail;
        for link in dump.feed(datagram) {
            let Ok(link) = link else { continue };
            let _ = (link.ifname(), link.num_vf());
            for vf in link.vfs() {
                let _ = vf;
            }
            for port in link.vf_ports() {
                let _ = port;
            }
            let _ = link.port_self();
        }
    }
    let _ = (dump.is_done(), dump.is_interrupted(), dump.links());
});
