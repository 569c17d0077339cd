"""The PBX itself: boots and shutdowns, which end every call in flight."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import pbx_id

__all__ = ["Pbx"]


class Pbx(Aggregate):
    @staticmethod
    def create_id(name: str) -> UUID:
        return pbx_id(name)

    @event("Registered")
    def __init__(self, name: str) -> None:
        self.name = name
        self.booted_at: float | None = None
        self.shutting_down = False

    def boot(self, at: float, uptime_s: int) -> None:
        """``FullyBooted``: sent on every login too, so only a fresh uptime is a boot."""
        booted_at = at - uptime_s
        if self.booted_at is None or booted_at > self.booted_at + 5:
            self._booted(at, uptime_s, booted_at)

    @event("Booted")
    def _booted(self, at: float, uptime_s: int, booted_at: float) -> None:
        self.booted_at = booted_at
        self.shutting_down = False

    @event("ShutDown")
    def shut_down(self, at: float, restart: bool) -> None:
        self.shutting_down = True
