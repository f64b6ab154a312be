// SPDX-License-Identifier: Apache-2.0
/*
 * libcurl, loaded when first used.  Linking libcurl pulls ~25 shared
 * libraries (Kerberos, LDAP, GnuTLS via librtmp, libssh2, nghttp2, ...)
 * whose loading and relocation cost every hopquy process ~6 ms before
 * main, although most commands and families never speak HTTP (a `run` of
 * the tls family, `report`, `bench`).  So the binary is not linked with
 * libcurl: this file defines the libcurl functions hopquy calls, each
 * forwarding to the real one, resolved once (pthread_once) from
 * libcurl.so.4 with dlopen.  libcurl's own libssl and libcrypto are the
 * ones already loaded, so OpenSSL's state is shared as before.
 *
 * The variadic setters forward the one argument with the type libcurl
 * reads for that option (the option number's range says which: long,
 * object or function pointer, curl_off_t; curl.h's CURLOPTTYPE_*).
 * Without libcurl every call fails the way libcurl reports a failure
 * (NULL, CURLE_FAILED_INIT, CURLM_INTERNAL_ERROR), once logged.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <curl/curl.h>
#include "util/log.h"

#define CURL_SONAME	"libcurl.so.4"

#define CURL_FUNCS(X) \
	X(curl_easy_cleanup) X(curl_easy_escape) X(curl_easy_getinfo) \
	X(curl_easy_init) X(curl_easy_perform) X(curl_easy_setopt) \
	X(curl_easy_strerror) X(curl_free) X(curl_mime_addpart) \
	X(curl_mime_filedata) X(curl_mime_free) X(curl_mime_init) \
	X(curl_mime_name) X(curl_mime_type) X(curl_multi_add_handle) \
	X(curl_multi_cleanup) X(curl_multi_info_read) X(curl_multi_init) \
	X(curl_multi_perform) X(curl_multi_poll) \
	X(curl_multi_remove_handle) X(curl_multi_setopt) \
	X(curl_slist_append) X(curl_slist_free_all)

static struct {
#define X(n) __typeof__(n) *n;
	CURL_FUNCS(X)
#undef X
} F;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load(void)
{
	void *h;

	if ((h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		hq_error("%s", dlerror());
		return;
	}
	/* All or nothing: a libcurl missing one of them is not used. */
#define X(n) if ((*(void **)&F.n = dlsym(h, #n)) == NULL) goto missing;
	CURL_FUNCS(X)
#undef X
	return;
 missing:
	hq_error("%s: a function hopquy needs is missing", CURL_SONAME);
#define X(n) F.n = NULL;
	CURL_FUNCS(X)
#undef X
}

static int
ready(void)
{
	pthread_once(&once, load);
	return F.curl_easy_init != NULL;
}

/* One variadic argument, typed by the option's range (curl.h). */
union curl_arg {
	long l;
	void *p;
	void (*fn)(void);
	curl_off_t o;
};

static union curl_arg
opt_arg(int option, va_list ap)
{
	union curl_arg a;

	if (option < CURLOPTTYPE_OBJECTPOINT)
		a.l = va_arg(ap, long);
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		a.p = va_arg(ap, void *);
	else if (option < CURLOPTTYPE_OFF_T)
		a.fn = va_arg(ap, void (*)(void));
	else if (option < CURLOPTTYPE_BLOB)
		a.o = va_arg(ap, curl_off_t);
	else
		a.p = va_arg(ap, void *);
	return a;
}

#define OPT_CALL(call, h, option, a) \
	((option) < CURLOPTTYPE_OBJECTPOINT ? call(h, option, (a).l) : \
	 (option) < CURLOPTTYPE_FUNCTIONPOINT ? call(h, option, (a).p) : \
	 (option) < CURLOPTTYPE_OFF_T ? call(h, option, (a).fn) : \
	 (option) < CURLOPTTYPE_BLOB ? call(h, option, (a).o) : \
	 call(h, option, (a).p))

