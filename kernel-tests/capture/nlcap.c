/*
 * nlcap: send one raw rtnetlink request and print it and every reply datagram as hex.
 *
 * Built static (gcc -static -O2) so it runs in the kernel-tests VM without libraries.
 * Messages are built by hand from the uapi headers; nothing here decodes replies
 * beyond what is needed to know when a reply is complete (extract.py decodes).
 *
 *   nlcap getlink NAME IFNAME EXTMASK       RTM_GETLINK by ifindex with IFLA_EXT_MASK
 *   nlcap dump NAME EXTMASK                 RTM_GETLINK dump with IFLA_EXT_MASK
 *   nlcap setvf NAME IFNAME VF SETTING...   RTM_SETLINK, NLM_F_ACK, one IFLA_VF_INFO
 *
 * SETTING is one or more of (all go into the same IFLA_VF_INFO, in this order):
 *   mac XX:XX:XX:XX:XX:XX | vlan VLAN QOS | vlanlist VLAN QOS PROTO(hex, e.g. 88a8)
 *   rate MIN MAX | txrate MAX | spoofchk 0|1 | trust 0|1 | linkstate 0|1|2 | rssquery 0|1
 *
 * Output (NAME labels the block; extract.py reads it back from the console log):
 *   === BEGIN NAME ===
 *   # comment lines
 *   req LEN fnv=XXXXXXXX     then hex lines "OFFS b0 b1 ... b15"
 *   rx LEN fnv=XXXXXXXX      one per datagram received, same layout
 *   === END NAME ===
 *
 * Every socket sets NETLINK_EXT_ACK and NETLINK_CAP_ACK and binds a fixed port id, so a
 * re-run produces the same nlmsg_pid/seq bytes.
 *
 * Exit status: 0 reply complete and (for setvf) error 0; 2 the kernel answered with an
 * error; 1 the tool itself failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define NLCAP_PORTID 0x4e4c4350u /* "PCLN" in the little-endian dump, fixed for re-runs */
#define NLCAP_SEQ 1u

struct msg {
	unsigned char b[4096];
	size_t len;
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: nlcap getlink NAME IFNAME EXTMASK | dump NAME EXTMASK |"
			" setvf NAME IFNAME VF SETTING...\n");
	exit(1);
}

static uint32_t fnv1a(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static void hexdump(const char *tag, const unsigned char *p, size_t n)
{
	printf("%s %zu fnv=%08x\n", tag, n, fnv1a(p, n));
	for (size_t i = 0; i < n; i += 16) {
		printf("%04zx", i);
		for (size_t j = i; j < n && j < i + 16; j++)
			printf(" %02x", p[j]);
		printf("\n");
	}
	fflush(stdout);
}

/* Append an attribute; returns its offset so nests can be closed. Pads with zeros. */
static size_t put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	size_t off = m->len;
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };
	if (off + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(m->b)) {
		fprintf(stderr, "nlcap: message too long\n");
		exit(1);
	}
	memcpy(m->b + off, &a, sizeof(a));
	if (len)
		memcpy(m->b + off + NLA_HDRLEN, data, len);
	memset(m->b + off + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->len = off + NLA_HDRLEN + NLA_ALIGN(len);
	return off;
}

static size_t nest_begin(struct msg *m, uint16_t type)
{
	return put(m, type, NULL, 0);
}

static void nest_end(struct msg *m, size_t off)
{
	uint16_t len = (uint16_t)(m->len - off);
	memcpy(m->b + off, &len, sizeof(len));
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	put(m, type, &v, sizeof(v));
}

/* nlmsghdr + ifinfomsg; nlmsg_len is fixed up by finish(). */
static void begin(struct msg *m, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = NLCAP_SEQ };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	memset(m, 0, sizeof(*m));
	memcpy(m->b, &h, sizeof(h));
	memcpy(m->b + NLMSG_HDRLEN, &ifi, sizeof(ifi));
	m->len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifi));
}

static void finish(struct msg *m)
{
	uint32_t len = (uint32_t)m->len;
	memcpy(m->b, &len, sizeof(len));
}

static int open_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int one = 1;
	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
		die("setsockopt NETLINK_EXT_ACK");
	if (setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
		die("setsockopt NETLINK_CAP_ACK");
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = NLCAP_PORTID };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("# bind to fixed port id failed (%s), kernel picks one\n", strerror(errno));
		sa.nl_pid = 0;
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("bind");
	}
	return fd;
}

static void send_msg(int fd, const struct msg *m)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	hexdump("req", m->b, m->len);
	if (sendto(fd, m->b, m->len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		die("sendto");
}

/*
 * Receive and print datagrams until the reply is complete: a message without
 * NLM_F_MULTI, NLMSG_DONE, or NLMSG_ERROR. Returns the errno of an NLMSG_ERROR (0 for an
 * ACK or no error message at all).
 */
static int recv_reply(int fd)
{
	for (;;) {
		/* Size the buffer first: dumps can be larger than any fixed guess. */
		ssize_t want = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
		if (want < 0)
			die("recv MSG_PEEK");
		unsigned char *buf = malloc((size_t)want + 1);
		if (!buf)
			die("malloc");
		ssize_t n = recv(fd, buf, (size_t)want, 0);
		if (n < 0)
			die("recv");
		hexdump("rx", buf, (size_t)n);
		int done = 0, err = 0;
		for (size_t off = 0; off + NLMSG_HDRLEN <= (size_t)n;) {
			struct nlmsghdr h;
			memcpy(&h, buf + off, sizeof(h));
			if (h.nlmsg_len < NLMSG_HDRLEN || off + h.nlmsg_len > (size_t)n) {
				printf("# malformed nlmsg_len %u at %zu\n", h.nlmsg_len, off);
				free(buf);
				return -1;
			}
			if (h.nlmsg_type == NLMSG_ERROR) {
				int e;
				memcpy(&e, buf + off + NLMSG_HDRLEN, sizeof(e));
				err = -e;
				printf("# NLMSG_ERROR error %d (%s)\n", e, e ? strerror(-e) : "ACK");
				done = 1;
			} else if (h.nlmsg_type == NLMSG_DONE) {
				done = 1;
			} else if (!(h.nlmsg_flags & NLM_F_MULTI)) {
				done = 1;
			}
			off += NLMSG_ALIGN(h.nlmsg_len);
		}
		free(buf);
		if (done)
			return err;
	}
}

static int ifindex_of(const char *name)
{
	int i = (int)if_nametoindex(name);
	if (!i) {
		fprintf(stderr, "nlcap: no interface %s\n", name);
		exit(1);
	}
	printf("# %s ifindex %d\n", name, i);
	return i;
}

static uint32_t num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	if (*s == '\0' || *end != '\0') {
		fprintf(stderr, "nlcap: not a number: %s\n", s);
		exit(1);
	}
	return (uint32_t)v;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int v[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)v[i];
	return 0;
}

