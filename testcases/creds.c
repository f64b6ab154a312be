/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family `creds`: unique password initialisation (QCVN 135:2024 group 1 and
 * the national criteria behind it, EN 303 645 5.1, IEC 62443-4-2 CR 1.1,
 * 1.5, 1.7, 1.11).  One family, six checks chosen by params.check:
 *   default-dictionary  no known-default pair logs in on any login surface
 *   factory-passwords   label passwords of several units: unique, policy,
 *                       not derivable from serial/MAC, not in the dictionary
 *   lockout-engage      after N wrong attempts within W s the right
 *                       password is refused
 *   lockout-duration    the lock lasts at least D s (measured, bounded)
 *   user-enumeration    wrong user and wrong password look the same
 *                       (status, body, headers, timing: Mann-Whitney U)
 *   session-timeout     an idle session token is refused after the limit
 * Controls before verdicts: the operator credential must log in and a
 * random wrong one must be refused on a surface before its results count.
 * No password or token is ever logged or reported in clear.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "family.h"
#include "util/jv.h"
#include "util/pwpolicy.h"
#include "util/stats.h"
#include "wire/login.h"
#include "wire/net.h"

#define HITS_SHOWN	10
#define LOCK_FACT	"creds_lock"
#define TRIALS_MAX	1000

static const char *const checks[] = {
	"default-dictionary", "factory-passwords", "lockout-engage",
	"lockout-duration", "user-enumeration", "session-timeout", NULL
};
static const char *const class_names[] = {
	"upper", "lower", "digit", "special", NULL
};
/* Keys every check accepts; then each check's own. */
static const char *const keys_dict[] = {
	"check", "kinds", "connect_timeout_ms", "timeout_ms",
	"auth_timeout_ms", "undecided_retries", "backoff_ms", "required",
	"recover_max_s", "recover_probe_s", "dictionary", "parallel",
	"chunk", "relock_wait_s", "retries", "user_budget", "budget_window_s",
	NULL
};
static const char *const keys_factory[] = {
	"check", "dictionary", "min_units", "min_length", "required_classes",
	"min_classes", "max_shared_affix", NULL
};
static const char *const keys_lock[] = {
	"check", "kinds", "connect_timeout_ms", "timeout_ms",
	"auth_timeout_ms", "undecided_retries", "backoff_ms", "required",
	"recover_max_s", "recover_probe_s", "attempts", "window_s",
	"min_lock_s", "max_wait_s", "probe_interval_s", "tolerance_s",
	"engage_max_s", NULL
};
static const char *const keys_enum[] = {
	"check", "kinds", "connect_timeout_ms", "timeout_ms",
	"auth_timeout_ms", "undecided_retries", "backoff_ms", "required",
	"recover_max_s", "recover_probe_s", "trials", "alpha",
	"min_effect_ms", "pace_ms", "reset_every", NULL
};
static const char *const keys_session[] = {
	"check", "kinds", "connect_timeout_ms", "timeout_ms",
	"auth_timeout_ms", "undecided_retries", "backoff_ms", "required",
	"recover_max_s", "recover_probe_s", "idle_s", "grace_s", NULL
};

struct cp {
	char		*check;
	char		**kinds;
	size_t		 nkinds;
	char		**req_protos;	/* protos that must be checked */
	size_t		 nreq_protos;
	long long	 connect_ms, timeout_ms, recover_max_s, recover_probe_s;
	long long	 auth_ms, undecided_retries, backoff_ms;
	/* dictionary */
	char		*dictionary;
	long long	 parallel, chunk, relock_wait_s, retries, user_budget;
	double		 budget_window_s;
	/* factory */
	long long	 min_units, min_length, min_classes, max_affix;
	unsigned	 required;
	/* lockout */
	long long	 attempts;
	double		 window_s, min_lock_s, max_wait_s, probe_s, tol_s;
	double		 engage_max_s;
	/* enumeration */
	long long	 trials, pace_ms, reset_every;
	double		 alpha, min_effect_ms;
	/* session */
	double		 idle_s, grace_s;
};

static void
cp_clear(struct cp *p)
{
	free(p->check);
	hq_strv_free(p->kinds, p->nkinds);
	hq_strv_free(p->req_protos, p->nreq_protos);
	free(p->dictionary);
}

static int
cp_read(const cJSON *j, struct cp *p, struct hq_err *err)
{
	const char *const *keys;
	char **cl = NULL;
	size_t ncl = 0, i, k;
	bool net;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = hq_jv_enum(j, "", "check", true, checks, &p->check,
	    err)) != 0)
		return rc;
	if (strcmp(p->check, "default-dictionary") == 0)
		keys = keys_dict;
	else if (strcmp(p->check, "factory-passwords") == 0)
		keys = keys_factory;
	else if (strncmp(p->check, "lockout-", 8) == 0)
		keys = keys_lock;
	else if (strcmp(p->check, "user-enumeration") == 0)
		keys = keys_enum;
	else
		keys = keys_session;
	net = keys != keys_factory;
	if ((rc = hq_jv_keys(j, "", keys, err)) != 0)
		return rc;
	if (net && ((rc = hq_jv_strv(j, "", "kinds", false, 16, &p->kinds,
	    &p->nkinds, err)) != 0 ||
	    (rc = hq_jv_strv(j, "", "required", false, 16, &p->req_protos,
	    &p->nreq_protos, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "connect_timeout_ms", false, 50, 60000,
	    3000, &p->connect_ms, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "timeout_ms", false, 100, 120000, 10000,
	    &p->timeout_ms, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "auth_timeout_ms", false, 0, 120000, 0,
	    &p->auth_ms, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "undecided_retries", false, 0, 20, 4,
	    &p->undecided_retries, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "backoff_ms", false, 0, 600000, 1000,
	    &p->backoff_ms, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "recover_max_s", false, 0, 86400, 900,
	    &p->recover_max_s, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "recover_probe_s", false, 1, 3600, 10,
	    &p->recover_probe_s, err)) != 0))
		return rc;
	for (i = 0; i < p->nkinds; i++)
		if (!hq_login_kind_supported(p->kinds[i]))
			return hq_err_set(err, HQ_EINVAL, "kinds[%zu]: not a "
			    "login kind: \"%.32s\"", i, p->kinds[i]);
	if (keys == keys_dict || keys == keys_factory) {
		if ((rc = hq_jv_str(j, "", "dictionary", false, 1024,
		    &p->dictionary, err)) != 0)
			return rc;
		if (p->dictionary == NULL &&
		    (p->dictionary = strdup("data/default-credentials.txt")) ==
		    NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	if (keys == keys_dict &&
	    ((rc = hq_jv_int(j, "", "parallel", false, 1,
	    HQ_LOGIN_PARALLEL_MAX, 8, &p->parallel, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "chunk", false, 0, 100000, 0, &p->chunk,
	    err)) != 0 ||
	    (rc = hq_jv_int(j, "", "relock_wait_s", false, 0, 86400, 300,
	    &p->relock_wait_s, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "retries", false, 0, 10, 2, &p->retries,
	    err)) != 0 ||
	    (rc = hq_jv_int(j, "", "user_budget", false, 0, 100000, 0,
	    &p->user_budget, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "budget_window_s", false, 0, 86400, 35,
	    &p->budget_window_s, err)) != 0))
		return rc;
	if (keys == keys_factory) {
		if ((rc = hq_jv_int(j, "", "min_units", false, 2, 1000, 2,
		    &p->min_units, err)) != 0 ||
		    (rc = hq_jv_int(j, "", "min_length", false, 1, 256, 8,
		    &p->min_length, err)) != 0 ||
		    (rc = hq_jv_int(j, "", "min_classes", false, 0, 4, 0,
		    &p->min_classes, err)) != 0 ||
		    (rc = hq_jv_int(j, "", "max_shared_affix", false, 1, 256, 4,
		    &p->max_affix, err)) != 0 ||
		    (rc = hq_jv_strv(j, "", "required_classes", false, 4, &cl,
		    &ncl, err)) != 0)
			return rc;
		for (i = 0; i < ncl; i++) {
			for (k = 0; class_names[k] != NULL; k++)
				if (strcmp(class_names[k], cl[i]) == 0)
					break;
			if (class_names[k] == NULL) {
				hq_strv_free(cl, ncl);
				return hq_err_set(err, HQ_EINVAL,
				    "required_classes[%zu]: expected upper, "
				    "lower, digit or special", i);
			}
			p->required |= 1u << k;
		}
		hq_strv_free(cl, ncl);
	}
	if (keys == keys_lock &&
	    ((rc = hq_jv_int(j, "", "attempts", true, 1, 1000, 5,
	    &p->attempts, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "window_s", true, 0.1, 86400, 30,
	    &p->window_s, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "min_lock_s", false, 0, 86400, 300,
	    &p->min_lock_s, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "max_wait_s", false, 1, 86400, 900,
	    &p->max_wait_s, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "probe_interval_s", false, 0.1, 3600, 30,
	    &p->probe_s, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "tolerance_s", false, 0, 3600, 5,
	    &p->tol_s, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "engage_max_s", false, 0, 60, 2,
	    &p->engage_max_s, err)) != 0))
		return rc;
	if (keys == keys_lock && p->max_wait_s < p->min_lock_s)
		return hq_err_set(err, HQ_EINVAL, "max_wait_s: %g s is below "
		    "min_lock_s %g s", p->max_wait_s, p->min_lock_s);
	if (keys == keys_enum &&
	    ((rc = hq_jv_int(j, "", "trials", false, 8, TRIALS_MAX, 20,
	    &p->trials, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "alpha", false, 1e-9, 0.5, 0.01, &p->alpha,
	    err)) != 0 ||
	    (rc = hq_jv_num(j, "", "min_effect_ms", false, 0, 60000, 5,
	    &p->min_effect_ms, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "pace_ms", false, 0, 600000, 0,
	    &p->pace_ms, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "reset_every", false, 0, 1000, 4,
	    &p->reset_every, err)) != 0))
		return rc;
	if (keys == keys_session &&
	    ((rc = hq_jv_num(j, "", "idle_s", true, 1, 86400, 300,
	    &p->idle_s, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "grace_s", false, 0, 3600, 5, &p->grace_s,
	    err)) != 0))
		return rc;
	return 0;
}

static int
creds_check_params(const cJSON *params, struct hq_err *err)
{
	struct cp p;
	int rc = cp_read(params, &p, err);

	cp_clear(&p);
	return rc;
}

/* ---- shared helpers ---- */

struct cx {
	struct hq_ctx		*ctx;
	const struct hq_case	*tc;
	struct hq_result	*res;
	struct cp		 p;
	struct hq_transcript	*tr;
	int64_t			 t0;
	int64_t			 last_round_ns;	/* dictionary pacing */
	char			 slug[128];
};

static double
since_s(const struct cx *c)
{
	return (double)(hq_mono_ns() - c->t0) / 1e9;
}

static void
login_ms(const struct hq_surface *sf, const char *key, int *msp)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(sf->login, key);

	if (cJSON_IsNumber(j) && j->valuedouble >= 1 &&
	    j->valuedouble <= 120000)
		*msp = (int)j->valuedouble;
}

