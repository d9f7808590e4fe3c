/*
 * Test 6 of the kernel suite: an assignment driven from C through libvfnl.
 *   c_apply apply VF_PCI SNAPSHOT_FILE   resolve the VF in /sys, apply MAC 52:54:00:c0:ff:ee
 *                                        VLAN 77 trust on to every port, save the snapshot
 *   c_apply release SNAPSHOT_FILE        restore from the saved snapshot
 */
#include <stdio.h>
#include <string.h>
#include <vfnl.h>

static int fail(const char *what, vfnl_result r) {
    printf("c_apply: %s: %s\n", what, vfnl_strerror(r));
    return 1;
}

int main(int argc, char **argv) {
    uint8_t snap[VFNL_SNAPSHOT_LEN];
    struct vfnl_apply_report report;
    vfnl_result r;
    if (argc == 4 && strcmp(argv[1], "apply") == 0) {
        struct vfnl_pci_address vf;
        struct vfnl_topology t;
        if ((r = vfnl_pci_parse(argv[2], &vf)) != VFNL_OK)
            return fail("pci", r);
        if ((r = vfnl_resolve_vf(NULL, &vf, &t)) != VFNL_OK)
            return fail("resolve", r);
        struct vfnl_assignment a;
        memset(&a, 0, sizeof a);
        a.vf = t.vf_index;
        a.nports = t.nports;
        const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xc0, 0xff, 0xee};
        for (size_t i = 0; i < t.nports; i++) {
            a.ports[i].port = t.ports[i].number;
            a.ports[i].vf.set = VFNL_SET_MAC | VFNL_SET_VLAN | VFNL_SET_TRUST;
            memcpy(a.ports[i].vf.mac, mac, 6);
            a.ports[i].vf.mac_len = 6;
            a.ports[i].vf.vlan = 77;
            a.ports[i].vf.vlan_proto = VFNL_VLAN_PROTO_8021Q;
            a.ports[i].vf.trust = 1;
        }
        if ((r = vfnl_apply(&a, t.ports, t.nports, 0, snap, sizeof snap, &report)) != VFNL_OK)
            return fail("apply", r);
        FILE *f = fopen(argv[3], "wb");
        if (!f || fwrite(snap, 1, sizeof snap, f) != sizeof snap || fclose(f) != 0)
            return fail("write snapshot", VFNL_ERR_SYSTEM);
        printf("c_apply: applied VF %u on %zu port(s) through %s\n", a.vf, t.nports, t.ports[0].name);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "release") == 0) {
        FILE *f = fopen(argv[2], "rb");
        if (!f || fread(snap, 1, sizeof snap, f) != sizeof snap)
            return fail("read snapshot", VFNL_ERR_SYSTEM);
        fclose(f);
        if ((r = vfnl_release(snap, sizeof snap, 0, &report)) != VFNL_OK)
            return fail("release", r);
        printf("c_apply: released, %zu port(s) restored\n", report.nrestored);
        return 0;
    }
    fprintf(stderr, "usage: c_apply apply VF_PCI FILE | c_apply release FILE\n");
    return 2;
}
