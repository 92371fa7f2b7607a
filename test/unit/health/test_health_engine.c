/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the health-check engine (src/control/health.c) on a real
 * libev loop against real sockets of this process on 127.0.0.1: the
 * services come from a config applied with the daemon's own
 * ipvs_apply_config(), the servers are listeners and a DNS responder on
 * the same loop, and the test reads the outcome where an operator would
 * (the IPVS table ipvsadm -Ln lists, DPVS_MSG_CHECK_SHOW). Faked: only the
 * port table (no DPDK device; no KNI, so no SO_BINDTODEVICE).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <ev.h>
#include <rte_lcore.h>

#include "dp_test_env.h"
#include "ctl_test_env.h"
#include "cfg/config.h"
#include "control/control.h"
#include "control/health.h"
#include "dp/dp.h"
#include "dpvs/health.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "ipvs_args.h"
#include "netif/netif.h"

struct dp_port netif_ports[DP_MAX_PORTS] = {
    {.idx = 0, .port_id = DP_PORT_NONE, .kni_port_id = DP_PORT_NONE, .mtu = 1500, .name = "dpdk0"},
};
unsigned netif_nports = 1;

#include "netif_fake.h"

#define NSERVERS 40 /* more than HEALTH_MAX_INFLIGHT */

static struct worker wk;
static struct ev_loop *loop;
static struct dpvs_config *cfg, *prev;
static char report[8192];

/* ---- the servers: listeners that answer HTTP or stay silent ---- */

struct server {
	int fd;
	uint16_t port; /* host order */
	ev_io io;
};
static struct server servers[NSERVERS];
static bool answer_http;

static void on_accept(struct ev_loop *l, ev_io *w, int revents)
{
	static const char ok[] = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	int c = accept(w->fd, NULL, NULL);

	(void)l;
	(void)revents;
	if (c < 0)
		return;
	/* silent: closed without a word, after the probe's deadline */
	if (answer_http && write(c, ok, sizeof(ok) - 1) < 0)
		fprintf(stderr, "write: %s\n", strerror(errno));
	if (answer_http)
		close(c);
	/* the silent ones stay open (and leak until the listener goes) on
	 * purpose: the probe must give up by its own deadline */
}

static uint16_t listen_on(int type, int *fdp)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*fdp = fd;
	return ntohs(sa.sin_port);
}

/* ---- running the loop, watching it ---- */

struct watch {
	bool (*done)(void);
	ev_tstamp last, max_gap;
	unsigned max_inflight;
	ev_timer tick, limit;
};

static void on_watch(struct ev_loop *l, ev_timer *w, int revents)
{
	struct watch *x = w->data;
	ev_tstamp now = ev_now(l);

	(void)revents;
	if (now - x->last > x->max_gap)
		x->max_gap = now - x->last;
	x->last = now;
	if (health_inflight() > x->max_inflight)
		x->max_inflight = health_inflight();
	if (x->done && x->done())
		ev_break(l, EVBREAK_ALL);
}

static void on_limit(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(l, EVBREAK_ALL);
}

/* Runs the loop until done() or `seconds`; returns whether done() held. */
static bool run_until(struct watch *x, bool (*done)(void), double seconds)
{
	memset(x, 0, sizeof(*x));
	x->done = done;
	ev_now_update(loop);
	x->last = ev_now(loop);
	ev_timer_init(&x->tick, on_watch, 0.01, 0.01);
	ev_timer_init(&x->limit, on_limit, seconds, 0);
	x->tick.data = x;
	ev_timer_start(loop, &x->tick);
	ev_timer_start(loop, &x->limit);
	ev_run(loop, 0);
	ev_timer_stop(loop, &x->tick);
	ev_timer_stop(loop, &x->limit);
	return done && done();
}

/* ---- the table and the listing, as the tools see them ---- */

struct seen {
	unsigned n, weight0, weight1;
};

