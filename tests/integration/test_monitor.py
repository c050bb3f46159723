"""Heartbeat monitoring end to end: his-sim falls, lifelined sees it and opens
the outage; two servers share one database and hand the lease over."""
import uuid

import pytest

from conftest import DEMO_PASSWORD, wait_for

INTERVAL_MS = 400
TIMEOUT_MS = 400
FAIL_THRESHOLD = 3


def monitor_config(sim, **defaults):
    """The demo hospital's six subsystems, all served by his-sim."""
    port = sim.state["targets"]
    mllp = sim.state.get("mllp", {})

    def http(name):
        return {"type": "http", "url": f"http://127.0.0.1:{port[name]}/health",
                "expect_status": 200, "expect_body": "ok"}
    d = {"interval_ms": INTERVAL_MS, "timeout_ms": TIMEOUT_MS, "fail_threshold": FAIL_THRESHOLD,
         "recover_threshold": 2}
    d.update(defaults)
    lis_probe = ({"type": "mllp", "host": "127.0.0.1", "port": mllp["lis"]} if "lis" in mllp
                 else http("lis"))
    return {
        "defaults": d,
        "targets": [
            {"name": "his-db", "title_zh": "HIS 数据库", "title_en": "HIS database",
             "kind": "his-db", "core": True,
             "probes": [{"type": "tcp", "host": "127.0.0.1", "port": port["his-db"]}]},
            {"name": "his-core", "title_zh": "HIS 核心应用", "title_en": "HIS core application",
             "kind": "his-core", "core": True, "depends_on": ["his-db"], "probes": [http("his-core")]},
            {"name": "lis", "title_zh": "检验系统", "title_en": "Laboratory (LIS)", "kind": "lis",
             "core": False, "probes": [lis_probe]},
            {"name": "pacs", "title_zh": "影像系统", "title_en": "Imaging (PACS)", "kind": "pacs",
             "core": False, "probes": [{"type": "tcp", "host": "127.0.0.1", "port": port["pacs"]}]},
            {"name": "emr", "title_zh": "电子病历", "title_en": "EMR", "kind": "emr",
             "core": False, "probes": [http("emr")]},
            {"name": "insurance", "title_zh": "医保线路", "title_en": "Medical-insurance line",
             "kind": "insurance", "core": False, "probes": [http("insurance")]},
        ],
    }


@pytest.fixture
def watched(lifelined_factory, pg, server_template, his_sim):
    """lifelined watching his-sim, with the users of SERVER_USERS."""
    def start(db=None, **defaults):
        db = db or pg.createdb("t_mon_" + uuid.uuid4().hex[:8], template=server_template)
        return lifelined_factory(db=db, monitor=monitor_config(his_sim, **defaults),
                                 testing={"clock_control": True})
    return start


def targets_of(srv, token):
    return {t["name"]: t for t in srv.api("GET", "/api/v1/targets", token=token).json["targets"]}


def live(srv, token, name):
    r = srv.api("GET", "/api/v1/monitor", token=token)
    return next(t for t in r.json["targets"] if t["name"] == name)


def open_outages(srv, token):
    return srv.api("GET", "/api/v1/outages?open=1", token=token).json["outages"]


def all_up(srv, token):
    return all(t["state"] == "up" for t in targets_of(srv, token).values())


@pytest.mark.parametrize("mode", ["refuse", "503", "hang"])
def test_his_core_down_opens_a_level_1_outage_at_its_breakpoint(watched, his_sim, mode):
    srv = watched()
    it = srv.login("it", DEMO_PASSWORD)
    wait_for(lambda: all_up(srv, it), what="every target up")
    assert open_outages(srv, it) == []

    his_sim.ctl("down", target="his-core", mode=mode)
    outages = wait_for(lambda: open_outages(srv, it), what="an outage")
    o = outages[0]
    assert o["status"] == "suspected" and o["opened_by"] == "monitor"
    assert o["targets"] == ["his-core"]
    assert o["proposed_level"] == "1" and o["level"] == "1"
    t = targets_of(srv, it)["his-core"]
    assert t["state"] == "down" and t["breakpoint"] == o["breakpoint"]
    # Evidence, not one lost packet: exactly fail_threshold failed rounds on a clean link.
    probe = live(srv, it, "his-core")
    assert probe["required_failures"] == FAIL_THRESHOLD
    assert probe["consecutive_failures"] >= FAIL_THRESHOLD
    # Detected after fail_threshold rounds, i.e. at least two intervals after the breakpoint.
    assert o["detected_at"] > o["breakpoint"]

    his_sim.ctl("up", target="his-core")
    wait_for(lambda: open_outages(srv, it)[0]["status"] == "recovering", what="recovering")
    kinds = [e["kind"] for e in srv.api("GET", f"/api/v1/outages/{o['id']}",
                                        token=it).json["timeline"]]
    assert kinds[0] == "opened" and "target_up" in kinds and "recovering" in kinds


@pytest.mark.parametrize("target,level", [("insurance", "other"), ("lis", "2")])
def test_one_subsystem_alone_proposes_its_level(watched, his_sim, target, level):
    srv = watched()
    it = srv.login("it", DEMO_PASSWORD)
    wait_for(lambda: all_up(srv, it), what="every target up")
    his_sim.ctl("down", target=target)
    o = wait_for(lambda: open_outages(srv, it), what="an outage")[0]
    assert o["targets"] == [target]
    assert o["proposed_level"] == level and o["level"] == level


