#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Protocol + cipher suite enumeration of the same endpoints by hopquy,
# sslscan, nmap ssl-enum-ciphers and testssl.sh -p -E: wall time, ratios
# and the number of accepted (version, suite) pairs each reports.  The
# endpoints are tests/e2e/tls-lib.sh's: nginx modern (443), nginx weak
# (4443), gnutls-serv with 3DES and RC4 (5443).  Goal: hopquy no slower
# than sslscan on every endpoint and >= 50x faster than testssl.sh.
cd "$(dirname "$0")/.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
HQ_TOP=$(pwd)
export HQ_BUILD HQ_TOP
. tests/e2e/lib.sh
. tests/e2e/tls-lib.sh
need_root
tls_need_tools sslscan nmap testssl
tls_servers_up "$T_TMP/srv" || { echo "bench: servers did not start"; exit 1; }
RUNS=${HQ_BENCH_RUNS:-3}
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# best of RUNS wall times (ms) of a command, output of the last run to $out
best() {
	n=$1; shift
	b=""
	i=0
	while [ $i -lt "$n" ]; do
		t0=$(ms); ip netns exec "$TL_LAB" "$@" >"$out" 2>&1; t1=$(ms)
		d=$((t1 - t0))
		if [ -z "$b" ] || [ $d -lt $b ]; then b=$d; fi
		i=$((i + 1))
	done
	echo $b
}
printf '%-6s %9s %9s %9s %10s   %s\n' port hopquy sslscan nmap testssl \
    "accepted (version,suite): hopquy/sslscan/nmap/testssl"
res=0
for p in 443 4443 5443; do
	tls_dut "$T_TMP/dut$p.json" "$p"
	out=$T_TMP/hq$p.out
	rm -rf "$T_TMP/run$p"
	th=$(best "$RUNS" sh -c "rm -rf '$T_TMP/run$p'; exec '$HOPQUY' run -p '$HQ_TOP/tests/e2e/profiles/tls.json' \
	    -d '$T_TMP/dut$p.json' -o '$T_TMP/run$p' --only test-tls/suites")
	nh=$($PY -c 'import json,sys
r=json.load(open(sys.argv[1]))
c=[c for c in r["results"] if c["id"]=="test-tls/suites"][0]
print(sum(len(v) for p in c["details"]["ports"] for v in p.get("suites",{}).values()))' "$T_TMP/run$p/report.json")
	out=$T_TMP/ss$p.out
	ts=$(best "$RUNS" sslscan --no-colour --no-check-certificate --no-heartbleed \
	    --no-renegotiation --no-compression --no-fallback --no-groups "$TL_ADDR:$p")
	ns=$(grep -cE '^(Preferred|Accepted)' "$out")
	out=$T_TMP/nm$p.out
	tn=$(best 1 nmap -Pn -n -p "$p" --script ssl-enum-ciphers "$TL_ADDR")
	nn=$(grep -cE '^\|[[:space:]]+TLS_' "$out")
	out=$T_TMP/ts$p.out
	tt=$(best 1 testssl -p -E --color 0 --warnings batch --nodns none \
	    --sneaky "$TL_ADDR:$p")
	nt=$(grep -cE '^ *x[0-9a-f]{2,6} ' "$out")
	printf '%-6s %7d ms %6d ms %6d ms %7d ms   %d/%d/%d/%d\n' "$p" "$th" \
	    "$ts" "$tn" "$tt" "$nh" "$ns" "$nn" "$nt"
	printf '       ratios: sslscan/hopquy %s, nmap/hopquy %s, testssl/hopquy %s\n' \
	    "$(awk "BEGIN{printf \"%.1f\", $ts/($th>0?$th:1)}")" \
	    "$(awk "BEGIN{printf \"%.1f\", $tn/($th>0?$th:1)}")" \
	    "$(awk "BEGIN{printf \"%.0f\", $tt/($th>0?$th:1)}")"
	[ "$th" -le "$ts" ] || { echo "       goal missed: slower than sslscan"; res=1; }
	[ $((th * 50)) -le "$tt" ] || { echo "       goal missed: less than 50x faster than testssl.sh"; res=1; }
	[ "$nh" -eq "$ns" ] || { echo "       findings differ from sslscan"; res=1; }
done
exit $res
