/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control codec: headers built by ctl_hdr_init pass ctl_hdr_check,
 * every kind of bad header is refused with its own errno and a message,
 * and every message type has a name.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_codec.h"

static void test_init_then_check_ok(void **state)
{
	struct dpvs_ctl_hdr h;
	char err[128] = "";

	(void)state;
	ctl_hdr_init(&h, DPVS_MSG_ADDR_ADD, 77, 40);
	assert_int_equal(h.magic, DPVS_CTL_MAGIC);
	assert_int_equal(h.version, DPVS_CTL_VERSION);
	assert_int_equal(h.type, DPVS_MSG_ADDR_ADD);
	assert_int_equal(h.seq, 77);
	assert_int_equal(h.len, 40);
	assert_int_equal(h.status, 0);
	assert_int_equal(h.flags, 0);
	assert_int_equal(ctl_hdr_check(&h, err, sizeof(err)), 0);

	ctl_hdr_init(&h, DPVS_MSG_CONN_LIST, 1, DPVS_CTL_MAX_PAYLOAD);
	assert_int_equal(ctl_hdr_check(&h, err, sizeof(err)), 0);
}

static void test_bad_magic(void **state)
{
	struct dpvs_ctl_hdr h;
	char err[256] = "";

	(void)state;
	ctl_hdr_init(&h, DPVS_MSG_PING, 1, 0);
	h.magic = 0x12345678;
	assert_int_equal(ctl_hdr_check(&h, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "bad magic 0x12345678"));
}

static void test_bad_version(void **state)
{
	struct dpvs_ctl_hdr h;
	char err[256] = "";

	(void)state;
	ctl_hdr_init(&h, DPVS_MSG_PING, 1, 0);
	h.version = DPVS_CTL_VERSION + 1;
	assert_int_equal(ctl_hdr_check(&h, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "version"));
}

static void test_too_big(void **state)
{
	struct dpvs_ctl_hdr h;
	char err[256] = "";

	(void)state;
	ctl_hdr_init(&h, DPVS_MSG_SVC_ADD, 1, DPVS_CTL_MAX_PAYLOAD + 1);
	assert_int_equal(ctl_hdr_check(&h, err, sizeof(err)), -EMSGSIZE);
	assert_non_null(strstr(err, "SVC_ADD"));
	/* framing loss wins over an unknown type: the server must close */
	ctl_hdr_init(&h, 9999, 1, 0xffffffffu);
	assert_int_equal(ctl_hdr_check(&h, err, sizeof(err)), -EMSGSIZE);
}

static void test_unknown_types(void **state)
{
	struct dpvs_ctl_hdr h;
	char err[256] = "";
	const uint16_t bad[] = { DPVS_MSG_NONE, 4, 9, 12, 23, 50, 59, DPVS_MSG_MAX, 0xffff };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ctl_hdr_init(&h, bad[i], 1, 0);
		assert_int_equal(ctl_hdr_check(&h, err, sizeof(err)), -EOPNOTSUPP);
		assert_string_equal(ctl_msg_name(bad[i]), "UNKNOWN");
	}
	/* a NULL or empty err buffer is allowed */
	assert_int_equal(ctl_hdr_check(&h, NULL, 0), -EOPNOTSUPP);
}

