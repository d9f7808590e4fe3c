/*
 * C tests of libvfnl: every exported function, its happy path and each error path (NULL,
 * short buffer with the size needed, bad enum value, malformed bytes, corrupted snapshot).
 * The bytes are real captures (golden.h is generated from core/tests/golden). Built with
 * -std=c11 -Wall -Wextra -Wpedantic -Werror and sanitizers, and run under valgrind.
 * Prints a line per test and "N passed, N failed".
 */
#include <stdio.h>
#include <string.h>

#include "vfnl.h"
#include "golden.h"

static int failures_in_test;

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            printf("    check failed at line %d: %s\n", __LINE__, #cond);   \
            failures_in_test++;                                             \
        }                                                                   \
    } while (0)

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x01, 0x02, 0x03};

static struct vfnl_port port(uint8_t number, uint32_t ifindex, const char *name) {
    struct vfnl_port p;
    memset(&p, 0, sizeof p);
    p.number = number;
    p.ifindex = ifindex;
    strncpy(p.name, name, sizeof p.name - 1);
    return p;
}

/* The RFC's dual-port VF: same MAC on both ports, VLAN 42 on port 1 and 43 on port 2. */
static struct vfnl_assignment rfc_assignment(uint32_t vf) {
    struct vfnl_assignment a;
    memset(&a, 0, sizeof a);
    a.vf = vf;
    a.nports = 2;
    for (int i = 0; i < 2; i++) {
        a.ports[i].port = (uint8_t)(i + 1);
        a.ports[i].vf.set = VFNL_SET_MAC | VFNL_SET_VLAN;
        memcpy(a.ports[i].vf.mac, MAC, 6);
        a.ports[i].vf.mac_len = 6;
        a.ports[i].vf.vlan = (uint32_t)(42 + i);
        a.ports[i].vf.vlan_proto = VFNL_VLAN_PROTO_8021Q;
    }
    return a;
}

static void test_version_and_strerror(void) {
    CHECK(strcmp(vfnl_version(), VFNL_VERSION) == 0);
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", VFNL_VERSION_MAJOR, VFNL_VERSION_MINOR, VFNL_VERSION_PATCH);
    CHECK(strcmp(v, VFNL_VERSION) == 0);
    uint32_t codes[] = {VFNL_OK, VFNL_ERR_NULL, VFNL_ERR_BUFFER_TOO_SMALL, VFNL_ERR_INVALID_ARGUMENT,
                        VFNL_ERR_MALFORMED, VFNL_ERR_VF_LIST_TRUNCATED, VFNL_ERR_VF_LIST_WRAPPED,
                        VFNL_ERR_BAD_SNAPSHOT, VFNL_ERR_NOT_FOUND, VFNL_ERR_KERNEL, VFNL_ERR_TOPOLOGY,
                        VFNL_ERR_SYSTEM, VFNL_ERR_PF_DOWN, VFNL_ERR_ROLLBACK_INCOMPLETE, VFNL_ERR_PANIC};
    const char *unknown = vfnl_strerror(12345);
    CHECK(unknown != NULL && strcmp(unknown, "unknown result code") == 0);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *s = vfnl_strerror(codes[i]);
        CHECK(s != NULL && strlen(s) > 0 && strcmp(s, unknown) != 0);
    }
}

