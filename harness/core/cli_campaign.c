/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hopquy campaign: many DUTs x profiles at once.  Each run is a child
 * `hopquy run` process of its own (one DUT's crash never stops the
 * others), on a bench instance of its own, in a run directory of its own
 * under the campaign directory.  The campaign file (hopquy-campaign/1,
 * reports/campaign.schema.json) is loaded strictly; a copy goes into the
 * campaign directory so `--resume DIR` needs nothing else.
 *
 * Bench instances: an entry's "bench" pins one (a simulated DUT's
 * addresses name its instance), "auto" takes any free instance of
 * --bench-range whose lab namespace is up; absent, the DUT file's.  The
 * campaign takes the instance's lock (the bench's own flock) before it
 * starts the child and hands it over at exec: the lock file descriptor is
 * close-on-exec, the child takes the lock again itself.
 *
 * Outputs: campaign.json (hopquy-campaign-result/1), index.html and one
 * junit.xml with a testsuite per DUT, rewritten whenever a run ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/journal.h"
#include "bench/netns.h"
#include "core/cli.h"
#include "model/dut.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/log.h"
#include "util/rd.h"
#include "util/util.h"

#define CP_FORMAT	"hopquy-campaign/1"
#define CP_RFORMAT	"hopquy-campaign-result/1"
#define CP_SRC		"campaign.src.json"
#define CP_MAX_DUTS	1024
#define CP_MAX_PROF	32
#define CP_NAME_MAX	64
#define CP_FILE_MAX	(4u << 20)
#define CP_REPORT_MAX	(64u << 20)

static const char usage_campaign[] =
"usage: hopquy campaign FILE [-o DIR] [-j N] [--bench-range A-B]\n"
"                       [--sign KEY --cert CERT] [-q]\n"
"       hopquy campaign --resume DIR [-j N] [--bench-range A-B] [-q]\n"
"\n"
"  -o, --output DIR       campaign directory (default runs/campaign-NAME-TIME)\n"
"  -j, --jobs N           runs at once (default 1, at most 256)\n"
"      --bench-range A-B  bench instances the campaign may use (0-255)\n"
"      --resume DIR       finish a campaign: runs with a complete report\n"
"                         are kept, the others run (again)\n"
"      --sign KEY         sign every report with this PEM key...\n"
"      --cert CERT        ...and this certificate\n"
"  -q, --quiet            no progress\n"
"\n"
"Writes DIR/campaign.json, DIR/index.html and DIR/junit.xml.\n"
"exit: 0 every run PASS, 1 any FAIL, 2 otherwise (INCONCLUSIVE, a run\n"
"      that failed to run or was interrupted), 64 usage, 65 bad campaign\n";

enum cp_state { CP_PENDING, CP_RUNNING, CP_ENDED, CP_KEPT };

struct cp_run {
	size_t		 dut;		/* index into cp->duts */
	char		*profile;	/* id, or an absolute file */
	char		 pslug[128];
	char		*only;
	cJSON		*set;		/* merged {case: {param: value}} */
	int		 bench;		/* -2 auto, else the instance */
	bool		 no_capture;
	/* while running */
	char		 rundir[PATH_MAX];	/* relative to the campaign dir */
	enum cp_state	 state;
	pid_t		 pid;
	int		 inst;
	int		 status;	/* wait status */
	int64_t		 t0, t1;
	char		 current[160];
	bool		 waiting_said;
};

struct cp_dut {
	char		 name[CP_NAME_MAX];
	char		*path;		/* absolute */
	char		*serial, *model;
};

struct campaign {
	char		*name;
	char		*file;		/* as given */
	char		 dir[PATH_MAX];	/* campaign directory */
	char		*sign_key, *sign_cert, *lab;
	struct cp_dut	*duts;
	size_t		 nduts;
	struct cp_run	*runs;
	size_t		 nruns;
	unsigned	 lo, hi;	/* --bench-range */
	unsigned	 jobs;
	bool		 progress, quiet;
	int64_t		 started;
	char		 exe[PATH_MAX];
	int		 lines_drawn;
};

static volatile sig_atomic_t cp_stop;

static void
cp_on_signal(int sig)
{
	(void)sig;
	cp_stop = 1;
}

/* --- a small string builder ---------------------------------------- */

struct cpsb {
	char	*p;
	size_t	 len, cap;
	bool	 oom;
};

static void
sb_add(struct cpsb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_puts(struct cpsb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct cpsb *b, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_add(b, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
}

/* XML/HTML text and attribute escaping; control bytes become '?'. */
static void
sb_esc(struct cpsb *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': sb_puts(b, "&amp;"); break;
		case '<': sb_puts(b, "&lt;"); break;
		case '>': sb_puts(b, "&gt;"); break;
		case '"': sb_puts(b, "&quot;"); break;
		case '\'': sb_puts(b, "&#39;"); break;
		default:
			if (c < 0x20 && c != '\n' && c != '\t')
				c = '?';
			sb_add(b, (const char *)&c, 1);
		}
	}
}

/* --- the campaign file ---------------------------------------------- */

static const char *
jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static bool
name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= CP_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* base/rel, or rel when absolute; into a new string. */
static char *
resolve(const char *base, const char *rel)
{
	char buf[PATH_MAX];

	if (rel[0] == '/' || base[0] == '\0')
		snprintf(buf, sizeof(buf), "%s", rel);
	else
		snprintf(buf, sizeof(buf), "%s/%s", base, rel);
	return strdup(buf);
}

/* A profile: an id stays, a file (with '/' or ".json") is resolved. */
static char *
resolve_profile(const char *base, const char *p)
{
	size_t n = strlen(p);

	if (strchr(p, '/') != NULL ||
	    (n > 5 && strcmp(p + n - 5, ".json") == 0))
		return resolve(base, p);
	return strdup(p);
}

/* "set": {case: {param: value}} */
static int
check_set(const cJSON *set, const char *path, struct hq_err *err)
{
	const cJSON *c, *pv;

	if (set == NULL)
		return 0;
	cJSON_ArrayForEach(c, set) {
		if (!cJSON_IsObject(c) || c->string[0] == '\0')
			return hq_err_set(err, HQ_EINVAL, "%s.set.%.100s: "
			    "expected an object of parameters, got %s", path,
			    c->string, hq_jv_typename(c));
		cJSON_ArrayForEach(pv, c)
			if (pv->string[0] == '\0' || strchr(pv->string, '=')
			    != NULL)
				return hq_err_set(err, HQ_EINVAL, "%s.set."
				    "%.100s: a parameter name is empty or "
				    "holds '='", path, c->string);
	}
	return 0;
}

static void
merge_set(cJSON *dst, const cJSON *src)
{
	const cJSON *c, *pv;

	if (src == NULL)
		return;
	cJSON_ArrayForEach(c, src) {
		cJSON *o = cJSON_GetObjectItemCaseSensitive(dst, c->string);

		if (o == NULL)
			o = cJSON_AddObjectToObject(dst, c->string);
		cJSON_ArrayForEach(pv, c) {
			cJSON_DeleteItemFromObjectCaseSensitive(o, pv->string);
			cJSON_AddItemToObject(o, pv->string,
			    cJSON_Duplicate(pv, true));
		}
	}
}

