#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The fault matrix's tls-* cases (tests/e2e/cases/tls-*.case; the format
# and the rest of the matrix: t-faults.sh) on bench 164: each fault case
# FAILs for its reason, its twin without the fault PASSes.
# HQ_FAULTS_TLS_BENCH=N the bench instance; HQ_CASES=RE as in t-faults.sh.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=${HQ_FAULTS_TLS_BENCH:-$(bn 164)}
simbench_up $N || { nok "bench $N with dutsim and cloudsim"; t_done; }
. "$(dirname "$0")/faults-lib.sh"
faults_run '^tls-'
t_done
