/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming pcapng reader (see pcapng.h).  Block layout per the pcapng
 * specification (draft-ietf-opsawg-pcapng): type, total length, body,
 * total length again; the body is read whole into a buffer of at most
 * HQ_PCAPNG_BLOCK_MAX bytes and parsed through the bounded cursor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/err.h"
#include "util/rd.h"
#include "wire/pcapng.h"

#define BT_SHB		0x0a0d0d0au
#define BT_IDB		1u
#define BT_PB		2u
#define BT_SPB		3u
#define BT_EPB		6u
#define BOM		0x1a2b3c4du
#define OPT_TSRESOL	9
#define OPT_TSOFFSET	14

struct pcap_if {
	uint16_t	 linktype;
	uint32_t	 snaplen;
	uint8_t		 tsresol;	/* if_tsresol as in the file */
	int64_t		 tsoffset;	/* seconds */
};

struct hq_pcapng {
	FILE		*f;
	uint8_t		*buf;
	size_t		 bufsz;
	bool		 swap;		/* the section is big-endian */
	bool		 in_section;
	struct pcap_if	*ifs;
	size_t		 nifs;
	struct hq_pcapng_stats st;
};

static uint16_t
get16(const struct hq_pcapng *r, const uint8_t *p)
{
	return r->swap ? (uint16_t)(p[0] << 8 | p[1]) :
	    (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t
get32(const struct hq_pcapng *r, const uint8_t *p)
{
	return r->swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3] : (uint32_t)p[3] << 24 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Reads exactly n bytes unless the end comes first (*shortp). */
static int
read_full(struct hq_pcapng *r, void *p, size_t n, bool *shortp,
    struct hq_err *err)
{
	size_t got;

	*shortp = false;
	if (r->st.offset + n > r->st.size) {
		*shortp = true;
		return 0;
	}
	got = fread(p, 1, n, r->f);
	if (got < n) {
		if (ferror(r->f))
			return hq_err_set(err, HQ_EIO, "capture: read: %s",
			    strerror(errno));
		*shortp = true;
		return 0;
	}
	r->st.offset += n;
	return 0;
}

static int
corrupt(uint64_t at, const char *what, struct hq_err *err)
{
	return hq_err_set(err, HQ_EPROTO, "capture: corrupt block at offset "
	    "%llu: %s", (unsigned long long)at, what);
}

/* Units per second of an if_tsresol value, 0 if unusable. */
static int64_t
ts_to_ns(uint64_t ts, uint8_t resol)
{
	unsigned __int128 v;
	unsigned n = resol & 0x7f, k;

	if ((resol & 0x80) != 0) {
		if (n > 63)
			return 0;
		v = ((unsigned __int128)ts * 1000000000u) >> n;
	} else {
		unsigned __int128 per = 1;

		if (n > 19)
			return 0;
		for (k = 0; k < n; k++)
			per *= 10;
		v = (unsigned __int128)ts * 1000000000u / per;
	}
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

static void
parse_idb(struct hq_pcapng *r, struct hq_rd *b)
{
	struct pcap_if *pi;
	struct hq_rd o;

	if (r->nifs >= HQ_PCAPNG_IF_MAX) {
		r->nifs += r->nifs < SIZE_MAX ? 1 : 0;
		return;
	}
	pi = &r->ifs[r->nifs++];
	memset(pi, 0, sizeof(*pi));
	pi->tsresol = 6;
	if (b->len < 8)
		return;		/* linktype 0: its packets are not Ethernet */
	pi->linktype = get16(r, b->p);
	pi->snaplen = get32(r, b->p + 4);
	o.p = b->p + 8;
	o.len = b->len - 8;
	while (o.len >= 4) {
		uint16_t code = get16(r, o.p), ol = get16(r, o.p + 2);

		if (code == 0)
			break;
		(void)hq_rd_skip(&o, 4);
		if (o.len < ol)
			break;
		if (code == OPT_TSRESOL && ol == 1)
			pi->tsresol = o.p[0];
		else if (code == OPT_TSOFFSET && ol == 8)
			pi->tsoffset = (int64_t)((uint64_t)get32(r, o.p +
			    (r->swap ? 0 : 4)) << 32 | get32(r, o.p +
			    (r->swap ? 4 : 0)));
		if (hq_rd_skip(&o, ((size_t)ol + 3) & ~(size_t)3) != 0)
			break;
	}
}

int
hq_pcapng_open(const char *path, struct hq_pcapng **rp, struct hq_err *err)
{
	struct hq_pcapng *r;
	struct stat sb;
	uint8_t h[12];
	bool sh;
	int rc;

	*rp = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->ifs = calloc(HQ_PCAPNG_IF_MAX, sizeof(*r->ifs))) == NULL) {
		free(r);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	if ((r->f = fopen(path, "rbe")) == NULL) {
		rc = hq_err_set(err, HQ_EIO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fileno(r->f), &sb) != 0) {
		rc = hq_err_sys(err, path);
		goto fail;
	}
	r->st.size = (uint64_t)sb.st_size;
	/* The first block must be a Section Header with a byte-order
	 * magic; peek at it, the main loop reads it again. */
	if ((rc = read_full(r, h, sizeof(h), &sh, err)) != 0)
		goto fail;
	if (sh || (h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24) !=
	    BT_SHB || ((h[8] | h[9] << 8 | h[10] << 16 |
	    (uint32_t)h[11] << 24) != BOM && (h[11] | h[10] << 8 |
	    h[9] << 16 | (uint32_t)h[8] << 24) != BOM)) {
		rc = hq_err_set(err, HQ_EPROTO, "%s: not a pcapng file", path);
		goto fail;
	}
	if (fseek(r->f, 0, SEEK_SET) != 0) {
		rc = hq_err_sys(err, path);
		goto fail;
	}
	r->st.offset = 0;
	*rp = r;
	return 0;
 fail:
	hq_pcapng_close(r);
	return rc;
}

int
hq_pcapng_next(struct hq_pcapng *r, struct hq_pcapng_pkt *pkt, bool *endp,
    struct hq_err *err)
{
	uint8_t h[8];
	bool sh;
	int rc;

	*endp = false;
	for (;;) {
		uint64_t at = r->st.offset;
		uint32_t type, blen;
		struct hq_rd b;

		if ((rc = read_full(r, h, sizeof(h), &sh, err)) != 0)
			return rc;
		if (sh) {
			r->st.cut_short = r->st.offset < r->st.size;
			*endp = true;
			return 0;
		}
		type = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24;
		if (type == BT_SHB) {
			uint8_t bom[4];

			/* The byte order is known only after the magic. */
			if ((rc = read_full(r, bom, 4, &sh, err)) != 0)
				return rc;
			if (sh) {
				r->st.cut_short = true;
				*endp = true;
				return 0;
			}
			if ((bom[0] | bom[1] << 8 | bom[2] << 16 |
			    (uint32_t)bom[3] << 24) == BOM)
				r->swap = false;
			else if ((bom[3] | bom[2] << 8 | bom[1] << 16 |
			    (uint32_t)bom[0] << 24) == BOM)
				r->swap = true;
			else
				return corrupt(at, "section header without "
				    "a byte-order magic", err);
			r->in_section = true;
			r->nifs = 0;
			blen = get32(r, h + 4);
			if (blen < 28 || (blen & 3) != 0)
				return corrupt(at, "section header length",
				    err);
			/* The rest of the header is not needed. */
			blen -= 12;
		} else {
			if (!r->in_section)
				return corrupt(at, "block before any "
				    "section header", err);
			blen = get32(r, h + 4);
			if (blen < 12 || (blen & 3) != 0)
				return corrupt(at, "block length not a "
				    "multiple of 4 of at least 12", err);
			blen -= 8;
		}
		r->st.blocks++;
		/* blen: the body and the trailing length still to read. */
		if (blen > HQ_PCAPNG_BLOCK_MAX || type == BT_SHB) {
			if (r->st.offset + blen > r->st.size) {
				r->st.cut_short = true;
				*endp = true;
				return 0;
			}
			if (fseeko(r->f, (off_t)blen, SEEK_CUR) != 0)
				return hq_err_sys(err, "capture: seek");
			r->st.offset += blen;
			if (type != BT_SHB) {
				r->st.oversized++;
				if (type == BT_EPB || type == BT_SPB ||
				    type == BT_PB)
					r->st.packets++;
			}
			continue;
		}
		if (r->bufsz < blen) {
			size_t nsz = r->bufsz == 0 ? 65536 : r->bufsz;
			uint8_t *nb;

			while (nsz < blen)
				nsz *= 2;
			if (nsz > HQ_PCAPNG_BLOCK_MAX)
				nsz = HQ_PCAPNG_BLOCK_MAX;
			if ((nb = realloc(r->buf, nsz)) == NULL)
				return hq_err_set(err, HQ_ENOMEM, "no memory");
			r->buf = nb;
			r->bufsz = nsz;
		}
		if ((rc = read_full(r, r->buf, blen, &sh, err)) != 0)
			return rc;
		if (sh) {
			r->st.cut_short = true;
			*endp = true;
			return 0;
		}
		if (get32(r, r->buf + blen - 4) != blen + 8)
			return corrupt(at, "trailing length differs", err);
		b.p = r->buf;
		b.len = blen - 4;
		memset(pkt, 0, sizeof(*pkt));
		if (type == BT_IDB) {
			parse_idb(r, &b);
			continue;
		}
		if (type != BT_EPB && type != BT_SPB && type != BT_PB)
			continue;
		pkt->frame = ++r->st.packets;
		if (type == BT_EPB || type == BT_PB) {
			uint64_t ts;
			size_t hl = 20;

			if (b.len < hl)
				return corrupt(at, "packet block too short",
				    err);
			if (type == BT_EPB)
				pkt->ifid = get32(r, b.p);
			else
				pkt->ifid = get16(r, b.p);
			ts = (uint64_t)get32(r, b.p + 4) << 32 |
			    get32(r, b.p + 8);
			pkt->caplen = get32(r, b.p + 12);
			pkt->origlen = get32(r, b.p + 16);
			if (pkt->caplen > b.len - hl)
				return corrupt(at, "captured length past "
				    "the block", err);
			pkt->data = b.p + hl;
			if (pkt->ifid >= r->nifs ||
			    pkt->ifid >= HQ_PCAPNG_IF_MAX) {
				r->st.bad_ifid++;
				continue;
			}
			pkt->ts_ns = ts_to_ns(ts, r->ifs[pkt->ifid].tsresol);
			if (r->ifs[pkt->ifid].tsoffset != 0 &&
			    r->ifs[pkt->ifid].tsoffset > -9000000000ll &&
			    r->ifs[pkt->ifid].tsoffset < 9000000000ll)
				pkt->ts_ns += r->ifs[pkt->ifid].tsoffset *
				    1000000000ll;
		} else {
			/* Simple Packet Block: interface 0, no time. */
			if (b.len < 4)
				return corrupt(at, "packet block too short",
				    err);
			pkt->ifid = 0;
			pkt->origlen = get32(r, b.p);
			pkt->caplen = (uint32_t)(b.len - 4);
			if (pkt->caplen > pkt->origlen)
				pkt->caplen = pkt->origlen;
			if (r->nifs > 0 && r->ifs[0].snaplen != 0 &&
			    pkt->caplen > r->ifs[0].snaplen)
				pkt->caplen = r->ifs[0].snaplen;
			pkt->data = b.p + 4;
			if (r->nifs == 0) {
				r->st.bad_ifid++;
				continue;
			}
		}
		pkt->linktype = r->ifs[pkt->ifid].linktype;
		return 0;
	}
}

const struct hq_pcapng_stats *
hq_pcapng_stats(const struct hq_pcapng *r)
{
	return &r->st;
}

void
hq_pcapng_close(struct hq_pcapng *r)
{
	if (r == NULL)
		return;
	if (r->f != NULL)
		fclose(r->f);
	free(r->buf);
	free(r->ifs);
	free(r);
}
