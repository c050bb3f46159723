"""The `lifeline` client's outage commands — outage declare/confirm/level/
manual-start/log/resolve/dismiss/list/show, problem report — and what `status`
shows of the HIS targets and the open outages.

Tests named test_server_* run the real client against a real lifelined on a real
PostgreSQL (the `server` fixture: users admin, it (info-centre), nurse (ward-3),
viewer; or `clocked`, whose clock the test moves forward instead of sleeping), and
check what the client printed against what the server itself answers. The rest
need no server: help and usage errors, which the client settles before any
request (the server URL they are given has nothing listening).
"""
import datetime
import json
import os
import re
import subprocess
import uuid

import pytest

from conftest import DEMO_PASSWORD, binary, free_port

OUTAGE_COMMANDS = ["outage declare", "outage confirm", "outage level", "outage manual-start",
                   "outage log", "outage resolve", "outage dismiss", "outage list",
                   "outage show", "problem report"]


class Cli:
    """Runs the real client with a clean environment rooted in tmp_path."""

    def __init__(self, tmp_path):
        self.home = tmp_path / "home"
        self.home.mkdir(parents=True)
        self.token_file = tmp_path / "cfg" / "lifeline" / "token"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            # Times are shown in local time: China Standard Time, in the POSIX form that
            # needs no tzdata, so that "local" and UTC differ.
            "TZ": "CST-8",
            "LIFELINE_TOKEN_FILE": str(self.token_file),
        }
        for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if key in os.environ:
                self.env[key] = os.environ[key]

    def run(self, *args, input=None, env=None, timeout=120):
        e = dict(self.env)
        e.update(env or {})
        out = subprocess.run([binary("client/lifeline"), *args], input=input, env=e,
                             capture_output=True, text=True, timeout=timeout,
                             stdin=None if input is not None else subprocess.DEVNULL)
        assert "Sanitizer" not in out.stderr and "runtime error:" not in out.stderr, out.stderr
        return out

    def ok(self, *args, **kw):
        out = self.run(*args, **kw)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        assert out.stderr == "", out.stderr
        return out.stdout

    def login(self, url, user):
        out = self.run("--server", url, "login", user, "--password-stdin",
                       input=DEMO_PASSWORD + "\n")
        assert out.returncode == 0, out.stderr
        return json.loads(self.token_file.read_text())["token"]


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path)


@pytest.fixture
def clocked(lifelined_factory, pg, server_template):
    """A server whose clock the test moves forward (testing.clock_control)."""
    db = pg.createdb("t_clk_" + uuid.uuid4().hex[:12], template=server_template)
    return lifelined_factory(db=db, testing={"clock_control": True})


def closed_url():
    return f"http://127.0.0.1:{free_port()}"


def outage_id(stdout, pattern):
    m = re.search(pattern, stdout)
    assert m, stdout
    return int(m.group(1))


def refusal(server, token, method, path, body=None):
    """The server's own error for a request, as the client must report it."""
    r = server.api(method, path, body, token=token, headers={"Accept-Language": "zh-CN"})
    assert r.status >= 400, r
    return r.status, r.json["error"]


def timeline(server, token, oid, skip=("level_proposed",)):
    """(kind, actor) of each step, without the monitor's asynchronous re-proposals."""
    r = server.api("GET", f"/api/v1/outages/{oid}", token=token)
    assert r.status == 200, r
    return [(e["kind"], e["actor"]) for e in r.json["timeline"] if e["kind"] not in skip]


# ---------------------------------------------------------------- no server needed


