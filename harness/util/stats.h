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

#endif
