#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the report never claims more than was tested, and mistakes
# surface before the bench comes up.  On bench instance 100 (override:
# HQ_REPORT_COV_BENCH, 100-119) with the reference simulator:
#  - errors before the run: --only that matches nothing (64, valid ids
#    listed, no run directory), an unknown --set parameter (64, did you
#    mean), --bench out of range (64), a namespaces DUT file whose
#    bench.address is not the bench's (65 naming the field, dut check and
#    run), a malformed address (65), a profile whose dictionary cannot be
#    found (65 at profile check), instruments that cannot work (warnings
#    naming the field), not root (77);
#  - an unreachable DUT: 69 with the address and what was tried;
#  - a signed run of one QCVN 135 case (--only): INCOMPLETE, exit 2, the
#    other cases NOT_RUN in report.json, junit.xml and report.html, the
#    groups without a case NOT_COVERED; junit.xml valid against a
#    Jenkins JUnit schema; the PDF (Chromium print) carries the report id
#    and "page N of M" on every page and the overall result on page 1;
#    --json summary, results.jsonl lines with the report id, --progress
#    without a terminal; the job file's data and deviation approval in
#    the report; one edited byte of report.html fails hopquy verify
#    naming it;
#  - a FAIL: exit 1 and the final line names the failing case;
#  - a signature that cannot be made (unreachable TSA): the verdict is
#    kept, report.json names no signature file, exit 75, and hopquy
#    render --sign signs it afterwards.
. "$(dirname "$0")/lib.sh"
need_root
for t in xmllint jq; do
	command -v $t >/dev/null 2>&1 || { echo "skipped: $t missing"; exit 77; }
done
$PY -c 'import jsonschema' 2>/dev/null ||
    { echo "skipped: python3-jsonschema missing"; exit 77; }
. "$(dirname "$0")/simbench.sh"
N=${HQ_REPORT_COV_BENCH:-$(bn 100)}
PKI_LAB=$T_TMP/lab
mkdir -p "$PKI_LAB"
cp "$HQ_BUILD/fixtures/pki/lab-ec.key" "$HQ_BUILD/fixtures/pki/lab-ec.crt" \
    "$HQ_BUILD/fixtures/pki/lab-ca.crt" "$PKI_LAB/"
chmod 600 "$PKI_LAB/lab-ec.key"
SIGN="--sign $PKI_LAB/lab-ec.key --cert $PKI_LAB/lab-ec.crt"
XSD=$HQ_TOP/tests/e2e/junit-10.xsd
CASE=qcvn135-2024/g6.1-declared-services
CERT=qcvn135-2024/g5.3-tls-certificate

# 0. The JUnit schema can fail: a "skipped" attribute on testsuites.
printf '<?xml version="1.0"?>\n<testsuites skipped="1"><testsuite name="a" tests="1"><testcase name="x"/></testsuite></testsuites>\n' \
    >"$T_TMP/bad-junit.xml"
check "control: the JUnit schema refuses skipped on testsuites" \
    not xmllint --noout --schema "$XSD" "$T_TMP/bad-junit.xml" 2>/dev/null

simbench_up "$N" || { nok "bench $N with dutsim and cloudsim"; t_done; }
LAB=$SB_LAB
hq() {	# hq NAME [args]: hopquy run of the QCVN 135 profile; sets $rc
	name=$1; shift
	ip netns exec "$LAB" "$HOPQUY" run -p qcvn135-2024 -d "$SB_DUT" \
	    -o "$T_TMP/$name" "$@" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	rc=$?
}

# 1. Errors before the run.
hq only-none --only g99,qcvn135-2024/g1.1
check "--only matching nothing: exit 64 (got $rc)" [ $rc -eq 64 ]
check "... names the item and lists the valid ids (groups and cases)" sh -c \
    "grep -q -- '--only g99: matches no test case' '$T_TMP/only-none.err' &&
     grep -q '^  g1 .*group: Unique password initialisation' '$T_TMP/only-none.err' &&
     grep -q '^    $CASE\$' '$T_TMP/only-none.err'"
