/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the report claims against what ran: --only by group id and prefix
 * (NOT_RUN, never NOT_APPLICABLE; a selection matching nothing refused),
 * the coverage of every requirement group and the overall statement
 * (INCOMPLETE), no unset measurement in the result model, the profile's
 * decision rule, the DUT's bench address, and the renderings of NOT_RUN.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "core/engine.h"
#include "core/profile.h"
#include "core/report.h"
#include "core/result.h"
#include "evidence/render.h"
#include "model/dut.h"
#include "model/job.h"
#include "util/err.h"
#include "util/util.h"

static void
write_tmp(char *path, const char *text)
{
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

#define CASE(id, group, mand)						\
	"{\"id\":\"" id "\",\"title\":\"t\",\"description\":\"d\","	\
	"\"group\":\"" group "\",\"family\":\"surface\",\"mandatory\":"	\
	mand ",\"params\":{}}"

/* g1 two cases, g2 one, g3 none (mandatory), g4 none (optional). */
static const char profile_text[] =
	"{\"format\":\"hopquy-profile/1\",\"id\":\"p\",\"title\":\"t\","
	"\"regulation\":\"R 1\",\"issuer\":\"i\",\"version\":\"1\","
	"\"status\":\"lab\",\"device_classes\":[\"ip-camera\"],"
	"\"decision_rule\":\"guarded-acceptance\","
	"\"groups\":[{\"id\":\"g1\",\"title\":\"one\"},{\"id\":\"g2\","
	"\"title\":\"two\"},{\"id\":\"g3\",\"title\":\"three\"},{\"id\":"
	"\"g4\",\"title\":\"four\",\"mandatory\":false}],\"testcases\":["
	CASE("p/g1.1-a", "g1", "true") ","
	CASE("p/g1.2-b", "g1", "true") ","
	"{\"id\":\"p/g2.1-c\",\"title\":\"t\",\"description\":\"d\","
	"\"group\":\"g2\",\"family\":\"surface\",\"mandatory\":true,"
	"\"decision_rule\":\"inconclusive\",\"params\":{}}]}";

static const char dut_text[] =
	"{\"format\":\"hopquy-dut/1\",\"identity\":{"
	"\"manufacturer\":\"m\",\"model\":\"x\",\"serial\":\"s\","
	"\"firmware\":\"1\",\"class\":\"ip-camera\"},\"bench\":{\"mode\":"
	"\"namespaces\",\"instance\":3,\"address\":\"198.18.3.2\"},"
	"\"surfaces\":[],\"claims\":{}}";

static struct hq_profile *prof;
static struct hq_dut *dut;
static char ppath[32];
static char dpath[32];

static void
setup(void)
{
	struct hq_err err = { 0 };

	/* Fresh names each time: the suite also runs unforked (valgrind). */
	snprintf(ppath, sizeof(ppath), "/tmp/hq-unit-rp-XXXXXX");
	snprintf(dpath, sizeof(dpath), "/tmp/hq-unit-rd-XXXXXX");
	write_tmp(ppath, profile_text);
	write_tmp(dpath, dut_text);
	ck_assert_msg(hq_profile_load(ppath, &prof, &err) == 0, "%s",
	    err.msg);
	ck_assert_msg(hq_dut_load(dpath, &dut, &err) == 0, "%s", err.msg);
}

static void
teardown(void)
{
	hq_profile_free(prof);
	hq_dut_free(dut);
	unlink(ppath);
	unlink(dpath);
}

static size_t
nselected(const struct hq_plan *plan)
{
	size_t i, n = 0;

	for (i = 0; i < plan->nitems; i++)
		n += plan->items[i].applicable;
	return n;
}

START_TEST(test_report_only_groups_prefixes)
{
	struct hq_plan plan;
	struct hq_err err = { 0 };
	char *ids;

	/* A group id, bare or under the profile's id. */
	ck_assert_int_eq(hq_plan_build(prof, dut, "g1", &plan, &err), 0);
	ck_assert_uint_eq(nselected(&plan), 2);
	ck_assert(!plan.items[2].applicable && !plan.items[2].selected);
	ck_assert_ptr_nonnull(strstr(plan.items[2].reason, "not selected"));
	hq_plan_clear(&plan);
	ck_assert_int_eq(hq_plan_build(prof, dut, "p/g2", &plan, &err), 0);
	ck_assert_uint_eq(nselected(&plan), 1);
	ck_assert(plan.items[2].applicable);
	hq_plan_clear(&plan);
	/* A case-id prefix, with or without the profile's id. */
	ck_assert_int_eq(hq_plan_build(prof, dut, "g1.2", &plan, &err), 0);
	ck_assert_uint_eq(nselected(&plan), 1);
	ck_assert(plan.items[1].applicable);
	hq_plan_clear(&plan);
	ck_assert_int_eq(hq_plan_build(prof, dut, "p/g1.1", &plan, &err), 0);
	ck_assert(plan.items[0].applicable && !plan.items[1].applicable);
	hq_plan_clear(&plan);
	/* g1 must not take g10's cases, nor "g" every case. */
	ck_assert_int_eq(hq_plan_build(prof, dut, "g", &plan, &err),
	    HQ_EUSAGE);
	/* Nothing matches: a usage error naming the item, before any plan. */
	hq_err_clear(&err);
	ck_assert_int_eq(hq_plan_build(prof, dut, "g1,g9", &plan, &err),
	    HQ_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "--only g9: matches no test "
	    "case of profile p"));
	ck_assert_ptr_null(plan.items);
	ck_assert_int_eq(hq_plan_check_only(prof, "", NULL), HQ_EUSAGE);
	ck_assert_ptr_nonnull(ids = hq_plan_valid_ids(prof));
	ck_assert_ptr_nonnull(strstr(ids, "g1 "));
	ck_assert_ptr_nonnull(strstr(ids, "    p/g2.1-c\n"));
	ck_assert_ptr_null(strstr(ids, "g3"));	/* nothing to select */
	free(ids);
}
END_TEST

