"""One process: ingestion from an AMI feed, the tracked projections following the log, and
the views the API serves. Built by ``api.bootstrap`` for ``callboard listen``, ``serve``,
``demo`` and the CLI commands that read projections.

The projection catalogue lives here, not in a feature: every feature reads its folds
through ``Runtime.read`` (boards, QA, complaints, KPIs, attendance), so the catalogue is
shared code, and a feature folder never imports another's."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from adapters.ami.feed_items import FeedItem
from adapters.ami.health import FeedState, FeedWatched, feed_block
from adapters.ingest.ingestor import Ingestor, IngestReport
from adapters.projection_runner.runner import Fold, TrackedProjection, as_of
from adapters.projection_runner.store import open_view_recorder
from adapters.store.application import CallCenter
from api.settings import BoardSettings
from domain.errors import UnknownAggregate
from projections.business_day import BoardPolicy
from projections.complaints.timeline import ComplaintsFold
from projections.customers.known import KnownCustomersFold
from projections.floor.agents import AgentBoardProjection
from projections.floor.monitoring import MonitoringProjection
from projections.floor.recordings import RecordingsFold
from projections.floor.wallboard import WallboardProjection
from projections.qa.catalogue import QaCatalogueFold
from projections.qa.evaluations import QaEvaluationsFold
from projections.workforce.attendance import AttendanceFold
from projections.workforce.kpis import KpiFold

__all__ = ["BOARDS", "FOLDS", "NAMES", "VERSION", "FeedSource", "Hooks", "Runtime",
           "board_policy", "find", "fold_factory", "load", "open_projection"]

log = logging.getLogger("callboard.runtime")
A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
WAIT_S = 5.0  # how long a read waits for its projection to reach the log's head


@dataclass(frozen=True)
class Hooks:
    """What a fold needs from the running process (never saved with its state)."""

    open_numbers: Callable[[], set[str]] | None = None  # complaints -> monitoring board


# Bump when a fold's state layout changes: saved states of another version are rebuilt.
# 5: tagged JSON, signed (adapters/projection_runner/codec.py); older pickled states are
# dropped unread, never unpickled. 6: queue visits know whether a resync closed them.
VERSION = "6"
FOLDS: dict[str, Callable[[BoardPolicy, Hooks], Fold]] = {
    "wallboard": lambda policy, hooks: WallboardProjection(policy),
    "agents": lambda policy, hooks: AgentBoardProjection(policy),
    "monitoring": lambda policy, hooks: MonitoringProjection(policy, hooks.open_numbers),
    "recordings": lambda policy, hooks: RecordingsFold(),
    "complaints": lambda policy, hooks: ComplaintsFold(),
    "kpis": lambda policy, hooks: KpiFold(policy),
    "attendance": lambda policy, hooks: AttendanceFold(),
    "qa_catalogue": lambda policy, hooks: QaCatalogueFold(),
    "qa_evaluations": lambda policy, hooks: QaEvaluationsFold(),
    "customers": lambda policy, hooks: KnownCustomersFold(),  # masking by value
}
BOARDS = ("wallboard", "agents", "monitoring")  # the ones printed and pushed as boards
NAMES = tuple(FOLDS)


def board_policy(settings: BoardSettings) -> BoardPolicy:
    return BoardPolicy(
        timezone=settings.timezone, day_start=settings.day_start,
        windows_min=tuple(settings.windows_min), short_abandon_s=settings.short_abandon_s,
        service_level_s=dict(settings.service_level_s), long_talk_s=settings.long_talk_s,
        long_hold_s=settings.long_hold_s)


def fold_factory(name: str, policy: BoardPolicy, hooks: Hooks | None = None
                 ) -> Callable[[], Fold]:
    return partial(FOLDS[name], policy, hooks or Hooks())


def open_projection(app: CallCenter, store_url: str, name: str, settings: BoardSettings, *,
                    page: int = 1000, checkpoint_events: int = 200_000,
                    read_only: bool = False, cipher_key: str | None = None,
                    hooks: Hooks | None = None) -> TrackedProjection:
    """``name``'s fold with its saved state and position, ready to catch up. A fold
    restored from its saved state gets the process's ``hooks`` back from the factory (they
    are not part of the state: the runner takes a fold's ``unsaved`` attributes from a
    fresh one)."""
    policy = board_policy(settings)
    hooks = hooks or Hooks()
    return TrackedProjection(
        app, open_view_recorder(store_url, name, cipher_key=cipher_key),
        fold_factory(name, policy, hooks), f"{VERSION}:{policy!r}", page=page,
        checkpoint_s=settings.checkpoint_s, checkpoint_events=checkpoint_events,
        read_only=read_only)


def find(app: CallCenter, cls: type[A], key: UUID) -> A | None:
    """The aggregate ``key`` if it exists and is a ``cls``, else None: the one place
    services read an aggregate from the store."""
    try:
        found: Aggregate = app.repository.get(key)
    except AggregateNotFoundError:
        return None
    return found if isinstance(found, cls) else None


def load(app: CallCenter, cls: type[A], key: UUID, what: str) -> A:
    """The aggregate ``key`` if it is a ``cls``; else ``UnknownAggregate`` ("no <what>"),
    which the API answers with 404."""
    found = find(app, cls, key)
    if found is None:
        raise UnknownAggregate(f"no {what}")
    return found


class FeedSource(Protocol):
    """Something that puts ``FeedItem``s into a queue: the AMI client, a demo replay."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class _WakingIngestor(Ingestor):
    """Tells the projections after every stored batch, so they need not poll."""

    def __init__(self, app: CallCenter, wake: Callable[[], None], **options: Any) -> None:
        super().__init__(app, **options)
        self._wake = wake

    def flush(self, final: bool = True) -> None:
        stored = self.report.batches
        super().flush(final)
        if self.report.batches != stored:
            self._wake()


