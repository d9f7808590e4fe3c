#!/usr/bin/env python3
"""Capture this machine's kernel's real rtnetlink replies to hand-built requests as golden bytes.

Writes core/tests/golden/host_kernel.rs (or --out). Run as root:

    sudo python3 tools/golden/capture-host-kernel.py

It creates a throwaway network namespace holding only `lo` and a veth pair va/vb (made with
`ip`), re-runs itself inside it (`ip netns exec`), and deletes the namespace at the end (also
on error, Ctrl-C or SIGTERM). veth has no VF ops and no parent device, so: GETLINK replies carry
no IFLA_NUM_VF/IFLA_VFINFO_LIST even with RTEXT_FILTER_VF, and valid VF SETLINKs fail with
EOPNOTSUPP; what this file pins down is the framing (headers, ACKs, errors, extended ACK
TLVs, multi-part dumps) and the kernel's own validation of malformed VF attributes.

Requests are sent from one NETLINK_ROUTE socket bound to a fixed port id (PORT_ID below) with
NETLINK_EXT_ACK and NETLINK_CAP_ACK on (except where a case says otherwise), nlmsg_pid 0,
seq 1, 2, 3, ... in the order of CASES. Each case's name, expectation (errno, whether ext-ack
TLVs come back) and description live in CASES; a mismatch with what the kernel actually did is
printed as a WARNING (and written into the doc comment), never silently renamed.
"""

import argparse
import os
import signal
import socket
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import strace2rust as s2r  # noqa: E402  (netlink decoding + Rust formatting)

SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
PORT_ID = 0x4e4c4b48  # fixed so that re-runs give the same bytes where the kernel allows

RTM_NEWLINK, RTM_GETLINK, RTM_SETLINK = 16, 18, 19
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP = 0x300
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU = 1, 3, 4
IFLA_VFINFO_LIST, IFLA_VF_PORTS, IFLA_EXT_MASK, IFLA_GSO_MAX_SIZE = 22, 24, 29, 41
IFLA_VF_INFO = 1
IFLA_VF_MAC, IFLA_VF_VLAN, IFLA_VF_RATE, IFLA_VF_VLAN_LIST, IFLA_VF_BROADCAST = 1, 2, 6, 12, 13
RTEXT_FILTER_VF, RTEXT_FILTER_SKIP_STATS = 1, 8
NONEXISTENT_IFINDEX = 999
VA_MAC, VB_MAC = '02:00:00:00:00:0a', '02:00:00:00:00:0b'


# --------------------------------------------------------------------------------------------
# message building (padding bytes are always zero)

def u32(v):
    return struct.pack('=I', v)


def attr(t, payload):
    ln = 4 + len(payload)
    return struct.pack('=HH', ln, t) + payload + b'\0' * ((-ln) % 4)


def attr_lying(t, nla_len, payload):
    """An attribute whose nla_len is not its real size (no padding added)."""
    return struct.pack('=HH', nla_len, t) + payload


def ifinfomsg(index):
    return struct.pack('=BBHiII', 0, 0, 0, index, 0, 0)


def nlmsg(ty, flags, seq, body):
    return struct.pack('=IHHII', 16 + len(body), ty, flags, seq, 0) + body


