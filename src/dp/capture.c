/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture: the worker's copy into its ring, the filter engines and the
 * session's life cycle on the control thread (capture.h).
 */
/* rte_bpf_convert is still marked experimental in DPDK 22.11 */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include <rte_bpf.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "dp/capture.h"

struct capture_session {
	enum capture_engine engine; /* resolved: never AUTO */
	bool have_filter;
	struct bpf_program prog; /* classic, from pcap_compile */
	struct rte_bpf *bpf;	 /* converted (eBPF engines) */
	uint64_t (*jit)(void *);
	unsigned nworkers;
	struct capture_ring *rings[DP_MAX_WORKERS];
};

/* ---- worker ---- */

static inline bool filter_match(const struct capture_session *s, struct rte_mbuf *m)
{
	if (!s->have_filter)
		return true;
	switch (s->engine) {
	case CAPTURE_ENGINE_EBPF_JIT:
		return s->jit(m) != 0;
	case CAPTURE_ENGINE_EBPF:
		return rte_bpf_exec(s->bpf, m) != 0;
	default:
		/* classic BPF reads the first segment; a load past it fails
		 * the match, as libpcap does on a short capture */
		return bpf_filter(s->prog.bf_insns, rte_pktmbuf_mtod(m, const u_char *), m->pkt_len,
				  m->data_len) != 0;
	}
}

void capture_copy_burst(struct capture_ring *r, uint16_t port_idx, uint8_t dir,
			struct rte_mbuf *const *pkts, uint16_t n)
{
	if (!(r->dirs & dir) || port_idx >= 64 || !((r->port_mask >> port_idx) & 1))
		return;

	const struct capture_session *s = r->s;
	const uint64_t tsc = rte_rdtsc();
	uint32_t head = r->head;

	r->seen += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (!filter_match(s, m))
			continue;
		r->matched++;
		if (r->left == 0)
			continue;
		if (head - r->tail_cache == CAPTURE_RING_SLOTS) {
			r->tail_cache = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
			if (head - r->tail_cache == CAPTURE_RING_SLOTS) {
				/* the control thread is behind: lose the copy, not the frame */
				r->ring_full++;
				continue;
			}
		}
		struct capture_rec *rec =
		    (struct capture_rec *)(r->slots + (size_t)(head & r->mask) * r->slot_size);
		uint8_t *data = (uint8_t *)(rec + 1);
		uint32_t cap = RTE_MIN(m->pkt_len, r->snaplen);
		const void *p = rte_pktmbuf_read(m, 0, cap, data);

		if (p != NULL && p != data)
			memcpy(data, p, cap);
		rec->tsc = tsc;
		rec->wire_len = m->pkt_len;
		rec->cap_len = (uint16_t)(p ? cap : 0);
		rec->port_idx = (uint8_t)port_idx;
		rec->dir = dir;
		r->captured++;
		r->left--;
		head++;
		__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
	}
}

/* ---- control thread ---- */

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* libpcap compiles for Ethernet (DLT_EN10MB, what every port carries). */
static int compile(struct capture_session *s, const char *expr, uint32_t snaplen, char *err,
		   size_t errlen)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	int rc = 0;

	if (!p)
		return fail(err, errlen, -ENOMEM, "capture: out of memory compiling the filter");
	if (pcap_compile(p, &s->prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0)
		rc = fail(err, errlen, -EINVAL, "capture: bad filter \"%s\": %s", expr,
			  pcap_geterr(p));
	else
		s->have_filter = true;
	pcap_close(p);
	return rc;
}

static int load_ebpf(struct capture_session *s, bool want_jit, char *err, size_t errlen)
{
	struct rte_bpf_prm *prm = rte_bpf_convert(&s->prog);

	if (!prm)
		return fail(err, errlen, -ENOTSUP, "capture: DPDK cannot convert the filter: %s",
			    rte_strerror(rte_errno));
	s->bpf = rte_bpf_load(prm);
	rte_free(prm);
	if (!s->bpf)
		return fail(err, errlen, -ENOTSUP, "capture: DPDK cannot load the filter: %s",
			    rte_strerror(rte_errno));
	if (want_jit) {
		struct rte_bpf_jit jit = {0};

		if (rte_bpf_get_jit(s->bpf, &jit) != 0 || !jit.func)
			return fail(err, errlen, -ENOTSUP, "capture: no eBPF JIT on this machine");
		s->jit = jit.func;
	}
	return 0;
}

static int pick_engine(struct capture_session *s, enum capture_engine want, char *err,
		       size_t errlen)
{
	switch (want) {
	case CAPTURE_ENGINE_CBPF:
		s->engine = CAPTURE_ENGINE_CBPF;
		return 0;
	case CAPTURE_ENGINE_EBPF:
	case CAPTURE_ENGINE_EBPF_JIT:
		s->engine = want;
		return load_ebpf(s, want == CAPTURE_ENGINE_EBPF_JIT, err, errlen);
	case CAPTURE_ENGINE_AUTO:
		/* the JIT where DPDK has one; libpcap's interpreter otherwise */
		if (load_ebpf(s, true, err, errlen) == 0) {
			s->engine = CAPTURE_ENGINE_EBPF_JIT;
			return 0;
		}
		if (s->bpf)
			rte_bpf_destroy(s->bpf);
		s->bpf = NULL;
		s->engine = CAPTURE_ENGINE_CBPF;
		return 0;
	}
	return fail(err, errlen, -EINVAL, "capture: unknown filter engine %d", (int)want);
}

