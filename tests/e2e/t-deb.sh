#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Debian package: dpkg-buildpackage -us -uc -b on a copy of the tree
# builds hopquy_*.deb, lintian finds no error, the package holds the
# binary, profiles, data, schemas and manual pages; installed with dpkg,
# hopquy run from / finds its profiles and runs the QCVN 135 surface case
# against the simulator (bench instance 173), then the package is purged.
# `make install` into a prefix of our own rebuilds what compiles the data
# path in, the installed binary finds its profiles from /, and
# `make uninstall` removes what install put there.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
for t in dpkg-buildpackage dh lintian fakeroot; do
	command -v $t >/dev/null 2>&1 ||
	    { echo "skipped: $t missing (deps/campaign.txt)"; exit 77; }
done
if dpkg-query -W -f='${Status}' hopquy 2>/dev/null | grep -q installed ||
    [ -e /usr/bin/hopquy ]; then
	echo "skipped: a hopquy is installed on this machine already"; exit 77
fi
trap 'dpkg -P hopquy >/dev/null 2>&1; simbench_down; t_cleanup' EXIT
SRC="$T_TMP/src/hopquy"
mkdir -p "$SRC"
(cd "$HQ_TOP" && git ls-files -co --exclude-standard | grep -v '^build/' |
    tar -cf - -T -) | tar -xf - -C "$SRC"
(cd "$SRC" && nice dpkg-buildpackage -us -uc -b) >"$T_TMP/build.log" 2>&1
rc=$?
DEB=$(ls "$T_TMP"/src/hopquy_*_*.deb 2>/dev/null | head -n 1)
check "dpkg-buildpackage -us -uc -b builds hopquy_*.deb (exit $rc)" \
    [ $rc -eq 0 ] && [ -n "$DEB" ]
[ -n "$DEB" ] || { tail -20 "$T_TMP/build.log"; t_done; }
lintian --fail-on error "$DEB" >"$T_TMP/lintian.out" 2>&1
rc=$?
check "lintian: no error (exit $rc)" [ $rc -eq 0 ]
grep '^E:' "$T_TMP/lintian.out"
dpkg -c "$DEB" | awk '{print $6}' >"$T_TMP/contents"
for f in ./usr/bin/hopquy ./usr/share/hopquy/profiles/qcvn135-2024.json \
    ./usr/share/hopquy/profiles/data/default-credentials.txt \
    ./usr/share/hopquy/schemas/dut.schema.json \
    ./usr/share/hopquy/schemas/campaign.schema.json \
    ./usr/share/man/man1/hopquy.1.gz ./usr/share/man/man1/hopquy-campaign.1.gz \
    ./usr/share/man/man5/hopquy-dut.5.gz ./usr/share/doc/hopquy/copyright; do
	check "package holds $f" grep -qx "$f" "$T_TMP/contents"
done

# Installed with dpkg: from /, the demo profile against the simulator.
dpkg -i "$DEB" >"$T_TMP/dpkg.log" 2>&1
check "dpkg -i installs it" [ -x /usr/bin/hopquy ]
check "installed hopquy lists its profiles from /" sh -c \
    "cd / && /usr/bin/hopquy profile list | grep -q '^qcvn135-2024 '"
N=$(bn 173)
simbench_up $N || nok "bench $N with dutsim"
(cd / && /usr/bin/hopquy run -q -p qcvn135-2024 --only qcvn135-2024/g6.1 \
    -d "$SB_DUT" -o "$T_TMP/debrun") >"$T_TMP/debrun.out" 2>&1
rc=$?
# One case of the profile: INCOMPLETE (exit 2); that case PASS.
check "installed hopquy runs qcvn135-2024 against the simulator from / (exit $rc)" \
    [ $rc -eq 2 ] && grep -q '"id":"qcvn135-2024/g6.1-declared-services".*"verdict":"PASS"' "$T_TMP/debrun/results.jsonl"
simbench_down
dpkg -P hopquy >"$T_TMP/dpkg-purge.log" 2>&1
check "dpkg -P removes it" [ ! -e /usr/bin/hopquy ] && [ ! -e /usr/share/hopquy ]

# make install / uninstall with a prefix of our own (no DESTDIR): the
# build directory of the package was made with PREFIX=/usr.
B="$SRC/debian/build"
check "the package's binary has /usr/share/hopquy compiled in" \
    grep -q '/usr/share/hopquy/profiles' "$B/hopquy"
P="$T_TMP/inst"
(cd "$SRC" && make BUILD=debian/build install PREFIX="$P") >"$T_TMP/inst.log" 2>&1
check "make install PREFIX=$P rebuilt the data path in" \
    grep -q "$P/share/hopquy/profiles" "$P/bin/hopquy"
check "installed hopquy lists its profiles from /" sh -c \
    "cd / && '$P/bin/hopquy' profile list | grep -q '^qcvn135-2024 '"
sed "s/\"instance\": 0/\"instance\": $N/" "$HQ_TOP/fixtures/duts/dutsim.json" \
    >"$T_TMP/dut.json"
check "installed hopquy plans qcvn135-2024 from /" sh -c \
    "cd / && '$P/bin/hopquy' plan -p qcvn135-2024 -d '$T_TMP/dut.json' | grep -q 'test cases run'"
(cd "$SRC" && make BUILD=debian/build install PREFIX=/usr DESTDIR="$T_TMP/dest") \
    >>"$T_TMP/inst.log" 2>&1
check "DESTDIR install with PREFIX=/usr: /usr/share/hopquy compiled in again" \
    grep -q '/usr/share/hopquy/profiles' "$T_TMP/dest/usr/bin/hopquy"
(cd "$SRC" && make BUILD=debian/build uninstall PREFIX="$P") >>"$T_TMP/inst.log" 2>&1
check "make uninstall leaves no file behind" \
    [ -z "$(find "$P" -type f 2>/dev/null)" ]
printf 't-deb: '
t_done
