#!/usr/bin/python3
"""Detection benchmark (issue 3): how long lifelined takes to open an outage
after a HIS subsystem stops, and how many outages random probe loss opens.

Everything is real and local: a throwaway PostgreSQL cluster (Unix socket
only), the HIS simulator his-sim and lifelined from the build directory, all on
127.0.0.1; everything started here is stopped by PID on exit, failure, Ctrl-C
or SIGTERM, and the temporary directory is removed. See tests/bench/README.md.

Part 1, detection latency. lifelined watches his-sim's six subsystems with
interval 1000 ms, timeout 500 ms, fail_threshold 3. --stops times (20): wait a
random part of an interval (so stops fall at every phase of the probe rounds),
note the wall time, POST his-sim /control/down?target=pacs&mode=refuse, poll
GET /api/v1/outages?open=1 every 20 ms until the outage shows; then
/control/up, wait for pacs to be up again and the outage to be recovering,
resolve it. Prints min/median/max of stop -> API shows it, the server-side
parts (breakpoint - stop, detected_at - breakpoint, API - detected_at), the
theoretical floor (interval + timeout) and the configured bound
(interval x fail_threshold + timeout), and median/bound against the target 1.5.

Part 2, false outages. A second lifelined (same database, a faster interval so
that --loss-rounds rounds take a minute: 100 ms / 100 ms by default) while
his-sim fails 20 % of emr's probes at random (/control/flaky, seeded). Counts
the outages opened (each is dismissed as soon as it is seen, so the next one
could open too). Then stops emr for real to show a stop on the lossy link is
still seen. Target: zero.

usage: detection.py --build-dir DIR [options]   (--help for all of them)
Exit status: 0 when it ran (whatever the numbers; with --strict, 1 when a
target is missed), 1 when something failed to run, 130 on Ctrl-C, 143 on SIGTERM.
"""
import argparse
import datetime
import json
import os
import pathlib
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import types

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TARGETS = ["his-db", "his-core", "lis", "pacs", "emr", "insurance"]


class BenchError(Exception):
    """Something failed to run (exit 1)."""


class Deadline(Exception):
    """--max-seconds passed."""


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="detection.py",
        description="lifelined detection benchmark: detection latency and false outages.")
    p.add_argument("--build-dir", default=os.environ.get("LIFELINE_BUILD_DIR", str(ROOT / "build")),
                   help="build directory with server/lifelined and tests/his-sim/his-sim "
                        "(default: $LIFELINE_BUILD_DIR or build/)")
    g = p.add_argument_group("detection latency")
    g.add_argument("--stops", type=int, default=20, help="stops to time (default 20; 0 skips)")
    g.add_argument("--target", default="pacs", choices=TARGETS,
                   help="the subsystem to stop (default pacs: non-core, TCP probe; "
                        "his-core: core, HTTP probe)")
    g.add_argument("--mode", default="refuse", choices=["refuse", "503", "hang"],
                   help="how it stops (his-sim /control/down mode; default refuse)")
    g.add_argument("--interval-ms", type=int, default=1000)
    g.add_argument("--timeout-ms", type=int, default=500)
    g.add_argument("--fail-threshold", type=int, default=3)
    g.add_argument("--recover-threshold", type=int, default=3)
    g.add_argument("--poll-ms", type=int, default=20, help="API polling period (default 20)")
    g.add_argument("--target-ratio", type=float, default=1.5,
                   help="median / bound must be at most this (default 1.5)")
    g = p.add_argument_group("false outages")
    g.add_argument("--loss-rounds", type=int, default=600,
                   help="rounds of emr's probe under random loss (default 600; 0 skips)")
    g.add_argument("--loss-p", type=float, default=0.2, help="probability a probe fails (0.2)")
    g.add_argument("--loss-interval-ms", type=int, default=100,
                   help="interval of the loss run's lifelined (default 100)")
    g.add_argument("--loss-timeout-ms", type=int, default=100,
                   help="timeout of the loss run's lifelined (default 100)")
    g.add_argument("--seed", type=int, default=7,
                   help="his-sim's loss pattern and the stop phases (default 7)")
    g = p.add_argument_group("run")
    g.add_argument("--max-seconds", type=int, default=0,
                   help="give up (exit 1) after this long (default: 300 + 30 per stop + "
                        "3 x the loss run's length; 1200 with the defaults)")
    g.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    g.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    g.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    a = p.parse_args(argv)
    if a.stops < 0 or a.loss_rounds < 0 or a.stops > 1000 or a.loss_rounds > 100000:
        p.error("--stops is 0..1000, --loss-rounds 0..100000")
    if not 0 < a.loss_p < 1:
        p.error("--loss-p must be between 0 and 1")
    if a.max_seconds == 0:
        a.max_seconds = int(300 + 30 * a.stops + 3 * a.loss_rounds * a.loss_interval_ms / 1000)
    if a.poll_ms < 1 or a.max_seconds < 10:
        p.error("--poll-ms must be at least 1, --max-seconds at least 10")
    if a.timeout_ms > a.interval_ms or a.loss_timeout_ms > a.loss_interval_ms:
        p.error("a timeout must not exceed its interval (the monitor schema's rule)")
    return a


