/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the stack's input path: arbitrary bytes become a
 * received frame and go through eth_input() on a test worker with two
 * fake ports, addresses (one a VIP), a gateway route, a default route and
 * a static neighbour. Checks more than "no crash": every frame must end in
 * exactly one fate (sent, to the KNI or a drop counter), and what is sent
 * must be a well-formed frame from our MAC.
 *
 * The first input byte steers, so the fuzzer gets past the cheap checks
 * quickly: bit 0 port; bit 1 destination MAC forced to the port's; bit 2
 * IPv4 header checksum fixed; bit 3 NIC claims the IP checksum good;
 * bit 4 the rest is also sent through ipv4_output(); bit 5 the clock
 * advances and the control tick runs (aging, giving up on neighbours).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/dp_test_env.h"
#include "../unit/inet/inet_test_env.h"

static uint64_t all_fates(void)
{
	uint64_t n = t_ipvs_stolen;

	for (unsigned p = 0; p < T_NPORTS; p++) {
		const struct dp_port_counters *c = &t_worker.cnt[p];

		n += t_worker.tx[p].n + t_worker.kni_tx[p].n;
		for (unsigned r = 0; r < DPVS_DROP_MAX; r++)
			n += c->drops[r];
		/* The ARP copy to the KNI is an extra packet; and a failed copy
		 * counts NO_MBUF without a packet: neither is the frame's fate. */
	}
	return n;
}

/* Frames we queued must start with our MAC as source. */
static void check_sent(void)
{
	for (unsigned p = 0; p < T_NPORTS; p++)
		for (unsigned i = 0; i < t_worker.tx[p].n; i++) {
			const struct rte_mbuf *m = t_worker.tx[p].pkts[i];
			const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, const void *);

			if (rte_pktmbuf_data_len(m) < sizeof(*e) ||
			    !rte_is_same_ether_addr(&e->src_addr, &t_ports[p].mac))
				abort();
		}
}

static void setup_or_die(void)
{
	static const struct rte_ether_addr gw_mac = { { 0x02, 0xaa, 0, 0, 0, 0xfe } };
	char err[256];
	struct dpvs_neigh ne = { .family = AF_INET, .state = DPVS_NEIGH_PERMANENT };

	dp_test_eal();
	inet_register_l4_hook(t_l4_hook);
	if (dp_worker_register(&t_worker) < 0 || inet_init(T_NPORTS, err, sizeof(err)) < 0 ||
	    t_addr("dpdk0", "10.0.0.1", 24, 0, err, sizeof(err)) < 0 ||
	    t_addr("dpdk0", "10.0.0.100", 32, DPVS_ADDR_F_VIP, err, sizeof(err)) < 0 ||
	    t_addr("dpdk1", "192.168.1.1", 24, 0, err, sizeof(err)) < 0 ||
	    t_route("dpdk1", "172.16.0.0", 16, "192.168.1.254", err, sizeof(err)) < 0 ||
	    t_route("dpdk0", "0.0.0.0", 0, "10.0.0.254", err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz set-up: %s\n", err);
		abort();
	}
	snprintf(ne.ifname, sizeof(ne.ifname), "dpdk1");
	ne.addr.in.s_addr = inet_addr("192.168.1.254");
	memcpy(ne.mac.b, gw_mac.addr_bytes, 6);
	if (inet_neigh_add(&ne, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz set-up: %s\n", err);
		abort();
	}
	t_worker.now_sec = 1;
	inet_timer_tick(1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t frame[1600];

	if (!ready) {
		setup_or_die();
		ready = true;
	}
	if (size < 1 || size - 1 > sizeof(frame))
		return 0;
	uint8_t ctl = data[0];
	uint16_t port = ctl & 1;
	size_t len = size - 1;

	memcpy(frame, data + 1, len);
	if ((ctl & 2) && len >= 6)
		memcpy(frame, &t_ports[port].mac, 6);
	if ((ctl & 4) && len >= 14 + 20 && (frame[14] & 0xf) >= 5 &&
	    len >= 14 + (size_t)(frame[14] & 0xf) * 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + 14);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (ctl & 32) {
		t_worker.now_sec += 2;
		inet_timer_tick(t_worker.now_sec);
	}

	struct rte_mbuf *m = dp_test_mbuf(frame, (uint16_t)len);
	if (!m)
		return 0; /* pool exhausted by queued packets: the tick will free them */
	m->port = t_ports[port].port_id;
	if (ctl & 8)
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;

	uint64_t before = all_fates();

	eth_input(&t_worker, port, m);
	check_sent();
	/* Exactly one fate. ARP is the exception that adds: its copy to the
	 * KNI (or the NO_MBUF of a failed copy) and the queue it releases. */
	uint64_t after = all_fates();
	bool is_arp = len >= 14 && frame[12] == 0x08 && frame[13] == 0x06;

	if (is_arp ? after < before + 1 : after != before + 1)
		abort();
	t_drain(&t_worker);

	/* The output path, with the rest as an IPv4 packet. */
	if ((ctl & 16) && len >= 20) {
		m = dp_test_mbuf(frame, (uint16_t)len);
		if (m) {
			m->port = t_ports[port].port_id;
			before = all_fates();
			ipv4_output(&t_worker, m);
			check_sent();
			/* Sent, dropped, or queued (no fate yet) with an ARP
			 * request; giving up drops at most a full queue. */
			if (all_fates() > before + 10)
				abort();
			t_drain(&t_worker);
		}
	}

	/* Keep the mbuf pool from filling up with packets queued for
	 * neighbours that will never answer. */
	static unsigned runs;
	if (++runs % 256 == 0) {
		t_worker.now_sec += 4;
		inet_timer_tick(t_worker.now_sec);
	}
	return 0;
}
