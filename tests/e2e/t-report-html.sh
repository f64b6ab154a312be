#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: hopquy render on a report.json with every verdict, a case
# timeline (network state, stimuli, alarm onsets, traffic per second) and
# hostile DUT strings; report.html is then loaded in headless Chromium,
# screenshot to PNG and printed to PDF, with no console message at all.
# Control first: a page with a script error must show up in the console
# log, else a clean log proves nothing.
. "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser)
[ -n "$CHROMIUM" ] || { echo "skipped: chromium missing"; exit 77; }
$PY -c 'import jsonschema' 2>/dev/null ||
    { echo "skipped: python3-jsonschema missing"; exit 77; }

chrome() {	# chrome URL OUTOPTION LOG: headless, no network of its own
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync --disable-extensions \
	    --user-data-dir="$(mktemp -d "$T_TMP/chr.XXXXXX")" \
	    --enable-logging=stderr --v=0 --log-level=0 \
	    --window-size=1100,3000 "$2" "$1" >"$3" 2>&1
}
console() {	# console LOG: console lines, if any
	grep -E 'CONSOLE|Refused to|Uncaught' "$1"
}

# Control: a script error is seen.
printf '<!DOCTYPE html><html><body>x<script>undefined_fn()</script></body></html>\n' \
    >"$T_TMP/bad.html"
chrome "file://$T_TMP/bad.html" --screenshot="$T_TMP/bad.png" "$T_TMP/bad.log"
check "control: a page's script error appears in the console log" \
    console "$T_TMP/bad.log"

