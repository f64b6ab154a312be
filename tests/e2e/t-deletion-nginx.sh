#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The deletion case against real software: nginx with WebDAV (dav_methods
# PUT DELETE, basic auth) standing for a camera's recording store, in a
# namespace of its own.  Recordings are created with PUT, the declared
# deletion function is DELETE, absence is proven by GET 404 on the file
# and on the store's hidden folder.  A variant whose DELETE only moves the
# file into that hidden folder (still served) must FAIL naming the kind
# and the recipe step that still found it.
. "$(dirname "$0")/lib.sh"
need_root
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] ||
    { echo "skipped: nginx missing"; exit 77; }
nginx -V 2>&1 | grep -q http_dav_module ||
    { echo "skipped: nginx without the WebDAV module"; exit 77; }
LAB=hq-dl-nl-$$
DUT=hq-dl-nd-$$
ADDR=198.18.221.2
P=qcvn135-2024
G91=$P/g9.1-user-data-deletion
OPW=$(openssl rand -base64 18 | tr -d '/+=')'#7aZ'
export HQ_DL_OPW="$OPW"

netns_add "$LAB" && netns_add "$DUT" &&
    veth_link "$LAB" veth-lab 198.18.221.1/30 "$DUT" veth-dut "$ADDR/30" ||
    { echo "cannot set up namespaces"; exit 1; }
chmod 755 "$T_TMP"
mkdir -p "$T_TMP/ngx"
printf 'hqop:%s\n' "$(openssl passwd -apr1 "$OPW")" >"$T_TMP/htpasswd"

# conf VARIANT: good (DELETE removes) or trash (DELETE moves the file to
# rec/.trash/ through a WebDAV MOVE on an internal server).
conf() {
	rm -rf "$T_TMP/www"
	mkdir -p "$T_TMP/www/rec/.trash/cam1"
	if [ "$1" = trash ]; then
		del='if ($request_method = DELETE) { rewrite ^/rec/(.*)$ /_trash/$1 last; }'
	else
		del=''
	fi
	cat >"$T_TMP/nginx.conf" <<NGX
daemon off;
user root;
worker_processes 1;
pid $T_TMP/ngx/nginx.pid;
error_log $T_TMP/ngx/error.log;
events { worker_connections 256; }
http {
	access_log $T_TMP/ngx/access.log;
	client_body_temp_path $T_TMP/ngx/body;
	proxy_temp_path $T_TMP/ngx/proxy;
	fastcgi_temp_path $T_TMP/ngx/fcgi;
	uwsgi_temp_path $T_TMP/ngx/uwsgi;
	scgi_temp_path $T_TMP/ngx/scgi;
	server {
		listen $ADDR:80;
		root $T_TMP/www;
		auth_basic "recordings";
		auth_basic_user_file $T_TMP/htpasswd;
		location /rec/ {
			$del
			dav_methods PUT DELETE;
			create_full_put_path on;
			dav_access user:rw group:r all:r;
		}
		location ~ ^/_trash/(.*)\$ {
			internal;
			proxy_method MOVE;
			proxy_set_header Destination http://127.0.0.1:8081/rec/.trash/\$1;
			proxy_pass http://127.0.0.1:8081/rec/\$1;
		}
	}
	server {
		listen 127.0.0.1:8081;
		root $T_TMP/www;
		location /rec/ { dav_methods MOVE; }
	}
}
NGX
}

