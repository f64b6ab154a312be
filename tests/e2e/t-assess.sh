#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: documentary (operator-assessed) cases, on bench instance 102
# (override: HQ_ASSESS_BENCH, 100-119), with the QCVN 135 profile's group
# g4 (two documentary cases):
#  - hopquy assess template lists every documentary case with its
#    question, verdict PENDING, and never overwrites a file;
#  - without an assessment, and with the template unfilled, each case is
#    INCONCLUSIVE "awaiting assessment", never PASS;
#  - filled in (PASS with a document, FAIL with one): the verdicts are the
#    engineer's, with assessor and date; each document is in the evidence
#    manifest with its SHA-256, the assessment file among the run's data;
#    hopquy verify checks them, and names an attached copy edited after;
#  - the loader is strict (exit 65 naming the path): a PASS without a
#    document, an unknown key, a case that is not documentary, another
#    unit's serial, a document missing or differing from its declared
#    hash, a bad date;
#  - a draft profile (VSTL) says so in report.json and report.html, and a
#    documentary case it reuses by "use" is assessed under its own id.
. "$(dirname "$0")/lib.sh"
need_root
command -v jq >/dev/null 2>&1 || { echo "skipped: jq missing"; exit 77; }
N=${HQ_ASSESS_BENCH:-$(bn 102)}
LAB=hq-lab-$N
HQ_DUTSIM_LABEL1=unused-here-1 HQ_DUTSIM_LABEL2=unused-here-2
export HQ_DUTSIM_LABEL1 HQ_DUTSIM_LABEL2
trap '"$HOPQUY" bench down --bench "$N" >/dev/null 2>&1; t_cleanup' EXIT
C1=qcvn135-2024/g4.1-ssp-stored-securely
C2=qcvn135-2024/g4.2-no-hard-coded-ssp

ln -sfn "$HQ_BUILD/fixtures/pki" "$T_TMP/pki"
sed -e "s/198\.18\.0\./198.18.$N./g" -e "s/198\.19\.0\./198.19.$N./g" \
    -e "s/\"instance\": 0/\"instance\": $N/" \
    "$HQ_TOP/fixtures/duts/dutsim.json" >"$T_TMP/dut.json"
DUT=$T_TMP/dut.json

# 1. The template.
ndoc=$("$HOPQUY" profile show qcvn135-2024 --json |
    jq '[.testcases[] | select(.family == "assessment")] | length')
"$HOPQUY" assess template -p qcvn135-2024 -d "$DUT" -o "$T_TMP/a.json" \
    2>"$T_TMP/tpl.err"
check "assess template: exit 0" [ $? -eq 0 ]
got=$(jq '.cases | length' "$T_TMP/a.json")
check "... every documentary case of the profile ($ndoc, got $got)" \
    [ "$ndoc" -ge 2 ] && [ "$got" = "$ndoc" ]
check "... each with its question and verdict PENDING" sh -c \
    "jq -e '[.cases[] | select((.question | length) > 10 and .verdict == \"PENDING\")] | length == $ndoc' '$T_TMP/a.json' >/dev/null"
check "... the DUT's serial and the profile filled in" sh -c \
    "jq -e '.dut.serial == \"HQ0000000001\" and .profile == \"qcvn135-2024\"' '$T_TMP/a.json' >/dev/null"
"$HOPQUY" assess template -p qcvn135-2024 -d "$DUT" -o "$T_TMP/a.json" \
    2>/dev/null
check "... refuses to overwrite a file (exit $?)" [ $? -ne 0 ]
schema() {	# schema SCHEMA FILE: valid against the JSON Schema
	$PY -c 'import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' "$@"
}
if $PY -c 'import jsonschema' 2>/dev/null; then
	check "... valid against reports/assess.schema.json" \
	    schema "$HQ_TOP/reports/assess.schema.json" "$T_TMP/a.json"
	jq '.cases[0].verdict = "PASS" | .cases[0].rationale = "r" | .cases[0].assessor = "a" | .cases[0].date = "2026-11-30"' \
	    "$T_TMP/a.json" >"$T_TMP/schema-nodoc.json"
	check "... the schema refuses a PASS without a document too" \
	    not schema "$HQ_TOP/reports/assess.schema.json" "$T_TMP/schema-nodoc.json" 2>/dev/null
fi
check "... the file is unchanged" [ "$(jq '.cases | length' "$T_TMP/a.json")" = "$ndoc" ]

"$HOPQUY" bench down --bench "$N" >/dev/null 2>&1
"$HOPQUY" bench up --bench "$N" >"$T_TMP/bench-up.log" 2>&1 ||
    { cat "$T_TMP/bench-up.log"; nok "bench $N up"; t_done; }

