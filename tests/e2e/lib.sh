# SPDX-License-Identifier: Apache-2.0
# Shared helpers for end-to-end scripts (sourced).  Namespaces a script
# creates carry its own prefix and pid, so scripts may run side by side;
# addresses are in 198.18.0.0/15 only; cleanup runs on every exit.
: "${HQ_BUILD:=$(pwd)/build}"
: "${HQ_TOP:=$(pwd)}"
HOPQUY="$HQ_BUILD/hopquy"
PY=/usr/bin/python3
T_PASS=0
T_FAIL=0
T_NS=""
T_PIDS=""
T_TMP=$(mktemp -d /tmp/hq-e2e.XXXXXX)
# hopquy run as root works in an unprivileged worker (privilege
# separation): it must reach the run directories and fixtures made here.
chmod 0711 "$T_TMP"

ok()   { T_PASS=$((T_PASS + 1)); echo "ok   - $*"; }
nok()  { T_FAIL=$((T_FAIL + 1)); echo "FAIL - $*"; }
# check DESC CMD...: runs CMD, ok when it exits 0.
check() { d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
# not CMD...: succeeds when CMD fails (for check).
not() { if "$@"; then return 1; fi; return 0; }

# bn N: bench instance N of this copy of the suite.  Scripts name their
# bench instances (hopquy bench up --bench N: namespaces hq-{dut,lab,cloud}-N,
# 198.18.N.0/24 and 198.19.N.0/24, journal and lock) through bn, so that
# HQ_E2E_BENCH_OFFSET=K moves every one of them to (N + K) mod 256: two
# copies of the suite with different offsets use separate instances
# (make check-parallel; tests/e2e/README).
bn() { echo $((($1 + ${HQ_E2E_BENCH_OFFSET:-0}) % 256)); }

need_root() {
	if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root"; exit 77; fi
}

# netns_add NAME: creates namespace NAME (remembered for cleanup), lo up.
netns_add() {
	ip netns add "$1" || return 1
	T_NS="$T_NS $1"
	ip -n "$1" link set lo up
}

# veth_link NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: a veth pair between them.
veth_link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" ||
	    return 1
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# bg NS CMD...: starts CMD in namespace NS in the background.
bg() {
	ns=$1; shift
	ip netns exec "$ns" "$@" >>"$T_TMP/bg.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
}

# wait_port NS ADDR PORT [SECONDS]: until a TCP connect succeeds.
wait_port() {
	i=0; lim=$(( ${4:-10} * 10 ))
	while [ $i -lt $lim ]; do
		ip netns exec "$1" socat -T1 /dev/null "TCP:$2:$3,connect-timeout=1" \
		    2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

t_cleanup() {
	[ -n "$HQ_KEEP" ] && { echo "kept $T_TMP"; T_TMP=/nonexistent; }
	for p in $T_PIDS; do kill "$p" 2>/dev/null; done
	for p in $T_PIDS; do wait "$p" 2>/dev/null; done
	for n in $T_NS; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

t_done() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ $T_FAIL -eq 0 ]
	exit $?
}
