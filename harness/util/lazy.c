/* SPDX-License-Identifier: Apache-2.0 */
/* Libraries loaded on first use (util/lazy.h). */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

#include "util/lazy.h"

void
hq_lazy_load(const char *soname, const char *const *names, void **fns,
    size_t n)
{
	const char *why;
	void *h;
	size_t i;

	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		goto fail;
	}
	for (i = 0; i < n; i++)
		if ((fns[i] = dlsym(h, names[i])) == NULL) {
			why = dlerror();
			goto fail;
		}
	return;
 fail:
	fflush(stdout);
	fprintf(stderr, "hopquy: cannot load %s, which this command needs: "
	    "%s\n", soname, why != NULL ? why : "unknown error");
	_exit(127);
}
