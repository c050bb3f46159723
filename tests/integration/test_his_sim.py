"""his-sim, the bundled HIS simulator: health endpoints, HL7 v2 over MLLP and
the control API.

Real processes over loopback. Nothing here sleeps on a guess: where the
simulator must have seen a request first, the test polls /control/stats for it;
timing is only ever asserted as a lower bound.
"""
import contextlib
import json
import re
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


# ---- HL7 v2 over MLLP --------------------------------------------------------

VT, FS, CR = b"\x0b", b"\x1c", b"\r"
FRAME_MAX = 1024 * 1024  # MLLP_FRAME_MAX in tests/his-sim/mllp.h


def hl7_message(control_id, msg_type="ADT^A01", sender="LIFELINE", facility="WARD3",
                receiver="HIS", receiver_facility="HOSP"):
    return (f"MSH|^~\\&|{sender}|{facility}|{receiver}|{receiver_facility}|20240102030405||"
            f"{msg_type}|{control_id}|P|2.5\r"
            "EVN|A01|20240102030405\r"
            "PID|1||12345^^^HOSP^MR||Doe^Jane\r").encode()


def framed(payload):
    return VT + payload + FS + CR


class Ack:
    """An HL7 answer: fields by HL7 number, MSH-1 being the separator itself."""

    def __init__(self, payload):
        self.raw = payload
        assert payload.endswith(CR), payload
        self.segments = {}
        for seg in payload.decode("latin-1").split("\r"):
            if seg:
                fields = seg.split("|")
                if fields[0] == "MSH":
                    fields.insert(1, "|")
                self.segments.setdefault(fields[0], []).append(fields)

    def field(self, seg, n):
        fields = self.segments[seg][0]
        return fields[n] if n < len(fields) else ""

    @property
    def code(self):
        return self.field("MSA", 1)

    @property
    def control_id(self):
        return self.field("MSA", 2)

    def __repr__(self):
        return f"<Ack {self.raw!r}>"


class Mllp:
    """A blocking MLLP client: frames what it sends, unframes what it reads."""

    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def send(self, payload):
        self.sock.sendall(framed(payload))

    def read_ack(self):
        """The next framed answer; EOFError when the server closes first."""
        while True:
            start = self.buf.find(VT)
            end = self.buf.find(FS + CR, start + 1) if start >= 0 else -1
            if end >= 0:
                payload = self.buf[start + 1:end]
                self.buf = self.buf[end + 2:]
                return Ack(payload)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the connection")
            self.buf += chunk

    def call(self, payload):
        self.send(payload)
        return self.read_ack()

    def closed_by_server(self):
        """True when the server closes without another answer (FIN or RST)."""
        self.sock.settimeout(30)
        try:
            self.read_ack()
        except (EOFError, ConnectionResetError):
            return True
        return False


def mllp(sim, target, timeout=30):
    return Mllp(sim.state["mllp"][target], timeout=timeout)


def mllp_flaky_pattern(sim, target, n=50):
    with mllp(sim, target) as c:
        out = []
        for i in range(n):
            ack = c.call(hl7_message(f"F{i}"))
            assert ack.code in ("AA", "AE") and ack.control_id == f"F{i}", ack
            out.append(ack.code)
        return out


def test_mllp_every_target_listens_on_its_own_port(his_sim):
    mllp_ports = his_sim.state["mllp"]
    assert sorted(mllp_ports) == sorted(DEFAULT_TARGETS)
    http_ports = set(his_sim.state["targets"].values()) | {his_sim.state["control"]}
    assert len(set(mllp_ports.values())) == len(DEFAULT_TARGETS)
    assert not set(mllp_ports.values()) & http_ports
    s = stats(his_sim)["targets"]
    for name in DEFAULT_TARGETS:
        with mllp(his_sim, name) as c:
            ack = c.call(hl7_message(f"ID-{name}"))
        assert (ack.code, ack.control_id) == ("AA", f"ID-{name}")
        assert s[name]["mllp_port"] == mllp_ports[name]


