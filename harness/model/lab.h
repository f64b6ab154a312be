/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lab configuration file (hopquy-lab/1, reports/lab.schema.json): the
 * testing laboratory, its accreditation, the customer, the item's
 * condition on receipt, ambient conditions and the person who authorises
 * the report (ISO/IEC 17025:2017 7.8.2.1).  Holds no secrets.
 */
#ifndef HQ_LAB_H
#define HQ_LAB_H

#include <cjson/cJSON.h>

struct hq_err;
struct hq_lab;

#define HQ_LAB_FORMAT		"hopquy-lab/1"
#define HQ_LAB_FILE_MAX		(256 * 1024)
#define HQ_LAB_STR_MAX		1024

/* Loads and validates path strictly; *labp is the caller's. */
int	hq_lab_load(const char *path, struct hq_lab **labp,
	    struct hq_err *err);
void	hq_lab_free(struct hq_lab *lab);

/*
 * The report's lab sections, a new tree the caller frees: "laboratory",
 * "customer", "item", "ambient" (from lab, which may be NULL) and
 * "authorisation" (the signatory from lab, and the signature: signer is
 * the certificate subject, keyid its key's SHA-256, both NULL when the
 * report is not signed).
 */
cJSON	*hq_lab_report_json(const struct hq_lab *lab, const char *signer,
	    const char *keyid);

#endif
