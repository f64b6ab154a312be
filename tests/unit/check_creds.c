/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The creds family's rationale against the result model: a PASS names the
 * surfaces that ran and lists as "not checked" the login surfaces the DUT
 * file gives no recipe for; a protocol the profile marks required among
 * them turns the PASS into INCONCLUSIVE; the login engine's answer
 * categories (only an acceptance and a definite refusal are verdicts).
 * The family's file is compiled in here for its static parts (its ops
 * table renamed: the runner links the family object too).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#define hq_family_creds hq_family_creds_under_test
#include "../../testcases/creds.c"

static struct hq_surface sfs[3];
static struct hq_dut dut;
static struct hq_ctx ctx;

static void
setup_dut(void)
{
	memset(sfs, 0, sizeof(sfs));
	memset(&dut, 0, sizeof(dut));
	sfs[0].id = "web";
	sfs[0].proto = "http";
	sfs[0].port = 80;
	sfs[0].login_kind = "http-basic";
	sfs[1].id = "shell";
	sfs[1].proto = "ssh";
	sfs[1].port = 22;
	sfs[2].id = "stim";
	sfs[2].proto = "other";
	sfs[2].port = 7000;
	dut.surfaces = sfs;
	dut.nsurfaces = 3;
	ctx.dut = &dut;
}

static struct hq_result *
pass_with(const char *required)
{
	struct cx c = { .ctx = &ctx };
	char *req[1] = { (char *)required };

	c.res = hq_result_new("t/g1.1", 0);
	if (required != NULL) {
		c.p.req_protos = req;
		c.p.nreq_protos = 1;
	}
	pass_verdict(&c, "all %d known-default pairs refused on 1 login "
	    "surface (%s); controls held before and after", 70, "web");
	return c.res;
}

START_TEST(test_creds_rationale_not_checked)
{
	struct hq_result *res;

	setup_dut();
	res = pass_with(NULL);
	ck_assert_int_eq(hq_result_verdict(res), HQ_PASS);
	ck_assert_str_eq(hq_result_rationale(res), "all 70 known-default "
	    "pairs refused on 1 login surface (web); controls held before "
	    "and after; not checked: shell (ssh port 22: no login recipe in "
	    "the DUT file)");
	/* A surface on no login protocol is not a sub-check at all. */
	ck_assert_ptr_null(strstr(hq_result_rationale(res), "stim"));
	hq_result_free(res);
}
END_TEST

START_TEST(test_creds_rationale_all_checked)
{
	struct hq_result *res;

	setup_dut();
	sfs[1].login_kind = "ssh-password";
	res = pass_with("ssh");
	ck_assert_int_eq(hq_result_verdict(res), HQ_PASS);
	ck_assert_ptr_null(strstr(hq_result_rationale(res), "not checked"));
	hq_result_free(res);
}
END_TEST

START_TEST(test_creds_rationale_required_missing)
{
	struct hq_result *res;

	setup_dut();
	res = pass_with("ssh");
	ck_assert_int_eq(hq_result_verdict(res), HQ_INCONCLUSIVE);
	ck_assert_str_eq(hq_result_rationale(res), "required by the profile "
	    "but not checked: shell (ssh), which the DUT file gives no login "
	    "recipe for; checked: all 70 known-default pairs refused on 1 "
	    "login surface (web); controls held before and after");
	hq_result_free(res);
	/* A required protocol the DUT does not have is no gap. */
	res = pass_with("telnet");
	ck_assert_int_eq(hq_result_verdict(res), HQ_PASS);
	hq_result_free(res);
}
END_TEST

