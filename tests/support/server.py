"""A real Callboard server for end-to-end tests: uvicorn on a free port in a thread, the
runtime ingesting from a replay AMI server over TCP, one user per role. Built by the
composition root (``api.bootstrap.build``), as ``callboard serve`` builds it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn

from adapters.replay.server import ReplayAmiServer
from api.app import create_app
from api.auth import UserDirectory
from api.bootstrap import AmiEndpoint, Callboard, build
from api.push import Hub, listening_socket
from api.runtime import Runtime
from api.settings import Configuration, Settings
from domain.access.user import ROLES
from tests.support.replay_pbx import PbxReplayServer

__all__ = ["AGENT_EXTENSION", "SUPERVISOR_EXTENSION", "RunningServer", "running_server",
           "serving"]

# "test-agent" answers on an extension no capture uses: no call of the captures is theirs.
AGENT_EXTENSION = "1099"
# "test-supervisor" listens from this phone (a supervisor spies from their own one only)
SUPERVISOR_EXTENSION = "9001"
EXTENSIONS = {"agent": AGENT_EXTENSION, "supervisor": SUPERVISOR_EXTENSION}


@dataclass
class RunningServer:
    url: str
    runtime: Runtime
    tokens: dict[str, str] = field(default_factory=dict)  # role -> token
    pbx: ReplayAmiServer | None = None
    runtime_hubs: dict[str, Hub] = field(default_factory=dict)
    users: UserDirectory | None = None  # the server's own: a user added here works at once

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def session_cookies(self, role: str) -> dict[str, str]:
        """Log ``test-<role>`` in as a browser does: the session cookie (not the token)."""
        answer = httpx.post(f"{self.url}/api/login", data={"token": self.tokens[role]},
                            timeout=30)
        assert answer.status_code == 303, answer.text
        return dict(answer.cookies)

    def wait_position(self, minimum: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while min(self.runtime.positions().values()) < minimum:
            assert time.monotonic() < deadline, "the projections did not catch up"
            time.sleep(0.05)


@contextmanager
def serving(callboard: Callboard, *, port: int = 0,
            pbx: ReplayAmiServer | None = None) -> Iterator[RunningServer]:
    """``callboard`` started and served by uvicorn on ``port`` (0: a free one), with one
    user per role (``test-<role>``), until the block ends."""
    users = callboard.users
    tokens = {role: f"test-{role}-token-not-for-production" for role in ROLES}
    for role, token in tokens.items():  # a restart on the same store keeps them (and the
        if users.authenticate(token) is None:  # browsers' sessions): adding again revokes
            users.add(f"test-{role}", role, by="tests", token=token,
                      extension=EXTENSIONS.get(role))
    app = create_app(callboard)
    config = uvicorn.Config(app, log_level="warning", ws_per_message_deflate=False,
                            lifespan="on")
    server = uvicorn.Server(config)
    sock = listening_socket("127.0.0.1", port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn",
                              daemon=True)
    callboard.start()
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield RunningServer(f"http://127.0.0.1:{sock.getsockname()[1]}", callboard.runtime,
                            tokens, pbx, app.state.hubs, users)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        callboard.stop()
        sock.close()


@contextmanager
def running_server(store_url: str, captures: list[Path] | None = None, *,
                   speed: float | None = None, clock_at: float | None = None,
                   recordings_dir: Path | None = None, port: int = 0,
                   ) -> Iterator[RunningServer]:
    """``clock_at``: a fixed "now" for the boards (recorded captures are from the past)."""
    clock = (lambda: clock_at) if clock_at is not None else time.time
    config = Configuration(store=Settings(recordings_dir=recordings_dir))
    pbx = None
    ami = None
    if captures:
        pbx = PbxReplayServer(captures, username="cb", secret="cb", speed=speed).start()
        ami = AmiEndpoint("127.0.0.1", pbx.port, "cb", "cb")
    callboard = build(config, store_url, clock=clock, poll_s=0.02, ami=ami)
    try:
        with serving(callboard, port=port, pbx=pbx) as running:
            yield running
    finally:
        if pbx is not None:
            pbx.stop()
