#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The creds profiles: qcvn135-2024 keeps the national criteria's numbers
# (5 failures within 30 s lock for 5 min; passwords of 8+ characters with
# upper, lower, digit and special), and the CI profile creds-fast has the
# same cases and checks, differing only in durations (each shorter) and in
# the listed lab choices.  Both pass `hopquy profile check`; the DUT
# description of the reference simulator passes `hopquy dut check`.
. "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || { echo "skipped: $PY missing"; exit 77; }

Q="$HQ_TOP/profiles/qcvn135-2024.json"
F="$HQ_TOP/tests/e2e/profiles/creds-fast.json"
check "qcvn135-2024 passes profile check" \
    "$HOPQUY" profile check "$Q" >/dev/null
check "creds-fast passes profile check" "$HOPQUY" profile check "$F" >/dev/null
HQ_DUTSIM_LABEL1=x HQ_DUTSIM_LABEL2=y check "dutsim.json passes dut check" \
    "$HOPQUY" dut check "$HQ_TOP/fixtures/duts/dutsim.json" >/dev/null

"$PY" - "$Q" "$F" >"$T_TMP/cmp" 2>&1 <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))
f = json.load(open(sys.argv[2]))
def creds(p):
    return {t["id"].split("/", 1)[1]: t for t in p["testcases"]
            if t.get("family") == "creds"}
qc, fc = creds(q), creds(f)
out = []
def want(cond, text):
    out.append(("ok   " if cond else "bad  ") + text)
# The national criteria's numbers in the regulation profile.
p = {k: t["params"] for k, t in qc.items()}
want(len(qc) == 6, "qcvn135-2024 has six creds cases (%d)" % len(qc))
for k in ("g1.3-lockout-engages", "g1.4-lockout-duration"):
    want(p[k]["attempts"] == 5 and p[k]["window_s"] == 30,
         "qcvn %s: 5 failures within 30 s" % k)
want(p["g1.4-lockout-duration"]["min_lock_s"] == 300,
     "qcvn g1.4: lock of at least 300 s")
g = p["g1.2-factory-passwords"]
want(g["min_length"] == 8 and g["min_classes"] == 4 and
     sorted(g["required_classes"]) == ["digit", "lower", "special", "upper"],
     "qcvn g1.2: 8+ characters, all four classes")
want(p["g1.1-no-default-credentials"]["user_budget"] < 5 and
     p["g1.5-no-user-enumeration"]["reset_every"] < 5,
     "qcvn: dictionary budget and enumeration resets stay under 5 failures")
# creds-fast: the same checks, only durations shorter.
DUR = {"window_s", "min_lock_s", "max_wait_s", "probe_interval_s",
       "tolerance_s", "idle_s", "grace_s", "pace_ms", "budget_window_s",
       "relock_wait_s", "recover_max_s", "recover_probe_s",
       "connect_timeout_ms", "timeout_ms", "auth_timeout_ms", "backoff_ms",
       "engage_max_s"}
# Lab choices that may differ, with the reason in the profile's notes.
LAB = {"user_budget", "dictionary"}
want(sorted(fc) == sorted(qc), "creds-fast has the same creds cases")
for k in sorted(set(fc) & set(qc)):
    a, b = qc[k], fc[k]
    for key in ("title", "description", "refs", "clause", "mandatory"):
        want(a.get(key) == b.get(key), "%s: same %s" % (k, key))
    for key in sorted(set(a["params"]) | set(b["params"])):
        x, y = a["params"].get(key), b["params"].get(key)
        if x == y:
            continue
        if key in DUR:
            want(isinstance(x, (int, float)) and isinstance(y, (int, float))
                 and y <= x, "%s: %s shorter (%s, qcvn %s)" % (k, key, y, x))
        elif key in LAB:
            want(key in b.get("param_notes", {}),
                 "%s: %s differs with a note (%s, qcvn %s)" % (k, key, y, x))
        else:
            want(False, "%s: %s differs (%s, qcvn %s): not a duration"
                 % (k, key, y, x))
print("\n".join(out))
sys.exit(any(l.startswith("bad") for l in out))
PY
rc=$?
sed 's/^/  /' "$T_TMP/cmp" | grep -v '^  ok' 
check "creds profiles: regulation values kept, creds-fast differs only in durations" \
    test $rc -eq 0
t_done
