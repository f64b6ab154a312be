/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Light evidence for alarm tests: a line-oriented light sensor (a serial
 * device, a TCP socket, or a file growing in real time) and the strobe
 * analysis (onset, end, flash count, frequency).
 *
 * A line is "[TIME] VALUE": VALUE is "on"/"off" or a level (a decimal
 * number, compared with a threshold); TIME is the sensor's own stamp in
 * unix milliseconds (CLOCK_REALTIME) or in CLOCK_MONOTONIC milliseconds,
 * as the DUT description says; with the "arrival" clock hopquy stamps each
 * line when it reads it (and a leading TIME token, if any, is ignored).
 * Every stamp ends up on CLOCK_MONOTONIC, the run's clock; unix stamps are
 * mapped with the realtime-monotonic offset measured at each read.
 *
 * Sensor bytes are hostile: lines are capped, numbers parsed with bounds,
 * bad lines counted and skipped, the sample store capped.
 */
#ifndef HQ_LIGHT_H
#define HQ_LIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct hq_err;

#define HQ_LIGHT_LINE_MAX	128
#define HQ_LIGHT_SAMPLES_MAX	1000000
#define HQ_LIGHT_RAW_MAX	(8u << 20)	/* raw bytes kept as evidence */
#define HQ_LIGHT_EPISODES_MAX	64

enum hq_light_clock {
	HQ_LIGHT_UNIX_MS,	/* "unix-ms" */
	HQ_LIGHT_MONO_MS,	/* "mono-ms" */
	HQ_LIGHT_ARRIVAL,	/* "arrival" */
};

struct hq_light_sample {
	int64_t	 t_ns;		/* CLOCK_MONOTONIC */
	double	 level;		/* "on" 1, "off" 0 */
};

/* "unix-ms" ... to the enum; HQ_EINVAL otherwise. */
int	hq_light_clock_parse(const char *s, enum hq_light_clock *clkp);

/*
 * What a sensor's lines look like (a serial photodiode's firmware says):
 *   HQ_LIGHT_FMT_ANY      "[TIME] VALUE", VALUE a level or on/off (default)
 *   HQ_LIGHT_FMT_VALUE    "VALUE": a level only, stamped on arrival
 *   HQ_LIGHT_FMT_MS_VALUE "MS VALUE": a stamp on the declared clock and a
 *                         level (with the arrival clock the stamp is read
 *                         and ignored)
 *   HQ_LIGHT_FMT_ONOFF    "[TIME] on|off": a relay or comparator output
 * A line of another shape is a bad line.
 */
enum hq_light_format {
	HQ_LIGHT_FMT_ANY = 0,
	HQ_LIGHT_FMT_VALUE,
	HQ_LIGHT_FMT_MS_VALUE,
	HQ_LIGHT_FMT_ONOFF,
};
/* "any", "value", "ms value", "on/off"; HQ_EINVAL otherwise. */
int	hq_light_format_parse(const char *s, enum hq_light_format *fmtp);

/*
 * Parses one line (without its end of line) into *s.  arrival_ns: when it
 * was read; real_minus_mono_ns: CLOCK_REALTIME - CLOCK_MONOTONIC.
 * HQ_EPROTO for anything else (empty line included).
 */
int	hq_light_parse_line(const char *p, size_t len,
	    enum hq_light_clock clk, int64_t arrival_ns,
	    int64_t real_minus_mono_ns, struct hq_light_sample *s);
/* The same for a declared format. */
int	hq_light_parse_line_fmt(const char *p, size_t len,
	    enum hq_light_format fmt, enum hq_light_clock clk,
	    int64_t arrival_ns, int64_t real_minus_mono_ns,
	    struct hq_light_sample *s);

/* CLOCK_REALTIME - CLOCK_MONOTONIC now, in ns (read between two reads of
 * the monotonic clock, so within a microsecond or so). */
int64_t	hq_light_real_minus_mono(void);

/*
 * A source: "file:PATH" (read from its end at open on; its last line
 * before that is kept as the state at the open), "serial:DEV[:BAUD]"
 * (raw 8N1, 9600 by default), "tcp:ADDR:PORT".  Non-blocking; poll reads
 * what is there.
 */
struct hq_light_src;
int	hq_light_open(const char *spec, enum hq_light_clock clk,
	    struct hq_deadline dl, struct hq_light_src **srcp,
	    struct hq_err *err);
void	hq_light_close(struct hq_light_src *src);
/* Declares the lines' format (HQ_LIGHT_FMT_ANY until then). */
void	hq_light_set_format(struct hq_light_src *src,
	    enum hq_light_format fmt);
/*
 * Whether the source can be read now: a serial or TCP source is open; a
 * file source is open and its path still names that file (not yet
 * created, removed or replaced: false).
 */
bool	hq_light_readable(const struct hq_light_src *src);
/* Reads what is available now; appends samples. */
int	hq_light_poll(struct hq_light_src *src, struct hq_err *err);
/* The samples so far (borrowed), bad lines, the raw bytes read. */
const struct hq_light_sample *hq_light_samples(const struct hq_light_src *src,
	    size_t *np);
size_t	hq_light_bad_lines(const struct hq_light_src *src);
const char *hq_light_raw(const struct hq_light_src *src, size_t *lenp);

/* A strobe episode: flashes no further apart than the merge gap. */
struct hq_light_episode {
	int64_t	 onset_ns;	/* first off->on */
	int64_t	 end_ns;	/* last on->off (to_ns when open) */
	bool	 open_start;	/* already on at from_ns */
	bool	 open_end;	/* still on at to_ns */
	unsigned flashes;	/* off->on transitions (+1 if open_start) */
	double	 freq_hz;	/* (flashes - 1) / first-to-last onset */
	double	 on_share;	/* fraction of the episode lit */
};

/*
 * The episodes of s[0..n) (sorted by time) within [from_ns, to_ns):
 * level >= threshold is lit; a dark stretch longer than merge_gap_ns ends
 * an episode.  out[max], *noutp.
 */
void	hq_light_analyse(const struct hq_light_sample *s, size_t n,
	    int64_t from_ns, int64_t to_ns, double threshold,
	    int64_t merge_gap_ns, struct hq_light_episode *out, size_t max,
	    size_t *noutp);

#endif
