//! 802.1Qbg (VDP) and 802.1Qbh (port profile) "virtualport" attributes.
//!
//! `IFLA_VF_PORTS` nests one `IFLA_VF_PORT` per VF; `IFLA_PORT_SELF` is one such nest for the
//! PF itself. Inside, per `include/uapi/linux/if_link.h`:
//!
//! ```text
//! IFLA_PORT_VF             u32
//! IFLA_PORT_PROFILE        string, at most 40 bytes with NUL (802.1Qbh)
//! IFLA_PORT_VSI_TYPE       u8 mgr_id | u8 type_id[3] | u8 type_version | 3 pad (802.1Qbg)
//! IFLA_PORT_INSTANCE_UUID  16 bytes
//! IFLA_PORT_HOST_UUID      16 bytes
//! IFLA_PORT_REQUEST        u8
//! IFLA_PORT_RESPONSE       u16, reported only
//! ```
//!
//! One [`VirtualPort`] value serves both ways: decoded from a reply, or filled in and emitted.

use crate::attr::{nla_total_size, Attr, Sink, Writer, NLA_HDRLEN};
use crate::error::{Error, Field};
use crate::ifla::*;

/// `IFLA_PORT_REQUEST` values (`PORT_REQUEST_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortRequest {
    /// `PORT_REQUEST_PREASSOCIATE` (0).
    PreAssociate,
    /// `PORT_REQUEST_PREASSOCIATE_RR` (1): pre-associate with resource reservation.
    PreAssociateRr,
    /// `PORT_REQUEST_ASSOCIATE` (2).
    Associate,
    /// `PORT_REQUEST_DISASSOCIATE` (3).
    Disassociate,
    /// Any other value, kept as read.
    Unknown(u8),
}

impl PortRequest {
    /// From the wire value.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            0 => PortRequest::PreAssociate,
            1 => PortRequest::PreAssociateRr,
            2 => PortRequest::Associate,
            3 => PortRequest::Disassociate,
            other => PortRequest::Unknown(other),
        }
    }

    /// The wire value.
    pub const fn to_u8(self) -> u8 {
        match self {
            PortRequest::PreAssociate => 0,
            PortRequest::PreAssociateRr => 1,
            PortRequest::Associate => 2,
            PortRequest::Disassociate => 3,
            PortRequest::Unknown(v) => v,
        }
    }
}

/// `IFLA_PORT_RESPONSE` values: 802.1Qbg VDP responses (0..=6) and 802.1Qbh port-profile
/// responses (0x100..=0x105).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortResponse {
    /// `PORT_VDP_RESPONSE_SUCCESS`.
    VdpSuccess,
    /// `PORT_VDP_RESPONSE_INVALID_FORMAT`.
    VdpInvalidFormat,
    /// `PORT_VDP_RESPONSE_INSUFFICIENT_RESOURCES`.
    VdpInsufficientResources,
    /// `PORT_VDP_RESPONSE_UNUSED_VTID`.
    VdpUnusedVtid,
    /// `PORT_VDP_RESPONSE_VTID_VIOLATION`.
    VdpVtidViolation,
    /// `PORT_VDP_RESPONSE_VTID_VERSION_VIOALTION` (sic in the kernel).
    VdpVtidVersionViolation,
    /// `PORT_VDP_RESPONSE_OUT_OF_SYNC`.
    VdpOutOfSync,
    /// `PORT_PROFILE_RESPONSE_SUCCESS`.
    ProfileSuccess,
    /// `PORT_PROFILE_RESPONSE_INPROGRESS`: poll again.
    ProfileInProgress,
    /// `PORT_PROFILE_RESPONSE_INVALID`.
    ProfileInvalid,
    /// `PORT_PROFILE_RESPONSE_BADSTATE`.
    ProfileBadState,
    /// `PORT_PROFILE_RESPONSE_INSUFFICIENT_RESOURCES`.
    ProfileInsufficientResources,
    /// `PORT_PROFILE_RESPONSE_ERROR`.
    ProfileError,
    /// Any other value, kept as read.
    Unknown(u16),
}

