#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: evidence is private.  A finished run's directory is 0700 and
# its files (the capture, which holds whatever crossed the wire, included)
# 0600; --group GROUP gives a lab group 2750 and 0640; a secret file named
# in the DUT description that others can read is refused (exit 65, naming
# the key).  Namespaces hq-hdp<pid>-*, addresses 198.18.101.0/24.
. "$(dirname "$0")/lib.sh"
need_root
command -v socat >/dev/null 2>&1 || { echo "skipped: socat missing"; exit 77; }

DUTNS=hq-hdp$$-dut
LABNS=hq-hdp$$-lab
netns_add $DUTNS
netns_add $LABNS
veth_link $LABNS hqlan0 198.18.101.1/24 $DUTNS hqdut0 198.18.101.2/24
bg $DUTNS socat TCP-LISTEN:80,bind=198.18.101.2,reuseaddr,fork \
    SYSTEM:'printf "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"'
wait_port $LABNS 198.18.101.2 80 || nok "http listener did not start"

printf 'Op-secret-1!\n' >"$T_TMP/op.pw"
chmod 600 "$T_TMP/op.pw"
cat >"$T_TMP/dut.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "test", "model": "private-e2e",
                "serial": "E2E-P1", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 101), "lan_if": "hqlan0", "uplink_if": "lo",
             "address": "198.18.101.2" },
  "surfaces": [ { "id": "web", "proto": "http", "port": 80 } ],
  "credentials": { "operator": { "user": "op", "password": { "file": "op.pw" } } },
  "claims": {} }
JSON

hq() {	# hq RUNDIR [args]: one surface case on port 80; sets $rc
	d=$1; shift
	( umask 022; ip netns exec $LABNS "$HOPQUY" run -q -p qcvn135-2024 \
	    -d "$T_TMP/dut.json" -o "$T_TMP/$d" --only qcvn135-2024/g6.1 \
	    --set 'qcvn135-2024/g6.1-declared-services:ports="80"' "$@" \
	    >"$T_TMP/$d.out" 2>"$T_TMP/$d.err" )
	rc=$?
}
mode() { stat -c %a "$1"; }
grp() { stat -c %G "$1"; }
# Every file below DIR has mode M (prints the first that does not).
all_files() {
	bad=$(find "$1" -type f ! -perm "$2" | head -1)
	[ -z "$bad" ] || { echo "  $bad: $(mode "$bad")"; return 1; }
}

# 1. Default: private, even under a umask of 022.
hq priv
check "run finished (exit 2, INCOMPLETE: --only; got $rc)" [ $rc -eq 2 ]
check "run directory 0700 (got $(mode "$T_TMP/priv"))" \
    [ "$(mode "$T_TMP/priv")" = 700 ]
check "capture directory 0700" [ "$(mode "$T_TMP/priv/capture")" = 700 ]
check "capture file 0600 (got $(mode "$T_TMP/priv/capture/run.pcapng"))" \
    [ "$(mode "$T_TMP/priv/capture/run.pcapng")" = 600 ]
check "report.json 0600" [ "$(mode "$T_TMP/priv/report.json")" = 600 ]
check "every file of the run 0600" all_files "$T_TMP/priv" 600
check "no directory of the run open to others" \
    sh -c "[ -z \"\$(find '$T_TMP/priv' -type d -perm /077)\" ]"

# 2. An existing -o directory is narrowed.
mkdir -m 755 "$T_TMP/pre"
hq pre
check "an existing 0755 -o directory: run finished (exit 2, got $rc)" \
    [ $rc -eq 2 ]
check "an existing 0755 -o directory becomes 0700" \
    [ "$(mode "$T_TMP/pre")" = 700 ]
[ $rc -eq 2 ] && [ "$(mode "$T_TMP/pre")" = 700 ] || {
	sed 's/^/# pre (stderr): /' "$T_TMP/pre.err"
	sed 's/^/# pre (stdout): /' "$T_TMP/pre.out"
	ls -la "$T_TMP/pre" | sed 's/^/# pre: /'
}

# 3. --group: the lab group reads, no one else.
G=nogroup
getent group $G >/dev/null || G=$(id -gn)
hq grp --group $G
check "--group: run finished (got $rc)" [ $rc -eq 2 ]
check "--group: run directory 2750 (got $(mode "$T_TMP/grp"))" \
    [ "$(mode "$T_TMP/grp")" = 2750 ]
check "--group: run directory group $G" [ "$(grp "$T_TMP/grp")" = $G ]
check "--group: capture 0640, group $G" \
    [ "$(mode "$T_TMP/grp/capture/run.pcapng")" = 640 -a \
      "$(grp "$T_TMP/grp/capture/run.pcapng")" = $G ]
check "--group: every file 0640" all_files "$T_TMP/grp" 640
hq nogrp --group hq-no-such-group-$$
check "--group with an unknown group: exit 64 (got $rc)" [ $rc -eq 64 ]
check "--group: the error names the group" \
    grep -q "hq-no-such-group-$$: no such group" "$T_TMP/nogrp.err"

# 4. A secret file others can read is refused, naming the key.
chmod 640 "$T_TMP/op.pw"
hq leak
check "group-readable secret file: exit 65 (got $rc)" [ $rc -eq 65 ]
check "the refusal names the key and the mode" \
    grep -q "credentials.operator.password.file: .*op.pw is accessible to group or others (mode 0640)" "$T_TMP/leak.err"
check "no run directory made" [ ! -e "$T_TMP/leak" ]
chmod 604 "$T_TMP/op.pw"
hq leak2
check "world-readable secret file: exit 65 (got $rc)" [ $rc -eq 65 ]
t_done
