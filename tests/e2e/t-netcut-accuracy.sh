#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# netcut's latency accuracy: the simulator's alarm starts a known time
# after the stimulus (alarm.latency_ms); hopquy's measured audible and
# visual latencies must be within +-20 ms of it, from 200 ms to 8 s.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=${HQ_NETCUT_ACC_BENCH:-$(bn 52)}
PROF="$HQ_TOP/tests/e2e/profiles/netcut-ci.json"
C=lab-netcut-ci/offline-alarm
FAST="--opt alarm.duration_ms=1500 --opt cloud.heartbeat_ms=500
    --opt cloud.io_ms=1000 --opt cloud.connect_ms=1000
    --opt cloud.backoff_ms=200 --opt cloud.backoff_max_ms=1000"
# shellcheck disable=SC2086
simbench_up $N $FAST || { nok "bench $N with dutsim and cloudsim"; t_done; }
ok "bench $N up with dutsim and cloudsim"
field() { $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
c=[x for x in r["results"] if x["id"] == sys.argv[3]][0]
m={x["name"]: x["value"] for x in c["measurements"]}
print(eval(sys.argv[2]))' "$T_TMP/$1/report.json" "$2" "$C" 2>>"$T_TMP/field.err"; }

for L in 200 750 2500 8000; do
	simbench_stop_dut
	# shellcheck disable=SC2086
	simbench_start_dut $FAST --opt alarm.latency_ms=$L
	"$HOPQUY" run -q -p "$PROF" -d "$SB_DUT" -o "$T_TMP/l$L" \
	    --set "$C:latency_limit_ms=$((L + 1000))" \
	    --set "$C:late_grace_ms=0" --set "$C:online_reference=false" \
	    >"$T_TMP/l$L.out" 2>"$T_TMP/l$L.err"
	rc=$?
	a=$(field "l$L" 'm.get("trial1.audible_latency")')
	v=$(field "l$L" 'm.get("trial1.visual_latency")')
	echo "    injected $L ms: measured audible $a ms, visual $v ms"
	check "latency $L ms: PASS (exit $rc)" [ $rc -eq 0 ]
	check "latency $L ms: audible within 20 ms ($a)" \
	    $PY -c "import sys; sys.exit(abs($a - $L) > 20)"
	check "latency $L ms: visual within 20 ms ($v)" \
	    $PY -c "import sys; sys.exit(abs($v - $L) > 20)"
done
t_done