static int count_dests(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *ids,
		       const struct dpvs_dest *d, uint32_t nd, void *arg)
{
	struct seen *s = arg;

	(void)svc_id;
	(void)svc;
	(void)ids;
	for (uint32_t i = 0; i < nd; i++) {
		s->n++;
		s->weight0 += d[i].weight == 0;
		s->weight1 += d[i].weight == 1;
	}
	return 0;
}

static struct seen table(const char *line)
{
	struct dpvs_svc key;
	struct seen s = {0};
	char err[128];

	assert_int_equal(ipvs_args_service(line, &key, err, sizeof(err)), 0);
	ipvs_svc_walk(&key, count_dests, &s, err, sizeof(err));
	return s;
}

static uint32_t listing(const char *name, struct dpvs_check_entry *out, uint32_t max)
{
	static struct ctl_reply rep;
	struct dpvs_list l;
	uint32_t len = name ? (uint32_t)strlen(name) + 1 : 0;

	if (ctl_test_call(DPVS_MSG_CHECK_SHOW, 0, name, len, &rep) != 0)
		return UINT32_MAX;
	memcpy(&l, ctl_test_payload(&rep), sizeof(l));
	assert_int_equal(l.entry_size, sizeof(struct dpvs_check_entry));
	memcpy(out, ctl_test_payload(&rep) + sizeof(l),
	       sizeof(*out) * (l.count < max ? l.count : max));
	return l.count;
}

/* ---- config ---- */

static void add_service(const char *name, const char *line)
{
	struct cfg_service *s = &cfg->services[cfg->nservices++];
	char err[128];

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	assert_int_equal(ipvs_args_service(line, &s->svc, err, sizeof(err)), 0);
}

static void add_dest(const char *line)
{
	struct cfg_service *s = &cfg->services[cfg->nservices - 1];
	char err[128];

	assert_int_equal(ipvs_args_dest(line, &s->svc, &s->dests[s->ndests], err, sizeof(err)), 0);
	snprintf(s->dest_key[s->ndests], CFG_KEY_MAX, "rs%u", s->ndests);
	s->ndests++;
}

static struct cfg_check *add_check(const char *name, int type)
{
	struct cfg_check *c = &cfg->checks[cfg->nchecks++];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->type = type;
	c->interval = c->timeout = c->rise = c->fall = 1;
	snprintf(c->http_path, sizeof(c->http_path), "/");
	c->http_status = 200;
	return c;
}

/* Applies cfg as the daemon does on a reload: services, then checks. */
static void apply(void)
{
	assert_int_equal(ipvs_apply_config(prev, cfg, report, sizeof(report), NULL), 0);
	health_apply(cfg, report, sizeof(report));
	memcpy(prev, cfg, sizeof(*cfg));
}

/* ---- HTTP: 40 servers, a bounded number of probes, quiesce and back ---- */

static bool all_down(void)
{
	return table("-t 10.0.0.1:80").weight0 == NSERVERS;
}

static bool none_quiesced(void)
{
	struct seen t = table("-t 10.0.0.1:80");

	return t.n == NSERVERS && t.weight0 == 0;
}

/* ipvsadm -e -t 10.0.0.1:80 -r 127.0.0.1:PORT -m -w W, as the socket does it */
static void operator_weight(uint16_t port, int w)
{
	struct dpvs_svc svc;
	struct dpvs_dest d;
	char line[64], err[128];

	assert_int_equal(ipvs_args_service("-t 10.0.0.1:80", &svc, err, sizeof(err)), 0);
	snprintf(line, sizeof(line), "-r 127.0.0.1:%u -m -w %d", port, w);
	assert_int_equal(ipvs_args_dest(line, &svc, &d, err, sizeof(err)), 0);
	assert_int_equal(ipvs_dest_edit(&svc, &d, err, sizeof(err)), 0);
}

