/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's connections: accepting, framing and answering, on
 * the control thread's libev loop, never blocking it.
 *
 * Each connection is a small state machine fed by non-blocking reads:
 * HEADER (fixed size) -> PAYLOAD (hdr.len bytes) -> REPLY (writes until
 * done) -> HEADER again, so one connection can carry many requests. A
 * request the registry refuses before its payload arrives (unknown type,
 * wrong length) passes through DISCARD: its payload is read and thrown
 * away so the stream stays framed for the next request. When the header
 * itself cannot be trusted (bad magic, other version, length over the
 * bound) the framing is lost: the client gets its error and the
 * connection is closed.
 *
 * No client can lock the operators out (issue 19):
 *  - a whole message has CTL_MSG_DEADLINE_S from its first byte: a client
 *    that drips a byte now and then is closed when the time is up, not
 *    kept alive by each byte;
 *  - a connection waiting between requests is closed after
 *    CTL_IDLE_TIMEOUT_S;
 *  - there is no small cap: at max_clients (or when accept runs out of
 *    file descriptors) the least recently active client is closed to make
 *    room, so a new operator always gets in and the idle go first;
 *  - request buffers grow with the bytes that came, at most
 *    DPVS_CTL_MAX_PAYLOAD each and CTL_RX_BUDGET together.
 * What is closed for these reasons is counted and logged at most once a
 * second, with the counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ev.h>

#include "ctl_codec.h"
#include "ctl/ctl_priv.h"
#include "log.h"

enum client_state {
	CS_HEADER,  /* reading the fixed header */
	CS_PAYLOAD, /* reading hdr.len payload bytes */
	CS_DISCARD, /* skipping the payload of a refused request */
	CS_REPLY,   /* writing the reply; reading paused */
};

struct ctl_client {
	/* least recently active first: the head is the first to make room */
	struct ctl_client *prev, *next;
	int fd;
	ev_io rd, wr;
	ev_timer idle;
	enum client_state state;
	struct dpvs_ctl_hdr hdr;
	size_t hdr_got;
	uint8_t *payload;
	size_t payload_got, payload_cap;
	uint32_t discard_left;
	struct ctl_reply reply;
	const uint8_t *out;
	size_t out_len, out_off;
	bool close_after_reply; /* the stream is no longer framed */
};

struct ctl_server {
	struct ev_loop *loop;
	int fd;
	ev_io accept_w;
	ev_timer accept_retry; /* after EMFILE: accept again a little later */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev; /* which socket file is ours, so stop unlinks only it */
	ino_t ino;
	struct ctl_client *clients, *tail;
	unsigned nclients;
	size_t rx_bytes; /* request buffers of all clients */
	ev_timer log_w;  /* says what was closed, at most once a second */
	ev_tstamp last_log;
	uint64_t unlogged[CTL_CLOSE_KINDS];
	bool running;
};

static struct ctl_server srv = { .fd = -1 };
static double idle_timeout = CTL_IDLE_TIMEOUT_S;
static double msg_deadline = CTL_MSG_DEADLINE_S;
static unsigned max_clients = CTL_MAX_CLIENTS;
static size_t rx_budget = CTL_RX_BUDGET;

static const char *const close_names[CTL_CLOSE_KINDS] = {
	[CTL_CLOSE_IDLE] = "idle",
	[CTL_CLOSE_SLOW] = "too slow to send a message",
	[CTL_CLOSE_EVICTED] = "closed to make room for new clients",
	[CTL_CLOSE_BUSY] = "over the request memory budget",
};

static void log_closes(void)
{
	char line[256];
	size_t n = 0;

	for (unsigned k = 0; k < CTL_CLOSE_KINDS; k++) {
		if (!srv.unlogged[k])
			continue;
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%llu %s", n ? ", " : "",
				      (unsigned long long)srv.unlogged[k], close_names[k]);
		srv.unlogged[k] = 0;
		if (n >= sizeof(line))
			break;
	}
	if (n)
		DPVS_LOG(NOTICE, "ctl: clients closed in the last second: %s (%u connected)",
			 line, srv.nclients);
	srv.last_log = ev_now(srv.loop);
}

static void log_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	log_closes();
}

