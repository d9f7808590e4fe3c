//! Applying an assignment transactionally, and releasing it.
//!
//! [`apply`] does, over any [`Transport`]:
//! 1. query every port's PF netdev (RTM_GETLINK with VF data) and capture the VF's state per
//!    port into a [`Snapshot`]; a PF that is down is refused when
//!    [`ApplyOptions::refuse_pf_down`] (libvirt's rule: changes made while it is down can be
//!    lost when it comes up);
//! 2. send the batch, one RTM_SETLINK per port, in one datagram, and collect the answers;
//! 3. if every port is acknowledged, return the snapshot, which [`release`] later restores;
//! 4. otherwise put every port back to the snapshot — re-reading each port's state and
//!    sending only what differs, because the kernel does not roll back within a message (a
//!    refused port may have taken its MAC before its VLAN was refused) — and report which
//!    port failed with errno and extended-ACK text, and whether the rollback fully succeeded.
//!
//! With [`ApplyOptions::retry_zero_mac`], a port whose all-zero MAC is refused is retried with
//! `02:00:00:00:00:00`, as libvirt does for drivers (bnx2x) that reject the zero MAC; this also
//! applies when a rollback or release restores a zero MAC.
//!
//! | fault | what happens |
//! |---|---|
//! | a port refused (errno) | the other ports that changed are restored; [`ApplyError::Failed`] names the port, errno, ext-ack text and attribute |
//! | no answer for a port (timeout) | counted as failed with [`PortResult::NoAnswer`]; the rollback re-reads it and restores what differs |
//! | a refused port changed part way | the rollback re-reads it and restores what differs |
//! | the rollback fails too | [`RollbackReport::complete`] is false and lists each port's result |
//! | PF down | [`ApplyError::PfDown`] before anything is sent |
//! | VF missing from a port's reply, or a truncated VF list | [`ApplyError::Codec`] before anything is sent |
//! | transport error before sending | [`ApplyError::Transport`]; nothing changed |

use super::socket::{get_link, SysError, Transport};
use crate::assignment::Assignment;
use crate::batch::{AckTracker, Batch, Failure, PortStatus};
use crate::error::Error;
use crate::ifinfo::IffFlags;
use crate::link::LinkMessage;
use crate::mac::Mac;
use crate::port::PortMap;
use crate::request::LinkTarget;
use crate::snapshot::{PortState, Snapshot};
use std::fmt;
use std::vec;
use std::vec::Vec;

/// How [`apply`] behaves where libvirt makes a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Refuse while a port's PF netdev is administratively down. Default: true.
    pub refuse_pf_down: bool,
    /// Retry a refused all-zero MAC as `02:00:00:00:00:00`. Default: true.
    pub retry_zero_mac: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            refuse_pf_down: true,
            retry_zero_mac: true,
        }
    }
}

/// The MAC libvirt uses in place of a refused all-zero MAC.
pub const ALT_ZERO_MAC: Mac = Mac::ethernet([0x02, 0, 0, 0, 0, 0]);

/// What happened to one port's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortResult {
    /// Acknowledged.
    Applied,
    /// Refused.
    Failed(Failure),
    /// No answer before the transport gave up.
    NoAnswer,
    /// Restore only: the port already had its original state, so nothing was sent.
    Unchanged,
}

/// The result of a restore (a rollback or a release).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackReport {
    /// Per restored port: its number and result.
    pub ports: Vec<(u8, PortResult)>,
    /// Whether every restored port was acknowledged.
    pub complete: bool,
}

