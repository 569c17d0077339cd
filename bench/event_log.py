"""A large domain-event log built fast from the recorded scenarios, for projection benchmarks.

Re-ingesting millions of AMI frames to get half a million domain events would take
minutes, so the scenarios (basic-day, supervision, outbound-telesales and the three
restart segments, in recording order, as ``bench.workload``) are ingested once into an
in-memory store; their domain events (feed events left out) are one *copy*. Copies
``k = 0..K`` are then written straight into the target store with
``app.recorder.insert_events`` in batches of ``BATCH`` events:

* every event time moves by ``k * period`` (``period`` = span of one copy's event times
  plus ``GAP_S``, whole seconds): ``at``, ``timestamp`` and the other epoch fields
  (``last_call_end``, ``booted_at``); so do the epoch parts of Asterisk ids held in
  events (``linkedid``, ``uniqueid``, ``spyer_linkedid``), so copies never share one;
* calls get new aggregate ids in copies ``k > 0``: ``uuid5(NAMESPACE, f"{k}:{old id}")``;
* agents, queues and the PBX keep theirs (the same people and queues every copy): their
  creation event (version 1) is left out of copies ``k > 0`` and their other versions move
  up by ``k * (max version - 1)``, so the versions of each aggregate stay unique,
  increasing *and contiguous* (an aggregate read back through the repository must not
  find a version missing).

The result is a log that folds like ``K + 1`` back-to-back recordings of the scenarios:
every per-copy figure of a projection (offered, answered, ...) is the same in each copy.

    python -m bench.event_log STORE_URL [--events N]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.persistence import StoredEvent

from adapters.ami.capture import capture_items
from adapters.ingest.ingestor import Ingestor
from adapters.store.application import CallCenter, open_app, read_events
from bench.workload import fixtures_dir
from domain.ids import NAMESPACE
from domain.telephony.call import Call
from domain.telephony.feed import Feed, FeedChunk

__all__ = [
    "BATCH",
    "DEFAULT_EVENTS",
    "GAP_S",
    "SCENARIOS",
    "BaseLog",
    "LogReport",
    "base_log",
    "copies_needed",
    "copy_events",
    "copy_window",
    "write_log",
]

DEFAULT_EVENTS = 500_000
BATCH = 5_000
GAP_S = 60
# Each scenario is one ingestion (its files are consecutive connections), in recording order.
SCENARIOS: tuple[tuple[str, ...], ...] = (
    ("basic-day/basic-day.ami",),
    ("supervision/supervision.ami",),
    ("outbound-telesales/outbound-telesales.ami",),
    ("restart/restart.seg1.ami", "restart/restart.seg2.ami", "restart/restart.seg3.ami"),
)
FEED_EVENTS = (Feed.Event, FeedChunk.Event)  # left out: the copies are domain events only
PER_COPY_EVENTS = Call.Event  # aggregates that are new in every copy
TIME_FIELDS = ("at", "last_call_end", "booted_at")
ASTERISK_ID_FIELDS = ("linkedid", "uniqueid", "spyer_linkedid")
_EPOCH_ID = re.compile(r"^(\d{9,})(\..*)?$")  # "1795425541.20": epoch, then a sequence


@dataclass(frozen=True)
class BaseLog:
    """One copy: the scenarios' domain events in log order, and how to repeat them."""

    events: tuple[Any, ...]
    period: int  # seconds between the starts of consecutive copies
    max_version: dict[UUID, int]  # per shared aggregate (agent, queue, PBX)
    per_copy_ids: frozenset[UUID]  # calls: a new id in every copy
    ingest_s: float = 0.0

    @property
    def first_copy(self) -> int:
        return len(self.events)

    @property
    def later_copy(self) -> int:
        """Events in each copy after the first (without the shared aggregates' creation)."""
        return sum(1 for e in self.events if not self._skipped(e))

    def _skipped(self, event: Any) -> bool:
        return event.originator_id in self.max_version and event.originator_version == 1


