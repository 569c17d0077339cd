"""Configuration, read once from the environment (``CALLBOARD_*``) or a ``.env`` file and
passed in; nothing else reads the environment."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["AmiSettings", "Settings"]


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
