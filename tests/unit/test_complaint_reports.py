"""Complaint reports: received, resolved, resolution rate and breaches, in total, per agent
and per category; the open complaints' numbers for the monitoring board."""

from __future__ import annotations

from domain.complaints.complaint import Complaint
from domain.complaints.deadlines import DeadlinePolicy, check_deadlines
from domain.outbound.wrapup import Wrapup
from projections.complaints.timeline import ComplaintsFold

DAY = 86_400.0
T0 = 1_795_392_000.0  # 2026-11-23 00:00 UTC
POLICY = DeadlinePolicy()


def complaint(ref: str, at: float, category: str, agent: str, number: str) -> Complaint:
    c = Complaint.open(ref, at, "hana", channel="phone", customer_name="X",
                       customer_number=number, customer_contact="", matter="m",
                       category=category, severity="normal", major_reason="", policy=POLICY)
    c.link_agent(at, "hana", agent, "")
    return c


def test_the_report_counts_received_resolved_the_rate_and_breaches_by_agent_and_category(
) -> None:
    fold = ComplaintsFold()
    a = complaint("C-1", T0 + 100, "rudeness", "1002", "111")
    b = complaint("C-2", T0 + 200, "rudeness", "1002", "222")
    c = complaint("C-3", T0 + 300, "fee-misinformation", "1001", "333")
    early = complaint("C-0", T0 - DAY, "rudeness", "1002", "444")  # the day before
    a.update_customer(T0 + 500, "hana", "phone", "on it")
    a.resolve(T0 + 600, "hana", "apology", "agent")
    a.close(T0 + 700, "hana")
    early.resolve(T0 + 800, "hana", "refund", "company")  # resolved in the period
    check_deadlines([b, c], T0 + 300 + POLICY.first_response_s["normal"])
    for aggregate in (early, a, b, c):
        for event in aggregate.collect_events():
            fold.apply(event)
    report = fold.report(T0, T0 + 2 * DAY)
    assert report["totals"] == {"received": 3, "resolved": 2, "resolution_rate": 33.33,
                                "breaches": 2, "breaches_by_kind": {"first-response": 2},
                                "upheld_against_agent": 1}
    assert report["by_agent"]["1002"] == {
        "received": 2, "resolved": 2, "resolution_rate": 50.0, "breaches": 1,
        "breaches_by_kind": {"first-response": 1}, "upheld_against_agent": 1}
    assert report["by_category"]["fee-misinformation"]["received"] == 1
    assert report["by_category"]["fee-misinformation"]["resolution_rate"] == 0.0
    assert fold.open_numbers() == {"222", "333", "444"}  # C-1 is closed


def test_calls_agents_flag_as_complaints_are_listed_until_the_code_changes() -> None:
    fold = ComplaintsFold()
    wrapup = Wrapup("call-1", "1795426489.346", T0)
    wrapup.set_disposition(T0 + 1, "bob", "1002", "complaint", "angry", "2025553288", T0)
    for event in wrapup.collect_events():
        fold.apply(event)
    assert [f["linkedid"] for f in fold.view(T0 + 2)["flagged_calls"]] == ["1795426489.346"]
    wrapup.set_disposition(T0 + 3, "bob", "1002", "not-interested", "", "2025553288", T0)
    for event in wrapup.collect_events():
        fold.apply(event)
    assert fold.view(T0 + 4)["flagged_calls"] == []
