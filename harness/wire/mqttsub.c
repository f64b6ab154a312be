/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MQTT 3.1.1 subscriber (wire/mqttsub.h).  Plain TCP, non-blocking, every
 * wait bounded by a deadline; packets from the broker go through a cursor.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/err.h"
#include "util/log.h"
#include "util/rd.h"
#include "wire/mqttsub.h"
#include "wire/net.h"

#define MQTT_OUT_MAX	1024	/* what we send: CONNECT, SUBSCRIBE */
#define MQTT_KEEPALIVE_S 60

struct hq_mqtt_sub {
	int	 fd;
	uint8_t	*buf;		/* HQ_MQTT_PACKET_MAX + 5 */
	size_t	 len;
	int64_t	 read_ns;	/* when the last bytes came */
};

static bool
put_str(uint8_t *p, size_t cap, size_t *off, const char *s)
{
	size_t n = strlen(s);

	if (n > 65535 || *off + 2 + n > cap)
		return false;
	p[(*off)++] = (uint8_t)(n >> 8);
	p[(*off)++] = (uint8_t)n;
	memcpy(p + *off, s, n);
	*off += n;
	return true;
}

/* Fixed header (type and flags, remaining length) before var[0..vlen). */
static size_t
packet(uint8_t first, const uint8_t *var, size_t vlen, uint8_t *out,
    size_t cap)
{
	size_t off = 0, rem = vlen;

	out[off++] = first;
	do {
		uint8_t b = (uint8_t)(rem & 0x7f);

		rem >>= 7;
		out[off++] = rem > 0 ? (uint8_t)(b | 0x80) : b;
	} while (rem > 0);
	if (off + vlen > cap)
		return 0;
	memcpy(out + off, var, vlen);
	return off + vlen;
}

int
hq_mqtt_parse(const uint8_t *p, size_t len, uint8_t *typep, uint8_t *flagsp,
    const uint8_t **bodyp, size_t *bodylenp, size_t *usedp)
{
	struct hq_rd rd = { p, len };
	uint8_t first, b;
	size_t rem = 0, shift = 0;
	int i;

	if (hq_rd_u8(&rd, &first) != 0)
		return HQ_ETIMEDOUT;
	/* 2.2.3: at most four bytes of remaining length */
	for (i = 0;; i++) {
		if (i == 4)
			return HQ_EPROTO;
		if (hq_rd_u8(&rd, &b) != 0)
			return HQ_ETIMEDOUT;
		rem |= (size_t)(b & 0x7f) << shift;
		shift += 7;
		if ((b & 0x80) == 0)
			break;
	}
	if (rem > HQ_MQTT_PACKET_MAX)
		return HQ_EPROTO;
	if (rd.len < rem)
		return HQ_ETIMEDOUT;
	*typep = first >> 4;
	*flagsp = first & 0x0f;
	*bodyp = rd.p;
	*bodylenp = rem;
	*usedp = len - rd.len + rem;
	return 0;
}

int
hq_mqtt_publish_parse(const uint8_t *body, size_t len, uint8_t flags,
    struct hq_mqtt_msg *m, uint16_t *pidp)
{
	struct hq_rd rd = { body, len };
	const uint8_t *topic;
	uint16_t tl;
	unsigned qos = (flags >> 1) & 3;

	*pidp = 0;
	if (qos == 3 || hq_rd_u16be(&rd, &tl) != 0 || tl == 0 ||
	    hq_rd_bytes(&rd, tl, &topic) != 0)
		return HQ_EPROTO;
	if (qos > 0 && hq_rd_u16be(&rd, pidp) != 0)
		return HQ_EPROTO;
	hq_escape(m->topic, sizeof(m->topic), topic, tl);
	m->payload = rd.p;
	m->len = rd.len;
	return 0;
}

