"""Live AMI ingestion: one AMI connection kept alive for as long as the client runs.

Each TCP connection (``adapters.ami.connection.AmiConnection``) puts every frame it reads
on ``out`` verbatim, between a ``ConnectionOpened`` and a ``ConnectionClosed``. This
module logs in, resyncs after every login, pings the PBX from a watchdog, rebuilds the
connection when the PBX stops answering (with backoff), and sends actions on people's
behalf. Responses are matched by ActionID from the teed frames (never through the
library's futures, which call the deprecated ``Condition.notifyAll``). A frame longer
than ``max_frame`` is put on ``out`` cut, and its connection holds no more than that of it
(``adapters.ami.limits``): a peer cannot fill the memory or the log with a line that never
ends.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from asterisk.ami.action import Action

from adapters.ami.connection import AmiConnection
from adapters.ami.feed_items import FeedItem
from adapters.ami.frames import Message
from adapters.ami.health import FeedHealth, FeedState
from adapters.ami.limits import MAX_FRAME_BYTES, withheld

__all__ = ["RESYNC_ACTIONS", "ActionResult", "AmiFeedClient", "FeedStats"]

RESYNC_ACTIONS = ("QueueStatus", "QueueSummary", "CoreShowChannels")


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


class AmiFeedClient:
    """Keeps one live AMI connection feeding ``out``, reconnecting for as long as it runs."""

    def __init__(
        self, host: str, port: int, username: str, secret: str, out: queue.Queue[FeedItem],
        *, clock: Callable[[], float] = time.time, ping_interval: float = 1.0,
        connect_timeout: float = 5.0, events: str = "on", logger: logging.Logger | None = None,
        ping_timeout: float = 3.0, backoff_initial: float = 0.2, backoff_max: float = 10.0,
        max_frame: int = MAX_FRAME_BYTES,
    ) -> None:
        self._host, self._port, self._username, self._secret = host, port, username, secret
        self._out, self._clock, self._events = out, clock, events
        self._ping_interval, self._ping_timeout = ping_interval, ping_timeout
        self._connect_timeout, self._max_frame = connect_timeout, max_frame
        self._backoff = (backoff_initial, backoff_max)
        self._log = logger or logging.getLogger(__name__)
        self._send_lock, self._stats_lock = threading.Lock(), threading.Lock()
        self._counts: dict[str, int] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: AmiConnection | None = None
        self._numbers, self._action_ids = itertools.count(1), itertools.count(1)
        self.health = FeedHealth(f"{host}:{port}", clock=clock)  # named by its PBX

    def feed_state(self) -> FeedState:
        """Up or down and since when, the last frame, the current rate, the gaps."""
        return self.health.state()

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
        if name == "frames_received":
            self.health.frame()
        with self._stats_lock:
            self._counts[name] = self._counts.get(name, 0) + 1

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            conn = self._conn = AmiConnection(
                next(self._numbers), self._host, self._port, self._connect_timeout,
                self._out, self._clock, self._count, self._max_frame,
            )
            try:
                healthy = self._session(conn)
            except Exception as error:
                self._log.error("AMI session failed unexpectedly", exc_info=withheld(error))
                self.health.down(stopped=self._stopping.is_set())
                conn.close("internal error", self._connect_timeout)
                healthy = False
            failures = 0 if healthy else failures + 1
            delay = min(self._backoff[1], self._backoff[0] * 2 ** min(failures, 30))
            self._stopping.wait(delay * random.uniform(0.5, 1.0))

    def _session(self, conn: AmiConnection) -> bool:
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
            self.health.up()
            self._log.info("AMI %s: logged in (connection %s)", conn.peer, conn.id)
            for name in RESYNC_ACTIONS:
                with contextlib.suppress(ConnectionError):
                    self._send(conn, name, {}, f"resync-{conn.number}-{name}")
            reason = self._watch(conn)
        reason = "stopped" if self._stopping.is_set() else reason
        self.health.down(stopped=self._stopping.is_set())  # before closing: that may wait
        self._log.info("AMI %s: connection %s closed: %s", conn.peer, conn.id, reason)
        conn.close(reason, self._connect_timeout)
        return conn.logged_in

    def _login(self, conn: AmiConnection) -> str | None:
        fields = {"Username": self._username, "Secret": self._secret, "Events": self._events}
        try:
            result = self._request(conn, "Login", fields, f"login-{conn.number}",
                                   self._connect_timeout)
        except (TimeoutError, ConnectionError) as exc:
            return f"login failed: {exc}"
        if result.ok:
            return None
        self._count("login_failures")
        # The PBX's own words (``Authentication failed``), clipped: the operator needs them.
        message = result.headers.get("Message", "no message")[:80]
        self._log.error(
            "AMI %s: login as %r refused (%s); check the credentials, retrying with backoff",
            conn.peer, self._username, message,
        )
        return f"login refused: {message}"

    def _watch(self, conn: AmiConnection) -> str:
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
        self, conn: AmiConnection, name: str, fields: Mapping[str, str], action_id: str,
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
        self, conn: AmiConnection, name: str, fields: Mapping[str, str], action_id: str,
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
