"""The notice plan (issue 4): who is told what and when, on the virtual clock;
acknowledgement from the API and the one-time e-mail link; repeat and
escalation; closing on resolve; level changes; drills at their time scale;
exactly once across kill -9. Messages go to real receivers (an SMTP server
and an HTTP receiver, each its own process)."""
import datetime
import email
import email.policy
import json
import re
import time
import urllib.parse
import uuid
import zoneinfo

from conftest import DEMO_PASSWORD, Sink, http, wait_for

MIN = 60 * 1000
HOUR = 60 * MIN
NOT_SENT = ("planned", "cancelled")


# ---------- helpers ----------

def start(factory, pg, template, smtp=None, db=None, **notify):
    db = db or pg.createdb("t_" + uuid.uuid4().hex[:12], template=template)
    cfg = dict(notify)
    if smtp:
        cfg["smtp"] = {"url": f"smtp://127.0.0.1:{smtp.port}", "from": "lifeline@demo-hospital.local"}
    return factory(db=db, notify=cfg, testing={"clock_control": True})


def admin(srv):
    return srv.login("admin", DEMO_PASSWORD)


def notices(srv, tok, outage=None, status="all", **query):
    q = {"status": status, "full": 1, **query}
    if outage is not None:
        q["outage"] = outage
    r = srv.api("GET", "/api/v1/notices?" + urllib.parse.urlencode(q), token=tok)
    assert r.status == 200, r
    return r.json["notices"]


def sent(ns):
    """{moment: {department, ...}} of the notices that went out."""
    out = {}
    for n in ns:
        if n["status"] not in NOT_SENT:
            out.setdefault(n["moment"], set()).add(n["department"])
    return out


def tiers(srv, tok):
    r = srv.api("GET", "/api/v1/departments", token=tok)
    assert r.status == 200, r
    by = {}
    for d in r.json["departments"]:
        by.setdefault(d["tier"], set()).add(d["code"])
    return by


def advance(srv, tok, ms):
    r = srv.api("POST", "/api/v1/test/clock", {"advance_ms": ms}, token=tok)
    assert r.status == 200, r


def declare(srv, tok, level="1", **extra):
    r = srv.api("POST", "/api/v1/outages", {"level": level, "reason": "HIS core down", **extra},
                token=tok)
    assert r.status == 201, r
    return r.json["outage"]


