"""Every setting of Callboard, read once at start-up from the environment
(``CALLBOARD_*``) or a ``.env`` file (``load_settings``, called by the CLI entry point) and
passed in from there; no other module reads the environment (tests/unit/test_settings.py
holds that). The settings turn into the plain policies the domain and the projections
take (``deadline_policy``, ``policy``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.access.directory import AccessPolicy
from domain.complaints.deadlines import DeadlinePolicy
from projections.workforce.attendance import AttendancePolicy
from projections.workforce.kpis import KpiPolicy

__all__ = ["AmiSettings", "AttendanceSettings", "AuthSettings", "BoardSettings",
           "ComplaintSettings", "Configuration", "HttpLimits", "KpiSettings",
           "OriginateSettings", "QaSettings", "ServerSettings", "Settings", "load_settings"]

HOUR = 3600.0
_SHIFT = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_VARIABLE = re.compile(r"^_{0,2}[A-Za-z][A-Za-z0-9_]{0,63}$")


class AmiSettings(BaseSettings):
    """The live AMI connection."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_AMI_", env_file=".env",
                                      extra="ignore")

    host: str = "127.0.0.1"
    port: int = 5038
    user: str = "callboard"
    secret: str = ""
    ping_interval_s: float = 1.0
    max_frame_bytes: int = Field(
        default=64 * 1024, ge=4096, description="the longest AMI frame kept whole (the "
        "captures' largest is 2.7 kB); a longer one is stored cut, with a marker, and "
        "logged only as its length and digest")


class OriginateSettings(BaseSettings):
    """This site's click-to-dial Originate: the dialplan context it runs in, the caller id
    and the channel variables its dialplan needs (the lab's writes its OUTCALL queue_log
    line with ``AGENTNAME``). ``{ext}`` (the agent's extension) and ``{by}`` (the
    Callboard user) are filled in; variables as JSON, e.g.
    ``CALLBOARD_ORIGINATE_VARIABLES='{"AGENTNAME": "{by}"}'``."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_ORIGINATE_", env_file=".env",
                                      extra="ignore")

    context: str = Field(default="outbound", pattern=r"^[A-Za-z0-9_-]{1,80}$")
    caller_id: str = Field(default="<{ext}>", max_length=120, pattern=r"^[^\r\n]*$")
    variables: dict[str, str] = Field(default_factory=lambda: {"AGENTNAME": "{by}"})

    @field_validator("caller_id")
    @classmethod
    def _template(cls, value: str) -> str:
        _fills(value)
        return value

    @field_validator("variables")
    @classmethod
    def _variables(cls, value: dict[str, str]) -> dict[str, str]:
        for name, template in value.items():
            if not _VARIABLE.match(name):
                raise ValueError(f"bad channel variable name {name!r}: letters, digits and "
                                 "_ only (a leading _ or __ makes it inherited)")
            if re.search(r"[,\r\n]", template) or len(template) > 200:
                raise ValueError(f"the value of {name} must be one line without commas "
                                 "(Asterisk splits Variable on commas), at most 200 chars")
            _fills(template)
        return value

    def dial_variables(self) -> tuple[tuple[str, str], ...]:
        return tuple(self.variables.items())


def _fills(template: str) -> None:
    try:
        template.format(ext="", by="")
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"bad template {template!r}: only {{ext}} and {{by}} are filled "
                         f"in ({error})") from None


class Settings(BaseSettings):
    """Where the event store is and how ingestion batches."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_", env_file=".env", extra="ignore")

    store_url: str | None = Field(default=None, description="sqlite:///FILE or postgresql://...")
    compress: bool = True
    batch_size: int = 1000
    batch_delay_ms: float = 5.0
    recordings_dir: Path | None = Field(
        default=None, description="where the PBX's MixMonitor files are (by file name)")
    cipher_key: SecretStr | None = Field(
        default=None, description="AES key (base64; `callboard key new`): encrypts every "
        "stored event and view at rest")
    production: bool = Field(default=False, description="refuse to run without a cipher key")
    audit_key: SecretStr | None = Field(
        default=None, description="signs the audit seals (HMAC): keep it apart from the "
        "database, with the auditors")

    def key(self) -> str | None:
        return self.cipher_key.get_secret_value() if self.cipher_key else None

    def signing_key(self) -> str | None:
        return self.audit_key.get_secret_value() if self.audit_key else None


