/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Schedulers on hand-made snapshot services: rr turns and skips quiesced
 * dests, wrr gives LVS's sequence, lc/wlc follow the worker's counts, and
 * a changed service resets a worker's cursor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ipvs/ipvs_sched.h"

static struct ipvs_dest_wstate counts[64];

static void make_svc(struct ipvs_snap_svc *svc, struct ipvs_snap_dest *d, const int32_t *w,
		     uint32_t n, const char *sched)
{
	memset(svc, 0, sizeof(*svc));
	for (uint32_t i = 0; i < n; i++)
		d[i] = (struct ipvs_snap_dest){ .addr = i + 1, .port = 80, .id = (uint16_t)(10 + i),
						.weight = w[i] };
	svc->dests = d;
	svc->ndests = n;
	svc->gen = 1;
	svc->sched = sched_find(sched);
	assert_non_null(svc->sched);
	if (svc->sched->init_service) {
		void *data = NULL;

		assert_int_equal(svc->sched->init_service(svc, &data), 0);
		svc->sched_data = data;
	}
}

static void drop_svc(struct ipvs_snap_svc *svc)
{
	if (svc->sched->free_service)
		svc->sched->free_service((void *)(uintptr_t)svc->sched_data);
}

/* Picks n times; writes the chosen dest indexes ('A' + i) into out. */
static void picks(const struct ipvs_snap_svc *svc, struct sched_state *st, int n, char *out)
{
	struct sched_ctx ctx = { .dest_cnt = counts };

	for (int i = 0; i < n; i++) {
		const struct ipvs_snap_dest *d = sched_pick(svc, st, &ctx);

		out[i] = d ? (char)('A' + (d - svc->dests)) : '-';
	}
	out[n] = '\0';
}

static void test_registry(void **state)
{
	char names[128];

	(void)state;
	assert_non_null(sched_find("rr"));
	assert_non_null(sched_find("wrr"));
	assert_non_null(sched_find("wlc"));
	assert_non_null(sched_find("lc"));
	assert_null(sched_find("foo"));
	assert_null(sched_find(""));
	sched_names(names, sizeof(names));
	assert_string_equal(names, "rr wrr lc wlc sed nq lblc lblcr dh sh mh conhash fo ovf twos none");
}

static void test_rr(void **state)
{
	struct ipvs_snap_svc svc;
	struct ipvs_snap_dest d[3];
	struct sched_state st = { 0 };
	char seq[16];

	(void)state;
	make_svc(&svc, d, (const int32_t[]){ 1, 1, 1 }, 3, "rr");
	picks(&svc, &st, 7, seq);
	assert_string_equal(seq, "ABCABCA");
	drop_svc(&svc);
}

static void test_rr_quiesced(void **state)
{
	struct ipvs_snap_svc svc;
	struct ipvs_snap_dest d[3];
	struct sched_state st = { 0 };
	char seq[16];

	(void)state;
	/* weight 0 = quiesced: never picked */
	make_svc(&svc, d, (const int32_t[]){ 1, 0, 5 }, 3, "rr");
	picks(&svc, &st, 6, seq);
	assert_string_equal(seq, "ACACAC");
	drop_svc(&svc);
	make_svc(&svc, d, (const int32_t[]){ 0, 0 }, 2, "rr");
	picks(&svc, &st, 2, seq);
	assert_string_equal(seq, "--");
	drop_svc(&svc);
}

static void test_wrr_lvs_sequence(void **state)
{
	struct ipvs_snap_svc svc;
	struct ipvs_snap_dest d[3];
	struct sched_state st = { 0 };
	char seq[32];

	(void)state;
	/* LVS: cw starts at the max weight and steps down by the gcd */
	make_svc(&svc, d, (const int32_t[]){ 1, 2, 3 }, 3, "wrr");
	picks(&svc, &st, 12, seq);
	assert_string_equal(seq, "CBCABCCBCABC");
	drop_svc(&svc);
}

static void test_wrr_gcd_and_zero(void **state)
{
	struct ipvs_snap_svc svc;
	struct ipvs_snap_dest d[4];
	struct sched_state st = { 0 };
	char seq[32];

	(void)state;
	/* weights 2:4:0:6 step like 1:2:0:3; the quiesced C never comes */
	make_svc(&svc, d, (const int32_t[]){ 2, 4, 0, 6 }, 4, "wrr");
	picks(&svc, &st, 12, seq);
	assert_string_equal(seq, "DBDABDDBDABD");
	drop_svc(&svc);
	make_svc(&svc, d, (const int32_t[]){ 0, 0 }, 2, "wrr");
	picks(&svc, &st, 3, seq);
	assert_string_equal(seq, "---");
	drop_svc(&svc);
}

static void test_wrr_extreme_weights_bounded(void **state)
{
	struct ipvs_snap_svc svc;
	struct ipvs_snap_dest d[2];
	struct sched_state st = { 0 };
	char seq[8];

	(void)state;
	/* 1:65535 must not loop 65535 times per pick, and A comes once per
	 * 65536 picks: the first 6 are all B */
	make_svc(&svc, d, (const int32_t[]){ 1, 65535 }, 2, "wrr");
	picks(&svc, &st, 6, seq);
	assert_string_equal(seq, "BBBBBB");
	drop_svc(&svc);
}

static void test_cursor_reset_on_change(void **state)
{
	struct ipvs_snap_svc svc;
	struct ipvs_snap_dest d[3];
	struct sched_state st = { 0 };
	char seq[16];

	(void)state;
	make_svc(&svc, d, (const int32_t[]){ 1, 1, 1 }, 3, "rr");
	picks(&svc, &st, 2, seq);
	assert_string_equal(seq, "AB");
	svc.gen = 2; /* a new snapshot of a changed service */
	picks(&svc, &st, 2, seq);
	assert_string_equal(seq, "AB");
	drop_svc(&svc);
}

static void test_wlc(void **state)
{
	struct ipvs_snap_svc svc;
	struct ipvs_snap_dest d[3];
	struct sched_state st = { 0 };
	struct sched_ctx ctx = { .dest_cnt = counts };

	(void)state;
	memset(counts, 0, sizeof(counts));
	make_svc(&svc, d, (const int32_t[]){ 1, 3, 0 }, 3, "wlc");
	/* A: 1 active (256) / 1; B: 2 active (512) / 3 -> B is lighter */
	counts[10].activeconns = 1;
	counts[11].activeconns = 2;
	assert_ptr_equal(sched_pick(&svc, &st, &ctx), &d[1]);
	counts[11].activeconns = 4; /* 1024/3 > 256/1 */
	assert_ptr_equal(sched_pick(&svc, &st, &ctx), &d[0]);
	drop_svc(&svc);
	/* lc ignores weights, but not quiesce */
	make_svc(&svc, d, (const int32_t[]){ 1, 3, 0 }, 3, "lc");
	counts[11].activeconns = 2;
	counts[10].activeconns = 1;
	assert_ptr_equal(sched_pick(&svc, &st, &ctx), &d[0]);
	drop_svc(&svc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_rr),
		cmocka_unit_test(test_rr_quiesced),
		cmocka_unit_test(test_wrr_lvs_sequence),
		cmocka_unit_test(test_wrr_gcd_and_zero),
		cmocka_unit_test(test_wrr_extreme_weights_bounded),
		cmocka_unit_test(test_cursor_reset_on_change),
		cmocka_unit_test(test_wlc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
