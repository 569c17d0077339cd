"""`callboard rebuild` signs the views it saves with the audit key, as the server does: a
server with the same key then takes the saved views instead of refusing them and folding
the log again."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from api.bootstrap import build
from api.cli.main import main
from api.settings import load_settings
from tests.conftest import SCENARIOS


def test_views_rebuilt_by_the_cli_are_taken_by_a_server_with_the_same_audit_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("CALLBOARD_AUDIT_KEY", "k" * 32)
    store = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["ingest", "--store", store, *map(str, SCENARIOS["basic-day"])]) == 0
    assert main(["rebuild", "--store", store, "--quiet", "wallboard"]) == 0
    with caplog.at_level(logging.WARNING, logger="callboard.views"):
        callboard = build(load_settings(), store, names=("wallboard",), read_only=True)
        try:
            assert callboard.runtime.projections["wallboard"].position > 0  # restored
        finally:
            callboard.close()
    assert [r.getMessage() for r in caplog.records if r.name == "callboard.views"] == []
