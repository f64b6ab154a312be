/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Medians and the Mann-Whitney U test.  The normal approximation is good
 * for n1, n2 >= 8 (Mann and Whitney 1947); ties get the usual variance
 * correction, and a continuity correction of 0.5 is applied to |U - mu|.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/stats.h"

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b ? 1 : 0;
}

double
hq_stats_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct obs {
	double	v;
	int	grp;
};

static int
cmp_obs(const void *x, const void *y)
{
	return cmp_double(&((const struct obs *)x)->v,
	    &((const struct obs *)y)->v);
}

int
hq_stats_mwu(const double *a, size_t na, const double *b, size_t nb,
    struct hq_mwu *out)
{
	size_t n = na + nb, i, j;
	struct obs *o;
	double r1 = 0, tie = 0, mu, sigma2, d;

	if (na == 0 || nb == 0 || n > HQ_STATS_N_MAX)
		return HQ_EINVAL;
	if ((o = calloc(n, sizeof(*o))) == NULL)
		return HQ_ENOMEM;
	for (i = 0; i < na; i++)
		o[i] = (struct obs){ a[i], 0 };
	for (i = 0; i < nb; i++)
		o[na + i] = (struct obs){ b[i], 1 };
	qsort(o, n, sizeof(*o), cmp_obs);
	for (i = 0; i < n; i = j) {
		double rank, t;

		for (j = i + 1; j < n && o[j].v == o[i].v; j++)
			;
		rank = ((double)i + 1 + (double)j) / 2;	/* mean rank */
		t = (double)(j - i);
		tie += t * t * t - t;
		for (size_t k = i; k < j; k++)
			if (o[k].grp == 0)
				r1 += rank;
	}
	free(o);
	out->u = r1 - (double)na * ((double)na + 1) / 2;
	mu = (double)na * (double)nb / 2;
	sigma2 = (double)na * (double)nb / 12 *
	    (((double)n + 1) - tie / ((double)n * ((double)n - 1)));
	out->effect = out->u / ((double)na * (double)nb);
	if (sigma2 <= 0) {		/* every value equal */
		out->z = 0;
		out->p = 1;
		return 0;
	}
	d = fabs(out->u - mu) - 0.5;
	if (d < 0)
		d = 0;
	out->z = (out->u >= mu ? d : -d) / sqrt(sigma2);
	out->p = erfc(fabs(out->z) / sqrt(2.0));
	if (out->p > 1)
		out->p = 1;
	return 0;
}

/* The Wilson interval for a real count k of n (n > 0). */
static void
wilson_real(double k, double n, double z, double *lop, double *hip)
{
	double p = k / n, z2 = z * z, den = 1 + z2 / n;
	double mid = (p + z2 / (2 * n)) / den;
	double half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / den;

	*lop = mid - half < 0 ? 0 : mid - half;
	*hip = mid + half > 1 ? 1 : mid + half;
	/* exactly 0 or 1 observed: the bound on that side is exact */
	if (k <= 0)
		*lop = 0;
	if (k >= n)
		*hip = 1;
}

void
hq_stats_wilson(unsigned long k, unsigned long n, double z, double *lop,
    double *hip)
{
	if (n == 0 || k > n) {
		*lop = 0;
		*hip = 1;
		return;
	}
	wilson_real((double)k, (double)n, z, lop, hip);
}

static enum hq_rate_decision
rate_side(double lo, double hi, bool at_least, double limit)
{
	if (at_least)
		return lo >= limit ? HQ_RATE_CLEARS : hi < limit ?
		    HQ_RATE_MISSES : HQ_RATE_STRADDLES;
	return hi <= limit ? HQ_RATE_CLEARS : lo > limit ? HQ_RATE_MISSES :
	    HQ_RATE_STRADDLES;
}

int
hq_stats_rate_decide(unsigned long k, unsigned long n, const char *op,
    double limit, enum hq_rate_decision *decp, unsigned long *needp)
{
	double lo, hi, p;
	unsigned long m;
	bool at_least;

	if (needp != NULL)
		*needp = 0;
	if (strcmp(op, ">=") == 0)
		at_least = true;
	else if (strcmp(op, "<=") == 0)
		at_least = false;
	else
		return HQ_EINVAL;
	if (k > n || n > HQ_STATS_N_MAX || !(limit >= 0 && limit <= 1))
		return HQ_EINVAL;
	hq_stats_wilson(k, n, HQ_STATS_Z95, &lo, &hi);
	*decp = n == 0 ? HQ_RATE_STRADDLES : rate_side(lo, hi, at_least,
	    limit);
	if (*decp != HQ_RATE_STRADDLES || n == 0 || needp == NULL)
		return 0;
	/* the same observed rate over more trials: the interval narrows
	 * as 1/sqrt(m), so the first m that decides is the answer */
	p = (double)k / (double)n;
	for (m = n + 1; m <= HQ_STATS_N_MAX; m++) {
		wilson_real(p * (double)m, (double)m, HQ_STATS_Z95, &lo, &hi);
		if (rate_side(lo, hi, at_least, limit) != HQ_RATE_STRADDLES) {
			*needp = m;
			break;
		}
	}
	return 0;
}
