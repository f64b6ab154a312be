/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The run engine.  For each planned instance: a context (DUT, params,
 * deadline, evidence store, run dir), the family's run(), the verdict
 * rules (no verdict or an error: INCONCLUSIVE), then the result streamed
 * to results.jsonl.  report.json is assembled at the end, and also when
 * the run is interrupted (marked incomplete).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/capture.h"
#include "bench/priv.h"
#include "core/engine.h"
#include "core/profile.h"
#include "core/report.h"
#include "core/result.h"
#include "evidence/evidence.h"
#include "evidence/render.h"
#include "evidence/sign.h"
#include "family.h"
#include "model/dut.h"
#include "model/job.h"
#include "model/lab.h"
#include "util/err.h"
#include "util/log.h"
#include "util/util.h"
#include "wire/net.h"

#define REACH_MS_DEFAULT	10000	/* the DUT answers within 10 s */
#define PROGRESS_STEP_NS	(2 * 1000000000LL)

struct run {
	const struct hq_profile	*p;
	const struct hq_dut	*dut;
	const struct hq_run_opts *o;
	struct hq_plan		 plan;
	char			 rundir[PATH_MAX];
	char			 report_id[64];
	int64_t			 started_ms;
	int64_t			 t0_ns;
	int			 results_fd;
	struct hq_evidence	*ev;
	cJSON			*results;	/* array */
	cJSON			*deviations;	/* array */
	cJSON			*facts;
	cJSON			*run_extra;
	struct hq_bench		*bench;
	struct hq_capture	*cap;
	struct hq_lab		*lab;		/* --lab, or NULL */
	struct hq_job		*job;		/* --job, or NULL */
	char			 reached[160];	/* the reachability check */
	size_t			 cur;		/* the case running */
	int64_t			 last_step_ns;	/* progress: last step shown */
	struct hq_signer	*signer;	/* --sign/--cert, or NULL */
	struct hq_ctx		 ctx;
	/* privilege separation (bench/priv.h) */
	bool			 privsep;
	struct hq_capture_opts	 co;		/* the monitor's capture */
	char			 capath[PATH_MAX];
	struct hq_priv		*priv;		/* the worker's channel */
	uid_t			 wuid;
	gid_t			 wgid;
	char			 wuser[64];
	char			*sign_subject;	/* the signer's, or NULL */
	char			*sign_keyid;
	struct dut_file		*dfiles;	/* the worker must read them */
	size_t			 ndfiles;
};

/* A file the DUT description names that a case opens (dut_files). */
struct dut_file {
	char	 field[128];		/* where: "update.image", ... */
	char	 path[PATH_MAX];
};
#define DUT_FILES_MAX	64

/* What the worker sends the monitor at its end (HQ_PRIV_DONE). */
struct done_msg {
	int32_t			 rc;
	char			 msg[HQ_ERR_MSG_MAX];
	struct hq_run_summary	 sum;
};
_Static_assert(sizeof(struct done_msg) <= HQ_PRIV_DATA_MAX,
    "the summary fits one request");

static int
make_rundir(struct run *r, struct hq_err *err)
{
	char path[PATH_MAX + 32];
	struct stat st;
	gid_t gid = 0;
	int rc;

	if (r->o->rundir != NULL)
		snprintf(r->rundir, sizeof(r->rundir), "%s", r->o->rundir);
	else
		snprintf(r->rundir, sizeof(r->rundir), "runs/%s",
		    r->report_id);
	/* Evidence is private (the capture and transcripts hold passwords
	 * and tokens): everything the run creates is 0600 in a 0700
	 * directory, or 0640 in a setgid 02750 directory of the lab's
	 * --group.  The umask makes every later open() private from the
	 * start, with no window. */
	if (r->o->group != NULL) {
		struct group *g = getgrnam(r->o->group);

		if (g == NULL)
			return hq_err_set(err, HQ_EUSAGE, "--group %s: no such "
			    "group", r->o->group);
		gid = g->gr_gid;
	}
	umask(r->o->group != NULL ? 027 : 077);
	/* Directories made above the run directory (runs/) can be passed
	 * through, not listed: the unprivileged worker reaches its run
	 * directory through them. */
	if (r->privsep) {
		char parent[PATH_MAX], *sl;

		snprintf(parent, sizeof(parent), "%s", r->rundir);
		if ((sl = strrchr(parent, '/')) != NULL && sl != parent) {
			*sl = '\0';
			umask(066);
			rc = hq_mkdirs(parent, 0711, err);
			umask(r->o->group != NULL ? 027 : 077);
			if (rc != 0)
				return rc;
		}
	}
	if ((rc = hq_mkdirs(r->rundir, 0700, err)) != 0)
		return rc;
	if (stat(r->rundir, &st) != 0 || !S_ISDIR(st.st_mode))
		return hq_err_sys(err, r->rundir);
	if (r->o->group != NULL && (chown(r->rundir, (uid_t)-1, gid) != 0 ||
	    chmod(r->rundir, 02750) != 0))
		return hq_err_set(err, HQ_EIO, "%s: cannot give it to group "
		    "%s: %s", r->rundir, r->o->group, strerror(errno));
	/* An existing directory (-o) is narrowed, never widened. */
	if (r->o->group == NULL && (st.st_mode & 077) != 0 &&
	    chmod(r->rundir, st.st_mode & 0700) != 0)
		return hq_err_sys(err, r->rundir);
	/* Never overwrite a previous run's evidence. */
	snprintf(path, sizeof(path), "%s/results.jsonl", r->rundir);
	if (stat(path, &st) == 0)
		return hq_err_set(err, HQ_EUSAGE, "%s already holds a run; "
		    "choose another -o directory", r->rundir);
	return 0;
}

