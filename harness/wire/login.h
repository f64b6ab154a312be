/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Login attempts on a DUT surface, by the surface's login kind (dut.h):
 * http-basic, http-digest, form, rtsp-basic, rtsp-digest, ssh-password and
 * onvif through libcurl's multi interface (parallel, keep-alive where the
 * protocol allows), telnet and mqtt hand-written on bounded non-blocking
 * sockets.  Each attempt is classified ACCEPTED, REFUSED or ERROR and timed;
 * its response (status, head, body) is kept bounded for comparisons and
 * transcripts.  Passwords are never logged here.
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
	HQ_LOGIN_REFUSED,
	HQ_LOGIN_ERROR,		/* transport or protocol failure */
};

struct hq_login_cfg {
	const char		*addr;		/* the DUT's address */
	const struct hq_surface	*sf;		/* with login_kind set */
	int			 connect_timeout_ms;
	int			 timeout_ms;	/* per attempt */
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

#endif
