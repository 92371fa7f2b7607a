/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The services and real servers of one SVC_LIST reply, decoded into
 * arrays ipvsadm can sort and print. Pure, unit-tested.
 */
#ifndef IPVSADM_TABLE_H
#define IPVSADM_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpvs/ctl.h"

struct ipvs_svc_row {
	struct dpvs_svc svc;
	struct dpvs_dest *dests; /* ndests entries */
	uint32_t ndests;
};

struct ipvs_table {
	struct ipvs_svc_row *rows;
	uint32_t nrows;
	struct dpvs_dest *dest_mem; /* all rows' dests, one allocation */
};

/*
 * Decodes a SVC_LIST reply: struct dpvs_list (count services, entry_size
 * = sizeof(struct dpvs_svc_entry)), then per service one dpvs_svc_entry
 * and its ndests x struct dpvs_dest. Every length is checked against len.
 * Returns 0, or -EBADMSG with a message in err.
 */
int ipvs_table_decode(const void *reply, uint32_t len, struct ipvs_table *t, char *err,
		      size_t errlen);
/* The pages of a paged SVC_LIST (DPVS_MSG_F_SVC_PAGE), in order, as one
 * table: each page's dpvs_list and entries (after its struct
 * dpvs_svc_page), continues when its first entry carries on the previous
 * page's last service (the page was asked from a dest_from other than 0). */
struct ipvs_table_page {
	const void *list;
	uint32_t len;
	bool continues;
};
int ipvs_table_decode_pages(const struct ipvs_table_page *pages, unsigned npages,
			    struct ipvs_table *t, char *err, size_t errlen);
void ipvs_table_free(struct ipvs_table *t);

/* Sorts services and each service's dests as ipvsadm does (libipvs
 * comparators, including their unsigned-difference quirk). */
void ipvs_table_sort(struct ipvs_table *t);

int ipvs_cmp_services(const struct dpvs_svc *a, const struct dpvs_svc *b);
int ipvs_cmp_dests(const struct dpvs_dest *a, const struct dpvs_dest *b);

#endif /* IPVSADM_TABLE_H */
