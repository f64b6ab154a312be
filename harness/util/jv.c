/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict JSON field access.  Messages follow one shape so that users can
 * find the field: "<path>: expected <what>, got <what>".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/jv.h"
#include "util/util.h"

void
hq_jv_path(char *out, size_t outsz, const char *path, const char *key)
{
	if (path == NULL || path[0] == '\0')
		snprintf(out, outsz, "%s", key);
	else
		snprintf(out, outsz, "%s.%s", path, key);
}

void
hq_jv_index(char *out, size_t outsz, const char *path, size_t i)
{
	snprintf(out, outsz, "%s[%zu]", path == NULL ? "" : path, i);
}

const char *
hq_jv_typename(const cJSON *item)
{
	if (item == NULL)
		return "nothing";
	if (cJSON_IsNull(item))
		return "null";
	if (cJSON_IsBool(item))
		return "a boolean";
	if (cJSON_IsNumber(item))
		return "a number";
	if (cJSON_IsString(item))
		return "a string";
	if (cJSON_IsArray(item))
		return "an array";
	if (cJSON_IsObject(item))
		return "an object";
	return "an unknown value";
}

static const char *
type_want(int type)
{
	switch (type) {
	case cJSON_Object:	return "an object";
	case cJSON_Array:	return "an array";
	case cJSON_String:	return "a string";
	case cJSON_Number:	return "a number";
	case cJSON_True:
	case cJSON_False:	return "a boolean";
	default:		return "a value";
	}
}

static bool
type_is(const cJSON *item, int type)
{
	switch (type) {
	case 0:			return true;
	case cJSON_True:
	case cJSON_False:	return cJSON_IsBool(item);
	default:		return (item->type & 0xff) == type;
	}
}

int
hq_jv_keys(const cJSON *obj, const char *path, const char *const *allowed,
    struct hq_err *err)
{
	const cJSON *c;
	char sub[HQ_JV_PATH_MAX];

	if (!cJSON_IsObject(obj))
		return hq_err_set(err, HQ_EINVAL, "%s: expected an object, "
		    "got %s", path[0] ? path : "(top)", hq_jv_typename(obj));
	cJSON_ArrayForEach(c, obj) {
		size_t i;
		bool known = false, dup = false;
		const cJSON *d;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], c->string) == 0)
				known = true;
		hq_jv_path(sub, sizeof(sub), path, c->string);
		if (!known)
			return hq_err_set(err, HQ_EINVAL,
			    "%s: unknown key (allowed here: %s%s%s%s%s...)",
			    sub, allowed[0] ? allowed[0] : "none",
			    allowed[0] && allowed[1] ? ", " : "",
			    allowed[0] && allowed[1] ? allowed[1] : "",
			    allowed[0] && allowed[1] && allowed[2] ? ", " : "",
			    allowed[0] && allowed[1] && allowed[2] ?
			    allowed[2] : "");
		for (d = obj->child; d != c; d = d->next)
			if (strcmp(d->string, c->string) == 0)
				dup = true;
		if (dup)
			return hq_err_set(err, HQ_EINVAL,
			    "%s: key appears twice", sub);
	}
	return 0;
}

int
hq_jv_get(const cJSON *obj, const char *path, const char *key, int type,
    bool required, const cJSON **itemp, struct hq_err *err)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	char sub[HQ_JV_PATH_MAX];

	*itemp = NULL;
	hq_jv_path(sub, sizeof(sub), path, key);
	if (item == NULL || cJSON_IsNull(item)) {
		if (required)
			return hq_err_set(err, HQ_EINVAL,
			    "%s: required key missing (expected %s)", sub,
			    type_want(type));
		return 0;
	}
	if (!type_is(item, type))
		return hq_err_set(err, HQ_EINVAL, "%s: expected %s, got %s",
		    sub, type_want(type), hq_jv_typename(item));
	*itemp = item;
	return 0;
}

