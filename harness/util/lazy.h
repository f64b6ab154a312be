/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Libraries loaded on first use, for the ones only some families need
 * (libwebsockets, libssh2, libpng, libjpeg, ALSA: util/..._lazy.c).  Linked,
 * their loading, relocation and mappings cost every hopquy process, the
 * privilege-separated worker's fork included, ~1.5 ms before main (with
 * libcap and libz they bring); a `run` of the tls family, `report`,
 * `verify` and `bench` never call them.  Such a library is a dependency
 * like a linked one: one that cannot be loaded ends the process with a
 * message naming it (status 127, as the dynamic linker would have refused
 * to start it), never a call that silently does nothing.
 */
#ifndef HQ_UTIL_LAZY_H
#define HQ_UTIL_LAZY_H

#include <stddef.h>

/* Opens soname and resolves names[0..n-1] into fns[]; on any failure
 * prints why on stderr and _exits 127. */
void	hq_lazy_load(const char *soname, const char *const *names,
	    void **fns, size_t n);

#endif