impl PortResponse {
    /// From the wire value.
    pub const fn from_u16(v: u16) -> Self {
        match v {
            0 => PortResponse::VdpSuccess,
            1 => PortResponse::VdpInvalidFormat,
            2 => PortResponse::VdpInsufficientResources,
            3 => PortResponse::VdpUnusedVtid,
            4 => PortResponse::VdpVtidViolation,
            5 => PortResponse::VdpVtidVersionViolation,
            6 => PortResponse::VdpOutOfSync,
            0x100 => PortResponse::ProfileSuccess,
            0x101 => PortResponse::ProfileInProgress,
            0x102 => PortResponse::ProfileInvalid,
            0x103 => PortResponse::ProfileBadState,
            0x104 => PortResponse::ProfileInsufficientResources,
            0x105 => PortResponse::ProfileError,
            other => PortResponse::Unknown(other),
        }
    }

    /// The wire value.
    pub const fn to_u16(self) -> u16 {
        match self {
            PortResponse::VdpSuccess => 0,
            PortResponse::VdpInvalidFormat => 1,
            PortResponse::VdpInsufficientResources => 2,
            PortResponse::VdpUnusedVtid => 3,
            PortResponse::VdpVtidViolation => 4,
            PortResponse::VdpVtidVersionViolation => 5,
            PortResponse::VdpOutOfSync => 6,
            PortResponse::ProfileSuccess => 0x100,
            PortResponse::ProfileInProgress => 0x101,
            PortResponse::ProfileInvalid => 0x102,
            PortResponse::ProfileBadState => 0x103,
            PortResponse::ProfileInsufficientResources => 0x104,
            PortResponse::ProfileError => 0x105,
            PortResponse::Unknown(v) => v,
        }
    }
}

/// `struct ifla_port_vsi`: an 802.1Qbg VSI type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VsiType {
    /// `vsi_mgr_id`.
    pub manager_id: u8,
    /// `vsi_type_id`: a 24-bit id, least significant byte first (as libvirt fills it).
    pub type_id: [u8; 3],
    /// `vsi_type_version`.
    pub type_version: u8,
}

impl VsiType {
    /// Size of the struct on the wire (3 padding bytes included).
    pub const LEN: usize = 8;

    /// The 24-bit type id as a number.
    pub const fn type_id_u32(&self) -> u32 {
        self.type_id[0] as u32 | (self.type_id[1] as u32) << 8 | (self.type_id[2] as u32) << 16
    }
}

/// An 802.1Qbh port profile name: 1 to 39 bytes of UTF-8, no NUL.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortProfile {
    len: u8,
    bytes: [u8; PORT_PROFILE_MAX],
}

impl PortProfile {
    /// Checks and copies a profile name.
    pub fn new(name: &str) -> Result<Self, Error> {
        if name.len() > PORT_PROFILE_MAX {
            return Err(Error::ValueTooLong {
                field: Field::PortProfile,
                len: name.len(),
                max: PORT_PROFILE_MAX,
            });
        }
        if name.is_empty() || name.contains('\0') {
            return Err(Error::BadString {
                kind: IFLA_PORT_PROFILE,
            });
        }
        let mut bytes = [0u8; PORT_PROFILE_MAX];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        Ok(PortProfile {
            len: name.len() as u8,
            bytes,
        })
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        // Built only from a &str of `len` bytes, so this never fails; the fallback keeps the
        // no-panic promise without unsafe.
        core::str::from_utf8(self.bytes.get(..usize::from(self.len)).unwrap_or_default())
            .unwrap_or("")
    }
}

impl core::fmt::Debug for PortProfile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PortProfile({:?})", self.as_str())
    }
}

