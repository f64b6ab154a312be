#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# LAVA: contrib/lava's test definition and job template parse, and the
# test step (hopquy-lava-run, hopquy-lava-results) run against the
# simulator on bench instance 218 with a recording lava-test-case on PATH:
# the LAVA result table equals hopquy's verdicts (PASS pass, FAIL fail,
# NOT_APPLICABLE skip, INCONCLUSIVE unknown), measurements carry their
# values and units, and the run directory is packed as the artifact.
# Cases: a camera with an expired certificate (g5.2 PASS with its accepted-suites count, g5.3 FAIL, the
# rest NOT_APPLICABLE) and the camera off (INCONCLUSIVE).
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
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
simbench_up 218 --fault cert-expired || { nok "bench 218 with dutsim"; t_done; }
HQ_PROFILE_DIR="$HQ_TOP/profiles"
export HQ_PROFILE_DIR
lavarun() {	# lavarun NAME: the test step, results in $T_TMP/NAME.lava
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
m = {"PASS": "pass", "FAIL": "fail", "NOT_APPLICABLE": "skip", "INCONCLUSIVE": "unknown"}
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
simbench_stop_dut
lavarun off
v=$(same off)
check "camera off: LAVA results equal hopquy's: unknown, skip ($v)" \
    [ "${v% *}" = "skip unknown" ]
simbench_down
printf 't-contrib-lava: '
t_done
