/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firmware image formats and the mutations hopquy makes from a genuine
 * image (fwimage.h).  Everything is streamed through a 64 KiB buffer; the
 * only whole-image load is re-signing (HQFW, capped).  The header of an
 * image is read into a bounded buffer and parsed through struct hq_rd;
 * lengths it announces are checked against the file's real size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "util/err.h"
#include "util/rd.h"
#include "util/util.h"
#include "wire/fwimage.h"

#define CHUNK	65536

static const char *const fmt_names[] = { "opaque", "hqfw", NULL };

int
hq_fw_format_parse(const char *name, enum hq_fw_format *fmtp)
{
	int i;

	for (i = 0; fmt_names[i] != NULL; i++)
		if (strcmp(name, fmt_names[i]) == 0) {
			*fmtp = (enum hq_fw_format)i;
			return 0;
		}
	return -1;
}

const char *
hq_fw_format_name(enum hq_fw_format fmt)
{
	return (unsigned)fmt < 2 ? fmt_names[fmt] : "?";
}

int
hq_fw_hqfw_parse(const uint8_t *p, size_t len, uint64_t total,
    struct hq_fw_info *info, struct hq_err *err)
{
	struct hq_rd rd = { p, len };
	const uint8_t *magic, *ver;
	uint16_t format, flags;
	uint32_t plen;
	size_t i;
	int rc;

	if ((rc = hq_rd_bytes(&rd, 4, &magic)) != 0 ||
	    (rc = hq_rd_u16be(&rd, &format)) != 0 ||
	    (rc = hq_rd_u16be(&rd, &flags)) != 0 ||
	    (rc = hq_rd_bytes(&rd, 16, &ver)) != 0 ||
	    (rc = hq_rd_u32be(&rd, &plen)) != 0)
		return hq_err_set(err, HQ_EPROTO, "hqfw: header truncated "
		    "(%zu bytes)", len);
	if (memcmp(magic, "HQFW", 4) != 0 || format != 1)
		return hq_err_set(err, HQ_EPROTO, "hqfw: no HQFW/1 magic");
	(void)flags;
	for (i = 0; i < 16 && ver[i] != 0; i++)
		if ((ver[i] < '0' || ver[i] > '9') && ver[i] != '.')
			return hq_err_set(err, HQ_EPROTO, "hqfw: version "
			    "holds byte 0x%02x", ver[i]);
	if (i == 0)
		return hq_err_set(err, HQ_EPROTO, "hqfw: empty version");
	if ((uint64_t)plen > total - HQ_FW_HQFW_HDR || total < HQ_FW_HQFW_HDR)
		return hq_err_set(err, HQ_EPROTO, "hqfw: payload of %u bytes "
		    "in an image of %llu", plen, (unsigned long long)total);
	memset(info, 0, sizeof(*info));
	info->fmt = HQ_FW_HQFW;
	info->size = total;
	memcpy(info->version, ver, i);
	info->version[i] = '\0';
	info->hdr_len = HQ_FW_HQFW_HDR;
	info->payload_off = HQ_FW_HQFW_HDR;
	info->payload_len = plen;
	if (total - HQ_FW_HQFW_HDR - plen == HQ_FW_HQFW_TRAILER) {
		info->sig_off = HQ_FW_HQFW_HDR + (uint64_t)plen;
		info->sig_len = HQ_FW_HQFW_TRAILER;
	} else if (total - HQ_FW_HQFW_HDR - plen != 0)
		return hq_err_set(err, HQ_EPROTO, "hqfw: %llu bytes after the "
		    "payload, expected 0 or %d", (unsigned long long)(total -
		    HQ_FW_HQFW_HDR - plen), HQ_FW_HQFW_TRAILER);
	return 0;
}

/* Reads up to cap bytes from the start of fd. */
static int
read_head(int fd, const char *path, uint8_t *buf, size_t cap, size_t *lenp,
    struct hq_err *err)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t r = read(fd, buf + got, cap - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return hq_err_sys(err, path);
		if (r == 0)
			break;
		got += (size_t)r;
	}
	*lenp = got;
	return 0;
}

