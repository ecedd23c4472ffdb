"""[server] user and group: started as root, brisk binds its listeners and
then serves as the configured account, every thread of it; an account that
does not exist stops the start (and --check-config) with exit 2 naming the
key; root without server.user is warned about."""

import os
import pwd
import sys
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import Brisk, BriskTestCase  # noqa: E402


def thread_ids(pid, field):
    """The real, effective, saved and file-system ids of `field` (Uid, Gid) of every thread."""
    ids = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith(field + ":"):
                ids.add(tuple(int(v) for v in line.split()[1:]))
    return ids


@unittest.skipUnless(os.geteuid() == 0, "needs root: only root can change its user")
class DropToUser(BriskTestCase):
    def test_every_thread_serves_as_the_user_after_binding(self):
        nobody = pwd.getpwnam("nobody")
        b = self.start_brisk({"server": {"user": "nobody"}}, workers=2)
        status, _, body = b.get("/plaintext")
        self.assertEqual((status, body), (200, b"Hello, World!"))
        self.assertEqual(thread_ids(b.pid, "Uid"), {(nobody.pw_uid,) * 4})
        self.assertEqual(thread_ids(b.pid, "Gid"), {(nobody.pw_gid,) * 4})
        self.assertIn("serving as user nobody", b.stderr())
        self.assertNotIn("running as root", b.stderr())
        b.stop_cleanly(self)

    def test_root_without_user_is_warned_about(self):
        b = self.start_brisk(workers=1)
        self.assertIn("running as root: set server.user", b.stderr())
        b.stop_cleanly(self)


class UnknownAccount(BriskTestCase):
    def test_a_user_or_group_that_does_not_exist_stops_the_start(self):
        for config, key in (({"server": {"user": "no-such-user-brisk"}}, "server.user"),
                            ({"server": {"user": "nobody", "group": "no-such-group-brisk"}}, "server.group"),
                            ({"server": {"group": "nogroup"}}, "server.group")):
            with self.subTest(key=key):
                b = Brisk(config)
                self.addCleanup(b.cleanup)
                check = b.check_config()
                self.assertEqual(check.returncode, 2, check.stderr)
                self.assertIn(key, check.stderr)
                b.start(wait=False)
                self.assertEqual(b.wait_exit(10), 2)
                self.assertIn(key, b.stderr())


if __name__ == "__main__":
    unittest.main()
