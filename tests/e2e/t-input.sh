#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the input family (QCVN 135 g11.1) against the reference DUT
# on bench instance 240.  The good simulator PASSes, with the controls and
# per-surface counts in the report; each malformed-input fault FAILs with
# its reproducer saved, and `hopquy input replay` reproduces it on a fresh
# simulator with the same fault (and not on the good one).  The same seed
# gives the same cases.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=240
CASE=qcvn135-2024/g11.1-malformed-input
simbench_up $N || { nok "bench $N with dutsim and cloudsim"; t_done; }

# The DUT file with the monitor's recipe (boot counter, device name) and,
# for the MQTT runs, an MQTT surface.
$PY - "$SB_DUT" "$T_TMP/dut.json" "$T_TMP/dut-mqtt.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["monitor"] = {
    "uptime": {"surface": "web", "method": "GET", "path": "/api/health",
               "auth": "none", "capture": {"boots": "/boots"}},
    "settings": [{"surface": "web", "method": "GET", "path": "/api/version",
                  "auth": "none", "capture": {"name": "/name"}}]}
json.dump(d, open(sys.argv[2], "w"), indent=1)
d["surfaces"].append({"id": "mqtt", "proto": "mqtt", "port": 1883})
json.dump(d, open(sys.argv[3], "w"), indent=1)
PY

