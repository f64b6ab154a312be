/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Profile loader.  Validates every field (types, ranges, required keys,
 * unknown keys rejected, ids unique, groups and families known) and asks
 * each family to validate its params.  Errors: "FILE: PATH: expected ...".
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/profile.h"
#include "family.h"
#include "model/dut.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/util.h"

#define ID_MAX		128
#define TEXT_MAX	4096

static const char *const top_keys[] = {
	"$schema", "format", "id", "title", "regulation", "issuer", "version",
	"status", "issued", "effective_from", "notes", "device_classes",
	"hs_codes", "decision_rule", "groups", "testcases", "consultation",
	NULL
};
static const char *const consultation_keys[] = { "from", "to", NULL };
static const char *const group_keys[] = { "id", "title", "clause",
	"mandatory", NULL };
static const char *const case_keys[] = {
	"id", "title", "description", "group", "clause", "refs", "family",
	"mandatory", "classes", "claim", "timeout_s", "params",
	"param_notes", "decision_rule", NULL
};
/* A case reusing another profile's: everything but the family may be
 * restated, params merge key by key over the case used. */
static const char *const use_keys[] = {
	"use", "id", "title", "description", "group", "clause", "refs",
	"mandatory", "classes", "claim", "timeout_s", "params", "param_notes",
	"decision_rule", NULL
};
#define USE_CACHE_MAX	16

/* The data-file params of a case, by name: a relative path is looked up
 * next to the profile, then in the installed data directory (as the
 * families do when they open it). */
static const char *const data_params[] = { "dictionary", NULL };

/* One top-level load: the chain of profiles being loaded (cycles) and the
 * profiles already loaded for "use" (each is loaded once). */
struct load_ctx {
	const char		*chain[HQ_PROFILE_USE_DEPTH];
	size_t			 depth;
	struct hq_profile	*cache[USE_CACHE_MAX];
	size_t			 ncache;
};

static int	profile_load(const char *path, struct load_ctx *lc,
		    struct hq_profile **pp, struct hq_err *err);

static const char *const rules[] = { "simple", "guarded-acceptance",
	"guarded-rejection", "inconclusive", NULL };
static const char *const statuses[] = {
	"draft", "voluntary", "in-force", "superseded", "lab", NULL
};
static const char *const formats[] = { "hopquy-profile/1", NULL };

static void
case_clear(struct hq_case *c)
{
	free(c->id);
	free(c->title);
	free(c->description);
	free(c->group);
	free(c->clause);
	hq_strv_free(c->refs, c->nrefs);
	free(c->family);
	hq_strv_free(c->classes, c->nclasses);
	free(c->claim);
	cJSON_Delete(c->params);
	cJSON_Delete(c->param_notes);
	free(c->use);
	free(c->origin);
}

void
hq_profile_free(struct hq_profile *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->path);
	free(p->id);
	free(p->title);
	free(p->regulation);
	free(p->issuer);
	free(p->version);
	free(p->status);
	free(p->effective_from);
	free(p->consult_from);
	free(p->consult_to);
	hq_strv_free(p->classes, p->nclasses);
	hq_strv_free(p->hs_codes, p->nhs_codes);
	for (i = 0; i < p->ngroups; i++) {
		free(p->groups[i].id);
		free(p->groups[i].title);
		free(p->groups[i].clause);
	}
	free(p->groups);
	for (i = 0; i < p->ncases; i++)
		case_clear(&p->cases[i]);
	free(p->cases);
	free(p);
}

static bool
valid_id(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '/' || c == '_'))
			return false;
	}
	return i > 0;
}

static int
check_classes(char **v, size_t n, const char *path, struct hq_err *err)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		bool known = false;

		for (k = 0; hq_device_classes[k] != NULL; k++)
			if (strcmp(v[i], hq_device_classes[k]) == 0)
				known = true;
		if (!known)
			return hq_err_set(err, HQ_EINVAL,
			    "%s[%zu]: unknown device class \"%.64s\" (known: "
			    "ip-camera, ai-camera, smart-lock, door-sensor, "
			    "hub, cnc-controller)", path, i, v[i]);
	}
	return 0;
}

static int
load_group(const cJSON *g, const char *path, struct hq_group *gr,
    struct hq_err *err)
{
	int rc;

	if ((rc = hq_jv_keys(g, path, group_keys, err)) != 0 ||
	    (rc = hq_jv_str(g, path, "id", true, ID_MAX, &gr->id, err)) != 0 ||
	    (rc = hq_jv_str(g, path, "title", true, 256, &gr->title,
	    err)) != 0 ||
	    (rc = hq_jv_str(g, path, "clause", false, 64, &gr->clause,
	    err)) != 0 ||
	    (rc = hq_jv_bool(g, path, "mandatory", false, true,
	    &gr->mandatory, err)) != 0)
		return rc;
	if (!valid_id(gr->id))
		return hq_err_set(err, HQ_EINVAL, "%s.id: expected lower-case "
		    "letters, digits and -._/, got \"%.64s\"", path, gr->id);
	return 0;
}

