//! # vfnl
//!
//! An allocation-free rtnetlink codec for SR-IOV Virtual Functions, built for NICs where one
//! PCI function carries several network ports.
//!
//! The crate is `#![no_std]`, uses no allocator and no `unsafe`. Every encoder writes into a
//! caller's `&mut [u8]` and reports [`Error::BufferTooSmall`] with the size needed; every
//! decoder is a zero-copy view over the caller's bytes that reports malformed input as an
//! [`Error`] and never panics.
//!
//! Modules, each owning one layer of the wire format:
//! - [`nlmsg`]: the netlink header and the walk over the messages of a datagram;
//! - [`attr`]: attributes, reading and writing;
//! - [`ifinfo`]: the link header (`ifinfomsg`);
//! - [`ifla`]: attribute numbers;
//! - [`mac`]: hardware addresses;
//! - [`vf`]: the `IFLA_VF_*` attributes;
//! - [`virtualport`]: 802.1Qbg/Qbh ports;
//! - [`request`]: SETLINK, GETLINK and dump requests;
//! - [`link`]: the RTM_NEWLINK reply and its VFs;
//! - [`ack`]: `NLMSG_ERROR` and extended ACK;
//! - [`dump`]: multi-part dump replies;
//! - [`pci`]: PCI addresses;
//!
//! and the one-VF-N-ports model on top:
//! - [`port`]: a PCI function's ports, each mapped to the PF netdev that configures it;
//! - [`assignment`]: one VF's settings per port, encoded as one message per port;
//! - [`batch`]: the batch of messages and the mapping of the kernel's answers to ports;
//! - [`snapshot`]: the VF's original state per port, its restore batch and its byte format.
//!
//! With the `std` feature, [`sys`] adds the Linux layer.
#![cfg_attr(not(test), no_std)]
// No unsafe in the core. The std layer's socket module is the one place allowed it (each
// block with a SAFETY comment), so with `std` on the lint is deny plus that one allow.
#![cfg_attr(not(feature = "std"), forbid(unsafe_code))]
#![cfg_attr(feature = "std", deny(unsafe_code))]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "std")]
pub mod sys;

pub mod ack;
pub mod assignment;
pub mod attr;
pub mod batch;
pub mod dump;
pub mod error;
pub mod ifinfo;
pub mod ifla;
pub mod link;
pub mod mac;
pub mod nlmsg;
pub mod pci;
pub mod port;
pub mod request;
pub mod snapshot;
pub mod vf;
pub mod virtualport;

// The README's example is compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctest;

pub use ack::{ErrorMessage, ExtAck};
pub use assignment::Assignment;
pub use batch::{AckTracker, Batch};
pub use dump::DumpReader;
pub use error::{Error, Field};
pub use link::LinkMessage;
pub use mac::Mac;
pub use pci::PciAddress;
pub use port::{Port, PortMap, MAX_PORTS};
pub use request::{GetLink, LinkDump, LinkTarget, SetLink};
pub use snapshot::Snapshot;
pub use vf::{
    LinkState, RateLimit, VfAttr, VfConfig, VfEntry, VfInfo, VfSetting, VfStats, VlanProto, VlanTag,
};
pub use virtualport::{PortProfile, PortRequest, PortResponse, VirtualPort, VsiType};
