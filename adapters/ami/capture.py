"""Recorded AMI captures (``*.ami``: every byte Asterisk sent on one connection) as a feed.

A capture may be gzip-compressed (``*.ami.gz``, as the demo day ships in the package):
:func:`read_capture` recognises it by its magic bytes and reads the AMI bytes inside.

Several files are consecutive connections of one feed, in order. A capture has no
receive clock, so frames carry ``received_at=None`` and the connection's open and close
times are the first and last ``Timestamp`` in the file. Frames are handed over a thousand
at a time (``ReceivedFrames``; ingestion batches them as it would single frames), split
from the file as they are asked for.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid5

from adapters.ami.feed_items import ConnectionClosed, ConnectionOpened, FeedItem, ReceivedFrames
from adapters.ami.frames import FrameSplitter
from adapters.ami.limits import MAX_FRAME_BYTES

__all__ = ["CaptureError", "capture_connection_id", "capture_items", "read_capture"]

_CAPTURE_NS = UUID("0b7f8a3e-5d1c-4c8e-9a42-6e2f1d3c5b7a")
_TIMESTAMP = re.compile(rb"\r\nTimestamp: (\d+(?:\.\d+)?)\r\n")
FRAMES_PER_ITEM = 1000
_GZIP_MAGIC = b"\x1f\x8b"  # an AMI capture starts with the banner, never with these


class CaptureError(ValueError):
    """A capture file that cannot be read at all (missing, empty, not AMI)."""


def read_capture(path: str | os.PathLike[str]) -> bytes:
    """The AMI bytes of a capture file, plain or gzip-compressed (by its content, not its
    name, so a renamed file still reads). Bytes that start like gzip but do not decompress
    are refused only in a file named ``.gz``: any other file is a recorded stream, and a
    stream may begin with any bytes (the fuzzer found one), so it is read as it is."""
    data = Path(path).read_bytes()
    if data.startswith(_GZIP_MAGIC):
        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as error:
            if str(path).endswith(".gz"):
                raise CaptureError(
                    f"capture {path} is a damaged gzip file ({error}): compress the .ami "
                    "again or use it uncompressed") from error
    return data


def capture_connection_id(data: bytes) -> str:
    """Same bytes, same connection id: re-ingesting a capture is recognised."""
    return str(uuid5(_CAPTURE_NS, hashlib.sha256(data).hexdigest()))


def _first_last_timestamp(data: bytes) -> tuple[float | None, float | None]:
    first = _TIMESTAMP.search(data)
    last = None
    tail_start = max(0, len(data) - 65536)
    for match in _TIMESTAMP.finditer(data, tail_start):
        last = match
    if last is None:
        for match in _TIMESTAMP.finditer(data):
            last = match
    return (float(first.group(1)) if first else None, float(last.group(1)) if last else None)


def capture_items(paths: list[Path], max_frame: int = MAX_FRAME_BYTES) -> Iterator[FeedItem]:
    """Each file is one connection; every file but the last ends as an interrupted
    connection (a gap follows it), the last one as a clean stop. A frame longer than
    ``max_frame`` is handed over cut (``adapters.ami.limits``), as from a live feed."""
    for index, path in enumerate(paths):
        try:
            data = read_capture(path)
        except OSError as error:
            raise CaptureError(f"cannot read capture {path}: {error.strerror}") from error
        if not data:
            raise CaptureError(f"capture {path} is empty")
        connection_id = capture_connection_id(data)
        first, last = _first_last_timestamp(data)
        yield ConnectionOpened(connection_id, first, f"file:{path.name}")
        splitter = FrameSplitter(max_frame)
        seq = 1
        for frames in splitter.feed_in_lists(data, FRAMES_PER_ITEM):
            yield ReceivedFrames(connection_id, seq, None, frames)
            seq += len(frames)
        reason = "stopped" if index == len(paths) - 1 else "capture segment ended"
        yield ConnectionClosed(connection_id, last, reason, splitter.pending)