static int	load_use(const cJSON *t, const char *path,
		    const struct hq_profile *p, struct load_ctx *lc,
		    struct hq_case *c, struct hq_err *err);

static int
load_case(const cJSON *t, const char *path, const struct hq_profile *p,
    struct load_ctx *lc, struct hq_case *c, struct hq_err *err)
{
	const cJSON *params, *notes, *n;
	char sub[HQ_JV_PATH_MAX], *rule = NULL;
	struct hq_err ferr = { 0 };
	long long to;
	size_t i;
	int rc;

	if (cJSON_IsObject(t) &&
	    cJSON_GetObjectItemCaseSensitive(t, "use") != NULL)
		return load_use(t, path, p, lc, c, err);
	if ((rc = hq_jv_keys(t, path, case_keys, err)) != 0 ||
	    (rc = hq_jv_str(t, path, "id", true, ID_MAX, &c->id, err)) != 0 ||
	    (rc = hq_jv_str(t, path, "title", true, 256, &c->title,
	    err)) != 0 ||
	    (rc = hq_jv_str(t, path, "description", true, TEXT_MAX,
	    &c->description, err)) != 0 ||
	    (rc = hq_jv_str(t, path, "group", true, ID_MAX, &c->group,
	    err)) != 0 ||
	    (rc = hq_jv_str(t, path, "clause", false, 64, &c->clause,
	    err)) != 0 ||
	    (rc = hq_jv_strv(t, path, "refs", false, 32, &c->refs, &c->nrefs,
	    err)) != 0 ||
	    (rc = hq_jv_str(t, path, "family", true, 32, &c->family,
	    err)) != 0 ||
	    (rc = hq_jv_bool(t, path, "mandatory", true, true, &c->mandatory,
	    err)) != 0 ||
	    (rc = hq_jv_strv(t, path, "classes", false, 16, &c->classes,
	    &c->nclasses, err)) != 0 ||
	    (rc = hq_jv_str(t, path, "claim", false, ID_MAX, &c->claim,
	    err)) != 0 ||
	    (rc = hq_jv_int(t, path, "timeout_s", false, 1, 86400, 600, &to,
	    err)) != 0 ||
	    (rc = hq_jv_get(t, path, "params", cJSON_Object, true, &params,
	    err)) != 0 ||
	    (rc = hq_jv_get(t, path, "param_notes", cJSON_Object, false,
	    &notes, err)) != 0 ||
	    (rc = hq_jv_enum(t, path, "decision_rule", false, rules, &rule,
	    err)) != 0)
		return rc;
	c->timeout_s = (int)to;
	c->rule = p->rule;
	if (rule != NULL)
		hq_rule_parse(rule, &c->rule);
	free(rule);
	if (!valid_id(c->id))
		return hq_err_set(err, HQ_EINVAL, "%s.id: expected lower-case "
		    "letters, digits and -._/, got \"%.64s\"", path, c->id);
	hq_jv_path(sub, sizeof(sub), path, "classes");
	if ((rc = check_classes(c->classes, c->nclasses, sub, err)) != 0)
		return rc;
	if (hq_profile_group(p, c->group) == NULL)
		return hq_err_set(err, HQ_EINVAL, "%s.group: \"%.64s\" is not "
		    "one of the profile's groups", path, c->group);
	if ((c->fam = hq_family_find(c->family)) == NULL) {
		char list[256] = "";
		size_t o = 0;

		for (i = 0; hq_families[i] != NULL; i++)
			o += (size_t)snprintf(list + o, o < sizeof(list) ?
			    sizeof(list) - o : 0, "%s%s", i ? ", " : "",
			    hq_families[i]->name);
		return hq_err_set(err, HQ_EINVAL, "%s.family: unknown family "
		    "\"%.32s\" (known: %s)", path, c->family, list);
	}
	if (notes != NULL) {
		cJSON_ArrayForEach(n, notes) {
			hq_jv_path(sub, sizeof(sub), path, "param_notes");
			hq_jv_path(sub, sizeof(sub), sub, n->string);
			if (!cJSON_IsString(n))
				return hq_err_set(err, HQ_EINVAL,
				    "%s: expected a string, got %s", sub,
				    hq_jv_typename(n));
		}
	}
	if ((c->params = cJSON_Duplicate(params, 1)) == NULL ||
	    (c->param_notes = notes != NULL ? cJSON_Duplicate(notes, 1) :
	    cJSON_CreateObject()) == NULL ||
	    (c->origin = strdup(p->path)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "%s: no memory", path);
	if (c->fam->check_params != NULL &&
	    (rc = c->fam->check_params(c->params, &ferr)) != 0)
		return hq_err_set(err, rc, "%s.params.%s", path, ferr.msg);
	return 0;
}

/* "consultation": {"from", "to"}: a draft's public consultation period. */
static int
load_consultation(const cJSON *root, struct hq_profile *p,
    struct hq_err *err)
{
	const cJSON *c;
	int rc;

