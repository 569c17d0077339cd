"""The TCP side of the replay server: listening on one port (and again on the same port
after a restart), accepting connections, keeping track of each one, and cutting them as
a failing PBX would.

What is said on a connection (banner, login, actions, the capture) is the AMI side's
business: :class:`ConnectionServer` hands each accepted connection to ``_serve`` in its
own thread, and ``adapters.replay.server.ReplayAmiServer`` implements it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

from adapters.replay.frames import Capture, ServedConnection

__all__ = ["ConnectionServer"]


class ConnectionServer:
    """Listens on ``host:port`` (``port=0`` picks a free port) and serves each accepted
    connection in a thread of its own. With ``keep_transcript=True``,
    :meth:`transcript` returns every byte sent on a connection."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0,
                 keep_transcript: bool = False, logger: logging.Logger | None = None) -> None:
        self._host, self._port = host, port
        self._keep_transcript = keep_transcript
        self._log = logger or logging.getLogger(__name__)
        self._cond = threading.Condition()
        self._conns: list[ServedConnection] = []
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._halt = threading.Event()  # stops the current accept thread
        self._restarts = 0

    # -- what the subclass does with a connection ------------------------------------------
    def _serve(self, conn: ServedConnection) -> None:
        """Talk on ``conn`` until it ends; close it and set ``conn.finished`` then."""
        raise NotImplementedError

    def _capture_for(self, index: int) -> Capture | None:
        """The capture connection ``index`` will stream (None: none)."""
        return None

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

    # -- faults ------------------------------------------------------------------------
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

    # -- internals ---------------------------------------------------------------------
    def _conn(self, index: int) -> ServedConnection:
        with self._cond:
            return self._conns[index]

    def _wait(self, check: Callable[[ServedConnection], bool], index: int,
              timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: index < len(self._conns) and check(self._conns[index]), timeout
            )

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
                index = len(self._conns)
                conn = ServedConnection(index, sock, self._capture_for(index),
                                        transcript=[] if self._keep_transcript else None)
                self._conns.append(conn)
                self._cond.notify_all()
            thread = threading.Thread(
                target=self._serve, args=(conn,), name=f"replay-ami-conn-{conn.index}",
                daemon=True,
            )
            conn.threads.append(thread)
            thread.start()
