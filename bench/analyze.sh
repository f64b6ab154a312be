#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmark: passive analysis of a capture for cleartext credentials,
# `hopquy analyze` (the tls family's flow analysis) beside tshark with the
# display filters a lab would use: http.authorization, mqtt.passwd, and for
# telnet the server's login/password prompts (tshark has no telnet login
# field).  The capture (bench/gen-creds-pcap.py, 100 MB; smoke 5 MB) is a
# camera's traffic, mostly TLS uploads and RTP video, with HTTP Basic, MQTT
# CONNECT and telnet logins planted through it.  Findings: the (kind, DUT
# port) pairs each reports, equal to each other and to what was planted.
# Whole-process wall time (best of HQ_BENCH_RUNS), throughput, peak RSS.
# Goals: >= 20x tshark's throughput, <= 32 MiB peak RSS.  No network.
cd "$(dirname "$0")/.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
HQ_TOP=$(pwd)
export HQ_BUILD HQ_TOP
. tests/e2e/lib.sh
. bench/lib.sh
for t in tshark; do
	command -v $t >/dev/null || { echo "skipped: $t missing"; exit 77; }
done
MB=${HQ_BENCH_ANALYZE_MB:-100}
[ "$HQ_BENCH_SMOKE" = 1 ] && MB=5
CAP=$T_TMP/creds.pcapng
DUT=198.18.195.2
$PY bench/gen-creds-pcap.py "$CAP" "$MB" 17 >"$T_TMP/planted" ||
    { echo "cannot write the capture"; exit 1; }
size=$(stat -c %s "$CAP")
FILTER='http.authorization || mqtt.passwd || (telnet && tcp.srcport == 23 && (telnet.data contains "login:" || telnet.data contains "assword:"))'
# run OUT CMD...: wall ms of CMD (stdout to OUT); peak RSS KiB to OUT.rss
run() {
	o=$1; shift
	s=$(now_ms)
	/usr/bin/time -q -f %M -o "$o.rss" "$@" >"$o" 2>"$o.err"
	echo $(( $(now_ms) - s ))
}
best() {
	o=$1; shift
	b="" r=""
	i=0
	while [ $i -lt "$HQ_BENCH_RUNS" ]; do
		t=$(run "$o" "$@")
		if [ -z "$b" ] || [ $t -lt $b ]; then b=$t; fi
		m=$(tail -n 1 "$o.rss")
		if [ -z "$r" ] || [ $m -gt $r ]; then r=$m; fi
		i=$((i + 1))
	done
	echo "$b $r"
}
cat "$CAP" >/dev/null	# both read it from the page cache
set -- $(best "$T_TMP/hq" "$HOPQUY" analyze "$CAP" --dut $DUT --json)
th=$1 rh=$2
set -- $(best "$T_TMP/ts" tshark -n -r "$CAP" -Y "$FILTER" -T fields \
    -e frame.number -e tcp.srcport -e tcp.dstport -e mqtt.passwd \
    -e http.authorization)
tt=$1 rt=$2
$PY - "$T_TMP/hq" >"$T_TMP/hq.pairs" <<'PYEOF'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception:
    sys.exit()
kinds = {"HTTP Authorization header": "http",
         "MQTT CONNECT with a password": "mqtt", "telnet login": "telnet"}
flows = {f["id"]: f for f in j["flows"]}
out = set()
for x in j["findings"]:
    port = flows[x["flow"]]["dut"].rsplit(":", 1)[1]
    out.add("%s %s" % (kinds.get(x["kind"], x["kind"]), port))
print("\n".join(sorted(out)))
PYEOF
awk -F'\t' '{ if ($5 != "") print "http", $2; else if ($4 != "") print "mqtt", $2;
    else print "telnet", $3 }' "$T_TMP/ts" | sort -u >"$T_TMP/ts.pairs"
sort -u "$T_TMP/planted" >"$T_TMP/planted.pairs"
nh=$(grep -c . "$T_TMP/hq.pairs") nt=$(grep -c . "$T_TMP/ts.pairs")
np=$(grep -c . "$T_TMP/planted.pairs")
f=differ
[ "$np" -gt 0 ] && cmp -s "$T_TMP/hq.pairs" "$T_TMP/ts.pairs" &&
    cmp -s "$T_TMP/hq.pairs" "$T_TMP/planted.pairs" && f=equal
mbs() { awk -v b="$size" -v t="$1" 'BEGIN { printf "%.0f", b / 1e6 / (t > 0 ? t : 1) * 1000 }'; }
echo "analyze: $((size / 1000000)) MB capture, $np planted credentials"
echo "  hopquy analyze: ${th} ms ($(mbs "$th") MB/s), peak RSS $((rh / 1024)) MiB, $nh findings"
echo "  tshark -Y:      ${tt} ms ($(mbs "$tt") MB/s), peak RSS $((rt / 1024)) MiB, $nt findings"
[ $f = equal ] || { echo "  hopquy vs tshark:"; diff "$T_TMP/hq.pairs" "$T_TMP/ts.pairs" | sed 's/^/    /';
    echo "  hopquy vs planted:"; diff "$T_TMP/hq.pairs" "$T_TMP/planted.pairs" | sed 's/^/    /'; }
bench_line analyze "$(mbs "$th")MB/s" "$(mbs "$tt")MB/s" "$(ratio "$tt" "$th" 1)" \
    $f vs=tshark-Y size=$((size / 1000000))MB rss=$((rh / 1024))MiB/$((rt / 1024))MiB \
    counts=$nh/$nt/$np
goal "analyze >= 20x tshark's throughput" "$tt >= 20 * $th"
goal "analyze peak RSS <= 32 MiB" "$rh <= 32768"
bench_exit
