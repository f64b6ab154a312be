/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lab configuration loading.  Strict: unknown keys, wrong types and
 * over-long strings are errors naming their JSON path.  What is kept is a
 * fresh tree of validated fields; nothing points into the parsed file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/lab.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/util.h"

struct hq_lab {
	char	 path[1024];
	char	 sha256[65];
	cJSON	*sections;	/* laboratory, customer, item, ambient,
				 * signatory */
};

/* Copies the string fields of obj named in keys (req: the first nreq are
 * required) into out. */
static int
copy_strs(const cJSON *obj, const char *path, const char *const *keys,
    size_t nreq, cJSON *out, struct hq_err *err)
{
	size_t i;
	char *s;
	int rc;

	for (i = 0; keys[i] != NULL; i++) {
		if ((rc = hq_jv_str(obj, path, keys[i], i < nreq,
		    HQ_LAB_STR_MAX, &s, err)) != 0)
			return rc;
		if (s != NULL) {
			cJSON_AddStringToObject(out, keys[i], s);
			free(s);
		}
	}
	return 0;
}

static int
section(const cJSON *root, const char *key, bool required,
    const char *const *keys, size_t nreq, cJSON *out, cJSON **secp,
    struct hq_err *err)
{
	const cJSON *o;
	cJSON *sec;
	int rc;

	*secp = NULL;
	if ((rc = hq_jv_get(root, "", key, cJSON_Object, required, &o,
	    err)) != 0 || o == NULL)
		return rc;
	if ((rc = hq_jv_keys(o, key, keys, err)) != 0)
		return rc;
	if ((sec = cJSON_AddObjectToObject(out, key)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "lab: no memory");
	*secp = sec;
	return copy_strs(o, key, keys, nreq, sec, err);
}

static int
lab_from_json(const cJSON *root, cJSON *out, struct hq_err *err)
{
	static const char *const top[] = { "format", "laboratory",
	    "customer", "signatory", "item", "ambient", NULL };
	static const char *const lab[] = { "name", "address",
	    "accreditation", "contact", "identifier", NULL };
	static const char *const lab_s[] = { "name", "address", "contact",
	    "identifier", NULL };
	static const char *const accr[] = { "body", "number", "standard",
	    "scope", NULL };
	static const char *const cust[] = { "name", "address", "contact",
	    "reference", NULL };
	static const char *const sig[] = { "name", "role", "contact", NULL };
	static const char *const item[] = { "condition", "received",
	    "sampling", NULL };
	static const char *const amb[] = { "location", "temperature_c",
	    "humidity_pct", "notes", NULL };
	static const char *const amb_s[] = { "location", "notes", NULL };
	static const char *const fmt[] = { HQ_LAB_FORMAT, NULL };
	const cJSON *o, *a;
	cJSON *sec, *acc;
	char *s = NULL;
	double v;
	int rc;

	if ((rc = hq_jv_keys(root, "", top, err)) != 0 ||
	    (rc = hq_jv_enum(root, "", "format", true, fmt, &s, err)) != 0)
		goto out;
	/* laboratory: name and address required (17025 7.8.2.1 b). */
	if ((rc = hq_jv_get(root, "", "laboratory", cJSON_Object, true, &o,
	    err)) != 0 || (rc = hq_jv_keys(o, "laboratory", lab, err)) != 0)
		goto out;
	if ((sec = cJSON_AddObjectToObject(out, "laboratory")) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "lab: no memory");
		goto out;
	}
	if ((rc = copy_strs(o, "laboratory", lab_s, 2, sec, err)) != 0 ||
	    (rc = hq_jv_get(o, "laboratory", "accreditation", cJSON_Object,
	    false, &a, err)) != 0)
		goto out;
	if (a != NULL) {
		if ((rc = hq_jv_keys(a, "laboratory.accreditation", accr,
		    err)) != 0)
			goto out;
		acc = cJSON_AddObjectToObject(sec, "accreditation");
		if ((rc = copy_strs(a, "laboratory.accreditation", accr, 2,
		    acc, err)) != 0)
			goto out;
	}
	if ((rc = section(root, "customer", true, cust, 1, out, &sec,
	    err)) != 0 ||
	    (rc = section(root, "signatory", true, sig, 2, out, &sec,
	    err)) != 0 ||
	    (rc = section(root, "item", false, item, 0, out, &sec, err)) != 0)
		goto out;
	if ((rc = hq_jv_get(root, "", "ambient", cJSON_Object, false, &o,
	    err)) != 0 || o == NULL)
		goto out;
	if ((rc = hq_jv_keys(o, "ambient", amb, err)) != 0)
		goto out;
	sec = cJSON_AddObjectToObject(out, "ambient");
	if ((rc = copy_strs(o, "ambient", amb_s, 0, sec, err)) != 0)
		goto out;
	if (cJSON_GetObjectItemCaseSensitive(o, "temperature_c") != NULL) {
		if ((rc = hq_jv_num(o, "ambient", "temperature_c", true,
		    -40.0, 85.0, 0, &v, err)) != 0)
			goto out;
		cJSON_AddNumberToObject(sec, "temperature_c", v);
	}
	if (cJSON_GetObjectItemCaseSensitive(o, "humidity_pct") != NULL) {
		if ((rc = hq_jv_num(o, "ambient", "humidity_pct", true, 0.0,
		    100.0, 0, &v, err)) != 0)
			goto out;
		cJSON_AddNumberToObject(sec, "humidity_pct", v);
	}
 out:
	free(s);
	return rc;
}

