"""The union of time intervals (domain.intervals), the rule behind logged-in, paused,
staffed and attendance time."""

from __future__ import annotations

from domain.intervals import covered, union


def test_overlapping_spans_merge_into_one() -> None:
    assert union([(5, 9), (1, 6)]) == [(1, 9)]


def test_touching_spans_merge_and_separate_spans_stay_apart() -> None:
    assert union([(1, 2), (2, 3), (7, 8)]) == [(1, 3), (7, 8)]


def test_a_span_inside_another_adds_nothing() -> None:
    assert union([(1, 10), (3, 4)]) == [(1, 10)]
    assert covered([(1, 10), (3, 4)]) == 9


def test_covered_time_counts_overlaps_once() -> None:
    assert covered([(0, 60), (30, 90), (120, 150)]) == 120


def test_covered_time_counts_only_what_falls_inside_the_window() -> None:
    assert covered([(0, 60), (100, 200)], since=30, until=150) == 30 + 50


def test_spans_wholly_outside_the_window_count_nothing() -> None:
    assert covered([(0, 10)], since=20, until=30) == 0
    assert covered([]) == 0


def test_fractional_times_stay_fractional() -> None:
    assert covered([(0.5, 1.75), (1.5, 2.0)]) == 1.5
