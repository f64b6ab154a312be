#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# hopquy campaign: 16 simulated DUTs (dutsim on bench instances 200-215,
# the last one with an open telnet) in one signed campaign at -j 16; every
# report verifies, campaign.json / junit.xml / index.html agree with the
# reports, the telnet DUT alone FAILs, and the TTY progress names each
# running DUT's case.  Then a campaign of 8 with a DUT whose bench is not
# up, interrupted with SIGINT mid-way: --resume finishes the rest and
# re-runs none of the finished runs.  A bad campaign file is refused.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/multisim.sh"
SIGN="--sign $PKI/lab-ec.key --cert $PKI/lab-ec.crt"
CASE=qcvn135-2024/g6.1
ms_labels || { nok "dutsim labels"; t_done; }
ok=1
for n in $(seq 200 214); do ms_one "$n" || ok=0; done
ms_one 215 --fault telnet || ok=0
[ $ok = 1 ] && ms_wait || ok=0
check "16 bench instances (200-215) up with dutsim and cloudsim" [ $ok = 1 ]
[ $ok = 1 ] || t_done

# campaign NAME N0 COUNT [extra entries JSON]: a campaign file.
campaign() {
	$PY - "$T_TMP/$1.json" "$2" "$3" "${4:-}" <<'PY'
import json, sys
f, n0, count, extra = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
duts = [{"name": "cam-%d" % n, "dut": "ms/%d/dut.json" % n}
        for n in range(n0, n0 + count)]
if extra:
    duts += json.loads(extra)
json.dump({"format": "hopquy-campaign/1", "name": "e2e-" + f.split("/")[-1][:-5],
           "profiles": ["qcvn135-2024"], "only": "qcvn135-2024/g6.1",
           "duts": duts}, open(f, "w"), indent=1)
PY
}

# --- 16 DUTs at once, on a TTY -------------------------------------------
campaign c16 200 16
t0=$(date +%s.%N)
script -qfec "$HOPQUY campaign $T_TMP/c16.json -j 16 --bench-range 200-219 \
    -o $T_TMP/c16 $SIGN" "$T_TMP/c16.tty" >/dev/null 2>&1
rc=$?
t1=$(date +%s.%N)
echo "# 16 DUTs: $(echo "$t1 - $t0" | bc) s"
check "16-DUT campaign: exit 1 (the telnet DUT FAILs; got $rc)" [ $rc -eq 1 ]
check "progress on the TTY names running DUTs, their bench and case" \
    grep -q "cam-2[0-9][0-9] *bench 2[0-9][0-9] .*$CASE" "$T_TMP/c16.tty"
nv=0 bad=""
for n in $(seq 200 215); do
	if "$HOPQUY" verify "$T_TMP/c16/runs/cam-$n/qcvn135-2024" \
	    --ca "$PKI/lab-ca.crt" >"$T_TMP/verify-$n.out" 2>&1; then
		nv=$((nv + 1))
	else
		bad="$bad $n"
	fi
done
check "all 16 reports signed and verified ($nv of 16)" [ $nv -eq 16 ]
for n in $bad; do	# which run has no signed report, and what it said
	echo "    cam-$n: $(head -c 300 "$T_TMP/verify-$n.out")"
	tail -n 8 "$T_TMP"/c16/logs/cam-$n--*.log 2>/dev/null | sed 's/^/      /'
done
# One case of the profile (--only in the campaign): each run is INCOMPLETE
# as a statement for the regulation, its case PASS (cam-215: FAIL).
check "campaign.json: 16 DUTs, bench = DUT's instance, digests match, 15 INCOMPLETE with g6.1 PASS, cam-215 FAIL" \
    $PY - "$T_TMP/c16" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
c = json.load(open(d + "/campaign.json"))
assert c["format"] == "hopquy-campaign-result/1" and c["complete"], c
assert len(c["duts"]) == 16
t = c["totals"]
assert (t["pass"], t["fail"], t["incomplete"], t["runs"]) == (0, 1, 15, 16), t
for e in c["duts"]:
    [r] = e["runs"]
    n = int(e["name"][4:])
    assert r["bench"] == n and r["signed"] and r["complete"], r
    rep = open(os.path.join(d, r["report"]), "rb").read()
    assert hashlib.sha256(rep).hexdigest() == r["report_sha256"]
    rj = json.loads(rep)
    assert r["report_id"] == rj["report_id"]
    assert r["verdicts"] == {x["id"]: x["verdict"] for x in rj["results"]}
    want = "FAIL" if n == 215 else "INCOMPLETE"
    assert r["verdict"] == want == rj["summary"]["verdict"], (n, r["verdict"])
    assert r["verdicts"]["qcvn135-2024/g6.1-declared-services"] == (
        "FAIL" if n == 215 else "PASS")
PY
check "the campaign file and campaign.json follow their schemas" \
    $PY - "$HQ_TOP/reports" "$T_TMP/c16.json" "$T_TMP/c16/campaign.json" <<'PY'