	if ((rc = hq_jv_get(root, "", "consultation", cJSON_Object, false, &c,
	    err)) != 0 || c == NULL)
		return rc;
	if ((rc = hq_jv_keys(c, "consultation", consultation_keys,
	    err)) != 0 ||
	    (rc = hq_jv_str(c, "consultation", "from", true, 32,
	    &p->consult_from, err)) != 0 ||
	    (rc = hq_jv_str(c, "consultation", "to", true, 32,
	    &p->consult_to, err)) != 0)
		return rc;
	return 0;
}

static int
profile_from_json(const cJSON *root, struct hq_profile *p,
    struct load_ctx *lc, struct hq_err *err)
{
	const cJSON *groups, *cases, *it;
	char sub[HQ_JV_PATH_MAX], *fmt = NULL, *rule = NULL;
	size_t i, k, n;
	int rc;

	if ((rc = hq_jv_keys(root, "", top_keys, err)) != 0 ||
	    (rc = hq_jv_enum(root, "", "format", true, formats, &fmt,
	    err)) != 0 ||
	    (rc = hq_jv_str(root, "", "id", true, ID_MAX, &p->id, err)) != 0 ||
	    (rc = hq_jv_str(root, "", "title", true, 512, &p->title,
	    err)) != 0 ||
	    (rc = hq_jv_str(root, "", "regulation", true, 256, &p->regulation,
	    err)) != 0 ||
	    (rc = hq_jv_str(root, "", "issuer", true, 256, &p->issuer,
	    err)) != 0 ||
	    (rc = hq_jv_str(root, "", "version", true, 32, &p->version,
	    err)) != 0 ||
	    (rc = hq_jv_enum(root, "", "status", true, statuses, &p->status,
	    err)) != 0 ||
	    (rc = hq_jv_str(root, "", "effective_from", false, 32,
	    &p->effective_from, err)) != 0 ||
	    (rc = hq_jv_strv(root, "", "device_classes", true, 16,
	    &p->classes, &p->nclasses, err)) != 0 ||
	    (rc = hq_jv_strv(root, "", "hs_codes", false, 64, &p->hs_codes,
	    &p->nhs_codes, err)) != 0 ||
	    (rc = hq_jv_enum(root, "", "decision_rule", false, rules, &rule,
	    err)) != 0 ||
	    (rc = hq_jv_get(root, "", "groups", cJSON_Array, true, &groups,
	    err)) != 0 ||
	    (rc = hq_jv_get(root, "", "testcases", cJSON_Array, true, &cases,
	    err)) != 0)
		goto out;
	p->rule = HQ_RULE_SIMPLE;
	if (rule != NULL)
		hq_rule_parse(rule, &p->rule);
	if (!valid_id(p->id)) {
		rc = hq_err_set(err, HQ_EINVAL, "id: expected lower-case "
		    "letters, digits and -._/, got \"%.64s\"", p->id);
		goto out;
	}
	if ((rc = check_classes(p->classes, p->nclasses, "device_classes",
	    err)) != 0 ||
	    (rc = load_consultation(root, p, err)) != 0)
		goto out;
	n = (size_t)cJSON_GetArraySize(groups);
	if (n == 0 || n > 64) {
		rc = hq_err_set(err, HQ_EINVAL, "groups: expected 1 to 64 "
		    "groups, got %zu", n);
		goto out;
	}
	if ((p->groups = calloc(n, sizeof(*p->groups))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "groups: no memory");
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(it, groups) {
		hq_jv_index(sub, sizeof(sub), "groups", i);
		p->ngroups = i + 1;
		if ((rc = load_group(it, sub, &p->groups[i], err)) != 0)
			goto out;
		for (k = 0; k < i; k++)
			if (strcmp(p->groups[k].id, p->groups[i].id) == 0) {
				rc = hq_err_set(err, HQ_EINVAL, "%s.id: \"%s\" "
				    "already used by groups[%zu]", sub,
				    p->groups[i].id, k);
				goto out;
			}
		i++;
	}
	for (k = 0; k < lc->depth; k++)
		if (strcmp(lc->chain[k], p->id) == 0) {
			rc = hq_err_set(err, HQ_EINVAL, "id: \"%s\": a cycle "
			    "of \"use\" references comes back to it", p->id);
			goto out;
		}
	if (lc->depth >= HQ_PROFILE_USE_DEPTH) {
		rc = hq_err_set(err, HQ_EINVAL, "\"use\" references nest "
		    "deeper than %d profiles", HQ_PROFILE_USE_DEPTH);
		goto out;
	}
	lc->chain[lc->depth++] = p->id;
	n = (size_t)cJSON_GetArraySize(cases);
	if (n == 0 || n > HQ_PROFILE_CASES_MAX) {
		rc = hq_err_set(err, HQ_EINVAL, "testcases: expected 1 to %d "
		    "test cases, got %zu", HQ_PROFILE_CASES_MAX, n);
		goto out;
	}
	if ((p->cases = calloc(n, sizeof(*p->cases))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "testcases: no memory");
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(it, cases) {
		hq_jv_index(sub, sizeof(sub), "testcases", i);
		p->ncases = i + 1;
		if ((rc = load_case(it, sub, p, lc, &p->cases[i],
		    err)) != 0)
			goto out;
		for (k = 0; k < i; k++)
			if (strcmp(p->cases[k].id, p->cases[i].id) == 0) {
				rc = hq_err_set(err, HQ_EINVAL, "%s.id: \"%s\" "
				    "already used by testcases[%zu]", sub,
				    p->cases[i].id, k);
				goto out;
			}
		i++;
	}
 out:
	if (lc->depth > 0 && p->id != NULL &&
	    lc->chain[lc->depth - 1] == p->id)
		lc->depth--;
	free(fmt);
	free(rule);
	return rc;
}

static int
profile_load(const char *path, struct load_ctx *lc, struct hq_profile **pp,
    struct hq_err *err)
{
	struct hq_profile *p = NULL;
	struct hq_err lerr = { 0 };
	cJSON *root = NULL;
	char *text = NULL;
	size_t len;
	int rc;

	*pp = NULL;
	if ((rc = hq_file_slurp(path, HQ_PROFILE_FILE_MAX, &text, &len,
	    err)) != 0)
		goto out;
	if ((rc = hq_jv_parse(path, text, len, &root, err)) != 0)
		goto out;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->path = strdup(path)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "%s: no memory", path);
		goto out;
	}
	hq_sha256_hex(text, len, p->sha256);
	if ((rc = profile_from_json(root, p, lc, &lerr)) != 0) {
		rc = hq_err_set(err, rc, "%s: %s", path, lerr.msg);
		goto out;
	}
	*pp = p;
	p = NULL;
 out:
	hq_profile_free(p);
	cJSON_Delete(root);
	free(text);
	return rc;
}

int
hq_profile_load(const char *path, struct hq_profile **pp, struct hq_err *err)
{
	struct load_ctx lc;
	size_t i;
	int rc;

	memset(&lc, 0, sizeof(lc));
	rc = profile_load(path, &lc, pp, err);
	for (i = 0; i < lc.ncache; i++)
		hq_profile_free(lc.cache[i]);
	return rc;
}

/* <dir>/<id>.json when readable. */
static bool
find_in(const char *dir, const char *id, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s.json", dir, id);
	return access(out, R_OK) == 0;
}

/*
 * The profile a "use" names (its id is the part before the first '/'),
 * loaded once per top-level load: next to the profile using it first,
 * then where hq_profile_find looks.
 */
static int
use_target(const struct hq_profile *p, const char *use, const char *path,
    struct load_ctx *lc, const struct hq_profile **tp, struct hq_err *err)
{
	const char *const *dirs = hq_profile_dirs();
	const char *slash = strchr(use, '/');
	char pid[ID_MAX + 1], dir[PATH_MAX], file[PATH_MAX + ID_MAX + 8];
	struct hq_profile *t = NULL;
	struct hq_err terr = { 0 };
	bool found;
	size_t i;
	int rc;

