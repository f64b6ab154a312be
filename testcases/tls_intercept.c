/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family `tls`, check "interception": does the DUT validate its cloud's
 * certificate (EN 303 645 5.5-1 and 5.5-2, QCVN 135:2024 group 5)?  The
 * bench redirects the DUT's declared cloud addresses to the lab side
 * (hq_bench_redirect), where this check listens on ADDR:PORT with its own
 * TLS server and presents, one DUT connection each:
 *   control     a certificate the DUT should accept (trusted CA, right
 *               name, in date; optional, from the DUT file): proves the
 *               interceptor can complete a handshake with this DUT
 *   untrusted   a chain from a CA made here, now, for the cloud's name
 *   wrong_name  a certificate of a CA the DUT trusts, for another name
 *   expired     a certificate of a CA the DUT trusts, expired
 * The last two come from files the lab provides (cloud_link.intercept);
 * a missing or unsuitable pair makes that sub-test INCONCLUSIVE.
 *
 * PASS only when the DUT connected in each of the three and aborted the
 * handshake after our Certificate, sending no application data; FAIL when
 * it completed one of them and sent application data (read at most
 * HQ_ICPT_DATA_MAX bytes; the report shows the length, a hash and a
 * redacted first line, never the bytes).  An abort without an alert after
 * the certificate counts only when the control handshake completed.
 * Every wait is bounded; the redirect is always removed before return.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls_intercept.h"
#include "util/jv.h"
#include "util/rd.h"
#include "wire/net.h"

#define ICPT_LISTEN_MAX		HQ_BENCH_CLOUD_MAX
#define ICPT_CONNS_MAX		8	/* connections judged per sub-test */
#define ICPT_IDLE_MS		300	/* app data: quiet after a byte */
#define ICPT_SECRETS_MAX	72

enum sub {
	S_CONTROL = 0,
	S_UNTRUSTED,
	S_WRONG_NAME,
	S_EXPIRED,
	S_N
};

static const char *const sub_names[S_N] = {
	"control", "untrusted", "wrong_name", "expired"
};
static const char *const sub_what[S_N] = {
	"the trusted control certificate",
	"a certificate from an untrusted CA",
	"a trusted-CA certificate for the wrong name",
	"an expired certificate",
};

/* How one connection went. */
enum conn_out {
	C_NONE = 0,
	C_EARLY,	/* ended before our Certificate: no evidence */
	C_NOT_TLS,	/* its first bytes are not a TLS handshake record */
	C_ALERT,	/* an alert from the DUT after our Certificate */
	C_CLOSED,	/* closed or reset after our Certificate, no alert */
	C_STALLED,	/* neither finished nor aborted in time */
	C_COMPLETED,	/* handshake completed */
};

/*
 * What a DUT sent in clear where TLS was due, named without secrets: an
 * MQTT CONNECT (OASIS MQTT 3.1.1 3.1.2.3: whether it carries a user name
 * and a password), an HTTP request line's method, else nothing (the
 * redacted first bytes say the rest).
 */
static void
cleartext_what(const unsigned char *p, size_t n, char *out, size_t outsz)
{
	struct hq_rd rd = { p, n };
	uint8_t type, b, level, flags;
	uint16_t plen;
	unsigned i;

	out[0] = '\0';
	if (n == 0)
		return;
	if (hq_rd_u8(&rd, &type) == 0 && type == 0x10) {
		for (i = 0; i < 4; i++)		/* remaining length */
			if (hq_rd_u8(&rd, &b) != 0 || (b & 0x80) == 0)
				break;
		if (hq_rd_u16be(&rd, &plen) == 0 && plen <= 6 &&
		    hq_rd_skip(&rd, plen) == 0 &&
		    hq_rd_u8(&rd, &level) == 0 &&
		    hq_rd_u8(&rd, &flags) == 0)
			snprintf(out, outsz, "an MQTT CONNECT%s%s%s",
			    (flags & 0xc0) != 0 ? " with " : "",
			    (flags & 0x80) != 0 ? "a user name" : "",
			    (flags & 0xc0) == 0xc0 ? " and a password" :
			    (flags & 0x40) != 0 ? "a password" : "");
		else
			snprintf(out, outsz, "an MQTT CONNECT");
		return;
	}
	for (i = 0; i < n && i < 8 && isupper(p[i]); i++)
		;
	if (i >= 3 && i < n && p[i] == ' ')
		snprintf(out, outsz, "an HTTP %.*s request", (int)i,
		    (const char *)p);
}

static const char *const conn_out_names[] = {
	[C_NONE] = "none", [C_EARLY] = "failed before the certificate",
	[C_NOT_TLS] = "not TLS", [C_ALERT] = "aborted with an alert",
	[C_CLOSED] = "closed after the certificate",
	[C_STALLED] = "stalled", [C_COMPLETED] = "completed",
};

/* What the msg callback sees. */
struct obs {
	bool	 cert_sent;
	bool	 alert;
	int	 alert_desc;
};

struct icpt_params {
	long long	 wait_ms, data_ms, attempts, hs_ms;
};

struct subtest {
	SSL_CTX		*sctx;		/* NULL: not available */
	char		 why[300];	/* why not available / unsuitable */
	cJSON		*cert;		/* what is presented */
	cJSON		*conns;		/* one record per connection */
	enum conn_out	 out;		/* decisive outcome, or the last */
	bool		 decided;
	size_t		 data_len;	/* application data after completion */
	char		 line[HQ_ICPT_LINE_MAX * 4 + 32];
	char		 what[256];	/* cleartext: what it was */
	int		 alert_desc;
	bool		 timed_out;	/* no connection within the wait */
};

