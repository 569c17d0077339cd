"""Ingestion: store every received frame verbatim, then translate it into the domain.

One batch of frames (bounded by count and by a few milliseconds when live) is one
transaction: the ``FeedChunk`` holding the frames, the ``Feed``'s new high-water mark and
every domain event the frames imply. A frame already stored (seq at or below the feed's
high-water mark) is skipped, so ingesting the same capture twice changes nothing.
A frame that cannot be parsed or translated is logged by its digest (``records``) and
kept; one over the limit arrives cut and is stored with its marker, untranslated; a batch
that cannot be saved is stored again as its frames alone, ``untranslated``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable
from itertools import compress, repeat

from adapters.ami.feed_items import (
    ConnectionClosed,
    ConnectionOpened,
    FeedItem,
    ReceivedFrame,
    ReceivedFrames,
)
from adapters.ami.frames import BANNER_PREFIX, MalformedFrame, Message, parse_frame
from adapters.ami.limits import CutFrame
from adapters.ami.translation import SnapshotCollector, translate
from adapters.ingest.batching import IngestReport, Pending, undated_tail
from adapters.ingest.dating import EventClock
from adapters.ingest.pbx_outcomes import PbxOutcomes
from adapters.ingest.records import (
    RAW_ENCODING,
    batch_records,
    note_failed,
    note_pending,
    note_refused,
    note_rejected,
    note_unsaved,
    pending_status,
)
from adapters.ingest.triage import worth_parsing
from adapters.store.application import CallCenter, StoreUnit
from domain.errors import CallboardError
from domain.ids import feed_id
from domain.telephony.feed import Feed, FeedChunk, FrameRecord, encode_raw
from domain.telephony.handlers import CommandHandler

__all__ = ["RAW_ENCODING", "IngestReport", "Ingestor"]


class Ingestor:
    """Feeds frames through store -> translate -> aggregates, batch by batch."""

    def __init__(self, app: CallCenter, *, batch_size: int = 1000,
                 max_delay_s: float = 0.005) -> None:
        self.app = app
        self.unit = StoreUnit(app)
        self.handler = CommandHandler(self.unit)
        self.outcomes = PbxOutcomes(app)  # OriginateResponse -> its PbxAction
        self.batch_size = batch_size
        self.max_delay_s = max_delay_s
        self.report = IngestReport()
        self._feeds: dict[str, Feed] = {}
        self._snapshots = SnapshotCollector()
        self._clock = EventClock()  # dates frames; its latest time: for frames without one
        self._previous: tuple[str, float | None] | None = None  # (connection, last time)
        self._pending: dict[str, Pending] = {}  # by connection, in order of arrival
        self._count = 0  # frames pending

    # -- driving -------------------------------------------------------------------------
    def ingest(self, items: Iterable[FeedItem]) -> IngestReport:
        """Ingest a finite sequence of feed items (capture files), batching by count."""
        for item in items:
            self.accept(item)
            if self._count >= self.batch_size:
                self.flush(final=False)
        self.flush()
        return self.report

    def run(self, source: queue.Queue[FeedItem], stop: threading.Event) -> IngestReport:
        """Ingest a live queue until ``stop`` and drained (batches: count or delay)."""
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
            while self._count < self.batch_size:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    self.accept(source.get(timeout=remaining))
                except queue.Empty:
                    break
            self.flush()

    def accept(self, item: FeedItem) -> None:
        """Take one item; frames wait for ``flush`` (full batches of a run go at once)."""
        if isinstance(item, ReceivedFrame):
            self.report.frames_received += 1
            pending = self._pending_of(item.connection_id)
            pending.seqs.append(item.seq)
            pending.received.append(item.received_at)
            pending.raws.append(item.raw)
            self._count += 1
        elif isinstance(item, ReceivedFrames):
            self._accept_frames(item)
        elif isinstance(item, ConnectionOpened):
            self.flush()
            self._open(item)
        else:
            self.flush()
            self._close(item)

    def _pending_of(self, connection_id: str) -> Pending:
        pending = self._pending.get(connection_id)
        if pending is None:
            pending = self._pending[connection_id] = Pending()
        return pending

    def _accept_frames(self, item: ReceivedFrames) -> None:
        """As one ``ReceivedFrame`` per frame, each followed by ``ingest``'s check for a
        full batch, so the batches (and the chunks stored) are the same."""
        raws, total, pos = item.raws, len(item.raws), 0
        while pos < total:
            end = min(total, pos + max(1, self.batch_size - self._count))
            pending = self._pending_of(item.connection_id)
            pending.seqs.extend(range(item.first_seq + pos, item.first_seq + end))
            pending.received.extend(repeat(item.received_at, end - pos))
            pending.raws.extend(raws[pos:end])
            self._count += end - pos
            self.report.frames_received += end - pos
            pos = end
            if pos < total and self._count >= self.batch_size:
                self.flush(final=False)

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
        at = item.at if item.at is not None else self._clock.latest
        if item.pending:
            note_pending(item.connection_id, item.pending)
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
        chunk = FeedChunk(feed.connection_id, seq,
                          [[seq, None, encode_raw(raw), pending_status(raw)]])
        feed.store_frames(seq, seq, str(chunk.id))
        self.app.save(chunk, feed)
        self.report.frames_rejected += 1
        self.report.frames_cut += isinstance(raw, CutFrame)

    # -- batches -------------------------------------------------------------------------
    def flush(self, final: bool = True) -> None:
        """Store what is pending (a capture's undated tail waits unless ``final``)."""
        if not self._count:
            return
        pending, self._pending, self._count = self._pending, {}, 0
        for connection_id, frames in pending.items():
            if not final and (keep := undated_tail(frames, worth_parsing(frames.raws))):
                frames, self._pending[connection_id] = frames.split(len(frames.raws) - keep)
                self._count += keep
            if frames.raws:
                self._store_batch(connection_id, self._feed(connection_id), frames)

    def _store_batch(self, connection_id: str, feed: Feed, frames: Pending) -> None:
        seqs, received, raws = frames.seqs, frames.received, frames.raws
        if feed.has(min(seqs)):  # some already stored (``has`` is a high-water mark)
            fresh = [not feed.has(seq) for seq in seqs]
            stale = [not f for f in fresh]
            self._catch_up_translation(list(compress(received, stale)),
                                       list(compress(raws, stale)))
            seqs = list(compress(seqs, fresh))
            received = list(compress(received, fresh))
            raws = list(compress(raws, fresh))
            self.report.frames_skipped_duplicate += len(fresh) - len(seqs)
            if not seqs:
                return
        records, chosen, cut = batch_records(connection_id, seqs, received, raws)
        self.report.frames_rejected += cut
        self.report.frames_cut += cut
        messages: list[tuple[int, Message]] = []
        for i in chosen:
            raw = raws[i]
            if seqs[i] == 1 and raw.startswith(BANNER_PREFIX):
                continue
            try:
                messages.append((i, parse_frame(raw)))
            except MalformedFrame as error:
                self.report.frames_rejected += 1
                note_rejected(connection_id, seqs[i], error)
                records[i][3] = f"rejected: {error.reason}"
        times = self._clock.times(received, messages)
        for (i, message), at in zip(messages, times, strict=True):
            self._apply(connection_id, seqs[i], raws[i], message, at)
        chunk = FeedChunk(feed.connection_id, seqs[0], records)
        feed.store_frames(seqs[0], seqs[-1], str(chunk.id))
        try:
            self.report.events_stored += self.unit.save(chunk, feed, *self.outcomes.ready())
        except Exception as error:
            self.unit.discard()
            self._feeds.pop(feed.connection_id, None)
            self._store_alone(connection_id, seqs, raws, records, error)
            return
        self.report.frames_stored += len(seqs)
        self.report.batches += 1

    def _store_alone(self, connection_id: str, seqs: list[int], raws: list[bytes],
                     records: list[FrameRecord], error: Exception) -> None:
        """The batch could not be saved (a value the store refuses, a bug): store its
        frames alone, ``untranslated: <error class>``, and go on. We chose this over
        stopping because one poisoned batch stopped ``ingest`` and ``listen`` for good;
        the frames stay in the feed to be looked into. The aggregates it touched are
        reloaded (``discard``); if the frames alone cannot be saved, the error stands."""
        status = f"untranslated: {type(error).__name__}"
        for record in records:
            if record[3] == "ok":
                record[3] = status
        feed = self._feed(connection_id)
        chunk = FeedChunk(connection_id, seqs[0], records)
        feed.store_frames(seqs[0], seqs[-1], str(chunk.id))
        try:
            self.app.save(chunk, feed)
        except Exception:
            self._feeds.pop(connection_id, None)
            raise
        note_unsaved(connection_id, seqs, raws, error)
        self.report.frames_stored += len(seqs)
        self.report.batches_failed += 1
        self.report.frames_untranslated += len(seqs)

    def _catch_up_translation(self, received: list[float | None], raws: list[bytes]) -> None:
        """Frames stored by an earlier run (a restart re-reads them): their domain events
        are stored, but the state they built (event clock, open snapshot lists, gap
        counters) lived in that run's memory: the handler only ``recall``s them."""
        messages: list[tuple[int, Message]] = []
        for i in worth_parsing(raws):
            if raws[i].startswith(BANNER_PREFIX) or isinstance(raws[i], CutFrame):
                continue
            try:
                messages.append((i, parse_frame(raws[i])))
            except MalformedFrame:
                continue  # logged when it was first stored
        for (_, message), at in zip(messages, self._clock.times(received, messages),
                                    strict=True):
            try:
                for command in translate(message, at, self._snapshots):
                    self.handler.recall(command)
            except Exception:  # logged when it was first stored
                continue

    def _apply(self, connection_id: str, seq: int, raw: bytes, message: Message,
               at: float) -> None:
        try:
            self.outcomes.read(message, at)
            for command in translate(message, at, self._snapshots):
                self.handler.handle(command)
        except CallboardError as error:
            self.report.translation_errors += 1
            note_refused(connection_id, seq, message, raw, error)
        except Exception as error:
            self.report.translation_errors += 1
            note_failed(connection_id, seq, message, raw, error)