	*tp = NULL;
	if (slash == NULL || slash == use || slash[1] == '\0' ||
	    (size_t)(slash - use) > ID_MAX)
		return hq_err_set(err, HQ_EINVAL, "%s.use: expected "
		    "\"PROFILE/CASE\" (a case id of another profile), got "
		    "\"%.64s\"", path, use);
	snprintf(pid, sizeof(pid), "%.*s", (int)(slash - use), use);
	if (strcmp(pid, p->id) == 0)
		return hq_err_set(err, HQ_EINVAL, "%s.use: \"%.64s\" is a "
		    "case of this profile; \"use\" takes another profile's",
		    path, use);
	for (i = 0; i < lc->ncache; i++)
		if (strcmp(lc->cache[i]->id, pid) == 0) {
			*tp = lc->cache[i];
			return 0;
		}
	for (i = 0; i < lc->depth; i++)
		if (strcmp(lc->chain[i], pid) == 0)
			return hq_err_set(err, HQ_EINVAL, "%s.use: \"%.64s\": "
			    "a cycle: profile %s is already being loaded "
			    "(through %s)", path, use, pid, p->id);
	slash = strrchr(p->path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - p->path),
		    p->path);
	found = find_in(dir, pid, file, sizeof(file));
	for (i = 0; !found && dirs[i] != NULL; i++)
		found = find_in(dirs[i], pid, file, sizeof(file));
	if (!found)
		return hq_err_set(err, HQ_EINVAL, "%s.use: \"%.64s\": profile "
		    "%s not found (next to this profile, in $HQ_PROFILE_DIR, "
		    "./profiles and %s/profiles)", path, use, pid, HQ_DATADIR);
	if (lc->ncache >= USE_CACHE_MAX)
		return hq_err_set(err, HQ_EINVAL, "%s.use: more than %d "
		    "profiles used", path, USE_CACHE_MAX);
	if ((rc = profile_load(file, lc, &t, &terr)) != 0)
		return hq_err_set(err, rc, "%s.use: %.64s: %s", path, use,
		    terr.msg);
	if (strcmp(t->id, pid) != 0) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.use: %s holds profile "
		    "\"%.64s\", not %s", path, file, t->id, pid);
		hq_profile_free(t);
		return rc;
	}
	lc->cache[lc->ncache++] = t;
	*tp = t;
	return 0;
}

