"""his-sim, the bundled HIS simulator: health endpoints, HL7 v2 over MLLP and
the control API.

Real processes over loopback. Nothing here sleeps on a guess: where the
simulator must have seen a request first, the test polls /control/stats for it;
timing is only ever asserted as a lower bound.
"""
import contextlib
import json
import signal
import socket
import subprocess
import time
import urllib.error

import pytest

from conftest import HisSim, Process, binary, free_port, http, wait_for

DEFAULT_TARGETS = ["his-core", "his-db", "lis", "pacs", "emr", "insurance"]


# ---- helpers ---------------------------------------------------------------

@contextlib.contextmanager
def started_sim(tmp_path, *args, name="extra"):
    """A his-sim of our own with extra arguments; must exit 0 on SIGTERM."""
    state_file = tmp_path / f"{name}.json"
    proc = Process([binary("tests/his-sim/his-sim"), "--control", "127.0.0.1:0",
                    "--state-file", str(state_file), *args], tmp_path / f"{name}.log")
    try:
        wait_for(lambda: state_file.exists() and state_file.stat().st_size > 0,
                 what="his-sim state file")
        yield HisSim(proc, json.loads(state_file.read_text()))
    finally:
        rc = proc.stop()
        assert rc == 0, f"his-sim exited with {rc}:\n{proc.log()}"


