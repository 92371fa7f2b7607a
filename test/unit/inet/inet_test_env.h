/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the inet tests and the eth_input fuzz target share: two fake ports
 * (netif is not linked), a fake L4 hook standing in for IPVS, a test worker, and builders of
 * the frames the tests feed to eth_input. Include from one file per
 * executable, after dp_test_env.h.
 *
 * dpdk0: port_idx 0, MAC 02:00:00:00:00:01, MTU 1500, with a KNI.
 * dpdk1: port_idx 1, MAC 02:00:00:00:00:02, MTU 1500, without a KNI.
 */
#ifndef DPVS_INET_TEST_ENV_H
#define DPVS_INET_TEST_ENV_H

#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "inet/csum.h"
#include "inet/inet.h"
#include "netif/netif.h"
#include "dp/dp.h"

#define T_NPORTS 2

struct dp_port netif_ports[DP_MAX_PORTS] = {
	{ .idx = 0, .port_id = 0, .kni_port_id = 10, .mtu = 1500,
	  .mac = { { 0x02, 0, 0, 0, 0, 0x01 } }, .name = "dpdk0", .kni_name = "dpdk0.kni" },
	{ .idx = 1, .port_id = 1, .kni_port_id = DP_PORT_NONE, .mtu = 1500,
	  .mac = { { 0x02, 0, 0, 0, 0, 0x02 } }, .name = "dpdk1" },
};

unsigned netif_nports = T_NPORTS;
#define t_ports netif_ports

#include "../netif_fake.h"

/* The layer above the stack (IPVS in the daemon), as a registered hook:
 * ACCEPT, or STOLEN (frees the packet and counts it). */
static enum inet_verdict t_ipvs_verdict = INET_ACCEPT;
static unsigned t_ipvs_seen, t_ipvs_stolen;

static enum inet_verdict t_l4_hook(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	(void)w;
	(void)port_idx;
	t_ipvs_seen++;
	if (t_ipvs_verdict == INET_STOLEN) {
		t_ipvs_stolen++;
		rte_pktmbuf_free(m);
	}
	return t_ipvs_verdict;
}

static struct worker t_worker;

/* Frees whatever the worker queued for tx and the KNI; returns how many. */
static inline unsigned t_drain(struct worker *w)
{
	unsigned n = 0;

	for (unsigned p = 0; p < DP_MAX_PORTS; p++) {
		n += w->tx[p].n + w->kni_tx[p].n;
		rte_pktmbuf_free_bulk(w->tx[p].pkts, w->tx[p].n);
		rte_pktmbuf_free_bulk(w->kni_tx[p].pkts, w->kni_tx[p].n);
		w->tx[p].n = 0;
		w->kni_tx[p].n = 0;
	}
	return n;
}

static inline int t_addr(const char *ifname, const char *ip, uint8_t plen, uint16_t flags,
			 char *err, size_t errlen)
{
	struct dpvs_addr a = { .family = AF_INET, .prefixlen = plen, .flags = flags };

	snprintf(a.ifname, sizeof(a.ifname), "%s", ifname);
	a.addr.in.s_addr = inet_addr(ip);
	return inet_addr_add(&a, err, errlen);
}

static inline int t_route(const char *ifname, const char *dst, uint8_t plen, const char *gw,
			  char *err, size_t errlen)
{
	struct dpvs_route r = { .family = AF_INET, .prefixlen = plen };

	snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	r.dst.in.s_addr = inet_addr(dst);
	r.gateway.in.s_addr = gw ? inet_addr(gw) : 0;
	return inet_route_add(&r, err, errlen);
}

/* ---- frame builders: each writes at buf and returns the length ---- */

static inline size_t t_eth(uint8_t *buf, const struct rte_ether_addr *dst,
			   const struct rte_ether_addr *src, uint16_t type)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)buf;

	e->dst_addr = *dst;
	e->src_addr = *src;
	e->ether_type = rte_cpu_to_be_16(type);
	return sizeof(*e);
}

static inline size_t t_arp(uint8_t *buf, uint16_t op, const struct rte_ether_addr *sha,
			   const char *sip, const struct rte_ether_addr *tha, const char *tip)
{
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)buf;

	memset(a, 0, sizeof(*a));
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = *sha;
	a->arp_data.arp_sip = inet_addr(sip);
	a->arp_data.arp_tha = *tha;
	a->arp_data.arp_tip = inet_addr(tip);
	return sizeof(*a);
}

/* An IPv4 header (no options) for payload_len bytes of proto. */
static inline size_t t_ipv4(uint8_t *buf, const char *src, const char *dst, uint8_t proto,
			    uint8_t ttl, uint16_t payload_len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + payload_len);
	ip->packet_id = RTE_BE16(0x1234);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = ttl;
	ip->next_proto_id = proto;
	ip->src_addr = inet_addr(src);
	ip->dst_addr = inet_addr(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return sizeof(*ip);
}

/* An echo request with `data` bytes of payload (0, 1, 2... pattern). */
static inline size_t t_icmp_echo(uint8_t *buf, uint16_t data)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)buf;

	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_ident = RTE_BE16(0x4242);
	ic->icmp_seq_nb = RTE_BE16(7);
	for (uint16_t i = 0; i < data; i++)
		buf[sizeof(*ic) + i] = (uint8_t)i;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(buf, sizeof(*ic) + data);
	return sizeof(*ic) + data;
}

#endif /* DPVS_INET_TEST_ENV_H */
