/* SPDX-License-Identifier: Apache-2.0 */
/* The profile loader (hq_profile_load) on arbitrary bytes. */
#include "fuzz.h"
#include "core/profile.h"
#include "util/err.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hq_profile *p = NULL;
	struct hq_err err = { 0 };
	char path[64];
	int fd;

	if ((fd = fuzz_file(data, size, path, sizeof(path))) < 0)
		return 0;
	if (hq_profile_load(path, &p, &err) == 0)
		hq_profile_free(p);
	close(fd);
	return 0;
}
