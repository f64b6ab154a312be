#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the input family under valgrind (memcheck, full leak check)
# against the reference DUT on bench instance 247: a campaign on the good
# simulator (every model of its surfaces, the monitor with the uptime and
# settings recipes), one on a crashing simulator (the finding, the power
# cycle by the DUT's command power driver, the confirmation and the
# reproducer), and the replay of that reproducer.  valgrind's exit status is the verdict: any invalid
# access or definite leak fails the test.
. "$(dirname "$0")/lib.sh"
need_root
command -v valgrind >/dev/null 2>&1 || { echo "skipped: valgrind missing"; exit 77; }
. "$(dirname "$0")/simbench.sh"
N=247
CASE=qcvn135-2024/g11.1-malformed-input
trap 'p=$(cat "$T_TMP/dutsim.pid" 2>/dev/null); t_kill_named 9 dutsim "$p"; simbench_down; t_cleanup' EXIT
simbench_up $N --opt mqtt=1 || { nok "bench $N with dutsim and cloudsim"; t_done; }

# the power switch: the simulator starts again, its fault included
cat >"$T_TMP/power-on.sh" <<SH
#!/bin/sh
pid=\$(cat "$T_TMP/dutsim.pid" 2>/dev/null)
[ -n "\$pid" ] && kill -9 "\$pid" 2>/dev/null
sleep 0.3
ip netns exec "$SB_DNS" setsid "$DUTSIM" --serial HQ0000000001 \\
    --state "$T_TMP/dutsim-state.json" --opt pki_dir="$PKI" \\
    --opt cloud.addr="198.19.$SB_N.2" --opt cloud.ca="$PKI/cloud-ca.crt" \\
    --opt alarm.wav="$SB_SINKS/siren.wav" \\
    --opt alarm.strobe="$SB_SINKS/strobe.log" \\
    --opt mqtt=1 --fault crash-on-malformed \\
    >>"$T_TMP/dutsim.log" 2>&1 </dev/null &
echo \$! >"$T_TMP/dutsim.pid"
SH
chmod +x "$T_TMP/power-on.sh"
$PY - "$SB_DUT" "$T_TMP/dut.json" "$T_TMP/power-on.sh" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["power"] = {"driver": "command", "argv": [sys.argv[3]]}
d["monitor"] = {
    "uptime": {"surface": "web", "method": "GET", "path": "/api/health",
               "auth": "none", "capture": {"boots": "/boots"}},
    "settings": [{"surface": "web", "method": "GET", "path": "/api/version",
                  "auth": "none", "capture": {"name": "/name"}}]}
d["surfaces"].append({"id": "mqtt", "proto": "mqtt", "port": 1883})
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY

VG="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 --log-file=$T_TMP/vg.%p.log"
restart() {
	simbench_stop_dut
	p=$(cat "$T_TMP/dutsim.pid" 2>/dev/null)
	t_kill_named 9 dutsim "$p"
	sleep 0.3
	rm -f "$T_TMP/dutsim-state.json"
	simbench_start_dut "$@" || nok "dutsim $* did not start"
}
vg() {	# vg NAME HOPQUY-ARGS...: sets $rc
	n=$1; shift
	ip netns exec "$SB_LAB" $VG "$HOPQUY" "$@" >"$T_TMP/$n.out" 2>"$T_TMP/$n.err"
	rc=$?
}
hq() {	# hq NAME [--set ...]
	n=$1; shift
	# --no-privsep: valgrind follows one process; the worker's seccomp
	# filter and capability drop are t-privsep's (and the power command
	# here restarts the simulator as root)
	vg $n run -q --no-privsep --no-capture -p qcvn135-2024 -d "$T_TMP/dut.json" \
	    -o "$T_TMP/$n" --only $CASE --set "$CASE:recover_s=8" \
	    --set "$CASE:health_timeout_ms=5000" \
	    --set "$CASE:case_timeout_ms=3000" "$@"
}
res() {
	$PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
ok=eval(sys.argv[3])
if not ok: print(r["verdict"], r["rationale"], r["findings"][:3], file=sys.stderr)
sys.exit(0 if ok else 1)' "$T_TMP/$1/report.json" $CASE "$2"
}
vgclean() {	# vgclean: no valgrind report in any log so far
	! grep -l . "$T_TMP"/vg.*.log 2>/dev/null | grep -q .
}

hq good --set "$CASE:cases_per_surface=40"
check "good sim under valgrind: exit 2 (INCOMPLETE: one case; got $rc)" [ $rc -eq 2 ]
check "good sim under valgrind: PASS" res good 'r["verdict"]=="PASS"'
check "good sim: valgrind reported nothing" vgclean

restart --opt mqtt=1 --fault crash-on-malformed
hq crash --set "$CASE:max_findings=1" --set "$CASE:cases_per_surface=200"
check "crash under valgrind: exit 1 (got $rc)" [ $rc -eq 1 ]
check "crash under valgrind: FAIL, confirmed after a power cycle" \
    res crash 'r["verdict"]=="FAIL" and r["details"]["input"]["power_cycles"]>=1 and any("confirmed" in f and "not confirmed" not in f for f in r["findings"])'
check "crash: valgrind reported nothing" vgclean

restart --opt mqtt=1 --fault crash-on-malformed
vg replay input replay "$T_TMP/crash" 1
check "replay under valgrind: reproduced (exit 1, got $rc)" [ $rc -eq 1 ]
check "replay: valgrind reported nothing" vgclean
grep -h . "$T_TMP"/vg.*.log 2>/dev/null | head -60

echo "t-input-valgrind: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
