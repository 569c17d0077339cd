"""WebSocket push: a snapshot on connect, then the newest snapshot at most every 250 ms.

One producer task per board computes the view once per tick (when the log moved, and at
least every second so waiting times tick on), masks it once per role (``mask``: the one
masking rule by value, ``api.system.masking.KnownCustomers.view``), and hands it to
every client's single-slot mailbox. A client's writer sends whatever is newest in its
slot; a slow client simply skips the snapshots it had no time for. Nothing is buffered
per client beyond one snapshot, and nothing here ever waits for a client, so a stalled
socket slows neither the others nor ingestion.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket as socket_module
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import WebSocket, WebSocketDisconnect

from api.auth import Principal, mask_view

__all__ = ["SEND_BUFFER_BYTES", "Hub", "listening_socket"]

log = logging.getLogger("callboard.push")
Mask = Callable[[Any, str], Any]  # (view, role) -> what that role may see
# The kernel's send buffer of every accepted connection (set on the listening socket, which
# accepted sockets inherit): loopback would otherwise let a stalled client's kernel buffer
# grow to megabytes. With uvicorn's own 64 KiB write buffer, what waits for a stalled
# client is bounded, and the hub skips it ahead to the newest snapshot.
SEND_BUFFER_BYTES = 64 * 1024


def listening_socket(host: str, port: int, send_buffer: int = SEND_BUFFER_BYTES
                     ) -> socket_module.socket:
    sock = socket_module.socket(socket_module.AF_INET, socket_module.SOCK_STREAM)
    sock.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_REUSEADDR, 1)
    sock.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_SNDBUF, send_buffer)
    sock.bind((host, port))
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


@dataclass(eq=False)
class Client:
    socket: WebSocket
    principal: Principal
    slot: bytes | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    sent: int = 0
    skipped: int = 0


class Hub:
    """The clients of one board and the task that feeds them."""

    def __init__(self, board: str, compute: Callable[[], dict[str, Any]],
                 position: Callable[[], int], *, interval_s: float = 0.25,
                 idle_refresh_s: float = 1.0, mask: Mask = mask_view) -> None:
        self.board, self.compute, self.position = board, compute, position
        self.mask = mask
        self.interval_s, self.idle_refresh_s = interval_s, idle_refresh_s
        self.clients: set[Client] = set()
        self._latest: dict[str, bytes] = {}  # role -> newest encoded snapshot
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._produce())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _encode(self, view: dict[str, Any], role: str) -> bytes:
        message = {"type": "snapshot", "board": self.board, "data": self.mask(view, role),
                   "sent_at": time.time()}
        return orjson.dumps(message)

    async def _produce(self) -> None:
        last_position, last_sent = -1, 0.0
        while True:
            await asyncio.sleep(self.interval_s)
            position = self.position()
            now = time.monotonic()
            if position == last_position and now - last_sent < self.idle_refresh_s:
                continue
            if not self.clients:
                self._latest.clear()
                continue
            try:
                view = await asyncio.to_thread(self.compute)
            except Exception:
                log.exception("computing the %s board failed", self.board)
                continue
            last_position, last_sent = position, now
            self.ticks += 1
            encoded: dict[str, bytes] = {}
            for client in list(self.clients):
                role = client.principal.role
                if role not in encoded:
                    encoded[role] = self._encode(view, role)
                self._offer(client, encoded[role])
            self._latest = encoded

    @staticmethod
    def _offer(client: Client, payload: bytes) -> None:
        if client.slot is not None:
            client.skipped += 1  # never sent: the client was too slow; it gets the newer
        client.slot = payload
        client.ready.set()

    async def serve(self, socket: WebSocket, principal: Principal) -> None:
        client = Client(socket, principal)
        first = self._latest.get(principal.role)
        if first is None:
            view = await asyncio.to_thread(self.compute)
            first = self._encode(view, principal.role)
        self._offer(client, first)
        self.clients.add(client)
        writer = asyncio.get_running_loop().create_task(self._write(client))
        try:
            while True:  # reading notices the close; clients send nothing we need
                await socket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            self.clients.discard(client)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer

    async def _write(self, client: Client) -> None:
        try:
            while True:
                await client.ready.wait()
                client.ready.clear()
                payload, client.slot = client.slot, None
                if payload is not None:
                    await client.socket.send_text(payload.decode())
                    client.sent += 1
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.clients.discard(client)
