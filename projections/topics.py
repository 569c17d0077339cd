"""Which stored topics a fold reads: replays select only those from the log.

A fold's handler table is keyed by event class (``{Call.Started: self._started}``) and
dispatches on ``type(event)``; its topics are eventsourcing's ``get_topic`` of those
classes, so no module path is written down twice."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from eventsourcing.utils import get_topic

__all__ = ["topics_of"]

_MODULES = {"Call": "domain.telephony.call", "Agent": "domain.telephony.agent",
            "Queue": "domain.telephony.queue", "Pbx": "domain.telephony.pbx"}


def topics_of(*tables: Iterable[type] | dict[str, Callable[[Any], None]]) -> tuple[str, ...]:
    """Event classes (or handler tables keyed by them) -> their stored topics, sorted.

    (String keys such as ``"Call.Answered"`` are the older style, still read while the
    folds move to class keys.)"""
    topics = set()
    for table in tables:
        for key in table:
            if isinstance(key, str):
                topics.add(f"{_MODULES[key.split('.')[0]]}:{key}")
            else:
                topics.add(get_topic(key))
    return tuple(sorted(topics))
