#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# dutsim's cloud link and local alarm, and cloudsim, checked with stock
# clients only (socat, curl, openssl s_client, tcpdump, python3 stdlib).
#
#   DUT ns 198.18.0.2 --- lab ns 198.18.0.1 | 198.19.0.1 --- cloud ns 198.19.0.2
#
# The lab routes the DUT's uplink; cutting the lab's cloud-side link is
# the network cut of QCVN 132.  Several dutsim instances ("slots") may run
# at once in the DUT namespace, each on its own ports and sinks.
. "$(dirname "$0")/lib.sh"
need_root

DUTSIM="$HQ_BUILD/fixtures/dutsim"
CLOUDSIM="$HQ_BUILD/fixtures/cloudsim"
PKI="$HQ_BUILD/fixtures/pki"
WAVCHECK="$HQ_TOP/tests/sim/wavcheck.py"
for b in "$DUTSIM" "$CLOUDSIM"; do
	if [ ! -x "$b" ]; then
		nok "$b is built (make fixtures)"
		t_done
	fi
done

N=hq-sc$$
D=${N}d
L=${N}l
C=${N}c
UP=sk$$			# the lab's interface toward the cloud: the cut
netns_add "$D" && netns_add "$L" && netns_add "$C" || { nok netns; t_done; }
veth_link "$D" sd$$ 198.18.0.2/24 "$L" sl$$ 198.18.0.1/24
veth_link "$L" "$UP" 198.19.0.1/24 "$C" sc$$ 198.19.0.2/24
ip -n "$D" route add default via 198.18.0.1
ip -n "$C" route add default via 198.19.0.1
ip netns exec "$L" sysctl -qw net.ipv4.ip_forward=1

# ---- PKI: fixtures/pki/gen.sh's, or a stand-in made here ----
if [ -r "$PKI/cloud-ca.crt" ] && [ -r "$PKI/evil-cloud.crt" ]; then
	CA=$PKI/cloud-ca.crt
	CERT=$PKI/cloud.crt KEY=$PKI/cloud.key
	EVIL_CERT=$PKI/evil-cloud.crt EVIL_KEY=$PKI/evil-cloud.key
else
	P=$T_TMP/pki
	mkdir -p "$P"
	san="subjectAltName=DNS:cloud.hopquy.test,IP:198.19.0.2"
	for n in ca evil; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout "$P/$n-ca.key" -out "$P/$n-ca.crt" -days 2 \
		    -subj "/CN=$n cloud CA" 2>/dev/null
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout "$P/$n.key" -out "$P/$n.csr" \
		    -subj /CN=cloud.hopquy.test 2>/dev/null
		printf '%s\n' "$san" >"$P/ext"
		openssl x509 -req -in "$P/$n.csr" -CA "$P/$n-ca.crt" \
		    -CAkey "$P/$n-ca.key" -CAcreateserial -days 2 \
		    -extfile "$P/ext" -out "$P/$n.crt" 2>/dev/null
	done
	CA=$P/ca-ca.crt CERT=$P/ca.crt KEY=$P/ca.key
	EVIL_CERT=$P/evil.crt EVIL_KEY=$P/evil.key
fi

