#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The telnet login kind and the surface and cleartext checks against a
# real /bin/login: inetutils-telnetd 2.4 under openbsd-inetd, accounts
# private to the server's mount namespace (lg-lib.sh; the host's
# /etc/passwd and /etc/shadow are not touched).  /bin/login prompts
# "<host> login:", answers a wrong password with "Login incorrect" after
# pam_faildelay's 3 s, and greets a second login with "Last login: ...".
# With admin/admin: g1.1 FAIL, g6.1 FAIL (telnet), g7.1 FAIL (telnet); the
# operator's login is judged accepted every time ("Last login:" is no
# refusal); with a strong password g1.1 PASSes.
# Bench instance 123 (198.18.123.0/24), namespaces hq-lg-tn-*.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lg-lib.sh"
need_root
for t in socat openssl unshare; do
	command -v $t >/dev/null || { echo "skipped: $t missing"; exit 77; }
done
[ -x /usr/sbin/inetd ] && [ -x /usr/sbin/telnetd ] ||
    { echo "skipped: openbsd-inetd or inetutils-telnetd missing"; exit 77; }

LAB=hq-lg-tn-lab-$$
DUT=hq-lg-tn-dut-$$
ADDR=198.18.123.2
PROFILE="$HQ_TOP/profiles/qcvn135-2024.json"
P=qcvn135-2024
OPW='Tel3net!op#8Wq'

netns_add "$LAB" && netns_add "$DUT" &&
    veth_link "$LAB" veth-lab 198.18.123.1/30 "$DUT" veth-dut "$ADDR/30" ||
    { echo "cannot set up namespaces"; exit 1; }
echo "$ADDR:23 stream tcp nowait.1000 root /usr/sbin/telnetd telnetd" \
    >"$T_TMP/inetd.conf"

cat >"$T_TMP/dut.json" <<EOF2
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "inetutils-telnetd",
                "serial": "TN-0001", "firmware": "2.4", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 123), "lan_if": "veth-lab", "uplink_if": "lo",
             "address": "$ADDR" },
  "surfaces": [
    { "id": "telnet", "proto": "telnet", "port": 23, "purpose": "maintenance shell",
      "login": { "kind": "telnet" } }
  ],
  "credentials": { "operator": { "user": "hqop", "password": { "env": "HQ_TN_OPW" } } },
  "claims": {}
}
EOF2
export HQ_TN_OPW="$OPW"

SRV=""
server() {
	[ -n "$SRV" ] && { t_kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
	n0=$(echo $T_PIDS | wc -w)
	bg_private "$DUT" -- /usr/sbin/inetd -d "$T_TMP/inetd.conf"
	SRV=$(echo $T_PIDS | cut -d' ' -f$((n0 + 1)))
	wait_port "$LAB" "$ADDR" 23 10 || nok "telnet port did not open"
}

N=0
run() {
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$T_TMP/dut.json" -o "$RUN" "$@" >"$RUN.out" 2>&1
	RC=$?
}
has() { grep -qF -e "$1" "$RUN/report.json"; }

accounts "hqop:$OPW" admin:admin
server
run --only $P/g1.1-no-default-credentials,$P/g6.1-declared-services,$P/g7.1-cleartext-surfaces \
    --set "$P/g1.1-no-default-credentials:user_budget=0"
V=$(case_verdict "$RUN" $P/g1.1)
check "telnet /bin/login admin/admin: g1.1 FAIL ($V)" like "$V" FAIL
check "telnet admin/admin: the hit is named" \
    has 'telnet (telnet login): known default credential accepted: user \"admin\"'
check "telnet: controls held (operator accepted, wrong refused)" \
    has 'telnet (telnet login): controls held'
check "telnet: 'Login incorrect' after the delay is a definite refusal" \
    grep -q 'telnet telnet dictionary: user "root" .* -> refused \[definite refusal\] (failure text or a new prompt)' \
    "$RUN"/creds/*.txt
V=$(case_verdict "$RUN" $P/g6.1)
check "telnetd: g6.1 FAIL ($V)" like "$V" FAIL
check "telnetd: g6.1 names telnet on port 23" \
    has 'port 23/tcp runs telnet (a cleartext remote login), which the profile forbids'
V=$(case_verdict "$RUN" $P/g7.1)
check "telnetd: g7.1 FAIL ($V)" like "$V" FAIL
check "telnetd: g7.1 names telnet on port 23" \
    has 'port 23: telnet, a cleartext remote login'

# Logins after the first: /bin/login shows "Last login: ... on pts/N".
run --only $P/g1.1-no-default-credentials \
    --set "$P/g1.1-no-default-credentials:user_budget=0" \
    --set "$P/g1.1-no-default-credentials:kinds=[\"telnet\"]"
check "a later operator login ('Last login:' shown) is judged accepted" \
    grep -q 'control (operator): user "hqop" .* -> accepted \[accepted\] (shell prompt)' \
    "$RUN"/creds/*.txt
n=$(cat "$RUN"/creds/*.txt | grep -c 'control (operator): user "hqop" .* -> accepted')
check "the operator control after the dictionary run holds too ($n of 2)" \
    [ "$n" -ge 2 ]
[ "$n" -ge 2 ] || grep -h 'control (operator)' "$RUN"/creds/*.txt |
    sed 's/^/# /'

accounts "hqop:$OPW" "admin:$(openssl rand -base64 12)#x9"
server
run --only $P/g1.1-no-default-credentials \
    --set "$P/g1.1-no-default-credentials:user_budget=0"
V=$(case_verdict "$RUN" $P/g1.1)
check "telnet, strong admin password: g1.1 PASS ($V)" like "$V" PASS

t_done
