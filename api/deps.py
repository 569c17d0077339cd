"""FastAPI dependencies: the caller's identity, the role check against the one access
table (``api.access``), and the runtime and services ``api.bootstrap`` built, taken from
the app (set once by ``create_app``; nothing is built here)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, WebSocket

from api.access import AccessTable
from api.auth import COOKIE, Principal, UserDirectory
from api.runtime import Runtime

__all__ = ["RuntimeDep", "Who", "bearer_token", "identify", "require", "role_allowed",
           "service"]

log = logging.getLogger("callboard.access")
S = TypeVar("S")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def service(name: str, cls: type[S]) -> Callable[[Request], S]:
    """A dependency giving the service ``api.bootstrap`` built under ``name``."""

    def get(request: Request) -> S:
        found: Any = request.app.state.services[name]
        assert isinstance(found, cls), (name, type(found))
        return found

    get.__name__ = f"get_{name}"
    return get


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


def require(request: Request) -> Principal:
    """The caller, if the access table admits their role to this route."""
    table: AccessTable = request.app.state.access
    key = table.key_of(request.scope["route"].endpoint)
    roles = table.roles(key)
    principal = identify(request)
    if not role_allowed(principal, roles, request.url.path, request):
        raise HTTPException(403, f"role {principal.role!r} may not use {key}; "
                            f"allowed: {', '.join(roles)}")
    return principal


Who = Annotated[Principal, Depends(require)]
