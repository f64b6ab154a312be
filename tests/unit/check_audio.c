/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Audio: the WAV reader (complete, truncated, growing files) and the
 * detector on synthetic signals with known onsets, noise and dropouts.
 */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "signal/audio.h"
#include "util/err.h"

#define RATE	16000

static uint32_t rng = 12345;

static double
noise(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return (double)rng / 2147483647.5 - 1.0;
}

static double
dbfs(double db)
{
	return 32767.0 * pow(10.0, db / 20.0);
}

/* A recording of n samples: uniform noise at noise_db dBFS peak. */
static int16_t *
rec_new(size_t n, double noise_db)
{
	int16_t *x = calloc(n, sizeof(*x));
	size_t i;

	ck_assert_ptr_nonnull(x);
	rng = 12345;
	for (i = 0; i < n; i++)
		x[i] = (int16_t)lrint(dbfs(noise_db) * noise());
	return x;
}

/* Adds a tone (hz; sweep: 4 Hz warble of +-500 Hz) at db dBFS peak. */
static void
tone(int16_t *x, size_t from, size_t to, double hz, double db, bool sweep)
{
	double ph = M_PI / 2, a = dbfs(db), f, s;
	size_t i;

	for (i = from; i < to; i++) {
		s = x[i] + a * sin(ph);
		f = sweep ? hz + 500.0 * sin(2 * M_PI * 4.0 * (double)(i - from) /
		    RATE) : hz;
		ph += 2 * M_PI * f / RATE;
		if (s > 32767)
			s = 32767;
		if (s < -32768)
			s = -32768;
		x[i] = (int16_t)lrint(s);
	}
}

static struct hq_audio_cal
calibrated(const int16_t *x, size_t n)
{
	struct hq_audio_cal cal;
	struct hq_err err = { 0 };

	ck_assert_msg(hq_audio_calibrate(x, n, RATE, 1000, 94.0, 500, 20,
	    &cal, &err) == 0, "%s", err.msg);
	return cal;
}

START_TEST(test_audio_calibrate)
{
	size_t n = RATE * 4;
	int16_t *x = rec_new(n, -70);
	struct hq_audio_cal cal;
	struct hq_err err = { 0 };

	tone(x, 12345, 12345 + RATE, 1000, -20, false);
	cal = calibrated(x, n);
	ck_assert_int_le(llabs(cal.start - 12345), 16);
	ck_assert_int_le(llabs(cal.end - (12345 + RATE)), 16);
	ck_assert(cal.snr_db > 30);
	ck_assert(cal.in_band > 0.95);
	/* A tone of another pitch is not the calibration tone. */
	memset(x, 0, n * sizeof(*x));
	tone(x, 12345, 12345 + RATE, 3000, -20, false);
	ck_assert_int_eq(hq_audio_calibrate(x, n, RATE, 1000, 94.0, 500, 20,
	    &cal, &err), HQ_EPROTO);
	/* Too short. */
	memset(x, 0, n * sizeof(*x));
	tone(x, 100, 100 + RATE / 10, 1000, -20, false);
	ck_assert_int_eq(hq_audio_calibrate(x, n, RATE, 1000, 94.0, 500, 20,
	    &cal, &err), HQ_EPROTO);
	free(x);
}
END_TEST

/* Known onsets and ends, to the millisecond, steady tone and warble. */
static const struct {
	size_t	 on, off;
	double	 hz, db;
	bool	 sweep;
} onsets[] = {
	{ 20000, 60000, 2500, -6, true },
	{ 20001, 52000, 2500, -6, false },
	{ 33337, 90000, 3000, -26, true },
	{ 16000 * 3 + 7, 16000 * 5 + 3, 1500, -40, false },
};

START_TEST(test_audio_onsets)
{
	size_t n = RATE * 8, ns;
	int16_t *x = rec_new(n, -70);
	struct hq_audio_cal cal;
	struct hq_audio_opts o = HQ_AUDIO_OPTS_INIT;
	struct hq_audio_sound s[4];
	struct hq_err err = { 0 };

	tone(x, RATE / 2, RATE / 2 + RATE, 1000, -20, false);
	cal = calibrated(x, RATE * 2);
	memset(x, 0, n * sizeof(*x));
	free(x);
	x = rec_new(n, -70);
	tone(x, onsets[_i].on, onsets[_i].off, onsets[_i].hz, onsets[_i].db,
	    onsets[_i].sweep);
	o.threshold_db = 50;
	ck_assert_int_eq(hq_audio_detect(x, n, RATE, &o, &cal, s, 4, &ns,
	    &err), 0);
	ck_assert_uint_eq(ns, 1);
	/* within 1 ms */
	ck_assert_int_le(llabs(s[0].onset - (int64_t)onsets[_i].on), 16);
	ck_assert_int_le(llabs(s[0].end - (int64_t)onsets[_i].off), 16);
	ck_assert(!s[0].open_end && !s[0].open_start);
	/* level: 94 dB at -20 dBFS, so db + 114 */
	ck_assert_msg(fabs(s[0].level_db - (onsets[_i].db + 114.0)) < 1.0,
	    "level %.2f", s[0].level_db);
	free(x);
}
END_TEST

