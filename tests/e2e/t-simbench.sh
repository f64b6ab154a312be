#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The reference DUT on a real bench: `hopquy bench up`, dutsim and cloudsim
# in their namespaces, and the QCVN 135 surface case run from the lab side
# through the engine (bench open, capture).  The fault matrix is
# t-faults.sh.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=$(bn 41)
simbench_up $N || { nok "bench $N with dutsim and cloudsim"; t_done; }
ok "bench $N up with dutsim and cloudsim"

hq() {	# hq RUNDIR [args]: a run against the simulator
	d=$1; shift
	"$HOPQUY" run -q -p qcvn135-2024 -d "$SB_DUT" -o "$T_TMP/$d" "$@" \
	    >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
field() { $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$T_TMP/$1/report.json" "$2"; }

check "dut check accepts the simulator's description" \
    "$HOPQUY" dut check "$SB_DUT"
hq good --only qcvn135-2024/g6.1
# One case ran (--only): the run is INCOMPLETE (exit 2), the case PASS.
check "good simulator: one case run, INCOMPLETE (exit $rc)" [ $rc -eq 2 ]
check "good simulator: surface PASS" [ "$(field good '[x["verdict"] for x in r["results"] if x["id"].startswith("qcvn135-2024/g6.1")][0]')" = PASS ]
check "ran in the lab namespace of bench $N" \
    [ "$(field good 'r["run"]["bench"]["lab_namespace"]')" = "$SB_LAB" ]
# Drops are the host's load (a full-range scan on a busy two-core host
# can outrun the capture thread), stated in the report; said here too.
check "the capture saw the DUT's traffic, with its drop counter" [ "$(field good \
    'r["run"]["capture"]["packets"] > 0 and r["run"]["capture"]["kernel_drops"] >= 0')" = True ]
d=$(field good 'r["run"]["capture"]["kernel_drops"]')
[ "$d" = 0 ] || echo "# the capture dropped $d packets (load)"
if command -v tshark >/dev/null 2>&1; then
	check "tshark reads the run's capture with the step comments" sh -c \
	    "tshark -r '$T_TMP/good/capture/run.pcapng' -Y frame.comment -T fields -e frame.comment 2>/dev/null | grep -q 'TCP connect scan'"
fi

simbench_down
check "bench $N is gone after down" not ip netns pids "$(sb_ns lab $N)"
t_done
