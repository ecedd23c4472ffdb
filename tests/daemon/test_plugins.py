"""Plugins: shared libraries built against the installed SDK, loaded by the
daemon from [[plugins.load]] (server/include/brisk/server/plugin.hpp).

$BRISK_PLUGIN_DIR holds what build_plugins.sh built from the SDK alone: the
example plugin (hello/libhello.so, from plugins/hello) and the test plugins
(fixtures/lib*.so, from tests/daemon/plugins). The daemon serves a plugin's
routes and middleware like its own, on every worker; a library it cannot use
stops it at start with one line naming the plugin, its path and why, and
--check-config, which loads the plugins too, says the same."""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brisk_harness import (Brisk, BriskTestCase, brisk_binary, metric,  # noqa: E402
                           port_is_listening, run_brisk, wait_until)

BUILT = os.environ.get("BRISK_PLUGIN_DIR")  # set by CTest, whose setup test builds them
PLUGINS = Path(BUILT or "")
HELLO = PLUGINS / "hello" / "libhello.so"


def fixture(name):
    return PLUGINS / "fixtures" / f"lib{name}.so"


def plugins(*entries, settings=None):
    """A config fragment: [[plugins.load]] for each (name, path), and [plugin.<name>] from `settings`."""
    config = {"plugins": {"load": [{"path": str(path), "name": name} for name, path in entries]}}
    if settings:
        config["plugin"] = settings
    return config


@unittest.skipUnless(BUILT, "no plugins built: run through CTest, or set BRISK_PLUGIN_DIR (build_plugins.sh)")
class PluginTestCase(BriskTestCase):
    def assertRefused(self, config, message, status):
        """The daemon exits with `status` at start, `message` in its log, and never
        listens; --check-config of the same file says so, with the same status.
        Status 2 is a configuration mistake (the library, a setting), 1 a setup
        that failed otherwise. Returns the start's log and the check's stderr."""
        b = Brisk(config)
        self.addCleanup(b.cleanup)
        check = b.check_config()
        self.assertEqual(check.returncode, status, check.stderr)
        self.assertIn(f"brisk: cannot start: {message}\n", check.stderr)
        self.assertEqual(check.stdout, "", "no configuration printed for a refused one")
        self.assertNotIn("Sanitizer", check.stderr)
        b.start(wait=False)
        self.assertEqual(b.wait_exit(10), status, b.stderr())
        log = b.stderr()
        self.assertIn(f"cannot start: {message}\n", log)
        self.assertNotIn("listening", log)
        self.assertNotIn("Sanitizer", log)
        self.assertFalse(port_is_listening(b.port))
        return log + check.stderr


