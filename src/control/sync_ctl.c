/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sync_ctl: LVS's connection sync daemons on the control thread (libev):
 * ipvsadm --start-daemon master|backup, --stop-daemon, -L --daemon, and
 * dpip sync's counters. The wire format is sync_proto.c's, the workers'
 * part ipvs/sync.c's.
 *
 * The interface: an ordinary kernel UDP multicast socket on the port's KNI
 * (TAP) interface, as LVS's own sockets: the master's datagrams leave by
 * the TAP and the DPDK port, the backup's come in by the port, are handed
 * to the kernel (multicast is not the data path's) and read here. So
 * --mcast-interface names the KNI (dpdk0.kni), or a port (dpdk0), which
 * stands for its KNI. An IPv6 group works the same (the KNI's link-local
 * address is the source); the records in it are the same.
 *
 * Master: every IPVS_SYNC_TICK_MS the records the workers handed over are
 * packed into messages of at most sync-maxlen bytes; a full one goes at
 * once, a partly filled one at the end of the tick (LVS holds a partial
 * buffer up to 2 s; here a conn is at most one tick old on the backup,
 * which is what a failover loses). Backup: each datagram is decoded and
 * checked field by field; a bad one is counted by reason and logged at
 * most once a second; each good record goes to the worker that owns its
 * client (steering) through that worker's ring.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <ev.h>

#include "control/control.h"
#include "ctl/ctl.h"
#include "ipvs/sync.h"
#include "log.h"
#include "netif/netif.h"
#include "worker/steer.h"

#define IPVS_SYNC_TICK_MS 20 /* LVS's IPVS_SYNC_SEND_DELAY (HZ/50) */
#define TAKE_BURST	  256
#define RECV_BURST	  64 /* datagrams read per wake-up: bounded work */
#define MTU_DEFAULT	  1500
#define ERRLEN		  256

struct sync_daemon {
	bool running;
	struct dpvs_sync_daemon cfg; /* defaults filled in */
	int fd;
	ev_io io;		    /* backup */
	ev_timer tick;		    /* master */
	uint8_t *buf;		    /* master: the message being filled */
	struct sockaddr_storage to; /* master: the group and port */
	socklen_t tolen;
	struct ipvs_sync_msg msg;
};

static struct sync_daemon master = {.fd = -1}, backup = {.fd = -1};

/* The control side's counters (the workers' are ipvs_sync_counts()). */
static struct {
	uint64_t msgs_sent, conns_sent, bytes_sent, send_errors;
	uint64_t msgs_received, conns_received, msgs_dropped, recs_dropped;
	uint64_t install_ring_full, recv_errors;
	uint64_t errs[IPVS_SYNC_E_MAX];
} cnt;
static time_t last_log;

/* The kernel interface a --mcast-interface names: itself, or a port's KNI. */
static unsigned resolve_ifn(const char *ifn, char *kname, size_t len)
{
	const struct dp_port *p;
	unsigned idx = if_nametoindex(ifn);

	if (idx) {
		snprintf(kname, len, "%s", ifn);
		return idx;
	}
	p = netif_port_by_name(ifn);
	if (p && p->kni_name[0]) {
		snprintf(kname, len, "%s", p->kni_name);
		return if_nametoindex(p->kni_name);
	}
	return 0;
}

static unsigned if_mtu(const char *ifn)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned mtu = MTU_DEFAULT;

	if (fd < 0)
		return mtu;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifn);
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		mtu = (unsigned)ifr.ifr_mtu;
	close(fd);
	return mtu;
}

/* start_sync_thread()'s sizes: a master's messages fit 1500 bytes
 * whatever the MTU, a backup takes what its device carries. */
static uint32_t sync_maxlen(uint32_t state, uint16_t af, uint32_t asked, unsigned dev_mtu)
{
	uint32_t hlen = (af == AF_INET6 ? 40 : 20) + 8;
	uint32_t mtu = state == DPVS_SYNC_MASTER ? MTU_DEFAULT
		       : dev_mtu < 1500		 ? 1500
		       : dev_mtu > 65535	 ? 65535
						 : dev_mtu;
	uint32_t min = state == DPVS_SYNC_MASTER ? 1 : 1024;

	if (!asked)
		return mtu - hlen;
	return asked < min ? min : asked > 65535 - hlen ? 65535 - hlen : asked;
}

