"""``callboard user add | rotate | disable``: who may use Callboard, as events in the log.

Each prints one JSON line. ``add`` and ``rotate`` print the new token and when it expires
(``CALLBOARD_AUTH_TOKEN_DAYS``): it is shown once and only its digest is stored. Both
revoke every earlier token and login session of that user, so at most one token per user
works; ``disable`` ends them all for good. A running server reads the change within a
second (``UserDirectory``), so a revoked token stops working there too.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from api.bootstrap import build
from api.settings import Configuration
from domain.access.user import ROLES
from domain.errors import CallboardError

__all__ = ["add_user_commands", "run_user_command"]


def add_user_commands(sub: Any, with_store: Callable[[argparse.ArgumentParser], Any]) -> None:
    user = sub.add_parser("user", help="manage users: add, rotate a token, disable")
    actions = user.add_subparsers(dest="action", required=True)
    add = with_store(actions.add_parser(
        "add", help="add a user (again: a new token, the old ones revoked) and print the "
        "token"))
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--extension", help="the phone extension the user answers on: which "
                     "agent they are, and the phone a supervisor listens from")
    rotate = with_store(actions.add_parser(
        "rotate", help="a new token for NAME; every earlier token and session stops"))
    rotate.add_argument("name")
    disable = with_store(actions.add_parser(
        "disable", help="NAME loses access at once, for good (tokens and sessions)"))
    disable.add_argument("name")
    for parser in (add, rotate, disable):
        parser.add_argument("--by", default="cli", help="who does it (for the audit log)")


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


def run_user_command(args: argparse.Namespace, store_url: str, config: Configuration) -> int:
    callboard = build(config, store_url, names=(), read_only=True)
    users = callboard.users
    try:
        if args.action == "add":
            issued = users.add_user(args.name, args.role, args.by, args.extension)
            out: dict[str, Any] = {"user": args.name, "role": args.role,
                                   "token": issued.secret,
                                   "expires_at": _when(issued.expires_at),
                                   **({"extension": args.extension} if args.extension else {})}
        elif args.action == "rotate":
            issued = users.rotate(args.name, by=args.by)
            out = {"user": args.name, "token": issued.secret,
                   "expires_at": _when(issued.expires_at)}
        else:
            users.disable(args.name, by=args.by)
            out = {"user": args.name, "disabled": True}
    except (ValueError, CallboardError) as error:
        print(f"callboard user {args.action}: {error}", file=sys.stderr)
        return 2
    finally:
        callboard.close()
    print(json.dumps(out))
    return 0
