"""The health of one live feed: is the AMI connection up and since when, when did the last
frame arrive, how many frames per second lately, how many gaps and how long the last one.

Operations asked "is the feed up?" and got an average since start (a busy hour's 391
frames/s showed as 5.6) and the age of the wallboard's last event (169 s on a healthy
connection, because nothing happened on the floor). So the rate is counted over a short
sliding window of one-second buckets (memory bounded, whatever the rate), the last frame
is any frame (a Ping's answer counts: it proves the link), and "up" means logged in, not
merely connected: a connection whose login is refused feeds nothing.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["WINDOW_S", "FeedHealth", "FeedState", "FeedWatched", "feed_block"]

WINDOW_S = 10  # seconds the frame rate is measured over


@dataclass(frozen=True, slots=True)
class FeedState:
    """One feed as it stands (wall-clock epoch seconds)."""

    name: str  # the PBX the feed reads, ``host:port``: several feeds fit beside it later
    connected: bool
    since: float | None  # when it came up, or went down (None: never connected yet)
    last_frame_at: float | None
    frames_per_s: float  # over the last ``WINDOW_S`` seconds
    frames: int
    gaps: int  # times the connection was lost (not stopped) after being up
    last_gap_s: float | None  # the last gap's length; while down, how long so far


@runtime_checkable
class FeedWatched(Protocol):
    """A feed source that knows its link's health (the AMI client); a source of files
    does not, and the boards then say "no live feed" rather than "down"."""

    def feed_state(self) -> FeedState: ...


class FeedHealth:
    """Thread-safe: the reader thread counts frames, the client's thread marks the link
    up and down, the API reads ``state()``."""

    def __init__(self, name: str, *, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic,
                 window_s: int = WINDOW_S) -> None:
        self.name, self._clock, self._monotonic = name, clock, monotonic
        self._window = window_s
        self._lock = threading.Lock()
        self._buckets: deque[list[int]] = deque()  # [second, frames], oldest first
        self._connected = False
        self._since: float | None = None
        self._last_frame: float | None = None
        self._frames, self._gaps = 0, 0
        self._down_at: float | None = None  # monotonic time the link was lost
        self._last_gap: float | None = None

    def frame(self) -> None:
        """One frame received (called by the reader thread: cheap, never raises)."""
        second = int(self._monotonic())
        with self._lock:
            self._last_frame = self._clock()
            self._frames += 1
            if self._buckets and self._buckets[-1][0] == second:
                self._buckets[-1][1] += 1
            else:
                self._buckets.append([second, 1])
                self._expire(second)

    def up(self) -> None:
        """Logged in: the feed is live again (a gap, if any, ends here)."""
        with self._lock:
            if self._connected:
                return
            if self._down_at is not None:
                self._last_gap = self._monotonic() - self._down_at
                self._down_at = None
            self._connected, self._since = True, self._clock()

    def down(self, *, stopped: bool = False) -> None:
        """The connection ended: a gap begins, unless we stopped it ourselves."""
        with self._lock:
            if not self._connected:
                return
            self._connected, self._since = False, self._clock()
            if not stopped:
                self._gaps += 1
                self._down_at = self._monotonic()

    def state(self) -> FeedState:
        now = self._monotonic()
        with self._lock:
            self._expire(int(now))
            recent = sum(n for _, n in self._buckets)  # the last ``window`` seconds
            gap = self._last_gap if self._down_at is None else now - self._down_at
            return FeedState(self.name, self._connected, self._since, self._last_frame,
                             round(recent / self._window, 3), self._frames, self._gaps, gap)

    def _expire(self, second: int) -> None:
        while self._buckets and self._buckets[0][0] <= second - self._window:
            self._buckets.popleft()


def feed_block(states: Sequence[FeedState]) -> dict[str, object]:
    """What a board (and /api/ready) says about its feeds. ``live`` False: there is no
    live feed (ingest of files, a server without AMI): nothing is down, the figures are
    what the log holds. ``stale``: a feed is down, so the figures stopped following the
    PBX at ``since``; with several feeds, the board is stale while any of them is down.
    No feed names: the PBX's address is for /metrics (logged in), not for every board
    and the unauthenticated readiness probe."""
    if not states:
        return {"live": False, "connected": None, "since": None, "last_frame_at": None,
                "stale": False}
    down = [state for state in states if not state.connected]
    shown = down[0] if down else max(states, key=lambda state: state.since or 0.0)
    frames = [state.last_frame_at for state in states if state.last_frame_at is not None]
    return {"live": True, "connected": not down, "since": shown.since,
            "last_frame_at": max(frames) if frames else None, "stale": bool(down)}
