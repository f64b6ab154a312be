#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every benchmark bench/*.sh but this one, in turn; each prints its own
# results.  Exit status: the number of benchmarks that failed (77: skipped
# ones do not count).
cd "$(dirname "$0")/.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
export HQ_BUILD HQ_TOP="$(pwd)"
failed=0
for b in bench/*.sh; do
	[ "$(basename "$b")" = run-all.sh ] && continue
	echo "== $(basename "$b" .sh)"
	sh "$b"
	rc=$?
	if [ $rc -eq 77 ]; then
		echo "   (skipped)"
	elif [ $rc -ne 0 ]; then
		failed=$((failed + 1))
	fi
done
exit $failed
