"""Deploys without a lost request (issue 17): three brisk behind HAProxy,
each restarted in turn with SIGTERM, and a new brisk started beside an old one
on the same port (SO_REUSEPORT) while the old one drains, both under a steady
load: every request answered 2xx. Skipped when haproxy is not installed
(scripts/install-deps.sh installs it). About 25 s."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import BriskTestCase  # noqa: E402
from rolling import Haproxy, SteadyLoad, brisk_maker, haproxy_binary, rolling_restart, upgrade_in_place  # noqa: E402

# Checks every 200 ms, out after 2 failures: HAProxy stops sending within
# about 0.4 s of the first 503. The delay leaves a busy machine 5x that.
INTER_MS, FALL = 200, 2
DRAIN_DELAY_MS = 2000
RATE = 150  # requests/s in all, over 6 keep-alive clients


@unittest.skipUnless(haproxy_binary(), "haproxy is not installed (scripts/install-deps.sh installs it)")
class RollingRestart(BriskTestCase):
    def make(self, port=None):
        b = brisk_maker(DRAIN_DELAY_MS)(port)
        self.addCleanup(b.cleanup)
        return b

    def load(self, port):
        load = SteadyLoad(port, rate=RATE, clients=6).start()
        self.addCleanup(load.stop)
        return load

    def assertNoLoss(self, result):
        self.assertGreater(result["requests"], RATE * 3, f"the load did not run: {result}")
        self.assertEqual((result["failed"], result["non_2xx"]), (0, 0), f"requests lost: {result}")

    def test_each_of_three_restarted_in_turn_behind_haproxy(self):
        bricks = [self.make().start() for _ in range(3)]
        haproxy = Haproxy([b.port for b in bricks], inter_ms=INTER_MS, fall=FALL)
        self.addCleanup(haproxy.cleanup)
        haproxy.start()
        load = self.load(haproxy.port)
        replacements, statuses = rolling_restart(bricks, haproxy, self.make)
        result = load.stop()
        self.assertEqual(statuses, [0, 0, 0], "a drain had to cancel requests")
        self.assertNoLoss(result)
        for b in replacements:
            b.stop_cleanly(self)

    def test_new_brisk_beside_the_old_one_on_the_same_port(self):
        old = self.make().start()
        load = self.load(old.port)
        time.sleep(1)
        new, status = upgrade_in_place(old, self.make)
        time.sleep(1)
        result = load.stop()
        self.assertEqual(status, 0, f"the old brisk's drain: {old.stderr()[-1500:]!r}")
        self.assertNoLoss(result)
        self.assertTrue(new.alive())
        new.stop_cleanly(self)


if __name__ == "__main__":
    unittest.main()
