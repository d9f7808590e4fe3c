/*
 * The libnl-route-3 peer of vfnl's benchmarks (docs/PERFORMANCE.md).
 *
 * Usage: libnl_bench DATA_DIR
 *
 * Reads the inputs vfnl-bench wrote into DATA_DIR (d1_64.bin, d1_max.bin), runs each
 * scenario through libnl's public API, writes libnl's encodings (libnl_e1.bin, libnl_e2.bin)
 * back for the harness to compare with iproute2's bytes, and prints one tab-separated line
 * per scenario:
 *
 *   scenario  median_ns  min_ns  mallocs_per_op  bytes_per_op  checksum
 *
 * Heap allocations are counted by defining malloc, calloc, realloc and free in this
 * executable: the dynamic linker resolves libnl's (and libc's own) calls to them here, and
 * they forward to glibc's __libc_* entry points after bumping a counter. Every other
 * allocation entry point (memalign & co.) is not used by the code measured.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/sriov.h>

/* ---- malloc counting ---------------------------------------------------------------- */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static unsigned long long n_mallocs, n_bytes;

void *malloc(size_t n)
{
	n_mallocs++;
	n_bytes += n;
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	n_mallocs++;
	n_bytes += a * b;
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	n_mallocs++;
	n_bytes += n;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}

/* ---- timing (same method as bench/src/timing.rs) ------------------------------------ */

typedef uint64_t (*op_fn)(void);

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile uint64_t sink;

static double run_batch(op_fn op, uint64_t iters)
{
	double t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++)
		sink += op();
	return now_ns() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int env_int(const char *k, int d)
{
	const char *v = getenv(k);
	return v && *v ? atoi(v) : d;
}

static void measure(const char *name, op_fn op)
{
	int samples = env_int("BENCH_SAMPLES", 31);
	double target = env_int("BENCH_SAMPLE_MS", 10) * 1e6;
	uint64_t iters = 1;
	for (;;) {
		double t = run_batch(op, iters);
		if (t >= target / 4 || iters >= (1ull << 30)) {
			iters = (uint64_t)(target / (t / iters));
			if (iters < 1)
				iters = 1;
			break;
		}
		iters *= 4;
	}
	double *s = calloc(samples, sizeof(double));
	for (int i = 0; i < samples; i++)
		s[i] = run_batch(op, iters) / iters;
	qsort(s, samples, sizeof(double), cmp_double);

	/* Allocations per op, over 100 calls after a warm-up. */
	uint64_t checksum = op();
	unsigned long long m0 = n_mallocs, b0 = n_bytes;
	for (int i = 0; i < 100; i++)
		sink += op();
	double mallocs = (n_mallocs - m0) / 100.0, bytes = (n_bytes - b0) / 100.0;

	printf("%s\t%.1f\t%.1f\t%.2f\t%.1f\t%llu\n", name, s[samples / 2], s[0], mallocs, bytes,
	       (unsigned long long)checksum);
	free(s);
}

/* ---- inputs ------------------------------------------------------------------------- */

static const uint8_t E1_MAC[6] = {0x52, 0x54, 0x00, 0x01, 0x01, 0x01};
static const uint8_t E2_MAC[6] = {0x52, 0x54, 0x00, 0x01, 0x02, 0x03};
#define E1_IFINDEX 3
#define E1_SEQ 1795592839u

static uint8_t *d1_64, *d1_max;
static uint8_t out[4096];
static size_t out_len;

static uint8_t *slurp(const char *dir, const char *file, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "libnl_bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(n);
	if (fread(b, 1, n, f) != (size_t)n)
		exit(1);
	fclose(f);
	*len = n;
	return b;
}

static void spit(const char *dir, const char *file, const uint8_t *b, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b, 1, n, f) != n)
		exit(1);
	fclose(f);
}

/* ---- encode ------------------------------------------------------------------------- */

/* One RTM_NEWLINK change request for VF `vf` on `ifindex`, appended to `out`. */
static void encode_one(int ifindex, uint32_t seq, uint32_t vf_index, const uint8_t *mac,
		       uint32_t vlan, int spoofchk_trust)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	struct rtnl_link *changes = rtnl_link_alloc();
	struct rtnl_link_vf *vf = rtnl_link_vf_alloc();
	struct nl_addr *addr = nl_addr_build(AF_LLC, mac, 6);
	nl_vf_vlans_t *vlans;
	struct nl_msg *msg;

	rtnl_link_set_ifindex(orig, ifindex);
	rtnl_link_vf_set_index(vf, vf_index);
	rtnl_link_vf_set_addr(vf, addr);
	nl_addr_put(addr);
	rtnl_link_vf_vlan_alloc(&vlans, 1);
	vlans->vlans[0].vf_vlan = vlan;
	vlans->vlans[0].vf_vlan_qos = 0;
	vlans->vlans[0].vf_vlan_proto = ETH_P_8021Q;
	rtnl_link_vf_set_vlans(vf, vlans);
	rtnl_link_vf_vlan_put(vlans);
	if (spoofchk_trust) {
		rtnl_link_vf_set_spoofchk(vf, 1);
		rtnl_link_vf_set_trust(vf, 1);
	}
	rtnl_link_vf_add(changes, vf);
	rtnl_link_vf_put(vf);
	if (rtnl_link_build_change_request(orig, changes, NLM_F_ACK, &msg) < 0) {
		fprintf(stderr, "libnl_bench: rtnl_link_build_change_request failed\n");
		exit(1);
	}
	struct nlmsghdr *h = nlmsg_hdr(msg);
	h->nlmsg_seq = seq; /* libnl assigns seq at send time (nl_complete_msg) */
	memcpy(out + out_len, h, h->nlmsg_len);
	out_len += NLMSG_ALIGN(h->nlmsg_len);
	nlmsg_free(msg);
	rtnl_link_put(changes);
	rtnl_link_put(orig);
}

