/* SPDX-License-Identifier: Apache-2.0 */
/* Service classification of what a server sends, for every probe. */
#include "fuzz.h"
#include "wire/scan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const probes[] = { NULL, "banner", "tls", "http",
	    "rtsp", "mqtt" };
	size_t i;

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		(void)hq_service_classify(data, size, probes[i]);
	return 0;
}
