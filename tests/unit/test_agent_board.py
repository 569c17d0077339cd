"""The agent board: each agent's state now and their figures for the business day."""

from __future__ import annotations

import json
import pickle
from datetime import time
from typing import Any

from projections.business_day import BoardPolicy, business_day_start
from projections.floor.agents import AgentBoardProjection
from projections.floor.stats_report import build_report
from projections.floor.wallboard import AGENT_STATES
from tests.support.scene import Scene

DAY = 1795392000.0  # 2026-11-23 00:00 UTC
T = DAY + 9 * 3600  # 09:00


def board_with(*agents: tuple[str, str], queues: tuple[str, ...] = ("sales",),
               policy: BoardPolicy | None = None) -> tuple[AgentBoardProjection, Scene]:
    board = AgentBoardProjection(policy)
    scene = Scene(board)
    for n, (extension, name) in enumerate(agents):
        scene.agent(extension, name, T + n, *queues)
    return board, scene


def row(view: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in view["agents"] if a["name"] == name)
    return found


def a_day(board: AgentBoardProjection, scene: Scene) -> None:
    """Alice takes two calls (one with a 10 s hold, 4 s of after-call work after the
    other), Bob misses a ring then goes to lunch; Alice dials out twice."""
    one = scene.caller("L1", T + 60, "5551", "Ann", "sales")
    scene.ring(one, T + 61, "sales", "1002")
    one.note_ring_no_answer(T + 66, "sales", "Local/1002@agents/n", "Bob Keller", 5000)
    scene.feed(one)
    scene.device("1002", T + 66, "not-in-use")
    scene.ring(one, T + 67, "sales", "1001")
    scene.answer(one, T + 70, "sales", "1001")
    scene.hold(one, T + 80)
    scene.unhold(one, T + 90)
    scene.complete(one, T + 100, "sales", "1001", reason="caller")
    scene.end(one, T + 100.1)
    scene.pause("1002", T + 120, "sales", "lunch")
    two = scene.caller("L2", T + 200, "5552", "Ben", "sales")
    scene.ring(two, T + 201, "sales", "1001")
    scene.answer(two, T + 203, "sales", "1001")
    scene.complete(two, T + 223, "sales", "1001", free_after_s=4.0)
    scene.end(two, T + 223.1)
    out = scene.dial("O1", T + 300, "1001", "6175550001")
    scene.dial_ended(out, T + 305, "ANSWER")
    scene.end(out, T + 365)
    scene.device("1001", T + 365.1, "not-in-use")
    busy = scene.dial("O2", T + 400, "1001", "6175550002")
    scene.dial_ended(busy, T + 401, "BUSY")
    scene.end(busy, T + 401.1)
    scene.device("1001", T + 401.2, "not-in-use")


def test_every_agent_is_listed_by_name_with_state_since_and_time_in_state() -> None:
    board, scene = board_with(("1002", "Bob Keller"), ("1001", "Alice Martin"))
    scene.pause("1002", T + 30, "sales", "lunch")
    view = board.view(T + 50)
    assert [a["name"] for a in view["agents"]] == ["Alice Martin", "Bob Keller"]
    alice, bob = view["agents"]
    assert (alice["interface"], alice["extension"], alice["state"], alice["since"]) == (
        "Local/1001@agents/n", "1001", "available", T + 1)
    assert alice["in_state_s"] == 49.0
    assert (bob["state"], bob["reason"], bob["since"], bob["in_state_s"]) == (
        "paused", "lunch", T + 30, 20.0)
    assert bob["queues"] == [{"queue": "sales", "paused": True, "pause_reason": "lunch",
                              "state": "paused", "state_reason": "lunch"}]
    assert alice["current_call"] is None


def test_the_queues_an_agent_is_in_show_a_pause_only_where_it_was_made() -> None:
    board, scene = board_with(("1001", "Alice Martin"), queues=("sales", "support"))
    scene.pause("1001", T + 30, "support", "training")
    alice = row(board.view(T + 40), "Alice Martin")
    assert alice["state"] == "available"
    assert [(q["queue"], q["paused"], q["pause_reason"], q["state"])
            for q in alice["queues"]] == [("sales", False, None, "available"),
                                          ("support", True, "training", "paused")]


def test_the_days_figures_are_the_stats_reports_figures_for_the_same_agent() -> None:
    board, scene = board_with(("1001", "Alice Martin"), ("1002", "Bob Keller"))
    a_day(board, scene)
    now = T + 500
    report = build_report(board.stats, since=business_day_start(now, board.policy),
                          until=now)
    view = board.view(now)
    for name in ("Alice Martin", "Bob Keller"):
        day = row(view, name)["day"]
        assert {k: day[k] for k in report["agents"][name]} == report["agents"][name]
    alice, bob = row(view, "Alice Martin")["day"], row(view, "Bob Keller")["day"]
    assert (alice["answered"], alice["talk_total_s"], alice["completed_by_caller"],
            alice["completed_by_agent"], alice["talk_mean_s"]) == (2, 50, 1, 1, 25.0)
    assert alice["logged_in_s_by_queue"] == {"sales": 500}
    assert (bob["answered"], bob["ring_no_answer"]) == (0, 1)
    assert (bob["paused_s_by_reason"], bob["pauses_by_reason"]) == ({"lunch": 380},
                                                                    {"lunch": 1})


