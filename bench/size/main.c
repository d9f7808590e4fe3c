/* The minimal C program of the size probe (measure.sh): reads a message on stdin, decodes
 * it, encodes a SETLINK, prints two numbers. Built with -DBASELINE the two calls are gone
 * and the rest is the same, so the difference in size is what vfnl adds. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct vfnl_size_vf {
	uint32_t vf;
	uint8_t mac[6];
	uint32_t vlan, qos, spoofchk, trust;
};

#ifndef BASELINE
ssize_t vfnl_size_encode_setlink(uint32_t ifindex, uint32_t vf, const uint8_t *mac,
				 uint32_t vlan, uint32_t qos, bool spoofchk, bool trust,
				 uint8_t *out, size_t out_len);
ssize_t vfnl_size_decode_link(const uint8_t *msg, size_t len, struct vfnl_size_vf *vfs,
			      size_t cap);
#endif

static uint8_t in[1 << 17], out[256];
static struct vfnl_size_vf vfs[256];

int main(int argc, char **argv)
{
	(void)argv;
	size_t n = fread(in, 1, sizeof in, stdin);
	ssize_t decoded = -1, encoded = -1;
	const uint8_t mac[6] = {0x52, 0x54, 0, 1, 1, (uint8_t)argc};
#ifndef BASELINE
	decoded = vfnl_size_decode_link(in, n, vfs, 256);
	encoded = vfnl_size_encode_setlink(3, 0, mac, 42, 0, true, true, out, sizeof out);
#else
	(void)mac;
	(void)n;
	(void)vfs;
	(void)out;
#endif
	printf("%zd %zd\n", decoded, encoded);
	return 0;
}