/// One 802.1Qbg/Qbh port: an `IFLA_VF_PORT` entry, or the `IFLA_PORT_SELF` nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VirtualPort {
    /// `IFLA_PORT_VF`: the VF, absent for the PF's own port.
    pub vf: Option<u32>,
    /// `IFLA_PORT_PROFILE` (802.1Qbh).
    pub profile: Option<PortProfile>,
    /// `IFLA_PORT_VSI_TYPE` (802.1Qbg).
    pub vsi_type: Option<VsiType>,
    /// `IFLA_PORT_INSTANCE_UUID`: the VM interface's UUID.
    pub instance_uuid: Option<[u8; 16]>,
    /// `IFLA_PORT_HOST_UUID`.
    pub host_uuid: Option<[u8; 16]>,
    /// `IFLA_PORT_REQUEST`.
    pub request: Option<PortRequest>,
    /// `IFLA_PORT_RESPONSE`: reported by the kernel, never sent.
    pub response: Option<PortResponse>,
}

impl VirtualPort {
    /// Decodes an `IFLA_VF_PORT` or `IFLA_PORT_SELF` nest. Unknown attributes are skipped.
    pub fn parse(nest: &Attr<'_>) -> Result<Self, Error> {
        let mut out = VirtualPort::default();
        for attr in nest.nested() {
            let attr = attr?;
            match attr.kind() {
                IFLA_PORT_VF => out.vf = Some(attr.u32()?),
                IFLA_PORT_PROFILE => {
                    let s = attr.str()?;
                    out.profile = Some(PortProfile::new(s)?);
                }
                IFLA_PORT_VSI_TYPE => {
                    let b: [u8; VsiType::LEN] = attr.array()?;
                    out.vsi_type = Some(VsiType {
                        manager_id: b[0],
                        type_id: [b[1], b[2], b[3]],
                        type_version: b[4],
                    });
                }
                IFLA_PORT_INSTANCE_UUID => out.instance_uuid = Some(attr.array()?),
                IFLA_PORT_HOST_UUID => out.host_uuid = Some(attr.array()?),
                IFLA_PORT_REQUEST => out.request = Some(PortRequest::from_u8(attr.u8()?)),
                IFLA_PORT_RESPONSE => {
                    out.response = Some(PortResponse::from_u16(attr.u16()?));
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// The most bytes [`emit_reply`](Self::emit_reply) writes: every field, the longest
    /// profile.
    pub const MAX_LEN: usize = NLA_HDRLEN
        + nla_total_size(4) // VF
        + nla_total_size(PORT_PROFILE_MAX + 1) // profile and its NUL
        + nla_total_size(8) // VSI type
        + 2 * nla_total_size(16) // the UUIDs
        + nla_total_size(1) // request
        + nla_total_size(2); // response

    /// Writes the port as a nest of kind `kind` ([`IFLA_VF_PORT`] inside `IFLA_VF_PORTS`, or
    /// [`IFLA_PORT_SELF`]). A response is refused ([`Error::NotSettable`]): it is the
    /// switch's answer, not something to send.
    #[inline(always)]
    pub fn emit<S: Sink>(&self, w: &mut S, kind: u16) {
        if self.response.is_some() {
            w.fail(Error::NotSettable {
                kind: IFLA_PORT_RESPONSE,
            });
            return;
        }
        self.emit_reply(w, kind);
    }

    /// Writes the port as the kernel would report it (response included).
    ///
    /// The port is staged: written into a local array out of line, then appended to `w` in
    /// one copy. So no encoder call takes `w`'s address, and a sink that a caller keeps in
    /// registers (the filler of [`attr::encode`](crate::attr::encode)) stays there.
    #[inline(always)]
    pub fn emit_reply<S: Sink>(&self, w: &mut S, kind: u16) {
        let mut staged = [0u8; Self::MAX_LEN];
        match self.emit_staged(&mut staged, kind) {
            Ok(len) => w.put_slice(staged.get(..len).unwrap_or_default()),
            Err(e) => w.fail(e),
        }
    }

    /// [`emit_reply`](Self::emit_reply) into `out`, which holds any port.
    #[inline(never)]
    fn emit_staged(&self, out: &mut [u8; Self::MAX_LEN], kind: u16) -> Result<usize, Error> {
        let mut w = Writer::new(out);
        let nest = w.nest_start(kind);
        if let Some(vf) = self.vf {
            w.attr_u32(IFLA_PORT_VF, vf);
        }
        if let Some(p) = &self.profile {
            w.attr_str(
                IFLA_PORT_PROFILE,
                Field::PortProfile,
                p.as_str(),
                PORT_PROFILE_MAX,
            );
        }
        if let Some(v) = self.vsi_type {
            let [a, b, c] = v.type_id;
            w.attr_fixed(
                IFLA_PORT_VSI_TYPE,
                &[v.manager_id, a, b, c, v.type_version, 0, 0, 0],
            );
        }
        if let Some(u) = &self.instance_uuid {
            w.attr_fixed(IFLA_PORT_INSTANCE_UUID, u);
        }
        if let Some(u) = &self.host_uuid {
            w.attr_fixed(IFLA_PORT_HOST_UUID, u);
        }
        if let Some(r) = self.request {
            w.attr_u8(IFLA_PORT_REQUEST, r.to_u8());
        }
        if let Some(r) = self.response {
            w.attr_fixed(IFLA_PORT_RESPONSE, &r.to_u16().to_ne_bytes());
        }
        w.nest_end(nest);
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::{AttrIter, Writer};

    fn sample() -> VirtualPort {
        VirtualPort {
            vf: Some(3),
            profile: Some(PortProfile::new("finance").unwrap()),
            vsi_type: Some(VsiType {
                manager_id: 1,
                type_id: [0x56, 0x34, 0x12],
                type_version: 2,
            }),
            instance_uuid: Some([0x11; 16]),
            host_uuid: Some([0x22; 16]),
            request: Some(PortRequest::Associate),
            response: None,
        }
    }

    #[test]
    fn round_trip() {
        let port = sample();
        let mut buf = [0xa5u8; 128];
        let mut w = Writer::new(&mut buf);
        port.emit(&mut w, IFLA_VF_PORT);
        let n = w.finish().unwrap();
        // 4 nest + 8 vf + 12 profile ("finance\0") + 12 vsi + 20 + 20 uuids + 8 request
        assert_eq!(n, 84);
        let attr = AttrIter::new(&buf[..n], 0).next().unwrap().unwrap();
        assert_eq!(VirtualPort::parse(&attr), Ok(port));
        assert_eq!(port.vsi_type.unwrap().type_id_u32(), 0x12_3456);
    }

    #[test]
    fn max_len_is_the_longest_port() {
        let port = VirtualPort {
            profile: Some(PortProfile::new(&"p".repeat(PORT_PROFILE_MAX)).unwrap()),
            response: Some(PortResponse::ProfileInProgress),
            ..sample()
        };
        let mut w = Writer::counting();
        port.emit_reply(&mut w, IFLA_PORT_SELF);
        assert_eq!(
            w.finish(),
            Err(Error::BufferTooSmall {
                needed: VirtualPort::MAX_LEN,
                available: 0
            })
        );
    }

    #[test]
    fn response_is_reported_not_sent() {
        let port = VirtualPort {
            response: Some(PortResponse::ProfileInProgress),
            ..sample()
        };
        let mut w = Writer::counting();
        port.emit(&mut w, IFLA_PORT_SELF);
        assert_eq!(w.finish(), Err(Error::NotSettable { kind: 7 }));
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf);
        port.emit_reply(&mut w, IFLA_PORT_SELF);
        let n = w.finish().unwrap();
        let attr = AttrIter::new(&buf[..n], 0).next().unwrap().unwrap();
        assert_eq!(VirtualPort::parse(&attr).unwrap().response, port.response);
    }

    #[test]
    fn profile_limits() {
        assert!(PortProfile::new(&"p".repeat(39)).is_ok());
        assert_eq!(
            PortProfile::new(&"p".repeat(40)),
            Err(Error::ValueTooLong {
                field: Field::PortProfile,
                len: 40,
                max: 39
            })
        );
        assert!(PortProfile::new("").is_err());
        assert!(PortProfile::new("a\0b").is_err());
    }

    #[test]
    fn codes_survive() {
        for v in 0..=u8::MAX {
            assert_eq!(PortRequest::from_u8(v).to_u8(), v);
        }
        for v in [0u16, 6, 7, 0xff, 0x100, 0x105, 0x106, u16::MAX] {
            assert_eq!(PortResponse::from_u16(v).to_u16(), v);
        }
    }
}
