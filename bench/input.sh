#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmark: the input family's rate (cases/s, the monitor checking the
# server after every case) against nginx in a namespace, beside the rate
# `ab` (apache2-utils) reaches with well-formed requests on the same server
# at the same concurrency (1): the server's own ceiling.  Goal: ratio >=
# 0.5.  findings=equal when both see the server answer throughout (hopquy
# no finding, ab no failed request).
# Like with like on a shared host: ROUNDS rounds (3; 1 with --smoke), each
# a hopquy run between two ab runs of about the same duration (2 requests
# a case), its ratio against their mean; the medians are printed.  (The
# server closes first, both for ab's requests and for hopquy's cases, so
# the TIME_WAIT states are nginx's and the client ports do not run out.)
. "$(dirname "$0")/../tests/e2e/lib.sh"
need_root
for t in /usr/sbin/nginx ab; do
	command -v $t >/dev/null || { echo "skipped: $t missing"; exit 0; }
done
DUTNS=hq-in$$-bdut
LABNS=hq-in$$-blab
A=198.18.242.2
CASES=${HQ_BENCH_INPUT_CASES:-5000}
netns_add $DUTNS
netns_add $LABNS
veth_link $LABNS hqinblan0 198.18.242.1/24 $DUTNS hqinbdut0 $A/24
mkdir -p "$T_TMP/www" "$T_TMP/logs"
echo hello >"$T_TMP/www/index.html"
cat >"$T_TMP/nginx.conf" <<CONF
worker_processes 1;
pid $T_TMP/nginx.pid;
error_log $T_TMP/logs/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $T_TMP/body;
	server { listen $A:80; root $T_TMP/www; }
}
CONF
bg $DUTNS /usr/sbin/nginx -c "$T_TMP/nginx.conf" -g 'daemon off;'
wait_port $LABNS $A 80 || { echo "bench: nginx did not start"; exit 1; }
cat >"$T_TMP/dut.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "bench", "model": "input", "serial": "B-IN-1",
                "firmware": "1", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": 242, "lan_if": "hqinblan0",
             "uplink_if": "lo", "address": "$A" },
  "surfaces": [ { "id": "web", "proto": "http", "port": 80 } ] }
JSON
CASE=qcvn135-2024/g11.1-malformed-input
ROUNDS=${HQ_BENCH_INPUT_ROUNDS:-3}
[ "${HQ_BENCH_SMOKE:-0}" = 1 ] && ROUNDS=1
ab_run() {	# ab_run: one ab run; its rate and failed count into AB
	ip netns exec $LABNS ab -q -n $((CASES * 2)) -c 1 "http://$A/" \
	    >"$T_TMP/ab.out" 2>&1
	AB="$(awk '/^Requests per second/ { print $4 }' "$T_TMP/ab.out") \
$(awk '/^Failed requests/ { print $3 }' "$T_TMP/ab.out")"
}
ab_run
: >"$T_TMP/rounds"
r=0
while [ $r -lt $ROUNDS ]; do
	r=$((r + 1))
	before=$AB
	rm -rf "$T_TMP/run"
	ip netns exec $LABNS "$HOPQUY" run -q -p qcvn135-2024 \
	    -d "$T_TMP/dut.json" -o "$T_TMP/run" --only $CASE \
	    --set "$CASE:cases_per_surface=$CASES" >/dev/null 2>&1
	hq=$($PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
m={x["name"]: x["value"] for x in r["measurements"]}
print("%.1f %d %d %s" % (m["case_rate"], m["findings"], m["cases_sent"], r["verdict"]))' \
	    "$T_TMP/run/report.json" $CASE) || hq="0 -1 0 ERROR"
	ab_run
	echo "$hq $before $AB" >>"$T_TMP/rounds"
done
# per round: hq_rate findings sent verdict ab_before failed ab_after failed
set -- $($PY - "$T_TMP/rounds" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
hq = [float(x[0]) for x in rows]
ceil = [(float(x[4]) + float(x[6])) / 2 for x in rows]
ratio = [h / c if c > 0 else 0 for h, c in zip(hq, ceil)]
for i, x in enumerate(rows):
    print("round%d:%s/%.0f" % (i + 1, x[0], ceil[i]), file=sys.stderr)
findings = max(int(x[1]) for x in rows)
failed = sum(int(x[5]) + int(x[7]) for x in rows)
verdicts = ",".join(sorted(set(x[3] for x in rows)))
print("%.1f %d %d %s %.2f %d %.2f" % (statistics.median(hq), findings,
      int(rows[0][2]), verdicts, statistics.median(ceil), failed,
      statistics.median(ratio)))
PY
)
hq_rate=$1 hq_findings=$2 hq_sent=$3 hq_verdict=$4 ab_rate=$5 ab_failed=$6
ratio=$7
if [ "$hq_findings" = 0 ] && [ "$hq_verdict" = PASS ] && [ "$ab_failed" = 0 ]; then
	eq=equal
else
	eq=differ
fi
echo "input: $hq_sent malformed cases against nginx, monitor after each case;"
echo "  $ROUNDS round(s), each hopquy between two ab runs; medians"
sed 's/^/  /' "$T_TMP/rounds"
echo "  hopquy input (cases/s, monitor on): $hq_rate ($hq_verdict, $hq_findings findings)"
echo "  ab -c 1 well-formed GETs (req/s):   $ab_rate ($ab_failed failed)"
echo "  ratio hopquy/ab: $ratio (goal >= 0.5)"
echo "bench: input hopquy=$hq_rate peer=$ab_rate ratio=$ratio findings=$eq" \
    "vs=ab-c1 rounds=$ROUNDS cases=$hq_sent"
[ "$eq" = equal ]
