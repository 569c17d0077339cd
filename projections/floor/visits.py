"""The facts the queue statistics keep per queue visit, outbound call and agent, and the
rules that classify a visit: one function per rule, used by every board and report.

A *visit* is one caller entering one queue (queue_log's unit), so a caller sent back into
a queue by a blind transfer is two visits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AgentFacts", "Outbound", "Visit", "is_abandoned", "is_short_abandon"]


@dataclass
class Visit:
    queue: str
    joined_at: float
    uniqueid: str
    outcome: str | None = None
    agent: str | None = None
    member_name: str = ""
    answered_at: float | None = None
    wait_s: int | None = None
    talk_s: int | None = None
    completion: str | None = None  # agent | caller | transfer | unknown
    by_shutdown: bool = False
    inferred: bool = False  # joined or ended as a snapshot showed, not as seen
    closed_by_resync: bool = False  # its call ended while the feed was down
    completed_at: float | None = None
    hold_s: float = 0.0
    held_since: float | None = None
    acw_s: float | None = None  # end of call to the agent free again


@dataclass
class Outbound:
    agent_extension: str
    number: str
    started_at: float
    status: str | None = None
    answered_at: float | None = None
    talk_s: int = 0


@dataclass
class AgentFacts:
    name: str
    interface: str
    logins: dict[str, list[list[float]]] = field(default_factory=lambda: defaultdict(list))
    pauses: dict[str, list[list[Any]]] = field(default_factory=lambda: defaultdict(list))


def is_abandoned(visit: Visit) -> bool:
    """The caller hung up while waiting. Callers hung up by a PBX shutdown are lost by the
    restart, not abandoned (queue_log writes ABANDON for them too)."""
    return visit.outcome == "abandoned" and not visit.by_shutdown


def is_short_abandon(visit: Visit, short_s: int) -> bool:
    """Abandoned after waiting less than ``short_s`` seconds (a caller who barely waited:
    boards may leave them out of rates). A wait Asterisk did not report counts as short."""
    return is_abandoned(visit) and (visit.wait_s or 0) < short_s