static void log_bad(const char *what, const char *why)
{
	time_t now = time(NULL);

	if (now == last_log)
		return; /* at most once a second: a flood must not fill the log */
	last_log = now;
	DPVS_LOG(WARNING, "sync backup: %s dropped: %s", what, why);
}

/* ---- master ---- */

static void send_msg(struct sync_daemon *d)
{
	ssize_t n;

	if (d->msg.nr == 0)
		return;
	n = sendto(d->fd, d->buf, d->msg.len, MSG_DONTWAIT, (struct sockaddr *)&d->to, d->tolen);
	if (n == (ssize_t)d->msg.len) {
		cnt.msgs_sent++;
		cnt.conns_sent += d->msg.nr;
		cnt.bytes_sent += (uint64_t)n;
	} else {
		cnt.send_errors++;
	}
	ipvs_sync_msg_init(&d->msg, d->buf, d->cfg.sync_maxlen, (uint8_t)d->cfg.syncid);
}

static void on_master_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sync_daemon *d = w->data;
	struct ipvs_sync_rec recs[TAKE_BURST];

	(void)loop;
	(void)revents;
	for (unsigned wk = 0; wk < ipvs_sync_workers(); wk++) {
		/* bounded: a ring holds IPVS_SYNC_RING_SIZE records at most */
		for (unsigned round = 0; round < IPVS_SYNC_RING_SIZE / TAKE_BURST + 1; round++) {
			unsigned n = ipvs_sync_take(wk, recs, TAKE_BURST);

			for (unsigned i = 0; i < n; i++) {
				if (ipvs_sync_msg_add(&d->msg, &recs[i]) == 0)
					continue;
				send_msg(d);
				ipvs_sync_msg_add(&d->msg, &recs[i]); /* an empty one takes it */
			}
			if (n < TAKE_BURST)
				break;
		}
	}
	send_msg(d);
}

