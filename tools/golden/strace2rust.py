#!/usr/bin/env python3
"""Turn strace captures of `ip link set ... vf ...` into Rust golden-byte constants.

Used by tools/golden/capture-iproute2.sh; also imported by capture-host-kernel.py for the
netlink decoding (doc comments) and the Rust formatting.

strace decodes netlink payloads structurally (so `-xx` alone never shows the raw bytes of a
netlink buffer); the script therefore also runs strace with `-e write=all -e read=all`, which
appends a hex dump (" | 00000  3c 00 ...") of every buffer sent or received. This module reads
those dumps. `\\x..` escaped strings in the decoded text are also understood (`unescape()`), but
the bytes written to the .rs file always come from the hex dumps.

Usage (normally called by the shell script):
    strace2rust.py --manifest cases.tsv --out core/tests/golden/iproute2.rs \
        --kernel "$(uname -r)" --iproute2 "$(ip -V)"
manifest.tsv: one case a line: NAME<TAB>ARGS<TAB>IP_EXIT_CODE<TAB>STRACE_FILE<TAB>STDERR_FILE
"""

import argparse
import errno as errno_mod
import re
import struct
import sys

# --------------------------------------------------------------------------------------------
# strace parsing

_SYSCALL_RE = re.compile(r'^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(\w+)\((\d+),(.*?)\)\s+=\s+(-?\d+)')
_DUMP_RE = re.compile(r'^ \| ([0-9a-f]{5})  ')


def unescape(s):
    """Decode a strace -xx string body ("\\x3c\\x00...") into bytes."""
    return bytes(int(h, 16) for h in re.findall(r'\\x([0-9a-fA-F]{2})', s))


def parse_strace(path):
    """Return a list of events: dict(syscall, fd, line, ret, data, peek)."""
    events = []
    cur = None
    with open(path, encoding='utf-8', errors='replace') as f:
        for raw in f:
            line = raw.rstrip('\n')
            m = _DUMP_RE.match(line)
            if m:
                if cur is None:
                    raise ValueError('hex dump without a syscall line: %r' % line)
                hexpart = line[10:10 + 49]
                cur['data'].extend(int(b, 16) for b in hexpart.split())
                continue
            if line.startswith(' * '):
                continue  # " * N bytes in buffer K": iov buffers are concatenated
            m = _SYSCALL_RE.match(line)
            if m:
                cur = {
                    'syscall': m.group(3),
                    'fd': int(m.group(4)),
                    'line': line,
                    'ret': int(m.group(6)),
                    'data': bytearray(),
                    'peek': 'MSG_PEEK' in line,
                }
                events.append(cur)
                continue
            # "+++ exited", "--- SIG", other syscalls: end the current dump
            cur = None
    for e in events:
        e['data'] = bytes(e['data'])
    return events


# --------------------------------------------------------------------------------------------
# netlink decoding (for doc comments and for picking messages out of a capture)

NLMSG_ERROR = 2
NLMSG_DONE = 3
RTM_NAMES = {16: 'RTM_NEWLINK', 17: 'RTM_DELLINK', 18: 'RTM_GETLINK', 19: 'RTM_SETLINK',
             NLMSG_ERROR: 'NLMSG_ERROR', NLMSG_DONE: 'NLMSG_DONE', 1: 'NLMSG_NOOP'}
IFLA_NAMES = {1: 'IFLA_ADDRESS', 2: 'IFLA_BROADCAST', 3: 'IFLA_IFNAME', 4: 'IFLA_MTU',
              13: 'IFLA_TXQLEN', 21: 'IFLA_NUM_VF', 22: 'IFLA_VFINFO_LIST', 23: 'IFLA_STATS64',
              24: 'IFLA_VF_PORTS', 25: 'IFLA_PORT_SELF', 29: 'IFLA_EXT_MASK',
              41: 'IFLA_GSO_MAX_SIZE'}
VF_NAMES = {1: 'IFLA_VF_MAC', 2: 'IFLA_VF_VLAN', 3: 'IFLA_VF_TX_RATE', 4: 'IFLA_VF_SPOOFCHK',
            5: 'IFLA_VF_LINK_STATE', 6: 'IFLA_VF_RATE', 7: 'IFLA_VF_RSS_QUERY_EN',
            8: 'IFLA_VF_STATS', 9: 'IFLA_VF_TRUST', 10: 'IFLA_VF_IB_NODE_GUID',
            11: 'IFLA_VF_IB_PORT_GUID', 12: 'IFLA_VF_VLAN_LIST', 13: 'IFLA_VF_BROADCAST'}
