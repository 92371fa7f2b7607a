/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health_sm: rise and fall, as keepalived and HAProxy count them. A
 * state changes only after a run of equal results, so one lost probe
 * (a dropped SYN, a slow answer) does not flap a server; any result of
 * the other kind starts the run again.
 */
#include <stdint.h>

#include "dpvs/health.h"
#include "control/health.h"

static uint32_t inc(uint32_t n)
{
	return n == UINT32_MAX ? n : n + 1; /* a run of years saturates */
}

bool health_sm_feed(struct health_sm *sm, bool ok, uint32_t rise, uint32_t fall)
{
	if (ok) {
		sm->ok_run = inc(sm->ok_run);
		sm->fail_run = 0;
		if (sm->state == DPVS_CHECK_DOWN && sm->ok_run >= rise) {
			sm->state = DPVS_CHECK_UP;
			return true;
		}
		return false;
	}
	sm->fail_run = inc(sm->fail_run);
	sm->ok_run = 0;
	if (sm->state == DPVS_CHECK_UP && sm->fail_run >= fall) {
		sm->state = DPVS_CHECK_DOWN;
		return true;
	}
	return false;
}
