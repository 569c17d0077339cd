"""The QA recording catalogue, the evaluation records and the reports, folded from events
of the real aggregates."""

from __future__ import annotations

from typing import Any

from domain.outbound.wrapup import Wrapup
from domain.qa.evaluation import Evaluation
from domain.qa.form import EvaluationForm
from domain.qa.scoring import EXAMPLE
from domain.telephony.agent import Agent
from domain.telephony.call import Call
from projections.qa.catalogue import QaCatalogueFold
from projections.qa.evaluations import QaEvaluationsFold
from projections.qa.reports import calibration_report, qa_report
from tests.support.scene import Scene

GOOD = {"greet": "yes", "name": "yes", "needs": "excellent", "consent": "yes"}
DAY = 1795392000.0  # 2026-11-23T00:00:00Z


def inbound(linkedid: str, at: float, agent: str, name: str, queue: str = "sales") -> Call:
    call = Call(linkedid, at, f"Local/555@callers-{linkedid};1", "5550001", "Ann Lee")
    call.join_queue(at, queue, linkedid, 1, "5550001", "Ann Lee")
    call.answer(at + 5, queue, f"Local/{agent}@agents/n", name, 5, 1)
    call.start_recording(at + 5, linkedid, f"/var/spool/asterisk/monitor/{queue}-{linkedid}.wav")
    call.end(at + 65, 16, "Normal Clearing")
    return call


def outbound(linkedid: str, at: float, agent: str) -> Call:
    call = Call(linkedid, at, f"Local/{agent}@agents-out-1;1", "", "")
    call.start_recording(at, linkedid, f"/var/spool/asterisk/monitor/out-{linkedid}.wav")
    call.dial(at + 0.1, "2025550199", agent)  # the dial comes after the recording started
    call.end_dial(at + 10, "ANSWER")
    call.end(at + 40, 16, "Normal Clearing")
    return call


def form() -> EvaluationForm:
    evaluation_form = EvaluationForm.create("calls", EXAMPLE.as_dict(), 0.0, "lead")
    evaluation_form.publish(1.0, "lead")
    return evaluation_form


def test_a_recording_carries_the_facts_learnt_after_it_started() -> None:
    catalogue = QaCatalogueFold()
    scene = Scene(catalogue)
    scene.feed(Agent("Local/1002@agents/n", "Bob Keller", DAY), outbound("9.1", DAY + 10, "1002"))
    (row,) = catalogue.view(DAY + 100)["recordings"]
    assert {k: row[k] for k in ("name", "direction", "agent", "agent_name", "number",
                                "answered", "duration_s", "qa_status", "disposition")} == {
        "name": "out-9.1.wav", "direction": "outbound", "agent": "1002",
        "agent_name": "Bob Keller", "number": "2025550199", "answered": True,
        "duration_s": 40.0, "qa_status": "none", "disposition": None}


def test_the_agents_latest_wrap_up_code_is_the_recordings_disposition() -> None:
    catalogue = QaCatalogueFold()
    call = inbound("5.1", DAY, "1001", "Alice Martin")
    Scene(catalogue).feed(call)
    wrapup = Wrapup(str(call.id), call.linkedid, DAY + 70)
    wrapup.set_disposition(DAY + 70, "1001", "1001", "intent", "", "5550001", DAY)
    wrapup.set_disposition(DAY + 80, "1001", "1001", "sale", "signed up", "5550001", DAY)
    for event in wrapup.collect_events():
        catalogue.apply(event)
    assert catalogue.view(DAY + 100)["recordings"][0]["disposition"] == "sale"


def test_a_call_is_assigned_then_evaluated_and_calibrations_do_not_count() -> None:
    catalogue = QaCatalogueFold()
    scene = Scene(catalogue)
    call = inbound("1.1", DAY, "1001", "Alice Martin")
    scene.feed(call)
    facts = {"call_id": str(call.id), "agent": "1001"}
    evaluation_form = form()
    calibration = Evaluation.assign(facts, "bob", evaluation_form, DAY + 200, "lead",
                                    calibration="nov")
    calibration.submit(evaluation_form, GOOD, DAY + 300, "bob", 3600)
    scene.feed(calibration)  # type: ignore[arg-type]
    assert catalogue.view(DAY + 1000)["recordings"][0]["qa_status"] == "none"
    evaluation = Evaluation.assign(facts, "ann", evaluation_form, DAY + 200, "lead")
    scene.feed(evaluation)  # type: ignore[arg-type]
    assert catalogue.view(DAY + 1000)["recordings"][0]["qa_status"] == "assigned"
    evaluation.submit(evaluation_form, GOOD, DAY + 400, "ann", 3600)
    scene.feed(evaluation)  # type: ignore[arg-type]
    assert catalogue.view(DAY + 1000)["recordings"][0]["qa_status"] == "evaluated"