static void
cfg_for(const struct cx *c, const struct hq_surface *sf,
    struct hq_login_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->addr = c->ctx->dut->address;
	cfg->sf = sf;
	cfg->connect_timeout_ms = (int)c->p.connect_ms;
	cfg->auth_timeout_ms = (int)c->p.auth_ms;
	cfg->timeout_ms = (int)c->p.timeout_ms;
	/* The DUT file knows its stack (a slow PAM, a slow prompt): its
	 * login timeouts win over the profile's defaults. */
	login_ms(sf, "connect_timeout_ms", &cfg->connect_timeout_ms);
	login_ms(sf, "auth_timeout_ms", &cfg->auth_timeout_ms);
	login_ms(sf, "timeout_ms", &cfg->timeout_ms);
	cfg->parallel = 1;
}

static bool
kind_wanted(const struct cx *c, const struct hq_surface *sf)
{
	size_t i;

	if (sf->login_kind == NULL || !hq_login_kind_supported(sf->login_kind))
		return false;
	if (c->p.nkinds == 0)
		return true;
	for (i = 0; i < c->p.nkinds; i++)
		if (strcmp(c->p.kinds[i], sf->login_kind) == 0)
			return true;
	return false;
}

/* Protocols on which a device may take a login. */
static bool
login_proto(const char *proto)
{
	static const char *const lp[] = {
		"http", "https", "rtsp", "rtsps", "ssh", "telnet", "mqtt",
		"mqtts", "onvif", "ftp", NULL
	};
	size_t i;

	for (i = 0; lp[i] != NULL; i++)
		if (strcmp(lp[i], proto) == 0)
			return true;
	return false;
}

/*
 * The sub-checks that could not run for want of a recipe: declared
 * surfaces on a login protocol whose DUT file entry gives no login (nc,
 * "ssh (ssh port 22: no login recipe in the DUT file)"); those whose
 * protocol the profile lists in "required" also go to missing.
 */
static void
not_checked(const struct cx *c, char *nc, size_t ncsz, char *missing,
    size_t msz)
{
	const struct hq_dut *dut = c->ctx->dut;
	size_t i, k, o = 0, m = 0;

	nc[0] = missing[0] = '\0';
	for (i = 0; i < dut->nsurfaces; i++) {
		const struct hq_surface *sf = &dut->surfaces[i];

		if (sf->login_kind != NULL || !login_proto(sf->proto))
			continue;
		if (o < ncsz)
			o += (size_t)snprintf(nc + o, ncsz - o, "%s%s (%s port "
			    "%u: no login recipe in the DUT file)", o > 0 ?
			    ", " : "", sf->id, sf->proto, sf->port);
		for (k = 0; k < c->p.nreq_protos; k++)
			if (strcmp(c->p.req_protos[k], sf->proto) == 0 &&
			    m < msz)
				m += (size_t)snprintf(missing + m, msz - m,
				    "%s%s (%s)", m > 0 ? ", " : "", sf->id,
				    sf->proto);
	}
}

/*
 * The verdict when nothing failed: PASS naming what ran (the text) and
 * what was not checked; INCONCLUSIVE when a sub-check the profile marks
 * required could not run.
 */
static void pass_verdict(struct cx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
pass_verdict(struct cx *c, const char *fmt, ...)
{
	char text[HQ_ERR_MSG_MAX], nc[HQ_ERR_MSG_MAX], missing[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	not_checked(c, nc, sizeof(nc), missing, sizeof(missing));
	if (missing[0] != '\0')
		hq_verdict(c->res, HQ_INCONCLUSIVE, "required by the profile "
		    "but not checked: %s, which the DUT file gives no login "
		    "recipe for; checked: %s", missing, text);
	else
		hq_verdict(c->res, HQ_PASS, "%s%s%s", text, nc[0] != '\0' ?
		    "; not checked: " : "", nc);
}

/* One transcript line for an attempt; the password only redacted. */
static void
tr_attempt(struct cx *c, const struct hq_surface *sf, const char *what,
    const struct hq_login_try *t)
{
	char red[48], uesc[200];

	hq_pw_redact(t->password, red, sizeof(red));
	hq_escape(uesc, sizeof(uesc), t->user, strlen(t->user));
	hq_transcript_printf(c->tr, "[%9.3f s] %s %s %s: user \"%s\" "
	    "password %s -> %s [%s] (%s) %.1f ms\n", since_s(c), sf->id,
	    sf->login_kind, what, uesc, red, hq_login_res_name(t->res),
	    hq_login_cat_name(t->cat), t->why, (double)t->us / 1000.0);
}

/* Runs one attempt; 0 with t filled, negative when we could not. */
static int
attempt1(struct cx *c, const struct hq_surface *sf, const char *what,
    const char *user, const char *pw, bool keep, struct hq_login_try *t,
    struct hq_err *err)
{
	struct hq_login_cfg cfg;
	int rc;

	cfg_for(c, sf, &cfg);
	cfg.keep_resp = keep;
	memset(t, 0, sizeof(*t));
	t->user = user;
	t->password = pw;
	if ((rc = hq_login_run(&cfg, t, 1, c->ctx->deadline, err)) != 0)
		return rc;
	tr_attempt(c, sf, what, t);
	if (t->token != NULL)
		hq_transcript_redact(c->tr, t->token);
	return 0;
}

/*
 * Sleeps ms unless the case's deadline leaves no room for it and one
 * attempt after it: 0 after the sleep, 1 (nothing slept) when there is no
 * room, negative when interrupted.  Every wait of this family goes
 * through here, so none outlives the case.
 */
static int
sleep_within(struct cx *c, int64_t ms, struct hq_err *err)
{
	int left = hq_deadline_poll_ms(c->ctx->deadline);
	int rc;

	if (ms <= 0)
		return 0;
	if (left >= 0 && (int64_t)left < ms + c->p.timeout_ms)
		return 1;
	if ((rc = hq_sleep_ms(ms)) != 0)
		return hq_err_set(err, rc, "interrupted");
	return 0;
}

/*
 * Back-off before retry `round` (0-based) of attempts that got no
 * verdict: backoff_ms doubled each round, at most 60 s.  Returns 0 after
 * the sleep, 1 when the case's deadline leaves no room for the wait and
 * an attempt, negative when interrupted.
 */
static int
backoff(struct cx *c, long long round, struct hq_err *err)
{
	int64_t ms = c->p.backoff_ms;

	while (round-- > 0 && ms < 60000)
		ms *= 2;
	if (ms > 60000)
		ms = 60000;
	return sleep_within(c, ms, err);
}

/* attempt1, retried with back-off while the answer is no verdict. */
static int
attempt_decided(struct cx *c, const struct hq_surface *sf, const char *what,
    const char *user, const char *pw, bool keep, struct hq_login_try *t,
    struct hq_err *err)
{
	char w[96];
	long long r;
	int rc;

	if ((rc = attempt1(c, sf, what, user, pw, keep, t, err)) != 0)
		return rc;
	for (r = 0; t->res == HQ_LOGIN_ERROR && r < c->p.undecided_retries;
	    r++) {
		if ((rc = backoff(c, r, err)) != 0)
			return rc < 0 ? rc : 0;
		hq_login_try_clear(t, 1);
		snprintf(w, sizeof(w), "%s, retry %lld", what, r + 1);
		if ((rc = attempt1(c, sf, w, user, pw, keep, t, err)) != 0)
			return rc;
	}
	return 0;
}

/*
 * The controls: the operator credential logs in, a random wrong password
 * for the same user is refused.  Returns 0 when both held, 1 when one did
 * not (why says which), negative on error.
 */
static int
controls(struct cx *c, const struct hq_surface *sf, bool with_wrong,
    char *why, size_t whysz, struct hq_err *err)
{
	const struct hq_dut *dut = c->ctx->dut;
	struct hq_login_try t;
	char wrong[24];
	int rc;

	if ((rc = attempt_decided(c, sf, "control (operator)", dut->op_user,
	    dut->op_password, false, &t, err)) != 0)
		return rc;
	if (t.res != HQ_LOGIN_ACCEPTED) {
		snprintf(why, whysz, "control failed on %s (%s): the operator "
		    "credential was not accepted (%s: %s)", sf->id,
		    hq_login_kind_name(sf->login_kind),
		    hq_login_cat_name(t.cat), t.why);
		hq_login_try_clear(&t, 1);
		return 1;
	}
	hq_login_try_clear(&t, 1);
	if (!with_wrong)
		return 0;
	if ((rc = hq_pw_random(wrong, 16, err)) != 0 ||
	    (rc = attempt_decided(c, sf, "control (wrong password)",
	    dut->op_user, wrong, false, &t, err)) != 0)
		return rc;
	if (t.res != HQ_LOGIN_REFUSED) {
		snprintf(why, whysz, "control failed on %s (%s): a random "
		    "wrong password was %s (%s: %s)", sf->id,
		    hq_login_kind_name(sf->login_kind),
		    hq_login_res_name(t.res), hq_login_cat_name(t.cat),
		    t.why);
		hq_login_try_clear(&t, 1);
		return 1;
	}
	hq_login_try_clear(&t, 1);
	hq_step(c->res, "%s (%s): controls held: operator credential "
	    "accepted, random wrong password refused", sf->id,
	    hq_login_kind_name(sf->login_kind));
	return 0;
}

/* Records that a surface was left locked, for later cases to wait. */
static void
lock_fact_set(struct cx *c, const struct hq_surface *sf)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_DeleteItemFromObjectCaseSensitive(c->ctx->facts, LOCK_FACT);
	if (f == NULL)
		return;
	cJSON_AddStringToObject(f, "surface", sf->id);
	cJSON_AddNumberToObject(f, "since_ms", (double)hq_wall_ms());
	cJSON_AddItemToObject(c->ctx->facts, LOCK_FACT, f);
}

/*
 * Waits (bounded by recover_max_s) until a surface an earlier case left
 * locked accepts the operator again.  0: ready; 1: still locked (why).
 */
static int
lock_wait(struct cx *c, char *why, size_t whysz, struct hq_err *err)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(c->ctx->facts,
	    LOCK_FACT), *sid;
	const struct hq_surface *sf;
	struct hq_deadline dl;
	struct hq_login_try t;
	int rc;

	if (f == NULL)
		return 0;
	sid = cJSON_GetObjectItemCaseSensitive(f, "surface");
	sf = cJSON_IsString(sid) ? hq_dut_surface(c->ctx->dut,
	    sid->valuestring) : NULL;
	if (sf == NULL) {
		cJSON_DeleteItemFromObjectCaseSensitive(c->ctx->facts,
		    LOCK_FACT);
		return 0;
	}
	hq_step(c->res, "an earlier case left %s locked: waiting up to "
	    "%lld s for the operator login to work again", sf->id,
	    c->p.recover_max_s);
	dl = hq_deadline_min(c->ctx->deadline,
	    hq_deadline_in(c->p.recover_max_s * 1000));
	for (;;) {
		if ((rc = attempt_decided(c, sf, "recovery probe (operator)",
		    c->ctx->dut->op_user, c->ctx->dut->op_password, false, &t,
		    err)) != 0)
			return rc;
		hq_login_try_clear(&t, 1);
		if (t.res == HQ_LOGIN_ACCEPTED) {
			hq_step(c->res, "%s accepts the operator again", sf->id);
			cJSON_DeleteItemFromObjectCaseSensitive(c->ctx->facts,
			    LOCK_FACT);
			return 0;
		}
		if (hq_deadline_poll_ms(dl) < c->p.recover_probe_s * 1000) {
			snprintf(why, whysz, "control failed: %s was still "
			    "locked from an earlier case after %lld s", sf->id,
			    c->p.recover_max_s);
			return 1;
		}
		if ((rc = sleep_within(c, c->p.recover_probe_s * 1000,
		    err)) != 0) {
			if (rc < 0)
				return rc;
			snprintf(why, whysz, "control failed: %s was still "
			    "locked from an earlier case when the case's time "
			    "ran out", sf->id);
			return 1;
		}
	}
}

