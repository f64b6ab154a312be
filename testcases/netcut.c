/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family `netcut`: with the uplink cut, a stimulus is recognised locally
 * and raises an audible and a visual alarm within the limit, loud enough
 * and long enough; no alarm without a stimulus; the event is in the
 * DUT's local log; after the uplink is restored the DUT reconnects and
 * uploads the offline event (QCVN 132:2026; EN 303 645 5.9).
 *
 * Evidence and clocks: the stimulus is stamped by its driver on
 * CLOCK_MONOTONIC, the run's clock; audio onsets come from sample indices
 * of a recording whose sample 0 is at a known monotonic time; light lines
 * carry their own stamps (unix or monotonic ms) or arrival stamps.  So
 * latency = onset - stimulus is computed on one clock, never from when
 * bytes happened to be read.
 *
 * Controls before verdicts: the detector hears the calibration tone (and
 * the tone is where the clocks say it is); the DUT talks to its cloud
 * before the cut; the cut holds (the cloud receives nothing from the DUT
 * while cut); the recording keeps up.  A failed control makes the case
 * INCONCLUSIVE naming it.  A false alarm in the negative control is a
 * finding (FAIL), not a failed control.
 *
 * The family changes the network only through the bench (hq_bench_cut,
 * hq_bench_restore); cleanup restores it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "signal/audio.h"
#include "signal/evlist.h"
#include "signal/light.h"
#include "signal/stimulus.h"
#include "signal/timeline.h"
#include "util/jv.h"
#include "util/rd.h"
#include "netcut_verdict.h"

#define NS_PER_MS	1000000LL
#define NS_PER_S	1000000000LL
#define POLL_MS		20
#define CLOUD_POLL_MS	250
#define TRIALS_MAX	50
#define LIST_MAX	4096
#define NEG_MAX		8	/* negative stimuli per trial */
#define QUIET_POLL_MS	250

static const char *const netcut_keys[] = {
	"cut_mode", "settle_s", "trials", "stimulus_kind", "negative_kind",
	"negative_control_s", "baseline_s", "latency_limit_ms", "late_grace_ms",
	"min_level_db", "min_duration_ms", "band_hz", "onset_margin_db",
	"window_ms", "hop_ms", "merge_gap_ms", "require_audible",
	"require_visual", "min_flashes", "flash_hz_min", "flash_hz_max",
	"require_event_log", "reconnect_limit_s", "backlog_limit_s",
	"online_reference", "cal_min_snr_db", "cal_align_ms",
	"online_window_s", "post_restore_s", "quiet_limit_s",
	"require_backlog", "strobe_hz_min", "strobe_hz_max", NULL
};

struct netcut_params {
	enum hq_cut_mode cut;
	double		 settle_s, negative_s, baseline_s;
	long long	 trials;
	char		*kind;
	char		*neg[NEG_MAX];	/* negative stimuli, in order */
	size_t		 nneg;
	double		 limit_ms, grace_ms, min_db, min_dur_ms;
	double		 band[2];
	double		 margin_db, window_ms, hop_ms, merge_ms;
	bool		 need_audible, need_visual, need_event, online_ref;
	bool		 need_backlog;
	long long	 min_flashes;
	double		 fmin, fmax, smin, smax;
	double		 reconnect_s, backlog_s, post_s, quiet_s;
	double		 cal_snr, cal_align_ms, online_window_s;
};

static void
params_clear(struct netcut_params *p)
{
	size_t i;

	free(p->kind);
	for (i = 0; i < p->nneg; i++)
		free(p->neg[i]);
	p->nneg = 0;
}

/* negative_kind: null, a kind, or a list of 1..NEG_MAX kinds. */
static int
negatives_read(const cJSON *j, struct netcut_params *p, struct hq_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "negative_kind");
	const cJSON *it;

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v)) {
		if (!hq_stim_kind_ok(v->valuestring))
			goto bad;
		if ((p->neg[0] = strdup(v->valuestring)) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
		p->nneg = 1;
		return 0;
	}
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 ||
	    cJSON_GetArraySize(v) > NEG_MAX)
		goto bad;
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsString(it) || !hq_stim_kind_ok(it->valuestring))
			goto bad;
		if ((p->neg[p->nneg] = strdup(it->valuestring)) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
		p->nneg++;
	}
	return 0;
 bad:
	return hq_err_set(err, HQ_EINVAL, "negative_kind: expected null, a "
	    "kind or a list of 1-%d kinds (1-31 characters of [a-z0-9-])",
	    NEG_MAX);
}

static int
params_read(const cJSON *j, struct netcut_params *p, struct hq_err *err)
{
	const cJSON *band;
	char *cut = NULL;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = hq_jv_keys(j, "", netcut_keys, err)) != 0 ||
	    (rc = hq_jv_str(j, "", "cut_mode", false, 32, &cut, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "settle_s", false, 0, 600, 5,
	    &p->settle_s, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "trials", false, 1, TRIALS_MAX, 3,
	    &p->trials, err)) != 0 ||
	    (rc = hq_jv_str(j, "", "stimulus_kind", false, 31, &p->kind,
	    err)) != 0 ||
	    (rc = negatives_read(j, p, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "negative_control_s", false, 0.5, 3600, 30,
	    &p->negative_s, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "baseline_s", false, 0.5, 600, 5,
	    &p->baseline_s, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "latency_limit_ms", false, 10, 600000,
	    10000, &p->limit_ms, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "late_grace_ms", false, 0, 600000, -1,
	    &p->grace_ms, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "min_level_db", false, 0, 200, 85,
	    &p->min_db, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "min_duration_ms", false, 0, 3600000, 1000,
	    &p->min_dur_ms, err)) != 0 ||
	    (rc = hq_jv_get(j, "", "band_hz", cJSON_Array, false, &band,
	    err)) != 0 ||
	    (rc = hq_jv_num(j, "", "onset_margin_db", false, 3, 80, 15,
	    &p->margin_db, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "window_ms", false, 1, 1000, 10,
	    &p->window_ms, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "hop_ms", false, 0.5, 1000, 5,
	    &p->hop_ms, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "merge_gap_ms", false, 0, 60000, 1500,
	    &p->merge_ms, err)) != 0 ||
	    (rc = hq_jv_bool(j, "", "require_audible", false, true,
	    &p->need_audible, err)) != 0 ||
	    (rc = hq_jv_bool(j, "", "require_visual", false, true,
	    &p->need_visual, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "min_flashes", false, 1, 100000, 2,
	    &p->min_flashes, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "flash_hz_min", false, 0, 100, 0.5,
	    &p->fmin, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "flash_hz_max", false, 0, 100, 3,
	    &p->fmax, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "strobe_hz_min", false, 0, 100, 0.5,
	    &p->smin, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "strobe_hz_max", false, 0, 100, 2,
	    &p->smax, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "quiet_limit_s", false, 0, 3600, 30,
	    &p->quiet_s, err)) != 0 ||
	    (rc = hq_jv_bool(j, "", "require_backlog", false, false,
	    &p->need_backlog, err)) != 0 ||
	    (rc = hq_jv_bool(j, "", "require_event_log", false, true,
	    &p->need_event, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "reconnect_limit_s", false, 1, 3600, 60,
	    &p->reconnect_s, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "backlog_limit_s", false, 1, 3600, 120,
	    &p->backlog_s, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "post_restore_s", false, 0, 600, 3,
	    &p->post_s, err)) != 0 ||
	    (rc = hq_jv_bool(j, "", "online_reference", false, true,
	    &p->online_ref, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "cal_min_snr_db", false, 0, 100, 20,
	    &p->cal_snr, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "cal_align_ms", false, 0, 10000, 20,
	    &p->cal_align_ms, err)) != 0 ||
	    (rc = hq_jv_num(j, "", "online_window_s", false, 1, 3600, 30,
	    &p->online_window_s, err)) != 0)
		goto out;
	if (p->grace_ms < 0)
		p->grace_ms = p->limit_ms;
	{
		struct hq_err cerr = { 0 };

		p->cut = HQ_CUT_LINK_DOWN;
		if (cut != NULL && (rc = hq_cut_mode_parse(cut, &p->cut,
		    &cerr)) != 0) {
			rc = hq_err_set(err, rc, "cut_mode: %s", cerr.msg);
			goto out;
		}
	}
	p->band[0] = 500;
	p->band[1] = 5000;
	if (band != NULL) {
		if (cJSON_GetArraySize(band) != 2 ||
		    !cJSON_IsNumber(cJSON_GetArrayItem(band, 0)) ||
		    !cJSON_IsNumber(cJSON_GetArrayItem(band, 1))) {
			rc = hq_err_set(err, HQ_EINVAL, "band_hz: expected "
			    "[low, high] in Hz");
			goto out;
		}
		p->band[0] = cJSON_GetArrayItem(band, 0)->valuedouble;
		p->band[1] = cJSON_GetArrayItem(band, 1)->valuedouble;
		if (!(p->band[0] >= 20 && p->band[1] > p->band[0] &&
		    p->band[1] <= 96000)) {
			rc = hq_err_set(err, HQ_EINVAL, "band_hz: expected 20 "
			    "<= low < high <= 96000");
			goto out;
		}
	}
	if (p->hop_ms > p->window_ms) {
		rc = hq_err_set(err, HQ_EINVAL, "hop_ms: at most window_ms");
		goto out;
	}
	if (p->fmax < p->fmin) {
		rc = hq_err_set(err, HQ_EINVAL, "flash_hz_max: below "
		    "flash_hz_min");
		goto out;
	}
	if (p->smax < p->smin) {
		rc = hq_err_set(err, HQ_EINVAL, "strobe_hz_max: below "
		    "strobe_hz_min");
		goto out;
	}
	if (p->kind == NULL && (p->kind = strdup("person")) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if (!hq_stim_kind_ok(p->kind)) {
		rc = hq_err_set(err, HQ_EINVAL, "stimulus_kind: expected 1-31 "
		    "characters of [a-z0-9-]");
		goto out;
	}
 out:
	free(cut);
	return rc;
}

static int
netcut_check_params(const cJSON *params, struct hq_err *err)
{
	struct netcut_params p;
	int rc;

	rc = params_read(params, &p, err);
	params_clear(&p);
	return rc;
}

/* ---- the alarm recipe (DUT description) ---- */

/* How the indicator shows an alarm (alarm.light.kind). */
enum light_kind { LIGHT_STEADY, LIGHT_FLASHING, LIGHT_STROBE };
static const char *const light_kinds[] = {
	"steady", "flashing", "strobe", NULL
};

/* How the recording's sample 0 is put on the run's clock. */
enum audio_align {
	ALIGN_ICMT,		/* its ICMT says t0_mono_ms (hopquy's own) */
	ALIGN_START,		/* a declared start time (unix ms) */
	ALIGN_SYNC,		/* the calibration tone marks the clock */
};
static const char *const aligns[] = { "icmt", "start", "sync-tone", NULL };

/* How an alarm ends (alarm.disarm). */
enum disarm_how {
	DISARM_NONE_GIVEN,	/* no recipe: left to end by itself */
	DISARM_STEPS,		/* HTTP steps on the DUT's surfaces */
	DISARM_DRIVER,		/* a stimulus driver presenting a kind */
	DISARM_STIMULUS,	/* alarm.stimulus's driver, kind given */
	DISARM_AUTO,		/* "none": the DUT resets by itself */
};

struct recipe {
	struct hq_stim	*stim;
	char		 audio[1024];	/* a file path, or "alsa:DEV" */
	bool		 alsa;
	enum audio_align align;
	double		 start_unix_ms;	/* ALIGN_START */
	double		 cal_hz, cal_db, cal_ms;
	char		*cal_kind;
	long long	 alsa_rate;
	char		 light[1024];
	enum hq_light_clock light_clk;
	double		 light_thr;
	enum light_kind	 light_kind;
	enum hq_light_format light_fmt;
	bool		 have_light;
	struct hq_evlist	 events;
	bool		 have_events;
	enum disarm_how	 disarm_how;
	const cJSON	*disarm;	/* steps, borrowed from the DUT */
	struct hq_stim	*disarm_stim;	/* DISARM_DRIVER */
	char		*disarm_kind;	/* DISARM_DRIVER, DISARM_STIMULUS */
	double		 auto_reset_s;	/* DISARM_AUTO */
	struct hq_evlist	 hb, cev;	/* cloud heartbeats and events */
	bool		 have_cloud;
};

