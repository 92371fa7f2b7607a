/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A synced conn goes to the worker that owns its client
 * (src/control/sync_ctl.c picks it with steer_owner_of_client): the one
 * steer_owner() sends the client's packets to, for every client, so that
 * when the VIP moves to a backup with several workers each packet of a
 * taken-over conn finds it in the table of the worker it lands on. A
 * Full-NAT conn's replies go by their local port instead: the master
 * picked one in its client's worker's share, so they meet the same
 * worker, from the first reply after a floating LIP came to the backup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "dp_test_env.h"
#include "inet/inet_test_env.h"
#include "worker/steer.h"

#define VIP "10.0.0.100"

static struct worker wk[2];

static int setup(void **state)
{
	char err[256];

	(void)state;
	(void)t_l4_hook;
	(void)t_worker;
	dp_test_eal();
	memset(wk, 0, sizeof(wk));
	dp_worker_unregister_all();
	assert_int_equal(dp_worker_register(&wk[0]), 0);
	assert_int_equal(dp_worker_register(&wk[1]), 0);
	if (inet_init(T_NPORTS, err, sizeof(err)) < 0 ||
	    t_addr("dpdk0", VIP, 32, DPVS_ADDR_F_VIP, err, sizeof(err)) < 0 ||
	    t_addr("dpdk0", "10.0.0.1", 24, 0, err, sizeof(err)) < 0 ||
	    steer_init(2, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	steer_fini();
	inet_fini();
	return 0;
}

static void test_owner_of_client_is_the_packets_owner(void **state)
{
	static const struct rte_ether_addr peer = { { 0x02, 0xaa, 0, 0, 0, 1 } };
	unsigned per_worker[2] = { 0, 0 };
	char client[32];

	(void)state;
	for (unsigned i = 0; i < 512; i++) {
		uint8_t b[128];
		size_t n = t_eth(b, &t_ports[0].mac, &peer, RTE_ETHER_TYPE_IPV4);
		struct rte_mbuf *m;
		uint16_t *u;
		int owner;

		snprintf(client, sizeof(client), "172.%u.%u.%u", 16 + i % 16, i / 7 % 256, i % 251);
		n += t_ipv4(b + n, client, VIP, IPPROTO_TCP, 64, 20);
		u = (uint16_t *)(b + n);
		memset(u, 0, 20);
		u[0] = rte_cpu_to_be_16((uint16_t)(1024 + i));
		u[1] = rte_cpu_to_be_16(80);
		n += 20;
		m = dp_test_mbuf(b, (uint16_t)n);
		assert_non_null(m);
		owner = steer_owner(m);
		rte_pktmbuf_free(m);
		assert_true(owner == 0 || owner == 1);
		assert_int_equal(steer_owner_of_client(inet_addr(client)), owner);
		per_worker[owner]++;
	}
	/* both workers own some: the check above compared two real answers */
	assert_true(per_worker[0] > 100 && per_worker[1] > 100);
}

/* A Full-NAT conn synced to a backup whose LIP floats: held first, then
 * added (dpip addr add, the takeover) and flagged at once, so the real
 * server's reply to LIP:lport goes by its port to the worker the record
 * was given to (its client's), for any lport the master's worker of that
 * client could have picked (fnat.c: lport % workers == worker). */
static void test_fnat_reply_meets_its_synced_conn(void **state)
{
	static const struct rte_ether_addr peer = {{0x02, 0xbb, 0, 0, 0, 1}};
	unsigned per_worker[2] = {0, 0};
	char client[32], err[256];

	(void)state;
	inet_set_lip_float(true);
	assert_int_equal(inet_addr_set_lip(inet_addr("10.1.0.50"), "dpdk1", true, err, sizeof(err)),
			 0);
	assert_true(inet_lip_is_held(inet_addr("10.1.0.50")));
	assert_int_equal(t_addr("dpdk1", "10.1.0.50", 24, 0, err, sizeof(err)), 0);
	assert_true(inet_addr_is_lip(inet_addr("10.1.0.50")));
	for (unsigned i = 0; i < 256; i++) {
		uint8_t b[128];
		size_t n = t_eth(b, &t_ports[1].mac, &peer, RTE_ETHER_TYPE_IPV4);
		int owner, got;
		struct rte_mbuf *m;
		uint16_t *u;

		snprintf(client, sizeof(client), "172.%u.%u.%u", 16 + i % 16, i / 5 % 256, i % 241);
		owner = steer_owner_of_client(inet_addr(client));
		n += t_ipv4(b + n, "10.1.0.2", "10.1.0.50", IPPROTO_TCP, 64, 20);
		u = (uint16_t *)(b + n);
		memset(u, 0, 20);
		u[0] = rte_cpu_to_be_16(80);
		u[1] = rte_cpu_to_be_16((uint16_t)(1024 + 2 * i + (unsigned)owner));
		n += 20;
		m = dp_test_mbuf(b, (uint16_t)n);
		assert_non_null(m);
		got = steer_owner(m);
		rte_pktmbuf_free(m);
		assert_int_equal(got, owner);
		per_worker[owner]++;
	}
	assert_true(per_worker[0] > 50 && per_worker[1] > 50);
	inet_set_lip_float(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_owner_of_client_is_the_packets_owner, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fnat_reply_meets_its_synced_conn, setup, teardown),
	};

	dp_test_eal();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
