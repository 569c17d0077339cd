"""The real Asterisk 22 in ../shared/asterisk (beside the project) as the test oracle.

``real_asterisk()`` starts it with its own ``start.sh`` (idempotent: it installs once under
/opt/asterisk and starts the PBX if it is not running) and returns where its manager
listens. Where ../shared/asterisk is absent the tests that need it are skipped with that
reason, except under ``CI=true``, where it is required: we chose a failure there over a
quiet skip because a CI run that skipped the only test against the real PBX would pass
while proving nothing about it.

``Ami`` is a small raw AMI client for what the tests themselves do on the PBX (set an
agent's profile, make a caller, hang up what they made); ``cli`` runs an Asterisk CLI
command (``queue show sales``, ``core show channels concise``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["PBX_DIR", "Ami", "RealPbx", "cli", "real_asterisk"]

ROOT = Path(__file__).resolve().parents[2]
PBX_DIR = ROOT.parent / "shared" / "asterisk"


@dataclass(frozen=True)
class RealPbx:
    host: str
    port: int
    user: str
    secret: str
    prefix: str


def real_asterisk() -> RealPbx:
    """Start (or find running) the real PBX; skip, or fail under ``CI=true``, without it."""
    start = PBX_DIR / "start.sh"
    if not start.exists():
        reason = (f"the real Asterisk is not here ({PBX_DIR} has no start.sh): these tests "
                  "run against ../shared/asterisk")
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires the real PBX: {reason}")
        pytest.skip(reason)
    done = subprocess.run([str(start)], capture_output=True, text=True, timeout=300,
                          check=False)
    if done.returncode != 0:
        pytest.fail(f"{start} failed ({done.returncode}): {done.stderr[-2000:]}")
    values = dict(word.split("=", 1) for line in done.stdout.splitlines()
                  for word in line.split() if "=" in word)
    return RealPbx(values.get("AMI_HOST", "127.0.0.1"), int(values.get("AMI_PORT", 5038)),
                       values.get("AMI_USER", "callcenter"),
                       values.get("AMI_SECRET", "cc-lab-2024"),
                       values.get("LAB_ROOT", "/opt/asterisk"))


def cli(pbx: RealPbx, command: str) -> str:
    """An Asterisk CLI command's output (``asterisk -rx``)."""
    prefix = Path(pbx.prefix)
    done = subprocess.run(
        [str(prefix / "sbin" / "asterisk"), "-C", str(prefix / "etc/asterisk/asterisk.conf"),
         "-rx", command], capture_output=True, text=True, timeout=30, check=False,
        env={**os.environ, "LD_LIBRARY_PATH": str(prefix / "lib")})
    return done.stdout


class Ami:
    """One AMI connection: ``action`` sends and returns the response; ``events`` holds
    every event read (a list of header dicts), ``wait_event`` waits for one."""

    def __init__(self, pbx: RealPbx) -> None:
        self.sock = socket.create_connection((pbx.host, pbx.port), timeout=10)
        self.events: list[dict[str, str]] = []
        self._responses: dict[str, dict[str, str]] = {}
        self._cond = threading.Condition()
        self._count = 0
        self._reader = threading.Thread(target=self._read, daemon=True, name="test-ami")
        self._reader.start()
        answer = self.action("Login", Username=pbx.user, Secret=pbx.secret)
        assert answer.get("Response") == "Success", answer

    def _read(self) -> None:
        buffer = b""
        try:
            while chunk := self.sock.recv(65536):
                buffer += chunk
                *frames, buffer = buffer.split(b"\r\n\r\n")
                for frame in frames:
                    headers = dict(line.split(": ", 1) for line in
                                   frame.decode("latin-1").split("\r\n") if ": " in line)
                    with self._cond:
                        if "Event" in headers:
                            self.events.append(headers)
                        elif "ActionID" in headers:
                            self._responses[headers["ActionID"]] = headers
                        self._cond.notify_all()
        except OSError:
            return

    def action(self, name: str, **fields: str) -> dict[str, str]:
        with self._cond:
            self._count += 1
            action_id = f"test-{os.getpid()}-{self._count}"
        text = "".join(f"{k}: {v}\r\n" for k, v in
                       {"Action": name, "ActionID": action_id, **fields}.items())
        self.sock.sendall(text.encode() + b"\r\n")
        with self._cond:
            assert self._cond.wait_for(lambda: action_id in self._responses, 10), name
            return self._responses.pop(action_id)

    def wait_event(self, name: str, timeout: float, **match: str) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events:
                    if event.get("Event") == name and all(
                            event.get(k) == v for k, v in match.items()):
                        return event
                left = deadline - time.monotonic()
                assert left > 0, f"no {name} {match} within {timeout} s"
                self._cond.wait(left)

    def close(self) -> None:
        with contextlib.suppress(AssertionError, OSError):
            self.action("Logoff")
        self.sock.close()