def vf_mac(vf, mac_hex):
    return attr(IFLA_VF_MAC, u32(vf) + bytes.fromhex(mac_hex) + b'\0' * (32 - len(mac_hex) // 2))


def vfinfo_list(*vf_attrs):
    return attr(IFLA_VFINFO_LIST, attr(IFLA_VF_INFO, b''.join(vf_attrs)))


# --------------------------------------------------------------------------------------------
# the cases

def cases(ifidx):
    """(NAME, kind, flags, body, sockopts, expect, description)

    kind: 'get' (one reply), 'dump' (datagrams until NLMSG_DONE), 'set' (one NLMSG_ERROR).
    expect: (errno or 0, ext-ack TLVs expected) for 'set' and error-returning 'get'.
    """
    lo, va = ifidx['lo'], ifidx['va']
    mac = '525400010101'
    mtu1400 = attr(IFLA_MTU, u32(1400))
    c = []

    def add(name, kind, ty, flags, body, expect=None, desc='', ext_ack=1, cap_ack=1):
        c.append(dict(name=name, kind=kind, type=ty, flags=flags, body=body, expect=expect,
                      desc=desc, ext_ack=ext_ack, cap_ack=cap_ack))

    # ---- reads (before anything changes va) ----
    add('GETLINK_LO_VF', 'get', RTM_GETLINK, NLM_F_REQUEST,
        ifinfomsg(lo) + attr(IFLA_EXT_MASK, u32(RTEXT_FILTER_VF)),
        desc='RTM_GETLINK of `lo` by ifindex %d, IFLA_EXT_MASK RTEXT_FILTER_VF' % lo)
    add('GETLINK_VA_VF', 'get', RTM_GETLINK, NLM_F_REQUEST,
        ifinfomsg(va) + attr(IFLA_EXT_MASK, u32(RTEXT_FILTER_VF)),
        desc='RTM_GETLINK of `va` by ifindex %d, IFLA_EXT_MASK RTEXT_FILTER_VF' % va)
    add('GETLINK_VA_VF_SKIP_STATS', 'get', RTM_GETLINK, NLM_F_REQUEST,
        ifinfomsg(va) + attr(IFLA_EXT_MASK, u32(RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS)),
        desc='RTM_GETLINK of `va` by ifindex %d, IFLA_EXT_MASK RTEXT_FILTER_VF|'
             'RTEXT_FILTER_SKIP_STATS (9)' % va)
    add('GETLINK_VA_BY_NAME_VF', 'get', RTM_GETLINK, NLM_F_REQUEST,
        ifinfomsg(0) + attr(IFLA_EXT_MASK, u32(RTEXT_FILTER_VF)) + attr(IFLA_IFNAME, b'va\0'),
        desc='RTM_GETLINK by name: ifi_index 0, IFLA_EXT_MASK RTEXT_FILTER_VF, IFLA_IFNAME '
             '"va\\0" (attribute order as iproute2 uses)')
    add('DUMP_VF', 'dump', RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP,
        ifinfomsg(0) + attr(IFLA_EXT_MASK, u32(RTEXT_FILTER_VF)),
        desc='RTM_GETLINK dump (NLM_F_REQUEST|NLM_F_DUMP), IFLA_EXT_MASK RTEXT_FILTER_VF')
    add('GETLINK_NODEV', 'get', RTM_GETLINK, NLM_F_REQUEST,
        ifinfomsg(NONEXISTENT_IFINDEX) + attr(IFLA_EXT_MASK, u32(RTEXT_FILTER_VF)),
        expect=(19, False),
        desc='RTM_GETLINK of nonexistent ifindex %d, IFLA_EXT_MASK RTEXT_FILTER_VF'
             % NONEXISTENT_IFINDEX)
    add('GETLINK_NODEV_BY_NAME', 'get', RTM_GETLINK, NLM_F_REQUEST,
        ifinfomsg(0) + attr(IFLA_EXT_MASK, u32(RTEXT_FILTER_VF)) + attr(IFLA_IFNAME, b'nope\0'),
        expect=(19, False),
        desc='RTM_GETLINK by nonexistent name "nope"')
    add('EXTACK_GETLINK_EXT_MASK_SHORT', 'get', RTM_GETLINK, NLM_F_REQUEST,
        ifinfomsg(va) + attr(IFLA_EXT_MASK, b'\x01\x00'),
        expect=(34, True),
        desc='RTM_GETLINK of `va` with a 2-byte IFLA_EXT_MASK (u32 expected)')
    add('EXTACK_GETLINK_IFNAME_TOO_LONG', 'get', RTM_GETLINK, NLM_F_REQUEST,
        ifinfomsg(0) + attr(IFLA_EXT_MASK, u32(RTEXT_FILTER_VF)) + attr(IFLA_IFNAME, b'x' * 20 + b'\0'),
        expect=(34, True),
        desc='RTM_GETLINK by a 20-character IFLA_IFNAME (max 15)')

    # ---- a successful ACK ----
    add('SETLINK_MTU_1400_ACK', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + mtu1400, expect=(0, False),
        desc='RTM_SETLINK `va` (ifindex %d) IFLA_MTU 1400 with NLM_F_ACK' % va)

    # ---- VF requests ----
    add('SETLINK_VF_MAC', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + vfinfo_list(vf_mac(0, mac)), expect=(95, False),
        desc='RTM_SETLINK `va` IFLA_VFINFO_LIST{IFLA_VF_INFO{IFLA_VF_MAC(vf 0, '
             '52:54:00:01:01:01, 36-byte payload)}}')
    add('SETLINK_VF_MAC_VF_INT_MAX', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + vfinfo_list(vf_mac(0xffffffff, mac)), expect=(22, False),
        desc='as SETLINK_VF_MAC but vf 0xffffffff (the kernel rejects vf >= INT_MAX itself, '
             'before looking for the driver op)')
    add('SETLINK_EMPTY_VFINFO_LIST', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + attr(IFLA_VFINFO_LIST, b''), expect=(0, False),
        desc='RTM_SETLINK `va` with an empty IFLA_VFINFO_LIST (nla_len 4): a no-op')
    add('DUP_VFINFO_LIST_BAD_THEN_GOOD', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + attr(IFLA_VFINFO_LIST, attr(2, b'')) + vfinfo_list(vf_mac(0, mac)),
        expect=(95, False),
        desc='two top-level IFLA_VFINFO_LIST: first holds an entry of type 2 (invalid: EINVAL '
             'if seen), second a valid VF_MAC. EOPNOTSUPP shows only the LAST list is used')
    add('DUP_VFINFO_LIST_GOOD_THEN_BAD', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + vfinfo_list(vf_mac(0, mac)) + attr(IFLA_VFINFO_LIST, attr(2, b'')),
        expect=(22, False),
        desc='the same two lists in the other order: EINVAL, the first (valid) list is ignored')

    # ---- malformed VF attributes: nested VF attributes are parsed without extack ----
    add('MALFORMED_VF_MAC_SHORT', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + vfinfo_list(attr(IFLA_VF_MAC, u32(0) + bytes.fromhex(mac)[:4])),
        expect=(34, False), desc='IFLA_VF_MAC with an 8-byte payload (36 expected)')
    add('MALFORMED_VF_VLAN_SHORT', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + vfinfo_list(attr(IFLA_VF_VLAN, u32(0))),
        expect=(34, False), desc='IFLA_VF_VLAN with a 4-byte payload (12 expected)')
    add('MALFORMED_VF_VLAN_LIST_EMPTY', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + vfinfo_list(attr(IFLA_VF_VLAN_LIST, b'')),
        expect=(95, False),
        desc='empty IFLA_VF_VLAN_LIST (nla_len 4); veth lacks ndo_set_vf_vlan, which the kernel '
             'checks first, so EOPNOTSUPP here (a driver with the op gets EINVAL)')
    add('MALFORMED_VF_INFO_WRONG_TYPE', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + attr(IFLA_VFINFO_LIST, attr(2, vf_mac(0, mac))),
        expect=(22, False), desc='IFLA_VFINFO_LIST whose entry has type 2 instead of IFLA_VF_INFO')
    add('MALFORMED_VF_INFO_EMPTY', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + attr(IFLA_VFINFO_LIST, attr(IFLA_VF_INFO, b'')),
        expect=(22, False), desc='an IFLA_VF_INFO with no attributes')
    add('MALFORMED_VF_BROADCAST', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + vfinfo_list(attr(IFLA_VF_BROADCAST, b'\xff' * 32)),
        expect=(22, False), desc='IFLA_VF_BROADCAST (dump-only, NLA_REJECT) in a set')

    # ---- extended ACK: top-level attributes are parsed with extack ----
    add('EXTACK_MTU_SHORT', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + attr(IFLA_MTU, b'\x78\x05'), expect=(34, True),
        desc='IFLA_MTU with a 2-byte payload (u32 expected)')
    add('EXTACK_VFINFO_LIST_SHORT', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + attr(IFLA_VFINFO_LIST, b'\0\0'), expect=(34, True),
        desc='IFLA_VFINFO_LIST with a 2-byte payload (a non-empty nest needs >= 4)')
    add('EXTACK_VF_PORTS_SHORT', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + attr(IFLA_VF_PORTS, b'\0\0'), expect=(34, True),
        desc='IFLA_VF_PORTS with a 2-byte payload')
    add('EXTACK_GSO_MAX_SIZE_TOO_BIG', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + attr(IFLA_GSO_MAX_SIZE, u32(0x7fffffff)), expect=(22, True),
        desc='IFLA_GSO_MAX_SIZE 0x7fffffff (an EINVAL that carries a text but no offset)')
    add('EXTACK_TRAILING_BYTES_ACK', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + attr_lying(IFLA_VFINFO_LIST, 200,
                                   attr(IFLA_VF_INFO, vf_mac(0, mac))),
        expect=(0, True),
        desc='IFLA_VFINFO_LIST whose nla_len (200) runs past the end of the message: the '
             'attribute is dropped, the request succeeds, and the ACK carries a warning')
    add('EXTACK_MTU_SHORT_UNCAPPED', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + attr(IFLA_MTU, b'\x78\x05'), expect=(34, True), cap_ack=0,
        desc='as EXTACK_MTU_SHORT with NETLINK_CAP_ACK off: the error echoes the whole request')
    add('EXTACK_OFF_MTU_SHORT', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(va) + attr(IFLA_MTU, b'\x78\x05'), expect=(34, False), ext_ack=0,
        desc='as EXTACK_MTU_SHORT with NETLINK_EXT_ACK off (CAP_ACK on): no TLVs')
    add('SETLINK_NODEV', 'set', RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK,
        ifinfomsg(NONEXISTENT_IFINDEX) + mtu1400, expect=(19, False),
        desc='RTM_SETLINK IFLA_MTU 1400 to nonexistent ifindex %d' % NONEXISTENT_IFINDEX)
    return c


# --------------------------------------------------------------------------------------------
# I/O

def recv_datagram(sock):
    data, _, flags, _ = sock.recvmsg(1 << 20)
    if flags & socket.MSG_TRUNC:
        raise RuntimeError('datagram truncated')
    return data


def run_cases(all_cases):
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sock.bind((PORT_ID, 0))
    sock.settimeout(5)
    seq = 0
    results = []
    for c in all_cases:
        seq += 1
        sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, c['ext_ack'])
        sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, c['cap_ack'])
        req = nlmsg(c['type'], c['flags'], seq, c['body'])
        sock.send(req)
        parts = []
        while True:
            d = recv_datagram(sock)
            parts.append(d)
            msgs = list(s2r.iter_nlmsgs(d))
            if any(h['seq'] != seq for _, h, _ in msgs):
                raise RuntimeError('%s: unexpected seq in reply' % c['name'])
            if c['kind'] != 'dump':
                break
            if any(h['type'] in (s2r.NLMSG_DONE, s2r.NLMSG_ERROR) for _, h, _ in msgs):
                break
        results.append(dict(c, seq=seq, req=req, parts=parts))
    sock.close()
    return results


