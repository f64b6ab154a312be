/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS on the wire without a TLS library: the IANA cipher suite table with
 * the properties profiles judge (NULL, anonymous, EXPORT, RC4, DES, 3DES,
 * MD5, CBC, SHA-1 MAC, static RSA, key exchange), a ClientHello builder
 * for SSLv3 .. TLS 1.3 from suite and group lists, and a bounded parser
 * for what a server answers first (ServerHello, HelloRetryRequest, alert).
 * It never completes a handshake, so it can offer what the local OpenSSL
 * cannot (3DES, RC4, EXPORT, SSLv3).  Every byte from the server goes
 * through an hq_rd cursor; nothing here blocks or allocates.
 */
#ifndef HQ_TLSWIRE_H
#define HQ_TLSWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hq_err;

#define HQ_TLS_RECORD_MAX	(16384 + 2048)	/* RFC 5246 6.2.3 */
#define HQ_TLS_HELLO_MAX	4096	/* our ClientHello, all suites offered */
#define HQ_TLS_SH_MAX		4096	/* a ServerHello message body */
#define HQ_TLS_REPLY_MAX	24576	/* bytes read looking for it */
#define HQ_TLS_OFFER_MAX	512	/* suites in one ClientHello */
#define HQ_TLS_GROUPS_MAX	64
#define HQ_TLS_SNI_MAX		253

/* Protocol versions as on the wire. */
#define HQ_SSL3		0x0300
#define HQ_TLS10	0x0301
#define HQ_TLS11	0x0302
#define HQ_TLS12	0x0303
#define HQ_TLS13	0x0304
#define HQ_TLS_NVERSIONS	5	/* SSLv3 .. TLS 1.3, index v - 0x0300 */

/* Suite properties. */
#define HQ_TLSS_NULL		0x0001u	/* no encryption */
#define HQ_TLSS_ANON		0x0002u	/* no server authentication */
#define HQ_TLSS_EXPORT		0x0004u
#define HQ_TLSS_RC4		0x0008u
#define HQ_TLSS_DES		0x0010u	/* single DES (56/40 bit) */
#define HQ_TLSS_3DES		0x0020u
#define HQ_TLSS_MD5		0x0040u	/* MD5 MAC */
#define HQ_TLSS_CBC		0x0080u
#define HQ_TLSS_SHA1		0x0100u	/* SHA-1 MAC */
#define HQ_TLSS_STATIC_RSA	0x0200u	/* RSA key transport: no PFS */
#define HQ_TLSS_DRAFT		0x0400u	/* pre-standard code point */

enum hq_tls_kx {
	HQ_TLS_KX_NONE, HQ_TLS_KX_ANY, HQ_TLS_KX_RSA, HQ_TLS_KX_DHE,
	HQ_TLS_KX_ECDHE, HQ_TLS_KX_DH, HQ_TLS_KX_ECDH, HQ_TLS_KX_PSK,
	HQ_TLS_KX_DHE_PSK, HQ_TLS_KX_ECDHE_PSK, HQ_TLS_KX_RSA_PSK,
	HQ_TLS_KX_SRP, HQ_TLS_KX_GOST, HQ_TLS_KX_KRB5, HQ_TLS_KX_OTHER
};

struct hq_tls_suite {
	uint16_t	 id;
	const char	*iana;		/* "TLS_RSA_WITH_AES_128_CBC_SHA" */
	const char	*openssl;	/* "AES128-SHA", or "" */
	uint32_t	 flags;		/* HQ_TLSS_* */
	enum hq_tls_kx	 kx;
	uint16_t	 bits;		/* cipher strength, 0 for NULL */
	uint16_t	 min_version;	/* HQ_SSL3 .. HQ_TLS13 */
};

