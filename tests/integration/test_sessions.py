"""Sessions and revocation over a real server (issue 12, finding 3 and the login and
WebSocket half of 7): the login cookie is a session of its own that logout ends on the
server; ``callboard user disable | rotate`` and adding a user again take access back from
a running server within a second or two; failed logins are throttled and logged; a
WebSocket takes the cookie or a bearer header, never a token in its URL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import websockets

from adapters.store.application import open_app, read_events
from api.auth import COOKIE
from api.bootstrap import build
from api.cli.main import main
from api.settings import AuthSettings, Configuration
from tests.support.server import RunningServer, running_server, serving


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('sessions') / 'callboard.db'}"


@pytest.fixture(scope="module")
def server(store: str) -> Iterator[RunningServer]:
    with running_server(store) as running:
        yield running


def me(server: RunningServer, *, token: str | None = None,
       session: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    cookies = {COOKIE: session} if session else {}
    with httpx.Client(base_url=server.url, cookies=cookies, timeout=30) as client:
        return client.get("/api/me", headers=headers).status_code


def log_in(server: RunningServer, token: str) -> str:
    answer = httpx.post(f"{server.url}/api/login", data={"token": token}, timeout=30)
    assert answer.status_code == 303, answer.text
    return str(answer.cookies[COOKIE])


def eventually(check: Callable[[], bool], within: float = 3.0) -> bool:
    """The server reads the CLI's changes within a second or two. Polled through the
    server's own directory: polling over HTTP with a token not yet (or no longer) valid
    would count as failed logins and get the test client throttled."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def valid(server: RunningServer, token: str) -> bool:
    assert server.users is not None
    return server.users.authenticate(token) is not None


def cli(store: str, *args: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["user", *args, "--store", store]) == 0
    found: dict[str, object] = json.loads(capsys.readouterr().out)
    return found


def test_the_login_cookie_is_a_session_of_its_own_not_the_api_token(
        server: RunningServer) -> None:
    token = server.tokens["agent"]
    session = log_in(server, token)
    assert session != token and token not in session
    assert me(server, session=session) == 200
    assert me(server, session=token) == 401  # the API token opens nothing as a cookie


def test_after_logout_the_old_session_cookie_gets_401(server: RunningServer, store: str) -> None:
    session = log_in(server, server.tokens["qa"])
    with httpx.Client(base_url=server.url, cookies={COOKIE: session}, timeout=30) as client:
        assert client.get("/api/me").status_code == 200
        # a browser names its origin on a POST (the edge refuses a cookie without one)
        assert client.post("/api/logout", headers={"Origin": server.url}).status_code == 204
    assert me(server, session=session) == 401  # a copy of the cookie is dead too
    assert me(server, token=server.tokens["qa"]) == 200  # the API token is not touched
    app = open_app(store)
    kinds = [type(e).__qualname__ for e in read_events(app, ())
             if type(e).__qualname__.startswith("User.Session")]
    app.close()
    assert "User.SessionStarted" in kinds and kinds[-1] == "User.SessionEnded"


def test_a_disabled_users_token_and_session_get_401_from_the_running_server(
        server: RunningServer, store: str, capsys: pytest.CaptureFixture[str]) -> None:
    token = str(cli(store, "add", "dora", "--role", "complaints", capsys=capsys)["token"])
    assert eventually(lambda: valid(server, token))
    session = log_in(server, token)
    assert cli(store, "disable", "dora", capsys=capsys) == {"user": "dora", "disabled": True}
    assert eventually(lambda: not valid(server, token))
    assert me(server, token=token) == 401 and me(server, session=session) == 401
    assert main(["user", "rotate", "dora", "--store", store]) == 2  # disabled for good
    assert "disabled" in capsys.readouterr().err


def test_after_rotate_the_old_token_gets_401_and_the_new_one_works(
        server: RunningServer, store: str, capsys: pytest.CaptureFixture[str]) -> None:
    old = str(cli(store, "add", "rita", "--role", "auditor", capsys=capsys)["token"])
    assert eventually(lambda: valid(server, old))
    session = log_in(server, old)
    rotated = cli(store, "rotate", "rita", capsys=capsys)
    new = str(rotated["token"])
    assert new != old and str(rotated["expires_at"]).endswith("+00:00")
    assert eventually(lambda: not valid(server, old))
    assert me(server, token=old) == 401 and me(server, token=new) == 200
    assert me(server, session=session) == 401


