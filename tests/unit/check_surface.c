/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The surface family's rationale against the result model: a PASS names
 * what the scan covered and lists what it did not check (UDP surfaces,
 * declared ports outside the scanned range, services no probe named); a
 * sub-check the profile marks required that could not run makes the case
 * INCONCLUSIVE; findings and the control come first.  The classifier the
 * surface and tls families share: IAC openings and prompts.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#define hq_family_surface hq_family_surface_under_test
#include "../../testcases/surface.c"

static struct surface_params
params(const char *json)
{
	struct surface_params sp;
	struct hq_err err = { 0 };
	cJSON *j = cJSON_Parse(json);

	ck_assert_int_eq(params_read(j, &sp, &err), 0);
	cJSON_Delete(j);
	return sp;
}

static struct surf_sum
good_sum(void)
{
	struct surf_sum s;

	memset(&s, 0, sizeof(s));
	s.ndecl_tcp = 2;
	s.ndecl_open = 2;
	s.nopen = 2;
	s.nprobed = 65535;
	return s;
}

START_TEST(test_surface_rationale_pass)
{
	struct hq_result *res = hq_result_new("t/g6.1", 0);
	struct surf_sum s = good_sum();

	surface_verdict(res, &s);
	ck_assert_int_eq(hq_result_verdict(res), HQ_PASS);
	ck_assert_str_eq(hq_result_rationale(res), "2 open TCP ports, all "
	    "declared; no forbidden service (65535 ports scanned, 0 "
	    "filtered)");
	hq_result_free(res);
}
END_TEST

START_TEST(test_surface_rationale_not_checked)
{
	struct surface_params sp = params("{}");
	struct hq_result *res = hq_result_new("t/g6.1", 0);
	struct surf_sum s = good_sum();

	note_nc(&s, &sp, "udp", "%s (port %u/udp: the scan is TCP only)",
	    "discovery", 3702u);
	note_nc(&s, &sp, "identification", "the service on port %u/tcp (no "
	    "probe named it)", 7000u);
	surface_verdict(res, &s);
	ck_assert_int_eq(hq_result_verdict(res), HQ_PASS);
	ck_assert_str_eq(hq_result_rationale(res), "2 open TCP ports, all "
	    "declared; no forbidden service (65535 ports scanned, 0 "
	    "filtered); not checked: discovery (port 3702/udp: the scan is "
	    "TCP only); the service on port 7000/tcp (no probe named it)");
	hq_result_free(res);
	params_clear(&sp);
}
END_TEST

START_TEST(test_surface_rationale_required)
{
	struct surface_params sp = params("{\"required\":[\"identification\"]}");
	struct hq_result *res = hq_result_new("t/g6.1", 0);
	struct surf_sum s = good_sum();

	note_nc(&s, &sp, "udp", "x (port 1/udp: the scan is TCP only)");
	ck_assert_str_eq(s.missing, "");
	note_nc(&s, &sp, "identification", "the service on port 7000/tcp (no "
	    "probe named it)");
	surface_verdict(res, &s);
	ck_assert_int_eq(hq_result_verdict(res), HQ_INCONCLUSIVE);
	ck_assert_str_eq(hq_result_rationale(res), "required by the profile "
	    "but not checked: identification (x (port 1/udp: the scan is TCP "
	    "only); the service on port 7000/tcp (no probe named it))");
	hq_result_free(res);
	/* A finding still FAILs. */
	res = hq_result_new("t/g6.1", 0);
	s.nbad = 1;
	surface_verdict(res, &s);
	ck_assert_int_eq(hq_result_verdict(res), HQ_FAIL);
	hq_result_free(res);
	params_clear(&sp);
}
END_TEST

START_TEST(test_surface_params_required)
{
	cJSON *j = cJSON_Parse("{\"required\":[\"tls\"]}");
	struct hq_err err = { 0 };

	ck_assert_int_eq(surface_check_params(j, &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "required[0]"));
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_surface_classify_telnet)
{
	static const uint8_t sb[] = { 0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0 };
	static const uint8_t will[] = { 0xff, 0xfb, 0x01 };
	static const uint8_t nop[] = { 0xff, 0xf1 };
	static const char greet[] = "Welcome to IPCAM\r\n";
	static const char prompt[] = "Welcome to IPCAM\r\n\r\ncam login: ";

	ck_assert_str_eq(hq_service_classify(sb, sizeof(sb), "banner"),
	    "telnet");
	ck_assert_str_eq(hq_service_classify(will, sizeof(will), "banner"),
	    "telnet");
	ck_assert_str_eq(hq_service_classify(nop, sizeof(nop), "banner"),
	    "telnet");
	/* A greeting alone is not yet telnet: the scanner reads on. */
	ck_assert_str_eq(hq_service_classify((const uint8_t *)greet,
	    strlen(greet), "banner"), "unknown");
	ck_assert_str_eq(hq_service_classify((const uint8_t *)prompt,
	    strlen(prompt), "banner"), "telnet");
	/* IAC and a non-command byte is not telnet. */
	ck_assert_str_eq(hq_service_classify((const uint8_t *)"\xff\x10",
	    2, "banner"), "unknown");
}
END_TEST

Suite *suite_surface(void);

Suite *
suite_surface(void)
{
	Suite *s = suite_create("surface");
	TCase *tc = tcase_create("rationale");

	tcase_add_test(tc, test_surface_rationale_pass);
	tcase_add_test(tc, test_surface_rationale_not_checked);
	tcase_add_test(tc, test_surface_rationale_required);
	tcase_add_test(tc, test_surface_params_required);
	tcase_add_test(tc, test_surface_classify_telnet);
	suite_add_tcase(s, tc);
	return s;
}
