"""The Complaint aggregate: one ticket, from opening to closing (ARCHITECTURE.md section 4).

Lifecycle: ``open`` -> ``resolved`` -> ``closed``; a resolved or closed complaint can be
reopened (back to ``open``, a new round with a new resolution deadline). Along the way:
linked calls and agents, assignment to a handler, investigation notes, customer updates,
escalations, a severity change, follow-up visits after the resolution, and deadline
breaches (``domain.complaints.deadlines``).

Major complaints (threat of media exposure or of the regulator, churn of a key customer)
must be escalated at once: until a major complaint is escalated it refuses every step
that moves it forward for the customer (a customer update, the resolution; follow-up and
closing come after the resolution anyway) with ``EscalationRequired``. Bookkeeping
(notes, links, assignment) stays allowed, since the investigation starts at once. We
chose refusal over escalating automatically on opening because an escalation names who
it went to and who sent it: a person has to do it, and the log should say who did.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.complaints.deadlines import DeadlinePolicy
from domain.errors import EscalationRequired, InvalidChoice, TransitionRefused
from domain.ids import NAMESPACE

__all__ = ["CHANNELS", "MAJOR_REASONS", "RESPONSIBILITIES", "SEVERITIES", "Complaint",
           "complaint_id", "new_reference"]

SEVERITIES = ("normal", "major")
MAJOR_REASONS = ("media-exposure", "regulator", "key-customer-churn")
CHANNELS = ("phone", "email", "web", "letter", "in-person", "regulator")
RESPONSIBILITIES = ("agent", "company", "partner", "customer", "none")


def complaint_id(reference: str) -> UUID:
    """One Complaint per ticket reference."""
    return uuid5(NAMESPACE, f"complaint:{reference}")


def new_reference(at: float, contact: str, matter: str) -> str:
    """A ticket reference when the caller brings none: ``C-`` and 10 hex digits."""
    return "C-" + uuid5(NAMESPACE, f"complaint-ref:{at!r}|{contact}|{matter}").hex[:10].upper()


def choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InvalidChoice(f"unknown {what} {value!r}: use one of {', '.join(allowed)}")
    return value


def required(value: str, what: str) -> str:
    if not value or not value.strip():
        raise InvalidChoice(f"{what} is required")
    return value.strip()


class Complaint(Aggregate):
    """A customer's complaint. Every command takes ``at`` (epoch seconds) and ``by``."""

    @staticmethod
    def create_id(reference: str, **kwargs: Any) -> UUID:
        return complaint_id(reference)

    @classmethod
    def open(cls, reference: str, at: float, by: str, *, channel: str, customer_name: str,
             customer_number: str, customer_contact: str, matter: str, category: str,
             severity: str, major_reason: str, policy: DeadlinePolicy) -> Complaint:
        choice(channel, CHANNELS, "channel")
        choice(severity, SEVERITIES, "severity")
        if severity == "major":
            choice(major_reason, MAJOR_REASONS, "major reason")
        elif major_reason:
            raise InvalidChoice("a major reason is given only for a major complaint")
        if not (customer_number or customer_contact):
            raise InvalidChoice("a customer number or another contact is required")
        return cls(reference=required(reference, "reference"), at=at, by=by, channel=channel,
                   customer_name=required(customer_name, "customer name"),
                   customer_number=customer_number, customer_contact=customer_contact,
                   matter=required(matter, "matter"), category=required(category, "category"),
                   severity=severity, major_reason=major_reason,
                   deadlines=policy.opening(severity, at))

    @event("Opened")
    def __init__(self, reference: str, at: float, by: str, channel: str, customer_name: str,
                 customer_number: str, customer_contact: str, matter: str, category: str,
                 severity: str, major_reason: str, deadlines: dict[str, float]) -> None:
        self.reference = reference
        self.opened_at = at
        self.opened_by = by
        self.channel = channel
        self.customer_name = customer_name
        self.customer_number = customer_number
        self.customer_contact = customer_contact
        self.matter = matter
        self.category = category
        self.severity = severity
        self.major_reason = major_reason
        self.status = "open"
        self.round = 1
        self.round_start = at
        self.handler: str | None = None
        self.calls: list[str] = []
        self.agents: list[str] = []
        self.escalated = False
        self.deadlines = dict(deadlines)
        self.met: dict[str, float] = {}
        self.breached: set[str] = set()
        self.resolution: dict[str, Any] | None = None
        self.follow_ups: list[dict[str, Any]] = []

    # -- invariants --------------------------------------------------------------------
    def check_not_closed(self, what: str) -> None:
        if self.status == "closed":
            raise TransitionRefused(f"complaint {self.reference} is closed: cannot {what} "
                                    "(reopen it first)")

    def check_escalated(self, what: str) -> None:
        if self.severity == "major" and not self.escalated:
            raise EscalationRequired(f"complaint {self.reference} is major and not "
                                     f"escalated yet: escalate it before you {what}")

    def check_open(self, what: str) -> None:
        self.check_not_closed(what)
        if self.status != "open":
            raise TransitionRefused(f"complaint {self.reference} is already {self.status}: "
                                    f"cannot {what} (reopen it first)")

    def check_resolved(self, what: str) -> None:
        self.check_not_closed(what)
        if self.status != "resolved":
            raise TransitionRefused(f"complaint {self.reference} is not resolved yet: "
                                    f"cannot {what} before the resolution")

    # -- links and bookkeeping -----------------------------------------------------------
    def link_call(self, at: float, by: str, call_id: str, linkedid: str) -> bool:
        self.check_not_closed("link a call")
        if call_id in self.calls:
            return False
        self._call_linked(at, by, call_id, linkedid)
        return True

    @event("CallLinked")
    def _call_linked(self, at: float, by: str, call_id: str, linkedid: str) -> None:
        self.calls.append(call_id)

    def link_agent(self, at: float, by: str, agent: str, agent_name: str) -> bool:
        """``agent``: the agent's extension (or interface); ``agent_name`` for people."""
        self.check_not_closed("link an agent")
        required(agent, "agent")
        if agent in self.agents:
            return False
        self._agent_linked(at, by, agent, agent_name)
        return True

    @event("AgentLinked")
    def _agent_linked(self, at: float, by: str, agent: str, agent_name: str) -> None:
        self.agents.append(agent)

    def assign(self, at: float, by: str, handler: str) -> None:
        self.check_not_closed("assign it")
        self._assigned(at, by, required(handler, "handler"))

    @event("Assigned")
    def _assigned(self, at: float, by: str, handler: str) -> None:
        self.handler = handler

    def add_note(self, at: float, by: str, text: str) -> None:
        self._note_added(at, by, required(text, "note"))

    @event("NoteAdded")
    def _note_added(self, at: float, by: str, text: str) -> None:
        pass

    def change_severity(self, at: float, by: str, severity: str, major_reason: str,
                        policy: DeadlinePolicy) -> None:
        """The deadlines not met yet are counted again from the opening (or reopening)."""
        self.check_open("change its severity")
        choice(severity, SEVERITIES, "severity")
        if severity == "major":
            choice(major_reason, MAJOR_REASONS, "major reason")
        if severity == self.severity:
            return
        due = policy.opening(severity, self.round_start)
        if self.round > 1:  # the first response belongs to the first round
            due.pop("first-response")
        self._severity_changed(at, by, severity, major_reason if severity == "major" else "",
                               {k: v for k, v in due.items() if k not in self.met})

    @event("SeverityChanged")
    def _severity_changed(self, at: float, by: str, severity: str, major_reason: str,
                          deadlines: dict[str, float]) -> None:
        self.severity, self.major_reason = severity, major_reason
        self.deadlines = {k: v for k, v in self.deadlines.items() if k in self.met}
        self.deadlines.update(deadlines)

    # -- progress ------------------------------------------------------------------------
    def escalate(self, at: float, by: str, to: str, reason: str) -> None:
        self.check_not_closed("escalate it")
        self._escalated(at, by, required(to, "escalated to"), reason)

    @event("Escalated")
    def _escalated(self, at: float, by: str, to: str, reason: str) -> None:
        self.escalated = True
        self.met.setdefault("escalation", at)

    def update_customer(self, at: float, by: str, how: str, message: str) -> None:
        self.check_not_closed("update the customer")
        self.check_escalated("update the customer")
        self._customer_updated(at, by, choice(how, CHANNELS, "channel"),
                               required(message, "message"))

    @event("CustomerUpdated")
    def _customer_updated(self, at: float, by: str, how: str, message: str) -> None:
        self.met.setdefault("first-response", at)

    def resolve(self, at: float, by: str, resolution: str, responsibility: str,
                penalty_note: str = "") -> None:
        self.check_open("resolve it")
        self.check_escalated("resolve it")
        self._resolved(at, by, required(resolution, "resolution"),
                       choice(responsibility, RESPONSIBILITIES, "responsibility"), penalty_note)

    @event("Resolved")
    def _resolved(self, at: float, by: str, resolution: str, responsibility: str,
                  penalty_note: str) -> None:
        self.status = "resolved"
        self.resolution = {"at": at, "by": by, "resolution": resolution,
                           "responsibility": responsibility, "penalty_note": penalty_note}
        self.met.setdefault("first-response", at)
        self.met["resolution"] = at

    def follow_up(self, at: float, by: str, satisfied: bool, note: str = "") -> None:
        self.check_resolved("record a follow-up visit")
        self._followed_up(at, by, satisfied, note)

    @event("FollowedUp")
    def _followed_up(self, at: float, by: str, satisfied: bool, note: str) -> None:
        self.follow_ups.append({"at": at, "by": by, "satisfied": satisfied, "note": note})

    def close(self, at: float, by: str, note: str = "") -> None:
        self.check_resolved("close it")
        if self.follow_ups and not self.follow_ups[-1]["satisfied"]:
            raise TransitionRefused(f"complaint {self.reference}: the customer was not "
                                    "satisfied at the last follow-up; reopen it or follow "
                                    "up again before closing")
        self._closed(at, by, note)

    @event("Closed")
    def _closed(self, at: float, by: str, note: str) -> None:
        self.status = "closed"

    def reopen(self, at: float, by: str, reason: str, policy: DeadlinePolicy) -> None:
        if self.status == "open":
            raise TransitionRefused(f"complaint {self.reference} is open: nothing to reopen")
        self._reopened(at, by, required(reason, "reason"),
                       policy.reopening(self.severity, at))

    @event("Reopened")
    def _reopened(self, at: float, by: str, reason: str, deadlines: dict[str, float]) -> None:
        self.status = "open"
        self.round += 1
        self.round_start = at
        self.resolution = None
        self.follow_ups = []
        self.met = {k: v for k, v in self.met.items() if k != "resolution"}
        self.deadlines = {k: v for k, v in self.deadlines.items() if k != "resolution"}
        self.deadlines.update(deadlines)

    # -- deadlines -----------------------------------------------------------------------
    def breaches_due(self, now: float) -> list[tuple[str, float]]:
        """Deadlines whose instant has come by ``now`` unmet, or that were met late, and
        are not recorded as breached yet (a deadline is its kind and due instant)."""
        due: list[tuple[str, float]] = []
        for kind, due_at in sorted(self.deadlines.items(), key=lambda kv: (kv[1], kv[0])):
            if f"{kind}@{due_at!r}" in self.breached or now < due_at:
                continue
            met = self.met.get(kind)
            if met is None or met >= due_at:
                due.append((kind, due_at))
        return due

    def record_breaches(self, now: float) -> list[tuple[str, float]]:
        found = self.breaches_due(now)
        for kind, due_at in found:
            self._deadline_breached(due_at, kind, due_at, now, self.round)
        return found

    @event("DeadlineBreached")
    def _deadline_breached(self, at: float, kind: str, due_at: float, detected_at: float,
                           round: int) -> None:
        self.breached.add(f"{kind}@{due_at!r}")