check "... before the bench: no run directory" [ ! -e "$T_TMP/only-none" ]
hq set-typo --only "$CASE" --set "$CASE:port=\"1-1024\""
check "unknown --set parameter: exit 64 (got $rc)" [ $rc -eq 64 ]
check "... did you mean, and the valid parameters" \
    grep -q 'no parameter "port"; did you mean "ports"? (valid: .*ports' "$T_TMP/set-typo.err"
check "... no run directory" [ ! -e "$T_TMP/set-typo" ]
hq bench-range --bench 256
check "--bench 256: exit 64 (got $rc)" [ $rc -eq 64 ]
check "... the range is the bench's, 0 to 255" grep -q 'expected 0 to 255' "$T_TMP/bench-range.err"
hq bench-other --bench 119 --only "$CASE"
check "--bench 119 with a DUT file of bench $N: exit 65 (got $rc)" [ $rc -eq 65 ]
check "... naming bench.address and the bench's DUT address" \
    grep -q "bench.address: 198.18.$N.2 is not the DUT address of bench 119 in namespaces mode (198.18.119.2)" \
    "$T_TMP/bench-other.err"
sed "s/\"address\": \"198.18.$N.2\"/\"address\": \"198.18.250.2\"/" "$SB_DUT" \
    >"$T_TMP/dut-other.json"
"$HOPQUY" dut check "$T_TMP/dut-other.json" >/dev/null 2>"$T_TMP/dc-other.err"
rc=$?
check "dut check: a namespaces address not the bench's: exit 65 (got $rc)" [ $rc -eq 65 ]
check "... naming bench.address" grep -q 'bench.address: 198.18.250.2 is not the DUT address' "$T_TMP/dc-other.err"
ip netns exec "$LAB" "$HOPQUY" run -p qcvn135-2024 -d "$T_TMP/dut-other.json" \
    -o "$T_TMP/run-other" --only "$CASE" >/dev/null 2>"$T_TMP/run-other.err"
rc=$?
check "run with that file: exit 65, nothing run (got $rc)" \
    sh -c "[ $rc -eq 65 ] && [ ! -e '$T_TMP/run-other' ] && grep -q 'bench.address' '$T_TMP/run-other.err'"
sed "s/\"address\": \"198.18.$N.2\"/\"address\": \"198.18.0.300\"/" "$SB_DUT" \
    >"$T_TMP/dut-bad.json"
"$HOPQUY" dut check "$T_TMP/dut-bad.json" >/dev/null 2>"$T_TMP/dc-bad.err"
rc=$?
check "dut check: 198.18.0.300: exit 65 (got $rc)" \
    sh -c "[ $rc -eq 65 ] && grep -q 'bench.address: \"198.18.0.300\" is not a numeric' '$T_TMP/dc-bad.err'"
: >"$T_TMP/not-a-tty"
$PY - "$SB_DUT" "$T_TMP/dut-instr.json" "$T_TMP/not-a-tty" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["alarm"]["audio"]["source"] = "alsa:hw:97,0"
d["alarm"]["light"]["source"] = "serial:%s:9600" % sys.argv[3]
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
"$HOPQUY" dut check "$T_TMP/dut-instr.json" >/dev/null 2>"$T_TMP/dc-instr.err"
rc=$?
check "dut check: instruments that cannot work: warnings, exit 0 (got $rc)" [ $rc -eq 0 ]
check "... alarm.audio.source: no such ALSA card" \
    grep -q 'warning: .*alarm.audio.source: alsa:hw:97,0: no such ALSA card' "$T_TMP/dc-instr.err"
check "... alarm.light.source: not a character device" \
    grep -q "warning: .*alarm.light.source: serial:$T_TMP/not-a-tty:9600: $T_TMP/not-a-tty is not a character device" "$T_TMP/dc-instr.err"
