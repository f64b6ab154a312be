#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the shipped profiles as a whole (no bench, no root).
#  - hopquy profile check passes on all four (references and data files
#    resolved);
#  - hopquy plan of each against the simulator's DUT file lists every
#    case of the profile, each with a status and a reason (counted against
#    profile show --json), in text and JSON; the draft says it is one;
#  - profile show prints the traceability matrix (requirement -> cases ->
#    family -> params, the "use" origin) and --json holds it for every
#    group, the case counts adding up;
#  - composition refused with exit 65 naming the path: a missing target
#    profile, a missing case, a cycle, an override the family refuses.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null 2>&1 || { echo "skipped: jq missing"; exit 77; }
cd "$HQ_TOP" || exit 1
HQ_DUTSIM_LABEL1=unused-here-1 HQ_DUTSIM_LABEL2=unused-here-2
export HQ_DUTSIM_LABEL1 HQ_DUTSIM_LABEL2
DUT=fixtures/duts/dutsim.json
PROFILES="qcvn135-2024 qcvn132-2026 etsi-en-303-645 vstl-aicnc-2026-draft"

"$HOPQUY" profile check profiles/qcvn135-2024.json profiles/qcvn132-2026.json \
    profiles/etsi-en-303-645.json profiles/vstl-aicnc-2026-draft.json \
    >"$T_TMP/check.out" 2>&1
check "profile check: all four pass (exit $?)" [ $? -eq 0 ]
check "... one ok line each" [ "$(grep -c ': ok: ' "$T_TMP/check.out")" -eq 4 ]

for p in $PROFILES; do
	"$HOPQUY" profile show "$p" --json >"$T_TMP/$p.show.json"
	n=$(jq '.testcases | length' "$T_TMP/$p.show.json")
	ng=$(jq '.groups | length' "$T_TMP/$p.show.json")
	"$HOPQUY" plan -p "$p" -d "$DUT" --json >"$T_TMP/$p.plan.json" 2>"$T_TMP/$p.plan.err"
	check "$p: plan --json exit 0 (got $?)" [ $? -eq 0 ]
	m=$(jq '.plan | length' "$T_TMP/$p.plan.json")
	check "$p: the plan lists every case ($n in the profile, $m planned)" \
	    [ "$n" -gt 0 ] && [ "$n" = "$m" ]
	check "$p: the same ids, in order" sh -c "[ \"\$(jq -c '[.testcases[].id]' '$T_TMP/$p.show.json')\" = \"\$(jq -c '[.plan[].id]' '$T_TMP/$p.plan.json')\" ]"
	bad=$(jq '[.plan[] | select((.status | IN("run", "NOT_APPLICABLE", "NOT_RUN") | not) or (.reason | length) < 8)] | length' "$T_TMP/$p.plan.json")
	check "$p: each with a status and a reason ($bad without)" [ "$bad" = 0 ]
	"$HOPQUY" plan -p "$p" -d "$DUT" >"$T_TMP/$p.plan.txt" 2>&1
	t=$(grep -Ec '^(run|n/a|not run) +[a-z0-9]' "$T_TMP/$p.plan.txt")
	check "$p: the text plan too ($t lines, last: $(tail -n 1 "$T_TMP/$p.plan.txt"))" sh -c \
	    "[ $t = $n ] && tail -n 1 '$T_TMP/$p.plan.txt' | grep -q 'of $n test cases run'"
	tg=$(jq '.traceability | length' "$T_TMP/$p.show.json")
	tc=$(jq '[.traceability[].cases[]] | length' "$T_TMP/$p.show.json")
	check "$p: traceability: every group ($ng, got $tg), every case ($n, got $tc)" \
	    [ "$tg" = "$ng" ] && [ "$tc" = "$n" ]
	nof=$(jq '[.traceability[].cases[] | select((.family | length) == 0 or (.params | type) != "object")] | length' "$T_TMP/$p.show.json")
	check "$p: each case with its family and params ($nof without)" [ "$nof" = 0 ]
done
check "the simulator (an AI camera) runs QCVN 135 cases" sh -c \
    "jq -e '[.plan[] | select(.status == \"run\")] | length > 10' '$T_TMP/qcvn135-2024.plan.json' >/dev/null"
check "... and none of the CNC draft's, each saying why" sh -c \
    "jq -e 'all(.plan[]; .status == \"NOT_APPLICABLE\" and (.reason | test(\"cnc-controller\")))' '$T_TMP/vstl-aicnc-2026-draft.plan.json' >/dev/null"
check "the draft's plan says it is a draft" grep -q '^DRAFT profile' "$T_TMP/vstl-aicnc-2026-draft.plan.txt"
check "... and its JSON plan its status" sh -c \
    "jq -e '.profile_status == \"draft\"' '$T_TMP/vstl-aicnc-2026-draft.plan.json' >/dev/null"
check "... profile show its consultation" sh -c \
    "jq -e '.consultation.from == \"2026-05-22\" and .consultation.to == \"2026-06-20\"' '$T_TMP/vstl-aicnc-2026-draft.show.json' >/dev/null"
