/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Audio evidence for alarm tests: a reader for WAV files that are still
 * being recorded (the lab microphone's stream, or what hopquy's own ALSA
 * recorder writes), the calibration of levels against a known tone, and
 * a band-energy onset detector.
 *
 * Time: sample n of a recording is at t0 + n / rate on CLOCK_MONOTONIC.
 * t0 comes from the recorder (hopquy's ALSA recorder stamps it; a file
 * may carry "t0_mono_ms=<ms>" in its LIST/INFO/ICMT chunk).  Onsets are
 * computed from sample indices, never from when bytes were read.
 *
 * The detector (hq_audio_detect):
 *  1. band-pass the signal: a 4th-order Butterworth high-pass at lo_hz
 *     and a 4th-order Butterworth low-pass at hi_hz (two RBJ biquads
 *     each; flat passband, -3 dB at the edges);
 *  2. short-time energy: the mean square of the filtered signal over a
 *     window of window_ms, evaluated every hop_ms; its level in dB is
 *     cal_db + 10 log10(E / E_cal), E_cal the calibration tone's mean
 *     square measured in the band tone/2 .. 2 tone (so levels are
 *     band sound pressure levels estimated against the calibrator);
 *  3. frames at or above threshold_db are "on"; runs of on-frames closer
 *     than merge_gap_ms are one sound (dropouts and pulsed patterns do not
 *     split an alarm); sounds shorter than min_on_ms are ignored;
 *  4. each sound's onset is refined to the sample: P is the median frame
 *     energy of the sound; from the first on-frame the window is slid one
 *     sample at a time to where its mean square crosses P / 2; the onset
 *     is that window's end minus half the window (for a step, the exact
 *     start).  The end is found the same way from the last on-frame;
 *  5. a sound's level is the median frame level inside it, its peak the
 *     highest.
 * This module does no I/O beyond reading the file it is given.
 */
#ifndef HQ_AUDIO_H
#define HQ_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct hq_err;

#define HQ_AUDIO_RATE_MIN	8000
#define HQ_AUDIO_RATE_MAX	192000
#define HQ_AUDIO_CHANNELS_MAX	8
#define HQ_AUDIO_HEADER_MAX	65536	/* bytes before the data chunk */
#define HQ_AUDIO_SEGMENT_MAX	(48000u * 900u)	/* samples analysed at once */
#define HQ_AUDIO_SOUNDS_MAX	256
#define HQ_AUDIO_POLL_MS	10	/* growing-file poll interval */

/* A WAV file, possibly still growing. */
struct hq_wav;

/*
 * Opens path and parses its header (RIFF/WAVE, fmt PCM 16-bit, 1 to
 * HQ_AUDIO_CHANNELS_MAX channels, rate within limits; data size may be
 * 0xffffffff or 0, "still recording").  Waits until the header is
 * complete, at most until dl (HQ_ETIMEDOUT), HQ_EINTR if interrupted;
 * HQ_EPROTO for a file that is not such a WAV.
 */
int	hq_wav_open(const char *path, struct hq_deadline dl,
	    struct hq_wav **wavp, struct hq_err *err);
void	hq_wav_close(struct hq_wav *w);
unsigned hq_wav_rate(const struct hq_wav *w);
/* t0 from the file's ICMT "t0_mono_ms=", when it has one. */
bool	hq_wav_t0(const struct hq_wav *w, int64_t *t0_nsp);
/* Samples (frames) in the file now. */
int	hq_wav_available(struct hq_wav *w, uint64_t *np, struct hq_err *err);
/*
 * Reads samples [first, first + n) of channel 0 into out, waiting for a
 * growing file until they are there or dl passes.  *gotp: how many were
 * read (HQ_ETIMEDOUT when fewer than n by dl; HQ_EINTR).
 */
int	hq_wav_read(struct hq_wav *w, uint64_t first, size_t n, int16_t *out,
	    struct hq_deadline dl, size_t *gotp, struct hq_err *err);

/* Parses a WAV header in p[0..len) (exported for the tests). */
struct hq_wav_fmt {
	unsigned	 rate;
	unsigned	 channels;
	uint64_t	 data_off;	/* first sample byte */
	bool		 have_t0;
	int64_t		 t0_ns;
};
int	hq_wav_parse_header(const uint8_t *p, size_t len,
	    struct hq_wav_fmt *fmt);	/* 0, HQ_EPROTO; HQ_ETIMEDOUT: short */

/* Calibration: the reference energy that corresponds to db. */
struct hq_audio_cal {
	double	 db;		/* the calibrator's level (DUT file) */
	double	 tone_hz;
	double	 ref_ms;	/* mean square of the tone, full scale 1.0 */
	double	 snr_db;	/* tone over the rest of the segment */
	double	 in_band;	/* share of the energy within tone/2..2 tone */
	int64_t	 start, end;	/* the tone's samples */
};

/*
 * Finds the calibration tone (tone_hz) in x[0..n) and sets cal.  The tone
 * must last at least min_ms, stand min_snr_db above the rest, and hold at
 * least 80 % of its frames' energy within tone_hz/2 .. 2 tone_hz; else
 * HQ_EPROTO with what was heard.
 */
int	hq_audio_calibrate(const int16_t *x, size_t n, unsigned rate,
	    double tone_hz, double tone_db, double min_ms, double min_snr_db,
	    struct hq_audio_cal *calp, struct hq_err *err);

struct hq_audio_opts {
	double	 lo_hz, hi_hz;	/* detection band */
	double	 window_ms;	/* energy window (10) */
	double	 hop_ms;	/* frame step (5) */
	double	 threshold_db;	/* onset level, dB re calibration */
	double	 merge_gap_ms;	/* quieter stretches that do not split */
	double	 min_on_ms;	/* shorter sounds are ignored */
};
#define HQ_AUDIO_OPTS_INIT { 500.0, 5000.0, 10.0, 5.0, 60.0, 1500.0, 50.0 }

struct hq_audio_sound {
	int64_t	 onset;		/* sample index */
	int64_t	 end;		/* sample index (exclusive) */
	bool	 open_end;	/* still on at the segment's end */
	bool	 open_start;	/* already on at its start */
	double	 level_db;	/* median frame level */
	double	 peak_db;
};

/*
 * Detects sounds in x[0..n) as described above.  sounds[max]; *nsoundsp.
 * HQ_EINVAL for bad options (band outside 0..rate/2, window < hop ...).
 */
int	hq_audio_detect(const int16_t *x, size_t n, unsigned rate,
	    const struct hq_audio_opts *o, const struct hq_audio_cal *cal,
	    struct hq_audio_sound *sounds, size_t max, size_t *nsoundsp,
	    struct hq_err *err);
/*
 * The median and the 95th percentile frame level of x[0..n) in the band
 * (ambient noise), dB re calibration.
 */
int	hq_audio_ambient(const int16_t *x, size_t n, unsigned rate,
	    const struct hq_audio_opts *o, const struct hq_audio_cal *cal,
	    double *median_dbp, double *p95_dbp, struct hq_err *err);

/*
 * ALSA capture into a WAV file (dev "hw:1,0"), stamped with t0 in its
 * ICMT.  Without ALSA support built in: HQ_EINVAL naming what is missing.
 */
struct hq_audio_rec;
bool	hq_audio_have_alsa(void);
int	hq_audio_rec_start(const char *dev, unsigned rate, const char *path,
	    struct hq_audio_rec **recp, struct hq_err *err);
void	hq_audio_rec_stop(struct hq_audio_rec *rec);

#endif
