#!/usr/bin/env python3
"""Opens COUNT keep-alive connections to 127.0.0.1:PORT and leaves them idle.

Each connection sends one GET and reads its whole response (so the server
has been through a full request on it, as a real keep-alive client would),
then goes quiet. Connects are paced (at most --inflight at once) so the
listen backlog never overflows into SYN retransmits.

Protocol with the caller (bench/http/harness.py), one line each on stdout:
  HELD n        all connections that could be opened are idle now (n of COUNT)
  ALIVE n       after stdin closes: n of them were still open (not closed or
                written to by the server while idle)
Then every socket is closed with a reset (SO_LINGER 0) so the client side
leaves no TIME_WAIT behind, and the process exits. It never holds longer than
--max-hold seconds, whatever the caller does. Python 3 standard library only.
"""

import argparse
import errno
import resource
import selectors
import socket
import struct
import sys
import time

CONNECTING, SENDING, READING, IDLE = range(4)


class Conn:
    __slots__ = ("sock", "state", "out", "buf", "need")

    def __init__(self, sock, request):
        self.sock = sock
        self.state = CONNECTING
        self.out = request
        self.buf = b""
        self.need = None  # total bytes of head + body, once the head is parsed


def response_complete(conn):
    """True once the buffered bytes hold one whole response."""
    if conn.need is None:
        end = conn.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = conn.buf[:end].decode("latin-1").split("\r\n")
        if not head[0].startswith("HTTP/1.1 2"):
            raise ValueError("unexpected status line: " + head[0])
        length = None
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise ValueError("response without Content-Length")
        conn.need = end + 4 + length
    return len(conn.buf) >= conn.need


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--path", default="/plaintext")
    ap.add_argument("--inflight", type=int, default=200)
    ap.add_argument("--open-timeout", type=float, default=60.0)
    ap.add_argument("--max-hold", type=float, default=120.0)
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft != resource.RLIM_INFINITY and args.count > soft - 32:
        sys.exit(f"idle_client: --count {args.count} needs more than the fd limit {soft}")

    request = (f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n\r\n").encode()
    sel = selectors.DefaultSelector()
    active = {}
    idle = []
    failed = {"connect": 0, "reset": 0, "bad": 0}
    started = 0
    deadline = time.monotonic() + args.open_timeout

    def finish(conn, ok, kind=None):
        sel.unregister(conn.sock)
        del active[conn.sock.fileno()]
        if ok:
            conn.state = IDLE
            idle.append(conn)
        else:
            failed[kind] += 1
            conn.sock.close()

    while (started < args.count or active) and time.monotonic() < deadline:
        while started < args.count and len(active) < args.inflight:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex(("127.0.0.1", args.port))
            started += 1
            if err not in (0, errno.EINPROGRESS):
                failed["connect"] += 1
                s.close()
                continue
            c = Conn(s, request)
            active[s.fileno()] = c
            sel.register(s, selectors.EVENT_WRITE, c)
        for key, _ in sel.select(timeout=0.5):
            c = key.data
            try:
                if c.state == CONNECTING:
                    err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        finish(c, False, "connect")
                        continue
                    c.state = SENDING
                if c.state == SENDING:
                    sent = c.sock.send(c.out)
                    c.out = c.out[sent:]
                    if not c.out:
                        c.state = READING
                        sel.modify(c.sock, selectors.EVENT_READ, c)
                    continue
                data = c.sock.recv(65536)
                if not data:
                    finish(c, False, "reset")
                    continue
                c.buf += data
                if response_complete(c):
                    c.buf = b""
                    finish(c, True)
            except (ConnectionError, OSError):
                finish(c, False, "reset")
            except ValueError as e:
                print(f"idle_client: {e}", file=sys.stderr)
                finish(c, False, "bad")

    for c in list(active.values()):
        finish(c, False, "connect")
    if any(failed.values()):
        print(f"idle_client: failed {failed}", file=sys.stderr)
    print(f"HELD {len(idle)}", flush=True)

    # Wait for the caller to close our stdin (or for the hold limit).
    sel.register(sys.stdin, selectors.EVENT_READ)
    hold_until = time.monotonic() + args.max_hold
    while time.monotonic() < hold_until:
        if sel.select(timeout=max(0.0, hold_until - time.monotonic())):
            if not sys.stdin.buffer.read1(4096):
                break
    sel.unregister(sys.stdin)

    # A connection is still alive if the server has neither closed it nor
    # written to it: nothing is readable on it.
    probe = selectors.DefaultSelector()
    for c in idle:
        probe.register(c.sock, selectors.EVENT_READ)
    readable = len(probe.select(timeout=0))
    print(f"ALIVE {len(idle) - readable}", flush=True)
    linger = struct.pack("ii", 1, 0)
    for c in idle:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        c.sock.close()


if __name__ == "__main__":
    main()
