#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs every build and test dependency listed in deps/*.txt (one Debian
# package a line, '#' comments).  Non-interactive; safe to run twice.
set -eu
cd "$(dirname "$0")/.."
pkgs=$(sed -e 's/#.*//' deps/*.txt | tr -s ' \t\n' '\n' | sort -u | tr '\n' ' ')
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
	    missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all $(echo $pkgs | wc -w) packages present"
	exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" |
    $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
