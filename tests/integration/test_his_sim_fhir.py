"""his-sim's FHIR R4 census: the demo hospital Lifeline pulls while the HIS is up.

What a census client relies on: four wards of about thirty inpatients, every
reference resolving, paging that hands out every entry exactly once, rare
names byte for byte, the same census on every run, and failures (down, slow,
flaky, fail_after) that behave as documented in tests/his-sim/README.md.
Real processes over loopback; nothing sleeps on a guess.
"""
import contextlib
from http.client import HTTPException
import json
import socket
import subprocess
import time
import urllib.error
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from conftest import HisSim, Process, binary, http, wait_for

FHIR_JSON = "application/fhir+json; charset=utf-8"
WARDS = {  # Lifeline's department code -> (ward, nurse station, inpatients, beds)
    "ward-1": ("内科一病区", "内科一病区护士站", 30, 32),
    "ward-2": ("内科二病区", "内科二病区护士站", 29, 32),
    "ward-3": ("外科一病区", "外科一病区护士站", 31, 31),
    "ward-4": ("外科二病区", "外科二病区护士站", 30, 32),
}
RARE_NAMES = {  # name -> ward: outside the BMP (𠮷), outside the font (鿍), uncommon
    "王𠮷": "ward-1", "张犇": "ward-1", "欧阳淼": "ward-1",
    "周𠮷娜": "ward-2", "李淼": "ward-2", "阿依古丽·买买提": "ward-2",
    "陈𠮷祥": "ward-3", "赵昇": "ward-3", "司马堃": "ward-3",
    "刘䶮": "ward-4", "韦鿍": "ward-4", "孙喆": "ward-4", "黄垚": "ward-4",
}
TYPES = ["Organization", "Location", "Patient", "Encounter", "Coverage", "Condition",
         "AllergyIntolerance", "MedicationRequest", "Medication", "ChargeItemDefinition"]
NKA = "716186003"
DROPPED = (ConnectionError, HTTPException, urllib.error.URLError)


# ---- a small FHIR client -----------------------------------------------------

class Fhir:
    def __init__(self, sim):
        self.sim = sim
        self.base = sim.state["fhir"]

    def get(self, path_or_url, **params):
        url = path_or_url if "://" in path_or_url else f"{self.base}/{path_or_url}"
        if params:
            url += "?" + urlencode(params)
        return http("GET", url)

    def ok(self, path_or_url, **params):
        r = self.get(path_or_url, **params)
        assert r.status == 200, r
        assert r.headers["Content-Type"] == FHIR_JSON
        return r.json

    def search(self, type_, **params):
        """Every page of a search, following next links as given.
        Returns (matches, includes, pages)."""
        bundle = self.ok(type_, **params)
        total, matches, includes, pages = bundle["total"], [], {}, 0
        while True:
            pages += 1
            assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
            assert bundle["total"] == total, "total is the same on every page"
            for e in bundle.get("entry", []):
                res = e["resource"]
                assert e["fullUrl"] == f"{self.base}/{res['resourceType']}/{res['id']}"
                if e["search"]["mode"] == "match":
                    assert res["resourceType"] == type_
                    matches.append(res)
                else:
                    assert e["search"]["mode"] == "include"
                    includes[f"{res['resourceType']}/{res['id']}"] = res
            links = {link["relation"]: link["url"] for link in bundle["link"]}
            if "next" not in links:
                break
            bundle = self.ok(links["next"])
        assert len(matches) == total, f"{type_}: {len(matches)} entries for a total of {total}"
        ids = [m["id"] for m in matches]
        assert len(set(ids)) == len(ids), f"{type_}: an entry came twice"
        return matches, includes, pages

    def all(self, type_):
        return self.search(type_, _count=100)[0]


def ref_id(ref):
    return ref["reference"].split("/", 1)[1]


def by_id(resources):
    return {r["id"]: r for r in resources}


def stats(sim):
    return sim.ctl("stats")


