/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the whole data path with IPVS in it: frames go
 * through eth_input -> ipv4 -> ipvs_in (conns, schedulers, NAT, ICMP
 * errors) -> route -> neighbour -> dp_tx, and the worker flushes them to
 * DPDK ring ports. The balancer is the one of test/unit/path/
 * path_test_env.h (real stack and IPVS, ring ports), set up once through
 * the control API, with NAT TCP and UDP services, a persistent TCP
 * service and a persistent port-0 UDP service whose dest has no port,
 * and services forwarding by DR (UDP VIP:8053) and TUN (UDP VIP:9053 in
 * GUE with its checksum, TCP VIP:9000 in IPIP); SCTP by NAT (VIP:2905 to
 * port 2906: the CRC32c recomputed) and DR (VIP:2907); a persistent UDP
 * service with --pe sip (VIP:5060: templates by Call-ID).
 *
 * Each input first re-plays a few valid flows (so there are conns to
 * hit: TCP to VIP:80, UDP to VIP:53, TCP to the persistent VIP:443, UDP
 * to VIP2:5000) and then is read as up to 8 records, each one frame:
 *
 *   flags tmpl off n trim data[n]
 *
 * tmpl picks a template (a client packet of one of those flows, the real
 * server's reply, ICMP errors quoting them, ARP, echo, oversize packets,
 * a stray reply, ...); data is XORed into the frame at off; trim bytes
 * are cut off its end. flags: 0x01 the other port (to its MAC); 0x02 IP total length
 * set to the frame's; 0x04 IP header checksum fixed; 0x08 TCP/UDP
 * checksum (SCTP: CRC32c) fixed; 0x10 the clock advances (timers run); 0x20 the NIC
 * checked the IP header checksum (and says truly good or bad); 0x40 flush
 * right after it.
 *
 * After each input it checks, and aborts when one fails:
 *  - fates add up (include/dpvs/ctl.h), per port: what a port received
 *    and has no fate yet is only what waits for ARP in a neighbour queue,
 *    or what the control thread dropped from one (inet_neigh_ctl_drops);
 *    so rx - fates - ctl_drops >= 0 on every port, and the sum of these
 *    is the number of packets queued in the neighbour table;
 *  - every mbuf is back in the pool, but for those queued;
 *  - every frame sent leaves from its port's MAC, and an IPv4 one has a
 *    right header checksum and fits the port's MTU.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/dp_test_env.h"
#include "../unit/path/path_test_env.h"

static struct worker w;
static struct dpvs_neigh neighs[4096];

/* The baseline flows and the real server each one went to. */
enum { FL_TCP, FL_UDP, FL_PTCP, FL_PUDP, NFLOWS };
static const struct p_l4 flows[NFLOWS] = {
	[FL_TCP] = { .proto = IPPROTO_TCP, .src = CIP, .sport = 20000, .dst = VIP, .dport = 80,
		     .payload = 32 },
	[FL_UDP] = { .proto = IPPROTO_UDP, .src = CIP, .sport = 21000, .dst = VIP, .dport = 53,
		     .payload = 32 },
	[FL_PTCP] = { .proto = IPPROTO_TCP, .src = CIP2, .sport = 22000, .dst = VIP,
		      .dport = 443, .payload = 32 },
	[FL_PUDP] = { .proto = IPPROTO_UDP, .src = CIP2, .sport = 23000, .dst = VIP2,
		      .dport = 5000, .payload = 32 },
};
static char rip[NFLOWS][INET_ADDRSTRLEN];
static uint16_t rport[NFLOWS];

static void die(const char *what)
{
	fprintf(stderr, "fuzz_ipvs_path: %s\n", what);
	abort();
}