restart() {	# restart [dutsim args]: a fresh simulator
	simbench_stop_dut
	rm -f "$T_TMP/dutsim-state.json"
	simbench_start_dut "$@" || nok "dutsim $* did not start"
}
hq() {	# hq NAME DUT [--set ...]: runs the g11 case, sets $rc
	d=$1; f=$2; shift 2
	ip netns exec "$SB_LAB" "$HOPQUY" run -q -p qcvn135-2024 -d "$f" \
	    -o "$T_TMP/$d" --only $CASE \
	    --set "$CASE:recover_s=6" --set "$CASE:health_timeout_ms=1500" \
	    "$@" >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
res() {	# res NAME PYEXPR: PYEXPR true of the case's result r (else
	# its verdict, rationale, findings and the monitor's steps, in the log)
	$PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
ok=eval(sys.argv[3])
if not ok:
    print("#", r["verdict"], r.get("rationale", ""))
    for f in r.get("findings", [])[:3]: print("#   finding:", f)
    for s in r.get("steps", []):
        if any(w in s["text"] for w in ("monitor", "confirm", "control")):
            print("#   step:", s["text"][:300])
sys.exit(0 if ok else 1)' "$T_TMP/$1/report.json" $CASE "$2"
}
replay() {	# replay NAME FINDING: sets $rc and $T_TMP/NAME.replay
	ip netns exec "$SB_LAB" "$HOPQUY" input replay "$T_TMP/$1" "$2" \
	    >"$T_TMP/$1.replay" 2>&1
	rc=$?
}

# 1. Good simulator: PASS, every surface fuzzed, counts and rate reported.
hq good "$T_TMP/dut.json" --set "$CASE:cases_per_surface=150"
check "good sim: exit 2, INCOMPLETE: one case of the profile (got $rc)" [ $rc -eq 2 ]
check "good sim: PASS" res good 'r["verdict"]=="PASS"'
check "good sim: controls before and after on each surface" \
    res good 'sum(1 for s in r["steps"] if "control before: surface" in s["text"])==3 and sum(1 for s in r["steps"] if "control after: surface" in s["text"])==3'
check "good sim: cases per surface, rate and seed in the details" \
    res good 'all(s["cases_sent"]==150 for s in r["details"]["input"]["surfaces"]) and len(r["details"]["input"]["surfaces"])==3 and r["details"]["input"]["cases_per_s"]>0 and r["details"]["input"]["seed"]==1'
check "good sim: the boot counter and the name are watched" \
    res good 'any("monitor watches boots" in s["text"] for s in r["steps"]) and any("monitor watches name" in s["text"] for s in r["steps"])'

# 2. The same seed gives the same cases; another seed other ones.
hq good2 "$T_TMP/dut.json" --set "$CASE:cases_per_surface=150"
hq seed7 "$T_TMP/dut.json" --set "$CASE:cases_per_surface=150" \
    --set "$CASE:seed=7"
digest() {	# digest NAME: the case sequence's SHA-256 chain
	$PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
print(r["details"]["input"]["cases_sha256"])' "$T_TMP/$1/report.json" $CASE
}
check "same seed: the same case sequence (digest)" \
    [ -n "$(digest good)" -a "$(digest good)" = "$(digest good2)" ]
check "another seed: another sequence" \
    [ "$(digest good)" != "$(digest seed7)" ]

# 3. Each fault: FAIL, the case saved, the replay reproduces it.
fault_case() {	# fault_case NAME FAULT DUT OUTCOME-REGEX
	name=$1 fault=$2 dut=$3 want=$4
	restart --fault "$fault"
	hq "$name" "$dut" --set "$CASE:max_findings=1"
	check "$fault: exit 1 (got $rc)" [ $rc -eq 1 ]
	check "$fault: FAIL" res "$name" 'r["verdict"]=="FAIL"'
	check "$fault: finding says $want" \
	    res "$name" "any(__import__('re').search('$want', x) for x in r['findings'])"
	check "$fault: reproducer bytes and description saved" \
	    res "$name" 'any(e.endswith("finding-1.bin") for e in r["evidence"]) and any(e.endswith("finding-1.json") for e in r["evidence"])'
	restart --fault "$fault"
	replay "$name" 1
	check "$fault: replay reproduces (exit 1, got $rc)" [ $rc -eq 1 ]
	check "$fault: replay says so" grep -q '^reproduced' "$T_TMP/$name.replay"
}
fault_case crash crash-on-malformed "$T_TMP/dut.json" 'left the device (dead|hung|answering abnormally)'
fault_case hang hang-on-malformed "$T_TMP/dut.json" 'left the device hung'
# (the reboot shows ~200 ms after its case, when faster cases have
# followed: the finding must still name it, confirmed, not a later one)
fault_case reboot reboot-on-long-header "$T_TMP/dut.json" 'left the device (rebooted|dead).*; confirmed:'
fault_case setting setting-on-malformed "$T_TMP/dut.json" 'changed setting.*name'
fault_case mqtt mqtt-bad-length "$T_TMP/dut-mqtt.json" 'surface mqtt .*left the device (dead|hung|answering abnormally)'

# A hang seen once and not repeated when its case is re-run alone (the
# simulator stalls 5 s on its first over-long head only, as a busy device
# or a loaded host may): no answer in time is no evidence, INCONCLUSIVE,
# the hang a step and not a finding.
restart --fault stall-once-on-malformed=5000
hq stall "$T_TMP/dut.json" --set "$CASE:max_findings=1"
check "stall-once: exit 2 (got $rc)" [ $rc -eq 2 ]
check "stall-once: INCONCLUSIVE, the hang not repeated, no finding" \
    res stall 'r["verdict"]=="INCONCLUSIVE" and "not repeated when the case was re-run alone" in r["rationale"] and not r["findings"]'
check "stall-once: the hang a step, re-run alone, the device up" \
    res stall 'any(s["text"].startswith("unconfirmed: ") and "left" not in s["text"] and "not confirmed: re-run alone, the device stayed up" in s["text"] for s in r["steps"])'
check "stall-once: measured as 0 findings and 1 unconfirmed" \
    res stall '{m["name"]: m["value"] for m in r["measurements"]}.get("findings")==0 and {m["name"]: m["value"] for m in r["measurements"]}.get("unconfirmed")==1'

# The same for an abnormal answer: the simulator answers 503 to everything
# for 3 s after its first over-long head only.  A 5xx (or a reset) seen
# once and not repeated by the case re-run alone is no evidence.
restart --fault error-once-on-malformed=3000
hq erronce "$T_TMP/dut.json" --set "$CASE:max_findings=1"
check "error-once: exit 2 (got $rc)" [ $rc -eq 2 ]
check "error-once: INCONCLUSIVE, the 503 not repeated, no finding" \
    res erronce 'r["verdict"]=="INCONCLUSIVE" and "not repeated when the case was re-run alone" in r["rationale"] and not r["findings"]'
check "error-once: the abnormal answer a step, re-run alone, the device up" \
    res erronce 'any(s["text"].startswith("unconfirmed: ") and "an abnormal answer" in s["text"] and "not confirmed: re-run alone, the device stayed up" in s["text"] for s in r["steps"])'

# 4. The replay does not reproduce on the good simulator.
restart --opt mqtt=1
replay crash 1
check "good sim: the crash reproducer does not reproduce (exit 0, got $rc)" \
    [ $rc -eq 0 ]
replay mqtt 1
check "good sim: the MQTT reproducer does not reproduce (exit 0, got $rc)" \
    [ $rc -eq 0 ]
hq goodmqtt "$T_TMP/dut-mqtt.json" --set "$CASE:cases_per_surface=100"
check "good sim with MQTT: PASS" res goodmqtt 'r["verdict"]=="PASS"'

# 5. Control: a surface that does not answer before: INCONCLUSIVE naming it.
$PY - "$T_TMP/dut.json" "$T_TMP/dut-dead.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["surfaces"].append({"id": "gone", "proto": "http", "port": 8088})
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
hq dead "$T_TMP/dut-dead.json"
check "control: exit 2 (got $rc)" [ $rc -eq 2 ]
check "control: INCONCLUSIVE naming surface gone" \
    res dead 'r["verdict"]=="INCONCLUSIVE" and "surface gone" in r["rationale"]'

echo "t-input: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
