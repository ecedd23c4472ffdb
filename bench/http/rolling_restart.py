#!/usr/bin/env python3
"""Requests lost while brisk is redeployed, counted by wrk at a steady rate.

  rolling restart  three brisk behind HAProxy (health checks on /healthz),
                   each sent SIGTERM in turn and replaced on its port once it
                   has exited; wrk goes through HAProxy
  upgrade          a new brisk started on the port of a running one
                   (SO_REUSEPORT), then the old one sent SIGTERM; wrk goes
                   straight to the port

Prints, for each, wrk's request count, socket errors and non-2xx/3xx
responses: every figure but the first should be 0. HAProxy has no retries
and no redispatch, so what it would lose is counted.

  usage: bench/http/rolling_restart.py [--quick] [--drain-delay-ms MS] [--no-upgrade]
    default   HAProxy's default checks (inter 2 s, fall 3, rise 2) against
              brisk's default drain_delay_ms (7000); about 70 s
    --quick   checks every 200 ms, out after 2, drain_delay_ms 2000; about 25 s
    --drain-delay-ms 0   what a drain without the delay loses

Needs a build (build/server/brisk or $BRISK_BINARY), wrk and haproxy
(scripts/install-deps.sh). 127.0.0.1 only, about 200 requests/s; every
process it starts is stopped on the way out.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "daemon"))
from brisk_harness import HOST  # noqa: E402
from rolling import Haproxy, brisk_maker, haproxy_binary, rolling_restart, upgrade_in_place  # noqa: E402

CONNECTIONS, DELAY_MS = 8, 40  # 8 connections x 25 requests/s


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Wrk:
    """wrk at a steady rate until stop() (SIGINT: wrk prints its figures and exits)."""

    def __init__(self, port):
        env = dict(os.environ, STEADY_DELAY_MS=str(DELAY_MS))
        self.proc = subprocess.Popen(["wrk", "-t1", f"-c{CONNECTIONS}", "-d600s", "-s",
                                      os.path.join(HERE, "steady.lua"), f"http://{HOST}:{port}/plaintext"],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=30)
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        errors = dict.fromkeys(("connect", "read", "write", "timeout"), 0)
        if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
            errors = dict(zip(errors, map(int, m.groups())))
        non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
        return {"requests": requests, "socket_errors": errors, "non_2xx": non_2xx}

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def report(name, result, statuses):
    errors = result["socket_errors"]
    print(f"{name}: {result['requests']} requests, {sum(errors.values())} socket errors "
          f"(connect {errors['connect']}, read {errors['read']}, write {errors['write']}, "
          f"timeout {errors['timeout']}), {result['non_2xx']} non-2xx; brisk exit statuses {statuses}",
          flush=True)
    return sum(errors.values()) + result["non_2xx"] == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--drain-delay-ms", type=int)
    parser.add_argument("--no-upgrade", action="store_true")
    args = parser.parse_args()
    for tool, found in (("wrk", subprocess.run(["which", "wrk"], capture_output=True).returncode == 0),
                        ("haproxy", haproxy_binary())):
        if not found:
            sys.exit(f"rolling_restart.py: {tool} not found (scripts/install-deps.sh)")
    inter_ms, fall, delay_ms = (200, 2, 2000) if args.quick else (2000, 3, 7000)
    if args.drain_delay_ms is not None:
        delay_ms = args.drain_delay_ms
    make = brisk_maker(delay_ms)
    started = []

    def make_tracked(port=None):
        b = make(port)
        started.append(b)
        return b

    wrk, haproxy, clean = None, None, True
    try:
        log(f"rolling restart: 3 brisk (drain_delay_ms {delay_ms}) behind HAProxy (inter {inter_ms} ms, "
            f"fall {fall}, rise 2), wrk -c{CONNECTIONS} at about {CONNECTIONS * 1000 // DELAY_MS} requests/s")
        bricks = [make_tracked().start() for _ in range(3)]
        haproxy = Haproxy([b.port for b in bricks], inter_ms=inter_ms, fall=fall).start()
        wrk = Wrk(haproxy.port)
        time.sleep(1)
        replacements, statuses = rolling_restart(bricks, haproxy, make_tracked, log)
        time.sleep(1)
        clean &= report("rolling restart", wrk.stop(), statuses)
        for b in replacements:
            b.stop()
        haproxy.cleanup()

        if not args.no_upgrade:
            log(f"upgrade: a new brisk beside the old one on its port, wrk straight to it")
            old = make_tracked().start()
            wrk = Wrk(old.port)
            time.sleep(1)
            new, status = upgrade_in_place(old, make_tracked, log)
            time.sleep(1)
            clean &= report("upgrade", wrk.stop(), [status])
            queued = re.findall(r"served the (\d+) connection\(s\) still queued", old.stderr())
            log(f"upgrade: the old brisk took {sum(map(int, queued))} connection(s) from its accept queue "
                f"as it closed (each one a reset without try_accept)")
            new.stop()
    finally:
        if wrk is not None:
            wrk.kill()
        if haproxy is not None:
            haproxy.cleanup()
        for b in started:
            b.cleanup()
    sys.exit(0 if clean else 1)


if __name__ == "__main__":
    main()