static int
dict_path(const struct cx *c, char *out, size_t outsz, struct hq_err *err)
{
	const char *d = c->p.dictionary;
	char *pp, *dir;

	if (d[0] == '/') {
		snprintf(out, outsz, "%s", d);
		return 0;
	}
	if ((pp = strdup(c->ctx->profile->path)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	dir = dirname(pp);
	snprintf(out, outsz, "%s/%s", dir, d);
	free(pp);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(out, outsz, "%s/profiles/%s", HQ_DATADIR, d);
	if (access(out, R_OK) == 0)
		return 0;
	return hq_err_set(err, HQ_EINVAL, "dictionary: %s not found next to "
	    "the profile nor in %s/profiles", d, HQ_DATADIR);
}

static int
dict_load(struct cx *c, struct hq_creddict **dp, struct hq_err *err)
{
	char path[1024];
	int rc;

	if ((rc = dict_path(c, path, sizeof(path), err)) != 0 ||
	    (rc = hq_creddict_load(path, dp, err)) != 0)
		return rc;
	hq_step(c->res, "dictionary %s: %zu pairs from %zu sources, "
	    "sha256 %s", c->p.dictionary, (*dp)->n, (*dp)->nsources,
	    (*dp)->sha256);
	return 0;
}

static int
save_transcript(struct cx *c, struct hq_err *err)
{
	char rel[192];
	int rc;

	snprintf(rel, sizeof(rel), "creds/%s.txt", c->slug);
	if ((rc = hq_transcript_save(c->tr, c->ctx->ev, rel, err)) != 0)
		return rc;
	hq_result_evidence(c->res, rel);
	return 0;
}

static bool
need_operator(struct cx *c)
{
	if (c->ctx->dut->op_user != NULL && c->ctx->dut->op_password != NULL)
		return true;
	hq_verdict(c->res, HQ_INCONCLUSIVE, "control impossible: the DUT "
	    "description gives no operator credential "
	    "(credentials.operator)");
	return false;
}

/* ---- default-dictionary: EN 303 645 5.1-1, QCVN 135:2024 2.1 ---- */

/*
 * The order of the pairs: round r holds each user's pairs r*budget ..
 * (r+1)*budget-1, so that no account sees more than `user_budget` failures
 * per `budget_window_s` (a per-account lock would refuse later pairs
 * unseen).  ord[] gets entry indices, rnd[] their rounds; returns rounds.
 */
static size_t
dict_order(const struct hq_creddict *d, long long budget, size_t *ord,
    size_t *rnd)
{
	size_t i, k, m = 0, r, nr = 1, *ri;

	if ((ri = calloc(d->n, sizeof(*ri))) == NULL)
		return 0;
	for (i = 0; i < d->n; i++) {
		size_t same = 0;

		for (k = 0; k < i && budget > 0; k++)
			if (strcmp(d->v[k].user, d->v[i].user) == 0)
				same++;
		ri[i] = budget > 0 ? same / (size_t)budget : 0;
		if (ri[i] + 1 > nr)
			nr = ri[i] + 1;
	}
	for (r = 0; r < nr; r++)
		for (i = 0; i < d->n; i++)
			if (ri[i] == r) {
				rnd[m] = r;
				ord[m++] = i;
			}
	free(ri);
	return nr;
}

/* One undecided pair, for the rationale: user, redacted password and
 * the category of its last answer. */
static void
undecided_note(char *out, size_t outsz, size_t *offp,
    const struct hq_login_try *t)
{
	char red[48], u[64];

	if (*offp >= outsz)
		return;
	hq_pw_redact(t->password, red, sizeof(red));
	hq_escape(u, sizeof(u), t->user, strlen(t->user));
	*offp += (size_t)snprintf(out + *offp, outsz - *offp, "%s\"%s\" %s "
	    "(%s: %s)", *offp > 0 ? "; " : "", u, red,
	    hq_login_cat_name(t->cat), t->why);
}

/*
 * Waits, up to relock_wait_s and within the case's deadline, until the
 * surface's port accepts TCP connects again (probing every
 * recover_probe_s).  0 once it does; 1 when it did not in time.
 */
static int
source_wait(struct cx *c, const struct hq_surface *sf, struct hq_err *err)
{
	struct hq_deadline end = hq_deadline_min(c->ctx->deadline,
	    hq_deadline_in(c->p.relock_wait_s * 1000));
	int64_t t0 = hq_mono_ns();
	int rc;

	hq_transcript_printf(c->tr, "[%9.3f s] %s: connections refused or "
	    "unanswered: the source looks banned; waiting up to %lld s for "
	    "the port to accept again\n", since_s(c), sf->id,
	    c->p.relock_wait_s);
	for (;;) {
		struct hq_deadline cdl = hq_deadline_min(end,
		    hq_deadline_in(c->p.connect_ms));
		int fd = -1, eno = 0;

		rc = hq_net_connect_ex(c->ctx->dut->address, sf->port, cdl,
		    &fd, &eno, NULL);
		if (fd >= 0)
			close(fd);
		if (rc == HQ_EINTR)
			return hq_err_set(err, rc, "interrupted");
		if (rc == 0) {
			hq_transcript_printf(c->tr, "[%9.3f s] %s: accepted "
			    "again after %.1f s\n", since_s(c), sf->id,
			    (double)(hq_mono_ns() - t0) / 1e9);
			return 0;
		}
		if (hq_deadline_poll_ms(end) < c->p.recover_probe_s * 1000) {
			hq_transcript_printf(c->tr, "[%9.3f s] %s: still "
			    "refused; no time left to wait\n", since_s(c),
			    sf->id);
			return 1;
		}
		if ((rc = sleep_within(c, c->p.recover_probe_s * 1000,
		    err)) != 0)
			return rc;
	}
}

/*
 * Writes a batch's attempts to the transcript, then tries again those
 * that got no verdict (a 5xx, a 429, a reset, a timeout): after a back-off
 * that doubles each round, with half as many in flight, at most
 * undecided_retries rounds and never past the case's deadline.
 */
static int
settle(struct cx *c, const struct hq_surface *sf,
    const struct hq_login_cfg *cfg, struct hq_login_try *v, size_t n,
    size_t *nretriedp, struct hq_err *err)
{
	struct hq_login_try *w = NULL;
	struct hq_login_cfg rc2 = *cfg;
	size_t *ix = NULL, i, m, nnet;
	long long r;
	char what[48];
	int rc = 0;

	for (i = 0; i < n; i++)
		tr_attempt(c, sf, "dictionary", &v[i]);
	if ((ix = calloc(n, sizeof(*ix))) == NULL ||
	    (w = calloc(n, sizeof(*w))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (r = 0; r < c->p.undecided_retries; r++) {
		for (i = m = 0; i < n; i++)
			if (v[i].res == HQ_LOGIN_ERROR)
				ix[m++] = i;
		if (m == 0)
			break;
		rc2.parallel = cfg->parallel >> (r + 1);
		if (rc2.parallel < 1)
			rc2.parallel = 1;
		hq_transcript_printf(c->tr, "[%9.3f s] %s: %zu attempt%s "
		    "without a verdict; retry %lld of %lld after back-off, %u "
		    "in parallel\n", since_s(c), sf->id, m, m == 1 ? "" : "s",
		    r + 1, c->p.undecided_retries, rc2.parallel);
		for (i = nnet = 0; i < m; i++)
			if (hq_login_cat_is_network_lock(v[ix[i]].cat))
				nnet++;
		/* Refusals turned into refused connections: the source is
		 * banned (a firewall, not an account).  Wait for the whole
		 * source, not per user, then go on one at a time. */
		if (nnet * 2 > m) {
			if ((rc = source_wait(c, sf, err)) != 0) {
				if (rc > 0)
					rc = 0;
				goto out;
			}
			rc2.parallel = 1;
		} else if ((rc = backoff(c, r, err)) != 0) {
			if (rc > 0) {
				hq_transcript_printf(c->tr, "[%9.3f s] %s: no "
				    "time left before the case deadline to "
				    "retry\n", since_s(c), sf->id);
				rc = 0;
			}
			goto out;
		}
		for (i = 0; i < m; i++) {
			memset(&w[i], 0, sizeof(w[i]));
			w[i].user = v[ix[i]].user;
			w[i].password = v[ix[i]].password;
		}
		*nretriedp += m;
		if ((rc = hq_login_run(&rc2, w, m, c->ctx->deadline,
		    err)) != 0) {
			hq_login_try_clear(w, m);
			if (rc == HQ_ETIMEDOUT) {
				/* Keep the first answers of what did not
				 * get a second one. */
				hq_err_clear(err);
				rc = 0;
			}
			goto out;
		}
		snprintf(what, sizeof(what), "dictionary (retry %lld)", r + 1);
		for (i = 0; i < m; i++) {
			struct hq_login_try *t = &v[ix[i]];

			tr_attempt(c, sf, what, &w[i]);
			hq_login_try_clear(t, 1);
			*t = w[i];
			memset(&w[i], 0, sizeof(w[i]));
		}
	}
 out:
	free(ix);
	free(w);
	return rc;
}

static int
dict_surface(struct cx *c, const struct hq_surface *sf,
    const struct hq_creddict *d, cJSON *hits, size_t *nhitsp,
    size_t *nuntriedp, size_t *nundp, char *und, size_t undsz,
    double *ratep, struct hq_err *err)
{
	size_t nretried = 0, uo = 0;
	struct hq_login_try *v = NULL;
	struct hq_login_cfg cfg;
	size_t *ord = NULL, *rnd = NULL, i, off, nerr = 0, nrounds;
	int64_t t0;
	int rc = 0, ctl;
	char why[HQ_ERR_MSG_MAX];

	*nuntriedp = 0;
	if ((v = calloc(d->n, sizeof(*v))) == NULL ||
	    (ord = calloc(d->n, sizeof(*ord))) == NULL ||
	    (rnd = calloc(d->n, sizeof(*rnd))) == NULL ||
	    (nrounds = dict_order(d, c->p.user_budget, ord, rnd)) == 0) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (i = 0; i < d->n; i++) {
		v[i].user = d->v[ord[i]].user;
		v[i].password = d->v[ord[i]].password;
	}
	cfg_for(c, sf, &cfg);
	cfg.parallel = (unsigned)c->p.parallel;
	if (nrounds > 1)
		hq_step(c->res, "%s: %zu rounds of at most %lld pairs per user, "
		    "%.1f s apart", sf->id, nrounds, c->p.user_budget,
		    c->p.budget_window_s);
	t0 = hq_mono_ns();
	for (off = 0; off < d->n; ) {
		size_t n = 0;
		long long tries;

		/* A batch: the rest of this round, cut at `chunk`. */
		while (off + n < d->n && rnd[off + n] == rnd[off] &&
		    (c->p.chunk == 0 || n < (size_t)c->p.chunk))
			n++;
		/* Pace: the previous round (or surface) was within the
		 * budget window. */
		if (c->p.user_budget > 0 && c->last_round_ns != 0) {
			int64_t wait = (int64_t)(c->p.budget_window_s * 1000) -
			    (hq_mono_ns() - c->last_round_ns) / 1000000;

			if (wait > 0 && (off == 0 || rnd[off] != rnd[off - 1]) &&
			    (rc = sleep_within(c, wait, err)) != 0) {
				if (rc > 0)
					rc = hq_err_set(err, HQ_ETIMEDOUT,
					    "%s: the case's time ran out before "
					    "pair %zu of %zu (pacing)", sf->id,
					    off + 1, d->n);
				goto out;
			}
		}
		for (tries = 0; ; tries++) {
			hq_login_try_clear(v + off, n);
			if ((rc = hq_login_run(&cfg, v + off, n,
			    c->ctx->deadline, err)) != 0 ||
			    (rc = settle(c, sf, &cfg, v + off, n, &nretried,
			    err)) != 0)
				goto out;
			if (c->p.chunk == 0)
				break;
			/* Canary: the operator still logs in, so no lock
			 * refused this chunk's pairs unseen. */
			if ((ctl = controls(c, sf, false, why, sizeof(why),
			    err)) < 0) {
				rc = ctl;
				goto out;
			}
			if (ctl == 0)
				break;
			if (tries >= c->p.retries) {
				*nuntriedp += n;
				hq_step(c->res, "%s: pairs %zu-%zu not "
				    "verified: the operator stayed refused "
				    "after %lld retries", sf->id, off + 1,
				    off + n, tries);
				break;
			}
			hq_step(c->res, "%s: operator refused after pairs "
			    "%zu-%zu (a lock?); waiting %lld s to retry them",
			    sf->id, off + 1, off + n, c->p.relock_wait_s);
			if ((rc = sleep_within(c, c->p.relock_wait_s * 1000,
			    err)) != 0) {
				if (rc < 0)
					goto out;
				rc = 0;
				*nuntriedp += n;
				hq_step(c->res, "%s: pairs %zu-%zu not "
				    "verified: no time left before the case "
				    "deadline to wait out the lock", sf->id,
				    off + 1, off + n);
				break;
			}
		}
		off += n;
		c->last_round_ns = hq_mono_ns();
	}
	*ratep = (double)d->n / ((double)(hq_mono_ns() - t0) / 1e9);
	for (i = 0; i < d->n; i++) {
		const char *src = d->v[ord[i]].source;

		if (v[i].res == HQ_LOGIN_ERROR) {
			if (nerr < 5)
				undecided_note(und, undsz, &uo, &v[i]);
			nerr++;
		}
		if (v[i].res != HQ_LOGIN_ACCEPTED)
			continue;
		{
			cJSON *h = cJSON_CreateObject();
			char red[48];

			hq_pw_redact(v[i].password, red, sizeof(red));
			cJSON_AddStringToObject(h, "surface", sf->id);
			cJSON_AddStringToObject(h, "kind", sf->login_kind);
			cJSON_AddStringToObject(h, "user", v[i].user);
			cJSON_AddStringToObject(h, "password", red);
			cJSON_AddStringToObject(h, "source", src);
			cJSON_AddItemToArray(hits, h);
			if (*nhitsp < HITS_SHOWN)
				hq_finding(c->res, "%s (%s): known default "
				    "credential accepted: user \"%s\", "
				    "password %s (%s)", sf->id,
				    hq_login_kind_name(sf->login_kind),
				    v[i].user, red, src);
			(*nhitsp)++;
		}
	}
	*nundp = nerr;
	hq_step(c->res, "%s (%s): %zu pairs tried in %.2f s (%.0f/s, %lld "
	    "in parallel), %zu retried for want of a verdict, %zu still "
	    "undecided", sf->id, hq_login_kind_name(sf->login_kind), d->n,
	    (double)(hq_mono_ns() - t0) / 1e9, *ratep, c->p.parallel,
	    nretried, nerr);
 out:
	if (v != NULL)
		hq_login_try_clear(v, d->n);
	free(v);
	free(ord);
	free(rnd);
	return rc;
}

static int
run_dictionary(struct cx *c, struct hq_err *err)
{
	const struct hq_dut *dut = c->ctx->dut;
	struct hq_creddict *d = NULL;
	cJSON *hits = cJSON_CreateArray();
	char why[HQ_ERR_MSG_MAX], inc[HQ_ERR_MSG_MAX] = "";
	size_t i, nsf = 0, nhits = 0, nuntried_all = 0, attempts = 0;
	size_t nund_all = 0, to = 0;
	char tried[256] = "";
	double rate = 0, minrate = 0;
	int rc = 0, ctl;

	if (!need_operator(c))
		goto out;
	if ((rc = dict_load(c, &d, err)) != 0)
		goto out;
	if ((ctl = lock_wait(c, why, sizeof(why), err)) != 0) {
		if (ctl > 0)
			hq_verdict(c->res, HQ_INCONCLUSIVE, "%s", why);
		rc = ctl < 0 ? ctl : 0;
		goto out;
	}
	for (i = 0; i < dut->nsurfaces; i++) {
		const struct hq_surface *sf = &dut->surfaces[i];
		size_t nuntried = 0, before = nhits, nund = 0;
		char und[600] = "";

		if (!kind_wanted(c, sf))
			continue;
		nsf++;
		if ((ctl = controls(c, sf, true, why, sizeof(why), err)) < 0) {
			rc = ctl;
			goto out;
		}
		if (ctl > 0) {
			hq_finding(c->res, "%s", why);
			/* The first cause: a lock our own run left makes
			 * the next surfaces' controls fail too. */
			if (inc[0] == '\0')
				snprintf(inc, sizeof(inc), "%s", why);
			continue;
		}
		if ((rc = dict_surface(c, sf, d, hits, &nhits, &nuntried,
		    &nund, und, sizeof(und), &rate, err)) != 0)
			goto out;
		if (to < sizeof(tried))
			to += (size_t)snprintf(tried + to, sizeof(tried) - to,
			    "%s%s", to > 0 ? ", " : "", sf->id);
		nund_all += nund;
		attempts += d->n;
		if (minrate == 0 || rate < minrate)
			minrate = rate;
		nuntried_all += nuntried;
		/* The instrument after the run: a hit aside, a lock that
		 * engaged would have refused every later pair. */
		if ((ctl = controls(c, sf, false, why, sizeof(why), err)) < 0) {
			rc = ctl;
			goto out;
		}
		if (ctl > 0 && nhits == before) {
			hq_finding(c->res, "%s after the dictionary run", why);
			if (inc[0] == '\0')
				snprintf(inc, sizeof(inc), "%s after the "
				    "dictionary run (a lock may have hidden "
				    "hits; set \"chunk\" or \"user_budget\")",
				    why);
		} else if (nund > 0 && nhits == before && inc[0] == '\0')
			/* Never PASS on pairs without a definite answer. */
			snprintf(inc, sizeof(inc), "%s: %zu of %zu pairs "
			    "stayed undecided after %lld retries with back-off "
			    "(no definite answer): %s%s", sf->id, nund, d->n,
			    c->p.undecided_retries, und, nund > 5 ? "; ..." :
			    "");
		else if (nuntried > 0 && nhits == before && inc[0] == '\0')
			snprintf(inc, sizeof(inc), "%s: %zu of %zu pairs could "
			    "not be verified under a lock", sf->id, nuntried,
			    d->n);
	}
	hq_measure(c->res, "attempts", (double)attempts, "logins", NULL, 0,
	    0);
	hq_measure(c->res, "attempt_rate", minrate, "logins/s", NULL, 0, 0);
	hq_measure(c->res, "accepted_defaults", (double)nhits, "pairs", "==",
	    0, 0);
	hq_measure(c->res, "undecided_pairs", (double)nund_all, "pairs", NULL,
	    0, 0);
	hq_detail(c->res, "hits", hits);
	hits = NULL;
	if (nhits > 0)
		hq_verdict(c->res, HQ_FAIL, "%zu known-default credential%s "
		    "accepted (see findings)", nhits, nhits == 1 ? "" : "s");
	else if (nsf == 0)
		hq_verdict(c->res, HQ_NOT_APPLICABLE, "the DUT description "
		    "declares no login surface of a supported kind");
	else if (inc[0] != '\0')
		hq_verdict(c->res, HQ_INCONCLUSIVE, "%s", inc);
	else
		pass_verdict(c, "all %zu known-default pairs refused on %zu "
		    "login surface%s (%s); controls held before and after",
		    d->n, nsf, nsf == 1 ? "" : "s", tried);
	(void)nuntried_all;
 out:
	cJSON_Delete(hits);
	hq_creddict_free(d);
	return rc;
}

/* ---- factory-passwords: EN 303 645 5.1-1/5.1-2, CR 1.5, CR 1.7 ---- */

static int
run_factory(struct cx *c, struct hq_err *err)
{
	const struct hq_dut *dut = c->ctx->dut;
	struct hq_pwpolicy pol = {
		.min_len = (unsigned)c->p.min_length,
		.required = c->p.required,
		.min_classes = (unsigned)c->p.min_classes,
	};
	struct hq_creddict *d = NULL;
	cJSON *units = cJSON_CreateArray();
	size_t i, k, nbad = 0, minlen = SIZE_MAX;
	int rc;

	if (dut->nlabels < (size_t)c->p.min_units) {
		hq_verdict(c->res, HQ_INCONCLUSIVE, "the DUT description gives "
		    "%zu unit label%s (credentials.labels); the check needs "
		    "at least %lld units", dut->nlabels,
		    dut->nlabels == 1 ? "" : "s", c->p.min_units);
		rc = 0;
		goto out;
	}
	if ((rc = dict_load(c, &d, err)) != 0)
		goto out;
	for (i = 0; i < dut->nlabels; i++) {
		const struct hq_label *l = &dut->labels[i];
		char why[256], red[48];
		size_t len = hq_pw_length(l->password);
		cJSON *u = cJSON_CreateObject();

		hq_pw_redact(l->password, red, sizeof(red));
		/* Neither the length nor the classes of one unit's
		 * password: the rules that failed are the findings. */
		hq_step(c->res, "unit %s: password %s", l->serial, red);
		cJSON_AddStringToObject(u, "serial", l->serial);
		cJSON_AddStringToObject(u, "password", red);
		cJSON_AddItemToArray(units, u);
		if (len < minlen)
			minlen = len;
		if (hq_pwpolicy_check(&pol, l->password, why,
		    sizeof(why)) > 0) {
			hq_finding(c->res, "unit %s: password %s does not meet "
			    "the policy: %s", l->serial, red, why);
			nbad++;
		}
		if (hq_pw_derived(l->password, l->serial, l->mac, why,
		    sizeof(why))) {
			hq_finding(c->res, "unit %s: password %s is derivable: "
			    "%s", l->serial, red, why);
			nbad++;
		}
		if (hq_creddict_has_password(d, l->password)) {
			hq_finding(c->res, "unit %s: password %s is in the "
			    "known-default dictionary", l->serial, red);
			nbad++;
		}
		if (strcasecmp(l->password, l->user) == 0) {
			hq_finding(c->res, "unit %s: password equals the user "
			    "name", l->serial);
			nbad++;
		}
		for (k = 0; k < i; k++) {
			const struct hq_label *o = &dut->labels[k];
			size_t pre = hq_pw_common_prefix(o->password,
			    l->password);
			size_t suf = hq_pw_common_suffix(o->password,
			    l->password);

			if (strcmp(o->password, l->password) == 0) {
				hq_finding(c->res, "units %s and %s have the "
				    "same factory password %s (not unique per "
				    "device)", o->serial, l->serial, red);
				nbad++;
			} else if (pre > (size_t)c->p.max_affix ||
			    suf > (size_t)c->p.max_affix) {
				hq_finding(c->res, "units %s and %s: passwords "
				    "share a common %s longer than the profile "
				    "allows (%lld characters)", o->serial,
				    l->serial, pre > suf ? "prefix" : "suffix",
				    c->p.max_affix);
				nbad++;
			}
		}
	}
	hq_measure(c->res, "units", (double)dut->nlabels, "units", ">=",
	    (double)c->p.min_units, 0);
	hq_measure(c->res, "shortest_password", (double)minlen, "chars", ">=",
	    (double)c->p.min_length, 0);
	hq_detail(c->res, "units", units);
	units = NULL;
	if (nbad > 0)
		hq_verdict(c->res, HQ_FAIL, "%zu finding%s on factory "
		    "passwords (see findings)", nbad, nbad == 1 ? "" : "s");
	else
		hq_verdict(c->res, HQ_PASS, "%zu units: passwords distinct, "
		    "no shared stem over %lld chars, at least %zu chars, meet "
		    "the policy, not derivable from serial or MAC, not in the "
		    "dictionary", dut->nlabels, c->p.max_affix, minlen);
 out:
	cJSON_Delete(units);
	hq_creddict_free(d);
	return rc;
}

/* ---- lockout: national criteria (5 failures in 30 s, 5 min), CR 1.11 */

/*
 * A lock by the network (an address ban in a firewall, fail2ban) comes a
 * moment after the last failure, when the ban is written.  Watches plain
 * TCP connects (no credentials: nothing a device counts) every 100 ms for
 * up to engage_max_s; *delayp gets the seconds from the last failure's
 * answer to the first refused or unanswered connect, or -1.
 */
static int
net_lock_watch(struct cx *c, const struct hq_surface *sf, int64_t t_last,
    double *delayp, enum hq_login_cat *catp, struct hq_err *err)
{
	struct hq_deadline end = hq_deadline_min(c->ctx->deadline,
	    hq_deadline_in((int64_t)(c->p.engage_max_s * 1000)));
	int rc;

	*delayp = -1;
	while (!hq_deadline_passed(end)) {
		struct hq_deadline cdl = hq_deadline_min(c->ctx->deadline,
		    hq_deadline_in(c->p.connect_ms < 1000 ? c->p.connect_ms :
		    1000));
		int64_t t = hq_mono_ns();
		int fd = -1, eno = 0;

		rc = hq_net_connect_ex(c->ctx->dut->address, sf->port, cdl,
		    &fd, &eno, NULL);
		if (fd >= 0)
			close(fd);
		if (rc == HQ_EINTR)
			return hq_err_set(err, rc, "interrupted");
		if (rc != 0 && (eno == ECONNREFUSED || eno == ETIMEDOUT ||
		    eno == EHOSTUNREACH || eno == ENETUNREACH ||
		    eno == EACCES || eno == EPERM)) {
			*delayp = (double)(t - t_last) / 1e9;
			*catp = eno == ECONNREFUSED ? HQ_LCAT_CONNREFUSED :
			    HQ_LCAT_UNREACHABLE;
			hq_transcript_printf(c->tr, "[%9.3f s] %s: TCP connect "
			    "%s %.3f s after the last failure (a ban by the "
			    "network)\n", since_s(c), sf->id, eno ==
			    ECONNREFUSED ? "refused" : "unanswered", *delayp);
			return 0;
		}
		if ((rc = hq_sleep_ms(100)) != 0)
			return hq_err_set(err, rc, "interrupted");
	}
	hq_transcript_printf(c->tr, "[%9.3f s] %s: TCP connects still "
	    "accepted %.1f s after the last failure\n", since_s(c), sf->id,
	    c->p.engage_max_s);
	return 0;
}

/*
 * Sends p.attempts wrong passwords for the operator user, then the right
 * one.  *lockedp: the right one was refused, by the device or by the
 * network (*bynetp: a connection refused or unanswered where it connected
 * before).  t_lastp[0], t_lastp[1]: when the last wrong attempt started
 * and ended (the lock began in between).  Returns 1 with why when the run
 * proves nothing.
 */
static int
engage(struct cx *c, const struct hq_surface *sf, bool *lockedp,
    bool *bynetp, int64_t *t_lastp, char *why, size_t whysz,
    struct hq_err *err)
{
	const struct hq_dut *dut = c->ctx->dut;
	struct hq_login_try t;
	enum hq_login_cat ncat = HQ_LCAT_NONE;
	char wrong[24];
	int64_t t0 = hq_mono_ns();
	double el, delay;
	long long i;
	int rc;

	*bynetp = false;
	for (i = 0; i < c->p.attempts; i++) {
		t_lastp[0] = hq_mono_ns();
		if ((rc = hq_pw_random(wrong, 16, err)) != 0 ||
		    (rc = attempt1(c, sf, "wrong password", dut->op_user,
		    wrong, false, &t, err)) != 0)
			return rc;
		hq_login_try_clear(&t, 1);
		if (t.res == HQ_LOGIN_ACCEPTED) {
			snprintf(why, whysz, "control failed on %s: a random "
			    "wrong password was accepted", sf->id);
			return 1;
		}
		if (t.res == HQ_LOGIN_ERROR) {
			snprintf(why, whysz, "%s: wrong attempt %lld got no "
			    "definite answer (%s: %s)", sf->id, i + 1,
			    hq_login_cat_name(t.cat), t.why);
			return 1;
		}
	}
	t_lastp[1] = hq_mono_ns();
	el = (double)(t_lastp[1] - t0) / 1e9;
	hq_measure(c->res, "failures_sent", (double)c->p.attempts, "attempts",
	    NULL, 0, 0);
	hq_measure(c->res, "failure_burst", el, "s", "<=", c->p.window_s, 0);
	if (el > c->p.window_s) {
		snprintf(why, whysz, "%s: %lld wrong attempts took %.1f s, more "
		    "than the %g s window", sf->id, c->p.attempts, el,
		    c->p.window_s);
		return 1;
	}
	hq_step(c->res, "%s: %lld wrong passwords refused in %.2f s (window "
	    "%g s)", sf->id, c->p.attempts, el, c->p.window_s);
	if (c->p.engage_max_s > 0) {
		if ((rc = net_lock_watch(c, sf, t_lastp[1], &delay, &ncat,
		    err)) != 0)
			return rc;
		if (delay >= 0) {
			hq_measure(c->res, "lock_engage_delay", delay, "s",
			    "<=", c->p.engage_max_s, 0.1);
			hq_step(c->res, "%s: locked by the network %.2f s after "
			    "the last failure (%s; profile allows %g s to "
			    "engage)", sf->id, delay, hq_login_cat_name(ncat),
			    c->p.engage_max_s);
			*lockedp = *bynetp = true;
			return 0;
		}
	}
	if ((rc = attempt1(c, sf, "right password after failures",
	    dut->op_user, dut->op_password, false, &t, err)) != 0)
		return rc;
	hq_login_try_clear(&t, 1);
	if (t.res == HQ_LOGIN_ERROR && hq_login_cat_is_network_lock(t.cat)) {
		/* It connected for every failure; now it does not. */
		hq_step(c->res, "%s: the right password's connection was %s "
		    "after the failures: locked by the network", sf->id,
		    hq_login_cat_name(t.cat));
		*lockedp = *bynetp = true;
		return 0;
	}
	if (t.res == HQ_LOGIN_ERROR) {
		snprintf(why, whysz, "%s: no definite answer to the right "
		    "password after the failures (%s: %s)", sf->id,
		    hq_login_cat_name(t.cat), t.why);
		return 1;
	}
	*lockedp = t.res == HQ_LOGIN_REFUSED;
	return 0;
}

static int
lockout_surface(struct cx *c, const struct hq_surface *sf, bool duration,
    size_t *nnolockp, size_t *nshortp, char *inc, size_t incsz,
    struct hq_err *err)
{
	const struct hq_dut *dut = c->ctx->dut;
	char why[HQ_ERR_MSG_MAX];
	bool locked = false, bynet = false;
	int64_t t_last[2] = { 0, 0 };
	double lo = 0, hi = -1, next, target;
	int rc, ctl;

	hq_result_set_surface(c->res, sf->id);
	if ((ctl = lock_wait(c, why, sizeof(why), err)) != 0 ||
	    (ctl = controls(c, sf, false, why, sizeof(why), err)) != 0) {
		if (ctl > 0)
			snprintf(inc, incsz, "%s", why);
		return ctl < 0 ? ctl : 0;
	}
	hq_step(c->res, "%s: the right password works before the test",
	    sf->id);
	if ((ctl = engage(c, sf, &locked, &bynet, t_last, why, sizeof(why),
	    err)) != 0) {
		if (ctl > 0)
			snprintf(inc, incsz, "%s", why);
		return ctl < 0 ? ctl : 0;
	}
	if (!locked) {
		hq_finding(c->res, "%s (%s): the right password was still "
		    "accepted after %lld wrong attempts; profile: lock after "
		    "%lld failures within %g s", sf->id,
		    hq_login_kind_name(sf->login_kind), c->p.attempts,
		    c->p.attempts, c->p.window_s);
		(*nnolockp)++;
		return 0;
	}
	hq_step(c->res, "%s: locked%s: the right password is refused after "
	    "%lld failures", sf->id, bynet ? " by the network" : "",
	    c->p.attempts);
	lock_fact_set(c, sf);
	if (!duration)
		return 0;
	/* Probe the right password every probe_interval_s, plus once just
	 * before the limit (min_lock_s - tolerance_s), until it is accepted
	 * or max_wait_s passes.  Probes may extend a lock on some DUTs; that
	 * only lengthens what we measure.  Bounds on the lock's length, with
	 * the lock begun while the last failure was in flight: at least
	 * from that failure's answer to a refused probe's start (lo), at
	 * most from that failure's start to an accepted probe's answer
	 * (hi). */
	target = c->p.min_lock_s - c->p.tol_s;
	next = c->p.probe_s;
	for (;;) {
		struct hq_login_try t;
		double now = (double)(hq_mono_ns() - t_last[1]) / 1e9, at;

		at = next;
		if (lo < target && target < next && target > now)
			at = target;
		if (at > c->p.max_wait_s)
			break;
		/* Whole milliseconds, rounded up, until `at` has passed: a
		 * probe a little early would prove a shorter lock. */
		while (at > now) {
			if ((rc = sleep_within(c, (int64_t)ceil((at - now) *
			    1000), err)) < 0)
				return rc;
			if (rc > 0)
				return hq_err_set(err, HQ_ETIMEDOUT, "case "
				    "deadline too close to probe the lock at "
				    "%.1f s", at);
			now = (double)(hq_mono_ns() - t_last[1]) / 1e9;
		}
		if (hq_deadline_passed(c->ctx->deadline))
			return hq_err_set(err, HQ_ETIMEDOUT, "case deadline "
			    "passed while waiting for the lock to end");
		now = (double)(hq_mono_ns() - t_last[1]) / 1e9;
		if ((rc = attempt1(c, sf, "probe (right password)",
		    dut->op_user, dut->op_password, false, &t, err)) != 0)
			return rc;
		hq_login_try_clear(&t, 1);
		if (t.res == HQ_LOGIN_ACCEPTED) {
			hi = (double)(hq_mono_ns() - t_last[0]) / 1e9;
			break;
		}
		/* Refused, or (a ban) its connection refused or unanswered:
		 * still locked. */
		if (t.res == HQ_LOGIN_REFUSED || (bynet &&
		    hq_login_cat_is_network_lock(t.cat)))
			lo = now;
		if (at >= next)
			next += c->p.probe_s;
	}
	if (hi >= 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(c->ctx->facts,
		    LOCK_FACT);
		hq_measure(c->res, "lock_duration", hi, "s", ">=",
		    c->p.min_lock_s, hi - lo);
		hq_step(c->res, "%s: lock ended between %.1f s (last refused) "
		    "and %.1f s (first accepted) after the last failure",
		    sf->id, lo, hi);
	} else {
		hq_measure(c->res, "lock_duration", lo, "s", ">=",
		    c->p.min_lock_s, 0);
		hq_step(c->res, "%s: still locked %.1f s after the last "
		    "failure (bound %g s)", sf->id, lo, c->p.max_wait_s);
	}
	if (hi >= 0 && hi < target) {
		hq_finding(c->res, "%s (%s): lock released after at most %.1f "
		    "s (last refused probe at %.1f s); profile requires at "
		    "least %g s", sf->id, hq_login_kind_name(sf->login_kind),
		    hi, lo, c->p.min_lock_s);
		(*nshortp)++;
	} else if (lo < target && hi >= 0)
		/* The probe meant for the limit came late (a loaded lab
		 * host): the lock ended around it, on neither side. */
		snprintf(inc, incsz, "%s: the lock ended between %.2f s and "
		    "%.2f s after the last failure, across the decision point "
		    "%g s (min_lock_s less tolerance_s): no probe answered "
		    "in time to tell", sf->id, lo, hi, target);
	else if (lo < target)
		snprintf(inc, incsz, "%s: no probe was answered while the "
		    "lock held at %g s (last refused at %.2f s)", sf->id,
		    target, lo);
	return 0;
}

static int
run_lockout(struct cx *c, bool duration, struct hq_err *err)
{
	const struct hq_dut *dut = c->ctx->dut;
	char inc[HQ_ERR_MSG_MAX] = "";
	size_t i, nsf = 0, nnolock = 0, nshort = 0;
	int rc;

	if (!need_operator(c))
		return 0;
	for (i = 0; i < dut->nsurfaces; i++) {
		const struct hq_surface *sf = &dut->surfaces[i];

		if (!kind_wanted(c, sf))
			continue;
		nsf++;
		if ((rc = lockout_surface(c, sf, duration, &nnolock, &nshort,
		    inc, sizeof(inc), err)) != 0)
			return rc;
	}
	if (nnolock > 0 && nshort > 0)
		hq_verdict(c->res, HQ_FAIL, "no lock after %lld failures "
		    "within %g s on %zu surface%s, a lock shorter than %g s "
		    "on %zu (see findings)", c->p.attempts, c->p.window_s,
		    nnolock, nnolock == 1 ? "" : "s", c->p.min_lock_s, nshort);
	else if (nnolock > 0)
		hq_verdict(c->res, HQ_FAIL, "no lock after %lld failures "
		    "within %g s on %zu surface%s (see findings)",
		    c->p.attempts, c->p.window_s, nnolock,
		    nnolock == 1 ? "" : "s");
	else if (nshort > 0)
		hq_verdict(c->res, HQ_FAIL, "lock shorter than the required "
		    "%g s on %zu surface%s (see findings)", c->p.min_lock_s,
		    nshort, nshort == 1 ? "" : "s");
	else if (nsf == 0)
		hq_verdict(c->res, HQ_NOT_APPLICABLE, "the DUT description "
		    "declares no login surface of a supported kind");
	else if (inc[0] != '\0')
		hq_verdict(c->res, HQ_INCONCLUSIVE, "%s", inc);
	else if (duration)
		pass_verdict(c, "on %zu surface%s the lock held for at least "
		    "%g s (less %g s tolerance) after %lld failures", nsf,
		    nsf == 1 ? "" : "s", c->p.min_lock_s, c->p.tol_s,
		    c->p.attempts);
	else
		pass_verdict(c, "on %zu surface%s the right password was "
		    "refused after %lld failures within %g s", nsf,
		    nsf == 1 ? "" : "s", c->p.attempts, c->p.window_s);
	return 0;
}

/* ---- user-enumeration: national criteria (failure messages reveal
 * nothing beyond success/failure), EN 303 645 5.1 ---- */

/* Masks what legitimately varies: the attempted user, long tokens, digits. */
static void
normalise(const char *in, size_t len, const char *user, char *out,
    size_t outsz)
{
	size_t i = 0, o = 0, ul = strlen(user);

	while (i < len && o + 8 < outsz) {
		size_t run = 0;

		if (ul > 0 && len - i >= ul && memcmp(in + i, user, ul) == 0) {
			memcpy(out + o, "{user}", 6);
			o += 6;
			i += ul;
			continue;
		}
		while (i + run < len && (isalnum((unsigned char)in[i + run]) ||
		    in[i + run] == '+' || in[i + run] == '/' ||
		    in[i + run] == '=' || in[i + run] == '_' ||
		    in[i + run] == '-'))
			run++;
		if (run >= 16) {	/* nonces, request ids */
			out[o++] = '#';
			i += run;
			continue;
		}
		if (isdigit((unsigned char)in[i])) {
			while (i < len && isdigit((unsigned char)in[i]))
				i++;
			out[o++] = '0';
			continue;
		}
		out[o++] = in[i++];
	}
	out[o] = '\0';
}

/* The reason phrase of a response head's status line ("Unauthorized" in
 * "RTSP/1.0 401 Unauthorized"), normalised; empty when there is none. */
static void
phrase_of(const char *head, const char *user, char *out, size_t outsz)
{
	const char *p = head, *eol;
	int sp;

	out[0] = '\0';
	if (p == NULL)
		return;
	eol = p + strcspn(p, "\r\n");
	for (sp = 0; p < eol && sp < 2; p++)
		if (*p == ' ')
			sp++;
	if (sp == 2 && p < eol)
		normalise(p, (size_t)(eol - p), user, out, outsz);
}

/* The response head without the status line and volatile headers,
 * normalised, each line lower-cased by name. */
static void
head_sig(const char *head, const char *user, char *out, size_t outsz)
{
	static const char *const skip[] = {
		"date:", "content-length:", "etag:", "last-modified:",
		"expires:", "x-request-id:", "keep-alive:", "connection:",
		"cseq:", NULL
	};
	const char *p = head;
	size_t o = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	p = strchr(p, '\n');	/* the status line is compared by code */
	while (p != NULL && *++p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t ll = eol != NULL ? (size_t)(eol - p) : strlen(p), k;
		bool drop = false;
		char nl[1024];

		for (k = 0; skip[k] != NULL; k++)
			if (ll >= strlen(skip[k]) &&
			    strncasecmp(p, skip[k], strlen(skip[k])) == 0)
				drop = true;
		if (!drop && ll > 2) {
			normalise(p, ll, user, nl, sizeof(nl));
			for (k = 0; nl[k] != '\0' && nl[k] != ':'; k++)
				nl[k] = (char)tolower((unsigned char)nl[k]);
			o += (size_t)snprintf(out + o, o < outsz ? outsz - o :
			    0, "%s\n", nl);
			if (o >= outsz)
				break;
		}
		p = eol;
	}
}

struct sample {
	long	 code;
	char	 phrase[128];	/* the status line's reason phrase, normalised */
	char	 body[48];	/* sha256 prefix of the normalised body */
	char	 head[48];
	char	*bodyn;		/* normalised body, for showing */
	char	*headn;
	double	 ms;
};

static void
sample_from(struct sample *s, const struct hq_login_try *t)
{
	char n[8192], h[8192], hex[65];

	s->code = t->code;
	s->ms = (double)t->us / 1000.0;
	phrase_of(t->head, t->user, s->phrase, sizeof(s->phrase));
	normalise(t->body != NULL ? t->body : "", t->body_len, t->user, n,
	    sizeof(n));
	head_sig(t->head, t->user, h, sizeof(h));
	hq_sha256_hex(n, strlen(n), hex);
	snprintf(s->body, sizeof(s->body), "%.16s", hex);
	hq_sha256_hex(h, strlen(h), hex);
	snprintf(s->head, sizeof(s->head), "%.16s", hex);
	s->bodyn = strdup(n);
	s->headn = strdup(h);
}

/* True when no value of field in a[] appears in b[] (disjoint sets). */
static bool
disjoint(const struct sample *a, const struct sample *b, size_t n,
    int field)
{
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < n; k++) {
			if (field == 0 && a[i].code == b[k].code)
				return false;
			if (field == 3 && strcmp(a[i].phrase, b[k].phrase) ==
			    0)
				return false;
			if (field == 1 && strcmp(a[i].body, b[k].body) == 0)
				return false;
			if (field == 2 && strcmp(a[i].head, b[k].head) == 0)
				return false;
		}
	return true;
}

/* The first line of x that is not in y, escaped, into out. */
static void
first_diff(const char *x, const char *y, char *out, size_t outsz)
{
	const char *p = x;

	snprintf(out, outsz, "(none)");
	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t ll = eol != NULL ? (size_t)(eol - p) : strlen(p);
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)(ll < 500 ? ll : 500),
		    p);
		if (strstr(y, line) == NULL) {
			hq_escape(out, outsz, line, strlen(line));
			return;
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
}

/* What told wrong user and wrong password apart (enum_surface's *whatp). */
#define EN_STATUS	0x01u
#define EN_PHRASE	0x02u
#define EN_BODY		0x04u
#define EN_HEAD		0x08u
#define EN_TIME		0x10u

static int
enum_surface(struct cx *c, const struct hq_surface *sf, size_t *nfailp,
    unsigned *whatp, char *inc, size_t incsz, cJSON *stats,
    struct hq_err *err)
{
	const struct hq_dut *dut = c->ctx->dut;
	/* Failures since the operator last logged in: the control's wrong
	 * password is the first. */
	size_t n = (size_t)c->p.trials, i, nwp = 1;
	struct sample *a = NULL, *b = NULL;
	double *ta = NULL, *tb = NULL, ma, mb;
	char why[HQ_ERR_MSG_MAX];
	struct hq_mwu u;
	int rc = 0, ctl;

	hq_result_set_surface(c->res, sf->id);
	if ((ctl = lock_wait(c, why, sizeof(why), err)) != 0 ||
	    (ctl = controls(c, sf, true, why, sizeof(why), err)) != 0) {
		if (ctl > 0)
			snprintf(inc, incsz, "%s", why);
		return ctl < 0 ? ctl : 0;
	}
	if ((a = calloc(n, sizeof(*a))) == NULL ||
	    (b = calloc(n, sizeof(*b))) == NULL ||
	    (ta = calloc(n, sizeof(*ta))) == NULL ||
	    (tb = calloc(n, sizeof(*tb))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct hq_login_try t[2];
		char user[24], pw[2][24];
		int order = (int)(i % 2), k;

		/* A fresh random user and passwords each trial; the order of
		 * the pair alternates so that drift hits both groups. */
		memcpy(user, "hq", 2);
		if ((rc = hq_pw_random(user + 2, 10, err)) != 0 ||
		    (rc = hq_pw_random(pw[0], 16, err)) != 0 ||
		    (rc = hq_pw_random(pw[1], 16, err)) != 0)
			goto out;
		for (k = 0; k < 2; k++) {
			int g = k ^ order;	/* 0: wrong user, 1: wrong pw */

			if ((rc = attempt1(c, sf, g == 0 ? "wrong user" :
			    "wrong password", g == 0 ? user : dut->op_user,
			    pw[g], true, &t[g], err)) != 0)
				goto out;
		}
		for (k = 0; k < 2; k++)
			if (t[k].res != HQ_LOGIN_REFUSED) {
				snprintf(inc, incsz, "%s: a %s attempt was %s "
				    "(%s)", sf->id, k == 0 ? "wrong-user" :
				    "wrong-password", hq_login_res_name(
				    t[k].res), t[k].why);
				hq_login_try_clear(t, 2);
				goto out;
			}
		if (i == 0) {
			hq_transcript_printf(c->tr, "--- wrong user, first "
			    "response ---\n");
			hq_transcript_bytes(c->tr, "<", t[0].head != NULL ?
			    t[0].head : "", t[0].head != NULL ?
			    strlen(t[0].head) : 0);
			hq_transcript_bytes(c->tr, "<", t[0].body != NULL ?
			    t[0].body : "", t[0].body_len);
			hq_transcript_printf(c->tr, "--- wrong password, "
			    "first response ---\n");
			hq_transcript_bytes(c->tr, "<", t[1].head != NULL ?
			    t[1].head : "", t[1].head != NULL ?
			    strlen(t[1].head) : 0);
			hq_transcript_bytes(c->tr, "<", t[1].body != NULL ?
			    t[1].body : "", t[1].body_len);
		}
		sample_from(&a[i], &t[0]);
		sample_from(&b[i], &t[1]);
		ta[i] = a[i].ms;
		tb[i] = b[i].ms;
		hq_login_try_clear(t, 2);
		nwp++;
		/* Keep below the lock threshold: a successful login resets
		 * the failure counter on most devices. */
		if (c->p.reset_every > 0 && nwp >= (size_t)c->p.reset_every &&
		    i + 1 < n) {
			nwp = 0;
			if ((ctl = controls(c, sf, false, why, sizeof(why),
			    err)) != 0) {
				if (ctl > 0)
					snprintf(inc, incsz, "%s during the "
					    "trials (a lock engaged?)", why);
				rc = ctl < 0 ? ctl : 0;
				goto out;
			}
		}
		if (c->p.pace_ms > 0 && (rc = hq_sleep_ms(c->p.pace_ms)) != 0) {
			rc = hq_err_set(err, rc, "interrupted");
			goto out;
		}
	}
	if ((ctl = controls(c, sf, false, why, sizeof(why), err)) != 0) {
		if (ctl > 0)
			snprintf(inc, incsz, "%s after the trials (a lock "
			    "engaged?)", why);
		rc = ctl < 0 ? ctl : 0;
		goto out;
	}
	/* Content: a difference that holds for every trial. */
	if (disjoint(a, b, n, 0)) {
		hq_finding(c->res, "%s (%s): status differs: wrong user -> %ld, "
		    "wrong password -> %ld", sf->id,
		    hq_login_kind_name(sf->login_kind), a[0].code, b[0].code);
		(*nfailp)++;
		*whatp |= EN_STATUS;
	} else if (disjoint(a, b, n, 3)) {
		/* The same code with other words: "401 Unauthorized (unknown
		 * user)" (RTSP and SIP-like servers say it there). */
		char x[200], y[200];

		hq_escape(x, sizeof(x), a[0].phrase, strlen(a[0].phrase));
		hq_escape(y, sizeof(y), b[0].phrase, strlen(b[0].phrase));
		hq_finding(c->res, "%s (%s): status line differs: wrong user -> "
		    "%ld \"%.80s\", wrong password -> %ld \"%.80s\"", sf->id,
		    hq_login_kind_name(sf->login_kind), a[0].code, x,
		    b[0].code, y);
		(*nfailp)++;
		*whatp |= EN_PHRASE;
	}
	if (disjoint(a, b, n, 1)) {
		char x[200], y[200];

		hq_escape(x, sizeof(x), a[0].bodyn, strlen(a[0].bodyn));
		hq_escape(y, sizeof(y), b[0].bodyn, strlen(b[0].bodyn));
		hq_finding(c->res, "%s (%s): body differs: wrong user -> \"%.80s"
		    "\", wrong password -> \"%.80s\"", sf->id,
		    hq_login_kind_name(sf->login_kind), x, y);
		(*nfailp)++;
		*whatp |= EN_BODY;
	}
	if (disjoint(a, b, n, 2)) {
		char x[200], y[200];

		first_diff(a[0].headn, b[0].headn, x, sizeof(x));
		first_diff(b[0].headn, a[0].headn, y, sizeof(y));
		hq_finding(c->res, "%s (%s): headers differ: wrong user has "
		    "\"%.80s\", wrong password has \"%.80s\"", sf->id,
		    hq_login_kind_name(sf->login_kind), x, y);
		(*nfailp)++;
		*whatp |= EN_HEAD;
	}
	/* Timing: Mann-Whitney U, two-sided; a difference must be both
	 * significant (p < alpha) and at least min_effect_ms in medians. */
	if ((rc = hq_stats_mwu(ta, n, tb, n, &u)) != 0) {
		rc = hq_err_set(err, rc, "Mann-Whitney U");
		goto out;
	}
	ma = hq_stats_median(ta, n);
	mb = hq_stats_median(tb, n);
	{
		cJSON *s = cJSON_CreateObject();

		cJSON_AddStringToObject(s, "surface", sf->id);
		cJSON_AddStringToObject(s, "test", "Mann-Whitney U, two-sided, "
		    "normal approximation with tie and continuity correction");
		cJSON_AddNumberToObject(s, "n_wrong_user", (double)n);
		cJSON_AddNumberToObject(s, "n_wrong_password", (double)n);
		cJSON_AddNumberToObject(s, "median_wrong_user_ms", ma);
		cJSON_AddNumberToObject(s, "median_wrong_password_ms", mb);
		cJSON_AddNumberToObject(s, "U", u.u);
		cJSON_AddNumberToObject(s, "z", u.z);
		cJSON_AddNumberToObject(s, "p", u.p);
		cJSON_AddNumberToObject(s, "alpha", c->p.alpha);
		cJSON_AddItemToArray(stats, s);
	}
	hq_measure(c->res, "median_wrong_user", ma, "ms", NULL, 0, 0);
	hq_measure(c->res, "median_wrong_password", mb, "ms", NULL, 0, 0);
	hq_measure(c->res, "timing_p_value", u.p, "1", ">=", c->p.alpha, 0);
	hq_step(c->res, "%s: %zu trials each; medians %.2f ms (wrong user) "
	    "and %.2f ms (wrong password); Mann-Whitney U=%.1f, z=%.2f, "
	    "p=%.3g", sf->id, n, ma, mb, u.u, u.z, u.p);
	if (u.p < c->p.alpha && fabs(ma - mb) >= c->p.min_effect_ms) {
		hq_finding(c->res, "%s (%s): response time differs: wrong user "
		    "median %.1f ms, wrong password median %.1f ms over %zu "
		    "trials each (Mann-Whitney U two-sided p=%.2g < %g, "
		    "difference >= %g ms)", sf->id,
		    hq_login_kind_name(sf->login_kind), ma, mb, n, u.p,
		    c->p.alpha, c->p.min_effect_ms);
		(*nfailp)++;
		*whatp |= EN_TIME;
	}
 out:
	for (i = 0; a != NULL && i < n; i++) {
		free(a[i].bodyn);
		free(a[i].headn);
	}
	for (i = 0; b != NULL && i < n; i++) {
		free(b[i].bodyn);
		free(b[i].headn);
	}
	free(a);
	free(b);
	free(ta);
	free(tb);
	return rc;
}

static int
run_enum(struct cx *c, struct hq_err *err)
{
	const struct hq_dut *dut = c->ctx->dut;
	char inc[HQ_ERR_MSG_MAX] = "", what[160] = "", test[160];
	cJSON *stats = cJSON_CreateArray();
	size_t i, nsf = 0, nfail = 0, o = 0;
	unsigned w = 0;
	int rc = 0;

	if (!need_operator(c))
		goto out;
	for (i = 0; i < dut->nsurfaces; i++) {
		const struct hq_surface *sf = &dut->surfaces[i];

		if (!kind_wanted(c, sf))
			continue;
		nsf++;
		if ((rc = enum_surface(c, sf, &nfail, &w, inc, sizeof(inc),
		    stats, err)) != 0)
			goto out;
	}
	hq_detail(c->res, "timing", stats);
	stats = NULL;
	snprintf(test, sizeof(test), "Mann-Whitney U test, two-sided, "
	    "alpha %g, medians at least %g ms apart", c->p.alpha,
	    c->p.min_effect_ms);
	{
		static const struct { unsigned bit; const char *name; } wn[] = {
			{ EN_STATUS, "status" }, { EN_PHRASE, "status line" },
			{ EN_BODY, "body" }, { EN_HEAD, "headers" },
			{ EN_TIME, "response time" },
		};

		for (i = 0; i < sizeof(wn) / sizeof(wn[0]); i++)
			if ((w & wn[i].bit) != 0 && o < sizeof(what))
				o += (size_t)snprintf(what + o, sizeof(what) -
				    o, "%s%s", o > 0 ? ", " : "", wn[i].name);
	}
	if (nfail > 0)
		hq_verdict(c->res, HQ_FAIL, "wrong-user and wrong-password "
		    "attempts can be told apart by %s (%zu finding%s; "
		    "timing: %s)", what, nfail, nfail == 1 ? "" : "s", test);
	else if (nsf == 0)
		hq_verdict(c->res, HQ_NOT_APPLICABLE, "the DUT description "
		    "declares no login surface of a supported kind");
	else if (inc[0] != '\0')
		hq_verdict(c->res, HQ_INCONCLUSIVE, "%s", inc);
	else
		pass_verdict(c, "on %zu surface%s, %lld wrong-user and %lld "
		    "wrong-password attempts gave the same status, body and "
		    "headers, and no response-time difference (%s)", nsf,
		    nsf == 1 ? "" : "s", c->p.trials, c->p.trials, test);
 out:
	cJSON_Delete(stats);
	return rc;
}

/* ---- session-timeout: national criteria (automatic logout after idle
 * time), IEC 62443-4-2 CR 2.6 ---- */

struct sess {
	const struct hq_surface	*sf;
	struct hq_login_try	 t;
};

static int
run_session(struct cx *c, struct hq_err *err)
{
	const struct hq_dut *dut = c->ctx->dut;
	struct sess *s = NULL;
	char why[HQ_ERR_MSG_MAX], inc[HQ_ERR_MSG_MAX] = "";
	size_t i, n = 0, nfail = 0, nok = 0;
	double wait_s = c->p.idle_s + c->p.grace_s;
	int rc = 0, ctl;

	if (!need_operator(c))
		goto out;
	if ((s = calloc(dut->nsurfaces + 1, sizeof(*s))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if ((ctl = lock_wait(c, why, sizeof(why), err)) != 0) {
		if (ctl > 0)
			hq_verdict(c->res, HQ_INCONCLUSIVE, "%s", why);
		rc = ctl < 0 ? ctl : 0;
		goto out;
	}
	for (i = 0; i < dut->nsurfaces; i++) {
		const struct hq_surface *sf = &dut->surfaces[i];
		struct hq_login_cfg cfg;
		long code;
		bool acc;

		if (!kind_wanted(c, sf) ||
		    !hq_login_kind_has_session(sf->login_kind))
			continue;
		cfg_for(c, sf, &cfg);
		/* Control: no session, no access. */
		if ((rc = hq_login_session_probe(&cfg, NULL, NULL, &code, &acc,
		    c->ctx->deadline, err)) != 0)
			goto out;
		hq_transcript_printf(c->tr, "[%9.3f s] %s: probe without a "
		    "session -> %ld\n", since_s(c), sf->id, code);
		s[n].sf = sf;
		if ((rc = attempt1(c, sf, "login (operator)", dut->op_user,
		    dut->op_password, false, &s[n].t, err)) != 0)
			goto out;
		n++;
		if (acc) {
			snprintf(inc, sizeof(inc), "control failed on %s: the "
			    "probe path answers %ld without a session", sf->id,
			    code);
			continue;
		}
		if (s[n - 1].t.res != HQ_LOGIN_ACCEPTED ||
		    (s[n - 1].t.token == NULL && s[n - 1].t.cookies == NULL)) {
			snprintf(inc, sizeof(inc), "control failed on %s: the "
			    "operator login gave no session token (%s)",
			    sf->id, s[n - 1].t.why);
			continue;
		}
		if ((rc = hq_login_session_probe(&cfg, s[n - 1].t.token,
		    s[n - 1].t.cookies, &code, &acc, c->ctx->deadline,
		    err)) != 0)
			goto out;
		hq_transcript_printf(c->tr, "[%9.3f s] %s: probe with the "
		    "fresh session -> %ld\n", since_s(c), sf->id, code);
		if (!acc) {
			snprintf(inc, sizeof(inc), "control failed on %s: a "
			    "fresh session was refused (%ld)", sf->id, code);
			continue;
		}
		hq_step(c->res, "%s: session opened; anonymous probe refused, "
		    "session probe accepted", sf->id);
		nok++;
	}
	if (n == 0) {
		hq_verdict(c->res, HQ_NOT_APPLICABLE, "the DUT description "
		    "declares no login surface with sessions (kind form)");
		goto out;
	}
	if (nok == 0) {
		hq_verdict(c->res, HQ_INCONCLUSIVE, "%s", inc);
		goto out;
	}
	if (hq_deadline_poll_ms(c->ctx->deadline) >= 0 &&
	    hq_deadline_poll_ms(c->ctx->deadline) < (int)(wait_s * 1000) +
	    c->p.timeout_ms) {
		rc = hq_err_set(err, HQ_ETIMEDOUT, "the case timeout is "
		    "shorter than idle_s + grace_s (%g s)", wait_s);
		goto out;
	}
	hq_step(c->res, "idle for %.1f s (limit %g s + %g s grace)",
	    wait_s, c->p.idle_s, c->p.grace_s);
	if ((rc = hq_sleep_ms((int64_t)(wait_s * 1000))) != 0) {
		rc = hq_err_set(err, rc, "interrupted");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct hq_login_cfg cfg;
		long code;
		bool acc;

		if (s[i].t.res != HQ_LOGIN_ACCEPTED)
			continue;
		cfg_for(c, s[i].sf, &cfg);
		if ((rc = hq_login_session_probe(&cfg, s[i].t.token,
		    s[i].t.cookies, &code, &acc, c->ctx->deadline, err)) != 0)
			goto out;
		hq_transcript_printf(c->tr, "[%9.3f s] %s: probe with the "
		    "idle session -> %ld\n", since_s(c), s[i].sf->id, code);
		if (acc) {
			hq_finding(c->res, "%s: session still accepted after "
			    "%.1f s idle (status %ld); profile limit %g s",
			    s[i].sf->id, wait_s, code, c->p.idle_s);
			nfail++;
		} else
			hq_step(c->res, "%s: idle session refused (status %ld)",
			    s[i].sf->id, code);
	}
	hq_measure(c->res, "idle_before_probe", wait_s, "s", "<=",
	    c->p.idle_s + c->p.grace_s, 0);
	if (nfail > 0)
		hq_verdict(c->res, HQ_FAIL, "an idle session outlived the %g "
		    "s limit on %zu surface%s", c->p.idle_s, nfail,
		    nfail == 1 ? "" : "s");
	else if (inc[0] != '\0')
		hq_verdict(c->res, HQ_INCONCLUSIVE, "%s", inc);
	else
		pass_verdict(c, "idle session refused after %.1f s on %zu "
		    "surface%s (limit %g s)", wait_s, nok, nok == 1 ? "" : "s",
		    c->p.idle_s);
 out:
	for (i = 0; s != NULL && i < n; i++)
		hq_login_try_clear(&s[i].t, 1);
	free(s);
	return rc;
}

static int
creds_run(struct hq_ctx *ctx, const struct hq_case *tc, struct hq_result *res,
    struct hq_err *err)
{
	struct cx c = { .ctx = ctx, .tc = tc, .res = res };
	const char *sec[HQ_DUT_SURFACES_MAX];
	size_t i, nsec;
	int rc, rc2;

	if ((rc = cp_read(tc->params, &c.p, err)) != 0)
		goto out;
	if ((c.tr = hq_transcript_new(1u << 20)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	/* Belt and braces: the DUT's own secrets never reach evidence. */
	nsec = hq_dut_secrets(ctx->dut, sec, HQ_DUT_SURFACES_MAX);
	for (i = 0; i < nsec; i++)
		hq_transcript_redact(c.tr, sec[i]);
	c.t0 = hq_mono_ns();
	hq_slug(tc->id, c.slug, sizeof(c.slug));
	hq_transcript_printf(c.tr, "hopquy creds %s on %s; passwords shown "
	    "as first character and length only\n", c.p.check,
	    ctx->dut->address != NULL ? ctx->dut->address : "?");
	if (strcmp(c.p.check, "factory-passwords") == 0)
		rc = run_factory(&c, err);
	else if (ctx->dut->address == NULL)
		hq_verdict(res, HQ_INCONCLUSIVE, "the DUT description gives no "
		    "address");
	else if (strcmp(c.p.check, "default-dictionary") == 0)
		rc = run_dictionary(&c, err);
	else if (strcmp(c.p.check, "lockout-engage") == 0)
		rc = run_lockout(&c, false, err);
	else if (strcmp(c.p.check, "lockout-duration") == 0)
		rc = run_lockout(&c, true, err);
	else if (strcmp(c.p.check, "user-enumeration") == 0)
		rc = run_enum(&c, err);
	else
		rc = run_session(&c, err);
	if (strcmp(c.p.check, "factory-passwords") != 0 &&
	    (rc2 = save_transcript(&c, rc == 0 ? err : &(struct hq_err){ 0 }))
	    != 0 && rc == 0)
		rc = rc2;
 out:
	hq_transcript_free(c.tr);
	cp_clear(&c.p);
	return rc;
}

const struct hq_family hq_family_creds = {
	.name		= "creds",
	.summary	= "no universal default password, unique factory "
			  "passwords, lockout, no user enumeration, session "
			  "timeout",
	.flags		= 0,
	.check_params	= creds_check_params,
	.run		= creds_run,
};