def test_a_second_target_joins_the_open_outage_and_raises_the_level(watched, his_sim):
    srv = watched()
    it = srv.login("it", DEMO_PASSWORD)
    wait_for(lambda: all_up(srv, it), what="every target up")
    his_sim.ctl("down", target="lis")
    o = wait_for(lambda: open_outages(srv, it), what="an outage")[0]
    assert o["level"] == "2"
    his_sim.ctl("down", target="pacs")
    wait_for(lambda: open_outages(srv, it)[0]["targets"] == ["lis", "pacs"], what="pacs joins")
    wait_for(lambda: open_outages(srv, it)[0]["level"] == "1", what="level 1 proposed")
    assert len(open_outages(srv, it)) == 1


def test_a_target_down_through_its_dependency_raises_no_alarm_of_its_own(watched, his_sim):
    srv = watched()
    it = srv.login("it", DEMO_PASSWORD)
    wait_for(lambda: all_up(srv, it), what="every target up")
    his_sim.ctl("down", target="his-db")
    o = wait_for(lambda: open_outages(srv, it), what="an outage")[0]
    his_sim.ctl("down", target="his-core")
    wait_for(lambda: targets_of(srv, it)["his-core"]["affected_by"] == "his-db",
             what="his-core affected through his-db")
    wait_for(lambda: "target_affected" in [
        e["kind"] for e in srv.api("GET", f"/api/v1/outages/{o['id']}", token=it).json["timeline"]],
        what="the timeline notes his-core affected")
    assert open_outages(srv, it)[0]["targets"] == ["his-db"]


def test_random_probe_loss_opens_no_outage(watched, his_sim):
    """20 % of rounds fail at random (a seeded, reproducible pattern) for 150 rounds."""
    srv = watched(interval_ms=100, timeout_ms=100)
    it = srv.login("it", DEMO_PASSWORD)
    wait_for(lambda: all_up(srv, it), what="every target up")
    his_sim.ctl("flaky", target="emr", p="0.2", seed="7")
    start = live(srv, it, "emr")["probes_total"]
    wait_for(lambda: live(srv, it, "emr")["probes_total"] >= start + 150, timeout=300,
             what="150 rounds under random loss")
    emr = live(srv, it, "emr")
    assert emr["probes_failed"] > 10          # the loss really happened
    assert open_outages(srv, it) == []
    assert emr["state"] in ("up", "suspect")
    # A real stop on the same lossy link is still seen.
    his_sim.ctl("down", target="emr")
    o = wait_for(lambda: open_outages(srv, it), timeout=120, what="an outage after the stop")[0]
    assert o["targets"] == ["emr"]


def test_kill_9_mid_outage_resumes_the_same_outage(watched, his_sim, pg, server_template):
    db = pg.createdb("t_mon_" + uuid.uuid4().hex[:8], template=server_template)
    srv = watched(db=db)
    it = srv.login("it", DEMO_PASSWORD)
    wait_for(lambda: all_up(srv, it), what="every target up")
    his_sim.ctl("down", target="his-core")
    before = wait_for(lambda: open_outages(srv, it), what="an outage")[0]
    srv.kill9()
    again = watched(db=db)
    it2 = again.login("it", DEMO_PASSWORD)
    # The new process probes from scratch, sees his-core down again, and joins the outage.
    wait_for(lambda: targets_of(again, it2)["his-core"]["state"] == "down"
             and live(again, it2, "his-core")["state"] == "down", what="his-core down again")
    after = open_outages(again, it2)
    assert [o["id"] for o in after] == [before["id"]]
    assert after[0]["breakpoint"] == before["breakpoint"]
    assert after[0]["elapsed_s"] >= before["elapsed_s"]


def test_two_servers_one_leader_and_a_takeover(watched, his_sim, pg, server_template):
    db = pg.createdb("t_mon_" + uuid.uuid4().hex[:8], template=server_template)
    a = watched(db=db)
    wait_for(lambda: a.api("GET", "/api/v1/health").json["role"] == "leader", what="a leads")
    b = watched(db=db)
    it = a.login("it", DEMO_PASSWORD)
    assert b.api("GET", "/api/v1/health").json["role"] == "standby"
    assert b.api("GET", "/api/v1/monitor", token=it).json["probing"] is False
    his_sim.ctl("down", target="his-core")
    first = wait_for(lambda: open_outages(a, it), what="an outage")[0]
    a.kill9()
    wait_for(lambda: b.api("GET", "/api/v1/health").json["role"] == "leader", timeout=10,
             what="b takes over within 10 s")
    wait_for(lambda: live(b, it, "his-core")["state"] == "down", what="b sees his-core down")
    outs = b.api("GET", "/api/v1/outages", token=it).json["outages"]
    assert [o["id"] for o in outs] == [first["id"]]


def test_a_target_falling_while_our_database_is_away_is_recorded_when_it_returns(
        lifelined_factory, own_pg, his_sim):
    db = own_pg.createdb("lifeline")
    srv = lifelined_factory(db=db, users=[("it", DEMO_PASSWORD, "it", None)],
                            database={"conninfo": own_pg.conninfo(db), "pool_size": 4},
                            monitor=monitor_config(his_sim))
    it = srv.login("it", DEMO_PASSWORD)
    wait_for(lambda: all_up(srv, it), what="every target up")
    own_pg.stop("fast")
    wait_for(lambda: srv.api("GET", "/api/v1/health").json["db"] == "down", what="db down")
    his_sim.ctl("down", target="his-core")
    wait_for(lambda: live(srv, it, "his-core")["state"] == "down", what="his-core down (live)")
    own_pg.start()
    o = wait_for(lambda: srv.api("GET", "/api/v1/health").json["db"] == "ok"
                 and open_outages(srv, it), what="the outage recorded after the database returns")
    assert o[0]["targets"] == ["his-core"]
    assert o[0]["breakpoint"] == targets_of(srv, it)["his-core"]["breakpoint"]
