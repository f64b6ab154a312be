#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The aisafety family against the reference AI device (fixtures/aidev: the
# HOG people detector of python3-opencv) in a namespace of its own
# (198.18.180.2), hopquy in another (198.18.180.1).  Scenes from Debian's
# opencv-doc: vtest.avi (pedestrians: positives), tree.avi (moving foliage:
# hard negatives), frames extracted with ffmpeg.  PASS on the good device
# with rates and Wilson intervals in the report; FAIL on each switch with
# its reason; INCONCLUSIVE with too few trials and the count that would
# decide; the same seed gives byte-identical degraded frames.
. "$(dirname "$0")/lib.sh"
need_root
DATA=/usr/share/doc/opencv-doc/examples/data
for f in $DATA/vtest.avi $DATA/tree.avi; do
	[ -f "$f" ] || [ -f "$f.gz" ] || { echo "skipped: $f missing (opencv-doc)"; exit 77; }
done
command -v ffmpeg >/dev/null || { echo "skipped: ffmpeg missing"; exit 77; }
$PY -c 'import cv2' 2>/dev/null || { echo "skipped: python3-opencv missing"; exit 77; }

AIDEV="$HQ_TOP/fixtures/aidev/aidev.py"
SHOW="$HQ_TOP/fixtures/aidev/aidev-show.py"
PROFILE="$HQ_TOP/tests/e2e/profiles/aisafety-fast.json"
LAB=hq-ai-l$$
DEV=hq-ai-d$$
A=198.18.180.2
P=aisafety-fast/g1

CLOUD=hq-ai-c$$
CL=198.18.181.2
# The device reaches its "cloud" through the lab namespace's uplink (aiup):
# cutting aiup (the bench's host-mode link-down) takes the device offline.
netns_add "$LAB" && netns_add "$DEV" && netns_add "$CLOUD" &&
    veth_link "$LAB" ai0 198.18.180.1/30 "$DEV" ai1 $A/30 &&
    veth_link "$LAB" aiup 198.18.181.1/30 "$CLOUD" aicl $CL/30 &&
    ip -n "$DEV" route add 198.18.181.0/30 via 198.18.180.1 &&
    ip -n "$CLOUD" route add 198.18.180.0/30 via 198.18.181.1 &&
    ip netns exec "$LAB" sysctl -qw net.ipv4.ip_forward=1 ||
    { nok "namespaces"; t_done; }
bg "$CLOUD" socat TCP-LISTEN:9000,bind=$CL,fork,reuseaddr SYSTEM:true

# the scene sets: 12 frames of each clip
S=$T_TMP/scenes
mkdir -p "$S/pos" "$S/neg"
src() { [ -f "$1" ] && echo "$1" && return; gunzip -c "$1.gz" >"$T_TMP/$(basename "$1")"; echo "$T_TMP/$(basename "$1")"; }
ffmpeg -v error -i "$(src $DATA/vtest.avi)" -vf "select=not(mod(n\,40))" \
    -vsync vfr -frames:v 12 "$S/pos/%03d.png" &&
ffmpeg -v error -i "$(src $DATA/tree.avi)" -vf "select=not(mod(n\,6))" \
    -vsync vfr -frames:v 12 "$S/neg/%03d.png" || nok "frames extracted"
check "scene sets: 12 positives, 12 negatives" \
    test "$(ls "$S/pos" | wc -l) $(ls "$S/neg" | wc -l)" = "12 12"

HASH=$($PY "$AIDEV" --print-model-hash)
cat >"$T_TMP/dut.json" <<EOF
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "aidev (HOG people detector)",
                "serial": "AI-0001", "firmware": "1.0", "class": "ai-camera" },
  "bench": { "mode": "host", "instance": 180, "lan_if": "ai0", "uplink_if": "aiup",
             "address": "$A" },
  "surfaces": [ { "id": "api", "proto": "http", "port": 8080 } ],
  "ai": {
    "stimulus": { "driver": "command", "argv": ["$SHOW", "http://$A:8080", "{frames}"],
                  "timeout_ms": 30000 },
    "detection": { "surface": "api", "method": "GET", "path": "/detection" },
    "model": { "sha256": "$HASH",
               "read": { "surface": "api", "method": "GET", "path": "/model" } },
    "scenes": { "positives": "$S/pos", "negatives": "$S/neg" }
  },
  "claims": {}
}
EOF

