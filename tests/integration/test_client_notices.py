"""The `lifeline` client's notice commands: `lifeline notices [--dept CODE] [--all]`
lists a department's notices and flags those waiting for an acknowledgement;
`lifeline ack ID [--note TEXT]` gives it, marked as given from the CLI.

Tests named test_server_* run the real client against a real lifelined on a real
PostgreSQL (users admin, it (info-centre), nurse (ward-3), viewer) whose notice
planner writes the notices of a declared outage; `clocked` is a server whose clock
the test moves forward to reach the 30-minute paper notices. What the client prints
is checked against what the server itself answers. The rest need no server: help
and usage errors, settled before any request, and an unreachable server.
"""
import datetime
import json
import os
import re
import subprocess
import urllib.parse
import uuid

import pytest

from conftest import DEMO_PASSWORD, binary, free_port, wait_for

CST = datetime.timezone(datetime.timedelta(hours=8))
PAPER_30M = {"outpatient-registration", "outpatient-billing", "admission", "outpatient-doctors",
             "pharmacy"}


class Cli:
    """Runs the real client with a clean environment; the server and the token come
    from LIFELINE_SERVER and LIFELINE_TOKEN."""

    def __init__(self, tmp_path, server=None, token=None):
        home = tmp_path / f"home-{uuid.uuid4().hex[:8]}"
        home.mkdir(parents=True)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            # Local time is China Standard Time, in the POSIX form that needs no tzdata.
            "TZ": "CST-8",
            "LIFELINE_TOKEN_FILE": str(home / "token"),
        }
        if server:
            self.env["LIFELINE_SERVER"] = server
        if token:
            self.env["LIFELINE_TOKEN"] = token
        for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if key in os.environ:
                self.env[key] = os.environ[key]

    def run(self, *args, env=None):
        e = dict(self.env)
        e.update(env or {})
        out = subprocess.run([binary("client/lifeline"), *args], env=e, capture_output=True,
                             text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert "Sanitizer" not in out.stderr and "runtime error:" not in out.stderr, out.stderr
        return out

    def ok(self, *args, env=None):
        out = self.run(*args, env=env)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        assert out.stderr == "", out.stderr
        return out.stdout


def closed_url():
    return f"http://127.0.0.1:{free_port()}"


def as_user(tmp_path, srv, user):
    """A client logged in as `user` (through LIFELINE_TOKEN), and the token."""
    token = srv.login(user, DEMO_PASSWORD)
    return Cli(tmp_path, srv.url, token), token


def api_notices(srv, token, lang="zh-CN", **query):
    qs = urllib.parse.urlencode(query)
    r = srv.api("GET", "/api/v1/notices" + (f"?{qs}" if qs else ""), token=token,
                headers={"Accept-Language": lang})
    assert r.status == 200, r
    return r.json["notices"]


def api_notice(srv, token, nid):
    r = srv.api("GET", f"/api/v1/notices/{nid}", token=token)
    assert r.status == 200, r
    return r.json["notice"]


def refusal(srv, token, method, path, body=None, lang="zh-CN"):
    """The server's own error for a request, as the client must report it."""
    r = srv.api(method, path, body, token=token, headers={"Accept-Language": lang})
    assert r.status >= 400, r
    return r.status, r.json["error"]


def declare(srv, token, **extra):
    r = srv.api("POST", "/api/v1/outages", {"level": "1", "reason": "HIS 核心服务器宕机", **extra},
                token=token)
    assert r.status == 201, r
    return r.json["outage"]["id"]


def wait_open(srv, token, oid, moment, departments):
    """Wait until the planner has sent `moment` to every one of `departments`;
    returns those notices by department."""
    def sent():
        ns = [n for n in api_notices(srv, token, outage=oid)
              if n["moment"] == moment and n["department"] in departments and
              n["status"] == "open"]
        return {n["department"]: n for n in ns} if len(ns) == len(departments) else None
    return wait_for(sent, 10, f"{moment} notices to {sorted(departments)}")


def short(ts):
    """The client's short local time of an API time: "11-22 21:00" (CST)."""
    t = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(CST)
    return t.strftime("%m-%d %H:%M")


def full_time(ts):
    t = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(CST)
    return t.strftime("%Y-%m-%d %H:%M CST")


def rows(stdout):
    """The table rows after the header, as lists of cells (two or more blanks apart);
    a row not flagged in a table with the flag column starts with an empty cell."""
    lines = [line.rstrip() for line in stdout.splitlines()[1:]]
    return [re.split(r" {2,}", line) for line in lines
            if line and not line.startswith("标 ") and "marked !" not in line]


@pytest.fixture
def clocked(lifelined_factory, pg, server_template):
    """A server whose clock the test moves forward (testing.clock_control)."""
    db = pg.createdb("t_ntc_" + uuid.uuid4().hex[:12], template=server_template)
    return lifelined_factory(db=db, testing={"clock_control": True})


# ---------------------------------------------------------------- no server needed


@pytest.mark.parametrize("name", ["notices", "ack"])
def test_help_in_both_languages(tmp_path, name):
    cli = Cli(tmp_path)
    out = cli.ok("help", name)
    assert out.startswith(f"用法：lifeline {name}"), out
    assert "lifeline ack" in out
    out = cli.ok(name, "--help", env={"LANG": "en_US.UTF-8"})
    assert out.startswith(f"Usage: lifeline {name}"), out
    assert re.search(rf"^  {name}\s+\S", cli.ok("--help"), re.M)
    assert "--all" in cli.ok("help", "notices") and "--note" in cli.ok("help", "ack")


USAGE_ERRORS = [
    (["ack"], "缺少参数"),
    (["ack", "seven"], "通知编号须为正整数：“seven”"),
    (["ack", "0"], "通知编号须为正整数：“0”"),
    (["ack", "7/../8"], "通知编号须为正整数"),
    (["ack", "7", "8"], "多余的参数“8”"),
    (["ack", "7", "--note"], "选项 --note 需要一个值"),
    (["ack", "7", "--note", "  "], "--note 不能为空"),
    (["ack", "7", "--note", "收" * 1001], "--note 最多 1000 个字符"),
    # A byte that is not UTF-8 (os.fsencode turns the surrogate into 0xff).
    (["ack", "7", "--note", "ok\udcff"], "--note 不是有效的 UTF-8 文本"),
    (["ack", "7", "--frobnicate"], "未知选项“--frobnicate”"),
    (["notices", "--dept", "Pharmacy"], "科室代码只能包含小写字母、数字和 -：“Pharmacy”"),
    (["notices", "--dept", "ward-3&status=all"], "科室代码只能包含"),
    (["notices", "--dept", ""], "科室代码只能包含"),
    (["notices", "ward-3"], "多余的参数“ward-3”"),
]


@pytest.mark.parametrize("args,message", USAGE_ERRORS,
                         ids=[" ".join(a)[:40] for a, _ in USAGE_ERRORS])
def test_usage_errors_exit_2_before_any_request(tmp_path, args, message):
    # A token and a server that is not there: a request would exit 3, not 2.
    cli = Cli(tmp_path, closed_url(), "some-token")
    out = cli.run(*args)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert message in out.stderr, out.stderr
    assert f"用法：lifeline {args[0]}" in out.stderr
    assert out.stdout == ""


def test_a_note_of_1000_characters_is_not_a_usage_error(tmp_path):
    out = Cli(tmp_path, closed_url(), "some-token").run("ack", "7", "--note", "收" * 1000)
    assert out.returncode == 3, out.stderr


def test_usage_errors_in_english(tmp_path):
    out = Cli(tmp_path, closed_url(), "t").run("--lang", "en", "ack", "x")
    assert out.returncode == 2
    assert "a notice id is a positive whole number: 'x'" in out.stderr
    assert "Usage: lifeline ack NOTICE_ID [--note TEXT]" in out.stderr


@pytest.mark.parametrize("args", [["notices"], ["ack", "7", "--note", "收到"]])
def test_unreachable_server_exits_3(tmp_path, args):
    url = closed_url()
    out = Cli(tmp_path, url, "t").run(*args)
    assert out.returncode == 3, out.stderr
    assert f"无法连接服务器 {url}" in out.stderr and out.stdout == ""


def test_notices_need_a_login(tmp_path):
    out = Cli(tmp_path, closed_url()).run("notices")
    assert out.returncode == 1
    assert "未登录：请先运行“lifeline login 用户名”。" in out.stderr


# ---------------------------------------------------------------- a real lifelined


def test_server_a_nurse_sees_her_wards_notices_and_acknowledges(clocked, tmp_path):
    srv = clocked
    admin_cli, admin = as_user(tmp_path, srv, "admin")
    nurse_cli, nurse = as_user(tmp_path, srv, "nurse")
    oid = declare(srv, admin)
    # Level 1: at once, every department's head is told to stand by, ward-3 among them.
    ward = wait_open(srv, admin, oid, "level-1", {"ward-3", "info-centre"})["ward-3"]
    assert ward["wants_ack"] and ward["audience"] == "head" and not ward["drill"]
    r = srv.api("POST", "/api/v1/test/clock", {"advance_ms": 30 * 60 * 1000}, token=admin)
    assert r.status == 200, r
    paper = wait_open(srv, admin, oid, "paper-30m", PAPER_30M)
    # Half an hour unacknowledged: the ward was reminded (after 10 min), and the
    # leadership group is not told before 40 min (the default notify.ack).
    wait_for(lambda: api_notice(srv, admin, ward["id"])["step"] == "repeated", 10,
             "the ward's reminder")

    # The nurse's list is her ward's, as the server gives it to her.
    mine = api_notices(srv, nurse)
    assert mine and {n["department"] for n in mine} == {"ward-3"}
    out = nurse_cli.ok("notices")
    lines = out.splitlines()
    assert lines[0].split() == ["编号", "发出时间", "科室", "事项", "状态", "催办", "主题"]
    table = rows(out)
    assert [int(r[1]) for r in table] == [n["id"] for n in mine]
    ward = [n for n in mine if n["id"] == ward["id"]][0]
    row = table[[n["id"] for n in mine].index(ward["id"])]
    assert row == ["!", str(ward["id"]), short(ward["sent_at"]), "外科一病区护士站",
                   "待命（一级故障）", "待确认", "已再次通知", ward["subject"]], row
    assert ward["subject"].startswith("【HIS 一级故障】")
    assert "药房" not in out and "转手工" not in out
    assert lines[-1] == (f"标 ! 的 {sum(n['status'] == 'open' for n in mine)} 条通知等待确认收到："
                         f"运行“lifeline ack 编号”确认，例如“lifeline ack {mine[0]['id']}”。")
    # The same with --dept naming her own ward.
    assert nurse_cli.ok("notices", "--dept", "ward-3") == out

    # English, from the locale: the names, words and subject in English.
    out = nurse_cli.ok("notices", env={"LANG": "en_US.UTF-8"})
    en = {n["id"]: n for n in api_notices(srv, nurse, lang="en")}
    assert out.splitlines()[0].split() == ["ID", "Sent", "Department", "What", "Status",
                                           "Escalation", "Subject"]
    row = [r for r in rows(out) if r[1] == str(ward["id"])][0]
    assert row == ["!", str(ward["id"]), short(ward["sent_at"]), "Surgical ward 1 nurse station",
                   "stand by (level 1)", "open", "reminded", en[ward["id"]]["subject"]], row
    assert en[ward["id"]]["subject"].startswith("[HIS level 1]")
    assert out.splitlines()[-1].startswith("1 notice(s) marked ! wait for an acknowledgement: "
                                           "run 'lifeline ack ID'")

    # --json: the server's answer as it is.
    doc = json.loads(nurse_cli.ok("--json", "notices"))
    assert list(doc) == ["notices"]
    assert [n["id"] for n in doc["notices"]] == [n["id"] for n in mine]
    got = [n for n in doc["notices"] if n["id"] == ward["id"]][0]
    for key in ("outage_id", "department", "moment", "kind", "status", "step", "wants_ack",
                "sent_at", "subject", "deliveries"):
        assert got[key] == ward[key], key
    assert got["outage_id"] == oid and "texts" not in got      # the list carries subjects

    # Another department's notices are not the nurse's to see: the server's 403, exit 1.
    status, e = refusal(srv, nurse, "GET", "/api/v1/notices?dept=pharmacy")
    assert status == 403 and e["field"] == "dept"
    out = nurse_cli.run("notices", "--dept", "pharmacy")
    assert out.returncode == 1 and out.stdout == ""
    assert f"服务器拒绝了请求：{e['message']}（字段 dept；forbidden，HTTP 403）" in out.stderr
    out = nurse_cli.run("--json", "notices", "--dept", "pharmacy")
    assert out.returncode == 1 and json.loads(out.stdout)["error"]["code"] == "forbidden"

    # Admin sees the pharmacy's switch to paper.
    out = admin_cli.ok("notices", "--dept", "pharmacy")
    ph = paper["pharmacy"]
    row = [r for r in rows(out) if r[1] == str(ph["id"])][0]
    assert row[2:6] == [short(ph["sent_at"]), "药房", "转手工（30 分钟）", "待确认"], row
    assert row[0] == "!" and row[7].startswith("【转手工】药房")
    out = admin_cli.ok("--lang", "en", "notices", "--dept", "pharmacy")
    assert re.search(rf"^!\s+{ph['id']}\s+.*\s+Pharmacy\s+switch to paper \(30 min\)\s+open\s",
                     out, re.M), out
    everyone = {r[3] for r in rows(admin_cli.ok("notices"))}
    assert {"药房", "外科一病区护士站", "信息中心", "应急领导小组"} <= everyone, everyone

    # The nurse acknowledges her ward's notice from the command line.
    out = nurse_cli.ok("ack", str(ward["id"]), "--note", "收到")
    got = api_notice(srv, admin, ward["id"])
    assert (got["status"], got["acknowledged_by"], got["ack_via"], got["ack_note"]) == \
        ("acknowledged", "nurse", "cli", "收到")
    assert out == (f"已确认收到通知 #{ward['id']}（外科一病区护士站）：确认人 nurse，"
                   f"时间 {full_time(got['acknowledged_at'])}。\n")
    out = nurse_cli.ok("notices")
    assert "!" not in out and "lifeline ack" not in out
    row = [r for r in rows(out) if r[0] == str(ward["id"])][0]
    assert row[4] == "已确认", row

    # Acknowledging again: the server's 409, exit 1.
    status, e = refusal(srv, nurse, "POST", f"/api/v1/notices/{ward['id']}/ack", {"via": "cli"})
    assert (status, e["code"]) == (409, "already_acknowledged")
    out = nurse_cli.run("ack", str(ward["id"]))
    assert out.returncode == 1 and out.stdout == ""
    assert f"服务器拒绝了请求：{e['message']}（already_acknowledged，HTTP 409）" in out.stderr

    # Another department's notice: 403, and it stays open.
    out = nurse_cli.run("ack", str(ph["id"]), "--note", "收到")
    assert out.returncode == 1 and out.stdout == ""
    assert "（forbidden，HTTP 403）" in out.stderr, out.stderr
    assert api_notice(srv, admin, ph["id"])["status"] == "open"
    out = nurse_cli.run("ack", "999999")
    assert out.returncode == 1 and "HTTP 404" in out.stderr

    # IT may acknowledge on the pharmacy's behalf; --json gives the server's answer.
    it_cli, _ = as_user(tmp_path, srv, "it")
    doc = json.loads(it_cli.ok("--json", "ack", str(ph["id"])))
    assert doc["notice"]["id"] == ph["id"]
    assert (doc["notice"]["status"], doc["notice"]["acknowledged_by"], doc["notice"]["ack_via"],
            doc["notice"]["ack_note"]) == ("acknowledged", "it", "cli", None)

    # In English, by the admin for outpatient registration.
    reg = paper["outpatient-registration"]
    out = admin_cli.ok("--lang", "en", "ack", str(reg["id"]), "--note", "phoned, on paper")
    got = api_notice(srv, admin, reg["id"])
    assert out == (f"Acknowledged notice #{reg['id']} ({reg['department_name_en']}): by admin at "
                   f"{full_time(got['acknowledged_at'])}.\n")
    assert (got["ack_note"], got["ack_via"]) == ("phoned, on paper", "cli")

    # --all adds what is planned: the 6-hour tier's paper notices, not sent yet.
    planned = [n for n in api_notices(srv, nurse, status="all") if n["status"] == "planned"]
    out = nurse_cli.ok("notices", "--all")
    for n in planned:
        row = [r for r in rows(out) if r[0] == str(n["id"])][0]
        assert row[1] == f"预计 {short(n['due_at'])}" and row[4] == "计划中", row
    assert len(rows(out)) == len(api_notices(srv, nurse, status="all"))


def test_server_a_drill_is_marked_once(server, tmp_path):
    it = server.login("it", DEMO_PASSWORD)
    oid = declare(server, it, drill=True, time_scale=60)
    ward = wait_open(server, it, oid, "level-1", {"ward-3"})["ward-3"]
    assert ward["drill"] and ward["subject"].startswith("【演练】")
    nurse_cli, nurse = as_user(tmp_path, server, "nurse")
    out = nurse_cli.ok("notices")
    row = [r for r in rows(out) if r[1] == str(ward["id"])][0]
    assert row[-1] == ward["subject"] and row[-1].count("演练") == 1, row
    out = nurse_cli.ok("--lang", "en", "notices")
    row = [r for r in rows(out) if r[1] == str(ward["id"])][0]
    assert row[-1].startswith("[DRILL] [HIS level 1]") and row[-1].count("DRILL") == 1, row


def test_server_a_viewer_cannot_acknowledge(server, tmp_path):
    viewer_cli, viewer = as_user(tmp_path, server, "viewer")
    status, e = refusal(server, viewer, "POST", "/api/v1/notices/1/ack", {"via": "cli"})
    out = viewer_cli.run("ack", "1")
    assert out.returncode == 1 and out.stdout == ""
    assert f"服务器拒绝了请求：{e['message']}（{e['code']}，HTTP {status}）" in out.stderr
