"""The Call aggregate's rules."""

from __future__ import annotations

import pytest

from domain.errors import CallAlreadyEnded, NotInQueue
from domain.telephony.call import Call


def queued_call() -> Call:
    call = Call("100.1", 100.0, "Local/555@callers-1;1", "555", "Ann")
    call.join_queue(100.0, "sales", "100.1", 1, "555", "Ann")
    return call


def names(call: Call) -> list[str]:
    return [type(e).__name__ for e in call.collect_events()]


def test_a_caller_who_hangs_up_while_waiting_abandons() -> None:
    call = queued_call()
    call.request_hangup(105.0, "100.1", 16, soft=False, channel="Local/555@callers-1;1")
    call.leave_unanswered(105.1, "sales", 5, 1)
    assert names(call)[-1] == "Abandoned"


def test_a_caller_still_on_the_line_when_the_queue_lets_go_timed_out() -> None:
    call = queued_call()
    call.leave_unanswered(118.0, "sales", 18, 1)
    assert names(call)[-1] == "TimedOut"


def test_a_shutdown_hangup_marks_the_abandon_as_caused_by_the_shutdown() -> None:
    call = queued_call()
    call.request_hangup(110.0, "100.1", 4, soft=True, channel="Local/555@callers-1;1")
    call.leave_unanswered(110.1, "sales", 10, 1)
    events = call.collect_events()
    assert type(events[-1]).__name__ == "Abandoned"
    assert events[-1].by_shutdown is True  # type: ignore[attr-defined]


def test_an_answer_for_a_caller_not_waiting_in_that_queue_is_refused() -> None:
    call = queued_call()
    with pytest.raises(NotInQueue):
        call.answer(102.0, "support", "Local/1@agents/n", "Al", 2, 1)


def test_nothing_joins_a_queue_after_the_call_ended() -> None:
    call = queued_call()
    call.end(130.0, 16, "Normal Clearing")
    with pytest.raises(CallAlreadyEnded):
        call.join_queue(131.0, "sales", "100.1", 1, "555", "Ann")


def test_an_answered_call_without_agent_complete_is_completed_when_it_ends() -> None:
    call = queued_call()
    call.answer(103.2, "sales", "Local/1@agents/n", "Al", 3, 1, "Local/1@agents-7;1")
    call.request_hangup(120.5, "103.9", 16, soft=True, channel="Local/1@agents-7;2")
    call.end(120.6, 16, "Normal Clearing")
    events = call.collect_events()
    completed = [e for e in events if type(e).__name__ == "Completed"]
    assert len(completed) == 1
    assert completed[0].reason == "agent"  # type: ignore[attr-defined]
    assert completed[0].talk_s == 17  # type: ignore[attr-defined]
    assert completed[0].inferred is True  # type: ignore[attr-defined]


def test_replaying_a_calls_events_rebuilds_the_same_state() -> None:
    call = queued_call()
    call.answer(103.0, "sales", "Local/1@agents/n", "Al", 3, 1, "Local/1@agents-7;1")
    events = call.collect_events()
    copy = None
    for e in events:
        copy = e.mutate(copy)
    assert isinstance(copy, Call)
    assert copy.visits == call.visits and copy.direction == "inbound"
