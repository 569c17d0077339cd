"""The Complaint aggregate: its lifecycle, the steps it refuses with clear errors, and the
major-complaint escalation rule (acceptance 3 of issue 6)."""

from __future__ import annotations

import pytest

from domain.complaints.complaint import Complaint, complaint_id
from domain.complaints.deadlines import DeadlinePolicy
from domain.errors import EscalationRequired, InvalidChoice, TransitionRefused

POLICY = DeadlinePolicy()
T0 = 1_795_420_000.0


def opened(severity: str = "normal", reason: str = "") -> Complaint:
    return Complaint.open("C-1", T0, "hana", channel="phone", customer_name="Ana Gonzalez",
                          customer_number="2025553288", customer_contact="", matter="An "
                          "add-on was activated without consent", category="forced-activation",
                          severity=severity, major_reason=reason, policy=POLICY)


def kinds(complaint: Complaint) -> list[str]:
    return [type(e).__qualname__.split(".")[1] for e in complaint.collect_events()]


def test_a_complaint_goes_from_opened_to_closed_with_every_step_recorded() -> None:
    complaint = opened()
    complaint.link_call(T0 + 1, "hana", "call-1", "1795426489.346")
    complaint.link_agent(T0 + 1, "hana", "1002", "Bob Keller")
    complaint.assign(T0 + 2, "lead", "hana")
    complaint.add_note(T0 + 3, "hana", "listened to the recording")
    complaint.update_customer(T0 + 4, "hana", "phone", "we are looking into it")
    complaint.escalate(T0 + 5, "hana", "center manager", "second complaint this month")
    complaint.resolve(T0 + 6, "hana", "add-on removed, fee refunded", "agent", "coaching")
    complaint.follow_up(T0 + 7, "hana", satisfied=True, note="happy with the refund")
    complaint.close(T0 + 8, "hana")
    assert complaint.status == "closed" and complaint.id == complaint_id("C-1")
    assert complaint.resolution is not None
    assert complaint.resolution["responsibility"] == "agent"
    assert kinds(complaint) == ["Opened", "CallLinked", "AgentLinked", "Assigned",
                                "NoteAdded", "CustomerUpdated", "Escalated", "Resolved",
                                "FollowedUp", "Closed"]


def test_resolving_a_closed_complaint_is_refused_with_a_clear_error() -> None:
    complaint = opened()
    complaint.resolve(T0 + 1, "hana", "refunded", "company")
    complaint.close(T0 + 2, "hana")
    with pytest.raises(TransitionRefused, match=r"C-1 is closed: cannot resolve it \(reopen"):
        complaint.resolve(T0 + 3, "hana", "again", "company")


def test_a_follow_up_visit_before_the_resolution_is_refused() -> None:
    with pytest.raises(TransitionRefused, match="not resolved yet: cannot record a "
                       "follow-up visit before the resolution"):
        opened().follow_up(T0 + 1, "hana", satisfied=True)


def test_other_steps_that_make_no_sense_are_refused() -> None:
    complaint = opened()
    with pytest.raises(TransitionRefused, match="not resolved yet: cannot close it"):
        complaint.close(T0 + 1, "hana")
    with pytest.raises(TransitionRefused, match="is open: nothing to reopen"):
        complaint.reopen(T0 + 1, "hana", "why not", POLICY)
    complaint.resolve(T0 + 2, "hana", "refunded", "company")
    with pytest.raises(TransitionRefused, match="already resolved: cannot resolve it"):
        complaint.resolve(T0 + 3, "hana", "again", "company")
    complaint.follow_up(T0 + 4, "hana", satisfied=False, note="still charged")
    with pytest.raises(TransitionRefused, match="not satisfied at the last follow-up"):
        complaint.close(T0 + 5, "hana")
    complaint.follow_up(T0 + 6, "hana", satisfied=True)
    complaint.close(T0 + 7, "hana")
    for step in (lambda: complaint.update_customer(T0 + 8, "hana", "phone", "hi"),
                 lambda: complaint.link_call(T0 + 8, "hana", "call-2", "x"),
                 lambda: complaint.follow_up(T0 + 8, "hana", satisfied=True),
                 lambda: complaint.close(T0 + 8, "hana")):
        with pytest.raises(TransitionRefused, match="is closed"):
            step()


def test_a_major_complaint_refuses_progress_until_it_is_escalated() -> None:
    complaint = opened("major", "media-exposure")
    complaint.add_note(T0 + 1, "hana", "customer mentions a journalist")  # bookkeeping: ok
    complaint.assign(T0 + 1, "lead", "hana")
    with pytest.raises(EscalationRequired, match="major and not escalated yet: escalate it "
                       "before you update the customer"):
        complaint.update_customer(T0 + 2, "hana", "phone", "we call you back")
    with pytest.raises(EscalationRequired, match="before you resolve it"):
        complaint.resolve(T0 + 2, "hana", "refunded", "company")
    complaint.escalate(T0 + 3, "hana", "head of customer care", "media threat")
    complaint.update_customer(T0 + 4, "hana", "phone", "the head of care will call")
    complaint.resolve(T0 + 5, "hana", "refunded", "company")
    assert complaint.status == "resolved"


def test_raising_the_severity_to_major_requires_an_escalation_again() -> None:
    complaint = opened()
    complaint.change_severity(T0 + 60, "hana", "major", "regulator", POLICY)
    assert complaint.deadlines["escalation"] == T0 + POLICY.escalation_s
    assert complaint.deadlines["first-response"] == T0 + POLICY.first_response_s["major"]
    with pytest.raises(EscalationRequired):
        complaint.resolve(T0 + 61, "hana", "refunded", "company")


def test_reopening_starts_a_new_round_with_a_new_resolution_deadline() -> None:
    complaint = opened()
    complaint.resolve(T0 + 10, "hana", "refunded", "company")
    complaint.close(T0 + 20, "hana")
    complaint.reopen(T0 + 100, "hana", "charged again", POLICY)
    assert (complaint.status, complaint.round) == ("open", 2)
    assert complaint.resolution is None and complaint.follow_ups == []
    assert complaint.deadlines["resolution"] == T0 + 100 + POLICY.resolution_s["normal"]
    complaint.resolve(T0 + 200, "hana", "refunded again and blocked", "company")
    assert complaint.status == "resolved"


@pytest.mark.parametrize(("change", "message"), [
    ({"severity": "urgent"}, "unknown severity 'urgent': use one of normal, major"),
    ({"channel": "fax"}, "unknown channel 'fax'"),
    ({"severity": "major"}, "unknown major reason ''"),
    ({"major_reason": "regulator"}, "a major reason is given only for a major complaint"),
    ({"customer_name": " "}, "customer name is required"),
    ({"customer_number": ""}, "a customer number or another contact is required"),
])
def test_opening_with_values_outside_their_lists_is_refused(
    change: dict[str, str], message: str
) -> None:
    fields = {"channel": "phone", "customer_name": "Ana", "customer_number": "1",
              "customer_contact": "", "matter": "m", "category": "rudeness",
              "severity": "normal", "major_reason": "", **change}
    with pytest.raises(InvalidChoice, match=message):
        Complaint.open("C-2", T0, "hana", policy=POLICY, **fields)


def test_an_unknown_responsibility_is_refused() -> None:
    with pytest.raises(InvalidChoice, match="unknown responsibility 'fate'"):
        opened().resolve(T0 + 1, "hana", "refunded", "fate")
