"""REST for the complaints work: complaint tickets (``/api/complaints``), the DND registry
(``/api/dnd``), agents' wrap-up of calls (``/api/calls/{call}/wrapup``), customers'
classification (``/api/customers/{number}``), agent KPIs (``/api/kpis``) and attendance
(``/api/attendance``)."""

from __future__ import annotations

from fastapi import APIRouter

from api.complaints import routes as complaints_api_tickets
from api.complaints.access import ACCESS
from api.outbound import routes as complaints_api_dnd
from api.workforce import routes as complaints_api_people

__all__ = ["ACCESS", "router"]

router = APIRouter()
router.include_router(complaints_api_tickets.router)
router.include_router(complaints_api_dnd.router)
router.include_router(complaints_api_people.router)
# resource name -> roles allowed (merged into api.deps.access): see api.complaints.access
