"""What a board's WebSocket pushes is what its REST endpoint answers (issue 12, acceptance
4): for the wallboard, agents and monitoring boards, as a role that sees customer numbers
(supervisor) and one that sees them masked (qa), the pushed snapshot's ``data`` equals
``GET /api/<board>`` at the same log position, field for field.

A basic day is replayed over AMI up to its middle (calls waiting, talking, agents paused
with a reason) and left to settle: every frame ingested, the folds at the log's head.
The clock is held still while a snapshot and its REST answer are compared, so nothing is
exempt from the comparison: the fields that tick with the clock (``as_of``, waiting,
talk, hold and in-state seconds, the day and window periods that end "now") are equal
too. Between two comparisons the clock moves on, and the pushed boards must follow it
(``as_of`` and the waiting times move by exactly that much, in both views), which shows
the push recomputes on the clock and not only when the log moves.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import websockets

from adapters.replay.frames import Capture
from api.bootstrap import AmiEndpoint, build
from api.settings import Configuration
from tests.conftest import SCENARIOS
from tests.support.replay_pbx import PbxReplayServer
from tests.support.server import RunningServer, serving

BOARDS = {"wallboard": "/api/wallboard", "agents": "/api/agents",
          "monitoring": "/api/calls/live"}
ROLES = ("supervisor", "qa")  # numbers in clear; numbers masked
STEP_S = 12.5  # how far the clock moves between the two comparisons


class HeldClock:
    """The boards' "now": held still, moved on only by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def half_a_day(tmp_path: Path) -> tuple[Path, float]:
    """The basic day up to its middle, cut at a frame boundary, and its last timestamp."""
    data = SCENARIOS["basic-day"][0].read_bytes()
    cut = data.index(b"\r\n\r\nEvent: ", len(data) // 2) + 4
    path = tmp_path / "basic-day-half.ami"
    path.write_bytes(data[:cut])
    stamps = re.findall(rb"Timestamp: (\d+\.\d+)", data[:cut])
    return path, float(stamps[-1])


def settle(server: RunningServer, frames: int, timeout: float = 60.0) -> None:
    """Until every frame of the capture is ingested and the folds rest at the log's head
    (the same head twice, half a second apart)."""
    assert server.pbx is not None
    deadline = time.monotonic() + timeout
    runtime = server.runtime
    last: tuple[int, dict[str, int]] = (-1, {})
    while True:
        assert time.monotonic() < deadline, "the replay did not settle"
        received = runtime.ingestor.report.frames_received
        now = (runtime.head(), runtime.positions())
        if (server.pbx.frames_sent(0) >= frames and received >= frames and now == last
                and all(p == now[0] for p in now[1].values())):
            return
        last = now
        time.sleep(0.5)


@pytest.fixture
def server(sqlite_store: str, tmp_path: Path) -> Iterator[tuple[RunningServer, HeldClock]]:
    capture, last_stamp = half_a_day(tmp_path)
    pbx = PbxReplayServer([capture], username="cb", secret="cb", speed=None).start()
    clock = HeldClock(last_stamp + 5.0)
    callboard = build(Configuration(), sqlite_store, clock=clock, poll_s=0.02,
                      ami=AmiEndpoint("127.0.0.1", pbx.port, "cb", "cb"))
    try:
        with serving(callboard, pbx=pbx) as running:
            settle(running, len(Capture.load(capture).frames))
            yield running, clock
    finally:
        pbx.stop()


async def pushed_and_answered(server: RunningServer, board: str, role: str, now: float,
                              timeout: float = 20.0) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first snapshot computed at ``now`` whose position the REST view, asked right
    after it, has too; and that REST view."""
    auth = {"Authorization": f"Bearer {server.tokens[role]}"}
    async with websockets.connect(f"{server.ws_url}/ws/{board}", additional_headers=auth,
                                  compression=None, open_timeout=30) as ws:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = orjson.loads(await asyncio.wait_for(ws.recv(), timeout))
            assert message["type"] == "snapshot" and message["board"] == board
            pushed: dict[str, Any] = message["data"]
            if pushed["as_of"] != now:  # computed before the clock moved: the next one
                continue
            reply = await asyncio.to_thread(httpx.get, server.url + BOARDS[board],
                                            headers=auth, timeout=30)
            assert reply.status_code == 200, reply.text
            answered: dict[str, Any] = reply.json()
            if answered["position"] == pushed["position"]:
                return pushed, answered
    raise AssertionError(f"no {board} snapshot for {role} at the REST view's position")


def without_last_frame(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "feed": {k: v for k, v in view["feed"].items() if k != "last_frame_at"}}


def waiting_times(view: dict[str, Any]) -> dict[str, float]:
    return {c["call_id"]: c["waiting_s"] for c in view["calls"] if c["state"] == "waiting"}


@pytest.mark.slow
def test_each_pushed_board_equals_its_rest_view_at_the_same_position_for_every_role(
        server: tuple[RunningServer, HeldClock]) -> None:
    running, clock = server
    seen: dict[tuple[str, str, float], dict[str, Any]] = {}
    for step in (0.0, STEP_S):
        clock.now += step
        for board in BOARDS:
            for role in ROLES:
                pushed, answered = asyncio.run(
                    pushed_and_answered(running, board, role, clock.now))
                # the feed block's last frame moves with every frame the PBX sends (Ping
                # answers too), on the wall clock the test cannot hold: compared apart
                assert pushed["feed"]["connected"] and answered["feed"]["connected"]
                assert without_last_frame(pushed) == without_last_frame(answered), (
                    board, role)
                # settled: the board has folded everything; the log's head itself may move
                # on with frames of no board's topic (the client's Ping answers are stored)
                assert pushed["position"] == running.runtime.positions()[board]
                seen[board, role, step] = pushed

    # the comparisons had something to compare: live calls, some waiting, agents
    live = seen["monitoring", "supervisor", 0.0]
    assert len(live["calls"]) >= 5 and waiting_times(live)
    assert seen["agents", "supervisor", 0.0]["agents"]
    # the masked role's views really are masked: none of the numbers in clear appear
    numbers = {c["number"] for c in live["calls"]}
    masked = orjson.dumps(seen["monitoring", "qa", 0.0]).decode()
    assert numbers and not any(number in masked for number in numbers)
    # both views followed the clock: as_of and every waiting time moved by the step
    for board in BOARDS:
        assert seen[board, "qa", STEP_S]["as_of"] == seen[board, "qa", 0.0]["as_of"] + STEP_S
    later = waiting_times(seen["monitoring", "supervisor", STEP_S])
    assert later and all(later[call] == pytest.approx(waited + STEP_S, abs=0.01)
                         for call, waited in waiting_times(live).items() if call in later)
