#!/usr/bin/python3
"""Delivery benchmark (issue 4): 300 departments x 2 channels due at one
threshold -> the time until the last delivery is accepted by the local SMTP
server and webhook receiver, with the API's latency measured meanwhile.

Everything is real and local: a throwaway PostgreSQL cluster (Unix socket
only), the integration tests' receivers tests/integration/smtp_sink.py
(aiosmtpd) and webhook_sink.py (http.server) as separate processes, and
lifelined from the build directory, all on 127.0.0.1; everything started here
is stopped by PID on exit, failure, Ctrl-C or SIGTERM, and the temporary
directory is removed (--keep or BENCH_KEEP=1 keeps it).

1. lifelined with testing.clock_control, notify.smtp.url at the SMTP sink, log
   level warn; an admin user; --departments (300) departments of tier 30m
   imported, each with one e-mail and one webhook contact (role member).
2. A level-1 outage is declared. Its immediate alerts go to the heads, or the
   group contacts, of every department: the bench departments have neither,
   so only the seeded demo departments' alerts go out; the bench waits until
   they are delivered. The bench departments' paper-30m notices go to every
   contact: 2 per department.
3. API load (tests/bench/api_load.py, a separate process): a few keep-alive
   clients GET /api/v1/notices?status=open&limit=50 and /api/v1/outages?open=1
   as admin. Its latency is taken idle (--idle-seconds), then during the burst.
4. POST /api/v1/test/clock {"advance_ms": 1800000}: the paper-30m notices are
   due. The sinks stamp each message as they accept it (--arrivals); the burst
   is over when every bench department's e-mail and webhook have arrived.
   Target: under 5 s; the API's p99 during the burst under 50 ms.
5. Baseline, same run: the same e-mails and webhook bodies sent straight to the
   same sinks by a plain Python client (smtplib, urllib), as many at once as
   the outbox's max_in_flight: the receivers' own capacity.

usage: notify.py --build-dir DIR [options]   (--help for all of them)
Exit status: 0 when it ran (whatever the numbers; with --strict, 1 when a
target is missed), 1 when something failed to run, 130 on Ctrl-C, 143 on SIGTERM.
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import re
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import types
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
THRESHOLD_MS = 30 * 60 * 1000
PATHS = ["/api/v1/notices?status=open&limit=50", "/api/v1/outages?open=1"]


class BenchError(Exception):
    """Something failed to run (exit 1)."""


class Deadline(Exception):
    """--max-seconds passed."""


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="notify.py",
        description="lifelined delivery benchmark: one threshold's notices to many departments.")
    p.add_argument("--build-dir", default=os.environ.get("LIFELINE_BUILD_DIR", str(ROOT / "build")),
                   help="build directory with server/lifelined (default: $LIFELINE_BUILD_DIR or build/)")
    g = p.add_argument_group("the burst")
    g.add_argument("--departments", type=int, default=300,
                   help="bench departments of tier 30m, each with an e-mail and a webhook (300)")
    g.add_argument("--max-in-flight", type=int, default=None,
                   help="notify.outbox.max_in_flight (default: not set, the server's 32)")
    g.add_argument("--batch", type=int, default=None,
                   help="notify.outbox.batch (default: not set, the server's 16)")
    g.add_argument("--pool-size", type=int, default=None,
                   help="database.pool_size (default: not set, the server's 6)")
    g.add_argument("--keep-ack-timings", action="store_true",
                   help="keep the plan's acknowledgement timings (repeat after 600 s, head after "
                        "1200 s): the 30-minute jump then also makes every level-1 alert's repeat "
                        "and head escalation due at the threshold. By default they are set after "
                        "the threshold (3600/7200/10800 s), so that only the paper notices are due")
    g.add_argument("--timeout", type=float, default=120.0,
                   help="seconds to wait for the burst to arrive (120)")
    g.add_argument("--target-s", type=float, default=5.0, help="time to the last delivery (5)")
    g = p.add_argument_group("API latency")
    g.add_argument("--load-clients", type=int, default=4, help="keep-alive clients (4)")
    g.add_argument("--load-rate", type=float, default=40.0,
                   help="their requests a second in all (40; 0: back to back)")
    g.add_argument("--idle-seconds", type=float, default=5.0,
                   help="the idle baseline's length, before the burst (5)")
    g.add_argument("--target-p99-ms", type=float, default=50.0, help="API p99 during the burst (50)")
    g = p.add_argument_group("baseline")
    g.add_argument("--baseline-concurrency", type=int, default=None,
                   help="messages the plain client sends at once (default: the outbox's max_in_flight)")
    g.add_argument("--no-baseline", action="store_true", help="skip the plain-client baseline")
    g = p.add_argument_group("run")
    g.add_argument("--max-seconds", type=int, default=600, help="give up (exit 1) after this long (600)")
    g.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    g.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    g.add_argument("--keep", action="store_true", default=os.environ.get("BENCH_KEEP") == "1",
                   help="keep the temporary directory (logs, messages); also BENCH_KEEP=1")
    a = p.parse_args(argv)
    if not 1 <= a.departments <= 2000:
        p.error("--departments is 1..2000 (one import holds at most 2000)")
    if a.max_in_flight is not None and not 1 <= a.max_in_flight <= 1024:
        p.error("--max-in-flight is 1..1024 (the config schema's bounds)")
    if a.batch is not None and not 1 <= a.batch <= 1000:
        p.error("--batch is 1..1000 (the config schema's bounds)")
    if a.pool_size is not None and not 3 <= a.pool_size <= 64:
        p.error("--pool-size is 3..64 (the config schema's bounds)")
    if a.load_clients < 1 or a.load_rate < 0 or a.idle_seconds < 1 or a.timeout < 1:
        p.error("--load-clients >= 1, --load-rate >= 0, --idle-seconds >= 1, --timeout >= 1")
    if a.max_seconds < 30:
        p.error("--max-seconds must be at least 30")
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
sys.path.insert(0, str(HERE))
from conftest import BUILD, PgCluster, binary, create_user, http, make_config, wait_for  # noqa: E402
from benchkit import (Arrivals, CpuMeter, PoolSampler, Run, busy_share, cpu_times,  # noqa: E402
                      listen_port, loadavg, pct, pg_pids, say)

OUTBOX_DEFAULTS = {"max_in_flight": 32, "batch": 16}   # server/notify/outbox.c
POOL_DEFAULT = 6                                       # server/config.c


# ---------------------------------------------------------------- helpers
def lat_summary(rows):
    ms = [r[1] for r in rows]
    errors = sum(1 for r in rows if r[2] != 200)
    return {"requests": len(ms), "errors": errors,
            "p50_ms": pct(ms, 50), "p99_ms": pct(ms, 99), "max_ms": max(ms) if ms else None,
            "per_path": {PATHS[i]: {"requests": len(v), "p50_ms": pct(v, 50), "p99_ms": pct(v, 99),
                                    "max_ms": max(v) if v else None,
                                    "body_bytes": pct([r[4] for r in rows if r[3] == i], 50)}
                         for i in range(len(PATHS))
                         for v in [[r[1] for r in rows if r[3] == i]]}}


def fmt_lat(s):
    if not s["requests"]:
        return "no requests"
    err = f", {s['errors']} not 200" if s["errors"] else ""
    return (f"p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms, max {s['max_ms']:.1f} ms "
            f"({s['requests']} requests{err})")


class Sink:
    def __init__(self, run, tmp, script, name):
        self.dir = tmp / name
        self.arrivals = Arrivals(tmp / f"{name}.arrivals")
        self.proc = run.start([sys.executable, str(ROOT / "tests" / "integration" / script),
                               str(self.dir), "--port", "0", "--arrivals", str(self.arrivals.path)],
                              tmp / f"{name}.log")
        m = self.proc.wait_log(r"port (\d+)", timeout=30)
        self.port = int(m.group(1))


class Server:
    """lifelined, and the bench's API calls as admin."""

    def __init__(self, run, tmp, pg, db, smtp_port):
        cfg = make_config(pg, db, tmp)
        cfg["paths"]["access_log"] = "off"
        cfg["log"]["level"] = "warn"
        del cfg["database"]["pool_size"]
        if ARGS.pool_size:
            cfg["database"]["pool_size"] = ARGS.pool_size
        cfg["testing"] = {"clock_control": True}
        notify = {"smtp": {"url": f"smtp://127.0.0.1:{smtp_port}", "from": "lifeline@bench.test"}}
        outbox = {}
        if ARGS.max_in_flight:
            outbox["max_in_flight"] = ARGS.max_in_flight
        if ARGS.batch:
            outbox["batch"] = ARGS.batch
        if outbox:
            notify["outbox"] = outbox
        if not ARGS.keep_ack_timings:
            notify["ack"] = {"repeat_after_s": 3600, "escalate_head_after_s": 7200,
                             "escalate_leadership_after_s": 10800}
        cfg["notify"] = notify
        self.config = cfg
        self.config_path = tmp / "lifelined.json"
        self.config_path.write_text(json.dumps(cfg, indent=2))
        self.password = "bench-" + os.urandom(12).hex()
        create_user(self.config_path, "admin", self.password, "admin")
        self.proc = run.start([binary("server/lifelined"), "--config", str(self.config_path)],
                              tmp / "lifelined.log")
        port = wait_for(self._port, timeout=90, what="lifelined to listen")
        self.url = f"http://127.0.0.1:{port}"
        self.token = None

    def _port(self):
        if not self.proc.alive():
            raise BenchError(f"lifelined exited at start:\n{self.proc.log()[-3000:]}")
        m = re.search(r"listening on http://[\d.]+:(\d+)/", self.proc.log())
        return int(m.group(1)) if m else listen_port(self.proc.pid)

    def api(self, method, path, body=None, timeout=30):
        if not self.proc.alive():
            raise BenchError(f"lifelined died:\n{self.proc.log()[-3000:]}")
        return http(method, self.url + path, body=body, token=self.token, timeout=timeout)

    def call(self, method, path, body=None, want=200, timeout=30):
        r = self.api(method, path, body, timeout)
        if r.status != want:
            raise BenchError(f"{method} {path} answered {r.status}: {r.text[:400]}")
        return r.json

    def wait_ready(self):
        def ready():
            try:
                h = self.api("GET", "/api/v1/health", timeout=5).json
            except OSError:
                return False
            return h.get("db") == "ok" and h.get("role") == "leader"
        wait_for(ready, timeout=60, what="lifelined to lead with its database up")
        r = self.api("POST", "/api/v1/auth/login",
                     {"username": "admin", "password": self.password}, timeout=60)
        if r.status != 200:
            raise BenchError(f"login as admin answered {r.status}: {r.text[:300]}")
        self.token = r.json["token"]


