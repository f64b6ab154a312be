#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: hopquy against a hostile device.  tests/e2e/hostile-server.py
# misbehaves one way per case (never answering, one byte a second, endless
# headers, a 2 GB Content-Length, garbage and huge TLS records, a
# certificate chain over OpenSSL's limit, RST after accept, telnet and MQTT
# floods, a SOAP bomb, a huge JSON on a data-API step, a device that passes
# the controls and then turns hostile, every port open, ...) and the case
# that talks to that surface runs against it, in host mode, from the
# profile qcvn135-2024 with short deadlines (recorded deviations).  Each
# case must: end within its deadline plus a margin; give INCONCLUSIVE or the
# right FAIL (never PASS, never a crash), with a reason that blames the
# device for what it did; stay under HOSTILE_RSS_MB of peak RSS (printed);
# and leave the lab namespace's addresses, routes and rules as they were.
# Namespaces hq-hostile-<pid>-{lab,dut} with addresses in 198.18.91.0/24,
# and bench instance 90 (HQ_HOSTILE_BENCH) for the interception flood.
. "$(dirname "$0")/lib.sh"
need_root
PATH=$PATH:/usr/sbin
for t in openssl nft; do
	command -v $t >/dev/null 2>&1 || { echo "skipped: $t missing"; exit 77; }
done
[ -x "$PY" ] || { echo "skipped: $PY missing"; exit 77; }

LAB=hq-hostile-$$-lab
DUT=hq-hostile-$$-dut
ADDR=198.18.91.2
SERVER="$HQ_TOP/tests/e2e/hostile-server.py"
P=qcvn135-2024
OPW='Op3rator!x9Q'
: "${HOSTILE_RSS_MB:=200}"
DL=8		# deadline of most cases (s)
DL_SURF=15	# the surface case on an all-ports-open device

netns_add "$LAB" && netns_add "$DUT" &&
    veth_link "$LAB" hqlan0 198.18.91.1/24 "$DUT" hqdut0 "$ADDR/24" ||
    { nok "cannot set up namespaces"; t_done; }

# The test profile: the shipped one, short deadlines and timeouts.
$PY - "$HQ_TOP/profiles/$P.json" "$T_TMP/profile.json" $DL $DL_SURF <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
dl, dls = int(sys.argv[3]), int(sys.argv[4])
short = {
 "g1.1-no-default-credentials": dict(dictionary="small.txt", parallel=2,
     retries=0, connect_timeout_ms=2000, timeout_ms=2000, auth_timeout_ms=2000,
     recover_max_s=2, recover_probe_s=1, undecided_retries=1, backoff_ms=100,
     relock_wait_s=1, required=[], user_budget=0),
 "g1.7-no-unauthenticated-access": dict(timeout_ms=2000, mqtt_wait_ms=500),
 "g5.1-tls-protocols": dict(use_open_ports=False, probe_timeout_ms=1500,
     retries=0, handshake_timeout_ms=2000),
 "g5.3-tls-certificate": dict(use_open_ports=False, handshake_timeout_ms=2000),
 "g6.1-declared-services": dict(connect_timeout_ms=500, banner_timeout_ms=1000),
 "g7.1-cleartext-surfaces": dict(use_open_ports=False, probe_timeout_ms=1500),
 "g7.2-deleted-account-refused": dict(timeout_ms=2000, connect_timeout_ms=1000,
     cloud_wait_s=1, settle_s=0),
 "g5.5-cloud-certificate-validation": dict(connect_wait_ms=5000),
}
keep = []
for c in p["testcases"]:
    k = c["id"].split("/", 1)[1]
    if k in short:
        c["params"].update(short[k])
        c["timeout_s"] = dls if k.startswith(("g6.1", "g5.5")) else dl
        keep.append(c)
p["testcases"] = keep
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
ln -s "$HQ_TOP/profiles/data" "$T_TMP/data"
printf '@source e2e\nadmin\tadmin\nroot\t12345\nadmin\t1234\n' >"$T_TMP/small.txt"

# A certificate chain over OpenSSL's 100 KiB limit on a peer's chain: the
# leaf, then 200 copies of an intermediate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T_TMP/tls.key" -out "$T_TMP/tls.pem" -days 30 \
    -subj "/CN=hostile" 2>/dev/null || nok "openssl: a key"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T_TMP/ica.key" \
    -out "$T_TMP/ica.pem" -days 30 -subj "/CN=hostile intermediate" \
    2>/dev/null || nok "openssl: an intermediate"
