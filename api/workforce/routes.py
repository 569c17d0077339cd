"""REST: agent KPIs per day with the target check, and attendance."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from api.deps import Who, service
from api.schemas import Open
from api.workforce.service import WorkforceService

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["agent KPIs and attendance"])
DayQuery = Annotated[date | None, Query(description="YYYY-MM-DD (default: today)")]
WorkforceDep = Annotated[WorkforceService, Depends(service("workforce", WorkforceService))]


class KpiDay(Open):
    day: str
    as_of: float
    policy: dict[str, Any]
    definitions: dict[str, str]
    agents: list[dict[str, Any]]


class Attendance(Open):
    as_of: float
    policy: dict[str, Any]
    agents: list[dict[str, Any]]


def _day(value: date | None) -> str | None:
    if value is not None and not 1970 <= value.year <= 2999:
        raise HTTPException(422, f"day {value.isoformat()} is out of range")
    return None if value is None else value.isoformat()


@router.get("/kpis", response_model=KpiDay,
            summary="Each agent's figures for a business day and the daily target check")
def kpis(workforce: WorkforceDep, who: Who, day: DayQuery = None) -> dict[str, Any]:
    return workforce.kpis(_day(day))


@router.get("/attendance", response_model=Attendance,
            summary="First login per shift, lateness tiers, absences, forgiven lates")
def attendance(workforce: WorkforceDep, who: Who,
               since: Annotated[date | None, Query(alias="from")] = None,
               until: Annotated[date | None, Query(alias="to")] = None) -> dict[str, Any]:
    return workforce.attendance(_day(since), _day(until))
