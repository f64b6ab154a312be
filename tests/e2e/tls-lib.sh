# SPDX-License-Identifier: Apache-2.0
# TLS servers with known protocol and cipher sets, for the tls e2e tests and
# bench/tls.sh (sourced after tests/e2e/lib.sh).  tls_servers_up builds two
# namespaces, a client side (TL_LAB) and a server side (TL_SRV, address
# TL_ADDR), and starts:
#   nginx  443   modern: TLS 1.2 + 1.3, ECDHE-RSA AEAD only, RSA 2048,
#                SHA-256, valid, name dut.example, server order
#   nginx  4443  weak: TLS 1.0/1.1/1.2, NULL-SHA, static RSA, CBC-SHA1,
#                DHE with a 1024-bit group, RSA 1024 key signed with SHA-1
#   gnutls 5443  3DES and RC4 (which Debian's OpenSSL cannot offer), AES-CBC,
#                TLS 1.0 and 1.2
#   nginx  6443  expired certificate (otherwise modern)
# Expected sets are in TL_EXPECT (JSON), OpenSSL names per version.
TL_ADDR=198.18.77.2
TL_LADDR=198.18.77.1
TL_EXPECT='{
 "443":  {"TLSv1.2": ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                      "ECDHE-RSA-CHACHA20-POLY1305"],
          "TLSv1.3": ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"],
          "groups13": ["x25519", "secp256r1"]},
 "4443": {"TLSv1.0": ["NULL-SHA", "AES128-SHA", "DHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA"],
          "TLSv1.1": ["NULL-SHA", "AES128-SHA", "DHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA"],
          "TLSv1.2": ["NULL-SHA", "AES128-SHA", "DHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA"]},
 "5443": {"TLSv1.0": ["DES-CBC3-SHA", "RC4-SHA", "AES128-SHA"],
          "TLSv1.2": ["DES-CBC3-SHA", "RC4-SHA", "AES128-SHA"]}
}'

tls_need_tools() {
	for t in nginx gnutls-serv openssl socat "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "skipped: $t not installed (deps/tls.txt)"
			exit 77
		fi
	done
}

# tls_certs DIR: a CA, a modern leaf, a weak leaf, an expired leaf, DH 1024.
tls_certs() {
	d=$1
	mkdir -p "$d"
	(
	cd "$d" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
	    -days 30 -subj "/CN=hopquy test CA" -sha256 2>/dev/null
	printf 'subjectAltName=DNS:dut.example\nbasicConstraints=CA:FALSE\n' >ext.cnf
	openssl req -newkey rsa:2048 -nodes -keyout good.key -out good.csr \
	    -subj "/CN=dut.example" 2>/dev/null
	openssl x509 -req -in good.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	    -out good.pem -days 20 -sha256 -extfile ext.cnf 2>/dev/null
	openssl req -newkey rsa:1024 -nodes -keyout weak.key -out weak.csr \
	    -subj "/CN=dut.example" 2>/dev/null
	openssl x509 -req -in weak.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	    -out weak.pem -days 20 -sha1 -extfile ext.cnf 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout old.key -out old.csr \
	    -subj "/CN=dut.example" 2>/dev/null
	# Expired: valid for one day starting two days ago (x509 -not_before
	# is OpenSSL 3.4+, so sign with a backdated ca command instead).
	mkdir -p ca/newcerts && : >ca/index.txt && echo 01 >ca/serial
	cat >ca.cnf <<CNF
[ca]
default_ca = d
[d]
dir = ca
database = ca/index.txt
new_certs_dir = ca/newcerts
serial = ca/serial
default_md = sha256
policy = p
copy_extensions = none
unique_subject = no
[p]
commonName = supplied
CNF
	openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key \
	    -in old.csr -out old.pem -startdate 20200101000000Z \
	    -enddate 20200102000000Z -extfile ext.cnf -notext 2>/dev/null
	openssl dhparam -out dh1024.pem 1024 2>/dev/null
	cat good.pem ca.pem >good-chain.pem
	cat weak.pem ca.pem >weak-chain.pem
	cat old.pem ca.pem >old-chain.pem
	)
}

