"""Projection speed: full rebuild rate on SQLite and PostgreSQL, and the wallboard's
latency under a steady live feed, with the baselines to judge them measured in the same run.

    python -m bench.projections [--events N] [--stores sqlite,postgres] [--postgres-url URL]
                                [--latency-seconds S] [--rate F] [--poll-ms MS]
                                [--latency-modes poll,wake] [--preload N] [--what-if]
                                [--profile]

Rebuild. For each store, a log of at least ``--events`` domain events is written straight
into a fresh store (``bench.event_log``: copies of the recorded scenarios, shifted in time,
calls renamed; on PostgreSQL a fresh schema, dropped afterwards). Then:

* raw read: every stored event read back in pages of 1,000 (``select_notifications``) and
  turned into a domain event (``mapper.to_domain_event``), nothing folded: the baseline;
* for each projection in ``api.runtime.NAMES``: ``TrackedProjection.rebuild()`` (drop the
  view, read the log from position 0 in pages of the fold's topics, fold, checkpoint every
  ``checkpoint_s`` seconds and at the end), timed end to end (wall, CPU, GC).

events/s = stored events in the log / seconds (rebuild passes over every position;
``folded`` says how many are of the fold's topics). Target: SQLite >= 50,000 events/s.

Latency. A fresh SQLite store, an ``Ingestor.run(queue, stop)`` thread and a wallboard
``TrackedProjection.follow()`` thread. The main thread puts ``ReceivedFrame``s of
``bench.workload`` (time-shifted copies of the recorded captures) on the queue at a steady
``--rate`` for ``--latency-seconds``. For each ``QueueCallerJoin`` it notes when the frame
was put on the queue (``perf_counter``); the wallboard fold notes when it has applied that
call's ``Call.Queued`` (call id = ``domain.ids.call_id(Linkedid)``); latency = applied -
put, split at the end of the ingest batch that stored the frame (put -> stored -> folded).
Runs: ``poll`` the follower polls the log every ``--poll-ms`` (``Ingestor`` has no hook to
wake it after a save); ``wake`` ingestion wakes it after every stored batch (the bench's
``Ingestor`` subclass sets the event after ``flush``; an ``on_saved`` parameter is used
instead if ``Ingestor`` takes one); ``poll`` again on a store preloaded with ``--preload``
events (folded before the feed starts: the board late in a long day).
Target: p99 < 50 ms.

``--what-if`` adds what the proposed runner fixes would give (checkpoints not after every
catch-up nor every 2 s during a rebuild; the GC paused while rebuilding). Prints tables,
PASS/FAIL against the targets, what each figure means, and one JSON line. Exits 0 even
when a target is missed: it is a benchmark.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import inspect
import io
import json
import logging
import math
import os
import pstats
import queue
import re
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg import sql

from adapters.ami.feed_items import ConnectionClosed, ConnectionOpened, FeedItem, ReceivedFrame
from adapters.ami.frames import parse_buffer
from adapters.ingest.ingestor import Ingestor
from adapters.projection_runner.runner import Fold, TrackedProjection
from adapters.projection_runner.store import open_view_recorder
from adapters.store.application import CallCenter, open_app
from api.runtime import NAMES, VERSION, board_policy, fold_factory
from api.settings import BoardSettings
from bench.event_log import DEFAULT_EVENTS, BaseLog, base_log, copies_needed, write_log
from bench.workload import build_workload
from domain.events import event_class
from domain.ids import call_id
from domain.telephony.call import Call
from projections.business_day import BoardPolicy
from projections.floor.wallboard import WallboardProjection

__all__ = ["LatencyResult", "RebuildResult", "StoreRebuild", "main", "run_latency",
           "run_rebuilds"]

SQLITE_MIN_EPS = 50_000.0
P99_TARGET_MS = 50.0
DEFAULT_RATE = 2_000.0
DEFAULT_LATENCY_S = 20.0
DEFAULT_POLL_MS = 5.0
DEFAULT_PRELOAD = 100_000
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
READ_PAGE = 1_000
QUEUED = event_class(Call, "Queued")

_JOIN = b"Event: QueueCallerJoin\r\n"
_LINKEDID = re.compile(rb"\r\nLinkedid: ([^\r\n]*)\r\n")


# -- rebuild ---------------------------------------------------------------------------
@dataclass
class RebuildResult:
    store: str
    projection: str
    log_events: int = 0
    folded: int = 0
    seconds: float = 0.0
    events_per_s: float = 0.0
    cpu_s: float = 0.0  # this process's CPU time (PostgreSQL's own work not included)
    gc_s: float = 0.0  # of which in Python's cyclic garbage collector
    variant: str = "as is"  # or the what-if: what the proposed runner fixes would give
    target_ratio: float | None = None  # events/s / target (SQLite only)
    read_ratio: float = 0.0  # events/s / raw read events/s of the same store
    checkpoints: int = 0
    checkpoint_s: float = 0.0
    state_bytes: int = 0
    passed: bool | None = None


@dataclass
class StoreRebuild:
    store: str
    log_events: int = 0
    copies: int = 0
    write_s: float = 0.0
    write_eps: float = 0.0
    read_s: float = 0.0
    read_cpu_s: float = 0.0
    read_eps: float = 0.0
    results: list[RebuildResult] = field(default_factory=list)
    profile: str | None = None
    skipped: str | None = None


class TimedProjection(TrackedProjection):
    """A ``TrackedProjection`` that counts and times its checkpoints. With ``defer`` (the
    what-if of the proposed fix) a checkpoint is written only when ``checkpoint_s`` has
    passed since the last one, not at the end of every ``catch_up``; ``force_checkpoint``
    writes one anyway."""

    def __init__(self, *args: Any, defer: bool = False, **kwargs: Any) -> None:
        self.checkpoints = 0
        self.checkpoint_seconds = 0.0
        self.checkpoint_max_s = 0.0
        self.defer = defer
        self._saved_at = time.monotonic()
        super().__init__(*args, **kwargs)

    def checkpoint(self) -> None:
        if self.defer and time.monotonic() - self._saved_at < self.checkpoint_s:
            return
        self.force_checkpoint()

    def force_checkpoint(self) -> None:
        with self.lock:
            self._saved_at = time.monotonic()
            before = self.saved_position
            started = time.perf_counter()
            super().checkpoint()
            if self.saved_position != before:
                spent = time.perf_counter() - started
                self.checkpoints += 1
                self.checkpoint_seconds += spent
                self.checkpoint_max_s = max(self.checkpoint_max_s, spent)


def _version(policy: BoardPolicy) -> str:
    return f"{VERSION}:{policy!r}"  # as api.runtime.open_projection


def open_timed(app: CallCenter, store_url: str, name: str, settings: BoardSettings,
               make: Callable[[], Fold] | None = None, *, defer: bool = False,
               checkpoint_s: float | None = None) -> TimedProjection:
    """As ``api.runtime.open_projection``, with checkpoints timed."""
    policy = board_policy(settings)
    return TimedProjection(app, open_view_recorder(store_url, name),
                           make or fold_factory(name, policy), _version(policy),
                           checkpoint_s=settings.checkpoint_s if checkpoint_s is None
                           else checkpoint_s, defer=defer)


class GcClock:
    """Time spent in the cyclic garbage collector while in the ``with`` block."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


