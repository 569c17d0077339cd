"""The wallboard fold: business day, windows, and forgetting what a new day no longer
needs, with the same figures as a fold that never forgot."""

from __future__ import annotations

from projections.business_day import BoardPolicy, business_day_start
from projections.floor.agents import AgentBoardProjection
from projections.floor.wallboard import WallboardProjection
from tests.support.scene import Scene

DAY1 = 1795392000.0  # 2026-11-23 00:00 UTC
DAY2 = DAY1 + 86_400


def two_days(*folds: object) -> None:
    scene = Scene(*folds)  # type: ignore[arg-type]
    scene.agent("1001", "Alice", DAY1 + 3600, "sales")
    for day in (DAY1, DAY2):
        for n in range(3):
            at = day + 9 * 3600 + n * 600
            call = scene.caller(f"{day}.{n}", at, f"55500{n}", "Caller", "sales")
            scene.answer(call, at + 10, "sales", "1001")
            scene.complete(call, at + 70, "sales", "1001")
            scene.end(call, at + 71)


def test_a_new_business_day_starts_from_zero_and_forgets_the_last_one() -> None:
    board = WallboardProjection()
    two_days(board)
    view = board.view(DAY2 + 10 * 3600)
    assert view["day"]["from"] == DAY2
    assert view["day"]["totals"]["offered"] == 3
    assert all(v.joined_at >= DAY2 - 3600 for v in board.stats.visits)


def test_forgetting_changes_no_figure_of_the_day_or_its_windows() -> None:
    board, agents = WallboardProjection(), AgentBoardProjection()
    two_days(board, agents)
    full = WallboardProjection()
    full.stats.prune = lambda before: None  # type: ignore[method-assign]
    two_days(full)
    now = DAY2 + 9 * 3600 + 1500
    assert board.view(now) == full.view(now)
    assert agents.view(now)["agents"][0]["day"]["answered"] == 3


def test_the_business_day_follows_the_time_zone_and_day_start() -> None:
    from datetime import time

    policy = BoardPolicy(timezone="Asia/Shanghai", day_start=time(6, 0))
    # 2026-11-23 05:00 in Shanghai is before 06:00: still the day that began on the 22nd
    at = DAY1 - 8 * 3600 + 5 * 3600
    assert business_day_start(at, policy) == DAY1 - 8 * 3600 - 18 * 3600
