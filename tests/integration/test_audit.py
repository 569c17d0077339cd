"""``callboard audit verify`` finds a changed byte, a deleted event, two swapped events, a
deleted seal (chain broken) and an unsealed record, and names them, on SQLite and
PostgreSQL; signatures need the audit key. ``audit anchor`` signs the head, and ``verify
--anchor`` finds a log cut short (its tail and seal deleted), which the chain alone cannot."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from adapters.store.audit import SEAL_TOPIC
from api.cli.main import main
from tests.conftest import SCENARIOS

AUDIT_KEY = "auditors-only-secret"


@contextmanager
def database(store: str) -> Iterator[tuple[Any, str, str]]:
    """A raw connection, the events table and its position column."""
    if store.startswith("sqlite"):
        conn = sqlite3.connect(store.removeprefix("sqlite:///"))
        try:
            yield conn, "stored_events", "rowid"
            conn.commit()
        finally:
            conn.close()
    else:
        url, _, schema = store.partition("?schema=")
        with psycopg.connect(url, autocommit=True) as pg:
            yield pg, f'"{schema}".callcenter_events', "notification_id"


def param(store: str) -> str:
    return "?" if store.startswith("sqlite") else "%s"


def call_event_positions(store: str) -> list[int]:
    with database(store) as (conn, table, position):
        rows = conn.execute(f"SELECT {position} FROM {table} WHERE topic LIKE "
                            f"'domain.telephony.call:%' ORDER BY {position}").fetchall()
    return [int(r[0]) for r in rows]


def audit(store: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["audit", "verify", "--store", store])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def sealed_store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CALLBOARD_AUDIT_KEY", AUDIT_KEY)
    assert main(["ingest", "--store", store_url, *map(str, SCENARIOS["supervision"])]) == 0
    assert main(["user", "add", "maria", "--role", "auditor", "--store", store_url]) == 0
    return store_url


def test_an_untouched_log_verifies_with_every_seal_signed(
    sealed_store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = audit(sealed_store, capsys)
    assert code == 0 and report["intact"] is True
    assert report["seals"] >= 3 and report["signed"] == report["seals"]
    assert report["events"] > 100


def test_one_changed_byte_is_named(sealed_store: str, capsys: pytest.CaptureFixture[str]
                                   ) -> None:
    target = call_event_positions(sealed_store)[5]
    with database(sealed_store) as (conn, table, position):
        (state,) = conn.execute(f"SELECT state FROM {table} WHERE {position} = "
                                f"{param(sealed_store)}", (target,)).fetchone()
        changed = bytes(state[:10]) + bytes([state[10] ^ 1]) + bytes(state[11:])
        conn.execute(f"UPDATE {table} SET state = {param(sealed_store)} WHERE {position} = "
                     f"{param(sealed_store)}", (changed, target))
    code, report = audit(sealed_store, capsys)
    assert code == 1
    assert report["first_problem"].startswith(f"altered at position {target} ")


def test_a_deleted_event_is_named(sealed_store: str, capsys: pytest.CaptureFixture[str]
                                  ) -> None:
    target = call_event_positions(sealed_store)[7]
    with database(sealed_store) as (conn, table, position):
        (ident, version) = conn.execute(
            f"SELECT originator_id, originator_version FROM {table} WHERE {position} = "
            f"{param(sealed_store)}", (target,)).fetchone()
        conn.execute(f"DELETE FROM {table} WHERE {position} = {param(sealed_store)}",
                     (target,))
    code, report = audit(sealed_store, capsys)
    hexid = ident.hex if hasattr(ident, "hex") and not isinstance(ident, str) else \
        str(ident).replace("-", "")
    assert code == 1
    assert any(p.startswith("deleted at missing") and f"{hexid} v{version}" in p
               for p in report["problems"]), report["problems"]


def test_two_swapped_events_are_named(sealed_store: str, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    first, second = call_event_positions(sealed_store)[10:12]
    p = param(sealed_store)
    with database(sealed_store) as (conn, table, position):
        conn.execute(f"UPDATE {table} SET {position} = -1 WHERE {position} = {p}", (first,))
        conn.execute(f"UPDATE {table} SET {position} = {p} WHERE {position} = {p}",
                     (first, second))
        conn.execute(f"UPDATE {table} SET {position} = {p} WHERE {position} = -1", (second,))
    code, report = audit(sealed_store, capsys)
    assert code == 1
    assert report["first_problem"].startswith(f"reordered at position {first} ") or \
        report["first_problem"].startswith(f"reordered at position {second} ")


def test_seals_signed_with_another_key_do_not_verify(
    sealed_store: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLBOARD_AUDIT_KEY", "someone-else")
    code, report = audit(sealed_store, capsys)
    assert code == 1 and report["first_problem"].startswith("bad-signature")


def test_an_export_holds_the_events_of_the_range_and_the_seals(
    sealed_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64
    import hashlib

    out = tmp_path / "export"
    assert main(["audit", "export", "--store", sealed_store, "--out", str(out),
                 "--from", "2026-11-23T09:00:00Z", "--to", "2026-11-24T00:00:00Z"]) == 0
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    seals = [json.loads(line) for line in (out / "seals.jsonl").read_text().splitlines()]
    assert events and seals
    sealed = {e[2] for s in seals for e in s["entries"]}
    for event in events:  # an auditor recomputes each digest from the exported bytes
        head = f"{event['aggregate_id'].replace('-', '')}|{event['version']}|{event['topic']}|"
        digest = hashlib.sha256(head.encode() + base64.b64decode(event["state_b64"]))
        assert digest.hexdigest() == event["digest"] and event["digest"] in sealed


# -- the paths "unsealed" and "chain broken", and the anchored head -------------------------

def positions(store: str, where: str = "", args: tuple[Any, ...] = ()) -> list[int]:
    with database(store) as (conn, table, position):
        rows = conn.execute(f"SELECT {position} FROM {table} {where} ORDER BY {position}",
                            args).fetchall()
    return [int(r[0]) for r in rows]


def seal_positions(store: str) -> list[int]:
    return positions(store, f"WHERE topic = {param(store)}", (SEAL_TOPIC,))


def delete_from(store: str, first: int, last: int | None = None) -> None:
    """Delete the records at positions ``first`` up to ``last`` (else to the end)."""
    p = param(store)
    with database(store) as (conn, table, position):
        if last is None:
            conn.execute(f"DELETE FROM {table} WHERE {position} >= {p}", (first,))
        else:
            conn.execute(f"DELETE FROM {table} WHERE {position} BETWEEN {p} AND {p}",
                         (first, last))


def insert_unsealed(store: str) -> None:
    """A record written straight into the table: a copy of a call event, as a new version."""
    target = call_event_positions(store)[3]
    with database(store) as (conn, table, position):
        conn.execute(f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
                     f"SELECT originator_id, originator_version + 1000, topic, state FROM "
                     f"{table} WHERE {position} = {param(store)}", (target,))


def anchor(store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "head.anchor.json"
    assert main(["audit", "anchor", "--store", store, "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def audit_anchored(store: str, anchor_file: Path, capsys: pytest.CaptureFixture[str]
                   ) -> tuple[int, dict[str, Any], str]:
    capsys.readouterr()
    code = main(["audit", "verify", "--store", store, "--anchor", str(anchor_file)])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_a_deleted_seal_in_the_middle_breaks_the_chain_and_leaves_its_batch_unsealed(
    sealed_store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seals = seal_positions(sealed_store)
    delete_from(sealed_store, seals[1], seals[1])
    code, report = audit(sealed_store, capsys)
    assert code == 1
    assert f"chain-broken at position {seals[2]}" in " ".join(report["problems"])
    batch = range(seals[0] + 1, seals[1])
    unsealed = [p for p in report["problems"] if p.startswith("unsealed at position ")]
    assert len(unsealed) == len(batch) and unsealed[0].startswith(
        f"unsealed at position {batch[0]} ")


def test_a_record_inserted_without_a_seal_is_named_unsealed(
    sealed_store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    insert_unsealed(sealed_store)
    code, report = audit(sealed_store, capsys)
    last = positions(sealed_store)[-1]
    assert code == 1 and len(report["problems"]) == 1
    assert report["problems"][0].startswith(f"unsealed at position {last} (")
    assert report["problems"][0].endswith(": in the log but in no seal")


def test_an_anchored_log_that_grew_since_still_reaches_its_head(
    sealed_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = anchor(sealed_store, tmp_path, capsys)
    written = json.loads(head.read_text())
    assert written["position"] == seal_positions(sealed_store)[-1]
    assert main(["user", "add", "lucia", "--role", "auditor", "--store", sealed_store]) == 0
    code, report, _ = audit_anchored(sealed_store, head, capsys)
    assert code == 0 and report["intact"] and report["anchor"]["reached"] is True


def test_a_tail_cut_with_its_seal_verifies_alone_but_not_against_the_anchor(
    sealed_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = anchor(sealed_store, tmp_path, capsys)
    seals = seal_positions(sealed_store)
    delete_from(sealed_store, seals[-2] + 1)  # the last batch and its seal
    assert audit(sealed_store, capsys)[0] == 0  # the finding: the chain alone cannot tell
    code, report, err = audit_anchored(sealed_store, head, capsys)
    assert code == 1 and report["anchor"]["reached"] is False
    assert report["first_problem"].startswith(f"anchor-missing at position {seals[-1]}: ")
    assert "its tail was deleted" in err


def test_a_deleted_anchored_seal_fails_verify_against_the_anchor(
    sealed_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = anchor(sealed_store, tmp_path, capsys)
    last = seal_positions(sealed_store)[-1]
    delete_from(sealed_store, last, last)
    code, report, _ = audit_anchored(sealed_store, head, capsys)
    assert code == 1 and report["first_problem"].startswith(f"anchor-missing at position {last}")


def test_an_unsealed_insert_fails_verify_against_the_anchor(
    sealed_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = anchor(sealed_store, tmp_path, capsys)
    insert_unsealed(sealed_store)
    code, report, err = audit_anchored(sealed_store, head, capsys)
    assert code == 1 and report["anchor"]["reached"] is True
    assert report["first_problem"].startswith("unsealed at position ") and "unsealed" in err


def test_a_head_cut_back_and_written_again_does_not_match_the_anchor(
    sealed_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = anchor(sealed_store, tmp_path, capsys)
    seals = seal_positions(sealed_store)
    delete_from(sealed_store, seals[-1], seals[-1])
    p = param(sealed_store)
    with database(sealed_store) as (conn, table, position):  # a record moved into its place
        conn.execute(f"UPDATE {table} SET {position} = {p} WHERE {position} = {p}",
                     (seals[-1], seals[-1] - 1))
    code, report, _ = audit_anchored(sealed_store, head, capsys)
    assert code == 1
    assert report["first_problem"].startswith(f"anchor-mismatch at position {seals[-1]}: ")


def test_an_altered_anchor_or_another_key_fails_on_the_signature(
    sealed_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    head = anchor(sealed_store, tmp_path, capsys)
    forged = json.loads(head.read_text())
    forged["position"] = seal_positions(sealed_store)[-2]  # point it at an earlier head
    head.write_text(json.dumps(forged))
    code, report, _ = audit_anchored(sealed_store, head, capsys)
    assert code == 1 and report["first_problem"].startswith("anchor-bad-signature at ")
    monkeypatch.setenv("CALLBOARD_AUDIT_KEY", "someone-else")
    (tmp_path / "other").mkdir()
    foreign = anchor(sealed_store, tmp_path / "other", capsys)
    monkeypatch.setenv("CALLBOARD_AUDIT_KEY", AUDIT_KEY)
    code, report, _ = audit_anchored(sealed_store, foreign, capsys)
    assert code == 1 and report["first_problem"].startswith("anchor-bad-signature at ")


def test_an_anchor_needs_the_audit_key_and_a_file_that_is_an_anchor(
    sealed_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text('{"position": "7"}')
    code = main(["audit", "verify", "--store", sealed_store, "--anchor", str(junk)])
    assert code == 1 and "not an anchor file" in capsys.readouterr().err
    monkeypatch.delenv("CALLBOARD_AUDIT_KEY")
    code = main(["audit", "anchor", "--store", sealed_store, "--out", str(tmp_path / "a")])
    assert code == 2 and "needs CALLBOARD_AUDIT_KEY" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
