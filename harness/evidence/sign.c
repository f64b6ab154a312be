/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CMS signatures over report.json (RFC 5652), RFC 3161 time-stamps and
 * DSSE envelopes.  Keys never reach logs or errors; only the subject of a
 * certificate does.  What we verify came from disk and may be hostile:
 * sizes are capped and every DER decode must consume its input exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "evidence/sign.h"
#include "util/err.h"
#include "util/log.h"
#include "util/util.h"

struct hq_signer {
	EVP_PKEY	*key;
	X509		*cert;
	STACK_OF(X509)	*chain;		/* intermediates, may be empty */
	char		 subject[512];
	char		 keyid[65];
};

static void
name_str(const X509_NAME *name, char *out, size_t outsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0)
			snprintf(out, outsz, "%.*s", (int)n, p);
	}
	BIO_free(b);
}

static void
asn1_time_str(const ASN1_TIME *t, char *out, size_t outsz)
{
	struct tm tm;

	out[0] = '\0';
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Reads at most max bytes of an open fd; *bufp NUL-terminated. */
static int
read_fd(int fd, const char *path, size_t max, char **bufp, size_t *lenp,
    struct hq_err *err)
{
	char *buf;
	size_t len = 0;
	ssize_t n;

	*bufp = NULL;
	if ((buf = malloc(max + 1)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "%s: no memory", path);
	for (;;) {
		n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return hq_err_set(err, HQ_EINVAL, "%s: read: %s", path,
			    strerror(errno));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			OPENSSL_cleanse(buf, len);
			free(buf);
			return hq_err_set(err, HQ_EINVAL,
			    "%s: larger than %zu bytes", path, max);
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

static int
key_pass_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pass = getenv("HQ_SIGN_KEY_PASS");
	size_t n;

	(void)rwflag;
	(void)u;
	if (pass == NULL || size <= 0)
		return -1;
	n = strlen(pass);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

static int
load_key(const char *path, EVP_PKEY **keyp, struct hq_err *err)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	BIO *b = NULL;
	int fd, rc;

	*keyp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hq_err_set(err, HQ_EINVAL, "%s: cannot open: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = hq_err_sys(err, path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: not a regular file",
		    path);
		goto out;
	}
	/* A lab's signing key readable by others signs nothing. */
	if ((st.st_mode & (S_IRWXO | S_IWGRP)) != 0) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: private key is accessible "
		    "to others (mode %04o); chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if ((rc = read_fd(fd, path, HQ_SIGN_KEY_MAX, &text, &len, err)) != 0)
		goto out;
	if ((b = BIO_new_mem_buf(text, (int)len)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "%s: no memory", path);
		goto out;
	}
	ERR_clear_error();
	if ((*keyp = PEM_read_bio_PrivateKey(b, NULL, key_pass_cb,
	    NULL)) == NULL) {
		rc = hq_err_tls(err, path);
		goto out;
	}
	if (EVP_PKEY_get_base_id(*keyp) != EVP_PKEY_RSA &&
	    EVP_PKEY_get_base_id(*keyp) != EVP_PKEY_EC) {
		EVP_PKEY_free(*keyp);
		*keyp = NULL;
		rc = hq_err_set(err, HQ_EINVAL, "%s: neither an RSA nor an EC "
		    "key", path);
		goto out;
	}
	rc = 0;
 out:
	BIO_free(b);
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	close(fd);
	return rc;
}

int
hq_signer_load(const char *keypath, const char *certpath,
    struct hq_signer **sp, struct hq_err *err)
{
	struct hq_signer *s = NULL;
	unsigned char *spki = NULL;
	char *text = NULL;
	size_t len;
	BIO *b = NULL;
	X509 *x;
	int rc, n;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->chain = sk_X509_new_null()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "signer: no memory");
		goto out;
	}
	if ((rc = load_key(keypath, &s->key, err)) != 0 ||
	    (rc = hq_file_slurp(certpath, HQ_SIGN_CERT_MAX, &text, &len,
	    err)) != 0)
		goto out;
	if ((b = BIO_new_mem_buf(text, (int)len)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "signer: no memory");
		goto out;
	}
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (s->cert == NULL)
			s->cert = x;
		else if (sk_X509_push(s->chain, x) <= 0) {
			X509_free(x);
			rc = hq_err_set(err, HQ_ENOMEM, "signer: no memory");
			goto out;
		}
	}
	ERR_clear_error();		/* the end of the PEM stream */
	if (s->cert == NULL) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: no PEM certificate",
		    certpath);
		goto out;
	}
	if (X509_check_private_key(s->cert, s->key) != 1) {
		ERR_clear_error();
		rc = hq_err_set(err, HQ_EINVAL, "%s: the certificate does not "
		    "match the key %s", certpath, keypath);
		goto out;
	}
	name_str(X509_get_subject_name(s->cert), s->subject,
	    sizeof(s->subject));
	if ((n = i2d_PUBKEY(s->key, &spki)) <= 0) {
		rc = hq_err_tls(err, "signer: public key");
		goto out;
	}
	hq_sha256_hex(spki, (size_t)n, s->keyid);
	*sp = s;
	s = NULL;
	rc = 0;
 out:
	OPENSSL_free(spki);
	BIO_free(b);
	free(text);
	hq_signer_free(s);
	return rc;
}

