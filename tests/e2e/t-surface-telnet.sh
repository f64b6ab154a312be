#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Telnet as real devices speak it, from tests/e2e/telnet-server.py:
#   busybox-style login (IAC WILL ECHO/SGA, "cam login:", "~ # "): g1.1
#     FAILs on admin/admin and PASSes with a strong password, also when a
#     success's "Last login:" comes in two parts and when a refusal is a
#     bare new prompt;
#   a greeting with the login prompt 300 ms later, and a server whose
#     first bytes are IAC SB: g6.1 and g7.1 FAIL, telnet named (the one
#     classifier of both families);
#   a port the DUT file declares "proto": "telnet" that stays silent past
#     the banner timeout: g6.1 FAILs anyway;
# and an SSH-only device (OpenSSH): g6.1 and g7.1 PASS (SSH counts as
# encrypted).  Bench instance 124 (198.18.124.0/24), namespaces hq-lg-sf-*.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lg-lib.sh"
need_root
for t in socat ssh-keygen; do
	command -v $t >/dev/null || { echo "skipped: $t missing"; exit 77; }
done
[ -x /usr/sbin/sshd ] || { echo "skipped: sshd missing"; exit 77; }

LAB=hq-lg-sf-lab-$$
DUT=hq-lg-sf-dut-$$
ADDR=198.18.124.2
PROFILE="$HQ_TOP/profiles/qcvn135-2024.json"
P=qcvn135-2024
SERVER="$HQ_TOP/tests/e2e/telnet-server.py"
OPW='Busy8ox!op#2Lm'

netns_add "$LAB" && netns_add "$DUT" &&
    veth_link "$LAB" veth-lab 198.18.124.1/30 "$DUT" veth-dut "$ADDR/30" ||
    { echo "cannot set up namespaces"; exit 1; }

# dut NAME PORT PROTO [LOGIN]: a DUT file with one surface.
dut() {
	login=""
	[ -n "$4" ] && login=", \"login\": { \"kind\": \"$4\" }"
	cat >"$T_TMP/$1.json" <<EOF2
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "$1",
                "serial": "SF-0001", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 124), "lan_if": "veth-lab", "uplink_if": "lo",
             "address": "$ADDR" },
  "surfaces": [
    { "id": "svc", "proto": "$3", "port": $2, "purpose": "test"$login }
  ],
  "credentials": { "operator": { "user": "hqop", "password": "$OPW" } },
  "claims": {}
}
EOF2
}

SRV=""
server() {
	[ -n "$SRV" ] && { t_kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
	port=$1; shift
	ip netns exec "$DUT" "$@" >>"$T_TMP/server.log" 2>&1 &
	SRV=$!
	T_PIDS="$T_PIDS $SRV"
	wait_port "$LAB" "$ADDR" "$port" 10 || nok "port $port did not open"
}
telnet_server() {
	port=$1; shift
	server "$port" "$PY" "$SERVER" --addr "$ADDR" --port "$port" "$@"
}

N=0
run() {
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	d=$1; shift
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$T_TMP/$d.json" -o "$RUN" --set "$P/g6.1-declared-services:ports=\"1-10000\"" \
	    "$@" >"$RUN.out" 2>&1
	RC=$?
}
verdict() {
	"$PY" - "$RUN/report.json" "$1" <<'EOF2'
import json, sys
r = json.load(open(sys.argv[1]))
e = [e for e in r["results"] if e["id"].startswith(sys.argv[2])][0]
print(e["verdict"], e.get("rationale", ""), " | ".join(e.get("findings", [])))
EOF2
}
G1="$P/g1.1-no-default-credentials"
SURF="$P/g6.1-declared-services,$P/g7.1-cleartext-surfaces"

# busybox-style login
dut bb 23 telnet telnet
telnet_server 23 --account "hqop:$OPW" --account admin:admin
run bb --only "$G1" --set "$G1:user_budget=0"
V=$(verdict $P/g1.1)
check "busybox-style telnet, admin/admin: g1.1 FAIL ($V)" \
    like "$V" 'FAIL.*known default credential accepted: user "admin"'
telnet_server 23 --account "hqop:$OPW" --account "admin:Xq7#strong$$"
run bb --only "$G1" --set "$G1:user_budget=0"
V=$(verdict $P/g1.1)
check "busybox-style telnet, strong password: g1.1 PASS ($V)" \
    like "$V" PASS

# A success whose "Last login:" line comes in two parts, 150 ms apart: the
# screen read so far ends in "login:", which is no refusal while more
# follows (the hit, and the operator's control, are logins).
telnet_server 23 --account "hqop:$OPW" --account admin:admin --last-login 150
run bb --only "$G1" --set "$G1:user_budget=0"
V=$(verdict $P/g1.1)
check "'Last login:' cut at 'login:': g1.1 FAIL on admin/admin ($V)" \
    like "$V" 'FAIL.*known default credential accepted: user "admin"'
# The same cut, with the rest 1.5 s later (longer than the quiet time a
# bare prompt is given): a last line "Last login:" is a greeting, never a
# login prompt.
telnet_server 23 --account "hqop:$OPW" --account admin:admin --last-login 1500
run bb --only "$G1" --set "$G1:user_budget=0"
V=$(verdict $P/g1.1)
check "'Last login:' cut for 1.5 s: g1.1 FAIL on admin/admin ($V)" \
    like "$V" 'FAIL.*known default credential accepted: user "admin"'
# A refusal that is only a new prompt (no failure text): still a refusal,
# once nothing follows the prompt.
telnet_server 23 --account "hqop:$OPW" --account "admin:Xq7#strong$$" \
    --fail-text "" --fail-delay 0.2
run bb --only "$G1" --set "$G1:user_budget=0"
V=$(verdict $P/g1.1)
check "a bare new prompt refuses: g1.1 PASS with a strong password ($V)" \
    like "$V" PASS

# A device with its own prompts ("User ID>", "Nope", shell "cam:/>"): only
# with login.prompts declared does the telnet login kind find its way.
cat >"$T_TMP/custom.json" <<EOF2
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "custom",
                "serial": "SF-0002", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 124), "lan_if": "veth-lab", "uplink_if": "lo",
             "address": "$ADDR" },
  "surfaces": [
    { "id": "svc", "proto": "telnet", "port": 23,
      "login": { "kind": "telnet",
                 "prompts": { "user": "User ID>", "failure": "Nope", "shell": "cam:/>" } } }
  ],
  "credentials": { "operator": { "user": "hqop", "password": "$OPW" } },
  "claims": {}
}
EOF2
telnet_server 23 --account "hqop:$OPW" --account admin:admin \
    --user-prompt "User ID> " --fail-text "Nope" --shell-prompt "cam:/> " \
    --fail-delay 0.2
