/* SPDX-License-Identifier: Apache-2.0 */
/* The DUT description loader (hq_dut_load) on arbitrary bytes. */
#include "fuzz.h"
#include "model/dut.h"
#include "util/err.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hq_dut *d = NULL;
	struct hq_err err = { 0 };
	char path[64];
	int fd;

	if ((fd = fuzz_file(data, size, path, sizeof(path))) < 0)
		return 0;
	if (hq_dut_load(path, &d, &err) == 0)
		hq_dut_free(d);
	close(fd);
	return 0;
}
