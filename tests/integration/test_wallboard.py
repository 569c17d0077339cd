"""The wallboard from the recorded scenarios: at the end it equals the queue_log ground
truth; ``--at`` mid-capture equals a brute-force recount of the events before then."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.store.application import open_app, read_events
from api.cli.main import main
from tests.conftest import SCENARIOS, summary
from tests.integration.test_scenarios import close, differences

SUMMARY_SCENARIOS = ["basic-day", "outbound-telesales", "supervision"]


def ingest(store: str, scenario: str) -> None:
    assert main(["ingest", "--store", store, *map(str, SCENARIOS[scenario])]) == 0


def wallboard_at(store: str, at: float, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    iso = datetime.fromtimestamp(at, UTC).isoformat()
    assert main(["wallboard", "--store", store, "--at", iso, "--json"]) == 0
    view: dict[str, Any] = json.loads(capsys.readouterr().out)
    return view


def all_events(store: str) -> list[Any]:
    app = open_app(store)
    try:
        return list(read_events(app))
    finally:
        app.close()


def brute_force(events: list[Any], at: float) -> dict[str, dict[str, Any]]:
    """Recount from scratch, the simplest way: every visit's first outcome before ``at``."""
    visits: list[dict[str, Any]] = []
    open_visit: dict[tuple[Any, str], dict[str, Any]] = {}
    ended: set[Any] = set()
    members: dict[str, set[Any]] = defaultdict(set)
    for e in events:
        if getattr(e, "at", None) is None or e.at > at:
            continue
        name, call = type(e).__qualname__, e.originator_id
        key = (call, getattr(e, "queue", ""))
        if name == "Call.Queued":
            visit = {"queue": e.queue, "joined": e.at, "outcome": None, "call": call}
            visits.append(visit)
            open_visit[key] = visit
        elif name == "Call.Answered" and key in open_visit:
            open_visit[key].update(outcome="answered", wait=e.wait_s)
        elif name in ("Call.Completed", "Call.ExitedQueue", "Call.TimedOut",
                      "Call.Abandoned") and key in open_visit:
            visit = open_visit.pop(key)
            if name == "Call.TimedOut":
                visit["outcome"] = "timeout"
            elif name == "Call.Abandoned":
                visit["outcome"] = "lost" if e.by_shutdown else "abandoned"
            elif name == "Call.ExitedQueue":
                visit["outcome"] = "exit"
        elif name in ("Call.ClosedByResync", "Call.LostByRestart", "Call.Ended"):
            ended.add(call)
            for k in [k for k in open_visit if k[0] == call]:
                if open_visit[k]["outcome"] is None and name != "Call.Ended":
                    # gone in a feed gap: abandoned where the PBX's counters said so
                    open_visit[k]["outcome"] = "abandoned" if k[1] in (
                        getattr(e, "abandoned_queues", None) or ()) else "gone"
                if name != "Call.Ended":
                    del open_visit[k]
        elif name == "Agent.LoggedIn":
            members[e.queue].add(call)
        elif name == "Agent.LoggedOut":
            members[e.queue].discard(call)
    out: dict[str, dict[str, Any]] = {}
    for queue in {v["queue"] for v in visits} | set(members):
        mine = [v for v in visits if v["queue"] == queue]
        waiting = [v for v in mine if v["outcome"] is None and v["call"] not in ended]
        answered = [v for v in mine if v["outcome"] == "answered"]
        out[queue] = {
            "offered": len(mine),
            "answered": len(answered),
            "abandoned": sum(1 for v in mine if v["outcome"] == "abandoned"),
            "timed_out": sum(1 for v in mine if v["outcome"] == "timeout"),
            "asa_s": round(sum(v["wait"] for v in answered) / len(answered), 2)
            if answered else None,
            "waiting_now": len(waiting),
            "longest_wait_s": round(at - min(v["joined"] for v in waiting), 2)
            if waiting else 0,
            "logged_in": len(members[queue]),
        }
    return out


def board_figures(view: dict[str, Any], queue: str) -> dict[str, Any]:
    day, live = view["day"]["queues"][queue], view["now"]["queues"][queue]
    return {"offered": day["offered"], "answered": day["answered"],
            "abandoned": day["abandoned"], "timed_out": day["timed_out"],
            "asa_s": day["asa_s"], "waiting_now": live["waiting_now"],
            "longest_wait_s": live["longest_wait_s"], "logged_in": live["logged_in"]}


