"""The census snapshot (issue 5, item 1): the leader pulls the HIS's FHIR census
from his-sim, stores it whole, and the paper forms print from it; a pull that
fails part-way (503, a dropped connection, the HIS going down) never replaces
the good snapshot, and GET /api/v1/census says what failed and how old the
kept snapshot is. Time-driven pulls move the server's clock; nothing sleeps
for the interval."""
import subprocess
import uuid

import pytest

from conftest import DEMO_PASSWORD, wait_for

INTERVAL_S = 300
WARDS = {"ward-1": 30, "ward-2": 29, "ward-3": 31, "ward-4": 30}
RARE_NAMES = {  # name -> ward, as his-sim serves them
    "王𠮷": "ward-1", "张犇": "ward-1", "欧阳淼": "ward-1",
    "周𠮷娜": "ward-2", "李淼": "ward-2", "阿依古丽·买买提": "ward-2",
    "陈𠮷祥": "ward-3", "赵昇": "ward-3", "司马堃": "ward-3",
    "刘䶮": "ward-4", "韦鿍": "ward-4", "孙喆": "ward-4", "黄垚": "ward-4",
}


@pytest.fixture
def census_server(lifelined_factory, pg, server_template, his_sim):
    db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
    srv = lifelined_factory(db=db, census={"url": his_sim.state["fhir"], "interval_s": INTERVAL_S,
                                           "keep_last": 2, "timeout_s": 10},
                            testing={"clock_control": True})
    srv.admin = srv.login("admin", DEMO_PASSWORD)
    srv.nurse = srv.login("nurse", DEMO_PASSWORD)
    return srv


def census(srv):
    r = srv.api("GET", "/api/v1/census", token=srv.nurse)   # any logged-in user may look
    assert r.status == 200, r
    return r.json


def pull_finished(srv, after=None):
    """Wait until a pull finished after the one whose finished_at is `after`."""
    def done():
        c = census(srv)
        last = c["last_pull"]
        if last and last["finished_at"] != after and c["state"] == "idle":
            return c
        return None
    return wait_for(done, timeout=60, what="a census pull to finish")


def forms_data(srv, dept):
    r = srv.api("GET", f"/api/v1/forms/data?dept={dept}", token=srv.admin)
    assert r.status == 200, r
    return r.json


def print_census(srv, tmp_path):
    r = srv.api("POST", "/api/v1/forms/print", {"items": [{"form": "ward-census"}]},
                token=srv.nurse, timeout=60)
    assert r.status == 200, r
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(r.body)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return r, text


def advance(srv, seconds):
    r = srv.api("POST", "/api/v1/test/clock", {"advance_ms": seconds * 1000}, token=srv.admin)
    assert r.status == 200, r


def test_a_pull_stores_a_complete_snapshot_the_forms_print_from(census_server, pg, tmp_path):
    srv = census_server
    c = pull_finished(srv)           # the leader pulls at once on start
    assert c["enabled"] and c["pulling_here"]
    assert c["last_pull"]["outcome"] == "ok", c
    snap = c["snapshot"]
    assert snap["wards"] == WARDS and snap["patients"] == sum(WARDS.values())
    assert snap["id"] == c["last_pull"]["snapshot_id"] and snap["age_s"] < 60
    assert pg.psql("SELECT count(*) FROM census_snapshots", db=srv.dbname) == "1"

    docs = {ward: forms_data(srv, ward) for ward in WARDS}
    for ward, doc in docs.items():
        assert doc["hospital"] == "演示市第一人民医院"
        assert len(doc["patients"]) == WARDS[ward]
        assert len({p["id"] for p in doc["patients"]}) == WARDS[ward]
    names = {p["name"]: ward for ward, doc in docs.items() for p in doc["patients"]}
    for name, ward in RARE_NAMES.items():
        assert names.get(name) == ward, name          # byte for byte, in the right ward
    patients = [p for doc in docs.values() for p in doc["patients"]]
    wang = next(p for p in docs["ward-1"]["patients"] if p["name"] == "王𠮷")
    assert wang["bed"] == "3" and wang["inpatient_no"] and wang["sex"] in ("男", "女")
    assert isinstance(wang["age"], int) and wang["fee_category"] in ("自费", "医保", "新农合", "公费")
    assert wang["diagnosis"] and wang["admitted"]
    # The three kinds of allergy record stay apart.
    allergies = {p["allergies"] for p in patients}
    assert "无已知过敏" in allergies and "未记录" in allergies
    assert any(a not in ("无已知过敏", "未记录") for a in allergies)
    assert any(p["bed"] == "加1" for p in docs["ward-3"]["patients"])
    orders = [o for p in patients for o in p["orders"]]
    assert all(2 <= len(p["orders"]) <= 5 for p in patients)
    for o in orders:
        assert o["drug"] and o["spec"] and o["route"] and o["frequency"] and o["kind"] == "长期"
        if o["frequency"] == "prn":
            assert o["next_doses"] == []
        else:
            assert o["next_doses"] and all(t.endswith("+08:00") for t in o["next_doses"])
    tid = next(o for o in orders if o["frequency"] == "tid")
    assert len(tid["next_doses"]) == 3                # 08:00 12:00 16:00 within 24 h
    prices = docs["ward-1"]["price_list"]
    assert len(prices) == 44
    assert all(p["code"] and p["drug"] and p["spec"] and p["unit"] and float(p["price"]) > 0
               for p in prices)

    # The nurse of ward-3 prints her census with the real names and numbers.
    r, text = print_census(srv, tmp_path)
    for p in docs["ward-3"]["patients"]:
        if "𠮷" not in p["name"]:
            assert p["name"] in text and p["inpatient_no"] in text, p["name"]
    assert "陈𠮷祥" not in text and int(r.headers["X-Lifeline-Handwrite"]) >= 1


