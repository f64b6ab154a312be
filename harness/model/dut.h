/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DUT descriptions (IXIT): loading and validation of a hopquy-dut/1 file
 * (harness/dut.schema.json).  Secrets may be inline, {"file": PATH}
 * (relative to the DUT file) or {"env": NAME}; they are resolved at load
 * and wiped on free.  Recipe sections (update, data, power, alarm) are
 * kept as owned JSON subtrees, structurally validated here and
 * semantically by the family that uses them.
 */
#ifndef HQ_DUT_H
#define HQ_DUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct hq_err;

#define HQ_DUT_FILE_MAX		(4u << 20)	/* 4 MiB */
#define HQ_DUT_SURFACES_MAX	64
#define HQ_SECRET_FILE_MAX	4096
#define HQ_DUT_PERSONAL_MAX	64	/* personal_data strings */

struct hq_surface {
	char		*id;
	char		*proto;		/* http https rtsp ssh telnet mqtt ... */
	char		*transport;	/* "tcp" or "udp" */
	unsigned	 port;
	bool		 tls;		/* https, rtsps, mqtts, tls */
	char		*login_kind;	/* NULL: no login on this surface */
	cJSON		*login;		/* owned duplicate, or NULL */
	char		*purpose;
	/* Paths that carry video, snapshots, configuration or user data
	 * and must refuse a request without credentials; and paths meant to
	 * be public (never asked, never a finding). */
	char		**protected_paths;
	size_t		 nprotected;
	char		**public_paths;
	size_t		 npublic;
	/* "probe": a well-formed request of the surface's own protocol
	 * (bytes) and the prefix its normal answer starts with (none: any
	 * answer), for the input family's health check; NULL: none. */
	uint8_t		*probe_send;
	size_t		 probe_send_len;
	uint8_t		*probe_expect;
	size_t		 probe_expect_len;
};

struct hq_label {
	char	*serial;
	char	*mac;
	char	*user;
	char	*password;		/* secret */
};

/* A certificate (chain, PEM) and its key: paths resolved against the DUT
 * file's directory; NULL when the DUT file gives none. */
struct hq_certpair {
	char	*cert;
	char	*key;
};

struct hq_claim {
	char	*key;
	char	*support;		/* "yes", "no", "n/a" */
	char	*detail;
};

/*
 * Where the manufacturer publishes its vulnerability-report contact and
 * its update information (section "disclosure"): URLs as declared (http
 * or https; the family judges the scheme), NULL when not declared; ca:
 * a CA bundle to verify them with instead of the system's (a lab's own
 * server), resolved against the DUT file's directory.
 */
struct hq_disclosure {
	char	*security_txt;
	char	*update_info;
	char	*ca;
};

struct hq_dut {
	char	*path;
	char	*dir;			/* the DUT file's directory */
	char	 sha256[65];
	char	*claims_path;		/* claims_file used, or NULL */
	char	 claims_sha256[65];
	/* identity */
	char	*manufacturer;
	char	*model;
	char	*serial;
	char	*firmware;
	char	*dclass;
	char	*hs_code;
	char	*name;			/* TLS name, e.g. "dut.example" */
	/* bench */
	char	*bench_mode;		/* "namespaces" or "host" */
	unsigned bench_instance;
	char	*lan_if;
	char	*uplink_if;
	char	*address;
	char	**cloud;		/* declared cloud destinations */
	size_t	 ncloud;
	/* cloud link: what the DUT's outbound TLS to its cloud expects */
	char	*cloud_name;		/* TLS name; NULL: not declared */
	unsigned cloud_port;		/* 443 unless declared */
	struct hq_certpair icpt_control;	/* trusted, right name, valid */
	struct hq_certpair icpt_wrong_name;	/* trusted CA, wrong name */
	struct hq_certpair icpt_expired;	/* trusted CA, expired */
	/* surfaces */
	struct hq_surface *surfaces;
	size_t	 nsurfaces;
	/* credentials */
	char	*op_user;
	char	*op_password;		/* secret */
	struct hq_label *labels;
	size_t	 nlabels;
	/* personal_data: secrets, each 4 to 1024 bytes */
	char	**personal;
	size_t	 npersonal;
	/* recipes: owned duplicates or NULL */
	cJSON	*update;
	cJSON	*data;
	cJSON	*power;
	cJSON	*alarm;
	cJSON	*ai;			/* the aisafety family's recipe */
	cJSON	*monitor;	/* uptime and settings steps (input family) */
	/* claims */
	struct hq_claim *claims;
	size_t	 nclaims;
	/* disclosure: the manufacturer's published URLs */
	struct hq_disclosure disclosure;
};

