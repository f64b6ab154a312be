/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS ClientHello builder and ServerHello/HelloRetryRequest/alert parser
 * (see tlswire.h).  Builds only what we send; parses server bytes only
 * through hq_rd.  No I/O, no allocation, no OpenSSL.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "util/err.h"
#include "util/rd.h"
#include "wire/tlswire.h"

static const struct hq_tls_suite suite_table[] = {
#include "wire/tlssuites.inc"
};
#define NSUITES	(sizeof(suite_table) / sizeof(suite_table[0]))

static const struct hq_tls_group group_table[] = {
	{ 0x0001, "sect163k1", false, 80 },
	{ 0x0002, "sect163r1", false, 80 },
	{ 0x0003, "sect163r2", false, 80 },
	{ 0x0004, "sect193r1", false, 96 },
	{ 0x0005, "sect193r2", false, 96 },
	{ 0x0006, "sect233k1", false, 112 },
	{ 0x0007, "sect233r1", false, 112 },
	{ 0x0008, "sect239k1", false, 112 },
	{ 0x0009, "sect283k1", false, 128 },
	{ 0x000a, "sect283r1", false, 128 },
	{ 0x000b, "sect409k1", false, 192 },
	{ 0x000c, "sect409r1", false, 192 },
	{ 0x000d, "sect571k1", false, 256 },
	{ 0x000e, "sect571r1", false, 256 },
	{ 0x000f, "secp160k1", false, 80 },
	{ 0x0010, "secp160r1", false, 80 },
	{ 0x0011, "secp160r2", false, 80 },
	{ 0x0012, "secp192k1", false, 96 },
	{ 0x0013, "secp192r1", false, 96 },
	{ 0x0014, "secp224k1", false, 112 },
	{ 0x0015, "secp224r1", false, 112 },
	{ 0x0016, "secp256k1", false, 128 },
	{ 0x0017, "secp256r1", true, 128 },
	{ 0x0018, "secp384r1", true, 192 },
	{ 0x0019, "secp521r1", true, 256 },
	{ 0x001a, "brainpoolP256r1", false, 128 },
	{ 0x001b, "brainpoolP384r1", false, 192 },
	{ 0x001c, "brainpoolP512r1", false, 256 },
	{ 0x001d, "x25519", true, 128 },
	{ 0x001e, "x448", true, 224 },
	{ 0x001f, "brainpoolP256r1tls13", true, 128 },
	{ 0x0020, "brainpoolP384r1tls13", true, 192 },
	{ 0x0021, "brainpoolP512r1tls13", true, 256 },
	{ 0x0100, "ffdhe2048", true, 103 },
	{ 0x0101, "ffdhe3072", true, 125 },
	{ 0x0102, "ffdhe4096", true, 150 },
	{ 0x0103, "ffdhe6144", true, 175 },
	{ 0x0104, "ffdhe8192", true, 192 },
};
#define NGROUPS	(sizeof(group_table) / sizeof(group_table[0]))

/* RFC 8446 4.1.3: SHA-256 of "HelloRetryRequest". */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c
};

/* Broad on purpose: legacy SHA-1/MD5 and DSA so old servers still answer. */
static const uint16_t sigalgs[] = {
	0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806,
	0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301,
	0x0302, 0x0402, 0x0502, 0x0602, 0x0203, 0x0201, 0x0202, 0x0101,
};

const struct hq_tls_suite *
hq_tls_suites(size_t *np)
{
	*np = NSUITES;
	return suite_table;
}

