#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fault matrix: every check against the reference DUT, one case file each
# (tests/e2e/cases/*.case).  For each case the simulator restarts with the
# case's fault switches and a fresh state, hopquy runs the named test
# case(s), and the verdict, the reason and the exit status are checked.
# Each fault case has a twin without the fault that must PASS.
#
# Case file lines (tab or space separated, '#' comments):
#   fault   NAME[=VALUE]        dutsim --fault (repeatable)
#   opt     KEY=VALUE           dutsim --opt (repeatable)
#   profile ID|FILE             default qcvn135-2024
#   only    IDS                 hopquy --only
#   set     CASE:PARAM=JSON     hopquy --set (repeatable; @PKI@ stands for
#                               the test PKI directory)
#   expect  CASE-ID VERDICT     (repeatable)
#   reason  TEXT                must appear in that case's rationale or
#                               findings (repeatable; the first expect's)
#   exit    N                   hopquy's exit status
#   within  SECONDS             hopquy's run must end within this time
# The factory labels (HQ_DUTSIM_LABEL1/2, the operator's password included)
# are those dutsim prints with the case's faults.
#
# This script runs every case but the netcut-* ones (t-faults-netcut.sh,
# bench 163) and the tls-* ones (t-faults-tls.sh, bench 164), which run
# beside it on benches of their own; each case restarts the simulator with
# a fresh state, so the cases are independent (faults-lib.sh).
# Environment: HQ_FAULTS_BENCH=N the bench instance (42); HQ_CASES=RE runs
# only the case files whose path matches the grep pattern RE (e.g.
# HQ_CASES=creds- or HQ_CASES='creds-good\|surface-').
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=${HQ_FAULTS_BENCH:-$(bn 42)}
simbench_up $N || { nok "bench $N with dutsim and cloudsim"; t_done; }

. "$(dirname "$0")/faults-lib.sh"
# the netcut-* and tls-* cases: t-faults-netcut.sh, t-faults-tls.sh
faults_run . '^netcut-\|^tls-'
t_done
