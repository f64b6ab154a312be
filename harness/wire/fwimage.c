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

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util/err.h"
#include "util/rd.h"
#include "util/util.h"
#include "wire/fwimage.h"

#define CHUNK	65536

static const char *const fmt_names[] = {
	"opaque", "hqfw", "swu", "raucb", NULL
};

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
	return (unsigned)fmt < 4 ? fmt_names[fmt] : "?";
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

static int
hexfield(const uint8_t *p, uint32_t *vp)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		uint8_t c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*vp = v;
	return 0;
}

int
hq_cpio_hdr_parse(const uint8_t *p, size_t len, struct hq_cpio_hdr *h,
    struct hq_err *err)
{
	int i;

	if (len < HQ_CPIO_HDR)
		return hq_err_set(err, HQ_EPROTO, "cpio: header truncated "
		    "(%zu bytes)", len);
	if (memcmp(p, "070701", 6) == 0)
		h->crc = false;
	else if (memcmp(p, "070702", 6) == 0)
		h->crc = true;
	else
		return hq_err_set(err, HQ_EPROTO, "cpio: no newc/crc magic");
	for (i = 0; i < 13; i++)
		if (hexfield(p + 6 + 8 * i, &h->f[i]) != 0)
			return hq_err_set(err, HQ_EPROTO, "cpio: header field "
			    "%d not hex", i);
	return 0;
}

#define CPIO_SIZE	6
#define CPIO_NAMESIZE	11
#define CPIO_CHECK	12
#define CPIO_ENTRIES_MAX 4096

static uint64_t
align4(uint64_t v)
{
	return (v + 3) & ~(uint64_t)3;
}

static int
pread_all(int fd, const char *path, void *buf, size_t len, uint64_t off,
    size_t *gotp, struct hq_err *err)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, (uint8_t *)buf + got, len - got,
		    (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return hq_err_sys(err, path);
		if (r == 0)
			break;
		got += (size_t)r;
	}
	*gotp = got;
	return 0;
}

/* One entry at off: header, name (NUL-terminated into name), offsets. */
static int
cpio_entry(int fd, const char *path, uint64_t off, uint64_t total,
    struct hq_cpio_hdr *h, char *name, uint64_t *datap, uint64_t *nextp,
    struct hq_err *err)
{
	uint8_t hb[HQ_CPIO_HDR];
	size_t got;
	uint32_t ns;
	int rc;

	if ((rc = pread_all(fd, path, hb, sizeof(hb), off, &got, err)) != 0)
		return rc;
	if ((rc = hq_cpio_hdr_parse(hb, got, h, err)) != 0)
		return rc;
	ns = h->f[CPIO_NAMESIZE];
	if (ns == 0 || ns > HQ_FW_CPIO_NAME_MAX)
		return hq_err_set(err, HQ_EPROTO, "cpio: name of %u bytes",
		    ns);
	if ((rc = pread_all(fd, path, name, ns, off + HQ_CPIO_HDR, &got,
	    err)) != 0)
		return rc;
	if (got != ns || name[ns - 1] != '\0')
		return hq_err_set(err, HQ_EPROTO, "cpio: name truncated");
	*datap = align4(off + HQ_CPIO_HDR + ns);
	*nextp = align4(*datap + h->f[CPIO_SIZE]);
	if (*datap + h->f[CPIO_SIZE] > total)
		return hq_err_set(err, HQ_EPROTO, "cpio: %s: %u bytes past "
		    "the end", name, h->f[CPIO_SIZE]);
	return 0;
}