R=$T_TMP/run
mkdir -p "$R/e"
printf 'GET / HTTP/1.0\r\n\r\n<script>alert(1)</script>\n' >"$R/e/t.txt"
SHA=$(sha256sum "$R/e/t.txt" | cut -d' ' -f1)
SIZE=$(wc -c <"$R/e/t.txt")
Z=0000000000000000000000000000000000000000000000000000000000000000
cat >"$R/report.json" <<JSON
{
  "format": "hopquy-report/1",
  "title": "Test report: QCVN 135:2024/BTTTT - M <img src=x onerror=alert(1)>",
  "report_id": "HQ-20260105-101500-0a1b2c3d",
  "issued": "2026-01-05T10:16:30.000Z",
  "complete": true,
  "tool": { "name": "hopquy", "version": "0.1.0", "build_id": "e2e" },
  "profile": { "id": "qcvn135-2024", "title": "IP cameras", "regulation": "QCVN 135:2024/BTTTT",
               "issuer": "MIC", "version": "0.1.0", "status": "in-force", "sha256": "$Z" },
  "dut": { "manufacturer": "M \"&'<>", "model": "</td></table><script>alert(2)</script>",
           "serial": "S\u0001\u001b[31m", "firmware": "1.0", "class": "ip-camera",
           "address": "198.18.0.2", "description_file": "d.json", "description_sha256": "$Z" },
  "inputs": [ { "role": "profile", "path": "p.json", "sha256": "$Z" },
              { "role": "dut", "path": "d.json", "sha256": "$Z" } ],
  "run": { "started": "2026-01-05T10:15:00.000Z", "ended": "2026-01-05T10:16:30.000Z",
           "environment": { "host": "h", "bench_mode": "namespaces" }, "rundir": "r" },
  "statement": "The results relate only to the item tested.",
  "summary": { "verdict": "FAIL", "statement": "FAIL: 1 case did not conform to QCVN 135:2024/BTTTT",
               "pass": 1, "fail": 1, "inconclusive": 1, "not_applicable": 1, "not_run": 1,
               "mandatory_not_run": 1, "groups_not_covered": 1,
               "decision_rule": "simple acceptance", "decision_rule_id": "simple" },
  "coverage": [
    { "id": "g1", "title": "Unique password initialisation", "clause": "2.1", "mandatory": true,
      "status": "FAIL", "cases": [ "qcvn135-2024/g1.1-no-default", "qcvn135-2024/g1.2-not-run" ] },
    { "id": "g2", "title": "Vulnerability <management>", "mandatory": true, "status": "INCONCLUSIVE",
      "cases": [ "qcvn135-2024/g2.1-tls" ] },
    { "id": "g3", "title": "Update management", "mandatory": true, "status": "NOT_COVERED",
      "note": "not covered by this profile version", "cases": [] },
    { "id": "g4", "title": "Operation without the cloud", "mandatory": true, "status": "PASS",
      "cases": [ "qcvn135-2024/g4.1-netcut-alarm" ] },
    { "id": "g5", "title": "Update", "mandatory": false, "status": "NOT_APPLICABLE",
      "cases": [ "qcvn135-2024/g5.1-update" ] } ],
  "results": [
    { "id": "qcvn135-2024/g4.1-netcut-alarm", "title": "Local alarm with the uplink cut", "group": "g4",
      "group_title": "Operation without the cloud", "family": "netcut", "mandatory": true,
      "method": "cut the uplink, show a person, listen", "params": { "latency_s": 10 },
      "started": "2026-01-05T10:15:00.000Z", "ended": "2026-01-05T10:15:40.000Z", "duration_ms": 40000,
      "steps": [ { "t_ms": 100, "time": "2026-01-05T10:15:00.100Z", "text": "cut WAN" },
                 { "t_ms": 12000, "time": "2026-01-05T10:15:12.000Z", "text": "stimulus <person>" },
                 { "t_ms": 30000, "time": "2026-01-05T10:15:30.000Z", "text": "restore WAN" } ],
      "measurements": [ { "name": "alarm_latency", "value": 3.2, "unit": "s",
                          "limit": { "op": "<=", "value": 10 }, "decision": "conforms", "uncertainty": 0.02 } ],
      "evidence": [ "e/t.txt" ], "findings": [],
      "details": { "timeline": {
        "network": [ { "t_ms": 0, "state": "up" }, { "t_ms": 100, "state": "cut" },
                     { "t_ms": 30000, "state": "restored" } ],
        "stimuli": [ { "t_ms": 12000, "label": "person <walks in>" } ],
        "alarms": [ { "t_ms": 15200, "label": "siren" } ],
        "traffic": { "t_ms": 0, "bytes_per_s": [ 900, 1200, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5000, 8000, 300 ] } } },
      "verdict": "PASS", "rationale": "alarm after 3.2 s, limit 10 s", "deviations": [] },
    { "id": "qcvn135-2024/g1.1-no-default", "title": "No universal default password", "group": "g1",
      "family": "creds", "mandatory": true, "method": "m", "params": {},
      "started": "2026-01-05T10:15:40.000Z", "ended": "2026-01-05T10:16:00.000Z", "duration_ms": 20000,
      "steps": [ { "t_ms": 40100, "time": "2026-01-05T10:15:40.100Z", "text": "login admin/*** accepted" } ],
      "measurements": [], "evidence": [], "findings": [ "accepted admin with a dictionary password <b>" ],
      "details": {}, "verdict": "FAIL", "rationale": "universal default accepted", "deviations": [] },
    { "id": "qcvn135-2024/g2.1-tls", "title": "TLS", "group": "g2", "family": "tls", "mandatory": true,
      "method": "m", "params": {}, "started": "2026-01-05T10:16:00.000Z", "ended": "2026-01-05T10:16:30.000Z",
      "duration_ms": 30000, "steps": [], "measurements": [], "evidence": [], "findings": [], "details": {},
      "verdict": "INCONCLUSIVE", "rationale": "error: control handshake failed", "deviations": [] },
    { "id": "qcvn135-2024/g5.1-update", "title": "Update", "group": "g5", "family": "update", "mandatory": false,
      "method": "m", "params": {}, "started": "2026-01-05T10:16:30.000Z", "ended": "2026-01-05T10:16:30.000Z",
      "duration_ms": 0, "steps": [], "measurements": [], "evidence": [], "findings": [], "details": {},
      "verdict": "NOT_APPLICABLE", "rationale": "claimed not applicable", "deviations": [] },
    { "id": "qcvn135-2024/g1.2-not-run", "title": "Factory passwords", "group": "g1", "family": "creds",
      "mandatory": true, "method": "m", "params": { "min_units": 2, "classes": ["upper", "digit"] },
      "started": "2026-01-05T10:16:30.000Z", "ended": "2026-01-05T10:16:30.000Z",
      "duration_ms": 0, "steps": [], "measurements": [], "evidence": [], "findings": [], "details": {},
      "verdict": "NOT_RUN", "rationale": "not selected for this run (--only g4)", "deviations": [] }
  ],
  "deviations": [ { "case": "qcvn135-2024/g4.1-netcut-alarm", "param": "latency_s", "profile_value": "5",
                    "run_value": "10", "reason": "overridden for this run with --set",
                    "justification": "customer's <alarm> spec", "approved_by": "Nguyen Van A" } ],
  "evidence": [ { "path": "e/t.txt", "kind": "transcript", "size": $SIZE, "sha256": "$SHA" } ],
  "authorisation": { "name": "not stated", "signature": null }
}
JSON
check "the hand-made report.json is schema-valid" $PY - "$R/report.json" \
    "$HQ_TOP/reports/report.schema.json" <<'PY'
