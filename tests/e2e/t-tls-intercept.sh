#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The bench's redirect (what the tls interception test stands on): while
# `hopquy bench redirect` holds, a TCP connect from the DUT to its cloud
# address lands on a listener in the lab namespace, not on the cloud; the
# lab still reaches the DUT; afterwards the connect reaches the real cloud
# again and nothing is left.  kill -9 during a redirect leaves it in place
# and in the journal, a cut is refused, and `hopquy bench restore` removes
# it.  A redirect and a cut exclude each other.
. "$(dirname "$0")/lib.sh"
BN=${HQ_INTERCEPT_BENCH:-$(bn 71)}
. "$(dirname "$0")/bench-lib.sh"
need_root

DUT=hq-dut-$BN LAB=hq-lab-$BN CNS=hq-cloud-$BN CLOUD=198.19.$BN.2

# who NS: what the listener on CLOUD:7002 reached from NS says.
who() {
	ip netns exec "$1" socat -T2 - "TCP:$CLOUD:7002,connect-timeout=1" \
	    </dev/null 2>/dev/null
}
# reaches NS WHO: the listener that answers is WHO's; a try that gets no
# answer at all (a loaded host: socat's fork and shell late) is tried
# again, up to three times; a wrong answer is not.
reaches() {
	i=0
	while [ $i -lt 3 ]; do
		w=$(who "$1")
		[ -n "$w" ] && { [ "$w" = "$2" ]; return; }
		i=$((i + 1))
	done
	return 1
}
# lab_listener: "lab" on CLOUD:7002 in the lab namespace; $LPID.
lab_listener() {
	ip netns exec "$LAB" socat \
	    "TCP-LISTEN:7002,bind=$CLOUD,fork,reuseaddr" SYSTEM:'echo lab' \
	    >>"$T_TMP/lab.log" 2>&1 &
	LPID=$!
	wait_port "$LAB" "$CLOUD" 7002 5
}
stop_lab_listener() { t_kill "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null; }
no_local_addr() { ! ip -n "$LAB" addr show dev lo | grep -q "$CLOUD/32"; }

check "bench up" "$HOPQUY" bench up --bench $BN
check "listeners" bench_listeners
bg "$CNS" socat "TCP-LISTEN:7002,bind=$CLOUD,fork,reuseaddr" SYSTEM:'echo cloud'
check "cloud listener" wait_port "$CNS" "$CLOUD" 7002 5
check "before: dut reaches the cloud" reaches "$DUT" cloud

# SIGTERM ends a held redirect.
out="$T_TMP/redirect.out"
"$HOPQUY" bench redirect --bench $BN --hold 60 >"$out" 2>&1 &
pid=$!
check "redirect in place" wait_for "$out" "cloud redirected" 5
check "redirect names the address" grep -q "($CLOUD)" "$out"
check "journaled" test -s "$BJ"
check "journal line" grep -q "addr ns=$LAB if=lo family=inet local=$CLOUD/32" "$BJ"
check "lab listener binds the cloud address" lab_listener
check "during: dut reaches the lab, not the cloud" reaches "$DUT" lab
check "during: lab->dut" tcp "$LAB" 198.18.$BN.2 7001
check "during: the bench is held, a cut is refused" sh -c "! '$HOPQUY' bench cut loss --bench $BN --hold 1 >/dev/null 2>&1"
kill -TERM $pid
wait $pid
rc=$?
check "redirect (TERM) exits 0" test $rc -eq 0
check "redirect removed message" grep -q "redirect removed" "$out"
check "journal empty" journal_empty
check "no address left on the lab's lo" no_local_addr
check "after: dut reaches the cloud again" reaches "$DUT" cloud
stop_lab_listener

# --hold runs out.
check "held redirect ends by itself" sh -c "'$HOPQUY' bench redirect --bench $BN --hold 1 >'$T_TMP/hold.out' 2>&1"
check "hold: journal empty" journal_empty
check "hold: dut reaches the cloud" reaches "$DUT" cloud

# kill -9: the redirect stays until bench restore.  A file of its own:
# the first redirect's "cloud redirected" must not satisfy wait_for before
# this one's shell has even truncated the file.
out="$T_TMP/redirect-kill.out"
"$HOPQUY" bench redirect --bench $BN --hold 60 >"$out" 2>&1 &
pid=$!
check "kill -9: redirect in place" wait_for "$out" "cloud redirected" 5
kill -9 $pid
wait $pid 2>/dev/null
check "kill -9: lab listener" lab_listener
check "kill -9: still redirected" reaches "$DUT" lab
check "kill -9: journal holds it" test -s "$BJ"
"$HOPQUY" bench redirect --bench $BN --hold 1 >"$T_TMP/refused" 2>&1
rc=$?
check "kill -9: a new redirect is refused (69)" test $rc -eq 69
check "kill -9: the refusal names bench restore" \
    grep -q "hopquy bench restore --bench $BN" "$T_TMP/refused"
check "kill -9: bench restore" sh -c "'$HOPQUY' bench restore --bench $BN >'$T_TMP/r1' 2>&1"
check "kill -9: restore undid 1 change" grep -q ' 1 journaled changes undone' "$T_TMP/r1"
check "kill -9: journal empty" journal_empty
check "kill -9: no address left" no_local_addr
check "kill -9: dut reaches the cloud again" reaches "$DUT" cloud
stop_lab_listener

# An address the lab side already has is not ours to take (or remove).
ip -n "$LAB" addr add "$CLOUD/32" dev lo
"$HOPQUY" bench redirect --bench $BN --hold 1 >"$T_TMP/exists" 2>&1
rc=$?
check "existing address: refused (69)" test $rc -eq 69
check "existing address: reason" grep -q "already an address of the lab side" "$T_TMP/exists"
check "existing address: left alone" sh -c "ip -n '$LAB' addr show dev lo | grep -q '$CLOUD/32'"
check "existing address: journal empty" journal_empty
ip -n "$LAB" addr del "$CLOUD/32" dev lo

# A DUT file without a cloud host address has nothing to redirect.
sed -e "s/\"instance\": 0/\"instance\": $BN/" \
    -e "s/198\.18\.0\./198.18.$BN./g" \
    -e "s|\"198\.19\.0\.2\"|\"198.19.$BN.0/24\"|" \
    "$HQ_TOP/fixtures/duts/dutsim.json" >"$T_TMP/prefix.json"
HQ_DUTSIM_LABEL1=x HQ_DUTSIM_LABEL2=y \
    "$HOPQUY" bench redirect -d "$T_TMP/prefix.json" --hold 1 >"$T_TMP/prefix" 2>&1
rc=$?
check "prefix only: refused (65)" test $rc -eq 65
check "prefix only: reason" grep -q "no cloud host address" "$T_TMP/prefix"
check "prefix only: journal empty" journal_empty

check "bench down" "$HOPQUY" bench down --bench $BN
t_done