/* A copy of v[0..n) into *outp; *outp owns what was copied even on
 * failure (the count is set as it goes, for hq_strv_free). */
static int
strv_dup(char **v, size_t n, char ***outp, size_t *np)
{
	size_t i;

	*outp = NULL;
	*np = 0;
	if (n == 0)
		return 0;
	if ((*outp = calloc(n, sizeof(**outp))) == NULL)
		return HQ_ENOMEM;
	for (i = 0; i < n; i++) {
		if (((*outp)[i] = strdup(v[i])) == NULL)
			return HQ_ENOMEM;
		*np = i + 1;
	}
	return 0;
}

/* Replaces *dst with a copy of the string field key of t, when present. */
static int
use_str(const cJSON *t, const char *path, const char *key, size_t max,
    char **dst, struct hq_err *err)
{
	char *v = NULL;
	int rc;

	if ((rc = hq_jv_str(t, path, key, false, max, &v, err)) != 0)
		return rc;
	if (v != NULL) {
		free(*dst);
		*dst = v;
	}
	return 0;
}

/* The directory of file, made absolute, into out; false when unknown. */
static bool
abs_dir(const char *file, char *out)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(file, '/');

	if (slash == NULL)
		snprintf(tmp, sizeof(tmp), ".");
	else
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(slash - file), file);
	return realpath(tmp, out) != NULL;
}

/*
 * A reused case's data files (a relative "dictionary") sit next to the
 * profile that defines it; when that is another directory, the param
 * becomes that absolute path, so the family opening it (which looks next
 * to the running profile) finds the same file profile check found.
 */
static int
use_data_paths(const struct hq_profile *p, struct hq_case *c,
    struct hq_err *err)
{
	char od[PATH_MAX], pd[PATH_MAX], full[2 * PATH_MAX];
	const char *v;
	size_t k;

	if (!abs_dir(c->origin, od) || !abs_dir(p->path, pd) ||
	    strcmp(od, pd) == 0)
		return 0;
	for (k = 0; data_params[k] != NULL; k++) {
		v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    c->params, data_params[k]));
		if (v == NULL || v[0] == '/')
			continue;
		snprintf(full, sizeof(full), "%s/%s", od, v);
		if (access(full, R_OK) != 0)
			continue;	/* profile check names it */
		if (cJSON_ReplaceItemInObjectCaseSensitive(c->params,
		    data_params[k], cJSON_CreateString(full)) == 0)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	return 0;
}

/*
 * {"use": "PROFILE/CASE", "id": ..., "group": ..., "params": {...}}: the
 * case of another profile, defined once there, with this profile's id and
 * group, any field restated here, and params overridden key by key (each
 * override noted in param_notes and validated by the family).
 */
static int
load_use(const cJSON *t, const char *path, const struct hq_profile *p,
    struct load_ctx *lc, struct hq_case *c, struct hq_err *err)
{
	const struct hq_profile *tp;
	const struct hq_case *src;
	const cJSON *params, *notes, *n, *cls, *refs;
	char sub[HQ_JV_PATH_MAX], *rule = NULL, note[320];
	struct hq_err ferr = { 0 };
	long long to;
	int rc;

