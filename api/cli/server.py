"""``callboard serve | demo``: the server (its users: ``api.cli.users``)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import uvicorn

from adapters.replay.demo import DEMO_CAPTURE, DEMO_RECORDINGS, DemoAmiServer, DemoClock
from api.app import create_app
from api.bootstrap import AmiEndpoint, Callboard, build
from api.push import listening_socket
from api.settings import Configuration

__all__ = ["add_server_commands", "run_server_command"]

log = logging.getLogger("callboard")


def add_server_commands(sub: Any, with_store: Callable[[argparse.ArgumentParser], Any]) -> None:
    serve = with_store(sub.add_parser("serve", help="ingest from the live AMI (settings from "
                                      "CALLBOARD_AMI_*), follow it, serve the API and pages"))
    serve.add_argument("--host", help="listen address (default $CALLBOARD_HTTP_HOST)")
    serve.add_argument("--port", type=int, help="listen port (default $CALLBOARD_HTTP_PORT)")
    demo = with_store(sub.add_parser("demo", help="the server with a demo PBX replaying a "
                                     "recorded day, looping, moved to the present"))
    demo.add_argument("--host")
    demo.add_argument("--port", type=int)
    demo.add_argument("--speed", type=float, default=10.0, help="demo time runs this much faster")
    demo.add_argument("--capture", type=Path, default=DEMO_CAPTURE, help="the day to replay")


def _serve(callboard: Callboard, host: str | None, port: int | None,
           banner: Callable[[str], None]) -> int:
    server = callboard.config.http
    app = create_app(callboard)
    callboard.start()
    url = f"http://{host or server.host}:{port or server.port}"
    banner(url)
    # uvicorn re-raises the signal that stopped it once it is done; with these handlers that
    # is harmless, so the runtime below still stores what was received and checkpoints
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: None)
    sock = listening_socket(host or server.host, port or server.port)
    try:
        config = uvicorn.Config(app, log_level=server.log_level, ws_per_message_deflate=False)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        report = callboard.stop()
        print(json.dumps(report.__dict__ if report else {}), file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace, store_url: str, config: Configuration) -> int:
    ami = config.ami
    callboard = build(config, store_url, ami=AmiEndpoint(
        ami.host, ami.port, ami.user, ami.secret, ami.ping_interval_s, ami.max_frame_bytes))
    return _serve(callboard, args.host, args.port,
                  lambda url: print(f"Callboard on {url} (AMI {ami.host}:{ami.port})",
                                    file=sys.stderr))


def cmd_demo(args: argparse.Namespace, store_url: str | None, config: Configuration) -> int:
    if not args.capture.is_file():
        print(f"callboard demo: no capture at {args.capture}", file=sys.stderr)
        return 2
    if store_url is None:
        store_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='callboard-demo-')) / 'demo.db'}"
    clock = DemoClock(args.speed)
    if config.store.recordings_dir is None:  # the sample recordings that come with Callboard
        config = replace(config, store=config.store.model_copy(
            update={"recordings_dir": DEMO_RECORDINGS}))
    pbx = DemoAmiServer(args.capture, clock=clock).start()
    callboard = build(config, store_url, clock=clock,
                      ami=AmiEndpoint("127.0.0.1", pbx.port, "demo", "demo"))
    token = callboard.users.add("demo", "supervisor", by="demo")

    def banner(url: str) -> None:
        print(f"\n  Callboard demo: open {url}/login\n  log in with the demo supervisor's "
              f"token: {token}\n  (replaying {args.capture.name} at {args.speed:g}x, store "
              f"{store_url})\n", file=sys.stderr, flush=True)

    try:
        return _serve(callboard, args.host, args.port, banner)
    finally:
        pbx.stop()


def run_server_command(args: argparse.Namespace, store_url: str | None,
                       config: Configuration, default_store: Callable[[], str]) -> int:
    if args.command == "demo":
        return cmd_demo(args, store_url, config)
    return cmd_serve(args, store_url or default_store(), config)
