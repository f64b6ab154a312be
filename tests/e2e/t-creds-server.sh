#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The creds family against tests/e2e/creds-server.py in a namespace, with
# the creds-fast profile: every case PASSes on the good server, and each
# fault (universal default, weak factory passwords, no lockout, short
# lockout, user enumeration by message and by timing, no session timeout)
# FAILs the right case for the right reason; a wrong operator credential
# makes the dictionary case INCONCLUSIVE (a failed control, not a PASS).
. "$(dirname "$0")/lib.sh"
need_root
for t in socat; do
	command -v $t >/dev/null || { echo "skipped: $t missing"; exit 77; }
done
[ -x "$PY" ] || { echo "skipped: $PY missing"; exit 77; }

LAB=hq-cr-lab-$$
DUT=hq-cr-dut-$$
ADDR=198.18.77.2
PORT=8080
PROFILE="$HQ_TOP/tests/e2e/profiles/creds-fast.json"
SERVER="$HQ_TOP/tests/e2e/creds-server.py"
OPW='Op3rator!x9Q'

netns_add "$LAB" && netns_add "$DUT" &&
    veth_link "$LAB" veth-lab 198.18.77.1/30 "$DUT" veth-dut "$ADDR/30" ||
    { echo "cannot set up namespaces"; exit 1; }

# dut_file NAME LABEL1 LABEL2 [OPERATOR_PASSWORD]
dut_file() {
	cat >"$T_TMP/$1.json" <<EOF
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "creds-server",
                "serial": "CS-0001", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 38), "lan_if": "veth-lab", "uplink_if": "lo",
             "address": "$ADDR" },
  "surfaces": [
    { "id": "web", "proto": "http", "port": $PORT,
      "login": { "kind": "http-basic", "path": "/basic" } },
    { "id": "app", "proto": "http", "port": $PORT,
      "login": { "kind": "form", "path": "/api/whoami",
                 "request": { "method": "POST", "path": "/api/login",
                              "body": { "user": "{user}", "password": "{password}" } },
                 "success": { "status": 200, "json": "/token" } } }
  ],
  "credentials": {
    "operator": { "user": "operator", "password": "${4:-$OPW}" },
    "labels": [
      { "serial": "CS-0001", "mac": "02:00:5e:10:20:31", "user": "admin", "password": "$2" },
      { "serial": "CS-0002", "mac": "02:00:5e:10:20:32", "user": "admin", "password": "$3" }
    ]
  },
  "claims": {}
}
EOF
}
dut_file good 'k7#Vq2@Lm9zX' 'T4!pW8rs&Ye3'
dut_file weak 'Admin0001' 'Admin0002'
dut_file badop 'k7#Vq2@Lm9zX' 'T4!pW8rs&Ye3' 'not-the-password'

