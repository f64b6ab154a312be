#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Privilege separation (hopquy(1), SECURITY), the worker's side, on bench
# instances 165 and 81 (the whole-profile comparison: t-privsep.sh):
#  - a DUT file whose stimulus `command` writes a file: the file belongs
#    to the unprivileged user, not root; that run signed (--sign) is
#    signed;
#  - the same stimulus command, run by the worker, plants a symbolic link
#    in the run directory mid-run: the monitor (root) does not sign, says
#    why naming the link, report.json stays unsigned, exit 75;
#  - a file the DUT description names that the worker cannot read is
#    named, with its field, when the worker starts;
#  - a netcut run killed with SIGTERM mid-cut: network restored, run
#    INCONCLUSIVE (interrupted); the worker killed with SIGKILL mid-cut:
#    the monitor restores and says how the worker ended;
#  - without root: a host-mode run that changes nothing runs unprivileged,
#    one that cuts or redirects is 77.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=$(bn 165)
P=qcvn135-2024
WUID=$(id -u _hopquy 2>/dev/null || id -u nobody)
FAST="--opt alarm.duration_ms=1500 --opt cloud.heartbeat_ms=500
    --opt cloud.io_ms=1000 --opt cloud.connect_ms=1000
    --opt cloud.backoff_ms=200 --opt cloud.backoff_max_ms=1000"

# A lab signing key and its certificate (self-signed; signing needs no
# chain), readable by root only.
K=$T_TMP/keys
mkdir -m 0700 "$K"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$K/sign.key" -out "$K/sign.pem" -days 30 \
    -subj "/O=hopquy e2e/CN=privsep signer" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature,nonRepudiation" 2>/dev/null
chmod 0600 "$K/sign.key"
check "signing key and certificate made" [ -s "$K/sign.key" ]

# 3. A stimulus `command` that writes a file: owned by the worker's user.
simbench_down
# shellcheck disable=SC2086
simbench_up $N $FAST || nok "bench $N with the fast simulator"
mkdir -m 1777 "$T_TMP/stim"
$PY - "$SB_DUT" "$T_TMP/cmd.json" "$T_TMP/stim" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["alarm"]["stimulus"] = {"driver": "command", "argv": ["/bin/sh", "-c",
    'id -u >"$0/stimulus-$1"', sys.argv[3], "{kind}"]}
json.dump(d, open(sys.argv[2], "w"))
PYEOF
"$HOPQUY" run -q -p "$HQ_TOP/tests/e2e/profiles/netcut-ci.json" \
    -d "$T_TMP/cmd.json" -o "$T_TMP/cmd" --sign "$K/sign.key" \
    --cert "$K/sign.pem" >"$T_TMP/cmd.out" 2>&1
rc=$?
f=$(find "$T_TMP/stim" -name "stimulus-*" | head -n 1)
check "command stimulus ran and wrote a file (${f:-none})" [ -n "$f" ]
check "the file belongs to uid $WUID, not root (owner $(stat -c %u "$f" 2>/dev/null))" \
    sh -c "[ -n '$f' ] && [ \"\$(stat -c %u '$f')\" = $WUID ]"
check "the command ran as uid $WUID" \
    sh -c "[ -n '$f' ] && [ \"\$(cat '$f')\" = $WUID ]"

check "that run, signed: exit $rc (not 75), report.json.p7s written" \
    sh -c "[ $rc -ne 75 ] && [ -s '$T_TMP/cmd/report.json.p7s' ]"
"$HOPQUY" verify "$T_TMP/cmd" --ca "$K/sign.pem" >"$T_TMP/cmd.verify" 2>&1
rc=$?
check "that run: hopquy verify accepts its signature (exit $rc)" \
    sh -c "[ $rc -eq 0 ] && grep -q '^report.json: signature OK' '$T_TMP/cmd.verify'"

# 3b. The same command plants a symbolic link in the run directory while
# the worker runs: the monitor signs nothing there.
$PY - "$SB_DUT" "$T_TMP/sym.json" "$T_TMP/sym" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["alarm"]["stimulus"] = {"driver": "command", "argv": ["/bin/sh", "-c",
    'id -u >"$0/planter"; ln -sfn /etc/shadow "$0/planted"', sys.argv[3],
    "{kind}"]}