int
hq_jv_str(const cJSON *obj, const char *path, const char *key,
    bool required, size_t maxlen, char **outp, struct hq_err *err)
{
	const cJSON *item;
	char sub[HQ_JV_PATH_MAX];
	size_t len;
	int rc;

	*outp = NULL;
	if ((rc = hq_jv_get(obj, path, key, cJSON_String, required, &item,
	    err)) != 0 || item == NULL)
		return rc;
	if (maxlen == 0)
		maxlen = HQ_JV_STR_MAX;
	len = strlen(item->valuestring);
	hq_jv_path(sub, sizeof(sub), path, key);
	if (len == 0 || len > maxlen)
		return hq_err_set(err, HQ_EINVAL,
		    "%s: expected a string of 1 to %zu bytes, got %zu bytes",
		    sub, maxlen, len);
	if ((*outp = hq_strndup(item->valuestring, len)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "%s: no memory", sub);
	return 0;
}

int
hq_jv_enum(const cJSON *obj, const char *path, const char *key,
    bool required, const char *const *choices, char **outp,
    struct hq_err *err)
{
	char sub[HQ_JV_PATH_MAX], list[512] = "";
	size_t i, o = 0;
	int rc;

	if ((rc = hq_jv_str(obj, path, key, required, 0, outp, err)) != 0 ||
	    *outp == NULL)
		return rc;
	for (i = 0; choices[i] != NULL; i++) {
		if (strcmp(choices[i], *outp) == 0)
			return 0;
		o += (size_t)snprintf(list + o, o < sizeof(list) ?
		    sizeof(list) - o : 0, "%s%s", i ? ", " : "", choices[i]);
		if (o >= sizeof(list))
			o = sizeof(list) - 1;
	}
	hq_jv_path(sub, sizeof(sub), path, key);
	rc = hq_err_set(err, HQ_EINVAL, "%s: expected one of %s, got \"%.64s\"",
	    sub, list, *outp);
	free(*outp);
	*outp = NULL;
	return rc;
}

int
hq_jv_int(const cJSON *obj, const char *path, const char *key,
    bool required, long long min, long long max, long long dflt,
    long long *outp, struct hq_err *err)
{
	const cJSON *item;
	char sub[HQ_JV_PATH_MAX];
	double v;
	int rc;

	*outp = dflt;
	if ((rc = hq_jv_get(obj, path, key, 0, required, &item,
	    err)) != 0 || item == NULL)
		return rc;
	hq_jv_path(sub, sizeof(sub), path, key);
	if (!cJSON_IsNumber(item))
		return hq_err_set(err, HQ_EINVAL, "%s: expected an integer from "
		    "%lld to %lld, got %s", sub, min, max, hq_jv_typename(item));
	v = item->valuedouble;
	if (!isfinite(v) || v != floor(v) || v < (double)min ||
	    v > (double)max)
		return hq_err_set(err, HQ_EINVAL,
		    "%s: expected an integer from %lld to %lld, got %g", sub,
		    min, max, v);
	*outp = (long long)v;
	return 0;
}

int
hq_jv_num(const cJSON *obj, const char *path, const char *key,
    bool required, double min, double max, double dflt, double *outp,
    struct hq_err *err)
{
	const cJSON *item;
	char sub[HQ_JV_PATH_MAX];
	int rc;

	*outp = dflt;
	if ((rc = hq_jv_get(obj, path, key, cJSON_Number, required, &item,
	    err)) != 0 || item == NULL)
		return rc;
	hq_jv_path(sub, sizeof(sub), path, key);
	if (!isfinite(item->valuedouble) || item->valuedouble < min ||
	    item->valuedouble > max)
		return hq_err_set(err, HQ_EINVAL,
		    "%s: expected a number from %g to %g, got %g", sub, min,
		    max, item->valuedouble);
	*outp = item->valuedouble;
	return 0;
}

int
hq_jv_bool(const cJSON *obj, const char *path, const char *key,
    bool required, bool dflt, bool *outp, struct hq_err *err)
{
	const cJSON *item;
	int rc;

	*outp = dflt;
	if ((rc = hq_jv_get(obj, path, key, cJSON_True, required, &item,
	    err)) != 0 || item == NULL)
		return rc;
	*outp = cJSON_IsTrue(item);
	return 0;
}

void
hq_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
hq_jv_strv(const cJSON *obj, const char *path, const char *key,
    bool required, size_t max, char ***vp, size_t *np, struct hq_err *err)
{
	const cJSON *arr, *c;
	char sub[HQ_JV_PATH_MAX], el[HQ_JV_PATH_MAX];
	char **v = NULL;
	size_t n = 0, cnt;
	int rc;

	*vp = NULL;
	*np = 0;
	if ((rc = hq_jv_get(obj, path, key, cJSON_Array, required, &arr,
	    err)) != 0 || arr == NULL)
		return rc;
	hq_jv_path(sub, sizeof(sub), path, key);
	cnt = (size_t)cJSON_GetArraySize(arr);
	if (cnt > max)
		return hq_err_set(err, HQ_EINVAL,
		    "%s: expected at most %zu entries, got %zu", sub, max, cnt);
	if (cnt > 0 && (v = calloc(cnt, sizeof(*v))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "%s: no memory", sub);
	cJSON_ArrayForEach(c, arr) {
		size_t len;

		hq_jv_index(el, sizeof(el), sub, n);
		if (!cJSON_IsString(c)) {
			rc = hq_err_set(err, HQ_EINVAL,
			    "%s: expected a string, got %s", el,
			    hq_jv_typename(c));
			goto fail;
		}
		len = strlen(c->valuestring);
		if (len == 0 || len > HQ_JV_STR_MAX) {
			rc = hq_err_set(err, HQ_EINVAL,
			    "%s: expected a string of 1 to %d bytes", el,
			    HQ_JV_STR_MAX);
			goto fail;
		}
		if ((v[n] = hq_strndup(c->valuestring, len)) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "%s: no memory", el);
			goto fail;
		}
		n++;
	}
	*vp = v;
	*np = n;
	return 0;
 fail:
	hq_strv_free(v, n);
	return rc;
}

bool
hq_utf8_valid(const char *p, size_t len, size_t *badp)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			goto bad;
		if (len - i - 1 < n)
			goto bad;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += n + 1;
	}
	return true;
 bad:
	if (badp != NULL)
		*badp = i;
	return false;
}

