/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Audio evidence: growing-WAV reader, calibration, band-energy detector
 * (the algorithm is described in audio.h).  Every length in a WAV header
 * is checked before use; the header is read with a cap; waits for a
 * growing file poll with a deadline and notice hq_interrupted.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signal/audio.h"
#include "util/err.h"
#include "util/rd.h"

#define WAV_UNKNOWN	0xffffffffu

struct hq_wav {
	int		 fd;
	struct hq_wav_fmt fmt;
};

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* "t0_mono_ms=<digits>" inside an ICMT text. */
static void
icmt_t0(const uint8_t *p, size_t len, struct hq_wav_fmt *fmt)
{
	static const char key[] = "t0_mono_ms=";
	size_t k = sizeof(key) - 1, i, j;
	uint64_t v;

	for (i = 0; i + k <= len; i++) {
		if (memcmp(p + i, key, k) != 0)
			continue;
		for (j = i + k; j < len && p[j] >= '0' && p[j] <= '9'; j++)
			;
		if (hq_parse_u64((const char *)p + i + k, j - i - k,
		    (uint64_t)INT64_MAX / 1000000, &v) == 0) {
			fmt->have_t0 = true;
			fmt->t0_ns = (int64_t)v * 1000000;
		}
		return;
	}
}

int
hq_wav_parse_header(const uint8_t *p, size_t len, struct hq_wav_fmt *fmt)
{
	struct hq_rd rd = { p, len }, body;
	const uint8_t *id;
	uint32_t sz;
	bool have_fmt = false;
	int rc;

	memset(fmt, 0, sizeof(*fmt));
	if (len < 12)
		return HQ_ETIMEDOUT;
	if (memcmp(p, "RIFF", 4) != 0 || memcmp(p + 8, "WAVE", 4) != 0)
		return HQ_EPROTO;
	(void)hq_rd_skip(&rd, 12);
	for (;;) {
		if ((rc = hq_rd_bytes(&rd, 4, &id)) != 0)
			return HQ_ETIMEDOUT;
		if (rd.len < 4)
			return HQ_ETIMEDOUT;
		sz = le32(rd.p);
		(void)hq_rd_skip(&rd, 4);
		if (memcmp(id, "data", 4) == 0) {
			if (!have_fmt)
				return HQ_EPROTO;
			fmt->data_off = (uint64_t)(len - rd.len);
			return 0;
		}
		if (sz > HQ_AUDIO_HEADER_MAX)
			return HQ_EPROTO;
		if (hq_rd_sub(&rd, sz, &body) != 0)
			return len >= HQ_AUDIO_HEADER_MAX ? HQ_EPROTO :
			    HQ_ETIMEDOUT;
		if ((sz & 1) != 0 && hq_rd_skip(&rd, 1) != 0)
			return HQ_ETIMEDOUT;
		if (memcmp(id, "fmt ", 4) == 0) {
			uint16_t tag, ch, bits;
			uint32_t rate;

			if (sz < 16)
				return HQ_EPROTO;
			tag = le16(body.p);
			ch = le16(body.p + 2);
			rate = le32(body.p + 4);
			bits = le16(body.p + 14);
			/* PCM, or WAVE_FORMAT_EXTENSIBLE carrying PCM */
			if ((tag != 1 && tag != 0xfffe) || bits != 16 ||
			    ch < 1 || ch > HQ_AUDIO_CHANNELS_MAX ||
			    rate < HQ_AUDIO_RATE_MIN ||
			    rate > HQ_AUDIO_RATE_MAX)
				return HQ_EPROTO;
			fmt->rate = rate;
			fmt->channels = ch;
			have_fmt = true;
		} else if (memcmp(id, "LIST", 4) == 0 && sz >= 4 &&
		    memcmp(body.p, "INFO", 4) == 0) {
			struct hq_rd info = { body.p + 4, body.len - 4 };

			while (info.len >= 8) {
				const uint8_t *sid = info.p;
				uint32_t ssz = le32(info.p + 4);
				struct hq_rd sb;

				(void)hq_rd_skip(&info, 8);
				if (hq_rd_sub(&info, ssz, &sb) != 0)
					break;
				if ((ssz & 1) != 0)
					(void)hq_rd_skip(&info, 1);
				if (memcmp(sid, "ICMT", 4) == 0)
					icmt_t0(sb.p, sb.len, fmt);
			}
		}
	}
}

