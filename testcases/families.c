/* SPDX-License-Identifier: Apache-2.0 */
/* The registry: the only file that names every family. */
#include <string.h>

#include "family.h"

extern const struct hq_family hq_family_assessment;
extern const struct hq_family hq_family_aisafety;
extern const struct hq_family hq_family_creds;
extern const struct hq_family hq_family_disclosure;
extern const struct hq_family hq_family_deletion;
extern const struct hq_family hq_family_input;
extern const struct hq_family hq_family_netcut;
extern const struct hq_family hq_family_resilience;
extern const struct hq_family hq_family_surface;
extern const struct hq_family hq_family_tls;
extern const struct hq_family hq_family_update;
extern const struct hq_family hq_family_unauth;

const struct hq_family *const hq_families[] = {
	&hq_family_assessment,
	&hq_family_aisafety,
	&hq_family_creds,
	&hq_family_disclosure,
	&hq_family_deletion,
	&hq_family_input,
	&hq_family_netcut,
	&hq_family_resilience,
	&hq_family_surface,
	&hq_family_tls,
	&hq_family_update,
	&hq_family_unauth,
	NULL
};

const struct hq_family *
hq_family_find(const char *name)
{
	size_t i;

	for (i = 0; hq_families[i] != NULL; i++)
		if (strcmp(hq_families[i]->name, name) == 0)
			return hq_families[i];
	return NULL;
}
