/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family `deletion`: user data is really gone (QCVN 135:2024 groups 7 and
 * 9, EN 303 645 5.11-1/-2/-4, IEC 62443-4-2 CR 4.2).  With the DUT file's
 * data recipes (wire/steps.h): create data of each declared kind, prove it
 * present (and prove the absent recipe able to see it), run the device's
 * user-facing deletion (check "deletion") or its factory reset (check
 * "factory-reset"), then prove every kind absent, the deleted account's
 * password and every session token issued before refused on every login
 * surface (wire/login.h), and the cloud told (data.notified).  A FAIL
 * names the kind that survived and the recipe step and surface that saw
 * it.  A recipe that cannot create or see its data is a failed control:
 * INCONCLUSIVE, never PASS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "util/jv.h"
#include "wire/login.h"
#include "wire/steps.h"

#define SURF_MAX	16

static const char *const del_keys[] = {
	"check", "function", "kinds", "timeout_ms", "connect_timeout_ms",
	"settle_s", "cloud_wait_s", "reset_wait_s", NULL
};
static const char *const checks[] = { "deletion", "factory-reset", NULL };
static const char *const functions[] = { "delete", "delete_all", NULL };

struct del_params {
	char		*check;
	char		*function;
	char		**kinds;	/* kinds the profile requires */
	size_t		 nkinds;
	long long	 timeout_ms;
	long long	 connect_ms;
	long long	 settle_s;
	long long	 cloud_wait_s;
	long long	 reset_wait_s;
};

/* A login surface's probe state: the session issued before. */
struct probe {
	const struct hq_surface	*sf;
	char			*token;
	char			*cookies;
	bool			 has_session;
};

struct dx {
	struct hq_ctx		*ctx;
	struct hq_result	*res;
	struct del_params	 p;
	struct hq_steps		*st;
	struct hq_transcript	*tr;
	struct probe		 user[SURF_MAX];	/* the created user */
	struct probe		 op[SURF_MAX];		/* the operator */
	size_t			 nuser, nop;
	size_t			 nfind, nerr, nkinds_ok;
	char			 errs[256];
};

static void
params_clear(struct del_params *p)
{
	free(p->check);
	free(p->function);
	hq_strv_free(p->kinds, p->nkinds);
	memset(p, 0, sizeof(*p));
}

static int
params_read(const cJSON *j, struct del_params *p, struct hq_err *err)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = hq_jv_keys(j, "", del_keys, err)) != 0 ||
	    (rc = hq_jv_enum(j, "", "check", true, checks, &p->check,
	    err)) != 0 ||
	    (rc = hq_jv_enum(j, "", "function", false, functions,
	    &p->function, err)) != 0 ||
	    (rc = hq_jv_strv(j, "", "kinds", false, 16, &p->kinds, &p->nkinds,
	    err)) != 0 ||
	    (rc = hq_jv_int(j, "", "timeout_ms", false, 100, 120000, 10000,
	    &p->timeout_ms, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "connect_timeout_ms", false, 50, 60000,
	    3000, &p->connect_ms, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "settle_s", false, 0, 3600, 2,
	    &p->settle_s, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "cloud_wait_s", false, 0, 3600, 30,
	    &p->cloud_wait_s, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "reset_wait_s", false, 1, 3600, 120,
	    &p->reset_wait_s, err)) != 0)
		return rc;
	if (p->function == NULL && (p->function = strdup("delete")) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	return 0;
}

static int
del_check_params(const cJSON *params, struct hq_err *err)
{
	struct del_params p;
	int rc = params_read(params, &p, err);

	params_clear(&p);
	return rc;
}

static void
on_trace(void *arg, const char *line)
{
	struct dx *x = arg;

	hq_transcript_printf(x->tr, "[%9.3f s] %s\n",
	    (double)(hq_mono_ns() - x->ctx->t0_ns) / 1e9, line);
}