/* The first `version = "X"` (or version: "X") of sw-description. */
static void
swu_version(const char *d, size_t len, char *out, size_t outsz)
{
	size_t i, j, n;

	out[0] = '\0';
	for (i = 0; i + 7 < len; i++) {
		if (memcmp(d + i, "version", 7) != 0 ||
		    (i > 0 && (d[i - 1] == '-' || d[i - 1] == '_' ||
		    (d[i - 1] >= 'a' && d[i - 1] <= 'z'))))
			continue;
		for (j = i + 7; j < len && (d[j] == ' ' || d[j] == '\t'); j++)
			;
		if (j >= len || (d[j] != '=' && d[j] != ':'))
			continue;
		for (j++; j < len && (d[j] == ' ' || d[j] == '\t'); j++)
			;
		if (j >= len || d[j] != '"')
			continue;
		for (n = 0, j++; j < len && d[j] != '"' && n + 1 < outsz; j++)
			if ((d[j] >= '0' && d[j] <= '9') || d[j] == '.' ||
			    (d[j] >= 'a' && d[j] <= 'z') || d[j] == '-')
				out[n++] = d[j];
		out[n] = '\0';
		return;
	}
}

static int
swu_inspect(int fd, const char *path, struct hq_fw_info *info,
    struct hq_err *err)
{
	struct hq_cpio_hdr h;
	char name[HQ_FW_CPIO_NAME_MAX], *desc = NULL;
	uint64_t off = 0, data = 0, next = 0;
	size_t i, got;
	int rc = 0;