int
hq_fw_inspect(const char *path, enum hq_fw_format fmt,
    struct hq_fw_info *info, struct hq_err *err)
{
	uint8_t head[64];
	struct stat st;
	size_t len;
	int fd, rc = 0;

	memset(info, 0, sizeof(*info));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hq_err_sys(err, path);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: not a regular file", path);
		goto out;
	}
	info->fmt = fmt;
	info->size = (uint64_t)st.st_size;
	if (fmt == HQ_FW_HQFW) {
		struct hq_err perr = { 0 };

		if ((rc = read_head(fd, path, head, sizeof(head), &len,
		    err)) != 0)
			goto out;
		if (hq_fw_hqfw_parse(head, len, info->size, info,
		    &perr) != 0) {
			rc = hq_err_set(err, HQ_EINVAL, "%s: %s", path,
			    perr.msg);
			goto out;
		}
	}
 out:
	close(fd);
	return rc;
}

static void
mut_add(struct hq_fw_mut *v, size_t max, size_t *np, const char *name,
    const char *region, enum hq_fw_op op, uint64_t off, uint8_t bit,
    const char *what)
{
	struct hq_fw_mut *m;

	if (*np >= max)
		return;
	m = &v[(*np)++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->region, sizeof(m->region), "%s", region);
	snprintf(m->what, sizeof(m->what), "%s", what);
	m->op = op;
	m->off = off;
	m->bit = bit;
}

int
hq_fw_mutations(const struct hq_fw_info *info, uint64_t oversize,
    struct hq_fw_mut *v, size_t max, size_t *np, struct hq_err *err)
{
	uint64_t n = info->size, hdr, poff, plen, soff, slen;
	char what[160];
	size_t before;
	int q;

	*np = 0;
	if (n < 4)
		return hq_err_set(err, HQ_EINVAL, "image of %llu bytes: too "
		    "small to mutate", (unsigned long long)n);
	/* Regions: the format's, else a guess that covers the usual layout
	 * (a header first, a signature last). */
	if (info->fmt != HQ_FW_OPAQUE) {
		hdr = info->hdr_len;
		poff = info->payload_off;
		plen = info->payload_len;
		soff = info->sig_off;
		slen = info->sig_len;
	} else {
		hdr = n / 8 < 64 ? n / 8 : 64;
		poff = hdr;
		plen = n - hdr;
		soff = n - (n / 8 < 64 ? n / 8 : 64);
		slen = n - soff;
	}
	if (hdr == 0)
		hdr = 1;
	snprintf(what, sizeof(what), "bit 0 of byte 0 flipped (header, "
	    "magic)");
	mut_add(v, max, np, "flip-header-start", "header", HQ_FWM_FLIP, 0, 0,
	    what);
	snprintf(what, sizeof(what), "bit 0 of byte %llu flipped (header)",
	    (unsigned long long)(hdr - 1));
	mut_add(v, max, np, "flip-header-end", "header", HQ_FWM_FLIP,
	    hdr - 1, 0, what);
	if (plen > 0) {
		snprintf(what, sizeof(what), "bit 3 of byte %llu flipped "
		    "(payload middle)", (unsigned long long)(poff + plen / 2));
		mut_add(v, max, np, "flip-payload", "payload", HQ_FWM_FLIP,
		    poff + plen / 2, 3, what);
	}
	if (slen > 0) {
		snprintf(what, sizeof(what), "bit 7 of byte %llu flipped "
		    "(signature block, last byte)",
		    (unsigned long long)(soff + slen - 1));
		mut_add(v, max, np, "flip-signature", "signature",
		    HQ_FWM_FLIP, soff + slen - 1, 7, what);
	}
	for (q = 1; q <= 3; q++) {
		char name[40];

		snprintf(name, sizeof(name), "truncate-%d", q * 25);
		snprintf(what, sizeof(what), "first %llu of %llu bytes (%d %%)",
		    (unsigned long long)(n * (uint64_t)q / 4),
		    (unsigned long long)n, q * 25);
		mut_add(v, max, np, name, "whole", HQ_FWM_TRUNC,
		    n * (uint64_t)q / 4, 0, what);
	}
	snprintf(what, sizeof(what), "last byte missing (%llu bytes)",
	    (unsigned long long)(n - 1));
	mut_add(v, max, np, "truncate-last-byte", "whole", HQ_FWM_TRUNC, n - 1,
	    0, what);
	mut_add(v, max, np, "zero-length", "whole", HQ_FWM_TRUNC, 0, 0,
	    "empty body");
	mut_add(v, max, np, "appended-junk", "whole", HQ_FWM_APPEND, 4096, 0,
	    "4096 bytes of junk after the image");
	if (oversize < n * 2)
		oversize = n * 2;
	snprintf(what, sizeof(what), "the image padded with junk to %llu "
	    "bytes", (unsigned long long)oversize);
	mut_add(v, max, np, "oversize", "whole", HQ_FWM_PADTO, oversize, 0,
	    what);
	if (info->fmt == HQ_FW_HQFW) {
		if (info->sig_len > 0) {
			snprintf(what, sizeof(what), "signature trailer "
			    "removed (%llu bytes)",
			    (unsigned long long)info->sig_off);
			mut_add(v, max, np, "unsigned", "signature",
			    HQ_FWM_TRUNC, info->sig_off, 0, what);
			if (info->size <= HQ_FW_LOAD_MAX)
				mut_add(v, max, np, "resigned-untrusted",
				    "signature", HQ_FWM_RESIGN, 0, 0,
				    "signed again by a new Ed25519 key the "
				    "device cannot trust");
		}
		before = *np;
		mut_add(v, max, np, "version-raised", "header", HQ_FWM_PATCH,
		    8, 0, "version field set to 99.0.0 after signing");
		if (*np > before) {
			memset(v[before].patch, 0, 16);
			memcpy(v[before].patch, "99.0.0", 6);
			v[before].npatch = 16;
		}
	}
	return 0;
}

