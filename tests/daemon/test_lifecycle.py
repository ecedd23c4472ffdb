"""The daemon's life: graceful drain on SIGTERM/SIGINT (the drain delay a
load balancer sees, in-flight requests finish, new ones are turned away, exit
0 in time, 3 when requests had to be cancelled), a second SIGTERM, SIGHUP log
reopening, SIGUSR1 task dump, and the access log."""

import json
import os
import re
import signal
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import BriskTestCase, ConnectionClosed, RawConnection, request_bytes, wait_until  # noqa: E402

# The exit status of a drain that had to cancel requests in flight (daemon.hpp).
DRAIN_CANCELLED = 3


def in_background(brisk, path, results):
    """Sends GET path on its own connection; appends (status or exception, headers) when done."""
    def run():
        try:
            with brisk.connect(timeout=15) as c:
                c.send(request_bytes("GET", path))
                r = c.read_final_response()
                results.append((r.status, r))
        except (OSError, ConnectionClosed) as e:
            results.append((e, None))
    t = threading.Thread(target=run)
    t.start()
    return t


class Drain(BriskTestCase):
    def healthz_on_new_connection(self, brisk):
        try:
            with brisk.connect(timeout=2) as c:
                c.send(request_bytes("GET", "/healthz"))
                return c.read_final_response().status
        except (ConnectionRefusedError, ConnectionResetError, ConnectionClosed, BrokenPipeError) as e:
            return type(e).__name__

    def test_sigterm_drains_in_flight_requests(self):
        # Sleeps of 3 s and a drain deadline of 8 s: each check below has
        # seconds of margin both ways, for a slow machine and the leak check
        # at exit of a sanitized build.
        shutdown_ms = 8000
        b = self.start_brisk({"timeouts": {"shutdown_ms": shutdown_ms}})
        idle = b.connect()
        self.addCleanup(idle.close)
        idle.send(request_bytes("GET", "/plaintext"))
        self.assertEqual(idle.read_final_response().status, 200)

        results = []
        threads = [in_background(b, "/sleep?ms=3000", results) for _ in range(3)]
        self.assertTrue(wait_until(lambda: b.in_flight() >= 3, 2), "the sleeps never started")
        term = time.monotonic()
        b.send_signal(signal.SIGTERM)
        # Closing the idle connections follows the draining flag /healthz reads:
        # once this one is closed, the drain has begun.
        self.assertTrue(idle.closed_within(1.5), "an idle keep-alive connection was kept open during the drain")

        health = self.healthz_on_new_connection(b)
        self.assertNotEqual(health, 200, "a new connection was served /healthz 200 while draining")
        self.assertTrue(health == 503 or isinstance(health, str), health)

        for t in threads:
            t.join(10)
        self.assertEqual([s for s, _ in results], [200] * 3, f"in-flight requests during the drain: {results}")
        status = b.wait_exit(shutdown_ms / 1000 + 2)
        took = time.monotonic() - term
        self.assertEqual(status, 0, f"exit status (None: still running); stderr: {b.stderr()[-1500:]!r}")
        self.assertLess(took, 3.0 + 2.5, "the drain should end once the requests are done")

    def test_drain_deadline_cancels_what_is_left(self):
        shutdown_ms = 500
        b = self.start_brisk({"timeouts": {"shutdown_ms": shutdown_ms}})
        results = []
        t = in_background(b, "/sleep?ms=8000", results)
        self.assertTrue(wait_until(lambda: b.in_flight() >= 1, 2))
        term = time.monotonic()
        b.send_signal(signal.SIGTERM)
        status = b.wait_exit(shutdown_ms / 1000 + 2.5)
        self.assertEqual(status, DRAIN_CANCELLED, f"exit status (None: still running); stderr: {b.stderr()[-1500:]!r}")
        self.assertLess(time.monotonic() - term, shutdown_ms / 1000 + 2.5)
        t.join(5)
        self.assertNotEqual(results[0][0], 200, "a request cancelled by the drain deadline answered 200")
        self.assertIn("cancelling 1 request(s)", b.stderr())

    def test_second_sigterm_cuts_the_drain_short(self):
        b = self.start_brisk({"timeouts": {"shutdown_ms": 20000}})
        results = []
        t = in_background(b, "/sleep?ms=10000", results)
        self.assertTrue(wait_until(lambda: b.in_flight() >= 1, 2))
        b.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        self.assertIsNone(b.proc.poll(), "exited at once although a request was in flight")
        second = time.monotonic()
        b.send_signal(signal.SIGTERM)
        status = b.wait_exit(3)
        self.assertEqual(status, DRAIN_CANCELLED, f"exit status (None: still running); stderr: {b.stderr()[-1500:]!r}")
        self.assertLess(time.monotonic() - second, 3)
        t.join(5)

    def test_second_sigterm_during_the_delay_stops_at_once(self):
        b = self.start_brisk({"timeouts": {"drain_delay_ms": 20000}})
        b.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        self.assertIsNone(b.proc.poll(), "exited at once despite drain_delay_ms")
        second = time.monotonic()
        b.send_signal(signal.SIGTERM)
        self.assertEqual(b.wait_exit(3), 0, "nothing was in flight: a clean exit")
        self.assertLess(time.monotonic() - second, 3)

    def test_during_the_drain_delay_everything_is_served_but_healthz_and_connections_close(self):
        # 2 s of delay: long enough to probe it on a busy machine, short
        # enough to see it end.
        delay = 2.0
        b = self.start_brisk({"timeouts": {"drain_delay_ms": int(delay * 1000)}})
        kept = b.connect()
        self.addCleanup(kept.close)
        kept.send(request_bytes("GET", "/plaintext"))
        self.assertEqual(kept.read_final_response().header("Connection"), None, "keep-alive before the signal")

        term = time.monotonic()
        b.send_signal(signal.SIGTERM)
        health = wait_until(lambda: (r := b.exchange(request_bytes("GET", "/healthz"))).status == 503 and r, 1)
        self.assertTrue(health, "/healthz did not turn 503 after SIGTERM")
        self.assertEqual(health.header("Connection"), "close")
        self.assertEqual(health.header("Retry-After"), "1")
        fresh = b.exchange(request_bytes("GET", "/plaintext"))
        self.assertEqual((fresh.status, fresh.header("Connection")), (200, "close"),
                         "a new connection during the delay is served, and closed")
        # The keep-alive connection a load balancer may still send on is kept
        # open and answered, then closed.
        self.assertTrue(kept.is_open(), "an idle keep-alive connection was closed during the delay")
        kept.send(request_bytes("GET", "/plaintext"))
        answer = kept.read_final_response()
        self.assertEqual((answer.status, answer.header("Connection")), (200, "close"))
        self.assertTrue(kept.closed_within(2))
        self.assertLess(time.monotonic() - term, delay, "the probes outlasted the delay: too slow a machine")

        status = b.wait_exit(delay + 5)
        took = time.monotonic() - term
        self.assertEqual(status, 0, f"exit status (None: still running); stderr: {b.stderr()[-1500:]!r}")
        self.assertGreaterEqual(took, delay - 0.1, "stopped before drain_delay_ms")
        self.assertLess(took, delay + 4)

    # Between the drain's last empty accept and the listener's close, the
    # kernel can still queue a connection, which the close resets: a window
    # of microseconds, which ASan widens enough to hit 1 time in ~4,500
    # connections (a CI run, 2026-12-08). Closing it needs the listener to
    # stop taking connections before the last accept (issue 17's note).
    @unittest.skipIf(os.environ.get("BRISK_SANITIZED", "").upper() in ("1", "ON", "TRUE", "YES"),
                     "the accept-to-close window is wide enough under ASan to reset a connection now and then")
    def test_connections_the_kernel_accepted_are_answered_never_reset(self):
        # Clients connect as fast as they can while brisk stops: a connection
        # is either refused (no listener: a balancer retries it elsewhere) or
        # answered; never accepted by the kernel and then reset, which a
        # listener closed on a non-empty accept queue does.
        b = self.start_brisk({"timeouts": {"drain_delay_ms": 300}}, workers=2)
        outcomes = {"answered": 0, "refused": 0, "reset": 0, "closed unanswered": 0}
        lock = threading.Lock()
        done = threading.Event()

        def hammer():
            while not done.is_set():
                try:
                    c = RawConnection(b.port, timeout=5)
                except ConnectionRefusedError:
                    outcome = "refused"
                else:
                    try:
                        c.send(request_bytes("GET", "/plaintext"))
                        outcome = "answered" if c.read_final_response().status == 200 else "reset"
                    except ConnectionClosed:
                        outcome = "reset" if c.reset else "closed unanswered"
                    except OSError:
                        outcome = "reset"
                    finally:
                        c.close()
                with lock:
                    outcomes[outcome] += 1

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            time.sleep(0.2)
            b.send_signal(signal.SIGTERM)
            status = b.wait_exit(10)
            time.sleep(0.2)
        finally:
            done.set()
            for t in threads:
                t.join(10)
        self.assertEqual(status, 0, f"stderr: {b.stderr()[-1500:]!r}")
        self.assertGreater(outcomes["answered"], 0, outcomes)
        self.assertGreater(outcomes["refused"], 0, outcomes)
        self.assertEqual((outcomes["reset"], outcomes["closed unanswered"]), (0, 0), outcomes)

    def test_sigint_drains_too_without_the_delay(self):
        # Ctrl-C in a terminal: no load balancer to wait for.
        b = self.start_brisk({"timeouts": {"drain_delay_ms": 20000}})
        results = []
        t = in_background(b, "/sleep?ms=800", results)
        self.assertTrue(wait_until(lambda: b.in_flight() >= 1, 2))
        b.send_signal(signal.SIGINT)
        self.assertEqual(b.wait_exit(5), 0)
        t.join(5)
        self.assertEqual(results[0][0], 200)

    def test_idle_daemon_stops_at_once(self):
        b = self.start_brisk()
        start = time.monotonic()
        b.stop_cleanly(self, timeout=5)
        self.assertLess(time.monotonic() - start, 3.0, "waited for shutdown_ms (10 s) with nothing to drain")


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return None


