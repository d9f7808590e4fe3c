//! Reading the RFC's `<hostdev>` with one `<netdev port='N'>` per port into a PCI address
//! and per-port settings, in libvirt's vocabulary: `<mac address>`, `<vlan><tag id>` (one
//! tag: SR-IOV has no trunks), `<virtualport type='802.1Qbh'|'802.1Qbg'><parameters/>`.

use std::fmt;
use vfnl::virtualport::{PortProfile, PortRequest, VirtualPort, VsiType};
use vfnl::{Mac, PciAddress, VfConfig, VlanTag};

/// One `<netdev port='N'>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetdevXml {
    /// Port number, from 1.
    pub port: u8,
    /// The settings (the VF index is filled in once the topology is known).
    pub config: VfConfig,
    /// The virtualport, with an ASSOCIATE request.
    pub virtualport: Option<VirtualPort>,
}

/// The whole `<hostdev>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostdevXml {
    /// The VF's PCI address (`<source><address .../></source>`).
    pub pci: PciAddress,
    /// The ports, in document order.
    pub netdevs: Vec<NetdevXml>,
}

/// A problem in the XML, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.what)
    }
}

impl std::error::Error for XmlError {}

fn err(node: roxmltree::Node<'_, '_>, what: impl Into<String>) -> XmlError {
    XmlError {
        line: node.document().text_pos_at(node.range().start).row,
        what: what.into(),
    }
}

fn attr<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Result<&'a str, XmlError> {
    node.attribute(name)
        .ok_or_else(|| err(node, format!("<{}> needs {name}=", node.tag_name().name())))
}

fn number(node: roxmltree::Node<'_, '_>, name: &str) -> Result<u32, XmlError> {
    let text = attr(node, name)?;
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| err(node, format!("{name}='{text}' is not a number")))
}

fn uuid(node: roxmltree::Node<'_, '_>, text: &str) -> Result<[u8; 16], XmlError> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    let bad = || err(node, format!("'{text}' is not a UUID"));
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name(name))
}

fn virtualport(node: roxmltree::Node<'_, '_>) -> Result<VirtualPort, XmlError> {
    let params =
        child(node, "parameters").ok_or_else(|| err(node, "<virtualport> needs <parameters>"))?;
    let mut port = VirtualPort {
        request: Some(PortRequest::Associate),
        ..VirtualPort::default()
    };
    if let Some(id) = params.attribute("instanceid") {
        port.instance_uuid = Some(uuid(params, id)?);
    }
    match attr(node, "type")? {
        "802.1Qbh" => {
            let profile = attr(params, "profileid")?;
            port.profile = Some(PortProfile::new(profile).map_err(|e| err(params, e.to_string()))?);
        }
        "802.1Qbg" => {
            let byte = |name| -> Result<u8, XmlError> {
                u8::try_from(number(params, name)?)
                    .map_err(|_| err(params, format!("{name} is above 255")))
            };
            let type_id = number(params, "typeid")?;
            if type_id > 0xff_ffff {
                return Err(err(params, "typeid is above 24 bits"));
            }
            let [a, b, c, _] = type_id.to_le_bytes();
            port.vsi_type = Some(VsiType {
                manager_id: byte("managerid")?,
                type_id: [a, b, c],
                type_version: byte("typeidversion")?,
            });
        }
        other => {
            return Err(err(
                node,
                format!("virtualport type '{other}' has no kernel message"),
            ))
        }
    }
    Ok(port)
}

/// Parses the document.
pub fn parse(text: &str) -> Result<HostdevXml, XmlError> {
    let doc = roxmltree::Document::parse(text).map_err(|e| XmlError {
        line: e.pos().row,
        what: e.to_string(),
    })?;
    let root = doc.root_element();
    if !root.has_tag_name("hostdev") {
        return Err(err(root, "the root element must be <hostdev>"));
    }
    let address = child(root, "source")
        .and_then(|s| child(s, "address"))
        .ok_or_else(|| err(root, "<hostdev> needs <source><address .../></source>"))?;
    let field = |name, max: u32| -> Result<u32, XmlError> {
        let v = number(address, name)?;
        if v > max {
            return Err(err(address, format!("{name} {v:#x} is out of range")));
        }
        Ok(v)
    };
    let pci = PciAddress {
        domain: number(address, "domain").unwrap_or(0),
        bus: field("bus", 0xff)? as u8,
        slot: field("slot", 0x1f)? as u8,
        function: field("function", 7)? as u8,
    };
    let mut netdevs = Vec::new();
    for netdev in root.children().filter(|c| c.has_tag_name("netdev")) {
        let port = number(netdev, "port")?;
        let port = u8::try_from(port)
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| err(netdev, format!("port='{port}': ports are numbered from 1")))?;
        if netdevs.iter().any(|n: &NetdevXml| n.port == port) {
            return Err(err(netdev, format!("port {port} appears twice")));
        }
        let mut config = VfConfig::new(0);
        if let Some(mac) = child(netdev, "mac") {
            let text = attr(mac, "address")?;
            config.mac = Some(
                text.parse::<Mac>()
                    .map_err(|_| err(mac, format!("'{text}' is not a MAC address")))?,
            );
        }
        if let Some(vlan) = child(netdev, "vlan") {
            let tags: Vec<_> = vlan.children().filter(|c| c.has_tag_name("tag")).collect();
            if tags.len() != 1 || vlan.attribute("trunk") == Some("yes") {
                return Err(err(vlan, "a VF takes exactly one VLAN tag (no trunk)"));
            }
            let tag = VlanTag::dot1q(number(tags[0], "id")?, 0);
            tag.validate().map_err(|e| err(tags[0], e.to_string()))?;
            config.vlan = Some(tag);
        }
        let virtualport = child(netdev, "virtualport").map(virtualport).transpose()?;
        if config.is_empty() && virtualport.is_none() {
            return Err(err(netdev, "<netdev> sets nothing"));
        }
        netdevs.push(NetdevXml {
            port,
            config,
            virtualport,
        });
    }
    if netdevs.is_empty() {
        return Err(err(root, "<hostdev> has no <netdev port='N'>"));
    }
    Ok(HostdevXml { pci, netdevs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_parses() {
        let h = parse(include_str!("hostdev-dual-port.xml")).unwrap();
        assert_eq!(h.pci.to_string(), "0000:06:02.0");
        assert_eq!(h.netdevs.len(), 2);
        assert_eq!(h.netdevs[0].config.vlan, Some(VlanTag::dot1q(42, 0)));
        assert_eq!(h.netdevs[1].config.vlan, Some(VlanTag::dot1q(43, 0)));
        let vp = h.netdevs[1].virtualport.unwrap();
        assert_eq!(vp.profile.unwrap().as_str(), "finance");
        assert_eq!(vp.instance_uuid.unwrap()[0], 0x09);
    }

    #[test]
    fn errors_name_the_line() {
        let bad = "<hostdev>\n<source><address bus='0x06' slot='0x02' function='0x0'/></source>\n<netdev port='0'><mac address='x'/></netdev>\n</hostdev>";
        let e = parse(bad).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.what.contains("numbered from 1"));
        let trunk = "<hostdev><source><address bus='6' slot='2' function='0'/></source><netdev port='1'><vlan trunk='yes'><tag id='1'/><tag id='2'/></vlan></netdev></hostdev>";
        assert!(parse(trunk).unwrap_err().what.contains("one VLAN tag"));
        assert!(parse("<domain/>").is_err());
    }
}
