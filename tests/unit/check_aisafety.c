/* SPDX-License-Identifier: Apache-2.0 */
/* The aisafety family's parameters: what a profile may and may not say. */
#include <check.h>

#include "family.h"

Suite *suite_aisafety(void);

static int
params_rc(const char *text)
{
	const struct hq_family *f = hq_family_find("aisafety");
	cJSON *j = cJSON_Parse(text);
	struct hq_err err = { 0 };
	int rc;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(j);
	rc = f->check_params(j, &err);
	cJSON_Delete(j);
	return rc;
}

START_TEST(test_aisafety_params)
{
	ck_assert_int_eq(params_rc("{\"check\":\"recognition\","
	    "\"detection_min\":0.9,\"false_alarm_max\":0.1}"), 0);
	ck_assert_int_eq(params_rc("{\"check\":\"recognition\","
	    "\"corruptions\":[\"lowlight\",\"jpeg\"],\"severities\":[0,5],"
	    "\"box\":[1,2,3,4],\"detection_min\":0.9,"
	    "\"false_alarm_max\":0.1}"), 0);
	ck_assert_int_eq(params_rc("{\"check\":\"failsafe\","
	    "\"fault_within_ms\":1000,\"inputs\":[\"black\"]}"), 0);
	ck_assert_int_eq(params_rc("{\"check\":\"model-integrity\"}"), 0);
	/* limits are required for what they decide */
	ck_assert_int_eq(params_rc("{\"check\":\"recognition\","
	    "\"detection_min\":0.9}"), HQ_EINVAL);
	ck_assert_int_eq(params_rc("{\"check\":\"failsafe\"}"), HQ_EINVAL);
	ck_assert_int_eq(params_rc("{\"check\":\"recognition\","
	    "\"corruptions\":[\"fog\"],\"detection_min\":0.9,"
	    "\"false_alarm_max\":0.1}"), HQ_EINVAL);
	ck_assert_int_eq(params_rc("{\"check\":\"recognition\","
	    "\"severities\":[6],\"detection_min\":0.9,"
	    "\"false_alarm_max\":0.1}"), HQ_EINVAL);
	ck_assert_int_eq(params_rc("{\"check\":\"recognition\","
	    "\"detection_min\":1.5,\"false_alarm_max\":0.1}"), HQ_EINVAL);
	ck_assert_int_eq(params_rc("{\"check\":\"recognition\","
	    "\"box\":[1,2,3],\"detection_min\":0.9,"
	    "\"false_alarm_max\":0.1}"), HQ_EINVAL);
	ck_assert_int_eq(params_rc("{\"check\":\"failsafe\","
	    "\"fault_within_ms\":1000,\"inputs\":[\"smoke\"]}"), HQ_EINVAL);
	ck_assert_int_eq(params_rc("{\"check\":\"vibes\"}"), HQ_EINVAL);
	ck_assert_int_eq(params_rc("{\"check\":\"model-integrity\","
	    "\"unknown\":1}"), HQ_EINVAL);
}
END_TEST

Suite *
suite_aisafety(void)
{
	Suite *s = suite_create("aisafety");
	TCase *tc = tcase_create("params");

	tcase_add_test(tc, test_aisafety_params);
	suite_add_tcase(s, tc);
	return s;
}