static void
note_error(struct dx *x, const char *what, const char *msg)
{
	x->nerr++;
	if (x->errs[0] == '\0')
		snprintf(x->errs, sizeof(x->errs), "%s%s", what, msg);
}

/* Where a step ran, for findings: "data.kinds.x.absent[0] on web (GET
 * /api/x/7)". */
static void
where(const struct hq_step_out *o, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s on %s (%s %s)", o->where, o->surface,
	    o->method, o->path);
}

static const cJSON *
kind_list(const cJSON *kind, const char *which)
{
	return cJSON_GetObjectItemCaseSensitive(kind, which);
}

/*
 * Creates every kind, proves it present, and proves the absent recipe
 * able to fail (it must not report absence of data that is there).
 * Returns 0, 1 when a control failed (verdict set), negative on error.
 */
static int
create_all(struct dx *x, const cJSON *kinds, struct hq_err *err)
{
	const cJSON *k;
	struct hq_step_out o;
	char name[160], w[512];
	int rc;

	cJSON_ArrayForEach(k, kinds) {
		snprintf(name, sizeof(name), "data.kinds.%s.create", k->string);
		rc = hq_steps_run(x->st, kind_list(k, "create"), name,
		    x->ctx->deadline, &o, err);
		where(&o, w, sizeof(w));
		if (rc < 0)
			return rc;
		if (rc != 0) {
			hq_verdict(x->res, HQ_INCONCLUSIVE, "control failed: "
			    "%s could not create %s data: %s: %s", name,
			    k->string, w, o.why);
			return 1;
		}
		hq_step(x->res, "%s: created (%s)", k->string, w);
		snprintf(name, sizeof(name), "data.kinds.%s.present",
		    k->string);
		rc = hq_steps_run(x->st, kind_list(k, "present"), name,
		    x->ctx->deadline, &o, err);
		where(&o, w, sizeof(w));
		if (rc < 0)
			return rc;
		if (rc != 0) {
			hq_verdict(x->res, HQ_INCONCLUSIVE, "control failed: "
			    "%s does not see the %s data just created: %s: %s",
			    name, k->string, w, o.why);
			return 1;
		}
		hq_step(x->res, "%s: present (%s, status %ld)", k->string, w,
		    o.status);
		snprintf(name, sizeof(name), "data.kinds.%s.absent", k->string);
		rc = hq_steps_run(x->st, kind_list(k, "absent"), name,
		    x->ctx->deadline, &o, err);
		where(&o, w, sizeof(w));
		if (rc < 0)
			return rc;
		if (rc == 0) {
			hq_verdict(x->res, HQ_INCONCLUSIVE, "control failed: "
			    "%s reports the %s data absent while it is "
			    "present, so it cannot prove a deletion", name,
			    k->string);
			return 1;
		}
		hq_step(x->res, "%s: the absent recipe sees it (%s: %s)",
		    k->string, w, o.why);
	}
	return 0;
}

static void
probe_clear(struct probe *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		hq_secret_free(v[i].token);
		hq_secret_free(v[i].cookies);
		v[i].token = v[i].cookies = NULL;
	}
}

static void
cfg_for(const struct dx *x, const struct hq_surface *sf,
    struct hq_login_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->addr = x->ctx->dut->address;
	cfg->sf = sf;
	cfg->connect_timeout_ms = (int)x->p.connect_ms;
	cfg->timeout_ms = (int)x->p.timeout_ms;
	cfg->parallel = 1;
	cfg->fresh_conn = true;
}

