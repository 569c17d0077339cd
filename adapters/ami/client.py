"""Live AMI ingestion: the ``asterisk-ami`` client, wrapped so its sharp edges cannot bite.

Every frame read from the socket is put on ``out`` verbatim (terminator included) as a
``ReceivedFrame``, between a ``ConnectionOpened`` and a ``ConnectionClosed`` per TCP
connection. A watchdog pings the PBX, rebuilds the client when it stops answering and
resyncs after every login. Responses are matched by ActionID from the teed frames (never
through the library's futures, which call the deprecated ``Condition.notifyAll``).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from asterisk.ami.action import Action
from asterisk.ami.client import AMIClient

from adapters.ami.feed_items import ConnectionClosed, ConnectionOpened, FeedItem, ReceivedFrame
from adapters.ami.frames import FrameSplitter, MalformedFrame, Message, parse_frame

__all__ = ["RESYNC_ACTIONS", "ActionResult", "AmiFeedClient", "FeedStats"]

RESYNC_ACTIONS = ("QueueStatus", "QueueSummary", "CoreShowChannels")
_TERMINATOR = b"\r\n\r\n"


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The response to an action and, for list actions, the items and completion event."""

    action_id: str
    response: Message
    items: tuple[Message, ...] = ()
    complete: Message | None = None

    @property
    def headers(self) -> dict[str, str]:
        return self.response.headers

    @property
    def ok(self) -> bool:  # "Follows" answers Command
        return (self.response.response or "").lower() in ("success", "follows")


@dataclass(frozen=True, slots=True)
class FeedStats:
    frames_received: int = 0
    connections: int = 0  # TCP connections opened
    reconnects: int = 0  # connections opened after the first one
    connect_failures: int = 0
    login_failures: int = 0
    dropped: int = 0  # items not queued because ``out`` was full


@dataclass(eq=False)
class _Pending:
    """Collects the answer to one ActionID: response, then list items until ``...Complete``."""

    done: threading.Event = field(default_factory=threading.Event)
    response: Message | None = None
    items: list[Message] = field(default_factory=list)
    complete: Message | None = None
    error: str | None = None
    listing: bool = False

    def feed(self, msg: Message) -> None:
        event, listed = msg.event, msg.get("EventList").lower()
        if msg.response is not None and self.response is None:
            self.response, self.listing = msg, listed == "start"
        elif event is not None and (event.endswith("Complete") or listed == "complete"):
            self.complete, self.listing = msg, False
        elif event is not None:
            self.items.append(msg)
        if self.response is not None and not self.listing:
            self.done.set()

    def fail(self, reason: str) -> None:
        if not self.done.is_set():
            self.error = reason
            self.done.set()


