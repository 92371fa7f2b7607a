/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sched: the registry of schedulers (see ipvs_sched.h for the interface).
 */
#include <stdio.h>
#include <string.h>

#include "ipvs/ipvs_sched.h"

extern const struct sched_ops sched_rr;
extern const struct sched_ops sched_wrr;
extern const struct sched_ops sched_lc;
extern const struct sched_ops sched_wlc;
extern const struct sched_ops sched_sed;
extern const struct sched_ops sched_nq;
extern const struct sched_ops sched_lblc;
extern const struct sched_ops sched_lblcr;
extern const struct sched_ops sched_dh;
extern const struct sched_ops sched_sh;
extern const struct sched_ops sched_mh;
extern const struct sched_ops sched_conhash;
extern const struct sched_ops sched_fo;
extern const struct sched_ops sched_ovf;
extern const struct sched_ops sched_twos;
extern const struct sched_ops sched_none;

/* One line per scheduler. */
static const struct sched_ops *const schedulers[] = {
	&sched_rr,
	&sched_wrr,
	&sched_lc,
	&sched_wlc,
	&sched_sed,
	&sched_nq,
	&sched_lblc,
	&sched_lblcr,
	&sched_dh,
	&sched_sh,
	&sched_mh,
	&sched_conhash,
	&sched_fo,
	&sched_ovf,
	&sched_twos,
	&sched_none,
};

const struct sched_ops *sched_find(const char *name)
{
	for (size_t i = 0; i < sizeof(schedulers) / sizeof(schedulers[0]); i++)
		if (strcmp(schedulers[i]->name, name) == 0)
			return schedulers[i];
	return NULL;
}

void sched_names(char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof(schedulers) / sizeof(schedulers[0]) && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%s", i ? " " : "", schedulers[i]->name);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}
