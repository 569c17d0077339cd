"""AMI wire format: splitting a byte stream into frames and frames into headers.

Pure functions over bytes, no I/O. A frame is kept verbatim as the bytes Asterisk sent
(terminator included) so the feed can store exactly what arrived; parsing into headers
is a separate step that never raises on bad data, it reports it. A frame longer than the
limit is the exception to "verbatim": it comes out cut (``adapters.ami.limits``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from adapters.ami.limits import MAX_FRAME_BYTES, CutFrame, FrameSkipper, frame_digest

__all__ = [
    "BANNER_PREFIX",
    "FrameSplitter",
    "MalformedFrame",
    "Message",
    "parse_buffer",
    "parse_frame",
]

BANNER_PREFIX = b"Asterisk Call Manager/"
_END = b"\r\n\r\n"
_MULTI_HEADERS = frozenset({"ChanVariable", "Output", "DestChanVariable"})


def parse_buffer(buffer: bytes, *, at_start: bool = False) -> tuple[list[bytes], bytes]:
    """Split ``buffer`` into complete raw frames and the incomplete rest.

    Each frame keeps its terminating blank line. With ``at_start`` the first line is the
    AMI banner (``Asterisk Call Manager/x.y.z``), which has no blank line after it and is
    returned as a frame of its own.
    """
    frames: list[bytes] = []
    pos = 0
    if at_start and buffer.startswith(BANNER_PREFIX):
        eol = buffer.find(b"\r\n")
        if eol < 0:
            return frames, buffer
        frames.append(buffer[: eol + 2])
        pos = eol + 2
    find = buffer.find
    while True:
        end = find(_END, pos)
        if end < 0:
            break
        frames.append(buffer[pos : end + 4])
        pos = end + 4
    return frames, buffer[pos:]


@dataclass(slots=True)
class FrameSplitter:
    """Incremental splitter for one connection: feed it bytes, get whole frames back.

    A frame longer than ``max_frame`` (``adapters.ami.limits``) comes out as a
    ``CutFrame`` of its first ``max_frame`` bytes: once the bytes held for a frame pass the
    limit, the rest is only counted and hashed until its blank line, so what is held stays
    under the limit whatever the peer sends. ``cut`` counts the frames cut so far.
    """

    max_frame: int = MAX_FRAME_BYTES
    cut: int = 0
    _rest: bytes = b""
    _started: bool = False
    _skipping: FrameSkipper | None = None

    def feed(self, data: bytes) -> list[bytes]:
        frames: list[bytes] = []
        buffer = self._skip(data, frames)
        if not self._banner_ready(buffer):
            return frames
        got, rest = parse_buffer(buffer, at_start=not self._started)
        self._started = True
        frames += self._limited(got)
        self._keep(rest)
        return frames

    def feed_in_lists(self, data: bytes, size: int) -> Iterator[list[bytes]]:
        """``feed``, as lists of at most ``size`` frames, each split only when asked for
        (a capture read whole is not copied into frames all at once: each list is used
        while its bytes are still in the cache). ``pending`` is right once the iterator
        is exhausted."""
        size = max(1, size)
        frames: list[bytes] = []
        buffer = self._skip(data, frames)
        if not self._banner_ready(buffer):
            if frames:
                yield frames
            return
        pos = 0
        if not self._started:  # the banner line is a frame of its own
            pos = buffer.find(b"\r\n") + 2
            frames.append(buffer[:pos])
            self._started = True
        find = buffer.find
        while True:
            for _ in range(size - len(frames)):
                end = find(_END, pos)
                if end < 0:
                    break
                frames.append(buffer[pos : end + 4])
                pos = end + 4
            if len(frames) < size:
                break
            yield self._limited(frames)
            frames = []
        self._keep(buffer[pos:])
        if frames:
            yield self._limited(frames)

    @property
    def pending(self) -> bytes:
        """Bytes received that do not (yet) make a whole frame: a cut frame at EOF (a
        ``CutFrame`` when it had passed the limit)."""
        if self._skipping is not None:
            return self._skipping.frame(ended=False)
        return self._rest

    def _skip(self, data: bytes, frames: list[bytes]) -> bytes:
        """The buffer to split: ``data`` after the end of an oversized frame being read
        past (appended to ``frames`` once it ends), else the rest held plus ``data``."""
        skipping = self._skipping
        if skipping is None:
            return self._rest + data if self._rest else data
        used = skipping.take(data)
        if used is None:
            return b""
        frames.append(skipping.frame(ended=True))
        self._skipping = None
        return data[used:]

    def _banner_ready(self, buffer: bytes) -> bool:
        """False (the buffer held) while a banner line may still be arriving. A banner
        line is at most ``max_frame`` bytes: a longer line is a frame, to be cut."""
        if self._started:
            return True
        if not BANNER_PREFIX.startswith(buffer[: len(BANNER_PREFIX)]):
            self._started = True  # no banner: a capture cut at the start
        elif buffer.find(b"\r\n", 0, self.max_frame) < 0:
            if len(buffer) < self.max_frame:
                self._rest = buffer  # wait for the whole banner line
                return False
            self._started = True
        return True

    def _keep(self, rest: bytes) -> None:
        if len(rest) <= self.max_frame:
            self._rest = rest
        else:
            self._rest, self._skipping = b"", FrameSkipper(rest[: self.max_frame], rest)
            self.cut += 1

    def _limited(self, frames: list[bytes]) -> list[bytes]:
        limit = self.max_frame
        if not frames or max(map(len, frames)) <= limit:
            return frames
        cut = [CutFrame(f[:limit], len(f), hashlib.sha256(f).hexdigest(), True)
               if len(f) > limit else f for f in frames]
        self.cut += sum(len(f) > limit for f in frames)
        return cut


class MalformedFrame(ValueError):
    """A frame that is not a list of ``Key: value`` lines; carries the raw bytes.

    ``reason`` may quote the offending line (it is stored with the frame, in the feed);
    ``kind`` and ``str(error)`` never quote the frame, so they are what a log may print.
    """

    def __init__(self, reason: str, raw: bytes, kind: str | None = None) -> None:
        self.kind = kind or reason
        super().__init__(f"{self.kind} ({frame_digest(raw)})")
        self.reason = reason
        self.raw = raw


@dataclass(slots=True)
class Message:
    """A parsed AMI frame. ``headers`` keeps the last value of a repeated key;
    ``repeated`` keeps every value of keys that legitimately repeat (``ChanVariable``)."""

    headers: dict[str, str]
    repeated: dict[str, list[str]] = field(default_factory=dict)

    @property
    def event(self) -> str | None:
        return self.headers.get("Event")

    @property
    def response(self) -> str | None:
        return self.headers.get("Response")

    def get(self, key: str, default: str = "") -> str:
        return self.headers.get(key, default)


def parse_frame(raw: bytes) -> Message:
    """Parse one raw frame into headers.

    Bytes that are not valid UTF-8 are data (decoded with replacement characters, the
    raw bytes stay untouched in the feed). Lines without ``": "`` make the frame
    malformed, except ``Output`` continuation of command responses.
    """
    text = raw.decode("utf-8", "replace")
    if text.endswith("\r\n\r\n"):
        text = text[:-4]
    elif text.endswith("\r\n"):
        text = text[:-2]
    if not text:
        raise MalformedFrame("empty frame", raw)
    headers: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    for line in text.split("\r\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            if line.endswith(":") and line[:-1].isidentifier():
                key, value = line[:-1], ""
            else:
                raise MalformedFrame(f"line without 'Key: value': {line[:80]!r}", raw,
                                     "line without 'Key: value'")
        if not key or " " in key or "\x00" in key:
            raise MalformedFrame(f"bad header name {key[:40]!r}", raw, "bad header name")
        if key in _MULTI_HEADERS:
            repeated.setdefault(key, []).append(value)
        headers[key] = value
    if "Event" not in headers and "Response" not in headers:
        raise MalformedFrame("neither Event nor Response header", raw)
    return Message(headers, repeated)
