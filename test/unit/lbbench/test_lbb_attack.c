/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbbench's attack tuples (tools/lbbench/lbb_attack.h): the colliding ones
 * really share one bucket of dpvs's old CRC hash, all different and from
 * plausible sources; the random ones are spoofed from 10.128.0.0/9.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "lbb_attack.h"

#define N 2000

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_collide_one_bucket(void **state)
{
	static const uint32_t buckets[] = { 1u << 11, 1u << 21, 1u << 30 };
	static uint64_t seen[N];
	struct lbb_attack a;
	struct lbb_tcp_seg s;

	(void)state;
	for (unsigned b = 0; b < 3; b++) {
		uint32_t vip = inet_addr("192.168.1.111"), target = 0;

		assert_int_equal(lbb_attack_init(&a, true, vip, htons(80), buckets[b], 42 + b), 0);
		assert_true(a.nbasis >= 48 - 30);
		for (unsigned i = 0; i < N; i++) {
			lbb_attack_next(&a, &s);
			uint32_t h = lbb_old_bucket(s.sip, s.dip, s.sport, s.dport, buckets[b] - 1);

			if (i == 0)
				target = h;
			assert_int_equal(h, target);
			assert_int_equal(s.dip, vip);
			assert_int_equal(s.dport, htons(80));
			assert_int_equal(s.flags, 0x02);
			uint8_t first = (uint8_t)(ntohl(s.sip) >> 24);

			assert_true(first != 0 && first != 127 && first < 224);
			seen[i] = (uint64_t)s.sip << 16 | s.sport;
		}
		/* every SYN a new flow */
		qsort(seen, N, sizeof(seen[0]), cmp64);
		for (unsigned i = 1; i < N; i++)
			assert_true(seen[i] != seen[i - 1]);
	}
}

static void test_random_spread(void **state)
{
	struct lbb_attack a;
	struct lbb_tcp_seg s;
	static uint32_t count[2048];
	unsigned most = 0;

	(void)state;
	assert_int_equal(lbb_attack_init(&a, false, inet_addr("10.0.0.1"), htons(80), 2048, 7), 0);
	for (unsigned i = 0; i < 20000; i++) {
		lbb_attack_next(&a, &s);
		assert_int_equal(ntohl(s.sip) >> 23, 0x0a800000u >> 23);
		assert_true(ntohs(s.sport) >= 1024);
		uint32_t h = lbb_old_bucket(s.sip, s.dip, s.sport, s.dport, 2047);

		if (++count[h] > most)
			most = count[h];
	}
	/* about 10 a bucket: nothing like the collide case */
	assert_true(most < 40);
}

static void test_bad_buckets(void **state)
{
	struct lbb_attack a;

	(void)state;
	assert_int_equal(lbb_attack_init(&a, true, 1, 2, 3000, 1), -1);
	assert_int_equal(lbb_attack_init(&a, true, 1, 2, 0, 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collide_one_bucket),
		cmocka_unit_test(test_random_spread),
		cmocka_unit_test(test_bad_buckets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