"$HOPQUY" profile show etsi-en-303-645 >"$T_TMP/etsi.txt"
check "profile show: the matrix names the reused case" \
    grep -q '^      uses qcvn135-2024/g1.1-no-default-credentials$' "$T_TMP/etsi.txt"
check "... with its requirement and clause" grep -q '^\[5.1\] clause 5.1 No universal default passwords' "$T_TMP/etsi.txt"
check "... a reused case keeps its family and params" sh -c \
    "jq -e '.traceability[] | select(.requirement == \"5.1\") | .cases[] | select(.use == \"qcvn135-2024/g1.1-no-default-credentials\") | .family == \"creds\" and .params.check == \"default-dictionary\"' '$T_TMP/etsi-en-303-645.show.json' >/dev/null"
check "QCVN 132: the security baseline is QCVN 135's cases by reference (>= 12 uses)" sh -c \
    "jq -e '[.testcases[] | select(.group == \"g2\") | .use | select(startswith(\"qcvn135-2024/\"))] | length >= 12' '$T_TMP/qcvn132-2026.show.json' >/dev/null"
check "... resolved to their families (creds, unauth, update, tls, surface)" sh -c \
    "jq -e '[.testcases[] | select(.group == \"g2\") | .family] | unique == [\"creds\", \"surface\", \"tls\", \"unauth\", \"update\"]' '$T_TMP/qcvn132-2026.show.json' >/dev/null"
check "QCVN 132: local recognition for AI cameras, offline, on the aisafety family" sh -c \
    "jq -e '.testcases[] | select(.id == \"qcvn132-2026/g1.5-local-recognition-camera\") | .family == \"aisafety\" and .params.offline == true and .classes == [\"ai-camera\"]' '$T_TMP/qcvn132-2026.show.json' >/dev/null"
check "... planned to run on the simulator (an AI camera)" sh -c \
    "jq -e '.plan[] | select(.id == \"qcvn132-2026/g1.5-local-recognition-camera\") | .status == \"run\"' '$T_TMP/qcvn132-2026.plan.json' >/dev/null"

# A profile elsewhere reusing a case with a data file: the file is the
# defining profile's, as an absolute path the family opens as is.
mkdir -p "$T_TMP/elsewhere"
cp profiles/etsi-en-303-645.json "$T_TMP/elsewhere/"
d=$("$HOPQUY" profile show "$T_TMP/elsewhere/etsi-en-303-645.json" --json |
    jq -r '.testcases[] | select(.use == "qcvn135-2024/g1.1-no-default-credentials") | .params.dictionary')
check "a reused case's dictionary, from elsewhere: $d" sh -c \
    "[ '$d' = '$(cd profiles && pwd)/data/default-credentials.txt' ] && [ -r '$d' ]"

# Composition refusals, on copies next to the shipped profiles.
cp profiles/*.json "$T_TMP/"
mkdir -p "$T_TMP/data" && cp profiles/data/* "$T_TMP/data/"
refuse() {	# refuse NAME JQ-FILTER REGEX
	jq "$2" profiles/etsi-en-303-645.json >"$T_TMP/$1.json"
	# the copy keeps its id: it is looked up by path
	HQ_PROFILE_DIR=/nonexistent "$HOPQUY" profile check "$T_TMP/$1.json" \
	    >/dev/null 2>"$T_TMP/$1.err"
	rc=$?
	check "refused: $1: exit 65 (got $rc)" [ $rc -eq 65 ]
	check "... $(head -c 220 "$T_TMP/$1.err")" grep -Eq "$3" "$T_TMP/$1.err"
}
refuse no-profile '.testcases[1].use = "qcvn999-2030/g1.1-x"' \
    'testcases\[1\]\.use: "qcvn999-2030/g1.1-x": profile qcvn999-2030 not found'
refuse no-case '.testcases[1].use = "qcvn135-2024/g1.99-none"' \
    'testcases\[1\]\.use: "qcvn135-2024/g1.99-none": no such case in profile qcvn135-2024'
refuse bad-override '.testcases[1].params = {"parallel": 0}' \
    'testcases\[1\]\.params\.parallel.*\(over qcvn135-2024/g1.1-no-default-credentials\)'
refuse family-restated '.testcases[1].family = "tls"' 'testcases\[1\]\.family: unknown key'
# a cycle: QCVN 135 (copy) reusing an ETSI case that reuses QCVN 135
jq '.testcases += [{"use": "etsi-en-303-645/5.1-1-functional-default-credentials", "id": "qcvn135-2024/g1.9-loop", "group": "g1"}]' \
    profiles/qcvn135-2024.json >"$T_TMP/qcvn135-2024.json"
HQ_PROFILE_DIR=/nonexistent "$HOPQUY" profile check "$T_TMP/etsi-en-303-645.json" \
    >/dev/null 2>"$T_TMP/cycle.err"
rc=$?
check "refused: a cycle of use: exit 65 (got $rc)" [ $rc -eq 65 ]
check "... $(head -c 220 "$T_TMP/cycle.err")" grep -q 'a cycle' "$T_TMP/cycle.err"

printf 't-profiles: '
t_done
