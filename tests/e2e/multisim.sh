# SPDX-License-Identifier: Apache-2.0
# Sourced after lib.sh: N bench instances, each with the reference DUT
# (dutsim) and its cloud (cloudsim), as simbench.sh brings up one.
# multisim_up FIRST COUNT [dutsim args]: instances FIRST..FIRST+COUNT-1;
# the DUT description of instance N is $T_TMP/ms/N/dut.json (with pki/ and
# sinks/ next to it).  multisim_down tears everything down (also on exit).
DUTSIM="$HQ_BUILD/fixtures/dutsim"
CLOUDSIM="$HQ_BUILD/fixtures/cloudsim"
PKI="$HQ_BUILD/fixtures/pki"
MS_INST=""
MS_PIDS=""

ms_ns() { if [ "$2" -eq 0 ]; then echo "hq-$1"; else echo "hq-$1-$2"; fi; }

# ms_labels: the factory passwords dutsim prints (as simbench_labels).
ms_labels() {
	HQ_DUTSIM_LABEL1=$("$DUTSIM" --print-label --serial HQ0000000001 "$@" |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["password"])') &&
	HQ_DUTSIM_LABEL2=$("$DUTSIM" --print-label --serial HQ0000000002 "$@" |
	    $PY -c 'import json,sys; print(json.load(sys.stdin)["password"])') ||
	    return 1
	export HQ_DUTSIM_LABEL1 HQ_DUTSIM_LABEL2
}

# ms_one N [dutsim args]: one instance.
ms_one() {
	n=$1; shift
	d="$T_TMP/ms/$n"
	mkdir -p "$d/sinks"
	"$HOPQUY" bench down --bench "$n" >/dev/null 2>&1
	"$HOPQUY" bench up --bench "$n" >"$d/bench-up.log" 2>&1 ||
	    { cat "$d/bench-up.log"; return 1; }
	MS_INST="$MS_INST $n"
	sed -e "s/198\.18\.0\./198.18.$n./g" -e "s/198\.19\.0\./198.19.$n./g" \
	    -e "s/\"instance\": 0/\"instance\": $n/" \
	    "$HQ_TOP/fixtures/duts/dutsim.json" >"$d/dut.json"
	ln -sfn "$PKI" "$d/pki"
	ip netns exec "$(ms_ns cloud "$n")" "$CLOUDSIM" --cert "$PKI/cloud.crt" \
	    --key "$PKI/cloud.key" --addr "198.19.$n.2" \
	    --query-addr "198.19.$n.2" >>"$d/cloudsim.log" 2>&1 &
	MS_PIDS="$MS_PIDS $!"
	ip netns exec "$(ms_ns dut "$n")" "$DUTSIM" --serial HQ0000000001 \
	    --state "$d/dutsim-state.json" \
	    --opt pki_dir="$PKI" --opt cloud.addr="198.19.$n.2" \
	    --opt cloud.ca="$PKI/cloud-ca.crt" \
	    --opt alarm.wav="$d/sinks/siren.wav" \
	    --opt alarm.strobe="$d/sinks/strobe.log" \
	    "$@" >>"$d/dutsim.log" 2>&1 &
	MS_PIDS="$MS_PIDS $!"
}

multisim_up() {
	first=$1; count=$2; shift 2
	ms_labels || return 1
	i=0
	while [ $i -lt "$count" ]; do
		ms_one $((first + i)) "$@" || return 1
		i=$((i + 1))
	done
	ms_wait
}

# ms_wait: until every instance's DUT answers on 443.
ms_wait() {
	for n in $MS_INST; do
		wait_port "$(ms_ns lab "$n")" "198.18.$n.2" 443 20 || return 1
	done
}

multisim_down() {
	for p in $MS_PIDS; do t_kill "$p" 2>/dev/null; done
	for p in $MS_PIDS; do wait "$p" 2>/dev/null; done
	MS_PIDS=""
	for n in $MS_INST; do
		"$HOPQUY" bench down --bench "$n" >/dev/null 2>&1
	done
	MS_INST=""
}

trap 'multisim_down; t_cleanup' EXIT
