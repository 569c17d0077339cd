"""Commands: what the translated PBX feed (or a user) asks the domain to record.

They are plain values. ``domain.telephony.handlers`` applies them to aggregates; aggregates decide
which events follow (often none, e.g. a snapshot confirming what is already known).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.telephony.snapshot_items import SnapshotChannel, SnapshotMember, SnapshotWaiting

__all__ = [
    "AnswerCall", "BootPbx", "ChannelHangupRequested", "Command", "CompleteCall", "ConfigureQueue",
    "DialEnded", "DialStarted", "EndCall", "ExitQueue", "HoldCall", "JoinQueue",
    "LeaveQueueUnanswered", "LogInAgent", "LogOutAgent", "NoteOriginate", "PauseAgent",
    "ReconcileSnapshot", "RingAgent", "RingNoAnswer", "SetDeviceState", "ShutDownPbx",
    "SnapshotChannel", "SnapshotMember", "SnapshotWaiting", "StartCall", "StartRecording",
    "StartSupervision", "StopSupervision", "TransferCall", "UnholdCall",
]


@dataclass(frozen=True, slots=True)
class StartCall:
    linkedid: str
    at: float
    channel: str
    caller_number: str
    caller_name: str


@dataclass(frozen=True, slots=True)
class JoinQueue:
    linkedid: str
    at: float
    queue: str
    uniqueid: str
    channel: str
    position: int
    caller_number: str
    caller_name: str


@dataclass(frozen=True, slots=True)
class RingAgent:
    linkedid: str
    at: float
    queue: str
    interface: str
    member_name: str


@dataclass(frozen=True, slots=True)
class RingNoAnswer:
    linkedid: str
    at: float
    queue: str
    interface: str
    member_name: str
    ring_ms: int


@dataclass(frozen=True, slots=True)
class AnswerCall:
    linkedid: str
    at: float
    queue: str
    interface: str
    member_name: str
    wait_s: int
    ring_s: int
    agent_channel: str


@dataclass(frozen=True, slots=True)
class CompleteCall:
    linkedid: str
    at: float
    queue: str
    interface: str
    member_name: str
    talk_s: int
    reason: str  # agent | caller | transfer


@dataclass(frozen=True, slots=True)
class LeaveQueueUnanswered:
    linkedid: str
    at: float
    queue: str
    wait_s: int
    position: int


@dataclass(frozen=True, slots=True)
class ExitQueue:
    linkedid: str
    at: float
    queue_status: str


@dataclass(frozen=True, slots=True)
class ChannelHangupRequested:
    linkedid: str
    at: float
    uniqueid: str
    cause: int
    soft: bool
    channel: str


@dataclass(frozen=True, slots=True)
class EndCall:
    linkedid: str
    at: float
    cause: int
    cause_text: str


@dataclass(frozen=True, slots=True)
class HoldCall:
    linkedid: str
    at: float
    channel: str


@dataclass(frozen=True, slots=True)
class UnholdCall:
    linkedid: str
    at: float
    channel: str


@dataclass(frozen=True, slots=True)
class TransferCall:
    linkedid: str
    at: float
    kind: str  # blind | attended
    by_channel: str
    target: str


@dataclass(frozen=True, slots=True)
class StartRecording:
    linkedid: str
    at: float
    uniqueid: str
    file: str


@dataclass(frozen=True, slots=True)
class DialStarted:
    linkedid: str
    at: float
    number: str
    by: str


@dataclass(frozen=True, slots=True)
class DialEnded:
    linkedid: str
    at: float
    status: str


@dataclass(frozen=True, slots=True)
class NoteOriginate:
    linkedid: str
    at: float
    application: str
    data: str


@dataclass(frozen=True, slots=True)
class StartSupervision:
    linkedid: str  # the supervised call
    at: float
    spyer_channel: str
    spyer_linkedid: str


@dataclass(frozen=True, slots=True)
class StopSupervision:
    linkedid: str
    at: float
    spyer_channel: str


@dataclass(frozen=True, slots=True)
class LogInAgent:
    interface: str
    at: float
    queue: str
    member_name: str
    penalty: int
    paused: bool
    reason: str
    status: int = -1  # the device state (``Status``), -1 when the frame has none


@dataclass(frozen=True, slots=True)
class LogOutAgent:
    interface: str
    at: float
    queue: str


@dataclass(frozen=True, slots=True)
class PauseAgent:
    interface: str
    at: float
    queue: str
    member_name: str
    paused: bool
    reason: str
    status: int = -1  # the device state (``Status``), -1 when the frame has none


@dataclass(frozen=True, slots=True)
class SetDeviceState:
    interface: str
    at: float
    member_name: str
    status: int


@dataclass(frozen=True, slots=True)
class ConfigureQueue:
    queue: str
    at: float
    strategy: str
    service_level_s: int
    abandoned: int = -1  # the PBX's counters (``QueueParams``), -1 when the frame has none
    completed: int = -1


@dataclass(frozen=True, slots=True)
class BootPbx:
    at: float
    uptime_s: int


@dataclass(frozen=True, slots=True)
class ShutDownPbx:
    at: float
    restart: bool


@dataclass(frozen=True, slots=True)
class ReconcileSnapshot:
    """A complete snapshot list: what the PBX has now, to bring the domain in line."""

    at: float
    kind: str  # QueueStatus | CoreShowChannels
    members: tuple[SnapshotMember, ...] = ()
    waiting: tuple[SnapshotWaiting, ...] = ()
    channels: tuple[SnapshotChannel, ...] = ()


Command = (
    StartCall | JoinQueue | RingAgent | RingNoAnswer | AnswerCall | CompleteCall
    | LeaveQueueUnanswered | ExitQueue | ChannelHangupRequested | EndCall | HoldCall
    | UnholdCall | TransferCall | StartRecording | DialStarted | DialEnded | NoteOriginate
    | StartSupervision | StopSupervision | LogInAgent | LogOutAgent | PauseAgent
    | SetDeviceState | ConfigureQueue | BootPbx | ShutDownPbx | ReconcileSnapshot
)
