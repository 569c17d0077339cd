"""The longest AMI frame kept whole, what stands for a longer one, and what a log may say.

Asterisk's frames are small: the largest in the recorded captures is 2,703 bytes (a
``CoreShowChannel`` with its variables), so the default limit, 64 KiB, leaves a margin of
twenty times. A peer that sends a line that never ends (a broken PBX, or anyone who reached
the AMI port) must neither grow a buffer without bound nor reach the log: the splitter
keeps the first ``max_frame`` bytes, counts and hashes the rest up to the frame's blank
line, and hands over a :class:`CutFrame`. We chose cutting over dropping the connection
because the feed's rule is to keep what was received: the prefix is stored with a marker,
the rest is known by its length and digest, and the frames after it go on as usual.

Log lines describe frames by :func:`frame_digest` only (length and a SHA-256 prefix,
enough to find the frame in the feed), never by their bytes: frames carry customer
numbers and names, and a log is neither encrypted at rest nor masked.
"""

from __future__ import annotations

import hashlib
from types import TracebackType

__all__ = ["MAX_FRAME_BYTES", "CutFrame", "FrameSkipper", "TranslationFailed", "frame_digest",
           "withheld"]

MAX_FRAME_BYTES = 64 * 1024
_END = b"\r\n\r\n"


class CutFrame(bytes):
    """The first ``max_frame`` bytes of a longer frame. ``length`` and ``sha256`` are
    those of the whole frame as received (up to the close, when ``ended`` is false)."""

    length: int
    sha256: str
    ended: bool

    def __new__(cls, prefix: bytes, length: int, sha256: str, ended: bool) -> CutFrame:
        self = super().__new__(cls, prefix)
        self.length, self.sha256, self.ended = length, sha256, ended
        return self

    @property
    def marker(self) -> str:
        """The frame's status in the feed: says it was cut, where, and what the whole was."""
        end = "" if self.ended else ", unterminated"
        return (f"truncated: frame of {self.length} bytes cut at {len(self)}{end}, "
                f"sha256 {self.sha256[:16]}")


def frame_digest(raw: bytes) -> str:
    """What a log line may say about a frame: its length and a SHA-256 prefix."""
    if isinstance(raw, CutFrame):
        return f"{raw.length} bytes, sha256 {raw.sha256[:16]}"
    return f"{len(raw)} bytes, sha256 {hashlib.sha256(raw).hexdigest()[:16]}"


class FrameSkipper:
    """An oversized frame being read past: its kept prefix, the running hash and length of
    the whole, and its last three bytes (a terminator may straddle two reads)."""

    __slots__ = ("hash", "length", "prefix", "tail")

    def __init__(self, prefix: bytes, received: bytes) -> None:
        self.prefix = prefix
        self.hash = hashlib.sha256(received)
        self.length = len(received)
        self.tail = received[-3:]

    def take(self, data: bytes) -> int | None:
        """Read ``data`` as the frame's continuation: how many of its bytes end the frame
        (terminator included), or None when all of them belong to it and it goes on."""
        joined = self.tail + data[:3]
        end = joined.find(_END)
        if end < 0:
            end = data.find(_END)
            used = None if end < 0 else end + 4
        else:
            used = end + 4 - len(self.tail)
        part = data if used is None else data[:used]
        self.hash.update(part)
        self.length += len(part)
        self.tail = (self.tail + part)[-3:]
        return used

    def frame(self, ended: bool) -> CutFrame:
        return CutFrame(self.prefix, self.length, self.hash.hexdigest(), ended)


class TranslationFailed(Exception):
    """Stands in a log record for an exception whose message may quote a frame."""


def withheld(error: BaseException) -> tuple[type[BaseException], BaseException,
                                             TracebackType | None]:
    """``exc_info`` for a log record: the traceback of ``error`` (where it failed) without its
    message or chained causes, which may quote header values (``int('7185555713x')``)."""
    stand_in = TranslationFailed(f"{type(error).__name__} (message withheld: it may quote "
                                 "the frame)")
    return TranslationFailed, stand_in.with_traceback(error.__traceback__), error.__traceback__
