#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The update family on real SWUpdate (Debian's swupdate: CMS signature
# verification, its mongoose web server) in the DUT namespace of bench 168.
# The test builds its PKI and .swu images with stock tools (openssl req/x509/
# cms, cpio -H crc).  The image's payload is version.json, installed into the
# web server's document root: that is how hopquy reads the running version.
# The verdict of each upload comes from SWUpdate's WebSocket status stream.
#   - started without anti-rollback options: g3.1 (tampered, unsigned,
#     rogue-signed, truncated, ...) PASS, the genuine .swu installed; g3.3
#     (rollback) FAIL, the older .swu installed over the newer one;
#   - started with -N/-R (no downgrade below, no reinstall of, the running
#     version): g3.3 PASS; its plain-HTTP web server fails g3.4;
#   - its web server with TLS (mongoose -s): g3.1 PASS over HTTPS with the
#     status stream over wss, g3.4 PASS.
. "$(dirname "$0")/lib.sh"
need_root
command -v swupdate >/dev/null || { echo "skipped: no swupdate"; exit 77; }
N=${HQ_UPDATE_SWU_BENCH:-$(bn 168)}
P=qcvn135-2024
DNS=hq-dut-$N
ADDR=198.18.$N.2
SWPID=""
W=$T_TMP/swu
mkdir -p "$W/www"

stop_swupdate() {
	[ -n "$SWPID" ] && t_kill "$SWPID" 2>/dev/null && wait "$SWPID" 2>/dev/null
	SWPID=""
}
trap 'stop_swupdate; "$HOPQUY" bench down --bench $N >/dev/null 2>&1; t_cleanup' EXIT

# ---- PKI and images, stock tools only ----
(
	cd "$W" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt \
	    -subj "/CN=hopquy swu test CA" -days 30 \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -keyout sign.key -out sign.csr \
	    -subj "/CN=hopquy swu signer" 2>/dev/null &&
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n' >ext.cnf &&
	openssl x509 -req -in sign.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -out sign.crt -days 30 -extfile ext.cnf 2>/dev/null
) || { nok "test PKI"; t_done; }

# mkswu VERSION OUT: sw-description (version, hardware compatibility,
# version.json with its sha256), its CMS signature, the payload; cpio crc.
mkswu() {
	d=$(mktemp -d "$T_TMP/swu.XXXXXX")
	printf '{"version":"%s"}\n' "$1" >"$d/version.json"
	sha=$(sha256sum "$d/version.json" | cut -d' ' -f1)
	cat >"$d/sw-description" <<SW
software = {
	version = "$1";
	hardware-compatibility = [ "1.0" ];
	files: (
		{ filename = "version.json"; path = "$W/www/version.json";
		  sha256 = "$sha"; }
	);
}
SW
	openssl cms -sign -in "$d/sw-description" -out "$d/sw-description.sig" \
	    -signer "$W/sign.crt" -inkey "$W/sign.key" -outform DER \
	    -nosmimecap -binary &&
	(cd "$d" && printf 'sw-description\nsw-description.sig\nversion.json\n' |
	    cpio -o -H crc 2>/dev/null) >"$2"
}
mkswu 2.5.0 "$W/fw-2.5.0.swu" && mkswu 2.3.0 "$W/fw-2.3.0.swu" ||
    { nok "building .swu images"; t_done; }
ok "PKI and .swu images built with openssl cms and cpio"

"$HOPQUY" bench down --bench "$N" >/dev/null 2>&1
"$HOPQUY" bench up --bench "$N" >"$T_TMP/bench-up.log" 2>&1 ||
    { cat "$T_TMP/bench-up.log"; nok "bench $N"; t_done; }

# mkdut PROTO PORT: the DUT description for the web server on PORT.
mkdut() {
	cat >"$T_TMP/dut.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "sbabic/Debian", "model": "SWUpdate",
                "serial": "SWU-1", "firmware": "2.4.1", "class": "ip-camera" },
  "bench": { "mode": "namespaces", "instance": $N, "address": "$ADDR" },
  "surfaces": [ { "id": "swu", "proto": "$1", "port": $2,
                  "purpose": "SWUpdate web server (mongoose)" } ],
  "update": {
    "submit": { "request": { "surface": "swu", "method": "POST",
                             "path": "/upload", "auth": "none" },
                "form_field": "file", "timeout_ms": 60000 },
    "outcome": {
      "status_stream": { "surface": "swu", "path": "/ws",
                         "type_pointer": "/type", "type": "status",
                         "status_pointer": "/status",
                         "success": ["SUCCESS"], "failure": ["FAILURE"],
                         "timeout_ms": 20000 },
      "version": { "surface": "swu", "method": "GET", "path": "/version.json",
                   "auth": "none", "capture": { "version": "/version" } } },
    "health": { "request": { "surface": "swu", "method": "GET",
                             "path": "/version.json", "auth": "none",
                             "expect": 200 },
                "recover_ms": 5000 },
    "genuine": { "file": "$W/fw-2.5.0.swu", "version": "2.5.0" },
    "older": { "file": "$W/fw-2.3.0.swu", "version": "2.3.0" },
    "format": "swu" },
  "claims": {} }