import json, sys, jsonschema
s, f, c = sys.argv[1:]
jsonschema.validate(json.load(open(f)), json.load(open(s + "/campaign.schema.json")))
jsonschema.validate(json.load(open(c)), json.load(open(s + "/campaign-result.schema.json")))
PY
check "junit.xml: one testsuite per DUT, one failure (cam-215)" \
    $PY - "$T_TMP/c16/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
s = r.findall("testsuite")
assert len(s) == 16 and len({x.get("name") for x in s}) == 16
assert r.get("failures") == "1"
bad = [x.get("name") for x in s if x.get("failures") != "0"]
assert bad == ["cam-215"], bad
assert len({len(x.findall("testcase")) for x in s}) == 1
assert len(s[0].findall("testcase")) > 1
PY
check "index.html: a row per DUT with a link to its report" \
    [ "$(grep -c 'href="runs/cam-2[0-9]*/qcvn135-2024/report.json"' "$T_TMP/c16/index.html")" -eq 16 ]
check "a run cannot start over a finished campaign directory" \
    not "$HOPQUY" campaign "$T_TMP/c16.json" -o "$T_TMP/c16" -q

# --- SIGINT mid-campaign, then --resume ----------------------------------
campaign c8 200 8 '[{"name": "nobench", "dut": "ms/200/dut.json", "bench": 218}]'
"$HOPQUY" campaign "$T_TMP/c8.json" -j 4 --bench-range 200-219 -o "$T_TMP/c8" \
    $SIGN >"$T_TMP/c8.out" 2>"$T_TMP/c8.err" &
cpid=$!
i=0
while [ $i -lt 600 ]; do
	$PY -c 'import json,sys; c=json.load(open(sys.argv[1]))
sys.exit(0 if c["totals"]["pass"] + c["totals"].get("incomplete", 0) >= 1 else 1)' "$T_TMP/c8/campaign.json" \
	    2>/dev/null && break
	sleep 0.1; i=$((i + 1))
done
sleep 2
kill -INT $cpid
wait $cpid
rc=$?
check "interrupted campaign: exit 2 (got $rc)" [ $rc -eq 2 ]
$PY - "$T_TMP/c8/campaign.json" >"$T_TMP/c8.first" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for e in c["duts"]:
    for r in e["runs"]:
        if r["status"] == "done" and r.get("complete"):
            print(e["name"], r["report_id"], r["report_sha256"])
PY
nfirst=$(wc -l <"$T_TMP/c8.first")
check "SIGINT landed mid-campaign: $nfirst of 8 runs finished first" \
    [ "$nfirst" -ge 1 ] && [ "$nfirst" -lt 8 ]
check "the interrupted summary says incomplete" $PY -c 'import json,sys
c = json.load(open(sys.argv[1])); assert not c["complete"]' "$T_TMP/c8/campaign.json"
"$HOPQUY" campaign --resume "$T_TMP/c8" -j 4 --bench-range 200-219 \
    >"$T_TMP/c8r.out" 2>"$T_TMP/c8r.err"
rc=$?
check "resumed campaign: exit 2 (the bench-less DUT; got $rc)" [ $rc -eq 2 ]
# Its DUT file gives bench 200's address: on bench 218 that is not the DUT,
# so its run is refused before anything (65), and it alone.
check "the DUT on a bench not its own errored alone (exit 65 logged)" \
    grep -q 'nobench.*bad profile or DUT' "$T_TMP/c8.err" "$T_TMP/c8r.err"
check "resume reports what it kept" grep -q "($nfirst kept from before)" "$T_TMP/c8r.err"
check "after --resume: all 8 simulated DUTs done (INCOMPLETE: one case), signed; finished runs not re-run" \
    $PY - "$T_TMP/c8" "$T_TMP/c8.first" <<'PY'
import json, os, sys
d = sys.argv[1]
c = json.load(open(d + "/campaign.json"))
first = {l.split()[0]: l.split()[1:] for l in open(sys.argv[2])}
assert c["complete"]
n = 0
for e in c["duts"]:
    [r] = e["runs"]
    if e["name"] == "nobench":
        assert r["status"] == "error" and r["exit"] == 65, r
        continue
    assert r["verdict"] == "INCOMPLETE" and r["signed"], (e["name"], r)
    if r["verdicts"]["qcvn135-2024/g6.1-declared-services"] != "PASS":
        # the case's own rationale and last steps: why, not only what
        rep = json.load(open(os.path.join(d, r["report"])))
        [g] = [x for x in rep["results"] if x["id"].endswith("/g6.1-declared-services")]
        print(e["name"], g["verdict"], g["rationale"], file=sys.stderr)
        for st in g.get("steps", [])[-8:]:
            print("    step", st.get("time", ""), st.get("text", "")[:160], file=sys.stderr)
        sys.exit(1)
    if e["name"] in first:
        assert r["resumed"] and [r["report_id"], r["report_sha256"]] == first[e["name"]], r
        # its log holds the one run only
        log = open(os.path.join(d, "logs", e["name"] + "--qcvn135-2024.log")).read()
        assert log.count("report:") == 1, log
    else:
        assert not r["resumed"]
    n += 1