static int
load_profiles(const cJSON *obj, const char *path, const char *base,
    char ***vp, size_t *np, struct hq_err *err)
{
	char **v = NULL, key[HQ_JV_PATH_MAX];
	size_t n = 0, i;
	int rc;

	if ((rc = hq_jv_strv(obj, path, "profiles", false, CP_MAX_PROF, &v,
	    &n, err)) != 0)
		return rc;
	hq_jv_path(key, sizeof(key), path, "profiles");
	if (v != NULL && n == 0) {
		hq_strv_free(v, n);
		return hq_err_set(err, HQ_EINVAL, "%s: expected at least one "
		    "profile", key);
	}
	for (i = 0; i < n; i++) {
		char *r = resolve_profile(base, v[i]);

		free(v[i]);
		v[i] = r;
	}
	*vp = v;
	*np = n;
	return 0;
}

static void
campaign_free(struct campaign *cp)
{
	size_t i;

	for (i = 0; i < cp->nduts; i++) {
		free(cp->duts[i].path);
		free(cp->duts[i].serial);
		free(cp->duts[i].model);
	}
	for (i = 0; i < cp->nruns; i++) {
		free(cp->runs[i].profile);
		free(cp->runs[i].only);
		cJSON_Delete(cp->runs[i].set);
	}
	free(cp->duts);
	free(cp->runs);
	free(cp->name);
	free(cp->sign_key);
	free(cp->sign_cert);
	free(cp->lab);
}

