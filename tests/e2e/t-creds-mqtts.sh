#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# MQTT over TLS: mosquitto 2.0 on 8883 with a password file and TLS 1.1
# allowed (tls_version tlsv1.1 is its minimum): with admin/admin in the
# password file g1.1 FAILs naming the surface and g5.1 FAILs on TLS 1.1;
# with a strong password g1.1 PASSes.  Then the same broker behind a
# terminator that speaks TLS 1.1 only (tls11-proxy.py, port 8884, as a
# device whose TLS stack stops at 1.1): g1.1 still logs in, over TLSv1.1,
# and FAILs on admin/admin.  Last, g1.7 on the plain listener: anonymous
# clients allowed FAIL (CONNACK 0, SUBSCRIBE # granted), refused PASS.
# Bench instance 126 (198.18.126.0/24), namespaces hq-lg-mq-*.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lg-lib.sh"
need_root
for t in openssl socat mosquitto_passwd; do
	command -v $t >/dev/null 2>&1 || { echo "skipped: $t missing"; exit 77; }
done
[ -x /usr/sbin/mosquitto ] || { echo "skipped: mosquitto missing"; exit 77; }

LAB=hq-lg-mq-lab-$$
BRK=hq-lg-mq-brk-$$
ADDR=198.18.126.2
PROFILE="$HQ_TOP/profiles/qcvn135-2024.json"
P=qcvn135-2024
G1=$P/g1.1-no-default-credentials
OPU=hqmqop
OPW='Mq77!op#Tls1x'

netns_add "$LAB" && netns_add "$BRK" &&
    veth_link "$LAB" veth-lab 198.18.126.1/30 "$BRK" veth-brk "$ADDR/30" ||
    { echo "cannot set up namespaces"; exit 1; }
mkdir -p "$T_TMP/mq"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$ADDR" \
    -keyout "$T_TMP/mq/key.pem" -out "$T_TMP/mq/cert.pem" 2>/dev/null

# conf ANONYMOUS: the broker's configuration.
conf() {
	cat >"$T_TMP/mq/mosquitto.conf" <<EOF2
user root
persistence false
log_dest stderr
log_type error
per_listener_settings false
allow_anonymous $1
password_file $T_TMP/mq/passwd
listener 1883 127.0.0.1
listener 1883 $ADDR
listener 8883 $ADDR
certfile $T_TMP/mq/cert.pem
keyfile $T_TMP/mq/key.pem
tls_version tlsv1.1
ciphers DEFAULT:@SECLEVEL=0
EOF2
}
cat >"$T_TMP/dut.json" <<EOF2
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "mosquitto-tls",
                "serial": "MT-0001", "firmware": "2.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 126), "lan_if": "veth-lab", "uplink_if": "lo",
             "address": "$ADDR" },
  "surfaces": [
    { "id": "mqtts", "proto": "mqtts", "port": 8883, "login": { "kind": "mqtt" } }
  ],
  "credentials": { "operator": { "user": "$OPU", "password": { "env": "HQ_MT_OPW" } } },
  "claims": {}
}
EOF2
export HQ_MT_OPW="$OPW"

MQPID=""
# broker ANONYMOUS [USER PASSWORD]
broker() {
	[ -n "$MQPID" ] && { t_kill "$MQPID" 2>/dev/null; wait "$MQPID" 2>/dev/null; }
	conf "$1"
	rm -f "$T_TMP/mq/passwd"
	mosquitto_passwd -b -c "$T_TMP/mq/passwd" "$OPU" "$OPW" 2>/dev/null
	[ -n "$2" ] && mosquitto_passwd -b "$T_TMP/mq/passwd" "$2" "$3" 2>/dev/null
	ip netns exec "$BRK" /usr/sbin/mosquitto -c "$T_TMP/mq/mosquitto.conf" \
	    >>"$T_TMP/mq/log" 2>&1 &
	MQPID=$!
	T_PIDS="$T_PIDS $MQPID"
	wait_port "$LAB" "$ADDR" 8883 10 || nok "mosquitto did not start"
}
N=0
run() {
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$T_TMP/dut.json" -o "$RUN" "$@" >"$RUN.out" 2>&1
	RC=$?
}

broker false admin admin
run --only "$G1,$P/g5.1-tls-protocols" --set "$G1:user_budget=0"
V=$(case_verdict "$RUN" $P/g1.1)
check "mqtts TLS 1.1, admin/admin: g1.1 FAIL ($V)" like "$V" FAIL
check "mqtts: the hit is named" grep -qF \
    'mqtts (MQTT CONNECT): known default credential accepted: user \"admin\"' \
    "$RUN/report.json"
check "mqtts: wrong pairs are definite refusals (CONNACK 5)" grep -q \
    'refused \[definite refusal\] (CONNACK return code 5 over TLSv1' \
    "$RUN"/creds/*.txt
V=$(case_verdict "$RUN" $P/g5.1)
check "mqtts TLS 1.1: g5.1 FAIL ($V)" like "$V" FAIL
check "mqtts TLS 1.1: g5.1 names TLS 1.1 on 8883" grep -qF \
    'port 8883 accepts TLSv1.1 (profile minimum TLSv1.2)' "$RUN/report.json"

broker false
run --only "$G1" --set "$G1:user_budget=0"
V=$(case_verdict "$RUN" $P/g1.1)
check "mqtts, operator only: g1.1 PASS ($V)" like "$V" PASS

# TLS 1.1 and nothing else, in front of the broker's plain listener.
broker false admin admin
ip netns exec "$BRK" "$PY" "$HQ_TOP/tests/e2e/tls11-proxy.py" \
    --listen "$ADDR:8884" --to 127.0.0.1:1883 --cert "$T_TMP/mq/cert.pem" \
    --key "$T_TMP/mq/key.pem" >>"$T_TMP/mq/log" 2>&1 &
T_PIDS="$T_PIDS $!"
wait_port "$LAB" "$ADDR" 8884 10 || nok "the TLS 1.1 terminator did not start"
sed -i 's/"port": 8883/"port": 8884/' "$T_TMP/dut.json"
run --only "$G1" --set "$G1:user_budget=0"
V=$(case_verdict "$RUN" $P/g1.1)
check "TLS 1.1 only, admin/admin: g1.1 FAIL ($V)" like "$V" FAIL
check "TLS 1.1 only: logged in over TLSv1.1" grep -q \
    'dictionary: user "admin" password \*\*\* -> accepted \[accepted\] (CONNACK return code 0 over TLSv1.1)' \
    "$RUN"/creds/*.txt

# Anonymous access on the plain listener (g1.7).
U=$P/g1.7-no-unauthenticated-access
sed -i 's/"proto": "mqtts", "port": 8884/"proto": "mqtt", "port": 1883/' \
    "$T_TMP/dut.json"
broker true
run --only "$U"
V=$(case_verdict "$RUN" $P/g1.7)
check "anonymous MQTT: g1.7 FAIL naming the broker ($V)" \
    like "$V" "FAIL 1 surface served without authentication: mqtt://$ADDR:1883 (anonymous CONNECT, SUBSCRIBE #) (CONNACK 0, SUBACK 0"
broker false
run --only "$U"
V=$(case_verdict "$RUN" $P/g1.7)
check "anonymous MQTT refused: g1.7 PASS ($V)" \
    like "$V" "PASS refused without credentials: mqtt://$ADDR:1883 (anonymous CONNECT, SUBSCRIBE #) (CONNACK 5)"

t_done