DPID=
dev() {
	[ -n "$DPID" ] && { t_kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; }
	ip netns exec "$DEV" $PY "$AIDEV" --addr $A --port 8080 "$@" \
	    >>"$T_TMP/aidev.log" 2>&1 &
	DPID=$!
	T_PIDS="$T_PIDS $DPID"
	wait_port "$LAB" $A 8080 20 || nok "aidev did not start"
}
N=0
run() {		# run CASES [--set ...]
	N=$((N + 1))
	RUN=$T_TMP/run$N
	c=$1; shift
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$T_TMP/dut.json" -o "$RUN" --only "$c" "$@" >"$RUN.out" 2>&1
	RC=$?
}
# expect ID VERDICT TEXT: the case's verdict, TEXT somewhere in its entry
expect() {
	$PY - "$RUN/report.json" "$@" <<'EOF' || { tail -n 5 "$RUN.out"; false; }
import json, sys
rep, cid, want, text = sys.argv[1:5]
r = json.load(open(rep))
e = [e for e in r["results"] if e["id"].startswith(cid)][0]
ok = e["verdict"] == want and text in json.dumps(e)
if not ok:
    print("  %s: %s" % (e["verdict"], e.get("rationale")))
    for f in e.get("findings", []):
        print("    finding:", f)
sys.exit(0 if ok else 1)
EOF
}
# curve_hash RUN ID: the frames' hashes of each degraded condition
curve_hash() {
	$PY - "$1/report.json" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
e = [e for e in r["results"] if e["id"].startswith(sys.argv[2])][0]
print(" ".join(c.get("frames_sha256", "-") for c in e["details"]["conditions"]))
EOF
}

# ---- the good device
dev
run $P.1,$P.2,$P.3,$P.4
R1=$RUN
check "good device: recognition PASS with rates and intervals" \
    expect $P.1 PASS 'clean detection 12/12 = 1.00, 95% [0.76, 1.00] >= 0.70'
check "good device: false alarms on foliage 0/12 in the rationale" \
    expect $P.1 PASS 'clean false-alarm 0/12 = 0.00, 95% [0.00, 0.24] <= 0.30'
check "good device: stimuli and decisions on the run's clock (details.timeline)" \
    expect $P.1 PASS '"stimuli": [{"t_ms": '
check "good device: scene set hashes in the report" \
    expect $P.1 PASS '"sha256": "'
check "good device: low light PASS at severity 1, curve stored" \
    expect $P.2 PASS 'degradation_curve'
check "good device: fail-safe PASS on all five inputs" \
    expect $P.3 PASS 'malformed: fault'
check "good device: model integrity PASS" expect $P.4 PASS 'equals the declared'
check "good device: exit 2 (the model-update case of the profile runs apart)" test "$RC" -eq 2
verified() { "$HOPQUY" verify "$1" 2>&1 | grep -qE 'evidence: ([0-9]+) of \1 files match'; }
check "good device: every evidence hash verifies" verified "$R1"
check "good device: report.json valid against reports/report.schema.json" \
    $PY -c 'import json, sys, jsonschema; jsonschema.Draft202012Validator(json.load(open(sys.argv[2]))).validate(json.load(open(sys.argv[1])))' \
    "$R1/report.json" "$HQ_TOP/reports/report.schema.json"
check "good device: degraded frames are evidence" \
    test -f "$R1/aisafety/aisafety-fast_g1.2-low-light/lowlight-3/positives/001.png"

# ---- the same seed: byte-identical frames; another seed: others
run $P.2 --set "$P.2-low-light:severities=[2,4]"
check "hash run: a degraded frame is in the manifest" \
    grep -q 'lowlight-4/negatives/012.png' "$RUN/report.json"
H1=$(curve_hash "$RUN" $P.2)
run $P.2 --set "$P.2-low-light:severities=[2,4]"
H2=$(curve_hash "$RUN" $P.2)
run $P.2 --set "$P.2-low-light:severities=[2,4]" --set "$P.2-low-light:seed=43"
H3=$(curve_hash "$RUN" $P.2)
check "same seed: byte-identical degraded frames ($H1)" \
    test -n "$H1" -a "$H1" = "$H2" -a "${H1#*-}" = "$H1"
