#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the input family's monitor reads values behind the
# operator's credentials (the DUT file's monitor steps with "auth":
# "operator"), on bench instance 250: the simulator's /api/device (the
# device's name and boot count, for its users only) over its HTTP digest
# login.  The good simulator PASSes with both watched; the
# setting-on-malformed fault FAILs naming the changed name; with a wrong
# operator password the values cannot be read and the case is
# INCONCLUSIVE (so the credentials are really what reads them); the
# replay of a finding says it reads no credentialed value.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=250
CASE=qcvn135-2024/g11.1-malformed-input
simbench_up $N || { nok "bench $N with dutsim and cloudsim"; t_done; }

$PY - "$SB_DUT" "$T_TMP" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["monitor"] = {
    "uptime": {"surface": "web", "method": "GET", "path": "/api/device",
               "auth": "operator", "expect": 200,
               "capture": {"boots": "/boots"}},
    "settings": [{"surface": "web", "method": "GET", "path": "/api/device",
                  "auth": "operator", "expect": 200,
                  "capture": {"name": "/name"}}]}
json.dump(d, open(sys.argv[2] + "/dut.json", "w"), indent=1)
d["credentials"]["operator"]["password"] = "not-the-password-1A!"
json.dump(d, open(sys.argv[2] + "/dut-wrongpw.json", "w"), indent=1)
PY

restart() {
	simbench_stop_dut
	rm -f "$T_TMP/dutsim-state.json"
	simbench_start_dut "$@" || nok "dutsim $* did not start"
}
hq() {	# hq NAME DUT [--set ...]
	d=$1 f=$2; shift 2
	ip netns exec "$SB_LAB" "$HOPQUY" run -q -p qcvn135-2024 -d "$f" \
	    -o "$T_TMP/$d" --only $CASE --set "$CASE:recover_s=6" \
	    --set "$CASE:health_timeout_ms=1500" "$@" \
	    >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
res() {	# res NAME PYEXPR
	$PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
ok=eval(sys.argv[3])
if not ok: print(r["verdict"], r["rationale"], r["findings"][:3], [s["text"] for s in r["steps"] if "monitor" in s["text"]][:6], file=sys.stderr)
sys.exit(0 if ok else 1)' "$T_TMP/$1/report.json" $CASE "$2"
}

# 1. Good simulator: both values read with the operator's credentials.
hq good "$T_TMP/dut.json" --set "$CASE:cases_per_surface=100"
check "good sim: PASS, watched values unchanged" \
    res good 'r["verdict"]=="PASS" and "watched values unchanged" in r["rationale"]'
check "good sim: boots and name watched with credentials" \
    res good 'any("monitor watches boots" in s["text"] and "with credentials" in s["text"] for s in r["steps"]) and any("monitor watches name = \"HQ-CAM-1\"" in s["text"] and "with credentials" in s["text"] for s in r["steps"])'
check "good sim: the password is nowhere in the report" \
    not grep -qF "$HQ_DUTSIM_LABEL1" "$T_TMP/good/report.json"

# 2. The name changed by a malformed request, seen behind the login.
restart --fault setting-on-malformed
hq setting "$T_TMP/dut.json" --set "$CASE:max_findings=1"
check "setting fault: exit 1 (got $rc)" [ $rc -eq 1 ]
check "setting fault: FAIL naming the changed name" \
    res setting 'r["verdict"]=="FAIL" and any(__import__("re").search("changed setting.*name", f) for f in r["findings"])'
restart --fault setting-on-malformed
ip netns exec "$SB_LAB" "$HOPQUY" input replay "$T_TMP/setting" 1 \
    >"$T_TMP/replay.out" 2>&1
check "replay: says the credentialed values are not read" \
    grep -q '^note: 2 watched values behind the operator' "$T_TMP/replay.out"
check "replay: no password in the reproducer" \
    not grep -rqF "$HQ_DUTSIM_LABEL1" "$T_TMP/setting/input"

# 3. Wrong operator password: the values cannot be read: INCONCLUSIVE.
restart
hq wrongpw "$T_TMP/dut-wrongpw.json"
check "wrong password: exit 2 (got $rc)" [ $rc -eq 2 ]
check "wrong password: INCONCLUSIVE, the monitor values could not be read" \
    res wrongpw 'r["verdict"]=="INCONCLUSIVE" and "monitor values could not be read" in r["rationale"]'

echo "t-input-creds: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
