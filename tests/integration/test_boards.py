"""The agent and monitoring boards over the recorded scenarios, after ``callboard ingest``.

Boards are folded from the stored log as a projection runner folds them: the events of
their topics in log order (an "as of" instant keeps the events dated at or before it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.store.application import open_app, read_events
from api.cli.main import main
from projections.floor.agents import AgentBoardProjection
from projections.floor.monitoring import MonitoringProjection
from tests.conftest import FIXTURES, SCENARIOS, summary

Board = AgentBoardProjection | MonitoringProjection
ON_A_CALL = ("ringing", "on-call", "on-hold")


def ingest(store: str, scenario: str) -> None:
    assert main(["ingest", "--store", store, *map(str, SCENARIOS[scenario])]) == 0


def events_of(store: str, board: Board) -> list[Any]:
    app = open_app(store)
    try:
        return list(read_events(app, board.topics))
    finally:
        app.close()


def fold(board: Board, events: list[Any], until: float | None = None) -> None:
    for event in events:
        if until is None or getattr(event, "at", until) <= until:
            board.apply(event)


def differences(expected: dict[str, Any], got: dict[str, Any], path: str = "") -> list[str]:
    """Counts exact, floats within 0.01, nested dicts key by key."""
    out = []
    for key, value in expected.items():
        where = f"{path}{key}"
        if key not in got:
            out.append(f"{where}: missing")
        elif isinstance(value, dict) and isinstance(got[key], dict):
            out += differences(value, got[key], where + ".")
        elif isinstance(value, float) or isinstance(got[key], float):
            if value is None or got[key] is None or abs(value - got[key]) > 0.01:
                out.append(f"{where}: expected {value!r}, got {got[key]!r}")
        elif value != got[key]:
            out.append(f"{where}: expected {value!r}, got {got[key]!r}")
    return out


@pytest.mark.parametrize("scenario", ["basic-day", "outbound-telesales", "supervision"])
def test_the_agent_boards_day_figures_at_the_last_event_equal_the_queue_log_ground_truth(
    scenario: str, sqlite_store: str
) -> None:
    ingest(sqlite_store, scenario)
    board = AgentBoardProjection()
    fold(board, events_of(sqlite_store, board))
    assert board.last_at is not None
    view = board.view(board.last_at)
    truth = summary(scenario)["agents"]
    got = {agent["name"]: agent["day"] for agent in view["agents"]}
    assert set(got) == set(truth)
    assert differences(truth, got) == []
    for name, figures in truth.items():
        outbound = figures["outbound"] or {"calls": 0, "by_status": {}}
        assert got[name]["outbound_dials"] == outbound["calls"]
        assert got[name]["outbound_connects"] == outbound["by_status"].get("ANSWER", 0)
    assert json.loads(json.dumps(view)) == view


def test_each_supervision_session_is_shown_on_the_spied_agents_call_with_its_mode(
    sqlite_store: str
) -> None:
    ingest(sqlite_store, "supervision")
    events = events_of(sqlite_store, MonitoringProjection())
    meta = json.loads((FIXTURES / "supervision" / "driver_meta.json").read_text())
    sessions = [a for a in meta["actions"] if a["what"] == "chanspy"]
    assert [s["mode"] for s in sessions] == ["listen", "whisper", "barge"]
    for session in sessions:
        midway = session["t"] + session["spytime"] / 2
        board = MonitoringProjection()
        fold(board, events, until=midway)
        spied_extension = session["target"].split("/", 1)[1].split("@", 1)[0]
        shown = [c for c in board.view(midway)["calls"] if c["supervisors"]]
        assert [(c["agent_extension"], [(s["extension"], s["mode"]) for s in c[
            "supervisors"]]) for c in shown] == [(spied_extension, [("9001", session["mode"])])]
        assert shown[0]["direction"] == "inbound" and shown[0]["number"]
    board = MonitoringProjection()
    fold(board, events)
    assert board.last_at is not None
    view = board.view(board.last_at)
    assert view["calls"] == [] and view["departed"] == []


def test_after_the_feed_gap_and_the_restart_no_ghost_call_or_agent_remains(
    sqlite_store: str
) -> None:
    ingest(sqlite_store, "restart")
    agents, monitoring = AgentBoardProjection(), MonitoringProjection()
    events = events_of(sqlite_store, agents)
    files = summary("restart")["ami"]["files"]
    gap_from = files["restart.seg1.ami"]["last_timestamp"]
    gap_to = files["restart.seg2.ami"]["first_timestamp"]
    in_gap = {c["uniqueid"] for c in summary("restart")["calls"]
              if gap_from < c["end_time"] < gap_to}
    assert len(in_gap) == 3  # one answered call and two waiting callers

    def boards_at(instant: float | None) -> tuple[dict[str, Any], dict[str, Any]]:
        a, m = AgentBoardProjection(), MonitoringProjection()
        fold(a, events, instant)
        fold(m, events, instant)
        now = instant if instant is not None else a.last_at
        assert now is not None
        return a.view(now), m.view(now)

    # just after the resync: the calls that ended in the gap are gone, and departed
    agent_view, monitoring_view = boards_at(gap_to + 1.0)
    departed = {d["linkedid"]: d["reason"] for d in monitoring_view["departed"]}
    assert departed == dict.fromkeys(in_gap, "closed-by-resync")
    live = {c["linkedid"] for c in monitoring_view["calls"]}
    assert not live & in_gap
    current = [a["current_call"]["linkedid"] for a in agent_view["agents"]
               if a["current_call"] is not None]
    assert not set(current) & in_gap

    # after the PBX restart (seg3 starts): nothing from before it is live
    restarted = files["restart.seg3.ami"]["first_timestamp"]
    agent_view, monitoring_view = boards_at(restarted)
    assert monitoring_view["calls"] == []
    assert [a["name"] for a in agent_view["agents"] if a["state"] in ON_A_CALL
            or a["current_call"] is not None] == []

    # at the end
    fold(agents, events)
    fold(monitoring, events)
    assert agents.last_at is not None
    agent_view, monitoring_view = agents.view(agents.last_at), monitoring.view(agents.last_at)
    assert monitoring_view["calls"] == []
    assert agents.floor.calls == {}
    assert [a["name"] for a in agent_view["agents"] if a["state"] in ON_A_CALL
            or a["current_call"] is not None] == []
    # the calls that ended in the gap, and every call the restart's shutdown hung up
    # (queue_log's ended_by_shutdown but 1795427223.1902, an ordinary hangup 4 s before:
    # test_scenarios), listed although their hangups came before ``Shutdown``
    by_shutdown = {c["uniqueid"] for c in summary("restart")["calls"]
                   if c["ended_by_shutdown"]} - {"1795427223.1902"}
    assert len(by_shutdown) == 13
    assert {d["linkedid"]: d["reason"] for d in monitoring_view["departed"]} == {
        **departed, **dict.fromkeys(by_shutdown, "lost-by-restart")}
    assert [d["at"] for d in monitoring_view["departed"]] == sorted(
        (d["at"] for d in monitoring_view["departed"]), reverse=True)
