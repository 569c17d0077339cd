"""Agent KPIs per business day, and the daily target check (ARCHITECTURE.md section 5.7).

Days are the center's business days (``BoardPolicy``), fixed when the fold is built; what
a day is judged against (``KpiPolicy``: the effective-conversation threshold, the daily
target) applies when it is read, so changing it needs no rebuild. Agents are keyed by
extension. The ``definitions`` (in every report) follow the ``stats`` report's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.complaints.complaint import Complaint
from domain.intervals import covered
from domain.outbound.wrapup import Wrapup
from domain.telephony.agent import Agent, extension_of
from domain.telephony.call import Call
from domain.telephony.durations import comparable_span, span_seconds
from projections.business_day import BoardPolicy, business_day_start
from projections.figures import pct
from projections.topics import DatedDispatching, Table, on, topics_of

__all__ = ["DEFINITIONS", "KpiFold", "KpiPolicy", "target_check"]

DEFINITIONS = {
    "day": "the business day (time zone and day start of the board policy); a queue call "
           "counts on the day it joined the queue, an outbound call on the day it started",
    "dials": "outbound calls the agent dialled",
    "connects": "outbound calls the customer answered (DialStatus ANSWER)",
    "contact_rate": "connects / dials, %",
    "effective_conversations": "outbound connects that talked at least effective_s seconds",
    "intents": "calls of the day whose latest wrap-up code is 'intent'",
    "sales": "calls of the day whose latest wrap-up code is 'sale'",
    "conversion": "sales / connects, %",
    "answered_inbound": "queue calls the agent connected (queue_log CONNECT)",
    "talk_inbound_s": "talk of the answered queue calls (AgentComplete TalkTime)",
    "talk_outbound_s": "answer to hang-up of the outbound connects",
    "paused_s_by_reason": "paused seconds per reason within the day (up to now), pauses in "
                          "several queues at once counted once",
    "complaints": "complaints opened that day that are linked to the agent",
    "qa_average": "mean final QA score of the agent's evaluations of the day (from QA)",
    "target": "met with at least target_sales sales, or at least target_answered answered "
              "calls (answered_inbound + connects); failing both, with at least "
              "target_dials dials",
}


@dataclass(frozen=True)
class KpiPolicy:
    """The center's daily rules (defaults: ARCHITECTURE.md section 5.7)."""

    effective_s: int = 60
    target_sales: int = 30
    target_answered: int = 40
    target_dials: int = 60


def target_check(sales: int, answered: int, dials: int, policy: KpiPolicy) -> dict[str, Any]:
    """Which rule (if any) meets the day's target, in the order the rules are tried."""
    rules = (("sales", sales, policy.target_sales), ("answered", answered,
             policy.target_answered), ("dials", dials, policy.target_dials))
    met_by = next((name for name, value, threshold in rules if value >= threshold), None)
    return {"met": met_by is not None, "met_by": met_by, "sales": sales,
            "answered": answered, "dials": dials,
            "thresholds": {name: threshold for name, _, threshold in rules}}


