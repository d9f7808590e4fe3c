/*
 * A stack that owns its netlink socket (as libvirt does) and uses vfnl only to encode and
 * decode: vfnl_getlink_encode builds an RTM_GETLINK for "lo" with VF data asked for, the
 * stack sends it on its own socket, and vfnl_link_parse / vfnl_vf_next decode the reply.
 * Build: gcc own_socket.c $(pkg-config --cflags --libs vfnl)
 */
#include <linux/netlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vfnl.h>

int main(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
        printf("no netlink socket here; nothing to show\n");
        return 0;
    }
    uint8_t req[64];
    size_t req_len = 0;
    vfnl_result e = vfnl_getlink_encode(if_nametoindex("lo"), 1, 0, req, sizeof req, &req_len);
    if (e != VFNL_OK) {
        fprintf(stderr, "vfnl_getlink_encode: %s\n", vfnl_strerror(e));
        close(fd);
        return 1;
    }
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, req, req_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        printf("sendto failed; nothing to show\n");
        close(fd);
        return 0;
    }
    static uint8_t reply[65536];
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    close(fd);
    if (n <= 0)
        return 1;

    struct vfnl_link link;
    vfnl_result r = vfnl_link_parse(reply, (size_t)n, &link);
    if (r != VFNL_OK) {
        fprintf(stderr, "vfnl_link_parse: %s\n", vfnl_strerror(r));
        return 1;
    }
    printf("ifindex %d name %s flags 0x%x num_vf %s\n", link.ifindex, link.ifname, link.flags,
           link.has_num_vf ? "present" : "absent (no parent device)");
    struct vfnl_vf_cursor cur = {0, 0};
    struct vfnl_vf_info vf;
    uint8_t has = 0;
    while ((r = vfnl_vf_next(reply, (size_t)n, &cur, &vf, &has)) == VFNL_OK && has)
        printf("  vf %u vlan %u trust %lld\n", vf.vf, vf.vlan, (long long)vf.trust);
    if (r != VFNL_OK) {
        fprintf(stderr, "vfnl_vf_next: %s\n", vfnl_strerror(r));
        return 1;
    }
    return 0;
}
