#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora under tests/fuzz/corpus/<target>/ from the
fixtures and the unit tests' samples (run from the top; the files are
committed, this only remakes them)."""
import os, re, struct, sys, wave, io, json, glob

top = sys.argv[1] if len(sys.argv) > 1 else "."
out = os.path.join(top, "tests/fuzz/corpus")

def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

# profile: a small valid profile cut from the shipped one, plus the
# e2e tests' fast profiles.
p = json.load(open(os.path.join(top, "profiles/qcvn135-2024.json")))
small = dict(p)
small["testcases"] = [c for c in p["testcases"]
                      if c["id"].startswith("qcvn135-2024/g6.1")]
put("profile", "qcvn135-g6.json", json.dumps(small, indent=1))
for f in sorted(glob.glob(os.path.join(top, "tests/e2e/profiles/*.json")))[:3]:
    if os.path.getsize(f) < 64 * 1024:
        put("profile", os.path.basename(f), open(f, "rb").read())
put("profile", "empty.json", "{}")

# dut: the fixtures' descriptions.
for f in sorted(glob.glob(os.path.join(top, "fixtures/duts/*.json"))):
    put("dut", os.path.basename(f), open(f, "rb").read())
put("dut", "secrets.json", json.dumps({
    "format": "hopquy-dut/1",
    "identity": {"manufacturer": "t", "model": "m", "serial": "S-1",
                 "firmware": "1", "class": "ip-camera"},
    "bench": {"mode": "host", "instance": 3, "lan_if": "a", "uplink_if": "b",
              "address": "198.18.0.2"},
    "surfaces": [{"id": "web", "proto": "http", "port": 80}],
    "credentials": {"operator": {"user": "op", "password": {"env": "X"}},
                    "labels": [{"serial": "S-1", "user": "admin",
                                "password": "Abc-12345"}]},
    "claims": {}}))

# tlswire: the unit tests' ServerHello, HelloRetryRequest and alert.
src = open(os.path.join(top, "tests/unit/check_tlswire.c")).read()
for m in re.finditer(r"static const uint8_t (\w+)\[\] = \{(.*?)\};", src, re.S):
    body = re.sub(r"/\*.*?\*/", "", m.group(2), flags=re.S)
    vals = [int(x, 0) for x in re.findall(r"0x[0-9a-fA-F]+|\b\d+\b", body)]
    put("tlswire", m.group(1), bytes(vals))

# pcapng: one section, one interface, an HTTP request with Basic auth
# from the DUT, a DNS query and a TLS ClientHello start.
def eth_ip_tcp(src, dst, sport, dport, payload, proto=6):
    ip_src = bytes(int(x) for x in src.split("."))
    ip_dst = bytes(int(x) for x in dst.split("."))
    if proto == 6:
        l4 = struct.pack(">HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x18,
                         65535, 0, 0) + payload
    else:
        l4 = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64,
                     proto, 0, ip_src, ip_dst) + l4
    return b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + \
        b"\x08\x00" + ip

def block(btype, body):
    pad = (-len(body)) % 4
    n = 12 + len(body) + pad
    return struct.pack("<II", btype, n) + body + b"\0" * pad + \
        struct.pack("<I", n)

def epb(frame, ts=0):
    return block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff,
                                len(frame), len(frame)) + frame)

shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
idb = block(1, struct.pack("<HHI", 1, 0, 262144))
http = b"GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: Basic b3A6UzNjcmV0LXB3\r\n\r\n"
pk = [eth_ip_tcp("198.18.0.2", "198.19.0.2", 40000, 80, http),
      eth_ip_tcp("198.18.0.2", "198.19.0.3", 5353, 53,
                 b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                 b"\x03www\x07example\x03com\x00\x00\x01\x00\x01", 17),
      eth_ip_tcp("198.18.0.2", "198.19.0.2", 40001, 443,
                 bytes.fromhex("160301002f0100002b0303") + b"\0" * 32)]
put("pcapng", "http-dns-tls.pcapng", shb + idb + b"".join(
    epb(f, 1700000000000000 + i) for i, f in enumerate(pk)))
put("pcapng", "header-only.pcapng", shb + idb)

# wav: 16-bit mono, a short tone, with and without the t0 comment.
def wav(rate=8000, n=200, chans=1):
    b = io.BytesIO()
    w = wave.open(b, "wb")
    w.setnchannels(chans)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", (i * 997) % 20000 - 10000)
                           for i in range(n * chans)))
    w.close()
    return b.getvalue()
put("wav", "mono.wav", wav())
put("wav", "stereo.wav", wav(chans=2, n=50))
w = wav(n=20)
icmt = b"LIST" + struct.pack("<I", 4 + 8 + 20) + b"INFO" + b"ICMT" + \
    struct.pack("<I", 20) + b"t0_mono_ms=123456789"
riff = b"RIFF" + struct.pack("<I", 4 + len(w) - 12 + len(icmt)) + b"WAVE"
put("wav", "t0.wav", riff + w[12:36] + icmt + w[36:])

# light: the line shapes the parser knows, and a stamp past 2262.
for i, s in enumerate(["5000 on", "5000\toff", "77,312.5", "on", "9 1.25",
                       "1700000000123 0.5", "-1 on",
                       "99999999999999999 1", "9223372036854775807 off"]):
    put("light", "line%d" % i, s)

# login: JSON bodies with tokens, a response head with cookies, telnet.
put("login", "token", b"\x00" + b'{"token":"abc123","x":[1,2]}')
put("login", "sid", b"\x01" + b'{"data":[{"sid":42}]}')
put("login", "cookies", b"HTTP/1.1 200 OK\r\nSet-Cookie: a=b; Path=/\r\n"
    b"set-cookie: sid=XYZ; HttpOnly\r\n\r\n")
put("login", "telnet", bytes([255, 251, 1, 255, 251, 3, 255, 253, 24,
                              255, 250, 24, 1, 255, 240]) +
    b"\r\nlogin: " + b"admin\r\nPassword: \r\nLogin incorrect\r\n# ")

# scan: banners and probe answers.
for name, data in [
        ("ssh", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
        ("http", b"HTTP/1.0 200 OK\r\nServer: x\r\nContent-Length: 2\r\n\r\nok"),
        ("rtsp", b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: DESCRIBE\r\n\r\n"),
        ("mqtt", b"\x20\x02\x00\x00"),
        ("telnet", bytes([255, 253, 24, 255, 253, 32]) + b"login: "),
        ("ftp", b"220 (vsFTPd 3.0.3)\r\n"),
        ("shell", b"/ # "),
        ("tls-alert", bytes([0x15, 3, 3, 0, 2, 2, 40]))]:
    put("scan", name, data)

# journal: one line of each operation.
for i, s in enumerate([
        "hq1 7 addr ns=hq-lab-31 if=lo family=inet local=198.19.31.2/32",
        "hq1 1 link-down ns=hq-lab-3 if=up0 up=1",
        "hq1 2 route ns=hq-lab-3 family=inet table=100 type=blackhole dst=198.19.3.0/24",
        "hq1 3 rule ns=ino:4:4026532000:hq-lab-3 family=inet prio=100 table=100 from=198.18.3.2 iif=lan0",
        "hq1 4 qdisc ns=- if=up0 handle=65536 kind=netem",
        "hq1 5 route-gone ns=hq-lab-3 if=up0 family=inet table=254 dst=default via=198.19.3.1 metric=0"]):
    put("journal", "line%d" % i, s)

# sign: not remade here.  corpus/sign/ holds genuine signatures by the CA
# and signer embedded in fuzz_sign.c (EC P-256, made once with
#   openssl req -x509 -newkey ec ... (the CA), openssl x509 -req ... (the
#   signer), openssl cms -sign -binary -md sha256 -outform DER (cms-ec.der
#   over fuzz_sign.c's report), openssl dgst -sha256 -sign over the DSSE
#   PAE (dsse.json));
# the private keys were not kept: new seeds are mutations of these.
