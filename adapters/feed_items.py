"""What a feed source (a live AMI connection or a capture file) hands to ingestion.

Sources put these on a queue (live) or yield them (files) in receive order. Ingestion
stores every ``ReceivedFrame`` verbatim before interpreting it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ConnectionClosed", "ConnectionOpened", "FeedItem", "ReceivedFrame"]


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
    raw: bytes  # verbatim, terminator included (the banner frame ends with one CRLF)


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The connection ended: cleanly (``reason='stopped'``) or not."""

    connection_id: str
    at: float | None
    reason: str
    pending: bytes = b""  # bytes of a frame cut off by the close, kept for the log


FeedItem = ConnectionOpened | ReceivedFrame | ConnectionClosed
