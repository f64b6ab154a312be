#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmark: what the capture adds to a run.  The same no-op run (a tls
# case with no candidate port: nothing is sent, the case ends at once) with
# and without capture; the difference is the capture's start and stop:
# opening the ring, the thread ready before the first case, draining and
# closing.  Beside it tcpdump -w with the same ring (-B 8192) on the same
# interface, started until "listening on" and stopped with SIGINT, whole
# process.  Findings: both files are read by tshark, hopquy's with its
# "run: start" and "run: end" steps.  Goal: start + stop within tcpdump's
# own start + stop.  Host-mode bench instance 194.
cd "$(dirname "$0")/.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
HQ_TOP=$(pwd)
export HQ_BUILD HQ_TOP
. tests/e2e/lib.sh
. bench/lib.sh
need_root
for t in tcpdump tshark; do
	command -v $t >/dev/null || { echo "skipped: $t missing"; exit 77; }
done
N=$((HQ_BENCH_RUNS * 3))
LAB=hq-ss$$-lab
DUT=hq-ss$$-dut
netns_add $LAB && netns_add $DUT &&
    veth_link $LAB sslan0 198.18.194.1/24 $DUT ssdut0 198.18.194.2/24 ||
    { echo "cannot set up namespaces"; exit 1; }
cat >"$T_TMP/dut.json" <<EOF
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "bench", "model": "noop", "serial": "N-1",
                "firmware": "1", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": 194, "lan_if": "sslan0",
             "uplink_if": "lo", "address": "198.18.194.2" },
  "surfaces": [] }
EOF
# best_run [--no-capture]: best wall time (ms) of N no-op runs
best_run() {
	b=""
	i=0
	while [ $i -lt $N ]; do
		rm -rf "$T_TMP/run"
		s=$(now_ms)
		ip netns exec $LAB "$HOPQUY" run -q "$@" \
		    -p "$HQ_TOP/tests/e2e/profiles/tls.json" \
		    -d "$T_TMP/dut.json" -o "$T_TMP/run" \
		    --only test-tls/protocols >/dev/null 2>&1
		t=$(( $(now_ms) - s ))
		if [ -z "$b" ] || [ $t -lt $b ]; then b=$t; fi
		i=$((i + 1))
	done
	echo $b
}
t_nocap=$(best_run --no-capture)
t_cap=$(best_run)
cap=$((t_cap - t_nocap))
[ $cap -lt 0 ] && cap=0
t_td=$(ip netns exec $LAB $PY - "$T_TMP/td.pcap" $N <<'PYEOF'
import signal, subprocess, sys, time
best = None
for i in range(int(sys.argv[2])):
    t0 = time.monotonic()
    p = subprocess.Popen(["tcpdump", "-n", "-i", "sslan0", "-B", "8192",
                          "-s", "262144", "-w", sys.argv[1]],
                         stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "listening on" in line:
            break
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=10)
    t = (time.monotonic() - t0) * 1000
    best = t if best is None else min(best, t)
print(int(best))
PYEOF
)
f=differ
steps=$(tshark -r "$T_TMP/run/capture/run.pcapng" -Y frame.comment \
    -T fields -e frame.comment 2>/dev/null | grep -c '^run: \(start\|end\)')
tshark -r "$T_TMP/td.pcap" >/dev/null 2>&1 && [ "$steps" -eq 2 ] && f=equal
echo "startstop: no-op run, best of $N: ${t_nocap} ms without capture," \
    "${t_cap} ms with (capture start + stop ${cap} ms); tcpdump -w start" \
    "+ stop, whole process: ${t_td} ms"
bench_line capture-startstop "${cap}ms" "${t_td}ms" "$(ratio "$t_td" "$cap")" \
    $f vs=tcpdump-w-start-stop run=${t_nocap}ms/${t_cap}ms
goal "capture start + stop no slower than tcpdump's" "$t_td >= $cap"
bench_exit
