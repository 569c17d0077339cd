"""The projections Callboard runs, by name, and how to open them over a store."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from adapters.projection_runner.runner import Fold, TrackedProjection
from adapters.projection_runner.store import open_view_recorder
from adapters.store.application import CallCenter
from api.settings import BoardSettings
from projections.business_day import BoardPolicy
from projections.complaints.timeline import ComplaintsFold
from projections.floor.agents import AgentBoardProjection
from projections.floor.monitoring import MonitoringProjection
from projections.floor.recordings import RecordingsFold
from projections.floor.wallboard import WallboardProjection

__all__ = ["BOARDS", "NAMES", "VERSION", "board_policy", "fold_factory", "open_projection"]

# Bump when a fold's state layout changes: saved states of another version are rebuilt.
VERSION = "3"
FOLDS: dict[str, Callable[[BoardPolicy], Fold]] = {
    "wallboard": WallboardProjection,
    "agents": AgentBoardProjection,
    "monitoring": MonitoringProjection,
    "recordings": lambda policy: RecordingsFold(),
    "complaints": lambda policy: ComplaintsFold(),  # open complaints for the monitoring board
}
BOARDS = ("wallboard", "agents", "monitoring")  # the ones printed as boards
NAMES = tuple(FOLDS)


def board_policy(settings: BoardSettings) -> BoardPolicy:
    return BoardPolicy(
        timezone=settings.timezone, day_start=settings.day_start,
        windows_min=tuple(settings.windows_min), short_abandon_s=settings.short_abandon_s,
        service_level_s=dict(settings.service_level_s), long_talk_s=settings.long_talk_s,
        long_hold_s=settings.long_hold_s)


def fold_factory(name: str, policy: BoardPolicy) -> Callable[[], Fold]:
    return partial(FOLDS[name], policy)


def open_projection(app: CallCenter, store_url: str, name: str, settings: BoardSettings, *,
                    page: int = 1000, checkpoint_events: int = 200_000,
                    read_only: bool = False, cipher_key: str | None = None
                    ) -> TrackedProjection:
    """``name``'s fold with its saved state and position, ready to catch up."""
    policy = board_policy(settings)
    version = f"{VERSION}:{policy!r}"
    return TrackedProjection(app, open_view_recorder(store_url, name, cipher_key=cipher_key),
                             fold_factory(name, policy), version,
                             page=page, checkpoint_s=settings.checkpoint_s,
                             checkpoint_events=checkpoint_events, read_only=read_only)
