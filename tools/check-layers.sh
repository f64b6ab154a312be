#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Checks the include boundaries of harness/README: every `#include "..."`
# of harness/ROOM/*.[ch] and testcases/*.[ch] must reach a room the
# including room may use.  Usage: check-layers.sh [TOP]; exits 1 and names
# each offending line, 0 when the tree keeps its layers.
top=${1:-$(dirname "$0")/..}
cd "$top" || exit 2

# allowed ROOM: the rooms (and "family", testcases/family.h) it may include.
allowed() {
	case $1 in
	util)		echo "util" ;;
	model)		echo "model util" ;;
	wire)		echo "wire model util" ;;
	bench)		echo "bench model util" ;;
	signal)		echo "signal wire evidence model util" ;;
	evidence)	echo "evidence util" ;;
	core)		echo "core model bench wire signal evidence util family" ;;
	family)		echo "core bench model evidence util" ;;
	testcases)	echo "testcases family model wire signal evidence util" ;;
	*)		echo "" ;;
	esac
}

bad=0
for f in harness/*/*.c harness/*/*.h harness/*/*.inc testcases/*.c \
    testcases/*.h; do
	[ -f "$f" ] || continue
	case $f in
	testcases/family.h) from=family ;;
	testcases/*) from=testcases ;;
	harness/*) from=$(echo "$f" | cut -d/ -f2) ;;
	esac
	ok=$(allowed "$from")
	if [ -z "$ok" ]; then
		echo "$f: room '$from' is not in harness/README" >&2
		bad=1
		continue
	fi
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
	while IFS= read -r line; do
		n=${line%%:*}
		target=$(echo "$line" | sed 's/^[^"]*"\([^"]*\)".*/\1/')
		case $target in
		*/*) to=${target%%/*} ;;
		family.h) to=family ;;
		*)
			if [ "$from" = testcases ] && [ -f "testcases/$target" ]; then
				to=testcases
			else
				echo "$f:$n: \"$target\" names no room (write \"ROOM/$target\")"
				continue
			fi ;;
		esac
		case " $ok " in
		*" $to "*) ;;
		*) echo "$f:$n: $from may not include $to (\"$target\"; see harness/README)" ;;
		esac
	done
done >"${TMPDIR:-/tmp}/hq-layers.$$"
if [ -s "${TMPDIR:-/tmp}/hq-layers.$$" ]; then
	cat "${TMPDIR:-/tmp}/hq-layers.$$" >&2
	bad=1
fi
rm -f "${TMPDIR:-/tmp}/hq-layers.$$"
[ $bad -eq 0 ] && echo "layers: every include keeps harness/README's boundaries"
exit $bad
