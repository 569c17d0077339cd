"""What the PBX's own counters say about a gap in the feed.

Each ``QueueParams`` (a ``QueueStatus`` snapshot sends one per queue after every login)
carries the queue's ``Abandoned`` counter: app_queue counts one for every
``QueueCallerAbandon`` it sends (a caller who hung up or whose queue timeout expired). So
between two readings, the counter's rise minus the ``QueueCallerAbandon`` events the feed
brought is the number of callers who left that way while the feed was down.

We use that count only when it settles the question: when it equals the number of waiting
callers the resync finds gone from the queue, each of them left by abandoning (queue_log
writes ``ABANDON``); any other count says some were answered, or left some other way, and
nobody can tell which, so they stay "left unanswered in the feed gap". The counters
restart from 0 with the PBX: a reading lower than the last, or a boot between two
readings, leaves the gap unknown, and the new boot's readings start afresh.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["GapCounters"]


class GapCounters:
    """Per queue: the latest ``Abandoned`` reading, the abandons seen since, and what the
    latest reading says of the gap before it (``None``: nothing determined)."""

    def __init__(self) -> None:
        self._reading: dict[str, int] = {}
        self._seen: Counter[str] = Counter()
        self._in_gap: dict[str, int | None] = {}
        self._booted_at: float | None = None

    def boot(self, booted_at: float) -> bool:
        """A ``FullyBooted`` saying the PBX booted at ``booted_at`` (it comes on every
        login too): a boot later than the one known (by more than 5 s, as ``Pbx.boot``
        judges) restarts the counters. Returns whether it was a new boot after another."""
        known = self._booted_at
        if known is not None and booted_at <= known + 5:
            return False
        self._booted_at = booted_at
        if known is None:
            return False
        self.restart()
        return True

    def read(self, queue: str, abandoned: int) -> None:
        """A ``QueueParams`` reading (``abandoned`` < 0: the frame had none)."""
        if abandoned < 0:
            return
        before = self._reading.get(queue)
        rise = None if before is None or abandoned < before else abandoned - before
        self._in_gap[queue] = None if rise is None else rise - self._seen[queue]
        self._reading[queue] = abandoned
        self._seen[queue] = 0

    def note_abandon(self, queue: str) -> None:
        """A ``QueueCallerAbandon`` the feed brought (for a call known or not)."""
        self._seen[queue] += 1

    def restart(self) -> None:
        """The PBX booted again: its counters start from 0."""
        self._reading.clear()
        self._seen.clear()
        self._in_gap.clear()

    def abandoned_in_gap(self, queue: str) -> int | None:
        """The callers of ``queue`` who abandoned while the feed was down, once (a second
        resync needs a reading of its own)."""
        return self._in_gap.pop(queue, None)
