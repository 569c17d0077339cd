"""The Evaluation aggregate's lifecycle: assigned, scored, submitted, acknowledged or
disputed within the window, re-scored or upheld; nothing overwritten."""

from __future__ import annotations

from uuid import UUID

import pytest
from eventsourcing.application import Application

from domain.errors import (
    DisputeWindowClosed,
    InvalidAnswers,
    InvariantViolated,
    NotTheAnalyst,
    WrongEvaluationState,
)
from domain.qa.evaluation import Evaluation
from domain.qa.form import EvaluationForm
from domain.qa.scoring import EXAMPLE

CALL = {"call_id": "c1", "agent": "1001", "agent_name": "Alice Martin", "queue": "sales"}
GOOD = {"greet": "yes", "name": "yes", "needs": "excellent", "consent": "yes"}
WEAK = {"greet": "no", "name": "n/a", "needs": "fair", "consent": "yes"}
HOUR = 3600.0


def published() -> EvaluationForm:
    form = EvaluationForm.create("calls", EXAMPLE.as_dict(), 0.0, "lead")
    form.publish(1.0, "lead")
    return form


def submitted(form: EvaluationForm, answers: dict[str, str] = WEAK, at: float = 100.0,
              **kwargs: str) -> Evaluation:
    evaluation = Evaluation.assign(CALL, "ann", form, 10.0, "lead", **kwargs)  # type: ignore[arg-type]
    evaluation.submit(form, answers, at, "ann", window_s=72 * HOUR)
    return evaluation


def kinds(evaluation: Evaluation) -> list[str]:
    return [type(e).__name__ for e in evaluation.collect_events()]


def test_an_analyst_saves_answers_then_submits_and_the_agent_acknowledges() -> None:
    form = published()
    evaluation = Evaluation.assign(CALL, "ann", form, 10.0, "lead")
    evaluation.save_answers(form, {"greet": "yes"}, 20.0, "ann")
    evaluation.save_answers(form, {"greet": "yes", "needs": "good"}, 30.0, "ann")
    result = evaluation.submit(form, {**GOOD, "needs": "good"}, 40.0, "ann", window_s=HOUR)
    assert result["score"] == round(100 * (10 + 5 + 20 * 2 / 3) / 35, 2)
    assert evaluation.status == "submitted" and evaluation.dispute_deadline == 40.0 + HOUR
    evaluation.acknowledge(50.0, "alice.martin")
    assert evaluation.status == "acknowledged" and evaluation.is_final(51.0)
    assert kinds(evaluation) == ["Assigned", "Started", "AnswersSaved", "AnswersSaved",
                                 "Submitted", "Acknowledged"]


def test_submitting_without_answers_uses_the_saved_ones() -> None:
    form = published()
    evaluation = Evaluation.assign(CALL, "ann", form, 10.0, "lead")
    evaluation.save_answers(form, GOOD, 20.0, "ann")
    assert evaluation.submit(form, None, 30.0, "ann", window_s=HOUR)["score"] == 100.0


def test_only_the_assigned_analyst_may_score() -> None:
    form = published()
    evaluation = Evaluation.assign(CALL, "ann", form, 10.0, "lead")
    with pytest.raises(NotTheAnalyst, match="assigned to 'ann', not 'bob'"):
        evaluation.save_answers(form, {"greet": "yes"}, 20.0, "bob")


def test_a_draft_with_a_bad_answer_is_refused_but_a_partial_one_is_kept() -> None:
    form = published()
    evaluation = Evaluation.assign(CALL, "ann", form, 10.0, "lead")
    with pytest.raises(InvalidAnswers):
        evaluation.save_answers(form, {"greet": "perhaps"}, 20.0, "ann")
    evaluation.save_answers(form, {"greet": "yes"}, 20.0, "ann")
    with pytest.raises(InvalidAnswers, match="unanswered"):
        evaluation.submit(form, None, 30.0, "ann", window_s=HOUR)


