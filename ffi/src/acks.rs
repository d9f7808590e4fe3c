//! Tracking the kernel's answers to a batch, mapped to ports.

use crate::assignment::{vfnl_batch, VFNL_MAX_PORTS};
use crate::guard;
use crate::ptr;
use crate::result::*;
use std::ffi::c_char;
use vfnl_core::batch::{BatchEntry, Failure, PortOutcome, PortStatus, EXT_ACK_MSG_MAX};
use vfnl_core::AckTracker;

/// Bytes of an extended-ACK text field, NUL included.
pub const VFNL_MSG_SIZE: usize = 129;
const _: () = assert!(VFNL_MSG_SIZE == EXT_ACK_MSG_MAX + 1);
/// Most attribute numbers in an attribute path.
pub const VFNL_ATTR_PATH_MAX: usize = 8;

/// `vfnl_port_outcome.status`: no answer yet.
pub const VFNL_STATUS_PENDING: u32 = 0;
/// Acknowledged: applied.
pub const VFNL_STATUS_ACKED: u32 = 1;
/// Refused: see `error`, `msg`, `offset`, `attr_path`.
pub const VFNL_STATUS_FAILED: u32 = 2;

/// One port's message and the kernel's answer.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_port_outcome {
    /// Port number.
    pub port: u8,
    /// PF netdev.
    pub ifindex: u32,
    /// The message's sequence number.
    pub seq: u32,
    /// Offset of the message in the batch buffer.
    pub offset: usize,
    /// Its length.
    pub len: usize,
    /// VFNL_STATUS_*.
    pub status: u32,
    /// The positive errno when failed, else 0.
    pub error: i32,
    /// The extended-ACK text, NUL-terminated (empty when none).
    pub msg: [c_char; VFNL_MSG_SIZE],
    /// 1 when `msg` was cut.
    pub msg_truncated: u8,
    /// 1 when `ext_offset` is set.
    pub has_ext_offset: u8,
    /// The extended-ACK offset into the port's message.
    pub ext_offset: u32,
    /// How many of `attr_path` are used (0 when unknown).
    pub attr_depth: u8,
    /// Attribute numbers down to the refused one, e.g. {22, 1, 1} for VFINFO_LIST/VF_INFO/VF_MAC.
    pub attr_path: [u16; VFNL_ATTR_PATH_MAX],
}

/// The answers to one batch.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_acks {
    /// How many of `ports` are used.
    pub nports: usize,
    /// Per port, in port order.
    pub ports: [vfnl_port_outcome; VFNL_MAX_PORTS],
    /// Messages that answered no request of the batch, so far.
    pub foreign: u64,
    /// Second answers for an answered port, so far.
    pub duplicates: u64,
}

/// What one datagram held for the batch.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct vfnl_feed_report {
    /// Answers matched to a pending port.
    pub answered: usize,
    /// Messages answering no request of the batch.
    pub foreign: usize,
    /// Second answers for a port.
    pub duplicates: usize,
}

fn outcome_to_c(o: &PortOutcome) -> vfnl_port_outcome {
    let e = o.entry;
    let mut c = vfnl_port_outcome {
        port: e.port,
        ifindex: e.ifindex,
        seq: e.seq,
        offset: e.offset,
        len: e.len,
        status: VFNL_STATUS_PENDING,
        error: 0,
        msg: [0; VFNL_MSG_SIZE],
        msg_truncated: 0,
        has_ext_offset: 0,
        ext_offset: 0,
        attr_depth: 0,
        attr_path: [0; VFNL_ATTR_PATH_MAX],
    };
    match &o.status {
        PortStatus::Pending => {}
        PortStatus::Acked => c.status = VFNL_STATUS_ACKED,
        PortStatus::Failed(f) => {
            c.status = VFNL_STATUS_FAILED;
            c.error = f.errno;
            // The text is at most EXT_ACK_MSG_MAX bytes, so it fits with its NUL.
            let _ = ptr::put_str(&mut c.msg, f.msg.as_str());
            c.msg_truncated = f.msg_truncated as u8;
            if let Some(off) = f.offset {
                c.has_ext_offset = 1;
                c.ext_offset = off;
            }
            if let Some(path) = &f.attr {
                c.attr_depth = path.len() as u8;
                for (o, a) in c.attr_path.iter_mut().zip(path) {
                    *o = *a;
                }
            }
        }
    }
    c
}