	for (i = 0; i < CPIO_ENTRIES_MAX; i++, off = next) {
		if ((rc = cpio_entry(fd, path, off, info->size, &h, name,
		    &data, &next, err)) != 0)
			goto out;
		if (i == 0 && strcmp(name, "sw-description") != 0) {
			rc = hq_err_set(err, HQ_EPROTO, "swu: first entry is "
			    "%.64s, not sw-description", name);
			goto out;
		}
		if (strcmp(name, "TRAILER!!!") == 0) {
			info->content_end = next;
			break;
		}
		info->data_end = data + h.f[CPIO_SIZE];
		if (strcmp(name, "sw-description") == 0) {
			info->desc_off = data;
			info->desc_len = h.f[CPIO_SIZE];
		} else if (strcmp(name, "sw-description.sig") == 0) {
			info->sig_off = data;
			info->sig_len = h.f[CPIO_SIZE];
		} else if (info->payload_len == 0 && h.f[CPIO_SIZE] > 0) {
			info->payload_off = data;
			info->payload_len = h.f[CPIO_SIZE];
		}
	}
	if (info->content_end == 0) {
		rc = hq_err_set(err, HQ_EPROTO, "swu: no TRAILER!!! entry");
		goto out;
	}
	if (info->desc_len == 0 || info->desc_len > HQ_FW_SWU_DESC_MAX) {
		rc = hq_err_set(err, HQ_EPROTO, "swu: sw-description of %llu "
		    "bytes", (unsigned long long)info->desc_len);
		goto out;
	}
	if ((desc = malloc((size_t)info->desc_len)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if ((rc = pread_all(fd, path, desc, (size_t)info->desc_len,
	    info->desc_off, &got, err)) != 0)
		goto out;
	swu_version(desc, got, info->version, sizeof(info->version));
	info->hdr_len = info->desc_off + info->desc_len;
 out:
	free(desc);
	if (rc != 0 && rc != HQ_EIO)
		rc = hq_err_set(err, HQ_EINVAL, "%s: not a .swu image", path);
	return rc;
}

/* RAUC plain bundle: squashfs ("hsqs", bytes_used little-endian u64 at
 * 40), then a CMS signature, then its size as a big-endian u64. */
static int
raucb_inspect(int fd, const char *path, struct hq_fw_info *info,
    struct hq_err *err)
{
	uint8_t sb[96], tail[8];
	uint64_t sigsz = 0, used = 0;
	size_t got;
	int i, rc;

	if (info->size < sizeof(sb) + 8)
		return hq_err_set(err, HQ_EINVAL, "%s: too short for a RAUC "
		    "bundle", path);
	if ((rc = pread_all(fd, path, sb, sizeof(sb), 0, &got, err)) != 0 ||
	    (rc = pread_all(fd, path, tail, 8, info->size - 8, &got,
	    err)) != 0)
		return rc;
	if (memcmp(sb, "hsqs", 4) != 0)
		return hq_err_set(err, HQ_EINVAL, "%s: no squashfs image at "
		    "the start", path);
	for (i = 0; i < 8; i++) {
		sigsz = sigsz << 8 | tail[i];
		used |= (uint64_t)sb[40 + i] << (8 * i);
	}
	if (sigsz == 0 || sigsz > info->size - 8 - sizeof(sb) ||
	    used > info->size - 8 - sigsz || used < sizeof(sb))
		return hq_err_set(err, HQ_EINVAL, "%s: signature of %llu "
		    "bytes, squashfs of %llu, in %llu", path,
		    (unsigned long long)sigsz, (unsigned long long)used,
		    (unsigned long long)info->size);
	info->hdr_len = sizeof(sb);
	info->payload_off = sizeof(sb);
	info->payload_len = used - sizeof(sb);
	info->sig_off = info->size - 8 - sigsz;
	info->sig_len = sigsz;
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
	if (fmt == HQ_FW_SWU) {
		rc = swu_inspect(fd, path, info, err);
		goto out;
	}
	if (fmt == HQ_FW_RAUCB) {
		rc = raucb_inspect(fd, path, info, err);
		goto out;
	}
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
	uint64_t n = info->content_end != 0 ? info->content_end : info->size;
	uint64_t hdr, poff, plen, soff, slen;
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
	{
		uint64_t end = info->data_end != 0 ? info->data_end : n;

		snprintf(what, sizeof(what), "last byte of the content missing "
		    "(%llu bytes)", (unsigned long long)(end - 1));
		mut_add(v, max, np, "truncate-last-byte", "whole",
		    HQ_FWM_TRUNC, end - 1, 0, what);
	}
	mut_add(v, max, np, "zero-length", "whole", HQ_FWM_TRUNC, 0, 0,
	    "empty body");
	mut_add(v, max, np, "appended-junk", "whole", HQ_FWM_APPEND, 4096, 0,
	    "4096 bytes of junk after the image");
	if (info->content_end != 0 && *np > 0)
		v[*np - 1].outside = true;
	if (oversize < info->size * 2)
		oversize = info->size * 2;
	snprintf(what, sizeof(what), "the image padded with junk to %llu "
	    "bytes", (unsigned long long)oversize);
	mut_add(v, max, np, "oversize", "whole", HQ_FWM_PADTO, oversize, 0,
	    what);
	if (info->content_end != 0 && *np > 0)
		v[*np - 1].outside = true;
	if (info->fmt == HQ_FW_RAUCB && info->size <= HQ_FW_LOAD_MAX)
		mut_add(v, max, np, "raucb-resigned-untrusted", "signature",
		    HQ_FWM_RAUCB_RESIGN, 0, 0, "squashfs signed again (CMS) "
		    "by a new key and certificate the device cannot trust");
	if (info->fmt == HQ_FW_SWU) {
		static const struct {
			const char		*name, *region, *what;
			enum hq_fw_swu_edit	 e;
		} ed[] = {
			{ "swu-payload-changed", "payload", "a payload byte "
			    "changed after signing (cpio checksum kept "
			    "right: only sw-description's sha256 tells)",
			    HQ_SWU_PAYLOAD_FLIP },
			{ "swu-description-changed", "header", "the version "
			    "in sw-description changed after signing",
			    HQ_SWU_DESC_CHANGED },
			{ "swu-signature-removed", "signature",
			    "sw-description.sig left out", HQ_SWU_NO_SIG },
			{ "swu-resigned-untrusted", "signature", "signed "
			    "again (CMS) by a new key and certificate the "
			    "device cannot trust", HQ_SWU_RESIGN },
			{ "swu-rollback-resigned", "header", "version set to "
			    "0.0.1 and signed by the untrusted key",
			    HQ_SWU_ROLLBACK_RESIGN },
			{ "swu-hwcompat-changed", "header", "hardware "
			    "compatibility changed and signed by the "
			    "untrusted key", HQ_SWU_HWCOMPAT_RESIGN },
		};
		size_t k;

		for (k = 0; k < sizeof(ed) / sizeof(ed[0]); k++) {
			if (ed[k].e == HQ_SWU_PAYLOAD_FLIP &&
			    info->payload_len == 0)
				continue;
			mut_add(v, max, np, ed[k].name, ed[k].region,
			    HQ_FWM_SWU, 0, 0, ed[k].what);
			if (*np > 0)
				v[*np - 1].swu = ed[k].e;
		}
	}
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

/* A CMS signature (DER, detached, binary) over p[0..len) by a key and a
 * self-signed certificate made here: a signer no device trusts. */
static int
cms_untrusted(const uint8_t *p, size_t len, uint8_t **sigp, size_t *siglenp,
    struct hq_err *err)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	X509_NAME *nm;
	BIO *in = NULL, *out = NULL;
	CMS_ContentInfo *cms = NULL;
	BUF_MEM *bm;
	int rc = 0;

	*sigp = NULL;
	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (x = X509_new()) == NULL || X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL ||
	    X509_set_pubkey(x, k) != 1 ||
	    (nm = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	    (const unsigned char *)"hopquy untrusted signer", -1, -1, 0) !=
	    1 || X509_set_issuer_name(x, nm) != 1 ||
	    X509_sign(x, k, EVP_sha256()) == 0 ||
	    (in = BIO_new_mem_buf(p, (int)len)) == NULL ||
	    (cms = CMS_sign(x, k, NULL, in, CMS_BINARY | CMS_DETACHED |
	    CMS_NOSMIMECAP)) == NULL || (out = BIO_new(BIO_s_mem())) == NULL ||
	    i2d_CMS_bio(out, cms) != 1) {
		rc = hq_err_tls(err, "cms signing");
		goto out;
	}
	BIO_get_mem_ptr(out, &bm);
	if ((*sigp = malloc(bm->length > 0 ? bm->length : 1)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	memcpy(*sigp, bm->data, bm->length);
	*siglenp = bm->length;
 out:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(out);
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}

/* Replaces the first quoted value after key (and after `after` if not
 * NULL) in d[0..*lenp) by val; d has room for HQ_FW_SWU_DESC_MAX + 64. */
static bool
desc_set(char *d, size_t *lenp, const char *key, char after,
    const char *val)
{
	char *k = memmem(d, *lenp, key, strlen(key)), *q1, *q2, *end = d +
	    *lenp;
	size_t vl = strlen(val);

	if (k == NULL)
		return false;
	q1 = k + strlen(key);
	if (after != 0 && (q1 = memchr(q1, after, (size_t)(end - q1))) ==
	    NULL)
		return false;
	if ((q1 = memchr(q1, '"', (size_t)(end - q1))) == NULL ||
	    (q2 = memchr(q1 + 1, '"', (size_t)(end - q1 - 1))) == NULL)
		return false;
	memmove(q1 + 1 + vl, q2, (size_t)(end - q2));
	memcpy(q1 + 1, val, vl);
	*lenp = *lenp - (size_t)(q2 - q1 - 1) + vl;
	return true;
}

static int
cpio_put_hdr(struct sink *s, const struct hq_cpio_hdr *h, const char *name,
    struct hq_err *err)
{
	char hb[HQ_CPIO_HDR + HQ_FW_CPIO_NAME_MAX + 4];
	size_t n, ns = strlen(name) + 1;
	int i;

	memcpy(hb, h->crc ? "070702" : "070701", 6);
	for (i = 0; i < 13; i++) {
		char f[9];

		snprintf(f, sizeof(f), "%08X", i == CPIO_NAMESIZE ?
		    (unsigned)ns : h->f[i]);
		memcpy(hb + 6 + 8 * i, f, 8);
	}
	memcpy(hb + HQ_CPIO_HDR, name, ns);
	n = HQ_CPIO_HDR + ns;
	while (n % 4 != 0)
		hb[n++] = 0;
	return sink_write(s, (const uint8_t *)hb, n, err);
}

static int
cpio_put_pad(struct sink *s, uint64_t len, struct hq_err *err)
{
	static const uint8_t z[4];

	return len % 4 != 0 ? sink_write(s, z, 4 - len % 4, err) : 0;
}

static uint32_t
sum_bytes(const uint8_t *p, size_t len)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < len; i++)
		v += p[i];
	return v;
}

/* Copies len bytes from fd at off to the sink, flipping one byte at
 * flip (UINT64_MAX: none). */
static int
copy_range(int fd, const char *path, uint64_t off, uint64_t len,
    uint64_t flip, struct sink *s, uint8_t *buf, struct hq_err *err)
{
	uint64_t done = 0;
	size_t got;
	int rc;

	while (done < len) {
		size_t want = len - done < CHUNK ? (size_t)(len - done) : CHUNK;

		if ((rc = pread_all(fd, path, buf, want, off + done, &got,
		    err)) != 0)
			return rc;
		if (got != want)
			return hq_err_set(err, HQ_EIO, "%s: shorter than "
			    "parsed", path);
		if (flip >= done && flip < done + want)
			buf[flip - done] ^= 0x01;
		if ((rc = sink_write(s, buf, want, err)) != 0)
			return rc;
		done += want;
	}
	return 0;
}

/* The .swu rewritten entry by entry as m->swu says. */
static int
swu_rewrite(int fd, const char *path, const struct hq_fw_info *info,
    const struct hq_fw_mut *m, struct sink *s, uint8_t *buf,
    struct hq_err *err)
{
	struct hq_cpio_hdr h;
	char name[HQ_FW_CPIO_NAME_MAX], *desc = NULL;
	uint8_t *sig = NULL;
	size_t dlen = 0, slen = 0, got, i;
	uint64_t off = 0, data = 0, next = 0;
	bool payload_done = false, resign = m->swu == HQ_SWU_RESIGN ||
	    m->swu == HQ_SWU_ROLLBACK_RESIGN ||
	    m->swu == HQ_SWU_HWCOMPAT_RESIGN;
	int rc = 0;

