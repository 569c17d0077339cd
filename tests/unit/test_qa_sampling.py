"""Sampling policies and the draw: quotas and minimums per agent, scope filters, duration
bounds, targeted rules, periods, and a draw that anyone can repeat from its record."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.errors import InvalidPolicy
from domain.qa.policy import PolicyRules, SamplingPolicy
from domain.qa.sample import Sample
from domain.qa.sampling import Candidate, Choice, draw, period_bounds


def calls(agent: str, n: int, **facts: Any) -> list[Candidate]:
    defaults: dict[str, Any] = {"queue": "sales", "direction": "inbound", "duration_s": 60.0}
    return [Candidate(f"{agent}-{i:03d}", agent, started_at=1000.0 + i,
                      **{**defaults, **facts}) for i in range(n)]


def rules(**given: Any) -> PolicyRules:
    return PolicyRules.from_dict({"per_agent": 2, **given} if "percent" not in given
                                 else given)


def per_agent(chosen: list[Choice]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for choice in chosen:
        counts[choice.agent] = counts.get(choice.agent, 0) + 1
    return counts


def ids(chosen: list[Choice]) -> set[str]:
    return {c.call_id for c in chosen}


def test_the_same_seed_and_population_draw_the_same_calls_in_any_input_order() -> None:
    population = calls("1001", 30) + calls("1002", 30)
    first = draw(rules(per_agent=5), 42, population)
    assert draw(rules(per_agent=5), 42, list(reversed(population))) == first
    others = {tuple(c.call_id for c in draw(rules(per_agent=5), seed, population))
              for seed in range(10)}
    assert len(others) > 1  # the seed matters


def test_each_agent_gets_the_per_agent_quota() -> None:
    chosen = draw(rules(per_agent=3), 1, calls("1001", 10) + calls("1002", 7))
    assert per_agent(chosen) == {"1001": 3, "1002": 3}
    assert all(c.reason == "random" for c in chosen)


def test_an_agent_with_fewer_eligible_calls_than_the_quota_gets_all_of_them() -> None:
    population = calls("1001", 10) + calls("1002", 2)
    chosen = draw(rules(per_agent=5), 1, population)
    assert per_agent(chosen) == {"1001": 5, "1002": 2}
    assert {"1002-000", "1002-001"} <= ids(chosen)


def test_a_percent_quota_rounds_up_and_honours_the_minimum() -> None:
    population = calls("1001", 40) + calls("1002", 9) + calls("1003", 1)
    chosen = draw(rules(percent=10, minimum=2), 7, population)
    # 10% of 40 = 4; 10% of 9 = 0.9 -> 1, raised to the minimum 2; 1 call -> all of it
    assert per_agent(chosen) == {"1001": 4, "1002": 2, "1003": 1}


@pytest.mark.parametrize(("rule", "kept", "left_out"), [
    ({"queues": ["sales"]}, {"queue": "sales"}, {"queue": "support"}),
    ({"directions": ["outbound"]}, {"direction": "outbound"}, {"direction": "inbound"}),
    ({"dispositions": ["sale"]}, {"disposition": "sale"}, {"disposition": None}),
    ({"answered_only": True}, {"answered": True}, {"answered": False}),
    ({"has_recording": True}, {"has_recording": True}, {"has_recording": False}),
    ({"not_yet_evaluated": True}, {"evaluated": False}, {"evaluated": True}),
])
def test_a_scope_filter_keeps_only_the_calls_it_names(
    rule: dict[str, Any], kept: dict[str, Any], left_out: dict[str, Any]
) -> None:
    population = [replace(c, call_id=f"in-{c.call_id}", **kept) for c in calls("1001", 3)] + [
        replace(c, call_id=f"out-{c.call_id}", **left_out) for c in calls("1001", 3)]
    chosen = draw(rules(per_agent=10, **rule), 3, population)
    assert ids(chosen) == {f"in-1001-00{i}" for i in range(3)}


def test_calls_still_going_or_without_an_agent_are_never_drawn() -> None:
    population = calls("1001", 2, duration_s=None) + calls("", 2) + calls("1002", 1)
    assert ids(draw(rules(per_agent=10), 3, population)) == {"1002-000"}


def test_duration_bounds_limit_the_random_part_only() -> None:
    population = (calls("1001", 3, duration_s=20.0) + [
        replace(c, call_id=f"long-{c.call_id}") for c in calls("1001", 3, duration_s=400.0)]
        + [replace(c, call_id=f"ok-{c.call_id}") for c in calls("1001", 3, duration_s=90.0)])
    chosen = draw(rules(per_agent=10, min_duration_s=30, max_duration_s=300), 3, population)
    assert ids(chosen) == {f"ok-1001-00{i}" for i in range(3)}
    targeted = draw(rules(per_agent=10, min_duration_s=30, max_duration_s=300,
                          short_under_s=25), 3, population)
    assert {c.call_id for c in targeted if c.reason == "short"} == {
        f"1001-00{i}" for i in range(3)}


def test_very_short_calls_are_all_taken_on_top_of_the_quota() -> None:
    population = calls("1001", 4, duration_s=3.0) + [
        replace(c, call_id=f"x-{c.call_id}") for c in calls("1001", 10)]
    chosen = draw(rules(per_agent=2, short_under_s=5), 9, population)
    assert sorted(c.call_id for c in chosen if c.reason == "short") == [
        f"1001-00{i}" for i in range(4)]
    assert len([c for c in chosen if c.reason == "random"]) == 2


def test_calls_over_a_duration_are_all_taken_on_top_of_the_quota() -> None:
    population = calls("1001", 2, duration_s=900.0) + [
        replace(c, call_id=f"x-{c.call_id}") for c in calls("1001", 10)]
    chosen = draw(rules(per_agent=1, long_over_s=600), 9, population)
    assert {c.call_id for c in chosen if c.reason == "long"} == {"1001-000", "1001-001"}
    assert len(chosen) == 3


def test_calls_of_customers_who_later_complained_are_all_taken() -> None:
    population = [replace(c, number=f"555{i}") for i, c in enumerate(calls("1001", 10))]
    chosen = draw(rules(per_agent=1, complained=True), 9, population, ["5553", "5557", "999"])
    assert {c.call_id for c in chosen if c.reason == "complained"} == {"1001-003", "1001-007"}
    assert len(chosen) == 3
    without_rule = draw(rules(per_agent=1), 9, population, ["5553", "5557"])
    assert all(c.reason == "random" for c in without_rule) and len(without_rule) == 1


@pytest.mark.parametrize(("given", "problem"), [
    ({}, "exactly one quota"),
    ({"per_agent": 2, "percent": 10}, "exactly one quota"),
    ({"per_agent": 0}, "per_agent must be"),
    ({"percent": 0}, "percent must be"),
    ({"percent": 10, "minimum": -1}, "minimum must be"),
    ({"per_agent": 2, "minimum": 1}, "minimum goes with percent"),
    ({"per_agent": 2, "period": "year"}, "period must be"),
    ({"per_agent": 2, "directions": ["sideways"]}, "directions must be"),
    ({"per_agent": 2, "min_duration_s": 60, "max_duration_s": 30}, "more than"),
    ({"per_agent": 2, "colour": "red"}, "unknown rule"),
])
def test_rules_that_make_no_sense_are_refused_naming_the_problem(
    given: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidPolicy, match=problem):
        PolicyRules.from_dict(given)


def test_a_policy_revision_is_a_new_version_and_the_old_rules_stay() -> None:
    policy = SamplingPolicy.define("weekly", {"per_agent": 2}, 1.0, "lead")
    assert policy.revise({"per_agent": 2}, 2.0, "lead") == 1  # unchanged: no new version
    assert policy.revise({"per_agent": 4}, 3.0, "lead") == 2
    assert policy.rules(1).per_agent == 2 and policy.rules().per_agent == 4
    kinds = [type(e).__name__ for e in policy.collect_events()]
    assert kinds == ["Defined", "Revised"]


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("kind", "text", "start", "end", "label"), [
    ("day", "2026-11-23", "2026-11-23", "2026-11-24", "2026-11-23"),
    ("week", "2026-11-25", "2026-11-23", "2026-11-30", "2026-W48"),
    ("week", "2026-W48", "2026-11-23", "2026-11-30", "2026-W48"),
    ("month", "2026-12-09", "2026-12-01", "2027-01-01", "2026-12"),
    ("month", "2026-02", "2026-02-01", "2026-03-01", "2026-02"),
])
def test_a_period_runs_from_local_midnight_to_the_next_period(
    kind: str, text: str, start: str, end: str, label: str
) -> None:
    assert period_bounds(kind, text, "UTC") == (utc(start), utc(end), label)


def test_a_period_starts_at_midnight_in_the_centers_time_zone() -> None:
    start, end, _ = period_bounds("day", "2026-11-23", "Asia/Shanghai")
    assert (start, end) == (utc("2026-11-22T16:00"), utc("2026-11-23T16:00"))
    with pytest.raises(InvalidPolicy, match="bad period"):
        period_bounds("day", "23/11/2026", "UTC")


def test_a_sample_records_everything_needed_to_draw_it_again() -> None:
    population = calls("1001", 12) + calls("1002", 5, duration_s=2.0) + calls("1003", 8)
    policy_rules = rules(percent=25, minimum=1, short_under_s=3)
    period = {"kind": "week", "label": "2026-W48", "start": 0.0, "end": 1.0}
    sample = Sample.draw("weekly", 3, policy_rules, 2024, period, population, ["x"], 5.0,
                         "lead")
    event = sample.collect_events()[0]
    assert type(event).__name__ == "Drawn"
    again = draw(PolicyRules.from_dict(event.rules), event.seed,  # type: ignore[attr-defined]
                 [Candidate.from_dict(c) for c in event.population],  # type: ignore[attr-defined]
                 event.complained)  # type: ignore[attr-defined]
    assert [c.as_dict() for c in again] == event.chosen  # type: ignore[attr-defined]
    assert sample.rederive() == sample.chosen
    twin = Sample.draw("weekly", 3, policy_rules, 2024, period, list(reversed(population)),
                       ["x"], 6.0, "other")
    assert twin.id == sample.id  # the same draw is the same sample
