"""The AMI frame limit is a setting (CALLBOARD_AMI_MAX_FRAME_BYTES) that reaches the
readers: `callboard ingest` cuts a frame over it, and leaves it whole under the default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli.main import main

BANNER = b"Asterisk Call Manager/9.0.0\r\n"
FRAME = b"Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n"


def _capture(tmp_path: Path) -> Path:
    big = b"Event: UserEvent\r\nUserEvent: padding\r\nData: " + b"x" * 10_000 + b"\r\n\r\n"
    path = tmp_path / "big.ami"
    path.write_bytes(BANNER + FRAME + big + FRAME)
    return path


def _ingest(tmp_path: Path, capture: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    assert main(["ingest", str(capture), "--store", f"sqlite:///{tmp_path / 's.db'}"]) == 0
    report: dict[str, int] = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    return report


def test_a_frame_over_the_configured_limit_is_cut_by_callboard_ingest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CALLBOARD_AMI_MAX_FRAME_BYTES", "4096")
    report = _ingest(tmp_path, _capture(tmp_path), capsys)
    assert report["frames_cut"] == 1


def test_the_same_frame_stays_whole_under_the_default_limit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _ingest(tmp_path, _capture(tmp_path), capsys)
    assert report["frames_cut"] == 0