JSON
}
mkdut http 8080
check "the SWUpdate DUT description loads" \
    "$HOPQUY" dut check "$T_TMP/dut.json"

# start_swupdate [swupdate options]: factory state 2.4.1, then the daemon
# (its web server on $WEB, default plain HTTP on 8080).
start_swupdate() {
	stop_swupdate
	printf '{"version":"2.4.1"}\n' >"$W/www/version.json"
	ip netns exec "$DNS" swupdate -v -k "$W/ca.crt" -H board:1.0 "$@" \
	    -w "-r $W/www ${WEB:--p 8080}" >>"$T_TMP/swupdate.log" 2>&1 &
	SWPID=$!
	wait_port "hq-lab-$N" "$ADDR" "${WEBPORT:-8080}" 10
}

# verdict RUNDIR CASE VERDICT [REASON]
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

# run NAME CASE: hopquy run of one case into $T_TMP/NAME.
run() {
	"$HOPQUY" run -q -p "$P" -d "$T_TMP/dut.json" -o "$T_TMP/$1" \
	    --only "$P/$2" >"$T_TMP/$1.out" 2>"$T_TMP/$1.err"
}

start_swupdate || { nok "swupdate did not start"; cat "$T_TMP/swupdate.log"; t_done; }
ok "swupdate listening on $ADDR:8080 in $DNS"
run tampered g3.1-tampered-rejected
rc=$?
check "plain SWUpdate: tampered images all refused, genuine installed (exit $rc)" \
    verdict "$T_TMP/tampered" g3.1-tampered-rejected PASS "genuine image was then installed (2.4.1 -> 2.5.0)"
for m in flip-payload truncate-50 zero-length swu-signature-removed \
    swu-resigned-untrusted swu-payload-changed swu-description-changed \
    swu-rollback-resigned swu-hwcompat-changed; do
	check "plain SWUpdate refused $m (status stream FAILURE)" $PY - \
	    "$T_TMP/tampered/update/qcvn135-2024_g3.1-tampered-rejected/attempts.json" \
	    "$m" <<'PY'
import json, sys
a = [x for x in json.load(open(sys.argv[1])) if x["image"] == sys.argv[2]]
sys.exit(0 if a and a[0]["answer"] == "refused" and
    a[0]["said"] == "status stream: FAILURE" and
    a[0]["version_after"] == "2.4.1" else 1)
PY
done

start_swupdate || { nok "swupdate did not restart"; t_done; }
run rollback-plain g3.3-rollback-refused
check "plain SWUpdate: rollback FAIL, 2.3.0 installed over 2.5.0" \
    verdict "$T_TMP/rollback-plain" g3.3-rollback-refused FAIL \
    "older image 2.3.0 over 2.5.0"

start_swupdate -N 2.4.1 -R 2.4.1 ||
    { nok "swupdate -N -R did not start"; t_done; }
run rollback-nr g3.3-rollback-refused
check "SWUpdate -N 2.4.1 -R 2.4.1: rollback refused (PASS)" \
    verdict "$T_TMP/rollback-nr" g3.3-rollback-refused PASS \
    "older image 2.3.0 was refused over 2.5.0"
run channel-plain g3.4-update-channel
check "SWUpdate's web server in plain HTTP: channel FAIL" \
    verdict "$T_TMP/channel-plain" g3.4-update-channel FAIL "is not TLS"

# Its web server with TLS (mongoose -s): uploads over HTTPS, the status
# stream over wss, the channel's TLS policy.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/web.key" \
    -out "$W/web.crt" -subj "/CN=$ADDR" -days 30 2>/dev/null
WEB="-p 8443 -s -C $W/web.crt -K $W/web.key" WEBPORT=8443 start_swupdate ||
    { nok "swupdate with TLS did not start"; t_done; }
mkdut https 8443
run tls-tampered g3.1-tampered-rejected
check "SWUpdate over HTTPS and wss: tampered refused, genuine installed" \
    verdict "$T_TMP/tls-tampered" g3.1-tampered-rejected PASS \
    "(2.4.1 -> 2.5.0)"
run channel-tls g3.4-update-channel
check "SWUpdate over HTTPS: channel PASS (TLS policy, nothing in clear)" \
    verdict "$T_TMP/channel-tls" g3.4-update-channel PASS \
    "speaks only TLS from TLSv1.2"
stop_swupdate
printf 'update-swupdate: '
t_done