ARGS = parse_args(sys.argv[1:])
sys.stdout.reconfigure(line_buffering=True)   # the report interleaves with progress on stderr
# conftest reads the build directory when imported.
os.environ["LIFELINE_BUILD_DIR"] = str(pathlib.Path(ARGS.build_dir).resolve())
sys.path.insert(0, str(ROOT / "tests" / "integration"))
try:
    import pytest  # noqa: F401  conftest decorates its fixtures with it
except ImportError:  # the helpers work without it: give it a do-nothing stand-in
    def _fixture(*a, **kw):
        return a[0] if a and callable(a[0]) else (lambda f: f)
    sys.modules["pytest"] = types.SimpleNamespace(fixture=_fixture)
from conftest import (BUILD, PG_BIN, PgCluster, Process, binary, create_user, free_port,  # noqa: E402
                      http, make_config, wait_for)


def say(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes
class Child(Process):
    """conftest's Process, in its own session: a Ctrl-C at the terminal reaches
    only the bench, which then stops its children in order."""

    def __init__(self, args, log_path):
        self.args = args
        self.log_path = pathlib.Path(log_path)
        self._logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)


class Run:
    """Everything this run started, to be stopped in reverse order."""

    def __init__(self):
        self.tmp = None
        self.pg = None
        self.pg_started = False
        self.children = []

    def stop_child(self, child, what):
        if child in self.children:
            self.children.remove(child)
        alive = child.alive()
        rc = child.stop(timeout=10)
        if alive and rc != 0:
            say(f"detection: warning: {what} exited with status {rc} on SIGTERM (expected 0)")
            say("\n".join(child.log().splitlines()[-10:]))
        return rc

    def cleanup(self):
        # A second Ctrl-C must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in reversed(list(self.children)):
            try:
                self.stop_child(child, pathlib.Path(child.args[0]).name)
            except Exception as e:  # keep going: everything else must still stop
                say(f"detection: could not stop pid {child.pid}: {e}")
        if self.pg_started:
            try:
                self.pg._run([str(PG_BIN / "pg_ctl"), "-D", str(self.pg.data), "-m", "immediate", "-w", "stop"],
                             timeout=30)
            except Exception as e:
                say(f"detection: could not stop PostgreSQL: {e}")
        if self.tmp and os.path.isdir(self.tmp):
            if ARGS.keep:
                say(f"detection: kept {self.tmp}")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- machine load
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


# ---------------------------------------------------------------- helpers
def parse_ts(s):
    """'2026-11-05T03:12:33.123Z' -> seconds since the epoch."""
    dt = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    return dt.replace(tzinfo=datetime.timezone.utc).timestamp()


def stats(values):
    return (min(values), statistics.median(values), max(values)) if values else (None,) * 3


def fmt3(values, unit="ms"):
    lo, med, hi = stats(values)
    if lo is None:
        return "-"
    return f"min {lo:.0f} {unit}, median {med:.0f} {unit}, max {hi:.0f} {unit}"


class Sim:
    def __init__(self, run, tmp):
        state_file = tmp / "his-sim.json"
        self.proc = Child([binary("tests/his-sim/his-sim"), "--control", "127.0.0.1:0",
                           "--state-file", str(state_file)], tmp / "his-sim.log")
        run.children.append(self.proc)
        wait_for(lambda: self._ready(state_file), timeout=30, what="his-sim's state file")
        self.state = json.loads(state_file.read_text())
        self.control = f"http://127.0.0.1:{self.state['control']}"

    def _ready(self, state_file):
        if not self.proc.alive():
            raise BenchError(f"his-sim exited at start:\n{self.proc.log()[-2000:]}")
        return state_file.exists() and state_file.stat().st_size > 0

    def ctl(self, verb, **query):
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        r = http("POST", f"{self.control}/control/{verb}" + (f"?{qs}" if qs else ""), timeout=10)
        if r.status != 200:
            raise BenchError(f"his-sim /control/{verb} {query} answered {r.status}: {r.text}")
        return r.json


