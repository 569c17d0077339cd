"""The benchmark's copied event log folds like back-to-back recordings of the scenarios."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.store.application import open_app, read_events
from bench.event_log import BaseLog, base_log, copies_needed, copy_window, write_log
from domain.telephony.agent import Agent
from projections.floor.wallboard import WallboardProjection

COPIES = 3
COUNTS = ("offered", "answered", "abandoned", "timed_out", "exit_empty", "exit_with_key",
          "unresolved", "ended_by_shutdown", "abandoned_by_shutdown", "completed_by_agent",
          "completed_by_caller", "completed_side_unknown", "transferred", "ring_no_answer",
          "lost_by_restart", "closed_by_resync", "left_unanswered_in_feed_gap",
          "answered_within_sl", "short_abandoned", "handled")
MEANS = ("asa_s", "hold_answered_max_s", "wait_abandoned_mean_s", "talk_mean_s",
         "aht_s")


@pytest.fixture(scope="module")
def log() -> BaseLog:
    return base_log()


@pytest.fixture(scope="module")
def copied(log: BaseLog, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Any]]:
    store = f"sqlite:///{tmp_path_factory.mktemp('log') / 'copied.db'}"
    app = open_app(store)
    try:
        report = write_log(app, log, COPIES, batch=1000)
        assert report.events == log.first_copy + (COPIES - 1) * log.later_copy
        events = list(read_events(app))
    finally:
        app.close()
    return store, events


def fold(events: list[Any]) -> WallboardProjection:
    board = WallboardProjection()
    for event in events:
        board.apply(event)
    return board


def counts(period: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {queue: {k: figures[k] for k in keys}
            for queue, figures in [*period["queues"].items(), ("*", period["totals"])]}


def test_every_copy_gives_the_figures_of_the_recorded_scenarios(
    log: BaseLog, copied: tuple[str, list[Any]]
) -> None:
    one = fold(list(log.events))
    start, end = copy_window(log, 0)
    expected = one.period(start, end - 1)
    assert expected["totals"]["offered"] > 50
    board = fold(copied[1])
    for k in range(COPIES):
        start, end = copy_window(log, k)
        period = board.period(start, end - 1)
        assert counts(period, COUNTS) == counts(expected, COUNTS), f"copy {k}"
        assert counts(period, MEANS) == counts(expected, MEANS), f"copy {k}"


def test_the_whole_log_adds_up_to_copies_times_one_copy(
    log: BaseLog, copied: tuple[str, list[Any]]
) -> None:
    start, end = copy_window(log, 0)
    one = counts(fold(list(log.events)).period(start, end - 1), COUNTS)
    last = copy_window(log, COPIES - 1)[1]
    whole = counts(fold(copied[1]).period(start, last), COUNTS)
    assert whole == {q: {k: COPIES * v for k, v in figures.items()}
                     for q, figures in one.items()}


def test_calls_are_new_in_every_copy_and_agents_queues_and_the_pbx_are_shared(
    log: BaseLog, copied: tuple[str, list[Any]]
) -> None:
    versions: dict[UUID, list[int]] = defaultdict(list)
    for event in copied[1]:
        versions[event.originator_id].append(event.originator_version)
    calls = [i for i in versions if i not in log.max_version]
    assert len(calls) == COPIES * len(log.per_copy_ids)
    assert log.per_copy_ids <= set(calls)  # copy 0 keeps the recorded ids
    for aggregate, seen in versions.items():  # unique, increasing and contiguous
        assert seen == list(range(1, len(seen) + 1)), aggregate
        if aggregate in log.max_version:
            assert seen[-1] == 1 + COPIES * (log.max_version[aggregate] - 1)
    app = open_app(copied[0])
    try:
        agents: list[Any] = [app.repository.get(i) for i in log.max_version
                  if any(type(e).__qualname__ == "Agent.Registered" and e.originator_id == i
                         for e in log.events)]
    finally:
        app.close()
    assert agents and all(isinstance(a, Agent) for a in agents)


def test_linkedids_move_with_the_copy(log: BaseLog, copied: tuple[str, list[Any]]) -> None:
    started = [e for e in copied[1] if type(e).__qualname__ == "Call.Started"]
    assert len({e.linkedid for e in started}) == len(started)
    first = next(e for e in log.events if type(e).__qualname__ == "Call.Started")
    epoch, _, rest = first.linkedid.partition(".")
    moved = f"{int(epoch) + log.period}.{rest}" if rest else str(int(epoch) + log.period)
    assert moved in {e.linkedid for e in started}


def test_copies_needed_reaches_the_minimum(log: BaseLog) -> None:
    assert copies_needed(log, 1) == 1
    for wanted in (log.first_copy + 1, 10_000, 500_000):
        copies = copies_needed(log, wanted)
        total = log.first_copy + (copies - 1) * log.later_copy
        assert total >= wanted > total - log.later_copy


def test_fixtures_dir_holds_the_scenarios() -> None:
    from bench.workload import fixtures_dir

    assert (Path(fixtures_dir()) / "basic-day" / "basic-day.ami").exists()
