"""Queue, agent and outbound figures folded from domain events (ARCHITECTURE.md section 5).

Definitions match Asterisk's queue_log conventions so the figures can be checked against
``summary.json``: one *visit* is one caller entering one queue; waits and talk times are
the whole seconds Asterisk reports; every duration Callboard measures itself (logins,
pauses, a wait or talk nobody reported) runs between the fractional event times and is
rounded once (``domain.telephony.durations``); open intervals end at the *as of*
instant.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, ClassVar

from domain.telephony.agent import Agent
from domain.telephony.call import Call
from domain.telephony.durations import span_seconds
from domain.telephony.queue import Queue
from projections.agent_states import is_busy
from projections.floor.stats_report import build_report
from projections.floor.visits import AgentFacts, Outbound, Visit
from projections.topics import DatedDispatching, Table, on, topics_of

__all__ = ["TOPICS", "AgentFacts", "Outbound", "StatsProjection", "Visit"]


class StatsProjection(DatedDispatching):
    """Fold domain events (in log order) into per-queue, per-agent and outbound figures."""

    state_classes: ClassVar[tuple[type, ...]] = (Visit, Outbound, AgentFacts)

    def __init__(self) -> None:
        self.visits: list[Visit] = []
        self._open_visits: dict[tuple[Any, str], Visit] = {}  # (call id, queue) -> visit
        self._calls: dict[Any, list[Visit]] = defaultdict(list)
        self.outbound: dict[Any, Outbound] = {}
        self.agents: dict[Any, AgentFacts] = {}
        self.ring_no_answer: list[tuple[str, str, float]] = []  # (queue, interface, at)
        self.service_level: dict[str, int] = {}
        self._queue_names: dict[Any, str] = {}
        self.queues_seen: set[str] = set()
        self.last_at: float | None = None
        self._interfaces: dict[Any, str] = {}  # agent id -> interface
        self._acw_open: dict[str, Visit] = {}  # interface -> visit in after-call work
        self._device_state: dict[str, str] = {}  # interface -> last device state
        self.handlers = self.table()

    def table(self) -> Table:
        return {
            **on(Call, Queued=self._queued, Answered=self._answered,
                 Completed=self._completed, Abandoned=self._abandoned,
                 TimedOut=self._timed_out, ExitedQueue=self._exited,
                 RingNotAnswered=self._rna, ClosedByResync=self._closed_by_resync,
                 LostByRestart=self._lost, DialStarted=self._dial_started,
                 DialEnded=self._dial_ended, Ended=self._ended, Held=self._held,
                 Unheld=self._unheld),
            **on(Agent, Registered=self._agent_registered, LoggedIn=self._logged_in,
                 LoggedOut=self._logged_out, Paused=self._paused, Unpaused=self._unpaused,
                 DeviceStateChanged=self._device),
            **on(Queue, Discovered=self._discovered, Configured=self._configured),
        }

    def apply_all(self, events: Iterable[Any]) -> StatsProjection:
        for event in events:
            self.apply(event)
        return self

    # -- calls -------------------------------------------------------------------------
    def _visit(self, event: Any) -> Visit | None:
        return self._open_visits.get((event.originator_id, event.queue))

    def _queued(self, e: Any) -> None:
        visit = Visit(e.queue, e.at, e.uniqueid, inferred=e.inferred)
        self.visits.append(visit)
        self._open_visits[(e.originator_id, e.queue)] = visit
        self._calls[e.originator_id].append(visit)
        self.queues_seen.add(e.queue)

    def _answered(self, e: Any) -> None:
        if visit := self._visit(e):
            visit.outcome, visit.agent, visit.member_name = "answered", e.agent, e.member_name
            visit.answered_at, visit.wait_s = e.at, e.wait_s
            visit.inferred = visit.inferred or getattr(e, "inferred", False)  # from a snapshot
            self._end_acw(e.agent, e.at)

    def _completed(self, e: Any) -> None:
        if visit := self._open_visits.pop((e.originator_id, e.queue), None):
            visit.talk_s, visit.completion, visit.by_shutdown = e.talk_s, e.reason, e.by_shutdown
            self._stop_hold(visit, e.at)
            visit.completed_at = e.at
            if visit.agent:
                self._end_acw(visit.agent, e.at)
                # Asterisk frees the agent's device just before AgentComplete: no ACW then
                if is_busy(self._device_state.get(visit.agent, "")):
                    self._acw_open[visit.agent] = visit
                else:
                    visit.acw_s = 0.0

    def _answered_visits(self, e: Any) -> list[Visit]:
        return [v for v in self._calls.get(e.originator_id, []) if v.outcome == "answered"
                and self._open_visits.get((e.originator_id, v.queue)) is v]

    def _held(self, e: Any) -> None:
        for visit in self._answered_visits(e):
            if visit.held_since is None:
                visit.held_since = e.at

    def _unheld(self, e: Any) -> None:
        for visit in self._answered_visits(e):
            self._stop_hold(visit, e.at)

    @staticmethod
    def _stop_hold(visit: Visit, at: float) -> None:
        if visit.held_since is not None:
            visit.hold_s += max(0.0, at - visit.held_since)
            visit.held_since = None

    def _end_acw(self, interface: str, at: float) -> None:
        visit = self._acw_open.pop(interface, None)
        if visit is not None and visit.completed_at is not None:
            visit.acw_s = max(0.0, at - visit.completed_at)

    def _device(self, e: Any) -> None:
        interface = self._interfaces.get(e.originator_id)
        if interface:
            self._device_state[interface] = e.state
        if interface and not is_busy(e.state):
            self._end_acw(interface, e.at)

    def _left(self, e: Any, outcome: str, by_shutdown: bool = False) -> None:
        if visit := self._open_visits.pop((e.originator_id, e.queue), None):
            visit.outcome, visit.wait_s, visit.by_shutdown = outcome, e.wait_s, by_shutdown

    def _abandoned(self, e: Any) -> None:
        self._left(e, "abandoned", e.by_shutdown)

    def _timed_out(self, e: Any) -> None:
        self._left(e, "timeout")

    def _exited(self, e: Any) -> None:
        if visit := self._open_visits.pop((e.originator_id, e.queue), None):
            visit.outcome = f"exit-{e.reason}"
            visit.wait_s = span_seconds(visit.joined_at, e.at)

    def _rna(self, e: Any) -> None:
        self.ring_no_answer.append((e.queue, e.agent, e.at))

    def _closed_by_resync(self, e: Any) -> None:
        """The call's end fell in a gap of the feed. A waiting caller who is gone without
        an answer is ``closed-by-resync`` (nobody saw how it left), or abandoned when the
        queue's counters tell (its wait ends at the resync either way: an upper bound);
        an answered call ended when the agent's
        ``LastCall`` says, else at the resync, with the side that hung up unknown."""
        for visit in self._calls.get(e.originator_id, []):
            key = (e.originator_id, visit.queue)
            if self._open_visits.get(key) is not visit:
                continue
            del self._open_visits[key]
            visit.inferred = visit.closed_by_resync = True
            if visit.outcome is None:
                # abandoned when the PBX's counters say so (domain.telephony.gap)
                visit.outcome = "abandoned" if visit.queue in (
                    getattr(e, "abandoned_queues", None) or ()) else "closed-by-resync"
                visit.wait_s = span_seconds(visit.joined_at, e.at)
            elif visit.answered_at is not None:
                end = e.last_call_end or e.at
                visit.talk_s = span_seconds(visit.answered_at, end)
                visit.completion = "unknown"
                visit.completed_at = end
                self._stop_hold(visit, end)

    def _lost(self, e: Any) -> None:
        for visit in self._calls.get(e.originator_id, []):
            if self._open_visits.pop((e.originator_id, visit.queue), None) is visit:
                visit.by_shutdown = True
                self._stop_hold(visit, e.at)
                if visit.outcome is None:
                    visit.outcome = "lost-by-restart"

    def _dial_started(self, e: Any) -> None:
        self.outbound[e.originator_id] = Outbound(e.by, e.number, e.at)

    def _dial_ended(self, e: Any) -> None:
        if call := self.outbound.get(e.originator_id):
            call.status = e.status
            if e.status == "ANSWER":
                call.answered_at = e.at

    def _ended(self, e: Any) -> None:
        call = self.outbound.get(e.originator_id)
        if call is not None and call.answered_at is not None:
            call.talk_s = span_seconds(call.answered_at, e.at)

    # -- agents and queues -------------------------------------------------------------
    def _agent(self, e: Any) -> AgentFacts | None:
        """None for an agent not registered yet (a replay "as of" an earlier instant)."""
        return self.agents.get(e.originator_id)

    def _agent_registered(self, e: Any) -> None:
        self.agents[e.originator_id] = AgentFacts(e.name, e.interface)
        self._interfaces[e.originator_id] = e.interface

    def _logged_in(self, e: Any) -> None:
        if (facts := self._agent(e)) is None:
            return
        facts.name = e.name or facts.name
        facts.logins[e.queue].append([e.at, math.inf])
        self.queues_seen.add(e.queue)
        if e.paused:
            facts.pauses[e.queue].append([e.at, None, e.reason])

    def _logged_out(self, e: Any) -> None:
        if (facts := self._agent(e)) is None:
            return
        for interval in facts.logins[e.queue][-1:]:
            if interval[1] == math.inf:
                interval[1] = e.at
        self._unpaused(e)

    def _paused(self, e: Any) -> None:
        if facts := self._agent(e):
            facts.pauses[e.queue].append([e.at, None, e.reason])

    def _unpaused(self, e: Any) -> None:
        if (facts := self._agent(e)) is None:
            return
        for interval in facts.pauses[e.queue][-1:]:
            if interval[1] is None:
                interval[1] = e.at

    def _discovered(self, e: Any) -> None:
        self._queue_names[e.originator_id] = e.name

    def _configured(self, e: Any) -> None:
        self.service_level[self._queue_names[e.originator_id]] = e.service_level_s

    # -- forgetting ---------------------------------------------------------------------
    def prune(self, before: float) -> None:
        """Forget what ended before ``before`` (a live board needs today and the last
        hour, not the whole history; "as of" replays refold from the log)."""
        open_visits = {id(v) for v in self._open_visits.values()} | {
            id(v) for v in self._acw_open.values()}
        self.visits = [v for v in self.visits if v.joined_at >= before or id(v) in open_visits]
        kept = {id(v) for v in self.visits}
        self._calls = defaultdict(list, {
            k: vs for k, vs in ((k, [v for v in vs if id(v) in kept])
                                for k, vs in self._calls.items()) if vs})
        self.outbound = {k: o for k, o in self.outbound.items() if o.started_at >= before}
        self.ring_no_answer = [r for r in self.ring_no_answer if r[2] >= before]
        for facts in self.agents.values():
            for queue, spans in facts.logins.items():
                facts.logins[queue] = [s for s in spans if s[1] >= before]
            for queue, pauses in facts.pauses.items():
                facts.pauses[queue] = [p for p in pauses if p[1] is None or p[1] >= before]

    # -- figures -----------------------------------------------------------------------
    def figures(self, since: float | None = None, until: float | None = None) -> dict[str, Any]:
        return build_report(self, since, until)


# The log topics of the events this projection folds (to read only those).
TOPICS: tuple[str, ...] = topics_of(StatsProjection().handlers)
