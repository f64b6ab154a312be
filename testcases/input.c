/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family `input`: malformed input to every declared surface is rejected
 * and the device stays up (QCVN 135:2024 group 11, EN 303 645 5.13-1,
 * IEC 62443-4-2 CR 3.5 and CR 7.1, the VSTL draft's adversarial input).
 *
 * For each declared surface with a protocol model (wire/mutate.h) the
 * family sends seeded cases: case i of a surface is a function of (seed,
 * model, i) alone.  Controls: before any case every surface's well-formed
 * request must get its normal answer (else INCONCLUSIVE naming it), and
 * after the campaign it must still.  The monitor (wire/monitor.h) runs
 * after every `monitor_every` cases: each surface's health check, the
 * DUT file's `monitor.uptime` (a reboot detector) and `monitor.settings`
 * (values that must not change).  A case that leaves the device dead,
 * hung, answering abnormally, rebooted or with a changed setting is a
 * finding: the family waits for recovery, re-runs the case to confirm,
 * saves its bytes and a reproducer (`hopquy input replay RUNDIR N`) and
 * goes on.  It never judges the answers to the malformed cases
 * themselves: a 400 is as good as a reset; only the device's state is.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "util/jv.h"
#include "wire/exchange.h"
#include "wire/monitor.h"
#include "wire/mutate.h"
#include "wire/power.h"
#include "wire/steps.h"

#define INPUT_REPLY_MAX		(16u * 1024)	/* answer bytes kept */
#define INPUT_FINDINGS_MAX	64
#define INPUT_WINDOW_MAX	64	/* cases a finding may look back on */

static const char *const input_keys[] = {
	"cases_per_surface", "seed", "budget_s", "case_timeout_ms",
	"idle_ms", "health_timeout_ms", "recover_s", "monitor_every",
	"max_findings", "settle_ms", "answer_ms", "lag_ms", "surfaces", NULL
};

struct input_params {
	long long	cases;
	long long	seed;
	long long	budget_s;
	long long	case_ms;
	long long	idle_ms;
	long long	health_ms;
	long long	recover_s;
	long long	every;
	long long	max_findings;
	long long	settle_ms;
	long long	answer_ms;
	long long	lag_ms;
	char		**surfaces;
	size_t		nsurfaces;
};

/* A fuzzed surface. */
struct target {
	const struct hq_surface	*s;
	enum hq_proto_model	 model;
	struct hq_xchg		*x;
	struct hq_mut_target	 mt;
	uint64_t		 sent;
	uint64_t		 no_answer;	/* cases with no bytes back */
	uint64_t		 findings;
};

/* A case by where it comes from: rebuildable. */
struct case_ref {
	size_t		target;
	uint64_t	index;
	int64_t		t_ns;		/* when it was sent */
};

static int
params_read(const cJSON *params, struct input_params *ip, struct hq_err *err)
{
	int rc;

	memset(ip, 0, sizeof(*ip));
	if ((rc = hq_jv_keys(params, "", input_keys, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "cases_per_surface", false, 1,
	    10000000, 2000, &ip->cases, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "seed", false, 0,
	    9007199254740991LL, 1, &ip->seed, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "budget_s", false, 1, 604800, 1800,
	    &ip->budget_s, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "case_timeout_ms", false, 50, 60000,
	    1000, &ip->case_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "idle_ms", false, 10, 10000, 100,
	    &ip->idle_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "health_timeout_ms", false, 100,
	    60000, 3000, &ip->health_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "recover_s", false, 0, 3600, 60,
	    &ip->recover_s, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "monitor_every", false, 1, 1000, 1,
	    &ip->every, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "max_findings", false, 1,
	    INPUT_FINDINGS_MAX, 10, &ip->max_findings, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "settle_ms", false, 0, 60000, 3000,
	    &ip->settle_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "answer_ms", false, 10, 60000, 250,
	    &ip->answer_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "lag_ms", false, 0, 60000, 500,
	    &ip->lag_ms, err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "surfaces", false, 64,
	    &ip->surfaces, &ip->nsurfaces, err)) != 0)
		return rc;
	return 0;
}

static void
params_clear(struct input_params *ip)
{
	hq_strv_free(ip->surfaces, ip->nsurfaces);
	ip->surfaces = NULL;
}

static int
input_check_params(const cJSON *params, struct hq_err *err)
{
	struct input_params ip;
	int rc;

	rc = params_read(params, &ip, err);
	params_clear(&ip);
	return rc;
}

static bool
wanted(const struct input_params *ip, const char *id)
{
	size_t i;

	if (ip->nsurfaces == 0)
		return true;
	for (i = 0; i < ip->nsurfaces; i++)
		if (strcmp(ip->surfaces[i], id) == 0)
			return true;
	return false;
}

static bool
is_udp(const struct hq_surface *s)
{
	return strcmp(s->transport, "udp") == 0;
}

/* The path a model's requests go to: the declared login's, or "/". */
static const char *
surface_path(const struct hq_surface *s)
{
	const cJSON *p = s->login != NULL ?
	    cJSON_GetObjectItemCaseSensitive(s->login, "path") : NULL;

	return cJSON_IsString(p) && p->valuestring[0] == '/' ?
	    p->valuestring : NULL;
}

/* The POST path of a form login, or NULL. */
static const char *
form_path(const struct hq_surface *s)
{
	const cJSON *r = s->login != NULL ?
	    cJSON_GetObjectItemCaseSensitive(s->login, "request") : NULL;
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(r, "path");

	return cJSON_IsString(p) && p->valuestring[0] == '/' ?
	    p->valuestring : NULL;
}

/* The monitor: one probe per declared port, then the DUT's watches. */
static int
monitor_build(const struct hq_dut *dut, struct hq_mon *mon,
    struct hq_result *res, struct hq_err *err)
{
	const cJSON *sec, *it;
	size_t i, k;
	int rc;

	if ((rc = hq_mon_init(mon, err)) != 0)
		return rc;
	for (i = 0; i < dut->nsurfaces; i++) {
		const struct hq_surface *s = &dut->surfaces[i];
		bool dup = false;

		for (k = 0; k < i; k++)
			if (dut->surfaces[k].port == s->port &&
			    strcmp(dut->surfaces[k].transport,
			    s->transport) == 0)
				dup = true;
		if (dup)
			continue;
		if ((rc = hq_mon_add_probe(mon, s->id, s->proto, dut->address,
		    s->port, s->tls, is_udp(s), surface_path(s), &k,
		    err)) != 0 ||
		    (s->probe_send != NULL && (rc = hq_mon_probe_set_request(
		    &mon->probes[k], s->probe_send, s->probe_send_len,
		    s->probe_expect, s->probe_expect_len, err)) != 0))
			return rc;
	}
	for (sec = dut->monitor != NULL ? dut->monitor->child : NULL;
	    sec != NULL; sec = sec->next) {
		bool uptime = strcmp(sec->string, "uptime") == 0;
		const cJSON *steps = sec;

		if (cJSON_IsObject(sec))
			steps = NULL;	/* one step, below */
		for (it = steps != NULL ? steps->child : sec; it != NULL;
		    it = steps != NULL ? it->next : NULL) {
			const char *sid = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(it, "surface"));
			const char *path = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(it, "path"));
			const char *auth = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(it, "auth"));
			const cJSON *cap = cJSON_GetObjectItemCaseSensitive(it,
			    "capture"), *c;
			size_t probe = SIZE_MAX;
			unsigned port = 0;

			for (k = 0; sid != NULL && k < dut->nsurfaces; k++)
				if (strcmp(dut->surfaces[k].id, sid) == 0)
					port = dut->surfaces[k].port;
			for (k = 0; k < mon->nprobes; k++)
				if (mon->probes[k].port == port &&
				    (mon->probes[k].model == HQ_PM_HTTP ||
				    mon->probes[k].model == HQ_PM_ONVIF))
					probe = k;
			if (probe == SIZE_MAX || path == NULL ||
			    !cJSON_IsObject(cap)) {
				hq_step(res, "note: monitor.%s: a step needs "
				    "an HTTP surface, a path and a capture; "
				    "not watched", sec->string);
				continue;
			}
			cJSON_ArrayForEach(c, cap) {
				if (!cJSON_IsString(c) ||
				    c->valuestring[0] != '/')
					continue;
				if ((rc = hq_mon_add_watch(mon, c->string,
				    probe, path, c->valuestring, uptime,
				    err)) != 0)
					return rc;
				/* the operator's (or another) credentials:
				 * read through the step engine */
				if (auth != NULL && strcmp(auth, "none") != 0)
					hq_mon_watch_set_step(mon, it);
			}
		}
	}
	return 0;
}

