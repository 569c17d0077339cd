"""The time of each translated frame, and the latest event time seen (the feed's clock).

The PBX dates events with a ``Timestamp`` header; live frames also have their receive
time; a capture has neither for ``FullyBooted`` or snapshot items. :class:`EventClock`
gives every message a time by those rules, in order, and never lets the clock go back.
"""

from __future__ import annotations

import math

from adapters.ami.frames import Message

__all__ = ["EventClock", "event_timestamp"]


def event_timestamp(m: Message) -> float | None:
    """The PBX's event time (a Ping response's ``Timestamp`` is not an event time)."""
    value = m.headers.get("Timestamp") if m.event is not None else None
    if value:
        try:
            stamp = float(value)
        except ValueError:
            return None
        return stamp if math.isfinite(stamp) else None  # inf / nan: no time at all
    return None


class EventClock:
    """Dates the messages of each batch; ``latest`` is the latest event time seen."""

    def __init__(self) -> None:
        self.latest: float | None = None

    def times(self, received: list[float | None],
              messages: list[tuple[int, Message]]) -> list[float]:
        """Each message's event time: the ``Timestamp`` header; else the receive time;
        else (a capture has no receive clock) the next ``Timestamp`` in the batch, else
        the latest seen. ``FullyBooted`` and snapshot items carry no ``Timestamp``: dating
        them by the next event rather than the previous one keeps a quiet stretch from
        ageing them. Every frame's time counts towards the latest seen. ``messages`` are
        (index in the batch, parsed frame); ``received`` has one entry per frame."""
        if self.latest is not None and received.count(None) == len(received):
            # Frames not parsed have no Timestamp and here no receive time either: dated
            # by a later Timestamp or by the latest seen, they cannot move it. Skip them.
            return self._date([event_timestamp(m) for _, m in messages],
                              [None] * len(messages))
        stamps: list[float | None] = [None] * len(received)
        for i, message in messages:
            stamps[i] = event_timestamp(message)
        times = self._date(stamps, received)
        return [times[i] for i, _ in messages]

    def _date(self, stamps: list[float | None], received: list[float | None]) -> list[float]:
        following: float | None = None
        ahead: list[float | None] = [None] * len(stamps)
        for i in range(len(stamps) - 1, -1, -1):
            ahead[i] = following
            following = stamps[i] if stamps[i] is not None else following
        clock = self.latest
        times: list[float] = []
        for stamp, at_receipt, later in zip(stamps, received, ahead, strict=True):
            at = stamp if stamp is not None else at_receipt
            if at is None:
                at = later if later is not None else (clock or 0.0)
            if clock is None or at > clock:
                clock = at
            times.append(at)
        self.latest = clock
        return times