/* A result entry as the engine makes it (the fields the summary reads). */
static cJSON *
entry(const char *id, const char *group, const char *verdict)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "id", id);
	cJSON_AddStringToObject(e, "group", group);
	cJSON_AddBoolToObject(e, "mandatory", true);
	cJSON_AddStringToObject(e, "verdict", verdict);
	return e;
}

static cJSON *
build(const char *v1, const char *v2, const char *v3, bool complete)
{
	struct hq_report_in in = { 0 };
	cJSON *res = cJSON_CreateArray(), *r;

	cJSON_AddItemToArray(res, entry("p/g1.1-a", "g1", v1));
	cJSON_AddItemToArray(res, entry("p/g1.2-b", "g1", v2));
	cJSON_AddItemToArray(res, entry("p/g2.1-c", "g2", v3));
	in.profile = prof;
	in.dut = dut;
	in.report_id = "HQ-20260101-000000-00000000";
	in.results = res;
	in.complete = complete;
	r = hq_report_build(&in);
	cJSON_Delete(res);
	ck_assert_ptr_nonnull(r);
	return r;
}

static const char *
sumstr(const cJSON *r, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(r,
	    "summary"), key));
}

START_TEST(test_report_coverage_incomplete)
{
	cJSON *r;
	const cJSON *g;
	int n = 0;

	/* Two cases left out, one passed, a mandatory group with no case. */
	r = build("PASS", "NOT_RUN", "NOT_RUN", true);
	ck_assert_str_eq(sumstr(r, "verdict"), "INCOMPLETE");
	ck_assert_ptr_nonnull(strstr(sumstr(r, "statement"), "INCOMPLETE: 2 "
	    "mandatory cases not run, 1 mandatory requirement group not "
	    "covered by this profile version"));
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(r, "coverage")) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(g,
		    "id"));
		const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(g,
		    "status"));

		n++;
		if (strcmp(id, "g1") == 0 || strcmp(id, "g2") == 0)
			ck_assert_str_eq(st, "NOT_RUN");
		else
			ck_assert_str_eq(st, "NOT_COVERED");
	}
	ck_assert_int_eq(n, 4);		/* every group, with or without case */
	cJSON_Delete(r);
	/* Everything ran and passed; the mandatory group g3 has no case:
	 * still not a conformity statement. */
	r = build("PASS", "PASS", "PASS", true);
	ck_assert_str_eq(sumstr(r, "verdict"), "INCOMPLETE");
	cJSON_Delete(r);
	/* A FAIL is a FAIL, whatever was left out. */
	r = build("FAIL", "NOT_RUN", "PASS", true);
	ck_assert_str_eq(sumstr(r, "verdict"), "FAIL");
	cJSON_Delete(r);
}
END_TEST

START_TEST(test_report_pass_needs_everything)
{
	cJSON *r;

	/* With g3 optional, every mandatory group has a case: now a
	 * complete run can PASS. */
	prof->groups[2].mandatory = false;
	r = build("PASS", "PASS", "PASS", true);
	ck_assert_str_eq(sumstr(r, "verdict"), "PASS");
	cJSON_Delete(r);
	r = build("PASS", "NOT_APPLICABLE", "PASS", true);
	ck_assert_str_eq(sumstr(r, "verdict"), "PASS");
	cJSON_Delete(r);
	r = build("PASS", "PASS", "PASS", false);	/* interrupted */
	ck_assert_str_eq(sumstr(r, "verdict"), "INCOMPLETE");
	cJSON_Delete(r);
	r = build("PASS", "INCONCLUSIVE", "PASS", true);
	ck_assert_str_eq(sumstr(r, "verdict"), "INCONCLUSIVE");
	cJSON_Delete(r);
}
END_TEST

