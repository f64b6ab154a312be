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

static bool
selected(const char *only, const char *id)
{
	const char *p = only;

	if (only == NULL || only[0] == '\0')
		return true;
	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);

		/* An exact id, or a prefix ending at a separator. */
		if (n > 0 && strncmp(p, id, n) == 0 && (id[n] == '\0' ||
		    p[n - 1] == '/' || p[n - 1] == '.' || id[n] == '.' ||
		    id[n] == '/' || id[n] == '-'))
			return true;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return false;
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

	plan->nitems = 0;
	if ((plan->items = calloc(p->ncases, sizeof(*plan->items))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "plan: no memory");
	for (i = 0; i < p->ncases; i++) {
		const struct hq_case *tc = &p->cases[i];
		struct hq_plan_item *it = &plan->items[i];
		const struct hq_claim *cl;

		it->tc = tc;
		it->applicable = false;
		if (!selected(only, tc->id)) {
			snprintf(it->reason, sizeof(it->reason),
			    "not selected for this run (--only %.100s)", only);
		} else if (!has_class(p->classes, p->nclasses, dut->dclass)) {
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
		} else {
			it->applicable = true;
			cl = tc->claim != NULL ? hq_dut_claim(dut, tc->claim) :
			    NULL;
			if (cl != NULL && strcmp(cl->support, "no") == 0)
				snprintf(it->reason, sizeof(it->reason),
				    "runs; the manufacturer declares %s not "
				    "supported: %.150s", tc->claim, cl->detail);
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
		    "NOT_APPLICABLE");
		cJSON_AddStringToObject(t, "reason", it->reason);
		cJSON_AddItemToArray(items, t);
	}
	return o;
}
