/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded cursor readers.  Never computes p + n before checking len. */
#include <string.h>

#include "util/err.h"
#include "util/rd.h"

int
hq_rd_u8(struct hq_rd *rd, uint8_t *vp)
{
	if (rd->len < 1)
		return HQ_EPROTO;
	*vp = rd->p[0];
	rd->p++;
	rd->len--;
	return 0;
}

int
hq_rd_u16be(struct hq_rd *rd, uint16_t *vp)
{
	if (rd->len < 2)
		return HQ_EPROTO;
	*vp = (uint16_t)(rd->p[0] << 8 | rd->p[1]);
	rd->p += 2;
	rd->len -= 2;
	return 0;
}

int
hq_rd_u24be(struct hq_rd *rd, uint32_t *vp)
{
	if (rd->len < 3)
		return HQ_EPROTO;
	*vp = (uint32_t)rd->p[0] << 16 | (uint32_t)rd->p[1] << 8 | rd->p[2];
	rd->p += 3;
	rd->len -= 3;
	return 0;
}

int
hq_rd_u32be(struct hq_rd *rd, uint32_t *vp)
{
	if (rd->len < 4)
		return HQ_EPROTO;
	*vp = (uint32_t)rd->p[0] << 24 | (uint32_t)rd->p[1] << 16 |
	    (uint32_t)rd->p[2] << 8 | rd->p[3];
	rd->p += 4;
	rd->len -= 4;
	return 0;
}

int
hq_rd_bytes(struct hq_rd *rd, size_t n, const uint8_t **pp)
{
	if (rd->len < n)
		return HQ_EPROTO;
	*pp = rd->p;
	rd->p += n;
	rd->len -= n;
	return 0;
}

int
hq_rd_skip(struct hq_rd *rd, size_t n)
{
	const uint8_t *p;

	return hq_rd_bytes(rd, n, &p);
}

int
hq_rd_sub(struct hq_rd *rd, size_t n, struct hq_rd *subp)
{
	const uint8_t *p;
	int rc;

	if ((rc = hq_rd_bytes(rd, n, &p)) != 0)
		return rc;
	subp->p = p;
	subp->len = n;
	return 0;
}

int
hq_rd_line(struct hq_rd *rd, size_t max, const char **linep, size_t *lenp)
{
	size_t look = rd->len < max + 2 ? rd->len : max + 2;
	const uint8_t *nl;
	size_t n;

	if ((nl = memchr(rd->p, '\n', look)) == NULL)
		return HQ_EPROTO;
	n = (size_t)(nl - rd->p);
	*linep = (const char *)rd->p;
	*lenp = n > 0 && rd->p[n - 1] == '\r' ? n - 1 : n;
	if (*lenp > max)
		return HQ_EPROTO;
	rd->p += n + 1;
	rd->len -= n + 1;
	return 0;
}

int
hq_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *vp)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return HQ_EPROTO;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return HQ_EPROTO;
		d = (unsigned)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return HQ_EPROTO;
		v = v * 10 + d;
	}
	*vp = v;
	return 0;
}
