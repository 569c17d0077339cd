"""What a resync after a feed gap tells: calls that ended in the gap, callers the
snapshot shows, and the figures built on them (issue 13, findings 3b, 5)."""

from __future__ import annotations

from domain.telephony import commands as c
from domain.telephony.call import Call
from domain.telephony.handlers import CommandHandler
from projections.floor.queue_stats import StatsProjection
from tests.support.scene import Scene
from tests.unit.test_call import InMemoryAggregates

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


# -- a QueueStatus snapshot closes the waiting visits it no longer lists (finding 3b) ------

ALICE = "Local/1001@agents/n"


def member(last_call: float = 0.0, status: int = 2) -> c.SnapshotMember:
    return c.SnapshotMember(ALICE, "sales", "Alice Martin", 0, False, "", T - 600, 0.0,
                            last_call, status)


def caller_leg(linkedid: str, application: str, bridge: str = "",
               duration_s: int = 40) -> c.SnapshotChannel:
    return c.SnapshotChannel(linkedid, linkedid, f"Local/555@callers-{linkedid};1", "555",
                             "Ann", application, duration_s, bridge)


def agent_leg(linkedid: str, bridge: str, duration_s: int) -> c.SnapshotChannel:
    return c.SnapshotChannel(linkedid, f"{linkedid}9", "Local/1001@agents-0000abcd;1", "555",
                             "Ann", "AppQueue", duration_s, bridge)


def waiting_then_resync(*channels: c.SnapshotChannel) -> tuple[InMemoryAggregates,
                                                                 CommandHandler]:
    aggregates = InMemoryAggregates()
    handler = CommandHandler(aggregates)
    handler.handle(c.LogInAgent(ALICE, T - 600, "sales", "Alice Martin", 0, False, ""))
    handler.handle(c.StartCall("L1", T, "Local/555@callers-L1;1", "555", "Ann"))
    handler.handle(c.JoinQueue("L1", T, "sales", "L1", "Local/555@callers-L1;1", 1, "555",
                               "Ann"))
    # the feed is down; at the resync the caller is no longer in the queue's list
    handler.handle(c.ReconcileSnapshot(T + 40, "QueueStatus", members=(member(),)))
    handler.handle(c.ReconcileSnapshot(T + 40.1, "CoreShowChannels", channels=channels))
    return aggregates, handler


def test_a_caller_answered_in_the_gap_is_answered_by_the_agent_bridged_with_them() -> None:
    aggregates, handler = waiting_then_resync(caller_leg("L1", "Queue", "b-1"),
                                              agent_leg("L1", "b-1", 25))
    call = aggregates.calls["L1"]
    [visit] = call.visits
    assert (visit.outcome, visit.agent, visit.answered_at) == ("answered", ALICE, T + 15.1)
    answered = [e for e in call.collect_events() if type(e).__name__ == "Answered"]
    assert answered[0].inferred is True  # type: ignore[attr-defined]
    assert answered[0].wait_s == 15  # type: ignore[attr-defined]
    # the call's later events apply: its AgentComplete is not refused
    handler.handle(c.CompleteCall("L1", T + 90, "sales", ALICE, "Alice Martin", 75, "agent"))
    assert visit.completed


def test_a_caller_alive_but_no_longer_in_the_queue_is_no_longer_waiting() -> None:
    aggregates, _ = waiting_then_resync(caller_leg("L1", "Playback"))
    call = aggregates.calls["L1"]
    assert not call.ended
    assert not call.is_waiting
    assert call.visits[0].outcome == "exit-unlisted"


def test_a_caller_the_snapshot_still_lists_waits_on() -> None:
    aggregates = InMemoryAggregates()
    handler = CommandHandler(aggregates)
    handler.handle(c.StartCall("L1", T, "Local/555@callers-L1;1", "555", "Ann"))
    handler.handle(c.JoinQueue("L1", T, "sales", "L1", "Local/555@callers-L1;1", 1, "555",
                               "Ann"))
    entry = c.SnapshotWaiting("sales", "L1", "Local/555@callers-L1;1", "555", "Ann", 40, 1)
    handler.handle(c.ReconcileSnapshot(T + 40, "QueueStatus", waiting=(entry,)))
    handler.handle(c.ReconcileSnapshot(T + 40.1, "CoreShowChannels",
                                       channels=(caller_leg("L1", "Queue"),)))
    assert aggregates.calls["L1"].is_waiting


