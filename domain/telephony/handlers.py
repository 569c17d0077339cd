"""Apply commands to aggregates.

``HANDLERS`` (at the end) is the explicit table from command class to the method that
applies it: one dictionary lookup per command, and a command without a handler is seen
in one place (a test checks the table covers ``commands.Command``).

``Aggregates`` is the port the handler works through: it finds and creates aggregates and
knows which calls are open and which agents exist (the ingest adapter implements it over
the event store with an in-memory cache).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from domain.telephony import commands as c
from domain.telephony.agent import Agent
from domain.telephony.call import Call
from domain.telephony.pbx import Pbx
from domain.telephony.queue import Queue
from domain.telephony.reconcile import Reconciler

__all__ = ["HANDLERS", "Aggregates", "CommandHandler"]


class Aggregates(Protocol):
    def call(self, linkedid: str) -> Call | None: ...
    def add_call(self, call: Call) -> None: ...
    def agent(self, interface: str) -> Agent | None: ...
    def add_agent(self, agent: Agent) -> None: ...
    def queue(self, name: str) -> Queue | None: ...
    def add_queue(self, queue: Queue) -> None: ...
    def pbx(self) -> Pbx: ...
    def open_calls(self) -> Iterable[Call]: ...
    def all_agents(self) -> Iterable[Agent]: ...


class CommandHandler:
    """Turns commands into aggregate changes; unknown calls are ignored, not errors,
    because the feed can start in the middle of a call."""

    def __init__(self, aggregates: Aggregates) -> None:
        self.aggregates = aggregates
        self.reconciler = Reconciler(aggregates, self._agent)

    def handle(self, command: c.Command) -> None:
        HANDLERS[type(command)](self, command)

    # -- calls -------------------------------------------------------------------------
    def _call(self, linkedid: str) -> Call | None:
        return self.aggregates.call(linkedid) if linkedid else None

    def _start_call(self, cmd: c.StartCall) -> None:
        if self._call(cmd.linkedid) is None:
            self.aggregates.add_call(
                Call(cmd.linkedid, cmd.at, cmd.channel, cmd.caller_number, cmd.caller_name))

    def _ensure_call(self, linkedid: str, at: float, channel: str, number: str,
                     name: str) -> Call:
        call = self._call(linkedid)
        if call is None:
            call = Call(linkedid, at, channel, number, name, inferred=True)
            self.aggregates.add_call(call)
        return call

    def _join_queue(self, cmd: c.JoinQueue) -> None:
        call = self._ensure_call(cmd.linkedid, cmd.at, cmd.channel, cmd.caller_number,
                                 cmd.caller_name)
        call.join_queue(cmd.at, cmd.queue, cmd.uniqueid, cmd.position, cmd.caller_number,
                        cmd.caller_name)

    def _ring_agent(self, cmd: c.RingAgent) -> None:
        if call := self._call(cmd.linkedid):
            call.ring_agent(cmd.at, cmd.queue, cmd.interface, cmd.member_name)

    def _ring_no_answer(self, cmd: c.RingNoAnswer) -> None:
        if call := self._call(cmd.linkedid):
            call.note_ring_no_answer(cmd.at, cmd.queue, cmd.interface, cmd.member_name,
                                     cmd.ring_ms)

    def _answer_call(self, cmd: c.AnswerCall) -> None:
        if call := self._call(cmd.linkedid):
            call.answer(cmd.at, cmd.queue, cmd.interface, cmd.member_name, cmd.wait_s,
                        cmd.ring_s, cmd.agent_channel)

    def _complete_call(self, cmd: c.CompleteCall) -> None:
        if call := self._call(cmd.linkedid):
            call.complete(cmd.at, cmd.queue, cmd.interface, cmd.member_name, cmd.talk_s,
                          cmd.reason)

    def _leave_queue_unanswered(self, cmd: c.LeaveQueueUnanswered) -> None:
        self.reconciler.gap.note_abandon(cmd.queue)  # what the PBX's counter counts
        if call := self._call(cmd.linkedid):
            call.leave_unanswered(cmd.at, cmd.queue, cmd.wait_s, cmd.position)

    def _exit_queue(self, cmd: c.ExitQueue) -> None:
        if call := self._call(cmd.linkedid):
            call.exit_queue(cmd.at, cmd.queue_status)

    def _channel_hangup_requested(self, cmd: c.ChannelHangupRequested) -> None:
        if call := self._call(cmd.linkedid):
            call.request_hangup(cmd.at, cmd.uniqueid, cmd.cause, cmd.soft, cmd.channel)

    def _end_call(self, cmd: c.EndCall) -> None:
        if call := self._call(cmd.linkedid):
            call.end(cmd.at, cmd.cause, cmd.cause_text)

    def _hold_call(self, cmd: c.HoldCall) -> None:
        if call := self._call(cmd.linkedid):
            call.hold(cmd.at, cmd.channel)

    def _unhold_call(self, cmd: c.UnholdCall) -> None:
        if call := self._call(cmd.linkedid):
            call.unhold(cmd.at, cmd.channel)

    def _transfer_call(self, cmd: c.TransferCall) -> None:
        if call := self._call(cmd.linkedid):
            call.transfer(cmd.at, cmd.kind, cmd.by_channel, cmd.target)

    def _start_recording(self, cmd: c.StartRecording) -> None:
        if call := self._call(cmd.linkedid):
            call.start_recording(cmd.at, cmd.uniqueid, cmd.file)

    def _dial_started(self, cmd: c.DialStarted) -> None:
        if call := self._call(cmd.linkedid):
            call.dial(cmd.at, cmd.number, cmd.by)

    def _dial_ended(self, cmd: c.DialEnded) -> None:
        if call := self._call(cmd.linkedid):
            call.end_dial(cmd.at, cmd.status)

    def _note_originate(self, cmd: c.NoteOriginate) -> None:
        if call := self._call(cmd.linkedid):
            call.note_originate(cmd.at, cmd.application, cmd.data)

    def _start_supervision(self, cmd: c.StartSupervision) -> None:
        if call := self._call(cmd.linkedid):
            call.start_supervision(cmd.at, cmd.spyer_channel, cmd.spyer_linkedid)

    def _stop_supervision(self, cmd: c.StopSupervision) -> None:
        if call := self._call(cmd.linkedid):
            call.end_supervision(cmd.at, cmd.spyer_channel)

    # -- agents and queues -------------------------------------------------------------
    def _agent(self, interface: str, name: str, at: float) -> Agent:
        agent = self.aggregates.agent(interface)
        if agent is None:
            agent = Agent(interface, name, at)
            self.aggregates.add_agent(agent)
        return agent

    def _log_in_agent(self, cmd: c.LogInAgent) -> None:
        agent = self._agent(cmd.interface, cmd.member_name, cmd.at)
        agent.log_in(cmd.at, cmd.queue, cmd.member_name, cmd.penalty, cmd.paused, cmd.reason)
        if cmd.status >= 0:  # QueueMemberAdded says what the device is doing too
            agent.set_device_state(cmd.at, cmd.status)

    def _log_out_agent(self, cmd: c.LogOutAgent) -> None:
        if agent := self.aggregates.agent(cmd.interface):
            agent.log_out(cmd.at, cmd.queue)

    def _pause_agent(self, cmd: c.PauseAgent) -> None:
        if agent := self.aggregates.agent(cmd.interface):
            agent.set_paused(cmd.at, cmd.queue, cmd.paused, cmd.reason)
            if cmd.status >= 0:  # so does QueueMemberPause
                agent.set_device_state(cmd.at, cmd.status)

    def _set_device_state(self, cmd: c.SetDeviceState) -> None:
        if agent := self.aggregates.agent(cmd.interface):
            agent.set_device_state(cmd.at, cmd.status)

    def _configure_queue(self, cmd: c.ConfigureQueue) -> None:
        queue = self.aggregates.queue(cmd.queue)
        if queue is None:
            queue = Queue(cmd.queue, cmd.at)
            self.aggregates.add_queue(queue)
        queue.configure(cmd.at, cmd.strategy, cmd.service_level_s)
        self.reconciler.gap.read(cmd.queue, cmd.abandoned)

    # -- PBX lifecycle -----------------------------------------------------------------
    def _boot_pbx(self, cmd: c.BootPbx) -> None:
        pbx = self.aggregates.pbx()
        before = pbx.booted_at
        pbx.boot(cmd.at, cmd.uptime_s)
        self.reconciler.gap.boot(cmd.at - cmd.uptime_s)
        if before is not None and pbx.booted_at != before:
            self._lose_open_calls(cmd.at)

    def _shut_down_pbx(self, cmd: c.ShutDownPbx) -> None:
        self.aggregates.pbx().shut_down(cmd.at, cmd.restart)
        self.reconciler.gap.restart()
        self._lose_open_calls(cmd.at)

    def _lose_open_calls(self, at: float) -> None:
        for call in list(self.aggregates.open_calls()):
            call.lose_by_restart(at)

    # -- after a restart of ingestion --------------------------------------------------------
    def recall(self, command: c.Command) -> None:
        """A command of a frame an earlier run already handled (ingestion re-reads what it
        had stored after a restart): its aggregates' events are in the store, so only the
        state this handler keeps in memory beside them is brought up to date: the PBX's
        counters that classify a feed gap (``domain.telephony.gap``). Without it a restart
        between a reading and the next resync would leave that gap unknown."""
        gap = self.reconciler.gap
        if isinstance(command, c.LeaveQueueUnanswered):
            gap.note_abandon(command.queue)
        elif isinstance(command, c.ConfigureQueue):
            gap.read(command.queue, command.abandoned)
        elif isinstance(command, c.BootPbx):
            gap.boot(command.at - command.uptime_s)
        elif isinstance(command, c.ShutDownPbx):
            gap.restart()

    # -- reconciliation with a snapshot --------------------------------------------------
    def _reconcile_snapshot(self, cmd: c.ReconcileSnapshot) -> None:
        if cmd.kind == "QueueStatus":
            self.reconciler.queue_status(cmd)
        elif cmd.kind == "CoreShowChannels":
            self.reconciler.channels(cmd)


# -- the table: which method applies which command ---------------------------------------
HANDLERS: dict[type[c.Command], Callable[[CommandHandler, Any], None]] = {
    c.StartCall: CommandHandler._start_call,
    c.JoinQueue: CommandHandler._join_queue,
    c.RingAgent: CommandHandler._ring_agent,
    c.RingNoAnswer: CommandHandler._ring_no_answer,
    c.AnswerCall: CommandHandler._answer_call,
    c.CompleteCall: CommandHandler._complete_call,
    c.LeaveQueueUnanswered: CommandHandler._leave_queue_unanswered,
    c.ExitQueue: CommandHandler._exit_queue,
    c.ChannelHangupRequested: CommandHandler._channel_hangup_requested,
    c.EndCall: CommandHandler._end_call,
    c.HoldCall: CommandHandler._hold_call,
    c.UnholdCall: CommandHandler._unhold_call,
    c.TransferCall: CommandHandler._transfer_call,
    c.StartRecording: CommandHandler._start_recording,
    c.DialStarted: CommandHandler._dial_started,
    c.DialEnded: CommandHandler._dial_ended,
    c.NoteOriginate: CommandHandler._note_originate,
    c.StartSupervision: CommandHandler._start_supervision,
    c.StopSupervision: CommandHandler._stop_supervision,
    c.LogInAgent: CommandHandler._log_in_agent,
    c.LogOutAgent: CommandHandler._log_out_agent,
    c.PauseAgent: CommandHandler._pause_agent,
    c.SetDeviceState: CommandHandler._set_device_state,
    c.ConfigureQueue: CommandHandler._configure_queue,
    c.BootPbx: CommandHandler._boot_pbx,
    c.ShutDownPbx: CommandHandler._shut_down_pbx,
    c.ReconcileSnapshot: CommandHandler._reconcile_snapshot,
}
