/* SPDX-License-Identifier: Apache-2.0 */
/* The bench journal's line parser, and formatting what it accepted. */
#include "bench/journal.h"
#include "fuzz.h"
#include "util/err.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hq_jentry e, e2;
	struct hq_err err = { 0 };
	char line[HQ_JOURNAL_LINE_MAX * 2];

	memset(&e, 0, sizeof(e));
	if (hq_journal_parse_line((const char *)data, size, &e, &err) != 0)
		return 0;
	/* What parsed formats, and parses back to the same entry. */
	if (hq_journal_format_line(&e, line, sizeof(line), &err) == 0) {
		memset(&e2, 0, sizeof(e2));
		if (hq_journal_parse_line(line, strlen(line), &e2, &err) != 0)
			__builtin_trap();
	}
	return 0;
}
