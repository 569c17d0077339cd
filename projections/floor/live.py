"""The floor as it is now: every live call and every agent's state, folded from events.

Shared by the wallboard, the agent board and the monitoring board. The records it keeps
and the rules of agent state are in ``projections.floor.live_state``. A call the PBX no
longer has after a resync or a restart, or that a shutdown hung up, leaves the floor at
once and is kept, with the reason, in ``departed``.
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar

from domain.telephony.agent import Agent, extension_of
from domain.telephony.call import Call
from projections.agent_states import is_busy
from projections.floor.live_state import (
    AgentNow,
    CallNow,
    SupervisorNow,
    agent_state,
    spy_mode,
    state_in_queue,
)
from projections.topics import Dispatching, Table, on

__all__ = ["AgentNow", "CallNow", "LiveFloor", "SupervisorNow"]

SPY_APPLICATION = "ChanSpy"
SPY_MODES_KEPT = 1000  # supervisor calls whose mode is remembered (the log may bring
# the spied call's SupervisionStarted after the supervisor call has ended)


class LiveFloor(Dispatching):
    """Live calls and agent states. ``apply`` takes domain events in log order."""

    state_classes: ClassVar[tuple[type, ...]] = (CallNow, AgentNow, SupervisorNow)

    def __init__(self, departed_kept: int = 50) -> None:
        self.calls: dict[str, CallNow] = {}
        self.agents: dict[str, AgentNow] = {}
        self.departed: deque[dict[str, Any]] = deque(maxlen=departed_kept)
        self._by_interface: dict[str, AgentNow] = {}
        self._spy_modes: dict[str, str] = {}  # supervisor call's linkedid -> mode (recent)
        self.handlers = self.table()

    def table(self) -> Table:
        return {
            **on(Call, Started=self._started, Queued=self._queued, AgentRung=self._rung,
                 RingNotAnswered=self._not_answered, Answered=self._answered,
                 Completed=self._completed, Abandoned=self._left, TimedOut=self._left,
                 ExitedQueue=self._left, Held=self._held, Unheld=self._unheld,
                 RecordingStarted=self._recording, DialStarted=self._dial_started,
                 DialEnded=self._dial_ended, Originated=self._originated,
                 SupervisionStarted=self._spy_started, SupervisionEnded=self._spy_ended,
                 Ended=self._ended, ClosedByResync=self._closed_by_resync,
                 LostByRestart=self._lost_by_restart),
            **on(Agent, Registered=self._registered, LoggedIn=self._logged_in,
                 LoggedOut=self._logged_out, Paused=self._paused, Unpaused=self._unpaused,
                 DeviceStateChanged=self._device),
        }

    apply = Dispatching.dispatch

    # -- lookups ---------------------------------------------------------------------------
    def agent_by_interface(self, interface: str | None) -> AgentNow | None:
        return self._by_interface.get(interface or "")

    def agent_by_extension(self, extension: str) -> AgentNow | None:
        for agent in self.agents.values():
            if agent.extension == extension:
                return agent
        return None

    def agent_of(self, call: CallNow) -> AgentNow | None:
        if call.agent is None:
            return None
        return self.agent_by_interface(call.agent) or self.agent_by_extension(call.agent)

    def waiting(self, queue: str | None = None) -> list[CallNow]:
        return sorted((c for c in self.calls.values() if c.waiting_since is not None and (
            queue is None or c.queue == queue)), key=lambda c: c.waiting_since or 0.0)

    # -- agent state -----------------------------------------------------------------------
    def _derive(self, agent: AgentNow, at: float) -> None:
        state, reason = agent_state(agent, self.calls.get(agent.call_id or ""))
        if (state, reason) != (agent.state, agent.reason):
            agent.state, agent.reason, agent.since = state, reason, at

    @staticmethod
    def state_in_queue(agent: AgentNow, queue: str) -> tuple[str, str]:
        """The agent's state as one queue sees it (paused in it, or logged out of it)."""
        return state_in_queue(agent, queue)

    def _end_agent_call(self, call: CallNow, at: float) -> None:
        agent = self.agent_of(call)
        if agent is not None and agent.call_id == call.call_id:
            agent.call_id = None
            agent.wrap_up_since = at if is_busy(agent.device) else None
            self._derive(agent, at)

    # -- calls -----------------------------------------------------------------------------
    def _call(self, e: Any) -> CallNow | None:
        return self.calls.get(str(e.originator_id))

    def _started(self, e: Any) -> None:
        key = str(e.originator_id)
        self.calls[key] = CallNow(key, e.linkedid, e.at, e.caller_number, e.caller_name)

    def _queued(self, e: Any) -> None:
        if call := self._call(e):
            call.direction, call.queue, call.waiting_since = "inbound", e.queue, e.at
            call.number = e.caller_number or call.number
            call.name = e.caller_name or call.name
            call.answered_at = None  # back in a queue (a blind transfer): waiting again

    def _touch_agent(self, e: Any) -> None:
        if agent := self.agent_by_interface(e.agent):
            agent.known_queues.add(e.queue)

    def _rung(self, e: Any) -> None:
        self._touch_agent(e)
        if call := self._call(e):
            call.ringing.add(e.agent)

    def _not_answered(self, e: Any) -> None:
        self._touch_agent(e)
        if call := self._call(e):
            call.ringing.discard(e.agent)

    def _answered(self, e: Any) -> None:
        call = self._call(e)
        if call is None:
            return
        call.ringing.clear()
        call.waiting_since, call.answered_at = None, e.at
        call.agent, call.agent_name, call.queue = e.agent, e.member_name, e.queue
        if agent := self.agent_by_interface(e.agent):
            agent.call_id, agent.wrap_up_since = call.call_id, None
            self._derive(agent, e.at)

    def _completed(self, e: Any) -> None:
        if call := self._call(e):
            self._unheld(e)
            self._end_agent_call(call, e.at)
            if call.agent == e.agent:  # the agent's leg is over (a transfer goes on without)
                call.agent, call.agent_name = None, ""

    def _left(self, e: Any) -> None:
        if (call := self._call(e)) and call.queue == e.queue:
            call.waiting_since = None
            call.ringing.clear()

    def _held(self, e: Any) -> None:
        if (call := self._call(e)) and call.on_hold_since is None:
            call.on_hold_since = e.at
            if agent := self.agent_of(call):
                self._derive(agent, e.at)

    def _unheld(self, e: Any) -> None:
        if (call := self._call(e)) and call.on_hold_since is not None:
            call.hold_total_s += e.at - call.on_hold_since
            call.on_hold_since = None
            if agent := self.agent_of(call):
                self._derive(agent, e.at)

    def _recording(self, e: Any) -> None:
        if call := self._call(e):
            call.recordings.append(e.file)

    def _dial_started(self, e: Any) -> None:
        if call := self._call(e):
            call.direction, call.number, call.agent = "outbound", e.number, e.by
            if agent := self.agent_by_extension(e.by):
                call.agent_name = agent.name
                agent.call_id, agent.wrap_up_since = call.call_id, None
                self._derive(agent, e.at)

    def _dial_ended(self, e: Any) -> None:
        if call := self._call(e):
            call.dial_status = e.status
            if e.status == "ANSWER" and call.answered_at is None:
                call.answered_at = e.at
                if agent := self.agent_of(call):
                    self._derive(agent, e.at)

    def _originated(self, e: Any) -> None:
        call = self._call(e)
        if call is not None and e.application == SPY_APPLICATION:
            call.spy_target = False
            call.direction = "supervision"
            mode = self._spy_modes[call.linkedid] = spy_mode(e.data)
            while len(self._spy_modes) > SPY_MODES_KEPT:
                del self._spy_modes[next(iter(self._spy_modes))]
            # Within one stored batch the log groups events by call, so the spied call's
            # SupervisionStarted can come before the supervisor call's Originated.
            for target in self.calls.values():
                for supervisor in target.supervisors.values():
                    if supervisor.spyer_linkedid == call.linkedid:
                        supervisor.mode = mode

    def _spy_started(self, e: Any) -> None:
        if call := self._call(e):
            mode = self._spy_modes.get(e.spyer_linkedid, "listen")
            call.supervisors[e.spyer_channel] = SupervisorNow(
                extension_of(e.spyer_channel), mode, e.at, e.spyer_linkedid)

    def _spy_ended(self, e: Any) -> None:
        if call := self._call(e):
            call.supervisors.pop(e.spyer_channel, None)

    def _close(self, e: Any, reason: str | None) -> None:
        call = self.calls.pop(str(e.originator_id), None)
        if call is None:
            return
        if call.on_hold_since is not None:
            call.hold_total_s += e.at - call.on_hold_since
            call.on_hold_since = None
        self._end_agent_call(call, e.at)
        if reason is not None and call.spy_target:
            self.departed.append({"call_id": call.call_id, "linkedid": call.linkedid,
                                  "number": call.number, "queue": call.queue,
                                  "reason": reason, "at": e.at})

    def _ended(self, e: Any) -> None:
        """A call hung up by a PBX shutdown (its channels get a ``SoftHangupRequest``
        with Cause 4 before ``Shutdown`` comes) is lost by the restart like the calls
        ``Shutdown`` ends: it is listed as departed, not let go as an ordinary end."""
        self._close(e, "lost-by-restart" if getattr(e, "by_shutdown", False) else None)

    def _closed_by_resync(self, e: Any) -> None:
        self._close(e, "closed-by-resync")

    def _lost_by_restart(self, e: Any) -> None:
        self._close(e, "lost-by-restart")

    # -- agents ----------------------------------------------------------------------------
    def _agent(self, e: Any) -> AgentNow | None:
        return self.agents.get(str(e.originator_id))

    def _registered(self, e: Any) -> None:
        agent = AgentNow(str(e.originator_id), e.interface, e.name, since=e.at)
        self.agents[agent.agent_id] = agent
        self._by_interface[e.interface] = agent

    def _logged_in(self, e: Any) -> None:
        if agent := self._agent(e):
            agent.name = e.name or agent.name
            agent.queues[e.queue] = (e.reason or "") if e.paused else None
            agent.known_queues.add(e.queue)
            self._derive(agent, e.at)

    def _logged_out(self, e: Any) -> None:
        if agent := self._agent(e):
            agent.queues.pop(e.queue, None)
            self._derive(agent, e.at)

    def _paused(self, e: Any) -> None:
        if (agent := self._agent(e)) and e.queue in agent.queues:
            agent.queues[e.queue] = e.reason or ""
            self._derive(agent, e.at)

    def _unpaused(self, e: Any) -> None:
        if (agent := self._agent(e)) and e.queue in agent.queues:
            agent.queues[e.queue] = None
            self._derive(agent, e.at)

    def _device(self, e: Any) -> None:
        if agent := self._agent(e):
            agent.device = e.state
            if not is_busy(e.state) and agent.call_id is None:
                agent.wrap_up_since = None
            self._derive(agent, e.at)
