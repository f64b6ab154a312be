#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# netcut on a real camera pipeline: Debian's motion watches an MJPEG
# stream that ffmpeg serves (netcam_url) from the lab's scene (a still
# picture; for "person" a clip with something moving), and its
# on_event_start / on_event_end scripts sound a siren and light an LED.
# The microphone is a plain WAV (aligned by the calibration tone), the
# light sensor a line file; the lab's stimulus driver is a socket
# (tests/e2e/tools/motion-room.py).  With the real profile
# (profiles/qcvn132-2026.json, time-saving overrides only):
#   - the alarm wired locally PASSes offline;
#   - the alarm wired through the cloud (the script asks the cloud first)
#     FAILs "no alarm offline", the online reference showing that the
#     same stimulus raised it with the uplink up.
# Bench instance 152.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
for b in motion ffmpeg socat curl; do
	command -v $b >/dev/null || { nok "$b installed (deps/netcut.txt)"; t_done; }
done
N=$(bn 152)
C=qcvn132-2026/g1.1-offline-alarm-camera
ROOM=$T_TMP/room
TOOL=$HQ_TOP/tests/e2e/tools/motion-room.py
mkdir -p "$ROOM/clip" "$ROOM/out"
"$HOPQUY" bench down --bench $N >/dev/null 2>&1
"$HOPQUY" bench up --bench $N >"$T_TMP/bench-up.log" 2>&1 ||
    { nok "bench $N up"; t_done; }
SB_N=$N	# simbench_down takes the bench down on exit
DNS=hq-dut-$N CNS=hq-cloud-$N LAB=hq-lab-$N
# Everything started in the bench's namespaces goes (ffmpeg's restart loop
# has children of its own), then the bench.
trap 'for ns in $DNS $CNS; do ip netns pids $ns 2>/dev/null | xargs -r kill
    2>/dev/null; done; sleep 0.3; for ns in $DNS $CNS; do ip netns pids $ns \
    2>/dev/null | xargs -r kill -9 2>/dev/null; done; simbench_down;
    t_cleanup' EXIT

# The scenes: a grey room, and 3 s of a white figure crossing it.
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "color=c=gray:s=320x240" \
    -frames:v 1 "$ROOM/still.jpg" &&
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "color=c=gray:s=320x240:r=10" \
    -f lavfi -i "color=c=white:s=60x120:r=10" \
    -filter_complex "[0][1]overlay=x='20+t*80':y=60" -t 3 "$ROOM/clip/%03d.jpg" ||
    { nok "ffmpeg made the scenes"; t_done; }
cp "$ROOM/still.jpg" "$ROOM/frame.jpg"
: >"$ROOM/led.log"

# The cloud: answers the pipeline's confirmation request.
mkdir -p "$ROOM/cloud" && echo ok >"$ROOM/cloud/confirm"
ip netns exec "$CNS" /usr/bin/python3 -m http.server 8080 \
    --bind 198.19.$N.2 --directory "$ROOM/cloud" >>"$T_TMP/cloud.log" 2>&1 &
SB_PIDS="$SB_PIDS $!"

# The room (scene, microphone, LED) and ffmpeg's stream, in the DUT's
# namespace; the stream server takes one client at a time, so it is
# restarted for motion's reconnections.
ip netns exec "$DNS" /usr/bin/python3 "$TOOL" 7000 "$ROOM/still.jpg" \
    "$ROOM/clip" "$ROOM/frame.jpg" "$ROOM/mic.wav" "$ROOM/led.log" \
    >>"$T_TMP/room.log" 2>&1 &
SB_PIDS="$SB_PIDS $!"
ip netns exec "$DNS" sh -c "while :; do /usr/bin/python3 '$TOOL' --feed \
    '$ROOM/frame.jpg' | ffmpeg -hide_banner -loglevel error -f image2pipe \
    -framerate 10 -c:v mjpeg -i - -c:v mjpeg -q:v 5 -f mpjpeg -listen 1 \
    http://127.0.0.1:8081/feed.mjpg; sleep 0.1; done" >>"$T_TMP/ffmpeg.log" 2>&1 &
SB_PIDS="$SB_PIDS $!"
wait_port "$LAB" 198.18.$N.2 7000 10 || { nok "room's stimulus socket"; t_done; }
confirm() {	# the cloud's answer, within 10 s of its start
	i=0
	while [ $i -lt 50 ]; do
		ip netns exec "$DNS" curl -sf -m 2 -o /dev/null \
		    http://198.19.$N.2:8080/confirm && return 0
		sleep 0.2; i=$((i + 1))
	done
	return 1
}
check "the cloud answers the DUT's confirmation request" confirm

