"""QA sampling over the shared captures (basic-day and outbound-telesales, ingested with
``callboard ingest``): the recording catalogue, samples that an auditor draws again from
their stored event alone, and ``callboard qa sample | verify``."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.store.application import open_app, read_events
from api.bootstrap import build
from api.cli.main import main
from api.cli.qa import QA_FOLDS, add_qa_commands, run_qa_command
from api.qa.evaluating import EvaluationService
from api.qa.service import QaService
from api.settings import Configuration, Settings
from domain.qa.policy import PolicyRules
from domain.qa.sampling import Candidate, draw
from domain.qa.scoring import EXAMPLE
from tests.conftest import FIXTURES, SCENARIOS

SAMPLES = FIXTURES / "recordings-sample"
DAY = "2026-11-23"
DRAWN = ("domain.qa.sample:Sample.Drawn",)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("qa") / "captures.db"
    for scenario in ("basic-day", "outbound-telesales"):
        assert main(["ingest", "--store", f"sqlite:///{path}",
                     *map(str, SCENARIOS[scenario])]) == 0
    return path


@pytest.fixture
def store(ingested: Path, tmp_path: Path) -> str:
    """A fresh copy of the ingested captures for each test."""
    shutil.copy(ingested, tmp_path / "callboard.db")
    return f"sqlite:///{tmp_path / 'callboard.db'}"


@pytest.fixture
def qa(store: str) -> Iterator[QaService]:
    config = Configuration(store=Settings(recordings_dir=SAMPLES))
    callboard = build(config, store, clock=lambda: 1795430000.0, names=QA_FOLDS,
                      read_only=True)
    try:
        yield callboard.services["qa"]
    finally:
        callboard.close()


def recorded(scenario: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        (FIXTURES / scenario / "recordings.json").read_text())["recordings"]
    return rows


def test_the_catalogue_lists_every_recording_of_the_captures_with_its_facts(
    qa: QaService,
) -> None:
    rows = qa.catalogue()
    expected = recorded("basic-day") + recorded("outbound-telesales")
    assert len(rows) >= 20 and {r["name"] for r in rows} == {r["file"] for r in expected}
    assert all(r["agent"] and r["agent_name"] and r["duration_s"] is not None for r in rows)
    outbound = [r for r in rows if r["name"].startswith("out-")]
    assert outbound and all(r["direction"] == "outbound" and r["number"] for r in outbound)
    inbound = [r for r in rows if not r["name"].startswith("out-")]
    assert all(r["direction"] == "inbound" and r["queue"] in r["name"] for r in inbound)
    with_audio = {r["name"]: r["size_bytes"] for r in rows if r["has_audio"]}
    assert with_audio == {p.name: p.stat().st_size for p in SAMPLES.glob("*.wav")}
    assert {r["qa_status"] for r in rows} == {"none"}


def rederived_from_the_log(store: str) -> list[tuple[list[str], list[str], int]]:
    """(recorded chosen ids, ids drawn again, population size) of every stored sample,
    from the events alone: what an auditor does."""
    app = open_app(store)
    try:
        out = []
        for event in read_events(app, DRAWN):
            again = draw(PolicyRules.from_dict(event.rules), event.seed,
                         [Candidate.from_dict(c) for c in event.population], event.complained)
            out.append(([c["call_id"] for c in event.chosen], [c.call_id for c in again],
                        len(event.population)))
        return out
    finally:
        app.close()


@pytest.mark.parametrize(("rules", "seed"), [
    ({"period": "day", "per_agent": 3}, 1),
    ({"period": "week", "percent": 20, "minimum": 2}, 20261123),
    ({"period": "day", "per_agent": 2, "directions": ["outbound"], "answered_only": False,
      "short_under_s": 5}, 7),
    ({"period": "month", "per_agent": 1, "queues": ["sales"], "long_over_s": 20,
      "complained": True}, 99),
])
def test_a_sample_from_the_captures_is_drawn_again_from_its_event_with_the_same_call_ids(
    qa: QaService, store: str, rules: dict[str, Any], seed: int
) -> None:
    qa.define_policy("spot", rules, "lead")
    complained = [r["number"] for r in qa.catalogue()[:3]]
    sample = qa.draw_sample("spot", DAY, seed, complained, "lead")
    assert sample["chosen"] and sample["rederives"]
    ((chosen, again, population),) = rederived_from_the_log(store)
    assert chosen == again == [c["call_id"] for c in sample["chosen"]]
    assert population == len({r["call_id"] for r in qa.catalogue()}) == 59


def test_the_same_draw_again_is_the_same_sample_and_another_seed_is_another(
    qa: QaService, store: str
) -> None:
    qa.define_policy("spot", {"period": "day", "per_agent": 2}, "lead")
    first = qa.draw_sample("spot", DAY, 5, [], "lead")
    assert qa.draw_sample("spot", DAY, 5, [], "other")["id"] == first["id"]
    second = qa.draw_sample("spot", DAY, 6, [], "lead")
    assert second["id"] != first["id"] and second["chosen"] != first["chosen"]
    assert len(rederived_from_the_log(store)) == 2
    unseeded = qa.draw_sample("spot", DAY, None, [], "lead")
    assert isinstance(unseeded["seed"], int) and unseeded["rederives"]


def test_calls_already_given_to_an_analyst_are_not_drawn_again(qa: QaService) -> None:
    qa.create_form("calls", EXAMPLE.as_dict(), "lead")
    qa.publish("calls", "lead")
    qa.define_policy("spot", {"period": "day", "per_agent": 2}, "lead")
    first = qa.draw_sample("spot", DAY, 1, [], "lead")
    EvaluationService(qa).assign_sample(first["id"], "calls", ["ann", "ben"], "lead")
    second = qa.draw_sample("spot", DAY, 1, [], "lead")
    taken = {c["call_id"] for c in first["chosen"]}
    assert taken.isdisjoint(c["call_id"] for c in second["chosen"])
    evaluated = {c["call_id"] for c in second["population"] if c["evaluated"]}
    assert evaluated == taken  # still considered, and recorded as already evaluated


def test_has_recording_keeps_only_the_calls_whose_audio_is_here(qa: QaService) -> None:
    qa.define_policy("audio", {"period": "day", "per_agent": 10, "has_recording": True,
                               "answered_only": False}, "lead")
    sample = qa.draw_sample("audio", DAY, 3, [], "lead")
    linkedids = {p.stem.rsplit("-", 1)[-1] for p in SAMPLES.glob("*.wav")}
    chosen = {c["call_id"] for c in sample["chosen"]}
    rows = [r for r in qa.catalogue() if r["call_id"] in chosen]
    assert {r["linkedid"] for r in rows} == linkedids


def qa_cli(*argv: str) -> int:
    """``callboard qa ...`` as api.cli.main will run it."""
    parser = argparse.ArgumentParser(prog="callboard")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_store(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--store")
        return p

    add_qa_commands(sub, with_store)
    args = parser.parse_args(argv)
    return run_qa_command(args, args.store, Configuration(store=Settings(recordings_dir=SAMPLES)))


def test_callboard_qa_sample_draws_and_verify_draws_it_again(
    qa: QaService, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    qa.define_policy("weekly", {"period": "week", "per_agent": 2}, "lead")
    assert qa_cli("qa", "sample", "--policy", "weekly", "--period", "2026-W48", "--seed",
                  "42", "--store", store) == 0
    drawn = json.loads(capsys.readouterr().out)
    assert drawn["seed"] == 42 and drawn["period"]["label"] == "2026-W48"
    assert drawn["population"] == 59 and len(drawn["chosen"]) == 8 and drawn["rederives"]
    assert qa_cli("qa", "verify", drawn["id"], "--store", store) == 0
    verified = json.loads(capsys.readouterr().out)
    assert [c["call_id"] for c in verified["rederived"]] == [
        c["call_id"] for c in drawn["chosen"]]
    assert qa_cli("qa", "sample", "--policy", "nosuch", "--period", DAY, "--store",
                  store) == 2
    assert "no policy 'nosuch'" in capsys.readouterr().err
