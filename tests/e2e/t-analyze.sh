#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# hopquy analyze on a generated capture (bench/gen-creds-pcap.py, 3 MB):
# exactly the planted credentials (HTTP Basic, MQTT CONNECT with a
# password, telnet logins) are reported, by flow, never the secrets; exit 1
# with findings, 0 without (another DUT address), 65 for a file that is
# not pcapng, 64 without --dut.  No network, no bench instance.
. "$(dirname "$0")/lib.sh"
CAP=$T_TMP/c.pcapng
$PY "$HQ_TOP/bench/gen-creds-pcap.py" "$CAP" 3 5 | sort >"$T_TMP/planted"
"$HOPQUY" analyze "$CAP" --dut 198.18.195.2 --json >"$T_TMP/out.json"
rc=$?
check "findings: exit 1 (rc $rc)" [ $rc -eq 1 ]
$PY - "$T_TMP/out.json" <<'PYEOF' | sort >"$T_TMP/found"
import json, sys
j = json.load(open(sys.argv[1]))
kinds = {"HTTP Authorization header": "http",
         "MQTT CONNECT with a password": "mqtt", "telnet login": "telnet"}
flows = {f["id"]: f for f in j["flows"]}
for x in j["findings"]:
    print(kinds.get(x["kind"], x["kind"]),
          flows[x["flow"]]["dut"].rsplit(":", 1)[1])
PYEOF
check "15 credentials planted" [ "$(grep -c . "$T_TMP/planted")" -eq 15 ]
check "the planted credentials and nothing else are found" \
    cmp -s "$T_TMP/planted" "$T_TMP/found"
check "no secret in the output" not grep -qE \
    'YWRtaW46Y2FtZXJhMTIz|s3cret-mqtt|hunter22' "$T_TMP/out.json"
"$HOPQUY" analyze "$CAP" --dut 198.18.195.2 >"$T_TMP/out.txt"
check "text output: one line a finding" \
    [ "$(grep -c '^finding: frame ' "$T_TMP/out.txt")" -eq 15 ]
"$HOPQUY" analyze "$CAP" --dut 198.18.195.99 >/dev/null
rc=$?
check "another DUT: no finding, exit 0 (rc $rc)" [ $rc -eq 0 ]
echo "not a capture" >"$T_TMP/bad"
"$HOPQUY" analyze "$T_TMP/bad" --dut 198.18.195.2 >/dev/null 2>&1
rc=$?
check "not pcapng: exit 65 (rc $rc)" [ $rc -eq 65 ]
"$HOPQUY" analyze "$CAP" >/dev/null 2>&1
rc=$?
check "no --dut: exit 64 (rc $rc)" [ $rc -eq 64 ]
echo "t-analyze: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