	for (i = 0; i < CPIO_ENTRIES_MAX; i++, off = next) {
		uint64_t flip = UINT64_MAX;

		if ((rc = cpio_entry(fd, path, off, info->size, &h, name,
		    &data, &next, err)) != 0)
			goto out;
		if (strcmp(name, "sw-description") == 0) {
			dlen = h.f[CPIO_SIZE];
			if (dlen > HQ_FW_SWU_DESC_MAX ||
			    (desc = malloc(dlen + 64)) == NULL) {
				rc = hq_err_set(err, HQ_ENOMEM,
				    "sw-description of %zu bytes", dlen);
				goto out;
			}
			if ((rc = pread_all(fd, path, desc, dlen, data, &got,
			    err)) != 0)
				goto out;
			if (m->swu == HQ_SWU_DESC_CHANGED ||
			    m->swu == HQ_SWU_ROLLBACK_RESIGN)
				(void)desc_set(desc, &dlen, "version", 0,
				    m->swu == HQ_SWU_DESC_CHANGED ? "99.0.0" :
				    "0.0.1");
			if (m->swu == HQ_SWU_HWCOMPAT_RESIGN)
				(void)desc_set(desc, &dlen,
				    "hardware-compatibility", '[',
				    "hq-other-board-9");
			h.f[CPIO_SIZE] = (uint32_t)dlen;
			h.f[CPIO_CHECK] = h.crc ? sum_bytes((uint8_t *)desc,
			    dlen) : 0;
			if ((rc = cpio_put_hdr(s, &h, name, err)) != 0 ||
			    (rc = sink_write(s, (uint8_t *)desc, dlen,
			    err)) != 0 ||
			    (rc = cpio_put_pad(s, dlen, err)) != 0)
				goto out;
			continue;
		}
		if (strcmp(name, "sw-description.sig") == 0) {
			if (m->swu == HQ_SWU_NO_SIG)
				continue;
			if (resign) {
				if (desc == NULL) {
					rc = hq_err_set(err, HQ_EPROTO, "swu: "
					    "signature before sw-description");
					goto out;
				}
				if ((rc = cms_untrusted((uint8_t *)desc, dlen,
				    &sig, &slen, err)) != 0)
					goto out;
				h.f[CPIO_SIZE] = (uint32_t)slen;
				h.f[CPIO_CHECK] = h.crc ? sum_bytes(sig, slen) :
				    0;
				if ((rc = cpio_put_hdr(s, &h, name,
				    err)) != 0 ||
				    (rc = sink_write(s, sig, slen, err)) != 0 ||
				    (rc = cpio_put_pad(s, slen, err)) != 0)
					goto out;
				continue;
			}
		}
		if (strcmp(name, "TRAILER!!!") == 0) {
			if ((rc = cpio_put_hdr(s, &h, name, err)) != 0)
				goto out;
			/* what follows the trailer (block padding) as is */
			rc = copy_range(fd, path, next, info->size - next,
			    UINT64_MAX, s, buf, err);
			goto out;
		}
		if (m->swu == HQ_SWU_PAYLOAD_FLIP && !payload_done &&
		    h.f[CPIO_SIZE] > 0 &&
		    strcmp(name, "sw-description.sig") != 0) {
			uint8_t b;

			flip = h.f[CPIO_SIZE] / 2;
			if ((rc = pread_all(fd, path, &b, 1, data + flip,
			    &got, err)) != 0)
				goto out;
			/* keep the cpio checksum right: only the sha256 in
			 * sw-description may tell */
			if (h.crc)
				h.f[CPIO_CHECK] = h.f[CPIO_CHECK] - b +
				    (uint8_t)(b ^ 0x01);
			payload_done = true;
		}
		if ((rc = cpio_put_hdr(s, &h, name, err)) != 0 ||
		    (rc = copy_range(fd, path, data, h.f[CPIO_SIZE], flip, s,
		    buf, err)) != 0 ||
		    (rc = cpio_put_pad(s, h.f[CPIO_SIZE], err)) != 0)
			goto out;
	}
	rc = hq_err_set(err, HQ_EPROTO, "swu: no trailer");
 out:
	free(desc);
	free(sig);
	return rc;
}

/* The bundle's squashfs with a CMS signature by an untrusted signer. */
static int
raucb_resign(int fd, const char *path, const struct hq_fw_info *info,
    struct sink *s, struct hq_err *err)
{
	uint8_t *img = NULL, *sig = NULL, tail[8];
	size_t got, slen = 0;
	int i, rc;

