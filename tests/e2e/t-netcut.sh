#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# netcut against the reference DUT on bench 51: what a passing run
# records (measurements, timeline, the cut in the capture, evidence).
# Each alarm fault, with its reason, is a case of the fault matrix
# (tests/e2e/cases/netcut-*.case, run by t-faults.sh).  Short times: the
# CI profile (tests/e2e/profiles/netcut-ci.json) and a 1.5 s alarm.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=${HQ_NETCUT_BENCH:-$(bn 51)}
PROF="$HQ_TOP/tests/e2e/profiles/netcut-ci.json"
FAST="--opt alarm.duration_ms=1500 --opt cloud.heartbeat_ms=500
    --opt cloud.io_ms=1000 --opt cloud.connect_ms=1000
    --opt cloud.backoff_ms=200 --opt cloud.backoff_max_ms=1000"
# shellcheck disable=SC2086
simbench_up $N $FAST || { nok "bench $N with dutsim and cloudsim"; t_done; }
ok "bench $N up with dutsim and cloudsim"

nc() {	# nc NAME [hopquy run args]: a netcut run; $rc
	d=$1; shift
	"$HOPQUY" run -q -p "$PROF" -d "$SB_DUT" -o "$T_TMP/$d" "$@" \
	    >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
field() { $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
c=[x for x in r["results"] if x["id"].endswith("offline-alarm")][0]
print(eval(sys.argv[2]))' "$T_TMP/$1/report.json" "$2" 2>>"$T_TMP/field.err"; }
why() { field "$1" 'c["verdict"] + ": " + c["rationale"] + " | " + " | ".join(c.get("findings", []))'; }

nc good
check "good simulator: PASS (exit $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || why good
check "good: audible latency measured" [ "$(field good \
    'any(m["name"] == "trial1.audible_latency" for m in c["measurements"])')" = True ]
check "good: timeline in hopquy-report(5)'s format: cut and restore, stimuli, onsets" [ "$(field good \
    'any(e["state"].startswith("cut") for e in c["details"]["timeline"]["network"]) and any(e["state"] == "restored" for e in c["details"]["timeline"]["network"]) and len(c["details"]["timeline"]["stimuli"]) >= 3 and any(e["label"].startswith("audible onset") for e in c["details"]["timeline"]["alarms"]) and any(e["label"].startswith("visual onset") for e in c["details"]["timeline"]["alarms"])')" = True ]
check "good: the report draws the case timeline's rows" grep -q 'aria-label="case timeline"' "$T_TMP/good/report.html"
check "good: the online reference has no cut time (it had no cut)" [ "$(field good \
    '"cut_ms" not in c["details"]["online_reference"] and c["details"]["online_reference"]["stimulus_ms"] > 0')" = True ]
check "good: PASS rationale names what ran (event log, backlog)" [ "$(field good \
    '"event in the local log" in c["rationale"] and "reconnected and backlog uploaded" in c["rationale"] and "not checked" not in c["rationale"]')" = True ]
check "good: every limit decided by the recorded decision (all conform)" [ "$(field good \
    'all(m.get("decision", "conforms").startswith("conforms") for m in c["measurements"])')" = True ]
check "good: the capture shows the DUT's unanswered attempts during the cut" \
    [ "$(field good 'c["details"]["trials"][0]["capture_during_cut"]["from_cloud_packets"] == 0 and c["details"]["trials"][0]["capture_during_cut"]["to_cloud_packets"] > 0')" = True ]
check "good: traffic volume in the timeline" [ "$(field good \
    'len(c["details"]["timeline"]["traffic"]["bytes_per_s"]) > 5')" = True ]
check "good: audio and light evidence" [ "$(field good \
    'sum(1 for e in c["evidence"] if e.endswith("-audio.wav") or e.endswith("-light.log"))')" = 2 ]

t_done
