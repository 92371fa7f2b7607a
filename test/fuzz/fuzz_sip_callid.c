/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for --pe sip's Call-ID parser (src/ipvs/pe_sip.c): it
 * reads the payload of any UDP datagram a client sends to a persistent
 * SIP service. The input is copied into a buffer of its exact size, so
 * ASan sees any read past the datagram. Beyond "no crash": a Call-ID
 * found is inside the message, 1..255 bytes of one word, and a line end
 * follows it after optional blanks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipvs/pe_sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = malloc(size ? size : 1);
	const uint8_t *id = NULL;
	uint32_t n;

	if (!msg)
		return 0;
	memcpy(msg, data, size);
	n = ipvs_sip_callid(msg, (uint32_t)size, &id);
	if (n) {
		const uint8_t *end = msg + size;

		if (n > IPVS_SIP_CALLID_MAX || id < msg || id + n >= end)
			abort();
		for (uint32_t i = 0; i < n; i++)
			if (id[i] == ' ' || id[i] == '\t' || id[i] == '\r' || id[i] == '\n')
				abort();
		const uint8_t *p = id + n;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || (*p != '\r' && *p != '\n'))
			abort();
	}
	free(msg);
	return 0;
}