def timed_rebuild(projection: TrackedProjection, result: RebuildResult, *,
                  pause_gc: bool = False) -> None:
    """``projection.rebuild()``, timed into ``result`` (wall, CPU, GC)."""
    gc.collect()
    with GcClock() as gc_clock:
        if pause_gc:
            gc.disable()
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            result.folded = projection.rebuild()
            result.seconds = time.perf_counter() - wall
            result.cpu_s = time.process_time() - cpu
        finally:
            gc.enable()
    result.gc_s = gc_clock.seconds
    result.events_per_s = result.log_events / result.seconds


def raw_read(app: CallCenter, page: int = READ_PAGE) -> int:
    """Read every stored event and make it a domain event; fold nothing."""
    to_event = app.mapper.to_domain_event
    start, count = 1, 0
    while True:
        notifications = app.recorder.select_notifications(start, page)
        for notification in notifications:
            to_event(notification)
        count += len(notifications)
        if len(notifications) < page:
            return count
        start = notifications[-1].id + 1


def _profile_rebuild(projection: TrackedProjection, top: int = 18) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    projection.rebuild()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())


def run_rebuilds(store: str, url: str, log: BaseLog, min_events: int,
                 settings: BoardSettings, *, profile: bool = False,
                 what_if: bool = False) -> StoreRebuild:
    """Write the log into the (empty) store at ``url``; time a raw read and each rebuild."""
    result = StoreRebuild(store)
    app = open_app(url)
    try:
        copies = copies_needed(log, min_events)
        written = write_log(app, log, copies)
        result.copies, result.log_events = copies, written.events
        result.write_s, result.write_eps = written.seconds, written.events_per_s
        print(f"  {store}: {written.events:,} events written ({copies} copies) in "
              f"{written.seconds:.1f} s", flush=True)
        gc.collect()
        started, cpu = time.perf_counter(), time.process_time()
        read = raw_read(app)
        result.read_s = time.perf_counter() - started
        result.read_cpu_s = time.process_time() - cpu
        result.read_eps = read / result.read_s
        print(f"  {store}: raw read {read:,} events in {result.read_s:.1f} s", flush=True)
        runs = [(name, False) for name in NAMES]
        if what_if:
            runs.append(("wallboard", True))
        for name, fixed in runs:
            # what-if: checkpoints only every checkpoint_events (200,000) and at the end,
            # not every checkpoint_s, and the cyclic GC paused while folding
            projection = open_timed(app, url, name, settings,
                                    checkpoint_s=math.inf if fixed else None)
            r = RebuildResult(store, name, result.log_events)
            if fixed:
                r.variant = "what-if"
            try:
                timed_rebuild(projection, r, pause_gc=fixed)
                saved = projection.recorder.load()
            finally:
                projection.recorder.close()
            r.read_ratio = r.events_per_s / result.read_eps
            r.checkpoints = projection.checkpoints
            r.checkpoint_s = projection.checkpoint_seconds
            r.state_bytes = len(saved.state) if saved is not None else 0
            if store == "sqlite":
                r.target_ratio = r.events_per_s / SQLITE_MIN_EPS
                r.passed = r.events_per_s >= SQLITE_MIN_EPS
            result.results.append(r)
            print(f"  {store}: rebuilt {name}{' (what-if)' if fixed else ''} in "
                  f"{r.seconds:.1f} s", flush=True)
        if profile:
            projection = open_timed(app, url, "wallboard", settings)
            try:
                result.profile = _profile_rebuild(projection)
            finally:
                projection.recorder.close()
    finally:
        app.close()
    return result


