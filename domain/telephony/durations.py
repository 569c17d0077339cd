"""How long something lasted, in the whole seconds a board shows: one rule for every
duration Callboard measures itself (logins, pauses, a talk or wait nobody reported).

queue_log stamps each line with the whole second it writes it in; the AMI event of the
same fact is stamped a few milliseconds later, with microseconds. So we measure between
the fractional times and round once, at the end: subtracting floored instants can add a
second the span never had (229.816 to 263.005 is 33.19 s, queue_log says 33, and
263 - 229 said 34). Some instants come from the PBX in whole seconds only (a snapshot's
``LoginTime``, ``LastPause``, ``LastCall``: floors of the true instant); a span with such
an end is measured as queue_log measures it, whole second to whole second, because
rounding would set a floored instant against an exact one.
"""

from __future__ import annotations

import math

__all__ = ["comparable_span", "is_whole_second", "span_seconds"]


def is_whole_second(at: float) -> bool:
    """An instant the PBX gave in whole seconds (an AMI ``Timestamp`` has microseconds:
    one on the whole second exactly is one in a million)."""
    return math.isfinite(at) and at == math.floor(at)


def comparable_span(start: float, end: float) -> tuple[float, float]:
    """``(start, end)`` with both ends at the same precision: when one end is a whole
    second, the other is taken to its whole second too (queue_log's rule)."""
    if is_whole_second(start) and math.isfinite(end):
        return start, float(math.floor(end))
    if is_whole_second(end) and math.isfinite(start):
        return float(math.floor(start)), end
    return start, end


def span_seconds(start: float, end: float) -> int:
    """The whole seconds from ``start`` to ``end``, rounded once."""
    lo, hi = comparable_span(start, end)
    return round(hi - lo)
