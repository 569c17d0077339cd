"""The Evaluation aggregate: one analyst's scoring of one call against one form version.

Lifecycle::

    assigned -> in-progress (started, answers saved, again and again)
             -> submitted (scored with the form version fixed at assignment)
             -> acknowledged                      by the agent: final
             -> disputed (within the window)      by the agent
                  -> final (re-scored or upheld by a supervisor)

Nothing is overwritten: each save, the submission and every re-score are events, and
``scorings`` keeps every version of the score (1 is the submission, then re-scores).
A calibration evaluation (several analysts on one call) is submitted and never goes to
the agent. After the dispute window an unanswered result is final too (``is_final``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import (
    DisputeWindowClosed,
    InvalidForm,
    InvariantViolated,
    NotTheAnalyst,
    WrongEvaluationState,
)
from domain.qa.form import EvaluationForm
from domain.qa.ids import evaluation_id
from domain.qa.scoring import FormDefinition, score

__all__ = ["Evaluation"]


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


class Evaluation(Aggregate):
    @staticmethod
    def create_id(call_id: str, analyst: str, context: str) -> UUID:
        return evaluation_id(call_id, analyst, context)

    @classmethod
    def assign(cls, call: dict[str, Any], analyst: str, form: EvaluationForm, at: float,
               by: str, *, sample_id: str | None = None, calibration: str | None = None,
               reference: bool = False) -> Evaluation:
        """``call``: the catalogue's facts (call_id, agent, agent_name, queue, direction,
        started_at, duration_s, recordings). The form's latest version is fixed now."""
        if sample_id and calibration:
            raise InvariantViolated("an evaluation is for a sample or a calibration, not both")
        if reference and not calibration:
            raise InvariantViolated("only a calibration evaluation can be the reference")
        context = sample_id or (f"calibration:{calibration}" if calibration else "adhoc")
        return cls(str(call["call_id"]), analyst, context, dict(call), form.name,
                   form.latest_version, sample_id, calibration, reference, at, by)

    @event("Assigned")
    def __init__(self, call_id: str, analyst: str, context: str, call: dict[str, Any],
                 form: str, form_version: int, sample_id: str | None,
                 calibration: str | None, reference: bool, at: float, by: str) -> None:
        self.call_id, self.analyst, self.context, self.call = call_id, analyst, context, call
        self.form, self.form_version = form, form_version
        self.sample_id, self.calibration, self.reference = sample_id, calibration, reference
        self.status = "assigned"
        self.answers: dict[str, str] = {}
        self.scorings: list[dict[str, Any]] = []
        self.dispute_deadline: float | None = None

    # -- rules ---------------------------------------------------------------------------
    def check_analyst(self, by: str) -> None:
        if by != self.analyst:
            raise NotTheAnalyst(f"this evaluation is assigned to {self.analyst!r}, not {by!r}")

    def check_status(self, doing: str, *allowed: str) -> None:
        if self.status not in allowed:
            raise WrongEvaluationState(f"cannot {doing} an evaluation that is {self.status} "
                                       f"(only when {' or '.join(allowed)})")

    def definition(self, form: EvaluationForm) -> FormDefinition:
        if form.name != self.form:
            raise InvalidForm(f"this evaluation uses form {self.form!r}, not {form.name!r}")
        return form.definition(self.form_version)

    def is_final(self, now: float) -> bool:
        """Acknowledged, resolved, a submitted calibration, or past the dispute window."""
        return self.status in ("acknowledged", "final") or (
            self.status == "submitted" and (self.calibration is not None or (
                self.dispute_deadline is not None and now > self.dispute_deadline)))

    # -- the analyst -----------------------------------------------------------------------
    def start(self, at: float, by: str) -> None:
        self.check_analyst(by)
        self.check_status("start", "assigned", "in-progress")
        if self.status == "assigned":
            self._started(at, by)

    @event("Started")
    def _started(self, at: float, by: str) -> None:
        self.status = "in-progress"

    def save_answers(self, form: EvaluationForm, answers: dict[str, str], at: float, by: str
                     ) -> None:
        """Keep a draft (partial answers allowed, each must fit its question)."""
        self.start(at, by)
        self.definition(form).check_answers(answers, complete=False)
        self._answers_saved(dict(answers), at, by)

    @event("AnswersSaved")
    def _answers_saved(self, answers: dict[str, str], at: float, by: str) -> None:
        self.answers = answers

    def submit(self, form: EvaluationForm, answers: dict[str, str] | None, at: float,
               by: str, window_s: float, note: str = "") -> dict[str, Any]:
        """Score the answers (the last saved ones if None) with the evaluation's form
        version; the agent may dispute for ``window_s`` seconds. Returns the result."""
        self.start(at, by)
        final = dict(self.answers if answers is None else answers)
        result = score(self.definition(form), final).as_dict()
        deadline = None if self.calibration else at + window_s
        self._submitted(final, result, note, deadline, at, by)
        return result

    @event("Submitted")
    def _submitted(self, answers: dict[str, str], result: dict[str, Any], note: str,
                   dispute_deadline: float | None, at: float, by: str) -> None:
        self.answers = answers
        self.status = "submitted"
        self.dispute_deadline = dispute_deadline
        self.scorings.append({"version": 1, "kind": "submitted", "at": at, "by": by,
                              "answers": answers, "result": result, "note": note})

    # -- the agent -------------------------------------------------------------------------
    def check_for_agent(self, doing: str) -> None:
        if self.calibration is not None:
            raise WrongEvaluationState(f"cannot {doing} a calibration evaluation: it is not "
                                       "a result for the agent")
        self.check_status(doing, "submitted")

    def acknowledge(self, at: float, by: str) -> None:
        self.check_for_agent("acknowledge")
        self._acknowledged(at, by)

    @event("Acknowledged")
    def _acknowledged(self, at: float, by: str) -> None:
        self.status = "acknowledged"

    def dispute(self, reason: str, at: float, by: str) -> None:
        self.check_for_agent("dispute")
        if not reason.strip():
            raise InvariantViolated("a dispute needs a reason")
        deadline = self.dispute_deadline
        if deadline is not None and at > deadline:
            submitted = self.scorings[-1]["at"]
            hours = round((deadline - submitted) / 3600, 1)
            raise DisputeWindowClosed(
                f"too late to dispute: the window closed at {_iso(deadline)} ({hours:g} h "
                f"after the result of {_iso(submitted)}); this dispute came at {_iso(at)}")
        self._disputed(reason, at, by)

    @event("Disputed")
    def _disputed(self, reason: str, at: float, by: str) -> None:
        self.status = "disputed"

    # -- the supervisor --------------------------------------------------------------------
    def rescore(self, form: EvaluationForm, answers: dict[str, str], reason: str, at: float,
                by: str) -> dict[str, Any]:
        """A new version of the score (the earlier ones stay in ``scorings``); final."""
        self.check_status("re-score", "submitted", "disputed")
        result = score(self.definition(form), answers).as_dict()
        self._rescored(len(self.scorings) + 1, dict(answers), result, reason, at, by)
        return result

    @event("Rescored")
    def _rescored(self, number: int, answers: dict[str, str], result: dict[str, Any],
                  reason: str, at: float, by: str) -> None:
        self.answers = answers
        self.status = "final"
        self.scorings.append({"version": number, "kind": "rescored", "at": at, "by": by,
                              "answers": answers, "result": result, "note": reason})

    def uphold(self, reason: str, at: float, by: str) -> None:
        self.check_status("uphold", "disputed")
        self._upheld(reason, at, by)

    @event("Upheld")
    def _upheld(self, reason: str, at: float, by: str) -> None:
        self.status = "final"

    @property
    def current(self) -> dict[str, Any] | None:
        """The latest version of the score."""
        return self.scorings[-1] if self.scorings else None
