/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client's check of a CONN_LIST page (tools/lib/conn_list.c), on
 * replies as a daemon would frame them and as a broken one might: too
 * short, entries past the end, entries smaller than ours, a cursor that
 * does not move on (a listing that would never end).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conn_list.h"

struct reply {
	struct dpvs_conn_page pg;
	struct dpvs_list l;
	struct dpvs_conn c[2];
} __attribute__((packed));

static struct reply good(void)
{
	struct reply r;

	memset(&r, 0, sizeof(r));
	r.pg =
	    (struct dpvs_conn_page){.next_worker = 0, .next_bucket = 7, .next_skip = 0, .more = 1};
	r.l = (struct dpvs_list){.count = 2, .entry_size = sizeof(struct dpvs_conn)};
	r.c[1].cport = 4242;
	return r;
}

static void test_good_page(void **state)
{
	struct dpvs_conn_page_req q = {.bucket = 3};
	struct reply r = good();
	struct dpvs_conn_page pg;
	uint32_t n = 0, esize = 0;
	char err[256] = "";
	const struct dpvs_conn *c;

	(void)state;
	c = dpvs_conn_page_check(&r, sizeof(r), &q, &pg, &n, &esize, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(n, 2);
	assert_int_equal(esize, sizeof(struct dpvs_conn));
	assert_int_equal(pg.next_bucket, 7);
	assert_int_equal(c[1].cport, 4242);
	/* the last page: its cursor need not move */
	r.pg.more = 0;
	r.pg.next_bucket = 0;
	assert_non_null(dpvs_conn_page_check(&r, sizeof(r), &q, &pg, &n, &esize, err, sizeof(err)));
}

static void test_bad_pages(void **state)
{
	struct dpvs_conn_page_req q = {.worker = 1, .bucket = 3, .skip = 2};
	struct dpvs_conn_page pg;
	uint32_t n, esize;
	char err[256] = "";
	struct reply r;

	(void)state;
	r = good();
	assert_null(
	    dpvs_conn_page_check(&r, sizeof(r.pg) - 1, &q, &pg, &n, &esize, err, sizeof(err)));
	assert_non_null(strstr(err, "too short"));
	assert_null(dpvs_conn_page_check(&r, sizeof(r) - 1, &q, &pg, &n, &esize, err, sizeof(err)));
	assert_non_null(strstr(err, "does not fit"));
	r.l.entry_size = sizeof(struct dpvs_conn) - 4;
	assert_null(dpvs_conn_page_check(&r, sizeof(r), &q, &pg, &n, &esize, err, sizeof(err)));
	assert_non_null(strstr(err, "same build"));
	r = good();
	r.pg.more = 2;
	assert_null(dpvs_conn_page_check(&r, sizeof(r), &q, &pg, &n, &esize, err, sizeof(err)));
	/* cursors that stay or go back, with more to come */
	static const uint32_t back[][3] = {{1, 3, 2}, {1, 3, 1}, {1, 2, 9}, {0, 9, 9}};
	for (unsigned i = 0; i < sizeof(back) / sizeof(back[0]); i++) {
		r = good();
		r.pg.next_worker = back[i][0];
		r.pg.next_bucket = back[i][1];
		r.pg.next_skip = back[i][2];
		err[0] = '\0';
		assert_null(
		    dpvs_conn_page_check(&r, sizeof(r), &q, &pg, &n, &esize, err, sizeof(err)));
		assert_non_null(strstr(err, "does not advance"));
	}
	/* forward by the place in the bucket only, or into the next worker */
	r = good();
	r.pg.next_worker = 1;
	r.pg.next_bucket = 3;
	r.pg.next_skip = 3;
	assert_non_null(dpvs_conn_page_check(&r, sizeof(r), &q, &pg, &n, &esize, err, sizeof(err)));
	r.pg.next_worker = 2;
	r.pg.next_bucket = 0;
	r.pg.next_skip = 0;
	assert_non_null(dpvs_conn_page_check(&r, sizeof(r), &q, &pg, &n, &esize, err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_page),
	    cmocka_unit_test(test_bad_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
