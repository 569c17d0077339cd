"""The one rule for instants given by people (HTTP queries, CLI options): a time must say
its zone. A naive time is ambiguous (09:20 in Shanghai is not 09:20 in UTC), so it is
refused with a message that says how to write it, never silently read as UTC or local."""

from __future__ import annotations

import math
from datetime import datetime

from domain.errors import InvalidTime, TimeZoneMissing

__all__ = ["epoch_seconds", "parse_instant"]

EXAMPLE = "2026-11-23T09:20:00Z"


def epoch_seconds(moment: datetime | None, what: str) -> float | None:
    """``moment`` as epoch seconds (None stays None); ``TimeZoneMissing`` when it has no
    zone, ``InvalidTime`` when it is out of the range a clock can hold."""
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TimeZoneMissing(f"give the time zone of {what!r} (e.g. {EXAMPLE})")
    try:
        return moment.timestamp()
    except (OverflowError, ValueError, OSError):
        raise InvalidTime(f"bad {what}: out of range") from None


def parse_instant(text: str, what: str) -> float:
    """Epoch seconds, or ISO 8601 with a zone (``Z`` or ``+08:00``) -> epoch seconds."""
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            raise InvalidTime(f"{what}: {text!r} is not a time (e.g. {EXAMPLE})")
        return seconds
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidTime(f"{what}: not an ISO 8601 time: {text!r} (e.g. "
                          f"{EXAMPLE})") from None
    instant = epoch_seconds(moment, what)
    assert instant is not None
    return instant
