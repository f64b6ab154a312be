#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The creds dictionary case on the hand-written login kinds.  MQTT: a real
# mosquitto broker in a namespace (password_file from mosquitto_passwd,
# allow_anonymous false); with admin/admin in the password file the case
# FAILs naming the mqtt surface, with only the operator's strong unique
# password it PASSes.  Telnet: the reference simulator (dutsim --fault
# telnet) on bench instance 61; with universal-default-password admin/admin
# logs in and the case FAILs naming the telnet surface, without it PASSes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/simbench.sh"
need_root
for t in openssl socat; do
	command -v $t >/dev/null 2>&1 || { echo "skipped: $t missing"; exit 77; }
done
MOSQ=/usr/sbin/mosquitto
MOSQPW=$(command -v mosquitto_passwd 2>/dev/null)
[ -x "$MOSQ" ] && [ -n "$MOSQPW" ] ||
    { echo "skipped: mosquitto missing"; exit 77; }
[ -x "$DUTSIM" ] || { echo "skipped: $DUTSIM not built"; exit 77; }

PROFILE="$HQ_TOP/tests/e2e/profiles/creds-fast.json"
C=creds-fast/g1.1-no-default-credentials
N=0
# run DUT [hopquy run args]: the dictionary case, from namespace $RUNNS
# (empty: hopquy enters the bench's lab namespace itself).
run() {
	d=$1; shift
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	if [ -n "$RUNNS" ]; then
		set -- ip netns exec "$RUNNS" "$HOPQUY" run -q --no-capture \
		    -p "$PROFILE" -d "$d" -o "$RUN" --only $C "$@"
	else
		set -- "$HOPQUY" run -q --no-capture -p "$PROFILE" -d "$d" \
		    -o "$RUN" --only $C "$@"
	fi
	"$@" >"$RUN.out" 2>&1
	RC=$?
}
expect() {
	"$PY" - "$RUN/report.json" "$1" "$2" <<'EOF' || { tail -n 5 "$RUN.out"; false; }
import json, sys
rep, want, text = sys.argv[1:4]
r = json.load(open(rep))
e = [e for e in r["results"] if e["id"].startswith("creds-fast/g1.1")][0]
ok = e["verdict"] == want and text in json.dumps(e)
if not ok:
    print("  %s: %s" % (e["verdict"], e.get("rationale")))
    for f in e.get("findings", []):
        print("    finding:", f)
sys.exit(0 if ok else 1)
EOF
}
# no_secret PASSWORD: the run directory does not hold it.
no_secret() {
	[ -f "$RUN/report.json" ] && ! grep -rqF -e "$1" "$RUN"
}

# ---- MQTT: mosquitto with a password file ----
LAB=hq-cm-ml-$$
BRK=hq-cm-mb-$$
ADDR=198.18.78.2
OPU=hqmqop
OPW=$(openssl rand -base64 18 | tr -d '/+=')'#7aZ'
netns_add "$LAB" && netns_add "$BRK" &&
    veth_link "$LAB" veth-lab 198.18.78.1/30 "$BRK" veth-brk "$ADDR/30" ||
    { echo "cannot set up namespaces"; exit 1; }
