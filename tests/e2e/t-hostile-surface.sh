#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the surface case against a device with every TCP port open
# (nftables redirects every port to one listener that accepts and never
# answers) ends within 10 % of its deadline and makes no connection after
# it; the verdict is FAIL (undeclared open ports are positive evidence),
# and the services left unidentified are named.  Namespaces hq-hd<pid>-*.
. "$(dirname "$0")/lib.sh"
need_root
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] ||
    { echo "skipped: nft missing"; exit 77; }
PATH=$PATH:/usr/sbin

DUTNS=hq-hd$$-dut
LABNS=hq-hd$$-lab
netns_add $DUTNS
netns_add $LABNS
veth_link $LABNS hqlan0 198.18.100.1/24 $DUTNS hqdut0 198.18.100.2/24

# Every port to 9999; the listener accepts and stays silent, closing each
# connection after 3 s (so it never runs out of descriptors).
ip netns exec $DUTNS nft -f - <<'NFT' || nok "nft rules"
table ip hqhd {
	chain pre {
		type nat hook prerouting priority -100;
		iifname "hqdut0" tcp dport != 9999 redirect to :9999
	}
}
NFT
cat >"$T_TMP/silent.py" <<'PY'
import resource, select, socket, time
h = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (h, h))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.100.2", 9999)); s.listen(4096); s.setblocking(False)
ep = select.epoll(); ep.register(s.fileno(), select.EPOLLIN)
held = []
while True:
    for fd, ev in ep.poll(0.2):
        while True:
            try:
                c, _ = s.accept()
            except (BlockingIOError, OSError):
                break
            held.append((time.monotonic(), c))
    now = time.monotonic()
    while held and now - held[0][0] > 3:
        held.pop(0)[1].close()
PY
bg $DUTNS $PY "$T_TMP/silent.py"
wait_port $LABNS 198.18.100.2 9999 || nok "listener did not start"
wait_port $LABNS 198.18.100.2 4242 || nok "redirect not in place"

cat >"$T_TMP/dut.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "test", "model": "all-ports-open",
                "serial": "E2E-HD", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": 100, "lan_if": "hqlan0", "uplink_if": "lo",
             "address": "198.18.100.2" },
  "surfaces": [ { "id": "web", "proto": "http", "port": 80 } ],
  "claims": {} }
JSON
# The shipped profile with the surface case's deadline at 20 s.
DL=20
$PY - "$HQ_TOP/profiles/qcvn135-2024.json" "$T_TMP/profile.json" $DL <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for c in p["testcases"]:
    if c["id"] == "qcvn135-2024/g6.1-declared-services":
        c["timeout_s"] = int(sys.argv[3])
json.dump(p, open(sys.argv[2], "w"))
PY
ln -s "$HQ_TOP/profiles/data" "$T_TMP/data"

t0=$($PY -c 'import time; print(time.monotonic())')
ip netns exec $LABNS "$HOPQUY" run -q -p "$T_TMP/profile.json" \
    -d "$T_TMP/dut.json" -o "$T_TMP/run" \
    --only qcvn135-2024/g6.1 >"$T_TMP/run.out" 2>"$T_TMP/run.err"
rc=$?
t1=$($PY -c 'import time; print(time.monotonic())')
el=$($PY -c "print(round($t1 - $t0, 1))")
echo "# all ports open: run took ${el}s on a ${DL}s deadline (exit $rc)"
check "all ports open: run ends within 10 % of the ${DL}s deadline (${el}s)" \
    $PY -c "import sys; sys.exit(0 if $el <= $DL * 1.1 else 1)"
check "all ports open: the run reached the deadline (${el}s, not a quick scan)" \
    $PY -c "import sys; sys.exit(0 if $el >= $DL * 0.8 else 1)"
res() {	# res EXPR: evaluates EXPR on the surface case's result x
	$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
x=[x for x in r["results"] if x["id"]=="qcvn135-2024/g6.1-declared-services"][0]
print(eval(sys.argv[2]))' "$T_TMP/run/report.json" "$1"
}
v=$(res 'x["verdict"]' 2>/dev/null)
check "all ports open: FAIL (undeclared open ports; got $v)" [ "$v" = FAIL ]
d=$(res 'x["duration_ms"]' 2>/dev/null)
check "all ports open: the case ended within 10 % of its deadline (${d} ms)" \
    $PY -c "import sys; sys.exit(0 if 0 < int('${d:-0}') <= $DL * 1100 else 1)"
check "all ports open: a finding counts the ports past the deadline" \
    grep -q "more ports are open but not declared in the DUT description (not identified: the case deadline passed)" "$T_TMP/run/report.json"
t_done
