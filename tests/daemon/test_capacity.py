"""Capacity: ten thousand idle connections (as many as RLIMIT_NOFILE allows)
cost little memory and do not slow a new request down; a thousand
concurrent requests are all answered."""

import os
import re
import resource
import selectors
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import HOST, BriskTestCase, ConnectionClosed, metric, raise_nofile_limit, request_bytes, wait_until  # noqa: E402

IDLE_CONNECTIONS = 10000
SPARE_FDS = 200  # for the test process and the daemon beyond the connections themselves


def close_all(socks):
    for s in socks:
        s.close()
    socks.clear()


class IdleConnections(BriskTestCase):
    def test_ten_thousand_idle_connections(self):
        limit = raise_nofile_limit(2 * IDLE_CONNECTIONS)
        target = min(IDLE_CONNECTIONS, limit - SPARE_FDS)
        self.assertGreater(target, 1000, f"RLIMIT_NOFILE is only {limit}")
        b = self.start_brisk({"server": {"backlog": 4096},
                              "limits": {"max_connections": target + 1000},
                              "timeouts": {"header_ms": 120000, "idle_ms": 120000}})
        baseline = metric(b.metrics(), "brisk_connections_open")
        rss_before = b.rss_kb()

        socks = []
        self.addCleanup(close_all, socks)
        start = time.monotonic()
        for _ in range(target):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect((HOST, b.port))
            socks.append(s)
        opened = time.monotonic() - start
        # Every scrape counts its own connection (1). The baseline may count
        # one more, from the harness, that closes meanwhile: a target over
        # it could never be reached.
        accepted = wait_until(lambda: metric(b.metrics(), "brisk_connections_open") >= target + 1, 20, 0.2)
        self.assertTrue(accepted, f"brisk_connections_open = {metric(b.metrics(), 'brisk_connections_open')}, "
                                  f"{target} connected")
        rss_after = b.rss_kb()
        self.assertGreater(metric(b.metrics(), "process_max_fds"), target)
        per_connection = (rss_after - rss_before) * 1024 / target

        worst = 0.0
        for _ in range(5):
            t = time.monotonic()
            status, _, body = b.get("/plaintext", timeout=5)
            worst = max(worst, time.monotonic() - t)
            self.assertEqual((status, body), (200, b"Hello, World!"))
        self.assertLess(worst, 1.0, f"a new request took {worst:.3f} s with {target} idle connections")

        for s in (socks[0], socks[len(socks) // 2], socks[-1]):  # the idle ones are served too
            t = time.monotonic()
            s.sendall(request_bytes("GET", "/plaintext"))
            data = b""
            while not data.endswith(b"Hello, World!"):
                chunk = s.recv(4096)
                self.assertTrue(chunk, "an idle connection was closed")
                data += chunk
            self.assertTrue(data.startswith(b"HTTP/1.1 200"))
            self.assertLess(time.monotonic() - t, 1.0)

        sys.stderr.write(f"\n  {target} idle connections opened in {opened:.2f} s; RSS {rss_before} -> {rss_after} kB"
                         f" ({per_connection:.0f} bytes each); worst new request {worst * 1000:.1f} ms\n")
        self.assertLess(per_connection, 50 * 1024, "an idle connection should not hold large buffers")

        close_all(socks)
        self.assertTrue(wait_until(lambda: metric(b.metrics(), "brisk_connections_open") <= baseline + 1, 10, 0.2),
                        "closed connections are still counted open")
        b.stop_cleanly(self)


class ConcurrentRequests(BriskTestCase):
    def test_a_thousand_concurrent_requests(self):
        n = 1000
        raise_nofile_limit(4 * n)
        b = self.start_brisk({"server": {"backlog": 4096}})
        socks = []
        self.addCleanup(close_all, socks)
        for _ in range(n):
            s = socket.create_connection((HOST, b.port), timeout=10)
            socks.append(s)
        start = time.monotonic()
        for s in socks:
            s.sendall(request_bytes("GET", "/sleep?ms=300", [("Connection", "close")]))
        replies = {s: b"" for s in socks}
        with selectors.DefaultSelector() as sel:
            for s in socks:
                sel.register(s, selectors.EVENT_READ)
            pending = n
            while pending and time.monotonic() - start < 15:
                for key, _ in sel.select(0.5):
                    chunk = key.fileobj.recv(65536)
                    if chunk:
                        replies[key.fileobj] += chunk
                    else:
                        sel.unregister(key.fileobj)
                        pending -= 1
        took = time.monotonic() - start
        self.assertEqual(pending, 0, f"{pending} of {n} requests unanswered after 15 s")
        self.assertEqual(sum(r.startswith(b"HTTP/1.1 200") for r in replies.values()), n)
        # Room for a sanitized build on a loaded machine; one at a time per worker would be 150 s.
        self.assertLess(took, 12.0, f"{n} concurrent 300 ms sleeps took {took:.2f} s")
        b.stop_cleanly(self)


class OpenFileLimit(BriskTestCase):
    """Every connection is a descriptor. Past the open-file limit libuv accepts
    new connections and closes them unanswered, so the daemon raises a low soft
    limit to the hard limit, and under a hard limit too low for max_connections
    serves fewer connections and refuses the rest with its 503."""

    def test_a_low_soft_limit_is_raised_to_the_hard_limit(self):
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard < 4000:
            self.skipTest(f"the hard open-file limit ({hard}) leaves no room to raise")
        raise_nofile_limit(1000)
        b = self.start_brisk({"limits": {"max_connections": 2000}}, nofile=(256, hard))
        self.assertEqual(resource.prlimit(b.pid, resource.RLIMIT_NOFILE), (hard, hard))
        self.assertIn(f"raised the open-file limit from 256 to {hard} (limits.max_connections = 2000 needs ",
                      b.stderr())

        socks = []
        self.addCleanup(close_all, socks)
        for _ in range(400):  # more than the 256 it started with
            c = b.connect(timeout=10)
            socks.append(c)
            c.send(request_bytes("GET", "/plaintext"))
            r = c.read_response()
            self.assertEqual((r.status, r.body), (200, b"Hello, World!"))
        self.assertServing(b)
        b.stop_cleanly(self)

    def test_a_hard_limit_below_max_connections_caps_them_and_refuses_the_rest_with_503(self):
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard < 1000:
            self.skipTest(f"the hard open-file limit ({hard}) is lower than this test's clients need")
        raise_nofile_limit(1000)
        # One worker: with two, SO_REUSEPORT can fill one worker's half first.
        b = self.start_brisk({"limits": {"max_connections": 1000}}, workers=1, nofile=(300, 300))
        warning = re.search(r"limits\.max_connections = 1000 needs \d+ open files, but the hard limit is 300: "
                            r"serving at most (\d+) connections", b.stderr())
        self.assertIsNotNone(warning, b.stderr())
        fit = int(warning.group(1))
        self.assertGreater(fit, 150)

        kept = []
        self.addCleanup(close_all, kept)
        for _ in range(fit):
            c = b.connect(timeout=10)
            kept.append(c)
            c.send(request_bytes("GET", "/plaintext"))
            self.assertEqual(c.read_response().status, 200, f"connection {len(kept)} of {fit}")

        # A burst past the cap, and past the 300 descriptors: every client
        # connects and asks before any is answered, as after a Retry-After.
        burst = []
        self.addCleanup(close_all, burst)
        for _ in range(120):
            c = b.connect(timeout=10)
            c.send(request_bytes("GET", "/plaintext"))
            burst.append(c)
        time.sleep(0.3)  # before any of them goes: an unbounded daemon would have accepted them all by now
        for i, c in enumerate(burst):
            try:
                r = c.read_response(timeout=10)
            except (ConnectionClosed, OSError) as e:
                self.fail(f"refused connection {i + 1} of {len(burst)} was closed unanswered ({e!r})")
            self.assertEqual((r.status, r.body, r.header("Retry-After")), (503, b"too many connections\n", "1"))
            c.close()

        for c in kept[:10]:
            c.close()
        self.assertTrue(wait_until(lambda: b.get("/plaintext")[0] == 200, 5, 0.1), "freed slots are not reused")
        samples = b.metrics()
        self.assertGreaterEqual(metric(samples, "brisk_connections_refused_total"), len(burst))
        self.assertEqual(metric(samples, "process_max_fds"), 300)
        b.stop_cleanly(self)


if __name__ == "__main__":
    unittest.main()
