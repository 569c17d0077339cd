"""A replay AMI server whose PBX lives on while its AMI connections fail.

``FaultyAmiServer`` replays its captures as one PBX feed across connections: a
connection that ends streams no further, and the next connection that logs in carries on
from the first frame not completely sent (a real PBX keeps running while the client is
away). On top of ``ReplayAmiServer``'s faults (refused logins, restart, dropped
connections) it cuts connections in the middle of a frame (:class:`Cut`): part of a frame
is written, then the connection is closed (FIN) or reset (RST), and the next connection
resumes at that frame, or ``skip`` frames later when the frames in between "happened
during the gap" and are never sent. Each cut is recorded as a :class:`Gap`.

Like a PBX it answers ``CoreShowChannels``, ``QueueStatus`` and ``QueueSummary`` from
the state its capture has reached (``tests.support.replay_state``), greets a login that
resumes a capture with ``FullyBooted``, and never sends the rest of an EventList begun
for another connection (in a capture, the lists answer the recording client's actions).
One connection streams at a time; a connection that logs in while another streams waits
for it to end.
"""

from __future__ import annotations

import bisect
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from adapters.replay.frames import Capture, ServedConnection, header
from adapters.replay.server import ReplayAmiServer
from tests.support.replay_state import LIST_ACTIONS, PbxState

__all__ = ["Cut", "FaultyAmiServer", "Gap"]

_ACTION_ID = re.compile(rb"\r\nActionID: ([^\r]*)\r\n")
_LIST_START = b"\r\nEventList: start\r\n"
_LIST_COMPLETE = re.compile(rb"\r\nEventList: [Cc]omplete\r\n")


@dataclass(frozen=True, slots=True)
class Cut:
    """Cut the connection streaming frame ``frame`` of file ``file`` (or the first frame
    sent after it) inside that frame: send its first ``keep`` bytes (at least one, never
    all), then close with a FIN or, with ``reset``, an RST. The next connection resumes
    at that frame, or ``skip`` frames later: those happen during the gap, never sent."""

    frame: int
    keep: int
    reset: bool = False
    skip: int = 0
    file: int = 0


@dataclass(frozen=True, slots=True)
class Gap:
    """A cut as it happened. Times are the capture's (its ``Timestamp`` headers)."""

    connection: int  # index of the connection cut
    file: int
    frame: int  # the frame cut into
    partial: bytes  # the part of it sent
    reset: bool
    skipped: int  # frames that happened during the gap, never sent
    resume_frame: int  # where the next connection resumes
    last_time: float | None  # time of the last frame folded before the cut
    resume_time: float | None  # time once the frames skipped happened