/* Counts a close; the log line comes at most once a second (a storm of
 * clients must not become a storm of log lines). */
static void count_close(enum ctl_close_kind k)
{
	uint64_t *ctr[CTL_CLOSE_KINDS] = {
		[CTL_CLOSE_IDLE] = &ctl_stats.idle_closed,
		[CTL_CLOSE_SLOW] = &ctl_stats.slow_closed,
		[CTL_CLOSE_EVICTED] = &ctl_stats.evicted,
		[CTL_CLOSE_BUSY] = &ctl_stats.busy_closed,
	};

	(*ctr[k])++;
	srv.unlogged[k]++;
	if (ev_now(srv.loop) - srv.last_log >= 1.0)
		log_closes();
	else if (!ev_is_active(&srv.log_w)) {
		ev_timer_set(&srv.log_w, srv.last_log + 1.0 - ev_now(srv.loop), 0.);
		ev_timer_start(srv.loop, &srv.log_w);
	}
}

static void lru_unlink(struct ctl_client *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		srv.clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		srv.tail = c->prev;
	c->prev = c->next = NULL;
}

static void lru_append(struct ctl_client *c)
{
	c->prev = srv.tail;
	if (srv.tail)
		srv.tail->next = c;
	else
		srv.clients = c;
	srv.tail = c;
}

/* c was active just now: it goes last in the line to be closed. */
static void lru_touch(struct ctl_client *c)
{
	if (srv.tail == c)
		return;
	lru_unlink(c);
	lru_append(c);
}

/* (Re)starts c's one timer: idle between requests and while a reply is
 * written (reset by progress), the whole-message deadline while a
 * request arrives (not reset by bytes). */
static void client_arm(struct ctl_client *c, double seconds)
{
	ev_timer_stop(srv.loop, &c->idle);
	c->idle.repeat = seconds;
	ev_timer_again(srv.loop, &c->idle);
}

/* Payload buffers above this are freed after their request. */
#define KEEP_PAYLOAD_BUF 65536

static void payload_free(struct ctl_client *c)
{
	srv.rx_bytes -= c->payload_cap;
	free(c->payload);
	c->payload = NULL;
	c->payload_cap = 0;
}

static void client_close(struct ctl_client *c)
{
	ev_io_stop(srv.loop, &c->rd);
	ev_io_stop(srv.loop, &c->wr);
	ev_timer_stop(srv.loop, &c->idle);
	close(c->fd);
	lru_unlink(c);
	srv.nclients--;
	payload_free(c);
	ctl_reply_free(&c->reply);
	free(c);
}

/* The reply is framed; send what the socket takes, the write watcher does the rest. */
static void client_flush(struct ctl_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL);

		if (n > 0) {
			c->out_off += (size_t)n;
			ev_timer_again(srv.loop, &c->idle); /* progress */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(srv.loop, &c->wr);
			return;
		}
		/* the client went away; nothing more to tell it */
		client_close(c);
		return;
	}
	ev_io_stop(srv.loop, &c->wr);
	if (c->close_after_reply) {
		client_close(c);
		return;
	}
	/* ready for the next request on the same connection */
	ctl_reply_reset(&c->reply);
	if (c->payload_cap > KEEP_PAYLOAD_BUF)
		payload_free(c);
	lru_touch(c);
	client_arm(c, idle_timeout);
	c->hdr_got = 0;
	c->payload_got = 0;
	c->state = CS_HEADER;
	ev_io_start(srv.loop, &c->rd);
}

static void client_reply(struct ctl_client *c)
{
	c->out = ctl_reply_frame(&c->reply, &c->hdr, &c->out_len);
	c->out_off = 0;
	c->state = CS_REPLY;
	client_arm(c, idle_timeout); /* the reader has that long per write */
	ev_io_stop(srv.loop, &c->rd); /* one request at a time per connection */
	client_flush(c);
}

/* An error found in the header itself: answer, then hang up. */
static void client_fatal(struct ctl_client *c, int err, const char *why)
{
	DPVS_LOG(WARNING, "ctl: client %d: %s; closing the connection", c->fd, why);
	ctl_reply_error(&c->reply, err, "%s", why);
	c->close_after_reply = true;
	client_reply(c);
}

