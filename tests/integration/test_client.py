"""The `lifeline` command-line client: help, usage errors, exit codes, the saved
login, and the login/logout/status commands.

Three kinds of test, by name:
  test_server_*  against a real lifelined (the `server` fixture);
  test_wire_*    against a small HTTP endpoint in this process that answers from a
                 table and records each request, to check exactly what the client
                 sends and how it treats answers lifelined rarely gives (a proxy's
                 HTML 502, a 401 on /me);
  the rest       need no server at all.
`pytest -k "not server"` runs the last two kinds.
"""
import http.server
import json
import os
import pathlib
import re
import socket
import stat
import subprocess
import threading
import time

import pytest

from conftest import DEMO_PASSWORD, ROOT, binary, free_port

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
            "LIFELINE_TOKEN_FILE": str(self.token_file),
        }
        # Sanitizer builds: keep their options, which conftest's callers may set.
        for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if key in os.environ:
                self.env[key] = os.environ[key]

    def run(self, *args, input=None, env=None, unset=(), timeout=60, new_session=False):
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


# ---------------------------------------------------------------- a wire stub


class Stub:
    """An HTTP endpoint answering from `routes` {(method, path): (status, body)};
    body is a dict/list (sent as JSON) or bytes (sent as text/html)."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _serve(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                stub.requests.append({"method": self.command, "path": self.path,
                                      "headers": dict(self.headers), "body": raw})
                status, body = stub.routes.get((self.command, self.path),
                                               (404, {"error": {"code": "not_found",
                                                                "message": "no such route"}}))
                if isinstance(body, (bytes, bytearray)):
                    data, ctype = bytes(body), "text/html"
                elif body is None:
                    data, ctype = b"", None
                else:
                    data, ctype = json.dumps(body).encode(), "application/json"
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def last(self, method, path):
        found = [r for r in self.requests if r["method"] == method and r["path"] == path]
        assert found, f"no {method} {path} in {[(r['method'], r['path']) for r in self.requests]}"
        return found[-1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


NURSE = {"id": 3, "username": "nurse", "display_name": "Wang Fang", "role": "nurse",
         "department": "ward-3"}
HEALTH = {"status": "ok", "db": "ok", "role": "leader", "version": "0.1.0"}


@pytest.fixture
def stub():
    s = Stub()
    s.routes[("GET", "/api/v1/health")] = (200, HEALTH)
    s.routes[("POST", "/api/v1/auth/login")] = (200, {
        "token": "tok-stub-1", "expires_at": "2026-11-22T13:00:00Z", "user": NURSE})
    s.routes[("GET", "/api/v1/me")] = (200, NURSE)
    s.routes[("POST", "/api/v1/auth/logout")] = (204, None)
    yield s
    s.close()


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


# ---------------------------------------------------------------- on the wire


def test_wire_login_sends_credentials_and_saves_the_token(cli, stub):
    out = cli.login(stub.url, "nurse", "s3cret")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("已登录为 nurse（护士，ward-3），有效期至 2026-11-22")

    req = stub.last("POST", "/api/v1/auth/login")
    assert json.loads(req["body"]) == {"username": "nurse", "password": "s3cret"}
    headers = {k.lower(): v for k, v in req["headers"].items()}
    assert headers["content-type"] == "application/json"
    assert headers["accept-language"].startswith("zh")
    assert "authorization" not in headers

    saved = cli.saved()
    assert saved["token"] == "tok-stub-1"
    assert saved["server"] == stub.url
    assert saved["username"] == "nurse"
    assert stat.S_IMODE(cli.token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.token_file.parent.stat().st_mode) == 0o700
    assert [p.name for p in cli.token_file.parent.iterdir()] == ["token"]


def test_wire_login_reads_the_password_from_the_terminal_without_echo(cli, stub):
    import pty
    import select
    import termios

    env = dict(cli.env)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal
        try:
            os.execve(binary("client/lifeline"),
                      ["lifeline", "--server", stub.url, "login", "nurse"], env)
        finally:
            os._exit(127)

    def read_until(pattern, timeout=30):
        data = b""
        deadline = time.monotonic() + timeout
        while pattern not in data and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
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
        os.write(fd, b"s3cret-typed\n")
        rest = read_until(b"\x00")  # everything, until the child is gone
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, rest
        assert b"s3cret-typed" not in prompt + rest  # never echoed
        assert "已登录为 nurse".encode() in rest
        assert termios.tcgetattr(fd)[3] & termios.ECHO  # echo is back on
    finally:
        os.close(fd)
    req = stub.last("POST", "/api/v1/auth/login")
    assert json.loads(req["body"])["password"] == "s3cret-typed"
    assert cli.saved()["token"] == "tok-stub-1"


def test_wire_login_in_english(cli, stub):
    out = cli.login(stub.url, "nurse", "pw", "--lang", "en")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Logged in as nurse (nurse, ward-3), valid until 2026-11-22")
    headers = {k.lower(): v for k, v in stub.last("POST", "/api/v1/auth/login")["headers"].items()}
    assert headers["accept-language"] == "en"


def test_wire_later_calls_reuse_the_saved_login(cli, stub):
    assert cli.login(stub.url, "nurse", "pw").returncode == 0
    out = cli.run("status")  # no --server: the saved one
    assert out.returncode == 0, out.stderr
    assert stub.url in out.stdout
    assert "nurse（护士，ward-3）" in out.stdout
    headers = {k.lower(): v for k, v in stub.last("GET", "/api/v1/me")["headers"].items()}
    assert headers["authorization"] == "Bearer tok-stub-1"


def test_wire_token_option_and_env_win_over_the_saved_token(cli, stub):
    assert cli.login(stub.url, "nurse", "pw").returncode == 0
    assert cli.run("--token", "tok-opt", "status").returncode == 0
    assert stub.last("GET", "/api/v1/me")["headers"]["Authorization"] == "Bearer tok-opt"
    assert cli.run("status", env={"LIFELINE_TOKEN": "tok-env"}).returncode == 0
    assert stub.last("GET", "/api/v1/me")["headers"]["Authorization"] == "Bearer tok-env"


def test_wire_saved_token_is_never_sent_elsewhere(cli, stub):
    other = Stub()
    try:
        other.routes[("GET", "/api/v1/health")] = (200, HEALTH)
        assert cli.login(stub.url, "nurse", "pw").returncode == 0
        out = cli.run("--server", other.url, "status")
        assert out.returncode == 0, out.stderr
        assert "未登录" in out.stdout and stub.url in out.stdout
        assert all("Authorization" not in r["headers"] for r in other.requests)
        assert not any(r["path"] == "/api/v1/me" for r in other.requests)
    finally:
        other.close()


def test_wire_refusal_prints_the_message_and_field_and_exits_1(cli, stub):
    stub.routes[("POST", "/api/v1/auth/login")] = (401, {"error": {
        "code": "bad_credentials", "message": "用户名或密码不对", "field": "password"}})
    out = cli.login(stub.url, "nurse", "wrong")
    assert out.returncode == 1
    assert "用户名或密码不对" in out.stderr and "password" in out.stderr
    assert "HTTP 401" in out.stderr
    assert out.stdout == ""
    assert not cli.token_file.exists()

    out = cli.login(stub.url, "nurse", "wrong", "--json")
    assert out.returncode == 1
    assert json.loads(out.stdout)["error"]["code"] == "bad_credentials"


def test_wire_an_answer_that_is_not_lifelines_exits_1(cli, stub):
    stub.routes[("GET", "/api/v1/health")] = (502, b"<html>Bad Gateway</html>")
    out = cli.run("--lang", "en", "--server", stub.url, "status")
    assert out.returncode == 1
    assert "HTTP 502" in out.stderr


def test_wire_5xx_faults_show_the_request_id(cli, stub):
    stub.routes[("GET", "/api/v1/me")] = (500, {"error": {
        "code": "internal", "message": "internal error", "request_id": "abc123"}})
    out = cli.run("--server", stub.url, "--token", "t", "status")
    assert out.returncode == 1
    assert "abc123" in out.stderr
    assert "无法确认" in out.stdout


def test_wire_status_with_a_dead_token_says_not_logged_in(cli, stub):
    stub.routes[("GET", "/api/v1/me")] = (401, {"error": {
        "code": "unauthorized", "message": "token expired"}})
    out = cli.run("--server", stub.url, "--token", "old", "status")
    assert out.returncode == 0, out.stderr
    assert "未登录" in out.stdout


def test_wire_status_shows_a_database_that_is_down(cli, stub):
    stub.routes[("GET", "/api/v1/health")] = (503, dict(HEALTH, status="degraded", db="down"))
    out = cli.run("--lang", "en", "--server", stub.url, "status")
    assert out.returncode == 0, out.stderr
    assert "Database: down" in out.stdout
    assert "not logged in" in out.stdout


def test_wire_status_json_combines_health_and_me(cli, stub):
    out = cli.run("--json", "--server", stub.url + "/", "--token", "t", "status")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc == {"server": stub.url, "health": HEALTH, "me": NURSE}
    assert out.stdout.startswith("{\n  ")  # indented for people too


def test_wire_logout_revokes_then_forgets_the_token_but_not_the_url(cli, stub):
    assert cli.login(stub.url, "nurse", "pw").returncode == 0
    out = cli.run("logout")
    assert out.returncode == 0, out.stderr
    assert "已注销" in out.stdout
    assert stub.last("POST", "/api/v1/auth/logout")["headers"]["Authorization"] == "Bearer tok-stub-1"
    assert cli.saved() == {"version": 1, "server": stub.url}
    assert stat.S_IMODE(cli.token_file.stat().st_mode) == 0o600

    n = len(stub.requests)
    out = cli.run("status")  # still the same server, now without a token
    assert out.returncode == 0, out.stderr
    assert "未登录" in out.stdout
    assert [r["path"] for r in stub.requests[n:]] == ["/api/v1/health"]
    assert cli.run("logout").stdout == "未登录，无需注销。\n"


def test_wire_token_goes_to_xdg_or_home_config_by_default(cli, stub):
    out = cli.run("--server", stub.url, "login", "nurse", "--password-stdin", input="pw\n",
                  unset=["LIFELINE_TOKEN_FILE"])
    assert out.returncode == 0, out.stderr
    path = cli.home / ".config" / "lifeline" / "token"
    assert json.loads(path.read_text())["token"] == "tok-stub-1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    xdg = cli.tmp / "xdg"
    out = cli.run("--server", stub.url, "login", "nurse", "--password-stdin", input="pw\n",
                  unset=["LIFELINE_TOKEN_FILE"], env={"XDG_CONFIG_HOME": str(xdg)})
    assert out.returncode == 0, out.stderr
    assert (xdg / "lifeline" / "token").exists()


def test_wire_failing_to_save_the_token_revokes_it(cli, stub):
    blocker = cli.tmp / "file-not-dir"
    blocker.write_text("")
    out = cli.run("--server", stub.url, "login", "nurse", "--password-stdin", input="pw\n",
                  env={"LIFELINE_TOKEN_FILE": str(blocker / "token")})
    assert out.returncode == 1
    assert str(blocker / "token") in out.stderr
    assert stub.last("POST", "/api/v1/auth/logout")["headers"]["Authorization"] == "Bearer tok-stub-1"


# ---------------------------------------------------------------- a real lifelined


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
