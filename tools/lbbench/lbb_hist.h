/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_hist: a latency histogram with bounded relative error, and its
 * percentiles. Pure, fixed-size (no allocation while recording), so the
 * receive loop can record every packet's round trip at full rate.
 *
 * Buckets: exact below 128 ns; above, 64 sub-buckets per power of two
 * (under 1.6% error), up to 2^40 ns (about 18 minutes). A percentile is
 * reported as the middle of the bucket holding that rank.
 */
#ifndef LBB_HIST_H
#define LBB_HIST_H

#include <stdint.h>

#define LBB_HIST_LINEAR 128u
#define LBB_HIST_SUB 64u
#define LBB_HIST_MAX_EXP 40u
#define LBB_HIST_BUCKETS (LBB_HIST_LINEAR + (LBB_HIST_MAX_EXP - 7u) * LBB_HIST_SUB)

struct lbb_hist {
	uint64_t count;
	uint64_t min, max;   /* ns, exact */
	double sum;          /* ns, for the mean */
	uint64_t bucket[LBB_HIST_BUCKETS];
};

void lbb_hist_reset(struct lbb_hist *h);
void lbb_hist_add(struct lbb_hist *h, uint64_t ns);
/* The value at percentile p (0 < p <= 100); 0 for an empty histogram. */
uint64_t lbb_hist_percentile(const struct lbb_hist *h, double p);
double lbb_hist_mean(const struct lbb_hist *h);

/* Bucket arithmetic, exposed for the tests. */
unsigned lbb_hist_index(uint64_t ns);
uint64_t lbb_hist_lower(unsigned idx);
uint64_t lbb_hist_upper(unsigned idx); /* exclusive */

#endif /* LBB_HIST_H */
