/* SPDX-License-Identifier: Apache-2.0 */
/* Error carrier.  Never allocates, so it works when memory is gone. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "util/err.h"

int
hq_err_vset(struct hq_err *err, int code, const char *fmt, va_list ap)
{
	if (err == NULL || err->code != 0)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int
hq_err_set(struct hq_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hq_err_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int
hq_err_sys(struct hq_err *err, const char *what)
{
	return hq_err_set(err, HQ_EIO, "%s: %s", what, strerror(errno));
}

int
hq_err_tls(struct hq_err *err, const char *what)
{
	char buf[256] = "no detail";
	unsigned long e, last = 0;

	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last != 0)
		ERR_error_string_n(last, buf, sizeof(buf));
	return hq_err_set(err, HQ_ETLS, "%s: %s", what, buf);
}

void
hq_err_clear(struct hq_err *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

const char *
hq_err_name(int code)
{
	switch (code) {
	case 0:			return "ok";
	case HQ_ENOMEM:		return "out of memory";
	case HQ_EINVAL:		return "invalid input";
	case HQ_EPROTO:		return "protocol error";
	case HQ_ETIMEDOUT:	return "timeout";
	case HQ_EIO:		return "i/o error";
	case HQ_ETLS:		return "tls error";
	case HQ_EINTERNAL:	return "internal error";
	case HQ_EUNREACH:	return "unreachable";
	case HQ_EINTR:		return "interrupted";
	case HQ_EBUSY:		return "busy";
	case HQ_EUSAGE:		return "usage";
	default:		return "unknown error";
	}
}