/* Nesting depth of the raw text, outside strings; cheap and bounded. */
static size_t
text_depth(const char *p, size_t len)
{
	size_t i, depth = 0, maxd = 0;
	bool instr = false;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (instr) {
			if (c == '\\')
				i++;
			else if (c == '"')
				instr = false;
			continue;
		}
		if (c == '"')
			instr = true;
		else if (c == '{' || c == '[') {
			if (++depth > maxd)
				maxd = depth;
		} else if ((c == '}' || c == ']') && depth > 0)
			depth--;
	}
	return maxd;
}

static void
line_col(const char *text, size_t off, size_t *linep, size_t *colp)
{
	size_t i, line = 1, col = 1;

	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	*linep = line;
	*colp = col;
}

int
hq_jv_parse(const char *file, const char *text, size_t len, cJSON **rootp,
    struct hq_err *err)
{
	const char *end = NULL;
	size_t bad, line, col, depth;
	cJSON *root;

	*rootp = NULL;
	if (len == 0)
		return hq_err_set(err, HQ_EINVAL, "%s: empty file", file);
	if (memchr(text, '\0', len) != NULL)
		return hq_err_set(err, HQ_EINVAL,
		    "%s: contains a NUL byte; not a JSON text", file);
	if (!hq_utf8_valid(text, len, &bad)) {
		line_col(text, bad, &line, &col);
		return hq_err_set(err, HQ_EINVAL,
		    "%s:%zu:%zu: not valid UTF-8 (byte %zu)", file, line, col,
		    bad);
	}
	if ((depth = text_depth(text, len)) > HQ_JV_DEPTH_MAX)
		return hq_err_set(err, HQ_EINVAL,
		    "%s: nested %zu levels deep, at most %d allowed", file,
		    depth, HQ_JV_DEPTH_MAX);
	/* text[len] is the NUL our readers add; cJSON's "nothing after the
	 * value" check needs to see it (it fails at offset == length). */
	if (text[len] != '\0')
		return hq_err_set(err, HQ_EINTERNAL, "%s: text not terminated",
		    file);
	root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (root == NULL) {
		size_t off = end != NULL && end >= text && end <= text + len ?
		    (size_t)(end - text) : len;

		/* cJSON reports where it stopped; at the end: truncated. */
		line_col(text, off, &line, &col);
		return hq_err_set(err, HQ_EINVAL, "%s:%zu:%zu: not valid JSON%s",
		    file, line, col, off >= len ? " (truncated?)" : "");
	}
	*rootp = root;
	return 0;
}
