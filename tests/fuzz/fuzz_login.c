/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The login engine's response parsers: the token in a JSON body (a JSON
 * pointer), cookies from a response head, telnet option negotiation and
 * prompt matching.  They are static: the file is included.
 */
#include "fuzz.h"
#include "wire/login.c"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ptrs[] = { "/token", "/data/0/sid", "",
	    "/a~1b/~0c", NULL };
	struct tn tn;
	uint8_t rep[512];
	size_t replen = 0, i, half;
	char *s, *head;

	if (size == 0)
		return 0;
	/* Byte 0 chooses the JSON pointer; the rest is the body. */
	s = token_from_body((const char *)data + 1, size - 1,
	    ptrs[data[0] % 4]);
	free(s);
	if ((head = malloc(size + 1)) != NULL) {
		memcpy(head, data, size);
		head[size] = '\0';
		free(cookies_from_head(head));
		free(head);
	}
	memset(&tn, 0, sizeof(tn));
	tn.fd = -1;
	half = size / 2;
	tn_feed(&tn, data, half, rep, &replen, sizeof(rep));
	(void)pred_login(&tn);
	(void)pred_password(&tn);
	(void)pred_outcome(&tn);
	tn_feed(&tn, data + half, size - half, rep, &replen, sizeof(rep));
	(void)pred_login(&tn);
	(void)pred_password(&tn);
	(void)pred_outcome(&tn);
	for (i = 0; i + 1 < size && i < 8; i++)
		(void)cat_of_status((long)data[i] * 4);
	return 0;
}
