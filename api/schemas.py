"""Response models: what the REST API promises (and /docs shows). Board views carry more
figures than are typed here (``extra="allow"``); the typed ones are those a client can
rely on."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AgentsBoard",
    "EventsPage",
    "Feed",
    "Health",
    "LiveCalls",
    "Me",
    "Open",
    "QueueOut",
    "QueuesOut",
    "Ready",
    "Recordings",
    "Timeline",
    "Wallboard",
]


class Open(BaseModel):
    """A response model that keeps fields it does not type (views carry more)."""

    model_config = ConfigDict(extra="allow")


class ServiceLevel(Open):
    answered: float | None = Field(description="answered within T / answered, %")
    offered: float | None = Field(description="answered within T / (answered + abandoned "
                                  "+ timed out), %")
    offered_minus_short: float | None = Field(description="as offered, short abandons "
                                              "left out, %")


class PeriodFigures(Open):
    offered: int
    answered: int
    abandoned: int
    timed_out: int
    lost_by_restart: int
    closed_by_resync: int
    service_level: ServiceLevel
    service_level_s: int | None
    asa_s: float | None
    aht_s: float | None
    abandon_rate: float | None
    abandon_rate_minus_short: float | None
    occupancy: float | None


class Period(Open):
    from_: float = Field(alias="from")
    to: float
    queues: dict[str, PeriodFigures]
    totals: PeriodFigures


class LiveQueue(Open):
    waiting_now: int
    longest_wait_s: float
    agents: dict[str, int] = Field(description="agents by state")
    paused_by_reason: dict[str, int]
    logged_in: int


class LiveFloor(Open):
    queues: dict[str, LiveQueue]
    totals: LiveQueue


class Feed(BaseModel):
    """The PBX feed behind a live board (absent from a board ``?at=`` the past)."""

    live: bool = Field(description="false: no live feed (files ingested, or no AMI): "
                       "nothing is down")
    connected: bool | None = Field(description="the AMI link is logged in (null: no live "
                                   "feed)")
    since: float | None = Field(description="when it came up or went down (epoch s)")
    last_frame_at: float | None = Field(description="when the last frame arrived (epoch s)")
    stale: bool = Field(description="the feed is down: the figures stopped following the "
                        "PBX at `since`")


class Wallboard(Open):
    as_of: float
    position: int = Field(description="last log position folded into this view")
    timezone: str
    definitions: dict[str, str]
    now: LiveFloor
    day: Period
    windows: dict[str, Period]
    feed: Feed | None = None


class QueueOut(Open):
    now: LiveQueue
    day: PeriodFigures | None


class QueuesOut(Open):
    as_of: float
    position: int
    queues: dict[str, QueueOut]
    feed: Feed | None = None


class AgentOut(Open):
    agent_id: str
    name: str
    interface: str
    extension: str
    state: str
    reason: str
    since: float
    in_state_s: float
    queues: list[dict[str, Any]]
    day: dict[str, Any]
    current_call: dict[str, Any] | None


class AgentsBoard(Open):
    as_of: float
    position: int
    agents: list[AgentOut]
    totals: dict[str, Any]
    feed: Feed | None = None


class CallOut(Open):
    call_id: str
    linkedid: str
    direction: str
    queue: str | None
    number: str
    state: str
    agent_name: str
    started_at: float
    attention: list[str]
    supervisors: list[dict[str, Any]]
    recordings: list[str]


class LiveCalls(Open):
    as_of: float
    position: int
    calls: list[CallOut]
    departed: list[dict[str, Any]]
    thresholds: dict[str, Any]
    feed: Feed | None = None


class TimelineEvent(Open):
    type: str
    version: int
    at: float | None
    recorded_at: str
    log_position: int | None
    data: dict[str, Any]


class Frame(Open):
    connection_id: str
    seq: int
    received_at: float | None
    status: str
    chunk_position: int
    raw: str


class Timeline(Open):
    call_id: str
    linkedid: str
    events: list[TimelineEvent]
    frames: list[Frame]


class RecordingOut(Open):
    name: str
    call_id: str
    linkedid: str
    started_at: float
    duration_s: float | None
    direction: str
    queue: str | None
    agent_name: str
    number: str


class Recordings(Open):
    recordings: list[RecordingOut]
    count: int


class LogEntryOut(Open):
    position: int
    topic: str
    aggregate_id: str
    version: int


class EventsPage(Open):
    events: list[LogEntryOut]
    next_after: int | None = Field(description="pass as ?after= for the next page; null at "
                                   "the end of the log")


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    ready: bool
    head: int
    positions: dict[str, int]
    behind: dict[str, int]
    feed: Feed


class Me(BaseModel):
    name: str
    role: str
    extension: str | None = Field(None, description="the phone extension bound to the user "
                                  "(an agent's identity), if any")
