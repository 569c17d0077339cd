"""The wire side of the replay AMI server: capture files ready to serve, the frames the
server writes itself (responses, ``build_frame``) and reads (actions), and the state of
one served connection."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import socket
import struct
import termios
import threading
import time
from dataclasses import dataclass, field

from adapters.ami.capture import read_capture
from adapters.ami.frames import BANNER_PREFIX, parse_buffer

__all__ = ["DEFAULT_BANNER", "Capture", "ReceivedAction", "ServedConnection", "build_frame",
           "drain", "goodbye", "header", "parse_action", "response", "timestamp_of"]

DEFAULT_BANNER = b"Asterisk Call Manager/11.0.0\r\n"
_TIMESTAMP = re.compile(rb"(?:^|\r\n)Timestamp: ([0-9]+(?:\.[0-9]+)?)\r\n")
_RECORDED_LOGIN = b"\r\nActionID: rec-login\r\n"
_TIOCOUTQ = getattr(termios, "TIOCOUTQ", None)
DRAIN_S = 2.0  # how long closing waits for what was written to reach the client


def build_frame(*headers: tuple[str, str]) -> bytes:
    """One AMI frame from ``(key, value)`` pairs, blank-line terminator included."""
    return b"".join(f"{k}: {v}\r\n".encode() for k, v in headers) + b"\r\n"


def response(status: str, action_id: str | None, *extra: tuple[str, str]) -> bytes:
    head = [("Response", status)] + ([("ActionID", action_id)] if action_id is not None else [])
    return build_frame(*head, *extra)


def header(headers: dict[str, str], name: str) -> str | None:
    """Header lookup ignoring case (Asterisk treats action header names that way)."""
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def parse_action(raw: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in raw.decode("utf-8", "replace").split("\r\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip():
            headers[key.strip()] = value.strip()
    return headers


def goodbye(action_id: str | None) -> bytes:
    return response("Goodbye", action_id, ("Message", "Thanks for all the fish."))


def timestamp_of(frame: bytes) -> float | None:
    """The frame's ``Timestamp`` header, if it has one."""
    m = _TIMESTAMP.search(frame)
    return float(m.group(1)) if m else None


@dataclass(frozen=True, slots=True)
class Capture:
    """A capture file ready to serve: banner, frames to stream and their ``Timestamp``."""

    banner: bytes
    frames: tuple[bytes, ...]
    timestamps: tuple[float | None, ...]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Capture:
        """Read a capture file, plain ``.ami`` or gzip-compressed ``.ami.gz``."""
        frames, rest = parse_buffer(read_capture(path), at_start=True)
        banner = DEFAULT_BANNER
        if frames and frames[0].startswith(BANNER_PREFIX):
            banner = frames.pop(0)
        if frames and frames[0].startswith(b"Response:") and _RECORDED_LOGIN in frames[0]:
            frames.pop(0)  # the recording's own login response: the server sends its own
        if rest:
            frames.append(rest)  # a frame cut at the end of the capture is sent as it is
        return cls(banner, tuple(frames), tuple(map(timestamp_of, frames)))


@dataclass(frozen=True, slots=True)
class ReceivedAction:
    """An action a client sent, with the index of the connection it came on."""

    connection: int
    headers: dict[str, str]

    @property
    def name(self) -> str:
        return header(self.headers, "Action") or ""

    @property
    def action_id(self) -> str | None:
        return header(self.headers, "ActionID")


@dataclass(eq=False)
class ServedConnection:
    """One accepted connection: its socket, what was sent on it and how it ends."""

    index: int
    sock: socket.socket
    capture: Capture | None
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    closed: threading.Event = field(default_factory=threading.Event)
    write_closed: bool = False
    transcript: list[bytes] | None = None  # each whole frame sent, when the server keeps it
    tail: bytes = b""  # the start of a frame a cut left unfinished
    frames_sent: int = 0
    streamed: bool = False
    finished: bool = False
    drain: bool = False  # on closing, first let what was written reach the client
    reset: bool = False  # close with an RST instead of a FIN
    threads: list[threading.Thread] = field(default_factory=list)  # [server, streamer]

    def send(self, data: bytes, last: bool = False) -> bool:
        """Write ``data`` whole (False, writing nothing, once writing has ended); with
        ``last``, end writing with a FIN right after it (reading goes on)."""
        with self.send_lock:
            if self.write_closed:
                return False
            self.sock.sendall(data)
            if self.transcript is not None:
                self.transcript.append(data)
            if last:  # FIN right after the last frame, nothing in between
                self.write_closed = True
                self.shutdown(socket.SHUT_WR)
            return True

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(how)

    def cut(self, partial: bytes, reset: bool = False) -> bool:
        """Write ``partial`` (the start of a frame) and end the connection there: the
        serving thread, woken, closes it (:meth:`close`). False if already closed."""
        with self.send_lock:
            if self.write_closed:
                return False
            self.write_closed = True
            self.sock.sendall(partial)
            self.tail = partial
        self.drain, self.reset = True, reset
        self.closed.set()
        self.shutdown(socket.SHUT_RD)  # wakes a recv(), sends nothing
        return True

    def close(self) -> None:
        """Close the socket: with ``drain``, once what was written has reached the client
        (at most ``DRAIN_S``); with ``reset``, with an RST instead of a FIN."""
        if self.drain:
            drain(self.sock, DRAIN_S)
        if self.reset:  # discards what the client sent and nobody read; sends an RST
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
        self.sock.close()


def drain(sock: socket.socket, timeout: float) -> None:
    """Wait until the kernel has handed every byte written to the peer (Linux), so that
    closing, even with an RST, loses nothing written before."""
    if _TIOCOUTQ is None:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            unsent = struct.unpack("i", fcntl.ioctl(sock.fileno(), _TIOCOUTQ, b"\0" * 4))[0]
        except OSError:
            return
        if unsent <= 0:
            return
        time.sleep(0.001)
