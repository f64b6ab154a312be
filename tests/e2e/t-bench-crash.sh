#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# kill -9 in the middle of a cut: the change stays, the journal says so, a
# new cut is refused naming `hopquy bench restore`, the restore brings the
# uplink back and empties the journal, a second restore is a no-op.  The
# dead process's lock is cleared with a message.  A journal line torn by a
# crash (no newline) is ignored.
. "$(dirname "$0")/lib.sh"
BN=$(bn 32)
. "$(dirname "$0")/bench-lib.sh"
need_root

check "bench up" "$HOPQUY" bench up --bench $BN
check "listeners" bench_listeners
DUT=hq-dut-$BN LAB=hq-lab-$BN CLOUD=198.19.$BN.2

for mode in blackhole loss link-down partition; do
	out="$T_TMP/cut-$mode.out"
	"$HOPQUY" bench cut $mode --bench $BN --hold 60 >"$out" 2>&1 &
	pid=$!
	check "$mode: cut in place" wait_for "$out" "uplink cut" 5
	kill -9 $pid
	wait $pid 2>/dev/null
	check "$mode: still cut after kill -9" no_tcp $DUT $CLOUD 7000
	check "$mode: journal holds the change" test -s "$BJ"
	"$HOPQUY" bench cut $mode --bench $BN --hold 1 >"$T_TMP/refused" 2>&1
	rc=$?
	check "$mode: a new cut is refused (69)" test $rc -eq 69
	check "$mode: the refusal names bench restore" \
	    grep -q "hopquy bench restore --bench $BN" "$T_TMP/refused"
	check "$mode: the dead pid's lock is reported" \
	    grep -q "lock left by pid $pid" "$T_TMP/refused"
	check "$mode: bench restore" sh -c "'$HOPQUY' bench restore --bench $BN >'$T_TMP/r1' 2>&1"
	check "$mode: restore undid something" grep -Eq ' [1-9][0-9]* journaled changes undone' "$T_TMP/r1"
	check "$mode: journal empty" journal_empty
	check "$mode: dut->cloud back" tcp $DUT $CLOUD 7000
	check "$mode: lab->dut" tcp $LAB 198.18.$BN.2 7001
	check "$mode: second restore is a no-op" sh -c "'$HOPQUY' bench restore --bench $BN | grep -q ' 0 journaled changes undone'"
done

# A torn last line is a change never made: ignored.
printf 'hq1 1 qdisc ns=hq-lab-%s if=up0 handle=1213267968 kind=netem' $BN >"$BJ"
check "torn line: restore ignores it" sh -c "'$HOPQUY' bench restore --bench $BN 2>&1 | grep -q incomplete"
# An unreadable journal is not guessed at.
printf 'hq1 1 qdisc ns=hq-lab-%s if=up0 handle=12x kind=netem\n' $BN >"$BJ"
check "bad line: restore refuses" sh -c "! '$HOPQUY' bench restore --bench $BN 2>/dev/null"
: >"$BJ"
# A live holder of the lock keeps others out.
"$HOPQUY" bench cut loss --bench $BN --hold 60 >"$T_TMP/holder" 2>&1 &
pid=$!
wait_for "$T_TMP/holder" "uplink cut" 5
check "restore while a cut runs is refused" sh -c "'$HOPQUY' bench restore --bench $BN 2>&1 | grep -q 'in use by pid $pid'"
kill -TERM $pid; wait $pid
check "journal empty after SIGTERM" journal_empty
check "bench down" "$HOPQUY" bench down --bench $BN
t_done
