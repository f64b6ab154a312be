/* SPDX-License-Identifier: Apache-2.0 */
/* The WAV reader: the header parser, and open/read on the whole file. */
#include "fuzz.h"
#include "signal/audio.h"
#include "util/err.h"
#include "util/util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hq_wav_fmt fmt;
	struct hq_wav *w = NULL;
	struct hq_err err = { 0 };
	int16_t out[256];
	uint64_t avail = 0;
	int64_t t0;
	size_t got = 0;
	char path[64];
	int fd;

	memset(&fmt, 0, sizeof(fmt));
	(void)hq_wav_parse_header(data, size, &fmt);
	if ((fd = fuzz_file(data, size, path, sizeof(path))) < 0)
		return 0;
	/* An already-passed deadline: a short file never waits. */
	if (hq_wav_open(path, hq_deadline_in(0), &w, &err) == 0) {
		(void)hq_wav_rate(w);
		(void)hq_wav_t0(w, &t0);
		if (hq_wav_available(w, &avail, &err) == 0 && avail > 0)
			(void)hq_wav_read(w, 0, avail < 256 ? (size_t)avail :
			    256, out, hq_deadline_in(0), &got, &err);
		hq_wav_close(w);
	}
	close(fd);
	return 0;
}
