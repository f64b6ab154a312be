/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pushing a firmware image to a device over HTTP(S) with libcurl, streamed
 * from disk (raw body by a read callback, or a multipart field by
 * curl_mime_filedata): memory use does not grow with the image.  The
 * answer (status, bounded body) is returned for the caller to judge; the
 * device's certificate is not validated here (the channel check is the
 * update family's business, through the TLS enumeration API).
 */
#ifndef HQ_FWPUSH_H
#define HQ_FWPUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct hq_err;

#define HQ_FWPUSH_BODY_MAX	(64u * 1024)	/* answer body kept */

struct hq_fwpush_opts {
	const char	*url;
	const char	*method;	/* "POST" or "PUT" */
	const char	*form_field;	/* multipart field, NULL: raw body */
	const char	*content_type;	/* raw body; NULL: octet-stream */
	const char	*user;		/* NULL: no authentication */
	const char	*password;
	long		 authmask;	/* CURLAUTH_* */
	int		 connect_timeout_ms;
	int		 timeout_ms;	/* the whole transfer */
};

struct hq_fwpush_res {
	long		 status;	/* 0: no HTTP answer */
	char		*body;		/* NUL-terminated, caller frees */
	size_t		 body_len;
	bool		 body_cut;	/* over HQFWPUSH_BODY_MAX */
	uint64_t	 sent;		/* request body bytes sent */
	int64_t		 ms;		/* transfer time */
	char		 transport[160];	/* libcurl's error, "" if none */
};

/*
 * Sends the file at path.  Returns 0 whenever the device answered or the
 * transfer failed (res->status 0 and res->transport say so): a failed
 * upload is an observation for the caller; HQ_EIO when the file cannot be
 * read, HQ_EINTR when interrupted.  Caller frees res->body.
 */
int	hq_fwpush(const struct hq_fwpush_opts *o, const char *path,
	    struct hq_deadline dl, struct hq_fwpush_res *res,
	    struct hq_err *err);
void	hq_fwpush_res_clear(struct hq_fwpush_res *res);

#endif
