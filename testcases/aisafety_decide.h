/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The aisafety family's per-trial decision from a decision source's
 * evidence (a helper of testcases/aisafety.c; the unit tests call it
 * directly).  Every time is on CLOCK_MONOTONIC, the run's clock.
 *
 * A trial's window is [from, to): from the stimulus to the window's end.
 * Evidence stamped inside it (an event of a declared kind, an alarm
 * onset, a matching MQTT message) is a detection.  No evidence inside it
 * is "all clear" only when the source was positively readable over the
 * whole window (readable_from <= from and readable_to >= to: the
 * subscription acknowledged before it and alive after it, the event log
 * read after it, the recording covering it); otherwise the trial has no
 * decision, which the family turns into an error, never into "clear".
 */
#ifndef HQ_AISAFETY_DECIDE_H
#define HQ_AISAFETY_DECIDE_H

#include <stddef.h>
#include <stdint.h>

enum ai_outcome {
	AI_CLEAR = 0,		/* readable over the window, nothing in it */
	AI_DETECTED,		/* evidence inside the window */
	AI_UNREAD,		/* nothing inside, and not readable over it */
};

struct ai_window {
	int64_t	 from_ns, to_ns;		/* the trial's window */
	int64_t	 readable_from, readable_to;	/* the source was readable */
};

/*
 * Decides from the stamps t[0..n) (any order).  *firstp (may be NULL):
 * the earliest stamp inside the window, for AI_DETECTED; *insidep (may
 * be NULL): how many stamps fell inside.
 */
enum ai_outcome ai_decide(const struct ai_window *w, const int64_t *t,
	    size_t n, int64_t *firstp, size_t *insidep);
const char *ai_outcome_name(enum ai_outcome o);

#endif
