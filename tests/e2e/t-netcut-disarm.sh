#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# How an alarm ends between trials, against the simulator's steady LED
# (lit from the alarm until disarmed) on bench 153, with the real profile
# and time-saving overrides only:
#   - disarm through the stimulus driver's own socket ("disarm" line): PASS;
#   - a declared auto-reset that never comes: the next trial does not start
#     on a lit indicator, INCONCLUSIVE naming it;
#   - no disarm at all: the same, saying there is no disarm recipe.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=${HQ_NETCUT_DISARM_BENCH:-$(bn 153)}
C=qcvn132-2026/g1.1-offline-alarm-camera
FAST="--opt cloud.heartbeat_ms=500 --opt cloud.io_ms=1000
    --opt cloud.connect_ms=1000 --opt cloud.backoff_ms=200
    --opt cloud.backoff_max_ms=1000 --opt alarm.led=steady"
# shellcheck disable=SC2086
simbench_up $N $FAST || { nok "bench $N with dutsim and cloudsim"; t_done; }
ok "bench $N up with dutsim and cloudsim (steady LED)"
dutfile() {
	$PY - "$SB_DUT" "$T_TMP/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["alarm"]["light"]["kind"] = "steady"
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
}
nc() {
	d=$1; shift
	"$HOPQUY" run -q -p "$HQ_TOP/profiles/qcvn132-2026.json" \
	    -d "$T_TMP/$d.json" --only "$C" -o "$T_TMP/$d" \
	    --set "$C:settle_s=1" --set "$C:negative_control_s=3" \
	    --set "$C:trials=1" --set "$C:quiet_limit_s=5" "$@" \
	    >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
}
field() { $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
c=[x for x in r["results"] if x["id"] == sys.argv[3]][0]
print(eval(sys.argv[2]))' "$T_TMP/$1/report.json" "$2" "$C" 2>>"$T_TMP/field.err"; }
restart() { simbench_stop_dut; rm -f "$T_TMP/dutsim-state.json"
	# shellcheck disable=SC2086
	simbench_start_dut $FAST; }

dutfile socket "d['alarm']['disarm'] = {'driver': 'stimulus', 'kind': 'disarm'}"
nc socket
v=$(field socket 'c["verdict"]')
check "disarm by the stimulus socket: PASS ($v)" [ "$v" = PASS ]
check "socket: the steps say it was disarmed by the socket driver" \
    grep -q 'disarmed: \\"disarm\\" by socket' "$T_TMP/socket/report.json"

restart
dutfile auto "d['alarm']['disarm'] = {'driver': 'none', 'auto_reset_s': 1}"
nc auto
v=$(field auto 'c["verdict"]')
check "declared auto-reset that never comes: INCONCLUSIVE ($v)" [ "$v" = INCONCLUSIVE ]
check "auto: the rationale names the lit indicator and the auto-reset" [ "$(field auto \
    '"the indicator is still lit" in c["rationale"] and "auto-reset" in c["rationale"] and "trial 1" in c["rationale"]')" = True ]

restart
dutfile none "del d['alarm']['disarm']"
nc none
v=$(field none 'c["verdict"]')
check "no disarm at all: INCONCLUSIVE ($v)" [ "$v" = INCONCLUSIVE ]
check "none: the rationale says there is no disarm recipe" [ "$(field none \
    '"no disarm recipe" in c["rationale"] and "still lit" in c["rationale"]')" = True ]
[ "$T_FAIL" -eq 0 ] || for d in socket auto none; do
	echo "  | $d: $(field $d 'c["verdict"] + ": " + c["rationale"]')"
done
t_done