/* Returns true when a reply was started: c may be gone then. */
static bool on_header(struct ctl_client *c)
{
	char why[DPVS_CTL_ERRMSG_MAX];
	int rc;

	ctl_stats.requests++;
	rc = ctl_hdr_check(&c->hdr, why, sizeof(why));
	switch (rc) {
	case 0:
		rc = ctl_request_check(&c->hdr, &c->reply);
		break;
	case -EBADMSG:
		ctl_stats.bad_magic++;
		client_fatal(c, rc, why);
		return true;
	case -EPROTO:
		/* another version may frame differently: do not guess */
		ctl_stats.bad_version++;
		client_fatal(c, rc, why);
		return true;
	case -EMSGSIZE:
		ctl_stats.too_big++;
		client_fatal(c, rc, why);
		return true;
	default: /* -EOPNOTSUPP: unknown type, but the length is sane */
		ctl_stats.unknown_type++;
		ctl_reply_error(&c->reply, rc, "%s", why);
		break;
	}
	if (rc) {
		if (c->hdr.len == 0) {
			client_reply(c);
			return true;
		}
		c->discard_left = c->hdr.len;
		c->state = CS_DISCARD;
		return false;
	}
	if (c->hdr.len == 0) {
		ctl_request_dispatch(&c->hdr, NULL, &c->reply);
		client_reply(c);
		return true;
	}
	c->state = CS_PAYLOAD;
	return false;
}

/* The client closed its end before a message was complete. */
static void on_eof(struct ctl_client *c)
{
	if (c->state == CS_HEADER && c->hdr_got == 0) {
		client_close(c); /* a clean goodbye between requests */
		return;
	}
	ctl_stats.truncated++;
	if (c->state == CS_DISCARD) {
		/* the error is already in the reply; a half-closed client can read it */
		c->close_after_reply = true;
		client_reply(c);
		return;
	}
	char why[DPVS_CTL_ERRMSG_MAX];

	if (c->state == CS_HEADER)
		snprintf(why, sizeof(why), "truncated message: %zu of %zu header bytes",
			 c->hdr_got, sizeof(c->hdr));
	else
		snprintf(why, sizeof(why), "%s: truncated message: %zu of %u payload bytes",
			 ctl_msg_name(c->hdr.type), c->payload_got, c->hdr.len);
	client_fatal(c, -EBADMSG, why);
}

/*
 * Where the next bytes go in the current state. The payload buffer grows
 * with what actually arrives, so a header that announces megabytes costs
 * nothing until the bytes come.
 */
static int client_rx_room(struct ctl_client *c, void **dst, size_t *want)
{
	static uint8_t sink[4096];

	switch (c->state) {
	case CS_HEADER:
		*dst = (uint8_t *)&c->hdr + c->hdr_got;
		*want = sizeof(c->hdr) - c->hdr_got;
		return 0;
	case CS_PAYLOAD:
		if (c->payload_got == c->payload_cap) {
			size_t cap = c->payload_cap ? c->payload_cap * 2 : 4096;
			uint8_t *nb;

			if (cap > c->hdr.len)
				cap = c->hdr.len;
			if (srv.rx_bytes - c->payload_cap + cap > rx_budget)
				return -ENOBUFS;
			nb = realloc(c->payload, cap);
			if (!nb)
				return -ENOMEM;
			srv.rx_bytes += cap - c->payload_cap;
			c->payload = nb;
			c->payload_cap = cap;
		}
		*dst = c->payload + c->payload_got;
		*want = c->payload_cap - c->payload_got;
		return 0;
	case CS_DISCARD:
		*dst = sink;
		*want = c->discard_left < sizeof(sink) ? c->discard_left : sizeof(sink);
		return 0;
	case CS_REPLY:
		break;
	}
	return -EAGAIN;
}

/* n bytes arrived where client_rx_room() said. Returns true when a reply
 * was started: the client may be gone then. */