/* Encode one IFLA_VF_* setting from argv; returns the number of argv entries used. */
static int put_vf_setting(struct msg *m, uint32_t vf, int argc, char **argv)
{
	const char *k = argv[0];
#define NEED(n)                   \
	do {                      \
		if (argc < (n) + 1) \
			usage();  \
	} while (0)
	if (!strcmp(k, "mac")) {
		struct ifla_vf_mac v = { .vf = vf };
		NEED(1);
		if (parse_mac(argv[1], v.mac))
			usage();
		put(m, IFLA_VF_MAC, &v, sizeof(v));
		return 2;
	} else if (!strcmp(k, "vlan")) {
		struct ifla_vf_vlan v = { .vf = vf };
		NEED(2);
		v.vlan = num(argv[1]);
		v.qos = num(argv[2]);
		put(m, IFLA_VF_VLAN, &v, sizeof(v));
		return 3;
	} else if (!strcmp(k, "vlanlist")) {
		struct ifla_vf_vlan_info v;
		NEED(3);
		memset(&v, 0, sizeof(v)); /* the struct's 2 tail bytes go on the wire */
		v.vf = vf;
		v.vlan = num(argv[1]);
		v.qos = num(argv[2]);
		v.vlan_proto = htons((uint16_t)strtoul(argv[3], NULL, 16));
		size_t list = nest_begin(m, IFLA_VF_VLAN_LIST);
		put(m, IFLA_VF_VLAN_INFO, &v, sizeof(v));
		nest_end(m, list);
		return 4;
	} else if (!strcmp(k, "rate")) {
		struct ifla_vf_rate v = { .vf = vf };
		NEED(2);
		v.min_tx_rate = num(argv[1]);
		v.max_tx_rate = num(argv[2]);
		put(m, IFLA_VF_RATE, &v, sizeof(v));
		return 3;
	} else if (!strcmp(k, "txrate")) {
		struct ifla_vf_tx_rate v = { .vf = vf };
		NEED(1);
		v.rate = num(argv[1]);
		put(m, IFLA_VF_TX_RATE, &v, sizeof(v));
		return 2;
	} else if (!strcmp(k, "spoofchk") || !strcmp(k, "trust") || !strcmp(k, "rssquery")) {
		/* ifla_vf_spoofchk, ifla_vf_trust and ifla_vf_rss_query_en share one layout. */
		struct ifla_vf_spoofchk v = { .vf = vf };
		NEED(1);
		v.setting = num(argv[1]);
		put(m, !strcmp(k, "spoofchk") ? IFLA_VF_SPOOFCHK
		       : !strcmp(k, "trust")  ? IFLA_VF_TRUST
					      : IFLA_VF_RSS_QUERY_EN,
		    &v, sizeof(v));
		return 2;
	} else if (!strcmp(k, "linkstate")) {
		struct ifla_vf_link_state v = { .vf = vf };
		NEED(1);
		v.link_state = num(argv[1]);
		put(m, IFLA_VF_LINK_STATE, &v, sizeof(v));
		return 2;
	}
#undef NEED
	fprintf(stderr, "nlcap: unknown VF setting %s\n", k);
	exit(1);
}

int main(int argc, char **argv)
{
	struct msg m;
	int err;
	if (argc < 3)
		usage();
	const char *cmd = argv[1], *name = argv[2];
	int fd = open_socket();

	printf("=== BEGIN %s ===\n", name);
	if (!strcmp(cmd, "getlink") && argc == 5) {
		begin(&m, RTM_GETLINK, NLM_F_REQUEST, ifindex_of(argv[3]));
		put_u32(&m, IFLA_EXT_MASK, num(argv[4]));
	} else if (!strcmp(cmd, "dump") && argc == 4) {
		begin(&m, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 0);
		put_u32(&m, IFLA_EXT_MASK, num(argv[3]));
	} else if (!strcmp(cmd, "setvf") && argc >= 7) {
		uint32_t vf = num(argv[4]);
		begin(&m, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, ifindex_of(argv[3]));
		size_t list = nest_begin(&m, IFLA_VFINFO_LIST);
		size_t info = nest_begin(&m, IFLA_VF_INFO);
		for (int i = 5; i < argc;)
			i += put_vf_setting(&m, vf, argc - i, argv + i);
		nest_end(&m, info);
		nest_end(&m, list);
	} else {
		usage();
	}
	finish(&m);
	send_msg(fd, &m);
	err = recv_reply(fd);
	printf("=== END %s ===\n", name);
	fflush(stdout);
	close(fd);
	return err == 0 ? 0 : err > 0 ? 2 : 1;
}
