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
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod attr;
pub mod error;
pub mod ifinfo;
pub mod ifla;
pub mod mac;
pub mod nlmsg;
pub mod vf;

pub use error::{Error, Field};
pub use mac::Mac;
pub use vf::{
    LinkState, RateLimit, VfAttr, VfConfig, VfInfo, VfSetting, VfStats, VlanProto, VlanTag,
};
