/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health: the engine of the health checks (see health.h).
 *
 * Each checked real server (a "target") has a repeating timer; at each
 * tick one probe starts unless its previous one is still out (a probe
 * never outlives its timeout, and the config keeps timeout <= interval)
 * or HEALTH_MAX_INFLIGHT probes are out already (then it waits for a
 * slot). A probe is a non-blocking kernel socket
 * of this thread (tcp, http, udp, dns) or a child process (exec), with a
 * deadline timer; nothing here ever blocks the control loop.
 *
 * Probes leave from the director's own address: the daemon's namespace
 * holds the KNI (TAP) interfaces with the director's addresses, so the
 * kernel routes them out of a TAP, and the workers send them out of the
 * port; the answers come back to a local address and go to the kernel
 * the same way. When a real server is on-link on a port, the socket is
 * also bound to that port's KNI interface (SO_BINDTODEVICE), so a probe
 * can only leave through the data plane; `source` binds its address.
 *
 * What wins (README "Health checks"): the check acts only when a server
 * changes state. Going down it remembers the server as the table has it
 * then (with an operator's `ipvsadm -e` since the file) and sets weight 0
 * or removes it; coming up it restores what it remembered, unless an
 * operator has set a weight (or re-added the server) meanwhile, which is
 * left alone. A reload keeps a down server down.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <ev.h>

#include "cfg/config.h"
#include "dpvs/health.h"
#include "control/health.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "log.h"
#include "netif/netif.h"

#define RBUF	  512
#define WHY	  80
#define EXEC_ARGS 32

extern char **environ;

enum phase { P_IDLE, P_CONNECT, P_SEND, P_READ, P_EXEC };

/* A probe's result. PROBE_NOT_SENT: the director could not send it (no route or
 * address on its side, out of sockets, the check program gone): that says
 * nothing about the server, so it never takes one down; a director whose
 * KNI lost its address would otherwise quiesce every server at once. */
enum result { PROBE_FAIL = 0, PROBE_OK = 1, PROBE_NOT_SENT = 2 };

static bool local_errno(int e)
{
	return e == ENETUNREACH || e == EADDRNOTAVAIL || e == ENODEV || e == EPERM || e == EACCES ||
	       e == ENOBUFS || e == ENOMEM || e == EMFILE || e == ENFILE;
}

struct check;

struct target {
	struct check *chk;
	struct dpvs_dest file;	  /* the file's line, port filled in */
	struct dpvs_dest restore; /* what coming back up restores */
	uint32_t probe_be;	  /* address probed (network order) */
	uint16_t probe_port_be;
	char dev[DPVS_IFNAMSIZ]; /* the KNI the probe is bound to, or "" */
	struct health_sm sm;

	ev_timer tick, deadline;
	ev_io io;
	ev_child child;
	int fd;
	pid_t pid;
	enum phase phase;
	bool waiting; /* its tick came while every slot was taken */
	bool timed_out;
	uint16_t dns_id;
	char out[600];
	size_t out_len, sent;
	char in[RBUF];
	size_t in_len;

	uint8_t last_res;  /* enum result */
	bool local_logged; /* said once that probes cannot be sent */
	char last[WHY];
	uint64_t probes, failures, changes, not_sent;
	time_t last_probe, last_change; /* 0 = never */
};

struct check {
	struct cfg_check cfg;
	struct dpvs_svc svc;
	char svc_str[48];
	uint32_t expect_be; /* dns_expect */
	uint32_t source_be; /* source; 0 = the kernel's choice */
	unsigned ntargets;
	struct target *targets;
};

static struct ev_loop *loop;
static struct check *checks;
static unsigned nchecks;
static unsigned inflight;

unsigned health_inflight(void)
{
	return inflight;
}

static void target_name(const struct target *t, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &t->file.addr.in, a, sizeof(a));
	snprintf(buf, len, "[check:%s] %s real server %s:%u", t->chk->cfg.name, t->chk->svc_str, a,
		 ntohs(t->file.port));
}

