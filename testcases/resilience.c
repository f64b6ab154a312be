/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family `resilience`: the device recovers by itself (QCVN 135:2024 group
 * 8, EN 303 645 5.9-1/-2/-3, IEC 62443-4-2 CR 7.4).  Check "power-cycle":
 * the DUT file's power driver (power.driver: a command's argv, an HTTP
 * power switch driven by recipe steps, the simulator's power-cycle hook
 * (a signal to the pid in power.pidfile), or manual: the operator is
 * prompted, with a deadline) cycles the power; check "outage": the bench
 * cuts the DUT's uplink (ctx->bench) for the profile's length.  Then the
 * time until each declared TCP surface accepts a connection again and
 * until the cloud link recipe (power.cloud) holds again is measured
 * against the profile's limits; data raised during the outage
 * (power.during) must reach the cloud (power.backlog), and a setting
 * written before (power.setting.write) must read back (power.setting.read).
 * Controls: every surface measured answered before, the cloud recipe held
 * before, the setting recipes worked before, and the outage was real (a
 * surface seen down after a power cycle; the cloud recipe failing during a
 * cut).  Every power action and return is a timestamped step and a
 * timeline entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "family.h"
#include "signal/timeline.h"
#include "util/jv.h"
#include "wire/net.h"
#include "wire/power.h"
#include "wire/steps.h"

#define SURF_MAX	32
#define NS_PER_MS	1000000LL

static const char *const res_keys[] = {
	"check", "outage_s", "cut", "recover_limit_s", "cloud_limit_s",
	"grace_s", "probe_ms", "down_wait_s", "timeout_ms", NULL
};
static const char *const checks[] = { "power-cycle", "outage", NULL };

struct res_params {
	char		*check;
	char		*cut;
	long long	 outage_s;
	long long	 recover_s;
	long long	 cloud_s;
	long long	 grace_s;
	long long	 probe_ms;
	long long	 down_wait_s;
	long long	 timeout_ms;
};

struct surf {
	const struct hq_surface	*sf;
	bool			 before;	/* answered before */
	bool			 down;		/* seen down after */
	int64_t			 back_ns;	/* 0: not yet */
};

struct rx {
	struct hq_ctx		*ctx;
	struct hq_result	*res;
	struct res_params	 p;
	struct hq_steps		*st;
	struct hq_transcript	*tr;
	struct surf		 s[SURF_MAX];
	size_t			 ns;
	bool			 need_down;	/* a return counts only after
						 * the surface was seen down */
	cJSON			*timeline;
	cJSON			*net, *stim, *ret;	/* drawn rows */
	size_t			 nfind, nerr;
	char			 errs[256];
};

static void
params_clear(struct res_params *p)
{
	free(p->check);
	free(p->cut);
	memset(p, 0, sizeof(*p));
}

static int
params_read(const cJSON *j, struct res_params *p, struct hq_err *err)
{
	enum hq_cut_mode m;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = hq_jv_keys(j, "", res_keys, err)) != 0 ||
	    (rc = hq_jv_enum(j, "", "check", true, checks, &p->check,
	    err)) != 0 ||
	    (rc = hq_jv_str(j, "", "cut", false, 32, &p->cut, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "outage_s", false, 1, 86400, 60,
	    &p->outage_s, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "recover_limit_s", true, 1, 86400, 0,
	    &p->recover_s, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "cloud_limit_s", false, 1, 86400, 120,
	    &p->cloud_s, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "grace_s", false, 0, 86400, 30,
	    &p->grace_s, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "probe_ms", false, 50, 60000, 250,
	    &p->probe_ms, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "down_wait_s", false, 1, 3600, 15,
	    &p->down_wait_s, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "timeout_ms", false, 100, 120000, 5000,
	    &p->timeout_ms, err)) != 0)
		return rc;
	if (p->cut == NULL && (p->cut = strdup("blackhole")) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	return hq_cut_mode_parse(p->cut, &m, err);
}

static int
res_check_params(const cJSON *params, struct hq_err *err)
{
	struct res_params p;
	int rc = params_read(params, &p, err);

	params_clear(&p);
	return rc;
}

static double
rel_ms(const struct rx *x, int64_t t_ns)
{
	return (double)(t_ns - x->ctx->t0_ns) / 1e6;
}

/*
 * The rows report.html draws (hopquy-report(5), details.timeline): the
 * "network" row shows the outage or the power off as a red span, the
 * "stimuli" row marks each power action, the "alarms" row each return.
 */
