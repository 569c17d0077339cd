"""Reading the notification log page by page: the one loop every reader uses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

__all__ = ["notifications", "pages"]


def pages(recorder: Any, topics: Iterable[str] = (), *, start: int = 1,
          stop: int | None = None, size: int = 2000) -> Iterator[Sequence[Any]]:
    """Non-empty pages of notifications (only ``topics`` if given) from position
    ``start`` up to ``stop`` inclusive."""
    wanted = tuple(topics)
    while True:
        page = recorder.select_notifications(start, size, stop=stop, topics=wanted)
        if page:
            yield page
        if len(page) < size:
            return
        start = page[-1].id + 1


def notifications(recorder: Any, topics: Iterable[str] = (), *, start: int = 1,
                  stop: int | None = None, size: int = 2000) -> Iterator[Any]:
    """The notifications of ``pages``, one by one."""
    for page in pages(recorder, topics, start=start, stop=stop, size=size):
        yield from page
