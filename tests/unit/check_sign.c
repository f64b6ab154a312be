/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sign.c: CMS sign/verify round trips with an EC P-256 and an RSA key
 * under a CA made here, tampering, the wrong CA, key file permissions,
 * every truncation of a signature, DSSE (PAE and envelopes) and base64.
 */
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "evidence/render.h"
#include "evidence/sign.h"
#include "util/err.h"
#include "util/util.h"

static char dir[PATH_MAX];

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ck_assert_ptr_nonnull(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

static X509 *
mkcert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey,
    bool ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
	    (const unsigned char *)"hopquy unit", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : n);
	X509_set_pubkey(x, key);
	add_ext(x, issuer != NULL ? issuer : x, NID_basic_constraints, ca ?
	    "critical,CA:TRUE" : "CA:FALSE");
	add_ext(x, issuer != NULL ? issuer : x, NID_key_usage, ca ?
	    "critical,keyCertSign,cRLSign" :
	    "critical,digitalSignature,nonRepudiation");
	ck_assert_int_gt(X509_sign(x, ikey != NULL ? ikey : key,
	    EVP_sha256()), 0);
	X509_NAME_free(n);
	return x;
}

static void
write_pem(const char *name, EVP_PKEY *key, X509 *cert, unsigned mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	if (key != NULL)
		ck_assert_int_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0,
		    NULL, NULL), 1);
	if (cert != NULL)
		ck_assert_int_eq(PEM_write_X509(f, cert), 1);
	fclose(f);
	chmod(path, mode);
}

