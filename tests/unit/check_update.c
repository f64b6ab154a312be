/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firmware images (wire/fwimage): the HQFW header parser on a valid
 * header, every truncation and lengths over the file; the mutation plan
 * (generic and hqfw) and the streamed writer's bytes for each operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <check.h>

#include "model/dut.h"
#include "util/err.h"
#include "util/util.h"
#include "wire/fwimage.h"
#include "wire/fwserve.h"

static uint8_t hdr[HQ_FW_HQFW_HDR];

static void
make_hdr(uint32_t plen)
{
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, "HQFW\0\1\0\0", 8);
	memcpy(hdr + 8, "2.5.0", 5);
	hdr[24] = (uint8_t)(plen >> 24);
	hdr[25] = (uint8_t)(plen >> 16);
	hdr[26] = (uint8_t)(plen >> 8);
	hdr[27] = (uint8_t)plen;
}

START_TEST(test_update_hqfw_valid)
{
	struct hq_fw_info in;

	make_hdr(1000);
	ck_assert_int_eq(hq_fw_hqfw_parse(hdr, sizeof(hdr),
	    HQ_FW_HQFW_HDR + 1000 + HQ_FW_HQFW_TRAILER, &in, NULL), 0);
	ck_assert_str_eq(in.version, "2.5.0");
	ck_assert_uint_eq(in.payload_len, 1000);
	ck_assert_uint_eq(in.sig_off, HQ_FW_HQFW_HDR + 1000);
	ck_assert_uint_eq(in.sig_len, HQ_FW_HQFW_TRAILER);
	ck_assert_int_eq(hq_fw_hqfw_parse(hdr, sizeof(hdr),
	    HQ_FW_HQFW_HDR + 1000, &in, NULL), 0);
	ck_assert_uint_eq(in.sig_len, 0);	/* unsigned */
}
END_TEST

START_TEST(test_update_hqfw_truncated)	/* exactly _i bytes on the heap */
{
	uint8_t *copy = malloc(_i > 0 ? _i : 1);
	struct hq_fw_info in;

	ck_assert_ptr_nonnull(copy);
	make_hdr(10);
	memcpy(copy, hdr, _i);
	ck_assert_int_eq(hq_fw_hqfw_parse(copy, _i, 1000, &in, NULL),
	    HQ_EPROTO);
	free(copy);
}
END_TEST

START_TEST(test_update_hqfw_lengths)
{
	struct hq_fw_info in;

	make_hdr(0xffffffffu);		/* more than the file holds */
	ck_assert_int_eq(hq_fw_hqfw_parse(hdr, sizeof(hdr), 5000, &in, NULL),
	    HQ_EPROTO);
	make_hdr(100);			/* a trailer of the wrong size */
	ck_assert_int_eq(hq_fw_hqfw_parse(hdr, sizeof(hdr),
	    HQ_FW_HQFW_HDR + 100 + 7, &in, NULL), HQ_EPROTO);
	make_hdr(100);
	hdr[9] = 'x';			/* not a version */
	ck_assert_int_eq(hq_fw_hqfw_parse(hdr, sizeof(hdr),
	    HQ_FW_HQFW_HDR + 100, &in, NULL), HQ_EPROTO);
	make_hdr(100);
	ck_assert_int_eq(hq_fw_hqfw_parse(hdr, sizeof(hdr), 10, &in, NULL),
	    HQ_EPROTO);
}
END_TEST

static char dir[64];

static void
write_file(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, len, f), len);
	fclose(f);
}

static uint8_t *
read_file(const char *path, size_t *lenp)
{
	char *text = NULL;

	ck_assert_int_eq(hq_file_slurp(path, 1 << 26, &text, lenp, NULL), 0);
	return (uint8_t *)text;
}

