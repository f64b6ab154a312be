#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the input family's built-in discovery probes and models
# (surfaces of proto ssdp and ws-discovery: no declared probe needed).
# Real servers from Debian in namespaces of our own (198.18.181.0/24):
# minidlna (SSDP, 1900/udp) and wsdd (WS-Discovery, 3702/udp) PASS, judged
# by the built-in M-SEARCH and Probe.  Both read only the multicast group
# (a camera also answers unicast searches, UDA 1.1 1.3.2), so the DUT's
# namespace rewrites unicast datagrams to the group (nftables).  Then the
# reference DUT (dutsim, 198.18.182.0/24): its good responders PASS, and
# each discovery fault (an SSDP responder that dies on an overlong ST, a
# WS-Discovery responder that goes silent after a malformed MessageID)
# FAILs naming its surface, with the case saved and `hopquy input replay`
# reproducing it (and not on the good simulator).
. "$(dirname "$0")/lib.sh"
need_root
for t in /usr/sbin/minidlnad /usr/sbin/wsdd /usr/sbin/nft; do
	[ -x $t ] || { echo "skipped: $t missing"; exit 77; }
done
DUTSIM="$HQ_BUILD/fixtures/dutsim"
PKI="$HQ_BUILD/fixtures/pki"
CASE=qcvn135-2024/g11.1-malformed-input
RDUT=hq-inx-$$-rdut
RLAB=hq-inx-$$-rlab
SDUT=hq-inx-$$-sdut
SLAB=hq-inx-$$-slab
RA=198.18.181.2
SA=198.18.182.2
netns_add $RDUT
netns_add $RLAB
netns_add $SDUT
netns_add $SLAB
veth_link $RLAB hqinxrl0 198.18.181.1/24 $RDUT hqinxrd0 $RA/24
veth_link $SLAB hqinxsl0 198.18.182.1/24 $SDUT hqinxsd0 $SA/24
ip -n $RDUT route add 224.0.0.0/4 dev hqinxrd0

dut() {	# dut FILE INSTANCE LAN_IF ADDR
	cat >"$1" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "test", "model": "input-discovery-e2e",
                "serial": "E2E-ID-1", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $2, "lan_if": "$3",
             "uplink_if": "lo", "address": "$4" },
  "surfaces": [ { "id": "ssdp", "proto": "ssdp", "port": 1900 },
                { "id": "wsd", "proto": "ws-discovery", "port": 3702 } ],
  "claims": {} }
JSON
}
dut "$T_TMP/real.json" 181 hqinxrl0 $RA
dut "$T_TMP/sim.json" 182 hqinxsl0 $SA

hq() {	# hq NAME LABNS DUT [--set ...]: runs the g11 case, sets $rc
	d=$1 ns=$2 f=$3; shift 3
	ip netns exec $ns "$HOPQUY" run -q --no-capture -p qcvn135-2024 \
	    -d "$f" -o "$T_TMP/$d" --only $CASE --no-reach-check \
	    --set "$CASE:recover_s=6" --set "$CASE:health_timeout_ms=1000" \
	    --set "$CASE:answer_ms=40" "$@" >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
res() {	# res NAME PYEXPR: PYEXPR true of the case's result r
	$PY -c 'import json,sys
r=[x for x in json.load(open(sys.argv[1]))["results"] if x["id"]==sys.argv[2]][0]
ok=eval(sys.argv[3])
if not ok: print(r["verdict"], r["rationale"], r["findings"][:3], file=sys.stderr)
sys.exit(0 if ok else 1)' "$T_TMP/$1/report.json" $CASE "$2"
}
replay() {	# replay NAME FINDING: sets $rc and $T_TMP/NAME.replay
	ip netns exec $SLAB "$HOPQUY" input replay "$T_TMP/$1" "$2" \
	    >"$T_TMP/$1.replay" 2>&1
	rc=$?
}

# 1. Real servers: minidlna and wsdd.
mkdir -p "$T_TMP/dlna/media" "$T_TMP/dlna/db"
cat >"$T_TMP/dlna/minidlna.conf" <<CONF
network_interface=hqinxrd0
port=8200
media_dir=$T_TMP/dlna/media
db_dir=$T_TMP/dlna/db
log_dir=$T_TMP/dlna
friendly_name=hq-input-discovery
inotify=no
CONF
cat >"$T_TMP/unicast.nft" <<NFT
table ip hqinx {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		ip daddr $RA udp dport { 1900, 3702 } ip daddr set 239.255.255.250
	}
}
NFT
ip netns exec $RDUT nft -f "$T_TMP/unicast.nft" ||
    nok "nftables: unicast to group rewrite"
bg $RDUT /usr/sbin/minidlnad -f "$T_TMP/dlna/minidlna.conf" \
    -P "$T_TMP/dlna/pid" -S
bg $RDUT $PY /usr/sbin/wsdd -i hqinxrd0 -4 -n hqinput -t
sleep 2
hq real $RLAB "$T_TMP/real.json" --set "$CASE:cases_per_surface=150"
check "minidlna+wsdd: exit 2, INCOMPLETE: one case of the profile (got $rc)" \
    [ $rc -eq 2 ]
check "minidlna+wsdd: PASS, 150 cases on each, both judged" \
    res real 'r["verdict"]=="PASS" and all(s["cases_sent"]==150 for s in r["details"]["input"]["surfaces"]) and "not judged" not in r["rationale"]'
