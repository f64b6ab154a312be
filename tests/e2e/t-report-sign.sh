#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: a signed run (surface family against a listener in a
# namespace of our own), then: stock `openssl cms -verify` accepts
# hopquy's signature and hopquy verify accepts stock `openssl cms -sign`'s
# (EC P-256 and RSA-3072 lab keys under a test lab CA); one flipped byte
# in report.json or in any evidence file fails verification naming that
# file; report.json and the lab file validate against their schemas;
# junit.xml parses with junitparser; attestation.json's DSSE signature
# over its PAE verifies with stock openssl; an RFC 3161 time-stamp from a
# local TSA (openssl ts -reply behind a small HTTP responder) is embedded
# and verified.
. "$(dirname "$0")/lib.sh"
need_root
for t in openssl socat xmllint; do
	command -v $t >/dev/null 2>&1 || { echo "skipped: $t missing"; exit 77; }
done
$PY -c 'import jsonschema, junitparser' 2>/dev/null ||
    { echo "skipped: python3-jsonschema or python3-junitparser missing"; exit 77; }

export OPENSSL_CONF=/dev/null
K=$T_TMP/pki
mkdir -p "$K"
# ca NAME CN: a self-signed CA.  leaf CA NAME CN EXT: a certificate for
# NAME.key.  Lab signers carry no extendedKeyUsage, as S/MIME signing
# (the purpose `openssl cms -verify` checks) expects.
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$K/$1.key" -out "$K/$1.pem" -days 30 -subj "/O=hopquy e2e/CN=$2" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
leaf() {
	openssl req -new -key "$K/$2.key" -subj "/O=hopquy e2e/CN=$3" \
	    -out "$K/$2.csr" 2>/dev/null &&
	printf '%b' "$4" >"$K/$2.ext" &&
	openssl x509 -req -in "$K/$2.csr" -CA "$K/$1.pem" -CAkey "$K/$1.key" \
	    -set_serial "0x$(openssl rand -hex 8)" -days 30 -sha256 \
	    -extfile "$K/$2.ext" -out "$K/$2.pem" 2>/dev/null
}
SIGNEXT='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n'
umask 077
ca labca "hopquy e2e lab CA"
ca otherca "hopquy e2e lab CA"		# same name, other key
ca tsaca "hopquy e2e TSA CA"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/ec.key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$K/rsa.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/tsa.key"
leaf labca ec "lab signer EC" "$SIGNEXT"
leaf labca rsa "lab signer RSA" "$SIGNEXT"
leaf tsaca tsa "hopquy e2e TSA" \
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n'
umask 022
check "test PKI made (EC P-256 and RSA-3072 lab keys, TSA)" \
    [ -s "$K/ec.pem" ] && [ -s "$K/rsa.pem" ] && [ -s "$K/tsa.pem" ]

# The DUT: a declared HTTP listener in a namespace of our own.
DUTNS=hq-rp$$-dut
LABNS=hq-rp$$-lab
netns_add $DUTNS
netns_add $LABNS
veth_link $LABNS hqrplan0 198.18.0.1/24 $DUTNS hqrpdut0 198.18.0.2/24
bg $DUTNS socat TCP-LISTEN:80,bind=198.18.0.2,reuseaddr,fork \
    SYSTEM:'printf "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"'
wait_port $LABNS 198.18.0.2 80 || nok "http listener did not start"
cat >"$T_TMP/dut.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "test <&> \"lab\"", "model": "report-e2e",
                "serial": "RP-1", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "lan_if": "hqrplan0", "uplink_if": "lo",
             "address": "198.18.0.2" },
  "surfaces": [ { "id": "web", "proto": "http", "port": 80 } ],
  "claims": {} }
JSON
# A bench instance of our own (host mode: only its lock), so that other
# runs on this machine do not collide with ours.
BENCH=${HQ_REPORT_BENCH:-$(bn 36)}
BLOCK=/run/hopquy/bench-$BENCH
[ -e "$BLOCK.lock" ] && BLOCK=""	# not ours to remove afterwards
R=$T_TMP/run
ip netns exec $LABNS "$HOPQUY" run -q --bench $BENCH -p qcvn135-2024 \
    -d "$T_TMP/dut.json" -o "$R" --lab "$HQ_TOP/fixtures/lab/lab.json" \
    --sign "$K/ec.key" --cert "$K/ec.pem" \
    --set 'qcvn135-2024/g6.1-declared-services:ports="1-1024"' \
    --only qcvn135-2024/g6.1-declared-services \
    >"$T_TMP/run.out" 2>"$T_TMP/run.err"
