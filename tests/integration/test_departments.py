"""The department registry (issue 4, item 1): the plan's departments with their
tiers and contacts, edited by IT, verified by each department, imported from JSON
or CSV all or nothing; and the `lifeline departments` commands.

The `server` fixture has the users admin, it (info-centre), nurse (ward-3) and
viewer, password lifeline-demo.
"""
import json
import uuid

import pytest

from conftest import DEMO_PASSWORD
from test_client_outage import Cli


def tokens(srv):
    return {u: srv.login(u, DEMO_PASSWORD) for u in ("admin", "it", "nurse", "viewer")}


def dept(srv, token, code):
    r = srv.api("GET", f"/api/v1/departments/{code}", token=token)
    assert r.status == 200, r
    return r.json["department"]


def registry(srv, token):
    """Every department with its contacts, comparable across imports."""
    out = {}
    for d in srv.api("GET", "/api/v1/departments", token=token).json["departments"]:
        full = dept(srv, token, d["code"])
        out[d["code"]] = (full["name_zh"], full["name_en"], full["tier"], full["head_name"],
                          sorted((c["kind"], c["address"], c["name"], c["role"], c["active"])
                                 for c in full["contacts"]))
    return out


def audit(pg, srv, action):
    return pg.psql(f"SELECT object_id, outcome, status FROM audit_log WHERE action = '{action}' "
                   "ORDER BY id", db=srv.dbname)


def test_the_plans_departments_are_seeded_with_tiers_and_contacts(server):
    t = tokens(server)
    r = server.api("GET", "/api/v1/departments", token=t["viewer"])
    assert r.status == 200, r
    by_code = {d["code"]: d for d in r.json["departments"]}
    assert r.json["tiers"] == {"30m": 1800, "6h": 21600, "24h": 86400}
    for code, tier, secs in (("pharmacy", "30m", 1800), ("outpatient-registration", "30m", 1800),
                             ("ward-1", "6h", 21600), ("lab", "6h", 21600),
                             ("insurance", "24h", 86400), ("finance", "24h", 86400),
                             ("leadership", "command", None), ("info-centre", "command", None)):
        assert by_code[code]["tier"] == tier and by_code[code]["threshold_s"] == secs, code
    assert all(d["contacts_count"] >= 1 for d in by_code.values())
    assert by_code["ward-3"]["members_count"] == 1      # the nurse

    pharmacy = dept(server, t["nurse"], "pharmacy")
    assert ("email", "pharmacy@demo-hospital.local") in {(c["kind"], c["address"])
                                                         for c in pharmacy["contacts"]}
    info = dept(server, t["viewer"], "info-centre")
    assert [m["username"] for m in info["members"]] == ["it"]
    heads = [c for c in info["contacts"] if c["role"] == "head"]
    assert {c["kind"] for c in heads} == {"email", "phone"}
    assert "信息中心主任" in info["head_name"]
    assert info["contacts_verified_at"] is None

    only = server.api("GET", "/api/v1/departments?tier=30m", token=t["viewer"]).json["departments"]
    assert {d["tier"] for d in only} == {"30m"} and "pharmacy" in {d["code"] for d in only}
    assert server.api("GET", "/api/v1/departments/nope", token=t["viewer"]).status == 404


