/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pcapng reader for traffic summaries (see timeline.h).  Every block and
 * header length is checked through the bounded cursor before use.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "signal/light.h"
#include "signal/timeline.h"
#include "util/err.h"
#include "util/rd.h"
#include "util/util.h"

#define BT_SHB	0x0a0d0d0au
#define BT_IDB	1u
#define BT_EPB	6u

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* One Ethernet frame: IPv4 addresses, TCP flags. */
static void
classify(const uint8_t *p, size_t len, uint32_t dut, const uint32_t *cloud,
    size_t ncloud, struct hq_pkt *pk)
{
	struct hq_rd rd = { p, len };
	uint16_t et, tot;
	uint8_t vihl, proto, flags;
	const uint8_t *src, *dst;
	uint32_t s, d;
	size_t ihl, i;
	bool sc = false, dc = false;

	if (hq_rd_skip(&rd, 12) != 0 || hq_rd_u16be(&rd, &et) != 0)
		return;
	if (et == 0x8100 && (hq_rd_skip(&rd, 2) != 0 ||
	    hq_rd_u16be(&rd, &et) != 0))
		return;
	if (et != 0x0800 || hq_rd_u8(&rd, &vihl) != 0 || (vihl >> 4) != 4)
		return;
	ihl = (size_t)(vihl & 0x0f) * 4;
	if (ihl < 20 || hq_rd_skip(&rd, 1) != 0 ||
	    hq_rd_u16be(&rd, &tot) != 0 || hq_rd_skip(&rd, 5) != 0 ||
	    hq_rd_u8(&rd, &proto) != 0 || hq_rd_skip(&rd, 2) != 0 ||
	    hq_rd_bytes(&rd, 4, &src) != 0 || hq_rd_bytes(&rd, 4, &dst) != 0 ||
	    hq_rd_skip(&rd, ihl - 20) != 0)
		return;
	memcpy(&s, src, 4);
	memcpy(&d, dst, 4);
	for (i = 0; i < ncloud; i++) {
		if (s == cloud[i])
			sc = true;
		if (d == cloud[i])
			dc = true;
	}
	if (s == dut && dc)
		pk->dir = HQ_PKT_TO_CLOUD;
	else if (d == dut && sc)
		pk->dir = HQ_PKT_FROM_CLOUD;
	else if (s == dut || d == dut)
		pk->dir = HQ_PKT_DUT;
	if (proto == 6 && hq_rd_skip(&rd, 13) == 0 &&
	    hq_rd_u8(&rd, &flags) == 0)
		pk->syn = (flags & 0x12) == 0x02;
}

int
hq_pcapng_packets(const char *path, const char *dut, char *const *cloud,
    size_t ncloud, struct hq_pkt **pktsp, size_t *np, struct hq_err *err)
{
	uint32_t dut_a = 0, *cl = NULL;
	struct hq_pkt *pk = NULL;
	size_t n = 0, cap = 0, i, len;
	char *text = NULL;
	struct hq_rd rd;
	int64_t off = hq_light_real_minus_mono();
	unsigned resol = 6;
	uint16_t lt0 = 0;
	bool have_if0 = false;
	int nif = 0, rc;

	*pktsp = NULL;
	*np = 0;
	if ((rc = hq_file_slurp(path, HQ_PCAPNG_FILE_MAX, &text, &len,
	    err)) != 0)
		return rc;
	if ((cl = calloc(ncloud + 1, sizeof(*cl))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	(void)inet_pton(AF_INET, dut, &dut_a);
	for (i = 0; i < ncloud; i++)
		(void)inet_pton(AF_INET, cloud[i], &cl[i]);
	rd.p = (const uint8_t *)text;
	rd.len = len;
	while (rd.len >= 12) {
		uint32_t type = le32(rd.p), blen = le32(rd.p + 4);
		struct hq_rd b;

		if (blen < 12 || (blen & 3) != 0 || blen > rd.len)
			break;		/* cut short: still being written */
		(void)hq_rd_sub(&rd, blen, &b);
		(void)hq_rd_skip(&b, 8);
		b.len -= 4;		/* the trailing length */
		if (type == BT_SHB) {
			nif = 0;
			have_if0 = false;
		} else if (type == BT_IDB && b.len >= 8) {
			if (nif == 0) {
				struct hq_rd o = { b.p + 8, b.len - 8 };

				lt0 = (uint16_t)(b.p[0] | b.p[1] << 8);
				have_if0 = true;
				resol = 6;
				/* if_tsresol (option 9) */
				while (o.len >= 4) {
					uint16_t code = (uint16_t)(o.p[0] |
					    o.p[1] << 8);
					uint16_t ol = (uint16_t)(o.p[2] |
					    o.p[3] << 8);

					if (code == 0 || hq_rd_skip(&o, 4) != 0 ||
					    o.len < ol)
						break;
					if (code == 9 && ol == 1)
						resol = o.p[0] & 0x7f;
					(void)hq_rd_skip(&o, ((size_t)ol + 3) &
					    ~(size_t)3);
				}
			}
			nif++;
		} else if (type == BT_EPB && b.len >= 20 && have_if0 &&
		    le32(b.p) == 0 && lt0 == 1) {
			uint64_t ts = (uint64_t)le32(b.p + 4) << 32 |
			    le32(b.p + 8);
			uint32_t clen = le32(b.p + 12), olen = le32(b.p + 16);
			struct hq_pkt p = { 0 };

			if (clen > b.len - 20)
				continue;
			if (n == cap) {
				size_t nc = cap == 0 ? 4096 : cap * 2;
				struct hq_pkt *np2;

				if (nc > HQ_PCAPNG_PACKETS_MAX)
					break;
				if ((np2 = realloc(pk, nc * sizeof(*pk))) ==
				    NULL) {
					rc = hq_err_set(err, HQ_ENOMEM,
					    "no memory");
					goto out;
				}
				pk = np2;
				cap = nc;
			}
			{
				uint64_t per_s = 1;
				unsigned k;

				for (k = 0; k < resol && k < 9; k++)
					per_s *= 10;
				p.t_ns = (int64_t)(ts / per_s * 1000000000ull +
				    ts % per_s * (1000000000ull / per_s)) - off;
			}
			p.len = olen;
			classify(b.p + 20, clen, dut_a, cl, ncloud, &p);
			pk[n++] = p;
		}
	}
	*pktsp = pk;
	*np = n;
	pk = NULL;
	rc = 0;
 out:
	free(pk);
	free(cl);
	free(text);
	return rc;
}

void
hq_traffic_count(const struct hq_pkt *p, size_t n, int64_t a, int64_t b,
    struct hq_traffic *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		if (p[i].t_ns < a || p[i].t_ns >= b)
			continue;
		switch (p[i].dir) {
		case HQ_PKT_TO_CLOUD:
			t->to_cloud++;
			t->bytes_to_cloud += p[i].len;
			if (p[i].syn)
				t->syn_to_cloud++;
			break;
		case HQ_PKT_FROM_CLOUD:
			t->from_cloud++;
			t->bytes_from_cloud += p[i].len;
			break;
		case HQ_PKT_DUT:
			t->dut++;
			t->bytes_dut += p[i].len;
			break;
		}
	}
}
