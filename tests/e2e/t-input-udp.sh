#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the input family on a UDP surface, a real server from Debian
# (dnsmasq's DNS on 53/udp, in namespaces of our own on 198.18.248.0/24).
# With the DUT file's declared probe (surfaces[].probe: a DNS query and
# the prefix of its answer) the monitor judges the surface: PASS while
# dnsmasq survives, FAIL naming it when it is killed mid-campaign, and the
# control before the campaign refuses a probe that gets no or the wrong
# answer.  Without a probe a UDP-only DUT cannot be judged: INCONCLUSIVE,
# never PASS.
. "$(dirname "$0")/lib.sh"
need_root
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] ||
    { echo "skipped: dnsmasq missing"; exit 77; }
DUTNS=hq-iu$$-dut
LABNS=hq-iu$$-lab
A=198.18.248.2
netns_add $DUTNS
netns_add $LABNS
veth_link $LABNS hqiulan0 198.18.248.1/24 $DUTNS hqiudut0 $A/24
CASE=qcvn135-2024/g11.1-malformed-input

dnsmasq_up() {
	bg $DUTNS /usr/sbin/dnsmasq -k --conf-file=/dev/null --port=53 \
	    --listen-address=$A --bind-interfaces --no-resolv --no-hosts \
	    --address=/cam.test/198.18.248.9 --pid-file= --user=root
	sleep 1
}
dnsmasq_up

# A DNS query for cam.test (id 0xabcd, RD) and its answer's first bytes
# (id, QR AA RD, RA, NOERROR).
Q=abcd010000010000000000000363616d04746573740000010001
dut() {	# dut FILE PROBE-JSON-OR-EMPTY PORT
	pr=${2:+, \"probe\": $2}
	cat >"$1" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "test", "model": "input-udp-e2e",
                "serial": "E2E-IU-1", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": 248, "lan_if": "hqiulan0",
             "uplink_if": "lo", "address": "$A" },
  "surfaces": [ { "id": "dns", "proto": "other", "transport": "udp",
                  "port": ${3:-53}$pr } ],
  "claims": {} }
JSON
}
dut "$T_TMP/dut.json" "{ \"send_hex\": \"$Q\", \"expect_hex\": \"abcd8580\" }"
dut "$T_TMP/dut-noprobe.json" ""
dut "$T_TMP/dut-wrong.json" "{ \"send_hex\": \"$Q\", \"expect_hex\": \"abcd0000\" }"
dut "$T_TMP/dut-closed.json" "{ \"send_hex\": \"$Q\" }" 5353

hq() {	# hq NAME DUT [--set ...]
	d=$1 f=$2; shift 2
	ip netns exec $LABNS "$HOPQUY" run -q -p qcvn135-2024 -d "$f" \
	    -o "$T_TMP/$d" --only $CASE --set "$CASE:recover_s=3" \
	    --set "$CASE:health_timeout_ms=1000" --no-reach-check "$@" \
	    >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
res() {	# res NAME PYEXPR
	$PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
ok=eval(sys.argv[3])
if not ok: print(r["verdict"], r["rationale"], r["findings"][:3], file=sys.stderr)
sys.exit(0 if ok else 1)' "$T_TMP/$1/report.json" $CASE "$2"
}

# 1. dnsmasq survives, judged by the declared probe: PASS.
hq good "$T_TMP/dut.json" --set "$CASE:cases_per_surface=300"
check "dnsmasq: exit 2, INCOMPLETE: one case of the profile (got $rc)" [ $rc -eq 2 ]
check "dnsmasq: PASS, 300 cases on dns (53/udp), judged" \
    res good 'r["verdict"]=="PASS" and r["details"]["input"]["surfaces"][0]["cases_sent"]==300 and "not judged" not in r["rationale"]'
check "dnsmasq: the controls are the declared probe's answer" \
    res good 'sum(1 for s in r["steps"] if "53/udp" in s["text"] and "normal answer" in s["text"] and "declared probe" in s["text"])==2'

# 2. Without a probe: fuzzed, but nothing judged: INCONCLUSIVE.
hq noprobe "$T_TMP/dut-noprobe.json" --set "$CASE:cases_per_surface=50"
check "no probe: exit 2 (got $rc)" [ $rc -eq 2 ]
check "no probe: INCONCLUSIVE, no surface could be judged" \
    res noprobe 'r["verdict"]=="INCONCLUSIVE" and "no surface could be judged" in r["rationale"]'

# 3. Controls: a probe answered otherwise than declared, a closed port.
hq wrong "$T_TMP/dut-wrong.json"
check "wrong prefix: INCONCLUSIVE, control failed naming dns, abnormal" \
    res wrong 'r["verdict"]=="INCONCLUSIVE" and "control failed: surface dns (other, 53/udp): abnormal" in r["rationale"]'
hq closed "$T_TMP/dut-closed.json"
check "closed port: INCONCLUSIVE, control failed naming dns, dead or hung" \
    res closed 'r["verdict"]=="INCONCLUSIVE" and __import__("re").search("control failed: surface dns \\(other, 5353/udp\\): (dead|hung)", r["rationale"])'

# 4. dnsmasq killed mid-campaign: FAIL naming the UDP surface.
( sleep 3; ip netns pids $DUTNS | while read -r p; do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = dnsmasq ] && kill -9 "$p"
    done ) &
killer=$!
hq killed "$T_TMP/dut.json" --set "$CASE:cases_per_surface=1000000" \
    --set "$CASE:budget_s=20" --set "$CASE:max_findings=1"
wait $killer
check "dnsmasq killed: exit 1 (got $rc)" [ $rc -eq 1 ]
check "dnsmasq killed: FAIL naming dns (53/udp) dead or hung" \
    res killed 'r["verdict"]=="FAIL" and any("surface dns (53/udp)" in f and ("dead" in f or "hung" in f) for f in r["findings"])'

echo "t-input-udp: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
