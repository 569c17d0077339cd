"""The items of a PBX snapshot list, as ``ReconcileSnapshot`` carries them: values, not
commands (a snapshot is applied whole, once its list is complete)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SnapshotChannel", "SnapshotMember", "SnapshotWaiting"]


@dataclass(frozen=True, slots=True)
class SnapshotMember:
    """``QueueMember`` in a ``QueueStatus`` list."""

    interface: str
    queue: str
    member_name: str
    penalty: int
    paused: bool
    reason: str
    login_time: float
    last_pause: float
    last_call: float
    status: int


@dataclass(frozen=True, slots=True)
class SnapshotWaiting:
    """``QueueEntry`` in a ``QueueStatus`` list."""

    queue: str
    uniqueid: str
    channel: str
    caller_number: str
    caller_name: str
    wait_s: int
    position: int


@dataclass(frozen=True, slots=True)
class SnapshotChannel:
    """``CoreShowChannel`` in a ``CoreShowChannels`` list."""

    linkedid: str
    uniqueid: str
    channel: str
    caller_number: str
    caller_name: str
    application: str
    duration_s: int
    bridge_id: str = ""  # the bridge it is in: a caller and the agent who answered share one
    application_data: str = ""  # e.g. ``sales,t,,,120`` for a caller in ``Queue``
