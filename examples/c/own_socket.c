/*
 * A stack that owns its netlink socket (as libvirt does) and uses vfnl only to decode:
 * sends its own RTM_GETLINK for "lo" with VF data asked for, and decodes the reply with
 * vfnl_link_parse / vfnl_vf_next. Build: gcc own_socket.c $(pkg-config --cflags --libs vfnl)
 */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
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
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
        struct rtattr a;
        uint32_t mask;
    } req;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = RTM_GETLINK;
    req.h.nlmsg_flags = NLM_F_REQUEST;
    req.h.nlmsg_seq = 1;
    req.i.ifi_index = (int)if_nametoindex("lo");
    req.a.rta_type = IFLA_EXT_MASK;
    req.a.rta_len = RTA_LENGTH(sizeof req.mask);
    req.mask = RTEXT_FILTER_VF;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
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
