"""Reading the log for people: a call's timeline with the raw AMI frames behind it, and
pages of the log for auditors.

Frames behind a call: ingestion stores each batch's ``FeedChunk`` in the same transaction
as the domain events the batch caused, just before them in the log; so the chunks behind
a call's events are the nearest chunks before each of their positions, and the frames
are those of the call (its ``Linkedid``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from adapters.store.application import CallCenter
from adapters.store.log_pages import notifications
from domain.events import event_topic
from domain.telephony.feed import FeedChunk, decode_raw

__all__ = ["CHUNK_TOPIC", "LogEntry", "call_frames", "log_page", "positions_of"]

CHUNK_TOPIC = event_topic(FeedChunk, "Recorded")
CHUNK_LOOKBACK = 5_000  # positions: more than the events one batch of frames can cause


@dataclass(frozen=True)
class LogEntry:
    position: int
    topic: str
    aggregate_id: str
    version: int
    event: Any


def positions_of(app: CallCenter, aggregate_id: UUID) -> dict[int, int]:
    """``{version: log position}`` of one aggregate's events."""
    recorder = app.recorder
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT originator_version, rowid FROM {recorder.events_table_name} "
                      "WHERE originator_id = ?", (aggregate_id.hex,))
            return {int(r[0]): int(r[1]) for r in c.fetchall()}
    if isinstance(recorder, PostgresApplicationRecorder):
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT originator_version, notification_id FROM {0}.{1} "
                             "WHERE originator_id = %s").format(
                Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)),
                (aggregate_id,))
            return {int(r["originator_version"]): int(r["notification_id"])
                    for r in curs.fetchall()}
    found: dict[int, int] = {}  # in-memory store: scan
    for n in notifications(app.recorder, size=5000):
        if n.originator_id == aggregate_id:
            found[n.originator_version] = n.id
    return found


def _chunk_before(app: CallCenter, position: int) -> Any | None:
    page = app.recorder.select_notifications(max(1, position - CHUNK_LOOKBACK), CHUNK_LOOKBACK,
                                             stop=position, topics=(CHUNK_TOPIC,))
    return page[-1] if page else None


def call_frames(app: CallCenter, positions: list[int], keys: list[str]) -> list[dict[str, Any]]:
    """The raw frames of the chunks behind ``positions`` that name one of ``keys``
    (Linkedid / Uniqueid values), in receive order."""
    needles = [f": {k}\r\n".encode() for k in keys if k]
    chunks: dict[int, Any] = {}
    for position in sorted(set(positions)):
        notification = _chunk_before(app, position)
        if notification is not None:
            chunks[notification.id] = notification
    frames: list[dict[str, Any]] = []
    for position, notification in sorted(chunks.items()):
        chunk: Any = app.mapper.to_domain_event(notification)
        for seq, received_at, raw_text, status in chunk.frames:
            raw = decode_raw(raw_text)
            if any(n in raw for n in needles):
                frames.append({"connection_id": chunk.connection_id, "seq": seq,
                               "received_at": received_at, "status": status,
                               "chunk_position": position,
                               "raw": raw.decode("utf-8", "replace")})
    return frames


def log_page(app: CallCenter, *, after: int, limit: int, topics: tuple[str, ...] = (),
             aggregate_id: UUID | None = None, since: float | None = None,
             until: float | None = None) -> tuple[list[LogEntry], int | None]:
    """Up to ``limit`` entries after position ``after`` that pass the filters, and the
    position to continue after (None at the end of the log)."""
    if aggregate_id is not None:
        return _aggregate_page(app, aggregate_id, after=after, limit=limit, topics=topics,
                               since=since, until=until)
    out: list[LogEntry] = []
    for n in notifications(app.recorder, topics, start=after + 1, size=1000):
        event = app.mapper.to_domain_event(n)
        if _in_time(event, since, until):
            out.append(LogEntry(n.id, n.topic, str(n.originator_id), n.originator_version,
                                event))
            if len(out) == limit:
                return out, n.id
    return out, None


def _in_time(event: Any, since: float | None, until: float | None) -> bool:
    if since is None and until is None:
        return True
    at = getattr(event, "at", None)
    return at is not None and (since is None or at >= since) and (until is None or at < until)


def _aggregate_page(app: CallCenter, aggregate_id: UUID, *, after: int, limit: int,
                    topics: tuple[str, ...], since: float | None, until: float | None
                    ) -> tuple[list[LogEntry], int | None]:
    positions = positions_of(app, aggregate_id)
    out: list[LogEntry] = []
    for stored in app.recorder.select_events(aggregate_id):
        position = positions.get(stored.originator_version, 0)
        if position <= after or (topics and stored.topic not in topics):
            continue
        event = app.mapper.to_domain_event(stored)
        if _in_time(event, since, until):
            out.append(LogEntry(position, stored.topic, str(aggregate_id),
                                stored.originator_version, event))
    out.sort(key=lambda e: e.position)
    more = len(out) > limit
    return out[:limit], (out[limit - 1].position if more else None)
