"""Configuration, read once from the environment (``CALLBOARD_*``) or a ``.env`` file and
passed in; nothing else reads the environment."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["AmiSettings", "BoardSettings", "ServerSettings", "Settings"]


class AmiSettings(BaseSettings):
    """The live AMI connection."""

    model_config = SettingsConfigDict(env_prefix="CALLBOARD_AMI_", env_file=".env",
                                      extra="ignore")

    host: str = "127.0.0.1"
    port: int = 5038
    user: str = "callboard"
    secret: str = ""
    ping_interval_s: float = 1.0


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