cp "$SB_DUT" "$T_TMP/dut-noinstr.json"
"$HOPQUY" dut check "$T_TMP/dut-noinstr.json" >/dev/null 2>"$T_TMP/dc-ok.err"
check "... and none for the simulator's file sources" not grep -q warning "$T_TMP/dc-ok.err"
$PY - "$HQ_TOP/profiles/qcvn135-2024.json" "$T_TMP/prof-dict.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
c = [t for t in p["testcases"] if t["id"].endswith("g1.1-no-default-credentials")][0]
c["params"]["dictionary"] = "data/no-such-dictionary.txt"
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
"$HOPQUY" profile check "$T_TMP/prof-dict.json" >/dev/null 2>"$T_TMP/pc.err"
rc=$?
check "profile check: a dictionary that cannot be found: exit 65 (got $rc)" [ $rc -eq 65 ]
check "... naming the case and params.dictionary" \
    grep -q 'g1.1-no-default-credentials: params.dictionary: data/no-such-dictionary.txt not found' "$T_TMP/pc.err"
"$HOPQUY" profile check "$HQ_TOP/profiles/qcvn135-2024.json" >/dev/null 2>&1
check "profile check: the shipped profile's dictionary is found" [ $? -eq 0 ]
chmod 755 "$T_TMP"
cp "$SB_DUT" "$T_TMP/dut-world.json"
chmod 644 "$T_TMP/dut-world.json"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
    "$HOPQUY" run -p "$HQ_TOP/profiles/qcvn135-2024.json" \
    -d "$T_TMP/dut-world.json" -o "$T_TMP/nobody" --only "$CASE" \
    >/dev/null 2>"$T_TMP/nobody.err"
rc=$?
check "not root: exit 77 (got $rc)" [ $rc -eq 77 ]
check "... needs root (or CAP_NET_ADMIN)" grep -q '^hopquy: needs root (or CAP_NET_ADMIN): ' "$T_TMP/nobody.err"
chmod 0711 "$T_TMP"	# as lib.sh left it: the worker reaches its run directory

# 2. An unreachable DUT: 69 before any case, saying what was tried.
simbench_stop_dut
t0=$(date +%s)
hq gone --only "$CASE"
t1=$(date +%s)
check "unreachable DUT: exit 69 (got $rc) in $((t1 - t0)) s (< 30 s)" \
    sh -c "[ $rc -eq 69 ] && [ $((t1 - t0)) -lt 30 ]"
check "... with the address and the surfaces tried" \
    grep -q "DUT 198.18.$N.2 unreachable: no declared surface answered within 10000 ms (tried tcp/443 (web), tcp/443 (app), tcp/554 (rtsp), tcp/7000 (stimulus)" \
    "$T_TMP/gone.err"
check "... no run directory" [ ! -e "$T_TMP/gone" ]
rm -f "$T_TMP/dutsim-state.json"
simbench_start_dut || nok "dutsim restarts"

# 3. One case of QCVN 135 (--only), signed, with a job file and a
# deviation the job file approves.
# The counts follow the profile as shipped: every case but $CASE is
# NOT_RUN; the statement counts the mandatory ones; groups without a case
# are NOT_COVERED.
eval "$($PY - "$HQ_TOP/profiles/qcvn135-2024.json" "$CASE" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
cs = p["testcases"]
nm = sum(1 for c in cs if c.get("mandatory", True) and c["id"] != sys.argv[2])
have = {c["group"] for c in cs}
unc = [g["id"] for g in p["groups"] if g["id"] not in have]
print("NC=%d NM=%d NU=%d UNCOV='%s'" % (len(cs), nm, len(unc), json.dumps(unc)))
PY
)"
NR=$((NC - 1))
hq one --only "$CASE" $SIGN --lab "$HQ_TOP/fixtures/lab/lab.json" \
    --job "$HQ_TOP/reports/job.example.json" --json --progress \
    --set "$CASE:ports=\"1-1024\""