rc=$?
# One case of the profile ran (--only): the run is INCOMPLETE (exit 2),
# however well that case did.
check "signed run of one case: exit 2, INCOMPLETE (got $rc)" [ $rc -eq 2 ]
check "... the summary says INCOMPLETE" grep -q '^INCOMPLETE: [0-9]* mandatory cases not run' "$T_TMP/run.out"
for f in report.json report.json.p7s report.html junit.xml attestation.json \
    outputs.json outputs.json.p7s; do
	check "run wrote $f" [ -s "$R/$f" ]
done

cmsverify() {	# cmsverify DIR CAFILE: stock OpenSSL, as the issue states it
	openssl cms -verify -binary -inform DER -in "$1/report.json.p7s" \
	    -content "$1/report.json" -CAfile "$2" -out /dev/null 2>"$T_TMP/cms.err"
}
hqverify() {	# hqverify DIR [args]: sets $rc, output in $T_TMP/verify.out
	d=$1; shift
	"$HOPQUY" verify "$d" "$@" >"$T_TMP/verify.out" 2>&1
	rc=$?
}
check "openssl cms -verify accepts hopquy's EC signature" cmsverify "$R" "$K/labca.pem"
hqverify "$R" --ca "$K/labca.pem"
check "hopquy verify: exit 0 (got $rc)" [ $rc -eq 0 ]
check "hopquy verify names the signer" grep -q 'signer:  CN=lab signer EC' "$T_TMP/verify.out"
check "hopquy verify checked the attestation" grep -q '^attestation.json: OK' "$T_TMP/verify.out"
hqverify "$R" --ca "$K/otherca.pem"
check "a CA of the same name but another key: exit 1 (got $rc)" [ $rc -eq 1 ]
hqverify "$R"
check "no --ca (system trust store): exit 1 (got $rc)" [ $rc -eq 1 ]

# Schemas.
valid() {	# valid FILE SCHEMA
	$PY - "$1" "$2" <<'PY'
import json, sys, jsonschema
s = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(s)
jsonschema.Draft202012Validator(s).validate(json.load(open(sys.argv[1])))
PY
}
check "report.json validates against reports/report.schema.json" \
    valid "$R/report.json" "$HQ_TOP/reports/report.schema.json"
check "fixtures/lab/lab.json validates against reports/lab.schema.json" \
    valid "$HQ_TOP/fixtures/lab/lab.json" "$HQ_TOP/reports/lab.schema.json"
check "report.json carries lab, customer, item, ambient and authorisation" $PY -c '
import json,sys; r=json.load(open(sys.argv[1]))
assert r["laboratory"]["name"] and r["laboratory"]["address"]
assert r["customer"]["name"] and r["item"]["condition"] and "temperature_c" in r["ambient"]
a=r["authorisation"]; assert a["name"] and a["role"] and a["signature"]["signer"].startswith("CN=lab signer EC")
assert any(i["role"]=="lab" for i in r["inputs"])
' "$R/report.json"

# JUnit: well-formed, and what a JUnit consumer reads matches the report.
check "junit.xml is well-formed XML" xmllint --noout "$R/junit.xml"
check "junit.xml: junitparser reads one testcase per test instance" $PY -c '
import json,sys,junitparser
r=json.load(open(sys.argv[1])); x=junitparser.JUnitXml.fromfile(sys.argv[2])
cases=[c for s in x for c in s]
assert len(cases)==len(r["results"]), (len(cases), len(r["results"]))
kind={"FAIL":junitparser.Failure,"INCONCLUSIVE":junitparser.Error,"NOT_APPLICABLE":junitparser.Skipped,"NOT_RUN":junitparser.Skipped}
for c,res in zip(cases,r["results"]):
    assert c.name==res["id"]
    k=kind.get(res["verdict"])
    assert (not c.result) if k is None else isinstance(c.result[0],k), (c.name,c.result)
' "$R/report.json" "$R/junit.xml"

# Attestation: DSSE over the PAE, with stock openssl; subjects hashed.
A=$T_TMP/att
mkdir -p "$A"
$PY - "$R/attestation.json" "$A" <<'PY'
import base64, json, sys
e = json.load(open(sys.argv[1])); d = sys.argv[2]
body = base64.b64decode(e["payload"], validate=True)
t = e["payloadType"].encode()
pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)
open(d + "/pae.bin", "wb").write(pae)
open(d + "/sig.der", "wb").write(base64.b64decode(e["signatures"][0]["sig"]))
open(d + "/statement.json", "wb").write(body)
open(d + "/type", "w").write(e["payloadType"])
PY
openssl x509 -in "$K/ec.pem" -pubkey -noout >"$A/pub.pem"
check "attestation.json: openssl verifies the DSSE signature over its PAE" \
    openssl dgst -sha256 -verify "$A/pub.pem" -signature "$A/sig.der" "$A/pae.bin"
check "attestation payloadType is application/vnd.in-toto+json" \
    [ "$(cat "$A/type")" = application/vnd.in-toto+json ]
