#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmark: a full 65535-port TCP connect scan of a namespace DUT, hopquy's
# surface family beside `nmap -sT -p- -T4` on the same target.  Prints wall
# times (best of 3) and the ratio.  Goal: hopquy no slower than nmap.
. "$(dirname "$0")/../tests/e2e/lib.sh"
need_root
command -v nmap >/dev/null || { echo "skipped: nmap missing"; exit 0; }
DUTNS=hq-bs$$-dut
LABNS=hq-bs$$-lab
netns_add $DUTNS
netns_add $LABNS
veth_link $LABNS hqlan0 198.18.0.1/24 $DUTNS hqdut0 198.18.0.2/24
for p in 22 80 443 554 8883; do
	bg $DUTNS socat TCP-LISTEN:$p,bind=198.18.0.2,reuseaddr,fork \
	    SYSTEM:'printf "SSH-2.0-bench\r\n"'
done
wait_port $LABNS 198.18.0.2 8883
cat >"$T_TMP/dut.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "bench", "model": "scan", "serial": "B-1",
                "firmware": "1", "class": "ip-camera" },
  "bench": { "mode": "host", "lan_if": "hqlan0", "uplink_if": "lo",
             "address": "198.18.0.2" },
  "surfaces": [ { "id": "a", "proto": "ssh", "port": 22 },
                { "id": "b", "proto": "ssh", "port": 80 },
                { "id": "c", "proto": "ssh", "port": 443 },
                { "id": "d", "proto": "ssh", "port": 554 },
                { "id": "e", "proto": "ssh", "port": 8883 } ] }
JSON
best() {	# best CMD...: best wall time of 3 runs, in ms
	b=""
	for i in 1 2 3; do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1
		e=$(date +%s%N)
		t=$(( (e - s) / 1000000 ))
		[ -z "$b" ] || [ $t -lt $b ] && b=$t
	done
	echo $b
}
hq_scan() {
	rm -rf "$T_TMP/run"
	ip netns exec $LABNS "$HOPQUY" run -q -p qcvn135-2024 \
	    -d "$T_TMP/dut.json" -o "$T_TMP/run"
}
nmap_scan() {
	ip netns exec $LABNS nmap -n -Pn -sT -p- -T4 198.18.0.2
}
th=$(best hq_scan)
tn=$(best nmap_scan)
# The same findings: both see exactly the five listeners.
hq_open=$($PY -c 'import json,sys
r=json.load(open(sys.argv[1]))
print(",".join(str(p["port"]) for p in r["results"][0]["details"]["open_ports"]))' \
    "$T_TMP/run/report.json")
nm_open=$(ip netns exec $LABNS nmap -n -Pn -sT -p- -T4 -oG - 198.18.0.2 |
    grep -o '[0-9]*/open' | cut -d/ -f1 | sort -n | paste -sd, -)
echo "surface: full TCP connect scan, 65535 ports, namespace DUT"
echo "  hopquy (scan + service identification): ${th} ms, open: $hq_open"
echo "  nmap -sT -p- -T4:                        ${tn} ms, open: $nm_open"
awk -v a="$th" -v b="$tn" 'BEGIN { printf "  ratio nmap/hopquy: %.2f (goal >= 1.00)\n", b / a }'
[ "$hq_open" = "$nm_open" ] || echo "  WARNING: different open ports"