def rebuild_sqlite(workdir: Path, log: BaseLog, min_events: int, settings: BoardSettings,
                   profile: bool, what_if: bool) -> StoreRebuild:
    return run_rebuilds("sqlite", f"sqlite:///{workdir / 'rebuild.db'}", log, min_events,
                        settings, profile=profile, what_if=what_if)


def rebuild_postgres(url: str, log: BaseLog, min_events: int, settings: BoardSettings,
                     what_if: bool) -> StoreRebuild:
    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        reason = " ".join(f"PostgreSQL unreachable at {url}: {error}".split())
        return StoreRebuild("postgres", skipped=reason)
    schema = f"callboard_bench_proj_{os.getpid()}_{int(time.time())}"
    with admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            separator = "&" if "?" in url else "?"
            return run_rebuilds("postgres", f"{url}{separator}schema={schema}", log,
                                min_events, settings, what_if=what_if)
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


# -- latency ---------------------------------------------------------------------------
class QueuedClock(WallboardProjection):
    """The wallboard fold, noting when it has applied each call's ``Call.Queued``."""

    def __init__(self, policy: BoardPolicy, applied: dict[UUID, list[float]]) -> None:
        super().__init__(policy)
        self.applied = applied

    def apply(self, event: Any) -> None:
        super().apply(event)
        if type(event) is QUEUED and not event.inferred:
            self.applied[event.originator_id].append(time.perf_counter())

    def __getstate__(self) -> dict[str, Any]:
        # the clock readings are the bench's, not the board's
        return {**super().__getstate__(), "applied": {}}