def test_queue_member_added_and_pause_carry_the_device_state() -> None:
    added = c.LogInAgent(ALICE, T, "sales", "Alice Martin", 0, False, "", status=2)
    paused = c.PauseAgent(ALICE, T + 5, "sales", "Alice Martin", True, "lunch", status=6)
    aggregates = InMemoryAggregates()
    handler = CommandHandler(aggregates)
    handler.handle(added)
    assert aggregates.agents[ALICE].device_state == "in-use"
    handler.handle(paused)
    assert aggregates.agents[ALICE].device_state == "ringing"


# -- a feed gap classified by the PBX's own counters (finding 2) ------------------------------

def params(at: float, abandoned: int, completed: int = 10) -> c.ConfigureQueue:
    return c.ConfigureQueue("sales", at, "rrmemory", 20, abandoned, completed)


def gap_with(*between: c.Command) -> str | None:
    """Ann waits in sales; the feed goes down; at the resync she is gone. ``between`` are
    the commands of the resync (and before it) that tell what happened."""
    aggregates = InMemoryAggregates()
    handler = CommandHandler(aggregates)
    handler.handle(params(T - 100, 57))
    handler.handle(c.StartCall("L1", T, "Local/555@callers-L1;1", "555", "Ann"))
    handler.handle(c.JoinQueue("L1", T, "sales", "L1", "Local/555@callers-L1;1", 1, "555",
                               "Ann"))
    for command in between:
        handler.handle(command)
    handler.handle(c.ReconcileSnapshot(T + 40, "QueueStatus"))
    handler.handle(c.ReconcileSnapshot(T + 40.1, "CoreShowChannels"))
    call = aggregates.calls["L1"]
    assert call.ended
    return call.visits[0].outcome


def test_a_caller_gone_in_a_gap_whose_queue_counted_one_abandon_more_abandoned() -> None:
    assert gap_with(params(T + 40, 58)) == "abandoned"


def test_abandons_seen_before_the_gap_are_not_counted_as_the_gaps() -> None:
    ben = "Local/556@callers-L2;1"
    other: list[c.Command] = [
        c.StartCall("L2", T + 1, ben, "556", "Ben"),
        c.JoinQueue("L2", T + 1, "sales", "L2", ben, 2, "556", "Ben"),
        c.ChannelHangupRequested("L2", T + 5, "L2", 16, False, ben),
        c.LeaveQueueUnanswered("L2", T + 5, "sales", 4, 2)]
    assert gap_with(*other, params(T + 40, 58)) == "closed-by-resync"  # 58 - 57 - 1 = 0
    assert gap_with(*other, params(T + 40, 59)) == "abandoned"


def test_when_the_counters_do_not_tell_the_caller_is_left_unknown() -> None:
    assert gap_with(params(T + 40, 57)) == "closed-by-resync"  # no abandon: answered? left?
    assert gap_with(params(T + 40, 60)) == "closed-by-resync"  # 3 abandons for 1 caller


def test_counters_reset_by_a_pbx_restart_say_nothing_about_the_gap() -> None:
    assert gap_with(params(T + 40, 1)) == "closed-by-resync"  # went down: a restart


def test_after_a_pbx_restart_the_counters_count_from_the_new_boot() -> None:
    aggregates = InMemoryAggregates()
    handler = CommandHandler(aggregates)
    for command in (c.BootPbx(T - 300, 10_000), params(T - 290, 57),
                    c.BootPbx(T - 200, 5), params(T - 190, 0)):  # restarted: from 0 again
        handler.handle(command)
    handler.handle(c.StartCall("L1", T, "Local/555@callers-L1;1", "555", "Ann"))
    handler.handle(c.JoinQueue("L1", T, "sales", "L1", "Local/555@callers-L1;1", 1, "555",
                               "Ann"))
    handler.handle(params(T + 40, 1))
    handler.handle(c.ReconcileSnapshot(T + 40, "QueueStatus"))
    handler.handle(c.ReconcileSnapshot(T + 40.1, "CoreShowChannels"))
    assert aggregates.calls["L1"].visits[0].outcome == "abandoned"


def test_a_handler_started_after_a_restart_of_ingestion_recalls_the_counters_it_had(
) -> None:
    """Ingestion restarted between two readings: the new handler recalls the stored
    frames' commands (readings, abandons, boots) and classifies the gap as the first
    would have; a handler that did not recall them would leave it unknown."""
    earlier: list[c.Command] = [c.BootPbx(T - 300, 10_000), params(T - 100, 57)]
    for recalls, outcome in ((True, "abandoned"), (False, "closed-by-resync")):
        aggregates = InMemoryAggregates()
        first = CommandHandler(aggregates)
        for command in earlier:
            first.handle(command)
        first.handle(c.StartCall("L1", T, "Local/555@callers-L1;1", "555", "Ann"))
        first.handle(c.JoinQueue("L1", T, "sales", "L1", "Local/555@callers-L1;1", 1,
                                 "555", "Ann"))
        restarted = CommandHandler(aggregates)  # the aggregates come back from the store
        if recalls:
            for command in earlier:
                restarted.recall(command)
        for command in (params(T + 40, 58), c.ReconcileSnapshot(T + 40, "QueueStatus"),
                        c.ReconcileSnapshot(T + 40.1, "CoreShowChannels")):
            restarted.handle(command)
        assert aggregates.calls["L1"].visits[0].outcome == outcome, recalls


def test_a_gap_abandon_counts_as_abandoned_and_the_call_as_closed_by_resync() -> None:
    stats = StatsProjection()
    scene = Scene(stats)
    call = scene.caller("L1", T + 10.0, "5551", "Ann", "sales")
    call.close_by_resync(T + 40.0, abandoned_queues=("sales",))
    scene.feed(call)
    sales = stats.figures(until=T + 60)["queues"]["sales"]
    assert (sales["abandoned"], sales["closed_by_resync"]) == (1, 1)
    assert sales["left_unanswered_in_feed_gap"] == 0
    # its wait is known only up to the resync: kept on the visit, out of the wait figures
    assert stats.visits[0].wait_s == 30
    assert sales["wait_abandoned_max_s"] is None


# -- calls that joined and were answered while the feed was down (finding 4) ------------

def test_a_call_answered_in_the_gap_is_opened_with_its_visit_and_answer_from_the_snapshot(
) -> None:
    aggregates = InMemoryAggregates()
    handler = CommandHandler(aggregates)
    handler.handle(c.LogInAgent(ALICE, T - 600, "sales", "Alice Martin", 0, False, ""))
    # the log never saw L9: it joined and was answered while the feed was down
    handler.handle(c.ReconcileSnapshot(T + 40, "QueueStatus", members=(member(),)))
    caller = c.SnapshotChannel("L9", "L9", "Local/555@callers-L9;1", "555", "Ann", "Queue",
                               30, "b-9", "sales,t,,,120,,qconnect")
    handler.handle(c.ReconcileSnapshot(T + 40.1, "CoreShowChannels",
                                       channels=(caller, agent_leg("L9", "b-9", 12))))
    call = aggregates.calls["L9"]
    [visit] = call.visits
    assert (visit.queue, visit.joined_at, visit.outcome, visit.agent, visit.answered_at) == (
        "sales", T + 10.1, "answered", ALICE, T + 28.1)
    events = {type(e).__name__: e for e in call.collect_events()}
    assert events["Queued"].inferred and events["Answered"].inferred  # type: ignore[attr-defined]
    handler.handle(c.CompleteCall("L9", T + 90, "sales", ALICE, "Alice Martin", 62, "caller"))
    assert visit.completed  # its AgentComplete applies
