#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the disclosure family against a real web server (nginx from
# Debian) in the bench's cloud namespace, on bench instance 101 (override:
# HQ_DISCLOSURE_BENCH, 100-119).  The server publishes, under one path per
# variant, an RFC 9116 security.txt and an update-information page, over
# HTTPS (a test CA, given by disclosure.ca) and plain HTTP.  QCVN 135 case
# g2.1-security-txt (run with --only) must:
#   PASS  a well-formed file (Contact, Expires a year ahead), and the same
#         file with an OpenPGP cleartext-signature wrapping (noted);
#   FAIL  an expired Expires:, a missing Contact:, a missing Expires:,
#         plain HTTP only (the HTTPS form does not answer), 404, and a
#         certificate the CA file does not vouch for;
#   INCONCLUSIVE  a 503 (no definite answer), a DUT file without the URL.
# And a profile reusing that case by "use" (composition), with an
# update-information case: PASS on the page, FAIL on a 404.
. "$(dirname "$0")/lib.sh"
need_root
command -v nginx >/dev/null 2>&1 || { echo "skipped: nginx missing"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "skipped: jq missing"; exit 77; }
N=${HQ_DISCLOSURE_BENCH:-$(bn 101)}
LAB=hq-lab-$N
CNS=hq-cloud-$N
WEB=198.19.$N.2
NGX_PID=""
CASE=qcvn135-2024/g2.1-security-txt
# The simulator's DUT file names its label passwords by environment; no
# case here logs in.
HQ_DUTSIM_LABEL1=unused-here-1 HQ_DUTSIM_LABEL2=unused-here-2
export HQ_DUTSIM_LABEL1 HQ_DUTSIM_LABEL2

bench_down() {
	[ -n "$NGX_PID" ] && t_kill "$NGX_PID" 2>/dev/null && wait "$NGX_PID" 2>/dev/null
	"$HOPQUY" bench down --bench "$N" >/dev/null 2>&1
}
trap 'bench_down; t_cleanup' EXIT

# A test CA and a server certificate for the web address; a second CA
# that signed nothing the server shows.
cd "$T_TMP" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.crt -days 30 -subj /CN=hq-pf-ca 2>/dev/null &&
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout other.key -out other-ca.crt -days 30 -subj /CN=hq-pf-other 2>/dev/null &&
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout web.key -out web.csr -subj /CN=$WEB 2>/dev/null &&
printf 'subjectAltName=IP:%s\n' "$WEB" >web.ext &&
openssl x509 -req -in web.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -days 30 -extfile web.ext -out web.crt 2>/dev/null ||
    { nok "test PKI"; t_done; }
cd - >/dev/null || exit 1

FUT=$(date -u -d '+300 days' +%Y-%m-%dT%H:%M:%SZ)
W=$T_TMP/www
mkdir -p "$W/good/.well-known" "$W/signed/.well-known" \
    "$W/expired/.well-known" "$W/nocontact/.well-known" \
    "$W/noexpires/.well-known" "$W/plain/.well-known" "$W/info"
printf '# security contact\nContact: mailto:security@vendor.example\nContact: https://vendor.example/vdp\nExpires: %s\nPolicy: https://vendor.example/policy\n' \
    "$FUT" >"$W/good/.well-known/security.txt"
{ printf -- '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n'
  cat "$W/good/.well-known/security.txt"
  printf -- '-----BEGIN PGP SIGNATURE-----\n\niHUEARYIAB0WIQQ=\n=abcd\n-----END PGP SIGNATURE-----\n'
} >"$W/signed/.well-known/security.txt"
printf 'Contact: mailto:security@vendor.example\nExpires: 2021-01-01T00:00:00Z\n' \
    >"$W/expired/.well-known/security.txt"
printf 'Expires: %s\nPolicy: https://vendor.example/policy\n' "$FUT" \
    >"$W/nocontact/.well-known/security.txt"
printf 'Contact: mailto:security@vendor.example\n' \
    >"$W/noexpires/.well-known/security.txt"
cp "$W/good/.well-known/security.txt" "$W/plain/.well-known/security.txt"
printf '<html><body><h1>Firmware updates</h1><p>2.4.1: fixes CVE-2026-0001. Supported until 2030-12-31.</p></body></html>\n' \
    >"$W/info/index.html"
