"""The README's run command: ``callboard demo`` comes up with a live board at a printed
URL and a printed login, and stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_the_demo_prints_a_url_and_a_login_and_its_board_moves(tmp_path: Path) -> None:
    log = tmp_path / "demo.log"
    with log.open("wb") as err:
        demo = subprocess.Popen(
            [sys.executable, "-m", "api.cli.main", "demo", "--port", str(free_port()),
             "--speed", "20", "--store", f"sqlite:///{tmp_path / 'demo.db'}"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(r"open (http://\S+)/login.*?token: (\S+)",
                                      log.read_text(), re.S)):
            assert demo.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        url, token = found.groups()
        headers = {"Authorization": f"Bearer {token}"}
        offered: list[int] = []
        while len(set(offered)) < 3:
            assert time.monotonic() < deadline, offered
            try:
                view = httpx.get(f"{url}/api/wallboard", headers=headers, timeout=10).json()
                offered.append(view["day"]["totals"]["offered"])
            except httpx.TransportError:
                pass  # still starting
            time.sleep(0.5)
        assert offered == sorted(offered)
        assert httpx.get(f"{url}/login").status_code == 200
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
    assert demo.returncode == 0, log.read_text()
    assert '"frames_rejected": 0' in log.read_text()