@contextlib.contextmanager
def started_sim(tmp_path, *args, name="other"):
    """A his-sim of our own; must exit 0 on SIGTERM."""
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


@pytest.fixture
def fhir(his_sim):
    return Fhir(his_sim)


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=10).close()
    except ConnectionRefusedError:
        return True
    return False


# ---- the census --------------------------------------------------------------

def test_the_state_file_and_capability_statement_say_where_and_what(his_sim, fhir):
    port = his_sim.state["targets"]["his-core"]
    assert his_sim.state["fhir"] == f"http://127.0.0.1:{port}/fhir"
    cap = fhir.ok("metadata")
    assert cap["resourceType"] == "CapabilityStatement" and cap["fhirVersion"] == "4.0.1"
    assert cap["format"] == ["json"]
    resources = {r["type"]: r for r in cap["rest"][0]["resource"]}
    assert sorted(resources) == sorted(TYPES)
    enc = resources["Encounter"]
    assert {"_id", "status", "class", "location", "patient"} <= {p["name"] for p in enc["searchParam"]}
    assert "Encounter:patient" in enc["searchInclude"]
    assert "MedicationRequest:medication" in resources["MedicationRequest"]["searchInclude"]


def test_four_wards_with_their_beds_and_departments(fhir):
    wards, _, _ = fhir.search("Location", type="ward")
    assert [w["identifier"][0]["value"] for w in wards] == list(WARDS)
    orgs = by_id(fhir.all("Organization"))
    for w in wards:
        code = w["identifier"][0]["value"]
        name, station, inpatients, beds = WARDS[code]
        assert w["name"] == name and w["physicalType"]["coding"][0]["code"] == "wa"
        dept = orgs[ref_id(w["managingOrganization"])]
        assert dept["name"] == station
        assert dept["identifier"] == [{"system": "urn:demo-hospital:dept", "value": code}]
        bed_list, _, _ = fhir.search("Location", type="bed", partof=f"Location/{w['id']}")
        assert len(bed_list) == beds
        occupied = [b for b in bed_list if b["operationalStatus"]["code"] == "O"]
        assert len(occupied) == inpatients
        free, _, _ = fhir.search("Location", partof=w["id"], **{"operational-status": "U"})
        assert len(free) == beds - inpatients
    assert any(b["name"] == "加1床" for b in fhir.search("Location", partof="loc-ward-3")[0])
    # Every department of Lifeline's plan is there, under the hospital.
    depts = [o for o in orgs.values() if o["type"][0]["coding"][0]["code"] == "dept"]
    assert len(depts) == 23
    assert all(ref_id(o["partOf"]) == "org-hospital" for o in depts)


