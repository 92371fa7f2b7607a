/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture_ctl: `dpip capture start|stop|show` on the control thread. It
 * checks the request, creates and attaches a capture session (dp/capture.h),
 * and drains the workers' rings from a libev timer into a pcap file
 * (libpcap's pcap_dump, nanosecond timestamps) that `tcpdump -r` reads.
 *
 * One capture at a time. It ends on CAPTURE_STOP, after `count` frames
 * are written, on a write error, or when the daemon stops; the file is
 * complete once the STOP reply (or the daemon's exit) came. Frames of
 * several workers are written worker by worker per drain, so their
 * timestamps may step back between two workers' runs (tcpdump does not
 * mind; `editcap -S` or wireshark sort them if needed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <ev.h>
#include <pcap/pcap.h>
#include <rte_cycles.h>

#include "ctl/ctl.h"
#include "dp/capture.h"
#include "dp/dp.h"
#include "log.h"
#include "netif/netif.h"
#include "control/observe.h"

#define DRAIN_INTERVAL 0.02 /* s: 1024 slots per worker last 20 ms at 50 kpps of copies */
#define DRAIN_MAX      8192 /* frames per timer tick: bounds the control thread's turn */

static struct {
	struct ev_loop *loop;
	ev_timer timer;
	struct capture_session *s;
	pcap_t *dead;
	pcap_dumper_t *dumper;
	struct dpvs_capture_info info; /* of the running or the last capture */
	uint64_t tsc0, hz;
	struct timespec real0; /* wall clock at tsc0: turns TSC stamps into time */
	uint64_t refused;
	bool write_failed;
} cap;

static void write_rec(const struct capture_rec *rec, const uint8_t *data, void *arg)
{
	(void)arg;
	if (cap.info.count && cap.info.written >= cap.info.count)
		return; /* several workers may each have copied up to count */

	int64_t dt = (int64_t)(rec->tsc - cap.tsc0);
	int64_t ns = (int64_t)cap.real0.tv_nsec +
		     (dt > 0 ? (int64_t)((double)dt * 1e9 / (double)cap.hz) : 0);
	struct pcap_pkthdr h = {
	    .ts = {.tv_sec = cap.real0.tv_sec + ns / 1000000000, .tv_usec = ns % 1000000000},
	    .caplen = rec->cap_len,
	    .len = rec->wire_len,
	};

	pcap_dump((u_char *)cap.dumper, &h, data);
	cap.info.written++;
}

static void finish(const char *reason)
{
	if (!cap.s)
		return;
	ev_timer_stop(cap.loop, &cap.timer);
	capture_session_detach(cap.s);
	/* what the workers copied before the detach still goes in */
	while (capture_drain(cap.s, write_rec, NULL, DRAIN_MAX) > 0)
		;

	struct capture_stats st;

	capture_session_stats(cap.s, &st);
	cap.info.seen = st.seen;
	cap.info.matched = st.matched;
	cap.info.captured = st.captured;
	cap.info.ring_full = st.ring_full;
	if (pcap_dump_flush(cap.dumper) != 0 && !cap.write_failed)
		reason = "write error";
	pcap_dump_close(cap.dumper);
	pcap_close(cap.dead);
	capture_session_free(cap.s);
	cap.s = NULL;
	cap.dumper = NULL;
	cap.dead = NULL;
	cap.info.state = DPVS_CAPTURE_STOPPED;
	snprintf(cap.info.stop_reason, sizeof(cap.info.stop_reason), "%s", reason);
	DPVS_LOG(NOTICE, "capture on %s stopped (%s): %llu frames written to %s", cap.info.ifname,
		 reason, (unsigned long long)cap.info.written, cap.info.file);
}

static void on_drain(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)t;
	(void)revents;
	if (!cap.s)
		return;
	if (capture_drain(cap.s, write_rec, NULL, DRAIN_MAX) > 0 &&
	    pcap_dump_flush(cap.dumper) != 0) {
		DPVS_LOG(ERR, "capture: writing %s failed: %s", cap.info.file, strerror(errno));
		cap.write_failed = true;
		finish("write error");
		return;
	}
	if (cap.info.count && cap.info.written >= cap.info.count)
		finish("count reached");
}

/* The running capture's figures, or the last one's. */
void capture_ctl_info(struct dpvs_capture_info *out)
{
	if (cap.s) {
		struct capture_stats st;

		capture_session_stats(cap.s, &st);
		cap.info.seen = st.seen;
		cap.info.matched = st.matched;
		cap.info.captured = st.captured;
		cap.info.ring_full = st.ring_full;
	}
	*out = cap.info;
	out->refused = cap.refused;
}

static int refuse(struct ctl_reply *r, int err, const char *msg)
{
	cap.refused++;
	return ctl_reply_error(r, err, "%s", msg);
}

/* Checks what the session does not: the strings, the port, the file. */
static int check_start(const struct dpvs_capture_start *req, uint64_t *mask, char *err,
		       size_t errlen)
{
	if (!memchr(req->ifname, 0, sizeof(req->ifname)) ||
	    !memchr(req->filter, 0, sizeof(req->filter)) ||
	    !memchr(req->file, 0, sizeof(req->file))) {
		snprintf(err, errlen, "capture start: a name, filter or file is not terminated");
		return -EINVAL;
	}
	if (req->file[0] != '/') {
		snprintf(err, errlen,
			 "capture start: file '%s' is not an absolute path (the daemon's working "
			 "directory is not yours)",
			 req->file);
		return -EINVAL;
	}
	if (strcmp(req->ifname, DPVS_CAPTURE_ANY) == 0) {
		unsigned n = netif_port_count();

		*mask = n >= 64 ? UINT64_MAX : (1ull << n) - 1;
		return 0;
	}
	const struct dp_port *p = netif_port_by_name(req->ifname);

	if (!p) {
		snprintf(err, errlen, "capture start: no device '%s' (see dpip link show)",
			 req->ifname);
		return -ENODEV;
	}
	*mask = 1ull << p->idx;
	return 0;
}

/* The reply of every capture message: where the capture stands. */
static int reply_info(struct ctl_reply *r)
{
	struct dpvs_capture_info *out = ctl_reply_alloc(r, sizeof(*out));

	if (!out)
		return ctl_reply_error(r, -ENOMEM, "out of memory");
	capture_ctl_info(out);
	return 0;
}

static int h_start(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	const struct dpvs_capture_start *req = payload;
	char err[DPVS_CTL_ERRMSG_MAX];
	uint64_t mask = 0;
	int rc;

	(void)hdr;
	if (cap.s) {
		snprintf(err, sizeof(err),
			 "capture start: a capture is running (dev %s, file %s): dpip capture stop "
			 "first",
			 cap.info.ifname, cap.info.file);
		return refuse(r, -EBUSY, err);
	}
	rc = check_start(req, &mask, err, sizeof(err));
	if (rc < 0)
		return refuse(r, rc, err);

	struct capture_conf c = {
	    .port_mask = mask,
	    .dirs = (uint8_t)req->dirs,
	    .snaplen = req->snaplen ? req->snaplen : CAPTURE_SNAPLEN_DEFAULT,
	    .count = req->count,
	    .filter = req->filter,
	    .engine = CAPTURE_ENGINE_AUTO,
	};
	if (req->dirs > (DPVS_CAPTURE_RX | DPVS_CAPTURE_TX))
		c.dirs = 0; /* refused by the session with its message */

	struct capture_session *s = capture_session_create(&c, worker_count(), err, sizeof(err));

	if (!s)
		return refuse(r, -EINVAL, err);

	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)c.snaplen,
							    PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, req->file) : NULL;

	if (!d) {
		snprintf(err, sizeof(err), "capture start: cannot write %s: %s", req->file,
			 dead ? pcap_geterr(dead) : "out of memory");
		if (dead)
			pcap_close(dead);
		capture_session_free(s);
		return refuse(r, -EIO, err);
	}

	memset(&cap.info, 0, sizeof(cap.info));
	cap.info.state = DPVS_CAPTURE_RUNNING;
	cap.info.dirs = c.dirs;
	cap.info.snaplen = c.snaplen;
	cap.info.count = c.count;
	snprintf(cap.info.ifname, sizeof(cap.info.ifname), "%s", req->ifname);
	snprintf(cap.info.engine, sizeof(cap.info.engine), "%s", capture_session_engine(s));
	snprintf(cap.info.filter, sizeof(cap.info.filter), "%s", req->filter);
	snprintf(cap.info.file, sizeof(cap.info.file), "%s", req->file);
	cap.s = s;
	cap.dead = dead;
	cap.dumper = d;
	cap.write_failed = false;
	cap.hz = rte_get_tsc_hz();
	clock_gettime(CLOCK_REALTIME, &cap.real0);
	cap.tsc0 = rte_rdtsc();
	capture_session_attach(s);
	ev_timer_again(cap.loop, &cap.timer);
	DPVS_LOG(NOTICE, "capture on %s (%s%s) filter \"%s\" engine %s into %s", req->ifname,
		 c.dirs & CAPTURE_RX ? "rx" : "", c.dirs & CAPTURE_TX ? "tx" : "", req->filter,
		 cap.info.engine, req->file);

	return reply_info(r);
}

static int h_stop(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	(void)hdr;
	(void)payload;
	if (!cap.s)
		return ctl_reply_error(r, -ENOENT, "capture stop: no capture is running");
	finish("stopped");

	return reply_info(r);
}

static int h_show(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	(void)hdr;
	(void)payload;
	return reply_info(r);
}

void capture_ctl_register(struct ev_loop *loop)
{
	const uint32_t len = sizeof(struct dpvs_capture_start);

	cap.loop = loop;
	ev_init(&cap.timer, on_drain);
	cap.timer.repeat = DRAIN_INTERVAL;
	ctl_register(DPVS_MSG_CAPTURE_START, len, len, h_start);
	ctl_register(DPVS_MSG_CAPTURE_STOP, 0, 0, h_stop);
	ctl_register(DPVS_MSG_CAPTURE_SHOW, 0, 0, h_show);
}

void capture_ctl_fini(void)
{
	finish("daemon stopped");
}
