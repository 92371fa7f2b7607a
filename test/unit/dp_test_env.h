/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared set-up for unit tests that need DPDK objects (mbufs, hashes,
 * LPM): an EAL without hugepages, PCI or shared files, so the tests run
 * side by side anywhere. Include from one test file per executable.
 */
#ifndef DPVS_TEST_ENV_H
#define DPVS_TEST_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_lcore.h>

static struct rte_mempool *dp_test_pool;

/* Starts the EAL once per process; returns the mbuf pool. */
static inline struct rte_mempool *dp_test_eal(void)
{
	if (dp_test_pool)
		return dp_test_pool;
	char *argv[] = { "unit", "--no-huge", "-m", "128", "--no-pci",
			 "--no-shconf", "--log-level", "*:error", "-l", "0", NULL };
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "unit: rte_eal_init failed\n");
		exit(1);
	}
	dp_test_pool = rte_pktmbuf_pool_create("unit_pool", 1023, 0, 0,
					       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (!dp_test_pool) {
		fprintf(stderr, "unit: cannot create the mbuf pool\n");
		exit(1);
	}
	return dp_test_pool;
}

/* An mbuf holding a copy of the given bytes. */
static inline struct rte_mbuf *dp_test_mbuf(const void *bytes, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp_test_eal());

	if (!m)
		return NULL;
	char *p = rte_pktmbuf_append(m, len);
	if (!p) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, bytes, len);
	m->port = 0; /* port_idx 0, as eth_input marks what it received (dp.h) */
	return m;
}

#endif /* DPVS_TEST_ENV_H */