struct icpt {
	struct hq_ctx	*ctx;
	struct hq_result *res;
	struct icpt_params p;
	int		 lfd[ICPT_LISTEN_MAX];
	size_t		 nl;
	const char	*secrets[ICPT_SECRETS_MAX + 1];
	cJSON		*redirected;	/* the addresses, kept for evidence */
	struct subtest	 s[S_N];
};

int
hq_tls_intercept_check_params(const cJSON *params, struct hq_err *err)
{
	long long v;
	int rc;

	if ((rc = hq_jv_int(params, "", "connect_wait_ms", false, 100,
	    600000, 60000, &v, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "data_wait_ms", false, 100, 60000,
	    3000, &v, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "attempts", false, 1, 10, 1, &v,
	    err)) != 0)
		return rc;
	return 0;
}

static bool
tok_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=' ||
	    c == '_' || c == '-' || c == '.' || c == '%';
}

void
hq_tls_intercept_redact_line(const void *p, size_t len,
    const char *const *secrets, char *out, size_t outsz)
{
	const unsigned char *b = p;
	size_t n, i, k, o = 0, run;
	bool query = false;

#define PUT(s) do {							\
	size_t l_ = strlen(s);						\
	if (o + l_ < outsz) {						\
		memcpy(out + o, s, l_);					\
		o += l_;						\
	}								\
} while (0)
	if (outsz == 0)
		return;
	out[0] = '\0';
	for (n = 0; n < len && n < HQ_ICPT_LINE_MAX && b[n] != '\n' &&
	    b[n] != '\r'; n++)
		;
	for (i = 0; i < n;) {
		/* A secret anywhere in the line. */
		for (k = 0; secrets != NULL && secrets[k] != NULL; k++) {
			size_t sl = strlen(secrets[k]);

			if (sl > 0 && sl <= n - i &&
			    memcmp(b + i, secrets[k], sl) == 0)
				break;
		}
		if (secrets != NULL && secrets[k] != NULL) {
			PUT("[redacted]");
			i += strlen(secrets[k]);
			continue;
		}
		if (query) {		/* the rest of the target */
			if (b[i] == ' ') {
				query = false;
				PUT(" ");
			}
			i++;
			continue;
		}
		if (b[i] == '?') {
			PUT("?[redacted]");
			query = true;
			i++;
			continue;
		}
		for (run = 0; i + run < n && tok_char(b[i + run]); run++)
			;
		if (run >= 16) {
			PUT("[redacted]");
			i += run;
			continue;
		}
		/* One byte at a time: a secret may start inside a word. */
		if (b[i] >= 0x20 && b[i] < 0x7f) {
			if (o + 1 < outsz)
				out[o++] = (char)b[i];
		} else {
			char esc[8];

			snprintf(esc, sizeof(esc), "\\x%02x", b[i]);
			PUT(esc);
		}
		i++;
	}
	if (n < len && n == HQ_ICPT_LINE_MAX)
		PUT("...");
	out[o < outsz ? o : outsz - 1] = '\0';
#undef PUT
}

/* Certificates. */

static int
x509_ext(X509 *x, X509 *issuer, int nid, const char *value,
    struct hq_err *err)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return hq_err_tls(err, "certificate extension");
	if (X509_add_ext(x, ext, -1) != 1) {
		X509_EXTENSION_free(ext);
		return hq_err_tls(err, "certificate extension");
	}
	X509_EXTENSION_free(ext);
	return 0;
}

/* A certificate for key, signed by (issuer, ikey), or self-signed. */
static int
make_cert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const char *cn,
    const char *san, X509 **xp, struct hq_err *err)
{
	X509 *x = NULL;
	X509_NAME *nm;
	BIGNUM *bn = NULL;
	int rc = 0;

	*xp = NULL;
	if ((x = X509_new()) == NULL || (bn = BN_new()) == NULL ||
	    X509_set_version(x, 2) != 1 ||
	    BN_rand(bn, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400) == NULL ||
	    X509_set_pubkey(x, key) != 1 ||
	    (nm = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC,
	    (const unsigned char *)"hopquy interceptor (untrusted)", -1, -1,
	    0) != 1 ||
	    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : nm) != 1) {
		rc = hq_err_tls(err, "certificate");
		goto out;
	}
	if (issuer == NULL) {
		if ((rc = x509_ext(x, x, NID_basic_constraints,
		    "critical,CA:TRUE", err)) != 0 ||
		    (rc = x509_ext(x, x, NID_key_usage,
		    "critical,keyCertSign,cRLSign", err)) != 0 ||
		    (rc = x509_ext(x, x, NID_subject_key_identifier, "hash",
		    err)) != 0)
			goto out;
	} else if ((rc = x509_ext(x, issuer, NID_basic_constraints,
	    "CA:FALSE", err)) != 0 ||
	    (rc = x509_ext(x, issuer, NID_key_usage,
	    "critical,digitalSignature,keyEncipherment", err)) != 0 ||
	    (rc = x509_ext(x, issuer, NID_ext_key_usage, "serverAuth",
	    err)) != 0 ||
	    (san[0] != '\0' && (rc = x509_ext(x, issuer,
	    NID_subject_alt_name, san, err)) != 0))
		goto out;
	if (X509_sign(x, issuer != NULL ? ikey : key, EVP_sha256()) <= 0) {
		rc = hq_err_tls(err, "certificate signature");
		goto out;
	}
	*xp = x;
	x = NULL;
 out:
	BN_free(bn);
	X509_free(x);
	return rc;
}

int
hq_tls_intercept_make_untrusted(const char *name, const char *const *addrs,
    size_t naddrs, X509 **leafp, X509 **cap, EVP_PKEY **keyp,
    struct hq_err *err)
{
	EVP_PKEY *cakey = NULL, *key = NULL;
	X509 *ca = NULL, *leaf = NULL;
	char san[1024], one[300];
	size_t i;
	int rc;