# --------------------------------------------------------------------------------------------
# describing replies

def ifname_of(msg):
    for _, _, ty, p in s2r.iter_attrs(msg, 32):
        if (ty & s2r.NLA_TYPE_MASK) == IFLA_IFNAME and p is not None:
            return p.split(b'\0')[0].decode()
    return '?'


def describe_link(msg):
    h = s2r.nlmsg_header(msg)
    _, _, ity, idx, ifl, _ = struct.unpack_from('=BBHiII', msg, 16)
    types = {ty & s2r.NLA_TYPE_MASK for _, _, ty, _ in s2r.iter_attrs(msg, 32)}
    vf = [n for t, n in ((21, 'IFLA_NUM_VF'), (22, 'IFLA_VFINFO_LIST'), (24, 'IFLA_VF_PORTS'),
                         (25, 'IFLA_PORT_SELF')) if t in types]
    stats = 'IFLA_STATS64 present' if 23 in types else 'no IFLA_STATS64'
    return ('%s for ifindex %d "%s" (ifi_type %d, ifi_flags 0x%x), nlmsg_flags 0x%04x, seq %d, '
            'port id 0x%08x, %d bytes; %s; %s' % (
                s2r.RTM_NAMES.get(h['type'], h['type']), idx, ifname_of(msg), ity, ifl,
                h['flags'], h['seq'], h['pid'], h['len'], stats,
                ('VF attributes: ' + ', '.join(vf)) if vf else
                'no IFLA_NUM_VF/IFLA_VFINFO_LIST/IFLA_VF_PORTS/IFLA_PORT_SELF (veth/lo have '
                'no parent device)'))


