#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A scripted telnet login server for the end-to-end tests, in the style
of busybox's telnetd + login (not in Debian's busybox build):

  IAC WILL ECHO, IAC WILL SGA, then "\\r\\n<host> login: ", "Password: ",
  "Login incorrect" after --fail-delay s and a new prompt (3 tries, then
  close), success: the busybox ash banner and "~ # ".

Variants that real devices show: --greeting TEXT first and the login
prompt --prompt-delay MS later; --iac-sb (the first bytes are a
subnegotiation, IAC SB TERMINAL-TYPE SEND IAC SE); --silent-ms MS (nothing
at all for MS, then the prompt); --last-login MS (a success first says
"Last login:", and the rest of that line MS later, as a loaded device's
scheduling can split it).
"""
import argparse
import socket
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--addr", required=True)
ap.add_argument("--port", type=int, default=23)
ap.add_argument("--account", action="append", default=[],
                help="USER:PASSWORD")
ap.add_argument("--host", default="cam")
ap.add_argument("--greeting", default="")
ap.add_argument("--prompt-delay", type=int, default=0)
ap.add_argument("--silent-ms", type=int, default=0)
ap.add_argument("--iac-sb", action="store_true")
ap.add_argument("--fail-delay", type=float, default=1.0)
ap.add_argument("--user-prompt", default=None,
                help="instead of '<host> login: '")
ap.add_argument("--fail-text", default="Login incorrect")
ap.add_argument("--shell-prompt", default="~ # ")
ap.add_argument("--last-login", type=int, default=0)
A = ap.parse_args()
ACC = dict(a.split(":", 1) for a in A.account)
IAC, WILL, SB, SE = 255, 251, 250, 240


def readline(c, echo):
    """A line from the client, telnet commands dropped; None on close."""
    out = bytearray()
    state = 0
    while True:
        b = c.recv(1)
        if not b:
            return None
        x = b[0]
        if state == 0:
            if x == IAC:
                state = 1
            elif x in (10, 13):
                if x == 13 or out:
                    return out.decode(errors="replace")
            elif x != 0:
                out.append(x)
                if echo:
                    c.sendall(b)
        elif state == 1:
            state = 2 if 251 <= x <= 254 else 3 if x == SB else 0
        elif state == 2:
            state = 0
        elif state == 3:
            state = 4 if x == IAC else 3
        elif state == 4:
            state = 0 if x == SE else 3


def serve(c):
    try:
        if A.silent_ms:
            time.sleep(A.silent_ms / 1000.0)
        if A.iac_sb:
            c.sendall(bytes([IAC, SB, 24, 1, IAC, SE]))
        c.sendall(bytes([IAC, WILL, 1, IAC, WILL, 3]))
        if A.greeting:
            c.sendall(A.greeting.encode() + b"\r\n")
        if A.prompt_delay:
            time.sleep(A.prompt_delay / 1000.0)
        for _ in range(3):
            c.sendall(("\r\n" + (A.user_prompt or "%s login: " % A.host))
                      .encode())
            u = readline(c, True)
            if u is None:
                return
            c.sendall(b"\r\nPassword: ")
            p = readline(c, False)
            if p is None:
                return
            if u in ACC and ACC[u] == p:
                if A.last_login:
                    c.sendall(b"\r\nLast login:")
                    time.sleep(A.last_login / 1000.0)
                    c.sendall(b" Thu Dec  3 17:00:00 UTC 2026 from "
                              b"198.18.124.1 on pts/0")
                c.sendall(b"\r\n\r\n\r\nBusyBox v1.36.1 () built-in shell "
                          b"(ash)\r\nEnter 'help' for a list of built-in "
                          b"commands.\r\n\r\n" + A.shell_prompt.encode())
                time.sleep(0.5)
                return
            time.sleep(A.fail_delay)
            c.sendall(("\r\n" + A.fail_text).encode())
    except OSError:
        pass
    finally:
        c.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((A.addr, A.port))
s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