/* Appends one line and syncs it, so an aborted run keeps what finished. */
static void
stream_result(struct run *r, const cJSON *entry)
{
	cJSON *copy = cJSON_Duplicate(entry, 1);
	char *line;
	size_t len, off = 0;

	/* Each line says which report it belongs to: a line copied into a
	 * CI log or a dashboard still names its run. */
	if (copy != NULL)
		cJSON_AddStringToObject(copy, "report_id", r->report_id);
	line = copy != NULL ? cJSON_PrintUnformatted(copy) : NULL;
	cJSON_Delete(copy);
	if (line == NULL || r->results_fd < 0) {
		free(line);
		return;
	}
	len = strlen(line);
	line[len] = '\n';
	while (off < len + 1) {
		ssize_t n = write(r->results_fd, line + off, len + 1 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			hq_warn("results.jsonl: %s", strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	/* Durable with the rest of the run (hq_sync_flush); written now, so
	 * a killed run keeps what finished. */
	{
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/results.jsonl", r->rundir);
		hq_sync_later(path, NULL);
	}
	free(line);
}

static cJSON *
strv_json(char **v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* The params a case runs with: the profile's, then the run's overrides. */
static int
effective_params(struct run *r, const struct hq_case *tc, cJSON **paramsp,
    cJSON *devs, struct hq_err *err)
{
	const cJSON *ov = NULL, *c;
	cJSON *params;
	struct hq_err ferr = { 0 };
	int rc;

	*paramsp = NULL;
	if ((params = cJSON_Duplicate(tc->params, 1)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if (r->o->overrides != NULL)
		ov = cJSON_GetObjectItemCaseSensitive(r->o->overrides, tc->id);
	if (ov != NULL) {
		cJSON_ArrayForEach(c, ov) {
			const cJSON *old = cJSON_GetObjectItemCaseSensitive(
			    params, c->string);
			cJSON *d = cJSON_CreateObject();
			char *was = old != NULL ? cJSON_PrintUnformatted(old) :
			    NULL, *now = cJSON_PrintUnformatted(c);

			cJSON_AddStringToObject(d, "case", tc->id);
			cJSON_AddStringToObject(d, "param", c->string);
			cJSON_AddStringToObject(d, "profile_value",
			    was != NULL ? was : "(unset)");
			cJSON_AddStringToObject(d, "run_value",
			    now != NULL ? now : "?");
			cJSON_AddStringToObject(d, "reason", "overridden for "
			    "this run with --set");
			cJSON_AddItemToArray(devs, d);
			free(was);
			free(now);
			if (old != NULL)
				cJSON_ReplaceItemInObjectCaseSensitive(params,
				    c->string, cJSON_Duplicate(c, 1));
			else
				cJSON_AddItemToObject(params, c->string,
				    cJSON_Duplicate(c, 1));
		}
		if (tc->fam->check_params != NULL &&
		    (rc = tc->fam->check_params(params, &ferr)) != 0) {
			cJSON_Delete(params);
			return hq_err_set(err, rc, "--set %s: %s", tc->id,
			    ferr.msg);
		}
	}
	*paramsp = params;
	return 0;
}

static cJSON *
entry_new(const struct hq_case *tc, const cJSON *params,
    const struct hq_group *g)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "id", tc->id);
	cJSON_AddStringToObject(e, "title", tc->title);
	cJSON_AddStringToObject(e, "group", tc->group);
	if (g != NULL)
		cJSON_AddStringToObject(e, "group_title", g->title);
	if (tc->clause != NULL)
		cJSON_AddStringToObject(e, "clause", tc->clause);
	cJSON_AddItemToObject(e, "refs", strv_json(tc->refs, tc->nrefs));
	cJSON_AddStringToObject(e, "family", tc->family);
	cJSON_AddBoolToObject(e, "mandatory", tc->mandatory);
	cJSON_AddStringToObject(e, "decision_rule", hq_rule_name(tc->rule));
	cJSON_AddStringToObject(e, "method", tc->description);
	cJSON_AddItemToObject(e, "params", cJSON_Duplicate(params, 1));
	return e;
}

static void
entry_finish(cJSON *e, struct hq_result *res, int64_t start_ms,
    int64_t end_ms, cJSON *devs)
{
	cJSON *rj = hq_result_json(res), *c;
	char ts[40];

	hq_time_rfc3339(start_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(e, "started", ts);
	hq_time_rfc3339(end_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(e, "ended", ts);
	cJSON_AddNumberToObject(e, "duration_ms", (double)(end_ms - start_ms));
	cJSON_ArrayForEach(c, rj)
		cJSON_AddItemToObject(e, c->string, cJSON_Duplicate(c, 1));
	cJSON_AddItemToObject(e, "deviations", devs != NULL ?
	    cJSON_Duplicate(devs, 1) : cJSON_CreateArray());
}

static void
progress(const struct run *r, size_t i, const struct hq_case *tc,
    const struct hq_result *res, int64_t ms)
{
	if (!r->o->progress)
		return;
	fprintf(stderr, "%s[%3zu/%zu] %-40s %-14s %6.1f s  %.80s\n",
	    r->o->progress_tty ? "\r\033[K" : "", i + 1,
	    r->plan.nitems, tc->id, hq_verdict_name(hq_result_verdict(res)),
	    (double)ms / 1000.0, hq_result_rationale(res));
}

/*
 * Every step goes to the capture (a packet comment) and, with --progress,
 * a long case shows its current step: at most one line every 2 s.
 */
static void
step_hook(void *arg, const char *case_id, const char *text)
{
	struct run *r = arg;
	int64_t now = hq_mono_ns();

	if (r->cap != NULL)
		hq_capture_step_hook(r->cap, case_id, text);
	/* Families may step from more than one thread. */
	if (!r->o->progress || now - __atomic_load_n(&r->last_step_ns,
	    __ATOMIC_RELAXED) < PROGRESS_STEP_NS)
		return;
	__atomic_store_n(&r->last_step_ns, now, __ATOMIC_RELAXED);
	if (r->o->progress_tty)
		fprintf(stderr, "\r\033[K[%3zu/%zu] %-40s %.60s", r->cur + 1,
		    r->plan.nitems, case_id, text);
	else
		fprintf(stderr, "[%3zu/%zu] %s: step: %.200s\n", r->cur + 1,
		    r->plan.nitems, case_id, text);
}

static void
run_one(struct run *r, size_t i)
{
	const struct hq_plan_item *it = &r->plan.items[i];
	const struct hq_case *tc = it->tc;
	struct hq_case eff;
	struct hq_result *res;
	struct hq_err err = { 0 };
	cJSON *params = NULL, *entry, *devs = cJSON_CreateArray();
	int64_t start = hq_wall_ms();
	int rc;

	if ((res = hq_result_new(tc->id, r->t0_ns)) == NULL) {
		cJSON_Delete(devs);
		return;
	}
	/* The profile's decision rule (ISO/IEC 17025 7.8.6): what
	 * hq_measure applies, so the verdict and the table agree. */
	hq_result_set_rule(res, tc->rule);
	r->cur = i;
	__atomic_store_n(&r->last_step_ns, hq_mono_ns(), __ATOMIC_RELAXED);
	hq_result_set_hook(res, step_hook, r);
	if (r->o->progress && it->applicable && !hq_interrupted) {
		if (r->o->progress_tty)
			fprintf(stderr, "[%3zu/%zu] %-40s running...\r", i + 1,
			    r->plan.nitems, tc->id);
		else
			fprintf(stderr, "[%3zu/%zu] %s: running\n", i + 1,
			    r->plan.nitems, tc->id);
	}
	if (!it->selected) {
		hq_verdict(res, HQ_NOT_RUN, "%s", it->reason);
		params = cJSON_Duplicate(tc->params, 1);
	} else if (!it->applicable) {
		hq_verdict(res, HQ_NOT_APPLICABLE, "%s", it->reason);
		params = cJSON_Duplicate(tc->params, 1);
	} else if (hq_interrupted) {
		hq_verdict(res, HQ_NOT_RUN, "the run was interrupted "
		    "before this case");
		params = cJSON_Duplicate(tc->params, 1);
	} else if ((rc = effective_params(r, tc, &params, devs, &err)) != 0) {
		hq_verdict(res, HQ_INCONCLUSIVE, "error: %s", err.msg);
		params = cJSON_Duplicate(tc->params, 1);
	} else {
		eff = *tc;
		eff.params = params;
		r->ctx.tc = &eff;
		r->ctx.deadline = hq_deadline_in((int64_t)tc->timeout_s * 1000);
		hq_info("%s: start (%s)", tc->id, tc->family);
		if (r->cap != NULL) {
			char note[512];

			snprintf(note, sizeof(note), "case %s: start", tc->id);
			hq_capture_comment(r->cap, note);
		}
		rc = tc->fam->run(&r->ctx, &eff, res, &err);
		if (tc->fam->cleanup != NULL)
			tc->fam->cleanup(&r->ctx);
		r->ctx.tc = NULL;
		if (hq_interrupted)
			hq_verdict(res, HQ_INCONCLUSIVE, "interrupted: %s",
			    err.code != 0 ? err.msg : "SIGINT/SIGTERM");
		else if (rc != 0)
			hq_verdict(res, HQ_INCONCLUSIVE, "error: %s",
			    err.code != 0 ? err.msg : hq_err_name(rc));
		else if (hq_result_verdict(res) == HQ_V_NONE)
			hq_verdict(res, HQ_INCONCLUSIVE, "error: the %s family "
			    "reached no verdict", tc->family);
		else if (hq_result_verdict(res) == HQ_PASS &&
		    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		    hq_result_json(res), "steps")) == 0)
			/* A PASS needs positive evidence: at least the steps
			 * that produced it. */
			hq_verdict(res, HQ_INCONCLUSIVE, "error: PASS without "
			    "any recorded step");
		/* A PASS resting on a capture that hit its cap rests on
		 * incomplete evidence. */
		if (hq_result_verdict(res) == HQ_PASS &&
		    (tc->fam->flags & HQ_FAM_NEEDS_CAPTURE) != 0 &&
		    (r->cap == NULL || hq_capture_cap_hit(r->cap)))
			hq_verdict(res, HQ_INCONCLUSIVE, "%s",
			    r->cap == NULL ? "no capture was running (needed "
			    "as evidence)" : "the capture reached its size "
			    "cap; the evidence is incomplete");
		if (r->cap != NULL) {
			char note[512];

			snprintf(note, sizeof(note), "case %s: %s", tc->id,
			    hq_verdict_name(hq_result_verdict(res)));
			hq_capture_comment(r->cap, note);
		}
		hq_info("%s: %s: %s", tc->id,
		    hq_verdict_name(hq_result_verdict(res)),
		    hq_result_rationale(res));
	}
	entry = entry_new(tc, params, hq_profile_group(r->p, tc->group));
	entry_finish(entry, res, start, hq_wall_ms(), devs);
	if (cJSON_GetArraySize(devs) > 0) {
		const cJSON *d;

		cJSON_ArrayForEach(d, devs)
			cJSON_AddItemToArray(r->deviations,
			    cJSON_Duplicate(d, 1));
	}
	stream_result(r, entry);
	cJSON_AddItemToArray(r->results, entry);
	if (it->applicable && hq_result_verdict(res) != HQ_NOT_RUN)
		progress(r, i, tc, res, hq_wall_ms() - start);
	hq_result_free(res);
	cJSON_Delete(params);
	cJSON_Delete(devs);
}

/* The numbers, the overall result and the failing cases, for the CLI. */
static void
summary_from(const cJSON *report, struct hq_run_summary *sum)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(report, "summary"),
	    *e;
	size_t o = 0;

#define NUM(k) ((size_t)cJSON_GetNumberValue(				\
	    cJSON_GetObjectItemCaseSensitive(s, k)))
	sum->npass = NUM("pass");
	sum->nfail = NUM("fail");
	sum->ninconclusive = NUM("inconclusive");
	sum->nna = NUM("not_applicable");
	sum->nnotrun = NUM("not_run");
#undef NUM
	snprintf(sum->verdict, sizeof(sum->verdict), "%s",
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s,
	    "verdict")));
	snprintf(sum->statement, sizeof(sum->statement), "%s",
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s,
	    "statement")));
	sum->failing[0] = '\0';
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(report,
	    "results")) {
		const char *v = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "verdict"));

		if (v == NULL || strcmp(v, "FAIL") != 0 ||
		    o >= sizeof(sum->failing))
			continue;
		o += (size_t)snprintf(sum->failing + o, sizeof(sum->failing) -
		    o, "%s%s", o > 0 ? ", " : "", cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "id")));
	}
}

