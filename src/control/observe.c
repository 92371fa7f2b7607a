/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * observe: starts and stops what observe.h lists, in the order that lets
 * each see the others (capture first: the metrics report it).
 */
#include "control/observe.h"

int observe_start(struct ev_loop *loop, const char *metrics_listen, char *err, size_t errlen)
{
	int rc;

	capture_ctl_register(loop);
	rc = telemetry_start(loop, err, errlen);
	if (rc == 0)
		rc = metrics_start(loop, metrics_listen, err, errlen);
	if (rc < 0)
		observe_stop();
	return rc;
}

void observe_stop(void)
{
	metrics_stop();
	telemetry_stop();
	/* while the workers still run: the last copies reach the file */
	capture_ctl_fini();
}
