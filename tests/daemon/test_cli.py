"""The command line and the configuration as the daemon applies them: flags,
--check-config, BRISK_* overrides, and the one-line error + exit 2 for a bad
file, key or value (with nothing listening)."""

import os
import sys
import tempfile
import tomllib
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import REPO, Brisk, BriskTestCase, free_port, port_is_listening, run_brisk  # noqa: E402


class VersionAndHelp(unittest.TestCase):
    def test_version(self):
        r = run_brisk(["--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.strip(), r"^brisk \d+\.\d+\.\d+")

    def test_help_lists_every_flag(self):
        r = run_brisk(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for flag in ("--config", "--listen", "--workers", "--log-level", "--check-config", "--version", "--help"):
            self.assertIn(flag, r.stdout)

    def test_unknown_flag_exits_2(self):
        r = run_brisk(["--frobnicate"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("frobnicate", r.stderr)


class CheckConfig(unittest.TestCase):
    def write(self, text):
        d = self.enterContext(tempfile.TemporaryDirectory())
        path = os.path.join(d, "brisk.toml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def check(self, args, env=None):
        r = run_brisk([*args, "--check-config"], env=env)
        self.assertEqual(r.returncode, 0, f"stderr: {r.stderr}")
        try:
            return tomllib.loads(r.stdout)
        except tomllib.TOMLDecodeError as e:
            self.fail(f"--check-config output is not TOML ({e}):\n{r.stdout}")

    def test_defaults_are_the_shipped_brisk_toml(self):
        effective = self.check([])
        with open(REPO / "config" / "brisk.toml", "rb") as f:
            shipped = tomllib.load(f)
        for section, values in shipped.items():
            self.assertEqual(effective.get(section), values, f"[{section}]")

    def test_file_values_are_reported(self):
        port = free_port()
        path = self.write(f'[server]\nlisten = "127.0.0.1:{port}"\nworkers = 3\n'
                          "[limits]\nmax_body_bytes = 12345\n[timeouts]\nidle_ms = 4321\n"
                          '[[routes.limit]]\npath = "/sleep"\nconcurrency = 3\nwait_ms = 50\n')
        cfg = self.check(["--config", path])
        self.assertEqual(cfg["server"]["listen"], f"127.0.0.1:{port}")
        self.assertEqual(cfg["server"]["workers"], 3)
        self.assertEqual(cfg["limits"]["max_body_bytes"], 12345)
        self.assertEqual(cfg["timeouts"]["idle_ms"], 4321)
        self.assertEqual(cfg["routes"]["limit"], [{"path": "/sleep", "concurrency": 3, "wait_ms": 50}])
        self.assertFalse(port_is_listening(port), "--check-config must not listen")

    def test_output_loads_back_to_itself(self):
        path = self.write("[limits]\nmax_uri_bytes = 999\n[log]\naccess = false\nlevel = \"warning\"\n")
        first = run_brisk(["--config", path, "--check-config"])
        again = self.write(first.stdout)
        second = run_brisk(["--config", again, "--check-config"])
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(tomllib.loads(first.stdout), tomllib.loads(second.stdout))

    def test_environment_overrides_file_and_flag_overrides_environment(self):
        a, b, c = free_port(), free_port(), free_port()
        path = self.write(f'[server]\nlisten = "127.0.0.1:{a}"\n[limits]\nmax_body_bytes = 100\n')
        env = {"BRISK_SERVER_LISTEN": f"127.0.0.1:{b}", "BRISK_LIMITS_MAX_BODY_BYTES": "200"}
        self.assertEqual(self.check(["--config", path])["server"]["listen"], f"127.0.0.1:{a}")
        cfg = self.check(["--config", path], env=env)
        self.assertEqual(cfg["server"]["listen"], f"127.0.0.1:{b}")
        self.assertEqual(cfg["limits"]["max_body_bytes"], 200)
        cfg = self.check(["--config", path, "--listen", f"127.0.0.1:{c}", "--workers", "5",
                          "--log-level", "error"], env={**env, "BRISK_SERVER_WORKERS": "2"})
        self.assertEqual(cfg["server"]["listen"], f"127.0.0.1:{c}")
        self.assertEqual(cfg["server"]["workers"], 5)
        self.assertEqual(cfg["log"]["level"], "error")
        self.assertEqual(cfg["limits"]["max_body_bytes"], 200)

    def test_log_files_are_checked_not_created(self):
        # A file created by a check run as root would be one the daemon, run
        # as another user, could not open.
        d = self.enterContext(tempfile.TemporaryDirectory())
        error_path, access_path = os.path.join(d, "error.log"), os.path.join(d, "access.log")
        path = self.write(f'[log]\nerror_path = "{error_path}"\naccess = true\naccess_path = "{access_path}"\n')
        self.check(["--config", path])
        self.assertEqual(os.listdir(d), [])

    def test_environment_booleans(self):
        for text, value in (("0", False), ("off", False), ("no", False), ("1", True), ("on", True), ("yes", True)):
            self.assertEqual(self.check([], env={"BRISK_LOG_ACCESS": text})["log"]["access"], value, text)


class BadConfiguration(unittest.TestCase):
    """One message on stderr that names the key, the value and what was expected; exit 2; nothing listens."""

    def run_bad(self, toml_text=None, args=(), env=None):
        port = free_port()
        cmd = list(args)
        if toml_text is not None:
            d = self.enterContext(tempfile.TemporaryDirectory())
            path = os.path.join(d, "bad.toml")
            with open(path, "w") as f:
                f.write(f'[server]\nlisten = "127.0.0.1:{port}"\n' + toml_text)
            cmd = ["--config", path, *cmd]
        elif "--listen" not in cmd:
            cmd = ["--listen", f"127.0.0.1:{port}", *cmd]
        r = run_brisk(cmd, env=env, timeout=10)
        self.assertEqual(r.returncode, 2, f"exit status; stderr: {r.stderr!r}")
        self.assertFalse(port_is_listening(port))
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        self.assertTrue(lines, "no message on stderr")
        self.assertLessEqual(len(lines), 2, f"one message expected, got: {r.stderr!r}")
        return lines[0]

    def assertNames(self, message, *parts):
        for part in parts:
            self.assertIn(part, message)

    def test_value_out_of_range(self):
        msg = self.run_bad("[limits]\nmax_body_bytes = -5\n")
        self.assertNames(msg, "limits.max_body_bytes", "-5", "expected", "bad.toml")

    def test_wrong_type(self):
        msg = self.run_bad('workers = "many"\n')  # lands in the [server] table run_bad starts
        self.assertNames(msg, "server.workers", "many", "expected")

    def test_unknown_key(self):
        msg = self.run_bad("[limits]\nmax_bdy_bytes = 10\n")
        self.assertNames(msg, "max_bdy_bytes")

    def test_unknown_section(self):
        msg = self.run_bad("[limitz]\nmax_body_bytes = 10\n")
        self.assertNames(msg, "limitz")

    def test_bad_listen_address(self):
        msg = self.run_bad(None, args=["--listen", "localhost:80"])
        self.assertNames(msg, "server.listen", "localhost:80", "expected")

    def test_toml_syntax_error(self):
        msg = self.run_bad("[timeouts\nidle_ms = 5\n")
        self.assertIn("bad.toml", msg)

    def test_missing_file(self):
        r = run_brisk(["--config", "/nonexistent/brisk.toml"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent/brisk.toml", r.stderr)

    def test_bad_environment_value(self):
        msg = self.run_bad(None, env={"BRISK_LOG_LEVEL": "loud"})
        self.assertNames(msg, "BRISK_LOG_LEVEL", "log.level", "loud", "expected")

    def test_unknown_environment_key(self):
        msg = self.run_bad(None, env={"BRISK_LIMITS_MAX_BODY": "5"})
        self.assertIn("BRISK_LIMITS_MAX_BODY", msg)

    def test_bad_flag_value(self):
        msg = self.run_bad(None, args=["--workers", "zero"])
        self.assertNames(msg, "workers", "zero", "expected")

    def test_bad_log_level_flag(self):
        msg = self.run_bad(None, args=["--log-level", "verbose"])
        self.assertNames(msg, "log.level", "verbose")

    def test_route_limit_on_a_path_no_route_has(self):
        # Found only once the routes are registered: the start and
        # --check-config both build them, and both refuse it.
        text = ('[[routes.limit]]\npath = "/sleep"\nconcurrency = 1\n'
                '[[routes.limit]]\npath = "/nowhere/{id}"\nconcurrency = 1\n')
        for args in ((), ("--check-config",)):
            with self.subTest(args=args):
                msg = self.run_bad(text, args=args)
                self.assertNames(msg, 'cannot start: routes.limit[1].path = "/nowhere/{id}": '
                                      "expected the pattern of a route (", "/sleep, ")

    def test_health_or_metrics_path_that_another_route_has(self):
        # A demo route's path: known only once the routes are registered.
        for section, path in (("health", "/plaintext"), ("metrics", "/json")):
            for args in ((), ("--check-config",)):
                with self.subTest(section=section, args=args):
                    msg = self.run_bad(f'[{section}]\npath = "{path}"\n', args=args)
                    self.assertNames(msg, f'cannot start: {section}.path = "{path}": '
                                          f'route "{path}": GET registered twice')

    def test_log_file_that_cannot_be_opened(self):
        # The start opens the file; --check-config checks it without opening.
        missing = "/nonexistent-brisk-dir/brisk.log"
        for key, text, path, why in (
            ("log.error_path", f'[log]\nerror_path = "{missing}"\n', missing, "No such file or directory"),
            ("log.access_path", f'[log]\naccess = true\naccess_path = "{missing}"\n', missing,
             "No such file or directory"),
            ("log.error_path", '[log]\nerror_path = "/"\n', "/", "Is a directory"),
        ):
            for args in ((), ("--check-config",)):
                with self.subTest(key=key, path=path, args=args):
                    msg = self.run_bad(text, args=args)
                    self.assertNames(msg, f'cannot start: {key} = "{path}": cannot open it for appending: {why}')


class Overrides(BriskTestCase):
    """The overrides reach the running daemon, not only --check-config."""

    def test_environment_limit_applies(self):
        b = self.start_brisk({"limits": {"max_body_bytes": 1000}}, env={"BRISK_LIMITS_MAX_BODY_BYTES": "100"})
        status, _, _ = b.request("POST", "/echo", body=b"x" * 500)
        self.assertEqual(status, 413)
        status, _, body = b.request("POST", "/echo", body=b"x" * 100)
        self.assertEqual((status, body), (200, b"x" * 100))
        b.stop_cleanly(self)

    def test_listen_flag_wins_over_file(self):
        b = Brisk()
        self.addCleanup(b.cleanup)
        file_port = b.port
        b.port = free_port()
        b.args = ["--listen", f"127.0.0.1:{b.port}"]
        b.start()
        self.assertFalse(port_is_listening(file_port))
        self.assertServing(b)
        b.stop_cleanly(self)

    def test_without_config_file(self):
        # Defaults listen on 0.0.0.0:8080, which may be taken: give only the address.
        b = Brisk(use_config_file=False)
        self.addCleanup(b.cleanup)
        b.args = ["--listen", f"127.0.0.1:{b.port}"]
        b.start()
        self.assertServing(b)
        b.stop_cleanly(self)

    def test_workers_flag(self):
        b = self.start_brisk(args=["--workers", "3"])
        samples = b.metrics()
        workers = {dict(labels).get("worker") for (name, labels) in samples if name == "brisk_event_loop_lag_seconds"}
        self.assertEqual(workers, {"0", "1", "2"})
        b.stop_cleanly(self)

    def test_log_level_error_silences_info(self):
        info = self.start_brisk()
        self.assertServing(info)
        info.stop_cleanly(self)
        self.assertRegex(info.stderr(), r"(?i)\binfo\b", "the default level writes info lines (startup, stop)")

        quiet = self.start_brisk(args=["--log-level", "error"])
        self.assertServing(quiet)
        quiet.stop_cleanly(self)
        self.assertNotRegex(quiet.stderr(), r"(?i)\binfo\b")

    def test_listen_address_in_use(self):
        import socket
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]
            r = run_brisk(["--listen", f"127.0.0.1:{port}"], timeout=10)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(str(port), r.stderr)


class ConfigEffects(BriskTestCase):
    def test_server_name(self):
        b = self.start_brisk({"server": {"server_name": "custom/1.0"}})
        _, headers, _ = b.get("/plaintext")
        self.assertEqual(headers["Server"], "custom/1.0")
        b.stop_cleanly(self)

    def test_empty_server_name_sends_no_server_header(self):
        b = self.start_brisk({"server": {"server_name": ""}})
        _, headers, _ = b.get("/plaintext")
        self.assertIsNone(headers["Server"])
        b.stop_cleanly(self)

    def test_demo_off(self):
        b = self.start_brisk({"server": {"demo": False}})
        for path in ("/plaintext", "/json", "/sleep?ms=1"):
            self.assertEqual(b.get(path)[0], 404, path)
        self.assertEqual(b.get("/healthz")[0], 200)
        self.assertEqual(b.get("/metrics")[0], 200)
        b.stop_cleanly(self)

    def test_metrics_and_health_paths(self):
        b = self.start_brisk({"metrics": {"path": "/internal/metrics"}, "health": {"path": "/ready"}})
        self.assertEqual(b.get("/ready")[0], 200)
        status, _, body = b.get("/internal/metrics")
        self.assertEqual(status, 200)
        self.assertIn(b"brisk_requests_total", body)
        self.assertEqual(b.get("/metrics")[0], 404)
        self.assertEqual(b.get("/healthz")[0], 404)
        b.stop_cleanly(self)

    def test_metrics_disabled(self):
        b = self.start_brisk({"metrics": {"enabled": False}})
        self.assertEqual(b.get("/metrics")[0], 404)
        b.stop_cleanly(self)


if __name__ == "__main__":
    unittest.main()