/* Frames that left: checked and freed. */
static void drain_and_check(void)
{
	struct rte_mbuf *m[64];
	unsigned n;

	dp_tx_flush(&w);
	for (uint16_t p = 0; p < P_NPORTS; p++) {
		while ((n = p_take(p_tx_ring[p], m, 64)) > 0) {
			for (unsigned i = 0; i < n; i++) {
				const struct rte_ether_hdr *e =
					rte_pktmbuf_mtod(m[i], const struct rte_ether_hdr *);
				const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(e + 1);

				if (rte_pktmbuf_data_len(m[i]) < sizeof(*e) ||
				    !rte_is_same_ether_addr(&e->src_addr, &p_mac[p]))
					die("a frame left without its port's MAC");
				if (e->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
					continue;
				if (rte_pktmbuf_data_len(m[i]) < sizeof(*e) + sizeof(*ip) ||
				    rte_pktmbuf_data_len(m[i]) < sizeof(*e) + rte_ipv4_hdr_len(ip) ||
				    rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)) != 0xffff)
					die("an IPv4 frame left with a broken header");
				if (rte_be_to_cpu_16(ip->total_length) > netif_ports[p].mtu)
					die("an IPv4 packet left bigger than its port's MTU");
			}
			rte_pktmbuf_free_bulk(m, n);
		}
	}
	while ((n = p_take(p_kni_ring, m, 64)) > 0)
		rte_pktmbuf_free_bulk(m, n);
}

static void check_invariants(void)
{
	unsigned nn = inet_neigh_list(neighs, RTE_DIM(neighs));
	int64_t queued = 0, waiting = 0;
	struct rte_mempool *mp = dp_test_eal();

	for (unsigned i = 0; i < nn && i < RTE_DIM(neighs); i++)
		queued += neighs[i].queued;
	for (uint16_t p = 0; p < P_NPORTS; p++) {
		int64_t d = (int64_t)w.cnt[p].rx_packets - (int64_t)p_fates(&w.cnt[p]) -
			    (int64_t)inet_neigh_ctl_drops(p);

		if (d < 0) {
			fprintf(stderr, "port %u: rx %" PRIu64 ", fates %" PRIu64
				", ctl drops %" PRIu64 "\n", p, w.cnt[p].rx_packets,
				p_fates(&w.cnt[p]), inet_neigh_ctl_drops(p));
			die("more fates than frames received");
		}
		waiting += d;
	}
	if (waiting != queued) {
		fprintf(stderr, "%" PRId64 " frames without a fate, %" PRId64 " queued\n", waiting,
			queued);
		die("fates do not add up");
	}
	if ((int64_t)rte_mempool_avail_count(mp) + queued != (int64_t)mp->size) {
		fprintf(stderr, "%u mbufs free, %" PRId64 " queued, pool of %u\n",
			rte_mempool_avail_count(mp), queued, mp->size);
		die("mbuf leak");
	}
}

/* FUZZ_IPVS_PATH_VERBOSE=1: what each record's frame became (to check
 * that the seeds reach what they are meant to). */
static bool verbose;

static void report(unsigned rec, unsigned t, uint16_t port, const struct dp_port_counters *b)
{
	const struct dp_port_counters *a = &w.cnt[port];
	const char *fate = "no fate (queued)";

	if (a->forwarded != b->forwarded)
		fate = "forwarded";
	else if (a->arp_replied != b->arp_replied)
		fate = "arp-replied";
	else if (a->icmp_echo_replied != b->icmp_echo_replied)
		fate = "icmp-echo-replied";
	else if (a->to_kernel != b->to_kernel)
		fate = "to-kernel";
	for (unsigned r = 0; r < DPVS_DROP_MAX; r++)
		if (a->drops[r] != b->drops[r])
			fate = dpvs_drop_names[r];
	fprintf(stderr, "record %u: template %u on dpdk%u: %s\n", rec, t, port, fate);
}

/* offload: the NIC checked the IPv4 header checksum (an honest NIC: it
 * says good or bad as the checksum is). */
