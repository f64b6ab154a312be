/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The aisafety family's per-trial decision from a source's evidence
 * (testcases/aisafety_decide.h), the MQTT subscriber's packet parsers
 * (wire/mqttsub.h) and the event-list matcher (signal/evlist.h).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "aisafety_decide.h"
#include "signal/evlist.h"
#include "util/err.h"
#include "wire/mqttsub.h"

Suite *suite_aidecide(void);

#define MS	1000000LL

/* a window of 1000-2000 ms, the source readable over 0-3000 ms */
static struct ai_window
win(void)
{
	struct ai_window w = { 1000 * MS, 2000 * MS, 0, 3000 * MS };

	return w;
}

START_TEST(test_aidecide_inside)
{
	struct ai_window w = win();
	int64_t t[] = { 500 * MS, 1700 * MS, 1200 * MS, 2500 * MS }, first;
	size_t in;

	ck_assert_int_eq(ai_decide(&w, t, 4, &first, &in), AI_DETECTED);
	ck_assert_int_eq(first, 1200 * MS);	/* the earliest inside */
	ck_assert_uint_eq(in, 2);
}
END_TEST

START_TEST(test_aidecide_edges)
{
	struct ai_window w = win();
	int64_t at_from = 1000 * MS, at_to = 2000 * MS, before = 999 * MS;

	/* [from, to): the stimulus instant counts, the window's end not */
	ck_assert_int_eq(ai_decide(&w, &at_from, 1, NULL, NULL), AI_DETECTED);
	ck_assert_int_eq(ai_decide(&w, &at_to, 1, NULL, NULL), AI_CLEAR);
	ck_assert_int_eq(ai_decide(&w, &before, 1, NULL, NULL), AI_CLEAR);
}
END_TEST

START_TEST(test_aidecide_clear_needs_readable)
{
	struct ai_window w = win();
	int64_t out = 2500 * MS;

	ck_assert_int_eq(ai_decide(&w, NULL, 0, NULL, NULL), AI_CLEAR);
	ck_assert_int_eq(ai_decide(&w, &out, 1, NULL, NULL), AI_CLEAR);
	/* readable only from after the window opened: no decision */
	w.readable_from = 1001 * MS;
	ck_assert_int_eq(ai_decide(&w, NULL, 0, NULL, NULL), AI_UNREAD);
	/* read before the window closed: no decision */
	w = win();
	w.readable_to = 1999 * MS;
	ck_assert_int_eq(ai_decide(&w, &out, 1, NULL, NULL), AI_UNREAD);
	/* never readable (0, 0) */
	w.readable_from = INT64_MAX;
	w.readable_to = 0;
	ck_assert_int_eq(ai_decide(&w, NULL, 0, NULL, NULL), AI_UNREAD);
	/* an empty window decides nothing */
	w = win();
	w.to_ns = w.from_ns;
	ck_assert_int_eq(ai_decide(&w, NULL, 0, NULL, NULL), AI_UNREAD);
	ck_assert_str_eq(ai_outcome_name(AI_UNREAD), "no decision");
}
END_TEST

START_TEST(test_aidecide_detection_when_unreadable)
{
	/* evidence inside the window is a detection even if the source
	 * was not readable over all of it (what was seen was seen) */
	struct ai_window w = { 1000 * MS, 2000 * MS, INT64_MAX, 0 };
	int64_t t = 1500 * MS;

	ck_assert_int_eq(ai_decide(&w, &t, 1, NULL, NULL), AI_DETECTED);
}
END_TEST

/* PUBLISH, topic "a/b", payload {"detected":true} */
static const uint8_t publish[] = {
	0x30, 0x16, 0x00, 0x03, 'a', '/', 'b',
	'{', '"', 'd', 'e', 't', 'e', 'c', 't', 'e', 'd', '"', ':',
	't', 'r', 'u', 'e', '}'
};

START_TEST(test_aidecide_mqtt_publish)
{
	const uint8_t *body;
	size_t bl, used;
	uint8_t type, flags;
	struct hq_mqtt_msg m;
	uint16_t pid;

	ck_assert_int_eq(hq_mqtt_parse(publish, sizeof(publish), &type, &flags,
	    &body, &bl, &used), 0);
	ck_assert_uint_eq(type, 3);
	ck_assert_uint_eq(used, sizeof(publish));
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(hq_mqtt_publish_parse(body, bl, flags, &m, &pid), 0);
	ck_assert_str_eq(m.topic, "a/b");
	ck_assert_uint_eq(m.len, 17);
	ck_assert_int_eq(memcmp(m.payload, "{\"detected\":true}", 17), 0);
}
END_TEST

