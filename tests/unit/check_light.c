/* SPDX-License-Identifier: Apache-2.0 */
/* Light: sensor line parsing, file source, strobe analysis. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "signal/light.h"
#include "util/err.h"

#define MS	1000000LL

START_TEST(test_light_parse)
{
	struct hq_light_sample s;
	const int64_t off = 1000 * MS;	/* realtime = mono + 1 s */

	ck_assert_int_eq(hq_light_parse_line("5000 on", 7, HQ_LIGHT_UNIX_MS,
	    0, off, &s), 0);
	ck_assert_int_eq(s.t_ns, 4000 * MS);
	ck_assert(s.level == 1.0);
	ck_assert_int_eq(hq_light_parse_line("5000\toff", 8, HQ_LIGHT_MONO_MS,
	    0, off, &s), 0);
	ck_assert_int_eq(s.t_ns, 5000 * MS);
	ck_assert(s.level == 0.0);
	ck_assert_int_eq(hq_light_parse_line("77,312.5", 8, HQ_LIGHT_MONO_MS,
	    0, off, &s), 0);
	ck_assert(s.level == 312.5);
	ck_assert_int_eq(hq_light_parse_line("on", 2, HQ_LIGHT_ARRIVAL,
	    42, off, &s), 0);
	ck_assert_int_eq(s.t_ns, 42);
	ck_assert_int_eq(hq_light_parse_line("9 1.25", 6, HQ_LIGHT_ARRIVAL,
	    42, off, &s), 0);
	ck_assert(s.level == 1.25);
	/* Past year 2262 int64 nanoseconds overflow: refused, not wrapped
	 * (a fuzzing find, UBSan); the last representable ms is fine. */
	ck_assert_int_eq(hq_light_parse_line("9999999999999 on", 16,
	    HQ_LIGHT_MONO_MS, 0, off, &s), HQ_EPROTO);
	ck_assert_int_eq(hq_light_parse_line("9223372036854 on", 16,
	    HQ_LIGHT_MONO_MS, 0, off, &s), 0);
	ck_assert_int_eq(s.t_ns, 9223372036854LL * MS);
	ck_assert_int_eq(hq_light_parse_line("9223372036855 on", 16,
	    HQ_LIGHT_UNIX_MS, 0, off, &s), HQ_EPROTO);
	ck_assert_int_eq(hq_light_parse_line("0 on", 4, HQ_LIGHT_UNIX_MS, 0,
	    INT64_MIN, &s), HQ_EPROTO);
}
END_TEST

static const char *const bad_lines[] = {
	"", "on", "5000", "5000 maybe", "x on", "-5 on", "5000 on extra",
	"5000 1.", "5000 .5", "5000 1.2.3", "99999999999999999 on",
	"5000 1234567890123", "5000 1.1234567890",
};

START_TEST(test_light_parse_bad)
{
	struct hq_light_sample s;
	const char *l = bad_lines[_i];

	ck_assert_int_eq(hq_light_parse_line(l, strlen(l), HQ_LIGHT_UNIX_MS,
	    0, 0, &s), HQ_EPROTO);
}
END_TEST

START_TEST(test_light_parse_truncated)	/* every prefix, exact heap size */
{
	static const char line[] = "1795512184741 on";
	char *copy = malloc(_i > 0 ? _i : 1);
	struct hq_light_sample s;
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, line, _i);
	rc = hq_light_parse_line(copy, _i, HQ_LIGHT_UNIX_MS, 0, 0, &s);
	/* "1795512184741 o" and shorter are refused */
	ck_assert_int_eq(rc, HQ_EPROTO);
	free(copy);
}
END_TEST

/* A strobe at 2 Hz (250 ms on, 250 off) for 3 s from t = 1 s. */
static size_t
strobe(struct hq_light_sample *s, int64_t t0, int n, int64_t half)
{
	size_t k = 0;
	int i;

	for (i = 0; i < n; i++) {
		s[k].t_ns = t0 + 2 * i * half;
		s[k++].level = 1;
		s[k].t_ns = t0 + (2 * i + 1) * half;
		s[k++].level = 0;
	}
	return k;
}