START_TEST(test_update_mutations_generic)
{
	struct hq_fw_mut v[HQ_FW_MUT_MAX];
	struct hq_fw_info in;
	uint8_t *img = malloc(200000), *out;
	char src[128], dst[128], sha[65], sha2[65];
	size_t n, i, len;
	uint64_t size;

	ck_assert_ptr_nonnull(img);
	snprintf(dir, sizeof(dir), "/tmp/hq-check-update.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < 200000; i++)
		img[i] = (uint8_t)(i * 7);
	snprintf(src, sizeof(src), "%s/g.bin", dir);
	snprintf(dst, sizeof(dst), "%s/m.bin", dir);
	write_file(src, img, 200000);
	ck_assert_int_eq(hq_fw_inspect(src, HQ_FW_OPAQUE, &in, NULL), 0);
	ck_assert_int_eq(hq_fw_mutations(&in, 0, v, HQ_FW_MUT_MAX, &n, NULL),
	    0);
	ck_assert_uint_eq(n, 11);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(hq_fw_mutate(src, &in, &v[i], dst, sha, &size,
		    NULL), 0);
		out = read_file(dst, &len);
		ck_assert_uint_eq(len, size);
		hq_sha256_hex(out, len, sha2);
		ck_assert_str_eq(sha, sha2);
		switch (v[i].op) {
		case HQ_FWM_FLIP:
			ck_assert_uint_eq(len, 200000);
			ck_assert_int_eq(out[v[i].off] ^ img[v[i].off],
			    1 << v[i].bit);
			out[v[i].off] = img[v[i].off];
			ck_assert_int_eq(memcmp(out, img, len), 0);
			break;
		case HQ_FWM_TRUNC:
			ck_assert_uint_eq(len, v[i].off);
			ck_assert_int_eq(memcmp(out, img, len), 0);
			break;
		case HQ_FWM_APPEND:
			ck_assert_uint_eq(len, 200000 + v[i].off);
			ck_assert_int_eq(memcmp(out, img, 200000), 0);
			break;
		case HQ_FWM_PADTO:
			ck_assert_uint_eq(len, 400000);	/* twice at least */
			ck_assert_int_eq(memcmp(out, img, 200000), 0);
			break;
		default:
			ck_abort_msg("unexpected op for an opaque image");
		}
		free(out);
	}
	ck_assert_int_eq(hq_fw_copy(src, dst, sha, &size, NULL), 0);
	hq_sha256_hex(img, 200000, sha2);
	ck_assert_str_eq(sha, sha2);
	unlink(src);
	unlink(dst);
	rmdir(dir);
	free(img);
}
END_TEST

START_TEST(test_update_mutations_hqfw)
{
	struct hq_fw_mut v[HQ_FW_MUT_MAX];
	struct hq_fw_info in;
	uint8_t img[HQ_FW_HQFW_HDR + 64 + HQ_FW_HQFW_TRAILER], *out;
	char src[128], dst[128], sha[65];
	size_t n, i, len;
	uint64_t size;
	bool seen_resign = false, seen_unsigned = false;

	snprintf(dir, sizeof(dir), "/tmp/hq-check-update.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_hdr(64);
	memset(img, 0x5a, sizeof(img));
	memcpy(img, hdr, sizeof(hdr));
	memcpy(img + HQ_FW_HQFW_HDR + 64, "HQSG", 4);
	snprintf(src, sizeof(src), "%s/g.bin", dir);
	snprintf(dst, sizeof(dst), "%s/m.bin", dir);
	write_file(src, img, sizeof(img));
	ck_assert_int_eq(hq_fw_inspect(src, HQ_FW_HQFW, &in, NULL), 0);
	ck_assert_int_eq(hq_fw_mutations(&in, 0, v, HQ_FW_MUT_MAX, &n, NULL),
	    0);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(hq_fw_mutate(src, &in, &v[i], dst, sha, &size,
		    NULL), 0);
		out = read_file(dst, &len);
		if (strcmp(v[i].name, "unsigned") == 0) {
			seen_unsigned = true;
			ck_assert_uint_eq(len, HQ_FW_HQFW_HDR + 64);
		}
		if (strcmp(v[i].name, "resigned-untrusted") == 0) {
			seen_resign = true;
			ck_assert_uint_eq(len, sizeof(img));
			ck_assert_int_eq(memcmp(out, img, HQ_FW_HQFW_HDR + 68),
			    0);
			/* a new key and a real signature */
			ck_assert_int_ne(memcmp(out + HQ_FW_HQFW_HDR + 68,
			    img + HQ_FW_HQFW_HDR + 68, 96), 0);
		}
		if (strcmp(v[i].name, "version-raised") == 0)
			ck_assert_str_eq((char *)out + 8, "99.0.0");
		free(out);
	}
	ck_assert(seen_resign && seen_unsigned);
	/* Not of the declared format. */
	img[0] = 'X';
	write_file(src, img, sizeof(img));
	ck_assert_int_eq(hq_fw_inspect(src, HQ_FW_HQFW, &in, NULL),
	    HQ_EINVAL);
	unlink(src);
	unlink(dst);
	rmdir(dir);
}
END_TEST

