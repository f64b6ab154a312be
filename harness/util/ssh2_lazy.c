/* SPDX-License-Identifier: Apache-2.0 */
/* libssh2, loaded on first use (util/lazy.h). */
#include <libssh2.h>

#define SONAME	"libssh2.so.1"
#define FUNCS(X) \
	X(libssh2_init) X(libssh2_session_block_directions) \
	X(libssh2_session_disconnect_ex) X(libssh2_session_free) \
	X(libssh2_session_handshake) X(libssh2_session_init_ex) \
	X(libssh2_session_last_errno) X(libssh2_session_last_error) \
	X(libssh2_session_set_blocking) X(libssh2_userauth_authenticated) \
	X(libssh2_userauth_keyboard_interactive_ex) X(libssh2_userauth_list) \
	X(libssh2_userauth_password_ex)
#include "util/lazy_tmpl.h"

int
libssh2_init(int flags)
{
	return L(libssh2_init)(flags);
}

int
libssh2_session_block_directions(LIBSSH2_SESSION *s)
{
	return L(libssh2_session_block_directions)(s);
}

int
libssh2_session_disconnect_ex(LIBSSH2_SESSION *s, int reason,
    const char *description, const char *lang)
{
	return L(libssh2_session_disconnect_ex)(s, reason, description, lang);
}

int
libssh2_session_free(LIBSSH2_SESSION *s)
{
	return L(libssh2_session_free)(s);
}

int
libssh2_session_handshake(LIBSSH2_SESSION *s, libssh2_socket_t sock)
{
	return L(libssh2_session_handshake)(s, sock);
}

LIBSSH2_SESSION *
libssh2_session_init_ex(LIBSSH2_ALLOC_FUNC((*a)), LIBSSH2_FREE_FUNC((*f)),
    LIBSSH2_REALLOC_FUNC((*r)), void *abstract)
{
	return L(libssh2_session_init_ex)(a, f, r, abstract);
}

int
libssh2_session_last_errno(LIBSSH2_SESSION *s)
{
	return L(libssh2_session_last_errno)(s);
}

int
libssh2_session_last_error(LIBSSH2_SESSION *s, char **msg, int *len,
    int want_buf)
{
	return L(libssh2_session_last_error)(s, msg, len, want_buf);
}

void
libssh2_session_set_blocking(LIBSSH2_SESSION *s, int blocking)
{
	L(libssh2_session_set_blocking)(s, blocking);
}

int
libssh2_userauth_authenticated(LIBSSH2_SESSION *s)
{
	return L(libssh2_userauth_authenticated)(s);
}

int
libssh2_userauth_keyboard_interactive_ex(LIBSSH2_SESSION *s,
    const char *user, unsigned int user_len,
    LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC((*cb)))
{
	return L(libssh2_userauth_keyboard_interactive_ex)(s, user, user_len,
	    cb);
}

char *
libssh2_userauth_list(LIBSSH2_SESSION *s, const char *user,
    unsigned int user_len)
{
	return L(libssh2_userauth_list)(s, user, user_len);
}

int
libssh2_userauth_password_ex(LIBSSH2_SESSION *s, const char *user,
    unsigned int user_len, const char *pw, unsigned int pw_len,
    LIBSSH2_PASSWD_CHANGEREQ_FUNC((*cb)))
{
	return L(libssh2_userauth_password_ex)(s, user, user_len, pw, pw_len,
	    cb);
}