class ExamplePlugin(PluginTestCase):
    def test_its_routes_answer_with_its_settings_beside_the_daemons_own(self):
        b = self.start_brisk(plugins(("hello", HELLO), settings={"hello": {"greeting": "Hi"}}))
        status, _, body = b.get("/hello/ann")
        self.assertEqual((status, body), (200, b"Hi, ann!\n"))
        self.assertEqual(b.get("/plaintext")[2], b"Hello, World!")
        self.assertEqual(b.get("/hello/ann/later?ms=soon")[:1], (400,))
        log = b.stderr()
        self.assertIn('plugin hello: greeting with "Hi"', log)
        self.assertIn(f"plugin hello: loaded {HELLO}, 2 route(s)", log)
        self.assertEqual(metric(b.metrics(), "brisk_requests_total", route="/hello/{name}", method="GET",
                                status="2xx"), 1)
        b.stop_cleanly(self)

    def test_check_config_sets_it_up_without_listening(self):
        # As a start would: its setup runs with its settings, and a route
        # limit may name one of its routes.
        config = plugins(("hello", HELLO), settings={"hello": {"greeting": "Hi"}})
        config["routes"] = {"limit": [{"path": "/hello/{name}/later", "concurrency": 1, "wait_ms": 0}]}
        b = Brisk(config)
        self.addCleanup(b.cleanup)
        r = b.check_config()
        self.assertEqual(r.returncode, 0, r.stderr)
        effective = tomllib.loads(r.stdout)
        self.assertEqual(effective["plugin"]["hello"], {"greeting": "Hi"})
        self.assertEqual(effective["routes"]["limit"][0]["path"], "/hello/{name}/later")
        self.assertIn('plugin hello: greeting with "Hi"', r.stderr)
        self.assertIn(f"plugin hello: loaded {HELLO}, 2 route(s)", r.stderr)

    def test_check_config_keeps_what_a_plugin_prints_off_its_stdout(self):
        # stdout is the configuration, for whoever reads it as TOML; a
        # plugin's prints (setup, and teardown when the check lets go of it)
        # go to stderr.
        b = Brisk(plugins(("chatty", fixture("chatty"))))
        self.addCleanup(b.cleanup)
        r = b.check_config()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(tomllib.loads(r.stdout)["plugins"]["load"][0]["name"], "chatty")
        for line in ("chatty: hello from std::cout", "chatty: hello from printf", "chatty: goodbye from printf"):
            self.assertIn(line, r.stderr)

    def test_without_settings_it_uses_its_defaults(self):
        b = self.start_brisk(plugins(("hello", HELLO)))
        self.assertEqual(b.get("/hello/bob")[2], b"Hello, bob!\n")
        b.stop_cleanly(self)

    def test_its_handlers_sleep_concurrently_on_the_daemons_loops(self):
        # The plugin's co_await brisk::sleep() runs on the daemon's loops: 40
        # concurrent 300 ms sleeps take about 300 ms, not 12 s.
        b = self.start_brisk(plugins(("hello", HELLO)), workers=2)
        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(40) as pool:
            replies = list(pool.map(lambda i: b.get(f"/hello/n{i}/later?ms=300", timeout=10), range(40)))
        took = time.monotonic() - start
        self.assertEqual([r[2] for r in replies], [f"Hello, n{i}, at last!\n".encode() for i in range(40)])
        self.assertGreaterEqual(took, 0.3)
        self.assertLess(took, 6.0, f"40 concurrent 300 ms sleeps took {took:.2f} s")
        b.stop_cleanly(self)

    def test_a_route_limit_applies_to_a_plugin_route(self):
        config = plugins(("hello", HELLO))
        config["routes"] = {"limit": [{"path": "/hello/{name}/later", "concurrency": 1, "wait_ms": 0}]}
        b = self.start_brisk(config)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            slow = pool.submit(b.get, "/hello/a/later?ms=3000")
            self.assertTrue(wait_until(lambda: b.in_flight() == 1, 5), "the slow request never started")
            busy = b.get("/hello/b/later?ms=0")
            self.assertEqual(busy[0], 503)
            self.assertEqual(slow.result()[0], 200)
        b.stop_cleanly(self)

    def test_a_path_without_a_slash_is_a_file_in_the_working_directory(self):
        # Not a search of the library path, as dlopen would do with it: a
        # file of that name in the daemon's working directory (its temporary
        # directory here), like every relative path in the config.
        b = Brisk(plugins(("hello", "libhello.so")))
        self.addCleanup(b.cleanup)
        shutil.copy(HELLO, b.dir / "libhello.so")
        b.start()
        self.assertEqual(b.get("/hello/cwd")[2], b"Hello, cwd!\n")
        b.stop_cleanly(self)
        self.assertRefused(plugins(("libc", "libc.so.6")),
                           "plugin libc (libc.so.6): cannot load: cannot open shared object file: "
                           "No such file or directory", status=2)

    def test_a_bad_setting_stops_the_start_naming_the_key_and_value(self):
        for settings, message in (
            ({"greeting": 5}, "plugin.hello.greeting = 5: expected a string"),
            ({"colour": "red"}, "unknown key plugin.hello.colour (known: greeting)"),
        ):
            with self.subTest(settings=settings):
                self.assertRefused(plugins(("hello", HELLO), settings={"hello": settings}),
                                   f"plugin hello ({HELLO}): setup failed: {message}", status=2)


class Refusals(PluginTestCase):
    """Each library the loader refuses, with the reason it gives."""

    def test_a_missing_file(self):
        missing = PLUGINS / "nowhere" / "libnone.so"
        self.assertRefused(plugins(("none", missing)),
                           f"plugin none ({missing}): cannot load: cannot open shared object file: "
                           "No such file or directory", status=2)

    def test_a_library_that_is_not_a_plugin(self):
        path = fixture("not_a_plugin")
        self.assertRefused(plugins(("plain", path)),
                           f"plugin plain ({path}): not a brisk plugin: it exports no 'brisk_plugin' "
                           "(BRISK_PLUGIN in <brisk/server/plugin.hpp> defines it)", status=2)

    def test_a_library_that_needs_a_symbol_the_daemon_lacks(self):
        path = fixture("missing_symbol")
        self.assertRefused(plugins(("needy", path)),
                           f"plugin needy ({path}): cannot load: undefined symbol: "
                           "brisk_function_this_daemon_lacks", status=2)

    def test_a_plugin_for_another_interface(self):
        path = fixture("other_interface")
        self.assertRefused(plugins(("next", path)),
                           f"plugin next ({path}): built for plugin interface 2, but this brisk loads interface 1: "
                           "rebuild it against this brisk's SDK", status=2)

    def test_a_plugin_built_against_another_sdk(self):
        sdk = re.fullmatch(r"brisk \S+ \(plugin SDK (\S+)\)\n", run_brisk(["--version"]).stdout).group(1)
        path = fixture("other_sdk")
        self.assertRefused(plugins(("old", path)),
                           f"plugin old ({path}): built against the SDK of brisk 0.0.0+elsewhere, but this is "
                           f"brisk {sdk}: rebuild it against this brisk's SDK", status=2)

    def test_a_setup_that_throws_after_registering_a_route(self):
        # The route's code stays loaded until the router holding it is gone:
        # the daemon exits with its message, not a crash.
        path = fixture("throws_after_a_route")
        self.assertRefused(plugins(("flaky", path)),
                           f"plugin flaky ({path}): setup failed: the database at db.invalid is unreachable",
                           status=1)

    def test_a_plugin_taking_a_path_the_daemon_serves(self):
        path = fixture("claims_healthz")
        self.assertRefused(plugins(("greedy", path)),
                           f'plugin greedy ({path}): setup failed: route "/healthz": GET registered twice',
                           status=1)

    def test_the_first_refusal_stops_the_start_before_later_plugins_load(self):
        path = fixture("not_a_plugin")
        log = self.assertRefused(plugins(("plain", path), ("hello", HELLO)),
                                 f"plugin plain ({path}): not a brisk plugin: it exports no 'brisk_plugin' "
                                 "(BRISK_PLUGIN in <brisk/server/plugin.hpp> defines it)", status=2)
        self.assertNotIn("plugin hello", log)


