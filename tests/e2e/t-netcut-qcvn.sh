#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# netcut with the real profile (profiles/qcvn132-2026.json, its camera
# case) against the reference simulator on bench 150 (netcut-qcvn-lib.sh):
# only time-saving overrides, each recorded as a deviation.  The good
# simulator PASSes; a steady LED that stays lit until disarmed (disarmed
# by a command) PASSes three trials with no false alarm; a steady LED with
# a siren that never sounds while cut FAILs "no audible alarm offline"
# with no phantom alarm after the restore; a standard WAV is aligned by
# the calibration tone.  The alarm faults, each FAILing for its own
# reason, run in t-netcut-qcvn-faults[123].sh on benches of their own.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
. "$(dirname "$0")/netcut-qcvn-lib.sh"
N=${HQ_NETCUT_QCVN_BENCH:-$(bn 150)}
nq_up

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

t_done