# ---- helpers ----
# stim SLOT LINE: one stimulus line from the lab, prints the reply.
stim() {
	echo "$2" | ip netns exec "$L" socat -T2 - \
	    "TCP:198.18.0.2:$((7000 + $1)),connect-timeout=2" 2>/dev/null
}
stim_ms() { stim "$1" "$2" | awk '$1 == "ok" { print $2 }'; }
online() { stim "$1" status | grep -q " cloud online "; }
offline() { stim "$1" status | grep -q " cloud offline "; }
# q PATH: cloudsim's query API (port QP, 8080), from its namespace.
q() { ip netns exec "$C" curl -s -m 3 "http://127.0.0.1:${QP:-8080}$1"; }
# count PATH DEVICE [PORT]: records of DEVICE in a query answer.
count() {
	QP=${3:-8080} q "$1" | $PY -c 'import json, sys
print(sum(1 for r in json.load(sys.stdin) if r["device"] == sys.argv[1]))' "$2"
}
more_than() { [ "$(count "$1" "$2" "${4:-8080}")" -gt "$3" ]; }
wav() { $PY "$WAVCHECK" "$@" >>"$T_TMP/checks.log" 2>&1; }
ms_now() { $PY -c 'import time
print(int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1000))'; }
# strobe FILE FROM_UNIX_MS EXPECT_FIRST_ON_UNIX_MS TOL NONS PERIOD_MS: the
# flashes after FROM: first "on" at EXPECT +- TOL, NONS of them, PERIOD
# apart (+- TOL); NONS 0: no line at all after FROM.  On a mismatch the
# flashes seen are printed.
strobe() {
	$PY - "$@" >"$T_TMP/strobe.chk" 2>&1 <<'EOF'
import sys
f, frm, exp, tol, nons, per = sys.argv[1], *map(int, sys.argv[2:])
try:
    lines = [l.split() for l in open(f)]
except FileNotFoundError:
    lines = []
ev = [(int(t), s) for t, s in lines if int(t) >= frm]
ons = [t for t, s in ev if s == "on"]
print("strobe after %d: %s" % (frm, ev))
if nons == 0:
    sys.exit(0 if not ev else 1)
ok = len(ons) == nons and abs(ons[0] - exp) <= tol and all(
    abs(b - a - per) <= tol for a, b in zip(ons, ons[1:])) and \
    ev[-1][1] == "off"
sys.exit(0 if ok else 1)
EOF
	rc=$?
	cat "$T_TMP/strobe.chk" >>"$T_TMP/checks.log"
	[ $rc -eq 0 ] || sed 's/^/    /' "$T_TMP/strobe.chk"
	return $rc
}
# dut SLOT ARGS...: starts dutsim in the DUT namespace on the slot's
# ports and sinks, with a fast cloud link; waits for its stimulus socket.
dut() {
	k=$1; shift
	ip netns exec "$D" "$DUTSIM" --state "$T_TMP/state$k.json" \
	    --opt https_port=$((10443 + k)) --opt http_port=$((10080 + k)) \
	    --opt rtsp_port=$((10554 + k)) --opt telnet_port=$((10023 + k)) \
	    --opt alarm.port=$((7000 + k)) \
	    --opt alarm.wav="$T_TMP/siren$k.wav" \
	    --opt alarm.strobe="$T_TMP/strobe$k.log" \
	    --opt alarm.duration_ms=1500 \
	    --opt cloud.ca="$CA" --opt cloud.heartbeat_ms=1000 \
	    --opt cloud.io_ms=1000 --opt cloud.connect_ms=1000 \
	    --opt cloud.backoff_ms=200 --opt cloud.backoff_max_ms=1000 \
	    "$@" >>"$T_TMP/dut$k.log" 2>&1 &
	eval "DUT_$k=$!"
	T_PIDS="$T_PIDS $!"
	wait_port "$L" 198.18.0.2 $((7000 + k)) 10
}
dut_stop() {
	eval "p=\$DUT_$1"
	t_kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}
uplink_cut() { ip -n "$L" link set "$UP" down; }
uplink_restore() { ip -n "$L" link set "$UP" up; }
W() { echo "$T_TMP/siren$1.wav"; }
S() { echo "$T_TMP/strobe$1.log"; }

# ---- cloudsim, and its controls ----
DEVS="--device dutsim-0001:hq-cloud-secret-0001 --device dut-b:pw-b-0001
    --device dut-c:pw-c-0001 --device dut-g:pw-g-0001
    --device dut-h:Cleartext-Secret-h"
# shellcheck disable=SC2086
bg "$C" "$CLOUDSIM" --cert "$CERT" --key "$KEY" $DEVS
CS_GOOD=$!
# shellcheck disable=SC2086
bg "$C" "$CLOUDSIM" --cert "$EVIL_CERT" --key "$EVIL_KEY" --tls-port 8443 \
    --plain-port 0 --query-port 8081 $DEVS
CS_EVIL=$!
wait_port "$L" 198.19.0.2 8080 10 && wait_port "$L" 198.19.0.2 8081 10
check "control: cloudsim's certificate verifies for cloud.hopquy.test" \
    sh -c "ip netns exec $L openssl s_client -connect 198.19.0.2:443 \
    -servername cloud.hopquy.test -verify_hostname cloud.hopquy.test \
    -CAfile $CA -verify_return_error </dev/null >/dev/null 2>&1"
check "control: the interceptor's certificate does not verify" \
    sh -c "! ip netns exec $L openssl s_client -connect 198.19.0.2:8443 \
    -servername cloud.hopquy.test -verify_hostname cloud.hopquy.test \
    -CAfile $CA -verify_return_error </dev/null >/dev/null 2>&1"

# ---- good configuration (slot 0): link, alarm timing, netcut, backlog ----
ip netns exec "$L" tcpdump -i "$UP" -U -s 0 -w "$T_TMP/tls.pcap" \
    tcp port 443 >/dev/null 2>&1 &
