/* SPDX-License-Identifier: Apache-2.0 */
/* The pcapng reader, and the flow classifier on what it reads. */
#include <stdbool.h>

#include "fuzz.h"
#include "util/err.h"
#include "wire/flows.h"
#include "wire/pcapng.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hq_flows_opts fo = HQ_FLOWS_OPTS_INIT;
	static const char *const lab[] = { "198.18.0.1" };
	static const char *const strings[] = { "S3cret-pw", "Nguyen Van A" };
	static const char *const kinds[] = { "password", "personal data" };
	struct hq_pcapng *r = NULL;
	struct hq_pcapng_pkt pkt;
	struct hq_flows *fl = NULL;
	struct hq_err err = { 0 };
	char path[64];
	bool end = false;
	size_t i;
	int fd, n = 0;

	if ((fd = fuzz_file(data, size, path, sizeof(path))) < 0)
		return 0;
	if (hq_pcapng_open(path, &r, &err) == 0) {
		while (n++ < 100000 && hq_pcapng_next(r, &pkt, &end, &err) ==
		    0 && !end)
			;
		(void)hq_pcapng_stats(r);
		hq_pcapng_close(r);
	}
	fo.dut = "198.18.0.2";
	fo.lab = lab;
	fo.nlab = 1;
	fo.strings = strings;
	fo.kinds = kinds;
	fo.nstrings = 2;
	fo.max_flows = 64;
	if (hq_flows_new(&fo, &fl, &err) == 0) {
		(void)hq_flows_read_pcapng(fl, path, 0, NULL, NULL, &err);
		hq_flows_finish(fl);
		for (i = 0; i < hq_flows_count(fl); i++)
			(void)hq_flows_get(fl, i);
		for (i = 0; i < hq_flows_nfindings(fl); i++)
			(void)hq_flows_finding(fl, i);
		hq_flows_free(fl);
	}
	/* The classifier on the raw bytes as one Ethernet frame. */
	if (hq_flows_new(&fo, &fl, &err) == 0) {
		hq_flows_frame(fl, 1, data, size);
		hq_flows_finish(fl);
		hq_flows_free(fl);
	}
	close(fd);
	return 0;
}