	*leafp = NULL;
	*cap = NULL;
	*keyp = NULL;
	san[0] = '\0';
	if (name != NULL && name[0] != '\0') {
		snprintf(one, sizeof(one), "DNS:%s", name);
		snprintf(san, sizeof(san), "%s", one);
	}
	for (i = 0; i < naddrs; i++) {
		snprintf(one, sizeof(one), "%sIP:%s", san[0] != '\0' ? "," :
		    "", addrs[i]);
		if (strlen(san) + strlen(one) >= sizeof(san))
			break;
		strcat(san, one);
	}
	ERR_clear_error();
	if ((cakey = EVP_EC_gen("P-256")) == NULL ||
	    (key = EVP_EC_gen("P-256")) == NULL) {
		rc = hq_err_tls(err, "EC P-256 key");
		goto out;
	}
	if ((rc = make_cert(cakey, NULL, NULL, "hopquy interception test CA",
	    "", &ca, err)) != 0 ||
	    (rc = make_cert(key, ca, cakey, name != NULL && name[0] != '\0' ?
	    name : naddrs > 0 ? addrs[0] : "cloud", san, &leaf, err)) != 0)
		goto out;
	*leafp = leaf;
	*cap = ca;
	*keyp = key;
	leaf = NULL;
	ca = NULL;
	key = NULL;
 out:
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	return rc;
}

/* Subject, issuer, validity and fingerprint of what we present. */
static cJSON *
cert_json(X509 *x)
{
	cJSON *o = cJSON_CreateObject();
	unsigned char md[EVP_MAX_MD_SIZE];
	char buf[512], hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int mdlen = 0, i;
	BIO *bio;
	long blen;
	char *bp;

	if (o == NULL)
		return NULL;
	X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof(buf));
	cJSON_AddStringToObject(o, "subject", buf);
	X509_NAME_oneline(X509_get_issuer_name(x), buf, sizeof(buf));
	cJSON_AddStringToObject(o, "issuer", buf);
	if ((bio = BIO_new(BIO_s_mem())) != NULL) {
		ASN1_TIME_print(bio, X509_get0_notBefore(x));
		blen = BIO_get_mem_data(bio, &bp);
		snprintf(buf, sizeof(buf), "%.*s", (int)blen, bp);
		cJSON_AddStringToObject(o, "not_before", buf);
		(void)BIO_reset(bio);
		ASN1_TIME_print(bio, X509_get0_notAfter(x));
		blen = BIO_get_mem_data(bio, &bp);
		snprintf(buf, sizeof(buf), "%.*s", (int)blen, bp);
		cJSON_AddStringToObject(o, "not_after", buf);
		BIO_free(bio);
	}
	if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1) {
		for (i = 0; i < mdlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		hex[2 * mdlen] = '\0';
		cJSON_AddStringToObject(o, "sha256", hex);
	}
	return o;
}

static void
msg_cb(int write_p, int version, int content_type, const void *buf,
    size_t len, SSL *ssl, void *arg)
{
	const unsigned char *b = buf;
	struct obs *o = arg;

	(void)version;
	(void)ssl;
	if (o == NULL || len < 1)
		return;
	/* RFC 8446 4.4.2 / RFC 5246 7.4.2: the server's Certificate. */
	if (write_p && content_type == SSL3_RT_HANDSHAKE &&
	    b[0] == SSL3_MT_CERTIFICATE)
		o->cert_sent = true;
	if (!write_p && content_type == SSL3_RT_ALERT && len >= 2 &&
	    !o->alert) {
		o->alert = true;
		o->alert_desc = b[1];
	}
}

/* A server context presenting leaf (+ chain) with key. */
static int
server_ctx(X509 *leaf, STACK_OF(X509) *chain, EVP_PKEY *key,
    SSL_CTX **sctxp, struct hq_err *err)
{
	SSL_CTX *c;
	int i;

	*sctxp = NULL;
	ERR_clear_error();
	if ((c = SSL_CTX_new(TLS_server_method())) == NULL)
		return hq_err_tls(err, "SSL_CTX_new");
	/* Reach the certificate with whatever the DUT offers: the test is
	 * about the certificate, not about protocol or cipher strength. */
	SSL_CTX_set_security_level(c, 0);
	SSL_CTX_set_min_proto_version(c, TLS1_VERSION);
	SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
	if (SSL_CTX_set_cipher_list(c, "ALL:!aNULL:!eNULL") != 1 ||
	    SSL_CTX_use_certificate(c, leaf) != 1 ||
	    SSL_CTX_use_PrivateKey(c, key) != 1 ||
	    SSL_CTX_check_private_key(c) != 1)
		goto fail;
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		if (SSL_CTX_add1_chain_cert(c, sk_X509_value(chain, i)) != 1)
			goto fail;
	SSL_CTX_set_msg_callback(c, msg_cb);
	*sctxp = c;
	return 0;
 fail:
	SSL_CTX_free(c);
	return hq_err_tls(err, "interceptor certificate");
}

