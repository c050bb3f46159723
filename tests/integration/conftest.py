"""Fixtures for Lifeline's integration tests.

Everything here is real: a throwaway PostgreSQL cluster made with initdb in a
temporary directory, the real `lifelined` and `his-sim` binaries from the build
directory, HTTP over loopback. Nothing is mocked.

Environment:
  LIFELINE_BUILD_DIR  build directory holding the binaries (default: build/)
"""
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIFELINE_BUILD_DIR", ROOT / "build")).resolve()
PG_BIN = pathlib.Path("/usr/lib/postgresql/15/bin")
# Generous start-up allowance: a sanitizer build on a loaded 2-core machine is slow.
START_TIMEOUT = 60.0


def binary(rel):
    path = BUILD / rel
    if not path.exists():
        raise RuntimeError(f"{path} is missing: build first (meson compile -C {BUILD})")
    return str(path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=START_TIMEOUT, what="condition", interval=0.02):
    """Poll predicate() until it returns a true value; fail with `what` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"<Response {self.status} {self.body[:200]!r}>"


def http(method, url, body=None, token=None, headers=None, timeout=30):
    """One HTTP request; never raises on an HTTP status, only on network errors."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        else:
            data = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, dict(e.headers), e.read())


class PgCluster:
    """A PostgreSQL 15 cluster in a temporary directory, reachable by Unix socket."""

    def __init__(self, base):
        self.base = pathlib.Path(base)
        self.data = self.base / "data"
        self.sock = str(self.base)
        self.port = free_port()
        self.log = self.base / "server.log"
        self._as_postgres = os.geteuid() == 0

    def _run(self, args, **kw):
        if self._as_postgres:
            args = ["runuser", "-u", "postgres", "--"] + args
        return subprocess.run(args, check=True, capture_output=True, text=True, **kw)

    def init(self):
        self.base.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            shutil.chown(self.base, "postgres", "postgres")
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                   "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        with open(self.data / "postgresql.conf", "a") as f:
            f.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")

    def start(self):
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                   "-o", f"-p {self.port} -k {self.sock} -c listen_addresses=''", "start"])

    def stop(self, mode="fast"):
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def psql(self, sql, db="postgres"):
        out = subprocess.run(
            ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", self.sock,
             "-p", str(self.port), "-U", "postgres", "-d", db, "-c", sql],
            check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def createdb(self, name, template=None):
        tpl = f' TEMPLATE "{template}"' if template else ""
        self.psql(f'CREATE DATABASE "{name}"{tpl}')
        return name

    def conninfo(self, db):
        return f"host={self.sock} port={self.port} dbname={db} user=postgres"


def throwaway_cluster(prefix):
    """Make, start, yield, and at the end remove a PostgreSQL cluster."""
    base = tempfile.mkdtemp(prefix=prefix)
    os.chmod(base, 0o755)   # PostgreSQL runs as postgres and must reach it
    cluster = PgCluster(base)
    cluster.init()
    cluster.start()
    yield cluster
    try:
        cluster.stop("immediate")
    except subprocess.CalledProcessError:
        pass   # the test stopped it already
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg():
    yield from throwaway_cluster("lifeline-pg-")


@pytest.fixture
def own_pg():
    """A cluster of its own, for a test that stops and starts PostgreSQL."""
    yield from throwaway_cluster("lifeline-pg-own-")


@pytest.fixture
def dbname(pg):
    """A fresh, empty database for one test."""
    return pg.createdb("t_" + uuid.uuid4().hex[:12])


class Process:
    """A child process whose stdout+stderr go to a log file we can search."""

    def __init__(self, args, log_path, env=None):
        self.args = args
        self.log_path = pathlib.Path(log_path)
        self._logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)

    @property
    def pid(self):
        return self.proc.pid

    def log(self):
        return self.log_path.read_text(errors="replace")

    def wait_log(self, pattern, timeout=START_TIMEOUT):
        rx = re.compile(pattern)

        def found():
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"{self.args[0]} exited with {self.proc.returncode} before /{pattern}/:\n{self.log()}")
            return rx.search(self.log())
        return wait_for(found, timeout, f"/{pattern}/ in {self.log_path}")

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._logf.close()
        return self.proc.returncode


class HisSim:
    def __init__(self, proc, state):
        self.proc = proc
        self.state = state
        self.control = f"http://127.0.0.1:{state['control']}"

    def target_url(self, name, path="/health"):
        return f"http://127.0.0.1:{self.state['targets'][name]}{path}"

    def ctl(self, verb, **query):
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        r = http("POST" if verb != "stats" else "GET",
                 f"{self.control}/control/{verb}" + (f"?{qs}" if qs else ""))
        assert r.status == 200, r
        return r.json


@pytest.fixture
def his_sim(tmp_path):
    state_file = tmp_path / "his-sim.json"
    proc = Process([binary("tests/his-sim/his-sim"), "--control", "127.0.0.1:0",
                    "--state-file", str(state_file)], tmp_path / "his-sim.log")
    try:
        wait_for(lambda: state_file.exists() and state_file.stat().st_size > 0,
                 what="his-sim state file")
        sim = HisSim(proc, json.loads(state_file.read_text()))
        yield sim
    finally:
        rc = proc.stop()
        assert rc == 0, f"his-sim exited with {rc}:\n{proc.log()}"


