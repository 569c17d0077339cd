"""FastAPI dependencies: the runtime, the caller's identity and role checks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket

from api.auth import COOKIE, Principal, UserDirectory
from api.runtime import Runtime

__all__ = ["ALL_ROLES", "RuntimeDep", "access", "bearer_token", "register_access", "require",
           "role_allowed"]

log = logging.getLogger("callboard.access")

ALL_ROLES = ("supervisor", "qa", "complaints", "auditor", "agent", "admin")
# Which roles each resource is for (DESIGN.md section 2: who needs what).
access: dict[str, tuple[str, ...]] = {
    "wallboard": ALL_ROLES,
    "agents": ("supervisor", "qa", "auditor", "admin"),
    "monitoring": ("supervisor", "qa", "auditor", "admin", "complaints"),
    "events": ("auditor", "admin"),
    "timeline": ("supervisor", "qa", "auditor", "complaints"),
    "recordings": ("qa", "supervisor", "auditor"),
    "metrics": ("admin",),
}


def register_access(extra: dict[str, tuple[str, ...]]) -> None:
    """Feature routers declare which roles use their resources."""
    access.update(extra)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def bearer_token(authorization: str | None, cookie: str | None,
                 query: str | None = None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return cookie or query


def _client(request: Request | WebSocket) -> str:
    return f"{request.client.host}:{request.client.port}" if request.client else "?"


def identify(request: Request) -> Principal:
    users: UserDirectory = request.app.state.users
    token = bearer_token(request.headers.get("authorization"), request.cookies.get(COOKIE))
    principal = users.authenticate(token)
    if principal is None:
        log.warning("denied %s %s from %s: %s", request.method, request.url.path,
                    _client(request), "bad token" if token else "no token")
        raise HTTPException(401, "not authenticated: send a bearer token or log in",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


def role_allowed(principal: Principal, roles: tuple[str, ...], what: str,
                 request: Request | WebSocket) -> bool:
    if principal.role in roles:
        return True
    log.warning("denied %s to %s (role %s) from %s", what, principal.name, principal.role,
                _client(request))
    return False


def require(resource: str) -> Callable[[Request], Principal]:
    roles = access[resource]

    def check(request: Request) -> Principal:
        principal = identify(request)
        if not role_allowed(principal, roles, request.url.path, request):
            raise HTTPException(403, f"role {principal.role!r} may not use {resource}; "
                                f"allowed: {', '.join(roles)}")
        return principal

    return check