R=$T_TMP/one
check "one case: exit 2, INCOMPLETE (got $rc)" [ $rc -eq 2 ]
check "--json: overall INCOMPLETE with the report id" sh -c \
    "[ \"\$(jq -r .overall '$T_TMP/one.out')\" = INCOMPLETE ] &&
     [ \"\$(jq -r .report_id '$T_TMP/one.out')\" = \"\$(jq -r .report_id '$R/report.json')\" ] &&
     [ \"\$(jq -r .not_run '$T_TMP/one.out')\" = $NR ] && [ \"\$(jq -r .exit '$T_TMP/one.out')\" = 2 ]"
check "--progress without a terminal: the case's lines on stderr" \
    grep -q "^\[ *[0-9]*/$NC\] $CASE: running" "$T_TMP/one.err"
check "results.jsonl: every line carries the report id" $PY -c '
import json,sys; rid=json.load(open(sys.argv[1]+"/report.json"))["report_id"]
lines=[json.loads(l) for l in open(sys.argv[1]+"/results.jsonl")]
assert len(lines)==int(sys.argv[2]) and all(l["report_id"]==rid for l in lines), rid
' "$R" "$NC"
check "report.json: schema-valid" $PY - "$R/report.json" "$HQ_TOP/reports/report.schema.json" <<'PY'
import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[2]))).validate(json.load(open(sys.argv[1])))
PY
check "report.json: INCOMPLETE, the case PASS, the other $NR NOT_RUN, $NU groups NOT_COVERED" $PY -c '
import json,sys; r=json.load(open(sys.argv[1])); s=r["summary"]
nr, nm, unc = int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
v={x["id"]:x["verdict"] for x in r["results"]}
assert s["verdict"]=="INCOMPLETE" and s["statement"].startswith("INCOMPLETE: %d mandatory cases not run" % nm), s
assert v[sys.argv[2]]=="PASS", v
others=[k for k in v if k!=sys.argv[2]]
assert len(others)==nr and all(v[k]=="NOT_RUN" for k in others), v
assert s["not_run"]==nr and s["not_applicable"]==0 and s["groups_not_covered"]==len(unc), s
cov={g["id"]:g["status"] for g in r["coverage"]}
assert len(cov)==11 and [k for k in cov if cov[k]=="NOT_COVERED"]==unc, cov
assert cov["g6"]=="PASS" and cov["g1"]=="NOT_RUN", cov
' "$R/report.json" "$CASE" "$NR" "$NM" "$UNCOV"
check "report.json: job data and the deviation approved in the job file" $PY -c '
import json,sys; r=json.load(open(sys.argv[1]))
assert r["item"]["received"]=="2026-01-05" and r["job"]["reference"]=="JOB-2026-0042"
assert any(i["role"]=="job" for i in r["inputs"])
d=r["deviations"][0]; assert d["param"]=="ports" and d["approved_by"].startswith("Nguyen Van A"), d
' "$R/report.json"
check "junit.xml: valid against the Jenkins JUnit schema" \
    xmllint --noout --schema "$XSD" "$R/junit.xml"
check "junit.xml: $NR skipped NOT_RUN, no skipped on testsuites" sh -c \
    "[ \$(grep -c '<skipped message=\"NOT_RUN: ' '$R/junit.xml') -eq $NR ] &&
     ! grep -q '<testsuites[^>]*skipped=' '$R/junit.xml'"
check "report.html: INCOMPLETE overall, $NR NOT_RUN cases, $NU groups not covered" sh -c \
    "grep -q 'Overall: <span class=\"v v5\">INCOMPLETE</span>' '$R/report.html' &&
     [ \$(grep -o '<h3>6\.[0-9]* [^<]* <span class=\"v v4\">NOT_RUN</span>' '$R/report.html' | wc -l) -eq $NR ] &&
     [ \$(grep -o '<span class=\"muted\">not covered by this profile version' '$R/report.html' | wc -l) -eq $NU ]"
check "report.html: the decision rule applied is stated" \
    grep -q 'Decision rule applied:</b> ISO/IEC 17025 7.8.6 decision rule &quot;simple&quot;' "$R/report.html"
"$HOPQUY" verify "$R" --ca "$PKI_LAB/lab-ca.crt" >"$T_TMP/v-one.out" 2>&1
check "hopquy verify: exit 0, outputs.json covers the renderings" sh -c \
    "[ $? -eq 0 ] && grep -q '^outputs.json: signature OK; 4 of 4' '$T_TMP/v-one.out'"