def attr_at(req, off):
    """Name the attribute that starts at byte `off` of the request (for NLMSGERR_ATTR_OFFS)."""
    if off is None or off + 4 > len(req):
        return 'offset outside the request'
    ln, ty = struct.unpack_from('=HH', req, off)
    t = ty & s2r.NLA_TYPE_MASK
    top = {o for o, _, _, _ in s2r.iter_attrs(req, 32)}
    if off in top:
        name = 'top-level ' + s2r.IFLA_NAMES.get(t, 'IFLA type %d' % t)
    else:
        name = 'nested type-%d' % t
    return 'the %s attribute (nla_len %d) at request offset %d' % (name, ln, off)


def describe_reply(r, msg):
    h = s2r.nlmsg_header(msg)
    if h['type'] == s2r.NLMSG_ERROR:
        d = s2r.decode_error(msg)
        s = s2r.describe_error(msg)
        if d['offs'] is not None:
            s += '. NLMSGERR_ATTR_OFFS points at ' + attr_at(r['req'], d['offs'])
        return s
    if h['type'] == s2r.NLMSG_DONE:
        return 'NLMSG_DONE (flags 0x%04x, seq %d, %d bytes, payload int %d)' % (
            h['flags'], h['seq'], h['len'], struct.unpack_from('=i', msg, 16)[0])
    return describe_link(msg)