class Lifelined:
    def __init__(self, proc, config_path, config):
        self.proc = proc
        self.config_path = config_path
        self.config = config
        self.url = None
        self.killed = False

    def api(self, method, path, body=None, token=None, headers=None, timeout=30):
        return http(method, self.url + path, body=body, token=token, headers=headers,
                    timeout=timeout)

    def kill9(self):
        """kill -9, as a crash would; the fixture will not expect a clean exit."""
        self.killed = True
        self.proc.signal(signal.SIGKILL)
        self.proc.proc.wait(30)

    def login(self, username, password):
        r = self.api("POST", "/api/v1/auth/login", {"username": username, "password": password})
        assert r.status == 200, r
        return r.json["token"]


def make_config(pg, db, tmp_path, **overrides):
    cfg = {
        "listen": {"host": "127.0.0.1", "port": 0},
        "database": {"conninfo": pg.conninfo(db), "pool_size": 4},
        "paths": {"schemas": str(ROOT / "schemas"), "web_root": str(ROOT / "client" / "web"),
                  "access_log": str(tmp_path / "access.log")},
        "log": {"level": "debug"},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key].update(value)
        else:
            cfg[key] = value
    return cfg


def create_user(config_path, username, password, role, dept=None):
    args = [binary("server/lifelined"), "--config", str(config_path), "--create-user", username,
            "--role", role, "--password-stdin"]
    if dept:
        args += ["--dept", dept]
    out = subprocess.run(args, input=password + "\n", capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out


@pytest.fixture
def lifelined_factory(pg, tmp_path):
    """start(**config_overrides) -> Lifelined; every server is stopped at the end,
    and each must have exited cleanly (0) on SIGTERM."""
    started = []

    def start(db=None, users=(), **overrides):
        db = db or pg.createdb("t_" + uuid.uuid4().hex[:12])
        n = len(started)
        cfg = make_config(pg, db, tmp_path, **overrides)
        path = tmp_path / f"lifelined{n}.json"
        path.write_text(json.dumps(cfg, indent=2))
        for (u, p, role, dept) in users:
            create_user(path, u, p, role, dept)
        proc = Process([binary("server/lifelined"), "--config", str(path)],
                       tmp_path / f"lifelined{n}.log")
        srv = Lifelined(proc, path, cfg)
        started.append(srv)
        m = proc.wait_log(r"listening on http://([\d.]+):(\d+)/")
        srv.url = f"http://{m.group(1)}:{m.group(2)}"
        srv.dbname = db
        return srv

    yield start
    failures = []
    for srv in started:
        rc = srv.proc.stop()
        if rc != 0 and not srv.killed:
            failures.append(f"lifelined exited with {rc}:\n{srv.proc.log()[-4000:]}")
    assert not failures, "\n".join(failures)


DEMO_PASSWORD = "lifeline-demo"


SERVER_USERS = [("admin", DEMO_PASSWORD, "admin", None),
                ("it", DEMO_PASSWORD, "it", "info-centre"),
                ("nurse", DEMO_PASSWORD, "nurse", "ward-3"),
                ("viewer", DEMO_PASSWORD, "viewer", None)]


@pytest.fixture(scope="session")
def server_template(pg, tmp_path_factory):
    """A database migrated and seeded with SERVER_USERS once per session; each
    `server` gets a copy (CREATE DATABASE ... TEMPLATE), which is much faster
    than hashing four passwords per test."""
    name = pg.createdb("tpl_" + uuid.uuid4().hex[:12])
    tmp = tmp_path_factory.mktemp("tpl")
    path = tmp / "tpl.json"
    path.write_text(json.dumps(make_config(pg, name, tmp)))
    for (u, p, role, dept) in SERVER_USERS:
        create_user(path, u, p, role, dept)
    return name


@pytest.fixture
def server(lifelined_factory, pg, server_template):
    """A running lifelined with one user per role in SERVER_USERS (password lifeline-demo)."""
    db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
    return lifelined_factory(db=db)


# ---------- message receivers (issue 4) ----------

class Sink:
    """smtp_sink.py or webhook_sink.py as a separate process."""

    def __init__(self, script, directory, *extra, port=0):
        self.script, self.directory, self.extra = script, pathlib.Path(directory), extra
        self.proc = None
        self.port = port
        self.start()

    def start(self):
        args = [sys.executable, str(pathlib.Path(__file__).parent / self.script), str(self.directory),
                "--port", str(self.port), *self.extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"port (\d+)", line)
        assert m, f"{self.script} did not start: {line!r}"
        self.port = int(m.group(1))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def files(self, ext):
        return sorted(self.directory.glob("*." + ext))


@pytest.fixture
def smtp(tmp_path):
    s = Sink("smtp_sink.py", tmp_path / "mail")
    yield s
    s.stop()


@pytest.fixture
def hooks(tmp_path):
    s = Sink("webhook_sink.py", tmp_path / "hooks")
    yield s
    s.stop()