class KpiFold(DatedDispatching):
    """Folds call, agent, wrap-up and complaint events into per-day, per-agent facts.

    ``policy`` (what the view judges by) and ``qa_average`` (``(extension, day) -> score
    or None``, the QA hook) are not saved with the fold's state: whoever loads a saved
    fold sets them again (the API passes its policy to ``report`` explicitly)."""

    name = "kpis"
    unsaved = ("policy", "qa_average")
    state_classes = (BoardPolicy,)  # what the saved state holds (see Dispatching)

    def __init__(self, board: BoardPolicy | None = None, policy: KpiPolicy | None = None,
                 qa_average: Callable[[str, str], float | None] | None = None) -> None:
        self.board = board or BoardPolicy()
        self.policy = policy or KpiPolicy()
        self.qa_average = qa_average
        self.handlers = self.table()
        self.topics = topics_of(self.handlers)
        self.names: dict[str, str] = {}  # extension -> agent name
        self.ids: dict[str, str] = {}  # agent aggregate id -> extension
        self.counts: dict[str, dict[str, Counter[str]]] = {}  # day -> ext -> figure -> n
        self.talks_out: dict[str, dict[str, list[int]]] = {}  # day -> ext -> talk seconds
        self.pauses: dict[str, list[list[Any]]] = {}  # ext -> [[from, to, reason]]
        self._open_pauses: dict[tuple[str, str], list[Any]] = {}  # (ext, queue) -> pause
        self._joined: dict[tuple[str, str], float] = {}  # (call, queue) -> joined at
        self._answered: dict[tuple[str, str], tuple[str, str, float]] = {}  # -> ext,day,at
        self._dials: dict[str, list[Any]] = {}  # call -> [ext, day, answered at]
        self.wrapups: dict[str, tuple[str, str, str]] = {}  # call -> (day, ext, code)
        self.complaints: dict[str, tuple[str, set[str]]] = {}  # id -> (day, extensions)
        self.last_at: float | None = None
        self._day_cache: tuple[float, float, str] = (0.0, -1.0, "")

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self.policy = KpiPolicy()

    def table(self) -> Table:
        return {
            **on(Call, Queued=self._queued, Answered=self._call_answered,
                 Completed=self._completed, ClosedByResync=self._closed_by_resync,
                 LostByRestart=self._lost_by_restart, DialStarted=self._dial_started,
                 DialEnded=self._dial_ended, Ended=self._ended),
            **on(Agent, Registered=self._registered, LoggedIn=self._logged_in,
                 LoggedOut=self._logged_out, Paused=self._paused, Unpaused=self._unpaused),
            **on(Wrapup, DispositionSet=self._disposition),
            **on(Complaint, Opened=self._complaint_opened,
                 AgentLinked=self._complaint_agent_linked),
        }

    def _count(self, day: str, ext: str) -> Counter[str]:
        return self.counts.setdefault(day, {}).setdefault(ext, Counter())

    # -- days ----------------------------------------------------------------------------
    def day_of(self, at: float) -> str:
        lo, hi, key = self._day_cache
        if not lo <= at < hi:
            zone = ZoneInfo(self.board.timezone)
            key = datetime.fromtimestamp(business_day_start(at, self.board), zone).date(
            ).isoformat()
            self._day_cache = (*self.day_bounds(key), key)
        return key

    def day_bounds(self, day: str) -> tuple[float, float]:
        zone = ZoneInfo(self.board.timezone)
        start = datetime.combine(date.fromisoformat(day), self.board.day_start, zone)
        end = datetime.combine(date.fromisoformat(day) + timedelta(days=1),
                               self.board.day_start, zone)
        return start.timestamp(), end.timestamp()

    # -- folding -------------------------------------------------------------------------
    def _queued(self, e: Any) -> None:
        self._joined[(str(e.originator_id), e.queue)] = e.at

    def _call_answered(self, e: Any) -> None:
        key = (str(e.originator_id), e.queue)
        ext = extension_of(e.agent)
        day = self.day_of(self._joined.pop(key, e.at))
        self.names.setdefault(ext, e.member_name)
        self._count(day, ext)["answered_inbound"] += 1
        self._answered[key] = (ext, day, e.at)

    def _completed(self, e: Any) -> None:
        found = self._answered.pop((str(e.originator_id), e.queue), None)
        if found is not None:
            self._count(found[1], found[0])["talk_inbound_s"] += e.talk_s

    def _closed_by_resync(self, e: Any, talk_known: bool = True) -> None:
        call = str(e.originator_id)
        for key in [k for k in self._answered if k[0] == call]:
            ext, day, answered_at = self._answered.pop(key)
            if talk_known:  # as the stats report: up to the agent's LastCall, or the resync
                self._count(day, ext)["talk_inbound_s"] += span_seconds(
                    answered_at, e.last_call_end or e.at)
        self._forget(call)

    def _lost_by_restart(self, e: Any) -> None:
        self._closed_by_resync(e, talk_known=False)

    def _forget(self, call: str) -> None:
        self._dials.pop(call, None)
        for key in [k for k in self._joined if k[0] == call]:
            del self._joined[key]

    def _dial_started(self, e: Any) -> None:
        day = self.day_of(e.at)
        self._count(day, e.by)["dials"] += 1
        self._dials[str(e.originator_id)] = [e.by, day, None]

    def _dial_ended(self, e: Any) -> None:
        dial = self._dials.get(str(e.originator_id))
        if dial is not None and e.status == "ANSWER":
            dial[2] = e.at
            self._count(dial[1], dial[0])["connects"] += 1

    def _ended(self, e: Any) -> None:
        call = str(e.originator_id)
        dial = self._dials.get(call)
        if dial is not None and dial[2] is not None:
            self.talks_out.setdefault(dial[1], {}).setdefault(dial[0], []).append(
                span_seconds(dial[2], e.at))
        self._forget(call)

    def _registered(self, e: Any) -> None:
        ext = extension_of(e.interface)
        self.names[ext] = e.name
        self.ids[str(e.originator_id)] = ext

    def _logged_in(self, e: Any) -> None:
        if e.paused:
            self._pause(self._ext(e), e.queue, e.at, e.reason)

    def _logged_out(self, e: Any) -> None:
        self._unpause(self._ext(e), e.queue, e.at)

    def _paused(self, e: Any) -> None:
        self._pause(self._ext(e), e.queue, e.at, e.reason)

    def _unpaused(self, e: Any) -> None:
        self._unpause(self._ext(e), e.queue, e.at)

    def _ext(self, e: Any) -> str:
        return self.ids.get(str(e.originator_id), "")

    def _pause(self, ext: str, queue: str, at: float, reason: str) -> None:
        if ext and (ext, queue) not in self._open_pauses:
            pause = [at, None, reason or "unspecified"]
            self._open_pauses[(ext, queue)] = pause
            self.pauses.setdefault(ext, []).append(pause)

    def _unpause(self, ext: str, queue: str, at: float) -> None:
        pause = self._open_pauses.pop((ext, queue), None)
        if pause is not None:
            pause[1] = at

    def _disposition(self, e: Any) -> None:
        self.wrapups[e.call_id] = (self.day_of(e.call_started_at), e.agent, e.code)

    def _complaint_opened(self, e: Any) -> None:
        self.complaints[str(e.originator_id)] = (self.day_of(e.at), set())

    def _complaint_agent_linked(self, e: Any) -> None:
        if found := self.complaints.get(str(e.originator_id)):
            found[1].add(extension_of(e.agent))

    # -- reading -------------------------------------------------------------------------
    def paused_s(self, ext: str, since: float, until: float) -> dict[str, int]:
        """Seconds paused per reason within ``[since, until]``: measured between the
        fractional instants and rounded once (``domain.telephony.durations``)."""
        by_reason: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for start, stop, reason in self.pauses.get(ext, []):
            lo, hi = comparable_span(start, stop if stop is not None else until)
            lo, hi = max(lo, since), min(hi, until)
            if hi > lo:
                by_reason[reason].append((lo, hi))
        return {reason: round(covered(spans)) for reason, spans in sorted(by_reason.items())}

    def report(self, day: str, now: float, policy: KpiPolicy | None = None) -> dict[str, Any]:
        """Every agent with figures on ``day`` (``YYYY-MM-DD``), as they stand at ``now``."""
        policy = policy or self.policy
        since, until = self.day_bounds(day)
        codes: dict[str, Counter[str]] = defaultdict(Counter)
        for wday, ext, code in self.wrapups.values():
            if wday == day:
                codes[ext][code] += 1
        complaints: Counter[str] = Counter(ext for cday, exts in self.complaints.values()
                                           if cday == day for ext in exts)
        counts = self.counts.get(day, {})
        talks = self.talks_out.get(day, {})
        extensions = set(counts) | set(codes) | set(complaints) | {
            ext for ext in self.pauses if self.paused_s(ext, since, min(until, now))}
        rows = [self._row(ext, day, counts.get(ext, Counter()), talks.get(ext, []),
                          codes[ext], complaints[ext], since, min(until, now), policy)
                for ext in sorted(extensions, key=lambda x: (self.names.get(x, x), x))]
        return {"day": day, "from": since, "to": until, "as_of": now,
                "timezone": self.board.timezone, "policy": asdict(policy),
                "definitions": DEFINITIONS, "agents": rows}

    def _row(self, ext: str, day: str, c: Counter[str], talks: list[int], codes: Counter[str],
             complaints: int, since: float, until: float, policy: KpiPolicy
             ) -> dict[str, Any]:
        answered = c["answered_inbound"] + c["connects"]
        qa = self.qa_average(ext, day) if self.qa_average is not None else None
        return {
            "agent": self.names.get(ext, ext), "extension": ext,
            "dials": c["dials"], "connects": c["connects"],
            "contact_rate": pct(c["connects"], c["dials"]),
            "effective_conversations": sum(1 for t in talks if t >= policy.effective_s),
            "intents": codes["intent"], "sales": codes["sale"],
            "conversion": pct(codes["sale"], c["connects"]),
            "answered_inbound": c["answered_inbound"],
            "talk_inbound_s": c["talk_inbound_s"], "talk_outbound_s": sum(talks),
            "talk_total_s": c["talk_inbound_s"] + sum(talks),
            "paused_s_by_reason": self.paused_s(ext, since, until),
            "complaints": complaints, "qa_average": qa,
            "target": target_check(codes["sale"], answered, c["dials"], policy),
        }

    def view(self, now: float) -> dict[str, Any]:
        return self.report(self.day_of(now), now)
