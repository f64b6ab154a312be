/* SPDX-License-Identifier: Apache-2.0 */
/* Degradations: each one against its formula on a synthetic image, PNG
 * round trip, and the same seed giving byte-identical frames. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "signal/degrade.h"
#include "util/err.h"
#include "util/util.h"

Suite *suite_degrade(void);

/* A 64x48 grey ramp with a bright square: edges for the blurs. */
static void
synth(struct hq_img *img, unsigned ch)
{
	unsigned x, y, c;

	ck_assert_int_eq(hq_img_alloc(img, 64, 48, ch, NULL), 0);
	for (y = 0; y < img->h; y++)
		for (x = 0; x < img->w; x++)
			for (c = 0; c < ch; c++)
				img->px[(y * img->w + x) * ch + c] =
				    (x >= 20 && x < 40 && y >= 10 && y < 30) ?
				    230 : (uint8_t)(40 + x + 10 * c);
}

static uint8_t
cl8(double v)
{
	v = floor(v + 0.5);
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

START_TEST(test_degrade_names)
{
	enum hq_degrade_kind k;
	struct hq_degrade_params p;
	int i;

	for (i = 0; i < HQ_DG_COUNT; i++) {
		ck_assert_int_eq(hq_degrade_parse(hq_degrade_name(i), &k), 0);
		ck_assert_int_eq(k, i);
		ck_assert_int_eq(hq_degrade_params(i, 0, &p), HQ_EINVAL);
		ck_assert_int_eq(hq_degrade_params(i, 6, &p), HQ_EINVAL);
		ck_assert_int_eq(hq_degrade_params(i, 5, &p), 0);
	}
	ck_assert_int_eq(hq_degrade_parse("fog", &k), -1);
}
END_TEST

/* lowlight: in * k + sigma * N, N drawn from the published generator */
START_TEST(test_degrade_lowlight)
{
	struct hq_img img, ref;
	struct hq_degrade_params p;
	uint64_t rng = hq_degrade_rng_seed(7, 3);
	size_t i, n;

	synth(&img, 3);
	synth(&ref, 3);
	ck_assert_int_eq(hq_degrade_params(HQ_DG_LOWLIGHT, 4, &p), 0);
	ck_assert_double_eq(p.k, 0.15);
	ck_assert_int_eq(hq_degrade_apply(&img, HQ_DG_LOWLIGHT, 4, 7, 3,
	    NULL, NULL), 0);
	n = (size_t)img.w * img.h * img.ch;
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(img.px[i], cl8(ref.px[i] * p.k +
		    p.sigma * hq_degrade_rng_gauss(&rng)));
	hq_img_clear(&img);
	hq_img_clear(&ref);
}
END_TEST

/* noise: mean 0 and std sigma on mid grey (no clamping), exact values */
START_TEST(test_degrade_noise)
{
	struct hq_img img;
	struct hq_degrade_params p;
	uint64_t rng = hq_degrade_rng_seed(11, 0);
	double sum = 0, sq = 0, d;
	size_t i, n;

	ck_assert_int_eq(hq_img_alloc(&img, 64, 64, 1, NULL), 0);
	memset(img.px, 128, 64 * 64);
	ck_assert_int_eq(hq_degrade_params(HQ_DG_NOISE, 1, &p), 0);
	ck_assert_int_eq(hq_degrade_apply(&img, HQ_DG_NOISE, 1, 11, 0,
	    NULL, NULL), 0);
	n = 64 * 64;
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(img.px[i], cl8(128 +
		    p.sigma * hq_degrade_rng_gauss(&rng)));
		d = img.px[i] - 128.0;
		sum += d;
		sq += d * d;
	}
	ck_assert(fabs(sum / n) < 1.0);
	ck_assert(fabs(sqrt(sq / n) - p.sigma) < 0.5);
	hq_img_clear(&img);
}
END_TEST

