#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The creds dictionary case against real servers in a namespace: nginx with
# auth_basic (htpasswd from `openssl passwd -apr1`) and openssh's sshd with
# password authentication for two local test users created here and
# removed on exit.  With admin/admin in htpasswd and tech/tech on sshd the
# case FAILs naming each surface; with strong unique passwords it PASSes.
. "$(dirname "$0")/lib.sh"
need_root
for t in nginx openssl ssh-keygen useradd userdel chpasswd socat; do
	command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] ||
	    { echo "skipped: $t missing"; exit 77; }
done
[ -x /usr/sbin/sshd ] || { echo "skipped: sshd missing"; exit 77; }
OPU=hqcrop
DICTU=tech		# a Mirai dictionary account (tech/tech)
for u in $OPU $DICTU; do
	if id "$u" >/dev/null 2>&1; then
		echo "skipped: user $u exists already"; exit 77
	fi
done

LAB=hq-cr-rl-$$
DUT=hq-cr-rd-$$
ADDR=198.18.79.2
PROFILE="$HQ_TOP/tests/e2e/profiles/creds-fast.json"
OPW=$(openssl rand -base64 18 | tr -d '/+=')'#7aZ'

USERS=""
users_cleanup() {
	for u in $USERS; do userdel "$u" 2>/dev/null; done
}
trap 'users_cleanup; t_cleanup' EXIT

netns_add "$LAB" && netns_add "$DUT" &&
    veth_link "$LAB" veth-lab 198.18.79.1/30 "$DUT" veth-dut "$ADDR/30" ||
    { echo "cannot set up namespaces"; exit 1; }

for u in $OPU $DICTU; do
	useradd -M -d / -s /usr/sbin/nologin "$u" || { nok "useradd $u"; t_done; }
	USERS="$USERS $u"
done
chmod 755 "$T_TMP"

# setpw DICT_PASSWORD: sshd accounts and nginx htpasswd.
setpw() {
	printf '%s:%s\n%s:%s\n' $OPU "$OPW" $DICTU "$1" | chpasswd
	{
		printf '%s:%s\n' $OPU "$(openssl passwd -apr1 "$OPW")"
		printf 'admin:%s\n' "$(openssl passwd -apr1 "$2")"
	} >"$T_TMP/htpasswd"
}

mkdir -p "$T_TMP/www" "$T_TMP/ngx" /run/sshd
echo ok >"$T_TMP/www/index.html"
cat >"$T_TMP/nginx.conf" <<EOF
daemon off;
user root;
worker_processes 2;
pid $T_TMP/ngx/nginx.pid;
error_log $T_TMP/ngx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $T_TMP/ngx/body;
	proxy_temp_path $T_TMP/ngx/proxy;
	fastcgi_temp_path $T_TMP/ngx/fcgi;
	uwsgi_temp_path $T_TMP/ngx/uwsgi;
	scgi_temp_path $T_TMP/ngx/scgi;
	keepalive_requests 100000;
	server {
		listen $ADDR:80;
		root $T_TMP/www;
		location / {
			auth_basic "camera";
			auth_basic_user_file $T_TMP/htpasswd;
		}
	}
}
EOF
ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/hostkey"
cat >"$T_TMP/sshd_config" <<EOF
ListenAddress $ADDR
Port 22
HostKey $T_TMP/hostkey
PidFile none
UsePAM no
PermitRootLogin no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
AuthenticationMethods password
AllowUsers $OPU $DICTU
MaxStartups 64:30:128
Subsystem sftp internal-sftp
EOF

cat >"$T_TMP/dut.json" <<EOF
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "nginx+sshd",
                "serial": "RS-0001", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 176), "lan_if": "veth-lab", "uplink_if": "lo",
             "address": "$ADDR" },
  "surfaces": [
    { "id": "web", "proto": "http", "port": 80,
      "login": { "kind": "http-basic", "path": "/" } },
    { "id": "ssh", "proto": "ssh", "port": 22,
      "login": { "kind": "ssh-password" } }
  ],
  "credentials": { "operator": { "user": "$OPU", "password": { "env": "HQ_CR_OPW" } } },
  "claims": {}
}
EOF
export HQ_CR_OPW="$OPW"

bg "$DUT" nginx -p "$T_TMP/ngx" -e "$T_TMP/ngx/error.log" -c "$T_TMP/nginx.conf"
bg "$DUT" /usr/sbin/sshd -D -e -f "$T_TMP/sshd_config"

N=0
run() {
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$T_TMP/dut.json" -o "$RUN" --only creds-fast/g1.1 \
	    >"$RUN.out" 2>&1
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
no_secret() {
	[ -f "$RUN/report.json" ] && ! grep -rqF -e "$OPW" "$RUN"
}

setpw tech admin
wait_port "$LAB" $ADDR 80 || nok "nginx did not start"
wait_port "$LAB" $ADDR 22 || nok "sshd did not start"
run
check "nginx admin/admin: FAIL naming surface web" \
    expect FAIL 'web (HTTP basic): known default credential accepted: user \"admin\", password ***'
check "sshd tech/tech: FAIL naming surface ssh" \
    expect FAIL 'ssh (SSH password): known default credential accepted: user \"tech\", password ***'
check "weak servers: exit 1" test "$RC" -eq 1
check "weak servers: operator password not in the run directory" no_secret

setpw "$(openssl rand -base64 15)x#9Q" "$(openssl rand -base64 15)y!4W"
run
check "strong unique passwords: dictionary PASS" expect PASS "controls held"
# One case of the profile ran (--only): INCOMPLETE, exit 2.
check "strong servers: exit 2 (INCOMPLETE: --only)" test "$RC" -eq 2
check "strong servers: operator password not in the run directory" no_secret

# The right password planted last in 1,000 entries: found every time, at
# 16 in parallel with keep-alive.
{ echo "@source planted"
  openssl rand -hex 6000 | fold -w 12 | head -n 999 | sed "s/^/$OPU\t/"
  printf '%s\t%s\n' $OPU "$OPW"; } >"$T_TMP/planted.txt"
C=creds-fast/g1.1-no-default-credentials
for i in 1 2 3; do
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
	    -d "$T_TMP/dut.json" -o "$RUN" --only $C \
	    --set "$C:dictionary=\"$T_TMP/planted.txt\"" \
	    --set "$C:kinds=[\"http-basic\"]" --set "$C:parallel=16" \
	    >"$RUN.out" 2>&1
	check "planted last of 1000, run $i: found" \
	    expect FAIL "known default credential accepted: user \\\"$OPU\\\""
done

t_done