T_PIDS="$T_PIDS $!"
TCPD_TLS=$!
sleep 0.5
dut 0 --opt alarm.latency_ms=300
check "link: login and heartbeats reach cloudsim over TLS" \
    until_ok 8 more_than /heartbeats dutsim-0001 1
check "link: heartbeats carried by TLS" sh -c \
    "ip netns exec $C curl -s http://127.0.0.1:8080/status |
    grep -q '\"last_heartbeat_transport\":\"tls\"'"
t_kill "$TCPD_TLS"; wait "$TCPD_TLS" 2>/dev/null
check "link: the TLS capture shows the server name (capture control)" \
    grep -q -a cloud.hopquy.test "$T_TMP/tls.pcap"
check "link: the TLS capture does not show the device password" \
    sh -c "! grep -q -a hq-cloud-secret-0001 $T_TMP/tls.pcap"

CL=$(stim 0 clock)
echo "clock: $CL"
MONO0=$(echo "$CL" | awk '{ print $2 }')
OFF=$(($(echo "$CL" | awk '{ print $4 }') - MONO0))	# unix - mono
T0=$(echo "$CL" | awk '{ print $6 }')
t0_is() { [ "$($PY "$WAVCHECK" t0 "$1" | awk '{ print $1 }')" = "$2" ]; }
check "siren sink: WAV t0 matches the stimulus socket's wav-t0" \
    t0_is "$(W 0)" "$T0"
check "siren sink: sample clock aligned to CLOCK_MONOTONIC (+-20 ms)" \
    ip netns exec "$L" $PY "$WAVCHECK" clock "$(W 0)" 20
check "no alarm without stimulus (good configuration)" \
    wav silent "$(W 0)" "$T0" "$(ms_now)"

S0=$(stim_ms 0 person)
sleep 2.1
check "alarm: siren's first samples at stimulus + 300 ms (+-1 frame)" \
    wav onset "$(W 0)" "$S0" $((S0 + 300)) 6
check "alarm: siren at -6 dBFS (configured level)" \
    wav level "$(W 0)" "$S0" -6 0.5
check "alarm: siren lasts the configured 1500 ms" \
    wav length "$(W 0)" "$S0" 1500 10
# +- 100 ms: the strobe sink is stamped by a userspace timer, which a
# loaded host (two copies of the suite) delays by tens of milliseconds;
# the siren above is checked to the frame by its sample clock.
check "alarm: strobe on at stimulus + 300 ms, 3 flashes at 2 Hz (+-100 ms)" \
    strobe "$(S 0)" $((S0 + OFF)) $((S0 + OFF + 300)) 100 3 500
check "alarm: event reached cloudsim" \
    until_ok 3 more_than "/events?type=alarm" dutsim-0001 0

E0=$(stim_ms 0 empty)
sleep 1
check "scene 'empty' raises no alarm (no siren)" \
    wav silent "$(W 0)" "$E0" $((E0 + 900))
check "scene 'empty' raises no alarm (no strobe)" \
    strobe "$(S 0)" $((E0 + OFF)) 0 0 0 0
is_err() { stim 0 "$1" | grep -q '^err'; }
check "stimulus socket rejects garbage" is_err 'PERSON; DROP'

K0=$(stim_ms 0 calibrate)
sleep 1.2
check "calibration: 1 kHz tone at -20 dBFS on demand" \
    wav tone "$(W 0)" "$K0" 1000 -20

P0=$(stim_ms 0 person)
sleep 0.6
X0=$(stim_ms 0 disarm)
sleep 0.3
check "disarm: siren stops at the disarm command" \
    wav length "$(W 0)" "$P0" $((X0 - P0 - 300)) 8
check "disarm: strobe off" sh -c "tail -n 1 $(S 0) | grep -q ' off$'"

# QCVN 132: the network is cut
uplink_cut
check "netcut: the DUT sees its cloud offline" until_ok 6 offline 0
N0=$(count "/events?type=alarm" dutsim-0001)
C0=$(stim_ms 0 person)
sleep 2
check "netcut: local alarm while offline, siren at stimulus + 300 ms" \
    wav onset "$(W 0)" "$C0" $((C0 + 300)) 6
check "netcut: strobe while offline" \
    strobe "$(S 0)" $((C0 + OFF)) $((C0 + OFF + 300)) 30 3 500
R0=$(ms_now)
uplink_restore
check "restore: the link comes back" until_ok 6 online 0
echo "reconnected $(($(ms_now) - R0)) ms after restore (polled)"
echo "alarm events of dutsim-0001 before the cut: $N0"
check "restore: the offline alarm is uploaded (backlog)" \
    until_ok 5 more_than "/events?type=alarm" dutsim-0001 "$N0"
