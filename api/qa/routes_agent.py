"""REST for agents: my evaluations, acknowledge, dispute (within the window)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.auth import Principal, mask_view
from api.qa.access import qa_role
from api.qa.deps import EvaluationsDep, QaRoute
from api.qa.schemas import EvaluationOut, EvaluationsOut, ReasonIn

__all__ = ["router"]

router = APIRouter(route_class=QaRoute)
Agent = Annotated[Principal, Depends(qa_role("qa_mine"))]


@router.get("/my-evaluations", response_model=EvaluationsOut,
            summary="My results (submitted and later), newest first")
def mine(evaluations: EvaluationsDep, who: Agent) -> dict[str, Any]:
    rows = evaluations.mine(who.name)
    return mask_view({"evaluations": rows, "count": len(rows)}, who.role)  # type: ignore[no-any-return]


@router.post("/my-evaluations/{evaluation_id}/acknowledge", response_model=EvaluationOut,
             summary="Accept a result")
def acknowledge(evaluation_id: str, evaluations: EvaluationsDep, who: Agent) -> dict[str, Any]:
    return mask_view(evaluations.acknowledge(evaluation_id, who.name), who.role)  # type: ignore[no-any-return]


@router.post("/my-evaluations/{evaluation_id}/dispute", response_model=EvaluationOut,
             summary="Dispute a result, within the dispute window")
def dispute(evaluation_id: str, body: ReasonIn, evaluations: EvaluationsDep, who: Agent
            ) -> dict[str, Any]:
    out = evaluations.dispute(evaluation_id, body.reason, who.name)
    return mask_view(out, who.role)  # type: ignore[no-any-return]
