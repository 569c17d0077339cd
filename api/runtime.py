"""One process: ingestion from an AMI feed, the projections following the log, and the
views the API serves. Used by ``callboard listen``, ``serve`` and ``demo``."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from adapters.ami.client import AmiFeedClient
from adapters.ami.feed_items import FeedItem
from adapters.ingest.ingestor import Ingestor, IngestReport
from adapters.projection_runner.runner import TrackedProjection, as_of
from adapters.store.application import CallCenter, open_app
from api.boards.registry import NAMES, board_policy, fold_factory, open_projection
from api.settings import BoardSettings, Settings

__all__ = ["FeedSource", "Runtime"]

log = logging.getLogger("callboard.runtime")


class FeedSource(Protocol):
    """Something that puts ``FeedItem``s into a queue: the AMI client, a demo replay."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class _WakingIngestor(Ingestor):
    """Tells the projections after every stored batch, so they need not poll."""

    def __init__(self, app: CallCenter, wake: Callable[[], None], **options: Any) -> None:
        super().__init__(app, **options)
        self._wake = wake

    def flush(self) -> None:
        stored = self.report.batches
        super().flush()
        if self.report.batches != stored:
            self._wake()


class Runtime:
    """Owns the store, the ingestion thread and one follower thread per projection."""

    def __init__(self, store_url: str, settings: Settings, boards: BoardSettings, *,
                 clock: Callable[[], float] = time.time, poll_s: float = 0.5) -> None:
        self.store_url, self.settings, self.boards = store_url, settings, boards
        self.clock, self.poll_s = clock, poll_s
        self.items: queue.Queue[FeedItem] = queue.Queue()
        self.app: CallCenter = open_app(store_url, compress=settings.compress,
                                        cipher_key=settings.key(),
                                        audit_key=settings.signing_key())
        self.projections: dict[str, TrackedProjection] = {
            name: open_projection(self.app, store_url, name, boards, cipher_key=settings.key())
            for name in NAMES}
        from api.complaints.folds import complaint_numbers

        monitoring: Any = self.projections["monitoring"].fold
        monitoring.open_complaint_numbers = complaint_numbers(self)
        self.stop_event = threading.Event()
        self.wakes = {name: threading.Event() for name in self.projections}
        self.ingestor = _WakingIngestor(self.app, self.wake_all, batch_size=settings.batch_size,
                                        max_delay_s=settings.batch_delay_ms / 1000)
        self.report: IngestReport | None = None
        self._threads: list[threading.Thread] = []
        self._sources: list[FeedSource] = []
        self.pbx: AmiFeedClient | None = None  # PBX actions are sent through it
        self._started = time.monotonic()

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, *sources: FeedSource) -> Runtime:
        for projection in self.projections.values():
            projection.catch_up()
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

    # -- views -------------------------------------------------------------------------
    def view(self, name: str, at: float | None = None) -> dict[str, Any]:
        projection = self.projections[name]
        if at is None:
            return projection.view(self.clock())
        return as_of(self.app, projection.recorder,
                     fold_factory(name, board_policy(self.boards)), at)

    def ingest_stats(self) -> dict[str, float]:
        frames = self.ingestor.report.frames_received
        elapsed = max(time.monotonic() - self._started, 1e-9)
        newest = getattr(self.projections["wallboard"].fold, "last_at", None)
        return {"frames": frames, "frames_per_s": frames / elapsed,
                "feed_lag_s": max(0.0, self.clock() - newest) if newest else 0.0}

    def positions(self) -> dict[str, int]:
        return {name: p.position for name, p in self.projections.items()}

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0
