"""The access log under load and under attack: with 4 workers every line
reaches the file whole (nginx's combined format, parsed line by line), a
client cannot forge a line, the JSON format is one object per line, a full
disk is counted and logged once while the daemon keeps serving, and client
mistakes are logged at info, held back when they flood."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import HOST, BriskTestCase, metric, request_bytes, wait_until  # noqa: E402

# nginx's combined: $remote_addr - $remote_user [$time_local] "$request" $status
# $body_bytes_sent "$http_referer" "$http_user_agent". Inside quotes, nothing
# but printable ASCII other than `"` (escapes are \xHH).
QUOTED = r'"((?:[\x20-\x21\x23-\x7e])*)"'
COMBINED = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}) - - \[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] "
                      + QUOTED + r" (\d{3}) (\d+) " + QUOTED + " " + QUOTED + "$")
SANITIZED = os.environ.get("BRISK_SANITIZED", "").upper() in ("1", "ON", "TRUE", "YES")


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("ascii")  # escaped: never anything else


def test_lines(path):
    """The lines of the access log but those of the harness's own probes (/healthz, /metrics)."""
    return [line for line in read(path).splitlines() if "/healthz" not in line and "/metrics" not in line]


class AccessLogUnderLoad(BriskTestCase):
    @unittest.skipUnless(shutil.which("wrk"), "wrk is not installed")
    def test_four_workers_under_load_write_every_line_whole(self):
        b = self.start_brisk({"log": {"access_path": "access.log"}}, workers=4)
        seconds = 5 if SANITIZED else 10
        run = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "-H", 'User-Agent: wrk "load"',
                              f"http://{HOST}:{b.port}/plaintext"],
                             capture_output=True, text=True, timeout=seconds + 30)
        self.assertEqual(run.returncode, 0, run.stderr)
        # wrk stops on time with requests still in flight, which the server
        # answers, counts and logs just after: read the count once it holds.
        def served_now():
            return metric(b.metrics(), "brisk_requests_total", route="/plaintext", method="GET", status="2xx")
        served, previous = served_now(), None
        while served != previous:
            time.sleep(0.2)
            served, previous = served_now(), served
        b.stop_cleanly(self)

        text = read(b.dir / "access.log")
        self.assertTrue(text.endswith("\n"))
        lines = text.split("\n")[:-1]
        bad = [line for line in lines if not COMBINED.match(line)]
        self.assertEqual(bad[:5], [], f"{len(bad)} of {len(lines)} lines are not one combined line each")
        plaintext = [line for line in lines if '"GET /plaintext HTTP/1.1" 200 13 "-" "wrk \\x22load\\x22"' in line]
        self.assertEqual(len(plaintext), served, "a line per request, no more, no fewer")
        self.assertGreater(served, 1000)


class AccessLogLines(BriskTestCase):
    def test_a_client_cannot_forge_a_line(self):
        b = self.start_brisk({"log": {"access_path": "access.log"}})
        forged = b'/x"%0D%0A\\ 200 0 "-" "-"'  # a quote, escaped CR LF, a backslash
        with b.connect() as c:
            c.send(b"GET " + forged.replace(b" ", b"%20") + b" HTTP/1.1\r\nHost: x\r\n"
                   b'User-Agent: ua" 200 "\t\xff\r\nReferer: "\\\r\n\r\n')
            self.assertEqual(c.read_final_response().status, 404)
        b.stop_cleanly(self)
        [line] = test_lines(b.dir / "access.log")
        m = COMBINED.match(line)
        self.assertIsNotNone(m, line)
        self.assertEqual(m.group(3), r"GET /x\x22%0D%0A\x5C%20200%200%20\x22-\x22%20\x22-\x22 HTTP/1.1")
        self.assertEqual((m.group(4), m.group(6), m.group(7)), ("404", r"\x22\x5C", r"ua\x22 200 \x22\x09\xFF"))

    def test_json_is_one_object_per_line(self):
        b = self.start_brisk({"log": {"access_path": "access.log", "access_format": "json"}})
        self.assertEqual(b.exchange(request_bytes("GET", "/plaintext", headers=[("User-Agent", 'a"\\b')])).status, 200)
        self.assertEqual(b.exchange(request_bytes("POST", "/echo", body=b"12345")).status, 200)
        b.stop_cleanly(self)
        # Two connections may be two workers, whose buffers reach the file in
        # either order.
        first, second = sorted((json.loads(line) for line in test_lines(b.dir / "access.log")),
                               key=lambda entry: entry["method"])
        self.assertEqual((first["method"], first["target"], first["status"], first["user_agent"]),
                         ("GET", "/plaintext", 200, 'a"\\b'))
        self.assertEqual((second["method"], second["body_bytes_sent"], second["referer"]), ("POST", 5, ""))
        self.assertEqual(first["remote_addr"], "127.0.0.1")
        self.assertIsInstance(first["request_time"], float)


class FullDisk(BriskTestCase):
    @unittest.skipUnless(os.path.exists("/dev/full"), "no /dev/full")
    def test_a_full_disk_is_counted_logged_once_and_serving_goes_on(self):
        b = self.start_brisk({"log": {"access_path": "/dev/full", "error_path": "error.log"}})
        for _ in range(3):  # each worker flushes once a second: several runs of failures
            for _ in range(20):
                self.assertServing(b, "with the access log on a full disk")
            time.sleep(0.6)
        lost = wait_until(lambda: metric(b.metrics(), "brisk_log_lines_lost_total", log="access") >= 60, 3)
        self.assertTrue(lost, b.metrics())
        samples = b.metrics()
        self.assertGreater(metric(samples, "brisk_log_write_errors_total", log="access"), 0)
        self.assertEqual(metric(samples, "brisk_log_write_errors_total", log="error"), 0)
        b.stop_cleanly(self)
        errors = (b.dir / "error.log").read_text()
        # Once: the first failed write starts the run, and on /dev/full no write ends it.
        self.assertEqual(errors.count("cannot write to the log /dev/full: No space left on device"), 1, errors)


class ClientMistakes(BriskTestCase):
    def test_a_malformed_request_is_logged_at_info_and_a_flood_is_held_back(self):
        b = self.start_brisk({"log": {"error_path": "error.log"}})
        for _ in range(40):
            with b.connect() as c:
                c.send(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
                self.assertEqual(c.read_final_response().status, 400)
        self.assertServing(b, "after malformed requests")
        held = wait_until(lambda: re.search(r"lines like it held back", (b.dir / "error.log").read_text()), 3)
        b.stop_cleanly(self)
        errors = (b.dir / "error.log").read_text()
        self.assertTrue(held, errors)
        bad = [line for line in errors.splitlines() if ": 400 " in line]
        self.assertTrue(bad, errors)
        self.assertTrue(all("[info]" in line for line in bad), bad)
        # The daemon's own warning when a test runs it as root is not about a client.
        about_clients = "\n".join(line for line in errors.splitlines() if "running as root" not in line)
        self.assertNotIn("[warning]", about_clients)
        self.assertNotIn("[error]", about_clients)
        self.assertLess(len(bad), 40, "the flood was written in full")
        counts = [int(n) for n in re.findall(r"the last of (\d+) lines like it held back", errors)]
        self.assertEqual(len(bad) - len(counts) + sum(counts), 40, errors)


if __name__ == "__main__":
    unittest.main()