class PluginRuntime(PluginTestCase):
    def test_a_plugin_spawns_gathers_offloads_and_times_out_on_the_daemons_runtime(self):
        b = self.start_brisk(plugins(("tour", fixture("runtime_tour"))))
        for _ in range(3):  # on new connections, so on either worker
            status, headers, body = b.get("/tour")
            self.assertEqual((status, headers.get("X-Tour")), (200, "yes"), body)
            self.assertEqual(json.loads(body), {"gather": [10, 30], "spawned": 20, "to_thread_elsewhere": True,
                                                "timed_out": True})
        b.stop_cleanly(self)


class Exports(unittest.TestCase):
    """A plugin's calls into brisk bind to the daemon's symbols: every symbol
    the SDK's two libraries define out of line, and every inline or template
    one of brisk's (one copy per process), must be in its dynamic table."""

    @unittest.skipUnless(os.environ.get("BRISK_SDK_ARCHIVES"), "BRISK_SDK_ARCHIVES is set by CTest")
    def test_the_daemon_exports_every_symbol_of_brisk_runtime_and_brisk_http(self):
        def symbols(*args):
            out = subprocess.run(["nm", "--defined-only", *args], capture_output=True, text=True, check=True).stdout
            return [line.split() for line in out.splitlines() if len(line.split()) == 3]

        archives = os.environ["BRISK_SDK_ARCHIVES"].split(":")
        # (DW.ref.* are the unwinder's hidden references, never exported.)
        needed = {name for _, kind, name in symbols("--extern-only", *archives)
                  if not name.startswith("DW.ref.") and (kind in "TDBR" or (kind in "VWu" and "5brisk" in name))}
        exported = {name for _, _, name in symbols("-D", brisk_binary())}
        self.assertGreater(len(needed), 300)
        missing = sorted(needed - exported)
        demangled = subprocess.run(["c++filt"], input="\n".join(missing[:20]), capture_output=True, text=True).stdout
        self.assertEqual(missing, [], f"{len(missing)} not exported, among them:\n{demangled}")


class PluginMiddleware(PluginTestCase):
    def test_a_plugins_middleware_wraps_every_route_of_the_server(self):
        b = self.start_brisk(plugins(("hello", HELLO), ("stamp", fixture("stamp")),
                                     settings={"stamp": {"stamp": "s-1"}}))
        for path, status in (("/plaintext", 200), ("/hello/x", 200), ("/healthz", 200), ("/nowhere", 404)):
            with self.subTest(path=path):
                got, headers, _ = b.get(path)
                self.assertEqual((got, headers.get("X-Stamp")), (status, "s-1"))
        b.stop_cleanly(self)


class PerWorkerState(PluginTestCase):
    def hammer(self, b, path, count=400, threads=16):
        """`count` GETs of `path`, `threads` at a time: the statuses, or None where the daemon did not answer."""
        def one(_):
            try:
                return b.get(path, timeout=10)[0]
            except OSError:
                return None
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            return list(pool.map(one, range(count)))

    def test_per_worker_state_serves_from_every_worker(self):
        b = self.start_brisk(plugins(("state", fixture("worker_state"))), workers=2)
        self.assertEqual(self.hammer(b, "/right/limited"), [200] * 400)
        b.stop_cleanly(self)

    def test_a_primitive_shared_by_two_workers_stops_the_daemon_saying_why(self):
        # Without the check this crashed at random ("pure virtual method
        # called", exit 134) or corrupted a loop's queue.
        b = self.start_brisk(plugins(("state", fixture("worker_state"))), workers=2)
        self.hammer(b, "/wrong/limited")
        self.assertTrue(wait_until(lambda: not b.alive(), 10), "two workers shared one Semaphore and nothing said so")
        self.assertIn("was woken from another thread", b.stderr())
        self.assertIn("PluginContext::per_worker", b.stderr())


class ReadmePlugin(PluginTestCase):
    def test_the_plugin_printed_in_readme_builds_and_answers(self):
        # build_plugins.sh built README's code block as printed.
        readme = PLUGINS / "readme" / "libreadme.so"
        b = self.start_brisk(plugins(("readme", readme), settings={"readme": {"greeting": "Hi"}}), workers=2)
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            replies = list(pool.map(lambda i: b.get(f"/hello/n{i}")[2], range(64)))
        self.assertEqual(replies, [f"Hi, n{i}!\n".encode() for i in range(64)])
        b.stop_cleanly(self)


if __name__ == "__main__":
    unittest.main()
