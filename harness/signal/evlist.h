/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Event lists the lab can read: the DUT's local event log (a recipe step
 * on one of its surfaces, alarm.events) or the lab's view of its cloud (a
 * URL).  The recipe says where the list is in the reply (a JSON pointer),
 * which items count ({pointer: value} matches), where an item's time is
 * and on which clock, and where its kind is.  Times end up on
 * CLOCK_MONOTONIC, the run's clock ("arrival": the time of the read).
 *
 * A reply that is not a 200 with a JSON list where the recipe says is an
 * error, never an empty list.  Nothing here decides a verdict.
 */
#ifndef HQ_EVLIST_H
#define HQ_EVLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "signal/light.h"
#include "util/util.h"

struct hq_err;
struct hq_dut;
struct hq_transcript;

#define HQ_EVLIST_KIND_MAX	32

struct hq_evlist {
	const cJSON	*request;	/* a DUT step (borrowed), or NULL */
	char		*url;		/* or a URL */
	char		*list;		/* JSON pointer to the array */
	const cJSON	*match;		/* {pointer: value} (borrowed) */
	char		*time;		/* pointer to a time */
	enum hq_light_clock clk;	/* its clock (arrival: read time) */
	char		*ev_time;	/* pointer to the event's own time */
	enum hq_light_clock ev_clk;
	char		*kind;		/* pointer to the event kind */
};

struct hq_evlist_entry {
	int64_t	 t_ns;		/* when the list says it happened/arrived */
	int64_t	 ev_ns;		/* the event's own time, or -1 */
	char	 kind[HQ_EVLIST_KIND_MAX];	/* escaped */
};

/*
 * Reads the recipe o (at path, for messages): keys request (dut_step) or
 * url, list, match, time, clock, event_time, event_clock, kind.  request
 * and match are borrowed from o, which must outlive q.
 */
int	hq_evlist_read(const cJSON *o, const char *path,
	    const struct hq_dut *dut, bool dut_step, struct hq_evlist *q,
	    struct hq_err *err);
void	hq_evlist_clear(struct hq_evlist *q);

/*
 * Reads the list; the matching entries go to out (at most max), their
 * times on the monotonic clock.  HQ_EPROTO for a status other than 200
 * or a reply without the list.
 */
int	hq_evlist_fetch(const struct hq_dut *dut, const struct hq_evlist *q,
	    struct hq_deadline dl, struct hq_transcript *tr,
	    struct hq_evlist_entry *out, size_t max, size_t *np,
	    struct hq_err *err);

/* item matches every {pointer: value} of match (NULL: any item). */
bool	hq_evlist_match(const cJSON *item, const cJSON *match);
/* A JSON number of milliseconds on clk to CLOCK_MONOTONIC ns; false for
 * anything else (arrival: not a stamp). */
bool	hq_evlist_to_mono(const cJSON *v, enum hq_light_clock clk,
	    int64_t *tp);

#endif
