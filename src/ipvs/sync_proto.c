/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sync_proto: LVS's sync messages, byte for byte (see sync_proto.h and
 * SYNC.md section 3). Every multi-byte field is big-endian and read with
 * memcpy: a datagram's records are 4-byte aligned only relative to its
 * start, and a fuzzer hands us any buffer.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ipvs/sync_proto.h"

#define STYPE_F_INET6	1
#define SVER_SHIFT	12
#define SVER_MASK	0x0fff
#define SEQ_OPT_LEN	(2 + IPVS_SYNC_SEQ_LEN) /* type, len, data */
#define SCTP_STATES	10			/* IP_VS_SCTP_S_LAST */
#define TEMPLATE_STATES 2			/* IP_VS_CTPL_S_LAST: NONE, ASSURED */
#define PE_DATA_MAX	255

static const char *const err_names[IPVS_SYNC_E_MAX] = {[IPVS_SYNC_OK] = "ok",
#define IPVS_SYNC_ERR_NAME(id, name) [IPVS_SYNC_E_##id] = name,
						       IPVS_SYNC_ERRS(IPVS_SYNC_ERR_NAME)
#undef IPVS_SYNC_ERR_NAME
};

const char *ipvs_sync_err_name(enum ipvs_sync_err e)
{
	return (unsigned)e < IPVS_SYNC_E_MAX ? err_names[e] : "?";
}

static inline void put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static inline uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return ntohs(v);
}

static inline uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

/* ---- encoding ---- */

void ipvs_sync_msg_init(struct ipvs_sync_msg *m, uint8_t *buf, uint32_t cap, uint8_t syncid)
{
	m->buf = buf;
	m->cap = cap;
	m->len = IPVS_SYNC_HDR_LEN;
	m->nr = 0;
	buf[0] = 0; /* reserved: where v0 has nr_conns, so a v0 reader sees none */
	buf[1] = syncid;
	put16(buf + 2, IPVS_SYNC_HDR_LEN);
	buf[4] = 0;
	buf[5] = 1; /* version */
	put16(buf + 6, 0);
}

uint32_t ipvs_sync_rec_len(const struct ipvs_sync_rec *r)
{
	uint32_t len = r->af == AF_INET6 ? IPVS_SYNC_V6_LEN : IPVS_SYNC_V4_LEN;

	return len + ((r->flags & IPVS_SYNC_F_SEQ_MASK) ? SEQ_OPT_LEN : 0) +
	       (r->has_local ? 2 + IPVS_SYNC_LOCAL_LEN : 0) +
	       (r->has_synp ? 2 + IPVS_SYNC_SYNP_LEN : 0);
}

static void put_seq(uint8_t *p, const struct ipvs_sync_seq *s)
{
	put32(p, s->init_seq);
	put32(p + 4, s->delta);
	put32(p + 8, s->previous_delta);
}

