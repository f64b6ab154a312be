#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# LAVA: contrib/lava's test definition and job template parse, and the
# test step (hopquy-lava-run, hopquy-lava-results) run against the
# simulator on bench instance 172 with a recording lava-test-case on PATH:
# the LAVA result table equals hopquy's verdicts (PASS pass, FAIL fail,
# NOT_APPLICABLE skip, INCONCLUSIVE unknown), measurements carry their
# values and units, and the run directory is packed as the artifact.
# Cases: a camera with an expired certificate (g5.2 PASS with its accepted-suites count, g5.3 FAIL, the
# rest NOT_APPLICABLE) and the camera off (INCONCLUSIVE).
# Then for real, when lava-dispatcher is installed: lava-run runs the job
# template's actions (deploy to ssh, boot ssh, the test definition from a
# git repository) against a device dictionary of the "ssh" device type
# whose device is the bench's lab namespace with openssh-server (reached
# from namespace hq-cp-lava-N over 198.18.219.0/24), the simulator behind
# it; LAVA's result table (its job log) equals hopquy's verdicts.  LAVA
# leaves its test overlay at /lava-<job id> on the device, here the
# host's root: removed on exit.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
. "$(dirname "$0")/lava-device.sh"
JOBID=21801
trap 'rm -rf /lava-$JOBID /lava-$JOBID-overlay-*.tar.gz /var/lib/lava/dispatcher/tmp/$JOBID; simbench_down; t_cleanup' EXIT
L="$HQ_TOP/contrib/lava"
check "test definition and job template are valid YAML of the right shape" \
    $PY - "$L/hopquy.yaml" "$L/hopquy-job.yaml" <<'PY'
import sys, yaml
t = yaml.safe_load(open(sys.argv[1]))
assert t["metadata"]["format"] == "Lava-Test Test Definition 1.0"
assert "./contrib/lava/hopquy-lava-run" in t["run"]["steps"]
assert {"HQ_PROFILE", "HQ_DUT", "HQ_ONLY"} <= set(t["params"])
j = yaml.safe_load(open(sys.argv[2]))
assert j["device_type"] == "ssh"
kinds = [list(a)[0] for a in j["actions"]]
assert kinds == ["deploy", "boot", "test"], kinds
d = j["actions"][2]["test"]["definitions"][0]
assert d["path"] == "contrib/lava/hopquy.yaml" and d["from"] == "git"
PY
# A recording lava-test-case: one JSON line per call.
mkdir -p "$T_TMP/bin"
cat >"$T_TMP/bin/lava-test-case" <<'SH'
#!/usr/bin/python3
import json, os, sys
a = sys.argv[1:]
rec = {"name": a[0]}
for i in range(1, len(a) - 1, 2):
    rec[a[i].lstrip("-")] = a[i + 1]
open(os.environ["HQ_LAVA_LOG"], "a").write(json.dumps(rec) + "\n")
SH
chmod +x "$T_TMP/bin/lava-test-case"
N=$(bn 172)
simbench_up $N --fault cert-expired || { nok "bench $N with dutsim"; t_done; }
HQ_PROFILE_DIR="$HQ_TOP/profiles"
export HQ_PROFILE_DIR
lavarun() {	# lavarun NAME [RUN ARGS]: the test step, results in $T_TMP/NAME.lava
	HQ_RUN_ARGS="${2:-}" \
	HQ_LAVA_LOG="$T_TMP/$1.lava" PATH="$T_TMP/bin:$PATH" HQ_HOPQUY="$HOPQUY" \
	    HQ_DUT="$SB_DUT" HQ_OUT="$T_TMP/$1" \
	    HQ_ONLY=qcvn135-2024/g5.2,qcvn135-2024/g5.3 \
	    sh "$L/hopquy-lava-run" >"$T_TMP/$1.out" 2>&1
	rc=$?
}
# same NAME: LAVA's table equals the report's verdicts (and the run case)
same() {
	$PY - "$T_TMP/$1/report.json" "$T_TMP/$1.lava" <<'PY'
import json, re, sys
rep = json.load(open(sys.argv[1]))
m = {"PASS": "pass", "FAIL": "fail", "NOT_APPLICABLE": "skip", "NOT_RUN": "skip", "INCONCLUSIVE": "unknown"}
want = {re.sub(r"[^A-Za-z0-9._-]", "_", r["id"]): m[r["verdict"]] for r in rep["results"]}
got = {}
meas = 0
for l in open(sys.argv[2]):
    r = json.loads(l)
    if "measurement" in r:
        base = r["name"].rsplit(".", 1)[0]
        assert r["result"] == want[base] and "units" in r, r
        float(r["measurement"])
        meas += 1
    else:
        got[r["name"]] = r["result"]
assert got.pop("hopquy-run") == ("pass" if rep["complete"] else "fail")
assert got == want, (got, want)
print(" ".join(sorted(set(want.values()))), meas)
PY
}
lavarun bad
check "test step exits 0 whatever the verdicts (exit $rc)" [ $rc -eq 0 ]
v=$(same bad)
check "LAVA results equal hopquy's verdicts: pass, fail, skip ($v)" \
    [ "${v% *}" = "fail pass skip" ]
check "measurements reported with values and units (${v##* })" [ "${v##* }" -gt 0 ]
check "run directory packed as the artifact" sh -c \
    "tar -tzf '$T_TMP/bad.tar.gz' | grep -q 'bad/report.json'"