dut_stop 0
check "siren sink: header sizes final after exit" wav final "$(W 0)"
check "siren sink: stock python wave module reads it" $PY -c "import wave
w = wave.open('$(W 0)'); assert w.getframerate() == 16000
assert w.getnchannels() == 1 and w.getsampwidth() == 2"

# ---- link faults with a cut: no-backlog, no-reconnect; and the alarm
# faults that depend on the cloud: alarm-none-offline, alarm-cloud-only ----
dut 1 --fault no-backlog --fault alarm-none-offline --opt alarm.latency_ms=300 \
    --opt cloud.device=dut-b --opt cloud.secret=pw-b-0001
dut 2 --fault no-reconnect --fault alarm-cloud-only \
    --opt alarm.confirm_ms=1500 --opt cloud.device=dut-c \
    --opt cloud.secret=pw-c-0001
both_online() { online 1 && online 2; }
both_offline() { offline 1 && offline 2; }
check "faulted links come up" until_ok 8 both_online
B1=$(stim_ms 1 person)
C1=$(stim_ms 2 person)
sleep 2
check "alarm-none-offline: alarm while online (twin)" \
    wav onset "$(W 1)" "$B1" $((B1 + 300)) 6
check "alarm-cloud-only: alarm once the cloud confirmed (online)" \
    wav length "$(W 2)" "$C1" 1500 10
uplink_cut
check "netcut: faulted DUTs see the cloud offline" until_ok 6 both_offline
NB=$(count "/events?type=alarm" dut-b)
B2=$(stim_ms 1 person)
C2=$(stim_ms 2 person)
sleep 2.2
check "alarm-none-offline: no siren while offline" \
    wav silent "$(W 1)" "$B2" $((B2 + 2000))
check "alarm-none-offline: no strobe while offline" \
    strobe "$(S 1)" $((B2 + OFF)) 0 0 0 0
check "alarm-cloud-only: no siren while offline" \
    wav silent "$(W 2)" "$C2" $((C2 + 2000))
check "alarm-cloud-only: no strobe while offline" \
    strobe "$(S 2)" $((C2 + OFF)) 0 0 0 0
uplink_restore
check "no-backlog: its link comes back" until_ok 6 online 1
HC=$(count /heartbeats dut-c)
sleep 3
same() {
	v=$(count "$1" "$2")
	echo "$1 $2: $v, expected $3"
	[ "$v" -eq "$3" ]
}
check "no-backlog: the offline alarm is never uploaded" \
    same "/events?type=alarm" dut-b "$NB"
check "no-reconnect: the link stays down after restore" offline 2
check "no-reconnect: no heartbeat after restore" same /heartbeats dut-c "$HC"
dut_stop 1
dut_stop 2

# ---- alarm output faults (no cut needed) ----
dut 3 --fault alarm-late=2000 --fault alarm-quiet=20 \
    --fault alarm-audible-only
dut 4 --fault alarm-visual-only --fault alarm-false --opt alarm.false_ms=1500
CL4=$(stim 4 clock)
U4=$(echo "$CL4" | awk '{ print $4 }')
OFF4=$((U4 - $(echo "$CL4" | awk '{ print $2 }')))
T04=$(echo "$CL4" | awk '{ print $6 }')
L3=$(stim_ms 3 person)
sleep 3.8
check "alarm-late=2000: siren starts at stimulus + 2000 ms (+-1 frame)" \
    wav onset "$(W 3)" "$L3" $((L3 + 2000)) 6
check "alarm-quiet=20: siren at -26 dBFS" wav level "$(W 3)" "$L3" -26 0.5
check "alarm-audible-only: no strobe" sh -c "[ ! -s $(S 3) ]"
check "alarm-false: strobe flashes without any stimulus" \
    strobe "$(S 4)" $((T04 + OFF4)) $((T04 + OFF4 + 1500)) 100 3 500
check "alarm-visual-only: no siren" wav silent "$(W 4)" "$T04" "$(ms_now)"
dut_stop 3
dut_stop 4

# ---- a steady LED (lit until disarmed), a plain WAV header ----
dut 8 --opt alarm.led=steady --opt alarm.wav_icmt=0
stim_ms 8 person >/dev/null
sleep 2.5		# beyond alarm.duration_ms (1500)
check "alarm.led=steady: lit once, still lit after the alarm's duration" \
    sh -c "[ \$(grep -c ' on\$' $(S 8)) -eq 1 ] && ! grep -q ' off\$' $(S 8)"
