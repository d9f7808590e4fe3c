#!/usr/bin/env python3
"""Turn the console log of `vm.sh capture` into golden files.

Reads the "=== BEGIN name === ... === END name ===" blocks that capture/run and nlcap print,
checks every hex dump against its length and FNV-1a checksum, decodes the netlink messages
only to write the doc comments, and writes:

  --rust   core/tests/golden/igb_kernel.rs   (byte arrays, no logic)
  --json   core/tests/golden/igb_ip_link.json (`ip -d -j link show eth0`, re-indented)

It also prints the decoded facts (errnos, extended-ACK texts, per-VF attributes) to stdout.
"""

import argparse
import errno
import json
import os
import re
import struct
import sys
import textwrap

# --- uapi numbers (include/uapi/linux/{netlink,rtnetlink,if_link}.h) ---
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_GETLINK, RTM_SETLINK = 16, 18, 19
MSG_TYPES = {2: "NLMSG_ERROR", 3: "NLMSG_DONE", 16: "RTM_NEWLINK", 18: "RTM_GETLINK",
             19: "RTM_SETLINK"}
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_DUMP, NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x300, 0x100, 0x200
IFLA_IFNAME, IFLA_NUM_VF, IFLA_VFINFO_LIST, IFLA_EXT_MASK = 3, 21, 22, 29
IFLA_PHYS_PORT_ID, IFLA_PHYS_SWITCH_ID, IFLA_PHYS_PORT_NAME = 34, 36, 38
IFLA_VF_PORTS, IFLA_PORT_SELF = 24, 25
IFLA_PARENT_DEV_NAME, IFLA_PARENT_DEV_BUS_NAME = 56, 57
IFLA_VF_INFO = 1
VF_ATTRS = {1: "MAC", 2: "VLAN", 3: "TX_RATE", 4: "SPOOFCHK", 5: "LINK_STATE", 6: "RATE",
            7: "RSS_QUERY_EN", 8: "STATS", 9: "TRUST", 10: "IB_NODE_GUID",
            11: "IB_PORT_GUID", 12: "VLAN_LIST", 13: "BROADCAST"}
VF_STATS = {0: "RX_PACKETS", 1: "TX_PACKETS", 2: "RX_BYTES", 3: "TX_BYTES", 4: "BROADCAST",
            5: "MULTICAST", 6: "PAD", 7: "RX_DROPPED", 8: "TX_DROPPED"}
EXT_MASKS = {1: "RTEXT_FILTER_VF", 8: "RTEXT_FILTER_SKIP_STATS"}
NLMSGERR_ATTRS = {1: "MSG", 2: "OFFS", 3: "COOKIE", 4: "POLICY", 5: "MISS_TYPE",
                  6: "MISS_NEST"}
UNKNOWN = 0xFFFFFFFF


# --- console log parsing ---

def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


class Block:
    def __init__(self, name):
        self.name = name
        self.comments = []
        self.text = []
        self.req = None
        self.rx = []