json.dump(d, open(sys.argv[2], "w"))
PYEOF
"$HOPQUY" run -q -p "$HQ_TOP/tests/e2e/profiles/netcut-ci.json" \
    -d "$T_TMP/sym.json" -o "$T_TMP/sym" --sign "$K/sign.key" \
    --cert "$K/sign.pem" >"$T_TMP/sym.out" 2>"$T_TMP/sym.err"
rc=$?
check "link: the worker planted it (uid $(cat "$T_TMP/sym/planter" 2>/dev/null), a link)" \
    sh -c "[ -L '$T_TMP/sym/planted' ] && [ \"\$(cat '$T_TMP/sym/planter')\" = $WUID ]"
check "link: exit 75, signature asked for and not made (got $rc)" [ $rc -eq 75 ]
check "link: report.json written, no signature beside it" \
    sh -c "[ -s '$T_TMP/sym/report.json' ] && [ ! -e '$T_TMP/sym/report.json.p7s' ] &&
    [ ! -e '$T_TMP/sym/outputs.json.p7s' ]"
check "link: report.json names no signer (authorisation.signature null)" \
    "$PY" -c 'import json, sys
sys.exit(json.load(open(sys.argv[1]))["authorisation"].get("signature", 0) is not None)' \
    "$T_TMP/sym/report.json"
"$HOPQUY" verify "$T_TMP/sym" --ca "$K/sign.pem" >"$T_TMP/sym.verify" 2>&1
v=$?
check "link: hopquy verify finds no signature (exit $v)" \
    sh -c "[ $v -eq 1 ] && grep -q '^report.json: FAILED: no signature' '$T_TMP/sym.verify'"
check "link: the refusal names the link (standard error)" grep -q \
    "signature asked for was not obtained: not signed: planted in the run directory is a symbolic link" \
    "$T_TMP/sym.err"
check "link: run.log records the refusal" grep -q \
    "warn .*sign: not signed: planted in the run directory is a symbolic link" \
    "$T_TMP/sym/run.log"
[ $rc -eq 75 ] || tail -n 3 "$T_TMP/sym.err"

# 3c. Files the DUT description names that the worker cannot read (root's,
# mode 0600): said at the worker's start, each naming its field; the same
# file readable is not named.
mkdir -m 0755 "$T_TMP/ro"
echo "not for the worker" >"$T_TMP/ro/sensor.log"
chmod 0600 "$T_TMP/ro/sensor.log"
$PY - "$SB_DUT" "$T_TMP/ro.json" "$T_TMP/ro/sensor.log" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["alarm"]["light"]["source"] = "file:" + sys.argv[3]
json.dump(d, open(sys.argv[2], "w"))
PYEOF
ro_run() {	# ro_run NAME: a short run of the ro.json DUT
	"$HOPQUY" run -q -p "$HQ_TOP/profiles/$P.json" -d "$T_TMP/ro.json" \
	    --only "$P/g1.7-no-unauthenticated-access" -o "$T_TMP/$1" \
	    >"$T_TMP/$1.out" 2>"$T_TMP/$1.err"
}
ro_run ro1
check "unreadable: the worker names the field and the file at its start" \
    grep -q "alarm.light.source names $T_TMP/ro/sensor.log, which the worker (user [a-z_]*) cannot read: Permission denied" \
    "$T_TMP/ro1.err"
check "unreadable: the run went on (report written)" test -s "$T_TMP/ro1/report.json"
chmod 0644 "$T_TMP/ro/sensor.log"
ro_run ro2
check "readable: nothing said about it" \
    sh -c "test -s '$T_TMP/ro2/report.json' && ! grep -q 'cannot read' '$T_TMP/ro2.err'"
check "the simulator's own DUT file: no file named unreadable" \
    sh -c "! grep -q 'which the worker .* cannot read' '$T_TMP/cmd.out' '$T_TMP/sym.err'"

# 4. SIGTERM to the monitor mid-cut; SIGKILL to the worker mid-cut.
C=lab-netcut-ci/offline-alarm
pending() { "$HOPQUY" bench status --bench "$N" 2>/dev/null |
    sed -n 's/.*journal .*: \([0-9]*\) unrestored.*/\1/p'; }
