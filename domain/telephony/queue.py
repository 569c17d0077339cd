"""The Queue aggregate: a queue's settings as the PBX reports them (``QueueParams``)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import queue_id

__all__ = ["Queue"]


class Queue(Aggregate):
    @staticmethod
    def create_id(name: str) -> UUID:
        return queue_id(name)

    @event("Discovered")
    def __init__(self, name: str, at: float) -> None:
        self.name = name
        self.strategy = ""
        self.service_level_s = 0

    def configure(self, at: float, strategy: str, service_level_s: int) -> None:
        if (strategy, service_level_s) != (self.strategy, self.service_level_s):
            self._configured(at, strategy, service_level_s)

    @event("Configured")
    def _configured(self, at: float, strategy: str, service_level_s: int) -> None:
        self.strategy = strategy
        self.service_level_s = service_level_s
