/* SPDX-License-Identifier: Apache-2.0 */
/* The light-sensor line parser, every format and clock. */
#include "fuzz.h"
#include "signal/light.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum hq_light_format fmts[] = { HQ_LIGHT_FMT_ANY,
	    HQ_LIGHT_FMT_VALUE, HQ_LIGHT_FMT_MS_VALUE, HQ_LIGHT_FMT_ONOFF };
	static const enum hq_light_clock clks[] = { HQ_LIGHT_UNIX_MS,
	    HQ_LIGHT_MONO_MS, HQ_LIGHT_ARRIVAL };
	struct hq_light_sample s;
	size_t f, c;

	for (c = 0; c < 3; c++) {
		(void)hq_light_parse_line((const char *)data, size, clks[c],
		    1000000000LL, 1700000000000000000LL, &s);
		for (f = 0; f < 4; f++)
			(void)hq_light_parse_line_fmt((const char *)data, size,
			    fmts[f], clks[c], 1000000000LL,
			    1700000000000000000LL, &s);
	}
	return 0;
}
