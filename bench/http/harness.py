#!/usr/bin/env python3
"""brisk vs nginx HTTP benchmark; bench/http/run.sh builds brisk and calls this.

Each server runs with one worker pinned to core 0; wrk and the idle-connection
clients are pinned to core 1. Servers are loaded in turn, never together, and
the repetitions of a scenario alternate between them so slow drifts in the
background load of this shared machine hit both alike. Figures per scenario
are the median over the runs (errors are summed). Everything talks to
127.0.0.1 only, every child has a time limit, and every process started here
is stopped, by its id, on the way out (also on SIGTERM/SIGINT/SIGHUP).
Python 3 standard library only.
"""

import argparse
import datetime
import grp
import http.client
import json
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SERVER_CORE, CLIENT_CORE = "0", "1"
PLAINTEXT_BODY = b"Hello, World!"
JSON_BODY = {"message": "Hello, World!"}
README_BEGIN = "<!-- bench/http/run.sh: results begin -->"
README_END = "<!-- bench/http/run.sh: results end -->"

# (key, label, path, connections, pipeline depth)
SCENARIOS = [
    ("plaintext-64", "plaintext, 64 conns", "/plaintext", 64, 1),
    ("plaintext-256", "plaintext, 256 conns", "/plaintext", 256, 1),
    ("json-64", "json, 64 conns", "/json", 64, 1),
    ("json-256", "json, 256 conns", "/json", 256, 1),
    ("pipelined-256", "plaintext, 256 conns, pipelined x16", "/plaintext", 256, 16),
]
CPU_TARGET = {"plaintext-64", "plaintext-256", "json-64", "json-256"}
RSS_TARGET_BYTES = 1024
FRESH_TARGET_MS = 10.0
PIPELINE_TARGET = 1.5
CPU_TARGET_RATIO = 0.8


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Stop(Exception):
    """A signal asked us to stop: unwind so that every `finally` runs."""


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def on_signal(signum, _frame):
    # Once: a stop signal often comes twice (from run.sh's trap to our
    # process group and from `timeout`), and the second must not interrupt
    # the cleanup the first one started.
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise Stop(signal.Signals(signum).name)


# ---------------------------------------------------------------- /proc


def proc_stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    # comm (field 2) may contain spaces and parentheses: split after the last ')'.
    return text[text.rindex(")") + 2 :].split()


def cpu_ticks(pids):
    """(utime, stime) of whole processes (all their threads), in clock ticks."""
    user = system = 0
    for pid in pids:
        fields = proc_stat_fields(pid)
        user += int(fields[11])  # fields 14 and 15 of stat(5)
        system += int(fields[12])
    return user, system


