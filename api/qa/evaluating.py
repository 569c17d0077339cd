"""Evaluations: assign (one call, or a sample's calls round-robin to analysts), score,
submit, acknowledge or dispute, re-score or uphold; the lists, reports and calibration."""

from __future__ import annotations

from typing import Any

from api.qa.service import QaService, agent_owns, parse_id
from domain.errors import AlreadyExists, InvariantViolated, UnknownAggregate
from domain.qa.evaluation import Evaluation
from domain.qa.form import EvaluationForm
from domain.qa.ids import form_id
from domain.qa.sample import Sample
from projections.qa.evaluations import is_final
from projections.qa.reports import calibration_report, qa_report

__all__ = ["EvaluationService"]

OPEN = ("assigned", "in-progress")


class EvaluationService:
    def __init__(self, qa: QaService) -> None:
        self.qa = qa

    def _form(self, name: str) -> EvaluationForm:
        return self.qa.load(EvaluationForm, form_id(name), f"form {name!r}")

    def _evaluation(self, key: str) -> Evaluation:
        return self.qa.load(Evaluation, parse_id(key, "evaluation"), f"evaluation {key}")

    # -- assigning -------------------------------------------------------------------------
    def assign(self, call_id: str, form: str, analyst: str, by: str,
               calibration: str | None = None, reference: bool = False) -> dict[str, Any]:
        facts = self.qa.call(call_id)
        evaluation = Evaluation.assign(facts, analyst, self._form(form), self.qa.clock(), by,
                                       calibration=calibration, reference=reference)
        if self.qa.exists(evaluation.id):
            raise AlreadyExists(f"{analyst!r} already has this call to evaluate "
                                f"({evaluation.id})")
        self.qa.save(evaluation)
        return self.evaluation(str(evaluation.id))

    def assign_sample(self, key: str, form: str, analysts: list[str], by: str
                      ) -> dict[str, Any]:
        """The sample's chosen calls, in order, to ``analysts`` in turn; calls already
        assigned from this sample are left as they are."""
        if not analysts:
            raise InvariantViolated("name at least one analyst")
        sample = self.qa.load(Sample, parse_id(key, "sample"), f"sample {key}")
        definition = self._form(form)
        assigned: list[dict[str, Any]] = []
        kept: list[str] = []
        new: list[Evaluation] = []
        at = self.qa.clock()
        with self.qa.views.reading() as (_, records):
            taken = {r["call_id"] for r in records.evaluations.values()
                     if r["sample_id"] == str(sample.id)}
        for n, choice in enumerate(sample.chosen):
            analyst = analysts[n % len(analysts)]
            if choice["call_id"] in taken:
                kept.append(choice["call_id"])
                continue
            facts = self.qa.call(choice["call_id"])
            new.append(Evaluation.assign(facts, analyst, definition, at, by,
                                         sample_id=str(sample.id)))
            assigned.append({"evaluation_id": str(new[-1].id), "call_id": choice["call_id"],
                             "analyst": analyst, "reason": choice["reason"]})
        if new:
            self.qa.save(*new)
        return {"sample_id": str(sample.id), "assigned": assigned, "already_assigned": kept}

    # -- the analyst -----------------------------------------------------------------------
    def start(self, key: str, by: str) -> dict[str, Any]:
        evaluation = self._evaluation(key)
        evaluation.start(self.qa.clock(), by)
        self.qa.save(evaluation)
        return self.evaluation(key)

    def save_answers(self, key: str, answers: dict[str, str], by: str) -> dict[str, Any]:
        evaluation = self._evaluation(key)
        evaluation.save_answers(self._form(evaluation.form), answers, self.qa.clock(), by)
        self.qa.save(evaluation)
        return self.evaluation(key)

    def submit(self, key: str, answers: dict[str, str] | None, note: str, by: str
               ) -> dict[str, Any]:
        evaluation = self._evaluation(key)
        evaluation.submit(self._form(evaluation.form), answers, self.qa.clock(), by,
                          self.qa.dispute_window_s, note)
        self.qa.save(evaluation)
        return self.evaluation(key)

    # -- the agent -------------------------------------------------------------------------
    def _own(self, key: str, extension: str) -> Evaluation:
        evaluation = self._evaluation(key)
        if evaluation.calibration is not None or not agent_owns(extension, evaluation.call) \
                or evaluation.status in OPEN:
            raise UnknownAggregate(f"no evaluation {key} of yours")
        return evaluation

    def acknowledge(self, key: str, user: str, extension: str) -> dict[str, Any]:
        """``user`` (whose ``extension`` took the call) accepts the result."""
        evaluation = self._own(key, extension)
        evaluation.acknowledge(self.qa.clock(), user)
        self.qa.save(evaluation)
        return self.evaluation(key)

    def dispute(self, key: str, reason: str, user: str, extension: str) -> dict[str, Any]:
        evaluation = self._own(key, extension)
        evaluation.dispute(reason, self.qa.clock(), user)
        self.qa.save(evaluation)
        return self.evaluation(key)

    # -- the supervisor --------------------------------------------------------------------
    def rescore(self, key: str, answers: dict[str, str], reason: str, by: str
                ) -> dict[str, Any]:
        evaluation = self._evaluation(key)
        evaluation.rescore(self._form(evaluation.form), answers, reason, self.qa.clock(), by)
        self.qa.save(evaluation)
        return self.evaluation(key)

    def uphold(self, key: str, reason: str, by: str) -> dict[str, Any]:
        evaluation = self._evaluation(key)
        evaluation.uphold(reason, self.qa.clock(), by)
        self.qa.save(evaluation)
        return self.evaluation(key)

    # -- reading ---------------------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        now = self.qa.clock()
        with self.qa.views.reading() as (_, records):
            rows = [dict(r) for r in records.evaluations.values()]
        for row in rows:
            row["final"] = is_final(row, now)
        return sorted(rows, key=lambda r: (r["assigned_at"], r["id"]), reverse=True)

    def evaluation(self, key: str) -> dict[str, Any]:
        """The folded row, the form version it is scored with and every event."""
        evaluation = self._evaluation(key)
        with self.qa.views.reading() as (_, records):
            row = dict(records.evaluations[str(evaluation.id)])
        row["final"] = is_final(row, self.qa.clock())
        stored = self.qa.app.recorder.select_events(evaluation.id)
        history = []
        for event in map(self.qa.app.mapper.to_domain_event, stored):
            data = {k: v for k, v in vars(event).items()
                    if k not in ("originator_id", "originator_version", "timestamp",
                                 "originator_topic")}
            history.append({"type": type(event).__qualname__.split(".")[-1],
                            "version": event.originator_version, **data})
        definition = self._form(evaluation.form).definition(evaluation.form_version)
        return {**row, "definition": definition.as_dict(), "history": history}

    def work(self, analyst: str) -> list[dict[str, Any]]:
        """The analyst's queue: assigned and in progress, oldest call first."""
        rows = [r for r in self.rows() if r["analyst"] == analyst and r["status"] in OPEN]
        return sorted(rows, key=lambda r: (r["call"].get("started_at") or 0, r["id"]))

    def mine(self, extension: str) -> list[dict[str, Any]]:
        """An agent's results (the calls their extension took): submitted and later,
        calibrations left out."""
        return [r for r in self.rows() if r["calibration"] is None
                and r["status"] not in OPEN and agent_owns(extension, r["call"])]

    def report(self, since: float | None, until: float | None, by: str, period: str
               ) -> dict[str, Any]:
        rows = self.rows()
        with self.qa.views.reading() as (catalogue, _):
            calls = list(catalogue.recorded_calls())
            return qa_report(rows, calls, since, until, by, period, self.qa.timezone)

    def calibration(self, session: str | None, call_id: str | None) -> dict[str, Any]:
        return calibration_report(self.rows(), session, call_id)