cat >"$T_TMP/nginx.conf" <<EOF
daemon off;
user root;
worker_processes 1;
pid $T_TMP/nginx.pid;
error_log $T_TMP/nginx-error.log;
events { worker_connections 64; }
http {
	include /etc/nginx/mime.types;
	access_log $T_TMP/nginx-access.log;
	charset utf-8;
	charset_types text/plain;
	server {
		listen $WEB:9443 ssl;
		ssl_certificate $T_TMP/web.crt;
		ssl_certificate_key $T_TMP/web.key;
		root $W;
		location /plain/ { return 404; }
		location /busy/ { return 503; }
	}
	server {
		listen $WEB:9080;
		root $W;
	}
}
EOF

ln -sfn "$HQ_BUILD/fixtures/pki" "$T_TMP/pki"
"$HOPQUY" bench down --bench "$N" >/dev/null 2>&1
"$HOPQUY" bench up --bench "$N" >"$T_TMP/bench-up.log" 2>&1 ||
    { cat "$T_TMP/bench-up.log"; nok "bench $N up"; t_done; }
ip netns exec "$CNS" nginx -c "$T_TMP/nginx.conf" >"$T_TMP/nginx.out" 2>&1 &
NGX_PID=$!
check "nginx answers in $CNS over HTTPS" wait_port "$LAB" "$WEB" 9443 10
check "control: curl from the lab side fetches the good file with the CA" \
    ip netns exec "$LAB" curl -sf --max-time 5 --cacert "$T_TMP/ca.crt" \
    -o /dev/null "https://$WEB:9443/good/.well-known/security.txt"

# dut NAME URL [CA]: a DUT file for the bench with a disclosure section.
dut() {
	ca=${3:-$T_TMP/ca.crt}
	sed -e "s/198\.18\.0\./198.18.$N./g" -e "s/198\.19\.0\./198.19.$N./g" \
	    -e "s/\"instance\": 0/\"instance\": $N/" \
	    "$HQ_TOP/fixtures/duts/dutsim.json" |
	    jq --arg u "$2" --arg ca "$ca" --arg i "https://$WEB:9443/info/" \
	    '. + {disclosure: {security_txt: $u, update_info: $i, ca: $ca}}' \
	    >"$T_TMP/dut-$1.json"
}
# run NAME PROFILE ONLY: a run without a device (disclosure reads no DUT
# surface); sets $rc and $v (the case's verdict) and $why.
run() {
	ip netns exec "$LAB" "$HOPQUY" run -p "$2" -d "$T_TMP/dut-$1.json" \
	    -o "$T_TMP/run-$1" --only "$3" --no-reach-check --no-capture -q \
	    >"$T_TMP/run-$1.out" 2>"$T_TMP/run-$1.err"
	rc=$?
	v=$(jq -r --arg c "$4" '.results[] | select(.id == $c) | .verdict' \
	    "$T_TMP/run-$1/report.json" 2>/dev/null)
	why=$(jq -r --arg c "$4" '.results[] | select(.id == $c) | .rationale' \
	    "$T_TMP/run-$1/report.json" 2>/dev/null)
}
# expect NAME VERDICT RATIONALE-REGEX DESC
expect() {
	check "$4: $2 (got $v: $why)" sh -c "[ '$v' = '$2' ] &&
	    printf '%s' \"\$1\" | grep -Eq -- \"\$2\"" _ "$why" "$3"
}
S=.well-known/security.txt
one() {	# one NAME URL VERDICT REGEX DESC [CA]
	dut "$1" "$2" "${6:-}"
	run "$1" qcvn135-2024 "$CASE" "$CASE"
	expect "$1" "$3" "$4" "$5"
}

one good "https://$WEB:9443/good/$S" PASS \
    'over HTTPS \(certificate verified\): Contact mailto:security@vendor.example, Expires' \
    "well-formed security.txt"
check "... the run exits 2 (INCOMPLETE: --only), not 0 (got $rc)" [ $rc -eq 2 ]
check "... the transcript is evidence with its hash" sh -c \
    "jq -e '.evidence[] | select(.path | startswith(\"disclosure/\")) | .sha256' '$T_TMP/run-good/report.json' >/dev/null"
check "... contacts counted in the details" sh -c \
    "jq -e '.results[] | select(.id == \"$CASE\") | .details.security_txt.contacts == 2' '$T_TMP/run-good/report.json' >/dev/null"
