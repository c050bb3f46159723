"""The `lifeline` client's paper forms (issue 5, item 6): `lifeline forms list`,
`lifeline forms print FORM... [--dept] [--patient]... [--copies] [-o]` writing the
job's one PDF, `lifeline forms sync` keeping the department's census on this
computer, and `forms print --offline` printing from that copy when the Lifeline
server cannot be reached.

Tests named test_server_* run the real client against a real lifelined with a
census snapshot of the demo ward (test_forms_print.add_snapshot); the nurse belongs
to ward-3. The offline tests need no server: they write the cached census
themselves, in the shape GET /api/v1/forms/data answers, and point the client at a
closed port.
"""
import datetime
import json
import os
import re
import stat
import subprocess

from conftest import DEMO_PASSWORD, binary
from test_client_notices import Cli, closed_url
from test_forms_print import DEMO, add_snapshot, pdf_text

import uuid

CST = datetime.timezone(datetime.timedelta(hours=8))
WARD = {"code": "ward-3", "name": "外科一病区护士站", "name_en": "Surgical ward 1 nurse station"}
SERVER_SERIAL = re.compile(r"LL\d{7}-\d{2}")
OFFLINE_SERIAL = re.compile(r"LO-[A-Za-z0-9-]{1,12}-[0-9a-z]{8,12}-\d{3}")


class FormsCli(Cli):
    """A client with its own cache directory and working directory."""

    def __init__(self, tmp_path, server=None, token=None):
        super().__init__(tmp_path, server, token)
        self.cache = tmp_path / f"cache-{uuid.uuid4().hex[:8]}"
        self.cwd = tmp_path / f"cwd-{uuid.uuid4().hex[:8]}"
        self.cwd.mkdir()
        self.env["XDG_CACHE_HOME"] = str(self.cache)

    def run(self, *args, env=None):
        e = dict(self.env)
        e.update(env or {})
        out = subprocess.run([binary("client/lifeline"), *args], env=e, capture_output=True,
                             text=True, timeout=120, stdin=subprocess.DEVNULL, cwd=self.cwd)
        assert "Sanitizer" not in out.stderr and "runtime error:" not in out.stderr, out.stderr
        return out

    @property
    def census(self):
        return self.cache / "lifeline" / "census-ward-3.json"

    def write_census(self, hours_old):
        """The cache as `forms sync` leaves it, from a snapshot hours_old hours ago."""
        taken = datetime.datetime.now(CST) - datetime.timedelta(hours=hours_old)
        doc = {"hospital": DEMO["hospital"], "department": WARD,
               "snapshot_time": taken.isoformat(timespec="seconds"),
               "render_time": taken.isoformat(timespec="seconds"),
               "patients": DEMO["patients"], "price_list": DEMO["price_list"]}
        self.census.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        self.census.write_text(json.dumps(doc, ensure_ascii=False))
        self.census.chmod(0o600)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def server_with_census(lifelined_factory, pg, server_template, snapshot=True):
    db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
    srv = lifelined_factory(db=db)
    if snapshot:
        add_snapshot(pg, db)
    return srv, db


def test_server_list_print_and_keep_the_census(lifelined_factory, pg, server_template, tmp_path):
    srv, _ = server_with_census(lifelined_factory, pg, server_template)
    token = srv.login("nurse", DEMO_PASSWORD)
    cli = FormsCli(tmp_path, srv.url, token)

    # The list, in the language of the interface; --json is the server's answer.
    forms = srv.api("GET", "/api/v1/forms", token=token).json["forms"]
    zh = cli.ok("forms", "list")
    en = cli.ok("--lang", "en", "forms", "list")
    for f in forms:
        assert re.search(rf"^{re.escape(f['code'])}\s+{re.escape(f['name_zh'])}\s", zh, re.M), zh
        assert f"{f['code']}  " in en and f["name_en"] in en
    assert "drug-requisition" in zh and "每位患者" in zh and "patient" in en
    assert json.loads(cli.ok("--json", "forms", "list")) == {"forms": forms}

    # A ward packet and one patient's requisition in one job, one PDF.
    first = DEMO["patients"][0]
    out = cli.run("--lang", "en", "forms", "print", "ward-census", "mar", "--patient", first["id"])
    assert out.returncode == 0, out.stderr
    m = re.fullmatch(r"Printed (\d+) pages to (ward-3-(\d+)\.pdf): print job (\d+), "
                     r"first serial (LL\d{7}-\d{2})\.\n", out.stdout)
    assert m, out.stdout
    pages, name, job, serial = int(m.group(1)), m.group(2), m.group(4), m.group(5)
    assert m.group(3) == job
    pdf = cli.cwd / name
    assert mode(pdf) == 0o600
    text = pdf_text(tmp_path, pdf.read_bytes())
    assert first["name"] in text and first["inpatient_no"] in text and serial in text
    reg = srv.api("GET", f"/api/v1/forms/serials?job={job}", token=token).json["serials"]
    assert len(reg) == pages and min(s["serial"] for s in reg) == serial

    # The print kept the ward's census here: the server's document, for the nurse only.
    assert cli.census.exists(), list(cli.cache.rglob("*"))
    assert mode(cli.census) == 0o600 and mode(cli.census.parent) == 0o700
    kept = json.loads(cli.census.read_text())
    server = srv.api("GET", "/api/v1/forms/data", token=token).json
    kept.pop("render_time", None)
    server.pop("render_time", None)
    assert kept == server and kept["department"]["code"] == "ward-3"

    # Copies, -o, and the JSON report.
    target = cli.cwd / "sub" / "packet.pdf"
    report = json.loads(cli.ok("--json", "forms", "print", "drug-requisition", "--patient",
                               first["id"], "--copies", "2", "-o", str(target)))
    assert report["file"] == str(target) and report["offline"] is False
    assert report["pages"] == 4, report          # two copies of a two-联 form
    text = pdf_text(tmp_path, target.read_bytes())
    assert report["first_serial"] in text and text.count("第一联") == 2


