"""What the complaint, wrap-up and DND services read about calls and agents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from adapters.store.application import CallCenter, read_events
from domain.errors import UnknownAggregate
from domain.events import event_topic
from domain.ids import agent_id, call_id
from domain.telephony.agent import Agent, extension_of
from domain.telephony.call import Call

__all__ = ["CallFacts", "agent_history", "agent_interfaces", "aggregate_events", "call_facts"]

AGENT_REGISTERED = event_topic(Agent, "Registered")
CALL_TOPICS = get_topic(Call) + "."  # every Call event: "domain.telephony.call:Call.<Name>"


@dataclass
class CallFacts:
    call_id: str
    linkedid: str
    started_at: float
    direction: str
    customer_number: str
    agents: list[tuple[str, str]] = field(default_factory=list)  # (extension, name)
    events: list[Any] = field(default_factory=list)

    @property
    def extensions(self) -> list[str]:
        return [ext for ext, _ in self.agents]


def aggregate_events(app: CallCenter, key: UUID) -> list[Any]:
    return [app.mapper.to_domain_event(s) for s in app.recorder.select_events(key)]


def call_facts(app: CallCenter, ref: str) -> CallFacts:
    """``ref``: a call id (UUID) or its Asterisk Linkedid."""
    try:
        key = UUID(ref)
    except ValueError:
        key = call_id(ref)
    stored = app.recorder.select_events(key)
    if not stored or not stored[0].topic.startswith(CALL_TOPICS):
        raise UnknownAggregate(f"no call {ref!r} (give a call id or a Linkedid)")
    events: list[Any] = [app.mapper.to_domain_event(s) for s in stored]
    first = events[0]
    facts = CallFacts(str(key), first.linkedid, first.at, "unknown", first.caller_number,
                      events=events)
    for e in events:
        kind = type(e).__qualname__
        if kind == "Call.Queued":
            facts.direction = "inbound"
            facts.customer_number = e.caller_number or facts.customer_number
        elif kind == "Call.Answered":
            ext = extension_of(e.agent)
            if ext not in facts.extensions:
                facts.agents.append((ext, e.member_name))
        elif kind == "Call.DialStarted":
            facts.direction, facts.customer_number = "outbound", e.number
            if e.by not in facts.extensions:
                facts.agents.append((e.by, ""))
    return facts


def agent_interfaces(app: CallCenter) -> dict[str, tuple[str, str]]:
    """Every registered agent: extension -> (interface, name)."""
    found: dict[str, tuple[str, str]] = {}
    for e in read_events(app, (AGENT_REGISTERED,), page=1000):
        found[extension_of(e.interface)] = (e.interface, e.name)
    return found


def agent_history(app: CallCenter, interface: str) -> list[Any]:
    return aggregate_events(app, agent_id(interface))