/* Fills in the job's approval of each deviation (by case and param). */
static void
deviations_approve(cJSON *devs, const cJSON *approvals)
{
	cJSON *d;
	const cJSON *a;

	cJSON_ArrayForEach(d, devs) {
		const char *dc = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(d, "case"));
		const char *dp = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(d, "param"));
		const cJSON *hit = NULL;

		cJSON_ArrayForEach(a, approvals) {
			const char *ac = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(a, "case"));
			const char *ap = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(a, "param"));

			if (ac != NULL && dc != NULL && strcmp(ac, dc) == 0 &&
			    (ap == NULL || (dp != NULL && strcmp(ap, dp) ==
			    0)))
				hit = a;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(d, "justification");
		cJSON_DeleteItemFromObjectCaseSensitive(d, "approved_by");
		if (hit != NULL) {
			cJSON_AddItemToObject(d, "justification",
			    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
			    hit, "justification"), 1));
			cJSON_AddItemToObject(d, "approved_by",
			    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
			    hit, "approved_by"), 1));
		} else {
			cJSON_AddStringToObject(d, "justification", "not "
			    "stated (no approval in the job file)");
			cJSON_AddNullToObject(d, "approved_by");
		}
	}
}

static void sign_outputs(struct run *, struct hq_run_summary *);

