"""Printing paper forms from the server (issue 5): a print job renders the
department's forms from the last complete census snapshot as one PDF, every
sheet's serial is in the print register before the PDF exists, serials are
unique across concurrent jobs and restarts, and a spoiled one is voided."""
import concurrent.futures
import json
import re
import subprocess
import uuid

from conftest import DEMO_PASSWORD, ROOT

DEMO = json.loads((ROOT / "printforms" / "demo" / "ward-3.json").read_text())
SERIAL = re.compile(r"^LL(\d{7})-(\d{2})$")


def add_snapshot(pg, db, wards=None):
    data = {"hospital": DEMO["hospital"], "snapshot_time": DEMO["snapshot_time"],
            "wards": wards if wards is not None else {"ward-3": DEMO["patients"]},
            "price_list": DEMO["price_list"]}
    text = json.dumps(data, ensure_ascii=False).replace("'", "''")
    pg.psql("INSERT INTO census_snapshots (taken_at, source, patients, data) "
            f"VALUES (now() - interval '7 minutes', 'test', 30, '{text}'::jsonb)", db=db)


def print_job(srv, tok, items, **extra):
    return srv.api("POST", "/api/v1/forms/print", {"items": items, **extra}, token=tok, timeout=60)


def pdf_text(tmp_path, body):
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(body)
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def serials(srv, tok, **query):
    q = "&".join(f"{k}={v}" for k, v in query.items())
    r = srv.api("GET", "/api/v1/forms/serials?" + q, token=tok)
    assert r.status == 200, r
    return r.json["serials"]


def test_a_ward_prints_its_packet_with_serials_on_record(lifelined_factory, pg, server_template,
                                                          tmp_path):
    db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
    srv = lifelined_factory(db=db)
    nurse = srv.login("nurse", DEMO_PASSWORD)
    r = srv.api("GET", "/api/v1/forms", token=nurse)
    assert r.status == 200 and len(r.json["forms"]) == 13
    assert {f["code"] for f in r.json["forms"]} >= {"ward-census", "mar", "drug-requisition"}

    # No census yet: a clear refusal, not an empty form.
    r = print_job(srv, nurse, [{"form": "ward-census"}])
    assert r.status == 409 and r.json["error"]["code"] == "no_census", r
    add_snapshot(pg, db)

    r = print_job(srv, nurse, [{"form": "ward-census"}, {"form": "drug-requisition",
                                                         "patients": [DEMO["patients"][0]["id"]]}])
    assert r.status == 200, r
    assert r.headers["Content-Type"] == "application/pdf"
    job, pages = r.headers["X-Lifeline-Print-Job"], int(r.headers["X-Lifeline-Pages"])
    text = pdf_text(tmp_path, r.body)
    first = DEMO["patients"][0]
    assert first["name"] in text and first["inpatient_no"] in text
    assert "外科一病区护士站" in text                     # our department's name, not the demo's
    assert "第一联" in text and "第二联" in text          # the requisition's two copies
    reg = serials(srv, nurse, job=job)
    assert len(reg) == pages and pages >= 3
    for s in reg:
        m = SERIAL.match(s["serial"])
        assert m and int(m.group(1)) % 97 == int(m.group(2)), s["serial"]
        assert s["serial"] in text
        assert s["department"] == "ward-3" and s["issued_by"] == "nurse" and not s["voided_at"]
    assert r.headers["X-Lifeline-First-Serial"] == min(s["serial"] for s in reg)
    assert {s["patient"] for s in reg if s["form"] == "drug-requisition"} == {first["id"]}

    # A spoiled sheet is voided, with a reason, once.
    one = reg[0]["serial"]
    r = srv.api("POST", f"/api/v1/forms/serials/{one}/void", {"reason": "打印卡纸"}, token=nurse)
    assert r.status == 200 and r.json["serial"]["void_reason"] == "打印卡纸", r
    r = srv.api("POST", f"/api/v1/forms/serials/{one}/void", {"reason": "again"}, token=nurse)
    assert r.status == 409, r
    assert [s["serial"] for s in serials(srv, nurse, status="voided")] == [one]


def test_refusals_name_the_problem(lifelined_factory, pg, server_template):
    db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
    srv = lifelined_factory(db=db)
    add_snapshot(pg, db)
    nurse = srv.login("nurse", DEMO_PASSWORD)
    r = print_job(srv, nurse, [{"form": "ward-census"}], department="pharmacy")
    assert r.status == 403 and r.json["error"]["field"] == "/department", r
    r = print_job(srv, nurse, [{"form": "no-such-form"}])
    assert r.status == 400 and "no-such-form" in r.json["error"]["message"], r
    r = print_job(srv, nurse, [{"form": "mar", "patients": ["NOBODY"]}])
    assert r.status == 400 and "NOBODY" in r.json["error"]["message"], r
    r = print_job(srv, nurse, [{"form": "mar", "copies": 0}])
    assert r.status == 400 and r.json["error"]["field"] == "/items/0/copies", r
    viewer = srv.login("viewer", DEMO_PASSWORD)
    assert print_job(srv, viewer, [{"form": "ward-census"}], department="ward-3").status == 403
    assert srv.api("GET", "/api/v1/forms/serials?dept=pharmacy", token=nurse).status == 403