void
hq_signer_free(struct hq_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	sk_X509_pop_free(s->chain, X509_free);
	free(s);
}

const char *
hq_signer_subject(const struct hq_signer *s)
{
	return s->subject;
}

const char *
hq_signer_keyid(const struct hq_signer *s)
{
	return s->keyid;
}

/* CMS and PKCS#7 objects to malloc'd DER. */
static int
cms_der(CMS_ContentInfo *cms, unsigned char **derp, size_t *lenp,
    struct hq_err *err)
{
	unsigned char *buf, *p;
	int n;

	if ((n = i2d_CMS_ContentInfo(cms, NULL)) <= 0)
		return hq_err_tls(err, "cms: encode");
	if ((buf = malloc((size_t)n)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "cms: no memory");
	p = buf;
	if (i2d_CMS_ContentInfo(cms, &p) != n) {
		free(buf);
		return hq_err_tls(err, "cms: encode");
	}
	*derp = buf;
	*lenp = (size_t)n;
	return 0;
}

int
hq_sign_cms(const struct hq_signer *s, const void *data, size_t len,
    const char *tsa_url, unsigned char **derp, size_t *lenp,
    struct hq_err *err)
{
	const unsigned int flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL |
	    CMS_NOSMIMECAP;
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *sig;
	unsigned char digest[32], *tok = NULL;
	size_t toklen = 0;
	BIO *in = NULL;
	int rc, i;