@pytest.mark.parametrize("name", OUTAGE_COMMANDS)
def test_every_outage_command_has_help_in_both_languages(cli, name):
    words = name.split()
    out = cli.run("help", *words)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"用法：lifeline {name}"), out.stdout
    out = cli.run("--lang", "en", *words, "--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"Usage: lifeline {name}"), out.stdout
    listing = cli.run("--help").stdout
    assert re.search(rf"^  {name}\s+\S", listing, re.M), listing


def test_outage_alone_lists_its_subcommands(cli):
    out = cli.run("outage")
    assert out.returncode == 2
    assert "“outage”需要一个子命令" in out.stderr
    for name in OUTAGE_COMMANDS[:-1]:
        assert name in out.stderr
    out = cli.run("outage", "--help")
    assert out.returncode == 0 and "outage declare" in out.stdout
    out = cli.run("outage", "frobnicate")
    assert out.returncode == 2 and "未知命令“outage frobnicate”" in out.stderr


USAGE_ERRORS = [
    (["outage", "declare", "--level", "4", "--reason", "x"], "等级须为 1、2、3 或 other：“4”"),
    (["outage", "declare", "--level", "1"], "缺少必需的选项 --reason"),
    (["outage", "declare", "--reason", "x"], "缺少必需的选项 --level"),
    (["outage", "declare", "--level", "1", "--reason", " "], "--reason 不能为空"),
    (["outage", "declare", "--level", "1", "--reason", "x", "--time-scale", "60"],
     "--time-scale 只能用于演练"),
    (["outage", "declare", "--level", "1", "--reason", "x", "--drill", "--time-scale", "0"],
     "--time-scale 须为正数"),
    (["outage", "declare", "--level", "1", "--reason", "x", "--targets", "his-core,,his-db"],
     "--targets 须为逗号分隔的目标名"),
    (["outage", "confirm", "7", "--level", "2"], "需要用 --reason 说明原因"),
    (["outage", "confirm", "seven"], "故障编号须为正整数：“seven”"),
    (["outage", "level", "7", "9", "--reason", "x"], "等级须为 1、2、3 或 other：“9”"),
    (["outage", "level", "7", "2"], "缺少必需的选项 --reason"),
    (["outage", "manual-start", "7", "--at", "25:00"], "--at 须为今天的本地时间 HH:MM"),
    (["outage", "manual-start", "7", "--at", "2026-11-22T08:30:00"], "或带时区的 RFC 3339"),
    (["outage", "resolve", "7/../8"], "故障编号须为正整数"),
    (["outage", "dismiss", "7"], "缺少必需的选项 --reason"),
    (["outage", "log", "7"], "缺少必需的选项 --text"),
    (["outage", "show"], "缺少参数"),
    (["outage", "list", "extra"], "多余的参数“extra”"),
    (["problem", "report", "--text", "x", "--kind", "broken"], "--kind 须为 slow、cannot_save"),
    (["problem", "report", "--kind", "slow"], "缺少必需的选项 --text"),
]


@pytest.mark.parametrize("args,message", USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_errors_exit_2_before_any_request(cli, args, message):
    # A token and a server that is not there: a request would exit 3, not 2.
    out = cli.run("--server", closed_url(), "--token", "some-token", *args)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert message in out.stderr, out.stderr
    name = " ".join(args[:2])
    assert f"用法：lifeline {name}" in out.stderr
    assert out.stdout == ""
    # The same without any login: still a usage error, not "not logged in".
    out = cli.run("--server", closed_url(), *args)
    assert out.returncode == 2, out.stderr


def test_usage_errors_in_english(cli):
    out = cli.run("--lang", "en", "outage", "declare", "--level", "one", "--reason", "x")
    assert out.returncode == 2
    assert "the level must be 1, 2, 3 or other: 'one'" in out.stderr
    assert "Usage: lifeline outage declare" in out.stderr


def test_outage_commands_need_a_login(cli):
    out = cli.run("--server", closed_url(), "outage", "list")
    assert out.returncode == 1
    assert "未登录：请先运行“lifeline login 用户名”。" in out.stderr


def test_unreachable_server_exits_3(cli):
    url = closed_url()
    out = cli.run("--server", url, "--token", "t", "outage", "declare", "--level", "1",
                  "--reason", "x")
    assert out.returncode == 3
    assert f"无法连接服务器 {url}" in out.stderr


# ---------------------------------------------------------------- a real lifelined


def test_server_it_runs_an_outage_from_declaration_to_resolve(cli, server):
    it = cli.login(server.url, "it")
    assert cli.ok("outage", "list") == "没有进行中的故障。\n"

    out = cli.ok("outage", "declare", "--level", "1", "--reason", "HIS 核心服务器宕机",
                 "--targets", "his-core, his-db")
    oid = outage_id(out, r"^已宣布故障 #(\d+)。\n")
    o = server.api("GET", f"/api/v1/outages/{oid}", token=it).json["outage"]
    assert (o["status"], o["level"], o["opened_by"], o["drill"]) == ("confirmed", "1", "it", False)
    assert o["targets"] == ["his-core", "his-db"] and o["reason"] == "HIS 核心服务器宕机"
    assert f"故障 #{oid}\n" in out and "演练" not in out
    assert "  状态：已确认\n  等级：一级（全网瘫痪）\n" in out
    assert "  涉及系统：his-core、his-db\n" in out
    assert re.search(r"  下一阈值：30 分钟（门诊挂号、住院登记、门诊医生、药房转手工），"
                     r"\d{4}-\d\d-\d\d \d\d:\d\d CST，还有 \d+分\d\d秒\n", out), out
    assert "  手工运行开始：尚未宣布\n" in out

    # One real outage at a time: the server's 409, in its own words.
    status, e = refusal(server, it, "POST", "/api/v1/outages", {"level": "2", "reason": "again"})
    out = cli.run("outage", "declare", "--level", "2", "--reason", "again")
    assert out.returncode == 1 and out.stdout == ""
    assert f"服务器拒绝了请求：{e['message']}（{e['code']}，HTTP {status}）" in out.stderr

    out = cli.ok("outage", "list")
    header, row = out.splitlines()
    assert header.split() == ["编号", "等级", "状态", "断点", "持续", "下一阈值", "涉及系统"]
    assert row.startswith(f"{oid}  ") and "一级（全网瘫痪）" in row and "已确认" in row
    assert re.search(r"30 分钟，还有 \d+分\d\d秒  his-core、his-db$", row), row
    listed = json.loads(cli.ok("--json", "outage", "list"))
    assert [x["id"] for x in listed["outages"]] == [oid]

    # A declared outage is confirmed already: confirming it again is refused.
    status, e = refusal(server, it, "POST", f"/api/v1/outages/{oid}/confirm", {})
    out = cli.run("outage", "confirm", str(oid))
    assert out.returncode == 1
    assert f"服务器拒绝了请求：{e['message']}（字段 {e['field']}；{e['code']}，HTTP {status}）" \
        in out.stderr

    out = cli.ok("outage", "level", str(oid), "2", "--reason", "只有检验系统受影响")
    assert out.startswith(f"故障 #{oid} 的等级已改为二级（局部故障）。\n")
    # What was declared first stays as the proposal beside the level now in force.
    assert "  等级：二级（局部故障）（建议等级：一级（全网瘫痪））\n" in out

    # "HH:MM" is today in local time (CST here), sent as UTC.
    before = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    out = cli.ok("outage", "manual-start", str(oid), "--at", "08:30")
    after = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    o = server.api("GET", f"/api/v1/outages/{oid}", token=it).json["outage"]
    expected = {(datetime.datetime.combine(d, datetime.time(0, 30))).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z") for d in (before, after)}
    assert o["manual_start_at"] in expected and o["status"] == "manual"
    day = o["manual_start_at"][:10]
    assert out.startswith(f"故障 #{oid}：统一手工运行开始时间为 {day} 08:30 CST。\n"), out
    assert "  状态：手工运行中\n" in out and f"  手工运行开始：{day} 08:30 CST\n" in out

    # A full RFC 3339 time with its offset.
    cli.ok("outage", "manual-start", str(oid), "--at", "2026-11-22T09:15:00+08:00")
    o = server.api("GET", f"/api/v1/outages/{oid}", token=it).json["outage"]
    assert o["manual_start_at"] == "2026-11-22T01:15:00.000Z"

    out = cli.ok("outage", "log", str(oid), "--text", "更换备用交换机，数据库重启")
    assert out == f"已记入故障 #{oid} 的时间线。\n"

    out = cli.ok("outage", "resolve", str(oid), "--reason", "HIS 已恢复")
    assert out.startswith(f"故障 #{oid}：已恢复。\n")
    assert "  状态：已恢复\n" in out and "下一阈值" not in out
    assert re.search(r"\n  持续：\d+秒\n", out), out

    assert timeline(server, it, oid) == [
        ("declared", "it"), ("level_changed", "it"), ("manual_start", "it"),
        ("manual_start", "it"), ("recovery_step", "it"), ("resolved", "it")]
    out = cli.ok("outage", "show", str(oid))
    block, steps = out.split("时间线：\n")
    assert f"故障 #{oid}\n" in block and "  状态：已恢复\n" in block
    assert "  发现：" in block and "（it）" in block and "  结束：" in block
    assert "  原因：HIS 核心服务器宕机\n" in block
    lines = steps.splitlines()
    assert len(lines) == 6, steps
    for line, (what, detail) in zip(lines, [
            ("宣布", "等级：一级（全网瘫痪）；系统：his-core、his-db；原因：HIS 核心服务器宕机"),
            ("改等级", "原等级：一级（全网瘫痪）；新等级：二级（局部故障）；原因：只有检验系统受影响"),
            ("手工运行开始", f"时间：{day} 08:30 CST"),
            ("手工运行开始", "时间：2026-11-22 09:15 CST"),
            ("恢复步骤", "更换备用交换机，数据库重启"),
            ("已恢复", "原因：HIS 已恢复")]):
        assert re.match(rf"  \d{{4}}-\d\d-\d\d \d\d:\d\d CST  {what}\s+it\s+", line), line
        assert line.endswith(detail), (line, detail)
    shown = json.loads(cli.ok("--json", "outage", "show", str(oid)))
    assert shown["outage"]["id"] == oid
    assert shown["timeline"] == server.api("GET", f"/api/v1/outages/{oid}", token=it).json[
        "timeline"]

    assert cli.ok("outage", "list") == "没有进行中的故障。\n"
    out = cli.ok("outage", "list", "--all")
    assert re.search(rf"^{oid}\s+二级（局部故障）\s+已恢复\s", out, re.M), out


def test_server_english_output(cli, server):
    cli.login(server.url, "it")
    out = cli.ok("--lang", "en", "outage", "declare", "--level", "other", "--reason",
                 "insurance line down")
    oid = outage_id(out, r"^Declared outage #(\d+)\.\n")
    assert "  Status:           confirmed\n" in out
    assert "  Level:            other (medical-insurance line)\n" in out
    assert "  Next threshold:   30 min (outpatient registration" in out
    out = cli.ok("--lang", "en", "outage", "show", str(oid))
    assert "Timeline:\n" in out and re.search(r"  declared\s+it\s+level: other", out), out
    out = cli.ok("--lang", "en", "outage", "list")
    assert out.splitlines()[0].split() == ["ID", "Level", "Status", "Breakpoint", "Elapsed",
                                           "Next", "threshold", "Targets"]


def test_server_a_nurse_reports_problems_but_cannot_run_the_outage(cli, server):
    it = server.login("it", DEMO_PASSWORD)
    oid = server.api("POST", "/api/v1/outages", {"level": "1", "reason": "HIS down"},
                     token=it).json["outage"]["id"]
    nurse = cli.login(server.url, "nurse")

    status, e = refusal(server, nurse, "POST", "/api/v1/outages", {"level": "1", "reason": "x"})
    assert status == 403
    out = cli.run("outage", "declare", "--level", "1", "--reason", "x")
    assert out.returncode == 1 and out.stdout == ""
    assert f"服务器拒绝了请求：{e['message']}（{e['code']}，HTTP 403）" in out.stderr
    for args in (["confirm", str(oid)], ["level", str(oid), "2", "--reason", "x"],
                 ["manual-start", str(oid)], ["log", str(oid), "--text", "x"],
                 ["resolve", str(oid)], ["dismiss", str(oid), "--reason", "x"]):
        out = cli.run("outage", *args)
        assert out.returncode == 1, args
        assert "（forbidden，HTTP 403）" in out.stderr, (args, out.stderr)
    assert timeline(server, it, oid) == [("declared", "it")]  # nothing happened

    # Reading is for everyone.
    assert str(oid) in cli.ok("outage", "list")
    assert "时间线：\n" in cli.ok("outage", "show", str(oid))

    out = cli.ok("problem", "report", "--text", "医嘱无法保存", "--kind", "cannot_save")
    rid = outage_id(out, r"^已报告问题 #(\d+)。\n")
    assert f"已归入故障 #{oid}。\n" in out
    o = server.api("GET", f"/api/v1/outages/{oid}", token=it).json["outage"]
    assert o["problem_reports"] == 1
    doc = json.loads(cli.ok("--json", "problem", "report", "--text", "打印机无响应"))
    assert doc["report"]["outage_id"] == oid and doc["report"]["id"] > rid
    r = server.api("GET", f"/api/v1/outages/{oid}", token=it).json
    reports = [e["detail"] for e in r["timeline"] if e["kind"] == "problem_report"]
    assert [(d["kind"], d["department"], d["text"]) for d in reports] == [
        ("cannot_save", "ward-3", "医嘱无法保存"), ("other", "ward-3", "打印机无响应")]

    # Another department's report is not a nurse's to make.
    out = cli.run("problem", "report", "--text", "x", "--dept", "pharmacy")
    assert out.returncode == 1 and "（字段 /department；forbidden，HTTP 403）" in out.stderr

    viewer = Cli(cli.home.parent / "viewer")
    viewer.login(server.url, "viewer")
    out = viewer.run("problem", "report", "--text", "x")
    assert out.returncode == 1 and "HTTP 403" in out.stderr


def test_server_a_report_opens_a_suspected_outage_that_it_confirms(cli, server, tmp_path):
    nurse = Cli(tmp_path / "nurse")
    nurse.login(server.url, "nurse")
    out = nurse.ok("problem", "report", "--text", "系统很慢，医嘱保存不了", "--kind", "slow")
    oid = outage_id(out, r"据此打开了疑似故障 #(\d+)，等待信息科确认。\n")

    it = cli.login(server.url, "it")
    o = server.api("GET", f"/api/v1/outages/{oid}", token=it).json["outage"]
    assert o["status"] == "suspected"
    proposed = {"1": "一级（全网瘫痪）", "2": "二级（局部故障）", "3": "三级（操作失误）",
                "other": "其他（医保线路）"}[o["proposed_level"]]
    out = cli.ok("status")
    assert f"\n故障 #{oid}\n  状态：疑似\n  等级：{proposed}（系统建议，待信息科确认）\n" in out

    other = "1" if o["proposed_level"] != "1" else "2"
    out = cli.ok("outage", "confirm", str(oid), "--level", other, "--reason", "全院都报告了")
    assert out.startswith(f"已确认故障 #{oid}。\n")
    o = server.api("GET", f"/api/v1/outages/{oid}", token=it).json["outage"]
    assert o["status"] == "confirmed" and o["level"] == other
    shown = {"1": "一级（全网瘫痪）", "2": "二级（局部故障）"}[other]
    assert f"  等级：{shown}（建议等级：{proposed}）\n" in out
    assert timeline(server, it, oid) == [("opened", "nurse"), ("confirmed", "it")]
    out = cli.ok("outage", "show", str(oid))
    assert re.search(r"  打开\s+nurse\s+系统很慢，医嘱保存不了；类型：访问缓慢；科室：ward-3；报告：\d+\n",
                     out), out


def test_server_a_false_alarm_is_dismissed(cli, server):
    nurse = server.login("nurse", DEMO_PASSWORD)
    r = server.api("POST", "/api/v1/problems", {"text": "电脑很慢"}, token=nurse)
    oid = r.json["report"]["outage_id"]
    cli.login(server.url, "it")
    out = cli.ok("outage", "dismiss", str(oid), "--reason", "只是这台电脑的问题")
    assert out.startswith(f"故障 #{oid}：已撤销（误报）。\n")
    assert cli.ok("outage", "list") == "没有进行中的故障。\n"
    it = server.login("it", DEMO_PASSWORD)
    assert timeline(server, it, oid) == [("opened", "nurse"), ("dismissed", "it")]
    # Dismissing twice: the server's 409, exit 1.
    out = cli.run("outage", "dismiss", str(oid), "--reason", "again")
    assert out.returncode == 1 and "HTTP 409" in out.stderr
    out = cli.run("outage", "show", "999999")
    assert out.returncode == 1 and "HTTP 404" in out.stderr


def test_server_status_shows_targets_and_open_outages_with_drills_marked(cli, server):
    out = cli.ok("--server", server.url, "status")
    assert "当前故障" not in out and "HIS 系统" not in out  # not logged in: not asked

    it = cli.login(server.url, "it")
    targets = server.api("GET", "/api/v1/targets", token=it).json["targets"]
    out = cli.ok("status")
    assert "用户：it（信息科，info-centre）\n" in out
    if targets:
        assert "HIS 系统：\n" in out
        for t in targets:
            assert re.search(rf"^  {re.escape(t['name'])}\s+{re.escape(t['title_zh'])}\s", out,
                             re.M), out
    else:
        assert "HIS 系统：未配置监测目标\n" in out
    assert out.endswith("当前故障：无\n"), out

    real = outage_id(cli.ok("outage", "declare", "--level", "1", "--reason", "HIS down"),
                     r"#(\d+)")
    drill = outage_id(cli.ok("outage", "declare", "--level", "2", "--reason", "季度演练",
                             "--drill", "--time-scale", "60"), r"#(\d+)")
    out = cli.ok("status")
    assert f"\n故障 #{real}\n  状态：已确认\n  等级：一级（全网瘫痪）\n" in out
    assert f"\n故障 #{drill}【演练 DRILL】（时间加速 ×60）\n  状态：已确认\n" in out
    assert out.count("  手工运行开始：尚未宣布\n") == 2
    assert len(re.findall(r"  已持续：\d+(秒|分\d\d秒|小时\d\d分)\n", out)) == 2, out
    assert len(re.findall(r"  下一阈值：(30 分钟|6 小时)（.*），.* CST，还有 ", out)) == 2, out
    out = cli.ok("--lang", "en", "status")
    assert f"Outage #{drill} [演练 DRILL] (time ×60)\n" in out
    assert "  Manual start:     not announced yet\n" in out

    doc = json.loads(cli.ok("--json", "status"))
    assert sorted(o["id"] for o in doc["outages"]) == sorted([real, drill])
    assert [o["drill"] for o in sorted(doc["outages"], key=lambda o: o["id"])] == [False, True]
    assert doc["targets"] == targets

    out = cli.ok("outage", "list")
    assert re.search(rf"^{drill}\s.*【演练 DRILL】$", out, re.M), out
    assert re.search(rf"^{real}\s.*-$", out, re.M), out


def test_server_status_countdown_follows_the_servers_clock(cli, clocked):
    it = cli.login(clocked.url, "it")
    admin = clocked.login("admin", DEMO_PASSWORD)
    oid = outage_id(cli.ok("outage", "declare", "--level", "1", "--reason", "HIS down"),
                    r"#(\d+)")
    # 31½ minutes on: past the 30-minute tier, 5 h 28 min 30 s before the 6-hour one.
    r = clocked.api("POST", "/api/v1/test/clock", {"advance_ms": (31 * 60 + 30) * 1000},
                    token=admin)
    assert r.status == 200, r
    o = clocked.api("GET", f"/api/v1/outages/{oid}", token=it).json["outage"]
    assert o["next_threshold"]["tier"] == "6h"
    out = cli.ok("status")
    assert re.search(r"  已持续：31分[3-5]\d秒\n", out), out
    assert re.search(r"  下一阈值：6 小时（住院医生、护士站、手术室、医技转手工），"
                     r"\d{4}-\d\d-\d\d \d\d:\d\d CST，还有 5小时2[78]分\n", out), out
    out = cli.ok("outage", "list")
    assert re.search(rf"^{oid}\s.*31分[3-5]\d秒\s+6 小时，还有 5小时2[78]分\s", out, re.M), out
    out = cli.ok("--lang", "en", "outage", "show", str(oid))
    assert re.search(r"  Next threshold:   6 h \(inpatient doctors.*\) at .* CST, in 5h 2[78]m\n",
                     out), out
