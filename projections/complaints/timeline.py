"""One timeline per complaint.

``complaint_timeline`` merges, in time order, a complaint's own events with the events of
the calls linked to it (queue, ringing, answer, holds, transfers, recordings, hang-up; each
call's events keep their log order), the state of the call's agent when the call started
and the agent's own events during the call, and any further entries handed in (the QA
evaluations of those calls, once QA exists). It is a pure function of the events it is
given; the API fetches them.

(``ComplaintsFold``, the summaries and reports, lives in ``projections.complaints.summaries``
and is importable from here too, where the API and tests found it before.)
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from domain.events import event_class
from domain.telephony.agent import Agent, extension_of
from domain.telephony.call import Call
from projections.agent_states import is_busy, is_ringing
from projections.complaints.summaries import DEFINITIONS, ComplaintsFold

__all__ = ["DEFINITIONS", "ComplaintsFold", "agent_state_at", "complaint_timeline",
           "event_fields"]

REGISTERED, LOGGED_IN, LOGGED_OUT, PAUSED, UNPAUSED, DEVICE_CHANGED = (
    event_class(Agent, name) for name in ("Registered", "LoggedIn", "LoggedOut", "Paused",
                                          "Unpaused", "DeviceStateChanged"))
AGENT_EVENTS = frozenset({LOGGED_IN, LOGGED_OUT, PAUSED, UNPAUSED, DEVICE_CHANGED})
ANSWERED, COMPLETED, DIAL_STARTED, RECORDING_STARTED = (
    event_class(Call, name) for name in ("Answered", "Completed", "DialStarted",
                                         "RecordingStarted"))


def event_fields(event: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(event).items()
            if k not in ("originator_id", "originator_version", "timestamp")}


def _entry(event: Any, source: str, **extra: Any) -> dict[str, Any]:
    fields = event_fields(event)
    return {"at": fields.get("at"), "source": source, "type": type(event).__qualname__,
            "version": event.originator_version, **extra, "data": fields}


def agent_state_at(events: Iterable[Any], at: float) -> dict[str, Any]:
    """An agent's queues (with pause reasons), device and state as they stood at ``at``."""
    name, interface = "", ""
    queues: dict[str, str | None] = {}
    device = "unknown"
    for e in events:
        if getattr(e, "at", at) > at:
            break
        kind = type(e)
        if kind is REGISTERED:
            name, interface = e.name, e.interface
        elif kind is LOGGED_IN:
            name = e.name or name
            queues[e.queue] = e.reason if e.paused else None
        elif kind is LOGGED_OUT:
            queues.pop(e.queue, None)
        elif kind is PAUSED and e.queue in queues:
            queues[e.queue] = e.reason
        elif kind is UNPAUSED and e.queue in queues:
            queues[e.queue] = None
        elif kind is DEVICE_CHANGED:
            device = e.state
    if not queues:
        state = "logged-out"
    elif is_ringing(device):
        state = "ringing"
    elif is_busy(device):
        state = "on-call"
    elif all(reason is not None for reason in queues.values()):
        state = f"paused ({next(iter(queues.values()))})"
    else:
        state = "available"
    return {"agent": name, "interface": interface, "state": state, "device": device,
            "queues": {q: ("paused: " + r) if r is not None else "in"
                       for q, r in sorted(queues.items())}}


def _call_agents(events: Sequence[Any], agents: Mapping[str, Sequence[Any]]) -> list[str]:
    found: list[str] = []
    for e in events:
        kind = type(e)
        wanted = [e.agent] if kind is ANSWERED else [
            i for i in agents if extension_of(i) == e.by] if kind is DIAL_STARTED else []
        found += [i for i in wanted if i in agents and i not in found]
    return found


def _call_stream(call_id: str, events: Sequence[Any]) -> Iterator[dict[str, Any]]:
    for e in events:
        extra: dict[str, Any] = {"call_id": call_id, "linkedid": events[0].linkedid}
        if type(e) is RECORDING_STARTED:
            extra["recording"] = e.file.rsplit("/", 1)[-1]
        yield _entry(e, "call", **extra)


def _agent_stream(call_id: str, interface: str, agent_events: Sequence[Any], start: float,
                  end: float) -> Iterator[dict[str, Any]]:
    yield {"at": start, "source": "agent", "type": "AgentStateAtCall", "call_id": call_id,
           "data": agent_state_at(agent_events, start)}
    for e in agent_events:
        if type(e) in AGENT_EVENTS and start < e.at <= end:
            yield _entry(e, "agent", call_id=call_id, interface=interface)


def complaint_timeline(complaint_events: Sequence[Any],
                       calls: Mapping[str, Sequence[Any]],
                       agents: Mapping[str, Sequence[Any]],
                       extra: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """``calls``: call id -> the call's events in log order; ``agents``: interface -> the
    agent's events in log order; ``extra``: further entries with an ``at`` (QA...)."""
    own = sorted((_entry(e, "complaint") for e in complaint_events),
                 key=lambda row: row["at"])  # a breach is dated at its due instant
    streams: list[Iterable[dict[str, Any]]] = [own]
    agent_streams: list[Iterable[dict[str, Any]]] = []
    for call_id, events in calls.items():
        if not events:
            continue
        streams.append(_call_stream(call_id, events))
        start = events[0].at
        end = max(e.at for e in events)
        left = {e.agent: e.at for e in events if type(e) is COMPLETED}
        for interface in _call_agents(events, agents):  # each agent up to the end of their leg
            agent_streams.append(_agent_stream(call_id, interface, agents[interface], start,
                                               left.get(interface, end)))
    streams += agent_streams
    streams.append(sorted(extra, key=lambda row: row["at"]))
    return list(heapq.merge(*streams, key=lambda row: row["at"]))