/* ---- the table: what ipvsadm -e / -d / -a do ---- */

struct find {
	const struct dpvs_dest *key;
	struct dpvs_dest found;
	bool hit;
};

static int find_dest(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		     const struct dpvs_dest *dests, uint32_t ndests, void *arg)
{
	struct find *f = arg;

	(void)svc_id;
	(void)svc;
	(void)dest_ids;
	for (uint32_t i = 0; i < ndests; i++) {
		if (dests[i].addr.in.s_addr == f->key->addr.in.s_addr &&
		    dests[i].port == f->key->port) {
			f->found = dests[i];
			f->hit = true;
			return 1; /* stop */
		}
	}
	return 0;
}

/* The server as the table has it now; false when it is not there. */
static bool live_dest(const struct target *t, struct dpvs_dest *out)
{
	struct find f = {.key = &t->file};
	char err[128];

	ipvs_svc_walk(&t->chk->svc, find_dest, &f, err, sizeof(err));
	if (f.hit)
		*out = f.found;
	return f.hit;
}

static void clean_dest(struct dpvs_dest *d)
{
	/* the reply-only fields do not go back into a request */
	d->activeconns = d->inactconns = d->persistconns = 0;
	memset(&d->stats, 0, sizeof(d->stats));
}

/* Takes a server out: weight 0 or removed. Says what it did in `did`. */
static void take_down(struct target *t, char *did, size_t len)
{
	struct dpvs_dest d;
	char err[256] = "";
	int ret;

	if (!live_dest(t, &d)) {
		snprintf(did, len, "not in the table (removed by hand?): nothing to do");
		return;
	}
	clean_dest(&d);
	t->restore = d;
	if (t->chk->cfg.on_fail == CFG_CHECK_REMOVE) {
		ret = ipvs_dest_del(&t->chk->svc, &d, err, sizeof(err));
		if (ret < 0)
			snprintf(did, len, "removing it failed: %s", err);
		else
			snprintf(did, len, "removed (weight was %d)", d.weight);
		return;
	}
	if (d.weight == 0) {
		snprintf(did, len, "weight already 0");
		return;
	}
	d.weight = 0;
	ret = ipvs_dest_edit(&t->chk->svc, &d, err, sizeof(err));
	if (ret < 0)
		snprintf(did, len, "setting weight 0 failed: %s", err);
	else
		snprintf(did, len, "weight %d -> 0", t->restore.weight);
}

/* Puts a server back as it was taken out, unless an operator did. */
static void bring_up(struct target *t, char *did, size_t len)
{
	struct dpvs_dest d;
	char err[256] = "";
	int ret;
	bool there = live_dest(t, &d);

	if (t->chk->cfg.on_fail == CFG_CHECK_REMOVE) {
		if (there) {
			snprintf(did, len, "already back in the table (added by hand?)");
			return;
		}
		ret = ipvs_dest_add(&t->chk->svc, &t->restore, err, sizeof(err));
		if (ret < 0)
			snprintf(did, len, "adding it back failed: %s", err);
		else
			snprintf(did, len, "added back, weight %d", t->restore.weight);
		return;
	}
	if (!there) {
		snprintf(did, len, "not in the table (removed by hand?): nothing to do");
		return;
	}
	if (d.weight != 0) {
		snprintf(did, len, "weight %d set by hand meanwhile: kept", d.weight);
		return;
	}
	clean_dest(&d);
	d.weight = t->restore.weight;
	ret = ipvs_dest_edit(&t->chk->svc, &d, err, sizeof(err));
	if (ret < 0)
		snprintf(did, len, "restoring weight %d failed: %s", d.weight, err);
	else
		snprintf(did, len, "weight 0 -> %d", d.weight);
}

/* ---- one probe ---- */

static void slot_free(void);

