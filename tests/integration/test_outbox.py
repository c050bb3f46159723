"""The outbox (issue 4, channels): e-mail to a real SMTP server, webhooks in
the generic, WeCom and DingTalk shapes to a real HTTP receiver, retries with
back-off on the virtual clock, exactly-once across kill -9, and only the
leader delivers. Deliveries are queued through a real path: the department
test message."""
import email
import email.policy
import json
import uuid


from conftest import DEMO_PASSWORD, Sink, wait_for

DEPT = "outpatient-registration"


def start(factory, pg, template, smtp, db=None, **outbox):
    db = db or pg.createdb("t_" + uuid.uuid4().hex[:12], template=template)
    cfg = {"smtp": {"url": f"smtp://127.0.0.1:{smtp.port}", "from": "lifeline@demo-hospital.local"},
           "outbox": {"lease_s": 3, **outbox}}
    return factory(db=db, notify=cfg, testing={"clock_control": True})


def token(srv):
    return srv.login("admin", DEMO_PASSWORD)


def deliveries(srv, tok, **query):
    q = "&".join(f"{k}={v}" for k, v in query.items())
    r = srv.api("GET", "/api/v1/outbox" + ("?" + q if q else ""), token=tok)
    assert r.status == 200, r
    return r.json["deliveries"]


def add_contact(srv, tok, kind, address, dept=DEPT):
    r = srv.api("POST", f"/api/v1/departments/{dept}/contacts", {"kind": kind, "address": address},
                token=tok)
    assert r.status == 201, r


def send_test_message(srv, tok, text, dept=DEPT, **extra):
    r = srv.api("POST", f"/api/v1/departments/{dept}/test-message", {"text": text, **extra},
                token=tok)
    assert r.status == 202, r
    return r.json["queued"]


def read_mail(path):
    raw = path.read_bytes()
    return email.message_from_bytes(raw, policy=email.policy.default)


def wait_sent(srv, tok, n):
    wait_for(lambda: len(deliveries(srv, tok, status="sent")) >= n, 30, f"{n} deliveries sent")


def test_email_and_webhook_shapes_arrive(lifelined_factory, pg, server_template, smtp, hooks):
    srv = start(lifelined_factory, pg, server_template, smtp)
    tok = token(srv)
    base = f"http://127.0.0.1:{hooks.port}"
    add_contact(srv, tok, "webhook", base + "/generic")
    add_contact(srv, tok, "wecom", base + "/wecom")
    add_contact(srv, tok, "dingtalk", base + "/dingtalk")
    add_contact(srv, tok, "phone", "+86-10-5555-0999")   # people call phones: not queued
    text = "请检查本科室的停机联系方式。\n第二行：纸质流程演练。"
    # The seeded group mailbox, three webhooks (the duty phones are skipped).
    assert send_test_message(srv, tok, text, subject="停机联系测试") == 4
    wait_sent(srv, tok, 4)

    mails = smtp.files("eml")
    assert len(mails) == 1
    m = read_mail(mails[0])
    assert m["Subject"] == "【测试】门诊挂号 (Outpatient registration)：停机联系测试"
    assert m["To"] == f"{DEPT}@demo-hospital.local"
    rows = {d["channel"]: d for d in deliveries(srv, tok)}
    assert m["Message-ID"] == f"<outbox-{rows['email']['id']}@demo-hospital.local>"
    assert m["Date"]
    assert m.get_content_type() == "text/plain" and m.get_content_charset() == "utf-8"
    assert m.get_content().replace("\r\n", "\n").rstrip("\n") == text

    got = {json.loads(p.read_text())["path"]: json.loads(p.read_text()) for p in hooks.files("json")}
    assert set(got) == {"/generic", "/wecom", "/dingtalk"}
    subject = "【测试】门诊挂号 (Outpatient registration)：停机联系测试"
    assert got["/generic"]["body"] == {"subject": subject, "text": text, "department": DEPT,
                                       "drill": False}
    assert got["/generic"]["headers"]["X-Lifeline-Delivery"] == str(rows["webhook"]["id"])
    assert got["/generic"]["headers"]["Content-Type"].startswith("application/json")
    assert got["/wecom"]["body"] == {"msgtype": "text", "text": {"content": subject + "\n" + text}}
    assert got["/dingtalk"]["body"]["msgtype"] == "text"
    assert got["/dingtalk"]["body"]["text"] == {"content": subject + "\n" + text}
    assert got["/dingtalk"]["body"]["at"] == {"atMobiles": [], "isAtAll": False}
    for d in rows.values():
        assert d["status"] == "sent" and d["attempts"] == 1 and d["sent_at"] and d["last_error"] is None

    # Audited, and only admin and it may do it.
    r = srv.api("POST", f"/api/v1/departments/{DEPT}/test-message", {"text": "x"},
                token=srv.login("nurse", DEMO_PASSWORD))
    assert r.status == 403
    assert srv.api("GET", "/api/v1/outbox", token=srv.login("nurse", DEMO_PASSWORD)).status == 403
    r = srv.api("POST", "/api/v1/departments/no-such/test-message", {"text": "x"}, token=tok)
    assert r.status == 404
    assert srv.api("GET", "/api/v1/outbox?status=bogus", token=tok).status == 400


