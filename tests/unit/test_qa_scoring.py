"""Scoring an evaluation against a form version: weights, N/A, fatal questions, script
points; and form versions that never change earlier evaluations."""

from __future__ import annotations

import doctest
from typing import Any

import pytest

import domain.qa.scoring
from domain.errors import InvalidAnswers, InvalidForm
from domain.qa.evaluation import Evaluation
from domain.qa.form import EvaluationForm
from domain.qa.scoring import FormDefinition, score


def question(key: str, weight: float, scale: list[str] | None = None, **flags: Any
             ) -> dict[str, Any]:
    return {"key": key, "text": f"{key}?", "weight": weight,
            "scale": scale or ["no", "yes"], **flags}


def form(*questions: dict[str, Any], **extra: Any) -> FormDefinition:
    return FormDefinition.from_dict({"title": "T", "sections": [
        {"key": "s", "title": "S", "questions": list(questions)}], **extra})


def test_the_documented_examples_hold() -> None:
    result = doctest.testmod(domain.qa.scoring)
    assert result.attempted >= 5 and result.failed == 0


def test_weights_make_each_question_count_in_proportion() -> None:
    f = form(question("a", 3), question("b", 1))
    assert score(f, {"a": "yes", "b": "no"}).score == 75.0
    assert score(f, {"a": "no", "b": "yes"}).score == 25.0


def test_an_answer_on_a_longer_scale_earns_its_share_of_the_weight() -> None:
    f = form(question("a", 2, ["poor", "fair", "good"]), question("b", 2))
    result = score(f, {"a": "fair", "b": "yes"})
    assert result.credits == {"a": 0.5, "b": 1.0}
    assert result.score == 75.0


def test_an_n_a_answer_leaves_the_denominator() -> None:
    f = form(question("a", 10), question("b", 30, na_allowed=True))
    assert score(f, {"a": "yes", "b": "n/a"}).score == 100.0  # 10/10, not 10/40
    assert score(f, {"a": "yes", "b": "no"}).score == 25.0
    assert score(f, {"a": "yes", "b": "n/a"}).not_applicable == ["b"]


def test_n_a_is_refused_where_the_form_does_not_allow_it() -> None:
    f = form(question("a", 1), question("b", 1))
    with pytest.raises(InvalidAnswers, match="'b' may not be answered N/A"):
        score(f, {"a": "yes", "b": "n/a"})


def test_an_answer_off_the_scale_or_to_no_question_is_refused() -> None:
    f = form(question("a", 1))
    with pytest.raises(InvalidAnswers, match="'maybe' is not an answer"):
        score(f, {"a": "maybe"})
    with pytest.raises(InvalidAnswers, match="no question 'z'"):
        score(f, {"a": "yes", "z": "yes"})


def test_a_fatal_answer_zeroes_the_score_and_keeps_the_raw_score() -> None:
    f = form(question("a", 10), question("forced_activation", 0, fatal=True),
             question("fees", 5, fatal=True))
    clean = score(f, {"a": "yes", "forced_activation": "yes", "fees": "yes"})
    assert (clean.score, clean.fatal) == (100.0, [])
    failed = score(f, {"a": "yes", "forced_activation": "no", "fees": "yes"})
    assert failed.score == 0.0 and failed.raw_score == 100.0
    assert failed.fatal == ["forced_activation"]


def test_a_missed_script_point_is_listed_and_caps_the_score_when_the_form_says_so() -> None:
    plain = form(question("a", 9), question("script", 1, mandatory=True))
    missed = score(plain, {"a": "yes", "script": "no"})
    assert missed.missed_script_points == ["script"] and missed.score == 90.0
    capped = form(question("a", 9), question("script", 1, mandatory=True),
                  missed_script_cap=60)
    assert score(capped, {"a": "yes", "script": "no"}).score == 60.0
    assert score(capped, {"a": "yes", "script": "yes"}).score == 100.0


def test_submission_needs_every_question_answered() -> None:
    f = form(question("a", 1), question("b", 1, na_allowed=True))
    with pytest.raises(InvalidAnswers, match="unanswered: b"):
        score(f, {"a": "yes"})


