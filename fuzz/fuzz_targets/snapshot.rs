//! Snapshot deserialization. Arbitrary bytes must be refused or accepted without a panic;
//! then the same bytes with their CRC-32 fixed up (so the fuzzer reaches the field checks,
//! which a random checksum would hide) must, when accepted, serialize back to exactly the
//! same bytes, and the restore assignment and batch must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vfnl::snapshot::{Snapshot, SNAPSHOT_LEN};

fuzz_target!(|data: &[u8]| {
    let _ = Snapshot::deserialize(data).map(|s| check(&s, data));

    let mut bytes = [0u8; SNAPSHOT_LEN];
    let n = data.len().min(SNAPSHOT_LEN);
    bytes[..n].copy_from_slice(&data[..n]);
    let crc = crc32(&bytes[..SNAPSHOT_LEN - 4]);
    bytes[SNAPSHOT_LEN - 4..].copy_from_slice(&crc.to_le_bytes());
    if let Ok(s) = Snapshot::deserialize(&bytes) {
        check(&s, &bytes);
    }
});

fn check(s: &Snapshot, bytes: &[u8]) {
    let mut out = [0u8; SNAPSHOT_LEN];
    assert_eq!(s.serialize(&mut out), Ok(SNAPSHOT_LEN));
    assert_eq!(&out[..], bytes, "serialize(deserialize(b)) != b");
    assert_eq!(Snapshot::deserialize(&out).as_ref(), Ok(s));
    let _ = s.is_complete();
    let _ = s.port_map();
    for p in s.ports() {
        let _ = s.unrestorable(p.port.number);
    }
    let _ = s.restore_assignment();
    let mut buf = [0u8; 4096];
    let _ = s.restore_batch(1, &mut buf);
}

/// CRC-32 (IEEE, reflected, as zlib's crc32()), the snapshot format's checksum.
fn crc32(b: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &x in b {
        crc ^= u32::from(x);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}
