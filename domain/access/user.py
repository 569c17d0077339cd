"""The User aggregate: who may use Callboard, in which role, with which tokens.

Only a token's SHA-256 digest is stored, never the token, so the log shows who was given
access, by whom and when, without holding anything that grants it.

A user may name the phone extension they answer on (``extension``, set when added and
changed by ``ExtensionBound``): that is the one rule for which agent a user is. Nothing
guesses it from the login name, so renaming a login or reusing a name never hands one
agent's calls, evaluations or queue membership to another.

Access can be taken back, and every step is an event: an API token carries its expiry
(``expires_at``, set by the caller from a setting), ``TokensRevoked`` ends every earlier
token and session at once (``callboard user rotate``, and ``user add`` again), a login
starts a ``SessionStarted`` (its own random secret, only the digest stored, with an expiry)
and ``POST /api/logout`` ends it (``SessionEnded``); ``Disabled`` ends everything and is
final, so a disabled login can never be quietly revived by a later ``user add``. The times
are given by the caller: the domain never reads the clock.
"""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidChoice, InvariantViolated, UnknownRole
from domain.ids import user_id

__all__ = ["ROLES", "User"]

ROLES = ("supervisor", "qa", "complaints", "auditor", "agent", "admin")
_EXTENSION = re.compile(r"^\d{2,10}$")


class User(Aggregate):
    @staticmethod
    def create_id(name: str) -> UUID:
        return user_id(name)

    @staticmethod
    def check_role(role: str) -> None:
        if role not in ROLES:
            raise UnknownRole(f"unknown role {role!r}: use one of {', '.join(ROLES)}")

    @staticmethod
    def check_extension(extension: str) -> None:
        """An extension is the digits the PBX knows the phone by ("" for none)."""
        if extension and not _EXTENSION.match(extension):
            raise InvalidChoice(f"bad extension {extension!r}: give the 2 to 10 digits of "
                                "the agent's phone, e.g. 1001")

    @event("Added")
    def __init__(self, name: str, role: str, at: float, by: str, token_sha256: str,
                 extension: str = "", expires_at: float | None = None) -> None:
        self.check_role(role)
        self.check_extension(extension)
        self.name = name
        self.role = role
        self.tokens = [token_sha256]
        self.disabled = False
        self.extension = extension
        self.sessions: dict[str, float] = {}

    def check_enabled(self) -> None:
        """Disabling is final: a new token or session for a disabled login is refused."""
        if self.disabled:
            raise InvariantViolated(f"user {self.name!r} is disabled: add the person under "
                                    "a new login name")

    def bind_extension(self, at: float, by: str, extension: str) -> None:
        """Name the phone extension this user answers on (or "" to unbind it)."""
        self.check_extension(extension)
        if extension != getattr(self, "extension", ""):
            self._extension_bound(at, by, extension)

    @event("ExtensionBound")
    def _extension_bound(self, at: float, by: str, extension: str) -> None:
        self.extension = extension

    def issue_token(self, at: float, by: str, token_sha256: str,
                    expires_at: float | None = None) -> None:
        self.check_enabled()
        self._token_issued(at, by, token_sha256, expires_at)

    @event("TokenIssued")
    def _token_issued(self, at: float, by: str, token_sha256: str,
                      expires_at: float | None = None) -> None:
        self.tokens.append(token_sha256)

    def revoke_tokens(self, at: float, by: str, reason: str) -> None:
        """Every token and session issued so far stops working (a rotation, a re-add)."""
        self._tokens_revoked(at, by, reason)

    @event("TokensRevoked")
    def _tokens_revoked(self, at: float, by: str, reason: str) -> None:
        self.tokens = []
        self.sessions = {}

    def start_session(self, at: float, session_sha256: str, expires_at: float) -> None:
        """A login: the session's secret digest and when it ends (sessions already over
        are forgotten here, so the aggregate does not grow with every login)."""
        self.check_enabled()
        self._session_started(at, session_sha256, expires_at)

    @event("SessionStarted")
    def _session_started(self, at: float, session_sha256: str, expires_at: float) -> None:
        sessions = getattr(self, "sessions", {})
        self.sessions = {d: end for d, end in sessions.items() if end > at}
        self.sessions[session_sha256] = expires_at

    def end_session(self, at: float, session_sha256: str) -> bool:
        """A logout; False (nothing recorded) for a session that is not open."""
        if session_sha256 not in getattr(self, "sessions", {}):
            return False
        self._session_ended(at, session_sha256)
        return True

    @event("SessionEnded")
    def _session_ended(self, at: float, session_sha256: str) -> None:
        self.sessions.pop(session_sha256, None)

    def change_role(self, at: float, by: str, role: str) -> None:
        self.check_role(role)
        if role != self.role:
            self._role_changed(at, by, role)

    @event("RoleChanged")
    def _role_changed(self, at: float, by: str, role: str) -> None:
        self.role = role

    def disable(self, at: float, by: str) -> None:
        if not self.disabled:
            self._disabled(at, by)

    @event("Disabled")
    def _disabled(self, at: float, by: str) -> None:
        self.disabled = True
        self.tokens = []
        self.sessions = {}
