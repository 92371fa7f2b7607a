/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The schedulers beyond rr/wrr/lc/wlc, on hand-made snapshot services:
 * exact LVS sequences for the deterministic ones (sed, nq, fo, ovf), the
 * hash mappings of dh/sh recomputed here from LVS's formulas, locality
 * of lblc/lblcr, Maglev's properties (fill in proportion to weights,
 * little remapping when a dest goes, the same table on every build and
 * worker), the consistent-hash ring, twos' distribution within a stated
 * tolerance, thresholds (overloaded dests) and quiesce across them all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "ipvs/ipvs_sched.h"

static struct ipvs_dest_wstate counts[64];
static struct sched_ctx ctx = {.dest_cnt = counts};

#define MAXD 16

struct tsvc {
	struct ipvs_snap_svc svc;
	struct ipvs_snap_dest d[MAXD];
	struct sched_state st;
};

/* dest i: 10.0.0.(i+1):80, id 10 + i */
static void make(struct tsvc *t, const int32_t *w, uint32_t n, const char *sched, uint32_t flags)
{
	memset(t, 0, sizeof(*t));
	for (uint32_t i = 0; i < n; i++)
		t->d[i] = (struct ipvs_snap_dest){.addr = htonl(0x0a000001 + i),
						  .port = htons(80),
						  .id = (uint16_t)(10 + i),
						  .weight = w[i]};
	t->svc.dests = t->d;
	t->svc.ndests = n;
	t->svc.gen = 1;
	t->svc.flags = flags;
	t->svc.sched = sched_find(sched);
	assert_non_null(t->svc.sched);
	if (t->svc.sched->init_service) {
		void *data = NULL;

		assert_int_equal(t->svc.sched->init_service(&t->svc, &data), 0);
		t->svc.sched_data = data;
	}
	/* the worker's own table (lblc, lblcr), as service.c gives it */
	if (t->svc.sched->wstate_size)
		t->st.mem = calloc(1, t->svc.sched->wstate_size);
}

static void drop(struct tsvc *t)
{
	if (t->svc.sched->free_service)
		t->svc.sched->free_service((void *)(uintptr_t)t->svc.sched_data);
	t->svc.sched_data = NULL;
	free(t->st.mem);
	t->st.mem = NULL;
}

/* init_service again, after the test changed the dests */
static void rebuild(struct tsvc *t)
{
	void *data = NULL;

	assert_int_equal(t->svc.sched->init_service(&t->svc, &data), 0);
	t->svc.sched_data = data;
}

static int pick(struct tsvc *t)
{
	const struct ipvs_snap_dest *d = sched_pick(&t->svc, &t->st, &ctx);

	return d ? (int)(d - t->d) : -1;
}

/* n picks, each made an active conn of its dest; 'A' + index or '-' */
static void seq_active(struct tsvc *t, int n, char *out)
{
	for (int i = 0; i < n; i++) {
		int k = pick(t);

		out[i] = k < 0 ? '-' : (char)('A' + k);
		if (k >= 0)
			counts[t->d[k].id].activeconns++;
	}
	out[n] = '\0';
}

static int reset(void **state)
{
	(void)state;
	memset(counts, 0, sizeof(counts));
	ctx = (struct sched_ctx){.dest_cnt = counts};
	return 0;
}

static void test_sed_sequence(void **state)
{
	struct tsvc t;
	char s[16];

	(void)state;
	/* (active + 1) / weight, smallest first, ties to the first:
	 * 1/1 1/2 1/3 -> C; 1 1/2 2/3 -> B; 1 1 2/3 -> C; 1 1 1 -> A; ... */
	make(&t, (const int32_t[]){1, 2, 3}, 3, "sed", 0);
	seq_active(&t, 6, s);
	assert_string_equal(s, "CBCABC");
	drop(&t);
}

static void test_nq_sequence(void **state)
{
	struct tsvc t;
	char s[16];

	(void)state;
	/* idle dests first in list order, then SED */
	make(&t, (const int32_t[]){1, 2, 3}, 3, "nq", 0);
	seq_active(&t, 6, s);
	assert_string_equal(s, "ABCCBC");
	drop(&t);
}