def test_receiver_down_retries_with_back_off_then_delivers_once(lifelined_factory, pg,
                                                                 server_template, smtp, hooks):
    srv = start(lifelined_factory, pg, server_template, smtp)
    tok = token(srv)
    port = hooks.port
    hooks.stop()                         # the receiver is down
    add_contact(srv, tok, "webhook", f"http://127.0.0.1:{port}/down")
    send_test_message(srv, tok, "receiver down")

    def hook_row():
        return [d for d in deliveries(srv, tok) if d["channel"] == "webhook"][0]

    wait_for(lambda: hook_row()["attempts"] == 1 and hook_row()["status"] == "pending", 20,
             "the first attempt to fail")
    row = hook_row()
    assert row["last_error"] and "connect" in row["last_error"].lower(), row
    first_next = row["next_attempt_at"]

    def advance(ms):
        r = srv.api("POST", "/api/v1/test/clock", {"advance_ms": ms}, token=tok)
        assert r.status == 200, r

    # Not due before its back-off: 4 s on, still one attempt.
    advance(4000)
    assert hook_row()["attempts"] == 1
    advance(1500)                        # past 5 s: the second attempt
    wait_for(lambda: hook_row()["attempts"] == 2 and hook_row()["status"] == "pending", 20,
             "the second attempt to fail")
    second_next = hook_row()["next_attempt_at"]
    assert second_next > first_next
    advance(6000)                        # the second back-off is 10 s: not due yet
    assert hook_row()["attempts"] == 2

    hooks.port = port
    hooks.start()                        # the receiver is back
    advance(5000)
    wait_for(lambda: hook_row()["status"] == "sent", 20, "the delivery once the receiver is back")
    assert hook_row()["attempts"] == 3 and hook_row()["last_error"] is None
    assert len(hooks.files("json")) == 1
    assert [d["status"] for d in deliveries(srv, tok, status="failed")] == []


def test_failed_after_max_attempts_and_retry(lifelined_factory, pg, server_template, smtp, hooks):
    srv = start(lifelined_factory, pg, server_template, smtp, max_attempts=2)
    tok = token(srv)
    add_contact(srv, tok, "webhook", f"http://127.0.0.1:{hooks.port}/fail/x")
    send_test_message(srv, tok, "receiver refuses")

    def hook_row():
        return [d for d in deliveries(srv, tok) if d["channel"] == "webhook"][0]

    wait_for(lambda: hook_row()["attempts"] == 1 and hook_row()["status"] == "pending", 20)
    assert hook_row()["last_error"].startswith("HTTP 500")
    assert srv.api("POST", "/api/v1/test/clock", {"advance_ms": 6000}, token=tok).status == 200
    wait_for(lambda: hook_row()["status"] == "failed", 20, "failed after max_attempts")
    failed = deliveries(srv, tok, status="failed")
    assert [d["id"] for d in failed] == [hook_row()["id"]]
    r = srv.api("POST", f"/api/v1/outbox/{failed[0]['id']}/retry", token=tok)
    assert r.status == 200 and r.json["delivery"]["status"] == "pending"
    sent = wait_for(lambda: [d for d in deliveries(srv, tok, status="sent") if d["channel"] == "email"],
                    20, "the e-mail sent")
    assert srv.api("POST", f"/api/v1/outbox/{sent[0]['id']}/retry", token=tok).status == 409
    assert srv.api("POST", "/api/v1/outbox/999999/retry", token=tok).status == 404


def test_kill9_in_a_burst_delivers_every_message_once(lifelined_factory, pg, server_template,
                                                      tmp_path):
    slow = Sink("smtp_sink.py", tmp_path / "slowmail", "--delay", "0.1")
    try:
        db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
        srv = start(lifelined_factory, pg, server_template, slow, db=db, max_in_flight=4)
        tok = token(srv)
        for i in range(99):              # + the seeded group mailbox = 100
            add_contact(srv, tok, "email", f"burst{i:03d}@demo-hospital.local", dept="pharmacy")
        assert send_test_message(srv, tok, "突发测试", dept="pharmacy") == 100
        wait_for(lambda: len(slow.files("eml")) >= 20, 60, "the burst under way")
        srv.kill9()
        assert len(slow.files("eml")) < 100
        srv2 = start(lifelined_factory, pg, server_template, slow, db=db, max_in_flight=4)
        tok = token(srv2)
        wait_for(lambda: len(deliveries(srv2, tok, status="sent")) == 100, 90,
                 "every delivery sent after the restart")
        ids = {f"<outbox-{d['id']}@demo-hospital.local>" for d in deliveries(srv2, tok)}
        mails = [read_mail(p) for p in slow.files("eml")]
        got = [m["Message-ID"] for m in mails]
        # Every message arrived; a repeat is possible only for one the server
        # accepted in the instant before the kill, and carries the same Message-ID.
        assert set(got) == ids and len(ids) == 100
        assert len(got) - len(set(got)) <= 4, f"{len(got) - len(set(got))} repeats"
        assert {m["To"] for m in mails} >= {f"burst{i:03d}@demo-hospital.local" for i in range(99)}
    finally:
        slow.stop()


def test_a_standby_never_delivers(lifelined_factory, pg, server_template, smtp):
    db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
    leader = start(lifelined_factory, pg, server_template, smtp, db=db)
    wait_for(lambda: leader.api("GET", "/api/v1/health").json["role"] == "leader", 20)
    standby = start(lifelined_factory, pg, server_template, smtp, db=db)
    assert standby.api("GET", "/api/v1/health").json["role"] != "leader"
    tok = token(standby)
    # Queued through the standby's API; the leader delivers.
    for i in range(5):
        send_test_message(standby, tok, f"standby {i}")
    wait_sent(standby, tok, 5)
    assert len(smtp.files("eml")) == 5
    assert "outbox: delivering as" in leader.proc.log()
    assert "outbox: delivering as" not in standby.proc.log()
    assert "outbox: delivery" not in standby.proc.log()
