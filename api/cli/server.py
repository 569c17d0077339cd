"""``callboard serve | demo | user add``: the server and its users."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

from adapters.replay.demo import DemoAmiServer, DemoClock
from adapters.store.application import open_app
from api.app import create_app
from api.auth import UserDirectory
from api.push import listening_socket
from api.runtime import FeedSource, Runtime
from api.settings import AmiSettings, BoardSettings, ServerSettings, Settings

__all__ = ["DEMO_CAPTURE", "DEMO_RECORDINGS", "add_server_commands", "run_server_command"]

log = logging.getLogger("callboard")
DEMO_CAPTURE = Path(__file__).parents[2] / "tests" / "fixtures" / "basic-day" / \
    "basic-day.ami"
DEMO_RECORDINGS = DEMO_CAPTURE.parent.parent / "recordings-sample"


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
    user = with_store(sub.add_parser("user", help="manage users"))
    user.add_argument("action", choices=["add"])
    user.add_argument("name")
    user.add_argument("--role", required=True,
                      choices=["supervisor", "qa", "complaints", "auditor", "agent", "admin"])
    user.add_argument("--by", default="cli", help="who gives the access (for the audit log)")


def _serve(runtime: Runtime, server: ServerSettings, host: str | None, port: int | None,
           banner: Callable[[str], None], *sources: FeedSource) -> int:
    users = UserDirectory(runtime.app)
    app = create_app(runtime, users)
    runtime.start(*sources)
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
        report = runtime.stop()
        print(json.dumps(report.__dict__ if report else {}), file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace, store_url: str, settings: Settings) -> int:
    from adapters.ami.client import AmiFeedClient

    ami = AmiSettings()
    runtime = Runtime(store_url, settings, BoardSettings())
    client = AmiFeedClient(ami.host, ami.port, ami.user, ami.secret, runtime.items,
                           ping_interval=ami.ping_interval_s)
    runtime.pbx = client
    return _serve(runtime, ServerSettings(), args.host, args.port,
                  lambda url: print(f"Callboard on {url} (AMI {ami.host}:{ami.port})",
                                    file=sys.stderr), client)


def cmd_demo(args: argparse.Namespace, store_url: str | None, settings: Settings) -> int:
    from adapters.ami.client import AmiFeedClient

    if not args.capture.is_file():
        print(f"callboard demo: no capture at {args.capture}", file=sys.stderr)
        return 2
    if store_url is None:
        store_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='callboard-demo-')) / 'demo.db'}"
    clock = DemoClock(args.speed)
    if settings.recordings_dir is None:  # the sample recordings that come with the project
        settings = settings.model_copy(update={"recordings_dir": DEMO_RECORDINGS})
    pbx = DemoAmiServer(args.capture, clock=clock).start()
    runtime = Runtime(store_url, settings, BoardSettings(), clock=clock)
    token = UserDirectory(runtime.app).add("demo", "supervisor", by="demo")
    client = AmiFeedClient("127.0.0.1", pbx.port, "demo", "demo", runtime.items,
                           ping_interval=1.0)
    runtime.pbx = client

    def banner(url: str) -> None:
        print(f"\n  Callboard demo: open {url}/login\n  log in with the demo supervisor's "
              f"token: {token}\n  (replaying {args.capture.name} at {args.speed:g}x, store "
              f"{store_url})\n", file=sys.stderr, flush=True)

    try:
        return _serve(runtime, ServerSettings(), args.host, args.port, banner, client)
    finally:
        pbx.stop()


def cmd_user(args: argparse.Namespace, store_url: str, settings: Settings) -> int:
    app = open_app(store_url, cipher_key=settings.key(), audit_key=settings.signing_key())
    try:
        token = UserDirectory(app).add(args.name, args.role, by=args.by)
    except ValueError as error:
        print(f"callboard user: {error}", file=sys.stderr)
        return 2
    finally:
        app.close()
    print(json.dumps({"user": args.name, "role": args.role, "token": token}))
    return 0


def run_server_command(args: argparse.Namespace, store_url: str | None,
                       settings: Settings, default_store: Callable[[], str]) -> int:
    if args.command == "demo":
        return cmd_demo(args, store_url, settings)
    store = store_url or default_store()
    if args.command == "serve":
        return cmd_serve(args, store, settings)
    return cmd_user(args, store, settings)
