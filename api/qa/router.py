"""REST for the QA work: the recording catalogue, forms, sampling, evaluations, disputes,
reports and calibration (``/api/qa``). Roles per resource in ``ACCESS``."""

from __future__ import annotations

from fastapi import APIRouter

from api.qa import routes_agent as qa_routes_agent
from api.qa import routes_design as qa_routes_design
from api.qa import routes_evaluations as qa_routes_evaluations
from api.qa import routes_sampling as qa_routes_sampling
from api.qa.access import ACCESS

__all__ = ["ACCESS", "router"]

router = APIRouter(prefix="/api/qa", tags=["qa"])
for _part in (qa_routes_sampling, qa_routes_design, qa_routes_evaluations, qa_routes_agent):
    router.include_router(_part.router)
