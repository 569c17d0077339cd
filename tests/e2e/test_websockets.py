"""WebSocket boards over a real server while a capture is replayed into it over AMI: 200
clients get the snapshot then updates; a stalled client delays neither them nor
ingestion, and what is held for it stays one snapshot."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import re
import socket
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
import websockets

from tests.conftest import SCENARIOS
from tests.support.server import RunningServer, running_server

CLIENTS = 200
LISTEN_S = 4.0


def stalled_client(server: RunningServer, board: str) -> socket.socket:
    """Opens the WebSocket handshake by hand, then never reads again."""
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws/{board} HTTP/1.1\r\n"
                  f"Authorization: Bearer {server.tokens['supervisor']}\r\n"
                  f"Host: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    reply = b""
    while b"\r\n\r\n" not in reply:
        reply += sock.recv(1)
    assert reply.startswith(b"HTTP/1.1 101"), reply
    return sock


async def listen(url: str, token: str, seconds: float) -> list[float]:
    """Arrival times of the snapshots one client gets in ``seconds``."""
    arrivals: list[float] = []
    async with websockets.connect(url, compression=None, open_timeout=30,
                                  additional_headers=bearer(token)) as ws:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await asyncio.wait_for(ws.recv(), timeout=left)
            except TimeoutError:
                break
            data: dict[str, Any] = orjson.loads(message)
            assert data["type"] == "snapshot" and data["board"] == "wallboard"
            arrivals.append(time.monotonic())
    return arrivals


def bearer(token: str) -> dict[str, str]:
    """How a client that is not a browser authenticates a socket: no token in the URL."""
    return {"Authorization": f"Bearer {token}"}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.slow
def test_two_hundred_clients_get_updates_and_a_stalled_one_holds_up_nothing(
    sqlite_store: str, request: pytest.FixtureRequest
) -> None:
    with running_server(sqlite_store, SCENARIOS["basic-day"], speed=8.0) as server:
        assert server.pbx is not None
        server.wait_position(1)
        hub = server.runtime_hubs["wallboard"]
        stalled = stalled_client(server, "wallboard")
        request.addfinalizer(stalled.close)
        time.sleep(3.0)  # long enough for its socket buffers to fill
        memory_before = rss_mb()
        frames_before = server.runtime.ingestor.report.frames_received
        sent_before = server.pbx.frames_sent(0)

        async def everyone() -> list[list[float]]:
            url, token = f"{server.ws_url}/ws/wallboard", server.tokens["supervisor"]
            return await asyncio.gather(*(listen(url, token, LISTEN_S)
                                          for _ in range(CLIENTS)))

        results = asyncio.run(everyone())
        frames_after = server.runtime.ingestor.report.frames_received
        sent_after = server.pbx.frames_sent(0)

        # every client got the snapshot and then updates, at most every 250 ms, with no
        # gap the stalled client could have caused
        assert len(results) == CLIENTS
        for arrivals in results:
            assert len(arrivals) >= 3
            gaps = [b - a for a, b in itertools.pairwise(arrivals[1:])]  # after the snapshot
            assert min(gaps, default=1.0) >= 0.15  # 250 ms apart, less delivery jitter
            assert max(gaps, default=0.0) < 2.0
        # ingestion kept up with the PBX the whole time
        assert sent_after - sent_before > 100
        assert frames_after - frames_before >= (sent_after - sent_before) * 0.9
        # the stalled client is still connected: its socket full, it is skipped ahead,
        # and what waits for it in the hub is one snapshot
        (stuck,) = hub.clients
        sent = stuck.sent
        time.sleep(1.0)
        assert stuck.sent == sent and stuck.skipped > 0, (stuck.sent, stuck.skipped)
        assert stuck.slot is not None and len(stuck.slot) < 200_000
        assert rss_mb() - memory_before < 150


async def first_with_calls(url: str, token: str, timeout: float = 30.0) -> dict[str, Any]:
    async with websockets.connect(url, compression=None, open_timeout=30,
                                  additional_headers=bearer(token)) as ws:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), timeout))
            if data["data"]["calls"]:
                return data
    raise AssertionError("no live call was pushed")


async def close_code(url: str, headers: dict[str, str] | None = None) -> int | None:
    async with websockets.connect(url, compression=None, open_timeout=30,
                                  additional_headers=headers) as ws:
        with contextlib.suppress(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        return ws.close_code


def test_pushed_boards_mask_numbers_and_refuse_roles_and_strangers(sqlite_store: str) -> None:
    with running_server(sqlite_store, SCENARIOS["basic-day"], speed=8.0) as server:
        board = f"{server.ws_url}/ws/monitoring"
        plain = asyncio.run(first_with_calls(board, server.tokens["supervisor"]))
        masked = asyncio.run(first_with_calls(board, server.tokens["qa"]))
        assert all(c["number"].isdigit() for c in plain["data"]["calls"])
        assert all(re.fullmatch(r"\d{3}\*+\d{4}", c["number"]) for c in masked["data"]["calls"])
        assert asyncio.run(close_code(f"{server.ws_url}/ws/agents",
                                      bearer(server.tokens["agent"]))) == 4403
        assert asyncio.run(close_code(f"{server.ws_url}/ws/wallboard")) == 4401
        assert asyncio.run(close_code(f"{server.ws_url}/ws/wallboard", bearer("bad"))) == 4401
        assert asyncio.run(close_code(f"{server.ws_url}/ws/nosuch",
                                      bearer(server.tokens["admin"]))) == 4404
