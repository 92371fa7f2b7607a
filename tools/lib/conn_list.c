/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conn_list: the connection table by pages (conn_list.h). The daemon
 * walks each worker's hash table from a cursor and ends a page between
 * two buckets; this side checks every page before using it and asks for
 * the next one from the cursor the page gave back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn_list.h"
#include "dpvs_client.h"
#include "errf.h"

/* The cursor order: worker, then bucket, then the place in the bucket. */
static int cursor_cmp(uint32_t w1, uint32_t b1, uint32_t s1, uint32_t w2, uint32_t b2, uint32_t s2)
{
	if (w1 != w2)
		return w1 < w2 ? -1 : 1;
	if (b1 != b2)
		return b1 < b2 ? -1 : 1;
	return s1 == s2 ? 0 : s1 < s2 ? -1 : 1;
}

const void *dpvs_conn_page_check(const void *reply, uint32_t rlen,
				 const struct dpvs_conn_page_req *q, struct dpvs_conn_page *pg,
				 uint32_t *count, uint32_t *entry_size, char *err, size_t errlen)
{
	const uint8_t *p = reply;
	struct dpvs_list l;
	const void *first;

	if (!reply || rlen < sizeof(*pg)) {
		dpvs_errf(err, errlen, -EBADMSG, "connection list page of %u bytes is too short",
			  rlen);
		return NULL;
	}
	memcpy(pg, p, sizeof(*pg));
	first = dpvs_list_entries(p + sizeof(*pg), rlen - (uint32_t)sizeof(*pg),
				  sizeof(struct dpvs_conn), count, err, errlen);
	if (!first)
		return NULL;
	memcpy(&l, p + sizeof(*pg), sizeof(l));
	*entry_size = l.entry_size;
	if (pg->more > 1) {
		dpvs_errf(err, errlen, -EBADMSG, "connection list page: more is %u", pg->more);
		return NULL;
	}
	if (pg->more && cursor_cmp(pg->next_worker, pg->next_bucket, pg->next_skip, q->worker,
				   q->bucket, q->skip) <= 0) {
		dpvs_errf(err, errlen, -EBADMSG,
			  "connection list page at worker %u bucket %u does not advance", q->worker,
			  q->bucket);
		return NULL;
	}
	return first;
}

int dpvs_conn_list(dpvs_conn_fn fn, void *arg, uint64_t *listed, char *err, size_t errlen)
{
	struct dpvs_conn_page_req q = {.max = 0};
	struct dpvs_conn *conns = NULL;
	uint32_t cap = 0;
	int rc;

	*listed = 0;
	for (;;) {
		struct dpvs_conn_page pg;
		const char *first;
		void *reply = NULL;
		uint32_t rlen = 0, n = 0, esize = 0;

		rc = dpvs_request(DPVS_MSG_CONN_LIST, DPVS_MSG_F_CONN_PAGE, &q, sizeof(q), &reply,
				  &rlen, err, errlen);
		if (rc)
			break;
		first = dpvs_conn_page_check(reply, rlen, &q, &pg, &n, &esize, err, errlen);
		if (!first) {
			free(reply);
			rc = -EBADMSG;
			break;
		}
		if (n > cap) {
			struct dpvs_conn *nc = realloc(conns, sizeof(*nc) * n);

			if (!nc) {
				free(reply);
				rc = dpvs_errf(err, errlen, -ENOMEM,
					       "no memory for %u connection entries", n);
				break;
			}
			conns = nc;
			cap = n;
		}
		/* entries may be larger than ours (a newer daemon): copy our
		 * part, which also aligns them */
		for (uint32_t i = 0; i < n; i++)
			memcpy(&conns[i], first + (size_t)i * esize, sizeof(*conns));
		free(reply);
		rc = fn(conns, n, arg);
		if (rc) {
			dpvs_errf(err, errlen, rc, "connection list stopped: %s", strerror(-rc));
			break;
		}
		*listed += n;
		if (!pg.more)
			break;
		q.worker = pg.next_worker;
		q.bucket = pg.next_bucket;
		q.skip = pg.next_skip;
	}
	free(conns);
	return rc;
}
