/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the address/prefix/MAC/spec parsers (tools/lib/
 * inet_parse.c): they read untrusted text from the command line and the
 * config file. Checks more than "no crash": whatever parses must format
 * back and parse again to the same value, and every refusal must say why.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "inet_parse.h"

#define MAX_WORDS 32

static void check_addr_roundtrip(const char *word)
{
	union inet_addr a, b;
	uint8_t af, af2, plen;
	char buf[64];

	if (inet_parse_addr(word, &af, &a) == 0) {
		inet_fmt(af, &a, buf, sizeof(buf));
		if (inet_parse_addr(buf, &af2, &b) || af2 != af || memcmp(&a, &b, sizeof(a)))
			abort();
	}
	if (inet_parse_prefix(word, &af, &a, &plen) == 0 &&
	    plen > (af == AF_INET6 ? 128 : 32))
		abort();
}

static void check_mac_roundtrip(const char *word)
{
	struct dpvs_mac m, m2;
	char buf[32];

	if (mac_parse(word, &m) == 0) {
		mac_fmt(&m, buf, sizeof(buf));
		if (mac_parse(buf, &m2) || memcmp(&m, &m2, sizeof(m)))
			abort();
	}
}

static void check_spec(int rc, const char *err)
{
	/* refusals are -EINVAL and always come with a reason */
	if (rc && (rc != -EINVAL || !err[0]))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *copy = malloc(size + 1);
	char *argv[MAX_WORDS];
	struct dpvs_addr a;
	struct dpvs_route r;
	struct dpvs_neigh n;
	char err[256];
	int argc;

	if (!line || !copy)
		goto out;
	memcpy(line, data, size);
	line[size] = '\0';
	memcpy(copy, line, size + 1);

	/* the whole input as one word, as a config value may be */
	check_addr_roundtrip(line);
	check_mac_roundtrip(line);

	argc = spec_split(copy, argv, MAX_WORDS);
	if (argc < 0)
		goto out;
	for (int i = 0; i < argc; i++) {
		check_addr_roundtrip(argv[i]);
		check_mac_roundtrip(argv[i]);
	}
	err[0] = '\0';
	check_spec(spec_parse_addr(argc, argv, &a, err, sizeof(err)), err);
	err[0] = '\0';
	check_spec(spec_parse_route(argc, argv, &r, err, sizeof(err)), err);
	err[0] = '\0';
	check_spec(spec_parse_neigh(argc, argv, 1, &n, err, sizeof(err)), err);
	err[0] = '\0';
	check_spec(spec_parse_neigh(argc, argv, 0, &n, err, sizeof(err)), err);
out:
	free(line);
	free(copy);
	return 0;
}