static int
add_run(struct campaign *cp, size_t dut, const char *profile,
    const char *only, const cJSON *set0, const cJSON *set1, int bench,
    bool no_capture, struct hq_err *err)
{
	struct cp_run *r, *nr;
	char slug[128], *base;
	const char *b;
	size_t i, n;

	if ((nr = realloc(cp->runs, (cp->nruns + 1) * sizeof(*nr))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	cp->runs = nr;
	r = &cp->runs[cp->nruns];
	memset(r, 0, sizeof(*r));
	r->dut = dut;
	r->profile = strdup(profile);
	r->only = only != NULL ? strdup(only) : NULL;
	r->set = cJSON_CreateObject();
	merge_set(r->set, set0);
	merge_set(r->set, set1);
	r->bench = bench;
	r->no_capture = no_capture;
	r->inst = -1;
	cp->nruns++;
	if (r->profile == NULL || (only != NULL && r->only == NULL) ||
	    r->set == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	/* The run directory: runs/NAME/PROFILE (the id, or the file's base
	 * name without .json). */
	if ((base = strdup(profile)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	b = basename(base);
	n = strlen(b);
	if (n > 5 && strcmp(b + n - 5, ".json") == 0)
		n -= 5;
	snprintf(slug, sizeof(slug), "%.*s", (int)n, b);
	free(base);
	hq_slug(slug, r->pslug, sizeof(r->pslug));
	for (i = 0; i + 1 < cp->nruns; i++)
		if (cp->runs[i].dut == dut &&
		    strcmp(cp->runs[i].pslug, r->pslug) == 0)
			return hq_err_set(err, HQ_EINVAL, "duts[%zu]: profile "
			    "%s listed twice", dut, r->pslug);
	snprintf(r->rundir, sizeof(r->rundir), "runs/%s/%s",
	    cp->duts[dut].name, r->pslug);
	return 0;
}

/*
 * Strict loading of a hopquy-campaign/1 document.  base is the directory
 * relative paths are resolved against.
 */
static int
campaign_parse(struct campaign *cp, const cJSON *root, const char *base,
    struct hq_err *err)
{
	static const char *const top_keys[] = { "format", "name", "notes",
	    "profiles", "only", "set", "sign", "lab", "no_capture", "duts",
	    NULL };
	static const char *const dut_keys[] = { "name", "dut", "notes",
	    "profiles", "only", "set", "bench", "no_capture", NULL };
	static const char *const sign_keys[] = { "key", "cert", NULL };
	const cJSON *duts, *e, *sign, *set0;
	char **prof0 = NULL, *s = NULL, *only0 = NULL;
	size_t nprof0 = 0, i, k;
	bool nocap0 = false;
	int rc;

	if (!cJSON_IsObject(root))
		return hq_err_set(err, HQ_EINVAL, "campaign: expected an "
		    "object, got %s", hq_jv_typename(root));
	if ((rc = hq_jv_keys(root, "", top_keys, err)) != 0 ||
	    (rc = hq_jv_str(root, "", "format", true, 64, &s, err)) != 0)
		return rc;
	if (strcmp(s, CP_FORMAT) != 0) {
		rc = hq_err_set(err, HQ_EINVAL, "format: expected \"%s\", "
		    "got \"%.64s\"", CP_FORMAT, s);
		free(s);
		return rc;
	}
	free(s);
	if ((rc = hq_jv_str(root, "", "name", true, CP_NAME_MAX - 1,
	    &cp->name, err)) != 0)
		return rc;
	if (!name_ok(cp->name))
		return hq_err_set(err, HQ_EINVAL, "name: expected letters, "
		    "digits, '.', '_' and '-' (not first)");
	if ((rc = load_profiles(root, "", base, &prof0, &nprof0, err)) != 0 ||
	    (rc = hq_jv_str(root, "", "only", false, 0, &only0, err)) != 0 ||
	    (rc = hq_jv_get(root, "", "set", cJSON_Object, false, &set0,
	    err)) != 0 || (rc = check_set(set0, "", err)) != 0 ||
	    (rc = hq_jv_bool(root, "", "no_capture", false, false, &nocap0,
	    err)) != 0 ||
	    (rc = hq_jv_get(root, "", "sign", cJSON_Object, false, &sign,
	    err)) != 0)
		goto out;
	if (sign != NULL) {
		char *key = NULL, *cert = NULL;

		if ((rc = hq_jv_keys(sign, "sign", sign_keys, err)) != 0 ||
		    (rc = hq_jv_str(sign, "sign", "key", true, 0, &key,
		    err)) != 0 ||
		    (rc = hq_jv_str(sign, "sign", "cert", true, 0, &cert,
		    err)) != 0) {
			free(key);
			free(cert);
			goto out;
		}
		cp->sign_key = resolve(base, key);
		cp->sign_cert = resolve(base, cert);
		free(key);
		free(cert);
	}
	if ((rc = hq_jv_str(root, "", "lab", false, 0, &s, err)) != 0)
		goto out;
	if (s != NULL) {
		cp->lab = resolve(base, s);
		free(s);
	}
	if ((rc = hq_jv_get(root, "", "duts", cJSON_Array, true, &duts,
	    err)) != 0)
		goto out;
	k = (size_t)cJSON_GetArraySize(duts);
	if (k == 0 || k > CP_MAX_DUTS) {
		rc = hq_err_set(err, HQ_EINVAL, "duts: expected 1 to %d DUTs, "
		    "got %zu", CP_MAX_DUTS, k);
		goto out;
	}
	if ((cp->duts = calloc(k, sizeof(*cp->duts))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(e, duts) {
		char path[HQ_JV_PATH_MAX], **prof = NULL, *name = NULL,
		    *dpath = NULL, *only = NULL;
		size_t nprof = 0, j;
		const cJSON *set1, *bj;
		struct cp_dut *d = &cp->duts[i];
		struct hq_dut *dd = NULL;
		bool nocap = nocap0;
		int bench;

		hq_jv_index(path, sizeof(path), "duts", i);
		cp->nduts = i + 1;
		if (!cJSON_IsObject(e)) {
			rc = hq_err_set(err, HQ_EINVAL, "%s: expected an "
			    "object, got %s", path, hq_jv_typename(e));
			goto out;
		}
		if ((rc = hq_jv_keys(e, path, dut_keys, err)) != 0 ||
		    (rc = hq_jv_str(e, path, "dut", true, 0, &dpath,
		    err)) != 0 ||
		    (rc = hq_jv_str(e, path, "name", false, CP_NAME_MAX - 1,
		    &name, err)) != 0 ||
		    (rc = load_profiles(e, path, base, &prof, &nprof,
		    err)) != 0 ||
		    (rc = hq_jv_str(e, path, "only", false, 0, &only,
		    err)) != 0 ||
		    (rc = hq_jv_get(e, path, "set", cJSON_Object, false,
		    &set1, err)) != 0 || (rc = check_set(set1, path,
		    err)) != 0 ||
		    (rc = hq_jv_bool(e, path, "no_capture", false, nocap0,
		    &nocap, err)) != 0 ||
		    (rc = hq_jv_get(e, path, "bench", 0, false, &bj,
		    err)) != 0)
			goto dut_out;
		d->path = resolve(base, dpath);
		if (name == NULL) {
			/* The DUT file's base name without .json. */
			char *b = strdup(dpath), *bn;
			size_t n;

			if (b == NULL) {
				rc = hq_err_set(err, HQ_ENOMEM, "no memory");
				goto dut_out;
			}
			bn = basename(b);
			n = strlen(bn);
			if (n > 5 && strcmp(bn + n - 5, ".json") == 0)
				bn[n - 5] = '\0';
			name = strdup(bn);
			free(b);
		}
		if (name == NULL || !name_ok(name)) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.name: expected "
			    "letters, digits, '.', '_' and '-' (not first)%s",
			    path, name == NULL ? "" : "; name the entry");
			goto dut_out;
		}
		snprintf(d->name, sizeof(d->name), "%s", name);
		for (j = 0; j < i; j++)
			if (strcmp(cp->duts[j].name, d->name) == 0) {
				rc = hq_err_set(err, HQ_EINVAL, "%s.name: "
				    "\"%s\" is taken by duts[%zu]", path,
				    d->name, j);
				goto dut_out;
			}
		if ((rc = hq_dut_load(d->path, &dd, err)) != 0)
			goto dut_out;
		d->serial = strdup(dd->serial);
		d->model = strdup(dd->model);
		bench = (int)dd->bench_instance;
		hq_dut_free(dd);
		if (bj != NULL && cJSON_IsString(bj) &&
		    strcmp(bj->valuestring, "auto") == 0)
			bench = -2;
		else if (bj != NULL) {
			long long v;

			if ((rc = hq_jv_int(e, path, "bench", true, 0, 255, 0,
			    &v, err)) != 0) {
				rc = hq_err_set(err, HQ_EINVAL, "%s.bench: "
				    "expected an instance 0 to 255 or "
				    "\"auto\"", path);
				goto dut_out;
			}
			bench = (int)v;
		}
		if (prof == NULL && prof0 == NULL) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.profiles: no "
			    "profile for this DUT (none at the top either)",
			    path);
			goto dut_out;
		}
		for (j = 0; j < (prof != NULL ? nprof : nprof0); j++)
			if ((rc = add_run(cp, i, prof != NULL ? prof[j] :
			    prof0[j], only != NULL ? only : only0, set0, set1,
			    bench, nocap, err)) != 0)
				goto dut_out;
 dut_out:
		hq_strv_free(prof, nprof);
		free(name);
		free(dpath);
		free(only);
		if (rc != 0)
			goto out;
		i++;
	}
 out:
	hq_strv_free(prof0, nprof0);
	free(only0);
	return rc;
}

/* --- bench instances ------------------------------------------------- */

static bool
inst_ours(const struct campaign *cp, int inst)
{
	size_t i;

	for (i = 0; i < cp->nruns; i++)
		if (cp->runs[i].state == CP_RUNNING &&
		    cp->runs[i].inst == inst)
			return true;
	return false;
}

/* Takes the bench's lock of inst; the fd (close-on-exec), or -1. */
static int
inst_lock(unsigned inst)
{
	char path[128];
	int fd;

	hq_journal_lock_path(inst, path, sizeof(path));
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* An instance and its lock for run r: 0 and *fdp, or -1 (wait). */
static int
inst_take(struct campaign *cp, struct cp_run *r, int *fdp)
{
	char ns[64];
	unsigned i;
	int fd;

	*fdp = -1;
	if (r->bench >= 0) {
		if (inst_ours(cp, r->bench) ||
		    (fd = inst_lock((unsigned)r->bench)) < 0)
			return -1;
		r->inst = r->bench;
		*fdp = fd;
		return 0;
	}
	for (i = cp->lo; i <= cp->hi; i++) {
		if (inst_ours(cp, (int)i))
			continue;
		hq_bench_ns_name("lab", i, ns, sizeof(ns));
		if (!hq_netns_exists(ns) || (fd = inst_lock(i)) < 0)
			continue;
		r->inst = (int)i;
		*fdp = fd;
		return 0;
	}
	return -1;
}

/* --- runs ---------------------------------------------------------- */

static void
abspath_in(const struct campaign *cp, const char *rel, char *out,
    size_t outsz)
{
	snprintf(out, outsz, "%s/%s", cp->dir, rel);
}

/* A run directory whose report.json says complete. */
static bool
run_finished(const struct campaign *cp, const struct cp_run *r)
{
	char path[PATH_MAX + 32], *text = NULL;
	struct hq_err err = { 0 };
	cJSON *rep;
	bool done = false;
	size_t len;
	struct stat st;

	abspath_in(cp, r->rundir, path, sizeof(path));
	strncat(path, "/results.jsonl", sizeof(path) - strlen(path) - 1);
	if (stat(path, &st) != 0)
		return false;
	abspath_in(cp, r->rundir, path, sizeof(path));
	strncat(path, "/report.json", sizeof(path) - strlen(path) - 1);
	if (hq_file_slurp(path, CP_REPORT_MAX, &text, &len, &err) != 0)
		return false;
	if ((rep = cJSON_Parse(text)) != NULL)
		done = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep,
		    "complete"));
	cJSON_Delete(rep);
	free(text);
	if (done && cp->sign_key != NULL) {
		abspath_in(cp, r->rundir, path, sizeof(path));
		strncat(path, "/report.json.p7s", sizeof(path) -
		    strlen(path) - 1);
		done = stat(path, &st) == 0;
	}
	return done;
}

/* An unfinished run's directory is kept aside, never overwritten. */
static void
run_set_aside(const struct campaign *cp, const struct cp_run *r)
{
	char path[PATH_MAX], to[PATH_MAX + 32];
	struct stat st;
	int k;

	abspath_in(cp, r->rundir, path, sizeof(path));
	if (stat(path, &st) != 0)
		return;
	for (k = 1; k < 1000; k++) {
		snprintf(to, sizeof(to), "%s.unfinished-%d", path, k);
		if (stat(to, &st) != 0)
			break;
	}
	if (rename(path, to) != 0)
		hq_warn("%s: %s", path, strerror(errno));
	else if (!cp->quiet)
		fprintf(stderr, "campaign: %s: unfinished run kept as %s\n",
		    r->rundir, to);
}

static int
run_start(struct campaign *cp, struct cp_run *r, int lockfd)
{
	char *argv[64 + 2 * 256], rundir[PATH_MAX], logp[PATH_MAX + 64],
	    bench[16], *sets[256];
	const cJSON *c, *pv;
	size_t nsets = 0, i;
	int a = 0, fd;
	pid_t pid;

	abspath_in(cp, r->rundir, rundir, sizeof(rundir));
	snprintf(logp, sizeof(logp), "%s/logs/%s--%s.log", cp->dir,
	    cp->duts[r->dut].name, r->pslug);
	snprintf(bench, sizeof(bench), "%d", r->inst);
	argv[a++] = cp->exe;
	argv[a++] = "run";
	argv[a++] = "-q";
	argv[a++] = "-p";
	argv[a++] = r->profile;
	argv[a++] = "-d";
	argv[a++] = cp->duts[r->dut].path;
	argv[a++] = "-o";
	argv[a++] = rundir;
	argv[a++] = "--bench";
	argv[a++] = bench;
	if (r->only != NULL) {
		argv[a++] = "--only";
		argv[a++] = r->only;
	}
	if (cp->sign_key != NULL) {
		argv[a++] = "--sign";
		argv[a++] = cp->sign_key;
		argv[a++] = "--cert";
		argv[a++] = cp->sign_cert;
	}
	if (cp->lab != NULL) {
		argv[a++] = "--lab";
		argv[a++] = cp->lab;
	}
	if (r->no_capture)
		argv[a++] = "--no-capture";
	cJSON_ArrayForEach(c, r->set)
		cJSON_ArrayForEach(pv, c) {
			char *v = cJSON_PrintUnformatted(pv);
			size_t n;

			if (nsets >= sizeof(sets) / sizeof(sets[0]) ||
			    v == NULL) {
				free(v);
				break;
			}
			n = strlen(c->string) + strlen(pv->string) +
			    strlen(v) + 3;
			if ((sets[nsets] = malloc(n)) != NULL) {
				snprintf(sets[nsets], n, "%s:%s=%s", c->string,
				    pv->string, v);
				argv[a++] = "--set";
				argv[a++] = sets[nsets++];
			}
			free(v);
		}
	argv[a] = NULL;
	r->t0 = hq_wall_ms();
	r->current[0] = '\0';
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if ((fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644))
		    >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			if (fd > 2)
				close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0 && fd != STDIN_FILENO) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
		/* The bench lock goes at exec (close-on-exec). */
		execv(cp->exe, argv);
		_exit(127);
	}
	for (i = 0; i < nsets; i++)
		free(sets[i]);
	if (lockfd >= 0)
		close(lockfd);
	if (pid < 0) {
		hq_warn("fork: %s", strerror(errno));
		return -1;
	}
	r->pid = pid;
	r->state = CP_RUNNING;
	if (!cp->progress && !cp->quiet)
		fprintf(stderr, "campaign: %s %s: started on bench %d\n",
		    cp->duts[r->dut].name, r->pslug, r->inst);
	return 0;
}

