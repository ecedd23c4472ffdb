"""Black-box harness for the brisk daemon (stdlib only).

Starts the real binary -- $BRISK_BINARY, else build-bb/ or build/ of this
checkout -- with a generated TOML config on a free 127.0.0.1 port, in a
temporary directory that also holds its captured stdout and stderr. start()
returns once /healthz answers 200; stop() sends SIGTERM and returns the exit
status; kill() (registered as a cleanup by the test cases) makes sure no
daemon outlives its test, whatever happened.

Probing is done with http.client (request()) or with RawConnection, a plain
socket that sends exact bytes and parses exactly what comes back, so framing
mistakes of the daemon are seen rather than papered over by a client library.
"""

import email.utils
import http.client
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
START_TIMEOUT = 10.0


def brisk_binary():
    path = os.environ.get("BRISK_BINARY")
    if path:
        return path
    for candidate in ("build-bb/server/brisk", "build/server/brisk"):
        p = REPO / candidate
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    raise RuntimeError("no brisk binary: set BRISK_BINARY or build build-bb/server/brisk")


def daemon_env(extra=None):
    """The test's environment without any BRISK_* variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRISK_")}
    env.update(extra or {})
    return env


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_is_listening(port):
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout, interval=0.02):
    """Polls predicate() until it returns a true value (returned) or timeout (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def run_brisk(args, env=None, timeout=10, cwd=None):
    """Runs the binary to completion (--version, --check-config, a bad config)."""
    return subprocess.run([brisk_binary(), *args], env=daemon_env(env), cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


# ---- configuration files

def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string
    raise TypeError(f"no TOML form for {v!r}")


def to_toml(config):
    """{section: {key: value}} with [[routes.limit]] / [[plugins.load]] as lists of dicts,
    and a dict value as a sub-table ({"plugin": {"hello": {...}}} is [plugin.hello])."""
    lines = []

    def table(header, name, body):
        lines.append(header)
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in body.items() if not isinstance(v, dict))
        lines.append("")
        for k, v in body.items():
            if isinstance(v, dict):
                table(f"[{name}.{k}]", f"{name}.{k}", v)

    for section, body in config.items():
        if section in ("routes", "plugins"):
            for array, tables in body.items():
                for entry in tables:
                    table(f"[[{section}.{array}]]", f"{section}.{array}", entry)
            continue
        table(f"[{section}]", section, body)
    return "\n".join(lines)


def merge(base, override):
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for section, body in (override or {}).items():
        if isinstance(body, dict) and isinstance(out.get(section), dict):
            out[section].update(body)
        else:
            out[section] = body
    return out


# ---- responses and raw connections

class Response:
    def __init__(self, version, status, reason, headers, body, raw):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers  # [(name, value)] in wire order
        self.body = body
        self.raw = raw

    def header(self, name):
        values = self.all(name)
        return values[0] if values else None

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def __repr__(self):
        return f"<Response {self.status} {self.headers} body={self.body[:80]!r}>"


class ConnectionClosed(Exception):
    pass


class RawConnection:
    """A socket speaking exact bytes to the daemon."""

    def __init__(self, port, timeout=5.0, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect((HOST, port))
        except OSError:
            self.sock.close()
            raise
        self.buf = b""
        self.eof = False
        self.reset = False  # the end was a reset, not a FIN

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _fill(self, timeout=None):
        if self.eof:
            raise ConnectionClosed("connection closed by the server")
        if timeout is not None:
            self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
            self.reset = True
        if not chunk:
            self.eof = True
            raise ConnectionClosed("connection closed by the server")
        self.buf += chunk

    def _read_line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self, head=False, timeout=None):
        """One response (a 1xx too); `head`: it answers a HEAD, so it has no body."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        raw = bytearray()
        status_line = self._read_line()
        raw += status_line + b"\r\n"
        m = re.fullmatch(rb"(HTTP/\d\.\d) (\d{3}) ?(.*)", status_line)
        if not m:
            raise AssertionError(f"not a status line: {status_line!r}")
        version, status, reason = m.group(1).decode(), int(m.group(2)), m.group(3).decode("latin-1")
        headers = []
        while True:
            line = self._read_line()
            raw += line + b"\r\n"
            if not line:
                break
            name, sep, value = line.partition(b":")
            if not sep:
                raise AssertionError(f"bad header line: {line!r}")
            headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
        resp = Response(version, status, reason, headers, b"", None)
        if head or 100 <= status < 200 or status in (204, 304):
            resp.raw = bytes(raw)
            return resp
        te = resp.header("Transfer-Encoding")
        if te is not None and te.lower() == "chunked":
            body = bytearray()
            chunks = []
            while True:
                size_line = self._read_line()
                raw += size_line + b"\r\n"
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    while True:  # trailers
                        line = self._read_line()
                        raw += line + b"\r\n"
                        if not line:
                            break
                    break
                data = self._read_exact(size)
                chunks.append(data)
                body += data
                crlf = self._read_exact(2)
                if crlf != b"\r\n":
                    raise AssertionError(f"chunk not followed by CRLF: {crlf!r}")
                raw += data + crlf
            resp.chunks = chunks
            resp.body = bytes(body)
        elif resp.header("Content-Length") is not None:
            resp.body = self._read_exact(int(resp.header("Content-Length")))
            raw += resp.body
        else:
            body = bytearray()
            try:
                while True:
                    self._fill()
                    body += self.buf
                    self.buf = b""
            except ConnectionClosed:
                pass
            resp.body = bytes(body)
            raw += body
        resp.raw = bytes(raw)
        return resp

    def read_final_response(self, head=False, timeout=None):
        """Skips 1xx interim responses."""
        while True:
            resp = self.read_response(head=head, timeout=timeout)
            if resp.status >= 200:
                return resp

    def read_until_close(self, timeout=3.0):
        """Everything until EOF or a reset; raises socket.timeout if it stays open."""
        deadline = time.monotonic() + timeout
        data = self.buf
        self.buf = b""
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout(f"still open after {timeout} s; got {data[:200]!r}")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.eof = True
            data += chunk
        return data

    def closed_within(self, timeout):
        """True when the server closes (EOF or reset) within timeout; data read is kept in .buf."""
        try:
            self.buf = self.read_until_close(timeout)
            return True
        except socket.timeout:
            return False

    def is_open(self):
        """No EOF pending right now (a non-blocking peek)."""
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        if not poller.poll(0):
            return True
        try:
            return self.sock.recv(1, socket.MSG_PEEK) != b""
        except OSError:
            return False


def request_bytes(method, target, headers=None, body=b"", version="HTTP/1.1", host=True):
    lines = [f"{method} {target} {version}"]
    names = {k.lower() for k, _ in (headers or [])}
    if host and "host" not in names:
        lines.append("Host: localhost")
    for k, v in headers or []:
        lines.append(f"{k}: {v}")
    if body and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}")
    if isinstance(body, str):
        body = body.encode()
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def parse_http_date(value):
    return email.utils.parsedate_to_datetime(value).timestamp()


# ---- metrics

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text format -> {(name, ((label, value), ...)): float}."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise AssertionError(f"not a Prometheus sample line: {line!r}")
        labels = tuple(sorted(_LABEL.findall(m.group(3) or "")))
        samples[(m.group(1), labels)] = float(m.group(4))
    return samples


def metric(samples, name, **labels):
    """The sample `name` with exactly `labels`, or the sum over every label set when none are given."""
    if labels:
        return samples.get((name, tuple(sorted(labels.items()))))
    values = [v for (n, _), v in samples.items() if n == name]
    return sum(values) if values else None


# ---- the daemon

class Brisk:
    """One daemon process. `config` is merged over a base config (127.0.0.1 on a free port, 2 workers,
    and no drain delay: a test that means to see the delay sets timeouts.drain_delay_ms)."""

    def __init__(self, config=None, args=(), env=None, workers=2, use_config_file=True, nofile=None, port=None):
        self.dir = Path(tempfile.mkdtemp(prefix="brisk-bb-"))
        self.port = port or free_port()  # a given port may be another brisk's: SO_REUSEPORT
        base = {"server": {"listen": f"{HOST}:{self.port}", "workers": workers},
                "timeouts": {"drain_delay_ms": 0}}
        self.config = merge(base, config)
        self.config_path = self.dir / "brisk.toml"
        self.config_path.write_text(to_toml(self.config))
        self.args = list(args)
        self.env = env or {}
        self.use_config_file = use_config_file
        self.nofile = nofile  # (soft, hard) RLIMIT_NOFILE for the daemon; None inherits this process's
        self.proc = None
        self.scrape_in_flight = 0
        self.stdout_path = self.dir / "stdout"
        self.stderr_path = self.dir / "stderr"

    # -- process

    def check_config(self):
        """`brisk --check-config` on this daemon's file, run where start() runs it."""
        return run_brisk(["--config", str(self.config_path), "--check-config"], cwd=self.dir)

    def start(self, wait=True):
        cmd = [brisk_binary()]
        if self.use_config_file:
            cmd += ["--config", str(self.config_path)]
        cmd += self.args
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         env=daemon_env(self.env), cwd=self.dir,
                                         preexec_fn=self._set_limits if self.nofile else None)
        if wait:
            self.wait_ready()
            if self.config.get("metrics", {}).get("enabled", True):
                # Whether a scrape counts itself as in flight: measured while nothing else runs.
                self.scrape_in_flight = metric(self.metrics(), "brisk_requests_in_flight") or 0
        return self

    def _set_limits(self):
        resource.setrlimit(resource.RLIMIT_NOFILE, self.nofile)

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"brisk exited with {self.proc.returncode} before serving; "
                                     f"stderr: {self.stderr()[-2000:]!r}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=1)
                conn.request("GET", self.config.get("health", {}).get("path", "/healthz"))
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError(f"brisk did not answer /healthz within {timeout} s; stderr: {self.stderr()[-2000:]!r}")

    @property
    def pid(self):
        return self.proc.pid

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=15.0, sig=signal.SIGTERM):
        """SIGTERM and wait; the exit status (None if it did not exit in time: then it is killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        status = self.wait_exit(timeout)
        if status is None:
            self.kill()
        return status

    def stop_cleanly(self, testcase, timeout=15.0):
        status = self.stop(timeout)
        testcase.assertEqual(status, 0, f"brisk exit status after SIGTERM (None: still running after {timeout} s);"
                                         f" stderr tail: {self.stderr()[-2000:]!r}")

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stdout(self):
        return self.stdout_path.read_text(errors="replace")

    def stderr(self):
        return self.stderr_path.read_text(errors="replace")

    def rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    # -- clients

    def connect(self, timeout=5.0, rcvbuf=None):
        return RawConnection(self.port, timeout, rcvbuf)

    def request(self, method, path, body=None, headers=None, timeout=5.0):
        """One request on a fresh http.client connection -> (status, HTTPMessage headers, body bytes)."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def exchange(self, data, timeout=5.0, head=False):
        """Sends raw bytes on a fresh connection and reads one final response."""
        with self.connect(timeout) as c:
            c.send(data)
            return c.read_final_response(head=head)

    def in_flight(self):
        """brisk_requests_in_flight, not counting the scrape itself."""
        return metric(self.metrics(), "brisk_requests_in_flight") - self.scrape_in_flight

    def metrics(self):
        status, _, body = self.get(self.config.get("metrics", {}).get("path", "/metrics"))
        if status != 200:
            raise AssertionError(f"/metrics answered {status}")
        return parse_metrics(body.decode())


class BriskTestCase(unittest.TestCase):
    """start_brisk() in a test, or class_brisk() in setUpClass: each is killed whatever happens."""

    def start_brisk(self, config=None, **kw):
        b = Brisk(config, **kw)
        self.addCleanup(b.cleanup)
        return b.start()

    @classmethod
    def class_brisk(cls, config=None, **kw):
        b = Brisk(config, **kw)
        cls.addClassCleanup(b.cleanup)
        return b.start()

    @staticmethod
    def stop_class_brisk(brisk):
        """tearDownClass's check: SIGTERM, and the daemon must exit 0."""
        status = brisk.stop()
        if status != 0:
            raise AssertionError(f"brisk exit status after SIGTERM: {status}; stderr: {brisk.stderr()[-2000:]!r}")

    def assertServing(self, brisk, msg=""):
        self.assertTrue(brisk.alive(), f"brisk died {msg}; stderr tail: {brisk.stderr()[-2000:]!r}")
        status, _, body = brisk.get("/plaintext")
        self.assertEqual((status, body), (200, b"Hello, World!"), f"brisk no longer serves {msg}")


def raise_nofile_limit(wanted):
    """Raises this process's soft RLIMIT_NOFILE towards `wanted` (children inherit it); the limit in effect."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft

