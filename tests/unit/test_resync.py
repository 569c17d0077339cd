"""What a resync after a feed gap tells: calls that ended in the gap, callers the
snapshot shows, and the figures built on them (issue 13, findings 3b, 5)."""

from __future__ import annotations

from domain.telephony.call import Call
from projections.floor.queue_stats import StatsProjection
from tests.support.scene import Scene

T = 1795424400.0  # 2026-11-23 09:00 UTC


def test_closed_by_resync_counts_the_calls_that_ended_in_the_gap_not_inferred_visits(
) -> None:
    stats = StatsProjection()
    scene = Scene(stats)
    scene.agent("1001", "Alice Martin", T, "sales")
    gone = scene.caller("GONE", T + 10, "5551", "Ann", "sales")
    # the resync's QueueStatus shows three callers the log never saw join (inferred)
    for n in range(3):
        seen = Call(f"SEEN{n}", T + 20, f"Local/555{n}@callers-{n};1", "", "",
                    inferred=True)
        seen.join_queue(T + 20, "sales", f"SEEN{n}", n + 1, f"555{n}", "", inferred=True)
        scene.feed(seen)
    gone.close_by_resync(T + 30)  # the one call that ended while the feed was down
    scene.feed(gone)
    sales = stats.figures(until=T + 60)["queues"]["sales"]
    assert sales["offered"] == 4
    assert sales["closed_by_resync"] == 1
    assert sales["left_unanswered_in_feed_gap"] == 1
