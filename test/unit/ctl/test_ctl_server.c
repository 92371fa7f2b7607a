/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control-socket server end to end: a real listening socket in a
 * temporary directory, served by its own libev loop on a thread, talked to
 * by raw sockets (to send what a good client never would) and by
 * libdpvsctl's dpvs_request (to check the two ends agree). Every bad
 * message must get its error (or a close) and leave the server serving.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <sys/un.h>
#include <cmocka.h>

#include <ev.h>
#include <rte_log.h>

#include "ctl_codec.h"
#include "dpvs_client.h"
#include "ctl/ctl_priv.h"

/* the daemon defines this in the worker layer, which this test leaves out */
int dpvs_logtype = RTE_LOGTYPE_USER1;

#define BIG_REPLY (1u << 20)
#define TEST_MAX_CLIENTS 64

static struct ev_loop *loop;
static ev_async stop_w;
static pthread_t server_thread;
static char tmpdir[32], sock_path[96];

/* ---- handlers (run on the server thread) ---- */

static int h_ping(const struct dpvs_ctl_hdr *h, const void *p, struct ctl_reply *r)
{
	struct dpvs_info *info = ctl_reply_alloc(r, sizeof(*info));

	(void)h;
	(void)p;
	if (!info)
		return -ENOMEM;
	snprintf(info->version, sizeof(info->version), "test");
	info->pid = (uint32_t)getpid();
	return 0;
}

static int h_echo(const struct dpvs_ctl_hdr *h, const void *p, struct ctl_reply *r)
{
	return ctl_reply_append(r, p, h->len);
}

static int h_not_found(const struct dpvs_ctl_hdr *h, const void *p, struct ctl_reply *r)
{
	(void)h;
	(void)p;
	return ctl_reply_error(r, -ENOENT, "no address 10.0.0.1 on dpdk0");
}

/* an error with a long message (400 characters) */
static int h_long_err(const struct dpvs_ctl_hdr *h, const void *p, struct ctl_reply *r)
{
	(void)h;
	(void)p;
	return ctl_reply_error(r, -ENOENT, "%0400d", 0);
}

static int h_busy(const struct dpvs_ctl_hdr *h, const void *p, struct ctl_reply *r)
{
	(void)h;
	(void)p;
	(void)r;
	return -EBUSY;
}

static int h_big(const struct dpvs_ctl_hdr *h, const void *p, struct ctl_reply *r)
{
	uint8_t *b = ctl_reply_alloc(r, BIG_REPLY);

	(void)h;
	(void)p;
	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < BIG_REPLY; i++)
		b[i] = (uint8_t)(i * 7);
	return 0;
}

static int h_overflow(const struct dpvs_ctl_hdr *h, const void *p, struct ctl_reply *r)
{
	(void)h;
	(void)p;
	/* ignores the failure on purpose: the server must still refuse to send */
	for (int i = 0; i < 5; i++)
		ctl_reply_alloc(r, 1u << 20);
	return 0;
}

static int h_stats(const struct dpvs_ctl_hdr *h, const void *p, struct ctl_reply *r)
{
	(void)h;
	(void)p;
	return ctl_reply_append(r, ctl_server_stats(), sizeof(struct ctl_server_stats));
}

static int h_nclients(const struct dpvs_ctl_hdr *h, const void *p, struct ctl_reply *r)
{
	uint32_t n = ctl_server_nclients();

	(void)h;
	(void)p;
	return ctl_reply_append(r, &n, sizeof(n));
}

/* batch hooks: how many BATCH messages the server ran (server thread) */
static unsigned batch_begins, batch_ends;

static void batch_begin(void)
{
	__atomic_add_fetch(&batch_begins, 1, __ATOMIC_RELEASE);
}

static int batch_end(void)
{
	__atomic_add_fetch(&batch_ends, 1, __ATOMIC_RELEASE);
	return 0;
}

/* ---- the server thread ---- */

static void stop_cb(struct ev_loop *l, ev_async *w, int revents)
{
	(void)w;
	(void)revents;
	ctl_server_stop();
	ev_break(l, EVBREAK_ALL);
}

static void *server_main(void *arg)
{
	(void)arg;
	ev_run(loop, 0);
	return NULL;
}

/* Leaves a socket file nobody listens on, as a crashed dpvs would. */
static void make_stale_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(strlen(path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
}

static int group_setup(void **state)
{
	char err[256];
	struct stat st;
	char dir[128];

	(void)state;
	rte_log_set_level(dpvs_logtype, RTE_LOG_ERR); /* the bad messages below are expected */
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ctl_test.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* a parent directory that does not exist yet, and a stale socket in it */
	snprintf(sock_path, sizeof(sock_path), "%s/run/dpvs.sock", tmpdir);
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);

	ctl_registry_reset();
	assert_int_equal(ctl_register(DPVS_MSG_PING, 0, 0, h_ping), 0);
	assert_int_equal(ctl_register(DPVS_MSG_ADDR_ADD, sizeof(struct dpvs_addr), 0, h_echo), 0);
	assert_int_equal(ctl_register(DPVS_MSG_ADDR_DEL, sizeof(struct dpvs_addr), 0,
				      h_not_found), 0);
	assert_int_equal(ctl_register(DPVS_MSG_NEIGH_DEL, 0, 0, h_busy), 0);
	assert_int_equal(ctl_register(DPVS_MSG_SVC_LIST, 0, 64, h_big), 0);
	assert_int_equal(ctl_register(DPVS_MSG_CONN_LIST, 0, 0, h_overflow), 0);
	assert_int_equal(ctl_register(DPVS_MSG_STATS, 0, 0, h_stats), 0);
	assert_int_equal(ctl_register(DPVS_MSG_TIMEOUT_GET, 0, 0, h_nclients), 0);
	assert_int_equal(ctl_register(DPVS_MSG_ROUTE_DEL, 0, 0, h_long_err), 0);
	assert_int_equal(ctl_register_batch(batch_begin, batch_end), 0);
	ctl_server_set_idle_timeout(0.5);
	ctl_server_set_limits(0.5, TEST_MAX_CLIENTS, CTL_RX_BUDGET);

	loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(loop);
	/* first start creates the parent; a stale socket left there is replaced */
	assert_int_equal(ctl_server_start(loop, sock_path, err, sizeof(err)), 0);
	ctl_server_stop();
	assert_int_equal(stat(dir, &st), 0);
	make_stale_socket(sock_path);
	if (ctl_server_start(loop, sock_path, err, sizeof(err))) {
		fprintf(stderr, "ctl_server_start: %s\n", err);
		return -1;
	}
	assert_int_equal(stat(sock_path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);

	ev_async_init(&stop_w, stop_cb);
	ev_async_start(loop, &stop_w);
	setenv(DPVS_CTL_SOCK_ENV, sock_path, 1);
	return pthread_create(&server_thread, NULL, server_main, NULL);
}

static int group_teardown(void **state)
{
	char dir[128];
	struct stat st;

	(void)state;
	ev_async_send(loop, &stop_w);
	pthread_join(server_thread, NULL);
	ev_loop_destroy(loop);
	/* stop removed our socket */
	assert_int_not_equal(stat(sock_path, &st), 0);
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	rmdir(dir);
	rmdir(tmpdir);
	return 0;
}

/* ---- a raw client ---- */

static int raw_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memcpy(sun.sun_path, sock_path, strlen(sock_path) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void raw_send(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void raw_request(int fd, uint16_t type, uint32_t seq, const void *payload, uint32_t len)
{
	struct dpvs_ctl_hdr h;

	ctl_hdr_init(&h, type, seq, len);
	raw_send(fd, &h, sizeof(h));
	if (len)
		raw_send(fd, payload, len);
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Reads one reply; its payload (NUL-terminated) into buf. */
static void raw_reply(int fd, struct dpvs_ctl_hdr *rh, char *buf, size_t cap)
{
	assert_int_equal(read_full(fd, rh, sizeof(*rh)), 0);
	assert_int_equal(ctl_hdr_check(rh, NULL, 0) == -EBADMSG, 0);
	assert_true(rh->len < cap);
	assert_int_equal(read_full(fd, buf, rh->len), 0);
	buf[rh->len] = '\0';
}

/* The server hung up: recv sees EOF (not a timeout). */
static void assert_closed(int fd)
{
	char c;

	assert_int_equal(recv(fd, &c, 1, 0), 0);
}

static struct ctl_server_stats get_stats(void)
{
	struct ctl_server_stats s;
	void *reply;
	uint32_t rlen;
	char err[256];

	assert_int_equal(dpvs_request(DPVS_MSG_STATS, 0, NULL, 0, &reply, &rlen, err,
				      sizeof(err)), 0);
	assert_int_equal(rlen, sizeof(s));
	memcpy(&s, reply, sizeof(s));
	free(reply);
	return s;
}

/* Connections the server holds besides the one asking (or, when the
 * server is at its limit and hangs up on the question, "many"). */
static unsigned other_clients(void)
{
	void *reply;
	uint32_t rlen, n;
	char err[256];
	int rc = dpvs_request(DPVS_MSG_TIMEOUT_GET, 0, NULL, 0, &reply, &rlen, err, sizeof(err));

	if (rc == -ECONNRESET)
		return TEST_MAX_CLIENTS;
	assert_int_equal(rc, 0);
	memcpy(&n, reply, sizeof(n));
	free(reply);
	return n - 1;
}

static void wait_no_other_clients(void)
{
	for (int i = 0; i < 200 && other_clients(); i++)
		usleep(10000);
	assert_int_equal(other_clients(), 0);
}

static void assert_ping_works(void)
{
	void *reply = NULL;
	uint32_t rlen = 0;
	char err[256] = "";

	assert_int_equal(dpvs_request(DPVS_MSG_PING, 0, NULL, 0, &reply, &rlen, err, sizeof(err)),
			 0);
	assert_int_equal(rlen, sizeof(struct dpvs_info));
	assert_string_equal(((struct dpvs_info *)reply)->version, "test");
	free(reply);
}

/* ---- good requests ---- */

static void test_ping_raw_keepalive(void **state)
{
	struct dpvs_ctl_hdr rh;
	char buf[256];
	int fd = raw_connect();

	(void)state;
	for (uint32_t seq = 100; seq < 103; seq++) {
		raw_request(fd, DPVS_MSG_PING, seq, NULL, 0);
		raw_reply(fd, &rh, buf, sizeof(buf));
		assert_int_equal(rh.status, 0);
		assert_int_equal(rh.seq, seq);
		assert_int_equal(rh.type, DPVS_MSG_PING);
		assert_int_equal(rh.len, sizeof(struct dpvs_info));
		assert_string_equal(((struct dpvs_info *)buf)->version, "test");
	}
	close(fd);
}

static void test_pipelined(void **state)
{
	struct dpvs_ctl_hdr h[2], rh;
	char buf[256];
	int fd = raw_connect();

	(void)state;
	ctl_hdr_init(&h[0], DPVS_MSG_PING, 1, 0);
	ctl_hdr_init(&h[1], DPVS_MSG_PING, 2, 0);
	raw_send(fd, h, sizeof(h)); /* two requests in one write */
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.seq, 1);
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.seq, 2);
	close(fd);
}

static void test_request_echo(void **state)
{
	struct dpvs_addr a = { .ifname = "dpdk0", .family = AF_INET, .prefixlen = 24 };
	void *reply = NULL;
	uint32_t rlen = 0;
	char err[256];

	(void)state;
	a.addr.be32[0] = htonl(0xc0a8016f);
	assert_int_equal(dpvs_request(DPVS_MSG_ADDR_ADD, 0, &a, sizeof(a), &reply, &rlen, err,
				      sizeof(err)), 0);
	assert_int_equal(rlen, sizeof(a));
	assert_memory_equal(reply, &a, sizeof(a));
	free(reply);
	/* the caller may not want the reply */
	assert_int_equal(dpvs_request(DPVS_MSG_ADDR_ADD, 0, &a, sizeof(a), NULL, NULL, err,
				      sizeof(err)), 0);
}

static void test_handler_errors(void **state)
{
	struct dpvs_addr a = { .ifname = "dpdk0" };
	char err[256] = "";

	(void)state;
	assert_int_equal(dpvs_request(DPVS_MSG_ADDR_DEL, 0, &a, sizeof(a), NULL, NULL, err,
				      sizeof(err)), -ENOENT);
	assert_string_equal(err, "no address 10.0.0.1 on dpdk0");
	/* a bare errno gets a message naming the request */
	assert_int_equal(dpvs_request(DPVS_MSG_NEIGH_DEL, 0, NULL, 0, NULL, NULL, err,
				      sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "NEIGH_DEL: "));
}

static void test_big_reply(void **state)
{
	void *reply = NULL;
	uint32_t rlen = 0;
	char err[256];
	const uint8_t *b;

	(void)state;
	/* far more than a socket buffer: the server must finish partial writes */
	assert_int_equal(dpvs_request(DPVS_MSG_SVC_LIST, 0, NULL, 0, &reply, &rlen, err,
				      sizeof(err)), 0);
	assert_int_equal(rlen, BIG_REPLY);
	b = reply;
	for (uint32_t i = 0; i < BIG_REPLY; i++)
		if (b[i] != (uint8_t)(i * 7))
			fail_msg("byte %u differs", i);
	free(reply);

	/* and a client that reads slowly */
	struct dpvs_ctl_hdr rh;
	int fd = raw_connect();
	uint8_t *buf = malloc(BIG_REPLY + 1);

	raw_request(fd, DPVS_MSG_SVC_LIST, 9, NULL, 0);
	usleep(100000);
	assert_int_equal(read_full(fd, &rh, sizeof(rh)), 0);
	assert_int_equal(rh.len, BIG_REPLY);
	for (size_t got = 0; got < BIG_REPLY; got += 65536) {
		assert_int_equal(read_full(fd, buf + got, 65536), 0);
		usleep(1000);
	}
	assert_int_equal(buf[BIG_REPLY - 1], (uint8_t)((BIG_REPLY - 1) * 7));
	free(buf);
	close(fd);
}

static void test_reply_overflow(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(dpvs_request(DPVS_MSG_CONN_LIST, 0, NULL, 0, NULL, NULL, err,
				      sizeof(err)), -EMSGSIZE);
	assert_non_null(strstr(err, "CONN_LIST: reply exceeds"));
}

/* ---- batches ---- */

struct batch_seen {
	uint32_t n;
	uint16_t type[32];
	int status[32];
	char msg[32][128];
	uint32_t errors; /* for big batches: every index in order, count errors */
	bool in_order;
};

static void batch_cb(uint32_t index, uint16_t type, int status, const char *msg, void *arg)
{
	struct batch_seen *s = arg;

	if (index != s->n)
		s->in_order = false;
	if (s->n < 32) {
		s->type[s->n] = type;
		s->status[s->n] = status;
		snprintf(s->msg[s->n], sizeof(s->msg[0]), "%s", msg);
	}
	s->errors += status < 0;
	s->n++;
}

static unsigned batches_run(void)
{
	return __atomic_load_n(&batch_ends, __ATOMIC_ACQUIRE);
}

static void test_batch(void **state)
{
	struct dpvs_addr a = { .ifname = "dpdk0", .family = AF_INET };
	struct dpvs_batch b;
	struct batch_seen seen = { .in_order = true };
	unsigned before = batches_run();
	char err[256] = "";

	(void)state;
	dpvs_batch_init(&b);
	assert_int_equal(dpvs_batch_add(&b, DPVS_MSG_ADDR_ADD, 0, &a, sizeof(a)), 0);
	assert_int_equal(dpvs_batch_add(&b, DPVS_MSG_ADDR_DEL, 0, &a, sizeof(a)), 0);
	assert_int_equal(dpvs_batch_add(&b, DPVS_MSG_PING, 0, NULL, 0), 0);
	/* a listing's reply is too big for a batch */
	assert_int_equal(dpvs_batch_add(&b, DPVS_MSG_SVC_LIST, 0, NULL, 0), 0);
	/* nobody handles this one; a wrong length; a batch in the batch */
	assert_int_equal(dpvs_batch_add(&b, DPVS_MSG_ROUTE_ADD, 0, &a, sizeof(a)), 0);
	assert_int_equal(dpvs_batch_add(&b, DPVS_MSG_ADDR_ADD, 0, &a, 3), 0);
	assert_int_equal(dpvs_batch_add(&b, DPVS_MSG_BATCH, 0, NULL, 0), 0);
	assert_int_equal(dpvs_batch_add(&b, DPVS_MSG_NEIGH_DEL, 0, NULL, 0), 0);
	assert_int_equal(b.n, 8);
	assert_int_equal(dpvs_batch_send(&b, batch_cb, &seen, err, sizeof(err)), 0);
	assert_true(seen.in_order);
	assert_int_equal(seen.n, 8);
	assert_int_equal(b.n, 0);
	assert_int_equal(seen.status[0], 0);
	assert_int_equal(seen.status[1], -ENOENT);
	assert_string_equal(seen.msg[1], "no address 10.0.0.1 on dpdk0");
	assert_int_equal(seen.status[2], 0);
	assert_int_equal(seen.status[3], -E2BIG);
	assert_non_null(strstr(seen.msg[3], "SVC_LIST"));
	assert_int_equal(seen.status[4], -EOPNOTSUPP);
	assert_int_equal(seen.status[5], -EINVAL);
	assert_int_equal(seen.status[6], -EINVAL);
	assert_int_equal(seen.type[7], DPVS_MSG_NEIGH_DEL);
	assert_int_equal(seen.status[7], -EBUSY);
	/* one message, one begin/end around all of it */
	assert_int_equal(batches_run(), before + 1);
	assert_int_equal(__atomic_load_n(&batch_begins, __ATOMIC_ACQUIRE), batches_run());

	/* 20,000 failing requests: their replies (8 MB of messages) fill more
	 * than one message, the client sends the rest again, every reply
	 * comes, in order */
	seen = (struct batch_seen){ .in_order = true };
	before = batches_run();
	for (int i = 0; i < 20000; i++)
		assert_int_equal(dpvs_batch_add(&b, DPVS_MSG_ROUTE_DEL, 0, NULL, 0), 0);
	assert_int_equal(dpvs_batch_send(&b, batch_cb, &seen, err, sizeof(err)), 0);
	assert_true(seen.in_order);
	assert_int_equal(seen.n, 20000);
	assert_int_equal(seen.errors, 20000);
	assert_true(batches_run() - before >= 2);
	assert_true(batches_run() - before <= 4);
	dpvs_batch_free(&b);
	assert_ping_works();
}

static void test_batch_malformed(void **state)
{
	struct {
		struct dpvs_ctl_hdr h;
		uint8_t payload[8];
	} bad;
	struct dpvs_ctl_hdr rh;
	char buf[1024];
	unsigned before = batches_run();
	int fd = raw_connect();

	(void)state;
	/* a request whose length runs past the batch: nothing runs */
	ctl_hdr_init(&bad.h, DPVS_MSG_PING, 1, 100);
	raw_request(fd, DPVS_MSG_BATCH, 5, &bad, sizeof(bad));
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, -EBADMSG);
	assert_non_null(strstr(buf, "runs past the batch"));
	/* a header that is not one */
	memset(&bad, 0x5a, sizeof(bad));
	raw_request(fd, DPVS_MSG_BATCH, 6, &bad, sizeof(bad));
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, -EBADMSG);
	assert_int_equal(batches_run(), before);
	/* an empty batch is fine, and the connection still serves */
	raw_request(fd, DPVS_MSG_BATCH, 7, NULL, 0);
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, 0);
	assert_int_equal(rh.len, sizeof(struct dpvs_batch_reply));
	close(fd);
}

/* ---- bad requests ---- */

static void test_bad_magic(void **state)
{
	struct ctl_server_stats before = get_stats();
	struct dpvs_ctl_hdr h, rh;
	char buf[1024];
	int fd = raw_connect();

	(void)state;
	ctl_hdr_init(&h, DPVS_MSG_PING, 5, 0);
	h.magic = 0x50545448; /* "HTTP" */
	raw_send(fd, &h, sizeof(h));
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, -EBADMSG);
	assert_int_equal(rh.seq, 5);
	assert_non_null(strstr(buf, "bad magic"));
	assert_closed(fd);
	close(fd);
	assert_int_equal(get_stats().bad_magic, before.bad_magic + 1);
	assert_ping_works();
}

static void test_bad_version(void **state)
{
	struct ctl_server_stats before = get_stats();
	struct dpvs_ctl_hdr h, rh;
	char buf[1024];
	int fd = raw_connect();

	(void)state;
	ctl_hdr_init(&h, DPVS_MSG_PING, 6, 0);
	h.version = 99;
	raw_send(fd, &h, sizeof(h));
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, -EPROTO);
	assert_int_equal(rh.version, DPVS_CTL_VERSION); /* the reply says what we speak */
	assert_non_null(strstr(buf, "version 99"));
	assert_closed(fd);
	close(fd);
	assert_int_equal(get_stats().bad_version, before.bad_version + 1);
	assert_ping_works();
}

static void test_too_big(void **state)
{
	struct ctl_server_stats before = get_stats();
	struct dpvs_ctl_hdr h, rh;
	char buf[1024];
	int fd = raw_connect();

	(void)state;
	ctl_hdr_init(&h, DPVS_MSG_ADDR_ADD, 7, DPVS_CTL_MAX_PAYLOAD + 1);
	raw_send(fd, &h, sizeof(h));
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, -EMSGSIZE);
	assert_non_null(strstr(buf, "ADDR_ADD: payload of"));
	assert_closed(fd);
	close(fd);
	assert_int_equal(get_stats().too_big, before.too_big + 1);
	assert_ping_works();
}

static void test_unknown_type_keeps_framing(void **state)
{
	struct ctl_server_stats before = get_stats();
	struct dpvs_ctl_hdr rh;
	char buf[1024], junk[10000];
	int fd = raw_connect();

	(void)state;
	memset(junk, 0xab, sizeof(junk));
	raw_request(fd, 7, 8, junk, sizeof(junk));
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, -EOPNOTSUPP);
	assert_int_equal(rh.seq, 8);
	assert_non_null(strstr(buf, "unknown message type 7"));
	/* the payload was skipped: the same connection still works */
	raw_request(fd, DPVS_MSG_PING, 9, NULL, 0);
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, 0);
	assert_int_equal(rh.seq, 9);
	close(fd);
	assert_int_equal(get_stats().unknown_type, before.unknown_type + 1);
}

