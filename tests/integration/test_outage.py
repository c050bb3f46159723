"""Outages through the API, as IT staff, nurses and the leadership see them."""
import json
import signal
import threading
import urllib.request

import pytest

from conftest import DEMO_PASSWORD, wait_for


@pytest.fixture
def clocked(lifelined_factory, pg, server_template):
    """A server whose clock the tests may move (testing.clock_control)."""
    db = pg.createdb("t_clk_" + __import__("uuid").uuid4().hex[:8], template=server_template)
    return lifelined_factory(db=db, testing={"clock_control": True})


def tokens(srv):
    return {u: srv.login(u, DEMO_PASSWORD) for u in ("admin", "it", "nurse", "viewer")}


def declare(srv, token, **body):
    body.setdefault("level", "1")
    body.setdefault("reason", "HIS core server down")
    return srv.api("POST", "/api/v1/outages", body, token=token)


def timeline(srv, token, oid):
    r = srv.api("GET", f"/api/v1/outages/{oid}", token=token)
    assert r.status == 200, r
    return r.json["timeline"]


def test_it_runs_an_outage_from_declaration_to_resolve(server):
    t = tokens(server)
    r = declare(server, t["it"], targets=["his-core"])
    assert r.status == 201, r
    o = r.json["outage"]
    assert o["status"] == "confirmed" and o["level"] == "1" and o["opened_by"] == "it"
    assert o["targets"] == ["his-core"] and o["drill"] is False
    assert o["next_threshold"]["tier"] == "30m"
    oid = o["id"]

    assert declare(server, t["it"]).status == 409   # one real outage at a time
    listed = server.api("GET", "/api/v1/outages?open=1", token=t["viewer"]).json["outages"]
    assert [x["id"] for x in listed] == [oid]

    r = server.api("POST", f"/api/v1/outages/{oid}/confirm", {}, token=t["it"])
    assert r.status == 409 and r.json["error"]["code"] == "wrong_state"
    r = server.api("POST", f"/api/v1/outages/{oid}/level", {"level": "2"}, token=t["it"])
    assert r.status == 400 and r.json["error"]["field"] == "/reason"
    r = server.api("POST", f"/api/v1/outages/{oid}/level",
                   {"level": "2", "reason": "only the LIS is affected"}, token=t["it"])
    assert r.status == 200 and r.json["outage"]["level"] == "2"
    r = server.api("POST", f"/api/v1/outages/{oid}/manual-start",
                   {"at": "2026-11-22T08:30:00+08:00"}, token=t["it"])
    assert r.status == 200
    assert r.json["outage"]["status"] == "manual"
    assert r.json["outage"]["manual_start_at"] == "2026-11-22T00:30:00.000Z"
    r = server.api("POST", f"/api/v1/outages/{oid}/log",
                   {"text": "spare switch fitted in the server room"}, token=t["admin"])
    assert r.status == 200
    r = server.api("POST", f"/api/v1/outages/{oid}/resolve", {}, token=t["it"])
    assert r.status == 200 and r.json["outage"]["status"] == "resolved"
    assert r.json["outage"]["next_threshold"] is None
    assert server.api("POST", f"/api/v1/outages/{oid}/resolve", {}, token=t["it"]).status == 409

    steps = [(e["kind"], e["actor"]) for e in timeline(server, t["viewer"], oid)]
    assert steps == [("declared", "it"), ("level_changed", "it"), ("manual_start", "it"),
                     ("recovery_step", "admin"), ("resolved", "it")]
    change = timeline(server, t["viewer"], oid)[1]["detail"]
    assert change == {"from": "1", "to": "2", "reason": "only the LIS is affected"}
    assert all(e["at"].endswith("Z") for e in timeline(server, t["viewer"], oid))


