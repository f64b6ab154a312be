#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The room around a real camera pipeline (Debian's motion), for
t-netcut-motion.sh: what a lab has, in the thinnest honest form.

- The scene: the picture in FRAME, replaced (atomically) FPS times a
  second, which ffmpeg streams as the MJPEG motion watches: a still
  picture, or for an alarming stimulus a clip with something moving, for
  CLIP_S seconds.
- The microphone: a WAV file recorded in real time (16 kHz mono, plain
  44-byte header, no clock note: the DUT file aligns it by the calibration
  tone), low noise, plus the calibrator's tone on request and the siren
  while the alarm script has it sounding.
- The light sensor: "<unix-ms> on|off" lines when the alarm script turns
  the LED on or off.
- One TCP line protocol on PORT for the lab's stimulus driver ("person",
  "empty", "foliage", "calibrate" -> "ok <mono-ms>") and for the alarm
  scripts motion runs ("siren MS", "led on", "led off").

usage: motion-room.py PORT STILL.jpg CLIPDIR FRAME WAV LEDLOG
       motion-room.py --feed FRAME   (FRAME's picture FPS times a second
                                      to stdout, for ffmpeg's image2pipe)
"""
import math
import os
import random
import socket
import struct
import sys
import threading
import time

FPS = 10
RATE = 16000
FRAME = 80          # samples per write: 5 ms
CLIP_S = 3.0

def mono():
    return time.clock_gettime(time.CLOCK_MONOTONIC)


if sys.argv[1] == "--feed":
    t0, n = mono(), 0
    while True:
        try:
            with open(sys.argv[2], "rb") as f:
                sys.stdout.buffer.write(f.read())
            sys.stdout.buffer.flush()
        except (BrokenPipeError, ConnectionResetError):
            os._exit(0)
        n += 1
        time.sleep(max(0.0, t0 + n / FPS - mono()))

port, still_path, clip_dir, frame_path, wav_path, led_path = sys.argv[1:7]
still = open(still_path, "rb").read()
clip = [open(os.path.join(clip_dir, f), "rb").read()
        for f in sorted(os.listdir(clip_dir)) if f.endswith(".jpg")]
lock = threading.Lock()
state = {"clip_until": 0.0, "cal": (0, 0), "siren": (0, 0)}


def scene():
    t0 = mono()
    n = 0
    while True:
        now = mono()
        with lock:
            until = state["clip_until"]
        if now < until:
            k = int((now - (until - CLIP_S)) * FPS) % len(clip)
            frame = clip[k]
        else:
            frame = still
        with open(frame_path + ".new", "wb") as f:
            f.write(frame)
        os.rename(frame_path + ".new", frame_path)
        n += 1
        time.sleep(max(0.0, t0 + n / FPS - mono()))


def microphone():
    f = open(wav_path, "wb")
    f.write(b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16) +
            b"data" + struct.pack("<I", 0xFFFFFFFF))
    f.flush()
    t0 = mono()
    n = 0
    rng = random.Random(7)
    while True:
        with lock:
            c0, c1 = state["cal"]
            s0, s1 = state["siren"]
        buf = bytearray()
        for i in range(FRAME):
            t = t0 + (n + i) / RATE
            v = rng.uniform(-10, 10)
            if c0 <= t < c1:
                v += 3277 * math.sin(2 * math.pi * 1000 * (t - c0))
            if s0 <= t < s1:
                # a 2.5-3.5 kHz warble, as sirens sound
                ph = 2 * math.pi * (3000 * (t - s0) -
                                    500 / (2 * math.pi * 4) *
                                    math.cos(2 * math.pi * 4 * (t - s0)))
                v += 16000 * math.sin(ph)
            buf += struct.pack("<h", max(-32768, min(32767, int(v))))
        f.write(buf)
        f.flush()
        n += FRAME
        time.sleep(max(0.0, t0 + n / RATE - mono()))


def led(on):
    with open(led_path, "a") as f:
        f.write("%d %s\n" % (int(time.time() * 1000), "on" if on else "off"))


def client(c):
    c.settimeout(30)
    rf = c.makefile("rb")
    for line in rf:
        now = mono()
        w = line.decode("ascii", "replace").split()
        reply = "ok %d\n" % int(now * 1000)
        with lock:
            if w == ["person"] or w == ["intruder"]:
                state["clip_until"] = now + CLIP_S
            elif w in (["empty"], ["foliage"]):
                pass
            elif w == ["calibrate"]:
                state["cal"] = (now, now + 1.0)
            elif len(w) == 2 and w[0] == "siren" and w[1].isdigit():
                state["siren"] = (now, now + int(w[1]) / 1000)
            elif w == ["led", "on"]:
                led(True)
            elif w == ["led", "off"]:
                led(False)
            else:
                reply = "err unknown\n"
        c.sendall(reply.encode())
    c.close()


threading.Thread(target=scene, daemon=True).start()
threading.Thread(target=microphone, daemon=True).start()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", int(port)))
srv.listen(8)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=client, args=(conn,), daemon=True).start()
