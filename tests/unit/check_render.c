/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.c and lab.c: hostile strings are escaped in HTML and JUnit,
 * verdicts map to JUnit elements and to the attestation's lists, a
 * timeline is drawn from details.timeline, and the lab file is strict.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "evidence/render.h"
#include "model/lab.h"
#include "util/err.h"
#include "util/util.h"

/* Four cases, one of each verdict; DUT-chosen text is hostile. */
static const char report_text[] =
"{ \"format\": \"hopquy-report/1\", \"title\": \"T <b>&\","
"  \"report_id\": \"HQ-20260101-000000-0000abcd\", \"complete\": true,"
"  \"tool\": { \"name\": \"hopquy\", \"version\": \"0.1.0\","
"            \"build_id\": \"abc\" },"
"  \"profile\": { \"id\": \"p1\", \"title\": \"P\", \"regulation\": \"R\","
"               \"version\": \"1\", \"sha256\": \"00\" },"
"  \"dut\": { \"manufacturer\": \"M\", \"model\": \"<script>alert(1)"
"</script>\", \"serial\": \"S\\u0001\\u001b]0;x\", \"firmware\": \"F\" },"
"  \"inputs\": [ { \"role\": \"profile\", \"path\": \"p.json\","
"                \"sha256\": \"aa\" } ],"
"  \"run\": { \"started\": \"2026-01-01T00:00:00.000Z\","
"           \"ended\": \"2026-01-01T00:00:10.500Z\","
"           \"environment\": { \"host\": \"h\" } },"
"  \"summary\": { \"verdict\": \"FAIL\", \"pass\": 1, \"fail\": 1,"
"               \"inconclusive\": 1, \"not_applicable\": 1 },"
"  \"results\": ["
"   { \"id\": \"p1/a\", \"group\": \"g1\", \"verdict\": \"PASS\","
"     \"rationale\": \"ok\", \"started\": \"2026-01-01T00:00:00.100Z\","
"     \"ended\": \"2026-01-01T00:00:02.000Z\", \"duration_ms\": 1900,"
"     \"steps\": [ { \"t_ms\": 100, \"text\": \"banner ]]> <x>\" } ],"
"     \"details\": { \"timeline\": {"
"       \"network\": [ { \"t_ms\": 100, \"state\": \"up\" },"
"                      { \"t_ms\": 500, \"state\": \"cut\" } ],"
"       \"stimuli\": [ { \"t_ms\": 700, \"label\": \"person\" } ],"
"       \"alarms\": [ { \"t_ms\": 900, \"label\": \"siren\" } ],"
"       \"traffic\": { \"t_ms\": 100, \"bytes_per_s\": [ 10, 0, 5 ] } } } },"
"   { \"id\": \"p1/b\", \"group\": \"g1\", \"verdict\": \"FAIL\","
"     \"rationale\": \"accepted \\\"admin\\\" <&>\","
"     \"findings\": [ \"f1\" ], \"duration_ms\": 1 },"
"   { \"id\": \"p1/c\", \"group\": \"g2\", \"verdict\": \"INCONCLUSIVE\","
"     \"rationale\": \"error: x\" },"
"   { \"id\": \"p1/d\", \"group\": \"g2\", \"verdict\": \"NOT_APPLICABLE\","
"     \"rationale\": \"claims\" } ],"
"  \"deviations\": [],"
"  \"evidence\": [ { \"path\": \"e/1.txt\", \"kind\": \"transcript\","
"                  \"size\": 3, \"sha256\": \"bb\" } ] }";

static cJSON *
report(void)
{
	cJSON *r = cJSON_Parse(report_text);

	ck_assert_ptr_nonnull(r);
	return r;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

START_TEST(test_render_html_escapes)
{
	cJSON *r = report();
	char *html = NULL;
	size_t len, i;

	ck_assert_int_eq(hq_render_html(r, &html, &len, NULL), 0);
	ck_assert_uint_eq(strlen(html), len);
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)"));
	ck_assert_ptr_nonnull(strstr(html, "T &lt;b&gt;&amp;"));
	for (i = 0; i < len; i++)	/* no control byte survives */
		ck_assert(html[i] == '\n' || (unsigned char)html[i] >= 0x20);
	ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy"));
	/* Nothing to fetch: no src= and no external URL but SVG's xmlns. */
	ck_assert_ptr_null(strstr(html, "src="));
	ck_assert_uint_eq(count(html, "http"), count(html,
	    "xmlns=\"http://www.w3.org/2000/svg\"") + count(html,
	    "http-equiv"));
	/* Summary by group, the run timeline and a case timeline. */
	ck_assert_ptr_nonnull(strstr(html, "aria-label=\"run timeline\""));
	ck_assert_ptr_nonnull(strstr(html, "aria-label=\"case timeline\""));
	ck_assert_ptr_nonnull(strstr(html, "person at 0.700 s"));
	ck_assert_ptr_nonnull(strstr(html, "e/1.txt"));
	free(html);
	cJSON_Delete(r);
}
END_TEST

