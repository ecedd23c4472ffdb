"""systemd's notification protocol, spoken by brisk itself: READY=1 once it
listens, WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1 and READY=1 around
SIGHUP, STOPPING=1 when SIGTERM starts the drain; and the unit file that
`cmake --install --component daemon` puts in place passes systemd's checks."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import BriskTestCase, brisk_binary  # noqa: E402


class Notifications:
    """A datagram socket standing in for the service manager's NOTIFY_SOCKET."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="brisk-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []

    def wait_for(self, wanted, timeout=10):
        """The messages up to the first that holds the line `wanted`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, m in enumerate(self.messages):
                if wanted in m.split("\n"):
                    taken, self.messages = self.messages[:i + 1], self.messages[i + 1:]
                    return taken
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                break
        raise AssertionError(f"no {wanted!r} within {timeout} s; got {self.messages}")

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class NotifyProtocol(BriskTestCase):
    def test_ready_watchdog_reload_stopping(self):
        n = Notifications()
        self.addCleanup(n.close)
        b = self.start_brisk(env={"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "200000"})
        ready = n.wait_for("READY=1")
        self.assertIn("STATUS=listening on", ready[-1])
        # Half of 200 ms: several pings in a second.
        start = time.monotonic()
        for _ in range(3):
            n.wait_for("WATCHDOG=1", timeout=2)
        self.assertLess(time.monotonic() - start, 1.5)

        b.send_signal(signal.SIGHUP)
        n.wait_for("RELOADING=1")
        n.wait_for("READY=1")
        status, _, _ = b.get("/plaintext")
        self.assertEqual(status, 200)

        b.send_signal(signal.SIGTERM)
        n.wait_for("STOPPING=1")
        self.assertEqual(b.wait_exit(15), 0)

    def test_watchdog_pid_of_another_process_gets_no_pings(self):
        # WATCHDOG_PID names another process: the pings are not ours to send.
        n = Notifications()
        self.addCleanup(n.close)
        b = self.start_brisk(env={"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "100000", "WATCHDOG_PID": "1"})
        n.wait_for("READY=1")
        time.sleep(0.5)
        n.sock.setblocking(False)
        pings = 0
        try:
            while True:
                pings += "WATCHDOG=1" in n.sock.recv(4096).decode().split("\n")
        except BlockingIOError:
            pass
        self.assertEqual(pings, 0)
        b.stop_cleanly(self)


class UnitFile(unittest.TestCase):
    def test_installed_unit_passes_systemd_analyze(self):
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            self.skipTest("systemd-analyze is not installed")
        build = Path(brisk_binary()).resolve().parent.parent
        with tempfile.TemporaryDirectory(prefix="brisk-unit-") as prefix:
            subprocess.run(["cmake", "--install", str(build), "--component", "daemon", "--prefix", prefix],
                           check=True, capture_output=True)
            unit = Path(prefix) / "lib/systemd/system/brisk.service"
            text = unit.read_text()
            self.assertIn(f"ExecStart={prefix}/bin/brisk --config /etc/brisk/brisk.toml", text)
            self.assertIn("Type=notify", text)
            result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True)
            self.assertEqual((result.returncode, result.stdout + result.stderr), (0, ""))


if __name__ == "__main__":
    unittest.main()
