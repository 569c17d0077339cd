"""Complaint summaries and reports, folded from complaint and wrap-up events.

``ComplaintsFold`` keeps a summary per complaint, the calls agents flagged as complaints
in their wrap-up, and the reports (definitions below).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from domain.complaints.complaint import Complaint
from domain.outbound.wrapup import Wrapup
from projections.figures import pct
from projections.topics import DatedDispatching, Table, on, topics_of

__all__ = ["DEFINITIONS", "ComplaintsFold"]

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


class ComplaintsFold(DatedDispatching):
    """Summaries of every complaint, calls flagged as complaints, and reports."""

    name = "complaints"

    def __init__(self) -> None:
        self.complaints: dict[str, dict[str, Any]] = {}
        self.resolutions: list[tuple[float, str]] = []  # (at, complaint id)
        self.breaches: list[dict[str, Any]] = []
        self.flagged: dict[str, dict[str, Any]] = {}  # call id -> flag
        self.last_at: float | None = None
        self.handlers = self.table()
        self.topics = topics_of(self.handlers)

    def table(self) -> Table:
        return {
            **on(Complaint, Opened=self._opened, CallLinked=self._call_linked,
                 AgentLinked=self._agent_linked, Assigned=self._assigned,
                 Escalated=self._escalated, SeverityChanged=self._severity_changed,
                 Resolved=self._resolved, FollowedUp=self._followed_up, Closed=self._closed,
                 Reopened=self._reopened, DeadlineBreached=self._breached),
            **on(Wrapup, DispositionSet=self._wrapup),
        }

    def _opened(self, e: Any) -> None:
        key = str(e.originator_id)
        self.complaints[key] = {
            "id": key, "reference": e.reference, "status": "open", "channel": e.channel,
            "category": e.category, "severity": e.severity,
            "customer_name": e.customer_name, "customer_number": e.customer_number,
            "opened_at": e.at, "opened_by": e.by, "handler": None, "agents": [],
            "calls": [], "escalated": False, "resolved_at": None, "responsibility": None,
            "closed_at": None, "reopened": 0, "breaches": [],
            "deadlines": dict(e.deadlines), "satisfied": None, "updated_at": e.at}

    def _summary(self, e: Any) -> dict[str, Any] | None:
        """The complaint's summary, touched at ``e.at``; None for a complaint this fold
        never saw opened."""
        summary = self.complaints.get(str(e.originator_id))
        if summary is not None:
            summary["updated_at"] = max(summary["updated_at"], e.at)
        return summary

    def _call_linked(self, e: Any) -> None:
        if summary := self._summary(e):
            summary["calls"].append(e.call_id)

    def _agent_linked(self, e: Any) -> None:
        if summary := self._summary(e):
            summary["agents"].append(e.agent)

    def _assigned(self, e: Any) -> None:
        if summary := self._summary(e):
            summary["handler"] = e.handler

    def _escalated(self, e: Any) -> None:
        if summary := self._summary(e):
            summary["escalated"] = True

    def _severity_changed(self, e: Any) -> None:
        if summary := self._summary(e):
            summary["severity"] = e.severity
            summary["deadlines"].update(e.deadlines)

    def _resolved(self, e: Any) -> None:
        if summary := self._summary(e):
            summary.update(status="resolved", resolved_at=e.at,
                           responsibility=e.responsibility)
            self.resolutions.append((e.at, summary["id"]))

    def _followed_up(self, e: Any) -> None:
        if summary := self._summary(e):
            summary["satisfied"] = e.satisfied

    def _closed(self, e: Any) -> None:
        if summary := self._summary(e):
            summary.update(status="closed", closed_at=e.at)

    def _reopened(self, e: Any) -> None:
        if summary := self._summary(e):
            summary.update(status="open", resolved_at=None, closed_at=None,
                           responsibility=None, satisfied=None)
            summary["reopened"] += 1
            summary["deadlines"].update(e.deadlines)

    def _breached(self, e: Any) -> None:
        if summary := self._summary(e):
            breach = {"kind": e.kind, "due_at": e.due_at, "detected_at": e.detected_at}
            summary["breaches"].append(breach)
            self.breaches.append({**breach, "complaint": summary["id"]})

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
                    "resolution_rate": pct(done, len(mine)),
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