class Signals(BriskTestCase):
    def test_sighup_reopens_log_files(self):
        b = self.start_brisk({"log": {"access_path": "access.log", "error_path": "error.log"}})
        access, error = b.dir / "access.log", b.dir / "error.log"
        self.assertEqual(b.get("/nope-before")[0], 404)
        self.assertTrue(wait_until(lambda: "/nope-before" in (read(access) or ""), 3), "no access line in the file")
        self.assertTrue(wait_until(lambda: read(error), 3), "nothing in the error log file")
        self.assertEqual(b.stderr(), "", "the error log went to stderr although error_path is set")

        os.rename(access, b.dir / "access.log.1")
        os.rename(error, b.dir / "error.log.1")
        self.assertEqual(b.get("/nope-between")[0], 404)
        b.send_signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: access.exists() and error.exists(), 3), "SIGHUP did not reopen the logs")
        self.assertEqual(b.get("/nope-after")[0], 404)
        self.assertTrue(wait_until(lambda: "/nope-after" in (read(access) or ""), 3),
                        "no line in the new access log after SIGHUP")
        b.stop_cleanly(self)

        old = read(b.dir / "access.log.1")
        self.assertIn("/nope-before", old)
        self.assertIn("/nope-between", old, "a line written before SIGHUP was lost")
        self.assertNotIn("/nope-after", old)
        self.assertNotIn("/nope-before", read(access))
        self.assertTrue(read(error), "the new error log is empty after SIGHUP and a stop")

    def test_sigusr1_writes_a_task_dump_to_the_error_log(self):
        b = self.start_brisk({"log": {"error_path": "error.log"}})
        error = b.dir / "error.log"
        self.assertTrue(wait_until(lambda: read(error), 3))
        before = len(read(error))
        b.send_signal(signal.SIGUSR1)
        grew = wait_until(lambda: re.search(r"(?i)task", read(error)[before:]), 3)
        self.assertTrue(grew, f"no task dump in the error log: {read(error)[before:]!r}")
        self.assertServing(b, "after SIGUSR1")
        b.stop_cleanly(self)


