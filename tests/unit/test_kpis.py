"""Agent KPIs per day folded from domain events, and the daily target check."""

from __future__ import annotations

import pickle
from datetime import time

from domain.complaints.complaint import Complaint
from domain.complaints.deadlines import DeadlinePolicy
from domain.outbound.wrapup import Wrapup
from projections.business_day import BoardPolicy
from projections.workforce.kpis import KpiFold, KpiPolicy, target_check
from tests.support.scene import Scene

DAY = "2026-11-23"
T0 = 1_795_424_400.0  # 2026-11-23 09:00:00 UTC


def test_the_target_is_met_by_sales_or_answered_calls_and_failing_both_by_dials() -> None:
    policy = KpiPolicy()  # 30 sales, or 40 answered, else 60 dials
    assert target_check(30, 0, 0, policy)["met_by"] == "sales"
    assert target_check(29, 40, 0, policy)["met_by"] == "answered"
    assert target_check(29, 39, 60, policy)["met_by"] == "dials"
    missed = target_check(29, 39, 59, policy)
    assert missed["met"] is False and missed["met_by"] is None
    assert missed["thresholds"] == {"sales": 30, "answered": 40, "dials": 60}


def dialled(scene: Scene, linkedid: str, at: float, ext: str, status: str,
            talk_s: float = 0.0) -> None:
    call = scene.dial(linkedid, at, ext, f"617555{linkedid[-4:]}")
    scene.dial_ended(call, at + 5, status)
    scene.end(call, at + 5 + talk_s)


def test_dials_connects_and_effective_conversations_follow_the_threshold_when_read() -> None:
    fold = KpiFold()
    scene = Scene(fold)
    scene.agent("1003", "Carol Nguyen", T0, "sales", "outbound")
    dialled(scene, "1.0001", T0 + 60, "1003", "ANSWER", 75)
    dialled(scene, "1.0002", T0 + 300, "1003", "ANSWER", 30)
    dialled(scene, "1.0003", T0 + 600, "1003", "BUSY")
    [carol] = fold.report(DAY, T0 + 3600)["agents"]
    assert (carol["agent"], carol["dials"], carol["connects"]) == ("Carol Nguyen", 3, 2)
    assert carol["contact_rate"] == 66.67 and carol["talk_outbound_s"] == 105
    assert carol["effective_conversations"] == 1  # >= 60 s: the 75 s call only
    [relaxed] = fold.report(DAY, T0 + 3600, KpiPolicy(effective_s=30))["agents"]
    assert relaxed["effective_conversations"] == 2  # no rebuild needed


def test_answered_queue_calls_and_their_talk_count_for_the_agent() -> None:
    fold = KpiFold()
    scene = Scene(fold)
    scene.agent("1001", "Alice Martin", T0, "sales")
    call = scene.caller("2.0001", T0 + 10, "2025553288", "Ana", "sales")
    scene.answer(call, T0 + 14, "sales", "1001")
    scene.complete(call, T0 + 33, "sales", "1001")
    scene.end(call, T0 + 33)
    [alice] = fold.report(DAY, T0 + 60)["agents"]
    assert (alice["answered_inbound"], alice["talk_inbound_s"], alice["dials"]) == (1, 19, 0)
    assert alice["target"]["answered"] == 1


def test_pauses_in_several_queues_count_once_per_reason_and_run_up_to_now() -> None:
    fold = KpiFold()
    scene = Scene(fold)
    scene.agent("1004", "Dave Okafor", T0, "sales", "outbound")
    scene.pause("1004", T0 + 100, "sales", "lunch")
    scene.pause("1004", T0 + 130, "outbound", "lunch")
    scene.unpause("1004", T0 + 400, "sales")
    scene.unpause("1004", T0 + 430, "outbound")
    scene.pause("1004", T0 + 1000, "sales", "training")
    [dave] = fold.report(DAY, T0 + 1250)["agents"]
    assert dave["paused_s_by_reason"] == {"lunch": 330, "training": 250}


