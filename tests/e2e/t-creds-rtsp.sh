#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# gst-rtsp-server 1.22 (Python GI, tests/e2e/rtsp-server.py) as a camera
# with RTSP Basic authentication, against the real QCVN 135 profile's
# g1.1 at its parallelism (8): with admin/admin among the accounts g1.1
# FAILs in every one of HQ_RTSP_RUNS runs (default 20; under parallel
# DESCRIBEs the server answers some with 503, which must never count as a
# refusal); with only a strong operator password it PASSes.  The profile's
# per-user pacing is set to 0 (--set user_budget=0): this server has no
# lockout, and 20 paced runs would take hours.
# Bench instance 121 (198.18.121.0/24), namespaces hq-lg-rt-*.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lg-lib.sh"
need_root
command -v socat >/dev/null || { echo "skipped: socat missing"; exit 77; }
"$PY" -c 'import gi; gi.require_version("GstRtspServer", "1.0")' \
    2>/dev/null || { echo "skipped: gir1.2-gst-rtsp-server-1.0 missing"; exit 77; }

LAB=hq-lg-rt-lab-$$
DUT=hq-lg-rt-dut-$$
ADDR=198.18.121.2
PORT=8554
PROFILE="$HQ_TOP/profiles/qcvn135-2024.json"
SERVER="$HQ_TOP/tests/e2e/rtsp-server.py"
OPW='Cam3ra!op#7Qz'
C=qcvn135-2024/g1.1-no-default-credentials
RUNS=${HQ_RTSP_RUNS:-20}

netns_add "$LAB" && netns_add "$DUT" &&
    veth_link "$LAB" veth-lab 198.18.121.1/30 "$DUT" veth-dut "$ADDR/30" ||
    { echo "cannot set up namespaces"; exit 1; }

cat >"$T_TMP/dut.json" <<EOF2
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "gst-rtsp-server",
                "serial": "RT-0001", "firmware": "1.22", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 121), "lan_if": "veth-lab", "uplink_if": "lo",
             "address": "$ADDR" },
  "surfaces": [
    { "id": "rtsp", "proto": "rtsp", "port": $PORT, "purpose": "video stream",
      "login": { "kind": "rtsp-basic", "path": "/live" } }
  ],
  "credentials": { "operator": { "user": "operator", "password": "$OPW" } },
  "claims": {}
}
EOF2

SRV=""
server() {
	[ -n "$SRV" ] && { t_kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
	ip netns exec "$DUT" "$PY" "$SERVER" --addr "$ADDR" --port $PORT \
	    "$@" >>"$T_TMP/server.log" 2>&1 &
	SRV=$!
	T_PIDS="$T_PIDS $SRV"
	wait_port "$LAB" "$ADDR" $PORT 10
}

N=0
run() {
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$T_TMP/dut.json" -o "$RUN" --only "$C" \
	    --set "$C:user_budget=0" "$@" >"$RUN.out" 2>&1
	RC=$?
}
# verdict: g1.1's verdict and rationale, one line.
verdict() {
	"$PY" - "$RUN/report.json" <<'EOF2'
import json, sys
r = json.load(open(sys.argv[1]))
e = [e for e in r["results"] if e["id"].startswith("qcvn135-2024/g1.1")][0]
print(e["verdict"], e.get("rationale", ""))
EOF2
}

server --basic "operator:$OPW" --basic admin:admin
nfail=0; n503=0; i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	run
	v=$(verdict 2>&1)
	case "$v" in
	FAIL*) nfail=$((nfail + 1)) ;;
	*) echo "  run $i: $v" ;;
	esac
	grep -q 'status 503' "$RUN"/creds/*.txt 2>/dev/null && n503=$((n503 + 1))
done
echo "  admin/admin: $nfail of $RUNS runs FAIL; runs with a 503 answer: $n503"
check "gst-rtsp-server admin/admin: g1.1 FAIL in $RUNS of $RUNS runs" \
    test "$nfail" -eq "$RUNS"
check "gst-rtsp-server admin/admin: the hit is named" \
    grep -q 'rtsp (RTSP basic): known default credential accepted: user \\"admin\\"' \
    "$RUN/report.json"

server --basic "operator:$OPW"
run
v=$(verdict)
check "gst-rtsp-server, strong operator only: g1.1 PASS ($v)" \
    like "$v" 'PASS all .* known-default pairs refused'

# Unauthenticated access (g1.7, g7.3): with auth refused, without served.
U=qcvn135-2024/g1.7-no-unauthenticated-access,qcvn135-2024/g7.3-no-unauthenticated-data
run_unauth() {
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$T_TMP/dut.json" -o "$RUN" --only "$U" >"$RUN.out" 2>&1
	RC=$?
}
run_unauth
V=$(case_verdict "$RUN" qcvn135-2024/g1.7)
check "gst-rtsp-server with auth: g1.7 PASS ($V)" \
    like "$V" "PASS refused without credentials: rtsp://$ADDR:$PORT/live (DESCRIBE 401)"
V=$(case_verdict "$RUN" qcvn135-2024/g7.3)
check "gst-rtsp-server with auth: g7.3 PASS" like "$V" PASS

# g7.1 knows 8554 as RTSP (probed first on an RTSP port) and finds Basic
# credentials asked without TLS.
N=$((N + 1))
RUN="$T_TMP/run$N"
ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
    -d "$T_TMP/dut.json" -o "$RUN" --only qcvn135-2024/g7.1-cleartext-surfaces \
    >"$RUN.out" 2>&1
check "gst-rtsp-server: g7.1 identifies 8554 by the RTSP probe" \
    grep -qF "port $PORT: rtsp (rtsp probe), declared as rtsp" "$RUN/report.json"
check "gst-rtsp-server: g7.1 names RTSP credentials without TLS on 8554" \
    grep -qF "port $PORT: RTSP takes credentials without TLS" "$RUN/report.json"

server
run_unauth
V=$(case_verdict "$RUN" qcvn135-2024/g1.7)
check "gst-rtsp-server without auth: g1.7 FAIL naming the URL ($V)" \
    like "$V" "FAIL 1 surface served without authentication: rtsp://$ADDR:$PORT/live (DESCRIBE 200 with SDP, SETUP 200, PLAY 200)"
V=$(case_verdict "$RUN" qcvn135-2024/g7.3)
check "gst-rtsp-server without auth: g7.3 FAIL" like "$V" FAIL
check "without auth: exit 1" test "$RC" -eq 1

t_done
