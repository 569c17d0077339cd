"""Killing ``callboard rebuild`` / ``callboard project`` with SIGKILL at random points and
restarting it gives the same boards as an uninterrupted rebuild: the saved state and the
tracked position are written in one transaction, so nothing is counted twice or missed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.projection_runner.store import open_view_recorder
from adapters.store.application import open_app, read_events
from api.cli.main import main
from api.runtime import NAMES, board_policy, fold_factory, open_projection
from api.settings import BoardSettings
from tests.conftest import SCENARIOS

ROOT = Path(__file__).parent.parent.parent
KILLS = 4


def start(command: str, store: str, log: Path) -> subprocess.Popen[bytes]:
    # a checkpoint after every page of 5 events: many commits, many places to die between
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "api.cli.main", command, "--store", store, "--quiet",
             "--page", "5", "--checkpoint-events", "5"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT),
                           "CALLBOARD_BOARD_CHECKPOINT_S": "0"},
            stdout=subprocess.DEVNULL, stderr=err)


def saved_positions(store: str) -> dict[str, int]:
    """Read only: no DDL racing the projection process's own start-up."""
    out = {}
    for name in NAMES:
        recorder = open_view_recorder(store, name, create_table=False)
        out[name] = recorder.position("CallCenter")
        recorder.close()
    return out


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_rebuild_killed_at_random_points_ends_as_an_uninterrupted_one(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store: str = request.getfixturevalue(f"{backend}_store")
    for scenario in ("basic-day", "outbound-telesales", "supervision", "restart"):
        assert main(["ingest", "--store", store, *map(str, SCENARIOS[scenario])]) == 0
    app = open_app(store)
    head = app.recorder.max_notification_id() or 0
    events = list(read_events(app))
    app.close()
    rng = random.Random(20261123)
    log = tmp_path / "projection.log"
    assert main(["project", "--store", store, "--quiet", "--page", "1", "nothing"]) == 2
    for name in NAMES:  # make the view tables once, before any process races for them
        open_view_recorder(store, name).close()

    interrupted = 0
    command = "rebuild"
    for _ in range(KILLS):
        before = saved_positions(store)
        process = start(command, store, log)
        deadline = time.monotonic() + 60
        # let it make progress (at least one new checkpoint), then kill it at a random point
        while saved_positions(store) == before and process.poll() is None:
            assert time.monotonic() < deadline, "the projection process made no progress"
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.15))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        after = saved_positions(store)
        interrupted += any(p < head for p in after.values())
        command = "project"  # restarting resumes from the saved position
    assert interrupted >= 2, "the kills should land mid-way through the projections"

    finish = start("project", store, log)
    finish.wait(timeout=120)
    assert finish.returncode == 0, log.read_text()
    assert saved_positions(store) == dict.fromkeys(NAMES, head)

    policy = board_policy(BoardSettings())
    end = max(e.at for e in events if hasattr(e, "at"))
    app = open_app(store)
    try:
        for name in NAMES:
            expected = fold_factory(name, policy)()
            for event in events:
                expected.apply(event)
            saved = open_projection(app, store, name, BoardSettings(), read_only=True)
            saved.recorder.close()
            for at in (end - 120, end):
                assert saved.fold.view(at) == expected.view(at), name
    finally:
        app.close()