run custom --only "$G1" --set "$G1:user_budget=0"
V=$(verdict $P/g1.1)
check "declared prompts: g1.1 FAIL on admin/admin ($V)" \
    like "$V" 'FAIL.*known default credential accepted: user "admin"'
run bb --only "$G1" --set "$G1:user_budget=0"
V=$(verdict $P/g1.1)
check "the same device without declared prompts: INCONCLUSIVE, not PASS ($V)" \
    like "$V" 'INCONCLUSIVE.*no login prompt'

# A greeting, then the prompt 300 ms later, on a port declared "other".
dut delayed 2323 other
telnet_server 2323 --greeting "Welcome to IPCAM" --prompt-delay 300 --account admin:admin
run delayed --only "$SURF"
V=$(verdict $P/g6.1)
check "delayed login prompt: g6.1 FAIL naming telnet ($V)" \
    like "$V" 'FAIL.*port 2323/tcp runs telnet'
V=$(verdict $P/g7.1)
check "delayed login prompt: g7.1 FAIL naming telnet ($V)" \
    like "$V" 'FAIL.*port 2323: telnet'

# First bytes IAC SB.
telnet_server 2323 --iac-sb --account admin:admin
run delayed --only "$SURF"
V=$(verdict $P/g6.1)
check "IAC SB first: g6.1 FAIL naming telnet ($V)" \
    like "$V" 'FAIL.*port 2323/tcp runs telnet'
V=$(verdict $P/g7.1)
check "IAC SB first: g7.1 FAIL naming telnet ($V)" \
    like "$V" 'FAIL.*port 2323: telnet'

# Declared telnet, silent past the 1.5 s banner timeout.
dut silent 2323 telnet
telnet_server 2323 --silent-ms 5000 --account admin:admin
run silent --only "$SURF"
V=$(verdict $P/g6.1)
check "declared telnet, silent: g6.1 FAIL all the same ($V)" \
    like "$V" 'FAIL.*declared as telnet'
V=$(verdict $P/g7.1)
check "declared telnet, silent: g7.1 FAIL ($V)" \
    like "$V" 'FAIL.*port 2323: telnet'

# SSH only.
ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/hostkey"
mkdir -p /run/sshd
printf 'ListenAddress %s\nPort 22\nHostKey %s\nPidFile none\nUsePAM no\n' \
    "$ADDR" "$T_TMP/hostkey" >"$T_TMP/sshd_config"
dut sshonly 22 ssh ssh-password
server 22 /usr/sbin/sshd -D -e -f "$T_TMP/sshd_config"
run sshonly --only "$SURF"
V=$(verdict $P/g6.1)
check "SSH-only device: g6.1 PASS ($V)" like "$V" PASS
V=$(verdict $P/g7.1)
check "SSH-only device: g7.1 PASS counting SSH ($V)" \
    like "$V" 'PASS.*encrypted: 0 TLS, 1 SSH'

t_done
