#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# SIGINT in the middle of netcut's cut: the run ends INCONCLUSIVE
# (interrupted), the uplink is restored (empty journal, the DUT back on
# its cloud) and the capture is intact (every pcapng block whole, the
# steps up to the cut in it).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
N=${HQ_NETCUT_INT_BENCH:-$(bn 53)}
PROF="$HQ_TOP/tests/e2e/profiles/netcut-ci.json"
C=lab-netcut-ci/offline-alarm
FAST="--opt alarm.duration_ms=1500 --opt cloud.heartbeat_ms=500
    --opt cloud.io_ms=1000 --opt cloud.connect_ms=1000
    --opt cloud.backoff_ms=200 --opt cloud.backoff_max_ms=1000"
# shellcheck disable=SC2086
simbench_up $N $FAST || { nok "bench $N with dutsim and cloudsim"; t_done; }
ok "bench $N up with dutsim and cloudsim"
pending() { "$HOPQUY" bench status --bench "$N" 2>/dev/null |
    sed -n 's/.*journal .*: \([0-9]*\) unrestored.*/\1/p'; }
beats() { cloudq /status | $PY -c 'import json,sys
print(json.load(sys.stdin)["heartbeats"])'; }

"$HOPQUY" run -q -p "$PROF" -d "$SB_DUT" -o "$T_TMP/int" \
    --set "$C:negative_control_s=30" --set "$C:online_reference=false" \
    >"$T_TMP/int.out" 2>"$T_TMP/int.err" &
HQ_PID=$!
n=0
while [ "$(pending)" = 0 ] && [ $n -lt 150 ]; do sleep 0.1; n=$((n + 1)); done
check "the run cut the uplink (journal has entries)" [ "$(pending)" != 0 ]
sleep 2
kill -INT "$HQ_PID"
wait "$HQ_PID"
rc=$?
check "interrupted run exits 2 (INCONCLUSIVE), got $rc" [ $rc -eq 2 ]
check "journal empty after the interrupt" [ "$(pending)" = 0 ]
check "the case is INCONCLUSIVE: interrupted" grep -q \
    '"INCONCLUSIVE".*interrupted\|interrupted.*"INCONCLUSIVE"' \
    "$T_TMP/int/results.jsonl"
b0=$(beats)
n=0
while [ "$(beats)" -le "$b0" ] && [ $n -lt 50 ]; do sleep 0.2; n=$((n + 1)); done
check "the DUT reaches its cloud again" [ "$(beats)" -gt "$b0" ]
P="$T_TMP/int/capture/run.pcapng"
check "capture: every pcapng block whole" $PY - "$P" <<'PYEOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
o = 0
kinds = set()
while o < len(d):
    t, l = struct.unpack_from("<II", d, o)
    if l < 12 or o + l > len(d) or struct.unpack_from("<I", d, o + l - 4)[0] != l:
        sys.exit(1)
    kinds.add(t)
    o += l
sys.exit(0 if {0x0a0d0d0a, 1, 6} <= kinds else 1)
PYEOF
if command -v tshark >/dev/null 2>&1; then
	check "capture: tshark reads it, the cut step is in it" sh -c \
	    "tshark -r '$P' -Y frame.comment -T fields -e frame.comment 2>/dev/null | grep -q 'uplink cut'"
fi
t_done
