/*
 * The RFC's dual-port assignment, from C: VF 0000:06:02.0, port 1 MAC 52:54:00:01:02:03
 * VLAN 42 through ens6 (ifindex 4), port 2 the same MAC with VLAN 43 through ens6d1
 * (ifindex 5). Prints, per port, the PF netdev and the message vfnl encodes for it.
 * Build: gcc dual_port.c $(pkg-config --cflags --libs vfnl)
 */
#include <stdio.h>
#include <string.h>
#include <vfnl.h>

int main(void) {
    struct vfnl_pci_address vf_addr;
    if (vfnl_pci_parse("0000:06:02.0", &vf_addr) != VFNL_OK)
        return 1;

    struct vfnl_port ports[2];
    memset(ports, 0, sizeof ports);
    ports[0].number = 1, ports[0].ifindex = 4, strcpy(ports[0].name, "ens6");
    ports[1].number = 2, ports[1].ifindex = 5, strcpy(ports[1].name, "ens6d1");

    struct vfnl_assignment a;
    memset(&a, 0, sizeof a);
    a.vf = 0; /* from sysfs in real life: vfnl_resolve_vf() */
    a.nports = 2;
    const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x01, 0x02, 0x03};
    for (int i = 0; i < 2; i++) {
        struct vfnl_port_settings *p = &a.ports[i];
        p->port = (uint8_t)(i + 1);
        p->vf.set = VFNL_SET_MAC | VFNL_SET_VLAN;
        memcpy(p->vf.mac, mac, sizeof mac);
        p->vf.mac_len = sizeof mac;
        p->vf.vlan = (uint32_t)(42 + i);
        p->vf.vlan_proto = VFNL_VLAN_PROTO_8021Q;
    }

    uint8_t buf[1024];
    size_t needed = 0;
    struct vfnl_batch batch;
    vfnl_result r = vfnl_batch_encode(&a, ports, 2, 1, buf, sizeof buf, &needed, &batch);
    if (r != VFNL_OK) {
        fprintf(stderr, "vfnl_batch_encode: %s\n", vfnl_strerror(r));
        return 1;
    }
    char text[32];
    size_t n;
    vfnl_pci_format(&vf_addr, text, sizeof text, &n);
    printf("VF %s (index %u), libvfnl %s: %zu messages, %zu bytes in one datagram\n", text, a.vf,
           vfnl_version(), batch.nentries, batch.len);
    for (size_t i = 0; i < batch.nentries; i++) {
        const struct vfnl_batch_entry *e = &batch.entries[i];
        printf("port %u -> PF netdev %s (ifindex %u), RTM_SETLINK seq %u, %zu bytes:\n", e->port,
               ports[i].name, e->ifindex, e->seq, e->len);
        for (size_t j = 0; j < e->len; j++)
            printf("%02x%s", buf[e->offset + j], (j % 16 == 15 || j + 1 == e->len) ? "\n" : " ");
    }
    return 0;
}
