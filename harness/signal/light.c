/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Light sensor lines and strobe analysis (see light.h).  Never blocks:
 * sources are non-blocking and read what is there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "signal/light.h"
#include "util/err.h"
#include "util/rd.h"
#include "wire/net.h"

enum src_kind { SRC_FILE, SRC_SERIAL, SRC_TCP };

struct hq_light_src {
	enum src_kind	 kind;
	enum hq_light_clock clk;
	enum hq_light_format fmt;
	int		 fd;
	off_t		 off;		/* files: next byte to read */
	char		*path;		/* files: opened once they exist */
	char		 line[HQ_LIGHT_LINE_MAX + 2];
	size_t		 llen;
	bool		 overlong;	/* discarding until the next LF */
	struct hq_light_sample *s;
	size_t		 n, cap;
	size_t		 bad;
	char		*raw;
	size_t		 rawlen;
};

int
hq_light_clock_parse(const char *s, enum hq_light_clock *clkp)
{
	if (strcmp(s, "unix-ms") == 0)
		*clkp = HQ_LIGHT_UNIX_MS;
	else if (strcmp(s, "mono-ms") == 0)
		*clkp = HQ_LIGHT_MONO_MS;
	else if (strcmp(s, "arrival") == 0)
		*clkp = HQ_LIGHT_ARRIVAL;
	else
		return HQ_EINVAL;
	return 0;
}

int
hq_light_format_parse(const char *s, enum hq_light_format *fmtp)
{
	if (strcmp(s, "any") == 0)
		*fmtp = HQ_LIGHT_FMT_ANY;
	else if (strcmp(s, "value") == 0)
		*fmtp = HQ_LIGHT_FMT_VALUE;
	else if (strcmp(s, "ms value") == 0)
		*fmtp = HQ_LIGHT_FMT_MS_VALUE;
	else if (strcmp(s, "on/off") == 0)
		*fmtp = HQ_LIGHT_FMT_ONOFF;
	else
		return HQ_EINVAL;
	return 0;
}

void
hq_light_set_format(struct hq_light_src *src, enum hq_light_format fmt)
{
	src->fmt = fmt;
}

int64_t
hq_light_real_minus_mono(void)
{
	struct timespec a, r, b;
	int64_t ma, mb, rr;

	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ma = (int64_t)a.tv_sec * 1000000000 + a.tv_nsec;
	mb = (int64_t)b.tv_sec * 1000000000 + b.tv_nsec;
	rr = (int64_t)r.tv_sec * 1000000000 + r.tv_nsec;
	return rr - (ma + (mb - ma) / 2);
}

/* A decimal "DIGITS[.DIGITS]", at most 12 + 9 digits, into *vp. */
static int
parse_decimal(const char *p, size_t len, double *vp)
{
	uint64_t ip, fp = 0;
	size_t i, fl = 0;
	double f;

	for (i = 0; i < len && p[i] != '.'; i++)
		;
	if (i == 0 || i > 12 || hq_parse_u64(p, i, 999999999999ull, &ip) != 0)
		return HQ_EPROTO;
	if (i < len) {
		fl = len - i - 1;
		if (fl == 0 || fl > 9 || hq_parse_u64(p + i + 1, fl,
		    999999999ull, &fp) != 0)
			return HQ_EPROTO;
	}
	f = (double)fp;
	while (fl-- > 0)
		f /= 10.0;
	*vp = (double)ip + f;
	return 0;
}

int
hq_light_parse_line(const char *p, size_t len, enum hq_light_clock clk,
    int64_t arrival_ns, int64_t real_minus_mono_ns,
    struct hq_light_sample *s)
{
	return hq_light_parse_line_fmt(p, len, HQ_LIGHT_FMT_ANY, clk,
	    arrival_ns, real_minus_mono_ns, s);
}

int
hq_light_parse_line_fmt(const char *p, size_t len, enum hq_light_format fmt,
    enum hq_light_clock clk, int64_t arrival_ns, int64_t real_minus_mono_ns,
    struct hq_light_sample *s)
{
	bool onoff;
	const char *tok[2];
	size_t tl[2], nt = 0, i = 0, st;
	uint64_t ts;

