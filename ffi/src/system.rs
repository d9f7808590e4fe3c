//! The Linux side: topology from sysfs, and apply / release through vfnl's own netlink socket,
//! for stacks that want it all done.

use crate::acks::VFNL_MSG_SIZE;
use crate::assignment::{port_map, vfnl_assignment, vfnl_port, VFNL_IFNAME_SIZE, VFNL_MAX_PORTS};
use crate::guard;
use crate::pci::vfnl_pci_address;
use crate::ptr;
use crate::result::*;
use crate::snapshot::{read, write};
use std::ffi::c_char;
use std::path::Path;
use vfnl_core::sys::apply::{apply, release, ApplyError, ApplyOptions, PortResult, RollbackReport};
use vfnl_core::sys::socket::NlSocket;
use vfnl_core::sys::topology::{resolve_vf, DEFAULT_SYSFS};

/// Where a VF sits, from sysfs.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_topology {
    /// The PF.
    pub pf: vfnl_pci_address,
    /// The VF's index on the PF.
    pub vf_index: u32,
    /// How many of `ports` are used.
    pub nports: usize,
    /// Each port's PF netdev, by port number.
    pub ports: [vfnl_port; VFNL_MAX_PORTS],
}

/// Resolves a VF against sysfs (`sysfs` NULL means "/sys"): its PF, its index, and each
/// port's PF netdev, ready for vfnl_batch_encode or vfnl_apply.
///
/// # Safety
/// `sysfs` is NULL or a NUL-terminated path; `vf` is NULL or readable; `out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_resolve_vf(
    sysfs: *const c_char,
    vf: *const vfnl_pci_address,
    out: *mut vfnl_topology,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (vf, out) = unsafe { (ptr::r(vf)?, ptr::w(out)?) };
        let root = if sysfs.is_null() {
            DEFAULT_SYSFS
        } else {
            // SAFETY: non-NULL, per this function's contract.
            unsafe { ptr::cstr(sysfs)? }
        };
        let t = resolve_vf(Path::new(root), vf.checked()?)?;
        let empty = vfnl_port {
            number: 0,
            ifindex: 0,
            name: [0; VFNL_IFNAME_SIZE],
        };
        let mut o = vfnl_topology {
            pf: vfnl_pci_address::from_core(t.pf),
            vf_index: t.vf_index,
            nports: t.ports.len(),
            ports: [empty; VFNL_MAX_PORTS],
        };
        for (c, p) in o.ports.iter_mut().zip(&t.ports) {
            c.number = p.port;
            c.ifindex = p.netdev.ifindex;
            ptr::put_str(&mut c.name, &p.netdev.ifname)?;
        }
        *out = o;
        Ok(())
    })
}

/// `vfnl_apply` flags: apply even when a PF netdev is down (libvirt refuses; so does vfnl by
/// default, since changes made then can be lost).
pub const VFNL_APPLY_ALLOW_PF_DOWN: u32 = 1;
/// `vfnl_apply` flags: do not retry a refused all-zero MAC as 02:00:00:00:00:00.
pub const VFNL_APPLY_NO_ZERO_MAC_RETRY: u32 = 2;

/// `vfnl_port_result.result`: applied (or restored).
pub const VFNL_PORT_APPLIED: u32 = 0;
/// Refused: see `error` and `msg`.
pub const VFNL_PORT_FAILED: u32 = 1;
/// No answer before the timeout.
pub const VFNL_PORT_NO_ANSWER: u32 = 2;
/// Restore only: the port already had its original state; nothing was sent.
pub const VFNL_PORT_UNCHANGED: u32 = 3;

/// What happened on one port.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_port_result {
    /// Port number.
    pub port: u8,
    /// VFNL_PORT_*.
    pub result: u32,
    /// The positive errno when failed, else 0.
    pub error: i32,
    /// The kernel's extended-ACK text, NUL-terminated (often empty: VF settings carry none).
    pub msg: [c_char; VFNL_MSG_SIZE],
}

/// The outcome of vfnl_apply or vfnl_release.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vfnl_apply_report {
    /// How many of `ports` are used (the assignment's ports; for a release, the restored ones).
    pub nports: usize,
    /// Per port.
    pub ports: [vfnl_port_result; VFNL_MAX_PORTS],
    /// 1 when a failed apply was rolled back.
    pub rolled_back: u8,
    /// 1 when that rollback (or a release) restored every port.
    pub restore_complete: u8,
    /// How many of `restored` are used.
    pub nrestored: usize,
    /// Per restored port.
    pub restored: [vfnl_port_result; VFNL_MAX_PORTS],
}

fn result_to_c(port: u8, r: &PortResult) -> vfnl_port_result {
    let mut o = vfnl_port_result {
        port,
        result: VFNL_PORT_APPLIED,
        error: 0,
        msg: [0; VFNL_MSG_SIZE],
    };
    match r {
        PortResult::Applied => {}
        PortResult::Failed(f) => {
            o.result = VFNL_PORT_FAILED;
            o.error = f.errno;
            // At most EXT_ACK_MSG_MAX bytes, so it fits.
            let _ = ptr::put_str(&mut o.msg, f.msg.as_str());
        }
        PortResult::NoAnswer => o.result = VFNL_PORT_NO_ANSWER,
        PortResult::Unchanged => o.result = VFNL_PORT_UNCHANGED,
    }
    o
}

