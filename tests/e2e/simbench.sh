# SPDX-License-Identifier: Apache-2.0
# Sourced after lib.sh: a bench instance of our own with the reference DUT
# (dutsim) in its DUT namespace and the simulated cloud (cloudsim) in its
# cloud namespace, built with `hopquy bench up --bench N` and torn down on
# exit.  simbench_up N [dutsim args]; then $SB_DUT is a DUT description for
# it, $SB_LAB/$SB_DNS/$SB_CNS the namespaces, $SB_SINKS the alarm sinks;
# the test PKI is linked as pki/ next to the DUT description (its
# cloud_link.intercept paths).
DUTSIM="$HQ_BUILD/fixtures/dutsim"
CLOUDSIM="$HQ_BUILD/fixtures/cloudsim"
PKI="$HQ_BUILD/fixtures/pki"
SB_N=""
SB_PIDS=""

sb_ns() { if [ "$2" -eq 0 ]; then echo "hq-$1"; else echo "hq-$1-$2"; fi; }

# simbench_dut N: writes the DUT description for instance N to $SB_DUT.
simbench_dut() {
	sed -e "s/198\.18\.0\./198.18.$1./g" -e "s/198\.19\.0\./198.19.$1./g" \
	    -e "s/\"instance\": 0/\"instance\": $1/" \
	    "$HQ_TOP/fixtures/duts/dutsim.json" >"$T_TMP/dutsim-$1.json"
	ln -sfn "$PKI" "$T_TMP/pki"
	SB_DUT="$T_TMP/dutsim-$1.json"
}

# simbench_complete [--rtsps PORT]: writes $SB_FULL, the complete
# description for a full QCVN 135 run (fixtures/duts/dutsim-complete.py:
# update, data, power with $T_TMP/dutsim.pid, disclosure served by cloudsim
# under the cloud CA; with --rtsps, RTSP over TLS on PORT).
simbench_complete() {
	SB_FULL="$T_TMP/dutsim-full-$SB_N.json"
	$PY "$HQ_TOP/fixtures/duts/dutsim-complete.py" "$@" "$HQ_TOP" "$SB_N" \
	    "$HQ_BUILD/fixtures/images" "$T_TMP/dutsim.pid" \
	    "$PKI/cloud-ca.crt" "$SB_FULL"
}

# simbench_start_dut [dutsim args]: (re)starts dutsim in the DUT namespace.
simbench_start_dut() {
	# up once it says so (every listener bound), not only its 443: a
	# loaded host may open the others a moment later
	sb_up0=$(grep -c 'dutsim main: up: ' "$T_TMP/dutsim.log" 2>/dev/null)
	ip netns exec "$SB_DNS" "$DUTSIM" --serial HQ0000000001 \
	    --state "$T_TMP/dutsim-state.json" \
	    --opt pki_dir="$PKI" --opt cloud.addr="198.19.$SB_N.2" \
	    --opt cloud.ca="$PKI/cloud-ca.crt" \
	    --opt alarm.wav="$SB_SINKS/siren.wav" \
	    --opt alarm.strobe="$SB_SINKS/strobe.log" \
	    --opt alarm.audio_lag_ms=40 \
	    "$@" >>"$T_TMP/dutsim.log" 2>&1 &
	SB_DUTPID=$!
	SB_PIDS="$SB_PIDS $SB_DUTPID"
	echo "$SB_DUTPID" >"$T_TMP/dutsim.pid"	# the power section's hook
	wait_port "$SB_LAB" "198.18.$SB_N.2" 443 10 || return 1
	i=0
	while [ "$(grep -c 'dutsim main: up: ' "$T_TMP/dutsim.log" 2>/dev/null)" \
	    -le "${sb_up0:-0}" ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ $i -lt 100 ]
}

# simbench_labels [--fault F]...: exports the factory passwords of units
# HQ0000000001 and HQ0000000002 as HQ_DUTSIM_LABEL1 and HQ_DUTSIM_LABEL2,
# as dutsim with these faults prints them (universal-default-password and
# weak-factory-password change them).
simbench_labels() {
	HQ_DUTSIM_LABEL1=$("$DUTSIM" --print-label --serial HQ0000000001 "$@" |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["password"])') &&
	HQ_DUTSIM_LABEL2=$("$DUTSIM" --print-label --serial HQ0000000002 "$@" |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["password"])') ||
	    return 1
	export HQ_DUTSIM_LABEL1 HQ_DUTSIM_LABEL2
}

simbench_stop_dut() {
	[ -n "${SB_DUTPID:-}" ] && t_kill "$SB_DUTPID" 2>/dev/null &&
	    wait "$SB_DUTPID" 2>/dev/null
	SB_DUTPID=""
}

simbench_up() {
	SB_N=$1; shift
	SB_DNS=$(sb_ns dut "$SB_N")
	SB_LAB=$(sb_ns lab "$SB_N")
	SB_CNS=$(sb_ns cloud "$SB_N")
	SB_SINKS="$T_TMP/sinks"
	mkdir -p "$SB_SINKS"
	"$HOPQUY" bench down --bench "$SB_N" >/dev/null 2>&1
	"$HOPQUY" bench up --bench "$SB_N" >"$T_TMP/bench-up.log" 2>&1 ||
	    { cat "$T_TMP/bench-up.log"; return 1; }
	simbench_labels
	ip netns exec "$SB_CNS" "$CLOUDSIM" --cert "$PKI/cloud.crt" \
	    --key "$PKI/cloud.key" --addr "198.19.$SB_N.2" \
	    --query-addr "198.19.$SB_N.2" >>"$T_TMP/cloudsim.log" 2>&1 &
	SB_PIDS="$SB_PIDS $!"
	simbench_dut "$SB_N"
	simbench_start_dut "$@"
}

simbench_down() {
	for p in $SB_PIDS; do t_kill "$p" 2>/dev/null; done
	for p in $SB_PIDS; do wait "$p" 2>/dev/null; done
	SB_PIDS=""
	[ -n "$SB_N" ] && "$HOPQUY" bench down --bench "$SB_N" >/dev/null 2>&1
	SB_N=""
}

# cloudq PATH: the simulated cloud's query API, from its namespace.
cloudq() {
	ip netns exec "$SB_CNS" curl -s --max-time 5 \
	    "http://198.19.$SB_N.2:8080$1"
}

# Teardown before lib.sh's own cleanup.
trap 'simbench_down; t_cleanup' EXIT
