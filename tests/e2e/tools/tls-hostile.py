#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# A hostile "TLS server" for the tls robustness test: one behaviour per port.
#   7001 handshake message of type 255 (garbage)   7002 truncated ServerHello
#   7003 record of 65535 bytes (oversized)         7004 silent
#   7005 ServerHello one byte every 0.4 s          7006 an HTTP answer
import socket, socketserver, sys, threading, time

SH = bytes.fromhex("160303003d0200003903030102030405060708090a0b0c0d0e0f10"
                   "1112131415161718191a1b1c1d1e1f2000c02f000011ff01000100"
                   "001700000000000000000000")

class H(socketserver.BaseRequestHandler):
    def handle(self):
        port = self.server.server_address[1]
        s = self.request
        s.settimeout(30)
        try:
            s.recv(4096)
            if port == 7001:
                s.sendall(b"\x16\x03\x03\x00\x05\xff\x00\x00\x01\x00")
                time.sleep(2)
            elif port == 7002:
                s.sendall(SH[:20])
            elif port == 7003:
                s.sendall(b"\x16\x03\x03\xff\xff" + b"\x02" * 100)
                time.sleep(2)
            elif port == 7004:
                time.sleep(20)
            elif port == 7005:
                for b in SH:
                    s.sendall(bytes([b]))
                    time.sleep(0.4)
            elif port == 7006:
                s.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass

class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

addr = sys.argv[1]
for p in range(7001, 7007):
    srv = S((addr, p), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
while True:
    time.sleep(3600)