def outbox_counts(srv):
    return srv.call("GET", "/api/v1/outbox?status=pending")["counts"]


def email_template(sink, who):
    """The bytes of one e-mail lifelined sent to `who` (without the sink's own
    X-Sink-Rcpt line), to send again in the baseline."""
    for path in sorted(sink.dir.glob("*.eml")):
        raw = path.read_bytes()
        first, rest = raw.split(b"\r\n", 1)
        if first.decode(errors="replace").endswith(who):
            return rest
    raise BenchError(f"no e-mail to {who} in {sink.dir}")


def webhook_template(sink, path):
    for p in sorted(sink.dir.glob("*.json")):
        j = json.loads(p.read_text(encoding="utf-8"))
        if j["path"] == path:
            return json.dumps(j["body"], ensure_ascii=False).encode("utf-8")
    raise BenchError(f"no webhook to {path} in {sink.dir}")


# ---------------------------------------------------------------- the parts
def import_departments(srv, hooks):
    n = ARGS.departments
    depts = [{"code": f"bench-{i:03d}", "name_zh": f"压测科室{i:03d}",
              "name_en": f"Bench department {i:03d}", "tier": "30m",
              "contacts": [{"kind": "email", "address": f"bench-{i:03d}@bench.test"},
                           {"kind": "webhook",
                            "address": f"http://127.0.0.1:{hooks.port}/hook/bench-{i:03d}"}]}
             for i in range(1, n + 1)]
    got = srv.call("POST", "/api/v1/departments/import", {"departments": depts}, timeout=120)
    imp = got["imported"]
    if imp["departments_created"] != n or imp["contacts_created"] != 2 * n:
        raise BenchError(f"the import created {imp['departments_created']} departments and "
                         f"{imp['contacts_created']} contacts, not {n} and {2 * n}")
    return {f"bench-{i:03d}@bench.test" for i in range(1, n + 1)}, \
        {f"/hook/bench-{i:03d}" for i in range(1, n + 1)}