int
hq_lab_load(const char *path, struct hq_lab **labp, struct hq_err *err)
{
	struct hq_lab *lab = NULL;
	cJSON *root = NULL;
	char *text = NULL;
	size_t len;
	int rc;

	*labp = NULL;
	if ((rc = hq_file_slurp(path, HQ_LAB_FILE_MAX, &text, &len,
	    err)) != 0 ||
	    (rc = hq_jv_parse(path, text, len, &root, err)) != 0)
		goto out;
	if ((lab = calloc(1, sizeof(*lab))) == NULL ||
	    (lab->sections = cJSON_CreateObject()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "lab: no memory");
		goto out;
	}
	if ((rc = lab_from_json(root, lab->sections, err)) != 0) {
		if (err != NULL && strncmp(err->msg, path, strlen(path)) != 0) {
			struct hq_err e2 = { 0 };

			hq_err_set(&e2, rc, "%s: %s", path, err->msg);
			*err = e2;
		}
		goto out;
	}
	snprintf(lab->path, sizeof(lab->path), "%s", path);
	hq_sha256_hex(text, len, lab->sha256);
	*labp = lab;
	lab = NULL;
 out:
	hq_lab_free(lab);
	cJSON_Delete(root);
	free(text);
	return rc;
}

void
hq_lab_free(struct hq_lab *lab)
{
	if (lab == NULL)
		return;
	cJSON_Delete(lab->sections);
	free(lab);
}

cJSON *
hq_lab_report_json(const struct hq_lab *lab, const char *signer,
    const char *keyid)
{
	static const char *const copy[] = { "laboratory", "customer", "item",
	    "ambient", NULL };
	const cJSON *s;
	cJSON *o, *auth, *sig;
	size_t i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	for (i = 0; lab != NULL && copy[i] != NULL; i++)
		if ((s = cJSON_GetObjectItemCaseSensitive(lab->sections,
		    copy[i])) != NULL)
			cJSON_AddItemToObject(o, copy[i],
			    cJSON_Duplicate(s, 1));
	if (lab != NULL) {
		s = cJSON_GetObjectItemCaseSensitive(o, "laboratory");
		cJSON_AddStringToObject((cJSON *)s, "configuration_file",
		    lab->path);
		cJSON_AddStringToObject((cJSON *)s, "configuration_sha256",
		    lab->sha256);
	}
	auth = cJSON_AddObjectToObject(o, "authorisation");
	s = lab != NULL ? cJSON_GetObjectItemCaseSensitive(lab->sections,
	    "signatory") : NULL;
	if (s != NULL) {
		const cJSON *c;

		cJSON_ArrayForEach(c, s)
			cJSON_AddItemToObject(auth, c->string,
			    cJSON_Duplicate(c, 1));
	} else
		cJSON_AddStringToObject(auth, "name", "not stated");
	if (signer != NULL) {
		sig = cJSON_AddObjectToObject(auth, "signature");
		cJSON_AddStringToObject(sig, "file", "report.json.p7s");
		cJSON_AddStringToObject(sig, "format", "CMS SignedData, "
		    "detached, DER (RFC 5652)");
		cJSON_AddStringToObject(sig, "signer", signer);
		if (keyid != NULL)
			cJSON_AddStringToObject(sig, "keyid", keyid);
	} else
		cJSON_AddNullToObject(auth, "signature");
	return o;
}
