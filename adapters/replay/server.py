"""A real TCP AMI server that replays recorded captures to real AMI clients.

Each accepted connection gets the banner, waits for ``Action: Login``, then streams the
frames of one capture file verbatim (byte for byte) while answering the client's actions
(``Ping``, ``Logoff``, anything else through the overridable :meth:`ReplayAmiServer.respond`).
The Nth accepted connection gets the Nth file; see the constructor for what comes after.
Listening, accepting and cutting connections are ``adapters.replay.connections``'.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence

from adapters.ami.frames import parse_buffer
from adapters.replay.connections import ConnectionServer
from adapters.replay.frames import (
    DEFAULT_BANNER,
    Capture,
    ReceivedAction,
    ServedConnection,
    build_frame,
    goodbye,
    parse_action,
)
from adapters.replay.frames import header as _header
from adapters.replay.frames import response as _response

__all__ = ["DEFAULT_BANNER", "Capture", "ReceivedAction", "ReplayAmiServer", "ServedConnection",
           "build_frame"]


class ReplayAmiServer(ConnectionServer):
    """Serve recorded AMI captures on ``host:port`` (``port=0`` picks a free port).

    ``speed=None`` streams as fast as possible; ``speed=10.0`` waits the gaps between
    ``Timestamp:`` headers divided by 10. Connection N gets ``captures[N]``; connections
    after the last file get the banner and login and then stay idle, unless ``loop=True``
    (cycle through the files). ``close_after=True`` closes the socket once a file has
    been streamed (idle connections are never closed by the server). With
    ``keep_transcript=True``, :meth:`transcript` returns every byte sent on a connection.

    Faults of a real PBX: ``refuse_logins=K`` answers the first K logins with the right
    secret ``Authentication failed`` (and closes, as Asterisk does), :meth:`restart` stops
    listening and cuts every connection, then listens again on the same port, and
    :meth:`drop_connections` cuts the connections only. ``tests.support.replay_faults`` adds
    cuts in the middle of a frame and one capture continued across connections.
    """

    def __init__(
        self, captures: Sequence[str | os.PathLike[str]], *, username: str = "admin",
        secret: str = "secret", host: str = "127.0.0.1", port: int = 0,
        speed: float | None = None, close_after: bool = False, loop: bool = False,
        keep_transcript: bool = False, refuse_logins: int = 0,
        logger: logging.Logger | None = None,
    ) -> None:
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive or None")
        super().__init__(host=host, port=port, keep_transcript=keep_transcript,
                         logger=logger or logging.getLogger(__name__))
        self._captures = [Capture.load(p) for p in captures]
        self._username, self._secret = username, secret
        self.speed, self.close_after, self.loop = speed, close_after, loop
        self._actions: list[ReceivedAction] = []
        self._to_refuse, self._refused = refuse_logins, 0

    # -- observation and faults --------------------------------------------------------
    @property
    def actions_received(self) -> list[ReceivedAction]:
        with self._cond:
            return list(self._actions)

    @property
    def logins_refused(self) -> int:
        """Logins answered ``Authentication failed`` (wrong secret or ``refuse_logins``)."""
        with self._cond:
            return self._refused

    def refuse_next_logins(self, count: int) -> None:
        """Answer the next ``count`` logins ``Authentication failed``, right secret or not."""
        with self._cond:
            self._to_refuse = count

    # -- behaviour to override -----------------------------------------------------------
    def respond(self, action_headers: dict[str, str]) -> list[bytes]:
        """Frames answering one action (Login and Logoff are handled before this)."""
        action_id = _header(action_headers, "ActionID")
        if (_header(action_headers, "Action") or "").lower() == "ping":
            return [_response("Success", action_id, ("Ping", "Pong"),
                              ("Timestamp", f"{time.time():.6f}"))]
        return [_response("Success", action_id)]

    def _greeting(self) -> list[bytes]:
        """Frames sent right after a login is accepted (Asterisk's ``FullyBooted``)."""
        return []

    # -- a connection ------------------------------------------------------------------
    def _capture_for(self, index: int) -> Capture | None:
        if not self._captures:
            return None
        if self.loop:
            return self._captures[index % len(self._captures)]
        return self._captures[index] if index < len(self._captures) else None

    def _serve(self, conn: ServedConnection) -> None:
        banner = self._captures[-1].banner if self._captures else DEFAULT_BANNER
        if conn.capture is not None:
            banner = conn.capture.banner
        try:
            conn.send(banner)
            actions = self._read_actions(conn)
            if self._login(conn, actions):
                streamer = threading.Thread(
                    target=self._stream, args=(conn,), name=f"replay-ami-stream-{conn.index}",
                    daemon=True,
                )
                conn.threads.append(streamer)
                streamer.start()
                self._answer(conn, actions)
        except OSError as exc:
            self._log.debug("replay connection %d ended: %s", conn.index, exc)
        except Exception:
            self._log.exception("replay connection %d failed", conn.index)
        finally:
            conn.closed.set()
            conn.shutdown(socket.SHUT_RD if conn.reset else socket.SHUT_RDWR)
            for thread in conn.threads[1:]:  # the streamer; [0] is this thread
                thread.join()
            conn.close()
            with self._cond:
                conn.finished = True
                self._cond.notify_all()

    def _read_actions(self, conn: ServedConnection) -> Iterator[dict[str, str]]:
        rest = b""
        while not conn.closed.is_set():
            data = conn.sock.recv(65536)
            if not data:
                return
            frames, rest = parse_buffer(rest + data)
            for raw in frames:
                headers = parse_action(raw)
                if headers:
                    with self._cond:
                        self._actions.append(ReceivedAction(conn.index, headers))
                    yield headers

    def _login(self, conn: ServedConnection, actions: Iterator[dict[str, str]]) -> bool:
        for action in actions:
            name, action_id = (_header(action, "Action") or "").lower(), _header(action, "ActionID")
            if name == "login":
                good = (_header(action, "Username"), _header(action, "Secret")) == (
                    self._username, self._secret)
                with self._cond:
                    refuse = self._to_refuse > 0 or not good
                    self._to_refuse -= 1 if good and refuse else 0
                    self._refused += refuse
                if not refuse:
                    conn.send(_response("Success", action_id,
                                               ("Message", "Authentication accepted")))
                    for frame in self._greeting():
                        conn.send(frame)
                    return True
                conn.send(_response("Error", action_id,
                                           ("Message", "Authentication failed")))
                return False
            if name == "logoff":
                conn.send(goodbye(action_id))
                return False
            conn.send(_response("Error", action_id, ("Message", "Permission denied")))
        return False

    def _answer(self, conn: ServedConnection, actions: Iterator[dict[str, str]]) -> None:
        for action in actions:
            if (_header(action, "Action") or "").lower() == "logoff":
                conn.drain = True  # what was sent before the Goodbye still arrives
                conn.send(goodbye(_header(action, "ActionID")))
                return
            self._reply(conn, action)

    def _reply(self, conn: ServedConnection, action: dict[str, str]) -> None:
        """Send ``respond``'s frames for one action (a subclass may hold a lock around)."""
        try:
            replies = self.respond(action)
        except Exception:
            self._log.exception("respond() failed for %r", action)
            replies = [_response("Error", _header(action, "ActionID"),
                                 ("Message", "Internal error"))]
        for reply in replies:
            conn.send(reply)

    def _stream(self, conn: ServedConnection) -> None:
        capture = conn.capture
        try:
            done = capture is None or self._stream_capture(conn, capture, self.close_after)
        except OSError as exc:
            self._log.debug("replay stream %d ended: %s", conn.index, exc)
            done = False
        with self._cond:
            conn.streamed = done
            self._cond.notify_all()

    def _stream_capture(self, conn: ServedConnection, capture: Capture, close: bool) -> bool:
        start, first, horizon = time.monotonic(), None, 0.0
        last = len(capture.frames) - 1
        for i, (frame, stamp) in enumerate(zip(capture.frames, capture.timestamps, strict=True)):
            if self.speed is not None and stamp is not None:
                first = stamp if first is None else first
                horizon = max(horizon, (stamp - first) / self.speed)
                delay = start + horizon - time.monotonic()
                if delay > 0 and conn.closed.wait(delay):
                    return False
            if conn.closed.is_set() or not conn.send(frame, close and i == last):
                return False
            with self._cond:
                conn.frames_sent += 1
        return last >= 0 or not close or conn.send(b"", close)