def test_adding_a_user_again_leaves_no_second_valid_token(
        server: RunningServer, store: str, capsys: pytest.CaptureFixture[str]) -> None:
    first = str(cli(store, "add", "adam", "--role", "qa", capsys=capsys)["token"])
    assert eventually(lambda: valid(server, first))
    again = cli(store, "add", "adam", "--role", "qa", capsys=capsys)
    assert eventually(lambda: not valid(server, first))
    assert me(server, token=first) == 401 and me(server, token=str(again["token"])) == 200


def test_failed_logins_are_throttled_with_429_and_each_is_logged_without_the_token(
        sqlite_store: str, caplog: pytest.LogCaptureFixture) -> None:
    config = Configuration(auth=AuthSettings(login_failures=3, login_window_s=60))
    with serving(build(config, sqlite_store)) as server:
        good = server.tokens["supervisor"]
        guesses = [f"guess-{n}-secret" for n in range(3)]
        for guess in guesses:
            answer = httpx.post(f"{server.url}/api/login", data={"token": guess}, timeout=30)
            assert answer.status_code == 401
        throttled = httpx.post(f"{server.url}/api/login", data={"token": good}, timeout=30)
        assert throttled.status_code == 429, throttled.text
        assert "wait" in throttled.json()["detail"]
        assert 0 < int(throttled.headers["Retry-After"]) <= 60
        bearer = httpx.get(f"{server.url}/api/me", timeout=30,
                           headers={"Authorization": f"Bearer {good}"})
        assert bearer.status_code == 429  # the same guesses on any route: refused too
    logged = [r.getMessage() for r in caplog.records if r.name == "callboard.auth"]
    failures = [m for m in logged if m.startswith("failed login from 127.0.0.1")]
    assert len(failures) == 3 and "3 of 3" in failures[-1]
    assert sum(m.startswith("throttled 127.0.0.1") for m in logged) == 2
    assert not any(guess in caplog.text for guess in guesses)


async def socket_answer(url: str, headers: dict[str, str] | None = None) -> int | str:
    """The socket's close code, or the type of the first message when it stays open."""
    async with websockets.connect(url, compression=None, open_timeout=30,
                                  additional_headers=headers) as ws:
        with contextlib.suppress(websockets.ConnectionClosed):
            message = await asyncio.wait_for(ws.recv(), 10)
            return str(json.loads(message)["type"])
        return ws.close_code or 0


def test_a_websocket_refuses_a_token_in_its_url_and_takes_the_cookie_or_a_bearer_header(
        server: RunningServer) -> None:
    board = f"{server.ws_url}/ws/wallboard"
    token = server.tokens["supervisor"]
    assert asyncio.run(socket_answer(f"{board}?token={token}")) == 4401
    assert asyncio.run(socket_answer(board, {"Authorization": f"Bearer {token}"})) == "snapshot"
    # as a browser sends it: the cookie with the page's origin (the edge checks that)
    cookie = {"Cookie": f"{COOKIE}={log_in(server, token)}", "Origin": server.url}
    assert asyncio.run(socket_answer(board, cookie)) == "snapshot"


async def closed_after_logout(server: RunningServer, session: str) -> int | None:
    """Opens the wallboard socket with the cookie, logs out, waits for the close."""
    headers = {"Cookie": f"{COOKIE}={session}", "Origin": server.url}
    async with websockets.connect(f"{server.ws_url}/ws/wallboard", compression=None,
                                  open_timeout=30, additional_headers=headers) as ws:
        assert json.loads(await ws.recv())["type"] == "snapshot"
        answer = await asyncio.to_thread(
            httpx.post, f"{server.url}/api/logout", headers=headers, timeout=30)
        assert answer.status_code == 204
        deadline = time.monotonic() + 10  # the board keeps pushing while it is open
        with contextlib.suppress(websockets.ConnectionClosed, TimeoutError):
            while (left := deadline - time.monotonic()) > 0:
                await asyncio.wait_for(ws.recv(), left)
        return ws.close_code


def test_an_open_websocket_is_closed_soon_after_its_session_ends(server: RunningServer) -> None:
    session = log_in(server, server.tokens["auditor"])
    started = time.monotonic()
    assert asyncio.run(closed_after_logout(server, session)) == 4401
    assert time.monotonic() - started < 8