static void probe_end(struct target *t, enum result res, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void probe_end(struct target *t, enum result res, const char *fmt, ...)
{
	bool ok = res == PROBE_OK;
	const struct cfg_check *c = &t->chk->cfg;
	char name[160], did[300];
	va_list ap;

	ev_timer_stop(loop, &t->deadline);
	ev_io_stop(loop, &t->io);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->phase = P_IDLE;
	va_start(ap, fmt);
	vsnprintf(t->last, sizeof(t->last), fmt, ap);
	va_end(ap);
	t->last_res = (uint8_t)res;
	t->probes++;
	t->last_probe = time(NULL);
	inflight--;
	if (res == PROBE_NOT_SENT) {
		t->not_sent++;
		if (!t->local_logged) {
			target_name(t, name, sizeof(name));
			DPVS_LOG(WARNING,
				 "health: %s: probe not sent (%s): the director cannot reach it; "
				 "not counted against the server (has the KNI interface its "
				 "address?)",
				 name, t->last);
			t->local_logged = true;
		}
		slot_free();
		return;
	}
	t->local_logged = false;
	t->failures += !ok;

	uint8_t was = t->sm.state;

	if (health_sm_feed(&t->sm, ok, c->rise, c->fall)) {
		target_name(t, name, sizeof(name));
		if (t->sm.state == DPVS_CHECK_DOWN) {
			take_down(t, did, sizeof(did));
		} else {
			bring_up(t, did, sizeof(did));
		}
		t->changes++;
		t->last_change = t->last_probe;
		DPVS_LOG(NOTICE, "health: %s %s -> %s (%u %s in a row, last: %s): %s", name,
			 was == DPVS_CHECK_UP ? "up" : "down",
			 t->sm.state == DPVS_CHECK_UP ? "up" : "down",
			 ok ? t->sm.ok_run : t->sm.fail_run, ok ? "successes" : "failures", t->last,
			 did);
	}
	slot_free();
}

static void on_child(struct ev_loop *l, ev_child *w, int revents)
{
	struct target *t = w->data;
	int st = w->rstatus;

	(void)l;
	(void)revents;
	ev_child_stop(loop, w);
	t->pid = 0;
	if (t->timed_out)
		probe_end(t, PROBE_FAIL, "exec: no exit within %u s (killed)", t->chk->cfg.timeout);
	else if (WIFEXITED(st))
		probe_end(t, WEXITSTATUS(st) == 0 ? PROBE_OK : PROBE_FAIL, "exec: exit %d",
			  WEXITSTATUS(st));
	else
		probe_end(t, PROBE_FAIL, "exec: killed by signal %d",
			  WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void on_deadline(struct ev_loop *l, ev_timer *w, int revents)
{
	struct target *t = w->data;

	(void)l;
	(void)revents;
	if (t->phase == P_EXEC) {
		/* the child's whole process group: a shell script's children too;
		 * the result comes when it is reaped (on_child) */
		t->timed_out = true;
		kill(-t->pid, SIGKILL);
		return;
	}
	probe_end(t, PROBE_FAIL, "%s: no answer within %u s",
		  t->phase == P_CONNECT ? "connect"
		  : t->phase == P_SEND	? "send"
					: "read",
		  t->chk->cfg.timeout);
}

/* An answer is judged when it is whole: a datagram at once, HTTP once
 * its status line came (or the peer closed, or the buffer is full). */
static void judge_answer(struct target *t, bool closed)
{
	const struct cfg_check *c = &t->chk->cfg;
	char why[WHY];
	int st;

	switch (c->type) {
	case CFG_CHECK_HTTP:
		st = health_http_status(t->in, t->in_len);
		if (st == 0 && !closed && t->in_len < sizeof(t->in))
			return; /* more to come */
		if (st <= 0)
			probe_end(t, PROBE_FAIL, "http: %s",
				  st == 0 ? "answer cut short" : "not an HTTP status line");
		else
			probe_end(t, (uint32_t)st == c->http_status ? PROBE_OK : PROBE_FAIL,
				  "http: status %d%s", st,
				  (uint32_t)st == c->http_status ? "" : " (not the expected)");
		return;
	case CFG_CHECK_UDP: {
		size_t n = strlen(c->udp_expect);
		bool ok = t->in_len >= n && memcmp(t->in, c->udp_expect, n) == 0;

		probe_end(t, ok ? PROBE_OK : PROBE_FAIL,
			  ok ? "udp: answer of %zu bytes" : "udp: %zu bytes, not the expected",
			  t->in_len);
		return;
	}
	case CFG_CHECK_DNS:
		if (health_dns_check((const uint8_t *)t->in, t->in_len, t->dns_id,
				     t->chk->expect_be, why, sizeof(why)) == 0)
			probe_end(t, PROBE_OK, "dns: answered");
		else
			probe_end(t, PROBE_FAIL, "%s", why);
		return;
	default:
		probe_end(t, PROBE_OK, "tcp: connected");
	}
}

static void on_io(struct ev_loop *l, ev_io *w, int revents)
{
	struct target *t = w->data;
	int err = 0;
	socklen_t elen = sizeof(err);
	ssize_t n;

	(void)l;
	(void)revents;
	if (t->phase == P_CONNECT) {
		getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
		if (err) {
			probe_end(t, local_errno(err) ? PROBE_NOT_SENT : PROBE_FAIL, "connect: %s",
				  strerror(err));
			return;
		}
		if (t->chk->cfg.type == CFG_CHECK_TCP) {
			probe_end(t, PROBE_OK, "tcp: connected");
			return;
		}
		t->phase = P_SEND;
	}
	if (t->phase == P_SEND) {
		n = send(t->fd, t->out + t->sent, t->out_len - t->sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			probe_end(t, local_errno(errno) ? PROBE_NOT_SENT : PROBE_FAIL, "send: %s",
				  strerror(errno));
			return;
		}
		t->sent += (size_t)n;
		if (t->sent < t->out_len)
			return;
		t->phase = P_READ;
		ev_io_stop(loop, &t->io);
		ev_io_set(&t->io, t->fd, EV_READ);
		ev_io_start(loop, &t->io);
		return;
	}
	n = recv(t->fd, t->in + t->in_len, sizeof(t->in) - t->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		/* a UDP probe learns of a closed port here (ICMP port unreachable) */
		probe_end(t, PROBE_FAIL, "read: %s", strerror(errno));
		return;
	}
	if (n == 0 && (t->chk->cfg.type != CFG_CHECK_HTTP || !t->in_len)) {
		probe_end(t, PROBE_FAIL, "read: closed without an answer");
		return;
	}
	t->in_len += (size_t)n;
	judge_answer(t, n == 0);
}

static int start_exec(struct target *t)
{
	char cmd[sizeof(t->chk->cfg.command)], addr[INET_ADDRSTRLEN], port[8], e_addr[48],
	    e_port[24], e_svc[80], e_chk[80];
	char *argv[EXEC_ARGS + 3],
	    *envp[] = {e_addr,
		       e_port,
		       e_svc,
		       e_chk,
		       "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		       NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int argc = 0, ret;

	snprintf(cmd, sizeof(cmd), "%s", t->chk->cfg.command);
	for (char *s = NULL, *tok = strtok_r(cmd, " \t", &s); tok && argc < EXEC_ARGS;
	     tok = strtok_r(NULL, " \t", &s))
		argv[argc++] = tok;
	inet_ntop(AF_INET, &t->file.addr.in, addr, sizeof(addr));
	snprintf(port, sizeof(port), "%u", ntohs(t->probe_port_be));
	argv[argc++] = addr;
	argv[argc++] = port;
	argv[argc] = NULL;
	snprintf(e_addr, sizeof(e_addr), "DPVS_RS_ADDR=%s", addr);
	snprintf(e_port, sizeof(e_port), "DPVS_RS_PORT=%s", port);
	snprintf(e_svc, sizeof(e_svc), "DPVS_SERVICE=%s", t->chk->svc_str);
	snprintf(e_chk, sizeof(e_chk), "DPVS_CHECK=%s", t->chk->cfg.name);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&def);
	/* the daemon ignores SIGPIPE; a check program should not inherit that */
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGHUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0); /* its own group: a timeout kills it all */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					  POSIX_SPAWN_SETPGROUP);
	ret = posix_spawn(&t->pid, argv[0], &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (ret)
		return -ret;
	t->phase = P_EXEC;
	t->timed_out = false;
	ev_child_set(&t->child, t->pid, 0);
	ev_child_start(loop, &t->child);
	return 0;
}

/* "what: strerror(e)" into why; -e. */
static int sock_fail(char *why, size_t wlen, int e, const char *what)
{
	snprintf(why, wlen, "%s: %s", what, strerror(e));
	return -e;
}

static int start_socket(struct target *t, char *why, size_t wlen)
{
	const struct check *k = t->chk;
	bool stream = k->cfg.type == CFG_CHECK_TCP || k->cfg.type == CFG_CHECK_HTTP;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char what[64];
	int fd =
	    socket(AF_INET, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return sock_fail(why, wlen, errno, "socket");
	t->fd = fd;
	if (t->dev[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->dev, (socklen_t)strlen(t->dev)) < 0) {
		int e = errno;

		snprintf(what, sizeof(what), "bind to %s", t->dev);
		return sock_fail(why, wlen, e, what);
	}
	if (k->source_be) {
		sa.sin_addr.s_addr = k->source_be;
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			int e = errno;

			snprintf(what, sizeof(what), "bind to source %s", k->cfg.source);
			return sock_fail(why, wlen, e, what);
		}
	}
	sa.sin_addr.s_addr = t->probe_be;
	sa.sin_port = t->probe_port_be;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		return sock_fail(why, wlen, errno, "connect");
	t->sent = t->in_len = 0;
	switch (k->cfg.type) {
	case CFG_CHECK_HTTP: {
		char host[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &t->probe_be, host, sizeof(host));
		int n = health_http_request(t->out, sizeof(t->out), k->cfg.http_path,
					    k->cfg.http_host[0] ? k->cfg.http_host : host);
		if (n < 0)
			return snprintf(why, wlen, "http: request too long"), -ENOMEM;
		t->out_len = (size_t)n;
		break;
	}
	case CFG_CHECK_UDP:
		t->out_len = strlen(k->cfg.udp_send);
		memcpy(t->out, k->cfg.udp_send, t->out_len);
		break;
	case CFG_CHECK_DNS: {
		static const uint16_t qtypes[] = {
		    [CFG_DNS_A] = 1, [CFG_DNS_AAAA] = 28, [CFG_DNS_ANY] = 255};
		t->dns_id = (uint16_t)random();
		int n = health_dns_query((uint8_t *)t->out, sizeof(t->out), t->dns_id,
					 k->cfg.dns_name, qtypes[k->cfg.dns_type]);
		if (n < 0)
			return snprintf(why, wlen, "dns: cannot build the query"), -ENOMEM;
		t->out_len = (size_t)n;
		break;
	}
	default:
		break;
	}
	/* a datagram socket is "connected" at once: straight to sending */
	t->phase = stream ? P_CONNECT : P_SEND;
	ev_io_set(&t->io, fd, EV_WRITE);
	ev_io_start(loop, &t->io);
	return 0;
}

static void probe_start(struct target *t)
{
	char why[WHY] = "";
	int ret;

	inflight++;
	ev_timer_set(&t->deadline, t->chk->cfg.timeout, 0);
	ev_timer_start(loop, &t->deadline);
	if (t->chk->cfg.type == CFG_CHECK_EXEC) {
		ret = start_exec(t);
		if (ret < 0)
			probe_end(t, PROBE_NOT_SENT, "exec: %s", strerror(-ret));
		return;
	}
	/* what fails before a packet leaves is the director's own trouble,
	 * except a refusal the kernel already knows of */
	ret = start_socket(t, why, sizeof(why));
	if (ret < 0)
		probe_end(t, local_errno(-ret) ? PROBE_NOT_SENT : PROBE_FAIL, "%s", why);
}

/* A slot came free: waiting targets get slots in table order. Targets
 * wait rarely (HEALTH_MAX_INFLIGHT probes out at once), so a scan will
 * do. A probe that fails at once ends inside probe_start() and calls
 * back here: the outer scan goes on instead, so the stack stays flat
 * however many targets wait. */
static void slot_free(void)
{
	static bool scanning;

	if (scanning)
		return;
	scanning = true;
	for (unsigned i = 0; i < nchecks && inflight < HEALTH_MAX_INFLIGHT; i++) {
		for (unsigned j = 0; j < checks[i].ntargets && inflight < HEALTH_MAX_INFLIGHT;
		     j++) {
			struct target *t = &checks[i].targets[j];

			if (t->waiting && t->phase == P_IDLE) {
				t->waiting = false;
				probe_start(t);
			}
		}
	}
	scanning = false;
}

static void on_tick(struct ev_loop *l, ev_timer *w, int revents)
{
	struct target *t = w->data;

	(void)l;
	(void)revents;
	if (t->phase != P_IDLE)
		return; /* still out: its deadline ends it */
	if (inflight >= HEALTH_MAX_INFLIGHT) {
		t->waiting = true;
		return;
	}
	probe_start(t);
}

/* ---- checks from the config ---- */

static const struct cfg_service *cfg_service_named(const struct dpvs_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->nservices; i++)
		if (strcmp(cfg->services[i].name, name) == 0)
			return &cfg->services[i];
	return NULL;
}

static struct target *old_target(const struct check *nc, const struct target *nt)
{
	for (unsigned i = 0; i < nchecks; i++) {
		const struct check *oc = &checks[i];

		if (strcmp(oc->cfg.name, nc->cfg.name) != 0 ||
		    memcmp(&oc->svc.addr, &nc->svc.addr, sizeof(oc->svc.addr)) != 0 ||
		    oc->svc.port != nc->svc.port || oc->svc.protocol != nc->svc.protocol ||
		    oc->svc.fwmark != nc->svc.fwmark)
			continue;
		for (unsigned j = 0; j < oc->ntargets; j++)
			if (oc->targets[j].file.addr.in.s_addr == nt->file.addr.in.s_addr &&
			    oc->targets[j].file.port == nt->file.port)
				return &oc->targets[j];
	}
	return NULL;
}

static const struct check *old_check(const char *name)
{
	for (unsigned i = 0; i < nchecks; i++)
		if (strcmp(checks[i].cfg.name, name) == 0)
			return &checks[i];
	return NULL;
}

static void target_stop(struct target *t)
{
	ev_timer_stop(loop, &t->tick);
	ev_timer_stop(loop, &t->deadline);
	ev_io_stop(loop, &t->io);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->pid > 0) {
		int st;

		/* never leave a child behind: killed and reaped here (a SIGKILLed
		 * process exits at once) */
		ev_child_stop(loop, &t->child);
		kill(-t->pid, SIGKILL);
		waitpid(t->pid, &st, 0);
		t->pid = 0;
	}
	if (t->phase != P_IDLE)
		inflight--;
	t->phase = P_IDLE;
}

