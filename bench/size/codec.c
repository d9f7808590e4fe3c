/* The size probe's C program (bench/size/measure.sh): a stack that owns its socket and uses
 * libvfnl's whole encode/decode API, everything but the three functions that touch the
 * system (vfnl_resolve_vf, vfnl_apply, vfnl_release). It reads a RTM_NEWLINK reply on stdin,
 * decodes it, snapshots port 1 from it, encodes a dual-port batch and its restore batch,
 * feeds the reply to the ACK tracker, and prints what it got. Built with -DBASELINE every
 * vfnl call is gone and the rest is the same, so the difference in size is what libvfnl.a
 * adds to a C program. */
#include <stdio.h>
#include <string.h>
#ifndef BASELINE
#include <vfnl.h>
#endif

static unsigned char in[1 << 17], buf[4096], snap_buf[4096];

#ifndef BASELINE
static int codec(size_t n)
{
	struct vfnl_pci_address pci;
	char text[32];
	size_t len = 0;
	if (vfnl_pci_parse("0000:06:02.0", &pci) != VFNL_OK ||
	    vfnl_pci_format(&pci, text, sizeof text, &len) != VFNL_OK)
		return 1;
	printf("libvfnl %s, VF %s\n", vfnl_version(), text);

	struct vfnl_link link = {0};
	vfnl_result r = vfnl_link_parse(in, n, &link);
	printf("link: %s\n", vfnl_strerror(r));
	if (r == VFNL_OK) {
		struct vfnl_vf_cursor cur = {0, 0};
		struct vfnl_vf_info vf;
		unsigned char has = 0;
		unsigned count = 0;
		while ((r = vfnl_vf_next(in, n, &cur, &vf, &has)) == VFNL_OK && has)
			count++;
		printf("%s: %u VFs (%s)\n", link.ifname, count, vfnl_strerror(r));
	}

	struct vfnl_port ports[2];
	struct vfnl_assignment a;
	memset(ports, 0, sizeof ports);
	memset(&a, 0, sizeof a);
	a.nports = 2;
	for (int i = 0; i < 2; i++) {
		ports[i].number = (unsigned char)(i + 1);
		/* Both ports on the replying netdev, so that the reply can be captured for each. */
		ports[i].ifindex = (unsigned)link.ifindex;
		a.ports[i].port = (unsigned char)(i + 1);
		a.ports[i].vf.set = VFNL_SET_MAC | VFNL_SET_VLAN | VFNL_SET_SPOOFCHK;
		memcpy(a.ports[i].vf.mac, "\x52\x54\x00\x01\x02\x03", 6);
		a.ports[i].vf.mac_len = 6;
		a.ports[i].vf.vlan = (unsigned)(42 + i);
		a.ports[i].vf.vlan_proto = VFNL_VLAN_PROTO_8021Q;
		a.ports[i].vf.spoofchk = 1;
	}
	struct vfnl_batch batch;
	size_t needed = 0;
	r = vfnl_batch_encode(&a, ports, 2, 1, buf, sizeof buf, &needed, &batch);
	printf("batch: %s, %zu bytes\n", vfnl_strerror(r), needed);
	if (r != VFNL_OK)
		return 1;

	struct vfnl_acks acks;
	struct vfnl_feed_report report;
	if (vfnl_acks_init(&batch, &acks) != VFNL_OK)
		return 1;
	r = vfnl_acks_feed(&acks, in, n, buf, batch.len, &report);
	printf("acks: %s\n", vfnl_strerror(r));

	unsigned char req[64];
	r = vfnl_getlink_encode(4, 3, 1, req, sizeof req, &needed);
	printf("getlink: %s, %zu bytes\n", vfnl_strerror(r), needed);

	unsigned char complete = 0;
	r = vfnl_snapshot_new(&a, ports, 2, &pci, snap_buf, VFNL_SNAPSHOT_LEN);
	for (unsigned char port = 1; port <= 2 && r == VFNL_OK; port++)
		r = vfnl_snapshot_capture(snap_buf, VFNL_SNAPSHOT_LEN, port, in, n);
	printf("capture: %s\n", vfnl_strerror(r));
	r = vfnl_snapshot_check(snap_buf, VFNL_SNAPSHOT_LEN, &complete);
	printf("snapshot: %s, complete %u\n", vfnl_strerror(r), complete);
	r = vfnl_snapshot_restore_encode(snap_buf, VFNL_SNAPSHOT_LEN, 9, buf, sizeof buf, &needed,
					 &batch);
	printf("restore: %s\n", vfnl_strerror(r));
	return 0;
}
#endif

int main(void)
{
	size_t n = fread(in, 1, sizeof in, stdin);
#ifndef BASELINE
	return codec(n);
#else
	printf("%zu %p %p\n", n, (void *)buf, (void *)snap_buf);
	return 0;
#endif
}
