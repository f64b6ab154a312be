#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The update family's fault matrix on the reference DUT, with the real
# profiles/qcvn135-2024.json parameters: the good simulator PASSes g3.1-g3.4
# (and the signed run verifies, every pushed image in its manifest); each
# update fault switch makes the right case FAIL with the right mutation or
# reason named.  Bench instance 167 (HQ_UPDATE_BENCH to move it); 166 for
# the host-mode run's lock and journal.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
. "$(dirname "$0")/update-lib.sh"
N=${HQ_UPDATE_BENCH:-$(bn 167)}
P=qcvn135-2024
ALL=$P/g3.1-tampered-rejected,$P/g3.2-genuine-accepted,$P/g3.3-rollback-refused,$P/g3.4-update-channel
simbench_up $N || { nok "bench $N with dutsim and cloudsim"; t_done; }

# verdicts RUNDIR CASE=VERDICT[:REASON]...: checks report.json.
verdicts() {
	$PY - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1] + "/report.json"))
byid = {x["id"]: x for x in r["results"]}
bad = []
for spec in sys.argv[2:]:
    cid, rest = spec.split("=", 1)
    want, _, reason = rest.partition(":")
    got = byid.get("qcvn135-2024/" + cid)
    if got is None:
        bad.append("%s: not in the report" % cid)
        continue
    text = got["rationale"] + " | " + " | ".join(got.get("findings", []))
    if got["verdict"] != want:
        bad.append("%s: %s, want %s (%s)" % (cid, got["verdict"], want,
            text[:300]))
    elif reason and reason not in text:
        bad.append("%s: reason lacks '%s' (has: %s)" % (cid, reason,
            text[:300]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}

# run_fault NAME FAULTS ONLY EXIT CASE=VERDICT[:REASON]...
run_fault() {
	name=$1 faults=$2 only=$3 want=$4; shift 4
	simbench_stop_dut
	rm -f "$T_TMP/dutsim-state.json"
	# shellcheck disable=SC2086
	simbench_labels $faults || { nok "$name: no labels"; return; }
	# shellcheck disable=SC2086
	simbench_start_dut $faults ||
	    { nok "$name: simulator did not start ($faults)"; return; }
	update_dut "$SB_DUT" "$T_TMP/dut-up.json"
	R=$T_TMP/runs/$name
	"$HOPQUY" run -q -p "$P" -d "$T_TMP/dut-up.json" -o "$R" \
	    --only "$only" --sign "$PKI/lab-ec.key" --cert "$PKI/lab-ec.crt" \
	    >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	rc=$?
	if [ "$rc" = "$want" ]; then
		ok "$name: exit $rc"
	else
		nok "$name: exit $rc, want $want ($(tail -n 2 "$T_TMP/$name.err"))"
	fi
	if verdicts "$R" "$@" >"$T_TMP/$name.chk" 2>&1; then
		ok "$name: $*"
	else
		nok "$name: $(cat "$T_TMP/$name.chk")"
	fi
}

# --only leaves the other groups' cases NOT_RUN: INCOMPLETE, exit 2.
run_fault good "" "$ALL" 2 g3.1-tampered-rejected=PASS:"14 tampered" \
    g3.2-genuine-accepted=PASS g3.3-rollback-refused=PASS \
    g3.4-update-channel=PASS
R=$T_TMP/runs/good
check "good: hopquy verify passes on the signed run" \
    "$HOPQUY" verify "$R" --ca "$PKI/lab-ca.crt"
n=$($PY - "$R" <<'PY'
import json, sys
r = json.load(open(sys.argv[1] + "/report.json"))
man = {e["path"]: e["sha256"] for e in r["evidence"]}
n = 0
for x in r["results"]:
    for a in (x.get("details") or {}).get("attempts", []):
        if man.get(a["file"]) != a["sha256"]:
            print("attempt %s: %s not in the manifest with its hash"
                % (a["image"], a["file"]))
            sys.exit(1)
        n += 1
print(n)
PY
)
check "good: every attempt's image is in the manifest with its SHA-256 ($n)" \
    [ "${n:-0}" -ge 16 ] 2>/dev/null

run_fault unsigned "--fault update-unsigned" "$P/g3.1-tampered-rejected" 1 \
    g3.1-tampered-rejected=FAIL:"accepted: unsigned"
run_fault wrong-signer "--fault update-wrong-signer" \
    "$P/g3.1-tampered-rejected" 1 \
    g3.1-tampered-rejected=FAIL:"accepted: resigned-untrusted"
run_fault truncated "--fault update-truncated" "$P/g3.1-tampered-rejected" 1 \
    g3.1-tampered-rejected=FAIL:"truncate-25, truncate-50, truncate-75"
run_fault rollback "--fault update-rollback" "$P/g3.3-rollback-refused" 1 \
    g3.3-rollback-refused=FAIL:"older image 2.3.0 over 2.5.0"
run_fault plain-http "--fault update-http" "$P/g3.4-update-channel" 1 \
    g3.4-update-channel=FAIL:"answers over plain HTTP"
run_fault tls10 "--fault tls10" "$P/g3.4-update-channel" 1 \
    g3.4-update-channel=FAIL:"TLSv1.0 accepted, below TLSv1.2"
run_fault weak-ciphers "--fault weak-ciphers" "$P/g3.4-update-channel" 1 \
    g3.4-update-channel=FAIL:"banned suite"
run_fault crash "--fault update-crash-malformed" \
    "$P/g3.1-tampered-rejected" 1 \
    g3.1-tampered-rejected=FAIL:"stopped answering after flip-header-start"
run_fault fake-success "--fault update-fake-success" \
    "$P/g3.2-genuine-accepted" 1 \
    g3.2-genuine-accepted=FAIL:"reported success (status 200) but the version stayed 2.4.1"
# The same device in the tampered case: its control cannot hold.
run_fault fake-success-control "--fault update-fake-success" \
    "$P/g3.1-tampered-rejected" 2 \
    g3.1-tampered-rejected=INCONCLUSIVE:"control failed"
# Pull mode, the device told to fetch by a request step of the recipe
# engine (update.trigger.request): the good unit, then one that installs
# unsigned images.
UPD_PULL=198.18.$N.1
run_fault pull-good "" "$P/g3.1-tampered-rejected,$P/g3.2-genuine-accepted" \
    2 g3.1-tampered-rejected=PASS g3.2-genuine-accepted=PASS
check "pull: the trigger step's answer and the fetch are in the steps" \
    grep -q 'trigger HTTP 200.*fetched 1 time' "$T_TMP/runs/pull-good/report.json"
run_fault pull-unsigned "--fault update-unsigned" \
    "$P/g3.1-tampered-rejected" 1 \
    g3.1-tampered-rejected=FAIL:"accepted: unsigned"
# Host mode under privilege separation (hopquy on the lab side of the
# bench, as on a lab host), the image server on port 80: the worker may not
# bind it, the monitor binds it on the LAN interface's address and hands it
# over.  The good unit: g3.2 PASS.  An address not on the LAN interface is
# refused by the monitor, and said.
H=$(bn 166)
simbench_stop_dut
rm -f "$T_TMP/dutsim-state.json"
simbench_start_dut
update_dut "$SB_DUT" "$T_TMP/dut-up.json"
host80() {	# host80 NAME LISTEN: a host-mode run of g3.2, the server on 80
	$PY - "$T_TMP/dut-up.json" "$T_TMP/$1.json" "$H" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
b = d["bench"]
d["bench"] = {"mode": "host", "instance": int(sys.argv[3]), "lan_if": "lan0",
              "uplink_if": "up0", "address": b["address"], "cloud": b["cloud"]}
d["update"]["pull"]["listen"] = sys.argv[4]
d["update"]["pull"]["port"] = 80
json.dump(d, open(sys.argv[2], "w"))
PY
	ip netns exec "$SB_LAB" "$HOPQUY" run -q -p "$P" -d "$T_TMP/$1.json" \
	    -o "$T_TMP/runs/$1" --only "$P/g3.2-genuine-accepted" \
	    >"$T_TMP/$1.out" 2>"$T_TMP/$1.err"
}
host80 host80 "198.18.$N.1"
check "host mode, image server on port 80: g3.2 PASS" \
    verdicts "$T_TMP/runs/host80" g3.2-genuine-accepted=PASS
check "host mode, port 80: the worker ran unprivileged" grep -q \
    "worker pid [0-9]* as [a-z_]* (uid [1-9][0-9]*), no capabilities" \
    "$T_TMP/runs/host80/run.log"
check "host mode, port 80: the device fetched the image from it" sh -c \
    "grep -q 'serving .* at http://198.18.$N.1:80/hq/' '$T_TMP/runs/host80/update/'*/transcript.txt &&
    grep -q 'fetched 1 time' '$T_TMP/runs/host80/report.json'"
[ -s "$T_TMP/runs/host80/report.json" ] || tail -n 5 "$T_TMP/host80.err"
host80 host80x "198.18.$N.2"
check "host mode, port 80 on an address not the LAN interface's: refused, said" \
    grep -q "not an address of lan0, the bench's LAN interface" \
    "$T_TMP/runs/host80x/report.json"
UPD_PULL=
# A device that is down before the run: the reachability check says so
# (69); past it, the family's own answer is no FAIL but INCONCLUSIVE.
simbench_stop_dut
"$HOPQUY" run -q -p "$P" -d "$T_TMP/dut-up.json" -o "$T_TMP/runs/down0" \
    --only "$P/g3.1-tampered-rejected" >/dev/null 2>"$T_TMP/down0.err"
rc=$?
check "device down before the run: unreachable, exit 69 (exit $rc)" \
    [ "$rc" -eq 69 ]
"$HOPQUY" run -q -p "$P" -d "$T_TMP/dut-up.json" -o "$T_TMP/runs/down" \
    --only "$P/g3.1-tampered-rejected" --no-reach-check \
    >/dev/null 2>"$T_TMP/down.err"
rc=$?
check "device down before the run: not a FAIL (exit $rc)" [ "$rc" -ne 1 ]
check "device down before the run: INCONCLUSIVE, it did not answer" \
    verdicts "$T_TMP/runs/down" \
    g3.1-tampered-rejected=INCONCLUSIVE:"did not answer before"
printf 'update: '
t_done
