"""``callboard audit verify | export``: prove the history untouched."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.store.application import open_app
from adapters.store.audit import export, verify
from api.settings import Settings

__all__ = ["add_audit_commands", "run_audit_command"]


def add_audit_commands(sub: Any, with_store: Callable[[argparse.ArgumentParser], Any],
                       instant: Callable[[str], float]) -> None:
    audit = with_store(sub.add_parser("audit", help="verify the log's seals, or export a "
                                      "range with its proof"))
    audit.add_argument("action", choices=["verify", "export"])
    audit.add_argument("--from", dest="since", type=instant, help="ISO 8601 (export)")
    audit.add_argument("--to", dest="until", type=instant, help="ISO 8601 (export)")
    audit.add_argument("--out", type=Path, default=Path("audit-export"),
                       help="folder for the export")


def run_audit_command(args: argparse.Namespace, store_url: str, settings: Settings) -> int:
    app = open_app(store_url, cipher_key=settings.key())
    key = settings.signing_key()
    try:
        if args.action == "verify":
            report = verify(app.recorder, app.mapper, key.encode() if key else None)
            print(json.dumps(report.as_dict(), indent=2))
            if not report.intact:
                print(f"callboard audit: {len(report.problems)} problem(s); first: "
                      f"{report.problems[0]}", file=sys.stderr)
            return 0 if report.intact else 1
        proof = export(app.recorder, app.mapper, args.out, args.since, args.until)
        print(json.dumps({"out": str(args.out), **proof}))
        return 0
    finally:
        app.close()