struct capture_session *capture_session_create(const struct capture_conf *c, unsigned nworkers,
					       char *err, size_t errlen)
{
	if (c->snaplen < CAPTURE_SNAPLEN_MIN || c->snaplen > CAPTURE_SNAPLEN_MAX) {
		fail(err, errlen, 0, "capture: snaplen %u is out of range %u..%u", c->snaplen,
		     CAPTURE_SNAPLEN_MIN, CAPTURE_SNAPLEN_MAX);
		return NULL;
	}
	if (!(c->dirs & (CAPTURE_RX | CAPTURE_TX)) || (c->dirs & ~(CAPTURE_RX | CAPTURE_TX))) {
		fail(err, errlen, 0, "capture: direction 0x%x is not rx, tx or both", c->dirs);
		return NULL;
	}
	if (!c->port_mask || nworkers == 0 || nworkers > DP_MAX_WORKERS) {
		fail(err, errlen, 0, "capture: no port or no worker to capture on");
		return NULL;
	}

	struct capture_session *s = calloc(1, sizeof(*s));

	if (!s) {
		fail(err, errlen, 0, "capture: out of memory");
		return NULL;
	}
	s->nworkers = nworkers;
	if (c->filter && c->filter[0]) {
		if (compile(s, c->filter, c->snaplen, err, errlen) < 0 ||
		    pick_engine(s, c->engine, err, errlen) < 0)
			goto fail;
	}

	uint32_t slot_size =
	    RTE_ALIGN_CEIL((uint32_t)sizeof(struct capture_rec) + c->snaplen, RTE_CACHE_LINE_SIZE);
	for (unsigned i = 0; i < nworkers; i++) {
		struct capture_ring *r =
		    rte_zmalloc("capture_ring", sizeof(*r), RTE_CACHE_LINE_SIZE);

		s->rings[i] = r;
		if (!r || !(r->slots =
				rte_zmalloc("capture_slots", (size_t)slot_size * CAPTURE_RING_SLOTS,
					    RTE_CACHE_LINE_SIZE))) {
			fail(err, errlen, 0,
			     "capture: no hugepage memory for %u rings of %u x %u bytes", nworkers,
			     CAPTURE_RING_SLOTS, slot_size);
			goto fail;
		}
		r->s = s;
		r->port_mask = c->port_mask;
		r->dirs = c->dirs;
		r->snaplen = c->snaplen;
		r->slot_size = slot_size;
		r->mask = CAPTURE_RING_SLOTS - 1;
		r->left = c->count ? c->count : UINT64_MAX;
	}
	return s;
fail:
	capture_session_free(s);
	return NULL;
}

void capture_session_attach(struct capture_session *s)
{
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct worker *w = worker_get(i);

		if (w)
			__atomic_store_n(&w->capture, s->rings[i], __ATOMIC_RELEASE);
	}
}

void capture_session_detach(struct capture_session *s)
{
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct worker *w = worker_get(i);

		if (w && w->capture == s->rings[i])
			__atomic_store_n(&w->capture, NULL, __ATOMIC_RELEASE);
	}
	/* a worker reads the pointer once per burst and reports
	 * quiescence between bursts: after this none is inside a copy */
	dp_rcu_synchronize();
}

void capture_session_free(struct capture_session *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nworkers; i++) {
		if (s->rings[i])
			rte_free(s->rings[i]->slots);
		rte_free(s->rings[i]);
	}
	if (s->bpf)
		rte_bpf_destroy(s->bpf);
	if (s->have_filter)
		pcap_freecode(&s->prog);
	free(s);
}

const char *capture_session_engine(const struct capture_session *s)
{
	if (!s->have_filter)
		return "none";
	switch (s->engine) {
	case CAPTURE_ENGINE_EBPF_JIT:
		return "ebpf-jit";
	case CAPTURE_ENGINE_EBPF:
		return "ebpf";
	default:
		return "cbpf";
	}
}

void capture_session_stats(const struct capture_session *s, struct capture_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < s->nworkers; i++) {
		const struct capture_ring *r = s->rings[i];

		out->seen += r->seen;
		out->matched += r->matched;
		out->captured += r->captured;
		out->ring_full += r->ring_full;
	}
}

unsigned capture_drain(struct capture_session *s, capture_drain_fn fn, void *arg, unsigned max)
{
	unsigned done = 0;

	for (unsigned i = 0; i < s->nworkers && done < max; i++) {
		struct capture_ring *r = s->rings[i];
		uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		uint32_t tail = r->tail;

		for (; tail != head && done < max; tail++, done++) {
			const struct capture_rec *rec =
			    (const struct capture_rec *)(r->slots +
							 (size_t)(tail & r->mask) * r->slot_size);
			fn(rec, (const uint8_t *)(rec + 1), arg);
		}
		__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
	}
	return done;
}

struct capture_ring *capture_session_ring(struct capture_session *s, unsigned i)
{
	return i < s->nworkers ? s->rings[i] : NULL;
}