NLMSGERR_NAMES = {1: 'NLMSGERR_ATTR_MSG', 2: 'NLMSGERR_ATTR_OFFS', 3: 'NLMSGERR_ATTR_COOKIE',
                  4: 'NLMSGERR_ATTR_POLICY', 5: 'NLMSGERR_ATTR_MISS_TYPE',
                  6: 'NLMSGERR_ATTR_MISS_NEST'}
NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3fff


def nlmsg_header(data, off=0):
    ln, ty, fl, seq, pid = struct.unpack_from('=IHHII', data, off)
    return {'len': ln, 'type': ty, 'flags': fl, 'seq': seq, 'pid': pid}


def iter_nlmsgs(data):
    off = 0
    while off + 16 <= len(data):
        h = nlmsg_header(data, off)
        if h['len'] < 16:
            break
        yield off, h, data[off:off + h['len']]
        off += (h['len'] + 3) & ~3


def iter_attrs(data, off=0, end=None):
    end = len(data) if end is None else end
    while off + 4 <= end:
        ln, ty = struct.unpack_from('=HH', data, off)
        if ln < 4 or off + ln > end:
            yield off, ln, ty, None  # malformed
            return
        yield off, ln, ty, data[off + 4:off + ln]
        off += (ln + 3) & ~3


# Python maps 95 to ENOTSUP (an alias); the kernel and strace call it EOPNOTSUPP.
_ERRNAME_PREFERRED = {95: 'EOPNOTSUPP', 11: 'EAGAIN', 35: 'EDEADLK'}


def errname(err):
    e = -err if err < 0 else err
    return _ERRNAME_PREFERRED.get(e) or errno_mod.errorcode.get(e, 'errno %d' % e)


def _hexs(b):
    return ' '.join('%02x' % x for x in b)


def describe_vf_attr(ty, p):
    name = VF_NAMES.get(ty & NLA_TYPE_MASK, 'type %d' % ty)
    if p is None:
        return name + '(truncated)'
    u32 = lambda o: struct.unpack_from('=I', p, o)[0]
    try:
        t = ty & NLA_TYPE_MASK
        if t == 1 and len(p) == 36:
            mac, rest = p[4:10], p[10:]
            tail = 'rest zero' if not any(rest) else 'rest ' + _hexs(rest)
            return '%s[36](vf %d, mac %s, %s)' % (name, u32(0), ':'.join('%02x' % x for x in mac), tail)
        if t == 2 and len(p) == 12:
            return '%s[12](vf %d, vlan %d, qos %d)' % (name, u32(0), u32(4), u32(8))
        if t in (3, 4, 5, 7, 9) and len(p) == 8:
            return '%s[8](vf %d, %d)' % (name, u32(0), u32(4))
        if t == 6 and len(p) == 12:
            return '%s[12](vf %d, min_tx_rate %d, max_tx_rate %d)' % (name, u32(0), u32(4), u32(8))
        if t in (10, 11) and len(p) == 16:
            return '%s[16](vf %d, pad %s, guid 0x%016x)' % (
                name, u32(0), _hexs(p[4:8]), struct.unpack_from('=Q', p, 8)[0])
        if t == 12:
            inner = []
            for _, _, ity, ip in iter_attrs(p):
                if ip is not None and len(ip) == 16 and (ity & NLA_TYPE_MASK) == 1:
                    vf, vlan, qos = struct.unpack_from('=III', ip, 0)
                    inner.append('IFLA_VF_VLAN_INFO[16](vf %d, vlan %d, qos %d, proto %s (be), pad %s)' % (
                        vf, vlan, qos, _hexs(ip[12:14]), _hexs(ip[14:16])))
                else:
                    inner.append('type %d[%s]' % (ity, 'trunc' if ip is None else len(ip)))
            return '%s{%s}' % (name, ', '.join(inner))
    except struct.error:
        pass
    return '%s[%d](%s)' % (name, len(p), _hexs(p))


