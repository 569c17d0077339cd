"""QA records folded from the QA aggregates' events: one row per evaluation (with every
version of its score), and short lists of forms, sampling policies and samples."""

from __future__ import annotations

from typing import Any

from domain.qa.evaluation import Evaluation
from domain.qa.form import EvaluationForm
from domain.qa.policy import SamplingPolicy
from domain.qa.sample import Sample
from projections.topics import Dispatching, Table, on, topics_of

__all__ = ["QaEvaluationsFold", "is_final"]


def _scoring(version: int, kind: str, e: Any, note: str) -> dict[str, Any]:
    return {"version": version, "kind": kind, "at": e.at, "by": e.by,
            "score": e.result["score"], "raw_score": e.result["raw_score"],
            "fatal": e.result["fatal"], "note": note}


class QaEvaluationsFold(Dispatching):
    name = "qa_evaluations"

    def __init__(self) -> None:
        self.evaluations: dict[str, dict[str, Any]] = {}
        self.forms: dict[str, dict[str, Any]] = {}
        self.policies: dict[str, dict[str, Any]] = {}
        self.samples: dict[str, dict[str, Any]] = {}
        self._form_names: dict[str, str] = {}  # form aggregate id -> name
        self.handlers = self.table()
        self.topics = topics_of(self.handlers)

    def table(self) -> Table:
        return {
            **on(Evaluation, Assigned=self._assigned, Started=self._started,
                 AnswersSaved=self._saved, Submitted=self._submitted,
                 Acknowledged=self._acknowledged, Disputed=self._disputed,
                 Rescored=self._rescored, Upheld=self._upheld),
            **on(EvaluationForm, Created=self._form_created, Published=self._form_published),
            **on(SamplingPolicy, Defined=self._policy, Revised=self._policy_revised),
            **on(Sample, Drawn=self._drawn),
        }

    apply = Dispatching.dispatch

    def _row(self, e: Any) -> dict[str, Any]:
        return self.evaluations[str(e.originator_id)]

    def _assigned(self, e: Any) -> None:
        self.evaluations[str(e.originator_id)] = {
            "id": str(e.originator_id), "call_id": e.call_id, "call": e.call,
            "agent": e.call.get("agent", ""), "agent_name": e.call.get("agent_name", ""),
            "analyst": e.analyst, "form": e.form, "form_version": e.form_version,
            "sample_id": e.sample_id, "calibration": e.calibration, "reference": e.reference,
            "assigned_at": e.at, "assigned_by": e.by, "status": "assigned",
            "started_at": None, "saved_at": None, "submitted_at": None,
            "dispute_deadline": None, "score": None, "raw_score": None, "fatal": [],
            "missed_script_points": [], "credits": {}, "answers": {}, "note": "",
            "scorings": [], "dispute": None, "acknowledged": None, "resolution": None}

    def _started(self, e: Any) -> None:
        row = self._row(e)
        row["status"], row["started_at"] = "in-progress", e.at

    def _saved(self, e: Any) -> None:
        row = self._row(e)
        row["answers"], row["saved_at"] = e.answers, e.at

    def _result(self, row: dict[str, Any], e: Any) -> None:
        row["answers"] = e.answers
        for key in ("score", "raw_score", "fatal", "missed_script_points", "credits"):
            row[key] = e.result[key]

    def _submitted(self, e: Any) -> None:
        row = self._row(e)
        self._result(row, e)
        row.update(status="submitted", submitted_at=e.at, note=e.note,
                   dispute_deadline=e.dispute_deadline)
        row["scorings"].append(_scoring(1, "submitted", e, e.note))

    def _acknowledged(self, e: Any) -> None:
        row = self._row(e)
        row["status"], row["acknowledged"] = "acknowledged", {"at": e.at, "by": e.by}

    def _disputed(self, e: Any) -> None:
        row = self._row(e)
        row["status"] = "disputed"
        row["dispute"] = {"at": e.at, "by": e.by, "reason": e.reason}

    def _rescored(self, e: Any) -> None:
        row = self._row(e)
        self._result(row, e)
        row["status"] = "final"
        row["resolution"] = {"kind": "rescored", "at": e.at, "by": e.by, "reason": e.reason}
        row["scorings"].append(_scoring(e.number, "rescored", e, e.reason))

    def _upheld(self, e: Any) -> None:
        row = self._row(e)
        row["status"] = "final"
        row["resolution"] = {"kind": "upheld", "at": e.at, "by": e.by, "reason": e.reason}

    def _form_created(self, e: Any) -> None:
        self.forms[e.name] = {"name": e.name, "title": e.draft["title"], "created_at": e.at,
                              "created_by": e.by, "versions": 0, "published_at": None}
        self._form_names[str(e.originator_id)] = e.name

    def _form_published(self, e: Any) -> None:
        form = self.forms[self._form_names[str(e.originator_id)]]
        form.update(versions=e.number, published_at=e.at, title=e.definition["title"])

    def _policy(self, e: Any) -> None:
        self.policies[str(e.originator_id)] = {"name": e.name, "versions": 1,
                                               "rules": e.rules, "defined_at": e.at,
                                               "defined_by": e.by}

    def _policy_revised(self, e: Any) -> None:
        self.policies[str(e.originator_id)].update(versions=e.number, rules=e.rules)

    def _drawn(self, e: Any) -> None:
        key = str(e.originator_id)
        self.samples[key] = {"id": key, "policy": e.policy, "policy_version": e.policy_version,
                             "period": e.period, "seed": e.seed, "drawn_at": e.at,
                             "drawn_by": e.by, "population": len(e.population),
                             "chosen": len(e.chosen)}

    # -- queries -------------------------------------------------------------------------
    def view(self, now: float) -> dict[str, Any]:
        rows = sorted(self.evaluations.values(), key=lambda r: r["assigned_at"], reverse=True)
        return {"as_of": now, "evaluations": [{**r, "final": is_final(r, now)} for r in rows]}


def is_final(row: dict[str, Any], now: float) -> bool:
    """As ``Evaluation.is_final``: acknowledged, resolved, a submitted calibration, or
    submitted and past the dispute window."""
    if row["status"] in ("acknowledged", "final"):
        return True
    if row["status"] != "submitted":
        return False
    deadline = row["dispute_deadline"]
    return row["calibration"] is not None or (deadline is not None and now > deadline)
