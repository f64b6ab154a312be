/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scenario family "aisafety": how well a device's recognition holds under
 * degraded scenes, whether it fails safe on bad input, and whether the
 * model it runs is the one declared (VSTL draft for AI-enabled CNC machine
 * tools; QCVN 132:2026's local recognition for AI cameras).
 *
 * check "recognition": the DUT file's scene sets (ai.scenes.positives and
 * .negatives: directories whose entries, PNG files or directories of PNG
 * frames, are one trial each) are shown clean and degraded by hopquy
 * (signal/degrade.h: seeded, severities 1-5) through the ai.stimulus
 * driver ({frames}: the trial's frames as shown, {clip}: its source); the
 * device's decision per trial is read from ai.detection (a step whose
 * JSON reply holds "detected", "fault" and "state").  Per condition:
 * detection rate on positives and false-alarm rate on negatives, each
 * with its Wilson 95 % interval; conditions up to judged_max_severity
 * decide: PASS when every interval clears its limit, FAIL when one surely
 * misses, INCONCLUSIVE when one straddles (with the trials that would
 * decide it).  The whole curve goes to the details under
 * "degradation_curve" (render_curve.h draws it).
 *
 * check "failsafe": black frames, a frozen frame, noise, the sensor input
 * removed (an empty sequence) and malformed frames; the device must report
 * a fault, or its declared ai.safe_state, within fault_within_ms of the
 * stimulus, and never "all clear".
 *
 * check "model-integrity": ai.model.sha256 against the hash ai.model.read
 * returns.  check "traceability": documentary (the manufacturer's
 * records).  A tampered or foreign-signed model is the update family's
 * case with "image": "model" (ai.model.update), not this family's.
 *
 * With "offline": true (QCVN 132: recognition while the network is
 * unavailable), a recognition or fail-safe check runs with the DUT's
 * uplink cut through the bench (cut_mode, as in netcut), restored after
 * the last trial and by cleanup on an abort; the cut's span is on the
 * case timeline.  Otherwise the family never touches the network but
 * through the stimulus driver and recipe steps.
 *
 * Every frame shown is evidence (hash, parameters, seed).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aisafety_decide.h"
#include "family.h"
#include "signal/audio.h"
#include "signal/degrade.h"
#include "signal/evlist.h"
#include "signal/light.h"
#include "signal/stimulus.h"
#include "util/jv.h"
#include "util/rd.h"
#include "util/stats.h"
#include "wire/mqttsub.h"
#include "wire/steps.h"

#define AI_TRIALS_MAX	1000	/* trials per scene set */
#define AI_FRAMES_MAX	256	/* frames per trial */
#define AI_COND_MAX	(HQ_DG_COUNT * 6)
#define AI_STAMPS_MAX	256	/* evidence stamps kept per trial */
#define AI_EVENTS_MAX	1024	/* event log entries read at once */
#define AI_PING_MS	3000	/* a broker's PINGRESP */
#define NS_PER_MS	1000000LL

/* Where the device's decision per trial is read (ai.decision.source). */
enum ai_src { SRC_DETECTION, SRC_EVENTS, SRC_ALARM, SRC_MQTT };
static const char *const src_names[] = {
	"detection", "events", "alarm", "mqtt", NULL
};

struct ai_source {
	enum ai_src		 kind;
	int64_t			 window_ms;
	char			 desc[256];	/* for rationales */
	int64_t			 ready_ns;	/* readable since */
	/* events: alarm.events, the kinds that mean a detection */
	struct hq_evlist	 ev;
	char			**kinds;
	size_t			 nkinds;
	/* alarm: the light sensor of alarm.light */
	struct hq_light_src	*light;
	double			 light_thr;
	size_t			 bad_lines;	/* before the first trial */
	int64_t			 light_from;	/* its file readable since */
	bool			 use_light, use_audio;
	struct hq_wav		*wav;		/* alarm.audio's recording */
	unsigned		 rate;
	int64_t			 wav_t0;	/* sample 0, run's clock */
	int64_t			 audio_from;
	struct hq_audio_cal	 cal;
	struct hq_audio_opts	 ao;
	/* mqtt */
	struct hq_mqtt_sub	*sub;
	char			 host[256];
	unsigned		 port;
	char			*topic;
	const char		*user, *password;	/* borrowed, or NULL */
	const cJSON		*match;		/* borrowed from the DUT */
	char			*time;
	enum hq_light_clock	 clk;
	/* one trial's evidence */
	int64_t			 st[AI_STAMPS_MAX];
	size_t			 nst;
	size_t			 seen;		/* items read, all kinds */
	bool			 bad;		/* a message we could not read */
};

static const char *const ai_keys[] = {
	"check", "corruptions", "severities", "judged_max_severity", "seed",
	"detection_min", "false_alarm_max", "max_trials", "settle_ms", "box",
	"inputs", "fault_within_ms", "frames", "poll_ms", "offline",
	"cut_mode", NULL
};
static const char *const checks[] = {
	"recognition", "failsafe", "model-integrity", "traceability", NULL
};
static const char *const fs_inputs[] = {
	"black", "frozen", "noise", "removed", "malformed", NULL
};

struct ai_params {
	char		*check;
	bool		 use[HQ_DG_COUNT];
	bool		 sev[HQ_DEGRADE_SEV_MAX + 1];
	long long	 judged_max;
	long long	 seed;
	double		 det_min;
	double		 fa_max;
	long long	 max_trials;
	long long	 settle_ms;
	struct hq_box	 box;
	bool		 input[5];
	long long	 fault_ms;
	long long	 nframes;
	long long	 poll_ms;
	bool		 offline;
	enum hq_cut_mode cut;
};

/* One trial of a scene set: a frame file or a directory of frames. */
struct ai_trial {
	char	*name;
	char	*path;
	char	**frames;		/* absolute paths, sorted */
	size_t	 nframes;
};

struct ai_set {
	const char	*label;		/* "positives", "negatives" */
	char		*dir;
	struct ai_trial	*trials;
	size_t		 ntrials;
	char		 sha256[65];	/* over "name sha256\n" of each frame */
};

struct ai_run {
	struct hq_ctx		*ctx;
	struct hq_result	*res;
	struct hq_transcript	*tr;
	const cJSON		*ai;
	struct ai_params	 p;
	char			 base[128];	/* evidence dir of the case */
	cJSON			*trials;	/* per-trial log (evidence) */
	cJSON			*stimuli;	/* details.timeline.stimuli */
	cJSON			*alarms;	/* details.timeline.alarms */
	cJSON			*network;	/* details.timeline.network */
	bool			 cut;		/* the uplink is cut by us */
	struct ai_source	 src;
	int64_t			 stim_ns;	/* the last stimulus */
};

/* An event for the case timeline, t_ms on the run's clock. */
static void
tl_add(cJSON *arr, double t_ms, const char *label)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return;
	cJSON_AddNumberToObject(o, "t_ms", t_ms);
	cJSON_AddStringToObject(o, "label", label);
	cJSON_AddItemToArray(arr, o);
}

static void
params_clear(struct ai_params *p)
{
	free(p->check);
	memset(p, 0, sizeof(*p));
}

static int
name_index(const char *const *names, const char *s)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static int
params_read(const cJSON *params, struct ai_params *p, struct hq_err *err)
{
	const cJSON *a, *it;
	enum hq_degrade_kind k;
	size_t i = 0;
	int rc, j;

	memset(p, 0, sizeof(*p));
	if ((rc = hq_jv_keys(params, "", ai_keys, err)) != 0 ||
	    (rc = hq_jv_enum(params, "", "check", true, checks, &p->check,
	    err)) != 0 ||
	    (rc = hq_jv_int(params, "", "judged_max_severity", false, 0,
	    HQ_DEGRADE_SEV_MAX, 0, &p->judged_max, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "seed", false, 0, 0x7fffffffLL, 1,
	    &p->seed, err)) != 0 ||
	    (rc = hq_jv_num(params, "", "detection_min", false, 0, 1, -1,
	    &p->det_min, err)) != 0 ||
	    (rc = hq_jv_num(params, "", "false_alarm_max", false, 0, 1, -1,
	    &p->fa_max, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "max_trials", false, 1,
	    AI_TRIALS_MAX, AI_TRIALS_MAX, &p->max_trials, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "settle_ms", false, 0, 60000, 0,
	    &p->settle_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "fault_within_ms", false, 1, 600000,
	    -1, &p->fault_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "frames", false, 1, AI_FRAMES_MAX, 5,
	    &p->nframes, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "poll_ms", false, 10, 10000, 100,
	    &p->poll_ms, err)) != 0 ||
	    (rc = hq_jv_bool(params, "", "offline", false, false,
	    &p->offline, err)) != 0)
		return rc;
	p->cut = HQ_CUT_LINK_DOWN;
	if ((a = cJSON_GetObjectItemCaseSensitive(params, "cut_mode")) !=
	    NULL) {
		if (!cJSON_IsString(a))
			return hq_err_set(err, HQ_EINVAL, "cut_mode: a string "
			    "expected");
		if ((rc = hq_cut_mode_parse(a->valuestring, &p->cut, err)) !=
		    0)
			return rc;
		if (p->cut == HQ_CUT_NONE)
			return hq_err_set(err, HQ_EINVAL, "cut_mode: \"%s\" "
			    "cuts nothing", a->valuestring);
	}
	/* corruptions: default all; severities: default 0..5 */
	if ((rc = hq_jv_get(params, "", "corruptions", cJSON_Array, false,
	    &a, err)) != 0)
		return rc;
	if (a == NULL)
		for (j = 0; j < HQ_DG_COUNT; j++)
			p->use[j] = true;
	else
		cJSON_ArrayForEach(it, a) {
			if (!cJSON_IsString(it) ||
			    hq_degrade_parse(it->valuestring, &k) != 0)
				return hq_err_set(err, HQ_EINVAL, "corruptions"
				    "[%zu]: expected one of lowlight, "
				    "occlusion, defocus, motion, noise, "
				    "contrast, jpeg", i);
			p->use[k] = true;
			i++;
		}
	if ((rc = hq_jv_get(params, "", "severities", cJSON_Array, false,
	    &a, err)) != 0)
		return rc;
	i = 0;
	if (a == NULL)
		for (j = 0; j <= HQ_DEGRADE_SEV_MAX; j++)
			p->sev[j] = true;
	else
		cJSON_ArrayForEach(it, a) {
			if (!cJSON_IsNumber(it) || it->valuedouble < 0 ||
			    it->valuedouble > HQ_DEGRADE_SEV_MAX ||
			    it->valuedouble != (int)it->valuedouble)
				return hq_err_set(err, HQ_EINVAL, "severities"
				    "[%zu]: expected an integer 0 to 5", i);
			p->sev[(int)it->valuedouble] = true;
			i++;
		}
	if ((rc = hq_jv_get(params, "", "box", cJSON_Array, false, &a,
	    err)) != 0)
		return rc;
	if (a != NULL) {
		unsigned v[4];

		if (cJSON_GetArraySize(a) != 4)
			return hq_err_set(err, HQ_EINVAL, "box: expected [x, "
			    "y, w, h]");
		i = 0;
		cJSON_ArrayForEach(it, a) {
			if (!cJSON_IsNumber(it) || it->valuedouble < 0 ||
			    it->valuedouble > HQ_IMG_DIM_MAX)
				return hq_err_set(err, HQ_EINVAL, "box[%zu]: "
				    "expected 0 to %d", i, HQ_IMG_DIM_MAX);
			v[i++] = (unsigned)it->valuedouble;
		}
		p->box = (struct hq_box){ v[0], v[1], v[2], v[3] };
	}
	if ((rc = hq_jv_get(params, "", "inputs", cJSON_Array, false, &a,
	    err)) != 0)
		return rc;
	i = 0;
	if (a == NULL)
		for (j = 0; j < 5; j++)
			p->input[j] = true;
	else
		cJSON_ArrayForEach(it, a) {
			if (!cJSON_IsString(it) ||
			    (j = name_index(fs_inputs, it->valuestring)) < 0)
				return hq_err_set(err, HQ_EINVAL, "inputs[%zu]"
				    ": expected one of black, frozen, noise, "
				    "removed, malformed", i);
			p->input[j] = true;
			i++;
		}
	if (strcmp(p->check, "recognition") == 0 &&
	    (p->det_min < 0 || p->fa_max < 0))
		return hq_err_set(err, HQ_EINVAL, "recognition needs "
		    "detection_min and false_alarm_max");
	if (strcmp(p->check, "failsafe") == 0 && p->fault_ms < 0)
		return hq_err_set(err, HQ_EINVAL, "failsafe needs "
		    "fault_within_ms");
	return 0;
}

