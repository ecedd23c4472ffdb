"""Restarts under load, for test_rolling_restart.py and bench/http/rolling_restart.py.

Haproxy: Debian's haproxy in front of some brisk daemons on 127.0.0.1, with
HTTP health checks on /healthz every `inter_ms`, a server out after `fall`
failures and back after `rise` successes, and no retries or redispatch: a
request HAProxy sends to a brisk that fails it is a failed request, so zero
failures is the drain's doing, not the balancer hiding them.

SteadyLoad: client threads, each on its own keep-alive connection, at a fixed
total rate; every request is counted as a 2xx, another status, or a failure
(no response: refused, reset, closed, timed out). A failed connection is
reopened for the next request; nothing is retried.

rolling_restart() and upgrade_in_place() are the two ways a deploy replaces
a brisk; each returns once the new ones serve. Stdlib only.
"""

import collections
import csv
import http.client
import io
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from brisk_harness import HOST, Brisk, free_port, wait_until


def haproxy_binary():
    return shutil.which("haproxy") or (Path("/usr/sbin/haproxy") if Path("/usr/sbin/haproxy").exists() else None)


class Haproxy:
    def __init__(self, backend_ports, inter_ms=200, fall=2, rise=2):
        self.dir = Path(tempfile.mkdtemp(prefix="brisk-haproxy-"))
        self.port = free_port()
        self.socket_path = self.dir / "admin.sock"
        servers = "\n".join(f"    server b{i} {HOST}:{p} check" for i, p in enumerate(backend_ports))
        self.config_path = self.dir / "haproxy.cfg"
        self.config_path.write_text(f"""\
global
    stats socket {self.socket_path} mode 600 level admin
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 0

frontend front
    bind {HOST}:{self.port}
    default_backend bricks

backend bricks
    balance roundrobin
    option httpchk GET /healthz
    default-server inter {inter_ms} fall {fall} rise {rise}
{servers}
""")
        self.proc = None

    def start(self):
        binary = haproxy_binary()
        check = subprocess.run([binary, "-c", "-f", str(self.config_path)], capture_output=True, text=True)
        if check.returncode != 0:
            raise AssertionError(f"haproxy refuses its config: {check.stdout}{check.stderr}")
        self.log = open(self.dir / "haproxy.log", "wb")
        self.proc = subprocess.Popen([binary, "-db", "-f", str(self.config_path)], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_until(lambda: self.states() and all(s == "UP" for s in self.states().values()), 10):
            raise AssertionError(f"haproxy did not see every brisk UP: {self.states()}")
        return self

    def states(self):
        """{server name: "UP", "DOWN", "UP 1/2", ...} from the stats socket; {} if it does not answer."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(2)
                s.connect(str(self.socket_path))
                s.sendall(b"show stat\n")
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
        except OSError:
            return {}
        rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
        return {r["svname"]: r["status"] for r in rows if r["pxname"] == "bricks" and r["svname"].startswith("b")}

    def wait_state(self, server, state, timeout=10):
        if not wait_until(lambda: self.states().get(server) == state, timeout):
            raise AssertionError(f"haproxy: {server} not {state} within {timeout} s: {self.states()}")

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class SteadyLoad:
    def __init__(self, port, rate=200, clients=8, path="/plaintext", timeout=5.0):
        self.port, self.path, self.timeout = port, path, timeout
        self.interval = clients / rate  # each client's time between requests
        self.clients = clients
        self.lock = threading.Lock()
        self.counts = collections.Counter()  # "2xx", a status, or "failed: <exception>"
        self.stopping = threading.Event()
        self.threads = []

    def start(self):
        for i in range(self.clients):
            t = threading.Thread(target=self._client, args=(i,), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def _client(self, index):
        conn = None
        next_at = time.monotonic() + index * self.interval / self.clients  # spread the clients out
        while not self.stopping.is_set():
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += self.interval
            if conn is None:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                conn.request("GET", self.path)
                resp = conn.getresponse()
                resp.read()
                outcome = "2xx" if 200 <= resp.status < 300 else str(resp.status)
                if resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                outcome = f"failed: {type(e).__name__}"
                conn.close()
                conn = None
            with self.lock:
                self.counts[outcome] += 1
        if conn is not None:
            conn.close()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(self.timeout + 1)
        return self.summary()

    def summary(self):
        with self.lock:
            counts = dict(self.counts)
        ok = counts.get("2xx", 0)
        failed = sum(n for k, n in counts.items() if k.startswith("failed"))
        return {"requests": sum(counts.values()), "2xx": ok, "non_2xx": sum(counts.values()) - ok - failed,
                "failed": failed, "detail": counts}


def rolling_restart(bricks, haproxy, make_brisk, log=lambda msg: None):
    """SIGTERM each brisk in turn; start its replacement on the same port once it has exited, and go on
    when HAProxy has it UP again. Returns the replacements (the caller stops them) and each exit status."""
    replacements, statuses = [], []
    for i, old in enumerate(bricks):
        name = f"b{i}"
        term = time.monotonic()
        old.send_signal(signal.SIGTERM)
        haproxy.wait_state(name, "DOWN")
        down = time.monotonic() - term
        status = old.wait_exit(30)
        if status is None:
            raise AssertionError(f"{name} still running 30 s after SIGTERM")
        exited = time.monotonic() - term
        statuses.append(status)
        new = make_brisk(old.port).start()
        replacements.append(new)
        haproxy.wait_state(name, "UP")
        log(f"{name}: DOWN in haproxy {down:.2f} s after SIGTERM, exited {status} at {exited:.2f} s, "
            f"replaced and UP again at {time.monotonic() - term:.2f} s")
    return replacements, statuses


def upgrade_in_place(old, make_brisk, log=lambda msg: None):
    """Starts a new brisk on old's port beside it (SO_REUSEPORT), then SIGTERMs old. Returns (new, old's status)."""
    new = make_brisk(old.port).start(wait=False)
    # /healthz cannot tell which of the two answers: the new one's log can.
    if not wait_until(lambda: "brisk listening on" in new.stderr(), 10):
        raise AssertionError(f"the new brisk did not start: {new.stderr()[-2000:]!r}")
    term = time.monotonic()
    old.send_signal(signal.SIGTERM)
    status = old.wait_exit(30)
    if status is None:
        raise AssertionError("the old brisk is still running 30 s after SIGTERM")
    log(f"old brisk exited {status} {time.monotonic() - term:.2f} s after SIGTERM; the new one serves alone")
    return new, status


def brisk_maker(drain_delay_ms, workers=1):
    """make_brisk(port) for the functions above: a brisk on `port` with this drain delay."""
    def make(port):
        return Brisk({"timeouts": {"drain_delay_ms": drain_delay_ms}, "log": {"access": False}},
                     workers=workers, port=port)
    return make