static void test_no_handler(void **state)
{
	struct dpvs_route r = { .ifname = "x" };
	char err[256] = "";

	(void)state;
	/* a known type nobody registered */
	assert_int_equal(dpvs_request(DPVS_MSG_ROUTE_ADD, 0, &r, sizeof(r), NULL, NULL, err,
				      sizeof(err)), -EOPNOTSUPP);
	assert_string_equal(err, "ROUTE_ADD: not supported by this dpvs");
}

static void test_short_payload(void **state)
{
	struct ctl_server_stats before = get_stats();
	struct dpvs_ctl_hdr rh;
	char buf[1024], want[128], twelve[12] = { 0 };
	int fd = raw_connect();

	(void)state;
	raw_request(fd, DPVS_MSG_ADDR_ADD, 10, twelve, sizeof(twelve));
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, -EINVAL);
	snprintf(want, sizeof(want), "ADDR_ADD: payload is 12 bytes, expected %zu",
		 sizeof(struct dpvs_addr));
	assert_string_equal(buf, want);
	/* too long for a range */
	char long_payload[65] = { 0 };

	raw_request(fd, DPVS_MSG_SVC_LIST, 11, long_payload, sizeof(long_payload));
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, -EINVAL);
	assert_string_equal(buf, "SVC_LIST: payload is 65 bytes, expected 0..64");
	/* still framed */
	raw_request(fd, DPVS_MSG_PING, 12, NULL, 0);
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, 0);
	close(fd);
	assert_int_equal(get_stats().bad_len, before.bad_len + 2);
}