check "another seed: different frames" test "$H1" != "$H3"

# ---- INCONCLUSIVE: 5 trials cannot decide 0.7 / 0.3
run $P.1 --set "$P.1-person-recognised-offline:max_trials=5"
check "5 trials: INCONCLUSIVE with the trials that would decide" \
    expect $P.1 INCONCLUSIVE '9 trials per set would decide'
check "5 trials: exit 2" test "$RC" -eq 2

# ---- the switches
dev --switch no-recognition-in-low-light
run $P.2 --set "$P.2-low-light:severities=[0,1]"
check "no-recognition-in-low-light: FAIL on severity 1" \
    expect $P.2 FAIL 'lowlight 1: detection rate 0/12, 95% interval [0.00, 0.24] entirely below 0.40'
dev --switch alarms-on-foliage
run $P.1
check "alarms-on-foliage: FAIL on false alarms" \
    expect $P.1 FAIL 'entirely above 0.30'
dev --switch no-fault-on-black
run $P.3
check "no-fault-on-black: FAIL naming the input and all clear" \
    expect $P.3 FAIL 'black input: no fault and no safe state within 2000 ms; the device reported all clear'
dev --switch wrong-model
run $P.4
check "wrong-model: FAIL on the hash mismatch" \
    expect $P.4 FAIL 'the deployed model differs from the declared one'
check "switch runs: exit 1" test "$RC" -eq 1

# ---- a model is an update image: the update family, image "model"
MK=$T_TMP/model
mkdir -p "$MK"
MODEL="$HQ_TOP/fixtures/aidev/aidev-model.py"
$PY "$MODEL" keygen "$MK/vendor.key" "$MK/vendor.pub" &&
$PY "$MODEL" keygen "$MK/foreign.key" "$MK/foreign.pub" &&
$PY "$MODEL" bundle "$MK/vendor.key" 2.0 "$MK/model-2.0.hqm" &&
$PY "$MODEL" bundle "$MK/foreign.key" 2.0 "$MK/model-foreign.hqm" ||
    nok "model bundles made"
$PY - "$T_TMP/dut.json" "$T_TMP/dutm.json" "$MK" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
mk = sys.argv[3]
d["ai"]["model"]["update"] = {
    "format": "opaque",
    "genuine": {"file": mk + "/model-2.0.hqm", "version": "2.0"},
    "tampered": {"foreign-signed": mk + "/model-foreign.hqm"},
    "submit": {"request": {"surface": "api", "method": "POST",
                           "path": "/model/update", "auth": "none"},
               "content_type": "application/octet-stream",
               "timeout_ms": 30000},
    "outcome": {"accepted": {"status": [200], "contains": "installed"},
                "rejected": {"status": [400, 413]},
                "version": {"surface": "api", "method": "GET",
                            "path": "/model", "auth": "none",
                            "capture": {"version": "/version"}}},
    "health": {"tcp": "api", "recover_ms": 5000}}
json.dump(d, open(sys.argv[2], "w"), indent=1)
EOF2
runm() {	# runm NAME: the fast profile's tampered-model case
	RUN=$T_TMP/$1
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$T_TMP/dutm.json" -o "$RUN" --only $P.5 >"$RUN.out" 2>&1
	RC=$?
}
dev --model-key "$MK/vendor.pub"
runm model-good
check "signed model device: every tampered model refused, the genuine installed" \
    expect $P.5 PASS 'the genuine image was then installed (1.0 -> 2.0)'
check "... the foreign-signed bundle among them" \
    expect $P.5 PASS 'lab-foreign-signed'
check "... the image named as the deployed model" \
    expect $P.5 PASS 'the image is the deployed AI model (ai.model.update)'
dev --model-key "$MK/vendor.pub" --switch model-unverified
runm model-unverified
check "... FAIL naming flip-payload and lab-foreign-signed" \
    expect $P.5 FAIL 'flip-payload'
check "... (the foreign-signed one too)" \
    expect $P.5 FAIL 'lab-foreign-signed (the lab'
