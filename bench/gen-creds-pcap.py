#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Writes a pcapng capture of a camera's traffic for bench/analyze.sh:
# usage: gen-creds-pcap.py OUT MEGABYTES SEED
# DUT 198.18.195.2; peers in 198.19.195.0/24.  Bulk: TLS uploads (most of
# the bytes), RTP video over UDP, cleartext HTTP telemetry without
# credentials, MQTT without a password, telnet without a login.  Planted,
# spread through the file: HTTP Basic Authorization, MQTT CONNECT with a
# password, telnet logins (the DUT answers a login prompt).  Prints the
# planted (kind, DUT port) pairs on stdout, one a line.
import random, struct, sys

OUT, MB, SEED = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(SEED)
DUT = bytes([198, 18, 195, 2])
MACD, MACP = b"\x02\x00\x00\x00\xc3\x02", b"\x02\x00\x00\x00\xc3\x01"
f = open(OUT, "wb", buffering=1 << 20)
tot = 0


def block(btype, body):
    global tot
    n = 12 + len(body)
    pad = (-len(body)) % 4
    b = struct.pack("<II", btype, n + pad) + body + b"\0" * pad + \
        struct.pack("<I", n + pad)
    f.write(b)
    tot += len(b)


block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
block(0x00000001, struct.pack("<HHI", 1, 0, 262144))
ts = 1700000000 * 1000000


def csum(h):
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def frame(src, dst, proto, l4):
    global ts
    ts += rnd.randint(5, 200)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64,
                     proto, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    out = src == DUT
    eth = (MACP + MACD if out else MACD + MACP) + b"\x08\x00"
    pkt = eth + ip + l4
    block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(pkt),
                         len(pkt)) + pkt)


class Tcp:
    def __init__(self, peer, dport, pport):
        self.peer, self.dport, self.pport = peer, dport, pport
        self.seq = [rnd.randint(0, 1 << 31), rnd.randint(0, 1 << 31)]

    def seg(self, d, flags, data=b""):	# d 0: DUT -> peer
        src, dst = (DUT, self.peer) if d == 0 else (self.peer, DUT)
        sp, dp = (self.dport, self.pport) if d == 0 else \
            (self.pport, self.dport)
        h = struct.pack("!HHIIBBHHH", sp, dp, self.seq[d] & 0xffffffff,
                        self.seq[1 - d] & 0xffffffff, 5 << 4, flags,
                        65535, 0, 0)
        frame(src, dst, 6, h + data)
        self.seq[d] += len(data) + (1 if flags & 0x03 else 0)

    def open(self):
        self.seg(0, 0x02)
        self.seg(1, 0x12)
        self.seg(0, 0x10)

    def send(self, d, data):
        for i in range(0, len(data), 1448):
            self.seg(d, 0x18, data[i:i + 1448])
        self.seg(1 - d, 0x10)

    def close(self):
        self.seg(0, 0x11)
        self.seg(1, 0x11)
        self.seg(0, 0x10)


port = [20000]


def newtcp(pport):
    port[0] += 1
    peer = bytes([198, 19, 195, rnd.randint(10, 250)])
    return Tcp(peer, port[0], pport)


def mqtt_connect(user, pw):
    vh = b"\x00\x04MQTT\x04" + bytes([0xc2 if pw else 0x02]) + b"\x00\x3c"
    pl = struct.pack("!H", 8) + b"cam-0001"
    if pw:
        pl += struct.pack("!H", len(user)) + user + \
            struct.pack("!H", len(pw)) + pw
    body = vh + pl
    return b"\x10" + bytes([len(body)]) + body


def tls_flow():
    t = newtcp(443)
    t.open()
    t.send(0, b"\x16\x03\x01\x00\x30" + bytes(rnd.getrandbits(8)
                                             for _ in range(48)))
    t.send(1, b"\x16\x03\x03\x00\x40" + bytes(64))
    n = rnd.randint(200, 800) * 1024
    rec = b"\x17\x03\x03\x40\x00" + rnd.randbytes(16384)
    data = (rec * (n // len(rec) + 1))[:n]
    t.send(0, data)
    t.close()


# Video payload: random bytes without ':' and '=' -- random binary spells
# "pwd=x" or "api:y" now and then (about once in 100 MB), which the
# analysis rightly reports as a password-like field and tshark, not looking
# into RTP payload, does not; the benchmark compares planted findings.
NOSEP = bytes.maketrans(b":=", b"+-")


def rtp_burst(ssrc, seq):
    peer = bytes([198, 19, 195, 7])
    for i in range(200):
        rtp = struct.pack("!BBHII", 0x80, 96, (seq + i) & 0xffff,
                          (seq + i) * 3000 & 0xffffffff, ssrc)
        pl = rtp + rnd.randbytes(1200).translate(NOSEP)
        udp = struct.pack("!HHHH", 5004, 5004, 8 + len(pl), 0) + pl
        frame(DUT, peer, 17, udp)
    return seq + 200


def http_plain():
    t = newtcp(80)
    t.open()
    body = b'{"temp": %d, "uptime": %d, "fw": "1.2.3"}' % (
        rnd.randint(10, 40), rnd.randint(1, 99999))
    t.send(0, b"POST /telemetry HTTP/1.1\r\nHost: cloud.example\r\n"
           b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
           % len(body) + body)
    t.send(1, b"HTTP/1.1 204 No Content\r\n\r\n")
    t.close()


planted = []


def http_basic():
    t = newtcp(80)
    t.open()
    t.send(0, b"GET /api/v1/config HTTP/1.1\r\nHost: cloud.example\r\n"
           b"Authorization: Basic YWRtaW46Y2FtZXJhMTIz\r\n\r\n")
    t.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    t.close()
    planted.append(("http", t.dport))


def mqtt(pw):
    t = newtcp(1883)
    t.open()
    t.send(0, mqtt_connect(b"cam", b"s3cret-mqtt" if pw else b""))
    t.send(1, b"\x20\x02\x00\x00")
    t.send(0, b"\x30\x0e\x00\x05cam/tHELLO-1")
    t.close()
    if pw:
        planted.append(("mqtt", t.dport))


def telnet(login):
    t = newtcp(23)
    t.open()
    t.send(1, b"\xff\xfd\x18\xff\xfd\x20")
    t.send(0, b"\xff\xfc\x18\xff\xfc\x20")
    if login:
        t.send(1, b"\r\nrouter login: ")
        t.send(0, b"admin\r\n")
        t.send(1, b"Password: ")
        t.send(0, b"hunter22\r\n")
        t.send(1, b"\r\n$ ")
        planted.append(("telnet", t.dport))
    else:
        t.send(1, b"\r\nService unavailable\r\n")
    t.close()


limit = MB * 1e6
nplant = 20 if MB >= 50 else 5
slots = sorted(rnd.sample(range(1, 1000), nplant * 3))
seq = 0
step = 0
while tot < limit:
    r = rnd.random()
    if r < 0.55:
        tls_flow()
    elif r < 0.85:
        seq = rtp_burst(0x1234, seq)
    elif r < 0.93:
        http_plain()
    elif r < 0.97:
        mqtt(False)
    else:
        telnet(False)
    # planted credentials at positions spread over the file
    while slots and slots[0] <= tot * 1000 / limit:
        k = len(slots) % 3
        slots.pop(0)
        (http_basic, lambda: mqtt(True), lambda: telnet(True))[k]()
for k in list(slots):
    (http_basic, lambda: mqtt(True), lambda: telnet(True))[len(slots) % 3]()
    slots.pop(0)
f.close()
for k, p in sorted(planted):
    print(k, p)
