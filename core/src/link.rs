//! A zero-copy view of an RTM_NEWLINK reply: the link's identity and its VFs.
//!
//! [`LinkMessage::parse`] walks the top-level attributes once, checking every length and
//! string, and keeps slices of the ones it knows. After that no getter fails: the VF and port
//! iterators decode lazily and report a malformed entry as an `Err` item. The VFs come two
//! ways: [`LinkMessage::vf_entries`] as lazy [`VfEntry`] views that decode only the fields
//! read, and [`LinkMessage::vfs`] decoded whole into [`VfInfo`] values.
//!
//! The VF list is not trusted to be complete. The kernel's `IFLA_VFINFO_LIST` is one
//! attribute with a 16-bit length; with a few hundred VFs it overflows. The VF iterators end
//! with [`Error::VfListTruncated`] when fewer entries arrived than `IFLA_NUM_VF` says,
//! and yield only [`Error::VfListWrapped`] when the length wrapped, which shows as a VF entry
//! (type 1, which at the top level is `IFLA_ADDRESS`, always sent before the list) following
//! the list, or as a malformed attribute after a list shorter than `IFLA_NUM_VF`.

use crate::attr::{Attr, AttrIter};
use crate::error::Error;
use crate::ifinfo::IfInfoMsg;
use crate::ifla::*;
use crate::mac::ETH_ALEN;
use crate::nlmsg::{Message, NlmsgHeader, RTM_NEWLINK};
use crate::vf::{VfEntry, VfInfo};
use crate::virtualport::VirtualPort;

/// An RTM_NEWLINK message, parsed.
///
/// ```
/// # use vfnl::link::LinkMessage;
/// # fn show(reply: &[u8]) -> Result<(), vfnl::Error> {
/// let link = LinkMessage::parse(reply)?;
/// for vf in link.vfs() {
///     let vf = vf?; // a truncated list ends in an error, never silently
///     if let Some(mac) = vf.mac { let _ = (vf.vf, mac); }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkMessage<'a> {
    header: NlmsgHeader,
    ifinfo: IfInfoMsg,
    ifname: Option<&'a str>,
    address: Option<&'a [u8]>,
    mtu: Option<u32>,
    num_vf: Option<u32>,
    vfinfo_list: Option<Attr<'a>>,
    vf_ports: Option<Attr<'a>>,
    port_self: Option<Attr<'a>>,
    phys_port_id: Option<&'a [u8]>,
    phys_port_name: Option<&'a str>,
    phys_switch_id: Option<&'a [u8]>,
    parent_dev_name: Option<&'a str>,
    parent_dev_bus_name: Option<&'a str>,
    vf_list_wrapped: bool,
}

