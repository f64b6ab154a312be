#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the surface family against real servers (openssh's sshd,
# socat, inetutils telnetd) in a namespace of our own.  PASS when only
# declared ports are open; FAIL naming each undeclared port and telnet;
# INCONCLUSIVE when the control (a declared port answers) fails.
. "$(dirname "$0")/lib.sh"
need_root
for t in sshd socat ssh-keygen; do
	command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] ||
	    { echo "skipped: $t missing"; exit 77; }
done

DUTNS=hq-sf$$-dut
LABNS=hq-sf$$-lab
netns_add $DUTNS
netns_add $LABNS
veth_link $LABNS hqlan0 198.18.0.1/24 $DUTNS hqdut0 198.18.0.2/24

# A real sshd, declared.
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/hostkey"
bg $DUTNS /usr/sbin/sshd -D -e -p 22 -h "$T_TMP/hostkey" \
    -o PidFile=none -o UsePAM=no -o ListenAddress=198.18.0.2
# An HTTP server, declared.
bg $DUTNS socat TCP-LISTEN:80,bind=198.18.0.2,reuseaddr,fork \
    SYSTEM:'printf "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"'
wait_port $LABNS 198.18.0.2 22 || nok "sshd did not start"
wait_port $LABNS 198.18.0.2 80 || nok "http listener did not start"

dut() {	# dut FILE [extra surface JSON]
	cat >"$1" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "test", "model": "surface-e2e",
                "serial": "E2E-1", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 30), "lan_if": "hqlan0", "uplink_if": "lo",
             "address": "198.18.0.2" },
  "surfaces": [ { "id": "ssh", "proto": "ssh", "port": 22 },
                { "id": "web", "proto": "http", "port": 80 } $2 ],
  "claims": {} }
JSON
}
dut "$T_TMP/dut.json"
dut "$T_TMP/dut-telnet.json" ', { "id": "tn", "proto": "telnet", "port": 23 }'

hq() {	# hq RUNDIR DUT [args]: runs hopquy on the lab side, sets $rc
	d=$1; f=$2; shift 2
	ip netns exec $LABNS "$HOPQUY" run -q -p qcvn135-2024 -d "$f" \
	    -o "$T_TMP/$d" "$@" >"$T_TMP/$d.out" 2>"$T_TMP/$d.err"
	rc=$?
}
SURF=qcvn135-2024/g6.1-declared-services
verdict() {	# verdict RUNDIR: the surface case's verdict
	$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
print([x for x in r["results"] if x["id"]==sys.argv[2]][0]["verdict"])' \
	    "$T_TMP/$1/report.json" $SURF
}
has_finding() {	# has_finding RUNDIR REGEX
	$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
x=[x for x in r["results"] if x["id"]==sys.argv[2]][0]
print("\n".join(x["findings"]))' "$T_TMP/$1/report.json" $SURF |
	    grep -q -- "$2"
}
valid() {	# the report validates against the schema
	$PY - "$T_TMP/$1/report.json" "$HQ_TOP/reports/report.schema.json" <<'PY'
import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[2]))).validate(
    json.load(open(sys.argv[1])))
PY
}

# 1. Only declared ports open: PASS, schema-valid report; exit 2, as the
# profile's other cases are NOT_RUN (--only): INCOMPLETE.
hq pass "$T_TMP/dut.json" --only qcvn135-2024/g6.1
check "declared ports only: exit 2, INCOMPLETE (got $rc)" [ $rc -eq 2 ]
check "declared ports only: PASS" [ "$(verdict pass)" = PASS ]
check "report.json validates against reports/report.schema.json" valid pass
check "results.jsonl streamed" [ -s "$T_TMP/pass/results.jsonl" ]
check "evidence files hashed in the manifest" $PY -c '
import json,sys,hashlib,os
r=json.load(open(sys.argv[1])); d=os.path.dirname(sys.argv[1])
assert len(r["evidence"]) >= 2
for e in r["evidence"]:
    b=open(os.path.join(d,e["path"]),"rb").read()
    assert hashlib.sha256(b).hexdigest()==e["sha256"] and len(b)==e["size"]
' "$T_TMP/pass/report.json"

# The counters add up; drops themselves are the host's load, not a
# fault (the full-range scan sends ~130k packets in a second, and a
# two-copy run on two cores has seen the capture thread fall 1621
# behind): the report states them, and this says so in the log.
check "the run's capture is evidence, with its drop counters" $PY -c '
import json,sys; r=json.load(open(sys.argv[1]))
assert any(e["kind"]=="capture" and e["size"]>0 for e in r["evidence"]), r["evidence"]
c=r["run"]["capture"]
assert c["packets"]>0 and c["kernel_drops"]>=0, c
assert c["received"]>=c["packets"], c
if c["kernel_drops"]:
    print("# the capture dropped %d of %d packets (load)" % (c["kernel_drops"], c["received"]))
' "$T_TMP/pass/report.json"

# 2. Undeclared HTTP on 8081 and telnet on 23: FAIL naming both.
bg $DUTNS socat TCP-LISTEN:8081,bind=198.18.0.2,reuseaddr,fork \
    SYSTEM:'printf "HTTP/1.0 200 OK\r\n\r\nhidden"'
bg $DUTNS socat TCP-LISTEN:23,bind=198.18.0.2,reuseaddr,fork \
    EXEC:/usr/sbin/telnetd
wait_port $LABNS 198.18.0.2 8081 || nok "8081 listener did not start"
wait_port $LABNS 198.18.0.2 23 || nok "telnetd did not start"
hq fail "$T_TMP/dut.json" --only qcvn135-2024/g6.1
check "undeclared ports: exit 1 (got $rc)" [ $rc -eq 1 ]
check "undeclared ports: FAIL" [ "$(verdict fail)" = FAIL ]
check "FAIL names port 8081 and what answered" \
    has_finding fail 'port 8081/tcp is open but not declared.*answered: http'