int
hq_wav_open(const char *path, struct hq_deadline dl, struct hq_wav **wavp,
    struct hq_err *err)
{
	struct hq_wav *w = NULL;
	uint8_t *hdr = NULL;
	ssize_t got;
	int rc;

	*wavp = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (hdr = malloc(HQ_AUDIO_HEADER_MAX)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	w->fd = -1;
	for (;;) {
		if (w->fd < 0)
			w->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (w->fd >= 0) {
			got = pread(w->fd, hdr, HQ_AUDIO_HEADER_MAX, 0);
			if (got < 0) {
				rc = hq_err_sys(err, path);
				goto out;
			}
			rc = hq_wav_parse_header(hdr, (size_t)got, &w->fmt);
			if (rc == 0)
				break;
			if (rc == HQ_EPROTO) {
				rc = hq_err_set(err, HQ_EPROTO, "%s: not a 16-bit "
				    "PCM WAV file this reader supports", path);
				goto out;
			}
		} else if (errno != ENOENT) {
			rc = hq_err_sys(err, path);
			goto out;
		}
		if (hq_deadline_passed(dl)) {
			rc = hq_err_set(err, HQ_ETIMEDOUT, "%s: no complete WAV "
			    "header in time", path);
			goto out;
		}
		if (hq_sleep_ms(HQ_AUDIO_POLL_MS) != 0) {
			rc = hq_err_set(err, HQ_EINTR, "interrupted");
			goto out;
		}
	}
	*wavp = w;
	w = NULL;
	rc = 0;
 out:
	free(hdr);
	hq_wav_close(w);
	return rc;
}

void
hq_wav_close(struct hq_wav *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

unsigned
hq_wav_rate(const struct hq_wav *w)
{
	return w->fmt.rate;
}

bool
hq_wav_t0(const struct hq_wav *w, int64_t *t0_nsp)
{
	if (w->fmt.have_t0)
		*t0_nsp = w->fmt.t0_ns;
	return w->fmt.have_t0;
}

int
hq_wav_available(struct hq_wav *w, uint64_t *np, struct hq_err *err)
{
	struct stat st;

	if (fstat(w->fd, &st) != 0)
		return hq_err_sys(err, "wav: fstat");
	if ((uint64_t)st.st_size <= w->fmt.data_off)
		*np = 0;
	else
		*np = ((uint64_t)st.st_size - w->fmt.data_off) /
		    (2u * w->fmt.channels);
	return 0;
}

int
hq_wav_read(struct hq_wav *w, uint64_t first, size_t n, int16_t *out,
    struct hq_deadline dl, size_t *gotp, struct hq_err *err)
{
	size_t fb = 2u * w->fmt.channels, chunk = 4096, i, k, want;
	uint8_t *buf = NULL;
	uint64_t avail;
	ssize_t got;
	int rc = 0;

	*gotp = 0;
	for (;;) {
		if ((rc = hq_wav_available(w, &avail, err)) != 0)
			return rc;
		if (avail >= first + n)
			break;
		if (hq_deadline_passed(dl)) {
			rc = HQ_ETIMEDOUT;
			break;
		}
		if (hq_sleep_ms(HQ_AUDIO_POLL_MS) != 0)
			return hq_err_set(err, HQ_EINTR, "interrupted");
	}
	want = avail <= first ? 0 : (size_t)(avail - first < n ?
	    avail - first : n);
	if ((buf = malloc(chunk * fb)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	for (i = 0; i < want; i += k) {
		k = want - i < chunk ? want - i : chunk;
		got = pread(w->fd, buf, k * fb, (off_t)(w->fmt.data_off +
		    (first + i) * fb));
		if (got < 0) {
			free(buf);
			return hq_err_sys(err, "wav: read");
		}
		if ((size_t)got < k * fb)
			k = (size_t)got / fb;
		for (size_t j = 0; j < k; j++)
			out[i + j] = (int16_t)le16(buf + j * fb);
		if (k == 0)
			break;
	}
	free(buf);
	*gotp = i;
	if (rc == HQ_ETIMEDOUT || i < n)
		return hq_err_set(err, HQ_ETIMEDOUT, "audio: %zu of %zu "
		    "samples from %llu arrived in time (the recording "
		    "stalled)", i, n, (unsigned long long)first);
	return 0;
}

/* ---- filters ---- */

struct biquad {
	double	 b0, b1, b2, a1, a2;
	double	 z1, z2;
};

/*
 * An RBJ cookbook 2nd-order section with quality Q; two of them with the
 * Q below make a 4th-order Butterworth (flat passband, -3 dB at f0).
 */
static const double bw4_q[2] = { 0.54119610014619698, 1.3065629648763766 };

static void
biquad_init(struct biquad *q, bool high, double f0, double fs, double Q)
{
	double w0 = 2.0 * M_PI * f0 / fs, c = cos(w0);
	double alpha = sin(w0) / (2.0 * Q), a0 = 1.0 + alpha;

	if (high) {
		q->b0 = (1.0 + c) / 2.0 / a0;
		q->b1 = -(1.0 + c) / a0;
	} else {
		q->b0 = (1.0 - c) / 2.0 / a0;
		q->b1 = (1.0 - c) / a0;
	}
	q->b2 = q->b0;
	q->a1 = -2.0 * c / a0;
	q->a2 = (1.0 - alpha) / a0;
	q->z1 = q->z2 = 0.0;
}

static double
biquad_run(struct biquad *q, double x)
{
	double y = q->b0 * x + q->z1;	/* transposed direct form II */

	q->z1 = q->b1 * x - q->a1 * y + q->z2;
	q->z2 = q->b2 * x - q->a2 * y;
	return y;
}

/*
 * e[i] = (band-passed x[i] / 32768)^2.  lo <= 0: no high-pass; hi >=
 * 0.49 rate: no low-pass.
 */
static float *
band_energy(const int16_t *x, size_t n, unsigned rate, double lo, double hi)
{
	struct biquad q[4];
	size_t nq = 0, i, k;
	float *e;

	if ((e = malloc((n > 0 ? n : 1) * sizeof(*e))) == NULL)
		return NULL;
	if (lo > 0) {
		biquad_init(&q[nq++], true, lo, rate, bw4_q[0]);
		biquad_init(&q[nq++], true, lo, rate, bw4_q[1]);
	}
	if (hi < 0.49 * rate) {
		biquad_init(&q[nq++], false, hi, rate, bw4_q[0]);
		biquad_init(&q[nq++], false, hi, rate, bw4_q[1]);
	}
	for (i = 0; i < n; i++) {
		double y = (double)x[i] / 32768.0;

		for (k = 0; k < nq; k++)
			y = biquad_run(&q[k], y);
		e[i] = (float)(y * y);
	}
	return e;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n) (reorders v); 0 for n == 0. */
static double
median(double *v, size_t n)
{
	if (n == 0)
		return 0.0;
	qsort(v, n, sizeof(*v), cmp_double);
	return (n & 1) != 0 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Frame energies: E[j] = mean of e over [j hop, j hop + win). */
static double *
frames(const float *e, size_t n, size_t win, size_t hop, size_t *nfp)
{
	size_t nf, j, i;
	double *E;

	*nfp = 0;
	nf = n >= win ? (n - win) / hop + 1 : 0;
	if ((E = malloc((nf > 0 ? nf : 1) * sizeof(*E))) == NULL)
		return NULL;
	for (j = 0; j < nf; j++) {
		double s = 0.0;

		for (i = j * hop; i < j * hop + win; i++)
			s += e[i];
		E[j] = s / (double)win;
	}
	*nfp = nf;
	return E;
}

static double
level_db(double E, const struct hq_audio_cal *cal)
{
	if (E < 1e-15)
		E = 1e-15;
	if (cal == NULL)	/* dBFS: a full-scale sine is 0 */
		return 10.0 * log10(E / 0.5);
	return cal->db + 10.0 * log10(E / cal->ref_ms);
}

static double
win_sum(const float *e, size_t m, size_t win)
{
	double s = 0.0;
	size_t i;

	for (i = m - win; i < m; i++)
		s += e[i];
	return s;
}

/*
 * The window end m (win <= m <= n) where the windowed mean square crosses
 * half: rising (the first m at or above) or falling (the last m at or
 * above), searched from m0 in whichever direction the crossing lies.
 */
static size_t
crossing(const float *e, size_t n, size_t win, size_t m0, double half,
    bool rising)
{
	double s = win_sum(e, m0, win), lim = half * (double)win;
	size_t m = m0;

	if (rising) {
		if (s >= lim) {
			while (m > win) {
				double t = s - e[m - 1] + e[m - 1 - win];

				if (t < lim)
					break;
				s = t;
				m--;
			}
		} else {
			while (m < n && s < lim) {
				s += e[m] - e[m - win];
				m++;
			}
		}
	} else {
		if (s >= lim) {
			while (m < n) {
				double t = s + e[m] - e[m - win];

				if (t < lim)
					break;
				s = t;
				m++;
			}
		} else {
			while (m > win && s < lim) {
				s -= e[m - 1] - e[m - 1 - win];
				m--;
			}
		}
	}
	return m;
}

static int
check_opts(const struct hq_audio_opts *o, unsigned rate, size_t *winp,
    size_t *hopp, struct hq_err *err)
{
	size_t win, hop;

	if (!(o->lo_hz >= 0 && o->hi_hz > o->lo_hz &&
	    o->hi_hz <= rate / 2.0))
		return hq_err_set(err, HQ_EINVAL, "audio band %.0f-%.0f Hz "
		    "does not fit a %u Hz recording", o->lo_hz, o->hi_hz,
		    rate);
	win = (size_t)lrint(o->window_ms * rate / 1000.0);
	hop = (size_t)lrint(o->hop_ms * rate / 1000.0);
	if (hop < 1 || win < hop || win > rate)
		return hq_err_set(err, HQ_EINVAL, "audio window %.1f ms / hop "
		    "%.1f ms: need 0 < hop <= window <= 1 s", o->window_ms,
		    o->hop_ms);
	*winp = win;
	*hopp = hop;
	return 0;
}

int
hq_audio_detect(const int16_t *x, size_t n, unsigned rate,
    const struct hq_audio_opts *o, const struct hq_audio_cal *cal,
    struct hq_audio_sound *sounds, size_t max, size_t *nsoundsp,
    struct hq_err *err)
{
	float *e = NULL;
	double *E = NULL, *tmp = NULL;
	size_t win, hop, nf, j, j0, j1, last, gap, ns = 0, k, nt;
	int rc;

	*nsoundsp = 0;
	if ((rc = check_opts(o, rate, &win, &hop, err)) != 0)
		return rc;
	if (n > HQ_AUDIO_SEGMENT_MAX)
		return hq_err_set(err, HQ_EINVAL, "audio: %zu samples at once, "
		    "at most %u", n, HQ_AUDIO_SEGMENT_MAX);
	gap = (size_t)lrint(o->merge_gap_ms * rate / 1000.0 / (double)hop);
	if ((e = band_energy(x, n, rate, o->lo_hz, o->hi_hz)) == NULL ||
	    (E = frames(e, n, win, hop, &nf)) == NULL ||
	    (tmp = malloc((nf > 0 ? nf : 1) * sizeof(*tmp))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (j = 0; j < nf; j++) {
		double P, Lmax = -1e9;
		struct hq_audio_sound s;
		size_t m;

		if (level_db(E[j], cal) < o->threshold_db)
			continue;
		/* A sound: on-frames no more than gap frames apart. */
		j0 = j1 = last = j;
		for (j = j0 + 1; j < nf && j - last <= gap + 1; j++)
			if (level_db(E[j], cal) >= o->threshold_db)
				last = j1 = j;
		j = j1;
		for (k = j0, nt = 0; k <= j1; k++)
			if (level_db(E[k], cal) >= o->threshold_db) {
				tmp[nt++] = E[k];
				if (level_db(E[k], cal) > Lmax)
					Lmax = level_db(E[k], cal);
			}
		P = median(tmp, nt);
		memset(&s, 0, sizeof(s));
		m = crossing(e, n, win, j0 * hop + win, P / 2.0, true);
		s.onset = (int64_t)m - (int64_t)(win / 2);
		if (j0 == 0 && s.onset <= (int64_t)(win / 2)) {
			s.open_start = true;
			s.onset = 0;
		}
		if (j1 + 1 >= nf) {
			s.open_end = true;
			s.end = (int64_t)n;
		} else {
			m = crossing(e, n, win, j1 * hop + win, P / 2.0, false);
			s.end = (int64_t)m - (int64_t)(win / 2);
		}
		if (s.end <= s.onset || (double)(s.end - s.onset) * 1000.0 /
		    rate < o->min_on_ms)
			continue;
		/* Level: frames wholly inside the sound. */
		for (k = j0, nt = 0; k <= j1; k++)
			if ((int64_t)(k * hop) >= s.onset &&
			    (int64_t)(k * hop + win) <= s.end)
				tmp[nt++] = level_db(E[k], cal);
		if (nt == 0)
			tmp[nt++] = Lmax;
		s.level_db = median(tmp, nt);
		s.peak_db = Lmax;
		if (ns < max)
			sounds[ns++] = s;
	}
	*nsoundsp = ns;
	rc = 0;
 out:
	free(tmp);
	free(E);
	free(e);
	return rc;
}

int
hq_audio_ambient(const int16_t *x, size_t n, unsigned rate,
    const struct hq_audio_opts *o, const struct hq_audio_cal *cal,
    double *median_dbp, double *p95_dbp, struct hq_err *err)
{
	float *e = NULL;
	double *E = NULL;
	size_t win, hop, nf, j;
	int rc;

	if ((rc = check_opts(o, rate, &win, &hop, err)) != 0)
		return rc;
	if ((e = band_energy(x, n, rate, o->lo_hz, o->hi_hz)) == NULL ||
	    (E = frames(e, n, win, hop, &nf)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if (nf == 0) {
		rc = hq_err_set(err, HQ_EINVAL, "audio: no ambient frames");
		goto out;
	}
	for (j = 0; j < nf; j++)
		E[j] = level_db(E[j], cal);
	qsort(E, nf, sizeof(*E), cmp_double);
	*median_dbp = (nf & 1) ? E[nf / 2] : (E[nf / 2 - 1] + E[nf / 2]) / 2;
	*p95_dbp = E[(size_t)((double)(nf - 1) * 0.95)];
	rc = 0;
 out:
	free(E);
	free(e);
	return rc;
}

int
hq_audio_calibrate(const int16_t *x, size_t n, unsigned rate, double tone_hz,
    double tone_db, double min_ms, double min_snr_db,
    struct hq_audio_cal *calp, struct hq_err *err)
{
	float *e = NULL, *full = NULL;
	double *E = NULL, *F = NULL, *tmp = NULL, Emax = 0.0, rest, band = 0,
	    all = 0;
	size_t win = rate / 50, hop = rate / 100, nf, nff, j, b0 = 0, b1 = 0,
	    bl = 0, r0, nt, guard = rate / 10;
	int rc;

	memset(calp, 0, sizeof(*calp));
	if (!(tone_hz >= 40.0 && tone_hz * 2.0 < rate / 2.0))
		return hq_err_set(err, HQ_EINVAL, "calibration tone %.0f Hz "
		    "does not fit a %u Hz recording", tone_hz, rate);
	if ((e = band_energy(x, n, rate, tone_hz / 2.0,
	    tone_hz * 2.0)) == NULL ||
	    (full = band_energy(x, n, rate, 0, rate)) == NULL ||
	    (E = frames(e, n, win, hop, &nf)) == NULL ||
	    (F = frames(full, n, win, hop, &nff)) == NULL ||
	    (tmp = malloc((nf > 0 ? nf : 1) * sizeof(*tmp))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (j = 0; j < nf; j++)
		if (E[j] > Emax)
			Emax = E[j];
	/* The longest run of frames within 3 dB of the loudest. */
	for (j = 0; j < nf; j++) {
		if (E[j] < Emax / 2.0)
			continue;
		for (r0 = j; j < nf && E[j] >= Emax / 2.0; j++)
			;
		if (j - r0 > bl) {
			b0 = r0;
			b1 = j;
			bl = j - r0;
		}
	}
	if (nf == 0 || Emax <= 0 ||
	    (double)(bl * hop) * 1000.0 / rate < min_ms) {
		rc = hq_err_set(err, HQ_EPROTO, "calibration: no %.0f Hz tone "
		    "of at least %.0f ms in the recording (longest: %.0f ms)",
		    tone_hz, min_ms, (double)(bl * hop) * 1000.0 / rate);
		goto out;
	}
	for (j = b0, nt = 0; j < b1; j++) {
		tmp[nt++] = E[j];
		band += E[j];
		all += F[j];
	}
	calp->ref_ms = median(tmp, nt);
	calp->in_band = all > 0 ? band / all : 0;
	calp->start = (int64_t)crossing(e, n, win, b0 * hop + win,
	    calp->ref_ms / 2, true) - (int64_t)(win / 2);
	calp->end = (int64_t)crossing(e, n, win, (b1 - 1) * hop + win,
	    calp->ref_ms / 2, false) - (int64_t)(win / 2);
	/* The rest: frames away from the tone. */
	for (j = 0, nt = 0; j < nf; j++)
		if ((int64_t)(j * hop + win + guard) < calp->start ||
		    (int64_t)(j * hop) > calp->end + (int64_t)guard)
			tmp[nt++] = E[j];
	rest = nt > 0 ? median(tmp, nt) : 0.0;
	calp->snr_db = rest > 1e-15 ? 10.0 * log10(calp->ref_ms / rest) :
	    99.0;
	calp->db = tone_db;
	calp->tone_hz = tone_hz;
	if (calp->snr_db < min_snr_db) {
		rc = hq_err_set(err, HQ_EPROTO, "calibration: the %.0f Hz tone "
		    "stands only %.1f dB above the rest, %.0f dB needed",
		    tone_hz, calp->snr_db, min_snr_db);
		goto out;
	}
	if (calp->in_band < 0.8) {
		rc = hq_err_set(err, HQ_EPROTO, "calibration: only %.0f %% of "
		    "the loudest sound lies in the two octaves around %.0f Hz; not "
		    "the calibration tone", calp->in_band * 100.0, tone_hz);
		goto out;
	}
	rc = 0;
 out:
	free(tmp);
	free(F);
	free(E);
	free(full);
	free(e);
	return rc;
}

/* ---- ALSA capture (optional at build time) ---- */

#ifdef HQ_HAVE_ALSA
#include <pthread.h>
#include <stdio.h>

#include <alsa/asoundlib.h>

#define REC_FRAMES	480

struct hq_audio_rec {
	snd_pcm_t	*pcm;
	int		 fd;
	unsigned	 rate;
	pthread_t	 thread;
	volatile int	 stop;
	uint64_t	 frames;
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

/* The header of a recording still going: sizes "unknown", t0 in ICMT. */
static size_t
rec_header(uint8_t *h, unsigned rate, int64_t t0_ns)
{
	char note[64];
	size_t nlen, pad, ilen;

	snprintf(note, sizeof(note), "hopquy t0_mono_ms=%lld rate=%u",
	    (long long)(t0_ns / 1000000), rate);
	nlen = strlen(note) + 1;
	pad = nlen & 1;
	ilen = 4 + 8 + nlen + pad;
	memset(h, 0, 256);
	memcpy(h, "RIFF", 4);
	put32(h + 4, WAV_UNKNOWN);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);
	h[20] = 1;
	h[22] = 1;
	put32(h + 24, rate);
	put32(h + 28, rate * 2);
	h[32] = 2;
	h[34] = 16;
	memcpy(h + 36, "LIST", 4);
	put32(h + 40, (uint32_t)ilen);
	memcpy(h + 44, "INFOICMT", 8);
	put32(h + 52, (uint32_t)nlen);
	memcpy(h + 56, note, nlen - 1);
	memcpy(h + 56 + nlen + pad, "data", 4);
	put32(h + 60 + nlen + pad, WAV_UNKNOWN);
	return 64 + nlen + pad;
}

static void *
rec_main(void *arg)
{
	struct hq_audio_rec *r = arg;
	int16_t buf[REC_FRAMES];
	uint8_t hdr[256];
	snd_pcm_sframes_t got, delay = 0;
	bool first = true;
	size_t hlen;

	while (!r->stop) {
		got = snd_pcm_readi(r->pcm, buf, REC_FRAMES);
		if (got < 0) {
			if (snd_pcm_recover(r->pcm, (int)got, 1) < 0)
				break;
			continue;
		}
		if (first) {
			/* Sample 0: now, less what was read and what is still
			 * buffered in the device. */
			int64_t now = hq_mono_ns();

			if (snd_pcm_delay(r->pcm, &delay) < 0)
				delay = 0;
			now -= ((int64_t)got + delay) * 1000000000 /
			    (int64_t)r->rate;
			hlen = rec_header(hdr, r->rate, now);
			if (write(r->fd, hdr, hlen) != (ssize_t)hlen)
				break;
			first = false;
		}
		if (write(r->fd, buf, (size_t)got * 2) != (ssize_t)got * 2)
			break;
		r->frames += (uint64_t)got;
	}
	return NULL;
}

bool
hq_audio_have_alsa(void)
{
	return true;
}

int
hq_audio_rec_start(const char *dev, unsigned rate, const char *path,
    struct hq_audio_rec **recp, struct hq_err *err)
{
	struct hq_audio_rec *r;
	int e;

	*recp = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	r->fd = -1;
	r->rate = rate;
	if ((e = snd_pcm_open(&r->pcm, dev, SND_PCM_STREAM_CAPTURE, 0)) < 0 ||
	    (e = snd_pcm_set_params(r->pcm, SND_PCM_FORMAT_S16_LE,
	    SND_PCM_ACCESS_RW_INTERLEAVED, 1, rate, 0, 100000)) < 0) {
		hq_err_set(err, HQ_EIO, "alsa %.64s: %s", dev, snd_strerror(e));
		goto fail;
	}
	if ((r->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) < 0) {
		hq_err_sys(err, path);
		goto fail;
	}
	if (pthread_create(&r->thread, NULL, rec_main, r) != 0) {
		hq_err_set(err, HQ_EIO, "alsa: no thread");
		goto fail;
	}
	*recp = r;
	return 0;
 fail:
	if (r->pcm != NULL)
		snd_pcm_close(r->pcm);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
	return err != NULL ? err->code : HQ_EIO;
}

void
hq_audio_rec_stop(struct hq_audio_rec *r)
{
	if (r == NULL)
		return;
	r->stop = 1;
	pthread_join(r->thread, NULL);
	snd_pcm_close(r->pcm);
	fsync(r->fd);
	close(r->fd);
	free(r);
}

#else	/* !HQ_HAVE_ALSA */

struct hq_audio_rec {
	int	 unused;
};

bool
hq_audio_have_alsa(void)
{
	return false;
}

int
hq_audio_rec_start(const char *dev, unsigned rate, const char *path,
    struct hq_audio_rec **recp, struct hq_err *err)
{
	(void)rate;
	(void)path;
	*recp = NULL;
	return hq_err_set(err, HQ_EINVAL, "audio source alsa:%.64s: this "
	    "hopquy was built without ALSA support (libasound2-dev was not "
	    "found by pkg-config at build time)", dev);
}

void
hq_audio_rec_stop(struct hq_audio_rec *r)
{
	(void)r;
}
#endif
