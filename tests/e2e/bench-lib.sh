# SPDX-License-Identifier: Apache-2.0
# Helpers for the bench scripts (sourced after lib.sh).  Each script owns
# one bench instance BN: its namespaces hq-{dut,lab,cloud}-BN, addresses
# 198.18.BN.0/24 and 198.19.BN.0/24, journal and lock; all of them go on
# exit, whatever happened.
BJ=/run/hopquy/bench-$BN.journal

# bench_reset: nothing of instance BN is left (processes, namespaces,
# journal, lock).
bench_reset() {
	for r in dut lab cloud; do
		ip netns pids "hq-$r-$BN" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	"$HOPQUY" bench down --bench "$BN" >/dev/null 2>&1
	for r in dut lab cloud; do
		ip netns del "hq-$r-$BN" 2>/dev/null
	done
	rm -f "/run/hopquy/bench-$BN.journal" "/run/hopquy/bench-$BN.lock"
}
bench_cleanup() {
	bench_reset
	t_cleanup
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM PIPE HUP
if [ "$(id -u)" -eq 0 ]; then
	# Other checkouts on this host run the same scripts with the same
	# instance: take turns on it for the whole script.
	mkdir -p /run/hopquy
	exec 9>"/run/hopquy/e2e-bench-$BN.lock"
	if ! flock -w 180 9; then
		echo "bench $BN: busy with another test run for 180 s"
		exit 1
	fi
	# What an earlier run killed by a signal may have left.
	bench_reset
fi

# tcp, no_tcp, tcp_soon: lib.sh.
# journal_empty: no unrestored change for BN.
journal_empty() { [ ! -s "$BJ" ]; }

# wait_for FILE PATTERN [SECONDS]: until FILE has a line matching.  FILE
# must be new to the caller: a background job truncates a reused file only
# once it runs, so an old match can satisfy the wait before it did.
wait_for() {
	i=0; lim=$(( ${3:-10} * 10 ))
	while [ $i -lt $lim ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# bench_listeners: TCP sinks on the cloud (.2 declared, .3 not) and DUT.
bench_listeners() {
	bg "hq-cloud-$BN" socat "TCP-LISTEN:7000,bind=198.19.$BN.2,fork,reuseaddr" /dev/null
	bg "hq-cloud-$BN" socat "TCP-LISTEN:7000,bind=198.19.$BN.3,fork,reuseaddr" /dev/null
	bg "hq-dut-$BN" socat "TCP-LISTEN:7001,fork,reuseaddr" /dev/null
	wait_port "hq-cloud-$BN" "198.19.$BN.2" 7000 5 &&
	    wait_port "hq-cloud-$BN" "198.19.$BN.3" 7000 5 &&
	    wait_port "hq-lab-$BN" "198.18.$BN.2" 7001 5
}