def parse_log(path):
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8", "replace").replace("\r", "").split("\n")
    meta, blocks, cur, dump = {}, {}, None, None

    def close_dump():
        if dump is None:
            return
        tag, length, fnv, data = dump
        data = bytes(data)
        if len(data) != length or fnv1a(data) != fnv:
            sys.exit(f"extract: {cur.name}: {tag} dump damaged in the log "
                     f"({len(data)} of {length} bytes, fnv {fnv1a(data):08x} != {fnv:08x})")
        if tag == "req":
            cur.req = data
        else:
            cur.rx.append(data)

    for line in lines:
        m = re.match(r"^VFNL-(BOOT|KERNEL) (.*)$", line)
        if m:
            meta[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^=== BEGIN (\S+) ===$", line)
        if m:
            cur, dump = Block(m.group(1)), None
            continue
        if cur is None:
            continue
        m = re.match(r"^=== END (\S+) ===$", line)
        if m:
            close_dump()
            if m.group(1) != cur.name:
                sys.exit(f"extract: block {cur.name} ended as {m.group(1)}")
            blocks[cur.name] = cur
            cur, dump = None, None
            continue
        m = re.match(r"^(req|rx) (\d+) fnv=([0-9a-f]{8})$", line)
        if m:
            close_dump()
            dump = (m.group(1), int(m.group(2)), int(m.group(3), 16), bytearray())
            continue
        m = re.match(r"^([0-9a-f]{4})((?: [0-9a-f]{2}){1,16})$", line)
        if m and dump is not None:
            if int(m.group(1), 16) != len(dump[3]):
                sys.exit(f"extract: {cur.name}: hex line at {m.group(1)} out of order")
            dump[3].extend(bytes.fromhex(m.group(2)))
            continue
        if line.startswith("# "):
            cur.comments.append(line[2:])
            continue
        cur.text.append(line)
    if cur is not None:
        sys.exit(f"extract: block {cur.name} has no END line")
    return meta, blocks


# --- netlink decoding (for doc comments only) ---

def attrs(buf):
    """Yield (type, payload) of the attributes packed in buf."""
    off = 0
    while off + 4 <= len(buf):
        ln, typ = struct.unpack_from("<HH", buf, off)
        if ln < 4 or off + ln > len(buf):
            raise ValueError(f"bad attribute length {ln} at {off}")
        yield typ & 0x3FFF, buf[off + 4:off + ln]
        off += (ln + 3) & ~3


def messages(datagram):
    off = 0
    while off + 16 <= len(datagram):
        ln, typ, flags, seq, pid = struct.unpack_from("<IHHII", datagram, off)
        yield typ, flags, seq, pid, datagram[off + 16:off + ln]
        off += (ln + 3) & ~3


def u32(p, off=0):
    return struct.unpack_from("<I", p, off)[0]


def flags_str(typ, flags, is_request):
    names = []
    if flags & NLM_F_REQUEST:
        names.append("NLM_F_REQUEST")
    if flags & NLM_F_MULTI:
        names.append("NLM_F_MULTI")
    if flags & NLM_F_ACK:
        names.append("NLM_F_ACK")
    if is_request and flags & NLM_F_DUMP == NLM_F_DUMP:
        names.append("NLM_F_DUMP")
    if typ == NLMSG_ERROR and flags & NLM_F_CAPPED:
        names.append("NLM_F_CAPPED")
    if typ == NLMSG_ERROR and flags & NLM_F_ACK_TLVS:
        names.append("NLM_F_ACK_TLVS")
    return "|".join(names) or "0"


def mac(p, n=6):
    return ":".join(f"{b:02x}" for b in p[:n])


def decode_vf(payload):
    """One IFLA_VF_INFO -> dict of decoded settings, plus the attribute order."""
    vf = {"order": []}
    for typ, p in attrs(payload):
        name = VF_ATTRS.get(typ, f"#{typ}")
        vf["order"].append(name)
        if name not in ("STATS", "BROADCAST", "VLAN_LIST") and len(p) >= 4:
            vf["vf"] = u32(p)
        if name == "MAC":
            vf["mac"] = mac(p[4:])
        elif name == "BROADCAST":
            vf["broadcast"] = mac(p)
        elif name == "VLAN":
            vf["vlan"] = struct.unpack_from("<III", p)[1:]
        elif name == "VLAN_LIST":
            vf.setdefault("vf", u32(next(attrs(p))[1]))
            vf["vlan_list"] = [struct.unpack_from("<III", i)[1:] + (struct.unpack_from(">H", i, 12)[0],)
                               for _, i in attrs(p)]
        elif name == "RATE":
            vf["rate"] = struct.unpack_from("<III", p)[1:]
        elif name in ("TX_RATE", "SPOOFCHK", "LINK_STATE", "RSS_QUERY_EN", "TRUST"):
            vf[name.lower()] = u32(p, 4)
        elif name == "STATS":
            vf["stats"] = [(VF_STATS.get(t, f"#{t}"), struct.unpack_from("<Q", s)[0] if len(s) == 8 else None)
                           for t, s in attrs(p)]
    return vf


def decode_link(payload):
    ifindex = struct.unpack_from("<i", payload, 4)[0]
    link = {"ifindex": ifindex, "attrs": [], "vfs": None}
    for typ, p in attrs(payload[16:]):
        link["attrs"].append(typ)
        if typ == IFLA_IFNAME:
            link["ifname"] = p.rstrip(b"\0").decode()
        elif typ == IFLA_NUM_VF:
            link["num_vf"] = u32(p)
        elif typ == IFLA_VFINFO_LIST:
            link["vfs"] = [decode_vf(i) for t, i in attrs(p) if t == IFLA_VF_INFO]
            link["vfinfo_list_len"] = len(p) + 4
        elif typ == IFLA_EXT_MASK:
            link["ext_mask"] = u32(p)
        elif typ == IFLA_PARENT_DEV_NAME:
            link["parent"] = p.rstrip(b"\0").decode()
        elif typ == IFLA_PARENT_DEV_BUS_NAME:
            link["parent_bus"] = p.rstrip(b"\0").decode()
    return link


def setting_str(v):
    return "unknown (0xFFFFFFFF)" if v == UNKNOWN else str(v)


def vf_summary(vf):
    s = [f"VF{vf.get('vf', '?')} mac {vf.get('mac', '?')}"]
    if "vlan" in vf:
        s.append("vlan %d qos %d" % vf["vlan"])
    if "vlan_list" in vf:
        s.append("vlan_list [" + ", ".join("%d/%d/0x%04x" % e for e in vf["vlan_list"]) + "]")
    if "tx_rate" in vf:
        s.append(f"tx_rate {vf['tx_rate']}")
    if "rate" in vf:
        s.append("rate %d..%d" % vf["rate"])
    for k in ("spoofchk", "link_state", "rss_query_en", "trust"):
        if k in vf:
            s.append(f"{k} {setting_str(vf[k])}")
    return ", ".join(s)


def describe_request(req):
    typ, flags, seq, pid, p = next(messages(req))
    ifindex = struct.unpack_from("<i", p, 4)[0]
    what = [f"{MSG_TYPES.get(typ, typ)} ({flags_str(typ, flags, True)}), ifindex {ifindex}"]
    for t, a in attrs(p[16:]):
        if t == IFLA_EXT_MASK:
            m = u32(a)
            what.append("IFLA_EXT_MASK %d (%s)" % (m, "|".join(n for b, n in EXT_MASKS.items() if m & b) or "none"))
        elif t == IFLA_VFINFO_LIST:
            for _, info in attrs(a):
                vf = decode_vf(info)
                vfn = vf.get("vf", "?")
                parts = []
                for name in vf["order"]:
                    if name == "MAC":
                        parts.append(f"MAC {vf['mac']}")
                    elif name == "VLAN":
                        parts.append("VLAN %d qos %d" % vf["vlan"])
                    elif name == "VLAN_LIST":
                        parts.append("VLAN_LIST [VLAN_INFO vlan %d qos %d proto 0x%04x]" % vf["vlan_list"][0])
                    elif name == "RATE":
                        parts.append("RATE min %d max %d" % vf["rate"])
                    else:
                        parts.append(f"{name} {vf[name.lower()]}")
                what.append(f"IFLA_VFINFO_LIST/IFLA_VF_INFO vf {vfn}: " + ", ".join(parts))
        else:
            what.append(f"attr {t}")
    return "; ".join(what)


def decode_error(datagram):
    typ, flags, seq, pid, p = next(messages(datagram))
    assert typ == NLMSG_ERROR
    err = struct.unpack_from("<i", p)[0]
    inner_len = u32(p, 4)
    off = 4 + (16 if flags & NLM_F_CAPPED else inner_len)
    ext = {}
    if flags & NLM_F_ACK_TLVS:
        for t, a in attrs(p[off:]):
            name = NLMSGERR_ATTRS.get(t, f"#{t}")
            ext[name] = a.rstrip(b"\0").decode("utf-8", "replace") if name == "MSG" else (
                u32(a) if len(a) == 4 else a.hex())
    return err, flags, ext


def errno_str(err):
    if err == 0:
        return "0 (ACK)"
    e = -err
    # Linux has one value for both; netlink code says EOPNOTSUPP.
    name = "EOPNOTSUPP" if e == errno.EOPNOTSUPP else errno.errorcode.get(e, "?")
    return f"-{e} ({name}: {os.strerror(e)})"


# --- what goes into the Rust file, in order ---
# (block, constant prefix, what the request is for)
CAPTURES = [
    ("getlink_novf", "IGB_GETLINK_NOVF", "RTM_GETLINK of eth0 without IFLA_EXT_MASK bits (no VF data)"),
    ("getlink_vf", "IGB_GETLINK_VF", "RTM_GETLINK of eth0 with RTEXT_FILTER_VF"),
    ("getlink_vf_skip_stats", "IGB_GETLINK_VF_SKIP_STATS",
     "RTM_GETLINK of eth0 with RTEXT_FILTER_VF|RTEXT_FILTER_SKIP_STATS"),
    ("dump_vf", "IGB_DUMP_VF", "RTM_GETLINK dump of all links with RTEXT_FILTER_VF"),
    ("err_rate_link_down", "IGB_SETLINK_VF_RATE_LINK_DOWN",
     "IFLA_VF_RATE (min 0, max 100) on VF 2 while eth0 is down"),
    ("err_vf_out_of_range", "IGB_SETLINK_VF_OUT_OF_RANGE",
     "IFLA_VF_MAC for VF 9 (past sriov_numvfs 4)"),
    ("err_vlan_list_8021ad", "IGB_SETLINK_VF_VLAN_LIST_8021AD",
     "IFLA_VF_VLAN_LIST with one IFLA_VF_VLAN_INFO, proto 802.1ad, vlan 5, on VF 2"),
    ("err_link_state", "IGB_SETLINK_VF_LINK_STATE", "IFLA_VF_LINK_STATE enable on VF 2"),
    ("ack_vf_mac", "IGB_SETLINK_VF_MAC_ACK",
     "IFLA_VF_MAC 52:54:00:01:01:01 on VF 0 (its current MAC) with NLM_F_ACK"),
    ("extra_rss_query", "IGB_SETLINK_VF_RSS_QUERY_EN", "IFLA_VF_RSS_QUERY_EN 1 on VF 2"),
    ("extra_txrate_link_down", "IGB_SETLINK_VF_TX_RATE_LINK_DOWN",
     "legacy IFLA_VF_TX_RATE 100 on VF 2 while eth0 is down"),
    ("extra_vlan_list_8021q", "IGB_SETLINK_VF_VLAN_LIST_8021Q",
     "IFLA_VF_VLAN_LIST with one IFLA_VF_VLAN_INFO, proto 802.1Q, vlan 7 qos 1, on VF 2"),
    ("extra_vlan_4096", "IGB_SETLINK_VF_VLAN_4096", "IFLA_VF_VLAN vlan 4096 on VF 2"),
    ("extra_vf_mac_zero", "IGB_SETLINK_VF_MAC_ZERO", "IFLA_VF_MAC 00:00:00:00:00:00 on VF 2"),
    ("extra_vf_mac_multicast", "IGB_SETLINK_VF_MAC_MULTICAST",
     "IFLA_VF_MAC 01:00:5e:00:00:01 (multicast) on VF 2"),
    ("extra_rate_link_up", "IGB_SETLINK_VF_RATE_LINK_UP",
     "IFLA_VF_RATE (min 0, max 100) on eth1 VF 2 with eth1 up at 1000 Mb/s"),
    ("extra_rate_min_link_up", "IGB_SETLINK_VF_RATE_MIN_LINK_UP",
     "IFLA_VF_RATE (min 10, max 100) on eth1 VF 2 with eth1 up"),
    ("extra_rate_over_speed", "IGB_SETLINK_VF_RATE_OVER_SPEED",
     "IFLA_VF_RATE (min 0, max 2000) on eth1 VF 2, above the 1000 Mb/s link speed"),
]


def rust_bytes(data, indent):
    pad = " " * indent
    out = []
    for i in range(0, len(data), 16):
        out.append(pad + " ".join(f"0x{b:02x}," for b in data[i:i + 16]))
    return "\n".join(out)


def doc(paragraphs, indent=0):
    """/// comment lines; each paragraph starts on a new line and wraps at 100 columns."""
    pad = " " * indent
    out = []
    for p in paragraphs:
        out += textwrap.wrap(p, 100 - indent - 4, break_on_hyphens=False) or [""]
    return "\n".join(f"{pad}///" + (f" {l}" if l else "") for l in out)


def link_doc(link):
    out = [f"RTM_NEWLINK {link.get('ifname', '?')} (ifindex {link['ifindex']})"]
    if "num_vf" in link:
        out[0] += f", IFLA_NUM_VF {link['num_vf']}"
    else:
        out[0] += ", no IFLA_NUM_VF"
    if link["vfs"] is None:
        out[0] += ", no IFLA_VFINFO_LIST."
        return out
    out[0] += f", IFLA_VFINFO_LIST ({link['vfinfo_list_len']} bytes) of {len(link['vfs'])} IFLA_VF_INFO."
    orders = {tuple(v["order"]) for v in link["vfs"]}
    for o in orders:
        out.append("Each IFLA_VF_INFO carries, in this order: " + ", ".join(o) + ".")
    for v in link["vfs"]:
        line = vf_summary(v)
        if "broadcast" in v:
            line += f", broadcast {v['broadcast']}"
        if "stats" in v:
            line += ", stats {" + " ".join(f"{k}={x}" for k, x in v["stats"]) + "}"
        out.append(line + ".")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", required=True)
    ap.add_argument("--rust", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--qemu", default="QEMU 10")
    ap.add_argument("--command", default="bash kernel-tests/vm.sh capture")
    args = ap.parse_args()

    meta, blocks = parse_log(args.log)
    missing = [b for b, _, _ in CAPTURES if b not in blocks] + [
        b for b in ("ip_link_eth0_json",) if b not in blocks]
    if missing:
        sys.exit(f"extract: blocks missing from {args.log}: {' '.join(missing)}")
    kver = meta.get("BOOT", "?").split()[0]
    # "... #1 SMP PREEMPT_DYNAMIC Debian 6.12.95-1~bpo12+1 (2026-07-05)": the last "Debian".
    debver = (re.findall(r"Debian (\S+) \(", meta.get("KERNEL", "")) or ["?"])[-1]

    header = [
        f"Golden bytes: a real Linux {kver} kernel's (Debian {debver}) rtnetlink replies from the"
        f" igb driver ({args.qemu} emulated 82576, 4 VFs per PF), captured by kernel-tests/capture"
        f" (run: {args.command}).",
        "Do not edit by hand; re-run the capture.",
        "",
        "Setup: two igb PFs, eth0 (0000:01:00.0, ifindex 2) and eth1 (0000:02:00.0, ifindex 3),"
        " both administratively down, `sriov_numvfs` 4 each, igbvf not loaded. VF 0: mac"
        " 52:54:00:01:01:01 vlan 42 qos 3; VF 1: mac 52:54:00:01:02:03 spoofchk off trust on;"
        " VF 2 untouched; VF 3: vlan 100 (eth0 set by raw netlink, eth1 by `ip link set ... vf`)."
        " Requests were sent by kernel-tests/capture/nlcap.c from a socket bound to port id"
        " 0x4e4c4350 with NETLINK_EXT_ACK and NETLINK_CAP_ACK set, seq 1. The error cases come"
        " after the reads, in this file's order, so they do not show in the reads.",
    ]
    out = [doc(header).replace("///", "//!")] + [
        "#![allow(dead_code)]",
        "",
    ]
    facts = []
    for block, prefix, what in CAPTURES:
        b = blocks[block]
        req_doc = [f"{what}: request ({len(b.req)} bytes).", describe_request(b.req) + "."]
        out.append(doc(req_doc))
        out.append(f"pub const {prefix}_REQ: &[u8] = &[\n{rust_bytes(b.req, 4)}\n];")
        if block.startswith("dump"):
            part_docs = []
            vf_lists = {}
            for i, d in enumerate(b.rx):
                names = []
                for typ, flags, seq, pid, p in messages(d):
                    if typ == RTM_NEWLINK:
                        link = decode_link(p)
                        names.append(f"RTM_NEWLINK {link.get('ifname')} (ifindex {link['ifindex']}"
                                     + (f", IFLA_NUM_VF {link['num_vf']}" if "num_vf" in link else "")
                                     + (f", {len(link['vfs'])} IFLA_VF_INFO" if link["vfs"] is not None else "")
                                     + ")")
                        if link["vfs"] is not None:
                            vf_lists[link.get("ifname")] = link["vfs"]
                        if not flags & NLM_F_MULTI:
                            sys.exit("extract: dump RTM_NEWLINK without NLM_F_MULTI")
                    else:
                        names.append(MSG_TYPES.get(typ, str(typ)) + f" ({flags_str(typ, flags, False)})")
                part_docs.append(f"Part {i + 1} ({len(d)} bytes): " + ", ".join(names) + ".")
            # The two PFs were configured alike through different tools: compare their VF lists.
            strip = lambda vfs: [{k: v for k, v in x.items() if k != "stats"} for x in vfs]
            same = ("eth0" in vf_lists and "eth1" in vf_lists
                    and strip(vf_lists["eth0"]) == strip(vf_lists["eth1"]))
            facts.append(f"dump: eth0 (nlcap) and eth1 (ip) VF lists equal apart from stats: {same}")
            out.append(doc([
                "Reply: every datagram of the dump, in order; each RTM_NEWLINK has NLM_F_MULTI,",
                "the last datagram is NLMSG_DONE. VF entries are as in IGB_GETLINK_VF_REPLY; eth1",
                "(configured with iproute2) decodes to the same VF settings as eth0: "
                + ("yes." if same else "NO, they differ."),
            ] + part_docs))
            names = [f"{prefix}_REPLY_PART{i + 1}" for i in range(len(b.rx))]
            out.append(f"pub const {prefix}_REPLY_PARTS: &[&[u8]] = &[\n"
                       + "".join(f"    {n},\n" for n in names) + "];")
            for name, d, part_doc in zip(names, b.rx, part_docs):
                out.append(doc([part_doc]))
                out.append(f"pub const {name}: &[u8] = &[\n{rust_bytes(d, 4)}\n];")
        elif block.startswith("getlink"):
            assert len(b.rx) == 1
            typ, flags, seq, pid, p = next(messages(b.rx[0]))
            link = decode_link(p)
            out.append(doc([f"Reply ({len(b.rx[0])} bytes): " + link_doc(link)[0]] + link_doc(link)[1:]))
            out.append(f"pub const {prefix}_REPLY: &[u8] = &[\n{rust_bytes(b.rx[0], 4)}\n];")
            facts.append(f"{block}: {len(b.rx[0])} bytes; " + " | ".join(link_doc(link)))
        else:
            assert len(b.rx) == 1
            err, flags, ext = decode_error(b.rx[0])
            ext_s = ("extended ACK: " + ", ".join(f"{k} {v!r}" for k, v in ext.items())) if ext else \
                "no extended-ACK attributes (no NLM_F_ACK_TLVS: the kernel set no message or offset)"
            lines = [f"Reply ({len(b.rx[0])} bytes): NLMSG_ERROR ({flags_str(NLMSG_ERROR, flags, False)}),"
                     f" error {errno_str(err)}; " + ext_s + "."]
            out.append(doc(lines))
            out.append(f"pub const {prefix}_REPLY: &[u8] = &[\n{rust_bytes(b.rx[0], 4)}\n];")
            facts.append(f"{block}: error {errno_str(err)}; {ext_s}")
        out.append("")

    os.makedirs(os.path.dirname(args.rust), exist_ok=True)
    with open(args.rust, "w") as f:
        f.write("\n".join(out).rstrip("\n") + "\n")
    ip_json = json.loads("\n".join(blocks["ip_link_eth0_json"].text))
    with open(args.json, "w") as f:
        json.dump(ip_json, f, indent=2)
        f.write("\n")
    print(f"extract: kernel {kver} (Debian {debver}); wrote {args.rust} and {args.json}")
    for line in facts:
        print("  " + line)


if __name__ == "__main__":
    main()