cut_run() {	# cut_run NAME: a netcut run in the background, until cut
	"$HOPQUY" run -q -p "$HQ_TOP/tests/e2e/profiles/netcut-ci.json" \
	    -d "$SB_DUT" -o "$T_TMP/$1" --set "$C:negative_control_s=30" \
	    --set "$C:online_reference=false" >"$T_TMP/$1.out" \
	    2>"$T_TMP/$1.err" &
	MON=$!
	n=0
	while [ "$(pending)" = 0 ] && [ $n -lt 200 ]; do
		sleep 0.1; n=$((n + 1)); done
}
cut_run term
check "term: the run cut the uplink (journal has entries)" [ "$(pending)" != 0 ]
sleep 1
kill -TERM "$MON"
wait "$MON"
rc=$?
check "term: exits 2 (INCONCLUSIVE), got $rc" [ $rc -eq 2 ]
check "term: journal empty" [ "$(pending)" = 0 ]
check "term: the case is INCONCLUSIVE: interrupted" grep -q \
    '"INCONCLUSIVE".*interrupted\|interrupted.*"INCONCLUSIVE"' \
    "$T_TMP/term/results.jsonl"
cut_run crash
check "crash: the run cut the uplink" [ "$(pending)" != 0 ]
W=$(pgrep -P "$MON" -x hopquy | head -n 1)
[ -n "$W" ] && kill -KILL "$W"
wait "$MON"
rc=$?
check "crash: a worker killed mid-cut fails the run (exit $rc)" [ $rc -ne 0 ]
check "crash: journal empty (the monitor restored)" [ "$(pending)" = 0 ]
check "crash: the monitor says the worker was killed and the network restored" \
    grep -q "worker process was killed by signal 9.*network was restored" \
    "$T_TMP/crash.err"
beats() { cloudq /status | $PY -c 'import json,sys
print(json.load(sys.stdin)["heartbeats"])'; }
i=0
b0=$(cloudq /status | $PY -c 'import json,sys; print(json.load(sys.stdin)["heartbeats"])')
while [ $i -lt 50 ]; do
	b1=$(cloudq /status | $PY -c 'import json,sys; print(json.load(sys.stdin)["heartbeats"])')
	[ "$b1" -gt "$b0" ] && break
	sleep 0.2; i=$((i + 1))
done
check "crash: the DUT reaches its cloud again" [ "${b1:-0}" -gt "${b0:-0}" ]

# 5. Without root: a host-mode run of a case that changes nothing on the
# bench runs unprivileged and says so; one that cuts or redirects is 77.
WGID=$(id -g _hopquy 2>/dev/null || id -g nobody)
$PY - "$SB_DUT" "$T_TMP/host.json" "$(bn 81)" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["bench"] = {"mode": "host", "instance": int(sys.argv[3]), "lan_if": "lan0",
              "uplink_if": "up0", "address": d["bench"]["address"]}
json.dump(d, open(sys.argv[2], "w"))
PYEOF
mkdir -m 0700 "$T_TMP/unpriv"
chown "$WUID:$WGID" "$T_TMP/unpriv"
up() { ip netns exec "$SB_LAB" setpriv --reuid="$WUID" --regid="$WGID" \
    --clear-groups --inh-caps=-all --bounding-set=-all "$HOPQUY" "$@"; }
up run -q -p "$HQ_TOP/profiles/$P.json" -d "$T_TMP/host.json" \
    --only "$P/g1.7-no-unauthenticated-access" -o "$T_TMP/unpriv/run" \
    >"$T_TMP/u.out" 2>"$T_TMP/u.err"
rc=$?
check "unprivileged host run: ends (exit 2: INCOMPLETE, one case), got $rc" [ $rc -eq 2 ]
check "unprivileged host run: says so" grep -q \
    "not root: an unprivileged run as uid $WUID, without the bench and without a capture" \
    "$T_TMP/u.err"
check "unprivileged host run: the case PASSes" grep -q \
    '"id":"qcvn135-2024/g1.7-no-unauthenticated-access".*"verdict":"PASS"' \
    "$T_TMP/unpriv/run/results.jsonl"
up run -q -p "$HQ_TOP/profiles/$P.json" -d "$T_TMP/host.json" \
    --only "$P/g5.5-cloud-certificate-validation" -o "$T_TMP/unpriv/run2" \
    >"$T_TMP/u2.out" 2>"$T_TMP/u2.err"
rc=$?
check "unprivileged run of an interception case: 77 (got $rc), naming it" \
    sh -c "[ $rc -eq 77 ] && grep -q 'g5.5-cloud-certificate-validation (tls) changes the DUT' '$T_TMP/u2.err'"
printf 't-privsep-worker: '
t_done