SRV=""
# server ARGS...: (re)starts the test server in the DUT namespace.
server() {
	[ -n "$SRV" ] && { t_kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
	ip netns exec "$DUT" "$PY" "$SERVER" --addr "$ADDR" --port $PORT \
	    --password "$OPW" "$@" >>"$T_TMP/server.log" 2>&1 &
	SRV=$!
	T_PIDS="$T_PIDS $SRV"
	wait_port "$LAB" "$ADDR" $PORT 10
}

N=0
# run DUTFILE [--only IDS]: runs hopquy; the run dir is $RUN.
run() {
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	d="$T_TMP/$1.json"; shift
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$d" -o "$RUN" "$@" >"$RUN.out" 2>&1
	RC=$?
}

# expect CASE VERDICT [TEXT]: the case's verdict, and TEXT in its result.
expect() {
	expect_py "$@" || { tail -n 5 "$RUN.out" | sed 's/^/  | /'; return 1; }
}
expect_py() {
	"$PY" - "$RUN/report.json" "creds-fast/$1" "$2" "${3:-}" <<'EOF'
import json, sys
rep, cid, want, text = sys.argv[1:5]
try:
    r = json.load(open(rep))
except Exception as e:
    print("  no report:", e); sys.exit(1)
for e in r["results"]:
    if e["id"].startswith(cid):
        blob = json.dumps(e)
        ok = e["verdict"] == want and text in blob
        if not ok:
            print("  %s: %s: %s" % (e["id"], e["verdict"], e.get("rationale")))
            for f in e.get("findings", []):
                print("    finding:", f)
        sys.exit(0 if ok else 1)
print("  no result for", cid); sys.exit(1)
EOF
}

# no_secret: no operator or label password in the run directory.
no_secret() {
	[ -f "$RUN/report.json" ] && ! grep -rqF -e "$OPW" -e 'k7#Vq2@Lm9zX' -e 'T4!pW8rs&Ye3' "$RUN"
}

server
t0=$(date +%s)
run good
check "good server: dictionary PASS" expect g1.1 PASS
check "good server: factory passwords PASS" expect g1.2 PASS
check "good server: lockout engages PASS" expect g1.3 PASS
check "good server: lockout duration PASS" expect g1.4 PASS "lock_duration"
check "good server: no user enumeration PASS" expect g1.5 PASS "Mann-Whitney"
check "good server: session timeout PASS" expect g1.6 PASS
check "good server: exit 0" test "$RC" -eq 0
check "good server: no password or token in the run directory" no_secret
check "good server: whole suite under a minute" test $(( $(date +%s) - t0 )) -lt 60

run badop --only creds-fast/g1.1
check "wrong operator credential: dictionary INCONCLUSIVE (control)" \
    expect g1.1 INCONCLUSIVE "control failed"

run weak --only creds-fast/g1.2
check "weak factory passwords: FAIL (policy)" expect g1.2 FAIL "missing: special"
check "weak factory passwords: FAIL (serial suffix)" expect g1.2 FAIL "derived from the serial number"
check "weak factory passwords: FAIL (shared stem)" expect g1.2 FAIL "longer than the profile allows"
check "weak factory passwords: no password in report" no_secret

server --extra admin:admin
run good --only creds-fast/g1.1
check "universal default admin/admin: FAIL naming surface web" \
    expect g1.1 FAIL 'web (HTTP basic): known default credential accepted: user \"admin\", password ***'
check "universal default: exit 1" test "$RC" -eq 1

# The right pair last among six for its user, the account locking after 5
# failures in 5 s: only the per-user budget (4 per 5.5 s) finds it on both
# surfaces, which share the lock.
printf '@source e2e\n' >"$T_TMP/small.txt"
for p in 1111 pass 12345 1234 admin1234; do
	printf 'admin\t%s\nroot\t%s\n' $p $p >>"$T_TMP/small.txt"
done
printf 'admin\tadmin\n' >>"$T_TMP/small.txt"
server --extra admin:admin
run good --only creds-fast/g1.1 \
    --set "creds-fast/g1.1-no-default-credentials:dictionary=\"$T_TMP/small.txt\"" \
    --set creds-fast/g1.1-no-default-credentials:user_budget=4
check "universal default behind a lockout, paced: FAIL on web" \
    expect g1.1 FAIL 'web (HTTP basic): known default credential accepted'
check "universal default behind a lockout, paced: FAIL on app" \
    expect g1.1 FAIL 'app (form login): known default credential accepted'

server --no-lockout
run good --only creds-fast/g1.3,creds-fast/g1.4
check "no lockout: engage FAIL" expect g1.3 FAIL "still accepted after 5 wrong attempts"
check "no lockout: duration FAIL" expect g1.4 FAIL

server --lock-time 1
run good --only creds-fast/g1.3,creds-fast/g1.4
check "short lockout (1 s): engage PASS" expect g1.3 PASS
check "short lockout (1 s): duration FAIL" expect g1.4 FAIL "lock released after at most"

server --enum-message
run good --only creds-fast/g1.5
check "user enumeration by message: FAIL" expect g1.5 FAIL "body differs"

server --enum-timing 40
run good --only creds-fast/g1.5
check "user enumeration by timing (40 ms): FAIL" expect g1.5 FAIL "response time differs"

server --no-session-timeout
run good --only creds-fast/g1.6
check "no session timeout: FAIL" expect g1.6 FAIL "still accepted after"

t_done
