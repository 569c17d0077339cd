"""Shared fixtures: the recorded scenarios and the two event stores."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SCENARIOS: dict[str, list[Path]] = {
    "basic-day": [FIXTURES / "basic-day" / "basic-day.ami"],
    "outbound-telesales": [FIXTURES / "outbound-telesales" / "outbound-telesales.ami"],
    "supervision": [FIXTURES / "supervision" / "supervision.ami"],
    "restart": [FIXTURES / "restart" / f"restart.seg{i}.ami" for i in (1, 2, 3)],
}
POSTGRES_URL = os.environ.get("CALLBOARD_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")


def summary(scenario: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / scenario / "summary.json").read_text())
    return data


def _postgres_unavailable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except Exception as error:  # any failure to connect means "not available here"
        name = error.__class__.__name__
        return f"PostgreSQL at {POSTGRES_URL} is not reachable ({name}: {error})"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    reason = _postgres_unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI=true the PostgreSQL tests are required")
        pytest.skip(reason)
    return POSTGRES_URL


@pytest.fixture
def sqlite_store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'callboard.db'}"


@pytest.fixture
def postgres_store(postgres_server: str) -> Iterator[str]:
    """A fresh schema per test, dropped afterwards."""
    import psycopg

    schema = f"cb_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{postgres_server}?schema={schema}"
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs on SQLite and on PostgreSQL."""
    name = "sqlite_store" if request.param == "sqlite" else "postgres_store"
    url: str = request.getfixturevalue(name)
    return url
