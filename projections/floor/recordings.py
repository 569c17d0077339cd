"""The recordings list: every MixMonitor file with its call, queue, agent and customer.

(The QA issue grows this into the full recording catalogue.)"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from domain.telephony.call import Call
from projections.topics import Dispatching, Table, on, topics_of

__all__ = ["Recording", "RecordingsFold"]


@dataclass
class Recording:
    name: str
    file: str
    call_id: str
    linkedid: str
    started_at: float
    direction: str = "unknown"
    queue: str | None = None
    agent_name: str = ""
    agent: str = ""
    number: str = ""
    customer_name: str = ""
    ended_at: float | None = None

    @property
    def duration_s(self) -> float | None:
        return None if self.ended_at is None else round(self.ended_at - self.started_at, 2)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "duration_s": self.duration_s}


@dataclass
class _Call:
    linkedid: str
    number: str
    name: str
    direction: str = "unknown"
    queue: str | None = None
    agent: str = ""
    agent_name: str = ""


class RecordingsFold(Dispatching):
    name = "recordings"
    state_classes = (Recording, _Call)  # what the saved state holds (see Dispatching)

    def __init__(self) -> None:
        self.calls: dict[str, _Call] = {}
        self.recordings: dict[str, Recording] = {}
        self._by_call: dict[str, list[Recording]] = {}
        self.handlers = self.table()
        self.topics = topics_of(self.handlers)

    def table(self) -> Table:
        return on(Call, Started=self._started, Queued=self._queued, Answered=self._answered,
                  DialStarted=self._dialed, RecordingStarted=self._recording,
                  Ended=self._ended, ClosedByResync=self._ended, LostByRestart=self._ended)

    apply = Dispatching.dispatch

    def _call(self, e: Any) -> _Call | None:
        return self.calls.get(str(e.originator_id))

    def _started(self, e: Any) -> None:
        self.calls[str(e.originator_id)] = _Call(e.linkedid, e.caller_number, e.caller_name)

    def _queued(self, e: Any) -> None:
        if call := self._call(e):
            call.direction, call.queue = "inbound", e.queue
            call.number = e.caller_number or call.number

    def _answered(self, e: Any) -> None:
        if call := self._call(e):
            call.agent, call.agent_name = e.agent, e.member_name
            for recording in self._by_call.get(str(e.originator_id), []):
                recording.agent, recording.agent_name = e.agent, e.member_name

    def _dialed(self, e: Any) -> None:
        if call := self._call(e):
            call.direction, call.number, call.agent = "outbound", e.number, e.by

    def _recording(self, e: Any) -> None:
        call = self._call(e)
        name = e.file.rsplit("/", 1)[-1]
        if call is None or not name:
            return
        recording = Recording(name, e.file, str(e.originator_id), call.linkedid, e.at,
                              call.direction, call.queue, call.agent_name, call.agent,
                              call.number, call.name)
        self.recordings[name] = recording
        self._by_call.setdefault(str(e.originator_id), []).append(recording)

    def _ended(self, e: Any) -> None:
        for recording in self._by_call.pop(str(e.originator_id), []):
            recording.ended_at = e.at
        self.calls.pop(str(e.originator_id), None)

    def view(self, now: float) -> dict[str, Any]:
        rows = sorted((r for r in self.recordings.values() if r.started_at <= now),
                      key=lambda r: r.started_at, reverse=True)
        return {"as_of": now, "recordings": [r.as_dict() for r in rows]}

    @property
    def last_at(self) -> float | None:
        return max((r.started_at for r in self.recordings.values()), default=None)
