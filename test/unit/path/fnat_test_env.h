/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the Full-NAT path tests share (test_fnat.c, test_fnat_caddr.c):
 * the balancer of path_test_env.h with the control handlers registered
 * (ctl_test_env.h), so that local addresses go through LADDR_ADD/DEL as
 * ipvsadm sends them; Full-NAT services; and the reading of what left.
 *
 * Include after path_test_env.h, path_io.h, ctl_test_env.h and
 * control/control.h.
 */
#ifndef DPVS_FNAT_TEST_ENV_H
#define DPVS_FNAT_TEST_ENV_H

#include <stdio.h>
#include <string.h>

static struct ctl_reply rep; /* the last control call's reply */
static char err[256];

/* The balancer (conn_max 1024) with inet's and ipvs's handlers: 0, or -1
 * with the reason on stderr. */
static inline int fnat_setup(void)
{
	if (path_setup(&wk, 1024, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	ctl_registry_reset();
	inet_ctl_register();
	ipvs_ctl_register();
	nheld = 0;
	return 0;
}

static inline void fnat_teardown(void)
{
	release_held();
	path_teardown(&wk);
	ctl_reply_free(&rep);
}

static inline struct dpvs_laddr_req laddr_req(uint16_t proto, uint16_t vport, const char *lip)
{
	struct dpvs_laddr_req q;

	memset(&q, 0, sizeof(q));
	q.svc = p_svc_key(proto, VIP, vport);
	q.af = AF_INET;
	q.addr.in.s_addr = p_ip(lip);
	return q;
}

/* LADDR_ADD or LADDR_DEL of lip on the service proto VIP:vport, as
 * ipvsadm --add-laddr/--del-laddr send it; the reply in rep. */
static inline int laddr_op(uint16_t type, uint16_t proto, uint16_t vport, const char *lip)
{
	struct dpvs_laddr_req q = laddr_req(proto, vport, lip);

	return ctl_test_call(type, 0, &q, sizeof(q), &rep);
}

/* A Full-NAT service proto VIP:vport (rr, with flags) to rip:rport. */
static inline int fnat_svc(uint16_t proto, uint16_t vport, const char *rip, uint16_t rport,
			   uint32_t flags)
{
	struct dpvs_svc s = p_svc_key(proto, VIP, vport);
	int rc;

	s.flags |= flags;
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	if ((rc = ipvs_svc_add(&s, err, sizeof(err))) < 0)
		return rc;
	return p_dest_fwd(&s, rip, rport, DPVS_FWD_FULLNAT, 0, 0, 0, false, err, sizeof(err));
}

/* The L4 ports of the packet at ip (IP options or not). */
static inline uint16_t sport_of(const struct rte_ipv4_hdr *ip)
{
	const uint8_t *l4 = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);

	return (uint16_t)(l4[0] << 8 | l4[1]);
}

static inline uint16_t dport_of(const struct rte_ipv4_hdr *ip)
{
	const uint8_t *l4 = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);

	return (uint16_t)(l4[2] << 8 | l4[3]);
}

/* The IPv4 header of the one frame that left by port, to mac. */
static inline struct rte_ipv4_hdr *left_to(uint16_t port, const struct rte_ether_addr *mac)
{
	return (struct rte_ipv4_hdr *)eth_to(one_out_of(port), port, mac);
}

#endif
