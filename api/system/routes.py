"""Login, health, metrics, the web pages and the WebSocket boards."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, WebSocket
from fastapi.responses import FileResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.access import ACCESS, BOARD_SOCKETS
from api.auth import COOKIE, Principal, UserDirectory
from api.deps import (
    RuntimeDep,
    Who,
    authenticate,
    bearer_token,
    client_host,
    role_allowed,
    too_many,
)
from api.push import Hub
from api.schemas import Health, Me, Ready
from domain.access.throttle import Throttled

__all__ = ["router"]

router = APIRouter()
STATIC = Path(__file__).parent.parent / "static"
# how often an open socket's session or token is checked again: a logout, rotation or
# disable closes it (4401) within this, instead of pushing to a wallboard for days
RECHECK_S = 2.0
PAGES = ("wallboard", "agents", "calls", "qa", "my-evaluations", "complaints")


@router.post("/api/login", tags=["auth"], status_code=303,
             summary="Exchange an API token for a session cookie (the token is not in it)")
def login(request: Request, token: Annotated[str, Form(max_length=200)]) -> Response:
    """A new session (``User.SessionStarted``): the cookie carries its own secret, which
    logout ends on the server; failures are counted per client and throttled (429)."""
    users: UserDirectory = request.app.state.users
    try:
        session = users.login(token, client_host(request))
    except Throttled as error:
        raise too_many(error) from None
    if session is None:
        raise HTTPException(401, "unknown, revoked or expired token: ask an admin for a "
                            "new one (`callboard user rotate NAME`)")
    response = RedirectResponse("/wallboard", status_code=303)
    response.set_cookie(COOKIE, session.secret, httponly=True, samesite="strict",
                        max_age=int(users.policy.session_ttl_s), path="/",
                        secure=request.url.scheme == "https")
    return response


@router.post("/api/logout", tags=["auth"], status_code=204)
def logout(request: Request) -> Response:
    """Ends the session on the server (``User.SessionEnded``): the cookie is dead even
    where a copy of it survives."""
    users: UserDirectory = request.app.state.users
    users.logout(request.cookies.get(COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/api/me", tags=["auth"], response_model=Me,
            summary="Who I am: name, role and the extension bound to me (agents)")
def me(who: Who) -> dict[str, str | None]:
    return {"name": who.name, "role": who.role, "extension": who.extension or None}


@router.get("/api/health", tags=["system"], response_model=Health, summary="The process is up")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/api/ready", tags=["system"], summary="Projections have caught up with the log",
            response_model=Ready, responses={503: {"model": Ready}})
def ready(runtime: RuntimeDep) -> Response:
    """Ready when the projections have caught up with the log. The ``feed`` block says
    whether the PBX feed is up, but a feed that is down does not make the process
    unready: the outage is the PBX link's, not this instance's, and taking the instance
    out of service would hide the very boards that say "feed down since ..." (and their
    last figures, marked stale) while restarting it brings the link back no sooner."""
    head = runtime.head()
    positions = runtime.positions()
    behind = {name: head - p for name, p in positions.items() if head - p > 0}
    import orjson

    body = orjson.dumps({"ready": not behind, "head": head, "positions": positions,
                         "behind": behind, "feed": runtime.feed()})
    return Response(body, status_code=200 if not behind else 503,
                    media_type="application/json")


@router.get("/metrics", tags=["system"], summary="Prometheus metrics")
def metrics(request: Request, who: Who) -> Response:
    request.app.state.metrics.refresh()
    return Response(generate_latest(request.app.state.metrics.registry),
                    media_type=CONTENT_TYPE_LATEST)


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/wallboard")


@router.get("/login", include_in_schema=False)
def login_page() -> FileResponse:
    return FileResponse(STATIC / "login.html")


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> FileResponse:
    path = (STATIC / name).resolve()
    if path.parent != STATIC.resolve() or not path.is_file():
        raise HTTPException(404, f"no file {name!r}")
    return FileResponse(path)


def _page(page: str) -> Any:
    def serve(request: Request) -> Response:
        try:
            principal, _ = authenticate(request)
        except Throttled as error:
            raise too_many(error) from None
        if principal is None:
            return RedirectResponse(f"/login?next=/{page}", status_code=303)
        if not role_allowed(principal, ACCESS[f"GET /{page}"], f"/{page}", request):
            raise HTTPException(403, f"role {principal.role!r} may not open /{page}")
        return FileResponse(STATIC / f"{page}.html")

    return serve


for _page_name in PAGES:
    router.add_api_route(f"/{_page_name}", _page(_page_name), include_in_schema=False)


@router.websocket("/ws/{board}")
async def board_socket(socket: WebSocket, board: str) -> None:
    """Authenticated like any request, by the session cookie (browsers) or a bearer
    token on the handshake (other clients); a ``?token=`` in the URL is ignored, because
    URLs end up in access logs and browser history."""
    hubs: dict[str, Hub] = socket.app.state.hubs
    try:
        principal, _ = authenticate(socket)
    except Throttled as error:
        await socket.accept()
        await socket.close(code=4429, reason=str(error))
        return
    await socket.accept()
    if board not in hubs:
        await socket.close(code=4404, reason=f"no board {board!r}")
        return
    if principal is None:
        await socket.close(code=4401, reason="not authenticated: log in, or send "
                           "Authorization: Bearer (no ?token=)")
        return
    if not role_allowed(principal, ACCESS[BOARD_SOCKETS[board]], f"/ws/{board}", socket):
        await socket.close(code=4403, reason=f"role {principal.role} may not see {board}")
        return
    watcher = asyncio.create_task(_close_when_revoked(socket))
    try:
        await hubs[board].serve(socket, principal)
    finally:
        watcher.cancel()


def _still_valid(socket: WebSocket) -> Principal | None:
    users: UserDirectory = socket.app.state.users
    token = bearer_token(socket.headers.get("authorization"))
    return users.authenticate(token) if token else users.session(socket.cookies.get(COOKIE))


async def _close_when_revoked(socket: WebSocket) -> None:
    while await asyncio.sleep(RECHECK_S, True):
        if await asyncio.to_thread(_still_valid, socket) is None:
            with contextlib.suppress(Exception):  # the client may be gone already
                await socket.close(code=4401, reason="session over or access revoked: "
                                   "log in again")
            return
