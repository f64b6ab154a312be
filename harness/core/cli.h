/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command line.  hq_cli_main() returns the process exit status:
 * 0 PASS (every mandatory case ran and passed); 1 any FAIL; 2 INCOMPLETE
 * or INCONCLUSIVE and no FAIL; 64 usage; 65 bad profile/DUT data; 69 DUT
 * unreachable; 70 internal; 75 a signature asked for was not obtained
 * (the verdict is in the summary); 77 needs root or CAP_NET_ADMIN.
 */
#ifndef HQ_CLI_H
#define HQ_CLI_H

#define HQ_EXIT_PASS		0
#define HQ_EXIT_FAIL		1
#define HQ_EXIT_INCONCLUSIVE	2
#define HQ_EXIT_USAGE		64
#define HQ_EXIT_DATAERR		65
#define HQ_EXIT_UNAVAILABLE	69
#define HQ_EXIT_SOFTWARE	70
#define HQ_EXIT_TEMPFAIL	75	/* the signature asked for: not made */
#define HQ_EXIT_NOPERM		77	/* needs root or CAP_NET_ADMIN */

int	hq_cli_main(int argc, char **argv);
/* The exit status for an HQ_E* code. */
int	hq_cli_exit_for(int code);

/* Subcommands implemented in their own modules (cli_*.c).  Weak, so the
 * binary still links while one is absent; absent means "not built". */
int	hq_cli_bench(int argc, char **argv) __attribute__((weak));
int	hq_cli_verify(int argc, char **argv) __attribute__((weak));
int	hq_cli_render(int argc, char **argv) __attribute__((weak));
int	hq_cli_analyze(int argc, char **argv) __attribute__((weak));
int	hq_cli_campaign(int argc, char **argv) __attribute__((weak));
int	hq_cli_assess(int argc, char **argv) __attribute__((weak));

#endif