/* contrast: m + (in - m) * c with m the frame's mean */
START_TEST(test_degrade_contrast)
{
	struct hq_img img, ref;
	struct hq_degrade_params p;
	double m = 0;
	size_t i, n;

	synth(&img, 1);
	synth(&ref, 1);
	n = (size_t)img.w * img.h;
	for (i = 0; i < n; i++)
		m += ref.px[i];
	m /= n;
	ck_assert_int_eq(hq_degrade_params(HQ_DG_CONTRAST, 2, &p), 0);
	ck_assert_int_eq(hq_degrade_apply(&img, HQ_DG_CONTRAST, 2, 0, 0,
	    NULL, NULL), 0);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(img.px[i], cl8(m + (ref.px[i] - m) * p.c));
	hq_img_clear(&img);
	hq_img_clear(&ref);
}
END_TEST

/* occlusion: exactly the fraction of the area black, the rest intact */
START_TEST(test_degrade_occlusion)
{
	struct hq_img img, ref;
	struct hq_box box = { 20, 10, 20, 20 };
	size_t i, n, black = 0, changed = 0;
	unsigned x, y;

	ck_assert_int_eq(hq_img_alloc(&img, 100, 100, 1, NULL), 0);
	memset(img.px, 200, 100 * 100);
	ck_assert_int_eq(hq_degrade_apply(&img, HQ_DG_OCCLUSION, 3, 5, 1,
	    NULL, NULL), 0);
	for (i = 0; i < 100 * 100; i++)
		black += img.px[i] == 0;
	/* side round(100 * sqrt(0.3)) = 55: 55 * 55 pixels */
	ck_assert_uint_eq(black, 55 * 55);
	hq_img_clear(&img);

	/* a declared box: its left 30 % (6 columns), nothing else */
	synth(&img, 3);
	synth(&ref, 3);
	ck_assert_int_eq(hq_degrade_apply(&img, HQ_DG_OCCLUSION, 3, 5, 1,
	    &box, NULL), 0);
	n = (size_t)img.w * img.h;
	for (y = 0; y < img.h; y++)
		for (x = 0; x < img.w; x++) {
			bool in = x >= 20 && x < 26 && y >= 10 && y < 30;

			i = (size_t)y * img.w + x;
			if (in)
				ck_assert_uint_eq(img.px[i * 3] | img.px[i * 3
				    + 1] | img.px[i * 3 + 2], 0);
			else
				changed += memcmp(img.px + i * 3,
				    ref.px + i * 3, 3) != 0;
		}
	ck_assert_uint_eq(changed, 0);
	(void)n;
	hq_img_clear(&img);
	hq_img_clear(&ref);
}
END_TEST

/* the mean over a kernel of offsets, edges clamped */
static uint8_t
kmean(const struct hq_img *im, int x, int y, int r, bool disc)
{
	double s = 0;
	int n = 0, dx, dy;

	for (dy = disc ? -r : 0; dy <= (disc ? r : 0); dy++)
		for (dx = -r; dx <= r; dx++) {
			int xx = x + dx, yy = y + dy;

			if (disc && dx * dx + dy * dy > r * r)
				continue;
			xx = xx < 0 ? 0 : xx >= (int)im->w ? (int)im->w - 1 : xx;
			yy = yy < 0 ? 0 : yy >= (int)im->h ? (int)im->h - 1 : yy;
			s += im->px[yy * im->w + xx];
			n++;
		}
	return cl8(s / n);
}

START_TEST(test_degrade_blur)
{
	struct hq_img img, ref;
	struct hq_degrade_params p;
	int x, y, pass;

	for (pass = 0; pass < 2; pass++) {
		enum hq_degrade_kind k = pass == 0 ? HQ_DG_DEFOCUS : HQ_DG_MOTION;

		synth(&img, 1);
		synth(&ref, 1);
		ck_assert_int_eq(hq_degrade_params(k, 3, &p), 0);
		ck_assert_int_eq(hq_degrade_apply(&img, k, 3, 0, 0, NULL,
		    NULL), 0);
		for (y = 0; y < (int)img.h; y++)
			for (x = 0; x < (int)img.w; x++)
				ck_assert_uint_eq(img.px[y * img.w + x],
				    kmean(&ref, x, y, p.radius, pass == 0));
		/* a vertical edge survives horizontal motion on its rows'
		 * far side, and the square's inside stays 230 */
		ck_assert_uint_eq(img.px[20 * img.w + 30], 230);
		hq_img_clear(&img);
		hq_img_clear(&ref);
	}
}
END_TEST