/* ---- SWUpdate .swu (CPIO crc) ---- */

struct wbuf {
	uint8_t	p[16384];
	size_t	len;
};

static void
cpio_add(struct wbuf *b, const char *name, const void *data, size_t len)
{
	uint32_t sum = 0;
	size_t i, ns = strlen(name) + 1;
	char h[HQ_CPIO_HDR + 1];

	for (i = 0; i < len; i++)
		sum += ((const uint8_t *)data)[i];
	snprintf(h, sizeof(h), "070702%08X%08X%08X%08X%08X%08X%08X%08X%08X"
	    "%08X%08X%08X%08X", 1u, 0100644u, 0u, 0u, 1u, 0u, (unsigned)len,
	    0u, 0u, 0u, 0u, (unsigned)ns, sum);
	memcpy(b->p + b->len, h, HQ_CPIO_HDR);
	b->len += HQ_CPIO_HDR;
	memcpy(b->p + b->len, name, ns);
	b->len += ns;
	while (b->len % 4 != 0)
		b->p[b->len++] = 0;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	while (b->len % 4 != 0)
		b->p[b->len++] = 0;
}

static const char desc_text[] = "software = {\n\tversion = \"2.5.0\";\n"
    "\thardware-compatibility = [ \"1.0\" ];\n}\n";

static void
make_swu(struct wbuf *b)
{
	memset(b, 0, sizeof(*b));
	cpio_add(b, "sw-description", desc_text, strlen(desc_text));
	cpio_add(b, "sw-description.sig", "SIGNATURE-BYTES", 15);
	cpio_add(b, "version.json", "{\"version\":\"2.5.0\"}\n", 20);
	cpio_add(b, "TRAILER!!!", "", 0);
	b->len = (b->len + 511) / 512 * 512;	/* block padding */
}

/* Every entry's crc checksum matches its data. */
static bool
cpio_sums_ok(const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off + HQ_CPIO_HDR <= len) {
		struct hq_cpio_hdr h;
		size_t data, n;

		if (hq_cpio_hdr_parse(p + off, len - off, &h, NULL) != 0)
			return false;
		data = (off + HQ_CPIO_HDR + h.f[11] + 3) & ~(size_t)3;
		n = h.f[6];
		if (data + n > len)
			return false;
		if (h.crc) {
			uint32_t sum = 0;
			size_t i;

			for (i = 0; i < n; i++)
				sum += p[data + i];
			if (sum != h.f[12])
				return false;
		}
		if (memcmp(p + off + HQ_CPIO_HDR, "TRAILER!!!", 11) == 0)
			return true;
		off = (data + n + 3) & ~(size_t)3;
	}
	return false;
}