check "attestation: in-toto Statement v1, test-result predicate, subjects match the files" $PY -c '
import hashlib,json,os,sys
s=json.load(open(sys.argv[1])); d=sys.argv[2]; r=json.load(open(d+"/report.json"))
assert s["_type"]=="https://in-toto.io/Statement/v1"
assert s["predicateType"]=="https://in-toto.io/attestation/test-result/v0.1"
names=[x["name"] for x in s["subject"]]
assert names==["report.json"]+[e["path"] for e in r["evidence"]], names
for x in s["subject"]:
    assert hashlib.sha256(open(os.path.join(d,x["name"]),"rb").read()).hexdigest()==x["digest"]["sha256"]
p=s["predicate"]; ids=lambda v: [x["id"] for x in r["results"] if x["verdict"]==v]
assert p["result"]=="WARNED" and p["passedTests"]==ids("PASS") and ids("PASS"), p
assert p["verdict"]=="INCOMPLETE", p
assert p["failedTests"]==[] and p["warnedTests"]==[]
assert p["notApplicableTests"]==ids("NOT_APPLICABLE"), p
assert p["notRunTests"]==ids("NOT_RUN") and len(ids("NOT_RUN"))==len(r["results"])-1, p
roles={c["annotations"]["role"] for c in p["configuration"]}; assert {"profile","dut","lab"}<=roles, roles
' "$A/statement.json" "$R"

# Tampering: one flipped byte in report.json, in what is rendered from it
# (report.html, junit.xml: outputs.json.p7s covers them) or in any
# evidence file.
flip() {	# flip FILE: xor one byte in the middle
	$PY -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read())
b[len(b)//2]^=0x01; open(p,"wb").write(b)' "$1"
}
n=0
for f in report.json report.html junit.xml $($PY -c 'import json,sys
for e in json.load(open(sys.argv[1]))["evidence"]: print(e["path"])' "$R/report.json"); do
	n=$((n + 1))
	cp -a "$R" "$T_TMP/t$n"
	flip "$T_TMP/t$n/$f"
	hqverify "$T_TMP/t$n" --ca "$K/labca.pem"
	check "tampered $f: hopquy verify exit 1 (got $rc)" [ $rc -eq 1 ]
	check "tampered $f: hopquy verify names it" grep -q "^$f: FAILED" "$T_TMP/verify.out"
	if [ "$f" = report.json ]; then
		check "tampered report.json: openssl cms -verify fails" \
		    not cmsverify "$T_TMP/t$n" "$K/labca.pem"
	fi
done
check "tamper test covered report.json, report.html, junit.xml and $((n - 3)) evidence files" [ $n -ge 5 ]
cp -a "$R" "$T_TMP/tatt"
flip "$T_TMP/tatt/attestation.json"
hqverify "$T_TMP/tatt" --ca "$K/labca.pem"
check "tampered attestation.json: exit 1 naming it" \
    sh -c "[ $rc -eq 1 ] && grep -q '^attestation.json: FAILED' '$T_TMP/verify.out'"
cp -a "$R" "$T_TMP/tgone"
rm "$T_TMP/tgone/$($PY -c 'import json,sys
print(json.load(open(sys.argv[1]))["evidence"][0]["path"])' "$R/report.json")"
hqverify "$T_TMP/tgone" --ca "$K/labca.pem"
check "missing evidence file: exit 1 naming it missing" \
    sh -c "[ $rc -eq 1 ] && grep -q ': FAILED: missing' '$T_TMP/verify.out'"

# Both directions with stock openssl, RSA-3072 this time.
S=$T_TMP/stock
cp -a "$R" "$S"
rm "$S/report.json.p7s" "$S/attestation.json" "$S/outputs.json.p7s"
openssl cms -sign -binary -in "$S/report.json" -signer "$K/rsa.pem" \
    -inkey "$K/rsa.key" -outform DER -out "$S/report.json.p7s"
# outputs.json with stock tools too: the rendered files, no attestation.
$PY - "$S" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]; o = json.load(open(d + "/outputs.json"))
o["files"] = [f for f in o["files"] if f["path"] != "attestation.json"]
for f in o["files"]:
    b = open(os.path.join(d, f["path"]), "rb").read()
    assert hashlib.sha256(b).hexdigest() == f["sha256"], f
json.dump(o, open(d + "/outputs.json", "w"), indent=2)
PY
openssl cms -sign -binary -in "$S/outputs.json" -signer "$K/rsa.pem" \
    -inkey "$K/rsa.key" -outform DER -out "$S/outputs.json.p7s"