def describe_link_attrs(data, off):
    out = []
    for _, ln, ty, p in iter_attrs(data, off):
        t = ty & NLA_TYPE_MASK
        name = IFLA_NAMES.get(t, 'IFLA type %d' % t)
        if p is None:
            out.append('%s(nla_len %d overruns)' % (name, ln))
        elif t == 22 and len(p) >= 4:
            infos = []
            for _, _, ity, ip in iter_attrs(p):
                if (ity & NLA_TYPE_MASK) == 1 and ip is not None:
                    infos.append('IFLA_VF_INFO{%s}' % ', '.join(
                        describe_vf_attr(vty, vp) for _, _, vty, vp in iter_attrs(ip)))
                else:
                    infos.append('type %d[%s]' % (ity, 'trunc' if ip is None else len(ip)))
            out.append('IFLA_VFINFO_LIST{%s}' % ', '.join(infos))
        elif t == 3:
            out.append('IFLA_IFNAME %r' % p.split(b'\0')[0].decode('ascii', 'replace') +
                       ('' if len(p) else ' (empty)'))
        elif t in (4, 29, 13, 41) and len(p) == 4:
            out.append('%s %d' % (name, struct.unpack('=I', p)[0]))
        else:
            out.append('%s[%d]' % (name, len(p)))
    return out


def describe_body(msg):
    """The ifinfomsg and the decoded attributes of a link message."""
    fam, _, ity, idx, ifl, chg = struct.unpack_from('=BBHiII', msg, 16)
    s = 'ifinfomsg(family %d, type %d, index %d, flags 0x%x, change 0x%x)' % (
        fam, ity, idx, ifl, chg)
    attrs = describe_link_attrs(msg, 32)
    if attrs:
        s += '; ' + '; '.join(attrs)
    return s


def describe_request(msg):
    """One line: header and (for link messages) the decoded attributes."""
    h = nlmsg_header(msg)
    s = '%s, flags 0x%04x, seq %d, pid %d, %d bytes' % (
        RTM_NAMES.get(h['type'], 'type %d' % h['type']), h['flags'], h['seq'], h['pid'], len(msg))
    if h['type'] in (16, 18, 19) and len(msg) >= 32:
        return s + '; ' + describe_body(msg)
    return s


NL_POLICY_TYPE_ATTR_NAMES = {1: 'TYPE', 2: 'MIN_VALUE_S', 3: 'MAX_VALUE_S', 4: 'MIN_VALUE_U',
                             5: 'MAX_VALUE_U', 6: 'MIN_LENGTH', 7: 'MAX_LENGTH', 8: 'POLICY_IDX',
                             9: 'POLICY_MAXTYPE', 10: 'BITFIELD32_MASK', 11: 'PAD', 12: 'MASK'}
NL_ATTR_TYPE_NAMES = ['INVALID', 'FLAG', 'U8', 'U16', 'U32', 'U64', 'S8', 'S16', 'S32', 'S64',
                      'BINARY', 'STRING', 'NUL_STRING', 'NESTED', 'NESTED_ARRAY', 'BITFIELD32',
                      'SINT', 'UINT']


def describe_policy_attr(t, p):
    """One NLMSGERR_ATTR_POLICY member (enum netlink_policy_type_attr)."""
    name = 'NL_POLICY_TYPE_ATTR_' + NL_POLICY_TYPE_ATTR_NAMES.get(t, str(t))
    if p is None:
        return name + '(truncated)'
    if len(p) == 4:
        v = struct.unpack('=I', p)[0]
        if t == 1:
            return '%s NL_ATTR_TYPE_%s (%d)' % (
                name, NL_ATTR_TYPE_NAMES[v] if v < len(NL_ATTR_TYPE_NAMES) else '?', v)
        return '%s %d' % (name, v)
    if len(p) == 8:
        fmt = '=q' if t in (2, 3) else '=Q'
        return '%s %d (u64/s64)' % (name, struct.unpack(fmt, p)[0])
    return '%s[%d](%s)' % (name, len(p), _hexs(p))