	*derp = NULL;
	*lenp = 0;
	if (len > INT_MAX)
		return hq_err_set(err, HQ_EINVAL, "sign: %zu bytes is too "
		    "large", len);
	ERR_clear_error();
	if ((in = BIO_new_mem_buf(data, (int)len)) == NULL ||
	    (cms = CMS_sign(NULL, NULL, NULL, NULL, flags)) == NULL) {
		rc = hq_err_tls(err, "sign");
		goto out;
	}
	if ((si = CMS_add1_signer(cms, s->cert, s->key, EVP_sha256(),
	    flags)) == NULL) {
		rc = hq_err_tls(err, "sign: signer");
		goto out;
	}
	for (i = 0; i < sk_X509_num(s->chain); i++)
		if (CMS_add1_cert(cms, sk_X509_value(s->chain, i)) != 1) {
			rc = hq_err_tls(err, "sign: chain");
			goto out;
		}
	if (CMS_set_detached(cms, 1) != 1 ||
	    CMS_final(cms, in, NULL, flags & ~CMS_PARTIAL) != 1) {
		rc = hq_err_tls(err, "sign");
		goto out;
	}
	if (tsa_url != NULL) {
		/* RFC 3161 appendix A: the token covers the signature value
		 * and travels as an unsigned attribute of the signer. */
		sig = CMS_SignerInfo_get0_signature(si);
		SHA256(ASN1_STRING_get0_data(sig),
		    (size_t)ASN1_STRING_length(sig), digest);
		if ((rc = hq_tsa_stamp(tsa_url, digest, &tok, &toklen,
		    err)) != 0)
			goto out;
		if (toklen > INT_MAX || CMS_unsigned_add1_attr_by_NID(si,
		    NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, tok,
		    (int)toklen) != 1) {
			rc = hq_err_tls(err, "sign: time-stamp attribute");
			goto out;
		}
	}
	rc = cms_der(cms, derp, lenp, err);
 out:
	free(tok);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return rc;
}

void
hq_sig_info_clear(struct hq_sig_info *info)
{
	if (info == NULL)
		return;
	EVP_PKEY_free(info->pkey);
	memset(info, 0, sizeof(*info));
}

/* The OpenSSL error queue as one line, emptied. */
static void
tls_reason(char *out, size_t outsz)
{
	unsigned long e;
	size_t off = 0;

	out[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		char buf[256];

		ERR_error_string_n(e, buf, sizeof(buf));
		if (off < outsz)
			off += (size_t)snprintf(out + off, outsz - off, "%s%s",
			    off > 0 ? "; " : "", buf);
	}
	if (out[0] == '\0')
		snprintf(out, outsz, "unknown reason");
}

static X509_STORE *
store_new(const char *cafile)
{
	X509_STORE *st = X509_STORE_new();

	if (st == NULL)
		return NULL;
	if ((cafile != NULL ? X509_STORE_load_file(st, cafile) :
	    X509_STORE_set_default_paths(st)) != 1) {
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

/* Checks the time-stamp token in attr over the signature value sig. */
static void
ts_check(X509_ATTRIBUTE *attr, const ASN1_OCTET_STRING *sig,
    const char *cafile, struct hq_sig_info *info)
{
	ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(attr, 0);
	const unsigned char *p;
	PKCS7 *tok = NULL;
	TS_TST_INFO *tst = NULL;
	TS_VERIFY_CTX *vctx = NULL;
	STACK_OF(X509) *signers = NULL;
	X509_STORE *st = NULL;
	BIO *data = NULL;
	long n;

	info->timestamped = true;
	if (X509_ATTRIBUTE_count(attr) != 1 || t == NULL ||
	    t->type != V_ASN1_SEQUENCE) {
		snprintf(info->ts_problem, sizeof(info->ts_problem),
		    "time-stamp attribute malformed");
		goto out;
	}
	p = t->value.sequence->data;
	n = t->value.sequence->length;
	if ((tok = d2i_PKCS7(NULL, &p, n)) == NULL ||
	    p != t->value.sequence->data + n ||
	    (tst = PKCS7_to_TS_TST_INFO(tok)) == NULL) {
		snprintf(info->ts_problem, sizeof(info->ts_problem),
		    "time-stamp token malformed");
		goto out;
	}
	asn1_time_str(TS_TST_INFO_get_time(tst), info->ts_time,
	    sizeof(info->ts_time));
	ERR_clear_error();
	if ((signers = PKCS7_get0_signers(tok, NULL, 0)) != NULL &&
	    sk_X509_num(signers) > 0)
		name_str(X509_get_subject_name(sk_X509_value(signers, 0)),
		    info->ts_signer, sizeof(info->ts_signer));
	ERR_clear_error();
	if ((vctx = TS_VERIFY_CTX_new()) == NULL ||
	    (st = store_new(cafile)) == NULL ||
	    (data = BIO_new_mem_buf(ASN1_STRING_get0_data(sig),
	    ASN1_STRING_length(sig))) == NULL) {
		tls_reason(info->ts_problem, sizeof(info->ts_problem));
		goto out;
	}
	TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_DATA |
	    TS_VFY_SIGNATURE);
	TS_VERIFY_CTX_set_data(vctx, data);	/* vctx owns them now */
	data = NULL;
	TS_VERIFY_CTX_set_store(vctx, st);
	st = NULL;
	if (TS_RESP_verify_token(vctx, tok) != 1) {
		tls_reason(info->ts_problem, sizeof(info->ts_problem));
		goto out;
	}
	info->ts_verified = true;
 out:
	ERR_clear_error();
	BIO_free(data);
	X509_STORE_free(st);
	TS_VERIFY_CTX_free(vctx);
	sk_X509_free(signers);
	TS_TST_INFO_free(tst);
	PKCS7_free(tok);
}

int
hq_verify_cms(const void *data, size_t len, const void *der, size_t derlen,
    const char *cafile, const char *tsa_cafile, struct hq_sig_info *info,
    struct hq_err *err)
{
	struct hq_sig_info local;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	STACK_OF(X509) *signers = NULL;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING **content;
	X509_STORE *st = NULL;
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *t;
	const unsigned char *p = der;
	BIO *in = NULL, *mem = NULL;
	X509 *x;
	int rc, idx;

	if (info == NULL)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (derlen > HQ_SIGN_CMS_MAX || len > INT_MAX)
		return hq_err_set(err, HQ_EINVAL, "signature: too large");
	ERR_clear_error();
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)derlen)) == NULL ||
	    p != (const unsigned char *)der + derlen) {
		ERR_clear_error();
		rc = hq_err_set(err, HQ_ETLS, "not a DER CMS structure");
		goto out;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		rc = hq_err_set(err, HQ_ETLS, "not a CMS SignedData");
		goto out;
	}
	content = CMS_get0_content(cms);
	if (content != NULL && *content != NULL) {
		/* The signature must cover our file, not a copy inside. */
		rc = hq_err_set(err, HQ_ETLS, "not a detached signature");
		goto out;
	}
	if ((st = store_new(cafile)) == NULL) {
		rc = hq_err_tls(err, cafile != NULL ? cafile :
		    "default trust store");
		goto out;
	}
	/* The content behind a pass-through filter: given a memory BIO,
	 * OpenSSL 3.0's CMS_verify copies it into one of its own and leaks
	 * that copy when a digestAlgorithm is unknown (found by fuzzing). */
	if ((in = BIO_new(BIO_f_null())) == NULL ||
	    (mem = BIO_new_mem_buf(data, (int)len)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "verify: no memory");
		goto out;
	}
	BIO_push(in, mem);
	mem = NULL;
	if (CMS_verify(cms, NULL, st, in, NULL, CMS_BINARY) != 1) {
		rc = hq_err_tls(err, "signature does not verify");
		goto out;
	}
	sis = CMS_get0_SignerInfos(cms);
	if ((signers = CMS_get0_signers(cms)) == NULL ||
	    sk_X509_num(signers) < 1 || sk_CMS_SignerInfo_num(sis) < 1) {
		rc = hq_err_set(err, HQ_ETLS, "no signer");
		goto out;
	}
	x = sk_X509_value(signers, 0);
	si = sk_CMS_SignerInfo_value(sis, 0);
	name_str(X509_get_subject_name(x), info->signer, sizeof(info->signer));
	name_str(X509_get_issuer_name(x), info->issuer, sizeof(info->issuer));
	info->pkey = X509_get_pubkey(x);
	if ((idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime,
	    -1)) >= 0 && (attr = CMS_signed_get_attr(si, idx)) != NULL &&
	    (t = X509_ATTRIBUTE_get0_type(attr, 0)) != NULL &&
	    (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME))
		asn1_time_str(t->value.utctime, info->signing_time,
		    sizeof(info->signing_time));
	if ((idx = CMS_unsigned_get_attr_by_NID(si,
	    NID_id_smime_aa_timeStampToken, -1)) >= 0 &&
	    (attr = CMS_unsigned_get_attr(si, idx)) != NULL)
		ts_check(attr, CMS_SignerInfo_get0_signature(si),
		    tsa_cafile != NULL ? tsa_cafile : cafile, info);
	rc = 0;
 out:
	ERR_clear_error();
	if (info == &local)
		hq_sig_info_clear(&local);
	sk_X509_free(signers);
	BIO_free(mem);
	BIO_free_all(in);
	X509_STORE_free(st);
	CMS_ContentInfo_free(cms);
	return rc;
}

