#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The include-boundary check (tools/check-layers.sh): clean on the tree,
# and failing, naming the line, on a copy with a forbidden include.
. "$(dirname "$0")/lib.sh"

check "the tree keeps its layers" "$HQ_TOP/tools/check-layers.sh" "$HQ_TOP"

copy() {
	rm -rf "$T_TMP/tree"; mkdir -p "$T_TMP/tree"
	cp -r "$HQ_TOP/harness" "$HQ_TOP/testcases" "$T_TMP/tree/"
}
# bad FILE INCLUDE PATTERN: the check fails and prints PATTERN.
bad() {
	copy
	sed -i "0,/^#include \"/s||#include \"$2\"\n#include \"|" "$T_TMP/tree/$1"
	if "$HQ_TOP/tools/check-layers.sh" "$T_TMP/tree" >"$T_TMP/out" 2>&1; then
		nok "$1 including $2 passed the check"
	elif grep -q -- "$3" "$T_TMP/out"; then
		ok "$1 including $2 refused: $(head -n 1 "$T_TMP/out")"
	else
		nok "$1 including $2 refused without naming it: $(cat "$T_TMP/out")"
	fi
}
bad harness/wire/login.c core/engine.h 'wire/login.c:[0-9]*: wire may not include core'
bad harness/bench/bench.c wire/net.h 'bench/bench.c:[0-9]*: bench may not include wire'
bad harness/util/util.c model/dut.h 'util/util.c:[0-9]*: util may not include model'
bad testcases/creds.c core/engine.h 'testcases/creds.c:[0-9]*: testcases may not include core'
bad testcases/surface.c bench/bench.h 'testcases may not include bench'
bad harness/signal/audio.c core/report.h "signal may not include core"
bad harness/wire/scan.c util.h 'names no room'

echo "layers: $T_PASS passed, $T_FAIL failed"
[ $T_FAIL -eq 0 ]