START_TEST(test_render_junit)
{
	cJSON *r = report();
	char *x = NULL;
	size_t len, i;

	ck_assert_int_eq(hq_render_junit(r, &x, &len, NULL), 0);
	ck_assert_ptr_nonnull(strstr(x, "tests=\"4\" failures=\"1\" "
	    "errors=\"1\" skipped=\"1\""));
	ck_assert_uint_eq(count(x, "<testcase "), 4);
	ck_assert_uint_eq(count(x, "<failure "), 1);
	ck_assert_uint_eq(count(x, "<error "), 1);
	ck_assert_uint_eq(count(x, "<skipped "), 1);
	ck_assert_ptr_nonnull(strstr(x, "message=\"accepted &quot;admin&quot;"
	    " &lt;&amp;&gt;\""));
	ck_assert_ptr_null(strstr(x, "]]>"));
	ck_assert_ptr_nonnull(strstr(x, "timestamp=\"2026-01-01T00:00:00\""));
	for (i = 0; i < len; i++)	/* XML 1.0: no C0 controls at all */
		ck_assert(x[i] == '\n' || (unsigned char)x[i] >= 0x20);
	free(x);
	cJSON_Delete(r);
}
END_TEST

START_TEST(test_render_statement)
{
	cJSON *r = report(), *st;
	char *s;

	st = hq_render_statement(r, "cc");
	ck_assert_ptr_nonnull(st);
	s = cJSON_PrintUnformatted(st);
	ck_assert_ptr_nonnull(strstr(s, "\"_type\":\"https://in-toto.io/"
	    "Statement/v1\""));
	ck_assert_ptr_nonnull(strstr(s, "\"subject\":[{\"name\":"
	    "\"report.json\",\"digest\":{\"sha256\":\"cc\"}},{\"name\":"
	    "\"e/1.txt\",\"digest\":{\"sha256\":\"bb\"}}]"));
	ck_assert_ptr_nonnull(strstr(s, "\"result\":\"FAILED\""));
	ck_assert_ptr_nonnull(strstr(s, "\"passedTests\":[\"p1/a\"]"));
	ck_assert_ptr_nonnull(strstr(s, "\"warnedTests\":[\"p1/c\"]"));
	ck_assert_ptr_nonnull(strstr(s, "\"failedTests\":[\"p1/b\"]"));
	ck_assert_ptr_nonnull(strstr(s, "\"notApplicableTests\":[\"p1/d\"]"));
	ck_assert_ptr_nonnull(strstr(s, "\"configuration\":[{\"name\":"
	    "\"p.json\",\"digest\":{\"sha256\":\"aa\"},\"annotations\":"
	    "{\"role\":\"profile\"}}]"));
	free(s);
	cJSON_Delete(st);
	cJSON_Delete(r);
}
END_TEST

/* A report.json that is not what we wrote still renders, never crashes. */
START_TEST(test_render_odd_reports)
{
	static const char *const odd[] = { "{}", "{\"results\":7}",
	    "{\"results\":[1,null,{\"verdict\":3}],\"run\":{\"started\":"
	    "\"2026-13-99T99:99:99Z\",\"ended\":\"x\"}}",
	    "{\"results\":[{\"details\":{\"timeline\":{\"network\":[{}],"
	    "\"traffic\":{\"t_ms\":\"x\",\"bytes_per_s\":[-1,\"a\"]}}}}]}",
	    "{\"title\":\"\\u00ff\\ud83d\\ude00\"}" };
	cJSON *r = cJSON_Parse(odd[_i]), *st;
	char *out;
	size_t len;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(hq_render_html(r, &out, &len, NULL), 0);
	free(out);
	ck_assert_int_eq(hq_render_junit(r, &out, &len, NULL), 0);
	free(out);
	st = hq_render_statement(r, "00");
	ck_assert_ptr_nonnull(st);
	cJSON_Delete(st);
	cJSON_Delete(r);
}
END_TEST

