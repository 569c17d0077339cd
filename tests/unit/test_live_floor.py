"""The live floor: agents' states and the calls in progress, folded from domain events."""

from __future__ import annotations

from domain.telephony.agent import Agent
from domain.telephony.call import Call
from projections.floor.live import AgentNow, LiveFloor
from tests.support.scene import Scene


def floor_with(*extensions: str, queues: tuple[str, ...] = ("sales",)) -> tuple[
        LiveFloor, Scene]:
    floor = LiveFloor()
    scene = Scene(floor)
    for n, extension in enumerate(extensions):
        scene.agent(extension, f"Agent {extension}", 100.0 + n, *queues)
    return floor, scene


def agent_now(floor: LiveFloor, extension: str) -> AgentNow:
    agent = floor.agent_by_extension(extension)
    assert agent is not None
    return agent


def test_an_agent_goes_from_logged_out_to_available_ringing_on_call_on_hold_wrap_up_and_back(
) -> None:
    floor = LiveFloor()
    scene = Scene(floor)
    agent = Agent("Local/1001@agents/n", "Alice Martin", 90.0)
    scene.feed(agent)
    seen = [(agent_now(floor, "1001").state, agent_now(floor, "1001").since)]
    agent.log_in(100.0, "sales", "Alice Martin", 0, False, "")
    scene.feed(agent)
    scene.agents["1001"] = agent
    now = agent_now(floor, "1001")
    seen.append((now.state, now.since))
    call = scene.caller("L1", 101.0, "5551", "Ann", "sales")
    scene.ring(call, 102.0, "sales", "1001")
    seen.append((now.state, now.since))
    scene.answer(call, 105.0, "sales", "1001")
    seen.append((now.state, now.since))
    scene.hold(call, 110.0)
    seen.append((now.state, now.since))
    scene.unhold(call, 120.0)
    seen.append((now.state, now.since))
    scene.complete(call, 130.0, "sales", "1001", free_after_s=None)  # phone still busy
    seen.append((now.state, now.since))
    scene.device("1001", 134.0, "not-in-use")
    seen.append((now.state, now.since))
    assert seen == [("logged-out", 90.0), ("available", 100.0), ("ringing", 102.0),
                    ("on-call", 105.0), ("on-hold", 110.0), ("on-call", 120.0),
                    ("wrap-up", 130.0), ("available", 134.0)]
    assert now.call_id is None


def test_an_agent_whose_phone_is_freed_with_the_call_end_is_available_at_once() -> None:
    floor, scene = floor_with("1001")
    call = scene.caller("L1", 101.0, "5551", "Ann", "sales")
    scene.ring(call, 102.0, "sales", "1001")
    scene.answer(call, 105.0, "sales", "1001")
    scene.complete(call, 130.0, "sales", "1001")
    assert (agent_now(floor, "1001").state, agent_now(floor, "1001").since) == (
        "available", 130.0)


def test_a_pause_in_one_queue_shows_paused_only_in_that_queue() -> None:
    floor, scene = floor_with("1001", queues=("sales", "support"))
    scene.pause("1001", 110.0, "sales", "lunch")
    agent = agent_now(floor, "1001")
    assert agent.state == "available"
    assert floor.state_in_queue(agent, "sales") == ("paused", "lunch")
    assert floor.state_in_queue(agent, "support") == ("available", "")
    assert floor.state_in_queue(agent, "billing") == ("logged-out", "")
    scene.pause("1001", 120.0, "support", "lunch")
    assert (agent.state, agent.reason, agent.since) == ("paused", "lunch", 120.0)
    scene.unpause("1001", 150.0, "sales")
    assert (agent.state, agent.reason) == ("available", "")
    assert floor.state_in_queue(agent, "support") == ("paused", "lunch")


def test_an_agent_paused_in_one_queue_ringing_from_the_other_is_ringing_in_both() -> None:
    floor, scene = floor_with("1001", queues=("sales", "support"))
    scene.pause("1001", 110.0, "sales", "training")
    call = scene.caller("L1", 111.0, "5551", "Ann", "support")
    scene.ring(call, 112.0, "support", "1001")
    agent = agent_now(floor, "1001")
    assert floor.state_in_queue(agent, "support") == ("ringing", "")
    assert floor.state_in_queue(agent, "sales") == ("ringing", "")


def test_a_call_closed_by_resync_leaves_the_floor_and_is_departed_and_frees_its_agent(
) -> None:
    floor, scene = floor_with("1001")
    call = scene.caller("L1", 101.0, "5551", "Ann", "sales")
    scene.answer(call, 105.0, "sales", "1001")
    assert agent_now(floor, "1001").call_id == str(call.id)
    call.close_by_resync(200.0, last_call_end=190.0)
    scene.feed(call)
    assert floor.calls == {}
    assert [(d["linkedid"], d["reason"], d["at"]) for d in floor.departed] == [
        ("L1", "closed-by-resync", 200.0)]
    agent = agent_now(floor, "1001")
    assert agent.call_id is None
    assert agent.state not in ("on-call", "on-hold", "ringing")
    scene.device("1001", 201.0, "not-in-use")  # the snapshot's member status
    assert agent.state == "available"


