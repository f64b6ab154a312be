/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded read cursor over bytes from the DUT.  Readers test the bytes
 * left before reading, return HQ_EPROTO when short and move only on success.
 * Also the bounded number parser: never atoi/strtol/sscanf on DUT text.
 */
#ifndef HQ_RD_H
#define HQ_RD_H

#include <stddef.h>
#include <stdint.h>

struct hq_rd {
	const uint8_t	*p;
	size_t		 len;	/* bytes left */
};

int	hq_rd_u8(struct hq_rd *rd, uint8_t *vp);
int	hq_rd_u16be(struct hq_rd *rd, uint16_t *vp);
int	hq_rd_u24be(struct hq_rd *rd, uint32_t *vp);
int	hq_rd_u32be(struct hq_rd *rd, uint32_t *vp);
int	hq_rd_bytes(struct hq_rd *rd, size_t n, const uint8_t **pp);
int	hq_rd_skip(struct hq_rd *rd, size_t n);
/* A sub-cursor over the next n bytes; rd moves past them. */
int	hq_rd_sub(struct hq_rd *rd, size_t n, struct hq_rd *subp);
/*
 * The next line (up to LF, CR stripped) as pointer and length, at most max
 * bytes; HQ_EPROTO if no LF within max+2 bytes or the bytes run out.
 */
int	hq_rd_line(struct hq_rd *rd, size_t max, const char **linep,
	    size_t *lenp);
/* Decimal digits only, whole string, value <= max. */
int	hq_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *vp);

#endif
