#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The update family on real RAUC (Debian's rauc 1.8) in pull mode, in the
# DUT namespace of bench 169: a private D-Bus bus (dbus-daemon with a
# session-style configuration of our own, the RAUC service on it as if it
# were the system bus), file-backed raw slots, bootloader=noop, booted slot
# A.  hopquy serves each bundle from the lab side (198.18.169.1:8443 over
# TLS with a certificate of the test CA, 8000 for cleartext) and
# its trigger command makes the device fetch it with curl and run
# `rauc install`; the version is read from `rauc status --detailed
# --output-format=json` (slot B's bundle version).  Bundles and PKI come
# from the stock tools (openssl, rauc bundle, which runs mksquashfs).
#   - g3.1: every tampered bundle (bit flips, truncations, junk, oversize,
#     re-signed by an untrusted key, and the lab's bundle for other
#     hardware signed with the genuine key) refused, the genuine one
#     installed;
#   - g3.3: RAUC has no anti-rollback: the older bundle is installed over
#     the newer one, and hopquy must say FAIL;
#   - g3.4: the device (curl in the trigger) must refuse the image from a
#     server with a self-signed certificate and must not fetch over
#     cleartext: PASS with `curl --proto =https --cacert`, FAIL with -k,
#     FAIL without --proto; again with the device fetching from its own
#     server address (198.19.169.2), intercepted by the bench's redirect.
. "$(dirname "$0")/lib.sh"
need_root
command -v rauc >/dev/null || { echo "skipped: no rauc"; exit 77; }
N=${HQ_UPDATE_RAUC_BENCH:-$(bn 169)}
P=qcvn135-2024
DNS=hq-dut-$N
LAB=198.18.$N.1
CLOUD=198.19.$N.2	# the device's "own" update server, intercepted
W=$T_TMP/rauc
RSPID=""
DBPID=""
mkdir -p "$W/data"

stop_rauc() {
	[ -n "$RSPID" ] && t_kill "$RSPID" 2>/dev/null && wait "$RSPID" 2>/dev/null
	[ -n "$DBPID" ] && t_kill "$DBPID" 2>/dev/null
	RSPID="" DBPID=""
}
trap 'stop_rauc; "$HOPQUY" bench down --bench $N >/dev/null 2>&1; t_cleanup' EXIT

(
	cd "$W" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt \
	    -subj "/CN=hopquy rauc test CA" -days 365 \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -keyout sign.key -out sign.csr \
	    -subj "/CN=hopquy rauc signer" 2>/dev/null &&
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning,emailProtection\n' >ext.cnf &&
	openssl x509 -req -in sign.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -out sign.crt -days 365 -extfile ext.cnf 2>/dev/null &&
	# the lab's image server: a certificate the device trusts (our CA)
	# and a self-signed one it must not
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr \
	    -subj "/CN=$LAB" 2>/dev/null &&
	printf 'subjectAltName=IP:%s,IP:%s\nextendedKeyUsage=serverAuth\n' \
	    "$LAB" "$CLOUD" >srv.cnf &&
	openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -out srv.crt -days 365 -extfile srv.cnf \
	    2>/dev/null &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key \
	    -out rogue.crt -subj "/CN=$LAB" -days 365 \
	    -addext "subjectAltName=IP:$LAB,IP:$CLOUD" 2>/dev/null
) || { nok "test PKI"; t_done; }

# mkbundle VERSION OUT: a plain bundle with one 64 KiB raw rootfs image.
mkbundle() {
	d=$(mktemp -d "$T_TMP/b.XXXXXX")
	printf 'rootfs %s\n' "$1" >"$d/rootfs.img"
	truncate -s 64K "$d/rootfs.img"
	printf '[update]\ncompatible=%s\nversion=%s\n\n[bundle]\nformat=plain\n\n[image.rootfs]\nfilename=rootfs.img\n' \
	    "${COMPAT:-hopquy-test}" "$1" >"$d/manifest.raucm"
	rauc bundle --cert "$W/sign.crt" --key "$W/sign.key" \
	    --keyring "$W/ca.crt" "$d" "$2" >/dev/null 2>&1
}
mkbundle 2.4.1 "$W/b-2.4.1.raucb" && mkbundle 2.5.0 "$W/b-2.5.0.raucb" &&
    mkbundle 2.3.0 "$W/b-2.3.0.raucb" &&
    COMPAT=other-board mkbundle 2.6.0 "$W/b-other.raucb" ||
    { nok "rauc bundle"; t_done; }
ok "PKI and RAUC bundles built with openssl and rauc bundle"