/* The case a run is at: the last "ID: start (" of its run.log. */
static void
run_current(const struct campaign *cp, struct cp_run *r)
{
	char path[PATH_MAX + 32], buf[4096], *p, *e, *ls;
	ssize_t n;
	off_t sz;
	int fd;

	abspath_in(cp, r->rundir, path, sizeof(path));
	strncat(path, "/run.log", sizeof(path) - strlen(path) - 1);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	sz = lseek(fd, 0, SEEK_END);
	if (sz > (off_t)sizeof(buf) - 1)
		sz -= (off_t)sizeof(buf) - 1;
	else
		sz = 0;
	n = pread(fd, buf, sizeof(buf) - 1, sz);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = buf, ls = NULL; (e = strstr(p, ": start (")) != NULL;
	    p = e + 1)
		ls = e;
	if (ls == NULL)
		return;
	*ls = '\0';
	if ((p = strrchr(buf, '\n')) == NULL)
		p = buf;
	/* "TS LEVEL fn: ID" */
	if ((e = strstr(p, ": ")) == NULL)
		return;
	snprintf(r->current, sizeof(r->current), "%s", e + 2);
}

static const char *
exit_word(int st)
{
	if (WIFSIGNALED(st))
		return "crashed";
	switch (WEXITSTATUS(st)) {
	case HQ_EXIT_PASS:		return "PASS";
	case HQ_EXIT_FAIL:		return "FAIL";
	case HQ_EXIT_INCONCLUSIVE:	return "INCONCLUSIVE or INCOMPLETE";
	case HQ_EXIT_TEMPFAIL:		return "unsigned (signature failed)";
	case HQ_EXIT_NOPERM:		return "needs root";
	case HQ_EXIT_USAGE:		return "usage error";
	case HQ_EXIT_DATAERR:		return "bad profile or DUT";
	case HQ_EXIT_UNAVAILABLE:	return "DUT or bench unavailable";
	default:			return "error";
	}
}

/* --- summary -------------------------------------------------------- */

static cJSON *
read_report(const struct campaign *cp, const struct cp_run *r,
    char sha[65])
{
	char path[PATH_MAX + 32], *text = NULL;
	struct hq_err err = { 0 };
	cJSON *rep;
	size_t len;

	abspath_in(cp, r->rundir, path, sizeof(path));
	strncat(path, "/report.json", sizeof(path) - strlen(path) - 1);
	if (hq_file_slurp(path, CP_REPORT_MAX, &text, &len, &err) != 0)
		return NULL;
	hq_sha256_hex(text, len, sha);
	rep = cJSON_Parse(text);
	free(text);
	return rep;
}

static const char *
run_status(const struct cp_run *r)
{
	switch (r->state) {
	case CP_PENDING:	return "not-run";
	case CP_RUNNING:	return "running";
	case CP_KEPT:		return "done";
	case CP_ENDED:		break;
	}
	if (WIFSIGNALED(r->status))
		return "crashed";
	if (WEXITSTATUS(r->status) <= HQ_EXIT_INCONCLUSIVE)
		return "done";
	return "error";
}

/* campaign.json's entry for one run; *repp is report.json (or NULL). */
static cJSON *
run_json(const struct campaign *cp, const struct cp_run *r, cJSON **repp)
{
	cJSON *o = cJSON_CreateObject(), *rep, *v, *res;
	const cJSON *s, *x;
	char sha[65], path[PATH_MAX + 32];
	struct stat st;

	cJSON_AddStringToObject(o, "profile", r->pslug);
	cJSON_AddStringToObject(o, "status", run_status(r));
	if (r->inst >= 0)
		cJSON_AddNumberToObject(o, "bench", r->inst);
	if (r->state == CP_ENDED) {
		if (WIFSIGNALED(r->status))
			cJSON_AddNumberToObject(o, "signal",
			    WTERMSIG(r->status));
		else
			cJSON_AddNumberToObject(o, "exit",
			    WEXITSTATUS(r->status));
		cJSON_AddNumberToObject(o, "wall_s",
		    (double)(r->t1 - r->t0) / 1000.0);
		snprintf(path, sizeof(path), "logs/%s--%s.log",
		    cp->duts[r->dut].name, r->pslug);
		cJSON_AddStringToObject(o, "log", path);
	}
	cJSON_AddBoolToObject(o, "resumed", r->state == CP_KEPT);
	cJSON_AddStringToObject(o, "rundir", r->rundir);
	*repp = NULL;
	if (r->state != CP_ENDED && r->state != CP_KEPT)
		return o;
	if ((rep = read_report(cp, r, sha)) == NULL)
		return o;
	snprintf(path, sizeof(path), "%s/report.json", r->rundir);
	cJSON_AddStringToObject(o, "report", path);
	cJSON_AddStringToObject(o, "report_sha256", sha);
	abspath_in(cp, r->rundir, path, sizeof(path));
	strncat(path, "/report.json.p7s", sizeof(path) - strlen(path) - 1);
	cJSON_AddBoolToObject(o, "signed", stat(path, &st) == 0);
	cJSON_AddBoolToObject(o, "complete", cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(rep, "complete")));
	cJSON_AddStringToObject(o, "report_id", jstr(rep, "report_id") ?
	    jstr(rep, "report_id") : "");
	s = cJSON_GetObjectItemCaseSensitive(rep, "summary");
	cJSON_AddStringToObject(o, "verdict", jstr(s, "verdict") ?
	    jstr(s, "verdict") : "INCONCLUSIVE");
	v = cJSON_AddObjectToObject(o, "counts");
	cJSON_AddNumberToObject(v, "pass", cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(s, "pass")));
	cJSON_AddNumberToObject(v, "fail", cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(s, "fail")));
	cJSON_AddNumberToObject(v, "inconclusive", cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(s, "inconclusive")));
	x = cJSON_GetObjectItemCaseSensitive(s, "not_applicable");
	cJSON_AddNumberToObject(v, "not_applicable", cJSON_IsNumber(x) ?
	    x->valuedouble : 0);
	res = cJSON_AddObjectToObject(o, "verdicts");
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(rep,
	    "results"))
		if (jstr(x, "id") != NULL && jstr(x, "verdict") != NULL)
			cJSON_AddStringToObject(res, jstr(x, "id"),
			    jstr(x, "verdict"));
	*repp = rep;
	return o;
}