static void
tl_add(cJSON *arr, int64_t t_ns, const struct rx *x, const char *key,
    const char *val)
{
	cJSON *e;

	if (arr == NULL || (e = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddNumberToObject(e, "t_ms", floor((double)(t_ns -
	    x->ctx->t0_ns) / 1e5) / 10);
	cJSON_AddStringToObject(e, key, val);
	cJSON_AddItemToArray(arr, e);
}

static void
tl_row(struct rx *x, int64_t t_ns, const char *what, const char *text)
{
	char lab[96];

	if (strcmp(what, "outage") == 0 || strcmp(what, "power") == 0 ||
	    strcmp(what, "power off") == 0)
		tl_add(x->net, t_ns, x, "state", strcmp(what, "outage") == 0 ?
		    "cut" : "power off");
	if (strcmp(what, "restore") == 0 || strcmp(what, "power on") == 0)
		tl_add(x->net, t_ns, x, "state", "restored");
	if (strncmp(what, "power", 5) == 0)
		tl_add(x->stim, t_ns, x, "label", what);
	if (strstr(what, "back") != NULL || strcmp(what, "backlog") == 0 ||
	    strcmp(what, "down") == 0) {
		/* "surface back" details start with the surface id */
		snprintf(lab, sizeof(lab), "%.*s %s", strcmp(what,
		    "surface back") == 0 ? (int)strcspn(text, " ") : 0, text,
		    strcmp(what, "surface back") == 0 ? "back" : what);
		tl_add(x->ret, t_ns, x, "label", lab[0] == ' ' ? lab + 1 :
		    lab);
	}
}

/* A timeline entry (as netcut's: t_ms, what, detail) and a step. */
static void
event(struct rx *x, int64_t t_ns, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
event(struct rx *x, int64_t t_ns, const char *what, const char *fmt, ...)
{
	char text[512];
	cJSON *e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	hq_step(x->res, "%s: %s", what, text);
	hq_transcript_printf(x->tr, "[%9.3f s] %s: %s\n", rel_ms(x, t_ns) /
	    1e3, what, text);
	if ((e = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddNumberToObject(e, "t_ms", floor(rel_ms(x, t_ns) * 10) / 10);
	cJSON_AddStringToObject(e, "what", what);
	cJSON_AddStringToObject(e, "detail", text);
	cJSON_AddItemToArray(x->timeline, e);
	tl_row(x, t_ns, what, text);
}

static void
on_trace(void *arg, const char *line)
{
	struct rx *x = arg;

	hq_transcript_printf(x->tr, "[%9.3f s] %s\n", rel_ms(x, hq_mono_ns()) /
	    1e3, line);
}

static void
note_error(struct rx *x, const char *what, const char *msg)
{
	x->nerr++;
	if (x->errs[0] == '\0')
		snprintf(x->errs, sizeof(x->errs), "%s%s", what, msg);
}

/* True when a TCP connection to the surface completes within ms. */
static bool
answers(const struct rx *x, const struct hq_surface *sf, long long ms)
{
	struct hq_err err = { 0 };
	int fd = -1;
	bool ok;

	ok = hq_net_connect(x->ctx->dut->address, sf->port,
	    hq_deadline_min(hq_deadline_in(ms), x->ctx->deadline), &fd,
	    &err) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Runs the recipe at power.<key> (sub-object with key2 when not NULL). */
static const cJSON *
recipe(const struct rx *x, const char *key, const char *key2)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(x->ctx->dut->power,
	    key);

	return key2 != NULL ? cJSON_GetObjectItemCaseSensitive(o, key2) : o;
}

/* 0 held, HQ_STEPS_UNMET, or negative (err). */
static int
run_recipe(struct rx *x, const cJSON *l, const char *name,
    struct hq_deadline dl, struct hq_step_out *o, struct hq_err *err)
{
	return hq_steps_run(x->st, l, name, hq_deadline_min(dl,
	    x->ctx->deadline), o, err);
}

/* Polls a recipe until it holds or dl passes: the time it first held, or
 * 0; *lastp the last answer seen. */
static int64_t
poll_recipe(struct rx *x, const cJSON *l, const char *name,
    struct hq_deadline dl, struct hq_step_out *lastp, bool *answeredp)
{
	struct hq_step_out o;
	struct hq_err err = { 0 };
	int rc;

	*answeredp = false;
	while (!hq_deadline_passed(dl) && !hq_interrupted) {
		hq_err_clear(&err);
		rc = run_recipe(x, l, name, hq_deadline_min(dl,
		    hq_deadline_in(x->p.timeout_ms)), &o, &err);
		if (rc == 0)
			return o.t_ns + o.dur_ns;
		if (rc == HQ_STEPS_UNMET) {
			*lastp = o;
			*answeredp = true;
		}
		hq_sleep_ms(x->p.probe_ms > 1000 ? x->p.probe_ms : 1000);
	}
	return 0;
}

/* Where a polled recipe last answered, and how; or that it never did. */
static void
last_where(const char *name, const struct hq_step_out *o, bool answered,
    char *buf, size_t sz)
{
	if (answered)
		snprintf(buf, sz, "%s on %s (%s %s): %s", o->where, o->surface,
		    o->method, o->path, o->why);
	else
		snprintf(buf, sz, "%s: no usable answer (no connection, "
		    "timeout or server error)", name);
}

/*
 * The run's capture (DUT-facing side, as far as written): packets from
 * the declared cloud addresses during the cut and the first one after
 * t_on, as a measurement without a limit.
 */
static void
cloud_in_capture(struct rx *x, int64_t t_cut, int64_t t_on)
{
	struct hq_pkt *p = NULL;
	struct hq_traffic tr;
	struct hq_err err = { 0 };
	char path[1200];
	size_t n = 0, i;

	hq_sleep_ms(1500);	/* the capture writes in batches */
	snprintf(path, sizeof(path), "%s/capture/run.pcapng",
	    x->ctx->rundir);
	if (hq_pcapng_packets(path, hq_bench_dut_address(x->ctx->bench),
	    x->ctx->dut->cloud, x->ctx->dut->ncloud, &p, &n, &err) != 0) {
		hq_step(x->res, "capture not read: %s", err.msg);
		return;
	}
	if (t_cut != 0) {
		hq_traffic_count(p, n, t_cut + 1000 * NS_PER_MS, t_on, &tr);
		hq_step(x->res, "capture: %zu packets from the cloud during "
		    "the cut (after its first second), %zu to it", tr.from_cloud,
		    tr.to_cloud);
	}
	for (i = 0; i < n; i++)
		if (p[i].t_ns > t_on && p[i].dir == HQ_PKT_FROM_CLOUD)
			break;
	if (i < n) {
		hq_measure(x->res, "cloud_traffic_back", (double)(p[i].t_ns -
		    t_on) / 1e9, "s", NULL, 0, 0.001);
		event(x, p[i].t_ns, "cloud traffic back", "first packet from "
		    "the cloud in the capture, %.2f s after %s",
		    (double)(p[i].t_ns - t_on) / 1e9, t_cut != 0 ?
		    "the restore" : "power on");
	} else
		hq_step(x->res, "capture: no packet from the cloud after %s "
		    "(as far as written)", t_cut != 0 ? "the restore" :
		    "power on");
	free(p);
}

/* ---- power (wire/power.c) ---- */

static void
power_event(void *arg, int64_t t, const char *what, const char *text)
{
	event(arg, t, what, "%s", text);
}

/* On a bench, the bench signals the simulator (and checks that the pid
 * is the DUT side's): the run may be an unprivileged worker. */
static int
power_signal(void *arg, long pid, int sig, struct hq_err *err)
{
	struct rx *x = arg;

	if (x->ctx->bench != NULL)
		return hq_bench_signal_dut(x->ctx->bench, pid, sig, err);
	if (kill((pid_t)pid, sig) != 0)
		return hq_err_sys(err, "kill");
	return 0;
}

static int
power_cycle(struct rx *x, struct hq_err *err)
{
	return hq_power_cycle(x->ctx->dut, x->st, x->ctx->deadline,
	    power_event, power_signal, x, err);
}

/* ---- the case ---- */

/* Surfaces (TCP) that answer now; 0 when none. */
static size_t
surfaces_before(struct rx *x)
{
	const struct hq_dut *d = x->ctx->dut;
	size_t i, n = 0;

	for (i = 0; i < d->nsurfaces && x->ns < SURF_MAX; i++) {
		const struct hq_surface *sf = &d->surfaces[i];

		if (strcmp(sf->transport, "tcp") != 0)
			continue;
		x->s[x->ns].sf = sf;
		x->s[x->ns].before = answers(x, sf, x->p.timeout_ms);
		if (x->s[x->ns].before)
			n++;
		else
			hq_step(x->res, "note: surface %s (%u/tcp) does not "
			    "answer before; not measured", sf->id, sf->port);
		x->ns++;
	}
	return n;
}

/* Waits for a surface to go down (power-cycle control). */
static bool
seen_down(struct rx *x)
{
	struct hq_deadline dl = hq_deadline_min(x->ctx->deadline,
	    hq_deadline_in(x->p.down_wait_s * 1000));
	size_t i;
	bool any = false;

	while (!any && !hq_deadline_passed(dl) && !hq_interrupted) {
		for (i = 0; i < x->ns; i++)
			if (x->s[i].before && !answers(x, x->s[i].sf, 300)) {
				x->s[i].down = true;
				any = true;
				event(x, hq_mono_ns(), "down", "surface %s "
				    "stopped answering", x->s[i].sf->id);
			}
		if (!any)
			hq_sleep_ms(100);
	}
	return any;
}

/* Probes every surface until all answered or the limit plus grace. */
static void
surfaces_back(struct rx *x, int64_t t_on)
{
	struct hq_deadline dl = hq_deadline_min(x->ctx->deadline,
	    hq_deadline_in((x->p.recover_s + x->p.grace_s) * 1000));
	size_t i, left;

	for (;;) {
		left = 0;
		for (i = 0; i < x->ns; i++) {
			if (!x->s[i].before || x->s[i].back_ns != 0)
				continue;
			if (x->need_down && !x->s[i].down) {
				/* Still answering from before the power
				 * action took it down (a simulator or an
				 * operator acts on its own time): not a
				 * return. */
				if (!answers(x, x->s[i].sf, x->p.probe_ms)) {
					x->s[i].down = true;
					event(x, hq_mono_ns(), "down", "surface "
					    "%s stopped answering",
					    x->s[i].sf->id);
				}
				left++;
				continue;
			}
			if (answers(x, x->s[i].sf, x->p.probe_ms)) {
				x->s[i].back_ns = hq_mono_ns();
				event(x, x->s[i].back_ns, "surface back",
				    "%s (%u/tcp) answers %.2f s after %s",
				    x->s[i].sf->id, x->s[i].sf->port,
				    (double)(x->s[i].back_ns - t_on) / 1e9,
				    strcmp(x->p.check, "outage") == 0 ?
				    "the restore" : "power on");
			} else
				left++;
		}
		if (left == 0 || hq_deadline_passed(dl) || hq_interrupted)
			break;
		hq_sleep_ms(x->p.probe_ms);
	}
}

static void
judge_surfaces(struct rx *x, int64_t t_on)
{
	char name[96];
	size_t i;
	double u = (double)x->p.probe_ms / 1000.0 + 0.01;

	for (i = 0; i < x->ns; i++) {
		if (!x->s[i].before)
			continue;
		if (x->need_down && !x->s[i].down) {
			hq_step(x->res, "note: surface %s (%u/tcp) never "
			    "stopped answering after the power action; its "
			    "return is not measured", x->s[i].sf->id,
			    x->s[i].sf->port);
			continue;
		}
		snprintf(name, sizeof(name), "surface_%s_back", x->s[i].sf->id);
		if (x->s[i].back_ns == 0) {
			x->nfind++;
			hq_finding(x->res, "surface %s (%u/tcp) did not come "
			    "back within %lld s (limit %lld s)",
			    x->s[i].sf->id, x->s[i].sf->port, x->p.recover_s +
			    x->p.grace_s, x->p.recover_s);
			continue;
		}
		if (hq_measure(x->res, name, (double)(x->s[i].back_ns - t_on) /
		    1e9, "s", "<=", (double)x->p.recover_s, u) == HQ_CONF_NO) {
			x->nfind++;
			hq_finding(x->res, "surface %s came back after %.2f s, "
			    "over the %lld s limit", x->s[i].sf->id,
			    (double)(x->s[i].back_ns - t_on) / 1e9,
			    x->p.recover_s);
		}
	}
}

static int
res_run(struct hq_ctx *ctx, const struct hq_case *tc, struct hq_result *res,
    struct hq_err *err)
{
	const struct hq_dut *d = ctx->dut;
	struct hq_steps_cfg sc = { 0 };
	struct hq_step_out o, last;
	struct rx x;
	const cJSON *cloud, *during, *backlog, *swrite, *sread;
	enum hq_cut_mode mode;
	struct hq_err e2 = { 0 };
	char slug[128], rel[192], w[600];
	int64_t t_on = 0, t_cloud = 0, t_cut = 0;
	const char *drv;
	bool outage, answered, cut = false;
	size_t nup;
	int rc;

	memset(&x, 0, sizeof(x));
	x.ctx = ctx;
	x.res = res;
	if ((rc = params_read(tc->params, &x.p, err)) != 0)
		goto out;
	outage = strcmp(x.p.check, "outage") == 0;
	if (!outage && d->power == NULL) {
		hq_verdict(res, HQ_INCONCLUSIVE, "the DUT description has no "
		    "power section: no way to cycle the DUT's power");
		goto out;
	}
	if (outage && ctx->bench == NULL) {
		hq_verdict(res, HQ_INCONCLUSIVE, "no bench: the uplink cannot "
		    "be cut (run on a bench, `hopquy bench up`)");
		goto out;
	}
	if ((x.tr = hq_transcript_new(512 * 1024)) == NULL ||
	    (x.timeline = cJSON_CreateArray()) == NULL ||
	    (x.net = cJSON_CreateArray()) == NULL ||
	    (x.stim = cJSON_CreateArray()) == NULL ||
	    (x.ret = cJSON_CreateArray()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	sc.dut = d;
	sc.timeout_ms = (int)x.p.timeout_ms;
	sc.trace = on_trace;
	sc.trace_arg = &x;
	if ((rc = hq_steps_new(&sc, &x.st, err)) != 0)
		goto out;
	if (d->op_password != NULL)
		hq_transcript_redact(x.tr, d->op_password);
	cloud = d->power != NULL ? recipe(&x, "cloud", NULL) : NULL;
	during = d->power != NULL ? recipe(&x, "during", NULL) : NULL;
	backlog = d->power != NULL ? recipe(&x, "backlog", NULL) : NULL;
	swrite = d->power != NULL ? recipe(&x, "setting", "write") : NULL;
	sread = d->power != NULL ? recipe(&x, "setting", "read") : NULL;
	/* controls before */
	if ((nup = surfaces_before(&x)) == 0) {
		hq_verdict(res, HQ_INCONCLUSIVE, "control failed: no declared "
		    "TCP surface answers before the %s", outage ? "outage" :
		    "power cycle");
		goto save;
	}
	hq_step(res, "%zu declared TCP surface%s answer before", nup,
	    nup == 1 ? "" : "s");
	if (cloud != NULL) {
		rc = run_recipe(&x, cloud, "power.cloud", ctx->deadline, &o,
		    err);
		if (rc < 0)
			goto save;
		if (rc != 0) {
			hq_verdict(res, HQ_INCONCLUSIVE, "control failed: the "
			    "cloud link recipe does not hold before: %s: %s",
			    o.where, o.why);
			rc = 0;
			goto save;
		}
		hq_step(res, "cloud link up before (%s)", o.where);
	}
	if (swrite != NULL) {
		if ((rc = run_recipe(&x, swrite, "power.setting.write",
		    ctx->deadline, &o, err)) == 0)
			rc = run_recipe(&x, sread, "power.setting.read",
			    ctx->deadline, &o, err);
		if (rc < 0)
			goto save;
		if (rc != 0) {
			hq_verdict(res, HQ_INCONCLUSIVE, "control failed: the "
			    "setting recipe does not work before: %s: %s",
			    o.where, o.why);
			rc = 0;
			goto save;
		}
		hq_step(res, "setting written and read back before");
	}
	/* the incident */
	tl_add(x.net, hq_mono_ns(), &x, "state", "up");
	if (outage) {
		if ((rc = hq_cut_mode_parse(x.p.cut, &mode, err)) != 0 ||
		    (rc = hq_bench_cut(ctx->bench, mode, err)) != 0)
			goto save;
		cut = true;
		t_cut = hq_mono_ns();
		event(&x, t_cut, "outage", "uplink cut (%s) for %lld s",
		    x.p.cut, x.p.outage_s);
		if (during != NULL) {
			hq_sleep_ms(x.p.outage_s * 500);
			hq_err_clear(&e2);
			rc = run_recipe(&x, during, "power.during",
			    ctx->deadline, &o, &e2);
			if (rc != 0) {
				hq_verdict(res, HQ_INCONCLUSIVE, "control "
				    "failed: power.during did not run during "
				    "the outage: %s", rc < 0 ? e2.msg : o.why);
				rc = 0;
				goto save;
			}
			event(&x, hq_mono_ns(), "during", "data raised during "
			    "the outage (%s)", o.where);
		}
		rc = hq_sleep_ms((t_cut + x.p.outage_s * 1000 * NS_PER_MS -
		    hq_mono_ns()) / NS_PER_MS);
		if (rc == 0 && cloud != NULL) {
			hq_err_clear(&e2);
			rc = run_recipe(&x, cloud, "power.cloud", ctx->deadline,
			    &o, &e2);
			if (rc == 0) {
				hq_verdict(res, HQ_INCONCLUSIVE, "control "
				    "failed: the cloud link recipe still holds "
				    "at the end of the %lld s cut", x.p.outage_s);
				goto save;
			}
			hq_step(res, "cloud link down during the cut (%s)",
			    rc > 0 ? o.why : e2.msg);
			rc = 0;
		}
		if (rc != 0) {
			rc = hq_err_set(err, HQ_EINTR, "interrupted");
			goto save;
		}
		if ((rc = hq_bench_restore(ctx->bench, err)) != 0)
			goto save;
		cut = false;
		t_on = hq_mono_ns();
		event(&x, t_on, "restore", "uplink restored after %.1f s",
		    (double)(t_on - t_cut) / 1e9);
	} else {
		if ((rc = power_cycle(&x, err)) != 0)
			goto save;
		t_on = hq_mono_ns();
		drv = recipe(&x, "driver", NULL)->valuestring;
		/* A command or a power switch returns once the power is back
		 * on; the simulator's hook and the operator act on their own
		 * time, so the outage must be seen before a return counts. */
		if ((strcmp(drv, "sim") == 0 || strcmp(drv, "manual") == 0)) {
			x.need_down = true;
			if (!seen_down(&x)) {
				hq_verdict(res, HQ_INCONCLUSIVE, "control "
				    "failed: no surface stopped answering "
				    "within %lld s of the power action",
				    x.p.down_wait_s);
				goto save;
			}
		}
	}
	/* recovery */
	surfaces_back(&x, t_on);
	judge_surfaces(&x, t_on);
	if (cloud != NULL) {
		struct hq_deadline cdl = hq_deadline_min(ctx->deadline,
		    hq_deadline_in((x.p.cloud_s + x.p.grace_s) * 1000));
		/* the recipe is polled: its interval is the uncertainty */
		double poll_s = (double)(x.p.probe_ms > 1000 ? x.p.probe_ms :
		    1000) / 1000.0;

		memset(&last, 0, sizeof(last));
		t_cloud = poll_recipe(&x, cloud, "power.cloud", cdl, &last,
		    &answered);
		if (t_cloud == 0) {
			x.nfind++;
			last_where("power.cloud", &last, answered, w,
			    sizeof(w));
			hq_finding(res, "cloud link: not re-established within "
			    "%lld s (limit %lld s): %s", x.p.cloud_s +
			    x.p.grace_s, x.p.cloud_s, w);
		} else {
			event(&x, t_cloud, "cloud back", "cloud link recipe "
			    "holds %.2f s after %s", (double)(t_cloud - t_on) /
			    1e9, outage ? "the restore" : "power on");
			if (hq_measure(res, "cloud_link_back", (double)(t_cloud -
			    t_on) / 1e9, "s", "<=", (double)x.p.cloud_s,
			    poll_s + 0.01) == HQ_CONF_NO) {
				x.nfind++;
				hq_finding(res, "cloud link: back after %.2f s, "
				    "over the %lld s limit", (double)(t_cloud -
				    t_on) / 1e9, x.p.cloud_s);
			}
		}
	}
	/* the capture's view: first packet from a declared cloud address
	 * after t_on (informational; the recipe decides) */
	if (ctx->cap != NULL && ctx->bench != NULL && d->ncloud > 0)
		cloud_in_capture(&x, t_cut, t_on);
	/* the backlog: only what power.during raised in an outage */
	if (backlog != NULL && outage && during != NULL &&
	    (t_cloud != 0 || cloud == NULL)) {
		memset(&last, 0, sizeof(last));
		if (poll_recipe(&x, backlog, "power.backlog",
		    hq_deadline_min(ctx->deadline, hq_deadline_in(
		    (x.p.cloud_s + x.p.grace_s) * 1000)), &last,
		    &answered) == 0) {
			x.nfind++;
			last_where("power.backlog", &last, answered, w,
			    sizeof(w));
			hq_finding(res, "backlog: data raised during the outage "
			    "did not reach the cloud: %s", w);
		} else
			event(&x, hq_mono_ns(), "backlog", "data raised during "
			    "the outage reached the cloud");
	}
	if (sread != NULL) {
		hq_err_clear(&e2);
		rc = run_recipe(&x, sread, "power.setting.read",
		    ctx->deadline, &o, &e2);
		if (rc == HQ_STEPS_UNMET) {
			x.nfind++;
			hq_finding(res, "setting: lost after the %s: %s on %s "
			    "(%s %s): %s", outage ? "outage" : "power cycle",
			    o.where, o.surface, o.method, o.path, o.why);
		} else if (rc < 0)
			note_error(&x, "setting read: ", e2.msg);
		else
			hq_step(res, "the setting written before reads back");
		rc = 0;
	}
	if (x.nfind > 0)
		hq_verdict(res, HQ_FAIL, "%zu finding%s after the %s (see "
		    "findings)", x.nfind, x.nfind == 1 ? "" : "s", outage ?
		    "outage" : "power cycle");
	else if (x.nerr > 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "%s", x.errs);
	else
		hq_verdict(res, HQ_PASS, "after the %s every one of %zu "
		    "surface%s answered within %lld s%s%s%s", outage ?
		    "outage" : "power cycle", nup, nup == 1 ? "" : "s",
		    x.p.recover_s, cloud != NULL ? "; the cloud link came "
		    "back within the limit" : "", backlog != NULL &&
		    outage && during != NULL ? "; data raised during the "
		    "outage reached the cloud" : "", sread != NULL ?
		    "; the setting written before survived" : "");
 save:
	if (cut && hq_bench_restore(ctx->bench, &e2) != 0 && rc == 0)
		rc = hq_err_set(err, e2.code, "%s", e2.msg);
	if (x.timeline != NULL) {
		cJSON *tlo = cJSON_CreateObject();

		if (tlo != NULL) {
			cJSON_AddNumberToObject(tlo, "origin_mono_ms",
			    (double)(ctx->t0_ns / NS_PER_MS));
			cJSON_AddStringToObject(tlo, "clock", "CLOCK_MONOTONIC, "
			    "ms since the run's start");
			cJSON_AddItemToObject(tlo, "entries", x.timeline);
			x.timeline = NULL;
			cJSON_AddItemToObject(tlo, "network", x.net);
			cJSON_AddItemToObject(tlo, "stimuli", x.stim);
			cJSON_AddItemToObject(tlo, "alarms", x.ret);
			x.net = x.stim = x.ret = NULL;
			hq_detail(res, "timeline", tlo);
		}
	}
	if (x.tr != NULL) {
		struct hq_err serr = { 0 };

		hq_slug(tc->id, slug, sizeof(slug));
		snprintf(rel, sizeof(rel), "resilience/%s-transcript.txt",
		    slug);
		if (hq_transcript_save(x.tr, ctx->ev, rel, &serr) == 0)
			hq_result_evidence(res, rel);
	}
 out:
	cJSON_Delete(x.timeline);
	cJSON_Delete(x.net);
	cJSON_Delete(x.stim);
	cJSON_Delete(x.ret);
	hq_steps_free(x.st);
	hq_transcript_free(x.tr);
	params_clear(&x.p);
	return rc;
}

static void
res_cleanup(struct hq_ctx *ctx)
{
	struct hq_err err = { 0 };

	if (ctx->bench != NULL && hq_bench_cut_active(ctx->bench) !=
	    HQ_CUT_NONE && hq_bench_restore(ctx->bench, &err) != 0)
		hq_warn("resilience: restoring the uplink: %s", err.msg);
}

const struct hq_family hq_family_resilience = {
	.name		= "resilience",
	.summary	= "power cycle or uplink outage: each surface and the "
			  "cloud link come back within the limits, settings "
			  "survive",
	.flags		= HQ_FAM_NEEDS_BENCH,
	.check_params	= res_check_params,
	.run		= res_run,
	.cleanup	= res_cleanup,
};
