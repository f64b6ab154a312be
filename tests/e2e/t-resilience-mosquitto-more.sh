#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The resilience cases against real software (resilience-mqtt-lib.sh; the
# setting and the rest in t-resilience-mosquitto.sh), on bench 175: a lazy
# bridge that does not come back by itself FAILs naming the cloud link; a
# power cycle with persistence PASSes, without it FAILs.
. "$(dirname "$0")/lib.sh"
need_root
N=$(bn 175)
. "$(dirname "$0")/resilience-mqtt-lib.sh"

# A lazy bridge (start_type lazy, threshold 10): started by 11 messages,
# it is connected when the case begins; after the cut it waits for 10
# queued messages before it connects again, and the case raises one: the
# link does not come back by itself within the cloud limit.
run_case bridge-lazy-threshold "1 3" false $G82 FAIL \
    "cloud link: not re-established within" lazy false 10
run_case power-persistence "1 3" true $G81 PASS \
    "the setting written before survived"
run_case power-no-persistence "1 3" false $G81 FAIL \
    "setting: lost after the power cycle: power.setting.read[0] on api (GET /setting)"
t_done
