/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Core modules: the bounded cursor and number parser, port sets, service
 * classification, a loopback connect scan, transcripts' redaction, the
 * evidence store, and the planner's applicability rules.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "core/engine.h"
#include "core/profile.h"
#include "core/result.h"
#include "evidence/evidence.h"
#include "model/dut.h"
#include "util/err.h"
#include "util/rd.h"
#include "util/util.h"
#include "wire/scan.h"

static const uint8_t sample[] = {
	0x16, 0x03, 0x03, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 'x'
};

START_TEST(test_rd_truncated)		/* every prefix, exactly on heap */
{
	uint8_t *copy = malloc(_i > 0 ? _i : 1);
	struct hq_rd rd = { copy, _i }, body;
	uint8_t type;
	uint16_t ver, len;
	int rc;

	memcpy(copy, sample, _i);
	rc = hq_rd_u8(&rd, &type);
	if (rc == 0)
		rc = hq_rd_u16be(&rd, &ver);
	if (rc == 0)
		rc = hq_rd_u16be(&rd, &len);
	if (rc == 0)
		rc = hq_rd_sub(&rd, len, &body);
	if (_i < 10)
		ck_assert_int_eq(rc, HQ_EPROTO);
	else {
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(body.len, 5);
		ck_assert_uint_eq(rd.len, _i - 10);
	}
	free(copy);
}
END_TEST