@dataclass
class LogReport:
    copies: int = 0
    events: int = 0
    seconds: float = 0.0
    first_at: float | None = None
    last_at: float | None = None

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def base_log(root: Path | None = None) -> BaseLog:
    """Ingest the recorded scenarios into an in-memory store; read back one copy."""
    base = root or fixtures_dir()
    started = time.perf_counter()
    app = open_app("sqlite:///:memory:")
    try:
        for files in SCENARIOS:
            Ingestor(app).ingest(capture_items([base / name for name in files]))
        events = tuple(e for e in read_events(app)
                       if not isinstance(e, FEED_EVENTS))
    finally:
        app.close()
    ingest_s = time.perf_counter() - started
    times = [t for e in events for t in _times(e)]
    if not times:
        raise ValueError("the scenarios hold no timed domain events")
    period = math.ceil(max(times) - min(times)) + GAP_S
    per_copy: set[UUID] = set()
    max_version: dict[UUID, int] = {}
    for event in events:
        if isinstance(event, PER_COPY_EVENTS):
            per_copy.add(event.originator_id)
        else:
            max_version[event.originator_id] = max(max_version.get(event.originator_id, 0),
                                                   event.originator_version)
    firsts = {e.originator_id for e in events
              if e.originator_id in max_version and e.originator_version == 1}
    if firsts != set(max_version):
        raise ValueError("a shared aggregate's creation event is missing from the scenarios")
    return BaseLog(events, period, max_version, frozenset(per_copy), ingest_s)


def _times(event: Any) -> Iterator[float]:
    for name in TIME_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, int | float):
            yield float(value)


def _shift_asterisk_id(value: str, offset: int) -> str:
    match = _EPOCH_ID.match(value)
    if match is None:
        return value
    return f"{int(match.group(1)) + offset}{match.group(2) or ''}"


def copy_events(log: BaseLog, k: int) -> Iterator[Any]:
    """Copy ``k`` of the base log's events (copy 0 is the base log itself)."""
    if k == 0:
        yield from log.events
        return
    offset = k * log.period
    delta = timedelta(seconds=offset)
    ids: dict[UUID, UUID] = {}
    for event in log.events:
        changes: dict[str, Any] = {"timestamp": event.timestamp + delta}
        aggregate = event.originator_id
        if aggregate in log.max_version:
            if event.originator_version == 1:
                continue
            changes["originator_version"] = (event.originator_version
                                             + k * (log.max_version[aggregate] - 1))
        elif aggregate in log.per_copy_ids:
            new = ids.get(aggregate)
            if new is None:
                new = ids[aggregate] = uuid5(NAMESPACE, f"{k}:{aggregate}")
            changes["originator_id"] = new
        for name in TIME_FIELDS:
            value = getattr(event, name, None)
            if isinstance(value, int | float):
                changes[name] = value + offset
        for name in ASTERISK_ID_FIELDS:
            value = getattr(event, name, None)
            if isinstance(value, str) and value:
                changes[name] = _shift_asterisk_id(value, offset)
        yield dataclasses.replace(event, **changes)


def copies_needed(log: BaseLog, min_events: int) -> int:
    """How many copies (K + 1) make at least ``min_events`` events."""
    if min_events <= log.first_copy:
        return 1
    return 1 + math.ceil((min_events - log.first_copy) / log.later_copy)


def _batches(events: Iterable[Any], to_stored: Callable[[Any], StoredEvent],
             size: int) -> Iterator[list[StoredEvent]]:
    batch: list[StoredEvent] = []
    for event in events:
        batch.append(to_stored(event))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_log(app: CallCenter, log: BaseLog, copies: int, *, batch: int = BATCH,
              progress: Callable[[int], None] | None = None) -> LogReport:
    """Append ``copies`` copies of ``log`` to ``app``'s store, ``batch`` events a
    transaction. The store should be empty (or hold other copies' aggregates only)."""
    report = LogReport(copies=copies)
    started = time.perf_counter()

    def all_copies() -> Iterator[Any]:
        for k in range(copies):
            yield from copy_events(log, k)

    for stored in _batches(all_copies(), app.mapper.to_stored_event, batch):
        app.recorder.insert_events(stored)
        report.events += len(stored)
        if progress is not None:
            progress(report.events)
    report.seconds = time.perf_counter() - started
    times = [t for e in log.events for t in _times(e)]
    report.first_at = min(times)
    report.last_at = max(times) + (copies - 1) * log.period
    return report


def copy_window(log: BaseLog, k: int) -> tuple[float, float]:
    """The event times of copy ``k``: [start, end), copies never overlap."""
    start = min(t for e in log.events for t in _times(e)) + k * log.period
    return start, start + log.period


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.event_log", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", help="sqlite:///FILE or postgresql://...?schema=NAME "
                        "(an empty store)")
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS,
                        help="minimum domain events to write (default %(default)s)")
    args = parser.parse_args(argv)
    log = base_log()
    copies = copies_needed(log, args.events)
    app = open_app(args.store)
    try:
        report = write_log(app, log, copies)
    finally:
        app.close()
    print(f"{report.events} events ({copies} copies of {log.first_copy}, period "
          f"{log.period} s) written in {report.seconds:.1f} s "
          f"({report.events_per_s:,.0f} events/s); scenarios ingested in {log.ingest_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
