/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg internals shared by the files of src/cfg only (nothing outside this
 * folder includes it):
 *   schema.c  which sections and keys exist, their types and whether a
 *             change needs a restart (the table that drives everything)
 *   values.c  what a valid value of each type looks like
 *   config.c  reading the file and filling struct dpvs_config
 *   check.c   the checks that need the whole file (workers vs ports...)
 *   diff.c    which init-only items two configs disagree on
 */
#ifndef DPVS_CFG_INTERNAL_H
#define DPVS_CFG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_config.h>

#include "cfg/config.h"

/* ---- values (values.c) ---- */

/* yes/no, true/false, on/off, 1/0, any case. 0 or -EINVAL. */
int cfg_parse_bool(const char *s, bool *b);
/* Decimal only, in min..max; on error `why` says what was wrong. */
int cfg_parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *v, char *why,
		   size_t len);

/* A port's device: PCI address or net_* vdev, each with ",key=value"
 * devargs. */
int cfg_check_device(const char *s, char *why, size_t len);
bool cfg_device_is_pci(const char *s);
/* An interface-like name: 1..15 of [a-z0-9._-] (iniparser lowercases
 * section names, so upper case never reaches us from a section). */
int cfg_check_ifname(const char *s, char *why, size_t len);
/* EAL --file-prefix: it names files under /dev/hugepages and /run/dpdk. */
int cfg_check_file_prefix(const char *s, char *why, size_t len);
/* A group of this host (empty: none): [global] ctl_group. */
int cfg_check_group(const char *s, char *why, size_t len);
/* A UNIX socket path must fit sun_path. */
int cfg_check_socket_path(const char *s, char *why, size_t len);
/* "ADDR:PORT" to listen on (metrics_listen); "" = off. */
int cfg_check_listen(const char *s, char *why, size_t len);

/* EAL --lcores syntax: "0,1", "0-3", "0@0,1@1", "(1,2)@(0,1)". */
#define CFG_LCORE_WORDS ((RTE_MAX_LCORE + 63) / 64)
struct cfg_lcore_set {
	uint64_t bits[CFG_LCORE_WORDS];
};
int cfg_parse_lcores(const char *s, struct cfg_lcore_set *set, char *why, size_t len);
int cfg_check_lcores(const char *s, char *why, size_t len);
static inline bool cfg_lcore_in(const struct cfg_lcore_set *set, unsigned lcore)
{
	return lcore < RTE_MAX_LCORE && (set->bits[lcore / 64] >> (lcore % 64)) & 1;
}

/* ---- schema (schema.c) ---- */

enum cfg_type {
	CFG_T_STR,  /* copied into a char array, optional check() */
	CFG_T_BOOL, /* stored in a bool */
	CFG_T_UINT, /* decimal in min..max, stored in 2 or 4 bytes */
	CFG_T_ENUM, /* one of names[], stored as an int: the index */
	CFG_T_LINE, /* a line the section's own code parses (config.c) */
};

struct cfg_key {
	const char *name;
	enum cfg_type type;
	bool reloadable;  /* false: a change needs a restart */
	size_t off, size; /* the field in the section's target struct */
	uint32_t min, max;
	const char *const *names; /* CFG_T_ENUM, NULL-terminated */
	int (*check)(const char *v, char *why, size_t len); /* CFG_T_STR */
};

enum cfg_sec_kind {
	CFG_SEC_GLOBAL,
	CFG_SEC_EAL,
	CFG_SEC_POOL,
	CFG_SEC_PORT,
	CFG_SEC_WORKER,
	CFG_SEC_ADDRESSES,
	CFG_SEC_ROUTES,
	CFG_SEC_NEIGHBOURS,
	CFG_SEC_IPVS,
	CFG_SEC_DEFENSE,
	CFG_SEC_SERVICE,
	CFG_SEC_CHECK,
};

/* Keys of fixed sections live in struct dpvs_config, those of [port:NAME]
 * in struct cfg_port; the others are lines handled in config.c. */
struct cfg_section {
	const char *name; /* the part before ':' in [port:dpdk0] */
	enum cfg_sec_kind kind;
	bool named;   /* [kind:NAME] */
	bool any_key; /* keys other than keys[] are CFG_T_LINE too */
	const struct cfg_key *keys;
	unsigned nkeys;
};

extern const struct cfg_section cfg_sections[];
extern const unsigned cfg_nsections;

const struct cfg_section *cfg_section_find(const char *name);
const struct cfg_section *cfg_section_of(enum cfg_sec_kind kind);
const struct cfg_key *cfg_key_find(const struct cfg_section *s, const char *name);
/* Parses v by k's type into the field of `base`; 0 or -EINVAL with why. */
int cfg_key_set(const struct cfg_key *k, const char *v, void *base, char *why, size_t len);
/* Whether the field of k holds the same value in both structs. */
bool cfg_key_equal(const struct cfg_key *k, const void *a, const void *b);

/* ---- errors (config.c) ---- */

/* Appends one message; past CFG_ERR_MAX it is only counted. */
void cfg_error(struct cfg_errors *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* cfg_key_error() is in config.h: checks outside the parser use it too. */

/* ---- whole-file checks (check.c) ---- */

/* Runs every check that needs more than one section; reports into errs
 * with `path` as the file name. `no_pci_set` tells whether the file set
 * [eal] no_pci (else it is derived from the ports here). */
void cfg_check_all(struct dpvs_config *cfg, bool no_pci_set, struct cfg_errors *errs);

/* ---- [check:NAME] (health.c) ---- */

void cfg_check_defaults(struct cfg_check *c, const char *name);
/* What one [check:NAME] needs from the rest of the file and from its own
 * type: its service, a port to probe, the keys its type takes. */
void cfg_check_checks(struct dpvs_config *cfg, struct cfg_errors *errs);

#endif /* DPVS_CFG_INTERNAL_H */