/* Reads a PEM chain (leaf first) and key from the lab's files. */
static int
load_pair(const struct hq_certpair *cp, X509 **leafp, STACK_OF(X509) **chp,
    EVP_PKEY **keyp, struct hq_err *err)
{
	STACK_OF(X509) *ch = NULL;
	X509 *leaf = NULL, *x;
	EVP_PKEY *key = NULL;
	BIO *b = NULL;
	int rc = 0;

	*leafp = NULL;
	*chp = NULL;
	*keyp = NULL;
	ERR_clear_error();
	if ((b = BIO_new_file(cp->cert, "r")) == NULL) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: %s", cp->cert,
		    strerror(errno));
		goto out;
	}
	if ((leaf = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: no PEM certificate",
		    cp->cert);
		goto out;
	}
	if ((ch = sk_X509_new_null()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL &&
	    sk_X509_num(ch) < 8)
		if (sk_X509_push(ch, x) <= 0) {
			X509_free(x);
			break;
		}
	ERR_clear_error();	/* the end of the file */
	BIO_free(b);
	if ((b = BIO_new_file(cp->key, "r")) == NULL) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: %s", cp->key,
		    strerror(errno));
		goto out;
	}
	/* No passphrase callback: an encrypted key is refused, never
	 * prompted for. */
	if ((key = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)""))
	    == NULL) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: no usable PEM private "
		    "key", cp->key);
		goto out;
	}
	if (X509_check_private_key(leaf, key) != 1) {
		rc = hq_err_set(err, HQ_EINVAL, "%s does not match %s",
		    cp->key, cp->cert);
		goto out;
	}
	*leafp = leaf;
	*chp = ch;
	*keyp = key;
	leaf = NULL;
	ch = NULL;
	key = NULL;
 out:
	ERR_clear_error();
	BIO_free(b);
	X509_free(leaf);
	sk_X509_pop_free(ch, X509_free);
	EVP_PKEY_free(key);
	return rc;
}

/* True when x names the cloud (its declared name or an address). */
static bool
names_cloud(X509 *x, const struct icpt *I)
{
	const struct hq_dut *dut = I->ctx->dut;
	const char *a;
	size_t i;

	if (dut->cloud_name != NULL &&
	    X509_check_host(x, dut->cloud_name, 0, 0, NULL) == 1)
		return true;
	for (i = 0; (a = hq_bench_redirect_addr(I->ctx->bench, i)) != NULL;
	    i++)
		if (X509_check_ip_asc(x, a, 0) == 1)
			return true;
	return false;
}

/*
 * A pair from the DUT file for sub-test k, checked to be what it stands
 * for: otherwise the DUT's answer would not mean what the verdict says.
 */
static void
prepare_file_sub(struct icpt *I, enum sub k, const struct hq_certpair *cp)
{
	struct subtest *s = &I->s[k];
	struct hq_err e = { 0, "" };
	STACK_OF(X509) *ch = NULL;
	X509 *leaf = NULL;
	EVP_PKEY *key = NULL;
	bool expired, future, named;

	if (cp->cert == NULL) {
		snprintf(s->why, sizeof(s->why), "the DUT file gives no "
		    "cloud_link.intercept.%s certificate and key",
		    sub_names[k]);
		return;
	}
	if (load_pair(cp, &leaf, &ch, &key, &e) != 0) {
		snprintf(s->why, sizeof(s->why), "cloud_link.intercept.%s: %s",
		    sub_names[k], e.msg);
		goto out;
	}
	s->cert = cert_json(leaf);
	expired = X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0;
	future = X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0;
	named = names_cloud(leaf, I);
	if (I->ctx->dut->cloud_name == NULL && k != S_WRONG_NAME)
		named = true;	/* nothing to check it against */
	if (k == S_EXPIRED && !expired)
		snprintf(s->why, sizeof(s->why), "cloud_link.intercept.expired:"
		    " %s is not expired", cp->cert);
	else if (k != S_EXPIRED && (expired || future))
		snprintf(s->why, sizeof(s->why), "cloud_link.intercept.%s: %s "
		    "is outside its validity period", sub_names[k], cp->cert);
	else if (k == S_WRONG_NAME && I->ctx->dut->cloud_name == NULL)
		snprintf(s->why, sizeof(s->why), "cloud_link.name is not "
		    "declared: cannot tell that %s names another host",
		    cp->cert);
	else if (k == S_WRONG_NAME && named)
		snprintf(s->why, sizeof(s->why), "cloud_link.intercept."
		    "wrong_name: %s names the cloud (%s)", cp->cert,
		    I->ctx->dut->cloud_name);
	else if (k != S_WRONG_NAME && !named)
		snprintf(s->why, sizeof(s->why), "cloud_link.intercept.%s: %s "
		    "does not name the cloud (%s)", sub_names[k], cp->cert,
		    I->ctx->dut->cloud_name);
	else if (server_ctx(leaf, ch, key, &s->sctx, &e) != 0)
		snprintf(s->why, sizeof(s->why), "cloud_link.intercept.%s: %s",
		    sub_names[k], e.msg);
 out:
	X509_free(leaf);
	sk_X509_pop_free(ch, X509_free);
	EVP_PKEY_free(key);
}

static int
prepare_untrusted(struct icpt *I, struct hq_err *err)
{
	const char *addrs[HQ_BENCH_CLOUD_MAX];
	struct subtest *s = &I->s[S_UNTRUSTED];
	STACK_OF(X509) *ch = NULL;
	X509 *leaf = NULL, *ca = NULL;
	EVP_PKEY *key = NULL;
	size_t n = 0;
	int rc;

	while (n < HQ_BENCH_CLOUD_MAX &&
	    (addrs[n] = hq_bench_redirect_addr(I->ctx->bench, n)) != NULL)
		n++;
	if ((rc = hq_tls_intercept_make_untrusted(I->ctx->dut->cloud_name,
	    addrs, n, &leaf, &ca, &key, err)) != 0)
		goto out;
	if ((ch = sk_X509_new_null()) == NULL || sk_X509_push(ch, ca) <= 0) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	ca = NULL;		/* the stack holds it */
	s->cert = cert_json(leaf);
	rc = server_ctx(leaf, ch, key, &s->sctx, err);
 out:
	X509_free(leaf);
	X509_free(ca);
	sk_X509_pop_free(ch, X509_free);
	EVP_PKEY_free(key);
	return rc;
}

