#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A small login server for the creds end-to-end tests.

GET /basic          HTTP basic auth
POST /api/login     JSON {"user", "password"} -> 200 {"token"} or 401
GET /api/whoami     Authorization: Bearer <token> -> 200 or 401
Lockout: --lock-attempts failures within --lock-window s lock the user for
--lock-time s (every login refused, same answer as a wrong password); a
success clears the failures.  Faults: --no-lockout, --enum-message (wrong
user says so), --enum-timing MS (wrong password costs MS more),
--no-session-timeout.  Answers that are no verdict: --busy-every N (503
Service Unavailable to every Nth request, counted over the whole server),
--busy-user USER (503 to every login of USER).  --open-path PATH serves
PATH to anyone (a configuration left without authentication).  HTTP/1.1 with keep-alive.
"""
import argparse
import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--addr", default="0.0.0.0")
ap.add_argument("--port", type=int, default=8080)
ap.add_argument("--user", default="operator")
ap.add_argument("--password", required=True)
ap.add_argument("--extra", action="append", default=[],
                help="another account, USER:PASSWORD")
ap.add_argument("--lock-attempts", type=int, default=5)
ap.add_argument("--lock-window", type=float, default=5)
ap.add_argument("--lock-time", type=float, default=4)
ap.add_argument("--session-idle", type=float, default=2)
ap.add_argument("--no-lockout", action="store_true")
ap.add_argument("--enum-message", action="store_true")
ap.add_argument("--enum-timing", type=float, default=0)
ap.add_argument("--no-session-timeout", action="store_true")
ap.add_argument("--busy-every", type=int, default=0)
ap.add_argument("--busy-user", default=None)
ap.add_argument("--onvif-open", action="store_true",
                help="ONVIF GetProfiles/GetStreamUri without WS-Security")
ap.add_argument("--open-path", action="append", default=[],
                help="a path served to anyone (200, a config document)")
A = ap.parse_args()

ACCOUNTS = {A.user: A.password}
for e in A.extra:
    u, p = e.split(":", 1)
    ACCOUNTS[u] = p
LOCK = threading.Lock()
FAILS = {}      # user -> [times]
LOCKED = {}     # user -> until
SESSIONS = {}   # token -> last use
NREQ = [0]      # requests seen (--busy-every)


def busy(user):
    """True when this request gets 503 instead of an answer."""
    with LOCK:
        NREQ[0] += 1
        n = NREQ[0]
    if A.busy_user is not None and user == A.busy_user:
        return True
    return A.busy_every > 0 and n % A.busy_every == 0


def check(user, password):
    """'ok', 'nouser', 'badpw' or 'locked'."""
    now = time.monotonic()
    with LOCK:
        if not A.no_lockout and LOCKED.get(user, 0) > now:
            return "locked"
        if user not in ACCOUNTS:
            return "nouser"
        if secrets.compare_digest(ACCOUNTS[user].encode(), password.encode()):
            FAILS.pop(user, None)
            return "ok"
        f = [t for t in FAILS.get(user, []) if now - t < A.lock_window]
        f.append(now)
        FAILS[user] = f
        if len(f) >= A.lock_attempts:
            LOCKED[user] = now + A.lock_time
            FAILS[user] = []
        return "badpw"


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, obj, extra=None):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(b)

    def refuse(self, r, basic=False):
        if r == "badpw" and A.enum_timing > 0:
            time.sleep(A.enum_timing / 1000.0)
        msg = "login failed"
        if A.enum_message:
            msg = "unknown user" if r == "nouser" else "wrong password"
        extra = {"WWW-Authenticate": 'Basic realm="cam"'} if basic else None
        self.reply(401, {"error": msg}, extra)

    def soap(self, code, inner):
        b = ('<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s='
             '"http://www.w3.org/2003/05/soap-envelope" xmlns:trt="http://'
             'www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org'
             '/ver10/schema" xmlns:ter="http://www.onvif.org/ver10/error">'
             '<s:Body>%s</s:Body></s:Envelope>' % inner).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/soap+xml")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def onvif(self, body):
        """ONVIF media calls: served to anyone with --onvif-open, else a
        NotAuthorized fault (ONVIF Core 5.12) without WS-Security."""
        if not A.onvif_open and b"wsse:Security" not in body:
            return self.soap(400, '<s:Fault><s:Code><s:Value>s:Sender'
                             '</s:Value><s:Subcode><s:Value>ter:'
                             'NotAuthorized</s:Value></s:Subcode></s:Code>'
                             '</s:Fault>')
        if b"GetProfiles" in body:
            return self.soap(200, '<trt:GetProfilesResponse><trt:Profiles '
                             'token="Profile_1" fixed="true"><tt:Name>main'
                             '</tt:Name></trt:Profiles>'
                             '</trt:GetProfilesResponse>')
        if b"GetStreamUri" in body:
            return self.soap(200, '<trt:GetStreamUriResponse><trt:MediaUri>'
                             '<tt:Uri>rtsp://%s:554/live</tt:Uri>'
                             '</trt:MediaUri></trt:GetStreamUriResponse>'
                             % A.addr)
        return self.soap(400, "<s:Fault/>")

    def do_GET(self):
        if self.path in A.open_path:
            return self.reply(200, {"wifi_psk": "not-a-secret", "users": 2})
        if self.path == "/basic":
            h = self.headers.get("Authorization", "")
            if not h.startswith("Basic "):
                return self.refuse("nouser", True)
            try:
                u, p = base64.b64decode(h[6:]).decode().split(":", 1)
            except Exception:
                return self.refuse("nouser", True)
            if busy(u):
                return self.reply(503, {"error": "busy"})
            r = check(u, p)
            if r != "ok":
                return self.refuse(r, True)
            return self.reply(200, {"user": u})
        if self.path == "/api/whoami":
            h = self.headers.get("Authorization", "")
            tok = h[7:] if h.startswith("Bearer ") else ""
            now = time.monotonic()
            with LOCK:
                last = SESSIONS.get(tok)
                if last is not None and not A.no_session_timeout and \
                        now - last > A.session_idle:
                    del SESSIONS[tok]
                    last = None
                if last is not None:
                    SESSIONS[tok] = now
            if last is None:
                return self.reply(401, {"error": "no session"})
            return self.reply(200, {"ok": True})
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        if n > 65536:
            return self.reply(413, {"error": "too large"})
        body = self.rfile.read(n)
        if self.path == "/onvif/device_service":
            return self.onvif(body)
        if self.path != "/api/login":
            return self.reply(404, {"error": "not found"})
        try:
            j = json.loads(body)
            u, p = str(j["user"]), str(j["password"])
        except Exception:
            return self.reply(400, {"error": "bad request"})
        r = check(u, p)
        if r != "ok":
            return self.refuse(r)
        tok = secrets.token_hex(16)
        with LOCK:
            SESSIONS[tok] = time.monotonic()
        self.reply(200, {"token": tok})


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer((A.addr, A.port), H).serve_forever()
