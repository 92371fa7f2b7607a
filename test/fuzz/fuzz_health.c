/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for what the health checks read from the network
 * (src/control/health_proto.c): a real server's HTTP answer and a DNS
 * server's answer. Checks more than "no crash": a status is 0, -EBADMSG
 * or 100..599, and a prefix of bytes that is already a bad status line
 * stays bad however it goes on; a DNS verdict is 0 or a failure that
 * says why, and an answer that passes still passes with bytes after it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dpvs/health.h"
#include "control/health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void http(const uint8_t *data, size_t size)
{
	int st = health_http_status((const char *)data, size);

	if (st != 0 && st != -EBADMSG && (st < 100 || st > 599))
		abort();
	for (size_t n = 0; n < size && n < 16; n++)
		if (health_http_status((const char *)data, n) == -EBADMSG && st != -EBADMSG)
			abort();
}

static void dns(const uint8_t *data, size_t size)
{
	static uint8_t longer[4096 + 16];
	char why[80];
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	uint32_t expect = 0;
	int rc;

	if (size > 4096)
		return;
	if (size >= 16)
		memcpy(&expect, data + size - 4, 4);
	why[0] = '\0';
	rc = health_dns_check(data, size, id, expect, why, sizeof(why));
	if (rc != 0 && ((rc != -EBADMSG && rc != -ENOENT) || why[0] == '\0'))
		abort();
	memcpy(longer, data, size);
	memset(longer + size, 0xff, 16);
	if (rc == 0 && health_dns_check(longer, size + 16, id, expect, why, sizeof(why)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	http(data, size);
	dns(data, size);
	return 0;
}