def rss_kib(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def children_of(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(proc_stat_fields(entry)[1]) == pid:
                    kids.append(int(entry))
            except (OSError, ValueError):
                pass
    return kids


def alive(pid):
    try:
        state = proc_stat_fields(pid)[0]
    except OSError:
        return False
    return state != "Z"


# ---------------------------------------------------------------- servers


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server process tree started by us; stop() is idempotent."""

    def __init__(self, name, workdir):
        self.name = name
        self.workdir = workdir
        self.port = None
        self.proc = None
        self.extra_pids = []  # nginx workers: stopped by id if the master dies first
        self.log_path = os.path.join(workdir, f"{name}.log")

    def command(self):
        raise NotImplementedError

    def env(self):
        return os.environ.copy()

    def measured_pids(self):
        return [self.proc.pid]

    def start(self):
        self.port = free_port()
        cmd = ["taskset", "-c", SERVER_CORE] + self.command()
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=self.env())
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} at start:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                self.after_start()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not listen on 127.0.0.1:{self.port} within 15 s:\n{self.log_tail()}")

    def after_start(self):
        pass

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log(f"{self.name}: no exit 15 s after SIGTERM, killing pid {self.proc.pid}")
                self.proc.kill()
                self.proc.wait()
        for pid in self.extra_pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.proc = None
        self.extra_pids = []

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


class Brisk(Server):
    def __init__(self, workdir, binary):
        super().__init__("brisk", workdir)
        self.binary = binary

    def command(self):
        return [self.binary, "--config", os.path.join(HERE, "brisk.toml")]

    def env(self):
        env = super().env()
        env["BRISK_SERVER_LISTEN"] = f"127.0.0.1:{self.port}"
        return env


class Nginx(Server):
    def __init__(self, workdir):
        super().__init__("nginx", workdir)
        self.prefix = os.path.join(workdir, "nginx")

    def command(self):
        os.makedirs(self.prefix, exist_ok=True)
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if nofile == resource.RLIM_INFINITY:
            nofile = 1 << 20
        if os.geteuid() == 0:
            # As root the master would hand the workers to `nobody`; keep the
            # current user, as for brisk.
            user = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
        else:
            user = "# not root: nginx runs as the current user anyway"
        with open(os.path.join(HERE, "nginx.conf.in")) as f:
            conf = f.read()
        for key, value in {
            "@USER_DIRECTIVE@": user,
            "@NOFILE@": str(nofile),
            "@WORKER_CONNECTIONS@": str(max(1024, nofile - 64)),
            "@PREFIX@": self.prefix,
            "@PORT@": str(self.port),
        }.items():
            conf = conf.replace(key, value)
        conf_path = os.path.join(self.prefix, "nginx.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        return ["nginx", "-e", os.path.join(self.prefix, "error.log"), "-p", self.prefix, "-c", conf_path]

    def after_start(self):
        self.extra_pids = children_of(self.proc.pid)

    def measured_pids(self):
        # The master only supervises; the worker serves every connection.
        return self.extra_pids

    def log_tail(self, lines=20):
        text = super().log_tail(lines)
        try:
            with open(os.path.join(self.prefix, "error.log"), errors="replace") as f:
                text += "".join(f.readlines()[-lines:])
        except OSError:
            pass
        return text


def check_routes(port):
    """Problems with the three routes both servers must serve identically."""
    problems = []
    expected = [
        ("/plaintext", "text/plain", lambda b: b == PLAINTEXT_BODY),
        ("/json", "application/json", lambda b: json.loads(b) == JSON_BODY),
        ("/healthz", None, lambda b: True),
    ]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        for path, ctype, body_ok in expected:
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            got_type = (resp.getheader("Content-Type") or "").split(";")[0].strip()
            if resp.status != 200:
                problems.append(f"GET {path}: status {resp.status}")
            elif ctype and got_type != ctype:
                problems.append(f"GET {path}: Content-Type {got_type!r}, want {ctype!r}")
            else:
                try:
                    if not body_ok(body):
                        problems.append(f"GET {path}: body {body[:80]!r}")
                except ValueError:
                    problems.append(f"GET {path}: body is not JSON: {body[:80]!r}")
    except (OSError, http.client.HTTPException) as e:
        problems.append(f"request failed: {e!r}")
    finally:
        conn.close()
    return problems


# ---------------------------------------------------------------- wrk

DURATION_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"unparsable wrk duration {text!r}")
    return float(m.group(1)) * DURATION_UNITS[m.group(2)]


def parse_wrk(out):
    def grab(pattern, cast=float, default=None):
        m = re.search(pattern, out, re.M)
        if m is None:
            if default is None:
                raise ValueError(f"wrk output lacks /{pattern}/:\n{out}")
            return default
        return cast(m.group(1)) if m.lastindex == 1 else m

    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": grab(r"^\s*(\d+) requests in", int),
        "rps": grab(r"^Requests/sec:\s*([\d.]+)"),
        "p99_ms": to_ms(grab(r"^\s*99%\s+(\S+)", str)),
        "socket_errors": sum(int(x) for x in sock.groups()) if sock else 0,
        "non2xx": grab(r"Non-2xx or 3xx responses: (\d+)", int, 0),
    }


class LatencyProbe(threading.Thread):
    """Times one plain request every 10 ms on a keep-alive connection of its own.

    Used for the pipelined scenario, where wrk's own percentiles are not
    usable: wrk records one sample per 16-request batch and then "corrects"
    for coordinated omission with an interval computed per request, so the
    histogram is mostly synthetic samples (and wrk 4.1 often prints 0 for its
    p99). The probe measures what an ordinary client waits meanwhile.
    """

    def __init__(self, port, path):
        super().__init__(daemon=True)
        self.port, self.path = port, path
        self.samples_ms = []
        self.bad_status = 0
        self.failures = 0
        self.stopping = threading.Event()

    def run(self):
        conn = None
        while not self.stopping.wait(0.01):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                t0 = time.perf_counter()
                conn.request("GET", self.path)
                resp = conn.getresponse()
                resp.read()
                self.samples_ms.append((time.perf_counter() - t0) * 1000)
                if resp.status // 100 != 2:
                    self.bad_status += 1
            except (OSError, http.client.HTTPException):
                self.failures += 1
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def p99_ms(self):
        if len(self.samples_ms) < 2:
            return float("nan")
        return statistics.quantiles(self.samples_ms, n=100, method="inclusive")[98]


def run_wrk(server, path, conns, pipeline, duration):
    cmd = ["taskset", "-c", CLIENT_CORE, "wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--latency"]
    url = f"http://127.0.0.1:{server.port}{path}"
    if pipeline > 1:
        cmd += ["-s", os.path.join(HERE, "pipeline.lua"), url, "--", str(pipeline)]
    else:
        cmd.append(url)
    pids = server.measured_pids()
    probe = LatencyProbe(server.port, path) if pipeline > 1 else None
    before = cpu_ticks(pids)
    wrk = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if probe:
            time.sleep(0.2)  # let wrk open its connections first
            probe.start()
        out, err = wrk.communicate(timeout=duration + 30)
    finally:
        if wrk.poll() is None:
            wrk.kill()
            wrk.wait()
        if probe:
            probe.stopping.set()
            probe.join(timeout=10)
    after = cpu_ticks(pids)
    user, system = after[0] - before[0], after[1] - before[1]
    if wrk.returncode != 0:
        raise RuntimeError(f"wrk exited with {wrk.returncode}: {err.strip()}")
    result = parse_wrk(out)
    if probe:
        result["p99_ms"] = probe.p99_ms()
        result["probe_samples"] = len(probe.samples_ms)
        result["non2xx"] += probe.bad_status
        result["socket_errors"] += probe.failures
    ticks = os.sysconf("SC_CLK_TCK")
    per_req = lambda t: t / ticks * 1e6 / result["requests"] if result["requests"] else float("nan")
    result["cpu_us_per_req"] = per_req(user + system)
    result["user_us_per_req"] = per_req(user)
    result["system_us_per_req"] = per_req(system)
    result["cpu_busy"] = (user + system) / ticks / duration
    return result


# ---------------------------------------------------------------- idle capacity


def fresh_request_ms(port):
    request = f"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        data = b""
        while PLAINTEXT_BODY not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    elapsed = (time.perf_counter() - t0) * 1000
    if not data.startswith(b"HTTP/1.1 200") or PLAINTEXT_BODY not in data:
        raise RuntimeError(f"fresh request got {data[:120]!r}")
    return elapsed


def idle_test(server, count):
    """Opens `count` idle keep-alive connections; returns what they cost."""
    # Client processes of at most 10,000 sockets each, within our fd limit.
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    per_client = 10000 if limit == resource.RLIM_INFINITY else max(1, min(10000, limit - 128))
    sizes = []
    left = count
    while left > 0:
        sizes.append(min(per_client, left))
        left -= sizes[-1]
    pids = server.measured_pids()
    fresh_request_ms(server.port)  # warm the accept path and the allocator for one connection
    time.sleep(0.3)
    rss_before = rss_kib(pids)
    clients = []
    try:
        for n in sizes:
            clients.append(
                subprocess.Popen(
                    ["taskset", "-c", CLIENT_CORE, sys.executable, os.path.join(HERE, "idle_client.py"),
                     "--port", str(server.port), "--count", str(n)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                )
            )
        held = 0
        for c in clients:
            line = c.stdout.readline()  # idle_client bounds its own opening phase (60 s)
            if not line.startswith("HELD "):
                raise RuntimeError(f"idle client said {line!r}")
            held += int(line.split()[1])
        time.sleep(1.0)
        rss_after = rss_kib(pids)
        fresh = max(fresh_request_ms(server.port) for _ in range(5))
        still = 0
        for c in clients:
            c.stdin.close()
            line = c.stdout.readline()
            if line.startswith("ALIVE "):
                still += int(line.split()[1])
            c.wait(timeout=30)
    finally:
        for c in clients:
            if c.poll() is None:
                c.kill()
                c.wait()
    return {
        "wanted": count,
        "clients": len(sizes),
        "held": held,
        "alive": still,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "rss_bytes_per_conn": (rss_after - rss_before) * 1024 / held if held else float("nan"),
        "fresh_ms": fresh,
    }


# ---------------------------------------------------------------- report


def fmt_num(v, kind):
    if v is None:
        return "—"
    if kind == "rps":
        return f"{v:,.0f}"
    if kind in ("ms", "us"):
        return f"{v:.2f} {'ms' if kind == 'ms' else 'µs'}"
    if kind == "bytes":
        return f"{v:,.0f} B"
    if kind == "count":
        return f"{v:,}"
    return str(v)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def verdict(ok):
    if ok is None:
        return "—"
    return "yes" if ok else "**NO**"


def build_rows(results, idle):
    """Table rows: (scenario, figure, brisk, nginx, ratio, target, met)."""
    rows = []
    b, n = results.get("brisk", {}), results.get("nginx", {})
    for key, label, _path, _conns, pipeline in SCENARIOS:
        bs, ns = b.get(key), n.get(key)
        get = lambda s, f: s[f] if s else None
        r = ratio(get(bs, "rps"), get(ns, "rps"))
        if pipeline > 1:
            rows.append((label, "requests/s", fmt_num(get(bs, "rps"), "rps"), fmt_num(get(ns, "rps"), "rps"),
                         r, f"≥ {PIPELINE_TARGET}x nginx", None if r is None else r >= PIPELINE_TARGET))
        else:
            rows.append((label, "requests/s", fmt_num(get(bs, "rps"), "rps"), fmt_num(get(ns, "rps"), "rps"),
                         r, "", None))
        r = ratio(get(bs, "p99_ms"), get(ns, "p99_ms"))
        rows.append(("", "p99 latency" if pipeline == 1 else "p99 latency (probe: 1 request / 10 ms)", fmt_num(get(bs, "p99_ms"), "ms"), fmt_num(get(ns, "p99_ms"), "ms"),
                     r, "≤ 1.0x nginx", None if r is None else r <= 1.0))
        r = ratio(get(bs, "cpu_us_per_req"), get(ns, "cpu_us_per_req"))
        if key in CPU_TARGET:
            target, ok = f"≤ {CPU_TARGET_RATIO}x nginx", None if r is None else r <= CPU_TARGET_RATIO
        else:
            target, ok = "", None
        rows.append(("", "server CPU / request", fmt_num(get(bs, "cpu_us_per_req"), "us"),
                     fmt_num(get(ns, "cpu_us_per_req"), "us"), r, target, ok))
        # The kernel's share (system time) is the same work for both servers
        # (one read and one write per request, the same TCP segments), so the
        # CPU target is in effect a bound on brisk's user time: what 0.8x
        # nginx's CPU leaves once nginx's system time is paid.
        split = lambda s: None if not s else f"{s['user_us_per_req']:.2f} / {s['system_us_per_req']:.2f} µs"
        r = ratio(get(bs, "user_us_per_req"), get(ns, "user_us_per_req"))
        note = ""
        if key in CPU_TARGET and ns:
            left = CPU_TARGET_RATIO * ns["cpu_us_per_req"] - ns["system_us_per_req"]
            note = f"{CPU_TARGET_RATIO}x nginx leaves {left:.2f} µs user"
        rows.append(("", "of which user / system", split(bs) or "—", split(ns) or "—", r, note, None))
        errs = lambda s: None if not s else f"{s['socket_errors']} / {s['non2xx']}"
        ok = None if not bs else bs["socket_errors"] == 0 and bs["non2xx"] == 0
        rows.append(("", "socket errors / non-2xx", errs(bs) or "—", errs(ns) or "—", None, "0 / 0", ok))
    bi, ni = idle.get("brisk"), idle.get("nginx")
    if bi or ni:
        any_i = bi or ni
        label = f"{any_i['wanted']:,} idle keep-alive conns"
        held = lambda i: None if not i else f"{i['held']:,} / {i['alive']:,}"
        ok = None if not bi else bi["held"] == bi["wanted"] and bi["alive"] == bi["held"]
        rows.append((label, "held / still open after", held(bi) or "—", held(ni) or "—", None, "all", ok))
        g = lambda i, f: i[f] if i else None
        r = ratio(g(bi, "rss_bytes_per_conn"), g(ni, "rss_bytes_per_conn"))
        rows.append(("", "server RSS / idle conn", fmt_num(g(bi, "rss_bytes_per_conn"), "bytes"),
                     fmt_num(g(ni, "rss_bytes_per_conn"), "bytes"), r, f"≤ {RSS_TARGET_BYTES:,} B",
                     None if not bi else bi["rss_bytes_per_conn"] <= RSS_TARGET_BYTES))
        r = ratio(g(bi, "fresh_ms"), g(ni, "fresh_ms"))
        rows.append(("", "fresh request meanwhile (worst of 5)", fmt_num(g(bi, "fresh_ms"), "ms"),
                     fmt_num(g(ni, "fresh_ms"), "ms"), r, f"< {FRESH_TARGET_MS:g} ms",
                     None if not bi else bi["fresh_ms"] < FRESH_TARGET_MS))
    return rows


def render_table(rows):
    lines = ["| scenario | figure | brisk | nginx | brisk/nginx | target | met |",
             "| --- | --- | ---: | ---: | ---: | --- | --- |"]
    for label, figure, bv, nv, r, target, ok in rows:
        rtext = "—" if r is None else f"{r:.2f}x"
        lines.append(f"| {label} | {figure} | {bv} | {nv} | {rtext} | {target} | {verdict(ok)} |")
    return "\n".join(lines)


def machine_line():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    nginx_version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    return (f"{os.cpu_count()} cores ({model}), Linux {os.uname().release}; "
            f"{wrk_version.split(' [')[0]}; {nginx_version.replace('nginx version: ', '')}")


def write_readme(path, block):
    """Replaces the text between the markers; adds an `## HTTP` section if absent.

    Only this block is rewritten: the rest of the file (other sections) is
    kept byte for byte.
    """
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    marked = f"{README_BEGIN}\n{block}\n{README_END}"
    if README_BEGIN in text and README_END in text:
        head, rest = text.split(README_BEGIN, 1)
        _, tail = rest.split(README_END, 1)
        text = head + marked + tail
    else:
        m = re.search(r"^## HTTP\b.*$", text, re.M)
        if m is None:
            text = text.rstrip("\n") + "\n\n## HTTP\n\n" + marked + "\n"
        else:
            nxt = re.search(r"^## ", text[m.end():], re.M)
            at = m.end() + nxt.start() if nxt else len(text)
            text = text[:at].rstrip("\n") + "\n\n" + marked + "\n" + ("\n" + text[at:] if nxt else "")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description="brisk vs nginx HTTP benchmark (use bench/http/run.sh)")
    ap.add_argument("--brisk", help="brisk executable; without it only nginx is measured")
    ap.add_argument("--skip-nginx", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--idle-conns", type=int, default=10000)
    ap.add_argument("--readme", help="rewrite the results block of this file")
    ap.add_argument("--json", help="also write the raw figures here")
    args = ap.parse_args()

    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)
    # The server holds one descriptor per idle connection, under the same
    # limit as ours (run.sh raises the soft limit to the hard one).
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit != resource.RLIM_INFINITY and args.idle_conns > limit - 1000:
        log(f"harness: the open files limit is {limit}: {limit - 1000:,} idle connections, not {args.idle_conns:,}")
        args.idle_conns = limit - 1000
    if (os.cpu_count() or 1) < 2:
        sys.exit("harness: needs 2 cores (server on core 0, load generator on core 1)")

    # The harness's own work (probe, fresh requests, /proc reads) stays off
    # the server's core; the servers are started with taskset -c SERVER_CORE.
    os.sched_setaffinity(0, {int(CLIENT_CORE)})
    load = open("/proc/loadavg").read().split()[:3]
    log(f"load average {' '.join(load)} (the servers and wrk share this machine with everything else on it)")
    workdir = tempfile.mkdtemp(prefix="brisk-http-bench-")
    servers = []
    if args.brisk:
        servers.append(Brisk(workdir, args.brisk))
    if not args.skip_nginx:
        servers.append(Nginx(workdir))
    results = {s.name: {} for s in servers}
    raw = {s.name: {} for s in servers}
    idle = {}
    failures = []
    started = time.monotonic()
    try:
        # Idle capacity first, each server fresh and alone, so that memory
        # left over from the load runs cannot be reused and hide the cost.
        for s in servers:
            try:
                s.start()
                problems = check_routes(s.port)
                if problems:
                    failures += [f"{s.name}: {p}" for p in problems]
                    log(f"{s.name}: WRONG RESPONSES: {problems}")
                log(f"{s.name}: idle capacity, {args.idle_conns:,} connections ...")
                idle[s.name] = r = idle_test(s, args.idle_conns)
                log(f"{s.name}: held {r['held']:,} via {r['clients']} client(s), {r['alive']:,} still open after; "
                    f"RSS {r['rss_before_kib']:,} -> {r['rss_after_kib']:,} KiB = "
                    f"{r['rss_bytes_per_conn']:.0f} B/conn; fresh request {r['fresh_ms']:.2f} ms")
            except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
                failures.append(f"{s.name}: idle test: {e}")
                log(f"{s.name}: idle test FAILED: {e}\n{s.log_tail()}")
            finally:
                s.stop()

        # A server that fails (crashes, wrong output) drops out; the other
        # one's figures are still worth having.
        running = []
        for s in servers:
            try:
                s.start()
                subprocess.run(["taskset", "-c", CLIENT_CORE, "wrk", "-t1", "-c64", "-d1s",
                                f"http://127.0.0.1:{s.port}/plaintext"], capture_output=True, timeout=30, check=True)
                running.append(s)
            except (OSError, RuntimeError, subprocess.SubprocessError) as e:
                failures.append(f"{s.name}: start or warm-up: {e}")
                log(f"{s.name}: FAILED to start or warm up: {e}\n{s.log_tail()}")
                s.stop()
        for key, label, path, conns, pipeline in SCENARIOS:
            for run in range(args.runs):
                for s in list(running):
                    try:
                        r = run_wrk(s, path, conns, pipeline, args.duration)
                    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
                        state = "running" if s.proc.poll() is None else f"exited with {s.proc.returncode}"
                        failures.append(f"{s.name}: {label}: {e} (server {state})")
                        log(f"{s.name}: {label} FAILED: {e}; server {state}; dropped\n{s.log_tail()}")
                        s.stop()
                        running.remove(s)
                        continue
                    raw[s.name].setdefault(key, []).append(r)
                    log(f"{s.name:5} {label:38} run {run + 1}/{args.runs}: {r['rps']:>10,.0f} req/s  "
                        f"p99 {r['p99_ms']:7.2f} ms  CPU {r['cpu_us_per_req']:6.2f} µs/req "
                        f"(user {r['user_us_per_req']:5.2f}, system {r['system_us_per_req']:5.2f}) "
                        f"({r['cpu_busy'] * 100:3.0f}% busy)  errors {r['socket_errors']}/{r['non2xx']}")
            for s in running:
                runs = raw[s.name][key]
                results[s.name][key] = {
                    "rps": statistics.median(r["rps"] for r in runs),
                    "p99_ms": statistics.median(r["p99_ms"] for r in runs),
                    "cpu_us_per_req": statistics.median(r["cpu_us_per_req"] for r in runs),
                    "user_us_per_req": statistics.median(r["user_us_per_req"] for r in runs),
                    "system_us_per_req": statistics.median(r["system_us_per_req"] for r in runs),
                    "socket_errors": sum(r["socket_errors"] for r in runs),
                    "non2xx": sum(r["non2xx"] for r in runs),
                }
        for s in running:
            if s.proc.poll() is not None:
                failures.append(f"{s.name} exited with {s.proc.returncode} during the runs")
    except Stop as e:
        log(f"harness: stopped by {e}")
        return 130
    finally:
        for s in servers:
            s.stop()
        # The servers' logs are worth keeping only when something went wrong.
        if failures or sys.exc_info()[0] is not None:
            log(f"harness: server logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    table = render_table(build_rows(results, idle))
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    notes = (f"{when}, {machine_line()}; load average at start {' '.join(load)}.\n"
             f"wrk -t1 -d{args.duration}s --latency, median of {args.runs} runs (errors summed); server on core "
             f"{SERVER_CORE}, wrk on core {CLIENT_CORE}; CPU / request = server utime+stime / requests "
             f"(user / system: utime / stime, each the median of its runs); "
             f"idle conns held by {max((i['clients'] for i in idle.values()), default=0)} client process(es).")
    print()
    print(notes)
    print()
    print(table)
    log(f"harness: {time.monotonic() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "runs": raw, "idle": idle, "notes": notes}, f, indent=2)
    if args.readme:
        write_readme(args.readme, notes + "\n\n" + table)
        log(f"harness: results written to {args.readme}")
    if failures:
        log("harness: FAILURES:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