def monitor_config(sim, interval_ms, timeout_ms, fail_threshold, recover_threshold):
    """The demo hospital's six subsystems, all served by his-sim (as the
    integration tests watch them)."""
    port = sim.state["targets"]
    mllp = sim.state.get("mllp", {})

    def hp(name):
        return {"type": "http", "url": f"http://127.0.0.1:{port[name]}/health",
                "expect_status": 200, "expect_body": "ok"}
    return {
        "defaults": {"interval_ms": interval_ms, "timeout_ms": timeout_ms,
                     "fail_threshold": fail_threshold, "recover_threshold": recover_threshold},
        "targets": [
            {"name": "his-db", "kind": "his-db", "core": True,
             "probes": [{"type": "tcp", "host": "127.0.0.1", "port": port["his-db"]}]},
            {"name": "his-core", "kind": "his-core", "core": True, "depends_on": ["his-db"],
             "probes": [hp("his-core")]},
            {"name": "lis", "kind": "lis", "core": False,
             "probes": [{"type": "mllp", "host": "127.0.0.1", "port": mllp["lis"]}
                        if "lis" in mllp else hp("lis")]},
            {"name": "pacs", "kind": "pacs", "core": False,
             "probes": [{"type": "tcp", "host": "127.0.0.1", "port": port["pacs"]}]},
            {"name": "emr", "kind": "emr", "core": False, "probes": [hp("emr")]},
            {"name": "insurance", "kind": "insurance", "core": False,
             "probes": [hp("insurance")]},
        ],
    }


class Server:
    """One lifelined; the bench's API calls as the `it` user."""

    def __init__(self, run, tmp, pg, db, name, monitor, user=None):
        cfg = make_config(pg, db, tmp, monitor=monitor)
        cfg["paths"]["access_log"] = "off"     # 50 polls a second would fill it
        cfg["log"]["level"] = "info"
        self.config_path = tmp / f"{name}.json"
        self.config_path.write_text(json.dumps(cfg, indent=2))
        if user:
            create_user(self.config_path, *user)
        self.proc = Child([binary("server/lifelined"), "--config", str(self.config_path)],
                          tmp / f"{name}.log")
        run.children.append(self.proc)
        self.name = name
        m = self.proc.wait_log(r"listening on http://([\d.]+):(\d+)/", timeout=90)
        self.url = f"http://{m.group(1)}:{m.group(2)}"
        self.token = None

    def api(self, method, path, body=None, timeout=10):
        if not self.proc.alive():
            raise BenchError(f"lifelined ({self.name}) died:\n{self.proc.log()[-3000:]}")
        return http(method, self.url + path, body=body, token=self.token, timeout=timeout)

    def get(self, path):
        r = self.api("GET", path)
        if r.status != 200:
            raise BenchError(f"GET {path} answered {r.status}: {r.text[:300]}")
        return r.json

    def login(self, username, password):
        r = self.api("POST", "/api/v1/auth/login", {"username": username, "password": password},
                     timeout=60)
        if r.status != 200:
            raise BenchError(f"login as {username} answered {r.status}: {r.text[:300]}")
        self.token = r.json["token"]

    def monitor(self):
        return {t["name"]: t for t in self.get("/api/v1/monitor")["targets"]}

    def open_outages(self):
        return self.get("/api/v1/outages?open=1")["outages"]

    def wait_ready(self):
        wait_for(lambda: self.api("GET", "/api/v1/health").json.get("role") == "leader",
                 timeout=60, what=f"{self.name} to lead (health role leader)")
        wait_for(lambda: all(t["state"] == "up" for t in self.monitor().values()),
                 timeout=60, what="every target up")