import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[2]))).validate(json.load(open(sys.argv[1])))
PY
"$HOPQUY" render "$R" >"$T_TMP/render.out" 2>&1
rc=$?
check "hopquy render: exit 0 (got $rc)" [ $rc -eq 0 ]
check "render wrote report.html and junit.xml, and no signature" \
    sh -c "[ -s '$R/report.html' ] && [ -s '$R/junit.xml' ] && [ ! -e '$R/report.json.p7s' ]"
check "report.html: hostile strings are escaped" \
    sh -c "! grep -q '<script\|<img' '$R/report.html' && grep -q '&lt;script&gt;alert(2)' '$R/report.html'"
check "report.html: one file, nothing to fetch (no src/href attribute, no URL but the SVG namespace)" \
    sh -c "! grep -Eq '<[a-zA-Z][^>]* (src|href)=' '$R/report.html' && [ \$(grep -o 'https\?://[^\"]*' '$R/report.html' | grep -vc '^http://www.w3.org/2000/svg\$') -eq 0 ]"
check "report.html: summary by group, run and case timelines, evidence hash" \
    sh -c "grep -q 'Requirement group' '$R/report.html' && grep -q 'run timeline' '$R/report.html' && grep -q 'case timeline' '$R/report.html' && grep -q '$SHA' '$R/report.html'"

chrome "file://$R/report.html" --screenshot="$T_TMP/report.png" "$T_TMP/shot.log"
check "chromium renders report.html to PNG" \
    sh -c "[ -s '$T_TMP/report.png' ] && [ \"\$(head -c 4 '$T_TMP/report.png' | od -An -c | tr -d ' ')\" = '211PNG' ]"
check "no console message while rendering" not console "$T_TMP/shot.log"
chrome "file://$R/report.html" --print-to-pdf="$T_TMP/report.pdf" "$T_TMP/pdf.log"
check "chromium prints report.html to PDF" \
    sh -c "[ \"\$(head -c 4 '$T_TMP/report.pdf')\" = '%PDF' ]"
check "no console message while printing" not console "$T_TMP/pdf.log"

# ISO/IEC 17025 7.8.2.1: every printed page carries the report id, "page N
# of M" and the issue date; page 1 has the overall result.
if command -v pdftotext >/dev/null 2>&1; then
	pdftotext -layout "$T_TMP/report.pdf" "$T_TMP/report.txt"
	check "report.pdf: every page has the report id, page N of M and the issue date" $PY - "$T_TMP/report.txt" <<'PY'
import re, sys
pages = open(sys.argv[1]).read().split("\f")
pages = [p for p in pages if p.strip()]
m = len(pages)
assert m >= 2, m
for i, p in enumerate(pages, 1):
    assert "HQ-20260105-101500-0a1b2c3d" in p, i
    assert re.search(r"page %d of %d\b" % (i, m), p), (i, m)
    assert "Issued 2026-01-05" in p, i
assert "Overall result" in pages[0] and "FAIL: 1 case did not conform" in pages[0]
PY
else
	echo "skipped: pdftotext missing (poppler-utils)"
fi
check "report.html: every requirement group, NOT_COVERED and NOT_RUN shown" \
    sh -c "grep -q 'not covered by this profile version' '$R/report.html' && grep -q '>NOT_RUN<' '$R/report.html' && grep -q 'Vulnerability &lt;management&gt;' '$R/report.html'"
check "report.html: deviations as a table with justification and approver" \
    sh -c "grep -q '<th>Justification</th><th>Approved by</th>' '$R/report.html' && grep -q 'customer&#39;s &lt;alarm&gt; spec' '$R/report.html' && grep -q 'Nguyen Van A' '$R/report.html'"
check "report.html: parameters as a table" \
    grep -q '<th>Parameter</th><th>Value</th>' "$R/report.html"
check "report.html: measurements with a surface column" \
    grep -q '<th>Surface</th><th>Measurement</th>' "$R/report.html"
check "junit.xml: NOT_RUN is skipped with its status, no skipped on testsuites" \
    sh -c "grep -q '<skipped message=\"NOT_RUN: not selected' '$R/junit.xml' && ! grep -q '<testsuites[^>]*skipped=' '$R/junit.xml'"
if command -v xmllint >/dev/null 2>&1; then
	check "junit.xml is valid against the Jenkins JUnit schema (tests/e2e/junit-10.xsd)" \
	    xmllint --noout --schema "$HQ_TOP/tests/e2e/junit-10.xsd" "$R/junit.xml"
fi

t_done