/* Deterministic junk: never all zeros, so it is not a padding. */
static void
junk_fill(uint8_t *p, size_t len, uint64_t pos)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t x = (pos + i) * 0x9e3779b97f4a7c15ull;

		p[i] = (uint8_t)(x >> 56) | 1;
	}
}

struct sink {
	int		 fd;
	const char	*path;
	EVP_MD_CTX	*md;
	uint64_t	 size;
};

static int
sink_write(struct sink *s, const uint8_t *p, size_t len, struct hq_err *err)
{
	EVP_DigestUpdate(s->md, p, len);
	s->size += len;
	while (len > 0) {
		ssize_t w = write(s->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return hq_err_sys(err, s->path);
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
sink_open(struct sink *s, const char *path, struct hq_err *err)
{
	memset(s, 0, sizeof(*s));
	s->path = path;
	if ((s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0)
		return hq_err_sys(err, path);
	if ((s->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)
		return hq_err_tls(err, "sha256");
	return 0;
}

/* Closes the sink; on success (rc == 0) fsyncs and yields the hash. */
static int
sink_close(struct sink *s, int rc, char *sha, uint64_t *sizep,
    struct hq_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;

	if (rc == 0 && s->md != NULL) {
		EVP_DigestFinal_ex(s->md, md, &n);
		for (i = 0; i < n; i++)
			snprintf(sha + 2 * i, 3, "%02x", md[i]);
		*sizep = s->size;
		if (fsync(s->fd) != 0)
			rc = hq_err_sys(err, s->path);
	}
	EVP_MD_CTX_free(s->md);
	if (s->fd >= 0 && close(s->fd) != 0 && rc == 0)
		rc = hq_err_sys(err, s->path);
	return rc;
}

/* The HQFW image, loaded, signed again by a key made here. */
static int
resign(int fd, const char *genuine, const struct hq_fw_info *info,
    struct sink *s, struct hq_err *err)
{
	EVP_PKEY *k = NULL;
	EVP_MD_CTX *ctx = NULL;
	uint8_t *img = NULL;
	size_t len, kl = 32, sl = 64;
	int rc;

	if (info->fmt != HQ_FW_HQFW || info->sig_len != HQ_FW_HQFW_TRAILER ||
	    info->size > HQ_FW_LOAD_MAX)
		return hq_err_set(err, HQ_EINVAL, "re-signing needs a signed "
		    "hqfw image of at most %u bytes", HQ_FW_LOAD_MAX);
	if ((img = malloc((size_t)info->size)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if ((rc = read_head(fd, genuine, img, (size_t)info->size, &len,
	    err)) != 0)
		goto out;
	if (len != info->size) {
		rc = hq_err_set(err, HQ_EIO, "%s: changed while read",
		    genuine);
		goto out;
	}
	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    EVP_PKEY_get_raw_public_key(k, img + info->sig_off + 4,
	    &kl) != 1 || (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestSign(ctx, img + info->sig_off + 36, &sl, img,
	    (size_t)info->sig_off) != 1 || sl != 64) {
		rc = hq_err_tls(err, "ed25519 re-signing");
		goto out;
	}
	rc = sink_write(s, img, len, err);
 out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	free(img);
	return rc;
}

int
hq_fw_mutate(const char *genuine, const struct hq_fw_info *info,
    const struct hq_fw_mut *m, const char *out, char *sha, uint64_t *sizep,
    struct hq_err *err)
{
	uint8_t *buf = NULL;
	struct sink s;
	uint64_t pos = 0, keep = UINT64_MAX, extra = 0;
	int fd, rc;

	if ((fd = open(genuine, O_RDONLY | O_CLOEXEC)) < 0)
		return hq_err_sys(err, genuine);
	if ((rc = sink_open(&s, out, err)) != 0)
		goto out;
	if (m->op == HQ_FWM_RESIGN) {
		rc = resign(fd, genuine, info, &s, err);
		goto out;
	}
	if (m->op == HQ_FWM_TRUNC)
		keep = m->off;
	if (m->op == HQ_FWM_APPEND)
		extra = m->off;
	if (m->op == HQ_FWM_PADTO && m->off > info->size)
		extra = m->off - info->size;
	if ((buf = malloc(CHUNK)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	while (pos < keep) {
		size_t want = CHUNK, i;
		ssize_t r;

		if (keep - pos < want)
			want = (size_t)(keep - pos);
		r = read(fd, buf, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = hq_err_sys(err, genuine);
			goto out;
		}
		if (r == 0)
			break;
		if (m->op == HQ_FWM_FLIP && m->off >= pos &&
		    m->off < pos + (uint64_t)r)
			buf[m->off - pos] ^= (uint8_t)(1u << m->bit);
		if (m->op == HQ_FWM_PATCH)
			for (i = 0; i < m->npatch; i++)
				if (m->off + i >= pos &&
				    m->off + i < pos + (uint64_t)r)
					buf[m->off + i - pos] = m->patch[i];
		if ((rc = sink_write(&s, buf, (size_t)r, err)) != 0)
			goto out;
		pos += (uint64_t)r;
	}
	while (extra > 0) {
		size_t n = extra < CHUNK ? (size_t)extra : CHUNK;

		junk_fill(buf, n, pos);
		if ((rc = sink_write(&s, buf, n, err)) != 0)
			goto out;
		pos += n;
		extra -= n;
	}
 out:
	rc = sink_close(&s, rc, sha, sizep, err);
	free(buf);
	close(fd);
	return rc;
}

int
hq_fw_copy(const char *src, const char *dst, char *sha, uint64_t *sizep,
    struct hq_err *err)
{
	struct hq_fw_mut none;
	struct hq_fw_info info = { 0 };

	(void)unlink(dst);
	if (link(src, dst) == 0)
		return hq_sha256_file(dst, sha, sizep, err);
	memset(&none, 0, sizeof(none));
	none.op = HQ_FWM_APPEND;	/* nothing appended: a plain copy */
	none.off = 0;
	return hq_fw_mutate(src, &info, &none, dst, sha, sizep, err);
}
