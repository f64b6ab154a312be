#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the input family's recovery with the DUT's power driver, on
# bench instance 249.  The crashing simulator does not come back by
# itself; with a command power driver (a script that starts the simulator
# again, its fault included, as a device reboots into the same firmware)
# the family power cycles it, re-runs the case, confirms the finding and
# goes on; without one the campaign stops and says why; a power driver
# that fails is recorded as such.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=249
CASE=qcvn135-2024/g11.1-malformed-input
# the simulator the power switch started is ours to stop too
trap 'p=$(cat "$T_TMP/dutsim.pid" 2>/dev/null); t_kill_named 9 dutsim "$p"; simbench_down; t_cleanup' EXIT
simbench_up $N || { nok "bench $N with dutsim and cloudsim"; t_done; }

# The power switch, as a lab's networked PDU: pdu-cycle.sh runs as root
# behind a unix socket (the simulator starts again with FAULT); the DUT
# file's power command, power-on.sh, runs as hopquy's unprivileged worker
# and only asks the switch for a cycle.
power_script() {
	cat >"$T_TMP/pdu-cycle.sh" <<SH
#!/bin/sh
read -r what
[ "\$what" = cycle ] || { echo "bad request"; exit 1; }
pid=\$(cat "$T_TMP/dutsim.pid" 2>/dev/null)
[ -n "\$pid" ] && [ "\$(cat /proc/\$pid/comm 2>/dev/null)" = dutsim ] &&
    kill -9 "\$pid" 2>/dev/null
sleep 0.3
ip netns exec "$SB_DNS" setsid "$DUTSIM" --serial HQ0000000001 \\
    --state "$T_TMP/dutsim-state.json" --opt pki_dir="$PKI" \\
    --opt cloud.addr="198.19.$SB_N.2" --opt cloud.ca="$PKI/cloud-ca.crt" \\
    --opt alarm.wav="$SB_SINKS/siren.wav" \\
    --opt alarm.strobe="$SB_SINKS/strobe.log" --fault "$1" \\
    >>"$T_TMP/dutsim.log" 2>&1 </dev/null &
echo \$! >"$T_TMP/dutsim.pid"
echo "\$(date +%s) power cycle" >>"$T_TMP/power.log"
echo ok
SH
	cat >"$T_TMP/power-on.sh" <<SH
#!/bin/sh
echo cycle | socat -t 10 - UNIX-CONNECT:"$T_TMP/pdu.sock" | grep -q '^ok'
SH
	chmod +x "$T_TMP/pdu-cycle.sh" "$T_TMP/power-on.sh"
	# -t 30: after the request's end of file, the switch is given time to
	# answer (socat's default half a second was too short on a loaded host).
	socat -t 30 UNIX-LISTEN:"$T_TMP/pdu.sock",fork,mode=666 \
	    EXEC:"$T_TMP/pdu-cycle.sh" >>"$T_TMP/pdu.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
	i=0
	while [ ! -S "$T_TMP/pdu.sock" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
power_script crash-on-malformed
$PY - "$SB_DUT" "$T_TMP" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["monitor"] = {
    "uptime": {"surface": "web", "method": "GET", "path": "/api/health",
               "auth": "none", "capture": {"boots": "/boots"}}}
json.dump(d, open(sys.argv[2] + "/dut-nopower.json", "w"), indent=1)
d["power"] = {"driver": "command", "argv": [sys.argv[2] + "/power-on.sh"]}
json.dump(d, open(sys.argv[2] + "/dut.json", "w"), indent=1)
d["power"] = {"driver": "command", "argv": ["/bin/false"]}
json.dump(d, open(sys.argv[2] + "/dut-badpower.json", "w"), indent=1)
PY

restart() {	# restart [dutsim args]: a fresh simulator
	simbench_stop_dut
	p=$(cat "$T_TMP/dutsim.pid" 2>/dev/null)
	t_kill_named 9 dutsim "$p"
	rm -f "$T_TMP/dutsim-state.json"
	sleep 0.3
	simbench_start_dut "$@" || nok "dutsim $* did not start"
}
hq() {	# hq NAME DUT [--set ...]
	d=$1 f=$2; shift 2
	ip netns exec "$SB_LAB" "$HOPQUY" run -q -p qcvn135-2024 -d "$f" \
	    -o "$T_TMP/$d" --only $CASE --set "$CASE:recover_s=4" \
	    --set "$CASE:health_timeout_ms=1500" "$@" \
	    >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
res() {	# res NAME PYEXPR
	$PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
ok=eval(sys.argv[3])
if not ok: print(r["verdict"], r["rationale"], r["findings"][:3], [s["text"] for s in r["steps"] if "power" in s["text"]][:6], file=sys.stderr)
sys.exit(0 if ok else 1)' "$T_TMP/$1/report.json" $CASE "$2"
}

# 1. Power driver declared: the crash is power cycled, confirmed, and the
# campaign goes on to its second finding.
restart --fault crash-on-malformed
hq power "$T_TMP/dut.json" --set "$CASE:max_findings=2" \
    --set "$CASE:cases_per_surface=300"
check "power driver: exit 1 (got $rc)" [ $rc -eq 1 ]
check "power driver: FAIL, the crash confirmed after a power cycle" \
    res power 'r["verdict"]=="FAIL" and any("left the device dead" in f and "confirmed" in f and "not confirmed" not in f and "power cycle" in f for f in r["findings"])'
check "power driver: two findings, the campaign went on after the first" \
    res power 'len(r["findings"])==2 and "campaign stopped" not in r["rationale"]'
check "power driver: each cycle recorded (steps, details)" \
    res power 'r["details"]["input"]["power_cycles"]>=2 and sum(1 for s in r["steps"] if s["text"].startswith("power driver: power on: command") and "exit 0" in s["text"])==r["details"]["input"]["power_cycles"]'
check "power driver: the switch really ran as often as recorded" \
    res power "r['details']['input']['power_cycles']==$(wc -l <"$T_TMP/power.log" 2>/dev/null || echo 0)"
check "power driver: the device answered again after it" \
    res power 'any("answers again" in s["text"] and "after a power cycle" in s["text"] for s in r["steps"])'

# 2. No power driver: the campaign stops, saying there is none.
restart --fault crash-on-malformed
hq nopower "$T_TMP/dut-nopower.json" --set "$CASE:max_findings=2"
check "no power driver: exit 1 (got $rc)" [ $rc -eq 1 ]
check "no power driver: FAIL, not re-run, no power driver declared, stopped" \
    res nopower 'r["verdict"]=="FAIL" and "campaign stopped" in r["rationale"] and any("no power driver declared" in f for f in r["findings"]) and r["details"]["input"]["power_cycles"]==0'

# 3. A power driver that fails: recorded, the campaign stops.
restart --fault crash-on-malformed
hq badpower "$T_TMP/dut-badpower.json" --set "$CASE:max_findings=2"
check "failing power driver: exit 1 (got $rc)" [ $rc -eq 1 ]
check "failing power driver: the failure recorded, stopped" \
    res badpower 'any(s["text"].startswith("power driver failed: power command /bin/false: exit 1") for s in r["steps"]) and any("the power cycle failed" in f for f in r["findings"]) and "campaign stopped" in r["rationale"]'

# 4. The good simulator with a power driver: PASS, never cycled.
restart
hq good "$T_TMP/dut.json" --set "$CASE:cases_per_surface=100"
check "good sim with a power driver: PASS, no power cycle" \
    res good 'r["verdict"]=="PASS" and r["details"]["input"]["power_cycles"]==0'

p=$(cat "$T_TMP/dutsim.pid" 2>/dev/null)
t_kill_named 9 dutsim "$p"
echo "t-input-power: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
