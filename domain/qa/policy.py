"""The SamplingPolicy aggregate: what a QA sample takes, per agent and period.

Its rules are versioned like a form: a revision is version N+1 and a sample names the
version it was drawn with. The rules (all per agent and per period):

- quota: ``per_agent`` calls, or ``percent`` of the agent's eligible calls with at least
  ``minimum``; an agent with fewer eligible calls than the quota gets all of them;
- scope (every part of the draw): ``queues``, ``directions``, ``dispositions`` (empty:
  any), ``answered_only``, ``has_recording`` (the audio file is where the server finds
  recordings), ``not_yet_evaluated``;
- ``min_duration_s`` / ``max_duration_s``: bound the *random* part only;
- targeted rules, always taken on top of the quota: ``short_under_s`` (very short calls),
  ``long_over_s`` (calls over a duration) and ``complained`` (calls of customers who
  later complained: the numbers are given when the sample is drawn).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidPolicy
from domain.qa.ids import policy_id

__all__ = ["DIRECTIONS", "PERIODS", "PolicyRules", "SamplingPolicy"]

PERIODS = ("day", "week", "month")
DIRECTIONS = ("inbound", "outbound", "internal", "unknown")


def _number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and value >= 0):
        raise InvalidPolicy(f"{name} must be a number >= 0")
    return float(value)


def _names(value: Any, name: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidPolicy(f"{name} must be a list of names")
    return sorted(set(value))


@dataclass(frozen=True)
class PolicyRules:
    period: str = "week"
    per_agent: int | None = None
    percent: float | None = None
    minimum: int = 0
    queues: list[str] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)
    dispositions: list[str] = field(default_factory=list)
    answered_only: bool = True
    has_recording: bool = False
    not_yet_evaluated: bool = True
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    short_under_s: float | None = None
    long_over_s: float | None = None
    complained: bool = False

    @classmethod
    def from_dict(cls, data: Any) -> PolicyRules:
        """Validated; raises ``InvalidPolicy`` naming the first problem."""
        if not isinstance(data, dict):
            raise InvalidPolicy("policy rules must be an object")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidPolicy(f"unknown rule(s) {', '.join(sorted(unknown))}")
        raw = {**asdict(cls()), **data}
        if raw["period"] not in PERIODS:
            raise InvalidPolicy(f"period must be one of {', '.join(PERIODS)}")
        per_agent, percent, minimum = raw["per_agent"], raw["percent"], raw["minimum"]
        if (per_agent is None) == (percent is None):
            raise InvalidPolicy("give exactly one quota: per_agent (N calls) or percent")
        if per_agent is not None and (isinstance(per_agent, bool) or not isinstance(
                per_agent, int) or per_agent < 1):
            raise InvalidPolicy("per_agent must be a whole number >= 1")
        if percent is not None and not 0 < (_number(percent, "percent") or 0) <= 100:
            raise InvalidPolicy("percent must be more than 0 and at most 100")
        if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
            raise InvalidPolicy("minimum must be a whole number >= 0")
        if minimum and percent is None:
            raise InvalidPolicy("minimum goes with percent (per_agent is a fixed number)")
        for flag in ("answered_only", "has_recording", "not_yet_evaluated", "complained"):
            if not isinstance(raw[flag], bool):
                raise InvalidPolicy(f"{flag} must be true or false")
        directions = _names(raw["directions"], "directions")
        if set(directions) - set(DIRECTIONS):
            raise InvalidPolicy(f"directions must be among {', '.join(DIRECTIONS)}")
        durations = {k: _number(raw[k], k) for k in
                     ("min_duration_s", "max_duration_s", "short_under_s", "long_over_s")}
        lo, hi = durations["min_duration_s"], durations["max_duration_s"]
        if lo is not None and hi is not None and lo > hi:
            raise InvalidPolicy("min_duration_s is more than max_duration_s")
        return cls(raw["period"], per_agent, None if percent is None else float(percent),
                   minimum, _names(raw["queues"], "queues"), directions,
                   _names(raw["dispositions"], "dispositions"), raw["answered_only"],
                   raw["has_recording"], raw["not_yet_evaluated"], lo, hi,
                   durations["short_under_s"], durations["long_over_s"], raw["complained"])

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def quota(self, eligible: int) -> int:
        """How many of an agent's ``eligible`` calls the random part takes."""
        if self.per_agent is not None:
            wanted = self.per_agent
        else:
            wanted = max(self.minimum, math.ceil(eligible * (self.percent or 0) / 100))
        return min(wanted, eligible)


class SamplingPolicy(Aggregate):
    @staticmethod
    def create_id(name: str) -> UUID:
        return policy_id(name)

    @classmethod
    def define(cls, name: str, rules: dict[str, Any], at: float, by: str) -> SamplingPolicy:
        if not name or len(name) > 64 or not all(c.isalnum() or c in "_.-" for c in name):
            raise InvalidPolicy(f"bad policy name {name!r}: 1-64 letters, digits or _.-")
        return cls(name, PolicyRules.from_dict(rules).as_dict(), at, by)

    @event("Defined")
    def __init__(self, name: str, rules: dict[str, Any], at: float, by: str) -> None:
        self.name = name
        self.versions: list[dict[str, Any]] = [rules]  # version n is versions[n - 1]

    def revise(self, rules: dict[str, Any], at: float, by: str) -> int:
        """The rules as version N+1 (nothing happens if they are the current ones)."""
        checked = PolicyRules.from_dict(rules).as_dict()
        if checked != self.versions[-1]:
            self._revised(len(self.versions) + 1, checked, at, by)
        return len(self.versions)

    @event("Revised")
    def _revised(self, number: int, rules: dict[str, Any], at: float, by: str) -> None:
        self.versions.append(rules)

    @property
    def latest_version(self) -> int:
        return len(self.versions)

    def rules(self, version: int | None = None) -> PolicyRules:
        number = version or len(self.versions)
        if not 1 <= number <= len(self.versions):
            raise InvalidPolicy(f"policy {self.name!r} has no version {number}")
        return PolicyRules.from_dict(self.versions[number - 1])
