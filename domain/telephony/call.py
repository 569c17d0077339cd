"""The Call aggregate: one per Asterisk Linkedid.

A call may visit several queues (a blind transfer sends the same caller channel back into
a queue), ring several agents, be answered, held, transferred, recorded, supervised and
end. Times (``at``) are epoch seconds from the AMI ``Timestamp`` header.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import CallAlreadyEnded
from domain.ids import call_id
from domain.telephony import visits as queue_visits
from domain.telephony.visits import QueueVisit

__all__ = ["Call", "QueueVisit"]

SHUTDOWN_SOFTHANGUP = 4  # AST_SOFTHANGUP_SHUTDOWN in a SoftHangupRequest ``Cause``


class Call(Aggregate):
    """A call through the PBX, from its first channel to its end."""

    @staticmethod
    def create_id(linkedid: str) -> UUID:
        return call_id(linkedid)

    @event("Started")
    def __init__(
        self, linkedid: str, at: float, channel: str, caller_number: str, caller_name: str,
        inferred: bool = False,
    ) -> None:
        self.linkedid = linkedid
        self.started_at = at
        self.channel = channel
        self.caller_number = caller_number
        self.caller_name = caller_name
        self.direction = "unknown"
        self.visits: list[QueueVisit] = []
        self.ended = False
        self.ended_at: float | None = None
        self.caught_in_shutdown = False
        self.on_hold = False
        self.recordings: list[str] = []
        self.dialed_number: str | None = None
        self.dial_status: str | None = None
        self.spies: set[str] = set()
        self.originate: tuple[str, str] | None = None

    # -- invariants --------------------------------------------------------------------
    def check_not_ended(self) -> None:
        if self.ended:
            raise CallAlreadyEnded(f"call {self.linkedid} has already ended")

    def waiting_visit(self, queue: str) -> QueueVisit:
        return queue_visits.waiting_visit(self.visits, queue, self.linkedid)

    def answered_visit(self, queue: str) -> QueueVisit:
        return queue_visits.answered_visit(self.visits, queue, self.linkedid)

    @property
    def is_waiting(self) -> bool:
        return any(v.outcome is None for v in self.visits)

    # -- queue -------------------------------------------------------------------------
    def join_queue(
        self, at: float, queue: str, uniqueid: str, position: int, caller_number: str,
        caller_name: str, inferred: bool = False,
    ) -> None:
        self.check_not_ended()
        self._queued(at, queue, uniqueid, position, caller_number, caller_name, inferred)

    @event("Queued")
    def _queued(
        self, at: float, queue: str, uniqueid: str, position: int, caller_number: str,
        caller_name: str, inferred: bool,
    ) -> None:
        self.direction = "inbound"
        self.caller_number = caller_number or self.caller_number
        self.caller_name = caller_name or self.caller_name
        self.visits.append(QueueVisit(queue, uniqueid, at))

    @event("AgentRung")
    def ring_agent(self, at: float, queue: str, agent: str, member_name: str) -> None:
        pass

    @event("RingNotAnswered")
    def note_ring_no_answer(
        self, at: float, queue: str, agent: str, member_name: str, ring_ms: int
    ) -> None:
        pass

    def answer(
        self, at: float, queue: str, agent: str, member_name: str, wait_s: int, ring_s: int,
        agent_channel: str = "", inferred: bool = False,
    ) -> None:
        self.waiting_visit(queue)
        self._answered(at, queue, agent, member_name, wait_s, ring_s, agent_channel, inferred)

    @event("Answered")
    def _answered(
        self, at: float, queue: str, agent: str, member_name: str, wait_s: int, ring_s: int,
        agent_channel: str, inferred: bool = False,
    ) -> None:
        self.waiting_visit(queue).answer(at, agent, member_name, agent_channel)

    def complete(
        self, at: float, queue: str, agent: str, member_name: str, talk_s: int, reason: str
    ) -> None:
        self.answered_visit(queue)
        self._completed(at, queue, agent, member_name, talk_s, reason, self.caught_in_shutdown,
                        False)

    @event("Completed")
    def _completed(
        self, at: float, queue: str, agent: str, member_name: str, talk_s: int, reason: str,
        by_shutdown: bool, inferred: bool,
    ) -> None:
        self.answered_visit(queue).completed = True

    def _complete_unreported(self, at: float) -> None:
        """No ``AgentComplete`` came (it happens): complete what is still connected."""
        for visit, talk_s, side in queue_visits.unreported_completions(self.visits, at):
            self._completed(at, visit.queue, visit.agent or "", visit.member_name, talk_s,
                            side, self.caught_in_shutdown, True)

    def leave_unanswered(self, at: float, queue: str, wait_s: int, position: int) -> None:
        """``QueueCallerAbandon``: Asterisk sends it for a caller who hung up and for one
        whose queue timeout expired. Only the first follows a hangup request on the
        caller's channel, so that tells the two apart."""
        visit = self.waiting_visit(queue)
        if visit.caller_hanging_up:
            self._abandoned(at, queue, wait_s, position, self.caught_in_shutdown)
        else:
            self._timed_out(at, queue, wait_s, position)

    @event("Abandoned")
    def _abandoned(
        self, at: float, queue: str, wait_s: int, position: int, by_shutdown: bool
    ) -> None:
        self.waiting_visit(queue).outcome = "abandoned"

    @event("TimedOut")
    def _timed_out(self, at: float, queue: str, wait_s: int, position: int) -> None:
        self.waiting_visit(queue).outcome = "timeout"

    def exit_queue(self, at: float, queue_status: str) -> None:
        """``QUEUESTATUS`` after the caller left a queue without answer or abandon."""
        for visit in reversed(self.visits):
            if visit.outcome is None:
                self._exited(at, visit.queue, queue_status.lower())
                return

    @event("ExitedQueue")
    def _exited(self, at: float, queue: str, reason: str) -> None:
        self.waiting_visit(queue).outcome = f"exit-{reason}"

    # -- channels ----------------------------------------------------------------------
    def request_hangup(
        self, at: float, uniqueid: str, cause: int, soft: bool, channel: str = ""
    ) -> None:
        if self.ended:
            return
        if soft and cause == SHUTDOWN_SOFTHANGUP and not self.caught_in_shutdown:
            self._caught_in_shutdown(at)
        for visit in self.visits:
            if visit.uniqueid == uniqueid and visit.outcome is None and not visit.caller_hanging_up:
                self._hangup_requested(at, uniqueid, cause)
            elif visit.connected and visit.first_hangup_side is None:
                self._hung_up_first(at, visit.queue, "agent" if queue_visits.same_local_pair(
                    channel, visit.agent_channel) else "caller")

    @event("HungUpFirst")
    def _hung_up_first(self, at: float, queue: str, side: str) -> None:
        self.answered_visit(queue).first_hangup_side = side

    @event("CaughtInShutdown")
    def _caught_in_shutdown(self, at: float) -> None:
        self.caught_in_shutdown = True

    @event("HangupRequested")
    def _hangup_requested(self, at: float, uniqueid: str, cause: int) -> None:
        for visit in self.visits:
            if visit.uniqueid == uniqueid and visit.outcome is None:
                visit.caller_hanging_up = True

    def hold(self, at: float, channel: str) -> None:
        if not self.on_hold and not self.ended:
            self._held(at, channel)

    @event("Held")
    def _held(self, at: float, channel: str) -> None:
        self.on_hold = True

    def unhold(self, at: float, channel: str) -> None:
        if self.on_hold and not self.ended:
            self._unheld(at, channel)

    @event("Unheld")
    def _unheld(self, at: float, channel: str) -> None:
        self.on_hold = False

    @event("Transferred")
    def transfer(self, at: float, kind: str, by_channel: str, target: str) -> None:
        pass

    def start_recording(self, at: float, uniqueid: str, file: str) -> None:
        if file and file not in self.recordings:
            self._recording_started(at, uniqueid, file)

    @event("RecordingStarted")
    def _recording_started(self, at: float, uniqueid: str, file: str) -> None:
        self.recordings.append(file)

    # -- outbound and internal ---------------------------------------------------------
    def dial(self, at: float, number: str, by: str) -> None:
        if self.visits or self.dialed_number is not None or self.ended:
            return
        self._dial_started(at, number, by)

    @event("DialStarted")
    def _dial_started(self, at: float, number: str, by: str) -> None:
        self.direction = "outbound"
        self.dialed_number = number

    def end_dial(self, at: float, status: str) -> None:
        if self.dialed_number is not None and self.dial_status is None:
            self._dial_ended(at, status)

    @event("DialEnded")
    def _dial_ended(self, at: float, status: str) -> None:
        self.dial_status = status

    def note_originate(self, at: float, application: str, data: str) -> None:
        if self.originate is None and application:
            self._originated(at, application, data)

    @event("Originated")
    def _originated(self, at: float, application: str, data: str) -> None:
        self.direction = "internal" if self.direction == "unknown" else self.direction
        self.originate = (application, data)

    def start_supervision(self, at: float, spyer_channel: str, spyer_linkedid: str) -> None:
        if spyer_channel not in self.spies and not self.ended:
            self._supervision_started(at, spyer_channel, spyer_linkedid)

    @event("SupervisionStarted")
    def _supervision_started(self, at: float, spyer_channel: str, spyer_linkedid: str) -> None:
        self.spies.add(spyer_channel)

    def end_supervision(self, at: float, spyer_channel: str) -> None:
        if spyer_channel in self.spies:
            self._supervision_ended(at, spyer_channel)

    @event("SupervisionEnded")
    def _supervision_ended(self, at: float, spyer_channel: str) -> None:
        self.spies.discard(spyer_channel)

    # -- end ---------------------------------------------------------------------------
    def end(self, at: float, cause: int, cause_text: str) -> None:
        if not self.ended:
            self._complete_unreported(at)
            self._ended(at, cause, cause_text, self.caught_in_shutdown)

    @event("Ended")
    def _ended(self, at: float, cause: int, cause_text: str, by_shutdown: bool) -> None:
        self._close(at)

    def close_by_resync(self, at: float, last_call_end: float | None = None,
                        abandoned_queues: tuple[str, ...] = ()) -> None:
        """Gone at a resync: it ended in a feed gap (abandoned in ``abandoned_queues``)."""
        if not self.ended:
            self._closed_by_resync(at, queue_visits.open_queues(self.visits), last_call_end,
                                   list(abandoned_queues))

    @event("ClosedByResync")
    def _closed_by_resync(self, at: float, open_queues: list[str], last_call_end: float | None,
                          abandoned_queues: list[str] | None = None) -> None:
        queue_visits.end_visits(self.visits, "closed-by-resync", complete_answered=True,
                                abandoned=abandoned_queues or ())
        self._close(at)

    def lose_by_restart(self, at: float) -> None:
        if not self.ended:
            self._lost_by_restart(at)

    @event("LostByRestart")
    def _lost_by_restart(self, at: float) -> None:
        queue_visits.end_visits(self.visits, "lost-by-restart", complete_answered=False)
        self._close(at)

    def _close(self, at: float) -> None:
        self.ended = True
        self.ended_at = at
        self.on_hold = False
        self.spies.clear()
