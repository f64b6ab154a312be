/* SPDX-License-Identifier: Apache-2.0 */
/* hopquy: conformance test harness.  Only main(); see cli.c. */
#include <signal.h>
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
	/* A device that closes its end while we write (one rebooting under
	 * `input replay`, say) is an error to report, not a reason to die
	 * of SIGPIPE: every subcommand, not only run and campaign. */
	signal(SIGPIPE, SIG_IGN);
	exit(hq_cli_main(argc, argv));
}
