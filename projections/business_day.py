"""The center's board policy and its business day: shared by every feature that counts
per day (the floor's boards, KPIs, attendance, reports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["BoardPolicy", "business_day_start"]


@dataclass(frozen=True)
class BoardPolicy:
    """What a center configures about its boards."""

    timezone: str = "UTC"
    day_start: time = time(0, 0)
    windows_min: tuple[int, ...] = (15, 30, 60)
    short_abandon_s: int = 5
    service_level_s: dict[str, int] = field(default_factory=dict)  # per-queue override
    long_talk_s: int = 600
    long_hold_s: int = 60


def business_day_start(now: float, policy: BoardPolicy) -> float:
    """The start of the business day ``now`` falls in, in the center's time zone."""
    zone = ZoneInfo(policy.timezone)
    local = datetime.fromtimestamp(now, zone)
    start = datetime.combine(local.date(), policy.day_start, zone)
    if start > local:
        start = datetime.combine(local.date() - timedelta(days=1), policy.day_start, zone)
    return start.timestamp()
