#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# RTSP over TLS (rtsps), which libcurl cannot speak: hopquy's own client
# (Basic, and Digest answered per RFC 7616) against gst-rtsp-server 1.22
# serving TLS only (tests/e2e/rtsp-server.py --tls), with the real QCVN 135
# profile's g1.1: admin/admin among the accounts FAILs, naming the hit
# over TLS, with Basic and with Digest; only a strong operator password
# PASSes; a wrong Digest answer would be refused by the server, so the
# PASS with Digest proves the answers are right (the operator's login is
# the control).  g1.7 asks over TLS too (PASS refused, FAIL served); g7.1
# sees no cleartext RTSP login.
# Host mode on bench instance 125 (B, through bn), namespaces hq-lg-rs-*.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lg-lib.sh"
need_root
"$PY" -c 'import gi; gi.require_version("GstRtspServer", "1.0")' \
    2>/dev/null || { echo "skipped: gir1.2-gst-rtsp-server-1.0 missing"; exit 77; }

LAB=hq-lg-rs-lab-$$
DUT=hq-lg-rs-dut-$$
B=$(bn 125)
ADDR=198.18.$B.2
PORT=8322
PROFILE="$HQ_TOP/profiles/qcvn135-2024.json"
SERVER="$HQ_TOP/tests/e2e/rtsp-server.py"
PKI="$HQ_BUILD/fixtures/pki"
OPW='Cam3ra!op#7Qz'
C=qcvn135-2024/g1.1-no-default-credentials

netns_add "$LAB" && netns_add "$DUT" &&
    veth_link "$LAB" veth-lab 198.18.$B.1/30 "$DUT" veth-dut "$ADDR/30" ||
    { echo "cannot set up namespaces"; exit 1; }
cat "$PKI/dut.crt" "$PKI/dut.key" >"$T_TMP/dut.pem"

dutfile() {	# dutfile KIND
	cat >"$T_TMP/dut-$1.json" <<EOF2
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "gst-rtsp-server (rtsps)",
                "serial": "RS-0001", "firmware": "1.22", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $B, "lan_if": "veth-lab", "uplink_if": "lo",
             "address": "$ADDR" },
  "surfaces": [
    { "id": "rtsps", "proto": "rtsp", "port": $PORT, "tls": true,
      "purpose": "video stream", "login": { "kind": "$1", "path": "/live" } }
  ],
  "credentials": { "operator": { "user": "operator", "password": "$OPW" } },
  "claims": {}
}
EOF2
}
dutfile rtsp-basic
dutfile rtsp-digest

SRV=""
server() {
	[ -n "$SRV" ] && { t_kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
	ip netns exec "$DUT" "$PY" "$SERVER" --addr "$ADDR" --port $PORT \
	    --tls "$T_TMP/dut.pem" "$@" >>"$T_TMP/server.log" 2>&1 &
	SRV=$!
	T_PIDS="$T_PIDS $SRV"
	wait_port "$LAB" "$ADDR" $PORT 10
}
N=0
run() {		# run KIND [CASES]
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$T_TMP/dut-$1.json" -o "$RUN" --only "${2:-$C}" \
	    --set "$C:user_budget=0" >"$RUN.out" 2>&1
	RC=$?
}

server --basic "operator:$OPW" --basic admin:admin
run rtsp-basic
V=$(case_verdict "$RUN" $C)
check "rtsps Basic, admin/admin: g1.1 FAIL ($V)" like "$V" FAIL
check "rtsps Basic: the hit is named, over TLS" \
    grep -q 'rtsps (RTSP basic): known default credential accepted: user \\"admin\\"' \
    "$RUN/report.json"
check "rtsps Basic: the answers came over TLS" \
    grep -q 'status 200 over TLSv1' "$RUN"/creds/*.txt

server --basic "operator:$OPW"
run rtsp-basic
V=$(case_verdict "$RUN" $C)
check "rtsps Basic, strong operator only: g1.1 PASS ($V)" \
    like "$V" 'PASS all .* known-default pairs refused'

server --digest "operator:$OPW" --digest admin:admin
run rtsp-digest
V=$(case_verdict "$RUN" $C)
check "rtsps Digest, admin/admin: g1.1 FAIL ($V)" like "$V" FAIL
check "rtsps Digest: the hit is named" \
    grep -q 'rtsps (RTSP digest): known default credential accepted: user \\"admin\\"' \
    "$RUN/report.json"

server --digest "operator:$OPW"
run rtsp-digest
V=$(case_verdict "$RUN" $C)
check "rtsps Digest, strong operator only: g1.1 PASS ($V)" \
    like "$V" 'PASS all .* known-default pairs refused'
check "rtsps Digest: refusals are 401 answers to a Digest response" \
    grep -q 'status 401 over TLSv1' "$RUN"/creds/*.txt

# Digest declared, the server offers Basic only: the password is never
# tried, so nothing is refused: no PASS.
server --basic "operator:$OPW"
run rtsp-digest
V=$(case_verdict "$RUN" $C)
check "Digest declared, Basic offered: not a PASS ($V)" \
    sh -c "! expr '$V' : PASS >/dev/null"
check "... the attempts say the password was not tried" \
    grep -q 'without a Digest challenge' "$RUN"/creds/*.txt

# Unauthenticated access over TLS (g1.7): refused with auth, served without.
U=qcvn135-2024/g1.7-no-unauthenticated-access
server --basic "operator:$OPW"
run rtsp-basic $U
V=$(case_verdict "$RUN" $U)
check "rtsps with auth: g1.7 PASS, asked over TLS ($V)" \
    like "$V" "PASS refused without credentials: rtsps://$ADDR:$PORT/live (DESCRIBE 401)"
server
run rtsp-basic $U
V=$(case_verdict "$RUN" $U)
check "rtsps without auth: g1.7 FAIL naming the URL ($V)" \
    like "$V" "FAIL 1 surface served without authentication: rtsps://$ADDR:$PORT/live (DESCRIBE 200 with SDP, SETUP 200, PLAY 200)"

server --basic "operator:$OPW"
run rtsp-basic qcvn135-2024/g7.1-cleartext-surfaces
V=$(case_verdict "$RUN" qcvn135-2024/g7.1)
check "rtsps only: g7.1 PASS, no cleartext login ($V)" like "$V" PASS

t_done
