"""Protocol corners of RFC 9112 as a raw-socket client sees them: the Host
field, asterisk-form, Expect (no 100 Continue for a request no route takes,
417 for an expectation other than 100-continue), and error bodies that never
echo the request back."""

import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import BriskTestCase, request_bytes  # noqa: E402

# Sent after a request that must end the connection: never answered.
SMUGGLED = b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n"
MAX_BODY = 1000


class Protocol(BriskTestCase):
    @classmethod
    def setUpClass(cls):
        cls.brisk = cls.class_brisk({"limits": {"max_body_bytes": MAX_BODY}})

    @classmethod
    def tearDownClass(cls):
        cls.stop_class_brisk(cls.brisk)

    def tearDown(self):
        self.assertServing(self.brisk, f"after {self.id()}")

    def assertAnsweredAndClosed(self, data, status):
        """`data` gets one response, `status` with Connection: close, and the connection closes."""
        with self.brisk.connect(timeout=3) as c:
            c.send(data + SMUGGLED)
            r = c.read_response()
            self.assertEqual(r.status, status, f"request {data!r}: {r!r}")
            self.assertEqual((r.header("Connection") or "").lower(), "close")
            self.assertTrue(c.closed_within(2), f"request {data!r}: connection left open")
            self.assertNotIn(b"HTTP/1.1", c.buf, "the bytes after it were answered")
        return r

    # ---- Host (RFC 9112 3.2)

    def test_invalid_host_is_400(self):
        cases = {
            "space inside": b"GET /plaintext HTTP/1.1\r\nHost: a b\r\n\r\n",
            "two Hosts": b"GET /plaintext HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
            "none in HTTP/1.1": b"GET /plaintext HTTP/1.1\r\n\r\n",
            "empty": b"GET /plaintext HTTP/1.1\r\nHost:\r\n\r\n",
            "a path in it": b"GET /plaintext HTTP/1.1\r\nHost: a/b\r\n\r\n",
            "a port that is not digits": b"GET /plaintext HTTP/1.1\r\nHost: a:b\r\n\r\n",
            "invalid in HTTP/1.0": b"GET /plaintext HTTP/1.0\r\nHost: a b\r\n\r\n",
        }
        for name, data in cases.items():
            with self.subTest(name):
                self.assertAnsweredAndClosed(data, 400)

    def test_valid_hosts_and_http10_without_host(self):
        for data in (b"GET /plaintext HTTP/1.0\r\n\r\n",
                     b"GET /plaintext HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
                     b"GET /plaintext HTTP/1.1\r\nHost: example.com:\r\n\r\n",
                     b"GET http://example.com/plaintext HTTP/1.1\r\nHost: example.com\r\n\r\n"):
            with self.subTest(data):
                r = self.brisk.exchange(data)
                self.assertEqual((r.status, r.body), (200, b"Hello, World!"))

    # ---- asterisk-form (RFC 9112 3.2.4)

    def test_asterisk_form_other_than_options_is_400(self):
        for method in ("GET", "HEAD", "POST", "DELETE"):
            with self.subTest(method):
                self.assertAnsweredAndClosed(f"{method} * HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 400)

    def test_options_asterisk_lists_the_server_methods(self):
        with self.brisk.connect() as c:
            c.send(b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n" + request_bytes("GET", "/plaintext"))
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("Content-Length"), "0")
            allow = {m.strip() for m in (r.header("Allow") or "").split(",")}
            self.assertTrue({"GET", "HEAD", "POST", "OPTIONS"} <= allow, r.header("Allow"))
            # And the connection goes on.
            self.assertEqual(c.read_response().body, b"Hello, World!")

    # ---- Expect (RFC 9110 10.1.1)

    def assertFinalWithoutContinue(self, data, status):
        """The head of `data` (its body unsent) gets `status` at once, no 100 Continue, then a close;
        the body sent after the answer, and a request after it, are never parsed."""
        with self.brisk.connect(timeout=3) as c:
            c.send(data)
            try:
                r = c.read_response(timeout=2)
            except socket.timeout:
                self.fail(f"{data!r}: no answer before the body was sent")
            self.assertEqual(r.status, status, f"{data!r}: {r!r}")
            self.assertEqual((r.header("Connection") or "").lower(), "close")
            try:
                c.send(b"x" * 5 + SMUGGLED)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.assertTrue(c.closed_within(3), "connection left open")
            self.assertNotIn(b"HTTP/1.1", c.buf, "something after the refused body was answered")
        return r

    def test_expect_on_a_missing_route_is_404_without_100_continue(self):
        self.assertFinalWithoutContinue(
            request_bytes("POST", "/nowhere", [("Content-Length", "5"), ("Expect", "100-continue")]), 404)

    def test_expect_on_a_wrong_method_is_405_without_100_continue(self):
        r = self.assertFinalWithoutContinue(
            request_bytes("POST", "/plaintext", [("Content-Length", "5"), ("Expect", "100-continue")]), 405)
        self.assertIn("GET", r.header("Allow") or "")

    def test_expect_chunked_on_a_missing_route_is_404_without_100_continue(self):
        self.assertFinalWithoutContinue(
            request_bytes("PUT", "/nowhere", [("Transfer-Encoding", "chunked"), ("Expect", "100-continue")]), 404)

    def test_expect_over_the_body_limit_is_413_without_100_continue(self):
        self.assertFinalWithoutContinue(
            request_bytes("POST", "/echo", [("Content-Length", str(MAX_BODY + 1)), ("Expect", "100-continue")]), 413)

    def test_expect_on_a_missing_route_with_the_body_sent_is_read_through(self):
        # A client that did not wait has framed its body: nothing to refuse.
        with self.brisk.connect() as c:
            c.send(request_bytes("POST", "/nowhere", [("Expect", "100-continue")], body=b"hello")
                   + request_bytes("GET", "/plaintext"))
            self.assertEqual(c.read_final_response().status, 404)
            self.assertEqual(c.read_final_response().body, b"Hello, World!")

    def test_unknown_expectation_is_417(self):
        for value in ("something-else", "100-continue, x", "100-continue=1"):
            with self.subTest(value):
                self.assertAnsweredAndClosed(
                    request_bytes("POST", "/echo", [("Expect", value)], body=b"hello"), 417)

    # ---- error bodies

    def test_400_bodies_never_echo_the_request(self):
        payload = b"<script>alert(1)</script>"
        cases = {
            "query_int of a decoded value": b"GET /sleep?ms=%0d%0a%3Cscript%3E" + payload + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            "bad percent-escape in the path": b"GET /" + payload + b"%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            "invalid Host": b"GET /plaintext HTTP/1.1\r\nHost: " + payload + b"\r\n\r\n",
            "bad header name": b"GET /plaintext HTTP/1.1\r\nHost: x\r\n" + payload + b": v\r\n\r\n",
            "asterisk-form": b"GET * HTTP/1.1\r\nHost: x\r\nX-A: " + payload + b"\r\n\r\n",
        }
        for name, data in cases.items():
            with self.subTest(name):
                with self.brisk.connect() as c:
                    c.send(data)
                    r = c.read_response()
                self.assertEqual(r.status, 400)
                for fragment in (b"script", b"alert", b"\r", b"%0d", b"%3C"):
                    self.assertNotIn(fragment, r.body, f"the 400 body echoes the request: {r.body!r}")


if __name__ == "__main__":
    unittest.main()
