"""The complaint application service: commands on ``Complaint`` aggregates (time from the
injected clock), the deadline checker over every complaint not closed, and a complaint's
timeline with its calls and agents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError

from adapters.store.application import CallCenter, read_events
from adapters.store.call_facts import agent_history, agent_interfaces, aggregate_events, call_facts
from api.runtime import load
from domain.complaints.complaint import Complaint, complaint_id, new_reference
from domain.complaints.deadlines import Breach, DeadlinePolicy, check_deadlines
from domain.errors import AlreadyExists, UnknownAggregate
from domain.outbound.dnd import normalise_number
from projections.complaints.timeline import complaint_timeline

__all__ = ["ComplaintService", "QaEntries", "complaint_summary"]

# the QA hook: call ids -> timeline entries (``at``, ``source``: "qa", ``type``, ``data``)
QaEntries = Callable[[list[str]], list[dict[str, Any]]]
STATUS_TOPICS = tuple(f"domain.complaints.complaint:Complaint.{n}"
                      for n in ("Opened", "Closed", "Reopened"))


def complaint_summary(c: Complaint) -> dict[str, Any]:
    return {
        "id": str(c.id), "reference": c.reference, "status": c.status, "round": c.round,
        "channel": c.channel, "category": c.category, "severity": c.severity,
        "major_reason": c.major_reason, "customer_name": c.customer_name,
        "customer_number": c.customer_number, "customer_contact": c.customer_contact,
        "matter": c.matter, "opened_at": c.opened_at, "opened_by": c.opened_by,
        "handler": c.handler, "calls": list(c.calls), "agents": list(c.agents),
        "escalated": c.escalated, "deadlines": dict(c.deadlines), "met": dict(c.met),
        "breached": sorted(c.breached), "resolution": c.resolution,
        "follow_ups": list(c.follow_ups), "version": c.version,
    }


class ComplaintService:
    def __init__(self, app: CallCenter, clock: Callable[[], float], policy: DeadlinePolicy,
                 qa_entries: QaEntries | None = None) -> None:
        self.app, self.clock, self.policy, self.qa_entries = app, clock, policy, qa_entries

    def get(self, reference: str) -> Complaint:
        return load(self.app, Complaint, complaint_id(reference), f"complaint {reference!r}")

    def open(self, by: str, *, reference: str | None = None, channel: str,
             customer_name: str, customer_number: str = "", customer_contact: str = "",
             matter: str, category: str, severity: str = "normal", major_reason: str = "",
             calls: Sequence[str] = (), agent: str = "") -> Complaint:
        at = self.clock()
        number = normalise_number(customer_number) if customer_number.strip() else ""
        reference = reference or new_reference(at, number or customer_contact, matter)
        try:
            self.get(reference)
        except UnknownAggregate:
            pass
        else:
            raise AlreadyExists(f"complaint {reference!r} exists already")
        complaint = Complaint.open(
            reference, at, by, channel=channel, customer_name=customer_name,
            customer_number=number, customer_contact=customer_contact.strip(), matter=matter,
            category=category.strip().lower(), severity=severity, major_reason=major_reason,
            policy=self.policy)
        for call in calls:
            self._link_call(complaint, at, by, call)
        if agent.strip():
            complaint.link_agent(at, by, agent.strip(), "")
        try:
            self.app.save(complaint)
        except IntegrityError:
            raise AlreadyExists(f"complaint {reference!r} exists already") from None
        return complaint

    def change(self, reference: str, step: Callable[[Complaint, float], Any]) -> Complaint:
        """Apply ``step(complaint, at)`` and save; once more on a concurrent change."""
        for attempt in (1, 2):
            complaint = self.get(reference)
            step(complaint, self.clock())
            try:
                self.app.save(complaint)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
            return complaint
        raise AssertionError("unreachable")

    def link_call(self, reference: str, by: str, call: str) -> Complaint:
        """Link a call (id or Linkedid) and the agents who took or dialled it."""
        return self.change(reference, lambda c, at: self._link_call(c, at, by, call))

    def _link_call(self, complaint: Complaint, at: float, by: str, call: str) -> None:
        facts = call_facts(self.app, call)
        complaint.link_call(at, by, facts.call_id, facts.linkedid)
        for ext, name in facts.agents:
            complaint.link_agent(at, by, ext, name)

    # -- deadlines -------------------------------------------------------------------------
    def open_references(self) -> list[str]:
        """Complaints not closed, from the log's status events."""
        status: dict[Any, tuple[str, str]] = {}
        for e in read_events(self.app, STATUS_TOPICS, page=1000):
            name = type(e).__qualname__
            ref = e.reference if name == "Complaint.Opened" else status[e.originator_id][1]
            status[e.originator_id] = (name, ref)
        return sorted(ref for name, ref in status.values() if name != "Complaint.Closed")

    def check_deadlines(self, now: float | None = None) -> list[Breach]:
        """Record the breaches due by ``now`` (default: the clock) in one save."""
        now = self.clock() if now is None else now
        complaints = [self.get(ref) for ref in self.open_references()]
        breaches = check_deadlines(complaints, now)
        if breaches:
            self.app.save(*complaints)
        return breaches

    # -- timeline --------------------------------------------------------------------------
    def timeline(self, reference: str) -> dict[str, Any]:
        complaint = self.get(reference)
        calls: dict[str, list[Any]] = {}
        extensions: list[str] = []
        for call in complaint.calls:
            facts = call_facts(self.app, call)
            calls[facts.call_id] = facts.events
            extensions += [ext for ext in facts.extensions if ext not in extensions]
        known = agent_interfaces(self.app) if extensions else {}
        agents = {known[ext][0]: agent_history(self.app, known[ext][0])
                  for ext in extensions if ext in known}
        extra = self.qa_entries(list(calls)) if self.qa_entries else []
        entries = complaint_timeline(aggregate_events(self.app, complaint.id), calls, agents,
                                     extra)
        return {"reference": reference, "complaint": complaint_summary(complaint),
                "entries": entries}
