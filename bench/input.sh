#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmark: the input family's rate (cases/s, the monitor checking the
# server after every case) against nginx in a namespace, beside the rate
# `ab` (apache2-utils) reaches with well-formed requests on the same server
# at the same concurrency (1): the server's own ceiling.  Goal: ratio >=
# 0.5.  findings=equal when both see the server answer throughout (hopquy
# no finding, ab no failed request).
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
ip netns exec $LABNS "$HOPQUY" run -q -p qcvn135-2024 -d "$T_TMP/dut.json" \
    -o "$T_TMP/run" --only $CASE --set "$CASE:cases_per_surface=$CASES" \
    >/dev/null 2>&1
set -- $($PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
m={x["name"]: x["value"] for x in r["measurements"]}
print("%.1f %d %d %s" % (m["case_rate"], m["findings"], m["cases_sent"], r["verdict"]))' \
    "$T_TMP/run/report.json" $CASE)
hq_rate=$1 hq_findings=$2 hq_sent=$3 hq_verdict=$4
ip netns exec $LABNS ab -q -n $((CASES * 4)) -c 1 "http://$A/" \
    >"$T_TMP/ab.out" 2>&1
ab_rate=$(awk '/^Requests per second/ { print $4 }' "$T_TMP/ab.out")
ab_failed=$(awk '/^Failed requests/ { print $3 }' "$T_TMP/ab.out")
ratio=$(awk -v a="$hq_rate" -v b="$ab_rate" 'BEGIN { printf "%.2f", a / b }')
if [ "$hq_findings" = 0 ] && [ "$hq_verdict" = PASS ] && [ "$ab_failed" = 0 ]; then
	eq=equal
else
	eq=differ
fi
echo "input: $hq_sent malformed cases against nginx, monitor after each case"
echo "  hopquy input (cases/s, monitor on): $hq_rate ($hq_verdict, $hq_findings findings)"
echo "  ab -c 1 well-formed GETs (req/s):   $ab_rate ($ab_failed failed)"
echo "  ratio hopquy/ab: $ratio (goal >= 0.5)"
echo "bench: input hopquy=$hq_rate peer=$ab_rate ratio=$ratio findings=$eq"