START_TEST(test_update_cpio_truncated)
{
	uint8_t *copy = malloc(_i > 0 ? _i : 1);
	struct hq_cpio_hdr h;
	struct wbuf b;

	ck_assert_ptr_nonnull(copy);
	make_swu(&b);
	memcpy(copy, b.p, _i);
	ck_assert_int_eq(hq_cpio_hdr_parse(copy, _i, &h, NULL), HQ_EPROTO);
	free(copy);
}
END_TEST

START_TEST(test_update_swu)
{
	struct hq_fw_mut v[HQ_FW_MUT_MAX];
	struct hq_fw_info in, out;
	struct wbuf b;
	char src[128], dst[128], sha[65];
	uint8_t *o;
	size_t n, i, len, nswu = 0;
	uint64_t size;

	snprintf(dir, sizeof(dir), "/tmp/hq-check-update.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(src, sizeof(src), "%s/g.swu", dir);
	snprintf(dst, sizeof(dst), "%s/m.swu", dir);
	make_swu(&b);
	write_file(src, b.p, b.len);
	ck_assert_int_eq(hq_fw_inspect(src, HQ_FW_SWU, &in, NULL), 0);
	ck_assert_str_eq(in.version, "2.5.0");
	ck_assert_uint_eq(in.desc_len, strlen(desc_text));
	ck_assert_uint_eq(in.sig_len, 15);
	ck_assert_uint_eq(in.payload_len, 20);
	ck_assert_uint_lt(in.content_end, b.len);
	ck_assert_int_eq(hq_fw_mutations(&in, 0, v, HQ_FW_MUT_MAX, &n, NULL),
	    0);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(hq_fw_mutate(src, &in, &v[i], dst, sha, &size,
		    NULL), 0);
		if (v[i].op != HQ_FWM_SWU) {
			/* junk after the trailer is marked, nothing else */
			ck_assert(v[i].outside == (v[i].op == HQ_FWM_APPEND ||
			    v[i].op == HQ_FWM_PADTO));
			continue;
		}
		nswu++;
		o = read_file(dst, &len);
		ck_assert_msg(cpio_sums_ok(o, len), "%s: cpio sums", v[i].name);
		ck_assert_int_eq(hq_fw_inspect(dst, HQ_FW_SWU, &out, NULL), 0);
		switch (v[i].swu) {
		case HQ_SWU_PAYLOAD_FLIP:
			ck_assert_str_eq(out.version, "2.5.0");
			ck_assert_int_ne(memcmp(o + out.payload_off,
			    b.p + in.payload_off, 20), 0);
			break;
		case HQ_SWU_DESC_CHANGED:
			ck_assert_str_eq(out.version, "99.0.0");
			ck_assert_uint_eq(out.sig_len, 15);	/* old sig */
			break;
		case HQ_SWU_NO_SIG:
			ck_assert_uint_eq(out.sig_len, 0);
			break;
		case HQ_SWU_RESIGN:
			ck_assert_str_eq(out.version, "2.5.0");
			ck_assert_uint_gt(out.sig_len, 200);	/* CMS DER */
			ck_assert_int_eq(o[out.sig_off], 0x30);
			break;
		case HQ_SWU_ROLLBACK_RESIGN:
			ck_assert_str_eq(out.version, "0.0.1");
			ck_assert_uint_gt(out.sig_len, 200);
			break;
		case HQ_SWU_HWCOMPAT_RESIGN:
			ck_assert_ptr_nonnull(memmem(o + out.desc_off,
			    out.desc_len, "hq-other-board-9", 16));
			break;
		}
		free(o);
	}
	ck_assert_uint_eq(nswu, 6);
	/* not a .swu */
	b.p[0] = 'X';
	write_file(src, b.p, b.len);
	ck_assert_int_eq(hq_fw_inspect(src, HQ_FW_SWU, &in, NULL), HQ_EINVAL);
	unlink(src);
	unlink(dst);
	rmdir(dir);
}
END_TEST

/* ---- the DUT file's update recipe ---- */

