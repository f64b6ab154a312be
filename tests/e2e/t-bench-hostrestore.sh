#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A host-mode bench always restores, or says it did not.  A lab host
# (namespace hq-ncNNNl) routes a DUT (hq-ncNNNd) to a gateway (hq-ncNNNg)
# by a default route through its uplink up0.  hopquy is killed with -9 in
# the middle of a link-down cut; `hopquy bench restore` run from the root
# namespace then either
#   - finds the run's namespace (the journal names it by inode), enters
#     it, brings the link up, puts the default route back and checks both;
#   - or, when that namespace cannot be seen from here (bound in another
#     mount namespace), refuses, undoes nothing, keeps the journal and
#     names the command to run; run there, it restores.
# A journal of the old format ("ns=-") whose interface is not here is
# refused, never "undone".  `bench status` describes the host bench.
# Bench instance 151 (its journal and lock only).
. "$(dirname "$0")/lib.sh"
need_root
BN=$(bn 151)
BJ=/run/hopquy/bench-$BN.journal
L=hq-nc$$l D=hq-nc$$d G=hq-nc$$g
HOLD=""
cleanup_host() {
	[ -n "$HOLD" ] && t_kill "$HOLD" 2>/dev/null
	"$HOPQUY" bench restore --bench $BN >/dev/null 2>&1
	rm -f "$BJ" "/run/hopquy/bench-$BN.lock"
	t_cleanup
}
trap cleanup_host EXIT
trap 'exit 130' INT TERM PIPE HUP
mkdir -p /run/hopquy
exec 9>"/run/hopquy/e2e-bench-$BN.lock"
flock -w 180 9 || { echo "bench $BN: busy"; exit 1; }
rm -f "$BJ"

netns_add "$D" && netns_add "$G" || { nok netns; t_done; }
cat >"$T_TMP/host.json" <<JSON
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy test bench", "model": "host-bench",
                "serial": "HB-0151", "firmware": "1.0.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $BN, "lan_if": "lan0", "uplink_if": "up0",
             "address": "198.18.$BN.2", "cloud": ["198.19.$BN.2"] },
  "surfaces": [ { "id": "web", "proto": "http", "port": 80 } ],
  "claims": {}
}
JSON
# lab_net CMD...: runs CMD to set up a lab namespace entered by CMD's
# prefix: lan0 to the DUT, up0 to the gateway, the default via the gateway.
lab_net() {
	"$@" ip link add lan0 type veth peer name e$$d netns "$D"
	"$@" ip link add up0 type veth peer name e$$g netns "$G"
	"$@" ip addr add 198.18.$BN.1/24 dev lan0
	"$@" ip addr add 198.19.$BN.1/24 dev up0
	"$@" ip link set lan0 up
	"$@" ip link set up0 up
	"$@" ip route add default via 198.19.$BN.2 dev up0 metric 50
	"$@" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$D" addr add 198.18.$BN.2/24 dev e$$d
	ip -n "$D" link set e$$d up
	ip -n "$D" route replace default via 198.18.$BN.1
	ip -n "$G" addr add 198.19.$BN.2/24 dev e$$g
	ip -n "$G" link set e$$g up
	ip -n "$G" route replace 198.18.$BN.0/24 via 198.19.$BN.1
}
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
bg "$G" socat TCP-LISTEN:7000,fork,reuseaddr /dev/null

# ---- 1. the run's namespace has a name: restore from root enters it ----
netns_add "$L" || { nok netns; t_done; }
lab_net ip netns exec "$L"
wait_port "$G" 198.19.$BN.2 7000 5
check "named lab: the DUT reaches the gateway" tcp_soon "$D" 198.19.$BN.2 7000
ip netns exec "$L" "$HOPQUY" bench cut link-down -d "$T_TMP/host.json" \
    --hold 60 >"$T_TMP/cut1.out" 2>&1 &
pid=$!
check "named lab: cut in place" wait_for "$T_TMP/cut1.out" "uplink cut"
kill -9 $pid; wait $pid 2>/dev/null
check "named lab: the journal names the namespace (inode and name)" \
    grep -q " link-down ns=ino:[0-9]*:[0-9]*:$L " "$BJ"
check "named lab: the default route through the uplink is journaled" \
    grep -q "route-gone ns=ino:.* if=up0 family=inet table=254 dst=default via=198.19.$BN.2 metric=50" "$BJ"
check "named lab: uplink down, default route gone after kill -9" \
    sh -c "! ip -n $L route show default | grep -q via"
check "named lab: the DUT cannot reach the gateway" not tcp "$D" 198.19.$BN.2 7000
"$HOPQUY" bench status --bench $BN >"$T_TMP/status" 2>&1
check "bench status describes the host bench (journal, namespace, up0)" \
    sh -c "grep -q 'host mode' '$T_TMP/status' && grep -q 'namespace of the journal.s changes: /run/netns/$L' '$T_TMP/status' && grep -q 'interface up0 *down' '$T_TMP/status' && grep -q 'route-gone' '$T_TMP/status'"
"$HOPQUY" bench restore --bench $BN >"$T_TMP/r1" 2>&1
rc=$?
check "named lab: restore from the root namespace succeeds ($rc)" [ $rc -eq 0 ]
check "named lab: it says what it undid" grep -q ' 2 journaled changes undone' "$T_TMP/r1"
check "named lab: up0 is up again" sh -c "ip -n $L link show up0 | grep -q '[<,]UP[,>]'"
check "named lab: the default route is back" \
    sh -c "ip -n $L route show default | grep -q 'via 198.19.$BN.2 dev up0'"
