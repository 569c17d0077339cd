"""Which stored topics a fold reads: replays select only those from the log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["topics_of"]

_MODULES = {"Call": "domain.telephony.call", "Agent": "domain.telephony.agent",
            "Queue": "domain.telephony.queue", "Pbx": "domain.telephony.pbx"}


def topics_of(*tables: dict[str, Callable[[Any], None]]) -> tuple[str, ...]:
    """``{"Call.Answered": handler}`` -> ``("domain.telephony.call:Call.Answered",)``."""
    names = sorted({name for table in tables for name in table})
    return tuple(f"{_MODULES[name.split('.')[0]]}:{name}" for name in names)
