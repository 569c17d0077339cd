"""`callboard listen` over a real socket (the asterisk-ami client against the replay AMI
server) records the same figures as `callboard ingest` of the same capture."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from adapters.replay.server import ReplayAmiServer
from api.cli.main import main, stats_figures
from tests.conftest import SCENARIOS

ROOT = Path(__file__).parent.parent.parent


def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_listen_records_the_same_figures_as_ingest_of_the_same_capture(tmp_path: Path) -> None:
    capture = SCENARIOS["supervision"][0]
    ingested = f"sqlite:///{tmp_path / 'ingested.db'}"
    listened = f"sqlite:///{tmp_path / 'listened.db'}"
    assert main(["ingest", "--store", ingested, str(capture)]) == 0
    expected = stats_figures(ingested)

    with ReplayAmiServer([capture], username="callboard", secret="s3cret") as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli.main", "listen", "--store", listened,
             "--host", "127.0.0.1", "--port", str(server.port),
             "--user", "callboard", "--secret", "s3cret"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert server.wait_streamed(timeout=60), "the capture was not streamed"

            def same_figures() -> bool:
                try:
                    return bool(stats_figures(listened)["queues"] == expected["queues"])
                except Exception:
                    return False

            wait_for(same_figures, 30, "the listened store to hold the whole capture")
        finally:
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=30)
        assert process.returncode == 0, err

    got = stats_figures(listened)
    assert got["queues"] == expected["queues"]
    assert got["agents"] == expected["agents"]
    assert '"frames_rejected": 0' in err