const struct hq_tls_suite *
hq_tls_suite_find(uint16_t id)
{
	size_t lo = 0, hi = NSUITES;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (suite_table[mid].id == id)
			return &suite_table[mid];
		if (suite_table[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct hq_tls_suite *
hq_tls_suite_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < NSUITES; i++)
		if (strcmp(suite_table[i].iana, name) == 0 ||
		    (suite_table[i].openssl[0] != '\0' &&
		    strcmp(suite_table[i].openssl, name) == 0))
			return &suite_table[i];
	return NULL;
}

const char *
hq_tls_suite_name(uint16_t id, char *buf, size_t bufsz)
{
	const struct hq_tls_suite *s = hq_tls_suite_find(id);

	if (s != NULL)
		return s->iana;
	snprintf(buf, bufsz, "0x%04x", id);
	return buf;
}

static const struct {
	uint32_t	 flag;
	const char	*name;
} flag_names[] = {
	{ HQ_TLSS_NULL, "NULL" }, { HQ_TLSS_ANON, "anon" },
	{ HQ_TLSS_EXPORT, "EXPORT" }, { HQ_TLSS_RC4, "RC4" },
	{ HQ_TLSS_DES, "DES" }, { HQ_TLSS_3DES, "3DES" },
	{ HQ_TLSS_MD5, "MD5" }, { HQ_TLSS_CBC, "CBC" },
	{ HQ_TLSS_SHA1, "SHA1" }, { HQ_TLSS_STATIC_RSA, "static-RSA" },
	{ HQ_TLSS_DRAFT, "draft" },
};

const char *
hq_tls_flags_str(uint32_t flags, char *buf, size_t bufsz)
{
	size_t i, n = 0;

	if (bufsz == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		int k;

		if ((flags & flag_names[i].flag) == 0)
			continue;
		k = snprintf(buf + n, bufsz - n, "%s%s", n > 0 ? "," : "",
		    flag_names[i].name);
		if (k < 0 || (size_t)k >= bufsz - n)
			break;
		n += (size_t)k;
	}
	return buf;
}

int
hq_tls_flag_parse(const char *name, uint32_t *flagp)
{
	size_t i;

	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (strcasecmp(flag_names[i].name, name) == 0) {
			*flagp = flag_names[i].flag;
			return 0;
		}
	return HQ_EINVAL;
}

const char *
hq_tls_kx_name(enum hq_tls_kx kx)
{
	static const char *const names[] = {
		"none", "any", "RSA", "DHE", "ECDHE", "DH", "ECDH", "PSK",
		"DHE-PSK", "ECDHE-PSK", "RSA-PSK", "SRP", "GOST", "KRB5",
		"other"
	};

	if ((size_t)kx < sizeof(names) / sizeof(names[0]))
		return names[kx];
	return "other";
}

const char *
hq_tls_version_name(uint16_t v)
{
	switch (v) {
	case HQ_SSL3:	return "SSLv3";
	case HQ_TLS10:	return "TLSv1.0";
	case HQ_TLS11:	return "TLSv1.1";
	case HQ_TLS12:	return "TLSv1.2";
	case HQ_TLS13:	return "TLSv1.3";
	default:	return NULL;
	}
}

int
hq_tls_version_parse(const char *s, uint16_t *vp)
{
	static const struct {
		const char	*name;
		uint16_t	 v;
	} names[] = {
		{ "SSLv3", HQ_SSL3 }, { "TLSv1", HQ_TLS10 },
		{ "TLSv1.0", HQ_TLS10 }, { "TLSv1.1", HQ_TLS11 },
		{ "TLSv1.2", HQ_TLS12 }, { "TLSv1.3", HQ_TLS13 },
		{ "1.0", HQ_TLS10 }, { "1.1", HQ_TLS11 },
		{ "1.2", HQ_TLS12 }, { "1.3", HQ_TLS13 },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, s) == 0) {
			*vp = names[i].v;
			return 0;
		}
	return HQ_EINVAL;
}

const struct hq_tls_group *
hq_tls_groups(size_t *np)
{
	*np = NGROUPS;
	return group_table;
}

const char *
hq_tls_group_name(uint16_t id, char *buf, size_t bufsz)
{
	size_t i;

	for (i = 0; i < NGROUPS; i++)
		if (group_table[i].id == id)
			return group_table[i].name;
	snprintf(buf, bufsz, "group 0x%04x", id);
	return buf;
}

const char *
hq_tls_alert_name(uint8_t desc, char *buf, size_t bufsz)
{
	switch (desc) {
	case 0:		return "close_notify";
	case 10:	return "unexpected_message";
	case 20:	return "bad_record_mac";
	case 22:	return "record_overflow";
	case 40:	return "handshake_failure";
	case 42:	return "bad_certificate";
	case 47:	return "illegal_parameter";
	case 50:	return "decode_error";
	case 51:	return "decrypt_error";
	case 70:	return "protocol_version";
	case 71:	return "insufficient_security";
	case 80:	return "internal_error";
	case 86:	return "inappropriate_fallback";
	case 109:	return "missing_extension";
	case 110:	return "unsupported_extension";
	case 112:	return "unrecognized_name";
	case 120:	return "no_application_protocol";
	default:
		snprintf(buf, bufsz, "alert %u", desc);
		return buf;
	}
}