def scored(records: QaEvaluationsFold, call: Call, analyst: str, answers: dict[str, str],
           **kwargs: Any) -> Evaluation:
    evaluation_form = form()
    facts = {"call_id": str(call.id), "agent": "1001", "agent_name": "Alice Martin",
             "queue": "sales", "started_at": call.started_at}
    evaluation = Evaluation.assign(facts, analyst, evaluation_form, DAY + 500, "lead",
                                   **kwargs)
    evaluation.submit(evaluation_form, answers, DAY + 600, analyst, 3600)
    for event in evaluation.collect_events():
        records.apply(event)
    return evaluation


def test_the_report_averages_scores_counts_fatal_faults_and_the_share_evaluated() -> None:
    catalogue, records = QaCatalogueFold(), QaEvaluationsFold()
    scene = Scene(catalogue)
    calls = [inbound(f"2.{i}", DAY + 100 * i, "1001", "Alice Martin") for i in range(4)]
    scene.feed(*calls, inbound("3.1", DAY, "1004", "Dave Okafor"))
    scored(records, calls[0], "ann", GOOD)
    scored(records, calls[1], "ann", {**GOOD, "consent": "no"})  # a fatal fault: 0
    scored(records, calls[2], "ann", GOOD, calibration="nov")  # calibration: left out
    report = qa_report(records.evaluations.values(), catalogue.recorded_calls(), DAY,
                       DAY + 86400, by="agent", period="day")
    alice, dave = report["groups"]
    assert (alice["period"], alice["key"], alice["name"]) == ("2026-11-23", "1001",
                                                              "Alice Martin")
    assert alice["evaluations"] == 2 and alice["average_score"] == 50.0
    assert alice["fatal_count"] == 1 and alice["fatal_by_question"] == {"consent": 1}
    assert (alice["calls_recorded"], alice["calls_evaluated"], alice["share_evaluated"]) == (
        4, 2, 0.5)
    assert (dave["key"], dave["evaluations"], dave["share_evaluated"]) == ("1004", 0, 0.0)
    by_form = qa_report(records.evaluations.values(), [], None, None, by="form")
    assert [(g["key"], g["evaluations"], g["forms"]) for g in by_form["groups"]] == [
        ("calls", 2, ["calls v1"])]


def test_calibration_shows_each_questions_spread_and_each_analysts_deviation() -> None:
    records = QaEvaluationsFold()
    call = inbound("4.1", DAY, "1001", "Alice Martin")
    scored(records, call, "lead", GOOD, calibration="nov", reference=True)  # 100
    scored(records, call, "ann", {**GOOD, "needs": "good"}, calibration="nov")  # 80.95
    scored(records, call, "bob", {**GOOD, "needs": "poor"}, calibration="nov")  # 42.86
    (one,) = calibration_report(records.evaluations.values(), "nov")["calls"]
    assert one["reference"] == "lead"
    analysts = {a["analyst"]: a for a in one["analysts"]}
    mean = (100 + 80.95 + 42.86) / 3
    assert analysts["bob"]["deviation_from_mean"] == round(42.86 - mean, 2)
    assert analysts["ann"]["deviation_from_reference"] == -19.05
    assert analysts["lead"]["deviation_from_reference"] == 0.0
    needs = next(q for q in one["questions"] if q["key"] == "needs")
    assert needs["answers"] == {"ann": "good", "bob": "poor", "lead": "excellent"}
    assert needs["spread"] == 1.0 and needs["agree"] is False
    greet = next(q for q in one["questions"] if q["key"] == "greet")
    assert greet["spread"] == 0.0 and greet["agree"] is True
    assert one["score"]["spread"] == 57.14
