"""Snapshot reconciliation: bring calls and agents in line with what the PBX has now
(ARCHITECTURE.md section 6.5).

After every login the feed client asks for ``QueueStatus`` (members, waiting callers)
and then ``CoreShowChannels`` (every live channel). A snapshot says what is, not what
happened, so what it corrects is recorded ``inferred``:

- members seen are logged in, their pause state and device state aligned; agents not
  seen are logged out;
- callers listed as waiting are (inferred) visits; a visit still waiting here that the
  list no longer shows is no longer waiting in that queue. Whether it was answered or
  left waits for the channel list, which comes next: its caller bridged with an agent's
  queue leg (``AppQueue``) was answered by that agent, at that leg's age; its caller
  gone ends the call below; its caller alive elsewhere left the queue (``exit-unlisted``).
  We chose to wait for the channels over guessing from the members' ``LastCall``
  because only the bridge names the agent, and a wrong answer would refuse the call's
  own ``AgentComplete`` later;
- an open call whose first channel is gone is ``ClosedByResync``; a caller it finds gone
  from waiting abandoned when the queue's ``Abandoned`` counter settles it
  (``domain.telephony.gap``), else is left unknown; live first channels of unknown calls
  start (inferred) calls, and an unknown caller in ``Queue <q>`` bridged with an agent's
  queue leg joined and was answered in the gap: its visit and answer open too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from domain.errors import NotInQueue
from domain.telephony import commands as c
from domain.telephony.agent import Agent, extension_of
from domain.telephony.call import Call
from domain.telephony.gap import GapCounters

if TYPE_CHECKING:
    from domain.telephony.handlers import Aggregates

__all__ = ["QUEUE_APPLICATION", "Reconciler"]

QUEUE_APPLICATION = "Queue"  # the caller's channel while in app_queue (waiting or bridged)
AGENT_LEG_APPLICATION = "AppQueue"  # the channel app_queue dials a member on


class Reconciler:
    """Applies snapshots through the handler's port (``aggregates``, a
    ``domain.telephony.handlers.Aggregates``); ``agent`` finds or registers an agent."""

    def __init__(self, aggregates: Aggregates,
                 agent: Callable[[str, str, float], Agent]) -> None:
        self.aggregates = aggregates
        self._agent = agent
        # QueueMember LastCall per interface from the latest QueueStatus snapshot: tells
        # when an agent's call ended while the feed was down.
        self.last_call: dict[str, float] = {}
        self._members: dict[str, Agent] = {}  # extension -> agent seen in the snapshot
        self._unlisted: dict[str, str] = {}  # linkedid -> queue it no longer waits in
        self.gap = GapCounters()  # read from QueueParams, used at the channel list

    # -- QueueStatus ---------------------------------------------------------------------
    def queue_status(self, cmd: c.ReconcileSnapshot) -> None:
        self._reconcile_members(cmd)
        listed = {(w.uniqueid, w.queue) for w in cmd.waiting}
        self._unlisted = {
            call.linkedid: visit.queue for call in self.aggregates.open_calls()
            for visit in call.visits
            if visit.outcome is None and call.started_at < cmd.at
            and (visit.uniqueid, visit.queue) not in listed}
        for waiting in cmd.waiting:
            self._reconcile_waiting(cmd.at, waiting)

    def _reconcile_members(self, cmd: c.ReconcileSnapshot) -> None:
        seen: set[tuple[str, str]] = set()
        self._members = {}
        for m in cmd.members:
            seen.add((m.interface, m.queue))
            self.last_call[m.interface] = m.last_call
            login_at = min(m.login_time or cmd.at, cmd.at)
            # an agent first seen in a snapshot has existed since its login, at least
            agent = self._agent(m.interface, m.member_name, login_at)
            self._members[extension_of(m.interface)] = agent
            if not agent.check_logged_in(m.queue):
                agent.log_in(login_at, m.queue, m.member_name, m.penalty, False, "",
                             inferred=True)
            if agent.queues[m.queue] != m.paused:
                pause_at = m.last_pause if m.paused and m.last_pause else cmd.at
                agent.set_paused(pause_at, m.queue, m.paused, m.reason, inferred=True)
            agent.set_device_state(cmd.at, m.status)
        for agent in list(self.aggregates.all_agents()):
            for queue in list(agent.queues):
                if (agent.interface, queue) not in seen:
                    agent.log_out(cmd.at, queue, inferred=True)

    def _reconcile_waiting(self, at: float, w: c.SnapshotWaiting) -> None:
        call = self.aggregates.call(w.uniqueid) if w.uniqueid else None
        joined = at - w.wait_s
        if call is None:
            call = Call(w.uniqueid, joined, w.channel, w.caller_number, w.caller_name,
                        inferred=True)
            self.aggregates.add_call(call)
        if not call.ended and not call.is_waiting:
            call.join_queue(joined, w.queue, w.uniqueid, w.position, w.caller_number,
                            w.caller_name, inferred=True)

    # -- CoreShowChannels ----------------------------------------------------------------
    def channels(self, cmd: c.ReconcileSnapshot) -> list[Call]:
        """Reconcile with the live channels; returns the calls closed by the resync."""
        # a call lives as long as its first channel (its Hangup ends the call): other legs
        # still up (an agent's, a transfer's) do not keep a call whose caller is gone
        first = {ch.linkedid: ch for ch in cmd.channels if ch.uniqueid == ch.linkedid}
        for linkedid, queue in self._unlisted.items():
            unlisted = self.aggregates.call(linkedid)
            if unlisted is not None and not unlisted.ended and linkedid in first:
                self._no_longer_waiting(cmd, unlisted, queue, first[linkedid])
        self._unlisted = {}
        gone = [call for call in self.aggregates.open_calls()
                if call.linkedid not in first and call.started_at < cmd.at]
        abandoned = self._abandoned_in_gap(gone)
        for call in gone:
            call.close_by_resync(cmd.at, self._last_call_end(call), tuple(
                v.queue for v in call.visits if v.outcome is None and v.queue in abandoned))
        for ch in first.values():
            if self.aggregates.call(ch.linkedid) is None:
                self._open_unknown(cmd, ch)
        return gone

    def _open_unknown(self, cmd: c.ReconcileSnapshot, ch: c.SnapshotChannel) -> None:
        """A live call the log never saw start. A caller in ``Queue <q>`` bridged with an
        agent's queue leg joined and was answered in the gap: its visit and answer are
        opened too (inferred: joined when the call started, answered when the agent's
        leg did), so its own later events (``AgentComplete``) apply."""
        call = Call(ch.linkedid, cmd.at - ch.duration_s, ch.channel, ch.caller_number,
                    ch.caller_name, inferred=True)
        self.aggregates.add_call(call)
        queue = ch.application_data.split(",", 1)[0]
        answered = self._answered_by(cmd, call, ch)
        if ch.application == QUEUE_APPLICATION and queue and answered is not None:
            call.join_queue(call.started_at, queue, ch.uniqueid, 0, ch.caller_number,
                            ch.caller_name, inferred=True)
            self._answer(call, queue, *answered)

    def _answered_by(self, cmd: c.ReconcileSnapshot, call: Call, caller: c.SnapshotChannel
                     ) -> tuple[Agent, c.SnapshotChannel, float] | None:
        """The member whose queue leg (``AppQueue``) shares the caller's bridge, that
        leg, and when it came up (the snapshot's instant less the leg's age)."""
        if not caller.bridge_id:
            return None
        for ch in cmd.channels:
            if (ch.linkedid == call.linkedid and ch.application == AGENT_LEG_APPLICATION
                    and ch.bridge_id == caller.bridge_id):
                agent = self._members.get(extension_of(ch.channel))
                return None if agent is None else (agent, ch, cmd.at - ch.duration_s)
        return None

    @staticmethod
    def _answer(call: Call, queue: str, agent: Agent, leg: c.SnapshotChannel,
                at: float) -> None:
        visit = call.waiting_visit(queue)
        answered_at = max(visit.joined_at, at)
        call.answer(answered_at, queue, agent.interface, agent.name,
                    round(answered_at - visit.joined_at), 0, leg.channel, inferred=True)

    def _abandoned_in_gap(self, gone: list[Call]) -> set[str]:
        """The queues whose callers found gone all abandoned, by the PBX's counters: as
        many abandons in the gap as callers gone from waiting, and none gone otherwise
        (``exit-unlisted``: the counter may hold their timeouts)."""
        waiting: Counter[str] = Counter(v.queue for call in gone for v in call.visits
                                        if v.outcome is None)
        exited = {v.queue for call in self.aggregates.open_calls() for v in call.visits
                  if v.outcome == "exit-unlisted"}
        return {queue for queue, n in waiting.items()
                if self.gap.abandoned_in_gap(queue) == n and queue not in exited}

    def _no_longer_waiting(self, cmd: c.ReconcileSnapshot, call: Call, queue: str,
                           caller: c.SnapshotChannel) -> None:
        """A caller the QueueStatus list no longer shows in ``queue``, alive: answered by
        the agent whose queue leg shares the caller's bridge, else gone from the queue."""
        try:
            call.waiting_visit(queue)
        except NotInQueue:  # answered or left since the QueueStatus list: nothing to do
            return
        answered = self._answered_by(cmd, call, caller)
        if answered is not None:
            self._answer(call, queue, *answered)
        elif caller.application != QUEUE_APPLICATION:
            call.exit_queue(cmd.at, "unlisted")

    def _last_call_end(self, call: Call) -> float | None:
        """The agent's ``LastCall`` if it tells this call's end: later than its answer
        (an older one, from before the call, says nothing about it)."""
        for visit in reversed(call.visits):
            if visit.outcome == "answered" and not visit.completed and visit.agent:
                last = self.last_call.get(visit.agent) or None
                answered = visit.answered_at or call.started_at
                return last if last is not None and last >= answered else None
        return None