check "FAIL names port 23 as telnet" \
    has_finding fail 'port 23/tcp is open but not declared.*answered: telnet'
check "FAIL says telnet is forbidden" \
    has_finding fail 'port 23/tcp runs telnet'

check "FAIL report validates" valid fail

# 3. Telnet declared is still forbidden.
hq telnet "$T_TMP/dut-telnet.json" --only qcvn135-2024/g6.1 \
    --set 'qcvn135-2024/g6.1-declared-services:ports="1-1024"'
check "declared telnet: FAIL" [ "$(verdict telnet)" = FAIL ]
check "declared telnet: finding says telnet is forbidden" \
    has_finding telnet '23/tcp runs telnet'
check "declared telnet: no undeclared-port finding for 23" \
    not has_finding telnet '23/tcp is open but not declared'
check "--set override is reported as a deviation" $PY -c '
import json,sys; r=json.load(open(sys.argv[1]))
d=r["deviations"]; assert d and d[0]["param"]=="ports" and "1-1024" in d[0]["run_value"], d
' "$T_TMP/telnet/report.json"

# 4. Control: nothing declared answers (wrong address inside our range).
# The run's reachability check stops it first (69, naming the address);
# past that check (--no-reach-check) the family's own control fails.
sed 's/"address": "198.18.0.2"/"address": "198.18.0.9"/' "$T_TMP/dut.json" \
    >"$T_TMP/dut-gone.json"
hq gone0 "$T_TMP/dut-gone.json" --only qcvn135-2024/g6.1
check "unreachable DUT: exit 69 before any case (got $rc)" [ $rc -eq 69 ]
check "unreachable DUT: the message names the address and what was tried" \
    grep -q '198.18.0.9 unreachable.*tried tcp/22 (ssh), tcp/80 (web)' "$T_TMP/gone0.err"
hq gone "$T_TMP/dut-gone.json" --only qcvn135-2024/g6.1 --no-reach-check \
    --set 'qcvn135-2024/g6.1-declared-services:ports="20-30,80"' \
    --set 'qcvn135-2024/g6.1-declared-services:connect_timeout_ms=200' \
    --set 'qcvn135-2024/g6.1-declared-services:retries=0'
check "unreachable DUT: not PASS (exit $rc)" [ $rc -eq 2 ]
check "unreachable DUT: INCONCLUSIVE with the control named" \
    grep -q 'control failed' "$T_TMP/gone/report.json"

# 4b. SIGINT in the middle of a long scan: a partial report, marked
# incomplete, with the interrupted case and an intact capture.
ip netns exec $LABNS "$HOPQUY" run -q -p qcvn135-2024 -d "$T_TMP/dut-gone.json" \
    -o "$T_TMP/intr" --set 'qcvn135-2024/g6.1-declared-services:retries=0' \
    --no-reach-check \
    >"$T_TMP/intr.out" 2>&1 &
hqpid=$!
sleep 2
kill -INT $hqpid
wait $hqpid
rc=$?
check "SIGINT: exit 2 (got $rc)" [ $rc -eq 2 ]
check "SIGINT: report.json written, marked incomplete" $PY -c '
import json,sys; r=json.load(open(sys.argv[1]))
x=[x for x in r["results"] if x["id"]==sys.argv[2]][0]
assert r["complete"] is False and x["verdict"]=="INCONCLUSIVE", x["rationale"]
assert "interrupted" in x["rationale"]
' "$T_TMP/intr/report.json" $SURF
check "SIGINT: results.jsonl holds the case" grep -q INCONCLUSIVE "$T_TMP/intr/results.jsonl"
check "SIGINT: the capture is intact and hashed" $PY -c '
import json,sys,hashlib,os
r=json.load(open(sys.argv[1])); d=os.path.dirname(sys.argv[1])
c=[e for e in r["evidence"] if e["kind"]=="capture"][0]
b=open(os.path.join(d,c["path"]),"rb").read()
assert b[:4]==bytes.fromhex("0a0d0d0a") and hashlib.sha256(b).hexdigest()==c["sha256"]
' "$T_TMP/intr/report.json"

# 5. A wrong type deep in a profile: exit 65 naming the JSON path.
IDX=$($PY -c 'import json,sys
p=json.load(open(sys.argv[1]))
i=[i for i,t in enumerate(p["testcases"]) if t["id"]==sys.argv[2]][0]
p["testcases"][i]["params"]["window"]="wide"
json.dump(p,open(sys.argv[3],"w"),indent=1); print(i)' \
    "$HQ_TOP/profiles/qcvn135-2024.json" $SURF "$T_TMP/bad-profile.json")
"$HOPQUY" profile check "$T_TMP/bad-profile.json" 2>"$T_TMP/bad.err"
rc=$?
check "profile check: exit 65 (got $rc)" [ $rc -eq 65 ]
check "profile check names testcases[$IDX].params.window" \
    grep -q "bad-profile.json: testcases\\[$IDX\\].params.window: expected an integer" "$T_TMP/bad.err"

# 6. The plan explains itself.
"$HOPQUY" plan -p qcvn135-2024 -d "$T_TMP/dut.json" --json >"$T_TMP/plan.json"
check "plan --json lists every case with a status" $PY -c '
import json,sys; p=json.load(open(sys.argv[1]))
assert p["plan"] and all(i["status"] in ("run","NOT_APPLICABLE","NOT_RUN") and i["reason"] for i in p["plan"])
' "$T_TMP/plan.json"

t_done
