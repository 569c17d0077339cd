"""Durations come from the fractional event times, rounded once when shown (issue 13,
finding 8): a pause from 229.816 to 263.005 lasted 33.19 s, which queue_log writes as 33;
the difference of the floored times said 34."""

from __future__ import annotations

from domain.telephony.call import Call
from projections.floor.queue_stats import StatsProjection
from tests.support.scene import Scene

T = 1795392000.0  # 2026-11-23 00:00 UTC


def agent_figures(stats: StatsProjection, until: float) -> dict[str, object]:
    figures: dict[str, object] = stats.figures(until=until)["agents"]["Alice Martin"]
    return figures


def test_a_pause_of_33_19_seconds_counts_33_seconds_not_34() -> None:
    stats = StatsProjection()
    scene = Scene(stats)
    scene.agent("1001", "Alice Martin", T + 100.0, "sales")
    scene.pause("1001", T + 229.816, "sales", "lunch")
    scene.unpause("1001", T + 263.005, "sales")
    alice = agent_figures(stats, T + 400.0)
    assert alice["paused_s_by_reason"] == {"lunch": 33}
    assert alice["paused_s_total"] == 33
    assert alice["pauses_by_reason"] == {"lunch": 1}


def test_a_login_is_rounded_once_over_its_fractional_span() -> None:
    stats = StatsProjection()
    scene = Scene(stats)
    alice = scene.agent("1001", "Alice Martin", T + 100.9, "sales")
    alice.log_out(T + 200.1, "sales")
    scene.feed(alice)
    assert agent_figures(stats, T + 400.0)["logged_in_s_by_queue"] == {"sales": 99}


def test_the_paused_total_is_the_rounded_union_not_a_sum_of_rounded_pauses() -> None:
    stats = StatsProjection()
    scene = Scene(stats)
    scene.agent("1001", "Alice Martin", T, "sales")
    for start in (10.4, 30.4, 50.4):  # three pauses of 10.4 s: 31.2 s in all
        scene.pause("1001", T + start, "sales", "break")
        scene.unpause("1001", T + start + 10.4, "sales")
    alice = agent_figures(stats, T + 400.0)
    assert alice["paused_s_by_reason"] == {"break": 31}
    assert alice["pauses_by_reason"] == {"break": 3}


def test_a_completion_asterisk_did_not_report_is_timed_from_the_fractional_times() -> None:
    call = Call("100.1", 100.0, "Local/555@callers-1;1", "555", "Ann")
    call.join_queue(100.0, "sales", "100.1", 1, "555", "Ann")
    call.answer(110.9, "sales", "Local/1001@agents/n", "Alice", 10, 1)
    call.end(127.1, 16, "Normal Clearing")  # 16.2 s of talk; floors say 17
    completed = [e for e in call.collect_events() if type(e).__name__ == "Completed"]
    assert completed[0].talk_s == 16  # type: ignore[attr-defined]


def test_an_outbound_call_talks_for_its_rounded_fractional_time() -> None:
    stats = StatsProjection()
    scene = Scene(stats)
    scene.agent("1001", "Alice Martin", T, "sales")
    out = scene.dial("O1", T + 10.0, "1001", "6175550001")
    scene.dial_ended(out, T + 14.9, "ANSWER")
    scene.end(out, T + 75.1)  # 60.2 s of talk; floors say 61
    assert stats.figures(until=T + 400.0)["outbound"]["talk_total_s"] == 60


def test_a_caller_found_gone_at_a_resync_waited_the_rounded_fractional_time() -> None:
    stats = StatsProjection()
    scene = Scene(stats)
    call = scene.caller("L1", T + 10.9, "5551", "Ann", "sales")
    call.close_by_resync(T + 40.1)  # 29.2 s; floors say 30
    scene.feed(call)
    [visit] = stats.visits
    assert visit.wait_s == 29


def test_a_pause_the_snapshot_dates_to_the_whole_second_is_measured_as_queue_log_does() -> None:
    """``LastPause`` is the floor of the pause's instant: 180 to 185.838 is 5 s in
    queue_log (185 - 180), not the 6 that rounding 5.838 would say."""
    stats = StatsProjection()
    scene = Scene(stats)
    alice = scene.agent("1001", "Alice Martin", T + 100.0, "sales")
    alice.set_paused(T + 180.0, "sales", True, "training", inferred=True)
    scene.feed(alice)
    scene.unpause("1001", T + 185.838, "sales")
    assert agent_figures(stats, T + 400.0)["paused_s_by_reason"] == {"training": 5}