def test_it_creates_and_edits_departments_and_contacts(server, pg):
    t = tokens(server)
    body = {"code": "dialysis", "name_zh": "血液透析室", "name_en": "Dialysis unit", "tier": "6h"}
    r = server.api("POST", "/api/v1/departments", body, token=t["it"])
    assert r.status == 201, r
    assert r.json["department"]["threshold_s"] == 21600 and r.json["department"]["head"] is None
    assert server.api("POST", "/api/v1/departments", body, token=t["admin"]).status == 409
    r = server.api("POST", "/api/v1/departments", dict(body, code="x", tier="1h"), token=t["it"])
    assert r.status == 400 and r.json["error"]["field"] == "/tier"

    r = server.api("PATCH", "/api/v1/departments/dialysis",
                   {"tier": "30m", "head_user": "it", "head_name": "张敏"}, token=t["admin"])
    assert r.status == 200, r
    d = r.json["department"]
    assert d["tier"] == "30m" and d["threshold_s"] == 1800
    assert d["head"]["username"] == "it" and d["head_name"] == "张敏"
    assert d["name_zh"] == "血液透析室"                # left out: kept
    r = server.api("PATCH", "/api/v1/departments/dialysis", {"head_user": "nobody"}, token=t["it"])
    assert r.status == 400 and r.json["error"]["field"] == "/head_user"
    r = server.api("PATCH", "/api/v1/departments/dialysis", {"head_user": None}, token=t["it"])
    assert r.status == 200 and r.json["department"]["head"] is None
    assert r.json["department"]["head_name"] == "张敏"
    assert server.api("PATCH", "/api/v1/departments/nope", {"tier": "6h"},
                      token=t["it"]).status == 404

    r = server.api("POST", "/api/v1/departments/dialysis/contacts",
                   {"kind": "email", "address": "dialysis@demo-hospital.local", "role": "group"},
                   token=t["it"])
    assert r.status == 201, r
    cid = r.json["contact"]["id"]
    assert server.api("POST", "/api/v1/departments/dialysis/contacts",
                      {"kind": "email", "address": "dialysis@demo-hospital.local"},
                      token=t["it"]).status == 409
    r = server.api("POST", "/api/v1/departments/dialysis/contacts",
                   {"kind": "email", "address": "not an address"}, token=t["it"])
    assert r.status == 400 and r.json["error"]["field"] == "/address"
    r = server.api("POST", "/api/v1/departments/dialysis/contacts",
                   {"kind": "wecom", "address": "https://qyapi.example/webhook?key=1",
                    "name": "透析室群"}, token=t["it"])
    assert r.status == 201 and r.json["contact"]["role"] == "member"
    assert server.api("POST", "/api/v1/departments/nope/contacts",
                      {"kind": "phone", "address": "+86 10 5555 0000"}, token=t["it"]).status == 404
    shown = dept(server, t["viewer"], "dialysis")
    assert {c["kind"] for c in shown["contacts"]} == {"email", "wecom"}

    r = server.api("DELETE", f"/api/v1/departments/dialysis/contacts/{cid}", token=t["it"])
    assert r.status == 200 and r.json["contact"]["id"] == cid
    assert server.api("DELETE", f"/api/v1/departments/dialysis/contacts/{cid}",
                      token=t["it"]).status == 404
    assert server.api("DELETE", f"/api/v1/departments/pharmacy/contacts/{cid}",
                      token=t["it"]).status == 404
    assert {c["kind"] for c in dept(server, t["it"], "dialysis")["contacts"]} == {"wecom"}

    rows = audit(pg, server, "department.create")
    assert "dialysis|ok|201" in rows and "|conflict|409" in rows
    assert "dialysis|ok|200" in audit(pg, server, "department.contact_delete")
    assert "dialysis|ok|201" in audit(pg, server, "department.contact_add")


def test_staff_may_only_verify_their_own_department(server, pg):
    t = tokens(server)
    nurse = t["nurse"]
    assert server.api("POST", "/api/v1/departments", {"code": "x", "name_zh": "x", "name_en": "x",
                                                      "tier": "6h"}, token=nurse).status == 403
    assert server.api("PATCH", "/api/v1/departments/ward-3", {"tier": "30m"},
                      token=nurse).status == 403
    assert server.api("POST", "/api/v1/departments/ward-3/contacts",
                      {"kind": "phone", "address": "+86 10 5555 0303"}, token=nurse).status == 403
    first = dept(server, nurse, "ward-3")["contacts"][0]["id"]
    assert server.api("DELETE", f"/api/v1/departments/ward-3/contacts/{first}",
                      token=nurse).status == 403
    assert server.api("POST", "/api/v1/departments/import", {"departments": []},
                      token=nurse).status == 403

    r = server.api("POST", "/api/v1/departments/ward-3/verify", {}, token=nurse)
    assert r.status == 200, r
    assert r.json["department"]["contacts_verified_at"] is not None
    assert dept(server, nurse, "ward-3")["contacts_verified_at"] is not None
    r = server.api("POST", "/api/v1/departments/pharmacy/verify", {}, token=nurse)
    assert r.status == 403 and "ward-3" in r.json["error"]["message"]
    assert dept(server, nurse, "pharmacy")["contacts_verified_at"] is None
    assert server.api("POST", "/api/v1/departments/pharmacy/verify", {},
                      token=t["viewer"]).status == 403
    assert server.api("POST", "/api/v1/departments/pharmacy/verify", {},
                      token=t["it"]).status == 200
    assert server.api("POST", "/api/v1/departments/nope/verify", {},
                      token=t["it"]).status == 404
    rows = audit(pg, server, "department.verify")
    assert "ward-3|ok|200" in rows and "|denied|403" in rows and "pharmacy|ok|200" in rows


IMPORT = {"departments": [
    {"code": "dialysis", "name_zh": "血液透析室", "name_en": "Dialysis unit", "tier": "6h",
     "head_name": "张敏",
     "contacts": [{"kind": "email", "address": "dialysis@demo-hospital.local", "role": "group"},
                  {"kind": "dingtalk", "address": "https://oapi.example/robot/send?t=1"}]},
    {"code": "pharmacy", "name_zh": "药房", "name_en": "Pharmacy (outpatient and inpatient)",
     "tier": "30m",
     "contacts": [{"kind": "sms", "address": "+86 138 0000 0001", "name": "药房组长",
                   "role": "deputy"}]},
]}