def check_expect(r):
    """Compare the kernel's answer with the case's expectation; return a warning or None."""
    if r['expect'] is None:
        return None
    want_err, want_tlv = r['expect']
    msgs = [m for p in r['parts'] for _, _, m in s2r.iter_nlmsgs(p)]
    err = [m for m in msgs if s2r.nlmsg_header(m)['type'] == s2r.NLMSG_ERROR]
    if not err:
        return 'expected NLMSG_ERROR %d, got no error message' % -want_err
    d = s2r.decode_error(err[0])
    if d['error'] != -want_err or d['has_tlvs'] != want_tlv:
        return 'expected error %d with%s ext-ack TLVs, got %d %s with%s' % (
            -want_err, '' if want_tlv else 'out', d['error'], d['errname'],
            '' if d['has_tlvs'] else 'out')
    return None


# --------------------------------------------------------------------------------------------
# Rust output

def write_rust(results, out, kernel, ifidx):
    hdr = [
        "//! Golden bytes: this machine's Linux kernel's real rtnetlink replies to hand-built",
        "//! requests, captured by tools/golden/capture-host-kernel.py (Linux %s)." % kernel,
        "//! Do not edit by hand; re-run the script.",
        "//!",
        "//! Setup: a fresh network namespace holding only `lo` (ifindex %d) and the veth pair va "
        "(%d) /" % (ifidx['lo'], ifidx['va']),
        "//! vb (%d), all administratively down; va has MAC %s, vb %s. veth has no VF driver"
        % (ifidx['vb'], VA_MAC, VB_MAC),
        "//! ops and no parent device:",
        "//! GETLINK replies carry no VF attributes even with RTEXT_FILTER_VF, and well-formed VF",
        "//! SETLINKs fail with EOPNOTSUPP. Requests were sent in this file's order from one",
        "//! NETLINK_ROUTE socket bound to port id 0x%08x (%d) with NETLINK_EXT_ACK and" % (
            PORT_ID, PORT_ID),
        "//! NETLINK_CAP_ACK on unless a case says otherwise; nlmsg_pid 0, seq 1, 2, 3, ... .",
        "//! `va`'s MTU is 1400 from SETLINK_MTU_1400_ACK on (the reads come before it).",
        "#![allow(dead_code)]",
        "",
    ]
    body = []
    for r in results:
        warn = check_expect(r)
        docs = ['%s: request (%d bytes).' % (r['desc'], len(r['req'])),
                'Header: ' + s2r.describe_request(r['req']).split('; ifinfomsg')[0] + '.',
                'Body: ' + s2r.describe_body(r['req']) + '.']
        if r['ext_ack'] != 1 or r['cap_ack'] != 1:
            docs.append('Socket: NETLINK_EXT_ACK %s, NETLINK_CAP_ACK %s.' % (
                'on' if r['ext_ack'] else 'off', 'on' if r['cap_ack'] else 'off'))
        body.append(s2r.rust_const(r['name'] + '_REQ', r['req'], docs))
        if r['kind'] == 'dump':
            names = []
            for i, p in enumerate(r['parts'], 1):
                pname = '%s_REPLY_PART%d' % (r['name'], i)
                names.append(pname)
                msgs = list(s2r.iter_nlmsgs(p))
                docs = ['Reply datagram %d of %d to %s_REQ (%d bytes, %d netlink message%s):' % (
                    i, len(r['parts']), r['name'], len(p), len(msgs), '' if len(msgs) == 1 else 's')]
                for off, _, m in msgs:
                    docs.append('- at offset %d: %s.' % (off, describe_reply(r, m)))
                body.append(s2r.rust_const(pname, p, docs))
            body.append(s2r.rust_parts('%s_REPLY_PARTS' % r['name'], names, [
                'Every datagram of the %s reply, in order (NLM_F_MULTI messages, then '
                'NLMSG_DONE).' % r['name']]))
        else:
            if len(r['parts']) != 1 or len(list(s2r.iter_nlmsgs(r['parts'][0]))) != 1:
                raise RuntimeError('%s: expected one message in one datagram' % r['name'])
            p = r['parts'][0]
            docs = ['Kernel reply to %s_REQ: %s.' % (r['name'], describe_reply(r, p))]
            if warn:
                docs.append('WARNING: ' + warn + ' (the case name says otherwise).')
            body.append(s2r.rust_const(r['name'] + '_REPLY', p, docs))
    with open(out, 'w') as f:
        f.write('\n'.join(hdr) + '\n')
        f.write('\n'.join(body))


