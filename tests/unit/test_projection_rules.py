"""The rules every projection shares, each tested once here: how folds name their events
and topics, which device states make an agent busy, and what counts as abandoned."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from domain.telephony.agent import DEVICE_STATES, Agent
from domain.telephony.call import Call
from projections.agent_states import is_busy, is_ringing
from projections.floor.live_state import AgentNow, CallNow, agent_state
from projections.floor.visits import Visit, is_abandoned, is_short_abandon
from projections.topics import Dispatching, Table, event_class, on, topics_of


def test_an_event_class_is_found_by_its_name_and_a_misspelt_name_fails_at_once() -> None:
    started = event_class(Call, "Started")
    assert started.__qualname__ == "Call.Started"
    assert on(Call, Started=print) == {started: print}
    with pytest.raises(LookupError, match=r"Call has no event 'Startd'.*domain\.telephony\.call"):
        event_class(Call, "Startd")
    with pytest.raises(LookupError):
        event_class(Call, "answer")  # a command method, not an event


def test_a_folds_topics_are_the_stored_topics_of_its_event_classes_sorted() -> None:
    table = {**on(Call, Started=print, Answered=print), **on(Agent, Paused=print)}
    assert topics_of(table) == ("domain.telephony.agent:Agent.Paused",
                                "domain.telephony.call:Call.Answered",
                                "domain.telephony.call:Call.Started")
    assert topics_of(table, on(Call, Started=print)) == topics_of(table)


class Counting(Dispatching):
    unsaved = ("hook",)

    def __init__(self) -> None:
        self.started = 0
        self.hook: Any = print
        self.handlers = self.table()

    def table(self) -> Table:
        return on(Call, Started=self._started)

    def _started(self, event: Any) -> None:
        self.started += 1


def test_a_restored_fold_dispatches_again_and_forgets_its_process_hooks() -> None:
    fold = Counting()
    event = Call("L1", 1.0, "Local/1@x;1", "", "").collect_events()[0]
    fold.dispatch(event)
    restored = pickle.loads(pickle.dumps(fold))
    assert "handlers" not in fold.__getstate__()
    restored.dispatch(event)
    restored.dispatch(object())  # not in the table: ignored
    assert (restored.started, restored.hook) == (2, None)
    assert restored.handlers[type(event)].__self__ is restored


def test_an_agent_with_a_caller_on_hold_is_busy() -> None:
    busy = {state for state in DEVICE_STATES.values() if is_busy(state)}
    assert busy == {"in-use", "busy", "on-hold", "ringing-in-use"}
    ringing = {state for state in DEVICE_STATES.values() if is_ringing(state)}
    assert ringing == {"ringing", "ringing-in-use"}


def agent(device: str, **queues: str | None) -> AgentNow:
    return AgentNow("a1", "Local/1001@agents/n", "Alice", queues=dict(queues), device=device)


def test_an_agents_state_takes_the_call_then_ringing_wrap_up_busy_and_pauses_in_order(
) -> None:
    call = CallNow("c1", "L1", 0.0, "555", "Ann", answered_at=5.0)
    assert agent_state(agent("in-use"), None) == ("logged-out", "")
    assert agent_state(agent("not-in-use", sales=None), call) == ("on-call", "")
    call.on_hold_since = 9.0
    assert agent_state(agent("in-use", sales=None), call) == ("on-hold", "")
    assert agent_state(agent("ringing-in-use", sales=None), None) == ("ringing", "")
    wrapping = agent("on-hold", sales=None)
    wrapping.wrap_up_since = 20.0
    assert agent_state(wrapping, None) == ("wrap-up", "")
    assert agent_state(agent("on-hold", sales="lunch"), None) == ("on-hold", "")
    assert agent_state(agent("busy", sales="lunch"), None) == ("on-call", "")
    assert agent_state(agent("not-in-use", sales="lunch", vip=None), None) == (
        "available", "")
    assert agent_state(agent("not-in-use", sales="lunch", vip="lunch"), None) == (
        "paused", "lunch")


def visit(outcome: str, wait_s: int | None, by_shutdown: bool = False) -> Visit:
    return Visit("sales", 0.0, "u1", outcome=outcome, wait_s=wait_s, by_shutdown=by_shutdown)


def test_a_caller_hung_up_by_a_pbx_shutdown_is_not_abandoned() -> None:
    assert is_abandoned(visit("abandoned", 30))
    assert not is_abandoned(visit("abandoned", 30, by_shutdown=True))
    assert not is_abandoned(visit("timeout", 30))
    assert not is_abandoned(visit("answered", 3))


def test_a_short_abandon_waited_less_than_the_threshold_and_an_unknown_wait_is_short(
) -> None:
    assert is_short_abandon(visit("abandoned", 4), 5)
    assert not is_short_abandon(visit("abandoned", 5), 5)
    assert is_short_abandon(visit("abandoned", None), 5)
    assert not is_short_abandon(visit("abandoned", 2, by_shutdown=True), 5)
    assert not is_short_abandon(visit("answered", 2), 5)