one signed "https://$WEB:9443/signed/$S" PASS 'OpenPGP signed \(signature not verified\)' \
    "OpenPGP cleartext-signed security.txt"
one expired "https://$WEB:9443/expired/$S" FAIL 'expired 2021-01-01T00:00:00Z' \
    "expired Expires:"
check "... a FAIL exits 1 (got $rc)" [ $rc -eq 1 ]
one nocontact "https://$WEB:9443/nocontact/$S" FAIL 'no Contact: field' \
    "missing Contact:"
one noexpires "https://$WEB:9443/noexpires/$S" FAIL 'no Expires: field' \
    "missing Expires:"
one plain "http://$WEB:9080/plain/$S" FAIL 'published over plain HTTP only .*RFC 9116 2.3 requires HTTPS' \
    "plain HTTP only"
one missing "https://$WEB:9443/nothing/$S" FAIL 'answers 404: not published' \
    "404"
one untrusted "https://$WEB:9443/good/$S" FAIL 'certificate is not valid' \
    "certificate not vouched for by the declared CA" "$T_TMP/other-ca.crt"
one busy "https://$WEB:9443/busy/$S" INCONCLUSIVE 'answers 503: no definite answer' \
    "503 is no verdict"
one closed "https://$WEB:9444/good/$S" INCONCLUSIVE 'no answer' \
    "nothing listening is no verdict"
sed -e "s/198\.18\.0\./198.18.$N./g" -e "s/198\.19\.0\./198.19.$N./g" \
    -e "s/\"instance\": 0/\"instance\": $N/" \
    "$HQ_TOP/fixtures/duts/dutsim.json" >"$T_TMP/dut-undeclared.json"
run undeclared qcvn135-2024 "$CASE" "$CASE"
expect undeclared INCONCLUSIVE 'declares no security.txt URL' "no URL in the DUT file"

# Composition: a profile reusing the QCVN 135 case, with update info.
cat >"$T_TMP/hq-pf-disc.json" <<EOF
{ "format": "hopquy-profile/1", "id": "hq-pf-disc", "title": "t",
  "regulation": "test", "issuer": "test", "version": "1", "status": "lab",
  "device_classes": ["ai-camera"],
  "groups": [ { "id": "d", "title": "disclosure" } ],
  "testcases": [
    { "use": "$CASE", "id": "hq-pf-disc/d.1", "group": "d",
      "params": { "timeout_ms": 8000 } },
    { "id": "hq-pf-disc/d.2", "title": "update information", "description": "x",
      "group": "d", "family": "disclosure", "mandatory": true,
      "params": { "check": "update-info", "expect_firmware": true } } ] }
EOF
check "the composed profile checks" env HQ_PROFILE_DIR="$HQ_TOP/profiles" \
    "$HOPQUY" profile check "$T_TMP/hq-pf-disc.json"
dut comp "https://$WEB:9443/good/$S"
HQ_PROFILE_DIR="$HQ_TOP/profiles" run comp "$T_TMP/hq-pf-disc.json" \
    hq-pf-disc/d hq-pf-disc/d.1
expect comp PASS 'security.txt at' "the used case runs under the new id"
check "... with the override noted" sh -c \
    "jq -e '.results[] | select(.id == \"hq-pf-disc/d.1\") | .params.timeout_ms == 8000' '$T_TMP/run-comp/report.json' >/dev/null"
v=$(jq -r '.results[] | select(.id == "hq-pf-disc/d.2") | .verdict' "$T_TMP/run-comp/report.json")
why=$(jq -r '.results[] | select(.id == "hq-pf-disc/d.2") | .rationale' "$T_TMP/run-comp/report.json")
expect comp PASS 'mentions firmware 2.4.1' "update information page"
check "... both PASS: exit 0 (got $rc)" [ $rc -eq 0 ]
jq '.disclosure.update_info = "https://'"$WEB"':9443/gone/"' "$T_TMP/dut-comp.json" \
    >"$T_TMP/dut-gone.json"
HQ_PROFILE_DIR="$HQ_TOP/profiles" run gone "$T_TMP/hq-pf-disc.json" \
    hq-pf-disc/d.2 hq-pf-disc/d.2
expect gone FAIL 'answers 404: not published' "update information 404"

printf 't-disclosure: '
t_done