/* jpeg: close to the input on average, not identical, quality matters */
START_TEST(test_degrade_jpeg)
{
	struct hq_img a, b, ref;
	double ea = 0, eb = 0;
	size_t i, n;

	synth(&a, 3);
	synth(&b, 3);
	synth(&ref, 3);
	ck_assert_int_eq(hq_degrade_apply(&a, HQ_DG_JPEG, 1, 0, 0, NULL,
	    NULL), 0);
	ck_assert_int_eq(hq_degrade_apply(&b, HQ_DG_JPEG, 5, 0, 0, NULL,
	    NULL), 0);
	n = (size_t)a.w * a.h * 3;
	for (i = 0; i < n; i++) {
		ea += fabs((double)a.px[i] - ref.px[i]);
		eb += fabs((double)b.px[i] - ref.px[i]);
	}
	ea /= n;
	eb /= n;
	ck_assert(ea > 0.0 && ea < 8.0);
	ck_assert(eb > ea);
	ck_assert_int_ne(memcmp(a.px, ref.px, n), 0);
	hq_img_clear(&a);
	hq_img_clear(&b);
	hq_img_clear(&ref);
}
END_TEST

/* PNG out and in; the same seed gives byte-identical files, another seed
 * different ones */
START_TEST(test_degrade_reproducible)
{
	char dir[] = "/tmp/hq-degrade-XXXXXX", p1[64], p2[64], p3[64];
	char h1[65], h2[65], h3[65];
	struct hq_img img, back;
	int pass;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (pass = 0; pass < 3; pass++) {
		synth(&img, 3);
		ck_assert_int_eq(hq_degrade_apply(&img, HQ_DG_LOWLIGHT, 3,
		    pass == 2 ? 43 : 42, 0, NULL, NULL), 0);
		ck_assert_int_eq(hq_degrade_apply(&img, HQ_DG_OCCLUSION, 2,
		    pass == 2 ? 43 : 42, 0, NULL, NULL), 0);
		snprintf(pass == 0 ? p1 : pass == 1 ? p2 : p3, 64,
		    "%s/f%d.png", dir, pass);
		ck_assert_int_eq(hq_img_write_png(pass == 0 ? p1 : pass == 1 ?
		    p2 : p3, &img, NULL), 0);
		if (pass == 0) {
			ck_assert_int_eq(hq_img_read_png(p1, &back, NULL), 0);
			ck_assert_uint_eq(back.w, 64);
			ck_assert_uint_eq(back.ch, 3);
			ck_assert_int_eq(memcmp(back.px, img.px, 64 * 48 * 3),
			    0);
			hq_img_clear(&back);
		}
		hq_img_clear(&img);
	}
	ck_assert_int_eq(hq_sha256_file(p1, h1, NULL, NULL), 0);
	ck_assert_int_eq(hq_sha256_file(p2, h2, NULL, NULL), 0);
	ck_assert_int_eq(hq_sha256_file(p3, h3, NULL, NULL), 0);
	ck_assert_str_eq(h1, h2);
	ck_assert_str_ne(h1, h3);
	ck_assert_int_ne(hq_img_read_png("/etc/hostname", &back, NULL), 0);
	unlink(p1);
	unlink(p2);
	unlink(p3);
	rmdir(dir);
}
END_TEST

Suite *
suite_degrade(void)
{
	Suite *s = suite_create("degrade");
	TCase *tc;

	tc = tcase_create("formulas");
	tcase_add_test(tc, test_degrade_names);
	tcase_add_test(tc, test_degrade_lowlight);
	tcase_add_test(tc, test_degrade_noise);
	tcase_add_test(tc, test_degrade_contrast);
	tcase_add_test(tc, test_degrade_occlusion);
	tcase_add_test(tc, test_degrade_blur);
	tcase_add_test(tc, test_degrade_jpeg);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, test_degrade_reproducible);
	suite_add_tcase(s, tc);
	return s;
}
