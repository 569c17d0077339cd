"""The PBX feed: every AMI frame received, verbatim, in receive order.

A ``Feed`` is one AMI connection (or one capture file). Frames are stored in
``FeedChunk`` aggregates (one stored event per batch: group commit), and the Feed keeps
the high-water mark so re-ingesting frames already stored changes nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import chunk_id, feed_id

__all__ = ["Feed", "FeedChunk", "FrameRecord", "decode_raw", "encode_raw"]

# A stored frame: [seq, received_at, raw bytes as latin-1 text, status]
# status is "ok", "rejected: <reason>" (logged and not translated), "truncated", or
# "untranslated: <error class>" (its batch could not be saved with its events).
FrameRecord = list[Any]


def encode_raw(raw: bytes) -> str:
    """Bytes -> text without loss (latin-1 maps each byte to one code point)."""
    return raw.decode("latin-1")


def decode_raw(text: str) -> bytes:
    return text.encode("latin-1")


class Feed(Aggregate):
    """One connection to the PBX, with what became of it."""

    INITIAL_VERSION = 1

    @staticmethod
    def create_id(connection_id: str) -> UUID:
        return feed_id(connection_id)

    @event("Opened")
    def __init__(self, connection_id: str, peer: str, at: float | None) -> None:
        self.connection_id = connection_id
        self.peer = peer
        self.opened_at = at
        self.last_seq = 0
        self.closed = False
        self.interrupted_at: float | None = None

    @event("FramesStored")
    def store_frames(self, first_seq: int, last_seq: int, chunk: str) -> None:
        self.last_seq = last_seq

    @event("Resumed")
    def resume(self, at: float | None, previous_connection_id: str, gap_s: float | None) -> None:
        """This connection follows an interrupted one: the gap is a fact of the feed."""

    @event("Interrupted")
    def interrupt(self, at: float | None, reason: str, pending_bytes: int) -> None:
        self.closed = True
        self.interrupted_at = at

    @event("Closed")
    def close(self, at: float | None) -> None:
        self.closed = True

    def has(self, seq: int) -> bool:
        return seq <= self.last_seq


class FeedChunk(Aggregate):
    """A batch of verbatim frames of one connection: one stored event per batch."""

    @staticmethod
    def create_id(connection_id: str, first_seq: int) -> UUID:
        return chunk_id(connection_id, first_seq)

    @event("Recorded")
    def __init__(self, connection_id: str, first_seq: int, frames: list[FrameRecord]) -> None:
        self.connection_id = connection_id
        self.first_seq = first_seq
        self.frames = frames
