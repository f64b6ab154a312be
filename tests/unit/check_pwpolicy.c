/* SPDX-License-Identifier: Apache-2.0 */
/* Password policy, derivability, dictionary parsing, redaction, and the
 * Mann-Whitney U test used by the creds family. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "util/err.h"
#include "util/pwpolicy.h"
#include "util/stats.h"

Suite *suite_pwpolicy(void);

static const struct hq_pwpolicy qcvn = {
	.min_len = 8,
	.required = HQ_PW_UPPER | HQ_PW_LOWER | HQ_PW_DIGIT | HQ_PW_SPECIAL,
	.min_classes = 4,
};

START_TEST(test_pwpolicy_classes)
{
	ck_assert_uint_eq(hq_pw_classes("aB3!"), HQ_PW_UPPER | HQ_PW_LOWER |
	    HQ_PW_DIGIT | HQ_PW_SPECIAL);
	ck_assert_uint_eq(hq_pw_classes("abc"), HQ_PW_LOWER);
	ck_assert_uint_eq(hq_pw_classes(""), 0);
	ck_assert_uint_eq(hq_pw_classes("m\xc3\xa4t"), HQ_PW_LOWER |
	    HQ_PW_SPECIAL);
	ck_assert_uint_eq(hq_pw_length("m\xc3\xa4t"), 3);
}
END_TEST

START_TEST(test_pwpolicy_check)
{
	char why[256];

	ck_assert_uint_eq(hq_pwpolicy_check(&qcvn, "k7#Vq2@Lm9zX", why,
	    sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	ck_assert_uint_eq(hq_pwpolicy_check(&qcvn, "Ab1!", why, sizeof(why)),
	    1);
	ck_assert_str_eq(why, "shorter than the policy's 8 characters");
	ck_assert_uint_gt(hq_pwpolicy_check(&qcvn, "Admin0001", why,
	    sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "missing: special"));
	/* A tiny buffer truncates, never overflows. */
	ck_assert_uint_gt(hq_pwpolicy_check(&qcvn, "a", why, 5), 0);
	ck_assert_uint_lt(strlen(why), 5);
}
END_TEST

START_TEST(test_pwpolicy_derived)
{
	char why[128];

	ck_assert(hq_pw_derived("CS-0001", "CS-0001", NULL, why,
	    sizeof(why)));
	ck_assert_str_eq(why, "derived from the serial number");
	ck_assert(hq_pw_derived("Admin0001", "CS-0001", NULL, why,
	    sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "derived from the serial number"));
	ck_assert(hq_pw_derived("x!5e102031", NULL, "02:00:5E:10:20:31", why,
	    sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "MAC address"));
	ck_assert(hq_pw_derived("q1000SC", "CS0001", NULL, why, sizeof(why)));
	ck_assert_str_eq(why, "derived from the serial number");
	ck_assert(!hq_pw_derived("k7#Vq2@Lm9zX", "CS-0001",
	    "02:00:5e:10:20:31", why, sizeof(why)));
	ck_assert(!hq_pw_derived("abc", "AB", "", why, sizeof(why)));
}
END_TEST

START_TEST(test_pwpolicy_affix)
{
	ck_assert_uint_eq(hq_pw_common_prefix("Admin@0001", "Admin@0002"), 9);
	ck_assert_uint_eq(hq_pw_common_suffix("x-secret", "y-secret"), 7);
	ck_assert_uint_eq(hq_pw_common_prefix("", "a"), 0);
}
END_TEST

START_TEST(test_pwpolicy_redact)
{
	char out[48];

	hq_pw_redact("admin", out, sizeof(out));
	ck_assert_str_eq(out, "***");
	hq_pw_redact("", out, sizeof(out));
	ck_assert_str_eq(out, "(empty)");
	hq_pw_redact("abc", out, sizeof(out));
	ck_assert_str_eq(out, "***");
	hq_pw_redact("\xc3\xa4xyz", out, sizeof(out));
	ck_assert_str_eq(out, "***");
}
END_TEST

START_TEST(test_pwpolicy_random)
{
	char a[17], b[17];

	ck_assert_int_eq(hq_pw_random(a, 16, NULL), 0);
	ck_assert_int_eq(hq_pw_random(b, 16, NULL), 0);
	ck_assert_uint_eq(strlen(a), 16);
	ck_assert_str_ne(a, b);
}
END_TEST

static const char dict_text[] =
    "# comment\n"
    "@source one\n"
    "root\txc3511\n"
    "admin\t(none)\n"
    "\n"
    "@source two\n"
    "root\txc3511\n"		/* duplicate: dropped */
    "ubnt\tubnt\r\n";

START_TEST(test_pwpolicy_dict_valid)
{
	struct hq_creddict *d = NULL;
	struct hq_err err = { 0 };

	ck_assert_int_eq(hq_creddict_parse("t", dict_text, strlen(dict_text),
	    &d, &err), 0);
	ck_assert_uint_eq(d->n, 3);
	ck_assert_str_eq(d->v[0].user, "root");
	ck_assert_str_eq(d->v[0].source, "one");
	ck_assert_str_eq(d->v[1].password, "");
	ck_assert_str_eq(d->v[2].password, "ubnt");
	ck_assert_str_eq(d->v[2].source, "two");
	ck_assert(hq_creddict_has_password(d, "xc3511"));
	ck_assert(!hq_creddict_has_password(d, "XC3511"));
	hq_creddict_free(d);
}
END_TEST

