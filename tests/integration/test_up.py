"""tools/up, as a person runs it: it comes up, answers, and Ctrl-C stops all it started."""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile

from conftest import ROOT, Process, free_port, http, wait_for


def children_of(pid):
    """Every descendant process id of pid (from /proc)."""
    kids = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def run_up_once(tmp_path, port):
    env = dict(os.environ, LIFELINE_PORT=str(port), LIFELINE_VAR=str(tmp_path / "var"))
    env.pop("LIFELINE_BUILD_DIR", None)
    proc = Process([str(ROOT / "tools" / "up")], tmp_path / f"up-{port}.log", env=env)
    try:
        m = proc.wait_log(r"Lifeline is up: (http://127\.0\.0\.1:\d+/)", timeout=600)
        assert m.group(1) == f"http://127.0.0.1:{port}/"
        assert re.search(r"HIS simulator control: http://127\.0\.0\.1:\d+/", proc.log())
        r = http("GET", f"http://127.0.0.1:{port}/api/v1/health")
        assert r.status == 200 and r.json["status"] == "ok"
        r = http("POST", f"http://127.0.0.1:{port}/api/v1/auth/login",
                 {"username": "pharmacist", "password": "lifeline-demo"})
        assert r.status == 200 and r.json["user"]["department"] == "pharmacy"
        token = r.json["token"]
        # The demo watches the simulator's six subsystems, and they are all up.
        targets = lambda: http("GET", f"http://127.0.0.1:{port}/api/v1/targets",
                               token=token).json["targets"]
        assert len(targets()) == 6
        wait_for(lambda: all(t["state"] == "up" for t in targets()), timeout=60,
                 what="the demo targets up")
        # A second copy refuses cleanly while the port is taken.
        second = subprocess.run([str(ROOT / "tools" / "up")], env=env, capture_output=True,
                                text=True, timeout=120)
        assert second.returncode == 1 and "already in use" in second.stderr
        started = children_of(proc.pid)
        assert started
        # PostgreSQL is daemonised by pg_ctl, so it is not our child: find it by its pid file.
        pidfile = tmp_path / "var" / "pg" / "data" / "postmaster.pid"
        started.append(int(pidfile.read_text().split("\n")[0]))
    finally:
        proc.signal(signal.SIGINT)
        rc = proc.proc.wait(120)
    assert rc in (0, 130), proc.log()
    wait_for(lambda: not any(alive(p) for p in started), timeout=60,
             what="every process tools/up started to stop")
    assert "stopped." in proc.log()


def test_up_comes_up_and_ctrl_c_stops_everything_twice():
    # Not pytest's tmp_path: its parents are private to root, and PostgreSQL runs as postgres.
    base = pathlib.Path(tempfile.mkdtemp(prefix="lifeline-up-"))
    os.chmod(base, 0o755)
    try:
        port = free_port()
        run_up_once(base, port)
        run_up_once(base, port)   # twice in a row: the cluster under var/ is reused
    finally:
        shutil.rmtree(base, ignore_errors=True)
