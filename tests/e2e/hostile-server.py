#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A hostile device for tests/e2e/t-hostile.sh: listens on ADDR:PORT and
misbehaves one way (--mode) on every connection.  Each connection runs in
its own thread and ends when the client goes away or after --hold
seconds, so a flood of clients never piles up.

  hostile-server.py --addr A --port P --mode MODE [--good N] [--cert F --key F]

--good N: the first N connections get an honest answer (an HTTP basic
realm accepting only the operator), the rest the hostile mode: a device
that passes the controls, then turns hostile."""
import argparse, base64, os, random, socket, ssl, struct, sys, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--addr", required=True)
ap.add_argument("--port", type=int, action="append", required=True)
ap.add_argument("--mode", required=True)
ap.add_argument("--good", type=int, default=0)
ap.add_argument("--hold", type=float, default=60.0)
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--user", default="operator")
ap.add_argument("--password", default="Op3rator!x9Q")
a = ap.parse_args()

rnd = random.Random(1)
nconn = 0
lock = threading.Lock()
GOOD_AUTH = base64.b64encode(("%s:%s" % (a.user, a.password)).encode())


def deadline():
    return time.monotonic() + a.hold


def recv_some(c, n=65536, t=2.0):
    c.settimeout(t)
    try:
        return c.recv(n)
    except (socket.timeout, OSError):
        return b""


def read_request(c, t=5.0):
    """Reads up to the end of an HTTP/RTSP head (bounded)."""
    buf = b""
    end = time.monotonic() + t
    while b"\r\n\r\n" not in buf and len(buf) < 65536 and \
            time.monotonic() < end:
        d = recv_some(c, 4096, max(0.1, end - time.monotonic()))
        if not d:
            break
        buf += d
    return buf


def send_forever(c, chunk_fn, pace=0.0):
    """Sends chunk_fn(i) until the peer goes or --hold passes."""
    end = deadline()
    i = 0
    c.settimeout(5)
    while time.monotonic() < end:
        try:
            c.sendall(chunk_fn(i))
        except OSError:
            return
        i += 1
        if pace:
            time.sleep(pace)


def hold_silent(c):
    end = deadline()
    c.settimeout(0.5)
    while time.monotonic() < end:
        try:
            if c.recv(65536) == b"":
                return
        except socket.timeout:
            continue
        except OSError:
            return


def honest_http(c):
    req = read_request(c)
    if b"Authorization: Basic " + GOOD_AUTH in req:
        body = b"welcome\n"
        head = b"HTTP/1.1 200 OK\r\n"
    else:
        body = b"denied\n"
        head = (b"HTTP/1.1 401 Unauthorized\r\n"
                b"WWW-Authenticate: Basic realm=\"cam\"\r\n")
    c.sendall(head + b"Content-Type: text/plain\r\nContent-Length: %d\r\n"
              b"Connection: close\r\n\r\n" % len(body) + body)


# ---- the modes --------------------------------------------------------

def m_silent(c):
    hold_silent(c)


def m_slow(c):
    # one byte a second of a plausible answer (slowloris from the device)
    read_request(c, 1)
    msg = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic " \
        b"realm=\"cam\"\r\nContent-Length: 0\r\n\r\n"
    send_forever(c, lambda i: msg[i:i + 1] if i < len(msg) else b"X", 1.0)


def m_rtsp_slow(c):
    read_request(c, 1)
    msg = b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n" \
        b"WWW-Authenticate: Basic realm=\"cam\"\r\n\r\n"
    send_forever(c, lambda i: msg[i:i + 1] if i < len(msg) else b"X", 1.0)


def m_endless_headers(c):
    read_request(c, 1)
    c.sendall(b"HTTP/1.1 401 Unauthorized\r\n")
    send_forever(c, lambda i: b"X-Junk-%d: %s\r\n" % (i, b"a" * 64))


def m_giant_header(c):
    # one header line that never ends (libcurl's header limit)
    read_request(c, 1)
    c.sendall(b"HTTP/1.1 401 Unauthorized\r\nX-Giant: ")
    send_forever(c, lambda i: b"a" * 8192)


def m_clen_2g(c):
    read_request(c, 1)
    c.sendall(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic "
              b"realm=\"cam\"\r\nContent-Length: 2147483648\r\n\r\n")
    send_forever(c, lambda i: b"\0" * 65536)


def m_clen_2g_ok(c):
    # 200 to a request without credentials, then 2 GB announced
    read_request(c, 1)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n"
              b"Content-Length: 2147483648\r\n\r\n")
    send_forever(c, lambda i: b"\xff" * 65536)


def m_chunked_endless(c):
    read_request(c, 1)
    c.sendall(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic "
              b"realm=\"cam\"\r\nTransfer-Encoding: chunked\r\n\r\n")
    send_forever(c, lambda i: b"4000\r\n" + b"z" * 0x4000 + b"\r\n")


def m_continue_forever(c):
    read_request(c, 1)
    send_forever(c, lambda i: b"HTTP/1.1 100 Continue\r\n\r\n", 0.05)


def m_redirect_loop(c):
    read_request(c, 1)
    c.sendall(b"HTTP/1.1 302 Found\r\nLocation: /again\r\n"
              b"Content-Length: 0\r\nConnection: close\r\n\r\n")


def m_server_error(c):
    read_request(c, 1)
    c.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
              b"Connection: close\r\n\r\n")


def m_rst(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def m_garbage(c):
    read_request(c, 0.3)
    send_forever(c, lambda i: bytes(rnd.getrandbits(8) for _ in range(4096)),
                 0.01)


def m_tls_garbage(c):
    # well-framed TLS handshake records full of noise
    recv_some(c, 65536, 2)
    send_forever(c, lambda i: b"\x16\x03\x03\x01\x00" +
                 bytes(rnd.getrandbits(8) for _ in range(256)), 0.01)


def m_tls_huge(c):
    # a record header announcing 65535 bytes (over TLS's 16384 + 2048),
    # then endless payload
    recv_some(c, 65536, 2)
    c.sendall(b"\x16\x03\x03\xff\xff")
    send_forever(c, lambda i: b"\x02" * 16384, 0.01)


def m_tls_stall(c):
    # half a ServerHello, then nothing
    recv_some(c, 65536, 2)
    c.sendall(b"\x16\x03\x03\x00\x4a\x02\x00\x00\x46\x03\x03")
    hold_silent(c)


def m_tls_real(c):
    # a real TLS server (--cert: a chain over OpenSSL's size limit)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    c.settimeout(10)
    try:
        s = ctx.wrap_socket(c, server_side=True)
        s.recv(1024)
        s.close()
    except (OSError, ssl.SSLError):
        pass


def m_telnet_flood(c):
    # IAC DO/WILL for every option, over and over; never a prompt
    def chunk(i):
        b = bytearray()
        for o in range(256):
            b += bytes((255, 253 if (o + i) % 2 else 251, o))
        return bytes(b)
    send_forever(c, chunk, 0.005)


def m_telnet_spam(c):
    send_forever(c, lambda i: b"login: " * 512, 0.01)


def m_mqtt_connack_flood(c):
    recv_some(c, 4096, 2)
    send_forever(c, lambda i: b"\x20\x02\x00\x00" * 4096, 0.005)


def m_mqtt_huge(c):
    # a PUBLISH announcing 256 MB (the largest remaining length), then noise
    recv_some(c, 4096, 2)
    c.sendall(b"\x20\x02\x00\x00\x30\xff\xff\xff\x7f")
    send_forever(c, lambda i: b"m" * 65536)


def m_rtsp_clen_2g(c):
    read_request(c, 1)
    c.sendall(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Type: "
              b"application/sdp\r\nContent-Length: 2147483648\r\n\r\n")
    send_forever(c, lambda i: b"v=0\r\n" * 8192)


def m_soap_bomb(c):
    # an ONVIF answer: nested elements without end, then entity bombs
    read_request(c, 1)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\n"
              b"Content-Length: 1073741824\r\n\r\n"
              b"<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY a "
              b"\"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
              b"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"
              b"<s:Body>")
    send_forever(c, lambda i: b"<x>&b;" * 4096)


def m_huge_json(c):
    # a data-API answer: 201 and a JSON body of endless nesting and size
    read_request(c, 1)
    c.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
              b"Connection: close\r\n\r\n{\"id\":")
    send_forever(c, lambda i: b"[" * 65536)


def m_ssh_banner(c):
    # RFC 4253 4.2 lets a server send lines before its version: endless
    send_forever(c, lambda i: b"welcome %d %s\r\n" % (i, b"x" * 200), 0.002)


MODES = {k[2:].replace("_", "-"): v for k, v in globals().items()
         if k.startswith("m_")}


def serve(c):
    global nconn
    if a.good:
        # a probe that connects and says nothing does not count
        c.settimeout(3)
        try:
            if c.recv(1, socket.MSG_PEEK) == b"":
                c.close()
                return
        except OSError:
            c.close()
            return
    with lock:
        nconn += 1
        n = nconn
    try:
        if n <= a.good:
            honest_http(c)
        else:
            MODES[a.mode](c)
    except Exception:
        pass
    finally:
        try:
            c.close()
        except OSError:
            pass


def listen(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.addr, port))
    s.listen(512)
    while True:
        c, _ = s.accept()
        t = threading.Thread(target=serve, args=(c,), daemon=True)
        t.start()


if a.mode not in MODES:
    sys.exit("unknown mode %s (%s)" % (a.mode, " ".join(sorted(MODES))))
for p in a.port[1:]:
    threading.Thread(target=listen, args=(p,), daemon=True).start()
listen(a.port[0])
