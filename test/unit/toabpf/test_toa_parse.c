/* SPDX-License-Identifier: BSD-3-Clause */
/* The TOA option walk (tools/toabpf/toa_parse.h), which the eBPF reader
 * runs on each SYN: where the option sits, what it carries, and every way
 * the options can be wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "toa_parse.h"

/* the option a Full-NAT balancer writes for client 203.0.113.7:40000 */
#define TOA_BYTES 254, 8, 0x9c, 0x40, 203, 0, 113, 7

static int find(const uint8_t *o, uint32_t len, uint16_t *port, uint32_t *addr)
{
	*port = 0;
	*addr = 0;
	return toa_find(o, len, port, addr);
}

static void expect_client(const uint8_t *o, uint32_t len)
{
	uint16_t port;
	uint32_t addr;

	assert_int_equal(find(o, len, &port, &addr), TOA_FOUND);
	assert_int_equal(ntohs(port), 40000);
	assert_int_equal(addr, inet_addr("203.0.113.7"));
}

static void test_alone(void **state)
{
	const uint8_t o[] = {TOA_BYTES};

	(void)state;
	expect_client(o, sizeof(o));
}

/* A Linux SYN's options: MSS, SACK-permitted, timestamps, NOP, window
 * scale, then the TOA at an odd offset (no alignment assumed). */
static void test_after_linux_syn_options(void **state)
{
	const uint8_t o[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2,	 3,
			     4, 0, 0,	 0,    0, 1, 3, 3,  7, TOA_BYTES};

	(void)state;
	expect_client(o, sizeof(o));
}

static void test_nops_before(void **state)
{
	const uint8_t o[] = {1, 1, 1, TOA_BYTES, 1};

	(void)state;
	expect_client(o, sizeof(o));
}

static void test_absent(void **state)
{
	const uint8_t mss[] = {2, 4, 0x05, 0xb4};
	uint16_t port;
	uint32_t addr;

	(void)state;
	assert_int_equal(find(mss, sizeof(mss), &port, &addr), TOA_ABSENT);
	assert_int_equal(find(mss, 0, &port, &addr), TOA_ABSENT); /* no options */
}

/* after End of Option List nothing counts, even a TOA */
static void test_after_eol_ignored(void **state)
{
	const uint8_t o[] = {0, 0, 0, 0, TOA_BYTES};
	uint16_t port;
	uint32_t addr;

	(void)state;
	assert_int_equal(find(o, sizeof(o), &port, &addr), TOA_ABSENT);
}

/* kind 254 used by someone else (RFC 6994 magic, another length) is not a
 * TOA; a TOA after it still is */
static void test_other_experimental(void **state)
{
	const uint8_t other[] = {254, 4, 0xab, 0xcd};
	const uint8_t both[] = {254, 4, 0xab, 0xcd, TOA_BYTES};
	uint16_t port;
	uint32_t addr;

	(void)state;
	assert_int_equal(find(other, sizeof(other), &port, &addr), TOA_ABSENT);
	expect_client(both, sizeof(both));
}

static void test_malformed(void **state)
{
	const uint8_t zero_len[] = {2, 0, 0, 0}; /* would never advance */
	const uint8_t one_len[] = {8, 1, 0, 0};
	const uint8_t past_end[] = {254, 8, 0x9c, 0x40, 203}; /* TOA cut short */
	const uint8_t no_len[] = {1, 1, 1, 2};		      /* kind, then the end */
	uint8_t big[TOA_OPT_SPACE + 4] = {0};
	uint16_t port;
	uint32_t addr;

	(void)state;
	assert_int_equal(find(zero_len, sizeof(zero_len), &port, &addr), TOA_MALFORMED);
	assert_int_equal(find(one_len, sizeof(one_len), &port, &addr), TOA_MALFORMED);
	assert_int_equal(find(past_end, sizeof(past_end), &port, &addr), TOA_MALFORMED);
	assert_int_equal(find(no_len, sizeof(no_len), &port, &addr), TOA_MALFORMED);
	/* more than a TCP header can hold */
	assert_int_equal(find(big, sizeof(big), &port, &addr), TOA_MALFORMED);
}

/* the longest walk: 40 NOPs, then nothing; and 32 NOPs then a TOA that
 * ends exactly at byte 40 */
static void test_full_header(void **state)
{
	uint8_t o[TOA_OPT_SPACE];
	const uint8_t toa[] = {TOA_BYTES};
	uint16_t port;
	uint32_t addr;

	(void)state;
	memset(o, 1, sizeof(o));
	assert_int_equal(find(o, sizeof(o), &port, &addr), TOA_ABSENT);
	memcpy(o + TOA_OPT_SPACE - TOA_LEN, toa, sizeof(toa));
	expect_client(o, sizeof(o));
}

/* The step function never reads outside its buffer, whatever the bytes:
 * every 3-byte pattern of interesting values over a 40-byte header ends
 * within 41 steps with one of the three answers. */
static void test_every_short_pattern_terminates(void **state)
{
	static const uint8_t v[] = {0, 1, 2, 8, 39, 40, 254, 255};
	uint8_t o[TOA_OPT_SPACE];
	uint16_t port;
	uint32_t addr;

	(void)state;
	for (size_t a = 0; a < sizeof(v); a++)
		for (size_t b = 0; b < sizeof(v); b++)
			for (size_t c = 0; c < sizeof(v); c++) {
				for (size_t k = 0; k < sizeof(o); k += 3) {
					o[k] = v[a];
					if (k + 1 < sizeof(o))
						o[k + 1] = v[b];
					if (k + 2 < sizeof(o))
						o[k + 2] = v[c];
				}
				int r = find(o, sizeof(o), &port, &addr);

				assert_true(r == TOA_FOUND || r == TOA_ABSENT ||
					    r == TOA_MALFORMED);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alone),
	    cmocka_unit_test(test_after_linux_syn_options),
	    cmocka_unit_test(test_nops_before),
	    cmocka_unit_test(test_absent),
	    cmocka_unit_test(test_after_eol_ignored),
	    cmocka_unit_test(test_other_experimental),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_full_header),
	    cmocka_unit_test(test_every_short_pattern_terminates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
