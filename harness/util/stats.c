/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Medians and the Mann-Whitney U test.  The normal approximation is good
 * for n1, n2 >= 8 (Mann and Whitney 1947); ties get the usual variance
 * correction, and a continuity correction of 0.5 is applied to |U - mu|.
 */
#include <math.h>
#include <stdlib.h>

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
