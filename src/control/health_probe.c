/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health_probe: one probe of one real server, start to verdict, for the
 * engine (health.c): a non-blocking kernel socket of the control thread
 * (tcp connect; http GET and its status line; udp or dns: a datagram and
 * its answer) or a child process (exec), with a deadline timer. Nothing
 * here blocks the loop; each probe ends exactly once, in
 * health_probe_done(), with a verdict and its reason in words.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <ev.h>

#include "control/health_priv.h"

#define EXEC_ARGS 32

/* The errors that say the director could not send (see PROBE_NOT_SENT). */
static bool local_errno(int e)
{
	return e == ENETUNREACH || e == EADDRNOTAVAIL || e == ENODEV || e == EPERM || e == EACCES ||
	       e == ENOBUFS || e == ENOMEM || e == EMFILE || e == ENFILE;
}

static void finish(struct health_target *t, enum probe_result res, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Frees what the probe holds and hands its verdict to the engine. */
static void finish(struct health_target *t, enum probe_result res, const char *fmt, ...)
{
	char why[WHY];
	va_list ap;

	ev_timer_stop(health_loop, &t->deadline);
	ev_io_stop(health_loop, &t->io);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->phase = P_IDLE;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	health_probe_done(t, res, why);
}

static void on_child(struct ev_loop *l, ev_child *w, int revents)
{
	struct health_target *t = w->data;
	int st = w->rstatus;

	(void)l;
	(void)revents;
	ev_child_stop(health_loop, w);
	t->pid = 0;
	if (t->timed_out)
		finish(t, PROBE_FAIL, "exec: no exit within %u s (killed)", t->chk->cfg.timeout);
	else if (WIFEXITED(st))
		finish(t, WEXITSTATUS(st) == 0 ? PROBE_OK : PROBE_FAIL, "exec: exit %d",
		       WEXITSTATUS(st));
	else
		finish(t, PROBE_FAIL, "exec: killed by signal %d",
		       WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void on_deadline(struct ev_loop *l, ev_timer *w, int revents)
{
	struct health_target *t = w->data;

	(void)l;
	(void)revents;
	if (t->phase == P_EXEC) {
		/* the child's whole process group: a shell script's children too;
		 * the result comes when it is reaped (on_child) */
		t->timed_out = true;
		kill(-t->pid, SIGKILL);
		return;
	}
	finish(t, PROBE_FAIL, "%s: no answer within %u s",
	       t->phase == P_CONNECT ? "connect"
	       : t->phase == P_SEND  ? "send"
				     : "read",
	       t->chk->cfg.timeout);
}

/* An answer is judged when it is whole: a datagram at once, HTTP once
 * its status line came (or the peer closed, or the buffer is full). */
static void judge_answer(struct health_target *t, bool closed)
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
			finish(t, PROBE_FAIL, "http: %s",
			       st == 0 ? "answer cut short" : "not an HTTP status line");
		else
			finish(t, (uint32_t)st == c->http_status ? PROBE_OK : PROBE_FAIL,
			       "http: status %d%s", st,
			       (uint32_t)st == c->http_status ? "" : " (not the expected)");
		return;
	case CFG_CHECK_UDP: {
		size_t n = strlen(c->udp_expect);
		bool ok = t->in_len >= n && memcmp(t->in, c->udp_expect, n) == 0;

		finish(t, ok ? PROBE_OK : PROBE_FAIL,
		       ok ? "udp: answer of %zu bytes" : "udp: %zu bytes, not the expected",
		       t->in_len);
		return;
	}
	case CFG_CHECK_DNS:
		if (health_dns_check((const uint8_t *)t->in, t->in_len, t->dns_id,
				     t->chk->expect_be, why, sizeof(why)) == 0)
			finish(t, PROBE_OK, "dns: answered");
		else
			finish(t, PROBE_FAIL, "%s", why);
		return;
	default:
		finish(t, PROBE_OK, "tcp: connected");
	}
}

static void on_io(struct ev_loop *l, ev_io *w, int revents)
{
	struct health_target *t = w->data;
	int err = 0;
	socklen_t elen = sizeof(err);
	ssize_t n;

	(void)l;
	(void)revents;
	if (t->phase == P_CONNECT) {
		getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
		if (err) {
			finish(t, local_errno(err) ? PROBE_NOT_SENT : PROBE_FAIL, "connect: %s",
			       strerror(err));
			return;
		}
		if (t->chk->cfg.type == CFG_CHECK_TCP) {
			finish(t, PROBE_OK, "tcp: connected");
			return;
		}
		t->phase = P_SEND;
	}
	if (t->phase == P_SEND) {
		n = send(t->fd, t->out + t->sent, t->out_len - t->sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			finish(t, local_errno(errno) ? PROBE_NOT_SENT : PROBE_FAIL, "send: %s",
			       strerror(errno));
			return;
		}
		t->sent += (size_t)n;
		if (t->sent < t->out_len)
			return;
		t->phase = P_READ;
		ev_io_stop(health_loop, &t->io);
		ev_io_set(&t->io, t->fd, EV_READ);
		ev_io_start(health_loop, &t->io);
		return;
	}
	n = recv(t->fd, t->in + t->in_len, sizeof(t->in) - t->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		/* a UDP probe learns of a closed port here (ICMP port unreachable) */
		finish(t, PROBE_FAIL, "read: %s", strerror(errno));
		return;
	}
	if (n == 0 && (t->chk->cfg.type != CFG_CHECK_HTTP || !t->in_len)) {
		finish(t, PROBE_FAIL, "read: closed without an answer");
		return;
	}
	t->in_len += (size_t)n;
	judge_answer(t, n == 0);
}

static int start_exec(struct health_target *t)
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
	ev_child_start(health_loop, &t->child);
	return 0;
}