static void
write_tmp(const char *path, const char *text)
{
	ck_assert_int_eq(hq_file_write_atomic(path, text, strlen(text), 0644,
	    NULL), 0);
}

START_TEST(test_render_lab)
{
	static const char *const bad[] = {
	    "{\"format\":\"hopquy-lab/1\"}",
	    "{\"format\":\"hopquy-lab/2\",\"laboratory\":{\"name\":\"L\","
	    "\"address\":\"A\"},\"customer\":{\"name\":\"C\"},\"signatory\":"
	    "{\"name\":\"N\",\"role\":\"R\"}}",
	    "{\"format\":\"hopquy-lab/1\",\"laboratory\":{\"name\":\"L\","
	    "\"address\":\"A\",\"extra\":1},\"customer\":{\"name\":\"C\"},"
	    "\"signatory\":{\"name\":\"N\",\"role\":\"R\"}}",
	    "{\"format\":\"hopquy-lab/1\",\"laboratory\":{\"name\":\"L\","
	    "\"address\":\"A\"},\"customer\":{\"name\":\"C\"},\"signatory\":"
	    "{\"name\":\"N\"}}",
	    "{\"format\":\"hopquy-lab/1\",\"laboratory\":{\"name\":\"L\","
	    "\"address\":\"A\"},\"customer\":{\"name\":\"C\"},\"signatory\":"
	    "{\"name\":\"N\",\"role\":\"R\"},\"ambient\":{\"humidity_pct\":"
	    "101}}",
	    "{\"format\":\"hopquy-lab/1\",\"laboratory\":{\"name\":\"\","
	    "\"address\":\"A\"},\"customer\":{\"name\":\"C\"},\"signatory\":"
	    "{\"name\":\"N\",\"role\":\"R\"}}",
	};
	char path[PATH_MAX], tmp[] = "/tmp/hq-rp-lab.XXXXXX";
	const char *top = getenv("HQ_TOP");
	struct hq_lab *lab = NULL;
	struct hq_err err = { 0 };
	cJSON *j;
	char *s;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/fixtures/lab/lab.json",
	    top != NULL ? top : ".");
	ck_assert_int_eq(hq_lab_load(path, &lab, &err), 0);
	j = hq_lab_report_json(lab, "CN=x", NULL);
	s = cJSON_PrintUnformatted(j);
	ck_assert_ptr_null(strstr(s, "\"signatory\""));
	ck_assert_ptr_nonnull(strstr(s, "\"authorisation\":{\"name\":"));
	ck_assert_ptr_nonnull(strstr(s, "\"signer\":\"CN=x\""));
	ck_assert_ptr_nonnull(strstr(s, "\"configuration_sha256\":"));
	free(s);
	cJSON_Delete(j);
	hq_lab_free(lab);
	j = hq_lab_report_json(NULL, NULL, NULL);
	s = cJSON_PrintUnformatted(j);
	ck_assert_str_eq(s, "{\"authorisation\":{\"name\":\"not stated\","
	    "\"signature\":null}}");
	free(s);
	cJSON_Delete(j);
	fd = mkstemp(tmp);
	ck_assert_int_ge(fd, 0);
	close(fd);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_tmp(tmp, bad[i]);
		hq_err_clear(&err);
		lab = NULL;
		ck_assert_msg(hq_lab_load(tmp, &lab, &err) == HQ_EINVAL,
		    "bad[%zu] accepted", i);
		ck_assert_ptr_null(lab);
		ck_assert_ptr_nonnull(strstr(err.msg, tmp));
	}
	unlink(tmp);
}
END_TEST

Suite *
suite_render(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, test_render_html_escapes);
	tcase_add_test(tc, test_render_junit);
	tcase_add_test(tc, test_render_statement);
	tcase_add_loop_test(tc, test_render_odd_reports, 0, 5);
	tcase_add_test(tc, test_render_lab);
	suite_add_tcase(s, tc);
	return s;
}