static uint64_t e1(void)
{
	out_len = 0;
	encode_one(E1_IFINDEX, E1_SEQ, 0, E1_MAC, 42, 1);
	return out_len;
}

static uint64_t e2(void)
{
	out_len = 0;
	encode_one(4, 100, 0, E2_MAC, 42, 0);
	encode_one(5, 101, 0, E2_MAC, 43, 0);
	return out_len;
}

/* ---- decode ------------------------------------------------------------------------- */

/* The checksum every peer computes over the fields it read (bench/src/fold.rs). */
static uint64_t fold(uint64_t h, uint64_t x)
{
	return (h ^ x) * 0x100000001b3ull;
}

struct vf_fields {
	uint32_t vf;
	uint8_t mac[6];
	uint32_t vlan, qos, spoofchk, trust;
};

static uint64_t fold_vf(uint64_t h, const struct vf_fields *f)
{
	uint64_t mac = 0;
	for (int i = 5; i >= 0; i--)
		mac = (mac << 8) | f->mac[i];
	h = fold(h, f->vf);
	h = fold(h, mac);
	h = fold(h, f->vlan);
	h = fold(h, f->qos);
	h = fold(h, f->spoofchk);
	return fold(h, f->trust);
}

static void read_vf(struct rtnl_link_vf *vf, struct vf_fields *f)
{
	struct nl_addr *addr;
	nl_vf_vlans_t *vlans;
	memset(f, 0, sizeof *f);
	f->spoofchk = f->trust = UINT32_MAX; /* not reported */
	rtnl_link_vf_get_index(vf, &f->vf);
	if (rtnl_link_vf_get_addr(vf, &addr) == 0)
		memcpy(f->mac, nl_addr_get_binary_addr(addr), 6);
	if (rtnl_link_vf_get_vlans(vf, &vlans) == 0) {
		f->vlan = vlans->vlans[0].vf_vlan;
		f->qos = vlans->vlans[0].vf_vlan_qos;
		rtnl_link_vf_vlan_put(vlans);
	}
	rtnl_link_vf_get_spoofchk(vf, &f->spoofchk);
	rtnl_link_vf_get_trust(vf, &f->trust);
}

struct parsed {
	struct rtnl_link *link;
};

static void keep_link(struct nl_object *obj, void *arg)
{
	struct parsed *p = arg;
	nl_object_get(obj);
	p->link = (struct rtnl_link *)obj;
}

/* What libnl does with each message it receives: nlmsg_convert (copy into an nl_msg), then
 * the route/link cache parser, which builds an rtnl_link object with its VF list. */
static struct rtnl_link *parse_link(const uint8_t *bytes)
{
	struct nl_msg *msg = nlmsg_convert((struct nlmsghdr *)bytes);
	struct parsed p = {0};
	nlmsg_set_proto(msg, NETLINK_ROUTE);
	if (nl_msg_parse(msg, keep_link, &p) < 0 || !p.link) {
		fprintf(stderr, "libnl_bench: nl_msg_parse failed\n");
		exit(1);
	}
	nlmsg_free(msg);
	return p.link;
}

static uint64_t decode_all(const uint8_t *bytes)
{
	struct rtnl_link *link = parse_link(bytes);
	uint32_t num = 0;
	uint64_t h = 0xcbf29ce484222325ull;
	rtnl_link_get_num_vf(link, &num);
	/* libnl's only public way to a VF is by index (a walk of its list per call). */
	for (uint32_t i = 0; i < num; i++) {
		struct rtnl_link_vf *vf = rtnl_link_vf_get(link, i);
		struct vf_fields f;
		if (!vf)
			continue;
		read_vf(vf, &f);
		h = fold_vf(h, &f);
		rtnl_link_vf_put(vf);
	}
	rtnl_link_put(link);
	return h;
}

static uint64_t d1_n64(void)
{
	return decode_all(d1_64);
}

static uint64_t d1_nmax(void)
{
	return decode_all(d1_max);
}

static uint64_t s1(void)
{
	struct rtnl_link *link = parse_link(d1_64);
	uint64_t h = 0xcbf29ce484222325ull;
	struct rtnl_link_vf *vf = rtnl_link_vf_get(link, 63);
	if (vf) {
		struct vf_fields f;
		read_vf(vf, &f);
		h = fold_vf(h, &f);
		rtnl_link_vf_put(vf);
	}
	rtnl_link_put(link);
	return h;
}

int main(int argc, char **argv)
{
	size_t n;
	if (argc != 2) {
		fprintf(stderr, "usage: libnl_bench DATA_DIR\n");
		return 2;
	}
	d1_64 = slurp(argv[1], "d1_64.bin", &n);
	d1_max = slurp(argv[1], "d1_max.bin", &n);

	e1();
	spit(argv[1], "libnl_e1.bin", out, out_len);
	e2();
	spit(argv[1], "libnl_e2.bin", out, out_len);

	measure("E1", e1);
	measure("E2", e2);
	measure("D1-64", d1_n64);
	measure("D1-max", d1_nmax);
	measure("S1", s1);
	return 0;
}
