#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The resilience cases against real software on bench 224 (and 175:
# t-resilience-mosquitto-more.sh runs the lazy bridge and the power cycles
# beside it; resilience-mqtt-lib.sh): a mosquitto
# broker in the DUT namespace bridged (mosquitto's own bridge) to a cloud
# mosquitto in the cloud namespace, with small HTTP faces in front of each
# (tests/e2e/resilience-mqtt-api.py: the device's API publishes and reads
# a retained setting; the cloud's tells whether the bridge is connected
# and what arrived).
#  - outage (g8.2, the bench's blackhole cut): the bridge reconnects by
#    itself and the message queued during the cut arrives: PASS; with the
#    bridge's "cleansession true" the message raised during the cut is
#    dropped: FAIL naming the backlog that did not come back.  With
#    "start_type once" (mosquitto's "never restarted after a failure")
#    mosquitto 2.0.11 leaves the bridge after its first connection step,
#    so it never connects at all: the case's control before the cut fails
#    and the verdict is INCONCLUSIVE, as it must be.  (A long
#    "restart_timeout" does not stand in: after a drop mosquitto retries
#    at once.)  A bridge that connects once and does not come back by
#    itself is "start_type lazy" with "threshold 10": mosquitto starts it
#    when 10 messages are queued for it (the script publishes 11 first),
#    and after the cut it stays down until 10 are queued again; the case
#    raises one, so the link is not back within the limit: FAIL naming
#    the cloud link.  The cloud limit is set to 60 s (120 s here, where no
#    case waits for it when it holds): a bridge whose reconnect
#    began inside the cut waits for TCP's SYN retransmission (1, 2, 4, 8,
#    16 s apart), which once took over 35 s here.
#  - power cycle (g8.1, the command driver: this script's power.sh stops
#    mosquitto with SIGKILL and starts it again): with persistence the
#    retained setting survives: PASS; without persistence it is lost: FAIL.
. "$(dirname "$0")/lib.sh"
need_root
N=$(bn 224)
. "$(dirname "$0")/resilience-mqtt-lib.sh"
# None of these three waits for the cloud limit when it holds (the bridge
# is back, or the control fails first): a generous one (a deviation, in
# the report) lets a loaded host's slow reconnection still count.
RM_CLOUD_LIMIT=120

run_case bridge-reconnects "1 3" false $G82 PASS \
    "data raised during the outage reached the cloud"
run_case bridge-clean-session "1 3" false $G82 FAIL \
    "backlog: data raised during the outage did not reach the cloud: power.backlog[0] on @cloud (GET /seen?m=queued-" \
    automatic true
run_case bridge-start-once "1 3" false $G82 INCONCLUSIVE \
    "control failed: the cloud link recipe does not hold before" once
t_done