class BoardSettings(BaseSettings):
    """The center's board policy: business day, windows and thresholds."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_BOARD_", env_file=".env",
                                      extra="ignore")

    timezone: str = "UTC"
    day_start: time = time(0, 0)
    windows_min: tuple[int, ...] = (15, 30, 60)
    short_abandon_s: int = 5
    service_level_s: dict[str, int] = Field(default_factory=dict)
    long_talk_s: int = 600
    long_hold_s: int = 60
    checkpoint_s: float = 2.0


class ServerSettings(BaseSettings):
    """Where the HTTP server listens."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_HTTP_", env_file=".env",
                                      extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "warning"


class HttpLimits(BaseSettings):
    """How much the HTTP edge (``api.system.edge``) reads of a request body: refused with
    413 before the body is read when its Content-Length says more, cut at the limit when
    it streams. Uploads (the DND CSV import) have their own, larger limit."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_HTTP_", env_file=".env",
                                      extra="ignore")

    max_body_bytes: int = Field(default=1024 * 1024, gt=0,
                                description="JSON and form bodies (default 1 MiB)")
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0,
                                  description="file uploads: the DND CSV import (10 MiB)")


class QaSettings(BaseSettings):
    """``CALLBOARD_QA_DISPUTE_WINDOW_H``: how long an agent may dispute a result."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_QA_", env_file=".env",
                                      extra="ignore")

    dispute_window_h: float = 72.0


class ComplaintSettings(BaseSettings):
    """Complaint deadlines per severity."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_COMPLAINTS_", env_file=".env",
                                      extra="ignore")

    first_response_h_normal: float = Field(default=24.0, gt=0)
    first_response_h_major: float = Field(default=2.0, gt=0)
    resolution_h_normal: float = Field(default=120.0, gt=0)
    resolution_h_major: float = Field(default=48.0, gt=0)
    escalation_min_major: float = Field(default=30.0, gt=0)

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


class AuthSettings(BaseSettings):
    """How long API tokens and login sessions last, and the login throttle: after
    ``login_failures`` failed attempts in ``login_window_s`` a client gets 429 until the
    oldest of them is that old."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_AUTH_", env_file=".env",
                                      extra="ignore")

    token_days: float = Field(default=90.0, gt=0, description="API tokens (`user add`)")
    session_hours: float = Field(default=12.0, gt=0, description="a login in the browser")
    login_failures: int = Field(default=20, gt=0)
    login_window_s: float = Field(default=300.0, gt=0)

    def policy(self) -> AccessPolicy:
        return AccessPolicy(self.token_days * 24 * HOUR, self.session_hours * HOUR,
                            self.login_failures, self.login_window_s)


@dataclass(frozen=True)
class Configuration:
    """All the settings together: what ``load_settings`` reads and the composition root
    (``api.bootstrap``) takes. Tests build one with the fields they need changed."""

    store: Settings = field(default_factory=Settings)
    boards: BoardSettings = field(default_factory=BoardSettings)
    ami: AmiSettings = field(default_factory=AmiSettings)
    originate: OriginateSettings = field(default_factory=OriginateSettings)
    http: ServerSettings = field(default_factory=ServerSettings)
    limits: HttpLimits = field(default_factory=HttpLimits)
    qa: QaSettings = field(default_factory=QaSettings)
    complaints: ComplaintSettings = field(default_factory=ComplaintSettings)
    kpi: KpiSettings = field(default_factory=KpiSettings)
    attendance: AttendanceSettings = field(default_factory=AttendanceSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)


def load_settings() -> Configuration:
    """Read every setting from the environment and ``.env``: once, at start-up."""
    return Configuration()
