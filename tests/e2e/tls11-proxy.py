#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A TLS terminator that speaks TLS 1.1 and nothing else, in front of a
plain TCP service (a device whose firmware's TLS stack stops at 1.1):
--listen ADDR:PORT --to ADDR:PORT --cert PEM --key PEM."""
import argparse
import socket
import ssl
import threading

ap = argparse.ArgumentParser()
ap.add_argument("--listen", required=True)
ap.add_argument("--to", required=True)
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
A = ap.parse_args()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
ctx.minimum_version = ssl.TLSVersion.TLSv1_1
ctx.maximum_version = ssl.TLSVersion.TLSv1_1
ctx.load_cert_chain(A.cert, A.key)


def pipe(a, b):
    try:
        while True:
            d = a.recv(16384)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(c):
    try:
        t = ctx.wrap_socket(c, server_side=True)
        h, p = A.to.rsplit(":", 1)
        u = socket.create_connection((h, int(p)), timeout=5)
        u.settimeout(None)
    except (OSError, ssl.SSLError):
        c.close()
        return
    threading.Thread(target=pipe, args=(u, t), daemon=True).start()
    pipe(t, u)


h, p = A.listen.rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((h, int(p)))
s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