/* Listening. */

static int
listen_all(struct icpt *I, struct hq_err *err)
{
	struct hq_err e = { 0 };
	const char *a;
	int fd, rc, fl;
	size_t i;

	/* Through the bench: under privilege separation the monitor binds
	 * (the cloud's port is often below 1024) and passes the socket. */
	for (i = 0; (a = hq_bench_redirect_addr(I->ctx->bench, i)) != NULL &&
	    I->nl < ICPT_LISTEN_MAX; i++) {
		if ((rc = hq_bench_listen(I->ctx->bench, a,
		    I->ctx->dut->cloud_port, &fd, &e)) != 0)
			return hq_err_set(err, rc, "interceptor: %s", e.msg);
		I->lfd[I->nl++] = fd;
		if ((fl = fcntl(fd, F_GETFL)) < 0 ||
		    fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
			return hq_err_sys(err, "interceptor: fcntl");
	}
	return 0;
}

/* The next connection on any listener before dl; HQ_ETIMEDOUT. */
static int
accept_one(struct icpt *I, struct hq_deadline dl, int *fdp, char *peer,
    size_t peersz, struct hq_err *err)
{
	struct pollfd pf[ICPT_LISTEN_MAX];
	struct sockaddr_storage ss;
	socklen_t slen;
	size_t i;
	int fd, n, one = 1;

	*fdp = -1;
	for (;;) {
		if (hq_interrupted)
			return hq_err_set(err, HQ_EINTR, "interrupted");
		if (hq_deadline_passed(dl))
			return HQ_ETIMEDOUT;
		for (i = 0; i < I->nl; i++)
			pf[i] = (struct pollfd){ I->lfd[i], POLLIN, 0 };
		/* Short slices: SIGINT is seen within 200 ms. */
		n = hq_deadline_poll_ms(dl);
		n = poll(pf, (nfds_t)I->nl, n < 0 || n > 200 ? 200 : n);
		if (n < 0 && errno != EINTR)
			return hq_err_sys(err, "poll");
		for (i = 0; n > 0 && i < I->nl; i++) {
			if ((pf[i].revents & POLLIN) == 0)
				continue;
			slen = sizeof(ss);
			fd = accept4(I->lfd[i], (struct sockaddr *)&ss, &slen,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			peer[0] = '\0';
			if (ss.ss_family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *)
				    &ss)->sin_addr, peer, (socklen_t)peersz);
			else if (ss.ss_family == AF_INET6)
				inet_ntop(AF_INET6, &((struct sockaddr_in6 *)
				    &ss)->sin6_addr, peer, (socklen_t)peersz);
			*fdp = fd;
			return 0;
		}
	}
}

/* First byte of the DUT's stream: 1 a TLS handshake record, 0 other
 * bytes, -1 closed or nothing before dl. */
static int
first_byte(int fd, struct hq_deadline dl, unsigned char *bp)
{
	ssize_t n;

	for (;;) {
		n = recv(fd, bp, 1, MSG_PEEK);
		if (n == 1)
			return *bp == 0x16 ? 1 : 0;
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		if (hq_net_wait(fd, POLLIN, dl, NULL) != 0)
			return -1;
	}
}

/* Application data after a completed handshake: at most
 * HQ_ICPT_DATA_MAX bytes before dl, done once quiet for ICPT_IDLE_MS. */
static size_t
read_app_data(SSL *ssl, int fd, struct hq_deadline dl, unsigned char *buf,
    bool *eofp)
{
	struct hq_deadline w;
	size_t len = 0;
	int r, e;

	*eofp = false;
	while (len < HQ_ICPT_DATA_MAX) {
		ERR_clear_error();
		r = SSL_read(ssl, buf + len, (int)(HQ_ICPT_DATA_MAX - len));
		if (r > 0) {
			len += (size_t)r;
			continue;
		}
		e = SSL_get_error(ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			*eofp = true;
			break;
		}
		w = len > 0 ? hq_deadline_min(dl, hq_deadline_in(ICPT_IDLE_MS))
		    : dl;
		if (hq_net_wait(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
		    w, NULL) != 0)
			break;
	}
	ERR_clear_error();
	return len;
}

static bool
cert_alert(int desc)
{
	/* RFC 8446 6.2: what a client sends when it refuses a certificate. */
	return desc == SSL_AD_BAD_CERTIFICATE ||
	    desc == SSL_AD_UNSUPPORTED_CERTIFICATE ||
	    desc == SSL_AD_CERTIFICATE_REVOKED ||
	    desc == SSL_AD_CERTIFICATE_EXPIRED ||
	    desc == SSL_AD_CERTIFICATE_UNKNOWN ||
	    desc == SSL_AD_UNKNOWN_CA || desc == SSL_AD_ACCESS_DENIED;
}