static void test_truncated_payload(void **state)
{
	struct ctl_server_stats before = get_stats();
	struct dpvs_ctl_hdr h, rh;
	char buf[1024], part[10] = { 0 };
	int fd = raw_connect();

	(void)state;
	ctl_hdr_init(&h, DPVS_MSG_ADDR_ADD, 13, sizeof(struct dpvs_addr));
	raw_send(fd, &h, sizeof(h));
	raw_send(fd, part, sizeof(part));
	shutdown(fd, SHUT_WR); /* done sending, mid-payload */
	raw_reply(fd, &rh, buf, sizeof(buf));
	assert_int_equal(rh.status, -EBADMSG);
	assert_non_null(strstr(buf, "truncated message: 10 of"));
	assert_closed(fd);
	close(fd);

	/* and one that vanishes mid-header */
	fd = raw_connect();
	raw_send(fd, &h, 7);
	close(fd);
	wait_no_other_clients();
	assert_int_equal(get_stats().truncated, before.truncated + 2);
	assert_ping_works();
}

static void test_idle_timeout(void **state)
{
	struct ctl_server_stats before = get_stats();
	struct dpvs_ctl_hdr h;
	int fd = raw_connect();

	(void)state;
	ctl_hdr_init(&h, DPVS_MSG_PING, 14, 0);
	raw_send(fd, &h, 5); /* then silence */
	assert_closed(fd);   /* within the 0.5 s idle timeout, not the 5 s recv timeout */
	close(fd);
	assert_int_equal(get_stats().truncated, before.truncated + 1);
	assert_ping_works();
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Issue 19: idle and dripping clients cannot lock operators out. More
 * idle connections than TEST_MAX_CLIENTS and a set of clients sending
 * one byte of a header every 50 ms: every PING meanwhile is answered
 * within a second, the drippers are closed at the whole-message deadline
 * (not kept alive by each byte), the oldest idle ones make room. (The
 * 10,000 / 100 version against a real daemon: test/bench/ctl_starve.py.)
 */
#define TEST_IDLE 200
#define TEST_DRIP 20

static void test_no_lockout(void **state)
{
	struct ctl_server_stats before;
	int idle[TEST_IDLE], drip[TEST_DRIP];
	struct dpvs_ctl_hdr h;
	unsigned sent[TEST_DRIP] = { 0 }, pings = 0;
	double worst = 0, start;

	(void)state;
	wait_no_other_clients();
	before = get_stats();
	for (int i = 0; i < TEST_IDLE; i++)
		idle[i] = raw_connect();
	for (int i = 0; i < TEST_DRIP; i++)
		drip[i] = raw_connect();
	ctl_hdr_init(&h, DPVS_MSG_PING, 16, 0);
	start = now_s();
	/* bounded: 1.5 s of dripping (three deadlines), a PING every 50 ms
	 * and a byte every other PING: a header takes 2.4 s to drip, so
	 * only the deadline (not a finished header) ends a dripper, even
	 * when a loaded machine holds the server back for a while */
	for (unsigned round = 0; now_s() - start < 1.5; round++) {
		for (int i = 0; i < TEST_DRIP && round % 2 == 0; i++) {
			if (sent[i] < sizeof(h) &&
			    send(drip[i], (char *)&h + sent[i], 1, MSG_NOSIGNAL) == 1)
				sent[i]++;
		}
		double t0 = now_s();

		assert_ping_works();
		pings++;
		if (now_s() - t0 > worst)
			worst = now_s() - t0;
		usleep(50000);
	}
	struct ctl_server_stats after = get_stats();

	/* the deadlines have passed; a server the machine held back closes
	 * the drippers a little later: wait for that, bounded */
	for (int i = 0; i < 50 && after.slow_closed - before.slow_closed < TEST_DRIP; i++) {
		usleep(100000);
		after = get_stats();
	}
	print_message("no lockout: %u PINGs answered, slowest %.1f ms; evicted %llu, slow %llu\n",
		      pings, worst * 1e3, (unsigned long long)(after.evicted - before.evicted),
		      (unsigned long long)(after.slow_closed - before.slow_closed));
	assert_true(worst < 1.0);
	/* every dripper was closed by its deadline, none finished its header */
	assert_true(after.slow_closed - before.slow_closed >= TEST_DRIP);
	for (int i = 0; i < TEST_DRIP; i++) {
		assert_true(sent[i] < sizeof(h));
		assert_closed(drip[i]);
		close(drip[i]);
	}
	/* the oldest idle ones made room for the rest and for the PINGs */
	assert_true(after.evicted - before.evicted >= TEST_IDLE + TEST_DRIP - TEST_MAX_CLIENTS);
	assert_closed(idle[0]);
	for (int i = 0; i < TEST_IDLE; i++)
		close(idle[i]);
	wait_no_other_clients();
	assert_ping_works();
}

/* A client that stops reading its reply is closed after the idle timeout
 * (its reply does not pin memory for ever). */
static void test_reply_reader_gone_quiet(void **state)
{
	struct ctl_server_stats before = get_stats();
	int fd = raw_connect();
	int small = 4096;

	(void)state;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	raw_request(fd, DPVS_MSG_SVC_LIST, 17, NULL, 0); /* a 1 MiB reply, never read */
	for (int i = 0; i < 300 && get_stats().idle_closed == before.idle_closed; i++)
		usleep(10000);
	assert_true(get_stats().idle_closed > before.idle_closed);
	close(fd);
	assert_ping_works();
}

static void test_garbage(void **state)
{
	unsigned seed = 4242;

	(void)state;
	for (int iter = 0; iter < 300; iter++) {
		uint8_t buf[256];
		struct dpvs_ctl_hdr h;
		int fd = raw_connect();
		size_t len;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % sizeof(buf);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (uint8_t)(seed >> 16);
		}
		/* half of them look like a header at first */
		if ((iter & 1) && len >= sizeof(h)) {
			memcpy(&h, buf, sizeof(h));
			h.magic = DPVS_CTL_MAGIC;
			h.version = DPVS_CTL_VERSION;
			h.len %= 512;
			memcpy(buf, &h, sizeof(h));
		}
		if (len)
			send(fd, buf, len, MSG_NOSIGNAL);
		close(fd);
		/* let the server catch up now and then: at its client limit it
		 * would (rightly) refuse the test's own requests */
		if (iter % 32 == 31)
			wait_no_other_clients();
	}
	wait_no_other_clients();
	assert_ping_works();
}

