#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tls family against servers with known configurations (tests/e2e/tls-lib.sh):
# the protocol and suite sets hopquy reports equal the configured ones, agree
# with sslscan on the same ports, and the verdicts name the right reasons.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-lib.sh"
need_root
tls_need_tools sslscan
D=$T_TMP/srv
tls_servers_up "$D" || { nok "servers up"; t_done; }
tls_dut "$T_TMP/dut.json" 443 4443 5443 6443
ip netns exec "$TL_LAB" "$HOPQUY" run -p "$HQ_TOP/tests/e2e/profiles/tls.json" \
    -d "$T_TMP/dut.json" -o "$T_TMP/run" >"$T_TMP/run.log" 2>&1
check "hopquy run exits 1 (findings)" [ $? -eq 1 ]
for p in 443 4443 5443; do
	ip netns exec "$TL_LAB" sslscan --no-colour --no-check-certificate \
	    --no-heartbleed --no-renegotiation --no-compression --no-fallback \
	    --no-groups "$TL_ADDR:$p" >"$T_TMP/sslscan-$p.txt" 2>&1
done
TL_EXPECT="$TL_EXPECT" $PY - "$T_TMP" <<'PY' >"$T_TMP/py.out"
import json, os, re, sys
tmp = sys.argv[1]
r = json.load(open(tmp + "/run/report.json"))
res = {c["id"]: c for c in r["results"]}
expect = json.loads(os.environ["TL_EXPECT"])
# OpenSSL <-> IANA names from the suite table hopquy carries.
names = {}
for m in re.finditer(r'\{ 0x([0-9a-f]{4}), "([^"]*)", "([^"]*)"',
                     open(os.environ["HQ_TOP"] + "/harness/wire/tlssuites.inc").read()):
    names[m.group(3)] = m.group(2)
    names[m.group(2)] = m.group(2)
def iana(n):
    return names.get(n, n)
def say(ok, what):
    print(("ok " if ok else "nok ") + what)
ports = {str(p["port"]): p for p in res["test-tls/suites"]["details"]["ports"]}
for port, exp in expect.items():
    got = ports.get(port, {})
    for v in ("SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"):
        e = set(iana(x) for x in exp.get(v, []))
        g = set(got.get("suites", {}).get(v, []))
        say(e == g, "port %s %s suites == configured (%s)" % (port, v,
            "" if e == g else "expected %s, got %s" % (sorted(e), sorted(g))))
        st = got.get("versions", {}).get(v, {}).get("state")
        say(st == ("accepted" if e else "refused"),
            "port %s %s %s" % (port, v, st))
    if "groups13" in exp:
        say(set(exp["groups13"]) == set(got.get("groups_tls13", [])),
            "port %s TLS 1.3 groups == configured (%s)" % (port, got.get("groups_tls13")))
    # sslscan on the same port.
    ss = {}
    for line in open("%s/sslscan-%s.txt" % (tmp, port)):
        m = re.match(r"(Preferred|Accepted)\s+(\S+)\s+\d+ bits\s+(\S+)", line)
        if m:
            ss.setdefault(m.group(2), set()).add(iana(m.group(3)))
    for v in ("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"):
        g = set(got.get("suites", {}).get(v, []))
        say(ss.get(v, set()) == g, "port %s %s agrees with sslscan%s" % (port, v,
            "" if ss.get(v, set()) == g else ": sslscan %s" % sorted(ss.get(v, set()))))
say(ports["443"]["server_preference"].get("TLSv1.2") is True,
    "port 443 enforces the server's order")
say(ports["4443"]["server_preference"].get("TLSv1.2") is False,
    "port 4443 follows the client's order")
say(ports["4443"].get("dhe_bits") == 1024, "port 4443 DHE group 1024 bits")
def verdict(cid, v, *needles):
    c = res[cid]
    text = " | ".join(c.get("findings", [])) + " | " + c.get("rationale", "")
    miss = [n for n in needles if n not in text]
    say(c["verdict"] == v and not miss, "%s %s%s" % (cid, c["verdict"],
        (" missing: %s" % miss) if miss else ""))
verdict("test-tls/protocols", "FAIL", "port 4443 accepts TLSv1.0",
        "port 4443 accepts TLSv1.1", "port 5443 accepts TLSv1.0")
verdict("test-tls/suites", "FAIL", "TLS_RSA_WITH_NULL_SHA (banned: NULL)",
        "TLS_RSA_WITH_RC4_128_SHA (banned: RC4)",
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA (banned: 3DES)",
        "port 4443: DHE with a 1024-bit group")
verdict("test-tls/certificate", "FAIL", "port 4443: RSA key of 1024 bits",
        "port 4443: certificate 0 (CN = dut.example) has a SHA-1 signature",
        "port 6443: certificate 0 (CN = dut.example) expired")
c = res["test-tls/certificate"]
say(not any("port 443:" in f for f in c.get("findings", [])),
    "port 443 certificate has no finding")
PY
while read -r st what; do
	if [ "$st" = ok ]; then ok "$what"; else nok "$what"; fi
done <"$T_TMP/py.out"
[ -s "$T_TMP/py.out" ] || nok "report parsed"
# The modern server alone passes every check.
tls_dut "$T_TMP/good.json" 443
ip netns exec "$TL_LAB" "$HOPQUY" run -p "$HQ_TOP/tests/e2e/profiles/tls.json" \
    -d "$T_TMP/good.json" -o "$T_TMP/good" >"$T_TMP/good.log" 2>&1
check "modern server: every case PASS (exit 0)" [ $? -eq 0 ]
t_done