class _Connection(AMIClient):  # type: ignore[misc]
    """One TCP connection: an ``AMIClient`` reading through a ``FrameSplitter`` that tees
    every verbatim frame to ``out``, plus the actions waiting for their answers."""

    def __init__(
        self, number: int, host: str, port: int, timeout: float, out: queue.Queue[FeedItem],
        clock: Callable[[], float], count: Callable[[str], None],
    ) -> None:
        super().__init__(address=host, port=port, timeout=timeout, buffer_size=65536)
        self.number, self.id, self.peer = number, str(uuid.uuid4()), f"{host}:{port}"
        self._out, self._clock, self._count = out, clock, count
        self._lock, self._close_lock = threading.Lock(), threading.Lock()
        self._seq, self._opened, self._closed = 0, False, False
        self._pending: dict[str, _Pending] = {}
        self.splitter = FrameSplitter()
        self.logged_in = False
        self.end_reason: str | None = None
        self.reader_done = threading.Event()
        self.add_listener(on_disconnect=self._on_disconnect)

    @property
    def usable(self) -> bool:
        alive = self._thread is not None and self._thread.is_alive()
        return self.logged_in and alive and not self.reader_done.is_set() and not self._closed

    def connect(self) -> None:
        # The library's connect() leaks the socket when connecting fails.
        self._socket = socket.create_connection((self._address, self._port), self._timeout)
        self.finished = threading.Event()
        with self._lock:
            if self._closed:  # stopped while connecting
                self._socket.close()
                raise ConnectionAbortedError("stopped while connecting")
            self._opened = True
            self._put(ConnectionOpened(self.id, self._clock(), self.peer))
        self._thread = threading.Thread(target=self.listen, name="ami-reader", daemon=True)
        self._thread.start()

    def send(self, pack: object) -> None:
        self._socket.sendall(f"{pack}\r\n".encode(self.encoding))  # the library uses send()

    def _next_pack(self) -> Iterator[str]:
        while not self.finished.is_set():
            try:
                data: bytes = self._socket.recv(self._buffer_size)
            except TimeoutError:
                continue  # silence is not an error (the library's reader dies on it)
            except OSError as exc:
                self.end_reason = f"socket error: {exc}"
                break
            if not data:
                self.end_reason = "closed by peer"
                break
            frames = self.splitter.feed(data)
            for raw in frames:  # tee first: what the library does next cannot lose frames
                self._emit(raw)
            for raw in frames:
                yield self._decode_pack(raw[:-4] if raw.endswith(_TERMINATOR) else raw[:-2])
        self.finished.set()

    def listen(self) -> None:
        try:
            super().listen()  # raises outside its own try when the banner is missing
        except Exception as exc:
            self.end_reason = self.end_reason or f"reader failed: {exc!r}"
        finally:
            self.finished.set()
            self.end_reason = self.end_reason or "logged off"
            self._fail_pending(self.end_reason)
            self.reader_done.set()

    def _on_disconnect(self, source: object, error: BaseException | None = None) -> None:
        if error is not None and not isinstance(error, StopIteration):
            self.end_reason = self.end_reason or f"reader failed: {error!r}"

    def _emit(self, raw: bytes) -> None:
        """Called by the reader thread for every frame: never raises, never blocks."""
        try:
            with self._lock:
                if self._closed:
                    return
                self._seq += 1
                self._put(ReceivedFrame(self.id, self._seq, self._clock(), raw))
            self._count("frames_received")
            if self._pending and b"ActionID:" in raw:
                msg = parse_frame(raw)
                with self._lock:
                    pending = self._pending.get(msg.headers.get("ActionID", ""))
                if pending is not None:
                    pending.feed(msg)
        except MalformedFrame:
            pass
        except Exception:  # an exception here would kill the library's reader thread
            with contextlib.suppress(Exception):
                logging.getLogger(__name__).exception("AMI frame tee failed")

    def _put(self, item: FeedItem) -> None:
        try:
            self._out.put_nowait(item)
        except queue.Full:
            self._count("dropped")

    def register(self, action_id: str) -> _Pending:
        with self._lock:
            pending = self._pending[action_id] = _Pending()
            return pending

    def unregister(self, action_id: str) -> None:
        with self._lock:
            self._pending.pop(action_id, None)

    def _fail_pending(self, reason: str) -> None:
        with self._lock:
            pending = list(self._pending.values())
        for item in pending:
            item.fail(reason)

    def close(self, reason: str, join_timeout: float) -> None:
        """Close once; the ``ConnectionClosed`` comes after every frame the reader teed."""
        with self._close_lock:
            if self._closed:
                return
            if self.finished is not None:
                self.finished.set()
            sock: socket.socket | None = self._socket
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked recv(); close() does not
            if self._thread is not None and self._thread is not threading.current_thread():
                self._thread.join(join_timeout)
            if sock is not None:
                sock.close()
            with self._lock:
                self._closed = True
                if self._opened:
                    pending = self.splitter.pending
                    self._put(ConnectionClosed(self.id, self._clock(), reason, pending))
            self._fail_pending(f"connection closed: {reason}")


