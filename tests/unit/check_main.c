/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unit test runner: every suite_<name>() found in tests/unit/check_*.c
 * (the Makefile lists them in suites.inc).  CK_RUN_SUITE=name narrows,
 * CK_FORK=no suits gdb.  Prints Check's summary line.
 */
#include <stdlib.h>

#include <check.h>

#define HQ_SUITE(fn)	Suite *fn(void);
#include "suites.inc"
#undef HQ_SUITE

int
main(void)
{
	SRunner *sr = srunner_create(NULL);
	int nfail;

#define HQ_SUITE(fn)	srunner_add_suite(sr, fn());
#include "suites.inc"
#undef HQ_SUITE
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
