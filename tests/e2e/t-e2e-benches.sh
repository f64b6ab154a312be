#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The suite's bench instances (lib.sh bn, tests/e2e/README): every
# instance a script names through bn is in E2E_BENCHES; with
# HQ_E2E_COPY=2 they map one to one onto spares that no copy of the suite
# uses (nor bench/*.sh, t-campaign's 200-219, t-input*'s 240-250); an
# unlisted instance maps to nothing; no script but those that stay put
# brings up a bench instance by a bare number (t-report-coverage's two
# refused runs on instances 256 and 119 change nothing); and no script
# signals a kept PID but through t_kill or t_kill_named.  Needs no root.
. "$(dirname "$0")/lib.sh"
E=$HQ_TOP/tests/e2e
# shellcheck disable=SC2086
all=" $(printf '%s ' $E2E_BENCHES)"	# one line, each number between blanks
used=$(grep -ho '(bn [0-9]*)' "$E"/*.sh | tr -dc '0-9\n' | sort -nu)
missing=""
for n in $used; do
	case $all in *" $n "*) ;; *) missing="$missing $n" ;; esac
done
check "every bn instance is in E2E_BENCHES ($(echo $used | wc -w) of them${missing:+; missing:$missing})" \
    [ -z "$missing" ]
nb=$(echo "$all" | wc -w)
mapped=$(for n in $E2E_BENCHES; do HQ_E2E_COPY=2 bn "$n"; done)
check "copy 2: $nb instances map to $nb distinct spares" \
    [ "$(echo "$mapped" | grep -c .)" -eq "$nb" ] &&
    [ "$(echo "$mapped" | sort -u | grep -c .)" -eq "$nb" ]
clash=$(for m in $mapped; do
	case $all in *" $m "*) echo "$m" ;; esac
	{ [ "$m" -eq 0 ] || [ "$m" -ge 190 ] && [ "$m" -le 219 ] ||
	    [ "$m" -ge 240 ]; } && echo "$m"
done | sort -u | tr '\n' ' ')
check "copy 2's instances are none of copy 1's nor of the fixed ranges${clash:+ (clash: $clash)}" \
    [ -z "$clash" ]
x=$(HQ_E2E_COPY=2 bn 7 2>"$T_TMP/bn.err")
check "copy 2: an unlisted instance maps to nothing, said so" \
    sh -c "[ -z '$x' ] && grep -q 'bench 7: not in E2E_BENCHES' '$T_TMP/bn.err'"
check "copy 1: bn is the identity" [ "$(HQ_E2E_COPY=1 bn 150)" = 150 ]
bare=$(grep -nE 'simbench_up [0-9]|multisim_up [0-9]|--bench [0-9]|^ *BN=[0-9]|BENCH:-[0-9]|"instance": ?[0-9]' \
    "$E"/t-*.sh | grep -v '^[^:]*/t-input\|^[^:]*/t-campaign\.sh\|^[^:]*/t-aisafety' |
    grep -v '^[^:]*/t-report-coverage.sh:[0-9]*:\(hq bench-\(range\|other\) \|check "--bench \)' |
    cut -d: -f1,2 | xargs -r -n1 basename | tr '\n' ' ')
check "no other script names a bench instance by a bare number${bare:+ ($bare)}" \
    [ -z "$bare" ]
# Kept PIDs are signalled through t_kill or t_kill_named (README,
# "Stopping what a script started"): a plain SIGTERM to "$VAR", or a
# signal to a pid file's "$(cat ...)", could reach a process that reused
# the PID.
plain=$(grep -nE '(^|[^_a-z-])kill +"?[$]' "$E"/*.sh | grep -v '^[^:]*/lib\.sh:' |
    cut -d: -f1,2 | xargs -r -n1 basename | tr '\n' ' ')
check "no script sends a plain kill to a kept PID${plain:+ ($plain)}" [ -z "$plain" ]
pidf=$(grep -nE 'kill +-[A-Z0-9]+ +"?[$][(]cat' "$E"/*.sh |
    cut -d: -f1,2 | xargs -r -n1 basename | tr '\n' ' ')
check "no script signals a pid file's PID unchecked${pidf:+ ($pidf)}" [ -z "$pidf" ]
printf 't-e2e-benches: '
t_done