/// Why [`apply`] did not apply.
#[derive(Debug)]
pub enum ApplyError {
    /// A port's PF netdev is down (and [`ApplyOptions::refuse_pf_down`] is set).
    PfDown {
        /// The port.
        port: u8,
        /// Its PF netdev.
        ifindex: u32,
    },
    /// Building a message or reading a reply failed; nothing was sent.
    Codec(Error),
    /// The transport failed before the batch was sent; nothing changed.
    Transport(SysError),
    /// One or more ports failed; the others were rolled back.
    Failed {
        /// Per port of the assignment: its number and result.
        ports: Vec<(u8, PortResult)>,
        /// The rollback of the ports that may have changed.
        rollback: RollbackReport,
    },
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::PfDown { port, ifindex } => {
                write!(f, "port {port}: PF netdev {ifindex} is down")
            }
            ApplyError::Codec(e) => write!(f, "{e}"),
            ApplyError::Transport(e) => write!(f, "{e}"),
            ApplyError::Failed { ports, rollback } => {
                for (port, r) in ports {
                    match r {
                        PortResult::Failed(fl) if fl.msg.is_empty() => {
                            write!(f, "port {port}: errno {}; ", fl.errno)?
                        }
                        PortResult::Failed(fl) => {
                            write!(f, "port {port}: errno {} ({}); ", fl.errno, fl.msg)?
                        }
                        PortResult::NoAnswer => write!(f, "port {port}: no answer; ")?,
                        PortResult::Applied | PortResult::Unchanged => {}
                    }
                }
                write!(
                    f,
                    "rollback {}",
                    if rollback.complete {
                        "complete"
                    } else {
                        "INCOMPLETE"
                    }
                )
            }
        }
    }
}

impl std::error::Error for ApplyError {}

impl From<Error> for ApplyError {
    fn from(e: Error) -> Self {
        ApplyError::Codec(e)
    }
}

/// Sequence numbers for the requests: `*next` is the next one to use, and is left past the
/// last one used, so one counter can serve a whole session of applies and releases.
struct Seq<'a>(&'a mut u32);

impl Seq<'_> {
    fn take(&mut self, n: usize) -> u32 {
        let first = *self.0;
        *self.0 = self.0.wrapping_add(n as u32);
        first
    }
}

/// Applies `assignment` to the PF netdevs in `ports`; on success returns the snapshot to
/// [`release`] with. Requests are numbered from `*seq`, which is left past the last used.
pub fn apply<T: Transport>(
    t: &mut T,
    assignment: &Assignment,
    ports: &PortMap,
    options: ApplyOptions,
    seq: &mut u32,
) -> Result<Snapshot, ApplyError> {
    let mut seq = Seq(seq);
    let mut snapshot = Snapshot::for_assignment(assignment, ports)?;
    for s in assignment.ports() {
        let port = ports
            .get(s.port)
            .ok_or(Error::UnknownPort { port: s.port })?;
        let reply = get_link(t, LinkTarget::Index(port.ifindex), seq.take(1))
            .map_err(ApplyError::Transport)?;
        let link = LinkMessage::parse(&reply)?;
        if options.refuse_pf_down && !link.ifinfo().flags.contains(IffFlags::UP) {
            return Err(ApplyError::PfDown {
                port: s.port,
                ifindex: port.ifindex,
            });
        }
        snapshot.capture(s.port, &link)?;
    }
    let results = send_with_retry(t, assignment, ports, options, &mut seq)?;
    if results.iter().all(|(_, r)| *r == PortResult::Applied) {
        return Ok(snapshot);
    }
    let rollback = restore(t, &snapshot, options, &mut seq);
    Err(ApplyError::Failed {
        ports: results,
        rollback,
    })
}

/// Restores what `snapshot` recorded: the assignment it was made for is undone. Requests
/// are numbered from `*seq`, which is left past the last used.
pub fn release<T: Transport>(
    t: &mut T,
    snapshot: &Snapshot,
    options: ApplyOptions,
    seq: &mut u32,
) -> RollbackReport {
    restore(t, snapshot, options, &mut Seq(seq))
}

/// The VF's state on a port now, or `None` when it cannot be read.
fn current_state<T: Transport>(
    t: &mut T,
    ifindex: u32,
    vf: u32,
    seq: &mut Seq<'_>,
) -> Option<PortState> {
    let reply = get_link(t, LinkTarget::Index(ifindex), seq.take(1)).ok()?;
    let link = LinkMessage::parse(&reply).ok()?;
    let info = link.vf(vf).ok()??;
    Some(PortState::from_info(&info))
}

