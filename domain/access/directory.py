"""Who holds access right now: token and session digests -> the user they open, folded
from the ``User`` events in the log.

A fold of events, not a read of the aggregates, because the server answers every request
from memory and must learn of a change made by another process (``callboard user rotate``
or ``disable`` from the CLI) by reading only the events it has not seen. Revocation is
therefore an event that removes digests from this table, and expiry is checked at lookup
against ``now``, given by the caller (the domain never reads the clock).

Tokens issued before expiries were recorded carry none; they expire ``token_ttl_s`` after
they were issued, so an old token does not stay valid for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.access.user import User
from domain.events import event_class, event_topic

__all__ = ["USER_EVENTS", "USER_TOPICS", "AccessFold", "AccessPolicy", "Holder"]

USER_EVENTS = ("Added", "TokenIssued", "TokensRevoked", "RoleChanged", "Disabled",
               "ExtensionBound", "SessionStarted", "SessionEnded")
USER_TOPICS = tuple(event_topic(User, name) for name in USER_EVENTS)
DAY = 86400.0


@dataclass(frozen=True)
class AccessPolicy:
    """How long access lasts and how many failed logins a client gets (settings:
    ``CALLBOARD_AUTH_*``)."""

    token_ttl_s: float = 90 * DAY
    session_ttl_s: float = 12 * 3600.0
    max_failures: int = 20
    failure_window_s: float = 300.0


@dataclass(frozen=True)
class Holder:
    """The user a valid token or session belongs to."""

    name: str
    role: str
    extension: str


@dataclass
class _User:
    name: str
    role: str
    extension: str
    disabled: bool = False
    tokens: set[str] = field(default_factory=set)
    sessions: set[str] = field(default_factory=set)


class AccessFold:
    """The live token and session table; ``apply`` each ``User`` event in log order."""

    def __init__(self, policy: AccessPolicy = AccessPolicy()) -> None:
        self.policy = policy
        self._users: dict[Any, _User] = {}
        self._tokens: dict[str, tuple[Any, float]] = {}  # digest -> (user, expires at)
        self._sessions: dict[str, tuple[Any, float]] = {}
        self._handlers: dict[type, Callable[[Any, _User], None]] = {
            event_class(User, name): getattr(self, f"_{name.lower()}")
            for name in USER_EVENTS if name != "Added"}

    def apply(self, event: Any) -> None:
        key = event.originator_id
        if type(event) is event_class(User, "Added"):
            self._users[key] = _User(event.name, event.role, getattr(event, "extension", ""))
            self._grant_token(key, event.token_sha256, event.at,
                              getattr(event, "expires_at", None))
            return
        user = self._users.get(key)
        handler = self._handlers.get(type(event))
        if user is not None and handler is not None:
            handler(event, user)

    def token(self, digest: str, now: float) -> Holder | None:
        return self._holder(self._tokens.get(digest), now)

    def session(self, digest: str, now: float) -> Holder | None:
        return self._holder(self._sessions.get(digest), now)

    def _holder(self, grant: tuple[Any, float] | None, now: float) -> Holder | None:
        if grant is None or now >= grant[1]:
            return None
        user = self._users[grant[0]]
        return None if user.disabled else Holder(user.name, user.role, user.extension)

    def _grant_token(self, key: Any, digest: str, at: float, expires_at: float | None) -> None:
        end = expires_at if expires_at is not None else at + self.policy.token_ttl_s
        self._tokens[digest] = (key, end)
        self._users[key].tokens.add(digest)

    def _tokenissued(self, event: Any, user: _User) -> None:
        self._grant_token(event.originator_id, event.token_sha256, event.at,
                          getattr(event, "expires_at", None))

    def _revoke_all(self, user: _User) -> None:
        for digest in user.tokens:
            self._tokens.pop(digest, None)
        for digest in user.sessions:
            self._sessions.pop(digest, None)
        user.tokens.clear()
        user.sessions.clear()

    def _tokensrevoked(self, event: Any, user: _User) -> None:
        self._revoke_all(user)

    def _disabled(self, event: Any, user: _User) -> None:
        user.disabled = True
        self._revoke_all(user)

    def _rolechanged(self, event: Any, user: _User) -> None:
        user.role = event.role

    def _extensionbound(self, event: Any, user: _User) -> None:
        user.extension = event.extension

    def _sessionstarted(self, event: Any, user: _User) -> None:
        self._sessions[event.session_sha256] = (event.originator_id, event.expires_at)
        user.sessions.add(event.session_sha256)
        for digest in [d for d in user.sessions if self._sessions[d][1] <= event.at]:
            user.sessions.discard(digest)  # over: forget it, so the table does not grow
            del self._sessions[digest]

    def _sessionended(self, event: Any, user: _User) -> None:
        self._sessions.pop(event.session_sha256, None)
        user.sessions.discard(event.session_sha256)