/* libcurl body sink with a cap (CURLOPT_MAXFILESIZE only sees announced
 * sizes). */
struct body {
	unsigned char	*p;
	size_t		 len, max;
	bool		 over;
};

static size_t
body_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	unsigned char *np;

	if (n > b->max - b->len) {
		b->over = true;
		return 0;
	}
	if ((np = realloc(b->p, b->len + n + 1)) == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	return n;
}

static int
tsa_post(const char *url, const unsigned char *req, size_t reqlen,
    struct body *b, struct hq_err *err)
{
	struct curl_slist *hdr = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode cc;
	CURL *c;
	int rc = 0;

	if ((c = curl_easy_init()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "tsa: no memory");
	hdr = curl_slist_append(hdr, "Content-Type: "
	    "application/timestamp-query");
	hdr = curl_slist_append(hdr, "Accept: application/timestamp-reply");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)HQ_TSA_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)HQ_TSA_REPLY_MAX);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)reqlen);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "hopquy/" HQ_VERSION);
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		if (b->over)
			rc = hq_err_set(err, HQ_EPROTO, "tsa %s: reply larger "
			    "than %d bytes", url, HQ_TSA_REPLY_MAX);
		else
			rc = hq_err_set(err, cc == CURLE_OPERATION_TIMEDOUT ?
			    HQ_ETIMEDOUT : HQ_EIO, "tsa %s: %s", url,
			    errbuf[0] != '\0' ? errbuf :
			    curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200)
		rc = hq_err_set(err, HQ_EPROTO, "tsa %s: HTTP status %ld",
		    url, status);
 out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return rc;
}

