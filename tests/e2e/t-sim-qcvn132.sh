#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The whole real QCVN 132:2026 profile against the reference AI camera, as
# a lab runs it (bench instance 97): the simulator (fixtures/dutsim, its
# stream as RTSP over TLS only, the complete description of
# fixtures/duts/dutsim-complete.py) with the reference AI device
# (fixtures/aidev: OpenCV's HOG people detector) as its recognition, in
# the camera's namespace; the scene sets from opencv-doc (40 positives,
# 40 hard negatives, as the profile's g1.5 asks).  Only time-saving
# --set's (settling, negative controls, the camera's 20 s lock), each a
# recorded deviation.  Asserts: every case of the profile PASS, or
# NOT_APPLICABLE with its reason (the lock, sensor and hub cases on a
# camera); the overall verdict PASS and exit 0; the signed report
# verifies.  Prints the runtime.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
"$PY" -c 'import cv2' 2>/dev/null ||
    { echo "skipped: python3-opencv missing"; exit 77; }
N=$(bn 97)
P=qcvn132-2026
DATA=/usr/share/doc/opencv-doc/examples/data
AIDEV="$HQ_TOP/fixtures/aidev/aidev.py"
SHOW="$HQ_TOP/fixtures/aidev/aidev-show.py"
start=$(date +%s)
FAST="--opt cloud.heartbeat_ms=500 --opt cloud.io_ms=1000
    --opt cloud.connect_ms=1000 --opt cloud.backoff_ms=200
    --opt cloud.backoff_max_ms=1000"
# shellcheck disable=SC2086
simbench_up $N $FAST --opt rtsp_port=0 --opt rtsps_port=322 \
    --opt lockout_time=20 --opt session_idle=10 ||
    { nok "bench $N with dutsim and cloudsim"; t_done; }
simbench_complete --rtsps 322 || { nok "the complete DUT description"; t_done; }
A=198.18.$N.2

# the recognition: the reference AI device beside the simulator
ip netns exec "$SB_DNS" $PY "$AIDEV" --addr $A --port 8080 \
    >>"$T_TMP/aidev.log" 2>&1 &
T_PIDS="$T_PIDS $!"
wait_port "$SB_LAB" $A 8080 20 || nok "aidev did not start"

src() { [ -f "$1" ] && echo "$1" && return; gunzip -c "$1.gz" >"$T_TMP/$(basename "$1")"; echo "$T_TMP/$(basename "$1")"; }
S=$T_TMP/scenes
mkdir -p "$S/pos" "$S/neg"
ffmpeg -v error -i "$(src $DATA/vtest.avi)" -vf "select=not(mod(n\,19))" \
    -vsync vfr -frames:v 40 "$S/pos/%03d.png" &&
ffmpeg -v error -i "$(src $DATA/tree.avi)" -vsync vfr -frames:v 40 \
    "$S/neg/%03d.png" || nok "frames extracted"

HASH=$($PY "$AIDEV" --print-model-hash)
$PY - "$SB_FULL" "$T_TMP/dut132.json" "$A" "$SHOW" "$HASH" "$S" <<'PYEOF'
import json, sys
full, out, a, show, h, s = sys.argv[1:]
d = json.load(open(full))
d["surfaces"].append({"id": "ai", "proto": "http", "port": 8080,
                      "purpose": "recognition output (detections, model)"})
d["ai"] = {
    "stimulus": {"driver": "command", "argv": [show, "http://%s:8080" % a,
                 "{frames}"], "timeout_ms": 30000},
    "detection": {"surface": "ai", "method": "GET", "path": "/detection"},
    "model": {"sha256": h, "read": {"surface": "ai", "method": "GET",
                                    "path": "/model"}},
    "scenes": {"positives": s + "/pos", "negatives": s + "/neg"},
}
json.dump(d, open(out, "w"), indent=1)
PYEOF
check "dut check accepts the AI camera's description" \
    "$HOPQUY" dut check "$T_TMP/dut132.json"
i=0
while [ $i -lt 50 ] && ! cloudq /status | grep -q '"heartbeats":[1-9]'
do sleep 0.2; i=$((i + 1)); done
mkdir -p "$T_TMP/lab"
cp "$PKI/lab-ec.key" "$PKI/lab-ec.crt" "$T_TMP/lab/"
chmod 600 "$T_TMP/lab/lab-ec.key"

c=$P/g2
set -- run -q -p "$HQ_TOP/profiles/$P.json" -d "$T_TMP/dut132.json" \
    -o "$T_TMP/run" --sign "$T_TMP/lab/lab-ec.key" \
    --cert "$T_TMP/lab/lab-ec.crt"
for x in $P/g1.1-offline-alarm-camera:settle_s=1 \
    $P/g1.1-offline-alarm-camera:negative_control_s=3 \
    $c.1-no-default-credentials:chunk=4 \
    $c.1-no-default-credentials:user_budget=0 \
    $c.1-no-default-credentials:recover_probe_s=1 \
    $c.3-lockout-engages:recover_probe_s=1 \
    $c.4-lockout-duration:min_lock_s=20 $c.4-lockout-duration:max_wait_s=60 \
    $c.4-lockout-duration:probe_interval_s=1 \
    $c.4-lockout-duration:tolerance_s=1 \
    $c.4-lockout-duration:recover_probe_s=1
do set -- "$@" --set "$x"; done
"$HOPQUY" "$@" >"$T_TMP/run.out" 2>"$T_TMP/run.err"
rc=$?
end=$(date +%s)
check "the run ends PASS, exit 0 (got $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || tail -n 5 "$T_TMP/run.err"

if $PY - "$T_TMP/run/report.json" "$HQ_TOP/profiles/$P.json" \
    >"$T_TMP/chk" 2>&1 <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
prof = json.load(open(sys.argv[2]))
byid = {x["id"]: x for x in r["results"]}
for t in prof["testcases"]:
    cid = t["id"]
    x = byid.get(cid)
    if x is None:
        print("nok %s: not in the report" % cid)
        continue
    v, why = x["verdict"], x.get("rationale", "")
    if v == "PASS":
        print("ok  %s: PASS" % cid)
    elif v == "NOT_APPLICABLE" and why and "camera" not in cid:
        print("ok  %s: NOT_APPLICABLE: %s" % (cid, why[:100]))
    else:
        print("nok %s: %s: %s %s" % (cid, v, why[:300],
              " | ".join(x.get("findings", []))[:300]))
sm = r["summary"]
ok = sm["verdict"] == "PASS" and sm["not_run"] == 0 and \
    sm["inconclusive"] == 0 and sm["fail"] == 0
print("%s summary: %s, %d PASS, %d FAIL, %d INCONCLUSIVE, %d NOT_RUN"
      % ("ok " if ok else "nok", sm["verdict"], sm["pass"], sm["fail"],
         sm["inconclusive"], sm["not_run"]))
PYEOF
then :; else nok "report check: $(tail -n 3 "$T_TMP/chk")"; fi
checks_from "$T_TMP/chk"
check "the recognition ran offline, 40 and 40 scenes" \
    grep -q 'with the uplink cut' "$T_TMP/run/report.json"
check "the deviations are recorded (settling, lockout)" sh -c \
    "grep -q settle_s '$T_TMP/run/report.json' && grep -q min_lock_s '$T_TMP/run/report.json'"
check "hopquy verify passes" "$HOPQUY" verify "$T_TMP/run" --ca "$PKI/lab-ca.crt"
echo "t-sim-qcvn132: the profile ran in $((end - start)) s (bench up to report)"
printf 't-sim-qcvn132: '
t_done
