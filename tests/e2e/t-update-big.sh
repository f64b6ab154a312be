#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A 512 MB firmware image is streamed, never held in memory: hopquy pushes
# mutations of it and the genuine image to a small device stand-in (in the
# DUT namespace of bench 170) that hashes what it receives, refuses
# anything but the genuine image and then reports the new version.  The
# peak RSS of hopquy (GNU time's maximum resident set size) is printed and
# must stay under 64 MiB; the run must verify with every image's hash.
. "$(dirname "$0")/lib.sh"
need_root
[ -x /usr/bin/time ] || { echo "skipped: no /usr/bin/time"; exit 77; }
N=${HQ_UPDATE_BIG_BENCH:-$(bn 170)}
P=qcvn135-2024
DNS=hq-dut-$N
ADDR=198.18.$N.2
MB=${HQ_UPDATE_BIG_MB:-512}
PKI="$HQ_BUILD/fixtures/pki"
trap '"$HOPQUY" bench down --bench $N >/dev/null 2>&1; t_cleanup' EXIT

head -c "${MB}M" /dev/urandom >"$T_TMP/fw-big.bin" ||
    { nok "a $MB MB image"; t_done; }
SHA=$(sha256sum "$T_TMP/fw-big.bin" | cut -d' ' -f1)
cat >"$T_TMP/sink.py" <<'PY'
import hashlib, http.server, json, sys
GOOD, state = sys.argv[2], {"version": "1.0"}
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        self.reply(200, state)
    def do_POST(self):
        n, h = int(self.headers.get("Content-Length", "0")), hashlib.sha256()
        while n > 0:
            b = self.rfile.read(min(n, 1 << 20))
            if not b:
                return
            h.update(b)
            n -= len(b)
        if h.hexdigest() == GOOD:
            state["version"] = "2.0"
            self.reply(200, {"result": "installed"})
        else:
            self.reply(403, {"error": "signature does not verify"})
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer((sys.argv[1], 8080), H).serve_forever()
PY

"$HOPQUY" bench down --bench "$N" >/dev/null 2>&1
"$HOPQUY" bench up --bench "$N" >"$T_TMP/bench-up.log" 2>&1 ||
    { cat "$T_TMP/bench-up.log"; nok "bench $N"; t_done; }
bg "$DNS" $PY "$T_TMP/sink.py" "$ADDR" "$SHA"
wait_port "hq-lab-$N" "$ADDR" 8080 10 || { nok "the device stand-in"; t_done; }

cat >"$T_TMP/dut.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "big-image sink",
                "serial": "BIG-1", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "namespaces", "instance": $N, "address": "$ADDR" },
  "surfaces": [ { "id": "web", "proto": "http", "port": 8080 } ],
  "update": {
    "submit": { "request": { "surface": "web", "method": "POST",
                             "path": "/fw", "auth": "none" },
                "timeout_ms": 600000 },
    "outcome": { "version": { "surface": "web", "method": "GET",
        "path": "/version", "auth": "none",
        "capture": { "version": "/version" } } },
    "health": { "request": { "surface": "web", "method": "GET",
        "path": "/version", "auth": "none", "expect": 200 } },
    "genuine": { "file": "$T_TMP/fw-big.bin", "version": "2.0" },
    "format": "opaque" },
  "claims": {} }
JSON
R=$T_TMP/run
/usr/bin/time -f '%M' -o "$T_TMP/rss" "$HOPQUY" run -q -p "$P" \
    -d "$T_TMP/dut.json" -o "$R" --only "$P/g3.1-tampered-rejected" \
    --sign "$PKI/lab-ec.key" --cert "$PKI/lab-ec.crt" \
    --set "$P/g3.1-tampered-rejected:mutations=[\"flip-payload\",\"truncate-50\",\"flip-signature\"]" \
    >"$T_TMP/run.out" 2>"$T_TMP/run.err"
rc=$?
kb=$(tail -n 1 "$T_TMP/rss")
echo "peak RSS of hopquy streaming a $MB MB image: $kb KiB"
# One case of the profile: INCOMPLETE (exit 2), the case itself PASS.
check "run exit 2, INCOMPLETE (got $rc; $(tail -n 1 "$T_TMP/run.err"))" \
    [ "$rc" -eq 2 ]
check "peak RSS $kb KiB < 65536 KiB" [ "${kb:-999999}" -lt 65536 ]
check "g3.1 PASS: 3 mutations refused, the $MB MB genuine image installed" \
    /usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if [x["verdict"] for x in r["results"]
    if x["id"].endswith("g3.1-tampered-rejected")] == ["PASS"] else 1)' \
    "$R/report.json"
check "hopquy verify re-hashes every image" "$HOPQUY" verify -q "$R" \
    --ca "$PKI/lab-ca.crt"
n=$(ls "$R"/update/*/*.bin 2>/dev/null | wc -l)
check "four images of $MB MB class in the evidence ($n)" [ "$n" -eq 4 ]
printf 'update-big: '
t_done