static void test_http_bounded_quiesce_and_back(void **state)
{
	struct dpvs_check_entry e[NSERVERS];
	struct watch x;
	char line[64];

	(void)state;
	cfg_defaults(cfg);
	add_service("web", "-t 10.0.0.1:80 -s rr");
	for (unsigned i = 0; i < NSERVERS; i++) {
		servers[i].port = listen_on(SOCK_STREAM, &servers[i].fd);
		ev_io_init(&servers[i].io, on_accept, servers[i].fd, EV_READ);
		ev_io_start(loop, &servers[i].io);
		snprintf(line, sizeof(line), "-r 127.0.0.1:%u -m -w 1", servers[i].port);
		add_dest(line);
	}
	add_check("web", CFG_CHECK_HTTP);
	answer_http = false;
	apply();
	assert_non_null(strstr(report, "health: [check:web] TCP 10.0.0.1:80 started: http every "
				       "1 s, 40 servers"));
	assert_int_equal(table("-t 10.0.0.1:80").weight1, NSERVERS);

	/* silent servers: every probe runs to its 1 s deadline, so 40 of them
	 * would be out at once without the bound */
	assert_true(run_until(&x, all_down, 8));
	assert_int_equal(x.max_inflight, HEALTH_MAX_INFLIGHT);
	assert_true(x.max_gap < 0.9); /* never waited on a probe (1 s) */
	print_message("40 silent servers: at most %u probes out, longest loop gap %.0f ms\n",
		      x.max_inflight, x.max_gap * 1000);
	assert_int_equal(listing("web", e, NSERVERS), NSERVERS);
	for (unsigned i = 0; i < NSERVERS; i++) {
		assert_int_equal(e[i].state, DPVS_CHECK_DOWN);
		assert_int_equal(e[i].weight, 0);
		assert_int_equal(e[i].restore_weight, 1);
		assert_int_equal(e[i].changes, 1);
		assert_string_equal(e[i].last, "read: no answer within 1 s");
	}

	/* an operator's weight while the check has it down wins: kept */
	operator_weight(servers[0].port, 4);
	answer_http = true;
	assert_true(run_until(&x, none_quiesced, 8));
	assert_true(x.max_inflight <= HEALTH_MAX_INFLIGHT);
	assert_int_equal(listing(NULL, e, NSERVERS), NSERVERS);
	assert_int_equal(e[0].state, DPVS_CHECK_UP);
	assert_string_equal(e[0].last, "http: status 200");
	assert_int_equal(e[0].changes, 2);
	assert_int_equal(e[0].weight, 4);
	assert_int_equal(e[1].weight, 1);
	assert_int_equal(table("-t 10.0.0.1:80").weight1, NSERVERS - 1);
	assert_int_equal(listing("nosuch", e, NSERVERS), UINT32_MAX);

	/* an unexpected status is a failure that says which */
	cfg->checks[0].http_status = 204;
	apply();
	assert_non_null(strstr(report, "[check:web] TCP 10.0.0.1:80 updated"));
	assert_true(run_until(&x, all_down, 8));
	assert_int_equal(listing("web", e, 1), NSERVERS);
	assert_string_equal(e[0].last, "http: status 200 (not the expected)");

	/* the check leaves the file: what it had down comes back */
	cfg->nchecks = 0;
	apply();
	assert_non_null(strstr(report, "health: [check:web] stopped"));
	/* each with the weight it had when taken down: the operator's 4 too */
	assert_int_equal(none_quiesced(), true);
	assert_int_equal(table("-t 10.0.0.1:80").weight1, NSERVERS - 1);
	assert_int_equal(health_inflight(), 0);
	for (unsigned i = 0; i < NSERVERS; i++) {
		ev_io_stop(loop, &servers[i].io);
		close(servers[i].fd);
	}
}

/* ---- DNS with remove, and a server that never existed ---- */

static int dns_fd;
static ev_io dns_io;

