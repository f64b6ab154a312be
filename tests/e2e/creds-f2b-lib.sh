# SPDX-License-Identifier: Apache-2.0
# The DUT of t-creds-f2b*.sh (sourced after lib.sh, lg-lib.sh and
# need_root, with FBN set to the bench instance): OpenSSH whose log
# fail2ban watches (5 failures within 60 s ban the source address for
# 120 s through nftables, "reject"), all inside the DUT's namespace
# hq-lg-fb-dut-PID (its own nftables ruleset; fail2ban with a private
# configuration), the lab in hq-lg-fb-lab-PID, 198.18.FBN.0/30; a host-mode
# DUT description $T_TMP/dut.json on instance FBN.  F2B runs
# fail2ban-client on it.
for t in socat openssl ssh-keygen unshare nft fail2ban-client; do
	command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] ||
	    { echo "skipped: $t missing"; exit 77; }
done
[ -x /usr/sbin/sshd ] || { echo "skipped: sshd missing"; exit 77; }

LAB=hq-lg-fb-lab-$$
DUT=hq-lg-fb-dut-$$
ADDR=198.18.$FBN.2
PROFILE="$HQ_TOP/profiles/qcvn135-2024.json"
P=qcvn135-2024
OPW='Ban2ed!op#5Rt'

netns_add "$LAB" && netns_add "$DUT" &&
    veth_link "$LAB" veth-lab 198.18.$FBN.1/30 "$DUT" veth-dut "$ADDR/30" ||
    { echo "cannot set up namespaces"; exit 1; }
mkdir -p /run/sshd "$T_TMP/f2b/run"
ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/hostkey"
cat >"$T_TMP/sshd_config" <<EOF2
ListenAddress $ADDR
Port 22
HostKey $T_TMP/hostkey
PidFile none
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
MaxStartups 64:30:128
EOF2
: >"$T_TMP/sshd.log"

# fail2ban: Debian's action.d with our own jail and filter only.
cp -r /etc/fail2ban "$T_TMP/f2b/etc"
rm -f "$T_TMP/f2b/etc/jail.d/"* "$T_TMP/f2b/etc/jail.local"
cat >"$T_TMP/f2b/etc/fail2ban.local" <<EOF2
[Definition]
loglevel = INFO
logtarget = $T_TMP/f2b/fail2ban.log
socket = $T_TMP/f2b/run/fail2ban.sock
pidfile = $T_TMP/f2b/run/fail2ban.pid
dbfile = :memory:
EOF2
# sshd -E writes bare messages (no time stamp, no program name).
cat >"$T_TMP/f2b/etc/filter.d/hq-sshd.conf" <<'EOF2'
[Definition]
failregex = ^Failed (?:password|keyboard-interactive/pam) for (?:invalid user )?\S+ from <HOST> port \d+
datepattern = {NONE}
EOF2
cat >"$T_TMP/f2b/etc/jail.local" <<EOF2
[hq-sshd]
enabled = true
filter = hq-sshd
logpath = $T_TMP/sshd.log
backend = polling
maxretry = 5
findtime = 60
bantime = 120
port = 22
banaction = nftables[type=multiport]
EOF2

cat >"$T_TMP/dut.json" <<EOF2
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "openssh+fail2ban",
                "serial": "FB-0001", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $FBN, "lan_if": "veth-lab", "uplink_if": "lo",
             "address": "$ADDR" },
  "surfaces": [
    { "id": "ssh", "proto": "ssh", "port": 22, "login": { "kind": "ssh-password" } }
  ],
  "credentials": { "operator": { "user": "hqop", "password": { "env": "HQ_FB_OPW" } } },
  "claims": {}
}
EOF2
export HQ_FB_OPW="$OPW"

accounts "hqop:$OPW"
bg_private "$DUT" -- /usr/sbin/sshd -D -E "$T_TMP/sshd.log" -f "$T_TMP/sshd_config"
wait_port "$LAB" "$ADDR" 22 10 || nok "sshd did not start"
ip netns exec "$DUT" fail2ban-client -c "$T_TMP/f2b/etc" -x -f start \
    >>"$T_TMP/f2b/client.log" 2>&1 &
T_PIDS="$T_PIDS $!"
i=0
until ip netns exec "$DUT" fail2ban-client -c "$T_TMP/f2b/etc" status hq-sshd \
    >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
done
check "fail2ban runs the hq-sshd jail in the DUT namespace" \
    ip netns exec "$DUT" fail2ban-client -c "$T_TMP/f2b/etc" status hq-sshd

F2B="ip netns exec $DUT fail2ban-client -c $T_TMP/f2b/etc"