def test_json_import_is_idempotent_and_all_or_nothing(server, pg):
    t = tokens(server)
    r = server.api("POST", "/api/v1/departments/import", IMPORT, token=t["it"])
    assert r.status == 200, r
    imp = r.json["imported"]
    assert imp["departments_created"] == 1 and imp["departments_updated"] == 1
    assert imp["contacts_created"] == 3 and imp["codes"] == ["dialysis", "pharmacy"]
    p = dept(server, t["viewer"], "pharmacy")
    assert p["name_en"] == "Pharmacy (outpatient and inpatient)" and p["tier"] == "30m"
    assert ("email", "pharmacy@demo-hospital.local") in {(c["kind"], c["address"])
                                                         for c in p["contacts"]}  # kept
    assert dept(server, t["viewer"], "dialysis")["head_name"] == "张敏"
    before = registry(server, t["viewer"])

    r = server.api("POST", "/api/v1/departments/import", IMPORT, token=t["admin"])
    assert r.status == 200
    assert r.json["imported"]["departments_created"] == 0
    assert r.json["imported"]["contacts_created"] == 0
    assert registry(server, t["viewer"]) == before

    bad = json.loads(json.dumps(IMPORT))
    bad["departments"][0]["code"] = "new-one"
    bad["departments"][1]["contacts"][0]["address"] = "no phone"
    r = server.api("POST", "/api/v1/departments/import", bad, token=t["it"])
    assert r.status == 400
    assert r.json["error"]["field"] == "/departments/1/contacts/0/address"
    bad = json.loads(json.dumps(IMPORT))
    bad["departments"][1]["tier"] = "2h"
    r = server.api("POST", "/api/v1/departments/import", bad, token=t["it"])
    assert r.status == 400 and r.json["error"]["field"] == "/departments/1/tier"
    twice = {"departments": [IMPORT["departments"][0], IMPORT["departments"][0]]}
    r = server.api("POST", "/api/v1/departments/import", twice, token=t["it"])
    assert r.status == 400 and r.json["error"]["field"] == "/departments/1/code"
    assert registry(server, t["viewer"]) == before
    assert "|ok|200" in audit(pg, server, "department.import")
    assert "|invalid|400" in audit(pg, server, "department.import")


CSV = ("\ufeffcode,name_zh,name_en,tier,contact_kind,contact_address,contact_name,contact_role\r\n"
       "endoscopy,内镜中心,\"Endoscopy centre, day unit\",6h,email,endo@demo-hospital.local,,group\r\n"
       "endoscopy,,,,phone,+86 10 5555 0777,\"王护士长 \"\"值班\"\"\",head\r\n"
       "\r\n"
       "insurance,医保办,Medical-insurance office,24h,webhook,http://127.0.0.1:9/hook,\"医保\n群\",\r\n"
       "blood-bank,输血科,Blood bank,6h,,,,\r\n")


def post_csv(srv, token, text):
    return srv.api("POST", "/api/v1/departments/import", text.encode("utf-8"), token=token,
                   headers={"Content-Type": "text/csv; charset=utf-8"})


def test_csv_import_new_and_updated_rows_and_row_errors(server, pg):
    t = tokens(server)
    r = post_csv(server, t["it"], CSV)
    assert r.status == 200, r
    imp = r.json["imported"]
    assert imp["codes"] == ["blood-bank", "endoscopy", "insurance"]
    assert imp["departments_created"] == 2 and imp["departments_updated"] == 1
    e = dept(server, t["viewer"], "endoscopy")
    assert e["name_en"] == "Endoscopy centre, day unit" and e["tier"] == "6h"
    assert {(c["kind"], c["name"], c["role"]) for c in e["contacts"]} == {
        ("email", None, "group"), ("phone", '王护士长 "值班"', "head")}
    ins = dept(server, t["viewer"], "insurance")
    hook = [c for c in ins["contacts"] if c["kind"] == "webhook"]
    assert hook and hook[0]["name"] == "医保\n群" and hook[0]["role"] == "member"
    assert dept(server, t["viewer"], "blood-bank")["contacts"] == []
    before = registry(server, t["viewer"])
    r = post_csv(server, t["admin"], CSV)
    assert r.status == 200 and r.json["imported"]["departments_created"] == 0
    assert registry(server, t["viewer"]) == before

    bad = ("code,name_zh,name_en,tier,contact_kind,contact_address\n"
           "gastro,消化内科,Gastroenterology,6h,email,gastro@demo-hospital.local\n"
           "gastro2,消化内科二,Gastroenterology 2,2h,,\n"
           "gastro,,,,fax,123\n")
    r = post_csv(server, t["it"], bad)
    assert r.status == 400, r
    err = r.json["error"]
    assert err["field"] == "/rows/3/tier" and "row 3" in err["message"]
    assert [(x["row"], x["field"]) for x in err["errors"]] == [(3, "tier"), (4, "contact_kind")]
    assert server.api("GET", "/api/v1/departments/gastro", token=t["viewer"]).status == 404
    assert registry(server, t["viewer"]) == before

    r = post_csv(server, t["it"], "code,name_zh,name_en,tier\nx,\"open,y,z,6h\n")
    assert r.status == 400 and r.json["error"]["field"] == "/rows/2"
    r = post_csv(server, t["it"], "code,name,tier\n")
    assert r.status == 400 and r.json["error"]["field"] == "/rows/1/name"
    r = server.api("POST", "/api/v1/departments/import", b"<x/>", token=t["it"],
                   headers={"Content-Type": "application/xml"})
    assert r.status == 415


