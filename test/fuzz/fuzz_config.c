/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the config file: the input is a file's text, read
 * as `dpvs -t`, the start and every reload read one: iniparser, the
 * schema and values (src/cfg), then every check of the apply step
 * (config_validate, src/control/validate.c, asking the layers). Seeds:
 * test/fuzz/corpus/config (the conf/ samples).
 *
 * It checks, and aborts when one fails: the verdict is 0 or -EINVAL; a
 * refusal comes with at least one message, each NUL-terminated, not
 * empty and naming the file; an accepted file has no message and is the
 * same as itself for a reload (no init-only item differs); reading the
 * same text twice gives the same verdict and messages.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cfg/config.h"
#include "control/validate.h"

static int fd = -1;
static char path[64];

static void die(const char *what, const struct cfg_errors *e)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	for (unsigned i = 0; e && i < e->count && i < CFG_ERR_MAX; i++)
		fprintf(stderr, "  %.*s\n", CFG_ERRLEN, e->msg[i]);
	abort();
}

static void check_errors(int rc, const struct cfg_errors *e)
{
	if (rc != 0 && rc != -EINVAL)
		die("verdict is neither 0 nor -EINVAL", e);
	if (rc == 0) {
		if (e->count)
			die("a valid file with errors", e);
		return;
	}
	if (e->count == 0)
		die("refused without a reason", e);
	for (unsigned i = 0; i < e->count && i < CFG_ERR_MAX; i++) {
		if (!memchr(e->msg[i], '\0', CFG_ERRLEN) || !e->msg[i][0])
			die("an empty or unterminated message", e);
		/* "FILE: [section] key: why", or iniparser's own "... in FILE (LINE)" */
		if (!strstr(e->msg[i], path))
			die("a message that does not name the file", e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dpvs_config *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct cfg_errors *ea = calloc(1, sizeof(*ea)), *eb = calloc(1, sizeof(*eb));
	char diff[1024];
	int ra, rb;

	if (!a || !b || !ea || !eb)
		abort();
	/* the text as a file, without touching the disk */
	if (fd < 0) {
		fd = memfd_create("fuzz_config", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();

	ra = config_validate(path, a, ea);
	check_errors(ra, ea);
	rb = config_validate(path, b, eb);
	if (ra != rb || ea->count != eb->count || memcmp(ea->msg, eb->msg, sizeof(ea->msg)))
		die("the same text read twice, another verdict", ea);
	if (ra == 0 && cfg_diff_init_only(a, b, diff, sizeof(diff)) != 0)
		die("a valid file differs from itself", NULL);
	free(a);
	free(b);
	free(ea);
	free(eb);
	return 0;
}
