/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client end of the control socket, shared by dpip and ipvsadm: one
 * connection per request, the whole exchange bounded by one deadline so a
 * stuck daemon can never hang a tool (or a script that runs it). Every
 * local failure comes back with a message that says what to check.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "ctl_codec.h"
#include "dpvs_client.h"
#include "errf.h"

#define CLIENT_TIMEOUT_MS 30000

/* Everything one exchange needs to report an error usefully. */
struct exchange {
	int fd;
	const char *path;
	uint16_t type;
	int64_t deadline_ms;
	char *err;
	size_t errlen;
};

const char *dpvs_sock_path(void)
{
	const char *p = getenv(DPVS_CTL_SOCK_ENV);

	return (p && *p) ? p : DPVS_CTL_DEFAULT_SOCK;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the socket is ready for `events` or the deadline passes. */
static int wait_ready(struct exchange *x, short events)
{
	struct pollfd pfd = { .fd = x->fd, .events = events };

	for (;;) {
		int64_t left = x->deadline_ms - now_ms();
		int n;

		if (left <= 0)
			return dpvs_errf(x->err, x->errlen, -ETIMEDOUT,
					 "%s: no answer from dpvs on %s within %d s "
					 "(is the daemon stuck? see its log)",
					 ctl_msg_name(x->type), x->path, CLIENT_TIMEOUT_MS / 1000);
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return dpvs_errf(x->err, x->errlen, -errno, "poll on %s: %s", x->path,
					 strerror(errno));
	}
}

/*
 * A UNIX socket's connect() blocks while the daemon's backlog is full;
 * on a non-blocking socket it says EAGAIN instead, so retry until the
 * deadline rather than hang.
 */
static int open_socket(struct exchange *x)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (strlen(x->path) >= sizeof(sun.sun_path))
		return dpvs_errf(x->err, x->errlen, -ENAMETOOLONG,
				 "socket path %s is too long (at most %zu characters; "
				 "check DPVS_SOCK)", x->path, sizeof(sun.sun_path) - 1);
	strcpy(sun.sun_path, x->path);

	x->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->fd < 0)
		return dpvs_errf(x->err, x->errlen, -errno, "cannot create a UNIX socket: %s",
				 strerror(errno));
	for (;;) {
		if (connect(x->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && now_ms() < x->deadline_ms) {
			usleep(10000);
			continue;
		}
		if (errno == EINPROGRESS)
			return wait_ready(x, POLLOUT);
		break;
	}
	int e = errno;
	const char *hint = "is dpvs running? set DPVS_SOCK to its ctl_socket";

	if (e == EACCES || e == EPERM)
		hint = "run as root or as a member of the socket's group";
	else if (e == EAGAIN)
		hint = "dpvs is not accepting connections; is it stuck?";
	return dpvs_errf(x->err, x->errlen, -e, "cannot connect to %s: %s (%s)", x->path,
			 strerror(e), hint);
}

static int send_all(struct exchange *x, const struct dpvs_ctl_hdr *h, const void *payload)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)h, .iov_len = sizeof(*h) },
		{ .iov_base = (void *)payload, .iov_len = payload ? h->len : 0 },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	while (iov[0].iov_len + iov[1].iov_len > 0) {
		/* MSG_NOSIGNAL: a daemon that goes away must give an error, not
		 * kill the tool with SIGPIPE. */
		ssize_t n = sendmsg(x->fd, &msg, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				int rc = wait_ready(x, POLLOUT);

				if (rc)
					return rc;
				continue;
			}
			return dpvs_errf(x->err, x->errlen, -errno,
					 "%s: cannot send the request to %s: %s "
					 "(did dpvs stop? see its log)",
					 ctl_msg_name(x->type), x->path, strerror(errno));
		}
		for (int i = 0; i < 2; i++) {
			size_t k = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;

			iov[i].iov_base = (char *)iov[i].iov_base + k;
			iov[i].iov_len -= k;
			n -= (ssize_t)k;
		}
		/* skip the finished header iovec so sendmsg never sees a stale one */
		if (iov[0].iov_len == 0) {
			msg.msg_iov = &iov[1];
			msg.msg_iovlen = 1;
		}
	}
	return 0;
}

static int recv_all(struct exchange *x, void *buf, size_t len, const char *what)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(x->fd, (char *)buf + got, len - got, 0);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0)
			return dpvs_errf(x->err, x->errlen, -ECONNRESET,
					 "%s: dpvs closed the connection after %zu of %zu bytes "
					 "of the %s (it may be at its client limit or restarting; "
					 "see its log)",
					 ctl_msg_name(x->type), got, len, what);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			int rc = wait_ready(x, POLLIN);

			if (rc)
				return rc;
			continue;
		}
		return dpvs_errf(x->err, x->errlen, -errno, "%s: reading the %s from %s: %s",
				 ctl_msg_name(x->type), what, x->path, strerror(errno));
	}
	return 0;
}