static void target_init(struct check *k, struct target *t, const struct cfg_service *s,
			const struct dpvs_dest *d, unsigned idx)
{
	memset(t, 0, sizeof(*t));
	t->chk = k;
	t->fd = -1;
	t->file = *d;
	if (!t->file.port)
		t->file.port = s->svc.port;
	t->restore = t->file;
	t->probe_be = d->addr.in.s_addr;
	t->probe_port_be = k->cfg.port ? htons((uint16_t)k->cfg.port) : t->file.port;
	snprintf(t->last, sizeof(t->last), "not probed yet");
	int p = inet_onlink_port(t->probe_be);

	if (p >= 0 && netif_port((uint16_t)p)->kni_name[0])
		snprintf(t->dev, sizeof(t->dev), "%s", netif_port((uint16_t)p)->kni_name);
	ev_timer_init(&t->deadline, on_deadline, 0, 0);
	ev_io_init(&t->io, on_io, -1, EV_READ);
	ev_child_init(&t->child, on_child, 0, 0);
	/* first probes spread over the interval rather than all at once */
	ev_timer_init(&t->tick, on_tick, 0.05 + (double)k->cfg.interval * (idx % 16) / 16.0,
		      k->cfg.interval);
	t->tick.data = t->deadline.data = t->io.data = t->child.data = t;
}