impl<'a> LinkMessage<'a> {
    /// Parses one message (header included) that must be an RTM_NEWLINK.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::from_message(&Message::parse(bytes)?)
    }

    /// Parses an already framed message (e.g. from [`Messages`](crate::nlmsg::Messages)).
    pub fn from_message(msg: &Message<'a>) -> Result<Self, Error> {
        if msg.header.message_type != RTM_NEWLINK {
            return Err(Error::UnexpectedMessageType {
                expected: RTM_NEWLINK,
                found: msg.header.message_type,
            });
        }
        let ifinfo = IfInfoMsg::parse(msg.payload)?;
        let mut out = LinkMessage {
            header: msg.header,
            ifinfo,
            ifname: None,
            address: None,
            mtu: None,
            num_vf: None,
            vfinfo_list: None,
            vf_ports: None,
            port_self: None,
            phys_port_id: None,
            phys_port_name: None,
            phys_switch_id: None,
            parent_dev_name: None,
            parent_dev_bus_name: None,
            vf_list_wrapped: false,
        };
        let attrs = AttrIter::new(
            &msg.payload[IfInfoMsg::LEN..],
            NlmsgHeader::LEN + IfInfoMsg::LEN,
        );
        for attr in attrs {
            match attr.and_then(|a| out.take(a)) {
                Ok(Walk::Continue) => {}
                Ok(Walk::Wrapped) => {
                    out.vf_list_wrapped = true;
                    break;
                }
                // Spilled VF attributes can also break the framing, or read as a top-level
                // attribute of the wrong size, after a list shorter than IFLA_NUM_VF.
                Err(_) if out.vf_list_short() => {
                    out.vf_list_wrapped = true;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Keeps one top-level attribute.
    fn take(&mut self, attr: Attr<'a>) -> Result<Walk, Error> {
        match attr.kind() {
            // The kernel sends IFLA_ADDRESS before the VF list; a type-1 attribute after it
            // is an IFLA_VF_INFO spilling out of a list whose length wrapped.
            IFLA_ADDRESS if self.vfinfo_list.is_some() => return Ok(Walk::Wrapped),
            IFLA_ADDRESS => self.address = Some(attr.payload()),
            IFLA_IFNAME => self.ifname = Some(attr.str()?),
            IFLA_MTU => self.mtu = Some(attr.u32()?),
            IFLA_NUM_VF => self.num_vf = Some(attr.u32()?),
            IFLA_VFINFO_LIST => self.vfinfo_list = Some(attr),
            IFLA_VF_PORTS => self.vf_ports = Some(attr),
            IFLA_PORT_SELF => self.port_self = Some(attr),
            IFLA_PHYS_PORT_ID => self.phys_port_id = Some(attr.payload()),
            IFLA_PHYS_PORT_NAME => self.phys_port_name = Some(attr.str()?),
            IFLA_PHYS_SWITCH_ID => self.phys_switch_id = Some(attr.payload()),
            IFLA_PARENT_DEV_NAME => self.parent_dev_name = Some(attr.str()?),
            IFLA_PARENT_DEV_BUS_NAME => self.parent_dev_bus_name = Some(attr.str()?),
            _ => {}
        }
        Ok(Walk::Continue)
    }

    /// Whether the VF list holds fewer well-formed entries than `IFLA_NUM_VF` says.
    fn vf_list_short(&self) -> bool {
        match (self.vfinfo_list, self.num_vf) {
            (Some(list), Some(num_vf)) => {
                let found = list.nested().map_while(Result::ok).count();
                (found as u64) < u64::from(num_vf)
            }
            _ => false,
        }
    }

    /// The netlink header (sequence number, flags such as `NLM_F_MULTI`).
    pub fn header(&self) -> &NlmsgHeader {
        &self.header
    }

    /// The `ifinfomsg` (type, flags).
    pub fn ifinfo(&self) -> &IfInfoMsg {
        &self.ifinfo
    }

    /// Interface index.
    pub fn ifindex(&self) -> i32 {
        self.ifinfo.index
    }

    /// `IFLA_IFNAME`.
    pub fn ifname(&self) -> Option<&'a str> {
        self.ifname
    }

    /// `IFLA_ADDRESS`: the link's hardware address.
    pub fn address(&self) -> Option<&'a [u8]> {
        self.address
    }

    /// `IFLA_MTU`.
    pub fn mtu(&self) -> Option<u32> {
        self.mtu
    }

    /// `IFLA_NUM_VF`: present only when asked with `RTEXT_FILTER_VF` and the link has a
    /// parent device.
    pub fn num_vf(&self) -> Option<u32> {
        self.num_vf
    }

    /// `IFLA_PHYS_PORT_ID`.
    pub fn phys_port_id(&self) -> Option<&'a [u8]> {
        self.phys_port_id
    }

    /// `IFLA_PHYS_PORT_NAME` (e.g. `p0`; `pf0vf3` for a representor).
    pub fn phys_port_name(&self) -> Option<&'a str> {
        self.phys_port_name
    }

    /// `IFLA_PHYS_SWITCH_ID`.
    pub fn phys_switch_id(&self) -> Option<&'a [u8]> {
        self.phys_switch_id
    }

    /// `IFLA_PARENT_DEV_NAME`, e.g. `0000:06:00.0`: groups the netdevs of one PCI function.
    pub fn parent_dev_name(&self) -> Option<&'a str> {
        self.parent_dev_name
    }

    /// `IFLA_PARENT_DEV_BUS_NAME`, e.g. `pci`.
    pub fn parent_dev_bus_name(&self) -> Option<&'a str> {
        self.parent_dev_bus_name
    }

    /// The length of the link's hardware address, which says how many bytes of each 32-byte
    /// VF MAC count (6 when the reply carries no address).
    pub fn addr_len(&self) -> usize {
        match self.address {
            Some(a) if !a.is_empty() => a.len(),
            _ => ETH_ALEN,
        }
    }

    /// Whether the reply carries a VF list at all (it needs `RTEXT_FILTER_VF`, a parent
    /// device and a driver that reports VFs).
    pub fn has_vf_list(&self) -> bool {
        self.vfinfo_list.is_some()
    }

    /// The VFs, lazily: each item a [`VfEntry`] whose framing is checked and whose fields
    /// decode when asked. In the order the kernel sent them; ends with
    /// [`Error::VfListTruncated`] when the list is shorter than `IFLA_NUM_VF`; yields only
    /// [`Error::VfListWrapped`] when its length wrapped at 64 KiB; stops after an error.
    ///
    /// ```
    /// # use vfnl::link::LinkMessage;
    /// # fn show(reply: &[u8]) -> Result<(), vfnl::Error> {
    /// let link = LinkMessage::parse(reply)?;
    /// for vf in link.vf_entries() {
    ///     let vf = vf?; // a truncated list ends in an error, never silently
    ///     // Only these two attributes are decoded; the stats nest is never touched.
    ///     let (index, mac) = (vf.vf()?, vf.mac()?);
    /// #   let _ = (index, mac);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn vf_entries(&self) -> VfEntries<'a> {
        self.vf_entries_at(0, 0)
    }

    /// The VFs from where an earlier walk of this message stood ([`VfEntries::position`]):
    /// `found` entries returned, the next one at `offset`. For a caller that cannot keep the
    /// iterator between calls (the C ABI's cursor), so that reading every VF stays one walk.
    /// A position not taken from a walk of this message starts wherever `offset` points,
    /// clamped to the list; `found` is what the end of a short list is checked against.
    pub fn vf_entries_at(&self, found: u32, offset: usize) -> VfEntries<'a> {
        VfEntries {
            entries: self.vfinfo_list.map(|l| l.nested_from(offset)),
            addr_len: self.addr_len(),
            num_vf: self.num_vf,
            found,
            state: if self.vf_list_wrapped {
                IterState::Wrapped
            } else {
                IterState::Running
            },
        }
    }

    /// The VFs, each decoded whole into a [`VfInfo`] ([`vf_entries`](Self::vf_entries), each
    /// entry through [`VfInfo::parse`]). The same end of list as `vf_entries`, and it stops
    /// after the first entry that does not decode.
    pub fn vfs(&self) -> VfInfos<'a> {
        VfInfos {
            entries: self.vf_entries(),
        }
    }

    /// The entry of the VF with index `vf` ([`VfEntry::vf`]), if the list has it, not
    /// decoded. Errors as for [`vf_entries`](Self::vf_entries), except that a truncated list
    /// that still holds `vf` answers with it; an entry before it whose index cannot be read
    /// is an error too.
    pub fn vf_entry(&self, vf: u32) -> Result<Option<VfEntry<'a>>, Error> {
        for entry in self.vf_entries() {
            let entry = entry?;
            if entry.vf()? == vf {
                return Ok(Some(entry));
            }
        }
        Ok(None)
    }

    /// The VF with index `vf`, if the list has it, decoded whole. Finds it as
    /// [`vf_entry`](Self::vf_entry) does and decodes only that entry: the entries before it
    /// are checked for framing and their index only, so a malformed stats nest of another
    /// VF does not hide this one ([`vfs`](Self::vfs) would stop there).
    pub fn vf(&self, vf: u32) -> Result<Option<VfInfo>, Error> {
        self.vf_entry(vf)?.map(|e| e.to_info()).transpose()
    }

    /// The per-VF 802.1Qbg/Qbh ports (`IFLA_VF_PORTS`).
    pub fn vf_ports(&self) -> VfPorts<'a> {
        VfPorts {
            entries: self.vf_ports.map(|p| p.nested()),
        }
    }

    /// The PF's own 802.1Qbg/Qbh port (`IFLA_PORT_SELF`).
    pub fn port_self(&self) -> Result<Option<VirtualPort>, Error> {
        self.port_self.as_ref().map(VirtualPort::parse).transpose()
    }
}

