/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interception check's pure parts: the redacted first line of what a
 * DUT sent to the interceptor (secrets, tokens and query strings never
 * shown; every truncation of hostile bytes on the heap), and the
 * certificates made at run time (a CA and a leaf for the cloud's name and
 * addresses that chain to that CA only).  The network part is tested end
 * to end (tests/e2e/t-tls-intercept.sh, cases/tls-*.case).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/x509v3.h>

#include "tls_intercept.h"
#include "util/err.h"

static void
redact(const char *in, const char *const *secrets, char *out, size_t outsz)
{
	hq_tls_intercept_redact_line(in, strlen(in), secrets, out, outsz);
}

START_TEST(test_tls_intercept_redact)
{
	static const char *const secrets[] = { "hunter2", NULL };
	char out[512];

	redact("POST /v1/login HTTP/1.1\r\nHost: x\r\n\r\n{\"password\":"
	    "\"hunter2\"}", secrets, out, sizeof(out));
	ck_assert_str_eq(out, "POST /v1/login HTTP/1.1");
	redact("GET /a?token=abc&x=1 HTTP/1.1\r\n", NULL, out, sizeof(out));
	ck_assert_str_eq(out, "GET /a?[redacted] HTTP/1.1");
	redact("Bearer eyJhbGciOiJIUzI1NiJ9abc\n", NULL, out, sizeof(out));
	ck_assert_str_eq(out, "Bearer [redacted]");
	redact("user=admin pw=hunter2 ok", secrets, out, sizeof(out));
	ck_assert_str_eq(out, "user=admin pw=[redacted] ok");
	hq_tls_intercept_redact_line("\x16\x03\x01\x00\x7f", 5, NULL, out,
	    sizeof(out));
	ck_assert_str_eq(out, "\\x16\\x03\\x01\\x00\\x7f");
	redact("", NULL, out, sizeof(out));
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_tls_intercept_redact_long)
{
	char in[400], out[512];

	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	for (size_t i = 0; i < sizeof(in) - 1; i += 8)
		in[i] = ' ';		/* short words: nothing to redact */
	redact(in, NULL, out, sizeof(out));
	ck_assert_uint_eq(strlen(out), HQ_ICPT_LINE_MAX + 3);
	ck_assert_str_eq(out + HQ_ICPT_LINE_MAX, "...");
	/* A small output buffer is never overrun, always terminated. */
	redact("\x01\x02\x03\x04 GET /x?y HTTP/1.1", NULL, out, 6);
	ck_assert_uint_lt(strlen(out), 6);
	redact("GET", NULL, out, 1);
	ck_assert_str_eq(out, "");
}
END_TEST

static const char hostile[] =
    "GET /x?\xff\xfe" "abcdefghijklmnopqrstuvwxyz\r\x00\n" "more";

START_TEST(test_tls_intercept_redact_truncated)	/* _i bytes on the heap */
{
	static const char *const secrets[] = { "abcdefghijklmnopqrstuvwxyz!",
	    "x", NULL };
	char *copy = malloc(_i > 0 ? _i : 1), out[HQ_ICPT_LINE_MAX * 4 + 32];

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, hostile, _i);
	hq_tls_intercept_redact_line(copy, _i, secrets, out, sizeof(out));
	ck_assert_uint_lt(strlen(out), sizeof(out));
	ck_assert_ptr_null(strstr(out, "abcdefghijklmnop"));
	free(copy);
}
END_TEST

START_TEST(test_tls_intercept_untrusted)
{
	static const char *const addrs[] = { "198.19.70.2", "2001:db8::2" };
	X509 *leaf = NULL, *ca = NULL;
	EVP_PKEY *key = NULL;
	X509_STORE *st;
	X509_STORE_CTX *vc;
	struct hq_err err = { 0, "" };

	ck_assert_int_eq(hq_tls_intercept_make_untrusted("cloud.hopquy.test",
	    addrs, 2, &leaf, &ca, &key, &err), 0);
	ck_assert_int_eq(X509_check_private_key(leaf, key), 1);
	ck_assert_int_eq(X509_check_host(leaf, "cloud.hopquy.test", 0, 0,
	    NULL), 1);
	ck_assert_int_ne(X509_check_host(leaf, "other.hopquy.test", 0, 0,
	    NULL), 1);
	ck_assert_int_eq(X509_check_ip_asc(leaf, "198.19.70.2", 0), 1);
	ck_assert_int_eq(X509_check_ip_asc(leaf, "2001:db8::2", 0), 1);
	ck_assert_int_eq(X509_check_ca(ca), 1);
	ck_assert_int_eq(X509_check_ca(leaf), 0);
	ck_assert_int_eq(X509_cmp_current_time(X509_get0_notAfter(leaf)), 1);
	ck_assert_int_eq(X509_cmp_current_time(X509_get0_notBefore(leaf)),
	    -1);
	/* It chains to its own CA ... */
	st = X509_STORE_new();
	vc = X509_STORE_CTX_new();
	ck_assert_int_eq(X509_STORE_add_cert(st, ca), 1);
	ck_assert_int_eq(X509_STORE_CTX_init(vc, st, leaf, NULL), 1);
	X509_STORE_CTX_set_purpose(vc, X509_PURPOSE_SSL_SERVER);
	ck_assert_int_eq(X509_verify_cert(vc), 1);
	X509_STORE_CTX_free(vc);
	X509_STORE_free(st);
	/* ... and to nothing else. */
	st = X509_STORE_new();
	vc = X509_STORE_CTX_new();
	ck_assert_int_eq(X509_STORE_CTX_init(vc, st, leaf, NULL), 1);
	ck_assert_int_ne(X509_verify_cert(vc), 1);
	X509_STORE_CTX_free(vc);
	X509_STORE_free(st);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(key);
	/* Without a name, the addresses alone. */
	ck_assert_int_eq(hq_tls_intercept_make_untrusted(NULL, addrs, 1,
	    &leaf, &ca, &key, &err), 0);
	ck_assert_int_eq(X509_check_ip_asc(leaf, "198.19.70.2", 0), 1);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(key);
}
END_TEST

Suite *suite_tls_intercept(void);

Suite *
suite_tls_intercept(void)
{
	Suite *s = suite_create("tls_intercept");
	TCase *tc;

	tc = tcase_create("redact");
	tcase_add_test(tc, test_tls_intercept_redact);
	tcase_add_test(tc, test_tls_intercept_redact_long);
	tcase_add_loop_test(tc, test_tls_intercept_redact_truncated, 0,
	    sizeof(hostile) - 1);
	suite_add_tcase(s, tc);
	tc = tcase_create("untrusted");
	tcase_add_test(tc, test_tls_intercept_untrusted);
	suite_add_tcase(s, tc);
	return s;
}
