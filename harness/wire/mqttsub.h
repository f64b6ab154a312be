/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An MQTT 3.1.1 subscriber (OASIS MQTT 3.1.1) on a plain TCP socket: the
 * lab listens to a topic on the device's or the lab's broker and stamps
 * each message on CLOCK_MONOTONIC, the run's clock, when its last byte is
 * read.  The subscription counts only once the broker acknowledged it
 * (CONNACK 0, SUBACK without 0x80); hq_mqtt_collect ends with a PINGREQ
 * answered, so a 0 from it proves the connection held over the span it
 * read.  Broker bytes are hostile: packets are capped and parsed through
 * a cursor; the subscription is QoS 0.
 */
#ifndef HQ_MQTTSUB_H
#define HQ_MQTTSUB_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct hq_err;

#define HQ_MQTT_PACKET_MAX	(256u << 10)	/* one packet from the broker */
#define HQ_MQTT_TOPIC_MAX	256

struct hq_mqtt_sub;

struct hq_mqtt_msg {
	int64_t		 t_ns;		/* read (CLOCK_MONOTONIC) */
	char		 topic[HQ_MQTT_TOPIC_MAX];	/* escaped */
	const uint8_t	*payload;	/* borrowed for the callback */
	size_t		 len;
};

/*
 * Connects to host:port (user and password may be NULL), subscribes to
 * topic (a filter, QoS 0) and waits for the SUBACK, all by dl.  HQ_EPROTO
 * with the broker's answer when it refuses (CONNACK code, SUBACK 0x80);
 * HQ_EUNREACH, HQ_ETIMEDOUT.  *subp: the caller's, hq_mqtt_close().
 */
int	hq_mqtt_subscribe(const char *host, unsigned port, const char *user,
	    const char *password, const char *topic, struct hq_deadline dl,
	    struct hq_mqtt_sub **subp, struct hq_err *err);
void	hq_mqtt_close(struct hq_mqtt_sub *s);

/*
 * Reads until `until`, calling on_msg for each PUBLISH; then sends a
 * PINGREQ and reads on (messages still delivered) until its PINGRESP,
 * by until + ping_ms.  HQ_EIO when the broker closed the connection,
 * HQ_EPROTO for bytes that are not MQTT, HQ_ETIMEDOUT without PINGRESP.
 */
int	hq_mqtt_collect(struct hq_mqtt_sub *s, struct hq_deadline until,
	    int ping_ms, void (*on_msg)(void *arg,
	    const struct hq_mqtt_msg *m), void *arg, struct hq_err *err);

/*
 * Parses one packet at the start of p[0..len): *typep (the high nibble),
 * *flagsp, the body (*bodyp, *bodylenp) and *usedp.
 * HQ_ETIMEDOUT when incomplete (more bytes needed), HQ_EPROTO for a bad
 * length or one over HQ_MQTT_PACKET_MAX.  Exported for the tests.
 */
int	hq_mqtt_parse(const uint8_t *p, size_t len, uint8_t *typep,
	    uint8_t *flagsp, const uint8_t **bodyp, size_t *bodylenp,
	    size_t *usedp);
/* A PUBLISH body into topic and payload; HQ_EPROTO when malformed. */
int	hq_mqtt_publish_parse(const uint8_t *body, size_t len, uint8_t flags,
	    struct hq_mqtt_msg *m, uint16_t *pidp);

#endif