void
hq_mqtt_close(struct hq_mqtt_sub *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0) {
		/* DISCONNECT (3.14), best effort */
		static const uint8_t disc[] = { 0xe0, 0x00 };

		(void)hq_net_write_all(s->fd, disc, sizeof(disc),
		    hq_deadline_in(200), NULL);
		close(s->fd);
	}
	free(s->buf);
	free(s);
}

/* The next packet into *typep...: reads until one is complete or dl. */
static int
next_packet(struct hq_mqtt_sub *s, struct hq_deadline dl, uint8_t *typep,
    uint8_t *flagsp, const uint8_t **bodyp, size_t *blp, size_t *usedp,
    struct hq_err *err)
{
	ssize_t n;
	int rc;

	for (;;) {
		rc = hq_mqtt_parse(s->buf, s->len, typep, flagsp, bodyp, blp,
		    usedp);
		if (rc == 0)
			return 0;
		if (rc == HQ_EPROTO)
			return hq_err_set(err, HQ_EPROTO, "mqtt: a packet with "
			    "a bad or over-limit length (first byte 0x%02x)",
			    s->buf[0]);
		if ((rc = hq_net_wait(s->fd, POLLIN, dl, err)) != 0)
			return rc;
		n = read(s->fd, s->buf + s->len, HQ_MQTT_PACKET_MAX + 5 -
		    s->len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return hq_err_sys(err, "mqtt: read");
		if (n == 0)
			return hq_err_set(err, HQ_EIO, "mqtt: the broker closed "
			    "the connection");
		s->len += (size_t)n;
		s->read_ns = hq_mono_ns();
	}
}

static void
consume(struct hq_mqtt_sub *s, size_t used)
{
	memmove(s->buf, s->buf + used, s->len - used);
	s->len -= used;
}

int
hq_mqtt_subscribe(const char *host, unsigned port, const char *user,
    const char *password, const char *topic, struct hq_deadline dl,
    struct hq_mqtt_sub **subp, struct hq_err *err)
{
	struct hq_mqtt_sub *s;
	uint8_t var[MQTT_OUT_MAX], out[MQTT_OUT_MAX + 8], type, flags;
	const uint8_t *body;
	size_t vlen, n, bl, used;
	char cid[32];
	int rc;

