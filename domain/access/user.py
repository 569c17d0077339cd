"""The User aggregate: who may use Callboard, in which role, with which tokens.

Only a token's SHA-256 digest is stored, never the token, so the log shows who was given
access, by whom and when, without holding anything that grants it.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import UnknownRole
from domain.ids import user_id

__all__ = ["ROLES", "User"]

ROLES = ("supervisor", "qa", "complaints", "auditor", "agent", "admin")


class User(Aggregate):
    @staticmethod
    def create_id(name: str) -> UUID:
        return user_id(name)

    @staticmethod
    def check_role(role: str) -> None:
        if role not in ROLES:
            raise UnknownRole(f"unknown role {role!r}: use one of {', '.join(ROLES)}")

    @event("Added")
    def __init__(self, name: str, role: str, at: float, by: str, token_sha256: str) -> None:
        self.check_role(role)
        self.name = name
        self.role = role
        self.tokens = [token_sha256]
        self.disabled = False

    def issue_token(self, at: float, by: str, token_sha256: str) -> None:
        self._token_issued(at, by, token_sha256)

    @event("TokenIssued")
    def _token_issued(self, at: float, by: str, token_sha256: str) -> None:
        self.tokens.append(token_sha256)

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
