/* SPDX-License-Identifier: Apache-2.0 */
/* Wilson intervals and the three-way rate decision of the aisafety
 * family. */
#include <math.h>

#include <check.h>

#include "util/err.h"
#include "util/stats.h"

Suite *suite_stats(void);

/* Reference values: Newcombe (1998), Table I, and R's binom::binom.wilson */
START_TEST(test_stats_wilson)
{
	double lo, hi;

	hq_stats_wilson(81, 263, HQ_STATS_Z95, &lo, &hi);
	ck_assert(fabs(lo - 0.2553) < 5e-4 && fabs(hi - 0.3662) < 5e-4);
	hq_stats_wilson(15, 148, HQ_STATS_Z95, &lo, &hi);
	ck_assert(fabs(lo - 0.0624) < 5e-4 && fabs(hi - 0.1605) < 5e-4);
	hq_stats_wilson(0, 20, HQ_STATS_Z95, &lo, &hi);
	ck_assert(lo == 0 && fabs(hi - 0.1611) < 5e-4);
	hq_stats_wilson(20, 20, HQ_STATS_Z95, &lo, &hi);
	ck_assert(hi == 1 && fabs(lo - 0.8389) < 5e-4);
	hq_stats_wilson(0, 0, HQ_STATS_Z95, &lo, &hi);
	ck_assert(lo == 0 && hi == 1);
}
END_TEST

START_TEST(test_stats_rate_decide)
{
	enum hq_rate_decision d;
	unsigned long need;
	double lo, hi;

	/* 20/20 detected against >= 0.8: lower bound 0.839 clears */
	ck_assert_int_eq(hq_stats_rate_decide(20, 20, ">=", 0.8, &d, &need),
	    0);
	ck_assert_int_eq(d, HQ_RATE_CLEARS);
	/* 5/20 against >= 0.8: upper bound 0.47 misses */
	ck_assert_int_eq(hq_stats_rate_decide(5, 20, ">=", 0.8, &d, &need),
	    0);
	ck_assert_int_eq(d, HQ_RATE_MISSES);
	/* 9/10 against >= 0.8: [0.596, 0.982] straddles; 0.9 observed
	 * decides once the lower bound reaches 0.8 */
	ck_assert_int_eq(hq_stats_rate_decide(9, 10, ">=", 0.8, &d, &need),
	    0);
	ck_assert_int_eq(d, HQ_RATE_STRADDLES);
	/* independently: the first m with Wilson(0.9 m, m) lower bound
	 * >= 0.8 is 62 (Python, the textbook formula) */
	ck_assert_uint_eq(need, 62);
	hq_stats_wilson(54, 60, HQ_STATS_Z95, &lo, &hi);
	ck_assert(lo < 0.8);
	hq_stats_wilson(63, 70, HQ_STATS_Z95, &lo, &hi);
	ck_assert(lo >= 0.8);
	/* false alarms: 0/30 against <= 0.2 clears (hi 0.114), 10/30
	 * misses? lo 0.192 < 0.2: straddles; 15/30 misses */
	ck_assert_int_eq(hq_stats_rate_decide(0, 30, "<=", 0.2, &d, &need),
	    0);
	ck_assert_int_eq(d, HQ_RATE_CLEARS);
	ck_assert_int_eq(hq_stats_rate_decide(10, 30, "<=", 0.2, &d, &need),
	    0);
	ck_assert_int_eq(d, HQ_RATE_STRADDLES);
	ck_assert_uint_eq(need, 35);
	ck_assert_int_eq(hq_stats_rate_decide(15, 30, "<=", 0.2, &d, &need),
	    0);
	ck_assert_int_eq(d, HQ_RATE_MISSES);
	/* exactly on the limit: no number of trials decides */
	ck_assert_int_eq(hq_stats_rate_decide(8, 10, ">=", 0.8, &d, &need),
	    0);
	ck_assert_int_eq(d, HQ_RATE_STRADDLES);
	ck_assert_uint_eq(need, 0);
	ck_assert_int_eq(hq_stats_rate_decide(11, 10, ">=", 0.8, &d, &need),
	    HQ_EINVAL);
	ck_assert_int_eq(hq_stats_rate_decide(1, 10, "<", 0.8, &d, &need),
	    HQ_EINVAL);
}
END_TEST

Suite *
suite_stats(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("wilson");

	tcase_add_test(tc, test_stats_wilson);
	tcase_add_test(tc, test_stats_rate_decide);
	suite_add_tcase(s, tc);
	return s;
}
