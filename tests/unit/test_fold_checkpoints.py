"""Every tracked fold survives the projection runner's checkpoint: folding half the log,
saving, restoring in a new runner and folding the rest gives the same view as folding the
whole log at once (the handler tables, left out of the saved state, are built again)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from adapters.projection_runner.runner import Fold, TrackedProjection
from adapters.projection_runner.store import open_view_recorder
from adapters.store.application import CallCenter, open_app
from domain.complaints.complaint import Complaint
from domain.complaints.deadlines import DeadlinePolicy
from domain.outbound.wrapup import Wrapup
from domain.qa.evaluation import Evaluation
from domain.qa.form import EvaluationForm
from domain.qa.policy import SamplingPolicy
from domain.qa.scoring import EXAMPLE
from projections.complaints.timeline import ComplaintsFold
from projections.floor.agents import AgentBoardProjection
from projections.floor.monitoring import MonitoringProjection
from projections.floor.recordings import RecordingsFold
from projections.floor.wallboard import WallboardProjection
from projections.qa.catalogue import QaCatalogueFold
from projections.qa.evaluations import QaEvaluationsFold
from projections.workforce.attendance import AttendanceFold
from projections.workforce.kpis import KpiFold
from tests.support.scene import Scene

T0 = 1_795_424_400.0  # 2026-11-23 09:00:00 UTC
GOOD = {"greet": "yes", "name": "yes", "needs": "excellent", "consent": "yes"}
FOLDS: dict[str, Callable[[], Fold]] = {
    "qa_catalogue": QaCatalogueFold, "qa_evaluations": QaEvaluationsFold,
    "kpis": KpiFold, "attendance": AttendanceFold, "complaints": ComplaintsFold,
    "wallboard": WallboardProjection, "agents": AgentBoardProjection,
    "monitoring": MonitoringProjection, "recordings": RecordingsFold,
}


class Tape:
    """Keeps every event in the order it happened."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def apply(self, event: Any) -> None:
        self.events.append(event)

    def keep(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            self.events += aggregate.collect_events()


def first_half(scene: Scene, tape: Tape) -> dict[str, Any]:
    scene.agent("1001", "Alice Martin", T0, "sales", "outbound")
    call = scene.caller("L1", T0 + 60, "5550001", "Ann Lee", "sales")
    scene.answer(call, T0 + 70, "sales", "1001")
    call.start_recording(T0 + 70, "L1", "/var/spool/asterisk/monitor/sales-L1.wav")
    scene.hold(call, T0 + 90)
    scene.unhold(call, T0 + 100)
    scene.complete(call, T0 + 160, "sales", "1001", free_after_s=20)
    scene.end(call, T0 + 161)
    wrapup = Wrapup(str(call.id), call.linkedid, T0 + 170)
    wrapup.set_disposition(T0 + 170, "1001", "1001", "sale", "", "5550001", T0 + 60)
    complaint = Complaint.open(
        "C-1", T0 + 200, "hana", channel="phone", customer_name="Ann Lee",
        customer_number="5550001", customer_contact="", matter="m", category="rudeness",
        severity="normal", major_reason="", policy=DeadlinePolicy())
    complaint.link_agent(T0 + 200, "hana", "1001", "")
    form = EvaluationForm.create("calls", EXAMPLE.as_dict(), T0, "lead")
    form.publish(T0 + 1, "lead")
    evaluation = Evaluation.assign({"call_id": str(call.id), "agent": "1001"}, "ann", form,
                                   T0 + 300, "lead")
    policy = SamplingPolicy.define("weekly", {"per_agent": 2}, T0 + 300, "lead")
    tape.keep(wrapup, complaint, form, evaluation, policy)
    scene.pause("1001", T0 + 400, "sales", "lunch")
    return {"complaint": complaint, "form": form, "evaluation": evaluation,
            "policy": policy}


def second_half(scene: Scene, tape: Tape, made: dict[str, Any]) -> None:
    scene.unpause("1001", T0 + 1000, "sales")
    call = scene.caller("L2", T0 + 1100, "5550002", "Ben Ode", "sales")
    scene.answer(call, T0 + 1105, "sales", "1001")
    call.start_recording(T0 + 1105, "L2", "/var/spool/asterisk/monitor/sales-L2.wav")
    scene.complete(call, T0 + 1200, "sales", "1001")
    scene.end(call, T0 + 1201)
    dial = scene.dial("O1", T0 + 1300, "1001", "6175550100")
    scene.dial_ended(dial, T0 + 1305, "ANSWER")
    scene.end(dial, T0 + 1400)
    scene.caller("L3", T0 + 1500, "5550003", "Cy Roe", "sales")  # still waiting
    made["evaluation"].submit(made["form"], GOOD, T0 + 1600, "ann", 3600)
    made["evaluation"].acknowledge(T0 + 1700, "1001")
    made["complaint"].resolve(T0 + 1800, "hana", "apology", "agent")
    made["policy"].revise({"per_agent": 3}, T0 + 1800, "lead")
    agent = scene.agents["1001"]
    agent.log_out(T0 + 1850, "outbound")
    agent.log_in(T0 + 1900, "outbound", "Alice Martin", 0, False, "")
    tape.keep(made["evaluation"], made["complaint"], made["policy"], agent)


@pytest.fixture(scope="module")
def log() -> tuple[CallCenter, int, float]:
    """A memory store holding a morning's events; (store, last position of the first
    half, the instant the views are read at)."""
    tape = Tape()
    scene = Scene(tape)
    made = first_half(scene, tape)
    half = len(tape.events)
    second_half(scene, tape, made)
    app = open_app("memory://")
    app.save(*tape.events[:half])
    middle = app.recorder.max_notification_id() or 0
    app.save(*tape.events[half:])
    return app, middle, T0 + 2000


@pytest.mark.parametrize("name", sorted(FOLDS))
def test_a_fold_saved_halfway_and_restored_folds_the_rest_to_the_same_view(
        name: str, log: tuple[CallCenter, int, float]) -> None:
    app, middle, now = log
    make = FOLDS[name]
    recorder = open_view_recorder("memory://", name)
    first = TrackedProjection(app, recorder, make, "v1")
    assert first.catch_up(stop=middle) > 0
    restored = TrackedProjection(app, recorder, make, "v1")  # loads the checkpoint
    assert restored.position == first.position and restored.fold is not first.fold
    assert restored.catch_up() > 0  # the second half goes through the rebuilt handlers
    whole = TrackedProjection(app, open_view_recorder("memory://", f"{name}-whole"), make,
                              "v1")
    whole.catch_up()
    assert restored.fold.view(now) == whole.fold.view(now) != make().view(now)
    assert restored.fold.topics == make().topics