int ipvs_sync_msg_add(struct ipvs_sync_msg *m, const struct ipvs_sync_rec *r)
{
	/* each record starts 4-byte aligned; the pad goes before it and
	 * counts in the size, as ip_vs_sync_conn() lays it out */
	uint32_t pad = (4 - (m->len & 3)) & 3;
	uint32_t len = ipvs_sync_rec_len(r);
	uint32_t alen = r->af == AF_INET6 ? 16 : 4;
	uint8_t *p;

	if (m->nr >= IPVS_SYNC_MAX_RECS || (m->nr && m->len + pad + len > m->cap))
		return -ENOSPC;
	p = m->buf + m->len;
	memset(p, 0, pad);
	p += pad;
	p[0] = r->af == AF_INET6 ? STYPE_F_INET6 : 0;
	p[1] = r->protocol;
	put16(p + 2, (uint16_t)(len & SVER_MASK)); /* record version 0 */
	put32(p + 4, r->flags & ~(uint32_t)IPVS_SYNC_F_HASHED);
	put16(p + 8, r->state);
	memcpy(p + 10, &r->cport, 2);
	memcpy(p + 12, &r->vport, 2);
	memcpy(p + 14, &r->dport, 2);
	put32(p + 16, r->fwmark);
	put32(p + 20, r->timeout);
	memcpy(p + 24, &r->caddr, alen);
	memcpy(p + 24 + alen, &r->vaddr, alen);
	memcpy(p + 24 + 2 * alen, &r->daddr, alen);
	if (r->flags & IPVS_SYNC_F_SEQ_MASK) {
		uint8_t *o = p + 24 + 3 * alen;

		o[0] = IPVS_SYNC_OPT_SEQ_DATA;
		o[1] = IPVS_SYNC_SEQ_LEN;
		put_seq(o + 2, &r->in_seq);
		put_seq(o + 14, &r->out_seq);
	}
	if (r->has_local) {
		uint8_t *o =
		    p + len - 2 - IPVS_SYNC_LOCAL_LEN - (r->has_synp ? 2 + IPVS_SYNC_SYNP_LEN : 0);

		o[0] = IPVS_SYNC_OPT_LOCAL;
		o[1] = IPVS_SYNC_LOCAL_LEN;
		memcpy(o + 2, &r->laddr, 4);
		memcpy(o + 6, &r->lport, 2);
	}
	if (r->has_synp) {
		uint8_t *o = p + len - 2 - IPVS_SYNC_SYNP_LEN;

		o[0] = IPVS_SYNC_OPT_SYNP;
		o[1] = IPVS_SYNC_SYNP_LEN;
		o[2] = r->synp_ws;
		o[3] = r->synp_flags;
		put32(o + 4, r->synp_cookie);
	}
	m->len += pad + len;
	m->nr++;
	put16(m->buf + 2, (uint16_t)m->len);
	m->buf[4] = (uint8_t)m->nr;
	return 0;
}

/* ---- decoding ---- */

static void get_seq(const uint8_t *p, struct ipvs_sync_seq *s)
{
	s->init_seq = get32(p);
	s->delta = get32(p + 4);
	s->previous_delta = get32(p + 8);
}

/* The record's protocol and state are ones a backup can keep. */
static enum ipvs_sync_err rec_semantics(const struct ipvs_sync_rec *r)
{
	unsigned states;

	if (r->flags & IPVS_SYNC_F_TEMPLATE) {
		/* fwmark templates carry protocol 0 (IPPROTO_IP) */
		if (r->protocol != 0 && r->protocol != IPPROTO_TCP && r->protocol != IPPROTO_UDP &&
		    r->protocol != IPPROTO_SCTP)
			return IPVS_SYNC_E_REC_PROTO;
		return r->state < TEMPLATE_STATES ? IPVS_SYNC_OK : IPVS_SYNC_E_REC_STATE;
	}
	switch (r->protocol) {
	case IPPROTO_TCP:
		states = IPVS_SYNC_TCP_STATES;
		break;
	case IPPROTO_UDP:
		states = IPVS_SYNC_UDP_STATES;
		break;
	case IPPROTO_SCTP:
		states = SCTP_STATES;
		break;
	default:
		return IPVS_SYNC_E_REC_PROTO;
	}
	if (r->state >= states)
		return IPVS_SYNC_E_REC_STATE;
	/* a conn with sequence adjustment must bring its offsets */
	if ((r->flags & IPVS_SYNC_F_SEQ_MASK) && !r->has_seq)
		return IPVS_SYNC_E_REC_FLAGS;
	/* a spliced SYN-proxy conn's offset is LVS's out_seq (and only
	 * then: before the splice the real server's numbers are unknown) */
	if (r->has_synp &&
	    (r->protocol != IPPROTO_TCP ||
	     !(r->synp_flags & IPVS_SYNC_SYNP_SPLICED) != !(r->flags & IPVS_SYNC_F_OUT_SEQ)))
		return IPVS_SYNC_E_REC_FLAGS;
	return IPVS_SYNC_OK;
}

/* The options after the fixed part, [p, end): ip_vs_proc_sync_conn()'s
 * rules: each at most once, a non-zero length that fits, an unknown type
 * skipped only when it has IPVS_OPT_F_PARAM. */
static enum ipvs_sync_err rec_options(const uint8_t *p, const uint8_t *end, struct ipvs_sync_rec *r)
{
	unsigned seen = 0;

