"""A call's visits to queues: what each visit has come to, and which visit an event of
the call is about.

A call may visit several queues, and the same queue again after a blind transfer; the
visit an event names is the latest one of that queue in the right state. These rules
are kept apart from ``Call`` so the aggregate holds only its events and their effects.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from domain.errors import NotInQueue
from domain.telephony.durations import span_seconds

__all__ = ["QueueVisit", "answered_visit", "end_visits", "open_queues", "same_local_pair",
           "unreported_completions", "waiting_visit"]


@dataclass
class QueueVisit:
    queue: str
    uniqueid: str
    joined_at: float
    outcome: str | None = None  # answered | abandoned | timeout | exit-<reason> | closed-by-resync
    agent: str | None = None
    completed: bool = False
    caller_hanging_up: bool = False
    answered_at: float | None = None
    agent_channel: str = ""
    member_name: str = ""
    first_hangup_side: str | None = None

    @property
    def connected(self) -> bool:
        """Answered and not yet completed: caller and agent are talking."""
        return self.outcome == "answered" and not self.completed

    def answer(self, at: float, agent: str, member_name: str, agent_channel: str) -> None:
        self.outcome, self.answered_at = "answered", at
        self.agent, self.member_name, self.agent_channel = agent, member_name, agent_channel


def same_local_pair(channel: str, other: str) -> bool:
    """``Local/1001@agents-0000001;2`` and ``...;1`` are two halves of one Local channel."""
    return bool(channel and other) and channel.rsplit(";", 1)[0] == other.rsplit(";", 1)[0]


def waiting_visit(visits: Sequence[QueueVisit], queue: str, linkedid: str) -> QueueVisit:
    """The latest visit of ``queue`` still waiting for an outcome."""
    for visit in reversed(visits):
        if visit.queue == queue and visit.outcome is None:
            return visit
    raise NotInQueue(f"call {linkedid} is not waiting in queue {queue!r}")


def answered_visit(visits: Sequence[QueueVisit], queue: str, linkedid: str) -> QueueVisit:
    """The latest visit of ``queue`` answered and not yet completed."""
    for visit in reversed(visits):
        if visit.queue == queue and visit.connected:
            return visit
    raise NotInQueue(f"call {linkedid} has no answered visit in queue {queue!r}")


def open_queues(visits: Sequence[QueueVisit]) -> list[str]:
    """The queues of the visits still waiting or still connected."""
    return [v.queue for v in visits if v.outcome is None or v.connected]


def unreported_completions(visits: Sequence[QueueVisit], at: float
                           ) -> Iterator[tuple[QueueVisit, int, str]]:
    """Asterisk now and then sends no ``AgentComplete``: when the call ends at ``at``, each
    visit still connected, with its talk time and the side that hung up first."""
    for visit in visits:
        if visit.connected and visit.answered_at:
            talk_s = span_seconds(visit.answered_at, at)
            yield visit, talk_s, visit.first_hangup_side or "caller"


def end_visits(visits: Sequence[QueueVisit], waiting_outcome: str, *,
               complete_answered: bool, abandoned: Collection[str] = ()) -> None:
    """The call ended without an event per visit (a resync, a PBX restart): each visit
    still waiting gets ``waiting_outcome`` (``abandoned`` in the queues the PBX's
    counters say it abandoned, ``domain.telephony.gap``); with ``complete_answered``,
    each answered visit is completed."""
    for visit in visits:
        if visit.outcome is None:
            visit.outcome = "abandoned" if visit.queue in abandoned else waiting_outcome
        elif complete_answered and visit.outcome == "answered":
            visit.completed = True
