#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every benchmark bench/*.sh (but this one and lib.sh).  Each prints
# hopquy's figure beside the peer tool's on the same target, checks that
# both found the same things, and prints one "bench: NAME ..." line per
# measurement (bench/lib.sh); this script ends with a table of those lines.
# A benchmark exiting 77 was skipped (e.g. not root, a peer tool missing)
# and does not fail; any other non-zero exit (findings differ, a broken
# benchmark) fails the whole run.  --smoke (make bench-smoke): one run,
# small sizes, findings asserted and times not.  HQ_BENCH_ONLY: a pattern
# of the benchmarks to run.
cd "$(dirname "$0")/.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
export HQ_BUILD HQ_TOP="$(pwd)"
if [ "${1:-}" = --smoke ]; then
	HQ_BENCH_SMOKE=1
	export HQ_BENCH_SMOKE
fi
LINES=$(mktemp /tmp/hq-bench-lines.XXXXXX)
LOG=$(mktemp /tmp/hq-bench-log.XXXXXX)
trap 'rm -f "$LINES" "$LOG"' EXIT
rc=0 failed=""
for b in bench/*.sh; do
	case $b in bench/run-all.sh|bench/lib.sh) continue ;; esac
	[ -n "${HQ_BENCH_ONLY:-}" ] && ! echo "$b" | grep -q -- "$HQ_BENCH_ONLY" &&
	    continue
	echo "== $b"
	sh "$b" >"$LOG" 2>&1
	brc=$?
	cat "$LOG"
	grep '^bench: ' "$LOG" >>"$LINES"
	if [ $brc -eq 77 ]; then
		echo "   (skipped)"
		echo "bench: $(basename "$b" .sh) skipped" >>"$LINES"
	elif [ $brc -ne 0 ]; then
		rc=1
		failed="$failed $(basename "$b" .sh)"
		grep -q "^bench: " "$LOG" ||
		    echo "bench: $(basename "$b" .sh) FAILED (no result)" >>"$LINES"
	fi
done
echo
echo "== summary ($([ "${HQ_BENCH_SMOKE:-0}" = 1 ] && echo smoke || echo full)," \
    "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
/usr/bin/python3 - "$LINES" <<'PYEOF'
import sys
rows = []
for line in open(sys.argv[1]):
    w = line.split()[1:]
    if not w:
        continue
    kv = dict(x.split("=", 1) for x in w[1:] if "=" in x)
    rest = " ".join(x for x in w[1:] if "=" not in x or x.split("=")[0]
                    not in ("hopquy", "peer", "ratio", "findings"))
    rows.append((w[0], kv.get("hopquy", "-"), kv.get("peer", "-"),
                 kv.get("ratio", "-"), kv.get("findings", "-"), rest))
hdr = ("benchmark", "hopquy", "peer", "ratio", "findings", "notes")
wd = [max(len(r[i]) for r in rows + [hdr]) for i in range(5)]
for r in [hdr] + rows:
    print("  ".join(r[i].ljust(wd[i]) for i in range(5)) + "  " + r[5])
PYEOF
[ $rc -eq 0 ] || echo "failed:$failed"
exit $rc
