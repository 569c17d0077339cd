"""The HTTP edge (api/system/edge.py) on a real server, as an attacker meets it (issue 12,
findings 1 and 7): bodies over the limit are refused before they are read, browser
writes and sockets from another origin are refused, NUL paths are 404, and every answer
carries the security headers."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.typing import Origin

from api.bootstrap import build
from api.settings import Configuration, HttpLimits
from api.system.edge import App, Edge, Receive, Scope, Send
from tests.support.server import RunningServer, running_server, serving

MB = 1024 * 1024
CHUNK = b"x" * 65536
PAGE_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
                "x-frame-options": "DENY"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    store = f"sqlite:///{tmp_path_factory.mktemp('edge') / 'callboard.db'}"
    with running_server(store) as running:
        yield running


def rss() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096


class Probe:
    """One raw HTTP/1.1 request: the head, then the body streamed from another thread while
    this one reads the answer, and the peak RSS of this process (the server's) meanwhile."""

    def __init__(self, url: str, head: bytes, body: Iterable[bytes]) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.head, self.body, self.sent, self.peak = head, body, 0, rss()
        self.done = threading.Event()

    def _send(self) -> None:
        try:
            for chunk in self.body:
                self.sock.sendall(chunk)
                self.sent += len(chunk)
        except OSError:
            pass  # the server closed the connection: what we are testing

    def _watch(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, rss())
            time.sleep(0.002)

    def run(self) -> tuple[bytes, int]:
        """(the answer's bytes, how many body bytes were sent when it came)."""
        watcher = threading.Thread(target=self._watch, daemon=True)
        watcher.start()
        self.sock.sendall(self.head)
        sender = threading.Thread(target=self._send, daemon=True)
        sender.start()
        answer, sent_then = b"", -1
        try:
            while chunk := self.sock.recv(65536):
                sent_then = self.sent if sent_then < 0 else sent_then
                answer += chunk
        except OSError:
            pass
        sender.join(30)
        self.done.set()
        watcher.join()
        self.sock.close()
        return answer, sent_then


def post_head(path: str, *extra: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
             *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_an_unauthenticated_50_mb_body_is_refused_with_413_before_it_is_read(
    server: RunningServer,
) -> None:
    before = rss()
    probe = Probe(server.url, post_head("/api/pbx/dial", f"Content-Length: {50 * MB}"),
                  (CHUNK for _ in range(50 * MB // len(CHUNK))))
    answer, sent_then = probe.run()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"request body too large" in answer
    assert 0 <= sent_then < 20 * MB, "the server answered only after reading the body"
    assert probe.peak - before < 50 * MB, f"RSS grew by {(probe.peak - before) / MB:.0f} MB"


def test_a_chunked_50_mb_body_is_cut_at_the_limit_with_413(server: RunningServer) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(50 * MB // len(CHUNK)):
            yield b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK)
        yield b"0\r\n\r\n"

    before = rss()
    probe = Probe(server.url, post_head("/api/pbx/dial", "Transfer-Encoding: chunked"),
                  chunks())
    answer, sent_then = probe.run()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert 0 <= sent_then < 20 * MB, "the server answered only after reading the body"
    assert probe.peak - before < 50 * MB, f"RSS grew by {(probe.peak - before) / MB:.0f} MB"


def test_the_dnd_import_has_its_own_larger_limit_from_the_settings(tmp_path: Path) -> None:
    limits = HttpLimits(max_body_bytes=2000, max_upload_bytes=20_000)
    callboard = build(Configuration(limits=limits), f"sqlite:///{tmp_path / 'cb.db'}",
                      poll_s=0.02)
    with serving(callboard) as running:
        admin = {"Authorization": f"Bearer {running.tokens['admin']}"}
        csv = b"phone\n" + b"3055558282\n" * 900  # 9,906 bytes
        imported = httpx.post(running.url + "/api/dnd/import", headers=admin, timeout=30,
                              files={"file": ("optout.csv", csv)})
        assert imported.status_code == 200, imported.text
        assert imported.json()["added"] == 1
        json_body = httpx.post(running.url + "/api/dnd", headers=admin, timeout=30,
                               json={"number": "3055558283", "note": "x" * 9000})
        assert json_body.status_code == 413
        assert "at most 2000 bytes" in json_body.json()["detail"]
        too_big = httpx.post(running.url + "/api/dnd/import", headers=admin, timeout=30,
                             files={"file": ("optout.csv", csv * 3)})
        assert too_big.status_code == 413
        assert "at most 20000 bytes" in too_big.json()["detail"]


def login(server: RunningServer, role: str) -> dict[str, str]:
    answer = httpx.post(server.url + "/api/login", data={"token": server.tokens[role]},
                        timeout=30)
    assert answer.status_code == 303, answer.text
    return dict(answer.cookies)


def dnd_count(server: RunningServer) -> int:
    listed = httpx.get(server.url + "/api/dnd", timeout=30, headers={
        "Authorization": f"Bearer {server.tokens['admin']}"})
    count: int = listed.json()["count"]
    return count


def test_a_form_from_another_origin_cannot_use_the_session_cookie(
    server: RunningServer, caplog: pytest.LogCaptureFixture,
) -> None:
    cookies = login(server, "admin")
    form = {"file": ("optout.csv", b"phone\n2125550101\n2125550102\n", "text/csv")}
    before = dnd_count(server)
    for sender in ({"Origin": "http://127.0.0.1:9"}, {"Origin": "null"},
                   {"Referer": "http://evil.example/form.html"}, {}):
        with httpx.Client(cookies=cookies, timeout=30) as client:
            refused = client.post(server.url + "/api/dnd/import", files=form,
                                  headers=sender)
        assert refused.status_code == 403, (sender, refused.text)
        assert "cross-origin request refused" in refused.json()["detail"]
    assert dnd_count(server) == before
    assert "refused a cross-origin POST" in caplog.text
    with httpx.Client(cookies=cookies, timeout=30) as client:
        own = client.post(server.url + "/api/dnd/import", files=form,
                          headers={"Origin": server.url})
        assert own.status_code == 200, own.text
        referred = client.delete(server.url + "/api/dnd/2125550101?reason=consent",
                                 headers={"Referer": server.url + "/calls"})
        assert referred.status_code == 200, referred.text
    assert dnd_count(server) == before + 1


def test_an_api_client_with_a_bearer_token_and_no_cookie_needs_no_origin(
    server: RunningServer,
) -> None:
    answer = httpx.post(server.url + "/api/dnd", timeout=30,
                        headers={"Authorization": f"Bearer {server.tokens['admin']}",
                                 "Origin": "http://127.0.0.1:9"},
                        json={"number": "2125550177"})
    assert answer.status_code == 201, answer.text


async def handshake(url: str, cookies: dict[str, str], origin: str) -> str:
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    try:
        async with websockets.connect(url, compression=None, open_timeout=30,
                                      origin=Origin(origin),
                                      additional_headers={"Cookie": header}) as ws:
            message = await asyncio.wait_for(ws.recv(), 30)
            return str(message)[:40]
    except websockets.InvalidStatus as refused:
        return f"HTTP {refused.response.status_code}"


def test_a_websocket_with_the_cookie_opens_only_from_the_own_origin(
    server: RunningServer,
) -> None:
    cookies = login(server, "supervisor")
    url = f"{server.ws_url}/ws/wallboard"
    assert asyncio.run(handshake(url, cookies, "http://127.0.0.1:9")) == "HTTP 403"
    assert '"type":"snapshot"' in asyncio.run(handshake(url, cookies, server.url))


def test_a_path_with_nul_or_control_characters_is_404_without_a_traceback(
    server: RunningServer, capfd: pytest.CaptureFixture[str],
) -> None:
    for path in ("/static/app.js%00.html", "/static/app.js%0a", "/api/dnd/%00",
                 "/static/%1b[31m", "/wallboard%7f"):
        answer = httpx.get(server.url + path, timeout=30)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.json()["detail"].startswith("no such path"), path
        assert "Traceback" not in answer.text
    assert httpx.get(server.url + "/static/app.js", timeout=30).status_code == 200
    time.sleep(0.2)
    assert "Traceback" not in capfd.readouterr().err


def test_every_answer_carries_the_security_headers(server: RunningServer) -> None:
    bearer = {"Authorization": f"Bearer {server.tokens['supervisor']}"}
    answers = {path: httpx.get(server.url + path, headers=bearer, timeout=30)
               for path in ("/login", "/wallboard", "/static/app.js", "/api/me",
                            "/api/health", "/api/nowhere", "/metrics")}
    answers["401"] = httpx.get(server.url + "/api/wallboard", timeout=30)
    for name, answer in answers.items():
        for header, value in PAGE_HEADERS.items():
            assert answer.headers.get(header) == value, (name, header)
        policy = answer.headers["content-security-policy"]
        for part in ("default-src 'self'", "script-src 'self';", "frame-ancestors 'none'",
                     "base-uri 'none'", "form-action 'self'", "img-src 'self' data:",
                     "connect-src 'self' ws: wss:"):
            assert part in policy, (name, part)
        assert "unsafe" not in policy, name
        no_store = answer.headers.get("cache-control") == "no-store"
        assert no_store == (name == "401" or name.startswith("/api")), name


async def crashing(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("a bug in a route")


async def streaming(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"x-content-type-options", b"sniff-me")]})
    for part in (b"one,", b"two"):
        await send({"type": "http.response.body", "body": part, "more_body": part != b"two"})


async def fetch(app: App, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=Edge(app, HttpLimits()),
                                    raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
        return await client.get(path)


def test_an_error_in_a_route_still_answers_with_the_headers_and_no_traceback() -> None:
    answer = asyncio.run(fetch(crashing, "/api/x"))
    assert answer.status_code == 500
    assert answer.json()["detail"] == "internal error: the server logged it"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"


def test_a_streamed_answer_passes_through_whole_with_the_edge_headers_winning() -> None:
    answer = asyncio.run(fetch(streaming, "/static/x"))
    assert answer.text == "one,two"
    assert answer.headers.get_list("x-content-type-options") == ["nosniff"]
