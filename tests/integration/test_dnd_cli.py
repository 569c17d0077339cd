"""``callboard dnd import | add | remove | check`` and ``callboard complaints
check-deadlines`` (the commands as ``api.cli.main`` registers them)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from adapters.store.application import open_app
from api.cli.complaints import add_complaint_commands, run_complaint_command
from api.complaints.service import ComplaintService
from api.settings import Configuration
from domain.complaints.deadlines import DeadlinePolicy

T0 = 1_795_420_000.0


def run(argv: list[str], store: str) -> int:
    parser = argparse.ArgumentParser(prog="callboard")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_store(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--store")
        return p

    add_complaint_commands(sub, with_store, float)
    return run_complaint_command(parser.parse_args(argv), store, Configuration())


def test_the_dnd_commands_import_a_csv_then_check_remove_and_add(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    store = f"sqlite:///{tmp_path / 'callboard.db'}"
    csv = tmp_path / "optout.csv"
    csv.write_text("number\n6175557826\n7185555816\n???\n")
    assert run(["dnd", "import", str(csv), "--by", "ops"], store) == 0
    imported = json.loads(capsys.readouterr().out)
    assert (imported["added"], imported["version"], len(imported["refused"])) == (2, 2, 1)
    assert run(["dnd", "check", "617 555 7826"], store) == 0
    assert json.loads(capsys.readouterr().out)["entry"]["note"] == "optout.csv"
    assert run(["dnd", "remove", "6175557826"], store) == 2  # no reason
    assert "a reason is required" in capsys.readouterr().err
    assert run(["dnd", "remove", "6175557826", "--reason", "consent"], store) == 0
    assert json.loads(capsys.readouterr().out) == {"removed": True, "version": 3}
    assert run(["dnd", "add", "3055552211", "--note", "by phone"], store) == 0
    assert json.loads(capsys.readouterr().out) == {"added": True, "version": 4}
    assert run(["dnd", "import", str(tmp_path / "missing.csv")], store) == 2


def test_check_deadlines_records_the_breaches_due_at_the_given_instant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    store = f"sqlite:///{tmp_path / 'callboard.db'}"
    app = open_app(store)
    ComplaintService(app, lambda: T0, DeadlinePolicy()).open(
        "hana", reference="C-9", channel="web", customer_name="Ana",
        customer_contact="ana@example.org", matter="fees", category="fee-misinformation")
    app.close()
    assert run(["complaints", "check-deadlines", "--at", str(T0 + 86_399)], store) == 0
    assert json.loads(capsys.readouterr().out) == {"breaches": []}
    assert run(["complaints", "check-deadlines", "--at", str(T0 + 86_400)], store) == 0
    assert json.loads(capsys.readouterr().out)["breaches"] == [
        {"reference": "C-9", "kind": "first-response", "due_at": T0 + 86_400,
         "detected_at": T0 + 86_400}]
