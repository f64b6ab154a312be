#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the input family's memory stays bounded.  A 10,000-case
# campaign against nginx in a namespace of our own (hq-in*), the monitor
# after every case; hopquy's peak RSS (getrusage of the child) must stay
# under 64 MiB, and the campaign must have sent all 10,000 cases.
. "$(dirname "$0")/lib.sh"
need_root
command -v /usr/sbin/nginx >/dev/null || { echo "skipped: nginx missing"; exit 77; }
DUTNS=hq-in$$-mdut
LABNS=hq-in$$-mlab
A=198.18.243.2
netns_add $DUTNS
netns_add $LABNS
veth_link $LABNS hqinmlan0 198.18.243.1/24 $DUTNS hqinmdut0 $A/24
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
wait_port $LABNS $A 80 || nok "nginx did not start"
cat >"$T_TMP/dut.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "test", "model": "input-mem", "serial": "M-1",
                "firmware": "1", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": 243, "lan_if": "hqinmlan0",
             "uplink_if": "lo", "address": "$A" },
  "surfaces": [ { "id": "web", "proto": "http", "port": 80 } ] }
JSON
CASE=qcvn135-2024/g11.1-malformed-input
rss=$(ip netns exec $LABNS $PY - "$HOPQUY" "$T_TMP" $CASE <<'PY'
import resource, subprocess, sys
hq, tmp, case = sys.argv[1:4]
rc = subprocess.call([hq, "run", "-q", "-p", "qcvn135-2024", "-d", tmp + "/dut.json",
    "-o", tmp + "/run", "--only", case, "--set", case + ":cases_per_surface=10000"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, rc)
PY
)
set -- $rss
check "10,000 cases: exit 2, INCOMPLETE: one case of the profile (got $2)" [ "$2" -eq 2 ]
check "10,000 cases: peak RSS $1 MiB < 64 MiB" [ "$1" -lt 64 ]
check "10,000 cases: all sent, PASS" $PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
m={x["name"]: x["value"] for x in r["measurements"]}
assert r["verdict"]=="PASS" and m["cases_sent"]==10000, (r["verdict"], m)' \
    "$T_TMP/run/report.json" $CASE
echo "t-input-mem: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