	*subp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->buf = malloc(HQ_MQTT_PACKET_MAX + 5)) == NULL) {
		free(s);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	s->fd = -1;
	/* 3.1: protocol "MQTT" level 4, clean session, keep alive */
	memcpy(var, "\0\4MQTT\4", 7);
	var[7] = 0x02 | (user != NULL ? 0x80 : 0) |
	    (user != NULL && password != NULL ? 0x40 : 0);
	var[8] = 0;
	var[9] = MQTT_KEEPALIVE_S;
	vlen = 10;
	snprintf(cid, sizeof(cid), "hopquy-%08x", (unsigned)(hq_mono_ns() &
	    0xffffffff));
	if (!put_str(var, sizeof(var), &vlen, cid) ||
	    (user != NULL && !put_str(var, sizeof(var), &vlen, user)) ||
	    (user != NULL && password != NULL && !put_str(var, sizeof(var),
	    &vlen, password)) ||
	    (n = packet(0x10, var, vlen, out, sizeof(out))) == 0) {
		rc = hq_err_set(err, HQ_EINVAL, "mqtt: user name or password "
		    "too long");
		goto out;
	}
	OPENSSL_cleanse(var, sizeof(var));
	if ((rc = hq_net_connect(host, port, dl, &s->fd, err)) != 0 ||
	    (rc = hq_net_write_all(s->fd, out, n, dl, err)) != 0)
		goto out;
	OPENSSL_cleanse(out, sizeof(out));
	if ((rc = next_packet(s, dl, &type, &flags, &body, &bl, &used,
	    err)) != 0)
		goto out;
	/* 3.2: CONNACK, two bytes, the second the return code */
	if (type != 2 || bl != 2) {
		rc = hq_err_set(err, HQ_EPROTO, "mqtt %s:%u: not a CONNACK "
		    "(packet type %u)", host, port, type);
		goto out;
	}
	if (body[1] != 0) {
		rc = hq_err_set(err, HQ_EPROTO, "mqtt %s:%u: CONNACK return "
		    "code %u (the broker refused the connection)", host, port,
		    body[1]);
		goto out;
	}
	consume(s, used);
	/* 3.8: SUBSCRIBE, packet id 1, the filter at QoS 0 */
	vlen = 0;
	var[vlen++] = 0;
	var[vlen++] = 1;
	if (!put_str(var, sizeof(var) - 1, &vlen, topic) ||
	    (var[vlen++] = 0, n = packet(0x82, var, vlen, out,
	    sizeof(out))) == 0) {
		rc = hq_err_set(err, HQ_EINVAL, "mqtt: topic too long");
		goto out;
	}
	if ((rc = hq_net_write_all(s->fd, out, n, dl, err)) != 0)
		goto out;
	for (;;) {
		if ((rc = next_packet(s, dl, &type, &flags, &body, &bl, &used,
		    err)) != 0)
			goto out;
		if (type == 9)
			break;
		consume(s, used);	/* a retained PUBLISH may come first */
	}
	/* 3.9: SUBACK: packet id, then one return code */
	if (bl != 3 || body[0] != 0 || body[1] != 1) {
		rc = hq_err_set(err, HQ_EPROTO, "mqtt %s:%u: a malformed "
		    "SUBACK", host, port);
		goto out;
	}
	if (body[2] == 0x80) {
		rc = hq_err_set(err, HQ_EPROTO, "mqtt %s:%u: SUBACK 0x80 (the "
		    "broker refused the subscription to %s)", host, port,
		    topic);
		goto out;
	}
	consume(s, used);
	*subp = s;
	s = NULL;
 out:
	OPENSSL_cleanse(var, sizeof(var));
	OPENSSL_cleanse(out, sizeof(out));
	hq_mqtt_close(s);
	return rc;
}

int
hq_mqtt_collect(struct hq_mqtt_sub *s, struct hq_deadline until, int ping_ms,
    void (*on_msg)(void *arg, const struct hq_mqtt_msg *m), void *arg,
    struct hq_err *err)
{
	static const uint8_t ping[] = { 0xc0, 0x00 };
	struct hq_deadline dl = until;
	struct hq_mqtt_msg m;
	const uint8_t *body;
	uint8_t type, flags;
	size_t bl, used;
	uint16_t pid;
	bool pinged = false;
	int rc;

	for (;;) {
		rc = next_packet(s, dl, &type, &flags, &body, &bl, &used, err);
		if (rc == HQ_ETIMEDOUT && !pinged) {
			hq_err_clear(err);
			if ((rc = hq_net_write_all(s->fd, ping, sizeof(ping),
			    hq_deadline_in(ping_ms), err)) != 0)
				return rc;
			pinged = true;
			dl = hq_deadline_in(ping_ms);
			continue;
		}
		if (rc == HQ_ETIMEDOUT)
			return hq_err_set(err, HQ_ETIMEDOUT, "mqtt: no PINGRESP "
			    "within %d ms", ping_ms);
		if (rc != 0)
			return rc;
		if (type == 13) {	/* PINGRESP */
			consume(s, used);
			if (pinged)
				return 0;
			continue;
		}
		if (type == 3) {
			memset(&m, 0, sizeof(m));
			if (hq_mqtt_publish_parse(body, bl, flags, &m,
			    &pid) != 0)
				return hq_err_set(err, HQ_EPROTO, "mqtt: a "
				    "malformed PUBLISH");
			m.t_ns = s->read_ns;
			if (on_msg != NULL)
				on_msg(arg, &m);
		}
		/* the subscription is QoS 0: the broker sends at QoS 0
		 * (3.8.4), nothing to acknowledge */
		consume(s, used);
	}
}