def summary(results):
    lines = []
    for r in results:
        lines.append('%s_REQ: %s' % (r['name'], s2r.describe_request(r['req'])))
        for i, p in enumerate(r['parts'], 1):
            for off, _, m in s2r.iter_nlmsgs(p):
                lines.append('  reply part %d @%d: %s' % (i, off, describe_reply(r, m)))
        w = check_expect(r)
        if w:
            lines.append('  WARNING: ' + w)
    return '\n'.join(lines)


# --------------------------------------------------------------------------------------------
# namespace handling

def inside(args):
    ifidx = {n: socket.if_nametoindex(n) for n in ('lo', 'va', 'vb')}
    results = run_cases(cases(ifidx))
    write_rust(results, args.out, args.kernel or os.uname().release, ifidx)
    print(summary(results))
    warnings = [r['name'] for r in results if check_expect(r)]
    if warnings:
        print('WARNING: kernel behaved differently than expected for: ' + ', '.join(warnings),
              file=sys.stderr)
    print('wrote %s' % args.out, file=sys.stderr)


def outside(args):
    if os.geteuid() != 0:
        sys.exit('run as root (needs ip netns)')
    ns = 'vfnl-golden-hk-%d' % os.getpid()

    def on_term(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)
    subprocess.run(['ip', 'netns', 'add', ns], check=True)
    try:
        # The peer is created first: lo 1, vb 2, va 3. Fixed MACs keep the bytes reproducible.
        subprocess.run(['ip', '-n', ns, 'link', 'add', 'va', 'address', VA_MAC, 'type', 'veth',
                        'peer', 'name', 'vb', 'address', VB_MAC], check=True)
        rc = subprocess.run(['ip', 'netns', 'exec', ns, sys.executable, os.path.abspath(__file__),
                             '--inside', '--out', os.path.abspath(args.out),
                             '--kernel', os.uname().release]).returncode
    finally:
        subprocess.run(['ip', 'netns', 'del', ns])
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=os.path.join(HERE, '..', '..', 'core', 'tests', 'golden',
                                                  'host_kernel.rs'))
    ap.add_argument('--inside', action='store_true',
                    help='internal: already inside the throwaway namespace')
    ap.add_argument('--kernel', help='internal: kernel release for the header')
    args = ap.parse_args()
    if args.inside:
        inside(args)
        return 0
    return outside(args)


if __name__ == '__main__':
    sys.exit(main())