static void feed(uint16_t port, const uint8_t *f, size_t len, bool offload)
{
	struct rte_mbuf *m = dp_test_mbuf(f, (uint16_t)len);

	if (!m)
		die("mbuf pool exhausted");
	if (offload && len >= sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) &&
	    ((const struct rte_ether_hdr *)f)->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + sizeof(struct rte_ether_hdr));
		size_t ihl = (size_t)(ip->version_ihl & 0xf) * 4;
		bool good = ihl >= sizeof(*ip) && sizeof(struct rte_ether_hdr) + ihl <= len &&
			    rte_raw_cksum(ip, ihl) == 0xffff;

		m->ol_flags |= good ? RTE_MBUF_F_RX_IP_CKSUM_GOOD : RTE_MBUF_F_RX_IP_CKSUM_BAD;
	}
	eth_input(&w, port, m);
}

/* The reverse of flow i as its real server sends it. */
static struct p_l4 reply_of(unsigned i, uint8_t tcp_flags)
{
	struct p_l4 r = flows[i];

	r.src = rip[i];
	r.sport = rport[i];
	r.dst = flows[i].src;
	r.dport = flows[i].sport;
	r.tcp_flags = tcp_flags;
	return r;
}

/* Sends a client packet of flow i; learns where it went. */
static void flow_send(unsigned i, uint8_t tcp_flags)
{
	static uint8_t f[2048];
	struct p_l4 s = flows[i];
	struct rte_mbuf *m[8];
	unsigned n;

	s.tcp_flags = tcp_flags;
	feed(P_CLI, f, p_l4_frame(f, &s), false);
	dp_tx_flush(&w);
	n = p_take(p_tx_ring[P_SRV], m, 8);
	if (n == 1) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
			m[0], const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));

		inet_ntop(AF_INET, &ip->dst_addr, rip[i], sizeof(rip[i]));
		rport[i] = ntohs(*(const unaligned_uint16_t *)((const uint8_t *)(ip + 1) + 2));
	}
	rte_pktmbuf_free_bulk(m, n);
}

/* The baseline flows, again: new conns where theirs are gone. */
static void replay_flows(void)
{
	static uint8_t f[2048];

	for (unsigned i = 0; i < NFLOWS; i++) {
		if (flows[i].proto == IPPROTO_TCP) {
			struct p_l4 r = reply_of(i, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);

			flow_send(i, RTE_TCP_SYN_FLAG);
			feed(P_SRV, f, p_l4_frame(f, &r), false);
			flow_send(i, RTE_TCP_ACK_FLAG);
		} else {
			flow_send(i, 0);
		}
	}
	drain_and_check();
}

/* A service on VIP:vport with one dest forwarding by fwd. */
static int add_mode_service(uint16_t proto, uint16_t vport, const char *dest, uint32_t fwd,
			    uint8_t tun_type, uint8_t tun_flags, char *err, size_t errlen)
{
	struct dpvs_svc s = p_svc_key(proto, VIP, vport);
	int rc;

	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	if ((rc = ipvs_svc_add(&s, err, errlen)) < 0)
		return rc;
	return p_dest_fwd(&s, dest, vport, fwd, tun_type, tun_flags,
			  tun_type == DPVS_TUN_GUE ? 6080 : 0, false, err, errlen);
}

/* SCTP: NAT with a port change, DR; SIP persistence (two dests). */
static int add_sctp_sip_services(char *err, size_t errlen)
{
	struct dpvs_svc s = p_svc_key(IPPROTO_SCTP, VIP, 2905);
	int rc;

	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	if ((rc = ipvs_svc_add(&s, err, errlen)) < 0 ||
	    (rc = p_dest(&s, RIP1, 2906, err, errlen)) < 0 ||
	    (rc = add_mode_service(IPPROTO_SCTP, 2907, RIP2, DPVS_FWD_DROUTE, 0, 0, err,
				   errlen)) < 0)
		return rc;
	s = p_svc_key(IPPROTO_UDP, VIP, 5060);
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	snprintf(s.pe_name, sizeof(s.pe_name), "sip");
	s.flags = DPVS_SVC_F_PERSISTENT;
	s.timeout = 60;
	s.netmask = 0xffffffff;
	if ((rc = ipvs_svc_add(&s, err, errlen)) < 0 ||
	    (rc = p_dest(&s, RIP1, 5060, err, errlen)) < 0 ||
	    (rc = p_dest(&s, RIP2, 5060, err, errlen)) < 0)
		return rc;
	return 0;
}