	if (len > HQ_LIGHT_LINE_MAX)
		return HQ_EPROTO;
	while (i < len) {
		while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
			i++;
		if (i == len)
			break;
		st = i;
		while (i < len && p[i] != ' ' && p[i] != '\t' && p[i] != ',')
			i++;
		if (nt == 2)
			return HQ_EPROTO;
		tok[nt] = p + st;
		tl[nt++] = i - st;
	}
	if (nt == 0 || (nt == 1 && clk != HQ_LIGHT_ARRIVAL))
		return HQ_EPROTO;
	/* The declared shape: one token, or a stamp and a value. */
	if ((fmt == HQ_LIGHT_FMT_VALUE && nt != 1) ||
	    (fmt == HQ_LIGHT_FMT_MS_VALUE && nt != 2))
		return HQ_EPROTO;
	/* The value: the last token. */
	onoff = true;
	if (tl[nt - 1] == 2 && memcmp(tok[nt - 1], "on", 2) == 0)
		s->level = 1.0;
	else if (tl[nt - 1] == 3 && memcmp(tok[nt - 1], "off", 3) == 0)
		s->level = 0.0;
	else if (parse_decimal(tok[nt - 1], tl[nt - 1], &s->level) != 0)
		return HQ_EPROTO;
	else
		onoff = false;
	if ((fmt == HQ_LIGHT_FMT_ONOFF && !onoff) ||
	    ((fmt == HQ_LIGHT_FMT_VALUE || fmt == HQ_LIGHT_FMT_MS_VALUE) &&
	    onoff))
		return HQ_EPROTO;
	if (nt == 2 && clk == HQ_LIGHT_ARRIVAL && fmt != HQ_LIGHT_FMT_ANY &&
	    hq_parse_u64(tok[0], tl[0], 9999999999999ull, &ts) != 0)
		return HQ_EPROTO;	/* declared a stamp: it must be one */
	if (clk == HQ_LIGHT_ARRIVAL) {
		s->t_ns = arrival_ns;
		return 0;
	}
	/* ms since the epoch up to year 2262, where int64 nanoseconds end;
	 * monotonic the same bound */
	if (hq_parse_u64(tok[0], tl[0], (uint64_t)INT64_MAX / 1000000,
	    &ts) != 0)
		return HQ_EPROTO;
	s->t_ns = (int64_t)ts * 1000000;
	if (clk == HQ_LIGHT_UNIX_MS &&
	    __builtin_sub_overflow(s->t_ns, real_minus_mono_ns, &s->t_ns))
		return HQ_EPROTO;
	return 0;
}

static void add_line(struct hq_light_src *src, int64_t now, int64_t off);

/*
 * A file source's last complete line before the open: the light's state
 * then (its own stamp, or the open's on the arrival clock), so a light
 * already lit is known as such.
 */
static void
file_last_state(struct hq_light_src *src)
{
	char buf[HQ_LIGHT_LINE_MAX * 2 + 2];
	off_t from = src->off > (off_t)sizeof(buf) ? src->off -
	    (off_t)sizeof(buf) : 0;
	ssize_t got;
	size_t end, st;

	if ((got = pread(src->fd, buf, (size_t)(src->off - from), from)) <= 0)
		return;
	end = (size_t)got;
	if (buf[end - 1] != '\n')
		return;			/* a line still being written */
	end--;
	for (st = end; st > 0 && buf[st - 1] != '\n'; st--)
		;
	if (st == 0 && from > 0)
		return;			/* longer than a line can be */
	if (end - st > HQ_LIGHT_LINE_MAX)
		return;
	memcpy(src->line, buf + st, end - st);
	src->llen = end - st;
	add_line(src, hq_mono_ns(), hq_light_real_minus_mono());
	src->llen = 0;
	src->bad = 0;		/* history: its shape is not this run's */
}