static int
finish(struct run *r, bool complete, struct hq_run_summary *sum,
    struct hq_err *err)
{
	struct hq_report_in in = { 0 };
	struct hq_err serr = { 0 };
	struct hq_docs docs = { 0 };
	cJSON *manifest, *report, *lab;
	const cJSON *c;
	char *text = NULL;
	size_t len = 0;
	int rc;

	/* The evidence is complete (the capture stopped): its flush runs
	 * while the manifest and the report are computed. */
	hq_sync_flush_start();
	if (hq_evidence_seal(r->ev, &serr) != 0)
		hq_warn("%s", serr.msg);
	hq_err_clear(&serr);
	manifest = hq_evidence_manifest(r->ev);
	/* The signer's public names (kept when the worker let go of the
	 * key). */
	lab = hq_lab_report_json(r->lab, r->sign_subject, r->sign_keyid);
	if (r->job != NULL && lab != NULL) {
		cJSON *job = hq_job_report_json(r->job);

		/* The job's data (customer, item, ambient) over the lab
		 * file's fixed data. */
		cJSON_ArrayForEach(c, job) {
			if (strcmp(c->string, "deviation_approvals") == 0)
				continue;
			cJSON_DeleteItemFromObjectCaseSensitive(lab, c->string);
			cJSON_AddItemToObject(lab, c->string,
			    cJSON_Duplicate(c, 1));
		}
		deviations_approve(r->deviations,
		    cJSON_GetObjectItemCaseSensitive(job,
		    "deviation_approvals"));
		cJSON_Delete(job);
	} else
		deviations_approve(r->deviations, NULL);
	in.lab = lab;
	in.profile = r->p;
	in.dut = r->dut;
	in.report_id = r->report_id;
	in.started_ms = r->started_ms;
	in.ended_ms = hq_wall_ms();
	in.results = r->results;
	in.manifest = manifest;
	in.run_extra = r->run_extra;
	in.deviations = r->deviations;
	in.complete = complete;
	if ((report = hq_report_build(&in)) == NULL) {
		cJSON_Delete(manifest);
		cJSON_Delete(lab);
		return hq_err_set(err, HQ_ENOMEM, "report: no memory");
	}
	/* report.json is final once written; the HTML, JUnit, signature and
	 * attestation are derived from its bytes (the HTML and JUnit are
	 * rendered from them while the evidence is being synced).  A
	 * failure after it keeps the run: the verdict stands, the outputs
	 * are made again with `hopquy render`. */
	if ((rc = hq_report_text(report, &text, &len, err)) == 0 &&
	    hq_render_docs_mem(text, len, &docs, &serr) != 0) {
		sum->render_failed = true;
		snprintf(sum->output_error, sizeof(sum->output_error), "%s",
		    serr.msg);
	}
	/* The evidence is on disk before the report that names it. */
	if (rc == 0 && (rc = hq_sync_flush_wait(err)) == 0)
		rc = hq_report_write_text(r->rundir, text, len, err);
	else
		hq_sync_flush_wait(NULL);
	free(text);
	summary_from(report, sum);
	cJSON_Delete(report);
	cJSON_Delete(manifest);
	cJSON_Delete(lab);
	if (rc == 0 && !sum->render_failed &&
	    hq_docs_write(r->rundir, &docs, &serr) != 0) {
		sum->render_failed = true;
		snprintf(sum->output_error, sizeof(sum->output_error), "%s",
		    serr.msg);
	}
	hq_docs_free(&docs);
	if (rc != 0)
		return rc;
	if (sum->render_failed)
		hq_warn("render: %s", sum->output_error);
	/* With privilege separation, the monitor signs once the worker
	 * is gone: the key never reaches the worker. */
	if (!r->privsep)
		sign_outputs(r, sum);
	return 0;
}

/* A symbolic link among the run directory's top-level entries (the
 * report, its renderings and signatures live there); its name in name. */
