/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The planner: profile x DUT -> test instances.  Every case of the profile
 * appears with its status and reason; nothing is dropped silently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine.h"
#include "core/profile.h"
#include "model/dut.h"
#include "util/err.h"

/* Does one selection item (item, n bytes) pick case tc of profile p? */
static bool
item_matches(const struct hq_profile *p, const char *item, size_t n,
    const struct hq_case *tc)
{
	const char *id = tc->id;
	size_t plen = strlen(p->id);

	if (n == 0)
		return false;
	/* A group id, bare ("g1") or with the profile's ("qcvn135-2024/g1"). */
	if (strlen(tc->group) == n && strncmp(item, tc->group, n) == 0)
		return true;
	if (n > plen + 1 && strncmp(item, p->id, plen) == 0 &&
	    item[plen] == '/' && strlen(tc->group) == n - plen - 1 &&
	    strncmp(item + plen + 1, tc->group, n - plen - 1) == 0)
		return true;
	/* A case id or a prefix of one ending at a separator; a prefix
	 * without the profile's id ("g5.3") is taken under it. */
	if (strncmp(id, p->id, plen) == 0 && id[plen] == '/' &&
	    strncmp(item, p->id, plen) != 0)
		id += plen + 1;
	if (strncmp(item, id, n) == 0 && (id[n] == '\0' ||
	    item[n - 1] == '/' || item[n - 1] == '.' || id[n] == '.' ||
	    id[n] == '/' || id[n] == '-'))
		return true;
	return false;
}

/* Is tc picked by any item of the selection? */
static bool
selected(const struct hq_profile *p, const char *only,
    const struct hq_case *tc)
{
	const char *s = only;

	if (only == NULL || only[0] == '\0')
		return true;
	while (*s != '\0') {
		const char *comma = strchr(s, ',');
		size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);

		if (item_matches(p, s, n, tc))
			return true;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	return false;
}

int
hq_plan_check_only(const struct hq_profile *p, const char *only,
    struct hq_err *err)
{
	const char *s = only;
	size_t i;

	if (only == NULL)
		return 0;
	if (only[0] == '\0')
		return hq_err_set(err, HQ_EUSAGE, "--only: an empty selection");
	while (*s != '\0') {
		const char *comma = strchr(s, ',');
		size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);
		bool hit = false;

		for (i = 0; i < p->ncases && !hit; i++)
			hit = item_matches(p, s, n, &p->cases[i]);
		if (!hit)
			return hq_err_set(err, HQ_EUSAGE, "--only %.*s: "
			    "matches no test case of profile %s",
			    (int)(n > 100 ? 100 : n), s, p->id);
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	return 0;
}

char *
hq_plan_valid_ids(const struct hq_profile *p)
{
	size_t i, k, cap = 64, len = 0;
	char *out, *nb;

	for (i = 0; i < p->ngroups; i++)
		cap += strlen(p->groups[i].id) + strlen(p->groups[i].title) +
		    32;
	for (i = 0; i < p->ncases; i++)
		cap += strlen(p->cases[i].id) + 8;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	out[0] = '\0';
	for (i = 0; i < p->ngroups; i++) {
		size_t nc = 0;

		for (k = 0; k < p->ncases; k++)
			nc += strcmp(p->cases[k].group, p->groups[i].id) == 0;
		if (nc == 0)
			continue;	/* nothing to select */
		len += (size_t)snprintf(out + len, cap - len, "  %-10s group: "
		    "%s\n", p->groups[i].id, p->groups[i].title);
		for (k = 0; k < p->ncases; k++)
			if (strcmp(p->cases[k].group, p->groups[i].id) == 0)
				len += (size_t)snprintf(out + len, cap - len,
				    "    %s\n", p->cases[k].id);
	}
	if ((nb = realloc(out, len + 1)) != NULL)
		out = nb;
	return out;
}

static bool
has_class(char **v, size_t n, const char *cls)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], cls) == 0)
			return true;
	return false;
}

static void
join(char *out, size_t outsz, char **v, size_t n)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && o < outsz; i++)
		o += (size_t)snprintf(out + o, outsz - o, "%s%s", i ? ", " : "",
		    v[i]);
}