	if ((rc = hq_jv_keys(t, path, use_keys, err)) != 0 ||
	    (rc = hq_jv_str(t, path, "use", true, 2 * ID_MAX, &c->use,
	    err)) != 0 ||
	    (rc = hq_jv_str(t, path, "id", true, ID_MAX, &c->id, err)) != 0 ||
	    (rc = hq_jv_str(t, path, "group", true, ID_MAX, &c->group,
	    err)) != 0 ||
	    (rc = hq_jv_get(t, path, "params", cJSON_Object, false, &params,
	    err)) != 0 ||
	    (rc = hq_jv_get(t, path, "param_notes", cJSON_Object, false,
	    &notes, err)) != 0 ||
	    (rc = hq_jv_get(t, path, "classes", cJSON_Array, false, &cls,
	    err)) != 0 ||
	    (rc = hq_jv_get(t, path, "refs", cJSON_Array, false, &refs,
	    err)) != 0)
		return rc;
	if (!valid_id(c->id))
		return hq_err_set(err, HQ_EINVAL, "%s.id: expected lower-case "
		    "letters, digits and -._/, got \"%.64s\"", path, c->id);
	if (hq_profile_group(p, c->group) == NULL)
		return hq_err_set(err, HQ_EINVAL, "%s.group: \"%.64s\" is not "
		    "one of the profile's groups", path, c->group);
	if ((rc = use_target(p, c->use, path, lc, &tp, err)) != 0)
		return rc;
	if ((src = hq_profile_case(tp, c->use)) == NULL)
		return hq_err_set(err, HQ_EINVAL, "%s.use: \"%.64s\": no such "
		    "case in profile %s (%s)", path, c->use, tp->id, tp->path);
	/* The definition, copied; then what this profile restates. */
	if ((c->title = strdup(src->title)) == NULL ||
	    (c->description = strdup(src->description)) == NULL ||
	    (src->clause != NULL &&
	    (c->clause = strdup(src->clause)) == NULL) ||
	    (c->family = strdup(src->family)) == NULL ||
	    (src->claim != NULL && (c->claim = strdup(src->claim)) == NULL) ||
	    (c->origin = strdup(src->origin != NULL ? src->origin :
	    tp->path)) == NULL ||
	    strv_dup(src->refs, src->nrefs, &c->refs, &c->nrefs) != 0 ||
	    strv_dup(src->classes, src->nclasses, &c->classes,
	    &c->nclasses) != 0 ||
	    (c->params = cJSON_Duplicate(src->params, 1)) == NULL ||
	    (c->param_notes = cJSON_Duplicate(src->param_notes, 1)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "%s: no memory", path);
	c->fam = src->fam;
	c->mandatory = src->mandatory;
	c->timeout_s = src->timeout_s;
	c->rule = src->rule;
	if ((rc = use_str(t, path, "title", 256, &c->title, err)) != 0 ||
	    (rc = use_str(t, path, "description", TEXT_MAX, &c->description,
	    err)) != 0 ||
	    (rc = use_str(t, path, "clause", 64, &c->clause, err)) != 0 ||
	    (rc = use_str(t, path, "claim", ID_MAX, &c->claim, err)) != 0 ||
	    (rc = hq_jv_bool(t, path, "mandatory", false, src->mandatory,
	    &c->mandatory, err)) != 0 ||
	    (rc = hq_jv_int(t, path, "timeout_s", false, 1, 86400,
	    src->timeout_s, &to, err)) != 0 ||
	    (rc = hq_jv_enum(t, path, "decision_rule", false, rules, &rule,
	    err)) != 0)
		return rc;
	c->timeout_s = (int)to;
	if (rule != NULL)
		hq_rule_parse(rule, &c->rule);
	free(rule);
	if (refs != NULL) {
		hq_strv_free(c->refs, c->nrefs);
		c->refs = NULL;
		c->nrefs = 0;
		if ((rc = hq_jv_strv(t, path, "refs", false, 32, &c->refs,
		    &c->nrefs, err)) != 0)
			return rc;
	}
	if (cls != NULL) {
		hq_strv_free(c->classes, c->nclasses);
		c->classes = NULL;
		c->nclasses = 0;
		if ((rc = hq_jv_strv(t, path, "classes", false, 16,
		    &c->classes, &c->nclasses, err)) != 0)
			return rc;
	}
	hq_jv_path(sub, sizeof(sub), path, "classes");
	if ((rc = check_classes(c->classes, c->nclasses, sub, err)) != 0)
		return rc;
	if (params != NULL) {
		cJSON_ArrayForEach(n, params) {
			cJSON *dup = cJSON_Duplicate(n, 1);

			if (dup == NULL)
				return hq_err_set(err, HQ_ENOMEM, "%s: no "
				    "memory", path);
			if (cJSON_GetObjectItemCaseSensitive(c->params,
			    n->string) != NULL)
				cJSON_ReplaceItemInObjectCaseSensitive(
				    c->params, n->string, dup);
			else
				cJSON_AddItemToObject(c->params, n->string,
				    dup);
			snprintf(note, sizeof(note), "set by profile %s over "
			    "%s", p->id, c->use);
			cJSON_DeleteItemFromObjectCaseSensitive(c->param_notes,
			    n->string);
			cJSON_AddStringToObject(c->param_notes, n->string,
			    note);
		}
	}
	if (notes != NULL) {
		cJSON_ArrayForEach(n, notes) {
			hq_jv_path(sub, sizeof(sub), path, "param_notes");
			hq_jv_path(sub, sizeof(sub), sub, n->string);
			if (!cJSON_IsString(n))
				return hq_err_set(err, HQ_EINVAL,
				    "%s: expected a string, got %s", sub,
				    hq_jv_typename(n));
			cJSON_DeleteItemFromObjectCaseSensitive(c->param_notes,
			    n->string);
			cJSON_AddStringToObject(c->param_notes, n->string,
			    n->valuestring);
		}
	}
	if (c->fam->check_params != NULL &&
	    (rc = c->fam->check_params(c->params, &ferr)) != 0)
		return hq_err_set(err, rc, "%s.params.%s (over %s)", path,
		    ferr.msg, c->use);
	return use_data_paths(p, c, err);
}

const struct hq_case *
hq_profile_case(const struct hq_profile *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->ncases; i++)
		if (p->cases[i].id != NULL && strcmp(p->cases[i].id, id) == 0)
			return &p->cases[i];
	return NULL;
}