static void test_fo(void **state)
{
	struct tsvc t;

	(void)state;
	make(&t, (const int32_t[]){1, 3, 3, 2}, 4, "fo", 0);
	assert_int_equal(pick(&t), 1); /* highest weight, first of equals */
	assert_int_equal(pick(&t), 1);
	counts[11].overloaded = 1;
	assert_int_equal(pick(&t), 2);
	t.d[2].weight = 0; /* quiesced */
	assert_int_equal(pick(&t), 3);
	drop(&t);
	make(&t, (const int32_t[]){0, 0}, 2, "fo", 0);
	assert_int_equal(pick(&t), -1);
	drop(&t);
}

static void test_ovf_sequence(void **state)
{
	struct tsvc t;
	char s[16];

	(void)state;
	/* the heaviest until its active conns exceed its weight (LVS: > w) */
	make(&t, (const int32_t[]){2, 3}, 2, "ovf", 0);
	seq_active(&t, 8, s);
	assert_string_equal(s, "BBBBAAA-");
	drop(&t);
}

/* LVS's dh key, computed here independently */
static uint32_t dh_bucket(uint32_t addr_be)
{
	return (uint32_t)(((uint64_t)ntohl(addr_be) * 2654435761ull) % 256);
}

static void test_dh_mapping(void **state)
{
	struct tsvc t;

	(void)state;
	make(&t, (const int32_t[]){1, 5, 2}, 3, "dh", 0);
	for (uint32_t a = 0; a < 500; a++) {
		ctx.daddr = htonl(0xc0a80000 + a * 7919);
		int want = (int)(dh_bucket(ctx.daddr) % 3); /* weights do not shape it */

		assert_int_equal(pick(&t), want);
		assert_int_equal(pick(&t), want); /* stable */
	}
	/* a quiesced or overloaded bucket owner: no dest, no remapping */
	ctx.daddr = htonl(0xc0a80001);
	int k = pick(&t);
	t.d[k].weight = 0;
	assert_int_equal(pick(&t), -1);
	t.d[k].weight = 1;
	counts[t.d[k].id].overloaded = 1;
	assert_int_equal(pick(&t), -1);
	drop(&t);
}

/* LVS's sh table for weights 1 and 2: A B B A B B ...; key hash_32 */
static int sh_expected(uint32_t caddr_be, uint16_t port_be)
{
	uint32_t v = ntohl(caddr_be) + ntohs(port_be);
	uint32_t b = (v * 0x61C88647u) >> 24;

	return b % 3 == 0 ? 0 : 1;
}

static void test_sh_mapping_and_flags(void **state)
{
	struct tsvc t;
	int moved = 0;

	(void)state;
	make(&t, (const int32_t[]){1, 2}, 2, "sh", 0);
	for (uint32_t a = 0; a < 500; a++) {
		ctx.caddr = htonl(0xac100000 + a * 104729);
		ctx.cport = htons((uint16_t)(1024 + a));
		assert_int_equal(pick(&t), sh_expected(ctx.caddr, 0));
	}
	drop(&t);
	/* sh-port: the port joins the key */
	make(&t, (const int32_t[]){1, 2}, 2, "sh", DPVS_SVC_F_SCHED2);
	for (uint32_t a = 0; a < 500; a++) {
		ctx.caddr = htonl(0xac100005);
		ctx.cport = htons((uint16_t)(1024 + a));
		assert_int_equal(pick(&t), sh_expected(ctx.caddr, ctx.cport));
		moved += pick(&t) != sh_expected(ctx.caddr, 0);
	}
	assert_true(moved > 50); /* one client, spread over both */
	drop(&t);
	/* quiesced owner: none without sh-fallback, the next one with it */
	ctx.caddr = htonl(0xac100005);
	ctx.cport = 0;
	make(&t, (const int32_t[]){1, 2}, 2, "sh", 0);
	int k = pick(&t);
	t.d[k].weight = 0;
	assert_int_equal(pick(&t), -1);
	drop(&t);
	make(&t, (const int32_t[]){1, 2}, 2, "sh", DPVS_SVC_F_SCHED1);
	t.d[k].weight = 0;
	assert_int_equal(pick(&t), 1 - k);
	drop(&t);
}

