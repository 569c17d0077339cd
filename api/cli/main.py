"""The ``callboard`` command."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from adapters.ami.capture import CaptureError, capture_items
from adapters.ingest.ingestor import Ingestor
from adapters.store.application import open_app, read_events
from adapters.store.url import StoreUrlError, default_store_url, new_cipher_key
from api.cli.audit import add_audit_commands, run_audit_command
from api.cli.boards import add_board_commands, run_board_command
from api.cli.complaints import add_complaint_commands, run_complaint_command
from api.cli.qa import add_qa_commands, run_qa_command
from api.cli.server import add_server_commands, run_server_command
from api.cli.users import add_user_commands, run_user_command
from api.settings import Configuration, Settings, load_settings
from domain.errors import InvalidTime
from domain.time import parse_instant
from projections.floor.queue_stats import TOPICS, StatsProjection

__all__ = ["main"]

log = logging.getLogger("callboard")


def _instant(text: str) -> float:
    """ISO 8601 with its zone, or epoch seconds -> epoch seconds (``domain.time``: a time
    without a zone is refused, exit 2)."""
    try:
        return parse_instant(text, "the time")
    except InvalidTime as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callboard", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_store(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--store", help="sqlite:///FILE or postgresql://USER@HOST:PORT/DB "
                       "(default: $CALLBOARD_STORE_URL, ./callboard.db or the user data dir)")
        return p

    ingest = with_store(sub.add_parser("ingest", help="ingest recorded AMI captures"))
    ingest.add_argument("files", nargs="+", type=Path,
                        help="capture files; several are consecutive segments of one feed")

    listen = with_store(sub.add_parser("listen", help="ingest from a live Asterisk AMI"))
    listen.add_argument("--host")
    listen.add_argument("--port", type=int)
    listen.add_argument("--user")
    listen.add_argument("--secret")

    stats = with_store(sub.add_parser("stats", help="queue and agent figures from the log"))
    stats.add_argument("--from", dest="since", type=_instant, help="ISO 8601 start")
    stats.add_argument("--to", dest="until", type=_instant, help="ISO 8601 end (as of)")
    stats.add_argument("--json", action="store_true", help="print JSON")
    add_board_commands(sub, with_store, _instant)
    add_server_commands(sub, with_store)
    add_user_commands(sub, with_store)
    add_audit_commands(sub, with_store, _instant)
    add_qa_commands(sub, with_store)
    add_complaint_commands(sub, with_store, _instant)
    key = sub.add_parser("key", help="encryption at rest")
    key.add_argument("action", choices=["new"], help="print a new AES-256 key for "
                     "CALLBOARD_CIPHER_KEY")
    return parser


def _store_url(args: argparse.Namespace, settings: Settings) -> str:
    return str(args.store or settings.store_url or default_store_url())


def cmd_ingest(args: argparse.Namespace, settings: Settings, max_frame: int) -> int:
    app = open_app(_store_url(args, settings), compress=settings.compress,
                   cipher_key=settings.key(), audit_key=settings.signing_key())
    ingestor = Ingestor(app, batch_size=settings.batch_size)
    try:
        report = ingestor.ingest(capture_items(args.files, max_frame=max_frame))
    except CaptureError as error:
        print(f"callboard ingest: {error}", file=sys.stderr)
        return 2
    finally:
        app.close()
    print(json.dumps(report.__dict__), file=sys.stderr)
    return 0


def cmd_listen(args: argparse.Namespace, config: Configuration) -> int:
    """Ingest from a live AMI, with the projections following the log in this process."""
    from api.bootstrap import AmiEndpoint, build

    ami = config.ami
    endpoint = AmiEndpoint(args.host or ami.host, args.port or ami.port,
                           args.user or ami.user,
                           args.secret if args.secret is not None else ami.secret,
                           ami.ping_interval_s, ami.max_frame_bytes)
    callboard = build(config, _store_url(args, config.store), ami=endpoint)
    runtime = callboard.runtime
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("stopping: closing the AMI connection, then storing what was received")
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    callboard.start()
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        report = callboard.stop()
    print(json.dumps(report.__dict__ if report else {}), file=sys.stderr)
    print(json.dumps({"projections": runtime.positions()}), file=sys.stderr)
    return 0


def stats_figures(store_url: str, since: float | None = None,
                  until: float | None = None, cipher_key: str | None = None
                  ) -> dict[str, Any]:
    app = open_app(store_url, cipher_key=cipher_key)
    try:
        projection = StatsProjection()
        for event in read_events(app, TOPICS):
            if until is not None and getattr(event, "at", 0.0) >= until:
                continue
            projection.apply(event)
        return projection.figures(since, until)
    finally:
        app.close()


def _print_table(figures: dict[str, Any]) -> None:
    cols = ("offered", "answered", "abandoned", "exit_with_timeout", "service_level_pct",
            "hold_answered_mean_s", "talk_mean_s")
    print(f"{'queue':<12}" + "".join(f"{c[:14]:>16}" for c in cols))
    for name, q in figures["queues"].items():
        print(f"{name:<12}" + "".join(f"{q[c] if q[c] is not None else '-':>16}" for c in cols))
    print()
    print(f"{'agent':<16}{'answered':>10}{'talk_s':>10}{'rna':>6}  paused_s_by_reason")
    for name, a in figures["agents"].items():
        print(f"{name:<16}{a['answered']:>10}{a['talk_total_s']:>10}{a['ring_no_answer']:>6}"
              f"  {a['paused_s_by_reason']}")


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    figures = stats_figures(_store_url(args, settings), args.since, args.until,
                            settings.key())
    if args.json:
        print(json.dumps(figures, indent=2, sort_keys=True))
    else:
        _print_table(figures)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_settings()  # the one place the environment is read
    settings = config.store
    if args.command == "key":
        print(new_cipher_key())
        return 0
    if settings.production and settings.cipher_key is None:
        print("callboard: CALLBOARD_PRODUCTION is set but CALLBOARD_CIPHER_KEY is not: "
              "refusing to run without encryption at rest (make one: callboard key new)",
              file=sys.stderr)
        return 2
    try:
        if args.command == "ingest":
            return cmd_ingest(args, settings, config.ami.max_frame_bytes)
        if args.command == "listen":
            return cmd_listen(args, config)
        if args.command == "stats":
            return cmd_stats(args, settings)
        if args.command in ("dnd", "complaints"):
            return run_complaint_command(args, _store_url(args, settings), config)
        if args.command == "qa":
            return run_qa_command(args, _store_url(args, settings), config)
        if args.command == "audit":
            return run_audit_command(args, _store_url(args, settings), settings)
        if args.command == "user":
            return run_user_command(args, _store_url(args, settings), config)
        if args.command in ("serve", "demo"):
            return run_server_command(args, args.store or settings.store_url, config,
                                      default_store_url)
        return run_board_command(args, _store_url(args, settings), config.boards,
                                 settings.key(), settings.signing_key())
    except StoreUrlError as error:
        print(f"callboard: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
