// SPDX-License-Identifier: BSD-3-Clause
/*
 * The TUN lab's real-server side of the tunnel (scripts/lab.sh up --mode
 * tun): this kernel has no ipip (nor fou, nor gre) module, so a tc
 * program on the real server's eth0 ingress takes the balancer's outer
 * headers off and the kernel sees the client's packet as if it had come
 * on eth0, addressed to the VIP the server holds on lo.
 *
 * Taken off, when the outer IPv4 header has no options and is not a
 * fragment (fragments pass as they are: the kernel would have to
 * reassemble them first):
 *   - protocol 4 (IPIP): the outer header, 20 bytes;
 *   - UDP to GUE_PORT with a GUE header of version 0, no options and
 *     proto_ctype 4: outer, UDP and GUE headers, 32 bytes;
 *   - protocol 47 (GRE) version 0 carrying 0x0800, without key nor
 *     sequence: outer and GRE headers, 24 bytes, or 28 with the checksum.
 * Anything else passes untouched. The checksums of the tunnel are not
 * verified here (the kernel's own decapsulation would; the lab checks
 * them in its capture and the unit tests from scratch).
 *
 *   clang -O2 -target bpf -I/usr/include/x86_64-linux-gnu -DGUE_PORT=6080 \
 *         -c tun_decap.bpf.c -o tun_decap.o
 *   tc qdisc add dev eth0 clsact
 *   tc filter add dev eth0 ingress bpf da obj tun_decap.o sec tc
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef GUE_PORT
#define GUE_PORT 6080
#endif

#define GRE_F_CSUM 0x8000
#define GRE_F_OTHER 0x7fff /* routing, key, sequence, version: none taken */

/* The most we read: Ethernet, outer IPv4, UDP and GUE (or GRE). */
#define HDRS_MAX (sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr) + 4)

SEC("tc")
int tun_decap(struct __sk_buff *skb)
{
	void *data, *end;
	struct ethhdr *eth;
	struct iphdr *ip;
	int strip = 0;

	/* a frame sent through a packet socket's ring (the balancer's
	 * af_packet port) may hold little more than its Ethernet header in
	 * the linear part: direct access sees only that */
	if (skb->len >= HDRS_MAX)
		bpf_skb_pull_data(skb, HDRS_MAX);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (ip->ihl != 5 || (ip->frag_off & bpf_htons(0x3fff)))
		return TC_ACT_OK;
	if (ip->protocol == IPPROTO_IPIP) {
		strip = sizeof(*ip);
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *u = (void *)(ip + 1);
		__u8 *gue = (void *)(u + 1);

		if ((void *)(gue + 4) > end || u->dest != bpf_htons(GUE_PORT))
			return TC_ACT_OK;
		if (gue[0] != 0 || gue[1] != IPPROTO_IPIP)
			return TC_ACT_OK;
		strip = sizeof(*ip) + sizeof(*u) + 4;
	} else if (ip->protocol == IPPROTO_GRE) {
		__be16 *g = (void *)(ip + 1);

		if ((void *)(g + 2) > end || g[1] != bpf_htons(ETH_P_IP) ||
		    (g[0] & bpf_htons(GRE_F_OTHER)))
			return TC_ACT_OK;
		strip = sizeof(*ip) + 4 + ((g[0] & bpf_htons(GRE_F_CSUM)) ? 4 : 0);
	} else {
		return TC_ACT_OK;
	}
	if (bpf_skb_adjust_room(skb, -strip, BPF_ADJ_ROOM_MAC, 0))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
