#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the input family against real servers from Debian in a
# namespace of our own (hq-in*): nginx (HTTP and HTTPS), mosquitto (MQTT),
# openssh's sshd, inetutils telnetd and gst-rtsp-server (RTSP); nginx also
# stands for a bare TLS port (ClientHello model) and an ONVIF endpoint (SOAP
# model: it answers 405, a normal refusal).  They must
# survive: PASS, with every surface fuzzed and the controls before and
# after.  Then one server is killed in the middle of a campaign, which must
# turn into a FAIL naming it (a real server that dies is found).
. "$(dirname "$0")/lib.sh"
need_root
for t in /usr/sbin/nginx /usr/sbin/mosquitto /usr/sbin/sshd /usr/sbin/telnetd \
    socat openssl ssh-keygen; do
	command -v $t >/dev/null 2>&1 || { echo "skipped: $t missing"; exit 77; }
done
$PY -c 'import gi; gi.require_version("GstRtspServer", "1.0")' 2>/dev/null ||
    { echo "skipped: gst-rtsp-server (python3-gi) missing"; exit 77; }

DUTNS=hq-in$$-dut
LABNS=hq-in$$-lab
A=198.18.241.2
netns_add $DUTNS
netns_add $LABNS
veth_link $LABNS hqinlan0 198.18.241.1/24 $DUTNS hqindut0 $A/24
CASE=qcvn135-2024/g11.1-malformed-input

# nginx, HTTP and HTTPS (self-signed; the tls family judges certificates).
mkdir -p "$T_TMP/nginx/logs" "$T_TMP/www"
echo hello >"$T_TMP/www/index.html"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=$A \
    -keyout "$T_TMP/nginx/key.pem" -out "$T_TMP/nginx/cert.pem" 2>/dev/null
cat >"$T_TMP/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $T_TMP/nginx/nginx.pid;
error_log $T_TMP/nginx/logs/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $T_TMP/nginx/body;
	proxy_temp_path $T_TMP/nginx/proxy;
	fastcgi_temp_path $T_TMP/nginx/fcgi;
	uwsgi_temp_path $T_TMP/nginx/uwsgi;
	scgi_temp_path $T_TMP/nginx/scgi;
	server {
		listen $A:80;
		listen $A:443 ssl;
		listen $A:8443 ssl;
		listen $A:8080;
		ssl_certificate $T_TMP/nginx/cert.pem;
		ssl_certificate_key $T_TMP/nginx/key.pem;
		root $T_TMP/www;
	}
}
CONF
bg $DUTNS /usr/sbin/nginx -c "$T_TMP/nginx/nginx.conf" -g 'daemon off;'
# mosquitto, anonymous clients allowed.
printf 'listener 1883 %s\nallow_anonymous true\npersistence false\n' $A \
    >"$T_TMP/mosquitto.conf"
bg $DUTNS /usr/sbin/mosquitto -c "$T_TMP/mosquitto.conf"
# sshd.
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/hostkey"
bg $DUTNS /usr/sbin/sshd -D -e -p 22 -h "$T_TMP/hostkey" \
    -o PidFile=none -o UsePAM=no -o ListenAddress=$A
# telnetd behind socat, as inetd would run it.
bg $DUTNS socat TCP-LISTEN:23,bind=$A,reuseaddr,fork EXEC:/usr/sbin/telnetd
# gst-rtsp-server.
bg $DUTNS $PY "$HQ_TOP/tests/e2e/input-rtsp.py" $A 8554
for p in 80 443 8443 8080 1883 22 23 8554; do
	wait_port $LABNS $A $p 15 || nok "port $p did not open"
done

cat >"$T_TMP/dut.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "test", "model": "input-real-e2e",
                "serial": "E2E-IN-1", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": 241, "lan_if": "hqinlan0",
             "uplink_if": "lo", "address": "$A" },
  "surfaces": [ { "id": "http", "proto": "http", "port": 80 },
                { "id": "https", "proto": "https", "port": 443 },
                { "id": "tls", "proto": "tls", "port": 8443, "tls": true },
                { "id": "onvif", "proto": "onvif", "port": 8080 },
                { "id": "mqtt", "proto": "mqtt", "port": 1883 },
                { "id": "ssh", "proto": "ssh", "port": 22 },
                { "id": "telnet", "proto": "telnet", "port": 23 },
                { "id": "rtsp", "proto": "rtsp", "port": 8554,
                  "login": { "kind": "rtsp-digest", "path": "/live" } } ],
  "claims": {} }
JSON

hq() {	# hq NAME [--set ...]: runs the g11 case from the lab side
	d=$1; shift
	ip netns exec $LABNS "$HOPQUY" run -q -p qcvn135-2024 -d "$T_TMP/dut.json" \
	    -o "$T_TMP/$d" --only $CASE --set "$CASE:recover_s=3" "$@" \
	    >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
res() {	# res NAME PYEXPR
	$PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
ok=eval(sys.argv[3])
if not ok: print(r["verdict"], r["rationale"], r["findings"][:3], file=sys.stderr)
sys.exit(0 if ok else 1)' "$T_TMP/$1/report.json" $CASE "$2"
}

# 1. Every real server survives: PASS.
hq real --set "$CASE:cases_per_surface=250"
check "real servers: exit 2, INCOMPLETE: one case of the profile (got $rc)" [ $rc -eq 2 ]
check "real servers: PASS" res real 'r["verdict"]=="PASS"'
check "real servers: eight surfaces, 250 cases each" \
    res real 'len(r["details"]["input"]["surfaces"])==8 and all(s["cases_sent"]==250 for s in r["details"]["input"]["surfaces"])'
check "real servers: the models used (http, mqtt, onvif, raw, rtsp, telnet, tls)" \
    res real 'sorted(set(s["model"] for s in r["details"]["input"]["surfaces"]))==["http","mqtt","onvif","raw","rtsp","telnet","tls"]'
check "real servers: controls before and after, normal answers" \
    res real 'sum(1 for s in r["steps"] if "control after" in s["text"] and "normal answer" in s["text"])==8'
check "real servers: nginx logged no crash" \
    not grep -q 'exited on signal' "$T_TMP/nginx/logs/error.log"

# 2. A real server that dies mid-campaign is found (mosquitto killed).
( sleep 3; pkill -F /dev/null 2>/dev/null; ip netns pids $DUTNS |
    while read -r p; do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = mosquitto ] && kill -9 "$p"
    done ) &
killer=$!
hq killed --set "$CASE:cases_per_surface=100000" --set "$CASE:budget_s=20" \
    --set "$CASE:max_findings=1"
wait $killer
check "server killed: exit 1 (got $rc)" [ $rc -eq 1 ]
check "server killed: FAIL naming the MQTT surface as dead" \
    res killed 'r["verdict"]=="FAIL" and any("surface mqtt (1883/tcp)" in f and "dead" in f for f in r["findings"])'

echo "t-input-real: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