START_TEST(test_creds_login_categories)
{
	static const enum hq_login_cat nov[] = {
		HQ_LCAT_SERVER, HQ_LCAT_BUSY, HQ_LCAT_STATUS, HQ_LCAT_TIMEOUT,
		HQ_LCAT_RESET, HQ_LCAT_CONNREFUSED, HQ_LCAT_UNREACHABLE,
		HQ_LCAT_PROTO, HQ_LCAT_LOCAL,
	};
	size_t i;

	ck_assert_str_eq(hq_login_cat_name(HQ_LCAT_REFUSE),
	    "definite refusal");
	ck_assert_str_eq(hq_login_cat_name(HQ_LCAT_ACCEPT), "accepted");
	for (i = 0; i < sizeof(nov) / sizeof(nov[0]); i++)
		ck_assert_msg(strncmp(hq_login_cat_name(nov[i]), "no verdict",
		    10) == 0, "category %d", (int)nov[i]);
	ck_assert(hq_login_cat_is_network_lock(HQ_LCAT_CONNREFUSED));
	ck_assert(hq_login_cat_is_network_lock(HQ_LCAT_UNREACHABLE));
	ck_assert(!hq_login_cat_is_network_lock(HQ_LCAT_SERVER));
	ck_assert(!hq_login_cat_is_network_lock(HQ_LCAT_REFUSE));
}
END_TEST

/* RFC 2617 3.5 and RFC 7616 3.9.1's worked examples, then the cases a
 * device can get wrong (no nonce, an unknown algorithm). */
START_TEST(test_creds_digest_answer)
{
	char out[1024], why[80];

	ck_assert_int_eq(hq_login_digest_answer("realm=\"testrealm@host.com\", "
	    "qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\","
	    " opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"", "GET",
	    "/dir/index.html", "Mufasa", "Circle Of Life", "0a4f113b", out,
	    sizeof(out), why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(out,
	    "response=\"6629fae49393a05397450978507c4ef1\""));
	ck_assert_ptr_nonnull(strstr(out,
	    "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""));
	ck_assert_ptr_nonnull(strstr(out, "qop=auth, nc=00000001, "
	    "cnonce=\"0a4f113b\""));
	ck_assert_int_eq(hq_login_digest_answer("realm=\"http-auth@example.org\""
	    ", qop=\"auth, auth-int\", algorithm=SHA-256, nonce=\"7ypf/xlj9XXwf"
	    "DPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ci"
	    "ny7QMkPqMAFRtzCUYo5tdS\"", "GET", "/dir/index.html", "Mufasa",
	    "Circle of Life", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
	    out, sizeof(out), why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(out, "response=\"753927fa0e85d155564e2e27"
	    "2a28d1802ca10daf4496794697cf8db5856cb6c1\""));
	ck_assert_int_eq(hq_login_digest_answer("realm=\"r\"", "DESCRIBE", "/",
	    "u", "p", "c", out, sizeof(out), why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "nonce"));
	ck_assert_int_eq(hq_login_digest_answer("realm=\"r\", nonce=\"n\", "
	    "algorithm=SHA-512-256", "DESCRIBE", "/", "u", "p", "c", out,
	    sizeof(out), why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "SHA-512-256"));
}
END_TEST

START_TEST(test_creds_params_new)
{
	cJSON *j = cJSON_Parse("{\"check\":\"default-dictionary\","
	    "\"undecided_retries\":3,\"backoff_ms\":200,\"auth_timeout_ms\":"
	    "9000,\"required\":[\"ssh\"]}");
	struct hq_err err = { 0 };

	ck_assert_int_eq(creds_check_params(j, &err), 0);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"check\":\"lockout-engage\",\"attempts\":5,"
	    "\"window_s\":30,\"engage_max_s\":61}");
	ck_assert_int_eq(creds_check_params(j, &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "engage_max_s"));
	cJSON_Delete(j);
}
END_TEST

Suite *suite_creds(void);

Suite *
suite_creds(void)
{
	Suite *s = suite_create("creds");
	TCase *tc = tcase_create("rationale");

	tcase_add_test(tc, test_creds_rationale_not_checked);
	tcase_add_test(tc, test_creds_rationale_all_checked);
	tcase_add_test(tc, test_creds_rationale_required_missing);
	tcase_add_test(tc, test_creds_login_categories);
	tcase_add_test(tc, test_creds_params_new);
	tcase_add_test(tc, test_creds_digest_answer);
	suite_add_tcase(s, tc);
	return s;
}