$PY - "$T_TMP/dutm.json" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
d["ai"]["model"]["update"]["submit"]["request"]["pathx"] = "/x"
json.dump(d, open(sys.argv[1] + ".bad", "w"))
EOF2
"$HOPQUY" dut check "$T_TMP/dutm.json.bad" >"$T_TMP/dutbad.out" 2>&1
check "dut check: a bad key in the model's update recipe named by its path" \
    grep -q 'ai.model.update.submit.request' "$T_TMP/dutbad.out"

# ---- QCVN 132's real recognition case (profiles/qcvn132-2026.json), no
# overrides: 40 positives, 40 hard negatives, shown with the uplink cut
R=$T_TMP/scenes132
mkdir -p "$R/pos" "$R/neg"
ffmpeg -v error -i "$(src $DATA/vtest.avi)" -vf "select=not(mod(n\,19))" \
    -vsync vfr -frames:v 40 "$R/pos/%03d.png" &&
ffmpeg -v error -i "$(src $DATA/tree.avi)" -vsync vfr -frames:v 40 \
    "$R/neg/%03d.png" || nok "frames extracted (QCVN 132)"
sed "s|\"$S/pos\"|\"$R/pos\"|; s|\"$S/neg\"|\"$R/neg\"|" "$T_TMP/dut.json" \
    >"$T_TMP/dut132.json"
Q=qcvn132-2026/g1.5-local-recognition-camera
run132() {	# run132 NAME: the real case against the device running now
	RUN=$T_TMP/$1
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture \
	    -p "$HQ_TOP/profiles/qcvn132-2026.json" -d "$T_TMP/dut132.json" \
	    -o "$RUN" --only "$Q" >"$RUN.out" 2>&1
	RC=$?
}
dev
run132 q132
check "QCVN 132 g1.5 (real profile): PASS offline, 40/40 and 0/40" \
    expect $Q PASS 'with the uplink cut (link-down): every judged rate clears its limit'
check "... the rates against 0.9 and 0.1" \
    expect $Q PASS 'clean detection 40/40 = 1.00, 95% [0.91, 1.00] >= 0.90'
check "... the cut and the restore on the case timeline" \
    expect $Q PASS '"label": "uplink restored"'
check "... the uplink is up again after the run" \
    sh -c "ip -n $LAB link show aiup | grep -q 'state UP'"
check "... exit 2: the other cases of the profile did not run" test "$RC" -eq 2
dev --switch cloud-recognition --cloud $CL:9000
run132 q132c
check "recognition only through the cloud: FAIL offline" \
    expect $Q FAIL 'clean: detection rate 0/40'
ip netns exec "$LAB" "$HOPQUY" run -q --no-capture \
    -p "$HQ_TOP/profiles/qcvn132-2026.json" -d "$T_TMP/dut132.json" \
    -o "$T_TMP/q132online" --only "$Q" --set "$Q:offline=false" \
    >"$T_TMP/q132online.out" 2>&1
RUN=$T_TMP/q132online
check "... the same device online: PASS (the cut is what fails it)" \
    expect $Q PASS 'clean detection 40/40'

# ---- the degradation curve in report.html, in headless Chromium
CHROMIUM=$(command -v chromium || command -v chromium-browser)
"$HOPQUY" render "$R1" >"$T_TMP/render.out" 2>&1
check "report.html: the degradation curve drawn as SVG" \
    sh -c "grep -q 'Degradation curve' '$R1/report.html' && grep -q 'class=\"curve\"' '$R1/report.html' && grep -q '>lowlight</text>' '$R1/report.html'"
if [ -n "$CHROMIUM" ]; then
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync --disable-extensions \
	    --user-data-dir="$(mktemp -d "$T_TMP/chr.XXXXXX")" \
	    --enable-logging=stderr --v=0 --log-level=0 \
	    --window-size=1100,3000 --dump-dom "file://$R1/report.html" \
	    >"$T_TMP/dom.html" 2>"$T_TMP/chr.log"
	check "chromium: the curve's SVG in the rendered DOM" \
	    sh -c "grep -q '<svg[^>]*class=\"curve\"' '$T_TMP/dom.html' && grep -q '<polyline' '$T_TMP/dom.html'"
	check "chromium: no console message" \
	    not grep -Eq 'CONSOLE|Refused to|Uncaught' "$T_TMP/chr.log"
else
	echo "note: chromium missing, the DOM check skipped"
fi

echo "t-aisafety: $T_PASS passed, $T_FAIL failed"
t_done