class AccessLog(BriskTestCase):
    def wait_for_line(self, text_of, needle):
        lines = wait_until(lambda: [line for line in text_of().splitlines() if needle in line], 3)
        self.assertTrue(lines, f"no access-log line with {needle!r}")
        return lines

    def test_one_line_per_request_with_method_path_status_bytes_duration(self):
        b = self.start_brisk({"log": {"access_format": "json"}})  # combined has no duration
        missing = f"/nope-{uuid.uuid4().hex[:8]}"
        plaintext = b.exchange(request_bytes("GET", "/plaintext"))
        echo = b.exchange(request_bytes("POST", "/echo", body=b"12345"))
        self.assertEqual((plaintext.status, echo.status), (200, 200))
        self.assertEqual(b.get(missing)[0], 404)
        self.assertEqual(b.get("/sleep?ms=400")[0], 200)

        def byte_counts(r):  # the body, or the whole response
            return rf"(?<![\d.])({len(r.body)}|{len(r.raw)})(?![\d.])"

        [line] = self.wait_for_line(b.stdout, "/plaintext")
        self.assertIn("GET", line)
        self.assertRegex(line, r"(?<![\d.])200(?![\d.])")
        self.assertRegex(line, byte_counts(plaintext), "no byte count")

        [line] = self.wait_for_line(b.stdout, "/echo")
        self.assertIn("POST", line)
        self.assertRegex(line, byte_counts(echo), "no byte count")

        [line] = self.wait_for_line(b.stdout, missing)
        self.assertRegex(line, r"(?<![\d.])404(?![\d.])")

        [line] = self.wait_for_line(b.stdout, "/sleep")
        self.assertTrue(0.39 <= json.loads(line)["request_time"] < 3, f"no duration of about 0.4 s in {line!r}")
        b.stop_cleanly(self)

    def test_every_request_is_logged_once(self):
        b = self.start_brisk()
        paths = [f"/nope-{uuid.uuid4().hex[:8]}" for _ in range(20)]
        with b.connect() as c:  # keep-alive and pipelined requests are logged too
            c.send(b"".join(request_bytes("GET", p) for p in paths))
            for _ in paths:
                c.read_final_response()
        b.stop_cleanly(self)
        out = b.stdout()
        for p in paths:
            self.assertEqual(out.count(p), 1, p)

    def test_access_log_off(self):
        b = self.start_brisk({"log": {"access": False}})
        self.assertEqual(b.get("/plaintext")[0], 200)
        b.stop_cleanly(self)
        self.assertNotIn("/plaintext", b.stdout())
        self.assertNotIn("/plaintext", b.stderr())

    def test_access_log_to_a_file(self):
        b = self.start_brisk({"log": {"access_path": "access.log"}})
        self.assertEqual(b.get("/json")[0], 200)
        self.wait_for_line(lambda: read(b.dir / "access.log") or "", "/json")
        b.stop_cleanly(self)
        self.assertNotIn("/json", b.stdout())


if __name__ == "__main__":
    unittest.main()
