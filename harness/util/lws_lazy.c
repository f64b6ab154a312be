/* SPDX-License-Identifier: Apache-2.0 */
/* libwebsockets, loaded on first use (util/lazy.h). */
#include <libwebsockets.h>

#define SONAME	"libwebsockets.so.17"
#define FUNCS(X) \
	X(lws_cancel_service) X(lws_client_connect_via_info) \
	X(lws_context_destroy) X(lws_context_user) X(lws_create_context) \
	X(lws_get_context) X(lws_is_final_fragment) \
	X(lws_is_first_fragment) X(lws_service) X(lws_set_log_level)
#include "util/lazy_tmpl.h"

void
lws_cancel_service(struct lws_context *c)
{
	L(lws_cancel_service)(c);
}

struct lws *
lws_client_connect_via_info(const struct lws_client_connect_info *i)
{
	return L(lws_client_connect_via_info)(i);
}

void
lws_context_destroy(struct lws_context *c)
{
	L(lws_context_destroy)(c);
}

void *
lws_context_user(struct lws_context *c)
{
	return L(lws_context_user)(c);
}

struct lws_context *
lws_create_context(const struct lws_context_creation_info *i)
{
	return L(lws_create_context)(i);
}

struct lws_context *
lws_get_context(const struct lws *w)
{
	return L(lws_get_context)(w);
}

int
lws_is_final_fragment(struct lws *w)
{
	return L(lws_is_final_fragment)(w);
}

int
lws_is_first_fragment(struct lws *w)
{
	return L(lws_is_first_fragment)(w);
}

int
lws_service(struct lws_context *c, int timeout_ms)
{
	return L(lws_service)(c, timeout_ms);
}

void
lws_set_log_level(int level, void (*emit)(int, const char *))
{
	L(lws_set_log_level)(level, emit);
}