class FaultyAmiServer(ReplayAmiServer):
    """``ReplayAmiServer`` options, plus ``cuts`` (see :class:`Cut`, :meth:`add_cut`) and
    ``quiet_until_answered=N``: after a login the PBX sends no capture frame until it has
    answered N of the client's actions (at most ``quiet_max_s`` seconds), as a PBX in a
    quiet moment, so a client's resync shows the state exactly where the capture resumes
    (streamed as fast as possible, hundreds of frames would otherwise come first)."""

    def __init__(self, captures: Sequence[str | os.PathLike[str]], *,
                 cuts: Sequence[Cut] = (), quiet_until_answered: int = 0,
                 quiet_max_s: float = 2.0, **options: Any) -> None:
        super().__init__(captures, **options)
        self.quiet_until_answered, self.quiet_max_s = quiet_until_answered, quiet_max_s
        self._answered: dict[int, int] = {}  # connection index -> actions answered
        self._streamed: dict[int, list[tuple[int, int]]] = {}  # index -> (file, frame)s
        self._feed_lock = threading.RLock()  # position, state, cuts; held per frame sent
        self._cuts: list[Cut] = []
        for cut in cuts:
            self.add_cut(cut)
        self._file, self._next = 0, 0
        self._state = PbxState()
        self._open_lists: set[str] = set()  # EventLists begun in the capture, not complete
        self._foreign: set[str] = set()  # of those, begun before this connection streamed
        self._owner: ServedConnection | None = None
        self._gaps: list[Gap] = []
        self._withheld = 0

    # -- faults and observation ------------------------------------------------------------
    def add_cut(self, cut: Cut) -> None:
        with self._feed_lock:
            bisect.insort(self._cuts, cut, key=lambda c: (c.file, c.frame))

    @property
    def gaps(self) -> list[Gap]:
        """The cuts so far, in order (read without locking: a client's clock may ask)."""
        return list(self._gaps)

    def streamed(self, connection_index: int) -> list[tuple[int, int]]:
        """The capture frames sent whole on a connection, as (file, frame), in order."""
        with self._cond:
            return list(self._streamed.get(connection_index, ()))

    @property
    def cuts_pending(self) -> int:
        with self._feed_lock:
            return len(self._cuts)

    @property
    def position(self) -> tuple[int, int]:
        """(file, frame) the stream goes on from."""
        with self._feed_lock:
            return self._file, self._next

    @property
    def pbx_time(self) -> float | None:
        """The capture time the PBX has reached, sent or skipped (read without locking)."""
        return self._state.now

    @property
    def frames_withheld(self) -> int:
        """Frames of EventLists begun for an earlier connection, never sent."""
        with self._feed_lock:
            return self._withheld

    def wait_position(self, file: int, frame: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.position < (file, frame):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    # -- a PBX's answers -------------------------------------------------------------------
    def respond(self, action_headers: dict[str, str]) -> list[bytes]:
        name = (header(action_headers, "Action") or "").lower()
        if name in LIST_ACTIONS:
            with self._feed_lock:
                return self._state.answer(name, header(action_headers, "ActionID"))
        return super().respond(action_headers)

    def _greeting(self) -> list[bytes]:
        """``FullyBooted`` with the uptime reached, when a login resumes a capture (at its
        start, the capture's own comes)."""
        with self._feed_lock:
            greeting = self._state.fully_booted() if self._next > 0 else None
            return [greeting] if greeting is not None else []

    def _reply(self, conn: ServedConnection, action: dict[str, str]) -> None:
        if (header(action, "Action") or "").lower() in LIST_ACTIONS:
            with self._feed_lock:  # the snapshot and the frames before it agree
                super()._reply(conn, action)
        else:
            super()._reply(conn, action)
        with self._cond:
            self._answered[conn.index] = self._answered.get(conn.index, 0) + 1
            self._cond.notify_all()

    def _quiet(self, conn: ServedConnection) -> None:
        deadline = time.monotonic() + self.quiet_max_s
        with self._cond:
            while (self._answered.get(conn.index, 0) < self.quiet_until_answered
                   and not conn.closed.is_set() and time.monotonic() < deadline):
                self._cond.wait(0.01)

    # -- streaming -------------------------------------------------------------------------
    def _capture_for(self, index: int) -> Capture | None:
        return self._current()  # for the banner; streaming takes the file current then

    def _current(self) -> Capture | None:
        if not self._captures:
            return None
        if self.loop:
            return self._captures[self._file % len(self._captures)]
        return self._captures[self._file] if self._file < len(self._captures) else None

    def _stream(self, conn: ServedConnection) -> None:
        done = False
        try:
            if self._claim(conn):
                try:
                    done = self._stream_feed(conn)
                finally:
                    with self._cond:
                        self._owner = None
        except OSError as exc:
            self._log.debug("replay stream %d ended: %s", conn.index, exc)
        with self._cond:
            conn.streamed = done
            self._cond.notify_all()

    def _claim(self, conn: ServedConnection) -> bool:
        while True:
            with self._cond:
                if self._owner is None:
                    self._owner = conn
                    return True
            if conn.closed.wait(0.01):
                return False

    def _stream_feed(self, conn: ServedConnection) -> bool:
        with self._feed_lock:
            capture = conn.capture = self._current()
            if capture is None:
                return True  # past the last file: idle
            self._foreign = set(self._open_lists)
        self._quiet(conn)
        started, first, horizon = time.monotonic(), None, 0.0
        frames, stamps, last = capture.frames, capture.timestamps, len(capture.frames) - 1
        while True:
            i = self._next  # only the owner moves it
            if i > last:
                with self._feed_lock:
                    self._end_file()
                if self.close_after:  # a FIN, unless the last frame carried it
                    conn.send(b"", True)
                return True
            if self.speed is not None and (stamp := stamps[i]) is not None:
                first = stamp if first is None else first
                horizon = max(horizon, (stamp - first) / self.speed)
                delay = started + horizon - time.monotonic()
                if delay > 0 and conn.closed.wait(delay):
                    return False
            with self._feed_lock:
                if conn.closed.is_set():
                    return False
                withheld = self._withhold(frames[i])
                if withheld:
                    self._withheld += 1
                elif (cut := self._due_cut(i)) is not None:
                    self._cut_at(conn, capture, i, cut)
                    return False
                elif conn.send(frames[i], self.close_after and i == last):
                    with self._cond:
                        conn.frames_sent += 1
                        self._streamed.setdefault(conn.index, []).append((self._file, i))
                else:
                    return False
                self._pass(frames[i], stamps[i], delivered=not withheld)
                self._next = i + 1

    def _due_cut(self, i: int) -> Cut | None:
        if self._cuts and (self._cuts[0].file, self._cuts[0].frame) <= (self._file, i):
            return self._cuts.pop(0)
        return None

    def _cut_at(self, conn: ServedConnection, capture: Capture, i: int, cut: Cut) -> None:
        frame = capture.frames[i]
        partial = frame[:min(max(1, cut.keep), len(frame) - 1)]
        if conn.write_closed:  # closed meanwhile: the cut is for the next connection
            self.add_cut(cut)
            return
        last_time = self._state.now
        resume = min(len(capture.frames), i + max(0, cut.skip))
        for j in range(i, resume):  # the PBX goes on while nobody listens
            self._pass(capture.frames[j], capture.timestamps[j], delivered=False)
        self._next = resume
        # recorded before the client can see the cut: a clock reading gaps finds it there
        gap = Gap(conn.index, self._file, i, partial, cut.reset, resume - i, resume,
                  last_time, self._state.now)
        self._gaps.append(gap)
        if not conn.cut(partial, cut.reset):  # dropped meanwhile, after a whole frame
            self._gaps[-1] = replace(gap, partial=b"")

    def _pass(self, frame: bytes, stamp: float | None, *, delivered: bool = True) -> None:
        """The PBX has reached ``frame``: its state moves on (an EventList's items are
        reports, not news: they count when delivered), EventLists open and close."""
        if delivered or not self._open_lists or self._list_of(frame) not in self._open_lists:
            self._state.fold(frame, stamp)
        if b"\r\nEventList: " in frame and (action_id := self._list_of(frame)) is not None:
            if frame.startswith(b"Response: ") and _LIST_START in frame:
                self._open_lists.add(action_id)
            elif _LIST_COMPLETE.search(frame):
                self._open_lists.discard(action_id)
                self._foreign.discard(action_id)

    def _withhold(self, frame: bytes) -> bool:
        """A frame of an EventList begun for an earlier connection is not this one's."""
        return bool(self._foreign) and self._list_of(frame) in self._foreign

    @staticmethod
    def _list_of(frame: bytes) -> str | None:
        """The frame's ActionID (the EventList it belongs to, if any)."""
        if b"\r\nActionID: " not in frame:
            return None
        m = _ACTION_ID.search(frame)
        return m.group(1).decode("latin-1") if m else None

    def _end_file(self) -> None:
        self._file, self._next = self._file + 1, 0
        self._open_lists.clear()
        self._foreign.clear()