/* The answer's first line, escaped, for the transcript. */
static void
first_line(const uint8_t *p, size_t len, char *out, size_t outsz)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < outsz && p[i] != '\r' && p[i] != '\n';
	    i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f)
			out[o++] = (char)p[i];
		else
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x",
			    p[i]);
	}
	out[o] = '\0';
}

/* Sends one case; 0 or HQ_EINTR (a refused connect is an outcome). */
static int
send_case(struct target *t, const struct input_params *ip,
    const struct hq_mut_case *c, uint8_t *reply, struct hq_xchg_out *o,
    struct hq_err *err)
{
	struct hq_err xerr = { 0 };
	int rc;

	rc = hq_xchg_do(t->x, c->bytes, c->len, hq_deadline_in(ip->case_ms),
	    (int)ip->idle_ms, reply, INPUT_REPLY_MAX, o, &xerr);
	if (rc == HQ_EINTR)
		return hq_err_set(err, rc, "interrupted");
	t->sent++;
	if (o->reply_len == 0)
		t->no_answer++;
	return 0;
}

/* Waits until the monitor is clean again, at most recover_s. */
static int
await_recovery(struct hq_mon *mon, const struct input_params *ip,
    bool *recoveredp, int64_t *waited_msp, enum hq_mon_class *clp,
    char *cldetail, size_t clsz, struct hq_err *err)
{
	int64_t t0 = hq_mono_ns();
	struct hq_deadline dl = hq_deadline_in(ip->recover_s * 1000);
	enum hq_mon_class cl;
	char detail[256];
	int rc;

	*recoveredp = false;
	for (;;) {
		if ((rc = hq_mon_check(mon, (int)ip->health_ms, &cl, detail,
		    sizeof(detail), err)) != 0)
			return rc;
		/* a changed setting does not change back by waiting */
		if (cl == HQ_MON_OK || cl == HQ_MON_REBOOTED ||
		    cl == HQ_MON_SETTING) {
			*recoveredp = true;
			*clp = cl;
			snprintf(cldetail, clsz, "%s", detail);
			break;
		}
		if (hq_deadline_passed(dl))
			break;
		if ((rc = hq_sleep_ms(500)) != 0)
			return hq_err_set(err, rc, "interrupted");
	}
	*waited_msp = (hq_mono_ns() - t0) / 1000000;
	return 0;
}