def declare_and_settle(srv, smtp, hooks):
    """Declare the outage; wait until its immediate alerts are delivered."""
    t0 = time.time()
    o = srv.call("POST", "/api/v1/outages", {"level": "1", "reason": "delivery benchmark"}, want=201)
    oid = o["outage"]["id"]
    status = o["outage"]["status"]
    if status not in ("confirmed", "manual"):
        raise BenchError(f"the declared outage is {status}, not confirmed")

    def settled():
        planned = srv.call("GET", f"/api/v1/notices?outage={oid}&status=planned&limit=5000")["notices"]
        if any(not n["moment"].startswith("paper-") for n in planned):
            return False
        sent = srv.call("GET", f"/api/v1/notices?outage={oid}&limit=5000")["notices"]
        if not any(n["moment"] == "level-1" for n in sent):
            return False
        c = outbox_counts(srv)
        return not c.get("pending") and not c.get("sending")
    wait_for(settled, timeout=120, what="the level-1 alerts to be written and delivered",
             interval=0.1)
    c = outbox_counts(srv)
    smtp.arrivals.poll()
    hooks.arrivals.poll()
    got = smtp.arrivals.since(t0) + hooks.arrivals.since(t0)
    took = max((r[0] for r in got), default=t0) - t0
    ns = srv.call("GET", f"/api/v1/notices?outage={oid}&limit=5000")["notices"]
    alerts = [n for n in ns if n["moment"] == "level-1"]
    return oid, {"outage": oid, "alert_notices": len(alerts),
                 "deliveries": len(got), "outbox_counts": c, "last_delivery_s": took,
                 "bench_deliveries": sum(1 for r in got if "bench-" in r[2])}