class Runtime:
    """Owns the ingestion thread and one follower thread per tracked projection, over a
    store and projections that ``api.bootstrap`` opened."""

    def __init__(self, app: CallCenter, projections: dict[str, TrackedProjection],
                 items: queue.Queue[FeedItem], *, boards: BoardSettings,
                 clock: Callable[[], float] = time.time, poll_s: float = 0.5,
                 batch_size: int = 1000, batch_delay_ms: float = 5.0) -> None:
        self.app, self.projections, self.items = app, projections, items
        self.boards, self.clock, self.poll_s = boards, clock, poll_s
        self.stop_event = threading.Event()
        self.wakes = {name: threading.Event() for name in self.projections}
        self.ingestor = _WakingIngestor(app, self.wake_all, batch_size=batch_size,
                                        max_delay_s=batch_delay_ms / 1000)
        self.report: IngestReport | None = None
        self._threads: list[threading.Thread] = []
        self._sources: list[FeedSource] = []
        self._following = False

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, *sources: FeedSource) -> Runtime:
        for projection in self.projections.values():
            projection.catch_up()
        self._following = True
        self._spawn("ingest", self._ingest)
        for name, projection in self.projections.items():
            self._spawn(f"project-{name}", self._follow, projection, self.wakes[name])
        for source in sources:
            source.start()
            self._sources.append(source)
        return self

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _ingest(self) -> None:
        self.report = self.ingestor.run(self.items, self.stop_event)

    def wake_all(self) -> None:
        for wake in self.wakes.values():
            wake.set()

    def _follow(self, projection: TrackedProjection, wake: threading.Event) -> None:
        """Catch up, then wait to be woken by ingestion (or ``poll_s``, for other
        writers to the same store), again and again."""
        while not self.stop_event.is_set():
            wake.clear()
            try:
                projection.catch_up(final_checkpoint=False)
            except Exception:  # a bad event must not stop the board for good
                log.exception("projection %s failed; retrying", projection.name)
                time.sleep(1.0)
            wake.wait(self.poll_s)
        projection.checkpoint()

    def stop(self) -> IngestReport | None:
        """Stop the sources, store everything received, checkpoint, close the store."""
        for source in self._sources:
            source.stop()
        self.stop_event.set()
        self.wake_all()
        for thread in self._threads:
            thread.join(timeout=30)
        while not self.items.empty():
            self.ingestor.accept(self.items.get_nowait())
        self.ingestor.flush()
        for projection in self.projections.values():
            projection.catch_up()
            projection.recorder.close()
        self.app.close()
        return self.report

    # -- reading -----------------------------------------------------------------------
    def _caught_up(self, projection: TrackedProjection) -> None:
        """Up to the log's head as it is now (read your writes: a command saved by this
        process is in the next answer). With followers running, wake them and wait; in a
        CLI command (no followers) fold here."""
        if not self._following:
            projection.catch_up(final_checkpoint=False)
            return
        head = self.head()
        deadline = time.monotonic() + WAIT_S
        while projection.position < head and time.monotonic() < deadline:
            self.wakes[projection.name].set()
            time.sleep(0.005)

    @contextmanager
    def reading(self, *names: str) -> Iterator[tuple[Any, ...]]:
        """The named folds, caught up, held still (their locks, in the order named) while
        the caller reads them."""
        projections = [self.projections[name] for name in names]
        for projection in projections:
            self._caught_up(projection)
        with _locks([p.lock for p in projections]):
            yield tuple(p.fold for p in projections)

    def read(self, name: str, read: Callable[[Any], T]) -> T:
        """``read(fold)`` on the named fold, caught up."""
        with self.reading(name) as (fold,):
            return read(fold)

    def view(self, name: str, at: float | None = None) -> dict[str, Any]:
        """A board now (with the ``feed`` block: its figures are stale while the feed is
        down), or as it stood ``at`` (no ``feed``: the past's figures are not live)."""
        projection = self.projections[name]
        if at is None:
            return {**projection.view(self.clock()), "feed": self.feed()}
        past = fold_factory(name, board_policy(self.boards))  # no live hooks in the past
        return as_of(self.app, projection.recorder, past, at)

    def ingest_stats(self) -> dict[str, int]:
        """What ingestion stored and what it could not translate (a poison batch is
        stored alone, its frames marked untranslated, and ingestion goes on)."""
        report = self.ingestor.report
        return {"frames": report.frames_received, "batches_failed": report.batches_failed,
                "frames_untranslated": report.frames_untranslated}

    def feeds(self) -> list[FeedState]:
        """Every live feed's health (none: ingest of files, or a server without AMI)."""
        return [source.feed_state() for source in self._sources
                if isinstance(source, FeedWatched)]

    def feed(self) -> dict[str, Any]:
        """The ``feed`` block of every live board and push (``adapters.ami.health``)."""
        return feed_block(self.feeds())

    def positions(self) -> dict[str, int]:
        return {name: p.position for name, p in self.projections.items()}

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def close(self) -> None:
        """Checkpoint and close without having started (a CLI command)."""
        for projection in self.projections.values():
            projection.checkpoint()
            projection.recorder.close()
        self.app.close()


@contextmanager
def _locks(locks: list[Any]) -> Iterator[None]:
    if not locks:
        yield
        return
    with locks[0], _locks(locks[1:]):
        yield
