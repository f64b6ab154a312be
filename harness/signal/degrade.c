/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Degraded scenes: PNG frames in and out (libpng's simplified API) and
 * seeded corruptions at severities 1 to 5 (see degrade.h for the
 * formulas).  Pure computation on the caller's buffers; it must not talk
 * to the device or write anything but the frame it is asked to write.
 */
#include <math.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "signal/degrade.h"
#include "util/err.h"

static const char *const kind_names[HQ_DG_COUNT] = {
	"lowlight", "occlusion", "defocus", "motion", "noise", "contrast",
	"jpeg",
};

/*
 * The severity table.  Levels follow the spirit of the common-corruptions
 * benchmark (noise sigma 0.08..0.38 of full scale there; here 10..60
 * levels of 255, since a camera's own pipeline already adds some).
 */
static const double lowlight_k[5] = { 0.6, 0.4, 0.25, 0.15, 0.08 };
static const double lowlight_sigma[5] = { 2, 4, 6, 8, 10 };
static const double occl_frac[5] = { 0.1, 0.2, 0.3, 0.4, 0.5 };
static const int defocus_r[5] = { 1, 2, 3, 4, 6 };
static const int motion_r[5] = { 1, 2, 4, 6, 8 };
static const double noise_sigma[5] = { 10, 20, 30, 45, 60 };
static const double contrast_c[5] = { 0.75, 0.5, 0.4, 0.3, 0.2 };
static const int jpeg_q[5] = { 50, 30, 20, 12, 6 };

const char *
hq_degrade_name(enum hq_degrade_kind kind)
{
	return (unsigned)kind < HQ_DG_COUNT ? kind_names[kind] : "?";
}

int
hq_degrade_parse(const char *name, enum hq_degrade_kind *kindp)
{
	int i;

	for (i = 0; i < HQ_DG_COUNT; i++)
		if (strcmp(kind_names[i], name) == 0) {
			*kindp = (enum hq_degrade_kind)i;
			return 0;
		}
	return -1;
}

int
hq_degrade_params(enum hq_degrade_kind kind, int severity,
    struct hq_degrade_params *pp)
{
	int i = severity - 1;

	memset(pp, 0, sizeof(*pp));
	if (severity < 1 || severity > HQ_DEGRADE_SEV_MAX)
		return HQ_EINVAL;
	switch (kind) {
	case HQ_DG_LOWLIGHT:
		pp->k = lowlight_k[i];
		pp->sigma = lowlight_sigma[i];
		return 0;
	case HQ_DG_OCCLUSION:
		pp->frac = occl_frac[i];
		return 0;
	case HQ_DG_DEFOCUS:
		pp->radius = defocus_r[i];
		return 0;
	case HQ_DG_MOTION:
		pp->radius = motion_r[i];
		return 0;
	case HQ_DG_NOISE:
		pp->sigma = noise_sigma[i];
		return 0;
	case HQ_DG_CONTRAST:
		pp->c = contrast_c[i];
		return 0;
	case HQ_DG_JPEG:
		pp->quality = jpeg_q[i];
		return 0;
	default:
		return HQ_EINVAL;
	}
}

/* splitmix64 (Steele, Lea, Flood 2014). */
uint64_t
hq_degrade_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
hq_degrade_rng_seed(uint64_t seed, uint64_t index)
{
	uint64_t s = seed ^ (index * 0xd1b54a32d192ed03ULL);

	return hq_degrade_rng_next(&s);
}

/* A uniform double in (0, 1], 53 bits. */
static double
rng_unit(uint64_t *state)
{
	return ((hq_degrade_rng_next(state) >> 11) + 1) * 0x1.0p-53;
}

double
hq_degrade_rng_gauss(uint64_t *state)
{
	double u1 = rng_unit(state), u2 = rng_unit(state);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static uint8_t
clamp8(double v)
{
	v = floor(v + 0.5);
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

int
hq_img_alloc(struct hq_img *img, unsigned w, unsigned h, unsigned ch,
    struct hq_err *err)
{
	memset(img, 0, sizeof(*img));
	if (w == 0 || h == 0 || w > HQ_IMG_DIM_MAX || h > HQ_IMG_DIM_MAX ||
	    (ch != 1 && ch != 3))
		return hq_err_set(err, HQ_EINVAL, "image %ux%u, %u channels: "
		    "out of range", w, h, ch);
	if ((img->px = calloc((size_t)w * h, ch)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "image %ux%u", w, h);
	img->w = w;
	img->h = h;
	img->ch = ch;
	return 0;
}

void
hq_img_clear(struct hq_img *img)
{
	if (img == NULL)
		return;
	free(img->px);
	memset(img, 0, sizeof(*img));
}

int
hq_img_read_png(const char *path, struct hq_img *img, struct hq_err *err)
{
	png_image pi;
	int rc;

	memset(img, 0, sizeof(*img));
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&pi, path))
		return hq_err_set(err, HQ_EPROTO, "%s: %s", path, pi.message);
	pi.format = (pi.format & PNG_FORMAT_FLAG_COLOR) != 0 ?
	    PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
	if ((rc = hq_img_alloc(img, pi.width, pi.height,
	    pi.format == PNG_FORMAT_RGB ? 3 : 1, err)) != 0) {
		png_image_free(&pi);
		return rc;
	}
	if (!png_image_finish_read(&pi, NULL, img->px, 0, NULL)) {
		rc = hq_err_set(err, HQ_EPROTO, "%s: %s", path, pi.message);
		png_image_free(&pi);
		hq_img_clear(img);
		return rc;
	}
	return 0;
}

int
hq_img_write_png(const char *path, const struct hq_img *img,
    struct hq_err *err)
{
	png_image pi;

	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	pi.width = img->w;
	pi.height = img->h;
	pi.format = img->ch == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
	if (!png_image_write_to_file(&pi, path, 0, img->px, 0, NULL))
		return hq_err_set(err, HQ_EIO, "%s: %s", path, pi.message);
	return 0;
}

static void
apply_lowlight(struct hq_img *img, const struct hq_degrade_params *p,
    uint64_t *rng)
{
	size_t i, n = (size_t)img->w * img->h * img->ch;

	for (i = 0; i < n; i++)
		img->px[i] = clamp8(img->px[i] * p->k +
		    p->sigma * hq_degrade_rng_gauss(rng));
}

static void
apply_noise(struct hq_img *img, const struct hq_degrade_params *p,
    uint64_t *rng)
{
	size_t i, n = (size_t)img->w * img->h * img->ch;

	for (i = 0; i < n; i++)
		img->px[i] = clamp8(img->px[i] +
		    p->sigma * hq_degrade_rng_gauss(rng));
}

static void
apply_contrast(struct hq_img *img, const struct hq_degrade_params *p)
{
	size_t i, n = (size_t)img->w * img->h * img->ch;
	double sum = 0, m;

	for (i = 0; i < n; i++)
		sum += img->px[i];
	m = sum / (double)n;
	for (i = 0; i < n; i++)
		img->px[i] = clamp8(m + (img->px[i] - m) * p->c);
}

static void
apply_occlusion(struct hq_img *img, const struct hq_degrade_params *p,
    const struct hq_box *box, uint64_t *rng)
{
	unsigned x0, y0, bw, bh, x, y;

	if (box != NULL && box->w > 0 && box->h > 0) {
		/* the left part of the target box: what a post or a
		 * passer-by hides */
		x0 = box->x < img->w ? box->x : img->w;
		y0 = box->y < img->h ? box->y : img->h;
		bw = (unsigned)floor(box->w * p->frac + 0.5);
		bh = box->h;
	} else {
		bw = (unsigned)floor(img->w * sqrt(p->frac) + 0.5);
		bh = (unsigned)floor(img->h * sqrt(p->frac) + 0.5);
		x0 = (unsigned)(hq_degrade_rng_next(rng) %
		    (img->w - bw + 1));
		y0 = (unsigned)(hq_degrade_rng_next(rng) %
		    (img->h - bh + 1));
	}
	for (y = y0; y < y0 + bh && y < img->h; y++)
		for (x = x0; x < x0 + bw && x < img->w; x++)
			memset(img->px + ((size_t)y * img->w + x) * img->ch,
			    0, img->ch);
}

/* Mean over the kernel offsets (dx[i], dy[i]), edges clamped. */
static int
apply_kernel(struct hq_img *img, const int *dx, const int *dy, size_t nk,
    struct hq_err *err)
{
	uint8_t *out;
	unsigned x, y, c;
	size_t i;

	if ((out = malloc((size_t)img->w * img->h * img->ch)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "blur buffer");
	for (y = 0; y < img->h; y++)
		for (x = 0; x < img->w; x++)
			for (c = 0; c < img->ch; c++) {
				double sum = 0;

				for (i = 0; i < nk; i++) {
					long xx = (long)x + dx[i];
					long yy = (long)y + dy[i];

					xx = xx < 0 ? 0 : xx >= (long)img->w ?
					    (long)img->w - 1 : xx;
					yy = yy < 0 ? 0 : yy >= (long)img->h ?
					    (long)img->h - 1 : yy;
					sum += img->px[((size_t)yy * img->w +
					    (size_t)xx) * img->ch + c];
				}
				out[((size_t)y * img->w + x) * img->ch + c] =
				    clamp8(sum / (double)nk);
			}
	free(img->px);
	img->px = out;
	return 0;
}

static int
apply_blur(struct hq_img *img, int r, bool disc, struct hq_err *err)
{
	int dx[(2 * 8 + 1) * (2 * 8 + 1)], dy[(2 * 8 + 1) * (2 * 8 + 1)];
	size_t nk = 0;
	int x, y;

	if (r < 0 || r > 8)
		return hq_err_set(err, HQ_EINTERNAL, "blur radius %d", r);
	for (y = disc ? -r : 0; y <= (disc ? r : 0); y++)
		for (x = -r; x <= r; x++)
			if (!disc || x * x + y * y <= r * r) {
				dx[nk] = x;
				dy[nk] = y;
				nk++;
			}
	return apply_kernel(img, dx, dy, nk, err);
}

struct jerr {
	struct jpeg_error_mgr	 pub;
	jmp_buf			 jb;
	char			 msg[JMSG_LENGTH_MAX];
};

static void
jerr_exit(j_common_ptr cinfo)
{
	struct jerr *je = (struct jerr *)cinfo->err;

	(*cinfo->err->format_message)(cinfo, je->msg);
	longjmp(je->jb, 1);
}

/* Round trip through libjpeg-turbo at quality q, 4:2:0 like a camera. */
static int
apply_jpeg(struct hq_img *img, int quality, struct hq_err *err)
{
	struct jpeg_compress_struct cc;
	struct jpeg_decompress_struct dc;
	struct jerr je;
	unsigned char *volatile buf = NULL;
	unsigned long blen = 0;
	unsigned char *row;
	unsigned char *mem = NULL;

	memset(&cc, 0, sizeof(cc));
	memset(&dc, 0, sizeof(dc));
	cc.err = jpeg_std_error(&je.pub);
	je.pub.error_exit = jerr_exit;
	if (setjmp(je.jb) != 0) {
		jpeg_destroy_compress(&cc);
		free(buf);
		return hq_err_set(err, HQ_EINTERNAL, "jpeg encode: %s",
		    je.msg);
	}
	jpeg_create_compress(&cc);
	jpeg_mem_dest(&cc, &mem, &blen);
	cc.image_width = img->w;
	cc.image_height = img->h;
	cc.input_components = (int)img->ch;
	cc.in_color_space = img->ch == 3 ? JCS_RGB : JCS_GRAYSCALE;
	jpeg_set_defaults(&cc);
	jpeg_set_quality(&cc, quality, TRUE);
	cc.dct_method = JDCT_ISLOW;	/* the exact, portable one */
	jpeg_start_compress(&cc, TRUE);
	while (cc.next_scanline < cc.image_height) {
		row = img->px + (size_t)cc.next_scanline * img->w * img->ch;
		jpeg_write_scanlines(&cc, &row, 1);
	}
	jpeg_finish_compress(&cc);
	buf = mem;
	jpeg_destroy_compress(&cc);

	dc.err = jpeg_std_error(&je.pub);
	je.pub.error_exit = jerr_exit;
	if (setjmp(je.jb) != 0) {
		jpeg_destroy_decompress(&dc);
		free(buf);
		return hq_err_set(err, HQ_EINTERNAL, "jpeg decode: %s",
		    je.msg);
	}
	jpeg_create_decompress(&dc);
	jpeg_mem_src(&dc, buf, blen);
	jpeg_read_header(&dc, TRUE);
	dc.out_color_space = img->ch == 3 ? JCS_RGB : JCS_GRAYSCALE;
	dc.dct_method = JDCT_ISLOW;
	jpeg_start_decompress(&dc);
	if (dc.output_width != img->w || dc.output_height != img->h ||
	    dc.output_components != (int)img->ch) {
		jpeg_destroy_decompress(&dc);
		free(buf);
		return hq_err_set(err, HQ_EINTERNAL, "jpeg round trip changed "
		    "the geometry");
	}
	while (dc.output_scanline < dc.output_height) {
		row = img->px + (size_t)dc.output_scanline * img->w * img->ch;
		jpeg_read_scanlines(&dc, &row, 1);
	}
	jpeg_finish_decompress(&dc);
	jpeg_destroy_decompress(&dc);
	free(buf);
	return 0;
}

int
hq_degrade_apply(struct hq_img *img, enum hq_degrade_kind kind,
    int severity, uint64_t seed, uint64_t index, const struct hq_box *box,
    struct hq_err *err)
{
	struct hq_degrade_params p;
	uint64_t rng = hq_degrade_rng_seed(seed, index);

	if (hq_degrade_params(kind, severity, &p) != 0)
		return hq_err_set(err, HQ_EINVAL, "%s: severity %d, want 1 "
		    "to %d", hq_degrade_name(kind), severity,
		    HQ_DEGRADE_SEV_MAX);
	switch (kind) {
	case HQ_DG_LOWLIGHT:
		apply_lowlight(img, &p, &rng);
		return 0;
	case HQ_DG_OCCLUSION:
		apply_occlusion(img, &p, box, &rng);
		return 0;
	case HQ_DG_DEFOCUS:
		return apply_blur(img, p.radius, true, err);
	case HQ_DG_MOTION:
		return apply_blur(img, p.radius, false, err);
	case HQ_DG_NOISE:
		apply_noise(img, &p, &rng);
		return 0;
	case HQ_DG_CONTRAST:
		apply_contrast(img, &p);
		return 0;
	case HQ_DG_JPEG:
		return apply_jpeg(img, p.quality, err);
	default:
		return hq_err_set(err, HQ_EINVAL, "unknown degradation");
	}
}