static void report(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!*buf || *len < 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(*buf, *len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = (size_t)n < *len ? n : (int)*len - 1;
	*buf += n;
	*len -= (size_t)n;
}

void health_apply(const struct dpvs_config *cfg, char *rbuf, size_t rlen)
{
	struct check *nk = calloc(cfg->nchecks ? cfg->nchecks : 1, sizeof(*nk));
	char name[160], did[300];
	unsigned idx = 0;

	if (rbuf && rlen)
		rbuf[0] = '\0';
	if (!nk) {
		report(&rbuf, &rlen, "health: out of memory: checks unchanged\n");
		return;
	}
	for (unsigned i = 0; i < cfg->nchecks; i++) {
		struct check *k = &nk[i];
		const struct cfg_service *s = cfg_service_named(cfg, cfg->checks[i].name);

		k->cfg = cfg->checks[i];
		if (!s)
			continue; /* the config check refused it already */
		k->svc = s->svc;
		ipvs_svc_key_str(&s->svc, k->svc_str, sizeof(k->svc_str));
		inet_pton(AF_INET, k->cfg.dns_expect, &k->expect_be);
		inet_pton(AF_INET, k->cfg.source, &k->source_be);
		k->targets = calloc(s->ndests ? s->ndests : 1, sizeof(*k->targets));
		if (!k->targets) {
			report(&rbuf, &rlen, "health: [check:%s]: out of memory, not checked\n",
			       k->cfg.name);
			continue;
		}
		k->ntargets = s->ndests;
		for (unsigned j = 0; j < s->ndests; j++) {
			struct target *t = &k->targets[j];
			struct target *o;

			target_init(k, t, s, &s->dests[j], idx++);
			o = old_target(k, t);
			if (!o)
				continue;
			/* the same server of the same check: its state goes on */
			t->sm = o->sm;
			t->last_res = o->last_res;
			t->not_sent = o->not_sent;
			memcpy(t->last, o->last, sizeof(t->last));
			t->probes = o->probes;
			t->failures = o->failures;
			t->changes = o->changes;
			t->last_probe = o->last_probe;
			t->last_change = o->last_change;
			t->sm.ok_run = t->sm.fail_run = 0; /* a new run under new settings */
			o->chk = NULL;			   /* taken over */
			if (t->sm.state == DPVS_CHECK_DOWN) {
				/* the reload may have put it back (its line is in the
				 * file): down it stays, and it comes back as the file
				 * now says */
				take_down(t, did, sizeof(did));
				t->restore = t->file;
				target_name(t, name, sizeof(name));
				DPVS_LOG(NOTICE,
					 "health: %s is down and stays down over the reload: %s",
					 name, did);
			}
		}
		const struct check *oc = old_check(k->cfg.name);

		/* a reload reports only what it changed */
		if (!oc || memcmp(&oc->cfg, &k->cfg, sizeof(k->cfg)) != 0 ||
		    oc->ntargets != k->ntargets)
			report(&rbuf, &rlen,
			       "health: [check:%s] %s %s: %s every %u s, %u server%s\n",
			       k->cfg.name, k->svc_str, oc ? "updated" : "started",
			       cfg_check_type_name(k->cfg.type), k->cfg.interval, k->ntargets,
			       k->ntargets == 1 ? "" : "s");
	}
	for (unsigned i = 0; i < nchecks; i++) {
		bool kept = false;

		for (unsigned j = 0; j < cfg->nchecks; j++)
			kept |= strcmp(cfg->checks[j].name, checks[i].cfg.name) == 0;
		if (!kept)
			report(&rbuf, &rlen, "health: [check:%s] stopped\n", checks[i].cfg.name);
	}
	/* what the old checks had down and nobody took over comes back */
	for (unsigned i = 0; i < nchecks; i++) {
		for (unsigned j = 0; j < checks[i].ntargets; j++) {
			struct target *t = &checks[i].targets[j];

			target_stop(t);
			if (!t->chk || t->sm.state != DPVS_CHECK_DOWN)
				continue;
			if (cfg_service_named(cfg, t->chk->cfg.name) == NULL)
				continue; /* its service is gone with the check */
			target_name(t, name, sizeof(name));
			bring_up(t, did, sizeof(did));
			DPVS_LOG(NOTICE,
				 "health: %s down -> unchecked (its check left the file): %s", name,
				 did);
			report(&rbuf, &rlen, "health: %s no longer checked: %s\n", name, did);
		}
		free(checks[i].targets);
	}
	free(checks);
	checks = nk;
	nchecks = cfg->nchecks;
	for (unsigned i = 0; i < nchecks; i++)
		for (unsigned j = 0; j < checks[i].ntargets; j++)
			ev_timer_start(loop, &checks[i].targets[j].tick);
}

void health_start(struct ev_loop *l)
{
	loop = l;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
}

void health_stop(void)
{
	for (unsigned i = 0; i < nchecks; i++) {
		for (unsigned j = 0; j < checks[i].ntargets; j++)
			target_stop(&checks[i].targets[j]);
		free(checks[i].targets);
	}
	free(checks);
	checks = NULL;
	nchecks = 0;
	inflight = 0;
}

/* ---- listing ---- */

static uint32_t ago(time_t now, time_t then)
{
	if (!then)
		return DPVS_CHECK_NEVER;
	return now >= then ? (uint32_t)(now - then) : 0;
}

static void fill_entry(const struct target *t, time_t now, struct dpvs_check_entry *e)
{
	const struct check *k = t->chk;
	struct dpvs_dest d;

	memset(e, 0, sizeof(*e));
	snprintf(e->check, sizeof(e->check), "%s", k->cfg.name);
	snprintf(e->service, sizeof(e->service), "%s", k->svc_str);
	snprintf(e->type, sizeof(e->type), "%s", cfg_check_type_name(k->cfg.type));
	snprintf(e->on_fail, sizeof(e->on_fail), "%s", cfg_check_fail_name(k->cfg.on_fail));
	e->interval = k->cfg.interval;
	e->timeout = k->cfg.timeout;
	e->rise = k->cfg.rise;
	e->fall = k->cfg.fall;
	e->af = AF_INET;
	e->port = t->file.port;
	e->addr = t->file.addr;
	e->probe_port = t->probe_port_be;
	e->state = t->sm.state;
	e->last_ok = t->last_res;
	e->not_sent = t->not_sent;
	e->weight = live_dest(t, &d) ? d.weight : -1;
	e->restore_weight = t->restore.weight;
	e->ok_run = t->sm.ok_run;
	e->fail_run = t->sm.fail_run;
	e->probes = t->probes;
	e->failures = t->failures;
	e->changes = t->changes;
	e->since_probe = ago(now, t->last_probe);
	e->since_change = ago(now, t->last_change);
	snprintf(e->last, sizeof(e->last), "%s", t->last);
}

uint32_t health_list(const char *name, struct dpvs_check_entry *out, uint32_t max)
{
	time_t now = time(NULL);
	uint32_t n = 0;

	for (unsigned i = 0; i < nchecks; i++) {
		if (name && strcmp(checks[i].cfg.name, name) != 0)
			continue;
		for (unsigned j = 0; j < checks[i].ntargets; j++, n++)
			if (n < max)
				fill_entry(&checks[i].targets[j], now, &out[n]);
	}
	return n;
}