class AmiFeedClient:
    """Keeps one live AMI connection feeding ``out``, reconnecting for as long as it runs."""

    def __init__(
        self, host: str, port: int, username: str, secret: str, out: queue.Queue[FeedItem],
        *, clock: Callable[[], float] = time.time, ping_interval: float = 1.0,
        connect_timeout: float = 5.0, events: str = "on", logger: logging.Logger | None = None,
        ping_timeout: float = 3.0, backoff_initial: float = 0.2, backoff_max: float = 10.0,
    ) -> None:
        self._host, self._port, self._username, self._secret = host, port, username, secret
        self._out, self._clock, self._events = out, clock, events
        self._ping_interval, self._ping_timeout = ping_interval, ping_timeout
        self._connect_timeout = connect_timeout
        self._backoff = (backoff_initial, backoff_max)
        self._log = logger or logging.getLogger(__name__)
        self._send_lock, self._stats_lock = threading.Lock(), threading.Lock()
        self._counts: dict[str, int] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: _Connection | None = None
        self._numbers, self._action_ids = itertools.count(1), itertools.count(1)

    @property
    def connected(self) -> bool:
        conn = self._conn
        return conn is not None and conn.usable

    @property
    def connection_id(self) -> str | None:
        conn = self._conn
        return conn.id if conn is not None and conn.usable else None

    @property
    def stats(self) -> FeedStats:
        with self._stats_lock:
            return FeedStats(**self._counts)

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("AmiFeedClient already started")
        self._thread = threading.Thread(target=self._run, name="ami-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Log off, close and join; the last ``ConnectionClosed`` is on ``out`` on return."""
        deadline = time.monotonic() + timeout
        self._stopping.set()
        conn = self._conn
        if conn is not None and conn.usable:
            with contextlib.suppress(ConnectionError):
                self._send(conn, "Logoff", {}, f"logoff-{conn.number}")
                conn.reader_done.wait(min(1.0, timeout / 2))  # let the Goodbye arrive
        if conn is not None:
            conn.close("stopped", max(0.1, deadline - time.monotonic()))
        if self._thread is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))
        if self._conn is not None:  # a connection begun while stopping
            self._conn.close("stopped", max(0.1, deadline - time.monotonic()))

    def send_action(
        self, name: str, fields: Mapping[str, str], timeout: float = 5.0,
        *, variables: Mapping[str, str] | None = None,
    ) -> ActionResult:
        """Send an action and wait for its response (and list items up to ``...Complete``).

        Raises ``ConnectionError`` when not connected or the connection ends first and
        ``TimeoutError`` when the answer is not complete within ``timeout`` seconds.
        """
        conn = self._conn
        if conn is None or not conn.usable:
            raise ConnectionError("not connected to the AMI")
        action_id = fields.get("ActionID") or f"cb-{conn.number}-{next(self._action_ids)}"
        return self._request(conn, name, fields, action_id, timeout, variables)

    def _count(self, name: str) -> None:
        with self._stats_lock:
            self._counts[name] = self._counts.get(name, 0) + 1

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            conn = self._conn = _Connection(
                next(self._numbers), self._host, self._port, self._connect_timeout,
                self._out, self._clock, self._count,
            )
            try:
                healthy = self._session(conn)
            except Exception:
                self._log.exception("AMI session failed unexpectedly")
                conn.close("internal error", self._connect_timeout)
                healthy = False
            failures = 0 if healthy else failures + 1
            delay = min(self._backoff[1], self._backoff[0] * 2 ** min(failures, 30))
            self._stopping.wait(delay * random.uniform(0.5, 1.0))

    def _session(self, conn: _Connection) -> bool:
        """Connect, log in, resync and watch one connection; True when login succeeded."""
        try:
            conn.connect()
        except OSError as exc:
            self._count("connect_failures")
            self._log.warning("AMI %s: cannot connect (%s); retrying", conn.peer, exc)
            return False
        self._count("connections")
        if conn.number > 1 and self.stats.connections > 1:
            self._count("reconnects")
        reason = self._login(conn)
        if reason is None:
            conn.logged_in = True
            self._log.info("AMI %s: logged in (connection %s)", conn.peer, conn.id)
            for name in RESYNC_ACTIONS:
                with contextlib.suppress(ConnectionError):
                    self._send(conn, name, {}, f"resync-{conn.number}-{name}")
            reason = self._watch(conn)
        reason = "stopped" if self._stopping.is_set() else reason
        self._log.info("AMI %s: connection %s closed: %s", conn.peer, conn.id, reason)
        conn.close(reason, self._connect_timeout)
        return conn.logged_in

    def _login(self, conn: _Connection) -> str | None:
        fields = {"Username": self._username, "Secret": self._secret, "Events": self._events}
        try:
            result = self._request(conn, "Login", fields, f"login-{conn.number}",
                                   self._connect_timeout)
        except (TimeoutError, ConnectionError) as exc:
            return f"login failed: {exc}"
        if result.ok:
            return None
        self._count("login_failures")
        message = result.headers.get("Message", "no message")
        self._log.error(
            "AMI %s: login as %r refused (%s); check the credentials, retrying with backoff",
            conn.peer, self._username, message,
        )
        return f"login refused: {message}"

    def _watch(self, conn: _Connection) -> str:
        n = 0
        while True:
            n += 1
            if conn.reader_done.wait(self._ping_interval) or not conn.usable:
                return conn.end_reason or "reader stopped"
            if self._stopping.is_set():
                return "stopped"
            try:
                self._request(conn, "Ping", {}, f"ping-{conn.number}-{n}", self._ping_timeout)
            except TimeoutError:
                return conn.end_reason or f"no Ping response within {self._ping_timeout:g} s"
            except ConnectionError as exc:
                # The PBX is gone (the send met a reset or a closed socket), but what it
                # sent before may still wait in the kernel: closing now would stop the
                # reader before it, losing frames. The reader ends by itself (end of file
                # or reset) once it has read them, and knows why the connection ended.
                conn.reader_done.wait(self._ping_timeout)
                return conn.end_reason or str(exc)

    def _request(
        self, conn: _Connection, name: str, fields: Mapping[str, str], action_id: str,
        timeout: float, variables: Mapping[str, str] | None = None,
    ) -> ActionResult:
        pending = conn.register(action_id)
        try:
            self._send(conn, name, fields, action_id, variables)
            if not pending.done.wait(timeout):
                raise TimeoutError(f"no complete answer to {name} ({action_id}) in {timeout:g} s")
        finally:
            conn.unregister(action_id)
        if pending.response is None:
            raise ConnectionError(pending.error or f"no response to {name}")
        return ActionResult(action_id, pending.response, tuple(pending.items), pending.complete)

    def _send(
        self, conn: _Connection, name: str, fields: Mapping[str, str], action_id: str,
        variables: Mapping[str, str] | None = None,
    ) -> None:
        keys = {"ActionID": action_id, **{k: v for k, v in fields.items() if k != "ActionID"}}
        texts = [name, *keys, *keys.values(), *(variables or {}), *(variables or {}).values()]
        if any("\r" in text or "\n" in text for text in texts):
            raise ValueError("AMI action names and values cannot contain line breaks")
        action = Action(name, keys, dict(variables or {}))
        try:
            with self._send_lock:  # the library's send_action is not thread-safe
                conn.send(action)
        except OSError as exc:
            raise ConnectionError(f"AMI send failed: {exc}") from exc