@pytest.mark.parametrize("scenario", SUMMARY_SCENARIOS)
def test_wallboard_at_the_end_of_a_capture_equals_the_queue_log_ground_truth(
    scenario: str, sqlite_store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(sqlite_store, scenario)
    truth = summary(scenario)
    view = wallboard_at(sqlite_store, truth["capture_end"], capsys)
    day = view["day"]["queues"]
    assert differences(truth["queues"], day, "queues.") == []
    totals = view["day"]["totals"]
    for key, value in truth["totals_inbound"].items():
        assert close(value, totals[key]), key
    for queue, figures in truth["queues"].items():
        assert day[queue]["asa_s"] == figures["hold_answered_mean_s"]
        assert day[queue]["service_level"]["answered"] == figures["service_level_pct"]


def test_wallboard_mid_capture_equals_a_brute_force_recount_on_both_stores(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(store_url, "basic-day")
    events = all_events(store_url)
    truth = summary("basic-day")
    start, end = truth["capture_start"], truth["capture_end"]
    instants = [start + (end - start) * f for f in (0.1, 0.3, 0.5, 0.7, 0.9)]
    busiest = 0
    for at in instants:
        view = wallboard_at(store_url, at, capsys)
        expected = brute_force(events, at)
        for queue, figures in expected.items():
            assert board_figures(view, queue) == figures, (at, queue)
            busiest = max(busiest, figures["waiting_now"])
    assert busiest > 0  # the instants caught callers waiting, so the check means something


def test_every_scenario_mid_capture_equals_a_brute_force_recount(
    sqlite_store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for scenario in ("outbound-telesales", "supervision", "restart"):
        ingest(sqlite_store, scenario)
    events = all_events(sqlite_store)
    times = sorted(e.at for e in events if getattr(e, "at", None))
    for fraction in (0.2, 0.4, 0.6, 0.8):
        at = times[int(len(times) * fraction)] + 0.5
        view = wallboard_at(sqlite_store, at, capsys)
        for queue, figures in brute_force(events, at).items():
            assert board_figures(view, queue) == figures, (at, queue)


def test_restart_calls_in_flight_end_lost_or_closed_never_abandoned_and_leave_no_ghosts(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(store_url, "restart")
    truth = summary("restart")
    view = wallboard_at(store_url, truth["capture_end"], capsys)
    day, now = view["day"]["queues"], view["now"]
    for queue in ("sales", "support"):
        expected, got = truth["queues"][queue], day[queue]
        # queue_log's ABANDON count = real abandons (those in the feed gap too, told by the
        # PBX's counters) + hung up by the shutdown; the board keeps the two apart
        assert got["abandoned"] + got["abandoned_by_shutdown"] + got[
            "left_unanswered_in_feed_gap"] == expected["abandoned"]
        assert got["abandoned"] == expected["abandoned"] - got["abandoned_by_shutdown"]
        assert got["lost_by_restart"] >= got["abandoned_by_shutdown"] > 0
        assert got["answered"] == expected["answered"]
        assert got["offered"] == expected["offered"]
    assert sum(day[q]["left_unanswered_in_feed_gap"] for q in day) == 0  # none unknown
    assert sum(day[q]["closed_by_resync"] for q in day) == 3  # 2 callers and 1 call
    assert now["totals"]["waiting_now"] == 0
    assert now["totals"]["agents"]["on-call"] == 0
    assert now["totals"]["agents"]["ringing"] == 0
    # while the PBX restarted and right after it came back: none of the calls it dropped
    # is still on the board (the only caller waiting then joined after the boot)
    events = all_events(store_url)
    shutdown = next(e.at for e in events if type(e).__qualname__ == "Pbx.ShutDown")
    booted = next(e.at for e in events
                  if type(e).__qualname__ == "Pbx.Booted" and e.at > shutdown)
    during = wallboard_at(store_url, shutdown + 0.5, capsys)["now"]["totals"]
    assert during["waiting_now"] == 0 and during["agents"]["on-call"] == 0
    after = wallboard_at(store_url, booted + 1, capsys)["now"]["totals"]
    assert after["longest_wait_s"] <= 1.0 and after["agents"]["on-call"] == 0
