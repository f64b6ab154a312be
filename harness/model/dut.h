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
	cJSON	*monitor;	/* uptime and settings steps (input family) */
	/* claims */
	struct hq_claim *claims;
	size_t	 nclaims;
};

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
/* Every secret of the DUT file, for redaction; NULL-terminated, borrowed. */
size_t	hq_dut_secrets(const struct hq_dut *dut, const char **out,
	    size_t max);

#endif
