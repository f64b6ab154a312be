#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Protocol + cipher suite enumeration of the same endpoints by hopquy (the
# whole process, capture on, the tls family's "suites" case alone) and
# sslscan; in the full run also nmap ssl-enum-ciphers and testssl.sh -p -E.
# The endpoints are tests/e2e/tls-lib.sh's: nginx modern (443), nginx weak
# (4443), gnutls-serv with 3DES and RC4 (5443).  Findings: the accepted
# (version, suite id) pairs, from hopquy's report and sslscan's XML, must be
# the same set; nmap's and testssl.sh's are compared by count.  Goal:
# hopquy no slower than sslscan on every endpoint, >= 50x faster than
# testssl.sh.  Bench instance 191.
cd "$(dirname "$0")/.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
HQ_TOP=$(pwd)
export HQ_BUILD HQ_TOP
. tests/e2e/lib.sh
. tests/e2e/tls-lib.sh
. bench/lib.sh
need_root
tls_need_tools sslscan
PEERS=1
[ "$HQ_BENCH_SMOKE" = 1 ] && PEERS=0
if [ $PEERS = 1 ]; then
	command -v nmap >/dev/null && command -v testssl >/dev/null || PEERS=0
fi
PROFILE=${HQ_BENCH_TLS_PROFILE:-$HQ_TOP/tests/e2e/profiles/tls.json}
CASE=test-tls/suites
tls_servers_up "$T_TMP/srv" || { echo "bench: servers did not start"; exit 1; }
# best RUNS CMD...: best wall time (ms) of RUNS runs in the lab namespace,
# output of the last run to $out; $pre (a shell command) runs before each,
# untimed, so both tools are timed the same way: their own process alone
best() {
	n=$1; shift
	b=""
	i=0
	while [ $i -lt "$n" ]; do
		[ -n "${pre:-}" ] && eval "$pre"
		t0=$(now_ms); ip netns exec "$TL_LAB" "$@" >"$out" 2>&1; t1=$(now_ms)
		d=$((t1 - t0))
		if [ -z "$b" ] || [ $d -lt $b ]; then b=$d; fi
		i=$((i + 1))
	done
	echo $b
}
SSLSCAN="sslscan --no-colour --no-check-certificate --no-heartbleed \
--no-renegotiation --no-compression --no-fallback --no-groups"
for p in 443 4443 5443; do
	tls_dut "$T_TMP/dut$p.json" "$p"
	sed -i 's/"instance": [0-9]*/"instance": 191/' "$T_TMP/dut$p.json"
	out=$T_TMP/hq$p.out
	# The last run's directory is moved aside, not deleted: on a file
	# system without a journal (ext4 here), creating files right after
	# many deletions makes the allocator skip the freed inodes, a cost of
	# this loop's own deletions that a lab's run does not pay (sslscan
	# writes no files).  They go after the timed runs.
	mkdir -p "$T_TMP/old$p"
	pre="[ ! -e '$T_TMP/run$p' ] || mv '$T_TMP/run$p' '$T_TMP/old$p/'\$i"
	th=$(best "$HQ_BENCH_RUNS" "$HOPQUY" run -q -p "$PROFILE" \
	    -d "$T_TMP/dut$p.json" -o "$T_TMP/run$p" --only $CASE)
	pre=""
	rm -rf "$T_TMP/old$p"
	hq_tls_pairs "$T_TMP/run$p/report.json" $CASE >"$T_TMP/hq$p.pairs"
	out=$T_TMP/ss$p.out
	ts=$(best "$HQ_BENCH_RUNS" $SSLSCAN "$TL_ADDR:$p")
	ip netns exec "$TL_LAB" $SSLSCAN --xml="$T_TMP/ss$p.xml" "$TL_ADDR:$p" \
	    >/dev/null 2>&1
	$PY - "$T_TMP/ss$p.xml" >"$T_TMP/ss$p.pairs" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
out = set()
for c in ET.parse(sys.argv[1]).iter("cipher"):
    if c.get("status") in ("accepted", "preferred"):
        out.add("%s 0x%04x" % (c.get("sslversion"), int(c.get("id"), 16)))
print("\n".join(sorted(out)))
PYEOF
	nh=$(grep -c . "$T_TMP/hq$p.pairs") ns=$(grep -c . "$T_TMP/ss$p.pairs")
	f=differ
	[ "$nh" -gt 0 ] && cmp -s "$T_TMP/hq$p.pairs" "$T_TMP/ss$p.pairs" && f=equal
	echo "tls port $p: hopquy $th ms, sslscan $ts ms; accepted (version," \
	    "suite) pairs: hopquy $nh, sslscan $ns"
	[ $f = equal ] || diff "$T_TMP/hq$p.pairs" "$T_TMP/ss$p.pairs" |
	    sed 's/^/    /'
	bench_line "tls-$p" "${th}ms" "${ts}ms" "$(ratio "$ts" "$th")" $f \
	    vs=sslscan pairs=$nh
	goal "tls $p no slower than sslscan" "$ts >= $th"
	[ $PEERS = 1 ] || continue
	out=$T_TMP/nm$p.out
	tn=$(best 1 nmap -Pn -n -p "$p" --script ssl-enum-ciphers "$TL_ADDR")
	nn=$(grep -cE '^\|[[:space:]]+TLS_' "$out")
	out=$T_TMP/ts$p.out
	tt=$(best 1 testssl -p -E --color 0 --warnings batch --nodns none \
	    --sneaky "$TL_ADDR:$p")
	nt=$(grep -cE '^ *x[0-9a-f]{2,6} ' "$out")
	f=differ; [ "$nn" -eq "$nh" ] && f=equal
	bench_line "tls-$p-nmap" "${th}ms" "${tn}ms" "$(ratio "$tn" "$th" 1)" \
	    $f vs=nmap-ssl-enum-ciphers pairs=$nh/$nn
	f=differ; [ "$nt" -eq "$nh" ] && f=equal
	bench_line "tls-$p-testssl" "${th}ms" "${tt}ms" \
	    "$(ratio "$tt" "$th" 0)" $f vs=testssl.sh pairs=$nh/$nt
	goal "tls $p >= 50x faster than testssl.sh" "$tt >= 50 * $th"
done
bench_exit
