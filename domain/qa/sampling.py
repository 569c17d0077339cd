"""The draw of a QA sample: a pure, deterministic function of (rules, seed, population,
complained numbers), so anyone holding a sample's event can draw it again and get the same
call ids.

The draw, step by step:

1. the population (one candidate per recorded call of the period) is sorted by call id;
2. the *scope* keeps the calls that ended, have an agent, and pass the scope filters
   (queues, directions, dispositions, answered only, has recording, not yet evaluated);
3. per agent (agents in sorted order), the *targeted* calls are all taken, with their
   reason: ``complained`` (the number is in the complained set), ``short`` (shorter than
   ``short_under_s``) or ``long`` (longer than ``long_over_s``), first match in that order;
4. then ``random.Random(seed)`` — one generator for the whole draw — takes
   ``rules.quota(n)`` of the agent's other ``n`` calls within the duration bounds with
   ``rng.sample`` (reason ``random``).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import InvalidPolicy
from domain.qa.policy import PolicyRules

__all__ = ["Candidate", "Choice", "draw", "period_bounds", "population_digest"]


@dataclass(frozen=True)
class Candidate:
    """What the draw knows of a recorded call (as recorded in the sample's event)."""

    call_id: str
    agent: str
    queue: str | None
    direction: str
    started_at: float
    duration_s: float | None
    number: str = ""
    disposition: str | None = None
    answered: bool = True
    has_recording: bool = True
    evaluated: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Candidate:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Choice:
    call_id: str
    agent: str
    reason: str  # random | complained | short | long

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _in_scope(rules: PolicyRules, c: Candidate) -> bool:
    return (c.duration_s is not None and bool(c.agent)
            and (not rules.queues or c.queue in rules.queues)
            and (not rules.directions or c.direction in rules.directions)
            and (not rules.dispositions or c.disposition in rules.dispositions)
            and (c.answered or not rules.answered_only)
            and (c.has_recording or not rules.has_recording)
            and (not c.evaluated or not rules.not_yet_evaluated))


def _target(rules: PolicyRules, c: Candidate, complained: frozenset[str]) -> str | None:
    duration = c.duration_s or 0.0
    if rules.complained and c.number and c.number in complained:
        return "complained"
    if rules.short_under_s is not None and duration < rules.short_under_s:
        return "short"
    if rules.long_over_s is not None and duration > rules.long_over_s:
        return "long"
    return None


def _within(rules: PolicyRules, c: Candidate) -> bool:
    duration = c.duration_s or 0.0
    return ((rules.min_duration_s is None or duration >= rules.min_duration_s)
            and (rules.max_duration_s is None or duration <= rules.max_duration_s))


def draw(rules: PolicyRules, seed: int, population: Iterable[Candidate],
         complained: Iterable[str] = ()) -> list[Choice]:
    """The chosen calls, grouped by agent (sorted), targeted ones first."""
    numbers = frozenset(complained)
    by_agent: dict[str, list[Candidate]] = {}
    for c in sorted(population, key=lambda c: c.call_id):
        if _in_scope(rules, c):
            by_agent.setdefault(c.agent, []).append(c)
    rng = random.Random(seed)
    chosen: list[Choice] = []
    for agent in sorted(by_agent):
        rest: list[Candidate] = []
        for c in by_agent[agent]:
            reason = _target(rules, c, numbers)
            if reason is not None:
                chosen.append(Choice(c.call_id, agent, reason))
            elif _within(rules, c):
                rest.append(c)
        picked = rng.sample(rest, rules.quota(len(rest)))
        chosen += [Choice(c.call_id, agent, "random") for c in picked]
    return chosen


def population_digest(population: Iterable[Candidate], complained: Iterable[str] = ()
                      ) -> str:
    """SHA-256 of the population and complained numbers in a canonical form."""
    rows = sorted((c.as_dict() for c in population), key=lambda r: r["call_id"])
    text = json.dumps({"population": rows, "complained": sorted(set(complained))},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidPolicy(f"bad period {text!r}: use YYYY-MM-DD, YYYY-Www or YYYY-MM"
                            ) from None


def period_bounds(kind: str, text: str, timezone: str) -> tuple[float, float, str]:
    """``(start, end, label)`` of the ``kind`` period (day, week from Monday, month)
    named by ``text`` — a date inside it, or ``YYYY-Www`` / ``YYYY-MM`` — in local
    time of ``timezone``."""
    if kind == "week" and (m := _WEEK.match(text)):
        try:
            first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise InvalidPolicy(f"bad week {text!r}") from None
    elif kind == "month" and (m := _MONTH.match(text)):
        if not 1 <= int(m[2]) <= 12:
            raise InvalidPolicy(f"bad month {text!r}")
        first = date(int(m[1]), int(m[2]), 1)
    elif kind in ("day", "week", "month"):
        first = _day(text)
        first = {"day": first, "week": first - timedelta(days=first.weekday()),
                 "month": first.replace(day=1)}[kind]
    else:
        raise InvalidPolicy(f"unknown period kind {kind!r}")
    if kind == "day":
        after, label = first + timedelta(days=1), first.isoformat()
    elif kind == "week":
        year, week, _ = first.isocalendar()
        after, label = first + timedelta(days=7), f"{year}-W{week:02d}"
    else:
        after = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        label = f"{first.year}-{first.month:02d}"
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, datetime.min.time(), zone).timestamp()
    return start, datetime.combine(after, datetime.min.time(), zone).timestamp(), label
