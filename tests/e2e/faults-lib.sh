# SPDX-License-Identifier: Apache-2.0
# The fault matrix's runner (t-faults*.sh; the case file format is in
# t-faults.sh), sourced after lib.sh and simbench.sh with the bench up.
# faults_run RE [EXCLUDE-RE]: every case file whose name matches RE and
# not EXCLUDE-RE (and HQ_CASES, a grep pattern on the path, when set).
run_case() {
	cf=$1
	name=$(basename "$cf" .case)
	faults="" opts="" profile=qcvn135-2024 only="" sets="" exitw=""
	within=""
	: >"$T_TMP/expect" ; : >"$T_TMP/reason"
	while read -r key val; do
		case $key in
		""|\#*) ;;
		fault) faults="$faults --fault $val" ;;
		opt) opts="$opts --opt $val" ;;
		profile) profile=$val ;;
		only) only=$val ;;
		set) sets="$sets
$(printf "%s\n" "$val" | sed "s|@PKI@|$PKI|g")" ;;
		expect) echo "$val" >>"$T_TMP/expect" ;;
		reason) echo "$val" >>"$T_TMP/reason" ;;
		exit) exitw=$val ;;
		within) within=$val ;;
		*) nok "$name: unknown key '$key'"; return ;;
		esac
	done <"$cf"
	case $profile in
	*/*) profile="$HQ_TOP/$profile" ;;
	esac
	simbench_stop_dut
	rm -f "$T_TMP/dutsim-state.json"
	# shellcheck disable=SC2086
	if ! simbench_labels $faults; then
		nok "$name: no factory labels from dutsim --print-label$faults"
		return
	fi
	# shellcheck disable=SC2086
	if ! simbench_start_dut $faults $opts; then
		nok "$name: simulator did not start ($faults $opts)"
		return
	fi
	set -- run -q -p "$profile" -d "$SB_DUT" -o "$T_TMP/runs/$name"
	[ -n "$only" ] && set -- "$@" --only "$only"
	old_ifs=$IFS
	IFS='
'
	for s in $sets; do
		[ -n "$s" ] && set -- "$@" --set "$s"
	done
	IFS=$old_ifs
	t0=$(date +%s.%N)
	"$HOPQUY" "$@" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	rc=$?
	took=$(echo "$t0 $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
	if [ -n "$within" ]; then
		if awk -v t="$took" -v w="$within" 'BEGIN { exit !(t <= w) }'
		then
			ok "$name: run took $took s (limit $within s)"
		else
			nok "$name: run took $took s, over the $within s limit"
		fi
	fi
	if [ -n "$exitw" ] && [ "$rc" != "$exitw" ]; then
		nok "$name: exit $rc, want $exitw ($(tail -n 2 "$T_TMP/$name.err"))"
	elif [ -n "$exitw" ]; then
		ok "$name: exit $rc"
	fi
	if ! $PY - "$T_TMP/runs/$name/report.json" "$T_TMP/expect" \
	    "$T_TMP/reason" >"$T_TMP/$name.chk" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
byid = {x["id"]: x for x in r["results"]}
exp = [l.split() for l in open(sys.argv[2]) if l.strip()]
reasons = [l.strip() for l in open(sys.argv[3]) if l.strip()]
bad = []
for cid, want in exp:
    got = byid.get(cid)
    if got is None:
        bad.append("%s: not in the report" % cid)
    elif got["verdict"] != want:
        bad.append("%s: %s, want %s (%s)" % (cid, got["verdict"], want,
            got["rationale"]))
if exp and reasons:
    got = byid.get(exp[0][0])
    text = got["rationale"] + "\n" + "\n".join(got["findings"]) if got else ""
    for want in reasons:
        if want not in text:
            bad.append("%s: reason lacks '%s' (has: %s)" % (exp[0][0], want,
                text.replace("\n", " | ")[:300]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
	then
		nok "$name: $(cat "$T_TMP/$name.chk")"
		# the case's last steps and the simulator's last lines, to show
		# a load-dependent failure's cause
		case_steps "$T_TMP/runs/$name/report.json" \
		    "$(awk 'NR == 1 { print $1 }' "$T_TMP/expect")" 10
		echo "    dutsim.log, last lines:"
		tail -n 12 "$T_TMP/dutsim.log" 2>/dev/null | sed 's/^/    /'
	else
		ok "$name: $(awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' "$T_TMP/expect") ($took s)"
	fi
}

faults_run() {
	for cf in "$HQ_TOP"/tests/e2e/cases/*.case; do
		n=$(basename "$cf")
		echo "$n" | grep -q -- "$1" || continue
		[ -n "${2:-}" ] && echo "$n" | grep -q -- "$2" && continue
		[ -n "${HQ_CASES:-}" ] && ! echo "$cf" | grep -q -- "$HQ_CASES" &&
		    continue
		run_case "$cf"
	done
}