CURLcode
curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	union curl_arg a;
	va_list ap;

	if (!ready())
		return CURLE_FAILED_INIT;
	va_start(ap, option);
	a = opt_arg((int)option, ap);
	va_end(ap);
	return OPT_CALL(F.curl_easy_setopt, h, option, a);
}

CURLMcode
curl_multi_setopt(CURLM *h, CURLMoption option, ...)
{
	union curl_arg a;
	va_list ap;

	if (!ready())
		return CURLM_INTERNAL_ERROR;
	va_start(ap, option);
	a = opt_arg((int)option, ap);
	va_end(ap);
	return OPT_CALL(F.curl_multi_setopt, h, option, a);
}

/* Every CURLINFO_* result is written through one pointer. */
CURLcode
curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	void *p;
	va_list ap;

	if (!ready())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	p = va_arg(ap, void *);
	va_end(ap);
	return F.curl_easy_getinfo(h, info, p);
}

CURL *
curl_easy_init(void)
{
	return ready() ? F.curl_easy_init() : NULL;
}

void
curl_easy_cleanup(CURL *h)
{
	if (ready())
		F.curl_easy_cleanup(h);
}

CURLcode
curl_easy_perform(CURL *h)
{
	return ready() ? F.curl_easy_perform(h) : CURLE_FAILED_INIT;
}

const char *
curl_easy_strerror(CURLcode c)
{
	return ready() ? F.curl_easy_strerror(c) : "libcurl not available";
}

char *
curl_easy_escape(CURL *h, const char *s, int len)
{
	return ready() ? F.curl_easy_escape(h, s, len) : NULL;
}

void
curl_free(void *p)
{
	if (ready())
		F.curl_free(p);
}

struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
	return ready() ? F.curl_slist_append(l, s) : NULL;
}

void
curl_slist_free_all(struct curl_slist *l)
{
	if (ready())
		F.curl_slist_free_all(l);
}

curl_mime *
curl_mime_init(CURL *h)
{
	return ready() ? F.curl_mime_init(h) : NULL;
}

void
curl_mime_free(curl_mime *m)
{
	if (ready())
		F.curl_mime_free(m);
}

curl_mimepart *
curl_mime_addpart(curl_mime *m)
{
	return ready() ? F.curl_mime_addpart(m) : NULL;
}

CURLcode
curl_mime_name(curl_mimepart *p, const char *name)
{
	return ready() ? F.curl_mime_name(p, name) : CURLE_FAILED_INIT;
}

CURLcode
curl_mime_type(curl_mimepart *p, const char *type)
{
	return ready() ? F.curl_mime_type(p, type) : CURLE_FAILED_INIT;
}

CURLcode
curl_mime_filedata(curl_mimepart *p, const char *file)
{
	return ready() ? F.curl_mime_filedata(p, file) : CURLE_FAILED_INIT;
}

CURLM *
curl_multi_init(void)
{
	return ready() ? F.curl_multi_init() : NULL;
}

CURLMcode
curl_multi_cleanup(CURLM *m)
{
	return ready() ? F.curl_multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_add_handle(CURLM *m, CURL *h)
{
	return ready() ? F.curl_multi_add_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_remove_handle(CURLM *m, CURL *h)
{
	return ready() ? F.curl_multi_remove_handle(m, h) :
	    CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_perform(CURLM *m, int *running)
{
	return ready() ? F.curl_multi_perform(m, running) :
	    CURLM_INTERNAL_ERROR;
}

CURLMcode
curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n,
    int timeout_ms, int *numfds)
{
	return ready() ? F.curl_multi_poll(m, extra, n, timeout_ms, numfds) :
	    CURLM_INTERNAL_ERROR;
}

CURLMsg *
curl_multi_info_read(CURLM *m, int *left)
{
	return ready() ? F.curl_multi_info_read(m, left) : NULL;
}
