/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sync backup's decoder (src/ipvs/sync_proto.c) on arbitrary
 * datagrams: the first byte is the backup's syncid, the rest the UDP
 * payload as a master (or anyone on the segment) sends it. Checks, beyond
 * the sanitizers: every record handed over survives an encode and a
 * decode with the same fields, and the counters agree with the verdict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipvs/sync_proto.h"

struct fz {
	unsigned n;
	uint8_t syncid;
};

static void same(const struct ipvs_sync_rec *a, const struct ipvs_sync_rec *b)
{
	if (a->af != b->af || a->protocol != b->protocol || a->state != b->state ||
	    a->cport != b->cport || a->vport != b->vport || a->dport != b->dport ||
	    a->fwmark != b->fwmark || a->timeout != b->timeout ||
	    memcmp(&a->caddr, &b->caddr, sizeof(a->caddr)) ||
	    memcmp(&a->vaddr, &b->vaddr, sizeof(a->vaddr)) ||
	    memcmp(&a->daddr, &b->daddr, sizeof(a->daddr)) ||
	    (a->flags & ~(uint32_t)IPVS_SYNC_F_HASHED) != b->flags ||
	    a->has_local != b->has_local ||
	    (a->has_local && (a->laddr != b->laddr || a->lport != b->lport)) ||
	    a->has_synp != b->has_synp ||
	    (a->has_synp && (a->synp_ws != b->synp_ws || a->synp_flags != b->synp_flags ||
			     a->synp_cookie != b->synp_cookie)))
		abort();
	if ((a->flags & IPVS_SYNC_F_SEQ_MASK) &&
	    memcmp(&a->in_seq, &b->in_seq, sizeof(a->in_seq) * 2))
		abort();
}

static void again(const struct ipvs_sync_rec *r, void *arg)
{
	const struct ipvs_sync_rec *want = arg;

	same(want, r);
}

static void on_rec(const struct ipvs_sync_rec *r, void *arg)
{
	static uint8_t buf[256];
	struct fz *f = arg;
	struct ipvs_sync_msg m;
	struct ipvs_sync_dec d;

	f->n++;
	if (r->af != AF_INET && r->af != AF_INET6)
		abort();
	ipvs_sync_msg_init(&m, buf, sizeof(buf), f->syncid);
	if (ipvs_sync_msg_add(&m, r) != 0)
		abort(); /* one record always fits 256 bytes */
	if (ipvs_sync_decode(buf, m.len, f->syncid, again, (void *)(uintptr_t)r, &d) !=
		IPVS_SYNC_OK ||
	    d.recs != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {0};
	struct ipvs_sync_dec d;
	enum ipvs_sync_err e;
	uint8_t *copy;

	if (size < 1)
		return 0;
	f.syncid = data[0];
	/* a copy of its own size: ASan sees any read past the datagram */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	e = ipvs_sync_decode(copy, size - 1, f.syncid, on_rec, &f, &d);
	free(copy);
	if (f.n != d.recs)
		abort();
	if (e != IPVS_SYNC_OK && d.errs[e] == 0)
		abort();
	return 0;
}
