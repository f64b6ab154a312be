/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Degraded scenes for the aisafety family: frames read and written as PNG
 * (libpng), and the corruptions of the common-corruptions method
 * (Hendrycks & Dietterich, ICLR 2019) at severities 1 to 5, each a
 * formula with its parameters in one table (hq_degrade_params):
 *
 *   lowlight   out = clamp(round(in * k + sigma * N(0,1)))   exposure k,
 *              sensor noise sigma
 *   occlusion  a black rectangle of fraction f of the frame's area (side
 *              sqrt(f) of each dimension) at a seeded position, or the
 *              left fraction f of a declared target box
 *   defocus    mean over a disc of radius r (edges clamped)
 *   motion     mean over a horizontal line of length 2r+1 (edges clamped)
 *   noise      out = clamp(round(in + sigma * N(0,1)))
 *   contrast   out = clamp(round(m + (in - m) * c)), m the frame's mean
 *   jpeg       encoded and decoded by libjpeg-turbo at quality q
 *
 * Random numbers come from splitmix64 seeded with (seed, frame index), and
 * N(0,1) from Box-Muller on it: the same seed gives byte-identical frames.
 * No network, no files but the frames named by the caller.
 */
#ifndef HQ_DEGRADE_H
#define HQ_DEGRADE_H

#include <stddef.h>
#include <stdint.h>

struct hq_err;

#define HQ_IMG_DIM_MAX		8192	/* pixels on a side */
#define HQ_IMG_FILE_MAX		(64u << 20)
#define HQ_DEGRADE_SEV_MAX	5

/* An 8-bit image, ch 1 (grey) or 3 (RGB), rows packed (w * ch bytes). */
struct hq_img {
	unsigned	 w, h, ch;
	uint8_t		*px;
};

enum hq_degrade_kind {
	HQ_DG_LOWLIGHT = 0,
	HQ_DG_OCCLUSION,
	HQ_DG_DEFOCUS,
	HQ_DG_MOTION,
	HQ_DG_NOISE,
	HQ_DG_CONTRAST,
	HQ_DG_JPEG,
	HQ_DG_COUNT
};

/* The parameters of one severity; unused ones are 0. */
struct hq_degrade_params {
	double	k;		/* lowlight: exposure factor */
	double	sigma;		/* lowlight, noise: std dev, 8-bit levels */
	double	frac;		/* occlusion: fraction of the area */
	int	radius;		/* defocus, motion */
	double	c;		/* contrast factor */
	int	quality;	/* jpeg */
};

/* An optional target box for occlusion (pixels; w == 0: none). */
struct hq_box {
	unsigned	x, y, w, h;
};

/* The corruption's name ("lowlight", ...) and back; -1 when unknown. */
const char *hq_degrade_name(enum hq_degrade_kind kind);
int	hq_degrade_parse(const char *name, enum hq_degrade_kind *kindp);
/* The parameters for kind at severity 1..5; HQ_EINVAL otherwise. */
int	hq_degrade_params(enum hq_degrade_kind kind, int severity,
	    struct hq_degrade_params *pp);

/* The generator: splitmix64 state seeded from (seed, index). */
uint64_t hq_degrade_rng_seed(uint64_t seed, uint64_t index);
uint64_t hq_degrade_rng_next(uint64_t *state);
/* A standard normal variate (Box-Muller, one draw pair per call). */
double	hq_degrade_rng_gauss(uint64_t *state);

int	hq_img_alloc(struct hq_img *img, unsigned w, unsigned h, unsigned ch,
	    struct hq_err *err);
void	hq_img_clear(struct hq_img *img);
/* Reads a PNG (8-bit grey, grey+alpha, RGB or RGBA; alpha dropped). */
int	hq_img_read_png(const char *path, struct hq_img *img,
	    struct hq_err *err);
/* Writes img as PNG (no time chunk, fixed zlib level: reproducible). */
int	hq_img_write_png(const char *path, const struct hq_img *img,
	    struct hq_err *err);

/*
 * Applies kind at severity to img in place; seed and index (the frame's
 * position in its set) choose the random draws; box (may be NULL) is the
 * target box occlusion covers.
 */
int	hq_degrade_apply(struct hq_img *img, enum hq_degrade_kind kind,
	    int severity, uint64_t seed, uint64_t index,
	    const struct hq_box *box, struct hq_err *err);

#endif
