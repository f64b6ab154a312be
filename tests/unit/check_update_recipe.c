/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The update family's recipe reader names the recipe it reads: the
 * firmware's ("update.*") or the deployed AI model's
 * ("ai.model.update.*"), so an operator is sent to the right key.  The
 * family's file is compiled in here for its static parts (its ops table
 * renamed: the runner links the family object too).
 */
#include <string.h>

#include <check.h>

#define hq_family_update hq_family_update_under_test
#include "../../testcases/update.c"

static void
read_recipe(const char *json, const char *base, struct hq_err *err,
    int want)
{
	struct hq_dut dut;
	struct recipe r;
	cJSON *u = cJSON_Parse(json);

	ck_assert_ptr_nonnull(u);
	memset(&dut, 0, sizeof(dut));
	hq_err_clear(err);
	ck_assert_int_eq(recipe_read(&dut, u, base, &r, err), want);
	cJSON_Delete(u);
}

START_TEST(test_update_recipe_base)
{
	static const char *const bad[] = {
		/* pull without a trigger */
		"{ \"pull\": { \"listen\": \"198.18.0.1\" } }",
		/* push without a path */
		"{ \"submit\": { \"request\": { \"surface\": \"web\" } } }",
	};
	static const char *const where[] = { "pull:", "submit.request:" };
	struct hq_err err;
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		read_recipe(bad[i], "update", &err, HQ_EINVAL);
		snprintf(want, sizeof(want), "update.%s", where[i]);
		ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0,
		    "%s", err.msg);
		read_recipe(bad[i], "ai.model.update", &err, HQ_EINVAL);
		snprintf(want, sizeof(want), "ai.model.update.%s", where[i]);
		ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0,
		    "%s", err.msg);
	}
}
END_TEST

Suite *suite_update_recipe(void);

Suite *
suite_update_recipe(void)
{
	Suite *s = suite_create("update_recipe");
	TCase *tc = tcase_create("recipe");

	tcase_add_test(tc, test_update_recipe_base);
	suite_add_tcase(s, tc);
	return s;
}
