/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The user-visible name of every drop reason, generated from the one list
 * in include/dpvs/ctl.h so a new reason gets its name in `dpip -s link
 * show` without touching this file.
 */
#include "dpvs/ctl.h"

const char *const dpvs_drop_names[DPVS_DROP_MAX] = {
#define DPVS_DROP_NAME(id, name) [DPVS_DROP_##id] = name,
	DPVS_DROP_REASONS(DPVS_DROP_NAME)
#undef DPVS_DROP_NAME
};
