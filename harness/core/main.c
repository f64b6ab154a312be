/* SPDX-License-Identifier: Apache-2.0 */
/* hopquy: conformance test harness.  Only main(); see cli.c. */
#include <stdlib.h>

#include "core/cli.h"

int
main(int argc, char **argv)
{
	exit(hq_cli_main(argc, argv));
}