def test_serials_are_unique_across_concurrent_jobs_and_restarts(lifelined_factory, pg,
                                                                server_template):
    db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
    srv = lifelined_factory(db=db)
    add_snapshot(pg, db)
    admin = srv.login("admin", DEMO_PASSWORD)
    items = [{"form": "ward-census"}, {"form": "mar"}]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        done = list(pool.map(lambda _: print_job(srv, admin, items, department="ward-3"), range(6)))
    assert all(r.status == 200 for r in done), [r.status for r in done]
    pages = sum(int(r.headers["X-Lifeline-Pages"]) for r in done)
    srv.proc.stop()
    srv2 = lifelined_factory(db=db)
    admin = srv2.login("admin", DEMO_PASSWORD)
    r = print_job(srv2, admin, items, department="ward-3")
    assert r.status == 200
    pages += int(r.headers["X-Lifeline-Pages"])
    reg = serials(srv2, admin, dept="ward-3")
    assert len(reg) == pages and len({s["serial"] for s in reg}) == pages
    jobs = {s["print_job"] for s in reg}
    assert len(jobs) == 7


def test_the_department_data_for_offline_printing(lifelined_factory, pg, server_template):
    db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
    srv = lifelined_factory(db=db)
    nurse = srv.login("nurse", DEMO_PASSWORD)
    r = srv.api("GET", "/api/v1/forms/data", token=nurse)
    assert r.status == 409 and r.json["error"]["code"] == "no_census", r
    add_snapshot(pg, db)
    r = srv.api("GET", "/api/v1/forms/data", token=nurse)
    assert r.status == 200, r
    doc = r.json
    assert doc["department"] == {"code": "ward-3", "name": "外科一病区护士站",
                                 "name_en": "Surgical ward 1 nurse station"}
    assert [p["id"] for p in doc["patients"]] == [p["id"] for p in DEMO["patients"]]
    assert doc["price_list"] == DEMO["price_list"] and doc["snapshot_time"].endswith("+08:00")
    assert srv.api("GET", "/api/v1/forms/data?dept=pharmacy", token=nurse).status == 403
    admin = srv.login("admin", DEMO_PASSWORD)
    assert srv.api("GET", "/api/v1/forms/data", token=admin).status == 400
    r = srv.api("GET", "/api/v1/forms/data?dept=pharmacy", token=admin)
    assert r.status == 200 and r.json["patients"] == []


def test_temporary_number_ranges_never_overlap_and_print(lifelined_factory, pg, server_template,
                                                         tmp_path):
    db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
    srv = lifelined_factory(db=db)
    add_snapshot(pg, db)
    admin = srv.login("admin", DEMO_PASSWORD)
    r = srv.api("POST", "/api/v1/outages", {"level": "1", "reason": "HIS down"}, token=admin)
    assert r.status == 201

    def reserve(i):
        return srv.api("POST", "/api/v1/forms/number-ranges",
                       {"kind": "outpatient", "desk": f"门诊挂号{i}号窗", "size": 50,
                        "department": "outpatient-registration"}, token=admin)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        got = list(pool.map(reserve, range(1, 5)))
    assert all(r.status == 201 for r in got), got
    ranges = sorted((r.json["range"]["first"], r.json["range"]["last"]) for r in got)
    assert ranges == [(1, 50), (51, 100), (101, 150), (151, 200)]
    assert {r.json["range"]["prefix"] for r in got} == {"LSMZ"}
    r = srv.api("POST", "/api/v1/forms/number-ranges", {"kind": "inpatient", "desk": "住院处"},
                token=admin)
    assert r.status == 400 and r.json["error"]["field"] == "/department"
    nurse = srv.login("nurse", DEMO_PASSWORD)
    r = srv.api("POST", "/api/v1/forms/number-ranges",
                {"kind": "inpatient", "desk": "x", "department": "admission"}, token=nurse)
    assert r.status == 403
    listed = srv.api("GET", "/api/v1/forms/number-ranges?dept=outpatient-registration",
                     token=admin).json["ranges"]
    assert len(listed) == 4 and all(x["outage_id"] for x in listed)

    r = print_job(srv, admin, [{"form": "registration-log"}], department="outpatient-registration")
    assert r.status == 200, r
    text = pdf_text(tmp_path, r.body)
    assert "LSMZ000001" in text and "LSMZ000200" in text
