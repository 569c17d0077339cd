"""Masking by value, applied in one place per channel: every JSON response (``MaskResponses``,
an ASGI middleware), every pushed snapshot (``api.push``) and every log line
(``api.system.redaction``) goes through the one ``Masker`` that ``KnownCustomers`` keeps up
to date with the customers Callboard has seen (the ``customers`` fold).

We mask the response body once, after the route built it, rather than in each route,
because a rule each route must remember is forgotten by the next route
(``GET /api/pbx/actions/{id}`` was never masked). The middleware knows the caller by the
principal the access check leaves on the request (``request.state.principal``); a response
without one (anonymous, or a route without the check) is masked too: fail closed.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import UNMASKED_ROLES, Masker, Principal
from api.runtime import Runtime

__all__ = ["FOLD", "KnownCustomers", "MaskResponses", "role_of"]

FOLD = "customers"


class KnownCustomers:
    """The current ``Masker``: rebuilt from the ``customers`` fold only when it grew
    (its ``version`` changed), so a response costs a version check, not a rebuild."""

    def __init__(self, runtime: Runtime | None) -> None:
        self.runtime = runtime
        self._masker = Masker()
        self._version = -1
        self._lock = threading.Lock()

    def masker(self, *, wait: bool = False) -> Masker:
        """The masker for what the fold holds now. ``wait``: first let the fold reach the
        log's head (a response: read your writes); without it (push ticks, log lines)
        never block: a fold busy folding keeps the previous masker for a moment."""
        projection = None if self.runtime is None else self.runtime.projections.get(FOLD)
        if projection is None:
            return self._masker
        if wait:
            self.runtime.read(FOLD, lambda fold: None)  # type: ignore[union-attr]
        if not projection.lock.acquire(blocking=wait):
            return self._masker
        try:
            fold: Any = projection.fold
            if fold.version == self._version:
                return self._masker
            version, numbers, names = fold.version, set(fold.numbers), set(fold.names)
        finally:
            projection.lock.release()
        masker = Masker(numbers, names)
        with self._lock:
            if version > self._version:
                self._masker, self._version = masker, version
            return self._masker

    def text(self, text: str) -> str:
        return self.masker().text(text)

    def view(self, value: Any, role: str | None) -> Any:
        """``value`` as ``role`` may see it (None: nobody known, masked)."""
        if role in UNMASKED_ROLES:
            return value
        return self.masker().value(value)


def role_of(scope: Scope) -> str | None:
    principal = scope.get("state", {}).get("principal")
    return principal.role if isinstance(principal, Principal) else None


class MaskResponses:
    """Pure ASGI (streaming bodies and WebSockets pass untouched): the JSON body of every
    HTTP response to a masked role is decoded, masked and encoded again."""

    def __init__(self, app: ASGIApp, known: KnownCustomers) -> None:
        self.app, self.known = app, known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # the same dict request.state writes the principal to
        start: Message | None = None
        body: list[bytes] = []

        async def masking_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if not self._maybe_masked(scope, message):
                    start = None
                    await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._send_masked(scope, start, b"".join(body), send)

        await self.app(scope, receive, masking_send)

    def _maybe_masked(self, scope: Scope, start: Message) -> bool:
        if role_of(scope) in UNMASKED_ROLES:
            return False
        headers: dict[bytes, bytes] = dict(start.get("headers", ()))
        return headers.get(b"content-type", b"").startswith(b"application/json")

    def _mask(self, body: bytes) -> bytes:
        """In a worker thread: it may wait for the fold, and a long body is CPU work."""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return self.known.masker().text(body.decode("utf-8", "replace")).encode()
        return orjson.dumps(self.known.masker(wait=True).value(data))

    async def _send_masked(self, scope: Scope, start: Message, body: bytes,
                           send: Send) -> None:
        masked = await asyncio.to_thread(self._mask, body)
        headers = [(k, v) for k, v in start.get("headers", ()) if k != b"content-length"]
        headers.append((b"content-length", str(len(masked)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": masked, "more_body": False})