static void setup_or_die(void)
{
	char err[256];

	dp_test_eal();
	if (path_setup(&w, 1024, err, sizeof(err)) < 0 || path_add_persistent(err, sizeof(err)) < 0 ||
	    add_mode_service(IPPROTO_UDP, 8053, RIP1, DPVS_FWD_DROUTE, 0, 0, err, sizeof(err)) < 0 ||
	    add_mode_service(IPPROTO_UDP, 9053, RIP3, DPVS_FWD_TUNNEL, DPVS_TUN_GUE,
			     DPVS_TUN_F_CSUM, err, sizeof(err)) < 0 ||
	    add_mode_service(IPPROTO_TCP, 9000, RIP2, DPVS_FWD_TUNNEL, DPVS_TUN_IPIP, 0, err,
			     sizeof(err)) < 0 ||
	    add_sctp_sip_services(err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz set-up: %s\n", err);
		abort();
	}
	for (unsigned i = 0; i < NFLOWS; i++) {
		snprintf(rip[i], sizeof(rip[i]), "%s", RIP1);
		rport[i] = flows[i].dport;
	}
	replay_flows();
}

/* The IP packet of s (no Ethernet header) into q; its length. */
static uint16_t ip_of(const struct p_l4 *s, uint8_t *q)
{
	uint8_t f[2048];
	size_t len = p_l4_frame(f, s) - sizeof(struct rte_ether_hdr);

	memcpy(q, f + sizeof(struct rte_ether_hdr), len);
	return (uint16_t)len;
}

#define NTEMPLATES 31

/* A SIP INVITE from CIP:sport to VIP:5060 with Call-ID callid. */
static size_t sip_frame(uint8_t *f, uint16_t sport, const char *callid)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg),
			 "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP c\r\nCall-ID: %s\r\n"
			 "CSeq: 1 INVITE\r\n\r\n", callid);
	struct p_l4 s = { .proto = IPPROTO_UDP, .src = CIP, .sport = sport, .dst = VIP,
			  .dport = 5060, .payload = (uint16_t)n };
	size_t len = p_l4_frame(f, &s);
	struct rte_ipv4_hdr *ip = p_iph(f);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	memcpy(u + 1, msg, (size_t)n);
	u->dgram_cksum = 0;
	u->dgram_cksum = p_l4_csum(ip);
	return len;
}

