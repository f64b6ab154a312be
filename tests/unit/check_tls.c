/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tls family's cleartext rationale (g7.1) against the result model:
 * the PASS names what it counted as encrypted (TLS, SSH, redirects to
 * HTTPS) and lists the ports it could not examine; a declared surface of
 * a protocol the profile requires that could not be examined makes the
 * case INCONCLUSIVE; an SSH-only device PASSes; findings FAIL.  And what
 * g5.5 says of cleartext sent to the impostor is tested end to end
 * (tests/e2e/cases/tls-intercept-cleartext.case).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#define hq_family_tls hq_family_tls_under_test
#include "../../testcases/tls.c"

static struct tls_params
cparams(const char *json)
{
	struct tls_params tp;
	struct hq_err err = { 0 };
	cJSON *j = cJSON_Parse(json);

	ck_assert_int_eq(params_read(j, &tp, &err), 0);
	cJSON_Delete(j);
	return tp;
}

START_TEST(test_tls_cleartext_ssh_only)
{
	struct hq_result *res = hq_result_new("t/g7.1", 0);
	struct ct_sum s;

	memset(&s, 0, sizeof(s));
	s.nexam = 1;
	s.nssh = 1;
	cleartext_verdict(res, &s);
	ck_assert_int_eq(hq_result_verdict(res), HQ_PASS);
	ck_assert_str_eq(hq_result_rationale(res), "1 port examined: no "
	    "cleartext login surface; encrypted: 0 TLS, 1 SSH, 0 redirecting "
	    "to HTTPS");
	hq_result_free(res);
}
END_TEST

START_TEST(test_tls_cleartext_not_checked)
{
	struct tls_params tp = cparams("{\"check\":\"cleartext\"}");
	struct hq_surface rtsp = { .id = "cam", .proto = "rtsp", .port = 554 };
	struct hq_result *res = hq_result_new("t/g7.1", 0);
	struct ct_sum s;

	memset(&s, 0, sizeof(s));
	s.nexam = 2;
	s.ntls = 1;
	s.nredir = 1;
	ct_not_checked(&s, &tp, &rtsp, 554, "no answer");
	ct_not_checked(&s, &tp, NULL, 9000, "no probe named the service");
	cleartext_verdict(res, &s);
	ck_assert_int_eq(hq_result_verdict(res), HQ_PASS);
	ck_assert_str_eq(hq_result_rationale(res), "2 ports examined: no "
	    "cleartext login surface; encrypted: 1 TLS, 0 SSH, 1 redirecting "
	    "to HTTPS; not checked: port 554, declared as cam (no answer); "
	    "port 9000 (no probe named the service)");
	hq_result_free(res);
	params_clear(&tp);
}
END_TEST

START_TEST(test_tls_cleartext_required)
{
	struct tls_params tp = cparams("{\"check\":\"cleartext\","
	    "\"required\":[\"rtsp\"]}");
	struct hq_surface rtsp = { .id = "cam", .proto = "rtsp", .port = 554 };
	struct hq_result *res = hq_result_new("t/g7.1", 0);
	struct ct_sum s;

	memset(&s, 0, sizeof(s));
	s.nexam = 1;
	s.ntls = 1;
	ct_not_checked(&s, &tp, NULL, 9000, "no answer");
	ck_assert_str_eq(s.missing, "");	/* undeclared: not required */
	ct_not_checked(&s, &tp, &rtsp, 554, "no answer");
	cleartext_verdict(res, &s);
	ck_assert_int_eq(hq_result_verdict(res), HQ_INCONCLUSIVE);
	ck_assert_str_eq(hq_result_rationale(res), "required by the profile "
	    "but not checked: cam (rtsp, port 554)");
	hq_result_free(res);
	/* Findings come first. */
	res = hq_result_new("t/g7.1", 0);
	s.nbad = 1;
	cleartext_verdict(res, &s);
	ck_assert_int_eq(hq_result_verdict(res), HQ_FAIL);
	hq_result_free(res);
	params_clear(&tp);
}
END_TEST

START_TEST(test_tls_cleartext_nothing_encrypted)
{
	struct hq_result *res = hq_result_new("t/g7.1", 0);
	struct ct_sum s;

	memset(&s, 0, sizeof(s));
	s.nexam = 3;
	cleartext_verdict(res, &s);
	ck_assert_int_eq(hq_result_verdict(res), HQ_INCONCLUSIVE);
	ck_assert_ptr_nonnull(strstr(hq_result_rationale(res),
	    "no TLS port, no SSH and no redirect"));
	hq_result_free(res);
	res = hq_result_new("t/g7.1", 0);
	memset(&s, 0, sizeof(s));
	cleartext_verdict(res, &s);
	ck_assert_int_eq(hq_result_verdict(res), HQ_INCONCLUSIVE);
	ck_assert_ptr_nonnull(strstr(hq_result_rationale(res),
	    "control failed"));
	hq_result_free(res);
}
END_TEST

Suite *suite_tls(void);

Suite *
suite_tls(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("cleartext");

	tcase_add_test(tc, test_tls_cleartext_ssh_only);
	tcase_add_test(tc, test_tls_cleartext_not_checked);
	tcase_add_test(tc, test_tls_cleartext_required);
	tcase_add_test(tc, test_tls_cleartext_nothing_encrypted);
	suite_add_tcase(s, tc);
	return s;
}
