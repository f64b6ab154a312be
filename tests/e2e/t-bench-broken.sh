#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The benchmarks catch a broken benchmark: bench/surface.sh fed a profile
# without its case reports different findings and fails, and so does
# bench/run-all.sh --smoke (make bench-smoke, which make check runs), with
# the row in its table; fed the real profile, the same benchmark passes.
# Uses no bench instance of its own (surface.sh: namespaces hq-bs<pid>-*,
# host-mode instance 190).
. "$(dirname "$0")/lib.sh"
need_root
command -v nmap >/dev/null || { echo "skipped: nmap missing"; exit 77; }
$PY - "$HQ_TOP/profiles/qcvn135-2024.json" "$T_TMP/broken.json" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))
p["testcases"] = [c for c in p["testcases"]
                  if not c["id"].startswith("qcvn135-2024/g6.1")]
json.dump(p, open(sys.argv[2], "w"))
PYEOF
export HQ_BUILD HQ_TOP

HQ_BENCH_SMOKE=1 HQ_BENCH_SURFACE_PROFILE="$T_TMP/broken.json" \
    sh "$HQ_TOP/bench/surface.sh" >"$T_TMP/broken.out" 2>&1
rc=$?
check "surface.sh without its case exits non-zero (rc $rc)" [ $rc -ne 0 ]
check "it says the findings differ, with no ratio" \
    grep -q '^bench: surface .*ratio=n/a findings=differ' "$T_TMP/broken.out"

HQ_BENCH_ONLY=surface HQ_BENCH_SURFACE_PROFILE="$T_TMP/broken.json" \
    sh "$HQ_TOP/bench/run-all.sh" --smoke >"$T_TMP/all.out" 2>&1
rc=$?
check "run-all.sh --smoke fails with it (rc $rc)" [ $rc -ne 0 ]
check "the closing table shows the row as differ" \
    grep -qE '^surface +[0-9]+ms +[0-9]+ms +n/a +differ' "$T_TMP/all.out"

HQ_BENCH_SMOKE=1 sh "$HQ_TOP/bench/surface.sh" >"$T_TMP/good.out" 2>&1
rc=$?
check "surface.sh with the real profile passes (rc $rc)" [ $rc -eq 0 ]
check "with equal findings" \
    grep -q '^bench: surface .*findings=equal' "$T_TMP/good.out"
[ $T_FAIL -eq 0 ] || cat "$T_TMP"/*.out
echo "t-bench-broken: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
