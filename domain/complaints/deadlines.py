"""Complaint deadlines: the policy (configuration, passed in) and the deadline checker.

Three deadlines, each counted from the opening (the resolution one again from a reopening):

- ``escalation`` (major complaints only): escalated to the center's management;
- ``first-response``: the customer told something about their complaint (a customer
  update, or the resolution);
- ``resolution``: resolved.

A deadline is *due at* an instant: what it asks must have happened before then. The
checker, run with an injected ``now``, records a ``DeadlineBreached`` event (dated at the
due instant, with the instant it was detected) for every deadline whose instant has come
without it being met, or that was met late, once per deadline and round. The defaults
are Callboard's own (ARCHITECTURE.md section 5.10): normal 24 h to a first response and
5 days to resolve; major 30 min to escalate, 2 h to a first response and 48 h to resolve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.complaints.complaint import Complaint

__all__ = ["DEADLINE_KINDS", "Breach", "DeadlinePolicy", "check_deadlines"]

DEADLINE_KINDS = ("escalation", "first-response", "resolution")
HOUR = 3600


@dataclass(frozen=True)
class DeadlinePolicy:
    """Seconds from opening (or reopening, for the resolution) per severity."""

    first_response_s: Mapping[str, int] = field(
        default_factory=lambda: {"normal": 24 * HOUR, "major": 2 * HOUR})
    resolution_s: Mapping[str, int] = field(
        default_factory=lambda: {"normal": 5 * 24 * HOUR, "major": 48 * HOUR})
    escalation_s: int = 30 * 60  # major complaints only

    def opening(self, severity: str, at: float) -> dict[str, float]:
        """The deadlines of a complaint of ``severity`` opened at ``at``."""
        due = {"first-response": at + self.first_response_s[severity],
               "resolution": at + self.resolution_s[severity]}
        if severity == "major":
            due["escalation"] = at + self.escalation_s
        return due

    def reopening(self, severity: str, at: float) -> dict[str, float]:
        return {"resolution": at + self.resolution_s[severity]}


@dataclass(frozen=True)
class Breach:
    reference: str
    kind: str
    due_at: float
    detected_at: float


def check_deadlines(complaints: Iterable[Complaint], now: float) -> list[Breach]:
    """Record on each complaint the breaches that have come by ``now`` (the caller saves
    the complaints); returns what was recorded. Running it again records nothing new."""
    found: list[Breach] = []
    for complaint in complaints:
        for kind, due_at in complaint.record_breaches(now):
            found.append(Breach(complaint.reference, kind, due_at, now))
    return found