struct run {
	struct hq_ctx		*ctx;
	const struct hq_case	*tc;
	struct hq_result	*res;
	struct input_params	 ip;
	struct target		*targets;
	size_t			 ntargets;
	struct hq_mon		 mon;
	struct hq_transcript	*tr;
	uint8_t			*reply;
	char			 slug[128];
	size_t			 nfindings;
	size_t			 nweak;		/* unconfirmed: hangs and abnormal
						 * answers seen once only */
	bool			 stopped;	/* the device did not recover */
	cJSON			*findings;
	struct hq_steps		*st;		/* a power switch's steps */
	unsigned		 power_cycles;	/* by the DUT's power driver */
};

static void
power_event(void *arg, int64_t t_ns, const char *what, const char *text)
{
	struct run *r = arg;

	(void)t_ns;
	hq_step(r->res, "power driver: %s: %s", what, text);
}

/* On a bench, the bench signals the simulator's pid (the run may be an
 * unprivileged worker). */
static int
power_signal(void *arg, long pid, int sig, struct hq_err *err)
{
	struct run *r = arg;

	if (r->ctx->bench != NULL)
		return hq_bench_signal_dut(r->ctx->bench, pid, sig, err);
	if (kill((pid_t)pid, sig) != 0)
		return hq_err_sys(err, "kill");
	return 0;
}

/* A watched value behind the operator's credentials: its step, run by
 * the step engine (every login kind the DUT file declares), and the
 * value it captured under the watch's name. */
static int
read_with_credentials(void *arg, const struct hq_mon_watch *w,
    int timeout_ms, char *val, size_t valsz, struct hq_err *err)
{
	struct run *r = arg;
	struct hq_step_out o;
	const char *v;
	int rc;

	rc = hq_steps_run_one(r->st, w->step, "monitor",
	    hq_deadline_in(timeout_ms), &o, NULL, NULL, err);
	if (rc < 0)
		return rc;
	if (rc != 0)	/* no answer (status 0): a timeout, not a bad one */
		return hq_err_set(err, o.status == 0 ? HQ_ETIMEDOUT :
		    HQ_EPROTO, "%s %s: %s", o.method, o.path, o.why);
	if ((v = hq_steps_get(r->st, w->name)) == NULL)
		return hq_err_set(err, HQ_EPROTO, "%s %s: nothing captured "
		    "as %s", o.method, o.path, w->name);
	snprintf(val, valsz, "%s", v);
	return 0;
}

/*
 * Waits for recovery, at most recover_s; a device still down is power
 * cycled once with the DUT file's power driver, when it declares one, and
 * waited for again (*poweredp).  The finding stays: the device did not
 * come back by itself.
 */
static int
recover(struct run *r, bool *recoveredp, bool *poweredp, int64_t *waitedp,
    enum hq_mon_class *clp, char *d, size_t dsz, struct hq_err *err)
{
	const char *drv = hq_power_driver(r->ctx->dut);
	struct hq_err perr = { 0 };
	int64_t w2 = 0;
	int rc;

	*poweredp = false;
	if ((rc = await_recovery(&r->mon, &r->ip, recoveredp, waitedp, clp,
	    d, dsz, err)) != 0 || *recoveredp || drv == NULL)
		return rc;
	hq_step(r->res, "monitor: the device did not come back within "
	    "recover_s=%llds; power cycle with the DUT file's %s driver",
	    r->ip.recover_s, drv);
	r->power_cycles++;
	if ((rc = hq_power_cycle(r->ctx->dut, r->st, r->ctx->deadline,
	    power_event, power_signal, r, &perr)) != 0) {
		if (rc == HQ_EINTR)
			return hq_err_set(err, rc, "interrupted");
		hq_step(r->res, "power driver failed: %s", perr.msg);
		return 0;
	}
	*poweredp = true;
	if ((rc = await_recovery(&r->mon, &r->ip, recoveredp, &w2, clp, d,
	    dsz, err)) != 0)
		return rc;
	*waitedp += w2;
	return 0;
}

