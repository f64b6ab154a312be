#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The demo: a bench of network namespaces, the reference camera (dutsim)
# and its cloud (cloudsim), a QCVN 135:2024 run signed with the test lab's
# key, verified and rendered, with the report printed to PDF by Chromium
# when it is installed (report.pdf: the report id, issue date and "page N
# of M" on every page).  Leaves the machine as it found it (a bench
# instance nobody uses, everything stopped and deleted on exit).
#
# The whole profile runs: the simulator's description is completed for the
# bench by fixtures/duts/dutsim-complete.py (update, data, power and
# disclosure recipes; security.txt, the disclosure policy and the update
# information page are served over HTTPS by cloudsim) and the documentary
# cases are answered by fixtures/duts/dutsim-assess.json.
#
# The regulation's lock (5 minutes), session limit (10 minutes), the paced
# dictionary and the 5-minute outages make a full-timing run last well over
# half an hour.  By default the demo gives the simulated camera a 20 s lock
# and a 10 s idle limit and runs the creds cases with matching parameters,
# the deletion, reset, power-cycle and outage cases with shorter waits
# (--set): each is recorded in the report as a deviation.  HQ_DEMO_FULL=1
# keeps the profile's values and the camera's defaults.
set -u
cd "$(dirname "$0")/.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
HOPQUY="$HQ_BUILD/hopquy"
DUTSIM="$HQ_BUILD/fixtures/dutsim"
CLOUDSIM="$HQ_BUILD/fixtures/cloudsim"
PKI="$HQ_BUILD/fixtures/pki"
PROFILE=${HQ_DEMO_PROFILE:-qcvn135-2024}
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces)" >&2
	exit 1
fi
for b in "$HOPQUY" "$DUTSIM" "$CLOUDSIM"; do
	[ -x "$b" ] || { echo "demo: $b missing; run make" >&2; exit 1; }
done

# A free bench instance: one whose namespaces do not exist.
N=${HQ_DEMO_BENCH:-90}
while ip netns list | grep -q "^hq-lab-$N\b"; do N=$((N + 1)); done
[ "$N" -le 99 ] || { echo "demo: no free bench instance" >&2; exit 1; }
DNS=hq-dut-$N
CNS=hq-cloud-$N
WORK=$(mktemp -d /tmp/hq-demo.XXXXXX)
OUT=${HQ_DEMO_OUT:-runs/demo-$(date -u +%Y%m%d-%H%M%S)}
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	"$HOPQUY" bench down --bench "$N" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "demo: bench $N up (namespaces $DNS, hq-lab-$N, $CNS)"
"$HOPQUY" bench up --bench "$N" || exit 1
label() {
	"$DUTSIM" --print-label --serial "$1" |
	    sed -n 's/.*"password":"\([^"]*\)".*/\1/p'
}
HQ_DUTSIM_LABEL1=$(label HQ0000000001)
HQ_DUTSIM_LABEL2=$(label HQ0000000002)
export HQ_DUTSIM_LABEL1 HQ_DUTSIM_LABEL2

# The camera keeps its stream login off cleartext: RTSP over TLS on 322,
# no plain RTSP (the simulator's default serves RTSP on 554 too).
SIMOPTS="--opt rtsp_port=0 --opt rtsps_port=322" SETS=""
if [ "${HQ_DEMO_FULL:-0}" != 1 ] && [ "$PROFILE" = qcvn135-2024 ]; then
	SIMOPTS="$SIMOPTS --opt lockout_time=20 --opt session_idle=10"
	c=qcvn135-2024/g1 P=qcvn135-2024
	SETS="$c.1-no-default-credentials:chunk=4
$c.1-no-default-credentials:user_budget=0
$c.1-no-default-credentials:recover_probe_s=1
$c.3-lockout-engages:recover_probe_s=1
$c.4-lockout-duration:min_lock_s=20
$c.4-lockout-duration:max_wait_s=60
$c.4-lockout-duration:probe_interval_s=1
$c.4-lockout-duration:tolerance_s=1
$c.4-lockout-duration:recover_probe_s=1
$c.5-no-user-enumeration:pace_ms=0
$c.5-no-user-enumeration:recover_probe_s=1
$c.6-session-timeout:idle_s=10
$c.6-session-timeout:grace_s=2
$c.6-session-timeout:recover_probe_s=1
$P/g7.2-deleted-account-refused:cloud_wait_s=8
$P/g9.1-user-data-deletion:cloud_wait_s=8
$P/g9.2-factory-reset:reset_wait_s=10
$P/g8.1-power-cycle-recovery:grace_s=5
$P/g8.1-power-cycle-recovery:down_wait_s=10
$P/g8.1-power-cycle-recovery:cloud_limit_s=20
$P/g8.1-power-cycle-recovery:recover_limit_s=30
$P/g8.2-network-outage-recovery:outage_s=10
$P/g8.2-network-outage-recovery:grace_s=5
$P/g8.2-network-outage-recovery:cloud_limit_s=20"
	echo "demo: short lock (20 s) and idle limit (10 s) on the camera, creds" \
	    "cases set to match, shorter deletion, reset, power-cycle and outage" \
	    "waits (deviations in the report; HQ_DEMO_FULL=1: full timings)"
