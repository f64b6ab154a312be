#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Each cut mode: the DUT reaches its cloud before the cut, not during it,
# again after the restore; the lab reaches the DUT throughout.  The cut
# ends by SIGTERM, SIGINT or its hold running out, and each path must
# leave the journal empty.
. "$(dirname "$0")/lib.sh"
BN=$(bn 31)
. "$(dirname "$0")/bench-lib.sh"
need_root


check "bench up" "$HOPQUY" bench up --bench $BN
check "bench status says up" sh -c "'$HOPQUY' bench status --bench $BN | grep -q 'bench $BN: up'"
check "ip netns sees the namespaces" sh -c "ip netns list | grep -q '^hq-lab-$BN\b'"
check "bench up twice refused" sh -c "! '$HOPQUY' bench up --bench $BN 2>/dev/null"
check "listeners" bench_listeners

DUT=hq-dut-$BN LAB=hq-lab-$BN CLOUD=198.19.$BN.2 OTHER=198.19.$BN.3
n=0
for mode in link-down blackhole loss partition; do
	n=$((n + 1))
	case $n in 1) how=TERM ;; 2) how=INT ;; 3) how=hold ;; *) how=TERM ;; esac
	out="$T_TMP/cut-$mode.out"
	check "$mode: dut->cloud before" tcp $DUT $CLOUD 7000
	if [ $how = hold ]; then hold=3; else hold=60; fi
	"$HOPQUY" bench cut "$mode" --bench $BN --hold $hold >"$out" 2>&1 &
	pid=$!
	check "$mode: cut in place" wait_for "$out" "uplink cut" 5
	check "$mode: journaled" test -s "$BJ"
	check "$mode: dut->cloud fails during the cut" no_tcp $DUT $CLOUD 7000
	if [ "$mode" = partition ]; then
		check "$mode: undeclared uplink host still reached" tcp $DUT $OTHER 7000
	else
		check "$mode: dut->other uplink host fails too" no_tcp $DUT $OTHER 7000
	fi
	check "$mode: lab->dut during the cut" tcp $LAB 198.18.$BN.2 7001
	[ $how != hold ] && kill -$how $pid
	wait $pid
	rc=$?
	check "$mode: hopquy ($how) exits 0" test $rc -eq 0
	check "$mode: journal empty" journal_empty
	check "$mode: dut->cloud after restore" tcp_soon $DUT $CLOUD 7000
	check "$mode: lab->dut after restore" tcp_soon $LAB 198.18.$BN.2 7001
done
check "no qdisc, rule or table route left" sh -c "
	! tc -n $LAB qdisc show dev up0 | grep -q 4851: &&
	! ip -n $LAB rule show | grep -q 'lookup 18031' &&
	[ -z \"\$(ip -n $LAB route show table 18031 2>/dev/null)\" ]"
check "bad mode is a usage error" sh -c "'$HOPQUY' bench cut nosuch --bench $BN 2>/dev/null; [ \$? -eq 64 ]"
check "bench down" "$HOPQUY" bench down --bench $BN
check "namespaces gone" sh -c "! ip netns list | grep -q -- '-$BN\b'"
check "bench status says not up (69)" sh -c "'$HOPQUY' bench status --bench $BN >/dev/null; [ \$? -eq 69 ]"
t_done