@pytest.mark.parametrize("mode", ["503", "drop", "down"])
def test_a_pull_failing_part_way_keeps_the_good_snapshot(census_server, his_sim, pg, tmp_path,
                                                         mode):
    srv = census_server
    first = pull_finished(srv)
    assert first["last_pull"]["outcome"] == "ok", first
    good = first["snapshot"]

    # The HIS fails at the 4th request of the next pull, which the clock brings.
    his_sim.ctl("census", fail_after=3, mode=mode)
    advance(srv, INTERVAL_S + 1)
    c = pull_finished(srv, after=first["last_pull"]["finished_at"])
    last = c["last_pull"]
    assert last["outcome"] == "error" and last["snapshot_id"] is None, c
    assert last["requests"] == 4, last
    assert {"503": "HTTP 503", "drop": "GET ", "down": "GET "}[mode] in last["error"]
    assert c["snapshot"]["id"] == good["id"], "a failed pull never replaces a good snapshot"
    assert c["snapshot"]["age_s"] >= INTERVAL_S and c["snapshots_kept"] == 1
    assert pg.psql("SELECT count(*) FROM census_snapshots", db=srv.dbname) == "1"
    stats = his_sim.ctl("stats", target="his-core")["fhir"]
    assert stats["failed"] >= 1

    # The forms still print, from the kept snapshot.
    r, text = print_census(srv, tmp_path)
    assert "赵昇" in text
    job = r.headers["X-Lifeline-Print-Job"]
    assert pg.psql(f"SELECT snapshot_id FROM print_jobs WHERE id = {job}",
                   db=srv.dbname) == str(good["id"])

    # Mended, a pull on request stores a new snapshot (202 now, the outcome in GET).
    his_sim.ctl("up") if mode == "down" else his_sim.ctl("census", fail_after="off")
    it = srv.login("it", DEMO_PASSWORD)
    assert srv.api("POST", "/api/v1/census/pull", {}, token=srv.nurse).status == 403
    r = srv.api("POST", "/api/v1/census/pull", {}, token=it)
    assert r.status == 202, r
    c = pull_finished(srv, after=last["finished_at"])
    assert c["last_pull"]["outcome"] == "ok" and c["snapshot"]["id"] > good["id"], c
    assert c["snapshot"]["wards"] == WARDS and c["snapshot"]["age_s"] < 60

    # keep_last 2: older snapshots go, except the one a print job refers to.
    for _ in range(2):
        advance(srv, INTERVAL_S + 1)
        c = pull_finished(srv, after=c["last_pull"]["finished_at"])
        assert c["last_pull"]["outcome"] == "ok", c
    kept = pg.psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM census_snapshots",
                   db=srv.dbname).split(",")
    assert kept[0] == str(good["id"]) and len(kept) == 3, kept
    assert kept[-1] == str(c["snapshot"]["id"]) and c["snapshots_kept"] == 3


def test_without_a_url_the_census_is_off(server):
    admin = server.login("admin", DEMO_PASSWORD)
    r = server.api("GET", "/api/v1/census", token=admin)
    assert r.status == 200 and not r.json["enabled"] and r.json["snapshot"] is None, r
    assert r.json["last_pull"] is None
    r = server.api("POST", "/api/v1/census/pull", {}, token=admin)
    assert r.status == 409 and "census.url" in r.json["error"]["message"], r
