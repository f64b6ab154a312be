/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Login attempts on a DUT surface, by the surface's login kind (dut.h):
 * http-basic, http-digest, form, rtsp-basic, rtsp-digest and onvif through
 * libcurl's multi interface (parallel, keep-alive where the protocol
 * allows); ssh-password with libssh2 at the SSH authentication layer;
 * telnet and mqtt (plain or TLS) hand-written on bounded non-blocking
 * sockets; the last three in worker threads.  Each attempt is classified
 * ACCEPTED, REFUSED (a definite "wrong credentials") or ERROR (no verdict)
 * with the category of the answer, and timed; its response (status, head,
 * body) is kept bounded for comparisons and transcripts.  Passwords are
 * never logged here.
 */
#ifndef HQ_LOGIN_H
#define HQ_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/dut.h"
#include "util/util.h"

struct hq_err;

#define HQ_LOGIN_PARALLEL_MAX	256
#define HQ_LOGIN_BODY_MAX	(256u * 1024)	/* default body cap */
#define HQ_LOGIN_HEAD_MAX	(16u * 1024)	/* response header cap */
#define HQ_LOGIN_TOKEN_MAX	4096

enum hq_login_res {
	HQ_LOGIN_NONE = 0,	/* not tried (deadline, interrupt) */
	HQ_LOGIN_ACCEPTED,
	HQ_LOGIN_REFUSED,	/* a definite "wrong credentials" */
	HQ_LOGIN_ERROR,		/* no verdict: see the category */
};

/*
 * The category of an answer.  Only ACCEPT and REFUSE are verdicts; every
 * other category is "no verdict" (the attempt says nothing about the
 * credential) and is retried by the caller within its budget.  Per kind,
 * a definite refusal is: HTTP 401/403 or the declared failure condition
 * (form: login.failure.status, else any 4xx but 408/429, or the success
 * status without the token), an ONVIF NotAuthorized fault; RTSP 401/403;
 * an SSH userauth failure; telnet failure text or a new login prompt;
 * MQTT CONNACK 4 or 5 (5.0: 0x86, 0x87).
 */
enum hq_login_cat {
	HQ_LCAT_NONE = 0,	/* not tried */
	HQ_LCAT_ACCEPT,		/* accepted */
	HQ_LCAT_REFUSE,		/* definite refusal */
	HQ_LCAT_SERVER,		/* 5xx: the server could not answer */
	HQ_LCAT_BUSY,		/* 429, 408: rate limited or too slow */
	HQ_LCAT_STATUS,		/* another status that is no answer (404) */
	HQ_LCAT_TIMEOUT,	/* no answer in time */
	HQ_LCAT_RESET,		/* closed or reset without an answer */
	HQ_LCAT_CONNREFUSED,	/* TCP connection refused */
	HQ_LCAT_UNREACHABLE,	/* no route, connect timed out */
	HQ_LCAT_PROTO,		/* an answer we cannot read */
	HQ_LCAT_LOCAL,		/* our side: credential too long, no memory */
};

struct hq_login_cfg {
	const char		*addr;		/* the DUT's address */
	const struct hq_surface	*sf;		/* with login_kind set */
	int			 connect_timeout_ms;	/* TCP connect */
	int			 auth_timeout_ms;	/* handshake and
						 * authentication (SSH,
						 * TLS); 0: timeout_ms */
	int			 timeout_ms;	/* per attempt, in all */
	unsigned		 parallel;	/* attempts in flight */
	size_t			 body_max;	/* 0: HQ_LOGIN_BODY_MAX */
	bool			 keep_resp;	/* keep head and body */
	bool			 fresh_conn;	/* no connection reuse */
};

struct hq_login_try {
	const char	*user;		/* borrowed */
	const char	*password;	/* borrowed */
	/* results */
	enum hq_login_res res;
	enum hq_login_cat cat;
	long		 code;		/* HTTP/RTSP status, MQTT return code */
	int64_t		 us;		/* response time (server side where
					 * known: first byte minus request) */
	char		*head;		/* kept response head, or NULL */
	char		*body;		/* kept response body, or NULL */
	size_t		 body_len;
	char		*token;		/* form: value at success.json */
	char		*cookies;	/* form: "a=b; c=d" from Set-Cookie */
	char		 why[160];	/* what was seen (no secrets) */
};

/*
 * The Authorization value (after "Authorization: ") answering a Digest
 * challenge chal (the parameters after "Digest "; RFC 7616: MD5,
 * MD5-sess, SHA-256, SHA-256-sess; qop auth or none) for method and uri,
 * with cnonce.  0 done; -1 with the reason in why when it cannot answer.
 */
int	hq_login_digest_answer(const char *chal, const char *method,
	    const char *uri, const char *user, const char *pw,
	    const char *cnonce, char *out, size_t outsz, char *why,
	    size_t whysz);
/* A kind libcurl or our own code can try; false for unknown kinds. */
bool	hq_login_kind_supported(const char *kind);
/* The kind's transport name for messages ("HTTP basic", ...). */
const char *hq_login_kind_name(const char *kind);
/* True when a kind yields a session token to probe (form). */
bool	hq_login_kind_has_session(const char *kind);
/*
 * Tries v[0..n) with up to cfg->parallel in flight, each bounded by
 * cfg->timeout_ms and by dl.  Returns 0 once every attempt has a result
 * (ERROR ones included); HQ_EINTR when interrupted, HQ_ETIMEDOUT when dl
 * passed first (finished attempts keep their results), HQ_EINVAL for an
 * unusable surface description.
 */
int	hq_login_run(const struct hq_login_cfg *cfg, struct hq_login_try *v,
	    size_t n, struct hq_deadline dl, struct hq_err *err);
/* Frees what hq_login_run stored in v[0..n) (head, body, token,
 * cookies); res, code, us and why stay. */
void	hq_login_try_clear(struct hq_login_try *v, size_t n);
/*
 * A session probe on a form surface: GET login.path with the token as
 * "Authorization: Bearer" and the cookies; *codep gets the status (0 when
 * no answer), *acceptedp whether it is 2xx.  Without token and cookies it
 * proves an anonymous request is refused.
 */
int	hq_login_session_probe(const struct hq_login_cfg *cfg,
	    const char *token, const char *cookies, long *codep,
	    bool *acceptedp, struct hq_deadline dl, struct hq_err *err);
/* "accepted", "refused", "error", "not tried". */
const char *hq_login_res_name(enum hq_login_res r);
/* "accepted", "definite refusal", "no verdict: server error", ... */
const char *hq_login_cat_name(enum hq_login_cat c);
/* True for the categories a lock by the network shows after failures
 * (connection refused, unreachable). */
bool	hq_login_cat_is_network_lock(enum hq_login_cat c);

#endif
