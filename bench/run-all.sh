#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every benchmark bench/*.sh (but this one).  Each prints hopquy's
# figure beside the peer tool's on the same target, and the ratio.
cd "$(dirname "$0")/.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
export HQ_BUILD HQ_TOP="$(pwd)"
rc=0
for b in bench/*.sh; do
	[ "$b" = bench/run-all.sh ] && continue
	[ -n "${HQ_BENCH_ONLY:-}" ] && ! echo "$b" | grep -q -- "$HQ_BENCH_ONLY" &&
	    continue
	echo "== $b"
	sh "$b" || rc=1
done
exit $rc