/* The whole table, sorted by id (static; n out). */
const struct hq_tls_suite *hq_tls_suites(size_t *np);
/* Lookups, NULL when unknown. by_name takes IANA or OpenSSL names. */
const struct hq_tls_suite *hq_tls_suite_find(uint16_t id);
const struct hq_tls_suite *hq_tls_suite_by_name(const char *name);
/* The suite's name for reports: IANA, or "0xXXXX" when unknown (buf). */
const char *hq_tls_suite_name(uint16_t id, char *buf, size_t bufsz);
/* "NULL", "anon", "EXPORT", ... joined by ',' into buf; "" for none. */
const char *hq_tls_flags_str(uint32_t flags, char *buf, size_t bufsz);
/* Parses a flag name ("NULL", "anon", "3DES", ...) into *flagp. */
int	hq_tls_flag_parse(const char *name, uint32_t *flagp);
const char *hq_tls_kx_name(enum hq_tls_kx kx);

/* "SSLv3" .. "TLSv1.3", or NULL for another value. */
const char *hq_tls_version_name(uint16_t v);
/* Accepts "SSLv3", "TLSv1.0" (or "TLSv1"), ... "TLSv1.3" and "1.2". */
int	hq_tls_version_parse(const char *s, uint16_t *vp);

/* Named groups (RFC 8446 4.2.7, RFC 7919, RFC 8422). */
struct hq_tls_group {
	uint16_t	 id;
	const char	*name;
	bool		 tls13;		/* usable in TLS 1.3 */
	uint16_t	 bits;		/* security strength order of size */
};
const struct hq_tls_group *hq_tls_groups(size_t *np);
const char *hq_tls_group_name(uint16_t id, char *buf, size_t bufsz);
/* RFC 8446 6.2 alert description name, or "alert N" (buf). */
const char *hq_tls_alert_name(uint8_t desc, char *buf, size_t bufsz);

struct hq_tls_hello_opts {
	uint16_t	 version;	/* the highest version offered */
	const uint16_t	*suites;	/* in preference order */
	size_t		 nsuites;	/* 1 .. HQ_TLS_OFFER_MAX */
	const uint16_t	*groups;	/* NULL: a broad default */
	size_t		 ngroups;
	const char	*sni;		/* NULL or an IP literal: no SNI */
	const uint8_t	*random;	/* 32 bytes, or NULL: fixed pattern */
};

/*
 * Builds one ClientHello record for o into buf (cap bytes).  TLS 1.3 hellos
 * carry supported_versions {1.3} and an empty key_share, so the server
 * answers with a HelloRetryRequest naming its group; lower versions carry
 * no supported_versions.  SSLv3 hellos carry no extensions.  The
 * renegotiation SCSV is always appended; TLS_FALLBACK_SCSV never.
 */
int	hq_tls_hello_build(const struct hq_tls_hello_opts *o, uint8_t *buf,
	    size_t cap, size_t *lenp, struct hq_err *err);

enum hq_tls_reply_kind {
	HQ_TLSR_MORE = 0,	/* a valid prefix: read on */
	HQ_TLSR_HELLO,		/* ServerHello */
	HQ_TLSR_HRR,		/* HelloRetryRequest (RFC 8446 4.1.4) */
	HQ_TLSR_ALERT,
	HQ_TLSR_SSL2,		/* an SSLv2 SERVER-HELLO */
};

struct hq_tls_reply {
	enum hq_tls_reply_kind kind;
	uint16_t	record_version;
	uint16_t	legacy_version;	/* ServerHello.legacy_version */
	uint16_t	version;	/* negotiated: supported_versions or
					 * legacy_version */
	uint16_t	suite;
	uint8_t		compression;
	uint16_t	group;		/* key_share / HRR group, if has_group */
	bool		has_group;
	bool		secure_reneg;	/* renegotiation_info echoed */
	bool		ems;		/* extended_master_secret echoed */
	uint8_t		alert_level;
	uint8_t		alert_desc;
	size_t		used;		/* bytes of input parsed */
};

/*
 * Parses the first bytes a server sent after our ClientHello (p, len: all
 * of them so far).  Returns 0 with r->kind MORE while p is a valid but
 * incomplete prefix, or the decided kind; HQ_EPROTO (reason in err) for
 * anything not TLS or malformed: wrong record type, version or length,
 * a first handshake message other than ServerHello, lengths past their
 * limits, trailing bytes, duplicate extensions.  Never reads past len.
 */
int	hq_tls_reply_parse(const uint8_t *p, size_t len,
	    struct hq_tls_reply *r, struct hq_err *err);

#endif