/* One login; 0 with *resp set; the session kept in pr when accepted. */
static int
login1(struct dx *x, struct probe *pr, const char *who, const char *user,
    const char *pw, enum hq_login_res *resp, struct hq_err *err)
{
	struct hq_login_cfg cfg;
	struct hq_login_try t = { 0 };
	int rc;

	cfg_for(x, pr->sf, &cfg);
	t.user = user;
	t.password = pw;
	if ((rc = hq_login_run(&cfg, &t, 1, x->ctx->deadline, err)) != 0)
		return rc;
	*resp = t.res;
	hq_transcript_printf(x->tr, "[%9.3f s] login %s on %s (%s): %s "
	    "(%s)\n", (double)(hq_mono_ns() - x->ctx->t0_ns) / 1e9, who,
	    pr->sf->id, pr->sf->login_kind, hq_login_res_name(t.res), t.why);
	if (t.token != NULL)
		hq_transcript_redact(x->tr, t.token);
	if (t.res == HQ_LOGIN_ACCEPTED && pr->has_session &&
	    (t.token != NULL || t.cookies != NULL)) {
		hq_secret_free(pr->token);
		hq_secret_free(pr->cookies);
		pr->token = t.token;
		pr->cookies = t.cookies;
		t.token = t.cookies = NULL;
	}
	hq_login_try_clear(&t, 1);
	return 0;
}

static bool
surface_listed(const cJSON *list, const char *id)
{
	const cJSON *it;

	if (list == NULL)
		return true;
	cJSON_ArrayForEach(it, list)
		if (cJSON_IsString(it) && strcmp(it->valuestring, id) == 0)
			return true;
	return false;
}

/* The login surfaces to probe (data.login.surfaces, else all). */
static size_t
pick_surfaces(struct dx *x, struct probe *v)
{
	const struct hq_dut *d = x->ctx->dut;
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(d->data, "login");
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(l, "surfaces");
	size_t i, n = 0;

	for (i = 0; i < d->nsurfaces && n < SURF_MAX; i++) {
		const struct hq_surface *sf = &d->surfaces[i];

		if (sf->login_kind == NULL ||
		    !hq_login_kind_supported(sf->login_kind) ||
		    !surface_listed(sv, sf->id))
			continue;
		memset(&v[n], 0, sizeof(v[n]));
		v[n].sf = sf;
		v[n].has_session = hq_login_kind_has_session(sf->login_kind);
		n++;
	}
	return n;
}

/* The created account's credentials from data.login, expanded. */
static int
user_creds(struct dx *x, char **userp, char **pwp, struct hq_err *err)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(x->ctx->dut->data,
	    "login");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(l, "user");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(l, "password");
	int rc;

	*userp = *pwp = NULL;
	if (!cJSON_IsString(u) || !cJSON_IsString(p))
		return 0;
	if ((rc = hq_steps_expand(x->st, u->valuestring, userp, err)) != 0 ||
	    (rc = hq_steps_expand(x->st, p->valuestring, pwp, err)) != 0)
		return rc;
	hq_transcript_redact(x->tr, *pwp);
	return 0;
}

/* Before: the created user logs in on every probe surface (control). */
static int
logins_before(struct dx *x, struct probe *v, size_t n, const char *who,
    const char *user, const char *pw, struct hq_err *err)
{
	enum hq_login_res r;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if ((rc = login1(x, &v[i], who, user, pw, &r, err)) != 0)
			return rc;
		if (r != HQ_LOGIN_ACCEPTED) {
			hq_verdict(x->res, HQ_INCONCLUSIVE, "control failed: "
			    "the %s does not log in on surface %s (%s) before "
			    "the deletion, so a refusal after it proves "
			    "nothing", who, v[i].sf->id,
			    hq_login_res_name(r));
			return 1;
		}
		hq_step(x->res, "%s logs in on %s (%s)%s", who, v[i].sf->id,
		    v[i].sf->login_kind, v[i].token != NULL ||
		    v[i].cookies != NULL ? "; session token kept" : "");
	}
	return 0;
}

