"""Customer data at rest: with a cipher key, no customer number or name is in the database
(files or tables, views included); with the key, everything reads back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import MapperDeserialisationError

from adapters.store.url import new_cipher_key
from api.cli.main import main, stats_figures
from tests.conftest import SCENARIOS, summary
from tests.integration.test_scenarios import compare


def customers(scenario: str) -> set[bytes]:
    """Every caller's number and name in the scenario, as bytes to look for."""
    truth = summary(scenario)
    numbers = {c["callerid"].encode() for c in truth["calls"] if c.get("callerid")}
    assert len(numbers) > 10
    return numbers


def sqlite_bytes(store: str) -> bytes:
    folder = Path(store.removeprefix("sqlite:///")).parent
    return b"".join(p.read_bytes() for p in sorted(folder.glob("*.db*")))


def postgres_bytes(store: str) -> bytes:
    url, _, schema = store.partition("?schema=")
    out = bytearray()
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,))]
        assert any(t.endswith("_events") for t in tables)
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"'):
                for value in row:
                    out += value if isinstance(value, bytes) else str(value).encode()
    return bytes(out)


def raw(store: str) -> bytes:
    return sqlite_bytes(store) if store.startswith("sqlite") else postgres_bytes(store)


def ingest_and_fold(store: str) -> None:
    assert main(["ingest", "--store", store, *map(str, SCENARIOS["basic-day"])]) == 0
    assert main(["rebuild", "--store", store, "--quiet"]) == 0


def test_with_a_key_no_customer_number_is_stored_in_clear_and_all_reads_back(
    store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = new_cipher_key()
    monkeypatch.setenv("CALLBOARD_CIPHER_KEY", key)
    ingest_and_fold(store_url)
    stored = raw(store_url)
    assert len(stored) > 100_000
    found = [n for n in customers("basic-day") if n in stored]
    assert found == []
    assert b"QueueCallerJoin" not in stored  # the raw AMI frames are sealed too
    # with the key: the figures and the boards read back
    assert compare("basic-day", stats_figures(store_url, cipher_key=key)) == []
    capsys.readouterr()
    assert main(["monitoring", "--store", store_url, "--json",
                 "--at", "2026-11-23T09:20:00Z"]) == 0
    view: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert {c["number"].encode() for c in view["calls"]} <= customers("basic-day")
    assert main(["agents", "--store", store_url, "--json"]) == 0  # the saved view decrypts


def test_without_a_key_the_same_search_finds_the_numbers(tmp_path: Path) -> None:
    """The search above can fail: in a store without a key the numbers are there."""
    store = f"sqlite:///{tmp_path / 'clear.db'}"
    ingest_and_fold(store)
    assert len([n for n in customers("basic-day") if n in sqlite_bytes(store)]) > 10


def test_a_store_sealed_with_one_key_does_not_open_with_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = f"sqlite:///{tmp_path / 'sealed.db'}"
    monkeypatch.setenv("CALLBOARD_CIPHER_KEY", new_cipher_key())
    ingest_and_fold(store)
    with pytest.raises(MapperDeserialisationError, match="Invalid cipher tag"):
        stats_figures(store, cipher_key=new_cipher_key())


def test_production_mode_refuses_to_run_without_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CALLBOARD_PRODUCTION", "true")
    monkeypatch.delenv("CALLBOARD_CIPHER_KEY", raising=False)
    store = f"sqlite:///{tmp_path / 'prod.db'}"
    assert main(["ingest", "--store", store, *map(str, SCENARIOS["basic-day"])]) == 2
    assert "refusing to run without encryption at rest" in capsys.readouterr().err
    assert not (tmp_path / "prod.db").exists()
    monkeypatch.setenv("CALLBOARD_CIPHER_KEY", new_cipher_key())
    assert main(["ingest", "--store", store, *map(str, SCENARIOS["basic-day"])]) == 0
