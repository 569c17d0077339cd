"""Users, tokens, roles and masking.

A request proves who it is with ``Authorization: Bearer <token>`` (an API token) or the
``callboard_session`` cookie set by ``POST /api/login``; WebSockets the same way, never
with a token in the URL (URLs end up in access logs). The cookie holds a session secret of
its own, never the API token, so ``POST /api/logout`` can end it on the server and a
stolen cookie dies with its session. Users, their tokens and sessions are ``User`` events
in the log (``callboard user add | rotate | disable``), so the audit trail shows who was
given access, when it was taken back, and every login. Every denied request is logged,
never with the token.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import IntegrityError

from adapters.store.application import CallCenter
from adapters.store.log_pages import notifications
from api.runtime import find
from domain.access.directory import USER_TOPICS, AccessFold, AccessPolicy, Holder
from domain.access.masking import (
    NAME_KEYS,
    NUMBER_KEYS,
    UNMASKED_ROLES,
    Masker,
    mask_name,
    mask_number,
)
from domain.access.throttle import LoginThrottle, Throttled
from domain.access.user import ROLES, User
from domain.errors import ChangedMeanwhile, NoExtensionBound, UnknownAggregate
from domain.ids import user_id

__all__ = ["COOKIE", "NAME_KEYS", "NUMBER_KEYS", "UNMASKED_ROLES", "Issued", "Masker",
           "Principal", "Throttled", "UserDirectory", "mask_name", "mask_number", "mask_view",
           "own_extension", "token_digest"]

log = logging.getLogger("callboard.auth")

COOKIE = "callboard_session"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


NO_CUSTOMERS_KNOWN = Masker()  # the key rule and the second net only


def mask_view(value: Any, role: str, known: Masker = NO_CUSTOMERS_KNOWN) -> Any:
    """A copy of a view with customer numbers and names masked (``known``: the customers
    Callboard has seen; ``domain.access.masking``), unless ``role`` needs them."""
    if role in UNMASKED_ROLES:
        return value
    return known.value(value)


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    extension: str = ""  # the phone the user answers on, from their User record

    @property
    def sees_numbers(self) -> bool:
        return self.role in UNMASKED_ROLES


def own_extension(who: Principal) -> str:
    """The agent identity rule: a user is the agent whose extension their User record
    names (``callboard user add NAME --role agent --extension 1001``); nothing is guessed
    from the login name. ``NoExtensionBound`` (409) says how to bind one."""
    if not who.extension:
        raise NoExtensionBound(
            f"user {who.name!r} has no extension, so their own calls and results are "
            f"unknown: bind one with `callboard user add {who.name} --role {who.role} "
            "--extension EXT`")
    return who.extension


_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


@dataclass(frozen=True)
class Issued:
    """A secret just made (an API token or a session): shown once, only its digest kept."""

    secret: str
    expires_at: float
    principal: Principal | None = None


def _principal(holder: Holder | None) -> Principal | None:
    return None if holder is None else Principal(holder.name, holder.role, holder.extension)


class UserDirectory:
    """Token and session digests -> principals, folded from the ``User`` events in the
    log (``domain.access.directory``). Every lookup first reads the user events stored
    since the last read, at most every ``reload_every_s``: a rotation or disable by the
    CLI (another process) takes effect within that, for a digest already known too.
    ``clock`` is wall time (expiries, event times); the reload pacing is monotonic."""

    def __init__(self, app: CallCenter, clock: Callable[[], float] = time.time,
                 reload_every_s: float = 1.0, policy: AccessPolicy | None = None) -> None:
        policy = policy or AccessPolicy()
        self.app, self.clock, self.reload_every_s, self.policy = app, clock, reload_every_s, policy
        self.throttle = LoginThrottle(policy.max_failures, policy.failure_window_s)
        self._lock = threading.Lock()
        self._fold = AccessFold(policy)
        self._position = 0
        self._loaded_at = -1e9
        self.reload()

    def reload(self) -> None:
        with self._lock:
            for item in notifications(self.app.recorder, USER_TOPICS, start=self._position + 1):
                self._fold.apply(self.app.mapper.to_domain_event(item))
                self._position = item.id
            self._loaded_at = time.monotonic()

    def _lookup(self, find_holder: Callable[[AccessFold, float], Holder | None]) -> Any:
        if time.monotonic() - self._loaded_at > self.reload_every_s:
            self.reload()
        with self._lock:
            return _principal(find_holder(self._fold, self.clock()))

    def authenticate(self, token: str | None) -> Principal | None:
        """The user of a valid API token (None: unknown, revoked, expired or disabled)."""
        if not token:
            return None
        digest = token_digest(token)
        found: Principal | None = self._lookup(lambda fold, now: fold.token(digest, now))
        return found

    def session(self, secret: str | None) -> Principal | None:
        """The user of an open login session (the cookie's secret)."""
        if not secret:
            return None
        digest = token_digest(secret)
        found: Principal | None = self._lookup(lambda fold, now: fold.session(digest, now))
        return found

    def check_client(self, client: str) -> None:
        """``Throttled`` while ``client`` has had too many failures."""
        try:
            self.throttle.check(client, self.clock())
        except Throttled:
            log.warning("throttled %s: too many failed logins", client)
            raise

    def failed(self, client: str, what: str) -> None:
        """Count and log a failed login (never the token itself)."""
        count = self.throttle.failed(client, self.clock())
        log.warning("failed login from %s (%s): unknown, revoked or expired token; %d of %d "
                    "allowed in %g s", client, what, count, self.policy.max_failures,
                    self.policy.failure_window_s)

    def login(self, token: str, client: str) -> Issued | None:
        """A new session for a valid API token (None, counted, for any other);
        ``Throttled`` while the client has had too many failures."""
        self.check_client(client)
        principal = self.authenticate(token)
        if principal is None:
            self.failed(client, "login")
            return None
        secret = secrets.token_urlsafe(32)
        end = self.clock() + self.policy.session_ttl_s
        self._change(principal.name, lambda u, at: u.start_session(at, token_digest(secret), end))
        return Issued(secret, end, principal)

    def logout(self, secret: str | None) -> bool:
        """End the session on the server (False: no such open session)."""
        principal = self.session(secret)
        if principal is None or secret is None:
            return False
        ended: list[bool] = []
        self._change(principal.name,
                     lambda u, at: ended.append(u.end_session(at, token_digest(secret))))
        return ended[-1]

    def add(self, name: str, role: str, by: str, token: str | None = None,
            extension: str | None = None) -> str:
        """``add_user``'s token."""
        return self.add_user(name, role, by, extension, token).secret

    def add_user(self, name: str, role: str, by: str, extension: str | None = None,
                 token: str | None = None) -> Issued:
        """Create the user, or re-issue an existing one (role, ``extension`` when given:
        "" unbinds it): their earlier tokens and sessions are revoked, so the token
        returned is the one that works. We chose revoking over refusing because the
        command means "this person, with this role, with this token" and scripts that
        provision users stay idempotent, while no earlier copy stays valid."""
        if not _NAME.match(name):
            raise ValueError(f"bad user name {name!r}: letters, digits and ._@- only")
        User.check_role(role)
        return self._issue(name, role, by, token, extension)

    def _issue(self, name: str, role: str | None, by: str, token: str | None = None,
               extension: str | None = None) -> Issued:
        """``add_user`` (``role`` given) or ``rotate`` (None: the user must exist)."""
        token = token or secrets.token_urlsafe(24)
        digest, at = token_digest(token), self.clock()
        end = at + self.policy.token_ttl_s
        if role is not None and find(self.app, User, user_id(name)) is None:
            self._save(User(name, role, at, by, digest, extension or "", end))
            return Issued(token, end)

        def reissue(user: User, at: float) -> None:
            user.check_enabled()
            if role is not None:
                user.change_role(at, by, role)
            user.revoke_tokens(at, by, "re-added" if role is not None else "rotated")
            user.issue_token(at, by, digest, end)
            if extension is not None:
                user.bind_extension(at, by, extension)

        self._change(name, reissue)
        return Issued(token, end)

    def rotate(self, name: str, by: str) -> Issued:
        """A new token for ``name``; every earlier token and session stops working."""
        return self._issue(name, None, by)

    def disable(self, name: str, by: str) -> None:
        """``name`` loses access at once: tokens, sessions, for good."""
        self._change(name, lambda user, at: user.disable(at, by))

    def _change(self, name: str, change: Callable[[User, float], Any]) -> None:
        for _ in range(3):
            user = find(self.app, User, user_id(name))
            if user is None:
                raise UnknownAggregate(f"no user {name!r}: add one with `callboard user add "
                                       f"{name} --role ROLE`")
            change(user, self.clock())
            try:
                return self._save(user)
            except IntegrityError:
                continue  # someone saved the user meanwhile: read it again
        raise ChangedMeanwhile(f"user {name!r} kept changing meanwhile: try again")

    def _save(self, user: User) -> None:
        self.app.save(user)
        self.reload()


assert set(UNMASKED_ROLES) <= set(ROLES)
