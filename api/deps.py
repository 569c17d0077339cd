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
from domain.access.throttle import Throttled

__all__ = ["RuntimeDep", "Who", "authenticate", "bearer_token", "client_host", "identify",
           "require", "role_allowed", "service", "too_many"]

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


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def _client(request: Request | WebSocket) -> str:
    return f"{request.client.host}:{request.client.port}" if request.client else "?"


def client_host(request: Request | WebSocket) -> str:
    """What the login throttle counts failures by: the peer's address."""
    return request.client.host if request.client else "?"


def too_many(error: Throttled) -> HTTPException:
    return HTTPException(429, str(error), headers={"Retry-After": str(error.wait_s)})


def authenticate(connection: Request | WebSocket) -> tuple[Principal | None, str]:
    """The caller by their bearer API token (other clients) or session cookie (browsers),
    and what was missing when None. A bearer token is a guess an attacker can repeat on
    any route, so a wrong one counts as a failed login and a throttled client is refused
    (``Throttled``) even a right one; a stale cookie does not count (a session secret is
    not guessable, and an old tab would lock its own office out)."""
    users: UserDirectory = connection.app.state.users
    token = bearer_token(connection.headers.get("authorization"))
    if token is not None:
        users.check_client(client_host(connection))
        principal = users.authenticate(token)
        if principal is None:
            users.failed(client_host(connection), f"bearer token on {connection.url.path}")
        return principal, "unknown, revoked or expired token"
    cookie = connection.cookies.get(COOKIE)
    return users.session(cookie), "session over: log in again" if cookie else "no token"


def identify(request: Request) -> Principal:
    try:
        principal, missing = authenticate(request)
    except Throttled as error:
        raise too_many(error) from None
    if principal is None:
        log.warning("denied %s %s from %s: %s", request.method, request.url.path,
                    _client(request), missing)
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
    """The caller, if the access table admits their role to this route. It is noted on
    ``request.state.principal`` for the response masking (``api.system.masking``)."""
    table: AccessTable = request.app.state.access
    key = table.key_of(request.scope["route"].endpoint)
    roles = table.roles(key)
    principal = identify(request)
    if not role_allowed(principal, roles, request.url.path, request):
        raise HTTPException(403, f"role {principal.role!r} may not use {key}; "
                            f"allowed: {', '.join(roles)}")
    request.state.principal = principal
    return principal


Who = Annotated[Principal, Depends(require)]