static const struct {
	unsigned long	 baud;
	speed_t		 speed;
} bauds[] = {
	{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
	{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
	{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
	{ 921600, B921600 },
};

static int
open_serial(const char *spec, int *fdp, struct hq_err *err)
{
	char dev[256];
	const char *colon = strchr(spec, ':');
	uint64_t baud = 9600;
	struct termios t;
	size_t i, dl = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	speed_t sp = 0;
	int fd;

	if (dl == 0 || dl >= sizeof(dev))
		return hq_err_set(err, HQ_EINVAL, "light source serial:%.64s: "
		    "bad device", spec);
	memcpy(dev, spec, dl);
	dev[dl] = '\0';
	if (colon != NULL && hq_parse_u64(colon + 1, strlen(colon + 1),
	    10000000, &baud) != 0)
		return hq_err_set(err, HQ_EINVAL, "light source serial:%.64s: "
		    "bad baud rate", spec);
	for (i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++)
		if (bauds[i].baud == baud)
			sp = bauds[i].speed;
	if (sp == 0)
		return hq_err_set(err, HQ_EINVAL, "light source serial:%.64s: "
		    "unsupported baud rate %llu", spec,
		    (unsigned long long)baud);
	if ((fd = open(dev, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return hq_err_sys(err, dev);
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		cfsetispeed(&t, sp);
		cfsetospeed(&t, sp);
		t.c_cflag |= CLOCAL | CREAD;
		if (tcsetattr(fd, TCSANOW, &t) != 0) {
			close(fd);
			return hq_err_sys(err, dev);
		}
	}
	*fdp = fd;
	return 0;
}

static int
open_tcp(const char *spec, struct hq_deadline dl, int *fdp,
    struct hq_err *err)
{
	char host[128];
	const char *colon = strrchr(spec, ':');
	uint64_t port;
	size_t hl;

	if (colon == NULL || (hl = (size_t)(colon - spec)) == 0 ||
	    hl >= sizeof(host) || hq_parse_u64(colon + 1, strlen(colon + 1),
	    65535, &port) != 0 || port == 0)
		return hq_err_set(err, HQ_EINVAL, "light source tcp:%.64s: "
		    "expected tcp:ADDRESS:PORT", spec);
	memcpy(host, spec, hl);
	host[hl] = '\0';
	return hq_net_connect(host, (unsigned)port, dl, fdp, err);
}

int
hq_light_open(const char *spec, enum hq_light_clock clk,
    struct hq_deadline dl, struct hq_light_src **srcp, struct hq_err *err)
{
	struct hq_light_src *src;
	int rc = 0;

	*srcp = NULL;
	if ((src = calloc(1, sizeof(*src))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	src->fd = -1;
	src->clk = clk;
	if (strncmp(spec, "file:", 5) == 0) {
		src->kind = SRC_FILE;
		/* The sensor's file may not exist yet: created on first
		 * poll; what is in it already is history, not this run. */
		if ((src->path = strdup(spec + 5)) == NULL)
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		else if ((src->fd = open(spec + 5, O_RDONLY | O_NONBLOCK |
		    O_CLOEXEC)) < 0 && errno != ENOENT)
			rc = hq_err_sys(err, spec + 5);
		else if (src->fd >= 0 &&
		    (src->off = lseek(src->fd, 0, SEEK_END)) < 0)
			rc = hq_err_sys(err, spec + 5);
		else if (src->fd >= 0 && src->off > 0)
			file_last_state(src);
	} else if (strncmp(spec, "serial:", 7) == 0) {
		src->kind = SRC_SERIAL;
		rc = open_serial(spec + 7, &src->fd, err);
	} else if (strncmp(spec, "tcp:", 4) == 0) {
		src->kind = SRC_TCP;
		rc = open_tcp(spec + 4, dl, &src->fd, err);
	} else
		rc = hq_err_set(err, HQ_EINVAL, "light source \"%.64s\": "
		    "expected file:PATH, serial:DEVICE[:BAUD] or "
		    "tcp:ADDRESS:PORT", spec);
	if (rc != 0) {
		hq_light_close(src);
		return rc;
	}
	*srcp = src;
	return 0;
}

bool
hq_light_readable(const struct hq_light_src *src)
{
	struct stat a, b;

	if (src == NULL || src->fd < 0)
		return false;
	if (src->kind != SRC_FILE)
		return true;
	/* the same file as the one we read: not removed, not replaced */
	return fstat(src->fd, &a) == 0 && stat(src->path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

void
hq_light_close(struct hq_light_src *src)
{
	if (src == NULL)
		return;
	if (src->fd >= 0)
		close(src->fd);
	free(src->s);
	free(src->raw);
	free(src->path);
	free(src);
}

static void
add_line(struct hq_light_src *src, int64_t now, int64_t off)
{
	struct hq_light_sample s;
	size_t len = src->llen;

	if (len > 0 && src->line[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	if (hq_light_parse_line_fmt(src->line, len, src->fmt, src->clk, now,
	    off, &s) != 0) {
		src->bad++;
		return;
	}
	if (src->n == src->cap) {
		size_t nc = src->cap == 0 ? 1024 : src->cap * 2;
		struct hq_light_sample *ns;

		if (nc > HQ_LIGHT_SAMPLES_MAX ||
		    (ns = realloc(src->s, nc * sizeof(*ns))) == NULL) {
			src->bad++;
			return;
		}
		src->s = ns;
		src->cap = nc;
	}
	src->s[src->n++] = s;
}

int
hq_light_poll(struct hq_light_src *src, struct hq_err *err)
{
	char buf[4096];
	int64_t now, off;
	ssize_t got;
	size_t i;

	if (src->fd < 0 && src->kind == SRC_FILE &&
	    (src->fd = open(src->path, O_RDONLY | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : hq_err_sys(err, src->path);
	for (;;) {
		if (src->kind == SRC_FILE)
			got = pread(src->fd, buf, sizeof(buf), src->off);
		else
			got = read(src->fd, buf, sizeof(buf));
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (got < 0)
			return hq_err_sys(err, "light source");
		if (got == 0)
			return 0;
		now = hq_mono_ns();
		off = hq_light_real_minus_mono();
		src->off += got;
		if (src->rawlen + (size_t)got <= HQ_LIGHT_RAW_MAX) {
			char *nr = realloc(src->raw, src->rawlen + (size_t)got);

			if (nr != NULL) {
				memcpy(nr + src->rawlen, buf, (size_t)got);
				src->raw = nr;
				src->rawlen += (size_t)got;
			}
		}
		for (i = 0; i < (size_t)got; i++) {
			if (buf[i] == '\n') {
				if (!src->overlong)
					add_line(src, now, off);
				else
					src->bad++;
				src->llen = 0;
				src->overlong = false;
			} else if (src->llen < HQ_LIGHT_LINE_MAX + 1)
				src->line[src->llen++] = buf[i];
			else
				src->overlong = true;
		}
	}
}

const struct hq_light_sample *
hq_light_samples(const struct hq_light_src *src, size_t *np)
{
	*np = src->n;
	return src->s;
}

size_t
hq_light_bad_lines(const struct hq_light_src *src)
{
	return src->bad;
}

const char *
hq_light_raw(const struct hq_light_src *src, size_t *lenp)
{
	*lenp = src->rawlen;
	return src->raw;
}

static void
episode_close(struct hq_light_episode *ep, int64_t lit_ns, int64_t first_on,
    int64_t last_on)
{
	int64_t span = ep->end_ns - ep->onset_ns;

	ep->freq_hz = ep->flashes >= 2 && last_on > first_on ?
	    (double)(ep->flashes - 1) * 1e9 / (double)(last_on - first_on) :
	    0.0;
	ep->on_share = span > 0 ? (double)lit_ns / (double)span : 1.0;
}

void
hq_light_analyse(const struct hq_light_sample *s, size_t n, int64_t from_ns,
    int64_t to_ns, double threshold, int64_t merge_gap_ns,
    struct hq_light_episode *out, size_t max, size_t *noutp)
{
	struct hq_light_episode ep;
	bool lit = false, in_ep = false;
	int64_t lit_since = 0, lit_ns = 0, first_on = 0, last_on = 0, t;
	size_t i, nout = 0;

	memset(&ep, 0, sizeof(ep));
	for (i = 0; i < n && s[i].t_ns < from_ns; i++)
		lit = s[i].level >= threshold;
	if (lit) {
		in_ep = true;
		ep.onset_ns = first_on = last_on = lit_since = from_ns;
		ep.open_start = true;
		ep.flashes = 1;
	}
	for (; i < n && s[i].t_ns < to_ns; i++) {
		bool now = s[i].level >= threshold;

		t = s[i].t_ns;
		if (now == lit)
			continue;
		if (now) {
			/* A dark stretch longer than the gap ends it. */
			if (in_ep && t - ep.end_ns > merge_gap_ns) {
				episode_close(&ep, lit_ns, first_on, last_on);
				if (nout < max)
					out[nout++] = ep;
				in_ep = false;
			}
			if (!in_ep) {
				memset(&ep, 0, sizeof(ep));
				ep.onset_ns = first_on = t;
				lit_ns = 0;
				in_ep = true;
			}
			ep.flashes++;
			last_on = lit_since = t;
		} else {
			lit_ns += t - lit_since;
			ep.end_ns = t;
		}
		lit = now;
	}
	if (in_ep) {
		if (lit) {
			ep.open_end = true;
			ep.end_ns = to_ns;
			lit_ns += to_ns - lit_since;
		}
		episode_close(&ep, lit_ns, first_on, last_on);
		if (nout < max)
			out[nout++] = ep;
	}
	*noutp = nout;
}
