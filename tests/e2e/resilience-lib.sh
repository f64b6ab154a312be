# SPDX-License-Identifier: Apache-2.0
# Family resilience on the reference DUT (t-resilience*.sh; sourced after
# lib.sh and simbench.sh with N set): brings bench N up with the power
# section of fixtures/dutsim/power-recipes.json (the simulator's
# power-cycle hook, the cloud link, a setting, data raised during an
# outage) merged into the simulator's DUT file, and the same unit with an
# HTTP power switch and with the operator as its power driver; run_case
# runs one g8 case of the real profiles/qcvn135-2024.json with only the
# outage length and the waits shortened through --set (recorded
# deviations).
P=qcvn135-2024
G81=$P/g8.1-power-cycle-recovery
G82=$P/g8.2-network-outage-recovery
simbench_up $N || { nok "bench $N with dutsim and cloudsim"; t_done; }

$PY - "$SB_DUT" "$HQ_TOP/fixtures/dutsim/data-recipes.json" \
    "$HQ_TOP/fixtures/dutsim/power-recipes.json" "198.19.$N.2" \
    "$T_TMP/dutsim.pid" >"$T_TMP/dut-power.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["data"] = json.loads(open(sys.argv[2]).read().replace("@CLOUD@", sys.argv[4]))
d["power"] = json.loads(open(sys.argv[3]).read().replace("@PIDFILE@", sys.argv[5]))
print(json.dumps(d, indent=1))
PY
DUT="$T_TMP/dut-power.json"
check "dut check accepts the power recipes" "$HOPQUY" dut check "$DUT"
# The same unit with the other drivers: an HTTP power switch (here the
# device's own reboot request stands for the switch's "off", cloudsim's
# status for its "on"), and the operator (this script answers the prompt).
$PY - "$DUT" "$T_TMP/dut-http.json" "$T_TMP/dut-manual.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = d["power"]
for k in ("pidfile", "signal"):
    p.pop(k)
p["driver"] = "http"
p["off"] = [{"surface": "web", "method": "POST", "path": "/api/reboot",
             "auth": "operator", "expect": 202}]
p["on"] = [{"surface": "@cloud", "method": "GET", "path": "/status",
            "auth": "none", "expect": 200}]
p["off_ms"] = 1000
json.dump(d, open(sys.argv[2], "w"), indent=1)
for k in ("off", "on", "off_ms"):
    p.pop(k)
p["driver"] = "manual"
p["prompt"] = "switch the camera off and on"
p["deadline_s"] = 30
json.dump(d, open(sys.argv[3], "w"), indent=1)
PY

# run_case NAME "FAULTS" CASE VERDICT REASON...
run_case() {
	name=$1 faults=$2 only=$3 want=$4
	shift 4
	simbench_stop_dut
	rm -f "$T_TMP/dutsim-state.json"
	# shellcheck disable=SC2086
	simbench_labels $faults || { nok "$name: labels"; return; }
	# shellcheck disable=SC2086
	simbench_start_dut $faults ||
	    { nok "$name: simulator did not start"; return; }
	echo "$SB_DUTPID" >"$T_TMP/dutsim.pid"
	# the cloud link up before the case starts (its control)
	i=0
	while [ $i -lt 50 ] && ! cloudq /status | grep -q '"heartbeats":[1-9]'
	do sleep 0.2; i=$((i + 1)); done
	{ [ "${FEED:-}" = manual ] && { sleep 2; kill -HUP "$SB_DUTPID"
	    sleep 0.5; echo; }; } | "$HOPQUY" run -q \
	    -p "$HQ_TOP/profiles/$P.json" -d "${DUTF:-$DUT}" \
	    -o "$T_TMP/runs/$name" --only "$only" \
	    --set "$G81:grace_s=5" --set "$G81:down_wait_s=10" \
	    --set "$G81:cloud_limit_s=20" --set "$G81:recover_limit_s=30" \
	    --set "$G82:outage_s=10" --set "$G82:grace_s=5" \
	    --set "$G82:cloud_limit_s=20" \
	    >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	rc=$?
	if $PY - "$T_TMP/runs/$name/report.json" "$only" "$want" "$@" \
	    >"$T_TMP/$name.chk" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
byid = {x["id"]: x for x in r["results"]}
cid, want, reasons = sys.argv[2], sys.argv[3], sys.argv[4:]
x = byid.get(cid)
bad = []
if x is None:
    bad.append("%s not in the report" % cid)
else:
    text = x["rationale"] + " | " + " | ".join(x["findings"])
    if x["verdict"] != want:
        bad.append("%s, want %s (%s)" % (x["verdict"], want, text[:400]))
    for w in reasons:
        if w not in text:
            bad.append("reason lacks '%s' (has: %s)" % (w, text[:400]))
    if "grace_s" not in json.dumps(r.get("deviations")):
        bad.append("the shortened waits are not recorded deviations")
    tl = x.get("details", {}).get("timeline", {}).get("entries", [])
    if not tl:
        bad.append("no timeline entries")
    ms = [m for m in x.get("measurements", []) if m["name"].startswith("surface_")]
    if want == "PASS" and not ms:
        bad.append("no surface return time measured")
print("; ".join(bad) if bad else x["verdict"] + ": " + text[:200])
sys.exit(1 if bad else 0)
PY
	then
		ok "$name: $(cat "$T_TMP/$name.chk")"
	else
		nok "$name (exit $rc): $(cat "$T_TMP/$name.chk") $(tail -n 2 "$T_TMP/$name.err")"
	fi
}

