"""HTTP/1.1 as a client sees it: the demo routes, keep-alive and HTTP/1.0,
pipelining order, chunked request bodies, Expect: 100-continue, HEAD, the
headers every response carries, 404/405, /metrics."""

import concurrent.futures
import json
import os
import re
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import (BriskTestCase, metric, parse_http_date, parse_metrics, request_bytes, run_brisk,  # noqa: E402
                           wait_until)


class Http(BriskTestCase):
    @classmethod
    def setUpClass(cls):
        cls.brisk = cls.class_brisk({"threads": {"blocking": 8}})

    @classmethod
    def tearDownClass(cls):
        cls.stop_class_brisk(cls.brisk)

    def tearDown(self):
        self.assertTrue(self.brisk.alive(), f"brisk died; stderr: {self.brisk.stderr()[-2000:]!r}")

    def raw(self, data, head=False):
        return self.brisk.exchange(data, head=head)

    # ---- demo routes

    def test_plaintext(self):
        r = self.raw(request_bytes("GET", "/plaintext"))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"Hello, World!")
        self.assertTrue(r.header("Content-Type").startswith("text/plain"), r.header("Content-Type"))
        self.assertEqual(r.header("Content-Length"), "13")

    def test_json(self):
        r = self.raw(request_bytes("GET", "/json"))
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.body), {"message": "Hello, World!"})
        self.assertTrue(r.header("Content-Type").startswith("application/json"), r.header("Content-Type"))

    def test_query_string_does_not_change_the_route(self):
        status, _, body = self.brisk.get("/plaintext?x=1&y=%20")
        self.assertEqual((status, body), (200, b"Hello, World!"))

    def test_echo(self):
        status, headers, body = self.brisk.request("POST", "/echo", body=b"ping pong",
                                                   headers={"Content-Type": "application/x-brisk-test"})
        self.assertEqual((status, body), (200, b"ping pong"))
        self.assertEqual(headers["Content-Type"], "application/x-brisk-test")

    def test_echo_binary_and_large(self):
        payload = bytes(range(256)) * 2048  # 512 KiB, under the 1 MiB default
        status, headers, body = self.brisk.request("POST", "/echo", body=payload,
                                                   headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 200)
        self.assertEqual(len(body), len(payload))
        self.assertEqual(body, payload)
        self.assertEqual(headers["Content-Type"], "application/octet-stream")

    def test_echo_empty_body(self):
        r = self.raw(request_bytes("POST", "/echo", [("Content-Length", "0"), ("Content-Type", "text/plain")]))
        self.assertEqual((r.status, r.body), (200, b""))

    def test_sleep(self):
        start = time.monotonic()
        status, _, _ = self.brisk.get("/sleep?ms=200")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.monotonic() - start, 0.19)

    def test_sleeps_run_concurrently(self):
        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            statuses = list(pool.map(lambda _: self.brisk.get("/sleep?ms=500", timeout=10)[0], range(50)))
        elapsed = time.monotonic() - start
        self.assertEqual(statuses, [200] * 50)
        self.assertLess(elapsed, 8.0, "50 x 500 ms sleeps should overlap (one at a time per worker: 12.5 s)")

    def test_blocking_runs_off_the_event_loop(self):
        # 2 s jobs: a loop running one itself would keep a request waiting
        # far longer than a slow machine does.
        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            slow = [pool.submit(self.brisk.get, "/blocking?ms=2000", timeout=10) for _ in range(4)]
            self.assertTrue(wait_until(lambda: self.brisk.in_flight() >= 4, 1.5),
                            "the blocking jobs never started, or they stalled the event loops")
            # While 4 threads sleep, the loops still answer at once (2 workers: every one is free).
            for _ in range(4):
                t = time.monotonic()
                self.assertEqual(self.brisk.get("/plaintext")[0], 200)
                self.assertLess(time.monotonic() - t, 1.0, "a blocking handler stalled the event loop")
            statuses = [f.result()[0] for f in slow]
        self.assertEqual(statuses, [200] * 4)
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 1.99)
        self.assertLess(elapsed, 3.5, "4 blocking jobs on 8 threads should overlap (two loops in turn: 4 s)")

    def test_fanout(self):
        start = time.monotonic()
        status, headers, body = self.brisk.get("/fanout?n=10&ms=300")
        elapsed = time.monotonic() - start
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        summary = json.loads(body)
        self.assertIsInstance(summary, dict)
        # 8 at a time (the handler's semaphore): two rounds, not ten.
        self.assertGreaterEqual(elapsed, 0.59)
        self.assertLess(elapsed, 2.0, "10 x 300 ms sleeps should run concurrently")

    def test_stream_is_chunked(self):
        with self.brisk.connect() as c:
            c.send(request_bytes("GET", "/stream?n=5"))
            r = c.read_final_response()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Transfer-Encoding"), "chunked")
        self.assertIsNone(r.header("Content-Length"))
        self.assertEqual(len(r.chunks), 5, r.raw)

    def test_stream_many_chunks(self):
        with self.brisk.connect() as c:
            c.send(request_bytes("GET", "/stream?n=1000"))
            r = c.read_final_response()
            self.assertEqual(len(r.chunks), 1000)
            c.send(request_bytes("GET", "/plaintext"))  # the framing left the connection usable
            self.assertEqual(c.read_final_response().body, b"Hello, World!")

    def test_healthz(self):
        self.assertEqual(self.brisk.get("/healthz")[0], 200)

    def test_handler_exception_is_500(self):
        for path in ("/throw", "/error", "/fail", "/panic", "/exception"):
            status, _, _ = self.brisk.get(path)
            if status != 404:
                self.assertEqual(status, 500, path)
                self.assertServing(self.brisk, f"after {path}")
                return
        self.skipTest("no demo route throws")

    # ---- headers on every response

    def test_date_and_server_on_every_response(self):
        cases = [
            (request_bytes("GET", "/plaintext"), 200),
            (request_bytes("GET", "/no/such/path"), 404),
            (request_bytes("DELETE", "/plaintext"), 405),
            (request_bytes("GET", "/healthz"), 200),
            (request_bytes("GET", "/metrics"), 200),
            (b"GET /plaintext HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400),
        ]
        for data, expected in cases:
            r = self.raw(data)
            self.assertEqual(r.status, expected, data)
            self.assertEqual(r.header("Server"), "brisk", data)
            self.assertEqual(len(r.all("Date")), 1, data)
            self.assertLess(abs(parse_http_date(r.header("Date")) - time.time()), 5, r.header("Date"))

    def test_not_found(self):
        r = self.raw(request_bytes("GET", "/does-not-exist"))
        self.assertEqual(r.status, 404)

    def test_wrong_method_is_405_with_allow(self):
        r = self.raw(request_bytes("POST", "/plaintext", body=b"x"))
        self.assertEqual(r.status, 405)
        allow = {m.strip() for m in (r.header("Allow") or "").split(",")}
        self.assertIn("GET", allow)
        r = self.raw(request_bytes("GET", "/echo"))
        self.assertEqual(r.status, 405)
        self.assertIn("POST", {m.strip() for m in (r.header("Allow") or "").split(",")})

    def test_head_has_get_headers_and_no_body(self):
        with self.brisk.connect() as c:
            c.send(request_bytes("GET", "/plaintext"))
            get = c.read_final_response()
            c.send(request_bytes("HEAD", "/plaintext"))
            head = c.read_final_response(head=True)
            # A body after the HEAD response would be read as the next status line.
            c.send(request_bytes("GET", "/json"))
            after = c.read_final_response()
        self.assertEqual(head.status, 200)
        self.assertEqual(head.header("Content-Length"), get.header("Content-Length"))
        self.assertEqual(head.header("Content-Type"), get.header("Content-Type"))
        self.assertEqual(after.status, 200)
        self.assertEqual(json.loads(after.body), {"message": "Hello, World!"})

    def test_head_with_curl(self):
        r = subprocess.run(["curl", "-sS", "-I", "--max-time", "5", f"http://127.0.0.1:{self.brisk.port}/plaintext"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^HTTP/1.1 200")
        self.assertRegex(r.stdout, r"(?im)^content-length: 13\r?$")

    # ---- connection management

    def test_keep_alive(self):
        with self.brisk.connect() as c:
            for _ in range(20):
                c.send(request_bytes("GET", "/plaintext"))
                r = c.read_final_response()
                self.assertEqual(r.status, 200)
                self.assertNotEqual((r.header("Connection") or "").lower(), "close")
            self.assertTrue(c.is_open())

    def test_connection_close_is_honoured(self):
        with self.brisk.connect() as c:
            c.send(request_bytes("GET", "/plaintext", [("Connection", "close")]))
            r = c.read_final_response()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("Connection").lower(), "close")
            self.assertTrue(c.closed_within(2), "the server kept the connection open")

    def test_http10_closes_by_default(self):
        with self.brisk.connect() as c:
            c.send(request_bytes("GET", "/plaintext", version="HTTP/1.0", host=False))
            r = c.read_final_response()
            self.assertEqual((r.status, r.body), (200, b"Hello, World!"))
            self.assertTrue(c.closed_within(2), "an HTTP/1.0 connection without keep-alive stayed open")

    def test_http10_keep_alive(self):
        with self.brisk.connect() as c:
            for _ in range(3):
                c.send(request_bytes("GET", "/plaintext", [("Connection", "keep-alive")], version="HTTP/1.0"))
                r = c.read_final_response()
                self.assertEqual(r.status, 200)
                self.assertEqual((r.header("Connection") or "").lower(), "keep-alive")
            self.assertTrue(c.is_open())

    def test_http10_stream_is_not_chunked(self):
        # An HTTP/1.0 client cannot read chunked framing.
        with self.brisk.connect() as c:
            c.send(request_bytes("GET", "/stream?n=3", version="HTTP/1.0"))
            r = c.read_final_response()
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.header("Transfer-Encoding"))

    # ---- pipelining

    def test_pipelined_responses_keep_request_order(self):
        with self.brisk.connect() as c:
            c.send(request_bytes("GET", "/sleep?ms=300") + request_bytes("GET", "/json")
                   + request_bytes("POST", "/echo", body=b"third") + request_bytes("GET", "/sleep?ms=10")
                   + request_bytes("GET", "/plaintext"))
            rs = [c.read_final_response() for _ in range(5)]
        self.assertEqual([r.status for r in rs], [200] * 5)
        self.assertEqual(json.loads(rs[1].body), {"message": "Hello, World!"})
        self.assertEqual(rs[2].body, b"third")
        self.assertEqual(rs[4].body, b"Hello, World!")

    def test_many_pipelined_requests(self):
        n = 200
        with self.brisk.connect() as c:
            c.send(b"".join(request_bytes("GET", "/plaintext" if i % 2 else "/json") for i in range(n)))
            for i in range(n):
                r = c.read_final_response()
                self.assertEqual(r.status, 200, i)
                self.assertEqual(r.body == b"Hello, World!", bool(i % 2), i)

    def test_pipelined_request_split_across_writes(self):
        data = request_bytes("POST", "/echo", body=b"abcdef") + request_bytes("GET", "/plaintext")
        with self.brisk.connect() as c:
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i in range(0, len(data), 7):
                c.send(data[i:i + 7])
                time.sleep(0.005)
            self.assertEqual(c.read_final_response().body, b"abcdef")
            self.assertEqual(c.read_final_response().body, b"Hello, World!")

    def test_body_on_get_is_consumed(self):
        body = request_bytes("GET", "/smuggled")
        with self.brisk.connect() as c:
            c.send(request_bytes("GET", "/plaintext", [("Content-Length", str(len(body)))]) + body
                   + request_bytes("GET", "/json"))
            first = c.read_final_response()
            second = c.read_final_response()
        self.assertEqual(first.body, b"Hello, World!")
        self.assertEqual(second.status, 200, "the GET's body was parsed as a request")
        self.assertEqual(json.loads(second.body), {"message": "Hello, World!"})

    def test_unread_body_of_404_is_not_a_request(self):
        smuggled = b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n"
        with self.brisk.connect() as c:
            c.send(request_bytes("POST", "/nowhere", body=smuggled) + request_bytes("GET", "/plaintext"))
            first = c.read_final_response()
            self.assertEqual(first.status, 404)
            if (first.header("Connection") or "").lower() == "close":
                self.assertTrue(c.closed_within(2))
                return
            second = c.read_final_response()
        self.assertEqual(second.body, b"Hello, World!", "the 404's body was parsed as a request")

    # ---- request bodies

    def test_chunked_request_body(self):
        body = (b"5\r\nhello\r\n"
                b"1;ext=value;flag\r\n,\r\n"
                b"A\r\n world and\r\n"
                b"a; quoted=\"x y\"\r\n more text\r\n"
                b"0\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n")
        with self.brisk.connect() as c:
            c.send(request_bytes("POST", "/echo", [("Transfer-Encoding", "chunked"), ("Content-Type", "text/x-a")])
                   + body + request_bytes("GET", "/plaintext"))
            r = c.read_final_response()
            self.assertEqual((r.status, r.body), (200, b"hello, world and more text"))
            self.assertEqual(r.header("Content-Type"), "text/x-a")
            self.assertEqual(c.read_final_response().body, b"Hello, World!")

    def test_chunked_request_body_trickled(self):
        body = b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
        with self.brisk.connect() as c:
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c.send(request_bytes("POST", "/echo", [("Transfer-Encoding", "chunked")]))
            for i in range(len(body)):
                c.send(body[i:i + 1])
                time.sleep(0.002)
            self.assertEqual(c.read_final_response().body, b"abcdefg")

    def test_expect_100_continue(self):
        with self.brisk.connect() as c:
            c.send(request_bytes("POST", "/echo", [("Content-Length", "5"), ("Expect", "100-continue")]))
            interim = c.read_response(timeout=2)
            self.assertEqual((interim.version, interim.status), ("HTTP/1.1", 100),
                             "no 100 Continue before the body was sent")
            c.send(b"hello")
            final = c.read_response()
            self.assertEqual((final.status, final.body), (200, b"hello"))
            # And the connection goes on.
            c.send(request_bytes("GET", "/plaintext"))
            self.assertEqual(c.read_final_response().status, 200)

    def test_expect_100_continue_with_curl(self):
        r = subprocess.run(["curl", "-sS", "--max-time", "5", "-H", "Expect: 100-continue", "--expect100-timeout",
                            "4", "--data-binary", "x" * 2000, "-w", "\n%{time_total}",
                            f"http://127.0.0.1:{self.brisk.port}/echo"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        body, took = r.stdout.rsplit("\n", 1)
        self.assertEqual(body, "x" * 2000)
        self.assertLess(float(took), 2.0, "curl waited for its expect timeout: no 100 Continue")

    # ---- metrics

    def test_metrics_format_and_counts(self):
        before = self.brisk.metrics()
        for _ in range(7):
            self.assertEqual(self.brisk.get("/plaintext")[0], 200)
        status, headers, body = self.brisk.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"), headers["Content-Type"])
        text = body.decode()
        for family, kind in (("brisk_requests_total", "counter"), ("brisk_connections_open", "gauge"),
                             ("brisk_request_duration_seconds", "histogram")):
            self.assertIn(f"# TYPE {family} {kind}", text)
        after = parse_metrics(text)

        def plaintext_2xx(samples):
            return sum(v for (n, labels), v in samples.items()
                       if n == "brisk_requests_total" and ("status", "2xx") in labels
                       and any(value.startswith("/plaintext") for _, value in labels))
        self.assertGreaterEqual(plaintext_2xx(after) - plaintext_2xx(before), 7)

        buckets = sorted(((float(dict(labels)["le"]), v) for (n, labels), v in after.items()
                          if n == "brisk_request_duration_seconds_bucket"))
        self.assertTrue(buckets and buckets[-1][0] == float("inf"))
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts), "histogram buckets must be cumulative")
        self.assertEqual(counts[-1], metric(after, "brisk_request_duration_seconds_count"))
        self.assertGreaterEqual(metric(after, "brisk_connections_open"), 1)

    def test_process_metrics_and_build_info(self):
        samples = self.brisk.metrics()
        self.assertGreater(metric(samples, "process_cpu_seconds_total"), 0)
        self.assertGreater(metric(samples, "process_resident_memory_bytes"), 1 << 20)
        self.assertLessEqual(3, metric(samples, "process_open_fds"))
        self.assertLess(metric(samples, "process_open_fds"), metric(samples, "process_max_fds"))
        started = metric(samples, "process_start_time_seconds")
        self.assertTrue(time.time() - 600 < started <= time.time(), started)
        self.assertNotRegex(self.brisk.get("/metrics")[2].decode(), r"process_start_time_seconds \S*e\+",
                            "a start time rounded to 9 digits is off by up to 10 s")
        version, sdk = re.fullmatch(r"brisk (\S+) \(plugin SDK (\S+)\)\n", run_brisk(["--version"]).stdout).groups()
        self.assertEqual(metric(samples, "brisk_build_info", version=version, sdk=sdk), 1)

    def test_unmatched_requests_are_labelled_as_such(self):
        before = metric(self.brisk.metrics(), "brisk_requests_total", route="unmatched", method="unmatched",
                        status="4xx") or 0
        self.assertEqual(self.brisk.get("/no-such-route")[0], 404)
        after = metric(self.brisk.metrics(), "brisk_requests_total", route="unmatched", method="unmatched",
                       status="4xx")
        self.assertEqual(after, before + 1)

    def test_help_names_every_label(self):
        status, _, body = self.brisk.get("/metrics")
        text = body.decode()
        helps = dict(re.findall(r"^# HELP (\S+) (.*)$", text, re.M))
        labels = {}
        for name, label_set in parse_metrics(text):
            family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in helps else name
            labels.setdefault(family, set()).update(k for k, _ in label_set if k != "le")
        self.assertIn("brisk_build_info", labels)
        for family, names in labels.items():
            for label in names:
                self.assertRegex(helps[family], rf"\b{label}\b", f"{family}'s HELP does not name its label {label}")


if __name__ == "__main__":
    unittest.main()
