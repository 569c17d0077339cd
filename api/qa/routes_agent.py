"""REST for agents: my evaluations, acknowledge, dispute (within the window)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.auth import own_extension
from api.deps import Who
from api.qa.deps import EvaluationsDep
from api.qa.schemas import EvaluationOut, EvaluationsOut, ReasonIn

__all__ = ["router"]

router = APIRouter(prefix="/api/qa", tags=["qa"])


@router.get("/my-evaluations", response_model=EvaluationsOut,
            summary="My results (submitted and later), newest first")
def mine(evaluations: EvaluationsDep, who: Who) -> dict[str, Any]:
    rows = evaluations.mine(own_extension(who))
    return {"evaluations": rows, "count": len(rows)}


@router.post("/my-evaluations/{evaluation_id}/acknowledge", response_model=EvaluationOut,
             summary="Accept a result")
def acknowledge(evaluation_id: str, evaluations: EvaluationsDep, who: Who) -> dict[str, Any]:
    out = evaluations.acknowledge(evaluation_id, who.name, own_extension(who))
    return out


@router.post("/my-evaluations/{evaluation_id}/dispute", response_model=EvaluationOut,
             summary="Dispute a result, within the dispute window")
def dispute(evaluation_id: str, body: ReasonIn, evaluations: EvaluationsDep, who: Who
            ) -> dict[str, Any]:
    out = evaluations.dispute(evaluation_id, body.reason, who.name, own_extension(who))
    return out
