"""One TCP connection to the AMI: the ``asterisk-ami`` client with its sharp edges filed.

Every frame read from the socket is teed to ``out`` verbatim (terminator included) as a
``ReceivedFrame``, between one ``ConnectionOpened`` and one ``ConnectionClosed``, before
the library sees it. The actions waiting for their answers (:class:`PendingAction`, by
ActionID) are fed from the same teed frames. ``adapters.ami.client`` keeps such a
connection alive (login, resync, pings, reconnects).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from asterisk.ami.client import AMIClient

from adapters.ami.feed_items import ConnectionClosed, ConnectionOpened, FeedItem, ReceivedFrame
from adapters.ami.frames import FrameSplitter, MalformedFrame, Message, parse_frame
from adapters.ami.limits import MAX_FRAME_BYTES, CutFrame, frame_digest, withheld

__all__ = ["AmiConnection", "PendingAction"]

_TERMINATOR = b"\r\n\r\n"


@dataclass(eq=False)
class PendingAction:
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


class AmiConnection(AMIClient):  # type: ignore[misc]
    """One TCP connection: an ``AMIClient`` reading through a ``FrameSplitter`` that tees
    every verbatim frame to ``out``, plus the actions waiting for their answers."""

    def __init__(
        self, number: int, host: str, port: int, timeout: float, out: queue.Queue[FeedItem],
        clock: Callable[[], float], count: Callable[[str], None],
        max_frame: int = MAX_FRAME_BYTES,
    ) -> None:
        super().__init__(address=host, port=port, timeout=timeout, buffer_size=65536)
        self.number, self.id, self.peer = number, str(uuid.uuid4()), f"{host}:{port}"
        self._out, self._clock, self._count = out, clock, count
        self._lock, self._close_lock = threading.Lock(), threading.Lock()
        self._seq, self._opened, self._closed = 0, False, False
        self._pending: dict[str, PendingAction] = {}
        self.splitter = FrameSplitter(max_frame)
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
                if type(raw) is CutFrame:  # stored with its marker, never interpreted
                    continue
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
            if self._pending and type(raw) is not CutFrame and b"ActionID:" in raw:
                msg = parse_frame(raw)
                with self._lock:
                    pending = self._pending.get(msg.headers.get("ActionID", ""))
                if pending is not None:
                    pending.feed(msg)
        except MalformedFrame:
            pass
        except Exception as error:  # an exception here would kill the library's reader
            with contextlib.suppress(Exception):
                logging.getLogger(__name__).error(
                    "AMI frame tee failed for a frame of %s", frame_digest(raw),
                    exc_info=withheld(error))

    def _put(self, item: FeedItem) -> None:
        try:
            self._out.put_nowait(item)
        except queue.Full:
            self._count("dropped")

    def register(self, action_id: str) -> PendingAction:
        with self._lock:
            pending = self._pending[action_id] = PendingAction()
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