START_TEST(test_pwpolicy_dict_bad)
{
	static const char *const bad[] = {
		"root\tpw\n",			/* no @source first */
		"@source s\nrootpw\n",		/* no TAB */
		"@source s\nroot\tp\tw\n",	/* two TABs */
		"@source s\n\tpw\n",		/* empty user */
		"@source s\nroot\t\n",		/* empty password field */
		"@source s\n",			/* no entries */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hq_creddict *d = NULL;
		struct hq_err err = { 0 };

		ck_assert_int_eq(hq_creddict_parse("t", bad[i], strlen(bad[i]),
		    &d, &err), HQ_EINVAL);
		ck_assert_ptr_null(d);
	}
}
END_TEST

/* Every prefix of a valid file parses or fails cleanly (ASan: exact heap
 * copy, no NUL past the length). */
START_TEST(test_pwpolicy_dict_truncated)
{
	char *copy = malloc((size_t)_i + 1);
	struct hq_creddict *d = NULL;
	struct hq_err err = { 0 };
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, dict_text, (size_t)_i);
	copy[_i] = '\0';
	rc = hq_creddict_parse("t", copy, (size_t)_i, &d, &err);
	ck_assert(rc == 0 || rc == HQ_EINVAL);
	ck_assert(rc != 0 || d->n >= 1);
	hq_creddict_free(d);
	free(copy);
}
END_TEST

START_TEST(test_pwpolicy_dict_overlong)
{
	char buf[600];
	struct hq_creddict *d = NULL;
	struct hq_err err = { 0 };

	strcpy(buf, "@source s\nroot\t");
	memset(buf + strlen(buf), 'x', HQ_DICT_FIELD_MAX + 1);
	buf[15 + HQ_DICT_FIELD_MAX + 1] = '\0';
	ck_assert_int_eq(hq_creddict_parse("t", buf, strlen(buf), &d, &err),
	    HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "field over"));
}
END_TEST

START_TEST(test_pwpolicy_dict_shipped)
{
	struct hq_creddict *d = NULL;
	struct hq_err err = { 0 };
	const char *top = getenv("HQ_TOP");
	char path[1024];
	size_t i;
	bool mirai = false;

	snprintf(path, sizeof(path), "%s/profiles/data/default-credentials.txt",
	    top != NULL ? top : ".");
	ck_assert_msg(hq_creddict_load(path, &d, &err) == 0, "%s", err.msg);
	ck_assert_uint_ge(d->n, 60);
	for (i = 0; i < d->n; i++)
		if (strcmp(d->v[i].user, "root") == 0 &&
		    strcmp(d->v[i].password, "xc3511") == 0)
			mirai = true;
	ck_assert(mirai);
	hq_creddict_free(d);
}
END_TEST

START_TEST(test_stats_mwu)
{
	double a[10], b[10], m;
	struct hq_mwu u;
	size_t i;

	/* Fully separated samples of 10: U = 0, exact p = 2/C(20,10). */
	for (i = 0; i < 10; i++) {
		a[i] = (double)i;
		b[i] = 100.0 + (double)i;
	}
	ck_assert_int_eq(hq_stats_mwu(a, 10, b, 10, &u), 0);
	ck_assert(fabs(u.u) < 1e-9);
	ck_assert(u.p < 0.001);
	/* Identical samples: no evidence at all. */
	ck_assert_int_eq(hq_stats_mwu(a, 10, a, 10, &u), 0);
	ck_assert(u.p > 0.9);
	/* All ties: p = 1, no division by zero. */
	for (i = 0; i < 10; i++)
		a[i] = b[i] = 1.0;
	ck_assert_int_eq(hq_stats_mwu(a, 10, b, 10, &u), 0);
	ck_assert(u.p == 1.0);
	ck_assert_int_eq(hq_stats_mwu(a, 0, b, 10, &u), HQ_EINVAL);
	/* Interleaved: a known value, U = 45 of 100 -> p ~ 0.73. */
	for (i = 0; i < 10; i++) {
		a[i] = (double)(2 * i);
		b[i] = (double)(2 * i + 1);
	}
	ck_assert_int_eq(hq_stats_mwu(a, 10, b, 10, &u), 0);
	ck_assert(fabs(u.u - 45.0) < 1e-9);
	ck_assert(u.p > 0.6 && u.p < 0.8);
	m = hq_stats_median(a, 10);
	ck_assert(fabs(m - 9.0) < 1e-9);
}
END_TEST

Suite *
suite_pwpolicy(void)
{
	Suite *s = suite_create("pwpolicy");
	TCase *tc;

	tc = tcase_create("policy");
	tcase_add_test(tc, test_pwpolicy_classes);
	tcase_add_test(tc, test_pwpolicy_check);
	tcase_add_test(tc, test_pwpolicy_derived);
	tcase_add_test(tc, test_pwpolicy_affix);
	tcase_add_test(tc, test_pwpolicy_redact);
	tcase_add_test(tc, test_pwpolicy_random);
	suite_add_tcase(s, tc);
	tc = tcase_create("dictionary");
	tcase_add_test(tc, test_pwpolicy_dict_valid);
	tcase_add_test(tc, test_pwpolicy_dict_bad);
	tcase_add_loop_test(tc, test_pwpolicy_dict_truncated, 0,
	    (int)sizeof(dict_text) - 1);
	tcase_add_test(tc, test_pwpolicy_dict_overlong);
	tcase_add_test(tc, test_pwpolicy_dict_shipped);
	suite_add_tcase(s, tc);
	tc = tcase_create("stats");
	tcase_add_test(tc, test_stats_mwu);
	suite_add_tcase(s, tc);
	return s;
}
