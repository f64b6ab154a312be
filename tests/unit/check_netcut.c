/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netcut's verdict and rationale against the result model: a PASS names
 * only the sub-checks that ran, a missing recipe is "not checked", a
 * required sub-check that could not run is INCONCLUSIVE, a value inside
 * the uncertainty band under the inconclusive rule is INCONCLUSIVE.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "core/result.h"
#include "netcut_verdict.h"

static struct nc_summary
full(void)
{
	struct nc_summary s;

	memset(&s, 0, sizeof(s));
	s.trials = s.passed = 3;
	s.cut_mode = "link-down";
	s.limit_ms = 10000;
	s.min_db = 85;
	s.min_dur_ms = 1000;
	s.audible = s.visual = NC_SUB_RAN;
	s.light_kind = "steady";
	s.negatives = 2;
	s.negative_kinds = "empty, foliage";
	s.event = s.backlog = NC_SUB_RAN;
	return s;
}

static struct hq_result *
judged(const struct nc_summary *s)
{
	struct hq_result *r = hq_result_new("t/netcut", 0);

	ck_assert_ptr_nonnull(r);
	nc_verdict(r, s);
	return r;
}

START_TEST(test_netcut_pass_all_ran)
{
	struct nc_summary s = full();
	struct hq_result *r = judged(&s);
	const char *why = hq_result_rationale(r);

	ck_assert_int_eq(hq_result_verdict(r), HQ_PASS);
	ck_assert_ptr_nonnull(strstr(why, "3 of 3 trials"));
	ck_assert_ptr_nonnull(strstr(why, "audible alarm within 10000 ms"));
	ck_assert_ptr_nonnull(strstr(why, "visual alarm (steady)"));
	ck_assert_ptr_nonnull(strstr(why, "2 negative controls per trial "
	    "(empty, foliage)"));
	ck_assert_ptr_nonnull(strstr(why, "event in the local log"));
	ck_assert_ptr_nonnull(strstr(why, "reconnected and backlog uploaded"));
	ck_assert_ptr_null(strstr(why, "not checked"));
	hq_result_free(r);
}
END_TEST

START_TEST(test_netcut_pass_no_recipes)
{
	struct nc_summary s = full();
	struct hq_result *r;
	const char *why;

	s.event = NC_SUB_NO_RECIPE;
	s.backlog = NC_SUB_NO_RECIPE;
	r = judged(&s);
	why = hq_result_rationale(r);
	ck_assert_int_eq(hq_result_verdict(r), HQ_PASS);
	/* Only what ran is claimed; the rest is said not checked. */
	ck_assert_ptr_null(strstr(why, "event in the local log"));
	ck_assert_ptr_null(strstr(why, "reconnected"));
	ck_assert_ptr_nonnull(strstr(why, "not checked: local event log (no "
	    "alarm.events recipe), reconnection and backlog upload (no "
	    "alarm.cloud recipe)"));
	hq_result_free(r);
}
END_TEST

START_TEST(test_netcut_required_missing)
{
	struct nc_summary s = full();
	struct hq_result *r;

	s.event = NC_SUB_NO_RECIPE;
	s.event_required = true;
	r = judged(&s);
	ck_assert_int_eq(hq_result_verdict(r), HQ_INCONCLUSIVE);
	ck_assert_ptr_nonnull(strstr(hq_result_rationale(r), "required "
	    "sub-check could not run: the local event log"));
	hq_result_free(r);
	/* A finding still FAILs: a FAIL is definite. */
	s.findings = 1;
	s.passed = 2;
	r = judged(&s);
	ck_assert_int_eq(hq_result_verdict(r), HQ_FAIL);
	hq_result_free(r);
}
END_TEST

START_TEST(test_netcut_not_required)
{
	struct nc_summary s = full();
	struct hq_result *r;
	const char *why;

	s.visual = NC_SUB_NOT_REQUIRED;
	s.backlog = NC_SUB_NOT_REQUIRED;
	r = judged(&s);
	why = hq_result_rationale(r);
	ck_assert_int_eq(hq_result_verdict(r), HQ_PASS);
	ck_assert_ptr_null(strstr(why, "visual alarm (steady)"));
	ck_assert_ptr_nonnull(strstr(why, "not checked: visual alarm (not "
	    "required by the profile), reconnection and backlog upload (not "
	    "required by the profile)"));
	hq_result_free(r);
}
END_TEST

/* The decision comes from hq_measure: under the inconclusive rule a
 * value inside the band is undecided, and the case INCONCLUSIVE. */
START_TEST(test_netcut_within_uncertainty)
{
	struct hq_result *r = hq_result_new("t/netcut", 0);
	struct nc_summary s = full();

	ck_assert_ptr_nonnull(r);
	hq_result_set_rule(r, HQ_RULE_INCONCLUSIVE);
	ck_assert_int_eq(hq_measure(r, "trial1.audible_duration", 999.9,
	    "ms", ">=", 1000, 10), HQ_CONF_UNDECIDED);
	s.undecided = 1;
	s.passed = 2;
	snprintf(s.undecided_what, sizeof(s.undecided_what),
	    "trial1.audible_duration = 999.9 ms, limit >= 1000");
	nc_verdict(r, &s);
	ck_assert_int_eq(hq_result_verdict(r), HQ_INCONCLUSIVE);
	ck_assert_ptr_nonnull(strstr(hq_result_rationale(r),
	    "within uncertainty: trial1.audible_duration"));
	hq_result_free(r);
}
END_TEST

/* An onset a little before the stimulus (clock skew inside the
 * uncertainty) is an alarm at the stimulus; earlier is undecided. */
START_TEST(test_netcut_latency)
{
	double v;

	v = 412.5;
	ck_assert_int_eq(nc_latency(&v, 2.1), NC_LAT_OK);
	ck_assert(v == 412.5);
	v = 0;
	ck_assert_int_eq(nc_latency(&v, 2.1), NC_LAT_OK);
	v = -0.4;
	ck_assert_int_eq(nc_latency(&v, 2.1), NC_LAT_AT_STIMULUS);
	ck_assert(v == 0);
	v = -2.1;
	ck_assert_int_eq(nc_latency(&v, 2.1), NC_LAT_AT_STIMULUS);
	v = -2.2;
	ck_assert_int_eq(nc_latency(&v, 2.1), NC_LAT_BEFORE);
	ck_assert(v == -2.2);
	v = -45;
	ck_assert_int_eq(nc_latency(&v, 5), NC_LAT_BEFORE);
}
END_TEST

START_TEST(test_netcut_fail)
{
	struct nc_summary s = full();
	struct hq_result *r;

	s.findings = 2;
	s.passed = 1;
	r = judged(&s);
	ck_assert_int_eq(hq_result_verdict(r), HQ_FAIL);
	ck_assert_ptr_nonnull(strstr(hq_result_rationale(r), "2 findings in "
	    "3 trials (1 passed)"));
	hq_result_free(r);
}
END_TEST



Suite *
suite_netcut(void)
{
	Suite *s = suite_create("netcut");
	TCase *tc = tcase_create("verdict");

	tcase_add_test(tc, test_netcut_pass_all_ran);
	tcase_add_test(tc, test_netcut_pass_no_recipes);
	tcase_add_test(tc, test_netcut_required_missing);
	tcase_add_test(tc, test_netcut_not_required);
	tcase_add_test(tc, test_netcut_within_uncertainty);
	tcase_add_test(tc, test_netcut_fail);
	tcase_add_test(tc, test_netcut_latency);
	suite_add_tcase(s, tc);
	return s;
}
