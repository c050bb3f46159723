"""Logins: failed attempts are limited per user name and per client address
(argon2id costs ~0.1 s and 64 MiB a try, and passwords must not be guessed),
on the server's clock; expired sessions are deleted."""
import uuid

from conftest import DEMO_PASSWORD, wait_for


def login(srv, user, password):
    return srv.api("POST", "/api/v1/auth/login", {"username": user, "password": password})


def test_five_failures_lock_the_user_name_for_five_minutes(lifelined_factory, pg, server_template):
    db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
    srv = lifelined_factory(db=db, testing={"clock_control": True})
    admin = srv.login("admin", DEMO_PASSWORD)
    for _ in range(5):
        assert login(srv, "nurse", "wrong-one").status == 401
    r = login(srv, "nurse", DEMO_PASSWORD)           # even the right password waits
    assert r.status == 429 and r.json["error"]["code"] == "too_many_attempts", r
    assert 1 <= int(r.headers["Retry-After"]) <= 300
    assert "秒后再试" in r.json["error"]["message"]
    r = srv.api("POST", "/api/v1/auth/login", {"username": "nurse", "password": DEMO_PASSWORD},
                headers={"Accept-Language": "en"})
    assert "too many failed logins" in r.json["error"]["message"]
    assert login(srv, "it", DEMO_PASSWORD).status == 200   # others are not locked out
    assert srv.api("POST", "/api/v1/test/clock", {"advance_ms": 5 * 60 * 1000},
                   token=admin).status == 200
    assert login(srv, "nurse", DEMO_PASSWORD).status == 200
    # A success clears the count.
    for _ in range(4):
        assert login(srv, "nurse", "wrong-one").status == 401
    assert login(srv, "nurse", DEMO_PASSWORD).status == 200
    assert login(srv, "nurse", "wrong-one").status == 401
    assert login(srv, "nurse", DEMO_PASSWORD).status == 200


def test_one_address_guessing_many_names_is_stopped(server):
    for i in range(30):
        assert login(server, f"guess{i}", "wrong-one").status == 401
    r = login(server, "admin", DEMO_PASSWORD)
    assert r.status == 429, r


def test_expired_sessions_are_deleted(lifelined_factory, pg, server_template):
    db = pg.createdb("t_" + uuid.uuid4().hex[:12], template=server_template)
    pg.psql("INSERT INTO sessions (token_hash, user_id, expires_at) "
            "SELECT encode(sha256(('old-' || g)::bytea), 'hex'), "
            "(SELECT id FROM users WHERE username = 'nurse'), "
            "now() - interval '2 days' FROM generate_series(1, 3) g", db=db)
    pg.psql("INSERT INTO sessions (token_hash, user_id, expires_at) "
            "SELECT encode(sha256('recent'::bytea), 'hex'), "
            "(SELECT id FROM users WHERE username = 'nurse'), "
            "now() - interval '1 hour'", db=db)
    lifelined_factory(db=db)

    def left():
        return pg.psql("SELECT count(*) FILTER (WHERE expires_at < now() - interval '1 day') || ',' "
                       "|| count(*) FILTER (WHERE token_hash = encode(sha256('recent'::bytea), "
                       "'hex')) FROM sessions", db=db)
    assert left() == "3,1"
    wait_for(lambda: left() == "0,1", 30, "the expired sessions deleted, the recent one kept")