def test_cli_departments(server, tmp_path):
    cli = Cli(tmp_path)
    env = {"LIFELINE_SERVER": server.url, "LIFELINE_LANG": "en"}
    cli.ok("login", "it", "--password-stdin", input=DEMO_PASSWORD + "\n", env=env)

    out = cli.ok("departments", "list", env=env)
    assert "pharmacy" in out and "30m" in out and "Pharmacy" in out
    data = json.loads(cli.ok("--json", "departments", "list", env=env))
    assert {d["code"] for d in data["departments"]} >= {"pharmacy", "ward-1", "leadership"}

    out = cli.ok("departments", "show", "info-centre", env=env)
    assert "director.info@demo-hospital.local" in out and "it" in out
    zh = cli.ok("departments", "show", "pharmacy", env={**env, "LIFELINE_LANG": "zh"})
    assert "药房" in zh and "联系方式" in zh

    out = cli.ok("departments", "contact-add", "pharmacy", "--kind", "phone", "--address",
                 "+86 10 5555 0299", "--name", "药房夜班", "--role", "deputy", env=env)
    assert "+86 10 5555 0299" in out
    shown = json.loads(cli.ok("--json", "departments", "show", "pharmacy", env=env))
    assert ("phone", "+86 10 5555 0299", "deputy") in {
        (c["kind"], c["address"], c["role"]) for c in shown["department"]["contacts"]}
    again = cli.run("departments", "contact-add", "pharmacy", "--kind", "phone", "--address",
                    "+86 10 5555 0299", env=env)
    assert again.returncode == 1 and again.stderr
    bad = cli.run("departments", "contact-add", "pharmacy", "--kind", "fax", "--address", "1",
                  env=env)
    assert bad.returncode == 2

    out = cli.ok("departments", "verify", "info-centre", env=env)
    assert "info-centre" in out
    assert dept(server, server.login("viewer", DEMO_PASSWORD),
                "info-centre")["contacts_verified_at"] is not None

    jf = tmp_path / "depts.json"
    jf.write_text(json.dumps(IMPORT, ensure_ascii=False), encoding="utf-8")
    out = cli.ok("departments", "import", str(jf), env=env)
    assert "1" in out and "dialysis" in out
    cf = tmp_path / "depts.csv"
    cf.write_text(CSV, encoding="utf-8")
    res = json.loads(cli.ok("--json", "departments", "import", str(cf), env=env))
    assert res["imported"]["codes"] == ["blood-bank", "endoscopy", "insurance"]
    cf.write_text("code,name_zh,name_en,tier\nzz,z,z,7h\n", encoding="utf-8")
    bad = cli.run("departments", "import", str(cf), env=env)
    assert bad.returncode == 1 and "row 2" in bad.stderr
    missing = cli.run("departments", "import", str(tmp_path / "nope.csv"), env=env)
    assert missing.returncode == 2

    cli.ok("login", "nurse", "--password-stdin", input=DEMO_PASSWORD + "\n", env=env)
    denied = cli.run("departments", "verify", "pharmacy", env=env)
    assert denied.returncode == 1 and "ward-3" in denied.stderr


def test_tier_thresholds_are_configuration(lifelined_factory, pg, server_template, tmp_path):
    db = pg.createdb("t_tiers_" + uuid.uuid4().hex[:8], template=server_template)
    srv = lifelined_factory(db=db, notify={"tiers": {"30m": 600, "6h": 7200}})
    token = srv.login("viewer", DEMO_PASSWORD)
    r = srv.api("GET", "/api/v1/departments", token=token)
    assert r.json["tiers"] == {"30m": 600, "6h": 7200, "24h": 86400}
    by_code = {d["code"]: d["threshold_s"] for d in r.json["departments"]}
    assert by_code["pharmacy"] == 600 and by_code["ward-1"] == 7200
    assert by_code["insurance"] == 86400 and by_code["leadership"] is None