static void test_every_type_named(void **state)
{
	static const struct {
		uint16_t type;
		const char *name;
	} all[] = {
		{ DPVS_MSG_PING, "PING" },
		{ DPVS_MSG_CONFIG_RELOAD, "CONFIG_RELOAD" },
		{ DPVS_MSG_STATS, "STATS" },
		{ DPVS_MSG_BATCH, "BATCH" },
		{ DPVS_MSG_LINK_SHOW, "LINK_SHOW" },
		{ DPVS_MSG_ADDR_ADD, "ADDR_ADD" },
		{ DPVS_MSG_ADDR_DEL, "ADDR_DEL" },
		{ DPVS_MSG_ADDR_SHOW, "ADDR_SHOW" },
		{ DPVS_MSG_ROUTE_ADD, "ROUTE_ADD" },
		{ DPVS_MSG_ROUTE_DEL, "ROUTE_DEL" },
		{ DPVS_MSG_ROUTE_SHOW, "ROUTE_SHOW" },
		{ DPVS_MSG_NEIGH_ADD, "NEIGH_ADD" },
		{ DPVS_MSG_NEIGH_DEL, "NEIGH_DEL" },
		{ DPVS_MSG_NEIGH_SHOW, "NEIGH_SHOW" },
		{ DPVS_MSG_SVC_ADD, "SVC_ADD" },
		{ DPVS_MSG_SVC_EDIT, "SVC_EDIT" },
		{ DPVS_MSG_SVC_DEL, "SVC_DEL" },
		{ DPVS_MSG_SVC_FLUSH, "SVC_FLUSH" },
		{ DPVS_MSG_SVC_LIST, "SVC_LIST" },
		{ DPVS_MSG_DEST_ADD, "DEST_ADD" },
		{ DPVS_MSG_DEST_EDIT, "DEST_EDIT" },
		{ DPVS_MSG_DEST_DEL, "DEST_DEL" },
		{ DPVS_MSG_ZERO, "ZERO" },
		{ DPVS_MSG_TIMEOUT_SET, "TIMEOUT_SET" },
		{ DPVS_MSG_TIMEOUT_GET, "TIMEOUT_GET" },
		{ DPVS_MSG_CONN_LIST, "CONN_LIST" },
		{ DPVS_MSG_LADDR_ADD, "LADDR_ADD" },
		{ DPVS_MSG_LADDR_DEL, "LADDR_DEL" },
		{ DPVS_MSG_LADDR_GET, "LADDR_GET" },
		{ DPVS_MSG_FWMARK_ADD, "FWMARK_ADD" },
		{ DPVS_MSG_FWMARK_DEL, "FWMARK_DEL" },
		{ DPVS_MSG_FWMARK_SHOW, "FWMARK_SHOW" },
		{ DPVS_MSG_LINK_SET, "LINK_SET" },
		{ DPVS_MSG_CAPTURE_START, "CAPTURE_START" },
		{ DPVS_MSG_CAPTURE_STOP, "CAPTURE_STOP" },
		{ DPVS_MSG_CAPTURE_SHOW, "CAPTURE_SHOW" },
		{ DPVS_MSG_CHECK_SHOW, "CHECK_SHOW" },
		{ DPVS_MSG_DEFENSE_GET, "DEFENSE_GET" },
		{ DPVS_MSG_DEFENSE_SET, "DEFENSE_SET" },
	};
	unsigned known = 0;
	struct dpvs_ctl_hdr h;

	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		assert_string_equal(ctl_msg_name(all[i].type), all[i].name);
		ctl_hdr_init(&h, all[i].type, 1, 0);
		assert_int_equal(ctl_hdr_check(&h, NULL, 0), 0);
	}
	/* and nothing else is known: a new type must be added to the codec and here */
	for (unsigned t = 0; t < DPVS_MSG_MAX; t++)
		if (strcmp(ctl_msg_name((uint16_t)t), "UNKNOWN") != 0)
			known++;
	assert_int_equal(known, sizeof(all) / sizeof(all[0]));
}

static void test_small_err_buffer(void **state)
{
	struct dpvs_ctl_hdr h;
	char err[8];

	(void)state;
	memset(err, 'x', sizeof(err));
	ctl_hdr_init(&h, DPVS_MSG_PING, 1, 0);
	h.magic = 0;
	assert_int_equal(ctl_hdr_check(&h, err, sizeof(err)), -EBADMSG);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_then_check_ok),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_every_type_named),
		cmocka_unit_test(test_small_err_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