static void
recipe_clear(struct recipe *r)
{
	hq_stim_free(r->stim);
	hq_stim_free(r->disarm_stim);
	free(r->disarm_kind);
	free(r->cal_kind);
	hq_evlist_clear(&r->events);
	hq_evlist_clear(&r->hb);
	hq_evlist_clear(&r->cev);
}

static const char *const clocks[] = {
	"unix-ms", "mono-ms", "arrival", NULL
};

/*
 * alarm.disarm: a list of HTTP steps; or {"driver": "command" | "http" |
 * "socket" | "manual", ... as alarm.stimulus, "kind": K} presenting K
 * ("disarm" by default) through that driver; or {"driver": "stimulus",
 * "kind": K} through alarm.stimulus's own driver; or {"driver": "none",
 * "auto_reset_s": S}: the DUT ends its alarm by itself within S s.
 */
static int
disarm_read(const cJSON *a, const struct hq_dut *dut, struct recipe *r,
    struct hq_err *err)
{
	const cJSON *d, *drv;
	cJSON *copy = NULL;
	int rc;

	if ((rc = hq_jv_get(a, "alarm", "disarm", 0, false, &d, err)) != 0)
		return rc;
	if (d == NULL)
		return 0;
	if (cJSON_IsArray(d)) {
		r->disarm = d;
		r->disarm_how = DISARM_STEPS;
		return 0;
	}
	if (!cJSON_IsObject(d) || !cJSON_IsString(drv =
	    cJSON_GetObjectItemCaseSensitive(d, "driver")))
		return hq_err_set(err, HQ_EINVAL, "alarm.disarm: expected a "
		    "list of steps or an object with \"driver\"");
	if (strcmp(drv->valuestring, "none") == 0) {
		static const char *const keys[] = {
			"driver", "auto_reset_s", NULL
		};

		r->disarm_how = DISARM_AUTO;
		return (rc = hq_jv_keys(d, "alarm.disarm", keys, err)) != 0 ?
		    rc : hq_jv_num(d, "alarm.disarm", "auto_reset_s", true,
		    0, 3600, 0, &r->auto_reset_s, err);
	}
	if ((rc = hq_jv_str(d, "alarm.disarm", "kind", false, 31,
	    &r->disarm_kind, err)) != 0)
		return rc;
	if (r->disarm_kind == NULL && (r->disarm_kind = strdup("disarm")) ==
	    NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if (!hq_stim_kind_ok(r->disarm_kind))
		return hq_err_set(err, HQ_EINVAL, "alarm.disarm.kind: expected "
		    "1-31 characters of [a-z0-9-]");
	if (strcmp(drv->valuestring, "stimulus") == 0) {
		static const char *const keys[] = { "driver", "kind", NULL };

		r->disarm_how = DISARM_STIMULUS;
		return hq_jv_keys(d, "alarm.disarm", keys, err);
	}
	/* A driver of its own: the stimulus object without "kind". */
	if ((copy = cJSON_Duplicate(d, 1)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "kind");
	rc = hq_stim_new(copy, dut, &r->disarm_stim, err);
	cJSON_Delete(copy);
	if (rc != 0)
		return rc;
	r->disarm_how = DISARM_DRIVER;
	return 0;
}

static int
recipe_read(const struct hq_dut *dut, struct recipe *r, struct hq_err *err)
{
	static const char *const audio_keys[] = {
		"source", "calibration", "rate", "align", "start_unix_ms", NULL
	};
	static const char *const cal_keys[] = {
		"tone_hz", "db", "duration_ms", "stimulus", NULL
	};
	static const char *const light_keys[] = {
		"source", "clock", "threshold", "kind", "format", NULL
	};
	static const char *const light_formats[] = {
		"any", "value", "ms value", "on/off", NULL
	};
	static const char *const cloud_keys[] = {
		"heartbeats", "events", NULL
	};
	const cJSON *a = dut->alarm, *s, *au, *cal, *li, *ev, *cl, *x;
	char *src = NULL, *clk = NULL, *lk = NULL, *al = NULL, *lf = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	if (a == NULL)
		return hq_err_set(err, HQ_EINVAL, "the DUT description has no "
		    "alarm section (stimulus, audio, light, events, disarm)");
	if ((rc = hq_jv_get(a, "alarm", "stimulus", cJSON_Object, true, &s,
	    err)) != 0 ||
	    (rc = hq_stim_new(s, dut, &r->stim, err)) != 0 ||
	    (rc = hq_jv_get(a, "alarm", "audio", cJSON_Object, true, &au,
	    err)) != 0 ||
	    (rc = hq_jv_keys(au, "alarm.audio", audio_keys, err)) != 0 ||
	    (rc = hq_jv_str(au, "alarm.audio", "source", true, 900, &src,
	    err)) != 0 ||
	    (rc = hq_jv_int(au, "alarm.audio", "rate", false, 8000, 192000,
	    16000, &r->alsa_rate, err)) != 0 ||
	    (rc = hq_jv_get(au, "alarm.audio", "calibration", cJSON_Object,
	    true, &cal, err)) != 0 ||
	    (rc = hq_jv_keys(cal, "alarm.audio.calibration", cal_keys,
	    err)) != 0 ||
	    (rc = hq_jv_num(cal, "alarm.audio.calibration", "tone_hz", true,
	    40, 20000, 1000, &r->cal_hz, err)) != 0 ||
	    (rc = hq_jv_num(cal, "alarm.audio.calibration", "db", true, 0,
	    200, 94, &r->cal_db, err)) != 0 ||
	    (rc = hq_jv_num(cal, "alarm.audio.calibration", "duration_ms",
	    false, 100, 60000, 1000, &r->cal_ms, err)) != 0 ||
	    (rc = hq_jv_str(cal, "alarm.audio.calibration", "stimulus", false,
	    31, &r->cal_kind, err)) != 0 ||
	    (rc = hq_jv_enum(au, "alarm.audio", "align", false, aligns, &al,
	    err)) != 0 ||
	    (rc = hq_jv_num(au, "alarm.audio", "start_unix_ms", false, 1e12,
	    1e13, 0, &r->start_unix_ms, err)) != 0)
		goto out;
	r->align = ALIGN_ICMT;
	if (al != NULL && strcmp(al, "sync-tone") == 0)
		r->align = ALIGN_SYNC;
	else if ((al != NULL && strcmp(al, "start") == 0) ||
	    (al == NULL && r->start_unix_ms > 0))
		r->align = ALIGN_START;
	if (r->align == ALIGN_START && !(r->start_unix_ms > 0)) {
		rc = hq_err_set(err, HQ_EINVAL, "alarm.audio.align: \"start\" "
		    "needs start_unix_ms, when the recording's first sample "
		    "was taken");
		goto out;
	}
	if (strncmp(src, "alsa:", 5) == 0) {
		r->alsa = true;
		snprintf(r->audio, sizeof(r->audio), "%s", src + 5);
	} else if (strncmp(src, "file:", 5) == 0)
		hq_dut_path(dut, src + 5, r->audio, sizeof(r->audio));
	else {
		rc = hq_err_set(err, HQ_EINVAL, "alarm.audio.source: expected "
		    "file:PATH (a WAV being recorded) or alsa:DEVICE");
		goto out;
	}
	if (r->cal_kind == NULL && (r->cal_kind = strdup("calibrate")) ==
	    NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	free(src);
	src = NULL;
	if ((rc = hq_jv_get(a, "alarm", "light", cJSON_Object, false, &li,
	    err)) != 0)
		goto out;
	if (li != NULL) {
		if ((rc = hq_jv_keys(li, "alarm.light", light_keys, err)) != 0 ||
		    (rc = hq_jv_str(li, "alarm.light", "source", true, 900, &src,
		    err)) != 0 ||
		    (rc = hq_jv_enum(li, "alarm.light", "clock", false, clocks,
		    &clk, err)) != 0 ||
		    (rc = hq_jv_num(li, "alarm.light", "threshold", false, 0,
		    1e12, 0.5, &r->light_thr, err)) != 0 ||
		    (rc = hq_jv_enum(li, "alarm.light", "kind", false,
		    light_kinds, &lk, err)) != 0 ||
		    (rc = hq_jv_enum(li, "alarm.light", "format", false,
		    light_formats, &lf, err)) != 0)
			goto out;
		r->light_fmt = HQ_LIGHT_FMT_ANY;
		if (lf != NULL)
			(void)hq_light_format_parse(lf, &r->light_fmt);
		r->light_kind = LIGHT_FLASHING;
		if (lk != NULL && strcmp(lk, "steady") == 0)
			r->light_kind = LIGHT_STEADY;
		else if (lk != NULL && strcmp(lk, "strobe") == 0)
			r->light_kind = LIGHT_STROBE;
		r->light_clk = HQ_LIGHT_ARRIVAL;
		if (clk != NULL)
			(void)hq_light_clock_parse(clk, &r->light_clk);
		if (r->light_fmt == HQ_LIGHT_FMT_VALUE &&
		    r->light_clk != HQ_LIGHT_ARRIVAL) {
			rc = hq_err_set(err, HQ_EINVAL, "alarm.light.format "
			    "\"value\": lines carry no time, so the clock is "
			    "\"arrival\"");
			goto out;
		}
		if (strncmp(src, "file:", 5) == 0) {
			char p[1000];

			hq_dut_path(dut, src + 5, p, sizeof(p));
			snprintf(r->light, sizeof(r->light), "file:%s", p);
		} else
			snprintf(r->light, sizeof(r->light), "%s", src);
		r->have_light = true;
	}
	if ((rc = hq_jv_get(a, "alarm", "events", cJSON_Object, false, &ev,
	    err)) != 0)
		goto out;
	if (ev != NULL) {
		if ((rc = hq_evlist_read(ev, "alarm.events", dut, true,
		    &r->events, err)) != 0)
			goto out;
		r->have_events = true;
	}
	if ((rc = disarm_read(a, dut, r, err)) != 0 ||
	    (rc = hq_jv_get(a, "alarm", "cloud", cJSON_Object, false, &cl,
	    err)) != 0)
		goto out;
	if (cl != NULL) {
		if ((rc = hq_jv_keys(cl, "alarm.cloud", cloud_keys, err)) != 0 ||
		    (rc = hq_jv_get(cl, "alarm.cloud", "heartbeats",
		    cJSON_Object, true, &x, err)) != 0 ||
		    (rc = hq_evlist_read(x, "alarm.cloud.heartbeats", dut, false,
		    &r->hb, err)) != 0 ||
		    (rc = hq_jv_get(cl, "alarm.cloud", "events", cJSON_Object,
		    true, &x, err)) != 0 ||
		    (rc = hq_evlist_read(x, "alarm.cloud.events", dut, false,
		    &r->cev, err)) != 0)
			goto out;
		r->have_cloud = true;
	}
 out:
	free(src);
	free(clk);
	free(lk);
	free(al);
	free(lf);
	return rc;
}

/* ---- the run ---- */

struct trial {
	int		 n;		/* 0: the online reference */
	int64_t		 cut_ns, restore_ns, nc0_ns, nc1_ns, stim_ns;
	int64_t		 obs_end_ns, disarm_ns;	/* 0: did not happen */
	int64_t		 win_ns[NEG_MAX];	/* negative control windows */
	size_t		 nwin;
	bool		 win_false[NEG_MAX];	/* a false alarm in it */
	struct hq_stim_event stim;
	bool		 cut_held;
	size_t		 hb_during_cut, ev_during_cut;
	bool		 false_audio, false_light;
	double		 false_db;
	int64_t		 false_ns;
	bool		 light_already_on;	/* lit when a window opened */
	bool		 sound_already_on;	/* sounding when it opened */
	bool		 audible, visual;
	struct hq_audio_sound snd;
	int64_t		 a_on_ns, a_end_ns;
	struct hq_light_episode ep;
	bool		 event_logged;
	int64_t		 event_ns;
	bool		 reconnected, uploaded;
	int64_t		 reconnect_ns, upload_ns;
	bool		 after_restore_alarm;	/* a new onset after it */
	bool		 after_restore_audible, after_restore_visual;
	int64_t		 after_restore_ns;
	bool		 cap_checked;	/* the capture was read */
	struct hq_traffic cap;		/* during the cut */
};

struct run {
	struct hq_ctx	*ctx;
	struct hq_result *res;
	struct netcut_params p;
	struct recipe	 r;
	struct hq_wav	*wav;
	struct hq_audio_rec *rec;
	int64_t		 wav_t0;
	unsigned	 rate;
	struct hq_light_src *light;
	struct hq_transcript *tr;
	struct hq_audio_cal cal;
	struct hq_audio_opts ao;
	double		 ambient_db, ambient_p95;
	cJSON		*tl_net, *tl_stim, *tl_alarm, *tl_other;
	cJSON		*trials;
	int64_t		 first_ns;	/* audio kept from here */
	char		 slug[128];
};

static double
rel_ms(const struct run *R, int64_t t_ns)
{
	return (double)(t_ns - R->ctx->t0_ns) / 1e6;
}

/*
 * A timeline entry in hopquy-report(5)'s format: row "network" takes
 * {t_ms, state}, "stimuli" and "alarms" {t_ms, label}; anything else goes
 * to "events" ({t_ms, label}, not drawn).  t_ms counts from the run's
 * start.
 */
enum tl_row { TL_NET, TL_STIM, TL_ALARM, TL_OTHER };

static void
tl(struct run *R, int64_t t_ns, enum tl_row row, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
tl(struct run *R, int64_t t_ns, enum tl_row row, const char *fmt, ...)
{
	char text[512];
	cJSON *e, *arr;
	va_list ap;

	arr = row == TL_NET ? R->tl_net : row == TL_STIM ? R->tl_stim :
	    row == TL_ALARM ? R->tl_alarm : R->tl_other;
	if (arr == NULL || t_ns <= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if ((e = cJSON_CreateObject()) == NULL)
		return;
	cJSON_AddNumberToObject(e, "t_ms", floor(rel_ms(R, t_ns) * 10) / 10);
	cJSON_AddStringToObject(e, row == TL_NET ? "state" : "label", text);
	cJSON_AddItemToArray(arr, e);
}

static struct hq_deadline
dl_in(const struct run *R, int64_t ms)
{
	return hq_deadline_min(hq_deadline_in(ms), R->ctx->deadline);
}

/* Sleeps until t_ns (monotonic), polling the light sensor. */
static int
wait_until(struct run *R, int64_t t_ns, struct hq_err *err)
{
	int rc;

	for (;;) {
		int64_t left = t_ns - hq_mono_ns();

		if (R->light != NULL && (rc = hq_light_poll(R->light,
		    err)) != 0)
			return rc;
		if (left <= 0)
			return 0;
		if (hq_deadline_passed(R->ctx->deadline))
			return hq_err_set(err, HQ_ETIMEDOUT, "the case's time "
			    "budget ran out");
		if (hq_sleep_ms(left / NS_PER_MS < POLL_MS ?
		    left / NS_PER_MS + 1 : POLL_MS) != 0)
			return hq_err_set(err, HQ_EINTR, "interrupted");
	}
}

static int64_t
sample_at(const struct run *R, int64_t t_ns)
{
	int64_t d = t_ns - R->wav_t0;

	if (d < 0)
		return 0;
	return (int64_t)((__int128)d * R->rate / NS_PER_S);
}

static int64_t
time_of(const struct run *R, int64_t sample)
{
	return R->wav_t0 + (int64_t)((__int128)sample * NS_PER_S / R->rate);
}

/* The recording over [a, b); *first its first sample; caller frees. */
static int
audio_get(struct run *R, int64_t a, int64_t b, int16_t **xp, size_t *np,
    int64_t *firstp, struct hq_err *err)
{
	int64_t s0 = sample_at(R, a), s1 = sample_at(R, b);
	int16_t *x;
	size_t got;
	int rc;

	*xp = NULL;
	*np = 0;
	if (s1 <= s0)
		return hq_err_set(err, HQ_EINTERNAL, "audio: empty window");
	if ((uint64_t)(s1 - s0) > HQ_AUDIO_SEGMENT_MAX)
		s0 = s1 - HQ_AUDIO_SEGMENT_MAX;
	if ((x = malloc((size_t)(s1 - s0) * sizeof(*x))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	/* The recorder writes in real time: allow it 2 s to catch up. */
	if ((rc = hq_wav_read(R->wav, (uint64_t)s0, (size_t)(s1 - s0), x,
	    hq_deadline_min(hq_deadline_in((b - hq_mono_ns()) / NS_PER_MS +
	    2000), R->ctx->deadline), &got, err)) != 0) {
		free(x);
		return rc;
	}
	*xp = x;
	*np = got;
	*firstp = s0;
	return 0;
}

/* Sounds in [a, b) as monotonic times. */
static int
audio_sounds(struct run *R, int64_t a, int64_t b, struct hq_audio_sound *s,
    size_t max, size_t *np, int64_t *firstp, struct hq_err *err)
{
	int16_t *x = NULL;
	size_t n;
	int rc;

	if ((rc = audio_get(R, a, b, &x, &n, firstp, err)) != 0)
		return rc;
	rc = hq_audio_detect(x, n, R->rate, &R->ao, &R->cal, s, max, np, err);
	free(x);
	return rc;
}

/* Ends the alarm by the recipe's means; *atp when. */
static void
run_disarm(struct run *R, int64_t *atp)
{
	const cJSON *st;
	struct hq_err derr = { 0 };
	struct hq_stim_event ev;
	struct hq_stim *ds;
	char *body;
	size_t len;
	long status;
	int nerr = 0;

	*atp = hq_mono_ns();
	switch (R->r.disarm_how) {
	case DISARM_NONE_GIVEN:
		hq_step(R->res, "no disarm recipe: the alarm is left to end "
		    "by itself");
		return;
	case DISARM_AUTO:
		hq_step(R->res, "no disarm: the DUT resets by itself within "
		    "%.0f s (declared)", R->r.auto_reset_s);
		tl(R, *atp, TL_OTHER, "auto-reset (declared %.0f s)",
		    R->r.auto_reset_s);
		return;
	case DISARM_DRIVER:
	case DISARM_STIMULUS:
		ds = R->r.disarm_how == DISARM_DRIVER ? R->r.disarm_stim :
		    R->r.stim;
		if (hq_stim_present(ds, R->r.disarm_kind, dl_in(R, 30000),
		    R->tr, &ev, &derr) != 0) {
			hq_step(R->res, "disarm (%s): %s", hq_stim_driver(ds),
			    derr.msg);
			return;
		}
		*atp = ev.t_ns;
		hq_step(R->res, "disarmed: \"%s\" by %s at %.1f ms",
		    R->r.disarm_kind, hq_stim_driver(ds), rel_ms(R, ev.t_ns));
		tl(R, *atp, TL_OTHER, "disarm (%s)", hq_stim_driver(ds));
		return;
	case DISARM_STEPS:
		break;
	}
	cJSON_ArrayForEach(st, R->r.disarm) {
		if (hq_alarm_http_step(R->ctx->dut, st, dl_in(R, 10000), R->tr,
		    &body, &len, &status, &derr) != 0) {
			hq_step(R->res, "disarm: %s", derr.msg);
			hq_err_clear(&derr);
			nerr++;
			continue;
		}
		free(body);
	}
	hq_step(R->res, "disarm recipe run (%d step%s, %d failed)",
	    cJSON_GetArraySize(R->r.disarm),
	    cJSON_GetArraySize(R->r.disarm) == 1 ? "" : "s", nerr);
	tl(R, *atp, TL_OTHER, "disarm recipe");
}

/* Is the indicator lit now (its last sample)? */
static bool
light_lit_now(struct run *R)
{
	const struct hq_light_sample *s;
	size_t n;

	if (R->light == NULL)
		return false;
	s = hq_light_samples(R->light, &n);
	return n > 0 && s[n - 1].level >= R->r.light_thr;
}

static int audio_sounds(struct run *R, int64_t a, int64_t b,
    struct hq_audio_sound *s, size_t max, size_t *np, int64_t *firstp,
    struct hq_err *err);

/* Does a sound go on through the last second of the recording? */
static int
sound_on_now(struct run *R, bool *onp, struct hq_err *err)
{
	struct hq_audio_sound s[8];
	size_t n, i;
	int64_t first, now = hq_mono_ns();
	int rc;

	*onp = false;
	if ((rc = audio_sounds(R, now - NS_PER_S, now, s, 8, &n, &first,
	    err)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (s[i].open_end)
			*onp = true;
	return 0;
}

/*
 * Each trial starts on quiet evidence: the indicator dark and no sound
 * going on.  Waits up to quiet_limit_s (a declared auto-reset time when
 * longer); *whatp names what stayed on, NULL when quiet.
 */
static int
quiet_wait(struct run *R, bool light_only, const char **whatp,
    double *waitedp, struct hq_err *err)
{
	int64_t t0 = hq_mono_ns(), until;
	double lim = R->p.quiet_s;
	bool snd;
	int rc;

	if (R->r.disarm_how == DISARM_AUTO && R->r.auto_reset_s + 2 > lim)
		lim = R->r.auto_reset_s + 2;
	until = t0 + (int64_t)(lim * NS_PER_S);
	for (;;) {
		if (R->light != NULL && (rc = hq_light_poll(R->light,
		    err)) != 0)
			return rc;
		*whatp = NULL;
		if (light_lit_now(R))
			*whatp = "the indicator is still lit";
		else if (!light_only) {
			if ((rc = sound_on_now(R, &snd, err)) != 0)
				return rc;
			if (snd)
				*whatp = "a sound is still going on";
		}
		*waitedp = (double)(hq_mono_ns() - t0) / 1e9;
		if (*whatp == NULL || hq_mono_ns() >= until)
			return 0;
		if ((rc = wait_until(R, hq_mono_ns() + QUIET_POLL_MS *
		    NS_PER_MS, err)) != 0)
			return rc;
	}
}

/* Presents kind and notes it. */
static int
stimulus(struct run *R, const char *kind, struct hq_stim_event *ev,
    struct hq_err *err)
{
	int rc;

	if ((rc = hq_stim_present(R->r.stim, kind, dl_in(R, 30000), R->tr, ev,
	    err)) != 0)
		return rc;
	hq_step(R->res, "stimulus \"%s\" by %s at %.1f ms (+- %.1f ms)%s%s",
	    kind, hq_stim_driver(R->r.stim), rel_ms(R, ev->t_ns),
	    (double)ev->uncert_ns / 1e6, ev->reply[0] != '\0' ?
	    ", answer: " : "", ev->reply);
	tl(R, ev->t_ns, TL_STIM, "%s (%s)", kind, hq_stim_driver(R->r.stim));
	return 0;
}

/* ---- controls ---- */

static int
calibrate(struct run *R, struct hq_err *err)
{
	struct hq_stim_event ev;
	struct hq_err cerr = { 0 };
	int16_t *x = NULL;
	size_t n;
	int64_t first, a, on, align;
	int rc;

	a = hq_mono_ns();
	if ((rc = stimulus(R, R->r.cal_kind, &ev, err)) != 0)
		return rc;
	/* Aligned by the tone, sample 0 is only roughly known yet: a wider
	 * window. */
	if ((rc = wait_until(R, ev.t_ns + (int64_t)(R->r.cal_ms * NS_PER_MS) +
	    (R->r.align == ALIGN_SYNC ? 1500 : 500) * NS_PER_MS, err)) != 0 ||
	    (rc = audio_get(R, a - (R->r.align == ALIGN_SYNC ? 2000 : 200) *
	    NS_PER_MS, hq_mono_ns(), &x, &n, &first, err)) != 0)
		return rc;
	rc = hq_audio_calibrate(x, n, R->rate, R->r.cal_hz, R->r.cal_db,
	    R->r.cal_ms * 0.5, R->p.cal_snr, &R->cal, &cerr);
	free(x);
	if (rc != 0) {
		hq_verdict(R->res, HQ_INCONCLUSIVE, "control failed: the "
		    "detector did not hear the calibration tone: %s", cerr.msg);
		return 1;
	}
	on = time_of(R, first + R->cal.start);
	align = on - ev.t_ns;
	if (R->r.align == ALIGN_SYNC) {
		/* The tone starts when it was asked for: that puts the
		 * recording on the run's clock (the calibrator's own delay
		 * and the stimulus's uncertainty go into every latency). */
		R->wav_t0 -= align;
		hq_step(R->res, "recording aligned by the calibration tone: "
		    "sample 0 at %.1f ms of the run (moved %.1f ms; +- %.1f "
		    "ms)", rel_ms(R, R->wav_t0), (double)align / 1e6,
		    (double)ev.uncert_ns / 1e6);
		on = ev.t_ns;
		align = 0;
	}
	hq_step(R->res, "calibration tone heard: %.0f Hz = %.1f dB, %.0f ms, "
	    "%.1f dB above the rest, onset %.1f ms after its request",
	    R->cal.tone_hz, R->cal.db, (double)(R->cal.end - R->cal.start) *
	    1000.0 / R->rate, R->cal.snr_db, (double)align / 1e6);
	tl(R, on, TL_OTHER, "calibration: %.0f Hz tone, %.1f dB reference",
	    R->cal.tone_hz, R->cal.db);
	hq_measure(R->res, "calibration.snr", R->cal.snr_db, "dB", ">=",
	    R->p.cal_snr, 0);
	/* The clocks agree only if the tone starts when it was asked for;
	 * a manual calibrator has no such moment. */
	if (strcmp(hq_stim_driver(R->r.stim), "manual") != 0 &&
	    R->r.align != ALIGN_SYNC) {
		hq_measure(R->res, "calibration.alignment", (double)align / 1e6,
		    "ms", NULL, 0, (double)ev.uncert_ns / 1e6);
		/* The stimulus's own uncertainty is allowed for, as before:
		 * the control fails only beyond limit + uncertainty. */
		if (hq_measure(R->res, "calibration.alignment_error",
		    fabs((double)align / 1e6), "ms", "<=", R->p.cal_align_ms +
		    (double)ev.uncert_ns / 1e6, 0) != HQ_CONF_YES) {
			hq_verdict(R->res, HQ_INCONCLUSIVE, "control failed: "
			    "the calibration tone starts %.1f ms from its "
			    "request, over %.0f ms: the recording's clock "
			    "does not match the run's", (double)align / 1e6,
			    R->p.cal_align_ms);
			return 1;
		}
	}
	return 0;
}

/* The ambient level, and the onset threshold from it. */
static int
baseline(struct run *R, struct hq_err *err)
{
	int16_t *x = NULL;
	size_t n;
	int64_t a = hq_mono_ns(), first;
	int rc;

	if ((rc = wait_until(R, a + (int64_t)(R->p.baseline_s * NS_PER_S),
	    err)) != 0 ||
	    (rc = audio_get(R, a, hq_mono_ns(), &x, &n, &first, err)) != 0)
		return rc;
	rc = hq_audio_ambient(x, n, R->rate, &R->ao, &R->cal, &R->ambient_db,
	    &R->ambient_p95, err);
	free(x);
	if (rc != 0)
		return rc;
	R->ao.threshold_db = R->ambient_db + R->p.margin_db;
	hq_step(R->res, "ambient in %.0f-%.0f Hz: median %.1f dB, 95th "
	    "percentile %.1f dB; alarm onset threshold %.1f dB (ambient + "
	    "%.0f dB)", R->ao.lo_hz, R->ao.hi_hz, R->ambient_db,
	    R->ambient_p95, R->ao.threshold_db, R->p.margin_db);
	hq_measure(R->res, "ambient_level", R->ambient_db, "dB", NULL, 0, 0);
	return 0;
}

/* Heartbeats the cloud received in [a, b). */
static int
cloud_count(struct run *R, const struct hq_evlist *q, int64_t a, int64_t b,
    size_t *np, int64_t *firstp, struct hq_err *err)
{
	struct hq_evlist_entry *e;
	size_t n, i;
	int rc;

	*np = 0;
	if (firstp != NULL)
		*firstp = -1;
	if ((e = calloc(LIST_MAX, sizeof(*e))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if ((rc = hq_evlist_fetch(R->ctx->dut, q, dl_in(R, 5000), NULL, e,
	    LIST_MAX, &n, err)) == 0)
		for (i = 0; i < n; i++)
			if (e[i].t_ns >= a && e[i].t_ns < b) {
				if (firstp != NULL && (*firstp < 0 ||
				    e[i].t_ns < *firstp))
					*firstp = e[i].t_ns;
				(*np)++;
			}
	free(e);
	return rc;
}

/*
 * cloud_count, asked again until until_ns while the cloud's query API does
 * not answer: right after a restore the lab's own path to it may still be
 * coming up.  Its error only once until_ns has passed (then the case
 * cannot tell, and says why).
 */
static int
cloud_count_until(struct run *R, const struct hq_evlist *q, int64_t a,
    int64_t b, size_t *np, int64_t *firstp, int64_t until_ns,
    struct hq_err *err)
{
	int rc;

	for (;;) {
		if ((rc = cloud_count(R, q, a, b, np, firstp, err)) == 0 ||
		    rc == HQ_ENOMEM || hq_mono_ns() + CLOUD_POLL_MS *
		    NS_PER_MS > until_ns)
			return rc;
		hq_debug("cloud query failed (%s): asking again", err->msg);
		if ((rc = wait_until(R, hq_mono_ns() + CLOUD_POLL_MS *
		    NS_PER_MS, err)) != 0)
			return rc;
	}
}

/* The cloud's alarm events about [a, b) (their own time) received after
 * after_ns: *firstp the first arrival. */
static int
cloud_uploaded(struct run *R, int64_t a, int64_t b, int64_t after_ns,
    bool *foundp, int64_t *firstp, struct hq_err *err)
{
	struct hq_evlist_entry *e;
	size_t n, i;
	int rc;

	*foundp = false;
	if ((e = calloc(LIST_MAX, sizeof(*e))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if ((rc = hq_evlist_fetch(R->ctx->dut, &R->r.cev, dl_in(R, 5000), NULL,
	    e, LIST_MAX, &n, err)) == 0)
		for (i = 0; i < n; i++) {
			if (e[i].t_ns < after_ns)
				continue;
			if (e[i].ev_ns >= 0 && (e[i].ev_ns < a ||
			    e[i].ev_ns >= b))
				continue;
			if (!*foundp || e[i].t_ns < *firstp)
				*firstp = e[i].t_ns;
			*foundp = true;
		}
	free(e);
	return rc;
}

/* The run's capture (as far as it is written), NULL-safe. */
static int
capture_packets(struct run *R, struct hq_pkt **pp, size_t *np,
    struct hq_err *err)
{
	char path[1200];

	*pp = NULL;
	*np = 0;
	if (R->ctx->cap == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/capture/run.pcapng", R->ctx->rundir);
	return hq_pcapng_packets(path, hq_bench_dut_address(R->ctx->bench),
	    R->ctx->dut->cloud, R->ctx->dut->ncloud, pp, np, err);
}

/* ---- one trial ---- */

/* A false alarm at on_ns: which negative control window it fell in. */
static void
note_false(struct trial *T, int64_t on_ns, bool audio, double db)
{
	size_t k;

	if (audio) {
		if (T->false_audio)
			return;
		T->false_audio = true;
		T->false_db = db;
	} else {
		if (T->false_light)
			return;
		T->false_light = true;
	}
	if (T->false_ns == 0 || on_ns < T->false_ns)
		T->false_ns = on_ns;
	for (k = T->nwin; k-- > 0; )
		if (on_ns >= T->win_ns[k]) {
			T->win_false[k] = true;
			break;
		}
}

/*
 * The light over [a, b): an onset is an off->on edge inside the window;
 * a light already lit when the window opened is "already on" (reported,
 * neither a false alarm nor credited to the stimulus).
 */
static void
note_light(struct run *R, struct trial *T, int64_t a, int64_t b)
{
	const struct hq_light_sample *s;
	struct hq_light_episode ep[HQ_LIGHT_EPISODES_MAX];
	size_t n, ne, i;

	if (R->light == NULL)
		return;
	s = hq_light_samples(R->light, &n);
	hq_light_analyse(s, n, a, b, R->r.light_thr,
	    (int64_t)(R->p.merge_ms * NS_PER_MS), ep, HQ_LIGHT_EPISODES_MAX,
	    &ne);
	for (i = 0; i < ne; i++) {
		if (ep[i].open_start) {
			T->light_already_on = true;
			continue;
		}
		if (ep[i].onset_ns < T->stim_ns - 50 * NS_PER_MS) {
			if (T->nc0_ns > 0)
				note_false(T, ep[i].onset_ns, false, 0);
			continue;
		}
		if (!T->visual) {
			T->visual = true;
			T->ep = ep[i];
		} else	/* a new onset after the stimulus's alarm ended */
			note_false(T, ep[i].onset_ns, false, 0);
	}
}

static void
note_audio(struct run *R, struct trial *T, const struct hq_audio_sound *s,
    size_t ns, int64_t first)
{
	size_t i;

	for (i = 0; i < ns; i++) {
		int64_t on = time_of(R, first + s[i].onset);

		if (s[i].open_start) {
			T->sound_already_on = true;
			continue;
		}
		if (on < T->stim_ns - 50 * NS_PER_MS) {
			if (T->nc0_ns > 0)
				note_false(T, on, true, s[i].level_db);
			continue;
		}
		if (!T->audible) {
			T->audible = true;
			T->snd = s[i];
			T->a_on_ns = on;
			T->a_end_ns = time_of(R, first + s[i].end);
		} else	/* a new alarm with no new stimulus: unexplained */
			note_false(T, on, true, s[i].level_db);
	}
}

static int
event_log(struct run *R, struct trial *T, struct hq_err *err)
{
	struct hq_evlist_entry e[256];
	size_t n, i;
	int rc;

	if (!R->r.have_events)
		return 0;
	if ((rc = hq_evlist_fetch(R->ctx->dut, &R->r.events, dl_in(R, 10000),
	    R->tr, e, 256, &n, err)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (e[i].t_ns >= T->stim_ns - NS_PER_S &&
		    e[i].t_ns <= T->obs_end_ns) {
			T->event_logged = true;
			T->event_ns = e[i].t_ns;
			break;
		}
	if (T->event_logged) {
		hq_step(R->res, "the DUT's local event log has the alarm "
		    "(at %.1f ms)", rel_ms(R, T->event_ns));
		tl(R, T->event_ns, TL_OTHER, "local event log: alarm");
	} else
		hq_step(R->res, "the DUT's local event log has no alarm entry "
		    "for this stimulus (%zu matching entries in all)", n);
	return 0;
}

/* Is the DUT talking to its cloud? A heartbeat within the window. */
static int
online_check(struct run *R, bool *onlinep, struct hq_err *err)
{
	int64_t now = hq_mono_ns(), first;
	size_t n;
	int rc;

	*onlinep = true;
	if (!R->r.have_cloud)
		return 0;
	if ((rc = cloud_count(R, &R->r.hb, now - (int64_t)(
	    R->p.online_window_s * NS_PER_S), now + NS_PER_S, &n, &first,
	    err)) != 0)
		return rc;
	*onlinep = n > 0;
	hq_step(R->res, "before the cut the cloud received %zu heartbeat%s "
	    "from the DUT in the last %.0f s", n, n == 1 ? "" : "s",
	    R->p.online_window_s);
	return 0;
}

/* Trial n starts on quiet evidence, else INCONCLUSIVE (returns 1). */
static int
need_quiet(struct run *R, int n, struct hq_err *err)
{
	const char *what;
	double waited;
	int rc;

	if ((rc = quiet_wait(R, false, &what, &waited, err)) != 0)
		return rc;
	if (what == NULL) {
		if (waited >= 0.5 && n == 0)
			hq_step(R->res, "online reference: evidence quiet "
			    "after %.1f s", waited);
		else if (waited >= 0.5)
			hq_step(R->res, "trial %d: evidence quiet after %.1f s",
			    n, waited);
		return 0;
	}
	if (n == 0)
		hq_verdict(R->res, HQ_INCONCLUSIVE, "control failed: before "
		    "the online reference %s after %.0f s (%s); a stimulus "
		    "cannot be judged on it", what, waited,
		    R->r.disarm_how == DISARM_NONE_GIVEN ? "no disarm recipe" :
		    "after the disarm");
	else
		hq_verdict(R->res, HQ_INCONCLUSIVE, "control failed: before "
		    "trial %d %s %.0f s after the previous one's disarm (%s); "
		    "its onsets could not be told apart", n, what, waited,
		    R->r.disarm_how == DISARM_NONE_GIVEN ? "no disarm recipe" :
		    R->r.disarm_how == DISARM_AUTO ? "declared auto-reset" :
		    "disarm recipe");
	return 1;
}

/* The online reference: the same stimulus with the network up. */
static int
reference(struct run *R, struct trial *T, struct hq_err *err)
{
	struct hq_audio_sound s[HQ_AUDIO_SOUNDS_MAX];
	size_t ns;
	int64_t first, end;
	int rc;

	memset(T, 0, sizeof(*T));
	if ((rc = need_quiet(R, 0, err)) != 0)
		return rc;
	hq_step(R->res, "online reference: the stimulus with the uplink up");
	if ((rc = stimulus(R, R->p.kind, &T->stim, err)) != 0)
		return rc;
	T->stim_ns = T->stim.t_ns;
	end = T->stim_ns + (int64_t)((R->p.limit_ms + R->p.grace_ms +
	    R->p.min_dur_ms) * NS_PER_MS);
	T->obs_end_ns = end;
	if ((rc = wait_until(R, end, err)) != 0 ||
	    (rc = audio_sounds(R, T->stim_ns - 50 * NS_PER_MS, end, s,
	    HQ_AUDIO_SOUNDS_MAX, &ns, &first, err)) != 0)
		return rc;
	note_audio(R, T, s, ns, first);
	note_light(R, T, T->stim_ns - 50 * NS_PER_MS, end);
	if (T->audible || T->visual)
		hq_step(R->res, "online reference: alarm after %.1f ms",
		    (double)((T->audible ? T->a_on_ns : T->ep.onset_ns) -
		    T->stim_ns) / 1e6);
	else
		hq_step(R->res, "online reference: no alarm with the uplink "
		    "up either");
	if (T->audible)
		tl(R, T->a_on_ns, TL_ALARM, "online reference: audible");
	if (T->visual)
		tl(R, T->ep.onset_ns, TL_ALARM, "online reference: visual");
	run_disarm(R, &T->disarm_ns);
	return 0;
}

/* Whatever starts after the restore (an alarm held for the cloud): new
 * onsets only; a light or sound going on since before is not one. */
static int
after_restore(struct run *R, struct trial *T, struct hq_err *err)
{
	struct hq_audio_sound s[HQ_AUDIO_SOUNDS_MAX];
	struct hq_light_episode ep[8];
	const struct hq_light_sample *ls;
	size_t ns, ne, nl, i;
	int64_t first, post_end;
	int rc;

	post_end = hq_mono_ns() + (int64_t)(R->p.post_s * NS_PER_S);
	if ((rc = wait_until(R, post_end, err)) != 0 ||
	    (rc = audio_sounds(R, T->restore_ns, post_end, s,
	    HQ_AUDIO_SOUNDS_MAX, &ns, &first, err)) != 0)
		return rc;
	for (i = 0; i < ns; i++)
		if (!s[i].open_start) {
			T->after_restore_audible = true;
			T->after_restore_ns = time_of(R, first + s[i].onset);
			break;
		}
	if (R->light != NULL) {
		ls = hq_light_samples(R->light, &nl);
		hq_light_analyse(ls, nl, T->restore_ns, post_end,
		    R->r.light_thr, (int64_t)(R->p.merge_ms * NS_PER_MS), ep,
		    8, &ne);
		for (i = 0; i < ne; i++)
			if (!ep[i].open_start) {
				T->after_restore_visual = true;
				if (!T->after_restore_audible ||
				    ep[i].onset_ns < T->after_restore_ns)
					T->after_restore_ns = ep[i].onset_ns;
				break;
			}
	}
	T->after_restore_alarm = T->after_restore_audible ||
	    T->after_restore_visual;
	if (T->after_restore_alarm)
		tl(R, T->after_restore_ns, TL_ALARM, "%s%s%s after the restore",
		    T->after_restore_audible ? "audible" : "",
		    T->after_restore_audible && T->after_restore_visual ?
		    " and " : "", T->after_restore_visual ? "visual" : "");
	return 0;
}

static int
trial(struct run *R, struct trial *T, int n, struct hq_err *err)
{
	struct hq_audio_sound s[HQ_AUDIO_SOUNDS_MAX];
	struct hq_stim_event nev;
	struct hq_err berr = { 0 };
	size_t ns, k;
	int64_t first;
	bool online;
	int rc;

	memset(T, 0, sizeof(*T));
	T->n = n;
	if ((rc = need_quiet(R, n, err)) != 0)
		return rc;
	if ((rc = online_check(R, &online, err)) != 0)
		return rc;
	if (!online) {
		hq_verdict(R->res, HQ_INCONCLUSIVE, "control failed: trial %d: "
		    "the DUT was not talking to its cloud before the cut, so "
		    "cutting proves nothing", n);
		return 1;
	}
	/* Cut. */
	T->cut_ns = hq_mono_ns();
	if ((rc = hq_bench_cut(R->ctx->bench, R->p.cut, err)) != 0)
		return rc;
	hq_step(R->res, "trial %d: uplink cut (%s)", n,
	    hq_cut_mode_name(R->p.cut));
	tl(R, T->cut_ns, TL_NET, "cut (%s)", hq_cut_mode_name(R->p.cut));
	if ((rc = wait_until(R, T->cut_ns + (int64_t)(R->p.settle_s *
	    NS_PER_S), err)) != 0)
		goto restore;
	/* Negative controls: each negative stimulus (or none) -> no alarm. */
	T->nc0_ns = hq_mono_ns();
	T->nwin = R->p.nneg > 0 ? R->p.nneg : 1;
	for (k = 0; k < T->nwin; k++) {
		T->win_ns[k] = hq_mono_ns();
		if (R->p.nneg > 0) {
			if ((rc = stimulus(R, R->p.neg[k], &nev, err)) != 0)
				goto restore;
			T->win_ns[k] = nev.t_ns;
		}
		hq_step(R->res, "trial %d: negative control \"%s\", %.1f s "
		    "without an alarming stimulus", n, R->p.nneg > 0 ?
		    R->p.neg[k] : "none", R->p.negative_s);
		if ((rc = wait_until(R, T->win_ns[k] + (int64_t)(
		    R->p.negative_s * NS_PER_S), err)) != 0)
			goto restore;
	}
	T->nc1_ns = hq_mono_ns();
	/* The stimulus. */
	if ((rc = stimulus(R, R->p.kind, &T->stim, err)) != 0)
		goto restore;
	T->stim_ns = T->stim.t_ns;
	T->obs_end_ns = T->stim_ns + (int64_t)((R->p.limit_ms +
	    R->p.grace_ms + R->p.min_dur_ms) * NS_PER_MS);
	if ((rc = wait_until(R, T->obs_end_ns, err)) != 0 ||
	    (rc = audio_sounds(R, T->cut_ns, T->obs_end_ns, s,
	    HQ_AUDIO_SOUNDS_MAX, &ns, &first, err)) != 0)
		goto restore;
	/* From the cut on: an onset with no stimulus while settling is a
	 * false alarm too (the trial began on quiet evidence). */
	note_audio(R, T, s, ns, first);
	note_light(R, T, T->cut_ns, T->obs_end_ns);
	if (T->light_already_on || T->sound_already_on)
		hq_step(R->res, "trial %d: already on at the cut: %s%s%s "
		    "(not an onset: neither a false "
		    "alarm nor the stimulus's alarm)", n, T->light_already_on ?
		    "the indicator" : "", T->light_already_on &&
		    T->sound_already_on ? " and " : "", T->sound_already_on ?
		    "a sound" : "");
	if (T->audible)
		tl(R, T->a_on_ns, TL_ALARM, "audible onset, %.1f dB%s",
		    T->snd.level_db, T->snd.open_end ? ", still sounding at "
		    "the end of the observation" : "");
	if (T->visual)
		tl(R, T->ep.onset_ns, TL_ALARM, "visual onset (%s), %u "
		    "flash%s", light_kinds[R->r.light_kind], T->ep.flashes,
		    T->ep.flashes == 1 ? "" : "es");
	if (T->false_audio || T->false_light)
		tl(R, T->false_ns, TL_ALARM, "false alarm: %s%s",
		    T->false_audio ? "audible " : "", T->false_light ?
		    "visual" : "");
	hq_step(R->res, "trial %d: %s%s alarm observed up to %.1f ms", n,
	    T->audible ? "audible" : "no audible",
	    T->visual ? ", visual" : ", no visual", rel_ms(R, T->obs_end_ns));
	if ((rc = event_log(R, T, err)) != 0)
		goto restore;
 restore:
	T->restore_ns = hq_mono_ns();
	if (hq_bench_restore(R->ctx->bench, &berr) != 0 && rc == 0)
		rc = hq_err_set(err, berr.code, "%s", berr.msg);
	tl(R, T->restore_ns, TL_NET, "restored");
	if (rc != 0)
		return rc;
	hq_step(R->res, "trial %d: uplink restored after %.1f s", n,
	    (double)(T->restore_ns - T->cut_ns) / 1e9);
	/* Reconnection and the backlog. */
	if (R->r.have_cloud) {
		int64_t give_up = T->restore_ns + (int64_t)(fmax(
		    R->p.backlog_s, R->p.reconnect_s) * NS_PER_S);
		size_t nhb;
		int64_t fhb;

		if ((rc = cloud_count_until(R, &R->r.hb, T->cut_ns +
		    NS_PER_S, T->restore_ns, &T->hb_during_cut, NULL,
		    give_up, err)) != 0)
			return rc;
		T->cut_held = T->hb_during_cut == 0;
		while (!(T->reconnected && T->uploaded)) {
			if (!T->reconnected) {
				if ((rc = cloud_count_until(R, &R->r.hb,
				    T->restore_ns, INT64_MAX, &nhb, &fhb,
				    give_up, err)) != 0)
					return rc;
				if (nhb > 0) {
					T->reconnected = true;
					T->reconnect_ns = fhb;
					tl(R, fhb, TL_OTHER, "DUT reconnected "
					    "(first heartbeat at the cloud)");
				}
			}
			if (!T->uploaded) {
				if ((rc = cloud_uploaded(R, T->stim_ns -
				    NS_PER_S, T->restore_ns, T->restore_ns,
				    &T->uploaded, &T->upload_ns, err)) != 0 &&
				    (rc == HQ_ENOMEM || hq_mono_ns() >
				    give_up))
					return rc;	/* else: asked again */
				if (T->uploaded)
					tl(R, T->upload_ns, TL_OTHER, "offline "
					    "alarm event arrived at the cloud");
			}
			if (hq_mono_ns() > give_up)
				break;
			if ((rc = wait_until(R, hq_mono_ns() + CLOUD_POLL_MS *
			    NS_PER_MS, err)) != 0)
				return rc;
		}
	}
	/* The cut in the capture: the DUT's attempts to reach its cloud
	 * and whether anything came back (a second after the cut on, so
	 * packets already in flight do not count). */
	if (R->ctx->cap != NULL && R->ctx->dut->ncloud > 0) {
		struct hq_pkt *pk = NULL;
		size_t np;

		if ((rc = capture_packets(R, &pk, &np, err)) != 0)
			return rc;
		hq_traffic_count(pk, np, T->cut_ns + NS_PER_S, T->restore_ns,
		    &T->cap);
		free(pk);
		T->cap_checked = true;
		hq_step(R->res, "trial %d: capture during the cut: %zu packets "
		    "(%zu SYNs) from the DUT to its cloud addresses, %zu from "
		    "them to the DUT", n, T->cap.to_cloud, T->cap.syn_to_cloud,
		    T->cap.from_cloud);
	}
	if (R->r.have_cloud) {
		hq_step(R->res, "trial %d: the cloud received %zu heartbeat%s "
		    "from the DUT during the cut%s", n, T->hb_during_cut,
		    T->hb_during_cut == 1 ? "" : "s", T->cut_held ?
		    ": the cut held" : "");
		if (T->reconnected)
			hq_step(R->res, "trial %d: reconnected %.1f ms after "
			    "the restore (first heartbeat at the cloud)", n,
			    (double)(T->reconnect_ns - T->restore_ns) / 1e6);
		else
			hq_step(R->res, "trial %d: no heartbeat at the cloud "
			    "after the restore", n);
		if (T->uploaded)
			hq_step(R->res, "trial %d: the offline alarm event "
			    "reached the cloud %.1f ms after the restore", n,
			    (double)(T->upload_ns - T->restore_ns) / 1e6);
		else
			hq_step(R->res, "trial %d: the offline alarm event did "
			    "not reach the cloud", n);
	}
	if ((rc = after_restore(R, T, err)) != 0)
		return rc;
	/* The alarm is disarmed only now: a DUT holding its alarm for the
	 * cloud would otherwise never show it after the restore. */
	if (T->audible || T->visual || T->false_audio || T->false_light ||
	    T->after_restore_alarm || T->light_already_on ||
	    light_lit_now(R))
		run_disarm(R, &T->disarm_ns);
	return 0;
}

/* ---- judging ---- */

/* A time of the trial as ms of the run, only when it happened. */
static void
add_ms(struct run *R, cJSON *o, const char *key, int64_t t_ns)
{
	if (t_ns > 0)
		cJSON_AddNumberToObject(o, key, round(rel_ms(R, t_ns) * 10) /
		    10);
}

static cJSON *
trial_json(struct run *R, const struct trial *T)
{
	cJSON *o = cJSON_CreateObject(), *negs;
	size_t k;

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "trial", T->n);
	add_ms(R, o, "cut_ms", T->cut_ns);
	add_ms(R, o, "restore_ms", T->restore_ns);
	add_ms(R, o, "stimulus_ms", T->stim_ns);
	add_ms(R, o, "disarm_ms", T->disarm_ns);
	if (T->stim_ns > 0)
		cJSON_AddNumberToObject(o, "stimulus_uncertainty_ms",
		    (double)T->stim.uncert_ns / 1e6);
	if (T->stim.have_dut_ms)
		cJSON_AddNumberToObject(o, "stimulus_dut_ms",
		    (double)T->stim.dut_ms);
	if (T->nwin > 0 && (negs = cJSON_AddArrayToObject(o,
	    "negative_controls")) != NULL)
		for (k = 0; k < T->nwin; k++) {
			cJSON *e = cJSON_CreateObject();

			if (e == NULL)
				break;
			cJSON_AddStringToObject(e, "kind", R->p.nneg > 0 ?
			    R->p.neg[k] : "none");
			add_ms(R, e, "start_ms", T->win_ns[k]);
			cJSON_AddBoolToObject(e, "false_alarm",
			    T->win_false[k]);
			cJSON_AddItemToArray(negs, e);
		}
	cJSON_AddBoolToObject(o, "false_alarm", T->false_audio ||
	    T->false_light);
	cJSON_AddBoolToObject(o, "light_already_on", T->light_already_on);
	cJSON_AddBoolToObject(o, "sound_already_on", T->sound_already_on);
	cJSON_AddBoolToObject(o, "audible", T->audible);
	if (T->audible) {
		cJSON_AddNumberToObject(o, "audible_latency_ms",
		    (double)(T->a_on_ns - T->stim_ns) / 1e6);
		cJSON_AddNumberToObject(o, "level_db",
		    round(T->snd.level_db * 10) / 10);
		cJSON_AddNumberToObject(o, "peak_db",
		    round(T->snd.peak_db * 10) / 10);
		cJSON_AddNumberToObject(o, "audible_duration_ms",
		    (double)(T->a_end_ns - T->a_on_ns) / 1e6);
		cJSON_AddBoolToObject(o, "audible_open_end", T->snd.open_end);
	}
	cJSON_AddBoolToObject(o, "visual", T->visual);
	if (T->visual) {
		cJSON_AddStringToObject(o, "light_kind",
		    light_kinds[R->r.light_kind]);
		cJSON_AddNumberToObject(o, "visual_latency_ms",
		    (double)(T->ep.onset_ns - T->stim_ns) / 1e6);
		cJSON_AddNumberToObject(o, "flashes", T->ep.flashes);
		if (T->ep.flashes >= 2)
			cJSON_AddNumberToObject(o, "flash_hz",
			    round(T->ep.freq_hz * 1000) / 1000);
		cJSON_AddNumberToObject(o, "visual_duration_ms",
		    (double)(T->ep.end_ns - T->ep.onset_ns) / 1e6);
		cJSON_AddBoolToObject(o, "visual_open_end", T->ep.open_end);
	}
	if (R->r.have_events)
		cJSON_AddBoolToObject(o, "event_logged", T->event_logged);
	if (T->cut_ns > 0 && R->r.have_cloud) {
		cJSON_AddBoolToObject(o, "cut_held", T->cut_held);
		cJSON_AddNumberToObject(o, "heartbeats_during_cut",
		    (double)T->hb_during_cut);
	}
	if (T->cap_checked) {
		cJSON *c = cJSON_AddObjectToObject(o, "capture_during_cut");

		cJSON_AddNumberToObject(c, "to_cloud_packets",
		    (double)T->cap.to_cloud);
		cJSON_AddNumberToObject(c, "to_cloud_syns",
		    (double)T->cap.syn_to_cloud);
		cJSON_AddNumberToObject(c, "from_cloud_packets",
		    (double)T->cap.from_cloud);
	}
	if (T->cut_ns > 0 && R->r.have_cloud) {
		cJSON_AddBoolToObject(o, "reconnected", T->reconnected);
		if (T->reconnected)
			cJSON_AddNumberToObject(o, "reconnect_ms",
			    (double)(T->reconnect_ns - T->restore_ns) / 1e6);
		cJSON_AddBoolToObject(o, "backlog_uploaded", T->uploaded);
		if (T->uploaded)
			cJSON_AddNumberToObject(o, "backlog_ms",
			    (double)(T->upload_ns - T->restore_ns) / 1e6);
	}
	if (T->cut_ns > 0)
		cJSON_AddBoolToObject(o, "alarm_after_restore",
		    T->after_restore_alarm);
	return o;
}

/* What judging found: findings, and limits inside the uncertainty band
 * under the "inconclusive" rule. */
struct judged {
	int	 nf, und;
	char	 what[200];
};

/*
 * Records a measurement with its limit and acts on hq_measure's decision
 * (the one the report's table prints): HQ_CONF_NO adds the finding
 * (fmt ...), HQ_CONF_UNDECIDED counts as "within uncertainty".
 */
static void
limit(struct run *R, struct judged *J, const char *name, double v,
    const char *unit, const char *op, double lim, double u,
    const char *fmt, ...) __attribute__((format(printf, 9, 10)));

static void
limit(struct run *R, struct judged *J, const char *name, double v,
    const char *unit, const char *op, double lim, double u,
    const char *fmt, ...)
{
	char text[400];
	va_list ap;

	switch (hq_measure(R->res, name, v, unit, op, lim, u)) {
	case HQ_CONF_NO:
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		hq_finding(R->res, "%s", text);
		J->nf++;
		break;
	case HQ_CONF_UNDECIDED:
		if (J->und++ == 0)
			snprintf(J->what, sizeof(J->what), "%s = %g %s, limit "
			    "%s %g, uncertainty %g", name, v, unit, op, lim, u);
		break;
	default:
		break;
	}
}

/* nc_latency() on an onset's latency: the finding or the undecided
 * value it calls for; NAN when undecided. */
static double
latency(struct run *R, struct judged *J, int n, const char *what,
    double lat, double u)
{
	double v = lat;

	switch (nc_latency(&v, u)) {
	case NC_LAT_AT_STIMULUS:
		hq_finding(R->res, "trial %d: %s onset %.1f ms before the "
		    "stimulus instant, inside the %.1f ms timing uncertainty: "
		    "reported as 0 ms", n, what, -lat, u);
		return v;
	case NC_LAT_BEFORE:
		if (J->und++ == 0)
			snprintf(J->what, sizeof(J->what), "trial%d.%s_latency: "
			    "onset %.1f ms before the stimulus, beyond the %.1f "
			    "ms timing uncertainty (clocks disagree)", n, what,
			    -lat, u);
		return NAN;
	default:
		return v;
	}
}

/* Judges one trial: findings (FAIL) and measurements.  *controlp set
 * when a control failed. */
static void
judge(struct run *R, const struct trial *T, const struct trial *ref,
    struct judged *J, bool *controlp)
{
	char m[64];
	int n = T->n;
	double u_a = R->p.hop_ms + (double)T->stim.uncert_ns / 1e6;
	double u_v = (R->r.light_clk == HQ_LIGHT_ARRIVAL ? POLL_MS : 2.0) +
	    (double)T->stim.uncert_ns / 1e6;

	if (T->cap_checked && T->cap.from_cloud > 0) {
		hq_verdict(R->res, HQ_INCONCLUSIVE, "control failed: trial "
		    "%d: the cut did not hold: the capture shows %zu packets "
		    "from the cloud to the DUT while the uplink was cut", n,
		    T->cap.from_cloud);
		*controlp = true;
		return;
	}
	if (R->r.have_cloud && !T->cut_held) {
		hq_verdict(R->res, HQ_INCONCLUSIVE, "control failed: trial "
		    "%d: the cut did not hold: the cloud received %zu "
		    "heartbeat%s from the DUT while the uplink was cut", n,
		    T->hb_during_cut, T->hb_during_cut == 1 ? "" : "s");
		*controlp = true;
		return;
	}
	if (T->false_audio || T->false_light) {
		char which[256] = "";
		size_t k;

		for (k = 0; k < T->nwin; k++)
			if (T->win_false[k])
				snprintf(which + strlen(which), sizeof(which) -
				    strlen(which), "%s\"%s\"", which[0] !=
				    '\0' ? ", " : "", R->p.nneg > 0 ?
				    R->p.neg[k] : "none");
		hq_finding(R->res, "trial %d: false alarm: %s%s%s alarm at "
		    "%.1f ms with no alarming stimulus (%s%s)", n,
		    T->false_audio ? "audible" : "",
		    T->false_audio && T->false_light ? " and " : "",
		    T->false_light ? "visual" : "", rel_ms(R, T->false_ns),
		    T->false_ns < T->nc0_ns ? "after the cut, before the "
		    "negative control" : T->false_ns < T->stim_ns ?
		    "during the negative control " : "after the stimulus's "
		    "alarm had ended", T->false_ns >= T->nc0_ns && T->false_ns <
		    T->stim_ns ? which : "");
		J->nf++;
	}
	if (!T->audible && !T->visual) {
		if (T->after_restore_alarm)
			hq_finding(R->res, "trial %d: alarm only with the "
			    "cloud: no alarm while the uplink was cut; a new "
			    "%s alarm started %.1f s after the uplink was "
			    "restored, %.1f s after the stimulus", n,
			    T->after_restore_audible ? "audible" : "visual",
			    (double)(T->after_restore_ns - T->restore_ns) /
			    1e9, (double)(T->after_restore_ns - T->stim_ns) /
			    1e9);
		else
			hq_finding(R->res, "trial %d: no alarm offline: "
			    "neither audible nor visual within %.0f ms of the "
			    "stimulus (nor up to %.0f ms)%s", n,
			    R->p.limit_ms, R->p.limit_ms + R->p.grace_ms,
			    ref != NULL && (ref->audible || ref->visual) ?
			    "; the same stimulus raised an alarm with the "
			    "uplink up" : "");
		J->nf++;
		return;
	}
	if (!T->audible && R->p.need_audible) {
		hq_finding(R->res, "trial %d: no audible alarm offline (visual "
		    "only: nothing above %.1f dB in %.0f-%.0f Hz)%s", n,
		    R->ao.threshold_db, R->ao.lo_hz, R->ao.hi_hz,
		    T->after_restore_audible ? "; a siren started only after "
		    "the uplink was restored" : "");
		J->nf++;
	}
	if (!T->visual && R->p.need_visual) {
		hq_finding(R->res, "trial %d: no visual alarm offline (audible "
		    "only: the light sensor saw no new onset)", n);
		J->nf++;
	}
	if (T->audible) {
		double lat = (double)(T->a_on_ns - T->stim_ns) / 1e6;
		double dur = (double)(T->a_end_ns - T->a_on_ns) / 1e6;

		lat = latency(R, J, n, "audible", round(lat * 10) / 10, u_a);
		snprintf(m, sizeof(m), "trial%d.audible_latency", n);
		if (isfinite(lat))
			limit(R, J, m, lat, "ms", "<=", R->p.limit_ms,
			    u_a, "trial %d: late alarm: audible %.1f ms "
			    "after the stimulus, limit %.0f ms", n, lat,
			    R->p.limit_ms);
		snprintf(m, sizeof(m), "trial%d.level", n);
		limit(R, J, m, round(T->snd.level_db * 10) / 10, "dB", ">=",
		    R->p.min_db, 1.0, "trial %d: too quiet: %.1f dB "
		    "(estimated against the %.1f dB calibration tone), at "
		    "least %.1f dB required", n, T->snd.level_db, R->cal.db,
		    R->p.min_db);
		snprintf(m, sizeof(m), "trial%d.audible_duration", n);
		limit(R, J, m, round(dur), "ms", ">=", R->p.min_dur_ms,
		    2 * R->p.hop_ms, "trial %d: audible alarm too short: "
		    "%.0f ms, at least %.0f ms required", n, dur,
		    R->p.min_dur_ms);
	}
	if (T->visual) {
		double lat = (double)(T->ep.onset_ns - T->stim_ns) / 1e6;
		double dur = (double)(T->ep.end_ns - T->ep.onset_ns) / 1e6;
		double lo = R->p.fmin, hi = R->p.fmax;

		lat = latency(R, J, n, "visual", round(lat * 10) / 10, u_v);
		snprintf(m, sizeof(m), "trial%d.visual_latency", n);
		if (isfinite(lat))
			limit(R, J, m, lat, "ms", "<=", R->p.limit_ms,
			    u_v, "trial %d: late alarm: visual %.1f ms "
			    "after the stimulus, limit %.0f ms", n, lat,
			    R->p.limit_ms);
		snprintf(m, sizeof(m), "trial%d.visual_duration", n);
		limit(R, J, m, round(dur), "ms", ">=", R->p.min_dur_ms, u_v,
		    "trial %d: visual alarm too short: %.0f ms, at least "
		    "%.0f ms required", n, dur, R->p.min_dur_ms);
		if (R->r.light_kind == LIGHT_STROBE) {
			lo = R->p.smin;
			hi = R->p.smax;
		}
		if (R->r.light_kind != LIGHT_STEADY) {
			struct judged F = { 0 };

			snprintf(m, sizeof(m), "trial%d.flashes", n);
			limit(R, &F, m, T->ep.flashes, "flashes", ">=",
			    (double)R->p.min_flashes, 0, "trial %d: %s "
			    "visual alarm: %u flash%s, at least %lld "
			    "required", n, light_kinds[R->r.light_kind],
			    T->ep.flashes, T->ep.flashes == 1 ? "" : "es",
			    R->p.min_flashes);
			if (F.nf == 0 && T->ep.flashes >= 2) {
				snprintf(m, sizeof(m), "trial%d.flash_rate",
				    n);
				limit(R, &F, m, round(T->ep.freq_hz * 1000) /
				    1000, "Hz", ">=", lo, 0.01, "trial %d: "
				    "%s visual alarm at %.2f Hz, below %.2f "
				    "Hz", n, light_kinds[R->r.light_kind],
				    T->ep.freq_hz, lo);
				limit(R, &F, m, round(T->ep.freq_hz * 1000) /
				    1000, "Hz", "<=", hi, 0.01, "trial %d: "
				    "%s visual alarm at %.2f Hz, above %.2f "
				    "Hz", n, light_kinds[R->r.light_kind],
				    T->ep.freq_hz, hi);
			}
			J->nf += F.nf;
			if (F.und > 0 && J->und++ == 0)
				snprintf(J->what, sizeof(J->what), "%s",
				    F.what);
		}
	}
	if (R->r.have_events && !T->event_logged) {
		hq_finding(R->res, "trial %d: the alarm is not in the DUT's "
		    "local event log", n);
		J->nf++;
	}
	if (R->r.have_cloud) {
		if (!T->reconnected) {
			hq_finding(R->res, "trial %d: no reconnection: the "
			    "cloud heard nothing from the DUT within %.0f s "
			    "of the restore", n, fmax(R->p.reconnect_s,
			    R->p.backlog_s));
			J->nf++;
		} else {
			double rs = (double)(T->reconnect_ns - T->restore_ns) /
			    1e9;

			snprintf(m, sizeof(m), "trial%d.reconnect", n);
			limit(R, J, m, round(rs * 1000) / 1000, "s", "<=",
			    R->p.reconnect_s, CLOUD_POLL_MS / 1000.0,
			    "trial %d: reconnected %.1f s after the restore, "
			    "limit %.0f s", n, rs, R->p.reconnect_s);
		}
		if (!T->uploaded) {
			hq_finding(R->res, "trial %d: no backlog upload: the "
			    "offline alarm event never reached the cloud "
			    "within %.0f s of the restore", n,
			    R->p.backlog_s);
			J->nf++;
		} else {
			double bs = (double)(T->upload_ns - T->restore_ns) /
			    1e9;

			snprintf(m, sizeof(m), "trial%d.backlog_upload", n);
			limit(R, J, m, round(bs * 1000) / 1000, "s", "<=",
			    R->p.backlog_s, CLOUD_POLL_MS / 1000.0,
			    "trial %d: offline event uploaded %.1f s after "
			    "the restore, limit %.0f s", n, bs,
			    R->p.backlog_s);
		}
	}
}

static const char rule[] =
    "Per trial, on quiet evidence (the indicator dark, no sound going "
    "on; else INCONCLUSIVE): the uplink is cut and the cut must hold "
    "(the cloud receives no heartbeat from the DUT while cut and the "
    "capture shows nothing from the cloud; else INCONCLUSIVE); no "
    "audible or visual alarm may start during any negative control "
    "(FAIL: false alarm); after the stimulus an audible alarm (band "
    "level at or above the onset threshold) and a visual alarm (a new "
    "onset at the light sensor) must start within latency_limit_ms, the "
    "audible one at or above min_level_db, both lasting at least "
    "min_duration_ms; a flashing or strobe indicator (alarm.light.kind) "
    "with at least min_flashes flashes at flash_hz_min..flash_hz_max "
    "(strobe: strobe_hz_min..strobe_hz_max), a steady one lit; a light "
    "or sound already on when a window opens is reported and credited "
    "to nothing; with an alarm.events recipe the alarm must be in the "
    "DUT's local event log; with an alarm.cloud recipe the DUT must "
    "reach its cloud within reconnect_limit_s after the restore and "
    "upload the offline event within backlog_limit_s; an alarm that "
    "starts only after the restore (a new onset) is an alarm only with "
    "the cloud.  Latency = alarm onset - stimulus time, both on "
    "CLOCK_MONOTONIC.  Each limit is decided by the profile's decision "
    "rule (ISO/IEC 17025 7.8.6) with the stated uncertainty, the same "
    "decision the measurement table shows; under the inconclusive rule "
    "a value inside the band makes the case INCONCLUSIVE.  PASS needs "
    "every trial to pass and every control to hold.";

static void
save_evidence(struct run *R)
{
	struct hq_err e = { 0 };
	char rel[256];
	size_t len;
	const char *raw;
	int16_t *x = NULL;
	size_t n;
	int64_t first, now = hq_mono_ns();

	snprintf(rel, sizeof(rel), "netcut/%s-stimuli.txt", R->slug);
	if (hq_transcript_save(R->tr, R->ctx->ev, rel, &e) == 0)
		hq_result_evidence(R->res, rel);
	hq_err_clear(&e);
	if (R->light != NULL) {
		raw = hq_light_raw(R->light, &len);
		snprintf(rel, sizeof(rel), "netcut/%s-light.log", R->slug);
		if (hq_evidence_write(R->ctx->ev, rel, "light", raw != NULL ?
		    raw : "", len, &e) == 0)
			hq_result_evidence(R->res, rel);
		hq_err_clear(&e);
	}
	/* The audio of the case, as a WAV stamped like its source. */
	if (R->wav != NULL && R->first_ns > 0 && now > R->first_ns &&
	    audio_get(R, R->first_ns, now, &x, &n, &first, &e) == 0) {
		size_t hl = 12 + 24 + 8 + 4 + 8 + 48 + 8, i;
		uint8_t *w = malloc(hl + n * 2);
		char note[48];
		int64_t t0 = time_of(R, first);

		if (w != NULL) {
			memset(w, 0, hl);
			snprintf(note, sizeof(note), "t0_mono_ms=%lld",
			    (long long)(t0 / NS_PER_MS));
#define PUT32(p, v) do { (p)[0] = (v) & 0xff; (p)[1] = ((v) >> 8) & 0xff; \
	(p)[2] = ((v) >> 16) & 0xff; (p)[3] = ((v) >> 24) & 0xff; } while (0)
			memcpy(w, "RIFF", 4);
			PUT32(w + 4, (uint32_t)(hl - 8 + n * 2));
			memcpy(w + 8, "WAVEfmt ", 8);
			PUT32(w + 16, 16u);
			w[20] = 1;
			w[22] = 1;
			PUT32(w + 24, R->rate);
			PUT32(w + 28, R->rate * 2);
			w[32] = 2;
			w[34] = 16;
			memcpy(w + 36, "LIST", 4);
			PUT32(w + 40, 4u + 8u + 48u);
			memcpy(w + 44, "INFOICMT", 8);
			PUT32(w + 52, 48u);
			memcpy(w + 56, note, strlen(note));
			memcpy(w + 104, "data", 4);
			PUT32(w + 108, (uint32_t)(n * 2));
#undef PUT32
			for (i = 0; i < n; i++) {
				w[hl + 2 * i] = (uint8_t)(x[i] & 0xff);
				w[hl + 2 * i + 1] = (uint8_t)((uint16_t)x[i] >>
				    8);
			}
			snprintf(rel, sizeof(rel), "netcut/%s-audio.wav",
			    R->slug);
			if (hq_evidence_write(R->ctx->ev, rel, "audio", w,
			    hl + n * 2, &e) == 0)
				hq_result_evidence(R->res, rel);
			free(w);
		}
		free(x);
	}
}

/* Traffic per second of the case, from the capture, in the report's
 * format: {t_ms, bytes_per_s: [...]} (the DUT's bytes, both ways). */
static cJSON *
traffic_json(struct run *R)
{
	struct hq_err e = { 0 };
	struct hq_pkt *pk = NULL;
	struct hq_traffic t;
	int64_t a, end = hq_mono_ns();
	size_t np;
	cJSON *o, *arr;

	if (R->first_ns <= 0 || capture_packets(R, &pk, &np, &e) != 0 ||
	    (o = cJSON_CreateObject()) == NULL) {
		free(pk);
		return NULL;
	}
	cJSON_AddNumberToObject(o, "t_ms", floor(rel_ms(R, R->first_ns)));
	if ((arr = cJSON_AddArrayToObject(o, "bytes_per_s")) != NULL)
		for (a = R->first_ns; a < end && cJSON_GetArraySize(arr) <
		    7200; a += NS_PER_S) {
			hq_traffic_count(pk, np, a, a + NS_PER_S, &t);
			cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)(
			    t.bytes_to_cloud + t.bytes_from_cloud +
			    t.bytes_dut)));
		}
	free(pk);
	return o;
}

static int
netcut_run(struct hq_ctx *ctx, const struct hq_case *tc,
    struct hq_result *res, struct hq_err *err)
{
	struct run R;
	struct trial *T = NULL, ref;
	bool control = false, have_ref = false;
	struct judged J = { 0 };
	struct nc_summary sum;
	char negs[NEG_MAX * 34];
	int rc, k;
	long long npass = 0;
	char path[1200];
	cJSON *tlo;

	memset(&R, 0, sizeof(R));
	memset(&ref, 0, sizeof(ref));
	R.ctx = ctx;
	R.res = res;
	hq_slug(tc->id, R.slug, sizeof(R.slug));
	if ((rc = params_read(tc->params, &R.p, err)) != 0 ||
	    (rc = recipe_read(ctx->dut, &R.r, err)) != 0)
		goto out;
	if (ctx->bench == NULL) {
		rc = hq_err_set(err, HQ_EINVAL, "netcut needs the bench (the "
		    "DUT's uplink routed through hopquy)");
		goto out;
	}
	if ((R.tr = hq_transcript_new(1u << 20)) == NULL ||
	    (R.tl_net = cJSON_CreateArray()) == NULL ||
	    (R.tl_stim = cJSON_CreateArray()) == NULL ||
	    (R.tl_alarm = cJSON_CreateArray()) == NULL ||
	    (R.tl_other = cJSON_CreateArray()) == NULL ||
	    (R.trials = cJSON_CreateArray()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	R.ao = (struct hq_audio_opts)HQ_AUDIO_OPTS_INIT;
	R.ao.lo_hz = R.p.band[0];
	R.ao.hi_hz = R.p.band[1];
	R.ao.window_ms = R.p.window_ms;
	R.ao.hop_ms = R.p.hop_ms;
	R.ao.merge_gap_ms = R.p.merge_ms;
	/* Evidence sources. */
	if (R.r.alsa) {
		char rel[256];

		snprintf(rel, sizeof(rel), "netcut/%s-microphone.wav", R.slug);
		if ((rc = hq_evidence_register(ctx->ev, rel, "audio", path,
		    sizeof(path), err)) != 0)
			goto out;
		{
			char *slash = strrchr(path, '/');

			if (slash != NULL) {
				*slash = '\0';
				(void)hq_mkdirs(path, 0755, NULL);
				*slash = '/';
			}
		}
		if ((rc = hq_audio_rec_start(R.r.audio,
		    (unsigned)R.r.alsa_rate, path, &R.rec, err)) != 0)
			goto out;
		hq_result_evidence(res, rel);
	} else
		snprintf(path, sizeof(path), "%s", R.r.audio);
	if ((rc = hq_wav_open(path, dl_in(&R, 5000), &R.wav, err)) != 0)
		goto out;
	R.rate = hq_wav_rate(R.wav);
	if (R.r.align == ALIGN_START) {
		/* A wall-clock start the recorder logged. */
		R.wav_t0 = (int64_t)(R.r.start_unix_ms * NS_PER_MS) -
		    hq_light_real_minus_mono();
		hq_step(res, "audio: sample 0 at the declared start (unix ms "
		    "%.0f)", R.r.start_unix_ms);
	} else if (R.r.align == ALIGN_SYNC) {
		uint64_t avail;

		if (strcmp(hq_stim_driver(R.r.stim), "manual") == 0) {
			rc = hq_err_set(err, HQ_EINVAL, "alarm.audio.align "
			    "sync-tone: the calibration tone needs a stimulus "
			    "driver that knows when it played it (not manual)");
			goto out;
		}
		/* Provisional: the recording is live, its end is now; the
		 * calibration tone sets it exactly. */
		if ((rc = hq_wav_available(R.wav, &avail, err)) != 0)
			goto out;
		R.wav_t0 = hq_mono_ns() - (int64_t)((__int128)avail *
		    NS_PER_S / R.rate);
	} else if (!hq_wav_t0(R.wav, &R.wav_t0)) {
		rc = hq_err_set(err, HQ_EPROTO, "audio %s: the recording does "
		    "not say when its first sample was taken (no t0_mono_ms "
		    "in its ICMT); declare alarm.audio.align \"sync-tone\" "
		    "(the calibration tone marks the clock) or "
		    "start_unix_ms", path);
		goto out;
	}
	hq_step(res, "audio: %s, %u Hz, sample 0 at %.1f ms of the run", path,
	    R.rate, rel_ms(&R, R.wav_t0));
	if (R.r.have_light) {
		if ((rc = hq_light_open(R.r.light, R.r.light_clk,
		    dl_in(&R, 5000), &R.light, err)) != 0)
			goto out;
		hq_light_set_format(R.light, R.r.light_fmt);
		hq_step(res, "light sensor: %s (%s clock), a %s indicator",
		    R.r.light, clocks[R.r.light_clk],
		    light_kinds[R.r.light_kind]);
	} else if (R.p.need_visual) {
		rc = hq_err_set(err, HQ_EINVAL, "the profile requires a visual "
		    "alarm and the DUT description names no light sensor "
		    "(alarm.light)");
		goto out;
	}
	if (!R.r.have_cloud)
		hq_step(res, "no cloud recipe: the cut is proven by the "
		    "capture only, and reconnection and backlog are not "
		    "checked");
	if (!R.r.have_events)
		hq_step(res, "no alarm.events recipe: the local event log is "
		    "not checked");
	if (!R.r.have_cloud && (ctx->cap == NULL || ctx->dut->ncloud == 0)) {
		rc = hq_err_set(err, HQ_EINVAL, "nothing can prove the cut: "
		    "no cloud recipe (alarm.cloud), and no capture or no "
		    "declared cloud addresses (bench.cloud)");
		goto out;
	}
	R.first_ns = hq_mono_ns();
	tl(&R, R.first_ns, TL_NET, "up");
	if ((T = calloc((size_t)R.p.trials, sizeof(*T))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	/* Controls, on a dark indicator (the calibration tone is heard
	 * before the detector can tell sounds apart: light only). */
	if (R.light != NULL) {
		const char *what;
		double waited;

		if ((rc = quiet_wait(&R, true, &what, &waited, err)) != 0)
			goto out;
		if (what != NULL) {
			hq_verdict(res, HQ_INCONCLUSIVE, "control failed: "
			    "before the calibration %s after %.0f s", what,
			    waited);
			goto judged;
		} else if (waited >= 0.5)
			hq_step(res, "indicator dark after %.1f s", waited);
	}
	if ((rc = calibrate(&R, err)) != 0)
		goto judged;
	if ((rc = baseline(&R, err)) != 0)
		goto out;
	if (R.p.online_ref) {
		if ((rc = reference(&R, &ref, err)) != 0)
			goto out;
		have_ref = true;
	}
	for (k = 0; k < R.p.trials; k++) {
		if ((rc = trial(&R, &T[k], k + 1, err)) != 0)
			goto judged;
		cJSON_AddItemToArray(R.trials, trial_json(&R, &T[k]));
	}
	for (k = 0; k < R.p.trials && !control; k++) {
		struct judged Jt = { 0 };

		judge(&R, &T[k], have_ref ? &ref : NULL, &Jt, &control);
		J.nf += Jt.nf;
		if (Jt.und > 0 && J.und == 0)
			snprintf(J.what, sizeof(J.what), "%s", Jt.what);
		J.und += Jt.und;
		if (Jt.nf == 0 && Jt.und == 0)
			npass++;
	}
	if (!control) {
		memset(&sum, 0, sizeof(sum));
		sum.trials = R.p.trials;
		sum.passed = npass;
		sum.findings = J.nf;
		sum.undecided = J.und;
		snprintf(sum.undecided_what, sizeof(sum.undecided_what), "%s",
		    J.what);
		sum.cut_mode = hq_cut_mode_name(R.p.cut);
		sum.limit_ms = R.p.limit_ms;
		sum.min_db = R.p.min_db;
		sum.min_dur_ms = R.p.min_dur_ms;
		sum.audible = R.p.need_audible ? NC_SUB_RAN :
		    NC_SUB_NOT_REQUIRED;
		sum.visual = R.p.need_visual ? NC_SUB_RAN :
		    NC_SUB_NOT_REQUIRED;
		sum.light_kind = light_kinds[R.r.light_kind];
		sum.negatives = R.p.nneg > 0 ? (int)R.p.nneg : 1;
		negs[0] = '\0';
		for (k = 0; k < (int)R.p.nneg; k++)
			snprintf(negs + strlen(negs), sizeof(negs) -
			    strlen(negs), "%s%s", k > 0 ? ", " : "",
			    R.p.neg[k]);
		sum.negative_kinds = R.p.nneg > 0 ? negs : "no stimulus";
		sum.event = R.r.have_events ? NC_SUB_RAN : NC_SUB_NO_RECIPE;
		sum.event_required = R.p.need_event;
		sum.backlog = R.r.have_cloud ? NC_SUB_RAN : NC_SUB_NO_RECIPE;
		sum.backlog_required = R.p.need_backlog;
		nc_verdict(res, &sum);
	}
 judged:
	if (rc > 0)		/* a control failed; the verdict is set */
		rc = 0;
	if (have_ref) {
		cJSON *o = trial_json(&R, &ref);

		cJSON_AddStringToObject(o, "note", "online reference, uplink "
		    "up; not judged");
		hq_detail(res, "online_reference", o);
	}
	hq_detail(res, "trials", R.trials);
	R.trials = NULL;
	hq_detail(res, "decision_rule", cJSON_CreateString(rule));
	if ((tlo = cJSON_CreateObject()) != NULL) {
		cJSON *tr;

		cJSON_AddNumberToObject(tlo, "origin_mono_ms",
		    (double)(ctx->t0_ns / NS_PER_MS));
		cJSON_AddStringToObject(tlo, "clock", "CLOCK_MONOTONIC, ms "
		    "since the run's start");
		cJSON_AddItemToObject(tlo, "network", R.tl_net);
		cJSON_AddItemToObject(tlo, "stimuli", R.tl_stim);
		cJSON_AddItemToObject(tlo, "alarms", R.tl_alarm);
		cJSON_AddItemToObject(tlo, "events", R.tl_other);
		R.tl_net = R.tl_stim = R.tl_alarm = R.tl_other = NULL;
		if ((tr = traffic_json(&R)) != NULL)
			cJSON_AddItemToObject(tlo, "traffic", tr);
		hq_detail(res, "timeline", tlo);
	}
	save_evidence(&R);
 out:
	if (ctx->bench != NULL && hq_bench_cut_active(ctx->bench) !=
	    HQ_CUT_NONE) {
		struct hq_err berr = { 0 };

		if (hq_bench_restore(ctx->bench, &berr) != 0)
			hq_error("restore: %s", berr.msg);
	}
	free(T);
	cJSON_Delete(R.trials);
	cJSON_Delete(R.tl_net);
	cJSON_Delete(R.tl_stim);
	cJSON_Delete(R.tl_alarm);
	cJSON_Delete(R.tl_other);
	hq_transcript_free(R.tr);
	hq_light_close(R.light);
	hq_wav_close(R.wav);
	hq_audio_rec_stop(R.rec);
	recipe_clear(&R.r);
	params_clear(&R.p);
	return rc;
}

static void
netcut_cleanup(struct hq_ctx *ctx)
{
	struct hq_err err = { 0 };

	/* The uplink comes back whatever happened (the engine restores
	 * the whole journal again at the end of the run). */
	if (ctx->bench != NULL && hq_bench_cut_active(ctx->bench) !=
	    HQ_CUT_NONE && hq_bench_restore(ctx->bench, &err) != 0)
		hq_error("netcut: restore: %s", err.msg);
}

const struct hq_family hq_family_netcut = {
	.name		= "netcut",
	.summary	= "uplink cut: local recognition, audible and visual "
			  "alarm, no false alarm, reconnect and backlog",
	.flags		= HQ_FAM_NEEDS_BENCH | HQ_FAM_NEEDS_CAPTURE,
	.check_params	= netcut_check_params,
	.run		= netcut_run,
	.cleanup	= netcut_cleanup,
};