/* ---- no server needed ---- */

static void test_register_errors(void **state)
{
	(void)state;
	assert_int_equal(ctl_register(DPVS_MSG_NONE, 0, 0, h_ping), -EINVAL);
	assert_int_equal(ctl_register(DPVS_MSG_MAX, 0, 0, h_ping), -EINVAL);
	assert_int_equal(ctl_register(DPVS_MSG_ROUTE_DEL, 0, 0, NULL), -EINVAL);
	assert_int_equal(ctl_register(DPVS_MSG_ROUTE_DEL, 8, 4, h_ping), -EINVAL);
	assert_int_equal(ctl_register(DPVS_MSG_ROUTE_DEL, 0, DPVS_CTL_MAX_PAYLOAD + 1, h_ping),
			 -EINVAL);
	assert_int_equal(ctl_register(DPVS_MSG_PING, 0, 0, h_ping), -EEXIST);
}

static void test_start_twice(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(ctl_server_start(loop, sock_path, err, sizeof(err)), -EALREADY);
	assert_non_null(strstr(err, "already open"));
}

static void test_no_daemon(void **state)
{
	char err[256] = "", path[160];

	(void)state;
	snprintf(path, sizeof(path), "%s/none.sock", tmpdir);
	setenv(DPVS_CTL_SOCK_ENV, path, 1);
	assert_string_equal(dpvs_sock_path(), path);
	assert_int_equal(dpvs_request(DPVS_MSG_PING, 0, NULL, 0, NULL, NULL, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "cannot connect to"));
	assert_non_null(strstr(err, "is dpvs running?"));
	unsetenv(DPVS_CTL_SOCK_ENV);
	assert_string_equal(dpvs_sock_path(), DPVS_CTL_DEFAULT_SOCK);
	setenv(DPVS_CTL_SOCK_ENV, sock_path, 1);
}