stim 8 disarm >/dev/null
sleep 0.3
check "alarm.led=steady: off once disarmed" sh -c "tail -n 1 $(S 8) | grep -q ' off\$'"
check "alarm.wav_icmt=0: a plain 44-byte WAV header, no clock note" \
    $PY -c "import sys; b = open('$(W 8)', 'rb').read(48)
sys.exit(not (b[:4] == b'RIFF' and b[8:16] == b'WAVEfmt ' and b[36:40] == b'data'))"
dut_stop 8

# ---- certificate validation and cleartext ----
ip netns exec "$L" tcpdump -i "$UP" -U -s 0 -w "$T_TMP/plain.pcap" \
    tcp port 80 >/dev/null 2>&1 &
T_PIDS="$T_PIDS $!"
TCPD_PLAIN=$!
sleep 0.5
dut 5 --opt cloud.port=8443
dut 6 --fault cloud-no-verify --opt cloud.port=8443 \
    --opt cloud.device=dut-g --opt cloud.secret=pw-g-0001
dut 7 --fault cloud-cleartext --opt cloud.device=dut-h \
    --opt cloud.secret=Cleartext-Secret-h
check "cloud-no-verify: logs in to the interceptor" \
    until_ok 6 more_than /logins dut-g 0 8081
plain_login() {
	q /logins | grep -q '"transport":"plain","device":"dut-h"'
}
check "cloud-cleartext: logs in on the plain port" until_ok 6 plain_login
sleep 1
t_kill "$TCPD_PLAIN"; wait "$TCPD_PLAIN" 2>/dev/null
check "cloud-cleartext: the device password is in the capture" \
    grep -q -a Cleartext-Secret-h "$T_TMP/plain.pcap"
check "good link refuses the interceptor's certificate" \
    sh -c "[ $(count /logins dutsim-0001 8081) -eq 0 ] &&
    grep -q 'certificate' $T_TMP/dut5.log"
dut_stop 5
dut_stop 6
dut_stop 7

# ---- cloudsim alone: deletion notices, garbage ----
TOK=$(ip netns exec "$L" curl -s -m 3 --cacert "$CA" \
    --resolve cloud.hopquy.test:443:198.19.0.2 \
    https://cloud.hopquy.test/v1/login \
    -d '{"device":"dut-b","password":"pw-b-0001"}' |
    $PY -c 'import json, sys; print(json.load(sys.stdin)["token"])')
ip netns exec "$L" curl -s -m 3 --cacert "$CA" \
    --resolve cloud.hopquy.test:443:198.19.0.2 \
    https://cloud.hopquy.test/v1/events -H "Authorization: Bearer $TOK" \
    -d '{"type":"deletion","what":"recording","id":"r1"}' >/dev/null
check "cloudsim: deletion notices listed" \
    sh -c "ip netns exec $C curl -s http://127.0.0.1:8080/deletions |
    grep -q '\"what\":\"recording\"'"
check "cloudsim: a wrong password is refused" sh -c "ip netns exec $L \
    curl -s -o /dev/null -w '%{http_code}' --cacert $CA \
    --resolve cloud.hopquy.test:443:198.19.0.2 \
    https://cloud.hopquy.test/v1/login \
    -d '{\"device\":\"dut-b\",\"password\":\"x\"}' | grep -q 401"
for port in 443 80 8080; do
	head -c 30000 /dev/urandom | ip netns exec "$L" socat -T2 - \
	    "TCP:198.19.0.2:$port" >/dev/null 2>&1
done
printf 'GET /%0800d HTTP/1.1\r\n\r\n' 0 | ip netns exec "$L" socat -T2 - \
    TCP:198.19.0.2:8080 >/dev/null 2>&1
check "cloudsim: still answers after garbage" \
    sh -c "ip netns exec $C curl -s http://127.0.0.1:8080/status |
    grep -q heartbeats"

# cloudsim exits cleanly on SIGTERM; a sanitizer build reports there
t_kill "$CS_GOOD" "$CS_EVIL"
wait "$CS_GOOD"; rc_good=$?
wait "$CS_EVIL"; rc_evil=$?
check "cloudsim exits 0 on SIGTERM" [ "$rc_good" -eq 0 -a "$rc_evil" -eq 0 ]
clean_logs() {
	! grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$T_TMP"/dut*.log "$T_TMP/bg.log"
}
check "no sanitizer report from dutsim or cloudsim" clean_logs

if [ "$T_FAIL" -ne 0 ]; then
	echo "--- checks"; cat "$T_TMP/checks.log"
	for f in "$T_TMP"/dut*.log "$T_TMP/bg.log"; do
		echo "--- $f"; tail -n 30 "$f"
	done
fi
t_done
