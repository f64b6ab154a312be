/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error codes and the error carrier passed last to everything that can
 * fail.  Codes are negative; 0 is success.  The first error set is kept
 * (the innermost cause); outer layers add nothing unless they clear it.
 */
#ifndef HQ_ERR_H
#define HQ_ERR_H

#include <stdarg.h>

#define HQ_ENOMEM	(-1)	/* allocation failed */
#define HQ_EINVAL	(-2)	/* bad profile, DUT file or argument */
#define HQ_EPROTO	(-3)	/* the DUT sent what we cannot parse */
#define HQ_ETIMEDOUT	(-4)	/* a deadline passed */
#define HQ_EIO		(-5)	/* system call failed (errno text) */
#define HQ_ETLS		(-6)	/* OpenSSL failed (its error queue) */
#define HQ_EINTERNAL	(-7)	/* our own bug or an impossible state */
#define HQ_EUNREACH	(-8)	/* the DUT cannot be reached */
#define HQ_EINTR	(-9)	/* the run was interrupted (SIGINT/SIGTERM) */
#define HQ_EBUSY	(-10)	/* bench locked, journal pending */
#define HQ_EUSAGE	(-11)	/* command line misuse */

#define HQ_ERR_MSG_MAX	512

struct hq_err {
	int	code;
	char	msg[HQ_ERR_MSG_MAX];
};

/* Keeps the first error (the innermost cause) and returns code. */
int	hq_err_set(struct hq_err *err, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	hq_err_vset(struct hq_err *err, int code, const char *fmt,
	    va_list ap) __attribute__((format(printf, 3, 0)));
/* HQ_EIO with ": " and strerror(errno) appended. */
int	hq_err_sys(struct hq_err *err, const char *what);
/* HQ_ETLS with OpenSSL's queue appended; the queue is emptied. */
int	hq_err_tls(struct hq_err *err, const char *what);
/* Handled; carrying on. */
void	hq_err_clear(struct hq_err *err);
/* A static name for a code ("timeout", ...). */
const char *hq_err_name(int code);

#endif
