"""``callboard dnd import | add | remove | check`` and ``callboard complaints
check-deadlines``: the DND registry and the complaint deadline checker from the shell
(e.g. the deadline check from cron every minute)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.bootstrap import build
from api.outbound.dnd import DndService
from api.settings import Configuration
from domain.errors import CallboardError

__all__ = ["add_complaint_commands", "run_complaint_command"]


def add_complaint_commands(sub: Any, with_store: Callable[[argparse.ArgumentParser], Any],
                           instant: Callable[[str], float]) -> None:
    dnd = with_store(sub.add_parser("dnd", help="the do-not-disturb registry"))
    dnd.add_argument("action", choices=["import", "add", "remove", "check"])
    dnd.add_argument("target", metavar="FILE_OR_NUMBER",
                     help="import: a CSV file of numbers; otherwise a number")
    dnd.add_argument("--reason", default="", help="remove: why (required)")
    dnd.add_argument("--note", default="", help="add: a note")
    dnd.add_argument("--by", default="cli", help="who does it (for the audit log)")
    complaints = with_store(sub.add_parser("complaints", help="complaint tickets"))
    complaints.add_argument("action", choices=["check-deadlines"])
    complaints.add_argument("--at", type=instant, help="ISO 8601: check as of then "
                            "(default: now)")


def _dnd(args: argparse.Namespace, service: DndService) -> dict[str, Any]:
    if args.action == "import":
        path = Path(args.target)
        return service.import_csv(args.by, path.read_text(encoding="utf-8-sig"), path.name)
    if args.action == "add":
        added, version = service.add(args.by, args.target, "admin", note=args.note)
        return {"added": added, "version": version}
    if args.action == "remove":
        return {"removed": True, "version": service.remove(args.by, args.target, args.reason)}
    return service.lookup(args.target)


def run_complaint_command(args: argparse.Namespace, store_url: str,
                          config: Configuration) -> int:
    """The DND and complaint services from ``api.bootstrap`` (the complaints fold caught
    up from the log)."""
    names = ("complaints",) if args.command == "complaints" else ()
    callboard = build(config, store_url, names=names, read_only=True)
    try:
        if args.command == "dnd":
            out = _dnd(args, callboard.services["dnd"])
        else:
            breaches = callboard.services["complaints"].check_deadlines(args.at)
            out = {"breaches": [b.__dict__ for b in breaches]}
    except (CallboardError, OSError, UnicodeDecodeError) as error:
        print(f"callboard {args.command}: {error}", file=sys.stderr)
        return 2
    finally:
        callboard.close()
    print(json.dumps(out, indent=2))
    return 0
