"""``callboard audit verify | export | anchor``: prove the history untouched.

``anchor`` writes the log's head, signed with ``CALLBOARD_AUDIT_KEY``, to a file: run it
on a schedule (cron, a systemd timer) and keep the files off the database host.
``verify --anchor FILE`` then also proves the log still reaches that head, which the seal
chain alone cannot (``adapters.store.anchor``): a log cut at its end exits 1 too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.store.anchor import AnchorError, check_anchor, make_anchor, read_anchor
from adapters.store.application import CallCenter, open_app
from adapters.store.audit import export, verify
from api.settings import Settings

__all__ = ["add_audit_commands", "run_audit_command"]

_NO_KEY = ("callboard audit: {what} needs CALLBOARD_AUDIT_KEY (the key that signs the "
           "seals): set it in the environment and run again")


def add_audit_commands(sub: Any, with_store: Callable[[argparse.ArgumentParser], Any],
                       instant: Callable[[str], float]) -> None:
    audit = with_store(sub.add_parser("audit", help="verify the log's seals, export a "
                                      "range with its proof, or anchor the log's head"))
    audit.add_argument("action", choices=["verify", "export", "anchor"])
    audit.add_argument("--from", dest="since", type=instant, help="ISO 8601 (export)")
    audit.add_argument("--to", dest="until", type=instant, help="ISO 8601 (export)")
    audit.add_argument("--out", type=Path, help="export: a folder (default audit-export); "
                       "anchor: the file to write (keep it off the database host)")
    audit.add_argument("--anchor", type=Path, help="verify: also check that the log still "
                       "reaches the head anchored in this file")


def run_audit_command(args: argparse.Namespace, store_url: str, settings: Settings) -> int:
    signing = settings.signing_key()
    key = signing.encode() if signing else None
    if args.action == "anchor" and (key is None or args.out is None):
        print(_NO_KEY.format(what="an anchor") if key is None else
              "callboard audit anchor: name the file to write with --out FILE",
              file=sys.stderr)
        return 2
    if args.action == "verify" and args.anchor is not None and key is None:
        print(_NO_KEY.format(what="checking an anchor"), file=sys.stderr)
        return 2
    app = open_app(store_url, cipher_key=settings.key())
    try:
        if args.action == "verify":
            return _verify(app, key, args.anchor)
        if args.action == "anchor":
            assert key is not None
            return _anchor(app, key, args.out)
        out = args.out or Path("audit-export")
        proof = export(app.recorder, app.mapper, out, args.since, args.until)
        print(json.dumps({"out": str(out), **proof}))
        return 0
    finally:
        app.close()


def _verify(app: CallCenter, key: bytes | None, anchor_file: Path | None) -> int:
    anchored = None
    if anchor_file is not None:
        try:
            anchored = read_anchor(anchor_file.read_text())
        except OSError as error:
            print(f"callboard audit: cannot read the anchor {anchor_file}: {error.strerror}",
                  file=sys.stderr)
            return 2
        except AnchorError as error:
            print(f"callboard audit: {anchor_file}: {error}", file=sys.stderr)
            return 1  # a damaged anchor proves nothing: not intact
    report = verify(app.recorder, app.mapper, key)
    if anchored is not None:
        assert key is not None
        report.problems[:0] = check_anchor(app.recorder, app.mapper, anchored, key)
    result = report.as_dict()
    if anchored is not None:
        result["anchor"] = {"position": anchored.position, "at": anchored.at,
                            "reached": not any(p.kind.startswith("anchor-")
                                               for p in report.problems)}
    print(json.dumps(result, indent=2))
    if not report.intact:
        print(f"callboard audit: {len(report.problems)} problem(s); first: "
              f"{report.problems[0]}", file=sys.stderr)
    return 0 if report.intact else 1


def _anchor(app: CallCenter, key: bytes, out: Path) -> int:
    """Write the head's anchor to ``out`` whole or not at all (a scheduled run that dies
    halfway must not leave the last good anchor damaged)."""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        anchor = make_anchor(app.recorder, app.mapper, key, at)
    except AnchorError as error:
        print(f"callboard audit anchor: {error}", file=sys.stderr)
        return 1
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_text(anchor.to_json() + "\n")
        os.replace(partial, out)
    except OSError as error:
        print(f"callboard audit anchor: cannot write {out}: {error.strerror}; choose a "
              "writable path with --out", file=sys.stderr)
        return 2
    print(anchor.to_json())
    return 0
