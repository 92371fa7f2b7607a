/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's connection table as ipvsadm -Lc lists it: page by page
 * (DPVS_MSG_F_CONN_PAGE), each page handed on as it comes, so a table of
 * millions is listed completely without the tool ever holding it whole,
 * and a listing that stops early says so instead of passing for all.
 */
#ifndef DPVS_CONN_LIST_H
#define DPVS_CONN_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "dpvs/ctl.h"

/*
 * Checks one page reply to request q: its dpvs_conn_page and dpvs_list
 * headers, entries of at least our size within the reply, and a cursor
 * that moves past q's when there is more (or the listing never ends).
 * Returns the first entry, with the page header in *pg, the number of
 * entries and their size; NULL with a message in err.
 */
const void *dpvs_conn_page_check(const void *reply, uint32_t rlen,
				 const struct dpvs_conn_page_req *q, struct dpvs_conn_page *pg,
				 uint32_t *count, uint32_t *entry_size, char *err, size_t errlen);

/* Gets each page's n entries (n may be 0), in the daemon's order; a
 * non-zero return (a negative errno) stops the listing. */
typedef int (*dpvs_conn_fn)(const struct dpvs_conn *c, uint32_t n, void *arg);

/*
 * Asks for every page from the start and calls fn for each. Returns 0
 * once the daemon says there is no more; otherwise a negative errno with
 * a message, and the listing is incomplete: fn saw *listed entries.
 */
int dpvs_conn_list(dpvs_conn_fn fn, void *arg, uint64_t *listed, char *err, size_t errlen);

#endif /* DPVS_CONN_LIST_H */
