# SPDX-License-Identifier: Apache-2.0
# Shared by the benchmarks bench/*.sh (sourced, after tests/e2e/lib.sh when
# a benchmark uses namespaces).
#
# HQ_BENCH_SMOKE=1 (make bench-smoke): one run, small sizes; the findings
# are compared, the times are printed but no goal is asserted.
# HQ_BENCH_RUNS: runs per measurement (best of), default 3, 1 in smoke.
#
# Every benchmark ends with one line per measurement, for machines:
#	bench: NAME hopquy=X peer=Y ratio=R findings=equal|differ [k=v...]
# ratio is how many times hopquy is ahead of the peer (> 1: ahead), from
# the figures' own units (peer time / hopquy time, or hopquy rate / peer
# rate).  A benchmark whose findings differ from the peer's says so and
# exits non-zero; bench/run-all.sh tabulates the lines.
: "${HQ_BENCH_SMOKE:=0}"
if [ "$HQ_BENCH_SMOKE" = 1 ]; then
	: "${HQ_BENCH_RUNS:=1}"
else
	: "${HQ_BENCH_RUNS:=3}"
fi
B_RC=0
B_GOALS=""

# bench_line NAME HOPQUY PEER RATIO FINDINGS [K=V...]: the machine line.
# FINDINGS other than "equal" fails the benchmark (bench_exit).
bench_line() {
	_bn=$1 _bh=$2 _bp=$3 _br=$4 _bf=$5
	shift 5
	[ "$_bf" = equal ] || _br=n/a	# no ratio for different findings
	echo "bench: $_bn hopquy=$_bh peer=$_bp ratio=$_br findings=$_bf${*:+ $*}"
	[ "$_bf" = equal ] ||
	    { echo "FAIL: $_bn: findings differ from the peer's"; B_RC=1; }
}

# ratio A B [DIGITS]: A / B, printed with DIGITS decimals (default 2).
ratio() {
	awk -v a="$1" -v b="$2" -v d="${3:-2}" \
	    'BEGIN { if (b + 0 <= 0) b = 1; printf "%.*f", d, a / b }'
}

# goal DESC COND: a goal (awk condition); missed goals are reported, and
# fail the benchmark only outside smoke mode when HQ_BENCH_STRICT=1.
goal() {
	if awk "BEGIN { exit !($2) }"; then
		echo "  goal met: $1"
	else
		echo "  goal missed: $1"
		B_GOALS="$B_GOALS; $1"
		[ "$HQ_BENCH_SMOKE" != 1 ] && [ "${HQ_BENCH_STRICT:-0}" = 1 ] && B_RC=1
	fi
}

# now_ms: wall clock in milliseconds.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# bench_exit: the benchmark's exit status.
bench_exit() { exit $B_RC; }

# hq_tls_pairs REPORT [CASE]: the accepted (version, suite id) pairs of a hopquy report's
# test-tls/suites-like case (CASE, default test-tls/suites), one "TLSv1.2
# 0x002f" a line, sorted; empty when the case is missing.
hq_tls_pairs() {
	$PY - "$HQ_TOP/harness/wire/tlssuites.inc" "$1" "${2:-test-tls/suites}" <<'PYEOF'
import json, re, sys
ids = {}
for m in re.finditer(r'\{\s*0x([0-9A-Fa-f]{4}),\s*"([^"]+)"',
                     open(sys.argv[1]).read()):
    ids[m.group(2)] = int(m.group(1), 16)
try:
    r = json.load(open(sys.argv[2]))
    c = [c for c in r["results"] if c["id"] == sys.argv[3]][0]
    out = set()
    for p in c["details"]["ports"]:
        for v, names in p.get("suites", {}).items():
            for n in names:
                out.add("%s 0x%04x" % (v, ids.get(n, -1)))
    print("\n".join(sorted(out)))
except Exception:
    pass
PYEOF
}