class TimedIngestor(Ingestor):
    """Notes when each batch holding a ``QueueCallerJoin`` is stored; with ``wake``, sets
    it after every stored batch (what an ``on_saved`` hook would do)."""

    def __init__(self, app: CallCenter, stored: dict[UUID, list[float]],
                 wake: threading.Event | None = None, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.stored = stored
        self.wake = wake
        self._joins: list[UUID] = []

    def accept(self, item: FeedItem) -> None:
        if isinstance(item, ReceivedFrame) and item.raw.startswith(_JOIN):
            key = _join_key(item.raw)
            if key is not None:
                self._joins.append(key)
        super().accept(item)

    def flush(self, final: bool = True) -> None:
        batches = self.report.batches
        super().flush(final)
        now = time.perf_counter()
        for key in self._joins:
            self.stored[key].append(now)
        self._joins.clear()
        if self.wake is not None and self.report.batches != batches:
            self.wake.set()


def _join_key(raw: bytes) -> UUID | None:
    match = _LINKEDID.search(raw)
    return call_id(match.group(1).decode("latin-1")) if match else None


def _on_saved_supported() -> bool:
    return "on_saved" in inspect.signature(Ingestor.__init__).parameters


@dataclass
class LatencyResult:
    mode: str
    poll_ms: float
    deferred: bool = False  # what-if: checkpoints only every checkpoint_s
    preload_events: int = 0
    preload_fold_s: float = 0.0
    wake_hook: str | None = None
    frames: int = 0
    seconds: float = 0.0
    rate: float = 0.0
    pacing_late_max_ms: float = 0.0
    joins: int = 0
    matched: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    p99_ratio: float | None = None
    stored_p50_ms: float | None = None
    stored_p99_ms: float | None = None
    folded_p50_ms: float | None = None
    folded_p99_ms: float | None = None
    batches: int = 0
    events_stored: int = 0
    translation_errors: int = 0
    catch_ups_with_checkpoint: int = 0
    checkpoint_mean_ms: float = 0.0
    checkpoint_max_ms: float = 0.0
    state_bytes: int = 0
    passed: bool | None = None


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least ``q`` of the values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def live_frames(rate: float, seconds: float) -> list[bytes]:
    """``rate * seconds`` frames of the workload, from its second copy on (the first copy
    keeps the recorded call ids, which a preloaded log already holds)."""
    first, _ = parse_buffer(build_workload(1), at_start=True)
    needed = int(rate * seconds)
    frames, _ = parse_buffer(build_workload(len(first) + needed), at_start=True)
    return frames[len(first):len(first) + needed]


def _pace(frames: list[bytes], rate: float, items: queue.Queue[FeedItem],
          connection_id: str, put: dict[UUID, list[float]]) -> tuple[float, float]:
    """Put the frames on the queue at ``rate`` per second; returns (seconds, max late)."""
    started = time.perf_counter()
    late = 0.0
    for seq, raw in enumerate(frames, start=1):
        due = started + (seq - 1) / rate
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        else:
            late = max(late, now - due)
        item = ReceivedFrame(connection_id, seq, time.time(), raw)
        if raw.startswith(_JOIN):
            key = _join_key(raw)
            if key is not None:
                put[key].append(time.perf_counter())
        items.put(item)
    return time.perf_counter() - started, late


def _wait_caught_up(app: CallCenter, projection: TrackedProjection, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if projection.position >= (app.recorder.max_notification_id() or 0):
            return
        time.sleep(0.01)


def run_latency(workdir: Path, frames: list[bytes], *, rate: float, mode: str,
                poll_s: float, settings: BoardSettings, log: BaseLog | None = None,
                preload: int = 0, defer: bool = False) -> LatencyResult:
    url = f"sqlite:///{workdir / f'latency-{mode}-{preload}-{defer}.db'}"
    result = LatencyResult(mode, poll_s * 1000, defer)
    app = open_app(url)
    put: dict[UUID, list[float]] = defaultdict(list)
    stored: dict[UUID, list[float]] = defaultdict(list)
    applied: dict[UUID, list[float]] = defaultdict(list)
    policy = board_policy(settings)
    projection = open_timed(app, url, "wallboard", settings,
                            make=lambda: QueuedClock(policy, applied), defer=defer)
    wake = threading.Event()
    try:
        if preload and log is not None:
            result.preload_events = write_log(app, log, copies_needed(log, preload)).events
            started = time.perf_counter()
            projection.catch_up()
            projection.force_checkpoint()
            result.preload_fold_s = time.perf_counter() - started
            projection.checkpoints = 0
            projection.checkpoint_seconds = projection.checkpoint_max_s = 0.0
        kwargs: dict[str, Any] = {}
        hook: threading.Event | None = None
        if mode == "wake":
            if _on_saved_supported():
                kwargs["on_saved"] = lambda *_: wake.set()
                result.wake_hook = "Ingestor(on_saved=...)"
            else:
                hook = wake
                result.wake_hook = "bench subclass: wake.set() after Ingestor.flush()"
        ingestor = TimedIngestor(app, stored, hook, **kwargs)
        items: queue.Queue[FeedItem] = queue.Queue()
        stop_ingest, stop_follow = threading.Event(), threading.Event()
        ingest_thread = threading.Thread(target=ingestor.run, args=(items, stop_ingest),
                                         name="ingest", daemon=True)
        follow_thread = threading.Thread(target=projection.follow,
                                         args=(stop_follow, wake, poll_s),
                                         name="follow-wallboard", daemon=True)
        ingest_thread.start()
        follow_thread.start()
        connection_id = str(uuid4())
        items.put(ConnectionOpened(connection_id, time.time(), "bench:latency"))
        result.seconds, late = _pace(frames, rate, items, connection_id, put)
        items.put(ConnectionClosed(connection_id, time.time(), "stopped"))
        stop_ingest.set()
        ingest_thread.join(timeout=120)
        _wait_caught_up(app, projection, timeout=60)
        stop_follow.set()
        wake.set()
        follow_thread.join(timeout=60)
        projection.force_checkpoint()
        saved = projection.recorder.load()
    finally:
        projection.recorder.close()
        app.close()
    result.frames = len(frames)
    result.rate = len(frames) / result.seconds if result.seconds else 0.0
    result.pacing_late_max_ms = late * 1000
    result.batches = ingestor.report.batches
    result.events_stored = ingestor.report.events_stored
    result.translation_errors = ingestor.report.translation_errors
    result.catch_ups_with_checkpoint = projection.checkpoints
    if projection.checkpoints:
        result.checkpoint_mean_ms = 1000 * projection.checkpoint_seconds / projection.checkpoints
    result.checkpoint_max_ms = 1000 * projection.checkpoint_max_s
    result.state_bytes = len(saved.state) if saved is not None else 0
    total, to_store, to_fold = [], [], []
    for key, times in put.items():
        result.joins += len(times)
        for i, (sent, done) in enumerate(zip(times, applied.get(key, []), strict=False)):
            total.append(1000 * (done - sent))
            saved_at = stored.get(key, [])
            if i < len(saved_at):
                to_store.append(1000 * (saved_at[i] - sent))
                to_fold.append(1000 * (done - saved_at[i]))
    result.matched = len(total)
    if total:
        result.p50_ms, result.p99_ms = percentile(total, 0.50), percentile(total, 0.99)
        result.max_ms = max(total)
        result.p99_ratio = result.p99_ms / P99_TARGET_MS
        result.passed = result.p99_ms < P99_TARGET_MS
    if to_store:
        result.stored_p50_ms, result.stored_p99_ms = (percentile(to_store, 0.5),
                                                      percentile(to_store, 0.99))
        result.folded_p50_ms, result.folded_p99_ms = (percentile(to_fold, 0.5),
                                                      percentile(to_fold, 0.99))
    return result


# -- reporting -------------------------------------------------------------------------
def _f(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _verdict(passed: bool | None) -> str:
    return "-" if passed is None else "PASS" if passed else "FAIL"


def print_rebuilds(stores: list[StoreRebuild]) -> None:
    print("REBUILD: TrackedProjection.rebuild() over the whole log, per projection")
    header = (f"{'store':<9} {'projection':<11} {'variant':<8} {'log events':>10} "
              f"{'folded':>8} {'seconds':>8} {'cpu s':>6} {'gc s':>5} {'events/s':>9} "
              f"{'/target':>7} {'/raw read':>9} {'ckpts':>5} {'ckpt s':>6} {'state':>6}  "
              "verdict")
    print(header)
    print("-" * len(header))
    for s in stores:
        if s.skipped:
            print(f"{s.store:<9} SKIPPED: {s.skipped}")
            continue
        target = s.read_eps / SQLITE_MIN_EPS if s.store == "sqlite" else None
        print(f"{s.store:<9} {'(raw read)':<11} {'-':<8} {s.log_events:>10,} {'-':>8} "
              f"{s.read_s:>8.2f} {s.read_cpu_s:>6.2f} {'-':>5} {s.read_eps:>9,.0f} "
              f"{_f(target, '.2f'):>7} {1.0:>9.2f} {'-':>5} {'-':>6} {'-':>6}  baseline")
        for r in s.results:
            print(f"{r.store:<9} {r.projection:<11} {r.variant:<8} {r.log_events:>10,} "
                  f"{r.folded:>8,} {r.seconds:>8.2f} {r.cpu_s:>6.2f} {r.gc_s:>5.2f} "
                  f"{r.events_per_s:>9,.0f} {_f(r.target_ratio, '.2f'):>7} "
                  f"{r.read_ratio:>9.2f} {r.checkpoints:>5} {r.checkpoint_s:>6.2f} "
                  f"{r.state_bytes / 1e6:>4.1f}MB  {_verdict(r.passed)}")
    print()
    for s in stores:
        if not s.skipped:
            print(f"  {s.store}: log of {s.log_events:,} events ({s.copies} copies of the "
                  f"scenarios) written by insert_events in {s.write_s:.1f} s "
                  f"({s.write_eps:,.0f} events/s)")
    print(f"""  log events = stored events in the log (rebuild passes over all of them); folded =
    those of the fold's topics, read and applied; events/s = log events / wall seconds of
    rebuild(); cpu s = this process's CPU time (PostgreSQL's own work not included); gc s =
    of which in Python's cyclic garbage collector; /target = events/s / {SQLITE_MIN_EPS:,.0f}
    (SQLite target); /raw read = events/s / the rate of select_notifications +
    mapper.to_domain_event alone (pages of 1,000, nothing folded, same store, same run);
    ckpts, ckpt s = checkpoints written during the rebuild (tagged JSON + zlib + HMAC +
    commit of the whole fold) and their time; state = the saved state at the end.
    variant "what-if" = the same rebuild with checkpoints only every 200,000 events and at
    the end (not every checkpoint_s = 2 s) and the cyclic GC paused: what those two runner
    fixes would give.""")
    print()


def print_latency(results: list[LatencyResult]) -> None:
    print("LATENCY: AMI QueueCallerJoin frame put on the ingest queue -> wallboard fold "
          "applied its Call.Queued")
    header = (f"{'mode':<11} {'preload':>8} {'frames':>7} {'frames/s':>8} {'joins':>5} "
              f"{'n':>4} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'p99/50':>6} "
              f"{'->stored p50/p99':>16} {'->folded p50/p99':>16} {'ckpts':>5} "
              f"{'ckpt ms avg/max':>15}  verdict")
    print(header)
    print("-" * len(header))
    for r in results:
        mode = f"{r.mode}{'+defer' if r.deferred else ''}"
        print(f"{mode:<11} {r.preload_events:>8,} {r.frames:>7,} {r.rate:>8,.0f} "
              f"{r.joins:>5} {r.matched:>4} {_f(r.p50_ms):>7} {_f(r.p99_ms):>7} "
              f"{_f(r.max_ms):>7} {_f(r.p99_ratio, '.2f'):>6} "
              f"{_f(r.stored_p50_ms) + '/' + _f(r.stored_p99_ms):>16} "
              f"{_f(r.folded_p50_ms) + '/' + _f(r.folded_p99_ms):>16} "
              f"{r.catch_ups_with_checkpoint:>5} "
              f"{_f(r.checkpoint_mean_ms) + '/' + _f(r.checkpoint_max_ms):>15}  "
              f"{_verdict(r.passed)}")
    print()
    print(f"""  latency = perf_counter when the wallboard fold had applied the call's Call.Queued
    minus perf_counter when its QueueCallerJoin frame was put on the ingest queue; n = joins
    matched to their Call.Queued; p50/p99 by nearest rank over n (with ~220 joins, p99 is
    about the 3rd worst); p99/50 = p99 / the {P99_TARGET_MS:.0f} ms target.
    ->stored = put -> end of the ingest batch that stored the frame (queue wait, batching up
    to 5 ms, translate, one commit); ->folded = stored -> applied by the follower (poll
    wait, read, decode, fold). ckpts = checkpoints the follower wrote: follow() calls
    catch_up(), which checkpoints (encodes the whole fold, holding the GIL) at the end of
    every catch-up that moved, whatever checkpoint_s says; ckpt ms = their duration.
    preload = events written to the store and folded before the live feed starts: the
    board late in a long day. +defer = what-if: checkpoints only every checkpoint_s.""")
    for r in results:
        mode = f"{r.mode}{'+defer' if r.deferred else ''}"
        hook = (f"woken after each stored batch by {r.wake_hook}, else polls" if r.mode ==
                "wake" else "not woken after a save (Ingestor has no on_saved hook): polls")
        preload = (f"; {r.preload_events:,} events preloaded and folded in "
                   f"{r.preload_fold_s:.1f} s first" if r.preload_events else "")
        print(f"  {mode}: follower {hook} the log every {r.poll_ms:g} ms{preload}; {r.batches} "
              f"ingest batches, {r.events_stored:,} events stored, {r.translation_errors} "
              f"translation errors; frames put up to {r.pacing_late_max_ms:.1f} ms late; "
              f"saved state {r.state_bytes / 1e6:.2f} MB")
    print()


def print_verdicts(stores: list[StoreRebuild], latencies: list[LatencyResult]) -> None:
    for s in stores:
        for r in s.results:
            if r.passed is not None:
                print(f"  {_verdict(r.passed)}  {r.store} rebuild {r.projection} "
                      f"({r.variant}) {r.events_per_s:,.0f} events/s >= "
                      f"{SQLITE_MIN_EPS:,.0f} (ratio {r.target_ratio or 0:.2f})")
    for lat in latencies:
        if lat.passed is not None:
            mode = f"{lat.mode}{'+defer' if lat.deferred else ''}"
            print(f"  {_verdict(lat.passed)}  wallboard latency p99 {lat.p99_ms or 0:.1f} ms "
                  f"< {P99_TARGET_MS:.0f} ms ({mode}, preload {lat.preload_events:,}; "
                  f"ratio {lat.p99_ratio or 0:.2f})")
    print()


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.projections", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS,
                        help="minimum stored events in the rebuilt log (default %(default)s)")
    parser.add_argument("--stores", default="sqlite,postgres",
                        help="rebuild on: comma-separated sqlite, postgres; '' for none "
                        "(default %(default)s)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--latency-seconds", type=float, default=DEFAULT_LATENCY_S,
                        help="length of each latency run; 0 skips latency "
                        "(default %(default)s)")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE,
                        help="frames per second put on the ingest queue (default %(default)s)")
    parser.add_argument("--poll-ms", type=float, default=DEFAULT_POLL_MS,
                        help="follower poll interval (default %(default)s)")
    parser.add_argument("--latency-modes", default="poll,wake",
                        help="comma-separated: poll (follower polls), wake (woken after "
                        "each stored batch) (default %(default)s)")
    parser.add_argument("--preload", type=int, default=DEFAULT_PRELOAD,
                        help="also run poll mode on a store preloaded with this many events "
                        "(a board late in a long day); 0: no (default %(default)s)")
    parser.add_argument("--what-if", action="store_true",
                        help="also measure what the proposed runner fixes would give: a "
                        "rebuild with fewer checkpoints and the GC paused, and wake mode "
                        "with checkpoints only every checkpoint_s on the preloaded store")
    parser.add_argument("--profile", action="store_true",
                        help="also rebuild the wallboard on SQLite under cProfile and print "
                        "the top costs")
    args = parser.parse_args(argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    modes = [m.strip() for m in args.latency_modes.split(",") if m.strip()]
    if unknown := set(stores) - {"sqlite", "postgres"}:
        parser.error(f"unknown store(s): {', '.join(sorted(unknown))}")
    if unknown := set(modes) - {"poll", "wake"}:
        parser.error(f"unknown mode(s): {', '.join(sorted(unknown))}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("callboard.ingest").setLevel(logging.ERROR)
    settings = BoardSettings()
    started = time.perf_counter()
    log = base_log()
    print(f"base log: {log.first_copy} domain events per copy ({log.later_copy} in later "
          f"copies), period {log.period} s, scenarios ingested in {log.ingest_s:.2f} s; "
          f"projections {', '.join(NAMES)}; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cpus, {_load()}", flush=True)
    rebuilds: list[StoreRebuild] = []
    latencies: list[LatencyResult] = []
    with tempfile.TemporaryDirectory(prefix="callboard-bench-proj-") as tmp:
        workdir = Path(tmp)
        runners: dict[str, Callable[[], StoreRebuild]] = {
            "sqlite": lambda: rebuild_sqlite(workdir, log, args.events, settings,
                                             args.profile, args.what_if),
            "postgres": lambda: rebuild_postgres(args.postgres_url, log, args.events,
                                                 settings, args.what_if),
        }
        for store in stores:
            print(f"rebuild on {store} ...", flush=True)
            rebuilds.append(runners[store]())
        if args.latency_seconds > 0:
            frames = live_frames(args.rate, args.latency_seconds)
            runs: list[tuple[str, int, bool]] = [(m, 0, False) for m in modes]
            if args.preload:
                runs.append(("poll", args.preload, False))
                if args.what_if:
                    runs.append(("wake", args.preload, True))
            for mode, preload, defer in runs:
                print(f"latency: {mode}{'+defer' if defer else ''}, {len(frames):,} frames "
                      f"at {args.rate:,.0f}/s"
                      f"{f', preload {preload:,} events' if preload else ''} ...", flush=True)
                gc.collect()
                latencies.append(run_latency(workdir, frames, rate=args.rate, mode=mode,
                                             poll_s=args.poll_ms / 1000, settings=settings,
                                             log=log, preload=preload, defer=defer))
    print()
    if rebuilds:
        print_rebuilds(rebuilds)
    if latencies:
        print_latency(latencies)
    print_verdicts(rebuilds, latencies)
    for s in rebuilds:
        if s.profile:
            print(f"cProfile of the wallboard rebuild on {s.store} (slower than unprofiled):")
            print(s.profile)
            print()
    print(f"total {time.perf_counter() - started:.0f} s; {_load()} (other work on the "
          "machine skews wall-clock figures: compare cpu s)")
    print(json.dumps({
        "bench": "projections",
        "targets": {"sqlite_rebuild_min_eps": SQLITE_MIN_EPS, "latency_p99_ms": P99_TARGET_MS,
                    "rate_fps": args.rate},
        "rebuild": [{k: v for k, v in asdict(s).items() if k != "profile"} for s in rebuilds],
        "latency": [asdict(r) for r in latencies],
    }, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
