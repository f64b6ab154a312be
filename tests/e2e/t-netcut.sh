#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# netcut against the reference DUT on bench 51: the good simulator
# passes; every alarm fault fails with its own reason.  Short times: the
# CI profile (tests/e2e/profiles/netcut-ci.json) and a 1.5 s alarm.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=${HQ_NETCUT_BENCH:-51}
PROF="$HQ_TOP/tests/e2e/profiles/netcut-ci.json"
C=lab-netcut-ci/offline-alarm
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
restart() { simbench_stop_dut; simbench_start_dut $FAST "$@"; }
why() { field "$1" 'c["verdict"] + ": " + c["rationale"] + " | " + " | ".join(c.get("findings", []))'; }

nc good
check "good simulator: PASS (exit $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || why good
check "good: audible latency measured" [ "$(field good \
    'any(m["name"] == "trial1.audible_latency" for m in c["measurements"])')" = True ]
check "good: timeline has cut, stimulus, onset, restore" [ "$(field good \
    'set(["network","stimulus","audible-onset","visual-onset","event"]) <= set(e["what"] for e in c["details"]["timeline"]["entries"])')" = True ]
check "good: audio and light evidence" [ "$(field good \
    'sum(1 for e in c["evidence"] if e.endswith("-audio.wav") or e.endswith("-light.log"))')" = 2 ]

[ -n "${HQ_NETCUT_QUICK:-}" ] && t_done
# fault  expected text in the findings
for fc in "alarm-none-offline|no alarm offline" \
    "alarm-cloud-only|alarm only with the cloud" \
    "alarm-late=3000|late alarm" \
    "alarm-quiet=30|too quiet" \
    "alarm-audible-only|audible only" \
    "alarm-visual-only|visual only" \
    "no-backlog|no backlog upload"; do
	f=${fc%%|*}; want=${fc#*|}
	extra=""
	[ "$f" = alarm-cloud-only ] && extra="--opt alarm.confirm_ms=60000"
	# shellcheck disable=SC2086
	restart --fault "$f" $extra
	nc "f-${f%%=*}"
	w=$(why "f-${f%%=*}")
	check "$f: FAIL (exit $rc) naming \"$want\"" sh -c \
	    "[ $rc -eq 1 ] && printf '%s' \"\$1\" | grep -q \"\$2\"" _ "$w" "$want"
	[ $rc -eq 1 ] || echo "    $w"
done
# A false alarm in the negative control: the simulator raises it
# alarm.false_ms after its start; without the online reference and with a
# 5 s negative control that is inside it (about 3.5 to 8.5 s of the run).
restart --fault alarm-false --opt alarm.false_ms=6500
nc f-false --set "$C:online_reference=false" --set "$C:negative_control_s=5"
check "the overrides are reported as deviations" [ "$(field f-false \
    'len([d for d in r["deviations"] if d["case"] == c["id"]])')" = 2 ]
w=$(why f-false)
check "alarm-false: FAIL (exit $rc) naming \"false alarm\"" sh -c \
    "[ $rc -eq 1 ] && printf '%s' \"\$1\" | grep -q 'false alarm'" _ "$w"
[ $rc -eq 1 ] || echo "    $w"
t_done