/* After: the old password and every old token refused. */
static int
logins_after(struct dx *x, struct probe *v, size_t n, const char *who,
    const char *user, const char *pw, size_t *nrefp, size_t *ntokp,
    struct hq_err *err)
{
	struct hq_login_cfg cfg;
	struct hq_err lerr = { 0 };
	enum hq_login_res r;
	bool acc;
	long code;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (pw != NULL) {
			struct probe tmp = v[i];

			tmp.token = tmp.cookies = NULL;
			tmp.has_session = false;
			if ((rc = login1(x, &tmp, who, user, pw, &r,
			    err)) != 0)
				return rc;
			if (r == HQ_LOGIN_ACCEPTED) {
				x->nfind++;
				hq_finding(x->res, "account: the %s's old "
				    "password still logs in on surface %s "
				    "(%s)", who, v[i].sf->id,
				    v[i].sf->login_kind);
			} else if (r == HQ_LOGIN_REFUSED) {
				(*nrefp)++;
				hq_step(x->res, "%s's old password refused on "
				    "%s", who, v[i].sf->id);
			} else
				note_error(x, "login probe: ",
				    hq_login_res_name(r));
		}
		if (v[i].token == NULL && v[i].cookies == NULL)
			continue;
		cfg_for(x, v[i].sf, &cfg);
		hq_err_clear(&lerr);
		if ((rc = hq_login_session_probe(&cfg, v[i].token,
		    v[i].cookies, &code, &acc, x->ctx->deadline,
		    &lerr)) != 0) {
			if (rc == HQ_EINTR)
				return hq_err_set(err, rc, "interrupted");
			note_error(x, "session probe: ", lerr.msg);
			continue;
		}
		hq_transcript_printf(x->tr, "[%9.3f s] old %s session token "
		    "on %s: status %ld\n", (double)(hq_mono_ns() -
		    x->ctx->t0_ns) / 1e9, who, v[i].sf->id, code);
		if (acc) {
			x->nfind++;
			hq_finding(x->res, "session: a token issued to the %s "
			    "before still authenticates on surface %s "
			    "(status %ld)", who, v[i].sf->id, code);
		} else if (code >= 400 && code < 500) {
			(*ntokp)++;
			hq_step(x->res, "old %s token refused on %s (status "
			    "%ld)", who, v[i].sf->id, code);
		} else
			note_error(x, "session probe: ", code == 0 ?
			    "no answer" : "neither accepted nor refused");
	}
	return 0;
}

/* Every kind's absent recipe after the deletion. */
static int
absent_all(struct dx *x, const cJSON *kinds, const char *how,
    struct hq_err *err)
{
	const cJSON *k;
	struct hq_step_out o;
	struct hq_err serr = { 0 };
	char name[160], w[512];
	int rc;

	cJSON_ArrayForEach(k, kinds) {
		snprintf(name, sizeof(name), "data.kinds.%s.absent", k->string);
		hq_err_clear(&serr);
		rc = hq_steps_run(x->st, kind_list(k, "absent"), name,
		    x->ctx->deadline, &o, &serr);
		where(&o, w, sizeof(w));
		if (rc == HQ_EINTR)
			return hq_err_set(err, rc, "interrupted");
		if (rc < 0) {
			note_error(x, "", serr.msg);
			continue;
		}
		if (rc != 0) {
			x->nfind++;
			hq_finding(x->res, "%s: data survived %s: %s: %s",
			    k->string, how, w, o.why);
			continue;
		}
		x->nkinds_ok++;
		hq_step(x->res, "%s: absent after %s (%s, status %ld)",
		    k->string, how, w, o.status);
	}
	return 0;
}

