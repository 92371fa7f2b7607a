/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvsadm for dpvs: ipvsadm 1.31's commands, messages and exit codes, with
 * the dpvs daemon's control socket in place of the kernel's IPVS netlink.
 * The parsing lives in tools/lib/ipvsadm_parse.c (shared with the daemon's
 * config file), the printing in format.c; this file sends the requests and
 * maps the answers to ipvsadm's behaviour.
 *
 * Deliberate differences from ipvsadm 1.31 (kept short; see also format.c
 * and ipvsadm_parse.c):
 *  - Upstream calls ipvs_init() before it reads any argument, so even -h
 *    and -v fail without IPVS. Here the arguments are parsed first and the
 *    daemon is contacted only by commands that need it: -h, -v and every
 *    argument error work without a running dpvs.
 *  - "Can't initialize ipvs: <reason>" says why the socket failed and
 *    names it: "Are you sure that the dpvs daemon is running? (socket:
 *    PATH, set DPVS_SOCK)". Exit 2 as upstream.
 *  - The sync daemon is not implemented by dpvs yet: --start-daemon and
 *    --stop-daemon are parsed and checked exactly, then fail with a clear
 *    message and exit 255 (like a kernel error); -L --daemon lists no
 *    daemon (empty output, exit 0).
 *  - -c reads the daemon's connection table, not /proc/net/ip_vs_conn; when
 *    that fails the message is the daemon's error (exit 1 as upstream).
 *  - DPVS's Full-NAT local-address commands: --add-laddr (-P),
 *    --del-laddr (-Q) with -z LIP [-F PORT], --get-laddr (-G) [service],
 *    listed in DPVS's format (format.c fmt_laddrs).
 *  - size= in the version line is the daemon's connection table size per
 *    worker (dpvs_info.conn_tab_size), dpvs's counterpart of the kernel's
 *    conn_tab_size.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_list.h"
#include "dpvs_client.h"
#include "errors.h"
#include "format.h"
#include "inet_parse.h"
#include "ipvsadm_parse.h"
#include "table.h"

#define EXIT_KERNEL 255 /* ipvsadm's return -1 after a kernel error */
#define EXIT_LIST 1     /* a listing could not be produced */
#define RESTORE_WORDS 256

static struct dpvs_info daemon_info;
static bool daemon_ok;

/* ipvsadm's ipvs_init(): one PING, once, before the first real request. */
static void daemon_init(void)
{
	char err[DPVS_CTL_ERRMSG_MAX];
	void *reply = NULL;
	uint32_t rlen = 0;
	int rc;

	if (daemon_ok)
		return;
	rc = dpvs_request(DPVS_MSG_PING, 0, NULL, 0, &reply, &rlen, err, sizeof(err));
	if (rc == 0 && rlen < sizeof(daemon_info)) {
		snprintf(err, sizeof(err), "PING reply of %u bytes is too short", rlen);
		rc = -EBADMSG;
	}
	if (rc) {
		free(reply);
		fprintf(stderr,
			"Can't initialize ipvs: %s\n"
			"Are you sure that the dpvs daemon is running? (socket: %s, set %s)\n",
			err, dpvs_sock_path(), DPVS_CTL_SOCK_ENV);
		exit(2);
	}
	memcpy(&daemon_info, reply, sizeof(daemon_info));
	free(reply);
	daemon_ok = true;
}

/*
 * -R: the set commands of the lines are sent in batches (one BATCH message
 * carries thousands, and the daemon publishes once per message instead of
 * once per line). Their errors are printed as the replies come, in line
 * order; anything else a line prints (a parse error, a listing) first
 * sends what is pending, so the output keeps the order of the lines.
 */
static struct dpvs_batch batch;
static bool batching;
static int last_result; /* of the last line run: -R's exit status */

static void batch_result(uint32_t index, uint16_t type, int status, const char *msg, void *arg)
{
	(void)index;
	(void)arg;
	if (status < 0)
		fprintf(stderr, "%s\n", ipvsadm_error_text(type, status, msg));
	last_result = status < 0 ? EXIT_KERNEL : 0;
}

