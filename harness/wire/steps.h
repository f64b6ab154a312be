/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recipe steps: the declarative HTTP(S) requests of a DUT file's recipe
 * sections (data, power; the alarm's disarm and event requests can use
 * the same engine), run against the device's declared surfaces or the
 * vendor's cloud API ("@cloud", data.cloud_api).  A step names its
 * surface, method, path, headers, body, authentication (the operator's,
 * none, a captured bearer token, or a user created earlier) and the
 * status(es) that prove it worked; values captured from a JSON answer by
 * JSON pointer (RFC 6901) fill "{name}" placeholders of later steps.  The
 * loader (model/dut.c, hq_dut_steps_check) has already refused malformed
 * steps; this module still checks what it uses.  Nothing here writes
 * evidence: each request and answer goes to the caller's trace callback,
 * one escaped line, secrets replaced by "***".
 */
#ifndef HQ_STEPS_H
#define HQ_STEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "model/dut.h"
#include "util/util.h"

struct hq_err;
struct hq_steps;

#define HQ_STEPS_BODY_MAX	(1u << 20)	/* an answer's body */
#define HQ_STEP_VALUE_MAX	1024		/* a placeholder's value */
#define HQ_STEPS_UNMET		1		/* hq_steps_run: see out */

struct hq_steps_cfg {
	const struct hq_dut	*dut;
	int			 timeout_ms;	/* per request; 0: 10000 */
	/* One line per request and per answer; may be NULL. */
	void			(*trace)(void *arg, const char *line);
	void			*trace_arg;
};

/* What became of the step a run stopped at (or of its last step). */
struct hq_step_out {
	size_t		 index;		/* the step, in its list */
	char		 where[128];	/* "data.delete[1]" */
	char		 surface[72];	/* surface id or "@cloud" */
	char		 method[8];
	char		 path[256];	/* expanded, escaped */
	long		 status;	/* 0: no answer */
	int64_t		 t_ns;		/* request sent, CLOCK_MONOTONIC */
	int64_t		 dur_ns;	/* until the answer */
	char		 why[256];	/* what was unmet, or the error */
};

/*
 * A run's variables: the builtins ({run}: 8 random hex digits, {secret}:
 * a fresh password with upper, lower, digit and special characters,
 * {op_user}) and every capture so far.  *sp is the caller's; free it with
 * hq_steps_free().
 */
int	hq_steps_new(const struct hq_steps_cfg *cfg, struct hq_steps **sp,
	    struct hq_err *err);
void	hq_steps_free(struct hq_steps *s);
/* Defines or replaces {name}; secret values are redacted in traces. */
int	hq_steps_set(struct hq_steps *s, const char *name, const char *value,
	    bool secret, struct hq_err *err);
/* The value of {name}, or NULL; borrowed until the next set or run. */
const char *hq_steps_get(const struct hq_steps *s, const char *name);
/* tmpl with every {name} replaced ("{{" is "{"); *outp is the caller's
 * (free with hq_secret_free when it may hold a secret).  HQ_EINVAL names
 * an unknown placeholder. */
int	hq_steps_expand(const struct hq_steps *s, const char *tmpl,
	    char **outp, struct hq_err *err);
/*
 * Runs one step (what == "data.delete[1]" for messages).  Returns 0 when
 * its expectations hold (status, contains, absent, captures); then, if
 * bodyp is not NULL, *bodyp (NUL-terminated, the caller's) and *lenp get
 * the answer's body.  HQ_STEPS_UNMET when the device answered otherwise
 * (out->why says how); a negative HQ_E* when there is no usable answer:
 * transport failure, timeout, an unexpected 5xx (a server error is
 * never evidence) or an unexpected 401/407 (the step's own credentials
 * refused: nothing about the data).
 */
int	hq_steps_run_one(struct hq_steps *s, const cJSON *step,
	    const char *what, struct hq_deadline dl, struct hq_step_out *out,
	    char **bodyp, size_t *lenp, struct hq_err *err);
/* Runs the list in order and stops at the first step not returning 0;
 * out describes that step (or the last one). */
int	hq_steps_run(struct hq_steps *s, const cJSON *steps, const char *what,
	    struct hq_deadline dl, struct hq_step_out *out,
	    struct hq_err *err);
/* RFC 6901: the member of root at ptr, or NULL. */
const cJSON *hq_json_pointer(const cJSON *root, const char *ptr);

#endif