START_TEST(test_audio_noise_only)
{
	size_t n = RATE * 5, ns;
	int16_t *x = rec_new(n, -40);
	struct hq_audio_cal cal = { .db = 94, .ref_ms = 0.005 };
	struct hq_audio_opts o = HQ_AUDIO_OPTS_INIT;
	struct hq_audio_sound s[4];
	struct hq_err err = { 0 };
	double med, p95;

	ck_assert_int_eq(hq_audio_ambient(x, n, RATE, &o, &cal, &med, &p95,
	    &err), 0);
	ck_assert(med < p95);
	o.threshold_db = p95 + 10;
	ck_assert_int_eq(hq_audio_detect(x, n, RATE, &o, &cal, s, 4, &ns,
	    &err), 0);
	ck_assert_uint_eq(ns, 0);
	free(x);
}
END_TEST

/* Dropouts inside an alarm: shorter than the merge gap, one sound; a
 * longer silence, two. */
START_TEST(test_audio_dropouts)
{
	size_t n = RATE * 10, ns;
	int16_t *x = rec_new(n, -70);
	struct hq_audio_cal cal = { .db = 94, .ref_ms = 0.005 };
	struct hq_audio_opts o = HQ_AUDIO_OPTS_INIT;
	struct hq_audio_sound s[4];
	struct hq_err err = { 0 };

	tone(x, 16000, 64000, 2500, -6, true);
	memset(x + 30000, 0, 1600 * sizeof(*x));	/* 100 ms */
	memset(x + 40000, 0, 8000 * sizeof(*x));	/* 500 ms */
	tone(x, 100000, 140000, 2500, -6, true);	/* 2.25 s later */
	o.threshold_db = 60;
	ck_assert_int_eq(hq_audio_detect(x, n, RATE, &o, &cal, s, 4, &ns,
	    &err), 0);
	ck_assert_uint_eq(ns, 2);
	ck_assert_int_le(llabs(s[0].onset - 16000), 16);
	ck_assert_int_le(llabs(s[0].end - 64000), 16);
	ck_assert_int_le(llabs(s[1].onset - 100000), 16);
	/* Still on at the end of the segment. */
	ck_assert_int_eq(hq_audio_detect(x, 120000, RATE, &o, &cal, s, 4, &ns,
	    &err), 0);
	ck_assert_uint_eq(ns, 2);
	ck_assert(s[1].open_end);
	ck_assert_int_eq(s[1].end, 120000);
	/* Already on at the start. */
	ck_assert_int_eq(hq_audio_detect(x + 20000, 40000, RATE, &o, &cal, s,
	    4, &ns, &err), 0);
	ck_assert_uint_ge(ns, 1);
	ck_assert(s[0].open_start);
	/* A click (20 ms) is not an alarm. */
	free(x);
	x = rec_new(n, -70);
	tone(x, 16000, 16320, 2500, -6, false);
	ck_assert_int_eq(hq_audio_detect(x, n, RATE, &o, &cal, s, 4, &ns,
	    &err), 0);
	ck_assert_uint_eq(ns, 0);
	free(x);
}
END_TEST

START_TEST(test_audio_bad_opts)
{
	int16_t x[100] = { 0 };
	struct hq_audio_opts o = HQ_AUDIO_OPTS_INIT;
	struct hq_audio_sound s[1];
	size_t ns;

	o.hi_hz = 9000;		/* above 8 kHz Nyquist */
	ck_assert_int_eq(hq_audio_detect(x, 100, RATE, &o, NULL, s, 1, &ns,
	    NULL), HQ_EINVAL);
	o = (struct hq_audio_opts)HQ_AUDIO_OPTS_INIT;
	o.hop_ms = 20;
	o.window_ms = 10;
	ck_assert_int_eq(hq_audio_detect(x, 100, RATE, &o, NULL, s, 1, &ns,
	    NULL), HQ_EINVAL);
}
END_TEST

static const uint8_t wav_hdr[] = {
	'R', 'I', 'F', 'F', 0xff, 0xff, 0xff, 0xff, 'W', 'A', 'V', 'E',
	'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 1, 0,
	0x80, 0x3e, 0, 0, 0, 0x7d, 0, 0, 2, 0, 16, 0,
	'L', 'I', 'S', 'T', 30, 0, 0, 0, 'I', 'N', 'F', 'O',
	'I', 'C', 'M', 'T', 18, 0, 0, 0,
	't', '0', '_', 'm', 'o', 'n', 'o', '_', 'm', 's', '=', '1', '2', '3',
	'4', '5', 0, 0,
	'd', 'a', 't', 'a', 0xff, 0xff, 0xff, 0xff,
};

