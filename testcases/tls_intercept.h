/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family `tls`, check "interception" (testcases/tls_intercept.c): private
 * to the family; testcases/tls.c dispatches to it.  Declared here also for
 * the unit tests of its pure parts.
 */
#ifndef HQ_TLS_INTERCEPT_H
#define HQ_TLS_INTERCEPT_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "family.h"

#define HQ_ICPT_DATA_MAX	4096	/* app data read per connection */
#define HQ_ICPT_LINE_MAX	96	/* redacted first line, bytes shown */

/* Validates this check's params at profile load: "connect_wait_ms",
 * "data_wait_ms", "attempts" (tls.c lists them among its keys). */
int	hq_tls_intercept_check_params(const cJSON *params,
	    struct hq_err *err);
/* Runs the check; hs_ms bounds each handshake. */
int	hq_tls_intercept_run(struct hq_ctx *ctx, const cJSON *params,
	    long long hs_ms, struct hq_result *res, struct hq_err *err);

/*
 * The first line of DUT bytes p[0..len) for a report: at most
 * HQ_ICPT_LINE_MAX bytes, non-printable bytes as \xNN, every secret (NULL-
 * terminated list, may be NULL) and every run of 16 or more token
 * characters as "[redacted]", a query string as "?[redacted]".
 */
void	hq_tls_intercept_redact_line(const void *p, size_t len,
	    const char *const *secrets, char *out, size_t outsz);
/*
 * A self-made CA and a leaf it signs (EC P-256, SHA-256, valid from an
 * hour ago for 30 days) naming name (DNS, may be NULL) and addrs (IP);
 * the caller frees *leafp, *cap and *keyp (the leaf's key).
 */
int	hq_tls_intercept_make_untrusted(const char *name,
	    const char *const *addrs, size_t naddrs, X509 **leafp, X509 **cap,
	    EVP_PKEY **keyp, struct hq_err *err);

#endif
