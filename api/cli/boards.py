"""``callboard rebuild | project | wallboard | agents | monitoring``: the projections."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

from adapters.projection_runner.runner import TrackedProjection, as_of
from adapters.projection_runner.store import open_view_recorder
from adapters.store.application import open_app
from api.runtime import BOARDS, NAMES, board_policy, fold_factory, open_projection
from api.settings import BoardSettings

__all__ = ["add_board_commands", "run_board_command"]

Instant = Callable[[str], float]


def add_board_commands(sub: Any, with_store: Callable[[argparse.ArgumentParser], Any],
                       instant: Instant) -> None:
    for command, text in (("rebuild", "drop projections and fold the whole log again"),
                          ("project", "bring projections up to date from where they stopped")):
        p = with_store(sub.add_parser(command, help=text))
        p.add_argument("names", nargs="*", metavar="NAME",
                       help=f"projections (default: all of {', '.join(NAMES)})")
        p.add_argument("--page", type=int, default=1000, help="events read per query")
        p.add_argument("--checkpoint-events", type=int, default=200_000,
                       help="save the view at least every this many events")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
    for name in BOARDS:
        p = with_store(sub.add_parser(name, help=f"print the {name} board"))
        p.add_argument("--at", type=instant, help="ISO 8601: the board as it stood then")
        p.add_argument("--json", action="store_true", help="print JSON")


def _bar(name: str, quiet: bool) -> tuple[Callable[[int, int, int], None], Callable[[], None]]:
    if quiet:
        return (lambda position, head, folded: None), (lambda: None)
    bar = tqdm(desc=name, unit="pos", file=sys.stderr, dynamic_ncols=True)
    started = time.monotonic()

    def progress(position: int, head: int, folded: int) -> None:
        bar.total = head
        bar.update(position - bar.n)
        rate = folded / max(time.monotonic() - started, 1e-9)
        bar.set_postfix(events=folded, ev_s=f"{rate:,.0f}", refresh=False)

    return progress, bar.close


def cmd_fold(args: argparse.Namespace, store_url: str, settings: BoardSettings,
             cipher_key: str | None = None, audit_key: str | None = None) -> int:
    unknown = [n for n in args.names if n not in NAMES]
    if unknown:
        print(f"callboard {args.command}: no projection named {', '.join(unknown)} "
              f"(there are {', '.join(NAMES)})", file=sys.stderr)
        return 2
    app = open_app(store_url, cipher_key=cipher_key, audit_key=audit_key)
    try:
        for name in args.names or NAMES:
            projection = open_projection(app, store_url, name, settings, page=args.page,
                                         checkpoint_events=args.checkpoint_events,
                                         cipher_key=cipher_key)
            progress, done = _bar(name, args.quiet)
            started = time.monotonic()
            try:
                if args.command == "rebuild":
                    folded = projection.rebuild(progress)
                else:
                    folded = projection.catch_up(progress)
            finally:
                done()
                projection.recorder.close()
            seconds = time.monotonic() - started
            print(json.dumps({"projection": name, "events": folded, "seconds": round(
                seconds, 3), "events_per_s": round(folded / seconds) if seconds else None,
                "position": projection.position}), file=sys.stderr)
    finally:
        app.close()
    return 0


def board_view(store_url: str, name: str, settings: BoardSettings,
               at: float | None = None, now: float | None = None,
               cipher_key: str | None = None, audit_key: str | None = None) -> dict[str, Any]:
    """The board now (its saved state caught up in memory) or as it stood at ``at``. The
    audit key lets the saved views be signed and checked as the server does."""
    app = open_app(store_url, cipher_key=cipher_key, audit_key=audit_key)
    recorder = open_view_recorder(store_url, name, cipher_key=cipher_key)
    try:
        if at is not None:
            return as_of(app, recorder, fold_factory(name, board_policy(settings)), at)
        projection: TrackedProjection = open_projection(app, store_url, name, settings,
                                                        read_only=True, cipher_key=cipher_key)
        projection.catch_up()
        return projection.view(time.time() if now is None else now)
    finally:
        recorder.close()
        app.close()


def run_board_command(args: argparse.Namespace, store_url: str,
                      settings: BoardSettings, cipher_key: str | None = None,
                      audit_key: str | None = None) -> int:
    if args.command in ("rebuild", "project"):
        return cmd_fold(args, store_url, settings, cipher_key, audit_key)
    view = board_view(store_url, args.command, settings, args.at, cipher_key=cipher_key,
                      audit_key=audit_key)
    if args.json:
        print(json.dumps(view, indent=2, sort_keys=True, default=str))
    else:
        _print_summary(args.command, view)
    return 0


def _print_summary(name: str, view: dict[str, Any]) -> None:
    if name == "wallboard":
        print(f"{'queue':<12}{'waiting':>8}{'longest':>9}{'offered':>9}{'answered':>9}"
              f"{'abandon':>9}{'SL%ans':>8}{'ASA':>8}{'AHT':>8}")
        day = view["day"]["queues"]
        for queue, live in view["now"]["queues"].items():
            d = day.get(queue, {})
            print(f"{queue:<12}{live['waiting_now']:>8}{live['longest_wait_s']:>9}"
                  f"{d.get('offered', 0):>9}{d.get('answered', 0):>9}"
                  f"{d.get('abandoned', 0):>9}"
                  f"{_dash(d.get('service_level', {}).get('answered')):>8}"
                  f"{_dash(d.get('asa_s')):>8}{_dash(d.get('aht_s')):>8}")
    elif name == "agents":
        for agent in view["agents"]:
            print(f"{agent['name']:<18}{agent['state']:<12}{agent.get('reason', ''):<12}")
    else:
        for call in view["calls"]:
            print(f"{call.get('direction', ''):<10}{call.get('queue') or '-':<10}"
                  f"{call.get('number', '') or '':<14}{call.get('agent_name', '') or '':<16}"
                  f"{','.join(call.get('attention', []))}")
    print(f"(position {view['position']}; as of {view['as_of']})")


def _dash(value: Any) -> str:
    return "-" if value is None else str(value)
