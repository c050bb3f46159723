"""lifelined as a user and an operator see it: real server, real PostgreSQL."""
import hashlib
import http.client as httpclient
import json
import signal
import subprocess

import pytest

from conftest import DEMO_PASSWORD, binary, create_user, make_config, wait_for


def error_of(r):
    body = r.json
    assert set(body) == {"error"}, body
    assert "code" in body["error"] and "message" in body["error"], body
    return body["error"]


# ---------- health, metrics, request ids ----------

def test_health_answers_without_token(server):
    r = server.api("GET", "/api/v1/health")
    assert r.status == 200
    body = r.json
    assert body["status"] == "ok" and body["db"] == "ok"
    assert body["version"]
    assert r.headers["Content-Type"].startswith("application/json")
    assert len(r.headers["X-Request-Id"]) >= 8
    # The only instance takes the leader lease by itself.
    wait_for(lambda: server.api("GET", "/api/v1/health").json["role"] == "leader",
             what="leader lease")


def test_metrics_are_prometheus_text(server):
    server.api("GET", "/api/v1/health")
    server.api("GET", "/nope")
    r = server.api("GET", "/metrics")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    text = r.text
    assert 'lifeline_build_info{version="' in text
    assert 'lifeline_http_requests_total{method="GET",route="/api/v1/health",code="200"}' in text
    assert 'lifeline_http_requests_total{method="-",route="unmatched",code="404"} 1' in text
    assert "lifeline_http_request_duration_seconds_bucket" in text
    assert "lifeline_db_up 1" in text
    assert "lifeline_db_pool_size 4" in text


def test_request_id_is_taken_per_request(server):
    a = server.api("GET", "/api/v1/health").headers["X-Request-Id"]
    b = server.api("GET", "/api/v1/health").headers["X-Request-Id"]
    assert a != b


# ---------- access control ----------

def test_login_me_logout(server):
    token = server.login("nurse", DEMO_PASSWORD)
    me = server.api("GET", "/api/v1/me", token=token)
    assert me.status == 200
    assert me.json["username"] == "nurse"
    assert me.json["role"] == "nurse"
    assert me.json["department"] == "ward-3"
    assert server.api("POST", "/api/v1/auth/logout", token=token).status == 200
    r = server.api("GET", "/api/v1/me", token=token)
    assert r.status == 401
    assert error_of(r)["code"] == "unauthorized"


def test_wrong_password_and_unknown_user_get_the_same_401(server):
    a = server.api("POST", "/api/v1/auth/login", {"username": "nurse", "password": "wrong-one"})
    b = server.api("POST", "/api/v1/auth/login", {"username": "nobody", "password": "wrong-one"})
    assert a.status == b.status == 401
    assert error_of(a)["message"] == error_of(b)["message"]


