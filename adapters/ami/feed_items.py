"""What a feed source (a live AMI connection or a capture file) hands to ingestion.

Sources put these on a queue (live) or yield them (files) in receive order. Ingestion
stores every frame (``ReceivedFrame``, or each of a ``ReceivedFrames``) verbatim before
interpreting it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ConnectionClosed", "ConnectionOpened", "FeedItem", "ReceivedFrame",
           "ReceivedFrames"]


@dataclass(frozen=True, slots=True)
class ConnectionOpened:
    """A connection to the PBX (or a capture segment) begins."""

    connection_id: str  # uuid string, unique per TCP connection / capture file
    at: float | None  # epoch seconds, receive clock (None: a capture with no Timestamp)
    peer: str  # "host:port" or "file:NAME"


@dataclass(frozen=True, slots=True)
class ReceivedFrame:
    """One AMI frame exactly as received, with its place in the connection."""

    connection_id: str
    seq: int  # 1-based receive sequence number within the connection
    received_at: float | None  # epoch seconds; None when a capture file has no clock
    raw: bytes  # verbatim, terminator included (the banner frame ends with one CRLF); a
    # ``CutFrame`` (its first bytes, marked) when longer than the frame limit


@dataclass(frozen=True, slots=True)
class ReceivedFrames:
    """Consecutive frames of one connection handed over together (a capture file's, a
    thousand at a time): ``raws[i]`` is frame ``first_seq + i``. The same as one
    ``ReceivedFrame`` per frame, without an object per frame."""

    connection_id: str
    first_seq: int  # receive sequence number of raws[0]
    received_at: float | None  # of every frame; None when a capture file has no clock
    raws: Sequence[bytes]  # each verbatim, terminator included


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The connection ended: cleanly (``reason='stopped'``) or not."""

    connection_id: str
    at: float | None
    reason: str
    # bytes of a frame cut off by the close, stored as truncated (a ``CutFrame`` of the
    # first ``max_frame`` bytes when it had passed the limit: ``adapters.ami.limits``)
    pending: bytes = b""


FeedItem = ConnectionOpened | ReceivedFrame | ReceivedFrames | ConnectionClosed