static int
load_dut(const char *update, struct hq_err *err)
{
	char path[128], text[4096];
	struct hq_dut *d = NULL;
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/hq-check-update.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dut.json", dir);
	snprintf(text, sizeof(text), "{ \"format\": \"hopquy-dut/1\", "
	    "\"identity\": { \"manufacturer\": \"m\", \"model\": \"x\", "
	    "\"serial\": \"1\", \"firmware\": \"1\", \"class\": "
	    "\"ip-camera\" }, \"bench\": { \"mode\": \"namespaces\", "
	    "\"address\": \"198.18.0.2\" }, \"surfaces\": [ { \"id\": "
	    "\"web\", \"proto\": \"https\", \"port\": 443 } ], "
	    "\"update\": %s, \"claims\": {} }", update);
	write_file(path, (const uint8_t *)text, strlen(text));
	rc = hq_dut_load(path, &d, err);
	hq_dut_free(d);
	unlink(path);
	rmdir(dir);
	return rc;
}

#define STEP_V	"{ \"surface\": \"web\", \"method\": \"GET\", \"path\": " \
	"\"/v\", \"capture\": { \"version\": \"/version\" } }"
#define HEALTH	"\"health\": { \"tcp\": \"web\" }"
#define TRIG(u, x) "{ \"surface\": \"web\", \"method\": \"POST\", " \
	"\"path\": \"/fetch\", \"body\": { \"url\": \"" u "\" }, " \
	"\"expect\": " x " }"
#define GEN	"\"genuine\": { \"file\": \"fw.bin\", \"version\": \"2\" }"

START_TEST(test_update_dut_recipe)
{
	struct hq_err err = { 0 };

	ck_assert_int_eq(load_dut("{ \"submit\": { \"request\": { \"surface\": "
	    "\"web\", \"method\": \"POST\", \"path\": \"/fw\" }, "
	    "\"form_field\": \"file\" }, \"outcome\": { \"version\": " STEP_V
	    " }, " HEALTH ", " GEN ", \"format\": \"swu\" }", &err), 0);
	ck_assert_int_eq(load_dut("{ \"pull\": { \"listen\": \"198.18.0.1\" },"
	    " \"trigger\": { \"command\": [\"fetch\", \"{url}\"] }, "
	    "\"outcome\": { \"version\": { \"command\": [\"v\"], \"capture\": "
	    "{ \"version\": \"/v\" } } }, " HEALTH ", " GEN " }", &err), 0);
	hq_err_clear(&err);
	ck_assert_int_eq(load_dut("{ \"submit\": { \"request\": { \"surface\": "
	    "\"web\", \"method\": \"POST\", \"path\": \"/fw\" } }, "
	    "\"outcome\": { \"version\": { \"surface\": \"web\", \"method\": "
	    "\"GET\", \"path\": \"/v\" } }, " HEALTH ", " GEN " }", &err),
	    HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "capture.version"));
	hq_err_clear(&err);
	ck_assert_int_eq(load_dut("{ \"pull\": { \"listen\": \"198.18.0.1\" },"
	    " \"outcome\": { \"version\": " STEP_V " }, " HEALTH ", " GEN " }",
	    &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "trigger"));
	hq_err_clear(&err);
	ck_assert_int_eq(load_dut("{ \"submit\": { \"request\": { \"surface\": "
	    "\"nope\", \"method\": \"POST\", \"path\": \"/fw\" } }, "
	    "\"outcome\": { \"version\": " STEP_V " }, " HEALTH ", " GEN " }",
	    &err), HQ_EINVAL);
	hq_err_clear(&err);
	ck_assert_int_eq(load_dut("{ \"submit\": { \"request\": { \"surface\": "
	    "\"web\", \"method\": \"POST\", \"path\": \"/fw\" } }, "
	    "\"outcome\": { \"version\": " STEP_V " }, " HEALTH ", " GEN
	    ", \"format\": \"zip\" }", &err), HQ_EINVAL);
	/* the trigger as a request step of the engine, {url} known */
	hq_err_clear(&err);
	ck_assert_msg(load_dut("{ \"pull\": { \"listen\": \"198.18.0.1\" },"
	    " \"trigger\": { \"request\": " TRIG("{url}", "200") " }, "
	    "\"outcome\": { \"version\": " STEP_V " }, " HEALTH ", " GEN " }",
	    &err) == 0, "%s", err.msg);
	hq_err_clear(&err);
	ck_assert_int_eq(load_dut("{ \"pull\": { \"listen\": \"198.18.0.1\" },"
	    " \"trigger\": { \"request\": " TRIG("{link}", "200") " }, "
	    "\"outcome\": { \"version\": " STEP_V " }, " HEALTH ", " GEN " }",
	    &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "update.trigger.request[0].body."
	    "url: unknown placeholder {link}"));
	hq_err_clear(&err);
	ck_assert_int_eq(load_dut("{ \"pull\": { \"listen\": \"198.18.0.1\" },"
	    " \"trigger\": { \"request\": " TRIG("{url}", "null") " }, "
	    "\"outcome\": { \"version\": " STEP_V " }, " HEALTH ", " GEN " }",
	    &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "update.trigger.request[0].expect: "
	    "required"));
	hq_err_clear(&err);
	ck_assert_int_eq(load_dut("{ \"pull\": { \"listen\": \"198.18.0.1\" },"
	    " \"trigger\": { \"command\": [\"x\"], \"request\": "
	    TRIG("{url}", "200") " }, \"outcome\": { \"version\": " STEP_V
	    " }, " HEALTH ", " GEN " }", &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "not both"));
}
END_TEST