static bool client_rx_advance(struct ctl_client *c, size_t n)
{
	switch (c->state) {
	case CS_HEADER:
		c->hdr_got += n;
		return c->hdr_got == sizeof(c->hdr) && on_header(c);
	case CS_PAYLOAD:
		c->payload_got += n;
		if (c->payload_got < c->hdr.len)
			return false;
		ctl_request_dispatch(&c->hdr, c->payload, &c->reply);
		client_reply(c);
		return true;
	case CS_DISCARD:
		c->discard_left -= (uint32_t)n;
		if (c->discard_left)
			return false;
		client_reply(c);
		return true;
	case CS_REPLY:
		break;
	}
	return false;
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	(void)loop;
	(void)revents;
	for (;;) {
		void *dst;
		size_t want;
		ssize_t n;

		if (c->state == CS_REPLY)
			return; /* reading resumes when the reply is out */
		int rc = client_rx_room(c, &dst, &want);

		if (rc == -ENOBUFS) {
			count_close(CTL_CLOSE_BUSY);
			client_close(c);
			return;
		}
		if (rc) {
			DPVS_LOG(ERR, "ctl: client %d: no memory for a %u byte request", c->fd,
				 c->hdr.len);
			client_close(c);
			return;
		}
		n = recv(c->fd, dst, want, 0);
		if (n > 0) {
			/* a message's first byte starts its deadline; later bytes
			 * do not extend it */
			if (c->state == CS_HEADER && c->hdr_got == 0)
				client_arm(c, msg_deadline);
			/* a reply ends this round: the next request is read once it
			 * is sent, and the client may already be closed */
			if (client_rx_advance(c, (size_t)n))
				return;
			continue;
		}
		if (n == 0) {
			on_eof(c);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			client_close(c);
		return;
	}
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	client_flush(w->data);
}

static void client_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *c = w->data;

	(void)loop;
	(void)revents;
	if (c->state == CS_HEADER && c->hdr_got == 0) {
		count_close(CTL_CLOSE_IDLE);
	} else if (c->state == CS_REPLY) {
		count_close(CTL_CLOSE_IDLE); /* it stopped reading its reply */
	} else {
		ctl_stats.truncated++;
		count_close(CTL_CLOSE_SLOW);
	}
	client_close(c);
}

static void client_new(int fd)
{
	struct ctl_client *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->state = CS_HEADER;
	ctl_reply_init(&c->reply);
	ev_io_init(&c->rd, client_read_cb, fd, EV_READ);
	ev_io_init(&c->wr, client_write_cb, fd, EV_WRITE);
	ev_init(&c->idle, client_idle_cb);
	c->rd.data = c->wr.data = c->idle.data = c;
	lru_append(c);
	srv.nclients++;
	ev_io_start(srv.loop, &c->rd);
	client_arm(c, idle_timeout);
}

/* Closes the least recently active client to make room. false: none. */
static bool evict_one(void)
{
	if (!srv.clients)
		return false;
	count_close(CTL_CLOSE_EVICTED);
	client_close(srv.clients);
	return true;
}

static void accept_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_io_start(loop, &srv.accept_w);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	for (;;) {
		int fd = accept4(srv.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* out of descriptors: the oldest client makes room */
			if ((errno == EMFILE || errno == ENFILE) && evict_one())
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* the listener stays readable: pause it or the loop spins */
				DPVS_LOG(WARNING, "ctl: accept: %s; retrying in 1 s",
					 strerror(errno));
				ev_io_stop(loop, w);
				ev_timer_set(&srv.accept_retry, 1.0, 0.);
				ev_timer_start(loop, &srv.accept_retry);
			}
			return;
		}
		while (srv.nclients >= max_clients && evict_one())
			;
		client_new(fd);
	}
}

/* mkdir -p for the socket's directory (/run/dpvs is not there after boot). */
static int make_parent_dirs(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(srv.path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			int e = errno;

			snprintf(err, errlen,
				 "cannot create directory %s for the control socket: %s", dir,
				 strerror(e));
			return -e;
		}
		*p = saved;
		if (!saved)
			return 0;
	}
}

/* Does a listener answer on path? */
static bool socket_answers(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc, e;

	if (fd < 0)
		return false; /* cannot tell; bind() will */
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	e = errno;
	close(fd);
	return rc == 0 || e == EAGAIN || e == EINPROGRESS;
}

static int in_use_msg(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "another dpvs is listening on %s; stop it first or set another "
		 "ctl_socket", path);
	return -EADDRINUSE;
}

