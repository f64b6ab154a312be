/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signing and verification of test reports: detached CMS SignedData (DER)
 * over report.json by the lab's key (RFC 5652, checkable with stock
 * `openssl cms -verify`), an optional RFC 3161 time-stamp token over the
 * signature as an unsigned attribute (RFC 3161 appendix A), and DSSE
 * envelopes (pre-authentication encoding, PAE) for in-toto attestations.
 * Never touches the network except for the TSA request (libcurl).
 */
#ifndef HQ_SIGN_H
#define HQ_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

struct hq_err;
struct hq_signer;

#define HQ_SIGN_KEY_MAX		(64 * 1024)	/* PEM key file */
#define HQ_SIGN_CERT_MAX	(256 * 1024)	/* PEM certificate chain */
#define HQ_SIGN_CMS_MAX		(1024 * 1024)	/* report.json.p7s */
#define HQ_TSA_REPLY_MAX	(128 * 1024)	/* RFC 3161 response */
#define HQ_TSA_TIMEOUT_MS	30000
#define HQ_DSSE_MAX		(16 * 1024 * 1024) /* attestation.json */
#define HQ_DSSE_TYPE_INTOTO	"application/vnd.in-toto+json"

/*
 * Loads the lab's private key (PEM, RSA or EC; an encrypted key takes its
 * passphrase from $HQ_SIGN_KEY_PASS) and its certificate (PEM: the signer
 * first, then any intermediates).  Refuses a key file that is not a regular
 * file, or that others can read or write, or that the group can write, and
 * a certificate that does not match the key.  *sp is the caller's
 * (hq_signer_free).
 */
int	hq_signer_load(const char *keypath, const char *certpath,
	    struct hq_signer **sp, struct hq_err *err);
void	hq_signer_free(struct hq_signer *s);
/* The signer certificate's subject, RFC 2253 (borrowed). */
const char *hq_signer_subject(const struct hq_signer *s);
/* Lowercase hex SHA-256 of the signer's SubjectPublicKeyInfo (borrowed):
 * the DSSE keyid. */
const char *hq_signer_keyid(const struct hq_signer *s);

/*
 * A detached CMS SignedData over data[0..len): SHA-256, signing time and
 * the certificates; with tsa_url (non-NULL), an RFC 3161 time-stamp token
 * over the signature value added as id-aa-timeStampToken.  *derp (caller
 * frees with free()) holds the DER.
 */
int	hq_sign_cms(const struct hq_signer *s, const void *data, size_t len,
	    const char *tsa_url, unsigned char **derp, size_t *lenp,
	    struct hq_err *err);

/* What a verified signature says. */
struct hq_sig_info {
	char		 signer[512];	/* subject, RFC 2253 */
	char		 issuer[512];
	char		 signing_time[40]; /* RFC 3339, or "" when absent */
	bool		 timestamped;	/* a time-stamp token is present */
	bool		 ts_verified;	/* ... and it verified */
	char		 ts_time[40];	/* its genTime, RFC 3339 */
	char		 ts_signer[512];
	char		 ts_problem[256]; /* why it did not verify */
	EVP_PKEY	*pkey;		/* the signer's public key (owned) */
};
void	hq_sig_info_clear(struct hq_sig_info *info);

/*
 * Verifies a detached CMS SignedData der over data: the signature, and the
 * signer's chain against cafile (PEM; NULL: the system's trust store), as
 * `openssl cms -verify -binary` does.  A time-stamp token, when present,
 * is checked against tsa_cafile (NULL: cafile): its imprint must be the
 * SHA-256 of the signature value.  0 with info filled when the signature
 * and chain hold (even when the time-stamp does not: see info); HQ_ETLS
 * with the reason otherwise.  info may be NULL.
 */
int	hq_verify_cms(const void *data, size_t len, const void *der,
	    size_t derlen, const char *cafile, const char *tsa_cafile,
	    struct hq_sig_info *info, struct hq_err *err);

/*
 * RFC 3161: asks the TSA at url (http or https) for a token over the
 * SHA-256 digest; the reply's status, version, imprint and nonce are
 * checked.  *tokenp (caller frees with free()) is the token's DER
 * (a ContentInfo).
 */
int	hq_tsa_stamp(const char *url, const unsigned char digest[32],
	    unsigned char **tokenp, size_t *lenp, struct hq_err *err);

/*
 * DSSE v1 pre-authentication encoding:
 * "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body.  *outp: malloc'd.
 */
int	hq_dsse_pae(const char *type, const void *body, size_t len,
	    unsigned char **outp, size_t *outlenp, struct hq_err *err);
/*
 * A DSSE envelope (JSON text, caller frees) over body: the signature over
 * its PAE with SHA-256 (ECDSA: DER-encoded; RSA: PKCS #1 v1.5), keyid
 * hq_signer_keyid().
 */
int	hq_dsse_sign(const struct hq_signer *s, const char *type,
	    const void *body, size_t len, char **envp, struct hq_err *err);
/*
 * Verifies a DSSE envelope env[0..len) with pkey: some signature over the
 * PAE of its payloadType and payload must hold.  On success *bodyp
 * (caller frees, NUL-terminated) is the decoded payload; typep (may be
 * NULL) gets the payload type (caller frees).
 */
int	hq_dsse_verify(const char *env, size_t len, EVP_PKEY *pkey,
	    char **typep, unsigned char **bodyp, size_t *bodylenp,
	    struct hq_err *err);

/* Standard base64 (RFC 4648 4, padded, no line breaks); caller frees. */
char	*hq_base64_encode(const void *p, size_t len);
/* HQ_EINVAL when s[0..len) is not padded standard base64. */
int	hq_base64_decode(const char *s, size_t len, unsigned char **outp,
	    size_t *outlenp, struct hq_err *err);

#endif