START_TEST(test_rd_lines_numbers)
{
	static const char text[] = "HTTP/1.1 200 OK\r\nX: 1\n\nrest";
	struct hq_rd rd = { (const uint8_t *)text, sizeof(text) - 1 };
	const char *line;
	size_t len;
	uint64_t v;

	ck_assert_int_eq(hq_rd_line(&rd, 100, &line, &len), 0);
	ck_assert_uint_eq(len, 15);
	ck_assert_int_eq(hq_rd_line(&rd, 100, &line, &len), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(hq_rd_line(&rd, 100, &line, &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(hq_rd_line(&rd, 100, &line, &len), HQ_EPROTO);
	ck_assert_uint_eq(rd.len, 4);		/* did not move */
	rd.p = (const uint8_t *)"aaaaaaaaaaaaaaaaaaaa\n";
	rd.len = 21;
	ck_assert_int_eq(hq_rd_line(&rd, 10, &line, &len), HQ_EPROTO);
	ck_assert_int_eq(hq_parse_u64("65535", 5, 65535, &v), 0);
	ck_assert_uint_eq(v, 65535);
	ck_assert_int_eq(hq_parse_u64("65536", 5, 65535, &v), HQ_EPROTO);
	ck_assert_int_eq(hq_parse_u64("-1", 2, 100, &v), HQ_EPROTO);
	ck_assert_int_eq(hq_parse_u64("", 0, 100, &v), HQ_EPROTO);
	ck_assert_int_eq(hq_parse_u64("99999999999999999999999", 23,
	    UINT64_MAX, &v), HQ_EPROTO);
	ck_assert_int_eq(hq_parse_u64("18446744073709551615", 20, UINT64_MAX,
	    &v), 0);
	ck_assert_int_eq(hq_parse_u64("18446744073709551616", 20, UINT64_MAX,
	    &v), HQ_EPROTO);
	/* a digit above a small maximum */
	ck_assert_int_eq(hq_parse_u64("7", 1, 5, &v), HQ_EPROTO);
	ck_assert_int_eq(hq_parse_u64("5", 1, 5, &v), 0);
	ck_assert_int_eq(hq_parse_u64("0", 1, 0, &v), 0);
	ck_assert_int_eq(hq_parse_u64("1", 1, 0, &v), HQ_EPROTO);
}
END_TEST

START_TEST(test_scan_portset)
{
	struct hq_portset ps;

	ck_assert_int_eq(hq_portset_parse("1-65535", &ps, NULL), 0);
	ck_assert_uint_eq(ps.count, 65535);
	ck_assert_int_eq(hq_portset_parse("22,80,8000-8002,80", &ps, NULL), 0);
	ck_assert_uint_eq(ps.count, 5);
	ck_assert(hq_portset_has(&ps, 8001));
	ck_assert(!hq_portset_has(&ps, 23));
	ck_assert_int_eq(hq_portset_parse("0", &ps, NULL), HQ_EINVAL);
	ck_assert_int_eq(hq_portset_parse("10-5", &ps, NULL), HQ_EINVAL);
	ck_assert_int_eq(hq_portset_parse("1-65536", &ps, NULL), HQ_EINVAL);
	ck_assert_int_eq(hq_portset_parse("22,", &ps, NULL), HQ_EINVAL);
	ck_assert_int_eq(hq_portset_parse("a", &ps, NULL), HQ_EINVAL);
	ck_assert_int_eq(hq_portset_parse("", &ps, NULL), HQ_EINVAL);
}
END_TEST

START_TEST(test_scan_classify)
{
	static const uint8_t telnet[] = { 0xff, 0xfd, 0x18, 0xff, 0xfb, 0x01 };
	static const uint8_t alert[] = { 0x15, 0x03, 0x01, 0x00, 0x02, 2, 40 };
	static const uint8_t connack[] = { 0x20, 0x02, 0x00, 0x00 };
	size_t n;

	ck_assert_str_eq(hq_service_classify(telnet, sizeof(telnet), NULL),
	    "telnet");
	ck_assert_str_eq(hq_service_classify((const uint8_t *)
	    "SSH-2.0-OpenSSH_9.2\r\n", 21, NULL), "ssh");
	ck_assert_str_eq(hq_service_classify((const uint8_t *)
	    "BusyBox v1.36 built-in shell\n# ", 31, NULL), "shell");
	ck_assert_str_eq(hq_service_classify(alert, sizeof(alert), "tls"),
	    "tls");
	ck_assert_str_eq(hq_service_classify((const uint8_t *)
	    "HTTP/1.1 400 Bad Request\r\n", 26, "http"), "http");
	ck_assert_str_eq(hq_service_classify((const uint8_t *)
	    "RTSP/1.0 200 OK\r\n", 17, "rtsp"), "rtsp");
	ck_assert_str_eq(hq_service_classify(connack, sizeof(connack),
	    "mqtt"), "mqtt");
	ck_assert_ptr_null(hq_service_classify(connack, 0, "mqtt"));
	/* Record headers around noise are not TLS (a hostile device's
	 * garbage records must not count as an encrypted surface). */
	{
		static const uint8_t noise[] = { 0x16, 0x03, 0x03, 0x00, 0x04,
		    0x9e, 0x11, 0x42, 0x07 };
		static const uint8_t huge[] = { 0x16, 0x03, 0x03, 0xff, 0xff,
		    0x02, 0x02, 0x02 };

		ck_assert_ptr_null(hq_service_classify(noise, sizeof(noise),
		    "tls"));
		ck_assert_ptr_null(hq_service_classify(huge, sizeof(huge),
		    "tls"));
		ck_assert_str_eq(hq_service_classify(noise, sizeof(noise),
		    NULL), "unknown");
	}
	ck_assert_ptr_null(hq_service_classify((const uint8_t *)"xyz", 3,
	    "http"));
	/* The probe is a well-formed TLS record: header length matches. */
	{
		const uint8_t *h = hq_tls_probe_hello(&n);

		ck_assert_uint_eq((size_t)(h[3] << 8 | h[4]), n - 5);
		ck_assert_uint_eq(h[0], 0x16);
	}
}
END_TEST

START_TEST(test_scan_loopback)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct hq_scan_opts so = { "127.0.0.1", 256, 500, 0 };
	struct hq_scan_result sr;
	struct hq_portset ps;
	socklen_t sl = sizeof(sin);
	char spec[64];
	unsigned port;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	port = ntohs(sin.sin_port);
	snprintf(spec, sizeof(spec), "%u-%u", port - 50 > 0 ? port - 50 : 1,
	    port + 50 < 65536 ? port + 50 : 65535);
	ck_assert_int_eq(hq_portset_parse(spec, &ps, NULL), 0);
	ck_assert_int_eq(hq_scan_tcp(&so, &ps, hq_deadline_in(10000), &sr,
	    NULL), 0);
	ck_assert_uint_ge(sr.nopen, 1);
	{
		size_t i;
		bool found = false;

		for (i = 0; i < sr.nopen; i++)
			found |= sr.open[i] == port;
		ck_assert(found);
	}
	ck_assert_uint_eq(sr.nopen + sr.nclosed + sr.nfiltered, ps.count);
	hq_scan_result_clear(&sr);
	close(fd);
}
END_TEST

START_TEST(test_transcript_redact)
{
	char dir[] = "/tmp/hq-unit-ev-XXXXXX", path[256], *text;
	struct hq_evidence *ev;
	struct hq_transcript *t = hq_transcript_new(1 << 16);
	size_t len;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(hq_evidence_new(dir, &ev, NULL), 0);
	hq_transcript_printf(t, "login admin:Hunter2!x then ");
	hq_transcript_bytes(t, "<-", "token=abcSECRETdef\r\nok\n", 23);
	hq_transcript_redact(t, "Hunter2!x");
	hq_transcript_redact(t, "SECRET");
	hq_transcript_redact(t, "ok");		/* short: masked in place */
	ck_assert_int_eq(hq_transcript_save(t, ev, "sub/t.txt", NULL), 0);
	snprintf(path, sizeof(path), "%s/sub/t.txt", dir);
	ck_assert_int_eq(hq_file_slurp(path, 1 << 20, &text, &len, NULL), 0);
	ck_assert_ptr_null(strstr(text, "Hunter2"));
	ck_assert_ptr_null(strstr(text, "SECRET"));
	ck_assert_ptr_nonnull(strstr(text, "admin:***"));
	ck_assert_ptr_nonnull(strstr(text, "<- **"));
	free(text);
	/* Paths may not leave the run directory. */
	ck_assert_int_ne(hq_evidence_write(ev, "../x", "log", "a", 1, NULL),
	    0);
	ck_assert_int_ne(hq_evidence_write(ev, "/etc/x", "log", "a", 1,
	    NULL), 0);
	{
		cJSON *m = hq_evidence_manifest(ev);

		ck_assert_int_eq(cJSON_GetArraySize(m), 1);
		ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetArrayItem(m, 0), "path")), "sub/t.txt");
		cJSON_Delete(m);
	}
	hq_transcript_free(t);
	hq_evidence_free(ev);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_sha256_known)
{
	char hex[65];

	hq_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}