static void test_pci(void) {
    struct vfnl_pci_address a;
    CHECK(vfnl_pci_parse("0000:06:02.0", &a) == VFNL_OK);
    CHECK(a.domain == 0 && a.bus == 6 && a.slot == 2 && a.function == 0);
    CHECK(vfnl_pci_parse("00:08.4", &a) == VFNL_OK && a.slot == 8 && a.function == 4);
    struct vfnl_pci_address before = a;
    CHECK(vfnl_pci_parse("0000:06:20.0", &a) == VFNL_ERR_INVALID_ARGUMENT);
    /* untouched on error (fields compared: padding bytes have no defined value) */
    CHECK(a.domain == before.domain && a.bus == before.bus && a.slot == before.slot && a.function == before.function);
    CHECK(vfnl_pci_parse(NULL, &a) == VFNL_ERR_NULL);
    CHECK(vfnl_pci_parse("0000:06:02.0", NULL) == VFNL_ERR_NULL);

    char buf[32];
    size_t n = 0;
    CHECK(vfnl_pci_parse("0000:06:02.0", &a) == VFNL_OK);
    CHECK(vfnl_pci_format(&a, buf, sizeof buf, &n) == VFNL_OK);
    CHECK(n == 12 && strcmp(buf, "0000:06:02.0") == 0);
    CHECK(vfnl_pci_format(&a, buf, 5, &n) == VFNL_ERR_BUFFER_TOO_SMALL && n == 13);
    struct vfnl_pci_address bad = a;
    bad.function = 9;
    CHECK(vfnl_pci_format(&bad, buf, sizeof buf, &n) == VFNL_ERR_INVALID_ARGUMENT);
    CHECK(vfnl_pci_format(NULL, buf, sizeof buf, &n) == VFNL_ERR_NULL);
    CHECK(vfnl_pci_format(&a, NULL, 10, &n) == VFNL_ERR_NULL);
}

/* Our message for port k equals iproute2's for the same single-netdev settings, but for the
 * message type (iproute2 sends RTM_NEWLINK 16, vfnl RTM_SETLINK 19) and the sequence number. */
static int same_as_iproute2(const uint8_t *ours, size_t len, const uint8_t *theirs, size_t tlen, uint32_t seq) {
    if (len != tlen)
        return 0;
    uint8_t copy[256];
    if (tlen > sizeof copy)
        return 0;
    memcpy(copy, theirs, tlen);
    copy[4] = 19;
    memcpy(copy + 8, &seq, 4);
    return memcmp(ours, copy, len) == 0;
}