static void test_list_entries(void **state)
{
	uint8_t buf[sizeof(struct dpvs_list) + 3 * 40];
	struct dpvs_list l = { .count = 3, .entry_size = 40 };
	uint32_t count = 99;
	char err[256];
	const void *first;

	(void)state;
	memcpy(buf, &l, sizeof(l));
	first = dpvs_list_entries(buf, sizeof(buf), 36, &count, err, sizeof(err));
	assert_ptr_equal(first, buf + sizeof(l));
	assert_int_equal(count, 3);
	/* too short for the count */
	assert_null(dpvs_list_entries(buf, sizeof(buf) - 1, 36, &count, err, sizeof(err)));
	assert_non_null(strstr(err, "does not fit"));
	/* entries smaller than this tool's struct */
	assert_null(dpvs_list_entries(buf, sizeof(buf), 41, &count, err, sizeof(err)));
	assert_non_null(strstr(err, "same build"));
	/* a count that would wrap 32-bit arithmetic */
	l.count = 0x80000000u;
	l.entry_size = 2;
	memcpy(buf, &l, sizeof(l));
	assert_null(dpvs_list_entries(buf, sizeof(buf), 1, &count, err, sizeof(err)));
	assert_null(dpvs_list_entries(buf, 4, 1, &count, err, sizeof(err)));
	assert_null(dpvs_list_entries(NULL, 0, 1, &count, err, sizeof(err)));
}

/* Start refusals that need no running server: a non-socket file in the way. */
static void test_start_refusals(void **state)
{
	struct ev_loop *l = ev_loop_new(EVFLAG_AUTO);
	char dir[64], path[128], err[256] = "";
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ctl_test2.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/file", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(ctl_server_start(l, path, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "is not a socket"));
	unlink(path);
	assert_int_equal(ctl_server_start(l, "", err, sizeof(err)), -EINVAL);
	char longp[200];

	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(ctl_server_start(l, longp, err, sizeof(err)), -ENAMETOOLONG);
	rmdir(dir);
	ev_loop_destroy(l);
}

int main(void)
{
	const struct CMUnitTest offline[] = {
		cmocka_unit_test(test_list_entries),
		cmocka_unit_test(test_start_refusals),
	};
	const struct CMUnitTest served[] = {
		cmocka_unit_test(test_ping_raw_keepalive),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_request_echo),
		cmocka_unit_test(test_handler_errors),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_batch_malformed),
		cmocka_unit_test(test_big_reply),
		cmocka_unit_test(test_reply_overflow),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_unknown_type_keeps_framing),
		cmocka_unit_test(test_no_handler),
		cmocka_unit_test(test_short_payload),
		cmocka_unit_test(test_truncated_payload),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_no_lockout),
		cmocka_unit_test(test_reply_reader_gone_quiet),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_register_errors),
		cmocka_unit_test(test_start_twice),
		cmocka_unit_test(test_no_daemon),
	};
	int failed = cmocka_run_group_tests_name("ctl offline", offline, NULL, NULL);

	failed += cmocka_run_group_tests_name("ctl served", served, group_setup, group_teardown);
	return failed;
}
