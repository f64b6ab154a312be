#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs every end-to-end script tests/e2e/t-*.sh.  Each script prints its
# own "N passed, N failed" line and exits 0 (all passed), 77 (skipped: e.g.
# not root) or anything else (failures).  The closing line totals them.
#
# Scripts own their bench instances and namespaces, so they may run side
# by side: HQ_E2E_JOBS of them at a time (default 6 on a 2-core
# baseline; most of their time is spent waiting on devices and timers, not
# on the CPU: the CPU each one used is recorded next to its time).  The
# longest start first, by the durations of the previous run
# ($logdir/NAME.status: exit status, seconds, CPU seconds) or, for a
# script without one, by the built-in table below.  A CPU-heavy script
# (valgrind: the list below, or one that used more than half a core on
# average in its previous run, video analysis for one) never runs beside
# another heavy one.  Each script also takes a lock of its own, so two checkouts'
# suites never run one script twice at once; a second copy of the suite
# (HQ_E2E_COPY=2: other bench instances, see tests/e2e/README) takes
# locks of its own, but for the scripts whose instances do not move.
cd "$(dirname "$0")/../.." || exit 1
: "${HQ_BUILD:=$(pwd)/build}"
export HQ_BUILD HQ_TOP="$(pwd)"
only=${HQ_E2E_ONLY:-}
jobs=${HQ_E2E_JOBS:-6}
case $jobs in ''|*[!0-9]*|0) jobs=1 ;; esac
# Logs and statuses: HQ_E2E_LOGDIR (make check-parallel gives each copy
# of the suite its own).
logdir=${HQ_E2E_LOGDIR:-$HQ_BUILD/e2e}
mkdir -p "$logdir"

# Seconds each script took on a 2-core machine, for a first run.
builtin_secs="t-aisafety:602 t-privsep:540 t-netcut-qcvn:480 t-sim-qcvn132:450
    t-aisafety-sources:300 t-creds-rtsps:60 t-input-discovery:60
    t-sim-qcvn135:283 t-creds-f2b:266 t-netcut-motion:260
    t-netcut-qcvn-faults2:250 t-netcut-qcvn-faults3:210 t-faults-tls:190
    t-netcut-qcvn-faults1:190 t-faults-netcut:170 t-netcut-disarm:127
    t-surface-telnet:118 t-creds-ssh:112 t-input:110
    t-resilience-mosquitto:110 t-resilience-mosquitto-more:110 t-faults:100
    t-input-udp:93 t-input-profiles:91 t-resilience:90 t-resilience-faults:90
    t-creds-telnet:89 t-input-real:81 t-privsep-worker:80 t-campaign:67
    t-hostile:64 t-input-valgrind:60 t-netcut-accuracy:54 t-creds-server:54
    t-deb:52 t-deletion:43 t-sim-web:39 t-input-power:38
    t-sim-cloud-alarm:34 t-contrib-lava:31 t-update:29"
# Scripts whose bench instances stay put in a second copy of the suite,
# or that share something of the host's between copies (t-creds-real: two
# at once fail; the telnet ones: /bin/login's records of the last login).
fixed_benches="t-campaign t-aisafety t-aisafety-sources t-input t-input-creds
    t-input-discovery t-input-power t-input-profiles t-input-valgrind
    t-input-mem t-input-real t-input-udp t-creds-real t-creds-telnet
    t-surface-telnet"
copy=${HQ_E2E_COPY:-1}
# CPU-heavy whatever their last run said (the others: by their CPU
# seconds, so that a first run on a fresh machine holds none back).
heavy_always="t-input-valgrind"