cat >"$W/system.conf" <<EOF
[system]
compatible=hopquy-test
bootloader=noop
data-directory=$W/data

[keyring]
path=$W/ca.crt

[slot.rootfs.0]
device=$W/rootfs0.img
type=raw
bootname=A

[slot.rootfs.1]
device=$W/rootfs1.img
type=raw
bootname=B
EOF
truncate -s 1M "$W/rootfs0.img" "$W/rootfs1.img"
cat >"$W/dbus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$W/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
BUS="unix:path=$W/bus"

"$HOPQUY" bench down --bench "$N" >/dev/null 2>&1
"$HOPQUY" bench up --bench "$N" >"$T_TMP/bench-up.log" 2>&1 ||
    { cat "$T_TMP/bench-up.log"; nok "bench $N"; t_done; }

# start_rauc: a fresh bus and service, slot B at 2.4.1.
start_rauc() {
	stop_rauc
	rm -f "$W/bus" "$W/data/"*
	ip netns exec "$DNS" dbus-daemon --config-file="$W/dbus.conf" \
	    --nofork >>"$T_TMP/dbus.log" 2>&1 &
	DBPID=$!
	i=0
	while [ ! -S "$W/bus" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	ip netns exec "$DNS" env DBUS_SYSTEM_BUS_ADDRESS="$BUS" rauc service \
	    --conf="$W/system.conf" --override-boot-slot=A \
	    >>"$T_TMP/rauc.log" 2>&1 &
	RSPID=$!
	i=0
	while ! ip netns exec "$DNS" env DBUS_SYSTEM_BUS_ADDRESS="$BUS" \
	    rauc status >/dev/null 2>&1; do
		sleep 0.2; i=$((i + 1)); [ $i -lt 50 ] || return 1
	done
	ip netns exec "$DNS" env DBUS_SYSTEM_BUS_ADDRESS="$BUS" \
	    rauc install "$W/b-2.4.1.raucb" >>"$T_TMP/rauc.log" 2>&1
}

# mkdut CURL_OPTIONS [SERVER]: the DUT description, the device fetching
# with curl and these options (how it trusts the lab's server, which
# schemes) from SERVER (the lab's address; or its own cloud address, which
# the bench's interception redirect hands to hopquy).
mkdut() {
	cat >"$T_TMP/dut.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "Pengutronix/Debian", "model": "RAUC 1.8",
                "serial": "RAUC-1", "firmware": "2.4.1", "class": "ip-camera" },
  "bench": { "mode": "namespaces", "instance": $N, "address": "198.18.$N.2",
             "cloud": [ "$CLOUD" ] },
  "surfaces": [],
  "update": {
    "pull": { "listen": "${2:-$LAB}", "port": 8000, "tls_port": 8443,
              "cert": "$W/srv.crt", "key": "$W/srv.key",
              "untrusted_cert": "$W/rogue.crt",
              "untrusted_key": "$W/rogue.key" },
    "trigger": { "command": [ "ip", "netns", "exec", "$DNS", "env",
        "DBUS_SYSTEM_BUS_ADDRESS=$BUS", "sh", "-c",
        "rm -f $W/in.raucb && curl -sSf -m 60 $1 -o $W/in.raucb '{url}' && rauc install $W/in.raucb" ],
      "timeout_ms": 120000 },
    "outcome": {
      "accepted": { "exit": [0], "contains": "succeeded" },
      "rejected": { "contains": "failed" },
      "version": { "command": [ "ip", "netns", "exec", "$DNS", "env",
          "DBUS_SYSTEM_BUS_ADDRESS=$BUS", "rauc", "status", "--detailed",
          "--output-format=json" ],
        "capture": { "version": "/slots/0/rootfs.1/slot_status/bundle/version" } } },
    "health": { "request": { "command": [ "ip", "netns", "exec", "$DNS", "env",
          "DBUS_SYSTEM_BUS_ADDRESS=$BUS", "rauc", "status" ] },
      "recover_ms": 5000 },
    "genuine": { "file": "$W/b-2.5.0.raucb", "version": "2.5.0" },
    "older": { "file": "$W/b-2.3.0.raucb", "version": "2.3.0" },
    "tampered": { "compatible-changed": "$W/b-other.raucb" },
    "format": "raucb" },
  "claims": {} }
JSON
}
mkdut "--proto =https --cacert $W/ca.crt"
check "the RAUC DUT description loads" "$HOPQUY" dut check "$T_TMP/dut.json"

verdict() {
	$PY - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1] + "/report.json"))
