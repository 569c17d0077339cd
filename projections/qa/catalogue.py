"""The recording catalogue for QA: every MixMonitor recording with its call, agent, queue,
direction, start, duration, customer, disposition and whether the call has been evaluated.

Unlike the plain recordings list, facts that arrive after the recording started (an
outbound call's dial, which names the agent and the number) are carried to its rows.
Agents are named by extension (``Local/1001@agents/n`` and an outbound dial ``by 1001``
are both ``1001``), with the name Asterisk knows them by.

``qa_status`` of a call: ``none``, ``assigned`` (an evaluation is open) or ``evaluated``
(one was submitted); calibration evaluations do not count. ``disposition`` is the agent's
latest wrap-up code (``Wrapup.DispositionSet``), ``None`` until one is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.outbound.wrapup import Wrapup
from domain.qa.evaluation import Evaluation
from domain.telephony.agent import Agent, extension_of
from domain.telephony.call import Call
from projections.topics import Dispatching, Table, on, topics_of

__all__ = ["CallEntry", "QaCatalogueFold"]


@dataclass
class CallEntry:
    call_id: str
    linkedid: str
    started_at: float
    number: str
    customer_name: str
    direction: str = "unknown"
    queue: str | None = None
    agent: str = ""
    agent_name: str = ""
    answered: bool = False
    ended_at: float | None = None
    disposition: str | None = None
    recordings: list[tuple[str, str, float]] = field(default_factory=list)  # name, file, at
    evaluations: dict[str, str] = field(default_factory=dict)  # id -> assigned | evaluated

    @property
    def qa_status(self) -> str:
        states = set(self.evaluations.values())
        return "evaluated" if "evaluated" in states else "assigned" if states else "none"

    @property
    def duration_s(self) -> float | None:
        """The longest recording: from its start to the end of the call."""
        if self.ended_at is None or not self.recordings:
            return None
        return round(self.ended_at - min(at for _, _, at in self.recordings), 2)

    def rows(self) -> list[dict[str, Any]]:
        return [{"name": name, "file": file, "call_id": self.call_id,
                 "linkedid": self.linkedid, "started_at": at, "ended_at": self.ended_at,
                 "duration_s": None if self.ended_at is None else round(self.ended_at - at, 2),
                 "direction": self.direction, "queue": self.queue, "agent": self.agent,
                 "agent_name": self.agent_name, "number": self.number,
                 "customer_name": self.customer_name, "answered": self.answered,
                 "disposition": self.disposition, "qa_status": self.qa_status,
                 "evaluations": len(self.evaluations)}
                for name, file, at in self.recordings]


class QaCatalogueFold(Dispatching):
    name = "qa_catalogue"
    state_classes = (CallEntry,)  # what the saved state holds (see Dispatching)

    def __init__(self) -> None:
        self.calls: dict[str, CallEntry] = {}  # open calls and calls with recordings
        self.agent_names: dict[str, str] = {}  # extension -> name
        self._evaluation_calls: dict[str, str] = {}  # evaluation id -> call id
        self.handlers = self.table()
        self.topics = topics_of(self.handlers)

    def table(self) -> Table:
        return {
            **on(Call, Started=self._started, Queued=self._queued, Answered=self._answered,
                 DialStarted=self._dialed, DialEnded=self._dial_ended,
                 RecordingStarted=self._recording, Ended=self._ended,
                 ClosedByResync=self._ended, LostByRestart=self._ended),
            **on(Agent, Registered=self._agent),
            **on(Evaluation, Assigned=self._assigned, Submitted=self._submitted),
            **on(Wrapup, DispositionSet=self._disposition),
        }

    apply = Dispatching.dispatch

    def _call(self, e: Any) -> CallEntry | None:
        return self.calls.get(str(e.originator_id))

    def _started(self, e: Any) -> None:
        key = str(e.originator_id)
        self.calls[key] = CallEntry(key, e.linkedid, e.at, e.caller_number, e.caller_name)

    def _queued(self, e: Any) -> None:
        if call := self._call(e):
            call.direction, call.queue = "inbound", e.queue
            call.number = e.caller_number or call.number
            call.customer_name = e.caller_name or call.customer_name

    def _answered(self, e: Any) -> None:
        if call := self._call(e):
            call.agent, call.agent_name = extension_of(e.agent), e.member_name
            call.answered = True
            self.agent_names.setdefault(call.agent, e.member_name)

    def _dialed(self, e: Any) -> None:
        if call := self._call(e):
            call.direction, call.number, call.agent = "outbound", e.number, e.by
            call.agent_name = self.agent_names.get(e.by, "")

    def _dial_ended(self, e: Any) -> None:
        if call := self._call(e):
            call.answered = e.status == "ANSWER"

    def _recording(self, e: Any) -> None:
        call = self._call(e)
        name = e.file.rsplit("/", 1)[-1]
        if call is not None and name and name not in {r[0] for r in call.recordings}:
            call.recordings.append((name, e.file, e.at))

    def _ended(self, e: Any) -> None:
        call = self._call(e)
        if call is None:
            return
        if call.recordings:
            call.ended_at = e.at
        else:
            del self.calls[call.call_id]

    def _agent(self, e: Any) -> None:
        if e.name:
            self.agent_names[extension_of(e.interface)] = e.name

    def _disposition(self, e: Any) -> None:
        if call := self.calls.get(e.call_id):
            call.disposition = e.code  # the latest wrap-up code counts

    def _assigned(self, e: Any) -> None:
        call = self.calls.get(e.call_id)
        if call is not None and e.calibration is None:
            self._evaluation_calls[str(e.originator_id)] = e.call_id
            call.evaluations[str(e.originator_id)] = "assigned"

    def _submitted(self, e: Any) -> None:
        key = str(e.originator_id)
        call = self.calls.get(self._evaluation_calls.get(key, ""))
        if call is not None:
            call.evaluations[key] = "evaluated"

    # -- queries -------------------------------------------------------------------------
    def recorded_calls(self) -> list[CallEntry]:
        return [c for c in self.calls.values() if c.recordings]

    def view(self, now: float) -> dict[str, Any]:
        rows = [r for c in self.recorded_calls() for r in c.rows() if r["started_at"] <= now]
        rows.sort(key=lambda r: (r["started_at"], r["name"]), reverse=True)
        return {"as_of": now, "recordings": rows}

    @property
    def last_at(self) -> float | None:
        return max((at for c in self.recorded_calls() for _, _, at in c.recordings),
                   default=None)
