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
# checks_from FILE: each line "ok  TEXT" or "nok TEXT" (a checker's
# verdicts, e.g. a Python report check) counted as a check.
checks_from() {
	while IFS= read -r line; do
		case $line in
		"ok  "*) ok "${line#ok  }" ;;
		"nok "*) nok "${line#nok }" ;;
		esac
	done <"$1"
}
# not CMD...: succeeds when CMD fails (for check).
not() { if "$@"; then return 1; fi; return 0; }

# Bench instances.  Scripts name their bench instances (hopquy bench up
# --bench N: namespaces hq-{dut,lab,cloud}-N, 198.18.N.0/24 and
# 198.19.N.0/24, journal and locks) only through bn N, and list them in
# E2E_BENCHES.  With HQ_E2E_COPY=2 (make check-parallel's second copy of
# the suite) bn gives the i-th of E2E_SPARES for the i-th of E2E_BENCHES,
# so the two copies never share an instance (a plain offset cannot do it:
# the instances in use span 31-224 around campaign's 200-219 and
# t-input*'s 240-250, which keep theirs, see tests/e2e/README).  An
# instance missing from the list gives nothing there: the script fails.
E2E_BENCHES="30 31 32 33 34 36 37 38 41 42 51 52 53 60 61 71 72 73 80 81 90 91
    97 99 100 101 102 120 121 122 123 124 125 126 127 150 151 152 153 160 161 162
    163 164 165 167 168 169 170 171 172 173 174 175 176 220 221 223 224 166 35"
E2E_SPARES="1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24
    25 26 27 28 29 54 55 56 57 58 59 62 63 64 65 66 67 68 69 70 103 104 105
    106 107 108 109 110 111 112 113 114 115 116 117 118 128 129 130"
bn() {
	if [ "${HQ_E2E_COPY:-1}" = 1 ]; then echo "$1"; return; fi
	echo "$E2E_BENCHES" | tr -s ' \n' '\n\n' | grep -v '^$' |
	    awk -v n="$1" -v s="$E2E_SPARES" 'BEGIN { split(s, sp, " ") }
	    $1 == n { print sp[NR]; f = 1 }
	    END { if (!f) print "bench " n ": not in E2E_BENCHES (lib.sh)" >"/dev/stderr" }'
}

# tcp NS ADDR PORT: a TCP connection from namespace NS succeeds (1 s).
tcp() {
	ip netns exec "$1" socat -T1 /dev/null \
	    "TCP:$2:$3,connect-timeout=1" 2>/dev/null
}
# no_tcp NS ADDR PORT: it does not.
no_tcp() { ! tcp "$@"; }
# tcp_soon NS ADDR PORT: it does within 5 s (a link set up again carries
# traffic only once the kernel's linkwatch has activated its qdisc, which
# it may defer by up to a second, more on a loaded host).
tcp_soon() {
	i=0
	while [ $i -lt 5 ]; do
		tcp "$@" && return 0
		i=$((i + 1))
	done
	return 1
}

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

# case_steps REPORT ID [N]: prints the last N (12) timed steps of case ID
# in REPORT (a report.json), indented, to show why a case went its way.
case_steps() {
	$PY -c 'import json, sys
for c in json.load(open(sys.argv[1]))["results"]:
    if c["id"] == sys.argv[2]:
        for s in c.get("steps", [])[-int(sys.argv[3]):]:
            print("    step", s.get("time", ""), s.get("text", "")[:160])' \
	    "$1" "$2" "${3:-12}" 2>/dev/null
}
# until_ok SECONDS CMD...: retries CMD every 0.2 s until it succeeds.
until_ok() {
	n=$(($1 * 5)); shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2; n=$((n - 1))
	done
	return 1
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

# t_kill PID...: SIGTERM to each PID that is still a child of this script.
# A PID kept from a process that has ended may by now name another
# script's process (pid_max is 32768 here, and two copies of the suite
# wrap it within minutes): a plain kill would signal that one.
t_kill() {
	for p; do
		pp=""
		while read -r k v; do
			[ "$k" = PPid: ] && { pp=$v; break; }
		done 2>/dev/null </proc/"$p"/status || continue
		if [ "$pp" = "$$" ]; then
			kill "$p" 2>/dev/null
		elif [ -n "$pp" ]; then
			echo "# t_kill: pid $p is no longer ours" \
			    "($(cat /proc/"$p"/comm 2>/dev/null), parent $pp):" \
			    "left alone" >&2
		fi
	done
	return 0
}

# t_kill_named SIGNAL COMM PID: SIGNAL to PID only while it is a COMM
# (/proc/PID/comm), for a PID read from a pid file: its process is not the
# script's child, and once it has ended the PID may name another.
t_kill_named() {
	[ -n "$3" ] && [ "$(cat /proc/"$3"/comm 2>/dev/null)" = "$2" ] &&
	    kill -"$1" "$3" 2>/dev/null
	return 0
}

t_cleanup() {
	[ -n "$HQ_KEEP" ] && { echo "kept $T_TMP"; T_TMP=/nonexistent; }
	t_kill $T_PIDS
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
