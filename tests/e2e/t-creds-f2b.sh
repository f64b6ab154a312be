#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A lock enforced by the network: OpenSSH whose log fail2ban watches (5
# failures within 60 s ban the source address for 120 s through nftables,
# "reject": connections refused while banned), all inside the DUT's
# namespace (its own nftables ruleset; fail2ban with a private
# configuration).  The QCVN 135 profile's g1.3 PASSes with the engage
# delay measured (within engage_max_s, 2 s) and g1.4 FAILs with the lock's
# duration measured between 110 and 130 s (the profile asks 300 s).
# probe_interval_s is set to 5 (a deviation from the profile's 30) so that
# the duration is bounded to a few seconds.  Takes about 3 minutes.
# g1.1's dictionary under a ban: t-creds-f2b-dict.sh, beside it.
# Bench instance 127 (198.18.127.0/24), namespaces hq-lg-fb-*
# (creds-f2b-lib.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lg-lib.sh"
need_root
FBN=$(bn 127)
. "$(dirname "$0")/creds-f2b-lib.sh"

RUN="$T_TMP/run"
t0=$(date +%s)
ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
    -d "$T_TMP/dut.json" -o "$RUN" \
    --only $P/g1.3-lockout-engages,$P/g1.4-lockout-duration \
    --set "$P/g1.4-lockout-duration:probe_interval_s=5" >"$RUN.out" 2>&1
RC=$?
echo "  run took $(( $(date +%s) - t0 )) s"
check "the ban happened (fail2ban's log)" grep -q "Ban 198.18.$FBN.1" \
    "$T_TMP/f2b/fail2ban.log"

V=$(case_verdict "$RUN" $P/g1.3)
check "fail2ban: g1.3 PASS ($V)" like "$V" PASS
measure() {
	"$PY" - "$RUN/report.json" "$1" "$2" <<'EOF2'
import json, sys
r = json.load(open(sys.argv[1]))
e = [e for e in r["results"] if e["id"].startswith(sys.argv[2])][0]
m = [m for m in e.get("measurements", []) if m.get("name") == sys.argv[3]]
print(m[0]["value"] if m else -1)
EOF2
}
D=$(measure $P/g1.3 lock_engage_delay)
echo "  engage delay $D s"
check "g1.3: engage delay measured, within 2 s ($D s)" \
    "$PY" -c "import sys; sys.exit(0 if 0 <= float('$D') <= 2 else 1)"
check "g1.3: locked by the network, said so" \
    grep -q 'ssh: locked by the network' "$RUN/report.json"
V=$(case_verdict "$RUN" $P/g1.4)
check "fail2ban: g1.4 FAIL ($V)" like "$V" FAIL
L=$(measure $P/g1.4 lock_duration)
echo "  lock duration $L s"
check "g1.4: lock duration measured between 110 and 130 s ($L s)" \
    "$PY" -c "import sys; sys.exit(0 if 110 <= float('$L') <= 130 else 1)"
check "exit 1" test "$RC" -eq 1

$F2B stop >/dev/null 2>&1

t_done