if command -v lava-run >/dev/null 2>&1 && [ -x /usr/sbin/sshd ]; then
	NS=hq-cp-lava-$N
	netns_add $NS &&
	    veth_link $NS cplava0 198.18.219.1/24 "$SB_LAB" cplava1 198.18.219.2/24
	ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/id"
	ssh-keygen -q -t ed25519 -N '' -f "$T_TMP/hostkey"
	cp "$T_TMP/id.pub" "$T_TMP/authkeys"
	mkdir -p /run/sshd
	ip netns exec "$SB_LAB" /usr/sbin/sshd -D -e -h "$T_TMP/hostkey" \
	    -o ListenAddress=198.18.219.2 -o PermitRootLogin=prohibit-password \
	    -o AuthorizedKeysFile="$T_TMP/authkeys" -o PidFile="$T_TMP/sshd.pid" \
	    -o StrictModes=no -o UsePAM=no \
	    -o "SetEnv=HQ_DUTSIM_LABEL1=$HQ_DUTSIM_LABEL1 HQ_DUTSIM_LABEL2=$HQ_DUTSIM_LABEL2" \
	    >"$T_TMP/sshd.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
	wait_port $NS 198.18.219.2 22 10
	check "the LAVA device (sshd in the lab namespace) answers" [ $? -eq 0 ]
	# The test definition from a git repository, as the template has it.
	mkdir -p "$T_TMP/repo/contrib"
	cp -r "$L" "$T_TMP/repo/contrib/"
	(cd "$T_TMP/repo" && git init -q && git add . &&
	    git -c user.email=e2e@hopquy.test -c user.name=e2e commit -qm lava)
	lava_device "$T_TMP/device.yaml" 198.18.219.2 "$T_TMP/id" /tmp/hq-cp-lava-$N
	echo "dispatcher_ip: 198.18.219.1" >"$T_TMP/dispatcher.yaml"
	sed -e 's/@PROFILE@/qcvn135-2024/' -e 's/@DUT_NAME@/dutsim-218/' \
	    -e "s|@PROMPT@|root@|" -e "s|@HOPQUY_GIT@|$T_TMP/repo|" \
	    -e "s|\"qcvn135-2024\"|\"$HQ_TOP/profiles/qcvn135-2024.json\"|" \
	    -e "s|@DUT_FILE@|$SB_DUT|" \
	    -e "s|@ONLY@|qcvn135-2024/g5.2,qcvn135-2024/g5.3|" \
	    -e "s|HQ_OUT: /tmp/hopquy-run|HQ_OUT: $T_TMP/lavajob\\n        HQ_HOPQUY: $HOPQUY|" \
	    "$L/hopquy-job.yaml" | sed 's/\\n/\n/' >"$T_TMP/job.yaml"
	(cd "$T_TMP" && ip netns exec $NS timeout 600 lava-run --job-id $JOBID \
	    --output-dir "$T_TMP/lava-out" --dispatcher "$T_TMP/dispatcher.yaml" \
	    --device "$T_TMP/device.yaml" "$T_TMP/job.yaml") >"$T_TMP/lava.log" 2>&1
	rc=$?
	check "lava-run: the job ran to its end (exit $rc)" [ $rc -eq 0 ] &&
	    grep -q '"Job finished correctly"' "$T_TMP/lava.log"
	v=$($PY - "$T_TMP/lava.log" "$T_TMP/lavajob/report.json" <<'PY'
import json, re, sys, yaml
m = {"PASS": "pass", "FAIL": "fail", "NOT_APPLICABLE": "skip", "NOT_RUN": "skip", "INCONCLUSIVE": "unknown"}
rep = json.load(open(sys.argv[2]))
want = {re.sub(r"[^A-Za-z0-9._-]", "_", r["id"]): m[r["verdict"]] for r in rep["results"]}
got, meas = {}, 0
for line in open(sys.argv[1]):
    if '"lvl": "results"' not in line:
        continue
    r = yaml.safe_load(line)["msg"]
    if r.get("definition") != "0_hopquy":
        continue
    if "measurement" in r:
        float(r["measurement"]); meas += 1
        assert r["units"] and r["result"] == want[r["case"].rsplit(".", 1)[0]]
    else:
        got[r["case"]] = r["result"]
assert got.pop("hopquy-run") == "pass"
assert got == want, (got, want)
print(" ".join(sorted(set(want.values()))), meas)
PY
)
	check "LAVA's result table equals hopquy's verdicts ($v)" \
	    [ "${v% *}" = "fail pass skip" ] && [ "${v##* }" -gt 0 ]
	check "the job's run directory was packed as the artifact" \
	    [ -s "$T_TMP/lavajob.tar.gz" ]
else
	echo "# lava-run or sshd missing: the real LAVA job is skipped"
fi
simbench_stop_dut
lavarun off0
check "camera off: unreachable (exit 69), the one LAVA result is hopquy-run fail" \
    sh -c "grep -q 'exit status 69' '$T_TMP/off0.out' &&
        [ \"\$(wc -l <'$T_TMP/off0.lava')\" -eq 1 ] &&
        grep -q '\"name\": \"hopquy-run\", \"result\": \"fail\"' '$T_TMP/off0.lava'"
lavarun off --no-reach-check
v=$(same off)
check "camera off past the reachability check: LAVA results equal hopquy's: unknown, skip ($v)" \
    [ "${v% *}" = "skip unknown" ]
simbench_down
printf 't-contrib-lava: '
t_done
