#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""gst-rtsp-server 1.22 (Debian's gir1.2-gst-rtsp-server-1.0) as a camera
for the end-to-end tests: a test pattern at rtsp://ADDR:PORT/live.

With --basic USER:PASSWORD (repeatable) the mount needs RTSP Basic
authentication (RFC 2617 over RTSP 1.0) and any of the listed accounts
may read it; --digest USER:PASSWORD the same with Digest (the server then
offers Digest only); without either, anyone may (an unauthenticated
camera).  With --tls PEM (certificate and key in one file) the server
speaks RTSP over TLS only (rtsps).
"""
import argparse
import sys

import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gio, GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--addr", required=True)
ap.add_argument("--port", type=int, default=8554)
ap.add_argument("--basic", action="append", default=[])
ap.add_argument("--digest", action="append", default=[])
ap.add_argument("--tls")
A = ap.parse_args()

Gst.init(None)
srv = GstRtspServer.RTSPServer()
srv.set_address(A.addr)
srv.set_service(str(A.port))
fac = GstRtspServer.RTSPMediaFactory()
fac.set_launch("( videotestsrc is-live=true pattern=ball ! "
               "video/x-raw,width=160,height=120,framerate=5/1,format=RGB ! "
               "rtpvrawpay name=pay0 pt=96 )")
fac.set_shared(True)
auth = None
if A.basic or A.digest or A.tls:
    auth = GstRtspServer.RTSPAuth()
    tok = GstRtspServer.RTSPToken()
    tok.set_string("media.factory.role", "user")
    for acc in A.basic:
        u, p = acc.split(":", 1)
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(u, p), tok)
    for acc in A.digest:
        u, p = acc.split(":", 1)
        auth.add_digest(u, p, tok)
    if A.digest:
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    if A.tls:
        auth.set_tls_certificate(Gio.TlsCertificate.new_from_file(A.tls))
    if not A.basic and not A.digest:
        # TLS only: anyone may read (the default token's role)
        auth.set_default_token(tok)
    srv.set_auth(auth)
    perm = Gst.Structure.from_string(
        "user, media.factory.access=(boolean)true, "
        "media.factory.construct=(boolean)true")[0]
    fac.add_role_from_structure(perm)
srv.get_mount_points().add_factory("/live", fac)
if srv.attach(None) == 0:
    sys.exit("cannot listen on %s:%d" % (A.addr, A.port))
print("listening", flush=True)
GLib.MainLoop().run()