const struct hq_group *
hq_profile_group(const struct hq_profile *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->ngroups; i++)
		if (p->groups[i].id != NULL &&
		    strcmp(p->groups[i].id, id) == 0)
			return &p->groups[i];
	return NULL;
}

const char *const *
hq_profile_dirs(void)
{
	static const char *dirs[4];
	const char *env = getenv("HQ_PROFILE_DIR");
	size_t n = 0;

	if (env != NULL && env[0] != '\0')
		dirs[n++] = env;
	dirs[n++] = "profiles";
	dirs[n++] = HQ_DATADIR "/profiles";
	dirs[n] = NULL;
	return dirs;
}

int
hq_profile_find(const char *name, char *out, size_t outsz,
    struct hq_err *err)
{
	const char *const *dirs;
	size_t len = strlen(name), i;

	if (strchr(name, '/') != NULL ||
	    (len > 5 && strcmp(name + len - 5, ".json") == 0)) {
		snprintf(out, outsz, "%s", name);
		return 0;
	}
	if (!valid_id(name))
		return hq_err_set(err, HQ_EINVAL, "profile '%.64s': not an id "
		    "or a path", name);
	dirs = hq_profile_dirs();
	for (i = 0; dirs[i] != NULL; i++) {
		snprintf(out, outsz, "%s/%s.json", dirs[i], name);
		if (access(out, R_OK) == 0)
			return 0;
	}
	return hq_err_set(err, HQ_EINVAL, "profile '%s' not found (looked in "
	    "$HQ_PROFILE_DIR, ./profiles and %s/profiles)", name, HQ_DATADIR);
}

static cJSON *
strv_json(char **v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

cJSON *
hq_profile_to_json(const struct hq_profile *p)
{
	cJSON *o = cJSON_CreateObject(), *groups, *cases;
	size_t i;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "id", p->id);
	cJSON_AddStringToObject(o, "title", p->title);
	cJSON_AddStringToObject(o, "regulation", p->regulation);
	cJSON_AddStringToObject(o, "issuer", p->issuer);
	cJSON_AddStringToObject(o, "version", p->version);
	cJSON_AddStringToObject(o, "status", p->status);
	if (p->effective_from != NULL)
		cJSON_AddStringToObject(o, "effective_from",
		    p->effective_from);
	if (p->consult_from != NULL) {
		cJSON *c = cJSON_AddObjectToObject(o, "consultation");

		cJSON_AddStringToObject(c, "from", p->consult_from);
		cJSON_AddStringToObject(c, "to", p->consult_to);
	}
	cJSON_AddStringToObject(o, "path", p->path);
	cJSON_AddStringToObject(o, "sha256", p->sha256);
	cJSON_AddItemToObject(o, "device_classes",
	    strv_json(p->classes, p->nclasses));
	cJSON_AddItemToObject(o, "hs_codes",
	    strv_json(p->hs_codes, p->nhs_codes));
	cJSON_AddStringToObject(o, "decision_rule", hq_rule_name(p->rule));
	groups = cJSON_AddArrayToObject(o, "groups");
	for (i = 0; i < p->ngroups; i++) {
		cJSON *g = cJSON_CreateObject();

		cJSON_AddStringToObject(g, "id", p->groups[i].id);
		cJSON_AddStringToObject(g, "title", p->groups[i].title);
		if (p->groups[i].clause != NULL)
			cJSON_AddStringToObject(g, "clause",
			    p->groups[i].clause);
		cJSON_AddBoolToObject(g, "mandatory", p->groups[i].mandatory);
		cJSON_AddItemToArray(groups, g);
	}
	cJSON_AddItemToObject(o, "traceability", hq_profile_trace_json(p));
	cases = cJSON_AddArrayToObject(o, "testcases");
	for (i = 0; i < p->ncases; i++) {
		const struct hq_case *c = &p->cases[i];
		cJSON *t = cJSON_CreateObject();

		cJSON_AddStringToObject(t, "id", c->id);
		cJSON_AddStringToObject(t, "title", c->title);
		cJSON_AddStringToObject(t, "description", c->description);
		cJSON_AddStringToObject(t, "group", c->group);
		if (c->clause != NULL)
			cJSON_AddStringToObject(t, "clause", c->clause);
		cJSON_AddItemToObject(t, "refs", strv_json(c->refs, c->nrefs));
		cJSON_AddStringToObject(t, "family", c->family);
		if (c->use != NULL)
			cJSON_AddStringToObject(t, "use", c->use);
		cJSON_AddBoolToObject(t, "mandatory", c->mandatory);
		cJSON_AddItemToObject(t, "classes",
		    strv_json(c->classes, c->nclasses));
		if (c->claim != NULL)
			cJSON_AddStringToObject(t, "claim", c->claim);
		cJSON_AddNumberToObject(t, "timeout_s", c->timeout_s);
		cJSON_AddStringToObject(t, "decision_rule",
		    hq_rule_name(c->rule));
		cJSON_AddItemToObject(t, "params",
		    cJSON_Duplicate(c->params, 1));
		cJSON_AddItemToObject(t, "param_notes",
		    cJSON_Duplicate(c->param_notes, 1));
		cJSON_AddItemToArray(cases, t);
	}
	return o;
}

