/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The body shared by util/..._lazy.c (util/lazy.h): with FUNCS(X) listing
 * the library's functions hopquy calls and SONAME defined, L(f) is the
 * real f, the library loaded on the first call.
 */
#include <pthread.h>

#include "util/lazy.h"

enum {
#define X(n) I_##n,
	FUNCS(X)
#undef X
	NFUNCS
};
static void *fp[NFUNCS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load(void)
{
	static const char *const names[] = {
#define X(n) #n,
		FUNCS(X)
#undef X
	};

	hq_lazy_load(SONAME, names, fp, NFUNCS);
}

#define L(n)	(pthread_once(&once, load), (__typeof__(n) *)fp[I_##n])
