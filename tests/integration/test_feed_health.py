"""Acceptance 4 of issue 13: the feed's health, visible.

A real server (``tests.support.server``) reads ``basic-day`` from a replay AMI server over
TCP. The replay server goes away as a restarting PBX does (every connection cut,
reconnecting refused for 3 s), then listens again. Within 2 s of the cut the wallboard
(REST and WebSocket push), /api/ready and /metrics say the feed is down; after the
reconnect they say it is back, with one gap counted. Without an AMI source they say
"no live feed", never "down". ``FeedHealth``'s rate is over a sliding window, not an
average since start.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

from adapters.ami.health import FeedHealth
from tests.conftest import SCENARIOS
from tests.support.server import RunningServer, running_server

DETECT_S = 2.0
DOWN_S = 3.0


class FakeClocks:
    def __init__(self) -> None:
        self.wall, self.mono = 1_000_000.0, 500.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


def _health(clocks: FakeClocks) -> FeedHealth:
    return FeedHealth("pbx:5038", clock=lambda: clocks.wall, monotonic=lambda: clocks.mono)


def test_the_frame_rate_is_measured_over_the_last_ten_seconds_not_since_start() -> None:
    clocks = FakeClocks()
    health = _health(clocks)
    health.up()
    for _ in range(1000):  # a burst long ago
        health.frame()
    clocks.advance(60)
    for _ in range(10):
        for _ in range(39):
            health.frame()
        clocks.advance(1)
    state = health.state()
    assert 35 <= state.frames_per_s <= 39, state  # not (1000 + 390) / 70 s, not 1390
    assert state.frames == 1390
    assert state.last_frame_at == clocks.wall - 1


def test_a_lost_link_is_a_gap_with_its_length_and_a_stop_is_not() -> None:
    clocks = FakeClocks()
    health = _health(clocks)
    assert not health.state().connected and health.state().since is None
    health.up()
    up_at = clocks.wall
    clocks.advance(5)
    health.down()
    down = health.state()
    assert (down.connected, down.since, down.gaps) == (False, up_at + 5, 1)
    clocks.advance(3)
    assert health.state().last_gap_s == 3  # while down: so far
    clocks.advance(1)
    health.up()
    back = health.state()
    assert (back.connected, back.since, back.gaps, back.last_gap_s) == (
        True, up_at + 9, 1, 4)
    health.down(stopped=True)
    assert health.state().gaps == 1


class PushWatcher:
    """Every wallboard snapshot pushed to an admin's socket, with its arrival time."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.feeds: list[tuple[float, dict[str, Any]]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._watch()), daemon=True)

    async def _watch(self) -> None:
        async with websockets.connect(self.url, compression=None, open_timeout=30,
                                      additional_headers={"Authorization":
                                                          f"Bearer {self.token}"}) as ws:
            while not self.stop.is_set():
                try:
                    message = await asyncio.wait_for(ws.recv(), timeout=0.2)
                except TimeoutError:
                    continue
                data = orjson.loads(message)["data"]
                self.feeds.append((time.monotonic(), data["feed"]))

    def latest(self) -> dict[str, Any] | None:
        return self.feeds[-1][1] if self.feeds else None


def _says(server: RunningServer, push: PushWatcher) -> dict[str, bool | None]:
    """Whether each channel says the feed is connected now."""
    admin = {"Authorization": f"Bearer {server.tokens['admin']}"}
    ready = httpx.get(f"{server.url}/api/ready", timeout=10).json()["feed"]
    board = httpx.get(f"{server.url}/api/wallboard", headers=admin, timeout=10).json()["feed"]
    metrics = httpx.get(f"{server.url}/metrics", headers=admin, timeout=10).text
    found = re.search(r'^callboard_feed_connected\{feed="[^"]+"\} (\S+)$', metrics, re.M)
    pushed = push.latest()
    assert board["stale"] is not board["connected"]
    return {"ready": ready["connected"], "wallboard": board["connected"],
            "metrics": None if found is None else float(found.group(1)) == 1.0,
            "push": None if pushed is None else pushed["connected"] and not pushed["stale"]}


def _until(server: RunningServer, push: PushWatcher, connected: bool, timeout: float
           ) -> dict[str, float]:
    """Seconds until each channel said ``connected``."""
    start, seen = time.monotonic(), {}  # type: float, dict[str, float]
    while len(seen) < 4 and time.monotonic() - start < timeout:
        for channel, says in _says(server, push).items():
            if says is connected:
                seen.setdefault(channel, time.monotonic() - start)
        time.sleep(0.05)
    return seen


def _wait(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_the_wallboard_push_ready_and_metrics_say_the_feed_is_down_within_2_s_and_back_after(
        tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'callboard.db'}"
    with running_server(store, SCENARIOS["basic-day"]) as server:
        assert server.pbx is not None
        push = PushWatcher(f"{server.ws_url}/ws/wallboard", server.tokens["admin"])
        push.thread.start()
        try:
            assert len(_until(server, push, True, 30)) == 4, "the feed never came up"
            cut = threading.Thread(target=server.pbx.restart, kwargs={"down_s": DOWN_S})
            cut.start()
            down = _until(server, push, False, 10)
            assert set(down) == {"ready", "wallboard", "metrics", "push"}, down
            assert max(down.values()) < DETECT_S, down
            back = _until(server, push, True, 30)
            cut.join(10)
            assert set(back) == {"ready", "wallboard", "metrics", "push"}, back
            assert min(back.values()) >= DOWN_S - max(down.values()) - 0.5, back
        finally:
            push.stop.set()
            push.thread.join(5)
        admin = {"Authorization": f"Bearer {server.tokens['admin']}"}
        metrics = httpx.get(f"{server.url}/metrics", headers=admin, timeout=10).text
        assert re.search(r'^callboard_feed_gaps_total\{feed="127.0.0.1:\d+"\} 1.0$',
                         metrics, re.M), metrics
        gap = re.search(r'^callboard_feed_last_gap_seconds\{feed="[^"]+"\} (\S+)$',
                        metrics, re.M)
        assert gap is not None and DOWN_S - 0.5 <= float(gap.group(1)) <= DOWN_S + 8
        ready = httpx.get(f"{server.url}/api/ready", timeout=10)
        assert ready.json()["feed"]["live"] is True


def test_without_an_ami_source_every_channel_says_no_live_feed_not_down(
        tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'callboard.db'}"
    with running_server(store) as server:
        admin = {"Authorization": f"Bearer {server.tokens['admin']}"}
        none = {"live": False, "connected": None, "since": None, "last_frame_at": None,
                "stale": False}
        ready = httpx.get(f"{server.url}/api/ready", timeout=10)
        assert ready.status_code == 200 and ready.json()["feed"] == none
        for board in ("wallboard", "agents", "calls/live", "queues"):
            answer = httpx.get(f"{server.url}/api/{board}", headers=admin, timeout=10)
            assert answer.json()["feed"] == none, board
        metrics = httpx.get(f"{server.url}/metrics", headers=admin, timeout=10).text
        assert re.search(r"^callboard_feeds 0.0$", metrics, re.M)
        assert "callboard_feed_connected{" not in metrics
        assert "callboard_ingest_frames_per_second" not in metrics  # an average since start
        assert "callboard_feed_lag_seconds" not in metrics  # the wallboard's last event
        assert re.search(r"^callboard_ingest_batches_failed_total 0.0$", metrics, re.M)
        assert re.search(r"^callboard_ingest_frames_untranslated_total 0.0$", metrics, re.M)
