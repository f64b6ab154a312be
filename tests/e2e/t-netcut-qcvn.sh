#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# netcut with the real profile (profiles/qcvn132-2026.json, its camera
# case) against the reference simulator on bench 150: only time-saving
# overrides (settle, negative control, trial count for the fault runs),
# each recorded as a deviation.  The good simulator PASSes; a steady LED
# that stays lit until disarmed (disarmed by a command) PASSes three trials
# with no false alarm; a steady LED with a siren that never sounds while
# cut FAILs "no audible alarm offline" with no phantom alarm after the
# restore; a standard WAV is aligned by the calibration tone; every alarm
# fault FAILs for its own reason.
# HQ_NETCUT_QCVN_FAULTS=0 skips the fault runs (about 1-2 min each; the
# backlog and reconnection ones with their limits shortened, a deviation:
# they FAIL at the limit, the good runs keep the profile's).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=${HQ_NETCUT_QCVN_BENCH:-150}
C=qcvn132-2026/g1.1-offline-alarm-camera
FAST="--opt cloud.heartbeat_ms=500 --opt cloud.io_ms=1000
    --opt cloud.connect_ms=1000 --opt cloud.backoff_ms=200
    --opt cloud.backoff_max_ms=1000"
# Time-savers only: shorter settling and negative controls.
SAVE="--set $C:settle_s=1 --set $C:negative_control_s=3"
# shellcheck disable=SC2086
simbench_up $N $FAST || { nok "bench $N with dutsim and cloudsim"; t_done; }
ok "bench $N up with dutsim and cloudsim"

# dutfile NAME PYTHON: a copy of the bench's DUT description edited by
# PYTHON (on d, the parsed JSON).
dutfile() {
	$PY - "$SB_DUT" "$T_TMP/$1.json" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=1)
EOF
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

# ---- the good simulator, its flashing LED, disarm by HTTP steps ----
nc good "$SB_DUT"
v=$(field good 'c["verdict"]')
check "good simulator: PASS on the real profile ($v)" [ "$v" = PASS ]
[ "$v" = PASS ] || echo "    $(why good)"
check "good: the time-savers are recorded as deviations" [ "$(field good \
    'sorted(x.get("param") or x.get("parameter") or str(x) for x in r["deviations"] if "settle_s" in str(x) or "negative_control_s" in str(x)).__len__()')" = 2 ]
check "good: both negatives (empty, foliage) each trial, reported" [ "$(field good \
    'all([n["kind"] for n in t["negative_controls"]] == ["empty", "foliage"] for t in c["details"]["trials"])')" = True ]
check "good: a flashing indicator judged on flashes and rate" [ "$(field good \
    'any(m["name"] == "trial1.flash_rate" for m in c["measurements"])')" = True ]

# ---- a steady LED lit until disarmed, disarmed by a command ----
restart --opt alarm.led=steady
dutfile steady "d['alarm']['light']['kind'] = 'steady'
d['alarm']['disarm'] = {'driver': 'command', 'argv': ['/bin/sh', '-c',
    'printf \"disarm\\\\n\" | socat -T2 - TCP:198.18.$N.2:7000,connect-timeout=2 | grep -q ^ok']}"
nc steady "$T_TMP/steady.json"
v=$(field steady 'c["verdict"]')
check "steady LED until disarmed: PASS, 3 trials ($v)" [ "$v" = PASS ]
[ "$v" = PASS ] || echo "    $(why steady)"
check "steady: 3 trials and the online reference, no false alarm" [ "$(field steady \
    'len(c["details"]["trials"]) == 3 and not any(t["false_alarm"] for t in c["details"]["trials"]) and "online_reference" in c["details"]')" = True ]
check "steady: judged as steady (no flash count), rationale says so" [ "$(field steady \
    'not any(m["name"].endswith("flashes") for m in c["measurements"]) and "visual alarm (steady)" in c["rationale"]')" = True ]