/* data.notified, polled until met or cloud_wait_s: 1 when met. */
static int
cloud_notified(struct dx *x, bool *checkedp, struct hq_err *err)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(x->ctx->dut->data,
	    "notified");
	struct hq_deadline dl = hq_deadline_min(x->ctx->deadline,
	    hq_deadline_in(x->p.cloud_wait_s * 1000));
	struct hq_step_out o, last;
	struct hq_err serr = { 0 };
	char w[512], emsg[256] = "no answer";
	bool unmet = false;
	int rc;

	*checkedp = false;
	if (n == NULL) {
		hq_step(x->res, "cloud notification not checked: the DUT "
		    "file has no data.notified recipe");
		return 0;
	}
	*checkedp = true;
	for (;;) {
		hq_err_clear(&serr);
		rc = hq_steps_run(x->st, n, "data.notified", dl, &o, &serr);
		if (rc == 0) {
			where(&o, w, sizeof(w));
			hq_step(x->res, "the cloud received the deletion (%s)",
			    w);
			return 1;
		}
		if (rc == HQ_EINTR)
			return hq_err_set(err, rc, "interrupted");
		if (rc == HQ_STEPS_UNMET) {
			last = o;	/* the cloud answered: evidence */
			unmet = true;
		} else
			snprintf(emsg, sizeof(emsg), "%s", serr.msg);
		if (hq_deadline_passed(dl) || hq_deadline_poll_ms(dl) < 1500)
			break;
		if (hq_sleep_ms(1000) != 0)
			return hq_err_set(err, HQ_EINTR, "interrupted");
	}
	if (!unmet) {
		note_error(x, "cloud recipe: ", emsg);
		return 0;
	}
	where(&last, w, sizeof(w));
	o = last;
	x->nfind++;
	hq_finding(x->res, "cloud: not notified within %lld s: %s: %s",
	    x->p.cloud_wait_s, w, o.why);
	return 0;
}

/* The factory credential of this unit (its label), or NULL. */
static const struct hq_label *
factory_label(const struct hq_dut *d)
{
	size_t i;

	for (i = 0; i < d->nlabels; i++)
		if (strcmp(d->labels[i].serial, d->serial) == 0)
			return &d->labels[i];
	return NULL;
}

/* After a reset: the factory credential logs in again (polled). */
static int
factory_back(struct dx *x, struct probe *v, size_t n, bool *backp,
    struct hq_err *err)
{
	const struct hq_label *lb = factory_label(x->ctx->dut);
	struct hq_deadline dl = hq_deadline_min(x->ctx->deadline,
	    hq_deadline_in(x->p.reset_wait_s * 1000));
	struct hq_err lerr = { 0 };
	enum hq_login_res r = HQ_LOGIN_NONE;
	size_t i;
	int rc;

	*backp = false;
	if (lb == NULL || n == 0) {
		hq_step(x->res, "factory credential not checked: no label "
		    "for serial %s or no login surface", x->ctx->dut->serial);
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct probe tmp = v[i];

		tmp.token = tmp.cookies = NULL;
		tmp.has_session = false;
		for (;;) {
			hq_err_clear(&lerr);
			rc = login1(x, &tmp, "factory label", lb->user,
			    lb->password, &r, &lerr);
			if (rc == HQ_EINTR)
				return hq_err_set(err, rc, "interrupted");
			if (rc == 0 && r == HQ_LOGIN_ACCEPTED)
				break;
			if (hq_deadline_passed(dl))
				break;
			if (hq_sleep_ms(1000) != 0)
				return hq_err_set(err, HQ_EINTR,
				    "interrupted");
		}
		if (r == HQ_LOGIN_ACCEPTED)
			hq_step(x->res, "factory credential (label %s) logs "
			    "in on %s", lb->serial, v[i].sf->id);
		else if (r == HQ_LOGIN_REFUSED) {
			x->nfind++;
			hq_finding(x->res, "credentials: the factory "
			    "credential (label %s) is refused on surface %s "
			    "after the reset", lb->serial, v[i].sf->id);
			return 0;
		} else {
			note_error(x, "the DUT did not come back after the "
			    "reset: ", hq_login_res_name(r));
			return 0;
		}
	}
	*backp = true;
	return 0;
}

static int
del_run(struct hq_ctx *ctx, const struct hq_case *tc, struct hq_result *res,
    struct hq_err *err)
{
	const struct hq_dut *d = ctx->dut;
	struct hq_steps_cfg sc = { 0 };
	struct hq_step_out o;
	struct dx x;
	const cJSON *kinds, *fn;
	char *user = NULL, *pw = NULL, slug[128], rel[192], w[512],
	    fname[32], kl[256] = "";
	const cJSON *k;
	size_t i, nref = 0, ntok = 0, nkinds;
	bool reset, cloud_checked = false, back = false;
	int rc, notified = 0;

