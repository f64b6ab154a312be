#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A refusal is a definite answer: tests/e2e/creds-server.py answering 503
# Service Unavailable to every third request (--busy-every 3) or to every
# login of one dictionary user (--busy-user).  Unanswered attempts are
# retried with back-off (the transcript shows each answer's category and
# the retries); a default that logs in is still found (FAIL); pairs that
# never get an answer make g1.1 INCONCLUSIVE naming them, never PASS.
# Then g1.7 on HTTP: a configuration path served to anyone FAILs naming its
# URL; protected paths that refuse PASS; a path marked public is not asked;
# ONVIF GetProfiles/GetStreamUri without WS-Security: a NotAuthorized fault
# PASSes, a served stream address FAILs.
# Bench instance 120 (198.18.120.0/24), namespaces hq-lg-bz-*.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lg-lib.sh"
need_root
command -v socat >/dev/null || { echo "skipped: socat missing"; exit 77; }
[ -x "$PY" ] || { echo "skipped: $PY missing"; exit 77; }

LAB=hq-lg-bz-lab-$$
DUT=hq-lg-bz-dut-$$
ADDR=198.18.120.2
PORT=8080
PROFILE="$HQ_TOP/tests/e2e/profiles/creds-fast.json"
SERVER="$HQ_TOP/tests/e2e/creds-server.py"
OPW='Op3rator!x9Q'
C=creds-fast/g1.1-no-default-credentials

netns_add "$LAB" && netns_add "$DUT" &&
    veth_link "$LAB" veth-lab 198.18.120.1/30 "$DUT" veth-dut "$ADDR/30" ||
    { echo "cannot set up namespaces"; exit 1; }

cat >"$T_TMP/dut.json" <<EOF2
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "creds-server",
                "serial": "BZ-0001", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 120), "lan_if": "veth-lab", "uplink_if": "lo",
             "address": "$ADDR" },
  "surfaces": [
    { "id": "web", "proto": "http", "port": $PORT,
      "login": { "kind": "http-basic", "path": "/basic" } }
  ],
  "credentials": { "operator": { "user": "operator", "password": "$OPW" } },
  "claims": {}
}
EOF2

SRV=""
server() {
	[ -n "$SRV" ] && { t_kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
	ip netns exec "$DUT" "$PY" "$SERVER" --addr "$ADDR" --port $PORT \
	    --password "$OPW" --no-lockout "$@" >>"$T_TMP/server.log" 2>&1 &
	SRV=$!
	T_PIDS="$T_PIDS $SRV"
	wait_port "$LAB" "$ADDR" $PORT 10
}

N=0
run() {
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$T_TMP/dut.json" -o "$RUN" --only $C --set "$C:backoff_ms=200" \
	    "$@" >"$RUN.out" 2>&1
	RC=$?
}
# expect VERDICT TEXT: g1.1's verdict, TEXT in its result.
expect() {
	"$PY" - "$RUN/report.json" "$1" "$2" <<'EOF2' || { tail -n 5 "$RUN.out"; false; }
import json, sys
rep, want, text = sys.argv[1:4]
r = json.load(open(rep))
e = [e for e in r["results"] if e["id"].startswith("creds-fast/g1.1")][0]
ok = e["verdict"] == want and text in json.dumps(e)
if not ok:
    print("  %s: %s" % (e["verdict"], e.get("rationale")))
sys.exit(0 if ok else 1)
EOF2
}
# transcript PATTERN: the case's transcript has a line matching PATTERN.
transcript() {
	grep -q -e "$1" "$RUN"/creds/*g1.1*.txt
}

server --busy-every 3 --extra admin:admin
run
check "503 every third, admin/admin accepted: FAIL (found despite 503s)" \
    expect FAIL 'known default credential accepted: user \"admin\"'
check "503 every third: transcript shows the 503 as no verdict" \
    transcript 'error \[no verdict: server error\] (status 503)'
check "503 every third: transcript shows retries" transcript 'dictionary (retry 1)'

server --busy-every 3
run --set "$C:undecided_retries=10"
check "503 every third, no default: every pair answered after retries: PASS" \
    expect PASS 'refused'
check "503 every third, no default: retries in the transcript" \
    transcript 'without a verdict; retry 1 of 10'

server --busy-every 3	# a fresh count: the controls are requests 1 and 2
run --set "$C:undecided_retries=0"
check "503 every third, no retries allowed: INCONCLUSIVE, not PASS" \
    expect INCONCLUSIVE 'stayed undecided after 0 retries'

server --busy-user root
run --set "$C:undecided_retries=2"
check "503 to every root login: INCONCLUSIVE naming the undecided pairs" \
    expect INCONCLUSIVE 'stayed undecided after 2 retries with back-off (no definite answer): \"root\"'
check "503 to every root login: exit 2" test "$RC" -eq 2

# Unauthenticated access on HTTP (g1.7): the login path and the declared
# protected paths are asked without credentials.
U=qcvn135-2024/g1.7-no-unauthenticated-access
udut() {
	"$PY" - "$T_TMP/dut.json" "$T_TMP/udut.json" "$1" "$2" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
d["surfaces"][0]["protected_paths"] = json.loads(sys.argv[3])
d["surfaces"][0]["public_paths"] = json.loads(sys.argv[4])
json.dump(d, open(sys.argv[2], "w"))
EOF2
}
urun() {
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture \
	    -p "$HQ_TOP/profiles/qcvn135-2024.json" -d "$T_TMP/udut.json" \
	    -o "$RUN" --only $U >"$RUN.out" 2>&1
	RC=$?
	V=$(case_verdict "$RUN" qcvn135-2024/g1.7)
}
server --open-path /config
udut '["/config", "/api/whoami"]' '[]'
urun
check "HTTP config served to anyone: g1.7 FAIL naming the URL ($V)" \
    like "$V" "FAIL 1 surface served without authentication: http://$ADDR:$PORT/config (GET 200"
udut '["/api/whoami"]' '[]'
urun
check "HTTP, only protected paths that refuse: g1.7 PASS ($V)" \
    like "$V" "PASS refused without credentials: http://$ADDR:$PORT/basic (GET 401.*http://$ADDR:$PORT/api/whoami (GET 401"
udut '["/config", "/api/whoami"]' '["/config"]'
urun
check "the same path marked public: not asked, PASS ($V)" like "$V" PASS
check "a public path is never asked" not grep -q '/config' "$RUN"/unauth/*.txt

# ONVIF: GetProfiles and GetStreamUri without WS-Security.
"$PY" - "$T_TMP/dut.json" "$T_TMP/udut.json" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
d["surfaces"] = [{"id": "onvif", "proto": "onvif", "port": 8080}]
json.dump(d, open(sys.argv[2], "w"))
EOF2
server
urun
check "ONVIF refusing without WS-Security: g1.7 PASS ($V)" \
    like "$V" "PASS refused without credentials: http://$ADDR:$PORT/onvif/device_service (GetProfiles 400, NotAuthorized fault)"
server --onvif-open
urun
check "ONVIF serving without WS-Security: g1.7 FAIL naming the stream ($V)" \
    like "$V" "FAIL 1 surface served without authentication: http://$ADDR:$PORT/onvif/device_service (GetProfiles 200 (profile Profile_1), GetStreamUri 200: rtsp://$ADDR:554/live)"

t_done