cp "$T_TMP/tls.pem" "$T_TMP/bigchain.pem"
i=0
while [ $i -lt 200 ]; do cat "$T_TMP/ica.pem"; i=$((i + 1)); done \
    >>"$T_TMP/bigchain.pem"

# dut_file NAME SURFACES-JSON [EXTRA-JSON]: a DUT file in host mode.
dut_file() {
	cat >"$T_TMP/$1.json" <<EOF
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "hostile",
                "serial": "HS-0001", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 91), "lan_if": "hqlan0",
             "uplink_if": "lo", "address": "$ADDR" },
  "surfaces": [ $2 ],
  "credentials": {
    "operator": { "user": "operator", "password": "$OPW" },
    "labels": [
      { "serial": "HS-0001", "user": "admin", "password": "k7#Vq2@Lm9zX" },
      { "serial": "HS-0002", "user": "admin", "password": "T4!pW8rs&Ye3" } ] },
  ${3:+$3,}
  "claims": {} }
EOF
}
dut_file http '{ "id": "web", "proto": "http", "port": 8080,
    "login": { "kind": "http-basic", "path": "/basic" } }'
dut_file http-unauth '{ "id": "web", "proto": "http", "port": 8080,
    "login": { "kind": "http-basic", "path": "/basic" },
    "protected_paths": [ "/snapshot.jpg" ] }'
dut_file onvif '{ "id": "onvif", "proto": "onvif", "port": 8080 }'
dut_file rtsp '{ "id": "video", "proto": "rtsp", "port": 8554,
    "login": { "kind": "rtsp-basic", "path": "/live" } }'
dut_file mqtt '{ "id": "events", "proto": "mqtt", "port": 1883,
    "login": { "kind": "mqtt" } }'
dut_file telnet '{ "id": "console", "proto": "telnet", "port": 2323,
    "login": { "kind": "telnet" } }'
dut_file ssh '{ "id": "shell", "proto": "ssh", "port": 2222,
    "login": { "kind": "ssh-password" } }'
dut_file tls '{ "id": "web", "proto": "https", "port": 8443 }'
dut_file data '{ "id": "web", "proto": "http", "port": 8080,
    "login": { "kind": "http-basic", "path": "/basic" } }' '"data": {
    "kinds": { "account": {
      "create": [ { "surface": "web", "method": "POST", "path": "/api/users",
        "auth": "operator", "body": { "user": "hq{run}" }, "expect": 201,
        "capture": { "uid": "/id" } } ],
      "present": [ { "surface": "web", "method": "GET",
        "path": "/api/users/{uid}", "auth": "operator", "expect": 200 } ],
      "absent": [ { "surface": "web", "method": "GET",
        "path": "/api/users/{uid}", "auth": "operator", "expect": 404 } ] } },
    "delete": [ { "surface": "web", "method": "DELETE",
      "path": "/api/users/{uid}", "auth": "operator", "expect": 200 } ] }'
for f in "$T_TMP"/*.json; do
	case $f in */profile.json) continue ;; esac
	"$HOPQUY" dut check "$f" >/dev/null 2>"$T_TMP/dutcheck.err" ||
	    { nok "dut check $(basename "$f")"; sed 's/^/  | /' "$T_TMP/dutcheck.err"; }
done

# The lab namespace's state, to compare after each run.
netstate() {
	{ ip -n "$LAB" -o addr; ip -n "$LAB" route; ip -n "$LAB" rule
	  ip -n "$LAB" -o link | sed 's/ qlen.*//'
	  ip netns exec "$LAB" tc qdisc show
	  ip netns exec "$LAB" nft list ruleset; } 2>&1 |
	    sed -e 's/ valid_lft.*//' -e 's/ tentative//' \
	    -e '/^Error: Peer netns reference is invalid\.$/d'
}
# (iproute2 says so while it maps the host's namespaces to ids and
# another process deletes one of them: the host's churn, not the lab's.)
netstate >"$T_TMP/net.before"

