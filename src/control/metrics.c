/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics: the Prometheus endpoint ([global] metrics_listen = ADDR:PORT),
 * GET /metrics answered from the control thread with libmicrohttpd.
 *
 * MHD runs without a thread of its own ("external polling"): with
 * MHD_USE_EPOLL it keeps every socket it owns in one epoll fd, which an
 * ev_io on the daemon's libev loop watches; MHD_run() does the work and
 * MHD_get_timeout() says when MHD must run again even without activity
 * (idle connections time out), which an ev_timer keeps. So a scrape is
 * served between two control messages, on the thread that may read the
 * IPVS tables, and no lock is needed.
 *
 * Limits (a metrics port is often reachable by more than the scraper):
 * METRICS_CONN_MAX connections, METRICS_CONN_PER_IP per client address,
 * METRICS_MEM bytes per connection for the request (a larger header is
 * refused by MHD), an idle connection closed after METRICS_TIMEOUT
 * seconds; only GET and HEAD, no request body, two paths.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <ev.h>
#include <microhttpd.h>

#include "control/observe.h"
#include "inet_parse.h"
#include "log.h"

#define METRICS_CONN_MAX    16
#define METRICS_CONN_PER_IP 4
#define METRICS_MEM	    (32 * 1024)
#define METRICS_TIMEOUT	    10 /* seconds */
#define METRICS_CTYPE	    "text/plain; version=0.0.4; charset=utf-8"

static struct {
	struct MHD_Daemon *d;
	struct ev_loop *loop;
	ev_io io;
	ev_timer timer;
	uint64_t scrapes, refused;
} m;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **ctx)
{
	(void)cls;
	(void)version;
	(void)upload_data;
	(void)ctx;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		m.refused++;
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics here\n");
	}
	if (*upload_data_size) {
		m.refused++;
		return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "no request body here\n");
	}
	if (strcmp(url, "/") == 0)
		return reply(c, MHD_HTTP_OK, "dpvs: the metrics are at /metrics\n");
	if (strcmp(url, "/metrics") != 0) {
		m.refused++;
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	}

	size_t len = 0;
	char *text = metrics_render(&len);

	if (!text)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");

	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);

	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CTYPE);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);

	MHD_destroy_response(r);
	m.scrapes++;
	return ret;
}

/* After every turn of MHD: when must it run again without activity. */
static void rearm(void)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;

	ev_timer_stop(m.loop, &m.timer);
	if (MHD_get_timeout(m.d, &ms) == MHD_YES) {
		ev_timer_set(&m.timer, (double)ms / 1000.0, 0.0);
		ev_timer_start(m.loop, &m.timer);
	}
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	MHD_run(m.d);
	rearm();
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	MHD_run(m.d);
	rearm();
}

void metrics_counters(uint64_t *scrapes, uint64_t *refused)
{
	*scrapes = m.scrapes;
	*refused = m.refused;
}

int metrics_start(struct ev_loop *loop, const char *listen, char *err, size_t errlen)
{
	struct sockaddr_in sa;

	if (!listen || !listen[0])
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	if (inet_parse_listen(listen, &sa.sin_addr.s_addr, &sa.sin_port) < 0) {
		snprintf(err, errlen, "metrics_listen '%s': expected IPV4ADDRESS:PORT", listen);
		return -EINVAL;
	}
	m.d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, ntohs(sa.sin_port), NULL, NULL,
			       on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			       MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONN_MAX,
			       MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_CONN_PER_IP,
			       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_MEM,
			       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT,
			       MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
	if (!m.d) {
		snprintf(err, errlen,
			 "metrics_listen %s: cannot listen (address in use or not "
			 "one of this namespace's?)",
			 listen);
		return -EADDRINUSE;
	}

	const union MHD_DaemonInfo *info = MHD_get_daemon_info(m.d, MHD_DAEMON_INFO_EPOLL_FD);

	if (!info) {
		MHD_stop_daemon(m.d);
		m.d = NULL;
		snprintf(err, errlen, "metrics_listen %s: libmicrohttpd has no epoll here", listen);
		return -ENOTSUP;
	}
	m.loop = loop;
	ev_io_init(&m.io, on_io, info->epoll_fd, EV_READ);
	ev_io_start(loop, &m.io);
	ev_init(&m.timer, on_timer);
	rearm();
	DPVS_LOG(NOTICE, "metrics on http://%s/metrics", listen);
	return 0;
}

void metrics_stop(void)
{
	if (!m.d)
		return;
	ev_io_stop(m.loop, &m.io);
	ev_timer_stop(m.loop, &m.timer);
	MHD_stop_daemon(m.d);
	m.d = NULL;
}