def test_hold_after_call_work_and_aht_come_from_the_handled_calls() -> None:
    board, scene = board_with(("1001", "Alice Martin"), ("1002", "Bob Keller"))
    a_day(board, scene)
    day = row(board.view(T + 500), "Alice Martin")["day"]
    assert (day["handled"], day["hold_total_s"], day["acw_total_s"]) == (2, 10.0, 4.0)
    assert day["aht_s"] == round((50 + 4.0) / 2, 2)  # (talk incl. hold + ACW) / handled


def test_outbound_dials_and_connects_are_the_agents_by_extension() -> None:
    board, scene = board_with(("1001", "Alice Martin"), ("1002", "Bob Keller"))
    a_day(board, scene)
    view = board.view(T + 500)
    alice, bob = row(view, "Alice Martin")["day"], row(view, "Bob Keller")["day"]
    assert (alice["outbound_dials"], alice["outbound_connects"], alice["outbound_talk_s"]) == (
        2, 1, 60)
    assert alice["outbound"] == {"calls": 2, "by_status": {"ANSWER": 1, "BUSY": 1},
                                 "talk_total_s": 60}
    assert alice["calls_handled"] == 2 + 1
    assert (bob["outbound_dials"], bob["outbound_connects"], bob["outbound"]) == (0, 0, None)


def test_only_calls_of_the_business_day_count() -> None:
    policy = BoardPolicy(timezone="UTC", day_start=time(9, 0))
    board, scene = board_with(("1001", "Alice Martin"), policy=policy)
    early = scene.caller("L0", T - 120, "5550", "Zoe", "sales")  # 08:58, yesterday's day
    scene.answer(early, T - 110, "sales", "1001")
    scene.complete(early, T - 90, "sales", "1001")
    later = scene.caller("L1", T + 60, "5551", "Ann", "sales")
    scene.answer(later, T + 62, "sales", "1001")
    scene.complete(later, T + 92, "sales", "1001")
    view = board.view(T + 100)
    assert view["day"] == {"from": T, "to": T + 100}
    day = row(view, "Alice Martin")["day"]
    assert (day["answered"], day["handled"], day["talk_total_s"]) == (1, 1, 30)


def test_the_current_call_is_shown_ringing_then_on_call_then_on_hold_with_its_length() -> None:
    board, scene = board_with(("1001", "Alice Martin"))
    call = scene.caller("L1", T + 60, "5551", "Ann", "sales")
    scene.ring(call, T + 61, "sales", "1001")
    ringing = row(board.view(T + 63), "Alice Martin")["current_call"]
    assert ringing is not None
    assert (ringing["number"], ringing["queue"], ringing["direction"], ringing["state"],
            ringing["duration_s"]) == ("5551", "sales", "inbound", "ringing", 3.0)
    scene.answer(call, T + 64, "sales", "1001")
    talking = row(board.view(T + 70), "Alice Martin")["current_call"]
    assert talking is not None
    assert (talking["call_id"], talking["state"], talking["duration_s"]) == (
        str(call.id), "on-call", 6.0)
    scene.hold(call, T + 75)
    alice = row(board.view(T + 80), "Alice Martin")
    assert alice["state"] == "on-hold"
    assert alice["current_call"]["state"] == "on-hold"
    scene.unhold(call, T + 85)
    scene.complete(call, T + 90, "sales", "1001")
    assert row(board.view(T + 91), "Alice Martin")["current_call"] is None


def test_an_outbound_call_is_the_current_call_with_queue_outbound() -> None:
    board, scene = board_with(("1003", "Carol Nguyen"), queues=("outbound",))
    call = scene.dial("O1", T + 10, "1003", "6175557826")
    dialling = row(board.view(T + 12), "Carol Nguyen")["current_call"]
    assert dialling is not None
    assert (dialling["queue"], dialling["direction"], dialling["number"], dialling["state"],
            dialling["duration_s"]) == ("outbound", "outbound", "6175557826", "ringing", 2.0)
    scene.dial_ended(call, T + 15, "ANSWER")
    talking = row(board.view(T + 45), "Carol Nguyen")["current_call"]
    assert talking is not None
    assert (talking["state"], talking["duration_s"]) == ("on-call", 30.0)


def test_totals_count_agents_by_state_and_the_paused_by_reason() -> None:
    board, scene = board_with(("1001", "Alice Martin"), ("1002", "Bob Keller"),
                              ("1003", "Carol Nguyen"), ("1004", "Dave Okafor"))
    scene.pause("1002", T + 10, "sales", "lunch")
    scene.pause("1003", T + 11, "sales", "lunch")
    call = scene.caller("L1", T + 20, "5551", "Ann", "sales")
    scene.answer(call, T + 22, "sales", "1001")
    scene.agents["1004"].log_out(T + 30, "sales")
    scene.feed(scene.agents["1004"])
    totals = board.view(T + 40)["totals"]
    assert tuple(totals["agents"]) == AGENT_STATES
    assert totals["agents"] == {"available": 0, "ringing": 0, "on-call": 1, "on-hold": 0,
                                "wrap-up": 0, "paused": 2, "logged-out": 1}
    assert totals["paused_by_reason"] == {"lunch": 2}
    assert totals["logged_in"] == 3


def test_the_view_is_plain_json_and_the_board_survives_being_saved_and_loaded() -> None:
    board, scene = board_with(("1001", "Alice Martin"), ("1002", "Bob Keller"))
    a_day(board, scene)
    view = board.view(T + 500)
    assert json.loads(json.dumps(view)) == view
    loaded = pickle.loads(pickle.dumps(board))
    assert loaded.view(T + 500) == view
    assert loaded.last_at == board.last_at == T + 401.2