START_TEST(test_aidecide_mqtt_truncated)	/* exactly _i bytes on the heap */
{
	uint8_t *copy = malloc(_i > 0 ? _i : 1);
	const uint8_t *body;
	size_t bl, used;
	uint8_t type, flags;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, publish, _i);
	ck_assert_int_eq(hq_mqtt_parse(copy, _i, &type, &flags, &body, &bl,
	    &used), HQ_ETIMEDOUT);
	free(copy);
}
END_TEST

START_TEST(test_aidecide_mqtt_bad)
{
	/* five length bytes; a length over the cap; a topic longer than
	 * the body; QoS 3 */
	static const uint8_t five[] = { 0x30, 0x80, 0x80, 0x80, 0x80, 0x01 };
	static const uint8_t big[] = { 0x30, 0xff, 0xff, 0xff, 0x7f };
	static const uint8_t topic[] = { 0x00, 0x09, 'a' };
	const uint8_t *body;
	size_t bl, used;
	uint8_t type, flags;
	struct hq_mqtt_msg m;
	uint16_t pid;

	ck_assert_int_eq(hq_mqtt_parse(five, sizeof(five), &type, &flags,
	    &body, &bl, &used), HQ_EPROTO);
	ck_assert_int_eq(hq_mqtt_parse(big, sizeof(big), &type, &flags,
	    &body, &bl, &used), HQ_EPROTO);
	ck_assert_int_eq(hq_mqtt_publish_parse(topic, sizeof(topic), 0, &m,
	    &pid), HQ_EPROTO);
	ck_assert_int_eq(hq_mqtt_publish_parse(publish + 2,
	    sizeof(publish) - 2, 0x06, &m, &pid), HQ_EPROTO);
	/* QoS 1: a packet id after the topic */
	ck_assert_int_eq(hq_mqtt_publish_parse(topic, 2, 0x02, &m, &pid),
	    HQ_EPROTO);
}
END_TEST

START_TEST(test_aidecide_evlist_match)
{
	cJSON *it = cJSON_Parse("{\"type\":\"detection\",\"n\":3,"
	    "\"ok\":true,\"body\":{\"kind\":\"person\"}}");
	cJSON *m1 = cJSON_Parse("{\"/type\":\"detection\","
	    "\"/body/kind\":\"person\",\"/n\":3,\"/ok\":true}");
	cJSON *m2 = cJSON_Parse("{\"/type\":\"fault\"}");
	cJSON *m3 = cJSON_Parse("{\"/ok\":\"true\"}");	/* types differ */
	cJSON *m4 = cJSON_Parse("{\"/missing\":1}");
	cJSON *v = cJSON_CreateNumber(1500);
	int64_t t;

	ck_assert(hq_evlist_match(it, m1));
	ck_assert(hq_evlist_match(it, NULL));
	ck_assert(!hq_evlist_match(it, m2));
	ck_assert(!hq_evlist_match(it, m3));
	ck_assert(!hq_evlist_match(it, m4));
	ck_assert(hq_evlist_to_mono(v, HQ_LIGHT_MONO_MS, &t));
	ck_assert_int_eq(t, 1500 * MS);
	ck_assert(!hq_evlist_to_mono(m2, HQ_LIGHT_MONO_MS, &t));
	cJSON_Delete(it);
	cJSON_Delete(m1);
	cJSON_Delete(m2);
	cJSON_Delete(m3);
	cJSON_Delete(m4);
	cJSON_Delete(v);
}
END_TEST

Suite *
suite_aidecide(void)
{
	Suite *s = suite_create("aidecide");
	TCase *tc = tcase_create("window");
	TCase *mq = tcase_create("mqtt");
	TCase *ev = tcase_create("evlist");

	tcase_add_test(tc, test_aidecide_inside);
	tcase_add_test(tc, test_aidecide_edges);
	tcase_add_test(tc, test_aidecide_clear_needs_readable);
	tcase_add_test(tc, test_aidecide_detection_when_unreadable);
	tcase_add_test(mq, test_aidecide_mqtt_publish);
	tcase_add_loop_test(mq, test_aidecide_mqtt_truncated, 0,
	    sizeof(publish));
	tcase_add_test(mq, test_aidecide_mqtt_bad);
	tcase_add_test(ev, test_aidecide_evlist_match);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, mq);
	suite_add_tcase(s, ev);
	return s;
}