# ---------------------------------------------------------------- part 1
def run_detection(srv, sim, rng, out):
    a = ARGS
    interval, timeout = a.interval_ms, a.timeout_ms
    floor = interval + timeout
    bound = interval * a.fail_threshold + timeout
    per_stop_limit = (bound * 4 + 15000) / 1000.0
    spec = next(t for t in monitor_config(sim, 1000, 500, 3, 3)["targets"] if t["name"] == a.target)
    probe = spec["probes"][0]["type"]
    print(f"part 1 — detection latency: {a.stops} stops of {a.target} "
          f"({'core' if a.target in ('his-core', 'his-db') else 'non-core'}, {probe} probe), "
          f"his-sim /control/down mode={a.mode}")
    print(f"monitor: interval {interval} ms, timeout {timeout} ms, fail_threshold "
          f"{a.fail_threshold}, recover_threshold {a.recover_threshold}; polling "
          f"GET /api/v1/outages?open=1 every {a.poll_ms} ms")
    print()
    print("per stop, ms: stop→API = the stop to GET /api/v1/outages first showing it; the server's")
    print("breakpoint (outage JSON) and decision time (GET /api/v1/monitor: the target's `since`")
    print("once DOWN); detected_at − breakpoint from the outage JSON; the target's probe rounds")
    print("from just before the stop to the decision that succeeded / failed")
    print(f"{'stop':>4} {'stop→API':>9} {'stop→breakpoint':>16} {'breakpoint→decided':>19} "
          f"{'decided→API':>12} {'detected_at−breakpoint':>23} {'ok/failed rounds':>16}")
    rows = []
    c0 = cpu_times()
    for i in range(1, a.stops + 1):
        if srv.open_outages():
            raise BenchError("an outage is open before a stop; the previous one was not resolved")
        time.sleep(rng.uniform(0, interval / 1000.0))   # any phase of the probe rounds
        pre = srv.monitor()[a.target]
        t_stop = time.time()
        sim.ctl("down", target=a.target, mode=a.mode)
        deadline = time.monotonic() + per_stop_limit
        found = None
        while found is None:
            r = srv.api("GET", "/api/v1/outages?open=1")
            t_seen = time.time()
            if r.status == 200:
                found = next((o for o in r.json["outages"] if a.target in o["targets"]), None)
            if found is None:
                if time.monotonic() > deadline:
                    raise BenchError(f"stop {i}: no outage after {per_stop_limit:.0f} s")
                time.sleep(a.poll_ms / 1000.0)
        bp, det = parse_ts(found["breakpoint"]), parse_ts(found["detected_at"])
        # The monitor's own decision time: the target's `since` once it is DOWN
        # (it stays DOWN until /control/up below).
        live = srv.monitor()[a.target]
        if live["state"] != "down" or not live["since"]:
            raise BenchError(f"stop {i}: the outage shows but {a.target} is {live['state']}")
        dec = parse_ts(live["since"])
        row = {"stop": i, "outage": found["id"],
               "latency_ms": (t_seen - t_stop) * 1000,
               "stop_to_breakpoint_ms": (bp - t_stop) * 1000,
               "breakpoint_to_decided_ms": (dec - bp) * 1000,
               "decided_to_api_ms": (t_seen - dec) * 1000,
               "stop_to_decided_ms": (dec - t_stop) * 1000,
               "detected_at_minus_breakpoint_ms": (det - bp) * 1000,
               "consecutive_failures": live["consecutive_failures"],
               "required_failures": live["required_failures"],
               # rounds of the target from just before the stop to now: fail_threshold
               # failures, plus at most one success (a round already under way)
               "rounds_failed": live["probes_failed"] - pre["probes_failed"],
               "rounds_ok": (live["probes_total"] - pre["probes_total"])
               - (live["probes_failed"] - pre["probes_failed"])}
        rows.append(row)
        print(f"{i:>4} {row['latency_ms']:>9.0f} {row['stop_to_breakpoint_ms']:>16.0f} "
              f"{row['breakpoint_to_decided_ms']:>19.0f} {row['decided_to_api_ms']:>12.0f} "
              f"{row['detected_at_minus_breakpoint_ms']:>23.0f} "
              f"{str(row['rounds_ok']) + '/' + str(row['rounds_failed']):>16}", flush=True)
        if live["required_failures"] > a.fail_threshold:
            print(f"      warning: required_failures was {live['required_failures']}, not "
                  f"{a.fail_threshold}: {a.target}'s probes failed before the stop too "
                  f"(background loss estimate {live['background_loss']:.2f})")
        if row["rounds_ok"] > 1:
            print(f"      warning: {row['rounds_ok']} rounds of the stopped {a.target} succeeded "
                  f"(last error: {live['last_error']}); with mode=refuse its port is free while "
                  "stopped, and another process on this machine may have bound it")
        elif row["breakpoint_to_decided_ms"] > (a.fail_threshold - 1) * interval + timeout + 500:
            print(f"      warning: {a.fail_threshold} failed rounds took "
                  f"{row['breakpoint_to_decided_ms']:.0f} ms: the monitor's rounds came late "
                  "(an overloaded machine?)")
        # Back up, recovering, resolved: the next stop starts from a clean slate.
        sim.ctl("up", target=a.target)
        oid = found["id"]
        wait_for(lambda: srv.monitor()[a.target]["state"] == "up", timeout=60,
                 what=f"{a.target} up again after stop {i}")
        wait_for(lambda: srv.get(f"/api/v1/outages/{oid}")["outage"]["status"] == "recovering",
                 timeout=30, what=f"outage {oid} recovering")
        r = srv.api("POST", f"/api/v1/outages/{oid}/resolve",
                    {"reason": "detection benchmark: the stop is over"})
        if r.status != 200:
            raise BenchError(f"resolve {oid} answered {r.status}: {r.text[:300]}")
    busy = busy_share(c0, cpu_times())

    lat = [r["latency_ms"] for r in rows]
    med = statistics.median(lat)
    ratio = med / bound
    ok = ratio <= a.target_ratio
    # When the stop is seen: the first round starting after it fails (within one
    # interval), the fail_threshold-th failure decides. A refused connection
    # fails at once; hang fails only at the timeout.
    fail_cost = timeout if a.mode == "hang" else 0
    model_lo = (a.fail_threshold - 1) * interval + fail_cost
    model_hi = a.fail_threshold * interval + fail_cost
    print()
    print(f"detection latency over {len(lat)} stops (stop → GET /api/v1/outages shows it):")
    print(f"  {fmt3(lat)}")
    print("  server side: breakpoint − stop: " +
          fmt3([r["stop_to_breakpoint_ms"] for r in rows]))
    print("               decided − breakpoint: " +
          fmt3([r["breakpoint_to_decided_ms"] for r in rows]))
    print("               decided − stop: " + fmt3([r["stop_to_decided_ms"] for r in rows]))
    print("               API first shows it − decided: " +
          fmt3([r["decided_to_api_ms"] for r in rows]))
    dab = [r["detected_at_minus_breakpoint_ms"] for r in rows]
    print("  outage JSON: detected_at − breakpoint: " + fmt3(dab))
    if dab and max(abs(x) for x in dab) < 1:
        print("  note: the outage's detected_at equals its breakpoint at every stop: lifelined "
              "dates a monitor-opened outage's detection at the breakpoint, not at the decision; "
              "the decision time above is the monitor's `since`")
    print(f"theoretical floor (interval + timeout): {floor} ms")
    print(f"configured bound (interval × fail_threshold + timeout): {bound} ms")
    print(f"expected for mode={a.mode} (fail_threshold − 1 .. fail_threshold intervals"
          f"{' + timeout' if fail_cost else ''}): {model_lo}–{model_hi} ms")
    print(f"machine during part 1: {busy:.0f} % of the CPUs busy; load average {loadavg()}")
    print(f"median / bound: {ratio:.2f} (target <= {a.target_ratio:g}): "
          f"{'PASS' if ok else 'BELOW TARGET'}")
    out["detection"] = {
        "target": a.target, "probe": probe, "mode": a.mode, "interval_ms": interval,
        "timeout_ms": timeout, "fail_threshold": a.fail_threshold,
        "recover_threshold": a.recover_threshold, "poll_ms": a.poll_ms,
        "floor_ms": floor, "bound_ms": bound, "expected_ms": [model_lo, model_hi],
        "latency_ms": dict(zip(("min", "median", "max"), stats(lat))),
        "ratio": ratio, "target_ratio": a.target_ratio, "pass": ok,
        "cpu_busy_pct": busy, "stops": rows}
    return ok