/* Template t into f; its length and port. */
static size_t template(unsigned t, uint8_t *f, uint16_t *port)
{
	uint8_t q[2048];
	struct p_l4 s;
	uint16_t qlen;
	unsigned i = t % NFLOWS;

	*port = P_CLI;
	switch (t) {
	case 0: case 1: case 2: case 3: /* a client packet of flow i */
		s = flows[i];
		s.tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		return p_l4_frame(f, &s);
	case 4: case 5: case 6: case 7: /* the real server's reply */
		*port = P_SRV;
		s = reply_of(i, RTE_TCP_ACK_FLAG);
		return p_l4_frame(f, &s);
	case 8: case 9: case 10: case 11: /* the real server's port unreachable */
		*port = P_SRV;
		s = flows[i];
		s.dst = rip[i];
		s.dport = rport[i];
		s.ttl = 63;
		qlen = ip_of(&s, q);
		return p_icmp_frame(f, rip[i], s.src, 3, 3, 0, q, qlen);
	case 12: /* the client's frag needed about a reply (header + 8) */
		s = reply_of(FL_TCP, RTE_TCP_ACK_FLAG);
		s.src = VIP;
		s.sport = flows[FL_TCP].dport;
		ip_of(&s, q);
		return p_icmp_frame(f, CIP, VIP, 3, 4, htonl(576), q, 28);
	case 13: /* a new TCP flow */
		s = flows[FL_TCP];
		s.sport = 30000;
		s.tcp_flags = RTE_TCP_SYN_FLAG;
		return p_l4_frame(f, &s);
	case 14: /* oversize, DF */
		s = flows[FL_TCP];
		s.tcp_flags = RTE_TCP_ACK_FLAG;
		s.payload = P_MTU_CLI - 40;
		return p_l4_frame(f, &s);
	case 15: /* oversize, no DF */
		s = flows[FL_UDP];
		s.payload = P_MTU_CLI - 28;
		s.df = -1;
		return p_l4_frame(f, &s);
	case 16: /* a stray reply */
		*port = P_SRV;
		s = reply_of(FL_TCP, RTE_TCP_ACK_FLAG);
		s.dport = 29999;
		return p_l4_frame(f, &s);
	case 17:
		return p_arp_frame(f, &cgw_mac, CGW, VIP);
	case 18:
		return p_echo_frame(f, CIP, VIP);
	case 20: /* DR */
		s = flows[FL_UDP];
		s.dport = 8053;
		return p_l4_frame(f, &s);
	case 21: /* TUN, GUE with its checksum */
		s = flows[FL_UDP];
		s.dport = 9053;
		return p_l4_frame(f, &s);
	case 22: /* TUN, IPIP: a TCP flow starts */
		s = flows[FL_TCP];
		s.sport = 31000;
		s.dport = 9000;
		s.tcp_flags = RTE_TCP_SYN_FLAG;
		return p_l4_frame(f, &s);
	case 23: /* TUN, too big with the encapsulation, DF */
		s = flows[FL_UDP];
		s.dport = 9053;
		s.payload = P_MTU_SRV - 28 - 20;
		return p_l4_frame(f, &s);
	case 24: /* the client's frag needed about a DR reply: to the real server */
		s = flows[FL_UDP];
		s.src = VIP;
		s.sport = 8053;
		s.dst = CIP;
		s.dport = flows[FL_UDP].sport;
		ip_of(&s, q);
		return p_icmp_frame(f, CIP, VIP, 3, 4, htonl(576), q, 28);
	case 25: /* SCTP by NAT: the client's INIT (a new association) */
		return p_sctp_frame(f, CIP, 32000, VIP, 2905, 1, 0xff, 16, false);
	case 26: /* ... its DATA, or a COOKIE-ECHO bundled with an ABORT */
		return p_sctp_frame(f, CIP, 32000, VIP, 2905, 10, 6, 20, false);
	case 27: /* ... the server's INIT-ACK */
		*port = P_SRV;
		return p_sctp_frame(f, RIP1, 2906, CIP, 32000, 2, 0xff, 24, false);
	case 28: /* SCTP by DR: an INIT */
		return p_sctp_frame(f, CIP, 32001, VIP, 2907, 1, 0xff, 16, false);
	case 29: /* the server's port unreachable about the NAT association */
		*port = P_SRV;
		qlen = (uint16_t)(p_sctp_frame(q, CIP, 32000, RIP1, 2906, 0, 0xff, 8, false) -
				  sizeof(struct rte_ether_hdr));
		memmove(q, q + sizeof(struct rte_ether_hdr), qlen);
		return p_icmp_frame(f, RIP1, CIP, 3, 3, 0, q, qlen);
	case 30: /* SIP: a call's INVITE */
		return sip_frame(f, 33000, "call-1@c");
	default: /* to the DIP: the kernel's */
		s = flows[FL_UDP];
		s.dst = DIP0;
		return p_l4_frame(f, &s);
	}
}

