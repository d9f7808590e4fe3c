//! The lazy view of a VF entry (`VfEntry`) held against the whole decode (`VfInfo::parse`),
//! for the golden tests: every VF entry of every captured message goes through both.

use vfnl::attr::{Attr, AttrIter};
use vfnl::ifla::{IFLA_VFINFO_LIST, IFLA_VF_INFO};
use vfnl::nlmsg::Messages;
use vfnl::vf::VfEntry;
use vfnl::{Error, VfInfo};

/// The `IFLA_VF_INFO` entries of every link message (request or reply) in a datagram, found
/// by walking the attributes after the 16-byte `ifinfomsg`.
pub fn vf_entries_of(datagram: &[u8]) -> Vec<Attr<'_>> {
    let mut out = Vec::new();
    for msg in Messages::new(datagram).map(Result::unwrap) {
        let Some(body) = msg.payload.get(16..) else {
            continue;
        };
        for top in AttrIter::new(body, 32).map_while(Result::ok) {
            if top.kind() == IFLA_VFINFO_LIST {
                let entries = top.nested().map_while(Result::ok);
                out.extend(entries.filter(|e| e.kind() == IFLA_VF_INFO));
            }
        }
    }
    out
}

/// Asserts that the lazy view of `info` says what `VfInfo::parse` says, and returns the
/// latter. When the entry decodes: every getter gives its field, `check` passes, `to_info`
/// is equal. When it does not: `new` fails with the framing error, or `check` and
/// `to_info` fail with the same error as `VfInfo::parse`.
pub fn assert_lazy_agrees(info: &Attr<'_>, addr_len: usize) -> Result<VfInfo, Error> {
    let whole = VfInfo::parse(info, addr_len);
    let entry = match VfEntry::new(info, addr_len) {
        Ok(entry) => entry,
        Err(e) => {
            assert!(whole.is_err(), "{e:?} from the view, {whole:?} decoded");
            assert_eq!(Some(e), info.nested().find_map(Result::err));
            return whole;
        }
    };
    assert_eq!(entry.check(), whole.map(|_| ()));
    assert_eq!(entry.to_info(), whole);
    if let Ok(w) = whole {
        assert_eq!(entry.vf(), Ok(w.vf));
        assert_eq!(entry.mac(), Ok(w.mac));
        assert_eq!(entry.broadcast(), Ok(w.broadcast));
        assert_eq!(entry.vlan(), Ok(w.vlan));
        assert_eq!(entry.vlan_list(), Ok(w.vlan_list));
        assert_eq!(entry.vlan_tag(), Ok(w.vlan_tag()));
        assert_eq!(entry.tx_rate(), Ok(w.tx_rate));
        assert_eq!(entry.rate(), Ok(w.rate));
        assert_eq!(entry.spoofchk(), Ok(w.spoofchk));
        assert_eq!(entry.link_state(), Ok(w.link_state));
        assert_eq!(entry.rss_query_en(), Ok(w.rss_query_en));
        assert_eq!(entry.trust(), Ok(w.trust));
        assert_eq!(entry.ib_node_guid(), Ok(w.ib_node_guid));
        assert_eq!(entry.ib_port_guid(), Ok(w.ib_port_guid));
        assert_eq!(entry.stats(), Ok(w.stats));
    }
    whole
}
