#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Capture benchmark: UDP traffic from the DUT namespace through the lab's
# DUT-facing veth at rising rates, captured at the same time by hopquy
# (`hopquy bench capture`) and by `tcpdump -w` on the same interface with
# the same buffer and snap length.  For each rate: packets sent, captured
# and dropped by each.  Summary: the highest rate each one captured with
# zero drops, and hopquy's share of tcpdump's; CPU seconds each used.
# Findings: at every rate where neither dropped, both hold the same number
# of packets.  Smoke: one second at 20000/s.  Uses bench instance 193.
cd "$(dirname "$0")/.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
HQ_TOP=$(pwd)
HOPQUY="$HQ_BUILD/hopquy"
. bench/lib.sh
BN=193
SECS=${HQ_BENCH_SECONDS:-2}
RATES=${HQ_BENCH_RATES:-"20000 50000 100000 0"}	# 0: as fast as it goes
if [ "$HQ_BENCH_SMOKE" = 1 ]; then SECS=1 RATES=20000; fi
# Senders in parallel at "as fast as it goes" (one Python sender tops out
# well below what either capture can take).
PAR=${HQ_BENCH_SENDERS:-$(nproc)}
[ "$PAR" -gt 4 ] && PAR=4
if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root"; exit 77; fi
command -v tcpdump >/dev/null || { echo "skipped: no tcpdump"; exit 77; }
TMP=$(mktemp -d /tmp/hq-bench.XXXXXX)
cleanup() {
	for r in dut lab cloud; do
		ip netns pids hq-$r-$BN 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	"$HOPQUY" bench down --bench $BN >/dev/null 2>&1
	for r in dut lab cloud; do
		ip netns del hq-$r-$BN 2>/dev/null
	done
	rm -rf "$TMP"
}
mkdir -p /run/hopquy
exec 9>"/run/hopquy/e2e-bench-$BN.lock"	# one user of instance BN at a time
flock -w 180 9 || { echo "bench $BN busy"; exit 1; }
trap cleanup EXIT
trap 'exit 130' INT TERM

"$HOPQUY" bench up --bench $BN >/dev/null || exit 1
ip netns exec hq-cloud-$BN socat -u UDP-RECV:9999 /dev/null &

# send1 RATE SECONDS: 64-byte UDP datagrams with a counter; prints the count.
send1() {
	ip netns exec hq-dut-$BN /usr/bin/python3 -c '
import socket, sys, time
rate, secs = int(sys.argv[1]), float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
dst = (sys.argv[3], 9999)
pad = b"." * 52
t0 = time.monotonic()
n = 0
while True:
    now = time.monotonic() - t0
    if now >= secs:
        break
    burst = 256 if rate == 0 else max(0, min(256, int(rate * now) - n))
    for _ in range(burst):
        try:
            s.sendto(b"%012d" % n + pad, dst)
        except BlockingIOError:
            continue
        n += 1
    if burst == 0:
        time.sleep(0.0005)
print(n)
' "$1" "$2" 198.19.$BN.2
}

# send RATE SECONDS: one paced sender, or PAR unpaced ones for rate 0.
send() {
	if [ "$1" != 0 ]; then
		send1 "$1" "$2"
		return
	fi
	pids=""
	for p in $(seq $PAR); do
		send1 0 "$2" >"$TMP/sent.$p" &
		pids="$pids $!"
	done
	wait $pids
	cat "$TMP"/sent.* | awk '{ n += $1 } END { print n }'
	rm -f "$TMP"/sent.*
}

# cpu PID: user+system CPU seconds the process used so far.
cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
	    "/proc/$1/stat" 2>/dev/null || echo "?"
}

printf '%-9s %9s %9s %9s %7s %7s %9s %9s %7s %7s\n' rate/s sent hq.pkts \
    hq.pps hq.drop hq.cpu td.pkts td.pps td.drop td.cpu
best_hq=0 best_td=0 compared=0 same=0
for rate in $RATES; do
	rm -f "$TMP"/hq.pcapng "$TMP"/td.pcap
	"$HOPQUY" bench capture --bench $BN -w "$TMP/hq.pcapng" \
	    -f 'udp dst port 9999' >"$TMP/hq.json" 2>"$TMP/hq.err" &
	hq=$!
	ip netns exec hq-lab-$BN tcpdump -n -i lan0 -B 8192 -s 262144 \
	    -w "$TMP/td.pcap" 'udp dst port 9999' 2>"$TMP/td.err" &
	td=$!
	i=0
	until grep -q "capturing on" "$TMP/hq.err" && grep -q "listening on" "$TMP/td.err"; do
		sleep 0.1; i=$((i + 1)); [ $i -gt 50 ] && break
	done
	sent=$(send "$rate" "$SECS")
	# tcpdump's ring blocks retire after 1 s; hopquy's after 50 ms.
	sleep 1.5
	hqc=$(cpu $hq) tdc=$(cpu $td)
	kill -INT $hq $td; wait $hq; wait $td
	hqp=$(/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["packets"], j["kernel_drops"] + j["interface_drops"])' "$TMP/hq.json")
	hqn=${hqp% *} hqd=${hqp#* }
	tdn=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$TMP/td.err")
	tdd=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$TMP/td.err")
	hqpps=$((hqn / SECS)) tdpps=$((tdn / SECS))
	[ "$rate" = 0 ] && label="max/$PAR" || label=$rate
	printf '%-9s %9s %9s %9s %7s %7s %9s %9s %7s %7s\n' "$label" "$sent" \
	    "$hqn" "$hqpps" "$hqd" "$hqc" "$tdn" "$tdpps" "$tdd" "$tdc"
	if [ "$hqd" = 0 ] && [ "$tdd" = 0 ]; then
		compared=$((compared + 1))
		[ "$hqn" = "$tdn" ] && same=$((same + 1))
	fi
	[ "$hqd" = 0 ] && [ "$hqn" -ge "$sent" ] && [ $hqpps -gt $best_hq ] && best_hq=$hqpps
	[ "$tdd" = 0 ] && [ "$tdn" -ge "$sent" ] && [ $tdpps -gt $best_td ] && best_td=$tdpps
done
echo "capture: zero-drop packets/s: hopquy $best_hq, tcpdump -w $best_td"
echo "(cpu: CPU seconds of each capture process over the whole step; when"
echo " both rates equal the rate sent, the sender was the limit, not capture)"
f=differ
[ $compared -gt 0 ] && [ $same -eq $compared ] && f=equal
bench_line capture "${best_hq}pps" "${best_td}pps" \
    "$(ratio $best_hq $best_td)" $f vs=tcpdump-w rates=$same/$compared
goal "capture equal to tcpdump -w" "$best_hq >= $best_td"
bench_exit