def test_server_handwrite_warning(lifelined_factory, pg, server_template, tmp_path):
    srv, _ = server_with_census(lifelined_factory, pg, server_template)
    token = srv.login("nurse", DEMO_PASSWORD)
    cli = FormsCli(tmp_path, srv.url, token)
    rare = [p for p in DEMO["patients"] if "𠮷" in p["name"]]
    assert rare, "the demo ward lost its rare-character patient"
    out = cli.run("--lang", "en", "forms", "print", "ward-census", "--patient", rare[0]["id"],
                  "-o", "rare.pdf")
    assert out.returncode == 0, out.stderr
    assert re.search(r"note: \d+ field\(s\) hold characters the font cannot draw", out.stderr)


def test_server_sync(lifelined_factory, pg, server_template, tmp_path):
    srv, _ = server_with_census(lifelined_factory, pg, server_template)
    token = srv.login("nurse", DEMO_PASSWORD)
    cli = FormsCli(tmp_path, srv.url, token)
    out = cli.ok("--lang", "en", "forms", "sync")
    assert f"Kept ward-3's census ({len(DEMO['patients'])} patients" in out
    assert str(cli.census) in out
    assert mode(cli.census) == 0o600 and mode(cli.census.parent) == 0o700
    assert json.loads(cli.census.read_text())["patients"] == DEMO["patients"]
    # Another department's census is not the nurse's to keep.
    out = cli.run("forms", "sync", "--dept", "pharmacy")
    assert out.returncode == 1 and "ward-3" in out.stderr
    assert not (cli.cache / "lifeline" / "census-pharmacy.json").exists()


def test_server_refusals_exit_1_with_the_servers_message(lifelined_factory, pg, server_template,
                                                          tmp_path):
    srv, db = server_with_census(lifelined_factory, pg, server_template, snapshot=False)
    token = srv.login("nurse", DEMO_PASSWORD)
    cli = FormsCli(tmp_path, srv.url, token)

    def refused(*args, body):
        out = cli.run(*args)
        r = srv.api("POST", "/api/v1/forms/print", body, token=token,
                    headers={"Accept-Language": "zh-CN"})
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        assert r.json["error"]["message"] in out.stderr, (out.stderr, r.json)
        assert not list(cli.cwd.glob("*.pdf"))
        return out

    refused("forms", "print", "ward-census", body={"items": [{"form": "ward-census"}]})
    add_snapshot(pg, db)
    refused("forms", "print", "no-such-form", body={"items": [{"form": "no-such-form"}]})
    refused("forms", "print", "mar", "--patient", "NOBODY",
            body={"items": [{"form": "mar", "patients": ["NOBODY"]}]})
    out = refused("forms", "print", "mar", "--dept", "pharmacy",
                  body={"items": [{"form": "mar"}], "department": "pharmacy"})
    # --json: the envelope on stdout for scripts.
    out = cli.run("--json", "forms", "print", "mar", "--dept", "pharmacy")
    assert out.returncode == 1 and json.loads(out.stdout)["error"]["code"] == "forbidden"
    # No token at all.
    out = FormsCli(tmp_path, srv.url).run("forms", "print", "mar")
    assert out.returncode == 1 and not list(cli.cwd.glob("*.pdf"))