def iso(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def wait_sent(srv, tok, oid, moment, departments, timeout=30):
    def done():
        got = sent(notices(srv, tok, oid)).get(moment, set())
        return got >= departments
    wait_for(done, timeout, f"{moment} notices to {sorted(departments)}")


def outbox(srv, tok, **query):
    r = srv.api("GET", "/api/v1/outbox?" + urllib.parse.urlencode(query), token=tok)
    assert r.status == 200, r
    return r.json["deliveries"]


def one(ns, moment, department):
    found = [n for n in ns if n["moment"] == moment and n["department"] == department]
    assert len(found) == 1, (moment, department, found)
    return found[0]


def show(srv, tok, nid):
    r = srv.api("GET", f"/api/v1/notices/{nid}", token=tok)
    assert r.status == 200, r
    return r.json


def read_mail(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


# ---------- the plan on the virtual clock ----------

def test_level1_plan_at_0_30min_6h_24h(lifelined_factory, pg, server_template):
    srv = start(lifelined_factory, pg, server_template)
    tok = admin(srv)
    t = tiers(srv, tok)
    everyone = set().union(*t.values())
    o = declare(srv, tok)
    oid, bp = o["id"], iso(o["breakpoint"])

    # At once: the leadership group as a group, every other department through its head.
    wait_sent(srv, tok, oid, "level-1", everyone)
    ns = notices(srv, tok, oid)
    assert sent(ns) == {"level-1": everyone}
    assert one(ns, "level-1", "leadership")["audience"] == "department"
    assert {n["audience"] for n in ns if n["moment"] == "level-1"
            and n["department"] != "leadership"} == {"head"}
    alert = one(ns, "level-1", "ward-3")
    assert "不要操作电脑" in alert["texts"]["zh"]["body"]
    # The switch-to-paper notices wait for their moment, counted from the breakpoint.
    for tier, secs in (("30m", 1800), ("6h", 21600), ("24h", 86400)):
        for d in t[tier]:
            n = one(ns, f"paper-{tier}", d)
            assert n["status"] == "planned"
            assert iso(n["due_at"]) == bp + datetime.timedelta(seconds=secs)

    advance(srv, tok, 30 * MIN)
    wait_sent(srv, tok, oid, "paper-30m", t["30m"])
    assert sent(notices(srv, tok, oid)) == {"level-1": everyone, "paper-30m": t["30m"]}

    advance(srv, tok, 5 * HOUR + 30 * MIN)
    wait_sent(srv, tok, oid, "paper-6h", t["6h"])
    assert sent(notices(srv, tok, oid)) == {"level-1": everyone, "paper-30m": t["30m"],
                                            "paper-6h": t["6h"]}

    advance(srv, tok, 18 * HOUR)
    wait_sent(srv, tok, oid, "paper-24h", t["24h"])
    ns = notices(srv, tok, oid)
    assert sent(ns) == {"level-1": everyone, "paper-30m": t["30m"], "paper-6h": t["6h"],
                        "paper-24h": t["24h"]}
    for n in ns:
        if n["kind"] == "paper":
            assert iso(n["sent_at"]) >= iso(n["due_at"])
    # The leadership group and the information centre never switch by tier.
    assert not [n for n in ns if n["kind"] == "paper" and n["department"] in t["command"]]
    paper = one(ns, "paper-6h", "ward-3")
    body = paper["texts"]["zh"]["body"]
    assert "外科一病区护士站" in body and "6 小时" in body and "用药执行单" in body
    assert "统一手工开始时间：以信息中心通知为准" in body


def test_recovery_at_3h_resume_with_dates_and_review_after_2_days(lifelined_factory, pg,
                                                                 server_template):
    srv = start(lifelined_factory, pg, server_template)
    tok = admin(srv)
    t = tiers(srv, tok)
    everyone = set().union(*t.values())
    oid = declare(srv, tok)["id"]
    advance(srv, tok, 3 * HOUR)
    wait_sent(srv, tok, oid, "paper-30m", t["30m"])
    r = srv.api("POST", f"/api/v1/outages/{oid}/resolve", {"reason": "core back"}, token=tok)
    assert r.status == 200, r
    resolved = iso(r.json["outage"]["resolved_at"])

    wait_sent(srv, tok, oid, "resume", t["30m"])
    ns = notices(srv, tok, oid)
    assert sent(ns) == {"level-1": everyone, "paper-30m": t["30m"], "resume": t["30m"]}
    # The later tiers were never told; what was open closed by itself, on the record.
    assert {n["status"] for n in ns if n["moment"] in ("paper-6h", "paper-24h")} == {"cancelled"}
    closed = [n for n in ns if n["moment"] in ("level-1", "paper-30m")]
    assert {n["status"] for n in closed} == {"closed"}
    assert {n["closed_reason"] for n in closed} == {"outage resolved"}
    timeline = srv.api("GET", f"/api/v1/outages/{oid}", token=tok).json["timeline"]
    nc = [e for e in timeline if e["kind"] == "notices_closed"]
    assert len(nc) == 1 and nc[0]["detail"]["closed"] == len(closed)
    assert "closed" in [e["kind"] for e in show(srv, tok, closed[0]["id"])["events"]]

    # The resume notice names the real dates, in the hospital's time zone.
    local = resolved.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    resume = one(ns, "resume", "pharmacy")
    body = resume["texts"]["zh"]["body"]
    assert f"今天（{local.isoformat()}）" in body
    assert f"明天（{(local + datetime.timedelta(days=1)).isoformat()}）" in body
    assert "重新启动" in body and "发药记录" in body
    assert f"today ({local.isoformat()})" in resume["texts"]["en"]["body"]

    review = one(ns, "review", "info-centre")
    assert review["status"] == "planned"
    assert iso(review["due_at"]) == resolved + datetime.timedelta(days=2)
    advance(srv, tok, 2 * 24 * HOUR)
    wait_sent(srv, tok, oid, "review", {"info-centre"})
    assert "两天内" in one(notices(srv, tok, oid), "review", "info-centre")["texts"]["zh"]["body"]


def test_the_unified_manual_start_reaches_those_already_on_paper(lifelined_factory, pg,
                                                                 server_template):
    srv = start(lifelined_factory, pg, server_template)
    tok = admin(srv)
    t = tiers(srv, tok)
    oid = declare(srv, tok)["id"]
    advance(srv, tok, 30 * MIN)
    wait_sent(srv, tok, oid, "paper-30m", t["30m"])
    r = srv.api("POST", f"/api/v1/outages/{oid}/manual-start", {"at": "2026-11-22T09:00:00+08:00"},
                token=tok)
    assert r.status == 200, r
    # The departments already on paper hear the time; nobody else does.
    wait_sent(srv, tok, oid, "manual-start", t["30m"])
    ns = notices(srv, tok, oid)
    assert sent(ns)["manual-start"] == t["30m"]
    m = one(ns, "manual-start", "pharmacy")
    assert "2026-11-22 09:00" in m["texts"]["zh"]["subject"]
    assert "统一手工操作开始时间为 2026-11-22 09:00" in m["texts"]["zh"]["body"]
    # Those who switch later find the time in their own switch-to-paper notice.
    advance(srv, tok, 6 * HOUR)
    wait_sent(srv, tok, oid, "paper-6h", t["6h"])
    assert "统一手工开始时间：2026-11-22 09:00" in \
        one(notices(srv, tok, oid), "paper-6h", "ward-3")["texts"]["zh"]["body"]
    assert sent(notices(srv, tok, oid))["manual-start"] == t["30m"]


def test_confirming_40_minutes_late_sends_the_30_minute_notices_at_once(lifelined_factory, pg,
                                                                         server_template):
    srv = start(lifelined_factory, pg, server_template)
    tok = admin(srv)
    t = tiers(srv, tok)
    nurse = srv.login("nurse", DEMO_PASSWORD)
    r = srv.api("POST", "/api/v1/problems", {"text": "护士站无法保存医嘱", "kind": "cannot_save"},
                token=nurse)
    assert r.status == 201, r
    oid = r.json["report"]["outage_id"]
    advance(srv, tok, 40 * MIN)
    # Unconfirmed: nothing is planned yet (the planner has had its chance).
    time_after = time.monotonic() + 2
    wait_for(lambda: time.monotonic() > time_after, 5, "a few planner passes")
    assert notices(srv, tok, oid) == []
    r = srv.api("POST", f"/api/v1/outages/{oid}/confirm",
                {"level": "1", "reason": "whole network"}, token=tok)
    assert r.status == 200, r
    confirmed = iso(r.json["outage"]["confirmed_at"])
    wait_sent(srv, tok, oid, "paper-30m", t["30m"])
    for n in notices(srv, tok, oid):
        if n["moment"] == "paper-30m":
            assert iso(n["due_at"]) < confirmed <= iso(n["sent_at"])


def test_level_changes_replan_without_sending_twice(lifelined_factory, pg, server_template):
    srv = start(lifelined_factory, pg, server_template)
    tok = admin(srv)
    t = tiers(srv, tok)
    oid = declare(srv, tok, level="2")["id"]
    wait_sent(srv, tok, oid, "level-2", {"info-centre"})
    ns = notices(srv, tok, oid)
    assert sent(ns) == {"level-2": {"info-centre"}}
    assert one(ns, "level-2", "info-centre")["audience"] == "head"
    # Level 2 is not a whole-network fault: nobody switches to paper.
    assert not [n for n in ns if n["kind"] == "paper"]
    advance(srv, tok, 40 * MIN)

    def level(lv):
        r = srv.api("POST", f"/api/v1/outages/{oid}/level", {"level": lv, "reason": "re-assessed"},
                    token=tok)
        assert r.status == 200, r

    level("1")
    wait_sent(srv, tok, oid, "paper-30m", t["30m"])
    wait_sent(srv, tok, oid, "level-1", {"leadership"})
    ns = notices(srv, tok, oid)
    assert {n["status"] for n in ns if n["moment"] in ("paper-6h", "paper-24h")} == {"planned"}
    first_ids = {n["id"] for n in ns}
    level("2")
    wait_for(lambda: {n["status"] for n in notices(srv, tok, oid)
                      if n["moment"] in ("paper-6h", "paper-24h")} == {"cancelled"},
             10, "the later tiers cancelled")
    level("1")
    wait_for(lambda: {n["status"] for n in notices(srv, tok, oid)
                      if n["moment"] in ("paper-6h", "paper-24h")} == {"planned"},
             10, "the later tiers planned again")
    ns = notices(srv, tok, oid)
    assert {n["id"] for n in ns} == first_ids          # the same notices, none made twice
    for n in ns:
        if n["status"] not in NOT_SENT:
            kinds = [e["kind"] for e in show(srv, tok, n["id"])["events"]]
            assert kinds.count("sent") == 1, (n["moment"], n["department"], kinds)
    # The level-1 alerts went out once although level 1 was set twice.
    rows = outbox(srv, tok, department="leadership")
    keys = [d["dedup_key"] for d in rows]
    assert len(keys) == len(set(keys))


def test_level3_is_logged_and_other_tells_finance_insurance_outpatient(lifelined_factory, pg,
                                                                        server_template):
    srv = start(lifelined_factory, pg, server_template)
    tok = admin(srv)
    oid = declare(srv, tok, level="3")["id"]
    wait_sent(srv, tok, oid, "level-3", {"info-centre"})
    n = one(notices(srv, tok, oid), "level-3", "info-centre")
    assert n["kind"] == "log" and n["status"] == "sent" and not n["wants_ack"]
    assert n["deliveries"] == {"pending": 0, "sent": 0, "failed": 0}
    assert srv.api("POST", f"/api/v1/notices/{n['id']}/ack", {}, token=tok).status == 409
    assert srv.api("POST", f"/api/v1/outages/{oid}/resolve", {"reason": "fixed"},
                   token=tok).status == 200
    oid = declare(srv, tok, level="other")["id"]
    expected = {"finance", "insurance", "outpatient-office"}
    wait_sent(srv, tok, oid, "level-other", expected)
    ns = notices(srv, tok, oid)
    assert sent(ns) == {"level-other": expected}
    assert "医保" in ns[0]["texts"]["zh"]["subject"]


# ---------- messages, links, acknowledgement, escalation ----------

def test_email_in_chinese_with_a_one_time_link_and_webhook_shapes(lifelined_factory, pg,
                                                                   server_template, smtp, hooks):
    srv = start(lifelined_factory, pg, server_template, smtp)
    tok = admin(srv)
    base = f"http://127.0.0.1:{hooks.port}"
    for kind, path in (("wecom", "/wecom"), ("dingtalk", "/dingtalk")):
        r = srv.api("POST", "/api/v1/departments/pharmacy/contacts",
                    {"kind": kind, "address": base + path}, token=tok)
        assert r.status == 201, r
    oid = declare(srv, tok)["id"]
    advance(srv, tok, 30 * MIN)
    wait_sent(srv, tok, oid, "paper-30m", {"pharmacy"})
    nid = one(notices(srv, tok, oid), "paper-30m", "pharmacy")["id"]

    def paper_mail():
        for p in smtp.files("eml"):
            m = read_mail(p)
            if m["To"] == "pharmacy@demo-hospital.local" and "转手工" in m["Subject"]:
                return m
        return None
    wait_for(paper_mail, 30, "the pharmacy's switch-to-paper e-mail")
    m = paper_mail()
    assert m["Subject"] == "【转手工】药房：请转入手工操作"
    text = m.get_content().replace("\r\n", "\n")
    assert text.startswith("药房：\n")
    assert "本科室现转入手工（纸质）操作" in text and "药品价格表" in text
    link = re.search(r"确认收到（一次性链接）：(\S+)", text).group(1)
    assert link.startswith(srv.url + "/ack/")

    def hook(path):
        for p in hooks.files("json"):
            j = json.loads(p.read_text())
            if j["path"] == path and "转手工" in json.dumps(j["body"], ensure_ascii=False):
                return j
        return None
    wait_for(lambda: hook("/wecom") and hook("/dingtalk"), 30, "the group-robot messages")
    wecom, ding = hook("/wecom")["body"], hook("/dingtalk")["body"]
    assert wecom["msgtype"] == "text" and wecom["text"]["content"].startswith("【转手工】药房")
    assert "/ack/" in wecom["text"]["content"]
    assert ding["msgtype"] == "text" and ding["text"]["content"].startswith("【转手工】药房")
    assert ding["at"] == {"atMobiles": [], "isAtAll": False}

    # GET shows the notice and a button (a mail scanner's visit acknowledges nothing).
    r = http("GET", link)
    assert r.status == 200 and "text/html" in r.headers["Content-Type"]
    assert "确认收到" in r.text and "<form" in r.text and "药房" in r.text
    assert one(notices(srv, tok, oid), "paper-30m", "pharmacy")["status"] == "open"
    r = http("POST", link, body="note=%E5%B7%B2%E6%89%93%E5%8D%B0".encode(),
             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200 and "已确认收到" in r.text, r
    n = show(srv, tok, nid)["notice"]
    assert n["status"] == "acknowledged" and n["ack_via"] == "link"
    assert n["acknowledged_by"] == "pharmacy@demo-hospital.local" and n["ack_note"] == "已打印"
    # One time only; the page says who acknowledged.
    assert http("POST", link, body=b"").status == 404
    r = http("GET", link, headers={"Accept-Language": "en"})
    assert r.status == 200 and "acknowledged by pharmacy@demo-hospital.local" in r.text
    assert http("GET", srv.url + "/ack/not-a-real-token-at-all-000").status == 404


def test_unacknowledged_escalates_to_head_then_leadership(lifelined_factory, pg, server_template):
    srv = start(lifelined_factory, pg, server_template)
    tok = admin(srv)
    r = srv.api("POST", "/api/v1/departments/pharmacy/contacts",
                {"kind": "email", "address": "head.pharmacy@demo-hospital.local", "role": "head",
                 "name": "药房主任"}, token=tok)
    assert r.status == 201, r
    oid = declare(srv, tok)["id"]
    advance(srv, tok, 30 * MIN)
    wait_sent(srv, tok, oid, "paper-30m", {"pharmacy", "outpatient-registration"})
    ns = notices(srv, tok, oid)
    pharmacy = one(ns, "paper-30m", "pharmacy")
    reg = one(ns, "paper-30m", "outpatient-registration")
    nurse = srv.login("nurse", DEMO_PASSWORD)
    viewer = srv.login("viewer", DEMO_PASSWORD)
    r = srv.api("POST", f"/api/v1/notices/{pharmacy['id']}/ack", {}, token=nurse)
    assert r.status == 403 and r.json["error"]["code"] == "forbidden", r
    assert srv.api("POST", f"/api/v1/notices/{pharmacy['id']}/ack", {}, token=viewer).status == 403
    # IT staff acknowledge for the registration desk, which phoned in.
    r = srv.api("POST", f"/api/v1/notices/{reg['id']}/ack", {"note": "电话确认", "via": "web"},
                token=tok)
    assert r.status == 200 and r.json["notice"]["status"] == "acknowledged", r
    r = srv.api("POST", f"/api/v1/notices/{reg['id']}/ack", {}, token=tok)
    assert r.status == 409 and r.json["error"]["code"] == "already_acknowledged", r

    def step(nid):
        return show(srv, tok, nid)["notice"]["step"]

    advance(srv, tok, 10 * MIN)
    wait_for(lambda: step(pharmacy["id"]) == "repeated", 10, "the repeat")
    advance(srv, tok, 10 * MIN)
    wait_for(lambda: step(pharmacy["id"]) == "escalated_head", 10, "the escalation to the head")
    rows = outbox(srv, tok, department="pharmacy")
    head = [d for d in rows if d["address"] == "head.pharmacy@demo-hospital.local"
            and d["subject"].startswith("【未确认")]
    assert len(head) == 1, rows
    advance(srv, tok, 20 * MIN)
    wait_for(lambda: step(pharmacy["id"]) == "escalated_leadership", 10, "the leadership")
    lead = [d for d in outbox(srv, tok, department="pharmacy")
            if d["subject"].startswith("【升级至应急领导小组】药房")]
    assert {d["address"] for d in lead} == {"leadership@demo-hospital.local",
                                            "vp.li@demo-hospital.local"}
    events = show(srv, tok, pharmacy["id"])["events"]
    assert [e["kind"] for e in events] == ["planned", "sent", "repeated", "escalated_head",
                                           "escalated_leadership"]
    # On schedule: 10, 20 and 40 minutes after the sending (plus the moment a pass takes).
    at = {e["kind"]: iso(e["at"]) for e in events}
    for kind, minutes in (("repeated", 10), ("escalated_head", 20), ("escalated_leadership", 40)):
        late = (at[kind] - at["sent"]).total_seconds() - minutes * 60
        assert 0 <= late < 15, (kind, late)
    kinds = [e["kind"] for e in show(srv, tok, reg["id"])["events"]]
    assert kinds == ["planned", "sent", "acknowledged"]
    ack = show(srv, tok, reg["id"])["events"][-1]
    assert ack["actor"] == "admin" and ack["detail"]["on_behalf"] is True
    assert ack["detail"]["note"] == "电话确认"


def test_department_staff_see_their_own_notices_live(lifelined_factory, pg, server_template):
    srv = start(lifelined_factory, pg, server_template)
    tok = admin(srv)
    nurse = srv.login("nurse", DEMO_PASSWORD)
    oid = declare(srv, tok)["id"]
    wait_sent(srv, tok, oid, "level-1", {"ward-3", "pharmacy"})
    mine = notices(srv, nurse, status="open")
    assert {n["department"] for n in mine} == {"ward-3"}
    assert mine[0]["subject"].startswith("【HIS 一级故障】")
    r = srv.api("GET", "/api/v1/notices?dept=pharmacy", token=nurse)
    assert r.status == 403 and r.json["error"]["field"] == "dept"
    r = srv.api("GET", "/api/v1/notices?status=open", token=nurse, headers={"Accept-Language": "en"})
    assert r.json["notices"][0]["subject"].startswith("[HIS level 1]")
    other = one(notices(srv, tok, oid), "level-1", "pharmacy")
    assert srv.api("GET", f"/api/v1/notices/{other['id']}", token=nurse).status == 403

    # The acknowledgement reaches an open event stream.
    import http.client
    conn = http.client.HTTPConnection(srv.url.split("//")[1], timeout=20)
    conn.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {nurse}"})
    resp = conn.getresponse()
    assert resp.status == 200
    r = srv.api("POST", f"/api/v1/notices/{mine[0]['id']}/ack", {"note": "收到"}, token=nurse)
    assert r.status == 200, r
    deadline = time.monotonic() + 20
    event = None
    while time.monotonic() < deadline and event is None:
        line = resp.fp.readline().decode()
        if line.startswith("event: notice"):
            data = json.loads(resp.fp.readline().decode()[len("data: "):])
            if data["id"] == mine[0]["id"] and data["status"] == "acknowledged":
                event = data
    conn.close()
    assert event and event["acknowledged_by"] == "nurse"


# ---------- crashes and drills ----------

def test_kill9_during_a_burst_each_notice_sent_once(lifelined_factory, pg, server_template,
                                                    tmp_path):
    slow = Sink("smtp_sink.py", tmp_path / "slowmail", "--delay", "0.05")
    try:
        db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
        cfg = {"outbox": {"lease_s": 3, "max_in_flight": 4}}
        srv = start(lifelined_factory, pg, server_template, slow, db=db, **cfg)
        tok = admin(srv)
        depts = [{"code": f"burst-{i:02d}", "name_zh": f"突发科室{i:02d}", "name_en": f"Burst {i:02d}",
                  "tier": "30m", "contacts": [{"kind": "email",
                                               "address": f"burst{i:02d}@demo-hospital.local"}]}
                 for i in range(40)]
        r = srv.api("POST", "/api/v1/departments/import", {"departments": depts}, token=tok)
        assert r.status == 200, r
        oid = declare(srv, tok)["id"]
        advance(srv, tok, 30 * MIN)
        wait_for(lambda: len(slow.files("eml")) >= 15, 60, "the burst under way")
        srv.kill9()
        srv2 = start(lifelined_factory, pg, server_template, slow, db=db, **cfg)
        tok = admin(srv2)
        advance(srv2, tok, 30 * MIN)     # the virtual clock is the process's: set it again
        t = tiers(srv2, tok)
        wait_sent(srv2, tok, oid, "paper-30m", t["30m"], timeout=60)
        wait_for(lambda: not outbox(srv2, tok, status="pending") and
                 not outbox(srv2, tok, status="sending"), 120, "every delivery done")
        ns = notices(srv2, tok, oid)
        for n in ns:
            if n["status"] not in NOT_SENT:
                kinds = [e["kind"] for e in show(srv2, tok, n["id"])["events"]]
                assert kinds.count("sent") == 1, (n["moment"], n["department"], kinds)
        rows = outbox(srv2, tok)
        assert all(d["status"] == "sent" for d in rows)
        ids = {f"<outbox-{d['id']}@demo-hospital.local>" for d in rows if d["channel"] == "email"}
        got = [read_mail(p)["Message-ID"] for p in slow.files("eml")]
        # Every message arrived; a repeat is only of one accepted in the instant of the kill,
        # with the same Message-ID (see server/notify/outbox.h).
        assert set(got) == ids
        assert len(got) - len(set(got)) <= 4
        paper = [read_mail(p) for p in slow.files("eml")]
        for i in range(40):
            to = f"burst{i:02d}@demo-hospital.local"
            ids_to = {m["Message-ID"] for m in paper if m["To"] == to and "转手工" in m["Subject"]}
            assert len(ids_to) == 1, (to, ids_to)
    finally:
        slow.stop()


def test_drill_at_3600x_runs_the_24_hour_plan_in_under_half_a_minute(lifelined_factory, pg,
                                                                      server_template):
    srv = start(lifelined_factory, pg, server_template)
    tok = admin(srv)
    t = tiers(srv, tok)
    began = time.monotonic()
    o = declare(srv, tok, drill=True, time_scale=3600)
    oid = o["id"]
    wait_sent(srv, tok, oid, "paper-24h", t["24h"], timeout=45)
    took = time.monotonic() - began
    assert took < 30, f"the drill's 24 hours took {took:.1f} s"
    ns = notices(srv, tok, oid)
    assert sent(ns)["paper-30m"] == t["30m"] and sent(ns)["paper-6h"] == t["6h"]
    assert all(n["drill"] for n in ns)
    for n in ns:
        if n["status"] not in NOT_SENT:
            assert n["texts"]["zh"]["subject"].startswith("【演练】"), n
            assert n["texts"]["en"]["subject"].startswith("[DRILL]"), n
            assert "应急演练" in n["texts"]["zh"]["body"]
    assert all(d["drill"] for d in outbox(srv, tok))
    # A drill opens no real outage and leaves the real world's notices alone.
    assert [x["id"] for x in srv.api("GET", "/api/v1/outages?open=1", token=tok).json["outages"]] \
        == [oid]