/* One DUT connection against sub-test k; records it in s->conns. */
static void
judge_conn(struct icpt *I, enum sub k, int fd, const char *peer)
{
	struct subtest *s = &I->s[k];
	struct hq_deadline dl = hq_deadline_min(I->ctx->deadline,
	    hq_deadline_in(I->p.hs_ms));
	unsigned char *buf = NULL, b0 = 0;
	struct obs o = { false, false, 0 };
	enum conn_out out = C_NONE;
	char hex[65], line[sizeof(s->line)], note[256];
	unsigned long e0 = 0;
	size_t dlen = 0;
	bool eof = false;
	SSL *ssl = NULL;
	cJSON *c;
	int r, fb, err;

	note[0] = line[0] = hex[0] = '\0';
	if ((fb = first_byte(fd, dl, &b0)) < 0) {
		out = hq_deadline_passed(dl) ? C_STALLED : C_EARLY;
		snprintf(note, sizeof(note), "%s before a ClientHello",
		    out == C_STALLED ? "nothing" : "closed");
		if (out == C_STALLED)
			out = C_EARLY;	/* no certificate was presented */
		goto record;
	}
	if (fb == 0) {
		unsigned char peek[128];
		ssize_t n = recv(fd, peek, sizeof(peek), MSG_PEEK);

		out = C_NOT_TLS;
		dlen = n > 0 ? (size_t)n : 0;
		cleartext_what(peek, dlen, note, sizeof(note));
		hq_tls_intercept_redact_line(peek, dlen, I->secrets, line,
		    sizeof(line));
		goto record;
	}
	ERR_clear_error();
	if ((ssl = SSL_new(s->sctx)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		out = C_EARLY;
		snprintf(note, sizeof(note), "error: SSL_new");
		goto record;
	}
	SSL_set_msg_callback_arg(ssl, &o);
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_accept(ssl)) == 1) {
			out = C_COMPLETED;
			break;
		}
		err = SSL_get_error(ssl, r);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			if (hq_net_wait(fd, err == SSL_ERROR_WANT_READ ?
			    POLLIN : POLLOUT, dl, NULL) != 0) {
				out = C_STALLED;
				break;
			}
			continue;
		}
		e0 = ERR_peek_error();
		out = o.alert && o.cert_sent ? C_ALERT : o.cert_sent ?
		    C_CLOSED : C_EARLY;
		break;
	}
	if (e0 != 0)
		ERR_error_string_n(e0, note, sizeof(note));
	if (out == C_STALLED && !o.cert_sent)
		out = C_EARLY;
	if (out == C_COMPLETED) {
		struct hq_deadline ddl = hq_deadline_min(I->ctx->deadline,
		    hq_deadline_in(I->p.data_ms));

		if ((buf = malloc(HQ_ICPT_DATA_MAX)) != NULL) {
			dlen = read_app_data(ssl, fd, ddl, buf, &eof);
			if (dlen > 0) {
				hq_sha256_hex(buf, dlen, hex);
				hq_tls_intercept_redact_line(buf, dlen,
				    I->secrets, line, sizeof(line));
			}
		}
	}
	ERR_clear_error();
 record:
	if ((c = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(c, "peer", peer);
		cJSON_AddNumberToObject(c, "t_ms", (double)((hq_mono_ns() -
		    I->ctx->t0_ns) / 1000000));
		cJSON_AddStringToObject(c, "outcome", conn_out_names[out]);
		if (ssl != NULL)
			cJSON_AddStringToObject(c, "tls_version",
			    SSL_get_version(ssl));
		cJSON_AddBoolToObject(c, "certificate_sent", o.cert_sent);
		if (o.alert)
			cJSON_AddStringToObject(c, "alert_from_dut",
			    SSL_alert_desc_string_long(o.alert_desc));
		if (note[0] != '\0')
			cJSON_AddStringToObject(c, "note", note);
		if (out == C_COMPLETED) {
			cJSON_AddNumberToObject(c, "app_data_bytes",
			    (double)dlen);
			cJSON_AddBoolToObject(c, "app_data_capped",
			    dlen == HQ_ICPT_DATA_MAX);
			cJSON_AddBoolToObject(c, "closed_by_dut", eof);
		}
		if (hex[0] != '\0')
			cJSON_AddStringToObject(c, "app_data_sha256", hex);
		if (line[0] != '\0')
			cJSON_AddStringToObject(c, "first_line_redacted", line);
		cJSON_AddItemToArray(s->conns, c);
	}
	hq_step(I->res, "%s: connection from %s: %s%s%s%s", sub_names[k], peer,
	    conn_out_names[out], o.alert ? " (" : "", o.alert ?
	    SSL_alert_desc_string_long(o.alert_desc) : "", o.alert ? ")" : "");
	if (out == C_COMPLETED)
		hq_step(I->res, "%s: %zu bytes of application data after the "
		    "handshake", sub_names[k], dlen);
	/* The worst outcome of the decisive ones stands for the sub-test. */
	if (out == C_ALERT || out == C_CLOSED || out == C_STALLED ||
	    out == C_COMPLETED || out == C_NOT_TLS) {
		if (!s->decided || out == C_COMPLETED || out == C_NOT_TLS) {
			s->out = out;
			s->alert_desc = o.alert_desc;
			s->data_len = dlen;
			snprintf(s->line, sizeof(s->line), "%s", line);
			snprintf(s->what, sizeof(s->what), "%s", note);
		}
		s->decided = true;
	} else if (!s->decided)
		s->out = out;
	free(buf);
	SSL_free(ssl);
}

static int
run_sub(struct icpt *I, enum sub k, struct hq_err *err)
{
	struct subtest *s = &I->s[k];
	struct hq_deadline dl;
	char peer[INET6_ADDRSTRLEN];
	size_t nconn = 0, ndec = 0;
	int fd, rc;

	dl = hq_deadline_min(I->ctx->deadline, hq_deadline_in(I->p.wait_ms));
	while (nconn < ICPT_CONNS_MAX && ndec < (size_t)I->p.attempts) {
		rc = accept_one(I, dl, &fd, peer, sizeof(peer), err);
		if (rc == HQ_ETIMEDOUT) {
			if (nconn == 0)
				s->timed_out = true;
			hq_step(I->res, "%s: no %sconnection from the DUT "
			    "within %lld ms", sub_names[k], nconn > 0 ?
			    "further " : "", I->p.wait_ms);
			return 0;
		}
		if (rc != 0)
			return rc;
		nconn++;
		judge_conn(I, k, fd, peer);
		close(fd);
		if (s->decided)
			ndec++;
		if (s->out == C_COMPLETED)
			break;		/* one is enough to FAIL */
	}
	return 0;
}