/* No measurement with an unset value reaches the report. */
START_TEST(test_report_measure_unset)
{
	struct hq_result *res = hq_result_new("p/x", hq_mono_ns());
	const cJSON *ms, *fs;

	ck_assert_int_eq(hq_measure(res, "cut_ms", -1513866, "ms", NULL, 0,
	    0), HQ_CONF_UNDECIDED);
	ck_assert_int_eq(hq_measure(res, "latency", NAN, "s", "<=", 10, 0),
	    HQ_CONF_UNDECIDED);
	ck_assert_int_eq(hq_measure(res, "ambient", -12.5, "dB", NULL, 0, 0),
	    HQ_CONF_NONE);
	hq_result_set_surface(res, "web");
	ck_assert_int_eq(hq_measure(res, "latency", 3.2, "s", "<=", 10, 0),
	    HQ_CONF_YES);
	ms = cJSON_GetObjectItem(hq_result_json(res), "measurements");
	ck_assert_int_eq(cJSON_GetArraySize(ms), 2);	/* dB and 3.2 s */
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(ms, 0), "name")), "ambient");
	ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetArrayItem(ms, 0),
	    "surface"));
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(ms, 1), "surface")), "web");
	fs = cJSON_GetObjectItem(hq_result_json(res), "findings");
	ck_assert_int_eq(cJSON_GetArraySize(fs), 2);
	ck_assert_ptr_nonnull(strstr(cJSON_GetArrayItem(fs, 0)->valuestring,
	    "cut_ms: no value measured"));
	hq_result_free(res);
}
END_TEST

/* The profile's rule (and a case's own) reach hq_measure and the report. */
START_TEST(test_report_decision_rule)
{
	struct hq_result *res = hq_result_new("p/g2.1-c", hq_mono_ns());
	cJSON *r;

	ck_assert_int_eq(prof->rule, HQ_RULE_GUARDED_ACCEPTANCE);
	ck_assert_int_eq(prof->cases[0].rule, HQ_RULE_GUARDED_ACCEPTANCE);
	ck_assert_int_eq(prof->cases[2].rule, HQ_RULE_INCONCLUSIVE);
	/* 4999.94 ms against >= 5000 ms with +-20 ms: inside the band. */
	hq_result_set_rule(res, prof->cases[2].rule);
	ck_assert_int_eq(hq_measure(res, "audible", 4999.94, "ms", ">=",
	    5000, 20), HQ_CONF_UNDECIDED);
	hq_result_set_rule(res, prof->cases[0].rule);
	ck_assert_int_eq(hq_measure(res, "audible", 5010, "ms", ">=", 5000,
	    20), HQ_CONF_NO);
	hq_result_free(res);
	r = build("PASS", "PASS", "PASS", true);
	ck_assert_str_eq(sumstr(r, "decision_rule_id"),
	    "guarded-acceptance");
	ck_assert_ptr_nonnull(strstr(sumstr(r, "decision_rule"),
	    "guarded acceptance"));
	ck_assert_ptr_nonnull(strstr(sumstr(r, "decision_rule"),
	    "case p/g2.1-c: \"inconclusive\""));
	cJSON_Delete(r);
}
END_TEST

START_TEST(test_report_rule_refused)
{
	char pp[] = "/tmp/hq-unit-rr-XXXXXX";
	struct hq_profile *p = NULL;
	struct hq_err err = { 0 };
	char *t = strdup(profile_text), *at;

	at = strstr(t, "guarded-acceptance");
	memcpy(at, "guarded-acceptanc_", 18);
	write_tmp(pp, t);
	ck_assert_int_eq(hq_profile_load(pp, &p, &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "decision_rule"));
	unlink(pp);
	free(t);
}
END_TEST

/* In namespaces mode the DUT is at 198.18.N.2: anything else is refused. */
START_TEST(test_report_bench_address)
{
	char dp[] = "/tmp/hq-unit-ra-XXXXXX";
	struct hq_dut *d = NULL;
	struct hq_err err = { 0 };
	char *t;

	ck_assert_int_eq(hq_dut_check_bench_address(dut, -1, &err), 0);
	ck_assert_int_eq(hq_dut_check_bench_address(dut, 3, &err), 0);
	ck_assert_int_eq(hq_dut_check_bench_address(dut, 4, &err),
	    HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "bench.address: 198.18.3.2 is "
	    "not the DUT address of bench 4 in namespaces mode "
	    "(198.18.4.2)"));
	/* A malformed address is refused at load, naming the field. */
	t = strdup(dut_text);
	memcpy(strstr(t, "198.18.3.2"), "198.18.300", 10);
	write_tmp(dp, t);
	hq_err_clear(&err);
	ck_assert_int_eq(hq_dut_load(dp, &d, &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "bench.address: \"198.18.300\" "
	    "is not a numeric"));
	unlink(dp);
	free(t);
}
END_TEST

