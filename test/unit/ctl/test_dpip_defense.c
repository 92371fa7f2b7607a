/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpip defense without a daemon: `set` words become a DEFENSE_SET request
 * with exactly the named fields in its mask, bad words the right
 * complaint, and a DEFENSE_GET reply prints as docs/dos.md shows it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dpip.h"

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})

static int parse(char **argv, struct dpip_cmd *c, char *err, size_t errlen)
{
	int n = 0;

	while (argv[n])
		n++;
	return dpip_parse(n, argv, c, err, errlen);
}

static void test_set(void **state)
{
	struct dpip_cmd c;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(ARGS("defense", "set", "drop_entry", "1", "threshold", "80",
				    "unknown_tcp", "rst", "evict_threshold", "0"),
			       &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.msg, DPVS_MSG_DEFENSE_SET);
	assert_int_equal(c.req_len, sizeof(struct dpvs_defense));
	assert_int_equal(c.req.defense.mask, DPVS_DEF_F_DROP_ENTRY | DPVS_DEF_F_THRESHOLD |
						     DPVS_DEF_F_UNKNOWN_TCP |
						     DPVS_DEF_F_EVICT_THRESHOLD);
	assert_int_equal(c.req.defense.drop_entry, 1);
	assert_int_equal(c.req.defense.threshold, 80);
	assert_int_equal(c.req.defense.unknown_tcp, DPVS_UNKNOWN_TCP_RST);
	assert_int_equal(c.req.defense.evict_threshold, 0);
	/* show, and show by default */
	assert_int_equal(parse(ARGS("defense"), &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_DEFENSE_GET);
	assert_int_equal(c.req_len, 0);
}

static void test_bad_words(void **state)
{
	const struct {
		char **argv;
		const char *why;
	} bad[] = {
		{ ARGS("defense", "set"), "set needs KEY VALUE" },
		{ ARGS("defense", "set", "drop_entry", "4"), "bad drop_entry '4': expected 0..3" },
		{ ARGS("defense", "set", "threshold", "0"), "bad threshold '0': expected 1..100" },
		{ ARGS("defense", "set", "secure_tcp"), "'secure_tcp' needs a value" },
		{ ARGS("defense", "set", "amemthresh", "5"), "unknown key 'amemthresh'" },
		{ ARGS("defense", "set", "drop_entry", "1", "drop_entry", "2"), "given twice" },
		{ ARGS("defense", "set", "unknown_tcp", "reset"), "expected drop or rst" },
		{ ARGS("defense", "set", "am_droprate", "-1"), "bad am_droprate" },
		{ ARGS("defense", "flush"), "unknown command 'flush'" },
		{ ARGS("defense", "show", "all"), "unexpected word 'all'" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dpip_cmd c;
		char err[256] = "";

		assert_int_equal(parse(bad[i].argv, &c, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].why)) {
			print_message("case %zu: '%s' lacks '%s'\n", i, err, bad[i].why);
			fail();
		}
	}
}

static void test_print(void **state)
{
	struct dpip_cmd c;
	struct dpvs_defense_info in = {
		.conf = { .drop_entry = 1, .drop_packet = 3, .secure_tcp = 0, .threshold = 90,
			  .am_droprate = 10, .evict_threshold = 100 },
		.nworkers = 2, .drop_entry_on = 1, .drop_packet_on = 2,
		.entries_dropped = 7, .packets_dropped = 9, .evicted = 11, .rst_sent = 0,
		.chain_long = 3, .chain_max = 9,
	};
	char err[256] = "", *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(parse(ARGS("defense", "show"), &c, err, sizeof(err)), 0);
	assert_int_equal(dpip_print(f, &c, &in, sizeof(in), err, sizeof(err)), 0);
	fclose(f);
	assert_string_equal(buf,
			    "drop_entry 2 (automatic, in force on 1 of 2 workers) entries-dropped 7\n"
			    "drop_packet 3 (always, in force on 2 of 2 workers) packets-dropped 9\n"
			    "secure_tcp 0 (off, in force on 0 of 2 workers)\n"
			    "threshold 90% am_droprate 10\n"
			    "evict_threshold 100% evicted 11\n"
			    "unknown_tcp drop rst-sent 0\n"
			    "chain-max 9 chain-long 3\n");
	free(buf);
	/* a reply of the wrong size is refused */
	assert_int_equal(dpip_print(stdout, &c, &in, sizeof(in) - 4, err, sizeof(err)), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_bad_words),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