run() {	# run NAME [args]: g4 only; sets $rc
	name=$1; shift
	ip netns exec "$LAB" "$HOPQUY" run -p qcvn135-2024 -d "$DUT" \
	    -o "$T_TMP/$name" --only g4 --no-reach-check --no-capture -q "$@" \
	    >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
	rc=$?
}
verdict() { jq -r --arg c "$2" '.results[] | select(.id == $c) |
    .verdict + ": " + .rationale' "$T_TMP/$1/report.json" 2>/dev/null; }

# 2. No assessment; the template as written.
run none
check "no --assess: exit 2 (got $rc)" [ $rc -eq 2 ]
for c in $C1 $C2; do
	v=$(verdict none $c)
	check "... $c INCONCLUSIVE awaiting assessment" sh -c \
	    'printf "%s" "$1" | grep -q "^INCONCLUSIVE: awaiting assessment: "' _ "$v"
done
run pending --assess "$T_TMP/a.json"
check "the unfilled template: exit 2 (got $rc)" [ $rc -eq 2 ]
check "... $C1 still awaiting assessment" sh -c \
    "verdict() { :; }; jq -e '.results[] | select(.id == \"$C1\") | .verdict == \"INCONCLUSIVE\" and (.rationale | startswith(\"awaiting assessment\"))' '$T_TMP/pending/report.json' >/dev/null"

# 3. Filled in.
mkdir -p "$T_TMP/docs"
printf 'Design: passwords stored as scrypt hashes; keys in the SoC secure element.\n' \
    >"$T_TMP/docs/storage-design.txt"
printf 'Firmware 2.4.1 analysis: a shared AES key found in /usr/lib/libcloud.so.\n' \
    >"$T_TMP/docs/fw-analysis.txt"
SHA1=$(sha256sum "$T_TMP/docs/storage-design.txt" | cut -d' ' -f1)
fill() {	# fill OUT JQ-FILTER: the template with g4 filled, then FILTER
	jq --arg c1 $C1 --arg c2 $C2 --arg s1 "$SHA1" '
	    .cases |= map(
	      if .id == $c1 then .verdict = "PASS" | .rationale = "design and key storage reviewed" |
	        .assessor = "N. Engineer" | .date = "2026-11-30" |
	        .documents = [{path: "docs/storage-design.txt", sha256: $s1, title: "security design"}]
	      elif .id == $c2 then .verdict = "FAIL" | .rationale = "a shared key is hard-coded" |
	        .assessor = "N. Engineer" | .date = "2026-11-30" |
	        .documents = [{path: "docs/fw-analysis.txt"}]
	      else . end) | '"$2" "$T_TMP/a.json" >"$T_TMP/$1"
}
fill filled.json .
mkdir -p "$T_TMP/lab"
cp "$HQ_BUILD/fixtures/pki/lab-ec.key" "$HQ_BUILD/fixtures/pki/lab-ec.crt" \
    "$HQ_BUILD/fixtures/pki/lab-ca.crt" "$T_TMP/lab/"
chmod 600 "$T_TMP/lab/lab-ec.key"
run filled --assess "$T_TMP/filled.json" --sign "$T_TMP/lab/lab-ec.key" \
    --cert "$T_TMP/lab/lab-ec.crt"
check "filled in: a FAIL exits 1 (got $rc)" [ $rc -eq 1 ]
v=$(verdict filled $C1)
check "... $C1 is the engineer's PASS ($v)" sh -c \
    "printf '%s' '$v' | grep -q '^PASS: assessed by N. Engineer on 2026-11-30: design and key storage reviewed'"
v=$(verdict filled $C2)
check "... $C2 is the engineer's FAIL ($v)" sh -c \
    "printf '%s' '$v' | grep -q '^FAIL: assessed by N. Engineer on 2026-11-30: a shared key is hard-coded'"
R=$T_TMP/filled/report.json
DOC="assessment/qcvn135-2024_g4.1-ssp-stored-securely/storage-design.txt"
check "... the document is in the manifest with its SHA-256" sh -c \
    "jq -e --arg p '$DOC' --arg s '$SHA1' '.evidence[] | select(.path == \$p and .sha256 == \$s)' '$R' >/dev/null"
check "... the copy in the run is the document" cmp -s "$T_TMP/docs/storage-design.txt" "$T_TMP/filled/$DOC"
check "... the case names it as its evidence" sh -c \
    "jq -e --arg c $C1 --arg p '$DOC' '.results[] | select(.id == \$c) | .evidence | index(\$p) != null' '$R' >/dev/null"
if $PY -c 'import jsonschema' 2>/dev/null; then
	check "... the filled file is valid against the schema" \
	    schema "$HQ_TOP/reports/assess.schema.json" "$T_TMP/filled.json"
	check "... report.json is valid against reports/report.schema.json" \
	    schema "$HQ_TOP/reports/report.schema.json" "$R"
fi
ASHA=$(sha256sum "$T_TMP/filled.json" | cut -d' ' -f1)
check "... the assessment file and its SHA-256 among the run's data" sh -c \
    "jq -e --arg s '$ASHA' '.run.assessment.sha256 == \$s' '$R' >/dev/null"
"$HOPQUY" verify "$T_TMP/filled" --ca "$T_TMP/lab/lab-ca.crt" \
    >"$T_TMP/verify-ok.out" 2>&1
check "hopquy verify: the signed run with its document checks (exit $?)" [ $? -eq 0 ]
check "... every evidence file matches the manifest" \
    grep -Eq 'evidence: ([0-9]+) of \1 files match the manifest' "$T_TMP/verify-ok.out"
printf 'edited\n' >>"$T_TMP/filled/$DOC"
"$HOPQUY" verify "$T_TMP/filled" --ca "$T_TMP/lab/lab-ca.crt" \
    >"$T_TMP/verify-bad.out" 2>&1
check "... an edited attached document fails verify (exit $?)" [ $? -ne 0 ]
check "... naming it" grep -q "$DOC: FAILED" "$T_TMP/verify-bad.out"

# 4. A draft profile says so in its report; a documentary case it
# reuses by "use" is assessed under its own id.
jq '.identity.class = "cnc-controller"' "$DUT" >"$T_TMP/cnc.json"
V=vstl-aicnc-2026-draft/cr4.3-2-key-storage
"$HOPQUY" assess template -p vstl-aicnc-2026-draft -d "$T_TMP/cnc.json" \
    -o "$T_TMP/vstl.json" 2>/dev/null
jq --arg v $V '.cases |= map(if .id == $v then .verdict = "FAIL" |
    .rationale = "keys in plain flash" | .assessor = "N. Engineer" |
    .date = "2026-12-01" | .documents = [{path: "docs/fw-analysis.txt"}]
    else . end)' "$T_TMP/vstl.json" >"$T_TMP/vstl-filled.json"
