/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small statistics for measurements: medians and the Mann-Whitney U test
 * (two-sided, normal approximation with tie correction), used to decide
 * whether two samples of response times come from the same distribution.
 */
#ifndef HQ_STATS_H
#define HQ_STATS_H

#include <stddef.h>

struct hq_mwu {
	double	u;		/* U of the first sample */
	double	z;		/* standardised, continuity-corrected */
	double	p;		/* two-sided p-value */
	double	effect;		/* common-language effect size U/(n1 n2) */
};

/* The median of v[0..n) (v is left sorted); 0 when n is 0. */
double	hq_stats_median(double *v, size_t n);
/*
 * Mann-Whitney U of a[0..na) against b[0..nb); both need at least 1
 * element and na + nb <= HQ_STATS_N_MAX.  Returns 0, or HQ_EINVAL.
 */
int	hq_stats_mwu(const double *a, size_t na, const double *b, size_t nb,
	    struct hq_mwu *out);

#define HQ_STATS_N_MAX	100000

/*
 * A proportion's Wilson score interval (Wilson 1927; Newcombe 1998
 * recommends it over the normal approximation for small n): k successes
 * of n trials, z the normal quantile (1.959964 for 95 %).  [0, 1] when n
 * is 0.
 */
void	hq_stats_wilson(unsigned long k, unsigned long n, double z,
	    double *lop, double *hip);

enum hq_rate_decision {
	HQ_RATE_CLEARS = 1,	/* the whole interval meets the limit */
	HQ_RATE_MISSES,		/* the whole interval misses it */
	HQ_RATE_STRADDLES,	/* the interval contains the limit */
};

/*
 * Decides the rate k/n against "op limit" (op ">=" for a detection rate
 * that must reach the limit, "<=" for a false-alarm rate that must stay
 * under it) with the 95 % Wilson interval.  When it straddles, *needp
 * (may be NULL) is the smallest number of trials at which the same
 * observed rate would decide, or 0 when none up to HQ_STATS_N_MAX would
 * (the rate sits on the limit).  HQ_EINVAL for another op or k > n.
 */
int	hq_stats_rate_decide(unsigned long k, unsigned long n, const char *op,
	    double limit, enum hq_rate_decision *decp, unsigned long *needp);

#define HQ_STATS_Z95	1.959963984540054

#endif
