"""Attendance: first login per shift, lateness tiers, half-day absences and forgiven lates
(ARCHITECTURE.md section 5.8 defaults: shifts 09:00-12:00 and 13:30-17:30; 1-30 min late tier 1,
31-60 tier 2, over 60 half a day absent; up to 3 lates under 5 minutes a month forgiven)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from domain.telephony.agent import Agent
from projections.workforce.attendance import AttendanceFold, AttendancePolicy, judge_shift

POLICY = AttendancePolicy()


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


START, END = at("2026-11-23T09:00:00"), at("2026-11-23T12:00:00")


@pytest.mark.parametrize(("login", "status", "late_min", "tier"), [
    ("2026-11-23T08:55:00", "on-time", 0, None),  # logged in before, still in at 09:00
    ("2026-11-23T09:00:59", "on-time", 0, None),  # under a minute
    ("2026-11-23T09:01:00", "late", 1, 1),
    ("2026-11-23T09:30:59", "late", 30, 1),
    ("2026-11-23T09:31:00", "late", 31, 2),
    ("2026-11-23T10:00:59", "late", 60, 2),
    ("2026-11-23T10:01:00", "half-day-absent", 61, None),
])
def test_the_first_login_of_a_shift_is_on_time_late_by_tier_or_a_half_day_absence(
    login: str, status: str, late_min: int, tier: int | None
) -> None:
    shift = judge_shift(START, END, [(at(login), at("2026-11-23T12:30:00"))],
                        at("2026-11-23T18:00:00"), POLICY)
    assert (shift["status"], shift["late_min"], shift["tier"]) == (status, late_min, tier)
    assert shift["first_login"] == at(login)


def test_a_shift_without_login_is_pending_then_absent_and_upcoming_before_it_starts() -> None:
    before = [(at("2026-11-23T07:00:00"), at("2026-11-23T08:00:00"))]  # logged out again
    assert judge_shift(START, END, before, at("2026-11-23T08:30:00"), POLICY)["status"] == \
        "upcoming"
    assert judge_shift(START, END, before, at("2026-11-23T11:00:00"), POLICY)["status"] == \
        "pending"
    assert judge_shift(START, END, before, at("2026-11-23T12:00:00"), POLICY)["status"] == \
        "absent"


class Floor:
    """Agents logging in and out, fed to the fold as events."""

    def __init__(self, fold: AttendanceFold) -> None:
        self.fold = fold
        self.agents: dict[str, Agent] = {}

    def login(self, ext: str, when: str, queue: str = "sales") -> None:
        agent = self.agents.get(ext) or Agent(f"Local/{ext}@agents/n", f"Agent {ext}",
                                              at(when))
        self.agents[ext] = agent
        agent.log_in(at(when), queue, f"Agent {ext}", 0, False, "")
        self._feed(agent)

    def logout(self, ext: str, when: str, queue: str = "sales") -> None:
        self.agents[ext].log_out(at(when), queue)
        self._feed(self.agents[ext])

    def _feed(self, agent: Agent) -> None:
        for event in agent.collect_events():
            self.fold.apply(event)


def test_up_to_three_lates_under_five_minutes_a_month_are_forgiven() -> None:
    fold = AttendanceFold()
    floor = Floor(fold)
    for day in ("02", "03", "04", "05"):
        floor.login("1001", f"2026-11-{day}T09:04:00")
        floor.logout("1001", f"2026-11-{day}T17:45:00")
    floor.login("1001", "2026-12-01T09:02:00")  # a new month: forgiven again
    report = fold.report(at("2026-12-01T18:00:00"), "2026-11-01", "2026-12-31")
    [alice] = report["agents"]
    statuses = [d["shifts"][0]["status"] for d in alice["days"]]
    assert statuses == ["forgiven", "forgiven", "forgiven", "late", "forgiven"]
    assert [d["shifts"][1]["status"] for d in alice["days"][:4]] == ["on-time"] * 4
    assert alice["months"]["2026-11"] == {
        "days": 4, "late_tier1": 1, "late_tier2": 0, "late_minutes": 4, "forgiven": 3,
        "half_days_absent": 0, "absent_shifts": 0, "absence_days": 0.0}


def test_back_from_lunch_late_is_judged_on_the_afternoon_shift_and_absences_add_up() -> None:
    fold = AttendanceFold()
    floor = Floor(fold)
    floor.login("1002", "2026-11-23T08:58:00", "sales")
    floor.login("1002", "2026-11-23T08:59:00", "support")  # presence is any queue
    floor.logout("1002", "2026-11-23T12:00:00", "sales")
    floor.logout("1002", "2026-11-23T12:01:00", "support")
    floor.login("1002", "2026-11-23T14:45:00")  # 75 minutes after 13:30
    floor.logout("1002", "2026-11-23T17:30:00")
    floor.login("1002", "2026-11-24T13:20:00")  # no morning at all on the 24th
    [bob] = fold.report(at("2026-11-24T18:00:00"), "2026-11-23", "2026-11-24")["agents"]
    assert [[s["status"] for s in d["shifts"]] for d in bob["days"]] == [
        ["on-time", "half-day-absent"], ["absent", "on-time"]]
    assert bob["days"][0]["shifts"][0]["first_login"] == at("2026-11-23T08:58:00")
    assert bob["months"]["2026-11"]["absence_days"] == 1.0


def test_shifts_and_time_zone_are_configuration() -> None:
    policy = AttendancePolicy(timezone="Asia/Shanghai", shifts=((time(8, 0), time(20, 0)),))
    fold = AttendanceFold(policy)
    Floor(fold).login("1003", "2026-11-23T00:10:00")  # 08:10 in Shanghai
    [carol] = fold.report(at("2026-11-23T13:00:00"))["agents"]
    [shift] = carol["days"][0]["shifts"]
    assert (shift["shift"], shift["status"], shift["late_min"], shift["tier"]) == (
        "08:00-20:00", "late", 10, 1)
