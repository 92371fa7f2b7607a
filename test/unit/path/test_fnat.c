/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full-NAT (-b) on the whole data path (path_test_env.h: the real stack
 * and IPVS on DPDK ring ports) and its local addresses as ipvsadm
 * manages them (--add-laddr, --del-laddr, --get-laddr), through the real
 * control registry (ctl_test_env.h) with the bounds the handlers
 * registered:
 *
 *  - every refusal of LADDR_ADD/DEL/GET names what is wrong: no such
 *    service, not one of the daemon's addresses, a VIP, another port, a
 *    second time, the seventeenth, a bad family, a name without its NUL,
 *    a short payload;
 *  - inet's LIP flag follows the services that use the address (two
 *    services share one; deleting a service releases its LIPs), and dpip
 *    addr del refuses an address a service uses;
 *  - the listing: per service its LIPs in order, a service without any
 *    listed with none, one service by its key.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dp_test_env.h"
#include "path/path_test_env.h"
#include "control/control.h"
#include "ctl_test_env.h"

#define LIP1 "192.168.1.100"
#define LIP2 "192.168.1.101"

static struct worker wk;
static struct ctl_reply rep;
static char err[256];

static int setup(void **state)
{
	(void)state;
	if (path_setup(&wk, 1024, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	ctl_registry_reset();
	inet_ctl_register();
	ipvs_ctl_register();
	/* the LIPs: addresses of the daemon on the servers' side */
	if (p_addr("dpdk1", LIP1, 24, 0, err, sizeof(err)) < 0 ||
	    p_addr("dpdk1", LIP2, 24, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	path_teardown(&wk);
	ctl_reply_free(&rep);
	return 0;
}

static struct dpvs_laddr_req laddr_req(uint16_t proto, uint16_t vport, const char *lip)
{
	struct dpvs_laddr_req q;

	memset(&q, 0, sizeof(q));
	q.svc = p_svc_key(proto, VIP, vport);
	q.af = AF_INET;
	q.addr.in.s_addr = p_ip(lip);
	return q;
}

static int laddr_op(uint16_t type, uint16_t proto, uint16_t vport, const char *lip)
{
	struct dpvs_laddr_req q = laddr_req(proto, vport, lip);

	return ctl_test_call(type, 0, &q, sizeof(q), &rep);
}

/* inet's flags of our address ip (0 when it is not ours). */
static uint16_t addr_flags(const char *ip)
{
	struct dpvs_addr a[64];
	unsigned n = inet_addr_list(a, 64);

	for (unsigned i = 0; i < n && i < 64; i++)
		if (a[i].addr.in.s_addr == p_ip(ip))
			return a[i].flags;
	return 0;
}

static void expect_refused(uint16_t type, const struct dpvs_laddr_req *q, int err_no,
			   const char *msg)
{
	assert_int_equal(ctl_test_call(type, 0, q, sizeof(*q), &rep), err_no);
	if (strcmp(rep.msg, msg)) {
		print_error("got '%s'\nwant '%s'\n", rep.msg, msg);
		fail();
	}
}

static void test_laddr_refusals(void **state)
{
	struct dpvs_laddr_req q;
	char ip[16];

	(void)state;
	q = laddr_req(IPPROTO_TCP, 81, LIP1);
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -ESRCH, "no such service TCP 10.0.0.1:81");
	q = laddr_req(IPPROTO_TCP, 80, "192.168.1.99");
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EADDRNOTAVAIL,
		       "192.168.1.99 is not an address of the daemon (add it first: dpip addr "
		       "add 192.168.1.99/PLEN dev PORT)");
	q = laddr_req(IPPROTO_TCP, 80, VIP2);
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EINVAL,
		       "10.0.0.2 is a VIP; a local address must be another of the daemon's "
		       "addresses");
	q = laddr_req(IPPROTO_TCP, 80, VIP);
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EINVAL,
		       "local address 10.0.0.1 is the service's VIP: a real server's replies "
		       "to it could not be told from clients' packets");
	q = laddr_req(IPPROTO_TCP, 80, LIP1);
	snprintf(q.ifname, sizeof(q.ifname), "dpdk0");
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EINVAL, "192.168.1.100 is on dpdk1, not on dpdk0");
	q = laddr_req(IPPROTO_TCP, 80, "0.0.0.0");
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EINVAL, "local address 0.0.0.0 is not valid");
	q = laddr_req(IPPROTO_TCP, 80, LIP1);
	q.af = AF_INET6;
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EAFNOSUPPORT,
		       "local address family 10 not supported (only IPv4)");
	q = laddr_req(IPPROTO_TCP, 80, LIP1);
	memset(q.ifname, 'x', sizeof(q.ifname));
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EINVAL,
		       "local address's port name not NUL-terminated");
	q = laddr_req(IPPROTO_TCP, 80, LIP1);
	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_ADD, 0, &q, sizeof(q) - 1, &rep), -EINVAL);
	expect_refused(DPVS_MSG_LADDR_DEL, &q, -ENOENT,
		       "local address 192.168.1.100 is not on service TCP 10.0.0.1:80");
	/* nothing refused changed a flag */
	assert_int_equal(addr_flags(LIP1), 0);
	assert_int_equal(addr_flags(VIP2), DPVS_ADDR_F_VIP);

	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, LIP1), 0);
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EEXIST,
		       "local address 192.168.1.100 already on service TCP 10.0.0.1:80");
	/* sixteen at most: LIP1 and fifteen more */
	for (unsigned i = 0; i < DPVS_LADDR_MAX; i++) {
		snprintf(ip, sizeof(ip), "192.168.1.%u", 120 + i);
		assert_int_equal(p_addr("dpdk1", ip, 24, 0, err, sizeof(err)), 0);
		if (i < DPVS_LADDR_MAX - 1) {
			assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, ip), 0);
			continue;
		}
		q = laddr_req(IPPROTO_TCP, 80, ip);
		expect_refused(DPVS_MSG_LADDR_ADD, &q, -ENOSPC,
			       "service TCP 10.0.0.1:80 has no room for local address "
			       "192.168.1.135: 16 local addresses at most (those removed count "
			       "until their conns are gone)");
		assert_int_equal(addr_flags(ip), 0);
	}
}

