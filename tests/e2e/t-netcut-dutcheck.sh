#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `hopquy dut check` warns about alarm instruments that cannot be there on
# this host (an ALSA capture device that does not exist, a serial light
# sensor that is not a character device, a file source whose directory is
# missing) and is quiet about ones that can.
. "$(dirname "$0")/lib.sh"
dut() {	# dut AUDIO LIGHT: a DUT description with those sources
	cat >"$T_TMP/d.json" <<JSON
{ "format": "hopquy-dut/1",
  "identity": { "manufacturer": "x", "model": "y", "serial": "z", "firmware": "1", "class": "ai-camera" },
  "bench": { "mode": "namespaces", "address": "198.18.0.2" },
  "surfaces": [ { "id": "web", "proto": "http", "port": 80 } ], "claims": {},
  "alarm": { "stimulus": { "driver": "manual" },
             "audio": { "source": "$1", "calibration": { "tone_hz": 1000, "db": 94 } },
             "light": { "source": "$2", "kind": "steady", "format": "on/off" } } }
JSON
	"$HOPQUY" dut check "$T_TMP/d.json" >"$T_TMP/out" 2>"$T_TMP/err"
}
dut alsa:hw:63,0 serial:/dev/null:9600
check "missing ALSA device: ok with a warning naming it" sh -c \
    "grep -q ': ok:' '$T_TMP/out' && grep -q 'alarm.audio.source alsa:hw:63,0: no capture device /dev/snd/pcmC63D0c' '$T_TMP/err'"
check "a character device as serial sensor: no warning about it" \
    not grep -q 'alarm.light' "$T_TMP/err"
dut "file:$T_TMP/siren.wav" "serial:$T_TMP/d.json"
check "a serial sensor that is a plain file: warned" \
    grep -q "alarm.light.source: $T_TMP/d.json is not a character device" "$T_TMP/err"
check "a file source in an existing directory: no warning" \
    not grep -q 'alarm.audio' "$T_TMP/err"
dut "file:$T_TMP/nodir/siren.wav" "serial:$T_TMP/nodev"
check "a file source's missing directory and a missing serial device: warned" \
    sh -c "grep -q 'nodir: no such directory' '$T_TMP/err' && grep -q 'nodev does not exist' '$T_TMP/err'"
t_done
