#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# An RTSP server from Debian's gst-rtsp-server (through python3-gi) for the
# input family's real-server test: a test pattern at rtsp://ADDR:PORT/live.
# usage: input-rtsp.py ADDR PORT
import sys

import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address(sys.argv[1])
server.set_service(sys.argv[2])
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch("( videotestsrc is-live=true ! video/x-raw,width=160,"
                   "height=120,framerate=5/1 ! rtpvrawpay name=pay0 pt=96 )")
factory.set_shared(True)
server.get_mount_points().add_factory("/live", factory)
server.attach(None)
GLib.MainLoop().run()