START_TEST(test_light_strobe)
{
	struct hq_light_sample s[64];
	struct hq_light_episode ep[4];
	size_t n = strobe(s, 1000 * MS, 6, 250 * MS), ne;

	hq_light_analyse(s, n, 0, 10000 * MS, 0.5, 1500 * MS, ep, 4, &ne);
	ck_assert_uint_eq(ne, 1);
	ck_assert_int_eq(ep[0].onset_ns, 1000 * MS);
	ck_assert_int_eq(ep[0].end_ns, 3750 * MS);
	ck_assert_uint_eq(ep[0].flashes, 6);
	ck_assert(ep[0].freq_hz > 1.999 && ep[0].freq_hz < 2.001);
	ck_assert(ep[0].on_share > 0.54 && ep[0].on_share < 0.55);
	ck_assert(!ep[0].open_start && !ep[0].open_end);
	/* Cut in the middle: open at both ends. */
	hq_light_analyse(s, n, 1100 * MS, 2100 * MS, 0.5, 1500 * MS, ep, 4,
	    &ne);
	ck_assert_uint_eq(ne, 1);
	ck_assert(ep[0].open_start && ep[0].open_end);
	ck_assert_int_eq(ep[0].onset_ns, 1100 * MS);
	ck_assert_int_eq(ep[0].end_ns, 2100 * MS);
	ck_assert_uint_eq(ep[0].flashes, 3);
	/* Nothing in a quiet window. */
	hq_light_analyse(s, n, 5000 * MS, 9000 * MS, 0.5, 1500 * MS, ep, 4,
	    &ne);
	ck_assert_uint_eq(ne, 0);
}
END_TEST

START_TEST(test_light_episodes)
{
	struct hq_light_sample s[64];
	struct hq_light_episode ep[4];
	size_t n, ne;

	n = strobe(s, 1000 * MS, 3, 250 * MS);
	n += strobe(s + n, 8000 * MS, 2, 100 * MS);
	/* Levels instead of on/off: a steady lamp. */
	s[n].t_ns = 20000 * MS;
	s[n++].level = 300;
	s[n].t_ns = 23000 * MS;
	s[n++].level = 12;
	for (size_t i = 0; i < n - 2; i++)
		s[i].level *= 400;
	hq_light_analyse(s, n, 0, 30000 * MS, 100, 1500 * MS, ep, 4, &ne);
	ck_assert_uint_eq(ne, 3);
	ck_assert_uint_eq(ep[0].flashes, 3);
	ck_assert_int_eq(ep[1].onset_ns, 8000 * MS);
	ck_assert(ep[1].freq_hz > 4.99 && ep[1].freq_hz < 5.01);
	ck_assert_uint_eq(ep[2].flashes, 1);
	ck_assert(ep[2].freq_hz == 0);
	ck_assert_int_eq(ep[2].end_ns - ep[2].onset_ns, 3000 * MS);
}
END_TEST

/* Declared line formats of a serial photodiode or relay input. */
START_TEST(test_light_formats)
{
	struct hq_light_sample s;
	enum hq_light_format f;

	ck_assert_int_eq(hq_light_format_parse("ms value", &f), 0);
	ck_assert_int_eq(f, HQ_LIGHT_FMT_MS_VALUE);
	ck_assert_int_eq(hq_light_format_parse("value", &f), 0);
	ck_assert_int_eq(hq_light_format_parse("on/off", &f), 0);
	ck_assert_int_ne(hq_light_format_parse("csv", &f), 0);
	/* "value": one level, stamped on arrival. */
	ck_assert_int_eq(hq_light_parse_line_fmt("812.5", 5, HQ_LIGHT_FMT_VALUE,
	    HQ_LIGHT_ARRIVAL, 42, 0, &s), 0);
	ck_assert(s.level == 812.5 && s.t_ns == 42);
	ck_assert_int_ne(hq_light_parse_line_fmt("5 812", 5, HQ_LIGHT_FMT_VALUE,
	    HQ_LIGHT_ARRIVAL, 42, 0, &s), 0);
	ck_assert_int_ne(hq_light_parse_line_fmt("on", 2, HQ_LIGHT_FMT_VALUE,
	    HQ_LIGHT_ARRIVAL, 42, 0, &s), 0);
	/* "ms value": the sensor's stamp on the declared clock. */
	ck_assert_int_eq(hq_light_parse_line_fmt("1500 3.25", 9,
	    HQ_LIGHT_FMT_MS_VALUE, HQ_LIGHT_MONO_MS, 42, 0, &s), 0);
	ck_assert(s.level == 3.25 && s.t_ns == 1500 * MS);
	ck_assert_int_ne(hq_light_parse_line_fmt("3.25", 4,
	    HQ_LIGHT_FMT_MS_VALUE, HQ_LIGHT_ARRIVAL, 42, 0, &s), 0);
	ck_assert_int_ne(hq_light_parse_line_fmt("x1 3.25", 7,
	    HQ_LIGHT_FMT_MS_VALUE, HQ_LIGHT_ARRIVAL, 42, 0, &s), 0);
	/* "on/off": a comparator or relay; a level is a bad line. */
	ck_assert_int_eq(hq_light_parse_line_fmt("off", 3, HQ_LIGHT_FMT_ONOFF,
	    HQ_LIGHT_ARRIVAL, 42, 0, &s), 0);
	ck_assert(s.level == 0);
	ck_assert_int_ne(hq_light_parse_line_fmt("12", 2, HQ_LIGHT_FMT_ONOFF,
	    HQ_LIGHT_ARRIVAL, 42, 0, &s), 0);
}
END_TEST

