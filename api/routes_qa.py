"""REST for the QA work: the recording catalogue, forms, sampling, evaluations, disputes,
reports and calibration (``/api/qa``). Roles per resource in ``ACCESS``."""

from __future__ import annotations

from fastapi import APIRouter

from api import qa_routes_agent, qa_routes_design, qa_routes_evaluations, qa_routes_sampling
from api.qa_access import ACCESS

__all__ = ["ACCESS", "router"]

router = APIRouter(prefix="/api/qa", tags=["qa"])
for _part in (qa_routes_sampling, qa_routes_design, qa_routes_evaluations, qa_routes_agent):
    router.include_router(_part.router)