static void test_lblc_locality(void **state)
{
	struct tsvc t;

	(void)state;
	make(&t, (const int32_t[]){4, 4}, 2, "lblc", 0);
	ctx.now = 1000;
	ctx.daddr = htonl(0x08080808);
	int first = pick(&t);
	assert_int_equal(first, 0); /* wlc: both idle, the first */
	/* the same destination sticks even when its server is busier */
	counts[t.d[first].id].activeconns = 3;
	assert_int_equal(pick(&t), first);
	/* a new destination goes by weighted least-connection */
	ctx.daddr = htonl(0x01010101);
	assert_int_equal(pick(&t), 1);
	/* locality overload: active > weight while B is under half its weight */
	ctx.daddr = htonl(0x08080808);
	counts[t.d[first].id].activeconns = 5;
	counts[t.d[1].id].activeconns = 1;
	assert_int_equal(pick(&t), 1);
	counts[t.d[first].id].activeconns = 0;
	assert_int_equal(pick(&t), 1); /* remembered */
	/* another worker has its own table (its own sched_state) */
	struct sched_state w1 = {.mem = calloc(1, t.svc.sched->wstate_size)};

	ctx.worker = 1;
	counts[t.d[1].id].activeconns = 3;
	assert_ptr_equal(sched_pick(&t.svc, &w1, &ctx), &t.d[0]);
	free(w1.mem);
	drop(&t);
}

static void test_lblcr_replication(void **state)
{
	struct tsvc t;

	(void)state;
	make(&t, (const int32_t[]){2, 2, 2}, 3, "lblcr", 0);
	ctx.now = 1000;
	ctx.daddr = htonl(0x08080808);
	assert_int_equal(pick(&t), 0);
	/* A over its weight while C idles: C joins the set */
	counts[10].activeconns = 3;
	counts[11].activeconns = 2;
	assert_int_equal(pick(&t), 2);
	/* now the set {A, C}: its least loaded member is C */
	counts[12].activeconns = 1;
	assert_int_equal(pick(&t), 2);
	/* B, not in the set, is never chosen while the set copes */
	counts[11].activeconns = 0;
	assert_int_equal(pick(&t), 2);
	/* after the expiration the most loaded member (A) is shed */
	ctx.now += 24 * 3600 + 1;
	counts[10].activeconns = 5;
	counts[11].activeconns = 5;
	assert_int_equal(pick(&t), 2); /* C was the least loaded */
	counts[12].activeconns = 1;
	counts[10].activeconns = 0;
	assert_int_equal(pick(&t), 2); /* A is out of the set */
	drop(&t);
}

/* ---- Maglev ---- */

static void test_mh_fill_proportional(void **state)
{
	const int32_t w[] = {1, 2, 3, 4, 7, 100};
	struct tsvc t;
	const uint16_t *lk;
	uint32_t n, cnt[6] = {0}, sum = 117;

	(void)state;
	make(&t, w, 6, "mh", 0);
	n = sched_mh_table(t.svc.sched_data, &lk);
	assert_int_equal(n, 65537); /* prime, the default size */
	for (uint32_t i = 0; i < n; i++) {
		assert_true(lk[i] < 6); /* full */
		cnt[lk[i]]++;
	}
	for (int i = 0; i < 6; i++) {
		double want = (double)n * w[i] / sum;

		assert_true(cnt[i] > want * 0.99 && cnt[i] < want * 1.01);
	}
	drop(&t);
	/* quiesced dests get no entry */
	make(&t, (const int32_t[]){1, 0, 1}, 3, "mh", 0);
	n = sched_mh_table(t.svc.sched_data, &lk);
	for (uint32_t i = 0; i < n; i++)
		assert_true(lk[i] == 0 || lk[i] == 2);
	drop(&t);
}

static uint32_t key_addr(uint32_t i)
{
	return htonl(0x0b000000 + i * 2654435761u % 0x00ffffff);
}

static void test_mh_removal_remaps_about_1_over_n(void **state)
{
	enum { N = 10, KEYS = 50000 };
	int32_t w[N];
	struct tsvc a, b;
	uint32_t moved = 0, lost = 0;

	(void)state;
	for (int i = 0; i < N; i++)
		w[i] = 1;
	make(&a, w, N, "mh", 0);
	make(&b, w, N, "mh", 0);
	/* b: the same service without dest 4 (the list shifts: the tables
	 * are built from the dests, not their positions) */
	memmove(&b.d[4], &b.d[5], sizeof(b.d[0]) * (N - 5));
	b.svc.ndests = N - 1;
	drop(&b);
	rebuild(&b);
	for (uint32_t i = 0; i < KEYS; i++) {
		ctx.caddr = key_addr(i);
		const struct ipvs_snap_dest *da = sched_pick(&a.svc, &a.st, &ctx);
		const struct ipvs_snap_dest *db = sched_pick(&b.svc, &b.st, &ctx);

		if (da->id == 14)
			lost++;
		else if (da->id != db->id)
			moved++;
	}
	/* the removed dest's keys (about 1/N) must move; of the others,
	 * Maglev moves only a few percent */
	assert_true(lost > KEYS / N * 0.8 && lost < KEYS / N * 1.2);
	assert_true(moved < KEYS * 0.03);
	drop(&a);
	drop(&b);
}