def test_every_inpatient_is_complete_and_every_reference_resolves(fhir):
    meds = by_id(fhir.all("Medication"))
    prices = {ref_id(p["instance"][0]): p for p in fhir.all("ChargeItemDefinition")}
    assert set(prices) == set(meds)
    for p in prices.values():
        amount = p["propertyGroup"][0]["priceComponent"][0]["amount"]
        assert amount["currency"] == "CNY" and amount["value"] > 0
    seen_patients = set()
    allergy_kinds = set()
    for code, (ward, _, inpatients, _) in WARDS.items():
        encounters, included, pages = fhir.search(
            "Encounter", status="in-progress", _include="Encounter:patient",
            location=f"Location/loc-{code}", _count=7, **{"class": "IMP"})
        assert len(encounters) == inpatients and pages == -(-inpatients // 7)
        patients = {f"Patient/{ref_id(e['subject'])}": None for e in encounters}
        assert set(included) == set(patients), "_include brings every patient, and only them"
        beds = set()
        for e in encounters:
            assert e["status"] == "in-progress" and e["class"]["code"] == "IMP"
            assert e["identifier"][0]["system"] == "urn:demo-hospital:inpatient-no"
            ward_loc, bed_loc = (entry["location"] for entry in e["location"])
            assert ward_loc == {"reference": f"Location/loc-{code}", "display": ward}
            bed = fhir.ok(bed_loc["reference"])
            assert ref_id(bed["partOf"]) == f"loc-{code}" and bed["name"] == bed_loc["display"]
            beds.add(bed["id"])
        assert len(beds) == inpatients, "one patient a bed"
        ids = ",".join(p.split("/")[1] for p in patients)
        seen_patients |= set(ids.split(","))

        coverages, _, _ = fhir.search("Coverage", beneficiary=ids)
        assert sorted(ref_id(c["beneficiary"]) for c in coverages) == sorted(ids.split(","))
        assert {c["type"]["text"] for c in coverages} <= {"自费", "医保", "新农合", "公费"}

        conditions = by_id(fhir.search("Condition", patient=ids, _count=50)[0])
        for e in encounters:
            dx = [ref_id(d["condition"]) for d in e["diagnosis"]]
            assert e["diagnosis"][0]["rank"] == 1 and dx
            for cid in dx:
                c = conditions[cid]
                assert c["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10"
                assert ref_id(c["encounter"]) == e["id"] and c["code"]["text"]

        allergies, _, _ = fhir.search("AllergyIntolerance", patient=ids)
        for a in allergies:
            allergy_kinds.add("none known" if a["code"]["coding"][0]["code"] == NKA else "known")
        if len({ref_id(a["patient"]) for a in allergies}) < inpatients:
            allergy_kinds.add("not recorded")

        orders, med_included, _ = fhir.search(
            "MedicationRequest", status="active", patient=ids,
            _include="MedicationRequest:medication", _count=50)
        assert {ref_id(o["subject"]) for o in orders} == set(ids.split(","))
        for o in orders:
            assert o["intent"] == "order" and o["status"] == "active"
            assert o["medicationReference"]["reference"] in med_included
            assert ref_id(o["medicationReference"]) in meds
            dose = o["dosageInstruction"][0]
            assert dose["doseAndRate"][0]["doseQuantity"]["value"] > 0
            assert dose["route"]["text"] and dose["timing"]["code"]["text"]
            repeat = dose["timing"]["repeat"]
            assert repeat["boundsPeriod"]["start"].endswith("+08:00")
            if dose.get("asNeededBoolean"):
                assert "timeOfDay" not in repeat
            else:
                assert repeat["timeOfDay"] and repeat["frequency"] >= 1
    assert len(seen_patients) == sum(w[2] for w in WARDS.values())
    assert allergy_kinds == {"known", "none known", "not recorded"}


def test_discharged_stays_and_stopped_orders_are_there_to_be_filtered_out(fhir):
    everyone = fhir.all("Encounter")
    finished = [e for e in everyone if e["status"] == "finished"]
    assert len(finished) == 8 and all("end" in e["period"] for e in finished)
    in_progress, _, _ = fhir.search("Encounter", status="in-progress")
    assert len(in_progress) + len(finished) == len(everyone)
    statuses = {o["status"] for o in fhir.all("MedicationRequest")}
    assert statuses == {"active", "stopped", "completed"}


def test_rare_names_come_through_as_utf8_exactly(his_sim, fhir):
    encounters = fhir.all("Encounter")
    ward_of = {ref_id(e["subject"]): ref_id(e["serviceProvider"])[len("org-"):]
               for e in encounters if e["status"] == "in-progress"}
    names = {}
    for p in fhir.all("Patient"):
        names.setdefault(p["name"][0]["text"], []).append(p)
    for name, ward in RARE_NAMES.items():
        assert name in names, name
        assert any(ward_of.get(p["id"]) == ward for p in names[name]), name
    assert len([p for p in names["张伟"] if ward_of.get(p["id"]) == "ward-2"]) >= 2
    wang = names["王𠮷"][0]
    assert wang["name"][0]["family"] == "王" and wang["name"][0]["given"] == ["𠮷"]
    # On the wire: raw UTF-8 (F0 A0 AE B7), not a \ud842\udfb7 escape.
    raw = fhir.get(f"Patient/{wang['id']}").body
    assert "𠮷".encode("utf-8") == b"\xf0\xa0\xae\xb7" and b"\xf0\xa0\xae\xb7" in raw
    assert b"\\u" not in raw


# ---- paging ------------------------------------------------------------------

@pytest.mark.parametrize("count", [1, 7, 20, 100, 1000])
def test_paging_hands_out_every_entry_once(fhir, count):
    everything = [e["id"] for e in fhir.search("Encounter", _count=100)[0]]
    assert len(everything) == 128
    paged, _, pages = fhir.search("Encounter", _count=count)
    assert [e["id"] for e in paged] == everything
    assert pages == -(-128 // min(count, 100))


def test_paging_links_and_defaults(fhir):
    first = fhir.ok("Patient")
    assert first["total"] == 128 and len(first["entry"]) == 20, "the default page is 20"
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert set(links) == {"self", "first", "next", "last"}
    nxt = parse_qs(urlsplit(links["next"]).query)
    assert nxt["_count"] == ["20"] and nxt["_offset"] == ["20"]
    second = fhir.ok(links["next"])
    back = {link["relation"]: link["url"] for link in second["link"]}
    assert fhir.ok(back["previous"])["entry"] == first["entry"]
    last = fhir.ok(links["last"])
    assert len(last["entry"]) == 128 - 120 and "next" not in {l["relation"] for l in last["link"]}
    # The search's own parameters ride along on every link.
    ward = fhir.ok("Encounter", location="loc-ward-2", _count=5)
    nxt = parse_qs(urlsplit(next(l["url"] for l in ward["link"] if l["relation"] == "next")).query)
    assert nxt["location"] == ["loc-ward-2"]


def test_count_zero_and_summary_count_give_the_total_only(fhir):
    for params in ({"_count": 0}, {"_summary": "count"}):
        b = fhir.ok("MedicationRequest", status="active", **params)
        assert b["total"] > 200 and "entry" not in b


def test_reads_and_ids(fhir):
    enc = fhir.ok("Encounter/enc-0001")
    assert enc["id"] == "enc-0001"
    got, _, _ = fhir.search("Patient", _id="pat-0003,pat-0001,pat-9999")
    assert [p["id"] for p in got] == ["pat-0001", "pat-0003"]
    by_inpatient_no, _, _ = fhir.search(
        "Encounter", identifier=f"urn:demo-hospital:inpatient-no|{enc['identifier'][0]['value']}")
    assert [e["id"] for e in by_inpatient_no] == ["enc-0001"]


@pytest.mark.parametrize("path,headers,status,code", [
    ("Observation?patient=pat-0001", {}, 404, "not-supported"),
    ("Patient/pat-9999", {}, 404, "not-found"),
    ("", {}, 404, "not-found"),
    ("Encounter?ward=ward-1", {}, 400, "not-supported"),
    ("Encounter?status:not=finished", {}, 400, "not-supported"),
    ("Encounter?_sort=date", {}, 400, "not-supported"),
    ("Encounter?_count=many", {}, 400, "invalid"),
    ("Encounter?_include=Encounter:status", {}, 400, "not-supported"),
    ("Encounter?_format=xml", {}, 406, "not-supported"),
    ("Encounter", {"Accept": "application/fhir+xml"}, 406, "not-supported"),
])
def test_errors_are_operation_outcomes(fhir, path, headers, status, code):
    r = http("GET", f"{fhir.base}/{path}", headers=headers)
    assert r.status == status, r
    assert r.headers["Content-Type"] == FHIR_JSON
    outcome = r.json
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "error" and outcome["issue"][0]["code"] == code
    assert outcome["issue"][0]["diagnostics"]


def test_the_census_is_read_only(fhir):
    r = http("POST", f"{fhir.base}/Patient", body={"resourceType": "Patient"})
    assert r.status == 405 and r.headers["Allow"] == "GET, HEAD"
    assert r.json["resourceType"] == "OperationOutcome"


# ---- the same census on every run ------------------------------------------

def census_dump(fhir):
    return {t: fhir.all(t) for t in TYPES}


def test_the_census_is_the_same_on_every_run(his_sim, fhir, tmp_path):
    first = census_dump(fhir)
    raw = fhir.get("MedicationRequest", patient="pat-0003").body
    with started_sim(tmp_path, "--seed", "99") as other:
        again = Fhir(other)
        assert census_dump(again) == first, "another process, the same census"
        # Byte for byte, once the port in the links is the same.
        raw_again = again.get("MedicationRequest", patient="pat-0003").body
        assert raw_again.replace(str(other.state["targets"]["his-core"]).encode(),
                                 str(his_sim.state["targets"]["his-core"]).encode()) == raw
    with started_sim(tmp_path, "--census-date", "2026-01-10", name="later") as later:
        moved = census_dump(Fhir(later))
    assert [p["name"] for p in moved["Patient"]] == [p["name"] for p in first["Patient"]]
    assert moved["Encounter"][0]["period"]["start"] != first["Encounter"][0]["period"]["start"]
    assert all(e["period"]["start"] < "2026-01-11" for e in moved["Encounter"])


def test_a_bad_census_date_is_a_usage_error():
    out = subprocess.run([binary("tests/his-sim/his-sim"), "--census-date", "2025-02-30"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "--census-date" in out.stderr


# ---- the census follows the HIS's health ------------------------------------

def test_down_slow_and_flaky_apply_to_the_census(his_sim, fhir):
    port = his_sim.state["targets"]["his-core"]
    his_sim.ctl("down", target="his-core", mode="refuse")
    assert refused(port)
    his_sim.ctl("down", target="his-core", mode="503")
    assert fhir.get("Patient").status == 503
    his_sim.ctl("up", target="his-core")
    assert fhir.get("Patient").status == 200

    his_sim.ctl("slow", target="his-core", ms=250)
    t0 = time.monotonic()
    assert fhir.get("Patient/pat-0001").status == 200
    assert time.monotonic() - t0 >= 0.25
    his_sim.ctl("flaky", target="his-core", p="1")
    assert fhir.get("Patient").status == 503
    his_sim.ctl("up", target="his-core")
    assert fhir.get("Patient").status == 200
    assert stats(his_sim)["fhir"]["failed"] == 0, "target faults are not census faults"


# ---- failing part-way through a pull ----------------------------------------

def pull_pages(fhir, n):
    """Up to n pages of all Encounters, 10 a page; returns how many came back."""
    bundle, got = fhir.get("Encounter", _count=10), 0
    while bundle.status == 200:
        got += 1
        nxt = [l["url"] for l in bundle.json["link"] if l["relation"] == "next"]
        if got == n or not nxt:
            break
        bundle = fhir.get(nxt[0])
    return got, bundle


def test_fail_after_503_fails_the_rest_of_a_pull(his_sim, fhir):
    res = his_sim.ctl("census", fail_after=3)
    assert res["census"]["fail_after"] == {"remaining": 3, "mode": "503"}
    got, last = pull_pages(fhir, 13)
    assert got == 3
    assert last.status == 503 and last.json["resourceType"] == "OperationOutcome"
    assert last.json["issue"][0]["code"] == "transient"
    assert fhir.get("metadata").status == 503, "every later FHIR request fails"
    r = http("GET", his_sim.target_url("his-core"))
    assert r.status == 200, "the rest of the HIS is up"
    s = stats(his_sim)
    assert s["fhir"]["requests"] == 5 and s["fhir"]["served"] == 3 and s["fhir"]["failed"] == 2
    assert s["fhir"]["fail_after"] == {"remaining": 0, "mode": "503"}
    assert s["targets"]["his-core"]["failures_injected"] == 2

    res = his_sim.ctl("census", fail_after="off")
    assert res["census"]["fail_after"] is None
    assert pull_pages(fhir, 13)[0] == 13


def test_fail_after_drop_closes_the_connection_unanswered(his_sim, fhir):
    his_sim.ctl("census", fail_after=1, mode="drop")
    assert fhir.get("Encounter").status == 200
    with pytest.raises(DROPPED):
        fhir.get("Encounter", _offset=20)
    assert http("GET", his_sim.target_url("his-core")).status == 200
    his_sim.ctl("up", target="his-core")
    assert stats(his_sim)["fhir"]["fail_after"] is None, "up clears the census fault"
    assert fhir.get("Encounter", _offset=20).status == 200


def test_fail_after_down_takes_the_his_down_mid_pull(his_sim, fhir):
    port = his_sim.state["targets"]["his-core"]
    his_sim.ctl("census", fail_after=0, mode="down")
    with pytest.raises(DROPPED):
        fhir.get("Encounter")
    wait_for(lambda: stats(his_sim)["targets"]["his-core"]["mode"] == "refuse",
             what="his-core going down")
    assert refused(port)
    s = stats(his_sim)
    assert s["fhir"]["failed"] == 1 and s["fhir"]["fail_after"] is None
    assert s["targets"]["lis"]["state"] == "up"
    his_sim.ctl("up", target="his-core")
    assert fhir.get("Encounter").status == 200


def test_stats_count_fhir_requests_and_reset_zeroes_them(his_sim, fhir):
    assert stats(his_sim)["fhir"]["requests"] == 0
    fhir.search("Encounter", _count=50)  # 3 pages
    fhir.get("Patient/pat-0001")
    fhir.get("metadata")
    s = stats(his_sim)["fhir"]
    assert s["target"] == "his-core"
    assert (s["requests"], s["served"], s["failed"]) == (5, 5, 0)
    assert s["by_type"]["Encounter"] == 3 and s["by_type"]["Patient"] == 1
    assert s["by_type"]["metadata"] == 1 and s["by_type"]["Coverage"] == 0
    assert stats(his_sim)["received"] == {"health": 0, "not_found": 0, "mllp": 0}
    his_sim.ctl("census", fail_after=10)
    his_sim.ctl("reset")
    s = stats(his_sim)["fhir"]
    assert (s["requests"], s["fail_after"]) == (0, None)
    assert set(s["by_type"].values()) == {0}


@pytest.mark.parametrize("method,query,status,field,code", [
    ("POST", "", 400, "fail_after", "missing_parameter"),
    ("POST", "fail_after=-1", 400, "fail_after", "invalid_value"),
    ("POST", "fail_after=soon", 400, "fail_after", "invalid_value"),
    ("POST", "fail_after=2&mode=hang", 400, "mode", "invalid_value"),
    ("POST", "fail_after=2&target=his-core", 400, "target", "unknown_parameter"),
    ("GET", "fail_after=2", 405, None, "method_not_allowed"),
])
def test_census_control_refuses_bad_input(his_sim, method, query, status, field, code):
    r = http(method, f"{his_sim.control}/control/census?{query}")
    assert r.status == status, r
    assert r.json["error"]["code"] == code
    if field:
        assert r.json["error"]["field"] == field
    assert stats(his_sim)["fhir"]["fail_after"] is None


def test_without_his_core_there_is_no_census(tmp_path):
    with started_sim(tmp_path, "--targets", "lis,pacs", name="nocore") as sim:
        assert sim.state["fhir"] is None
        assert stats(sim)["fhir"] is None
        r = http("POST", f"{sim.control}/control/census?fail_after=1")
        assert r.status == 409 and r.json["error"]["code"] == "no_census"
        r = http("GET", sim.target_url("lis", "/fhir/Patient"))
        assert r.status == 404 and r.json["error"]["code"] == "not_found"
