//! The Linux layer (feature `std`): what touches the running system. The codec and the
//! N-port model stay in the no_std core; this module adds sysfs topology discovery, the
//! netlink socket, and applying assignments transactionally.
//!
//! `unsafe` is allowed only in the socket layer, each block with a `// SAFETY:` comment.

pub mod apply;
#[allow(unsafe_code)]
pub mod socket;
pub mod topology;