/* The phrase for one sub-test's result. */
static void
describe(const struct subtest *s, enum sub k, char *buf, size_t bufsz)
{
	switch (s->out) {
	case C_COMPLETED:
		if (s->data_len > 0)
			snprintf(buf, bufsz, "accepted %s and sent %zu%s bytes "
			    "of application data%s%s%s", sub_what[k],
			    s->data_len, s->data_len == HQ_ICPT_DATA_MAX ?
			    "+" : "", s->line[0] != '\0' ? " (\"" : "",
			    s->line, s->line[0] != '\0' ? "\")" : "");
		else
			snprintf(buf, bufsz, "completed the handshake with %s "
			    "but sent no application data (it may check the "
			    "certificate after the handshake)", sub_what[k]);
		break;
	case C_ALERT:
		snprintf(buf, bufsz, "aborted the handshake on %s (alert %s)",
		    sub_what[k], SSL_alert_desc_string_long(s->alert_desc));
		break;
	case C_CLOSED:
		snprintf(buf, bufsz, "closed the connection after %s without "
		    "an alert", sub_what[k]);
		break;
	case C_STALLED:
		snprintf(buf, bufsz, "neither completed nor aborted the "
		    "handshake on %s in time", sub_what[k]);
		break;
	case C_NOT_TLS:
		snprintf(buf, bufsz, "sent %zu bytes in clear to the impostor "
		    "on its cloud port, without starting TLS: %s (first bytes "
		    "\"%s\")", s->data_len, s->what[0] != '\0' ? s->what :
		    "not a TLS record", s->line);
		break;
	case C_EARLY:
		snprintf(buf, bufsz, "connected but the handshake ended before "
		    "%s was presented", sub_what[k]);
		break;
	default:
		snprintf(buf, bufsz, "did not connect");
		break;
	}
}

static void
verdict(struct icpt *I)
{
	struct hq_result *res = I->res;
	const struct subtest *c = &I->s[S_CONTROL];
	char txt[600], fails[1400], incs[1400], oks[1400];
	bool control_ok = c->sctx != NULL && c->out == C_COMPLETED;
	size_t nfail = 0, ninc = 0, k;

	fails[0] = incs[0] = oks[0] = '\0';
	if (c->sctx == NULL)
		hq_step(res, "control: not run: %s", c->why);
	else if (!control_ok) {
		describe(c, S_CONTROL, txt, sizeof(txt));
		hq_finding(res, "control: the DUT %s", txt);
	}
	for (k = S_UNTRUSTED; k < S_N; k++) {
		const struct subtest *s = &I->s[k];
		char *dst;
		bool ok;

		if (s->sctx == NULL) {
			snprintf(txt, sizeof(txt), "%s: not tested: %s",
			    sub_names[k], s->why);
			hq_finding(res, "%s", txt);
			dst = incs;
			ninc++;
		} else {
			describe(s, (enum sub)k, txt, sizeof(txt));
			ok = s->out == C_ALERT && (control_ok ||
			    cert_alert(s->alert_desc));
			ok = ok || (s->out == C_CLOSED && control_ok);
			if ((s->out == C_COMPLETED && s->data_len > 0) ||
			    s->out == C_NOT_TLS) {
				/* Data in clear to an impostor is the worst
				 * case: nothing protected it at all. */
				hq_finding(res, "%s: the DUT %s", sub_names[k],
				    txt);
				dst = fails;
				nfail++;
			} else if (!ok) {
				if (s->out == C_ALERT || s->out == C_CLOSED)
					snprintf(txt + strlen(txt), sizeof(txt)
					    - strlen(txt), "; without a "
					    "completed control handshake this "
					    "does not show the certificate was "
					    "the reason");
				hq_finding(res, "%s: the DUT %s", sub_names[k],
				    txt);
				dst = incs;
				ninc++;
			} else
				dst = oks;
		}
		snprintf(dst + strlen(dst), 1400 - strlen(dst), "%s%s",
		    dst[0] != '\0' ? "; " : "", txt);
	}
	for (k = 0; k < S_N; k++)
		if (I->s[k].sctx != NULL &&
		    cJSON_GetArraySize(I->s[k].conns) > 0)
			break;
	if (k == S_N) {
		hq_verdict(res, HQ_INCONCLUSIVE, "the DUT did not connect to "
		    "its redirected cloud address (port %u) within %lld ms: "
		    "nothing was tested", I->ctx->dut->cloud_port,
		    I->p.wait_ms);
		return;
	}
	if (nfail > 0)
		hq_verdict(res, HQ_FAIL, "the DUT %s", fails);
	else if (c->sctx != NULL && !control_ok)
		hq_verdict(res, HQ_INCONCLUSIVE, "control: the DUT did not "
		    "complete a handshake with the trusted control "
		    "certificate, so the interceptor is not proven; %s",
		    incs[0] != '\0' ? incs : oks);
	else if (ninc > 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "%s%s%s", incs,
		    oks[0] != '\0' ? "; otherwise the DUT " : "", oks);
	else
		hq_verdict(res, HQ_PASS, "the DUT aborted all 3 intercepted "
		    "handshakes and sent no application data: %s%s", oks,
		    control_ok ? "; it completed the control handshake" : "");
}

