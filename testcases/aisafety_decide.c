/* SPDX-License-Identifier: Apache-2.0 */
/* The per-trial decision of the aisafety family (aisafety_decide.h). */
#include <stdbool.h>

#include "aisafety_decide.h"

enum ai_outcome
ai_decide(const struct ai_window *w, const int64_t *t, size_t n,
    int64_t *firstp, size_t *insidep)
{
	size_t i, inside = 0;
	int64_t first = 0;

	for (i = 0; i < n; i++)
		if (t[i] >= w->from_ns && t[i] < w->to_ns) {
			if (inside == 0 || t[i] < first)
				first = t[i];
			inside++;
		}
	if (firstp != NULL)
		*firstp = first;
	if (insidep != NULL)
		*insidep = inside;
	if (inside > 0)
		return AI_DETECTED;
	/* an empty window decides only what the source could show */
	if (w->from_ns < w->to_ns && w->readable_from <= w->from_ns &&
	    w->readable_to >= w->to_ns)
		return AI_CLEAR;
	return AI_UNREAD;
}

const char *
ai_outcome_name(enum ai_outcome o)
{
	switch (o) {
	case AI_CLEAR:		return "all clear";
	case AI_DETECTED:	return "detection";
	default:		return "no decision";
	}
}
