#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The GitLab CI template (contrib/gitlab-ci/hopquy.gitlab-ci.yml): its YAML
# parses (python3-yaml) into the job GitLab expects (stage, script, junit
# report, artifacts kept on failure), and the job's script lines, run as
# GitLab's shell runs them (one shell, set -e), against the simulator on
# bench instance 171: a good camera passes with a signed, verified report
# and a junit.xml; an expired certificate fails the job; a camera that is
# off fails it (exit 69: nothing to judge); past the reachability check
# (--no-reach-check) its INCONCLUSIVE case passes the job unless
# HQ_FAIL_ON_INCONCLUSIVE=1; a good camera with HQ_ONLY (INCOMPLETE, exit 2)
# passes it even then.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
Y="$HQ_TOP/contrib/gitlab-ci/hopquy.gitlab-ci.yml"
$PY -c 'import yaml' 2>/dev/null || { echo "skipped: python3-yaml missing"; exit 77; }
check "the template is valid YAML with a .hopquy job GitLab accepts" $PY - "$Y" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
j = d[".hopquy"]
assert j["stage"] in d["stages"]
assert all(isinstance(l, str) for l in j["script"]) and len(j["script"]) > 3
a = j["artifacts"]
assert a["when"] == "always" and a["reports"]["junit"] == "$HQ_OUT/junit.xml"
assert "$HQ_OUT/" in a["paths"]
assert set(d["variables"]) >= {"HQ_PROFILE", "HQ_DUT", "HQ_FAIL_ON_INCONCLUSIVE"}
PY
# job NAME VAR=VALUE...: the job's script in a shell of its own, in
# $T_TMP/NAME, with the template's variables and these overrides; $rc.
job() {
	name=$1; shift
	mkdir -p "$T_TMP/$name"
	$PY - "$Y" "$@" >"$T_TMP/$name.sh" <<'PY'
import shlex, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
v = dict(d["variables"])
v.update(a.split("=", 1) for a in sys.argv[2:])
print("set -e")
for k, x in v.items():
    print("export %s=%s" % (k, shlex.quote(str(x))))
print("\n".join(d[".hopquy"]["script"]))
PY
	(cd "$T_TMP/$name" && sh "$T_TMP/$name.sh") >"$T_TMP/$name.out" 2>&1
	rc=$?
}
# As an installed hopquy finds them (the build's binary looks in ./profiles).
HQ_PROFILE_DIR="$HQ_TOP/profiles"
export HQ_PROFILE_DIR
N=$(bn 171)
simbench_up $N || { nok "bench $N with dutsim"; t_done; }
COMMON="HQ_HOPQUY=$HOPQUY HQ_DUT=$SB_DUT HQ_ONLY=qcvn135-2024/g5.3"
SIGNV="HQ_SIGN_KEY=$PKI/lab-ec.key HQ_SIGN_CERT=$PKI/lab-ec.crt HQ_CA=$PKI/lab-ca.crt"
job good $COMMON $SIGNV "HQ_FLASH_CMD=echo 2.4.1 >flashed"
check "good camera: the job passes (exit $rc)" [ $rc -eq 0 ]
check "the flash command ran first" [ -s "$T_TMP/good/flashed" ]
check "signed report verified in the job" grep -q "verify hopquy-run: OK" "$T_TMP/good.out"
check "junit.xml artifact parses, the case passed" $PY - "$T_TMP/good/hopquy-run/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
assert r.get("failures") == "0" and r.get("errors") == "0"
assert any(c.get("name") == "qcvn135-2024/g5.3-tls-certificate" and len(c.findall("failure")) == 0
           for c in r.iter("testcase"))
PY
simbench_stop_dut
simbench_start_dut --fault cert-expired
job bad $COMMON $SIGNV
check "expired certificate: the job fails (exit $rc)" [ $rc -eq 1 ]
check "...saying FAIL, with junit.xml and the report kept" \
    grep -q "conformance FAIL" "$T_TMP/bad.out" &&
    [ -s "$T_TMP/bad/hopquy-run/junit.xml" ] &&
    [ -s "$T_TMP/bad/hopquy-run/report.json.p7s" ]
simbench_stop_dut
job off0 $COMMON
check "camera off: unreachable, the job fails (exit $rc)" [ $rc -eq 69 ] &&
    grep -q "hopquy could not run (exit 69)" "$T_TMP/off0.out"
job off $COMMON HQ_RUN_ARGS=--no-reach-check
check "camera off past the reachability check (INCONCLUSIVE): the job passes by default (exit $rc)" [ $rc -eq 0 ] &&
    grep -q "exit status 2" "$T_TMP/off.out"
job offstrict $COMMON HQ_FAIL_ON_INCONCLUSIVE=1 HQ_RUN_ARGS=--no-reach-check
check "...and fails with HQ_FAIL_ON_INCONCLUSIVE=1 (exit $rc)" [ $rc -eq 1 ] &&
    grep -q "conformance INCONCLUSIVE" "$T_TMP/offstrict.out"
simbench_start_dut
job goodstrict $COMMON HQ_FAIL_ON_INCONCLUSIVE=1
check "good camera, one case (INCOMPLETE), strict: the job passes (exit $rc)" [ $rc -eq 0 ]
job nodut $COMMON HQ_DUT=/nonexistent.json
check "a missing DUT file fails the job (exit $rc)" [ $rc -ne 0 ]
simbench_down
printf 't-contrib-gitlab: '
t_done