START_TEST(test_audio_wav_header)
{
	struct hq_wav_fmt f;

	ck_assert_int_eq(hq_wav_parse_header(wav_hdr, sizeof(wav_hdr), &f), 0);
	ck_assert_uint_eq(f.rate, 16000);
	ck_assert_uint_eq(f.channels, 1);
	ck_assert_uint_eq(f.data_off, sizeof(wav_hdr));
	ck_assert(f.have_t0);
	ck_assert_int_eq(f.t0_ns, 12345000000LL);
}
END_TEST

START_TEST(test_audio_wav_truncated)	/* every prefix: "not yet" */
{
	uint8_t *copy = malloc(_i > 0 ? _i : 1);
	struct hq_wav_fmt f;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, wav_hdr, _i);
	ck_assert_int_eq(hq_wav_parse_header(copy, _i, &f), HQ_ETIMEDOUT);
	free(copy);
}
END_TEST

START_TEST(test_audio_wav_bad)
{
	uint8_t h[sizeof(wav_hdr)];
	struct hq_wav_fmt f;

	memcpy(h, wav_hdr, sizeof(h));
	h[34] = 8;			/* 8-bit */
	ck_assert_int_eq(hq_wav_parse_header(h, sizeof(h), &f), HQ_EPROTO);
	memcpy(h, wav_hdr, sizeof(h));
	h[0] = 'X';
	ck_assert_int_eq(hq_wav_parse_header(h, sizeof(h), &f), HQ_EPROTO);
	memcpy(h, wav_hdr, sizeof(h));
	h[40] = 0xff;			/* LIST larger than the cap */
	h[41] = 0xff;
	h[42] = 0xff;
	ck_assert_int_eq(hq_wav_parse_header(h, sizeof(h), &f), HQ_EPROTO);
}
END_TEST

/* A file growing while it is read. */
START_TEST(test_audio_wav_growing)
{
	char path[] = "/tmp/hq-wav-XXXXXX";
	int16_t s[400], out[400];
	struct hq_wav *w = NULL;
	struct hq_err err = { 0 };
	size_t got, i;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	for (i = 0; i < 400; i++)
		s[i] = (int16_t)(i * 7);
	ck_assert_int_eq(write(fd, wav_hdr, 20), 20);	/* header half done */
	ck_assert_int_eq(hq_wav_open(path, hq_deadline_in(50), &w, &err),
	    HQ_ETIMEDOUT);
	ck_assert_int_eq(write(fd, wav_hdr + 20, sizeof(wav_hdr) - 20),
	    (ssize_t)sizeof(wav_hdr) - 20);
	ck_assert_int_eq(write(fd, s, 200 * 2), 400);
	ck_assert_int_eq(hq_wav_open(path, hq_deadline_in(50), &w, NULL), 0);
	ck_assert_uint_eq(hq_wav_rate(w), 16000);
	hq_err_clear(&err);
	ck_assert_int_eq(hq_wav_read(w, 100, 200, out, hq_deadline_in(30),
	    &got, &err), HQ_ETIMEDOUT);
	ck_assert_uint_eq(got, 100);
	ck_assert_int_eq(out[0], 700);
	ck_assert_int_eq(write(fd, s + 200, 200 * 2), 400);
	ck_assert_int_eq(hq_wav_read(w, 100, 300, out, hq_deadline_in(30),
	    &got, NULL), 0);
	ck_assert_uint_eq(got, 300);
	ck_assert_int_eq(out[299], 399 * 7);
	hq_wav_close(w);
	close(fd);
	unlink(path);
}
END_TEST

Suite *
suite_audio(void)
{
	Suite *s = suite_create("audio");
	TCase *tc = tcase_create("audio");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_audio_calibrate);
	tcase_add_loop_test(tc, test_audio_onsets, 0,
	    sizeof(onsets) / sizeof(onsets[0]));
	tcase_add_test(tc, test_audio_noise_only);
	tcase_add_test(tc, test_audio_dropouts);
	tcase_add_test(tc, test_audio_bad_opts);
	tcase_add_test(tc, test_audio_wav_header);
	tcase_add_loop_test(tc, test_audio_wav_truncated, 0,
	    sizeof(wav_hdr));
	tcase_add_test(tc, test_audio_wav_bad);
	tcase_add_test(tc, test_audio_wav_growing);
	suite_add_tcase(s, tc);
	return s;
}
