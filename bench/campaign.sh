#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmark: many DUTs at once.  1, 4 and 16 reference simulators (dutsim
# and cloudsim on bench instances 200-215) through the same short profile
# (the QCVN 135 TLS protocol and certificate cases) in one `hopquy
# campaign -j N` each; the peer figure is the wall time of the one-DUT
# campaign, so ratio = one-DUT wall / N-DUT wall (1 would be free
# concurrency) and x1= is the N-DUT wall in units of the one-DUT wall.
# Findings: every DUT's verdicts equal the one DUT's.  Goal: 16 at once in
# at most twice the wall time of one (a run mostly waits on the device and
# on timers).  Smoke mode: 1 and 4 DUTs, one run.
cd "$(dirname "$0")/.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
HQ_TOP=$(pwd)
export HQ_BUILD HQ_TOP
. tests/e2e/lib.sh
. bench/lib.sh
need_root
. tests/e2e/multisim.sh
ONLY=qcvn135-2024/g5.1,qcvn135-2024/g5.3
if [ "$HQ_BENCH_SMOKE" = 1 ]; then COUNTS="1 4"; MAX=4; else COUNTS="1 4 16"; MAX=16; fi
multisim_up 200 $MAX || { echo "cannot bring up $MAX simulators"; exit 1; }

# campaign_wall N K: best wall time (ms) of K campaigns of N DUTs; the
# verdicts of each DUT of the last one into $T_TMP/v-N.
campaign_wall() {
	n=$1
	$PY - "$T_TMP/c$n.json" "$n" "$ONLY" <<'PYEOF'
import json, sys
f, n, only = sys.argv[1], int(sys.argv[2]), sys.argv[3]
json.dump({"format": "hopquy-campaign/1", "name": "bench-%d" % n,
           "profiles": ["qcvn135-2024"], "only": only,
           "duts": [{"name": "d%d" % i, "dut": "ms/%d/dut.json" % (200 + i)}
                    for i in range(n)]}, open(f, "w"))
PYEOF
	b=""
	k=0
	while [ $k -lt "$2" ]; do
		rm -rf "$T_TMP/out-$n"
		s=$(now_ms)
		"$HOPQUY" campaign "$T_TMP/c$n.json" -q -j "$n" \
		    --bench-range 200-215 -o "$T_TMP/out-$n" >/dev/null 2>&1
		t=$(( $(now_ms) - s ))
		if [ -z "$b" ] || [ $t -lt $b ]; then b=$t; fi
		k=$((k + 1))
	done
	$PY - "$T_TMP/out-$n/campaign.json" >"$T_TMP/v-$n" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
for d in c["duts"]:
    for r in d["runs"]:
        print(json.dumps(r.get("verdicts", {"run": r["status"]}), sort_keys=True))
PYEOF
	echo $b
}

one=$(campaign_wall 1 "$HQ_BENCH_RUNS")
for n in $COUNTS; do
	if [ "$n" = 1 ]; then w=$one; else w=$(campaign_wall "$n" "$HQ_BENCH_RUNS"); fi
	ref=$(head -n 1 "$T_TMP/v-1")
	if [ "$(sort -u "$T_TMP/v-$n")" = "$ref" ] &&
	    [ "$(wc -l <"$T_TMP/v-$n")" -eq "$n" ] &&
	    echo "$ref" | grep -q '"PASS"'; then f=equal; else f=differ; fi
	bench_line "campaign-$n" "${w}ms" "${one}ms" "$(ratio "$one" "$w")" $f \
	    "x1=$(ratio "$w" "$one")" "duts=$n" "cores=$(nproc)"
done
[ "$HQ_BENCH_SMOKE" = 1 ] ||
    goal "16 DUTs at once within 2x the wall time of one" \
        "$w <= 2 * $one"
multisim_down
bench_exit