/* A steady light already lit when the window opens is an open start
 * (already on), not an onset; a later off->on edge is one. */
START_TEST(test_light_already_on)
{
	struct hq_light_sample s[4] = {
		{ 500 * MS, 1 }, { 3000 * MS, 0 }, { 6000 * MS, 1 },
	};
	struct hq_light_episode ep[4];
	size_t ne;

	hq_light_analyse(s, 3, 1000 * MS, 10000 * MS, 0.5, 1500 * MS, ep, 4,
	    &ne);
	ck_assert_uint_eq(ne, 2);
	ck_assert(ep[0].open_start);
	ck_assert(!ep[1].open_start);
	ck_assert_int_eq(ep[1].onset_ns, 6000 * MS);
	ck_assert(ep[1].open_end);
	ck_assert_uint_eq(ep[1].flashes, 1);
}
END_TEST

/* A file source reads what is appended after it was opened, and the state
 * its last line gave before. */
START_TEST(test_light_file)
{
	char path[] = "/tmp/hq-light-XXXXXX", spec[64];
	struct hq_light_src *src = NULL;
	const struct hq_light_sample *s;
	FILE *f;
	size_t n;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	f = fopen(path, "a");
	fprintf(f, "100 on\n");
	fflush(f);
	snprintf(spec, sizeof(spec), "file:%s", path);
	ck_assert_int_eq(hq_light_open(spec, HQ_LIGHT_MONO_MS,
	    hq_deadline_in(100), &src, NULL), 0);
	fprintf(f, "200 off\n300 garbage\n40");
	fflush(f);
	ck_assert_int_eq(hq_light_poll(src, NULL), 0);
	s = hq_light_samples(src, &n);
	/* The last line before the open is the state then (lit), not an
	 * event of this run; the rest is read as it comes. */
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(s[0].t_ns, 100 * MS);
	ck_assert(s[0].level == 1.0);
	ck_assert_int_eq(s[1].t_ns, 200 * MS);
	ck_assert_uint_eq(hq_light_bad_lines(src), 1);
	fprintf(f, "0 on\n");
	fclose(f);
	ck_assert_int_eq(hq_light_poll(src, NULL), 0);
	s = hq_light_samples(src, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(s[2].t_ns, 400 * MS);
	hq_light_close(src);
	unlink(path);
	ck_assert_int_eq(hq_light_open("usb:x", HQ_LIGHT_MONO_MS,
	    hq_deadline_in(100), &src, NULL), HQ_EINVAL);
	ck_assert_int_eq(hq_light_open("serial:/dev/null:12345",
	    HQ_LIGHT_MONO_MS, hq_deadline_in(100), &src, NULL), HQ_EINVAL);
}
END_TEST

/* A file source is readable only while its path names the file read:
 * not before it exists, not once removed or replaced. */
START_TEST(test_light_readable)
{
	char dir[] = "/tmp/hq-light-XXXXXX", path[64], other[64];
	struct hq_light_src *src = NULL;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/strobe.log", dir);
	snprintf(other, sizeof(other), "%s/other.log", dir);
	{
		char spec[80];

		snprintf(spec, sizeof(spec), "file:%s", path);
		ck_assert_int_eq(hq_light_open(spec, HQ_LIGHT_ARRIVAL,
		    hq_deadline_in(1000), &src, NULL), 0);
	}
	ck_assert(!hq_light_readable(src));	/* not there yet */
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("on\n", f);
	fclose(f);
	ck_assert_int_eq(hq_light_poll(src, NULL), 0);
	ck_assert(hq_light_readable(src));
	/* replaced by another file: not what we read */
	ck_assert_ptr_nonnull(f = fopen(other, "w"));
	fclose(f);
	ck_assert_int_eq(rename(other, path), 0);
	ck_assert(!hq_light_readable(src));
	unlink(path);
	ck_assert(!hq_light_readable(src));
	ck_assert(!hq_light_readable(NULL));
	hq_light_close(src);
	rmdir(dir);
}
END_TEST

Suite *
suite_light(void)
{
	Suite *s = suite_create("light");
	TCase *tc = tcase_create("light");

	tcase_add_test(tc, test_light_parse);
	tcase_add_loop_test(tc, test_light_parse_bad, 0,
	    sizeof(bad_lines) / sizeof(bad_lines[0]));
	tcase_add_loop_test(tc, test_light_parse_truncated, 0, 16);
	tcase_add_test(tc, test_light_strobe);
	tcase_add_test(tc, test_light_episodes);
	tcase_add_test(tc, test_light_file);
	tcase_add_test(tc, test_light_formats);
	tcase_add_test(tc, test_light_already_on);
	tcase_add_test(tc, test_light_readable);
	suite_add_tcase(s, tc);
	return s;
}