def test_a_nurse_may_report_but_not_run_the_outage(server):
    t = tokens(server)
    oid = declare(server, t["it"]).json["outage"]["id"]
    nurse = t["nurse"]
    assert declare(server, nurse).status == 403
    for action, body in [("confirm", {}), ("level", {"level": "2", "reason": "x"}),
                         ("manual-start", {}), ("log", {"text": "x"}), ("resolve", {}),
                         ("dismiss", {"reason": "x"})]:
        r = server.api("POST", f"/api/v1/outages/{oid}/{action}", body, token=nurse)
        assert r.status == 403, (action, r)
        assert r.json["error"]["code"] == "forbidden"
    r = server.api("POST", "/api/v1/problems", {"text": "医嘱无法保存", "kind": "cannot_save"},
                   token=nurse)
    assert r.status == 201, r
    assert r.json["report"]["outage_id"] == oid and r.json["report"]["opened_outage"] is False
    r = server.api("POST", "/api/v1/problems", {"text": "x", "department": "pharmacy"}, token=nurse)
    assert r.status == 403 and r.json["error"]["field"] == "/department"
    assert server.api("POST", "/api/v1/problems", {"text": "x"}, token=t["viewer"]).status == 403
    # The evidence now points at level 2; IT's declared level 1 stands.
    kinds = wait_for(lambda: [e["kind"] for e in timeline(server, t["it"], oid)][2:] and
                     [e["kind"] for e in timeline(server, t["it"], oid)], what="new proposal")
    assert kinds == ["declared", "problem_report", "level_proposed"]
    o = server.api("GET", f"/api/v1/outages/{oid}", token=t["it"]).json["outage"]
    assert o["problem_reports"] == 1
    assert o["level"] == "1" and o["proposed_level"] == "2"


def test_problem_reports_open_a_suspected_outage_and_propose_its_level(server):
    t = tokens(server)
    r = server.api("POST", "/api/v1/problems",
                   {"text": "录入错误，误删了处方", "kind": "operator_error"}, token=t["nurse"])
    assert r.status == 201 and r.json["report"]["opened_outage"] is True
    oid = r.json["report"]["outage_id"]

    def outage():
        return server.api("GET", f"/api/v1/outages/{oid}", token=t["it"]).json["outage"]
    o = outage()
    assert o["status"] == "suspected" and o["opened_by"] == "nurse"
    assert o["proposed_level"] == "3" and o["level"] == "3"
    # A real fault reported by a second and a third department: the whole hospital is hit.
    server.api("POST", "/api/v1/problems", {"text": "系统很慢", "kind": "slow"}, token=t["nurse"])
    wait_for(lambda: outage()["proposed_level"] == "2", what="level 2 proposed")
    for dept in ("pharmacy", "outpatient-registration"):
        r = server.api("POST", "/api/v1/problems",
                       {"text": "无法登录", "kind": "cannot_login", "department": dept},
                       token=t["it"])
        assert r.status == 201
    wait_for(lambda: outage()["proposed_level"] == "1", what="level 1 proposed")
    assert outage()["level"] == "1"   # still suspected: the proposal is the level
    # Once a person has confirmed a level, a new proposal does not override it.
    r = server.api("POST", f"/api/v1/outages/{oid}/confirm",
                   {"level": "2", "reason": "only the outpatient building"}, token=t["it"])
    assert r.status == 200 and r.json["outage"]["level"] == "2"
    server.api("POST", "/api/v1/problems",
               {"text": "x", "kind": "network", "department": "lab"}, token=t["it"])
    assert outage()["level"] == "2"
    kinds = [e["kind"] for e in timeline(server, t["it"], oid)]
    assert kinds[0] == "opened" and "level_proposed" in kinds and "confirmed" in kinds


def test_a_false_alarm_is_dismissed(server):
    t = tokens(server)
    oid = server.api("POST", "/api/v1/problems", {"text": "慢"}, token=t["nurse"]).json["report"][
        "outage_id"]
    r = server.api("POST", f"/api/v1/outages/{oid}/dismiss", {}, token=t["it"])
    assert r.status == 400 and r.json["error"]["field"] == "/reason"
    r = server.api("POST", f"/api/v1/outages/{oid}/dismiss", {"reason": "a slow PC"},
                   token=t["it"])
    assert r.status == 200 and r.json["outage"]["status"] == "dismissed"
    assert server.api("GET", "/api/v1/outages?open=1", token=t["it"]).json["outages"] == []


def test_thresholds_count_from_the_breakpoint_on_the_one_clock(clocked):
    t = tokens(clocked)
    o = declare(clocked, t["it"]).json["outage"]
    assert o["next_threshold"]["tier"] == "30m"
    r = clocked.api("POST", "/api/v1/test/clock", {"advance_ms": 31 * 60 * 1000}, token=t["admin"])
    assert r.status == 200
    o = clocked.api("GET", f"/api/v1/outages/{o['id']}", token=t["it"]).json["outage"]
    assert 31 * 60 <= o["elapsed_s"] < 40 * 60
    assert o["next_threshold"]["tier"] == "6h"
    assert clocked.api("POST", "/api/v1/test/clock", {"advance_ms": 1},
                       token=t["it"]).status == 403


