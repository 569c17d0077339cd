"""A small call center driven through the real aggregates, for the read-model tests.

Each step changes an aggregate and feeds its new events to the folds at once, so the folds
see events in the order they happened."""

from __future__ import annotations

from typing import Any, Protocol

from domain.telephony.agent import Agent
from domain.telephony.call import Call

__all__ = ["Fold", "Scene"]

STATUS = {"not-in-use": 1, "in-use": 2, "ringing": 6, "on-hold": 8}


class Fold(Protocol):
    def apply(self, event: Any) -> None: ...


class Scene:
    def __init__(self, *folds: Fold) -> None:
        self.folds = folds
        self.agents: dict[str, Agent] = {}

    def feed(self, *aggregates: Agent | Call) -> None:
        for aggregate in aggregates:
            for event in aggregate.collect_events():
                for fold in self.folds:
                    fold.apply(event)

    # -- agents ----------------------------------------------------------------------------
    def agent(self, extension: str, name: str, at: float, *queues: str,
              paused: str | None = None) -> Agent:
        """An agent logged in to ``queues`` (paused in all with reason ``paused``)."""
        agent = Agent(f"Local/{extension}@agents/n", name, at)
        for queue in queues:
            agent.log_in(at, queue, name, 0, paused is not None, paused or "")
        self.agents[extension] = agent
        self.feed(agent)
        return agent

    def device(self, extension: str, at: float, state: str) -> None:
        agent = self.agents[extension]
        agent.set_device_state(at, STATUS[state])
        self.feed(agent)

    def pause(self, extension: str, at: float, queue: str, reason: str) -> None:
        agent = self.agents[extension]
        agent.set_paused(at, queue, True, reason)
        self.feed(agent)

    def unpause(self, extension: str, at: float, queue: str) -> None:
        agent = self.agents[extension]
        agent.set_paused(at, queue, False, "")
        self.feed(agent)

    # -- calls -----------------------------------------------------------------------------
    def caller(self, linkedid: str, at: float, number: str, name: str, queue: str) -> Call:
        """An inbound caller waiting in ``queue``."""
        call = Call(linkedid, at, f"Local/{number}@callers-{linkedid};1", "", "")
        call.join_queue(at, queue, linkedid, 1, number, name)
        self.feed(call)
        return call

    def ring(self, call: Call, at: float, queue: str, extension: str) -> None:
        agent = self.agents[extension]
        call.ring_agent(at, queue, agent.interface, agent.name)
        self.feed(call)
        self.device(extension, at, "ringing")

    def answer(self, call: Call, at: float, queue: str, extension: str) -> None:
        agent = self.agents[extension]
        visit = call.waiting_visit(queue)
        call.answer(at, queue, agent.interface, agent.name, int(at - visit.joined_at), 1,
                    f"Local/{extension}@agents-{call.linkedid};1")
        self.feed(call)
        self.device(extension, at + 0.1, "in-use")

    def complete(self, call: Call, at: float, queue: str, extension: str,
                 reason: str = "agent", free_after_s: float | None = 0.0) -> None:
        """AgentComplete; the agent's phone is free ``free_after_s`` later (Asterisk frees
        it just before AgentComplete: 0 means at once; None leaves it busy)."""
        agent = self.agents[extension]
        answered_at = call.answered_visit(queue).answered_at or at
        if free_after_s == 0.0:
            self.device(extension, at - 0.001, "not-in-use")
        call.complete(at, queue, agent.interface, agent.name, int(at - answered_at), reason)
        self.feed(call)
        if free_after_s:
            self.device(extension, at + free_after_s, "not-in-use")

    def hold(self, call: Call, at: float) -> None:
        call.hold(at, "agent")
        self.feed(call)

    def unhold(self, call: Call, at: float) -> None:
        call.unhold(at, "agent")
        self.feed(call)

    def end(self, call: Call, at: float) -> None:
        call.end(at, 16, "Normal Clearing")
        self.feed(call)

    def dial(self, linkedid: str, at: float, extension: str, number: str) -> Call:
        """An outbound call the agent at ``extension`` places to ``number``."""
        call = Call(linkedid, at, f"Local/{extension}@agents-out-{linkedid};1", "", "")
        call.dial(at, number, extension)
        self.feed(call)
        self.device(extension, at + 0.01, "in-use")
        return call

    def dial_ended(self, call: Call, at: float, status: str) -> None:
        call.end_dial(at, status)
        self.feed(call)

    def spy(self, linkedid: str, at: float, target: Call, options: str,
            feed_target_first: bool = False) -> Call:
        """Supervisor 9001 runs ``ChanSpy(<agent leg>,<options>)`` on ``target``."""
        spy = Call(linkedid, at, f"Local/9001@supervisor-{linkedid};1", "", "")
        spy.note_originate(at, "ChanSpy", f"Local/1001@agents-{target.linkedid};1,{options}")
        target.start_supervision(at + 0.1, f"Local/9001@supervisor-{linkedid};1", linkedid)
        if feed_target_first:
            self.feed(target, spy)
        else:
            self.feed(spy, target)
        return spy

    def stop_spying(self, spy: Call, at: float, target: Call) -> None:
        target.end_supervision(at, spy.channel)
        spy.end(at, 16, "Normal Clearing")
        self.feed(target, spy)