def run_sim(*args, timeout=60):
    return subprocess.run([binary("tests/his-sim/his-sim"), *args], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def health(sim, target, timeout=30):
    return http("GET", sim.target_url(target), timeout=timeout)


def stats(sim):
    return sim.ctl("stats")


def target_stats(sim, target):
    return stats(sim)["targets"][target]


def raw_request(port, path="/health", timeout=30):
    """Sends one request on a raw socket and returns the socket, unread."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return s


def read_until_closed(s):
    """Everything the server sends until it closes; b'' if it closes without a word."""
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return data
            data += chunk
    except ConnectionResetError:
        return data
    finally:
        s.close()


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=10).close()
    except ConnectionRefusedError:
        return True
    return False


def flaky_pattern(sim, target, n=50):
    out = []
    for _ in range(n):
        r = health(sim, target)
        assert r.status in (200, 503), r
        out.append(r.status)
    return out


# ---- health ----------------------------------------------------------------

def test_every_default_target_answers_health_on_its_own_port(his_sim):
    assert sorted(his_sim.state["targets"]) == sorted(DEFAULT_TARGETS)
    ports = set(his_sim.state["targets"].values())
    assert len(ports) == len(DEFAULT_TARGETS) and his_sim.state["control"] not in ports
    for name in DEFAULT_TARGETS:
        r = health(his_sim, name)
        assert r.status == 200, r
        assert r.headers["Content-Type"] == "application/json"
        assert r.json == {"status": "ok", "target": name}
    assert his_sim.state["pid"] == his_sim.proc.pid


def test_unknown_path_on_a_target_is_404_json(his_sim):
    r = http("GET", his_sim.target_url("lis", "/nope"))
    assert r.status == 404
    assert r.json["error"]["code"] == "not_found"
    r = http("POST", his_sim.target_url("lis"), body={"x": 1})
    assert r.status == 405
    assert r.json["error"]["code"] == "method_not_allowed"


# ---- down / up ---------------------------------------------------------------

def test_down_refuse_refuses_connections_and_up_serves_the_same_port(his_sim):
    port = his_sim.state["targets"]["his-core"]
    res = his_sim.ctl("down", target="his-core", mode="refuse")
    assert list(res["targets"]) == ["his-core"]
    assert res["targets"]["his-core"]["state"] == "down"
    assert res["targets"]["his-core"]["mode"] == "refuse"
    assert refused(port)
    assert health(his_sim, "lis").status == 200, "other targets stay up"

    res = his_sim.ctl("up", target="his-core")
    t = res["targets"]["his-core"]
    assert (t["state"], t["mode"], t["port"]) == ("up", "normal", port)
    r = health(his_sim, "his-core")
    assert r.status == 200 and r.json["target"] == "his-core"


def test_down_without_mode_refuses(his_sim):
    res = his_sim.ctl("down", target="pacs")
    assert res["targets"]["pacs"]["mode"] == "refuse"
    assert refused(his_sim.state["targets"]["pacs"])


def test_down_503_answers_503_json(his_sim):
    his_sim.ctl("down", target="lis", mode="503")
    for _ in range(3):
        r = health(his_sim, "lis")
        assert r.status == 503
        assert r.json["error"]["code"] == "unavailable"
    t = target_stats(his_sim, "lis")
    assert (t["state"], t["mode"]) == ("down", "503")
    assert t["requests"] == 3 and t["failures_injected"] == 3
    his_sim.ctl("up", target="lis")
    assert health(his_sim, "lis").status == 200


def test_down_hang_holds_requests_until_up(his_sim):
    his_sim.ctl("down", target="emr", mode="hang")
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        health(his_sim, "emr", timeout=0.5)
    held = raw_request(his_sim.state["targets"]["emr"])
    wait_for(lambda: target_stats(his_sim, "emr")["hanging"] == 2, what="two hung requests")
    t = target_stats(his_sim, "emr")
    assert (t["state"], t["mode"], t["hung"], t["answered"]) == ("down", "hang", 2, 0)

    his_sim.ctl("up", target="emr")
    # A hung request is never answered: coming up drops its connection.
    assert read_until_closed(held) == b""
    assert target_stats(his_sim, "emr")["hanging"] == 0
    r = health(his_sim, "emr")
    assert r.status == 200 and r.json["target"] == "emr"
    assert his_sim.proc.alive()


def test_sigterm_with_hung_and_delayed_requests_exits_0(his_sim):
    his_sim.ctl("down", target="insurance", mode="hang")
    his_sim.ctl("slow", target="lis", ms=600000)
    hung = raw_request(his_sim.state["targets"]["insurance"])
    delayed = raw_request(his_sim.state["targets"]["lis"])
    wait_for(lambda: (target_stats(his_sim, "insurance")["hanging"],
                      target_stats(his_sim, "lis")["delayed"]) == (1, 1),
             what="one hung and one delayed request")
    assert his_sim.proc.stop() == 0, his_sim.proc.log()
    assert read_until_closed(hung) == b""
    assert read_until_closed(delayed) == b""


# ---- slow / flaky ------------------------------------------------------------

def test_slow_delays_every_answer(his_sim):
    res = his_sim.ctl("slow", target="his-db", ms=300)
    assert res["targets"]["his-db"]["slow_ms"] == 300
    assert res["targets"]["his-db"]["state"] == "up"
    for path, status in (("/health", 200), ("/nope", 404)):
        t0 = time.monotonic()
        r = http("GET", his_sim.target_url("his-db", path))
        assert time.monotonic() - t0 >= 0.3
        assert r.status == status
    # A client that gives up before the late answer does not hurt the simulator.
    raw_request(his_sim.state["targets"]["his-db"]).close()
    wait_for(lambda: target_stats(his_sim, "his-db")["requests"] == 3, what="the third request")
    wait_for(lambda: target_stats(his_sim, "his-db")["delayed"] == 0,
             what="the late answer to a client that left")
    assert his_sim.ctl("up", target="his-db")["targets"]["his-db"]["slow_ms"] == 0
    assert health(his_sim, "his-db").status == 200


def test_flaky_is_deterministic_for_a_seed(his_sim, tmp_path):
    res = his_sim.ctl("flaky", target="emr", p="0.3", seed=42)
    assert res["targets"]["emr"]["flaky"] == {"p": 0.3, "seed": 42}
    assert res["targets"]["emr"]["state"] == "up"
    first = flaky_pattern(his_sim, "emr")
    failures = first.count(503)
    assert 5 <= failures <= 25, f"p=0.3 over 50 requests gave {failures} failures"
    assert target_stats(his_sim, "emr")["failures_injected"] == failures

    his_sim.ctl("flaky", target="emr", p="0.3", seed=42)
    assert flaky_pattern(his_sim, "emr") == first, "same seed, same outcomes"
    his_sim.ctl("flaky", target="emr", p="0.3", seed=43)
    assert flaky_pattern(his_sim, "emr") != first, "another seed, other outcomes"

    with started_sim(tmp_path) as other:
        other.ctl("flaky", target="emr", p="0.3", seed=42)
        assert flaky_pattern(other, "emr") == first, "same seed in another process"

    his_sim.ctl("up", target="emr")
    assert target_stats(his_sim, "emr")["flaky"] is None
    assert all(health(his_sim, "emr").status == 200 for _ in range(10))


def test_flaky_without_seed_uses_the_command_line_seed(tmp_path):
    with started_sim(tmp_path, "--seed", "42") as sim:
        assert stats(sim)["seed"] == 42
        sim.ctl("flaky", target="lis", p="0.3", seed=42)
        seeded = flaky_pattern(sim, "lis", 30)
        sim.ctl("flaky", target="lis", p="0.3")
        assert flaky_pattern(sim, "lis", 30) == seeded


def test_flaky_extremes(his_sim):
    his_sim.ctl("flaky", target="pacs", p="1")
    assert all(health(his_sim, "pacs").status == 503 for _ in range(5))
    his_sim.ctl("flaky", target="pacs", p="0")
    assert all(health(his_sim, "pacs").status == 200 for _ in range(5))


# ---- stats / reset -----------------------------------------------------------

def test_stats_counts_requests(his_sim):
    for _ in range(3):
        assert health(his_sim, "pacs").status == 200
    assert http("GET", his_sim.target_url("pacs", "/missing")).status == 404
    s = stats(his_sim)
    assert s["action"] == "stats"
    assert sorted(s["targets"]) == sorted(DEFAULT_TARGETS)
    pacs = s["targets"]["pacs"]
    assert (pacs["requests"], pacs["answered"], pacs["failures_injected"]) == (4, 4, 0)
    assert s["received"] == {"health": 3, "not_found": 1, "mllp": 0}
    for name in DEFAULT_TARGETS:
        if name != "pacs":
            assert s["targets"][name]["requests"] == 0
    only = his_sim.ctl("stats", target="pacs")
    assert list(only["targets"]) == ["pacs"]


def test_a_command_without_target_applies_to_every_target(his_sim):
    res = his_sim.ctl("down", mode="503")
    assert sorted(res["targets"]) == sorted(DEFAULT_TARGETS)
    for name in DEFAULT_TARGETS:
        assert res["targets"][name]["mode"] == "503"
        assert health(his_sim, name).status == 503
    res = his_sim.ctl("up")
    assert all(t["state"] == "up" for t in res["targets"].values())
    res = his_sim.ctl("down", target="lis,pacs", mode="503")
    assert sorted(res["targets"]) == ["lis", "pacs"]


def test_reset_brings_everything_up_and_zeroes_counters(his_sim):
    for name in DEFAULT_TARGETS:
        health(his_sim, name)
    his_sim.ctl("down", target="his-db", mode="refuse")
    his_sim.ctl("down", target="lis", mode="503")
    his_sim.ctl("down", target="insurance", mode="hang")
    his_sim.ctl("slow", target="pacs", ms=250)
    his_sim.ctl("flaky", target="emr", p="0.5", seed=1)
    held = raw_request(his_sim.state["targets"]["insurance"])
    wait_for(lambda: target_stats(his_sim, "insurance")["hanging"] == 1, what="a hung request")

    res = his_sim.ctl("reset")
    assert sorted(res["targets"]) == sorted(DEFAULT_TARGETS)
    for name, t in res["targets"].items():
        assert t["port"] == his_sim.state["targets"][name]
        assert {k: t[k] for k in ("state", "mode", "slow_ms", "flaky", "requests", "answered",
                                  "failures_injected", "hung", "hanging", "delayed")} == {
            "state": "up", "mode": "normal", "slow_ms": 0, "flaky": None, "requests": 0,
            "answered": 0, "failures_injected": 0, "hung": 0, "hanging": 0, "delayed": 0}, name
    assert stats(his_sim)["received"] == {"health": 0, "not_found": 0, "mllp": 0}
    assert read_until_closed(held) == b""
    for name in DEFAULT_TARGETS:
        assert health(his_sim, name).status == 200, name


# ---- bad input -------------------------------------------------------------

@pytest.mark.parametrize("verb,query,field,code", [
    ("down", "target=nope", "target", "unknown_target"),
    ("down", "target=lis,nope", "target", "unknown_target"),
    ("down", "target=", "target", "invalid_value"),
    ("down", "target=lis&mode=sideways", "mode", "invalid_value"),
    ("down", "target=lis&mode=normal", "mode", "invalid_value"),
    ("down", "target=lis&mood=hang", "mood", "unknown_parameter"),
    ("down", "target=lis&target=pacs", "target", "duplicate_parameter"),
    ("up", "target=NOPE", "target", "unknown_target"),
    ("slow", "target=lis", "ms", "missing_parameter"),
    ("slow", "target=lis&ms=abc", "ms", "invalid_value"),
    ("slow", "target=lis&ms=-5", "ms", "invalid_value"),
    ("slow", "target=lis&ms=1e3", "ms", "invalid_value"),
    ("slow", "target=lis&ms=600001", "ms", "invalid_value"),
    ("slow", "target=lis&ms=99999999999999999999999", "ms", "invalid_value"),
    ("flaky", "target=lis", "p", "missing_parameter"),
    ("flaky", "target=lis&p=1.5", "p", "invalid_value"),
    ("flaky", "target=lis&p=-0.1", "p", "invalid_value"),
    ("flaky", "target=lis&p=nan", "p", "invalid_value"),
    ("flaky", "target=lis&p=0x0.8", "p", "invalid_value"),
    ("flaky", "target=lis&p=0.3&seed=x", "seed", "invalid_value"),
    ("flaky", "target=lis&p=0.3&seed=-1", "seed", "invalid_value"),
    ("reset", "target=nope", "target", "unknown_target"),
    ("stats", "target=nope", "target", "unknown_target"),
])
def test_bad_parameters_answer_400_naming_the_field(his_sim, verb, query, field, code):
    method = "GET" if verb == "stats" else "POST"
    r = http(method, f"{his_sim.control}/control/{verb}?{query}")
    assert r.status == 400, r
    assert r.headers["Content-Type"] == "application/json"
    err = r.json["error"]
    assert (err["code"], err["field"]) == (code, field)
    assert err["message"]
    # Nothing changed.
    for name, t in stats(his_sim)["targets"].items():
        assert (t["state"], t["slow_ms"], t["flaky"]) == ("up", 0, None), name


def test_unknown_command_path_and_method(his_sim):
    r = http("POST", f"{his_sim.control}/control/explode")
    assert r.status == 404 and r.json["error"]["code"] == "not_found"
    r = http("GET", f"{his_sim.control}/elsewhere")
    assert r.status == 404 and r.json["error"]["code"] == "not_found"
    r = http("GET", f"{his_sim.control}/control/down?target=lis")
    assert r.status == 405 and r.json["error"]["code"] == "method_not_allowed"
    assert r.headers["Allow"] == "POST"
    r = http("POST", f"{his_sim.control}/control/stats")
    assert r.status == 405
    assert health(his_sim, "lis").status == 200, "a refused GET /control/down changed nothing"


def test_garbage_requests_do_not_hurt_it(his_sim):
    for port in (his_sim.state["control"], his_sim.state["targets"]["lis"]):
        for junk in (b"\x00\xff garbage\r\n\r\n", b"GET /health HTTP/9.9\r\n\r\n",
                     b"GET " + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
                     b"POST /control/up HTTP/1.1\r\nContent-Length: -1\r\n\r\n"):
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            try:
                s.sendall(junk)
                s.shutdown(socket.SHUT_WR)
            except OSError:  # it may hang up on us mid-way: that is fine
                pass
            read_until_closed(s)
    r = http("POST", f"{his_sim.control}/control/down?target=lis&mode=%zz")
    assert r.status == 400 and r.json["error"]["field"] == "mode"
    assert health(his_sim, "lis").status == 200
    assert stats(his_sim)["action"] == "stats"


# ---- command line ----------------------------------------------------------

def two_free_ports():
    a = free_port()
    b = free_port()
    while b == a:
        b = free_port()
    return a, b


def test_targets_option_chooses_targets_and_fixed_ports(tmp_path):
    p1, p2 = two_free_ports()
    with started_sim(tmp_path, "--targets", f"his-core={p1},lis={p2},pharmacy") as sim:
        ports = sim.state["targets"]
        assert (ports["his-core"], ports["lis"]) == (p1, p2)
        assert sorted(ports) == ["his-core", "lis", "pharmacy"] and ports["pharmacy"] > 0
        for name in ports:
            assert health(sim, name).json == {"status": "ok", "target": name}
        assert sorted(stats(sim)["targets"]) == ["his-core", "lis", "pharmacy"]
        r = http("POST", f"{sim.control}/control/down?target=pacs")
        assert r.status == 400 and r.json["error"]["field"] == "target"
        sim.ctl("down", target="lis")
        assert refused(p2)
        sim.ctl("up", target="lis")
        assert http("GET", f"http://127.0.0.1:{p2}/health").status == 200


def test_version_and_help():
    out = run_sim("--version")
    assert out.returncode == 0 and out.stdout.startswith("his-sim (Lifeline) ")
    out = run_sim("--help")
    assert out.returncode == 0 and "--targets" in out.stdout and "/control/down" in out.stdout


@pytest.mark.parametrize("args", [
    ["--targets", "his-core=notaport"],
    ["--targets", "his-core=70000"],
    ["--targets", "Bad Name=1"],
    ["--targets", "lis,lis"],
    ["--targets", ","],
    ["--control", "127.0.0.1"],
    ["--seed", "-3"],
    ["--mllp", "nope"],
    ["--mllp", "lis=notaport"],
    ["--mllp", "lis,lis"],
    ["--mllp", ","],
    ["--mllp", "lis", "--no-mllp"],
    ["--targets", "lis=20001,pacs", "--mllp", "pacs=20001"],
    ["--mllp", "lis=20002,pacs=20002"],
    ["--bogus"],
    ["stray"],
])
def test_usage_errors_exit_2(args):
    out = run_sim(*args)
    assert out.returncode == 2, out
    assert out.stderr.startswith("his-sim: ") and "--help" in out.stderr


def test_a_taken_port_fails_start_up_clearly(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        state_file = tmp_path / "never.json"
        out = run_sim("--targets", f"lis={port}", "--state-file", str(state_file))
        assert out.returncode == 1, out
        assert f"127.0.0.1:{port}" in out.stderr
        assert not state_file.exists()
        out = run_sim("--control", f"127.0.0.1:{port}")
        assert out.returncode == 1 and f"127.0.0.1:{port}" in out.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_it_cleanly(tmp_path, sig):
    state_file = tmp_path / "sim.json"
    proc = Process([binary("tests/his-sim/his-sim"), "--state-file", str(state_file)],
                   tmp_path / "sim.log")
    try:
        m = proc.wait_log(r"his-sim: control on http://127\.0\.0\.1:(\d+)/")
        state = json.loads(state_file.read_text())
        assert int(m.group(1)) == state["control"]
        assert http("GET", f"http://127.0.0.1:{state['control']}/control/stats").status == 200
        proc.signal(sig)
        assert proc.proc.wait(60) == 0, proc.log()
        assert not state_file.exists(), "the state file goes with the process"
    finally:
        proc.stop()
