//! Snapshots. In C a snapshot is its serialized bytes (VFNL_SNAPSHOT_LEN of them): the same
//! bytes a stack keeps on disk. Every function checks them (length, magic, version, CRC-32,
//! content) before use.

use crate::assignment::{encode, port_map, vfnl_assignment, vfnl_batch, vfnl_port};
use crate::guard;
use crate::pci::vfnl_pci_address;
use crate::ptr;
use crate::result::*;
use vfnl_core::link::LinkMessage;
use vfnl_core::snapshot::SNAPSHOT_LEN;
use vfnl_core::Snapshot;

/// Bytes of a serialized snapshot.
pub const VFNL_SNAPSHOT_LEN: usize = 1700;
const _: () = assert!(VFNL_SNAPSHOT_LEN == SNAPSHOT_LEN);

pub(crate) fn read(bytes: &[u8]) -> Result<Snapshot, vfnl_result> {
    Ok(Snapshot::deserialize(bytes)?)
}

pub(crate) fn write(s: &Snapshot, out: &mut [u8]) -> Result<(), vfnl_result> {
    if out.len() != VFNL_SNAPSHOT_LEN {
        return Err(VFNL_ERR_INVALID_ARGUMENT);
    }
    s.serialize(out)?;
    Ok(())
}

/// Makes the snapshot for an assignment (which fields it changes on which port's PF netdev),
/// nothing captured yet, into `snap` (`snap_len` must be VFNL_SNAPSHOT_LEN). `pci` may be
/// NULL; else it labels the snapshot with the VF's address.
///
/// # Safety
/// `assignment` is NULL or readable; `ports` is NULL or has `nports` readable elements;
/// `pci` is NULL or readable; `snap` is NULL or has `snap_len` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn vfnl_snapshot_new(
    assignment: *const vfnl_assignment,
    ports: *const vfnl_port,
    nports: usize,
    pci: *const vfnl_pci_address,
    snap: *mut u8,
    snap_len: usize,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (a, ports, snap) = unsafe {
            (
                ptr::r(assignment)?,
                ptr::slice(ports, nports)?,
                ptr::bytes_mut(snap, snap_len)?,
            )
        };
        // SAFETY: per this function's contract (NULL allowed).
        let pci = unsafe { pci.as_ref() };
        let mut s = Snapshot::for_assignment(&a.checked()?, &port_map(ports)?)?;
        if let Some(p) = pci {
            s = s.with_pci(p.checked()?);
        }
        write(&s, snap)
    })
}

/// Records port `port`'s state from its PF netdev's RTM_NEWLINK reply (asked with VF data).
/// `snap` is updated only on success.
///
/// # Safety
/// `snap` is NULL or has `snap_len` readable and writable bytes; `reply` is NULL or has
/// `reply_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn vfnl_snapshot_capture(
    snap: *mut u8,
    snap_len: usize,
    port: u8,
    reply: *const u8,
    reply_len: usize,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (snap, reply) = unsafe {
            (
                ptr::bytes_mut(snap, snap_len)?,
                ptr::bytes(reply, reply_len)?,
            )
        };
        let mut s = read(snap)?;
        s.capture(port, &LinkMessage::parse(reply)?)?;
        write(&s, snap)
    })
}

/// Checks a snapshot; `*complete` gets 1 when every port was captured, else 0.
///
/// # Safety
/// `snap` is NULL or has `snap_len` readable bytes; `complete` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_snapshot_check(
    snap: *const u8,
    snap_len: usize,
    complete: *mut u8,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (snap, complete) = unsafe { (ptr::bytes(snap, snap_len)?, ptr::w(complete)?) };
        *complete = read(snap)?.is_complete() as u8;
        Ok(())
    })
}

/// Encodes the batch that puts back what the snapshot's assignment changed (the captured
/// values of the changed fields; a disassociate for a virtualport) to the snapshot's PF
/// netdevs, like vfnl_batch_encode (size query, `*needed`, outputs only on success).
///
/// # Safety
/// `snap` is NULL or has `snap_len` readable bytes; `buf` is NULL or has `buf_len` writable
/// bytes; `needed` and `out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_snapshot_restore_encode(
    snap: *const u8,
    snap_len: usize,
    first_seq: u32,
    buf: *mut u8,
    buf_len: usize,
    needed: *mut usize,
    out: *mut vfnl_batch,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (snap, buf, needed, out) = unsafe {
            (
                ptr::bytes(snap, snap_len)?,
                ptr::bytes_mut(buf, buf_len)?,
                ptr::w(needed)?,
                ptr::w(out)?,
            )
        };
        let s = read(snap)?;
        encode(
            &s.restore_assignment()?,
            &s.port_map(),
            first_seq,
            buf,
            needed,
            out,
        )
    })
}