/*
 * Recipe steps (the data and power sections): HTTP(S) requests with
 * placeholders "{name}" that a step may only use once a builtin or an
 * earlier step's capture defines them.  The loader checks each list with
 * hq_dut_steps_check(); wire/steps.h runs them.  Any recipe section can
 * use the same check (the alarm's disarm and event steps too).
 */
#define HQ_STEPS_MAX		64	/* steps in one list */
#define HQ_STEP_NAMES_MAX	48	/* names known at one point */
#define HQ_STEP_NAME_MAX	32	/* [a-z_][a-z0-9_]*, bytes */
#define HQ_STEP_CLOUD		"@cloud"	/* surface: data.cloud_api */

struct hq_step_names {
	char	v[HQ_STEP_NAMES_MAX][HQ_STEP_NAME_MAX + 1];
	size_t	n;
};

/* The placeholders every recipe may use, NULL-terminated: "run" (a tag
 * unique to the run), "secret" (a fresh strong password), "op_user". */
extern const char *const hq_step_builtins[];
/* nm = the builtins. */
void	hq_step_names_init(struct hq_step_names *nm);
bool	hq_step_names_has(const struct hq_step_names *nm, const char *name,
	    size_t len);
/*
 * Checks the step list arr at path (e.g. "data.delete") against d's
 * surfaces, with the names in nm known; adds each step's captures to nm.
 * Errors name the step and field: "data.delete[1].expect: required".
 */
int	hq_dut_steps_check(const struct hq_dut *d, const cJSON *arr,
	    const char *path, struct hq_step_names *nm, struct hq_err *err);
/* Checks one "{name}" template string: every placeholder known. */
int	hq_dut_template_check(const char *s, const char *path,
	    const struct hq_step_names *nm, struct hq_err *err);

/* The device classes hopquy knows, NULL-terminated. */
extern const char *const hq_device_classes[];

int	hq_dut_load(const char *path, struct hq_dut **dutp,
	    struct hq_err *err);
void	hq_dut_free(struct hq_dut *dut);
/* Lookups, NULL when absent; borrowed. */
const struct hq_surface *hq_dut_surface(const struct hq_dut *dut,
	    const char *id);
const struct hq_claim *hq_dut_claim(const struct hq_dut *dut,
	    const char *key);
/* True when port/transport is declared by some surface. */
bool	hq_dut_port_declared(const struct hq_dut *dut, const char *transport,
	    unsigned port);
/* Identity (no secrets) as JSON for reports (caller frees). */
cJSON	*hq_dut_identity_json(const struct hq_dut *dut);
/* A path from the DUT file, resolved against its directory, into out. */
void	hq_dut_path(const struct hq_dut *dut, const char *rel, char *out,
	    size_t outsz);
/*
 * Namespaces mode: the bench of instance (-1: the DUT file's) puts the DUT
 * at 198.18.N.2, whatever the file says; a bench.address that is not that
 * one is HQ_EINVAL naming the field (the report would print an address
 * that was not tested).  Host mode: 0.
 */
int	hq_dut_check_bench_address(const struct hq_dut *dut, int instance,
	    struct hq_err *err);
/*
 * Warnings about instruments that cannot work as declared, checked where
 * that is cheap (an ALSA card that does not exist, a serial path that is
 * not a character device): a new array of strings naming the field
 * (caller frees; empty when none).
 */
cJSON	*hq_dut_instrument_warnings(const struct hq_dut *dut);
/* Every secret of the DUT file, for redaction; NULL-terminated, borrowed. */
size_t	hq_dut_secrets(const struct hq_dut *dut, const char **out,
	    size_t max);

#endif