static const char *
run_word(const cJSON *ro)
{
	const char *v = jstr(ro, "verdict"), *st = jstr(ro, "status");

	if (strcmp(st, "done") == 0 && v != NULL) {
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ro,
		    "complete")) && strcmp(v, "FAIL") != 0)
			return "INCONCLUSIVE";
		return v;
	}
	return st;
}

static void
junit_run(struct cpsb *b, const struct campaign *cp, const struct cp_run *r,
    const cJSON *ro, const cJSON *rep, size_t *nt, size_t *nf, size_t *ne,
    size_t *ns)
{
	const cJSON *x, *f;

	if (rep == NULL) {
		/* A run without a report is one errored test case. */
		(*nt)++;
		(*ne)++;
		sb_puts(b, "    <testcase name=\"run\" classname=\"");
		sb_esc(b, r->pslug);
		sb_puts(b, "\" time=\"0\">\n      <error message=\"");
		sb_esc(b, run_word(ro));
		sb_puts(b, "\" type=\"RUN\">");
		sb_esc(b, "no report; see ");
		sb_esc(b, jstr(ro, "log") ? jstr(ro, "log") : "the log");
		sb_puts(b, "</error>\n    </testcase>\n");
		(void)cp;
		return;
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(rep,
	    "results")) {
		const char *v = jstr(x, "verdict"), *why = jstr(x, "rationale");
		double ms = cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(x, "duration_ms"));

		if (v == NULL)
			continue;
		(*nt)++;
		sb_puts(b, "    <testcase name=\"");
		sb_esc(b, jstr(x, "id"));
		sb_puts(b, "\" classname=\"");
		sb_esc(b, r->pslug);
		sb_puts(b, ".");
		sb_esc(b, jstr(x, "group") ? jstr(x, "group") : "none");
		sb_printf(b, "\" time=\"%.3f\">\n", ms == ms ? ms / 1000.0 :
		    0.0);
		if (strcmp(v, "FAIL") == 0 || strcmp(v, "INCONCLUSIVE") == 0) {
			bool fail = v[0] == 'F';

			*(fail ? nf : ne) += 1;
			sb_puts(b, fail ? "      <failure message=\"" :
			    "      <error message=\"");
			sb_esc(b, why);
			sb_puts(b, "\" type=\"");
			sb_esc(b, v);
			sb_puts(b, "\">");
			sb_esc(b, why);
			cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(
			    x, "findings"))
				if (cJSON_IsString(f)) {
					sb_puts(b, "\n");
					sb_esc(b, f->valuestring);
				}
			sb_puts(b, fail ? "</failure>\n" : "</error>\n");
		} else if (strcmp(v, "NOT_APPLICABLE") == 0) {
			(*ns)++;
			sb_puts(b, "      <skipped message=\"");
			sb_esc(b, why);
			sb_puts(b, "\"/>\n");
		}
		sb_puts(b, "    </testcase>\n");
	}
}