static char *
p(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* A CA, an EC and an RSA signer under it, and a stranger CA. */
static void
setup(void)
{
	EVP_PKEY *cak, *eck, *rsak, *xk;
	X509 *ca, *ec, *rsa, *xca;

	snprintf(dir, sizeof(dir), "/tmp/hq-rp-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	cak = EVP_EC_gen("P-256");
	eck = EVP_EC_gen("P-256");
	rsak = EVP_RSA_gen(2048);
	xk = EVP_EC_gen("P-256");
	ck_assert(cak != NULL && eck != NULL && rsak != NULL && xk != NULL);
	ca = mkcert(cak, "unit CA", NULL, NULL, true);
	ec = mkcert(eck, "unit signer EC", ca, cak, false);
	rsa = mkcert(rsak, "unit signer RSA", ca, cak, false);
	xca = mkcert(xk, "unit CA", NULL, NULL, true);	/* same name */
	write_pem("ca.pem", NULL, ca, 0644);
	write_pem("other-ca.pem", NULL, xca, 0644);
	write_pem("ec.key", eck, NULL, 0600);
	write_pem("ec.pem", NULL, ec, 0644);
	write_pem("rsa.key", rsak, NULL, 0600);
	write_pem("rsa.pem", NULL, rsa, 0644);
	write_pem("open.key", eck, NULL, 0644);
	X509_free(ca);
	X509_free(ec);
	X509_free(rsa);
	X509_free(xca);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(eck);
	EVP_PKEY_free(rsak);
	EVP_PKEY_free(xk);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

static void
teardown(void)
{
	ck_assert_int_eq(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static const char data[] = "{\n\t\"report_id\": \"HQ-1\"\n}\n";

START_TEST(test_sign_roundtrip)
{
	const char *key = _i == 0 ? p("ec.key") : p("rsa.key");
	const char *cert = _i == 0 ? p("ec.pem") : p("rsa.pem");
	struct hq_signer *s = NULL;
	struct hq_sig_info si = { 0 };
	struct hq_err err = { 0 };
	unsigned char *der = NULL;
	size_t len = 0;
	char *copy;

	ck_assert_int_eq(hq_signer_load(key, cert, &s, &err), 0);
	ck_assert_str_eq(hq_signer_subject(s), _i == 0 ?
	    "CN=unit signer EC,O=hopquy unit" :
	    "CN=unit signer RSA,O=hopquy unit");
	ck_assert_uint_eq(strlen(hq_signer_keyid(s)), 64);
	ck_assert_int_eq(hq_sign_cms(s, data, strlen(data), NULL, &der, &len,
	    &err), 0);
	ck_assert_int_eq(hq_verify_cms(data, strlen(data), der, len,
	    p("ca.pem"), NULL, &si, &err), 0);
	ck_assert_str_eq(si.signer, hq_signer_subject(s));
	ck_assert_uint_eq(strlen(si.signing_time), 20);
	ck_assert(!si.timestamped);
	ck_assert_ptr_nonnull(si.pkey);
	hq_sig_info_clear(&si);
	/* One flipped byte of the content. */
	copy = strdup(data);
	copy[5] ^= 0x01;
	hq_err_clear(&err);
	ck_assert_int_eq(hq_verify_cms(copy, strlen(copy), der, len,
	    p("ca.pem"), NULL, NULL, &err), HQ_ETLS);
	free(copy);
	/* A CA of the same name but another key. */
	hq_err_clear(&err);
	ck_assert_int_eq(hq_verify_cms(data, strlen(data), der, len,
	    p("other-ca.pem"), NULL, NULL, &err), HQ_ETLS);
	/* A flipped byte in the signature itself. */
	der[len - 3] ^= 0x10;
	hq_err_clear(&err);
	ck_assert_int_ne(hq_verify_cms(data, strlen(data), der, len,
	    p("ca.pem"), NULL, NULL, &err), 0);
	free(der);
	hq_signer_free(s);
}
END_TEST

START_TEST(test_sign_key_refused)
{
	struct hq_signer *s = NULL;
	struct hq_err err = { 0 };

	/* Readable by others. */
	ck_assert_int_eq(hq_signer_load(p("open.key"), p("ec.pem"), &s,
	    &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "accessible to others"));
	ck_assert_ptr_null(s);
	/* Certificate of another key. */
	hq_err_clear(&err);
	ck_assert_int_eq(hq_signer_load(p("ec.key"), p("rsa.pem"), &s,
	    &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not match"));
	/* No certificate in the file; no key file. */
	hq_err_clear(&err);
	ck_assert_int_eq(hq_signer_load(p("ec.key"), p("ec.key"), &s, &err),
	    HQ_EINVAL);
	hq_err_clear(&err);
	ck_assert_int_eq(hq_signer_load(p("none.key"), p("ec.pem"), &s,
	    &err), HQ_EINVAL);
	/* A directory is not a key. */
	hq_err_clear(&err);
	ck_assert_int_eq(hq_signer_load(dir, p("ec.pem"), &s, &err),
	    HQ_EINVAL);
}
END_TEST

/* Every truncation of a valid signature is refused, never a crash. */
START_TEST(test_sign_truncated)
{
	static unsigned char *der;
	static size_t len;
	struct hq_signer *s = NULL;
	struct hq_err err = { 0 };
	unsigned char *copy;
	size_t n;

	ck_assert_int_eq(hq_signer_load(p("ec.key"), p("ec.pem"), &s, &err),
	    0);
	ck_assert_int_eq(hq_sign_cms(s, data, strlen(data), NULL, &der, &len,
	    &err), 0);
	for (n = 0; n < len; n += (n < 64 ? 1 : 7)) {
		copy = malloc(n > 0 ? n : 1);
		memcpy(copy, der, n);
		hq_err_clear(&err);
		ck_assert_int_ne(hq_verify_cms(data, strlen(data), copy, n,
		    p("ca.pem"), NULL, NULL, &err), 0);
		free(copy);
	}
	free(der);
	hq_signer_free(s);
}
END_TEST

START_TEST(test_sign_dsse)
{
	static const char type[] = "http://example.com/HelloWorld";
	static const char body[] = "hello world";
	struct hq_signer *s = NULL;
	struct hq_sig_info si = { 0 };
	struct hq_err err = { 0 };
	unsigned char *pae, *out = NULL, *der = NULL;
	size_t paelen, outlen, derlen;
	char *env = NULL, *tmp, *pos, *t = NULL;

	/* The DSSE specification's own example. */
	ck_assert_int_eq(hq_dsse_pae(type, body, strlen(body), &pae, &paelen,
	    &err), 0);
	ck_assert_uint_eq(paelen, strlen("DSSEv1 29 "
	    "http://example.com/HelloWorld 11 hello world"));
	ck_assert(memcmp(pae, "DSSEv1 29 http://example.com/HelloWorld 11 "
	    "hello world", paelen) == 0);
	free(pae);
	ck_assert_int_eq(hq_signer_load(_i == 0 ? p("ec.key") : p("rsa.key"),
	    _i == 0 ? p("ec.pem") : p("rsa.pem"), &s, &err), 0);
	ck_assert_int_eq(hq_dsse_sign(s, HQ_DSSE_TYPE_INTOTO, body,
	    strlen(body), &env, &err), 0);
	/* The verifier's key comes from a verified CMS signature. */
	ck_assert_int_eq(hq_sign_cms(s, data, strlen(data), NULL, &der,
	    &derlen, &err), 0);
	ck_assert_int_eq(hq_verify_cms(data, strlen(data), der, derlen,
	    p("ca.pem"), NULL, &si, &err), 0);
	ck_assert_int_eq(hq_dsse_verify(env, strlen(env), si.pkey, &t, &out,
	    &outlen, &err), 0);
	ck_assert_str_eq(t, HQ_DSSE_TYPE_INTOTO);
	ck_assert_uint_eq(outlen, strlen(body));
	ck_assert(memcmp(out, body, outlen) == 0);
	free(out);
	free(t);
	/* Another payload under the same signature: "hello world" is
	 * aGVsbG8gd29ybGQ=; make it "hello worle". */
	tmp = strdup(env);
	pos = strstr(tmp, "aGVsbG8gd29ybGQ=");
	ck_assert_ptr_nonnull(pos);
	memcpy(pos, "aGVsbG8gd29ybGU=", 16);
	hq_err_clear(&err);
	ck_assert_int_eq(hq_dsse_verify(tmp, strlen(tmp), si.pkey, NULL, &out,
	    &outlen, &err), HQ_ETLS);
	free(tmp);
	/* Another payload type. */
	tmp = strdup(env);
	pos = strstr(tmp, "in-toto+json");
	memcpy(pos, "in-toto+jsom", 12);
	hq_err_clear(&err);
	ck_assert_int_eq(hq_dsse_verify(tmp, strlen(tmp), si.pkey, NULL, &out,
	    &outlen, &err), HQ_ETLS);
	free(tmp);
	hq_err_clear(&err);
	ck_assert_int_eq(hq_dsse_verify("{}", 2, si.pkey, NULL, &out, &outlen,
	    &err), HQ_EINVAL);
	hq_sig_info_clear(&si);
	free(der);
	free(env);
	hq_signer_free(s);
}
END_TEST

START_TEST(test_sign_base64)
{
	static const char *const bad[] = { "a", "ab=c", "====", "ab\n=",
	    "a=bc", "ab*d", "abc" };
	unsigned char in[16], *out;
	size_t n, outlen, i;
	char *enc;

	for (n = 0; n < sizeof(in); n++) {
		for (i = 0; i < n; i++)
			in[i] = (unsigned char)(i * 37 + n);
		enc = hq_base64_encode(in, n);
		ck_assert_ptr_nonnull(enc);
		ck_assert_uint_eq(strlen(enc), 4 * ((n + 2) / 3));
		ck_assert_int_eq(hq_base64_decode(enc, strlen(enc), &out,
		    &outlen, NULL), 0);
		ck_assert_uint_eq(outlen, n);
		ck_assert(n == 0 || memcmp(out, in, n) == 0);
		free(out);
		free(enc);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(hq_base64_decode(bad[i], strlen(bad[i]), &out,
		    &outlen, NULL), HQ_EINVAL);
}
END_TEST

/* hq_render_outputs signs the bytes on disk and writes the attestation. */
START_TEST(test_sign_outputs)
{
	static const char report[] = "{\"format\":\"hopquy-report/1\","
	    "\"report_id\":\"HQ-20260101-000000-00000000\",\"complete\":true,"
	    "\"results\":[{\"id\":\"x/1\",\"verdict\":\"PASS\"}],"
	    "\"evidence\":[]}\n";
	struct hq_signer *s = NULL;
	struct hq_err err = { 0 };
	struct hq_sig_info si = { 0 };
	char *text, *der, *env;
	unsigned char *body;
	size_t len, derlen, envlen, bodylen;

	ck_assert_int_eq(hq_file_write_atomic(p("report.json"), report,
	    strlen(report), 0644, &err), 0);
	ck_assert_int_eq(hq_signer_load(p("ec.key"), p("ec.pem"), &s, &err),
	    0);
	ck_assert_int_eq(hq_render_outputs(dir, s, NULL, &err), 0);
	ck_assert_int_eq(hq_file_slurp(p("report.json"), 1 << 20, &text, &len,
	    &err), 0);
	ck_assert_int_eq(hq_file_slurp(p("report.json.p7s"), 1 << 20, &der,
	    &derlen, &err), 0);
	ck_assert_int_eq(hq_verify_cms(text, len, der, derlen, p("ca.pem"),
	    NULL, &si, &err), 0);
	ck_assert_int_eq(hq_file_slurp(p("attestation.json"), 1 << 20, &env,
	    &envlen, &err), 0);
	ck_assert_int_eq(hq_dsse_verify(env, envlen, si.pkey, NULL, &body,
	    &bodylen, &err), 0);
	ck_assert_ptr_nonnull(strstr((char *)body, "\"passedTests\":[\"x/1\"]"));
	ck_assert_ptr_nonnull(strstr((char *)body, HQ_INTOTO_TEST_RESULT));
	ck_assert(access(p("report.html"), R_OK) == 0);
	ck_assert(access(p("junit.xml"), R_OK) == 0);
	free(body);
	free(env);
	free(der);
	free(text);
	hq_sig_info_clear(&si);
	hq_signer_free(s);
}
END_TEST

/* outputs.json, signed, lists the renderings with their SHA-256. */
START_TEST(test_sign_outputs_cover_renderings)
{
	struct hq_err err = { 0 };
	struct hq_sig_info si = { 0 };
	char *text, *der, sha[65];
	const char *names[] = { "report.json", "report.html", "junit.xml",
	    "attestation.json" };
	size_t len, derlen, i;
	uint64_t n;
	cJSON *o;
	const cJSON *f;

	/* test_sign_outputs left a signed run in dir */
	ck_assert_int_eq(hq_file_slurp(p("outputs.json"), 1 << 20, &text,
	    &len, &err), 0);
	ck_assert_int_eq(hq_file_slurp(p("outputs.json.p7s"), 1 << 20, &der,
	    &derlen, &err), 0);
	ck_assert_int_eq(hq_verify_cms(text, len, der, derlen, p("ca.pem"),
	    NULL, &si, &err), 0);
	ck_assert_ptr_nonnull(o = cJSON_Parse(text));
	for (i = 0; i < 4; i++) {
		bool found = false;

		ck_assert_int_eq(hq_sha256_file(p(names[i]), sha, &n, &err), 0);
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(o, "files"))
			if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(f,
			    "path")), names[i]) == 0) {
				ck_assert_str_eq(cJSON_GetStringValue(
				    cJSON_GetObjectItem(f, "sha256")), sha);
				found = true;
			}
		ck_assert_msg(found, "%s not in outputs.json", names[i]);
	}
	cJSON_Delete(o);
	hq_sig_info_clear(&si);
	free(der);
	free(text);
}
END_TEST

/*
 * A signature that cannot be made (a time-stamp authority nobody answers
 * for) leaves no signature file behind and report.json saying unsigned:
 * the report never names a file that was not written.
 */
START_TEST(test_sign_failure_leaves_nothing)
{
	static const char report[] = "{\"format\":\"hopquy-report/1\","
	    "\"report_id\":\"HQ-20260101-000000-00000001\",\"complete\":"
	    "true,\"results\":[],\"evidence\":[],\"authorisation\":{"
	    "\"name\":\"n\",\"signature\":null}}\n";
	static const char *const gone[] = { "report.json.p7s",
	    "attestation.json", "outputs.json", "outputs.json.p7s" };
	struct hq_signer *s = NULL;
	struct hq_err err = { 0 };
	char *text;
	size_t len, i;
	cJSON *r;

	for (i = 0; i < 4; i++)
		unlink(p(gone[i]));
	ck_assert_int_eq(hq_file_write_atomic(p("report.json"), report,
	    strlen(report), 0644, &err), 0);
	ck_assert_int_eq(hq_signer_load(p("ec.key"), p("ec.pem"), &s, &err),
	    0);
	ck_assert_int_ne(hq_render_outputs(dir, s, "http://127.0.0.1:9/tsa",
	    &err), 0);
	for (i = 0; i < 4; i++)
		ck_assert_msg(access(p(gone[i]), F_OK) != 0, "%s was left",
		    gone[i]);
	ck_assert(access(p("report.html"), R_OK) == 0);
	ck_assert_int_eq(hq_file_slurp(p("report.json"), 1 << 20, &text, &len,
	    &err), 0);
	ck_assert_ptr_nonnull(r = cJSON_Parse(text));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(r,
	    "authorisation"), "signature")));
	cJSON_Delete(r);
	free(text);
	hq_signer_free(s);
}
END_TEST

Suite *
suite_sign(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("sign");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_sign_roundtrip, 0, 2);
	tcase_add_test(tc, test_sign_key_refused);
	tcase_add_test(tc, test_sign_truncated);
	tcase_add_loop_test(tc, test_sign_dsse, 0, 2);
	tcase_add_test(tc, test_sign_base64);
	tcase_add_test(tc, test_sign_outputs);
	tcase_add_test(tc, test_sign_outputs_cover_renderings);
	tcase_add_test(tc, test_sign_failure_leaves_nothing);
	suite_add_tcase(s, tc);
	return s;
}
