/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firmware images: what hopquy knows of their formats (the reference
 * simulator's "HQFW" format; anything else is opaque) and the mutations it
 * makes itself from a genuine image, each written to its own file by a
 * streamed copy (a 512 MB image is never held in memory; only re-signing
 * loads an image, up to HQ_FW_LOAD_MAX).  Parsers read bounded heads and
 * tails of the file and check every length against the file's size.
 */
#ifndef HQ_FWIMAGE_H
#define HQ_FWIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hq_err;

#define HQ_FW_LOAD_MAX		(64u << 20)	/* re-signing loads it */
#define HQ_FW_MUT_MAX		32		/* mutations per image */
#define HQ_FW_VERSION_MAX	31
#define HQ_FW_HQFW_HDR		28
#define HQ_FW_HQFW_TRAILER	100

enum hq_fw_format {
	HQ_FW_OPAQUE = 0,	/* generic mutations only */
	HQ_FW_HQFW,		/* fixtures/dutsim/fw.c */
	HQ_FW_SWU,		/* SWUpdate: CPIO newc/crc, sw-description,
				 * sw-description.sig (CMS), payloads */
	HQ_FW_RAUCB,		/* RAUC plain bundle: squashfs, CMS
				 * signature, its size (u64 big-endian) */
};

#define HQ_FW_SWU_DESC_MAX	(1u << 20)	/* sw-description, .sig */
#define HQ_FW_CPIO_NAME_MAX	256

/* "opaque", "hqfw"; -1 when unknown. */
int	hq_fw_format_parse(const char *name, enum hq_fw_format *fmtp);
const char *hq_fw_format_name(enum hq_fw_format fmt);

/* An image's regions as far as its format tells (offsets in bytes). */
struct hq_fw_info {
	enum hq_fw_format fmt;
	uint64_t	 size;
	char		 version[HQ_FW_VERSION_MAX + 1];	/* "" unknown */
	uint64_t	 hdr_len;	/* header: [0, hdr_len) */
	uint64_t	 payload_off;	/* payload: [payload_off, +len) */
	uint64_t	 payload_len;
	uint64_t	 sig_off;	/* signature block: [sig_off, +len) */
	uint64_t	 sig_len;	/* 0: unsigned or unknown */
	uint64_t	 content_end;	/* archive formats: where the archive
					 * ends (trailer); 0: the file's end */
	uint64_t	 data_end;	/* archives: end of the last entry's
					 * data before the trailer */
	uint64_t	 desc_off;	/* swu: sw-description's data */
	uint64_t	 desc_len;
};

/*
 * Reads path's size and, for a known format, parses its header (bounded)
 * into info.  HQ_EINVAL when the file is not of the declared format.
 */
int	hq_fw_inspect(const char *path, enum hq_fw_format fmt,
	    struct hq_fw_info *info, struct hq_err *err);
/* One CPIO newc (070701) or crc (070702) header, 110 bytes. */
struct hq_cpio_hdr {
	bool		 crc;
	uint32_t	 f[13];		/* ino mode uid gid nlink mtime
					 * filesize devmajor devminor
					 * rdevmajor rdevminor namesize check */
};
#define HQ_CPIO_HDR	110
/* Parses p[0..len); HQ_EPROTO for a short or non-hex header. */
int	hq_cpio_hdr_parse(const uint8_t *p, size_t len,
	    struct hq_cpio_hdr *h, struct hq_err *err);
/* The HQFW header in p[0..len) of an image of total bytes; HQ_EPROTO. */
int	hq_fw_hqfw_parse(const uint8_t *p, size_t len, uint64_t total,
	    struct hq_fw_info *info, struct hq_err *err);

enum hq_fw_op {
	HQ_FWM_FLIP,		/* flip bit `bit` of byte `off` */
	HQ_FWM_TRUNC,		/* keep the first `off` bytes */
	HQ_FWM_APPEND,		/* append `off` bytes of junk */
	HQ_FWM_PADTO,		/* junk up to `off` bytes in all */
	HQ_FWM_PATCH,		/* write patch[0..npatch) at `off` */
	HQ_FWM_RESIGN,		/* HQFW: signed again by a key nobody
				 * trusts (made for the run) */
	HQ_FWM_SWU,		/* a .swu rewritten: `swu` says how */
	HQ_FWM_RAUCB_RESIGN,	/* RAUC plain bundle signed by a new,
				 * untrusted key (loads the bundle) */
};

enum hq_fw_swu_edit {
	HQ_SWU_PAYLOAD_FLIP = 1,	/* payload byte changed, cpio sum kept
					 * right: only the sha256 can tell */
	HQ_SWU_DESC_CHANGED,		/* sw-description's version changed
					 * after signing */
	HQ_SWU_NO_SIG,			/* sw-description.sig left out */
	HQ_SWU_RESIGN,			/* signed by a new, untrusted key */
	HQ_SWU_ROLLBACK_RESIGN,		/* version 0.0.1, untrusted key */
	HQ_SWU_HWCOMPAT_RESIGN,		/* other hardware, untrusted key */
};

struct hq_fw_mut {
	char		 name[40];	/* stable: "flip-payload" */
	char		 region[16];	/* header payload signature whole */
	char		 what[160];	/* for the report */
	enum hq_fw_op	 op;
	uint64_t	 off;
	uint8_t		 bit;
	uint8_t		 patch[32];
	size_t		 npatch;
	enum hq_fw_swu_edit swu;
	bool		 outside;	/* only bytes after the archive's end
					 * change: an acceptance is noted,
					 * not a finding */
};

/*
 * The mutations of an image described by info: generic ones (bit flips
 * in the header, payload and signature regions, truncations at a quarter,
 * a half, three quarters and one byte short, zero length, appended junk,
 * an image padded to oversize bytes) and the format's own.  Up to max
 * into v, *np set.
 */
int	hq_fw_mutations(const struct hq_fw_info *info, uint64_t oversize,
	    struct hq_fw_mut *v, size_t max, size_t *np, struct hq_err *err);
/*
 * Writes the genuine image with m applied to out (created 0644, replaced),
 * streamed; *sha (65 bytes) and *sizep get what was written.
 */
int	hq_fw_mutate(const char *genuine, const struct hq_fw_info *info,
	    const struct hq_fw_mut *m, const char *out, char *sha,
	    uint64_t *sizep, struct hq_err *err);
/* A copy of src at dst (a hard link when the file system allows), its
 * SHA-256 and size. */
int	hq_fw_copy(const char *src, const char *dst, char *sha,
	    uint64_t *sizep, struct hq_err *err);

#endif
