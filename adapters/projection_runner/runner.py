"""Runs a read-model fold over the log: tracked, resumable, rebuildable, and "as of" a time.

eventsourcing's ``ProjectionRunner`` commits once per event (about 2k events/s on SQLite);
this runner reads the log in pages of topic-filtered notifications, folds them in memory
and checkpoints the fold's whole state together with the tracking record of the last
position it holds (one transaction, see ``projection_store``), at most every
``checkpoint_s`` seconds or ``checkpoint_events`` events. Queries read the in-memory fold
under a lock, so a supervisor sees an event as soon as it is folded, not when it is saved.

The saved state is tagged JSON (``codec``: plain data and the fold's own classes, nothing
that runs code when read), signed with a key derived from the audit key (``envelope``). A
saved view that is refused (another format, a bad signature, a class the fold does not
name) is dropped, logged and rebuilt from the log: a view is derived data.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from eventsourcing.persistence import Tracking

from adapters.projection_runner.allowlist import state_classes
from adapters.projection_runner.codec import StateCodec, ViewRefused
from adapters.projection_runner.envelope import open_state, seal_state, view_key
from adapters.projection_runner.store import BUCKET_S, SavedView, ViewRecorder
from adapters.store.application import CallCenter
from adapters.store.log_pages import pages

__all__ = ["Fold", "Progress", "TrackedProjection", "as_of"]

log = logging.getLogger("callboard.views")


class Fold(Protocol):
    """A read model folded from events. Attributes a fold lists in ``unsaved`` (hooks into
    the running process, policies that are configuration rather than state) are taken
    from a fold fresh from the factory when a saved state is restored, because a saved
    state must not decide them."""

    name: str
    topics: tuple[str, ...]

    def apply(self, event: Any) -> None: ...

    def view(self, now: float) -> dict[str, Any]: ...


Progress = Callable[[int, int, int], None]  # (position, head, events folded so far)


def _events(app: CallCenter, topics: tuple[str, ...], start: int, stop: int | None,
            page: int) -> Iterator[tuple[int, list[Any]]]:
    """Pages of (last position, domain events) from ``start`` up to ``stop``."""
    to_event = app.mapper.to_domain_event
    for notifications in pages(app.recorder, topics, start=start, stop=stop, size=page):
        yield notifications[-1].id, [to_event(n) for n in notifications]


class TrackedProjection:
    """One fold over ``app``'s log, kept in ``recorder``; ``version`` names the fold's
    state layout (a saved state of another version is rebuilt, never reused). The saved
    state may hold objects of the fold's class and of the classes it names in
    ``state_classes`` (transitively) only; it is signed when ``app`` has an audit key."""

    def __init__(self, app: CallCenter, recorder: ViewRecorder, make: Callable[[], Fold],
                 version: str, *, page: int = 1000, checkpoint_s: float = 2.0,
                 checkpoint_events: int = 200_000, read_only: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app, self.recorder, self.make, self.version = app, recorder, make, version
        self.page, self.checkpoint_s, self.checkpoint_events = page, checkpoint_s, \
            checkpoint_events
        self.clock, self.read_only = clock, read_only
        self.lock = threading.RLock()
        self.fold: Fold = make()
        self.name = self.fold.name
        self.codec = StateCodec(state_classes(type(self.fold)))
        self._key = view_key(app.audit_key) if app.audit_key else None
        self.position = 0  # last log position folded in memory
        self.saved_position = 0  # last position whose state is checkpointed
        self.events_folded = 0
        self._pending_index: dict[int, int] = {}
        self._last_checkpoint = clock()
        self._unsaved_events = 0
        self._load()

    # -- state -----------------------------------------------------------------------------
    def _load(self) -> None:
        try:
            saved = self.recorder.load()
            if saved is None or saved.version != self.version:
                if saved is not None:
                    self.recorder.drop()
                return
            fold = self._restore(saved)
        except ViewRefused as refused:
            log.warning("projection %s: saved view refused (%s); rebuilding it from the log",
                        self.name, refused)
            if not self.read_only:
                self.recorder.drop()
            return
        self.fold, self.position, self.saved_position = fold, saved.position, saved.position

    def _restore(self, saved: SavedView) -> Fold:
        """The saved fold, with the configuration and hooks of a fresh one (``unsaved``)."""
        payload = open_state(saved.state, self._key, self.name, saved.version, saved.position)
        fold = self.codec.decode(payload)
        fresh = self.fold  # made by the factory: configuration and hooks of this process
        if type(fold) is not type(fresh) or not vars(fresh).keys() <= vars(fold).keys():
            raise ViewRefused(f"the saved state is not a whole {type(fresh).__name__}")
        for name in getattr(fresh, "unsaved", ()):
            setattr(fold, name, getattr(fresh, name))
        return fold

    def checkpoint(self) -> None:
        """Save the fold with the tracking record of its position, in one transaction."""
        with self.lock:
            if self.position == self.saved_position or self.read_only:
                return
            state = seal_state(self.codec.encode(self.fold), self._key, self.name,
                               self.version, self.position)
            last_at = getattr(self.fold, "last_at", None)
            self.recorder.commit(Tracking(self.app.name, self.position), self.version,
                                 state, last_at, self._pending_index)
            self._pending_index = {}
            self.saved_position = self.position
            self._unsaved_events = 0
            self._last_checkpoint = self.clock()

    def rebuild(self, progress: Progress | None = None) -> int:
        """Drop the view and fold the whole log again from position 0."""
        with self.lock:
            self.recorder.drop()
            self.fold = self.make()
            self.position = self.saved_position = 0
            self._pending_index = {}
        return self.catch_up(progress)

    # -- folding ---------------------------------------------------------------------------
    def catch_up(self, progress: Progress | None = None, stop: int | None = None, *,
                 final_checkpoint: bool = True) -> int:
        """Fold every event after the current position (up to ``stop``). While far
        behind (full pages), checkpoint every ``checkpoint_events`` events with the
        garbage collector paused (the fold only grows: collecting it is wasted time);
        near the head, also every ``checkpoint_s`` seconds; and at the end unless
        ``final_checkpoint`` is False (a follower, which checkpoints on time and at stop).
        Returns the number of events folded."""
        head = self.app.recorder.max_notification_id() or 0
        folded = 0
        collecting = gc.isenabled()
        try:
            for last, events in _events(self.app, self.fold.topics, self.position + 1, stop,
                                        self.page):
                behind = len(events) == self.page
                if behind and collecting:
                    gc.disable()
                with self.lock:
                    for event in events:
                        self.fold.apply(event)
                    self._index(events, last)
                    self.position = last
                    self.events_folded += len(events)
                    self._unsaved_events += len(events)
                folded += len(events)
                if progress is not None:
                    progress(last, max(head, last), folded)
                if self._unsaved_events >= self.checkpoint_events or (
                        not behind and self.clock() - self._last_checkpoint >= self.checkpoint_s):
                    self.checkpoint()
        finally:
            if collecting:
                gc.enable()
        if stop is None and head > self.position:
            with self.lock:  # nothing of ours up to the head: hold the head as position
                self.position = head
        if final_checkpoint or self.clock() - self._last_checkpoint >= self.checkpoint_s:
            self.checkpoint()
        return folded

    def _index(self, events: list[Any], last: int) -> None:
        index = self._pending_index
        for event in events:
            at = getattr(event, "at", None)
            if at is not None:
                bucket = int(at // BUCKET_S)
                if index.get(bucket, 0) < last:
                    index[bucket] = last

    def follow(self, stop: threading.Event, wake: threading.Event | None = None,
               poll_s: float = 0.5) -> None:
        """Catch up, then keep following the log until ``stop`` is set. ``wake`` (set by
        ingestion after each save) cuts the wait short."""
        wake = wake or threading.Event()
        while not stop.is_set():
            wake.clear()
            self.catch_up(final_checkpoint=False)
            wake.wait(poll_s)
        self.checkpoint()

    def view(self, now: float) -> dict[str, Any]:
        with self.lock:
            out = self.fold.view(now)
        out["position"] = self.position
        return out

    def lag(self) -> int:
        return max(0, (self.app.recorder.max_notification_id() or 0) - self.position)


def as_of(app: CallCenter, recorder: ViewRecorder, make: Callable[[], Fold], at: float,
          *, page: int = 2000) -> dict[str, Any]:
    """The view as it stood at ``at``: a fresh fold of every event dated at or before
    ``at``, read from the log only as far as the projection's time index says events of
    that time can be (plus whatever the index does not cover yet)."""
    fold = make()
    indexed = recorder.position(app.name)
    stop = recorder.index_stop(at)
    ranges: list[tuple[int, int | None]] = [(1, stop)] if stop is not None else []
    ranges.append((indexed + 1, None))
    position = 0
    for start, end in ranges:
        for last, events in _events(app, fold.topics, start, end, page):
            position = last
            for event in events:
                if getattr(event, "at", at) <= at:
                    fold.apply(event)
    out = fold.view(at)
    out["position"] = position
    return out