fi
echo "demo: simulated cloud at 198.19.$N.2, reference camera at 198.18.$N.2"
ip netns exec "$CNS" "$CLOUDSIM" --cert "$PKI/cloud.crt" \
    --key "$PKI/cloud.key" --addr "198.19.$N.2" \
    --query-addr "198.19.$N.2" >"$WORK/cloudsim.log" 2>&1 &
PIDS="$PIDS $!"
ip netns exec "$DNS" "$DUTSIM" --serial HQ0000000001 \
    --state "$WORK/dutsim-state.json" --opt pki_dir="$PKI" \
    --opt cloud.addr="198.19.$N.2" --opt cloud.ca="$PKI/cloud-ca.crt" \
    --opt alarm.wav="$WORK/siren.wav" \
    --opt alarm.strobe="$WORK/strobe.log" $SIMOPTS >"$WORK/dutsim.log" 2>&1 &
PIDS="$PIDS $!"
echo $! >"$WORK/dutsim.pid"	# the power cycle (SIGHUP) of g8.1
i=0
until ip netns exec "hq-lab-$N" socat -T1 /dev/null \
    "TCP:198.18.$N.2:443,connect-timeout=1" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "demo: the simulator did not start" >&2; exit 1; }
	sleep 0.2
done

# The simulator's description completed for this bench: update, data,
# power and disclosure (security.txt and the update information page on
# the simulated cloud, over HTTPS under the test PKI's cloud CA).
/usr/bin/python3 fixtures/duts/dutsim-complete.py --rtsps 322 "$(pwd)" "$N" \
    "$HQ_BUILD/fixtures/images" "$WORK/dutsim.pid" "$PKI/cloud-ca.crt" \
    "$WORK/dut.json" || exit 1
ASSESS=""
[ "$PROFILE" = qcvn135-2024 ] &&
    ASSESS="--assess fixtures/duts/dutsim-assess.json"
# the cloud link up before the run (the control of g8)
i=0
until ip netns exec "$CNS" curl -s --max-time 2 \
    "http://198.19.$N.2:8080/status" 2>/dev/null | grep -q '"heartbeats":[1-9]'
do
	i=$((i + 1))
	[ $i -lt 50 ] || break
	sleep 0.2
done
ln -sfn "$PKI" "$WORK/pki"	# the description's pki/ paths

SIGN=""
if [ -r "$PKI/lab-ec.key" ] && [ -r "$PKI/lab-ec.crt" ]; then
	chmod 600 "$PKI/lab-ec.key"
	SIGN="--sign $PKI/lab-ec.key --cert $PKI/lab-ec.crt"
	[ -r fixtures/lab/lab.json ] && SIGN="$SIGN --lab fixtures/lab/lab.json"
	[ -r reports/job.example.json ] &&
	    SIGN="$SIGN --job reports/job.example.json"
fi
echo "demo: hopquy run -p $PROFILE (report in $OUT)"
# shellcheck disable=SC2086
set -- run -p "$PROFILE" -d "$WORK/dut.json" -o "$OUT"
old_ifs=$IFS
IFS='
'
for x in $SETS; do set -- "$@" --set "$x"; done
IFS=$old_ifs
# shellcheck disable=SC2086
"$HOPQUY" "$@" $ASSESS $SIGN
rc=$?
cp "$WORK/dut.json" "$OUT/dut-description.json" 2>/dev/null
vrc=0
if [ -n "$SIGN" ]; then
	echo "demo: hopquy verify $OUT --ca $PKI/lab-ca.crt"
	"$HOPQUY" verify "$OUT" --ca "$PKI/lab-ca.crt"
	vrc=$?
fi
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -n "$CHROMIUM" ] && [ -f "$OUT/report.html" ]; then
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --no-first-run --disable-background-networking --disable-sync \
	    --disable-extensions --user-data-dir="$WORK/chromium" \
	    --print-to-pdf="$OUT/report.pdf" "file://$(cd "$OUT" && pwd)/report.html" \
	    >"$WORK/chromium.log" 2>&1 || rm -f "$OUT/report.pdf"
fi
echo
echo "demo: run exit status $rc (0 PASS, 1 FAIL, 2 INCOMPLETE or INCONCLUSIVE," \
    "75 signature not obtained)"
echo "demo: report:    $OUT/report.json"
[ -f "$OUT/report.json.p7s" ] && echo "demo: signature: $OUT/report.json.p7s"
[ -f "$OUT/report.html" ] && echo "demo: HTML:      $OUT/report.html"
[ -f "$OUT/junit.xml" ] && echo "demo: JUnit:     $OUT/junit.xml"
[ -f "$OUT/report.pdf" ] && echo "demo: PDF:       $OUT/report.pdf"
[ $vrc -eq 0 ] || { echo "demo: verification FAILED" >&2; exit 1; }
case $rc in 0|1|2) exit 0 ;; *) exit "$rc" ;; esac
