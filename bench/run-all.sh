#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every benchmark bench/*.sh but this one; exit 1 if any missed its goal.
cd "$(dirname "$0")/.." || exit 1
rc=0
for b in bench/*.sh; do
	[ "$(basename "$b")" = run-all.sh ] && continue
	echo "== $(basename "$b" .sh)"
	sh "$b"
	r=$?
	if [ $r -eq 77 ]; then echo "(skipped)"; elif [ $r -ne 0 ]; then rc=1; fi
done
exit $rc
