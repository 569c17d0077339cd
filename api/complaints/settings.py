"""Configuration of complaints, wrap-up, KPIs and attendance, read once from the
environment (``CALLBOARD_COMPLAINTS_*``, ``CALLBOARD_KPI_*``, ``CALLBOARD_ATTENDANCE_*``)
or a ``.env`` file, and turned into the plain policies the domain and the projections
take. ``load_policies`` is what the API uses unless the app was given
``app.state.complaint_policies`` (a ``Policies``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.complaints.deadlines import DeadlinePolicy
from projections.workforce.attendance import AttendancePolicy
from projections.workforce.kpis import KpiPolicy

__all__ = ["AttendanceSettings", "ComplaintSettings", "KpiSettings", "Policies",
           "agent_extension", "load_policies"]

HOUR = 3600.0
_SHIFT = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class ComplaintSettings(BaseSettings):
    """Complaint deadlines per severity, and which agent extension a user name is."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_COMPLAINTS_", env_file=".env",
                                      extra="ignore")

    first_response_h_normal: float = Field(default=24.0, gt=0)
    first_response_h_major: float = Field(default=2.0, gt=0)
    resolution_h_normal: float = Field(default=120.0, gt=0)
    resolution_h_major: float = Field(default=48.0, gt=0)
    escalation_min_major: float = Field(default=30.0, gt=0)
    agent_extensions: dict[str, str] = Field(
        default_factory=dict, description="agent user name -> extension (else the digits "
        "the user name ends with, e.g. 'alice.1001' -> 1001)")

    def deadline_policy(self) -> DeadlinePolicy:
        return DeadlinePolicy(
            first_response_s={"normal": round(self.first_response_h_normal * HOUR),
                              "major": round(self.first_response_h_major * HOUR)},
            resolution_s={"normal": round(self.resolution_h_normal * HOUR),
                          "major": round(self.resolution_h_major * HOUR)},
            escalation_s=round(self.escalation_min_major * 60))


class KpiSettings(BaseSettings):
    """The daily rules: effective conversation threshold and the daily target."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_KPI_", env_file=".env",
                                      extra="ignore")

    effective_s: int = Field(default=60, ge=0)
    target_sales: int = Field(default=30, ge=0)
    target_answered: int = Field(default=40, ge=0)
    target_dials: int = Field(default=60, ge=0)

    def policy(self) -> KpiPolicy:
        return KpiPolicy(self.effective_s, self.target_sales, self.target_answered,
                         self.target_dials)


class AttendanceSettings(BaseSettings):
    """Shifts and lateness rules; the time zone defaults to the board's."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_ATTENDANCE_", env_file=".env",
                                      extra="ignore")

    timezone: str | None = None
    shifts: list[str] = Field(default_factory=lambda: ["09:00-12:00", "13:30-17:30"])
    tier1_max_min: int = Field(default=30, ge=0)
    tier2_max_min: int = Field(default=60, ge=0)
    forgive_under_min: int = Field(default=5, ge=0)
    forgiven_per_month: int = Field(default=3, ge=0)

    @field_validator("shifts")
    @classmethod
    def _shifts(cls, value: list[str]) -> list[str]:
        for shift in value:
            match = _SHIFT.match(shift)
            if match is None or int(match[1]) * 60 + int(match[2]) >= int(match[3]) * 60 + int(
                    match[4]):
                raise ValueError(f"bad shift {shift!r}: use HH:MM-HH:MM, start before end")
        return value

    def policy(self, board_timezone: str = "UTC") -> AttendancePolicy:
        shifts = []
        for shift in self.shifts:
            match = _SHIFT.match(shift)
            assert match is not None
            shifts.append((time(int(match[1]), int(match[2])), time(int(match[3]),
                                                                   int(match[4]))))
        return AttendancePolicy(self.timezone or board_timezone, tuple(shifts),
                                self.tier1_max_min, self.tier2_max_min,
                                self.forgive_under_min, self.forgiven_per_month)


@dataclass(frozen=True)
class Policies:
    deadlines: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    kpi: KpiPolicy = field(default_factory=KpiPolicy)
    attendance: AttendancePolicy = field(default_factory=AttendancePolicy)
    agent_extensions: dict[str, str] = field(default_factory=dict)


def load_policies(board_timezone: str = "UTC") -> Policies:
    complaints = ComplaintSettings()
    return Policies(complaints.deadline_policy(), KpiSettings().policy(),
                    AttendanceSettings().policy(board_timezone),
                    dict(complaints.agent_extensions))


def agent_extension(user: str, policies: Policies) -> str:
    """The extension of an agent user: configured, else the digits their name ends with."""
    if user in policies.agent_extensions:
        return policies.agent_extensions[user]
    match = re.search(r"(\d+)$", user)
    return match.group(1) if match else ""