def test_the_test_clock_is_off_unless_configured(server):
    admin = server.login("admin", DEMO_PASSWORD)
    r = server.api("POST", "/api/v1/test/clock", {"advance_ms": 1000}, token=admin)
    assert r.status == 404


def test_a_drill_is_marked_and_runs_beside_a_real_outage_on_its_own_time_scale(clocked):
    t = tokens(clocked)
    real = declare(clocked, t["it"]).json["outage"]
    r = declare(clocked, t["it"], level="1", reason="quarterly drill", drill=True, time_scale=60)
    assert r.status == 201, r
    drill = r.json["outage"]
    assert drill["drill"] is True and drill["time_scale"] == 60
    # One real minute is an hour of drill time: past the 30-minute tier.
    clocked.api("POST", "/api/v1/test/clock", {"advance_ms": 61 * 1000}, token=t["admin"])
    d = clocked.api("GET", f"/api/v1/outages/{drill['id']}", token=t["it"]).json["outage"]
    assert d["elapsed_s"] >= 3600 and d["next_threshold"]["tier"] == "6h"
    rl = clocked.api("GET", f"/api/v1/outages/{real['id']}", token=t["it"]).json["outage"]
    assert rl["next_threshold"]["tier"] == "30m"
    r = declare(clocked, t["it"], time_scale=60)
    assert r.status == 400 and r.json["error"]["field"] == "/time_scale"


def test_kill_9_and_restart_resumes_the_same_outage(lifelined_factory, pg, server_template):
    db = pg.createdb("t_k9_" + __import__("uuid").uuid4().hex[:8], template=server_template)
    srv = lifelined_factory(db=db)
    t = tokens(srv)
    before = declare(srv, t["it"]).json["outage"]
    srv.kill9()
    again = lifelined_factory(db=db)
    it = again.login("it", DEMO_PASSWORD)
    after = again.api("GET", "/api/v1/outages?open=1", token=it).json["outages"]
    assert [o["id"] for o in after] == [before["id"]]
    assert after[0]["breakpoint"] == before["breakpoint"]
    assert after[0]["elapsed_s"] >= before["elapsed_s"]


def read_events(url, token, out, ready):
    req = urllib.request.Request(f"{url}/api/v1/events?token={token}")
    with urllib.request.urlopen(req, timeout=60) as r:
        ready.set()
        event = None
        for raw in r:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event:
                out.append((event, json.loads(line[6:])))
                if event == "outage":
                    return


def test_state_changes_are_streamed_as_server_sent_events(server):
    t = tokens(server)
    got, ready = [], threading.Event()
    reader = threading.Thread(target=read_events, args=(server.url, t["viewer"], got, ready),
                              daemon=True)
    reader.start()
    assert ready.wait(30)
    oid = declare(server, t["it"]).json["outage"]["id"]
    reader.join(30)
    assert got and got[-1][0] == "outage" and got[-1][1]["id"] == oid
    # Without a token the stream is refused like any other call.
    assert server.api("GET", "/api/v1/events").status == 401


def test_clients_of_a_standby_see_the_leaders_changes(lifelined_factory, pg, server_template):
    db = pg.createdb("t_fan_" + __import__("uuid").uuid4().hex[:8], template=server_template)
    a = lifelined_factory(db=db)
    wait_for(lambda: a.api("GET", "/api/v1/health").json["role"] == "leader", what="a leads")
    b = lifelined_factory(db=db)
    assert b.api("GET", "/api/v1/health").json["role"] == "standby"
    viewer = b.login("viewer", DEMO_PASSWORD)
    # b listens for other instances' events once its listener is up (it checks every 2 s).
    b.proc.wait_log("listening for events from other instances")
    a.proc.wait_log("listening for events from other instances")
    got, ready = [], threading.Event()
    reader = threading.Thread(target=read_events, args=(b.url, viewer, got, ready), daemon=True)
    reader.start()
    assert ready.wait(30)
    oid = declare(a, a.login("it", DEMO_PASSWORD)).json["outage"]["id"]
    reader.join(30)
    assert got and got[-1][0] == "outage" and got[-1][1]["id"] == oid