def start_load(run, srv, tmp):
    out = tmp / "api-load.txt"
    load = run.start([sys.executable, str(HERE / "api_load.py"), srv.url, str(out), *PATHS,
                      "--clients", str(ARGS.load_clients), "--rate", f"{ARGS.load_rate:g}"],
                     tmp / "api-load.log", stdin=subprocess.PIPE)
    load.proc.stdin.write((srv.token + "\n").encode())
    load.proc.stdin.close()
    load.wait_log(r"started", timeout=30)
    return load, out


def read_load(out):
    rows = []
    with open(out, encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 5:
                rows.append((float(parts[0]), float(parts[1]), int(parts[2]), int(parts[3]),
                             int(parts[4])))
    return rows


def burst(srv, smtp, hooks, mails, paths, meter, oid):
    """Move the clock to the threshold; wait until every bench message arrived."""
    smtp.arrivals.poll()
    hooks.arrivals.poll()
    meter.start()
    t0 = time.time()
    clk = srv.call("POST", "/api/v1/test/clock", {"advance_ms": THRESHOLD_MS})
    t_answer = time.time()
    got_m, got_h = {}, {}
    deadline = time.monotonic() + ARGS.timeout
    while len(got_m) < len(mails) or len(got_h) < len(paths):
        if time.monotonic() > deadline:
            break
        if smtp.arrivals.poll() == 0 and hooks.arrivals.poll() == 0:
            time.sleep(0.005)
        for t, _name, who in smtp.arrivals.since(t0):
            if who in mails:
                got_m.setdefault(who, t)
        for t, _name, who in hooks.arrivals.since(t0):
            if who in paths:
                got_h.setdefault(who, t)
        if not srv.proc.alive():
            raise BenchError(f"lifelined died during the burst:\n{srv.proc.log()[-3000:]}")
    cpu = meter.stop()
    t_end = max(list(got_m.values()) + list(got_h.values()), default=None)
    time.sleep(0.3)   # late duplicates and stragglers
    smtp.arrivals.poll()
    hooks.arrivals.poll()
    win_m = smtp.arrivals.since(t0)
    win_h = hooks.arrivals.since(t0)
    bench_m = [r for r in win_m if r[2] in mails]
    bench_h = [r for r in win_h if r[2] in paths]
    res = {
        "advance_ms": THRESHOLD_MS, "clock_offset_ms": clk["offset_ms"],
        "t_advance": t0, "clock_answered_ms": (t_answer - t0) * 1000,
        "email": {"expected": len(mails), "arrived": len(got_m),
                  "duplicates": len(bench_m) - len(got_m),
                  "first_ms": (min(got_m.values()) - t0) * 1000 if got_m else None,
                  "last_ms": (max(got_m.values()) - t0) * 1000 if got_m else None},
        "webhook": {"expected": len(paths), "arrived": len(got_h),
                    "duplicates": len(bench_h) - len(got_h),
                    "first_ms": (min(got_h.values()) - t0) * 1000 if got_h else None,
                    "last_ms": (max(got_h.values()) - t0) * 1000 if got_h else None},
        "others": {"email": len(win_m) - len(bench_m), "webhook": len(win_h) - len(bench_h)},
        "complete": len(got_m) == len(mails) and len(got_h) == len(paths),
        "last_delivery_s": (t_end - t0) if t_end else None,
        "cpu": cpu,
    }
    # Deliveries per second over the whole burst, and over the time messages flowed.
    n = len(got_m) + len(got_h)
    if t_end:
        res["deliveries_per_s"] = n / (t_end - t0)
        first = min(list(got_m.values()) + list(got_h.values()))
        res["flowing_per_s"] = (n - 1) / (t_end - first) if t_end > first else None
    res["arrival_ms"] = sorted((t - t0) * 1000 for t in list(got_m.values()) + list(got_h.values()))
    return res


def server_side(run, db, oid, offset_ms, t0):
    """What the database says about the burst: when the notices were committed
    and their outbox rows written (the same moment), when each delivery ended.
    Times are lifelined's virtual clock: real = virtual - offset."""
    sql = (
        "SELECT coalesce(json_agg(json_build_object("
        " 'dept', n.department, "
        " 'committed', extract(epoch FROM n.sent_at) * 1000, "
        " 'deliveries', (SELECT json_agg(json_build_object('channel', o.channel, "
        "   'created', extract(epoch FROM o.created_at) * 1000, "
        "   'sent', extract(epoch FROM o.sent_at) * 1000, 'attempts', o.attempts, "
        "   'status', o.status)) FROM outbox o WHERE o.notice_id = n.id))), '[]') "
        f"FROM notices n WHERE n.outage_id = {int(oid)} AND n.moment = 'paper-30m' "
        " AND n.department LIKE 'bench-%'")
    rows = json.loads(run.pg.psql(sql, db))
    base = t0 * 1000 + offset_ms

    def rel(v):
        return None if v is None else v - base
    commits = sorted({rel(r["committed"]) for r in rows if r["committed"] is not None})
    dl = [d for r in rows for d in (r["deliveries"] or [])]
    queued = [rel(d["created"]) for d in dl]
    done = [rel(d["sent"]) for d in dl if d["sent"] is not None]
    lat = [d["sent"] - d["created"] for d in dl if d["sent"] is not None]
    return {"notices": len(rows), "commits": len(commits),
            "first_commit_ms": commits[0] if commits else None,
            "last_commit_ms": commits[-1] if commits else None,
            "commit_ms": commits,
            "deliveries": len(dl), "sent": len(done),
            "attempts_over_1": sum(1 for d in dl if d["attempts"] > 1),
            "not_sent": sorted({d["status"] for d in dl if d["status"] != "sent"}),
            "first_done_ms": min(done) if done else None,
            "last_done_ms": max(done) if done else None,
            "last_queued_ms": max(queued) if queued else None,
            "queued_to_done_ms": {"median": statistics.median(lat) if lat else None,
                                  "p99": pct(lat, 99), "max": max(lat) if lat else None}}


def baseline(smtp, hooks, concurrency):
    """The same messages sent straight to the sinks by a plain Python client."""
    n = ARGS.departments
    mail = email_template(smtp, "bench-001@bench.test")
    body = webhook_template(hooks, "/hook/bench-001")
    sender = "lifeline@bench.test"
    mails = {f"baseline-{i:03d}@bench.test" for i in range(1, n + 1)}
    paths = {f"/baseline/bench-{i:03d}" for i in range(1, n + 1)}

    def send_mail(i):
        rcpt = f"baseline-{i:03d}@bench.test"
        with smtplib.SMTP("127.0.0.1", smtp.port, timeout=30) as s:
            s.sendmail(sender, [rcpt], mail)
        return rcpt

    def send_hook(i):
        req = urllib.request.Request(f"http://127.0.0.1:{hooks.port}/baseline/bench-{i:03d}",
                                     data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
            if r.status != 200:
                raise BenchError(f"the webhook sink answered {r.status}")
    smtp.arrivals.poll()
    hooks.arrivals.poll()
    c0 = cpu_times()
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as ex:
        # In the order the outbox claims them: each department's e-mail, then its webhook.
        futs = []
        for i in range(1, n + 1):
            futs.append(ex.submit(send_mail, i))
            futs.append(ex.submit(send_hook, i))
        for f in futs:
            try:
                f.result()
            except (OSError, smtplib.SMTPException) as e:
                raise BenchError(f"baseline: a plain client's message failed: {e!r}")
    t_client = time.time()
    busy = busy_share(c0, cpu_times())
    wait_for(lambda: (smtp.arrivals.poll() or True) and (hooks.arrivals.poll() or True) and
             len({r[2] for r in smtp.arrivals.since(t0) if r[2] in mails}) == n and
             len({r[2] for r in hooks.arrivals.since(t0) if r[2] in paths}) == n,
             timeout=30, what="the baseline's messages in the sinks' arrival logs")
    em = [r[0] for r in smtp.arrivals.since(t0) if r[2] in mails]
    wh = [r[0] for r in hooks.arrivals.since(t0) if r[2] in paths]
    last = max(em + wh)
    return {"messages": 2 * n, "concurrency": concurrency, "email_bytes": len(mail),
            "webhook_bytes": len(body), "last_delivery_s": last - t0,
            "email_last_s": max(em) - t0, "webhook_last_s": max(wh) - t0,
            "client_done_s": t_client - t0, "deliveries_per_s": 2 * n / (last - t0),
            "machine_busy_pct": busy}


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


def report(out):
    a = ARGS
    b = out["burst"]
    s = out["server"]
    n = a.departments
    print()
    print(f"clock +{THRESHOLD_MS} ms (the 30-minute threshold) → {n} paper-30m notices due, "
          f"{2 * n} deliveries (POST /api/v1/test/clock answered in {b['clock_answered_ms']:.0f} ms)")
    for ch in ("email", "webhook"):
        c = b[ch]
        dup = f", {c['duplicates']} duplicates" if c["duplicates"] else ""
        first = f"first +{c['first_ms']:.0f} ms, last +{c['last_ms']:.0f} ms" if c["arrived"] else "none"
        print(f"  {ch + ':':<9} {c['arrived']}/{c['expected']} arrived ({first}{dup})")
    if b["others"]["email"] or b["others"]["webhook"]:
        print(f"  also in the window (not counted): {b['others']['email']} e-mail(s), "
              f"{b['others']['webhook']} webhook(s), to the seeded demo departments")
    if s["commits"]:
        print(f"  server side: {s['notices']} notices committed in {s['commits']} step(s) of the "
              f"notice sender (64 a step), +{s['first_commit_ms']:.0f} … +{s['last_commit_ms']:.0f} ms "
              f"({', '.join(f'{x:.0f}' for x in s['commit_ms'][:12])}"
              f"{' …' if len(s['commit_ms']) > 12 else ''})")
        q = s["queued_to_done_ms"]
        if q["median"] is not None:
            print(f"               outbox: first delivery ended +{s['first_done_ms']:.0f} ms, "
                  f"last +{s['last_done_ms']:.0f} ms; queued → ended per delivery median "
                  f"{q['median']:.0f} ms, p99 {q['p99']:.0f} ms, max {q['max']:.0f} ms; "
                  f"{s['attempts_over_1']} needed more than one attempt")
    cpu = b["cpu"]
    print(f"  CPU during the burst: lifelined {cpu['lifelined']:.2f} s, PostgreSQL "
          f"{cpu['postgres']:.2f} s, SMTP sink {cpu['smtp_sink']:.2f} s, webhook sink "
          f"{cpu['webhook_sink']:.2f} s, API load {cpu['api_load']:.2f} s; machine "
          f"{cpu['machine_busy_pct']:.0f} % busy")
    if b["last_delivery_s"]:
        print(f"  deliveries/s: {b['deliveries_per_s']:.0f} over the whole burst"
              + (f", {b['flowing_per_s']:.0f} from the first arrival to the last"
                 if b.get("flowing_per_s") else ""))
    bl = out.get("baseline")
    if bl:
        print(f"baseline: the same {bl['messages']} messages ({bl['email_bytes']}-byte e-mail, "
              f"{bl['webhook_bytes']}-byte webhook body) sent straight to the sinks by a plain "
              f"Python client, {bl['concurrency']} at once (a connection each): last accepted after "
              f"{bl['last_delivery_s']:.2f} s ({bl['deliveries_per_s']:.0f}/s; e-mail last "
              f"+{bl['email_last_s'] * 1000:.0f} ms, webhook last +{bl['webhook_last_s'] * 1000:.0f} ms; "
              f"machine {bl['machine_busy_pct']:.0f} % busy)")
        if b["last_delivery_s"]:
            print(f"  lifelined / baseline: {b['last_delivery_s'] / bl['last_delivery_s']:.2f}× the "
                  f"receivers' own time; lifelined adds {b['last_delivery_s'] - bl['last_delivery_s']:.2f} s")
    li, lb = out["api"]["idle"], out["api"]["burst"]
    rate = f"{a.load_rate:g} req/s" if a.load_rate else "back to back"
    print(f"API latency ({a.load_clients} keep-alive clients, {rate} in all, "
          f"GET {PATHS[0]} and {PATHS[1]}):")
    print(f"  idle ({a.idle_seconds:g} s):  {fmt_lat(li)}; machine "
          f"{out['api']['idle_cpu']['machine_busy_pct']:.0f} % busy")
    print(f"  during the burst: {fmt_lat(lb)}")
    for i, path in enumerate(PATHS):
        pi, pb = li["per_path"][path], lb["per_path"][path]
        if pb["requests"]:
            print(f"    {path}: p50/p99 {pi['p50_ms'] or 0:.1f}/{pi['p99_ms'] or 0:.1f} ms idle, "
                  f"{pb['p50_ms']:.1f}/{pb['p99_ms']:.1f} ms in the burst "
                  f"(answer {pb['body_bytes'] or 0} bytes)")
    pi, pb = out["api"]["db_pool_idle"], out["api"]["db_pool_burst"]
    if pi["samples"] and pb["samples"]:
        print(f"  statements waiting for a database connection (GET /metrics every 100 ms): "
              f"max {pi['max_queued']} idle, max {pb['max_queued']} (mean {pb['mean_queued']:.1f}) "
              f"in the burst")
    if pb.get("statements") and pi.get("statements"):
        idle_rate = pi["statements"] / pi["statements_s"]
        extra = pb["statements"] - idle_rate * pb["statements_s"]
        print(f"  SQL statements: {pi['statements'] / pi['statements_s']:.0f}/s idle (the API load); "
              f"{pb['statements']} in the burst's {pb['statements_s']:.1f} s, about "
              f"{extra / (2 * a.departments):.1f} per delivery beyond the API's")
    ok_t = b["complete"] and b["last_delivery_s"] is not None and b["last_delivery_s"] < a.target_s
    if b["complete"]:
        print(f"time to the last delivery: {b['last_delivery_s']:.2f} s (target < {a.target_s:g} s): "
              f"{'PASS' if ok_t else 'BELOW TARGET'}")
    else:
        print(f"time to the last delivery: not all arrived within {a.timeout:g} s "
              f"({b['email']['arrived']} + {b['webhook']['arrived']} of {2 * n}) "
              f"(target < {a.target_s:g} s): BELOW TARGET")
    ok_l = lb["requests"] > 0 and lb["p99_ms"] < a.target_p99_ms and lb["errors"] == 0
    p99 = f"{lb['p99_ms']:.1f} ms" if lb["requests"] else "no requests"
    print(f"API p99 during the burst: {p99} (target < {a.target_p99_ms:g} ms)"
          f"{', with errors' if lb['errors'] else ''}: {'PASS' if ok_l else 'BELOW TARGET'}")
    out["pass"] = {"delivery": ok_t, "api_p99": ok_l}
    return ok_t and ok_l


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(ARGS.max_seconds)
    run = Run("notify", ARGS.keep)
    out = {"benchmark": "notify", "build_dir": str(BUILD), "buildtype": buildtype(),
           "cpus": os.cpu_count(), "loadavg_start": loadavg(), "departments": ARGS.departments}
    t_start = time.monotonic()
    ok = False
    try:
        binary("server/lifelined")
        run.tmp = tempfile.mkdtemp(prefix="lifeline-notify-")
        os.chmod(run.tmp, 0o755)   # the postgres user reads below it
        tmp = pathlib.Path(run.tmp)
        mif = ARGS.max_in_flight or OUTBOX_DEFAULTS["max_in_flight"]
        batch = ARGS.batch or OUTBOX_DEFAULTS["batch"]
        print(f"delivery benchmark: lifelined from {BUILD.name} ({buildtype()}); "
              f"{os.cpu_count()} CPUs; load average {loadavg()} at start; loopback only")
        say("starting a throwaway PostgreSQL cluster…")
        run.pg = PgCluster(tmp / "pg")
        run.pg.init()
        run.pg_started = True
        run.pg.start()
        db = run.pg.createdb("notify")
        say("starting the SMTP and webhook sinks…")
        smtp = Sink(run, tmp, "smtp_sink.py", "mail")
        hooks = Sink(run, tmp, "webhook_sink.py", "hooks")
        say("creating the admin user and starting lifelined…")
        srv = Server(run, tmp, run.pg, db, smtp.port)
        srv.wait_ready()
        cfg = srv.config
        out["config"] = {"notify.outbox": cfg["notify"].get("outbox", {}),
                         "max_in_flight": mif, "batch": batch,
                         "pool_size": ARGS.pool_size or POOL_DEFAULT,
                         "notify.ack": cfg["notify"].get("ack", "the plan's defaults")}
        print(f"config: notify.outbox.max_in_flight {mif}, batch {batch}"
              f"{' (the server defaults)' if not (ARGS.max_in_flight or ARGS.batch) else ''}; "
              f"database.pool_size {ARGS.pool_size or POOL_DEFAULT}"
              f"{' (default)' if not ARGS.pool_size else ''}; log level warn; "
              + ("notify.ack: the plan's defaults (repeats and head escalations fall due with the jump)"
                 if ARGS.keep_ack_timings else
                 "notify.ack repeat/escalations at 3600/7200/10800 s (after the threshold: only the "
                 "paper notices fall due)"))
        say(f"importing {ARGS.departments} departments…")
        mails, paths = import_departments(srv, hooks)
        demo = [d for d in srv.call("GET", "/api/v1/departments")["departments"]
                if not d["code"].startswith("bench-")]
        demo30 = sum(1 for d in demo if d["tier"] == "30m")
        print(f"{ARGS.departments} bench departments (tier 30m), each with one e-mail and one webhook "
              f"contact (role member); the {len(demo)} seeded demo departments stay "
              f"({demo30} of tier 30m): their messages are counted apart")

        say("declaring a level-1 outage; waiting for its immediate alerts…")
        oid, imm = declare_and_settle(srv, smtp, hooks)
        out["immediate"] = imm
        print(f"level-1 outage {oid} declared: {imm['alert_notices']} alert notices, "
              f"{imm['deliveries']} deliveries (demo departments' heads and group mailboxes; "
              f"{imm['bench_deliveries']} to bench departments), all delivered after "
              f"{imm['last_delivery_s']:.2f} s")

        say("starting the API load…")
        load, load_out = start_load(run, srv, tmp)
        pids = {"lifelined": lambda: [srv.proc.pid], "postgres": lambda: pg_pids(run.pg),
                "smtp_sink": lambda: [smtp.proc.pid], "webhook_sink": lambda: [hooks.proc.pid],
                "api_load": lambda: [load.pid]}
        meter = CpuMeter(pids)
        sampler = PoolSampler(srv.url)
        sampler.start()
        time.sleep(0.5)   # the clients connect
        say(f"idle API latency ({ARGS.idle_seconds:g} s)…")
        t_idle = time.time()
        meter.start()
        time.sleep(ARGS.idle_seconds)
        idle_cpu = meter.stop()
        t_idle_end = time.time()
        say("moving the clock to the threshold; waiting for the burst…")
        b = burst(srv, smtp, hooks, mails, paths, meter, oid)
        time.sleep(0.2)
        run.stop_child(load, "api_load.py")
        sampler.halt.set()
        sampler.join(10)
        rows = read_load(load_out)
        t0 = b["t_advance"]
        t_end = t0 + (b["last_delivery_s"] or ARGS.timeout)
        out["api"] = {"clients": ARGS.load_clients, "rate": ARGS.load_rate, "paths": PATHS,
                      "idle": lat_summary([r for r in rows if t_idle <= r[0] < t_idle_end]),
                      "idle_cpu": idle_cpu,
                      "burst": lat_summary([r for r in rows if t0 <= r[0] <= t_end]),
                      "db_pool_idle": sampler.window(t_idle, t_idle_end),
                      "db_pool_burst": sampler.window(t0, t_end)}
        out["burst"] = b
        out["server"] = server_side(run, db, oid, b["clock_offset_ms"], t0)
        if not ARGS.no_baseline:
            say("baseline: the same messages from a plain Python client…")
            out["baseline"] = baseline(smtp, hooks, ARGS.baseline_concurrency or mif)
        ok = report(out)
        rc_srv = run.stop_child(srv.proc, "lifelined")
        if rc_srv != 0:
            raise BenchError(f"lifelined exited with {rc_srv} on SIGTERM")
        run.stop_child(hooks.proc, "webhook_sink.py")
        run.stop_child(smtp.proc, "smtp_sink.py")
    except Deadline:
        say(f"notify: gave up after --max-seconds {ARGS.max_seconds}")
        return 1
    except (BenchError, AssertionError, RuntimeError, subprocess.SubprocessError, OSError) as e:
        say(f"notify: {e}")
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
    print(f"done in {out['wall_s']:.0f} s; load average {out['loadavg_start']} at start, "
          f"{out['loadavg_end']} at the end ({os.cpu_count()} CPUs)")
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump(out, f, indent=2)
    if ARGS.strict and not ok:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