int
hq_tsa_stamp(const char *url, const unsigned char digest[32],
    unsigned char **tokenp, size_t *lenp, struct hq_err *err)
{
	struct body b = { .max = HQ_TSA_REPLY_MAX };
	TS_REQ *req = NULL;
	TS_MSG_IMPRINT *mi = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *vctx = NULL;
	PKCS7 *tok;
	unsigned char *der = NULL, *q;
	const unsigned char *p;
	int rc, n;

	*tokenp = NULL;
	*lenp = 0;
	ERR_clear_error();
	if ((req = TS_REQ_new()) == NULL || (mi = TS_MSG_IMPRINT_new()) ==
	    NULL || (alg = X509_ALGOR_new()) == NULL ||
	    (bn = BN_new()) == NULL ||
	    TS_REQ_set_version(req, 1) != 1 ||
	    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL,
	    NULL) != 1 ||
	    TS_MSG_IMPRINT_set_algo(mi, alg) != 1 ||
	    TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)digest, 32) != 1 ||
	    TS_REQ_set_msg_imprint(req, mi) != 1 ||
	    BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
	    (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    TS_REQ_set_nonce(req, nonce) != 1 ||
	    TS_REQ_set_cert_req(req, 1) != 1 ||
	    (n = i2d_TS_REQ(req, &der)) <= 0) {
		rc = hq_err_tls(err, "tsa: request");
		goto out;
	}
	if ((rc = tsa_post(url, der, (size_t)n, &b, err)) != 0)
		goto out;
	p = b.p;
	if (b.len == 0 || b.len > LONG_MAX ||
	    (resp = d2i_TS_RESP(NULL, &p, (long)b.len)) == NULL ||
	    p != b.p + b.len) {
		ERR_clear_error();
		rc = hq_err_set(err, HQ_EPROTO, "tsa %s: reply is not an "
		    "RFC 3161 TimeStampResp", url);
		goto out;
	}
	/* Status granted, version, imprint and nonce as asked.  The TSA's
	 * signature and chain are for the verifier to judge, against its
	 * own trust anchors (hopquy verify --tsa-ca). */
	if ((vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL)) == NULL) {
		rc = hq_err_tls(err, "tsa");
		goto out;
	}
	TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_IMPRINT |
	    TS_VFY_NONCE);
	if (TS_RESP_verify_response(vctx, resp) != 1) {
		rc = hq_err_tls(err, "tsa reply refused");
		goto out;
	}
	tok = TS_RESP_get_token(resp);
	if (tok == NULL || (n = i2d_PKCS7(tok, NULL)) <= 0 ||
	    (*tokenp = malloc((size_t)n)) == NULL) {
		rc = hq_err_set(err, HQ_EPROTO, "tsa %s: no token", url);
		goto out;
	}
	q = *tokenp;
	i2d_PKCS7(tok, &q);
	*lenp = (size_t)n;
	hq_info("time-stamp from %s: %d bytes", url, n);
	rc = 0;
 out:
	ERR_clear_error();
	TS_VERIFY_CTX_free(vctx);
	TS_RESP_free(resp);
	OPENSSL_free(der);
	free(b.p);
	BN_free(bn);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return rc;
}