# ---------------------------------------------------------------- part 2
def run_loss(srv, sim, out):
    a = ARGS
    pct = a.loss_p * 100
    print(f"part 2 — false outages: his-sim fails {pct:g} % of emr's probes at random "
          f"(/control/flaky p={a.loss_p:g} seed={a.seed}) for {a.loss_rounds} rounds")
    print(f"a separate lifelined for this part, with a faster monitor to keep it short: "
          f"interval {a.loss_interval_ms} ms, timeout {a.loss_timeout_ms} ms, fail_threshold "
          f"{a.fail_threshold}, recover_threshold {a.recover_threshold} "
          f"(about {a.loss_rounds * a.loss_interval_ms / 1000:.0f} s)")
    before = {o["id"] for o in srv.get("/api/v1/outages")["outages"]}
    m0 = srv.monitor()
    c0 = cpu_times()
    sim.ctl("flaky", target="emr", p=f"{a.loss_p:g}", seed=a.seed)
    start = m0["emr"]["probes_total"]
    start_failed = m0["emr"]["probes_failed"]
    false_ids = []
    max_required = 0
    deadline = time.monotonic() + a.loss_rounds * a.loss_interval_ms / 1000.0 * 3 + 60
    while True:
        mon = srv.monitor()
        max_required = max(max_required, mon["emr"]["required_failures"])
        for o in srv.open_outages():
            if o["id"] in before or o["id"] in false_ids:
                continue
            false_ids.append(o["id"])
            print(f"  false outage {o['id']} at round {mon['emr']['probes_total'] - start}: "
                  f"targets {o['targets']}, breakpoint {o['breakpoint']}", flush=True)
            # Dismiss it (a suspected outage) or resolve it, so another one could open.
            r = srv.api("POST", f"/api/v1/outages/{o['id']}/dismiss",
                        {"reason": "detection benchmark: random probe loss, nothing stopped"})
            if r.status != 200:
                srv.api("POST", f"/api/v1/outages/{o['id']}/resolve",
                        {"reason": "detection benchmark: random probe loss"})
        if mon["emr"]["probes_total"] - start >= a.loss_rounds:
            break
        if time.monotonic() > deadline:
            raise BenchError(f"only {mon['emr']['probes_total'] - start} of {a.loss_rounds} "
                             "rounds came in time")
        time.sleep(0.2)
    busy = busy_share(c0, cpu_times())
    emr = mon["emr"]
    rounds = emr["probes_total"] - start
    failed = emr["probes_failed"] - start_failed
    others = {n: (t["probes_total"] - m0[n]["probes_total"],
                  t["probes_failed"] - m0[n]["probes_failed"])
              for n, t in mon.items() if n != "emr"}
    o_rounds = sum(v[0] for v in others.values())
    o_failed = sum(v[1] for v in others.values())
    # Every outage opened during the run is false: nothing was stopped.
    opened = [o for o in srv.get("/api/v1/outages")["outages"] if o["id"] not in before]
    n_false = len(opened)
    print(f"  emr: {rounds} rounds, {failed} failed ({100.0 * failed / max(rounds, 1):.1f} %); "
          f"required_failures now {emr['required_failures']} (at most {max_required} seen), "
          f"background loss estimate {emr['background_loss']:.3f}, state {emr['state']}")
    print(f"  the other five targets (no loss injected): {o_failed} failed of {o_rounds} rounds"
          + (" — failures there come from the machine's load (a probe past its "
             f"{a.loss_timeout_ms} ms timeout)" if o_failed else ""))
    print(f"  machine during part 2: {busy:.0f} % of the CPUs busy; load average {loadavg()}")

    # A real stop on the same lossy link is still seen.
    t_stop = time.time()
    sim.ctl("down", target="emr", mode="refuse")
    seen = None
    wait_s = max(60.0, 60 * a.loss_interval_ms / 1000.0)
    lim = time.monotonic() + wait_s
    while seen is None and time.monotonic() < lim:
        seen = next((o for o in srv.open_outages() if "emr" in o["targets"]
                     and o["id"] not in before and o["id"] not in false_ids), None)
        if seen is None:
            time.sleep(a.poll_ms / 1000.0)
    stop_ms = (time.time() - t_stop) * 1000 if seen else None
    req = srv.monitor()["emr"]["required_failures"]
    if seen:
        print(f"  then emr stopped for real on the lossy link: outage seen after {stop_ms:.0f} ms "
              f"(required_failures {req}, i.e. ~{req} rounds of {a.loss_interval_ms} ms)")
    else:
        print(f"  then emr stopped for real on the lossy link: NOT seen within {wait_s:.0f} s")
    sim.ctl("reset", target="emr")
    ok = n_false == 0
    print(f"false outages under {pct:g} % loss: {n_false} over {rounds} rounds")
    print(f"false outages: {n_false} (target 0): {'PASS' if ok else 'BELOW TARGET'}")
    out["false_outages"] = {
        "loss_p": a.loss_p, "seed": a.seed, "interval_ms": a.loss_interval_ms,
        "timeout_ms": a.loss_timeout_ms, "fail_threshold": a.fail_threshold,
        "rounds": rounds, "failed_rounds": failed, "false_outages": n_false,
        "outages": [{"id": o["id"], "targets": o["targets"], "breakpoint": o["breakpoint"]}
                    for o in opened],
        "max_required_failures": max_required, "background_loss": emr["background_loss"],
        "other_targets": {n: {"rounds": v[0], "failed": v[1]} for n, v in others.items()},
        "real_stop_seen_ms": stop_ms, "real_stop_required_failures": req,
        "cpu_busy_pct": busy, "pass": ok}
    return ok