	while (p < end) {
		uint8_t type, olen;

		if (end - p < 2)
			return IPVS_SYNC_E_REC_OPT;
		type = p[0];
		olen = p[1];
		p += 2;
		if (!olen || olen > end - p)
			return IPVS_SYNC_E_REC_OPT;
		switch (type & ~IPVS_SYNC_OPT_F_PARAM) {
		case IPVS_SYNC_OPT_SEQ_DATA:
			if (olen != IPVS_SYNC_SEQ_LEN || (seen & 1u << 1))
				return IPVS_SYNC_E_REC_OPT;
			get_seq(p, &r->in_seq);
			get_seq(p + 12, &r->out_seq);
			r->has_seq = 1;
			break;
		case IPVS_SYNC_OPT_PE_DATA:
			/* persistence-engine data (SIP Call-ID): we run no
			 * engine, so it is checked and passed over */
			if (seen & 1u << 2)
				return IPVS_SYNC_E_REC_OPT;
			break;
		case IPVS_SYNC_OPT_PE_NAME:
			if (olen > IPVS_SYNC_PE_NAME_MAX || (seen & 1u << 3))
				return IPVS_SYNC_E_REC_OPT;
			break;
		case IPVS_SYNC_OPT_LOCAL & ~IPVS_SYNC_OPT_F_PARAM:
			if (type != IPVS_SYNC_OPT_LOCAL || olen != IPVS_SYNC_LOCAL_LEN ||
			    r->has_local)
				return IPVS_SYNC_E_REC_OPT;
			memcpy(&r->laddr, p, 4);
			memcpy(&r->lport, p + 4, 2);
			r->has_local = 1;
			break;
		case IPVS_SYNC_OPT_SYNP & ~IPVS_SYNC_OPT_F_PARAM:
			if (type != IPVS_SYNC_OPT_SYNP || olen != IPVS_SYNC_SYNP_LEN || r->has_synp)
				return IPVS_SYNC_E_REC_OPT;
			r->synp_ws = p[0];
			r->synp_flags = p[1];
			r->synp_cookie = get32(p + 2);
			r->has_synp = 1;
			break;
		default:
			if (!(type & IPVS_SYNC_OPT_F_PARAM))
				return IPVS_SYNC_E_REC_OPT;
			break;
		}
		if ((type & ~IPVS_SYNC_OPT_F_PARAM) <= IPVS_SYNC_OPT_PE_NAME)
			seen |= 1u << (type & ~IPVS_SYNC_OPT_F_PARAM);
		p += olen;
	}
	return IPVS_SYNC_OK;
}

/* One v1 record of `size` bytes at p (size <= what the datagram holds). */
static enum ipvs_sync_err rec_v1(const uint8_t *p, uint32_t size, struct ipvs_sync_rec *r)
{
	uint32_t fixed, alen;

	memset(r, 0, sizeof(*r));
	if (p[0] & STYPE_F_INET6) {
		r->af = AF_INET6;
		fixed = IPVS_SYNC_V6_LEN;
		alen = 16;
	} else if (p[0] == 0) {
		r->af = AF_INET;
		fixed = IPVS_SYNC_V4_LEN;
		alen = 4;
	} else {
		return IPVS_SYNC_E_REC_TYPE;
	}
	if (size < fixed)
		return IPVS_SYNC_E_REC_LEN;
	r->version = 1;
	r->protocol = p[1];
	r->flags = get32(p + 4);
	r->state = get16(p + 8);
	memcpy(&r->cport, p + 10, 2);
	memcpy(&r->vport, p + 12, 2);
	memcpy(&r->dport, p + 14, 2);
	r->fwmark = get32(p + 16);
	r->timeout = get32(p + 20);
	memcpy(&r->caddr, p + 24, alen);
	memcpy(&r->vaddr, p + 24 + alen, alen);
	memcpy(&r->daddr, p + 24 + 2 * alen, alen);
	return rec_options(p + fixed, p + size, r);
}

static void count(struct ipvs_sync_dec *d, enum ipvs_sync_err e)
{
	d->errs[e]++;
}

static enum ipvs_sync_err decode_v1(const uint8_t *buf, size_t len, ipvs_sync_rec_fn fn, void *arg,
				    struct ipvs_sync_dec *d)
{
	unsigned nr = buf[4];
	size_t off = IPVS_SYNC_HDR_LEN;
	struct ipvs_sync_rec r;

