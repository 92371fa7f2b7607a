/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_frame: frame builders, parser and rewrite checks of lbbench (see
 * lbb_frame.h). The checksum code here is deliberately independent of the
 * daemon's (src/inet/csum.h): a bench that verified the daemon's rewrites
 * with the daemon's own arithmetic would prove nothing.
 */
#include <string.h>
#include <stdio.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

#include "lbb_frame.h"

const char *const lbb_check_names[LBB_CHECK_MAX] = {
	[LBB_CHECK_OK] = "ok",
#define LBB_CHECK_NAME(id, name) [LBB_CHECK_##id] = name,
	LBB_CHECK_ERRORS(LBB_CHECK_NAME)
#undef LBB_CHECK_NAME
};

/*
 * One's complement sum of the 16-bit words of buf, added to sum, unfolded.
 * Words are read in memory order, so the result is in the same byte order
 * as the frame and is stored back without conversion. An odd last byte is
 * the high half of a word padded with zero, as RFC 1071 says.
 */
static uint32_t sum16(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint16_t w;

	for (; len >= 2; len -= 2, p += 2) {
		memcpy(&w, p, 2);
		sum += w;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, 1);
		sum += w;
	}
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The pseudo-header of UDP/TCP over IPv4 (addresses left to the caller). */
static uint32_t pseudo_sum(uint8_t proto, uint16_t l4len)
{
	return rte_cpu_to_be_16(proto) + rte_cpu_to_be_16(l4len);
}

static uint32_t host_first(const struct lbb_net *net)
{
	return rte_be_to_cpu_32(net->client_net) + 1;
}

/* The VIP's offset among the client hosts (UINT32_MAX when outside). */
static uint32_t vip_offset(const struct lbb_net *net)
{
	return net->vip_off;
}

int lbb_net_init(struct lbb_net *net, char *err, size_t errlen)
{
	uint32_t mask, span;

	if (net->client_plen < 8 || net->client_plen > 30) {
		snprintf(err, errlen, "client prefix length %u: must be 8..30", net->client_plen);
		return -1;
	}
	mask = ~0u << (32 - net->client_plen);
	if (rte_be_to_cpu_32(net->client_net) & ~mask) {
		snprintf(err, errlen, "client prefix has host bits set");
		return -1;
	}
	if (net->nrips == 0 || net->nrips > LBB_MAX_RIPS) {
		snprintf(err, errlen, "need 1..%u real servers, got %u", LBB_MAX_RIPS, net->nrips);
		return -1;
	}
	span = (1u << (32 - net->client_plen)) - 2; /* without network and broadcast */
	net->nhosts = span;
	net->vip_off = rte_be_to_cpu_32(net->vip) - host_first(net);
	if (rte_be_to_cpu_32(net->vip) < host_first(net) || net->vip_off >= span)
		net->vip_off = UINT32_MAX;
	else
		net->nhosts--;
	for (unsigned i = 0; i < net->nrips; i++) {
		if (lbb_is_client_ip(net, net->rips[i])) {
			snprintf(err, errlen, "real server %u is inside the client prefix", i + 1);
			return -1;
		}
	}
	return 0;
}

uint64_t lbb_net_max_flows(const struct lbb_net *net)
{
	return (uint64_t)net->nhosts * LBB_PORTS_PER_HOST;
}

void lbb_flow_tuple(const struct lbb_net *net, uint64_t flow, uint32_t *ip, uint16_t *port)
{
	uint32_t host = (uint32_t)(flow % net->nhosts);
	uint32_t portoff = (uint32_t)(flow / net->nhosts % LBB_PORTS_PER_HOST);

	/* the VIP sits among the client addresses: step over it */
	if (host >= vip_offset(net))
		host++;
	*ip = rte_cpu_to_be_32(host_first(net) + host);
	*port = rte_cpu_to_be_16((uint16_t)(LBB_PORT_LO + portoff));
}