# secs NAME: the expected duration; heavy NAME: whether it is CPU-heavy.
secs() {
	local rc s c
	if [ -f "$logdir/$1.status" ] &&
	    read -r rc s c <"$logdir/$1.status" && [ -n "$s" ]; then
		echo "$s"
		return
	fi
	for e in $builtin_secs; do
		[ "${e%%:*}" = "$1" ] && { echo "${e#*:}"; return; }
	done
	echo 30
}
heavy() {
	local rc s c
	case " $heavy_always " in *" $1 "*) return 0 ;; esac
	[ -f "$logdir/$1.status" ] || return 1
	read -r rc s c <"$logdir/$1.status" || return 1
	[ -n "$c" ] && [ "${s:-0}" -gt 0 ] && [ $((c * 2)) -gt "$s" ]
}

list=$(for t in tests/e2e/t-*.sh; do
	n=$(basename "$t" .sh)
	if [ -n "$only" ] && ! echo "$n" | grep -q -- "$only"; then
		continue
	fi
	echo "$(secs "$n") $n"
done | sort -k1,1nr -k2 | awk '{ print $2 }')

run_one() {	# run_one NAME: the script, its log, its status, time and CPU
	local name=$1 log="$logdir/$1.log" start end rc cpu me=$BASHPID
	local lock="/tmp/hq-e2e-$name.lock"
	case " $fixed_benches " in
	*" $name "*) ;;
	*) [ "$copy" = 1 ] || lock="/tmp/hq-e2e-$name-copy$copy.lock" ;;
	esac
	start=$(date +%s)
	# -o: the lock is held by flock alone, not inherited by the script's
	# children, so a daemon a killed script left behind cannot hold it.
	flock -o "$lock" sh "tests/e2e/$name.sh" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	# user and system time of the waited-for children, in clock ticks
	cpu=$(awk -v hz="$(getconf CLK_TCK)" \
	    '{ printf "%d", ($16 + $17) / hz + 0.5 }' "/proc/$me/stat")
	echo "$rc $((end - start)) $cpu" >"$logdir/$name.status"
}

declare -A running heavyrun
pending=$list
ran=""
for name in $list; do
	heavy "$name" && heavyrun[$name]=1
	rm -f "$logdir/$name.status"
done
while [ -n "$pending" ] || [ ${#running[@]} -gt 0 ]; do
	for p in "${!running[@]}"; do
		kill -0 "$p" 2>/dev/null || { wait "$p"; unset "running[$p]"; }
	done
	pick=""
	if [ ${#running[@]} -lt "$jobs" ]; then
		busy=0
		for p in "${!running[@]}"; do
			[ -n "${heavyrun[${running[$p]}]:-}" ] && busy=1
		done
		for name in $pending; do
			[ $busy = 1 ] && [ -n "${heavyrun[$name]:-}" ] && continue
			pick=$name
			break
		done
	fi
	if [ -n "$pick" ]; then
		run_one "$pick" &
		running[$!]=$pick
		ran="$ran $pick"
		pending=$(echo "$pending" | grep -vx -- "$pick")
		continue
	fi
	wait -n 2>/dev/null || sleep 1
done
wait

tp=0 tf=0 ts=0
for name in $ran; do
	log="$logdir/$name.log"
	[ -f "$logdir/$name.status" ] &&
	    read -r rc secs cpu <"$logdir/$name.status" ||
	    { rc=1; secs=0; cpu=0; }
	line=$(grep -E '^[a-z0-9-]*:? ?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.*passed, \([0-9][0-9]*\) failed.*/\1/p')
	: "${p:=0}" "${f:=0}"
	if [ "$rc" -eq 77 ]; then
		ts=$((ts + 1))
		echo "SKIP $name ($(tail -n 1 "$log"))"
		continue
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	tp=$((tp + p)) tf=$((tf + f))
	if [ "$rc" -eq 0 ]; then
		echo "ok   $name: $p passed ($secs s, CPU ${cpu:-?} s)"
	else
		echo "FAIL $name: $p passed, $f failed ($secs s, CPU ${cpu:-?} s)"
		grep -n '^FAIL - ' "$log" | sed 's/^/    ! /'
		echo "    (last 60 lines of the log)"
		sed 's/^/    | /' "$log" | tail -n 60
	fi
done
echo "e2e: $tp passed, $tf failed, $ts skipped"
[ $tf -eq 0 ]
