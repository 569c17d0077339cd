"""The HTTP edge: one pure ASGI middleware in front of every route and socket, for what
must hold before any route (or FastAPI's body parsing) runs.

- Paths with control characters (NUL, raw or ``%00``, CR, LF, ...) are 404 at once: no
  route reads a file by such a name, and refusing them here keeps their exceptions (and
  tracebacks) out of the answers and the log.
- A browser session (a request carrying a cookie) may change state (POST, PUT, PATCH,
  DELETE) or open a WebSocket only from the server's own origin: ``Origin``, or
  ``Referer`` without it, must equal scheme://host:port of the request's ``Host``. A
  request with no cookie (``Authorization: Bearer``) is not driven by a browser, which
  cannot add that header across origins, and passes. We chose a check of the origin over
  CSRF tokens because every page writes through ``fetch`` on its own origin, so no page
  changes, and the SameSite cookie alone does not stop another port of the same host.
- Bodies are limited before they are read: a Content-Length over the limit is 413 before
  one byte of the body is taken; a body of unknown length is counted as it streams and
  cut at the limit with 413. Memory stays bounded by the limit, whoever sends.
- Every HTTP answer gets the security headers (CSP, nosniff, no referrer, no framing)
  and every ``/api`` answer ``Cache-Control: no-store``.

Pure ASGI, not ``BaseHTTPMiddleware``: that one buffers and re-wraps the stream and
breaks WebSockets; here the messages pass through untouched but the response's headers.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import orjson

from api.settings import HttpLimits

__all__ = ["UPLOADS", "Edge", "content_security_policy"]

log = logging.getLogger("callboard.edge")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

STATIC = Path(__file__).parent.parent / "static"
UPLOADS = frozenset({"POST /api/dnd/import"})  # routes that take a file: the larger limit
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
DIGITS = re.compile(r"\s*[0-9]{1,20}\s*")
DOCS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DEFAULT_PORTS = {"http": 80, "https": 443}
WEB_SCHEME = {"http": "http", "ws": "http", "https": "https", "wss": "https"}


def _style_hashes(static: Path) -> list[str]:
    """The hashes of the pages' own ``<style>`` blocks. We allow exactly those rather than
    ``'unsafe-inline'``, which would let injected markup restyle or overlay a page."""
    found = []
    for page in sorted(static.glob("*.html")):
        for block in re.findall(r"<style>(.*?)</style>", page.read_text("utf-8"), re.S):
            digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
            found.append(f"'sha256-{digest}'")
    return found


def content_security_policy(static: Path = STATIC) -> str:
    """The pages' policy: only our own scripts, styles and sockets; no framing."""
    styles = " ".join(["'self'", *_style_hashes(static)])
    return ("default-src 'self'; script-src 'self'; "
            f"style-src {styles}; img-src 'self' data:; "
            "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'self'")


# FastAPI's /docs and /redoc are a CDN's script started by an inline one; they hold no
# customer data and echo no input, so they get this looser policy rather than no docs.
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' "
               "https://cdn.jsdelivr.net; style-src 'self' 'unsafe-inline' "
               "https://cdn.jsdelivr.net https://fonts.googleapis.com; "
               "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: "
               "https://fastapi.tiangolo.com https://cdn.redoc.ly; worker-src 'self' blob:; "
               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
               "form-action 'self'")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL or origin; None for "null" or anything unparsable."""
    try:
        parts = urlsplit(url.strip())
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    return (scheme, host, port) if scheme in DEFAULT_PORTS and host and port else None


def _has_control(scope: Scope) -> bool:
    path = scope.get("path", "")
    raw = scope.get("raw_path") or path.encode("utf-8", "surrogateescape")
    return bool(CONTROL.search(path.encode("utf-8", "surrogateescape"))
                or CONTROL.search(unquote_to_bytes(bytes(raw))))


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "?"


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a streamed body passes its limit."""


async def _answer(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]],
                  ) -> None:
    body = orjson.dumps({"detail": detail, "status": status})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), *headers]})
    await send({"type": "http.response.body", "body": body})


