/* SPDX-License-Identifier: Apache-2.0 */
/* hopquy: conformance test harness.  Only main(); see cli.c. */
#include <stdlib.h>
#include <openssl/crypto.h>

#include "core/cli.h"

int
main(int argc, char **argv)
{
	/* No OpenSSL teardown at exit (~1.5 ms of freeing what the exit
	 * frees anyway); everything else about its initialisation, the
	 * configuration file included, stays the default. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
	exit(hq_cli_main(argc, argv));
}
