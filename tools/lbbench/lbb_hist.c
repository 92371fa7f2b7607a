/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_hist: log-linear latency histogram (see lbb_hist.h).
 */
#include <math.h>
#include <string.h>

#include "lbb_hist.h"

void lbb_hist_reset(struct lbb_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned lbb_hist_index(uint64_t ns)
{
	unsigned e;

	if (ns < LBB_HIST_LINEAR)
		return (unsigned)ns;
	e = 63u - (unsigned)__builtin_clzll(ns); /* 7 .. 63 */
	if (e >= LBB_HIST_MAX_EXP)
		return LBB_HIST_BUCKETS - 1; /* clamp: the max field keeps the truth */
	/* the 6 bits below the leading one pick the sub-bucket */
	return LBB_HIST_LINEAR + (e - 7u) * LBB_HIST_SUB +
	       (unsigned)((ns >> (e - 6u)) & (LBB_HIST_SUB - 1));
}

uint64_t lbb_hist_lower(unsigned idx)
{
	unsigned e, sub;

	if (idx < LBB_HIST_LINEAR)
		return idx;
	e = 7u + (idx - LBB_HIST_LINEAR) / LBB_HIST_SUB;
	sub = (idx - LBB_HIST_LINEAR) % LBB_HIST_SUB;
	return (uint64_t)(LBB_HIST_SUB + sub) << (e - 6u);
}

uint64_t lbb_hist_upper(unsigned idx)
{
	unsigned e;

	if (idx < LBB_HIST_LINEAR)
		return idx + 1u;
	e = 7u + (idx - LBB_HIST_LINEAR) / LBB_HIST_SUB;
	return lbb_hist_lower(idx) + (1ull << (e - 6u));
}

void lbb_hist_add(struct lbb_hist *h, uint64_t ns)
{
	h->bucket[lbb_hist_index(ns)]++;
	h->count++;
	h->sum += (double)ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

uint64_t lbb_hist_percentile(const struct lbb_hist *h, double p)
{
	uint64_t rank, seen = 0, mid;

	if (h->count == 0 || p <= 0)
		return 0;
	if (p >= 100)
		return h->max;
	/* the smallest value with at least p% of the samples at or below it */
	/* the epsilon keeps 99.9% of 1000 at 999, not 1000, despite rounding */
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count - 1e-9);
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < LBB_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen < rank)
			continue;
		if (i < LBB_HIST_LINEAR)
			return i;
		mid = (lbb_hist_lower(i) + lbb_hist_upper(i) - 1) / 2;
		/* never report outside what was actually seen */
		if (mid < h->min)
			mid = h->min;
		if (mid > h->max)
			mid = h->max;
		return mid;
	}
	return h->max;
}

double lbb_hist_mean(const struct lbb_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}