int
hq_plan_build(const struct hq_profile *p, const struct hq_dut *dut,
    const char *only, struct hq_plan *plan, struct hq_err *err)
{
	size_t i;
	char list[160];
	int rc;

	plan->nitems = 0;
	plan->items = NULL;
	if ((rc = hq_plan_check_only(p, only, err)) != 0)
		return rc;
	if ((plan->items = calloc(p->ncases, sizeof(*plan->items))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "plan: no memory");
	for (i = 0; i < p->ncases; i++) {
		const struct hq_case *tc = &p->cases[i];
		struct hq_plan_item *it = &plan->items[i];
		const struct hq_claim *cl;

		it->tc = tc;
		it->applicable = false;
		it->selected = true;
		/* Applicability first: a case that does not apply is
		 * NOT_APPLICABLE whatever the selection. */
		if (!has_class(p->classes, p->nclasses, dut->dclass)) {
			join(list, sizeof(list), p->classes, p->nclasses);
			snprintf(it->reason, sizeof(it->reason), "the profile "
			    "covers %s; the DUT is a %s", list, dut->dclass);
		} else if (tc->nclasses > 0 &&
		    !has_class(tc->classes, tc->nclasses, dut->dclass)) {
			join(list, sizeof(list), tc->classes, tc->nclasses);
			snprintf(it->reason, sizeof(it->reason), "applies to "
			    "%s; the DUT is a %s", list, dut->dclass);
		} else if (tc->claim != NULL &&
		    (cl = hq_dut_claim(dut, tc->claim)) != NULL &&
		    strcmp(cl->support, "n/a") == 0) {
			snprintf(it->reason, sizeof(it->reason), "the "
			    "manufacturer declares %s not applicable: %.150s",
			    tc->claim, cl->detail);
		} else if (!selected(p, only, tc)) {
			it->selected = false;
			snprintf(it->reason, sizeof(it->reason),
			    "not selected for this run (--only "
			    "%.100s)", only);
		} else {
			it->applicable = true;
			cl = tc->claim != NULL ? hq_dut_claim(dut, tc->claim) :
			    NULL;
			if (cl != NULL && strcmp(cl->support, "no") == 0)
				snprintf(it->reason, sizeof(it->reason),
				    "runs; the manufacturer declares %s not "
				    "supported: %.150s", tc->claim, cl->detail);
			else if (strcmp(tc->family, "assessment") == 0)
				snprintf(it->reason, sizeof(it->reason),
				    "documentary: the engineer's verdict from "
				    "hopquy run --assess, else INCONCLUSIVE "
				    "(device class %s)", dut->dclass);
			else
				snprintf(it->reason, sizeof(it->reason),
				    "runs (device class %s%s%s)", dut->dclass,
				    cl != NULL ? ", claim " : "",
				    cl != NULL ? cl->key : "");
		}
		plan->nitems++;
	}
	return 0;
}

void
hq_plan_clear(struct hq_plan *plan)
{
	free(plan->items);
	plan->items = NULL;
	plan->nitems = 0;
}

cJSON *
hq_plan_to_json(const struct hq_plan *plan, const struct hq_profile *p,
    const struct hq_dut *dut)
{
	cJSON *o = cJSON_CreateObject(), *items;
	size_t i;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "profile", p->id);
	cJSON_AddStringToObject(o, "profile_version", p->version);
	cJSON_AddStringToObject(o, "profile_status", p->status);
	cJSON_AddItemToObject(o, "dut", hq_dut_identity_json(dut));
	items = cJSON_AddArrayToObject(o, "plan");
	for (i = 0; i < plan->nitems; i++) {
		const struct hq_plan_item *it = &plan->items[i];
		cJSON *t = cJSON_CreateObject();

		cJSON_AddStringToObject(t, "id", it->tc->id);
		cJSON_AddStringToObject(t, "title", it->tc->title);
		cJSON_AddStringToObject(t, "group", it->tc->group);
		cJSON_AddStringToObject(t, "family", it->tc->family);
		cJSON_AddBoolToObject(t, "mandatory", it->tc->mandatory);
		cJSON_AddStringToObject(t, "status", it->applicable ? "run" :
		    !it->selected ? "NOT_RUN" : "NOT_APPLICABLE");
		cJSON_AddStringToObject(t, "reason", it->reason);
		cJSON_AddItemToArray(items, t);
	}
	return o;
}
