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

#include <check.h>

#include "util/err.h"
#include "util/util.h"
#include "wire/fwimage.h"

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
	suite_add_tcase(s, tc);
	return s;
}
