"""Fairness: no response can take over its worker. A streamed response whose
client keeps up never makes the loop wait (each write completes at once), so
without the runtime's cooperative budget one stream held its worker until it
ended, and a client pipelining twenty of them stalled everyone else on it."""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import BriskTestCase, request_bytes  # noqa: E402

PIECES = 100_000
STREAMS = 20
LAST_PIECE = f"chunk {PIECES}\n".encode()


class Drain(threading.Thread):
    """Reads everything the server sends as fast as it comes, counting the streams that reached their last piece."""

    def __init__(self, conn):
        super().__init__(daemon=True)
        self.conn = conn
        self.received = 0
        self.finished = 0
        self.error = None

    def run(self):
        tail = b""
        self.conn.sock.settimeout(30)
        try:
            while self.finished < STREAMS:
                data = self.conn.sock.recv(1 << 20)
                if not data:
                    return
                self.received += len(data)
                window = tail + data
                self.finished += window.count(LAST_PIECE)
                tail = window[-(len(LAST_PIECE) - 1):]
        except OSError as e:
            self.error = e


class StreamedResponses(BriskTestCase):
    def test_pipelined_streams_leave_the_worker_to_others(self):
        # One worker: the streaming connection shares its loop with everyone else.
        b = self.start_brisk({"timeouts": {"handler_ms": 60_000}}, workers=1)
        attacker = b.connect()
        self.addCleanup(attacker.close)
        attacker.send(request_bytes("GET", f"/stream?n={PIECES}") * STREAMS)
        drain = Drain(attacker)
        drain.start()

        latencies = []
        while drain.is_alive() and len(latencies) < 40:
            start = time.monotonic()
            status, _, body = b.get("/plaintext", timeout=10)
            latencies.append(time.monotonic() - start)
            self.assertEqual((status, body), (200, b"Hello, World!"))
            time.sleep(0.02)
        streaming = drain.is_alive()
        drain.join(60)
        self.assertIsNone(drain.error)
        self.assertEqual(drain.finished, STREAMS, f"{drain.received} bytes received")
        self.assertGreaterEqual(len(latencies), 5, "the streams ended before the others were measured")
        self.assertTrue(streaming or len(latencies) >= 5)

        # A loop held by the streams delays every request by the rest of a
        # stream (0.4 s and more); a fair one answers within a few budgets.
        latencies.sort()
        median = latencies[len(latencies) // 2]
        bound = 0.25 if os.environ.get("BRISK_SANITIZED", "0") in ("1", "ON", "TRUE") else 0.05
        self.assertLess(median, bound, f"median {median * 1000:.1f} ms; slowest {[round(x * 1000, 1) for x in latencies[-5:]]} ms")
        self.assertLess(latencies[-1], 4 * bound, f"slowest {[round(x * 1000, 1) for x in latencies[-5:]]} ms")
        b.stop_cleanly(self)

    def test_a_slow_stream_sends_each_piece_as_it_is_made(self):
        # Pieces 200 ms apart: each must arrive before the next is made, not
        # wait in a batch for the ones after it.
        b = self.start_brisk(workers=1)
        with b.connect() as c:
            c.send(request_bytes("GET", "/stream?n=3&ms=200"))
            c.sock.settimeout(5)
            start = time.monotonic()
            arrivals = {}
            data = b""
            while len(arrivals) < 3:
                chunk = c.sock.recv(65536)
                self.assertTrue(chunk, "connection closed early")
                data += chunk
                for i in (1, 2, 3):
                    if i not in arrivals and f"chunk {i}\n".encode() in data:
                        arrivals[i] = time.monotonic() - start
            self.assertLess(arrivals[1], 0.15, arrivals)
            self.assertLess(arrivals[2], 0.35, arrivals)
            self.assertGreater(arrivals[3] - arrivals[2], 0.1, arrivals)
        b.stop_cleanly(self)


if __name__ == "__main__":
    unittest.main()
