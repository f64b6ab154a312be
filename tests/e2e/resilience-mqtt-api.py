#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The HTTP faces of t-resilience-mosquitto.sh, with stock mosquitto clients
# behind them (every call bounded by a timeout):
#   device ADDR BROKER  stands for the device firmware's API in front of
#                       its mosquitto: POST /publish?m=TEXT (QoS 1 on
#                       hq/data), POST /setting?v=TEXT (retained on
#                       hq/setting/osd), GET /setting (the retained value,
#                       404 when none)
#   cloud ADDR BROKER LOG  the vendor cloud's test API over its broker:
#                       GET /bridge ({"connected": true|false}, from the
#                       bridge's notification topic), GET /seen?m=TEXT
#                       (200 when TEXT arrived on hq/#, logged to LOG by a
#                       mosquitto_sub started here)
import http.server
import json
import subprocess
import sys
import urllib.parse

MODE, ADDR, BROKER = sys.argv[1], sys.argv[2], sys.argv[3]
LOG = sys.argv[4] if len(sys.argv) > 4 else None


def run(args):
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=5)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired:
        return 124, ""


def sub_one(topic):
    rc, out = run(["mosquitto_sub", "-h", BROKER, "-C", "1", "-W", "2",
                   "-t", topic])
    return out.strip() if rc == 0 else None


class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("api %s: %s\n" % (MODE, fmt % args))

    def do_POST(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        if MODE == "device" and u.path == "/publish" and "m" in q:
            rc, _ = run(["mosquitto_pub", "-h", BROKER, "-q", "1",
                         "-t", "hq/data", "-m", q["m"][0]])
            return self.reply(200 if rc == 0 else 503, {"rc": rc})
        if MODE == "device" and u.path == "/setting" and "v" in q:
            rc, _ = run(["mosquitto_pub", "-h", BROKER, "-q", "1", "-r",
                         "-t", "hq/setting/osd", "-m", q["v"][0]])
            return self.reply(201 if rc == 0 else 503, {"rc": rc})
        self.reply(404, {})

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        if MODE == "device" and u.path == "/setting":
            v = sub_one("hq/setting/osd")
            return self.reply(200 if v else 404, {"value": v})
        if MODE == "cloud" and u.path == "/bridge":
            v = sub_one("hq/bridge/state")
            return self.reply(200, {"connected": v == "1", "state": v})
        if MODE == "cloud" and u.path == "/seen" and "m" in q:
            seen = q["m"][0] in open(LOG).read()
            return self.reply(200 if seen else 404, {"seen": seen})
        self.reply(404, {})


if MODE == "cloud":
    subprocess.Popen(["mosquitto_sub", "-h", BROKER, "-v", "-q", "1",
                      "-t", "hq/#"], stdout=open(LOG, "a"))
http.server.ThreadingHTTPServer((ADDR, 8080), H).serve_forever()
