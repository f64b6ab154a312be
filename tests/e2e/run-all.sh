#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every end-to-end script tests/e2e/t-*.sh in turn.  Each script prints
# its own "N passed, N failed" line and exits 0 (all passed), 77 (skipped:
# e.g. not root) or anything else (failures).  The closing line totals them.
cd "$(dirname "$0")/../.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
export HQ_BUILD HQ_TOP="$(pwd)"
only=${HQ_E2E_ONLY:-}
tp=0 tf=0 ts=0
for t in tests/e2e/t-*.sh; do
	name=$(basename "$t" .sh)
	if [ -n "$only" ] && ! echo "$name" | grep -q -- "$only"; then
		continue
	fi
	log="$HQ_BUILD/e2e/$name.log"
	mkdir -p "$HQ_BUILD/e2e"
	start=$(date +%s)
	# One run of a script at a time on this host: scripts own their
	# bench instances, and a second checkout's suite may be running.
	flock "/tmp/hq-e2e-$name.lock" sh "$t" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	line=$(grep -E '^[a-z0-9-]*:? ?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.*passed, \([0-9][0-9]*\) failed.*/\1/p')
	: "${p:=0}" "${f:=0}"
	if [ $rc -eq 77 ]; then
		ts=$((ts + 1))
		echo "SKIP $name ($(tail -n 1 "$log"))"
		continue
	fi
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	tp=$((tp + p)) tf=$((tf + f))
	if [ $rc -eq 0 ]; then
		echo "ok   $name: $p passed ($((end - start)) s)"
	else
		echo "FAIL $name: $p passed, $f failed ($((end - start)) s)"
		grep -n '^FAIL - ' "$log" | sed 's/^/    ! /'
		echo "    (last 60 lines of the log)"
		sed 's/^/    | /' "$log" | tail -n 60
	fi
done
echo "e2e: $tp passed, $tf failed, $ts skipped"
[ $tf -eq 0 ]