int
hq_dsse_pae(const char *type, const void *body, size_t len,
    unsigned char **outp, size_t *outlenp, struct hq_err *err)
{
	char head[128];
	size_t tlen = strlen(type), hlen, total;
	unsigned char *out;
	int n;

	/* DSSE v1: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN
	 * in ASCII decimal without leading zeros. */
	n = snprintf(head, sizeof(head), "DSSEv1 %zu ", tlen);
	hlen = (size_t)n;
	total = hlen + tlen + 1 + 20 + 1 + len;
	if (len > HQ_DSSE_MAX || (out = malloc(total)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "dsse: no memory");
	memcpy(out, head, hlen);
	memcpy(out + hlen, type, tlen);
	n = snprintf(head, sizeof(head), " %zu ", len);
	memcpy(out + hlen + tlen, head, (size_t)n);
	if (len > 0)
		memcpy(out + hlen + tlen + (size_t)n, body, len);
	*outp = out;
	*outlenp = hlen + tlen + (size_t)n + len;
	return 0;
}

char *
hq_base64_encode(const void *p, size_t len)
{
	char *out;

	if (len > INT_MAX / 2 || (out = malloc(4 * ((len + 2) / 3) + 1)) ==
	    NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, p, (int)len);
	return out;
}

int
hq_base64_decode(const char *s, size_t len, unsigned char **outp,
    size_t *outlenp, struct hq_err *err)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char *out;
	size_t i, pad = 0;
	int n;

	*outp = NULL;
	if (len % 4 != 0 || len > INT_MAX)
		return hq_err_set(err, HQ_EINVAL, "base64: length %zu", len);
	for (i = 0; i < len; i++) {
		if (s[i] == '=' && i >= len - 2) {
			pad++;
			continue;
		}
		if (pad > 0 || s[i] == '\0' || strchr(alpha, s[i]) == NULL)
			return hq_err_set(err, HQ_EINVAL, "base64: bad "
			    "character at %zu", i);
	}
	if ((out = malloc(len / 4 * 3 + 1)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "base64: no memory");
	n = len == 0 ? 0 : EVP_DecodeBlock(out, (const unsigned char *)s,
	    (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(out);
		return hq_err_set(err, HQ_EINVAL, "base64: undecodable");
	}
	out[(size_t)n - pad] = '\0';
	*outp = out;
	*outlenp = (size_t)n - pad;
	return 0;
}

int
hq_dsse_sign(const struct hq_signer *s, const char *type, const void *body,
    size_t len, char **envp, struct hq_err *err)
{
	EVP_MD_CTX *mctx = NULL;
	unsigned char *pae = NULL, *sig = NULL;
	size_t paelen, siglen = 0;
	char *b64body = NULL, *b64sig = NULL, *text;
	cJSON *env = NULL, *sigs, *o;
	int rc;

	*envp = NULL;
	if ((rc = hq_dsse_pae(type, body, len, &pae, &paelen, err)) != 0)
		goto out;
	ERR_clear_error();
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, s->key) != 1 ||
	    EVP_DigestSign(mctx, NULL, &siglen, pae, paelen) != 1 ||
	    (sig = malloc(siglen)) == NULL ||
	    EVP_DigestSign(mctx, sig, &siglen, pae, paelen) != 1) {
		rc = hq_err_tls(err, "dsse: sign");
		goto out;
	}
	if ((b64body = hq_base64_encode(body, len)) == NULL ||
	    (b64sig = hq_base64_encode(sig, siglen)) == NULL ||
	    (env = cJSON_CreateObject()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "dsse: no memory");
		goto out;
	}
	cJSON_AddStringToObject(env, "payloadType", type);
	cJSON_AddStringToObject(env, "payload", b64body);
	sigs = cJSON_AddArrayToObject(env, "signatures");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "keyid", s->keyid);
	cJSON_AddStringToObject(o, "sig", b64sig);
	cJSON_AddItemToArray(sigs, o);
	if ((text = cJSON_Print(env)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "dsse: no memory");
		goto out;
	}
	*envp = text;
	rc = 0;
 out:
	cJSON_Delete(env);
	free(b64body);
	free(b64sig);
	free(sig);
	free(pae);
	EVP_MD_CTX_free(mctx);
	return rc;
}