static int
save_finding(struct run *r, const struct target *t,
    const struct hq_mut_case *c, enum hq_mon_class cl, const char *detail,
    bool confirmed, const char *confirm_note, struct hq_err *err)
{
	char rel[256], hex[65];
	cJSON *j = NULL, *mj;
	char *text = NULL;
	int rc;

	r->nfindings++;
	snprintf(rel, sizeof(rel), "input/%s/finding-%zu.bin", r->slug,
	    r->nfindings);
	if ((rc = hq_evidence_write(r->ctx->ev, rel, "reproducer", c->bytes,
	    c->len, err)) != 0)
		return rc;
	hq_result_evidence(r->res, rel);
	hq_sha256_hex(c->bytes, c->len, hex);
	if ((j = cJSON_CreateObject()) == NULL ||
	    (mj = hq_mon_json(&r->mon)) == NULL) {
		cJSON_Delete(j);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	cJSON_AddStringToObject(j, "format", "hopquy-input-finding/1");
	cJSON_AddNumberToObject(j, "finding", (double)r->nfindings);
	cJSON_AddStringToObject(j, "case_id", r->tc->id);
	cJSON_AddStringToObject(j, "surface", t->s->id);
	cJSON_AddStringToObject(j, "proto", t->s->proto);
	cJSON_AddStringToObject(j, "addr", r->ctx->dut->address);
	cJSON_AddNumberToObject(j, "port", t->s->port);
	cJSON_AddBoolToObject(j, "tls", t->s->tls &&
	    strcmp(t->s->proto, "tls") != 0);
	cJSON_AddBoolToObject(j, "udp", is_udp(t->s));
	cJSON_AddStringToObject(j, "model", hq_mut_model_name(t->model));
	cJSON_AddNumberToObject(j, "seed", (double)r->ip.seed);
	cJSON_AddNumberToObject(j, "index", (double)c->index);
	cJSON_AddStringToObject(j, "field", c->field);
	cJSON_AddStringToObject(j, "mutation", c->mutation);
	cJSON_AddStringToObject(j, "outcome", hq_mon_class_name(cl));
	cJSON_AddStringToObject(j, "detail", detail);
	cJSON_AddBoolToObject(j, "confirmed", confirmed);
	cJSON_AddStringToObject(j, "confirmation", confirm_note);
	cJSON_AddStringToObject(j, "bytes", strrchr(rel, '/') + 1);
	cJSON_AddNumberToObject(j, "length", (double)c->len);
	cJSON_AddStringToObject(j, "sha256", hex);
	cJSON_AddNumberToObject(j, "case_timeout_ms", (double)r->ip.case_ms);
	cJSON_AddNumberToObject(j, "health_timeout_ms",
	    (double)r->ip.health_ms);
	cJSON_AddItemToObject(j, "monitor", mj);
	if ((text = cJSON_Print(j)) == NULL) {
		cJSON_Delete(j);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	snprintf(rel, sizeof(rel), "input/%s/finding-%zu.json", r->slug,
	    r->nfindings);
	rc = hq_evidence_write(r->ctx->ev, rel, "reproducer", text,
	    strlen(text), err);
	free(text);
	if (rc != 0) {
		cJSON_Delete(j);
		return rc;
	}
	hq_result_evidence(r->res, rel);
	cJSON_AddItemToArray(r->findings, j);
	/* A hang is only answers not coming in time, and an abnormal answer
	 * to a well-formed request is a reset, a 5xx or a reply not as
	 * declared: seen once and not repeated by the same case re-run
	 * alone once the device answered again (a loaded host, a busy
	 * device), neither is evidence: a step, not a finding.  A device
	 * that never came back is one, and so are a refused connection, a
	 * reboot and a changed setting. */
	if (!confirmed && (cl == HQ_MON_HUNG || cl == HQ_MON_ABNORMAL) &&
	    !r->stopped) {
		r->nweak++;
		hq_step(r->res, "unconfirmed: surface %s (%u/%s): case %llu "
		    "(%s, %s, %zu bytes) was followed by %s: %s; %s; "
		    "reproducer %s", t->s->id, t->s->port, t->s->transport,
		    (unsigned long long)c->index, c->field, c->mutation,
		    c->len, cl == HQ_MON_HUNG ? "a hang" : "an abnormal answer",
		    detail, confirm_note, rel);
		return 0;
	}
	hq_finding(r->res, "surface %s (%u/%s): case %llu (%s, %s, %zu bytes) "
	    "left the device %s: %s; %s; reproducer %s, replay with "
	    "`hopquy input replay RUNDIR %zu`", t->s->id, t->s->port,
	    t->s->transport, (unsigned long long)c->index, c->field,
	    c->mutation, c->len, hq_mon_class_name(cl), detail, confirm_note,
	    rel, r->nfindings);
	return 0;
}

/*
 * The cases a finding looks back on: those of the last monitor window and
 * two before it, and any sent within lag_ms before now (an effect such as
 * a reboot may show that late, after many fast cases); the first index.
 */
static size_t
window_start(const struct input_params *ip, const struct case_ref *win,
    size_t nwin)
{
	int64_t since = hq_mono_ns() - ip->lag_ms * 1000000;
	size_t keep = (size_t)ip->every + 3, k = 0;

	while (k + keep < nwin && win[k].t_ns < since)
		k++;
	return k;
}

/*
 * The monitor saw cl after the cases in win[0..nwin): wait for recovery,
 * find and confirm the case by re-running each alone, save it.
 */
static int
handle_finding(struct run *r, const struct case_ref *win, size_t nwin,
    enum hq_mon_class cl, const char *detail, struct hq_err *err)
{
	struct hq_mut_case c = { 0 };
	struct hq_xchg_out o;
	enum hq_mon_class cl2 = HQ_MON_OK;
	char d2[256], note[384];
	size_t culprit = nwin - 1, k, j;
	bool recovered, confirmed = false, powered, powered2 = false;
	int64_t waited;
	enum hq_mon_class rcl = HQ_MON_OK;
	char rdetail[256], d1[256];
	int rc;

	hq_step(r->res, "monitor: device %s after the last case sent (case "
	    "%llu on %s): %s", hq_mon_class_name(cl),
	    (unsigned long long)win[nwin - 1].index,
	    r->targets[win[nwin - 1].target].s->id, detail);
	if ((rc = recover(r, &recovered, &powered, &waited, &rcl, rdetail,
	    sizeof(rdetail), err)) != 0)
		return rc;
	if (recovered && !powered && rcl == HQ_MON_REBOOTED &&
	    cl != HQ_MON_REBOOTED) {
		/* it went away and came back with a new boot */
		snprintf(d1, sizeof(d1), "%.100s, then came back after %lld "
		    "ms: %.100s", detail, (long long)waited, rdetail);
		cl = HQ_MON_REBOOTED;
		detail = d1;
	}
	if (!recovered) {
		snprintf(note, sizeof(note), "not re-run: the device did not "
		    "answer normally within recover_s=%llds%s",
		    r->ip.recover_s, hq_power_driver(r->ctx->dut) == NULL ?
		    " (no power driver declared)" : powered ? ", nor after "
		    "a power cycle" : " and the power cycle failed");
		r->stopped = true;
	} else {
		hq_step(r->res, "monitor: device answers again after %lld "
		    "ms%s", (long long)waited, powered ? ", after a power "
		    "cycle" : "");
		/* the reference values as they are now */
		if ((rc = hq_mon_baseline(&r->mon, (int)r->ip.health_ms,
		    err)) != 0 && rc == HQ_EINTR)
			return rc;
		hq_err_clear(err);
		/* the last case first (most effects are at once), then
		 * the earlier ones, going back (a reboot may show a moment
		 * later, after faster cases) */
		for (j = 0; j < nwin && !confirmed; j++) {
			struct target *t;

			k = nwin - 1 - j;
			t = &r->targets[win[k].target];
			hq_mut_case_clear(&c);
			if ((rc = hq_mut_case_build(t->model, &t->mt,
			    (uint64_t)r->ip.seed, win[k].index, &c,
			    err)) != 0 ||
			    (rc = send_case(t, &r->ip, &c, r->reply, &o,
			    err)) != 0)
				goto out;
			/* watch for settle_ms: a delayed effect (a reboot)
			 * shows late, a quick one may be over soon */
			if ((rc = hq_mon_watch(&r->mon, (int)r->ip.health_ms,
			    r->ip.settle_ms, &cl2, d2, sizeof(d2), err)) != 0)
				goto out;
			if (cl2 != HQ_MON_OK) {
				confirmed = true;
				culprit = k;
			}
		}
		if (confirmed && (rc = recover(r, &recovered, &powered2,
		    &waited, &rcl, rdetail, sizeof(rdetail), err)) != 0)
			goto out;
		if (confirmed)
			snprintf(note, sizeof(note), "confirmed: re-run alone, "
			    "it left the device %s again (%.160s)%s%s",
			    hq_mon_class_name(cl2), d2, powered ? "; came back "
			    "only after a power cycle" : "", powered2 ?
			    (powered ? ", twice" : "; came back only after a "
			    "power cycle the second time") : "");
		else
			snprintf(note, sizeof(note), "not confirmed: re-run "
			    "alone, the device stayed up%s", powered ?
			    "; the first time it came back only after a power "
			    "cycle" : "");
		if (!recovered)
			r->stopped = true;
		else if ((rc = hq_mon_baseline(&r->mon, (int)r->ip.health_ms,
		    err)) != 0 && rc == HQ_EINTR)
			goto out;
		hq_err_clear(err);
	}
	hq_mut_case_clear(&c);
	{
		struct target *t = &r->targets[win[culprit].target];

		if ((rc = hq_mut_case_build(t->model, &t->mt,
		    (uint64_t)r->ip.seed, win[culprit].index, &c, err)) != 0)
			goto out;
		t->findings++;
		rc = save_finding(r, t, &c, cl, detail, confirmed, note, err);
	}
 out:
	hq_mut_case_clear(&c);
	return rc;
}

/* Every surface's well-formed request gets its normal answer (looked at
 * twice when it does not, as the monitor does); *badhp: the first bad
 * surface's health. */
static int
control(struct run *r, const char *when, bool *okp, enum hq_health *badhp,
    char *bad, size_t badsz, struct hq_err *err)
{
	enum hq_health h;
	char d[160];
	size_t i;
	int rc;

	*okp = true;
	*badhp = HQ_HEALTH_OK;
	bad[0] = '\0';
	for (i = 0; i < r->mon.nprobes; i++) {
		struct hq_mon_probe *p = &r->mon.probes[i];

		if ((rc = hq_mon_health_settled(p, (int)r->ip.health_ms,
		    r->mon.buf, &h, d, sizeof(d), err)) != 0)
			return rc;
		hq_step(r->res, "control %s: surface %s (%s, %u/%s%s): %s "
		    "(%s)", when, p->id, p->proto, p->port, p->udp ? "udp" :
		    "tcp", p->tls ? ", TLS" : "", !hq_mon_probe_judged(p) ?
		    "not judged" : h == HQ_HEALTH_OK ? "normal answer" :
		    hq_health_name(h), d);
		if (h != HQ_HEALTH_OK && *okp) {
			*okp = false;
			*badhp = h;
			snprintf(bad, badsz, "%s (%s, %u/%s): %s: %s", p->id,
			    p->proto, p->port, p->udp ? "udp" : "tcp",
			    hq_health_name(h), d);
		}
	}
	return 0;
}

static void
run_clear(struct run *r)
{
	size_t i;

	for (i = 0; i < r->ntargets; i++)
		hq_xchg_free(r->targets[i].x);
	free(r->targets);
	hq_mon_clear(&r->mon);
	hq_transcript_free(r->tr);
	hq_steps_free(r->st);
	free(r->reply);
	cJSON_Delete(r->findings);
	params_clear(&r->ip);
}

static int
input_run(struct hq_ctx *ctx, const struct hq_case *tc,
    struct hq_result *res, struct hq_err *err)
{
	const struct hq_dut *dut = ctx->dut;
	struct run r;
	struct case_ref *win = NULL;
	struct hq_mut_case c = { 0 };
	struct hq_xchg_out o;
	struct hq_deadline budget;
	enum hq_mon_class cl;
	char detail[256], bad[256], rel[256], line[120];
	char chain[65] = "", link[160], h1[65];
	uint64_t i, total = 0;
	size_t k, nwin = 0, since = 0, hsz;
	int64_t t0, elapsed_ms;
	bool ok, budget_hit = false;
	enum hq_health badh = HQ_HEALTH_OK;
	size_t after_weak = 0;
	cJSON *doc = NULL, *per;
	int rc;

	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.tc = tc;
	r.res = res;
	if ((rc = params_read(tc->params, &r.ip, err)) != 0)
		goto out;
	hq_slug(tc->id, r.slug, sizeof(r.slug));
	hsz = (size_t)r.ip.every + 3 > INPUT_WINDOW_MAX ?
	    (size_t)r.ip.every + 3 : INPUT_WINDOW_MAX;
	if ((r.targets = calloc(dut->nsurfaces + 1, sizeof(*r.targets))) ==
	    NULL || (r.reply = malloc(INPUT_REPLY_MAX)) == NULL ||
	    (r.tr = hq_transcript_new(512 * 1024)) == NULL ||
	    (r.findings = cJSON_CreateArray()) == NULL ||
	    (win = calloc(hsz, sizeof(*win))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (k = 0; k < r.ip.nsurfaces; k++)
		if (hq_dut_surface(dut, r.ip.surfaces[k]) == NULL) {
			rc = hq_err_set(err, HQ_EINVAL, "surfaces[%zu]: \"%.64s\" "
			    "is not a declared surface", k, r.ip.surfaces[k]);
			goto out;
		}
	/* One target per declared port (two surfaces on 443 are one
	 * server). */
	for (k = 0; k < dut->nsurfaces; k++) {
		const struct hq_surface *s = &dut->surfaces[k];
		struct target *t = &r.targets[r.ntargets];
		int m = hq_mut_model_for(s->proto);
		size_t j;
		bool dup = false;

		for (j = 0; j < r.ntargets; j++)
			if (r.targets[j].s->port == s->port &&
			    strcmp(r.targets[j].s->transport,
			    s->transport) == 0) {
				dup = true;
				/* one server: the JSON bodies go to the
				 * form login another surface declares */
				if (r.targets[j].mt.login_path == NULL &&
				    wanted(&r.ip, s->id))
					r.targets[j].mt.login_path =
					    form_path(s);
			}
		if (dup || !wanted(&r.ip, s->id))
			continue;
		if (m < 0) {
			hq_step(res, "surface %s (%s): no model, not fuzzed",
			    s->id, s->proto);
			continue;
		}
		t->s = s;
		t->model = (enum hq_proto_model)m;
		t->mt.host = dut->address;
		t->mt.path = surface_path(s);
		t->mt.login_path = form_path(s);
		if ((rc = hq_xchg_new(dut->address, s->port, s->tls &&
		    strcmp(s->proto, "tls") != 0, is_udp(s), &t->x,
		    err)) != 0)
			goto out;
		hq_xchg_set_first_wait(t->x, (int)r.ip.answer_ms);
		hq_xchg_set_half_close(t->x, true);
		r.ntargets++;
	}
	if ((rc = monitor_build(dut, &r.mon, res, err)) != 0)
		goto out;
	{
		struct hq_steps_cfg sc = { 0 };

		/* the steps of a power switch and of the watched values
		 * behind credentials */
		sc.dut = dut;
		sc.timeout_ms = (int)r.ip.health_ms;
		if ((rc = hq_steps_new(&sc, &r.st, err)) != 0)
			goto out;
		r.mon.reader = read_with_credentials;
		r.mon.reader_arg = &r;
	}
	if (hq_power_driver(dut) != NULL)
		hq_step(res, "power driver %s declared: a device that does "
		    "not come back within recover_s is power cycled once",
		    hq_power_driver(dut));
	if (r.ntargets == 0) {
		hq_verdict(res, HQ_INCONCLUSIVE, "no declared surface has a "
		    "protocol model (http, https, rtsp, mqtt, telnet, tls, "
		    "ssdp, ws-discovery, other); nothing was sent");
		goto out;
	}
	/* Control before: every surface answers a well-formed request. */
	if ((rc = control(&r, "before", &ok, &badh, bad, sizeof(bad),
	    err)) != 0)
		goto out;
	if (!ok) {
		hq_verdict(res, HQ_INCONCLUSIVE, "control failed: surface %s "
		    "before any malformed input; nothing was sent", bad);
		goto out;
	}
	if (r.mon.nwatches > 0 && (rc = hq_mon_baseline(&r.mon,
	    (int)r.ip.health_ms, err)) != 0) {
		if (rc == HQ_EINTR)
			goto out;
		hq_verdict(res, HQ_INCONCLUSIVE, "control failed: the DUT "
		    "file's monitor values could not be read: %s", err->msg);
		hq_err_clear(err);
		rc = 0;
		goto out;
	}
	for (k = 0; k < r.mon.nwatches; k++)
		hq_step(res, "monitor watches %s = \"%s\" (GET %s %s%s)%s",
		    r.mon.watches[k].name, r.mon.watches[k].base,
		    r.mon.watches[k].path, r.mon.watches[k].pointer,
		    r.mon.watches[k].step != NULL ? ", with credentials" : "",
		    r.mon.watches[k].uptime ? ", a reboot detector" : "");
	hq_step(res, "campaign: %zu surface%s, %lld cases each, seed %lld, "
	    "monitor after every %lld case%s, budget %lld s", r.ntargets,
	    r.ntargets == 1 ? "" : "s", r.ip.cases, r.ip.seed, r.ip.every,
	    r.ip.every == 1 ? "" : "s", r.ip.budget_s);
	budget = hq_deadline_min(ctx->deadline,
	    hq_deadline_in(r.ip.budget_s * 1000));
	t0 = hq_mono_ns();
	/* Round robin over the surfaces, case i of each in turn. */
	for (i = 0; i < (uint64_t)r.ip.cases && !r.stopped; i++) {
		for (k = 0; k < r.ntargets && !r.stopped; k++) {
			struct target *t = &r.targets[k];

			if (hq_deadline_passed(budget)) {
				budget_hit = true;
				goto done;
			}
			if (hq_interrupted) {
				rc = hq_err_set(err, HQ_EINTR, "interrupted");
				goto out;
			}
			if ((rc = hq_mut_case_build(t->model, &t->mt,
			    (uint64_t)r.ip.seed, i, &c, err)) != 0 ||
			    (rc = send_case(t, &r.ip, &c, r.reply, &o,
			    err)) != 0)
				goto out;
			total++;
			/* a digest of the whole sequence: equal seeds,
			 * equal digests */
			hq_sha256_hex(c.bytes, c.len, h1);
			snprintf(link, sizeof(link), "%s%s", chain, h1);
			hq_sha256_hex(link, strlen(link), chain);
			first_line(r.reply, o.reply_len, line, sizeof(line));
			if (i < 200 || o.reply_len == 0)
				hq_transcript_printf(r.tr, "%s #%llu %s %s "
				    "%zu B -> %s%s%s\n", t->s->id,
				    (unsigned long long)i, c.field, c.mutation,
				    c.len, o.reply_len > 0 ? line :
				    "(no answer)", o.reset ? " [reset]" : "",
				    o.peer_closed ? " [closed]" : "");
			hq_mut_case_clear(&c);
			/* the last cases, in order: a delayed effect (a
			 * reboot a moment later) may come from an earlier
			 * one, so confirmation re-runs a few before */
			if (nwin == hsz) {
				memmove(win, win + 1, (hsz - 1) *
				    sizeof(*win));
				nwin--;
			}
			win[nwin].target = k;
			win[nwin].index = i;
			win[nwin].t_ns = hq_mono_ns();
			nwin++;
			if (++since < (size_t)r.ip.every)
				continue;
			if ((rc = hq_mon_check(&r.mon, (int)r.ip.health_ms,
			    &cl, detail, sizeof(detail), err)) != 0)
				goto out;
			if (cl != HQ_MON_OK) {
				size_t w0 = window_start(&r.ip, win, nwin);

				if ((rc = handle_finding(&r, win + w0, nwin - w0,
				    cl, detail, err)) != 0)
					goto out;
				if (r.nfindings >= (size_t)r.ip.max_findings) {
					hq_step(res, "stopping: max_findings "
					    "(%lld) reached (%zu of them "
					    "unconfirmed)",
					    r.ip.max_findings, r.nweak);
					goto done;
				}
				nwin = 0;
			}
			since = 0;
		}
	}
 done:
	if (since > 0 && !r.stopped) {
		if ((rc = hq_mon_check(&r.mon, (int)r.ip.health_ms, &cl,
		    detail, sizeof(detail), err)) != 0)
			goto out;
		if (cl != HQ_MON_OK && (rc = handle_finding(&r, win +
		    window_start(&r.ip, win, nwin), nwin - window_start(&r.ip,
		    win, nwin), cl, detail, err)) != 0)
			goto out;
	}
	elapsed_ms = (hq_mono_ns() - t0) / 1000000;
	hq_step(res, "campaign done: %llu cases in %lld ms%s",
	    (unsigned long long)total, (long long)elapsed_ms,
	    budget_hit ? " (time budget reached)" : r.stopped ?
	    " (stopped: the device did not recover)" : "");
	hq_measure(res, "cases_sent", (double)total, "cases", NULL, 0, 0);
	hq_measure(res, "case_rate", elapsed_ms > 0 ?
	    (double)total * 1000.0 / (double)elapsed_ms : 0, "cases/s", NULL,
	    0, 0);
	/* Unconfirmed hangs and abnormal answers are steps, not findings
	 * (save_finding). */
	hq_measure(res, "findings", (double)(r.nfindings - r.nweak),
	    "findings", NULL, 0, 0);
	if ((doc = cJSON_CreateObject()) == NULL ||
	    (per = cJSON_AddArrayToObject(doc, "surfaces")) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	cJSON_AddNumberToObject(doc, "seed", (double)r.ip.seed);
	cJSON_AddNumberToObject(doc, "cases_sent", (double)total);
	cJSON_AddStringToObject(doc, "cases_sha256", chain);
	cJSON_AddNumberToObject(doc, "elapsed_ms", (double)elapsed_ms);
	cJSON_AddNumberToObject(doc, "power_cycles", r.power_cycles);
	cJSON_AddNumberToObject(doc, "cases_per_s", elapsed_ms > 0 ?
	    (double)total * 1000.0 / (double)elapsed_ms : 0);
	cJSON_AddBoolToObject(doc, "budget_reached", budget_hit);
	for (k = 0; k < r.ntargets; k++) {
		const struct target *t = &r.targets[k];
		cJSON *sj = cJSON_CreateObject();

		cJSON_AddStringToObject(sj, "surface", t->s->id);
		cJSON_AddStringToObject(sj, "model",
		    hq_mut_model_name(t->model));
		cJSON_AddNumberToObject(sj, "port", t->s->port);
		cJSON_AddNumberToObject(sj, "cases_sent", (double)t->sent);
		cJSON_AddNumberToObject(sj, "no_answer", (double)t->no_answer);
		cJSON_AddNumberToObject(sj, "findings", (double)t->findings);
		cJSON_AddItemToArray(per, sj);
		hq_step(res, "surface %s (%s model): %llu cases sent, %llu "
		    "without an answer, %llu finding%s", t->s->id,
		    hq_mut_model_name(t->model),
		    (unsigned long long)t->sent,
		    (unsigned long long)t->no_answer,
		    (unsigned long long)t->findings,
		    t->findings == 1 ? "" : "s");
	}
	cJSON_AddItemToObject(doc, "findings", r.findings);
	r.findings = NULL;
	hq_detail(res, "input", doc);
	doc = NULL;
	snprintf(rel, sizeof(rel), "input/%s/cases.txt", r.slug);
	if ((rc = hq_transcript_save(r.tr, ctx->ev, rel, err)) != 0)
		goto out;
	hq_result_evidence(res, rel);
	/* Control after: the device still answers normally.  A refused
	 * connection is evidence at once.  Silence or an abnormal answer
	 * (twice, 300 ms apart) is waited out for recover_s, as the
	 * monitor's are: a device that then answers normally everywhere
	 * was busy, which is no evidence (unconfirmed); one that does not,
	 * or that rebooted or changed a setting meanwhile, is a finding. */
	ok = false;
	if (!r.stopped && (rc = control(&r, "after", &ok, &badh, bad,
	    sizeof(bad), err)) != 0)
		goto out;
	if (!r.stopped && !ok && badh != HQ_HEALTH_DEAD) {
		enum hq_mon_class rcl = HQ_MON_OK;
		enum hq_health badh2;
		char rdetail[256], bad2[256];
		bool recovered;
		int64_t waited = 0;

		if ((rc = await_recovery(&r.mon, &r.ip, &recovered, &waited,
		    &rcl, rdetail, sizeof(rdetail), err)) != 0)
			goto out;
		if (recovered && rcl == HQ_MON_OK && (rc = control(&r,
		    "after, again", &ok, &badh2, bad2, sizeof(bad2),
		    err)) != 0)
			goto out;
		if (ok) {
			after_weak = 1;
			hq_step(res, "unconfirmed: after the campaign surface "
			    "%s; %lld ms later every surface answered "
			    "normally", bad, (long long)waited);
		} else if (recovered && rcl != HQ_MON_OK)
			snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad),
			    "; then the device %s: %.120s",
			    hq_mon_class_name(rcl), rdetail);
	}
	if (!r.stopped && !ok)
		hq_finding(res, "after the campaign surface %s no longer "
		    "answers normally", bad);
	hq_measure(res, "unconfirmed", (double)(r.nweak + after_weak),
	    "events", NULL, 0, 0);
	if (r.nfindings > r.nweak || !ok)
		hq_verdict(res, HQ_FAIL, "%zu finding%s in %llu malformed "
		    "cases: the device %s (see findings)%s",
		    r.nfindings - r.nweak, r.nfindings - r.nweak == 1 ? "" :
		    "s", (unsigned long long)total,
		    r.nfindings > r.nweak ? "crashed, hung, rebooted or "
		    "changed state" : "stopped answering normally",
		    r.stopped ? "; campaign stopped: the device did not come "
		    "back" : "");
	else if (r.nweak + after_weak > 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "%zu hang%s or abnormal "
		    "answer%s in %llu malformed cases, not repeated when the "
		    "case was re-run alone or followed by normal answers (see "
		    "steps): answers not coming in time, a reset or a 5xx seen "
		    "once are no evidence; every surface answered normally "
		    "after the campaign", r.nweak + after_weak,
		    r.nweak + after_weak == 1 ? "" : "s",
		    r.nweak + after_weak == 1 ? "" : "s",
		    (unsigned long long)total);
	else {
		char unj[200] = "";
		size_t nu = 0, len = 0;

		/* UDP surfaces without a declared probe: fuzzed, never
		 * judged; the rationale names them */
		for (k = 0; k < r.mon.nprobes; k++) {
			if (hq_mon_probe_judged(&r.mon.probes[k]))
				continue;
			if (len + 70 < sizeof(unj))
				len += (size_t)snprintf(unj + len,
				    sizeof(unj) - len, "%s%s", nu > 0 ? ", " :
				    "; not judged (UDP, no declared probe): ",
				    r.mon.probes[k].id);
			nu++;
		}
		if (nu == r.mon.nprobes && r.mon.nwatches == 0)
			hq_verdict(res, HQ_INCONCLUSIVE, "%llu malformed cases "
			    "sent, but no surface could be judged (UDP "
			    "without a declared probe, no monitor values): "
			    "declare surfaces[].probe", (unsigned long long)
			    total);
		else
			hq_verdict(res, HQ_PASS, "%llu malformed cases on "
			    "%zu surface%s (seed %lld); every %ssurface "
			    "answered its well-formed request before, after "
			    "every %s and after the campaign%s%s%s",
			    (unsigned long long)total, r.ntargets,
			    r.ntargets == 1 ? "" : "s", r.ip.seed,
			    nu > 0 ? "judged " : "", r.ip.every == 1 ?
			    "case" : "monitor window", r.mon.nwatches > 0 ?
			    "; watched values unchanged and no reboot" : "",
			    unj, budget_hit ? "; time budget reached before "
			    "every case was sent" : "");
	}
 out:
	hq_mut_case_clear(&c);
	cJSON_Delete(doc);
	free(win);
	run_clear(&r);
	return rc;
}

const struct hq_family hq_family_input = {
	.name		= "input",
	.summary	= "malformed input to every declared surface: no crash, "
			  "hang, reboot or changed setting",
	.flags		= 0,
	.check_params	= input_check_params,
	.run		= input_run,
};
