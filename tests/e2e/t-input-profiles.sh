#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the input family's case as the other profiles reuse it:
# ETSI EN 303 645 5.13 and, in the VSTL draft, IEC 62443-4-2 CR 3.5, CR 7.1
# (malformed traffic) and the draft's adversarial input (ai3).  Each PASSes
# on the good simulator (bench instance 245) and FAILs on a faulty one with
# the reason of its fault, under its own id; each PASSes on real servers
# from Debian (nginx and mosquitto, in namespaces of our own on
# 198.18.246.0/24), and one FAILs when a real server is killed mid-run.
. "$(dirname "$0")/lib.sh"
need_root
for t in /usr/sbin/nginx /usr/sbin/mosquitto socat openssl; do
	command -v $t >/dev/null 2>&1 || { echo "skipped: $t missing"; exit 77; }
done
. "$(dirname "$0")/simbench.sh"
N=245
ETSI=etsi-en-303-645/5.13-1-functional-malformed-input
V35=vstl-aicnc-2026-draft/cr3.5-2-malformed-input
V71=vstl-aicnc-2026-draft/cr7.1-2-malformed-traffic
VAI=vstl-aicnc-2026-draft/ai3.2-adversarial-network-input
simbench_up $N || { nok "bench $N with dutsim and cloudsim"; t_done; }

# The DUT files: the monitor's recipe, an MQTT surface; a CNC controller
# (the VSTL draft's class) with the same surfaces.
$PY - "$SB_DUT" "$T_TMP" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["monitor"] = {
    "uptime": {"surface": "web", "method": "GET", "path": "/api/health",
               "auth": "none", "capture": {"boots": "/boots"}},
    "settings": [{"surface": "web", "method": "GET", "path": "/api/version",
                  "auth": "none", "capture": {"name": "/name"}}]}
d["surfaces"].append({"id": "mqtt", "proto": "mqtt", "port": 1883})
json.dump(d, open(sys.argv[2] + "/dut.json", "w"), indent=1)
d["identity"]["class"] = "cnc-controller"
json.dump(d, open(sys.argv[2] + "/cnc.json", "w"), indent=1)
PY

restart() {	# restart [dutsim args]: a fresh simulator
	simbench_stop_dut
	rm -f "$T_TMP/dutsim-state.json"
	simbench_start_dut "$@" || nok "dutsim $* did not start"
}
hq() {	# hq NAME NS PROFILE DUT CASE [--set ...]: runs CASE, sets $rc
	d=$1 ns=$2 prof=$3 f=$4 c=$5; shift 5
	ip netns exec "$ns" "$HOPQUY" run -q -p "$prof" -d "$f" \
	    -o "$T_TMP/$d" --only "$c" \
	    --set "$c:recover_s=6" --set "$c:health_timeout_ms=1500" \
	    "$@" >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
res() {	# res NAME CASE PYEXPR: PYEXPR true of the case's result r
	$PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
ok=eval(sys.argv[3])
if not ok: print(r["verdict"], r["rationale"], r["findings"][:3], file=sys.stderr)
sys.exit(0 if ok else 1)' "$T_TMP/$1/report.json" "$2" "$3"
}
prof_of() { case $1 in etsi*) echo etsi-en-303-645 ;; *) echo vstl-aicnc-2026-draft ;; esac; }
dut_of() { case $1 in etsi*) echo "$T_TMP/dut.json" ;; *) echo "$T_TMP/cnc.json" ;; esac; }

# 1. Good simulator: each case PASSes under its own id, with its seed.
restart --opt mqtt=1
for c in $ETSI $V35 $V71 $VAI; do
	n=good-$(echo $c | tr '/.' '__')
	hq $n "$SB_LAB" $(prof_of $c) $(dut_of $c) $c \
	    --set "$c:cases_per_surface=100"
	check "good sim, $c: ran (exit 2 or 0, got $rc)" [ $rc -eq 2 -o $rc -eq 0 ]
	check "good sim, $c: PASS, four surfaces fuzzed" \
	    res $n $c 'r["verdict"]=="PASS" and len(r["details"]["input"]["surfaces"])==4 and all(s["cases_sent"]==100 for s in r["details"]["input"]["surfaces"])'
done
check "good sim: the CR 7.1 and ai3 campaigns use their own seeds (2, 3)" \
    sh -c "$PY -c 'import json,sys
