"""Time intervals: the one union rule every figure built on spans of time uses.

Logged-in time, paused time per reason, staffed time and attendance shifts are all unions
of ``(start, end)`` spans: two logins to two queues over the same minutes are one minute
logged in, not two. Spans that touch merge (``(1, 2)`` and ``(2, 3)`` are ``(1, 3)``), so a
pause ended and resumed in the same instant counts as one pause."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

__all__ = ["covered", "union"]

T = TypeVar("T", int, float)


def union(spans: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """The spans merged where they overlap or touch, in order of start."""
    merged: list[tuple[T, T]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def covered(spans: Iterable[tuple[T, T]], since: T | None = None,
            until: T | None = None) -> T | int:
    """How long the union of ``spans`` lasts, counting only what falls within
    ``[since, until]`` when they are given (an open side is unbounded)."""
    clipped = ((start if since is None else max(start, since),
                end if until is None else min(end, until)) for start, end in spans)
    return sum((end - start for start, end in union(s for s in clipped if s[1] > s[0])), 0)
