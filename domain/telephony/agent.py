"""The Agent aggregate: one per queue-member interface.

Logged in and out per queue, paused with a reason, and the device state Asterisk reports.
Facts learnt from a snapshot (``QueueStatus`` after a (re)connect) rather than seen
happening are recorded with ``inferred=True``.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import agent_id

__all__ = ["DEVICE_STATES", "Agent"]

# Asterisk ``Status`` of a queue member (enum ast_device_state).
DEVICE_STATES = {
    0: "unknown", 1: "not-in-use", 2: "in-use", 3: "busy", 4: "invalid",
    5: "unavailable", 6: "ringing", 7: "ringing-in-use", 8: "on-hold",
}


def extension_of(interface: str) -> str:
    """``Local/1001@agents/n`` -> ``1001``; ``PJSIP/1001`` -> ``1001``."""
    tail = interface.split("/", 1)[-1]
    return tail.split("@", 1)[0]


class Agent(Aggregate):
    """A queue member: an agent's phone interface and their presence in queues."""

    @staticmethod
    def create_id(interface: str) -> UUID:
        return agent_id(interface)

    @event("Registered")
    def __init__(self, interface: str, name: str, at: float) -> None:
        self.interface = interface
        self.name = name
        self.extension = extension_of(interface)
        self.queues: dict[str, bool] = {}  # queue -> paused
        self.pause_reasons: dict[str, str] = {}
        self.device_state = "unknown"

    def check_logged_in(self, queue: str) -> bool:
        return queue in self.queues

    def log_in(
        self, at: float, queue: str, name: str, penalty: int, paused: bool, reason: str,
        inferred: bool = False,
    ) -> None:
        if queue in self.queues:
            return
        self._logged_in(at, queue, name, penalty, paused, reason, inferred)

    @event("LoggedIn")
    def _logged_in(
        self, at: float, queue: str, name: str, penalty: int, paused: bool, reason: str,
        inferred: bool,
    ) -> None:
        self.name = name or self.name
        self.queues[queue] = paused
        if paused:
            self.pause_reasons[queue] = reason

    def log_out(self, at: float, queue: str, inferred: bool = False) -> None:
        if queue in self.queues:
            self._logged_out(at, queue, inferred)

    @event("LoggedOut")
    def _logged_out(self, at: float, queue: str, inferred: bool) -> None:
        self.queues.pop(queue, None)
        self.pause_reasons.pop(queue, None)

    def set_paused(
        self, at: float, queue: str, paused: bool, reason: str, inferred: bool = False
    ) -> None:
        if queue not in self.queues or self.queues[queue] == paused:
            return
        if paused:
            self._paused(at, queue, reason, inferred)
        else:
            self._unpaused(at, queue, inferred)

    @event("Paused")
    def _paused(self, at: float, queue: str, reason: str, inferred: bool) -> None:
        self.queues[queue] = True
        self.pause_reasons[queue] = reason

    @event("Unpaused")
    def _unpaused(self, at: float, queue: str, inferred: bool) -> None:
        self.queues[queue] = False
        self.pause_reasons.pop(queue, None)

    def set_device_state(self, at: float, status: int) -> None:
        state = DEVICE_STATES.get(status, "unknown")
        if state != self.device_state:
            self._device_state_changed(at, state)

    @event("DeviceStateChanged")
    def _device_state_changed(self, at: float, state: str) -> None:
        self.device_state = state
