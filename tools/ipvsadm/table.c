/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SVC_LIST reply -> struct ipvs_table, and ipvsadm's sort order.
 *
 * The comparators are libipvs's ipvs_cmp_services()/ipvs_cmp_dests(): each
 * step subtracts two unsigned 32-bit values and keeps the result in an int,
 * so differences of 2^31 or more change sign (200.0.0.1 sorts before
 * 10.0.0.1). Listings are compared byte for byte with ipvsadm's, so the
 * quirk is kept on purpose (FORMATS.md section 0).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

/* (int)(a - b) over u32, as in libipvs */
static int u32_diff(uint32_t a, uint32_t b)
{
	return (int)(a - b);
}

static int cmp_addr(uint16_t af, const union inet_addr *a, const union inet_addr *b)
{
	int r = 0;

	if (af == AF_INET6) {
		for (int i = 0; !r && i < 4; i++)
			r = u32_diff(ntohl(a->be32[i]), ntohl(b->be32[i]));
		return r;
	}
	return u32_diff(ntohl(a->in.s_addr), ntohl(b->in.s_addr));
}

int ipvs_cmp_services(const struct dpvs_svc *a, const struct dpvs_svc *b)
{
	int r = u32_diff(a->fwmark, b->fwmark);

	if (r)
		return r;
	r = (int)a->af - (int)b->af;
	if (r)
		return r;
	r = (int)a->protocol - (int)b->protocol;
	if (r)
		return r;
	r = cmp_addr(a->af, &a->addr, &b->addr);
	if (r)
		return r;
	return (int)ntohs(a->port) - (int)ntohs(b->port);
}

int ipvs_cmp_dests(const struct dpvs_dest *a, const struct dpvs_dest *b)
{
	/* the family comes from the first dest only, as in libipvs */
	int r = cmp_addr(a->af, &a->addr, &b->addr);

	if (r)
		return r;
	return (int)ntohs(a->port) - (int)ntohs(b->port);
}

static int qcmp_rows(const void *a, const void *b)
{
	return ipvs_cmp_services(&((const struct ipvs_svc_row *)a)->svc,
				 &((const struct ipvs_svc_row *)b)->svc);
}

static int qcmp_dests(const void *a, const void *b)
{
	return ipvs_cmp_dests(a, b);
}

void ipvs_table_sort(struct ipvs_table *t)
{
	if (t->nrows > 1)
		qsort(t->rows, t->nrows, sizeof(t->rows[0]), qcmp_rows);
	for (uint32_t i = 0; i < t->nrows; i++)
		if (t->rows[i].ndests > 1)
			qsort(t->rows[i].dests, t->rows[i].ndests, sizeof(struct dpvs_dest),
			      qcmp_dests);
}

void ipvs_table_free(struct ipvs_table *t)
{
	free(t->rows);
	free(t->dest_mem);
	memset(t, 0, sizeof(*t));
}

/* Checks one page: its dpvs_list header and entries within len. Counts
 * its services and dests. */
static int page_scan(const struct ipvs_table_page *pg, uint32_t *count, size_t *dests, char *err,
		     size_t errlen)
{
	const uint8_t *p = pg->list;
	struct dpvs_list hdr;
	uint32_t len = pg->len;
	size_t off;

	if (!p || len < sizeof(hdr)) {
		snprintf(err, errlen, "service list reply too short (%u bytes)", len);
		return -EBADMSG;
	}
	memcpy(&hdr, p, sizeof(hdr));
	if (hdr.entry_size != sizeof(struct dpvs_svc_entry)) {
		snprintf(err, errlen, "service list entry size %u, expected %zu (version skew?)",
			 hdr.entry_size, sizeof(struct dpvs_svc_entry));
		return -EBADMSG;
	}
	off = sizeof(hdr);
	*dests = 0;
	for (uint32_t i = 0; i < hdr.count; i++) {
		struct dpvs_svc_entry e;

		if (len - off < sizeof(e)) {
			snprintf(err, errlen, "service list reply truncated at service %u", i);
			return -EBADMSG;
		}
		memcpy(&e, p + off, sizeof(e));
		off += sizeof(e);
		if ((len - off) / sizeof(struct dpvs_dest) < e.ndests) {
			snprintf(err, errlen,
				 "service list reply truncated in the dests of service %u", i);
			return -EBADMSG;
		}
		off += (size_t)e.ndests * sizeof(struct dpvs_dest);
		*dests += e.ndests;
	}
	if (off != len) {
		snprintf(err, errlen, "service list reply has %zu trailing bytes", len - off);
		return -EBADMSG;
	}
	*count = hdr.count;
	return 0;
}

/* Walks the pages once to count and check, once to copy (the copy also
 * frees us from the reply's alignment). A page that continues the
 * previous one's last service adds its first entry's dests to it. */
int ipvs_table_decode_pages(const struct ipvs_table_page *pages, unsigned npages,
			    struct ipvs_table *t, char *err, size_t errlen)
{
	size_t total = 0, rows = 0;

	memset(t, 0, sizeof(*t));
	for (unsigned k = 0; k < npages; k++) {
		uint32_t count;
		size_t nd;
		int rc = page_scan(&pages[k], &count, &nd, err, errlen);

		if (rc)
			return rc;
		if (pages[k].continues && count && !rows) {
			snprintf(err, errlen, "service list page %u continues no service", k);
			return -EBADMSG;
		}
		rows += count - (pages[k].continues && count ? 1 : 0);
		total += nd;
	}
	t->rows = calloc(rows ? rows : 1, sizeof(*t->rows));
	t->dest_mem = calloc(total ? total : 1, sizeof(struct dpvs_dest));
	if (!t->rows || !t->dest_mem) {
		ipvs_table_free(t);
		snprintf(err, errlen, "out of memory for %zu services", rows);
		return -ENOMEM;
	}
	total = 0;
	for (unsigned k = 0; k < npages; k++) {
		const uint8_t *p = pages[k].list;
		size_t off = sizeof(struct dpvs_list);
		struct dpvs_list hdr;

		memcpy(&hdr, p, sizeof(hdr));
		for (uint32_t i = 0; i < hdr.count; i++) {
			struct dpvs_svc_entry e;
			struct ipvs_svc_row *row;

			memcpy(&e, p + off, sizeof(e));
			off += sizeof(e);
			if (i == 0 && pages[k].continues) {
				row = &t->rows[t->nrows - 1]; /* its dests go on */
			} else {
				row = &t->rows[t->nrows++];
				row->svc = e.svc;
				row->ndests = 0;
				row->dests = t->dest_mem + total;
			}
			memcpy(row->dests + row->ndests, p + off,
			       (size_t)e.ndests * sizeof(struct dpvs_dest));
			row->ndests += e.ndests;
			off += (size_t)e.ndests * sizeof(struct dpvs_dest);
			total += e.ndests;
		}
	}
	return 0;
}

int ipvs_table_decode(const void *reply, uint32_t len, struct ipvs_table *t, char *err,
		      size_t errlen)
{
	const struct ipvs_table_page page = {.list = reply, .len = len};

	return ipvs_table_decode_pages(&page, 1, t, err, errlen);
}