def test_a_pause_of_33_19_seconds_counts_33_seconds_not_34_in_the_kpis() -> None:
    fold = KpiFold()
    scene = Scene(fold)
    scene.agent("1004", "Dave Okafor", T0, "sales")
    scene.pause("1004", T0 + 229.816, "sales", "lunch")
    scene.unpause("1004", T0 + 263.005, "sales")
    [dave] = fold.report(DAY, T0 + 600)["agents"]
    assert dave["paused_s_by_reason"] == {"lunch": 33}  # floors gave 263 - 229 = 34


def test_a_call_counts_on_the_business_day_it_started_in_the_centers_time_zone() -> None:
    fold = KpiFold(BoardPolicy(timezone="Asia/Shanghai", day_start=time(6, 0)))
    scene = Scene(fold)
    scene.agent("1003", "Carol", T0, "outbound")
    dialled(scene, "3.0001", T0 + 13 * 3600, "1003", "NOANSWER")  # 22:00 UTC = 06:00 +1d
    dialled(scene, "3.0002", T0 + 13 * 3600 - 1, "1003", "NOANSWER")  # 05:59:59 Shanghai
    assert [a["dials"] for a in fold.report("2026-11-24", T0 + 14 * 3600)["agents"]] == [1]
    assert [a["dials"] for a in fold.report("2026-11-23", T0 + 14 * 3600)["agents"]] == [1]
    assert fold.day_of(T0 + 13 * 3600) == "2026-11-24"


def test_the_latest_wrap_up_of_a_call_counts_as_intent_or_sale_on_the_calls_day() -> None:
    fold = KpiFold()
    scene = Scene(fold)
    scene.agent("1003", "Carol", T0, "outbound")
    for linkedid in ("4.0001", "4.0002"):
        dialled(scene, linkedid, T0 + 60, "1003", "ANSWER", 20)
    first, second = Wrapup("call-a", "4.0001", T0), Wrapup("call-b", "4.0002", T0)
    first.set_disposition(T0 + 90, "carol", "1003", "intent", "", "6175550001", T0 + 60)
    first.set_disposition(T0 + 95, "carol", "1003", "sale", "", "6175550001", T0 + 60)
    second.set_disposition(T0 + 99, "carol", "1003", "intent", "", "6175550002", T0 + 60)
    for event in [*first.collect_events(), *second.collect_events()]:
        fold.apply(event)
    [carol] = fold.report(DAY, T0 + 3600, KpiPolicy(target_sales=1))["agents"]
    assert (carol["intents"], carol["sales"], carol["conversion"]) == (1, 1, 50.0)
    assert carol["target"]["met"] is True and carol["target"]["met_by"] == "sales"


def test_complaints_linked_to_an_agent_and_the_qa_average_show_on_the_day() -> None:
    fold = KpiFold(qa_average=lambda ext, day: 87.5 if (ext, day) == ("1002", DAY) else None)
    complaint = Complaint.open("C-1", T0 + 50, "hana", channel="phone", customer_name="Ana",
                               customer_number="1", customer_contact="", matter="rude",
                               category="rudeness", severity="normal", major_reason="",
                               policy=DeadlinePolicy())
    complaint.link_agent(T0 + 60, "hana", "Local/1002@agents/n", "Bob Keller")
    for event in complaint.collect_events():
        fold.apply(event)
    [bob] = fold.report(DAY, T0 + 3600)["agents"]
    assert (bob["extension"], bob["complaints"], bob["qa_average"]) == ("1002", 1, 87.5)


def test_a_saved_fold_comes_back_with_its_figures_and_without_its_process_hooks() -> None:
    fold = KpiFold(policy=KpiPolicy(target_sales=1), qa_average=lambda ext, day: 1.0)
    scene = Scene(fold)
    scene.agent("1003", "Carol", T0, "outbound")
    dialled(scene, "5.0001", T0 + 60, "1003", "ANSWER", 61)
    loaded = pickle.loads(pickle.dumps(fold))
    assert loaded.policy == KpiPolicy() and loaded.qa_average is None
    assert loaded.report(DAY, T0 + 600)["agents"][0]["effective_conversations"] == 1
