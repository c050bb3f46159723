"""The `lifeline` command-line client: help, usage errors, exit codes, the saved
login, and the login/logout/status commands.

Every test that needs a server talks to real ones, never to a stand-in:
  test_server_*        a real lifelined on a real PostgreSQL (the `server` and
                       `lifelined_factory` fixtures; `own_pg` where the database must
                       go down), checked through the client's output, the server's
                       own answers, its logs and its tables;
  test_other_service_* the bundled HIS simulator (his-sim), a real HTTP service that
                       is not Lifeline, for a --server URL pointing at the wrong thing;
  the rest             need no server at all (help, usage errors, unreachable).
`pytest -k "not server and not other_service"` runs the last kind.
"""
import datetime
import hashlib
import json
import os
import re
import socket
import stat
import subprocess
import time
import uuid

import pytest

from conftest import DEMO_PASSWORD, ROOT, binary, free_port, http, wait_for

COMMANDS = ["login", "logout", "status"]


def project_version():
    text = (ROOT / "meson.build").read_text()
    return re.search(r"version:\s*'([^']+)'", text).group(1)


class Cli:
    """Runs the real client with a clean environment rooted in tmp_path."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.token_file = tmp_path / "cfg" / "lifeline" / "token"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            # Times are shown in local time: make that UTC, whatever the machine says.
            "TZ": "UTC",
            "LIFELINE_TOKEN_FILE": str(self.token_file),
        }
        # Sanitizer builds: keep their options, which conftest's callers may set.
        for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if key in os.environ:
                self.env[key] = os.environ[key]

    def run(self, *args, input=None, env=None, unset=(), timeout=120, new_session=False):
        e = dict(self.env)
        e.update(env or {})
        for key in unset:
            e.pop(key, None)
        out = subprocess.run([binary("client/lifeline"), *args], input=input, env=e,
                             capture_output=True, text=True, timeout=timeout,
                             stdin=None if input is not None else subprocess.DEVNULL,
                             start_new_session=new_session)
        # Under ASan/UBSan a leak or undefined behaviour must fail the test even
        # where the exit status happens to be the expected one.
        assert "Sanitizer" not in out.stderr and "runtime error:" not in out.stderr, out.stderr
        return out

    def login(self, url, user="nurse", password=DEMO_PASSWORD, *extra):
        return self.run(*extra, "--server", url, "login", user, "--password-stdin",
                        input=password + "\n")

    def saved(self):
        return json.loads(self.token_file.read_text())


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path)


def closed_url():
    return f"http://127.0.0.1:{free_port()}"


# ---------------------------------------------------------------- no server needed


def test_version_prints_the_project_version(cli):
    out = cli.run("--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"lifeline {project_version()}"


def test_global_help_lists_every_command_in_chinese_by_default(cli):
    out = cli.run("--help")
    assert out.returncode == 0, out.stderr
    assert "用法" in out.stdout and "退出码" in out.stdout
    for name in COMMANDS:
        assert re.search(rf"^  {name}\s+\S", out.stdout, re.M), name
    for opt in ("--server", "--token", "--json", "--lang", "--version"):
        assert opt in out.stdout


@pytest.mark.parametrize("how", ["option", "env", "locale"])
def test_global_help_in_english(cli, how):
    if how == "option":
        out = cli.run("--lang", "en", "--help")
    elif how == "env":
        out = cli.run("--help", env={"LIFELINE_LANG": "en", "LANG": "zh_CN.UTF-8"})
    else:
        out = cli.run("--help", env={"LANG": "en_US.UTF-8"})
    assert out.returncode == 0, out.stderr
    assert "Usage: lifeline" in out.stdout and "Exit status" in out.stdout
    assert "用法" not in out.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(cli, name):
    for args in (["help", name], [name, "--help"], [name, "-h"], ["--help", name]):
        out = cli.run(*args)
        assert out.returncode == 0, (args, out.stderr)
        assert out.stdout.startswith(f"用法：lifeline {name}"), (args, out.stdout)
        assert out.stderr == ""
    en = cli.run("--lang", "en", name, "--help")
    assert en.stdout.startswith(f"Usage: lifeline {name}")


def test_help_works_even_with_a_broken_environment(cli):
    env = {"LIFELINE_SERVER": "ftp://nowhere", "LIFELINE_TIMEOUT": "soon",
           "LIFELINE_TOKEN": "bad token"}
    assert cli.run("status", "--help", env=env).returncode == 0
    assert cli.run("--help", env=env).returncode == 0


USAGE_ERRORS = [
    ("no-command", [], {}),
    ("unknown-command", ["frobnicate"], {}),
    ("unknown-global-option", ["--frob", "status"], {}),
    ("unknown-command-option", ["status", "--frob"], {}),
    ("global-option-after-command", ["status", "--json"], {}),
    ("missing-user", ["login", "--password-stdin"], {}),
    ("extra-argument", ["login", "nurse", "doctor", "--password-stdin"], {}),
    ("flag-with-value", ["login", "nurse", "--password-stdin=yes"], {}),
    ("json-with-value", ["--json=1", "status"], {}),
    ("lang-unsupported", ["--lang", "fr", "status"], {}),
    ("lang-missing-value", ["--lang"], {}),
    ("lang-env-unsupported", ["status"], {"LIFELINE_LANG": "klingon"}),
    ("url-missing-value", ["--server"], {}),
    ("url-not-http", ["--server", "ftp://127.0.0.1", "status"], {}),
    ("url-env-not-http", ["status"], {"LIFELINE_SERVER": "127.0.0.1:8580"}),
    ("token-with-space", ["--token", "a b", "status"], {}),
    ("timeout-not-a-number", ["status"], {"LIFELINE_TIMEOUT": "soon"}),
    ("timeout-zero", ["status"], {"LIFELINE_TIMEOUT": "0"}),
    ("help-unknown-command", ["help", "frobnicate"], {}),
]


@pytest.mark.parametrize("args,env", [(a, e) for _, a, e in USAGE_ERRORS],
                         ids=[i for i, _, _ in USAGE_ERRORS])
def test_usage_error_exits_2_with_a_message_on_stderr(cli, args, env):
    # A closed port: a usage error must be caught before any request.
    base = {"LIFELINE_SERVER": closed_url()}
    base.update(env)
    out = cli.run(*args, env=base)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert out.stderr.startswith("lifeline: "), out.stderr
    assert out.stdout == ""


def test_usage_error_shows_the_command_usage(cli):
    out = cli.run("login")
    assert out.returncode == 2
    assert "缺少参数" in out.stderr
    assert "用法：lifeline login USER [--password-stdin]" in out.stderr
    out = cli.run("--lang", "en", "status", "--json")
    assert out.returncode == 2
    assert "unknown option '--json'" in out.stderr
    assert "lifeline --json status" in out.stderr


@pytest.mark.parametrize("args", [["status"], ["login", "nurse", "--password-stdin"],
                                  ["--token", "tok-1", "logout"]],
                         ids=["status", "login", "logout"])
def test_closed_port_exits_3_naming_the_url(cli, args):
    url = closed_url()
    out = cli.run("--server", url, *args, input="pw\n" if "login" in args else None)
    assert out.returncode == 3, (out.stdout, out.stderr)
    assert url in out.stderr
    assert "连接被拒绝" in out.stderr
    assert out.stdout == ""


def test_closed_port_from_env_in_english(cli):
    url = closed_url()
    out = cli.run("--lang", "en", "status", env={"LIFELINE_SERVER": url + "/"})
    assert out.returncode == 3
    assert f"cannot reach the server {url}: connection refused" in out.stderr


def test_unknown_host_exits_3(cli):
    out = cli.run("--lang", "en", "--server", "http://lifeline-test.invalid:8580", "status",
                  env={"LIFELINE_TIMEOUT": "20"})
    assert out.returncode == 3, out.stderr
    assert "http://lifeline-test.invalid:8580" in out.stderr


def test_silent_peer_times_out_with_exit_3(cli):
    # A listening socket nobody accepts from: the connection completes in the
    # kernel, then nothing answers.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        t0 = time.monotonic()
        out = cli.run("--lang", "en", "--server", url, "status", env={"LIFELINE_TIMEOUT": "1"})
        elapsed = time.monotonic() - t0
    assert out.returncode == 3, out.stderr
    assert "timed out" in out.stderr and url in out.stderr
    assert elapsed < 15


def test_login_without_a_terminal_asks_for_password_stdin(cli):
    out = cli.run("--server", closed_url(), "login", "nurse", new_session=True)
    assert out.returncode == 2, out.stderr
    assert "--password-stdin" in out.stderr


def test_login_with_an_empty_password_is_a_usage_error(cli):
    out = cli.run("--server", closed_url(), "login", "nurse", "--password-stdin", input="\n")
    assert out.returncode == 2
    assert "密码为空" in out.stderr


def test_logout_when_not_logged_in_is_fine(cli):
    out = cli.run("--server", closed_url(), "logout")
    assert out.returncode == 0, out.stderr
    assert "未登录" in out.stdout


def test_logout_forgets_the_local_token_even_when_unreachable(cli):
    url = closed_url()
    cli.token_file.parent.mkdir(parents=True)
    cli.token_file.write_text(json.dumps({"version": 1, "server": url, "token": "tok-x"}))
    out = cli.run("logout")
    assert out.returncode == 3, out.stderr
    assert url in out.stderr
    assert cli.saved() == {"version": 1, "server": url}


def test_a_corrupt_token_file_is_ignored_with_a_warning(cli):
    url = closed_url()
    cli.token_file.parent.mkdir(parents=True)
    cli.token_file.write_text("not json")
    out = cli.run("--server", url, "status")
    assert out.returncode == 3
    assert str(cli.token_file) in out.stderr


# ---------------------------------------------------------------- real parts: helpers


def server_on_own_pg(lifelined_factory, own_pg, **overrides):
    db = own_pg.createdb("lifeline")
    return lifelined_factory(db=db, users=[("admin", DEMO_PASSWORD, "admin", None)],
                             database={"conninfo": own_pg.conninfo(db), "pool_size": 4},
                             **overrides)


def stop_database(srv, own_pg):
    own_pg.stop("fast")
    wait_for(lambda: srv.api("GET", "/api/v1/health").json["db"] == "down", what="db down")


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def sessions_of(pg, srv, username):
    """{token_hash: expires_at} of the user's sessions, in PostgreSQL, expires_at written
    as the API writes it (UTC, RFC 3339)."""
    out = pg.psql("SELECT s.token_hash || ' ' || to_char(s.expires_at AT TIME ZONE 'UTC', "
                  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                  "FROM sessions s JOIN users u ON u.id = s.user_id "
                  f"WHERE u.username = '{username}'", db=srv.dbname)
    return dict(line.split(" ") for line in out.split("\n") if line)


def audit_rows(pg, srv):
    out = pg.psql("SELECT actor, action, outcome, status FROM audit_log ORDER BY id",
                  db=srv.dbname)
    return [tuple(line.split("|")) for line in out.split("\n") if line]


def shown_until(expires_at):
    """How the client shows an expiry under TZ=UTC."""
    t = datetime.datetime.strptime(expires_at, "%Y-%m-%dT%H:%M:%SZ")
    return f"{t:%Y-%m-%d %H:%M} UTC"


# "TIME REQUEST-ID PEER METHOD PATH STATUS BYTES DURATIONms USER" (USER "-" when no
# token was accepted): lifelined's access log.
ACCESS_LINE = re.compile(r"^\S+ [0-9a-f]+ \S+ ([A-Z]+) (\S+) (\d{3}) \d+ [\d.]+ms (\S+)$", re.M)


def access_log(srv):
    """[(method, path, status, user)] of every request `srv` has answered, for a server
    started with paths.access_log "-" (its access lines go to its log, flushed line by
    line). lifelined answers on one event loop and writes a request's line as it sends
    the answer, so once the line of a request made now shows up, the line of every
    request answered before is there too."""
    marker = f"/api/v1/probe-{uuid.uuid4().hex}"
    srv.api("GET", marker)

    def complete():
        lines = [(m, p, int(s), u) for m, p, s, u in ACCESS_LINE.findall(srv.proc.log())]
        if not any(p == marker for _, p, _, _ in lines):
            return None
        return [line for line in lines if not line[1].startswith("/api/v1/probe-")],

    return wait_for(complete, what=f"{marker} in the access log")[0]


# ---------------------------------------------------------------- a real lifelined


def test_server_login_sends_credentials_and_saves_the_token(cli, server, pg):
    out = cli.login(server.url, "nurse", DEMO_PASSWORD)
    assert out.returncode == 0, out.stderr
    saved = cli.saved()
    assert saved["version"] == 1
    assert saved["server"] == server.url
    assert saved["username"] == "nurse"
    # The server made a session for nurse from those credentials; the token saved is
    # that session's (PostgreSQL keeps only its hash), with the same expiry.
    assert sessions_of(pg, server, "nurse") == {sha256(saved["token"]): saved["expires_at"]}
    assert out.stdout == (f"已登录为 nurse（护士，ward-3），有效期至 "
                          f"{shown_until(saved['expires_at'])}。\n")
    me = server.api("GET", "/api/v1/me", token=saved["token"])
    assert me.status == 200 and me.json["username"] == "nurse"

    assert stat.S_IMODE(cli.token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.token_file.parent.stat().st_mode) == 0o700
    assert [p.name for p in cli.token_file.parent.iterdir()] == ["token"]


def test_server_login_reads_the_password_from_the_terminal_without_echo(cli, server, pg):
    import pty
    import select
    import termios

    env = dict(cli.env)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal
        try:
            os.execve(binary("client/lifeline"),
                      ["lifeline", "--server", server.url, "login", "nurse"], env)
        finally:
            os._exit(127)

    def read_until(pattern):
        """Read the terminal until `pattern`, or until the child has closed it."""
        data = b""
        while pattern not in data:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                if os.waitpid(pid, os.WNOHANG) != (0, 0):
                    break  # gone without closing: cannot happen, but never hang
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            data += chunk
        return data

    try:
        prompt = read_until("nurse 的密码：".encode())
        assert "nurse 的密码：".encode() in prompt, prompt
        os.write(fd, DEMO_PASSWORD.encode() + b"\n")
        rest = read_until(b"\x00")  # everything, until the child is gone
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, rest
        assert DEMO_PASSWORD.encode() not in prompt + rest  # never echoed
        assert "已登录为 nurse".encode() in rest
        assert termios.tcgetattr(fd)[3] & termios.ECHO  # echo is back on
    finally:
        os.close(fd)
    # The typed password reached the server: it made a session, the one saved.
    token = cli.saved()["token"]
    assert sha256(token) in sessions_of(pg, server, "nurse")
    assert server.api("GET", "/api/v1/me", token=token).status == 200


def test_server_login_in_english(cli, server):
    out = cli.login(server.url, "nurse", DEMO_PASSWORD, "--lang", "en")
    assert out.returncode == 0, out.stderr
    until = shown_until(cli.saved()["expires_at"])
    assert out.stdout == f"Logged in as nurse (nurse, ward-3), valid until {until}.\n"


def test_server_later_calls_reuse_the_saved_login(cli, server):
    assert cli.login(server.url, "nurse").returncode == 0
    out = cli.run("status")  # no --server: the saved one, and its token
    assert out.returncode == 0, out.stderr
    assert f"服务器：{server.url}（" in out.stdout
    assert "用户：nurse（护士，ward-3）" in out.stdout  # the server took the saved token
    # The same server, named again (with a trailing slash, or from the environment).
    for args, env in ((["--server", server.url + "/", "status"], {}),
                      (["status"], {"LIFELINE_SERVER": server.url})):
        out = cli.run(*args, env=env)
        assert out.returncode == 0, out.stderr
        assert "用户：nurse（护士，ward-3）" in out.stdout, (args, env)


def test_server_token_option_and_env_win_over_the_saved_token(cli, server):
    assert cli.login(server.url, "nurse").returncode == 0
    saved = cli.saved()
    admin = server.login("admin", DEMO_PASSWORD)
    viewer = server.login("viewer", DEMO_PASSWORD)

    out = cli.run("--token", admin, "status")
    assert out.returncode == 0, out.stderr
    assert "用户：admin（管理员）" in out.stdout
    out = cli.run("status", env={"LIFELINE_TOKEN": viewer})
    assert out.returncode == 0, out.stderr
    assert "用户：viewer（只读用户）" in out.stdout
    out = cli.run("--token", admin, "status", env={"LIFELINE_TOKEN": viewer})
    assert "用户：admin（管理员）" in out.stdout  # the option wins over the environment

    # Logging out another token revokes that one and leaves the saved login alone.
    out = cli.run("--token", admin, "logout")
    assert out.returncode == 0, out.stderr
    assert server.api("GET", "/api/v1/me", token=admin).status == 401
    assert cli.saved() == saved
    assert server.api("GET", "/api/v1/me", token=saved["token"]).status == 200


def test_server_saved_token_is_never_sent_to_another_server(cli, server, lifelined_factory):
    # B shares A's database, so B would accept A's token: had the client sent it, B
    # would have answered for nurse, and its access log would name her.
    other = lifelined_factory(db=server.dbname, paths={"access_log": "-"})
    assert cli.login(server.url, "nurse").returncode == 0
    saved = cli.saved()

    for args, env in ((["--server", other.url, "status"], {}),
                      (["status"], {"LIFELINE_SERVER": other.url})):
        out = cli.run(*args, env=env)
        assert out.returncode == 0, out.stderr
        assert f"服务器：{other.url}（" in out.stdout
        assert "用户：未登录（运行" in out.stdout
        assert f"（本机保存的登录属于另一台服务器：{server.url}）" in out.stdout
    out = cli.run("--server", other.url, "logout")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "未登录，无需注销。\n"
    assert cli.saved() == saved  # A's login is kept

    # B saw two health checks, with no user, and nothing else.
    assert access_log(other) == [("GET", "/api/v1/health", 200, "-")] * 2
    # The check could have failed: B takes the token when it is sent.
    assert other.api("GET", "/api/v1/me", token=saved["token"]).status == 200
    assert access_log(other)[-1] == ("GET", "/api/v1/me", 200, "nurse")


def test_server_refusal_prints_the_message_and_field_and_exits_1(cli, server):
    # A wrong password: the server's message and code.
    answer = server.api("POST", "/api/v1/auth/login", {"username": "nurse", "password": "wrong"})
    assert answer.status == 401
    e = answer.json["error"]
    out = cli.login(server.url, "nurse", "wrong")
    assert out.returncode == 1
    assert f"服务器拒绝了请求：{e['message']}（{e['code']}，HTTP 401）" in out.stderr
    assert "请求编号" not in out.stderr  # only server faults carry it
    assert out.stdout == ""
    assert not cli.token_file.exists()

    out = cli.login(server.url, "nurse", "wrong", "--json")
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert (doc["error"]["code"], doc["error"]["message"]) == (e["code"], e["message"])
    assert not cli.token_file.exists()

    # A user name the server's schema refuses: the message and the field.
    name = "n" * 65
    answer = server.api("POST", "/api/v1/auth/login", {"username": name, "password": "wrong"})
    assert answer.status == 400
    e = answer.json["error"]
    assert e.get("field"), e
    out = cli.login(server.url, name, "wrong")
    assert out.returncode == 1
    assert (f"服务器拒绝了请求：{e['message']}（字段 {e['field']}；{e['code']}，HTTP 400）"
            in out.stderr), out.stderr
    out = cli.login(server.url, name, "wrong", "--lang", "en")
    assert out.returncode == 1
    assert (f"the server refused: {e['message']} (field {e['field']}; {e['code']}, HTTP 400)"
            in out.stderr), out.stderr
    assert out.stdout == ""
    assert not cli.token_file.exists()


@pytest.mark.parametrize("how", ["revoked", "session-deleted", "never-issued"])
def test_server_status_with_a_dead_token_says_not_logged_in(cli, lifelined_factory, pg, how):
    # No token cache: a session deleted behind the server's back counts at once.
    srv = lifelined_factory(users=[("nurse", DEMO_PASSWORD, "nurse", "ward-3")],
                            auth={"token_cache_s": 0})
    assert cli.login(srv.url, "nurse").returncode == 0
    out = cli.run("status")
    assert "用户：nurse（护士，ward-3）" in out.stdout, out.stdout
    token = cli.saved()["token"]
    args = ["status"]
    if how == "revoked":
        assert srv.api("POST", "/api/v1/auth/logout", token=token).status == 200
    elif how == "session-deleted":
        pg.psql(f"DELETE FROM sessions WHERE token_hash = '{sha256(token)}'", db=srv.dbname)
    else:
        args = ["--token", "a-token-this-server-never-issued", "status"]
    assert srv.api("GET", "/api/v1/me", token=args[1] if len(args) > 1 else token).status == 401

    out = cli.run(*args)
    assert out.returncode == 0, out.stderr
    assert "用户：未登录（令牌无效或已过期，请重新运行“lifeline login 用户名”）" in out.stdout
    assert "数据库：正常" in out.stdout
    out = cli.run("--lang", "en", *args)
    assert out.returncode == 0, out.stderr
    assert "User:     not logged in (the token is invalid or has expired" in out.stdout


def test_server_status_shows_a_database_that_is_down(cli, lifelined_factory, own_pg):
    srv = server_on_own_pg(lifelined_factory, own_pg)
    out = cli.run("--lang", "en", "--server", srv.url, "status")
    assert out.returncode == 0, out.stderr
    assert "Database: ok" in out.stdout

    stop_database(srv, own_pg)
    out = cli.run("--lang", "en", "--server", srv.url, "status")
    assert out.returncode == 0, out.stderr
    assert "Database: down" in out.stdout
    assert "State:    degraded" in out.stdout
    assert "User:     not logged in" in out.stdout
    out = cli.run("--server", srv.url, "status")
    assert out.returncode == 0, out.stderr
    assert "数据库：不可用" in out.stdout
    out = cli.run("--json", "--server", srv.url, "status")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["health"]["db"] == "down" and doc["me"] is None


def test_server_5xx_faults_show_the_request_id(cli, lifelined_factory, own_pg):
    srv = server_on_own_pg(lifelined_factory, own_pg)
    stop_database(srv, own_pg)

    def logged(request_id, what):
        # lifelined logs each 5xx with its request id, where IT looks it up.
        return wait_for(lambda: f"[req {request_id}] {what} -> 503" in srv.proc.log(),
                        what=f"request {request_id} in the server log")

    # Logging in needs the database: 503, with the request id for IT.
    out = cli.login(srv.url, "admin", DEMO_PASSWORD)
    assert out.returncode == 1
    assert "HTTP 503" in out.stderr and "db_unavailable" in out.stderr
    m = re.search(r"请求编号 ([0-9a-f]+)（联系信息科时请提供）", out.stderr)
    assert m, out.stderr
    logged(m.group(1), "POST /api/v1/auth/login")
    assert out.stdout == ""
    assert not cli.token_file.exists()

    out = cli.login(srv.url, "admin", DEMO_PASSWORD, "--json")
    assert out.returncode == 1
    err = json.loads(out.stdout)["error"]
    assert err["code"] == "db_unavailable" and err["request_id"] in out.stderr

    # A token the server has not seen cannot be checked without the database: status
    # shows what it knows, says the user is unknown, and gives the request id.
    out = cli.run("--lang", "en", "--server", srv.url, "--token", "a-token-never-seen", "status")
    assert out.returncode == 1
    assert "Database: down" in out.stdout
    assert "User:     unknown" in out.stdout
    m = re.search(r"request id ([0-9a-f]+) \(give it to IT when you call\)", out.stderr)
    assert m, out.stderr
    assert "HTTP 503" in out.stderr
    logged(m.group(1), "GET /api/v1/me")


def test_server_status_json_combines_health_and_me(cli, server):
    token = server.login("nurse", DEMO_PASSWORD)
    # The only instance takes the leader lease by itself; compare once it has.
    wait_for(lambda: server.api("GET", "/api/v1/health").json["role"] == "leader",
             what="leader lease")
    out = cli.run("--json", "--server", server.url + "/", "--token", token, "status")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    # With a login, the monitored targets and the open outages (none here) come too.
    assert doc == {"server": server.url,
                   "health": server.api("GET", "/api/v1/health").json,
                   "me": server.api("GET", "/api/v1/me", token=token).json,
                   "targets": server.api("GET", "/api/v1/targets", token=token).json["targets"],
                   "outages": []}
    assert out.stdout.startswith("{\n  ")  # indented for people too

    out = cli.run("--json", "--server", server.url, "status")  # no token at all
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["me"] is None and doc["targets"] is None and doc["outages"] is None


def test_server_logout_revokes_then_forgets_the_token_but_not_the_url(cli, server, pg):
    assert cli.login(server.url, "nurse").returncode == 0
    token = cli.saved()["token"]
    assert list(sessions_of(pg, server, "nurse")) == [sha256(token)]

    out = cli.run("logout")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "已注销。\n"
    assert sessions_of(pg, server, "nurse") == {}  # revoked on the server
    assert server.api("GET", "/api/v1/me", token=token).status == 401
    assert cli.saved() == {"version": 1, "server": server.url}  # forgotten here
    assert stat.S_IMODE(cli.token_file.stat().st_mode) == 0o600

    out = cli.run("status")  # still the same server, now without a token
    assert out.returncode == 0, out.stderr
    assert f"服务器：{server.url}（" in out.stdout
    assert "用户：未登录（运行" in out.stdout  # no token sent, so none refused
    assert cli.run("logout").stdout == "未登录，无需注销。\n"


def test_server_token_goes_to_xdg_or_home_config_by_default(cli, server):
    out = cli.run("--server", server.url, "login", "nurse", "--password-stdin",
                  input=DEMO_PASSWORD + "\n", unset=["LIFELINE_TOKEN_FILE"])
    assert out.returncode == 0, out.stderr
    path = cli.home / ".config" / "lifeline" / "token"
    token = json.loads(path.read_text())["token"]
    assert server.api("GET", "/api/v1/me", token=token).status == 200
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not cli.token_file.exists()

    xdg = cli.tmp / "xdg"
    out = cli.run("--server", server.url, "login", "viewer", "--password-stdin",
                  input=DEMO_PASSWORD + "\n", unset=["LIFELINE_TOKEN_FILE"],
                  env={"XDG_CONFIG_HOME": str(xdg)})
    assert out.returncode == 0, out.stderr
    saved = json.loads((xdg / "lifeline" / "token").read_text())
    assert saved["username"] == "viewer"
    assert server.api("GET", "/api/v1/me", token=saved["token"]).json["username"] == "viewer"
    assert json.loads(path.read_text())["token"] == token  # HOME's file untouched


def test_server_failing_to_save_the_token_revokes_it(cli, server, pg):
    # A regular file where the directory should be: nothing can be made under it,
    # whoever runs the test (root included).
    blocker = cli.tmp / "file-not-dir"
    blocker.write_text("")
    path = blocker / "token"
    out = cli.run("--server", server.url, "login", "nurse", "--password-stdin",
                  input=DEMO_PASSWORD + "\n", env={"LIFELINE_TOKEN_FILE": str(path)})
    assert out.returncode == 1
    assert f"无法保存令牌到 {path}" in out.stderr, out.stderr
    assert out.stdout == ""
    # The server issued a session and the client revoked it with that session's token.
    want = {("nurse", "auth.login", "ok", "200"), ("nurse", "auth.logout", "ok", "200")}
    wait_for(lambda: want <= set(audit_rows(pg, server)), what="login and logout in the audit log")
    assert sessions_of(pg, server, "nurse") == {}
    assert blocker.read_text() == ""


# ---------------------------------------------------------------- a service that is not Lifeline


def his_core_url(his_sim):
    return f"http://127.0.0.1:{his_sim.state['targets']['his-core']}"


def test_other_service_answer_exits_1(cli, his_sim):
    # The HIS simulator's core target: up and answering HTTP, but not Lifeline's API.
    url = his_core_url(his_sim)
    assert http("GET", url + "/health").json == {"status": "ok", "target": "his-core"}
    expected = http("GET", url + "/api/v1/health")
    assert expected.status == 404
    message = expected.json["error"]["message"]

    out = cli.run("--lang", "en", "--server", url, "status")
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert f"the server refused: {message} (not_found, HTTP 404)" in out.stderr, out.stderr
    assert out.stdout == ""

    out = cli.login(url, "nurse", DEMO_PASSWORD)
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "HTTP 404" in out.stderr and message in out.stderr
    assert out.stdout == ""
    assert not cli.token_file.exists()

    out = cli.run("--server", url, "--token", "tok-1", "logout")
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "HTTP 404" in out.stderr


def test_other_service_5xx_exits_1_with_its_message(cli, his_sim):
    url = his_core_url(his_sim)
    his_sim.ctl("down", target="his-core", mode="503")
    expected = http("GET", url + "/api/v1/health")
    assert expected.status == 503
    message = expected.json["error"]["message"]

    out = cli.run("--lang", "en", "--server", url, "status")
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert f"the server refused: {message} (unavailable, HTTP 503)" in out.stderr, out.stderr
    assert "request id" not in out.stderr  # none was given: none is made up
    assert out.stdout == ""

    out = cli.login(url, "nurse", DEMO_PASSWORD)
    assert out.returncode == 1
    assert "HTTP 503" in out.stderr and message in out.stderr
    assert not cli.token_file.exists()


# ---------------------------------------------------------------- a real lifelined: more


def test_server_login_then_status_shows_the_user(cli, server):
    out = cli.login(server.url)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("已登录为 nurse（护士，ward-3），有效期至 ")

    out = cli.run("status")
    assert out.returncode == 0, out.stderr
    assert server.url in out.stdout
    assert "数据库：正常" in out.stdout
    assert "用户：nurse（护士，ward-3）" in out.stdout

    out = cli.run("--lang", "en", "status")
    assert "User:     nurse (nurse, ward-3)" in out.stdout


def test_server_token_file_is_private(cli, server):
    assert cli.login(server.url).returncode == 0
    assert stat.S_IMODE(cli.token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.token_file.parent.stat().st_mode) == 0o700
    token = cli.saved()["token"]
    assert server.api("GET", "/api/v1/me", token=token).status == 200


def test_server_wrong_password_exits_1_with_the_servers_message(cli, server):
    expected = server.api("POST", "/api/v1/auth/login",
                          {"username": "nurse", "password": "wrong"},
                          headers={"Accept-Language": "zh-CN"})
    assert expected.status == 401
    out = cli.login(server.url, "nurse", "wrong")
    assert out.returncode == 1
    assert expected.json["error"]["message"] in out.stderr
    assert out.stdout == ""
    assert not cli.token_file.exists()


def test_server_json_output_parses(cli, server):
    out = cli.login(server.url, "nurse", DEMO_PASSWORD, "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["token"] == cli.saved()["token"]
    assert doc["user"]["username"] == "nurse"

    out = cli.run("--json", "status")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["health"]["status"] == "ok"
    assert doc["me"]["username"] == "nurse"


def test_server_logout_then_status_says_not_logged_in(cli, server):
    assert cli.login(server.url).returncode == 0
    token = cli.saved()["token"]

    out = cli.run("logout")
    assert out.returncode == 0, out.stderr
    assert "token" not in cli.saved()
    assert server.api("GET", "/api/v1/me", token=token).status == 401

    out = cli.run("status")  # the server is remembered, the token is not
    assert out.returncode == 0, out.stderr
    assert "未登录" in out.stdout
    out = cli.run("--lang", "en", "--server", server.url, "--token", token, "status")
    assert out.returncode == 0, out.stderr
    assert "not logged in" in out.stdout