cp -a "$R" "$T_TMP/edited"
$PY -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read())
i=b.index(b"INCOMPLETE"); b[i]=ord("X"); open(p,"wb").write(b)' "$T_TMP/edited/report.html"
"$HOPQUY" verify "$T_TMP/edited" --ca "$PKI_LAB/lab-ca.crt" >"$T_TMP/v-ed.out" 2>&1
rc=$?
check "one edited byte of report.html: verify exit 1 (got $rc) naming it" sh -c \
    "[ $rc -eq 1 ] && grep -q '^report.html: FAILED: SHA-256 mismatch' '$T_TMP/v-ed.out'"

CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -n "$CHROMIUM" ] && command -v pdftotext >/dev/null 2>&1; then
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --no-first-run --disable-background-networking --disable-sync \
	    --disable-extensions --user-data-dir="$T_TMP/chr" \
	    --print-to-pdf="$T_TMP/one.pdf" "file://$R/report.html" \
	    >"$T_TMP/chr.log" 2>&1
	pdftotext -layout "$T_TMP/one.pdf" "$T_TMP/one.txt"
	check "report PDF: every page has the report id and page N of M; page 1 the overall result" \
	    $PY - "$T_TMP/one.txt" "$R/report.json" "$NM" <<'PY'
import json, re, sys
rid = json.load(open(sys.argv[2]))["report_id"]
pages = [p for p in open(sys.argv[1]).read().split("\f") if p.strip()]
m = len(pages)
assert m >= 3, m
for i, p in enumerate(pages, 1):
    assert rid in p, (i, "report id")
    assert re.search(r"page %d of %d\b" % (i, m), p), (i, m)
    assert "Issued 20" in p, (i, "issue date")
assert "Overall result" in pages[0] and "INCOMPLETE: %s mandatory cases not run" % sys.argv[3] in pages[0]
PY
else
	echo "skipped: the PDF check (chromium or pdftotext missing)"
fi

# 4. A FAIL: exit 1 and the last line names the failing case.
simbench_stop_dut
rm -f "$T_TMP/dutsim-state.json"
simbench_start_dut --fault cert-sha1 || nok "dutsim restarts with cert-sha1"
hq fail --only "$CERT"
check "cert-sha1: exit 1 (got $rc)" [ $rc -eq 1 ]
check "... the final line names the failing case" \
    [ "$(tail -n 1 "$T_TMP/fail.out")" = "failing: $CERT" ]
simbench_stop_dut
rm -f "$T_TMP/dutsim-state.json"
simbench_start_dut || nok "dutsim restarts"

# 5. A signature that cannot be made: the run and its verdict stand.
hq nosig --only "$CASE" $SIGN --tsa "http://198.18.$N.1:9/"
R=$T_TMP/nosig
check "TSA unreachable: exit 75, the documented status (got $rc)" [ $rc -eq 75 ]
check "... the verdict is still printed" grep -q "^INCOMPLETE: $NM mandatory cases not run" "$T_TMP/nosig.out"
check "... the message says how to sign afterwards" \
    grep -q "Sign it afterwards with: hopquy render $R --sign KEY --cert CERT --tsa URL" "$T_TMP/nosig.err"
check "... report.json names no signature, and none was written" sh -c \
    "[ \"\$(jq -c .authorisation.signature '$R/report.json')\" = null ] &&
     [ ! -e '$R/report.json.p7s' ] && [ ! -e '$R/attestation.json' ] &&
     [ ! -e '$R/outputs.json.p7s' ] && [ -s '$R/report.html' ] && [ -s '$R/junit.xml' ]"
check "... report.html says unsigned" grep -q '<th>Signature</th><td>unsigned</td>' "$R/report.html"
"$HOPQUY" render "$R" $SIGN >/dev/null 2>&1
check "hopquy render --sign afterwards: exit 0" [ $? -eq 0 ]
"$HOPQUY" verify "$R" --ca "$PKI_LAB/lab-ca.crt" >"$T_TMP/v-late.out" 2>&1
check "... and the report verifies" [ $? -eq 0 ]
check "... report.json now names its signature" \
    [ "$(jq -r .authorisation.signature.file "$R/report.json")" = report.json.p7s ]

t_done