cJSON *
hq_profile_trace_json(const struct hq_profile *p)
{
	cJSON *a = cJSON_CreateArray();
	size_t g, i;

	for (g = 0; a != NULL && g < p->ngroups; g++) {
		const struct hq_group *gr = &p->groups[g];
		cJSON *o = cJSON_CreateObject(), *cs;

		cJSON_AddStringToObject(o, "requirement", gr->id);
		if (gr->clause != NULL)
			cJSON_AddStringToObject(o, "clause", gr->clause);
		cJSON_AddStringToObject(o, "title", gr->title);
		cJSON_AddBoolToObject(o, "mandatory", gr->mandatory);
		cs = cJSON_AddArrayToObject(o, "cases");
		for (i = 0; i < p->ncases; i++) {
			const struct hq_case *c = &p->cases[i];
			cJSON *t;

			if (strcmp(c->group, gr->id) != 0)
				continue;
			t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "id", c->id);
			cJSON_AddStringToObject(t, "family", c->family);
			if (c->use != NULL)
				cJSON_AddStringToObject(t, "use", c->use);
			cJSON_AddBoolToObject(t, "mandatory", c->mandatory);
			cJSON_AddItemToObject(t, "classes",
			    strv_json(c->classes, c->nclasses));
			cJSON_AddItemToObject(t, "refs",
			    strv_json(c->refs, c->nrefs));
			cJSON_AddItemToObject(t, "params",
			    cJSON_Duplicate(c->params, 1));
			cJSON_AddItemToArray(cs, t);
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}


int
hq_profile_check_data(const struct hq_profile *p, struct hq_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX * 2];
	const char *slash, *origin;
	size_t i, k;

	for (i = 0; i < p->ncases; i++) {
		const struct hq_case *c = &p->cases[i];

		/* A used case's files sit next to the profile defining it. */
		origin = c->origin != NULL ? c->origin : p->path;
		slash = strrchr(origin, '/');
		if (slash == NULL)
			snprintf(dir, sizeof(dir), ".");
		else
			snprintf(dir, sizeof(dir), "%.*s",
			    (int)(slash - origin), origin);

		for (k = 0; data_params[k] != NULL; k++) {
			const char *v = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(c->params,
			    data_params[k]));

			if (v == NULL)
				continue;
			if (v[0] == '/') {
				if (access(v, R_OK) == 0)
					continue;
				return hq_err_set(err, HQ_EINVAL, "%s: "
				    "testcases %s: params.%s: %s: cannot "
				    "read it", p->path, c->id, data_params[k],
				    v);
			}
			snprintf(path, sizeof(path), "%s/%s", dir, v);
			if (access(path, R_OK) == 0)
				continue;
			snprintf(path, sizeof(path), "%s/profiles/%s",
			    HQ_DATADIR, v);
			if (access(path, R_OK) == 0)
				continue;
			return hq_err_set(err, HQ_EINVAL, "%s: testcases %s: "
			    "params.%s: %.200s not found next to the profile "
			    "(%.200s) nor in %s/profiles", p->path, c->id,
			    data_params[k], v, dir, HQ_DATADIR);
		}
	}
	return 0;
}