/* Runs the pending lines. A failed exchange ends ipvsadm as a failed
 * request of the kernel would have. */
static void batch_flush(void)
{
	char err[DPVS_CTL_ERRMSG_MAX];

	if (!batch.n)
		return;
	fflush(stdout);
	if (dpvs_batch_send(&batch, batch_result, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		exit(EXIT_KERNEL);
	}
}

/* A set command: 0, or the ipvsadm text of the daemon's error and 255.
 * In a restore, queued (its result comes with the batch's replies). */
static int set_request(uint16_t type, uint32_t flags, const void *req, uint32_t len)
{
	char err[DPVS_CTL_ERRMSG_MAX];
	int rc;

	if (batching) {
		rc = dpvs_batch_add(&batch, type, flags, req, len);
		if (rc == -EMSGSIZE) {
			batch_flush();
			rc = dpvs_batch_add(&batch, type, flags, req, len);
		}
		if (rc == 0)
			return 0;
		batch_flush(); /* no memory for the batch: this one alone */
	}
	rc = dpvs_request(type, flags, req, len, NULL, NULL, err, sizeof(err));
	if (rc == 0)
		return 0;
	fprintf(stderr, "%s\n", ipvsadm_error_text(type, rc, err));
	return EXIT_KERNEL;
}

#define LIST_TRIES 5 /* listings restarted because the services changed */

/* Fetches the table page by page (a big one does not fit in one message);
 * 0, -EAGAIN when the services changed meanwhile, or another error with
 * the text to print in err. */
static int fetch_pages(const struct dpvs_svc *svc, struct ipvs_table *t, char *err, size_t errlen)
{
	struct dpvs_svc_page_req q = { .svc_from = 0 };
	struct ipvs_table_page *pages = NULL;
	void **replies = NULL;
	unsigned n = 0, cap = 0;
	int rc = 0;

	if (svc)
		q.key = *svc;
	for (;;) {
		struct dpvs_svc_page pg;
		void *reply = NULL;
		uint32_t rlen = 0;

		rc = dpvs_request(DPVS_MSG_SVC_LIST,
				  DPVS_MSG_F_SVC_PAGE | (svc ? DPVS_MSG_F_SVC_KEY : 0), &q,
				  sizeof(q), &reply, &rlen, err, errlen);
		if (rc) {
			if (rc != -EAGAIN)
				snprintf(err, errlen, "%s", ipvsadm_strerror(DPVS_MSG_SVC_LIST, rc));
			break;
		}
		if (n == cap) {
			unsigned ncap = cap ? 2 * cap : 8;
			struct ipvs_table_page *np = realloc(pages, sizeof(*np) * ncap);
			void **nr = np ? realloc(replies, sizeof(*nr) * ncap) : NULL;

			if (np)
				pages = np;
			if (!np || !nr) {
				free(reply);
				snprintf(err, errlen, "%s", strerror(ENOMEM));
				rc = -ENOMEM;
				break;
			}
			replies = nr;
			cap = ncap;
		}
		replies[n] = reply;
		if (rlen < sizeof(pg)) {
			snprintf(err, errlen, "service list page of %u bytes is too short", rlen);
			rc = -EBADMSG;
			n++;
			break;
		}
		memcpy(&pg, reply, sizeof(pg));
		pages[n] = (struct ipvs_table_page){ .list = (const char *)reply + sizeof(pg),
						     .len = rlen - (uint32_t)sizeof(pg),
						     .continues = q.dest_from != 0 };
		n++;
		if (!pg.more)
			break;
		/* a page must move the cursor, or the listing never ends */
		if (pg.next_svc < q.svc_from ||
		    (pg.next_svc == q.svc_from && pg.next_dest <= q.dest_from)) {
			snprintf(err, errlen, "service list: page %u does not advance", n);
			rc = -EBADMSG;
			break;
		}
		q.svc_from = pg.next_svc;
		q.dest_from = pg.next_dest;
		q.version = pg.version;
	}
	if (!rc)
		rc = ipvs_table_decode_pages(pages, n, t, err, errlen);
	for (unsigned i = 0; i < n; i++)
		free(replies[i]);
	free(replies);
	free(pages);
	return rc;
}

/* Fetches the table (all services, or the one keyed by svc); a failure
 * ends the program with exit 1, as ipvsadm's list functions do. */
static void fetch_table(const struct dpvs_svc *svc, unsigned int fmt, struct ipvs_table *t)
{
	char err[DPVS_CTL_ERRMSG_MAX];
	int rc = -EAGAIN;

	/* a listing is one state of the services: when they change between
	 * two pages, start again */
	for (int i = 0; i < LIST_TRIES && rc == -EAGAIN; i++)
		rc = fetch_pages(svc, t, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		exit(EXIT_LIST);
	}
	if (svc && t->nrows != 1) {
		ipvs_table_free(t);
		fprintf(stderr, "%s\n", ipvsadm_strerror(DPVS_MSG_SVC_LIST, ESRCH));
		exit(EXIT_LIST);
	}
	if (!(fmt & IPVSADM_FMT_NOSORT))
		ipvs_table_sort(t);
}

static void list_all(unsigned int fmt)
{
	struct ipvs_table t;

	daemon_init();
	if (!(fmt & IPVSADM_FMT_RULE)) {
		/* printed before the query, as upstream */
		fmt_version_header(stdout, daemon_info.conn_tab_size);
		fflush(stdout);
	}
	fetch_table(NULL, fmt, &t);
	fmt_services(stdout, &t, fmt);
	ipvs_table_free(&t);
}

static void list_service(const struct dpvs_svc *svc, unsigned int fmt)
{
	struct ipvs_table t;

	daemon_init();
	fetch_table(svc, fmt, &t);
	fmt_services(stdout, &t, fmt);
	ipvs_table_free(&t);
}

struct conn_print {
	unsigned int fmt;
	bool titled;
};

/* A page of -c rows, printed as it comes: ipvsadm does not sort conns,
 * so nothing waits for the whole table (10M conns would be 1 GB). The
 * title waits for the first page, as upstream prints it only once its
 * /proc file opened. */
static int print_conn_page(const struct dpvs_conn *c, uint32_t n, void *arg)
{
	struct conn_print *p = arg;

	if (!p->titled)
		fmt_conns_title(stdout, p->fmt);
	p->titled = true;
	fmt_conn_rows(stdout, c, n, p->fmt);
	return ferror(stdout) ? -EIO : 0;
}

static void list_conns(unsigned int fmt)
{
	char err[DPVS_CTL_ERRMSG_MAX];
	struct conn_print p = {.fmt = fmt};
	uint64_t listed = 0;
	int rc;

	daemon_init();
	rc = dpvs_conn_list(print_conn_page, &p, &listed, err, sizeof(err));
	fflush(stdout);
	if (rc) {
		/* the rows printed stay, but never pass for the whole table */
		fprintf(stderr, "%s\n", err);
		if (p.titled)
			fprintf(stderr, "connection list incomplete: %llu entries listed\n",
				(unsigned long long)listed);
		exit(EXIT_LIST);
	}
}

static void list_timeout(void)
{
	char err[DPVS_CTL_ERRMSG_MAX];
	struct dpvs_timeouts t;
	void *reply = NULL;
	uint32_t rlen = 0;

	daemon_init();
	/* upstream exits 1 without a word when the query fails */
	if (dpvs_request(DPVS_MSG_TIMEOUT_GET, 0, NULL, 0, &reply, &rlen, err, sizeof(err)) ||
	    rlen < sizeof(t)) {
		free(reply);
		exit(EXIT_LIST);
	}
	memcpy(&t, reply, sizeof(t));
	free(reply);
	fmt_timeout(stdout, &t);
}

static int do_list(const struct ipvsadm_cmd *c)
{
	/* priority: -c, a service, --timeout, --daemon, everything */
	if (c->options & IPVSADM_OPT(IPVSADM_OPT_CONNECTION))
		list_conns(c->format);
	else if (c->options & IPVSADM_OPT(IPVSADM_OPT_SERVICE))
		list_service(&c->svc, c->format);
	else if (c->options & IPVSADM_OPT(IPVSADM_OPT_TIMEOUT))
		list_timeout();
	else if (c->options & IPVSADM_OPT(IPVSADM_OPT_DAEMON))
		daemon_init(); /* no sync daemon in dpvs: nothing to list */
	else
		list_all(c->format);
	return 0;
}

/* --get-laddr [-t|-u|-f service]: DPVS's listing of local addresses. */
static int list_laddrs(const struct ipvsadm_cmd *c)
{
	char err[DPVS_CTL_ERRMSG_MAX];
	bool one = c->options & IPVSADM_OPT(IPVSADM_OPT_SERVICE);
	struct dpvs_laddr_entry *v;
	struct dpvs_list hdr;
	const char *first;
	void *reply = NULL;
	uint32_t rlen = 0, count = 0;
	int rc;

	daemon_init();
	rc = dpvs_request(DPVS_MSG_LADDR_GET, one ? DPVS_MSG_F_SVC_KEY : 0, one ? &c->svc : NULL,
			  one ? sizeof(c->svc) : 0, &reply, &rlen, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", ipvsadm_error_text(DPVS_MSG_LADDR_GET, rc, err));
		return EXIT_LIST;
	}
	first = dpvs_list_entries(reply, rlen, sizeof(*v), &count, err, sizeof(err));
	if (!first) {
		free(reply);
		fprintf(stderr, "%s\n", err);
		return EXIT_LIST;
	}
	memcpy(&hdr, reply, sizeof(hdr));
	v = calloc(count ? count : 1, sizeof(*v));
	if (!v) {
		free(reply);
		fprintf(stderr, "%s\n", strerror(ENOMEM));
		return EXIT_LIST;
	}
	for (uint32_t i = 0; i < count; i++)
		memcpy(&v[i], first + (size_t)i * hdr.entry_size, sizeof(*v));
	free(reply);
	fmt_laddrs(stdout, v, count);
	free(v);
	return 0;
}

static int do_dest(const struct ipvsadm_cmd *c, uint16_t type)
{
	struct dpvs_dest_req req = { .svc = c->svc, .dest = c->dest };

	daemon_init();
	return set_request(type, 0, &req, sizeof(req));
}

static int run_line(int argc, char **argv, bool in_restore);

/* -R: ipvsadm -S lines on stdin, each one run as a command line. */
static int restore(const char *prog)
{
	char *line = NULL;
	size_t cap = 0;

	batching = true;
	last_result = 0;

	while (getline(&line, &cap, stdin) >= 0) {
		char *words[RESTORE_WORDS + 1], *argv[RESTORE_WORDS + 2];
		int n = spec_split(line, words, RESTORE_WORDS), argc = 0;

		if (n < 0) {
			batch_flush();
			fprintf(stderr, "restore: line with more than %d words\n", RESTORE_WORDS);
			free(line);
			exit(2);
		}
		argv[argc++] = (char *)prog;
		for (int i = 0; i < n; i++)
			if (strcmp(words[i], "ipvsadm")) /* "ipvsadm -A ..." lines work */
				argv[argc++] = words[i];
		if (argc == 1)
			continue;
		argv[argc] = NULL;
		/* a batched line's result comes with the batch's replies */
		int rc = run_line(argc, argv, true);

		if (!batch.n)
			last_result = rc;
	}
	free(line);
	batch_flush();
	batching = false;
	dpvs_batch_free(&batch);
	return last_result;
}

static bool is_set_cmd(int cmd)
{
	switch (cmd) {
	case IPVSADM_CMD_ADD:
	case IPVSADM_CMD_EDIT:
	case IPVSADM_CMD_DEL:
	case IPVSADM_CMD_FLUSH:
	case IPVSADM_CMD_ZERO:
	case IPVSADM_CMD_ADDDEST:
	case IPVSADM_CMD_EDITDEST:
	case IPVSADM_CMD_DELDEST:
	case IPVSADM_CMD_TIMEOUT:
	case IPVSADM_CMD_ADDLADDR:
	case IPVSADM_CMD_DELLADDR:
		return true;
	default:
		return false;
	}
}

/* One command line: parse, then act. Returns the exit status; errors
 * that end ipvsadm even inside a restore exit() here. */
static int run_line(int argc, char **argv, bool in_restore)
{
	struct ipvsadm_cmd c;
	char msg[1024];
	int rc = ipvsadm_parse(argc, argv, IPVSADM_PARSE_RESOLVE, NULL, &c, msg, sizeof(msg));

	/* in a restore, what this line prints comes after the lines before */
	if (rc != IPVSADM_PARSE_OK || !is_set_cmd(c.cmd))
		batch_flush();
	if (rc != IPVSADM_PARSE_OK) {
		fputs(msg, stderr);
		if (rc == IPVSADM_PARSE_POPT) /* a restore goes on after these */
			return ipvsadm_parse_exit_code(rc);
		exit(ipvsadm_parse_exit_code(rc));
	}
	switch (c.cmd) {
	case IPVSADM_CMD_HELP:
		fmt_usage(stdout, argv[0]);
		fmt_dpvs_notes(stdout);
		exit(0);
	case IPVSADM_CMD_VERSION:
		fmt_version(stdout);
		exit(0);
	case IPVSADM_CMD_LIST:
		return do_list(&c);
	case IPVSADM_CMD_SAVE:
		list_all(c.format);
		return 0;
	case IPVSADM_CMD_RESTORE:
		if (in_restore) { /* upstream's guard against a loop */
			fprintf(stderr, "Try `%s -h' or '%s --help' for more information.\n",
				argv[0], argv[0]);
			exit(255);
		}
		return restore(argv[0]);
	case IPVSADM_CMD_ADD:
		daemon_init();
		return set_request(DPVS_MSG_SVC_ADD, 0, &c.svc, sizeof(c.svc));
	case IPVSADM_CMD_EDIT:
		daemon_init();
		return set_request(DPVS_MSG_SVC_EDIT, 0, &c.svc, sizeof(c.svc));
	case IPVSADM_CMD_DEL:
		daemon_init();
		return set_request(DPVS_MSG_SVC_DEL, 0, &c.svc, sizeof(c.svc));
	case IPVSADM_CMD_FLUSH:
		daemon_init();
		return set_request(DPVS_MSG_SVC_FLUSH, 0, NULL, 0);
	case IPVSADM_CMD_ZERO:
		daemon_init();
		if (c.options & IPVSADM_OPT(IPVSADM_OPT_SERVICE))
			return set_request(DPVS_MSG_ZERO, DPVS_MSG_F_SVC_KEY, &c.svc,
					   sizeof(c.svc));
		return set_request(DPVS_MSG_ZERO, 0, NULL, 0);
	case IPVSADM_CMD_ADDDEST:
		return do_dest(&c, DPVS_MSG_DEST_ADD);
	case IPVSADM_CMD_EDITDEST:
		return do_dest(&c, DPVS_MSG_DEST_EDIT);
	case IPVSADM_CMD_DELDEST:
		return do_dest(&c, DPVS_MSG_DEST_DEL);
	case IPVSADM_CMD_TIMEOUT:
		daemon_init();
		return set_request(DPVS_MSG_TIMEOUT_SET, 0, &c.timeouts, sizeof(c.timeouts));
	case IPVSADM_CMD_ADDLADDR:
	case IPVSADM_CMD_DELLADDR:
		daemon_init();
		return set_request(c.cmd == IPVSADM_CMD_ADDLADDR ? DPVS_MSG_LADDR_ADD
								 : DPVS_MSG_LADDR_DEL,
				   0, &c.laddr, sizeof(c.laddr));
	case IPVSADM_CMD_GETLADDR:
		return list_laddrs(&c);
	case IPVSADM_CMD_STARTDAEMON:
	case IPVSADM_CMD_STOPDAEMON:
		daemon_init();
		fprintf(stderr, "connection sync is not supported by this dpvs build\n");
		return EXIT_KERNEL;
	default:
		fprintf(stderr, "internal error: command %d\n", c.cmd);
		return EXIT_KERNEL;
	}
}

int main(int argc, char **argv)
{
	/* no arguments: list everything, with names (ipvsadm's default) */
	if (argc == 1) {
		list_all(0);
		return 0;
	}
	return run_line(argc, argv, false);
}