check "named lab: journal empty" sh -c "[ ! -s '$BJ' ]"
check "named lab: the DUT reaches the gateway again" tcp_soon "$D" 198.19.$BN.2 7000
"$HOPQUY" bench status --bench $BN -d "$T_TMP/host.json" >"$T_TMP/status2" 2>&1
check "bench status -d: nothing cut" grep -q 'cut: none' "$T_TMP/status2"
# A cut that ends normally gives the route back too.
ip netns exec "$L" "$HOPQUY" bench cut link-down -d "$T_TMP/host.json" \
    --hold 1 >"$T_TMP/cut0.out" 2>&1
check "named lab: a held cut ends restored, the default route back" \
    sh -c "grep -q 'uplink restored' '$T_TMP/cut0.out' && ip -n $L route show default | grep -q 'via 198.19.$BN.2 dev up0' && [ ! -s '$BJ' ]"
ip netns del "$L"
# (its veths go with it, asynchronously: the next section uses other names)

# ---- 2. a namespace not visible from here: refused, then restored ----
F=$T_TMP/hidden-ns
: >"$F"
unshare --mount --propagation private sh -c "
	unshare --net='$F' true || exit 1
	nsenter --net='$F' ip link add lan0 type veth peer name h$$d netns $D
	nsenter --net='$F' ip link add up0 type veth peer name h$$g netns $G
	nsenter --net='$F' ip addr add 198.18.$BN.1/24 dev lan0
	nsenter --net='$F' ip addr add 198.19.$BN.1/24 dev up0
	nsenter --net='$F' ip link set lan0 up
	nsenter --net='$F' ip link set up0 up
	nsenter --net='$F' ip route add default via 198.19.$BN.2 dev up0 metric 50
	nsenter --net='$F' sysctl -qw net.ipv4.ip_forward=1
	echo ready >'$T_TMP/hidden.ready'
	exec sleep 300
" >"$T_TMP/hidden.log" 2>&1 &
HOLD=$!
i=0; while [ ! -s "$T_TMP/hidden.ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
check "hidden lab: set up in a private mount namespace" test -s "$T_TMP/hidden.ready"
ip -n "$D" addr add 198.18.$BN.2/24 dev h$$d 2>/dev/null
ip -n "$D" link set h$$d up
ip -n "$D" route replace default via 198.18.$BN.1
ip -n "$G" addr add 198.19.$BN.2/24 dev h$$g 2>/dev/null
ip -n "$G" link set h$$g up
ip -n "$G" route replace 198.18.$BN.0/24 via 198.19.$BN.1
IN_HIDDEN="nsenter -t $HOLD -m nsenter --net=$F"
check "hidden lab: the DUT reaches the gateway" tcp_soon "$D" 198.19.$BN.2 7000
$IN_HIDDEN "$HOPQUY" bench cut link-down -d "$T_TMP/host.json" --hold 60 \
    >"$T_TMP/cut2.out" 2>&1 &
pid=$!
check "hidden lab: cut in place" wait_for "$T_TMP/cut2.out" "uplink cut"
kill -9 $pid; wait $pid 2>/dev/null
"$HOPQUY" bench restore --bench $BN >"$T_TMP/r2" 2>&1
rc=$?
check "hidden lab: restore from root refuses (exit $rc)" [ $rc -ne 0 ]
check "hidden lab: it claims nothing undone" not grep -q 'changes undone' "$T_TMP/r2"
check "hidden lab: it names the command to run" \
    grep -q 'nsenter --net=FILE hopquy bench restore' "$T_TMP/r2"
check "hidden lab: the journal stays" test -s "$BJ"
check "hidden lab: up0 still down (nothing pretended)" \
    sh -c "! $IN_HIDDEN ip link show up0 | grep -q '[<,]UP[,>]'"
$IN_HIDDEN "$HOPQUY" bench restore --bench $BN >"$T_TMP/r3" 2>&1
rc=$?
check "hidden lab: the named command restores ($rc)" [ $rc -eq 0 ]
check "hidden lab: up0 up and the default route back" \
    sh -c "$IN_HIDDEN ip link show up0 | grep -q '[<,]UP[,>]' && $IN_HIDDEN ip route show default | grep -q 'via 198.19.$BN.2'"
check "hidden lab: journal empty" sh -c "[ ! -s '$BJ' ]"
check "hidden lab: the DUT reaches the gateway again" tcp_soon "$D" 198.19.$BN.2 7000
t_kill "$HOLD" 2>/dev/null; wait "$HOLD" 2>/dev/null; HOLD=""

# ---- 3. an old journal ("ns=-") whose interface is not here ----
printf 'hq1 1 link-down ns=- if=hqnc%s up=1\n' $$ >"$BJ"
"$HOPQUY" bench restore --bench $BN >"$T_TMP/r4" 2>&1
rc=$?
check "old journal, missing interface: refused ($rc)" [ $rc -ne 0 ]
check "old journal: not claimed undone, the command named" \
    sh -c "! grep -q 'changes undone' '$T_TMP/r4' && grep -q 'ip netns exec NAME hopquy bench restore' '$T_TMP/r4'"
check "old journal: kept" test -s "$BJ"
rm -f "$BJ"
t_done