/* ClientHello building: a small bounded writer over our own buffer. */

struct wr {
	uint8_t	*p;
	size_t	 cap;
	size_t	 n;
	bool	 overflow;
};

static void
w_u8(struct wr *w, unsigned v)
{
	if (w->n + 1 > w->cap) {
		w->overflow = true;
		return;
	}
	w->p[w->n++] = (uint8_t)v;
}

static void
w_u16(struct wr *w, unsigned v)
{
	w_u8(w, (v >> 8) & 0xff);
	w_u8(w, v & 0xff);
}

static void
w_bytes(struct wr *w, const void *p, size_t len)
{
	if (len > w->cap - w->n) {
		w->overflow = true;
		return;
	}
	memcpy(w->p + w->n, p, len);
	w->n += len;
}

/* Reserves a length field of size bytes; returns its offset. */
static size_t
w_len_open(struct wr *w, size_t size)
{
	size_t at = w->n, i;

	for (i = 0; i < size; i++)
		w_u8(w, 0);
	return at;
}

static void
w_len_close(struct wr *w, size_t at, size_t size)
{
	size_t len, i;

	if (w->overflow)
		return;
	len = w->n - at - size;
	for (i = 0; i < size; i++)
		w->p[at + i] = (uint8_t)(len >> (8 * (size - 1 - i)));
}