# motion_start NAME ON_START: motion with that alarm script.
motion_start() {
	# motion appends to its log: a fresh one, so the waits below never
	# see an earlier start's lines.
	rm -f "$T_TMP/$1-motion.log"
	cat >"$T_TMP/$1.conf" <<EOF
daemon off
setup_mode off
log_file $T_TMP/$1-motion.log
log_level 6
target_dir $ROOM/out
netcam_url http://127.0.0.1:8081/feed.mjpg
width 320
height 240
framerate 20
threshold 1500
minimum_motion_frames 2
event_gap 2
pre_capture 0
post_capture 0
picture_output off
movie_output off
webcontrol_port 0
stream_port 0
on_event_start $2
on_event_end /bin/sh -c 'printf "led off\\\\n" | socat -T2 - TCP:127.0.0.1:7000'
EOF
	ip netns exec "$DNS" motion -n -c "$T_TMP/$1.conf" \
	    >>"$T_TMP/$1-motion.out" 2>&1 &
	MOTION=$!
	SB_PIDS="$SB_PIDS $MOTION"
	# connected (its ffmpeg probes the stream for ~10 s first)
	i=0
	while ! grep -q "netcam_rtsp_connect: norm: Camera .* connected" \
	    "$T_TMP/$1-motion.log" 2>/dev/null; do
		[ $i -lt 300 ] || return 1
		sleep 0.1; i=$((i + 1))
	done
	# motion's first frames against an empty reference often make an
	# event: let it end (the LED goes off) before the run.
	sleep 4
	i=0
	while grep -q "starting event 1" "$T_TMP/$1-motion.log" &&
	    ! grep -q "End of event 1" "$T_TMP/$1-motion.log"; do
		[ $i -lt 300 ] || return 1
		sleep 0.1; i=$((i + 1))
	done
	return 0
}
motion_stop() {	# motion may take its time over SIGTERM: 5 s, then -9
	t_kill "$MOTION" 2>/dev/null
	i=0
	while kill -0 "$MOTION" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -9 "$MOTION" 2>/dev/null
	wait "$MOTION" 2>/dev/null
}

cat >"$T_TMP/motion.json" <<JSON
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "Motion project (Debian package motion)",
                "model": "motion 4.5 pipeline with siren and LED scripts",
                "serial": "MOTION-$N", "firmware": "$(motion -h 2>&1 | awk '/Version/ {print $3; exit}')",
                "class": "ai-camera" },
  "bench": { "mode": "namespaces", "instance": $N, "address": "198.18.$N.2",
             "cloud": ["198.19.$N.2"] },
  "surfaces": [ { "id": "stimulus", "proto": "other", "port": 7000,
                  "purpose": "the lab's scene (what the camera sees)" } ],
  "claims": {},
  "alarm": {
    "stimulus": { "driver": "socket", "surface": "stimulus", "timeout_ms": 5000 },
    "audio": { "source": "file:room/mic.wav", "align": "sync-tone",
               "calibration": { "tone_hz": 1000, "db": 94.0, "duration_ms": 1000,
                                "stimulus": "calibrate" } },
    "light": { "source": "file:room/led.log", "clock": "unix-ms", "kind": "steady",
               "format": "any" },
    "disarm": { "driver": "none", "auto_reset_s": 20 }
  }
}
JSON
# Time-savers only (recorded as deviations).
nc() {
	d=$1
	"$HOPQUY" run -q -p "$HQ_TOP/profiles/qcvn132-2026.json" \
	    -d "$T_TMP/motion.json" --only "$C" -o "$T_TMP/$d" \
	    --set "$C:settle_s=2" --set "$C:negative_control_s=4" \
	    --set "$C:trials=2" >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
field() { $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
c=[x for x in r["results"] if x["id"] == sys.argv[3]][0]
print(eval(sys.argv[2]))' "$T_TMP/$1/report.json" "$2" "$C" 2>>"$T_TMP/field.err"; }
why() { field "$1" 'c["verdict"] + ": " + c["rationale"] + " | " + " | ".join(c.get("findings", []))'; }

# ---- the alarm wired locally ----
LOCAL="/bin/sh -c 'printf \"siren 3000\\\\nled on\\\\n\" | socat -T2 - TCP:127.0.0.1:7000'"
check "motion connected to ffmpeg's stream" motion_start local "$LOCAL"
nc local
v=$(field local 'c["verdict"]')
check "motion, alarm wired locally: PASS offline ($v)" [ "$v" = PASS ]
[ "$v" = PASS ] || echo "    $(why local)"
check "local: motion's own log has the events hopquy saw" \
    grep -q "Motion detected - starting event" "$T_TMP/local-motion.log"
lat=$(field local '",".join("%.0f" % m["value"] for m in c["measurements"] if m["name"].endswith("audible_latency"))')
echo "    motion pipeline: audible latencies (ms): $lat"
check "local: audible and visual latencies measured per trial" [ "$(field local \
    'sum(1 for m in c["measurements"] if m["name"].endswith("_latency"))')" = 4 ]
check "local: the rationale says what was not checked (no event log, no cloud recipe)" \
    [ "$(field local '"not checked: local event log" in c["rationale"]')" = True ]
motion_stop

# ---- the alarm wired through the cloud ----
CLOUD="/bin/sh -c 'curl -sf -m 2 http://198.19.$N.2:8080/confirm >/dev/null && printf \"siren 3000\\\\nled on\\\\n\" | socat -T2 - TCP:127.0.0.1:7000'"
check "motion restarted with the cloud-wired script" motion_start cloud "$CLOUD"
nc cloud
v=$(field cloud 'c["verdict"]')
check "motion, alarm through the cloud: FAIL ($v)" [ "$v" = FAIL ]
r=$(field cloud 'any("no alarm offline" in f and "raised an alarm with the uplink up" in f for f in c["findings"])')
check "cloud: for the right reason (no alarm offline; it alarmed online)" [ "$r" = True ]
[ "$r" = True ] || echo "    $(why cloud)"
check "cloud: no false alarm, no phantom alarm after the restore" [ "$(field cloud \
    'not any("false alarm" in f or "only with the cloud" in f for f in c["findings"])')" = True ]
motion_stop
t_done