/// Puts every port of the snapshot back. Each port's current state is read first and only
/// the fields that differ from the snapshot are sent: a port refused part way may have
/// changed some fields and not others, and re-sending a field that did not change can itself
/// be refused (igb refuses any rate while the link is down). A virtualport is always
/// disassociated. When the current state cannot be read, every changed field is sent.
fn restore<T: Transport>(
    t: &mut T,
    snapshot: &Snapshot,
    options: ApplyOptions,
    seq: &mut Seq<'_>,
) -> RollbackReport {
    let full = match snapshot.restore_assignment() {
        Ok(a) => a,
        Err(_) => {
            // A port never captured cannot be restored.
            let ports = snapshot
                .ports()
                .iter()
                .map(|p| (p.port.number, PortResult::NoAnswer))
                .collect();
            return RollbackReport {
                ports,
                complete: false,
            };
        }
    };
    let map = snapshot.port_map();
    let mut undo = Assignment::new(snapshot.vf());
    let mut ports = Vec::new();
    for s in full.ports() {
        let ifindex = map.get(s.port).map_or(0, |p| p.ifindex);
        let config = match current_state(t, ifindex, snapshot.vf(), seq) {
            Some(now) => now.still_to_restore(&s.config),
            None => s.config,
        };
        if config.is_empty() && s.virtualport.is_none() {
            ports.push((s.port, PortResult::Unchanged));
            continue;
        }
        // Settings from a validated snapshot are valid again.
        let _ = undo.set_port(s.port, config, s.virtualport);
    }
    if !undo.ports().is_empty() {
        match send_with_retry(t, &undo, &map, options, seq) {
            Ok(sent) => ports.extend(sent),
            Err(_) => ports.extend(undo.ports().iter().map(|s| (s.port, PortResult::NoAnswer))),
        }
    }
    ports.sort_by_key(|(p, _)| *p);
    let complete = ports
        .iter()
        .all(|(_, r)| matches!(r, PortResult::Applied | PortResult::Unchanged));
    RollbackReport { ports, complete }
}

/// Sends the assignment's batch and, for ports whose all-zero MAC was refused, a second batch
/// with [`ALT_ZERO_MAC`]. Errors only when nothing could be sent.
fn send_with_retry<T: Transport>(
    t: &mut T,
    assignment: &Assignment,
    ports: &PortMap,
    options: ApplyOptions,
    seq: &mut Seq<'_>,
) -> Result<Vec<(u8, PortResult)>, ApplyError> {
    let mut results = send_batch(t, assignment, ports, seq)?;
    if !options.retry_zero_mac {
        return Ok(results);
    }
    let mut retry = Assignment::new(assignment.vf());
    for (port, r) in &results {
        let s = assignment.port(*port).copied();
        if let (PortResult::Failed(_), Some(s)) = (r, s) {
            if s.config.mac.is_some_and(|m| m.is_zero()) {
                let mut config = s.config;
                config.mac = Some(ALT_ZERO_MAC);
                retry.set_port(*port, config, s.virtualport)?;
            }
        }
    }
    if retry.ports().is_empty() {
        return Ok(results);
    }
    for (port, r) in send_batch(t, &retry, ports, seq)? {
        if let Some(slot) = results.iter_mut().find(|(p, _)| *p == port) {
            slot.1 = r;
        }
    }
    Ok(results)
}

/// Sends one batch in one datagram and collects an answer per port until all are in or the
/// transport gives up (then the rest are [`PortResult::NoAnswer`]).
fn send_batch<T: Transport>(
    t: &mut T,
    assignment: &Assignment,
    ports: &PortMap,
    seq: &mut Seq<'_>,
) -> Result<Vec<(u8, PortResult)>, ApplyError> {
    let mut buf = vec![0u8; assignment.batch_len(ports)?];
    let batch: Batch =
        assignment.encode_batch(ports, seq.take(assignment.ports().len()), &mut buf)?;
    t.send(&buf[..batch.len()]).map_err(ApplyError::Transport)?;
    let mut acks: AckTracker = batch.tracker();
    while !acks.is_complete() {
        match t.recv() {
            Ok(datagram) => {
                // A datagram that does not frame is skipped; its answers count as missing.
                let _ = acks.feed(datagram, &buf);
            }
            Err(_) => break,
        }
    }
    Ok(acks
        .outcomes()
        .iter()
        .map(|o| {
            let r = match &o.status {
                PortStatus::Acked => PortResult::Applied,
                PortStatus::Failed(f) => PortResult::Failed(f.clone()),
                PortStatus::Pending => PortResult::NoAnswer,
            };
            (o.entry.port, r)
        })
        .collect())
}
