/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the cfg unit tests share (test_cfg.c, test_cfg_check.c): config
 * text written into t.conf of a mkdtemp() directory and loaded with the
 * real cfg_load() into cfg (or cfg2, for the init-only diff), its errors
 * in errs, and the checks of those errors. cfg_test_setup/teardown are
 * the cmocka group's: they make and remove the directory and the two
 * configs.
 *
 * Include after <cmocka.h> (and its <setjmp.h>, <stdarg.h>, <stddef.h>).
 */
#ifndef DPVS_CFG_TEST_ENV_H
#define DPVS_CFG_TEST_ENV_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg/config.h"

static char tmpdir[64];
static struct dpvs_config *cfg, *cfg2;
static struct cfg_errors errs;

static inline const char *write_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static inline void dump_errors(void)
{
	for (unsigned i = 0; i < errs.count && i < CFG_ERR_MAX; i++)
		print_message("  cfg error: %s\n", errs.msg[i]);
}

static inline int load_into(struct dpvs_config *c, const char *text)
{
	return cfg_load(write_file("t.conf", text), c, &errs);
}

static inline int load(const char *text)
{
	return load_into(cfg, text);
}

/* Some error message contains every one of the given fragments. */
static inline bool has_error(const char *a, const char *b)
{
	for (unsigned i = 0; i < errs.count && i < CFG_ERR_MAX; i++)
		if (strstr(errs.msg[i], a) && (!b || strstr(errs.msg[i], b)))
			return true;
	return false;
}

/* The file fails, and one of its errors names `where` and `why`. */
static inline void expect_error(const char *text, const char *where, const char *why)
{
	int rc = load(text);

	if (rc != -EINVAL || !has_error(where, why)) {
		print_message("expected an error with '%s' and '%s'\n", where, why ? why : "");
		dump_errors();
	}
	assert_int_equal(rc, -EINVAL);
	assert_true(has_error(where, why));
}

static inline int cfg_test_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_cfg.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	cfg = calloc(1, sizeof(*cfg));
	cfg2 = calloc(1, sizeof(*cfg2));
	return cfg && cfg2 ? 0 : -1;
}

static inline int cfg_test_teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/t.conf", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	free(cfg);
	free(cfg2);
	return 0;
}

#endif