/* The same for an IPv6 group (the datagrams are the same). */
static int master_socket6(const struct dpvs_sync_daemon *c, unsigned ifindex,
			  struct sockaddr_in6 *to, char *err, size_t errlen)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int idx = (int)ifindex, hops = c->mcast_ttl, off = 0, pmtu = IPV6_PMTUDISC_DONT;

	if (fd < 0) {
		snprintf(err, errlen, "sync master: socket: %s", strerror(errno));
		return -errno;
	}
	memset(to, 0, sizeof(*to));
	to->sin6_family = AF_INET6;
	to->sin6_addr = c->mcast_group.in6;
	to->sin6_port = htons(c->mcast_port);
	to->sin6_scope_id = ifindex;
	/* not connected: the source is picked per datagram, so a link-local
	 * address still in duplicate detection only costs the first sends */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu)) < 0) {
		int e = errno;

		snprintf(err, errlen, "sync master: socket on %s: %s", c->mcast_ifn, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

static int master_socket(const struct dpvs_sync_daemon *c, unsigned ifindex, struct sockaddr_in *to,
			 char *err, size_t errlen)
{
	struct ip_mreqn mr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int ttl = c->mcast_ttl, off = 0, pmtu = IP_PMTUDISC_DONT;

	if (fd < 0) {
		snprintf(err, errlen, "sync master: socket: %s", strerror(errno));
		return -errno;
	}
	memset(&mr, 0, sizeof(mr));
	mr.imr_ifindex = (int)ifindex;
	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_addr = c->mcast_group.in;
	to->sin_port = htons(c->mcast_port);
	/* as make_send_sock(): out of that interface, not looped back, the
	 * TTL asked for, fragments allowed */
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof(off)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)) < 0) {
		int e = errno;

		snprintf(err, errlen, "sync master: socket on %s: %s", c->mcast_ifn, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

/* ---- backup ---- */

struct recv_ctx {
	unsigned nworkers;
};

static void on_record(const struct ipvs_sync_rec *r, void *arg)
{
	const struct recv_ctx *x = arg;
	int owner = x->nworkers > 1 ? steer_owner_of_client(r->caddr.in.s_addr) : 0;

	cnt.conns_received++;
	if (owner < 0 || (unsigned)owner >= x->nworkers || ipvs_sync_give((unsigned)owner, r) < 0)
		cnt.install_ring_full++;
}

static void on_backup_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sync_daemon *d = w->data;
	struct recv_ctx x = {.nworkers = ipvs_sync_workers()};
	static uint8_t buf[65536];

	(void)loop;
	(void)revents;
	for (unsigned i = 0; i < RECV_BURST; i++) {
		struct ipvs_sync_dec dec;
		enum ipvs_sync_err e;
		ssize_t n = recv(d->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				cnt.recv_errors++;
			return;
		}
		cnt.msgs_received++;
		e = ipvs_sync_decode(buf, (size_t)n, (uint8_t)d->cfg.syncid, on_record, &x, &dec);
		for (unsigned k = 0; k < IPVS_SYNC_E_MAX; k++)
			cnt.errs[k] += dec.errs[k];
		cnt.recs_dropped += dec.rec_drops;
		if (e != IPVS_SYNC_OK) {
			cnt.msgs_dropped++;
			if (e != IPVS_SYNC_E_SYNCID) /* another cluster's: not an error */
				log_bad("message", ipvs_sync_err_name(e));
		} else if (dec.rec_drops) {
			log_bad("record", "protocol or state unknown (see dpip sync)");
		}
	}
}

static int backup_socket6(const struct dpvs_sync_daemon *c, unsigned ifindex, char *err,
			  size_t errlen)
{
	struct sockaddr_in6 at = {.sin6_family = AF_INET6};
	struct ipv6_mreq mr;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int on = 1;

	if (fd < 0) {
		snprintf(err, errlen, "sync backup: socket: %s", strerror(errno));
		return -errno;
	}
	memset(&mr, 0, sizeof(mr));
	mr.ipv6mr_multiaddr = c->mcast_group.in6;
	mr.ipv6mr_interface = ifindex;
	at.sin6_addr = c->mcast_group.in6;
	at.sin6_port = htons(c->mcast_port);
	at.sin6_scope_id = ifindex;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&at, sizeof(at)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0) {
		int e = errno;

		snprintf(err, errlen, "sync backup: socket on %s: %s", c->mcast_ifn, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

static int backup_socket(const struct dpvs_sync_daemon *c, unsigned ifindex, char *err,
			 size_t errlen)
{
	struct sockaddr_in at = {.sin_family = AF_INET};
	struct ip_mreqn mr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int on = 1;

	if (fd < 0) {
		snprintf(err, errlen, "sync backup: socket: %s", strerror(errno));
		return -errno;
	}
	memset(&mr, 0, sizeof(mr));
	mr.imr_multiaddr = c->mcast_group.in;
	mr.imr_ifindex = (int)ifindex;
	at.sin_addr = c->mcast_group.in;
	at.sin_port = htons(c->mcast_port);
	/* as make_receive_sock(): the group's port, joined on that interface */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&at, sizeof(at)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		int e = errno;

		snprintf(err, errlen, "sync backup: socket on %s: %s", c->mcast_ifn, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

/* ---- start, stop, list ---- */

static void daemon_stop(struct sync_daemon *d)
{
	if (!d->running)
		return;
	if (d == &master) {
		ipvs_sync_set_master(false);
		ev_timer_stop(EV_DEFAULT, &d->tick);
		free(d->buf);
		d->buf = NULL;
	} else {
		ev_io_stop(EV_DEFAULT, &d->io);
	}
	close(d->fd);
	d->fd = -1;
	d->running = false;
	DPVS_LOG(NOTICE, "sync %s daemon stopped", d == &master ? "master" : "backup");
}

/* Records left in the workers' rings by a master that stopped: old news,
 * not sent by the next one. */
static void drop_stale(void)
{
	struct ipvs_sync_rec recs[TAKE_BURST];

	for (unsigned wk = 0; wk < ipvs_sync_workers(); wk++)
		for (unsigned round = 0; round < IPVS_SYNC_RING_SIZE / TAKE_BURST + 1; round++)
			if (ipvs_sync_take(wk, recs, TAKE_BURST) < TAKE_BURST)
				break;
}

static int h_start(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	struct dpvs_sync_daemon c;
	struct sync_daemon *d;
	char kname[DPVS_IFNAMSIZ], err[ERRLEN] = "";
	unsigned ifindex;
	int fd;

	(void)hdr;
	memcpy(&c, payload, sizeof(c));
	if (c.state != DPVS_SYNC_MASTER && c.state != DPVS_SYNC_BACKUP)
		return ctl_reply_error(r, -EINVAL, "sync daemon state %u: 1 (master) or 2 (backup)",
				       c.state);
	if (c.syncid > 255)
		return ctl_reply_error(r, -EINVAL, "syncid %u: 0..255", c.syncid);
	if (c.sync_maxlen > IPVS_SYNC_MAXLEN_MAX)
		return ctl_reply_error(r, -EINVAL, "sync-maxlen %u: 1..%u", c.sync_maxlen,
				       IPVS_SYNC_MAXLEN_MAX);
	c.mcast_ifn[DPVS_IFNAMSIZ - 1] = '\0';
	if (c.mcast_af == AF_INET6 && !IN6_IS_ADDR_MULTICAST(&c.mcast_group.in6))
		return ctl_reply_error(r, -EINVAL, "mcast-group is not multicast");
	if (c.mcast_af == AF_INET && !IN_MULTICAST(ntohl(c.mcast_group.in.s_addr)))
		return ctl_reply_error(r, -EINVAL, "mcast-group is not multicast");
	if (c.mcast_af != 0 && c.mcast_af != AF_INET && c.mcast_af != AF_INET6)
		return ctl_reply_error(r, -EINVAL, "mcast-group family %u", c.mcast_af);
	/* the interface before "already running", as the kernel checks */
	ifindex = resolve_ifn(c.mcast_ifn, kname, sizeof(kname));
	if (!ifindex)
		return ctl_reply_error(r, -ENODEV, "mcast-interface %s: no such interface",
				       c.mcast_ifn);
	d = c.state == DPVS_SYNC_MASTER ? &master : &backup;
	if (d->running)
		return ctl_reply_error(r, -EEXIST, "the sync %s daemon runs already",
				       c.state == DPVS_SYNC_MASTER ? "master" : "backup");
	if (c.mcast_af == 0) {
		c.mcast_af = AF_INET;
		c.mcast_group.in.s_addr = htonl(IPVS_SYNC_GROUP);
	}
	if (!c.mcast_port)
		c.mcast_port = IPVS_SYNC_PORT;
	if (!c.mcast_ttl)
		c.mcast_ttl = IPVS_SYNC_TTL;
	c.sync_maxlen = sync_maxlen(c.state, c.mcast_af, c.sync_maxlen, if_mtu(kname));
	if (c.state == DPVS_SYNC_BACKUP)
		fd = c.mcast_af == AF_INET6 ? backup_socket6(&c, ifindex, err, sizeof(err))
					    : backup_socket(&c, ifindex, err, sizeof(err));
	else if (c.mcast_af == AF_INET6)
		fd = master_socket6(&c, ifindex, (struct sockaddr_in6 *)&d->to, err, sizeof(err));
	else
		fd = master_socket(&c, ifindex, (struct sockaddr_in *)&d->to, err, sizeof(err));
	d->tolen =
	    c.mcast_af == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (fd < 0)
		return ctl_reply_error(r, fd, "%s", err);
	d->cfg = c;
	d->fd = fd;
	if (d == &master) {
		d->buf = malloc(ipvs_sync_buf_size(c.sync_maxlen));
		if (!d->buf) {
			close(fd);
			d->fd = -1;
			return ctl_reply_error(r, -ENOMEM, "sync master: no memory for a message");
		}
		ipvs_sync_msg_init(&d->msg, d->buf, c.sync_maxlen, (uint8_t)c.syncid);
		drop_stale();
		ev_timer_init(&d->tick, on_master_tick, IPVS_SYNC_TICK_MS / 1000.0,
			      IPVS_SYNC_TICK_MS / 1000.0);
		d->tick.data = d;
		ev_timer_start(EV_DEFAULT, &d->tick);
		ipvs_sync_set_master(true);
	} else {
		ev_io_init(&d->io, on_backup_read, fd, EV_READ);
		d->io.data = d;
		ev_io_start(EV_DEFAULT, &d->io);
	}
	d->running = true;
	DPVS_LOG(NOTICE, "sync %s daemon started on %s (syncid %u, maxlen %u, port %u)",
		 d == &master ? "master" : "backup", kname, c.syncid, c.sync_maxlen, c.mcast_port);
	return 0;
}

static int h_stop(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	const struct dpvs_sync_daemon *c = payload;
	struct sync_daemon *d;

	(void)hdr;
	if (c->state != DPVS_SYNC_MASTER && c->state != DPVS_SYNC_BACKUP)
		return ctl_reply_error(r, -EINVAL, "sync daemon state %u: 1 (master) or 2 (backup)",
				       c->state);
	d = c->state == DPVS_SYNC_MASTER ? &master : &backup;
	if (!d->running)
		return ctl_reply_error(r, -ESRCH, "no sync %s daemon runs",
				       c->state == DPVS_SYNC_MASTER ? "master" : "backup");
	daemon_stop(d);
	return 0;
}

static int h_get(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	struct dpvs_list head = {.entry_size = sizeof(struct dpvs_sync_daemon)};

	(void)hdr;
	(void)payload;
	head.count = master.running + backup.running;
	if (ctl_reply_append(r, &head, sizeof(head)) < 0 ||
	    (master.running && ctl_reply_append(r, &master.cfg, sizeof(master.cfg)) < 0) ||
	    (backup.running && ctl_reply_append(r, &backup.cfg, sizeof(backup.cfg)) < 0))
		return ctl_reply_error(r, -ENOMEM, "out of memory");
	return 0;
}

static int put(struct ctl_reply *r, const char *name, uint64_t v)
{
	struct dpvs_sync_counter c;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.value = v;
	return ctl_reply_append(r, &c, sizeof(c));
}

static int h_stats(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	struct dpvs_list head = {.entry_size = sizeof(struct dpvs_sync_counter)};
	struct ipvs_sync_wcounts w;
	int ret = 0;

	(void)hdr;
	(void)payload;
	ipvs_sync_counts(&w);
	const struct {
		const char *name;
		uint64_t v;
	} rows[] = {
	    {"master-running", master.running},
	    {"backup-running", backup.running},
	    {"conns-queued", w.queued},
	    {"sync-ring-full", w.ring_full},
	    {"msgs-sent", cnt.msgs_sent},
	    {"conns-sent", cnt.conns_sent},
	    {"bytes-sent", cnt.bytes_sent},
	    {"send-errors", cnt.send_errors},
	    {"msgs-received", cnt.msgs_received},
	    {"conns-received", cnt.conns_received},
	    {"msgs-dropped", cnt.msgs_dropped},
	    {"recs-dropped", cnt.recs_dropped},
	    {"recv-errors", cnt.recv_errors},
	    {"install-ring-full", cnt.install_ring_full},
	    {"installed", w.installed},
	    {"updated", w.updated},
	    {"templates", w.templates},
	    {"no-service", w.no_service},
	    {"no-dest", w.no_dest},
	    {"table-full", w.table_full},
	    {"unsupported", w.unsupported},
	    {"synproxy", w.synproxy},
	};
	head.count = (uint32_t)(sizeof(rows) / sizeof(rows[0])) + IPVS_SYNC_E_MAX - 1;
	ret |= ctl_reply_append(r, &head, sizeof(head));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ret |= put(r, rows[i].name, rows[i].v);
	for (unsigned k = 1; k < IPVS_SYNC_E_MAX; k++)
		ret |= put(r, ipvs_sync_err_name(k), cnt.errs[k]);
	return ret < 0 ? ctl_reply_error(r, -ENOMEM, "out of memory") : 0;
}

void sync_ctl_stop(void)
{
	daemon_stop(&master);
	daemon_stop(&backup);
}

void sync_ctl_register(void)
{
	const uint32_t len = sizeof(struct dpvs_sync_daemon);

	ctl_register(DPVS_MSG_SYNC_START, len, len, h_start);
	ctl_register(DPVS_MSG_SYNC_STOP, len, len, h_stop);
	ctl_register(DPVS_MSG_SYNC_GET, 0, 0, h_get);
	ctl_register(DPVS_MSG_SYNC_STATS, 0, 0, h_stats);
}