def test_mllp_ack_names_the_request(his_sim):
    with mllp(his_sim, "his-core") as c:
        ack = c.call(hl7_message("MSG00001", sender="LL", facility="ICU",
                                 receiver="CORE", receiver_facility="CITYHOSP"))
        other = c.call(hl7_message("MSG00002", msg_type="ORM"))
    assert ack.raw.startswith(b"MSH|^~\\&|HIS-SIM|CITYHOSP|LL|ICU|"), ack
    assert [ack.field("MSH", n) for n in (2, 3, 4, 5, 6)] == ["^~\\&", "HIS-SIM", "CITYHOSP",
                                                              "LL", "ICU"]
    assert re.fullmatch(r"\d{14}", ack.field("MSH", 7)), ack
    assert ack.field("MSH", 9) == "ACK^A01^ACK"
    assert [ack.field("MSH", n) for n in (11, 12)] == ["P", "2.5"]
    assert ack.field("MSH", 10) and ack.field("MSH", 10) != other.field("MSH", 10)
    assert ack.field("MSH", 10) not in ("MSG00001", "MSG00002")
    assert (ack.code, ack.control_id) == ("AA", "MSG00001")
    assert "ERR" not in ack.segments
    assert other.field("MSH", 9) == "ACK^^ACK" and other.control_id == "MSG00002"


def test_mllp_many_messages_on_one_connection(his_sim):
    with mllp(his_sim, "lis") as c:
        for i in range(25):
            ack = c.call(hl7_message(f"KEEP{i}"))
            assert (ack.code, ack.control_id) == ("AA", f"KEEP{i}")
        t = target_stats(his_sim, "lis")
        assert (t["mllp_requests"], t["mllp_answered"], t["mllp_connections"]) == (25, 25, 1)
    wait_for(lambda: target_stats(his_sim, "lis")["mllp_connections"] == 0,
             what="the closed connection to go")


def test_mllp_frame_split_across_sends(his_sim):
    msg = hl7_message("SPLIT-1")
    # Split at every awkward place: before the VT, inside MSH, between FS and CR.
    pieces = [b"\r\n", VT, msg[:5], msg[5:40], msg[40:], FS, CR]
    with mllp(his_sim, "pacs") as c:
        for piece in pieces[:-1]:
            c.sock.sendall(piece)
            # A control round trip: by its answer the simulator has read the piece.
            assert target_stats(his_sim, "pacs")["mllp_requests"] == 0
        c.sock.sendall(pieces[-1])
        ack = c.read_ack()
        assert (ack.code, ack.control_id) == ("AA", "SPLIT-1")
        c.send(hl7_message("SPLIT-2"))
        assert c.read_ack().control_id == "SPLIT-2"
        # One byte at a time works as well.
        for byte in framed(hl7_message("BYTES")):
            c.sock.sendall(bytes([byte]))
        assert c.read_ack().control_id == "BYTES"


def test_mllp_several_frames_in_one_send(his_sim):
    with mllp(his_sim, "emr") as c:
        fourth = framed(hl7_message("D"))
        c.sock.sendall(b"".join(framed(hl7_message(x)) for x in "ABC") + fourth[:30])
        assert [c.read_ack().control_id for _ in range(3)] == ["A", "B", "C"]
        c.sock.sendall(fourth[30:])
        ack = c.read_ack()
        assert (ack.code, ack.control_id) == ("AA", "D")
    assert target_stats(his_sim, "emr")["mllp_requests"] == 4


def test_mllp_bytes_outside_frames_are_skipped(his_sim):
    with mllp(his_sim, "his-db") as c:
        c.sock.sendall(b"GET /health HTTP/1.1\r\n\r\n\x1c\r\x00\xff")
        assert c.call(hl7_message("AFTER-JUNK")).code == "AA"
        c.sock.sendall(b"\r\n" + framed(hl7_message("X")) + b"\n\n" + framed(hl7_message("Y")))
        assert [c.read_ack().control_id for _ in range(2)] == ["X", "Y"]
    assert target_stats(his_sim, "his-db")["mllp_requests"] == 3