static void on_dns(struct ev_loop *l, ev_io *w, int revents)
{
	static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7};
	uint8_t b[512];
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	ssize_t n = recvfrom(w->fd, b, sizeof(b) - sizeof(rr), 0, (struct sockaddr *)&peer, &pl);

	(void)l;
	(void)revents;
	if (n < 12)
		return;
	b[2] = 0x81; /* a response, recursion desired and available, NOERROR */
	b[3] = 0x80;
	b[7] = 1;
	memcpy(b + n, rr, sizeof(rr));
	sendto(w->fd, b, (size_t)n + sizeof(rr), 0, (struct sockaddr *)&peer, pl);
}

static bool dns_settled(void)
{
	struct dpvs_check_entry e[2];

	return listing("dns", e, 2) == 2 && e[0].probes >= 1 && e[1].state == DPVS_CHECK_DOWN;
}

static void test_dns_remove(void **state)
{
	struct dpvs_check_entry e[2];
	struct watch x;
	char line[64];
	int closed_fd;
	uint16_t port = listen_on(SOCK_DGRAM, &dns_fd);
	/* a port nobody listens on: the probe learns it by ICMP at once */
	uint16_t closed = listen_on(SOCK_DGRAM, &closed_fd);

	(void)state;
	close(closed_fd);
	ev_io_init(&dns_io, on_dns, dns_fd, EV_READ);
	ev_io_start(loop, &dns_io);
	cfg_defaults(cfg);
	add_service("dns", "-u 10.0.0.2:53 -s rr");
	snprintf(line, sizeof(line), "-r 127.0.0.1:%u -m -w 2", port);
	add_dest(line);
	snprintf(line, sizeof(line), "-r 127.0.0.1:%u -m -w 3", closed);
	add_dest(line);
	struct cfg_check *c = add_check("dns", CFG_CHECK_DNS);

	c->on_fail = CFG_CHECK_REMOVE;
	snprintf(c->dns_name, sizeof(c->dns_name), "www.example.com");
	snprintf(c->dns_expect, sizeof(c->dns_expect), "192.0.2.7");
	apply();
	assert_true(run_until(&x, dns_settled, 5));
	assert_int_equal(listing("dns", e, 2), 2);
	assert_int_equal(e[0].state, DPVS_CHECK_UP);
	assert_string_equal(e[0].last, "dns: answered");
	assert_int_equal(e[0].weight, 2);
	assert_int_equal(e[1].state, DPVS_CHECK_DOWN);
	assert_int_equal(e[1].weight, -1); /* removed */
	assert_int_equal(e[1].restore_weight, 3);
	assert_string_equal(e[1].last, "read: Connection refused");
	assert_int_equal(table("-u 10.0.0.2:53").n, 1);

	/* another expected address: the answer no longer will do */
	snprintf(cfg->checks[0].dns_expect, sizeof(cfg->checks[0].dns_expect), "192.0.2.9");
	apply();
	/* the reload re-added the removed server: the check took it out again */
	assert_int_equal(table("-u 10.0.0.2:53").n, 1);
	assert_true(run_until(&x, NULL, 1.6) == false);
	assert_int_equal(listing("dns", e, 2), 2);
	assert_int_equal(e[0].state, DPVS_CHECK_DOWN);
	assert_string_equal(e[0].last, "dns: 1 answer, none is 192.0.2.9");
	assert_int_equal(table("-u 10.0.0.2:53").n, 0);
	cfg->nchecks = 0;
	apply();
	/* both back, with the weights they had */
	assert_int_equal(table("-u 10.0.0.2:53").n, 2);
	ev_io_stop(loop, &dns_io);
	close(dns_fd);
}

/* ---- exec: exit status, timeout (killed), arguments ---- */

static char script[64];

static bool exec_settled(void)
{
	struct dpvs_check_entry e[3];

	return listing("ex", e, 3) == 3 && e[0].probes && e[1].probes && e[2].probes;
}