static int
save_evidence(struct icpt *I, struct hq_err *err)
{
	char slug[128], rel[256];
	cJSON *root, *subs, *o;
	char *text;
	size_t k;
	int rc;

	if ((root = cJSON_CreateObject()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	cJSON_AddItemToObject(root, "redirected", I->redirected);
	I->redirected = NULL;
	cJSON_AddNumberToObject(root, "port", I->ctx->dut->cloud_port);
	if (I->ctx->dut->cloud_name != NULL)
		cJSON_AddStringToObject(root, "cloud_name",
		    I->ctx->dut->cloud_name);
	subs = cJSON_AddObjectToObject(root, "subtests");
	for (k = 0; k < S_N; k++) {
		struct subtest *s = &I->s[k];

		o = cJSON_AddObjectToObject(subs, sub_names[k]);
		cJSON_AddBoolToObject(o, "run", s->sctx != NULL);
		if (s->why[0] != '\0')
			cJSON_AddStringToObject(o, "reason", s->why);
		if (s->cert != NULL) {
			cJSON_AddItemToObject(o, "certificate", s->cert);
			s->cert = NULL;
		}
		cJSON_AddStringToObject(o, "outcome", s->sctx == NULL ?
		    "not run" : s->timed_out ? "no connection" :
		    conn_out_names[s->out]);
		cJSON_AddItemToObject(o, "connections", s->conns);
		s->conns = NULL;
	}
	if ((text = cJSON_Print(root)) == NULL) {
		cJSON_Delete(root);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	hq_slug(I->ctx->tc->id, slug, sizeof(slug));
	snprintf(rel, sizeof(rel), "tls/%s-interception.json", slug);
	rc = hq_evidence_write(I->ctx->ev, rel, "handshake", text,
	    strlen(text), err);
	if (rc == 0)
		hq_result_evidence(I->res, rel);
	hq_detail(I->res, "interception", root);
	free(text);
	return rc;
}

int
hq_tls_intercept_run(struct hq_ctx *ctx, const cJSON *params,
    long long hs_ms, struct hq_result *res, struct hq_err *err)
{
	static struct icpt zero;
	struct icpt *I = NULL;
	struct hq_err uerr = { 0, "" }, rerr = { 0, "" };
	size_t i, n = 0, k;
	bool redirected = false, silent = false;
	int rc;

	if (ctx->bench == NULL)
		return hq_err_set(err, HQ_EINTERNAL, "interception needs the "
		    "bench (redirect), which is not open");
	if ((I = malloc(sizeof(*I))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	*I = zero;
	I->ctx = ctx;
	I->res = res;
	I->p.hs_ms = hs_ms;
	for (k = 0; k < S_N; k++)
		if ((I->s[k].conns = cJSON_CreateArray()) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
	n = hq_dut_secrets(ctx->dut, I->secrets, ICPT_SECRETS_MAX);
	I->secrets[n] = NULL;
	if ((rc = hq_jv_int(params, "", "connect_wait_ms", false, 100,
	    600000, 60000, &I->p.wait_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "data_wait_ms", false, 100, 60000,
	    3000, &I->p.data_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "attempts", false, 1, 10, 1,
	    &I->p.attempts, err)) != 0)
		goto out;
	/* The redirect first: the untrusted certificate names its
	 * addresses, and the listeners bind them. */
	if ((rc = hq_bench_redirect(ctx->bench, &n, &rerr)) == HQ_EINVAL) {
		/* Not a harness fault: nothing declared to intercept. */
		hq_step(res, "redirect: %s", rerr.msg);
		hq_verdict(res, HQ_INCONCLUSIVE, "%s; a DUT without a cloud "
		    "link is declared with the claim \"cloud-link\" as n/a",
		    rerr.msg);
		rc = 0;
		goto out_free;
	}
	if (rc != 0) {
		rc = hq_err_set(err, rc, "%s", rerr.msg);
		goto out;
	}
	redirected = true;
	if ((I->redirected = cJSON_CreateArray()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		cJSON_AddItemToArray(I->redirected, cJSON_CreateString(
		    hq_bench_redirect_addr(ctx->bench, i)));
		hq_step(res, "redirect: %s:%u now reaches the lab side",
		    hq_bench_redirect_addr(ctx->bench, i),
		    ctx->dut->cloud_port);
	}
	prepare_file_sub(I, S_CONTROL, &ctx->dut->icpt_control);
	prepare_file_sub(I, S_WRONG_NAME, &ctx->dut->icpt_wrong_name);
	prepare_file_sub(I, S_EXPIRED, &ctx->dut->icpt_expired);
	if ((rc = prepare_untrusted(I, err)) != 0 ||
	    (rc = listen_all(I, err)) != 0)
		goto out;
	for (k = 0; k < S_N; k++) {
		if (I->s[k].sctx == NULL)
			continue;
		if (silent) {
			/* It did not come back for the last one: waiting
			 * again would only multiply the wait. */
			I->s[k].timed_out = true;
			continue;
		}
		hq_step(res, "%s: presenting %s, waiting up to %lld ms for the "
		    "DUT", sub_names[k], sub_what[k], I->p.wait_ms);
		if ((rc = run_sub(I, (enum sub)k, err)) != 0)
			goto out;
		silent = I->s[k].timed_out;
	}
 out:
	for (i = 0; I != NULL && i < I->nl; i++)
		close(I->lfd[i]);
	/* Always: the DUT must get its cloud back. */
	if (redirected) {
		if (hq_bench_unredirect(ctx->bench, &uerr) != 0) {
			hq_error("interception: %s", uerr.msg);
			if (rc == 0)
				rc = hq_err_set(err, uerr.code, "%s",
				    uerr.msg);
		} else
			hq_step(res, "redirect removed: the cloud addresses "
			    "are forwarded to the cloud again");
	}
	if (rc == 0 && I != NULL) {
		verdict(I);
		rc = save_evidence(I, err);
	}
 out_free:
	for (k = 0; I != NULL && k < S_N; k++) {
		SSL_CTX_free(I->s[k].sctx);
		cJSON_Delete(I->s[k].cert);
		cJSON_Delete(I->s[k].conns);
	}
	if (I != NULL)
		cJSON_Delete(I->redirected);
	free(I);
	return rc;
}