/* "what: strerror(e)" into why; -e. */
static int sock_fail(char *why, size_t wlen, int e, const char *what)
{
	snprintf(why, wlen, "%s: %s", what, strerror(e));
	return -e;
}

static int start_socket(struct health_target *t, char *why, size_t wlen)
{
	const struct health_check *k = t->chk;
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
	ev_io_start(health_loop, &t->io);
	return 0;
}

void health_probe_start(struct health_target *t)
{
	char why[WHY] = "";
	int ret;

	ev_timer_set(&t->deadline, t->chk->cfg.timeout, 0);
	ev_timer_start(health_loop, &t->deadline);
	if (t->chk->cfg.type == CFG_CHECK_EXEC) {
		ret = start_exec(t);
		if (ret < 0)
			finish(t, PROBE_NOT_SENT, "exec: %s", strerror(-ret));
		return;
	}
	/* what fails before a packet leaves is the director's own trouble,
	 * except a refusal the kernel already knows of */
	ret = start_socket(t, why, sizeof(why));
	if (ret < 0)
		finish(t, local_errno(-ret) ? PROBE_NOT_SENT : PROBE_FAIL, "%s", why);
}

void health_probe_cancel(struct health_target *t)
{
	ev_timer_stop(health_loop, &t->deadline);
	ev_io_stop(health_loop, &t->io);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->pid > 0) {
		int st;

		/* never leave a child behind: killed and reaped here (a SIGKILLed
		 * process exits at once) */
		ev_child_stop(health_loop, &t->child);
		kill(-t->pid, SIGKILL);
		waitpid(t->pid, &st, 0);
		t->pid = 0;
	}
	t->phase = P_IDLE;
}

void health_probe_init(struct health_target *t)
{
	t->fd = -1;
	ev_timer_init(&t->deadline, on_deadline, 0, 0);
	ev_io_init(&t->io, on_io, -1, EV_READ);
	ev_child_init(&t->child, on_child, 0, 0);
	t->deadline.data = t->io.data = t->child.data = t;
}
