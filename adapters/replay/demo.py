"""The demo PBX: a replay AMI server that plays a recorded day again and again, moved to
the present, at a chosen speed, so a newcomer's wallboard is live at once.

Loop ``k`` of the capture is shifted by ``base + k * period`` seconds: every
``Timestamp`` and every epoch in a ``...Uniqueid`` / ``...Linkedid`` header (and the
members' ``LoginTime``, ``LastCall``, ``LastPause``) moves, so each loop's calls are new
calls and the first loop starts now. Later loops leave out the session start (login
response, ``FullyBooted``, ``SuccessfulAuth``, the resync lists): it is one long session.
Time on the demo runs ``speed`` times faster than the wall clock: :class:`DemoClock`.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from adapters.replay.frames import Capture, ServedConnection
from adapters.replay.server import ReplayAmiServer

__all__ = ["DEMO_CAPTURE", "DEMO_RECORDINGS", "DemoAmiServer", "DemoClock", "shift_frame"]

_DATA = Path(__file__).parent / "demo_data"  # package data: ships with the installed package
DEMO_CAPTURE: Path = _DATA / "basic-day.ami.gz"
"""The recorded day the demo replays (tests/fixtures/basic-day, gzip-compressed)."""
DEMO_RECORDINGS: Path = _DATA / "recordings"
"""The demo's recordings folder: a few calls of that day with their audio."""

_EPOCH_HEADER = re.compile(
    rb"^((?:[A-Za-z]*(?:Uniqueid|UniqueID|Linkedid))|Timestamp|LoginTime|LastCall|LastPause)"
    rb": (\d{9,})(\.\d+)?\r$", re.MULTILINE)
_SESSION_START = (b"Event: FullyBooted\r\n", b"Event: SuccessfulAuth\r\n")
GAP_S = 10


def shift_frame(frame: bytes, offset: int) -> bytes:
    """``frame`` with its epoch-valued headers moved by ``offset`` whole seconds."""
    def move(m: re.Match[bytes]) -> bytes:
        return b"%s: %d%s\r" % (m.group(1), int(m.group(2)) + offset, m.group(3) or b"")
    return _EPOCH_HEADER.sub(move, frame)


class DemoClock:
    """Demo time: starts at the wall clock's now and runs ``speed`` times faster."""

    def __init__(self, speed: float, wall: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.speed, self._monotonic = speed, monotonic
        self.start, self._started = wall(), monotonic()

    def __call__(self) -> float:
        return self.start + (self._monotonic() - self._started) * self.speed


def _session_start_length(capture: Capture) -> int:
    for i, (frame, stamp) in enumerate(zip(capture.frames, capture.timestamps, strict=True)):
        if stamp is not None and not frame.startswith(_SESSION_START):
            return i
    return len(capture.frames)


class DemoAmiServer(ReplayAmiServer):
    """Streams ``capture`` in loops, shifted to the present, paced by ``clock``."""

    def __init__(self, capture: str | os.PathLike[str], *, clock: DemoClock,
                 username: str = "demo", secret: str = "demo", loops: int | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__([capture], username=username, secret=secret, host=host, port=port,
                         loop=True)
        self.clock, self.loops = clock, loops
        stamps = [s for s in self._captures[0].timestamps if s is not None]
        self.first, last = min(stamps), max(stamps)
        self.period = math.ceil(last - self.first) + GAP_S
        self.base = math.floor(clock.start - self.first)
        self.loops_done = 0

    def _stream(self, conn: ServedConnection) -> None:
        capture = conn.capture
        if capture is None:
            return
        skip = _session_start_length(capture)
        k = max(0, math.floor((self.clock() - self.clock.start) / self.period))
        try:
            while self.loops is None or k < self.loops:
                offset = self.base + k * self.period
                start = 0 if k == 0 else skip
                for frame, stamp in zip(capture.frames[start:], capture.timestamps[start:],
                                        strict=True):
                    if stamp is not None:
                        delay = (stamp + offset - self.clock()) / self.clock.speed
                        if delay > 0 and conn.closed.wait(delay):
                            return
                    if conn.closed.is_set() or not conn.send(shift_frame(frame, offset)):
                        return
                    with self._cond:
                        conn.frames_sent += 1
                k += 1
                self.loops_done = k
        except OSError as exc:
            self._log.debug("demo stream %d ended: %s", conn.index, exc)
        finally:
            with self._cond:
                conn.streamed = True
                self._cond.notify_all()
