"""Call monitoring: every live call a supervisor may want to see, most urgent first.

Shown: inbound queue calls, outbound calls and any call an agent answered; not the
supervisors' own ChanSpy calls, nor internal or unidentified calls that no queue or agent
has. Each call carries ``attention`` flags (``waiting``, ``long-talk``, ``long-hold``,
``open-complaint``); the list is ordered by them: waiting calls (longest wait first), then
long talks (longest first), long holds (longest first), calls of customers with an open
complaint, then the rest by start time. Calls that left the floor without an end being
seen, or that a PBX shutdown hung up (closed by resync after a feed gap, lost in a PBX
restart, ended by a shutdown's hang-up before the ``Shutdown`` event) are listed in
``departed``, newest first. Nothing is masked here: masking is the API's concern.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from domain.telephony.agent import extension_of
from projections.business_day import BoardPolicy
from projections.figures import round2
from projections.floor.live import CallNow, LiveFloor
from projections.topics import topics_of

__all__ = ["ATTENTION", "MonitoringProjection"]

ATTENTION = ("waiting", "long-talk", "long-hold", "open-complaint")
UNSHOWN_DIRECTIONS = {"unknown", "internal"}


class MonitoringProjection:
    """Folds domain events; ``view(now)`` gives the live calls as they stand at ``now``.

    ``open_numbers``, when given, returns the customer numbers with an open complaint
    (asked once per view; without it no call is flagged ``open-complaint``). It belongs to
    the running process, not to the fold's state: a saved fold keeps None, and the projection
    runner takes it from a fresh fold on restore (``unsaved``)."""

    name = "monitoring"
    unsaved: ClassVar[tuple[str, ...]] = ("open_numbers",)  # the runner sets it on restore
    state_classes: ClassVar[tuple[type, ...]] = (BoardPolicy, LiveFloor)  # saved, restored

    def __init__(self, policy: BoardPolicy | None = None,
                 open_numbers: Callable[[], set[str]] | None = None) -> None:
        self.policy = policy or BoardPolicy()
        self.open_numbers = open_numbers
        self.floor = LiveFloor()
        self.topics = topics_of(self.floor.handlers)
        self._last_at: float | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "open_numbers": None}

    def apply(self, event: Any) -> None:
        at = getattr(event, "at", None)
        if at is not None and (self._last_at is None or at > self._last_at):
            self._last_at = at
        self.floor.apply(event)

    @property
    def last_at(self) -> float | None:
        return self._last_at

    # -- the board -------------------------------------------------------------------------
    @staticmethod
    def shown(call: CallNow) -> bool:
        if not call.spy_target:
            return False
        return (call.queue is not None or call.agent is not None
                or call.waiting_since is not None
                or call.direction not in UNSHOWN_DIRECTIONS)

    def view(self, now: float) -> dict[str, Any]:
        complaints = self.open_numbers() if self.open_numbers is not None else set()
        rows = [self.call_row(call, now, complaints)
                for call in self.floor.calls.values() if self.shown(call)]
        rows.sort(key=self._order)
        return {
            "as_of": now,
            "calls": rows,
            "departed": [dict(d) for d in reversed(self.floor.departed)],
            "thresholds": {"long_talk_s": self.policy.long_talk_s,
                           "long_hold_s": self.policy.long_hold_s},
        }

    @staticmethod
    def _order(row: dict[str, Any]) -> tuple[int, float, str]:
        flags = row["attention"]
        if "waiting" in flags:
            return 0, -(row["waiting_s"] or 0.0), row["call_id"]
        if "long-talk" in flags:
            return 1, -(row["talk_s"] or 0.0), row["call_id"]
        if "long-hold" in flags:
            return 2, -(row["hold_s"] or 0.0), row["call_id"]
        if "open-complaint" in flags:
            return 3, row["started_at"], row["call_id"]
        return 4, row["started_at"], row["call_id"]

    def call_row(self, call: CallNow, now: float, complaints: set[str]) -> dict[str, Any]:
        agent = self.floor.agent_of(call)
        waiting_s = None if call.waiting_since is None else max(0.0, now - call.waiting_since)
        talk_s = None if call.answered_at is None else max(0.0, now - call.answered_at)
        hold_s = None if call.on_hold_since is None else max(0.0, now - call.on_hold_since)
        flags = []
        if waiting_s is not None:
            flags.append("waiting")
        if talk_s is not None and talk_s > self.policy.long_talk_s:
            flags.append("long-talk")
        if hold_s is not None and hold_s > self.policy.long_hold_s:
            flags.append("long-hold")
        if call.number and call.number in complaints:
            flags.append("open-complaint")
        if waiting_s is not None:
            state = "ringing" if call.ringing else "waiting"
        elif call.answered_at is None:
            state = "dialling" if call.direction == "outbound" else "started"
        else:
            state = "on-hold" if hold_s is not None else "on-call"
        return {
            "call_id": call.call_id,
            "linkedid": call.linkedid,
            "direction": call.direction,
            "queue": call.queue,
            "number": call.number,
            "customer_name": call.name,
            "state": state,
            "agent": agent.interface if agent is not None else call.agent,
            "agent_extension": extension_of(call.agent) if call.agent else None,
            "agent_name": call.agent_name or (agent.name if agent is not None else ""),
            "ringing": sorted(call.ringing),
            "started_at": call.started_at,
            "waiting_s": round2(waiting_s),
            "answered_at": call.answered_at,
            "talk_s": round2(talk_s),
            "on_hold": hold_s is not None,
            "hold_s": round2(hold_s),
            "hold_total_s": round2(call.hold_total_s + (hold_s or 0.0)),
            "recordings": list(call.recordings),
            "supervisors": [{"extension": s.extension, "mode": s.mode, "since": s.since}
                            for s in sorted(call.supervisors.values(),
                                            key=lambda s: (s.since, s.extension))],
            "attention": flags,
        }
