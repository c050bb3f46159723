"""Helpers of the Python benchmarks in tests/bench: children stopped by PID,
the machine's and processes' CPU time from /proc, percentiles, the test
receivers' arrival logs, and lifelined's database-pool metrics.

Import it after the benchmark has put tests/integration on sys.path (it
builds on conftest's Process): see notify.py.
"""
import os
import pathlib
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from conftest import PG_BIN, Process


def say(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes
class Child(Process):
    """conftest's Process, in its own session: a Ctrl-C at the terminal reaches
    only the bench, which then stops its children in order."""

    def __init__(self, args, log_path, stdin=subprocess.DEVNULL):
        self.args = args
        self.name = pathlib.Path(args[1] if args[0] == sys.executable else args[0]).name
        self.log_path = pathlib.Path(log_path)
        self._logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._logf, stderr=subprocess.STDOUT,
                                     stdin=stdin, start_new_session=True)


class Run:
    """Everything this run started, to be stopped in reverse order. `name`
    prefixes its messages; the temporary directory stays when `keep`."""

    def __init__(self, name, keep=False):
        self.name = name
        self.keep = keep
        self.tmp = None
        self.pg = None
        self.pg_started = False
        self.children = []

    def start(self, args, log_path, stdin=subprocess.DEVNULL):
        child = Child(args, log_path, stdin)
        self.children.append(child)
        return child

    def stop_child(self, child, what):
        if child in self.children:
            self.children.remove(child)
        alive = child.alive()
        rc = child.stop(timeout=10)
        # The test receivers have no SIGTERM handler (the test suite stops them so too).
        if alive and rc != 0 and not (rc == -signal.SIGTERM and "sink" in child.name):
            say(f"{self.name}: warning: {what} exited with status {rc} on SIGTERM (expected 0)")
            say("\n".join(child.log().splitlines()[-10:]))
        return rc

    def cleanup(self):
        # A second Ctrl-C must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in reversed(list(self.children)):
            try:
                self.stop_child(child, child.name)
            except Exception as e:  # keep going: everything else must still stop
                say(f"{self.name}: could not stop pid {child.pid}: {e}")
        if self.pg_started:
            try:
                self.pg._run([str(PG_BIN / "pg_ctl"), "-D", str(self.pg.data), "-m", "immediate", "-w",
                              "stop"], timeout=30)
            except Exception as e:
                say(f"{self.name}: could not stop PostgreSQL: {e}")
        if self.tmp and os.path.isdir(self.tmp):
            if self.keep:
                say(f"{self.name}: kept {self.tmp}")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- machine
def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


def busy_share(a, b):
    busy, total = b[0] - a[0], b[1] - a[1]
    return 100.0 * busy / total if total > 0 else 0.0


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid):
    """User + system CPU seconds of a process (all its threads); 0 when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def pg_pids(pg):
    """The postmaster and its children (backends, walwriter...)."""
    try:
        master = int((pg.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    pids = [master]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return pids


class CpuMeter:
    """CPU seconds of named groups of processes between start() and stop()."""

    def __init__(self, groups):
        self.groups = groups   # name -> callable returning pids

    def sample(self):
        return {name: sum(proc_cpu_s(p) for p in pids()) for name, pids in self.groups.items()}

    def start(self):
        self.a, self.ma = self.sample(), cpu_times()

    def stop(self):
        b, mb = self.sample(), cpu_times()
        out = {name: max(0.0, b[name] - self.a[name]) for name in b}
        out["machine_busy_pct"] = busy_share(self.ma, mb)
        return out


def listen_port(pid):
    """The TCP port a process listens on, from /proc: lifelined logs its
    "listening on http://HOST:PORT/" line at info, so at log level warn it
    says nothing, and the bench looks the port up by the socket's inode."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        with open(f"/proc/{pid}/net/tcp") as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:   # LISTEN
                    return int(cols[1].split(":")[1], 16)
    except OSError:
        pass
    return None


# ---------------------------------------------------------------- numbers
def pct(values, q):
    """The q-th percentile (nearest rank) of values; None when empty."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-q * len(s) // 100)) - 1))
    return s[k]


# ---------------------------------------------------------------- receivers, metrics
class Arrivals:
    """A sink's --arrivals file, read as it grows: (time, file, who) rows."""

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self.pos = 0
        self.rows = []
        self._part = ""

    def poll(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                f.seek(self.pos)
                data = f.read()
                self.pos = f.tell()
        except FileNotFoundError:
            return 0
        data = self._part + data
        lines = data.split("\n")
        self._part = lines.pop()   # an unfinished line waits for the next poll
        for line in lines:
            t, name, who = line.split("\t", 2)
            self.rows.append((float(t), name, who))
        return len(lines)

    def since(self, t0):
        return [r for r in self.rows if r[0] >= t0]


class PoolSampler(threading.Thread):
    """Samples lifelined's /metrics every 100 ms: how many statements wait for
    a database connection (the API's queries share the pool with the notice
    sender and the outbox)."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url + "/metrics"
        self.rows = []   # (time, queued, busy, statements completed so far)
        self.halt = threading.Event()

    def run(self):
        while not self.halt.wait(0.1):
            try:
                with urllib.request.urlopen(self.url, timeout=5) as r:
                    text = r.read().decode()
            except OSError:
                continue
            m = re.search(r"^lifeline_db_pool_queued (\d+)", text, re.M)
            b = re.search(r'^lifeline_db_pool_connections\{state="busy"\} (\d+)', text, re.M)
            n = re.search(r"^lifeline_db_queries_total (\d+)", text, re.M)
            if m and b and n:
                self.rows.append((time.time(), int(m.group(1)), int(b.group(1)), int(n.group(1))))

    def window(self, t0, t1):
        """Queued statements in [t0, t1]; statements completed from the last
        sample before t0 to the first after t1."""
        q = [r[1] for r in self.rows if t0 <= r[0] <= t1]
        before = [r for r in self.rows if r[0] < t0]
        after = [r for r in self.rows if r[0] > t1]
        done = after[0][3] - before[-1][3] if before and after else None
        return {"samples": len(q), "max_queued": max(q) if q else None,
                "mean_queued": statistics.mean(q) if q else None, "statements": done,
                "statements_s": after[0][0] - before[-1][0] if before and after else None}