bool lbb_flow_index(const struct lbb_net *net, uint32_t ip, uint16_t port, uint64_t *flow)
{
	uint32_t h = rte_be_to_cpu_32(ip), first = host_first(net), voff = vip_offset(net);
	uint16_t p = rte_be_to_cpu_16(port);
	uint32_t host;

	if (h < first || p < LBB_PORT_LO)
		return false;
	host = h - first;
	if (host == voff)
		return false;
	if (host > voff)
		host--;
	if (host >= net->nhosts)
		return false;
	*flow = (uint64_t)(p - LBB_PORT_LO) * net->nhosts + host;
	return true;
}

bool lbb_is_client_ip(const struct lbb_net *net, uint32_t ip)
{
	uint64_t flow;

	return lbb_flow_index(net, ip, rte_cpu_to_be_16(LBB_PORT_LO), &flow);
}

bool lbb_is_rip(const struct lbb_net *net, uint32_t ip)
{
	for (unsigned i = 0; i < net->nrips; i++)
		if (net->rips[i] == ip)
			return true;
	return false;
}

/* ---- builders ---- */

static void fill_eth(struct rte_ether_hdr *eth, const struct rte_ether_addr *src,
		     const struct rte_ether_addr *dst, uint16_t type)
{
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(src, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(type);
}

static void fill_ipv4(struct rte_ipv4_hdr *ip, uint8_t proto, uint16_t total, uint32_t sip,
		      uint32_t dip)
{
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = sip;
	ip->dst_addr = dip;
}

/* A payload nobody could mistake for zeroed memory. */
static void fill_pattern(uint8_t *p, uint16_t len)
{
	for (uint16_t i = 0; i < len; i++)
		p[i] = (uint8_t)(0xa5 ^ i);
}

int lbb_udp_tmpl_init(struct lbb_udp_tmpl *t, const struct lbb_net *net,
		      const struct rte_ether_addr *src, const struct rte_ether_addr *dst,
		      unsigned size)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)t->frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint16_t l4len;

	if (size < LBB_MIN_FRAME || size > LBB_MAX_FRAME)
		return -1;
	memset(t, 0, sizeof(*t));
	t->len = (uint16_t)(size - LBB_FCS);
	l4len = (uint16_t)(t->len - RTE_ETHER_HDR_LEN - sizeof(*ip));
	fill_eth(eth, src, dst, RTE_ETHER_TYPE_IPV4);
	fill_ipv4(ip, IPPROTO_UDP, (uint16_t)(l4len + sizeof(*ip)), 0, net->vip);
	udp->dst_port = net->vport;
	udp->dgram_len = rte_cpu_to_be_16(l4len);
	fill_pattern((uint8_t *)(udp + 1), (uint16_t)(l4len - sizeof(*udp)));
	/* the stamp area counts as zero; lbb_udp_build adds the real stamp */
	memset(udp + 1, 0, sizeof(struct lbb_stamp));
	t->ip_sum0 = sum16(ip, sizeof(*ip), 0);
	t->udp_sum0 = sum16(udp, l4len, pseudo_sum(IPPROTO_UDP, l4len));
	t->udp_sum0 = sum16(&ip->dst_addr, 4, t->udp_sum0);
	return 0;
}

void lbb_udp_build(const struct lbb_udp_tmpl *t, const struct lbb_net *net, uint64_t flow,
		   const struct lbb_stamp *stamp, uint8_t *buf)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint32_t sip, usum;
	uint16_t sport, c;

	lbb_flow_tuple(net, flow, &sip, &sport);
	memcpy(buf, t->frame, t->len);
	ip->src_addr = sip;
	ip->hdr_checksum = (uint16_t)~fold(sum16(&sip, 4, t->ip_sum0));
	udp->src_port = sport;
	usum = sum16(&sip, 4, t->udp_sum0) + sport;
	if (stamp) {
		memcpy(udp + 1, stamp, sizeof(*stamp));
		usum = sum16(stamp, sizeof(*stamp), usum);
	}
	c = (uint16_t)~fold(usum);
	udp->dgram_cksum = c ? c : 0xffff; /* 0 would mean "no checksum" */
}

uint16_t lbb_tcp_build(uint8_t *buf, uint16_t room, const struct rte_ether_addr *src,
		       const struct rte_ether_addr *dst, const struct lbb_tcp_seg *s)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t l4len = (uint16_t)(sizeof(*tcp) + s->plen);
	uint16_t len = (uint16_t)(LBB_HDRS_TCP + s->plen);
	uint32_t sum;

	if (room < len || len > LBB_MAX_FRAME - LBB_FCS)
		return 0;
	fill_eth(eth, src, dst, RTE_ETHER_TYPE_IPV4);
	fill_ipv4(ip, IPPROTO_TCP, (uint16_t)(l4len + sizeof(*ip)), s->sip, s->dip);
	ip->hdr_checksum = (uint16_t)~fold(sum16(ip, sizeof(*ip), 0));
	memset(tcp, 0, sizeof(*tcp));
	tcp->src_port = s->sport;
	tcp->dst_port = s->dport;
	tcp->sent_seq = rte_cpu_to_be_32(s->seq);
	tcp->recv_ack = rte_cpu_to_be_32(s->ack);
	tcp->data_off = (uint8_t)((sizeof(*tcp) / 4) << 4);
	tcp->tcp_flags = s->flags;
	tcp->rx_win = rte_cpu_to_be_16(65535);
	fill_pattern((uint8_t *)(tcp + 1), s->plen);
	sum = sum16(&ip->src_addr, 8, pseudo_sum(IPPROTO_TCP, l4len));
	tcp->cksum = (uint16_t)~fold(sum16(tcp, l4len, sum));
	/* Ethernet minimum: pad (after the IP datagram, outside every checksum) */
	if (len < LBB_MIN_FRAME - LBB_FCS && room >= LBB_MIN_FRAME - LBB_FCS) {
		memset(buf + len, 0, LBB_MIN_FRAME - LBB_FCS - len);
		len = LBB_MIN_FRAME - LBB_FCS;
	}
	return len;
}

/* ---- ARP ---- */

