/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finding the TOA in a TCP header's options: one step function, compiled
 * both into the sock_ops reader (clang -target bpf, driven by bpf_loop())
 * and into the unit tests (driven by toa_find()'s plain loop), so the walk
 * the verifier accepts is the walk the tests check.
 *
 * IPv4 header options follow the same rules (0 ends the list, 1 is one
 * byte of padding, every other option is kind, length, body), so the
 * UOA (IPv4 option 31, same 8-byte layout) is found by the same walk.
 *
 * The layout comes from include/dpvs/toa.h. Kind 254 is RFC 6994's shared
 * experimental kind: other software may use it with another length (a
 * 16- or 32-bit magic after the head), so only kind 254 with length
 * exactly TOA_LEN is taken as a TOA.
 *
 * Why a step function and bpf_loop(): an open-coded loop over options of
 * varying length makes the verifier walk every mix of option kinds (it
 * gave up: E2BIG); bpf_loop() verifies the step once. Every read index is
 * masked into the buffer, so a step is safe whatever the bytes say.
 */
#ifndef DPVS_TOA_PARSE_H
#define DPVS_TOA_PARSE_H

#include "dpvs/toa.h"

#define TOA_OPT_SPACE 40 /* the most option bytes a TCP header holds */
#define TOA_OPT_BUF   64 /* a power of two above it: reads are masked */

enum toa_find_result {
	TOA_FOUND = 0,
	TOA_ABSENT = 1,	   /* no option of the kind sought with length 8 */
	TOA_MALFORMED = 2, /* an option's length runs past the header or is < 2 */
};

/* The walk's state: the option bytes (those after the 20-byte TCP or
 * IPv4 header), how many there are, the kind sought (TOA_KIND or
 * UOA_TYPE), where the walk is, and what it found. */
struct toa_walk {
	uint8_t opts[TOA_OPT_BUF];
	uint32_t len;
	uint32_t kind;
	uint32_t i;
	int32_t result;
	uint16_t port; /* network order, valid when result == TOA_FOUND */
	uint32_t addr; /* network order, valid when result == TOA_FOUND */
};

/* One option. Returns 0 to go on, 1 when the walk is over (w->result). */
static inline int toa_walk_step(struct toa_walk *w)
{
	uint32_t i = w->i;
	uint8_t kind, olen;

	if (w->len > TOA_OPT_SPACE) {
		w->result = TOA_MALFORMED;
		return 1;
	}
	if (i >= w->len) {
		w->result = TOA_ABSENT;
		return 1;
	}
	kind = w->opts[i & (TOA_OPT_BUF - 1)];
	if (kind == 0) { /* end of option list */
		w->result = TOA_ABSENT;
		return 1;
	}
	if (kind == 1) { /* NOP: one byte of padding */
		w->i = i + 1;
		return 0;
	}
	olen = i + 1 < w->len ? w->opts[(i + 1) & (TOA_OPT_BUF - 1)] : 0;
	if (olen < 2 || i + olen > w->len) {
		w->result = TOA_MALFORMED;
		return 1;
	}
	if (kind == w->kind && olen == TOA_LEN) {
		/* byte by byte into a copy: the option sits at any
		 * alignment, and memcpy keeps the wire's byte order */
		uint8_t body[TOA_LEN - 2];

		for (uint32_t k = 0; k < sizeof(body); k++)
			body[k] = w->opts[(i + 2 + k) & (TOA_OPT_BUF - 1)];
		__builtin_memcpy(&w->port, body, sizeof(w->port));
		__builtin_memcpy(&w->addr, body + sizeof(w->port), sizeof(w->addr));
		w->result = TOA_FOUND;
		return 1;
	}
	w->i = i + olen;
	return 0;
}

#ifndef __bpf__
/* The plain-C walk (kernel modules, tests): opts holds len option bytes;
 * kind: TOA_KIND in TCP options, UOA_TYPE in IPv4 options. */
static inline int toa_find_kind(const uint8_t *opts, uint32_t len, uint8_t kind, uint16_t *port,
				uint32_t *addr)
{
	struct toa_walk w = {.len = len, .kind = kind};

	if (len > TOA_OPT_SPACE)
		return TOA_MALFORMED;
	__builtin_memcpy(w.opts, opts, len);
	/* every step but the last advances at least one byte */
	for (int n = 0; n <= TOA_OPT_SPACE; n++)
		if (toa_walk_step(&w)) {
			*port = w.port;
			*addr = w.addr;
			return w.result;
		}
	return TOA_ABSENT;
}

static inline int toa_find(const uint8_t *opts, uint32_t len, uint16_t *port, uint32_t *addr)
{
	return toa_find_kind(opts, len, TOA_KIND, port, addr);
}
#endif

#endif /* DPVS_TOA_PARSE_H */