static void test_exec(void **state)
{
	struct dpvs_check_entry e[3];
	struct watch x;
	FILE *f;

	(void)state;
	snprintf(script, sizeof(script), "/tmp/test_health_exec.%d", (int)getpid());
	f = fopen(script, "w");
	assert_non_null(f);
	/* port 1 up, port 2 down, port 3 hangs; the arguments and the
	 * environment must agree */
	fputs("#!/bin/sh\n[ \"$1:$2\" = \"$DPVS_RS_ADDR:$DPVS_RS_PORT\" ] || exit 9\n"
	      "case $2 in 1) exit 0;; 2) exit 1;; *) sleep 30;; esac\n",
	      f);
	fclose(f);
	chmod(script, 0755);
	cfg_defaults(cfg);
	add_service("ex", "-t 10.0.0.3:80 -s rr");
	add_dest("-r 127.0.0.1:1 -m");
	add_dest("-r 127.0.0.1:2 -m");
	add_dest("-r 127.0.0.1:3 -m");
	struct cfg_check *c = add_check("ex", CFG_CHECK_EXEC);

	snprintf(c->command, sizeof(c->command), "%s", script);
	apply();
	assert_true(run_until(&x, exec_settled, 5));
	assert_int_equal(listing("ex", e, 3), 3);
	assert_int_equal(e[0].state, DPVS_CHECK_UP);
	assert_string_equal(e[0].last, "exec: exit 0");
	assert_int_equal(e[1].state, DPVS_CHECK_DOWN);
	assert_string_equal(e[1].last, "exec: exit 1");
	assert_int_equal(e[2].state, DPVS_CHECK_DOWN);
	assert_string_equal(e[2].last, "exec: no exit within 1 s (killed)");
	assert_true(x.max_gap < 0.9);
	health_stop(); /* kills and reaps what still runs */
	assert_int_equal(health_inflight(), 0);
	unlink(script);
}

/* ---- the director's own trouble is not the server's ---- */

static bool tried_thrice(void)
{
	struct dpvs_check_entry e;

	return listing("ns", &e, 1) == 1 && e.probes >= 3;
}

static void test_not_sent(void **state)
{
	struct dpvs_check_entry e;
	struct watch x;

	(void)state;
	cfg_defaults(cfg);
	add_service("ns", "-t 10.0.0.4:80 -s rr");
	add_dest("-r 127.0.0.1:9 -m -w 5");
	/* an address this host does not have: bind fails, nothing leaves */
	struct cfg_check *c = add_check("ns", CFG_CHECK_TCP);

	snprintf(c->source, sizeof(c->source), "192.0.2.55");
	apply();
	assert_true(run_until(&x, tried_thrice, 6));
	assert_int_equal(listing("ns", &e, 1), 1);
	assert_int_equal(e.state, DPVS_CHECK_UP);
	assert_int_equal(e.weight, 5);
	assert_int_equal(e.last_ok, 2);
	assert_int_equal(e.failures, 0);
	assert_true(e.not_sent >= 3);
	assert_string_equal(e.last, "bind to source 192.0.2.55: Cannot assign requested address");
	cfg->nchecks = 0;
	apply();
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	dp_test_eal();
	dp_worker_unregister_all();
	wk.lcore_id = rte_lcore_id();
	if (dp_worker_register(&wk) || inet_init(netif_nports, err, sizeof(err)) < 0 ||
	    ipvs_init(1, 1024, err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	ctl_registry_reset();
	health_ctl_register();
	loop = ev_default_loop(0);
	health_start(loop);
	cfg = calloc(1, sizeof(*cfg));
	prev = calloc(1, sizeof(*prev));
	if (!cfg || !prev)
		return -1;
	cfg_defaults(prev);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	health_stop();
	free(cfg);
	free(prev);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_http_bounded_quiesce_and_back),
	    cmocka_unit_test(test_dns_remove),
	    cmocka_unit_test(test_exec),
	    cmocka_unit_test(test_not_sent),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