fn outcome_from_c(c: &vfnl_port_outcome) -> Result<PortOutcome, vfnl_result> {
    let entry = BatchEntry {
        port: c.port,
        ifindex: c.ifindex,
        seq: c.seq,
        offset: c.offset,
        len: c.len,
    };
    let status = match c.status {
        VFNL_STATUS_PENDING => PortStatus::Pending,
        VFNL_STATUS_ACKED => PortStatus::Acked,
        VFNL_STATUS_FAILED => {
            let depth = c.attr_depth as usize;
            let path = c.attr_path.get(..depth).ok_or(VFNL_ERR_INVALID_ARGUMENT)?;
            let msg = heapless_string(ptr::get_str(&c.msg)?)?;
            PortStatus::Failed(Failure {
                errno: c.error,
                msg,
                msg_truncated: c.msg_truncated != 0,
                offset: (c.has_ext_offset != 0).then_some(c.ext_offset),
                attr: (depth > 0).then(|| path.iter().copied().collect()),
            })
        }
        _ => return Err(VFNL_ERR_INVALID_ARGUMENT),
    };
    Ok(PortOutcome { entry, status })
}

fn heapless_string(s: &str) -> Result<vfnl_core::batch::ExtAckText, vfnl_result> {
    vfnl_core::batch::ExtAckText::try_from(s).map_err(|_| VFNL_ERR_INVALID_ARGUMENT)
}

pub(crate) fn acks_to_c(t: &AckTracker) -> vfnl_acks {
    let mut out = vfnl_acks {
        nports: t.outcomes().len(),
        ports: [outcome_to_c(&PortOutcome {
            entry: BatchEntry {
                port: 0,
                ifindex: 0,
                seq: 0,
                offset: 0,
                len: 0,
            },
            status: PortStatus::Pending,
        }); VFNL_MAX_PORTS],
        foreign: t.foreign_replies() as u64,
        duplicates: t.duplicate_replies() as u64,
    };
    for (o, p) in out.ports.iter_mut().zip(t.outcomes()) {
        *o = outcome_to_c(p);
    }
    out
}

/// Starts tracking the answers to `batch`: every port pending.
///
/// # Safety
/// `batch` is NULL or readable; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_acks_init(
    batch: *const vfnl_batch,
    out: *mut vfnl_acks,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (b, out) = unsafe { (ptr::r(batch)?, ptr::w(out)?) };
        let entries = b
            .entries
            .get(..b.nentries)
            .ok_or(VFNL_ERR_INVALID_ARGUMENT)?;
        let outcomes: heapless::Vec<PortOutcome, VFNL_MAX_PORTS> = entries
            .iter()
            .map(|e| PortOutcome {
                entry: BatchEntry {
                    port: e.port,
                    ifindex: e.ifindex,
                    seq: e.seq,
                    offset: e.offset,
                    len: e.len,
                },
                status: PortStatus::Pending,
            })
            .collect();
        *out = acks_to_c(&AckTracker::from_parts(&outcomes, 0, 0)?);
        Ok(())
    })
}

/// Takes one received datagram: answers are matched to ports by sequence number; the
/// extended-ACK offset is resolved against the batch buffer `batch_buf` (the one the batch was
/// encoded into). `*acks` and `*report` are updated only on success.
///
/// # Safety
/// `acks` is NULL or readable and writable; `datagram` and `batch_buf` are NULL or have their
/// lengths of readable bytes; `report` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_acks_feed(
    acks: *mut vfnl_acks,
    datagram: *const u8,
    datagram_len: usize,
    batch_buf: *const u8,
    batch_len: usize,
    report: *mut vfnl_feed_report,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (acks, datagram, batch_buf, report) = unsafe {
            (
                ptr::w(acks)?,
                ptr::bytes(datagram, datagram_len)?,
                ptr::bytes(batch_buf, batch_len)?,
                ptr::w(report)?,
            )
        };
        let ports = acks
            .ports
            .get(..acks.nports)
            .ok_or(VFNL_ERR_INVALID_ARGUMENT)?;
        let outcomes = ports
            .iter()
            .map(outcome_from_c)
            .collect::<Result<heapless::Vec<_, VFNL_MAX_PORTS>, _>>()?;
        let mut t =
            AckTracker::from_parts(&outcomes, acks.foreign as usize, acks.duplicates as usize)?;
        let r = t.feed(datagram, batch_buf)?;
        *acks = acks_to_c(&t);
        *report = vfnl_feed_report {
            answered: r.answered,
            foreign: r.foreign,
            duplicates: r.duplicates,
        };
        Ok(())
    })
}
