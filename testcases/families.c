/* SPDX-License-Identifier: Apache-2.0 */
/* The registry: the only file that names every family. */
#include <string.h>

#include "family.h"

extern const struct hq_family hq_family_creds;
extern const struct hq_family hq_family_input;
extern const struct hq_family hq_family_netcut;
extern const struct hq_family hq_family_surface;
extern const struct hq_family hq_family_tls;

const struct hq_family *const hq_families[] = {
	&hq_family_creds,
	&hq_family_input,
	&hq_family_netcut,
	&hq_family_surface,
	&hq_family_tls,
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
