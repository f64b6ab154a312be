# SPDX-License-Identifier: Apache-2.0
# Helpers for the login-stack scripts (sourced after lib.sh): accounts that
# exist only inside a private mount namespace, so that real servers from
# Debian (sshd, dropbear, /bin/login under telnetd) log in test users
# while the host's /etc/passwd and /etc/shadow stay untouched.

# accounts USER:PASSWORD...: writes $T_TMP/passwd and $T_TMP/shadow, the
# host's files plus these users (uid 61000 up, shell /bin/sh, home /tmp).
accounts() {
	cp /etc/passwd "$T_TMP/passwd" && cp /etc/shadow "$T_TMP/shadow" ||
	    return 1
	chmod 644 "$T_TMP/passwd"; chmod 640 "$T_TMP/shadow"
	uid=61000
	for a in "$@"; do
		u=${a%%:*}; p=${a#*:}
		sed -i "/^$u:/d" "$T_TMP/passwd" "$T_TMP/shadow"
		echo "$u:x:$uid:$uid:hopquy test:/tmp:/bin/sh" >>"$T_TMP/passwd"
		echo "$u:$(openssl passwd -6 "$p"):19000:0:99999:7:::" \
		    >>"$T_TMP/shadow"
		uid=$((uid + 1))
	done
}

# bg_private NS [FILE:TARGET...] -- CMD...: starts CMD in namespace NS in
# its own mount namespace (unshare -m, private propagation) where the
# account files and each FILE are bind-mounted over TARGET.
bg_private() {
	ns=$1; shift
	binds="mount --bind $T_TMP/passwd /etc/passwd &&
	    mount --bind $T_TMP/shadow /etc/shadow"
	while [ "$1" != "--" ]; do
		binds="$binds && mount --bind ${1%%:*} ${1#*:}"
		shift
	done
	shift
	ip netns exec "$ns" unshare -m --propagation private sh -c \
	    "$binds && exec \"\$@\"" sh "$@" >>"$T_TMP/bg.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
}

# case_verdict RUNDIR CASEPREFIX: "VERDICT rationale" of one case.
case_verdict() {
	"$PY" - "$1/report.json" "$2" <<'EOF2'
import json, sys
r = json.load(open(sys.argv[1]))
e = [e for e in r["results"] if e["id"].startswith(sys.argv[2])]
print("%s %s" % (e[0]["verdict"], e[0].get("rationale", "")) if e else
      "missing")
EOF2
}

# like TEXT PATTERN: TEXT matches the expr(1) PATTERN (anchored at the
# start), quietly (for check).
like() { expr "$1" : "$2" >/dev/null; }
