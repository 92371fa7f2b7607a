/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside libdpvsctl: the one way its functions report an error, a
 * formatted message into the caller's (err, errlen) buffer, which may be
 * NULL, plus the code to return. Keeps every "fail with a reason" a single
 * expression.
 */
#ifndef DPVS_ERRF_H
#define DPVS_ERRF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline int dpvs_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int dpvs_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

#endif /* DPVS_ERRF_H */