def test_a_form_where_everything_that_weighs_is_n_a_has_nothing_to_score() -> None:
    f = form(question("a", 1, na_allowed=True), question("gate", 0, fatal=True))
    with pytest.raises(InvalidAnswers, match="nothing to score"):
        score(f, {"a": "n/a", "gate": "yes"})


@pytest.mark.parametrize(("definition", "problem"), [
    ({"title": "T", "sections": []}, "at least one section"),
    ({"title": "T", "sections": [{"key": "s", "title": "S", "questions": [
        question("a", 1), question("a", 2)]}]}, "used twice"),
    ({"title": "T", "sections": [{"key": "s", "title": "S", "questions": [
        question("a", -1)]}]}, "weight must be a number >= 0"),
    ({"title": "T", "sections": [{"key": "s", "title": "S", "questions": [
        question("a", 0)]}]}, "only a fatal question may weigh 0"),
    ({"title": "T", "sections": [{"key": "s", "title": "S", "questions": [
        question("a", 1, ["yes"])]}]}, "scale must list 2 to 10"),
    ({"title": "T", "sections": [{"key": "s", "title": "S", "questions": [
        question("a", 1, mandatory=True, na_allowed=True)]}]}, "cannot be N/A"),
    ({"title": "T", "sections": [{"key": "s", "title": "S", "questions": [
        question("a", 1, colour="red")]}]}, "unknown field"),
    ({"title": "T", "missed_script_cap": 120, "sections": [{"key": "s", "title": "S",
                                                            "questions": [question("a", 1)]}]},
     "missed_script_cap"),
])
def test_a_form_definition_with_a_problem_is_refused_naming_it(
    definition: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidForm, match=problem):
        FormDefinition.from_dict(definition)


def submitted(form: EvaluationForm, call: str, answers: dict[str, str]) -> Evaluation:
    evaluation = Evaluation.assign({"call_id": call, "agent": "1001"}, "ann", form, 10.0,
                                   "lead")
    evaluation.submit(form, answers, 20.0, "ann", window_s=3600)
    return evaluation


def test_a_new_form_version_leaves_the_scores_of_earlier_evaluations_unchanged() -> None:
    v1 = {"title": "T", "sections": [{"key": "s", "title": "S", "questions": [
        question("a", 1), question("b", 1)]}]}
    evaluation_form = EvaluationForm.create("calls", v1, 1.0, "lead")
    evaluation_form.publish(2.0, "lead")
    answers = {"a": "yes", "b": "no"}
    old = submitted(evaluation_form, "c1", answers)
    assert old.current is not None and old.current["result"]["score"] == 50.0

    v2 = {"title": "T", "sections": [{"key": "s", "title": "S", "questions": [
        question("a", 1), question("b", 3)]}]}
    evaluation_form.save_draft(v2, 3.0, "lead")
    assert evaluation_form.publish(4.0, "lead") == 2
    new = submitted(evaluation_form, "c2", answers)
    assert (new.form_version, new.current["result"]["score"]) == (2, 25.0)  # type: ignore[index]
    assert (old.form_version, old.current["result"]["score"]) == (1, 50.0)
    old.dispute("b was said", 30.0, "alice")
    old.rescore(evaluation_form, answers, "same answers", 40.0, "sup")
    assert old.current["result"]["score"] == 50.0  # still scored with version 1
    assert evaluation_form.definition(1).questions["b"].weight == 1.0


def test_publishing_an_unchanged_draft_again_is_refused() -> None:
    evaluation_form = EvaluationForm.create("calls", form(question("a", 1)).as_dict(), 1.0,
                                            "lead")
    evaluation_form.publish(2.0, "lead")
    with pytest.raises(InvalidForm, match="version 1 already"):
        evaluation_form.publish(3.0, "lead")


def test_an_evaluation_cannot_be_assigned_with_a_form_never_published() -> None:
    draft_only = EvaluationForm.create("calls", form(question("a", 1)).as_dict(), 1.0, "lead")
    with pytest.raises(InvalidForm, match="no published version"):
        Evaluation.assign({"call_id": "c1"}, "ann", draft_only, 2.0, "lead")
