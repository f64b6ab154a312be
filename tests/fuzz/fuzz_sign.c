/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signature verification, what `hopquy verify` runs on a run directory it
 * trusts nothing of: the input as a detached CMS SignedData (DER) over a
 * fixed report, checked against a fixed CA (hq_verify_cms, the time-stamp
 * token included), as a DSSE envelope checked with the fixed signer's key
 * (hq_dsse_verify), and as base64 (hq_base64_decode).  The CA and signer
 * (EC P-256, valid to 2126) were made for this target; the seeds in
 * corpus/sign/ are genuine signatures by them (tests/fuzz/mkcorpus.py
 * tells how), so the fuzzer starts from inputs that verify.
 */
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fuzz.h"
#include "evidence/sign.h"
#include "util/err.h"

static const char ca_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBtzCCAV2gAwIBAgIUE8V6RFvC2DRAS/S2+Sxtwpcg8GQwCgYIKoZIzj0EAwIw\n"
	"KDEUMBIGA1UECgwLaG9wcXV5IGZ1enoxEDAOBgNVBAMMB2Z1enogQ0EwIBcNMjYx\n"
	"MjAyMTg0OTQzWhgPMjEyNjExMDgxODQ5NDNaMCgxFDASBgNVBAoMC2hvcHF1eSBm\n"
	"dXp6MRAwDgYDVQQDDAdmdXp6IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
	"RIPa8z6XJ3p6EpcFa1WGp6SkHbkRAIz50jFpMjmCnRoEMUHlde6GBsG5eL3X2ME2\n"
	"P/AQeJvj5lIuHEW7d03lDqNjMGEwHQYDVR0OBBYEFI1lK8DcrN4SyaAcZa/mOkTB\n"
	"vUImMB8GA1UdIwQYMBaAFI1lK8DcrN4SyaAcZa/mOkTBvUImMA8GA1UdEwEB/wQF\n"
	"MAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIAzJ0gDFu/fw\n"
	"1DDW7zWlj5yRY/og2Ii+Ny1rCU90DuldAiEAolyI1bVlRyv/AXdCjwL4xOecl8pK\n"
	"lQ1Bq4UIol+VUIM=\n"
	"-----END CERTIFICATE-----\n";

static const char signer_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBtDCCAVugAwIBAgIULMP9+072NNSc9088+Y/nWIG4D+swCgYIKoZIzj0EAwIw\n"
	"KDEUMBIGA1UECgwLaG9wcXV5IGZ1enoxEDAOBgNVBAMMB2Z1enogQ0EwIBcNMjYx\n"
	"MjAyMTg0OTQzWhgPMjEyNjExMDgxODQ5NDNaMCwxFDASBgNVBAoMC2hvcHF1eSBm\n"
	"dXp6MRQwEgYDVQQDDAtmdXp6IHNpZ25lcjBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
	"A0IABLTs8DaYUBdit+2ID8BPd1sk7DmuCNApfdnMrjHg+zy3GO8Z9oc/4dJBcgKB\n"
	"2wFFAVVJN6QDwAh6ItBdr7OIdEmjXTBbMAkGA1UdEwQCMAAwDgYDVR0PAQH/BAQD\n"
	"AgbAMB0GA1UdDgQWBBQ8a6oi4rpS+OZlkufOKe3Us+0VxzAfBgNVHSMEGDAWgBSN\n"
	"ZSvA3KzeEsmgHGWv5jpEwb1CJjAKBggqhkjOPQQDAgNHADBEAiA5galyMK0TcwNF\n"
	"XXgn1LuaBilV5odZAmBLMOMv6GEcxAIgWUkhVfbvNNvEbO7JaBwz3kILnyLf1fGu\n"
	"tZoxDA8LARU=\n"
	"-----END CERTIFICATE-----\n";

/* The report the seeds' CMS signatures cover. */
static const char report[] = "{\"format\":\"hopquy-report/1\",\"fuzz\":true}\n";

static char cafile[64];
static EVP_PKEY *signer_key;

static void
setup(void)
{
	BIO *b;
	X509 *x;
	int fd;

	if (cafile[0] != '\0')
		return;
	/* The CA as a file for X509_STORE_load_file; the fd stays open. */
	fd = fuzz_file((const uint8_t *)ca_pem, sizeof(ca_pem) - 1, cafile,
	    sizeof(cafile));
	if (fd < 0)
		abort();
	if ((b = BIO_new_mem_buf(signer_pem, -1)) == NULL ||
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL ||
	    (signer_key = X509_get_pubkey(x)) == NULL)
		abort();
	X509_free(x);
	BIO_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hq_sig_info info;
	struct hq_err err = { 0 };
	unsigned char *body = NULL;
	char *type = NULL;
	size_t blen = 0;

	setup();
	if (hq_verify_cms(report, sizeof(report) - 1, data, size, cafile,
	    cafile, &info, &err) == 0)
		hq_sig_info_clear(&info);
	memset(&err, 0, sizeof(err));
	if (hq_dsse_verify((const char *)data, size, signer_key, &type, &body,
	    &blen, &err) == 0) {
		free(type);
		free(body);
	}
	memset(&err, 0, sizeof(err));
	body = NULL;
	if (hq_base64_decode((const char *)data, size, &body, &blen,
	    &err) == 0)
		free(body);
	return 0;
}
