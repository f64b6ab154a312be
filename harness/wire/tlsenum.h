/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS enumeration by hand-built ClientHellos (tlswire), many connections
 * in flight: protocol versions SSLv3 .. TLS 1.3, every accepted cipher
 * suite per version from the IANA table (offer all, remove the chosen one,
 * repeat; the table is split into chunks that run side by side), the TLS
 * 1.3 key-exchange groups, and whether the server enforces its own suite
 * order.  No probe is made whose answer is already known: a version's
 * other chunks wait for its first chunk's first answer and end unprobed
 * when the version itself is refused (a protocol_version alert, or a
 * ServerHello of another version); the groups' first hello is the TLS 1.3
 * chain's first, so it takes that answer; a pair the caller has already
 * seen accepted (the detection's) is found without a probe; the suite
 * order is asked reversed first, and the set in its order only when the
 * reverse's answer and the chains' picks leave it open.  A window bounds the connections in flight, each probe has its
 * own deadline, and the whole scan the caller's.  Also the real OpenSSL
 * handshake the family uses as its control and to read the certificate.
 */
#ifndef HQ_TLSENUM_H
#define HQ_TLSENUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "util/util.h"
#include "wire/tlswire.h"

struct hq_err;

#define HQ_TLSENUM_WINDOW_MAX	256
#define HQ_TLSENUM_PROBES_MAX	20000	/* per scan: a runaway server stops */

struct hq_tlsenum_opts {
	const char	*addr;		/* numeric IPv4/IPv6 */
	unsigned	 port;
	const char	*sni;		/* NULL: none */
	unsigned	 window;	/* connections in flight, 1..256 */
	int		 timeout_ms;	/* per probe: connect to verdict */
	unsigned	 retries;	/* per probe on timeout/reset */
	unsigned	 chunks;	/* suite chains per version, 1..32 */
	unsigned	 versions;	/* bit (v - 0x0300): which to test */
	bool		 groups;	/* enumerate TLS 1.3 groups */
	bool		 preference;	/* test server suite order */
	/* A (version <= TLS 1.2, suite) pair already seen accepted (the
	 * detection's ServerHello), counted found without a probe; 0: none */
	uint16_t	 seed_version;
	uint16_t	 seed_suite;
};
#define HQ_TLSENUM_OPTS_INIT { NULL, 0, NULL, 8, 3000, 2, 2, 0x1f, \
	true, true, 0, 0 }

enum hq_tls_vstate {
	HQ_TLSV_UNTESTED = 0,
	HQ_TLSV_ACCEPTED,
	HQ_TLSV_REFUSED,
	HQ_TLSV_ERROR,		/* could not decide (timeouts, garbage) */
};

enum hq_tls_pref { HQ_TLSP_UNKNOWN = 0, HQ_TLSP_SERVER, HQ_TLSP_CLIENT };

struct hq_tls_vresult {
	enum hq_tls_vstate state;
	char		 why[128];	/* refusal (alert) or error reason */
	uint16_t	*suites;	/* accepted, server order when known */
	size_t		 nsuites;
	enum hq_tls_pref pref;
	bool		 incomplete;	/* a chain could not finish (why) */
};

struct hq_tls_scan {
	struct hq_tls_vresult v[HQ_TLS_NVERSIONS];	/* [v - 0x0300] */
	uint16_t	*groups13;	/* TLS 1.3 groups, server order */
	size_t		 ngroups13;
	bool		 groups_done;
	size_t		 nprobes;
	size_t		 nreplies;	/* probes with a parsed answer */
	size_t		 nerrors;	/* probes that failed after retries */
	char		 first_error[160];
	int64_t		 elapsed_ms;
};

void	hq_tls_scan_clear(struct hq_tls_scan *s);

/*
 * One ClientHello (the broad detection hello of hq_tls_probe_hello's kind,
 * built here for TLS 1.3 with 1.2 fallback) and its first answer: 0 with
 * *is_tlsp true when a ServerHello, HRR or TLS alert came back; false when
 * the port answered otherwise or closed; errors for connect failures.
 * *rp (may be NULL) gets the parsed answer (kind MORE: none).
 */
int	hq_tlsenum_detect(const struct hq_tlsenum_opts *o,
	    struct hq_deadline dl, bool *is_tlsp, char *why, size_t whysz,
	    struct hq_tls_reply *rp, struct hq_err *err);

/* The full enumeration of o into s (cleared first; caller clears). */
int	hq_tlsenum_scan(const struct hq_tlsenum_opts *o, struct hq_deadline dl,
	    struct hq_tls_scan *s, struct hq_err *err);

/*
 * One probe: sends hello, parses the answer into r.  rc 0 with r->kind MORE
 * means the server closed or stayed silent without a byte; a partial or
 * malformed answer is HQ_EPROTO.  *firstp (may be NULL) gets the first
 * byte received.
 */
int	hq_tlsenum_probe(const char *addr, unsigned port, const uint8_t *hello,
	    size_t len, int timeout_ms, struct hq_deadline dl,
	    struct hq_tls_reply *r, uint8_t *firstp, struct hq_err *err);

/* The real handshake (OpenSSL, non-blocking, every wait bounded). */
struct hq_tls_hs_opts {
	const char	*addr;
	unsigned	 port;
	const char	*sni;
	int		 min_version;	/* TLS1_VERSION ...; 0: lowest */
	int		 max_version;	/* 0: highest */
	const char	*ciphers;	/* OpenSSL list for <= 1.2, NULL: all */
	const char	*ca_file;	/* verify against it, NULL: don't */
	int		 timeout_ms;
};

struct hq_tls_hs {
	char		 version[16];
	char		 cipher[64];
	STACK_OF(X509)	*chain;		/* as sent, owned */
	long		 verify;	/* X509_V_OK.. when ca_file given */
	bool		 verified;	/* chain + name checked */
	char		 tmp_key[32];	/* "DH", "ECDH", "X25519", ... */
	int		 tmp_bits;
};

int	hq_tlsenum_handshake(const struct hq_tls_hs_opts *o,
	    struct hq_deadline dl, struct hq_tls_hs *hs, struct hq_err *err);
/* The same in two steps: the context for o (versions, suites, CA), then
 * the handshake with it (the context stays the caller's to free). */
int	hq_tlsenum_hs_ctx(const struct hq_tls_hs_opts *o, SSL_CTX **ctxp,
	    struct hq_err *err);
int	hq_tlsenum_handshake_ctx(SSL_CTX *ctx, const struct hq_tls_hs_opts *o,
	    struct hq_deadline dl, struct hq_tls_hs *hs, struct hq_err *err);
void	hq_tls_hs_clear(struct hq_tls_hs *hs);

#endif
