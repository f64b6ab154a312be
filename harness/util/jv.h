/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict JSON field access for loaders and families' check_params.  Each
 * getter is given the JSON path of the object it reads ("" at the top,
 * "testcases[3].params") and reports errors as "<path>.<key>: expected
 * <what>, got <what>".  Unknown keys are rejected by hq_jv_keys().
 */
#ifndef HQ_JV_H
#define HQ_JV_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct hq_err;

#define HQ_JV_PATH_MAX	256
#define HQ_JV_STR_MAX	4096	/* default cap for a string field */

/* path + "." + key (or key alone at the top) into out. */
void	hq_jv_path(char *out, size_t outsz, const char *path, const char *key);
/* path + "[i]" into out. */
void	hq_jv_index(char *out, size_t outsz, const char *path, size_t i);
/* "a string", "an object", ... for messages. */
const char *hq_jv_typename(const cJSON *item);

/* obj must be an object whose keys are all in allowed (NULL-terminated). */
int	hq_jv_keys(const cJSON *obj, const char *path,
	    const char *const *allowed, struct hq_err *err);
/* The member key of type (cJSON_Object, cJSON_Array, ...; 0: any), or NULL
 * when absent and not required.  Present with JSON null counts as absent. */
int	hq_jv_get(const cJSON *obj, const char *path, const char *key,
	    int type, bool required, const cJSON **itemp, struct hq_err *err);
/* A string of 1..maxlen bytes (0: HQ_JV_STR_MAX), duplicated into *outp
 * (NULL when absent and not required). */
int	hq_jv_str(const cJSON *obj, const char *path, const char *key,
	    bool required, size_t maxlen, char **outp, struct hq_err *err);
/* A string that must be one of choices. */
int	hq_jv_enum(const cJSON *obj, const char *path, const char *key,
	    bool required, const char *const *choices, char **outp,
	    struct hq_err *err);
/* An integer within [min, max]; dflt when absent and not required. */
int	hq_jv_int(const cJSON *obj, const char *path, const char *key,
	    bool required, long long min, long long max, long long dflt,
	    long long *outp, struct hq_err *err);
/* A number within [min, max]. */
int	hq_jv_num(const cJSON *obj, const char *path, const char *key,
	    bool required, double min, double max, double dflt, double *outp,
	    struct hq_err *err);
int	hq_jv_bool(const cJSON *obj, const char *path, const char *key,
	    bool required, bool dflt, bool *outp, struct hq_err *err);
/* An array of 0..max strings (each 1..HQ_JV_STR_MAX bytes), duplicated. */
int	hq_jv_strv(const cJSON *obj, const char *path, const char *key,
	    bool required, size_t max, char ***vp, size_t *np,
	    struct hq_err *err);
void	hq_strv_free(char **v, size_t n);

/* True when p[0..len) is well-formed UTF-8 (no overlongs, surrogates). */
bool	hq_utf8_valid(const char *p, size_t len, size_t *badp);
/*
 * Parses text as JSON with our checks: UTF-8, nesting depth, size; errors
 * name file, line and column.  text[len] must be a NUL (as hq_file_slurp
 * leaves it).
 */
int	hq_jv_parse(const char *file, const char *text, size_t len,
	    cJSON **rootp, struct hq_err *err);

#define HQ_JV_DEPTH_MAX	64

#endif