/* NOT_RUN in the renderings: JUnit skipped with the status, no skipped
 * on testsuites; the HTML's group table and its printed page furniture. */
START_TEST(test_report_render_not_run)
{
	cJSON *r = build("PASS", "NOT_RUN", "NOT_RUN", true);
	char *out;
	size_t len;

	ck_assert_int_eq(hq_render_junit(r, &out, &len, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "<skipped message=\"NOT_RUN: "));
	ck_assert_ptr_nonnull(strstr(out, "<testsuites name="));
	ck_assert_ptr_nonnull(strstr(out, "<testsuite name=\"p\" tests=\"3\" "
	    "failures=\"0\" errors=\"0\" skipped=\"2\""));
	{
		char *ts = strstr(out, "<testsuites "), *end = strchr(ts, '>');

		*end = '\0';
		ck_assert_ptr_null(strstr(ts, "skipped"));
	}
	free(out);
	ck_assert_int_eq(hq_render_html(r, &out, &len, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, ">INCOMPLETE</span>"));
	ck_assert_ptr_nonnull(strstr(out, ">NOT_COVERED</span> <span "
	    "class=\"muted\">not covered by this profile version"));
	ck_assert_ptr_nonnull(strstr(out, "@bottom-right{content:\"page \" "
	    "counter(page) \" of \" counter(pages)"));
	ck_assert_ptr_nonnull(strstr(out, "@top-left{content:\"Test report "
	    "HQ-20260101-000000-00000000\""));
	ck_assert_ptr_nonnull(strstr(out, "<section class=\"p1\""));
	free(out);
	/* A report made before "coverage": the groups its results name. */
	cJSON_DeleteItemFromObject(r, "coverage");
	ck_assert_int_eq(hq_render_html(r, &out, &len, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "<tr><td class=\"mono\">g1</td>"));
	ck_assert_ptr_nonnull(strstr(out, "<tr><td class=\"mono\">g2</td>"));
	ck_assert_ptr_null(strstr(out, "<tr><td class=\"mono\">g3</td>"));
	free(out);
	cJSON_Delete(r);
}
END_TEST

/* The job file: strict, and its approvals kept. */
START_TEST(test_report_job_file)
{
	char jp[] = "/tmp/hq-unit-rj-XXXXXX", jp2[] = "/tmp/hq-unit-rj-XXXXXX";
	struct hq_job *j = NULL;
	struct hq_err err = { 0 };
	cJSON *o;

	write_tmp(jp, "{\"format\":\"hopquy-job/1\",\"customer\":{\"name\":"
	    "\"c\"},\"item\":{\"received\":\"2026-01-05\",\"condition\":"
	    "\"new\"},\"deviations\":[{\"case\":\"p/g1.1-a\",\"param\":"
	    "\"ports\",\"justification\":\"why\",\"approved_by\":\"who\"}]}");
	ck_assert_msg(hq_job_load(jp, &j, &err) == 0, "%s", err.msg);
	o = hq_job_report_json(j);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(o, "deviation_approvals"),
	    0), "approved_by")), "who");
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(cJSON_GetObjectItem(o,
	    "job"), "sha256"));
	cJSON_Delete(o);
	hq_job_free(j);
	unlink(jp);
	/* The item's receipt date is required (17025 7.8.2.1 i). */
	write_tmp(jp2, "{\"format\":\"hopquy-job/1\",\"customer\":{\"name\":"
	    "\"c\"},\"item\":{\"condition\":\"new\"}}");
	ck_assert_int_eq(hq_job_load(jp2, &j, &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "received"));
	unlink(jp2);
}
END_TEST

Suite *
suite_report(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_report_only_groups_prefixes);
	tcase_add_test(tc, test_report_coverage_incomplete);
	tcase_add_test(tc, test_report_pass_needs_everything);
	tcase_add_test(tc, test_report_measure_unset);
	tcase_add_test(tc, test_report_decision_rule);
	tcase_add_test(tc, test_report_rule_refused);
	tcase_add_test(tc, test_report_bench_address);
	tcase_add_test(tc, test_report_render_not_run);
	tcase_add_test(tc, test_report_job_file);
	suite_add_tcase(s, tc);
	return s;
}