static bool
is_ip_literal(const char *s)
{
	uint8_t a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

int
hq_tls_hello_build(const struct hq_tls_hello_opts *o, uint8_t *buf,
    size_t cap, size_t *lenp, struct hq_err *err)
{
	/* Default groups: every known one for <= 1.2 (the server picks the
	 * curve), the TLS 1.3 ones for 1.3. */
	uint16_t dflt[NGROUPS];
	const uint16_t *groups = o->groups;
	size_t ngroups = o->ngroups, i, rec, hs, ext, at;
	struct wr w = { buf, cap, 0, false };
	uint16_t legacy;

	*lenp = 0;
	if (hq_tls_version_name(o->version) == NULL)
		return hq_err_set(err, HQ_EINVAL, "ClientHello: version "
		    "0x%04x", o->version);
	if (o->nsuites == 0 || o->nsuites > HQ_TLS_OFFER_MAX)
		return hq_err_set(err, HQ_EINVAL, "ClientHello: %zu suites "
		    "(1..%d)", o->nsuites, HQ_TLS_OFFER_MAX);
	if (groups == NULL) {
		ngroups = 0;
		for (i = 0; i < NGROUPS; i++)
			if (o->version != HQ_TLS13 || group_table[i].tls13)
				dflt[ngroups++] = group_table[i].id;
		groups = dflt;
	}
	if (ngroups > HQ_TLS_GROUPS_MAX)
		return hq_err_set(err, HQ_EINVAL, "ClientHello: %zu groups",
		    ngroups);
	legacy = o->version > HQ_TLS12 ? HQ_TLS12 : o->version;
	/* Record: SSLv3 hellos in an SSLv3 record, others in TLS 1.0 ones
	 * (RFC 8446 5.1: legacy_record_version 0x0301 for compatibility). */
	w_u8(&w, 0x16);
	w_u16(&w, o->version == HQ_SSL3 ? HQ_SSL3 : HQ_TLS10);
	rec = w_len_open(&w, 2);
	w_u8(&w, 0x01);				/* client_hello */
	hs = w_len_open(&w, 3);
	w_u16(&w, legacy);
	if (o->random != NULL)
		w_bytes(&w, o->random, 32);
	else
		for (i = 0; i < 32; i++)
			w_u8(&w, (unsigned)(0xa5 ^ i));
	if (o->version == HQ_TLS13) {
		/* RFC 8446 D.4: a session id for middlebox compatibility. */
		w_u8(&w, 32);
		for (i = 0; i < 32; i++)
			w_u8(&w, (unsigned)(0x3c + i));
	} else {
		w_u8(&w, 0);
	}
	at = w_len_open(&w, 2);
	for (i = 0; i < o->nsuites; i++)
		w_u16(&w, o->suites[i]);
	w_u16(&w, 0x00ff);		/* RFC 5746 renegotiation SCSV */
	w_len_close(&w, at, 2);
	w_u8(&w, 1);
	w_u8(&w, 0);			/* compression: null only */
	if (o->version != HQ_SSL3) {
		ext = w_len_open(&w, 2);
		if (o->sni != NULL && o->sni[0] != '\0' &&
		    strlen(o->sni) <= HQ_TLS_SNI_MAX && !is_ip_literal(o->sni)) {
			size_t l1, l2;

			w_u16(&w, 0x0000);		/* server_name */
			l1 = w_len_open(&w, 2);
			l2 = w_len_open(&w, 2);
			w_u8(&w, 0);			/* host_name */
			w_u16(&w, (unsigned)strlen(o->sni));
			w_bytes(&w, o->sni, strlen(o->sni));
			w_len_close(&w, l2, 2);
			w_len_close(&w, l1, 2);
		}
		w_u16(&w, 0x000a);			/* supported_groups */
		w_u16(&w, (unsigned)(2 + 2 * ngroups));
		w_u16(&w, (unsigned)(2 * ngroups));
		for (i = 0; i < ngroups; i++)
			w_u16(&w, groups[i]);
		w_u16(&w, 0x000b);			/* ec_point_formats */
		w_u16(&w, 2);
		w_u8(&w, 1);
		w_u8(&w, 0);				/* uncompressed */
		w_u16(&w, 0x000d);			/* signature_algorithms */
		w_u16(&w, (unsigned)(2 + sizeof(sigalgs)));
		w_u16(&w, (unsigned)sizeof(sigalgs));
		for (i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
			w_u16(&w, sigalgs[i]);
		w_u16(&w, 0x0017);		/* extended_master_secret */
		w_u16(&w, 0);
		if (o->version == HQ_TLS13) {
			w_u16(&w, 0x002b);		/* supported_versions */
			w_u16(&w, 3);
			w_u8(&w, 2);
			w_u16(&w, HQ_TLS13);
			w_u16(&w, 0x002d);	/* psk_key_exchange_modes */
			w_u16(&w, 2);
			w_u8(&w, 1);
			w_u8(&w, 1);			/* psk_dhe_ke */
			w_u16(&w, 0x0033);	/* key_share: empty, so the
						 * server names its group */
			w_u16(&w, 2);
			w_u16(&w, 0);
		}
		w_len_close(&w, ext, 2);
	}
	w_len_close(&w, hs, 3);
	w_len_close(&w, rec, 2);
	if (w.overflow)
		return hq_err_set(err, HQ_EINVAL, "ClientHello: more than %zu "
		    "bytes", cap);
	if (w.n - 5 > HQ_TLS_RECORD_MAX - 2048)
		return hq_err_set(err, HQ_EINVAL, "ClientHello: %zu bytes, "
		    "more than one record", w.n);
	*lenp = w.n;
	return 0;
}

/* ServerHello body (after the 4-byte handshake header). */
static int
parse_server_hello(struct hq_rd *rd, struct hq_tls_reply *r,
    struct hq_err *err)
{
	const uint8_t *random;
	struct hq_rd exts, ext;
	uint16_t elen;
	uint8_t sidlen;
	uint32_t seen = 0;
	int rc;

	if ((rc = hq_rd_u16be(rd, &r->legacy_version)) != 0 ||
	    (rc = hq_rd_bytes(rd, 32, &random)) != 0 ||
	    (rc = hq_rd_u8(rd, &sidlen)) != 0)
		return hq_err_set(err, rc, "ServerHello truncated");
	if ((r->legacy_version >> 8) != 3)
		return hq_err_set(err, HQ_EPROTO, "ServerHello version "
		    "0x%04x is not SSLv3/TLS", r->legacy_version);
	if (sidlen > 32)			/* RFC 5246 7.4.1.2 */
		return hq_err_set(err, HQ_EPROTO, "ServerHello session id of "
		    "%u bytes (at most 32)", sidlen);
	if ((rc = hq_rd_skip(rd, sidlen)) != 0 ||
	    (rc = hq_rd_u16be(rd, &r->suite)) != 0 ||
	    (rc = hq_rd_u8(rd, &r->compression)) != 0)
		return hq_err_set(err, rc, "ServerHello truncated");
	r->kind = memcmp(random, hrr_random, 32) == 0 ? HQ_TLSR_HRR :
	    HQ_TLSR_HELLO;
	r->version = r->legacy_version;
	if (rd->len == 0)		/* no extensions (SSLv3, old TLS) */
		goto check;
	if ((rc = hq_rd_u16be(rd, &elen)) != 0 ||
	    (rc = hq_rd_sub(rd, elen, &exts)) != 0)
		return hq_err_set(err, rc, "ServerHello extensions truncated");
	if (rd->len != 0)
		return hq_err_set(err, HQ_EPROTO, "ServerHello: %zu bytes "
		    "after the extensions", rd->len);
	while (exts.len > 0) {
		uint16_t type, len, v;
		uint32_t bit = 0;

		if ((rc = hq_rd_u16be(&exts, &type)) != 0 ||
		    (rc = hq_rd_u16be(&exts, &len)) != 0 ||
		    (rc = hq_rd_sub(&exts, len, &ext)) != 0)
			return hq_err_set(err, rc, "ServerHello extension "
			    "truncated");
		switch (type) {
		case 0x002b: bit = 0x1; break;
		case 0x0033: bit = 0x2; break;
		case 0xff01: bit = 0x4; break;
		case 0x0017: bit = 0x8; break;
		default: break;
		}
		if (bit != 0 && (seen & bit) != 0)
			return hq_err_set(err, HQ_EPROTO, "ServerHello: "
			    "extension 0x%04x twice", type);
		seen |= bit;
		switch (type) {
		case 0x002b:			/* supported_versions */
			if ((rc = hq_rd_u16be(&ext, &v)) != 0 || ext.len != 0)
				return hq_err_set(err, HQ_EPROTO, "ServerHello:"
				    " bad supported_versions");
			r->version = v;
			break;
		case 0x0033:			/* key_share */
			if ((rc = hq_rd_u16be(&ext, &r->group)) != 0)
				return hq_err_set(err, HQ_EPROTO, "ServerHello:"
				    " bad key_share");
			r->has_group = true;
			if (r->kind == HQ_TLSR_HRR && ext.len != 0)
				return hq_err_set(err, HQ_EPROTO, "HRR: "
				    "key_share longer than a group");
			if (r->kind == HQ_TLSR_HELLO) {
				struct hq_rd key;

				if ((rc = hq_rd_u16be(&ext, &v)) != 0 ||
				    (rc = hq_rd_sub(&ext, v, &key)) != 0 ||
				    ext.len != 0 || v == 0)
					return hq_err_set(err, HQ_EPROTO,
					    "ServerHello: bad key_share");
			}
			break;
		case 0xff01:
			r->secure_reneg = true;
			break;
		case 0x0017:
			r->ems = true;
			break;
		default:
			break;
		}
	}
 check:
	if (r->version == HQ_TLS13 && r->legacy_version != HQ_TLS12)
		return hq_err_set(err, HQ_EPROTO, "TLS 1.3 ServerHello with "
		    "legacy_version 0x%04x", r->legacy_version);
	if (r->kind == HQ_TLSR_HRR && r->version != HQ_TLS13)
		return hq_err_set(err, HQ_EPROTO, "HelloRetryRequest without "
		    "supported_versions 1.3");
	return 0;
}

int
hq_tls_reply_parse(const uint8_t *p, size_t len, struct hq_tls_reply *r,
    struct hq_err *err)
{
	/* The first handshake message, reassembled across records. */
	uint8_t hs[4 + HQ_TLS_SH_MAX];
	size_t hsl = 0;
	struct hq_rd rd = { p, len };
	int rc;

	memset(r, 0, sizeof(*r));
	if (len == 0)
		return 0;
	/* SSLv2 SERVER-HELLO: 2-byte header with the top bit, type 4. */
	if ((p[0] & 0x80) != 0) {
		if (len < 3)
			return 0;
		if (p[2] == 0x04) {
			r->kind = HQ_TLSR_SSL2;
			r->used = 3;
			return 0;
		}
		return hq_err_set(err, HQ_EPROTO, "not TLS: first byte 0x%02x",
		    p[0]);
	}
	while (rd.len > 0) {
		struct hq_rd body;
		uint8_t type;
		uint16_t ver, rlen;
		size_t avail;

		/* Judge the record type as soon as its byte is there, so a
		 * server answering in another protocol fails fast. */
		if (rd.p[0] != 0x15 && rd.p[0] != 0x16)
			return hq_err_set(err, HQ_EPROTO, "not TLS: record type "
			    "0x%02x where a handshake or alert was due",
			    rd.p[0]);
		if (rd.len >= 2 && rd.p[1] != 3)
			return hq_err_set(err, HQ_EPROTO, "not TLS: record "
			    "version major %u", rd.p[1]);
		if ((rc = hq_rd_u8(&rd, &type)) != 0 ||
		    (rc = hq_rd_u16be(&rd, &ver)) != 0 ||
		    (rc = hq_rd_u16be(&rd, &rlen)) != 0)
			return 0;		/* header incomplete: more */
		if (r->record_version == 0)
			r->record_version = ver;
		if (rlen > HQ_TLS_RECORD_MAX)
			return hq_err_set(err, HQ_EPROTO, "TLS record of %u "
			    "bytes (at most %d)", rlen, HQ_TLS_RECORD_MAX);
		if (rlen == 0)			/* RFC 8446 5.1 */
			return hq_err_set(err, HQ_EPROTO, "empty TLS %s "
			    "record", type == 0x15 ? "alert" : "handshake");
		avail = rlen < rd.len ? rlen : rd.len;
		if ((rc = hq_rd_sub(&rd, avail, &body)) != 0)
			return hq_err_set(err, HQ_EINTERNAL, "record cursor");
		if (type == 0x15) {
			if (hsl > 0)
				return hq_err_set(err, HQ_EPROTO, "alert "
				    "inside a partial ServerHello");
			if (rlen != 2)
				return hq_err_set(err, HQ_EPROTO, "alert "
				    "record of %u bytes", rlen);
			if (hq_rd_u8(&body, &r->alert_level) != 0 ||
			    hq_rd_u8(&body, &r->alert_desc) != 0)
				return 0;
			if (r->alert_level != 1 && r->alert_level != 2)
				return hq_err_set(err, HQ_EPROTO, "alert "
				    "level %u", r->alert_level);
			r->kind = HQ_TLSR_ALERT;
			r->used = len - rd.len;
			return 0;
		}
		/* Handshake: append what is needed of this fragment. */
		while (body.len > 0) {
			size_t want = hsl < 4 ? 4 - hsl : 0, take;
			const uint8_t *b;

			if (hsl >= 4) {
				uint32_t mlen = (uint32_t)hs[1] << 16 |
				    (uint32_t)hs[2] << 8 | hs[3];

				want = 4 + mlen - hsl;
			}
			take = body.len < want ? body.len : want;
			if (take == 0)
				break;
			if (hq_rd_bytes(&body, take, &b) != 0)
				return hq_err_set(err, HQ_EINTERNAL, "cursor");
			memcpy(hs + hsl, b, take);
			hsl += take;
			if (hsl == 4) {
				uint32_t mlen = (uint32_t)hs[1] << 16 |
				    (uint32_t)hs[2] << 8 | hs[3];

				if (hs[0] != 2)
					return hq_err_set(err, HQ_EPROTO,
					    "handshake message type %u where "
					    "a ServerHello was due", hs[0]);
				if (mlen > HQ_TLS_SH_MAX)
					return hq_err_set(err, HQ_EPROTO,
					    "ServerHello of %u bytes (at most "
					    "%d)", mlen, HQ_TLS_SH_MAX);
				if (mlen < 38)
					return hq_err_set(err, HQ_EPROTO,
					    "ServerHello of %u bytes (at "
					    "least 38)", mlen);
			}
			if (hsl >= 4) {
				uint32_t mlen = (uint32_t)hs[1] << 16 |
				    (uint32_t)hs[2] << 8 | hs[3];

				if (hsl == 4 + mlen) {
					struct hq_rd m = { hs + 4, mlen };

					if ((rc = parse_server_hello(&m, r,
					    err)) != 0) {
						r->kind = HQ_TLSR_MORE;
						return rc;
					}
					r->used = len - rd.len - body.len;
					return 0;
				}
			}
		}
	}
	return 0;
}
