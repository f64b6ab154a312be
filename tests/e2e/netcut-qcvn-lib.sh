# SPDX-License-Identifier: Apache-2.0
# Sourced by t-netcut-qcvn*.sh after lib.sh and simbench.sh: netcut with
# the real profile (profiles/qcvn132-2026.json, its camera case) against
# the reference simulator on bench $N, with only time-saving overrides
# (settle, negative control, trial count for the fault runs), each
# recorded as a deviation.  nq_up brings the bench up; nc runs the case.
C=qcvn132-2026/g1.1-offline-alarm-camera
FAST="--opt cloud.heartbeat_ms=500 --opt cloud.io_ms=1000
    --opt cloud.connect_ms=1000 --opt cloud.backoff_ms=200
    --opt cloud.backoff_max_ms=1000"
# Time-savers only: shorter settling and negative controls.
SAVE="--set $C:settle_s=1 --set $C:negative_control_s=3"

nq_up() {	# nq_up: bench $N with dutsim and cloudsim, or the script ends
	# shellcheck disable=SC2086
	simbench_up $N $FAST || { nok "bench $N with dutsim and cloudsim"; t_done; }
	ok "bench $N up with dutsim and cloudsim"
}

# dutfile NAME PYTHON: a copy of the bench's DUT description edited by
# PYTHON (on d, the parsed JSON).
dutfile() {
	$PY - "$SB_DUT" "$T_TMP/$1.json" "$2" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=1)
PYEOF
}
# nc NAME DUT [args]: a run of the camera case; $rc.
nc() {
	d=$1 dut=$2; shift 2
	# shellcheck disable=SC2086
	"$HOPQUY" run -q -p "$HQ_TOP/profiles/qcvn132-2026.json" -d "$dut" \
	    --only "$C" -o "$T_TMP/$d" $SAVE "$@" \
	    >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
field() { $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
c=[x for x in r["results"] if x["id"] == sys.argv[3]][0]
print(eval(sys.argv[2]))' "$T_TMP/$1/report.json" "$2" "$C" 2>>"$T_TMP/field.err"; }
why() { field "$1" 'c["verdict"] + ": " + c["rationale"] + " | " + " | ".join(c.get("findings", []))'; }
restart() { simbench_stop_dut; rm -f "$T_TMP/dutsim-state.json"
	# shellcheck disable=SC2086
	simbench_start_dut $FAST "$@"; }

# The alarm faults: name, the reason it must FAIL for, dutsim's switches.
NQ_FAULTS='none-offline no_alarm_offline --fault alarm-none-offline
cloud-only alarm_only_with_the_cloud --fault alarm-cloud-only --opt alarm.confirm_ms=120000
late late_alarm --fault alarm-late=12000
quiet too_quiet --fault alarm-quiet=30
audible-only no_visual_alarm_offline --fault alarm-audible-only
visual-only no_audible_alarm_offline --fault alarm-visual-only
false false_alarm --fault alarm-false --opt alarm.false_offline_ms=2500
no-backlog no_backlog_upload --fault no-backlog
no-reconnect no_reconnection --fault no-reconnect'

# nq_faults NAME...: each named alarm fault FAILs the real profile for its
# own reason (about 1-2 min each; the backlog and reconnection ones with
# their limits shortened, a deviation: they FAIL at the limit, the good
# runs keep the profile's).  HQ_NETCUT_QCVN_FAULTS=0 skips them (77).
nq_faults() {
	if [ "${HQ_NETCUT_QCVN_FAULTS:-1}" = 0 ]; then
		echo "skipped: HQ_NETCUT_QCVN_FAULTS=0"
		exit 77
	fi
	for want in "$@"; do
		line=$(printf '%s\n' "$NQ_FAULTS" | grep "^$want ")
		[ -n "$line" ] || { nok "fault $want: not in the list"; continue; }
		# shellcheck disable=SC2086
		nq_fault $line
	done
}
nq_fault() {	# nq_fault NAME REASON DUTSIM-ARGS...
	name=$1 reason=$2; shift 2
	restart "$@"
	# the backlog and reconnection faults FAIL at the limit: a shorter
	# limit (a deviation) only makes them FAIL sooner
	lim=
	case $name in
	no-backlog) lim="--set $C:backlog_limit_s=30" ;;
	no-reconnect) lim="--set $C:reconnect_limit_s=15 --set $C:backlog_limit_s=30" ;;
	esac
	t0=$(date +%s)
	# shellcheck disable=SC2086
	nc "f-$name" "$SB_DUT" --set "$C:trials=1" $lim
	v=$(field "f-$name" 'c["verdict"]')
	r=$(field "f-$name" '" | ".join(c.get("findings", []))')
	good=0
	case $v:$r in
	FAIL:*"$(echo "$reason" | tr _ ' ')"*) good=1 ;;
	esac
	check "fault $name: FAIL for its reason: $(echo "$reason" |
	    tr _ ' ') ($v, $(($(date +%s) - t0)) s)" [ $good = 1 ]
	[ $good = 1 ] || echo "    $(why "f-$name")"
}