check "steady: disarmed by the command driver" grep -q 'disarmed: \\"disarm\\" by command' "$T_TMP/steady/report.json"
check "steady: still lit at the restore is no alarm after it" [ "$(field steady \
    'not any(t["alarm_after_restore"] for t in c["details"]["trials"])')" = True ]

# ---- a steady LED, and a siren that never sounds while cut ----
restart --opt alarm.led=steady --fault alarm-silent-offline
nc silent "$T_TMP/steady.json" --set "$C:trials=1"
v=$(field silent 'c["verdict"]')
check "LED lit, siren silent offline: FAIL ($v)" [ "$v" = FAIL ]
check "silent: the reason is no audible alarm offline" [ "$(field silent \
    'any("no audible alarm offline" in f for f in c["findings"])')" = True ]
check "silent: no phantom alarm after the restore, no false alarm" [ "$(field silent \
    'not any("only with the cloud" in f or "false alarm" in f for f in c["findings"]) and not c["details"]["trials"][0]["alarm_after_restore"]')" = True ]

# ---- a standard WAV (no clock note), aligned by the calibration tone ----
restart --opt alarm.wav_icmt=0 --opt alarm.latency_ms=400
dutfile plain "d['alarm']['audio']['align'] = 'sync-tone'"
nc plain "$SB_DUT" --set "$C:trials=1"
v=$(field plain 'c["verdict"]')
check "plain WAV without a sync: refused, not guessed ($v)" [ "$v" = INCONCLUSIVE ]
nc plain2 "$T_TMP/plain.json" --set "$C:trials=1"
v=$(field plain2 'c["verdict"]')
check "plain WAV aligned by the calibration tone: PASS ($v)" [ "$v" = PASS ]
a=$(field plain2 '[m["value"] for m in c["measurements"] if m["name"] == "trial1.audible_latency"][0]')
check "plain WAV: audible latency 400 ms within 50 ms (the tone alignment on a loaded host) ($a)" \
    $PY -c "import sys; sys.exit(abs($a - 400) > 50)"

# ---- each fault FAILs the real profile for its own reason ----
if [ "${HQ_NETCUT_QCVN_FAULTS:-1}" != 0 ]; then
	while read -r name reason args; do
		[ -n "$name" ] || continue
		# shellcheck disable=SC2086
		restart $args
		# the backlog and reconnection faults FAIL at the limit: a
		# shorter limit (a deviation) only makes them FAIL sooner
		lim=
		case $name in
		no-backlog) lim="--set $C:backlog_limit_s=30" ;;
		no-reconnect) lim="--set $C:reconnect_limit_s=15" ;;
		esac
		# shellcheck disable=SC2086
		nc "f-$name" "$SB_DUT" --set "$C:trials=1" $lim
		v=$(field "f-$name" 'c["verdict"]')
		r=$(field "f-$name" '" | ".join(c.get("findings", []))')
		good=0
		case $v:$r in
		FAIL:*"$(echo "$reason" | tr _ ' ')"*) good=1 ;;
		esac
		check "fault $name: FAIL for its reason: $(echo "$reason" |
		    tr _ ' ') ($v)" [ $good = 1 ]
		[ $good = 1 ] || echo "    $(why "f-$name")"
	done <<EOF
none-offline no_alarm_offline --fault alarm-none-offline
cloud-only alarm_only_with_the_cloud --fault alarm-cloud-only --opt alarm.confirm_ms=120000
late late_alarm --fault alarm-late=12000
quiet too_quiet --fault alarm-quiet=30
audible-only no_visual_alarm_offline --fault alarm-audible-only
visual-only no_audible_alarm_offline --fault alarm-visual-only
false false_alarm --fault alarm-false --opt alarm.false_offline_ms=2500
no-backlog no_backlog_upload --fault no-backlog
no-reconnect no_reconnection --fault no-reconnect
EOF
fi
t_done
