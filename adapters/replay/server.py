"""A real TCP AMI server that replays recorded captures to real AMI clients.

Each accepted connection gets the banner, waits for ``Action: Login``, then streams the
frames of one capture file verbatim (byte for byte) while answering the client's actions
(``Ping``, ``Logoff``, anything else through the overridable :meth:`ReplayAmiServer.respond`).
The Nth accepted connection gets the Nth file; see the constructor for what comes after.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Self

from adapters.ami.frames import parse_buffer
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


class ReplayAmiServer:
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
        self._captures = [Capture.load(p) for p in captures]
        self._username, self._secret = username, secret
        self._host, self._port = host, port
        self.speed, self.close_after, self.loop = speed, close_after, loop
        self._keep_transcript = keep_transcript
        self._log = logger or logging.getLogger(__name__)
        self._cond = threading.Condition()
        self._conns: list[ServedConnection] = []
        self._actions: list[ReceivedAction] = []
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._halt = threading.Event()  # stops the current accept thread
        self._to_refuse, self._refused, self._restarts = refuse_logins, 0, 0

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> Self:
        if self._listener is not None:
            raise RuntimeError("server already started")
        self._listen()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        deadline = time.monotonic() + timeout
        self._stop_listening(timeout)
        with self._cond:
            conns = list(self._conns)
        for conn in conns:
            conn.closed.set()
            conn.shutdown()
        for conn in conns:
            for thread in conn.threads:
                thread.join(max(0.0, deadline - time.monotonic()))

    def restart(self, down_s: float = 0.0, timeout: float = 5.0) -> None:
        """Go away as a restarting PBX does: stop listening (connecting is refused), cut
        every connection after its last whole frame, and after ``down_s`` seconds listen
        again on the same port. Returns once listening again."""
        self._stop_listening(timeout)
        self.drop_connections()
        with self._cond:
            self._cond.wait_for(lambda: all(c.finished for c in self._conns), timeout)
            self._restarts += 1
        if not self._stopping.wait(down_s):
            self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self._host, self._port))
            listener.listen(16)
        except OSError:
            listener.close()
            raise
        listener.settimeout(0.05)  # accept() polls so stop() never waits on it for long
        self._listener, self._port = listener, listener.getsockname()[1]
        self._halt = halt = threading.Event()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, args=(listener, halt), name=f"replay-ami-{self._port}",
            daemon=True,
        )
        self._accept_thread.start()

    def _stop_listening(self, timeout: float) -> None:
        self._halt.set()
        if self._listener is not None:  # refuses connecting at once, ends accept() (Linux)
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
        if self._accept_thread is not None:
            self._accept_thread.join(timeout)
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- observation -------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def host(self) -> str:
        return self._host

    @property
    def connection_count(self) -> int:
        with self._cond:
            return len(self._conns)

    @property
    def actions_received(self) -> list[ReceivedAction]:
        with self._cond:
            return list(self._actions)

    @property
    def logins_refused(self) -> int:
        """Logins answered ``Authentication failed`` (wrong secret or ``refuse_logins``)."""
        with self._cond:
            return self._refused

    @property
    def restarts(self) -> int:
        with self._cond:
            return self._restarts

    def frames_sent(self, connection_index: int) -> int:
        with self._cond:
            conns = self._conns
            return conns[connection_index].frames_sent if connection_index < len(conns) else 0

    def transcript(self, connection_index: int) -> bytes:
        """Every byte sent on a connection so far (needs ``keep_transcript=True``)."""
        conn = self._conn(connection_index)
        with conn.send_lock:
            return b"".join(conn.transcript or ()) + conn.tail

    def sent_frames(self, connection_index: int) -> list[bytes]:
        """The whole frames sent on a connection, in order: banner, responses, capture
        frames (needs ``keep_transcript=True``); not the frame a cut left unfinished."""
        conn = self._conn(connection_index)
        with conn.send_lock:
            return [frame for frame in conn.transcript or () if frame]

    def cut_tail(self, connection_index: int) -> bytes:
        """The bytes of the frame a cut left unfinished on a connection (``b""``: none)."""
        conn = self._conn(connection_index)
        with conn.send_lock:
            return conn.tail

    def wait_streamed(self, timeout: float = 10.0, connection_index: int = 0) -> bool:
        """True once connection ``connection_index`` has written its whole capture."""
        return self._wait(lambda c: c.streamed, connection_index, timeout)

    def wait_finished(self, timeout: float = 10.0, connection_index: int = 0) -> bool:
        """True once connection ``connection_index`` is closed on the server side."""
        return self._wait(lambda c: c.finished, connection_index, timeout)

    def wait_connections(self, count: int, timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self._conns) >= count, timeout)

    # -- faults --------------------------------------------------------------------------
    def refuse_next_logins(self, count: int) -> None:
        """Answer the next ``count`` logins ``Authentication failed``, right secret or not."""
        with self._cond:
            self._to_refuse = count

    def drop_connections(self) -> None:
        """Cut every open connection abruptly, as a PBX restart would: after the frame
        being written (if it is written within a second), with a FIN."""
        with self._cond:
            conns = [c for c in self._conns if not c.finished]
        for conn in conns:
            locked = conn.send_lock.acquire(timeout=1.0)
            try:
                conn.write_closed, conn.drain = True, True
                conn.closed.set()
                conn.shutdown()
            finally:
                if locked:
                    conn.send_lock.release()

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

    # -- internals -----------------------------------------------------------------------
    def _conn(self, index: int) -> ServedConnection:
        with self._cond:
            return self._conns[index]

    def _wait(self, check: Callable[[ServedConnection], bool], index: int, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: index < len(self._conns) and check(self._conns[index]), timeout
            )

    def _capture_for(self, index: int) -> Capture | None:
        if not self._captures:
            return None
        if self.loop:
            return self._captures[index % len(self._captures)]
        return self._captures[index] if index < len(self._captures) else None

    def _accept_loop(self, listener: socket.socket, halt: threading.Event) -> None:
        while not halt.is_set() and not self._stopping.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            sock.settimeout(None)
            with self._cond:
                conn = ServedConnection(len(self._conns), sock, self._capture_for(len(self._conns)),
                             transcript=[] if self._keep_transcript else None)
                self._conns.append(conn)
                self._cond.notify_all()
            thread = threading.Thread(
                target=self._serve, args=(conn,), name=f"replay-ami-conn-{conn.index}",
                daemon=True,
            )
            conn.threads.append(thread)
            thread.start()

    def _serve(self, conn: ServedConnection) -> None:
        banner = self._captures[-1].banner if self._captures else DEFAULT_BANNER
        if conn.capture is not None:
            banner = conn.capture.banner
        try:
            self._send(conn, banner)
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
                    self._send(conn, _response("Success", action_id,
                                               ("Message", "Authentication accepted")))
                    for frame in self._greeting():
                        self._send(conn, frame)
                    return True
                self._send(conn, _response("Error", action_id,
                                           ("Message", "Authentication failed")))
                return False
            if name == "logoff":
                self._send(conn, goodbye(action_id))
                return False
            self._send(conn, _response("Error", action_id, ("Message", "Permission denied")))
        return False

    def _answer(self, conn: ServedConnection, actions: Iterator[dict[str, str]]) -> None:
        for action in actions:
            if (_header(action, "Action") or "").lower() == "logoff":
                conn.drain = True  # what was sent before the Goodbye still arrives
                self._send(conn, goodbye(_header(action, "ActionID")))
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
            self._send(conn, reply)

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
            if conn.closed.is_set() or not self._send(conn, frame, close and i == last):
                return False
            with self._cond:
                conn.frames_sent += 1
        return last >= 0 or not close or self._send(conn, b"", close)

    def _send(self, conn: ServedConnection, data: bytes, last: bool = False) -> bool:
        with conn.send_lock:
            if conn.write_closed:
                return False
            conn.sock.sendall(data)
            if conn.transcript is not None:
                conn.transcript.append(data)
            if last:  # FIN right after the last frame, nothing in between; reading goes on
                conn.write_closed = True
                conn.shutdown(socket.SHUT_WR)
            return True