static uint32_t next_seq(void)
{
	static uint32_t counter;

	/* Distinct per process and per call, so a reply meant for another
	 * exchange is noticed. */
	return ((uint32_t)getpid() << 16) ^ ++counter;
}

static int exchange(struct exchange *x, uint32_t flags, const void *req, uint32_t len,
		    void **reply, uint32_t *rlen)
{
	struct dpvs_ctl_hdr h, rh;
	char why[DPVS_CTL_ERRMSG_MAX];
	uint32_t seq = next_seq();
	char *buf;
	int rc;

	ctl_hdr_init(&h, x->type, seq, len);
	h.flags = flags;
	rc = open_socket(x);
	if (rc)
		return rc;
	rc = send_all(x, &h, req);
	if (rc)
		return rc;
	rc = recv_all(x, &rh, sizeof(rh), "reply header");
	if (rc)
		return rc;
	if (ctl_hdr_check(&rh, why, sizeof(why)))
		return dpvs_errf(x->err, x->errlen, -EBADMSG, "%s: bad reply from dpvs: %s",
				 ctl_msg_name(x->type), why);
	if (rh.seq != seq || rh.type != x->type)
		return dpvs_errf(x->err, x->errlen, -EBADMSG,
				 "%s: reply does not match the request "
				 "(got %s seq %u, expected seq %u)", ctl_msg_name(x->type),
				 ctl_msg_name(rh.type), rh.seq, seq);
	if (rh.status > 0)
		return dpvs_errf(x->err, x->errlen, -EBADMSG, "%s: bad reply status %d from dpvs",
				 ctl_msg_name(x->type), rh.status);

	/* one spare byte keeps text replies NUL-terminated */
	buf = malloc((size_t)rh.len + 1);
	if (!buf)
		return dpvs_errf(x->err, x->errlen, -ENOMEM, "%s: no memory for a %u byte reply",
				 ctl_msg_name(x->type), rh.len);
	rc = recv_all(x, buf, rh.len, "reply payload");
	if (rc) {
		free(buf);
		return rc;
	}
	buf[rh.len] = '\0';

	if (rh.status < 0) {
		if (buf[0])
			dpvs_errf(x->err, x->errlen, rh.status, "%s", buf);
		else
			dpvs_errf(x->err, x->errlen, rh.status, "%s: %s", ctl_msg_name(x->type),
				  strerror(-rh.status));
		free(buf);
		return rh.status;
	}
	if (reply)
		*reply = buf;
	else
		free(buf);
	if (rlen)
		*rlen = rh.len;
	return 0;
}

int dpvs_request(uint16_t type, uint32_t flags, const void *req, uint32_t len, void **reply,
		 uint32_t *rlen, char *err, size_t errlen)
{
	struct exchange x = {
		.fd = -1,
		.path = dpvs_sock_path(),
		.type = type,
		.deadline_ms = now_ms() + CLIENT_TIMEOUT_MS,
		.err = err,
		.errlen = errlen,
	};
	int rc;

	if (reply)
		*reply = NULL;
	if (rlen)
		*rlen = 0;
	if (len > DPVS_CTL_MAX_PAYLOAD)
		return dpvs_errf(err, errlen, -EMSGSIZE,
				 "%s: request of %u bytes exceeds the limit of %u",
				 ctl_msg_name(type), len, DPVS_CTL_MAX_PAYLOAD);
	if (len && !req)
		return dpvs_errf(err, errlen, -EINVAL, "%s: no request payload",
				 ctl_msg_name(type));
	rc = exchange(&x, flags, req, len, reply, rlen);
	if (x.fd >= 0)
		close(x.fd);
	return rc;
}

const void *dpvs_list_entries(const void *reply, uint32_t rlen, size_t min_entry,
			      uint32_t *count, char *err, size_t errlen)
{
	struct dpvs_list l;

	if (count)
		*count = 0;
	if (!reply || rlen < sizeof(l)) {
		dpvs_errf(err, errlen, -EBADMSG, "reply of %u bytes is too short for a list", rlen);
		return NULL;
	}
	memcpy(&l, reply, sizeof(l));
	if (l.entry_size < min_entry) {
		dpvs_errf(err, errlen, -EBADMSG,
			  "list entries are %u bytes, this tool needs at least %zu: "
			  "use dpvs and its tools from the same build",
			  l.entry_size, min_entry);
		return NULL;
	}
	/* 64-bit arithmetic: count * entry_size must not wrap */
	if ((uint64_t)l.count * l.entry_size > rlen - sizeof(l)) {
		dpvs_errf(err, errlen, -EBADMSG,
			  "list of %u entries of %u bytes does not fit in %u bytes", l.count,
			  l.entry_size, rlen);
		return NULL;
	}
	if (count)
		*count = l.count;
	return (const char *)reply + sizeof(l);
}