def test_missing_and_forged_tokens_get_401(server):
    r = server.api("GET", "/api/v1/me")
    assert r.status == 401 and error_of(r)["code"] == "unauthorized"
    assert r.headers.get("WWW-Authenticate") == "Bearer"
    r = server.api("GET", "/api/v1/me", token="forged-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert r.status == 401
    r = server.api("GET", "/api/v1/me", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert r.status == 401


def test_token_is_stored_only_as_its_hash(server, pg):
    token = server.login("viewer", DEMO_PASSWORD)
    rows = pg.psql("SELECT token_hash FROM sessions", db=server.dbname).split("\n")
    assert hashlib.sha256(token.encode()).hexdigest() in rows
    assert all(token not in row for row in rows)
    dump = pg.psql("SELECT row_to_json(s)::text FROM sessions s", db=server.dbname)
    assert token not in dump


def test_expired_token_is_refused(lifelined_factory, pg):
    srv = lifelined_factory(users=[("viewer", DEMO_PASSWORD, "viewer", None)],
                            auth={"token_cache_s": 0})
    token = srv.login("viewer", DEMO_PASSWORD)
    assert srv.api("GET", "/api/v1/me", token=token).status == 200
    pg.psql("UPDATE sessions SET expires_at = now() - interval '1 second'", db=srv.dbname)
    assert srv.api("GET", "/api/v1/me", token=token).status == 401


def test_passwords_are_argon2id(server, pg):
    hashes = pg.psql("SELECT password_hash FROM users", db=server.dbname).split("\n")
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_roles_decide_who_may_act(server):
    nurse = server.login("nurse", DEMO_PASSWORD)
    admin = server.login("admin", DEMO_PASSWORD)
    new_user = {"username": "pharm2", "password": "a-long-password", "role": "pharmacist",
                "department": "pharmacy"}
    r = server.api("POST", "/api/v1/users", new_user, token=nurse)
    assert r.status == 403 and error_of(r)["code"] == "forbidden"
    r = server.api("GET", "/api/v1/users", token=nurse)
    assert r.status == 403
    r = server.api("POST", "/api/v1/users", new_user, token=admin)
    assert r.status == 201, r
    assert r.json["username"] == "pharm2" and r.json["department"] == "pharmacy"
    r = server.api("POST", "/api/v1/users", new_user, token=admin)
    assert r.status == 409 and error_of(r)["field"] == "/username"
    assert server.login("pharm2", "a-long-password")
    names = [u["username"] for u in server.api("GET", "/api/v1/users", token=admin).json["users"]]
    assert "pharm2" in names


def test_invalid_body_names_the_field(server):
    admin = server.login("admin", DEMO_PASSWORD)
    r = server.api("POST", "/api/v1/users", {"username": "x1", "password": "long-enough-pw"},
                   token=admin)
    assert r.status == 400
    assert error_of(r)["field"] == "/role"
    r = server.api("POST", "/api/v1/users",
                   {"username": "x1", "password": "long-enough-pw", "role": "surgeon"}, token=admin)
    assert r.status == 400 and error_of(r)["field"] == "/role"
    r = server.api("POST", "/api/v1/users",
                   {"username": "x1", "password": "long-enough-pw", "role": "nurse",
                    "department": "no-such-ward"}, token=admin)
    assert r.status == 400 and error_of(r)["field"] == "/department"


# ---------- audit ----------

def test_every_state_change_is_audited_with_its_outcome(server, pg):
    nurse = server.login("nurse", DEMO_PASSWORD)
    admin = server.login("admin", DEMO_PASSWORD)
    server.api("POST", "/api/v1/users",
               {"username": "cash2", "password": "a-long-password", "role": "cashier"}, token=nurse)
    r = server.api("POST", "/api/v1/users",
                   {"username": "cash2", "password": "a-long-password", "role": "cashier"},
                   token=admin)
    assert r.status == 201
    server.api("POST", "/api/v1/auth/login", {"username": "admin", "password": "bad-password"})

    def rows():
        out = pg.psql("SELECT actor, action, object_type, coalesce(object_id, ''), outcome, status "
                      "FROM audit_log ORDER BY id", db=server.dbname)
        return [tuple(line.split("|")) for line in out.split("\n") if line]
    want = [
        ("nurse", "user.create", "", "", "denied", "403"),
        ("admin", "user.create", "user", str(r.json["id"]), "ok", "201"),
        ("admin", "auth.login", "session", "", "denied", "401"),
    ]
    got = wait_for(lambda: all(w in rows() for w in want) and rows(), what="audit rows")
    assert ("nurse", "auth.login", "session", "", "ok", "200") in got


def test_audit_log_is_append_only(server, pg):
    server.login("admin", DEMO_PASSWORD)
    wait_for(lambda: pg.psql("SELECT count(*) FROM audit_log", db=server.dbname) != "0",
             what="an audit row")
    for sql in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log",
                "TRUNCATE audit_log"):
        with pytest.raises(subprocess.CalledProcessError) as e:
            pg.psql(sql, db=server.dbname)
        assert "append-only" in e.value.stderr


# ---------- bad input never hurts the server ----------

def test_bad_input_gets_json_4xx_and_the_server_keeps_serving(server):
    token = server.login("admin", DEMO_PASSWORD)
    url = "/api/v1/users"
    cases = [
        (b"{not json", {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b'{"username": "a", "username": "b"}', {"Content-Type": "application/json"}, 400,
         "invalid_json"),
        (b'{"username": "\xff\xfe"}', {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b"username=x", {"Content-Type": "application/x-www-form-urlencoded"}, 415,
         "unsupported_media_type"),
        (b"x" * (10 * 1024 * 1024), {"Content-Type": "application/json"}, 413, "too_large"),
        (b"[1, 2, 3]", {"Content-Type": "application/json"}, 400, "invalid"),
    ]
    for body, headers, status, code in cases:
        r = server.api("POST", url, body, token=token, headers=headers)
        assert r.status == status, (body[:40], r)
        assert error_of(r)["code"] == code
    r = server.api("GET", "/api/v1/no/such/route", token=token)
    assert r.status == 404 and error_of(r)["code"] == "not_found"
    r = server.api("DELETE", "/api/v1/health")
    assert r.status == 405 and error_of(r)["code"] == "method_not_allowed"
    assert server.api("GET", "/api/v1/health").json["status"] == "ok"
    assert server.proc.alive()


def test_connection_limit(lifelined_factory):
    srv = lifelined_factory(limits={"max_connections": 2})
    host, port = srv.url[len("http://"):].split(":")
    conns = [httpclient.HTTPConnection(host, int(port), timeout=30) for _ in range(3)]
    try:
        for c in conns[:2]:
            c.request("GET", "/api/v1/health")
            assert c.getresponse().read() and True
        conns[2].request("GET", "/api/v1/health")
        r = conns[2].getresponse()
        assert r.status == 503
        assert json.loads(r.read())["error"]["code"] == "too_many_connections"
    finally:
        for c in conns:
            c.close()
    # Once they are closed, new connections are served again.
    wait_for(lambda: srv.api("GET", "/api/v1/health").status == 200, what="a free slot")


# ---------- configuration ----------

def test_check_config(tmp_path, pg):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(make_config(pg, "postgres", tmp_path)))
    out = subprocess.run([binary("server/lifelined"), "--config", str(good), "--check-config"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    bad = tmp_path / "bad.json"
    cfg = make_config(pg, "postgres", tmp_path)
    cfg["limits"] = {"max_body_bytes": 12}
    bad.write_text(json.dumps(cfg))
    out = subprocess.run([binary("server/lifelined"), "--config", str(bad), "--check-config"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert "/limits/max_body_bytes" in out.stderr
    cfg = make_config(pg, "postgres", tmp_path)
    cfg["listen"]["prot"] = 1
    bad.write_text(json.dumps(cfg))
    out = subprocess.run([binary("server/lifelined"), "--config", str(bad), "--check-config"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "prot" in out.stderr
    bad.write_text('{"database": ')
    out = subprocess.run([binary("server/lifelined"), "--config", str(bad), "--check-config"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "line 1" in out.stderr


def test_sighup_reloads_and_a_bad_reload_keeps_the_old_config(server):
    token = server.login("admin", DEMO_PASSWORD)
    small = b'{"username": "' + b"y" * 3000 + b'"}'
    r = server.api("POST", "/api/v1/users", small, token=token,
                   headers={"Content-Type": "application/json"})
    assert r.status == 400   # under the limit: schema says the name is bad
    cfg = json.loads(server.config_path.read_text())
    cfg["limits"] = {"max_body_bytes": 2048}
    server.config_path.write_text(json.dumps(cfg))
    server.proc.signal(signal.SIGHUP)
    server.proc.wait_log("configuration reloaded")
    r = server.api("POST", "/api/v1/users", small, token=token,
                   headers={"Content-Type": "application/json"})
    assert r.status == 413
    server.config_path.write_text('{"database": {}}')
    server.proc.signal(signal.SIGHUP)
    server.proc.wait_log("reload refused")
    r = server.api("POST", "/api/v1/users", small, token=token,
                   headers={"Content-Type": "application/json"})
    assert r.status == 413
    assert server.api("GET", "/api/v1/health").status == 200


def test_refuses_a_database_newer_than_itself(lifelined_factory, pg, tmp_path):
    srv = lifelined_factory()
    srv.proc.stop()
    pg.psql("INSERT INTO schema_migrations (version, name) VALUES (999, '999_future')",
            db=srv.dbname)
    out = subprocess.run([binary("server/lifelined"), "--config", str(srv.config_path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "newer than this lifelined" in out.stderr


def test_migrations_are_applied_once(lifelined_factory, pg):
    srv = lifelined_factory()
    first = pg.psql("SELECT version FROM schema_migrations ORDER BY version", db=srv.dbname)
    assert first.split("\n")[0] == "1"
    srv2 = lifelined_factory(db=srv.dbname)
    assert srv2.api("GET", "/api/v1/health").status == 200
    assert pg.psql("SELECT version FROM schema_migrations ORDER BY version",
                   db=srv.dbname) == first


def test_create_user_cli_makes_the_first_admin(tmp_path, pg, dbname):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(make_config(pg, dbname, tmp_path)))
    out = create_user(path, "chief", "correct-horse", "admin")
    assert "created user chief" in out.stdout
    out = create_user(path, "chief", "another-password", "admin")
    assert "updated user chief" in out.stdout
    res = subprocess.run([binary("server/lifelined"), "--config", str(path), "--create-user",
                          "x", "--role", "wizard", "--password-stdin"], input="long-password\n",
                         capture_output=True, text=True)
    assert res.returncode == 2 and "wizard" in res.stderr


# ---------- PostgreSQL goes away and comes back ----------

def test_database_outage_and_recovery(lifelined_factory, own_pg):
    db = own_pg.createdb("lifeline")
    srv = lifelined_factory(db=db, users=[("admin", DEMO_PASSWORD, "admin", None)],
                            database={"conninfo": own_pg.conninfo(db), "pool_size": 4})
    token = srv.login("admin", DEMO_PASSWORD)
    assert srv.api("GET", "/api/v1/me", token=token).status == 200

    own_pg.stop("fast")
    wait_for(lambda: srv.api("GET", "/api/v1/health").json["db"] == "down", what="db down")
    # Writes are refused with 503, reads of cached state still work, nothing crashes.
    r = srv.api("POST", "/api/v1/users", {"username": "u9", "password": "long-password1",
                                          "role": "viewer"}, token=token)
    assert r.status == 503 and error_of(r)["code"] == "db_unavailable"
    r = srv.api("POST", "/api/v1/auth/login", {"username": "admin", "password": DEMO_PASSWORD})
    assert r.status == 503
    assert srv.api("GET", "/api/v1/me", token=token).status == 200
    assert srv.api("GET", "/metrics").status == 200
    assert srv.proc.alive()

    own_pg.start()
    wait_for(lambda: srv.api("GET", "/api/v1/health").json["db"] == "ok", what="db back")
    r = srv.api("POST", "/api/v1/users", {"username": "u9", "password": "long-password1",
                                          "role": "viewer"}, token=token)
    assert r.status == 201
    assert srv.login("u9", "long-password1")
    srv.proc.wait_log("database is up")


def test_web_root_is_served_and_paths_cannot_escape_it(server):
    r = server.api("GET", "/")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "Lifeline" in r.text
    assert server.api("GET", "/index.html").status == 200
    for bad in ("/../README.md", "/%2e%2e/README.md", "/.hidden.html", "/nope.html",
                "/api/v1/nothing"):
        r = server.api("GET", bad)
        assert r.status == 404, bad
        assert error_of(r)["code"] == "not_found"


def test_oversized_headers_are_refused_and_the_server_goes_on(server):
    try:
        r = server.api("GET", "/api/v1/health", headers={"X-Junk": "j" * (64 * 1024)})
        assert 400 <= r.status < 500
    except (ConnectionError, OSError):
        pass   # evhttp may close the connection outright: refused either way
    assert server.api("GET", "/api/v1/health").status == 200
    assert server.proc.alive()