int ctl_server_in_use(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;

	if (!path || strlen(path) >= sizeof(sun.sun_path) || lstat(path, &st) ||
	    !S_ISSOCK(st.st_mode))
		return 0; /* nothing listens there; start-up says what else is wrong */
	strcpy(sun.sun_path, path);
	return socket_answers(&sun) ? in_use_msg(path, err, errlen) : 0;
}

/*
 * A socket file left by a dpvs that died is removed; one that answers
 * belongs to a running dpvs, and anything else is not ours to delete.
 */
static int clear_stale_socket(const char *path, const struct sockaddr_un *sun, char *err,
			      size_t errlen)
{
	struct stat st;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot check %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; remove it or set another "
			 "ctl_socket", path);
		return -EEXIST;
	}
	if (socket_answers(sun))
		return in_use_msg(path, err, errlen);
	if (unlink(path) && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the stale socket %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* Every client is a descriptor: take what the hard limit allows (up to
 * what max_clients needs), so idle clients run into max_clients and the
 * oldest-first rule, not into EMFILE. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)max_clients + 1024; /* ports, TAPs, logs, EAL */

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int ctl_server_start(struct ev_loop *loop, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_umask;
	int fd, rc;

	if (srv.running) {
		snprintf(err, errlen, "the control socket is already open on %s", srv.path);
		return -EALREADY;
	}
	if (!loop || !path || !*path) {
		snprintf(err, errlen, "no control socket path");
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path %s is too long (at most %zu characters)",
			 path, sizeof(sun.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);

	rc = make_parent_dirs(path, err, errlen);
	if (rc)
		return rc;
	rc = clear_stale_socket(path, &sun, err, errlen);
	if (rc)
		return rc;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	/* born 0660: no window in which anyone may connect */
	old_umask = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_umask);
	if (rc || chmod(path, 0660) || listen(fd, SOMAXCONN) || stat(path, &st)) {
		rc = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}

	srv.loop = loop;
	srv.fd = fd;
	srv.dev = st.st_dev;
	srv.ino = st.st_ino;
	snprintf(srv.path, sizeof(srv.path), "%s", path);
	ev_io_init(&srv.accept_w, accept_cb, fd, EV_READ);
	ev_init(&srv.accept_retry, accept_retry_cb);
	ev_init(&srv.log_w, log_cb);
	raise_fd_limit();
	ev_io_start(loop, &srv.accept_w);
	srv.running = true;
	return 0;
}

int ctl_server_set_group(const char *group, char *err, size_t errlen)
{
	struct group *g;

	if (!group || !*group)
		return 0;
	g = getgrnam(group);
	if (!g) {
		snprintf(err, errlen, "ctl_group: no group '%s' on this host", group);
		return -ENOENT;
	}
	/* 0660 stays: the group may connect, nobody else */
	if (chown(srv.path, (uid_t)-1, g->gr_gid) || chmod(srv.path, 0660)) {
		int e = errno;

		snprintf(err, errlen, "cannot give %s to group %s: %s", srv.path, group,
			 strerror(e));
		return -e;
	}
	return 0;
}

/* Must not be called from a handler: the connection being served would go. */
void ctl_server_stop(void)
{
	struct stat st;

	if (!srv.running)
		return;
	ev_io_stop(srv.loop, &srv.accept_w);
	ev_timer_stop(srv.loop, &srv.accept_retry);
	ev_timer_stop(srv.loop, &srv.log_w);
	log_closes();
	while (srv.clients)
		client_close(srv.clients);
	close(srv.fd);
	srv.fd = -1;
	/* a newer dpvs may own the path by now: unlink only our own socket */
	if (stat(srv.path, &st) == 0 && st.st_dev == srv.dev && st.st_ino == srv.ino)
		unlink(srv.path);
	srv.running = false;
}

const struct ctl_server_stats *ctl_server_stats(void)
{
	return &ctl_stats;
}

void ctl_server_set_idle_timeout(double seconds)
{
	idle_timeout = seconds;
}

void ctl_server_set_limits(double deadline, unsigned clients, size_t rx_bytes)
{
	msg_deadline = deadline;
	max_clients = clients;
	rx_budget = rx_bytes;
}

unsigned ctl_server_nclients(void)
{
	return srv.nclients;
}