def decode_error(msg):
    """Decode an NLMSG_ERROR message. Returns dict(error, errname, echo_len, capped, tlvs...)."""
    h = nlmsg_header(msg)
    err = struct.unpack_from('=i', msg, 16)[0]
    echo = nlmsg_header(msg, 20)
    capped = bool(h['flags'] & 0x100)
    echo_len = 16 if capped else echo['len']
    res = {'hdr': h, 'error': err, 'errname': errname(err) if err else 'ACK',
           'echo': echo, 'capped': capped, 'echo_len': echo_len, 'tlvs': [],
           'msg_text': None, 'offs': None, 'policy': None,
           'has_tlvs': bool(h['flags'] & 0x200)}
    tl_off = 20 + ((echo_len + 3) & ~3)
    res['tlv_off'] = tl_off
    if h['flags'] & 0x200:
        for _, ln, ty, p in iter_attrs(msg, tl_off, h['len']):
            t = ty & NLA_TYPE_MASK
            name = NLMSGERR_NAMES.get(t, 'type %d' % t)
            if p is None:
                res['tlvs'].append('%s(truncated)' % name)
            elif t == 1:
                res['msg_text'] = p.split(b'\0')[0].decode('utf-8', 'replace')
                res['tlvs'].append('%s %r' % (name, res['msg_text']))
            elif t == 2 and len(p) == 4:
                res['offs'] = struct.unpack('=I', p)[0]
                res['tlvs'].append('%s %d' % (name, res['offs']))
            elif t == 4:
                name += ' (nla_type 0x%04x)' % ty
                inner = []
                for _, _, pty, pp in iter_attrs(p):
                    inner.append(describe_policy_attr(pty & NLA_TYPE_MASK, pp))
                res['policy'] = inner
                res['tlvs'].append('%s{%s}' % (name, ', '.join(inner)))
            else:
                res['tlvs'].append('%s[%d](%s)' % (name, len(p), _hexs(p)))
    return res


def describe_error(msg):
    d = decode_error(msg)
    h = d['hdr']
    s = 'NLMSG_ERROR %d %s' % (d['error'], d['errname']) if d['error'] else 'NLMSG_ERROR 0 (ACK)'
    s += ', flags 0x%04x, seq %d, port id %d, %d bytes' % (h['flags'], h['seq'], h['pid'], len(msg))
    s += '; echoes %s of the request (%s)' % (
        'the 16-byte header only' if d['capped'] else 'all %d bytes' % d['echo_len'],
        'NLM_F_CAPPED' if d['capped'] else 'not capped')
    if d['tlvs']:
        s += '; ext-ack TLVs (NLM_F_ACK_TLVS) from reply offset %d: ' % d['tlv_off'] + \
            ', '.join(d['tlvs'])
    else:
        s += '; no ext-ack TLVs'
    return s


# --------------------------------------------------------------------------------------------
# Rust output

def rust_bytes(data, indent='    '):
    lines = []
    for i in range(0, len(data), 16):
        lines.append(indent + ' '.join('0x%02x,' % b for b in data[i:i + 16]))
    return '\n'.join(lines)


def rust_const(name, data, docs):
    out = []
    for d in docs:
        for dl in wrap_doc(d):
            out.append('/// ' + dl if dl else '///')
    out.append('pub const %s: &[u8] = &[' % name)
    if data:
        out.append(rust_bytes(data))
    out.append('];')
    return '\n'.join(out) + '\n'


def rust_parts(name, part_names, docs):
    out = ['/// ' + dl for d in docs for dl in wrap_doc(d)]
    out.append('pub const %s: &[&[u8]] = &[%s];' % (name, ', '.join(part_names)))
    return '\n'.join(out) + '\n'


def wrap_doc(text, width=96):
    """Wrap a doc line at spaces (never inside backticks)."""
    words = text.split(' ')
    lines, cur, tick = [], '', False
    for w in words:
        cand = (cur + ' ' + w) if cur else w
        if len(cand) > width and cur and not tick:
            lines.append(cur)
            cur = w
        else:
            cur = cand
        if w.count('`') % 2:
            tick = not tick
    lines.append(cur)
    return lines


# --------------------------------------------------------------------------------------------
# iproute2 capture -> Rust