def seed(n, c):
    r=[x for x in json.load(open(\"$T_TMP/\"+n+\"/report.json\"))[\"results\"] if x[\"id\"]==c][0]
    return r[\"details\"][\"input\"][\"seed\"]
sys.exit(0 if (seed(\"good-vstl-aicnc-2026-draft_cr3_5-2-malformed-input\", \"$V35\"), seed(\"good-vstl-aicnc-2026-draft_cr7_1-2-malformed-traffic\", \"$V71\"), seed(\"good-vstl-aicnc-2026-draft_ai3_2-adversarial-network-input\", \"$VAI\"))==(1,2,3) else 1)'"
check "good sim: the VSTL report is a draft's" \
    $PY -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["profile"]["status"]=="draft" else 1)' \
    "$T_TMP/good-vstl-aicnc-2026-draft_cr3_5-2-malformed-input/report.json"

# 2. A faulty simulator: FAIL with its fault's reason, the reproducer kept.
fault() {	# fault CASE FAULT REGEX
	c=$1 flt=$2 want=$3 n=fault-$2
	restart --opt mqtt=1 --fault "$flt"
	hq $n "$SB_LAB" $(prof_of $c) $(dut_of $c) $c \
	    --set "$c:max_findings=1"
	check "$flt, $c: exit 1 (got $rc)" [ $rc -eq 1 ]
	check "$flt, $c: FAIL, finding says $want" \
	    res $n $c "r['verdict']=='FAIL' and any(__import__('re').search('$want', x) for x in r['findings'])"
	check "$flt, $c: reproducer saved" \
	    res $n $c 'any(e.endswith("finding-1.bin") for e in r["evidence"])'
}
fault $ETSI crash-on-malformed 'left the device (dead|hung|answering abnormally)'
fault $V35 setting-on-malformed 'changed setting.*name'
fault $V71 hang-on-malformed 'left the device hung'
fault $VAI mqtt-bad-length 'surface mqtt .*left the device (dead|hung|answering abnormally)'
simbench_stop_dut

# 3. Real servers from Debian: nginx (HTTP, HTTPS) and mosquitto survive.
DUTNS=hq-ip$$-dut
LABNS=hq-ip$$-lab
A=198.18.246.2
netns_add $DUTNS
netns_add $LABNS
veth_link $LABNS hqiplan0 198.18.246.1/24 $DUTNS hqipdut0 $A/24
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
		ssl_certificate $T_TMP/nginx/cert.pem;
		ssl_certificate_key $T_TMP/nginx/key.pem;
		root $T_TMP/www;
	}
}
CONF
bg $DUTNS /usr/sbin/nginx -c "$T_TMP/nginx/nginx.conf" -g 'daemon off;'
printf 'listener 1883 %s\nallow_anonymous true\npersistence false\n' $A \
    >"$T_TMP/mosquitto.conf"
bg $DUTNS /usr/sbin/mosquitto -c "$T_TMP/mosquitto.conf"
for p in 80 443 1883; do
	wait_port $LABNS $A $p 15 || nok "port $p did not open"
done
for cls in ip-camera cnc-controller; do
	cat >"$T_TMP/real-$cls.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "test", "model": "input-profiles-e2e",
                "serial": "E2E-IP-1", "firmware": "1.0", "class": "$cls" },
  "bench": { "mode": "host", "instance": 246, "lan_if": "hqiplan0",
             "uplink_if": "lo", "address": "$A" },
  "surfaces": [ { "id": "http", "proto": "http", "port": 80 },
                { "id": "https", "proto": "https", "port": 443 },
                { "id": "mqtt", "proto": "mqtt", "port": 1883 } ],
  "claims": {} }
JSON
done
for c in $ETSI $V35 $V71 $VAI; do
	n=real-$(echo $c | tr '/.' '__')
	case $c in etsi*) f="$T_TMP/real-ip-camera.json" ;;
	    *) f="$T_TMP/real-cnc-controller.json" ;; esac
	hq $n $LABNS $(prof_of $c) "$f" $c --set "$c:cases_per_surface=150"
	check "nginx+mosquitto, $c: PASS, three surfaces fuzzed" \
	    res $n $c 'r["verdict"]=="PASS" and len(r["details"]["input"]["surfaces"])==3'
done

# 4. A real server that dies mid-campaign is found under the CR 7.1 case.
( sleep 3; ip netns pids $DUTNS | while read -r p; do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = mosquitto ] && kill -9 "$p"
    done ) &
killer=$!
hq killed $LABNS vstl-aicnc-2026-draft "$T_TMP/real-cnc-controller.json" $V71 \
    --set "$V71:cases_per_surface=100000" --set "$V71:budget_s=20" \
    --set "$V71:max_findings=1"
wait $killer
check "mosquitto killed, $V71: exit 1 (got $rc)" [ $rc -eq 1 ]
check "mosquitto killed, $V71: FAIL naming the MQTT surface as dead" \
    res killed $V71 'r["verdict"]=="FAIL" and any("surface mqtt (1883/tcp)" in f and "dead" in f for f in r["findings"])'

echo "t-input-profiles: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
