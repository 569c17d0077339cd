"""REST: agent KPIs per day with the target check, and attendance."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from api.auth import Principal
from api.complaints.access import role
from api.complaints.deps import PoliciesDep
from api.complaints.folds import read_fold
from api.deps import RuntimeDep
from api.schemas import Open

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["agent KPIs and attendance"])
DayQuery = Annotated[date | None, Query(description="YYYY-MM-DD (default: today)")]



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
def kpis(runtime: RuntimeDep, policies: PoliciesDep,
         who: Annotated[Principal, Depends(role("kpis"))],
         day: DayQuery = None) -> dict[str, Any]:
    wanted = _day(day)
    now = runtime.clock()
    return read_fold(runtime, "kpis", lambda f: f.report(wanted or f.day_of(now), now,
                                                         policies.kpi))


@router.get("/attendance", response_model=Attendance,
            summary="First login per shift, lateness tiers, absences, forgiven lates")
def attendance(runtime: RuntimeDep, policies: PoliciesDep,
               who: Annotated[Principal, Depends(role("attendance"))],
               since: Annotated[date | None, Query(alias="from")] = None,
               until: Annotated[date | None, Query(alias="to")] = None) -> dict[str, Any]:
    first, last = _day(since), _day(until)
    now = runtime.clock()
    return read_fold(runtime, "attendance", lambda f: f.report(
        now, first, last, policies.attendance))