static bool
rundir_has_link(const char *dir, char *name, size_t namesz)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int dfd;
	bool found = false;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		snprintf(name, namesz, "%s", dir);
		return true;
	}
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		snprintf(name, namesz, "%s", dir);
		return true;
	}
	while (!found && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
			snprintf(name, namesz, "%s", de->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* report.json must not name the signature it did not get. */
static void
unsigned_report(struct run *r, const struct hq_run_summary *sum)
{
	struct hq_err e2 = { 0 };

	if (hq_render_set_signature(r->rundir, NULL, &e2) != 0 ||
	    (!sum->render_failed && hq_render_docs(r->rundir, &e2) != 0))
		hq_warn("%s", e2.msg);
}

static void
sign_outputs(struct run *r, struct hq_run_summary *sum)
{
	struct hq_err serr = { 0 };

	if (r->signer != NULL && hq_render_sign(r->rundir, r->signer,
	    r->o->tsa_url, &serr) != 0) {
		sum->sign_failed = true;
		snprintf(sum->output_error, sizeof(sum->output_error), "%s",
		    serr.msg);
		hq_warn("sign: %s", serr.msg);
		unsigned_report(r, sum);
	}
}

/*
 * Before any case: one declared TCP surface must accept a connection
 * within the deadline, else the run stops (69) naming the address and
 * what was tried.  Twelve INCONCLUSIVE cases after minutes of timeouts
 * tell a lab less.
 */
static int
reach_check(struct run *r, struct hq_err *err)
{
	const struct hq_dut *d = r->dut;
	const char *addr = r->bench != NULL &&
	    hq_bench_dut_address(r->bench) != NULL ?
	    hq_bench_dut_address(r->bench) : d->address;
	struct hq_deadline all, one;
	struct hq_err e = { 0 };
	char tried[256] = "";
	size_t i, o = 0, ntcp = 0;
	int ms = r->o->reach_ms > 0 ? r->o->reach_ms : REACH_MS_DEFAULT;
	int fd = -1;

	if (r->o->reach_ms < 0) {
		snprintf(r->reached, sizeof(r->reached), "not checked "
		    "(--no-reach-check)");
		return 0;
	}
	for (i = 0; i < d->nsurfaces; i++)
		if (d->surfaces[i].transport == NULL ||
		    strcmp(d->surfaces[i].transport, "udp") != 0) {
			ntcp++;
			if (o < sizeof(tried))
				o += (size_t)snprintf(tried + o,
				    sizeof(tried) - o, "%stcp/%u (%s)",
				    o > 0 ? ", " : "", d->surfaces[i].port,
				    d->surfaces[i].id);
		}
	if (ntcp == 0) {
		hq_warn("%s: no TCP surface declared; reachability not "
		    "checked", addr);
		snprintf(r->reached, sizeof(r->reached), "not checked (no TCP "
		    "surface declared)");
		return 0;
	}
	all = hq_deadline_in(ms);
	while (!hq_deadline_passed(all) && !hq_interrupted) {
		for (i = 0; i < d->nsurfaces; i++) {
			const struct hq_surface *sf = &d->surfaces[i];

			if (sf->transport != NULL &&
			    strcmp(sf->transport, "udp") == 0)
				continue;
			one = hq_deadline_min(all, hq_deadline_in(2000));
			hq_err_clear(&e);
			if (hq_net_connect(addr, sf->port, one, &fd, &e) == 0) {
				close(fd);
				hq_info("%s: tcp/%u (%s) answers", addr,
				    sf->port, sf->id);
				snprintf(r->reached, sizeof(r->reached), "%s "
				    "tcp/%u (%.40s) answered", addr, sf->port,
				    sf->id);
				return 0;
			}
		}
		hq_sleep_ms(hq_deadline_poll_ms(all) < 500 ?
		    hq_deadline_poll_ms(all) : 500);
	}
	return hq_err_set(err, HQ_EUNREACH, "DUT %s unreachable: no declared "
	    "surface answered within %d ms (tried %s; last: %.120s)", addr,
	    ms, tried, e.msg[0] != '\0' ? e.msg : "no answer");
}

/*
 * Opens the bench (lock, journal check), moves into the lab side so the
 * DUT is reached over the LAN, and starts the capture on the DUT-facing
 * interface: from before the first step to after the last.
 */
static int
bench_open(struct run *r, struct hq_err *err)
{
	int rc;

	if (r->o->no_bench)
		return 0;
	if ((rc = hq_bench_open(r->dut, r->o->bench_instance, &r->bench,
	    err)) != 0 ||
	    (rc = hq_bench_enter_lab(r->bench, err)) != 0)
		return rc;
	r->ctx.bench = r->bench;
	return 0;
}

static int
bench_setup(struct run *r, struct hq_err *err)
{
	struct hq_capture_opts co = HQ_CAPTURE_OPTS_INIT;
	char abspath[PATH_MAX];
	cJSON *b;
	int rc;

	b = cJSON_AddObjectToObject(r->run_extra, "bench");
	cJSON_AddNumberToObject(b, "instance", hq_bench_instance(r->bench));
	cJSON_AddStringToObject(b, "mode", r->dut->bench_mode);
	cJSON_AddStringToObject(b, "lab_namespace", hq_bench_lab_ns(r->bench));
	cJSON_AddStringToObject(b, "lan_if", hq_bench_lan_ifname(r->bench));
	cJSON_AddStringToObject(b, "uplink_if",
	    hq_bench_uplink_ifname(r->bench));
	if (r->o->no_capture)
		return 0;
	if ((rc = hq_evidence_register(r->ev, "capture/run.pcapng",
	    "capture", abspath, sizeof(abspath), err)) != 0)
		return rc;
	co.ifname = hq_bench_lan_ifname(r->bench);
	co.path = abspath;
	co.snaplen = r->o->snaplen;
	co.filter = r->o->capture_filter;
	co.max_bytes = r->o->capture_max_bytes;
	co.group_read = r->o->group != NULL;
	if (r->privsep) {
		/* The monitor's, started when the worker asks. */
		snprintf(r->capath, sizeof(r->capath), "%s", abspath);
		r->co = co;
		r->co.path = r->capath;
		return 0;
	}
	if ((rc = hq_capture_start(&co, &r->cap, err)) != 0)
		return rc;
	r->ctx.cap = r->cap;
	hq_capture_comment(r->cap, "run: start");
	return 0;
}

/* Stops the capture (stats into the report), restores and unlocks. */
static void
bench_teardown(struct run *r)
{
	struct hq_err err = { 0 };
	cJSON *stats = NULL;

	if (r->cap != NULL) {
		/* The monitor writes it with the stop (priv.c: one round
		 * trip less). */
		if (!r->privsep)
			hq_capture_comment(r->cap, hq_interrupted ?
			    "run: interrupted" : "run: end");
		if (hq_capture_stop(r->cap, &stats, &err) != 0)
			hq_warn("capture: %s", err.msg);
		/* The worker's: the monitor wrote the capture and syncs it
		 * too, later; the worker's flush of the evidence takes it
		 * (one journal commit with the rest), so the report that
		 * names it is written after it is durable. */
		if (r->privsep && r->capath[0] != '\0')
			hq_sync_later(r->capath, NULL);
		r->cap = NULL;
		r->ctx.cap = NULL;
		if (stats != NULL)
			cJSON_AddItemToObject(r->run_extra, "capture", stats);
	}
	if (r->bench != NULL) {
		hq_bench_close(r->bench);
		r->bench = NULL;
		r->ctx.bench = NULL;
	}
}

/*
 * Privilege separation (bench/priv.h).  The monitor (this process, root)
 * has opened the bench, entered the lab namespace and made the run
 * directory; the worker, forked here, inherits the namespace, drops to
 * the unprivileged user and runs every case, then writes the report.  The
 * signing key stays the monitor's: the worker frees its copy before it
 * drops, and the monitor signs the report.json the worker wrote, once
 * the worker is gone.
 */

/* Namespaces mode: the worker binds the cloud's ports (443, 8883...) in
 * the lab namespace, which is hopquy's; the host's is never changed. */
static void
lab_ports(const char *val, char *old, size_t oldsz)
{
	const char *path = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
	char buf[32] = "";
	FILE *f;

	if (old != NULL && (f = fopen(path, "re")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			snprintf(old, oldsz, "%s", buf);
		fclose(f);
	}
	if (val == NULL || val[0] == '\0')
		return;
	if ((f = fopen(path, "we")) == NULL) {
		hq_warn("%s: %s", path, strerror(errno));
		return;
	}
	fputs(val, f);
	if (fclose(f) != 0)
		hq_warn("%s: %s", path, strerror(errno));
}

static void
done_send(struct hq_priv *p, struct done_msg *dm)
{
	struct hq_priv_req *q = malloc(sizeof(*q));
	struct hq_priv_rep *rep = malloc(sizeof(*rep));
	struct hq_err e = { 0 };

	if (q != NULL && rep != NULL) {
		q->op = HQ_PRIV_DONE;
		q->arg = 0;
		q->pid = 0;
		q->len = sizeof(*dm);
		memcpy(q->data, dm, sizeof(*dm));
		if (hq_priv_call(p, q, rep, &e) != 0)
			hq_error("%s", e.msg);
	}
	free(q);
	free(rep);
}

/*
 * The interception certificates and keys the DUT file names are read in
 * the worker; a key the worker's user cannot read (0600 root, as keys
 * should be) is read here, by the monitor, into a memfd the worker
 * inherits and opens as /proc/self/fd/N.  Nothing else of the monitor's
 * files goes to the worker.
 */
#define SHARE_MAX	6
#define SHARE_BYTES	(1 << 20)

struct share {
	char	**pathp;
	int	  fd;
};

static ssize_t
read_upto(int fd, char *buf, size_t n)
{
	size_t o = 0;
	ssize_t k;

	while (o < n) {
		k = read(fd, buf + o, n - o);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		o += (size_t)k;
	}
	return (ssize_t)o;
}

static int
write_all(int fd, const char *buf, size_t n)
{
	size_t o = 0;
	ssize_t k;

	while (o < n) {
		k = write(fd, buf + o, n - o);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		o += (size_t)k;
	}
	return 0;
}

static bool
worker_can_read(const struct run *r, const struct stat *st)
{
	if (st->st_uid == r->wuid)
		return (st->st_mode & 0400) != 0;
	if (st->st_gid == r->wgid)
		return (st->st_mode & 0040) != 0;
	return (st->st_mode & 0004) != 0;
}

/*
 * The regular files the DUT description's recipes name (update, data,
 * power, alarm, ai, monitor, disclosure.ca: what the cases open, as the
 * worker), seen by the monitor (root) before the worker starts; a secret
 * reference ({"file": PATH} alone, read at load) is not one of them.  The
 * worker then says at its start which of them it cannot read, rather than
 * a case failing on it later.  A string that only looks like a path here
 * (a path on the device) is at worst a warning.
 */
static void
dut_files_walk(const struct run *r, const cJSON *n, const char *field,
    int depth)
{
	struct run *w = (struct run *)r;
	const cJSON *c;
	char sub[128], p[PATH_MAX];
	const char *s;
	struct stat st;
	size_t i = 0;

	if (n == NULL || depth > 16 || w->ndfiles >= DUT_FILES_MAX)
		return;
	if (cJSON_IsObject(n)) {
		if (cJSON_GetArraySize(n) == 1 && n->child->string != NULL &&
		    (strcmp(n->child->string, "file") == 0 ||
		    strcmp(n->child->string, "env") == 0))
			return;			/* a secret, read at load */
		cJSON_ArrayForEach(c, n) {
			snprintf(sub, sizeof(sub), "%s.%s", field,
			    c->string != NULL ? c->string : "?");
			dut_files_walk(r, c, sub, depth + 1);
		}
		return;
	}
	if (cJSON_IsArray(n)) {
		cJSON_ArrayForEach(c, n) {
			snprintf(sub, sizeof(sub), "%s[%zu]", field, i++);
			dut_files_walk(r, c, sub, depth + 1);
		}
		return;
	}
	if (!cJSON_IsString(n) || (s = n->valuestring) == NULL)
		return;
	if (strncmp(s, "file:", 5) == 0)
		s += 5;
	if (s[0] == '\0' || strlen(s) > PATH_MAX / 2)
		return;
	hq_dut_path(r->dut, s, p, sizeof(p));
	if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	snprintf(w->dfiles[w->ndfiles].field, sizeof(w->dfiles[0].field),
	    "%s", field);
	snprintf(w->dfiles[w->ndfiles].path, sizeof(w->dfiles[0].path), "%s",
	    p);
	w->ndfiles++;
}

static void
dut_files(struct run *r)
{
	const struct hq_dut *d = r->dut;
	cJSON *ca;

	free(r->dfiles);
	r->ndfiles = 0;
	if ((r->dfiles = calloc(DUT_FILES_MAX, sizeof(*r->dfiles))) == NULL)
		return;
	dut_files_walk(r, d->update, "update", 0);
	dut_files_walk(r, d->data, "data", 0);
	dut_files_walk(r, d->power, "power", 0);
	dut_files_walk(r, d->alarm, "alarm", 0);
	dut_files_walk(r, d->ai, "ai", 0);
	dut_files_walk(r, d->monitor, "monitor", 0);
	if (d->disclosure.ca != NULL &&
	    (ca = cJSON_CreateString(d->disclosure.ca)) != NULL) {
		dut_files_walk(r, ca, "disclosure.ca", 0);
		cJSON_Delete(ca);
	}
}

/* The worker's side: a warning per file of dut_files it cannot open. */
static size_t
dut_files_check(const struct run *r)
{
	size_t i, bad = 0;
	int fd;

	for (i = 0; i < r->ndfiles; i++) {
		if ((fd = open(r->dfiles[i].path, O_RDONLY | O_CLOEXEC |
		    O_NONBLOCK | O_NOCTTY)) >= 0) {
			close(fd);
			continue;
		}
		if (errno != EACCES && errno != EPERM)
			continue;
		bad++;
		hq_warn("%s: %s names %s, which the worker (user %s) cannot "
		    "read: %s; the cases that use it will fail: make it "
		    "readable to %s (e.g. chgrp %s FILE; chmod g+r FILE, and "
		    "its directories searchable) or run with --no-privsep",
		    r->dut->path, r->dfiles[i].field, r->dfiles[i].path,
		    r->wuser, strerror(errno), r->wuser, r->wuser);
	}
	return bad;
}

static size_t
share_files(struct run *r, struct share *sh)
{
	struct hq_dut *d = (struct hq_dut *)r->dut;
	struct hq_certpair *cp[] = { &d->icpt_control, &d->icpt_wrong_name,
	    &d->icpt_expired };
	char **paths[SHARE_MAX];
	char *buf = NULL;
	struct stat st;
	size_t i, n = 0, np = 0;

	for (i = 0; i < sizeof(cp) / sizeof(*cp); i++) {
		paths[np++] = &cp[i]->cert;
		paths[np++] = &cp[i]->key;
	}
	for (i = 0; i < np; i++) {
		ssize_t got;
		int in, mfd;

		if (*paths[i] == NULL || stat(*paths[i], &st) != 0 ||
		    !S_ISREG(st.st_mode) || worker_can_read(r, &st) ||
		    st.st_size > SHARE_BYTES)
			continue;
		if (buf == NULL && (buf = malloc(SHARE_BYTES)) == NULL)
			break;
		if ((in = open(*paths[i], O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		got = read_upto(in, buf, SHARE_BYTES);
		close(in);
		if (got < 0 || (mfd = memfd_create("hopquy-dut-file", 0)) < 0)
			continue;
		if (write_all(mfd, buf, (size_t)got) != 0) {
			close(mfd);
			continue;
		}
		sh[n].pathp = paths[i];
		sh[n].fd = mfd;
		n++;
	}
	if (buf != NULL)
		explicit_bzero(buf, SHARE_BYTES);
	free(buf);
	return n;
}

static __attribute__((noreturn)) void
worker_main(struct run *r, int fd)
{
	struct done_msg *dm = calloc(1, sizeof(*dm));
	struct hq_priv_rep *rep = malloc(sizeof(*rep));
	struct hq_err e = { 0 };
	size_t i;
	int rc;

	if (dm == NULL || rep == NULL)
		_exit(70);
	r->priv = hq_priv_client(fd, hq_bench_instance(r->bench));
	if (r->priv == NULL)
		_exit(70);
	hq_bench_set_remote(r->bench, r->priv);
	/* The key stays the monitor's (OpenSSL clears it when freed). */
	hq_signer_free(r->signer);
	r->signer = NULL;
	if ((rc = hq_priv_drop(r->wuid, r->wgid, &e)) != 0 ||
	    (rc = hq_priv_call_simple(r->priv, HQ_PRIV_START, 0, NULL, rep,
	    &e)) != 0)
		goto out;
	if (rep->n == 1) {
		if ((r->cap = hq_capture_remote(r->priv)) == NULL) {
			rc = hq_err_set(&e, HQ_ENOMEM, "no memory");
			goto out;
		}
		r->ctx.cap = r->cap;
	}
	if (access(r->rundir, W_OK | X_OK) != 0) {
		rc = hq_err_set(&e, HQ_EIO, "the worker (user %s) cannot "
		    "write %s: %s; make its parent directories searchable "
		    "(chmod o+x) or run with --no-privsep", r->wuser,
		    r->rundir, strerror(errno));
		goto out;
	}
	if (r->dut->dir != NULL && access(r->dut->dir, X_OK) != 0) {
		rc = hq_err_set(&e, HQ_EIO, "the worker (user %s) cannot "
		    "reach the DUT file's directory %s: %s; make it searchable "
		    "or run with --no-privsep", r->wuser, r->dut->dir,
		    strerror(errno));
		goto out;
	}
	(void)dut_files_check(r);
	hq_info("run %s: profile %s %s, DUT %s %s (%s), %zu cases; worker "
	    "pid %ld as %s (uid %u), no capabilities", r->report_id,
	    r->p->id, r->p->version, r->dut->manufacturer, r->dut->model,
	    r->dut->serial, r->p->ncases, (long)getpid(), r->wuser,
	    (unsigned)r->wuid);
	for (i = 0; i < r->plan.nitems; i++)
		run_one(r, i);
	bench_teardown(r);
	dm->sum.interrupted = hq_interrupted != 0;
	rc = finish(r, !dm->sum.interrupted, &dm->sum, &e);
 out:
	bench_teardown(r);
	/* The report and its renderings are synced by the monitor, while
	 * this process exits (privsep_run). */
	hq_sync_flush_wait(NULL);
	dm->rc = rc;
	snprintf(dm->msg, sizeof(dm->msg), "%s", e.msg);
	done_send(r->priv, dm);
	hq_log_close_file();
	if (r->results_fd >= 0)
		close(r->results_fd);
	fflush(stdout);
	fflush(stderr);
	_exit(0);
}

static const char *const report_files[] = { "report.json", "report.html",
    "junit.xml" };

static int
privsep_run(struct run *r, struct hq_run_summary *sum, struct hq_err *err)
{
	struct hq_priv_monitor m;
	struct done_msg *dm;
	struct share share[SHARE_MAX];
	size_t i, nshare;
	char old_ports[32] = "", lname[256], rpath[PATH_MAX + 16];
	bool lab = hq_bench_lab_ns(r->bench)[0] != '\0';
	int sv[2], rc;
	pid_t pid;

	if ((rc = hq_priv_user(&r->wuid, &r->wgid, r->wuser,
	    sizeof(r->wuser), err)) != 0)
		return rc;
	if ((dm = calloc(1, sizeof(*dm))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	nshare = share_files(r, share);
	dut_files(r);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		free(dm);
		return hq_err_sys(err, "socketpair");
	}
	if (lab)
		lab_ports("0", old_ports, sizeof(old_ports));
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		rc = hq_err_sys(err, "fork");
		close(sv[0]);
		close(sv[1]);
		for (i = 0; i < nshare; i++)
			close(share[i].fd);
		free(dm);
		return rc;
	}
	if (pid == 0) {
		char p[64];

		close(sv[0]);
		for (i = 0; i < nshare; i++) {
			snprintf(p, sizeof(p), "/proc/self/fd/%d", share[i].fd);
			*share[i].pathp = strdup(p);	/* the worker's copy */
		}
		worker_main(r, sv[1]);
	}
	close(sv[1]);
	for (i = 0; i < nshare; i++)
		close(share[i].fd);
	hq_info("privilege separation: monitor pid %ld, worker pid %ld as "
	    "%s", (long)getpid(), (long)pid, r->wuser);
	memset(&m, 0, sizeof(m));
	m.fd = sv[0];
	m.worker = pid;
	m.bench = r->bench;
	m.co = r->o->no_capture ? NULL : &r->co;
	m.rundir = r->rundir;
	m.uid = r->wuid;
	m.gid = r->wgid;
	m.done_len = sizeof(*dm);
	m.done_buf = dm;
	/* The report files the worker writes last: the monitor's deferred
	 * syncs, started when the worker says it is done (DONE) and run
	 * while it exits; durable before they are signed. */
	for (i = 0; i < sizeof(report_files) / sizeof(*report_files); i++) {
		snprintf(rpath, sizeof(rpath), "%s/%s", r->rundir,
		    report_files[i]);
		hq_sync_later(rpath, NULL);
	}
	rc = hq_priv_serve(&m, err);
	{
		struct hq_err serr = { 0 };

		if (hq_sync_flush_wait(&serr) != 0 && rc == 0 && dm->rc == 0)
			hq_warn("run directory not synced: %s", serr.msg);
	}
	close(sv[0]);
	cJSON_Delete(m.stats);
	if (lab && old_ports[0] != '\0')
		lab_ports(old_ports, NULL, 0);
	if (rc == 0 && dm->rc != 0) {
		dm->msg[sizeof(dm->msg) - 1] = '\0';
		rc = hq_err_set(err, dm->rc < 0 && dm->rc >= HQ_EUSAGE ?
		    dm->rc : HQ_EIO, "%s", dm->msg);
	} else if (rc == 0) {
		/* The worker's numbers; its strings cut to their arrays. */
		*sum = dm->sum;
		sum->verdict[sizeof(sum->verdict) - 1] = '\0';
		sum->statement[sizeof(sum->statement) - 1] = '\0';
		sum->failing[sizeof(sum->failing) - 1] = '\0';
		sum->output_error[sizeof(sum->output_error) - 1] = '\0';
		snprintf(sum->report_id, sizeof(sum->report_id), "%s",
		    r->report_id);
		snprintf(sum->rundir, sizeof(sum->rundir), "%s", r->rundir);
		if (r->signer != NULL && rundir_has_link(r->rundir, lname,
		    sizeof(lname))) {
			/* The worker wrote this directory: root reads and
			 * signs only its own regular files, never through a
			 * link the worker may have planted. */
			sum->sign_failed = true;
			snprintf(sum->output_error, sizeof(sum->output_error),
			    "not signed: %s in the run directory is a "
			    "symbolic link", lname);
			hq_warn("sign: %s", sum->output_error);
			unsigned_report(r, sum);
		} else
			sign_outputs(r, sum);
	}
	free(dm);
	return rc;
}

static int
signer_names(struct run *r, struct hq_err *err)
{
	const char *s = hq_signer_subject(r->signer),
	    *k = hq_signer_keyid(r->signer);

	if ((s != NULL && (r->sign_subject = strdup(s)) == NULL) ||
	    (k != NULL && (r->sign_keyid = strdup(k)) == NULL))
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	return 0;
}

int
hq_engine_run(const struct hq_profile *p, const struct hq_dut *dut,
    const struct hq_run_opts *o, struct hq_run_summary *sum,
    struct hq_err *err)
{
	struct run r;
	char path[PATH_MAX + 32];
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(sum, 0, sizeof(*sum));
	r.p = p;
	r.dut = dut;
	r.o = o;
	r.results_fd = -1;
	r.privsep = o->privsep && !o->no_bench;
	r.started_ms = hq_wall_ms();
	r.t0_ns = hq_mono_ns();
	hq_report_new_id(r.report_id, sizeof(r.report_id));
	snprintf(sum->report_id, sizeof(sum->report_id), "%s", r.report_id);
	/* The bench first: a locked bench or a pending journal leaves no
	 * half-made run directory behind. */
	/* A bad lab file or signing key stops the run before it starts. */
	if ((o->lab_file != NULL &&
	    (rc = hq_lab_load(o->lab_file, &r.lab, err)) != 0) ||
	    (o->sign_key != NULL && (rc = hq_signer_load(o->sign_key,
	    o->sign_cert, &r.signer, err)) != 0) ||
	    (o->job_file != NULL &&
	    (rc = hq_job_load(o->job_file, &r.job, err)) != 0) ||
	    (r.signer != NULL && (rc = signer_names(&r, err)) != 0) ||
	    (rc = hq_plan_build(p, dut, o->only, &r.plan, err)) != 0 ||
	    (rc = bench_open(&r, err)) != 0 ||
	    (rc = reach_check(&r, err)) != 0 ||
	    (rc = make_rundir(&r, err)) != 0)
		goto out;
	snprintf(sum->rundir, sizeof(sum->rundir), "%s", r.rundir);
	/* One flush of the run's files at the end, not one fsync each
	 * (util.h: hq_sync_defer). */
	hq_sync_defer(true);
	snprintf(path, sizeof(path), "%s/run.log", r.rundir);
	if (hq_log_open_file(path) != 0)
		hq_warn("%s: cannot open the run log", path);
	snprintf(path, sizeof(path), "%s/results.jsonl", r.rundir);
	if ((r.results_fd = open(path, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0640)) < 0) {
		rc = hq_err_sys(err, path);
		goto out;
	}
	if ((rc = hq_evidence_new(r.rundir, &r.ev, err)) != 0)
		goto out;
	if ((r.results = cJSON_CreateArray()) == NULL ||
	    (r.deviations = cJSON_CreateArray()) == NULL ||
	    (r.facts = cJSON_CreateObject()) == NULL ||
	    (r.run_extra = cJSON_CreateObject()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	cJSON_AddStringToObject(r.run_extra, "rundir", r.rundir);
	cJSON_AddStringToObject(r.run_extra, "reachability", r.reached);
	/* The documentary cases' verdicts (family "assessment"), and the
	 * file they came from among the run's inputs. */
	if (o->assessment != NULL) {
		cJSON *a = cJSON_AddObjectToObject(r.run_extra, "assessment");

		cJSON_AddItemToObject(r.facts, "assessment",
		    cJSON_Duplicate(o->assessment, 1));
		cJSON_AddItemToObject(a, "path", cJSON_Duplicate(
		    cJSON_GetObjectItem(o->assessment, "path"), 1));
		cJSON_AddItemToObject(a, "sha256", cJSON_Duplicate(
		    cJSON_GetObjectItem(o->assessment, "sha256"), 1));
	}
	if (strcmp(p->status, "draft") == 0)
		cJSON_AddStringToObject(r.run_extra, "profile_notice", "the "
		    "profile is a draft: results show readiness for a "
		    "regulation not yet in force, not conformity");
	r.ctx.dut = dut;
	r.ctx.profile = p;
	r.ctx.ev = r.ev;
	r.ctx.rundir = r.rundir;
	r.ctx.t0_ns = r.t0_ns;
	r.ctx.facts = r.facts;
	if (r.bench != NULL && (rc = bench_setup(&r, err)) != 0)
		goto out;
	if (r.privsep) {
		rc = privsep_run(&r, sum, err);
		goto out;
	}
	hq_info("run %s: profile %s %s, DUT %s %s (%s), %zu cases",
	    r.report_id, p->id, p->version, dut->manufacturer, dut->model,
	    dut->serial, p->ncases);
	for (i = 0; i < r.plan.nitems; i++)
		run_one(&r, i);
	bench_teardown(&r);
	sum->interrupted = hq_interrupted != 0;
	rc = finish(&r, !sum->interrupted, sum, err);
 out:
	bench_teardown(&r);
	{
		struct hq_err serr = { 0 };

		hq_sync_flush_wait(NULL);
		if (hq_sync_flush(&serr) != 0)
			hq_warn("run directory not synced: %s", serr.msg);
		hq_sync_defer(false);
	}
	hq_log_close_file();
	if (r.results_fd >= 0)
		close(r.results_fd);
	hq_evidence_free(r.ev);
	cJSON_Delete(r.results);
	cJSON_Delete(r.deviations);
	cJSON_Delete(r.facts);
	cJSON_Delete(r.run_extra);
	hq_plan_clear(&r.plan);
	hq_lab_free(r.lab);
	hq_job_free(r.job);
	hq_signer_free(r.signer);
	free(r.sign_subject);
	free(r.sign_keyid);
	free(r.dfiles);
	return rc;
}