x = [x for x in r["results"] if x["id"].endswith(sys.argv[2])][0]
text = x["rationale"] + " | " + " | ".join(x.get("findings", []))
ok = x["verdict"] == sys.argv[3] and (len(sys.argv) < 5 or sys.argv[4] in text)
if not ok:
    print("%s: %s (%s)" % (sys.argv[2], x["verdict"], text[:400]))
sys.exit(0 if ok else 1)
PY
}
run() {
	# --no-privsep: the trigger, version and health commands stand in
	# for the vendor's ssh into the device, here ip netns exec (root)
	"$HOPQUY" run -q --no-privsep -p "$P" -d "$T_TMP/dut.json" \
	    -o "$T_TMP/$1" \
	    --only "$P/$2" >"$T_TMP/$1.out" 2>"$T_TMP/$1.err"
}

start_rauc || { nok "rauc service did not start"; tail "$T_TMP/rauc.log"; t_done; }
ok "rauc service on a private bus in $DNS, slot B at 2.4.1"
run tampered g3.1-tampered-rejected
check "RAUC: tampered bundles all refused, genuine installed (pulled from hopquy)" \
    verdict "$T_TMP/tampered" g3.1-tampered-rejected PASS "(2.4.1 -> 2.5.0)"
check "RAUC refused the lab's bundle for other hardware (compatible changed)" $PY - \
    "$T_TMP/tampered/update/qcvn135-2024_g3.1-tampered-rejected/attempts.json" <<'PY'
import json, sys
a = [x for x in json.load(open(sys.argv[1]))
     if x["image"] == "lab-compatible-changed"]
sys.exit(0 if a and a[0]["answer"] == "refused" and
    a[0]["version_after"] == "2.4.1" else 1)
PY
check "RAUC refused the bundle signed by an untrusted key after fetching it" $PY - \
    "$T_TMP/tampered/update/qcvn135-2024_g3.1-tampered-rejected/attempts.json" <<'PY'
import json, sys
a = [x for x in json.load(open(sys.argv[1]))
     if x["image"] == "raucb-resigned-untrusted"]
sys.exit(0 if a and a[0]["answer"] == "refused" and "1 whole" in a[0]["said"]
    and a[0]["version_after"] == "2.4.1" else 1)
PY

start_rauc || { nok "rauc service did not restart"; t_done; }
run rollback g3.3-rollback-refused
check "RAUC (no anti-rollback): rollback FAIL, 2.3.0 installed over 2.5.0" \
    verdict "$T_TMP/rollback" g3.3-rollback-refused FAIL \
    "older image 2.3.0 over 2.5.0"
# The channel: the device must refuse the rogue certificate and cleartext.
run channel-good g3.4-update-channel
check "RAUC behind curl --proto =https --cacert: channel PASS" \
    verdict "$T_TMP/channel-good" g3.4-update-channel PASS \
    "the untrusted certificate was refused, cleartext HTTP was not used"
mkdut "-k"
run channel-insecure g3.4-update-channel
check "curl -k: channel FAIL, the rogue certificate accepted" \
    verdict "$T_TMP/channel-insecure" g3.4-update-channel FAIL \
    "should not trust"
mkdut "--cacert $W/ca.crt"
run channel-cleartext g3.4-update-channel
check "curl without --proto =https: channel FAIL, fetched over cleartext" \
    verdict "$T_TMP/channel-cleartext" g3.4-update-channel FAIL \
    "fetched the image over cleartext HTTP"
check "... and the rogue certificate was still refused there" \
    not verdict "$T_TMP/channel-cleartext" g3.4-update-channel FAIL \
    "should not trust"
# The device's own server, intercepted by the bench's redirect.
mkdut "--proto =https --cacert $W/ca.crt" "$CLOUD"
run channel-redirect g3.4-update-channel
check "intercepted ($CLOUD redirected to the lab): channel PASS" \
    verdict "$T_TMP/channel-redirect" g3.4-update-channel PASS \
    "the untrusted certificate was refused"
mkdut "-k" "$CLOUD"
run channel-redirect-k g3.4-update-channel
check "intercepted, curl -k: channel FAIL, the rogue certificate accepted" \
    verdict "$T_TMP/channel-redirect-k" g3.4-update-channel FAIL \
    "should not trust"
redirect_gone() {
	[ -z "$(ip netns exec "hq-lab-$N" ip -4 addr show to "$CLOUD/32")" ]
}
check "the redirect is undone after the run" redirect_gone
check "the report says the device's server was redirected" \
    grep -q "now reaches hopquy's image server" \
    "$T_TMP/channel-redirect-k/report.json"
stop_rauc
printf 'update-rauc: '
t_done
