"""Size limits and timeouts with the status a client expects: 431, 413, 414,
408 for a slow head (slowloris), idle keep-alive close, 503 past handler_ms."""

import os
import select
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import BriskTestCase, ConnectionClosed, metric, request_bytes, wait_until  # noqa: E402

MAX_HEADER = 2048
MAX_BODY = 1000
MAX_URI = 256
HEADER_MS = 1000
IDLE_MS = 1500
HANDLER_MS = 1000


class Limits(BriskTestCase):
    @classmethod
    def setUpClass(cls):
        cls.brisk = cls.class_brisk({
            "limits": {"max_header_bytes": MAX_HEADER, "max_body_bytes": MAX_BODY, "max_uri_bytes": MAX_URI},
            "timeouts": {"header_ms": HEADER_MS, "idle_ms": IDLE_MS, "handler_ms": HANDLER_MS},
        })

    @classmethod
    def tearDownClass(cls):
        cls.stop_class_brisk(cls.brisk)

    def tearDown(self):
        self.assertTrue(self.brisk.alive(), f"brisk died; stderr: {self.brisk.stderr()[-2000:]!r}")

    def status_of(self, data):
        with self.brisk.connect() as c:
            c.send(data)
            return c.read_final_response().status

    # ---- header bytes

    def test_many_headers_over_limit_is_431(self):
        headers = [(f"X-Filler-{i}", "v" * 90) for i in range(30)]
        self.assertEqual(self.status_of(request_bytes("GET", "/plaintext", headers)), 431)

    def test_one_huge_header_is_431(self):
        self.assertEqual(self.status_of(request_bytes("GET", "/plaintext", [("X-Big", "b" * 3000)])), 431)

    def test_head_over_limit_sent_in_pieces_is_431(self):
        data = request_bytes("GET", "/plaintext", [(f"X-Filler-{i}", "v" * 90) for i in range(30)])
        with self.brisk.connect() as c:
            try:
                for i in range(0, len(data), 300):
                    c.send(data[i:i + 300])
                    time.sleep(0.01)
            except (BrokenPipeError, ConnectionResetError):
                pass  # it may answer and close before the end
            self.assertEqual(c.read_final_response().status, 431)

    def test_headers_under_limit_are_fine(self):
        headers = [(f"X-Filler-{i}", "v" * 80) for i in range(15)]
        data = request_bytes("GET", "/plaintext", headers)
        self.assertLess(len(data), MAX_HEADER)
        self.assertEqual(self.status_of(data), 200)

    def test_431_then_serving(self):
        self.test_one_huge_header_is_431()
        self.assertServing(self.brisk)

    # ---- body bytes

    def test_body_over_limit_is_413(self):
        self.assertEqual(self.status_of(request_bytes("POST", "/echo", body=b"x" * (MAX_BODY + 1))), 413)

    def test_body_at_limit_is_fine(self):
        status, _, body = self.brisk.request("POST", "/echo", body=b"y" * MAX_BODY)
        self.assertEqual((status, body), (200, b"y" * MAX_BODY))

    def test_declared_length_over_limit_is_answered_without_waiting_for_the_body(self):
        with self.brisk.connect(timeout=3) as c:
            start = time.monotonic()
            c.send(request_bytes("POST", "/echo", [("Content-Length", "10000000")]))
            self.assertEqual(c.read_final_response().status, 413)
            self.assertLess(time.monotonic() - start, 1.0)

    def test_chunked_body_over_limit_is_413(self):
        chunk = b"190\r\n" + b"z" * 0x190 + b"\r\n"  # 400 bytes a chunk
        data = request_bytes("POST", "/echo", [("Transfer-Encoding", "chunked")]) + chunk * 4 + b"0\r\n\r\n"
        with self.brisk.connect() as c:
            try:
                c.send(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.assertEqual(c.read_final_response().status, 413)

    def test_expect_100_continue_over_limit_is_413(self):
        with self.brisk.connect(timeout=3) as c:
            c.send(request_bytes("POST", "/echo", [("Content-Length", "5000"), ("Expect", "100-continue")]))
            self.assertEqual(c.read_final_response().status, 413)

    # ---- URI bytes

    def test_uri_over_limit_is_414(self):
        target = "/plaintext?pad=" + "a" * MAX_URI
        self.assertEqual(self.status_of(request_bytes("GET", target)), 414)

    def test_uri_at_limit_is_fine(self):
        target = "/plaintext?pad="
        target += "a" * (MAX_URI - len(target))
        self.assertEqual(len(target), MAX_URI)
        self.assertEqual(self.status_of(request_bytes("GET", target)), 200)

    # ---- time

    def test_slowloris_head_gets_408_and_close(self):
        with self.brisk.connect() as c:
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            start = time.monotonic()
            c.send(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n")
            answered = None
            while time.monotonic() - start < HEADER_MS / 1000 + 3:
                r, _, _ = select.select([c.sock], [], [], 0.2)
                if r:
                    answered = time.monotonic() - start
                    break
                try:
                    c.send(b"X-Trickle: a\r\n")  # bytes keep coming, the head never ends
                except (BrokenPipeError, ConnectionResetError):
                    answered = time.monotonic() - start
                    break
            self.assertIsNotNone(answered, "a head trickled for 4 s was never cut off")
            self.assertGreater(answered, HEADER_MS / 1000 * 0.8)
            self.assertLess(answered, HEADER_MS / 1000 + 1.5)
            try:
                data = c.read_until_close(2)
            except socket.timeout:
                self.fail("408 sent but the connection stayed open")
            self.assertTrue(data.startswith(b"HTTP/1.1 408"), data[:100])
        self.assertServing(self.brisk)

    def test_silent_connection_is_closed(self):
        with self.brisk.connect() as c:
            start = time.monotonic()
            self.assertTrue(c.closed_within(max(HEADER_MS, IDLE_MS) / 1000 + 1.5),
                            "a connection that sends nothing stays open")
            self.assertGreater(time.monotonic() - start, min(HEADER_MS, IDLE_MS) / 1000 * 0.8)
            self.assertTrue(c.buf == b"" or c.buf.startswith(b"HTTP/1.1 408"), c.buf[:100])

    def test_head_clock_ignores_a_slow_body(self):
        with self.brisk.connect() as c:
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c.send(request_bytes("POST", "/echo", [("Content-Length", "8")]))
            for piece in (b"ab", b"cd", b"ef", b"gh"):
                time.sleep(HEADER_MS / 1000 * 0.4)  # 1.6 x header_ms in all, each gap well under idle_ms
                c.send(piece)
            r = c.read_final_response()
        self.assertEqual((r.status, r.body), (200, b"abcdefgh"))

    def test_idle_keep_alive_is_closed(self):
        with self.brisk.connect() as c:
            c.send(request_bytes("GET", "/plaintext"))
            self.assertEqual(c.read_final_response().status, 200)
            start = time.monotonic()
            self.assertTrue(c.closed_within(IDLE_MS / 1000 + 1.5), "idle keep-alive connection never closed")
            took = time.monotonic() - start
            self.assertGreater(took, IDLE_MS / 1000 * 0.8, "closed before idle_ms")
            self.assertTrue(c.buf == b"" or c.buf.startswith(b"HTTP/1.1 408"), c.buf[:100])

    def test_requests_restart_the_idle_clock(self):
        with self.brisk.connect() as c:
            # 6 x 0.35 idle_ms: twice idle_ms in all, and each gap leaves a
            # slow machine most of idle_ms for the round trip.
            for _ in range(6):
                c.send(request_bytes("GET", "/plaintext"))
                self.assertEqual(c.read_final_response().status, 200)
                time.sleep(IDLE_MS / 1000 * 0.35)
            c.send(request_bytes("GET", "/json"))
            try:
                self.assertEqual(c.read_final_response().status, 200)
            except ConnectionClosed:
                self.fail("closed although it never idled for idle_ms")

    def handler_deadline(self, path, at_most):
        start = time.monotonic()
        status, headers, _ = self.brisk.get(path, timeout=10)
        took = time.monotonic() - start
        self.assertEqual(status, 503, f"{path} past handler_ms")
        self.assertGreater(took, HANDLER_MS / 1000 * 0.9)
        self.assertLess(took, at_most)

    def test_handler_deadline_is_503(self):
        self.handler_deadline("/sleep?ms=5000", at_most=HANDLER_MS / 1000 + 2.5)
        in_flight = wait_until(lambda: self.brisk.in_flight() == 0, 2)
        self.assertTrue(in_flight, "the timed-out handler still counts as in flight")

    def test_blocking_handler_deadline_is_503(self):
        # A job already running on a to_thread worker cannot be interrupted,
        # and it may use the handler's frame, so the cancelled handler waits
        # for it (thread_pool.hpp). Its client does not: the 503 comes at
        # handler_ms (and a short grace), the connection closes when the 4 s
        # job ends, and meanwhile the worker serves everyone else.
        with self.brisk.connect() as c:
            start = time.monotonic()
            c.send(request_bytes("GET", "/blocking?ms=4000"))
            r = c.read_final_response()
            took = time.monotonic() - start
            self.assertEqual(r.status, 503, "/blocking past handler_ms")
            self.assertEqual(r.header("Connection"), "close")
            self.assertGreater(took, HANDLER_MS / 1000 * 0.9)
            self.assertLess(took, HANDLER_MS / 1000 + 2.0, "the 503 waited for the blocking job")
            self.assertServing(self.brisk)
            self.assertTrue(c.closed_within(6.0), "the connection stayed open after the job ended")
            self.assertGreater(time.monotonic() - start, 3.5, "closed before the handler returned")

    def test_blocking_handler_answered_late_is_counted_when_it_returns(self):
        # A client that leaves with its 503, as curl does, does not make the
        # request vanish from the metrics once the handler returns.
        def answered_5xx():
            return metric(self.brisk.metrics(), "brisk_requests_total",
                          route="/blocking", method="GET", status="5xx") or 0
        def seconds_timed():
            return metric(self.brisk.metrics(), "brisk_request_duration_seconds_sum")
        before, timed_before = answered_5xx(), seconds_timed()
        start = time.monotonic()
        # A 4 s job: its return stays well clear of every bound on the 503.
        status, headers, _ = self.brisk.get("/blocking?ms=4000", timeout=10)
        self.assertEqual((status, headers.get("Connection")), (503, "close"))
        self.assertLess(time.monotonic() - start, HANDLER_MS / 1000 + 2.0)
        self.assertTrue(wait_until(lambda: answered_5xx() == before + 1, 8, interval=0.1),
                        "the late 503 was never counted")
        self.assertGreater(time.monotonic() - start, 3.5, "counted before the handler returned")
        # Timed to its 503, as the client saw it, not to the handler's return
        # (the scrapes meanwhile add microseconds).
        timed = seconds_timed() - timed_before
        self.assertGreater(timed, HANDLER_MS / 1000 * 0.9)
        self.assertLess(timed, HANDLER_MS / 1000 + 2.0, "the late 503 was timed to the handler's return")

    def test_handler_under_deadline_is_fine(self):
        self.assertEqual(self.brisk.get(f"/sleep?ms={HANDLER_MS // 2}")[0], 200)


if __name__ == "__main__":
    unittest.main()
