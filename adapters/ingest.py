"""Ingestion: store every received frame verbatim, then translate it into the domain.

One batch of frames (bounded by count and by a few milliseconds when live) is one
transaction: the ``FeedChunk`` holding the frames, the ``Feed``'s new high-water mark and
every domain event the frames imply. A frame already stored (seq at or below the feed's
high-water mark) is skipped, so ingesting the same capture twice changes nothing.
A frame that cannot be parsed or translated is logged with its raw bytes and kept in the
feed; ingestion goes on.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from adapters.ami_frames import MalformedFrame, Message, parse_frame
from adapters.application import CallCenter, StoreUnit
from adapters.feed_items import ConnectionClosed, ConnectionOpened, FeedItem, ReceivedFrame
from adapters.translation import KEPT_EVENTS, KEPT_VARIABLES, SnapshotCollector, translate
from domain.errors import CallboardError
from domain.feed import Feed, FeedChunk, FrameRecord, encode_raw
from domain.handlers import CommandHandler
from domain.ids import feed_id

__all__ = ["IngestReport", "Ingestor"]

log = logging.getLogger("callboard.ingest")


@dataclass
class IngestReport:
    frames_received: int = 0
    frames_stored: int = 0
    frames_skipped_duplicate: int = 0
    frames_rejected: int = 0
    translation_errors: int = 0
    events_stored: int = 0
    batches: int = 0
    connections: list[str] = field(default_factory=list)


_KEPT_VARSETS = tuple(f"\r\nVariable: {v}\r\n".encode() for v in KEPT_VARIABLES)


def _wanted(name: str, raw: bytes) -> bool:
    """Worth parsing: a translated event; of ``VarSet`` only the variables we keep
    (checked on the bytes: most frames of an unfiltered feed are other ``VarSet``s)."""
    if name == "VarSet":
        return any(v in raw for v in _KEPT_VARSETS)
    return name in KEPT_EVENTS


def _event_name(raw: bytes) -> str | None:
    if raw.startswith(b"Event: "):
        end = raw.find(b"\r\n")
        return raw[7:end].decode("latin-1") if end > 0 else None
    return None


def _timestamp(m: Message) -> float | None:
    """The PBX's event time (a Ping response's ``Timestamp`` is not an event time)."""
    value = m.headers.get("Timestamp") if m.event is not None else None
    if value:
        try:
            return float(value)
        except ValueError:
            return None
    return None


class Ingestor:
    """Feeds frames through store -> translate -> aggregates, batch by batch."""

    def __init__(self, app: CallCenter, *, batch_size: int = 1000,
                 max_delay_s: float = 0.005) -> None:
        self.app = app
        self.unit = StoreUnit(app)
        self.handler = CommandHandler(self.unit)
        self.batch_size = batch_size
        self.max_delay_s = max_delay_s
        self.report = IngestReport()
        self._feeds: dict[str, Feed] = {}
        self._snapshots = SnapshotCollector()
        self._clock: float | None = None  # latest event time seen: for frames without one
        self._previous: tuple[str, float | None] | None = None  # (connection, last time)
        self._pending: list[ReceivedFrame] = []

    # -- driving -------------------------------------------------------------------------
    def ingest(self, items: Iterable[FeedItem]) -> IngestReport:
        """Ingest a finite sequence of feed items (capture files), batching by count."""
        for item in items:
            self.accept(item)
            if len(self._pending) >= self.batch_size:
                self.flush()
        self.flush()
        return self.report

    def run(self, source: queue.Queue[FeedItem], stop: threading.Event) -> IngestReport:
        """Ingest from a live queue until ``stop`` is set and the queue is drained. A batch
        closes at ``batch_size`` frames or ``max_delay_s`` after its first frame."""
        while True:
            try:
                item = source.get(timeout=0.05)
            except queue.Empty:
                self.flush()
                if stop.is_set():
                    return self.report
                continue
            self.accept(item)
            deadline = time.monotonic() + self.max_delay_s
            while len(self._pending) < self.batch_size:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    self.accept(source.get(timeout=remaining))
                except queue.Empty:
                    break
            self.flush()

    def accept(self, item: FeedItem) -> None:
        if isinstance(item, ReceivedFrame):
            self.report.frames_received += 1
            self._pending.append(item)
        elif isinstance(item, ConnectionOpened):
            self.flush()
            self._open(item)
        else:
            self.flush()
            self._close(item)

    # -- connections ---------------------------------------------------------------------
    def _feed(self, connection_id: str) -> Feed:
        feed = self._feeds.get(connection_id)
        if feed is None:
            found = self.unit.find(Feed, feed_id(connection_id))
            if found is None:
                raise CallboardError(f"frame for unopened connection {connection_id}")
            feed = self._feeds[connection_id] = found
        return feed

    def _open(self, item: ConnectionOpened) -> None:
        self._snapshots.clear()
        self.report.connections.append(item.connection_id)
        feed = self.unit.find(Feed, feed_id(item.connection_id))
        if feed is None:
            feed = Feed(item.connection_id, item.peer, item.at)
            if self._previous is not None:
                previous, last = self._previous
                gap = None if item.at is None or last is None else item.at - last
                feed.resume(item.at or last, previous, gap)
        self._feeds[item.connection_id] = feed
        self.app.save(feed)

    def _close(self, item: ConnectionClosed) -> None:
        feed = self._feed(item.connection_id)
        at = item.at if item.at is not None else self._clock
        if item.pending:
            log.warning("connection %s closed in the middle of a frame; %d bytes kept as "
                        "truncated: %r", item.connection_id, len(item.pending), item.pending)
            self._store_truncated(feed, item.pending)
        if not feed.closed:
            if item.reason == "stopped":
                feed.close(at)
            else:
                feed.interrupt(at, item.reason, len(item.pending))
            self.app.save(feed)
        self._previous = (item.connection_id, at)

    def _store_truncated(self, feed: Feed, raw: bytes) -> None:
        seq = feed.last_seq + 1
        chunk = FeedChunk(feed.connection_id, seq, [[seq, None, encode_raw(raw), "truncated"]])
        feed.store_frames(seq, seq, str(chunk.id))
        self.app.save(chunk, feed)
        self.report.frames_rejected += 1

    # -- batches -------------------------------------------------------------------------
    def flush(self) -> None:
        if not self._pending:
            return
        frames, self._pending = self._pending, []
        by_connection: dict[str, list[ReceivedFrame]] = {}
        for frame in frames:
            by_connection.setdefault(frame.connection_id, []).append(frame)
        for connection_id, group in by_connection.items():
            self._store_batch(self._feed(connection_id), group)

    def _store_batch(self, feed: Feed, frames: list[ReceivedFrame]) -> None:
        fresh = [f for f in frames if not feed.has(f.seq)]
        self.report.frames_skipped_duplicate += len(frames) - len(fresh)
        if not fresh:
            return
        parsed = [self._parse(f) for f in fresh]
        records: list[FrameRecord] = []
        for frame, (_, status) in zip(fresh, parsed, strict=True):
            records.append([frame.seq, frame.received_at, encode_raw(frame.raw), status])
        times = self._event_times(fresh, parsed)
        for frame, (message, _), at in zip(fresh, parsed, times, strict=True):
            if message is not None:
                self._apply(frame, message, at)
        chunk = FeedChunk(feed.connection_id, fresh[0].seq, records)
        feed.store_frames(fresh[0].seq, fresh[-1].seq, str(chunk.id))
        try:
            self.report.events_stored += self.unit.save(chunk, feed)
        except Exception:
            self.unit.discard()
            self._feeds.pop(feed.connection_id, None)
            raise
        self.report.frames_stored += len(fresh)
        self.report.batches += 1

    def _parse(self, frame: ReceivedFrame) -> tuple[Message | None, str]:
        name = _event_name(frame.raw)
        if name is not None and not _wanted(name, frame.raw):
            return None, "ok"  # stored verbatim, not interpreted (noise such as Newexten)
        if frame.seq == 1 and frame.raw.startswith(b"Asterisk Call Manager/"):
            return None, "ok"
        try:
            return parse_frame(frame.raw), "ok"
        except MalformedFrame as error:
            self.report.frames_rejected += 1
            log.warning("rejected AMI frame seq=%d of %s (%s); raw bytes: %r", frame.seq,
                        frame.connection_id, error.reason, frame.raw)
            return None, f"rejected: {error.reason}"

    def _event_times(self, frames: list[ReceivedFrame],
                     parsed: list[tuple[Message | None, str]]) -> list[float]:
        """Event time: the ``Timestamp`` header; else the receive time; else (a capture
        has no receive clock) the next ``Timestamp`` in the batch, else the latest seen.
        ``FullyBooted`` and snapshot items carry no ``Timestamp``: dating them by the next
        event rather than the previous one keeps a quiet stretch from ageing them."""
        stamps = [_timestamp(m) if m is not None else None for m, _ in parsed]
        following: float | None = None
        ahead: list[float | None] = [None] * len(stamps)
        for i in range(len(stamps) - 1, -1, -1):
            ahead[i] = following
            following = stamps[i] if stamps[i] is not None else following
        times: list[float] = []
        for frame, stamp, later in zip(frames, stamps, ahead, strict=True):
            at = stamp if stamp is not None else frame.received_at
            if at is None:
                at = later if later is not None else (self._clock or 0.0)
            if self._clock is None or at > self._clock:
                self._clock = at
            times.append(at)
        return times

    def _apply(self, frame: ReceivedFrame, message: Message, at: float) -> None:
        try:
            for command in translate(message, at, self._snapshots):
                self.handler.handle(command)
        except CallboardError as error:
            self.report.translation_errors += 1
            log.warning("AMI frame seq=%d of %s refused by the domain: %s; raw bytes: %r",
                        frame.seq, frame.connection_id, error, frame.raw)
        except Exception:
            self.report.translation_errors += 1
            log.exception("AMI frame seq=%d of %s could not be translated; raw bytes: %r",
                          frame.seq, frame.connection_id, frame.raw)