void lbb_arp_reply(uint8_t *frame, const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	uint32_t target = arp->arp_data.arp_tip;

	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(mac, &eth->src_addr);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	rte_ether_addr_copy(mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = target;
}

uint16_t lbb_arp_request(uint8_t *buf, const struct rte_ether_addr *mac, uint32_t sip,
			 uint32_t target)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	struct rte_ether_addr bcast = { .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

	memset(buf, 0, LBB_MIN_FRAME - LBB_FCS);
	fill_eth(eth, mac, &bcast, RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = sip;
	arp->arp_data.arp_tip = target;
	return LBB_MIN_FRAME - LBB_FCS;
}

/* ---- parsing ---- */

static enum lbb_pkt_kind parse_arp(uint32_t len, struct lbb_pkt *p)
{
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(p->eth + 1);

	if (len < RTE_ETHER_HDR_LEN + sizeof(*arp))
		return LBB_PKT_BAD;
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		return LBB_PKT_OTHER;
	p->sip = arp->arp_data.arp_sip;
	p->dip = arp->arp_data.arp_tip;
	if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		return LBB_PKT_ARP_REQUEST;
	if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
		return LBB_PKT_ARP_REPLY;
	return LBB_PKT_OTHER;
}

/* The IPv4 packet at ip, room bytes of frame from there on; one IPIP
 * header (dpvs -i) is looked through. */
static enum lbb_pkt_kind parse_ipv4(struct rte_ipv4_hdr *ip, uint32_t room, struct lbb_pkt *p)
{
	uint32_t ihl, l4len;

	if (room < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		return LBB_PKT_BAD;
	ihl = (ip->version_ihl & 0xf) * 4u;
	p->ip = ip;
	p->l3len = rte_be_to_cpu_16(ip->total_length);
	if (ihl < sizeof(*ip) || p->l3len < ihl || p->l3len > room)
		return LBB_PKT_BAD;
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return LBB_PKT_OTHER;
	if (ip->next_proto_id == IPPROTO_IPIP && !p->outer) {
		p->outer = ip;
		return parse_ipv4((struct rte_ipv4_hdr *)((uint8_t *)ip + ihl), p->l3len - ihl, p);
	}
	p->sip = ip->src_addr;
	p->dip = ip->dst_addr;
	p->l4 = (uint8_t *)ip + ihl;
	l4len = p->l3len - ihl;
	if (ip->next_proto_id == IPPROTO_UDP) {
		struct rte_udp_hdr *udp = p->l4;

		if (l4len < sizeof(*udp) || rte_be_to_cpu_16(udp->dgram_len) != l4len)
			return LBB_PKT_BAD;
		p->sport = udp->src_port;
		p->dport = udp->dst_port;
		p->payload = (uint8_t *)(udp + 1);
		p->plen = (uint16_t)(l4len - sizeof(*udp));
		return LBB_PKT_UDP;
	}
	if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *tcp = p->l4;
		uint32_t doff;

		if (l4len < sizeof(*tcp))
			return LBB_PKT_BAD;
		doff = (tcp->data_off >> 4) * 4u;
		if (doff < sizeof(*tcp) || doff > l4len)
			return LBB_PKT_BAD;
		p->sport = tcp->src_port;
		p->dport = tcp->dst_port;
		p->payload = (uint8_t *)tcp + doff;
		p->plen = (uint16_t)(l4len - doff);
		return LBB_PKT_TCP;
	}
	return LBB_PKT_OTHER;
}

enum lbb_pkt_kind lbb_parse(uint8_t *frame, uint32_t len, struct lbb_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->eth = (struct rte_ether_hdr *)frame;
	if (len < RTE_ETHER_HDR_LEN)
		p->kind = LBB_PKT_BAD;
	else if (p->eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		p->kind = parse_arp(len, p);
	else if (p->eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		p->kind = parse_ipv4((struct rte_ipv4_hdr *)(p->eth + 1), len - RTE_ETHER_HDR_LEN, p);
	else
		p->kind = LBB_PKT_OTHER;
	return p->kind;
}

/* ---- checks ---- */

enum lbb_check_err lbb_check_csums(const struct lbb_pkt *p)
{
	uint32_t ihl = (p->ip->version_ihl & 0xf) * 4u;
	uint16_t l4len = (uint16_t)(p->l3len - ihl);
	uint32_t sum;

	if (fold(sum16(p->ip, ihl, 0)) != 0xffff)
		return LBB_CHECK_IP_CSUM;
	if (p->kind == LBB_PKT_UDP && ((struct rte_udp_hdr *)p->l4)->dgram_cksum == 0)
		return LBB_CHECK_OK;
	sum = sum16(&p->ip->src_addr, 8, pseudo_sum(p->ip->next_proto_id, l4len));
	if (fold(sum16(p->l4, l4len, sum)) != 0xffff)
		return LBB_CHECK_L4_CSUM;
	return LBB_CHECK_OK;
}

static enum lbb_check_err check_common(const struct lbb_pkt *p)
{
	if (p->kind != LBB_PKT_UDP && p->kind != LBB_PKT_TCP)
		return LBB_CHECK_UNEXPECTED;
	if (p->ip->time_to_live == 0 || p->ip->time_to_live > 64)
		return LBB_CHECK_BAD_TTL;
	return lbb_check_csums(p);
}

enum lbb_check_err lbb_check_at_server(const struct lbb_net *net, const struct lbb_pkt *p)
{
	enum lbb_check_err e = check_common(p);
	uint64_t flow;

	if (e != LBB_CHECK_OK)
		return e;
	/* a tunnel only with -i: from the DIP to a real server */
	if ((p->outer != NULL) != (net->fwd == LBB_FWD_TUN))
		return LBB_CHECK_UNEXPECTED;
	if (p->outer) {
		if (fold(sum16(p->outer, (p->outer->version_ihl & 0xf) * 4u, 0)) != 0xffff)
			return LBB_CHECK_IP_CSUM;
		if (p->outer->src_addr != net->gw_server)
			return LBB_CHECK_BAD_SRC;
		if (!lbb_is_rip(net, p->outer->dst_addr))
			return LBB_CHECK_BAD_DST;
	}
	/* Full-NAT: the client is gone from the packet; the LIP stands in */
	if (net->fwd == LBB_FWD_FNAT ? ntohl(p->sip) - ntohl(net->lip) >= net->nlips :
				       !lbb_flow_index(net, p->sip, p->sport, &flow))
		return LBB_CHECK_BAD_SRC;
	switch (net->fwd) {
	case LBB_FWD_NAT:
	case LBB_FWD_FNAT:
		if (!lbb_is_rip(net, p->dip) || p->dport != net->rport)
			return LBB_CHECK_BAD_DST;
		break;
	case LBB_FWD_NONE:
	case LBB_FWD_DR:
	case LBB_FWD_TUN: /* the packet itself is the client's, untouched */
		if (p->dip != net->vip || p->dport != net->vport)
			return LBB_CHECK_BAD_DST;
		break;
	}
	return LBB_CHECK_OK;
}

enum lbb_check_err lbb_check_at_client(const struct lbb_net *net, const struct lbb_pkt *p,
				       bool loopback)
{
	enum lbb_check_err e = check_common(p);
	uint64_t flow;

	if (e != LBB_CHECK_OK)
		return e;
	if (p->outer)
		return LBB_CHECK_UNEXPECTED;
	if (loopback) {
		/* our own frame, bounced: nothing may have changed */
		if (!lbb_flow_index(net, p->sip, p->sport, &flow))
			return LBB_CHECK_BAD_SRC;
		if (p->dip != net->vip || p->dport != net->vport)
			return LBB_CHECK_BAD_DST;
		return LBB_CHECK_OK;
	}
	if (p->sip != net->vip || p->sport != net->vport)
		return LBB_CHECK_BAD_SRC;
	if (!lbb_flow_index(net, p->dip, p->dport, &flow))
		return LBB_CHECK_BAD_DST;
	return LBB_CHECK_OK;
}

void lbb_swap_addrs(struct lbb_pkt *p)
{
	struct rte_ether_addr mac = p->eth->src_addr;
	uint32_t ip = p->ip->src_addr;
	uint16_t *ports = p->l4; /* UDP and TCP both start with sport, dport */
	uint16_t port = ports[0];

	p->eth->src_addr = p->eth->dst_addr;
	p->eth->dst_addr = mac;
	p->ip->src_addr = p->ip->dst_addr;
	p->ip->dst_addr = ip;
	ports[0] = ports[1];
	ports[1] = port;
	p->sip = p->ip->src_addr;
	p->dip = p->ip->dst_addr;
	p->sport = ports[0];
	p->dport = ports[1];
}

uint16_t lbb_strip_ip_options(struct lbb_pkt *p)
{
	uint16_t ihl = (uint16_t)((p->ip->version_ihl & 0xf) * 4u);
	uint16_t opt = (uint16_t)(ihl - sizeof(struct rte_ipv4_hdr));
	uint8_t *start = (uint8_t *)p->eth;

	if (!opt || p->outer)
		return 0;
	/* Ethernet header and the fixed IPv4 header, opt bytes forward */
	memmove(start + opt, start, RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr));
	p->eth = (struct rte_ether_hdr *)(start + opt);
	p->ip = (struct rte_ipv4_hdr *)(p->eth + 1);
	p->ip->version_ihl = RTE_IPV4_VHL_DEF;
	p->l3len = (uint16_t)(p->l3len - opt);
	p->ip->total_length = rte_cpu_to_be_16(p->l3len);
	p->ip->hdr_checksum = 0;
	p->ip->hdr_checksum = (uint16_t)~fold(sum16(p->ip, sizeof(struct rte_ipv4_hdr), 0));
	return opt;
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

uint64_t lbb_flow_stride(uint64_t n)
{
	uint64_t s = n * 618 / 1000;

	if (n <= 2)
		return 1;
	while (gcd_u64(s, n) != 1)
		s++;
	return s;
}