/* IPv4 length, then L4 and header checksums, as the flags ask. */
static void fix(uint8_t *f, size_t len, uint8_t flags)
{
	struct rte_ipv4_hdr *ip = p_iph(f);
	size_t ihl;

	if (len < sizeof(struct rte_ether_hdr) + sizeof(*ip) ||
	    ((struct rte_ether_hdr *)f)->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return;
	ihl = (size_t)(ip->version_ihl & 0xf) * 4;
	if (ihl < sizeof(*ip) || sizeof(struct rte_ether_hdr) + ihl > len)
		return;
	if (flags & 0x02)
		ip->total_length = htons((uint16_t)(len - sizeof(struct rte_ether_hdr)));
	size_t tot = ntohs(ip->total_length);
	if ((flags & 0x08) && tot >= ihl + 8 && sizeof(struct rte_ether_hdr) + tot <= len &&
	    (ip->next_proto_id == IPPROTO_UDP ||
	     (ip->next_proto_id == IPPROTO_TCP && tot >= ihl + sizeof(struct rte_tcp_hdr)))) {
		uint8_t *l4 = (uint8_t *)ip + ihl;
		unaligned_uint16_t *ck = (unaligned_uint16_t *)(l4 + (ip->next_proto_id == IPPROTO_TCP
						? offsetof(struct rte_tcp_hdr, cksum)
						: offsetof(struct rte_udp_hdr, dgram_cksum)));
		uint32_t sum = (ip->src_addr & 0xffff) + (ip->src_addr >> 16) +
			       (ip->dst_addr & 0xffff) + (ip->dst_addr >> 16) +
			       htons(ip->next_proto_id) + htons((uint16_t)(tot - ihl));

		*ck = 0;
		sum += rte_raw_cksum(l4, tot - ihl);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		*ck = (uint16_t)~sum;
		if (*ck == 0 && ip->next_proto_id == IPPROTO_UDP)
			*ck = 0xffff;
	}
	if ((flags & 0x08) && ip->next_proto_id == IPPROTO_SCTP && tot >= ihl + 12 &&
	    sizeof(struct rte_ether_hdr) + tot <= len) {
		uint8_t *sh = (uint8_t *)ip + ihl;

		p_sctp_crc(sh, tot - ihl, sh + 8);
	}
	if (flags & 0x04) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, ihl);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static unsigned runs;
	static uint8_t f[2048];
	size_t off = 0;

	if (!ready) {
		verbose = getenv("FUZZ_IPVS_PATH_VERBOSE") != NULL;
		setup_or_die();
		ready = true;
	}
	replay_flows();
	for (unsigned rec = 0; rec < 8 && off + 5 <= size; rec++) {
		uint8_t flags = data[off], t = data[off + 1], moff = data[off + 2];
		size_t n = data[off + 3], trim = data[off + 4];
		uint16_t port;

		off += 5;
		n = RTE_MIN(n, size - off);
		size_t len = template(t % NTEMPLATES, f, &port);
		if (flags & 0x01) { /* to the other port, to its MAC */
			port ^= 1;
			memcpy(f, &p_mac[port], RTE_ETHER_ADDR_LEN);
		}
		for (size_t i = 0; i < n && moff + i < len; i++)
			f[moff + i] ^= data[off + i];
		off += n;
		len -= RTE_MIN(trim, len);
		/* a NIC delivers no frame over its port's MTU */
		len = RTE_MIN(len, sizeof(struct rte_ether_hdr) + netif_ports[port].mtu);
		fix(f, len, flags);
		struct dp_port_counters before = w.cnt[port];
		feed(port, f, len, flags & 0x20);
		if (verbose)
			report(rec, t % NTEMPLATES, port, &before);
		if (flags & 0x40)
			dp_tx_flush(&w);
		if (flags & 0x10) {
			w.now_sec += 1 + (trim & 0x3f);
			ipvs_worker_timer(&w);
			ipvs_timer_tick(w.now_sec);
		}
	}
	drain_and_check();
	check_invariants();
	/* what waits for neighbours that never answer goes after its time
	 * (the control thread's tick), or the pool runs dry */
	if (++runs % 64 == 0 || rte_mempool_avail_count(dp_test_eal()) < 256) {
		w.now_sec += 4;
		inet_timer_tick(w.now_sec);
		ipvs_worker_timer(&w);
		check_invariants();
	}
	return 0;
}