int
hq_dsse_verify(const char *env, size_t len, EVP_PKEY *pkey, char **typep,
    unsigned char **bodyp, size_t *bodylenp, struct hq_err *err)
{
	cJSON *root = NULL;
	const cJSON *jt, *jp, *js, *s;
	unsigned char *body = NULL, *pae = NULL, *sig = NULL;
	size_t bodylen = 0, paelen, siglen;
	EVP_MD_CTX *mctx = NULL;
	bool good = false;
	int rc;

	*bodyp = NULL;
	if (typep != NULL)
		*typep = NULL;
	if (len > HQ_DSSE_MAX || (root = cJSON_ParseWithLength(env,
	    len)) == NULL)
		return hq_err_set(err, HQ_EINVAL, "not a JSON DSSE envelope");
	jt = cJSON_GetObjectItemCaseSensitive(root, "payloadType");
	jp = cJSON_GetObjectItemCaseSensitive(root, "payload");
	js = cJSON_GetObjectItemCaseSensitive(root, "signatures");
	if (!cJSON_IsString(jt) || !cJSON_IsString(jp) ||
	    !cJSON_IsArray(js) || cJSON_GetArraySize(js) < 1) {
		rc = hq_err_set(err, HQ_EINVAL, "DSSE envelope lacks "
		    "payloadType, payload or signatures");
		goto out;
	}
	if ((rc = hq_base64_decode(jp->valuestring, strlen(jp->valuestring),
	    &body, &bodylen, err)) != 0 ||
	    (rc = hq_dsse_pae(jt->valuestring, body, bodylen, &pae, &paelen,
	    err)) != 0)
		goto out;
	cJSON_ArrayForEach(s, js) {
		const cJSON *jsig = cJSON_GetObjectItemCaseSensitive(s, "sig");

		if (!cJSON_IsString(jsig) || hq_base64_decode(
		    jsig->valuestring, strlen(jsig->valuestring), &sig,
		    &siglen, NULL) != 0)
			continue;
		ERR_clear_error();
		EVP_MD_CTX_free(mctx);
		if ((mctx = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestVerifyInit(mctx, NULL, EVP_sha256(), NULL,
		    pkey) == 1 && EVP_DigestVerify(mctx, sig, siglen, pae,
		    paelen) == 1)
			good = true;
		free(sig);
		sig = NULL;
		if (good)
			break;
	}
	ERR_clear_error();
	if (!good) {
		rc = hq_err_set(err, HQ_ETLS, "no DSSE signature verifies with "
		    "the report's signer key");
		goto out;
	}
	if (typep != NULL && (*typep = strdup(jt->valuestring)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "dsse: no memory");
		goto out;
	}
	*bodyp = body;
	*bodylenp = bodylen;
	body = NULL;
	rc = 0;
 out:
	EVP_MD_CTX_free(mctx);
	free(body);
	free(pae);
	cJSON_Delete(root);
	return rc;
}
