/* SPDX-License-Identifier: Apache-2.0 */
/* The TLS reply parser (hq_tls_reply_parse), every prefix length too. */
#include "fuzz.h"
#include "util/err.h"
#include "wire/tlswire.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hq_tls_reply r;
	struct hq_err err = { 0 };

	memset(&r, 0, sizeof(r));
	if (hq_tls_reply_parse(data, size, &r, &err) == 0 && r.used > size)
		__builtin_trap();	/* read past what it was given */
	/* A reply arrives in pieces: the parser sees prefixes first. */
	if (size > 5) {
		memset(&r, 0, sizeof(r));
		(void)hq_tls_reply_parse(data, size / 2, &r, &err);
	}
	return 0;
}
