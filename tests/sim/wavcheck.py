#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Checks dutsim's siren recording (a WAV that may still be growing).

Sample n of the file is at CLOCK_MONOTONIC t0 + n / rate, t0 in ms taken
from the LIST/INFO/ICMT chunk ("... t0_mono_ms=T ... rate=R").  Times on
the command line are CLOCK_MONOTONIC milliseconds, as the stimulus socket
answers them.  Each command prints what it measured and exits 0 when the
expectation holds, 1 when not, 2 on a bad file.

  wavcheck.py t0 WAV                      print t0_mono_ms and rate
  wavcheck.py clock WAV TOL_MS            file end within TOL of the clock
  wavcheck.py onset WAV FROM EXPECT TOL   first siren sample at EXPECT+-TOL
  wavcheck.py silent WAV FROM TO          nothing above threshold
  wavcheck.py level WAV FROM DB TOL       peak of the first sound after FROM
  wavcheck.py length WAV FROM MS TOL      length of the first sound
  wavcheck.py tone WAV FROM HZ DB         frequency (2 %) and level (1 dB)
  wavcheck.py final WAV                   header sizes match the file
"""
import math
import struct
import sys
import time

THR_DB = -50.0          # onset threshold; the noise floor is about -70


def load(path):
    with open(path, "rb") as f:
        b = f.read()
    if len(b) < 12 or b[0:4] != b"RIFF" or b[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos, fmt, t0, data_off, data_size = 12, None, None, None, None
    while pos + 8 <= len(b):
        cid, size = b[pos:pos + 4], struct.unpack("<I", b[pos + 4:pos + 8])[0]
        body = pos + 8
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", b[body:body + 16])
        elif cid == b"LIST" and b[body:body + 4] == b"INFO":
            p = body + 4
            while p + 8 <= body + size:
                sid = b[p:p + 4]
                sl = struct.unpack("<I", b[p + 4:p + 8])[0]
                if sid == b"ICMT":
                    text = b[p + 8:p + 8 + sl].split(b"\0")[0].decode()
                    kv = dict(w.split("=", 1) for w in text.split()
                              if "=" in w)
                    t0 = float(kv["t0_mono_ms"])
                p += 8 + sl + (sl & 1)
        elif cid == b"data":
            data_off, data_size = body, size
            break
        pos = body + size + (size & 1)
    if fmt is None or fmt[0] != 1 or fmt[1] != 1 or fmt[5] != 16:
        raise ValueError("not mono 16-bit PCM")
    if t0 is None or data_off is None:
        raise ValueError("no t0 comment or no data chunk")
    n = (len(b) - data_off) // 2
    samples = struct.unpack("<%dh" % n, b[data_off:data_off + 2 * n])
    return {"rate": fmt[2], "t0": t0, "s": samples, "data_size": data_size,
            "data_off": data_off, "riff_size":
            struct.unpack("<I", b[4:8])[0], "file_len": len(b)}


def idx(w, ms):
    return max(0, int(math.ceil((ms - w["t0"]) * w["rate"] / 1000.0)))


def at_ms(w, i):
    return w["t0"] + i * 1000.0 / w["rate"]


def db(x):
    return 20 * math.log10(max(abs(x), 1) / 32767.0)


def onset(w, frm, to=None):
    thr = 32767.0 * 10 ** (THR_DB / 20)
    s, i = w["s"], idx(w, frm)
    end = len(s) if to is None else min(len(s), idx(w, to))
    while i < end:
        if abs(s[i]) > thr:
            return i
        i += 1
    return None


def sound_end(w, i):
    """First sample of a 20 ms stretch below threshold after i."""
    thr = 32767.0 * 10 ** (THR_DB / 20)
    s, quiet, need = w["s"], 0, w["rate"] // 50
    while i < len(s):
        quiet = quiet + 1 if abs(s[i]) <= thr else 0
        if quiet >= need:
            return i - need + 1
        i += 1
    return None


def main(a):
    cmd = a[0]
    t1 = time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0
    w = load(a[1])
    t2 = time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0
    if cmd == "t0":
        print("%d %d" % (w["t0"], w["rate"]))
        return 0
    if cmd == "final":
        ok = (w["data_size"] == w["file_len"] - w["data_off"] and
              w["riff_size"] == w["file_len"] - 8)
        print("data %d riff %d file %d" % (w["data_size"], w["riff_size"],
                                            w["file_len"]))
        return 0 if ok else 1
    if cmd == "clock":
        # the file was read between t1 and t2
        end, tol = at_ms(w, len(w["s"])), float(a[2])
        print("file ends at %.1f ms, read between %.1f and %.1f ms" %
              (end, t1, t2))
        return 0 if t1 - tol <= end <= t2 + tol else 1
    if cmd == "silent":
        i = onset(w, float(a[2]), float(a[3]))
        if i is not None:
            print("sound at %.1f ms (%.1f dBFS)" % (at_ms(w, i),
                                                 db(w["s"][i])))
            return 1
        print("silent from %s to %s ms" % (a[2], a[3]))
        return 0
    i = onset(w, float(a[2]))
    if i is None:
        print("no sound after %s ms" % a[2])
        return 1
    if cmd == "onset":
        d = at_ms(w, i) - float(a[3])
        print("onset at %.2f ms, %+.2f ms from the expected %s" %
              (at_ms(w, i), d, a[3]))
        return 0 if abs(d) <= float(a[4]) else 1
    seg = w["s"][i:i + w["rate"] // 5]
    peak = db(max(abs(x) for x in seg))
    if cmd == "level":
        print("peak %.2f dBFS, expected %s" % (peak, a[3]))
        return 0 if abs(peak - float(a[3])) <= float(a[4]) else 1
    if cmd == "length":
        e = sound_end(w, i)
        if e is None:
            print("sound still on at the end of the file")
            return 1
        ln = (e - i) * 1000.0 / w["rate"]
        print("sound lasted %.1f ms, expected %s" % (ln, a[3]))
        return 0 if abs(ln - float(a[3])) <= float(a[4]) else 1
    if cmd == "tone":
        zc = sum(1 for k in range(1, len(seg))
                 if (seg[k - 1] < 0) != (seg[k] < 0))
        hz = zc / 2.0 / (len(seg) / float(w["rate"]))
        print("tone %.1f Hz at %.2f dBFS" % (hz, peak))
        return 0 if (abs(hz - float(a[3])) <= 0.02 * float(a[3]) and
                     abs(peak - float(a[4])) <= 1.0) else 1
    print("unknown command %s" % cmd)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, ValueError, IndexError, KeyError, struct.error) as e:
        print("wavcheck: %s" % e)
        sys.exit(2)
