"""Complaint read models: one timeline per complaint, and the complaint reports.

``complaint_timeline`` merges, in time order, a complaint's own events with the events of
the calls linked to it (queue, ringing, answer, holds, transfers, recordings, hang-up; each
call's events keep their log order), the state of the call's agent when the call started
and the agent's own events during the call, and any further entries handed in (the QA
evaluations of those calls, once QA exists). It is a pure function of the events it is
given; the API fetches them.

``ComplaintsFold`` folds complaint and wrap-up events into a summary per complaint, the
calls agents flagged as complaints in their wrap-up, and the reports (definitions below).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from domain.telephony.agent import extension_of

__all__ = ["DEFINITIONS", "ComplaintsFold", "agent_state_at", "complaint_timeline",
           "event_fields", "topics"]

_MODULES = {"Call": "domain.telephony.call", "Agent": "domain.telephony.agent",
            "Queue": "domain.telephony.queue", "Pbx": "domain.telephony.pbx",
            "Complaint": "domain.complaints.complaint", "Wrapup": "domain.outbound.wrapup",
            "DndRegistry": "domain.outbound.dnd", "OutboundDial": "domain.outbound.dnd"}
DEFINITIONS = {
    "received": "complaints opened in the period",
    "resolved": "resolutions recorded in the period (a reopened complaint resolved again "
                "counts again)",
    "resolution_rate": "of the complaints received in the period, the share resolved or "
                       "closed now, %",
    "breaches": "deadline breaches due in the period, by deadline",
    "by_agent": "complaints linked to the agent (by their extension)",
    "upheld_against_agent": "resolved with responsibility 'agent'",
}
AGENT_EVENTS = {"Agent.LoggedIn", "Agent.LoggedOut", "Agent.Paused", "Agent.Unpaused",
                "Agent.DeviceStateChanged"}


def topics(*tables: Iterable[str]) -> tuple[str, ...]:
    """``"Complaint.Opened"`` -> ``"domain.complaints.complaint:Complaint.Opened"``: the log topics
    of the event names in ``tables`` (Callboard's aggregates and this feature's)."""
    names = sorted({name for table in tables for name in table})
    return tuple(f"{_MODULES[name.split('.')[0]]}:{name}" for name in names)


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
        kind = type(e).__qualname__
        if kind == "Agent.Registered":
            name, interface = e.name, e.interface
        elif kind == "Agent.LoggedIn":
            name = e.name or name
            queues[e.queue] = e.reason if e.paused else None
        elif kind == "Agent.LoggedOut":
            queues.pop(e.queue, None)
        elif kind == "Agent.Paused" and e.queue in queues:
            queues[e.queue] = e.reason
        elif kind == "Agent.Unpaused" and e.queue in queues:
            queues[e.queue] = None
        elif kind == "Agent.DeviceStateChanged":
            device = e.state
    if not queues:
        state = "logged-out"
    elif device in ("in-use", "busy", "on-hold", "ringing", "ringing-in-use"):
        state = "on-call" if "ringing" not in device else "ringing"
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
        kind = type(e).__qualname__
        wanted = [e.agent] if kind == "Call.Answered" else [
            i for i in agents if extension_of(i) == e.by] if kind == "Call.DialStarted" else []
        found += [i for i in wanted if i in agents and i not in found]
    return found


def _call_stream(call_id: str, events: Sequence[Any]) -> Iterator[dict[str, Any]]:
    for e in events:
        extra: dict[str, Any] = {"call_id": call_id, "linkedid": events[0].linkedid}
        if type(e).__qualname__ == "Call.RecordingStarted":
            extra["recording"] = e.file.rsplit("/", 1)[-1]
        yield _entry(e, "call", **extra)


def _agent_stream(call_id: str, interface: str, agent_events: Sequence[Any], start: float,
                  end: float) -> Iterator[dict[str, Any]]:
    yield {"at": start, "source": "agent", "type": "AgentStateAtCall", "call_id": call_id,
           "data": agent_state_at(agent_events, start)}
    for e in agent_events:
        if type(e).__qualname__ in AGENT_EVENTS and start < e.at <= end:
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
        left = {e.agent: e.at for e in events if type(e).__qualname__ == "Call.Completed"}
        for interface in _call_agents(events, agents):  # each agent up to the end of their leg
            agent_streams.append(_agent_stream(call_id, interface, agents[interface], start,
                                               left.get(interface, end)))
    streams += agent_streams
    streams.append(sorted(extra, key=lambda row: row["at"]))
    return list(heapq.merge(*streams, key=lambda row: row["at"]))


class ComplaintsFold:
    """Summaries of every complaint, calls flagged as complaints, and reports."""

    name = "complaints"

    def __init__(self) -> None:
        self.complaints: dict[str, dict[str, Any]] = {}
        self.resolutions: list[tuple[float, str]] = []  # (at, complaint id)
        self.breaches: list[dict[str, Any]] = []
        self.flagged: dict[str, dict[str, Any]] = {}  # call id -> flag
        self.last_at: float | None = None
        self.topics = topics([f"Complaint.{n}" for n in (
            "Opened", "CallLinked", "AgentLinked", "Assigned", "Escalated", "Resolved",
            "FollowedUp", "Closed", "Reopened", "DeadlineBreached", "SeverityChanged")],
            ["Wrapup.DispositionSet"])

    def apply(self, event: Any) -> None:
        at = getattr(event, "at", None)
        if at is not None and (self.last_at is None or at > self.last_at):
            self.last_at = at
        kind = type(event).__qualname__
        if kind == "Wrapup.DispositionSet":
            self._wrapup(event)
            return
        key = str(event.originator_id)
        if kind == "Complaint.Opened":
            self.complaints[key] = {
                "id": key, "reference": event.reference, "status": "open",
                "channel": event.channel, "category": event.category,
                "severity": event.severity, "customer_name": event.customer_name,
                "customer_number": event.customer_number, "opened_at": event.at,
                "opened_by": event.by, "handler": None, "agents": [], "calls": [],
                "escalated": False, "resolved_at": None, "responsibility": None,
                "closed_at": None, "reopened": 0, "breaches": [], "deadlines":
                dict(event.deadlines), "satisfied": None, "updated_at": event.at}
            return
        summary = self.complaints.get(key)
        if summary is None:
            return
        summary["updated_at"] = max(summary["updated_at"], event.at)
        if kind == "Complaint.CallLinked":
            summary["calls"].append(event.call_id)
        elif kind == "Complaint.AgentLinked":
            summary["agents"].append(event.agent)
        elif kind == "Complaint.Assigned":
            summary["handler"] = event.handler
        elif kind == "Complaint.Escalated":
            summary["escalated"] = True
        elif kind == "Complaint.SeverityChanged":
            summary["severity"] = event.severity
            summary["deadlines"].update(event.deadlines)
        elif kind == "Complaint.Resolved":
            summary.update(status="resolved", resolved_at=event.at,
                           responsibility=event.responsibility)
            self.resolutions.append((event.at, key))
        elif kind == "Complaint.FollowedUp":
            summary["satisfied"] = event.satisfied
        elif kind == "Complaint.Closed":
            summary.update(status="closed", closed_at=event.at)
        elif kind == "Complaint.Reopened":
            summary.update(status="open", resolved_at=None, closed_at=None,
                           responsibility=None, satisfied=None)
            summary["reopened"] += 1
            summary["deadlines"].update(event.deadlines)
        elif kind == "Complaint.DeadlineBreached":
            breach = {"kind": event.kind, "due_at": event.due_at,
                      "detected_at": event.detected_at}
            summary["breaches"].append(breach)
            self.breaches.append({**breach, "complaint": key})

    def _wrapup(self, e: Any) -> None:
        if e.code == "complaint":
            self.flagged[e.call_id] = {"call_id": e.call_id, "linkedid": e.linkedid,
                                       "agent": e.agent, "at": e.at, "by": e.by,
                                       "customer_number": e.customer_number,
                                       "notes": e.notes}
        else:
            self.flagged.pop(e.call_id, None)

    # -- views ---------------------------------------------------------------------------
    def open_numbers(self) -> set[str]:
        """Customer numbers with a complaint not closed (the monitoring board's hook)."""
        return {c["customer_number"] for c in self.complaints.values()
                if c["status"] != "closed" and c["customer_number"]}

    def view(self, now: float) -> dict[str, Any]:
        rows = sorted((dict(c) for c in self.complaints.values() if c["opened_at"] <= now),
                      key=lambda c: (-c["opened_at"], c["reference"]))
        return {"as_of": now, "complaints": rows,
                "flagged_calls": sorted(self.flagged.values(), key=lambda f: -f["at"])}

    def report(self, since: float, until: float) -> dict[str, Any]:
        received = [c for c in self.complaints.values() if since <= c["opened_at"] < until]
        resolved_ids = [key for at, key in self.resolutions if since <= at < until]
        breaches = [b for b in self.breaches if since <= b["due_at"] < until]

        def figures(mine: list[dict[str, Any]], resolved: list[str],
                    broken: list[dict[str, Any]]) -> dict[str, Any]:
            done = sum(1 for c in mine if c["status"] in ("resolved", "closed"))
            return {"received": len(mine), "resolved": len(resolved),
                    "resolution_rate": round(100.0 * done / len(mine), 2) if mine else None,
                    "breaches": len(broken),
                    "breaches_by_kind": dict(sorted(Counter(b["kind"] for b in broken)
                                                    .items())),
                    "upheld_against_agent": sum(1 for c in mine
                                                if c["responsibility"] == "agent")}

        groups: dict[str, dict[str, set[str]]] = {"by_agent": defaultdict(set),
                                                  "by_category": defaultdict(set)}
        for c in self.complaints.values():
            groups["by_category"][c["category"]].add(c["id"])
            for agent in c["agents"]:
                groups["by_agent"][agent].add(c["id"])
        out: dict[str, Any] = {"from": since, "to": until, "definitions": DEFINITIONS,
                               "totals": figures(received, resolved_ids, breaches)}
        for group, members in groups.items():
            out[group] = {name: figures([c for c in received if c["id"] in ids],
                                        [k for k in resolved_ids if k in ids],
                                        [b for b in breaches if b["complaint"] in ids])
                          for name, ids in sorted(members.items())}
        return out