static int
ai_check_params(const cJSON *params, struct hq_err *err)
{
	struct ai_params p;
	int rc = params_read(params, &p, err);

	params_clear(&p);
	return rc;
}

/* ---- scene sets ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_frame_name(const char *n)
{
	size_t l = strlen(n);

	return n[0] != '.' && l > 4 && strcmp(n + l - 4, ".png") == 0;
}

/* Sorted entry names of dir (no dot files), at most max. */
static int
list_dir(const char *dir, size_t max, char ***vp, size_t *np,
    struct hq_err *err)
{
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	*vp = NULL;
	*np = 0;
	if ((d = opendir(dir)) == NULL)
		return hq_err_sys(err, dir);
	if ((v = calloc(max + 1, sizeof(*v))) == NULL) {
		closedir(d);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == max) {
			closedir(d);
			hq_strv_free(v, n);
			return hq_err_set(err, HQ_EINVAL, "%s: more than %zu "
			    "entries", dir, max);
		}
		if ((v[n++] = strdup(de->d_name)) == NULL) {
			closedir(d);
			hq_strv_free(v, n - 1);
			return hq_err_set(err, HQ_ENOMEM, "no memory");
		}
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_str);
	*vp = v;
	*np = n;
	return 0;
}

static void
set_clear(struct ai_set *s)
{
	size_t i;

	for (i = 0; i < s->ntrials; i++) {
		free(s->trials[i].name);
		free(s->trials[i].path);
		hq_strv_free(s->trials[i].frames, s->trials[i].nframes);
	}
	free(s->trials);
	free(s->dir);
	memset(s, 0, sizeof(*s));
}

static char *
path_join(const char *a, const char *b)
{
	char *s;

	if (asprintf(&s, "%s/%s", a, b) < 0)
		return NULL;
	return s;
}