	memset(&x, 0, sizeof(x));
	x.ctx = ctx;
	x.res = res;
	if ((rc = params_read(tc->params, &x.p, err)) != 0)
		goto out;
	reset = strcmp(x.p.check, "factory-reset") == 0;
	snprintf(fname, sizeof(fname), "%s", reset ? "factory_reset" :
	    x.p.function);
	if (d->data == NULL ||
	    (kinds = cJSON_GetObjectItemCaseSensitive(d->data, "kinds")) ==
	    NULL) {
		hq_verdict(res, HQ_INCONCLUSIVE, "the DUT description has no "
		    "data section (data.kinds): nothing to create and delete");
		goto out;
	}
	if ((fn = cJSON_GetObjectItemCaseSensitive(d->data, fname)) == NULL) {
		hq_verdict(res, HQ_INCONCLUSIVE, "the DUT description has no "
		    "data.%s recipe: the device's %s function cannot be run",
		    fname, reset ? "factory reset" : "deletion");
		goto out;
	}
	for (i = 0; i < x.p.nkinds; i++)
		if (cJSON_GetObjectItemCaseSensitive(kinds, x.p.kinds[i]) ==
		    NULL) {
			hq_verdict(res, HQ_INCONCLUSIVE, "the profile needs "
			    "data of kind \"%s\" and the DUT description "
			    "declares no recipe for it", x.p.kinds[i]);
			goto out;
		}
	nkinds = (size_t)cJSON_GetArraySize(kinds);
	cJSON_ArrayForEach(k, kinds)
		snprintf(kl + strlen(kl), sizeof(kl) - strlen(kl), "%s%s",
		    kl[0] != '\0' ? ", " : "", k->string);
	if ((x.tr = hq_transcript_new(512 * 1024)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	sc.dut = d;
	sc.timeout_ms = (int)x.p.timeout_ms;
	sc.trace = on_trace;
	sc.trace_arg = &x;
	if ((rc = hq_steps_new(&sc, &x.st, err)) != 0)
		goto out;
	hq_transcript_redact(x.tr, hq_steps_get(x.st, "secret"));
	if (d->op_password != NULL)
		hq_transcript_redact(x.tr, d->op_password);
	hq_step(res, "%s: %zu kinds of data (%s), run tag %s", reset ?
	    "factory reset" : "user-facing deletion", nkinds, kl,
	    hq_steps_get(x.st, "run"));
	/* 1. create, prove present, prove the absent recipe can fail */
	if ((rc = create_all(&x, kinds, err)) != 0) {
		if (rc > 0)
			rc = 0;
		goto save;
	}
	/* 2. sessions issued before: the created user's, the operator's */
	if ((rc = user_creds(&x, &user, &pw, err)) != 0)
		goto save;
	if (user != NULL) {
		x.nuser = pick_surfaces(&x, x.user);
		if ((rc = logins_before(&x, x.user, x.nuser, "deleted account",
		    user, pw, err)) != 0) {
			if (rc > 0)
				rc = 0;
			goto save;
		}
	} else
		hq_step(res, "no data.login: the account's password and "
		    "tokens are not probed");
	if (reset && d->op_user != NULL && d->op_password != NULL) {
		x.nop = pick_surfaces(&x, x.op);
		if ((rc = logins_before(&x, x.op, x.nop, "operator",
		    d->op_user, d->op_password, err)) != 0) {
			if (rc > 0)
				rc = 0;
			goto save;
		}
	}
	/* 3. the device's own function */
	hq_step(res, "running data.%s", fname);
	rc = hq_steps_run(x.st, fn, reset ? "data.factory_reset" :
	    strcmp(fname, "delete") == 0 ? "data.delete" : "data.delete_all",
	    ctx->deadline, &o, err);
	where(&o, w, sizeof(w));
	if (rc < 0)
		goto save;
	if (rc != 0) {
		hq_verdict(res, HQ_FAIL, "the %s function did not work: %s: %s",
		    reset ? "factory reset" : "deletion", w, o.why);
		rc = 0;
		goto save;
	}
	hq_step(res, "data.%s done (%s, status %ld)", fname, w, o.status);
	if (reset) {
		if ((rc = factory_back(&x, x.op, x.nop, &back, err)) != 0)
			goto save;
	} else if (x.p.settle_s > 0 &&
	    (rc = hq_sleep_ms(x.p.settle_s * 1000)) != 0) {
		rc = hq_err_set(err, rc, "interrupted");
		goto save;
	}
	/* 4. prove every kind absent, passwords and tokens refused */
	if ((rc = absent_all(&x, kinds, reset ? "the factory reset" :
	    "the deletion", err)) != 0)
		goto save;
	if (x.nuser > 0 && (rc = logins_after(&x, x.user, x.nuser,
	    "deleted account", user, pw, &nref, &ntok, err)) != 0)
		goto save;
	if (x.nop > 0 && (rc = logins_after(&x, x.op, x.nop, "operator",
	    NULL, NULL, &nref, &ntok, err)) != 0)
		goto save;
	/* 5. the cloud */
	/* 5. the cloud told of the user's deletion (data.notified) */
	if (!reset && (rc = cloud_notified(&x, &cloud_checked, err)) < 0)
		goto save;
	notified = rc;
	rc = 0;
	hq_measure(res, "kinds_absent", (double)x.nkinds_ok, "kinds", "==",
	    (double)nkinds, 0);
	if (x.nfind > 0)
		hq_verdict(res, HQ_FAIL, "%zu finding%s after the %s (see "
		    "findings: each names the kind of data or credential and "
		    "where it was seen)", x.nfind, x.nfind == 1 ? "" : "s",
		    reset ? "factory reset" : "deletion");
	else if (x.nerr > 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "%zu check%s without a usable "
		    "answer: %s", x.nerr, x.nerr == 1 ? "" : "s", x.errs);
	else
		hq_verdict(res, HQ_PASS, "%zu kind%s of data (%s) created, "
		    "proven present, and proven absent after the %s (%s)%s%s"
		    "%s%s", nkinds, nkinds == 1 ? "" : "s", kl, reset ?
		    "factory reset" : "deletion", w, nref > 0 ?
		    "; the old password refused on every login surface" : "",
		    ntok > 0 ? "; every session token issued before refused" :
		    "", cloud_checked && notified ? "; the cloud received the "
		    "deletion" : "", reset && back ? "; the factory credential "
		    "logs in again" : "");
 save:
	hq_slug(tc->id, slug, sizeof(slug));
	snprintf(rel, sizeof(rel), "deletion/%s-transcript.txt", slug);
	if (x.tr != NULL) {
		struct hq_err serr = { 0 };

		if (pw != NULL)
			hq_transcript_redact(x.tr, pw);
		if (hq_transcript_save(x.tr, ctx->ev, rel, &serr) == 0)
			hq_result_evidence(res, rel);
		else if (rc == 0)
			rc = hq_err_set(err, serr.code, "%s", serr.msg);
	}
 out:
	free(user);
	hq_secret_free(pw);
	probe_clear(x.user, x.nuser);
	probe_clear(x.op, x.nop);
	hq_steps_free(x.st);
	hq_transcript_free(x.tr);
	params_clear(&x.p);
	return rc;
}

const struct hq_family hq_family_deletion = {
	.name		= "deletion",
	.summary	= "user data created, deleted through the device's "
			  "function (or a factory reset), proven gone: "
			  "recipes, old password, old tokens, cloud told",
	.flags		= 0,
	.check_params	= del_check_params,
	.run		= del_run,
};