static void test_batch_encode(void) {
    /* Both iproute2 captures went to ifindex 3 (va), so both ports use it here. */
    struct vfnl_port ports[2] = {port(1, 3, "ens6"), port(2, 3, "ens6d1")};
    struct vfnl_assignment a = rfc_assignment(0);
    size_t needed = 0;
    struct vfnl_batch b;
    memset(&b, 0, sizeof b);
    CHECK(vfnl_batch_encode(&a, ports, 2, 100, NULL, 0, &needed, &b) == VFNL_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == sizeof DUAL_PORT_P1_MAC_VLAN_42_REQ + sizeof DUAL_PORT_P2_MAC_VLAN_43_REQ);
    uint8_t small[100];
    memset(small, 0xa5, sizeof small);
    CHECK(vfnl_batch_encode(&a, ports, 2, 100, small, sizeof small, &needed, &b) == VFNL_ERR_BUFFER_TOO_SMALL);
    int untouched = 1;
    for (size_t i = 0; i < sizeof small; i++)
        untouched &= small[i] == 0xa5;
    CHECK(untouched && b.nentries == 0);

    uint8_t buf[512];
    CHECK(vfnl_batch_encode(&a, ports, 2, 100, buf, sizeof buf, &needed, &b) == VFNL_OK);
    CHECK(b.len == needed && b.nentries == 2 && b.vf == 0);
    CHECK(b.entries[0].port == 1 && b.entries[0].seq == 100 && b.entries[0].offset == 0);
    CHECK(b.entries[1].port == 2 && b.entries[1].seq == 101 && b.entries[1].offset == b.entries[0].len);
    CHECK(same_as_iproute2(buf, b.entries[0].len, DUAL_PORT_P1_MAC_VLAN_42_REQ, sizeof DUAL_PORT_P1_MAC_VLAN_42_REQ, 100));
    CHECK(same_as_iproute2(buf + b.entries[1].offset, b.entries[1].len, DUAL_PORT_P2_MAC_VLAN_43_REQ,
                           sizeof DUAL_PORT_P2_MAC_VLAN_43_REQ, 101));

    /* With a virtualport on port 2. */
    struct vfnl_assignment v = a;
    v.ports[1].has_virtualport = 1;
    v.ports[1].virtualport.set = VFNL_VP_PROFILE | VFNL_VP_REQUEST;
    strcpy(v.ports[1].virtualport.profile, "finance");
    v.ports[1].virtualport.request = VFNL_PORT_REQUEST_ASSOCIATE;
    CHECK(vfnl_batch_encode(&v, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_OK);
    CHECK(b.entries[1].len > b.entries[0].len);

    /* Values that are not valid are refused, never cast. */
    struct vfnl_assignment bad;
    bad = a; bad.ports[0].vf.vlan_proto = 0x1234;
    CHECK(vfnl_batch_encode(&bad, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_INVALID_ARGUMENT);
    bad = a; bad.ports[0].vf.set |= VFNL_SET_SPOOFCHK; bad.ports[0].vf.spoofchk = 2;
    CHECK(vfnl_batch_encode(&bad, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_INVALID_ARGUMENT);
    bad = a; bad.ports[0].vf.set |= VFNL_SET_LINK_STATE; bad.ports[0].vf.link_state = 7;
    CHECK(vfnl_batch_encode(&bad, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_INVALID_ARGUMENT);
    bad = a; bad.ports[0].vf.set |= 1u << 20;
    CHECK(vfnl_batch_encode(&bad, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_INVALID_ARGUMENT);
    bad = a; bad.ports[0].vf.vlan = 4096;
    CHECK(vfnl_batch_encode(&bad, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_INVALID_ARGUMENT);
    bad = a; bad.ports[0].vf.mac_len = 33;
    CHECK(vfnl_batch_encode(&bad, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_INVALID_ARGUMENT);
    bad = a; bad.ports[0].port = 0;
    CHECK(vfnl_batch_encode(&bad, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_INVALID_ARGUMENT);
    bad = a; bad.nports = 9;
    CHECK(vfnl_batch_encode(&bad, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_INVALID_ARGUMENT);
    bad = a; bad.ports[1].has_virtualport = 3;
    CHECK(vfnl_batch_encode(&bad, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_INVALID_ARGUMENT);
    bad = v; bad.ports[1].virtualport.request = 9;
    CHECK(vfnl_batch_encode(&bad, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_INVALID_ARGUMENT);
    /* A port the map lacks. */
    CHECK(vfnl_batch_encode(&a, ports, 1, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_NOT_FOUND);
    CHECK(vfnl_batch_encode(NULL, ports, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_NULL);
    CHECK(vfnl_batch_encode(&a, NULL, 2, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_NULL);
    CHECK(vfnl_batch_encode(&a, ports, 2, 1, buf, sizeof buf, NULL, &b) == VFNL_ERR_NULL);
    CHECK(vfnl_batch_encode(&a, ports, 2, 1, buf, sizeof buf, &needed, NULL) == VFNL_ERR_NULL);
}

static void test_decode(void) {
    struct vfnl_link l;
    CHECK(vfnl_link_parse(IGB_GETLINK_VF_REPLY, sizeof IGB_GETLINK_VF_REPLY, &l) == VFNL_OK);
    CHECK(l.ifindex == 2 && strcmp(l.ifname, "eth0") == 0);
    CHECK(l.has_num_vf == 1 && l.num_vf == 4 && l.address_len == 6);
    CHECK(strcmp(l.parent_dev_name, "0000:01:00.0") == 0);

    struct vfnl_vf_cursor c;
    memset(&c, 0, sizeof c);
    struct vfnl_vf_info info;
    uint8_t has = 0;
    int n = 0;
    while (vfnl_vf_next(IGB_GETLINK_VF_REPLY, sizeof IGB_GETLINK_VF_REPLY, &c, &info, &has) == VFNL_OK && has) {
        CHECK(info.vf == (uint32_t)n);
        CHECK(info.rss_query_en == VFNL_SETTING_UNKNOWN); /* igb does not report it */
        CHECK(info.present & VFNL_HAS_STATS);
        if (n == 0) {
            const uint8_t want[6] = {0x52, 0x54, 0x00, 0x01, 0x01, 0x01};
            CHECK(info.mac_len == 6 && memcmp(info.mac, want, 6) == 0);
            CHECK(info.vlan == 42 && info.qos == 3 && info.vlan_proto == VFNL_VLAN_PROTO_8021Q);
            CHECK(info.spoofchk == VFNL_SETTING_ON && info.trust == VFNL_SETTING_OFF);
        }
        if (n == 1)
            CHECK(info.spoofchk == VFNL_SETTING_OFF && info.trust == VFNL_SETTING_ON);
        n++;
    }
    CHECK(n == 4 && has == 0);

    /* IFLA_NUM_VF says 5: the list is truncated, and that is an error, not an end. */
    uint8_t cut[sizeof IGB_GETLINK_VF_REPLY];
    memcpy(cut, IGB_GETLINK_VF_REPLY, sizeof cut);
    int patched = 0;
    for (size_t off = 32; off + 8 <= sizeof cut;) {
        uint16_t alen = (uint16_t)(cut[off] | cut[off + 1] << 8), type = (uint16_t)(cut[off + 2] | cut[off + 3] << 8);
        if (type == 21) { cut[off + 4] = 5; patched = 1; break; }
        off += (size_t)((alen + 3) & ~3);
    }
    CHECK(patched);
    memset(&c, 0, sizeof c);
    vfnl_result r;
    int got = 0;
    while ((r = vfnl_vf_next(cut, sizeof cut, &c, &info, &has)) == VFNL_OK && has)
        got++;
    CHECK(got == 4 && r == VFNL_ERR_VF_LIST_TRUNCATED);

    /* Malformed bytes. */
    CHECK(vfnl_link_parse(IGB_GETLINK_VF_REPLY, 100, &l) == VFNL_ERR_MALFORMED);
    memset(&c, 0, sizeof c);
    CHECK(vfnl_vf_next(IGB_GETLINK_VF_REPLY, 10, &c, &info, &has) == VFNL_ERR_MALFORMED);
    CHECK(vfnl_link_parse(NULL, 10, &l) == VFNL_ERR_NULL);
    CHECK(vfnl_link_parse(IGB_GETLINK_VF_REPLY, sizeof IGB_GETLINK_VF_REPLY, NULL) == VFNL_ERR_NULL);
    CHECK(vfnl_vf_next(IGB_GETLINK_VF_REPLY, sizeof IGB_GETLINK_VF_REPLY, NULL, &info, &has) == VFNL_ERR_NULL);
    /* A link without VFs ends at once. */
    memset(&c, 0, sizeof c);
    CHECK(vfnl_vf_next(IGB_DUMP_VF_REPLY_PART1, sizeof IGB_DUMP_VF_REPLY_PART1, &c, &info, &has) == VFNL_OK && has == 0);
}

static void test_getlink_encode(void) {
    /* The capture's request: GETLINK of eth0 (ifindex 2), seq 1, RTEXT_FILTER_VF. */
    static const uint8_t want[] = {0x28, 0, 0, 0, 0x12, 0, 0x01, 0, 0x01, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                   0x08, 0, 0x1d, 0, 0x01, 0, 0, 0};
    uint8_t buf[64];
    size_t needed = 0;
    CHECK(vfnl_getlink_encode(2, 1, 0, buf, sizeof buf, &needed) == VFNL_OK);
    CHECK(needed == sizeof want && memcmp(buf, want, sizeof want) == 0);
    CHECK(vfnl_getlink_encode(2, 1, 1, buf, sizeof buf, &needed) == VFNL_OK && buf[36] == 9);
    memset(buf, 0xa5, sizeof buf);
    CHECK(vfnl_getlink_encode(2, 1, 0, buf, 10, &needed) == VFNL_ERR_BUFFER_TOO_SMALL && needed == 40 && buf[0] == 0xa5);
    CHECK(vfnl_getlink_encode(2, 1, 2, buf, sizeof buf, &needed) == VFNL_ERR_INVALID_ARGUMENT);
    CHECK(vfnl_getlink_encode(0, 1, 0, buf, sizeof buf, &needed) == VFNL_ERR_INVALID_ARGUMENT);
    CHECK(vfnl_getlink_encode(2, 1, 0, buf, sizeof buf, NULL) == VFNL_ERR_NULL);
}

static void test_acks(void) {
    /* A one-port batch whose message is the very one igb refused (rate while down). */
    struct vfnl_port ports[1] = {port(1, 2, "eth0")};
    struct vfnl_assignment a;
    memset(&a, 0, sizeof a);
    a.vf = 2;
    a.nports = 1;
    a.ports[0].port = 1;
    a.ports[0].vf.set = VFNL_SET_RATE;
    a.ports[0].vf.max_tx_rate = 100;
    uint8_t buf[128];
    size_t needed;
    struct vfnl_batch b;
    CHECK(vfnl_batch_encode(&a, ports, 1, 1, buf, sizeof buf, &needed, &b) == VFNL_OK);
    CHECK(b.len == sizeof IGB_SETLINK_VF_RATE_LINK_DOWN_REQ && memcmp(buf, IGB_SETLINK_VF_RATE_LINK_DOWN_REQ, b.len) == 0);

    struct vfnl_acks acks;
    CHECK(vfnl_acks_init(&b, &acks) == VFNL_OK);
    CHECK(acks.nports == 1 && acks.ports[0].status == VFNL_STATUS_PENDING);
    struct vfnl_feed_report rep;
    CHECK(vfnl_acks_feed(&acks, IGB_SETLINK_VF_RATE_LINK_DOWN_REPLY, sizeof IGB_SETLINK_VF_RATE_LINK_DOWN_REPLY, buf, b.len, &rep) == VFNL_OK);
    CHECK(rep.answered == 1 && rep.foreign == 0);
    CHECK(acks.ports[0].status == VFNL_STATUS_FAILED && acks.ports[0].error == 22 && acks.ports[0].port == 1);
    /* Another answer with the same seq is a duplicate; a dump part is foreign. */
    CHECK(vfnl_acks_feed(&acks, IGB_SETLINK_VF_MAC_ACK_REPLY, sizeof IGB_SETLINK_VF_MAC_ACK_REPLY, buf, b.len, &rep) == VFNL_OK);
    CHECK(rep.duplicates == 1 && acks.duplicates == 1 && acks.ports[0].status == VFNL_STATUS_FAILED);
    CHECK(vfnl_acks_feed(&acks, IGB_DUMP_VF_REPLY_PART2, sizeof IGB_DUMP_VF_REPLY_PART2, buf, b.len, &rep) == VFNL_OK);
    CHECK(rep.foreign == 1 && acks.foreign == 1);
    /* Malformed datagram, bad status value, NULLs. */
    struct vfnl_acks before = acks;
    CHECK(vfnl_acks_feed(&acks, IGB_SETLINK_VF_MAC_ACK_REPLY, 10, buf, b.len, &rep) == VFNL_ERR_MALFORMED);
    CHECK(acks.nports == before.nports && acks.foreign == before.foreign && acks.duplicates == before.duplicates);
    CHECK(acks.ports[0].status == before.ports[0].status && acks.ports[0].error == before.ports[0].error);
    struct vfnl_acks bad = acks;
    bad.ports[0].status = 7;
    CHECK(vfnl_acks_feed(&bad, IGB_SETLINK_VF_MAC_ACK_REPLY, sizeof IGB_SETLINK_VF_MAC_ACK_REPLY, buf, b.len, &rep) == VFNL_ERR_INVALID_ARGUMENT);
    bad = acks;
    bad.nports = 9;
    CHECK(vfnl_acks_feed(&bad, IGB_SETLINK_VF_MAC_ACK_REPLY, sizeof IGB_SETLINK_VF_MAC_ACK_REPLY, buf, b.len, &rep) == VFNL_ERR_INVALID_ARGUMENT);
    CHECK(vfnl_acks_feed(NULL, IGB_SETLINK_VF_MAC_ACK_REPLY, 36, buf, b.len, &rep) == VFNL_ERR_NULL);
    CHECK(vfnl_acks_init(NULL, &acks) == VFNL_ERR_NULL);
    struct vfnl_batch bb = b;
    bb.nentries = 12;
    CHECK(vfnl_acks_init(&bb, &acks) == VFNL_ERR_INVALID_ARGUMENT);
}

static void test_snapshot(void) {
    /* Port 1 is eth0 (ifindex 2), port 2 eth1 (ifindex 3), as in the igb capture's dump. */
    struct vfnl_port ports[2] = {port(1, 2, "eth0"), port(2, 3, "eth1")};
    struct vfnl_assignment a = rfc_assignment(0);
    struct vfnl_pci_address pci;
    CHECK(vfnl_pci_parse("0000:06:02.0", &pci) == VFNL_OK);
    uint8_t snap[VFNL_SNAPSHOT_LEN];
    uint8_t complete = 9;
    CHECK(vfnl_snapshot_new(&a, ports, 2, &pci, snap, sizeof snap) == VFNL_OK);
    CHECK(vfnl_snapshot_check(snap, sizeof snap, &complete) == VFNL_OK && complete == 0);
    size_t needed;
    struct vfnl_batch b;
    uint8_t buf[512];
    /* Not captured yet: nothing to restore from. */
    CHECK(vfnl_snapshot_restore_encode(snap, sizeof snap, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_INVALID_ARGUMENT);
    /* The wrong link for port 2 is refused. */
    CHECK(vfnl_snapshot_capture(snap, sizeof snap, 2, IGB_DUMP_VF_REPLY_PART2, sizeof IGB_DUMP_VF_REPLY_PART2) == VFNL_ERR_MALFORMED);
    CHECK(vfnl_snapshot_capture(snap, sizeof snap, 1, IGB_DUMP_VF_REPLY_PART2, sizeof IGB_DUMP_VF_REPLY_PART2) == VFNL_OK);
    CHECK(vfnl_snapshot_capture(snap, sizeof snap, 2, IGB_DUMP_VF_REPLY_PART3, sizeof IGB_DUMP_VF_REPLY_PART3) == VFNL_OK);
    CHECK(vfnl_snapshot_check(snap, sizeof snap, &complete) == VFNL_OK && complete == 1);
    CHECK(vfnl_snapshot_capture(snap, sizeof snap, 3, IGB_DUMP_VF_REPLY_PART3, sizeof IGB_DUMP_VF_REPLY_PART3) == VFNL_ERR_NOT_FOUND);

    CHECK(vfnl_snapshot_restore_encode(snap, sizeof snap, 50, NULL, 0, &needed, &b) == VFNL_ERR_BUFFER_TOO_SMALL);
    CHECK(needed > 0);
    CHECK(vfnl_snapshot_restore_encode(snap, sizeof snap, 50, buf, sizeof buf, &needed, &b) == VFNL_OK);
    CHECK(b.nentries == 2 && b.entries[0].ifindex == 2 && b.entries[1].ifindex == 3 && b.entries[1].seq == 51);

    /* Every corruption is refused. */
    uint8_t bad[VFNL_SNAPSHOT_LEN];
    memcpy(bad, snap, sizeof bad);
    bad[100] ^= 0x01;
    CHECK(vfnl_snapshot_check(bad, sizeof bad, &complete) == VFNL_ERR_BAD_SNAPSHOT);
    CHECK(vfnl_snapshot_restore_encode(bad, sizeof bad, 1, buf, sizeof buf, &needed, &b) == VFNL_ERR_BAD_SNAPSHOT);
    memcpy(bad, snap, sizeof bad);
    bad[0] = 'X';
    CHECK(vfnl_snapshot_check(bad, sizeof bad, &complete) == VFNL_ERR_BAD_SNAPSHOT);
    CHECK(vfnl_snapshot_check(snap, sizeof snap - 1, &complete) == VFNL_ERR_BAD_SNAPSHOT);
    /* A failed capture leaves the snapshot as it was. */
    memcpy(bad, snap, sizeof bad);
    CHECK(vfnl_snapshot_capture(snap, sizeof snap, 1, IGB_GETLINK_VF_REPLY, 50) == VFNL_ERR_MALFORMED);
    CHECK(memcmp(bad, snap, sizeof bad) == 0);
    CHECK(vfnl_snapshot_new(&a, ports, 2, NULL, snap, 100) == VFNL_ERR_INVALID_ARGUMENT);
    CHECK(vfnl_snapshot_new(NULL, ports, 2, NULL, snap, sizeof snap) == VFNL_ERR_NULL);
    CHECK(vfnl_snapshot_check(NULL, sizeof snap, &complete) == VFNL_ERR_NULL);
}

static void test_topology(void) {
    struct vfnl_pci_address vf;
    struct vfnl_topology t;
    CHECK(vfnl_pci_parse("0000:06:02.0", &vf) == VFNL_OK);
    CHECK(vfnl_resolve_vf(VFNL_FIXTURE, &vf, &t) == VFNL_OK);
    CHECK(t.pf.bus == 6 && t.pf.slot == 0 && t.pf.function == 0 && t.vf_index == 2);
    CHECK(t.nports == 2 && t.ports[0].number == 1 && t.ports[0].ifindex == 4 && strcmp(t.ports[0].name, "ens6") == 0);
    CHECK(t.ports[1].number == 2 && t.ports[1].ifindex == 5 && strcmp(t.ports[1].name, "ens6d1") == 0);
    /* The resolved ports encode directly. */
    struct vfnl_assignment a = rfc_assignment(t.vf_index);
    size_t needed;
    struct vfnl_batch b;
    uint8_t buf[512];
    CHECK(vfnl_batch_encode(&a, t.ports, t.nports, 1, buf, sizeof buf, &needed, &b) == VFNL_OK);
    CHECK(b.entries[0].ifindex == 4 && b.entries[1].ifindex == 5);
    CHECK(vfnl_pci_parse("0000:09:00.1", &vf) == VFNL_OK);
    CHECK(vfnl_resolve_vf(VFNL_FIXTURE, &vf, &t) == VFNL_ERR_NOT_FOUND);
    CHECK(vfnl_resolve_vf(VFNL_FIXTURE, NULL, &t) == VFNL_ERR_NULL);
    CHECK(vfnl_resolve_vf(VFNL_FIXTURE, &vf, NULL) == VFNL_ERR_NULL);
}

static void test_apply_release_errors(void) {
    /* The real paths run in the kernel-tests VM against igb; here, the checks that come
     * before anything is changed. */
    struct vfnl_port ports[1] = {port(1, 1, "lo")};
    struct vfnl_assignment a = rfc_assignment(0);
    a.nports = 1;
    uint8_t snap[VFNL_SNAPSHOT_LEN];
    struct vfnl_apply_report rep;
    CHECK(vfnl_apply(NULL, ports, 1, 0, snap, sizeof snap, &rep) == VFNL_ERR_NULL);
    CHECK(vfnl_apply(&a, ports, 1, 1u << 9, snap, sizeof snap, &rep) == VFNL_ERR_INVALID_ARGUMENT);
    CHECK(vfnl_apply(&a, ports, 1, 0, snap, 10, &rep) == VFNL_ERR_INVALID_ARGUMENT);
    memset(snap, 0, sizeof snap);
    CHECK(vfnl_release(snap, sizeof snap, 0, &rep) == VFNL_ERR_BAD_SNAPSHOT);
    CHECK(vfnl_release(NULL, sizeof snap, 0, &rep) == VFNL_ERR_NULL);
    CHECK(vfnl_release(snap, sizeof snap, 0, NULL) == VFNL_ERR_NULL);
}

int main(void) {
    struct { const char *name; void (*fn)(void); } tests[] = {
        {"version and strerror", test_version_and_strerror},
        {"PCI address parse and format", test_pci},
        {"batch encode: RFC dual-port, short buffer, bad values", test_batch_encode},
        {"decode a real igb reply and its VFs, truncation, malformed", test_decode},
        {"GETLINK encode: the kernel-answered bytes, short buffer, bad values", test_getlink_encode},
        {"ACKs mapped to ports: real igb refusal, duplicate, foreign", test_acks},
        {"snapshot: new, capture real replies, restore, corruption", test_snapshot},
        {"topology from the fixture sysfs tree", test_topology},
        {"apply and release: argument checks", test_apply_release_errors},
    };
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        failures_in_test = 0;
        tests[i].fn();
        if (failures_in_test == 0) {
            passed++;
            printf("ok - %s\n", tests[i].name);
        } else {
            failed++;
            printf("FAIL - %s\n", tests[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
