"""Reading the complaints, KPI and attendance folds from the API.

When the runtime tracks the fold (it is registered in ``api.boards.registry.FOLDS``) the request
waits until it has folded everything in the log up to now (commands from the API are not
stored by ingestion, which wakes the followers, so it wakes them here) and reads it under
its lock. Otherwise the fold is built for the request from the log (fine for modest logs;
registering it makes it incremental)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from adapters.store.application import read_events
from api.runtime import Runtime
from projections.business_day import BoardPolicy
from projections.complaints.timeline import ComplaintsFold
from projections.workforce.attendance import AttendanceFold
from projections.workforce.kpis import KpiFold

__all__ = ["FOLD_MAKERS", "complaint_numbers", "read_fold"]

T = TypeVar("T")
WAIT_S = 5.0


def _board(runtime: Runtime) -> BoardPolicy:
    from api.boards.registry import board_policy

    return board_policy(runtime.boards)


FOLD_MAKERS: dict[str, Callable[[Runtime], Any]] = {
    "complaints": lambda runtime: ComplaintsFold(),
    "kpis": lambda runtime: KpiFold(_board(runtime)),
    "attendance": lambda runtime: AttendanceFold(),
}


def read_fold(runtime: Runtime, name: str, read: Callable[[Any], T]) -> T:
    projection = runtime.projections.get(name)
    if projection is None:
        fold = FOLD_MAKERS[name](runtime)
        for event in read_events(runtime.app, fold.topics):
            fold.apply(event)
        return read(fold)
    head = runtime.head()
    deadline = time.monotonic() + WAIT_S
    while projection.position < head and time.monotonic() < deadline:
        runtime.wake_all()
        time.sleep(0.01)
    with projection.lock:
        return read(projection.fold)


def complaint_numbers(runtime: Runtime) -> Callable[[], set[str]]:
    """The monitoring board's ``open_complaint_numbers`` hook: customer numbers with a
    complaint not closed, from the tracked complaints fold (none while it is not tracked:
    the board asks for them on every view, too often to fold the log each time)."""

    def numbers() -> set[str]:
        projection = runtime.projections.get("complaints")
        if projection is None:
            return set()
        with projection.lock:
            found: set[str] = projection.fold.open_numbers()  # type: ignore[attr-defined]
            return found

    return numbers