static void test_mh_same_table_everywhere(void **state)
{
	const int32_t w[] = {3, 1, 2, 5};
	struct tsvc a, b;
	const uint16_t *la, *lb;
	uint32_t n;

	(void)state;
	make(&a, w, 4, "mh", 0);
	make(&b, w, 4, "mh", 0); /* another balancer, another build */
	n = sched_mh_table(a.svc.sched_data, &la);
	assert_int_equal(sched_mh_table(b.svc.sched_data, &lb), n);
	assert_memory_equal(la, lb, n * sizeof(*la));
	/* and every worker maps a key the same way */
	for (uint32_t i = 0; i < 1000; i++) {
		ctx.caddr = key_addr(i);
		ctx.worker = 0;
		int x = pick(&a);
		ctx.worker = 3;
		assert_int_equal(pick(&a), x);
	}
	drop(&a);
	drop(&b);
}

static void test_mh_flags(void **state)
{
	struct tsvc t;
	int k, spread = 0;

	(void)state;
	ctx.caddr = htonl(0x0c000001);
	make(&t, (const int32_t[]){1, 1, 1}, 3, "mh", 0);
	k = pick(&t);
	counts[t.d[k].id].overloaded = 1;
	assert_int_equal(pick(&t), -1); /* no mh-fallback */
	drop(&t);
	make(&t, (const int32_t[]){1, 1, 1}, 3, "mh", DPVS_SVC_F_SCHED1);
	int f = pick(&t);
	assert_true(f >= 0 && f != k);
	assert_int_equal(pick(&t), f); /* the fallback is stable too */
	counts[10].overloaded = counts[11].overloaded = counts[12].overloaded = 1;
	assert_int_equal(pick(&t), -1);
	drop(&t);
	memset(counts, 0, sizeof(counts));
	/* mh-port: one client's ports spread */
	make(&t, (const int32_t[]){1, 1, 1}, 3, "mh", DPVS_SVC_F_SCHED2);
	for (uint16_t p = 0; p < 30; p++) {
		ctx.cport = htons((uint16_t)(2000 + p));
		spread |= 1 << pick(&t);
	}
	assert_int_equal(spread, 7);
	drop(&t);
}

/* ---- consistent hashing ---- */

static void test_conhash(void **state)
{
	enum { KEYS = 40000 };
	struct tsvc a, b;
	uint32_t cnt[2] = {0}, moved = 0;

	(void)state;
	make(&a, (const int32_t[]){1, 3}, 2, "conhash", 0);
	for (uint32_t i = 0; i < KEYS; i++) {
		ctx.caddr = key_addr(i);
		cnt[pick(&a)]++;
	}
	/* virtual nodes in proportion: 25% / 75%, within 3 points */
	assert_true(cnt[0] > KEYS * 0.22 && cnt[0] < KEYS * 0.28);
	drop(&a);
	/* removing a dest moves only its own keys */
	make(&a, (const int32_t[]){1, 1, 1, 1}, 4, "conhash", 0);
	make(&b, (const int32_t[]){1, 1, 1, 1}, 4, "conhash", 0);
	memmove(&b.d[1], &b.d[2], sizeof(b.d[0]) * 2);
	b.svc.ndests = 3;
	drop(&b);
	rebuild(&b);
	for (uint32_t i = 0; i < KEYS; i++) {
		ctx.caddr = key_addr(i);
		const struct ipvs_snap_dest *da = sched_pick(&a.svc, &a.st, &ctx);
		const struct ipvs_snap_dest *db = sched_pick(&b.svc, &b.st, &ctx);

		moved += da->id != 11 && da->id != db->id;
	}
	assert_int_equal(moved, 0);
	/* an overloaded dest's keys walk on to the next point's dest */
	ctx.caddr = key_addr(7);
	int k = pick(&a);
	counts[a.d[k].id].overloaded = 1;
	int f = pick(&a);
	assert_true(f >= 0 && f != k);
	drop(&a);
	drop(&b);
}