/* Writes campaign.json, junit.xml and index.html; the exit status. */
static int
write_summary(struct campaign *cp, bool complete)
{
	struct cpsb js = { 0 }, ju = { 0 }, ht = { 0 }, body = { 0 };
	struct hq_err err = { 0 };
	cJSON *root = cJSON_CreateObject(), *arr, *tot;
	char ts[40], path[PATH_MAX + 32], *s;
	size_t i, j, nt = 0, nf = 0, ne = 0, ns = 0;
	size_t cnt[6] = { 0 };	/* pass fail inc not-run error incomplete */
	int status = HQ_EXIT_PASS;

	cJSON_AddStringToObject(root, "format", CP_RFORMAT);
	cJSON_AddStringToObject(root, "name", cp->name);
	cJSON_AddStringToObject(root, "campaign_file", CP_SRC);
	hq_time_rfc3339(cp->started, ts, sizeof(ts));
	cJSON_AddStringToObject(root, "started", ts);
	hq_time_rfc3339(hq_wall_ms(), ts, sizeof(ts));
	cJSON_AddStringToObject(root, "ended", ts);
	cJSON_AddBoolToObject(root, "complete", complete);
	cJSON_AddStringToObject(root, "tool", "hopquy " HQ_VERSION);
	tot = cJSON_AddObjectToObject(root, "totals");
	arr = cJSON_AddArrayToObject(root, "duts");
	sb_puts(&ju, "");
	for (i = 0; i < cp->nduts; i++) {
		const struct cp_dut *d = &cp->duts[i];
		cJSON *dj = cJSON_CreateObject(), *runs;
		struct cpsb suite = { 0 };
		size_t t0 = nt, f0 = nf, e0 = ne, s0 = ns;

		cJSON_AddStringToObject(dj, "name", d->name);
		cJSON_AddStringToObject(dj, "dut", d->path);
		cJSON_AddStringToObject(dj, "model", d->model);
		cJSON_AddStringToObject(dj, "serial", d->serial);
		runs = cJSON_AddArrayToObject(dj, "runs");
		for (j = 0; j < cp->nruns; j++) {
			const struct cp_run *r = &cp->runs[j];
			cJSON *rep = NULL, *ro;
			const char *w;

			if (r->dut != i)
				continue;
			ro = run_json(cp, r, &rep);
			w = run_word(ro);
			junit_run(&suite, cp, r, ro, rep, &nt, &nf, &ne, &ns);
			cJSON_Delete(rep);
			if (strcmp(w, "PASS") == 0)
				cnt[0]++;
			else if (strcmp(w, "FAIL") == 0) {
				cnt[1]++;
				status = HQ_EXIT_FAIL;
			} else if (strcmp(w, "INCOMPLETE") == 0) {
				/* Cases of the profile left out: no conformity
				 * statement, but no doubt about what ran. */
				cnt[5]++;
				if (status == HQ_EXIT_PASS)
					status = HQ_EXIT_INCONCLUSIVE;
			} else {
				if (strcmp(w, "INCONCLUSIVE") == 0)
					cnt[2]++;
				else if (strcmp(w, "not-run") == 0 ||
				    strcmp(w, "running") == 0)
					cnt[3]++;
				else
					cnt[4]++;
				if (status == HQ_EXIT_PASS)
					status = HQ_EXIT_INCONCLUSIVE;
			}
			/* index.html row */
			sb_puts(&body, "<tr><td>");
			sb_esc(&body, d->name);
			sb_puts(&body, "</td><td>");
			sb_esc(&body, d->model);
			sb_puts(&body, "</td><td>");
			sb_esc(&body, d->serial);
			sb_puts(&body, "</td><td>");
			sb_esc(&body, r->pslug);
			if (r->inst >= 0)
				sb_printf(&body, "</td><td>%d", r->inst);
			else
				sb_puts(&body, "</td><td>-");
			sb_puts(&body, "</td><td class=\"v-");
			sb_esc(&body, w);
			sb_puts(&body, "\">");
			sb_esc(&body, w);
			if (cJSON_GetObjectItem(ro, "counts") != NULL) {
				const cJSON *c = cJSON_GetObjectItem(ro,
				    "counts");

				sb_printf(&body, "</td><td>%d / %d / %d / %d",
				    (int)cJSON_GetNumberValue(
				    cJSON_GetObjectItem(c, "pass")),
				    (int)cJSON_GetNumberValue(
				    cJSON_GetObjectItem(c, "fail")),
				    (int)cJSON_GetNumberValue(
				    cJSON_GetObjectItem(c, "inconclusive")),
				    (int)cJSON_GetNumberValue(
				    cJSON_GetObjectItem(c, "not_applicable")));
			} else
				sb_puts(&body, "</td><td>");
			sb_puts(&body, "</td><td>");
			if (jstr(ro, "report") != NULL) {
				static const char *const files[] = {
				    "report.html", "report.json",
				    "report.json.p7s", "junit.xml", NULL };
				size_t k;

				for (k = 0; files[k] != NULL; k++) {
					struct stat st;

					snprintf(path, sizeof(path), "%s/%s/%s",
					    cp->dir, r->rundir, files[k]);
					if (stat(path, &st) != 0)
						continue;
					sb_puts(&body, "<a href=\"");
					sb_esc(&body, r->rundir);
					sb_puts(&body, "/");
					sb_puts(&body, files[k]);
					sb_puts(&body, "\">");
					sb_puts(&body, files[k]);
					sb_puts(&body, "</a> ");
				}
				sb_puts(&body, "<br><code>");
				sb_esc(&body, jstr(ro, "report_sha256"));
				sb_puts(&body, "</code>");
			}
			if (jstr(ro, "log") != NULL) {
				sb_puts(&body, " <a href=\"");
				sb_esc(&body, jstr(ro, "log"));
				sb_puts(&body, "\">log</a>");
			}
			sb_puts(&body, "</td></tr>\n");
			cJSON_AddItemToArray(runs, ro);
		}
		cJSON_AddItemToArray(arr, dj);
		sb_puts(&ju, "  <testsuite name=\"");
		sb_esc(&ju, d->name);
		sb_printf(&ju, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\""
		    " skipped=\"%zu\" id=\"%zu\" package=\"", nt - t0, nf - f0,
		    ne - e0, ns - s0, i);
		sb_esc(&ju, d->model);
		sb_puts(&ju, "\">\n    <properties>\n"
		    "      <property name=\"dut_serial\" value=\"");
		sb_esc(&ju, d->serial);
		sb_puts(&ju, "\"/>\n    </properties>\n");
		if (suite.p != NULL)
			sb_puts(&ju, suite.p);
		sb_puts(&ju, "  </testsuite>\n");
		free(suite.p);
	}
	cJSON_AddNumberToObject(tot, "runs", (double)cp->nruns);
	cJSON_AddNumberToObject(tot, "pass", (double)cnt[0]);
	cJSON_AddNumberToObject(tot, "fail", (double)cnt[1]);
	cJSON_AddNumberToObject(tot, "inconclusive", (double)cnt[2]);
	cJSON_AddNumberToObject(tot, "not_run", (double)cnt[3]);
	cJSON_AddNumberToObject(tot, "error", (double)cnt[4]);
	cJSON_AddNumberToObject(tot, "incomplete", (double)cnt[5]);
	if (!complete && status == HQ_EXIT_PASS)
		status = HQ_EXIT_INCONCLUSIVE;
	/* FAIL first; then any doubt; INCOMPLETE only when every run that
	 * is not PASS ran all it was asked and left profile cases out. */
	cJSON_AddStringToObject(root, "verdict", status == HQ_EXIT_PASS ?
	    "PASS" : status == HQ_EXIT_FAIL ? "FAIL" : (complete &&
	    cnt[2] + cnt[3] + cnt[4] == 0 && cnt[5] > 0) ? "INCOMPLETE" :
	    "INCONCLUSIVE");
	if ((s = cJSON_Print(root)) != NULL) {
		sb_puts(&js, s);
		sb_puts(&js, "\n");
		free(s);
	}
	/* junit.xml */
	{
		struct cpsb all = { 0 };

		sb_puts(&all, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<testsuites name=\"");
		sb_esc(&all, cp->name);
		sb_printf(&all, "\" tests=\"%zu\" failures=\"%zu\" "
		    "errors=\"%zu\" skipped=\"%zu\">\n", nt, nf, ne, ns);
		if (ju.p != NULL)
			sb_puts(&all, ju.p);
		sb_puts(&all, "</testsuites>\n");
		free(ju.p);
		ju = all;
	}
	/* index.html */
	sb_puts(&ht, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>hopquy campaign ");
	sb_esc(&ht, cp->name);
	sb_puts(&ht, "</title><style>body{font-family:sans-serif}"
	    "table{border-collapse:collapse}td,th{border:1px solid #999;"
	    "padding:2px 6px;vertical-align:top}.v-PASS{background:#cfc}"
	    ".v-FAIL{background:#fcc}.v-INCONCLUSIVE{background:#ffc}"
	    ".v-INCOMPLETE{background:#eef}"
	    "</style></head><body>\n<h1>Campaign ");
	sb_esc(&ht, cp->name);
	sb_printf(&ht, "</h1>\n<p>%s: %zu runs: %zu PASS, %zu FAIL, %zu "
	    "INCONCLUSIVE, %zu INCOMPLETE (profile cases not run), %zu not "
	    "run, %zu errors. <a href=\"campaign.json\">"
	    "campaign.json</a> <a href=\"junit.xml\">junit.xml</a></p>\n",
	    complete ? "complete" : "incomplete", cp->nruns, cnt[0], cnt[1],
	    cnt[2], cnt[5], cnt[3], cnt[4]);
	sb_puts(&ht, "<table>\n<tr><th>DUT</th><th>model</th><th>serial</th>"
	    "<th>profile</th><th>bench</th><th>verdict</th>"
	    "<th>pass / fail / inc. / n.a.</th><th>report (SHA-256)</th>"
	    "</tr>\n");
	if (body.p != NULL)
		sb_puts(&ht, body.p);
	sb_puts(&ht, "</table>\n</body></html>\n");
	if (js.oom || ju.oom || ht.oom || body.oom) {
		hq_warn("campaign summary: no memory");
		status = HQ_EXIT_SOFTWARE;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/campaign.json", cp->dir);
	if (hq_file_write_atomic(path, js.p, js.len, 0644, &err) != 0)
		goto werr;
	snprintf(path, sizeof(path), "%s/junit.xml", cp->dir);
	if (hq_file_write_atomic(path, ju.p, ju.len, 0644, &err) != 0)
		goto werr;
	snprintf(path, sizeof(path), "%s/index.html", cp->dir);
	if (hq_file_write_atomic(path, ht.p, ht.len, 0644, &err) != 0)
		goto werr;
	goto out;
 werr:
	fprintf(stderr, "hopquy: %s\n", err.msg);
	status = HQ_EXIT_SOFTWARE;
 out:
	cJSON_Delete(root);
	free(js.p);
	free(ju.p);
	free(ht.p);
	free(body.p);
	return status;
}

/* --- progress ------------------------------------------------------- */

static void
progress_draw(struct campaign *cp)
{
	size_t i, ndone = 0, nrun = 0;
	int64_t now = hq_wall_ms();
	int lines = 0;

	for (i = 0; i < cp->nruns; i++)
		if (cp->runs[i].state == CP_ENDED ||
		    cp->runs[i].state == CP_KEPT)
			ndone++;
		else if (cp->runs[i].state == CP_RUNNING)
			nrun++;
	if (cp->lines_drawn > 0)
		fprintf(stderr, "\033[%dA", cp->lines_drawn);
	fprintf(stderr, "\033[Kcampaign %s: %zu/%zu done, %zu running%s\n",
	    cp->name, ndone, cp->nruns, nrun, cp_stop ? ", stopping" : "");
	lines++;
	for (i = 0; i < cp->nruns; i++) {
		struct cp_run *r = &cp->runs[i];

		if (r->state != CP_RUNNING)
			continue;
		run_current(cp, r);
		fprintf(stderr, "\033[K  %-20.20s bench %-3d %5.0f s  %.60s\n",
		    cp->duts[r->dut].name, r->inst,
		    (double)(now - r->t0) / 1000.0,
		    r->current[0] != '\0' ? r->current : "(starting)");
		lines++;
	}
	for (i = (size_t)lines; i < (size_t)cp->lines_drawn; i++)
		fprintf(stderr, "\033[K\n");
	if (cp->lines_drawn > lines)
		fprintf(stderr, "\033[%dA", cp->lines_drawn - lines);
	cp->lines_drawn = lines;
	fflush(stderr);
}

/* --- the loop -------------------------------------------------------- */

static void
reap(struct campaign *cp)
{
	size_t i;
	int st;

	for (i = 0; i < cp->nruns; i++) {
		struct cp_run *r = &cp->runs[i];

		if (r->state != CP_RUNNING)
			continue;
		if (waitpid(r->pid, &st, WNOHANG) != r->pid)
			continue;
		r->status = st;
		r->state = CP_ENDED;
		r->t1 = hq_wall_ms();
		if (!cp->progress && !cp->quiet)
			fprintf(stderr, "campaign: %s %s: %s (%.1f s)\n",
			    cp->duts[r->dut].name, r->pslug, exit_word(st),
			    (double)(r->t1 - r->t0) / 1000.0);
		else if (cp->progress && (WIFSIGNALED(st) ||
		    WEXITSTATUS(st) > HQ_EXIT_INCONCLUSIVE)) {
			/* Errors stay on screen above the progress. */
			if (cp->lines_drawn > 0)
				fprintf(stderr, "\033[%dA\033[J",
				    cp->lines_drawn);
			cp->lines_drawn = 0;
			fprintf(stderr, "campaign: %s %s: %s (log: "
			    "%s/logs/%s--%s.log)\n", cp->duts[r->dut].name,
			    r->pslug, exit_word(st), cp->dir,
			    cp->duts[r->dut].name, r->pslug);
		}
		write_summary(cp, false);
	}
}

static int
campaign_loop(struct campaign *cp)
{
	struct sigaction sa;
	size_t i, running, pending;
	bool forwarded = false;
	int64_t last_draw = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cp_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		reap(cp);
		running = pending = 0;
		for (i = 0; i < cp->nruns; i++) {
			running += cp->runs[i].state == CP_RUNNING;
			pending += cp->runs[i].state == CP_PENDING;
		}
		if (cp_stop && !forwarded) {
			/* Each child writes its incomplete report. */
			for (i = 0; i < cp->nruns; i++)
				if (cp->runs[i].state == CP_RUNNING)
					kill(cp->runs[i].pid, SIGINT);
			forwarded = true;
		}
		if (running == 0 && (pending == 0 || cp_stop))
			break;
		for (i = 0; i < cp->nruns && !cp_stop &&
		    running < cp->jobs; i++) {
			struct cp_run *r = &cp->runs[i];
			int fd;

			if (r->state != CP_PENDING)
				continue;
			if (r->bench >= 0 && ((unsigned)r->bench < cp->lo ||
			    (unsigned)r->bench > cp->hi)) {
				/* Outside the range: not run, said once. */
				if (!r->waiting_said)
					fprintf(stderr, "campaign: %s %s: bench "
					    "%d is outside --bench-range %u-%u; "
					    "not run\n", cp->duts[r->dut].name,
					    r->pslug, r->bench, cp->lo, cp->hi);
				r->waiting_said = true;
				continue;
			}
			if (inst_take(cp, r, &fd) != 0) {
				if (!r->waiting_said && !cp->quiet &&
				    !cp->progress && r->bench >= 0 &&
				    !inst_ours(cp, r->bench))
					fprintf(stderr, "campaign: %s %s: "
					    "waiting for bench %d (locked)\n",
					    cp->duts[r->dut].name, r->pslug,
					    r->bench);
				r->waiting_said = r->bench >= 0 &&
				    !inst_ours(cp, r->bench);
				continue;
			}
			if (run_start(cp, r, fd) == 0)
				running++;
		}
		/* Runs pinned outside the range never start. */
		if (running == 0) {
			bool any = false;

			for (i = 0; i < cp->nruns; i++)
				if (cp->runs[i].state == CP_PENDING &&
				    !(cp->runs[i].bench >= 0 &&
				    ((unsigned)cp->runs[i].bench < cp->lo ||
				    (unsigned)cp->runs[i].bench > cp->hi)))
					any = true;
			if (!any)
				break;
		}
		if (cp->progress && hq_wall_ms() - last_draw >= 500) {
			progress_draw(cp);
			last_draw = hq_wall_ms();
		}
		nanosleep(&ts, NULL);
	}
	if (cp->progress)
		progress_draw(cp);
	pending = 0;
	for (i = 0; i < cp->nruns; i++)
		pending += cp->runs[i].state == CP_PENDING;
	return write_summary(cp, pending == 0 && !cp_stop);
}

/* --- the command ---------------------------------------------------- */

static int
parse_range(const char *s, unsigned *lo, unsigned *hi)
{
	const char *dash = strchr(s, '-');
	uint64_t a, b;

	if (dash == NULL) {
		if (hq_parse_u64(s, strlen(s), 255, &a) != 0)
			return -1;
		*lo = *hi = (unsigned)a;
		return 0;
	}
	if (hq_parse_u64(s, (size_t)(dash - s), 255, &a) != 0 ||
	    hq_parse_u64(dash + 1, strlen(dash + 1), 255, &b) != 0 || b < a)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

/* The campaign's source record: the file, its base directory, and the
 * signing key given on the command line (absolute paths). */
static int
src_write(struct campaign *cp, const cJSON *doc, const char *base,
    struct hq_err *err)
{
	cJSON *o = cJSON_CreateObject();
	char path[PATH_MAX + 32], *s;
	int rc;

	cJSON_AddStringToObject(o, "format", "hopquy-campaign-source/1");
	cJSON_AddStringToObject(o, "file", cp->file);
	cJSON_AddStringToObject(o, "base", base);
	if (cp->sign_key != NULL) {
		cJSON *sg = cJSON_AddObjectToObject(o, "sign");

		cJSON_AddStringToObject(sg, "key", cp->sign_key);
		cJSON_AddStringToObject(sg, "cert", cp->sign_cert);
	}
	cJSON_AddItemToObject(o, "campaign", cJSON_Duplicate(doc, true));
	s = cJSON_Print(o);
	cJSON_Delete(o);
	if (s == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	snprintf(path, sizeof(path), "%s/%s", cp->dir, CP_SRC);
	rc = hq_file_write_atomic(path, s, strlen(s), 0644, err);
	free(s);
	return rc;
}

static char *
abs_or_null(const char *p)
{
	char buf[PATH_MAX];

	if (p == NULL)
		return NULL;
	if (realpath(p, buf) == NULL)
		return strdup(p);
	return strdup(buf);
}

static int
usage_err(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "hopquy campaign: %s\n", msg);
	fputs(usage_campaign, stderr);
	return HQ_EXIT_USAGE;
}

int
hq_cli_campaign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "bench-range", required_argument, NULL, 'R' },
		{ "resume", required_argument, NULL, 'r' },
		{ "sign", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct campaign cp;
	struct hq_err err = { 0 };
	const char *out = NULL, *resume = NULL, *key = NULL, *cert = NULL;
	char *text = NULL, base[PATH_MAX], path[PATH_MAX + 32], stamp[32];
	cJSON *doc = NULL, *src = NULL;
	const cJSON *camp;
	size_t len, i, kept = 0;
	uint64_t v;
	ssize_t n;
	int c, rc, status;

	memset(&cp, 0, sizeof(cp));
	cp.lo = 0;
	cp.hi = 255;
	cp.jobs = 1;
	while ((c = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'j':
			if (hq_parse_u64(optarg, strlen(optarg), 256, &v) != 0 ||
			    v == 0)
				return usage_err("-j: expected 1 to 256");
			cp.jobs = (unsigned)v;
			break;
		case 'R':
			if (parse_range(optarg, &cp.lo, &cp.hi) != 0)
				return usage_err("--bench-range: expected A-B "
				    "within 0-255");
			break;
		case 'r': resume = optarg; break;
		case 'k': key = optarg; break;
		case 'c': cert = optarg; break;
		case 'q': cp.quiet = true; break;
		case 'h': fputs(usage_campaign, stdout); return 0;
		default: return usage_err(NULL);
		}
	}
	if ((key == NULL) != (cert == NULL))
		return usage_err("--sign and --cert go together");
	if (resume != NULL ? optind != argc || out != NULL || key != NULL :
	    optind + 1 != argc)
		return usage_err(resume != NULL ? "--resume DIR takes no FILE, "
		    "-o or --sign (they are the campaign's)" : "one FILE");
	cp.progress = !cp.quiet && isatty(STDERR_FILENO);
	cp.started = hq_wall_ms();
	if ((n = readlink("/proc/self/exe", cp.exe, sizeof(cp.exe) - 1)) <=
	    0) {
		fprintf(stderr, "hopquy: /proc/self/exe: %s\n",
		    strerror(errno));
		return HQ_EXIT_SOFTWARE;
	}
	cp.exe[n] = '\0';
	if (resume != NULL) {
		const cJSON *sg;

		snprintf(cp.dir, sizeof(cp.dir), "%s", resume);
		snprintf(path, sizeof(path), "%s/%s", resume, CP_SRC);
		if ((rc = hq_file_slurp(path, CP_FILE_MAX, &text, &len,
		    &err)) != 0 ||
		    (rc = hq_jv_parse(path, text, len, &src, &err)) != 0)
			goto fail;
		camp = cJSON_GetObjectItemCaseSensitive(src, "campaign");
		if (jstr(src, "base") == NULL || jstr(src, "file") == NULL ||
		    camp == NULL) {
			rc = hq_err_set(&err, HQ_EINVAL, "%s: not a campaign "
			    "directory's record", path);
			goto fail;
		}
		snprintf(base, sizeof(base), "%s", jstr(src, "base"));
		cp.file = (char *)jstr(src, "file");
		if ((rc = campaign_parse(&cp, camp, base, &err)) != 0)
			goto fail;
		if ((sg = cJSON_GetObjectItemCaseSensitive(src, "sign")) !=
		    NULL && jstr(sg, "key") != NULL && jstr(sg, "cert") !=
		    NULL) {
			free(cp.sign_key);
			free(cp.sign_cert);
			cp.sign_key = strdup(jstr(sg, "key"));
			cp.sign_cert = strdup(jstr(sg, "cert"));
		}
	} else {
		char *dup;

		cp.file = argv[optind];
		if ((rc = hq_file_slurp(cp.file, CP_FILE_MAX, &text, &len,
		    &err)) != 0 ||
		    (rc = hq_jv_parse(cp.file, text, len, &doc, &err)) != 0)
			goto fail;
		if ((dup = abs_or_null(cp.file)) == NULL) {
			rc = hq_err_set(&err, HQ_ENOMEM, "no memory");
			goto fail;
		}
		snprintf(base, sizeof(base), "%s", dirname(dup));
		free(dup);
		if ((rc = campaign_parse(&cp, doc, base, &err)) != 0)
			goto fail;
		if (key != NULL) {
			free(cp.sign_key);
			free(cp.sign_cert);
			cp.sign_key = abs_or_null(key);
			cp.sign_cert = abs_or_null(cert);
		}
		if (out != NULL)
			snprintf(cp.dir, sizeof(cp.dir), "%s", out);
		else {
			time_t t = time(NULL);
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
			snprintf(cp.dir, sizeof(cp.dir), "runs/campaign-%s-%s",
			    cp.name, stamp);
		}
		snprintf(path, sizeof(path), "%s/%s", cp.dir, CP_SRC);
		if (access(path, F_OK) == 0) {
			rc = hq_err_set(&err, HQ_EUSAGE, "%s already holds a "
			    "campaign; use --resume %s or another -o", cp.dir,
			    cp.dir);
			goto fail;
		}
		if ((rc = hq_mkdirs(cp.dir, 0755, &err)) != 0 ||
		    (rc = src_write(&cp, doc, base, &err)) != 0)
			goto fail;
	}
	if ((cp.sign_key == NULL) != (cp.sign_cert == NULL)) {
		rc = hq_err_set(&err, HQ_EINVAL, "sign: key and cert go "
		    "together");
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/logs", cp.dir);
	if ((rc = hq_mkdirs(path, 0755, &err)) != 0 ||
	    (rc = hq_mkdirs(HQ_RUN_DIR, 0700, &err)) != 0)
		goto fail;
	for (i = 0; i < cp.nruns; i++) {
		if (run_finished(&cp, &cp.runs[i])) {
			cp.runs[i].state = CP_KEPT;
			kept++;
		} else
			run_set_aside(&cp, &cp.runs[i]);
	}
	if (!cp.quiet)
		fprintf(stderr, "campaign %s: %zu DUTs, %zu runs (%zu kept "
		    "from before), -j %u, bench %u-%u, in %s\n", cp.name,
		    cp.nduts, cp.nruns, kept, cp.jobs, cp.lo, cp.hi, cp.dir);
	status = campaign_loop(&cp);
	if (!cp.quiet) {
		size_t nd = 0;

		for (i = 0; i < cp.nruns; i++)
			nd += cp.runs[i].state == CP_ENDED ||
			    cp.runs[i].state == CP_KEPT;
		printf("campaign %s: %s: %zu of %zu runs done%s\n"
		    "summary: %s/campaign.json\n", cp.name,
		    status == HQ_EXIT_PASS ? "PASS" : status == HQ_EXIT_FAIL ?
		    "FAIL" : "INCONCLUSIVE", nd, cp.nruns,
		    cp_stop ? " (interrupted: --resume to finish)" : "",
		    cp.dir);
	}
	goto out;
 fail:
	fprintf(stderr, "hopquy: %s\n", err.code != 0 ? err.msg :
	    hq_err_name(rc));
	status = hq_cli_exit_for(rc);
 out:
	campaign_free(&cp);
	cJSON_Delete(doc);
	cJSON_Delete(src);
	free(text);
	return status;
}