static void test_laddr_flag_follows_services(void **state)
{
	struct dpvs_addr a = { .family = AF_INET, .prefixlen = 24 };
	struct dpvs_svc s = p_svc_key(IPPROTO_TCP, VIP, 80);

	(void)state;
	snprintf(a.ifname, sizeof(a.ifname), "dpdk1");
	a.addr.in.s_addr = p_ip(LIP1);
	assert_false(inet_addr_is_lip(p_ip(LIP1)));
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, LIP1), 0);
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_UDP, 53, LIP1), 0);
	assert_int_equal(addr_flags(LIP1), DPVS_ADDR_F_LIP);
	assert_true(inet_addr_is_lip(p_ip(LIP1)));
	assert_false(inet_addr_is_lip(p_ip(DIP1)));
	assert_false(inet_addr_is_lip(p_ip(VIP)));
	assert_true(inet_addr_is_local(p_ip(LIP1)));

	/* in use: dpip addr del says so and by what */
	assert_int_equal(ctl_test_call(DPVS_MSG_ADDR_DEL, 0, &a, sizeof(a), &rep), -EBUSY);
	assert_string_equal(rep.msg, "address 192.168.1.100 is a Full-NAT local address of a "
				     "service (ipvsadm --del-laddr it first)");
	/* one service lets it go, the other still has it */
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_DEL, IPPROTO_UDP, 53, LIP1), 0);
	assert_true(inet_addr_is_lip(p_ip(LIP1)));
	/* the last one goes with its service */
	assert_int_equal(ipvs_svc_del(&s, err, sizeof(err)), 0);
	assert_false(inet_addr_is_lip(p_ip(LIP1)));
	assert_int_equal(addr_flags(LIP1), 0);
	assert_int_equal(ctl_test_call(DPVS_MSG_ADDR_DEL, 0, &a, sizeof(a), &rep), 0);
	/* gone: the service back cannot have it */
	assert_int_equal(ipvs_svc_add(&s, err, sizeof(err)), 0);
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, LIP1), -EADDRNOTAVAIL);
}

static const struct dpvs_laddr_entry *laddr_entries(uint32_t *n)
{
	const struct dpvs_list *l = (const void *)ctl_test_payload(&rep);

	assert_true(rep.len >= sizeof(*l));
	assert_int_equal(l->entry_size, sizeof(struct dpvs_laddr_entry));
	assert_int_equal(rep.len, sizeof(*l) + (size_t)l->count * l->entry_size);
	*n = l->count;
	return (const void *)(l + 1);
}

static void test_laddr_listing(void **state)
{
	const struct dpvs_laddr_entry *e;
	struct dpvs_svc key = p_svc_key(IPPROTO_TCP, VIP, 80);
	uint32_t n;

	(void)state;
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, LIP2), 0);
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, LIP1), 0);

	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_GET, 0, NULL, 0, &rep), 0);
	e = laddr_entries(&n);
	assert_int_equal(n, 3); /* TCP:80's two, UDP:53 with none */
	assert_int_equal(e[0].svc.protocol, IPPROTO_TCP);
	assert_int_equal(e[0].total, 2);
	assert_int_equal(e[0].af, AF_INET);
	assert_int_equal(e[0].addr.in.s_addr, p_ip(LIP2)); /* in the order added */
	assert_int_equal(e[1].addr.in.s_addr, p_ip(LIP1));
	assert_int_equal(e[0].conns, 0);
	assert_int_equal(e[0].conflicts, 0);
	assert_int_equal(e[2].svc.protocol, IPPROTO_UDP);
	assert_int_equal(e[2].total, 0);
	assert_int_equal(e[2].af, 0);

	/* one service by its key; a key without the flag is refused */
	assert_int_equal(
	    ctl_test_call(DPVS_MSG_LADDR_GET, DPVS_MSG_F_SVC_KEY, &key, sizeof(key), &rep), 0);
	e = laddr_entries(&n);
	assert_int_equal(n, 2);
	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_GET, 0, &key, sizeof(key), &rep), -EINVAL);
	key.port = htons(81);
	assert_int_equal(
	    ctl_test_call(DPVS_MSG_LADDR_GET, DPVS_MSG_F_SVC_KEY, &key, sizeof(key), &rep), -ESRCH);

	/* a removed LIP leaves the others where they were */
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_DEL, IPPROTO_TCP, 80, LIP2), 0);
	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_GET, 0, NULL, 0, &rep), 0);
	e = laddr_entries(&n);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].total, 1);
	assert_int_equal(e[0].addr.in.s_addr, p_ip(LIP1));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_laddr_refusals),
		T(test_laddr_flag_follows_services),
		T(test_laddr_listing),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
