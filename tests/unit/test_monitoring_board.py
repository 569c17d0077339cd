"""Call monitoring: the live calls a supervisor sees, the most urgent first."""

from __future__ import annotations

import json
import pickle
from typing import Any

from domain.telephony.call import Call
from projections.business_day import BoardPolicy
from projections.floor.monitoring import MonitoringProjection
from tests.support.scene import Scene

T = 1795424400.0  # 2026-11-23 09:00 UTC
POLICY = BoardPolicy(long_talk_s=600, long_hold_s=60)


def board_with(*extensions: str, complaints: set[str] | None = None) -> tuple[
        MonitoringProjection, Scene]:
    board = MonitoringProjection(
        POLICY, (lambda: set(complaints)) if complaints is not None else None)
    scene = Scene(board)
    for extension in extensions:
        scene.agent(extension, f"Agent {extension}", T, "sales", "outbound")
    return board, scene


def by_linkedid(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["linkedid"]: c for c in view["calls"]}


def test_queue_calls_outbound_calls_and_answered_calls_are_shown_and_nothing_else() -> None:
    board, scene = board_with("1001", "1002")
    scene.caller("IN", T + 10, "5551", "Ann", "sales")
    scene.dial("OUT", T + 11, "1002", "6175550001")
    internal = Call("INT", T + 12, "Local/9002@consult-1;1", "9002", "")
    internal.note_originate(T + 12, "Playback", "hello")
    unknown = Call("UNK", T + 13, "Local/7000@other-1;1", "7000", "")
    scene.feed(internal, unknown)
    talking = scene.caller("ANS", T + 14, "5552", "Ben", "sales")
    scene.answer(talking, T + 16, "sales", "1001")
    scene.spy("SPY", T + 20, talking, "qEb")
    view = board.view(T + 30)
    assert sorted(by_linkedid(view)) == ["ANS", "IN", "OUT"]


def test_a_call_shows_customer_agent_times_recordings_and_no_masking() -> None:
    board, scene = board_with("1001")
    call = scene.caller("L1", T + 10, "5551234567", "Ann Lee", "sales")
    scene.answer(call, T + 14, "sales", "1001")
    call.start_recording(T + 14.5, "L1", "/var/spool/asterisk/monitor/sales-L1.wav")
    scene.feed(call)
    shown = by_linkedid(board.view(T + 44))["L1"]
    assert {k: shown[k] for k in (
        "call_id", "direction", "queue", "number", "customer_name", "state", "agent",
        "agent_extension", "agent_name", "started_at", "waiting_s", "answered_at", "talk_s",
        "on_hold", "hold_s", "hold_total_s", "recordings", "supervisors", "attention")} == {
        "call_id": str(call.id), "direction": "inbound", "queue": "sales",
        "number": "5551234567", "customer_name": "Ann Lee", "state": "on-call",
        "agent": "Local/1001@agents/n", "agent_extension": "1001", "agent_name": "Agent 1001",
        "started_at": T + 10, "waiting_s": None, "answered_at": T + 14, "talk_s": 30.0,
        "on_hold": False, "hold_s": None, "hold_total_s": 0.0,
        "recordings": ["/var/spool/asterisk/monitor/sales-L1.wav"], "supervisors": [],
        "attention": []}


def test_an_outbound_call_talks_from_the_customers_answer() -> None:
    board, scene = board_with("1003")
    call = scene.dial("O1", T + 10, "1003", "6175557826")
    dialling = by_linkedid(board.view(T + 12))["O1"]
    assert (dialling["state"], dialling["talk_s"], dialling["queue"]) == ("dialling", None, None)
    scene.dial_ended(call, T + 15, "ANSWER")
    talking = by_linkedid(board.view(T + 45))["O1"]
    assert (talking["direction"], talking["number"], talking["agent"],
            talking["agent_extension"], talking["agent_name"], talking["state"],
            talking["talk_s"]) == ("outbound", "6175557826", "Local/1003@agents/n", "1003",
                                   "Agent 1003", "on-call", 30.0)


def test_hold_shows_the_current_hold_and_the_total_with_earlier_holds() -> None:
    board, scene = board_with("1001")
    call = scene.caller("L1", T + 10, "5551", "Ann", "sales")
    scene.answer(call, T + 12, "sales", "1001")
    scene.hold(call, T + 20)
    scene.unhold(call, T + 30)
    scene.hold(call, T + 40)
    shown = by_linkedid(board.view(T + 45))["L1"]
    assert (shown["state"], shown["on_hold"], shown["hold_s"], shown["hold_total_s"]) == (
        "on-hold", True, 5.0, 15.0)


def test_calls_needing_attention_come_first_in_the_order_of_urgency() -> None:
    board, scene = board_with("1001", "1002", "1003", "1004", "1005",
                              complaints={"5556"})
    now = T + 2000
    quiet_early = scene.caller("QUIET1", T + 100, "5557", "Gus", "sales")
    scene.answer(quiet_early, now - 300, "sales", "1005")
    long_talk = scene.caller("TALK700", T + 200, "5553", "Cid", "sales")
    scene.answer(long_talk, now - 700, "sales", "1001")
    longer_talk = scene.caller("TALK900", T + 300, "5554", "Dee", "sales")
    scene.answer(longer_talk, now - 900, "sales", "1002")
    scene.hold(longer_talk, now - 80)  # long talk and long hold: a long talk first
    long_hold = scene.caller("HOLD", T + 400, "5555", "Eve", "sales")
    scene.answer(long_hold, now - 200, "sales", "1003")
    scene.hold(long_hold, now - 90)
    complaint = scene.caller("COMPLAINT", T + 500, "5556", "Fay", "sales")
    scene.answer(complaint, now - 100, "sales", "1004")
    scene.caller("WAIT30", now - 30, "5551", "Ann", "sales")
    scene.caller("WAIT50", now - 50, "5552", "Ben", "support")
    quiet_late = scene.dial("QUIET2", T + 1900, "1005", "6175550001")
    assert quiet_late is not None
    view = board.view(now)
    assert [c["linkedid"] for c in view["calls"]] == [
        "WAIT50", "WAIT30", "TALK900", "TALK700", "HOLD", "COMPLAINT", "QUIET1", "QUIET2"]
    assert [c["attention"] for c in view["calls"]] == [
        ["waiting"], ["waiting"], ["long-talk", "long-hold"], ["long-talk"], ["long-hold"],
        ["open-complaint"], [], []]
    assert view["thresholds"] == {"long_talk_s": 600, "long_hold_s": 60}