def test_bad_usage_exits_2_before_any_request(tmp_path):
    cli = FormsCli(tmp_path, closed_url(), "t0ken")
    for args in (["forms", "print"],
                 ["forms", "print", "../etc"],
                 ["forms", "print", "mar", "--patient", "a b"],
                 ["forms", "print", "mar", "--copies", "0"],
                 ["forms", "print", "mar", "--copies", "21"],
                 ["forms", "print", "mar", "--dept", "../x"],
                 ["forms", "print", "mar", "--max-age", "3h"],
                 ["forms", "print", "mar", "--offline", "--max-age", "soon"],
                 ["forms", "print", "mar", "--nope"],
                 ["forms", "list", "extra"],
                 ["forms", "sync", "--dept", "A/B"]):
        out = cli.run(*args)
        assert out.returncode == 2, (args, out.stderr)
        assert "lifeline forms" in out.stderr


def test_unreachable_exits_3_and_names_the_offline_copy(tmp_path):
    cli = FormsCli(tmp_path, closed_url(), "t0ken")
    for args in (["forms", "list"], ["forms", "sync"], ["forms", "print", "mar"]):
        out = cli.run(*args)
        assert out.returncode == 3, (args, out.stderr)
    cli.write_census(hours_old=5)
    out = cli.run("--lang", "en", "forms", "print", "mar")
    assert out.returncode == 3
    assert "this computer keeps ward-3's census" in out.stderr and "--offline" in out.stderr
    assert not list(cli.cwd.glob("*.pdf"))


def test_offline_prints_the_ward_packet_from_the_kept_census(tmp_path):
    cli = FormsCli(tmp_path, closed_url())          # no server, no token
    cli.write_census(hours_old=5)
    out = cli.run("--lang", "en", "forms", "print", "ward-census", "mar", "drug-requisition",
                  "--offline")
    assert out.returncode == 0, out.stderr
    m = re.match(r"OFFLINE: printed (\d+) pages to (ward-3-(LO-\S+)\.pdf) from ward-3's census "
                 r"\(taken [^,]+, 5h00m ago\), serials (\S+) to (\S+)\.\n", out.stdout)
    assert m, out.stdout
    assert "not in the print register" in out.stdout
    pages, job, first, last = int(m.group(1)), m.group(3), m.group(4), m.group(5)
    assert OFFLINE_SERIAL.fullmatch(first) and first.startswith(job + "-"), first
    pdf = cli.cwd / m.group(2)
    assert mode(pdf) == 0o600
    text = pdf_text(tmp_path, pdf.read_bytes())
    for p in DEMO["patients"][:5]:
        if "𠮷" not in p["name"]:
            assert p["name"] in text and p["inpatient_no"] in text
    assert first in text and last in text and not SERVER_SERIAL.search(text)
    assert "外科一病区护士站" in text and "第二联" in text
    assert len(set(OFFLINE_SERIAL.findall(text))) == pages
    # Another job gets other serials.
    out = cli.run("--json", "forms", "print", "ward-census", "--offline", "-o", "again.pdf")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["handwrite"] > 0 and "手写" in out.stderr     # the ward's 𠮷 patient
    assert report["offline"] is True and report["print_job"] != job
    assert report["first_serial"].startswith(report["print_job"] + "-")


def test_offline_refuses_a_stale_census_and_says_how_old(tmp_path):
    cli = FormsCli(tmp_path, closed_url())
    cli.write_census(hours_old=80)
    out = cli.run("--lang", "en", "forms", "print", "ward-census", "--offline")
    assert out.returncode == 1
    assert "too old" in out.stderr and "80h00m ago" in out.stderr and "72h00m" in out.stderr
    assert not list(cli.cwd.glob("*.pdf"))
    out = cli.run("forms", "print", "ward-census", "--offline", "--max-age", "4d")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("离线打印")


def test_offline_without_a_copy_or_with_a_foreign_one(tmp_path):
    cli = FormsCli(tmp_path, closed_url())
    out = cli.run("--lang", "en", "forms", "print", "mar", "--offline")
    assert out.returncode == 1 and "forms sync" in out.stderr
    cli.write_census(hours_old=1)
    out = cli.run("--lang", "en", "forms", "print", "mar", "--offline", "--dept", "ward-9")
    assert out.returncode == 1 and "census-ward-9.json" in out.stderr
    out = cli.run("forms", "print", "mar", "--offline", "--patient", "NOBODY")
    assert out.returncode == 1 and "NOBODY" in out.stderr
    out = cli.run("forms", "print", "mar", "--offline",
                  env={"LIFELINE_TEMPLATES": str(tmp_path / "none")})
    assert out.returncode == 1 and str(tmp_path / "none") in out.stderr