assert n == 8
PY
nun=$(ls -d "$T_TMP"/c8/runs/*/qcvn135-2024.unfinished-* 2>/dev/null | wc -l)
check "interrupted run directories kept aside ($nun)" [ "$nun" -ge 1 ]

# --- the strict loader --------------------------------------------------
echo '{"format": "hopquy-campaign/1", "name": "x", "profiles": ["qcvn135-2024"], "duts": [{"dut": "ms/200/dut.json", "benc": 3}]}' >"$T_TMP/bad.json"
"$HOPQUY" campaign "$T_TMP/bad.json" -o "$T_TMP/bad" 2>"$T_TMP/bad.err"
rc=$?
check "unknown key refused: exit 65 naming duts[0].benc (got $rc)" \
    [ $rc -eq 65 ] && grep -q 'duts\[0\].benc' "$T_TMP/bad.err"
bad() {	# bad DESC PATTERN JSON: refused with exit 65, naming PATTERN
	echo "$3" >"$T_TMP/badn.json"
	"$HOPQUY" campaign "$T_TMP/badn.json" -o "$T_TMP/badn" 2>"$T_TMP/badn.err"
	brc=$?
	check "$1: exit 65 naming $2 (got $brc)" [ $brc -eq 65 ] &&
	    grep -q -- "$2" "$T_TMP/badn.err"
}
P='"profiles": ["qcvn135-2024"]'
bad "wrong format" 'format: expected' '{"format": "hopquy-campaign/2", "name": "x", '"$P"', "duts": [{"dut": "ms/200/dut.json"}]}'
bad "two DUTs of one name" 'duts\[1\].name' '{"format": "hopquy-campaign/1", "name": "x", '"$P"', "duts": [{"name": "a", "dut": "ms/200/dut.json"}, {"name": "a", "dut": "ms/201/dut.json"}]}'
bad "bench neither a number nor auto" 'duts\[0\].bench' '{"format": "hopquy-campaign/1", "name": "x", '"$P"', "duts": [{"dut": "ms/200/dut.json", "bench": "any"}]}'
bad "bench above 255" 'duts\[0\].bench' '{"format": "hopquy-campaign/1", "name": "x", '"$P"', "duts": [{"dut": "ms/200/dut.json", "bench": 256}]}'
bad "a set parameter that is not an object" 'set.qcvn135' '{"format": "hopquy-campaign/1", "name": "x", '"$P"', "set": {"qcvn135-2024/g6.1": 3}, "duts": [{"dut": "ms/200/dut.json"}]}'
bad "no DUTs" 'duts: expected 1' '{"format": "hopquy-campaign/1", "name": "x", '"$P"', "duts": []}'
bad "a DUT file that does not load" 'duts\[0\]\|ms/nope' '{"format": "hopquy-campaign/1", "name": "x", '"$P"', "duts": [{"dut": "ms/nope.json"}]}'
check "none of the refused files left a campaign directory" [ ! -e "$T_TMP/badn" ]
echo '{"format": "hopquy-campaign/1", "name": "x", "duts": [{"dut": "ms/200/dut.json"}]}' >"$T_TMP/bad2.json"
check "a DUT without a profile is refused" not "$HOPQUY" campaign "$T_TMP/bad2.json" -o "$T_TMP/bad2" -q
check "--bench-range outside 0-255 is a usage error" sh -c \
    "'$HOPQUY' campaign '$T_TMP/c8.json' --bench-range 200-300 2>/dev/null; [ \$? -eq 64 ]"

# The campaign process under valgrind (its children are plain runs):
# a signed 2-DUT campaign with one "auto" entry, and its --resume.
if command -v valgrind >/dev/null 2>&1; then
	campaign cv 200 1 '[{"name": "auto1", "dut": "ms/201/dut.json", "bench": "auto"}]'
	VG="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9"
	$VG "$HOPQUY" campaign "$T_TMP/cv.json" -q -j 2 --bench-range 201-201 \
	    -o "$T_TMP/cv" $SIGN >"$T_TMP/cv.out" 2>"$T_TMP/cv.err"
	rc=$?
	check "valgrind: campaign clean; cam-200, pinned outside --bench-range, not run (exit $rc)" \
	    [ $rc -eq 2 ]
	check "the auto entry took the one instance of the range (201), cam-200 none" $PY -c '
import json, sys
c = json.load(open(sys.argv[1]))
b = {d["name"]: (d["runs"][0]["status"], d["runs"][0].get("bench")) for d in c["duts"]}
assert b == {"cam-200": ("not-run", None), "auto1": ("done", 201)}, b' "$T_TMP/cv/campaign.json"
	$VG "$HOPQUY" campaign --resume "$T_TMP/cv" -q --bench-range 200-201 \
	    >"$T_TMP/cvr.out" 2>"$T_TMP/cvr.err"
	rc=$?
	check "valgrind: --resume clean, everything done, INCOMPLETE (exit $rc)" [ $rc -eq 2 ]
fi

multisim_down
check "benches 200-215 are gone" test ! -e /run/netns/hq-lab-200
printf 't-campaign: '
t_done
