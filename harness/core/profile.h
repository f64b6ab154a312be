/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Regulation profiles: loading and validation of profiles/<id>.json
 * (profiles/profile.schema.json).  Every error names the file, the JSON
 * path and what was expected; the loader copies what it keeps out of the
 * JSON tree (params are a duplicated subtree owned by the case).
 */
#ifndef HQ_PROFILE_H
#define HQ_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/result.h"

struct hq_err;
struct hq_family;

#define HQ_PROFILE_FILE_MAX	(4u << 20)	/* 4 MiB */
#define HQ_PROFILE_CASES_MAX	1000
#define HQ_PROFILE_USE_DEPTH	8	/* profiles in one chain of "use" */

struct hq_group {
	char	*id;
	char	*title;
	char	*clause;
	bool	 mandatory;		/* default true */
};

struct hq_case {
	char	*id;			/* stable, e.g. "qcvn135-2024/g6.1" */
	char	*title;
	char	*description;		/* the method, for the report */
	char	*group;			/* a groups[].id */
	char	*clause;		/* clause of the regulation */
	char	**refs;			/* other standards' clauses */
	size_t	 nrefs;
	char	*family;
	const struct hq_family *fam;	/* resolved at load */
	bool	 mandatory;
	char	**classes;		/* device classes; none: all */
	size_t	 nclasses;
	char	*claim;			/* claims key, or NULL */
	int	 timeout_s;		/* whole case deadline */
	cJSON	*params;		/* owned duplicate (never NULL) */
	cJSON	*param_notes;		/* owned; per-param provenance */
	enum hq_rule rule;		/* decision rule: the case's own, else
					 * the profile's */
	char	*use;			/* the case it reuses ("use"), or NULL */
	char	*origin;		/* the file defining its params (data
					 * files are found next to it) */
};

struct hq_profile {
	char	*path;
	char	 sha256[65];
	char	*id;
	char	*title;
	char	*regulation;
	char	*issuer;
	char	*version;
	char	*status;
	char	*effective_from;
	char	*consult_from;		/* a draft's consultation, or NULL */
	char	*consult_to;
	char	**classes;		/* device classes it applies to */
	size_t	 nclasses;
	char	**hs_codes;
	size_t	 nhs_codes;
	enum hq_rule	 rule;		/* decision_rule (default simple) */
	struct hq_group	*groups;
	size_t	 ngroups;
	struct hq_case	*cases;
	size_t	 ncases;
};

/* Loads and validates path; *pp is the caller's (hq_profile_free). */
int	hq_profile_load(const char *path, struct hq_profile **pp,
	    struct hq_err *err);
void	hq_profile_free(struct hq_profile *p);
/* Lookups, NULL when not found; borrowed from p. */
const struct hq_case *hq_profile_case(const struct hq_profile *p,
	    const char *id);
const struct hq_group *hq_profile_group(const struct hq_profile *p,
	    const char *id);
/*
 * Finds a profile by id or path: a path with a '/' or ending ".json" is
 * taken as is; otherwise <dir>/<id>.json in $HQ_PROFILE_DIR, ./profiles,
 * then the installed data directory.  Writes the path found to out.
 */
int	hq_profile_find(const char *name, char *out, size_t outsz,
	    struct hq_err *err);
/* The profile directories searched, in order, NULL-terminated. */
const char *const *hq_profile_dirs(void);
/*
 * Resolves the data files the cases' params name (today: "dictionary",
 * next to the profile or in the installed data directory) into out; 0, or
 * HQ_EINVAL naming the case, the param and where it looked.  Run by
 * `profile check` and before a run, so a missing file stops nothing
 * half-way.
 */
int	hq_profile_check_data(const struct hq_profile *p, struct hq_err *err);
/*
 * The traceability matrix: per requirement group (in the profile's order,
 * those without a case too) its cases with family, "use" origin, refs and
 * parameters; a new array the caller frees.
 */
cJSON	*hq_profile_trace_json(const struct hq_profile *p);
/* A profile as JSON for `profile show --json` (caller frees); it holds
 * the matrix as "traceability". */
cJSON	*hq_profile_to_json(const struct hq_profile *p);

#endif
