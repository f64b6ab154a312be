/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stimulus drivers for alarm tests (the DUT description's
 * alarm.stimulus), and the alarm recipe's HTTP requests (event log,
 * disarm, the lab's view of the cloud).
 *
 * Drivers:
 *  - "socket":  {"driver":"socket", "surface":ID | "port":N} a line
 *               protocol: "<kind>\n" -> "ok <dut-ms>" or "err ...";
 *  - "command": {"driver":"command", "argv":[PROG, ARG, ...]} "{kind}" in
 *               an argument is replaced; exit status 0 means presented; a
 *               stdout line "at <mono-ms>" gives the exact time;
 *  - "http":    {"driver":"http", "url":URL, "method":"POST"|"GET"|"PUT",
 *               "body":TEXT} "{kind}" replaced in url and body; 2xx means
 *               presented (a stimulus box);
 *  - "manual":  {"driver":"manual", "uncertainty_ms":N} the operator is
 *               prompted on the terminal and confirms with Enter.
 * Common keys: "timeout_ms", "kinds" (an object mapping the profile's
 * kinds to what the driver sends; without it kinds go as they are).
 *
 * Every stimulus is stamped on CLOCK_MONOTONIC: t_ns is the best estimate
 * of when it was presented and uncert_ns bounds the error.
 */
#ifndef HQ_STIMULUS_H
#define HQ_STIMULUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "util/util.h"

struct hq_err;
struct hq_dut;
struct hq_transcript;

#define HQ_STIM_KIND_MAX	32
#define HQ_STIM_REPLY_MAX	256
#define HQ_STIM_OUTPUT_MAX	65536	/* a command's output kept */
#define HQ_HTTP_BODY_MAX	(1u << 20)

struct hq_stim;

struct hq_stim_event {
	char	 kind[HQ_STIM_KIND_MAX];
	int64_t	 t_ns;		/* presented (CLOCK_MONOTONIC) */
	int64_t	 uncert_ns;	/* +- */
	int64_t	 sent_ns;	/* request started */
	int64_t	 done_ns;	/* acknowledged */
	bool	 have_dut_ms;	/* the DUT's own stamp ("ok <ms>") */
	int64_t	 dut_ms;
	char	 reply[HQ_STIM_REPLY_MAX];	/* escaped */
};

/* A kind: 1..31 bytes of [a-z0-9-]. */
bool	hq_stim_kind_ok(const char *kind);
/*
 * Validates recipe (alarm.stimulus) against dut; *stimp (may be NULL: a
 * check only) is the caller's, hq_stim_free().
 */
int	hq_stim_new(const cJSON *recipe, const struct hq_dut *dut,
	    struct hq_stim **stimp, struct hq_err *err);
void	hq_stim_free(struct hq_stim *st);
const char *hq_stim_driver(const struct hq_stim *st);
/*
 * Presents kind; what was sent and answered goes to tr (may be NULL).
 * HQ_EPROTO when the driver refused ("err ...", exit status, HTTP status),
 * HQ_ETIMEDOUT, HQ_EINTR.
 */
int	hq_stim_present(struct hq_stim *st, const char *kind,
	    struct hq_deadline dl, struct hq_transcript *tr,
	    struct hq_stim_event *evp, struct hq_err *err);

/*
 * One recipe step (dut.c's step shape: surface, method, path, body,
 * headers, auth, expect) against dut over HTTP(S).  The DUT's certificate
 * is not validated here (that is the tls family's business).  *bodyp:
 * the response body, NUL-terminated, caller frees; *statusp the status.
 * HQ_EPROTO if "expect" is given and not met.
 */
int	hq_alarm_http_step(const struct hq_dut *dut, const cJSON *step,
	    struct hq_deadline dl, struct hq_transcript *tr, char **bodyp,
	    size_t *lenp, long *statusp, struct hq_err *err);
/* A GET of url (the lab's own services, e.g. a cloud portal's API). */
int	hq_alarm_http_get(const char *url, struct hq_deadline dl,
	    struct hq_transcript *tr, char **bodyp, size_t *lenp,
	    long *statusp, struct hq_err *err);

#endif
