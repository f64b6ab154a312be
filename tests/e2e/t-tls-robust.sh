#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tls family against hostile servers (tests/e2e/tools/tls-hostile.py):
# garbage, truncated, oversized, silent, slow and non-TLS answers give an
# INCONCLUSIVE verdict with a clear reason, no crash and no hang.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-lib.sh"
TL_BENCH=$(bn 35)	# t-tls-enum has 37
need_root
tls_need_tools
TL_LAB=hq-tl-lab-$$
TL_SRV=hq-tl-srv-$$
netns_add "$TL_LAB" && netns_add "$TL_SRV" &&
    veth_link "$TL_LAB" "tl$$l" "$TL_LADDR/24" "$TL_SRV" "tl$$s" "$TL_ADDR/24" ||
    { nok "namespaces"; t_done; }
bg "$TL_SRV" $PY "$HQ_TOP/tests/e2e/tools/tls-hostile.py" "$TL_ADDR"
wait_port "$TL_LAB" "$TL_ADDR" 7006 10 || { nok "hostile server up"; t_done; }
# port expected-verdict text-in-rationale
while read -r port v text; do
	tls_dut "$T_TMP/dut$port.json" "$port"
	start=$(date +%s)
	timeout 60 ip netns exec "$TL_LAB" "$HOPQUY" run \
	    -p "$HQ_TOP/tests/e2e/profiles/tls.json" -d "$T_TMP/dut$port.json" \
	    -o "$T_TMP/run$port" --only test-tls/protocols,test-tls/suites \
	    >"$T_TMP/run$port.log" 2>&1
	rc=$?
	end=$(date +%s)
	check "port $port: exit 2 (inconclusive), not a crash (rc $rc)" [ $rc -eq 2 ]
	check "port $port: finished in $((end - start)) s (< 30 s)" [ $((end - start)) -lt 30 ]
	for id in test-tls/protocols test-tls/suites; do
		got=$($PY -c 'import json,sys
r=json.load(open(sys.argv[1]))
c=[c for c in r["results"] if c["id"]==sys.argv[2]][0]
print(c["verdict"], c["rationale"])' "$T_TMP/run$port/report.json" "$id" 2>&1)
		case "$got" in
		"$v "*"$text"*) ok "port $port $id: $got" ;;
		*) nok "port $port $id: expected $v ... $text, got: $got" ;;
		esac
	done
done <<LIST
7001 INCONCLUSIVE handshake message type 255
7002 INCONCLUSIVE incomplete TLS reply
7003 INCONCLUSIVE TLS record of 65535 bytes
7004 INCONCLUSIVE no port answered a TLS ClientHello
7005 INCONCLUSIVE only 
7006 INCONCLUSIVE no port answered a TLS ClientHello
LIST
t_done
