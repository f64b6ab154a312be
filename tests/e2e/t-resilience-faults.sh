#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Family resilience on the reference DUT (bench 174, resilience-lib.sh):
# each fault of the simulator FAILs the real profiles/qcvn135-2024.json g8
# cases naming what did not come back (the good unit: t-resilience.sh).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=$(bn 174)
. "$(dirname "$0")/resilience-lib.sh"

run_case no-reconnect "--fault no-reconnect" $G82 FAIL \
    "cloud link: not re-established within 25 s (limit 20 s): power.cloud[0] on web (GET /api/cloud): answer lacks"
run_case backlog-lost "--fault no-backlog" $G82 FAIL \
    "backlog: data raised during the outage did not reach the cloud: power.backlog[0] on @cloud"
run_case settings-lost "--fault reboot-loses-settings" $G81 FAIL \
    "setting: lost after the power cycle: power.setting.read[0] on web (GET /api/settings/"
run_case never-back "--fault no-recovery" $G81 FAIL \
    "surface web (443/tcp) did not come back within 35 s (limit 30 s)"
# Its services ending one by one, 1.5 s apart: a surface still answering
# from before the power action took it down is no return (counted as
# back, rtsp was missing from the findings before).
run_case never-back-slow-stop \
    "--fault no-recovery --opt listen_stop_lag_ms=1500" $G81 FAIL \
    "surface web (443/tcp) did not come back within 35 s" \
    "surface rtsp (554/tcp) did not come back within 35 s" \
    "surface stimulus (7000/tcp) did not come back within 35 s"
t_done
