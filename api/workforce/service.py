"""Agent KPIs and attendance, read from their tracked projections with the center's
policies (``CALLBOARD_KPI_*``, ``CALLBOARD_ATTENDANCE_*``)."""

from __future__ import annotations

from typing import Any

from api.runtime import Runtime
from projections.workforce.attendance import AttendancePolicy
from projections.workforce.kpis import KpiPolicy

__all__ = ["WorkforceService"]


class WorkforceService:
    def __init__(self, runtime: Runtime, kpi: KpiPolicy, attendance: AttendancePolicy) -> None:
        self.runtime, self.kpi, self.attendance_policy = runtime, kpi, attendance

    def kpis(self, day: str | None) -> dict[str, Any]:
        """Each agent's figures for ``day`` (default: today's business day), as of now."""
        now = self.runtime.clock()
        found: dict[str, Any] = self.runtime.read(
            "kpis", lambda fold: fold.report(day or fold.day_of(now), now, self.kpi))
        return found

    def attendance(self, first: str | None, last: str | None) -> dict[str, Any]:
        now = self.runtime.clock()
        found: dict[str, Any] = self.runtime.read(
            "attendance", lambda fold: fold.report(now, first, last, self.attendance_policy))
        return found