class Edge:
    """The middleware (installed by ``api.app.create_app``), see the module docstring."""

    def __init__(self, app: App, limits: HttpLimits) -> None:
        self.app, self.limits = app, limits
        self.csp = content_security_policy()

    def headers(self, path: str) -> list[tuple[bytes, bytes]]:
        found = [(b"content-security-policy",
                  (DOCS_POLICY if path in DOCS else self.csp).encode()),
                 (b"x-content-type-options", b"nosniff"),
                 (b"referrer-policy", b"no-referrer"),
                 (b"x-frame-options", b"DENY")]
        if path == "/api" or path.startswith("/api/"):
            found.append((b"cache-control", b"no-store"))
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            status, detail = refusal
            if scope["type"] == "websocket":  # closed before accept: the handshake is 403
                await send({"type": "websocket.close", "code": 1008, "reason": detail[:120]})
            else:
                await _answer(send, status, detail, self.headers(scope["path"]))
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
        else:
            await self._http(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        """404 for a path with control characters, 403 for a cross-origin browser write,
        413 for a declared body over the limit; None when the request may go on."""
        method = scope.get("method", "GET")
        if _has_control(scope):
            log.warning("refused a %s from %s: its path holds control characters", method,
                        _client(scope))
            return 404, "no such path: a path may not hold control characters"
        if (scope["type"] == "websocket" or method in UNSAFE) and _header(scope, b"cookie"):
            refused = self._cross_origin(scope, method)
            if refused is not None:
                return 403, refused
        declared = _header(scope, b"content-length")
        if declared is not None and scope["type"] == "http":
            limit = self._limit(scope)
            if not DIGITS.fullmatch(declared):
                return 400, "bad Content-Length: send the body's length in bytes"
            if int(declared) > limit:
                log.warning("refused a %s body of %s bytes from %s (limit %d)", method,
                            declared.strip(), _client(scope), limit)
                return 413, self._too_large(limit)
        return None

    def _cross_origin(self, scope: Scope, method: str) -> str | None:
        sender = _header(scope, b"origin") or _header(scope, b"referer")
        host = _header(scope, b"host") or ""
        own = _origin(f"{WEB_SCHEME.get(scope.get('scheme', 'http'), 'http')}://{host}")
        if sender is not None and own is not None and _origin(sender) == own:
            return None
        what = "WebSocket" if scope["type"] == "websocket" else method
        log.warning("refused a cross-origin %s with a cookie from %s: origin %.200r, own %.200r",
                    what, _client(scope), sender, host)
        return (f"cross-origin request refused: with a session cookie this {what} must come "
                "from this server's own pages (Origin or Referer of this host); API "
                "clients send Authorization: Bearer without cookies")

    def _limit(self, scope: Scope) -> int:
        upload = f"{scope.get('method')} {scope.get('path')}" in UPLOADS
        return self.limits.max_upload_bytes if upload else self.limits.max_body_bytes

    @staticmethod
    def _too_large(limit: int) -> str:
        return (f"request body too large: this endpoint takes at most {limit} bytes; send "
                "less (split a large import into several files)")

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit, headers = self._limit(scope), self.headers(scope["path"])
        state = {"read": 0, "over": False, "started": False, "replaced": False}

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    state["over"] = True
                    raise BodyTooLarge(limit)
            return message

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
                if state["over"]:  # whatever the app made of the cut body: 413
                    state["replaced"] = True
                    await _answer(send, 413, self._too_large(limit), headers)
                    return
                names = {name for name, _ in headers}
                message = {**message, "headers": [
                    *((k, v) for k, v in message.get("headers", ()) if k.lower() not in names),
                    *headers]}
            elif state["replaced"]:
                return
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLarge:
            log.warning("cut a %s body from %s at its limit of %d bytes", scope["method"],
                        _client(scope), limit)
            if not state["started"]:
                await _answer(send, 413, self._too_large(limit), headers)
        except Exception:
            if not state["started"]:  # the error is still raised and logged below us
                await _answer(send, 500, "internal error: the server logged it", headers)
            raise
        else:
            if state["over"]:
                log.warning("cut a %s body from %s at its limit of %d bytes", scope["method"],
                            _client(scope), limit)