def test_a_dispute_within_the_window_is_recorded() -> None:
    evaluation = submitted(published())
    evaluation.dispute("I did greet the customer", 100.0 + 72 * HOUR, "alice.martin")
    assert evaluation.status == "disputed" and not evaluation.is_final(1e12)


def test_a_dispute_outside_the_window_is_refused_with_a_clear_error() -> None:
    evaluation = submitted(published())
    late = 100.0 + 72 * HOUR + 1
    with pytest.raises(DisputeWindowClosed) as refused:
        evaluation.dispute("I did greet the customer", late, "alice.martin")
    message = str(refused.value)
    assert message.startswith("too late to dispute: the window closed at "
                              "1970-01-04T00:01:40+00:00 (72 h after the result of "
                              "1970-01-01T00:01:40+00:00)")
    assert evaluation.status == "submitted" and evaluation.is_final(late)


@pytest.mark.parametrize("status", ["assigned", "acknowledged", "disputed"])
def test_a_dispute_is_only_for_a_submitted_result(status: str) -> None:
    form = published()
    evaluation = (Evaluation.assign(CALL, "ann", form, 10.0, "lead") if status == "assigned"
                  else submitted(form))
    if status == "acknowledged":
        evaluation.acknowledge(110.0, "alice.martin")
    if status == "disputed":
        evaluation.dispute("no", 110.0, "alice.martin")
    with pytest.raises(WrongEvaluationState, match=f"that is {status}"):
        evaluation.dispute("again", 120.0, "alice.martin")


def test_a_dispute_needs_a_reason_and_a_calibration_cannot_be_disputed() -> None:
    form = published()
    with pytest.raises(InvariantViolated, match="needs a reason"):
        submitted(form).dispute("  ", 110.0, "alice.martin")
    calibration = submitted(form, calibration="nov")
    assert calibration.dispute_deadline is None and calibration.is_final(100.0)
    with pytest.raises(WrongEvaluationState, match="calibration"):
        calibration.dispute("no", 110.0, "alice.martin")


def test_a_re_score_keeps_the_earlier_version_in_the_history() -> None:
    form = published()
    evaluation = submitted(form, WEAK)
    evaluation.dispute("I did greet the customer", 200.0, "alice.martin")
    evaluation.rescore(form, {**WEAK, "greet": "yes"}, "greeting heard at 0:04", 300.0, "sup")
    assert evaluation.status == "final"
    versions = [(s["version"], s["kind"], s["by"], s["result"]["score"])
                for s in evaluation.scorings]
    assert versions == [(1, "submitted", "ann", 22.22), (2, "rescored", "sup", 55.56)]
    events = evaluation.collect_events()
    assert [type(e).__name__ for e in events][-3:] == ["Submitted", "Disputed", "Rescored"]
    assert events[-3].result["score"] == 22.22  # type: ignore[attr-defined]


def test_an_upheld_dispute_keeps_the_score_and_is_final() -> None:
    evaluation = submitted(published())
    with pytest.raises(WrongEvaluationState, match="only when disputed"):
        evaluation.uphold("fine", 150.0, "sup")
    evaluation.dispute("unfair", 200.0, "alice.martin")
    evaluation.uphold("the greeting is missing", 300.0, "sup")
    assert evaluation.status == "final" and len(evaluation.scorings) == 1
    with pytest.raises(WrongEvaluationState):
        evaluation.rescore(published(), GOOD, "late change", 400.0, "sup")


def test_an_evaluation_read_back_from_its_events_is_the_same() -> None:
    app: Application[UUID] = Application()
    form = published()
    evaluation = submitted(form)
    evaluation.dispute("unfair", 200.0, "alice.martin")
    evaluation.rescore(form, GOOD, "heard it", 300.0, "sup")
    app.save(form, evaluation)
    again: object = app.repository.get(evaluation.id)
    assert isinstance(again, Evaluation)
    assert again.scorings == evaluation.scorings and again.status == "final"
    reread: object = app.repository.get(form.id)
    assert isinstance(reread, EvaluationForm) and reread.definition(1) == EXAMPLE