fn empty_report() -> vfnl_apply_report {
    let none = result_to_c(0, &PortResult::Applied);
    vfnl_apply_report {
        nports: 0,
        ports: [none; VFNL_MAX_PORTS],
        rolled_back: 0,
        restore_complete: 0,
        nrestored: 0,
        restored: [none; VFNL_MAX_PORTS],
    }
}

fn put_restore(report: &mut vfnl_apply_report, r: &RollbackReport) {
    report.restore_complete = r.complete as u8;
    report.nrestored = r.ports.len().min(VFNL_MAX_PORTS);
    for (o, (p, res)) in report.restored.iter_mut().zip(&r.ports) {
        *o = result_to_c(*p, res);
    }
}

fn options(flags: u32) -> Result<ApplyOptions, vfnl_result> {
    if flags & !(VFNL_APPLY_ALLOW_PF_DOWN | VFNL_APPLY_NO_ZERO_MAC_RETRY) != 0 {
        return Err(VFNL_ERR_INVALID_ARGUMENT);
    }
    Ok(ApplyOptions {
        refuse_pf_down: flags & VFNL_APPLY_ALLOW_PF_DOWN == 0,
        retry_zero_mac: flags & VFNL_APPLY_NO_ZERO_MAC_RETRY == 0,
    })
}

/// Applies an assignment transactionally through a netlink socket vfnl opens: snapshots every
/// port's PF netdev, sends one message per port, and on any failure restores every port.
/// On success the snapshot to release with is written to `snap` (VFNL_SNAPSHOT_LEN bytes).
/// `*report` is written on success and on VFNL_ERR_KERNEL / VFNL_ERR_ROLLBACK_INCOMPLETE
/// (which port failed, with errno and text; whether the rollback was complete).
///
/// # Safety
/// `assignment` is NULL or readable; `ports` is NULL or has `nports` readable elements;
/// `snap` is NULL or has `snap_len` writable bytes; `report` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_apply(
    assignment: *const vfnl_assignment,
    ports: *const vfnl_port,
    nports: usize,
    flags: u32,
    snap: *mut u8,
    snap_len: usize,
    report: *mut vfnl_apply_report,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (a, ports, snap, report) = unsafe {
            (
                ptr::r(assignment)?,
                ptr::slice(ports, nports)?,
                ptr::bytes_mut(snap, snap_len)?,
                ptr::w(report)?,
            )
        };
        if snap.len() != crate::snapshot::VFNL_SNAPSHOT_LEN {
            return Err(VFNL_ERR_INVALID_ARGUMENT);
        }
        let (a, map, opts) = (a.checked()?, port_map(ports)?, options(flags)?);
        let mut sock = NlSocket::open()?;
        let mut seq = sock.next_seq();
        let mut r = empty_report();
        match apply(&mut sock, &a, &map, opts, &mut seq) {
            Ok(s) => {
                write(&s, snap)?;
                r.nports = a.ports().len();
                for (o, p) in r.ports.iter_mut().zip(a.ports()) {
                    *o = result_to_c(p.port, &PortResult::Applied);
                }
                *report = r;
                Ok(())
            }
            Err(ApplyError::Failed { ports, rollback }) => {
                r.nports = ports.len().min(VFNL_MAX_PORTS);
                for (o, (p, res)) in r.ports.iter_mut().zip(&ports) {
                    *o = result_to_c(*p, res);
                }
                r.rolled_back = 1;
                put_restore(&mut r, &rollback);
                *report = r;
                Err(if rollback.complete {
                    VFNL_ERR_KERNEL
                } else {
                    VFNL_ERR_ROLLBACK_INCOMPLETE
                })
            }
            Err(ApplyError::PfDown { .. }) => Err(VFNL_ERR_PF_DOWN),
            Err(ApplyError::Codec(e)) => Err(e.into()),
            Err(ApplyError::Transport(e)) => Err(e.into()),
        }
    })
}

/// Restores what a snapshot recorded (undoes the assignment it was made for), re-reading each
/// port and sending only what differs. `*report` is written on success and on
/// VFNL_ERR_ROLLBACK_INCOMPLETE.
///
/// # Safety
/// `snap` is NULL or has `snap_len` readable bytes; `report` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vfnl_release(
    snap: *const u8,
    snap_len: usize,
    flags: u32,
    report: *mut vfnl_apply_report,
) -> vfnl_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let (snap, report) = unsafe { (ptr::bytes(snap, snap_len)?, ptr::w(report)?) };
        let (s, opts) = (read(snap)?, options(flags)?);
        let mut sock = NlSocket::open()?;
        let mut seq = sock.next_seq();
        let rr = release(&mut sock, &s, opts, &mut seq);
        let mut r = empty_report();
        put_restore(&mut r, &rr);
        *report = r;
        if rr.complete {
            Ok(())
        } else {
            Err(VFNL_ERR_ROLLBACK_INCOMPLETE)
        }
    })
}