mkdir -p "$T_TMP/mq"
cat >"$T_TMP/mq/mosquitto.conf" <<EOF
user root
persistence false
log_dest stderr
log_type error
log_type warning
per_listener_settings false
allow_anonymous false
password_file $T_TMP/mq/passwd
listener 1883 $ADDR
EOF
cat >"$T_TMP/mqtt-dut.json" <<EOF
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "mosquitto",
                "serial": "MQ-0001", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 60), "lan_if": "veth-lab", "uplink_if": "lo",
             "address": "$ADDR" },
  "surfaces": [
    { "id": "mqtt", "proto": "mqtt", "port": 1883,
      "login": { "kind": "mqtt" } }
  ],
  "credentials": { "operator": { "user": "$OPU", "password": { "env": "HQ_CM_OPW" } } },
  "claims": {}
}
EOF
export HQ_CM_OPW="$OPW"
MQPID=""
# mq_start [USER PASSWORD]: the broker with the operator and that account.
mq_start() {
	if [ -n "$MQPID" ]; then
		t_kill "$MQPID" 2>/dev/null; wait "$MQPID" 2>/dev/null
	fi
	rm -f "$T_TMP/mq/passwd"
	"$MOSQPW" -c -b "$T_TMP/mq/passwd" "$OPU" "$OPW" 2>/dev/null &&
	    { [ $# -eq 0 ] || "$MOSQPW" -b "$T_TMP/mq/passwd" "$1" "$2"; } ||
	    return 1
	chmod 600 "$T_TMP/mq/passwd"
	bg "$BRK" "$MOSQ" -c "$T_TMP/mq/mosquitto.conf"
	MQPID=$!
	wait_port "$LAB" $ADDR 1883
}
RUNNS=$LAB

check "mosquitto with admin/admin starts" mq_start admin admin
run "$T_TMP/mqtt-dut.json"
check "mosquitto admin/admin: FAIL naming surface mqtt" \
    expect FAIL 'mqtt (MQTT CONNECT): known default credential accepted: user \"admin\", password ***'
check "mosquitto admin/admin: exit 1" test "$RC" -eq 1
check "mosquitto admin/admin: operator password not in the run directory" \
    no_secret "$OPW"

check "mosquitto with the operator only starts" mq_start
run "$T_TMP/mqtt-dut.json"
check "mosquitto operator only: dictionary PASS" expect PASS "controls held"
# One case of the profile ran (--only): INCOMPLETE, exit 2.
check "mosquitto operator only: exit 2 (INCOMPLETE: --only)" test "$RC" -eq 2

# ---- telnet: dutsim --fault telnet on bench instance 61 ----
RUNNS=""
SIMOPTS="--opt lockout_failures=5 --opt lockout_window=5 --opt lockout_time=3"
# telnet_dut: a description of the bench's dutsim with only its telnet
# surface; the operator is admin with the label password.
telnet_dut() {
	"$PY" - "$SB_DUT" "$T_TMP/telnet-dut.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
d = {k: s[k] for k in ("format", "notes", "identity", "bench", "credentials")}
d["surfaces"] = [{"id": "telnet", "proto": "telnet", "port": 23,
                  "purpose": "factory shell",
                  "login": {"kind": "telnet"}}]
json.dump(d, open(sys.argv[2], "w"), indent=2)
EOF
}
# The operator, admin, is a dictionary user too: a canary login after
# every 4 pairs keeps its failure count under dutsim's lock.
CHUNK="$C:chunk=4"

SN=$(bn 61)
simbench_up $SN --fault telnet --fault universal-default-password $SIMOPTS ||
    { nok "bench $SN with dutsim"; t_done; }
simbench_labels --fault universal-default-password
check "dutsim universal-default-password: telnet open" \
    wait_port "$SB_LAB" 198.18.$SN.2 23
check "dutsim universal-default-password: description with telnet" telnet_dut
run "$T_TMP/telnet-dut.json" --set "$CHUNK"
check "dutsim universal-default-password: FAIL naming surface telnet" \
    expect FAIL 'telnet (telnet login): known default credential accepted: user \"admin\", password ***'
check "dutsim universal-default-password: exit 1" test "$RC" -eq 1

simbench_stop_dut
rm -f "$T_TMP/dutsim-state.json"
simbench_labels
simbench_start_dut --fault telnet $SIMOPTS
check "dutsim good: telnet open" wait_port "$SB_LAB" 198.18.$SN.2 23
run "$T_TMP/telnet-dut.json" --set "$CHUNK"
check "dutsim good: dictionary PASS" expect PASS "controls held"
check "dutsim good: exit 2 (INCOMPLETE: --only)" test "$RC" -eq 2
check "dutsim good: label password not in the run directory" \
    no_secret "$HQ_DUTSIM_LABEL1"

t_done
