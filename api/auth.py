"""Users, tokens, roles and masking.

A request proves who it is with ``Authorization: Bearer <token>`` or the
``callboard_token`` cookie set by ``POST /api/login``; WebSockets may also pass
``?token=``. Users are ``User`` aggregates in the log (``callboard user add``), so the
audit trail shows who was given access and when. Every denied request is logged.
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

from adapters.store.application import CallCenter, read_events
from api.runtime import find
from domain.access.user import ROLES, User
from domain.errors import NoExtensionBound
from domain.ids import user_id

__all__ = ["COOKIE", "UNMASKED_ROLES", "Principal", "UserDirectory", "mask_number",
           "mask_view", "own_extension", "token_digest"]

log = logging.getLogger("callboard.auth")

COOKIE = "callboard_token"
UNMASKED_ROLES = frozenset({"supervisor", "complaints", "auditor"})
NUMBER_KEYS = frozenset({"number", "caller_number", "customer_number", "dialed_number"})
NAME_KEYS = frozenset({"customer_name", "caller_name"})
USER_TOPICS = tuple(f"domain.access.user:User.{n}" for n in
                    ("Added", "TokenIssued", "RoleChanged", "Disabled", "ExtensionBound"))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mask_number(number: str) -> str:
    """``13812345678`` -> ``138****5678``; short numbers keep only their last two."""
    digits = number.strip()
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_name(name: str) -> str:
    """``Nancy Taylor`` -> ``N. T.``"""
    return " ".join(f"{part[0]}." for part in name.split() if part)


def _mask_value(key: str, value: Any, role: str) -> Any:
    if isinstance(value, str) and value:
        if key in NUMBER_KEYS:
            return mask_number(value)
        if key in NAME_KEYS:
            return mask_name(value)
    return mask_view(value, role)


def mask_view(value: Any, role: str) -> Any:
    """A copy of a view with customer numbers and names masked, unless ``role`` needs
    them."""
    if role in UNMASKED_ROLES:
        return value
    if isinstance(value, dict):
        return {k: _mask_value(k, v, role) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_view(v, role) for v in value]
    return value


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


class UserDirectory:
    """Token digests -> principals, folded from the ``User`` events in the log."""

    def __init__(self, app: CallCenter, clock: Callable[[], float] = time.time,
                 reload_every_s: float = 1.0) -> None:
        self.app, self.clock, self.reload_every_s = app, clock, reload_every_s
        self._lock = threading.Lock()
        self._by_digest: dict[str, Principal] = {}
        self._loaded_at = -1e9
        self.reload()

    def reload(self) -> None:
        users: dict[str, dict[str, Any]] = {}
        for e in read_events(self.app, USER_TOPICS):
            key = str(e.originator_id)
            kind = type(e).__qualname__
            if kind == "User.Added":
                users[key] = {"name": e.name, "role": e.role, "tokens": [e.token_sha256],
                              "disabled": False, "extension": getattr(e, "extension", "")}
            elif key in users and kind == "User.ExtensionBound":
                users[key]["extension"] = e.extension
            elif key in users and kind == "User.TokenIssued":
                users[key]["tokens"].append(e.token_sha256)
            elif key in users and kind == "User.RoleChanged":
                users[key]["role"] = e.role
            elif key in users and kind == "User.Disabled":
                users[key]["disabled"] = True
        table = {digest: Principal(u["name"], u["role"], u["extension"])
                 for u in users.values()
                 if not u["disabled"] for digest in u["tokens"]}
        with self._lock:
            self._by_digest = table
            self._loaded_at = time.monotonic()

    def authenticate(self, token: str | None) -> Principal | None:
        if not token:
            return None
        digest = token_digest(token)
        with self._lock:
            found = self._by_digest.get(digest)
            stale = time.monotonic() - self._loaded_at > self.reload_every_s
        if found is None and stale:  # a user added since (e.g. by the CLI)
            self.reload()
            with self._lock:
                found = self._by_digest.get(digest)
        return found

    def add(self, name: str, role: str, by: str, token: str | None = None,
            extension: str | None = None) -> str:
        """Create the user (or give an existing one a new token, and ``extension`` when
        given: "" unbinds it); returns the token."""
        if not _NAME.match(name):
            raise ValueError(f"bad user name {name!r}: letters, digits and ._@- only")
        User.check_role(role)
        token = token or secrets.token_urlsafe(24)
        at = self.clock()
        user = find(self.app, User, user_id(name))
        if user is None:
            user = User(name, role, at, by, token_digest(token), extension or "")
        else:
            user.change_role(at, by, role)
            user.issue_token(at, by, token_digest(token))
            if extension is not None:
                user.bind_extension(at, by, extension)
        self.app.save(user)
        self.reload()
        return token


assert set(UNMASKED_ROLES) <= set(ROLES)
