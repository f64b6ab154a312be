#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Family resilience on the reference DUT (bench 223, resilience-lib.sh):
# the real profiles/qcvn135-2024.json g8 cases with only the outage length
# and the waits shortened through --set (recorded deviations).  The good
# unit PASSes, with the pid-file, HTTP switch and operator power drivers.
# Each fault FAILing naming what did not come back: t-resilience-faults.sh
# (bench 174), beside it.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=$(bn 223)
. "$(dirname "$0")/resilience-lib.sh"

run_case good-power "" $G81 PASS "surfaces answered within 30 s" \
    "cloud link came back" "setting written before survived"
run_case good-outage "" $G82 PASS "cloud link came back" \
    "data raised during the outage reached the cloud" \
    "setting written before survived"
DUTF="$T_TMP/dut-http.json" run_case http-switch "" $G81 PASS \
    "surfaces answered within 30 s" "setting written before survived"
DUTF="$T_TMP/dut-manual.json" FEED=manual run_case manual "" $G81 PASS \
    "surfaces answered within 30 s" "setting written before survived"
t_done