/* ---- RAUC plain bundle ---- */

START_TEST(test_update_raucb)
{
	struct hq_fw_mut v[HQ_FW_MUT_MAX];
	struct hq_fw_info in, out;
	uint8_t img[4096 + 300 + 8];
	char src[128], dst[128], sha[65];
	size_t n, i;
	uint64_t size;
	bool seen = false;

	snprintf(dir, sizeof(dir), "/tmp/hq-check-update.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(src, sizeof(src), "%s/b.raucb", dir);
	snprintf(dst, sizeof(dst), "%s/m.raucb", dir);
	memset(img, 0x11, sizeof(img));
	memcpy(img, "hsqs", 4);
	memset(img + 40, 0, 8);
	img[41] = 0x10;			/* bytes_used 4096, little-endian */
	memset(img + 4096 + 300, 0, 8);
	img[4096 + 300 + 6] = 0x01;	/* signature of 300 bytes, BE */
	img[4096 + 300 + 7] = 0x2c;
	write_file(src, img, sizeof(img));
	ck_assert_int_eq(hq_fw_inspect(src, HQ_FW_RAUCB, &in, NULL), 0);
	ck_assert_uint_eq(in.sig_off, 4096);
	ck_assert_uint_eq(in.sig_len, 300);
	ck_assert_uint_eq(in.payload_off + in.payload_len, 4096);
	ck_assert_int_eq(hq_fw_mutations(&in, 0, v, HQ_FW_MUT_MAX, &n, NULL),
	    0);
	for (i = 0; i < n; i++) {
		if (v[i].op != HQ_FWM_RAUCB_RESIGN)
			continue;
		seen = true;
		ck_assert_int_eq(hq_fw_mutate(src, &in, &v[i], dst, sha, &size,
		    NULL), 0);
		ck_assert_int_eq(hq_fw_inspect(dst, HQ_FW_RAUCB, &out, NULL),
		    0);
		ck_assert_uint_eq(out.sig_off, 4096);
		ck_assert_uint_ne(out.sig_len, 300);
	}
	ck_assert(seen);
	/* a signature size past the file */
	img[4096 + 300 + 5] = 0x7f;
	write_file(src, img, sizeof(img));
	ck_assert_int_eq(hq_fw_inspect(src, HQ_FW_RAUCB, &in, NULL),
	    HQ_EINVAL);
	unlink(src);
	unlink(dst);
	rmdir(dir);
}
END_TEST

/* ---- the lab-side image server ---- */

static size_t
fetch(unsigned port, const char *req, char *out, size_t cap)
{
	struct sockaddr_in sa = { 0 };
	size_t len = 0;
	ssize_t r;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (len < cap && (r = read(fd, out + len, cap - len)) > 0)
		len += (size_t)r;
	close(fd);
	return len;
}

START_TEST(test_update_fwserve)
{
	struct hq_fwserve *s = NULL;
	struct hq_fwserve_stats st;
	static char out[300000];
	uint8_t *img = malloc(200000);
	char src[128], big[HQ_FWSERVE_HEAD_MAX + 100];
	unsigned port = 0;
	size_t len, i;

	ck_assert_ptr_nonnull(img);
	snprintf(dir, sizeof(dir), "/tmp/hq-check-update.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(src, sizeof(src), "%s/g.bin", dir);
	for (i = 0; i < 200000; i++)
		img[i] = (uint8_t)(i * 13);
	write_file(src, img, 200000);
	for (i = 0; i < 50 && s == NULL; i++) {
		port = 20000 + (unsigned)(getpid() % 20000) + (unsigned)i;
		if (hq_fwserve_start("127.0.0.1", port, NULL, NULL, &s,
		    NULL) != 0)
			s = NULL;
	}
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(hq_fwserve_set(s, src, "/hq/0-g.bin", NULL), 0);
	len = fetch(port, "GET /hq/0-g.bin HTTP/1.1\r\nHost: x\r\n\r\n", out,
	    sizeof(out));
	ck_assert_uint_gt(len, 200000);
	ck_assert_ptr_nonnull(strstr(out, "Content-Length: 200000"));
	ck_assert_int_eq(memcmp(out + len - 200000, img, 200000), 0);
	len = fetch(port, "GET /other HTTP/1.1\r\n\r\n", out, sizeof(out));
	ck_assert_ptr_nonnull(memmem(out, len, " 404 ", 5));
	len = fetch(port, "HEAD /hq/0-g.bin HTTP/1.1\r\n\r\n", out,
	    sizeof(out));
	ck_assert_uint_lt(len, 1000);
	memset(big, 'A', sizeof(big) - 1);	/* a head over the cap */
	big[sizeof(big) - 1] = '\0';
	len = fetch(port, big, out, sizeof(out));
	ck_assert_uint_lt(len, 200);
	hq_fwserve_stats(s, &st);
	ck_assert_uint_eq(st.requests, 2);	/* GET and HEAD of ours */
	ck_assert_uint_eq(st.complete, 1);
	ck_assert_uint_eq(st.bytes, 200000);
	ck_assert_str_eq(st.peer, "127.0.0.1");
	hq_fwserve_stop(s);
	unlink(src);
	rmdir(dir);
	free(img);
}
END_TEST

Suite *
suite_update(void)
{
	Suite *s = suite_create("update");
	TCase *tc = tcase_create("fwimage");

	tcase_add_test(tc, test_update_hqfw_valid);
	tcase_add_loop_test(tc, test_update_hqfw_truncated, 0, sizeof(hdr));
	tcase_add_test(tc, test_update_hqfw_lengths);
	tcase_add_test(tc, test_update_mutations_generic);
	tcase_add_test(tc, test_update_mutations_hqfw);
	tcase_add_loop_test(tc, test_update_cpio_truncated, 0, HQ_CPIO_HDR);
	tcase_add_test(tc, test_update_swu);
	tcase_add_test(tc, test_update_dut_recipe);
	tcase_add_test(tc, test_update_raucb);
	tcase_add_test(tc, test_update_fwserve);
	suite_add_tcase(s, tc);
	return s;
}