hqverify "$S" --ca "$K/labca.pem"
check "hopquy verify accepts stock openssl cms -sign (RSA-3072): exit $rc" [ $rc -eq 0 ]
check "... naming the RSA signer" grep -q 'signer:  CN=lab signer RSA' "$T_TMP/verify.out"
H=$T_TMP/rsa
cp -a "$R" "$H"
"$HOPQUY" render "$H" --sign "$K/rsa.key" --cert "$K/rsa.pem" >/dev/null
check "hopquy render --sign with the RSA-3072 key: openssl cms -verify accepts it" \
    cmsverify "$H" "$K/labca.pem"
hqverify "$H" --ca "$K/labca.pem"
check "... and hopquy verify too (attestation re-signed): exit $rc" [ $rc -eq 0 ]

# The key file must not be readable by others.
cp "$K/ec.key" "$T_TMP/open.key"
chmod 644 "$T_TMP/open.key"
"$HOPQUY" render "$H" --sign "$T_TMP/open.key" --cert "$K/ec.pem" 2>"$T_TMP/open.err"
rc=$?
check "key readable by others: exit 65 (got $rc)" [ $rc -eq 65 ]
check "... saying so" grep -q 'accessible to others' "$T_TMP/open.err"
ip netns exec $LABNS "$HOPQUY" run -q --bench $BENCH -p qcvn135-2024 \
    -d "$T_TMP/dut.json" -o "$T_TMP/never" --sign "$T_TMP/open.key" --cert "$K/ec.pem" \
    >/dev/null 2>&1
rc=$?
check "run with such a key stops before running: exit 65 (got $rc)" \
    sh -c "[ $rc -eq 65 ] && [ ! -e '$T_TMP/never/report.json' ]"

# RFC 3161: a local TSA (openssl ts -reply behind an HTTP responder).
cat >"$K/ts.cnf" <<CNF
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
serial = $K/tsaserial
crypto_device = builtin
signer_cert = $K/tsa.pem
signer_key = $K/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
echo 01 >"$K/tsaserial"
cat >"$T_TMP/tsa.py" <<'PY'
import http.server, os, subprocess, sys, tempfile
cnf, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        q = self.rfile.read(min(n, 65536))
        body = b""
        with tempfile.TemporaryDirectory() as d:
            open(d + "/q.tsq", "wb").write(q)
            r = subprocess.run(["openssl", "ts", "-reply", "-config", cnf,
                                "-queryfile", d + "/q.tsq", "-out", d + "/r.tsr"],
                               capture_output=True)
            if r.returncode == 0:
                body = open(d + "/r.tsr", "rb").read()
        self.send_response(200 if body else 500)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
$PY "$T_TMP/tsa.py" "$K/ts.cnf" "$T_TMP/tsa.port" >>"$T_TMP/bg.log" 2>&1 &
T_PIDS="$T_PIDS $!"
i=0
while [ ! -s "$T_TMP/tsa.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
TSA=http://127.0.0.1:$(cat "$T_TMP/tsa.port" 2>/dev/null)/
TS=$T_TMP/ts
cp -a "$R" "$TS"
"$HOPQUY" render "$TS" --sign "$K/ec.key" --cert "$K/ec.pem" --tsa "$TSA" \
    >/dev/null 2>"$T_TMP/ts.err"
rc=$?
check "render --tsa against the local TSA: exit 0 (got $rc)" [ $rc -eq 0 ]
check "time-stamped signature: openssl cms -verify still accepts it" \
    cmsverify "$TS" "$K/labca.pem"
check "the signature carries an id-aa-timeStampToken attribute" sh -c \
    "openssl cms -cmsout -print -inform DER -in '$TS/report.json.p7s' | grep -q 'id-smime-aa-timeStampToken'"
hqverify "$TS" --ca "$K/labca.pem" --tsa-ca "$K/tsaca.pem"
check "hopquy verify checks the time-stamp: exit $rc" \
    sh -c "[ $rc -eq 0 ] && grep -q 'time-stamp OK: .* by .*CN=hopquy e2e TSA' '$T_TMP/verify.out'"
hqverify "$TS" --ca "$K/labca.pem"
check "time-stamp from an untrusted TSA: exit 1 (got $rc)" \
    sh -c "[ $rc -eq 1 ] && grep -q 'time-stamp .* does not verify' '$T_TMP/verify.out'"
"$HOPQUY" render "$TS" --sign "$K/ec.key" --cert "$K/ec.pem" \
    --tsa http://127.0.0.1:9/ >/dev/null 2>"$T_TMP/ts.err"
rc=$?
check "TSA unreachable: render fails (exit $rc)" [ $rc -ne 0 ]

# The bench instance's empty lock and journal, if this script made them.
if [ -n "$BLOCK" ] && [ ! -s "$BLOCK.journal" ]; then
	rm -f "$BLOCK.lock" "$BLOCK.journal"
fi
t_done
