#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A lock enforced by the network (creds-f2b-lib.sh: OpenSSH whose log
# fail2ban watches, in the DUT's own namespace) against the QCVN 135
# profile's g1.1 dictionary: with a ban every 20 failures (8 s) the run
# waits for the source as a whole and every pair gets a definite answer.
# The lock's engage delay and duration: t-creds-f2b.sh.
# Bench instance 166 (198.18.166.0/24), namespaces hq-lg-fb-*.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lg-lib.sh"
need_root
FBN=$(bn 166)
. "$(dirname "$0")/creds-f2b-lib.sh"

# The dictionary against a per-source ban (20 failures ban for 8 s): when
# refusals turn into refused connections the run waits for the whole
# source, then goes on; every pair gets a definite answer in the end.
$F2B unban --all >/dev/null 2>&1
$F2B set hq-sshd maxretry 20 >/dev/null && $F2B set hq-sshd bantime 8 >/dev/null
G1=$P/g1.1-no-default-credentials
RUN="$T_TMP/run-dict"
ip netns exec "$LAB" "$HOPQUY" run -q --no-capture -p "$PROFILE" \
    -d "$T_TMP/dut.json" -o "$RUN" --only $G1 --set "$G1:user_budget=0" \
    --set "$G1:recover_probe_s=1" --set "$G1:relock_wait_s=30" \
    --set "$G1:undecided_retries=8" >"$RUN.out" 2>&1
V=$(case_verdict "$RUN" $P/g1.1)
check "ban every 20 failures: g1.1 PASS, every pair decided ($V)" \
    like "$V" 'PASS all 70 known-default pairs refused'
# Which path the pacing took depends on where the bans fell (on a loaded
# machine they may fall between attempts, each then retried alone): when
# the source was waited for as a whole, the port must have come back.
if grep -q 'the source looks banned; waiting up to 30 s' "$RUN"/creds/*.txt
then
	ok "the source was waited for as a whole"
	check "the port accepted again and the run went on" grep -q \
	    'ssh: accepted again after' "$RUN"/creds/*.txt
else
	echo "# the bans fell between attempts: every pair retried alone"
fi
check "bans happened during the dictionary" test \
    "$(grep -c "Ban 198.18.$FBN.1" "$T_TMP/f2b/fail2ban.log")" -ge 3
$F2B stop >/dev/null 2>&1

t_done