ip netns exec "$LAB" "$HOPQUY" run -p vstl-aicnc-2026-draft -d "$T_TMP/cnc.json" \
    -o "$T_TMP/vstl" --only cr4.3,cr1.1-1-doc-identification --no-reach-check \
    --no-capture -q --assess "$T_TMP/vstl-filled.json" >"$T_TMP/vstl.out" 2>&1
rc=$?
R=$T_TMP/vstl/report.json
check "draft profile run: exit 1 (the FAIL; got $rc)" [ $rc -eq 1 ]
check "... report.json: status draft and the notice" sh -c \
    "jq -e '.profile.status == \"draft\" and (.run.profile_notice | test(\"draft\"))' '$R' >/dev/null"
check "... report.html: the profile status" grep -q 'Profile status.*draft' "$T_TMP/vstl/report.html"
check "... the reused documentary case carries its assessment" sh -c \
    "jq -e --arg v $V '.results[] | select(.id == \$v) | .verdict == \"FAIL\" and (.rationale | test(\"keys in plain flash\"))' '$R' >/dev/null"
check "... the unassessed one is awaiting assessment" sh -c \
    "jq -e '.results[] | select(.id == \"vstl-aicnc-2026-draft/cr1.1-1-doc-identification\") | .verdict == \"INCONCLUSIVE\" and (.rationale | startswith(\"awaiting assessment\"))' '$R' >/dev/null"

# 5. The strict loader: exit 65 naming the file and path, no run.
bad() {	# bad NAME FILTER REGEX
	fill "$1.json" "$2"
	run "$1" --assess "$T_TMP/$1.json"
	check "refused: $1: exit 65 (got $rc)" [ $rc -eq 65 ]
	check "... names it ($(head -c 200 "$T_TMP/$1.err"))" grep -Eq "$3" "$T_TMP/$1.err"
	check "... no run directory" [ ! -e "$T_TMP/$1" ]
}
bad pass-nodoc '(.cases[] | select(.id == "'$C1'") | .documents) = []' \
    'cases\[[0-9]+\]\.documents: a PASS needs at least one attached document'
bad unknown-key '.cases[0].score = 5' 'cases\[0\]: unknown key|score'
bad not-documentary '.cases += [{id: "qcvn135-2024/g1.1-no-default-credentials", verdict: "PASS"}]' \
    'is a creds case: its verdict comes from its run'
bad other-unit '.dut.serial = "HQ0000000002"' \
    "dut.serial: \"HQ0000000002\", the DUT's serial is HQ0000000001"
bad doc-missing '(.cases[] | select(.id == "'$C2'") | .documents) = [{path: "docs/nope.pdf"}]' \
    'cases\[[0-9]+\]\.documents\[0\]\.path: docs/nope.pdf: cannot read it'
bad doc-hash '(.cases[] | select(.id == "'$C2'") | .documents) = [{path: "docs/fw-analysis.txt", sha256: "'"$SHA1"'"}]' \
    'documents\[0\]\.sha256: docs/fw-analysis.txt has SHA-256 [0-9a-f]{16}\.\.\., not the [0-9a-f]{16}\.\.\. declared'
bad bad-date '(.cases[] | select(.id == "'$C2'") | .date) = "30/11/2026"' \
    'date: expected YYYY-MM-DD'
bad twice '.cases += [.cases[] | select(.id == "'$C2'")]' 'is assessed twice'

printf 't-assess: '
t_done
