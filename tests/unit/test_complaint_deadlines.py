"""Complaint deadlines: breaches appear exactly when due under an injected clock, once,
and not for deadlines met in time (acceptance 3 of issue 6)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.store.application import open_app, read_events
from api.complaints.service import ComplaintService
from domain.complaints.complaint import Complaint
from domain.complaints.deadlines import DeadlinePolicy, check_deadlines

T0 = 1_795_420_000.0
POLICY = DeadlinePolicy(first_response_s={"normal": 3600, "major": 600},
                        resolution_s={"normal": 7200, "major": 1800}, escalation_s=120)


class Clock:
    """An injected clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def opened(severity: str = "normal") -> Complaint:
    return Complaint.open("C-1", T0, "hana", channel="email", customer_name="Ana",
                          customer_number="", customer_contact="ana@example.org",
                          matter="misquoted fee", category="fee-misinformation",
                          severity=severity, major_reason="regulator" if severity == "major"
                          else "", policy=POLICY)


def test_the_deadlines_of_each_severity_come_from_the_policy() -> None:
    assert opened().deadlines == {"first-response": T0 + 3600, "resolution": T0 + 7200}
    assert opened("major").deadlines == {"first-response": T0 + 600,
                                         "resolution": T0 + 1800, "escalation": T0 + 120}


def test_a_breach_appears_exactly_when_due_and_only_once() -> None:
    complaint = opened()
    assert check_deadlines([complaint], T0 + 3600 - 0.001) == []
    breaches = check_deadlines([complaint], T0 + 3600)
    assert [(b.kind, b.due_at, b.detected_at) for b in breaches] == [
        ("first-response", T0 + 3600, T0 + 3600)]
    assert check_deadlines([complaint], T0 + 3601) == []
    last = complaint.collect_events()[-1]
    assert type(last).__qualname__ == "Complaint.DeadlineBreached"
    assert (last.at, last.kind, last.round) == (T0 + 3600, "first-response", 1)  # type: ignore[attr-defined]


def test_deadlines_met_in_time_leave_no_breach_and_late_ones_are_breaches_at_the_due_time(
) -> None:
    in_time = opened()
    in_time.update_customer(T0 + 3599, "hana", "email", "we are on it")
    in_time.resolve(T0 + 7000, "hana", "refunded", "company")
    assert check_deadlines([in_time], T0 + 100_000) == []
    late = opened()
    late.update_customer(T0 + 4000, "hana", "email", "sorry for the wait")
    late.resolve(T0 + 5000, "hana", "refunded", "company")
    breaches = check_deadlines([late], T0 + 5000)
    assert [(b.kind, b.due_at) for b in breaches] == [("first-response", T0 + 3600)]


def test_a_major_complaint_not_escalated_in_time_breaches_its_escalation_deadline() -> None:
    complaint = opened("major")
    assert check_deadlines([complaint], T0 + 119) == []
    assert [b.kind for b in check_deadlines([complaint], T0 + 120)] == ["escalation"]
    assert [b.kind for b in check_deadlines([complaint], T0 + 1800)] == [
        "first-response", "resolution"]


def test_a_reopened_complaint_can_breach_its_new_resolution_deadline() -> None:
    complaint = opened()
    complaint.resolve(T0 + 60, "hana", "refunded", "company")
    complaint.reopen(T0 + 1000, "hana", "charged again", POLICY)
    assert check_deadlines([complaint], T0 + 1000 + 7200 - 1) == []
    breaches = check_deadlines([complaint], T0 + 1000 + 7200)
    assert [(b.kind, b.due_at) for b in breaches] == [("resolution", T0 + 8200)]


@pytest.fixture
def service(store_url: str) -> Any:
    app = open_app(store_url)
    yield app, Clock(T0)
    app.close()


def test_the_checker_service_records_breaches_in_the_log_exactly_when_due(
    service: Any,
) -> None:
    app, clock = service
    complaints = ComplaintService(app, clock, POLICY)
    complaints.open("hana", reference="C-7", channel="phone", customer_name="Ana",
                    customer_number="2025553288", matter="rude agent", category="rudeness")
    closed = complaints.open("hana", reference="C-8", channel="phone", customer_name="Bo",
                             customer_number="3055552211", matter="x", category="rudeness")
    clock.now = T0 + 10
    complaints.change(closed.reference, lambda c, at: c.resolve(at, "hana", "ok", "none"))
    complaints.change(closed.reference, lambda c, at: c.close(at, "hana"))
    clock.now = T0 + 3600 - 0.5
    assert complaints.check_deadlines() == []
    clock.now = T0 + 3600
    assert [(b.reference, b.kind) for b in complaints.check_deadlines()] == [
        ("C-7", "first-response")]
    clock.now = T0 + 7200
    assert [(b.reference, b.kind) for b in complaints.check_deadlines()] == [
        ("C-7", "resolution")]
    assert complaints.check_deadlines() == []
    stored = [(e.at, e.kind, e.detected_at) for e in read_events(
        app, ("domain.complaints.complaint:Complaint.DeadlineBreached",))]
    assert stored == [(T0 + 3600, "first-response", T0 + 3600),
                      (T0 + 7200, "resolution", T0 + 7200)]
    assert complaints.open_references() == ["C-7"]