END_TEST

static void
write_tmp(char *path, const char *text)
{
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
file_is(const char *path, const char *want)
{
	char *text = NULL;
	size_t len;

	ck_assert_int_eq(hq_file_slurp(path, 64, &text, &len, NULL), 0);
	ck_assert_str_eq(text, want);
	free(text);
}

START_TEST(test_write_atomic_no_link)	/* a planted link is not followed */
{
	char dir[] = "/tmp/hq-atomic.XXXXXX", path[96], tmp[128],
	    victim[96], link2[96];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/report.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(link2, sizeof(link2), "%s/link", dir);
	ck_assert_int_eq(hq_file_write_atomic(victim, "v\n", 2, 0644, NULL),
	    0);
	/* At the temporary name: removed, never written through. */
	ck_assert_int_eq(symlink(victim, tmp), 0);
	ck_assert_int_eq(hq_file_write_atomic(path, "{}\n", 3, 0644, NULL),
	    0);
	file_is(victim, "v\n");
	ck_assert_int_eq(access(tmp, F_OK), -1);
	/* At the final name: the link is replaced, its target untouched. */
	ck_assert_int_eq(symlink(victim, link2), 0);
	ck_assert_int_eq(hq_file_write_atomic(link2, "new\n", 4, 0644, NULL),
	    0);
	file_is(victim, "v\n");
	file_is(link2, "new\n");
	unlink(victim);
	unlink(link2);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_plan_applicability)
{
	char pp[] = "/tmp/hq-unit-p-XXXXXX", dp[] = "/tmp/hq-unit-d-XXXXXX";
	struct hq_profile *p = NULL;
	struct hq_dut *d = NULL;
	struct hq_plan plan;

	write_tmp(pp, "{\"format\":\"hopquy-profile/1\",\"id\":\"p\","
	    "\"title\":\"t\",\"regulation\":\"r\",\"issuer\":\"i\","
	    "\"version\":\"1\",\"status\":\"lab\",\"device_classes\":"
	    "[\"ip-camera\",\"smart-lock\"],\"groups\":[{\"id\":\"g\","
	    "\"title\":\"g\"}],\"testcases\":["
	    "{\"id\":\"a\",\"title\":\"a\",\"description\":\"d\",\"group\":"
	    "\"g\",\"family\":\"surface\",\"mandatory\":true,\"params\":{}},"
	    "{\"id\":\"b\",\"title\":\"b\",\"description\":\"d\",\"group\":"
	    "\"g\",\"family\":\"surface\",\"mandatory\":true,\"classes\":"
	    "[\"smart-lock\"],\"params\":{}},"
	    "{\"id\":\"c\",\"title\":\"c\",\"description\":\"d\",\"group\":"
	    "\"g\",\"family\":\"surface\",\"mandatory\":true,\"claim\":"
	    "\"telnet\",\"params\":{}}]}");
	write_tmp(dp, "{\"format\":\"hopquy-dut/1\",\"identity\":{"
	    "\"manufacturer\":\"m\",\"model\":\"x\",\"serial\":\"s\","
	    "\"firmware\":\"1\",\"class\":\"ip-camera\"},\"bench\":{\"mode\":"
	    "\"namespaces\",\"address\":\"198.18.0.2\"},\"surfaces\":[],"
	    "\"claims\":{\"telnet\":{\"support\":\"n/a\",\"detail\":"
	    "\"no telnet daemon in the image\"}}}");
	ck_assert_int_eq(hq_profile_load(pp, &p, NULL), 0);
	ck_assert_int_eq(hq_dut_load(dp, &d, NULL), 0);
	ck_assert_int_eq(hq_plan_build(p, d, NULL, &plan, NULL), 0);
	ck_assert_uint_eq(plan.nitems, 3);
	ck_assert(plan.items[0].applicable);
	ck_assert(!plan.items[1].applicable);
	ck_assert_ptr_nonnull(strstr(plan.items[1].reason, "smart-lock"));
	ck_assert(!plan.items[2].applicable);
	ck_assert_ptr_nonnull(strstr(plan.items[2].reason,
	    "no telnet daemon"));
	hq_plan_clear(&plan);
	ck_assert_int_eq(hq_plan_build(p, d, "b,c", &plan, NULL), 0);
	ck_assert(!plan.items[0].applicable);
	ck_assert_ptr_nonnull(strstr(plan.items[0].reason, "not selected"));
	hq_plan_clear(&plan);
	hq_profile_free(p);
	hq_dut_free(d);
	unlink(pp);
	unlink(dp);
}
END_TEST

Suite *
suite_core(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_rd_truncated, 0, sizeof(sample) + 1);
	tcase_add_test(tc, test_rd_lines_numbers);
	tcase_add_test(tc, test_scan_portset);
	tcase_add_test(tc, test_scan_classify);
	tcase_add_test(tc, test_scan_loopback);
	tcase_add_test(tc, test_transcript_redact);
	tcase_add_test(tc, test_sha256_known);
	tcase_add_test(tc, test_write_atomic_no_link);
	tcase_add_test(tc, test_plan_applicability);
	suite_add_tcase(s, tc);
	return s;
}