enum Walk {
    Continue,
    Wrapped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IterState {
    Running,
    Wrapped,
    Done,
}

/// Iterator over a link's VF entries; see [`LinkMessage::vf_entries`].
#[derive(Debug, Clone)]
pub struct VfEntries<'a> {
    entries: Option<AttrIter<'a>>,
    addr_len: usize,
    num_vf: Option<u32>,
    found: u32,
    state: IterState,
}

impl<'a> VfEntries<'a> {
    /// Where the walk stands: entries returned so far, and where the next one starts in the
    /// message. [`LinkMessage::vf_entries_at`] resumes from it.
    pub fn position(&self) -> (u32, usize) {
        (
            self.found,
            self.entries.as_ref().map_or(0, AttrIter::offset),
        )
    }

    /// The next `IFLA_VF_INFO` through `decode` (given the link's `addr_len`), or the error
    /// that ends the list; nothing after an error. The one walk of the list, for
    /// [`VfEntries`] and [`VfInfos`] alike.
    #[inline]
    fn next_with<T>(
        &mut self,
        decode: impl FnOnce(&Attr<'a>, usize) -> Result<T, Error>,
    ) -> Option<Result<T, Error>> {
        match self.state {
            IterState::Done => return None,
            IterState::Wrapped => {
                self.state = IterState::Done;
                return Some(Err(Error::VfListWrapped));
            }
            IterState::Running => {}
        }
        loop {
            match self.entries.as_mut().and_then(Iterator::next) {
                Some(Ok(attr)) if attr.kind() != IFLA_VF_INFO => continue,
                Some(Ok(attr)) => {
                    self.found += 1;
                    // Wrapped at once, so that a large item is decoded where it is returned.
                    let item = Some(decode(&attr, self.addr_len));
                    if let Some(Err(_)) = item {
                        self.state = IterState::Done;
                    }
                    return item;
                }
                Some(Err(e)) => {
                    self.state = IterState::Done;
                    return Some(Err(e));
                }
                None => {
                    self.state = IterState::Done;
                    return match self.num_vf {
                        Some(num_vf) if self.entries.is_some() && self.found < num_vf => {
                            Some(Err(Error::VfListTruncated {
                                num_vf,
                                found: self.found,
                            }))
                        }
                        _ => None,
                    };
                }
            }
        }
    }
}

impl<'a> Iterator for VfEntries<'a> {
    type Item = Result<VfEntry<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.next_with(VfEntry::new)
    }
}

/// Iterator over a link's VFs, decoded; see [`LinkMessage::vfs`].
#[derive(Debug, Clone)]
pub struct VfInfos<'a> {
    entries: VfEntries<'a>,
}

impl Iterator for VfInfos<'_> {
    type Item = Result<VfInfo, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.entries.next_with(VfInfo::parse)
    }
}

/// Iterator over a link's per-VF 802.1Qbg/Qbh ports; see [`LinkMessage::vf_ports`].
#[derive(Debug, Clone)]
pub struct VfPorts<'a> {
    entries: Option<AttrIter<'a>>,
}

impl Iterator for VfPorts<'_> {
    type Item = Result<VirtualPort, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let attr = match self.entries.as_mut()?.next()? {
                Ok(a) => a,
                Err(e) => return Some(Err(e)),
            };
            if attr.kind() == IFLA_VF_PORT {
                return Some(VirtualPort::parse(&attr));
            }
        }
    }
}
