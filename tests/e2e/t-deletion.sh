#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Family deletion on the reference DUT (bench 220): the data recipes of
# fixtures/dutsim/data-recipes.json merged into the simulator's DUT file,
# the real profiles/qcvn135-2024.json (g7.2, g9.1, g9.2) with only the
# cloud wait shortened through --set (a recorded deviation).  The good
# unit PASSes; each simulator fault FAILs with the kind and place named.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=$(bn 220)
P=qcvn135-2024
G72=$P/g7.2-deleted-account-refused
G91=$P/g9.1-user-data-deletion
G92=$P/g9.2-factory-reset
simbench_up $N || { nok "bench $N with dutsim and cloudsim"; t_done; }

# The DUT file with the data section.
$PY - "$SB_DUT" "$HQ_TOP/fixtures/dutsim/data-recipes.json" "198.19.$N.2" \
    >"$T_TMP/dut-data.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
data = json.loads(open(sys.argv[2]).read().replace("@CLOUD@", sys.argv[3]))
d["data"] = data
print(json.dumps(d, indent=1))
PY
DUT="$T_TMP/dut-data.json"
ln -sfn "$PKI" "$T_TMP/pki"
check "dut check accepts the data recipes" \
    "$HOPQUY" dut check "$DUT" >/dev/null

# run_case NAME "FAULTS" ONLY EXPECT-VERDICT REASON...
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
	"$HOPQUY" run -q -p "$HQ_TOP/profiles/$P.json" -d "$DUT" \
	    -o "$T_TMP/runs/$name" --only "$only" \
	    --set "$G91:cloud_wait_s=8" --set "$G72:cloud_wait_s=8" \
	    --set "$G92:reset_wait_s=10" \
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
    # the shortened wait is a recorded deviation
    if "cloud_wait_s" not in json.dumps(r.get("deviations")) and \
       "reset_wait_s" not in json.dumps(r.get("deviations")):
        bad.append("the shortened cloud wait is not a recorded deviation")
print("; ".join(bad) if bad else x["verdict"] + ": " + x["rationale"][:160])
sys.exit(1 if bad else 0)
PY
	then
		ok "$name: $(cat "$T_TMP/$name.chk")"
	else
		nok "$name (exit $rc): $(cat "$T_TMP/$name.chk") $(tail -n 2 "$T_TMP/$name.err")"
	fi
}

run_case good-g9.1 "" $G91 PASS "5 kinds of data" \
    "old password refused" "session token issued before refused" \
    "cloud received the deletion"
run_case good-g7.2 "" $G72 PASS "account"
run_case good-g9.2 "" $G92 PASS "factory credential logs in again"
run_case leaves-recording "--fault deletion-leaves-recording" $G91 FAIL \
    "recording: data survived the deletion: data.kinds.recording.absent[0] on web (GET /api/recordings/"
run_case leaves-face "--fault deletion-leaves-face" $G91 FAIL \
    "face: data survived the deletion: data.kinds.face.absent[0] on web"
run_case old-password "--fault deletion-old-password" $G91 FAIL \
    "account: the deleted account's old password still logs in on surface web"
run_case old-token "--fault deletion-old-token" $G91 FAIL \
    "session: a token issued to the deleted account before still authenticates on surface app"
run_case old-token-g7.2 "--fault deletion-old-token" $G72 FAIL \
    "still authenticates on surface app"
run_case no-cloud "--fault deletion-no-cloud-notify" $G91 FAIL \
    "cloud: not notified within 8 s: data.notified[0] on @cloud"
run_case reset-keeps-wifi "--fault reset-keeps-wifi" $G92 FAIL \
    "wifi: data survived the factory reset: data.kinds.wifi.absent[0] on web"
run_case reset-wrong-password "--fault reset-wrong-password" $G92 FAIL \
    "credentials: the factory credential (label HQ0000000001) is refused on surface web after the reset"
run_case leaves-account "--fault deletion-leaves-data" $G72 FAIL \
    "account: data survived the deletion: data.kinds.account.absent[0] on web (GET /api/users/hq"
run_case reset-keeps-accounts "--fault deletion-keeps-credentials" $G92 FAIL \
    "account: the deleted account's old password still logs in on surface web" \
    "session: a token issued to the operator before still authenticates on surface app"
t_done
