"""Attendance: each agent's first login per shift, lateness tiers, half-day absences and
forgiven lates per month (ARCHITECTURE.md section 5.8; the policy is configuration).

An agent is *present* while logged in to at least one queue. For every day on which an
agent was present at all (Callboard has no roster: a day without any login is not
judged), each shift of the policy is judged:

- ``on-time``: present at the shift's start, or logged in less than a minute after it;
- ``late`` (tier 1 or 2): the first login in the shift came ``late_min`` whole minutes
  after its start (1-30: tier 1, 31-60: tier 2, by default);
- ``half-day-absent``: the first login came more than 60 minutes late;
- ``absent``: the shift ended without a login (also half a day absent);
- ``forgiven``: a late under 5 minutes, among the first 3 such in the calendar month;
- ``pending`` / ``upcoming``: the shift has started without a login yet / has not started.

``absence_days`` counts half a day for each half-day-absent or absent shift. Days and
months are in the policy's time zone.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.intervals import union
from domain.telephony.agent import Agent, extension_of
from projections.topics import DatedDispatching, Table, on, topics_of

__all__ = ["AttendanceFold", "AttendancePolicy", "judge_shift"]


@dataclass(frozen=True)
class AttendancePolicy:
    timezone: str = "UTC"
    shifts: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)),
                                             (time(13, 30), time(17, 30)))
    tier1_max_min: int = 30
    tier2_max_min: int = 60  # later than this: half a day absent
    forgive_under_min: int = 5
    forgiven_per_month: int = 3


def judge_shift(start: float, end: float, presence: list[tuple[float, float]], now: float,
                policy: AttendancePolicy) -> dict[str, Any]:
    """One shift ``[start, end)`` against the agent's presence intervals (merged,
    sorted; an open one ends at ``now``)."""
    out: dict[str, Any] = {"start": start, "end": end, "first_login": None, "late_min": 0,
                           "tier": None, "status": "on-time"}
    if now < start:
        out["status"] = "upcoming"
        return out
    covering = [lo for lo, hi in presence if lo <= start < hi]
    if covering:
        out["first_login"] = covering[0]
        return out
    first = next((lo for lo, _ in presence if start < lo < end and lo <= now), None)
    if first is None:
        out["status"] = "absent" if now >= end else "pending"
        return out
    late_min = math.floor((first - start) / 60)
    out.update(first_login=first, late_min=late_min)
    if late_min == 0:
        return out
    if late_min > policy.tier2_max_min:
        out["status"] = "half-day-absent"
    else:
        out.update(status="late", tier=1 if late_min <= policy.tier1_max_min else 2)
    return out


class AttendanceFold(DatedDispatching):
    """Folds agent logins and logouts; ``report`` judges the shifts under a policy."""

    name = "attendance"
    unsaved = ("policy",)

    def __init__(self, policy: AttendancePolicy | None = None) -> None:
        self.policy = policy or AttendancePolicy()
        self.handlers = self.table()
        self.topics = topics_of(self.handlers)
        self.names: dict[str, str] = {}  # extension -> name
        self.ids: dict[str, str] = {}  # agent aggregate id -> extension
        self.logins: dict[str, list[list[float]]] = {}  # ext -> [[from, to (inf: open)]]
        self._open: dict[tuple[str, str], list[float]] = {}  # (ext, queue) -> login
        self.last_at: float | None = None

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self.policy = AttendancePolicy()

    def table(self) -> Table:
        return on(Agent, Registered=self._registered, LoggedIn=self._logged_in,
                  LoggedOut=self._logged_out)

    def _registered(self, e: Any) -> None:
        known = extension_of(e.interface)
        self.names[known], self.ids[str(e.originator_id)] = e.name, known

    def _logged_in(self, e: Any) -> None:
        ext = self.ids.get(str(e.originator_id), "")
        if ext and (ext, e.queue) not in self._open:
            self.names[ext] = e.name or self.names.get(ext, ext)
            self._open[(ext, e.queue)] = login = [e.at, math.inf]
            self.logins.setdefault(ext, []).append(login)

    def _logged_out(self, e: Any) -> None:
        ext = self.ids.get(str(e.originator_id), "")
        if ext and (ext, e.queue) in self._open:
            self._open.pop((ext, e.queue))[1] = e.at

    # -- reading -------------------------------------------------------------------------
    def presence(self, ext: str, now: float) -> list[tuple[float, float]]:
        return union([(lo, min(hi, now)) for lo, hi in self.logins.get(ext, []) if lo <= now])

    def _days(self, presence: list[tuple[float, float]], zone: ZoneInfo) -> list[date]:
        days: set[date] = set()
        for lo, hi in presence:
            day = datetime.fromtimestamp(lo, zone).date()
            last = datetime.fromtimestamp(max(lo, hi - 1e-6), zone).date()
            while day <= last:
                days.add(day)
                day += timedelta(days=1)
        return sorted(days)

    def agent_days(self, ext: str, now: float, policy: AttendancePolicy
                   ) -> list[dict[str, Any]]:
        """Every judged day of the agent up to ``now``, forgiveness applied per month."""
        zone = ZoneInfo(policy.timezone)
        presence = self.presence(ext, now)
        forgiven: dict[str, int] = defaultdict(int)
        days = []
        for day in self._days(presence, zone):
            shifts = []
            for begin, finish in policy.shifts:
                start = datetime.combine(day, begin, zone).timestamp()
                end = datetime.combine(day, finish, zone).timestamp()
                shift = judge_shift(start, end, presence, now, policy)
                shift["shift"] = f"{begin:%H:%M}-{finish:%H:%M}"
                month = day.strftime("%Y-%m")
                if (shift["status"] == "late" and shift["late_min"] < policy.forgive_under_min
                        and forgiven[month] < policy.forgiven_per_month):
                    forgiven[month] += 1
                    shift.update(status="forgiven", tier=None)
                shifts.append(shift)
            days.append({"date": day.isoformat(), "shifts": shifts})
        return days

    @staticmethod
    def month_totals(days: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        months: dict[str, dict[str, Any]] = {}
        for day in days:
            month = months.setdefault(day["date"][:7], {
                "days": 0, "late_tier1": 0, "late_tier2": 0, "late_minutes": 0,
                "forgiven": 0, "half_days_absent": 0, "absent_shifts": 0,
                "absence_days": 0.0})
            month["days"] += 1
            for shift in day["shifts"]:
                status = shift["status"]
                if status == "late":
                    month[f"late_tier{shift['tier']}"] += 1
                    month["late_minutes"] += shift["late_min"]
                elif status == "forgiven":
                    month["forgiven"] += 1
                elif status in ("half-day-absent", "absent"):
                    month["half_days_absent" if status != "absent" else "absent_shifts"] += 1
                    month["absence_days"] += 0.5
        return months

    def report(self, now: float, since: str | None = None, until: str | None = None,
               policy: AttendancePolicy | None = None) -> dict[str, Any]:
        """Days from ``since`` to ``until`` (``YYYY-MM-DD``, inclusive; default: the month
        of ``now``) as they stand at ``now``; month totals over the months shown."""
        policy = policy or self.policy
        today = datetime.fromtimestamp(now, ZoneInfo(policy.timezone)).date()
        first = since or today.replace(day=1).isoformat()
        last = until or today.isoformat()
        rows = []
        for ext in sorted(self.logins, key=lambda x: (self.names.get(x, x), x)):
            days = [d for d in self.agent_days(ext, now, policy)
                    if first <= d["date"] <= last]
            if days:
                rows.append({"agent": self.names.get(ext, ext), "extension": ext,
                             "days": days, "months": self.month_totals(days)})
        return {"as_of": now, "from": first, "to": last, "timezone": policy.timezone,
                "policy": {**asdict(policy), "shifts": [
                    f"{a:%H:%M}-{b:%H:%M}" for a, b in policy.shifts]},
                "agents": rows}

    def view(self, now: float) -> dict[str, Any]:
        return self.report(now)