@pytest.mark.parametrize("payload,err_code,err_where,control_id", [
    (b"hello, world", "100", "MSH^1", ""),
    (b"", "100", "MSH^1", ""),
    (b"PID|1||12345\rMSH|^~\\&|A|B|C|D|20240101||ADT^A01|X|P|2.5\r", "100", "MSH^1", ""),
    (b"MSH|^~|A|B|C|D|20240101||ADT^A01|X|P|2.5\r", "102", "MSH^1", ""),
    (b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01||P|2.5\r", "101", "MSH^1^10", ""),
    (b"MSH|^~\\&|A|B|C|D|20240101|||X|P|2.5\r", "101", "MSH^1^9", "X"),
    (b"\x00\xff\xfe binary \x0b", "100", "MSH^1", ""),
])
def test_mllp_message_without_a_valid_msh_is_rejected_with_ar(his_sim, payload, err_code,
                                                               err_where, control_id):
    with mllp(his_sim, "insurance") as c:
        ack = c.call(payload)
        assert ack.code == "AR", ack
        assert ack.control_id == control_id
        assert ack.field("MSH", 3) == "HIS-SIM" and ack.field("MSH", 9).startswith("ACK")
        assert ack.field("ERR", 2) == err_where
        assert ack.field("ERR", 3).split("^")[0] == err_code
        assert ack.field("ERR", 3).split("^")[2] == "HL70357"
        assert ack.field("ERR", 4) == "E" and ack.field("ERR", 8)
        # The connection is still good.
        ack = c.call(hl7_message("GOOD"))
        assert (ack.code, ack.control_id) == ("AA", "GOOD")
    assert stats(his_sim)["received"]["mllp"] == 2


def test_mllp_down_refuse_closes_it_and_up_serves_the_same_port(his_sim):
    port = his_sim.state["mllp"]["his-core"]
    with mllp(his_sim, "his-core") as before:
        assert before.call(hl7_message("BEFORE")).code == "AA"
        t = his_sim.ctl("down", target="his-core", mode="refuse")["targets"]["his-core"]
        assert (t["mode"], t["mllp_port"], t["mllp_connections"]) == ("refuse", port, 0)
        assert before.closed_by_server(), "refuse closes open MLLP connections too"
    assert refused(port)
    assert refused(his_sim.state["targets"]["his-core"])
    with mllp(his_sim, "lis") as other:
        assert other.call(hl7_message("OTHER")).code == "AA", "other targets stay up"

    t = his_sim.ctl("up", target="his-core")["targets"]["his-core"]
    assert (t["state"], t["mllp_port"]) == ("up", port)
    with mllp(his_sim, "his-core") as after:
        ack = after.call(hl7_message("AFTER"))
    assert (ack.code, ack.control_id) == ("AA", "AFTER")
    assert health(his_sim, "his-core").status == 200


def test_mllp_down_503_answers_ae(his_sim):
    his_sim.ctl("down", target="lis", mode="503")
    with mllp(his_sim, "lis") as c:
        for i in range(3):
            ack = c.call(hl7_message(f"AE{i}"))
            assert (ack.code, ack.control_id) == ("AE", f"AE{i}")
            assert ack.field("MSH", 9) == "ACK^A01^ACK"
            assert ack.field("ERR", 3).split("^")[0] == "207"
            assert "lis" in ack.field("ERR", 8)
        t = target_stats(his_sim, "lis")
        assert (t["mllp_requests"], t["mllp_answered"], t["mllp_failures_injected"]) == (3, 3, 3)
        assert (t["requests"], t["failures_injected"]) == (0, 0), "HTTP counters are HTTP's"
        assert stats(his_sim)["received"]["mllp"] == 0, "a failed message was not handled"
        his_sim.ctl("up", target="lis")
        assert c.call(hl7_message("UP")).code == "AA", "the same connection recovers"


def test_mllp_hang_holds_messages_until_up(his_sim):
    his_sim.ctl("down", target="emr", mode="hang")
    with mllp(his_sim, "emr") as first, mllp(his_sim, "emr") as second:
        first.send(hl7_message("HELD-1"))
        first.sock.settimeout(0.5)
        with pytest.raises(socket.timeout):
            first.read_ack()
        second.send(hl7_message("HELD-2"))
        wait_for(lambda: target_stats(his_sim, "emr")["mllp_hanging"] == 2,
                 what="two held messages")
        t = target_stats(his_sim, "emr")
        assert (t["mllp_hung"], t["mllp_answered"], t["hanging"]) == (2, 0, 0)

        his_sim.ctl("up", target="emr")
        # A held message is never answered: coming up drops its connection.
        assert first.closed_by_server()
        assert second.closed_by_server()
    assert target_stats(his_sim, "emr")["mllp_hanging"] == 0
    with mllp(his_sim, "emr") as c:
        assert c.call(hl7_message("AFTER")).code == "AA"


def test_mllp_slow_delays_every_ack_in_order(his_sim):
    his_sim.ctl("slow", target="his-db", ms=300)
    with mllp(his_sim, "his-db") as c:
        t0 = time.monotonic()
        assert c.call(hl7_message("SLOW")).code == "AA"
        assert time.monotonic() - t0 >= 0.3
        # Two in one send: one at a time per connection, so the second waits twice.
        t0 = time.monotonic()
        c.sock.sendall(framed(hl7_message("S1")) + framed(hl7_message("S2")))
        assert c.read_ack().control_id == "S1"
        assert c.read_ack().control_id == "S2"
        assert time.monotonic() - t0 >= 0.6
    # A client that leaves before its late ACK does not hurt the simulator.
    with mllp(his_sim, "his-db") as gone:
        gone.send(hl7_message("GONE"))
        wait_for(lambda: target_stats(his_sim, "his-db")["mllp_delayed"] == 1,
                 what="a delayed ACK")
    wait_for(lambda: target_stats(his_sim, "his-db")["mllp_delayed"] == 0,
             what="the late ACK to a client that left")
    his_sim.ctl("up", target="his-db")
    with mllp(his_sim, "his-db") as c:
        assert c.call(hl7_message("FAST")).code == "AA"


def test_mllp_flaky_is_deterministic_and_shares_the_http_draw(his_sim):
    his_sim.ctl("flaky", target="pacs", p="0.3", seed=42)
    first = mllp_flaky_pattern(his_sim, "pacs")
    failures = first.count("AE")
    assert 5 <= failures <= 25, f"p=0.3 over 50 messages gave {failures} failures"
    assert target_stats(his_sim, "pacs")["mllp_failures_injected"] == failures

    his_sim.ctl("flaky", target="pacs", p="0.3", seed=42)
    assert mllp_flaky_pattern(his_sim, "pacs") == first, "same seed, same outcomes"
    his_sim.ctl("flaky", target="pacs", p="0.3", seed=43)
    assert mllp_flaky_pattern(his_sim, "pacs") != first, "another seed, other outcomes"
    # The same decision function as HTTP: the same seed fails the same draws.
    his_sim.ctl("flaky", target="pacs", p="0.3", seed=42)
    http_pattern = ["AA" if s == 200 else "AE" for s in flaky_pattern(his_sim, "pacs")]
    assert http_pattern == first

    his_sim.ctl("up", target="pacs")
    assert mllp_flaky_pattern(his_sim, "pacs", 10) == ["AA"] * 10


def test_mllp_stats_count_and_reset_zeroes(his_sim):
    with mllp(his_sim, "lis") as c:
        for i in range(3):
            assert c.call(hl7_message(f"N{i}")).code == "AA"
        assert c.call(b"no msh here").code == "AR"
    assert health(his_sim, "lis").status == 200
    s = stats(his_sim)
    lis = s["targets"]["lis"]
    assert (lis["mllp_requests"], lis["mllp_answered"], lis["mllp_failures_injected"]) == (4, 4, 0)
    assert (lis["requests"], lis["answered"]) == (1, 1)
    assert s["received"] == {"health": 1, "not_found": 0, "mllp": 4}
    for name in DEFAULT_TARGETS:
        if name != "lis":
            assert s["targets"][name]["mllp_requests"] == 0

    his_sim.ctl("down", target="insurance", mode="hang")
    with mllp(his_sim, "insurance") as held:
        held.send(hl7_message("HELD"))
        wait_for(lambda: target_stats(his_sim, "insurance")["mllp_hanging"] == 1,
                 what="a held message")
        res = his_sim.ctl("reset")
        assert held.closed_by_server()
    for name, t in res["targets"].items():
        assert {k: t[k] for k in ("mllp_requests", "mllp_answered", "mllp_failures_injected",
                                  "mllp_hung", "mllp_hanging", "mllp_delayed")} == {
            "mllp_requests": 0, "mllp_answered": 0, "mllp_failures_injected": 0,
            "mllp_hung": 0, "mllp_hanging": 0, "mllp_delayed": 0}, name
        assert t["mllp_port"] == his_sim.state["mllp"][name]
    assert stats(his_sim)["received"] == {"health": 0, "not_found": 0, "mllp": 0}


def test_mllp_half_close_still_gets_its_acks(his_sim):
    with mllp(his_sim, "pacs") as c:
        c.sock.sendall(framed(hl7_message("H1")) + framed(hl7_message("H2")) + VT + b"MSH|part")
        c.sock.shutdown(socket.SHUT_WR)
        assert [c.read_ack().control_id for _ in range(2)] == ["H1", "H2"]
        assert c.closed_by_server(), "a partial frame at the end is never answered"
    assert target_stats(his_sim, "pacs")["mllp_requests"] == 2


def test_mllp_oversize_frame_closes_the_connection(his_sim):
    head = hl7_message("BIG") + b"NTE|1||"
    biggest = head + b"x" * (FRAME_MAX - len(head) - 1) + CR
    assert len(biggest) == FRAME_MAX
    with mllp(his_sim, "his-core") as c:
        ack = c.call(biggest)
        assert (ack.code, ack.control_id) == ("AA", "BIG"), "exactly the limit is fine"
        try:
            c.sock.sendall(VT + head + b"x" * (FRAME_MAX + 1 - len(head)))
        except (BrokenPipeError, ConnectionResetError):
            pass  # it may hang up on us before we are done: that is the point
        assert c.closed_by_server()
    assert "a frame longer than 1048576 bytes" in his_sim.proc.log()
    wait_for(lambda: target_stats(his_sim, "his-core")["mllp_connections"] == 0,
             what="the oversize connection to go")
    t = target_stats(his_sim, "his-core")
    assert (t["mllp_requests"], t["mllp_answered"]) == (1, 1), "an oversize frame is no message"
    with mllp(his_sim, "his-core") as c:
        assert c.call(hl7_message("AFTER")).code == "AA"


def test_mllp_sigterm_with_held_and_delayed_messages_exits_0(his_sim):
    his_sim.ctl("down", target="insurance", mode="hang")
    his_sim.ctl("slow", target="lis", ms=600000)
    with mllp(his_sim, "insurance") as held, mllp(his_sim, "lis") as delayed:
        held.send(hl7_message("HELD"))
        delayed.send(hl7_message("LATE"))
        # And a connection in the middle of a frame.
        with mllp(his_sim, "pacs") as partial:
            partial.sock.sendall(VT + b"MSH|^~")
            wait_for(lambda: (target_stats(his_sim, "insurance")["mllp_hanging"],
                              target_stats(his_sim, "lis")["mllp_delayed"],
                              target_stats(his_sim, "pacs")["mllp_connections"]) == (1, 1, 1),
                     what="one held, one delayed and one open MLLP connection")
            assert his_sim.proc.stop() == 0, his_sim.proc.log()
            assert partial.closed_by_server()
        assert held.closed_by_server()
        assert delayed.closed_by_server()


def test_mllp_option_chooses_targets_and_ports(tmp_path):
    p1 = free_port()
    with started_sim(tmp_path, "--targets", "his-core,lis,pacs",
                     "--mllp", f"lis={p1},pacs") as sim:
        assert sorted(sim.state["mllp"]) == ["lis", "pacs"]
        assert sim.state["mllp"]["lis"] == p1 and sim.state["mllp"]["pacs"] > 0
        s = stats(sim)["targets"]
        assert s["his-core"]["mllp_port"] is None and s["his-core"]["mllp_requests"] == 0
        with Mllp(p1) as c:
            assert c.call(hl7_message("FIXED")).code == "AA"
        sim.ctl("down", target="lis")
        assert refused(p1)
        sim.ctl("up", target="lis")
        with Mllp(p1) as c:
            assert c.call(hl7_message("AGAIN")).code == "AA"
    with started_sim(tmp_path, "--no-mllp", name="none") as sim:
        assert sim.state["mllp"] == {}
        assert sorted(sim.state["targets"]) == sorted(DEFAULT_TARGETS)
        assert all(t["mllp_port"] is None for t in stats(sim)["targets"].values())
        sim.ctl("down", mode="refuse")
        assert sim.ctl("up")["targets"]["lis"]["state"] == "up"


def test_a_taken_mllp_port_fails_start_up_clearly(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        state_file = tmp_path / "never.json"
        out = run_sim("--mllp", f"lis={port}", "--state-file", str(state_file))
        assert out.returncode == 1, out
        assert f"127.0.0.1:{port}" in out.stderr and "MLLP" in out.stderr
        assert "--mllp" in out.stderr
        assert not state_file.exists()