def pick_vf_request(events):
    """The RTM_NEWLINK carrying the VF change (ifindex != 0), and the kernel's answer to it."""
    req_ev = None
    for e in events:
        if e['syscall'] in ('sendmsg', 'sendto') and len(e['data']) >= 32:
            h = nlmsg_header(e['data'])
            idx = struct.unpack_from('=i', e['data'], 20)[0]
            if h['type'] == 16 and idx != 0:
                req_ev = e
    if req_ev is None:
        return None, None, None
    req = req_ev['data'][:nlmsg_header(req_ev['data'])['len']]
    seq = nlmsg_header(req)['seq']
    start = events.index(req_ev)
    for e in events[start + 1:]:
        if e['syscall'] in ('recvmsg', 'recvfrom') and e['fd'] == req_ev['fd'] and not e['peek'] \
                and e['data']:
            for _, h, m in iter_nlmsgs(e['data']):
                if h['seq'] == seq:
                    return req, m, req_ev
    return req, None, req_ev


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--manifest', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--iproute2', required=True)
    ap.add_argument('--strace', default='strace')
    ap.add_argument('--summary', help='also write a plain-text summary here')
    a = ap.parse_args()

    ipver = a.iproute2.strip()
    m = re.search(r'iproute2-([\w.]+)', ipver)
    ipver_short = m.group(1) if m else ipver
    hdr = [
        "//! Golden bytes: iproute2's VF requests and the kernel's replies, captured with",
        "//! `strace -xx` by tools/golden/capture-iproute2.sh (iproute2 %s, Linux %s)." % (
            ipver_short, a.kernel),
        "//! Do not edit by hand; re-run the script.",
        "//!",
        "//! Each case is one `ip link set dev va vf ...` run in a fresh network namespace holding",
        "//! only `lo` and the veth pair va/vb (ifindex: lo 1, vb 2, va 3; va's MAC is fixed at",
        "//! 02:00:00:00:00:0a, vb's at 02:00:00:00:00:0b). veth has no VF ops, so",
        "//! the kernel answers every VF request with an NLMSG_ERROR. iproute2 sets NETLINK_EXT_ACK",
        "//! but not NETLINK_CAP_ACK, so the error echoes the whole request. seq is iproute2's",
        "//! (time(NULL) at socket open, +1 per request); the request's nlmsg_pid is 0 and the",
        "//! reply's is the socket's port id (the `ip` process id), so both vary between runs.",
        "//! Bytes come from strace's hex dump of the buffer (`-e write=all -e read=all`).",
        "#![allow(dead_code)]",
        "",
    ]
    body = []
    summary = []
    with open(a.manifest) as f:
        cases = [l.rstrip('\n').split('\t') for l in f if l.strip()]
    for name, args, rc, trace, errf in cases:
        cmd = 'ip link set dev va %s' % args
        try:
            stderr = open(errf).read().strip().replace('\n', ' / ')
        except OSError:
            stderr = ''
        events = parse_strace(trace)
        req, rep, ev = pick_vf_request(events)
        if req is None:
            line = '`%s`: iproute2 sent no RTM_NEWLINK for it (exit %s, stderr: %s).' % (
                cmd, rc, stderr or 'empty')
            summary.append('%s: NOT SENT: %s' % (name, line))
            body.append('// %s\n' % line)
            continue
        h = nlmsg_header(req)
        tname = RTM_NAMES.get(h['type'], 'type %d' % h['type'])
        docs = ['`%s` — request (%s, flags 0x%04x, seq %d, pid %d), %d bytes.' % (
            cmd, tname, h['flags'], h['seq'], h['pid'], len(req)),
            'Body: ' + describe_body(req) + '.']
        body.append(rust_const(name + '_REQ', req, docs))
        summary.append('%s_REQ: %s' % (name, describe_request(req)))
        if rep is None:
            body.append('// No reply to %s_REQ was captured.\n' % name)
            summary.append('%s_REPLY: none captured' % name)
        else:
            d = decode_error(rep) if nlmsg_header(rep)['type'] == NLMSG_ERROR else None
            what = ('NLMSG_ERROR %d %s' % (d['error'], d['errname'])) if d else \
                RTM_NAMES.get(nlmsg_header(rep)['type'], 'type %d' % nlmsg_header(rep)['type'])
            docs = ['Kernel reply to %s_REQ (%s), %d bytes; `ip` exited %s with "%s".' % (
                name, what, len(rep), rc, stderr),
                'Decoded: ' + (describe_error(rep) if d else describe_request(rep)) + '.']
            body.append(rust_const(name + '_REPLY', rep, docs))
            summary.append('%s_REPLY: %s' % (name, describe_error(rep) if d else describe_request(rep)))
    with open(a.out, 'w') as f:
        f.write('\n'.join(hdr) + '\n')
        f.write('\n'.join(body))
    if a.summary:
        with open(a.summary, 'w') as f:
            f.write('\n'.join(summary) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