tls_nginx_conf() {
	d=$1
	cat >"$d/nginx.conf" <<CONF
user root;
worker_processes 2;
daemon off;
pid $d/nginx.pid;
error_log $d/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $d/tmp;
	proxy_temp_path $d/tmp;
	fastcgi_temp_path $d/tmp;
	uwsgi_temp_path $d/tmp;
	scgi_temp_path $d/tmp;
	server {
		listen $TL_ADDR:443 ssl;
		ssl_certificate $d/good-chain.pem;
		ssl_certificate_key $d/good.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305;
		ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256;
		ssl_ecdh_curve X25519:prime256v1;
		ssl_prefer_server_ciphers on;
		location / { return 200 "ok\n"; }
	}
	server {
		listen $TL_ADDR:4443 ssl;
		ssl_certificate $d/weak-chain.pem;
		ssl_certificate_key $d/weak.key;
		ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
		ssl_ciphers NULL-SHA:AES128-SHA:DHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0;
		ssl_dhparam $d/dh1024.pem;
		ssl_prefer_server_ciphers off;
		location / { return 200 "ok\n"; }
	}
	server {
		listen $TL_ADDR:6443 ssl;
		ssl_certificate $d/old-chain.pem;
		ssl_certificate_key $d/old.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		location / { return 200 "ok\n"; }
	}
}
CONF
	mkdir -p "$d/tmp"
}

# tls_servers_up DIR: namespaces, certificates, nginx and gnutls-serv.
tls_servers_up() {
	d=$1
	TL_LAB=hq-tl-lab-$$
	TL_SRV=hq-tl-srv-$$
	netns_add "$TL_LAB" || return 1
	netns_add "$TL_SRV" || return 1
	veth_link "$TL_LAB" "tl$$l" "$TL_LADDR/24" "$TL_SRV" "tl$$s" \
	    "$TL_ADDR/24" || return 1
	tls_certs "$d" || return 1
	tls_nginx_conf "$d"
	bg "$TL_SRV" nginx -c "$d/nginx.conf" -p "$d"
	bg "$TL_SRV" gnutls-serv -p 5443 -a --x509keyfile "$d/good.key" \
	    --x509certfile "$d/good.pem" --priority \
	    "NONE:+VERS-TLS1.2:+VERS-TLS1.0:+3DES-CBC:+ARCFOUR-128:+AES-128-CBC:+RSA:+SHA1:+COMP-NULL:+SIGN-ALL:+GROUP-ALL:+CTYPE-X509"
	for p in 443 4443 5443 6443; do
		wait_port "$TL_LAB" "$TL_ADDR" $p 10 || {
			echo "server on port $p did not start"
			cat "$T_TMP/bg.log" "$d/nginx-error.log" 2>/dev/null
			return 1
		}
	done
}

# tls_dut FILE PORTS...: a DUT description for the servers, on the host
# bench instance TL_BENCH (default bn 37; each script its own: two runs on
# one instance at once find its lock held).
tls_dut() {
	f=$1; shift
	{
		printf '{ "format": "hopquy-dut/1",\n'
		printf '  "identity": { "manufacturer": "hopquy test bench", "model": "tls-target",\n'
		printf '    "serial": "TL-0001", "firmware": "1.0.0", "class": "ip-camera", "name": "dut.example" },\n'
		printf '  "bench": { "mode": "host", "instance": %s, "lan_if": "tl%sl", "uplink_if": "lo", "address": "%s" },\n' "${TL_BENCH:-$(bn 37)}" $$ "$TL_ADDR"
		printf '  "surfaces": ['
		sep=""
		for p in "$@"; do
			printf '%s\n    { "id": "p%s", "proto": "https", "port": %s }' "$sep" "$p" "$p"
			sep=","
		done
		printf ' ],\n  "claims": {} }\n'
	} >"$f"
}