def test_thresholds_are_exclusive() -> None:
    board, scene = board_with("1001")
    call = scene.caller("L1", T, "5551", "Ann", "sales")
    scene.answer(call, T + 10, "sales", "1001")
    scene.hold(call, T + 550)
    assert by_linkedid(board.view(T + 610))["L1"]["attention"] == []
    assert by_linkedid(board.view(T + 611))["L1"]["attention"] == ["long-talk", "long-hold"]


def test_supervisors_listening_whispering_and_barging_are_shown_with_their_mode() -> None:
    board, scene = board_with("1001", "1002", "1003")
    calls = []
    for n, extension in enumerate(("1001", "1002", "1003")):
        call = scene.caller(f"L{n}", T + n, f"555{n}", "Ann", "sales")
        scene.answer(call, T + 10 + n, "sales", extension)
        calls.append(call)
    scene.spy("S0", T + 20, calls[0], "qEb")
    scene.spy("S1", T + 21, calls[1], "qEbw", feed_target_first=True)
    scene.spy("S2", T + 22, calls[2], "qEbB")
    shown = by_linkedid(board.view(T + 30))
    assert [shown[f"L{n}"]["supervisors"] for n in range(3)] == [
        [{"extension": "9001", "mode": "listen", "since": T + 20.1}],
        [{"extension": "9001", "mode": "whisper", "since": T + 21.1}],
        [{"extension": "9001", "mode": "barge", "since": T + 22.1}]]


def test_a_supervisor_who_stops_is_no_longer_shown() -> None:
    board, scene = board_with("1001")
    call = scene.caller("L1", T, "5551", "Ann", "sales")
    scene.answer(call, T + 10, "sales", "1001")
    spy = scene.spy("S1", T + 20, call, "qEbw")
    scene.stop_spying(spy, T + 30, call)
    assert by_linkedid(board.view(T + 31))["L1"]["supervisors"] == []


def test_calls_gone_in_a_feed_gap_or_a_restart_are_departed_newest_first() -> None:
    board, scene = board_with("1001")
    answered = scene.caller("L1", T, "5551", "Ann", "sales")
    scene.answer(answered, T + 10, "sales", "1001")
    waiting = scene.caller("L2", T + 20, "5552", "Ben", "sales")
    answered.close_by_resync(T + 60, last_call_end=T + 50)
    scene.feed(answered)
    waiting.lose_by_restart(T + 90)
    scene.feed(waiting)
    view = board.view(T + 100)
    assert view["calls"] == []
    assert [(d["linkedid"], d["number"], d["queue"], d["reason"], d["at"])
            for d in view["departed"]] == [
        ("L2", "5552", "sales", "lost-by-restart", T + 90),
        ("L1", "5551", "sales", "closed-by-resync", T + 60)]


def test_calls_a_shutdown_hung_up_before_the_shutdown_event_are_departed_too() -> None:
    """Asterisk hangs up every channel (SoftHangupRequest Cause 4) before it sends
    ``Shutdown``: those calls end, by the shutdown, and are listed as lost by restart."""
    board, scene = board_with("1001")
    talking = scene.caller("L1", T, "5551", "Ann", "sales")
    scene.answer(talking, T + 10, "sales", "1001")
    waiting = scene.caller("L2", T + 20, "5552", "Ben", "sales")
    done = scene.caller("L3", T + 21, "5553", "Cy", "sales")
    scene.end(done, T + 25)  # an ordinary hangup before the restart: not departed
    for call, n in ((talking, 1), (waiting, 2)):
        call.request_hangup(T + 30, f"L{n}", 4, soft=True, channel=call.channel)
    waiting.leave_unanswered(T + 30.1, "sales", 10, 1)
    for call in (talking, waiting):
        call.end(T + 30.2, 1, "Unallocated")
    scene.feed(talking, waiting)
    view = board.view(T + 40)
    assert view["calls"] == []
    assert [(d["linkedid"], d["queue"], d["reason"], d["at"]) for d in view["departed"]] == [
        ("L2", "sales", "lost-by-restart", T + 30.2),
        ("L1", "sales", "lost-by-restart", T + 30.2)]


def test_the_view_is_plain_json_and_a_saved_board_keeps_no_complaint_lookup() -> None:
    board, scene = board_with("1001", complaints={"5551"})
    call = scene.caller("L1", T, "5551", "Ann", "sales")
    scene.answer(call, T + 10, "sales", "1001")
    view = board.view(T + 20)
    assert json.loads(json.dumps(view)) == view
    assert view["calls"][0]["attention"] == ["open-complaint"]
    loaded = pickle.loads(pickle.dumps(board))
    assert loaded.open_numbers is None
    assert loaded.view(T + 20)["calls"][0]["attention"] == []
    assert loaded.last_at == board.last_at == T + 10.1
