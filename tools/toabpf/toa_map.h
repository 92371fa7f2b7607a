/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the TOA eBPF programs and their user-space side agree on: the maps'
 * values, the counters, and the names the maps are pinned under. Included
 * by the BPF objects (clang -target bpf) and by libtoapeer/toa-peer.
 */
#ifndef DPVS_TOA_MAP_H
#define DPVS_TOA_MAP_H

#include <stdint.h>

/* The reader's per-socket record (a BPF_MAP_TYPE_SK_STORAGE value): the
 * client's address as the TOA of the connection's SYN carried it. */
struct toa_peer_val {
	uint32_t addr; /* network order */
	uint16_t port; /* network order */
	uint16_t pad;
};

/* The reader's counters (an array map, one slot each): every passive
 * connection that reaches the reader ends in exactly one of the first
 * four; the last counts listeners the reader could not prepare. */
enum toa_stat {
	TOA_STAT_FOUND,		/* a TOA: the socket got its record */
	TOA_STAT_ABSENT,	/* SYN without a TOA: no record, toa_peer says none */
	TOA_STAT_MALFORMED,	/* SYN options that run past the header */
	TOA_STAT_NO_SYN,	/* no saved SYN (listener opened before attach) */
	TOA_STAT_NO_STORAGE,	/* the record could not be created (memory) */
	TOA_STAT_LISTEN_FAILED, /* TCP_SAVE_SYN refused on a listener */
	TOA_STAT_MAX
};

#define TOA_STAT_NAMES                                                                             \
	{                                                                                          \
		"found", "absent", "malformed", "no-saved-syn", "no-storage", "listen-failed"      \
	}

/* The test writer's claim (array map, one slot): the address its SYNs
 * carry in their TOA. set = 0: write nothing. */
struct toa_claim {
	uint32_t addr; /* network order */
	uint16_t port; /* network order */
	uint16_t set;
};

/* Names under the pin directory (a bpffs folder, default TOA_PIN_DIR). */
#define TOA_PIN_DIR   "/sys/fs/bpf/toa"
#define TOA_PIN_PEERS "peers" /* the reader's sk_storage map */
#define TOA_PIN_STATS "stats" /* the reader's counters */
#define TOA_PIN_CLAIM "claim" /* the writer's claim */
#define TOA_PIN_LINK  "link"  /* the cgroup attachment: unpinned = detached */

#endif /* DPVS_TOA_MAP_H */
