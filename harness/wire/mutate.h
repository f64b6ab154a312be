/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Malformed input for the `input` family: protocol models (a table of
 * fields per protocol, each field with a kind that says which typed
 * mutations apply) and a seeded generator.  Case i of a surface is a pure
 * function of (seed, model, i): the same seed gives the same sequence, and
 * one case can be rebuilt alone.  The first cases walk every applicable
 * (field, mutation) pair in table order; later ones draw them at random.
 * Nothing here touches the network.
 */
#ifndef HQ_MUTATE_H
#define HQ_MUTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hq_err;

#define HQ_MUT_CASE_MAX		(160u * 1024)	/* bytes in one case */
#define HQ_MUT_OVERLONG_MAX	(66u * 1024)	/* longest overlong field */

/* splitmix64: small, seedable, the same on every host. */
struct hq_rng {
	uint64_t	s;
};
void	 hq_rng_seed(struct hq_rng *r, uint64_t seed);
uint64_t hq_rng_next(struct hq_rng *r);
/* Uniform in [0, n), n > 0. */
uint32_t hq_rng_below(struct hq_rng *r, uint32_t n);

enum hq_proto_model {
	HQ_PM_HTTP = 0,		/* http, https, upnp */
	HQ_PM_RTSP,
	HQ_PM_MQTT,
	HQ_PM_TELNET,
	HQ_PM_TLS,		/* a ClientHello, for tls surfaces */
	HQ_PM_RAW,		/* other: random and length-prefixed */
	HQ_PM_ONVIF,		/* SOAP over HTTP: XML depth, entities */
	HQ_PM_SSDP,		/* UPnP discovery: M-SEARCH over UDP */
	HQ_PM_WSD,		/* WS-Discovery: SOAP Probe over UDP */
	HQ_PM_COUNT
};

/* What the generator knows about the surface (borrowed strings). */
struct hq_mut_target {
	const char	*host;		/* Host header, SNI */
	const char	*path;		/* a declared path, or NULL: "/" */
	const char	*login_path;	/* POST path of a form login, or NULL */
	uint64_t	 nonce;		/* the control's WS-Discovery MessageID
					 * comes from it: a fresh one per health
					 * check (receivers drop repeated ids) */
};

/* One case: the bytes and what was done to which field. */
struct hq_mut_case {
	uint64_t	 index;
	enum hq_proto_model model;
	char		 field[32];
	char		 mutation[24];
	uint8_t		*bytes;		/* owned */
	size_t		 len;
};

/* The model for a declared proto ("http", "rtsp", ...), -1 if none. */
int	hq_mut_model_for(const char *proto);
const char *hq_mut_model_name(enum hq_proto_model m);
/* How many (field, mutation) pairs the systematic pass of m walks. */
size_t	hq_mut_pairs(enum hq_proto_model m);
/*
 * Builds case index of model m for seed into c (c->bytes allocated; free
 * with hq_mut_case_clear).  HQ_ENOMEM only.
 */
int	hq_mut_case_build(enum hq_proto_model m, const struct hq_mut_target *t,
	    uint64_t seed, uint64_t index, struct hq_mut_case *c,
	    struct hq_err *err);
/* The well-formed request of m (control and health check), into c.
 * WS-Discovery: its MessageID (urn:uuid:...) is made from t->nonce. */
int	hq_mut_control(enum hq_proto_model m, const struct hq_mut_target *t,
	    struct hq_mut_case *c, struct hq_err *err);
void	hq_mut_case_clear(struct hq_mut_case *c);

#endif
