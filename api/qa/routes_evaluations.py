"""REST: evaluations (assign, the analyst's queue, score, submit, re-score, uphold), QA
reports and calibration."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.auth import Principal
from api.deps import Who
from api.qa.deps import EvaluationsDep
from api.qa.schemas import (
    AnswersIn,
    AssignIn,
    CalibrationOut,
    EvaluationOut,
    EvaluationsOut,
    ReasonIn,
    ReportOut,
    RescoreIn,
    SubmitIn,
)
from domain.time import epoch_seconds

__all__ = ["router"]

router = APIRouter(prefix="/api/qa", tags=["qa"])
Status = Literal["assigned", "in-progress", "submitted", "acknowledged", "disputed", "final"]


def _many(rows: list[dict[str, Any]], who: Principal) -> dict[str, Any]:
    return {"evaluations": rows, "count": len(rows)}


@router.post("/evaluations", response_model=EvaluationOut, status_code=201,
             summary="Assign a recorded call to an analyst (or to several, for calibration)")
def assign(body: AssignIn, evaluations: EvaluationsDep, who: Who) -> dict[str, Any]:
    out = evaluations.assign(body.call_id, body.form, body.analyst or who.name, who.name,
                             body.calibration, body.reference)
    return out


@router.get("/evaluations", response_model=EvaluationsOut, summary="Evaluations, newest first")
def listing(evaluations: EvaluationsDep, who: Who, analyst: str | None = None,
            agent: Annotated[str | None, Query(description="extension or name")] = None,
            status: Status | None = None, form: str | None = None,
            sample_id: str | None = None, calibration: str | None = None) -> dict[str, Any]:
    rows = [r for r in evaluations.rows()
            if (analyst is None or r["analyst"] == analyst)
            and (agent is None or agent in (r["agent"], r["agent_name"]))
            and (status is None or r["status"] == status)
            and (form is None or r["form"] == form)
            and (sample_id is None or r["sample_id"] == sample_id)
            and (calibration is None or r["calibration"] == calibration)]
    return _many(rows, who)


@router.get("/work", response_model=EvaluationsOut,
            summary="My work queue: evaluations assigned to me, not yet submitted")
def work(evaluations: EvaluationsDep, who: Who) -> dict[str, Any]:
    return _many(evaluations.work(who.name), who)


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationOut,
            summary="An evaluation, its form version and its whole history")
def evaluation(evaluation_id: str, evaluations: EvaluationsDep, who: Who
               ) -> dict[str, Any]:
    return evaluations.evaluation(evaluation_id)


@router.post("/evaluations/{evaluation_id}/start", response_model=EvaluationOut)
def start(evaluation_id: str, evaluations: EvaluationsDep, who: Who) -> dict[str, Any]:
    return evaluations.start(evaluation_id, who.name)


@router.put("/evaluations/{evaluation_id}/answers", response_model=EvaluationOut,
            summary="Save the answers so far (a draft; partial answers allowed)")
def save_answers(evaluation_id: str, body: AnswersIn, evaluations: EvaluationsDep,
                 who: Who) -> dict[str, Any]:
    out = evaluations.save_answers(evaluation_id, body.answers, who.name)
    return out


@router.post("/evaluations/{evaluation_id}/submit", response_model=EvaluationOut,
             summary="Submit: scored with the evaluation's form version")
def submit(evaluation_id: str, body: SubmitIn, evaluations: EvaluationsDep, who: Who
           ) -> dict[str, Any]:
    out = evaluations.submit(evaluation_id, body.answers, body.note, who.name)
    return out


@router.post("/evaluations/{evaluation_id}/rescore", response_model=EvaluationOut,
             summary="Re-score (a new version of the score; the earlier stays in history)")
def rescore(evaluation_id: str, body: RescoreIn, evaluations: EvaluationsDep, who: Who
            ) -> dict[str, Any]:
    return evaluations.rescore(evaluation_id, body.answers, body.reason, who.name)


@router.post("/evaluations/{evaluation_id}/uphold", response_model=EvaluationOut,
             summary="Uphold a disputed result as it is")
def uphold(evaluation_id: str, body: ReasonIn, evaluations: EvaluationsDep, who: Who
           ) -> dict[str, Any]:
    return evaluations.uphold(evaluation_id, body.reason, who.name)


@router.get("/reports", response_model=ReportOut,
            summary="Average score, fatal faults and share of calls evaluated, per agent, "
            "form or queue and per period")
def report(evaluations: EvaluationsDep,
           who: Who,
           by: Literal["agent", "form", "queue"] = "agent",
           period: Literal["all", "day", "week", "month"] = "all",
           since: Annotated[datetime | None, Query(alias="from")] = None,
           until: Annotated[datetime | None, Query(alias="to")] = None) -> dict[str, Any]:
    return evaluations.report(epoch_seconds(since, "from"), epoch_seconds(until, "to"), by, period)


@router.get("/calibration", response_model=CalibrationOut,
            summary="Several analysts on one call: each question's spread, each analyst's "
            "deviation from the mean and from the reference")
def calibration(evaluations: EvaluationsDep,
                who: Who,
                session: str | None = None, call_id: str | None = None) -> dict[str, Any]:
    out = evaluations.calibration(session, call_id)
    return out