	d->version = 1;
	for (unsigned i = 0; i < nr; i++) {
		enum ipvs_sync_err e;
		uint16_t vs;
		uint32_t size;

		if (off + IPVS_SYNC_V4_LEN > len) {
			count(d, IPVS_SYNC_E_REC_SHORT);
			return IPVS_SYNC_E_REC_SHORT;
		}
		vs = get16(buf + off + 2);
		size = vs & SVER_MASK;
		if (off + size > len) {
			count(d, IPVS_SYNC_E_REC_SHORT);
			return IPVS_SYNC_E_REC_SHORT;
		}
		if (vs >> SVER_SHIFT) {
			count(d, IPVS_SYNC_E_REC_VERSION);
			return IPVS_SYNC_E_REC_VERSION;
		}
		e = rec_v1(buf + off, size, &r);
		if (e != IPVS_SYNC_OK) {
			count(d, e);
			return e;
		}
		e = rec_semantics(&r);
		if (e != IPVS_SYNC_OK) {
			count(d, e);
			d->rec_drops++;
		} else {
			d->recs++;
			fn(&r, arg);
		}
		off += (size + 3) & ~3u;
	}
	return IPVS_SYNC_OK;
}

/* Version 0 (ip_vs_process_message_v0): 24-byte IPv4 records, the
 * options right after when the seq flags say so; no timeout, no fwmark. */
static enum ipvs_sync_err decode_v0(const uint8_t *buf, size_t len, ipvs_sync_rec_fn fn, void *arg,
				    struct ipvs_sync_dec *d)
{
	unsigned nr = buf[0];
	size_t off = IPVS_SYNC_HDR_V0_LEN;
	struct ipvs_sync_rec r;

	d->version = 0;
	for (unsigned i = 0; i < nr; i++) {
		const uint8_t *p = buf + off;
		enum ipvs_sync_err e;

		if (off + IPVS_SYNC_V0_LEN > len) {
			count(d, IPVS_SYNC_E_REC_SHORT);
			return IPVS_SYNC_E_REC_SHORT;
		}
		memset(&r, 0, sizeof(r));
		r.af = AF_INET;
		r.protocol = p[1];
		memcpy(&r.cport, p + 2, 2);
		memcpy(&r.vport, p + 4, 2);
		memcpy(&r.dport, p + 6, 2);
		memcpy(&r.caddr, p + 8, 4);
		memcpy(&r.vaddr, p + 12, 4);
		memcpy(&r.daddr, p + 16, 4);
		r.flags = get16(p + 20);
		r.state = get16(p + 22);
		off += IPVS_SYNC_V0_LEN;
		if (r.flags & IPVS_SYNC_F_SEQ_MASK) {
			if (off + IPVS_SYNC_SEQ_LEN > len) {
				count(d, IPVS_SYNC_E_REC_SHORT);
				return IPVS_SYNC_E_REC_SHORT;
			}
			get_seq(buf + off, &r.in_seq);
			get_seq(buf + off + 12, &r.out_seq);
			r.has_seq = 1;
			off += IPVS_SYNC_SEQ_LEN;
		}
		e = rec_semantics(&r);
		if (e != IPVS_SYNC_OK) {
			count(d, e);
			d->rec_drops++;
			continue;
		}
		d->recs++;
		fn(&r, arg);
	}
	return IPVS_SYNC_OK;
}

enum ipvs_sync_err ipvs_sync_decode(const uint8_t *buf, size_t len, uint8_t syncid,
				    ipvs_sync_rec_fn fn, void *arg, struct ipvs_sync_dec *d)
{
	memset(d, 0, sizeof(*d));
	/* both headers keep syncid and size in the same place */
	if (len < IPVS_SYNC_HDR_V0_LEN) {
		count(d, IPVS_SYNC_E_SHORT);
		return IPVS_SYNC_E_SHORT;
	}
	if (get16(buf + 2) != len) {
		count(d, IPVS_SYNC_E_BAD_SIZE);
		return IPVS_SYNC_E_BAD_SIZE;
	}
	if (syncid != 0 && buf[1] != syncid) {
		count(d, IPVS_SYNC_E_SYNCID);
		return IPVS_SYNC_E_SYNCID;
	}
	if (len >= IPVS_SYNC_HDR_LEN && buf[5] == 1 && buf[0] == 0 && get16(buf + 6) == 0)
		return decode_v1(buf, len, fn, arg, d);
	return decode_v0(buf, len, fn, arg, d);
}