	if (info->fmt != HQ_FW_RAUCB || info->sig_off > HQ_FW_LOAD_MAX)
		return hq_err_set(err, HQ_EINVAL, "re-signing needs a RAUC "
		    "bundle of at most %u bytes", HQ_FW_LOAD_MAX);
	if ((img = malloc(info->sig_off > 0 ? (size_t)info->sig_off : 1)) ==
	    NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if ((rc = pread_all(fd, path, img, (size_t)info->sig_off, 0, &got,
	    err)) != 0 ||
	    (rc = cms_untrusted(img, got, &sig, &slen, err)) != 0)
		goto out;
	for (i = 0; i < 8; i++)
		tail[i] = (uint8_t)((uint64_t)slen >> (56 - 8 * i));
	if ((rc = sink_write(s, img, got, err)) == 0 &&
	    (rc = sink_write(s, sig, slen, err)) == 0)
		rc = sink_write(s, tail, 8, err);
 out:
	free(img);
	free(sig);
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
	if (m->op == HQ_FWM_SWU) {
		rc = swu_rewrite(fd, genuine, info, m, &s, buf, err);
		goto out;
	}
	if (m->op == HQ_FWM_RAUCB_RESIGN) {
		rc = raucb_resign(fd, genuine, info, &s, err);
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
