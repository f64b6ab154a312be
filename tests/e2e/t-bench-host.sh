#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Host mode: hopquy runs in a lab host's own namespace (here hq-lab-34
# stands in for one) and works on the interfaces the DUT file names.  The
# journal records that namespace ("ns=ino:DEV:INO:NAME"), restore works
# from inside it (t-bench-hostrestore.sh: from outside too), and a
# partition cuts only the DUT file's declared cloud destinations.  Also the
# namespaces mode with a DUT file (instance and cloud from the file).
. "$(dirname "$0")/lib.sh"
BN=$(bn 34)
. "$(dirname "$0")/bench-lib.sh"
need_root
LAB=hq-lab-$BN DUT=hq-dut-$BN
IN_LAB="ip netns exec $LAB"

cat >"$T_TMP/host.json" <<JSON
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy test bench", "model": "host-bench",
                "serial": "HB-0001", "firmware": "1.0.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $BN, "lan_if": "lan0", "uplink_if": "up0",
             "address": "198.18.$BN.2", "cloud": ["198.19.$BN.3"] },
  "surfaces": [ { "id": "web", "proto": "http", "port": 80 } ],
  "claims": {}
}
JSON
sed -e 's/"mode": "host"/"mode": "namespaces"/' -e 's/"lan_if": "lan0", "uplink_if": "up0",//' \
    "$T_TMP/host.json" >"$T_TMP/ns.json"

check "bench up" "$HOPQUY" bench up --bench $BN
check "listeners" bench_listeners

for mode in blackhole partition loss; do
	out="$T_TMP/host-$mode.out"
	$IN_LAB "$HOPQUY" bench cut $mode -d "$T_TMP/host.json" --hold 60 >"$out" 2>&1 &
	pid=$!
	check "host $mode: cut" wait_for "$out" "uplink cut" 5
	check "host $mode: journal names the run's namespace (inode, name)" grep -q " ns=ino:[0-9]*:[0-9]*:$LAB " "$BJ"
	if [ $mode = partition ]; then
		check "host $mode: declared .3 cut" no_tcp $DUT 198.19.$BN.3 7000
		check "host $mode: undeclared .2 reached" tcp $DUT 198.19.$BN.2 7000
	else
		check "host $mode: dut->cloud fails" no_tcp $DUT 198.19.$BN.2 7000
	fi
	check "host $mode: lab->dut" tcp $LAB 198.18.$BN.2 7001
	kill -9 $pid; wait $pid 2>/dev/null
	check "host $mode: restore from the lab host" sh -c "$IN_LAB '$HOPQUY' bench restore --bench $BN >/dev/null 2>&1"
	check "host $mode: journal empty" journal_empty
	check "host $mode: dut->cloud back" tcp $DUT 198.19.$BN.2 7000
	check "host $mode: dut->.3 back" tcp $DUT 198.19.$BN.3 7000
done

# Namespaces mode from a DUT file: instance and cloud destinations from it.
"$HOPQUY" bench cut partition -d "$T_TMP/ns.json" --hold 60 >"$T_TMP/ns.out" 2>&1 &
pid=$!
check "dut file: cut on bench $BN" wait_for "$T_TMP/ns.out" "bench $BN: uplink cut" 5
check "dut file: declared .3 cut" no_tcp $DUT 198.19.$BN.3 7000
check "dut file: .2 reached" tcp $DUT 198.19.$BN.2 7000
kill -TERM $pid; wait $pid
check "dut file: journal empty" journal_empty
check "bad DUT file: exit 65" sh -c "echo '{}' >'$T_TMP/bad.json'; '$HOPQUY' bench cut loss -d '$T_TMP/bad.json' 2>/dev/null; [ \$? -eq 65 ]"
check "bench down" "$HOPQUY" bench down --bench $BN
t_done
