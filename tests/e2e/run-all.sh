#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs every end-to-end script tests/e2e/t-*.sh.  Each script prints its
# own "N passed, N failed" line and exits 0 (all passed), 77 (skipped: e.g.
# not root) or anything else (failures).  The closing line totals them.
#
# Scripts own their bench instances and namespaces, so they may run side by
# side: HQ_E2E_JOBS of them at a time (default 3; most of their time is
# spent waiting on devices and timers, not on the CPU).  The longest start
# first.  Each script also takes a lock of its own, so two checkouts' suites
# never run one script twice at once.
cd "$(dirname "$0")/../.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
export HQ_BUILD HQ_TOP="$(pwd)"
only=${HQ_E2E_ONLY:-}
jobs=${HQ_E2E_JOBS:-3}
case $jobs in ''|*[!0-9]*|0) jobs=1 ;; esac
# Logs and statuses: HQ_E2E_LOGDIR (make check-parallel gives each copy
# of the suite its own).
logdir=${HQ_E2E_LOGDIR:-$HQ_BUILD/e2e}
mkdir -p "$logdir"

# The long ones first (measured on a 2-core machine), then the rest.
long="t-privsep t-faults t-creds-f2b t-sim-qcvn135 t-netcut-disarm t-aisafety
    t-aisafety-sources
    t-netcut-qcvn t-creds-telnet t-campaign t-netcut-motion t-creds-ssh"
list=""
for n in $long; do
	[ -f "tests/e2e/$n.sh" ] && list="$list $n"
done
for t in tests/e2e/t-*.sh; do
	n=$(basename "$t" .sh)
	case " $list " in *" $n "*) continue ;; esac
	list="$list $n"
done

run_one() {	# run_one NAME: the script, its log, its status and time
	local name=$1 log="$logdir/$1.log" start end rc
	start=$(date +%s)
	flock "/tmp/hq-e2e-$name.lock" sh "tests/e2e/$name.sh" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	echo "$rc $((end - start))" >"$logdir/$name.status"
}

ran=""
for name in $list; do
	if [ -n "$only" ] && ! echo "$name" | grep -q -- "$only"; then
		continue
	fi
	rm -f "$logdir/$name.status"
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	run_one "$name" &
	ran="$ran $name"
done
wait

tp=0 tf=0 ts=0
for name in $ran; do
	log="$logdir/$name.log"
	read -r rc secs <"$logdir/$name.status" 2>/dev/null ||
	    { rc=1; secs=0; }
	line=$(grep -E '^[a-z0-9-]*:? ?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.*passed, \([0-9][0-9]*\) failed.*/\1/p')
	: "${p:=0}" "${f:=0}"
	if [ "$rc" -eq 77 ]; then
		ts=$((ts + 1))
		echo "SKIP $name ($(tail -n 1 "$log"))"
		continue
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	tp=$((tp + p)) tf=$((tf + f))
	if [ "$rc" -eq 0 ]; then
		echo "ok   $name: $p passed ($secs s)"
	else
		echo "FAIL $name: $p passed, $f failed ($secs s)"
		grep -n '^FAIL - ' "$log" | sed 's/^/    ! /'
		echo "    (last 60 lines of the log)"
		sed 's/^/    | /' "$log" | tail -n 60
	fi
done
echo "e2e: $tp passed, $tf failed, $ts skipped"
[ $tf -eq 0 ]