# up PORT: until a TCP connect to the device succeeds (connects and
# closes without reading: a device that streams would hold socat).
up() {
	ip netns exec "$LAB" "$PY" - "$ADDR" "$1" <<'PY'
import socket, sys, time
end = time.monotonic() + 10
while time.monotonic() < end:
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

SRV=""
server() {	# server MODE PORT... [-- ARGS]: the hostile device
	[ -n "$SRV" ] && { t_kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
	mode=$1; shift
	ports=""
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		ports="$ports --port $1"; shift
	done
	[ "${1:-}" = -- ] && shift
	# shellcheck disable=SC2086
	ip netns exec "$DUT" "$PY" "$SERVER" --addr "$ADDR" --mode "$mode" \
	    --password "$OPW" $ports "$@" >>"$T_TMP/server.log" 2>&1 &
	SRV=$!
	T_PIDS="$T_PIDS $SRV"
	# shellcheck disable=SC2086
	set -- $ports
	up "$2" || nok "$mode: server did not start"
}

# verdict_ok: $v is one of $want ("FAIL" or "FAIL/INCONCLUSIVE"), and
# the exit status says FAIL (1) or INCONCLUSIVE (2): no crash, no PASS.
verdict_ok() {
	case "/$want/" in */"$v"/*) ;; *) return 1 ;; esac
	[ "$rc" -ge 1 ] && [ "$rc" -le 2 ]
}

NCASE=0
# hcase NAME DUT CASE DEADLINE WANT [TEXT]: runs CASE against the hostile
# device and checks time, verdict (and that TEXT, an extended regular
# expression, is in the rationale or the findings), memory and the lab
# network.  HC_EXEC (default: into the lab namespace), HC_PROFILE and
# HC_ARGS change how hopquy is run; DUT is a name in $T_TMP or a path.
hcase() {
	name=$1 dut=$2 cid=$3 dl=$4 want=$5 text=${6:-}
	if [ -n "${HQ_HOSTILE_ONLY:-}" ] &&
	    ! echo "$name" | grep -qi -- "$HQ_HOSTILE_ONLY"; then
		return 0
	fi
	NCASE=$((NCASE + 1))
	run="$T_TMP/run$NCASE"
	case $dut in /*) dfile=$dut ;; *) dfile="$T_TMP/$dut.json" ;; esac
	# shellcheck disable=SC2086
	$PY - "$run.meas" ${HC_EXEC-ip netns exec $LAB} "$HOPQUY" run -q \
	    --no-capture -p "${HC_PROFILE:-$T_TMP/profile.json}" -d "$dfile" \
	    -o "$run" --only "$P/$cid" ${HC_ARGS:-} >"$run.out" 2>&1 <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[2:])
el = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
open(sys.argv[1], "w").write("%d %.1f %d\n" % (rc, el, rss))
PY
	read -r rc el rss <"$run.meas"
	v=$($PY - "$run/report.json" "$P/$cid" <<'PY' 2>/dev/null
import json, sys
r = json.load(open(sys.argv[1]))
x = [x for x in r["results"] if x["id"].startswith(sys.argv[2])][0]
print(x["verdict"])
open(sys.argv[1] + ".why", "w").write(json.dumps(
    {k: x.get(k) for k in ("rationale", "findings", "notes", "details")}))
PY
)
	echo "# $name: $cid ${v:-no verdict} in ${el}s (deadline ${dl}s), peak RSS ${rss} MiB, exit $rc"
	check "$name: ends within its deadline plus a margin (${el}s <= ${dl}s + 10 % + 3 s)" \
	    $PY -c "import sys; sys.exit(0 if $el <= $dl * 1.1 + 3 else 1)"
	check "$name: $want, never PASS, no crash (got ${v:-none}, exit $rc)" \
	    verdict_ok
	if [ -n "$text" ]; then
		check "$name: the reason says \"$text\"" \
		    grep -qiE -- "$text" "$run/report.json.why"
	fi
	check "$name: peak RSS ${rss} MiB < ${HOSTILE_RSS_MB} MiB" \
	    [ "$rss" -lt "$HOSTILE_RSS_MB" ]
	netstate >"$T_TMP/net.after"
	check "$name: the lab network is as it was" \
	    cmp -s "$T_TMP/net.before" "$T_TMP/net.after"
	cmp -s "$T_TMP/net.before" "$T_TMP/net.after" ||
	    diff "$T_TMP/net.before" "$T_TMP/net.after" | head -n 8 |
	    sed 's/^/  | /'
	if [ "$v" != "$want" ] || [ -n "$HQ_HOSTILE_VERBOSE" ]; then
		sed 's/^/  | /' "$run/report.json.why" 2>/dev/null | cut -c1-600
		tail -n 5 "$run.out" | sed 's/^/  | /'
	fi
}

C11=g1.1-no-default-credentials
C17=g1.7-no-unauthenticated-access

# -- HTTP login surface (the default-credential dictionary) -------------
server silent 8080
hcase "never answers (HTTP)" http $C11 $DL INCONCLUSIVE
server slow 8080
hcase "one byte a second (HTTP)" http $C11 $DL INCONCLUSIVE
server endless-headers 8080
hcase "endless headers (HTTP)" http $C11 $DL INCONCLUSIVE "headers too large"
server giant-header 8080
hcase "one header line without end (HTTP)" http $C11 $DL INCONCLUSIVE \
    "header too large"
server clen-2g 8080
hcase "2 GB Content-Length (HTTP)" http $C11 $DL INCONCLUSIVE
server chunked-endless 8080
hcase "endless chunked body (HTTP)" http $C11 $DL INCONCLUSIVE
server continue-forever 8080
hcase "100 Continue forever (HTTP)" http $C11 $DL INCONCLUSIVE
server redirect-loop 8080
hcase "redirect to itself (HTTP)" http $C11 $DL INCONCLUSIVE
server rst 8080
hcase "RST after accept (HTTP)" http $C11 $DL INCONCLUSIVE
server garbage 8080
hcase "binary garbage (HTTP)" http $C11 $DL INCONCLUSIVE
server server-error 8080
hcase "503 to everything (HTTP)" http $C11 $DL INCONCLUSIVE
server silent 8080 -- --good 2
hcase "passes the controls, then never answers (HTTP)" http $C11 $DL \
    INCONCLUSIVE
server clen-2g 8080 -- --good 2
hcase "passes the controls, then a 2 GB body (HTTP)" http $C11 $DL \
    INCONCLUSIVE

# -- unauthenticated access: HTTP, ONVIF, RTSP, MQTT ----------------------
# Served without credentials: the right FAIL, however large the answer.
server clen-2g-ok 8080
hcase "200 and 2 GB on a protected path (HTTP)" http-unauth $C17 $DL \
    FAIL "served without any credential"
server soap-bomb 8080
hcase "ONVIF SOAP bomb" onvif $C17 $DL INCONCLUSIVE
server rtsp-slow 8554
hcase "slowloris on RTSP" rtsp $C17 $DL INCONCLUSIVE
server rtsp-clen-2g 8554
hcase "2 GB RTSP description" rtsp $C17 $DL FAIL \
    "served without any credential"
server garbage 8554
hcase "garbage on RTSP" rtsp $C17 $DL INCONCLUSIVE
server mqtt-connack-flood 1883
hcase "MQTT CONNACK flood" mqtt $C17 $DL FAIL "anonymous client accepted"
server mqtt-huge 1883
hcase "MQTT 256 MB PUBLISH" mqtt $C17 $DL FAIL "anonymous client accepted"
server garbage 1883
hcase "MQTT garbage" mqtt $C11 $DL INCONCLUSIVE

# -- telnet and SSH logins ----------------------------------------------
server telnet-flood 2323
hcase "telnet option flood" telnet $C11 $DL INCONCLUSIVE
server telnet-spam 2323
hcase "telnet login prompt flood" telnet $C11 $DL INCONCLUSIVE
server ssh-banner 2222
hcase "SSH endless pre-version lines" ssh $C11 $DL INCONCLUSIVE

# -- TLS --------------------------------------------------------------------
server tls-garbage 8443
hcase "garbage TLS records" tls g5.1-tls-protocols $DL INCONCLUSIVE
server tls-huge 8443
hcase "huge TLS record" tls g5.1-tls-protocols $DL INCONCLUSIVE
server tls-stall 8443
hcase "half a ServerHello, then silence" tls g5.3-tls-certificate $DL \
    INCONCLUSIVE
server tls-real 8443 -- --cert "$T_TMP/bigchain.pem" --key "$T_TMP/tls.key"
hcase "certificate chain over OpenSSL's limit" tls g5.3-tls-certificate $DL \
    INCONCLUSIVE
server tls-garbage 8443
hcase "garbage TLS records (cleartext check)" tls g7.1-cleartext-surfaces \
    $DL INCONCLUSIVE "malformed TLS answer"

# -- a data-API step ------------------------------------------------------
server huge-json 8080
hcase "huge JSON on a data-API step" data g7.2-deleted-account-refused $DL \
    INCONCLUSIVE

# -- every port open --------------------------------------------------------
[ -n "$SRV" ] && { t_kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; SRV=""; }
ip netns exec "$DUT" nft -f - <<'NFT' || nok "nft rules"
table ip hqhostile {
	chain pre {
		type nat hook prerouting priority -100;
		iifname "hqdut0" tcp dport != 9999 redirect to :9999
	}
}
NFT
server silent 9999 -- --hold 3
up 4242 || nok "redirect not in place"
hcase "every port open" http g6.1-declared-services $DL_SURF FAIL \
    "not identified: the case deadline passed"
if [ -z "${HQ_HOSTILE_ONLY:-}" ]; then
	sd=$($PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
print([x for x in r["results"] if x["id"].startswith(sys.argv[2])][0]["duration_ms"])' \
	    "$T_TMP/run$NCASE/report.json" "$P/g6.1" 2>/dev/null)
	check "every port open: the case ended within 10 % of its ${DL_SURF}s deadline (${sd} ms)" \
	    $PY -c "import sys; sys.exit(0 if 0 < int('${sd:-0}') <= $DL_SURF * 1100 else 1)"
	check "every port open: the case reached its deadline (${sd} ms, not a quick scan)" \
	    $PY -c "import sys; sys.exit(0 if int('${sd:-0}') >= $DL_SURF * 800 else 1)"
fi

# -- a flood of junk connections at the interception endpoint -------------
# The reference DUT on bench HQ_HOSTILE_BENCH (90) validates its cloud's
# certificate, but junk connections from its address flood the cloud port
# that the case redirects to its impostor endpoint: cleartext junk on the
# cloud port is the right FAIL ("in clear to the impostor"), connections
# cut before the certificate make it INCONCLUSIVE; never PASS, and the
# redirect must be gone afterwards.
[ -n "$SRV" ] && { t_kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; SRV=""; }
if [ -z "${HQ_HOSTILE_ONLY:-}" ] ||
    echo "interception" | grep -qi -- "$HQ_HOSTILE_ONLY"; then
	. "$(dirname "$0")/simbench.sh"
	IN=${HQ_HOSTILE_BENCH:-$(bn 90)}
	if simbench_up "$IN" --opt cloud.heartbeat_ms=500 --opt cloud.io_ms=1000 \
	    --opt cloud.connect_ms=1000 --opt cloud.backoff_ms=200 \
	    --opt cloud.backoff_max_ms=1000; then
		ip netns exec "$SB_DNS" "$PY" - "198.19.$IN.2" 443 30 \
		    >"$T_TMP/flood.out" 2>&1 <<'PY' &
import random, socket, sys, time
addr, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
r = random.Random(2); end = time.monotonic() + secs; n = 0
while time.monotonic() < end:
    try:
        s = socket.create_connection((addr, port), 0.5)
        s.sendall(bytes(r.getrandbits(8) for _ in range(r.randrange(1, 200))))
        s.close(); n += 1
    except OSError:
        time.sleep(0.01)
    time.sleep(0.005)
print("flood: %d connections" % n)
PY
		FLOOD=$!
		T_PIDS="$T_PIDS $FLOOD"
		HC_EXEC="" \
		    hcase "junk connection flood at the interception endpoint" \
		    "$SB_DUT" g5.5-cloud-certificate-validation $DL_SURF \
		    FAIL/INCONCLUSIVE "in clear to the impostor|ended before"
		check "interception flood: no redirect left on the lab's lo" \
		    not sh -c "ip -n '$SB_LAB' addr show dev lo | grep -q '198.19.$IN.2/32'"
		check "interception flood: the bench journal is empty" \
		    not test -s "/run/hopquy/bench-$IN.journal"
		t_kill "$FLOOD" 2>/dev/null; wait "$FLOOD" 2>/dev/null
	else
		nok "bench $IN with dutsim and cloudsim"
	fi
fi

[ -n "${HQ_HOSTILE_ONLY:-}" ] ||
    check "at least 25 hostile cases ran ($NCASE)" [ "$NCASE" -ge 25 ]
echo "t-hostile: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
exit $?