/* ---- batches ---- */

void dpvs_batch_init(struct dpvs_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void dpvs_batch_free(struct dpvs_batch *b)
{
	free(b->buf);
	dpvs_batch_init(b);
}

int dpvs_batch_add(struct dpvs_batch *b, uint16_t type, uint32_t flags, const void *req,
		   uint32_t len)
{
	struct dpvs_ctl_hdr h;
	size_t need = sizeof(h) + len;

	if (need > DPVS_CTL_MAX_PAYLOAD - b->len)
		return -EMSGSIZE;
	if (b->len + need > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		uint8_t *nb;

		while (cap < b->len + need)
			cap *= 2;
		nb = realloc(b->buf, cap);
		if (!nb)
			return -ENOMEM;
		b->buf = nb;
		b->cap = cap;
	}
	ctl_hdr_init(&h, type, ++b->seq, len);
	h.flags = flags;
	memcpy(b->buf + b->len, &h, sizeof(h));
	if (len)
		memcpy(b->buf + b->len + sizeof(h), req, len);
	b->len += need;
	b->n++;
	return 0;
}

/* Reads the replies of one BATCH reply; *used: bytes of requests they
 * answered. 0 or -EBADMSG. */
static int batch_replies(const struct dpvs_batch *b, uint32_t first, const uint8_t *reply,
			 uint32_t rlen, dpvs_batch_fn fn, void *arg, size_t *used, uint32_t *done,
			 char *err, size_t errlen)
{
	struct dpvs_batch_reply br;
	size_t roff = sizeof(br), qoff = 0;
	char why[DPVS_CTL_ERRMSG_MAX];

	if (rlen < sizeof(br))
		return dpvs_errf(err, errlen, -EBADMSG, "BATCH: reply of %u bytes", rlen);
	memcpy(&br, reply, sizeof(br));
	if (br.done > b->n)
		return dpvs_errf(err, errlen, -EBADMSG, "BATCH: %u replies to %u requests",
				 br.done, b->n);
	for (uint32_t i = 0; i < br.done; i++) {
		struct dpvs_ctl_hdr q, h;
		char msg[DPVS_CTL_ERRMSG_MAX] = "";

		memcpy(&q, b->buf + qoff, sizeof(q));
		if (rlen - roff < sizeof(h))
			return dpvs_errf(err, errlen, -EBADMSG, "BATCH: reply %u is cut short", i);
		memcpy(&h, reply + roff, sizeof(h));
		if (ctl_hdr_check(&h, why, sizeof(why)) || h.len > rlen - roff - sizeof(h))
			return dpvs_errf(err, errlen, -EBADMSG, "BATCH: bad reply %u", i);
		if (h.seq != q.seq || h.type != q.type)
			return dpvs_errf(err, errlen, -EBADMSG,
					 "BATCH: reply %u does not match its request", i);
		if (h.status < 0 && h.len) {
			size_t n = h.len < sizeof(msg) ? h.len : sizeof(msg) - 1;

			memcpy(msg, reply + roff + sizeof(h), n);
			msg[n] = '\0';
		}
		fn(first + i, q.type, h.status, msg, arg);
		roff += sizeof(h) + h.len;
		qoff += sizeof(q) + q.len;
	}
	*used = qoff;
	*done = br.done;
	return 0;
}

int dpvs_batch_send(struct dpvs_batch *b, dpvs_batch_fn fn, void *arg, char *err, size_t errlen)
{
	uint32_t first = 0;
	int rc = 0;

	while (b->n) {
		void *reply = NULL;
		uint32_t rlen = 0, done = 0;
		size_t used = 0;

		rc = dpvs_request(DPVS_MSG_BATCH, 0, b->buf, (uint32_t)b->len, &reply, &rlen, err,
				  errlen);
		if (rc == 0)
			rc = batch_replies(b, first, reply, rlen, fn, arg, &used, &done, err, errlen);
		free(reply);
		if (rc == 0 && done == 0)
			rc = dpvs_errf(err, errlen, -EBADMSG, "BATCH: the daemon ran none of %u "
				       "requests", b->n);
		if (rc)
			break;
		/* what did not fit in the reply goes again */
		memmove(b->buf, b->buf + used, b->len - used);
		b->len -= used;
		b->n -= done;
		first += done;
	}
	b->len = 0;
	b->n = 0;
	return rc;
}