/* The one decision rule: outside the band every rule agrees; inside it
 * each rule gives its own answer, and hq_measure records what it returns. */
START_TEST(decide_rules)
{
	bool band;
	struct hq_result *r;
	cJSON *m;

	ck_assert_int_eq(hq_decide(6000, ">=", 5000, 50, HQ_RULE_INCONCLUSIVE,
	    &band), HQ_CONF_YES);
	ck_assert(!band);
	ck_assert_int_eq(hq_decide(4000, ">=", 5000, 50, HQ_RULE_GUARDED_REJECTION,
	    &band), HQ_CONF_NO);
	ck_assert_int_eq(hq_decide(4999.94, ">=", 5000, 50, HQ_RULE_SIMPLE,
	    &band), HQ_CONF_NO);
	ck_assert(band);
	ck_assert_int_eq(hq_decide(4999.94, ">=", 5000, 50,
	    HQ_RULE_GUARDED_REJECTION, NULL), HQ_CONF_YES);
	ck_assert_int_eq(hq_decide(5020, ">=", 5000, 50,
	    HQ_RULE_GUARDED_ACCEPTANCE, NULL), HQ_CONF_NO);
	ck_assert_int_eq(hq_decide(4999.94, ">=", 5000, 50,
	    HQ_RULE_INCONCLUSIVE, NULL), HQ_CONF_UNDECIDED);
	ck_assert_int_eq(hq_decide(10, "<=", 5, 0, HQ_RULE_SIMPLE, NULL),
	    HQ_CONF_NO);
	ck_assert_int_eq(hq_decide(1, NULL, 5, 0, HQ_RULE_SIMPLE, NULL),
	    HQ_CONF_NONE);
	ck_assert_int_eq(hq_decide(NAN, "<=", 5, 0, HQ_RULE_SIMPLE, NULL),
	    HQ_CONF_UNDECIDED);

	r = hq_result_new("x/1", 0);
	hq_result_set_rule(r, HQ_RULE_INCONCLUSIVE);
	ck_assert_int_eq(hq_measure(r, "audible", 4999.94, "ms", ">=", 5000,
	    50), HQ_CONF_UNDECIDED);
	m = cJSON_GetArrayItem(cJSON_GetObjectItem(hq_result_json(r),
	    "measurements"), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(m, "decision")->valuestring,
	    "INCONCLUSIVE: within uncertainty of the limit (rule: "
	    "inconclusive)");
	hq_result_free(r);
	/* Each rule's consequence, in the table as in the verdict. */
	r = hq_result_new("x/2", 0);
	hq_result_set_rule(r, HQ_RULE_GUARDED_REJECTION);
	ck_assert_int_eq(hq_measure(r, "audible", 4999.94, "ms", ">=", 5000,
	    50), HQ_CONF_YES);
	hq_result_set_rule(r, HQ_RULE_GUARDED_ACCEPTANCE);
	ck_assert_int_eq(hq_measure(r, "audible", 5020, "ms", ">=", 5000,
	    50), HQ_CONF_NO);
	hq_result_set_rule(r, HQ_RULE_SIMPLE);
	ck_assert_int_eq(hq_measure(r, "audible", 4999.94, "ms", ">=", 5000,
	    50), HQ_CONF_NO);
	m = cJSON_GetObjectItem(hq_result_json(r), "measurements");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 0),
	    "decision")->valuestring, "guard band: conforms, within uncertainty of the limit (rule: "
	    "guarded-rejection)");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 1),
	    "decision")->valuestring, "guard band: does not conform, within "
	    "uncertainty of the limit (rule: guarded-acceptance)");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 2),
	    "decision")->valuestring, "does not conform, within uncertainty "
	    "of the limit (rule: simple, the measured value decides)");
	hq_result_free(r);
}
END_TEST

Suite *
suite_decide(void)
{
	Suite *s = suite_create("decide");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, decide_rules);
	suite_add_tcase(s, tc);
	return s;
}