/* ---- twos ---- */

static void test_twos_distribution(void **state)
{
	enum { PICKS = 20000 };
	struct tsvc t;
	uint32_t a = 0;

	(void)state;
	/* idle dests: choice 1 wins; LVS's draws over [0, total] give the
	 * first dest weight + 1 of total + 1 values: 2/5 here */
	make(&t, (const int32_t[]){1, 3}, 2, "twos", 0);
	for (int i = 0; i < PICKS; i++)
		a += pick(&t) == 0;
	assert_true(a > PICKS * 0.38 && a < PICKS * 0.42);
	/* a loaded dest loses whenever the other one is drawn */
	counts[11].activeconns = 100;
	a = 0;
	for (int i = 0; i < PICKS; i++)
		a += pick(&t) == 0;
	assert_true(a > PICKS * 0.55);
	/* quiesced and overloaded dests are never drawn */
	counts[11].activeconns = 0;
	t.d[0].weight = 0;
	for (int i = 0; i < 100; i++)
		assert_int_equal(pick(&t), 1);
	counts[11].overloaded = 1;
	assert_int_equal(pick(&t), -1);
	drop(&t);
}

/* Every scheduler: quiesced and overloaded dests get nothing, and an
 * empty or fully quiesced service schedules nothing. */
static void test_all_respect_quiesce_and_overload(void **state)
{
	static const char *const names[] = {"rr",    "wrr", "lc", "wlc",     "sed", "nq",  "lblc",
					    "lblcr", "sh",  "mh", "conhash", "fo",  "ovf", "twos"};

	(void)state;
	for (size_t s = 0; s < sizeof(names) / sizeof(names[0]); s++) {
		struct tsvc t;

		memset(counts, 0, sizeof(counts));
		make(&t, (const int32_t[]){5, 0, 1, 3}, 4, names[s],
		     DPVS_SVC_F_SCHED1 | DPVS_SVC_F_SCHED2);
		counts[13].overloaded = 1; /* D */
		for (uint32_t i = 0; i < 200; i++) {
			ctx.caddr = key_addr(i);
			ctx.cport = htons((uint16_t)i);
			ctx.daddr = key_addr(i + 7);
			int k = pick(&t);

			if (k == 1 || k == 3 || k < 0)
				fail_msg("%s picked %d", names[s], k);
		}
		drop(&t);
		make(&t, (const int32_t[]){0, 0}, 2, names[s], 0);
		assert_int_equal(pick(&t), -1);
		drop(&t);
	}
}

static void test_wrr_skips_overloaded(void **state)
{
	struct tsvc t;
	char s[16];

	(void)state;
	make(&t, (const int32_t[]){1, 100}, 2, "wrr", 0);
	counts[11].overloaded = 1;
	for (int i = 0; i < 5; i++)
		s[i] = (char)('A' + pick(&t));
	s[5] = '\0';
	assert_string_equal(s, "AAAAA");
	counts[10].overloaded = 1;
	assert_int_equal(pick(&t), -1);
	drop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_sed_sequence, reset),
	    cmocka_unit_test_setup(test_nq_sequence, reset),
	    cmocka_unit_test_setup(test_fo, reset),
	    cmocka_unit_test_setup(test_ovf_sequence, reset),
	    cmocka_unit_test_setup(test_dh_mapping, reset),
	    cmocka_unit_test_setup(test_sh_mapping_and_flags, reset),
	    cmocka_unit_test_setup(test_lblc_locality, reset),
	    cmocka_unit_test_setup(test_lblcr_replication, reset),
	    cmocka_unit_test_setup(test_mh_fill_proportional, reset),
	    cmocka_unit_test_setup(test_mh_removal_remaps_about_1_over_n, reset),
	    cmocka_unit_test_setup(test_mh_same_table_everywhere, reset),
	    cmocka_unit_test_setup(test_mh_flags, reset),
	    cmocka_unit_test_setup(test_conhash, reset),
	    cmocka_unit_test_setup(test_twos_distribution, reset),
	    cmocka_unit_test_setup(test_all_respect_quiesce_and_overload, reset),
	    cmocka_unit_test_setup(test_wrr_skips_overloaded, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