check "minidlna: the controls are the built-in M-SEARCH's 200" \
    res real 'sum(1 for s in r["steps"] if "surface ssdp (ssdp, 1900/udp): normal answer (M-SEARCH: 200" in s["text"])==2'
check "wsdd: the controls are the built-in Probe's ProbeMatches" \
    res real 'sum(1 for s in r["steps"] if "surface wsd (ws-discovery, 3702/udp): normal answer (Probe: ProbeMatches" in s["text"])==2'
check "models: ssdp and ws-discovery, overlong ST and entity cases sent" \
    res real '[s["model"] for s in r["details"]["input"]["surfaces"]]==["ssdp","ws-discovery"]'
grep -q 'm-search.st overlong-1k' "$T_TMP/real/input/"*/cases.txt &&
grep -q 'probe.types entity-expansion' "$T_TMP/real/input/"*/cases.txt &&
grep -q 'probe.message-id wrong-type' "$T_TMP/real/input/"*/cases.txt
check "transcript: overlong ST, entity expansion, bad MessageID cases" [ $? -eq 0 ]

# 2. wsdd killed: the built-in probe finds the dead surface.
( sleep 2; ip netns pids $RDUT | while read -r p; do
	grep -q wsdd /proc/$p/cmdline 2>/dev/null && kill -9 "$p"
    done ) &
killer=$!
hq killed $RLAB "$T_TMP/real.json" --set "$CASE:cases_per_surface=100000" \
    --set "$CASE:budget_s=15" --set "$CASE:max_findings=1" \
    --set "$CASE:recover_s=2"
wait $killer
check "wsdd killed: exit 1 (got $rc)" [ $rc -eq 1 ]
check "wsdd killed: FAIL naming wsd (3702/udp) dead or hung" \
    res killed 'r["verdict"]=="FAIL" and any("surface wsd (3702/udp)" in f and ("dead" in f or "hung" in f) for f in r["findings"])'

# 3. The reference DUT's responders.
SIMPID=""
sim() {	# sim [dutsim args]: a fresh simulator with SSDP and WS-Discovery
	[ -n "$SIMPID" ] && { t_kill "$SIMPID" 2>/dev/null; wait "$SIMPID" 2>/dev/null; }
	rm -f "$T_TMP/sim-state.json"
	ip netns exec $SDUT "$DUTSIM" --serial HQ0000000001 \
	    --state "$T_TMP/sim-state.json" --opt pki_dir="$PKI" \
	    --opt https_port=8443 --opt rtsp_port=0 --opt ssdp=1 --opt wsd=1 \
	    --opt alarm.wav="$T_TMP/siren.wav" \
	    --opt alarm.strobe="$T_TMP/strobe.log" \
	    "$@" >>"$T_TMP/dutsim.log" 2>&1 &
	SIMPID=$!
	T_PIDS="$T_PIDS $SIMPID"
	# up once both responders' sockets are bound (a loaded host may take
	# seconds to start it)
	i=0
	while [ $i -lt 100 ]; do
		[ "$(ip netns exec $SDUT ss -Hlun 'sport = :1900 or sport = :3702' |
		    grep -c .)" -ge 2 ] && break
		sleep 0.1; i=$((i + 1))
	done
}
sim
hq simgood $SLAB "$T_TMP/sim.json" --set "$CASE:cases_per_surface=200"
check "dutsim: PASS, both discovery surfaces judged" \
    res simgood 'r["verdict"]=="PASS" and "not judged" not in r["rationale"] and len(r["details"]["input"]["surfaces"])==2'

fault_case() {	# fault_case NAME FAULT REGEX
	name=$1 fault=$2 want=$3
	sim --fault "$fault"
	hq "$name" $SLAB "$T_TMP/sim.json" --set "$CASE:max_findings=1"
	check "$fault: exit 1 (got $rc)" [ $rc -eq 1 ]
	check "$fault: FAIL, finding says $want" \
	    res "$name" "r['verdict']=='FAIL' and any(__import__('re').search('$want', x) for x in r['findings'])"
	check "$fault: reproducer bytes and description saved" \
	    res "$name" 'any(e.endswith("finding-1.bin") for e in r["evidence"]) and any(e.endswith("finding-1.json") for e in r["evidence"])'
	sim --fault "$fault"
	replay "$name" 1
	check "$fault: replay reproduces (exit 1, got $rc)" [ $rc -eq 1 ]
	check "$fault: replay says so" grep -q '^reproduced' "$T_TMP/$name.replay"
}
fault_case ssdpdie ssdp-long-st \
    'surface ssdp \(1900/udp\): case [0-9]+ \(m-search\.st, overlong-[0-9]+k.*left the device dead.*; confirmed:'
fault_case wsdhang wsd-malformed-hang \
    'surface wsd \(3702/udp\): case [0-9]+ \(probe\.message-id, .*left the device hung.*; confirmed:'

# 4. The reproducers do not reproduce on the good simulator.
sim
replay ssdpdie 1
check "good sim: the SSDP reproducer does not reproduce (exit 0, got $rc)" \
    [ $rc -eq 0 ]
replay wsdhang 1
check "good sim: the WS-Discovery reproducer does not reproduce (exit 0, got $rc)" \
    [ $rc -eq 0 ]

echo "t-input-discovery: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