# ---------------------------------------------------------------- main
def buildtype():
    try:
        opts = {o["name"]: o["value"] for o in
                json.load(open(BUILD / "meson-info" / "intro-buildoptions.json"))}
        return str(opts.get("buildtype", "?"))
    except (OSError, ValueError, KeyError):
        return "unknown"


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def on_alarm(_signum, _frame):
    raise Deadline()


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(ARGS.max_seconds)
    run = Run()
    out = {"build_dir": str(BUILD), "buildtype": buildtype(), "cpus": os.cpu_count(),
           "loadavg_start": loadavg()}
    results = []
    t_start = time.monotonic()
    try:
        binary("server/lifelined")
        binary("tests/his-sim/his-sim")
        run.tmp = tempfile.mkdtemp(prefix="lifeline-detect-")
        os.chmod(run.tmp, 0o755)   # the postgres user reads below it
        tmp = pathlib.Path(run.tmp)
        print(f"detection benchmark: lifelined from {BUILD.name} ({buildtype()}); "
              f"{os.cpu_count()} CPUs; load average {loadavg()} at start; loopback only")
        say("starting a throwaway PostgreSQL cluster…")
        run.pg = PgCluster(tmp / "pg")
        run.pg.init()
        run.pg_started = True
        run.pg.start()
        db = run.pg.createdb("detection")
        say("starting his-sim…")
        sim = Sim(run, tmp)
        rng = random.Random(ARGS.seed)
        user = ("bench-it", "bench-" + os.urandom(8).hex(), "it", "info-centre")
        created = False
        if ARGS.stops > 0:
            say("creating the it user and starting lifelined (detection config)…")
            srv = Server(run, tmp, run.pg, db, "lifelined-detect",
                         monitor_config(sim, ARGS.interval_ms, ARGS.timeout_ms,
                                        ARGS.fail_threshold, ARGS.recover_threshold), user)
            created = True
            srv.login(user[0], user[1])
            srv.wait_ready()
            print()
            results.append(run_detection(srv, sim, rng, out))
            run.stop_child(srv.proc, "lifelined")
        if ARGS.loss_rounds > 0:
            say("starting lifelined (loss config)…")
            srv = Server(run, tmp, run.pg, db, "lifelined-loss",
                         monitor_config(sim, ARGS.loss_interval_ms, ARGS.loss_timeout_ms,
                                        ARGS.fail_threshold, ARGS.recover_threshold),
                         None if created else user)
            srv.login(user[0], user[1])
            srv.wait_ready()
            print()
            results.append(run_loss(srv, sim, out))
            run.stop_child(srv.proc, "lifelined")
        run.stop_child(sim.proc, "his-sim")
    except Deadline:
        say(f"detection: gave up after --max-seconds {ARGS.max_seconds}")
        return 1
    except (BenchError, AssertionError, RuntimeError, subprocess.SubprocessError, OSError) as e:
        say(f"detection: {e}")
        for child in run.children:
            say(f"--- last lines of {child.log_path.name}:")
            say("\n".join(child.log().splitlines()[-15:]))
        return 1
    except Exception:   # a bug here, or an answer of an unexpected shape
        traceback.print_exc()
        return 1
    finally:
        signal.alarm(0)
        run.cleanup()
    out["loadavg_end"] = loadavg()
    out["wall_s"] = time.monotonic() - t_start
    print()
    print(f"done in {out['wall_s']:.0f} s; load average {out['loadavg_start']} at start, "
          f"{out['loadavg_end']} at the end ({os.cpu_count()} CPUs)")
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump(out, f, indent=2)
    if ARGS.strict and not all(results):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