def test_calls_lost_by_a_restart_leave_the_floor_and_are_departed_in_the_order_lost() -> None:
    floor, scene = floor_with("1001")
    talking = scene.caller("L1", 101.0, "5551", "Ann", "sales")
    scene.answer(talking, 105.0, "sales", "1001")
    waiting = scene.caller("L2", 106.0, "5552", "Ben", "sales")
    talking.lose_by_restart(150.0)
    waiting.lose_by_restart(150.1)
    scene.feed(talking, waiting)
    assert floor.calls == {}
    assert floor.waiting() == []
    assert [(d["linkedid"], d["number"], d["queue"], d["reason"]) for d in floor.departed] == [
        ("L1", "5551", "sales", "lost-by-restart"), ("L2", "5552", "sales", "lost-by-restart")]
    assert agent_now(floor, "1001").call_id is None
    assert agent_now(floor, "1001").state != "on-call"


def test_an_ordinary_end_leaves_the_floor_without_being_departed() -> None:
    floor, scene = floor_with("1001")
    call = scene.caller("L1", 101.0, "5551", "Ann", "sales")
    scene.answer(call, 105.0, "sales", "1001")
    scene.complete(call, 130.0, "sales", "1001")
    scene.end(call, 130.1)
    assert floor.calls == {} and list(floor.departed) == []


def test_a_blind_transfer_puts_the_caller_back_to_waiting_and_frees_the_first_agent() -> None:
    floor, scene = floor_with("1001", "1002", queues=("sales", "support"))
    call = scene.caller("L1", 101.0, "5551", "Ann", "sales")
    scene.answer(call, 105.0, "sales", "1001")
    scene.complete(call, 120.0, "sales", "1001", reason="transfer")
    call.join_queue(120.1, "support", "L1", 1, "5551", "Ann")
    scene.feed(call)
    live = floor.calls[str(call.id)]
    assert (live.queue, live.waiting_since, live.answered_at, live.agent) == (
        "support", 120.1, None, None)
    assert agent_now(floor, "1001").call_id is None
    scene.answer(call, 125.0, "support", "1002")
    assert (live.agent, live.agent_name, live.answered_at) == (
        "Local/1002@agents/n", "Agent 1002", 125.0)


def test_a_ringing_call_knows_which_agents_it_rings_until_answered() -> None:
    floor, scene = floor_with("1001", "1002")
    call = scene.caller("L1", 101.0, "5551", "Ann", "sales")
    scene.ring(call, 102.0, "sales", "1001")
    scene.ring(call, 102.0, "sales", "1002")
    live = floor.calls[str(call.id)]
    assert live.ringing == {"Local/1001@agents/n", "Local/1002@agents/n"}
    call.note_ring_no_answer(107.0, "sales", "Local/1001@agents/n", "Agent 1001", 5000)
    scene.feed(call)
    assert live.ringing == {"Local/1002@agents/n"}
    scene.answer(call, 108.0, "sales", "1002")
    assert live.ringing == set()


def test_an_outbound_call_is_answered_when_the_customer_answers() -> None:
    floor, scene = floor_with("1003", queues=("outbound",))
    call = scene.dial("O1", 200.0, "1003", "6175557826")
    live = floor.calls[str(call.id)]
    assert (live.direction, live.number, live.agent, live.agent_name, live.answered_at) == (
        "outbound", "6175557826", "1003", "Agent 1003", None)
    assert agent_now(floor, "1003").call_id == str(call.id)
    scene.dial_ended(call, 204.0, "ANSWER")
    assert (live.answered_at, live.dial_status) == (204.0, "ANSWER")
    assert agent_now(floor, "1003").state == "on-call"
    scene.end(call, 240.0)
    assert agent_now(floor, "1003").call_id is None


def test_a_supervisors_mode_is_known_whichever_of_the_two_calls_the_log_brings_first() -> None:
    floor, scene = floor_with("1001", "1002")
    first = scene.caller("L1", 101.0, "5551", "Ann", "sales")
    scene.answer(first, 105.0, "sales", "1001")
    second = scene.caller("L2", 102.0, "5552", "Ben", "sales")
    scene.answer(second, 106.0, "sales", "1002")
    spy_one = scene.spy("S1", 110.0, first, "qEbw")
    spy_two = scene.spy("S2", 111.0, second, "qEbB", feed_target_first=True)
    modes = {c.linkedid: [(s.extension, s.mode) for s in c.supervisors.values()]
             for c in floor.calls.values()}
    assert modes["L1"] == [("9001", "whisper")]
    assert modes["L2"] == [("9001", "barge")]
    assert not floor.calls[str(spy_one.id)].spy_target
    scene.stop_spying(spy_two, 120.0, second)
    assert floor.calls[str(second.id)].supervisors == {}
    assert str(spy_two.id) not in floor.calls


def test_a_spied_call_stored_after_its_supervisor_call_ended_still_gets_the_mode() -> None:
    floor, scene = floor_with("1001")
    target = scene.caller("L1", 101.0, "5551", "Ann", "sales")
    scene.answer(target, 105.0, "sales", "1001")
    spy = Call("S1", 110.0, "Local/9001@supervisor-S1;1", "", "")
    spy.note_originate(110.0, "ChanSpy", "Local/1001@agents-L1;1,qEbw")
    spy.end(115.0, 16, "Normal Clearing")
    target.start_supervision(110.1, "Local/9001@supervisor-S1;1", "S1")
    scene.feed(spy, target)
    supervisors = list(floor.calls[str(target.id)].supervisors.values())
    assert [(s.extension, s.mode, s.since) for s in supervisors] == [("9001", "whisper", 110.1)]
