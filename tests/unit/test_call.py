"""The Call aggregate's rules, and the handler table that applies commands to calls."""

from __future__ import annotations

from collections.abc import Iterable
from typing import get_args

import pytest

from domain.errors import CallAlreadyEnded, NotInQueue
from domain.telephony import commands as c
from domain.telephony.agent import Agent
from domain.telephony.call import Call
from domain.telephony.handlers import HANDLERS, CommandHandler
from domain.telephony.pbx import Pbx
from domain.telephony.queue import Queue


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


class InMemoryAggregates:
    """The handler's port over plain dictionaries (what the store unit keeps in memory)."""

    def __init__(self) -> None:
        self.calls: dict[str, Call] = {}
        self.agents: dict[str, Agent] = {}
        self.queues: dict[str, Queue] = {}
        self._pbx = Pbx("pbx")

    def call(self, linkedid: str) -> Call | None:
        return self.calls.get(linkedid)

    def add_call(self, call: Call) -> None:
        self.calls[call.linkedid] = call

    def agent(self, interface: str) -> Agent | None:
        return self.agents.get(interface)

    def add_agent(self, agent: Agent) -> None:
        self.agents[agent.interface] = agent

    def queue(self, name: str) -> Queue | None:
        return self.queues.get(name)

    def add_queue(self, queue: Queue) -> None:
        self.queues[queue.name] = queue

    def pbx(self) -> Pbx:
        return self._pbx

    def open_calls(self) -> Iterable[Call]:
        return [call for call in self.calls.values() if not call.ended]

    def all_agents(self) -> Iterable[Agent]:
        return list(self.agents.values())


def test_every_command_has_a_handler_in_the_table() -> None:
    assert set(HANDLERS) == set(get_args(c.Command))


def test_the_handler_applies_each_command_through_its_table_entry() -> None:
    aggregates = InMemoryAggregates()
    handler = CommandHandler(aggregates)
    handler.handle(c.StartCall("100.1", 100.0, "Local/555@callers-1;1", "555", "Ann"))
    handler.handle(c.JoinQueue("100.1", 100.5, "sales", "100.1", "Local/555@callers-1;1", 1,
                               "555", "Ann"))
    handler.handle(c.EndCall("100.1", 110.0, 16, "Normal Clearing"))
    handler.handle(c.LogInAgent("PJSIP/1001", 101.0, "sales", "Bob", 0, False, ""))
    assert names(aggregates.calls["100.1"]) == ["Started", "Queued", "Ended"]
    assert aggregates.agents["PJSIP/1001"].check_logged_in("sales")