/* Loads the trials of ai.scenes.<label>; cap: at most max trials. */
static int
set_load(struct ai_run *R, const char *label, struct ai_set *s,
    cJSON *details, struct hq_err *err)
{
	const cJSON *scenes = cJSON_GetObjectItemCaseSensitive(R->ai,
	    "scenes");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(scenes, label);
	char **names = NULL, *h = NULL, hex[65];
	size_t n = 0, i, k, hl = 0;
	struct stat sb;
	cJSON *o, *fl;
	int rc;

	memset(s, 0, sizeof(*s));
	s->label = label;
	if (!cJSON_IsString(d) || d->valuestring[0] == '\0')
		return hq_err_set(err, HQ_EINVAL, "ai.scenes.%s: a directory "
		    "is required", label);
	s->dir = d->valuestring[0] == '/' ? strdup(d->valuestring) :
	    path_join(R->ctx->dut->dir, d->valuestring);
	if (s->dir == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if ((rc = list_dir(s->dir, AI_TRIALS_MAX, &names, &n, err)) != 0)
		return rc;
	if ((s->trials = calloc(n + 1, sizeof(*s->trials))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if ((fl = cJSON_CreateArray()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (i = 0; i < n && s->ntrials < (size_t)R->p.max_trials; i++) {
		struct ai_trial *t = &s->trials[s->ntrials];

		if ((t->path = path_join(s->dir, names[i])) == NULL ||
		    (t->name = strdup(names[i])) == NULL) {
			free(t->path);
			t->path = NULL;
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			break;
		}
		s->ntrials++;
		if (stat(t->path, &sb) != 0) {
			rc = hq_err_sys(err, t->path);
			break;
		}
		if (S_ISDIR(sb.st_mode)) {
			char **fr = NULL;
			size_t nf = 0;

			if ((rc = list_dir(t->path, AI_FRAMES_MAX, &fr, &nf,
			    err)) != 0)
				break;
			t->frames = fr;
			for (k = 0; k < nf; k++) {
				char *full = path_join(t->path, fr[k]);

				if (full == NULL) {
					rc = hq_err_set(err, HQ_ENOMEM, "nomem");
					break;
				}
				free(fr[k]);
				fr[k] = full;
			}
			t->nframes = nf;
			if (rc != 0)
				break;
		} else if (is_frame_name(names[i])) {
			if ((t->frames = calloc(2, sizeof(char *))) == NULL ||
			    (t->frames[0] = strdup(t->path)) == NULL) {
				rc = hq_err_set(err, HQ_ENOMEM, "no memory");
				break;
			}
			t->nframes = 1;
		} else {
			rc = hq_err_set(err, HQ_EINVAL, "%s: neither a frame "
			    "(.png) nor a directory of them", t->path);
			break;
		}
		if (t->nframes == 0) {
			rc = hq_err_set(err, HQ_EINVAL, "%s: no frames",
			    t->path);
			break;
		}
		for (k = 0; k < t->nframes; k++) {
			char *line;
			uint64_t sz;

			if ((rc = hq_sha256_file(t->frames[k], hex, &sz,
			    err)) != 0)
				break;
			if (asprintf(&line, "%s%s%s %s\n", t->name,
			    t->nframes > 1 ? "/" : "", t->nframes > 1 ?
			    strrchr(t->frames[k], '/') + 1 : "", hex) < 0) {
				rc = hq_err_set(err, HQ_ENOMEM, "no memory");
				break;
			}
			if ((h = realloc(h, hl + strlen(line) + 1)) == NULL) {
				free(line);
				rc = hq_err_set(err, HQ_ENOMEM, "no memory");
				break;
			}
			memcpy(h + hl, line, strlen(line) + 1);
			hl += strlen(line);
			if ((o = cJSON_CreateObject()) != NULL) {
				line[strlen(line) - 1] = '\0';
				*strrchr(line, ' ') = '\0';
				cJSON_AddStringToObject(o, "frame", line);
				cJSON_AddStringToObject(o, "sha256", hex);
				cJSON_AddItemToArray(fl, o);
			}
			free(line);
		}
		if (rc != 0)
			break;
	}
	if (rc == 0 && s->ntrials == 0)
		rc = hq_err_set(err, HQ_EINVAL, "ai.scenes.%s: %s holds no "
		    "trials", label, s->dir);
	hq_sha256_hex(h != NULL ? h : "", hl, s->sha256);
	if ((o = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(o, "dir", s->dir);
		cJSON_AddNumberToObject(o, "trials", (double)s->ntrials);
		cJSON_AddStringToObject(o, "sha256", s->sha256);
		cJSON_AddItemToObject(o, "frames", fl);
		cJSON_AddItemToObject(details, label, o);
	} else
		cJSON_Delete(fl);
 out:
	free(h);
	hq_strv_free(names, n);
	return rc;
}

/* ---- presentation and decisions ---- */

/* s with every "{frames}" and "{clip}" replaced; NULL: no memory. */
static char *
subst2(const char *s, const char *frames, const char *clip)
{
	size_t cap = strlen(s) + 1, n = 0;
	char *out, *o;
	const char *p;

	for (p = s; (p = strchr(p, '{')) != NULL; p++)
		cap += strlen(frames) + strlen(clip);
	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (p = s, o = out; *p != '\0';) {
		if (strncmp(p, "{frames}", 8) == 0) {
			n = strlen(frames);
			memcpy(o, frames, n);
			o += n;
			p += 8;
		} else if (strncmp(p, "{clip}", 6) == 0) {
			n = strlen(clip);
			memcpy(o, clip, n);
			o += n;
			p += 6;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* A copy of the stimulus recipe with the placeholders filled in. */
static cJSON *
recipe_for(const cJSON *stim, const char *frames, const char *clip)
{
	cJSON *r = cJSON_Duplicate(stim, 1), *it, *argv;
	const char *keys[] = { "url", "body" };
	size_t i;
	char *s;

	if (r == NULL)
		return NULL;
	argv = cJSON_GetObjectItemCaseSensitive(r, "argv");
	cJSON_ArrayForEach(it, argv)
		if (cJSON_IsString(it)) {
			if ((s = subst2(it->valuestring, frames, clip)) ==
			    NULL || cJSON_SetValuestring(it, s) == NULL) {
				free(s);
				cJSON_Delete(r);
				return NULL;
			}
			free(s);
		}
	for (i = 0; i < 2; i++) {
		it = cJSON_GetObjectItemCaseSensitive(r, keys[i]);
		if (!cJSON_IsString(it))
			continue;
		if ((s = subst2(it->valuestring, frames, clip)) == NULL ||
		    cJSON_SetValuestring(it, s) == NULL) {
			free(s);
			cJSON_Delete(r);
			return NULL;
		}
		free(s);
	}
	return r;
}

static struct hq_deadline
dl_in(struct ai_run *R, int64_t ms)
{
	return hq_deadline_min(R->ctx->deadline, hq_deadline_in(ms));
}

/* Shows frames (source clip) as kind; *tp: when, ms on the run's clock. */
static int
present(struct ai_run *R, const char *kind, const char *frames,
    const char *clip, double *tp, struct hq_err *err)
{
	const cJSON *stim = cJSON_GetObjectItemCaseSensitive(R->ai,
	    "stimulus");
	struct hq_stim_event ev;
	struct hq_stim *st = NULL;
	cJSON *r;
	int rc;

	if (!cJSON_IsObject(stim))
		return hq_err_set(err, HQ_EINVAL, "ai.stimulus: a driver is "
		    "required");
	if ((r = recipe_for(stim, frames, clip)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	memset(&ev, 0, sizeof(ev));
	if ((rc = hq_stim_new(r, R->ctx->dut, &st, err)) == 0)
		rc = hq_stim_present(st, kind, dl_in(R, 600000), R->tr, &ev,
		    err);
	hq_stim_free(st);
	cJSON_Delete(r);
	*tp = (double)(ev.t_ns - R->ctx->t0_ns) / 1e6;
	R->stim_ns = ev.t_ns;
	if (rc == 0)
		tl_add(R->stimuli, *tp, kind);
	return rc;
}

/* ---- decision sources other than ai.detection (ai.decision) ---- */

/* The error in err, said again after what (which source, which step):
 * "what: the cause".  Returns rc. */
static int
err_wrap(struct hq_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int
err_wrap(struct hq_err *err, int rc, const char *fmt, ...)
{
	char what[256], cause[sizeof(err->msg)];
	va_list ap;

	if (err == NULL)
		return rc;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(cause, sizeof(cause), "%s", err->msg);
	hq_err_clear(err);
	return hq_err_set(err, rc, "%s: %s", what, cause);
}


static void
src_clear(struct ai_source *S)
{
	hq_evlist_clear(&S->ev);
	hq_strv_free(S->kinds, S->nkinds);
	hq_light_close(S->light);
	hq_wav_close(S->wav);
	hq_mqtt_close(S->sub);
	free(S->topic);
	free(S->time);
	memset(S, 0, sizeof(*S));
}

static const char *const light_clocks[] = {
	"unix-ms", "mono-ms", "arrival", NULL
};
static const char *const mqtt_logins[] = { "none", "operator", NULL };
static const char *const alarm_evidences[] = {
	"light", "audio", "any", NULL
};
static const char *const light_formats[] = {
	"any", "value", "ms value", "on/off", NULL
};

/* alarm.light: the sensor the alarm source reads (netcut's recipe). */
static int
src_light_read(struct ai_run *R, char *spec, size_t specsz,
    enum hq_light_clock *clkp, enum hq_light_format *fmtp,
    struct hq_err *err)
{
	const cJSON *li = cJSON_GetObjectItemCaseSensitive(R->ctx->dut->alarm,
	    "light");
	char *src = NULL, *clk = NULL, *fmt = NULL;
	int rc;

	*clkp = HQ_LIGHT_ARRIVAL;
	*fmtp = HQ_LIGHT_FMT_ANY;
	if ((rc = hq_jv_str(li, "alarm.light", "source", true, 900, &src,
	    err)) != 0 ||
	    (rc = hq_jv_enum(li, "alarm.light", "clock", false, light_clocks,
	    &clk, err)) != 0 ||
	    (rc = hq_jv_enum(li, "alarm.light", "format", false,
	    light_formats, &fmt, err)) != 0 ||
	    (rc = hq_jv_num(li, "alarm.light", "threshold", false, 0, 1e12,
	    0.5, &R->src.light_thr, err)) != 0)
		goto out;
	if (clk != NULL)
		(void)hq_light_clock_parse(clk, clkp);
	if (fmt != NULL)
		(void)hq_light_format_parse(fmt, fmtp);
	if (strncmp(src, "file:", 5) == 0) {
		char p[1000];

		hq_dut_path(R->ctx->dut, src + 5, p, sizeof(p));
		snprintf(spec, specsz, "file:%s", p);
	} else
		snprintf(spec, specsz, "%s", src);
 out:
	free(src);
	free(clk);
	free(fmt);
	return rc;
}

/* ai.decision, read at the start of the case (dut.c checked its shape;
 * what it points to is read here). */
static int
src_read(struct ai_run *R, struct hq_err *err)
{
	const struct hq_dut *dut = R->ctx->dut;
	const cJSON *dc = cJSON_GetObjectItemCaseSensitive(R->ai, "decision");
	const cJSON *x, *sf, *bk;
	struct ai_source *S = &R->src;
	char *name = NULL, *clk = NULL, *ev = NULL;
	long long w;
	size_t i, l;
	int rc;

	memset(S, 0, sizeof(*S));
	S->kind = SRC_DETECTION;
	snprintf(S->desc, sizeof(S->desc), "the ai.detection step's reply");
	if (dc == NULL)
		return 0;
	if ((rc = hq_jv_enum(dc, "ai.decision", "source", true, src_names,
	    &name, err)) != 0 ||
	    (rc = hq_jv_int(dc, "ai.decision", "window_ms", false, 50, 600000,
	    3000, &w, err)) != 0)
		goto out;
	S->kind = (enum ai_src)name_index(src_names, name);
	S->window_ms = w;
	switch (S->kind) {
	case SRC_DETECTION:
		break;
	case SRC_EVENTS:
		if ((rc = hq_evlist_read(cJSON_GetObjectItemCaseSensitive(
		    dut->alarm, "events"), "alarm.events", dut, true, &S->ev,
		    err)) != 0)
			goto out;
		x = cJSON_GetObjectItemCaseSensitive(dc, "events");
		if (x != NULL && (rc = hq_jv_strv(x, "ai.decision.events",
		    "kinds", false, 32, &S->kinds, &S->nkinds, err)) != 0)
			goto out;
		snprintf(S->desc, sizeof(S->desc), "events in the DUT's event "
		    "log (alarm.events)");
		for (i = 0; i < S->nkinds; i++) {
			l = strlen(S->desc);
			snprintf(S->desc + l, sizeof(S->desc) - l, "%s%s",
			    i == 0 ? " of kind " : " or ", S->kinds[i]);
		}
		break;
	case SRC_ALARM:
		x = cJSON_GetObjectItemCaseSensitive(dc, "alarm");
		S->ao = (struct hq_audio_opts)HQ_AUDIO_OPTS_INIT;
		/* an alarm pattern's pauses do not hide the next onset */
		S->ao.merge_gap_ms = 250;
		if ((rc = hq_jv_enum(x, "ai.decision.alarm", "evidence", false,
		    alarm_evidences, &ev, err)) != 0 ||
		    (rc = hq_jv_num(x, "ai.decision.alarm", "min_level_db",
		    false, 0, 200, 60, &S->ao.threshold_db, err)) != 0)
			goto out;
		S->use_light = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
		    dut->alarm, "light")) && (ev == NULL ||
		    strcmp(ev, "audio") != 0);
		S->use_audio = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
		    dut->alarm, "audio")) && (ev == NULL ||
		    strcmp(ev, "light") != 0);
		if (!S->use_light && !S->use_audio) {
			rc = hq_err_set(err, HQ_EINVAL, "ai.decision.alarm: "
			    "the DUT file declares no alarm %s evidence",
			    ev != NULL ? ev : "light or audio");
			goto out;
		}
		snprintf(S->desc, sizeof(S->desc), "alarm onsets (%s)",
		    S->use_light && S->use_audio ? "alarm.light, alarm.audio" :
		    S->use_light ? "alarm.light" : "alarm.audio");
		break;
	case SRC_MQTT:
		x = cJSON_GetObjectItemCaseSensitive(dc, "mqtt");
		sf = cJSON_GetObjectItemCaseSensitive(x, "surface");
		bk = cJSON_GetObjectItemCaseSensitive(x, "broker");
		S->match = cJSON_GetObjectItemCaseSensitive(x, "match");
		if ((rc = hq_jv_str(x, "ai.decision.mqtt", "topic", true, 256,
		    &S->topic, err)) != 0 ||
		    (rc = hq_jv_str(x, "ai.decision.mqtt", "time", false, 256,
		    &S->time, err)) != 0 ||
		    (rc = hq_jv_enum(x, "ai.decision.mqtt", "clock", false,
		    light_clocks, &clk, err)) != 0)
			goto out;
		S->clk = HQ_LIGHT_UNIX_MS;
		if (clk != NULL)
			(void)hq_light_clock_parse(clk, &S->clk);
		free(clk);
		clk = NULL;
		if ((rc = hq_jv_enum(x, "ai.decision.mqtt", "login", false,
		    mqtt_logins, &clk, err)) != 0)
			goto out;
		if (clk != NULL && strcmp(clk, "operator") == 0) {
			/* the lab's operator account (credentials.operator),
			 * borrowed from the DUT; never logged */
			S->user = dut->op_user;
			S->password = dut->op_password;
		}
		if (cJSON_IsString(sf)) {
			const struct hq_surface *su = hq_dut_surface(dut,
			    sf->valuestring);

			if (su == NULL) {
				rc = hq_err_set(err, HQ_EINVAL, "ai.decision."
				    "mqtt.surface: no such surface");
				goto out;
			}
			snprintf(S->host, sizeof(S->host), "%s", dut->address);
			S->port = su->port;
		} else if (cJSON_IsString(bk)) {
			const char *c = strrchr(bk->valuestring, ':');
			uint64_t port = 0;

			if (c == NULL || hq_parse_u64(c + 1, strlen(c + 1),
			    65535, &port) != 0 || port == 0) {
				rc = hq_err_set(err, HQ_EINVAL, "ai.decision."
				    "mqtt.broker: expected \"HOST:PORT\"");
				goto out;
			}
			snprintf(S->host, sizeof(S->host), "%.*s",
			    (int)(c - bk->valuestring), bk->valuestring);
			S->port = (unsigned)port;
		} else {
			rc = hq_err_set(err, HQ_EINVAL, "ai.decision.mqtt: a "
			    "surface or a broker is required");
			goto out;
		}
		snprintf(S->desc, sizeof(S->desc), "MQTT messages on %s "
		    "(broker %s:%u%s)", S->topic, S->host, S->port,
		    S->user != NULL ? ", as the operator" : "");
		break;
	}
 out:
	free(name);
	free(clk);
	free(ev);
	return rc;
}

static int	alarm_open(struct ai_run *, struct hq_err *);

/* Opens the source before the first trial: it must be readable then. */
static int
src_open(struct ai_run *R, struct hq_err *err)
{
	struct ai_source *S = &R->src;
	struct hq_evlist_entry *e = NULL;
	size_t n = 0;
	int rc = 0;

	switch (S->kind) {
	case SRC_DETECTION:
		return 0;
	case SRC_EVENTS:
		if ((e = calloc(AI_EVENTS_MAX, sizeof(*e))) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
		rc = hq_evlist_fetch(R->ctx->dut, &S->ev, dl_in(R, 10000),
		    R->tr, e, AI_EVENTS_MAX, &n, err);
		free(e);
		if (rc != 0)
			return err_wrap(err, rc, "ai.decision events: the event "
			    "log before the first trial");
		hq_step(R->res, "decision source: %s; the log read before the "
		    "first trial (%zu matching entries)", S->desc, n);
		break;
	case SRC_ALARM:
		return alarm_open(R, err);
	case SRC_MQTT:
		if ((rc = hq_mqtt_subscribe(S->host, S->port, S->user,
		    S->password, S->topic, dl_in(R, 10000), &S->sub, err)) != 0)
			return err_wrap(err, rc, "ai.decision mqtt: subscribing "
			    "to %s", S->topic);
		hq_step(R->res, "decision source: %s; subscription "
		    "acknowledged (SUBACK)", S->desc);
		break;
	}
	S->ready_ns = hq_mono_ns();
	return 0;
}

struct ai_decision {
	bool	detected;
	bool	fault;
	char	state[64];
	/* a source with a window (ai.decision other than detection) */
	bool	windowed;
	double	from_ms, to_ms, first_ms;
	size_t	inside, seen;
};

static void
src_stamp(struct ai_source *S, int64_t t)
{
	if (S->nst < AI_STAMPS_MAX)
		S->st[S->nst++] = t;
}

/* An MQTT message on the topic: JSON, matching, at its time. */
static void
src_on_msg(void *arg, const struct hq_mqtt_msg *m)
{
	struct ai_source *S = arg;
	cJSON *j;
	int64_t t = m->t_ns;

	S->seen++;
	if (m->len > HQ_STIM_OUTPUT_MAX || (j = cJSON_ParseWithLength(
	    (const char *)m->payload, m->len)) == NULL) {
		S->bad = true;
		return;
	}
	if (hq_evlist_match(j, S->match)) {
		if (S->time != NULL && !hq_evlist_to_mono(hq_json_pointer(j,
		    S->time), S->clk, &t))
			S->bad = true;
		else
			src_stamp(S, t);
	}
	cJSON_Delete(j);
}

static bool
kind_listed(const struct ai_source *S, const char *kind)
{
	size_t i;

	if (S->nkinds == 0)
		return true;
	for (i = 0; i < S->nkinds; i++)
		if (strcmp(S->kinds[i], kind) == 0)
			return true;
	return false;
}

static double
run_ms(const struct ai_run *R, int64_t t_ns)
{
	return (double)(t_ns - R->ctx->t0_ns) / 1e6;
}

/* ---- the alarm source: light (alarm.light) and sound (alarm.audio) ---- */

static int64_t
wav_time(const struct ai_source *S, int64_t sample)
{
	return S->wav_t0 + (int64_t)((__int128)sample * 1000000000LL /
	    S->rate);
}

static int64_t
wav_sample(const struct ai_source *S, int64_t t_ns)
{
	int64_t d = t_ns - S->wav_t0;

	return d < 0 ? 0 : (int64_t)((__int128)d * S->rate / 1000000000LL);
}

/* Samples over [a, b) of the recording, waiting up to 2 s after b for a
 * recorder writing in real time; *firstp: the first sample's index. */
static int
wav_get(struct ai_run *R, int64_t a, int64_t b, int16_t **xp, size_t *np,
    int64_t *firstp, struct hq_err *err)
{
	struct ai_source *S = &R->src;
	int64_t s0 = wav_sample(S, a), s1 = wav_sample(S, b);
	int16_t *x;
	int rc;

	*xp = NULL;
	*np = 0;
	if (s1 <= s0)
		return hq_err_set(err, HQ_EINTERNAL, "audio: empty window");
	if ((uint64_t)(s1 - s0) > HQ_AUDIO_SEGMENT_MAX)
		s0 = s1 - HQ_AUDIO_SEGMENT_MAX;
	if ((x = malloc((size_t)(s1 - s0) * sizeof(*x))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if ((rc = hq_wav_read(S->wav, (uint64_t)s0, (size_t)(s1 - s0), x,
	    hq_deadline_min(hq_deadline_in((b - hq_mono_ns()) / NS_PER_MS +
	    2000), R->ctx->deadline), np, err)) != 0) {
		free(x);
		return rc;
	}
	*xp = x;
	*firstp = s0;
	return 0;
}

/*
 * alarm.audio for the alarm source: a WAV being recorded (file:), put on
 * the run's clock by its ICMT t0 or alarm.audio.start_unix_ms, levels
 * calibrated by the tone alarm.stimulus asks for (the detector must hear
 * it: a control, as in netcut).
 */
static int
alarm_audio_open(struct ai_run *R, struct hq_err *err)
{
	const struct hq_dut *dut = R->ctx->dut;
	const cJSON *au = cJSON_GetObjectItemCaseSensitive(dut->alarm, "audio");
	const cJSON *cal = cJSON_GetObjectItemCaseSensitive(au, "calibration");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(dut->alarm,
	    "stimulus");
	struct ai_source *S = &R->src;
	struct hq_stim *stim = NULL;
	struct hq_stim_event ev;
	char *src = NULL, *kind = NULL, path[1000];
	double hz, db, ms, start_ms;
	int16_t *x = NULL;
	size_t n;
	int64_t first, a;
	int rc;

	if ((rc = hq_jv_str(au, "alarm.audio", "source", true, 900, &src,
	    err)) != 0 ||
	    (rc = hq_jv_num(cal, "alarm.audio.calibration", "tone_hz", true,
	    40, 20000, 1000, &hz, err)) != 0 ||
	    (rc = hq_jv_num(cal, "alarm.audio.calibration", "db", true, 0,
	    200, 94, &db, err)) != 0 ||
	    (rc = hq_jv_num(cal, "alarm.audio.calibration", "duration_ms",
	    false, 100, 60000, 1000, &ms, err)) != 0 ||
	    (rc = hq_jv_str(cal, "alarm.audio.calibration", "stimulus", false,
	    31, &kind, err)) != 0 ||
	    (rc = hq_jv_num(au, "alarm.audio", "start_unix_ms", false, 1e12,
	    1e13, 0, &start_ms, err)) != 0)
		goto out;
	if (strncmp(src, "file:", 5) != 0) {
		rc = hq_err_set(err, HQ_EINVAL, "ai.decision alarm: "
		    "alarm.audio.source: the alarm source reads a recording "
		    "(file:PATH), not %.40s", src);
		goto out;
	}
	if (!cJSON_IsObject(st)) {
		rc = hq_err_set(err, HQ_EINVAL, "ai.decision alarm: sound "
		    "evidence is calibrated by a tone that alarm.stimulus "
		    "asks for; the DUT file declares no alarm.stimulus");
		goto out;
	}
	hq_dut_path(dut, src + 5, path, sizeof(path));
	if ((rc = hq_wav_open(path, dl_in(R, 5000), &S->wav, err)) != 0) {
		rc = err_wrap(err, rc, "ai.decision alarm: the recording "
		    "%s cannot be read", path);
		goto out;
	}
	S->rate = hq_wav_rate(S->wav);
	if (!hq_wav_t0(S->wav, &S->wav_t0)) {
		if (!(start_ms > 0)) {
			rc = hq_err_set(err, HQ_EINVAL, "ai.decision alarm: "
			    "%s carries no t0_mono_ms and alarm.audio has no "
			    "start_unix_ms: its samples cannot be put on the "
			    "run's clock", path);
			goto out;
		}
		S->wav_t0 = (int64_t)(start_ms * 1e6) -
		    hq_light_real_minus_mono();
	}
	/* the control: the calibration tone, heard where it was asked */
	memset(&ev, 0, sizeof(ev));
	a = hq_mono_ns();
	if ((rc = hq_stim_new(st, dut, &stim, err)) != 0 ||
	    (rc = hq_stim_present(stim, kind != NULL ? kind : "calibrate",
	    dl_in(R, 30000), R->tr, &ev, err)) != 0)
		goto out;
	if ((rc = hq_sleep_ms((int64_t)ms + 500)) != 0 ||
	    (rc = wav_get(R, a - 200 * NS_PER_MS, hq_mono_ns(), &x, &n,
	    &first, err)) != 0)
		goto out;
	if ((rc = hq_audio_calibrate(x, n, S->rate, hz, db, ms * 0.5, 20,
	    &S->cal, err)) != 0) {
		rc = err_wrap(err, rc, "control failed: the detector did not "
		    "hear the calibration tone in %s", path);
		goto out;
	}
	hq_step(R->res, "alarm sound: %s, %u Hz, sample 0 at %.1f ms of the "
	    "run; calibration tone heard: %.0f Hz = %.1f dB, %.1f dB above "
	    "the rest, at %.1f ms", path, S->rate, run_ms(R, S->wav_t0),
	    S->cal.tone_hz, S->cal.db, S->cal.snr_db, run_ms(R,
	    wav_time(S, first + S->cal.start)));
	S->audio_from = wav_time(S, first + (int64_t)n);
 out:
	free(x);
	free(src);
	free(kind);
	hq_stim_free(stim);
	return rc;
}

/*
 * Waits until the alarm is quiet (the light not lit, no sound over the
 * last 300 ms) so that the next trial's window opens on silence: an
 * alarm still going from the previous trial would otherwise hide or fake
 * the next onset.  Bounded by max_ms: an alarm that never ends is an
 * error.
 */
static int
alarm_quiet(struct ai_run *R, int64_t max_ms, struct hq_err *err)
{
	struct ai_source *S = &R->src;
	struct hq_audio_sound snd[8];
	const struct hq_light_sample *ls;
	int64_t end = hq_mono_ns() + max_ms * NS_PER_MS, now, first;
	int16_t *x = NULL;
	size_t n, ne;
	bool lit, loud;
	int rc;

	for (;;) {
		now = hq_mono_ns();
		lit = loud = false;
		if (S->use_light) {
			if ((rc = hq_light_poll(S->light, err)) != 0)
				return rc;
			ls = hq_light_samples(S->light, &n);
			lit = n > 0 && ls[n - 1].level >= S->light_thr;
		}
		if (S->use_audio && now - 300 * NS_PER_MS > S->wav_t0) {
			if ((rc = wav_get(R, now - 300 * NS_PER_MS, now, &x, &n,
			    &first, err)) != 0)
				return err_wrap(err, rc, "ai.decision alarm: "
				    "the recording");
			rc = hq_audio_detect(x, n, S->rate, &S->ao, &S->cal,
			    snd, 8, &ne, err);
			free(x);
			if (rc != 0)
				return rc;
			loud = ne > 0;
		}
		if (!lit && !loud)
			return 0;
		if (now >= end)
			return hq_err_set(err, HQ_EPROTO, "ai.decision alarm: "
			    "the alarm (%s) did not end within %lld ms of the "
			    "trial's window", lit ? "light" : "sound",
			    (long long)max_ms);
		if ((rc = hq_sleep_ms(100)) != 0)
			return rc;
	}
}

static int
alarm_open(struct ai_run *R, struct hq_err *err)
{
	struct ai_source *S = &R->src;
	enum hq_light_clock clk;
	enum hq_light_format fmt;
	char spec[1024];
	size_t n;
	int rc;

	S->ready_ns = INT64_MIN;
	if (S->use_light) {
		if ((rc = src_light_read(R, spec, sizeof(spec), &clk, &fmt,
		    err)) != 0 ||
		    (rc = hq_light_open(spec, clk, dl_in(R, 5000), &S->light,
		    err)) != 0)
			return rc;
		hq_light_set_format(S->light, fmt);
		if ((rc = hq_light_poll(S->light, err)) != 0)
			return rc;
		n = strlen(S->desc);
		snprintf(S->desc + n, sizeof(S->desc) - n, "; light from %s",
		    spec);
		S->bad_lines = hq_light_bad_lines(S->light);
		hq_step(R->res, "alarm light: %s (%s)", spec,
		    hq_light_readable(S->light) ? "readable" : "not there "
		    "yet");
		/* readable since the sensor's file is there */
		S->light_from = hq_light_readable(S->light) ? hq_mono_ns() :
		    INT64_MAX;
	}
	if (S->use_audio) {
		if ((rc = alarm_audio_open(R, err)) != 0)
			return rc;
		n = strlen(S->desc);
		snprintf(S->desc + n, sizeof(S->desc) - n, "; sound at or "
		    "above %.0f dB", S->ao.threshold_db);
	}
	hq_step(R->res, "decision source: %s", S->desc);
	return alarm_quiet(R, 10000, err);
}

/*
 * The alarm evidence of window w: light episodes and sound onsets as
 * stamps; w's readable span is what every used instrument covered.
 */
static int
alarm_collect(struct ai_run *R, struct ai_window *w, struct hq_err *err)
{
	struct ai_source *S = &R->src;
	struct hq_light_episode ep[HQ_LIGHT_EPISODES_MAX];
	struct hq_audio_sound snd[HQ_AUDIO_SOUNDS_MAX];
	const struct hq_light_sample *ls;
	int64_t now, first, lead = 300 * NS_PER_MS, from = INT64_MIN;
	int64_t to = INT64_MAX;
	int16_t *x = NULL;
	size_t i, n, ne;
	int rc;

	for (;;) {
		now = hq_mono_ns();
		if (S->use_light) {
			if ((rc = hq_light_poll(S->light, err)) != 0)
				return rc;
			if (!hq_light_readable(S->light))
				S->light_from = INT64_MAX;
			else if (S->light_from == INT64_MAX)
				S->light_from = now;
		}
		if (now >= w->to_ns)
			break;
		if ((rc = hq_sleep_ms(20)) != 0)
			return rc;
	}
	if (S->use_light) {
		from = S->light_from;
		to = S->light_from != INT64_MAX ? now : 0;
		if (hq_light_bad_lines(S->light) > S->bad_lines)
			return hq_err_set(err, HQ_EPROTO, "ai.decision alarm: "
			    "%zu line(s) of the light sensor could not be "
			    "parsed", hq_light_bad_lines(S->light) -
			    S->bad_lines);
		ls = hq_light_samples(S->light, &n);
		hq_light_analyse(ls, n, w->from_ns, w->to_ns, S->light_thr,
		    500 * NS_PER_MS, ep, HQ_LIGHT_EPISODES_MAX, &ne);
		S->seen += ne;
		for (i = 0; i < ne; i++) {
			if (ep[i].open_start)
				return hq_err_set(err, HQ_EPROTO, "ai.decision "
				    "alarm: the light was already lit when the "
				    "trial's window opened at %.0f ms (an "
				    "earlier alarm still on: a longer "
				    "window_ms, or the device's alarm is "
				    "stuck)", run_ms(R, w->from_ns));
			src_stamp(S, ep[i].onset_ns);
		}
	}
	if (S->use_audio) {
		if ((rc = wav_get(R, w->from_ns - lead, w->to_ns, &x, &n,
		    &first, err)) != 0)
			return err_wrap(err, rc, "ai.decision alarm: the "
			    "recording does not cover the trial's window "
			    "%.0f-%.0f ms", run_ms(R, w->from_ns),
			    run_ms(R, w->to_ns));
		rc = hq_audio_detect(x, n, S->rate, &S->ao, &S->cal, snd,
		    HQ_AUDIO_SOUNDS_MAX, &ne, err);
		free(x);
		if (rc != 0)
			return rc;
		S->seen += ne;
		for (i = 0; i < ne; i++) {
			if (snd[i].open_start)
				return hq_err_set(err, HQ_EPROTO, "ai.decision "
				    "alarm: a sound was already on %.0f ms "
				    "before the trial's window (an earlier "
				    "alarm still sounding)", (double)lead / 1e6);
			src_stamp(S, wav_time(S, first + snd[i].onset));
		}
		/* the recording covers [its sample 0, its last sample read] */
		if (S->wav_t0 > from)
			from = S->wav_t0;
		if (wav_time(S, first + (int64_t)n) < to)
			to = wav_time(S, first + (int64_t)n);
	}
	w->readable_from = from;
	w->readable_to = to == INT64_MAX ? 0 : to;
	/* the next trial starts on a quiet alarm */
	return alarm_quiet(R, S->window_ms + 10000, err);
}

/*
 * Before a stimulus: what the topic carried since the last window is read
 * and set aside, so that a late message stamped on arrival cannot fall
 * into the next trial's window.
 */
static int
src_drain(struct ai_run *R, struct hq_err *err)
{
	struct ai_source *S = &R->src;
	int rc;

	if ((rc = hq_mqtt_collect(S->sub, hq_deadline_in(0), AI_PING_MS,
	    NULL, NULL, err)) != 0)
		return err_wrap(err, rc, "ai.decision mqtt: the subscription "
		    "did not hold between trials");
	return 0;
}

/*
 * The decision of the trial whose stimulus was at stim_ns, from the
 * source's evidence in [stim_ns, stim_ns + window_ms).  A source that was
 * not readable over the window is an error, never "all clear".
 */
static int
src_decide(struct ai_run *R, int64_t stim_ns, struct ai_decision *d,
    struct hq_err *err)
{
	struct ai_source *S = &R->src;
	struct ai_window w;
	struct hq_evlist_entry *e = NULL;
	enum ai_outcome o;
	int64_t first = 0, now;
	size_t i, n = 0;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	memset(&w, 0, sizeof(w));
	w.from_ns = stim_ns;
	w.to_ns = stim_ns + S->window_ms * NS_PER_MS;
	w.readable_from = S->ready_ns;
	S->nst = 0;
	S->seen = 0;
	S->bad = false;
	switch (S->kind) {
	case SRC_DETECTION:
		return hq_err_set(err, HQ_EINTERNAL, "no window for "
		    "ai.detection");
	case SRC_EVENTS:
		/* the log is read once the window has closed */
		if ((now = hq_mono_ns()) < w.to_ns &&
		    (rc = hq_sleep_ms((w.to_ns - now) / NS_PER_MS + 1)) != 0)
			return rc;
		if ((e = calloc(AI_EVENTS_MAX, sizeof(*e))) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
		if ((rc = hq_evlist_fetch(R->ctx->dut, &S->ev, dl_in(R,
		    10000), R->tr, e, AI_EVENTS_MAX, &n, err)) != 0) {
			free(e);
			return err_wrap(err, rc, "ai.decision events: "
			    "the event log could not be read after the "
			    "trial's window");
		}
		w.readable_to = hq_mono_ns();
		if (n == AI_EVENTS_MAX) {
			/* entries past the cap are not seen: the trial's
			 * event could be among them */
			free(e);
			return hq_err_set(err, HQ_EPROTO, "ai.decision events: "
			    "the event log holds %d or more matching entries; "
			    "the trial's window cannot be read in full",
			    AI_EVENTS_MAX);
		}
		S->seen = n;
		for (i = 0; i < n; i++)
			if (kind_listed(S, e[i].kind))
				src_stamp(S, e[i].t_ns);
		free(e);
		break;
	case SRC_ALARM:
		if ((rc = alarm_collect(R, &w, err)) != 0)
			return rc;
		break;
	case SRC_MQTT:
		rc = hq_mqtt_collect(S->sub, (struct hq_deadline){ w.to_ns },
		    AI_PING_MS, src_on_msg, S, err);
		if (rc != 0)
			return err_wrap(err, rc, "ai.decision mqtt: the "
			    "subscription did not hold over the trial's "
			    "window");
		w.readable_to = hq_mono_ns();
		if (S->bad)
			return hq_err_set(err, HQ_EPROTO, "ai.decision mqtt: "
			    "a message on %s is not JSON or lacks its time "
			    "(%s)", S->topic, S->time != NULL ? S->time :
			    "arrival");
		break;
	}
	o = ai_decide(&w, S->st, S->nst, &first, &d->inside);
	if (o == AI_UNREAD)
		return hq_err_set(err, HQ_EPROTO, "ai.decision %s: the source "
		    "was not readable over the window %.0f-%.0f ms; no "
		    "decision", src_names[S->kind], run_ms(R, w.from_ns),
		    run_ms(R, w.to_ns));
	d->detected = o == AI_DETECTED;
	d->windowed = true;
	d->from_ms = run_ms(R, w.from_ns);
	d->to_ms = run_ms(R, w.to_ns);
	d->first_ms = d->detected ? run_ms(R, first) : -1;
	d->seen = S->seen;
	snprintf(d->state, sizeof(d->state), "%s", ai_outcome_name(o));
	return 0;
}

/* Reads the device's decision (ai.detection); a reply we cannot read is
 * an error, never a decision. */
static int
read_decision(struct ai_run *R, struct ai_decision *d, struct hq_err *err)
{
	const cJSON *step = cJSON_GetObjectItemCaseSensitive(R->ai,
	    "detection"), *det, *flt, *st;
	char *body = NULL;
	size_t len = 0;
	long status = 0;
	cJSON *j = NULL;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!cJSON_IsObject(step))
		return hq_err_set(err, HQ_EINVAL, "ai.detection: a step is "
		    "required");
	if ((rc = hq_alarm_http_step(R->ctx->dut, step, dl_in(R, 10000),
	    R->tr, &body, &len, &status, err)) != 0)
		goto out;
	if (status < 200 || status > 299) {
		rc = hq_err_set(err, HQ_EPROTO, "ai.detection: HTTP %ld",
		    status);
		goto out;
	}
	if ((j = cJSON_ParseWithLength(body, len)) == NULL ||
	    !cJSON_IsBool(det = cJSON_GetObjectItemCaseSensitive(j,
	    "detected"))) {
		rc = hq_err_set(err, HQ_EPROTO, "ai.detection: no boolean "
		    "\"detected\" in the reply");
		goto out;
	}
	d->detected = cJSON_IsTrue(det);
	flt = cJSON_GetObjectItemCaseSensitive(j, "fault");
	d->fault = cJSON_IsTrue(flt);
	st = cJSON_GetObjectItemCaseSensitive(j, "state");
	if (cJSON_IsString(st))
		snprintf(d->state, sizeof(d->state), "%s", st->valuestring);
 out:
	cJSON_Delete(j);
	free(body);
	return rc;
}

static void
log_trial(struct ai_run *R, const char *cond, const char *label,
    const char *name, double t_ms, const struct ai_decision *d)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return;
	cJSON_AddStringToObject(o, "condition", cond);
	cJSON_AddStringToObject(o, "set", label);
	cJSON_AddStringToObject(o, "trial", name);
	cJSON_AddNumberToObject(o, "t_ms", t_ms);
	cJSON_AddBoolToObject(o, "detected", d->detected);
	cJSON_AddBoolToObject(o, "fault", d->fault);
	cJSON_AddStringToObject(o, "state", d->state);
	cJSON_AddStringToObject(o, "source", src_names[R->src.kind]);
	if (d->windowed) {
		cJSON_AddNumberToObject(o, "window_from_ms", d->from_ms);
		cJSON_AddNumberToObject(o, "window_to_ms", d->to_ms);
		if (d->detected)
			cJSON_AddNumberToObject(o, "evidence_ms", d->first_ms);
		cJSON_AddNumberToObject(o, "evidence_in_window",
		    (double)d->inside);
		cJSON_AddNumberToObject(o, "items_read", (double)d->seen);
	}
	cJSON_AddItemToArray(R->trials, o);
	/* what the device reported, when it was read */
	if (d->fault || d->detected)
		tl_add(R->alarms, d->windowed ? d->first_ms :
		    (double)(hq_mono_ns() - R->ctx->t0_ns) / 1e6,
		    d->fault ? "fault" : "detection");
}

/*
 * Writes the degraded frames of trial t under the evidence path rel
 * (kind, severity, seed, frame index) and returns the directory or file
 * to show in *showp (caller frees).  Each frame's hash joins *hp.
 */
static int
degrade_trial(struct ai_run *R, const struct ai_trial *t, size_t ti,
    enum hq_degrade_kind kind, int sev, const char *rel, char **showp,
    char **hp, size_t *hlp, struct hq_err *err)
{
	char abs[4096], frel[512], hex[65], *line;
	struct hq_img img;
	size_t k;
	int rc = 0;

	*showp = NULL;
	for (k = 0; k < t->nframes; k++) {
		/* a single-frame trial keeps its file name */
		if (t->nframes > 1)
			snprintf(frel, sizeof(frel), "%s/%s/%03zu.png", rel,
			    t->name, k);
		else
			snprintf(frel, sizeof(frel), "%s/%s", rel, t->name);
		if ((rc = hq_img_read_png(t->frames[k], &img, err)) != 0)
			return rc;
		/* index: the trial and frame, so each frame has its own
		 * draws and a rerun with the seed repeats them */
		rc = hq_degrade_apply(&img, kind, sev, (uint64_t)R->p.seed,
		    (uint64_t)ti * AI_FRAMES_MAX + k, R->p.box.w > 0 ?
		    &R->p.box : NULL, err);
		if (rc == 0)
			rc = hq_evidence_register(R->ctx->ev, frel, "frame",
			    abs, sizeof(abs), err);
		if (rc == 0)
			rc = hq_img_write_png(abs, &img, err);
		hq_img_clear(&img);
		if (rc == 0)
			rc = hq_sha256_file(abs, hex, NULL, err);
		if (rc != 0)
			return rc;
		if (asprintf(&line, "%s %s\n", frel + strlen(rel) + 1,
		    hex) < 0 || (*hp = realloc(*hp, *hlp + strlen(line) +
		    1)) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
		memcpy(*hp + *hlp, line, strlen(line) + 1);
		*hlp += strlen(line);
		free(line);
		if (k == 0) {
			if (t->nframes > 1)
				*strrchr(abs, '/') = '\0';
			if ((*showp = strdup(abs)) == NULL)
				return hq_err_set(err, HQ_ENOMEM, "nomem");
		}
	}
	return 0;
}

struct ai_count {
	unsigned long	k, n;
};

static cJSON *
rate_json(struct ai_count c)
{
	cJSON *o = cJSON_CreateObject();
	double lo, hi;

	if (o == NULL)
		return NULL;
	hq_stats_wilson(c.k, c.n, HQ_STATS_Z95, &lo, &hi);
	cJSON_AddNumberToObject(o, "k", (double)c.k);
	cJSON_AddNumberToObject(o, "n", (double)c.n);
	cJSON_AddNumberToObject(o, "rate", c.n > 0 ? (double)c.k / c.n : 0);
	cJSON_AddNumberToObject(o, "lo", lo);
	cJSON_AddNumberToObject(o, "hi", hi);
	return o;
}

/* Runs one condition over both sets; counts into det and fa. */
static int
run_condition(struct ai_run *R, struct ai_set *sets, int kind, int sev,
    struct ai_count *det, struct ai_count *fa, cJSON *cond_ev,
    struct hq_err *err)
{
	char cond[48], rel[256], *show = NULL, *h = NULL, hex[65];
	struct ai_decision d;
	size_t si, ti, hl = 0;
	double t_ms;
	int rc = 0;
	cJSON *o;

	if (sev == 0)
		snprintf(cond, sizeof(cond), "clean");
	else
		snprintf(cond, sizeof(cond), "%s-%d", hq_degrade_name(kind),
		    sev);
	memset(det, 0, sizeof(*det));
	memset(fa, 0, sizeof(*fa));
	for (si = 0; si < 2 && rc == 0; si++) {
		struct ai_set *s = &sets[si];

		snprintf(rel, sizeof(rel), "%s/%s/%s", R->base, cond,
		    s->label);
		for (ti = 0; ti < s->ntrials && rc == 0; ti++) {
			const struct ai_trial *t = &s->trials[ti];

			if (sev > 0)
				rc = degrade_trial(R, t, ti, kind, sev, rel,
				    &show, &h, &hl, err);
			if (rc == 0 && R->src.kind == SRC_MQTT)
				rc = src_drain(R, err);
			if (rc == 0)
				rc = present(R, si == 0 ? "positive" :
				    "negative", sev > 0 ? show : t->path,
				    t->path, &t_ms, err);
			free(show);
			show = NULL;
			if (rc == 0 && R->src.kind != SRC_DETECTION)
				rc = src_decide(R, R->stim_ns, &d, err);
			else {
				if (rc == 0 && R->p.settle_ms > 0)
					hq_sleep_ms(R->p.settle_ms);
				if (rc == 0)
					rc = read_decision(R, &d, err);
			}
			if (rc != 0)
				break;
			log_trial(R, cond, s->label, t->name, t_ms, &d);
			if (si == 0) {
				det->n++;
				det->k += d.detected && !d.fault;
			} else {
				fa->n++;
				fa->k += d.detected;
			}
		}
	}
	if (rc == 0 && (o = cJSON_CreateObject()) != NULL) {
		struct hq_degrade_params dp;

		cJSON_AddStringToObject(o, "condition", cond);
		cJSON_AddStringToObject(o, "corruption", sev == 0 ? "none" :
		    hq_degrade_name(kind));
		cJSON_AddNumberToObject(o, "severity", sev);
		if (sev > 0) {
			hq_degrade_params(kind, sev, &dp);
			cJSON_AddNumberToObject(o, "seed", (double)R->p.seed);
			if (dp.k > 0)
				cJSON_AddNumberToObject(o, "exposure", dp.k);
			if (dp.sigma > 0)
				cJSON_AddNumberToObject(o, "sigma", dp.sigma);
			if (dp.frac > 0)
				cJSON_AddNumberToObject(o, "fraction",
				    dp.frac);
			if (dp.radius > 0)
				cJSON_AddNumberToObject(o, "radius",
				    dp.radius);
			if (dp.c > 0)
				cJSON_AddNumberToObject(o, "contrast", dp.c);
			if (dp.quality > 0)
				cJSON_AddNumberToObject(o, "quality",
				    dp.quality);
			hq_sha256_hex(h != NULL ? h : "", hl, hex);
			cJSON_AddStringToObject(o, "frames_sha256", hex);
			snprintf(rel, sizeof(rel), "%s/%s", R->base, cond);
			cJSON_AddStringToObject(o, "frames", rel);
			snprintf(rel, sizeof(rel), "%s/%s/frames.sha256",
			    R->base, cond);
			if (h != NULL)
				hq_evidence_write(R->ctx->ev, rel, "hashes",
				    h, hl, NULL);
		}
		cJSON_AddItemToArray(cond_ev, o);
	}
	hq_step(R->res, "%s: detected %lu of %lu positives, alarmed on %lu "
	    "of %lu negatives", cond, det->k, det->n, fa->k, fa->n);
	free(h);
	return rc;
}

/*
 * Judges one rate on its Wilson 95 % interval and appends to the
 * rationale.  The decision is hq_measure's on the interval's bounds: the
 * bound on the limit's side must conform (it clears); else the far bound
 * failing means the whole interval misses; else it straddles.
 */
static enum hq_rate_decision
judge(struct ai_run *R, const char *cond, const char *what,
    struct ai_count c, const char *op, double limit, char *why,
    size_t whysz, unsigned long *needp)
{
	enum hq_rate_decision dec, stat = HQ_RATE_STRADDLES;
	bool at_least = op[0] == '>';
	double lo, hi;
	char name[128];
	size_t l = strlen(why);

	hq_stats_wilson(c.k, c.n, HQ_STATS_Z95, &lo, &hi);
	snprintf(name, sizeof(name), "%s %s rate", cond, what);
	hq_measure(R->res, name, c.n > 0 ? (double)c.k / c.n : 0, "ratio",
	    NULL, 0, 0);
	snprintf(name, sizeof(name), "%s %s rate, Wilson 95%% %s bound", cond,
	    what, at_least ? "lower" : "upper");
	if (hq_measure(R->res, name, at_least ? lo : hi, "ratio", op, limit,
	    0) == HQ_CONF_YES)
		dec = HQ_RATE_CLEARS;
	else {
		snprintf(name, sizeof(name), "%s %s rate, Wilson 95%% %s "
		    "bound", cond, what, at_least ? "upper" : "lower");
		dec = hq_measure(R->res, name, at_least ? hi : lo, "ratio", op,
		    limit, 0) == HQ_CONF_NO ? HQ_RATE_MISSES :
		    HQ_RATE_STRADDLES;
	}
	/* the trials that would decide, at the observed rate */
	hq_stats_rate_decide(c.k, c.n, op, limit, &stat, needp);
	if (stat != dec)
		*needp = 0;
	snprintf(why + l, whysz - l, "%s%s %s %lu/%lu = %.2f, 95%% "
	    "[%.2f, %.2f] %s %.2f", l > 0 ? "; " : "", cond, what, c.k, c.n,
	    c.n > 0 ? (double)c.k / c.n : 0, lo, hi, op, limit);
	if (dec == HQ_RATE_MISSES)
		hq_finding(R->res, "%s: %s rate %lu/%lu, 95%% interval [%.2f, "
		    "%.2f] entirely %s %.2f", cond, what, c.k, c.n, lo, hi,
		    op[0] == '>' ? "below" : "above", limit);
	else if (dec == HQ_RATE_STRADDLES) {
		if (*needp > 0)
			hq_finding(R->res, "%s: %s rate %lu/%lu, 95%% interval "
			    "[%.2f, %.2f] contains the limit %.2f: %lu "
			    "trials at the same rate would decide", cond,
			    what, c.k, c.n, lo, hi, limit, *needp);
		else
			hq_finding(R->res, "%s: %s rate %lu/%lu, 95%% interval "
			    "[%.2f, %.2f] contains the limit %.2f and the "
			    "rate sits on it: no number of trials decides",
			    cond, what, c.k, c.n, lo, hi, limit);
	}
	return dec;
}

static int
run_recognition(struct ai_run *R, struct hq_err *err)
{
	struct ai_set sets[2];
	cJSON *scenes = cJSON_CreateObject(), *curve = cJSON_CreateObject();
	cJSON *series = cJSON_CreateArray(), *conds = cJSON_CreateArray();
	cJSON *clean = NULL;
	char why[2048] = "";
	unsigned long need, need_max = 0;
	int rc, kind, sev, misses = 0, straddles = 0, judged = 0;

	memset(sets, 0, sizeof(sets));
	if (scenes == NULL || curve == NULL || series == NULL ||
	    conds == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if ((rc = set_load(R, "positives", &sets[0], scenes, err)) != 0 ||
	    (rc = set_load(R, "negatives", &sets[1], scenes, err)) != 0)
		goto out;
	hq_step(R->res, "scene sets: %zu positive trials (sha256 %.16s...), "
	    "%zu negative (sha256 %.16s...)", sets[0].ntrials,
	    sets[0].sha256, sets[1].ntrials, sets[1].sha256);
	if ((rc = src_read(R, err)) != 0 || (rc = src_open(R, err)) != 0)
		goto out;
	{
		cJSON *ds = cJSON_CreateObject();

		if (ds != NULL) {
			cJSON_AddStringToObject(ds, "source",
			    src_names[R->src.kind]);
			cJSON_AddStringToObject(ds, "what", R->src.desc);
			if (R->src.kind != SRC_DETECTION)
				cJSON_AddNumberToObject(ds, "window_ms",
				    (double)R->src.window_ms);
			hq_detail(R->res, "decision_source", ds);
		}
	}
	cJSON_AddNumberToObject(curve, "detection_min", R->p.det_min);
	cJSON_AddNumberToObject(curve, "false_alarm_max", R->p.fa_max);
	cJSON_AddNumberToObject(curve, "judged_max_severity",
	    (double)R->p.judged_max);
	cJSON_AddNumberToObject(curve, "seed", (double)R->p.seed);
	for (kind = -1; kind < HQ_DG_COUNT; kind++) {
		cJSON *one = NULL, *pts = NULL;

		if (kind >= 0 && !R->p.use[kind])
			continue;
		if (kind >= 0) {
			one = cJSON_CreateObject();
			pts = cJSON_CreateArray();
			if (one == NULL || pts == NULL) {
				cJSON_Delete(one);
				cJSON_Delete(pts);
				rc = hq_err_set(err, HQ_ENOMEM, "no memory");
				goto out;
			}
			cJSON_AddStringToObject(one, "corruption",
			    hq_degrade_name(kind));
			cJSON_AddItemToObject(one, "points", pts);
			cJSON_AddItemToArray(series, one);
		}
		for (sev = kind < 0 ? 0 : 1; sev <= (kind < 0 ? 0 :
		    HQ_DEGRADE_SEV_MAX); sev++) {
			struct ai_count det, fa;
			cJSON *pt;
			char cond[48];

			if (kind < 0 && !R->p.sev[0])
				break;
			if (kind >= 0 && !R->p.sev[sev])
				continue;
			if ((rc = run_condition(R, sets, kind, sev, &det, &fa,
			    conds, err)) != 0)
				goto out;
			if ((pt = cJSON_CreateObject()) == NULL) {
				rc = hq_err_set(err, HQ_ENOMEM, "no memory");
				goto out;
			}
			cJSON_AddNumberToObject(pt, "severity", sev);
			cJSON_AddItemToObject(pt, "detection", rate_json(det));
			cJSON_AddItemToObject(pt, "false_alarm", rate_json(fa));
			if (kind < 0)
				clean = pt;
			else {
				/* every series starts from the clean point */
				if (clean != NULL && cJSON_GetArraySize(pts) ==
				    0)
					cJSON_AddItemToArray(pts,
					    cJSON_Duplicate(clean, 1));
				cJSON_AddItemToArray(pts, pt);
			}
			if (sev > R->p.judged_max)
				continue;
			judged++;
			snprintf(cond, sizeof(cond), "%s", sev == 0 ? "clean" :
			    hq_degrade_name(kind));
			if (sev > 0)
				snprintf(cond + strlen(cond), sizeof(cond) -
				    strlen(cond), " %d", sev);
			need = 0;
			switch (judge(R, cond, "detection", det, ">=",
			    R->p.det_min, why, sizeof(why), &need)) {
			case HQ_RATE_MISSES: misses++; break;
			case HQ_RATE_STRADDLES: straddles++;
				need_max = need > need_max ? need : need_max;
				break;
			default: break;
			}
			need = 0;
			switch (judge(R, cond, "false-alarm", fa, "<=",
			    R->p.fa_max, why, sizeof(why), &need)) {
			case HQ_RATE_MISSES: misses++; break;
			case HQ_RATE_STRADDLES: straddles++;
				need_max = need > need_max ? need : need_max;
				break;
			default: break;
			}
		}
	}
	cJSON_AddItemToObject(curve, "series", series);
	series = NULL;
	if (clean != NULL) {
		cJSON_AddItemToObject(curve, "clean", clean);
		clean = NULL;
	}
	hq_detail(R->res, "scenes", scenes);
	scenes = NULL;
	hq_detail(R->res, "conditions", conds);
	conds = NULL;
	hq_detail(R->res, "degradation_curve", curve);
	curve = NULL;
	if (judged == 0)
		hq_verdict(R->res, HQ_INCONCLUSIVE, "no condition judged: "
		    "severities hold none up to judged_max_severity %lld",
		    R->p.judged_max);
	else if (misses > 0)
		hq_verdict(R->res, HQ_FAIL, "%d rate(s) surely miss their "
		    "limit: %s (decisions from %s)", misses, why,
		    R->src.desc);
	else if (straddles > 0)
		hq_verdict(R->res, HQ_INCONCLUSIVE, "%d rate(s) undecided at "
		    "these trial counts%s%lu trials per set would decide at "
		    "the observed rates: %s (decisions from %s)", straddles,
		    need_max > 0 ? "; " : "", need_max, why, R->src.desc);
	else
		hq_verdict(R->res, HQ_PASS, "every judged rate clears its "
		    "limit with 95%% confidence: %s (decisions from %s)", why,
		    R->src.desc);
 out:
	if (clean != NULL)
		cJSON_Delete(clean);
	cJSON_Delete(scenes);
	cJSON_Delete(curve);
	cJSON_Delete(series);
	cJSON_Delete(conds);
	set_clear(&sets[0]);
	set_clear(&sets[1]);
	return rc;
}

/* ---- fail-safe ---- */

/* A reference frame: the first positive frame, or 640x480 mid grey. */
static int
ref_frame(struct ai_run *R, struct hq_img *img, char **pathp,
    struct hq_err *err)
{
	struct ai_set s;
	cJSON *dummy = cJSON_CreateObject();
	long long keep = R->p.max_trials;
	int rc;

	*pathp = NULL;
	R->p.max_trials = 1;
	rc = set_load(R, "positives", &s, dummy, err);
	R->p.max_trials = keep;
	cJSON_Delete(dummy);
	if (rc == 0) {
		rc = hq_img_read_png(s.trials[0].frames[0], img, err);
		if (rc == 0 && (*pathp = strdup(s.trials[0].frames[0])) ==
		    NULL)
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	set_clear(&s);
	return rc;
}

static int
write_input(struct ai_run *R, int which, const struct hq_img *ref,
    const char *refpath, const char *rel, struct hq_err *err)
{
	char frel[512], abs[4096];
	struct hq_img img;
	uint64_t rng;
	long long f;
	size_t i, n;
	int rc = 0;

	if (which == 3) {	/* removed: an empty sequence (no file) */
		snprintf(abs, sizeof(abs), "%s/%s", R->ctx->rundir, rel);
		return hq_mkdirs(abs, 0755, err);
	}
	for (f = 0; f < R->p.nframes && rc == 0; f++) {
		snprintf(frel, sizeof(frel), "%s/%03lld.png", rel, f);
		if (which == 4) {	/* malformed: half a PNG, then junk */
			char *buf = NULL;
			size_t len = 0;

			if ((rc = hq_file_slurp(refpath, HQ_IMG_FILE_MAX,
			    &buf, &len, err)) != 0)
				return rc;
			rng = hq_degrade_rng_seed((uint64_t)R->p.seed,
			    (uint64_t)f);
			for (i = len / 2; i < len; i++)
				buf[i] = (char)hq_degrade_rng_next(&rng);
			rc = hq_evidence_write(R->ctx->ev, frel, "frame", buf,
			    len, err);
			free(buf);
			continue;
		}
		if ((rc = hq_img_alloc(&img, ref->w, ref->h, ref->ch,
		    err)) != 0)
			return rc;
		n = (size_t)img.w * img.h * img.ch;
		if (which == 1)		/* frozen: the same frame */
			memcpy(img.px, ref->px, n);
		else if (which == 2) {	/* noise: uniform, seeded */
			rng = hq_degrade_rng_seed((uint64_t)R->p.seed,
			    (uint64_t)f);
			for (i = 0; i < n; i++)
				img.px[i] = (uint8_t)hq_degrade_rng_next(&rng);
		}			/* black: zeros */
		if ((rc = hq_evidence_register(R->ctx->ev, frel, "frame",
		    abs, sizeof(abs), err)) == 0)
			rc = hq_img_write_png(abs, &img, err);
		hq_img_clear(&img);
	}
	return rc;
}

static int
run_failsafe(struct ai_run *R, struct hq_err *err)
{
	const cJSON *safe = cJSON_GetObjectItemCaseSensitive(R->ai,
	    "safe_state");
	struct hq_img ref;
	char *refpath = NULL, rel[256], abs[4096], why[1024] = "";
	int rc, which, failed = 0, passed = 0;
	cJSON *res = cJSON_CreateArray();

	memset(&ref, 0, sizeof(ref));
	if (res == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if ((rc = ref_frame(R, &ref, &refpath, err)) != 0)
		goto out;
	for (which = 0; which < 5; which++) {
		struct ai_decision d;
		double t_ms = 0, now_ms;
		bool safe_seen = false;
		cJSON *o;
		size_t l;

		if (!R->p.input[which])
			continue;
		snprintf(rel, sizeof(rel), "%s/failsafe-%s", R->base,
		    fs_inputs[which]);
		if ((rc = write_input(R, which, &ref, refpath, rel,
		    err)) != 0)
			goto out;
		snprintf(abs, sizeof(abs), "%s/%s", R->ctx->rundir, rel);
		snprintf(rel, sizeof(rel), "failsafe-%s", fs_inputs[which]);
		if ((rc = present(R, rel, abs, refpath, &t_ms, err)) != 0)
			goto out;
		/* poll until a fault or the safe state, or the limit */
		for (;;) {
			if ((rc = read_decision(R, &d, err)) != 0)
				goto out;
			now_ms = (double)(hq_mono_ns() - R->ctx->t0_ns) / 1e6;
			safe_seen = d.fault || (cJSON_IsString(safe) &&
			    strcmp(d.state, safe->valuestring) == 0);
			if (safe_seen || now_ms - t_ms > R->p.fault_ms)
				break;
			if ((rc = hq_sleep_ms(R->p.poll_ms)) != 0)
				goto out;
		}
		log_trial(R, "failsafe", fs_inputs[which], fs_inputs[which],
		    t_ms, &d);
		if ((o = cJSON_CreateObject()) != NULL) {
			cJSON_AddStringToObject(o, "input", fs_inputs[which]);
			cJSON_AddNumberToObject(o, "t_ms", t_ms);
			cJSON_AddNumberToObject(o, "after_ms", now_ms - t_ms);
			cJSON_AddBoolToObject(o, "fault", d.fault);
			cJSON_AddBoolToObject(o, "detected", d.detected);
			cJSON_AddStringToObject(o, "state", d.state);
			cJSON_AddItemToArray(res, o);
		}
		l = strlen(why);
		if (safe_seen && now_ms - t_ms <= R->p.fault_ms) {
			passed++;
			hq_step(R->res, "%s frames: %s after %.0f ms",
			    fs_inputs[which], d.fault ? "fault signalled" :
			    "safe state", now_ms - t_ms);
			snprintf(why + l, sizeof(why) - l, "%s%s: %s in "
			    "%.0f ms", l > 0 ? "; " : "", fs_inputs[which],
			    d.fault ? "fault" : "safe state", now_ms - t_ms);
		} else {
			failed++;
			hq_finding(R->res, "%s input: no fault and no safe "
			    "state within %lld ms; the device reported %s "
			    "(state \"%s\")", fs_inputs[which], R->p.fault_ms,
			    d.detected ? "a detection" : "all clear",
			    d.state);
			snprintf(why + l, sizeof(why) - l, "%s%s: %s", l > 0 ?
			    "; " : "", fs_inputs[which], d.fault ?
			    "fault too late" : d.detected ? "detection, "
			    "no fault" : "all clear, no fault");
		}
	}
	hq_detail(R->res, "failsafe", res);
	res = NULL;
	if (failed > 0)
		hq_verdict(R->res, HQ_FAIL, "%d bad input(s) not signalled "
		    "within %lld ms: %s", failed, R->p.fault_ms, why);
	else if (passed > 0)
		hq_verdict(R->res, HQ_PASS, "every bad input signalled "
		    "within %lld ms: %s", R->p.fault_ms, why);
	else
		hq_verdict(R->res, HQ_INCONCLUSIVE, "no input to show");
 out:
	cJSON_Delete(res);
	hq_img_clear(&ref);
	free(refpath);
	return rc;
}

/* ---- model integrity ---- */

static bool
is_hex64(const char *s, size_t n)
{
	size_t i;

	if (n != 64)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static int
run_model(struct ai_run *R, struct hq_err *err)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(R->ai, "model");
	const cJSON *decl = cJSON_GetObjectItemCaseSensitive(m, "sha256");
	const cJSON *step = cJSON_GetObjectItemCaseSensitive(m, "read"), *h;
	char *body = NULL, got[65] = "";
	size_t len = 0;
	long status = 0;
	cJSON *j = NULL;
	int rc;

	if (!cJSON_IsString(decl) || !is_hex64(decl->valuestring,
	    strlen(decl->valuestring)) || !cJSON_IsObject(step))
		return hq_err_set(err, HQ_EINVAL, "ai.model: needs sha256 (64 "
		    "hex digits) and read (a step)");
	if ((rc = hq_alarm_http_step(R->ctx->dut, step, dl_in(R, 10000),
	    R->tr, &body, &len, &status, err)) != 0)
		goto out;
	if (status < 200 || status > 299) {
		rc = hq_err_set(err, HQ_EPROTO, "ai.model.read: HTTP %ld",
		    status);
		goto out;
	}
	/* {"sha256": HEX} or the hex alone */
	if ((j = cJSON_ParseWithLength(body, len)) != NULL &&
	    cJSON_IsString(h = cJSON_GetObjectItemCaseSensitive(j,
	    "sha256")) && is_hex64(h->valuestring, strlen(h->valuestring)))
		snprintf(got, sizeof(got), "%s", h->valuestring);
	else {
		while (len > 0 && (body[len - 1] == '\n' ||
		    body[len - 1] == '\r' || body[len - 1] == ' '))
			len--;
		if (is_hex64(body, len))
			snprintf(got, sizeof(got), "%.64s", body);
	}
	if (got[0] == '\0') {
		rc = hq_err_set(err, HQ_EPROTO, "ai.model.read: no SHA-256 in "
		    "the reply");
		goto out;
	}
	hq_step(R->res, "model hash read back: %s", got);
	hq_detail(R->res, "model_sha256_declared",
	    cJSON_CreateString(decl->valuestring));
	hq_detail(R->res, "model_sha256_read", cJSON_CreateString(got));
	if (strcasecmp(got, decl->valuestring) == 0)
		hq_verdict(R->res, HQ_PASS, "the deployed model's hash read "
		    "back equals the declared one (%.16s...)", got);
	else {
		hq_finding(R->res, "model hash read back %s, declared %s", got,
		    decl->valuestring);
		hq_verdict(R->res, HQ_FAIL, "the deployed model differs from "
		    "the declared one: read back %.16s..., declared %.16s...",
		    got, decl->valuestring);
	}
 out:
	cJSON_Delete(j);
	free(body);
	return rc;
}

/*
 * "offline": the uplink cut through the bench before the first trial.
 * Without a bench the case cannot show the device offline: INCONCLUSIVE,
 * R->cut stays false.
 */
static int
cut_uplink(struct ai_run *R, struct hq_err *err)
{
	struct hq_ctx *ctx = R->ctx;
	int rc;

	if (ctx->bench == NULL) {
		hq_verdict(R->res, HQ_INCONCLUSIVE, "the case runs with the "
		    "network unavailable and there is no bench to cut the "
		    "DUT's uplink (run on a bench, `hopquy bench up`, or a "
		    "host-mode bench section)");
		return 0;
	}
	if ((rc = hq_bench_cut(ctx->bench, R->p.cut, err)) != 0)
		return rc;
	R->cut = true;
	tl_add(R->network, (double)(hq_mono_ns() - ctx->t0_ns) / 1e6,
	    "uplink cut");
	hq_step(R->res, "uplink cut (%s) before the first trial",
	    hq_cut_mode_name(R->p.cut));
	if (R->p.settle_ms > 0)
		hq_sleep_ms(R->p.settle_ms);
	return 0;
}

/* The verdict's rationale says the trials ran offline. */
static void
offline_note(struct ai_run *R)
{
	const char *why = hq_result_rationale(R->res);
	char buf[1024];

	if (why == NULL || hq_result_verdict(R->res) == HQ_NOT_RUN)
		return;
	snprintf(buf, sizeof(buf), "with the uplink cut (%s): %s",
	    hq_cut_mode_name(R->p.cut), why);
	hq_verdict(R->res, hq_result_verdict(R->res), "%s", buf);
}

static int
ai_run(struct hq_ctx *ctx, const struct hq_case *tc, struct hq_result *res,
    struct hq_err *err)
{
	struct ai_run R;
	char rel[256], *p;
	int rc;

	memset(&R, 0, sizeof(R));
	R.ctx = ctx;
	R.res = res;
	if ((rc = params_read(tc->params, &R.p, err)) != 0)
		goto out;
	if (strcmp(R.p.check, "traceability") == 0) {
		/* Traceability from training data to the deployed model is
		 * read from the manufacturer's records: a documentary case.
		 * Submitting a tampered model is the update family's case
		 * (image "model"), not this check's. */
		hq_verdict(res, HQ_INCONCLUSIVE, "documentary: traceability "
		    "from training data to the deployed model is reviewed "
		    "from the manufacturer's records (an assessment case); "
		    "tampered models are the update family's case with "
		    "image \"model\"");
		goto out;
	}
	if ((R.ai = ctx->dut->ai) == NULL) {
		rc = hq_err_set(err, HQ_EINVAL, "the DUT file declares no ai "
		    "recipe");
		goto out;
	}
	snprintf(R.base, sizeof(R.base), "aisafety/%s", tc->id);
	for (p = R.base; *p != '\0'; p++)
		if (*p == '/' && p > R.base + 8)
			*p = '_';
	if ((R.tr = hq_transcript_new(1u << 20)) == NULL ||
	    (R.trials = cJSON_CreateArray()) == NULL ||
	    (R.stimuli = cJSON_CreateArray()) == NULL ||
	    (R.alarms = cJSON_CreateArray()) == NULL ||
	    (R.network = cJSON_CreateArray()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if (R.p.offline && strcmp(R.p.check, "model-integrity") != 0) {
		if ((rc = cut_uplink(&R, err)) != 0)
			goto out;
		if (!R.cut)	/* no bench: the verdict says so */
			goto save;
	}
	if (strcmp(R.p.check, "recognition") == 0)
		rc = run_recognition(&R, err);
	else if (strcmp(R.p.check, "failsafe") == 0)
		rc = run_failsafe(&R, err);
	else
		rc = run_model(&R, err);
	if (R.cut) {
		struct hq_err e2 = { 0 };
		int rc2 = hq_bench_restore(ctx->bench, &e2);

		if (rc2 != 0 && rc == 0) {
			rc = rc2;
			*err = e2;
		} else if (rc2 == 0) {
			R.cut = false;
			tl_add(R.network, (double)(hq_mono_ns() - ctx->t0_ns) /
			    1e6, "uplink restored");
			hq_step(res, "uplink restored after the last trial");
		}
		if (rc == 0)
			offline_note(&R);
	}
 save:
	snprintf(rel, sizeof(rel), "%s/transcript.txt", R.base);
	if (hq_transcript_save(R.tr, ctx->ev, rel, NULL) == 0)
		hq_result_evidence(res, rel);
	if (cJSON_GetArraySize(R.stimuli) > 0 ||
	    cJSON_GetArraySize(R.network) > 0) {
		cJSON *tl = cJSON_CreateObject();

		if (tl != NULL) {
			cJSON_AddItemToObject(tl, "stimuli", R.stimuli);
			cJSON_AddItemToObject(tl, "alarms", R.alarms);
			cJSON_AddItemToObject(tl, "network", R.network);
			R.stimuli = R.alarms = R.network = NULL;
			hq_detail(res, "timeline", tl);
		}
	}
	if (cJSON_GetArraySize(R.trials) > 0) {
		char *text = cJSON_Print(R.trials);

		snprintf(rel, sizeof(rel), "%s/trials.json", R.base);
		if (text != NULL && hq_evidence_write(ctx->ev, rel, "trials",
		    text, strlen(text), NULL) == 0)
			hq_result_evidence(res, rel);
		free(text);
	}
 out:
	if (R.cut) {
		struct hq_err e2 = { 0 };

		if (hq_bench_restore(ctx->bench, &e2) != 0)
			hq_warn("aisafety: restoring the uplink: %s", e2.msg);
	}
	cJSON_Delete(R.network);
	cJSON_Delete(R.stimuli);
	cJSON_Delete(R.alarms);
	cJSON_Delete(R.trials);
	hq_transcript_free(R.tr);
	src_clear(&R.src);
	params_clear(&R.p);
	return rc;
}

/* An abort between the cut and the restore: the uplink comes back. */
static void
ai_cleanup(struct hq_ctx *ctx)
{
	struct hq_err err = { 0 };

	if (ctx->bench != NULL && hq_bench_cut_active(ctx->bench) !=
	    HQ_CUT_NONE && hq_bench_restore(ctx->bench, &err) != 0)
		hq_warn("aisafety: restoring the uplink: %s", err.msg);
}

const struct hq_family hq_family_aisafety = {
	.name		= "aisafety",
	.summary	= "recognition under degraded scenes, fail-safe on bad "
			  "input, model integrity",
	.check_params	= ai_check_params,
	.run		= ai_run,
	.cleanup	= ai_cleanup,
};