cat >"$T_TMP/dut.json" <<DUTF
{
  "format": "hopquy-dut/1",
  "identity": { "manufacturer": "hopquy tests", "model": "nginx WebDAV store",
                "serial": "DL-0001", "firmware": "1.0", "class": "ip-camera" },
  "bench": { "mode": "host", "instance": $(bn 221), "lan_if": "veth-lab",
             "uplink_if": "lo", "address": "$ADDR" },
  "surfaces": [
    { "id": "web", "proto": "http", "port": 80,
      "login": { "kind": "http-basic", "path": "/rec/" } }
  ],
  "credentials": { "operator": { "user": "hqop", "password": { "env": "HQ_DL_OPW" } } },
  "data": {
    "kinds": {
      "recording": {
        "create": [
          { "surface": "web", "method": "PUT", "path": "/rec/cam1/{run}.mp4",
            "auth": "basic", "body": "hopquy recording {run}", "expect": [201, 204] }
        ],
        "present": [
          { "surface": "web", "method": "GET", "path": "/rec/cam1/{run}.mp4",
            "auth": "basic", "expect": 200, "contains": "hopquy recording {run}" }
        ],
        "absent": [
          { "surface": "web", "method": "GET", "path": "/rec/cam1/{run}.mp4",
            "auth": "basic", "expect": 404 },
          { "surface": "web", "method": "GET", "path": "/rec/.trash/cam1/{run}.mp4",
            "auth": "basic", "expect": 404,
            "note": "the store's hidden folder, where a soft delete would leave it" }
        ]
      }
    },
    "delete": [
      { "surface": "web", "method": "DELETE", "path": "/rec/cam1/{run}.mp4",
        "auth": "basic", "expect": [200, 201, 204],
        "note": "WebDAV answers 204; a MOVE behind it answers 201" }
    ]
  },
  "claims": {}
}
DUTF
check "dut check accepts the WebDAV recipes" \
    "$HOPQUY" dut check "$T_TMP/dut.json"

N=0
run_variant() {
	conf "$1"
	ip netns exec "$DUT" nginx -p "$T_TMP/ngx" -e "$T_TMP/ngx/error.log" \
	    -c "$T_TMP/nginx.conf" >>"$T_TMP/nginx.log" 2>&1 &
	NGX=$!
	wait_port "$LAB" $ADDR 80 || nok "$1: nginx did not start"
	N=$((N + 1))
	RUN="$T_TMP/run$N"
	ip netns exec "$LAB" "$HOPQUY" run -q --no-capture \
	    -p "$HQ_TOP/profiles/$P.json" -d "$T_TMP/dut.json" -o "$RUN" \
	    --only $G91 >"$RUN.out" 2>&1
	RC=$?
	t_kill "$NGX"
	wait "$NGX" 2>/dev/null
}
expect() {
	"$PY" - "$RUN/report.json" "$1" "$2" <<'PY' || { tail -n 5 "$RUN.out"; false; }
import json, sys
rep, want, text = sys.argv[1:4]
r = json.load(open(rep))
e = [e for e in r["results"] if e["id"].endswith("g9.1-user-data-deletion")][0]
blob = e["rationale"] + " | " + " | ".join(e.get("findings", []))
ok = e["verdict"] == want and text in blob
if not ok:
    print("  %s: %s" % (e["verdict"], blob[:500]))
sys.exit(0 if ok else 1)
PY
}

run_variant good
check "WebDAV DELETE: PASS, recording proven absent" \
    expect PASS "1 kind of data (recording) created, proven present, and proven absent after the deletion"
# One case of the real profile: INCOMPLETE (exit 2), the case PASS above.
check "WebDAV DELETE: exit 2 (INCOMPLETE: one case of the profile)" test "$RC" -eq 2
check "WebDAV DELETE: the file is gone from the disk" \
    test -z "$(find "$T_TMP/www/rec" -type f)"
check "WebDAV DELETE: operator password not in the run directory" \
    not grep -rqF -e "$OPW" "$RUN"

run_variant trash
check "DELETE that moves to a hidden folder: FAIL naming kind and step" \
    expect FAIL "recording: data survived the deletion: data.kinds.recording.absent[1] on web (GET /rec/.trash/cam1/"
check "hidden folder: exit 1" test "$RC" -eq 1
check "hidden folder: the file really sits in rec/.trash" \
    test -n "$(find "$T_TMP/www/rec/.trash" -type f)"
t_done
